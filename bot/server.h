/*
 * server.h — the HTTP front door (libmicrohttpd, a thread per connection).
 *
 *   POST /webhooks/<forge>   verify → parse → enqueue (durable) → 202/200/4xx/503
 *   GET  /healthz            200 {"status":"ok"} (the process is alive)
 *   GET  /readyz             200 when the database answers and the server is not
 *                            draining; 503 otherwise
 *   GET  /metrics            Prometheus text
 *   GET  /version            {"version":"0.1.0","commit":"<12 hex digits>"}
 *
 * Forges come from the configuration (cfg->forges), never from a global table,
 * so tests can serve a fake forge. Every answer is JSON (except /metrics) and
 * every request is logged once, without signatures or secrets.
 */
#ifndef RR_SERVER_H
#define RR_SERVER_H

#include "../common/rr.h"
#include "config.h"
#include "metrics.h"
#include "queue.h"

struct server;

/* Binds cfg->listen_host:cfg->listen_port and starts serving. cfg, q and m are
 * borrowed and must outlive the server. */
int server_start(struct server **out, const struct rr_config *cfg, struct queue *q,
		 struct metrics *m, struct rr_error *err);
/* The bound port (useful with port 0). */
unsigned server_port(const struct server *s);
/* Shutdown has begun: /readyz answers 503 from now on; deliveries are still
 * accepted (and queued durably) until server_stop. */
void server_set_draining(struct server *s);
/* Stops accepting, waits for requests in flight, frees. NULL is fine. */
void server_stop(struct server *s);

#endif
