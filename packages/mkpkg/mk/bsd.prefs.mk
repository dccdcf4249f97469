# mkpkg glue: the user's settings and the defaults every package sees, like
# pkgsrc's bsd.prefs.mk. A package may include this before bsd.pkg.mk to test
# OPSYS or user settings in conditionals.
.if !defined(_MKPKG_PREFS_MK)
_MKPKG_PREFS_MK=	yes

# Where this glue lives (symlinks resolved), hence mkpkg's source tree.
_MKPKG_MKDIR:=		${.PARSEDIR:tA}
MKPKG_SRCDIR:=		${_MKPKG_MKDIR:H:H:H}

.if defined(MAKECONF) && !empty(MAKECONF)
.  if exists(${MAKECONF})
.    include "${MAKECONF}"
.  endif
.elif exists(/etc/mk.conf)
.  include "/etc/mk.conf"
.endif

.if !defined(OPSYS)
OPSYS!=			uname -s
.endif
LOCALBASE?=		/usr/pkg
PREFIX?=		${LOCALBASE}
PKGMANDIR?=		man
PKGINFODIR?=		info
PKG_SYSCONFBASE?=	${PREFIX}/etc
PKG_SYSCONFDIR?=	${PKG_SYSCONFBASE}
VARBASE?=		/var
PKG_DBDIR?=		${LOCALBASE}/pkgdb
MULTIARCH?=		no
PKG_COMPRESSION?=	gzip

# The tree this package sits in: <tree>/<category>/<name>.
_PKGSRCDIR:=		${.CURDIR:H:H}
DISTDIR?=		${_PKGSRCDIR}/distfiles
PACKAGES?=		${_PKGSRCDIR}/packages

# How package Makefiles and the driver find mkpkg itself and the C sources
# of the dispatchers (pkgtools/isaexec builds them from there).
MKPKG?=			${_MKPKG_MKDIR:H}/bin/mkpkg
MKPKG_NATIVEDIR?=	${MKPKG_SRCDIR}/native
# The isaexec package multiarch packages with bin entries depend on.
MKPKG_ISAEXEC_VERSION?=	1.0
ISAEXEC_DEPENDS?=	isaexec>=${MKPKG_ISAEXEC_VERSION}
.endif

# The platform as pkgsrc names it (pbulk's pre-build records these):
# MACHINE_ARCH is x86_64/i386 where bmake says amd64/i686, OS_VERSION is
# the kernel release without its local suffix.
.if !defined(_MKPKG_PLATFORM_NAMES)
_MKPKG_PLATFORM_NAMES=	yes
MACHINE_ARCH:=		${MACHINE_ARCH:S/^amd64$/x86_64/:S/^i[3-6]86$/i386/:S/^arm64$/aarch64/}
OS_VERSION?=		${:!uname -r!:C/-.*$//}
PKGSRC_COMPILER?=	gcc
ISAEXEC_PKGPATH?=	pkgtools/isaexec
.endif
