/*
 * secret.h — memory for secrets: kept out of core dumps, wiped when dropped.
 *
 * Webhook secrets, private keys and tokens live in OpenSSL's secure heap once
 * rr_secret_heap_init has run (the service does, at start): pages mapped
 * apart, locked in RAM where the system allows, and marked MADV_DONTDUMP, so a
 * core file never holds them. OpenSSL puts the private key's own numbers there
 * too. Before (and in `check`, which holds no secret) the same calls use the
 * ordinary heap, still wiped on free.
 *
 * Copies that libraries make in passing (libcurl's request headers, jansson's
 * strings of a token response) are wiped when freed: rr_secret_heap_init
 * gives both libraries an allocator whose free overwrites the block first.
 */
#ifndef RR_SECRET_H
#define RR_SECRET_H

#include <stdbool.h>
#include <stddef.h>

#include "rr.h"

/*
 * Sets up the secure heap (bytes, a power of two) and the wiping allocators
 * of libcurl and jansson. Call once, first thing, before any thread starts
 * and before libcurl is initialised. *locked tells whether the pages could be
 * locked in RAM (they are kept out of core dumps either way).
 */
int rr_secret_heap_init(size_t bytes, bool *locked, struct rr_error *err);
/* A copy of s (n bytes) in secret memory, NUL-terminated; NULL when out of memory. */
char *rr_secret_ndup(const char *s, size_t n);
char *rr_secret_dup(const char *s);           /* NULL in, NULL out */
/*
 * Reads a whole secret file (at most max bytes) straight into secret memory:
 * no stdio buffer, no stack copy, no growing buffer left behind in freed memory.
 */
int rr_secret_read_file(const char *path, size_t max, char **out, size_t *out_len,
			struct rr_error *err);
/* True when p lies in the secure heap. */
bool rr_secret_is_protected(const void *p);
/* rr_secret_free (rr.h) overwrites and frees a secret from either heap. */

/* Overwrites the whole block (as large as malloc made it) and frees it. */
void rr_wipe_free(void *p);
/* realloc that wipes the old block when it moves (rr_wipe_free when n is 0). */
void *rr_wipe_realloc(void *p, size_t n);

/*
 * A rough strength estimate of a shared secret, in bits: its length times the
 * bits of the smallest character set that holds it (hex digits, letters and
 * digits, printable ASCII, bytes), and close to nothing when it repeats a few
 * characters. `openssl rand -hex 32` gives 256.
 */
unsigned rr_secret_strength_bits(const char *s);

#endif
