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
 *   RUSTREVIEW_CONNECTION_TIMEOUT      1..3600 s, default 30: an idle connection is closed
 *   RUSTREVIEW_MAX_FILES       1..100000, default 300: changed .rs files reviewed per PR
 *   RUSTREVIEW_MAX_FILE_BYTES  1024..268435456, default 4 MiB: larger files are skipped
 * and for each forge NAME of the table (upper-cased), the settings its
 * struct forge lists: RUSTREVIEW_<NAME>_<SUFFIX>, secrets also as _FILE, URLs
 * http(s) without user or password. _WEBHOOK_SECRET enables the forge.
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
	unsigned connection_timeout_s;   /* idle connections are closed after this */
	size_t max_files;          /* per pull request: changed .rs files reviewed */
	size_t max_file_bytes;     /* per file: larger ones are skipped */
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

/* "debug" → RR_LOG_DEBUG, …; RR_EINVAL for anything else. */
int config_parse_log_level(const char *s, enum rr_log_level *out);

#endif
