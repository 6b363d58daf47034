/*
 * config.h — every setting of the service, read from the environment
 * (12-factor). Any secret X may instead be given as X_FILE, a path to a file
 * holding it (trailing newline stripped). Errors name the exact variable.
 *
 *   RUSTREVIEW_LISTEN          host:port (default 127.0.0.1:8080; port 0 = any free port)
 *   RUSTREVIEW_DATA_DIR        default ./var
 *   RUSTREVIEW_DATABASE_URL    sqlite://PATH or PATH (default sqlite://<data_dir>/rustreview.db)
 *   RUSTREVIEW_WORKERS         1..64, default 2
 *   RUSTREVIEW_MAX_COMMENTS    0..1000, default 30
 *   RUSTREVIEW_REVIEW_DRAFTS   true|false, default false
 *   RUSTREVIEW_LOG_LEVEL       debug|info|warn|error, default info
 *   RUSTREVIEW_MAX_BODY_BYTES  default 26214400 (25 MiB)
 *   RUSTREVIEW_MAX_CONNECTIONS 8..100000, default 1000: open HTTP connections at once
 *   RUSTREVIEW_MAX_CONNECTIONS_PER_IP  0..100000, default 0 (no per-address limit)
 *   RUSTREVIEW_HTTP_THREADS    0..64, default 0: a thread per HTTP connection; N: N epoll
 *                              threads, a connection suspended while its commit is in flight
 *   RUSTREVIEW_CONNECTION_TIMEOUT      1..3600 s, default 30: an idle connection is closed
 *   RUSTREVIEW_CORE_DUMPS      true|false, default false: let the process dump core (secrets
 *                              stay out of the dump either way)
 *   RUSTREVIEW_REQUEST_TIMEOUT 1..600 s, default 10: a request's headers and body must
 *                              all arrive within this (slow clients are cut off)
 *   RUSTREVIEW_MAX_FILES       1..100000, default 300: changed .rs files reviewed per PR
 *   RUSTREVIEW_MAX_FILE_BYTES  1024..268435456, default 4 MiB: larger files are skipped
 *   RUSTREVIEW_REPLICA_ID      the lease owner of this process (default: the host name);
 *                              distinct for every replica sharing a database
 *   RUSTREVIEW_RETRY_FOR       60..2592000 s, default 21600 (6 h): transient failures retried
 *   RUSTREVIEW_RETRY_MAX_BACKOFF 1..86400 s, default 600: cap of our own backoff (the
 *                              forge's Retry-After is always honoured)
 *   RUSTREVIEW_SHUTDOWN_GRACE  0..3600 s, default 25: SIGTERM to exit
 *   RUSTREVIEW_GIT_TIMEOUT     1..3600 s, default 120: a fetch with no bytes for this long fails
 *   RUSTREVIEW_KEEP_JOBS_DAYS  0..3650, default 14 (0 = keep): done/superseded jobs pruned
 *   RUSTREVIEW_PACE_PER_MINUTE 1..100000, default 80: content-creating calls per token
 *   RUSTREVIEW_PACE_PER_HOUR   1..1000000, default 500
 * and for each forge NAME of the table (upper-cased), the settings its
 * struct forge lists: RUSTREVIEW_<NAME>_<SUFFIX>, secrets also as _FILE, URLs
 * http(s) without user or password (an origin, without a path, where the forge
 * says so). A secret set but empty is an error. _WEBHOOK_SECRET enables the forge.
 */
#ifndef RR_CONFIG_H
#define RR_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "../common/log.h"
#include "../common/rr.h"
#include "../handlers/forge.h"

#define CONFIG_DEFAULT_LISTEN "127.0.0.1:8080"
#define CONFIG_DEFAULT_DATA_DIR "./var"
#define CONFIG_DEFAULT_MAX_BODY ((size_t)25 << 20)
#define CONFIG_DEFAULT_MAX_CONNECTIONS 1000
#define CONFIG_DEFAULT_CONNECTION_TIMEOUT_S 30
/* Forges give up on a delivery after 5-10 s: a request slower than that to
 * arrive is no delivery any forge still waits for. */
#define CONFIG_DEFAULT_REQUEST_TIMEOUT_S 10
#define CONFIG_DEFAULT_MAX_FILES 300
#define CONFIG_DEFAULT_MAX_FILE_BYTES ((size_t)4 << 20)

struct rr_config {
	char *listen;              /* "host:port" as configured */
	char *listen_host;         /* host part, brackets of an IPv6 literal removed */
	unsigned listen_port;      /* 0 = any free port */
	char *data_dir;
	char *database_url;        /* as configured (or the default) */
	char *database_path;       /* the SQLite file */
	unsigned workers;
	unsigned max_comments;
	bool review_drafts;
	enum rr_log_level log_level;
	size_t max_body_bytes;
	unsigned max_connections;        /* libmicrohttpd connection limit */
	unsigned max_connections_per_ip; /* 0 = none */
	unsigned http_threads;           /* 0: a thread per connection; N: N epoll threads */
	unsigned connection_timeout_s;   /* idle connections are closed after this */
	unsigned request_timeout_s;      /* a whole request (headers + body) must arrive in this */
	bool core_dumps;                 /* the operator asks for core dumps */
	size_t max_files;          /* per pull request: changed .rs files reviewed */
	size_t max_file_bytes;     /* per file: larger ones are skipped */
	char *replica_id;          /* lease owner; NULL: the host name */
	unsigned retry_for_s;      /* transient failures are retried this long */
	unsigned retry_max_backoff_s; /* cap of the exponential backoff */
	unsigned shutdown_grace_s; /* SIGTERM: running jobs get this long */
	unsigned git_timeout_s;    /* a fetch that receives nothing this long fails */
	unsigned keep_jobs_days;   /* 0 = keep every job */
	unsigned pace_per_minute;  /* content-creating calls per token */
	unsigned pace_per_hour;
	/* One entry per forge of the table given to config_load, in table order. */
	struct forge_config *forges;
	bool *forge_ready;         /* forge->init succeeded: cleanup is owed */
	size_t nforges;
};

/*
 * Fills cfg from the environment. forges is a NULL-terminated table (the
 * service passes rr_forges; tests pass their own). On error cfg is left empty
 * (nothing to free) and err names the variable.
 */
int config_load(struct rr_config *cfg, const struct forge *const *forges, struct rr_error *err);
/* Calls forge->init for every enabled forge. */
int config_init_forges(struct rr_config *cfg, struct rr_error *err);
/* Calls forge->cleanup for initialised forges, wipes secrets, frees everything. */
void config_free(struct rr_config *cfg);

/* The configuration of the forge called name, or NULL (enabled or not). */
struct forge_config *config_forge(const struct rr_config *cfg, const char *name);
/* Number of enabled forges. */
size_t config_enabled_forges(const struct rr_config *cfg);

/*
 * The settings the program knows (config.c has the table, one line each).
 * name is what follows RUSTREVIEW_ — or RUSTREVIEW_<FORGE>_ for a setting of
 * every forge. A secret may also be given as NAME_FILE, and is refused when
 * set but empty.
 */
#define CONFIG_SETTING_SECRET 1u
#define CONFIG_SETTING_PER_FORGE 2u
struct config_setting {
	const char *name;
	unsigned flags;
};
size_t config_settings_count(void);
const struct config_setting *config_setting_get(size_t i);

/*
 * Calls fn for every RUSTREVIEW_* variable of envp ("NAME=value" strings, NULL
 * terminated: environ) that is no setting of the table for these forges, with
 * the closest known name when it looks like a typo of one (else NULL).
 * Returns how many there were. Values are never looked at.
 */
typedef void (*config_unknown_fn)(const char *name, const char *did_you_mean, void *arg);
size_t config_find_unknown(char *const *envp, const struct forge *const *forges,
			   config_unknown_fn fn, void *arg);

/* "debug" → RR_LOG_DEBUG, …; RR_EINVAL for anything else. */
int config_parse_log_level(const char *s, enum rr_log_level *out);

#endif
