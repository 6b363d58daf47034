/*
 * testutil.h — helpers shared by the cmocka unit tests: temporary directories
 * and running shell commands (to build real git repositories with git itself).
 */
#ifndef RR_TESTUTIL_H
#define RR_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Creates a fresh directory under $TMPDIR (or /tmp); returns a heap path. */
static inline char *tu_mkdtemp(const char *tag)
{
	const char *base = getenv("TMPDIR");
	char *path = NULL;
	if (!base || !*base)
		base = "/tmp";
	if (asprintf(&path, "%s/rr-%s-XXXXXX", base, tag) < 0)
		return NULL;
	if (!mkdtemp(path)) {
		free(path);
		return NULL;
	}
	return path;
}

/* Runs a shell command built with printf-style arguments; returns its exit status. */
static inline int tu_sh(const char *fmt, ...)
{
	char *cmd = NULL;
	va_list ap;
	int rc;
	va_start(ap, fmt);
	rc = vasprintf(&cmd, fmt, ap);
	va_end(ap);
	if (rc < 0)
		return -1;
	rc = system(cmd);
	free(cmd);
	return rc == -1 ? -1 : WEXITSTATUS(rc);
}

/* Runs a command and returns its stdout (trailing newline stripped), or NULL. */
static inline char *tu_sh_out(const char *fmt, ...)
{
	char *cmd = NULL, *out = NULL;
	size_t len = 0, cap = 0;
	char buf[4096];
	size_t n;
	FILE *f;
	va_list ap;
	int rc;
	va_start(ap, fmt);
	rc = vasprintf(&cmd, fmt, ap);
	va_end(ap);
	if (rc < 0)
		return NULL;
	f = popen(cmd, "r");
	free(cmd);
	if (!f)
		return NULL;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
		if (len + n + 1 > cap) {
			cap = (len + n + 1) * 2;
			out = realloc(out, cap);
			if (!out)
				break;
		}
		memcpy(out + len, buf, n);
		len += n;
	}
	pclose(f);
	if (!out)
		return calloc(1, 1);
	out[len] = '\0';
	while (len && out[len - 1] == '\n')
		out[--len] = '\0';
	return out;
}

/* Unsets every RUSTREVIEW_ variable, so a test starts from the defaults. */
static inline void tu_clear_rustreview_env(void)
{
	extern char **environ;
	for (;;) {
		char **e, name[256];
		for (e = environ; *e; e++)
			if (strncmp(*e, "RUSTREVIEW_", 11) == 0)
				break;
		if (!*e)
			break;
		snprintf(name, sizeof(name), "%.*s", (int)strcspn(*e, "="), *e);
		unsetenv(name);
	}
}

static inline void tu_rmrf(const char *path)
{
	if (path && *path && strcmp(path, "/") != 0)
		tu_sh("rm -rf '%s'", path);
}

#endif
