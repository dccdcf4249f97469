# mkpkg glue for the tree's top level (<tree>/Makefile, written by
# `mkpkg init-tree`, is `.include "mk/misc/toplevel.mk"`). pbulk's
# full-tree scan asks it `show-subdir-var VARNAME=SUBDIR` for the
# categories. SUBDIR defaults to the directories holding at least one
# package directory; a category that has no Makefile yet gets the one-line
# include of category.mk (pbulk asks the category next), when the tree is
# writable.
_MKPKG_MISCDIR:=	${.PARSEDIR}
.if !defined(SUBDIR)
SUBDIR=		${:!sh ${_MKPKG_MISCDIR:Q}/categories.sh ${.CURDIR:Q}!}
.endif

.PHONY: show-subdir-var show-var
show-subdir-var show-var:
	@echo ${${VARNAME}:Q}
