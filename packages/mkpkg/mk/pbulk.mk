# mkpkg glue: what pkgsrc's bulk builder pbulk asks of a package directory
# (included at the end of bsd.pkg.mk). Everything pbulk's scan needs is
# answered by bmake alone: a scan of thousands of packages must not start
# node once per package.
#
#   pbulk-index, pbulk-index-item   the scan entry (KEY=value lines)
#   all, stage-install              build and install into the stage
#   stage-package-create            the package in ${STAGE_PKGFILE}, not yet published
#   pbulk-save-wrkdir INTO= TAR=    a tarball of WRKDIR for a failed build

# Where stage-package-create leaves the package; `package` publishes it
# into ${PACKAGES}/All, and so does pbulk after its install test.
STAGE_PKGFILE?=		${WRKDIR}/.packages/${PKGNAME}.tgz

# ---- the scan entry ----

# Refusals the glue can see without building (pbulk marks them prefailed).
.if empty(PKGNAME)
PKG_FAIL_REASON+=	"${.CURDIR}/Makefile sets neither PKGNAME nor DISTNAME"
.elif empty(PKGNAME:M*-*) || !empty(PKGNAME:M* *)
PKG_FAIL_REASON+=	"PKGNAME '${PKGNAME}' is not of the form <base>-<version>"
.endif
.if !exists(${DESCR_SRC})
PKG_FAIL_REASON+=	"the package has no DESCR (${DESCR_SRC})"
.endif
.if !empty(USE_MULTIARCH:Nbin:Nlib)
PKG_FAIL_REASON+=	"USE_MULTIARCH has '${USE_MULTIARCH:Nbin:Nlib}'; accepted values are bin, lib"
.endif
.if defined(ONLY_FOR_PLATFORM) || defined(NOT_FOR_PLATFORM)
MACHINE_PLATFORM?=	${OPSYS}-${OS_VERSION}-${MACHINE_ARCH}
.  if defined(ONLY_FOR_PLATFORM) && empty(ONLY_FOR_PLATFORM:@p@${MACHINE_PLATFORM:M${p}}@)
PKG_SKIP_REASON+=	"${PKGNAME} is not available for ${MACHINE_PLATFORM}"
.  endif
.  if defined(NOT_FOR_PLATFORM) && !empty(NOT_FOR_PLATFORM:@p@${MACHINE_PLATFORM:M${p}}@)
PKG_SKIP_REASON+=	"${PKGNAME} is not available for ${MACHINE_PLATFORM}"
.  endif
.endif

# The isaexec package: multiarch packages whose bin directories become
# isaexec links, and packages with @link lib/isaexec or lib/verexec lines,
# need it installed (package.ts records the same as @pkgdep). Decided from
# the PLIST, so the PLIST files are in SCAN_DEPENDS.
_PBULK_MA_BIN=		no
.if ${MULTIARCH:tl} == "yes" && !empty(USE_MULTIARCH:Mbin)
_PBULK_MA_BIN=		yes
.endif
.if !empty(MKPKG_FLAGS:M--multiarch*)
_PBULK_MA_BIN=		no
.  if !empty(MKPKG_FLAGS:M*bin*)
_PBULK_MA_BIN=		yes
.  endif
.endif
_PBULK_BINDIRS=		${MULTIARCH_DIRS.bin:ts|}
_PBULK_LINKRE=		^@link[[:space:]]+lib/(isa|ver)exec[[:space:]]
.if ${_PBULK_MA_BIN} == "yes" && !empty(_PBULK_BINDIRS)
_PBULK_LINKRE:=		${_PBULK_LINKRE}|^(\$$\{[^}]*\})*(${_PBULK_BINDIRS})/
.endif
_PBULK_ISAEXEC=		${:!grep -qsE '${_PBULK_LINKRE}' ${PLIST_SRC} /dev/null && echo yes || echo no!}
.if ${PKGBASE} != "isaexec"
_PBULK_ISAEXEC_DEP=	${"${_PBULK_ISAEXEC}" == "yes":?${ISAEXEC_DEPENDS}\:../../${ISAEXEC_PKGPATH}:}
.endif

# pkgsrc's _ALL_DEPENDS: every pattern:../../category/dir a build needs.
ALL_DEPENDS?=		${BOOTSTRAP_DEPENDS} ${BUILD_DEPENDS} ${TOOL_DEPENDS} ${DEPENDS} ${_PBULK_ISAEXEC_DEP}
# Every file the answer depends on, for pbulk-scan -L (re-use of an old scan).
SCAN_DEPENDS?=		${.MAKE.MAKEFILES} ${PLIST_SRC} ${DESCR_SRC}
# mkpkg installs into a stage as the building user.
USE_DESTDIR?=		user-destdir

# A package without a usable name still gets an entry, so pbulk reports
# the reason instead of dropping the location.
.if empty(PKGNAME:M*-*)
_PBULK_PKGNAME=		${.CURDIR:T}-0
.else
_PBULK_PKGNAME=		${PKGNAME}
.endif

.PHONY: pbulk-index pbulk-index-item
pbulk-index: pbulk-index-item
pbulk-index-item:
	@printf '%s\n' \
	    PKGNAME=${_PBULK_PKGNAME:Q} \
	    ALL_DEPENDS=${ALL_DEPENDS:M*:Q} \
	    PKG_SKIP_REASON=${PKG_SKIP_REASON:Q} \
	    PKG_FAIL_REASON=${PKG_FAIL_REASON:Q} \
	    NO_BIN_ON_FTP=${NO_BIN_ON_FTP:Q} \
	    RESTRICTED=${RESTRICTED:Q} \
	    CATEGORIES=${CATEGORIES:Q} \
	    MAINTAINER=${MAINTAINER:Q} \
	    USE_DESTDIR=${USE_DESTDIR:Q} \
	    BOOTSTRAP_PKG=${BOOTSTRAP_PKG:Q} \
	    USERGROUP_PHASE=${USERGROUP_PHASE:Q} \
	    SCAN_DEPENDS=${SCAN_DEPENDS:O:u:Q}

# ---- the build steps pbulk runs ----

.PHONY: all stage-install stage-package-create pbulk-save-wrkdir
all: build
stage-install: install
stage-package-create:
	@${MKPKG} ${MKPKG_FLAGS} -C ${.CURDIR:Q} stage-package-create ${_MKPKG_CMDVARS}

# pbulk keeps this tarball in its log directory when keep_wrkdir=yes.
TAR?=			tar
pbulk-save-wrkdir:
	@if [ -z ${INTO:Q} ]; then echo "pbulk-save-wrkdir: set INTO=<file.tar.gz>" >&2; exit 2; fi
	@if [ -d ${WRKDIR:Q} ]; then cd ${WRKDIR:H:Q} && ${TAR} -czf ${INTO:Q} ${WRKDIR:T:Q}; \
	else echo "pbulk-save-wrkdir: ${WRKDIR} does not exist" >&2; fi
