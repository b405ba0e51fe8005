/* fuzz_usbip_client.c - dfu-flash's USB/IP client (host/src/xport_usbip.c)
 * against a server whose every byte comes from the fuzz input.
 *
 * The input is one chunk per TCP connection the client opens, in order:
 * [u16 little-endian length][that many bytes]. A loopback server thread
 * accepts each connection, writes its chunk whatever the client sent, and
 * shuts down its sending side, so the client reads exactly those bytes and
 * then end-of-file: nothing waits for a timeout. Connections past the last
 * chunk get nothing. The client does what `dfu-flash --usbip -l` and a short
 * download do: list, import and describe every device, open the first one,
 * run GETSTATUS, a DNLOAD, an UPLOAD and a port reset, enumerate again (the
 * re-import path) and free everything. It must fail cleanly, whatever the
 * bytes: no out-of-bounds access, no leak, no hang.
 *
 * The kept corpus (fuzz/corpus/usbip_client) holds what dfu-sim really
 * answers to that sequence. To record it again, start dfu-sim on
 * 127.0.0.1:PORT and run the harness on any one input with
 * DFULAB_FUZZ_RECORD=PORT:FILE: the server thread then relays every
 * connection to dfu-sim and writes what dfu-sim sent, in this format, to
 * FILE.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dfu/dfu_proto.h"
#include "host/xport_usbip.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_CONNS 16
#define XFER 64

struct server {
	int lfd;
	uint16_t port;
	int stop[2];			/* a pipe: the client is done */
	const uint8_t *p;		/* the chunks not yet served */
	size_t n;
	int conns[MAX_CONNS];
	size_t nconns;
	/* recording mode: relay to dfu-sim on this port, write the input here */
	uint16_t upstream;
	const char *record_to;
};

static void send_fully(int fd, const uint8_t *p, size_t len)
{
	while (len) {
		ssize_t k = send(fd, p, len, MSG_NOSIGNAL);
		if (k <= 0) {
			if (k < 0 && errno == EINTR)
				continue;
			return; /* the client closed first: its own business */
		}
		p += k;
		len -= (size_t)k;
	}
}

static size_t next_chunk(struct server *s, const uint8_t **chunk)
{
	size_t len;

	if (s->n < 2) {
		s->n = 0;
		return 0;
	}
	len = (size_t)s->p[0] | (size_t)s->p[1] << 8;
	s->p += 2;
	s->n -= 2;
	if (len > s->n)
		len = s->n;
	*chunk = s->p;
	s->p += len;
	s->n -= len;
	return len;
}

/* ---- recording: relay to dfu-sim, keep what it answered per connection ---- */

struct pair {
	int c, u;		/* the client's side, dfu-sim's side */
	uint8_t *got;		/* what dfu-sim sent on it */
	size_t len;
};

static int connect_upstream(uint16_t port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* One step of a pair: copy what is readable on `from` to `to`. 0 at EOF. */
static int pump(int from, int to, struct pair *keep)
{
	uint8_t buf[4096];
	ssize_t k = recv(from, buf, sizeof(buf), 0);

	if (k <= 0)
		return 0;
	send_fully(to, buf, (size_t)k);
	if (keep) {
		uint8_t *g = realloc(keep->got, keep->len + (size_t)k);
		if (!g)
			return 0;
		keep->got = g;
		memcpy(g + keep->len, buf, (size_t)k);
		keep->len += (size_t)k;
	}
	return 1;
}

static void *relay(void *arg)
{
	struct server *s = arg;
	struct pair pr[MAX_CONNS];
	size_t np = 0;
	FILE *f;

	for (;;) {
		struct pollfd pf[2 + 2 * MAX_CONNS] = { { .fd = s->lfd, .events = POLLIN },
							{ .fd = s->stop[0], .events = POLLIN } };
		for (size_t i = 0; i < np; i++) {
			pf[2 + 2 * i] = (struct pollfd){ .fd = pr[i].c, .events = POLLIN };
			pf[3 + 2 * i] = (struct pollfd){ .fd = pr[i].u, .events = POLLIN };
		}
		if (poll(pf, 2 + 2 * np, -1) < 0)
			break;
		if (pf[1].revents)
			break;
		for (size_t i = 0; i < np; i++) {
			if (pr[i].c >= 0 && pf[2 + 2 * i].revents && !pump(pr[i].c, pr[i].u, NULL)) {
				close(pr[i].c);
				pr[i].c = -1;
			}
			if (pr[i].u >= 0 && pf[3 + 2 * i].revents &&
			    !pump(pr[i].u, pr[i].c, &pr[i])) {
				close(pr[i].u);
				pr[i].u = -1;
			}
		}
		if (pf[0].revents && np < MAX_CONNS) {
			pr[np] = (struct pair){ .c = accept(s->lfd, NULL, NULL),
						.u = connect_upstream(s->upstream) };
			if (pr[np].c >= 0 && pr[np].u >= 0)
				np++;
		}
	}
	f = fopen(s->record_to, "wb");
	for (size_t i = 0; i < np; i++) {
		size_t len = pr[i].len > 0xFFFF ? 0xFFFF : pr[i].len;
		if (f) {
			fputc((int)(len & 0xFF), f);
			fputc((int)(len >> 8), f);
			fwrite(pr[i].got, 1, len, f);
		}
		if (pr[i].c >= 0)
			close(pr[i].c);
		if (pr[i].u >= 0)
			close(pr[i].u);
		free(pr[i].got);
	}
	if (!f || fclose(f) != 0)
		fprintf(stderr, "fuzz_usbip_client: cannot write %s\n", s->record_to);
	return NULL;
}

/* ---- fuzzing: every connection gets its chunk, then end-of-file ---- */

static void *serve(void *arg)
{
	struct server *s = arg;

	for (;;) {
		struct pollfd pf[2] = { { .fd = s->lfd, .events = POLLIN },
					{ .fd = s->stop[0], .events = POLLIN } };
		const uint8_t *chunk = NULL;
		size_t len;
		int c;

		if (poll(pf, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pf[1].revents)
			break;
		c = accept(s->lfd, NULL, NULL);
		if (c < 0)
			continue;
		len = next_chunk(s, &chunk);
		if (len)
			send_fully(c, chunk, len);
		shutdown(c, SHUT_WR);
		if (s->nconns < MAX_CONNS)
			s->conns[s->nconns++] = c; /* closed after the client: it reads all */
		else
			close(c);
	}
	return NULL;
}

static int server_listen(struct server *s)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof(a);

	s->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s->lfd < 0 || bind(s->lfd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    listen(s->lfd, MAX_CONNS) != 0 || getsockname(s->lfd, (struct sockaddr *)&a, &al) != 0)
		return -1;
	s->port = ntohs(a.sin_port);
	return 0;
}

/* Keeps the first device listed; visits them all, as -l does. */
static int on_device(void *ctx, const struct xport_dev_info *d)
{
	struct xport_dev_info *first = ctx;
	if (!first->path[0])
		*first = *d;
	return 0;
}

/* What dfu-flash does with a device, cut short: status, a block each way, reset. */
static void use_device(const struct xport *x, const struct xport_dev_info *d)
{
	struct xport_handle *h;
	uint8_t out[XFER], in[XFER];
	struct dfu_setup st = { 0xA1, DFU_GETSTATUS, 0, 0, 6 };
	struct dfu_setup dn = { 0x21, DFU_DNLOAD, 2, 0, XFER };
	struct dfu_setup up = { 0xA1, DFU_UPLOAD, 2, 0, XFER };

	if (xport_open(x, d, &h) < 0)
		return;
	memset(out, 0x5A, sizeof(out));
	xport_control(x, h, &st, NULL, in, 100);
	xport_control(x, h, &dn, out, NULL, 100);
	xport_control(x, h, &st, NULL, in, 100);
	xport_control(x, h, &up, NULL, in, 100);
	xport_reset(x, h);
	xport_close(x, h);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct server s = { .lfd = -1 };
	struct xport_dev_info first;
	struct xport_usbip *t;
	struct xport x;
	pthread_t th;

	if (s.lfd < 0) {
		const char *rec = getenv("DFULAB_FUZZ_RECORD"); /* "PORT:FILE" */
		if (server_listen(&s) != 0) {
			perror("fuzz_usbip_client: loopback listener");
			abort();
		}
		if (rec && strchr(rec, ':')) {
			s.upstream = (uint16_t)atoi(rec);
			s.record_to = strchr(rec, ':') + 1;
		}
	}
	if (pipe(s.stop) != 0)
		abort();
	s.p = data;
	s.n = size;
	s.nconns = 0;
	if (pthread_create(&th, NULL, s.upstream ? relay : serve, &s) != 0)
		abort();

	t = xport_usbip_new("127.0.0.1", s.port);
	if (t) {
		xport_usbip_set_mgmt_timeout(t, 200);
		x = xport_usbip(t);
		memset(&first, 0, sizeof(first));
		xport_enumerate(&x, on_device, &first);
		if (first.path[0])
			use_device(&x, &first);
		memset(&first, 0, sizeof(first));
		xport_enumerate(&x, on_device, &first);
		if (first.path[0])
			use_device(&x, &first);
		xport_usbip_free(t);
	}

	if (write(s.stop[1], "", 1) != 1)
		abort();
	pthread_join(th, NULL);
	for (size_t i = 0; i < s.nconns; i++)
		close(s.conns[i]);
	close(s.stop[0]);
	close(s.stop[1]);
	return 0;
}
