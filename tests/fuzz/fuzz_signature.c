/*
 * fuzz_signature.c — libFuzzer target: X-Hub-Signature-256 verification.
 *
 * Input: "<secret>\n<header value>\n<body>". verify must accept exactly when
 * the header is sha256=<hex of HMAC-SHA256(secret, body)> (either hex case),
 * whatever the bytes; the oracle here recomputes it independently.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/hmac.h>

#include "../../common/rr.h"
#include "../../handlers/forge.h"
#include "../../handlers/github.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool oracle(const char *secret, const char *header, const char *body, size_t len)
{
	unsigned char mac[32];
	unsigned int mac_len = 0;
	char want[7 + 64 + 1];

	if (!*secret)
		return false;
	HMAC(EVP_sha256(), secret, (int)strlen(secret), (const unsigned char *)body, len, mac,
	     &mac_len);
	memcpy(want, "sha256=", 7);
	rr_hex(mac, sizeof(mac), want + 7);
	return strlen(header) == 71 && strncmp(header, "sha256=", 7) == 0 &&
	       strcasecmp(header + 7, want + 7) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = malloc(size + 1), *secret, *header, *body, *nl;
	struct forge_config cfg;
	struct http_header h[1];
	struct http_request req;
	struct rr_error err = { 0 };
	int rc;

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	copy[size] = '\0';
	secret = copy;
	if (!(nl = memchr(copy, '\n', size)))
		goto done;
	*nl = '\0';
	header = nl + 1;
	if (!(nl = memchr(header, '\n', size - (size_t)(header - copy))))
		goto done;
	*nl = '\0';
	body = nl + 1;
	memset(&cfg, 0, sizeof(cfg));
	cfg.forge = &forge_github;
	cfg.webhook_secret = secret;
	h[0] = (struct http_header){ "X-Hub-Signature-256", header };
	memset(&req, 0, sizeof(req));
	req.method = "POST";
	req.path = "/webhooks/github";
	req.headers = h;
	req.nheaders = 1;
	req.body = body;
	req.body_len = size - (size_t)(body - copy);
	rc = forge_github.verify(&cfg, &req, &err);
	/* Secrets with a NUL are cut at the NUL by both sides: strlen in each. */
	if ((rc == RR_OK) != oracle(secret, header, body, req.body_len))
		abort();
	if (rc != RR_OK && rc != RR_EAUTH)
		abort();
done:
	free(copy);
	return 0;
}
