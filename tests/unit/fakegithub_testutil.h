/*
 * fakegithub_testutil.h — tests/e2e/fakegithub.py (the fake GitHub REST API)
 * as a child process of a C test (test_api, test_github). The script is found
 * under $RR_SOURCE_DIR, else the current directory (make runs the tests from
 * the project root).
 */
#ifndef RR_FAKEGITHUB_TESTUTIL_H
#define RR_FAKEGITHUB_TESTUTIL_H

#include "testutil.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>

/* Waits up to 15 s for the fake to write its port; fills base with its URL. */
static inline int fake_github_wait_port(const char *port_file, char *base, size_t len)
{
	for (int i = 0; i < 1500; i++) {
		FILE *f = fopen(port_file, "r");
		int port = 0;
		if (f) {
			if (fscanf(f, "%d", &port) != 1)
				port = 0;
			fclose(f);
		}
		if (port > 0) {
			snprintf(base, len, "http://127.0.0.1:%d", port);
			return 0;
		}
		usleep(10000);
	}
	return -1;
}

/*
 * Starts tests/e2e/<script_name> (a fake forge) with --port-file DIR/port and
 * args (NULL-terminated, at most 24), and waits for it to listen. *pid is the
 * child (or -1), base its URL. 0 or -1; fake_github_stop undoes a start that
 * got as far as a pid.
 */
static inline int fake_server_start(const char *script_name, const char *dir,
				    const char *const *args, pid_t *pid, char *base, size_t base_len)
{
	const char *root = getenv("RR_SOURCE_DIR");
	const char *argv[32];
	char *script = NULL, *port = NULL;
	size_t n = 0;
	int rc = -1;

	*pid = -1;
	if (asprintf(&script, "%s/tests/e2e/%s", root && *root ? root : ".", script_name) < 0)
		script = NULL;
	if (!script || asprintf(&port, "%s/port", dir) < 0)
		goto done;
	argv[n++] = "python3";
	argv[n++] = script;
	argv[n++] = "--port-file";
	argv[n++] = port;
	for (; args && *args && n < 31; args++)
		argv[n++] = *args;
	argv[n] = NULL;
	*pid = fork();
	if (*pid == 0) {
		/* Dies with the test even if the test crashes before its teardown. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		execvp("python3", (char *const *)argv);
		_exit(127);
	}
	if (*pid > 0)
		rc = fake_github_wait_port(port, base, base_len);
done:
	free(script);
	free(port);
	return rc;
}

/* fakegithub.py, as fake_server_start. */
static inline int fake_github_start(const char *dir, const char *const *args, pid_t *pid,
				    char *base, size_t base_len)
{
	return fake_server_start("fakegithub.py", dir, args, pid, base, base_len);
}

static inline void fake_github_stop(pid_t pid)
{
	if (pid > 0) {
		kill(pid, SIGTERM);
		waitpid(pid, NULL, 0);
	}
}

#endif
