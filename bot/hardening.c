/* hardening.c — core dumps, file modes and secret memory for `serve`. */
#include "hardening.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>

#include "../common/log.h"
#include "../common/secret.h"

extern char **environ;

/* RUSTREVIEW_..._SECRET, _TOKEN, _PRIVATE_KEY (not their _FILE forms). */
static bool is_secret_variable(const char *name, size_t len)
{
	static const char *const suffixes[] = { "_SECRET", "_TOKEN", "_PRIVATE_KEY" };
	if (len < 11 || strncmp(name, "RUSTREVIEW_", 11) != 0)
		return false;
	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		size_t n = strlen(suffixes[i]);
		if (len > n && memcmp(name + len - n, suffixes[i], n) == 0)
			return true;
	}
	return false;
}

/* Overwrites the values of secret variables where they live, then removes them. */
static void scrub_environment(void)
{
	for (size_t i = 0; environ && environ[i];) {
		char *entry = environ[i], *eq = strchr(entry, '=');
		char name[128];
		size_t len = eq ? (size_t)(eq - entry) : 0;

		if (!eq || len >= sizeof(name) || !is_secret_variable(entry, len)) {
			i++;
			continue;
		}
		memcpy(name, entry, len);
		name[len] = '\0';
		explicit_bzero(eq + 1, strlen(eq + 1));
		unsetenv(name);    /* shifts environ down: look at index i again */
	}
}

static int tighten_mode(const char *path, mode_t mode, bool must_exist, struct rr_error *err)
{
	if (chmod(path, mode) == 0 || (!must_exist && errno == ENOENT))
		return RR_OK;
	return rr_error_set(err, RR_ERR, "cannot set mode %03o on %s: %s", (unsigned)mode, path,
			    strerror(errno));
}

static int tighten_data_modes(const struct rr_config *cfg, struct rr_error *err)
{
	static const char *const db_suffixes[] = { "", "-wal", "-shm", "-journal" };
	int rc = tighten_mode(cfg->data_dir, 0700, true, err);

	for (size_t i = 0; rc == RR_OK && cfg->database_path && i < 4; i++) {
		char path[4096];
		if (snprintf(path, sizeof(path), "%s%s", cfg->database_path, db_suffixes[i]) >=
		    (int)sizeof(path))
			return rr_error_set(err, RR_ECONFIG, "database path too long");
		rc = tighten_mode(path, 0600, false, err);
	}
	return rc;
}

static void warn_weak_secrets(const struct rr_config *cfg)
{
	for (size_t i = 0; i < cfg->nforges; i++) {
		const struct forge_config *fc = &cfg->forges[i];
		char var[96];
		size_t k, n;

		if (!fc->enabled || !fc->webhook_secret)
			continue;
		n = rr_secret_strength_bits(fc->webhook_secret);
		if (n >= HARDENING_WEAK_SECRET_BITS)
			continue;
		k = (size_t)snprintf(var, sizeof(var), "RUSTREVIEW_");
		for (const char *p = fc->forge->name; *p && k + 1 < sizeof(var); p++)
			var[k++] = (char)toupper((unsigned char)*p);
		snprintf(var + k, sizeof(var) - k, "_WEBHOOK_SECRET");
		rr_log_kv(RR_LOG_WARN, "config.weak_secret", RR_KV_STR("variable", var),
			  RR_KV_UINT("estimated_bits", n),
			  RR_KV_STR("message", "the webhook secret is short or repetitive: anyone who "
				    "guesses it can make the bot review what they choose; use "
				    "`openssl rand -hex 32`"));
	}
}

int hardening_apply(struct rr_config *cfg, struct rr_error *err)
{
	bool locked = false;
	int rc;

	if (!cfg->core_dumps && prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
		return rr_error_set(err, RR_ERR, "cannot turn core dumps off: %s", strerror(errno));
	umask(077);
	if ((rc = tighten_data_modes(cfg, err)))
		return rc;
	/* Normally done before config_load (cli.c), so secrets were read straight
	 * into it; a second call only reports whether its pages are locked. */
	if ((rc = rr_secret_heap_init(HARDENING_SECRET_HEAP_BYTES, &locked, err)))
		return rc;
	scrub_environment();
	rr_log_kv(RR_LOG_INFO, "secrets.protected", RR_KV_BOOL("core_dumps", cfg->core_dumps),
		  RR_KV_BOOL("locked_in_ram", locked));
	if (!locked)
		rr_log_kv(RR_LOG_DEBUG, "secrets.not_locked",
			  RR_KV_STR("message", "secret memory could not be locked in RAM "
				    "(RLIMIT_MEMLOCK); it is still kept out of core dumps"));
	warn_weak_secrets(cfg);
	return RR_OK;
}
