/* tokens.c — the token cache; see tokens.h. */
#include "tokens.h"
#include "../common/secret.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct token_slot {
	long key;
	char *token;               /* secret */
	time_t refresh_at;         /* wall clock; mint a new one from here on */
};

struct token_cache {
	pthread_mutex_t lock;
	struct token_slot *v;
	size_t n, cap;
};

int token_cache_new(struct token_cache **out)
{
	struct token_cache *c = calloc(1, sizeof(*c));
	*out = NULL;
	if (!c)
		return RR_ENOMEM;
	pthread_mutex_init(&c->lock, NULL);
	*out = c;
	return RR_OK;
}

void token_cache_free(struct token_cache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++)
		rr_secret_free(c->v[i].token);
	free(c->v);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

void token_cache_lock(struct token_cache *c)
{
	pthread_mutex_lock(&c->lock);
}

void token_cache_unlock(struct token_cache *c)
{
	pthread_mutex_unlock(&c->lock);
}

static struct token_slot *find(struct token_cache *c, long key)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->v[i].key == key)
			return &c->v[i];
	return NULL;
}

int token_cache_get_locked(struct token_cache *c, long key, time_t now, char **out)
{
	struct token_slot *s = find(c, key);
	*out = NULL;
	if (!s || now >= s->refresh_at)
		return RR_OK;
	return (*out = rr_secret_dup(s->token)) ? RR_OK : RR_ENOMEM;
}

int token_cache_put_locked(struct token_cache *c, long key, char *token, time_t refresh_at)
{
	struct token_slot *s = find(c, key);
	if (!s) {
		if (c->n == c->cap) {
			struct token_slot *p = rr_array_grow(c->v, &c->cap, sizeof(*p), 4);
			if (!p) {
				rr_secret_free(token);
				return RR_ENOMEM;
			}
			c->v = p;
		}
		s = &c->v[c->n++];
		s->token = NULL;
	}
	rr_secret_free(s->token);
	s->key = key;
	s->token = token;
	s->refresh_at = refresh_at;
	return RR_OK;
}

void token_cache_drop(struct token_cache *c, long key, const char *token)
{
	struct token_slot *s;
	pthread_mutex_lock(&c->lock);
	s = find(c, key);
	if (s && s->token && strcmp(s->token, token) == 0) {
		rr_secret_free(s->token);
		*s = c->v[--c->n];
	}
	pthread_mutex_unlock(&c->lock);
}
