/* secret.c — secrets in OpenSSL's secure heap; wiping allocators for libraries. */
#include "secret.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <jansson.h>
#include <malloc.h>
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

/* OpenSSL's smallest secure-heap block: 16 bytes (its minimum is a power of two). */
#define SECRET_MIN_BLOCK 16

char *rr_secret_ndup(const char *s, size_t n)
{
	char *p;
	if (!s)
		return NULL;
	/* Secure heap when set up (falls back to the ordinary heap when it is not,
	 * or is full: the secret is still wiped on free). */
	if (!(p = OPENSSL_secure_malloc(n + 1)) && !(p = malloc(n + 1)))
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *rr_secret_dup(const char *s)
{
	return s ? rr_secret_ndup(s, strlen(s)) : NULL;
}

int rr_secret_read_file(const char *path, size_t max, char **out, size_t *out_len,
			struct rr_error *err)
{
	struct stat st;
	size_t size, got = 0;
	char *buf = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc = RR_OK;

	*out = NULL;
	if (fd < 0)
		return rr_error_set(err, errno == ENOENT ? RR_ENOTFOUND : RR_ERR, "opening %s: %s", path,
				    strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		rc = rr_error_set(err, RR_ERR, "reading %s: not a regular file", path);
		goto done;
	}
	if ((unsigned long long)st.st_size > max) {
		rc = rr_error_set(err, RR_ERR, "reading %s: larger than %zu bytes", path, max);
		goto done;
	}
	size = (size_t)st.st_size;
	/* One byte more than the size: a file that grew meanwhile is noticed. */
	if (!(buf = OPENSSL_secure_malloc(size + 2)) && !(buf = malloc(size + 2))) {
		rc = rr_error_set(err, RR_ENOMEM, "reading %s: out of memory", path);
		goto done;
	}
	while (got < size + 1) {
		ssize_t n = read(fd, buf + got, size + 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = rr_error_set(err, RR_ERR, "reading %s: %s", path, strerror(errno));
			goto done;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	if (got != size) {
		rc = rr_error_set(err, RR_ERR, "reading %s: the file changed while it was read", path);
		goto done;
	}
	buf[got] = '\0';
	*out = buf;
	buf = NULL;
	if (out_len)
		*out_len = got;
done:
	if (buf) {
		explicit_bzero(buf, size + 2);
		rr_secret_free(buf);   /* zeroed: rr_secret_free's own wipe is a no-op here */
	}
	close(fd);
	return rc;
}

bool rr_secret_is_protected(const void *p)
{
	return p && CRYPTO_secure_allocated(p);
}

void rr_secret_free(char *s)
{
	if (!s)
		return;
	if (CRYPTO_secure_allocated(s)) {
		OPENSSL_secure_clear_free(s, CRYPTO_secure_actual_size(s));
		return;
	}
	rr_wipe_free(s);
}

void rr_wipe_free(void *p)
{
	if (!p)
		return;
	explicit_bzero(p, malloc_usable_size(p));
	free(p);
}

/* realloc that never leaves the old block's bytes behind in freed memory. */
void *rr_wipe_realloc(void *p, size_t n)
{
	size_t old;
	void *q;

	if (!p)
		return malloc(n);
	if (n == 0) {
		rr_wipe_free(p);
		return NULL;
	}
	old = malloc_usable_size(p);
	if (n <= old)
		return p;          /* fits: nothing is left behind */
	if (!(q = malloc(n)))
		return NULL;
	memcpy(q, p, old);
	rr_wipe_free(p);
	return q;
}

static char *wipe_strdup(const char *s)
{
	return rr_strdup(s);
}

int rr_secret_heap_init(size_t bytes, bool *locked, struct rr_error *err)
{
	int rc = CRYPTO_secure_malloc_initialized() ? 1
						    : CRYPTO_secure_malloc_init(bytes, SECRET_MIN_BLOCK);

	*locked = false;
	if (rc == 0)
		return rr_error_set(err, RR_ERR, "cannot set up secure memory for secrets (%zu bytes)",
				    bytes);
	*locked = rc == 1;         /* 2: usable and excluded from dumps, but not locked in RAM */
	json_set_alloc_funcs(malloc, rr_wipe_free);
	if (curl_global_init_mem(CURL_GLOBAL_DEFAULT, malloc, rr_wipe_free, rr_wipe_realloc, wipe_strdup,
				 calloc) != CURLE_OK)
		return rr_error_set(err, RR_ERR, "initialising libcurl failed");
	return RR_OK;
}

/* Bits per character of the smallest usual alphabet that holds every character. */
static double alphabet_bits(const char *s)
{
	bool hex = true, alnum = true, printable = true;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		bool digit = *p >= '0' && *p <= '9';
		bool lower = *p >= 'a' && *p <= 'z', upper = *p >= 'A' && *p <= 'Z';
		if (!(digit || (*p >= 'a' && *p <= 'f') || (*p >= 'A' && *p <= 'F')))
			hex = false;
		if (!(digit || lower || upper || *p == '-' || *p == '_'))
			alnum = false;
		if (*p < 0x20 || *p > 0x7e)
			printable = false;
	}
	return hex ? 4.0 : alnum ? 6.0 : printable ? 6.5 : 8.0;   /* log2 of 16, 64, 95, 256 */
}

unsigned rr_secret_strength_bits(const char *s)
{
	bool seen[256] = { false };
	size_t len = s ? strlen(s) : 0, distinct = 0;

	for (size_t i = 0; i < len; i++)
		if (!seen[(unsigned char)s[i]]) {
			seen[(unsigned char)s[i]] = true;
			distinct++;
		}
	if (distinct < 8)          /* "aaaa…", "abcabc…", a word: a guess, not a secret */
		return (unsigned)(distinct * 2);
	return (unsigned)((double)len * alphabet_bits(s));
}
