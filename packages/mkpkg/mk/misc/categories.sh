#!/bin/sh
# Prints the categories of the mkpkg tree $1: directories holding a package
# directory (one whose Makefile includes bsd.pkg.mk). A category without a
# Makefile gets the one-line include of category.mk, written to a temporary
# name and renamed; when that cannot be written, the category is left out
# and the reason goes to stderr.
cd "$1" || exit 1
for d in */; do
	d=${d%/}
	case $d in mk|distfiles|packages|CVS|work|'*') continue ;; esac
	grep -qs 'mk/bsd\.pkg\.mk' "$d"/*/Makefile || continue
	if [ ! -f "$d/Makefile" ]; then
		tmp="$d/.Makefile.mkpkg-$$"
		if printf '%s\n' "# $d: written by mkpkg's mk/misc/toplevel.mk (pbulk asks a category for its packages)" \
		    '.include "../mk/misc/category.mk"' >"$tmp" 2>/dev/null && mv -f "$tmp" "$d/Makefile"; then
			:
		else
			rm -f "$tmp" 2>/dev/null
			echo "$1/$d has package directories but no Makefile, and none can be written there; add one holding: .include \"../mk/misc/category.mk\"" >&2
			continue
		fi
	fi
	echo "$d"
done
