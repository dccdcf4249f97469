#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#if defined(__linux__)
#include <sys/auxv.h>
#endif
#if defined(__sun)
#include <sys/systeminfo.h>
#endif

#include "isa.h"

int
abi_parse(const char *value, enum abi *out)
{
	if (value == NULL || *value == '\0')
		*out = ABI_UNSET;
	else if (strcmp(value, "32") == 0 || strcmp(value, "i86") == 0)
		*out = ABI_32;
	else if (strcmp(value, "64") == 0 || strcmp(value, "amd64") == 0)
		*out = ABI_64;
	else
		return -1;
	return 0;
}

const char *
abi_isa(enum abi abi)
{
	return abi == ABI_64 ? "amd64" : abi == ABI_32 ? "i86" : NULL;
}

enum abi
isa_abi(const char *isa, size_t len)
{
	if ((len == 2 && strncmp(isa, "32", 2) == 0) || (len == 3 && strncmp(isa, "i86", 3) == 0))
		return ABI_32;
	if ((len == 2 && strncmp(isa, "64", 2) == 0) || (len == 5 && strncmp(isa, "amd64", 5) == 0))
		return ABI_64;
	return ABI_UNSET;
}

static const char *const isas64[] = { "amd64", "i86", NULL };
static const char *const isas32[] = { "i86", NULL };

#if defined(__sun)
/*
 * The kernel's instruction-set list, best first ("amd64 pentium_pro+mmx ...
 * i86"), as isaexec(3C) uses it; NULL if it cannot be had.  sysinfo(2)
 * reports the size it needs, NUL included, so the buffer grows to fit.
 */
static const char *const *
kernel_isas(void)
{
	long size = 256, n;
	char *buf = NULL, *nbuf, *p;
	const char **list;
	size_t count = 1, i = 0;

	for (;;) {
		if ((nbuf = realloc(buf, (size_t)size)) == NULL)
			goto fail;
		buf = nbuf;
		if ((n = sysinfo(SI_ISALIST, buf, size)) == -1)
			goto fail;
		if (n <= size)
			break;
		size = n;
	}
	for (p = buf; *p != '\0'; p++)
		if (*p == ' ')
			count++;
	if ((list = calloc(count + 1, sizeof(*list))) == NULL)
		goto fail;
	for (p = strtok(buf, " "); p != NULL && i < count; p = strtok(NULL, " "))
		list[i++] = p;
	list[i] = NULL;
	return (const char *const *)list;
fail:
	free(buf);
	return NULL;
}
#endif

const char *const *
native_isas(void)
{
	struct utsname u;
#if defined(__sun)
	const char *const *k;

	if ((k = kernel_isas()) != NULL && k[0] != NULL)
		return k;
#endif

	/* A 32-bit dispatcher may run on a 64-bit kernel: ask the kernel. */
	if (uname(&u) == 0)
		return strcmp(u.machine, "x86_64") == 0 || strcmp(u.machine, "amd64") == 0 ||
		    strcmp(u.machine, "i86pc") == 0 ? isas64 : isas32;
	return sizeof(void *) == 8 ? isas64 : isas32;
}

int
secure_mode(void)
{
#if defined(__linux__)
	return getauxval(AT_SECURE) != 0;
#else
	return issetugid();
#endif
}

const char *
trusted_getenv(const char *name)
{
	return secure_mode() ? NULL : getenv(name);
}
