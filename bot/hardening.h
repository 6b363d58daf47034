/*
 * hardening.h — what `serve` does to its own process before it holds secrets.
 *
 *   - no core dumps (prctl PR_SET_DUMPABLE 0) unless RUSTREVIEW_CORE_DUMPS=true;
 *     with dumps on, secrets still stay out of them (secret.h);
 *   - files it creates are its own (umask 077); the data dir is 0700 and the
 *     SQLite files 0600 even when they already existed with looser modes;
 *   - the forges' secrets are in secret memory (config_load reads them there
 *     once rr_secret_heap_init has run), and the environment variables that
 *     carried them are overwritten and removed (the environment block is in
 *     every core dump and in /proc/<pid>/environ);
 *   - a webhook secret that looks guessable is named in a warning.
 */
#ifndef RR_HARDENING_H
#define RR_HARDENING_H

#include "config.h"

/* The secure heap's size: room for keys and a few thousand tokens. */
#define HARDENING_SECRET_HEAP_BYTES ((size_t)1 << 20)
/* Webhook secrets estimated under this many bits are warned about. */
#define HARDENING_WEAK_SECRET_BITS 256u

/* Call after config_load and before anything starts a thread or libcurl. */
int hardening_apply(struct rr_config *cfg, struct rr_error *err);

#endif
