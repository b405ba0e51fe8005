/*
 * vport-bridge - carry the QEMU guest's USB/IP connections over one virtio
 * serial port to dfu-sim on the host's loopback, one fresh TCP connection
 * per connection the guest opens.
 *
 *   guest side (inside the initramfs, statically linked):
 *     vport-bridge guest [--port-dev /dev/vport0p1] [--listen 127.0.0.1:3240]
 *   host side (QEMU's chardev connects to it):
 *     vport-bridge host --chardev PATH [--connect 127.0.0.1:3240]
 *
 * The guest side waits for the host side's hello, then listens on the
 * guest's own loopback. Each connection it accepts (usbip list, usbip
 * attach: one import each) gets an id and an 'O' frame; its bytes go as 'D'
 * frames; its end as a 'C' frame. The host side listens on a Unix socket for
 * QEMU's `-chardev socket,path=PATH`, sends hello on every chardev
 * connection, connects to dfu-sim for every 'O', and forwards both ways.
 * When dfu-sim closes an import (the board re-enumerated), the 'C' frame
 * makes the guest side close the socket vhci-hcd holds, which vhci reports
 * as an unplug; the guest's agent then attaches again on a new connection.
 * The framing is described in interop/include/interop/vport_frame.h.
 *
 * Single-threaded, one poll loop, blocking writes: USB/IP traffic is small
 * request/response pairs. A broken frame stream is reported with the
 * decoder's reason and ends the program (exit 1): the suite fails loudly
 * instead of guessing where the next frame starts.
 */
#define _GNU_SOURCE /* accept4 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "interop/vport_frame.h"

#define MAX_CONNS 32

struct conn {
	int fd;			/* -1: free */
	uint8_t id;
};

struct bridge {
	bool guest;
	int link;		/* the vport (guest) or QEMU's chardev connection (host) */
	int listener;		/* guest: TCP 127.0.0.1:3240; host: the Unix socket */
	struct sockaddr_in target; /* host: dfu-sim */
	struct conn conns[MAX_CONNS];
	uint8_t next_id;
	struct vpb_decoder dec;
	bool link_up;		/* guest: hello seen */
};

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	struct timespec ts;
	va_list ap;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	fprintf(stderr, "%ld.%03ld vport-bridge: ", (long)ts.tv_sec, ts.tv_nsec / 1000000);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN) {
				struct pollfd pfd = { .fd = fd, .events = POLLOUT };

				poll(&pfd, 1, 1000);
				continue;
			}
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int send_frame(struct bridge *b, uint8_t type, uint8_t id, const uint8_t *data, size_t len)
{
	uint8_t buf[VPB_MAX_FRAME];
	int n = vpb_encode(buf, sizeof(buf), type, id, data, len);

	if (n < 0) {
		say("cannot encode a %s frame for connection %u: %s", vpb_type_name(type), id,
		    dfu_strerror(n));
		return n;
	}
	if (b->link < 0)
		return 0;
	if (write_all(b->link, buf, (size_t)n) < 0) {
		say("writing to the %s failed: %s", b->guest ? "virtio port" : "chardev",
		    strerror(errno));
		return DFU_E_IO;
	}
	return 0;
}

static struct conn *find_conn(struct bridge *b, uint8_t id)
{
	for (int i = 0; i < MAX_CONNS; i++)
		if (b->conns[i].fd >= 0 && b->conns[i].id == id)
			return &b->conns[i];
	return NULL;
}

static struct conn *free_slot(struct bridge *b)
{
	for (int i = 0; i < MAX_CONNS; i++)
		if (b->conns[i].fd < 0)
			return &b->conns[i];
	return NULL;
}

static void drop_conn(struct conn *c, const char *why)
{
	say("connection %u closed (%s)", c->id, why);
	shutdown(c->fd, SHUT_RDWR);
	close(c->fd);
	c->fd = -1;
}

static void drop_all(struct bridge *b, const char *why)
{
	for (int i = 0; i < MAX_CONNS; i++)
		if (b->conns[i].fd >= 0)
			drop_conn(&b->conns[i], why);
}

static int parse_addr(const char *text, struct sockaddr_in *sa)
{
	char host[64];
	const char *colon = strrchr(text, ':');
	char *end;
	long port;

	if (!colon || (size_t)(colon - text) >= sizeof(host))
		return -1;
	memcpy(host, text, (size_t)(colon - text));
	host[colon - text] = '\0';
	port = strtol(colon + 1, &end, 10);
	if (*end || port < 1 || port > 65535)
		return -1;
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)port);
	return inet_pton(AF_INET, host, &sa->sin_addr) == 1 ? 0 : -1;
}

static void set_nodelay(int fd)
{
	int one = 1;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

/* ---- frames from the other side ---- */

static int on_frame(struct bridge *b, const struct vpb_frame *f)
{
	struct conn *c;

	switch (f->type) {
	case VPB_HELLO:
		if (!b->guest) {
			say("hello frame from the guest side: both ends run in host mode?");
			return DFU_E_PROTOCOL;
		}
		drop_all(b, "the host side connected again");
		b->link_up = true;
		say("link up: the host side said hello");
		return 0;
	case VPB_OPEN:
		if (b->guest) {
			say("open frame for connection %u from the host side: only the guest opens",
			    f->id);
			return DFU_E_PROTOCOL;
		}
		if (find_conn(b, f->id)) {
			say("open frame for connection %u, which is open already", f->id);
			return DFU_E_PROTOCOL;
		}
		c = free_slot(b);
		if (!c) {
			say("connection %u refused: %d connections are open", f->id, MAX_CONNS);
			return send_frame(b, VPB_CLOSE, f->id, NULL, 0);
		}
		c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (c->fd < 0 || connect(c->fd, (struct sockaddr *)&b->target, sizeof(b->target)) < 0) {
			say("connection %u: connect to %s:%u failed: %s", f->id,
			    inet_ntoa(b->target.sin_addr), ntohs(b->target.sin_port), strerror(errno));
			if (c->fd >= 0)
				close(c->fd);
			c->fd = -1;
			return send_frame(b, VPB_CLOSE, f->id, NULL, 0);
		}
		set_nodelay(c->fd);
		c->id = f->id;
		say("connection %u open to %s:%u", f->id, inet_ntoa(b->target.sin_addr),
		    ntohs(b->target.sin_port));
		return 0;
	case VPB_DATA:
		c = find_conn(b, f->id);
		if (!c)
			return 0; /* closed here, the other side does not know yet */
		if (write_all(c->fd, f->data, f->len) < 0) {
			drop_conn(c, strerror(errno));
			return send_frame(b, VPB_CLOSE, f->id, NULL, 0);
		}
		return 0;
	case VPB_CLOSE:
		c = find_conn(b, f->id);
		if (c)
			drop_conn(c, "the other side closed it");
		return 0;
	default:
		return DFU_E_PROTOCOL; /* the decoder lets no other type through */
	}
}

static int on_link_readable(struct bridge *b)
{
	uint8_t buf[8192];
	ssize_t n = read(b->link, buf, sizeof(buf));
	size_t off = 0;

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (n <= 0) {
		if (b->guest) {
			/* The vport reads EOF while the host end is not connected. */
			struct timespec pause = { 0, 50 * 1000 * 1000 };

			nanosleep(&pause, NULL);
			return 0;
		}
		say("QEMU closed the chardev connection");
		close(b->link);
		b->link = -1;
		drop_all(b, "the chardev closed");
		return 0;
	}
	while (off < (size_t)n) {
		struct dfu_diag diag = { 0 };
		struct vpb_frame f;
		size_t used;
		int rc = vpb_decode(&b->dec, buf + off, (size_t)n - off, &used, &f, &diag);

		off += used;
		if (rc < 0) {
			say("broken frame stream from the %s at byte %zu: %s (%s)",
			    b->guest ? "host side" : "guest side", diag.offset, diag.msg,
			    dfu_strerror(rc));
			return rc;
		}
		if (rc > 0 && (rc = on_frame(b, &f)) < 0)
			return rc;
	}
	return 0;
}

static int on_conn_readable(struct bridge *b, struct conn *c)
{
	uint8_t buf[VPB_MAX_DATA];
	ssize_t n = read(c->fd, buf, sizeof(buf));
	uint8_t id = c->id;

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (n <= 0) {
		drop_conn(c, n == 0 ? "end of stream" : strerror(errno));
		return send_frame(b, VPB_CLOSE, id, NULL, 0);
	}
	return send_frame(b, VPB_DATA, id, buf, (size_t)n);
}

static int on_accept(struct bridge *b)
{
	int fd = accept4(b->listener, NULL, NULL, SOCK_CLOEXEC);
	struct conn *c;

	if (fd < 0)
		return 0;
	if (!b->guest) {
		if (b->link >= 0) {
			say("a new chardev connection replaces the old one");
			close(b->link);
			drop_all(b, "the chardev reconnected");
		}
		b->link = fd;
		vpb_decoder_init(&b->dec);
		say("QEMU connected its chardev; hello");
		return send_frame(b, VPB_HELLO, 0, (const uint8_t *)VPB_HELLO_MAGIC,
				  VPB_HELLO_SIZE);
	}
	c = free_slot(b);
	if (!c) {
		say("refusing a connection: %d are open", MAX_CONNS);
		close(fd);
		return 0;
	}
	do
		b->next_id = (uint8_t)(b->next_id + 1);
	while (b->next_id == 0 || find_conn(b, b->next_id));
	c->fd = fd;
	c->id = b->next_id;
	set_nodelay(fd);
	say("connection %u accepted", c->id);
	return send_frame(b, VPB_OPEN, c->id, NULL, 0);
}

static int run(struct bridge *b)
{
	for (;;) {
		struct pollfd pfd[MAX_CONNS + 2];
		struct conn *who[MAX_CONNS + 2];
		nfds_t n = 0;
		int rc = 0;

		if (b->link >= 0) {
			pfd[n] = (struct pollfd){ .fd = b->link, .events = POLLIN };
			who[n++] = NULL;
		}
		if (b->listener >= 0 && (!b->guest || b->link_up)) {
			pfd[n] = (struct pollfd){ .fd = b->listener, .events = POLLIN };
			who[n++] = NULL;
		}
		for (int i = 0; i < MAX_CONNS; i++) {
			if (b->conns[i].fd < 0)
				continue;
			pfd[n] = (struct pollfd){ .fd = b->conns[i].fd, .events = POLLIN };
			who[n++] = &b->conns[i];
		}
		if (poll(pfd, n, -1) < 0) {
			if (errno == EINTR)
				continue;
			say("poll: %s", strerror(errno));
			return 1;
		}
		for (nfds_t i = 0; i < n && rc >= 0; i++) {
			if (!(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			if (who[i]) {
				if (who[i]->fd == pfd[i].fd)
					rc = on_conn_readable(b, who[i]);
			} else if (pfd[i].fd == b->link) {
				rc = on_link_readable(b);
			} else if (pfd[i].fd == b->listener) {
				rc = on_accept(b);
			}
		}
		if (rc < 0)
			return 1;
	}
}

static int usage(const char *msg)
{
	if (msg)
		fprintf(stderr, "vport-bridge: %s\n", msg);
	fprintf(msg ? stderr : stdout,
		"usage: vport-bridge guest [--port-dev PATH] [--listen ADDR:PORT]\n"
		"       vport-bridge host --chardev PATH [--connect ADDR:PORT]\n"
		"Carries the guest's TCP connections over one virtio serial port, one\n"
		"fresh host TCP connection (to dfu-sim) per guest connection.\n"
		"Defaults: --port-dev /dev/vport0p1, --listen 127.0.0.1:3240,\n"
		"--connect 127.0.0.1:3240.\n");
	return msg ? 64 : 0;
}

int main(int argc, char **argv)
{
	static struct bridge b;
	const char *port_dev = "/dev/vport0p1", *listen_at = "127.0.0.1:3240";
	const char *chardev = NULL, *connect_to = "127.0.0.1:3240";
	struct sockaddr_in sa;
	int one = 1;

	if (argc < 2)
		return usage("say guest or host");
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
		return usage(NULL);
	if (strcmp(argv[1], "guest") && strcmp(argv[1], "host"))
		return usage("the first argument is guest or host");
	b.guest = !strcmp(argv[1], "guest");
	for (int i = 2; i < argc; i++) {
		const char **slot = NULL;

		if (!strcmp(argv[i], "--port-dev"))
			slot = &port_dev;
		else if (!strcmp(argv[i], "--listen"))
			slot = &listen_at;
		else if (!strcmp(argv[i], "--chardev"))
			slot = &chardev;
		else if (!strcmp(argv[i], "--connect"))
			slot = &connect_to;
		else
			return usage("unknown option; see --help");
		if (++i >= argc)
			return usage("an option lacks its value");
		*slot = argv[i];
	}
	for (int i = 0; i < MAX_CONNS; i++)
		b.conns[i].fd = -1;
	b.link = b.listener = -1;
	vpb_decoder_init(&b.dec);
	signal(SIGPIPE, SIG_IGN);

	if (b.guest) {
		if (parse_addr(listen_at, &sa) < 0)
			return usage("--listen takes a numeric IPv4 ADDR:PORT");
		b.link = open(port_dev, O_RDWR | O_CLOEXEC);
		if (b.link < 0) {
			fprintf(stderr, "vport-bridge: cannot open %s: %s (is virtio_console loaded "
				"and the port given to QEMU?)\n", port_dev, strerror(errno));
			return 1;
		}
		b.listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		setsockopt(b.listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (b.listener < 0 || bind(b.listener, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
		    listen(b.listener, 8) < 0) {
			fprintf(stderr, "vport-bridge: cannot listen on %s: %s\n", listen_at,
				strerror(errno));
			return 1;
		}
		say("guest side on %s, waiting for the host side's hello on %s", listen_at,
		    port_dev);
	} else {
		struct sockaddr_un un = { .sun_family = AF_UNIX };

		if (!chardev)
			return usage("host mode needs --chardev PATH");
		if (strlen(chardev) >= sizeof(un.sun_path))
			return usage("--chardev: the path is too long for a Unix socket");
		if (parse_addr(connect_to, &b.target) < 0)
			return usage("--connect takes a numeric IPv4 ADDR:PORT");
		strcpy(un.sun_path, chardev);
		unlink(chardev);
		b.listener = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (b.listener < 0 || bind(b.listener, (struct sockaddr *)&un, sizeof(un)) < 0 ||
		    listen(b.listener, 2) < 0) {
			fprintf(stderr, "vport-bridge: cannot listen on %s: %s\n", chardev,
				strerror(errno));
			return 1;
		}
		say("host side on %s, forwarding to %s", chardev, connect_to);
	}
	return run(&b);
}
