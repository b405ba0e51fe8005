/*
 * usbip_server.c - the USB/IP server: devices as busids "1-N" on bus 1, and
 * one epoll loop that moves bytes between sockets and connections
 * ([usbip-protocol]; vhci's rules in [usbip-vhci]).
 *
 * The loop accepts clients, reads what they send into their connection
 * (usbip_conn.c, which never touches a socket), writes the replies back,
 * releases held replies on time and sweeps connections that are done. The
 * server object keeps what is shared by all connections: the devices (any
 * struct sim_bus_dev; boards also persist), who imported which, each
 * device's virtual clock and what was last persisted.
 */
#define _GNU_SOURCE /* accept4 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "dfu/usbip_proto.h"
#include "usbip_internal.h"

/* A connection that is closing gets this long to flush its output. */
#define CLOSE_GRACE_US 2000000u

/* ---- time and logging ---- */

uint64_t usbip_srv_mono_us(struct usbip_server *s)
{
	struct timespec ts;

	if (s->cfg.clock_us)
		return s->cfg.clock_us(s->cfg.clock_ctx);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

void usbip_srv_log(struct usbip_server *s, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	if (!s->cfg.log)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	s->cfg.log(s->cfg.log_ctx, line);
}

uint64_t usbip_server_board_now(struct usbip_server *s, size_t board)
{
	uint64_t now = usbip_srv_mono_us(s) - s->start_us + s->skip_us[board];

	/* A board may have run an operation into the future (an erase that
	 * ends after its duration); its clock never goes back. */
	if (s->board[board] && now < s->board[board]->chip.now_us)
		now = s->board[board]->chip.now_us;
	if (now < s->vt_last[board])
		now = s->vt_last[board];
	s->vt_last[board] = now;
	return now;
}

void usbip_server_busid(size_t board, char *out, size_t cap)
{
	snprintf(out, cap, "%d-%zu", USBIP_SERVER_BUS, board + 1);
}

int usbip_server_find_busid(const struct usbip_server *s, const char *busid)
{
	char want[USBIP_BUSID_SIZE];

	for (size_t i = 0; i < s->ndevs; i++) {
		usbip_server_busid(i, want, sizeof(want));
		if (strcmp(want, busid) == 0)
			return (int)i;
	}
	return -1;
}

bool usbip_server_imported(const struct usbip_server *s, size_t board)
{
	return board < s->ndevs && s->importer[board] != NULL;
}

/* ---- the server object ---- */

bool usbip_srv_dev_present(struct usbip_server *s, size_t i)
{
	const struct sim_bus_dev *d = &s->devs[i];

	/* Only a device that keeps time reads the clock: looking at a board
	 * leaves its virtual time as it was. */
	if (d->ops->tick)
		d->ops->tick(d->dev, usbip_server_board_now(s, i));
	return sim_bus_dev_on_bus(d);
}

size_t usbip_server_ndevs(const struct usbip_server *s)
{
	return s->ndevs;
}

const struct sim_bus_dev *usbip_server_dev(const struct usbip_server *s, size_t i)
{
	return i < s->ndevs ? &s->devs[i] : NULL;
}

/* ---- the server object ---- */

int usbip_server_new_devs(struct usbip_server **out, const struct usbip_server_config *cfg,
			  const struct sim_bus_dev *devs, size_t n)
{
	struct usbip_server *s;

	*out = NULL;
	if (!cfg || n > USBIP_SERVER_MAX_BOARDS || (n && !devs))
		return DFU_E_INVAL;
	for (size_t i = 0; i < n; i++)
		if (!sim_bus_dev_valid(&devs[i]))
			return DFU_E_INVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return DFU_E_NOMEM;
	s->cfg = *cfg;
	if (!s->cfg.max_conns)
		s->cfg.max_conns = USBIP_SERVER_DEFAULT_CONNS;
	s->ndevs = n;
	for (size_t i = 0; i < n; i++) {
		s->devs[i] = devs[i];
		s->board[i] = sim_board_of_bus_dev(&devs[i]);
		if (s->board[i])
			s->last_mutations[i] = s->board[i]->chip.mutations;
	}
	s->listen_fd = -1;
	s->epoll_fd = -1;
	s->start_us = usbip_srv_mono_us(s);
	*out = s;
	return DFU_OK;
}

int usbip_server_new(struct usbip_server **out, const struct usbip_server_config *cfg,
		     struct sim_board *const *boards, size_t n)
{
	struct sim_bus_dev devs[USBIP_SERVER_MAX_BOARDS];

	*out = NULL;
	if (!cfg || n > USBIP_SERVER_MAX_BOARDS || (n && !boards))
		return DFU_E_INVAL;
	for (size_t i = 0; i < n; i++) {
		if (!boards[i])
			return DFU_E_INVAL;
		devs[i] = sim_board_bus_dev(boards[i]);
	}
	return usbip_server_new_devs(out, cfg, devs, n);
}

static void conn_close(struct usbip_conn *c);

void usbip_server_free(struct usbip_server *s)
{
	if (!s)
		return;
	while (s->conns)
		conn_close(s->conns);
	if (s->listen_fd >= 0)
		close(s->listen_fd);
	if (s->epoll_fd >= 0)
		close(s->epoll_fd);
	free(s);
}

uint16_t usbip_server_port(const struct usbip_server *s)
{
	return s->port;
}

void usbip_server_stop(struct usbip_server *s)
{
	s->stop = true;
}

/* ---- persistence ---- */

int usbip_srv_persist(struct usbip_server *s, size_t i)
{
	struct sim_board *b = s->board[i];
	int rc;

	/* Only a board has state to persist: other devices forget at power off. */
	if (!b || b->chip.mutations == s->last_mutations[i] || !s->cfg.persist)
		return 0;
	rc = s->cfg.persist(s->cfg.persist_ctx, i, b);
	if (rc < 0)
		return rc;
	s->last_mutations[i] = b->chip.mutations;
	return 0;
}

/* ---- the socket loop ---- */

static int set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

int usbip_server_listen(struct usbip_server *s, struct dfu_diag *diag)
{
	const char *addr = s->cfg.listen_addr ? s->cfg.listen_addr : "127.0.0.1";
	struct sockaddr_storage ss;
	socklen_t sl;
	struct epoll_event ev = { .events = EPOLLIN };
	int one = 1;
	int fd;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, addr, &((struct sockaddr_in *)&ss)->sin_addr) == 1) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(s->cfg.port);
		sl = sizeof(*sin);
	} else if (inet_pton(AF_INET6, addr, &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(s->cfg.port);
		sl = sizeof(*sin6);
	} else {
		return dfu_diag_set(diag, DFU_E_INVAL, 0,
				    "\"%s\" is not a numeric IPv4 or IPv6 address", addr);
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return dfu_diag_set(diag, DFU_E_IO, 0, "socket: %s", strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0 || listen(fd, 16) < 0) {
		int e = errno;

		close(fd);
		return dfu_diag_set(diag, DFU_E_IO, 0, "%s port %u: %s", addr,
				    (unsigned)s->cfg.port, strerror(e));
	}
	sl = sizeof(ss);
	getsockname(fd, (struct sockaddr *)&ss, &sl);
	s->port = ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
						: ((struct sockaddr_in6 *)&ss)->sin6_port);
	s->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (s->epoll_fd < 0) {
		int e = errno;

		close(fd);
		return dfu_diag_set(diag, DFU_E_IO, 0, "epoll_create1: %s", strerror(e));
	}
	ev.data.ptr = NULL; /* NULL: the listening socket */
	if (epoll_ctl(s->epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		int e = errno;

		close(fd);
		return dfu_diag_set(diag, DFU_E_IO, 0, "epoll_ctl: %s", strerror(e));
	}
	s->listen_fd = fd;
	return 0;
}

int usbip_server_watch(struct usbip_server *s, int fd, uint32_t events, usbip_watch_fn fn,
		       void *ctx)
{
	struct epoll_event ev = { .events = events };

	unsigned i;

	if (s->epoll_fd < 0 || fd < 0 || !fn)
		return DFU_E_INVAL;
	for (i = 0; i < s->nwatches && s->watches[i].fn; i++)
		;
	if (i == MAX_WATCHES)
		return DFU_E_BUSY;
	s->watches[i] = (struct watch){ fd, fn, ctx };
	ev.data.ptr = &s->watches[i];
	if (epoll_ctl(s->epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		s->watches[i] = (struct watch){ -1, NULL, NULL };
		return DFU_E_IO;
	}
	if (i == s->nwatches)
		s->nwatches++;
	return 0;
}

int usbip_server_unwatch(struct usbip_server *s, int fd)
{
	for (unsigned i = 0; i < s->nwatches; i++) {
		if (s->watches[i].fd != fd)
			continue;
		epoll_ctl(s->epoll_fd, EPOLL_CTL_DEL, fd, NULL);
		/* epoll holds a pointer to the slot: clear it for reuse. An event
		 * already fetched for this fd may still reach the slot's next
		 * owner in this round; watchers use non-blocking I/O. */
		s->watches[i].fd = -1;
		s->watches[i].fn = NULL;
		return 0;
	}
	return DFU_E_NOTFOUND;
}

static bool is_watch(const struct usbip_server *s, const void *p)
{
	return p >= (const void *)&s->watches[0] && p < (const void *)&s->watches[MAX_WATCHES];
}

/* Free a connection, closing its socket first. */
static void conn_close(struct usbip_conn *c)
{
	if (c->fd >= 0) {
		if (c->s->epoll_fd >= 0)
			epoll_ctl(c->s->epoll_fd, EPOLL_CTL_DEL, c->fd, NULL);
		close(c->fd);
		c->fd = -1;
	}
	usbip_conn_free(c);
}

static void conn_update_events(struct usbip_conn *c)
{
	uint32_t want = 0;
	struct epoll_event ev;

	if (c->fd < 0 || c->dead)
		return;
	if (!c->closing && c->in_len < CONN_IN_CAP && usbip_conn_pending(c) < CONN_OUT_HIGH)
		want |= EPOLLIN;
	if (usbip_conn_pending(c))
		want |= EPOLLOUT;
	if (want == c->events)
		return;
	ev.events = want;
	ev.data.ptr = c;
	epoll_ctl(c->s->epoll_fd, EPOLL_CTL_MOD, c->fd, &ev);
	c->events = want;
}

static void accept_all(struct usbip_server *s)
{
	for (;;) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		struct epoll_event ev = { .events = EPOLLIN };
		char host[INET6_ADDRSTRLEN] = "?";
		unsigned port = 0;
		struct usbip_conn *c;
		int one = 1;
		int fd = accept4(s->listen_fd, (struct sockaddr *)&ss, &sl,
				 SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0)
			return;
		if (ss.ss_family == AF_INET) {
			inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, host, sizeof(host));
			port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
		} else if (ss.ss_family == AF_INET6) {
			inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, host,
				  sizeof(host));
			port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
		}
		c = usbip_conn_new(s);
		if (!c) {
			usbip_srv_log(s, "usbip: %s:%u refused: %u connections already open (the limit)", host,
			     port, s->nconns);
			close(fd);
			continue;
		}
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		set_nonblock(fd);
		c->fd = fd;
		snprintf(c->peer, sizeof(c->peer), "%s:%u", host, port);
		ev.data.ptr = c;
		if (epoll_ctl(s->epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0) {
			conn_close(c);
			continue;
		}
		c->events = EPOLLIN;
		usbip_srv_log(s, "usbip: %s connected", c->peer);
	}
}

static void conn_read(struct usbip_conn *c)
{
	while (!c->dead && !c->closing && c->in_len < CONN_IN_CAP &&
	       usbip_conn_pending(c) < CONN_OUT_HIGH) {
		ssize_t n = recv(c->fd, c->in + c->in_len, CONN_IN_CAP - c->in_len, 0);

		if (n > 0) {
			c->in_len += (size_t)n;
			usbip_conn_process(c);
			continue;
		}
		if (n == 0) {
			if (c->in_len && !c->dead)
				usbip_srv_log(c->s, "usbip: %s closed the connection in the middle of a "
					   "message (%zu bytes unread)",
				     c->peer, c->in_len);
			else
				usbip_srv_log(c->s, "usbip: %s disconnected", c->peer);
			c->dead = true;
			usbip_conn_release_dev(c);
			return;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK) {
			usbip_srv_log(c->s, "usbip: %s: receive failed: %s", c->peer, strerror(errno));
			c->dead = true;
			usbip_conn_release_dev(c);
		}
		return;
	}
}

static void conn_write(struct usbip_conn *c)
{
	while (usbip_conn_pending(c) && !c->dead) {
		ssize_t n = send(c->fd, c->out + c->out_off, usbip_conn_pending(c), MSG_NOSIGNAL);

		if (n > 0) {
			usbip_conn_consume(c, (size_t)n);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		usbip_srv_log(c->s, "usbip: %s: send failed: %s", c->peer, n < 0 ? strerror(errno) : "?");
		c->dead = true;
		usbip_conn_release_dev(c);
		return;
	}
}

/* Close what is finished: dead connections, closing ones that flushed. */
static void sweep(struct usbip_server *s)
{
	uint64_t now = usbip_srv_mono_us(s);
	struct usbip_conn *c = s->conns, *next;

	for (; c; c = next) {
		next = c->next;
		if (c->fd < 0)
			continue; /* socket-less: their owner frees them */
		if (c->closing && !c->dead && !c->held.active &&
		    (!usbip_conn_pending(c) || now - c->closing_since > CLOSE_GRACE_US))
			c->dead = true;
		if (c->closing && c->held.active && now - c->closing_since > CLOSE_GRACE_US)
			c->dead = true;
		if (c->dead)
			conn_close(c);
		else
			conn_update_events(c);
	}
}

static int next_timeout_ms(struct usbip_server *s, int timeout_ms)
{
	uint64_t now = usbip_srv_mono_us(s);

	for (struct usbip_conn *c = s->conns; c; c = c->next) {
		uint64_t due = 0;
		int ms;

		if (c->held.active)
			due = c->held.release_us;
		else if (c->closing)
			due = c->closing_since + CLOSE_GRACE_US;
		else
			continue;
		ms = due <= now ? 0 : (int)((due - now + 999) / 1000);
		if (timeout_ms < 0 || ms < timeout_ms)
			timeout_ms = ms;
	}
	return timeout_ms;
}

int usbip_server_run_once(struct usbip_server *s, int timeout_ms)
{
	struct epoll_event evs[32];
	int n;

	if (s->epoll_fd < 0)
		return DFU_E_INVAL;
	n = epoll_wait(s->epoll_fd, evs, 32, next_timeout_ms(s, timeout_ms));
	if (n < 0)
		return errno == EINTR ? 0 : DFU_E_IO;
	for (int i = 0; i < n; i++) {
		void *p = evs[i].data.ptr;

		if (!p) {
			accept_all(s);
		} else if (is_watch(s, p)) {
			struct watch *w = p;

			if (w->fn && w->fd >= 0)
				w->fn(w->ctx, w->fd, evs[i].events);
		} else {
			struct usbip_conn *c = p;

			/* A connection freed earlier in this round cannot be
			 * here: frees happen only in sweep() below. */
			if (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
				conn_read(c);
			if (evs[i].events & EPOLLOUT)
				conn_write(c);
		}
	}
	for (struct usbip_conn *c = s->conns; c; c = c->next) {
		if (c->fd < 0 || c->dead)
			continue;
		usbip_conn_tick(c);
		usbip_conn_check_dev(c);
		if (usbip_conn_pending(c))
			conn_write(c);
	}
	sweep(s);
	return n;
}

int usbip_server_run(struct usbip_server *s)
{
	while (!s->stop) {
		int rc = usbip_server_run_once(s, -1);

		if (rc < 0)
			return rc;
	}
	return 0;
}

void usbip_server_board_changed(struct usbip_server *s, size_t board)
{
	if (board >= s->ndevs)
		return;
	if (usbip_srv_persist(s, board) < 0)
		usbip_srv_log(s, "usbip: the state of board %zu changed but could not be saved",
			      board + 1);
	if (s->importer[board])
		usbip_conn_check_dev(s->importer[board]);
}
