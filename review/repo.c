/*
 * repo.c — bare mirrors under <data_dir>/mirrors/<forge>/<owner>/<name>.git,
 * one exclusive lock per mirror, incremental fetches with libgit2.
 *
 * Secrets: the token reaches libgit2 only through the credential callback. The
 * remote is anonymous (the URL never lands in the mirror's config), FETCH_HEAD
 * is not written, and error messages carry the URL stripped of any userinfo.
 */
#include "repo.h"
#include "../common/log.h"
#include "../common/secret.h"
#include "../common/url.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <git2/sys/stream.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <poll.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <sys/stat.h>
#include <unistd.h>

#include <git2/sys/alloc.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#define REPO_NAME_MAX 100

struct repo_mirror {
	git_repository *repo;
	char *path;        /* .../<name>.git */
	int lock_fd;       /* holds flock(LOCK_EX) while open */
};

/* What the credential callback knows and what it saw, to classify failures. */
struct fetch_auth {
	const struct git_credentials *creds;
	const char *fetch_url;  /* credentials go only to this URL's origin */
	int attempts;        /* credentials handed to libgit2 */
	bool rejected;       /* we refused to answer (no creds, retried, unsupported) */
	bool elsewhere;      /* a server of another origin asked for them */
};

void git_credentials_clear(struct git_credentials *c)
{
	if (!c)
		return;
	rr_secret_free(c->password);
	c->password = NULL;
	memset(c->username, 0, sizeof(c->username));
}

int repo_global_init(struct rr_error *err)
{
	int rc = git_libgit2_init();
	if (rc < 0) {
		const git_error *e = git_error_last();
		return rr_error_set(err, RR_ERR, "initialising libgit2: %s",
				    e && e->message ? e->message : "unknown error");
	}
	return RR_OK;
}

/* A libgit2 allocator over malloc whose frees overwrite the block first. */
static void *repo_wipe_gmalloc(size_t n, const char *file, int line)
{
	(void)file;
	(void)line;
	return malloc(n);
}

static void *repo_wipe_gcalloc(size_t nelem, size_t elsize, const char *file, int line)
{
	(void)file;
	(void)line;
	return calloc(nelem, elsize);
}

static char *repo_wipe_gstrdup(const char *str, const char *file, int line)
{
	(void)file;
	(void)line;
	return rr_strdup(str);
}

static char *repo_wipe_gstrndup(const char *str, size_t n, const char *file, int line)
{
	(void)file;
	(void)line;
	return rr_strndup(str, strnlen(str, n));
}

static char *repo_wipe_gsubstrdup(const char *str, size_t n, const char *file, int line)
{
	(void)file;
	(void)line;
	return rr_strndup(str, n);
}

static void *repo_wipe_grealloc(void *p, size_t n, const char *file, int line)
{
	(void)file;
	(void)line;
	return rr_wipe_realloc(p, n);
}

static void *repo_wipe_greallocarray(void *p, size_t nelem, size_t elsize, const char *file,
				     int line)
{
	(void)file;
	(void)line;
	if (elsize && nelem > SIZE_MAX / elsize)
		return NULL;
	return rr_wipe_realloc(p, nelem * elsize);
}

static void *repo_wipe_gmallocarray(size_t nelem, size_t elsize, const char *file, int line)
{
	(void)file;
	(void)line;
	if (elsize && nelem > SIZE_MAX / elsize)
		return NULL;
	return malloc(nelem * elsize);
}

static void repo_wipe_gfree(void *p)
{
	rr_wipe_free(p);
}

int repo_wipe_freed_memory(struct rr_error *err)
{
	/* libgit2 keeps a pointer to it: static, alive for the process. */
	static git_allocator wiping = {
		repo_wipe_gmalloc, repo_wipe_gcalloc, repo_wipe_gstrdup, repo_wipe_gstrndup,
		repo_wipe_gsubstrdup, repo_wipe_grealloc, repo_wipe_greallocarray,
		repo_wipe_gmallocarray, repo_wipe_gfree,
	};

	if (git_libgit2_opts(GIT_OPT_SET_ALLOCATOR, &wiping) != 0)
		return rr_error_set(err, RR_ERR, "libgit2: cannot set the wiping allocator");
	return RR_OK;
}

/* The CA file git's TLS trusts besides the system's (our TLS stream reads it). */
static char tls_ca_file[4096];

int repo_set_ca_bundle(const char *file, struct rr_error *err)
{
	if (!file || !*file)
		return RR_OK;
	if (access(file, R_OK) != 0)
		return rr_error_set(err, RR_ECONFIG, "CA bundle %s: %s", file, strerror(errno));
	if (strlen(file) >= sizeof(tls_ca_file))
		return rr_error_set(err, RR_ECONFIG, "CA bundle %s: path too long", file);
	snprintf(tls_ca_file, sizeof(tls_ca_file), "%s", file);
	if (git_libgit2_opts(GIT_OPT_SET_SSL_CERT_LOCATIONS, file, NULL) < 0) {
		const git_error *e = git_error_last();
		return rr_error_set(err, RR_ECONFIG, "CA bundle %s: %s", file,
				    e && e->message ? e->message : "libgit2 refused it");
	}
	return RR_OK;
}

static SSL_CTX *tls_ctx;

void repo_global_shutdown(void)
{
	SSL_CTX_free(tls_ctx);
	tls_ctx = NULL;
	git_libgit2_shutdown();
}

/* A path component from the outside world (forge, owner, repository name). */
static int repo_validate_component(const char *what, const char *s, struct rr_error *err)
{
	size_t len, i;

	if (!s || !*s)
		return rr_error_set(err, RR_EINVAL, "invalid %s: empty", what);
	/* strnlen bounds the scan; a NUL inside the first 101 bytes ends the name, so
	 * an embedded NUL can only shorten it and the rest is never seen. */
	len = strnlen(s, REPO_NAME_MAX + 1);
	if (len > REPO_NAME_MAX)
		return rr_error_set(err, RR_EINVAL, "invalid %s: longer than %d bytes", what,
				    REPO_NAME_MAX);
	/* Control characters first: the later messages echo the name. */
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7f)
			return rr_error_set(err, RR_EINVAL, "invalid %s: contains control character 0x%02x",
					    what, c);
	}
	if (strchr(s, '/') || strchr(s, '\\'))
		return rr_error_set(err, RR_EINVAL, "invalid %s \"%s\": contains a path separator", what, s);
	/* ".config"-like names are real repository names; "." alone would name the parent dir. */
	if (strcmp(s, ".") == 0)
		return rr_error_set(err, RR_EINVAL, "invalid %s \"%s\": a dot alone", what, s);
	if (strstr(s, ".."))
		return rr_error_set(err, RR_EINVAL, "invalid %s \"%s\": contains \"..\"", what, s);
	return RR_OK;
}

/*
 * An owner path: one or more components joined by '/' (a namespace with
 * subgroups, "group/sub"), each checked like any component; at most 21.
 */
static int repo_validate_owner(const char *s, struct rr_error *err)
{
	char part[REPO_NAME_MAX + 1];
	size_t segments = 0;
	int rc;

	if (!s || !*s)
		return rr_error_set(err, RR_EINVAL, "invalid owner: empty");
	for (;;) {
		size_t n = strcspn(s, "/");
		if (n > REPO_NAME_MAX)
			return rr_error_set(err, RR_EINVAL, "invalid owner: a part longer than %d bytes",
					    REPO_NAME_MAX);
		if (++segments > 21)
			return rr_error_set(err, RR_EINVAL, "invalid owner: more than 21 parts");
		memcpy(part, s, n);
		part[n] = '\0';
		if ((rc = repo_validate_component("owner", part, err)))
			return rc;
		if (!s[n])
			return RR_OK;
		s += n + 1;
	}
}

/* Forges treat owner and repository names without regard to case: one mirror for all spellings. */
static void repo_lowercase(char *s)
{
	for (; s && *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
}

/* printf into a new heap string; NULL on failure (asprintf leaves the pointer undefined). */
static char *repo_fmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *repo_fmt(const char *fmt, ...)
{
	char *s = NULL;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	return n < 0 ? NULL : s;
}

/* Takes the mirror's exclusive lock, waiting for whoever holds it. */
static int repo_lock(const char *lock_path, int *out_fd, struct rr_error *err)
{
	int fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return rr_error_set(err, RR_ERR, "opening lock %s: %s", lock_path, strerror(errno));
	while (flock(fd, LOCK_EX) != 0) {
		if (errno == EINTR)
			continue;
		int e = errno;
		close(fd);
		return rr_error_set(err, RR_ERR, "locking %s: %s", lock_path, strerror(e));
	}
	*out_fd = fd;
	return RR_OK;
}

static void repo_unlock(int fd)
{
	if (fd < 0)
		return;
	flock(fd, LOCK_UN);
	close(fd);
}

static const char *repo_git_message(void)
{
	const git_error *e = git_error_last();
	return e && e->message ? e->message : "unknown libgit2 error";
}

/* nftw callback: removes git's own "*.lock" files under refs/. */
static int repo_unlink_stale_lock(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	size_t len = strlen(path);
	(void)st;
	(void)ftw;
	if (type == FTW_F && len > 5 && strcmp(path + len - 5, ".lock") == 0 && unlink(path) == 0)
		rr_log_kv(RR_LOG_WARN, "mirror.stale_lock_removed", RR_KV_STR("path", path));
	return 0;
}

/*
 * Removes lock files a crashed fetch left inside the mirror (libgit2 would refuse
 * to update those refs forever). Safe only because we hold the mirror's flock:
 * no one else can be writing to it.
 */
static void repo_remove_stale_locks(const char *mirror)
{
	static const char *const top[] = { "packed-refs.lock", "config.lock", "HEAD.lock",
					   "FETCH_HEAD.lock", "shallow.lock" };
	char path[4096];
	size_t i;

	for (i = 0; i < sizeof(top) / sizeof(top[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", mirror, top[i]);
		if (unlink(path) == 0)
			rr_log_kv(RR_LOG_WARN, "mirror.stale_lock_removed", RR_KV_STR("path", path));
	}
	snprintf(path, sizeof(path), "%s/refs", mirror);
	nftw(path, repo_unlink_stale_lock, 16, FTW_PHYS);
}

/* Opens the bare repository at path, creating it on first use. Caller holds the lock. */
static int repo_open_or_init(const char *path, git_repository **out, struct rr_error *err)
{
	struct stat st;

	if (stat(path, &st) == 0) {
		repo_remove_stale_locks(path);
		if (git_repository_open_bare(out, path) != 0)
			return rr_error_set(err, RR_ERR, "opening mirror %s: %s", path,
					    repo_git_message());
		return RR_OK;
	}
	if (errno != ENOENT)
		return rr_error_set(err, RR_ERR, "checking mirror %s: %s", path, strerror(errno));
	if (git_repository_init(out, path, 1) != 0)
		return rr_error_set(err, RR_ERR, "creating mirror %s: %s", path, repo_git_message());
	rr_log_kv(RR_LOG_INFO, "mirror.created", RR_KV_STR("path", path));
	return RR_OK;
}

int repo_mirror_open(struct repo_mirror **out, const char *data_dir, const char *forge,
		     const char *owner, const char *name, struct rr_error *err)
{
	struct repo_mirror *m = NULL;
	char *dir = NULL, *lock_path = NULL;
	int rc;

	*out = NULL;
	if (!data_dir || !*data_dir)
		return rr_error_set(err, RR_EINVAL, "opening mirror: empty data dir");
	if ((rc = repo_validate_component("forge", forge, err)) ||
	    (rc = repo_validate_owner(owner, err)) ||
	    (rc = repo_validate_component("repository name", name, err)))
		return rc;

	m = calloc(1, sizeof(*m));
	if (!m)
		return rr_error_set(err, RR_ENOMEM, "opening mirror: out of memory");
	m->lock_fd = -1;
	if (!(dir = repo_fmt("%s/mirrors/%s/%s", data_dir, forge, owner)) ||
	    !(m->path = repo_fmt("%s/%s.git", dir, name)) ||
	    !(lock_path = repo_fmt("%s.lock", m->path))) {
		rc = rr_error_set(err, RR_ENOMEM, "opening mirror: out of memory");
		goto cleanup;
	}
	/* Only what follows data_dir is folded: the data dir is the operator's path. */
	repo_lowercase(dir + strlen(data_dir));
	repo_lowercase(m->path + strlen(data_dir));
	repo_lowercase(lock_path + strlen(data_dir));
	if ((rc = rr_mkdirs(dir, err))) {
		rr_error_wrap(err, "opening mirror %s/%s", owner, name);
		goto cleanup;
	}
	if ((rc = repo_lock(lock_path, &m->lock_fd, err)))
		goto cleanup;
	if ((rc = repo_open_or_init(m->path, &m->repo, err)))
		goto cleanup;
	*out = m;
	m = NULL;
cleanup:
	free(dir);
	free(lock_path);
	if (m)
		repo_mirror_close(m);
	return rc;
}

git_repository *repo_mirror_borrow(struct repo_mirror *m)
{
	return m ? m->repo : NULL;
}

void repo_mirror_close(struct repo_mirror *m)
{
	if (!m)
		return;
	git_repository_free(m->repo);
	repo_unlock(m->lock_fd);
	free(m->path);
	free(m);
}

int repo_mirror_has_commit(struct repo_mirror *m, const char *sha, git_oid *out)
{
	git_commit *commit = NULL;
	git_oid oid;
	size_t len, i;

	if (!m || !sha)
		return RR_EINVAL;
	len = strnlen(sha, GIT_OID_HEXSZ + 1);
	if (len != GIT_OID_HEXSZ)
		return RR_EINVAL;
	for (i = 0; i < len; i++)
		if (!strchr("0123456789abcdefABCDEF", sha[i]))
			return RR_EINVAL;
	if (git_oid_fromstr(&oid, sha) != 0)
		return RR_EINVAL;
	if (git_commit_lookup(&commit, m->repo, &oid) != 0)
		return RR_ENOTFOUND;
	git_commit_free(commit);
	if (out)
		git_oid_cpy(out, &oid);
	return RR_OK;
}

/*
 * Copies url into buf without "user[:password]@" in the authority, so it can go
 * into messages. Returns true when userinfo was present (and whether it held a
 * password, via *had_password).
 */
static bool repo_url_strip_userinfo(const char *url, char *buf, size_t size, bool *had_password)
{
	const char *scheme_end = strstr(url, "://");
	const char *auth = scheme_end ? scheme_end + 3 : url;
	size_t auth_len = strcspn(auth, "/?#");
	const char *at = NULL;
	size_t i;

	*had_password = false;
	for (i = 0; i < auth_len; i++)
		if (auth[i] == '@')
			at = auth + i;   /* the last '@' ends the userinfo */
	if (!at) {
		snprintf(buf, size, "%s", url);
		return false;
	}
	*had_password = memchr(auth, ':', (size_t)(at - auth)) != NULL;
	snprintf(buf, size, "%.*s%s", (int)(auth - url), url, at + 1);
	return true;
}

/*
 * Credentials answer only a server of the origin the fetch was asked for. A
 * redirect may have moved libgit2 to another origin (another host is refused
 * by follow_redirects, but libgit2 compares host names only, not ports), and
 * whoever asks from there gets nothing.
 */
static int repo_credential_cb(git_credential **out, const char *url, const char *username_from_url,
			      unsigned int allowed_types, void *payload)
{
	struct fetch_auth *auth = payload;
	const struct git_credentials *c = auth->creds;

	(void)username_from_url;
	if (!url || !rr_url_same_origin(url, auth->fetch_url)) {
		auth->rejected = true;
		auth->elsewhere = true;
		git_error_set_str(GIT_ERROR_CALLBACK,
				  "a server of another origin asked for credentials (redirected?)");
		return GIT_EUSER;
	}
	/* libgit2 calls again after a 401 with the same credentials: the token was
	 * refused, so stop here instead of looping. */
	if (auth->attempts > 0 || !c || !c->password || !*c->password || !c->username[0] ||
	    !(allowed_types & GIT_CREDENTIAL_USERPASS_PLAINTEXT)) {
		auth->rejected = true;
		git_error_set_str(GIT_ERROR_CALLBACK, auth->attempts > 0
				  ? "credentials rejected by the server"
				  : "server requires credentials and none usable were given");
		return GIT_EUSER;
	}
	auth->attempts++;
	return git_credential_userpass_plaintext_new(out, c->username, c->password);
}

/* ---- git connections with a timeout ------------------------------------------ */

static unsigned fetch_timeout_s;

/*
 * What the last HTTP answer on this thread said (status, Retry-After), sniffed
 * from the plaintext libgit2 reads (over TLS too: the TLS stream is ours):
 * libgit2 reports only "unexpected http status code: 429", and a rate-limited
 * git server's wait must be honoured like the API's.
 */
static _Thread_local struct {
	int status;
	long retry_after;
} git_http_seen;

struct timed_stream {
	git_stream parent;
	int fd;
	char *host;
	char *port;
	bool response_start;       /* the next read begins an HTTP response */
};

static void timed_set_error(const char *what, const char *host)
{
	char msg[300];
	snprintf(msg, sizeof(msg), "%s %s: %s", what, host,
		 errno == EAGAIN || errno == EWOULDBLOCK || errno == ETIMEDOUT
			 ? "no progress within RUSTREVIEW_GIT_TIMEOUT" : strerror(errno));
	git_error_set_str(GIT_ERROR_NET, msg);
}

/* Connects with the timeout too (a non-blocking connect, then poll). */
static int timed_connect_fd(const struct addrinfo *ai, int ms)
{
	struct pollfd pfd;
	int fd, flags, soerr = 0;
	socklen_t len = sizeof(soerr);

	if ((fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol)) < 0)
		return -1;
	flags = fcntl(fd, F_GETFL);
	fcntl(fd, F_SETFL, flags | O_NONBLOCK);
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
		if (errno != EINPROGRESS)
			goto fail;
		pfd.fd = fd;
		pfd.events = POLLOUT;
		if (poll(&pfd, 1, ms) != 1) {
			errno = ETIMEDOUT;
			goto fail;
		}
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) != 0 || soerr) {
			errno = soerr ? soerr : errno;
			goto fail;
		}
	}
	fcntl(fd, F_SETFL, flags);
	return fd;
fail:
	close(fd);
	return -1;
}

static int timed_connect(git_stream *stream)
{
	struct timed_stream *t = (struct timed_stream *)stream;
	struct addrinfo hints = { 0 }, *res = NULL, *ai;
	struct timeval tv = { (time_t)fetch_timeout_s, 0 };
	int gai;

	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if ((gai = getaddrinfo(t->host, t->port, &hints, &res)) != 0) {
		git_error_set(GIT_ERROR_NET, "resolving %s: %s", t->host, gai_strerror(gai));
		return -1;
	}
	for (ai = res; ai && t->fd < 0; ai = ai->ai_next)
		t->fd = timed_connect_fd(ai, (int)fetch_timeout_s * 1000);
	freeaddrinfo(res);
	if (t->fd < 0) {
		timed_set_error("connecting to", t->host);
		return -1;
	}
	/* A read or write that moves no byte for this long fails. */
	setsockopt(t->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(t->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	/* libgit2 writes a POST's headers and its body in two sends: with Nagle
	 * the body waits for the server's (delayed) ACK of the headers, up to
	 * 40 ms per request on Linux. curl, under git's own client, sets it too. */
	setsockopt(t->fd, IPPROTO_TCP, TCP_NODELAY, &(int){ 1 }, sizeof(int));
	return 0;
}

/* "HTTP/1.1 429 ...\r\n...Retry-After: 30\r\n" at the start of a response. */
static void sniff_http_response(const char *buf, size_t n)
{
	char head[2048];
	const char *p;
	size_t m = n < sizeof(head) - 1 ? n : sizeof(head) - 1;

	if (m < 12 || strncmp(buf, "HTTP/1.", 7) != 0)
		return;
	memcpy(head, buf, m);
	head[m] = '\0';
	git_http_seen.status = atoi(head + 9);
	git_http_seen.retry_after = 0;
	if ((p = strcasestr(head, "\nretry-after:")))
		git_http_seen.retry_after = strtol(p + 14, NULL, 10);
}

/* Both transports (plain, TLS) end a read with this: the first read after a
 * request starts the response, whose status and Retry-After are noted. n. */
static ssize_t note_read(bool *response_start, const void *data, ssize_t n)
{
	if (*response_start && n > 0)
		sniff_http_response(data, (size_t)n);
	*response_start = false;
	return n;
}

/* Writes some of data: how many bytes (> 0), or -1 with the git error set. */
typedef ssize_t (*send_some_fn)(git_stream *stream, const char *data, size_t len);

/* Writes all of data with send_some; the next read starts a response. len or -1. */
static ssize_t write_request(git_stream *stream, bool *response_start, const char *data,
			     size_t len, send_some_fn send_some)
{
	size_t off = 0;

	while (off < len) {
		ssize_t n = send_some(stream, data + off, len - off);
		if (n < 0)
			return -1;
		off += (size_t)n;
	}
	*response_start = true;
	return (ssize_t)len;
}

static ssize_t timed_read(git_stream *stream, void *data, size_t len)
{
	struct timed_stream *t = (struct timed_stream *)stream;
	ssize_t n;

	do
		n = recv(t->fd, data, len, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		timed_set_error("reading from", t->host);
		return -1;
	}
	return note_read(&t->response_start, data, n);
}

static ssize_t timed_send_some(git_stream *stream, const char *data, size_t len)
{
	struct timed_stream *t = (struct timed_stream *)stream;
	ssize_t n;

	do
		n = send(t->fd, data, len, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		timed_set_error("writing to", t->host);
	return n;
}

static ssize_t timed_write(git_stream *stream, const char *data, size_t len, int flags)
{
	struct timed_stream *t = (struct timed_stream *)stream;

	(void)flags;
	return write_request(stream, &t->response_start, data, len, timed_send_some);
}

static int timed_close(git_stream *stream)
{
	struct timed_stream *t = (struct timed_stream *)stream;
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
	return 0;
}

static void timed_free(git_stream *stream)
{
	struct timed_stream *t = (struct timed_stream *)stream;
	timed_close(stream);
	free(t->host);
	free(t->port);
	free(t);
}

static int timed_stream_new(git_stream **out, const char *host, const char *port)
{
	struct timed_stream *t = calloc(1, sizeof(*t));

	if (!t || !(t->host = strdup(host)) || !(t->port = strdup(port ? port : "80"))) {
		if (t)
			free(t->host);
		free(t);
		git_error_set_oom();
		return -1;
	}
	t->fd = -1;
	t->parent.version = GIT_STREAM_VERSION;
	t->parent.connect = timed_connect;
	t->parent.read = timed_read;
	t->parent.write = timed_write;
	t->parent.close = timed_close;
	t->parent.free = timed_free;
	*out = &t->parent;
	return 0;
}

/* ---- git over TLS, ours ---------------------------------------------------------
 *
 * libgit2 1.5 wraps its own OpenSSL stream around the standard stream, so the
 * socket below sees only ciphertext and a git server's 429 or secondary-limit
 * 403 over HTTPS showed its status (in libgit2's message) but never its
 * Retry-After. This stream does the TLS itself (OpenSSL, the system's CAs
 * plus RUSTREVIEW_*_CA_BUNDLE, the peer's name or IP verified) over the timed
 * socket, so the plaintext answer is sniffed like plain HTTP's and the socket
 * keeps its RUSTREVIEW_GIT_TIMEOUT.
 */

struct tls_stream {
	git_stream parent;
	git_stream *sock;          /* a timed_stream */
	SSL *ssl;
	bool response_start;
	unsigned char *der;        /* the peer's certificate, for certificate() */
	git_cert_x509 cert;
};

static int tls_ctx_make(void)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

	if (!ctx)
		return -1;
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	/* A server that closes without close_notify ends the body like EOF; HTTP's
	 * own framing (Content-Length, chunks) says whether it was whole. */
	SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF | SSL_OP_NO_COMPRESSION);
	if (SSL_CTX_set_default_verify_paths(ctx) != 1 ||
	    (tls_ca_file[0] && SSL_CTX_load_verify_locations(ctx, tls_ca_file, NULL) != 1)) {
		SSL_CTX_free(ctx);
		return -1;
	}
	tls_ctx = ctx;
	return 0;
}

/* OpenSSL's reason, or the socket's (a timeout says so). */
static void tls_set_error(struct tls_stream *t, int ret, const char *what)
{
	struct timed_stream *sock = (struct timed_stream *)t->sock;
	unsigned long e = ERR_get_error();
	char buf[256];

	if (SSL_get_error(t->ssl, ret) == SSL_ERROR_SYSCALL && !e) {
		timed_set_error(what, sock->host);
		return;
	}
	ERR_error_string_n(e, buf, sizeof(buf));
	git_error_set(GIT_ERROR_SSL, "%s %s: %s", what, sock->host, e ? buf : "TLS failure");
	ERR_clear_error();
}

/* The name or address the certificate must be for. */
static int tls_expect_peer(SSL *ssl, const char *host)
{
	unsigned char addr[16];
	bool ip = inet_pton(AF_INET, host, addr) == 1 || inet_pton(AF_INET6, host, addr) == 1;

	if (ip)
		return X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host) == 1 ? 0 : -1;
	return SSL_set_tlsext_host_name(ssl, host) == 1 && SSL_set1_host(ssl, host) == 1 ? 0 : -1;
}

static int tls_connect(git_stream *stream)
{
	struct tls_stream *t = (struct tls_stream *)stream;
	struct timed_stream *sock = (struct timed_stream *)t->sock;
	long verify;
	int ret;

	if (t->sock->connect(t->sock) != 0)
		return -1;
	if (!tls_ctx || !(t->ssl = SSL_new(tls_ctx)) || tls_expect_peer(t->ssl, sock->host) != 0 ||
	    SSL_set_fd(t->ssl, sock->fd) != 1) {
		git_error_set(GIT_ERROR_SSL, "TLS to %s: cannot set up the connection", sock->host);
		return -1;
	}
	if ((ret = SSL_connect(t->ssl)) == 1)
		return 0;
	if ((verify = SSL_get_verify_result(t->ssl)) != X509_V_OK) {
		ERR_clear_error();
		git_error_set(GIT_ERROR_SSL, "the SSL certificate of %s is invalid: %s", sock->host,
			      X509_verify_cert_error_string(verify));
		return GIT_ECERTIFICATE;
	}
	tls_set_error(t, ret, "TLS handshake with");
	return -1;
}

static int tls_certificate(git_cert **out, git_stream *stream)
{
	struct tls_stream *t = (struct tls_stream *)stream;
	X509 *peer = t->ssl ? SSL_get1_peer_certificate(t->ssl) : NULL;
	int len;

	if (!peer) {
		git_error_set(GIT_ERROR_SSL, "the server did not present a certificate");
		return -1;
	}
	OPENSSL_free(t->der);
	t->der = NULL;
	len = i2d_X509(peer, &t->der);
	X509_free(peer);
	if (len < 0) {
		git_error_set(GIT_ERROR_SSL, "cannot encode the server's certificate");
		return -1;
	}
	t->cert.parent.cert_type = GIT_CERT_X509;
	t->cert.data = t->der;
	t->cert.len = (size_t)len;
	*out = &t->cert.parent;
	return 0;
}

static ssize_t tls_read(git_stream *stream, void *data, size_t len)
{
	struct tls_stream *t = (struct tls_stream *)stream;
	int n = SSL_read(t->ssl, data, len > INT32_MAX ? INT32_MAX : (int)len);

	if (n <= 0) {
		if (SSL_get_error(t->ssl, n) == SSL_ERROR_ZERO_RETURN)
			return 0;
		tls_set_error(t, n, "reading from");
		return -1;
	}
	return note_read(&t->response_start, data, n);
}

static ssize_t tls_send_some(git_stream *stream, const char *data, size_t len)
{
	struct tls_stream *t = (struct tls_stream *)stream;
	int n = SSL_write(t->ssl, data, len > INT32_MAX ? INT32_MAX : (int)len);

	if (n <= 0) {
		tls_set_error(t, n, "writing to");
		return -1;
	}
	return n;
}

static ssize_t tls_write(git_stream *stream, const char *data, size_t len, int flags)
{
	struct tls_stream *t = (struct tls_stream *)stream;

	(void)flags;
	return write_request(stream, &t->response_start, data, len, tls_send_some);
}

static int tls_close(git_stream *stream)
{
	struct tls_stream *t = (struct tls_stream *)stream;
	if (t->ssl) {
		SSL_shutdown(t->ssl);      /* best effort: the socket closes anyway */
		ERR_clear_error();
	}
	return t->sock->close(t->sock);
}

static void tls_free(git_stream *stream)
{
	struct tls_stream *t = (struct tls_stream *)stream;
	SSL_free(t->ssl);
	OPENSSL_free(t->der);
	t->sock->free(t->sock);
	free(t);
}

static int tls_stream_new(git_stream **out, const char *host, const char *port)
{
	static pthread_mutex_t ctx_lock = PTHREAD_MUTEX_INITIALIZER;
	struct tls_stream *t;
	bool have;

	/* Made at the first connection (the CA bundle is set by then), shared after. */
	pthread_mutex_lock(&ctx_lock);
	if (!tls_ctx && tls_ctx_make() != 0)
		ERR_clear_error();
	have = tls_ctx != NULL;
	pthread_mutex_unlock(&ctx_lock);
	if (!have) {
		git_error_set(GIT_ERROR_SSL, "TLS: cannot load the trusted certificates");
		return -1;
	}
	if (!(t = calloc(1, sizeof(*t))) || timed_stream_new(&t->sock, host, port ? port : "443")) {
		free(t);
		git_error_set_oom();
		return -1;
	}
	t->parent.version = GIT_STREAM_VERSION;
	t->parent.encrypted = 1;
	t->parent.connect = tls_connect;
	t->parent.certificate = tls_certificate;
	t->parent.read = tls_read;
	t->parent.write = tls_write;
	t->parent.close = tls_close;
	t->parent.free = tls_free;
	*out = &t->parent;
	return 0;
}

int repo_set_fetch_timeout(unsigned seconds, struct rr_error *err)
{
	git_stream_registration reg;

	if (seconds == 0)
		return RR_OK;
	fetch_timeout_s = seconds;
	memset(&reg, 0, sizeof(reg));
	reg.version = GIT_STREAM_VERSION;
	reg.init = timed_stream_new;
	if (git_stream_register(GIT_STREAM_STANDARD, &reg) != 0)
		return rr_error_set(err, RR_ERR, "registering the git socket with a timeout: %s",
				    repo_git_message());
	/* TLS too is ours: over the timed socket, and it sees the plaintext answer. */
	reg.init = tls_stream_new;
	if (git_stream_register(GIT_STREAM_TLS, &reg) != 0)
		return rr_error_set(err, RR_ERR, "registering git's TLS stream: %s",
				    repo_git_message());
	return RR_OK;
}

/* HTTP status in a libgit2 message like "unexpected http status code: 502", or 0. */
static int repo_http_status(const char *msg)
{
	const char *p = strstr(msg, "status code: ");
	return p ? atoi(p + strlen("status code: ")) : 0;
}

/* A rate-limited git server waits like the API: 429, or 403 with Retry-After
 * (a forge's secondary limit). Without a visible header: a minute. */
#define GIT_RATE_LIMIT_DEFAULT_S 60

static int repo_classify_fetch_error(int git_rc, const struct fetch_auth *auth, long *retry_after)
{
	const git_error *e = git_error_last();
	int klass = e ? e->klass : GIT_ERROR_NONE;
	int status = repo_http_status(e && e->message ? e->message : "");
	long seen = git_http_seen.status == status ? git_http_seen.retry_after : 0;

	*retry_after = 0;
	if (status == 429 || (status == 403 && seen > 0)) {
		*retry_after = seen > 0 ? seen : GIT_RATE_LIMIT_DEFAULT_S;
		return RR_ETRANSIENT;
	}
	if (auth->elsewhere || (klass == GIT_ERROR_NET && e && e->message &&
				 strstr(e->message, "redirect")))
		return RR_ERR;     /* a server that redirects us away: not worth retrying */
	if (auth->rejected || git_rc == GIT_EAUTH || status == 401 || status == 403)
		return RR_EAUTH;
	if (status >= 500 || status == 408)
		return RR_ETRANSIENT;
	if (klass == GIT_ERROR_NET || klass == GIT_ERROR_SSL || klass == GIT_ERROR_OS ||
	    (klass == GIT_ERROR_HTTP && status == 0))
		return RR_ETRANSIENT;
	return RR_ERR;
}

/* The libgit2 message with any occurrence of the secret blanked out (belt and braces). */
static void repo_scrub(char *msg, const char *secret)
{
	size_t slen = secret ? strlen(secret) : 0;
	char *p;

	if (slen == 0)
		return;
	while ((p = strstr(msg, secret)) != NULL)
		memset(p, '*', slen);
}

/*
 * git_remote_create_anonymous, minus url.<base>.insteadOf rewriting: the mirror's
 * config holds no such rules, and looking them up leaks in Debian's libgit2 1.5.1
 * (pcre2 match data not freed on a non-match, libgit2 PR #6382; ~120 KB a fetch).
 * No name means nothing about the remote is written to the config.
 */
static int repo_remote_anonymous(git_remote **out, git_repository *repo, const char *url)
{
	git_remote_create_options ro;

	git_remote_create_options_init(&ro, GIT_REMOTE_CREATE_OPTIONS_VERSION);
	ro.repository = repo;
	ro.name = NULL;
	ro.flags = GIT_REMOTE_CREATE_SKIP_INSTEADOF | GIT_REMOTE_CREATE_SKIP_DEFAULT_FETCHSPEC;
	return git_remote_create_with_opts(out, url, &ro);
}

/* Packs in objects/pack of the mirror. */
static size_t repo_count_packs(const struct repo_mirror *m)
{
	char *dir = repo_fmt("%s/objects/pack", m->path);
	struct dirent *de;
	size_t n = 0, len;
	DIR *d;

	if (!dir || !(d = opendir(dir))) {
		free(dir);
		return 0;
	}
	while ((de = readdir(d)))
		if ((len = strlen(de->d_name)) > 5 && strcmp(de->d_name + len - 5, ".pack") == 0)
			n++;
	closedir(d);
	free(dir);
	return n;
}

/*
 * Every fetch adds a pack, and every object lookup searches each pack (817
 * packs after 2,000 deliveries). Past REPO_REPACK_PACKS, `git repack -adq`
 * folds them into one while we still hold the mirror's lock. Best effort: a
 * failed repack leaves a working mirror.
 */
static void repo_repack_if_needed(struct repo_mirror *m)
{
	size_t packs = repo_count_packs(m);
	int st;
	pid_t pid;

	if (packs <= REPO_REPACK_PACKS)
		return;
	/* posix_spawn, not fork: other threads hold locks a forked child would inherit. */
	char *argv[] = { (char *)"git", (char *)"-C", m->path, (char *)"repack", (char *)"-adq",
			 NULL };
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
	st = posix_spawnp(&pid, "git", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (st != 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		rr_log_kv(RR_LOG_WARN, "mirror.repack_failed", RR_KV_STR("path", m->path),
			  RR_KV_UINT("packs", packs));
		return;
	}
	/* libgit2 caches the pack list: drop it so lookups see the new pack. */
	git_repository_free(m->repo);
	m->repo = NULL;
	if (git_repository_open_bare(&m->repo, m->path) != 0)
		rr_log_kv(RR_LOG_ERROR, "mirror.reopen_failed", RR_KV_STR("path", m->path));
	rr_log_kv(RR_LOG_INFO, "mirror.repacked", RR_KV_STR("path", m->path),
		  RR_KV_UINT("packs", packs));
}

static void repo_log_fetched(const struct repo_mirror *m, const char *safe_url, uint64_t t0)
{
	rr_log_kv(RR_LOG_DEBUG, "mirror.fetched", RR_KV_STR("path", m->path),
		  RR_KV_STR("url", safe_url), RR_KV_UINT("elapsed_ms", rr_now_ms() - t0));
}

int repo_mirror_fetch(struct repo_mirror *m, const char *url, const char *const *refspecs,
		      size_t nrefspecs, const struct git_credentials *creds, struct rr_error *err)
{
	git_fetch_options opts;
	struct fetch_auth auth = { creds, url, 0, false, false };
	/* libgit2 only reads the refspecs; git_strarray just is not const-qualified. */
	git_strarray specs = { (char **)refspecs, nrefspecs };
	git_remote *remote = NULL;
	char safe_url[1024];
	bool had_password;
	uint64_t t0 = rr_now_ms();
	int rc = RR_OK, grc;

	if (!m || !url || !*url || (nrefspecs && !refspecs))
		return rr_error_set(err, RR_EINVAL, "fetching: missing mirror, URL or refspecs");
	/* The _INIT macros trip -Wmissing-field-initializers; the init functions do not. */
	git_fetch_options_init(&opts, GIT_FETCH_OPTIONS_VERSION);
	repo_url_strip_userinfo(url, safe_url, sizeof(safe_url), &had_password);
	if (had_password)
		return rr_error_set(err, RR_EINVAL,
				    "fetching %s: the URL carries a password; pass credentials separately",
				    safe_url);
	if (repo_remote_anonymous(&remote, m->repo, url) != 0) {
		rc = rr_error_set(err, RR_EINVAL, "fetching %s: bad remote: %s", safe_url,
				  repo_git_message());
		goto cleanup;
	}
	opts.callbacks.credentials = repo_credential_cb;
	opts.callbacks.payload = &auth;
	opts.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;
	opts.prune = GIT_FETCH_NO_PRUNE;
	opts.update_fetchhead = 0;   /* FETCH_HEAD would record the URL on disk */
	/* The token is for the forge's origin only: no redirect to another host,
	 * at any stage (libgit2 follows one on the first request by default). */
	opts.follow_redirects = GIT_REMOTE_REDIRECT_NONE;
	git_http_seen.status = 0;
	git_http_seen.retry_after = 0;
	grc = git_remote_fetch(remote, &specs, &opts, "rustreview fetch");
	if (grc != 0) {
		char detail[400];
		long retry_after = 0;
		int klass;
		snprintf(detail, sizeof(detail), "%s", repo_git_message());
		repo_scrub(detail, creds ? creds->password : NULL);
		klass = repo_classify_fetch_error(grc, &auth, &retry_after);
		rc = rr_error_set(err, klass, "fetching %s: %s", safe_url, detail);
		err->retry_after = retry_after;
		goto cleanup;
	}
	repo_log_fetched(m, safe_url, t0);
	repo_repack_if_needed(m);
cleanup:
	git_remote_free(remote);
	return rc;
}
