/* config.c — settings from the environment; secrets optionally from files. */
#define _POSIX_C_SOURCE 200809L
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../common/secret.h"

#ifndef RR_VERSION
#define RR_VERSION "0.0.0"
#endif

#define ENV_PREFIX "RUSTREVIEW_"
#define SECRET_FILE_MAX ((size_t)1 << 20)

/*
 * Every RUSTREVIEW_* variable the program reads, wherever it reads it. A
 * variable that is not here is warned about at start (a typo would otherwise
 * be silently ignored), and test_settings fails when README does not document
 * one of these or when a source file reads a RUSTREVIEW_ name missing here.
 * Adding a setting: one line here, its parsing below (or in its module), and
 * its row in README's configuration tables.
 */
static const struct config_setting settings[] = {
	{ "LISTEN", 0 },
	{ "DATA_DIR", 0 },
	{ "DATABASE_URL", 0 },
	{ "WORKERS", 0 },
	{ "REVIEW_THREADS", 0 },                /* read by review/review.c */
	{ "MAX_COMMENTS", 0 },
	{ "REVIEW_DRAFTS", 0 },
	{ "MAX_BODY_BYTES", 0 },
	{ "MAX_CONNECTIONS", 0 },
	{ "MAX_CONNECTIONS_PER_IP", 0 },
	{ "HTTP_THREADS", 0 },
	{ "CONNECTION_TIMEOUT", 0 },
	{ "REQUEST_TIMEOUT", 0 },
	{ "CORE_DUMPS", 0 },
	{ "REPLICA_ID", 0 },
	{ "RETRY_FOR", 0 },
	{ "RETRY_MAX_BACKOFF", 0 },
	{ "SHUTDOWN_GRACE", 0 },
	{ "GIT_TIMEOUT", 0 },
	{ "KEEP_JOBS_DAYS", 0 },
	{ "PACE_PER_MINUTE", 0 },
	{ "PACE_PER_HOUR", 0 },
	{ "MAX_FILES", 0 },
	{ "MAX_FILE_BYTES", 0 },
	{ "LOG_LEVEL", 0 },
	/* Every forge's; the rest of a forge's settings are in its own table
	 * (struct forge.settings, handlers/<forge>.c). */
	{ "WEBHOOK_SECRET", CONFIG_SETTING_PER_FORGE | CONFIG_SETTING_SECRET },
};

size_t config_settings_count(void)
{
	return sizeof(settings) / sizeof(settings[0]);
}

const struct config_setting *config_setting_get(size_t i)
{
	return i < config_settings_count() ? &settings[i] : NULL;
}

/* An unset or empty variable counts as absent: container runtimes often pass
 * "VAR=" for optional settings. */
static const char *env_get(const char *name)
{
	const char *v = getenv(name);
	return (v && *v) ? v : NULL;
}

static int set_secret_copy(char **dst, const char *value, const char *var, struct rr_error *err)
{
	*dst = rr_secret_dup(value);
	if (value && !*dst)
		return rr_error_set(err, RR_ENOMEM, "%s: out of memory", var);
	return RR_OK;
}

static int set_copy(char **dst, const char *value, const char *var, struct rr_error *err)
{
	*dst = rr_strdup(value);
	if (value && !*dst)
		return rr_error_set(err, RR_ENOMEM, "%s: out of memory", var);
	return RR_OK;
}

static void strip_trailing_newlines(char *s, size_t *len)
{
	while (*len && (s[*len - 1] == '\n' || s[*len - 1] == '\r'))
		s[--*len] = '\0';
}

/* The file's content, trailing newline stripped. Never echoes the content. */
static int read_secret_file(const char *var, const char *path, char **out, struct rr_error *err)
{
	size_t len = 0;
	char *data = NULL;
	int rc = rr_secret_read_file(path, SECRET_FILE_MAX, &data, &len, err);

	if (rc)
		return rr_error_wrap(err, "%s", var);
	strip_trailing_newlines(data, &len);
	if (len == 0) {
		rr_secret_free(data);
		return rr_error_set(err, RR_ECONFIG, "%s: file %s is empty", var, path);
	}
	*out = data;
	return RR_OK;
}

/* A secret that is set but empty is a mistake (an unexpanded $VAR in a unit or
 * compose file), not "no secret": refused, unlike empty plain settings. */
static int refuse_empty(const char *var, struct rr_error *err)
{
	const char *v = getenv(var);
	if (v && !*v)
		return rr_error_set(err, RR_ECONFIG, "%s is set but empty; give it a value or unset it",
				    var);
	return RR_OK;
}

/* A secret X from X or X_FILE (not both). *out stays NULL when neither is set. */
static int load_secret(const char *var, char **out, struct rr_error *err)
{
	char file_var[128];
	const char *direct = env_get(var), *path;
	int rc;

	*out = NULL;
	snprintf(file_var, sizeof(file_var), "%s_FILE", var);
	if ((rc = refuse_empty(var, err)) || (rc = refuse_empty(file_var, err)))
		return rc;
	path = env_get(file_var);
	if (direct && path)
		return rr_error_set(err, RR_ECONFIG, "%s and %s are both set; set only one", var,
				    file_var);
	if (path)
		return read_secret_file(file_var, path, out, err);
	return set_secret_copy(out, direct, var, err);
}

/* Strict unsigned decimal in [min, max]. */
static int parse_uint(const char *var, const char *s, unsigned long long min,
		      unsigned long long max, unsigned long long *out, struct rr_error *err)
{
	unsigned long long v = 0;
	const char *p;

	for (p = s; *p; p++) {
		if (!isdigit((unsigned char)*p) || v > (max - (unsigned)(*p - '0')) / 10)
			goto bad;
		v = v * 10 + (unsigned)(*p - '0');
	}
	if (p == s || v < min)
		goto bad;
	*out = v;
	return RR_OK;
bad:
	return rr_error_set(err, RR_ECONFIG, "%s: expected a number from %llu to %llu, got '%.64s'",
			    var, min, max, s);
}

static int load_uint(const char *var, unsigned long long dflt, unsigned long long min,
		     unsigned long long max, unsigned long long *out, struct rr_error *err)
{
	const char *v = env_get(var);
	if (!v) {
		*out = dflt;
		return RR_OK;
	}
	return parse_uint(var, v, min, max, out, err);
}

static int load_bool(const char *var, bool dflt, bool *out, struct rr_error *err)
{
	static const char *yes[] = { "1", "true", "yes", "on" };
	static const char *no[] = { "0", "false", "no", "off" };
	const char *v = env_get(var);
	size_t i;

	*out = dflt;
	if (!v)
		return RR_OK;
	for (i = 0; i < 4; i++) {
		if (strcasecmp(v, yes[i]) == 0)
			return (*out = true), RR_OK;
		if (strcasecmp(v, no[i]) == 0)
			return (*out = false), RR_OK;
	}
	return rr_error_set(err, RR_ECONFIG, "%s: expected true or false, got '%.64s'", var, v);
}

int config_parse_log_level(const char *s, enum rr_log_level *out)
{
	static const char *names[] = { "debug", "info", "warn", "error" };
	for (int i = 0; i < 4; i++) {
		if (strcasecmp(s, names[i]) == 0) {
			*out = (enum rr_log_level)i;
			return RR_OK;
		}
	}
	return RR_EINVAL;
}

/* "host:port" or "[v6]:port". */
static int parse_listen(struct rr_config *cfg, const char *v, struct rr_error *err)
{
	static const char *var = ENV_PREFIX "LISTEN";
	const char *colon, *host = v;
	size_t hlen;
	unsigned long long port;
	int rc;

	if (*v == '[') {
		const char *close = strchr(v, ']');
		if (!close || close[1] != ':')
			goto bad;
		host = v + 1;
		hlen = (size_t)(close - host);
		colon = close + 1;
	} else {
		colon = strrchr(v, ':');
		if (!colon || memchr(v, ':', (size_t)(colon - v)))
			goto bad;
		hlen = (size_t)(colon - v);
	}
	if (hlen == 0)
		goto bad;
	if ((rc = parse_uint(var, colon + 1, 0, 65535, &port, err)))
		return rc;
	cfg->listen_port = (unsigned)port;
	if (!(cfg->listen_host = rr_strndup(host, hlen)) || !(cfg->listen = rr_strdup(v)))
		return rr_error_set(err, RR_ENOMEM, "%s: out of memory", var);
	return RR_OK;
bad:
	return rr_error_set(err, RR_ECONFIG,
			    "%s: expected host:port such as 127.0.0.1:8080, got '%.64s'", var, v);
}

/* sqlite://PATH or a plain PATH. The value is never echoed: a PostgreSQL URL
 * may carry a password. */
static int parse_database(struct rr_config *cfg, struct rr_error *err)
{
	static const char *var = ENV_PREFIX "DATABASE_URL";
	const char *v = env_get(var);
	const char *path;

	if (!v) {
		if (asprintf(&cfg->database_url, "sqlite://%s/rustreview.db", cfg->data_dir) < 0) {
			cfg->database_url = NULL;
			return rr_error_set(err, RR_ENOMEM, "%s: out of memory", var);
		}
		v = cfg->database_url;
	} else if (!(cfg->database_url = rr_strdup(v))) {
		return rr_error_set(err, RR_ENOMEM, "%s: out of memory", var);
	}
	/* PostgreSQL: the queue takes the URL as it is (libpq parses it);
	 * database_path stays NULL. "postgres:" alone: libpq's PG* environment. */
	if (strncmp(v, "postgres://", 11) == 0 || strncmp(v, "postgresql://", 13) == 0 ||
	    strcmp(v, "postgres:") == 0)
		return RR_OK;
	if (strncmp(v, "sqlite://", 9) == 0)
		path = v + 9;
	else if (strstr(v, "://"))
		return rr_error_set(err, RR_ECONFIG,
				    "%s: unsupported scheme; expected sqlite://PATH or a file path", var);
	else
		path = v;
	if (!*path)
		return rr_error_set(err, RR_ECONFIG, "%s: the SQLite path is empty", var);
	return set_copy(&cfg->database_path, path, var, err);
}

/* Leases, retries, shutdown, fetch timeout, pruning, pacing (issue 10). */
static int load_reliability(struct rr_config *cfg, struct rr_error *err)
{
	unsigned long long n;
	const char *v;
	int rc;

	if ((v = env_get(ENV_PREFIX "REPLICA_ID")) &&
	    (rc = set_copy(&cfg->replica_id, v, ENV_PREFIX "REPLICA_ID", err)))
		return rc;
	if ((rc = load_uint(ENV_PREFIX "RETRY_FOR", 21600, 60, 2592000, &n, err)))
		return rc;
	cfg->retry_for_s = (unsigned)n;
	if ((rc = load_uint(ENV_PREFIX "RETRY_MAX_BACKOFF", 600, 1, 86400, &n, err)))
		return rc;
	cfg->retry_max_backoff_s = (unsigned)n;
	if ((rc = load_uint(ENV_PREFIX "SHUTDOWN_GRACE", 25, 0, 3600, &n, err)))
		return rc;
	cfg->shutdown_grace_s = (unsigned)n;
	if ((rc = load_uint(ENV_PREFIX "GIT_TIMEOUT", 120, 1, 3600, &n, err)))
		return rc;
	cfg->git_timeout_s = (unsigned)n;
	if ((rc = load_uint(ENV_PREFIX "KEEP_JOBS_DAYS", 14, 0, 3650, &n, err)))
		return rc;
	cfg->keep_jobs_days = (unsigned)n;
	if ((rc = load_uint(ENV_PREFIX "PACE_PER_MINUTE", 80, 1, 100000, &n, err)))
		return rc;
	cfg->pace_per_minute = (unsigned)n;
	if ((rc = load_uint(ENV_PREFIX "PACE_PER_HOUR", 500, 1, 1000000, &n, err)))
		return rc;
	cfg->pace_per_hour = (unsigned)n;
	return RR_OK;
}

static int load_general(struct rr_config *cfg, struct rr_error *err)
{
	unsigned long long n;
	const char *v;
	int rc;

	v = env_get(ENV_PREFIX "LISTEN");
	if ((rc = parse_listen(cfg, v ? v : CONFIG_DEFAULT_LISTEN, err)))
		return rc;
	v = env_get(ENV_PREFIX "DATA_DIR");
	if ((rc = set_copy(&cfg->data_dir, v ? v : CONFIG_DEFAULT_DATA_DIR, ENV_PREFIX "DATA_DIR", err)))
		return rc;
	if ((rc = parse_database(cfg, err)))
		return rc;
	if ((rc = load_uint(ENV_PREFIX "WORKERS", 2, 1, 64, &n, err)))
		return rc;
	cfg->workers = (unsigned)n;
	if ((rc = load_uint(ENV_PREFIX "MAX_COMMENTS", 30, 0, 1000, &n, err)))
		return rc;
	cfg->max_comments = (unsigned)n;
	if ((rc = load_uint(ENV_PREFIX "MAX_BODY_BYTES", CONFIG_DEFAULT_MAX_BODY, 1,
			    (unsigned long long)1 << 30, &n, err)))
		return rc;
	cfg->max_body_bytes = (size_t)n;
	if ((rc = load_uint(ENV_PREFIX "MAX_CONNECTIONS", CONFIG_DEFAULT_MAX_CONNECTIONS, 8, 10000,
			    &n, err)))
		return rc;
	cfg->max_connections = (unsigned)n;
	if ((rc = load_uint(ENV_PREFIX "MAX_CONNECTIONS_PER_IP", 0, 0, 100000, &n, err)))
		return rc;
	cfg->max_connections_per_ip = (unsigned)n;
	if ((rc = load_uint(ENV_PREFIX "HTTP_THREADS", 0, 0, 64, &n, err)))
		return rc;
	cfg->http_threads = (unsigned)n;
	if ((rc = load_uint(ENV_PREFIX "CONNECTION_TIMEOUT", CONFIG_DEFAULT_CONNECTION_TIMEOUT_S, 1,
			    3600, &n, err)))
		return rc;
	cfg->connection_timeout_s = (unsigned)n;
	if ((rc = load_uint(ENV_PREFIX "REQUEST_TIMEOUT", CONFIG_DEFAULT_REQUEST_TIMEOUT_S, 1, 600,
			    &n, err)))
		return rc;
	cfg->request_timeout_s = (unsigned)n;
	if ((rc = load_bool(ENV_PREFIX "CORE_DUMPS", false, &cfg->core_dumps, err)))
		return rc;
	if ((rc = load_uint(ENV_PREFIX "MAX_FILES", CONFIG_DEFAULT_MAX_FILES, 1, 100000, &n, err)))
		return rc;
	cfg->max_files = (size_t)n;
	if ((rc = load_uint(ENV_PREFIX "MAX_FILE_BYTES", CONFIG_DEFAULT_MAX_FILE_BYTES, 1024,
			    (unsigned long long)256 << 20, &n, err)))
		return rc;
	cfg->max_file_bytes = (size_t)n;
	if ((rc = load_bool(ENV_PREFIX "REVIEW_DRAFTS", false, &cfg->review_drafts, err)))
		return rc;
	if ((rc = load_reliability(cfg, err)))
		return rc;
	cfg->log_level = RR_LOG_INFO;
	v = env_get(ENV_PREFIX "LOG_LEVEL");
	if (v && config_parse_log_level(v, &cfg->log_level) != RR_OK)
		return rr_error_set(err, RR_ECONFIG,
				    "%s: expected debug, info, warn or error, got '%.64s'",
				    ENV_PREFIX "LOG_LEVEL", v);
	return RR_OK;
}

static void forge_var(char *out, size_t size, const char *forge_name, const char *suffix)
{
	size_t i;

	snprintf(out, size, ENV_PREFIX "%s_%s", forge_name, suffix);
	for (i = 0; out[i]; i++)
		out[i] = (char)toupper((unsigned char)out[i]);
}

static int load_plain(const char *forge_name, const char *suffix, const char *dflt, char **out,
		      struct rr_error *err)
{
	char var[128];
	const char *v;

	forge_var(var, sizeof(var), forge_name, suffix);
	v = env_get(var);
	return set_copy(out, v ? v : dflt, var, err);
}

static int load_forge_secret(const char *forge_name, const char *suffix, char **out,
			     struct rr_error *err)
{
	char var[100];        /* room for "_FILE" in load_secret's 128 */
	forge_var(var, sizeof(var), forge_name, suffix);
	return load_secret(var, out, err);
}

static void strip_trailing_slashes(char *url)
{
	size_t n = url ? strlen(url) : 0;
	while (n > 1 && url[n - 1] == '/')
		url[--n] = '\0';
}

/* Forge URLs are where tokens go: http(s) only, and never with a password in them. */
static int check_http_url(const char *forge_name, const char *suffix, const char *url,
			  struct rr_error *err)
{
	char var[128];
	const char *host;

	if (!url)
		return RR_OK;
	forge_var(var, sizeof(var), forge_name, suffix);
	if (strncmp(url, "https://", 8) == 0)
		host = url + 8;
	else if (strncmp(url, "http://", 7) == 0)
		host = url + 7;
	else
		return rr_error_set(err, RR_ECONFIG, "%s: expected an http:// or https:// URL", var);
	if (!*host || *host == '/' || memchr(host, '@', strcspn(host, "/")))
		return rr_error_set(err, RR_ECONFIG, "%s: expected http(s)://HOST[:PORT][/PATH] "
				    "without user or password", var);
	return RR_OK;
}

/* Clone URLs of payloads are matched by origin: a path here would be ignored
 * (or, worse, taken for a promise it does not keep), so it is refused. */
static int check_origin(const char *forge_name, const char *suffix, const char *url,
			struct rr_error *err)
{
	char var[128];
	const char *host;

	if (!url)
		return RR_OK;
	host = strstr(url, "://");
	host = host ? host + 3 : url;
	if (!strpbrk(host, "/?#"))
		return RR_OK;
	forge_var(var, sizeof(var), forge_name, suffix);
	return rr_error_set(err, RR_ECONFIG, "%s: expected an origin, http(s)://HOST[:PORT], "
			    "without a path (clone URLs are matched by origin)", var);
}

/* One setting of the forge's table into the field it names. */
static int load_forge_setting(const char *name, const struct forge_setting *st,
			      struct forge_config *fc, struct rr_error *err)
{
	char **slot = forge_config_slot(fc, st->slot);
	int rc;

	if (!slot)
		return rr_error_set(err, RR_ECONFIG, "forge %s: setting %s has no slot", name,
				    st->suffix);
	if (st->flags & FORGE_SETTING_SECRET) {
		if ((rc = load_forge_secret(name, st->suffix, slot, err)))
			return rc;
		if (!*slot && st->dflt && !(*slot = rr_strdup(st->dflt)))
			return rr_error_set(err, RR_ENOMEM, "configuring %s: out of memory", name);
	} else if ((rc = load_plain(name, st->suffix, st->dflt, slot, err))) {
		return rc;
	}
	if (st->flags & FORGE_SETTING_URL) {
		strip_trailing_slashes(*slot);
		if ((rc = check_http_url(name, st->suffix, *slot, err)))
			return rc;
	}
	if (st->flags & FORGE_SETTING_ORIGIN)
		return check_origin(name, st->suffix, *slot, err);
	return RR_OK;
}

/* Every setting the forge lists (struct forge.settings), by its own table. */
static int load_forge(const struct rr_config *cfg, const struct forge *forge,
		      struct forge_config *fc, struct rr_error *err)
{
	const char *name = forge->name;
	int rc;

	fc->forge = forge;
	fc->review_drafts = cfg->review_drafts;
	fc->max_comments = cfg->max_comments;
	/* Every forge is enabled by its webhook secret; the rest is the forge's own list. */
	if ((rc = load_forge_secret(name, "WEBHOOK_SECRET", &fc->webhook_secret, err)))
		return rc;
	for (const struct forge_setting *st = forge->settings; st && st->suffix; st++)
		if ((rc = load_forge_setting(name, st, fc, err)))
			return rc;
	fc->enabled = fc->webhook_secret != NULL;
	if (!(fc->user_agent = rr_strdup("rustreview/" RR_VERSION)))
		return rr_error_set(err, RR_ENOMEM, "configuring %s: out of memory", name);
	return RR_OK;
}

/* Wipes what the table marks secret, frees every slot. */
static void forge_config_clear(struct forge_config *fc)
{
	for (int slot = 0; fc->forge && slot < FORGE_SLOT_COUNT; slot++) {
		char **p = forge_config_slot(fc, (enum forge_slot)slot);
		bool secret = slot == FORGE_SLOT_WEBHOOK_SECRET || slot == FORGE_SLOT_TOKEN;
		for (const struct forge_setting *st = fc->forge->settings; st && st->suffix; st++)
			if (st->slot == (enum forge_slot)slot && (st->flags & FORGE_SETTING_SECRET))
				secret = true;
		if (secret)
			rr_secret_free(*p);
		else
			free(*p);
		*p = NULL;
	}
	free(fc->user_agent);
	memset(fc, 0, sizeof(*fc));
}

static int load_forges(struct rr_config *cfg, const struct forge *const *forges,
		       struct rr_error *err)
{
	size_t n = 0, i;
	int rc;

	while (forges && forges[n])
		n++;
	if (n == 0)
		return RR_OK;
	cfg->forges = calloc(n, sizeof(*cfg->forges));
	cfg->forge_ready = calloc(n, sizeof(*cfg->forge_ready));
	if (!cfg->forges || !cfg->forge_ready)
		return rr_error_set(err, RR_ENOMEM, "configuring forges: out of memory");
	cfg->nforges = n;
	for (i = 0; i < n; i++)
		if ((rc = load_forge(cfg, forges[i], &cfg->forges[i], err)))
			return rc;
	return RR_OK;
}

int config_load(struct rr_config *cfg, const struct forge *const *forges, struct rr_error *err)
{
	int rc;

	memset(cfg, 0, sizeof(*cfg));
	if ((rc = load_general(cfg, err)) || (rc = load_forges(cfg, forges, err)))
		config_free(cfg);
	return rc;
}

int config_init_forges(struct rr_config *cfg, struct rr_error *err)
{
	size_t i;
	int rc;

	for (i = 0; i < cfg->nforges; i++) {
		struct forge_config *fc = &cfg->forges[i];
		if (!fc->enabled || cfg->forge_ready[i])
			continue;
		if (fc->forge->init && (rc = fc->forge->init(fc, err)))
			return rr_error_wrap(err, "initialising forge %s", fc->forge->name);
		cfg->forge_ready[i] = true;
	}
	return RR_OK;
}

void config_free(struct rr_config *cfg)
{
	size_t i;

	for (i = 0; i < cfg->nforges; i++) {
		struct forge_config *fc = &cfg->forges[i];
		if (cfg->forge_ready[i] && fc->forge->cleanup)
			fc->forge->cleanup(fc);
		forge_config_clear(fc);
	}
	free(cfg->forges);
	free(cfg->forge_ready);
	free(cfg->listen);
	free(cfg->listen_host);
	free(cfg->data_dir);
	free(cfg->database_url);
	free(cfg->database_path);
	free(cfg->replica_id);
	memset(cfg, 0, sizeof(*cfg));
}

struct forge_config *config_forge(const struct rr_config *cfg, const char *name)
{
	size_t i;
	for (i = 0; i < cfg->nforges; i++)
		if (strcmp(cfg->forges[i].forge->name, name) == 0)
			return &cfg->forges[i];
	return NULL;
}

size_t config_enabled_forges(const struct rr_config *cfg)
{
	size_t i, n = 0;
	for (i = 0; i < cfg->nforges; i++)
		n += cfg->forges[i].enabled;
	return n;
}

/* ---- unknown variables ---------------------------------------------------- */

/* Edit distance of two short names (for "did you mean"), capped at 9. */
static unsigned edit_distance(const char *a, const char *b)
{
	unsigned row[64], n = (unsigned)strlen(b), m = (unsigned)strlen(a);

	if (n >= 64 || m >= 64)
		return 9;
	for (unsigned j = 0; j <= n; j++)
		row[j] = j;
	for (unsigned i = 1; i <= m; i++) {
		unsigned diag = row[0];
		row[0] = i;
		for (unsigned j = 1; j <= n; j++) {
			unsigned up = row[j];
			unsigned best = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[n] > 9 ? 9 : row[n];
}

/* fn(name), and fn(name_FILE) for a secret; true as soon as fn says true. */
static bool each_name_form(const char *name, bool secret, bool (*fn)(const char *, void *),
			   void *ctx)
{
	char file[176];
	if (fn(name, ctx))
		return true;
	snprintf(file, sizeof(file), "%s_FILE", name);
	return secret && fn(file, ctx);
}

/* Calls fn(name, ctx) for every full variable name a setting stands for: the
 * table's (a per-forge one once for each forge), then each forge's own list;
 * a secret also as NAME_FILE. Stops when fn returns true, and returns true then. */
static bool each_known_name(const struct forge *const *forges,
			    bool (*fn)(const char *name, void *ctx), void *ctx)
{
	char name[160];

	for (size_t i = 0; i < config_settings_count(); i++) {
		const struct config_setting *st = &settings[i];
		bool secret = st->flags & CONFIG_SETTING_SECRET;
		if (!(st->flags & CONFIG_SETTING_PER_FORGE)) {
			snprintf(name, sizeof(name), ENV_PREFIX "%s", st->name);
			if (each_name_form(name, secret, fn, ctx))
				return true;
			continue;
		}
		for (size_t f = 0; forges && forges[f]; f++) {
			forge_var(name, sizeof(name), forges[f]->name, st->name);
			if (each_name_form(name, secret, fn, ctx))
				return true;
		}
	}
	for (size_t f = 0; forges && forges[f]; f++)
		for (const struct forge_setting *fs = forges[f]->settings; fs && fs->suffix; fs++) {
			forge_var(name, sizeof(name), forges[f]->name, fs->suffix);
			if (each_name_form(name, fs->flags & FORGE_SETTING_SECRET, fn, ctx))
				return true;
		}
	return false;
}

struct name_match {
	const char *name;          /* the variable looked up */
	char best[160];            /* the closest known name */
	unsigned distance;
};

static bool match_name(const char *known, void *ctx)
{
	struct name_match *nm = ctx;
	unsigned d = edit_distance(nm->name, known);
	if (d < nm->distance) {
		nm->distance = d;
		snprintf(nm->best, sizeof(nm->best), "%s", known);
	}
	return d == 0;
}

size_t config_find_unknown(char *const *envp, const struct forge *const *forges,
			   config_unknown_fn fn, void *arg)
{
	size_t unknown = 0;

	for (; envp && *envp; envp++) {
		char name[160];
		size_t len = strcspn(*envp, "=");
		struct name_match nm = { name, "", 99 };
		if (strncmp(*envp, ENV_PREFIX, strlen(ENV_PREFIX)) != 0 || len >= sizeof(name))
			continue;
		memcpy(name, *envp, len);
		name[len] = '\0';
		if (each_known_name(forges, match_name, &nm))
			continue;
		unknown++;
		/* Close enough to be a typo of it: a few letters off. */
		fn(name, nm.distance <= 3 ? nm.best : NULL, arg);
	}
	return unknown;
}
