/*
 * main_local.c — the `rustreview` binary: the local commands (check, rules,
 * explain, help, --version) in a process that loads only what they need.
 *
 * Start-up is most of what a `check` of a small change costs, and two things
 * dominated it (README, Performance):
 *  - the libraries of the service: libcurl, libmicrohttpd and the database
 *    clients bring about 30 shared libraries (GnuTLS, Kerberos, LDAP, nghttp2,
 *    ...) whose loading, relocation and constructors cost more than libgit2
 *    itself. This binary does not link them: it is built from bot/cli.c with
 *    RR_CLI_LOCAL, and the service's commands (serve, jobs, healthcheck) run
 *    in rustreview-service beside it (cli_exec_service), as git keeps libcurl
 *    out of `git` by running git-remote-https.
 *  - git_libgit2_init parsing the system CA bundle: Debian's libgit2 is built
 *    with mbedTLS and loads /etc/ssl/certs/ca-certificates.crt at
 *    initialisation (about 4 ms, more than half of a bare libgit2 program),
 *    though a local review never opens a TLS connection. This binary defines
 *    the two mbedTLS functions that load certificates, and the dynamic linker
 *    binds libgit2's calls to these definitions (an executable's symbols come
 *    first in the lookup order): libgit2 gets an empty trust store, so any TLS
 *    connection from this process would fail verification rather than trust
 *    anything. The service binary does not have them and trusts the system
 *    bundle as before. With a libgit2 built on another TLS library they are
 *    simply never called.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

/* mbedTLS 2.28: int mbedtls_x509_crt_parse_file(mbedtls_x509_crt *chain,
 * const char *path) and ..._parse_path(chain, const char *path); 0 is
 * "loaded, none invalid". The chain stays as mbedtls_x509_crt_init left it:
 * empty. Exported by -Wl,--export-dynamic-symbol (Makefile). */
int mbedtls_x509_crt_parse_file(void *chain, const char *path);
int mbedtls_x509_crt_parse_path(void *chain, const char *path);

int mbedtls_x509_crt_parse_file(void *chain, const char *path)
{
	(void)chain;
	(void)path;
	return 0;
}

int mbedtls_x509_crt_parse_path(void *chain, const char *path)
{
	(void)chain;
	(void)path;
	return 0;
}

/* dir/CLI_SERVICE_BINARY of the file at exe (a path with a slash) into out. */
static int service_beside(const char *exe, char *out, size_t size)
{
	const char *slash = strrchr(exe, '/');
	int n;

	if (!slash)
		return -1;
	n = snprintf(out, size, "%.*s/%s", (int)(slash - exe), exe, CLI_SERVICE_BINARY);
	return n > 0 && (size_t)n < size ? 0 : -1;
}

int cli_exec_service(int argc, char **argv)
{
	char self[PATH_MAX], path[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	(void)argc;
	/* Beside this executable (a build dir, /usr/local/bin, the image); without
	 * /proc, beside argv[0] when it names a path; else on PATH. */
	if (n > 0) {
		self[n] = '\0';
		if (service_beside(self, path, sizeof(path)) == 0)
			execv(path, argv);
	} else if (service_beside(argv[0], path, sizeof(path)) == 0) {
		execv(path, argv);
	} else {
		snprintf(path, sizeof(path), "%s", CLI_SERVICE_BINARY);
		execvp(path, argv);
	}
	fprintf(stderr,
		"rustreview: %s runs in %s, which could not be started: %s: %s\n"
		"  (it is built and installed beside rustreview: make, make install)\n",
		argv[1], CLI_SERVICE_BINARY, path, strerror(errno));
	return CLI_EXIT_ERROR;
}

int main(int argc, char **argv)
{
	return cli_main(argc, argv, NULL);
}
