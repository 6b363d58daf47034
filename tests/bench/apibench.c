/*
 * apibench.c — what connection reuse saves on forge API calls: the real
 * handlers/api.c client making N sequential GETs to one HTTPS host, first with
 * one client (its share handle keeps the connection and the TLS session, as a
 * worker does), then with a new client per call (a new TCP connection and TLS
 * handshake each time, what a client without reuse pays). Prints one JSON line:
 *   {"calls":N,"reuse_ms":R,"reuse_connections":C1,"fresh_ms":F,"fresh_connections":C2}
 * where *_ms is the mean wall time of one call.
 *
 *   apibench URL CA_FILE N
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "../../handlers/api.h"

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* One GET that must answer 2xx; adds the connections it opened to *conns. */
static int get_once(struct api_client *c, const char *url, long *conns)
{
	struct api_response r = API_RESPONSE_INIT;
	struct rr_error err = { 0 };
	int rc = api_request(c, "GET", url, NULL, NULL, &r, &err);

	if (rc != RR_OK)
		fprintf(stderr, "apibench: %s\n", err.msg);
	*conns += r.new_connections;
	api_response_free(&r);
	return rc;
}

static int new_client(struct api_client **c, const char *ca)
{
	struct api_client_options o = { .ca_bundle = ca, .user_agent = "rustreview-apibench" };
	struct rr_error err = { 0 };

	if (api_client_new(c, &o, &err) != RR_OK) {
		fprintf(stderr, "apibench: %s\n", err.msg);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct api_client *c = NULL;
	long reuse_conns = 0, fresh_conns = 0;
	double t0, reuse_ms, fresh_ms;
	int n;

	if (argc != 4 || (n = atoi(argv[3])) < 1) {
		fprintf(stderr, "usage: apibench URL CA_FILE N\n");
		return 2;
	}
	if (new_client(&c, argv[2]))
		return 1;
	if (get_once(c, argv[1], &reuse_conns) != RR_OK) {   /* warm: the first handshake */
		api_client_free(c);
		return 1;
	}
	reuse_conns = 0;
	t0 = now_ms();
	for (int i = 0; i < n; i++)
		if (get_once(c, argv[1], &reuse_conns) != RR_OK) {
			api_client_free(c);
			return 1;
		}
	reuse_ms = (now_ms() - t0) / n;
	api_client_free(c);

	t0 = now_ms();
	for (int i = 0; i < n; i++) {
		int rc;
		if (new_client(&c, argv[2]))
			return 1;
		rc = get_once(c, argv[1], &fresh_conns);
		api_client_free(c);
		if (rc != RR_OK)
			return 1;
	}
	fresh_ms = (now_ms() - t0) / n;
	printf("{\"calls\":%d,\"reuse_ms\":%.3f,\"reuse_connections\":%ld,"
	       "\"fresh_ms\":%.3f,\"fresh_connections\":%ld}\n",
	       n, reuse_ms, reuse_conns, fresh_ms, fresh_conns);
	return 0;
}
