/*
 * nullserver.c — the ingest benchmark's hard ceiling: an HTTP/1.1 server on
 * 127.0.0.1 that reads each request (headers, then Content-Length bytes of
 * body) and answers "200 OK" (empty) without looking at it — no signature, no
 * JSON, no queue. One thread, epoll, keep-alive. Whatever wrk reaches against
 * it is the most any webhook server can reach on these cores with this load
 * generator and these payloads.
 *
 *   nullserver PORT_FILE      (writes the port it listens on, then serves until killed)
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_CONNS 4096
#define BUF_BYTES (64 * 1024)

struct conn {
	int fd;
	size_t have;           /* bytes of the current request in buf (headers only) */
	size_t body_left;      /* body bytes still to drop */
	char buf[BUF_BYTES];
};

static const char REPLY[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";

/* Content-Length of the header block hdr (NUL-terminated), 0 when absent. */
static size_t content_length(const char *hdr)
{
	for (const char *p = hdr; (p = strchr(p, '\n')); ) {
		p++;
		if (strncasecmp(p, "content-length:", 15) == 0)
			return (size_t)strtoull(p + 15, NULL, 10);
	}
	return 0;
}

/* Consumes what is in c->buf; returns -1 when the connection must close. */
static int serve(struct conn *c)
{
	for (;;) {
		char *end;
		size_t head;

		if (c->body_left) {
			size_t n = c->have < c->body_left ? c->have : c->body_left;
			c->body_left -= n;
			memmove(c->buf, c->buf + n, c->have - n);
			c->have -= n;
			if (c->body_left)
				return 0;
			if (write(c->fd, REPLY, sizeof(REPLY) - 1) != (ssize_t)(sizeof(REPLY) - 1))
				return -1;
			continue;
		}
		c->buf[c->have] = '\0';
		end = strstr(c->buf, "\r\n\r\n");
		if (!end)
			return c->have >= BUF_BYTES - 1 ? -1 : 0;
		head = (size_t)(end - c->buf) + 4;
		c->body_left = content_length(c->buf);
		memmove(c->buf, c->buf + head, c->have - head);
		c->have -= head;
		if (!c->body_left) {
			if (write(c->fd, REPLY, sizeof(REPLY) - 1) != (ssize_t)(sizeof(REPLY) - 1))
				return -1;
		}
		if (!c->have)
			return 0;
	}
}

int main(int argc, char **argv)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);
	struct epoll_event ev, evs[256];
	int one = 1, lfd, ep;
	FILE *pf;

	if (argc != 2) {
		fprintf(stderr, "usage: nullserver PORT_FILE\n");
		return 2;
	}
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (lfd < 0 || setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(lfd, (struct sockaddr *)&a, sizeof(a)) || listen(lfd, 1024) ||
	    getsockname(lfd, (struct sockaddr *)&a, &alen)) {
		perror("nullserver: listen");
		return 1;
	}
	if (!(pf = fopen(argv[1], "w")) || fprintf(pf, "%d\n", ntohs(a.sin_port)) < 0 || fclose(pf)) {
		perror("nullserver: port file");
		return 1;
	}
	ep = epoll_create1(0);
	ev.events = EPOLLIN;
	ev.data.ptr = NULL;
	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev)) {
		perror("nullserver: epoll");
		return 1;
	}
	for (;;) {
		int n = epoll_wait(ep, evs, 256, -1);
		for (int i = 0; i < n; i++) {
			struct conn *c = evs[i].data.ptr;
			if (!c) {
				int fd;
				while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
					struct conn *nc = calloc(1, sizeof(*nc));
					if (!nc) {
						close(fd);
						continue;
					}
					nc->fd = fd;
					setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
					ev.events = EPOLLIN;
					ev.data.ptr = nc;
					if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev)) {
						close(fd);
						free(nc);
					}
				}
				continue;
			}
			for (;;) {
				ssize_t r = read(c->fd, c->buf + c->have, BUF_BYTES - 1 - c->have);
				if (r > 0) {
					c->have += (size_t)r;
					if (serve(c) == 0)
						continue;
				} else if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
					break;
				}
				close(c->fd);      /* EOF, error or a request we cannot hold */
				free(c);
				break;
			}
		}
	}
}
