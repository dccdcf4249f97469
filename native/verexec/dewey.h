/*
 * pkgsrc "dewey" version ordering (pkg_install lib/dewey.c), with digit runs
 * compared as numbers of any length instead of overflowing a C int.  The
 * TypeScript compareDewey() in packages/platform implements the same rules;
 * both pass fixtures/versions/dewey.txt.
 */
#ifndef MKPKG_DEWEY_H
#define MKPKG_DEWEY_H

#include <stddef.h>

/*
 * Compares the versions a[0..alen) and b[0..blen): -1, 0 or 1.  Any byte
 * string is a version (bytes that mean nothing are skipped); the strings
 * need not be NUL-terminated.  Allocates nothing.
 */
int dewey_cmp(const char *a, size_t alen, const char *b, size_t blen);

/* How many components the version has ("5.36.0" has 5: 5 . 36 . 0). */
size_t dewey_ncomp(const char *v, size_t len);

#endif
