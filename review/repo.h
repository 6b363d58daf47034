/*
 * repo.h — one bare mirror per repository under the data dir, fetched
 * incrementally with libgit2. Credentials reach libgit2 only through the
 * credential callback: never in a URL, the mirror's config, a file or a log.
 */
#ifndef RR_REPO_H
#define RR_REPO_H

#include <git2.h>

#include "../common/rr.h"

struct git_credentials {
	char username[64];         /* the forge's git user for tokens; required with a password */
	char *password;            /* token; owned, wiped by git_credentials_clear */
};
void git_credentials_clear(struct git_credentials *c);

struct repo_mirror;

/*
 * Opens (creating if needed) the bare mirror data_dir/mirrors/<forge>/<owner>/<name>.git
 * and takes its exclusive lock (flock on a lock file beside it), waiting for
 * another job on the same repository to finish. owner may be a namespace path
 * ("group/sub": up to 21 parts); each part and name are validated (no '/' in
 * them, "..", control characters, NUL; at most 100 bytes) before they become
 * paths: RR_EINVAL otherwise. Owner and name are lowercased in the path: forges
 * treat names without regard to case, so every spelling shares one mirror.
 */
int repo_mirror_open(struct repo_mirror **out, const char *data_dir, const char *forge,
		     const char *owner, const char *name, struct rr_error *err);
/*
 * Fetches refspecs ("+refs/pull/7/head:refs/rustreview/pull/7/head", …) from url
 * into the mirror. creds may be NULL (anonymous). Network failures and 5xx are
 * RR_ETRANSIENT; authentication failures RR_EAUTH.
 */
int repo_mirror_fetch(struct repo_mirror *m, const char *url, const char *const *refspecs,
		      size_t nrefspecs, const struct git_credentials *creds, struct rr_error *err);
/* Resolves a hex SHA to a commit present in the mirror: RR_ENOTFOUND if absent. */
int repo_mirror_has_commit(struct repo_mirror *m, const char *sha, git_oid *out);
git_repository *repo_mirror_borrow(struct repo_mirror *m);
/* Releases the lock and frees. */
void repo_mirror_close(struct repo_mirror *m);

/*
 * Trusts the CAs in `file` (PEM) for HTTPS fetches, as well as the system's.
 * libgit2's TLS settings are process-wide: call once at start-up, before
 * workers start. NULL or "" leaves the system default.
 */
int repo_set_ca_bundle(const char *file, struct rr_error *err);

/*
 * From now on libgit2 overwrites every block it frees (the service calls this
 * after repo_global_init): libgit2 builds HTTP Basic credentials from the
 * token in buffers it frees without wiping, and a dropped token must not
 * linger in freed memory (or a core dump).
 */
int repo_wipe_freed_memory(struct rr_error *err);

/*
 * libgit2 1.5 has no fetch timeout: a git server that stops sending holds a
 * worker (and the mirror's lock) for ever. After this call every git
 * connection (plain, and under libgit2's TLS) is a socket of ours that fails
 * a read or write that makes no progress for `seconds`; the fetch then fails
 * as transient and the job is retried. 0 keeps libgit2's sockets. Call once
 * at start-up, after repo_global_init, before workers start.
 */
int repo_set_fetch_timeout(unsigned seconds, struct rr_error *err);

/* Past this many packs a fetch repacks the mirror into one (each fetch adds
 * a pack; hundreds slow every object lookup). */
#define REPO_REPACK_PACKS 50

/* Call once at start-up / exit (wraps git_libgit2_init/shutdown). */
int repo_global_init(struct rr_error *err);
void repo_global_shutdown(void);

#endif
