/*
 * usbip_server.c - the USB/IP server: one epoll loop, boards as busids
 * "1-N", one import per connection (spec §B; vhci's rules in §B3).
 *
 * Each connection is a small state machine over its input bytes: the
 * management phase (DEVLIST, IMPORT), then URBs. URBs are served
 * synchronously, so a RET_SUBMIT normally leaves before the next message is
 * read; the exception is `realtime`, where a GETSTATUS reply is held for its
 * bwPollTimeout and later URBs queue behind it (an unlink can still cancel
 * either). Byte handling (conn_process and below) never touches a socket:
 * the loop only moves bytes in and out of the connection's buffers.
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

#include "dfu/bytes.h"
#include "dfu/usb_desc.h"
#include "dfu/usbip_proto.h"
#include "sim/usbip_server.h"

/* Input holds one whole message: a CMD_SUBMIT with the largest OUT data. */
#define CONN_IN_CAP (USBIP_HEADER_SIZE + USBIP_SERVER_MAX_OUT + 1)
/* Stop reading while this much output waits for a slow client. */
#define CONN_OUT_HIGH (256u * 1024u)
/* Past this a client is not reading at all: drop it. */
#define CONN_OUT_MAX (4u * 1024u * 1024u)
/* A connection that is closing gets this long to flush its output. */
#define CLOSE_GRACE_US 2000000u
#define MAX_WATCHES 16
#define MAX_INTF_RECORDS 8
#define SCRATCH_SIZE 65536

enum conn_phase {
	PHASE_OP,	/* DEVLIST / IMPORT */
	PHASE_URB,	/* imported: CMD_SUBMIT / CMD_UNLINK */
};

/* A CMD_SUBMIT waiting behind a held reply, kept as its raw message. */
struct queued_urb {
	uint32_t seqnum;
	uint8_t *msg;
	size_t len;
};

/* A RET_SUBMIT held until its release time (realtime GETSTATUS). */
struct held_reply {
	bool active;
	uint32_t seqnum;
	uint64_t release_us;	/* monotonic */
	uint8_t *msg;		/* the encoded RET_SUBMIT */
	size_t len;
	struct usbmon_event done; /* its 'C' event; data points into msg */
};

struct usbip_conn {
	struct usbip_server *s;
	struct usbip_conn *next;
	int fd;				/* -1 for socket-less connections */
	uint32_t events;		/* what epoll watches now */
	char peer[64];

	uint8_t *in;
	size_t in_len;
	uint8_t *out;
	size_t out_len, out_off, out_cap;

	enum conn_phase phase;
	int board;			/* imported board, or -1 */
	uint32_t gen;			/* its bus generation at import */
	bool configured;		/* saw SET_CONFIGURATION (bus reset heuristic) */

	struct held_reply held;
	struct queued_urb queue[USBIP_SERVER_QUEUE];
	unsigned nqueue;

	bool closing;			/* no more input; close once flushed */
	uint64_t closing_since;
	bool dead;			/* close now */
	int error;			/* why it closes (negative dfu_err) */
};

struct watch {
	int fd;
	usbip_watch_fn fn;
	void *ctx;
};

struct usbip_server {
	struct usbip_server_config cfg;
	struct sim_board *boards[USBIP_SERVER_MAX_BOARDS];
	size_t nboards;
	struct usbip_conn *importer[USBIP_SERVER_MAX_BOARDS];
	uint64_t skip_us[USBIP_SERVER_MAX_BOARDS];	/* poll timeouts waited virtually */
	uint64_t last_mutations[USBIP_SERVER_MAX_BOARDS];
	uint64_t vt_last[USBIP_SERVER_MAX_BOARDS];

	int listen_fd;
	int epoll_fd;
	uint16_t port;
	bool stop;
	uint64_t start_us;

	struct usbip_conn *conns;
	unsigned nconns;
	struct watch watches[MAX_WATCHES];
	unsigned nwatches;
	uint64_t urb_id;
	struct usbip_usb_interface intf[USBIP_SERVER_MAX_BOARDS][MAX_INTF_RECORDS];
	uint8_t scratch[SCRATCH_SIZE];
};

/* ---- time and logging ---- */

static uint64_t mono_us(struct usbip_server *s)
{
	struct timespec ts;

	if (s->cfg.clock_us)
		return s->cfg.clock_us(s->cfg.clock_ctx);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void slog(struct usbip_server *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void slog(struct usbip_server *s, const char *fmt, ...)
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
	uint64_t now = mono_us(s) - s->start_us + s->skip_us[board];

	/* The board may have run an operation into the future (an erase that
	 * ends after its duration); its clock never goes back. */
	if (now < s->boards[board]->chip.now_us)
		now = s->boards[board]->chip.now_us;
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

	for (size_t i = 0; i < s->nboards; i++) {
		usbip_server_busid(i, want, sizeof(want));
		if (strcmp(want, busid) == 0)
			return (int)i;
	}
	return -1;
}

bool usbip_server_imported(const struct usbip_server *s, size_t board)
{
	return board < s->nboards && s->importer[board] != NULL;
}

/* ---- the server object ---- */

int usbip_server_new(struct usbip_server **out, const struct usbip_server_config *cfg,
		     struct sim_board *const *boards, size_t n)
{
	struct usbip_server *s;

	*out = NULL;
	if (!cfg || n > USBIP_SERVER_MAX_BOARDS || (n && !boards))
		return DFU_E_INVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return DFU_E_NOMEM;
	s->cfg = *cfg;
	if (!s->cfg.max_conns)
		s->cfg.max_conns = USBIP_SERVER_DEFAULT_CONNS;
	s->nboards = n;
	for (size_t i = 0; i < n; i++) {
		s->boards[i] = boards[i];
		s->last_mutations[i] = boards[i]->chip.mutations;
	}
	s->listen_fd = -1;
	s->epoll_fd = -1;
	s->start_us = mono_us(s);
	*out = s;
	return DFU_OK;
}

static void conn_unlink_and_free(struct usbip_conn *c);

void usbip_server_free(struct usbip_server *s)
{
	if (!s)
		return;
	while (s->conns)
		conn_unlink_and_free(s->conns);
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

/* ---- connection buffers ---- */

struct usbip_conn *usbip_conn_new(struct usbip_server *s)
{
	struct usbip_conn *c;

	if (s->nconns >= s->cfg.max_conns)
		return NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->in = malloc(CONN_IN_CAP);
	if (!c->in) {
		free(c);
		return NULL;
	}
	c->s = s;
	c->fd = -1;
	c->board = -1;
	snprintf(c->peer, sizeof(c->peer), "in-process client");
	c->next = s->conns;
	s->conns = c;
	s->nconns++;
	return c;
}

static void conn_release_board(struct usbip_conn *c)
{
	if (c->board >= 0 && c->s->importer[c->board] == c)
		c->s->importer[c->board] = NULL;
	c->board = -1;
}

static void conn_drop_pending(struct usbip_conn *c)
{
	free(c->held.msg);
	memset(&c->held, 0, sizeof(c->held));
	for (unsigned i = 0; i < c->nqueue; i++)
		free(c->queue[i].msg);
	c->nqueue = 0;
}

static void conn_unlink_and_free(struct usbip_conn *c)
{
	struct usbip_server *s = c->s;
	struct usbip_conn **pp;

	for (pp = &s->conns; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			s->nconns--;
			break;
		}
	conn_release_board(c);
	conn_drop_pending(c);
	if (c->fd >= 0) {
		if (s->epoll_fd >= 0)
			epoll_ctl(s->epoll_fd, EPOLL_CTL_DEL, c->fd, NULL);
		close(c->fd);
	}
	free(c->in);
	free(c->out);
	free(c);
}

void usbip_conn_free(struct usbip_conn *c)
{
	if (c)
		conn_unlink_and_free(c);
}

static size_t out_pending(const struct usbip_conn *c)
{
	return c->out_len - c->out_off;
}

size_t usbip_conn_output(const struct usbip_conn *c, const uint8_t **out)
{
	*out = c->out ? c->out + c->out_off : NULL;
	return out_pending(c);
}

void usbip_conn_consume(struct usbip_conn *c, size_t n)
{
	if (n > out_pending(c))
		n = out_pending(c);
	c->out_off += n;
	if (c->out_off == c->out_len)
		c->out_off = c->out_len = 0;
}

bool usbip_conn_closing(const struct usbip_conn *c)
{
	return c->dead || c->closing;
}

static void conn_fail(struct usbip_conn *c, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void conn_fail(struct usbip_conn *c, int err, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	if (c->dead)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	slog(c->s, "usbip: %s: %s; closing this connection", c->peer, msg);
	c->dead = true;
	c->error = err;
	conn_release_board(c);
}

/* Stop reading; close once the output is flushed and nothing is held. */
static void conn_close_after_flush(struct usbip_conn *c, int err)
{
	if (c->closing || c->dead)
		return;
	c->closing = true;
	c->closing_since = mono_us(c->s);
	c->error = err;
}

static int out_append(struct usbip_conn *c, const uint8_t *p, size_t n)
{
	if (c->out_off && c->out_off == c->out_len)
		c->out_off = c->out_len = 0;
	if (c->out_len + n > c->out_cap) {
		size_t cap = c->out_cap ? c->out_cap : 4096;
		uint8_t *nb;

		if (out_pending(c) + n > CONN_OUT_MAX) {
			conn_fail(c, DFU_E_NOSPACE, "client does not read its replies (%zu bytes "
						    "waiting)", out_pending(c));
			return DFU_E_NOSPACE;
		}
		/* Compact first, then grow. */
		if (c->out_off) {
			memmove(c->out, c->out + c->out_off, out_pending(c));
			c->out_len -= c->out_off;
			c->out_off = 0;
		}
		while (cap < c->out_len + n)
			cap *= 2;
		if (cap != c->out_cap) {
			nb = realloc(c->out, cap);
			if (!nb) {
				conn_fail(c, DFU_E_NOMEM, "out of memory for replies");
				return DFU_E_NOMEM;
			}
			c->out = nb;
			c->out_cap = cap;
		}
	}
	memcpy(c->out + c->out_len, p, n);
	c->out_len += n;
	return 0;
}

/* ---- capture ---- */

static void capture(struct usbip_server *s, struct usbmon_event *e)
{
	struct timespec ts;

	if (!s->cfg.capture)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	e->ts_sec = ts.tv_sec;
	e->ts_usec = (int32_t)(ts.tv_nsec / 1000);
	s->cfg.capture(s->cfg.capture_ctx, e);
}

/* ---- management phase ---- */

/* The device record and interface records of a board on the bus. */
static int describe_board(struct usbip_server *s, size_t i, struct usbip_usb_device *d,
			  struct usbip_usb_interface *intf)
{
	struct sim_board *b = s->boards[i];
	struct usb_device *u = b->on_bus;
	struct usb_device_desc dd;
	struct usb_config_desc cd;
	struct usb_config_iter it;
	struct usb_alt_info alt;
	int rc;

	if (!u)
		return DFU_E_NODEV;
	rc = usb_device_desc_decode(u->device_desc, sizeof(u->device_desc), &dd);
	if (rc < 0)
		return rc;
	memset(d, 0, sizeof(*d));
	usbip_server_busid(i, d->busid, sizeof(d->busid));
	snprintf(d->path, sizeof(d->path), "/sys/devices/dfulab/usb%d/%s", USBIP_SERVER_BUS,
		 d->busid);
	d->busnum = USBIP_SERVER_BUS;
	d->devnum = (uint32_t)i + 1;
	d->speed = USBIP_SPEED_FULL;
	d->idVendor = dd.idVendor;
	d->idProduct = dd.idProduct;
	d->bcdDevice = dd.bcdDevice;
	d->bDeviceClass = dd.bDeviceClass;
	d->bDeviceSubClass = dd.bDeviceSubClass;
	d->bDeviceProtocol = dd.bDeviceProtocol;
	d->bNumConfigurations = dd.bNumConfigurations;
	rc = usb_config_iter_init(&it, u->config, u->config_len, &cd);
	if (rc < 0)
		return rc;
	d->bConfigurationValue = cd.bConfigurationValue;
	while ((rc = usb_config_next_alt(&it, &alt)) == 1) {
		if (alt.intf.bAlternateSetting != 0 || d->bNumInterfaces >= MAX_INTF_RECORDS)
			continue;
		intf[d->bNumInterfaces].bInterfaceClass = alt.intf.bInterfaceClass;
		intf[d->bNumInterfaces].bInterfaceSubClass = alt.intf.bInterfaceSubClass;
		intf[d->bNumInterfaces].bInterfaceProtocol = alt.intf.bInterfaceProtocol;
		d->bNumInterfaces++;
	}
	return rc < 0 ? rc : 0;
}

static void reply_devlist(struct usbip_conn *c)
{
	struct usbip_server *s = c->s;
	struct usbip_devlist_entry e[USBIP_SERVER_MAX_BOARDS];
	size_t n = 0;
	int len;

	for (size_t i = 0; i < s->nboards; i++) {
		if (describe_board(s, i, &e[n].dev, s->intf[n]) < 0)
			continue;
		e[n].intf = s->intf[n];
		n++;
	}
	len = usbip_rep_devlist_encode(e, n, s->scratch, sizeof(s->scratch));
	if (len < 0) {
		conn_fail(c, len, "cannot encode the device list: %s", dfu_strerror(len));
		return;
	}
	slog(s, "usbip: %s: listed %zu of %zu devices", c->peer, n, s->nboards);
	out_append(c, s->scratch, (size_t)len);
}

static void reply_import(struct usbip_conn *c, const char *busid)
{
	struct usbip_server *s = c->s;
	struct usbip_usb_device d;
	struct usbip_usb_interface intf[MAX_INTF_RECORDS];
	uint8_t msg[USBIP_REP_IMPORT_SIZE];
	uint32_t status = USBIP_ST_OK;
	int idx = usbip_server_find_busid(s, busid);
	struct sim_board *b = idx >= 0 ? s->boards[idx] : NULL;
	int len;

	if (!b) {
		slog(s, "usbip: %s: import of busid \"%s\" refused: no such device (busids are "
			"1-1 to 1-%zu)",
		     c->peer, busid, s->nboards);
		status = USBIP_ST_NODEV;
	} else if (s->importer[idx]) {
		slog(s, "usbip: %s: import of %s refused: already imported by %s", c->peer, busid,
		     s->importer[idx]->peer);
		status = USBIP_ST_DEV_BUSY;
	} else if (!b->on_bus) {
		slog(s, "usbip: %s: import of %s refused: nothing of it is on the USB bus now",
		     c->peer, busid);
		status = USBIP_ST_NODEV;
	} else if (describe_board(s, (size_t)idx, &d, intf) < 0) {
		/* As with Linux's usbip-host, an import does not reset the
		 * device: vhci's port reset at attach stays on the client side
		 * (spec §B4), so the device keeps whatever state the previous
		 * importer left; hosts start with SET_CONFIGURATION/SET_INTERFACE. */
		slog(s, "usbip: %s: import of %s refused: its descriptors cannot be read",
		     c->peer, busid);
		status = USBIP_ST_DEV_ERR;
	}
	len = usbip_rep_import_encode(status, status == USBIP_ST_OK ? &d : NULL, msg, sizeof(msg));
	if (len < 0) {
		conn_fail(c, len, "cannot encode the import reply: %s", dfu_strerror(len));
		return;
	}
	out_append(c, msg, (size_t)len);
	if (status != USBIP_ST_OK)
		return;
	c->phase = PHASE_URB;
	c->board = idx;
	c->gen = b->bus_generation;
	c->configured = false;
	s->importer[idx] = c;
	slog(s, "usbip: %s: imported %s (serial %s, bus generation %u)", c->peer, busid,
	     b->serial, (unsigned)b->bus_generation);
}

/* ---- URB phase ---- */

static bool board_still_there(struct usbip_conn *c)
{
	struct sim_board *b = c->s->boards[c->board];

	return b->on_bus && b->bus_generation == c->gen;
}

/* The device this connection imported has gone: an unplug for the client. */
static void conn_unplug(struct usbip_conn *c, const char *why)
{
	char busid[USBIP_BUSID_SIZE];

	if (c->closing || c->dead)
		return;
	usbip_server_busid((size_t)c->board, busid, sizeof(busid));
	slog(c->s, "usbip: %s: %s %s; closing the importer's connection (unplug)", c->peer,
	     busid, why);
	conn_release_board(c);
	conn_close_after_flush(c, DFU_E_NODEV);
}

static void conn_check_board(struct usbip_conn *c)
{
	struct sim_board *b;

	if (c->phase != PHASE_URB || c->board < 0 || c->closing || c->dead)
		return;
	b = c->s->boards[c->board];
	if (!b->on_bus)
		conn_unplug(c, "left the USB bus");
	else if (b->bus_generation != c->gen)
		conn_unplug(c, "re-enumerated");
}

static int persist_if_changed(struct usbip_server *s, size_t i)
{
	struct sim_board *b = s->boards[i];
	int rc;

	if (b->chip.mutations == s->last_mutations[i] || !s->cfg.persist)
		return 0;
	rc = s->cfg.persist(s->cfg.persist_ctx, i, b);
	if (rc < 0)
		return rc;
	s->last_mutations[i] = b->chip.mutations;
	return 0;
}

static bool is_std_request(const struct dfu_setup *st, uint8_t type, uint8_t req)
{
	return st->bmRequestType == type && st->bRequest == req;
}

/* Serve one CMD_SUBMIT whose whole message is at `msg`. */
static void exec_submit(struct usbip_conn *c, const struct usbip_cmd_submit *m,
			const uint8_t *data)
{
	struct usbip_server *s = c->s;
	size_t idx = (size_t)c->board;
	struct sim_board *b = s->boards[idx];
	bool dir_in = m->base.direction == USBIP_DIR_IN;
	struct usbip_ret_submit r = { .base = { USBIP_RET_SUBMIT, m->base.seqnum, 0, 0, 0 } };
	struct usbmon_event ev = {
		.id = ++s->urb_id,
		.type = USBMON_SUBMIT,
		.xfer_type = m->base.ep == 0 ? USBMON_XFER_CONTROL : USBMON_XFER_BULK,
		.epnum = (uint8_t)(m->base.ep | (dir_in ? USBMON_DIR_IN : 0)),
		.devnum = (uint8_t)(idx + 1),
		.busnum = USBIP_SERVER_BUS,
		.setup_valid = m->base.ep == 0,
		.status = USBMON_STATUS_INPROGRESS,
		.length = (uint32_t)m->transfer_buffer_length,
		.interval = m->interval,
		.start_frame = m->start_frame,
		.xfer_flags = m->transfer_flags,
		.data = dir_in ? NULL : data,
		.data_len = dir_in ? 0 : (uint32_t)m->transfer_buffer_length,
	};
	struct usb_ctrl_xfer x;
	enum usb_xfer_result res = USB_XFER_STALL;
	uint32_t poll_ms = 0;
	uint8_t *reply;
	int len;

	memcpy(ev.setup, m->setup, 8);
	capture(s, &ev);
	memset(&x, 0, sizeof(x));
	dfu_setup_decode(m->setup, 8, &x.setup);

	if (m->base.ep != 0) {
		slog(s, "usbip: %s: URB %u for endpoint %u, which the device does not have: "
			"stalled",
		     c->peer, (unsigned)m->base.seqnum, (unsigned)m->base.ep);
	} else if (dfu_setup_is_in(&x.setup) != dir_in) {
		slog(s, "usbip: %s: URB %u direction %s disagrees with bmRequestType 0x%02X: "
			"stalled",
		     c->peer, (unsigned)m->base.seqnum, dir_in ? "IN" : "OUT",
		     x.setup.bmRequestType);
	} else {
		uint64_t now = usbip_server_board_now(s, idx);

		if (s->cfg.bus_reset_heuristic && c->configured &&
		    is_std_request(&x.setup, 0x80, USB_REQ_GET_DESCRIPTOR) &&
		    (x.setup.wValue >> 8) == USB_DT_DEVICE && x.setup.wLength == 64) {
			slog(s, "usbip: %s: GET_DESCRIPTOR(DEVICE, 64) on a configured device: "
				"the host reset the port",
			     c->peer);
			sim_board_bus_reset(b, now);
			c->configured = false;
			if (!board_still_there(c)) {
				conn_unplug(c, "left the bus at the port reset");
				return;
			}
		}
		x.out = data;
		x.out_len = dir_in ? 0 : (size_t)m->transfer_buffer_length;
		x.in = s->scratch;
		x.in_cap = dir_in ? sizeof(s->scratch) : 0;
		x.now_us = now;
		res = sim_board_control(b, &x);
	}

	if (res == USB_XFER_NO_ANSWER) {
		ev.type = USBMON_COMPLETE;
		ev.setup_valid = false;
		ev.status = USBIP_STATUS_ENODEV;
		ev.length = 0;
		ev.data = NULL;
		ev.data_len = 0;
		capture(s, &ev);
		if (persist_if_changed(s, idx) < 0)
			slog(s, "usbip: %s: the chip changed but its state could not be saved",
			     c->peer);
		conn_unplug(c, "gave no answer (it is off the bus or resetting)");
		return;
	}
	if (persist_if_changed(s, idx) < 0) {
		conn_fail(c, DFU_E_IO, "the chip changed but its state could not be saved; the "
				       "transfer is not acknowledged");
		return;
	}
	if (res == USB_XFER_OK) {
		r.status = USBIP_STATUS_OK;
		if (dir_in) {
			size_t actual = x.actual;

			if (actual > (size_t)m->transfer_buffer_length)
				actual = (size_t)m->transfer_buffer_length;
			r.actual_length = (int32_t)actual;
		} else {
			r.actual_length = m->transfer_buffer_length;
		}
		if (is_std_request(&x.setup, 0x00, USB_REQ_SET_CONFIGURATION))
			c->configured = x.setup.wValue != 0;
		if (x.setup.bmRequestType == DFU_REQTYPE_IN && x.setup.bRequest == DFU_GETSTATUS &&
		    r.actual_length >= 4)
			poll_ms = dfu_get_le24(s->scratch + 1);
	} else {
		r.status = USBIP_STATUS_EPIPE;
		r.actual_length = 0;
	}

	reply = malloc(USBIP_HEADER_SIZE + (size_t)(dir_in ? r.actual_length : 0));
	if (!reply) {
		conn_fail(c, DFU_E_NOMEM, "out of memory for a reply");
		return;
	}
	len = usbip_ret_submit_encode(&r, dir_in, s->scratch, reply,
				      USBIP_HEADER_SIZE + (size_t)(dir_in ? r.actual_length : 0));
	if (len < 0) {
		free(reply);
		conn_fail(c, len, "cannot encode RET_SUBMIT: %s", dfu_strerror(len));
		return;
	}
	ev.type = USBMON_COMPLETE;
	ev.setup_valid = false;
	ev.status = r.status;
	ev.length = (uint32_t)r.actual_length;
	ev.data = dir_in && r.actual_length ? reply + USBIP_HEADER_SIZE : NULL;
	ev.data_len = dir_in ? (uint32_t)r.actual_length : 0;

	if (poll_ms && s->cfg.realtime && !c->held.active) {
		c->held.active = true;
		c->held.seqnum = m->base.seqnum;
		c->held.release_us = mono_us(s) + (uint64_t)poll_ms * 1000u;
		c->held.msg = reply;
		c->held.len = (size_t)len;
		c->held.done = ev;
	} else {
		if (poll_ms && !s->cfg.realtime)
			s->skip_us[idx] += (uint64_t)poll_ms * 1000u; /* the host waited, virtually */
		capture(s, &ev);
		out_append(c, reply, (size_t)len);
		free(reply);
	}
	conn_check_board(c);
}

static void send_ret_unlink(struct usbip_conn *c, uint32_t seqnum, int32_t status)
{
	struct usbip_ret_unlink r = { .base = { USBIP_RET_UNLINK, seqnum, 0, 0, 0 },
				      .status = status };
	uint8_t msg[USBIP_HEADER_SIZE];

	usbip_ret_unlink_encode(&r, msg, sizeof(msg));
	out_append(c, msg, sizeof(msg));
}

static void handle_unlink(struct usbip_conn *c, const struct usbip_cmd_unlink *m)
{
	if (c->held.active && c->held.seqnum == m->unlink_seqnum) {
		c->held.done.status = USBIP_STATUS_ECONNRESET;
		c->held.done.length = 0;
		c->held.done.data = NULL;
		c->held.done.data_len = 0;
		capture(c->s, &c->held.done);
		free(c->held.msg);
		memset(&c->held, 0, sizeof(c->held));
		send_ret_unlink(c, m->base.seqnum, USBIP_STATUS_ECONNRESET);
		return;
	}
	for (unsigned i = 0; i < c->nqueue; i++) {
		if (c->queue[i].seqnum != m->unlink_seqnum)
			continue;
		free(c->queue[i].msg);
		memmove(&c->queue[i], &c->queue[i + 1], (c->nqueue - i - 1) * sizeof(c->queue[0]));
		c->nqueue--;
		send_ret_unlink(c, m->base.seqnum, USBIP_STATUS_ECONNRESET);
		return;
	}
	/* Served synchronously long ago: "already completed". */
	send_ret_unlink(c, m->base.seqnum, USBIP_STATUS_OK);
}

/* Run queued URBs until one is held again or the queue is empty. */
static void run_queue(struct usbip_conn *c)
{
	while (!c->held.active && c->nqueue && !c->dead && !c->closing) {
		struct queued_urb q = c->queue[0];
		struct usbip_cmd_submit m;
		const uint8_t *data = NULL;

		memmove(&c->queue[0], &c->queue[1], (c->nqueue - 1) * sizeof(c->queue[0]));
		c->nqueue--;
		if (usbip_cmd_submit_decode(q.msg, q.len, USBIP_SERVER_MAX_OUT, &m, &data, NULL) > 0)
			exec_submit(c, &m, data);
		free(q.msg);
	}
}

/* One message from the input, if complete. Returns its size, 0 when more
 * bytes are needed (or it must wait), negative when the connection died. */
static int conn_step(struct usbip_conn *c, const uint8_t *in, size_t len)
{
	struct dfu_diag diag = { 0 };
	int rc;

	if (c->phase == PHASE_OP) {
		struct usbip_op_common op;
		char busid[USBIP_BUSID_SIZE];

		rc = usbip_op_common_decode(in, len, &op, &diag);
		if (rc == DFU_E_TRUNCATED)
			return 0;
		if (rc < 0)
			goto malformed;
		if (op.code == USBIP_OP_REQ_DEVLIST) {
			rc = usbip_req_devlist_decode(in, len, &diag);
			if (rc < 0)
				goto malformed;
			reply_devlist(c);
			return rc;
		}
		if (op.code == USBIP_OP_REQ_IMPORT) {
			rc = usbip_req_import_decode(in, len, busid, &diag);
			if (rc == DFU_E_TRUNCATED)
				return 0;
			if (rc < 0)
				goto malformed;
			reply_import(c, busid);
			return rc;
		}
		dfu_diag_set(&diag, DFU_E_FORMAT, 2,
			     "operation code 0x%04x is neither OP_REQ_DEVLIST nor OP_REQ_IMPORT",
			     op.code);
		rc = DFU_E_FORMAT;
		goto malformed;
	}

	rc = usbip_peek_command(in, len, &diag);
	if (rc == DFU_E_TRUNCATED)
		return 0;
	if (rc < 0)
		goto malformed;
	if (rc == USBIP_CMD_SUBMIT) {
		struct usbip_cmd_submit m;
		const uint8_t *data = NULL;

		rc = usbip_cmd_submit_decode(in, len, USBIP_SERVER_MAX_OUT, &m, &data, &diag);
		if (rc == DFU_E_TRUNCATED)
			return 0;
		if (rc < 0)
			goto malformed;
		if (c->held.active || c->nqueue) {
			struct queued_urb *q;

			if (c->nqueue == USBIP_SERVER_QUEUE)
				return 0; /* wait for the held reply to go out */
			q = &c->queue[c->nqueue];
			q->msg = malloc((size_t)rc);
			if (!q->msg) {
				conn_fail(c, DFU_E_NOMEM, "out of memory for a queued URB");
				return DFU_E_NOMEM;
			}
			memcpy(q->msg, in, (size_t)rc);
			q->len = (size_t)rc;
			q->seqnum = m.base.seqnum;
			c->nqueue++;
			return rc;
		}
		exec_submit(c, &m, data);
		return rc;
	}
	if (rc == USBIP_CMD_UNLINK) {
		struct usbip_cmd_unlink m;

		rc = usbip_cmd_unlink_decode(in, len, &m, &diag);
		if (rc == DFU_E_TRUNCATED)
			return 0;
		if (rc < 0)
			goto malformed;
		handle_unlink(c, &m);
		return rc;
	}
	dfu_diag_set(&diag, DFU_E_FORMAT, 0, "a client sent %s, which only a server sends",
		     usbip_command_name((uint32_t)rc));
	rc = DFU_E_FORMAT;
malformed:
	conn_fail(c, rc, "malformed USB/IP stream (%s): %s", dfu_strerror(rc), diag.msg);
	return rc;
}

/* Handle every complete message in the input. */
static void conn_process(struct usbip_conn *c)
{
	size_t pos = 0;

	while (!c->dead && !c->closing && pos < c->in_len && out_pending(c) < CONN_OUT_HIGH) {
		int n = conn_step(c, c->in + pos, c->in_len - pos);

		if (n <= 0)
			break;
		pos += (size_t)n;
	}
	if (pos && !c->dead) {
		memmove(c->in, c->in + pos, c->in_len - pos);
		c->in_len -= pos;
	}
}

int usbip_conn_tick(struct usbip_conn *c)
{
	if (c->dead)
		return c->error ? c->error : DFU_E_IO;
	if (c->held.active && mono_us(c->s) >= c->held.release_us) {
		capture(c->s, &c->held.done);
		out_append(c, c->held.msg, c->held.len);
		free(c->held.msg);
		memset(&c->held, 0, sizeof(c->held));
	}
	/* Queued URBs run once nothing is held (released or unlinked). */
	run_queue(c);
	if (!c->closing && !c->dead)
		conn_process(c);
	return c->dead ? (c->error ? c->error : DFU_E_IO) : 0;
}

int usbip_conn_feed(struct usbip_conn *c, const uint8_t *in, size_t len)
{
	size_t room;

	if (c->dead)
		return c->error ? c->error : DFU_E_IO;
	if (c->closing)
		return (int)len; /* nobody listens any more: discard */
	room = CONN_IN_CAP - c->in_len;
	if (len > room)
		len = room;
	if (len > (size_t)INT32_MAX)
		len = INT32_MAX;
	memcpy(c->in + c->in_len, in, len);
	c->in_len += len;
	conn_process(c);
	if (c->dead)
		return c->error ? c->error : DFU_E_IO;
	return (int)len;
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

static void conn_update_events(struct usbip_conn *c)
{
	uint32_t want = 0;
	struct epoll_event ev;

	if (c->fd < 0 || c->dead)
		return;
	if (!c->closing && c->in_len < CONN_IN_CAP && out_pending(c) < CONN_OUT_HIGH)
		want |= EPOLLIN;
	if (out_pending(c))
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
			slog(s, "usbip: %s:%u refused: %u connections already open (the limit)", host,
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
			conn_unlink_and_free(c);
			continue;
		}
		c->events = EPOLLIN;
		slog(s, "usbip: %s connected", c->peer);
	}
}

static void conn_read(struct usbip_conn *c)
{
	while (!c->dead && !c->closing && c->in_len < CONN_IN_CAP &&
	       out_pending(c) < CONN_OUT_HIGH) {
		ssize_t n = recv(c->fd, c->in + c->in_len, CONN_IN_CAP - c->in_len, 0);

		if (n > 0) {
			c->in_len += (size_t)n;
			conn_process(c);
			continue;
		}
		if (n == 0) {
			if (c->in_len && !c->dead)
				slog(c->s, "usbip: %s closed the connection in the middle of a "
					   "message (%zu bytes unread)",
				     c->peer, c->in_len);
			else
				slog(c->s, "usbip: %s disconnected", c->peer);
			c->dead = true;
			conn_release_board(c);
			return;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK) {
			slog(c->s, "usbip: %s: receive failed: %s", c->peer, strerror(errno));
			c->dead = true;
			conn_release_board(c);
		}
		return;
	}
}

static void conn_write(struct usbip_conn *c)
{
	while (out_pending(c) && !c->dead) {
		ssize_t n = send(c->fd, c->out + c->out_off, out_pending(c), MSG_NOSIGNAL);

		if (n > 0) {
			usbip_conn_consume(c, (size_t)n);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		slog(c->s, "usbip: %s: send failed: %s", c->peer, n < 0 ? strerror(errno) : "?");
		c->dead = true;
		conn_release_board(c);
		return;
	}
}

/* Close what is finished: dead connections, closing ones that flushed. */
static void sweep(struct usbip_server *s)
{
	uint64_t now = mono_us(s);
	struct usbip_conn *c = s->conns, *next;

	for (; c; c = next) {
		next = c->next;
		if (c->fd < 0)
			continue; /* socket-less: their owner frees them */
		if (c->closing && !c->dead && !c->held.active &&
		    (!out_pending(c) || now - c->closing_since > CLOSE_GRACE_US))
			c->dead = true;
		if (c->closing && c->held.active && now - c->closing_since > CLOSE_GRACE_US)
			c->dead = true;
		if (c->dead)
			conn_unlink_and_free(c);
		else
			conn_update_events(c);
	}
}

static int next_timeout_ms(struct usbip_server *s, int timeout_ms)
{
	uint64_t now = mono_us(s);

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
		conn_check_board(c);
		if (out_pending(c))
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
	if (board >= s->nboards)
		return;
	if (persist_if_changed(s, board) < 0)
		slog(s, "usbip: the state of board %zu changed but could not be saved", board + 1);
	if (s->importer[board])
		conn_check_board(s->importer[board]);
}
