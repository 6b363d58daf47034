/*
 * url.h — URL helpers shared by the forge API client and the git fetcher.
 */
#ifndef RR_URL_H
#define RR_URL_H

#include <stdbool.h>

/*
 * True when a and b are http(s) URLs of the same origin: scheme and host equal
 * (case-insensitive) and the same port (explicit or the scheme's default).
 * Anything that does not parse is never the same origin.
 */
bool rr_url_same_origin(const char *a, const char *b);

#endif
