#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#if defined(__linux__)
#include <sys/auxv.h>
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

const char *const *
native_isas(void)
{
	struct utsname u;

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
