/* url.c — origin comparison with libcurl's URL parser (the one libcurl itself uses). */
#include "url.h"

#include <curl/curl.h>
#include <string.h>
#include <strings.h>

struct origin {
	char *scheme, *host, *port;
};

static void origin_free(struct origin *o)
{
	curl_free(o->scheme);
	curl_free(o->host);
	curl_free(o->port);
}

static bool origin_parse(const char *url, struct origin *o)
{
	CURLU *u = curl_url();
	bool ok = false;
	memset(o, 0, sizeof(*o));
	if (!u)
		return false;
	if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_SCHEME, &o->scheme, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &o->host, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_PORT, &o->port, CURLU_DEFAULT_PORT) == CURLUE_OK)
		ok = true;
	curl_url_cleanup(u);
	return ok;
}

bool rr_url_same_origin(const char *a, const char *b)
{
	struct origin x = { 0 }, y = { 0 };
	bool same = false;
	if (!a || !b)
		return false;
	if (origin_parse(a, &x) && origin_parse(b, &y))
		same = strcasecmp(x.scheme, y.scheme) == 0 && strcasecmp(x.host, y.host) == 0 &&
		       strcmp(x.port, y.port) == 0 &&
		       (strcasecmp(x.scheme, "https") == 0 || strcasecmp(x.scheme, "http") == 0);
	origin_free(&x);
	origin_free(&y);
	return same;
}
