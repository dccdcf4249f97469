# mkpkg glue for a category directory (<tree>/<category>/Makefile is
# `.include "../mk/misc/category.mk"`, as in pkgsrc). pbulk's full-tree
# scan asks it `show-subdir-var VARNAME=SUBDIR` for its package
# directories. SUBDIR defaults to the subdirectories whose Makefile
# includes bsd.pkg.mk; a category Makefile may list SUBDIR+= itself.
.if !defined(SUBDIR)
SUBDIR=		${:!cd ${.CURDIR:Q} && grep -ls 'mk/bsd\.pkg\.mk' */Makefile | sed 's,/Makefile,,' || :!}
.endif

.PHONY: show-subdir-var show-var
show-subdir-var show-var:
	@echo ${${VARNAME}:Q}
