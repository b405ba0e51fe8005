/*
 * usbip_conn.c - one USB/IP connection: bytes from the client in, replies
 * out ([usbip-protocol]; vhci's rules in [usbip-vhci]).
 *
 * Each connection is a small state machine over its input bytes: the
 * management phase (DEVLIST, IMPORT), then URBs. URBs are served
 * synchronously, so a RET_SUBMIT normally leaves before the next message is
 * read; the exception is `realtime`, where a GETSTATUS reply is held for its
 * bwPollTimeout and later URBs queue behind it (an unlink can still cancel
 * either). Nothing here touches a socket: the event loop (usbip_server.c)
 * only moves bytes in and out of the connection's buffers.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dfu/bytes.h"
#include "dfu/usb_desc.h"
#include "dfu/usbip_proto.h"
#include "usbip_internal.h"

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
	c->dev = -1;
	snprintf(c->peer, sizeof(c->peer), "in-process client");
	c->next = s->conns;
	s->conns = c;
	s->nconns++;
	return c;
}

void usbip_conn_release_dev(struct usbip_conn *c)
{
	if (c->dev >= 0 && c->s->importer[c->dev] == c)
		c->s->importer[c->dev] = NULL;
	c->dev = -1;
}

static void conn_drop_pending(struct usbip_conn *c)
{
	free(c->held.msg);
	memset(&c->held, 0, sizeof(c->held));
	for (unsigned i = 0; i < c->nqueue; i++)
		free(c->queue[i].msg);
	c->nqueue = 0;
}

void usbip_conn_free(struct usbip_conn *c)
{
	struct usbip_server *s;
	struct usbip_conn **pp;

	if (!c)
		return;
	s = c->s;
	for (pp = &s->conns; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			s->nconns--;
			break;
		}
	usbip_conn_release_dev(c);
	conn_drop_pending(c);
	free(c->in);
	free(c->out);
	free(c);
}

size_t usbip_conn_pending(const struct usbip_conn *c)
{
	return c->out_len - c->out_off;
}

size_t usbip_conn_output(const struct usbip_conn *c, const uint8_t **out)
{
	*out = c->out ? c->out + c->out_off : NULL;
	return usbip_conn_pending(c);
}

void usbip_conn_consume(struct usbip_conn *c, size_t n)
{
	if (n > usbip_conn_pending(c))
		n = usbip_conn_pending(c);
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
	usbip_srv_log(c->s, "usbip: %s: %s; closing this connection", c->peer, msg);
	c->dead = true;
	c->error = err;
	usbip_conn_release_dev(c);
}

/* Stop reading; close once the output is flushed and nothing is held. */
static void conn_close_after_flush(struct usbip_conn *c, int err)
{
	if (c->closing || c->dead)
		return;
	c->closing = true;
	c->closing_since = usbip_srv_mono_us(c->s);
	c->error = err;
}

static int out_append(struct usbip_conn *c, const uint8_t *p, size_t n)
{
	if (c->out_off && c->out_off == c->out_len)
		c->out_off = c->out_len = 0;
	if (c->out_len + n > c->out_cap) {
		size_t cap = c->out_cap ? c->out_cap : 4096;
		uint8_t *nb;

		if (usbip_conn_pending(c) + n > CONN_OUT_MAX) {
			conn_fail(c, DFU_E_NOSPACE, "client does not read its replies (%zu bytes "
						    "waiting)", usbip_conn_pending(c));
			return DFU_E_NOSPACE;
		}
		/* Compact first, then grow. */
		if (c->out_off) {
			memmove(c->out, c->out + c->out_off, usbip_conn_pending(c));
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

/* The device record and interface records of a device on the bus, from
 * the descriptors of its device core. */
static int describe_dev(struct usbip_server *s, size_t i, struct usbip_usb_device *d,
			struct usbip_usb_interface *intf)
{
	const struct usb_device *u = usbip_srv_dev_present(s, i) ? sim_bus_dev_usb(&s->devs[i])
								   : NULL;
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

	for (size_t i = 0; i < s->ndevs; i++) {
		if (describe_dev(s, i, &e[n].dev, s->intf[n]) < 0)
			continue;
		e[n].intf = s->intf[n];
		n++;
	}
	len = usbip_rep_devlist_encode(e, n, s->scratch, sizeof(s->scratch));
	if (len < 0) {
		conn_fail(c, len, "cannot encode the device list: %s", dfu_strerror(len));
		return;
	}
	usbip_srv_log(s, "usbip: %s: listed %zu of %zu devices", c->peer, n, s->ndevs);
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
	const struct sim_bus_dev *dev = idx >= 0 ? &s->devs[idx] : NULL;
	int len;

	if (!dev) {
		usbip_srv_log(s, "usbip: %s: import of busid \"%s\" refused: no such device "
				 "(busids are 1-1 to 1-%zu)",
			      c->peer, busid, s->ndevs);
		status = USBIP_ST_NODEV;
	} else if (s->importer[idx]) {
		usbip_srv_log(s, "usbip: %s: import of %s refused: already imported by %s", c->peer,
			      busid, s->importer[idx]->peer);
		status = USBIP_ST_DEV_BUSY;
	} else if (!usbip_srv_dev_present(s, (size_t)idx)) {
		usbip_srv_log(s, "usbip: %s: import of %s refused: nothing of it is on the USB bus "
				 "now",
			      c->peer, busid);
		status = USBIP_ST_NODEV;
	} else if (describe_dev(s, (size_t)idx, &d, intf) < 0) {
		/* As with Linux's usbip-host, an import does not reset the
		 * device: vhci's port reset at attach stays on the client side
		 * ([usbip-vhci]), so the device keeps whatever state the previous
		 * importer left; hosts start with SET_CONFIGURATION/SET_INTERFACE. */
		usbip_srv_log(s, "usbip: %s: import of %s refused: its descriptors cannot be read",
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
	c->dev = idx;
	c->gen = sim_bus_dev_generation(dev);
	c->configured = false;
	s->importer[idx] = c;
	usbip_srv_log(s, "usbip: %s: imported %s (serial %s, bus generation %u)", c->peer, busid,
		      sim_bus_dev_serial(dev), (unsigned)c->gen);
}

/* ---- URB phase ---- */

static bool dev_still_there(struct usbip_conn *c)
{
	return usbip_srv_dev_present(c->s, (size_t)c->dev) &&
	       sim_bus_dev_generation(&c->s->devs[c->dev]) == c->gen;
}

/* The device this connection imported has gone: an unplug for the client. */
static void conn_unplug(struct usbip_conn *c, const char *why)
{
	char busid[USBIP_BUSID_SIZE];

	if (c->closing || c->dead)
		return;
	usbip_server_busid((size_t)c->dev, busid, sizeof(busid));
	usbip_srv_log(c->s, "usbip: %s: %s %s; closing the importer's connection (unplug)",
		      c->peer, busid, why);
	usbip_conn_release_dev(c);
	conn_close_after_flush(c, DFU_E_NODEV);
}

void usbip_conn_check_dev(struct usbip_conn *c)
{
	if (c->phase != PHASE_URB || c->dev < 0 || c->closing || c->dead)
		return;
	if (!usbip_srv_dev_present(c->s, (size_t)c->dev))
		conn_unplug(c, "left the USB bus");
	else if (sim_bus_dev_generation(&c->s->devs[c->dev]) != c->gen)
		conn_unplug(c, "re-enumerated");
}

static bool is_std_request(const struct dfu_setup *st, uint8_t type, uint8_t req)
{
	return st->bmRequestType == type && st->bRequest == req;
}

/* The URB's 'S' event as usbmon shows it, captured at once; `ev` becomes
 * its 'C' event later. */
static void capture_submit(struct usbip_conn *c, const struct usbip_cmd_submit *m,
			   const uint8_t *data, struct usbmon_event *ev)
{
	bool dir_in = m->base.direction == USBIP_DIR_IN;

	*ev = (struct usbmon_event){
		.id = ++c->s->urb_id,
		.type = USBMON_SUBMIT,
		.xfer_type = m->base.ep == 0 ? USBMON_XFER_CONTROL : USBMON_XFER_BULK,
		.epnum = (uint8_t)(m->base.ep | (dir_in ? USBMON_DIR_IN : 0)),
		.devnum = (uint8_t)(c->dev + 1),
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
	memcpy(ev->setup, m->setup, 8);
	capture(c->s, ev);
}

/* Turn the 'S' event into the URB's 'C' event. */
static void complete_event(struct usbmon_event *ev, int32_t status, uint32_t length,
			   const uint8_t *data, uint32_t data_len)
{
	ev->type = USBMON_COMPLETE;
	ev->setup_valid = false;
	ev->status = status;
	ev->length = length;
	ev->data = data;
	ev->data_len = data_len;
}

/* Only ep0 exists, and the URB's direction must agree with bmRequestType;
 * anything else stalls without reaching the board. */
static bool urb_acceptable(struct usbip_conn *c, const struct usbip_cmd_submit *m,
			   const struct dfu_setup *st)
{
	bool dir_in = m->base.direction == USBIP_DIR_IN;

	if (m->base.ep != 0) {
		usbip_srv_log(c->s, "usbip: %s: URB %u for endpoint %u, which the device does "
				    "not have: stalled",
			      c->peer, (unsigned)m->base.seqnum, (unsigned)m->base.ep);
		return false;
	}
	if (dfu_setup_is_in(st) != dir_in) {
		usbip_srv_log(c->s, "usbip: %s: URB %u direction %s disagrees with bmRequestType "
				    "0x%02X: stalled",
			      c->peer, (unsigned)m->base.seqnum, dir_in ? "IN" : "OUT",
			      st->bmRequestType);
		return false;
	}
	return true;
}

/* A GET_DESCRIPTOR(DEVICE, 64) on a configured device is the first request
 * after a port reset, which vhci never forwards ([usbip-vhci]): give the
 * board its bus reset first. False when the board left the bus at that reset
 * (the connection is then closing and the URB gets no reply). */
static bool port_reset_heuristic(struct usbip_conn *c, const struct dfu_setup *st, uint64_t now)
{
	if (!c->s->cfg.bus_reset_heuristic || !c->configured ||
	    !is_std_request(st, 0x80, USB_REQ_GET_DESCRIPTOR) || (st->wValue >> 8) != USB_DT_DEVICE ||
	    st->wLength != 64)
		return true;
	usbip_srv_log(c->s, "usbip: %s: GET_DESCRIPTOR(DEVICE, 64) on a configured device: the "
			    "host reset the port",
		      c->peer);
	sim_bus_dev_bus_reset(&c->s->devs[c->dev], now);
	c->configured = false;
	if (!dev_still_there(c)) {
		conn_unplug(c, "left the bus at the port reset");
		return false;
	}
	return true;
}

/* The control transfer on the board, at the board's virtual time. False
 * when the port-reset heuristic saw the board leave (no reply at all). */
static bool run_control(struct usbip_conn *c, const struct usbip_cmd_submit *m,
			const uint8_t *data, struct usb_ctrl_xfer *x, enum usb_xfer_result *res)
{
	struct usbip_server *s = c->s;
	bool dir_in = m->base.direction == USBIP_DIR_IN;
	uint64_t now = usbip_server_board_now(s, (size_t)c->dev);

	if (!port_reset_heuristic(c, &x->setup, now))
		return false;
	x->out = data;
	x->out_len = dir_in ? 0 : (size_t)m->transfer_buffer_length;
	x->in = s->scratch;
	x->in_cap = dir_in ? sizeof(s->scratch) : 0;
	x->now_us = now;
	*res = sim_bus_dev_control(&s->devs[c->dev], x);
	return true;
}

/* The board dropped off the bus instead of answering: the URB completes
 * with -ENODEV in the capture and the client sees an unplug. */
static void finish_without_answer(struct usbip_conn *c, struct usbmon_event *ev)
{
	complete_event(ev, USBIP_STATUS_ENODEV, 0, NULL, 0);
	capture(c->s, ev);
	if (usbip_srv_persist(c->s, (size_t)c->dev) < 0)
		usbip_srv_log(c->s, "usbip: %s: the chip changed but its state could not be saved",
			      c->peer);
	conn_unplug(c, "gave no answer (it is off the bus or resetting)");
}

/* RET_SUBMIT's status and length for the board's answer, following vhci's
 * rules (never more IN data than asked for; OUT: all taken). Notes what
 * the connection must remember, and returns a GETSTATUS reply's
 * bwPollTimeout in ms (0 for anything else). */
static uint32_t answer_to_ret(struct usbip_conn *c, const struct usbip_cmd_submit *m,
			      const struct usb_ctrl_xfer *x, enum usb_xfer_result res,
			      struct usbip_ret_submit *r)
{
	bool dir_in = m->base.direction == USBIP_DIR_IN;

	if (res != USB_XFER_OK) {
		r->status = USBIP_STATUS_EPIPE;
		r->actual_length = 0;
		return 0;
	}
	r->status = USBIP_STATUS_OK;
	if (dir_in)
		r->actual_length = (int32_t)(x->actual < (size_t)m->transfer_buffer_length
						     ? x->actual
						     : (size_t)m->transfer_buffer_length);
	else
		r->actual_length = m->transfer_buffer_length;
	if (is_std_request(&x->setup, 0x00, USB_REQ_SET_CONFIGURATION))
		c->configured = x->setup.wValue != 0;
	if (x->setup.bmRequestType == DFU_REQTYPE_IN && x->setup.bRequest == DFU_GETSTATUS &&
	    r->actual_length >= 4)
		return dfu_get_le24(c->s->scratch + 1);
	return 0;
}

/* The encoded RET_SUBMIT (IN data from the scratch buffer) in a fresh
 * allocation; NULL when the connection failed. */
static uint8_t *encode_ret(struct usbip_conn *c, const struct usbip_ret_submit *r, bool dir_in,
			   size_t *len)
{
	size_t cap = USBIP_HEADER_SIZE + (size_t)(dir_in ? r->actual_length : 0);
	uint8_t *reply = malloc(cap);
	int n;

	if (!reply) {
		conn_fail(c, DFU_E_NOMEM, "out of memory for a reply");
		return NULL;
	}
	n = usbip_ret_submit_encode(r, dir_in, c->s->scratch, reply, cap);
	if (n < 0) {
		free(reply);
		conn_fail(c, n, "cannot encode RET_SUBMIT: %s", dfu_strerror(n));
		return NULL;
	}
	*len = (size_t)n;
	return reply;
}

/* With `realtime`, a GETSTATUS reply waits bwPollTimeout of real time (one
 * held at a time); otherwise it leaves now and the board's clock jumps by
 * bwPollTimeout, as if the host had waited. Takes `reply`. */
static void hold_or_send(struct usbip_conn *c, uint32_t seqnum, uint8_t *reply, size_t len,
			 struct usbmon_event *done, uint32_t poll_ms)
{
	struct usbip_server *s = c->s;

	if (poll_ms && s->cfg.realtime && !c->held.active) {
		c->held.active = true;
		c->held.seqnum = seqnum;
		c->held.release_us = usbip_srv_mono_us(s) + (uint64_t)poll_ms * 1000u;
		c->held.msg = reply;
		c->held.len = len;
		c->held.done = *done;
		return;
	}
	if (poll_ms && !s->cfg.realtime)
		s->skip_us[c->dev] += (uint64_t)poll_ms * 1000u; /* the host waited, virtually */
	capture(s, done);
	out_append(c, reply, len);
	free(reply);
}

/* Serve one CMD_SUBMIT: capture, check, run it on the board, save what
 * changed before acknowledging it, then reply (or hold the reply). */
static void exec_submit(struct usbip_conn *c, const struct usbip_cmd_submit *m,
			const uint8_t *data)
{
	bool dir_in = m->base.direction == USBIP_DIR_IN;
	struct usbip_ret_submit r = { .base = { USBIP_RET_SUBMIT, m->base.seqnum, 0, 0, 0 } };
	struct usbmon_event ev;
	struct usb_ctrl_xfer x;
	enum usb_xfer_result res = USB_XFER_STALL;
	uint32_t poll_ms;
	uint8_t *reply;
	size_t len = 0;

	capture_submit(c, m, data, &ev);
	memset(&x, 0, sizeof(x));
	dfu_setup_decode(m->setup, 8, &x.setup);
	if (urb_acceptable(c, m, &x.setup) && !run_control(c, m, data, &x, &res))
		return;
	if (res == USB_XFER_NO_ANSWER) {
		finish_without_answer(c, &ev);
		return;
	}
	if (usbip_srv_persist(c->s, (size_t)c->dev) < 0) {
		conn_fail(c, DFU_E_IO, "the chip changed but its state could not be saved; the "
				       "transfer is not acknowledged");
		return;
	}
	poll_ms = answer_to_ret(c, m, &x, res, &r);
	reply = encode_ret(c, &r, dir_in, &len);
	if (!reply)
		return;
	complete_event(&ev, r.status, (uint32_t)r.actual_length,
		       dir_in && r.actual_length ? reply + USBIP_HEADER_SIZE : NULL,
		       dir_in ? (uint32_t)r.actual_length : 0);
	hold_or_send(c, m->base.seqnum, reply, len, &ev, poll_ms);
	usbip_conn_check_dev(c);
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
void usbip_conn_process(struct usbip_conn *c)
{
	size_t pos = 0;

	while (!c->dead && !c->closing && pos < c->in_len && usbip_conn_pending(c) < CONN_OUT_HIGH) {
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
	if (c->held.active && usbip_srv_mono_us(c->s) >= c->held.release_us) {
		capture(c->s, &c->held.done);
		out_append(c, c->held.msg, c->held.len);
		free(c->held.msg);
		memset(&c->held, 0, sizeof(c->held));
	}
	/* Queued URBs run once nothing is held (released or unlinked). */
	run_queue(c);
	if (!c->closing && !c->dead)
		usbip_conn_process(c);
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
	usbip_conn_process(c);
	if (c->dead)
		return c->error ? c->error : DFU_E_IO;
	return (int)len;
}
