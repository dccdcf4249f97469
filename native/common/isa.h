/*
 * ABIs and ISA directory names shared by isaexec and verexec.
 */
#ifndef MKPKG_ISA_H
#define MKPKG_ISA_H

#include <stddef.h>

enum abi { ABI_UNSET = 0, ABI_32, ABI_64 };

/* The accepted values of ABI, for messages. */
#define ABI_ACCEPTED "32, i86, 64, amd64"

/*
 * Parses a value of the ABI variable.  NULL or "" is ABI_UNSET; "32" and
 * "i86" are ABI_32; "64" and "amd64" are ABI_64.  Returns -1 for anything
 * else.
 */
int abi_parse(const char *value, enum abi *out);

/* The ISA directory of an ABI ("i86", "amd64"). */
const char *abi_isa(enum abi);

/* The ABI an ISA directory name belongs to, or ABI_UNSET if none. */
enum abi isa_abi(const char *isa, size_t len);

/*
 * The machine's ISA names, best first, NULL-terminated (x86_64: amd64 i86).
 * Never fails: an unknown machine gets the list of the binary's own ABI.
 */
const char *const *native_isas(void);

/* Non-zero in secure-execution mode (setuid/setgid): ignore the environment. */
int secure_mode(void);

/* getenv() that returns NULL in secure-execution mode. */
const char *trusted_getenv(const char *name);

#endif
