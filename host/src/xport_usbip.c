/*
 * xport_usbip.c - the USB/IP client transport (see xport_usbip.h).
 *
 * One slot per imported busid: its TCP connection (in the URB phase after
 * OP_REP_IMPORT), the devid for CMD_SUBMIT, and the device as it enumerated
 * on that import. A slot handed out by open() is the handle. Everything on
 * the wire goes through core's codec (dfu/usbip_proto.h); this file adds the
 * sockets, the deadlines and the client's rules (seqnum matching, what a
 * reply may carry, unlink on timeout).
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "dfu/bytes.h"
#include "dfu/dfu_proto.h"
#include "dfu/usb_desc.h"
#include "dfu/usbip_proto.h"
#include "host/xport_usbip.h"

#define MAX_SLOTS 32		/* dfu-sim serves at most 32 boards */
#define MAX_LISTED 64		/* a longer device list is refused, not read forever */
#define UNLINK_WAIT_MS 1000	/* how long a RET_UNLINK may take after a timeout */
#define MGMT_TIMEOUT_MS 5000
#define DESC_TIMEOUT_MS 5000	/* dfu-util's and libusb's usual control timeout */
#define URB_BUF (USBIP_HEADER_SIZE + 65536)

struct xport_handle {
	bool used;
	bool open;		/* handed out by open() */
	int fd;			/* the import's connection, -1 once closed */
	char busid[USBIP_BUSID_SIZE];
	uint32_t devid;		/* (busnum << 16) | devnum, as vhci builds it */
	uint8_t config_value;
	struct xport_dev_info info;
};

struct listed {
	struct usbip_usb_device dev;
};

struct xport_usbip {
	char host[XPORT_USBIP_HOST_MAX];
	uint16_t port;
	unsigned mgmt_ms;
	uint32_t seq;
	uint32_t next_enum;
	char only[USBIP_BUSID_SIZE];	/* "" : every busid */
	char err[320];
	struct xport_handle slot[MAX_SLOTS];
	struct listed listed[MAX_LISTED];
	uint8_t buf[URB_BUF];
};

static void set_err(struct xport_usbip *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void set_err(struct xport_usbip *t, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(t->err, sizeof(t->err), fmt, ap);
	va_end(ap);
}

const char *xport_usbip_last_error(const struct xport_usbip *t)
{
	return t->err;
}

void xport_usbip_set_mgmt_timeout(struct xport_usbip *t, unsigned ms)
{
	t->mgmt_ms = ms ? ms : MGMT_TIMEOUT_MS;
}

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* ---- the address ---- */

int xport_usbip_parse_addr(const char *arg, char host[XPORT_USBIP_HOST_MAX], uint16_t *port,
			   char *msg, size_t cap)
{
	const char *colon, *hs = arg, *he, *ps = NULL;

	*port = USBIP_PORT_DEFAULT;
	if (!arg || !arg[0]) {
		snprintf(msg, cap, "--usbip needs HOST[:PORT], e.g. 127.0.0.1:3240");
		return DFU_E_USAGE;
	}
	if (arg[0] == '[') {
		hs = arg + 1;
		he = strchr(hs, ']');
		if (!he || (he[1] && he[1] != ':')) {
			snprintf(msg, cap, "--usbip \"%s\": write an IPv6 address as [ADDR]:PORT",
				 arg);
			return DFU_E_USAGE;
		}
		if (he[1] == ':')
			ps = he + 2;
	} else {
		colon = strrchr(arg, ':');
		if (colon && strchr(arg, ':') == colon) {
			he = colon;
			ps = colon + 1;
		} else {
			he = arg + strlen(arg); /* no port, or a bare IPv6 address */
		}
	}
	if (he == hs || (size_t)(he - hs) >= XPORT_USBIP_HOST_MAX) {
		snprintf(msg, cap, "--usbip \"%s\": the host is empty or longer than %d characters",
			 arg, XPORT_USBIP_HOST_MAX - 1);
		return DFU_E_USAGE;
	}
	memcpy(host, hs, (size_t)(he - hs));
	host[he - hs] = '\0';
	if (ps) {
		char *end;
		unsigned long p;

		errno = 0;
		p = strtoul(ps, &end, 10);
		if (!ps[0] || *end || errno || p < 1 || p > 65535 || ps[0] == '-' || ps[0] == '+') {
			snprintf(msg, cap, "--usbip \"%s\": port \"%s\" is not a number from 1 to "
				 "65535 (USB/IP's own is 3240)", arg, ps);
			return DFU_E_USAGE;
		}
		*port = (uint16_t)p;
	}
	return 0;
}

/* ---- sockets with deadlines ---- */

static int wait_fd(int fd, short events, uint64_t deadline)
{
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = events };
		uint64_t now = mono_ms();
		int left = now >= deadline ? 0 : (int)(deadline - now);
		int r;

		if (left == 0)
			return DFU_E_TIMEOUT;
		r = poll(&pfd, 1, left);
		if (r > 0)
			return 0;
		if (r == 0)
			return DFU_E_TIMEOUT;
		if (errno != EINTR)
			return DFU_E_IO;
	}
}

static int send_all(int fd, const uint8_t *p, size_t len, uint64_t deadline)
{
	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n > 0) {
			p += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			int rc = wait_fd(fd, POLLOUT, deadline);
			if (rc < 0)
				return rc;
			continue;
		}
		return DFU_E_NODEV; /* EPIPE, ECONNRESET: the server closed it */
	}
	return 0;
}

/* Exactly len bytes. DFU_E_NODEV when the peer closes, DFU_E_TIMEOUT at
 * the deadline (*got says how far it came). */
static int recv_all(int fd, uint8_t *p, size_t len, uint64_t deadline, size_t *got)
{
	size_t have = 0;
	int rc = 0;

	while (have < len) {
		ssize_t n = recv(fd, p + have, len - have, 0);

		if (n > 0) {
			have += (size_t)n;
			continue;
		}
		if (n == 0) {
			rc = DFU_E_NODEV;
			break;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			rc = wait_fd(fd, POLLIN, deadline);
			if (rc < 0)
				break;
			continue;
		}
		rc = DFU_E_NODEV; /* ECONNRESET */
		break;
	}
	if (got)
		*got = have;
	return rc;
}

static int tcp_connect(struct xport_usbip *t, int *out)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
	struct addrinfo *res = NULL, *ai;
	char port[8];
	int rc, fd = -1, last = 0;
	uint64_t deadline = mono_ms() + t->mgmt_ms;

	*out = -1;
	snprintf(port, sizeof(port), "%u", t->port);
	rc = getaddrinfo(t->host, port, &hints, &res);
	if (rc != 0) {
		set_err(t, "USB/IP server %s:%u: the host cannot be resolved (%s); check --usbip",
			t->host, t->port, gai_strerror(rc));
		return DFU_E_IO;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		int one = 1, soerr = 0;
		socklen_t sl = sizeof(soerr);

		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
			    ai->ai_protocol);
		if (fd < 0) {
			last = errno;
			continue;
		}
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
			if (errno != EINPROGRESS) {
				last = errno;
				close(fd);
				fd = -1;
				continue;
			}
			if (wait_fd(fd, POLLOUT, deadline) < 0) {
				last = ETIMEDOUT;
				close(fd);
				fd = -1;
				continue;
			}
			if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0 || soerr) {
				last = soerr ? soerr : errno;
				close(fd);
				fd = -1;
				continue;
			}
		}
		/* One small URB after the other: Nagle would hold each for an ACK. */
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		break;
	}
	freeaddrinfo(res);
	if (fd < 0) {
		set_err(t, "cannot connect to the USB/IP server at %s:%u: %s; is dfu-sim (or usbipd) "
			"running there? check --usbip", t->host, t->port, strerror(last));
		return DFU_E_IO;
	}
	*out = fd;
	return 0;
}

/* ---- management phase ---- */

static int read_op_common(struct xport_usbip *t, int fd, uint16_t code, uint64_t deadline,
			  uint32_t *status, const char *what)
{
	uint8_t b[USBIP_OP_COMMON_SIZE];
	struct usbip_op_common op;
	struct dfu_diag dg = { 0 };
	int rc = recv_all(fd, b, sizeof(b), deadline, NULL);

	if (rc < 0) {
		set_err(t, "USB/IP server %s:%u %s before answering %s", t->host, t->port,
			rc == DFU_E_TIMEOUT ? "was silent" : "closed the connection", what);
		return rc == DFU_E_TIMEOUT ? rc : DFU_E_IO;
	}
	rc = usbip_op_common_decode(b, sizeof(b), &op, &dg);
	if (rc < 0) {
		set_err(t, "USB/IP server %s:%u answered %s with another protocol version: %s "
			"(dfu-flash speaks 0x%04x)", t->host, t->port, what, dg.msg, USBIP_VERSION);
		return DFU_E_IO;
	}
	if (op.code != code) {
		set_err(t, "USB/IP server %s:%u answered %s with code 0x%04x, not 0x%04x",
			t->host, t->port, what, op.code, code);
		return DFU_E_IO;
	}
	*status = op.status;
	return 0;
}

/* OP_REQ_DEVLIST on a connection of its own; the devices go to t->listed. */
static int devlist(struct xport_usbip *t, size_t *n_out)
{
	uint8_t b[USBIP_DEVICE_SIZE];
	uint32_t status, ndev;
	int fd, rc;
	uint64_t deadline;

	*n_out = 0;
	rc = tcp_connect(t, &fd);
	if (rc < 0)
		return rc;
	deadline = mono_ms() + t->mgmt_ms;
	rc = usbip_req_devlist_encode(b, sizeof(b));
	if (rc < 0 || (rc = send_all(fd, b, (size_t)rc, deadline)) < 0) {
		set_err(t, "USB/IP server %s:%u: the device list request could not be sent (%s)",
			t->host, t->port, dfu_strerror(rc));
		goto out;
	}
	rc = read_op_common(t, fd, USBIP_OP_REP_DEVLIST, deadline, &status, "the device list");
	if (rc < 0)
		goto out;
	if (status != USBIP_ST_OK) {
		set_err(t, "USB/IP server %s:%u refused the device list: status %u (%s)", t->host,
			t->port, (unsigned)status, usbip_op_status_name(status));
		rc = DFU_E_IO;
		goto out;
	}
	rc = recv_all(fd, b, 4, deadline, NULL);
	if (rc < 0) {
		set_err(t, "USB/IP server %s:%u: the device list ends before its count", t->host,
			t->port);
		rc = DFU_E_IO;
		goto out;
	}
	ndev = dfu_get_be32(b);
	if (ndev > MAX_LISTED) {
		set_err(t, "USB/IP server %s:%u lists %u devices; dfu-flash reads at most %d",
			t->host, t->port, (unsigned)ndev, MAX_LISTED);
		rc = DFU_E_IO;
		goto out;
	}
	for (uint32_t i = 0; i < ndev; i++) {
		struct dfu_diag dg = { 0 };
		struct usbip_usb_device *d = &t->listed[i].dev;

		rc = recv_all(fd, b, USBIP_DEVICE_SIZE, deadline, NULL);
		if (rc < 0) {
			set_err(t, "USB/IP server %s:%u: the device list ends inside device %u of %u",
				t->host, t->port, (unsigned)i + 1, (unsigned)ndev);
			rc = DFU_E_IO;
			goto out;
		}
		rc = usbip_device_decode(b, USBIP_DEVICE_SIZE, d, &dg);
		if (rc < 0) {
			set_err(t, "USB/IP server %s:%u: device %u of the list is malformed: %s",
				t->host, t->port, (unsigned)i + 1, dg.msg);
			rc = DFU_E_IO;
			goto out;
		}
		/* The interface records: read and dropped, the import tells more. */
		for (unsigned k = 0; k < d->bNumInterfaces; k++) {
			rc = recv_all(fd, b, USBIP_INTERFACE_SIZE, deadline, NULL);
			if (rc < 0) {
				set_err(t, "USB/IP server %s:%u: the device list ends inside the "
					"interfaces of %s", t->host, t->port, d->busid);
				rc = DFU_E_IO;
				goto out;
			}
		}
	}
	*n_out = ndev;
	rc = 0;
out:
	close(fd);
	return rc;
}

static void slot_drop(struct xport_handle *s)
{
	if (s->fd >= 0)
		close(s->fd);
	memset(s, 0, sizeof(*s));
	s->fd = -1;
}

static void slot_hangup(struct xport_handle *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

/* Still imported? The server says nothing unasked in the URB phase, so
 * anything readable is either its close or a broken stream. */
static bool slot_alive(struct xport_handle *s)
{
	struct pollfd pfd = { .fd = s->fd, .events = POLLIN };
	uint8_t c;

	if (s->fd < 0)
		return false;
	if (poll(&pfd, 1, 0) == 0)
		return true;
	if ((pfd.revents & POLLIN) && !(pfd.revents & (POLLHUP | POLLERR)) &&
	    recv(s->fd, &c, 1, MSG_PEEK | MSG_DONTWAIT) < 0 &&
	    (errno == EAGAIN || errno == EWOULDBLOCK))
		return true;
	slot_hangup(s);
	return false;
}

static int import(struct xport_usbip *t, const char *busid, struct xport_handle *s)
{
	uint8_t b[USBIP_REP_IMPORT_SIZE];
	struct usbip_usb_device d;
	struct dfu_diag dg = { 0 };
	uint32_t status;
	int fd, rc;
	uint64_t deadline;

	rc = tcp_connect(t, &fd);
	if (rc < 0)
		return rc;
	deadline = mono_ms() + t->mgmt_ms;
	rc = usbip_req_import_encode(busid, b, sizeof(b));
	if (rc < 0 || (rc = send_all(fd, b, (size_t)rc, deadline)) < 0) {
		set_err(t, "USB/IP server %s:%u: the import of %s could not be sent", t->host,
			t->port, busid);
		close(fd);
		return DFU_E_IO;
	}
	rc = read_op_common(t, fd, USBIP_OP_REP_IMPORT, deadline, &status, "the import");
	if (rc < 0) {
		close(fd);
		return rc;
	}
	if (status != USBIP_ST_OK) {
		set_err(t, "USB/IP server %s:%u refused the import of %s: %s%s", t->host, t->port,
			busid, usbip_op_status_name(status),
			status == USBIP_ST_DEV_BUSY ? " (another client has it imported)" : "");
		close(fd);
		return status == USBIP_ST_DEV_BUSY ? DFU_E_BUSY
		       : status == USBIP_ST_NODEV  ? DFU_E_NODEV
						   : DFU_E_IO;
	}
	/* The 8 bytes read_op_common() checked, in front of the record. */
	usbip_op_common_encode(&(struct usbip_op_common){ USBIP_VERSION, USBIP_OP_REP_IMPORT, 0 },
			       b, sizeof(b));
	rc = recv_all(fd, b + USBIP_OP_COMMON_SIZE, USBIP_DEVICE_SIZE, deadline, NULL);
	if (rc == 0)
		rc = usbip_rep_import_decode(b, sizeof(b), &status, &d, &dg);
	if (rc < 0) {
		set_err(t, "USB/IP server %s:%u: the import reply for %s is %s%s", t->host, t->port,
			busid, dg.msg[0] ? "malformed: " : "cut short", dg.msg);
		close(fd);
		return DFU_E_IO;
	}
	/* usbip attach checks the same (usbip_attach.c: "recv different busid"). */
	if (strncmp(d.busid, busid, USBIP_BUSID_SIZE) != 0) {
		set_err(t, "USB/IP server %s:%u imported \"%s\" when asked for %s", t->host, t->port,
			d.busid, busid);
		close(fd);
		return DFU_E_IO;
	}
	memset(s, 0, sizeof(*s));
	s->used = true;
	s->fd = fd;
	snprintf(s->busid, sizeof(s->busid), "%s", busid);
	s->devid = (d.busnum & 0xFFFFu) << 16 | (d.devnum & 0xFFFFu);
	s->info.devnum = (uint8_t)d.devnum;
	return 0;
}

/* ---- URB phase ---- */

static int status_to_err(int32_t st)
{
	switch (st) {
	case USBIP_STATUS_EPIPE: return DFU_E_STALL;
	case USBIP_STATUS_ENODEV:
	case USBIP_STATUS_ESHUTDOWN: return DFU_E_NODEV;
	default: return DFU_E_IO;
	}
}

/*
 * Read one URB reply. *cmd gets its command, *seq its seqnum; for a
 * RET_SUBMIT answering `want` the data goes to `in`. A RET_SUBMIT for any
 * other seqnum is only acceptable as `stale` (the URB unlinked after a
 * timeout); its data is read and dropped. Returns the RET_SUBMIT status
 * mapped (>= 0: actual_length) or a negative error that ends the connection.
 */
struct urb {
	uint32_t seq;
	bool dir_in;
	int32_t len;
};

static int read_reply(struct xport_usbip *t, struct xport_handle *s, const struct urb *want,
		      const struct urb *stale, uint64_t deadline, uint8_t *in, uint32_t *cmd,
		      uint32_t *seq, int32_t *status)
{
	uint8_t *b = t->buf;
	struct dfu_diag dg = { 0 };
	size_t got = 0;
	int rc = recv_all(s->fd, b, USBIP_HEADER_SIZE, deadline, &got);

	if (rc == DFU_E_TIMEOUT && got == 0)
		return DFU_E_TIMEOUT; /* nothing yet: the caller may unlink */
	if (rc < 0 && got > 0) {
		/* A device that leaves closes the import between replies; part
		 * of a header is a broken server, not a re-enumeration. */
		set_err(t, "USB/IP server %s:%u %s inside a reply on %s (%zu of %d header bytes)",
			t->host, t->port, rc == DFU_E_TIMEOUT ? "stopped" : "closed the connection",
			s->busid, got, USBIP_HEADER_SIZE);
		return DFU_E_IO;
	}
	if (rc == DFU_E_NODEV) {
		set_err(t, "USB/IP server %s:%u closed the import of %s: the device left the bus "
			"or re-enumerated", t->host, t->port, s->busid);
		return DFU_E_NODEV;
	}
	if (rc < 0) {
		set_err(t, "USB/IP server %s:%u: waiting for a reply on %s failed (%s)", t->host,
			t->port, s->busid, dfu_strerror(rc));
		return DFU_E_IO;
	}
	rc = usbip_peek_command(b, USBIP_HEADER_SIZE, &dg);
	*cmd = rc < 0 ? 0 : (uint32_t)rc;
	*seq = dfu_get_be32(b + 4);
	if (*cmd == USBIP_RET_UNLINK) {
		struct usbip_ret_unlink m;
		if (usbip_ret_unlink_decode(b, USBIP_HEADER_SIZE, &m, &dg) < 0)
			goto bad;
		*status = m.status;
		return 0;
	}
	if (*cmd == USBIP_RET_SUBMIT) {
		const struct urb *u = *seq == want->seq ? want
				      : (stale && *seq == stale->seq) ? stale
								      : NULL;
		struct usbip_ret_submit m;
		const uint8_t *data = NULL;

		if (!u) {
			set_err(t, "USB/IP server %s:%u answered seqnum %u on %s, which is not the "
				"URB in flight (%u)", t->host, t->port, (unsigned)*seq, s->busid,
				(unsigned)want->seq);
			return DFU_E_IO;
		}
		rc = usbip_ret_submit_decode(b, USBIP_HEADER_SIZE, u->dir_in, u->len, &m, &data,
					     &dg);
		if (rc == DFU_E_TRUNCATED) {
			size_t more = (size_t)m.actual_length;
			rc = recv_all(s->fd, b + USBIP_HEADER_SIZE, more, deadline + UNLINK_WAIT_MS,
				      NULL);
			if (rc < 0) {
				set_err(t, "USB/IP server %s:%u: the reply on %s ends before its %d "
					"data bytes", t->host, t->port, s->busid,
					(int)m.actual_length);
				return DFU_E_IO;
			}
			rc = usbip_ret_submit_decode(b, USBIP_HEADER_SIZE + more, u->dir_in, u->len,
						     &m, &data, &dg);
		}
		if (rc < 0)
			goto bad;
		*status = m.status;
		if (u != want)
			return 0;
		if (m.status != 0)
			return 0;
		if (u->dir_in && m.actual_length > 0)
			memcpy(in, data, (size_t)m.actual_length);
		return m.actual_length;
	}
bad:
	set_err(t, "USB/IP server %s:%u sent a malformed reply on %s: %s", t->host, t->port,
		s->busid, dg.msg[0] ? dg.msg : "not a RET_SUBMIT or RET_UNLINK");
	return DFU_E_IO;
}

/* After a timeout: unlink the URB and wait (bounded) for the server to say
 * so, dropping its RET_SUBMIT if it crossed the unlink. */
static void unlink_urb(struct xport_usbip *t, struct xport_handle *s, const struct urb *u)
{
	uint8_t b[USBIP_HEADER_SIZE];
	struct usbip_cmd_unlink m = { 0 };
	uint64_t deadline = mono_ms() + UNLINK_WAIT_MS;
	uint32_t useq = ++t->seq ? t->seq : ++t->seq;

	m.base.command = USBIP_CMD_UNLINK;
	m.base.seqnum = useq;
	m.base.devid = s->devid;
	m.base.direction = u->dir_in ? USBIP_DIR_IN : USBIP_DIR_OUT;
	m.unlink_seqnum = u->seq;
	if (usbip_cmd_unlink_encode(&m, b, sizeof(b)) < 0 ||
	    send_all(s->fd, b, sizeof(b), deadline) < 0) {
		slot_hangup(s);
		return;
	}
	for (;;) {
		struct urb none = { .seq = useq, .dir_in = false, .len = 0 };
		uint32_t cmd = 0, seq = 0;
		int32_t st = 0;
		int rc = read_reply(t, s, &none, u, deadline, NULL, &cmd, &seq, &st);

		if (rc < 0 || (cmd == USBIP_RET_SUBMIT && seq == useq)) {
			slot_hangup(s); /* silent, closed, or nonsense: the stream is lost */
			return;
		}
		if (cmd == USBIP_RET_UNLINK && seq == useq)
			return;
		if (cmd == USBIP_RET_UNLINK) {
			slot_hangup(s);
			return;
		}
		/* the unlinked URB's own RET_SUBMIT: dropped, keep waiting */
	}
}

static int urb_control(struct xport_usbip *t, struct xport_handle *s, const struct dfu_setup *su,
		       const uint8_t *out, uint8_t *in, unsigned timeout_ms)
{
	struct usbip_cmd_submit m = { 0 };
	struct urb u;
	uint64_t deadline = mono_ms() + (timeout_ms ? timeout_ms : DESC_TIMEOUT_MS);
	bool dir_in = dfu_setup_is_in(su);
	int n, rc;

	if (s->fd < 0)
		return DFU_E_NODEV;
	u.seq = ++t->seq ? t->seq : ++t->seq;
	u.dir_in = dir_in;
	u.len = su->wLength;
	m.base.command = USBIP_CMD_SUBMIT;
	m.base.seqnum = u.seq;
	m.base.devid = s->devid;
	m.base.direction = dir_in ? USBIP_DIR_IN : USBIP_DIR_OUT;
	m.base.ep = 0;
	m.transfer_flags = dir_in ? USBIP_URB_DIR_IN : 0;
	m.transfer_buffer_length = su->wLength;
	dfu_setup_encode(su, m.setup);
	n = usbip_cmd_submit_encode(&m, dir_in ? NULL : out, t->buf, sizeof(t->buf));
	if (n < 0)
		return DFU_E_INVAL;
	rc = send_all(s->fd, t->buf, (size_t)n, deadline);
	if (rc < 0) {
		set_err(t, "USB/IP server %s:%u: the import of %s is closed: the device left the "
			"bus or re-enumerated", t->host, t->port, s->busid);
		slot_hangup(s);
		return rc == DFU_E_TIMEOUT ? DFU_E_TIMEOUT : DFU_E_NODEV;
	}
	for (;;) {
		uint32_t cmd = 0, seq = 0;
		int32_t st = 0;

		rc = read_reply(t, s, &u, NULL, deadline, in, &cmd, &seq, &st);
		if (rc == DFU_E_TIMEOUT) {
			set_err(t, "USB/IP server %s:%u: no answer on %s within %u ms; the URB was "
				"unlinked", t->host, t->port, s->busid, timeout_ms);
			unlink_urb(t, s, &u);
			return DFU_E_TIMEOUT;
		}
		if (rc < 0) {
			slot_hangup(s);
			return rc;
		}
		if (cmd != USBIP_RET_SUBMIT) {
			/* A RET_UNLINK nobody asked for. */
			set_err(t, "USB/IP server %s:%u sent RET_UNLINK seqnum %u on %s without an "
				"unlink", t->host, t->port, (unsigned)seq, s->busid);
			slot_hangup(s);
			return DFU_E_IO;
		}
		if (st != 0) {
			rc = status_to_err(st);
			if (rc == DFU_E_NODEV)
				slot_hangup(s);
			return rc;
		}
		if (!dir_in && rc != su->wLength) {
			/* A control OUT data stage is all taken or stalled. */
			set_err(t, "USB/IP server %s:%u: %s took %d of %u bytes of a control OUT "
				"transfer", t->host, t->port, s->busid, rc, su->wLength);
			return DFU_E_IO;
		}
		return rc;
	}
}

/* ---- enumeration over an import ---- */

static int get_desc(struct xport_usbip *t, struct xport_handle *s, uint8_t type, uint8_t index,
		    uint16_t langid, uint8_t *buf, uint16_t len)
{
	struct dfu_setup su = {
		.bmRequestType = 0x80,
		.bRequest = USB_REQ_GET_DESCRIPTOR,
		.wValue = (uint16_t)(type << 8 | index),
		.wIndex = langid,
		.wLength = len,
	};
	return urb_control(t, s, &su, NULL, buf, DESC_TIMEOUT_MS);
}

struct ep0_ctx {
	struct xport_usbip *t;
	struct xport_handle *s;
};

static int describe_ep0(void *ctx, const struct dfu_setup *su, const uint8_t *out, uint8_t *in)
{
	struct ep0_ctx *c = ctx;

	if (c->s->fd < 0)
		return DFU_E_NODEV; /* it left while we read it */
	return urb_control(c->t, c->s, su, out, in, DESC_TIMEOUT_MS);
}

static int describe(struct xport_usbip *t, struct xport_handle *s)
{
	struct xport_dev_info *d = &s->info;
	struct ep0_ctx c = { t, s };
	struct dfu_diag dg = { 0 };
	int rc = xport_describe(d, describe_ep0, &c, &s->config_value, &dg);

	if (rc == DFU_E_PROTOCOL)
		set_err(t, "%s: %s", s->busid, dg.msg);
	if (rc < 0)
		return rc;
	if (s->fd < 0)
		return DFU_E_NODEV; /* it left while we read it */
	snprintf(d->path, sizeof(d->path), "%s", s->busid);
	if (++t->next_enum == 0)
		t->next_enum = 1;
	d->enum_id = t->next_enum;
	d->ref = (uintptr_t)(s - t->slot);
	return 0;
}

static struct xport_handle *find_slot(struct xport_usbip *t, const char *busid, bool open)
{
	for (size_t i = 0; i < MAX_SLOTS; i++)
		if (t->slot[i].used && t->slot[i].open == open &&
		    strcmp(t->slot[i].busid, busid) == 0)
			return &t->slot[i];
	return NULL;
}

static struct xport_handle *free_slot(struct xport_usbip *t)
{
	for (size_t i = 0; i < MAX_SLOTS; i++)
		if (!t->slot[i].used)
			return &t->slot[i];
	return NULL;
}

/* Did the device list name listed[k]'s busid before k? */
static bool listed_before(const struct xport_usbip *t, size_t k)
{
	for (size_t i = 0; i < k; i++)
		if (strcmp(t->listed[i].dev.busid, t->listed[k].dev.busid) == 0)
			return true;
	return false;
}

static int ui_enumerate(void *ctx, xport_enum_fn cb, void *cb_ctx)
{
	struct xport_usbip *t = ctx;
	size_t n;
	int rc, visited = 0;

	rc = devlist(t, &n);
	if (rc < 0)
		return rc;
	/* Imports of busids no longer listed are over (unless handed out). */
	for (size_t i = 0; i < MAX_SLOTS; i++) {
		struct xport_handle *s = &t->slot[i];
		bool listed = false;

		if (!s->used || s->open)
			continue;
		for (size_t k = 0; k < n && !listed; k++)
			listed = strcmp(t->listed[k].dev.busid, s->busid) == 0;
		if (!listed || !slot_alive(s))
			slot_drop(s);
	}
	for (size_t k = 0; k < n; k++) {
		const char *busid = t->listed[k].dev.busid;
		struct xport_handle *s;

		if (t->only[0] && strcmp(t->only, busid) != 0)
			continue;
		if (listed_before(t, k))
			continue; /* a server that names a busid twice has one device there */
		s = find_slot(t, busid, false);
		if (!s) {
			struct xport_handle *h = find_slot(t, busid, true);
			if (h && slot_alive(h)) {
				s = h; /* in use by the caller: as it enumerated */
			} else {
				s = free_slot(t);
				if (!s)
					break;
				if (import(t, busid, s) < 0) {
					slot_drop(s);
					continue; /* busy, gone meanwhile, or broken: not usable */
				}
				if (describe(t, s) < 0) {
					slot_drop(s);
					continue;
				}
			}
		}
		visited++;
		if (cb && cb(cb_ctx, &s->info))
			break;
	}
	return visited;
}

static int ui_open(void *ctx, const struct xport_dev_info *dev, struct xport_handle **h)
{
	struct xport_usbip *t = ctx;

	*h = NULL;
	for (size_t i = 0; i < MAX_SLOTS; i++) {
		struct xport_handle *s = &t->slot[i];

		if (!s->used || s->info.enum_id != dev->enum_id || strcmp(s->busid, dev->path) != 0)
			continue;
		if (s->open)
			return DFU_E_BUSY;
		if (!slot_alive(s))
			return DFU_E_NODEV; /* re-enumerated since */
		s->open = true;
		*h = s;
		return 0;
	}
	return DFU_E_NODEV;
}

static struct xport_handle *handle_of(struct xport_usbip *t, struct xport_handle *h)
{
	if (!h || h < t->slot || h >= t->slot + MAX_SLOTS || !h->used || !h->open)
		return NULL;
	return h;
}

static void ui_close(void *ctx, struct xport_handle *h)
{
	struct xport_usbip *t = ctx;

	h = handle_of(t, h);
	if (!h)
		return;
	h->open = false;
	if (h->fd < 0)
		slot_drop(h);
	/* otherwise the import stays, for the next enumerate() to reuse */
}

static int ui_control(void *ctx, struct xport_handle *h, const struct dfu_setup *s,
		      const uint8_t *out, uint8_t *in, unsigned timeout_ms)
{
	struct xport_usbip *t = ctx;

	h = handle_of(t, h);
	if (!h)
		return DFU_E_INVAL;
	if (!dfu_setup_is_in(s) && s->wLength && !out)
		return DFU_E_INVAL;
	if (dfu_setup_is_in(s) && s->wLength && !in)
		return DFU_E_INVAL;
	return urb_control(t, h, s, out, in, timeout_ms);
}

/*
 * vhci resets the port locally and only forwards the re-enumeration that
 * follows ([usbip-vhci]); dfu-sim takes GET_DESCRIPTOR(DEVICE, 64) on a
 * configured device as that reset. Then the device is configured again, as
 * libusb_reset_device leaves it. A device that re-enumerates closes the
 * import: DFU_E_NODEV.
 */
static int ui_reset(void *ctx, struct xport_handle *h)
{
	struct xport_usbip *t = ctx;
	uint8_t buf[64];
	struct dfu_setup cfg = { .bmRequestType = 0x00, .bRequest = USB_REQ_SET_CONFIGURATION };
	int rc;

	h = handle_of(t, h);
	if (!h)
		return DFU_E_INVAL;
	rc = get_desc(t, h, USB_DT_DEVICE, 0, 0, buf, sizeof(buf));
	if (rc < 0)
		return rc == DFU_E_STALL ? DFU_E_IO : DFU_E_NODEV;
	cfg.wValue = h->config_value;
	rc = urb_control(t, h, &cfg, NULL, NULL, DESC_TIMEOUT_MS);
	return rc < 0 ? DFU_E_NODEV : 0;
}

static void ui_sleep_ms(void *ctx, uint32_t ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };

	(void)ctx;
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static uint64_t ui_now_us(void *ctx)
{
	struct timespec ts;

	(void)ctx;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static const struct xport_ops usbip_ops = {
	.name = "usbip",
	.enumerate = ui_enumerate,
	.open = ui_open,
	.close = ui_close,
	.control = ui_control,
	.reset = ui_reset,
	.sleep_ms = ui_sleep_ms,
	.now_us = ui_now_us,
};

struct xport_usbip *xport_usbip_new(const char *host, uint16_t port)
{
	struct xport_usbip *t;

	if (!host || strlen(host) >= XPORT_USBIP_HOST_MAX)
		return NULL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	snprintf(t->host, sizeof(t->host), "%s", host);
	t->port = port ? port : USBIP_PORT_DEFAULT;
	t->mgmt_ms = MGMT_TIMEOUT_MS;
	for (size_t i = 0; i < MAX_SLOTS; i++)
		t->slot[i].fd = -1;
	return t;
}

void xport_usbip_free(struct xport_usbip *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < MAX_SLOTS; i++)
		slot_drop(&t->slot[i]);
	free(t);
}

struct xport xport_usbip(struct xport_usbip *t)
{
	return (struct xport){ .ops = &usbip_ops, .ctx = t };
}

void xport_usbip_only(struct xport_usbip *t, const char *busid)
{
	snprintf(t->only, sizeof(t->only), "%s", busid ? busid : "");
}

int xport_usbip_probe(struct xport_usbip *t)
{
	size_t n;

	return devlist(t, &n);
}
