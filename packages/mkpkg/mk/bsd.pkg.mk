# mkpkg glue: what `.include "../../mk/bsd.pkg.mk"` finds in a mkpkg tree.
# It only sets defaults; the phases themselves are run by mkpkg, which
# evaluates these variables with bmake and calls the package's own
# pre-/do-/post-<phase> targets.
.include "${.PARSEDIR}/bsd.prefs.mk"
.include "${.PARSEDIR}/tools.mk"

.if defined(DISTNAME)
PKGNAME?=		${DISTNAME}
.endif
# PKGREVISION makes foo-1.0 into foo-1.0nb2, as in pkgsrc.
PKGNAME_NOREV:=		${PKGNAME}
.if defined(PKGREVISION) && !empty(PKGREVISION) && ${PKGREVISION} != "0"
PKGNAME:=		${PKGNAME_NOREV}nb${PKGREVISION}
.endif
PKGBASE?=		${PKGNAME:C/-[^-]*$//}
PKGVERSION?=		${PKGNAME:C/^.*-//}
EXTRACT_SUFX?=		.tar.gz

# A few of pkgsrc's site lists, so MASTER_SITES= ${MASTER_SITE_GNU:=hello/}
# works unchanged (MASTER_SITE_OVERRIDE and DISTDIR are tried first anyway).
MASTER_SITE_GNU?=	https://ftp.gnu.org/gnu/ https://ftpmirror.gnu.org/
MASTER_SITE_SOURCEFORGE?=	https://downloads.sourceforge.net/sourceforge/
MASTER_SITE_GITHUB?=	https://github.com/
MASTER_SITE_PYPI?=	https://files.pythonhosted.org/packages/source/
MASTER_SITE_BACKUP?=	https://cdn.NetBSD.org/pub/pkgsrc/distfiles/
.if defined(DISTNAME)
DISTFILES?=		${DISTNAME}${EXTRACT_SUFX}
.endif
EXTRACT_ONLY?=		${DISTFILES}
# As in pkgsrc, mk.conf's WRKOBJDIR moves every work directory out of the
# tree (a read-only or shared tree, an unprivileged build user); mkpkg
# refuses a WRKDIR that is neither under the package nor under WRKOBJDIR.
PKGPATH?=		${.CURDIR:H:T}/${.CURDIR:T}
WRKDIR_BASENAME?=	work
.if defined(WRKOBJDIR) && !empty(WRKOBJDIR)
WRKDIR?=		${WRKOBJDIR}/${PKGPATH}/${WRKDIR_BASENAME}
.else
WRKDIR?=		${.CURDIR}/${WRKDIR_BASENAME}
.endif
WRKSRC?=		${WRKDIR}/${DISTNAME:U${PKGNAME}}
DESTDIR?=		${WRKDIR}/.destdir
FILESDIR?=		${.CURDIR}/files
PATCHDIR?=		${.CURDIR}/patches
DISTINFO_FILE?=		${.CURDIR}/distinfo
DESCR_SRC?=		${.CURDIR}/DESCR
.if exists(${.CURDIR}/MESSAGE)
MESSAGE_SRC?=		${.CURDIR}/MESSAGE
.endif
.if !defined(PLIST_SRC)
.  for _f_ in PLIST.common PLIST.${OPSYS} PLIST PLIST.common_end
.    if exists(${.CURDIR}/${_f_})
PLIST_SRC+=		${.CURDIR}/${_f_}
.    endif
.  endfor
.endif
# PLIST_VARS whose PLIST.<name> is defined, for ${PLIST.<name>} lines.
_MKPKG_PLIST_ON=	${PLIST_VARS:@v@${PLIST.${v}:D${v}}@}

MULTIARCH_DIRS.bin?=	bin sbin
MULTIARCH_DIRS.lib?=	lib
PKG_SMF_DIR?=		lib/svc
.if defined(SMF_MANIFEST) || exists(${FILESDIR}/smf/manifest.xml)
MULTIARCH_SKIP_DIRS.lib+=	${PKG_SMF_DIR}
.endif

CONFIGURE_SCRIPT?=	./configure
CONFIGURE_DIRS?=	${WRKSRC}
BUILD_DIRS?=		${CONFIGURE_DIRS}
INSTALL_DIRS?=		${BUILD_DIRS}
TEST_DIRS?=		${BUILD_DIRS}
MAKE_FILE?=		Makefile
BUILD_TARGET?=		all
INSTALL_TARGET?=	install
CMAKE_ARG_PATH?=	.
# GNU make unless the package asks for BSD make: upstream Makefiles expect
# it, and the system bmake's sys/Linux.mk clears LDFLAGS from the
# environment, which would lose the per-ABI -m32/-L/rpath flags.
.if !empty(USE_TOOLS:Mbmake) && empty(USE_TOOLS:Mgmake) && !defined(USE_CMAKE)
MAKE_PROGRAM?=		${MAKE}
.else
MAKE_PROGRAM?=		${:!command -v gmake || command -v make || echo make!}
.endif

# SUBST (pkgsrc's mk/subst.mk, the common part): per class one shell
# command that mkpkg runs in WRKSRC, per ABI, at SUBST_STAGE.<class>.
# A SUBST_VARS value comes out literally: in the sed replacement `\`, the
# delimiter `,` and `&` are escaped as pkgsrc does, and a newline becomes
# sed's `\n` (GNU sed), because mkpkg reads this command as one line.
_MKPKG_SUBST_STAGES=	${SUBST_CLASSES:@c@${c}=${SUBST_STAGE.${c}}@}
_MKPKG_AT=		@
.for _c_ in ${SUBST_CLASSES}
_MKPKG_SUBST_CMD.${_c_}=	for f in ${SUBST_FILES.${_c_}}; do [ -f "$$f" ] || continue; \
	sed ${SUBST_SED.${_c_}} ${SUBST_VARS.${_c_}:@v@-e s,${_MKPKG_AT}${v}${_MKPKG_AT},${${v}:S/\\/\\\\/gW:S/,/\\,/gW:S/&/\\\&/gW:S/${.newline}/\\n/gW:Q},g@} "$$f" >"$$f.mkpkg-subst" && \
	cat "$$f.mkpkg-subst" >"$$f" && rm -f "$$f.mkpkg-subst" || exit 1; echo "substituted in $$f"; done
.endfor

# Dependencies: the buildlink3 tree becomes DEPENDS/BUILD_DEPENDS here.
.include "${.PARSEDIR}/buildlink3.mk"

# bmake targets map onto mkpkg, so `bmake package` and `mkpkg package` do
# the same; command-line variables travel along, and MKPKG_FLAGS carries
# mkpkg's own options (bmake package MKPKG_FLAGS="--multiarch bin,lib").
MKPKG_FLAGS?=
_MKPKG_CMDVARS=		${.MAKEOVERRIDES:O:u:N.*:NMKPKG_FLAGS:@v@${v}=${${v}:Q}@}
_MKPKG_TARGETS=		fetch checksum depends extract patch configure build test install \
			package clean makesum makepatchsum print-plist install-package
.MAIN: build
.for _t_ in ${_MKPKG_TARGETS}
.PHONY: ${_t_}
${_t_}:
	@${MKPKG} ${MKPKG_FLAGS} -C ${.CURDIR:Q} ${_t_} ${_MKPKG_CMDVARS}
.endfor
.PHONY: show-var
show-var:
	@${MKPKG} ${MKPKG_FLAGS} -C ${.CURDIR:Q} show-var ${VARNAME} ${_MKPKG_CMDVARS:NVARNAME=*}

# What pbulk asks of a package directory (scan entry, stage targets).
.include "${.PARSEDIR}/pbulk.mk"
