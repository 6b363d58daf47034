/*
 * fakeforge_testutil.h — a fake forge server of tests/e2e (fakegitlab.py,
 * fakegitea.py) as a child process of a C test, plus small helpers to call its
 * control endpoints. Found under $RR_SOURCE_DIR, else the current directory.
 */
#ifndef RR_FAKEFORGE_TESTUTIL_H
#define RR_FAKEFORGE_TESTUTIL_H

#include "fakegithub_testutil.h"

#include <jansson.h>

#include "../../handlers/api.h"

/* Starts tests/e2e/<script> with --port-file DIR/port and args; like fake_github_start. */
static inline int fake_forge_start(const char *script_name, const char *dir,
				   const char *const *args, pid_t *pid, char *base, size_t len)
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
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		execvp("python3", (char *const *)argv);
		_exit(127);
	}
	if (*pid > 0)
		rc = fake_github_wait_port(port, base, len);
done:
	free(script);
	free(port);
	return rc;
}

/* method path (on base) with an optional JSON body (stolen); the parsed answer (caller decrefs). */
static inline json_t *fake_forge_call(const char *base, const char *method, const char *path,
				      json_t *body)
{
	struct api_client *c = NULL;
	struct api_response resp = API_RESPONSE_INIT;
	struct rr_error err = { 0 };
	char *url = NULL;
	json_t *out = NULL;

	if (api_client_new(&c, NULL, &err) == RR_OK && asprintf(&url, "%s%s", base, path) > 0 &&
	    api_request(c, method, url, NULL, body, &resp, &err) == RR_OK)
		out = json_incref(resp.json);
	api_response_free(&resp);
	api_client_free(c);
	free(url);
	json_decref(body);
	return out;
}

#endif
