# mkpkg glue for <tree>/pkgtools/pkg_install, written by `mkpkg init-tree`.
# It is not a package: pbulk's pre-build asks this directory `show-var` for
# OPSYS, OS_VERSION, MACHINE_ARCH and PKGSRC_COMPILER. The package tools
# themselves are mkpkg's pkg_add, pkg_delete and pkg_info (packages/pkgtools).
.include "${.PARSEDIR}/../bsd.prefs.mk"

.PHONY: show-var
show-var:
	@echo ${${VARNAME}:Q}
