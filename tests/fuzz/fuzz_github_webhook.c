/*
 * fuzz_github_webhook.c — libFuzzer target: GitHub webhook verify + parse_event.
 *
 * Input: byte 0 picks the X-GitHub-Event header (pull_request mostly), the rest
 * is the body. The body is signed with the target's own secret, so verify must
 * accept it and parse_event then sees every payload shape the fuzzer makes.
 * Invariants checked on success: the request names only validated things.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <git2.h>
#include <openssl/hmac.h>

#include "../../common/log.h"
#include "../../handlers/forge.h"
#include "../../handlers/github.h"

#define SECRET "fuzz-webhook-secret"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	git_libgit2_init();             /* branch-name validation uses libgit2 */
	rr_log_set_level(RR_LOG_ERROR); /* refusals are logged at warn: keep output quiet */
	return 0;
}

static void sign(const uint8_t *body, size_t len, char out[7 + 64 + 1])
{
	unsigned char mac[32];
	unsigned int mac_len = 0;
	HMAC(EVP_sha256(), SECRET, (int)strlen(SECRET), body, len, mac, &mac_len);
	memcpy(out, "sha256=", 7);
	rr_hex(mac, sizeof(mac), out + 7);
}

/* What a successful parse promises the rest of the bot. */
static void check_request(const struct review_request *rq)
{
	if (!rq->owner || !rq->repo || !rq->clone_url || !rq->head_sha || !rq->base_sha ||
	    rq->number <= 0 || strstr(rq->owner, "..") == rq->owner || strchr(rq->owner, '/') ||
	    strchr(rq->repo, '/') || strncmp(rq->clone_url, "https://github.com/", 19) != 0 ||
	    strlen(rq->head_sha) != 40)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const events[] = { "pull_request", "pull_request", "pull_request",
					      "ping", "push", "Pull_Request" };
	struct forge_config cfg;
	struct http_header h[3];
	struct http_request req;
	struct review_request rq;
	struct rr_error err = { 0 };
	char sig[7 + 64 + 1];

	if (size < 1)
		return 0;
	memset(&cfg, 0, sizeof(cfg));
	cfg.forge = &forge_github;
	cfg.webhook_secret = (char *)SECRET;
	sign(data + 1, size - 1, sig);
	h[0] = (struct http_header){ "X-GitHub-Event", events[data[0] % 6] };
	h[1] = (struct http_header){ "X-GitHub-Delivery", "fuzz-delivery-1" };
	h[2] = (struct http_header){ "X-Hub-Signature-256", sig };
	memset(&req, 0, sizeof(req));
	req.method = "POST";
	req.path = "/webhooks/github";
	req.headers = h;
	req.nheaders = 3;
	req.body = (const char *)data + 1;
	req.body_len = size - 1;
	if (forge_github.verify(&cfg, &req, &err) != RR_OK)
		abort();                /* a correctly signed body must verify */
	if (forge_github.parse_event(&cfg, &req, &rq, &err) == RR_OK) {
		check_request(&rq);
		review_request_free(&rq);
	} else if (rq.forge || rq.owner || rq.clone_url) {
		abort();                /* failures leave nothing behind */
	}
	return 0;
}
