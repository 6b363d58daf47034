/*
 * tokens.h — a cache of short-lived API tokens keyed by a number (an App
 * installation, a project), for any forge that mints tokens. Thread-safe.
 * Tokens are secrets: copies handed out are the caller's to rr_secret_free,
 * and every token the cache drops is wiped.
 */
#ifndef RR_TOKENS_H
#define RR_TOKENS_H

#include <stdbool.h>
#include <time.h>

#include "../common/rr.h"

struct token_cache;

int token_cache_new(struct token_cache **out);
void token_cache_free(struct token_cache *c);

/* Locks the cache; mint while holding it so that concurrent jobs for one key
 * wait for one token instead of each minting its own. */
void token_cache_lock(struct token_cache *c);
void token_cache_unlock(struct token_cache *c);
/* Caller holds the lock. A copy of the token of key still valid at now, or NULL
 * (*out) when there is none; RR_ENOMEM when the copy fails. */
int token_cache_get_locked(struct token_cache *c, long key, time_t now, char **out);
/* Caller holds the lock. Takes ownership of token (wiped on failure), usable
 * until refresh_at. */
int token_cache_put_locked(struct token_cache *c, long key, char *token, time_t refresh_at);
/* Drops key's token if it is still `token` (a concurrent refresh may already
 * have replaced it). Takes the lock itself. */
void token_cache_drop(struct token_cache *c, long key, const char *token);

#endif
