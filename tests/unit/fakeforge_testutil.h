/*
 * fakeforge_testutil.h — a fake forge server of tests/e2e (fakegitlab.py,
 * fakegitea.py) for C tests: fake_server_start (fakegithub_testutil.h) starts one; this adds a helper to call its
 * control endpoints. Found under $RR_SOURCE_DIR, else the current directory.
 */
#ifndef RR_FAKEFORGE_TESTUTIL_H
#define RR_FAKEFORGE_TESTUTIL_H

#include "fakegithub_testutil.h"

#include <jansson.h>

#include "../../handlers/api.h"

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
