# mkpkg glue: the buildlink3 tree, as pkgsrc's bsd.buildlink3.mk reads it.
#
# Every `.include "../../cat/name/buildlink3.mk"` adds `name` to
# BUILDLINK_TREE on entry and `-name` on exit, so the words of the tree nest
# like parentheses: what is included from the package's own Makefile is a
# direct dependency (depth 1), what those files include in turn is indirect.
#
# Direct dependencies become ordinary DEPENDS (BUILDLINK_DEPMETHOD.<pkg>
# "full", the default) or BUILD_DEPENDS ("build") entries `pattern:dir`, so
# that everything reading DEPENDS/BUILD_DEPENDS/TOOL_DEPENDS from bmake
# (mkpkg's depends phase, pbulk-index) sees the complete list once the
# makefiles are read. Indirect ones are run-time dependencies of the direct
# ones and come along with them; all of them are linked into the buildlink
# view the build sees.
#
# The driver reads the whole tree in one bmake evaluation from
# _MKPKG_BUILDLINK: one word per package and pattern,
# `name|full-or-build|direct-or-indirect|pkgsrcdir|pattern`.

BUILDLINK_TREE?=
USE_ABI_DEPENDS?=	yes
DEPENDS_TARGET?=	package-install

_BLNK_DEPTH:=
BUILDLINK_PACKAGES:=
BUILDLINK_DEPENDS:=
.for _p_ in ${BUILDLINK_TREE}
.  if "${_p_:M-*}" != ""
_BLNK_DEPTH:=		${_BLNK_DEPTH:S/+$//}
.  else
.    if empty(_BLNK_DEPTH)
BUILDLINK_DEPENDS:=	${BUILDLINK_DEPENDS} ${_p_}
.    endif
BUILDLINK_PACKAGES:=	${BUILDLINK_PACKAGES} ${_p_}
_BLNK_DEPTH:=		${_BLNK_DEPTH}+
.  endif
.endfor
BUILDLINK_DEPENDS:=	${BUILDLINK_DEPENDS:O:u}
BUILDLINK_PACKAGES:=	${BUILDLINK_PACKAGES:O:u}

_MKPKG_BUILDLINK=
.for _p_ in ${BUILDLINK_PACKAGES}
BUILDLINK_DEPMETHOD.${_p_}?=	full
BUILDLINK_PKGSRCDIR.${_p_}?=	../../nonexistent/${_p_}
BUILDLINK_API_DEPENDS.${_p_}?=	${_p_}-[0-9]*
BUILDLINK_PREFIX.${_p_}?=	${LOCALBASE}
# The stricter ABI pattern joins the API one unless USE_ABI_DEPENDS is off.
.  if ${USE_ABI_DEPENDS:tl} != "no" && defined(BUILDLINK_ABI_DEPENDS.${_p_})
_BLNK_PATTERNS.${_p_}=	${BUILDLINK_API_DEPENDS.${_p_}} ${BUILDLINK_ABI_DEPENDS.${_p_}}
.  else
_BLNK_PATTERNS.${_p_}=	${BUILDLINK_API_DEPENDS.${_p_}}
.  endif
# "full" anywhere wins, as a package both built against and run with needs it at run time.
.  if !empty(BUILDLINK_DEPMETHOD.${_p_}:Mfull)
_BLNK_METHOD.${_p_}=	full
.  else
_BLNK_METHOD.${_p_}=	build
.  endif
.  if !empty(BUILDLINK_DEPENDS:M${_p_})
_BLNK_HOW.${_p_}=	direct
.  else
_BLNK_HOW.${_p_}=	indirect
.  endif
_MKPKG_BUILDLINK+=	${_BLNK_PATTERNS.${_p_}:O:u:@pat@${_p_}|${_BLNK_METHOD.${_p_}}|${_BLNK_HOW.${_p_}}|${BUILDLINK_PKGSRCDIR.${_p_}}|${pat}@}
.endfor

.for _p_ in ${BUILDLINK_DEPENDS}
.  if ${_BLNK_METHOD.${_p_}} == "full"
DEPENDS+=		${_BLNK_PATTERNS.${_p_}:O:u:@pat@${pat}:${BUILDLINK_PKGSRCDIR.${_p_}}@}
.  else
BUILD_DEPENDS+=		${_BLNK_PATTERNS.${_p_}:O:u:@pat@${pat}:${BUILDLINK_PKGSRCDIR.${_p_}}@}
.  endif
.endfor

# Each ABI builds against its own view of the declared dependencies.
BUILDLINK_DIR?=		${WRKDIR}/.buildlink${ABI:D/${ABI}}
