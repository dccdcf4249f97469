# mkpkg glue: the tool and install variables pkgsrc defines for every
# package (mk/tools/, mk/bsd.pkg.mk, mk/install/install.mk), with pkgsrc's
# values, so an ordinary do-install such as
#	${INSTALL_PROGRAM} ${WRKSRC}/foo ${DESTDIR}${PREFIX}/bin
# works unchanged. Every definition is a default (?=): mk.conf and the
# package Makefile win.
.if !defined(_MKPKG_TOOLS_MK)
_MKPKG_TOOLS_MK=	yes

# Commands. pkgsrc's MKDIR makes parents.
AWK?=			awk
BASENAME?=		basename
CAT?=			cat
CHGRP?=			chgrp
CHMOD?=			chmod
CHOWN?=			chown
CMP?=			cmp
CP?=			cp
CUT?=			cut
DATE?=			date
DIRNAME?=		dirname
ECHO?=			echo
ECHO_N?=		printf %s
EGREP?=			grep -E
EXPR?=			expr
FALSE?=			false
FGREP?=			grep -F
FIND?=			find
GREP?=			grep
GZIP_CMD?=		gzip -nf
HEAD?=			head
ID?=			id
LN?=			ln
LS?=			ls
MKDIR?=			mkdir -p
MV?=			mv
PRINTF?=		printf
RM?=			rm
RMDIR?=			rmdir
SED?=			sed
SETENV?=		env
SH?=			/bin/sh
SORT?=			sort
STRIP?=			strip
TAIL?=			tail
TAR?=			tar
TEST?=			test
TOUCH?=			touch
TR?=			tr
TRUE?=			true
WC?=			wc
XARGS?=			xargs

# install(1): BSD-compatible options (-c, -d, -m, -o, -g, -s). Solaris'
# /usr/bin/install is not; GNU's is found as ginstall there.
# Looked up once per parse (a lazy ${:!…!} would run at every expansion).
.if !defined(INSTALL)
INSTALL!=		command -v ginstall || command -v install || echo install
.endif
COPY?=			-c
# pkgsrc strips programs at install unless INSTALL_UNSTRIPPED is set.
.if defined(INSTALL_UNSTRIPPED) && !empty(INSTALL_UNSTRIPPED:M[yY][eE][sS])
_STRIPFLAG_INSTALL?=
.else
_STRIPFLAG_INSTALL?=	-s
.endif

# Owners and modes. Not root: install(1) cannot give files away, so the
# -o/-g options are left out (pkgsrc's unprivileged builds do the same).
BINMODE?=		755
NONBINMODE?=		644
PKGDIRMODE?=		755
SHAREMODE?=		${NONBINMODE}
MANMODE?=		${NONBINMODE}
DOCMODE?=		${NONBINMODE}
LIBMODE?=		${NONBINMODE}
_MKPKG_UID!=		id -u
.if ${_MKPKG_UID} == 0
BINOWN?=		root
BINGRP?=		root
.elif !defined(BINOWN) || !defined(BINGRP)
_MKPKG_USER!=		id -un
_MKPKG_GROUP!=		id -gn
BINOWN?=		${_MKPKG_USER}
BINGRP?=		${_MKPKG_GROUP}
.endif
SHAREOWN?=		${BINOWN}
SHAREGRP?=		${BINGRP}
MANOWN?=		${BINOWN}
MANGRP?=		${BINGRP}
.if ${_MKPKG_UID} == 0
_MKPKG_OWN.bin=		-o ${BINOWN} -g ${BINGRP}
_MKPKG_OWN.share=	-o ${SHAREOWN} -g ${SHAREGRP}
_MKPKG_OWN.man=		-o ${MANOWN} -g ${MANGRP}
.else
_MKPKG_OWN.bin=		# not root
_MKPKG_OWN.share=	# not root
_MKPKG_OWN.man=		# not root
.endif

INSTALL_PROGRAM?=	${INSTALL} ${COPY} ${_STRIPFLAG_INSTALL} ${_MKPKG_OWN.bin} -m ${BINMODE}
INSTALL_SCRIPT?=	${INSTALL} ${COPY} ${_MKPKG_OWN.bin} -m ${BINMODE}
INSTALL_LIB?=		${INSTALL} ${COPY} ${_MKPKG_OWN.bin} -m ${BINMODE}
INSTALL_DATA?=		${INSTALL} ${COPY} ${_MKPKG_OWN.share} -m ${SHAREMODE}
INSTALL_MAN?=		${INSTALL} ${COPY} ${_MKPKG_OWN.man} -m ${MANMODE}
INSTALL_PROGRAM_DIR?=	${INSTALL} -d ${_MKPKG_OWN.bin} -m ${PKGDIRMODE}
INSTALL_SCRIPT_DIR?=	${INSTALL_PROGRAM_DIR}
INSTALL_LIB_DIR?=	${INSTALL_PROGRAM_DIR}
INSTALL_DATA_DIR?=	${INSTALL} -d ${_MKPKG_OWN.share} -m ${PKGDIRMODE}
INSTALL_MAN_DIR?=	${INSTALL} -d ${_MKPKG_OWN.man} -m ${PKGDIRMODE}

# What upstream Makefiles that honour them (BSD_INSTALL_*) and the package's
# make see in the environment, as in pkgsrc's ALL_ENV. CC, CFLAGS, LDFLAGS
# are the ABI's when mkpkg evaluates a per-ABI phase.
ALL_ENV+=		CC=${CC:Q} CFLAGS=${CFLAGS:Q} CPPFLAGS=${CPPFLAGS:Q}
ALL_ENV+=		CXX=${CXX:Q} CXXFLAGS=${CXXFLAGS:Q} LDFLAGS=${LDFLAGS:Q}
ALL_ENV+=		PREFIX=${PREFIX:Q} LOCALBASE=${LOCALBASE:Q} PKGMANDIR=${PKGMANDIR:Q}
.for _t_ in PROGRAM SCRIPT LIB DATA MAN PROGRAM_DIR SCRIPT_DIR LIB_DIR DATA_DIR MAN_DIR
ALL_ENV+=		BSD_INSTALL_${_t_}=${INSTALL_${_t_}:Q}
.endfor
MAKE_ENV+=		${ALL_ENV}
CONFIGURE_ENV+=		${ALL_ENV}
TEST_ENV?=		${MAKE_ENV}

# The package's own make, as pkgsrc spells it for do-build/do-install
# targets that call it themselves.
_MAKE_JOBS=		${MAKE_JOBS:D-j${MAKE_JOBS}}
BUILD_MAKE_FLAGS?=	${MAKE_FLAGS}
TEST_MAKE_FLAGS?=	${MAKE_FLAGS}
INSTALL_MAKE_FLAGS?=	# none
BUILD_MAKE_CMD?=	${SETENV} ${MAKE_ENV} ${MAKE_PROGRAM} ${_MAKE_JOBS} ${BUILD_MAKE_FLAGS} -f ${MAKE_FILE}
TEST_MAKE_CMD?=		${SETENV} ${TEST_ENV} ${MAKE_PROGRAM} ${_MAKE_JOBS} ${TEST_MAKE_FLAGS} -f ${MAKE_FILE}
INSTALL_MAKE_CMD?=	${SETENV} ${MAKE_ENV} ${MAKE_PROGRAM} ${MAKE_FLAGS} ${INSTALL_MAKE_FLAGS} -f ${MAKE_FILE}
.endif
