/*
 * xport_inproc.c - the in-process transport over emulated USB devices
 * (sim/bus_device.h: boards and generic DFU 1.1 devices alike).
 *
 * The board answers control transfers synchronously; this file adds what a
 * host's USB stack adds around them: enumeration when a device appears,
 * device handles that die with the enumeration they were opened on, and a
 * clock. The clock is virtual: nothing here sleeps.
 */
#include <stdio.h>
#include <string.h>

#include "dfu/usb_desc.h"
#include "lab/xport_inproc.h"

#define FS_PACKET 64u

static struct xport_inproc *tp(void *ctx)
{
	return (struct xport_inproc *)ctx;
}

void xport_inproc_board_path(size_t board, char *out, size_t cap)
{
	snprintf(out, cap, "1-%zu", board + 1);
}

/* Device i: a board, or one of the devices added after them; all the
 * same to this file (sim/bus_device.h). */
static size_t ndevices(const struct xport_inproc *t)
{
	return t->ndevs;
}

static bool dev_on_bus(struct xport_inproc *t, size_t i)
{
	return sim_bus_dev_present(&t->dev[i], t->now_us);
}

static uint32_t dev_generation(const struct xport_inproc *t, size_t i)
{
	return sim_bus_dev_generation(&t->dev[i]);
}

static enum usb_xfer_result dev_control(struct xport_inproc *t, size_t i, struct usb_ctrl_xfer *x)
{
	return sim_bus_dev_control(&t->dev[i], x);
}

static void dev_bus_reset(struct xport_inproc *t, size_t i)
{
	sim_bus_dev_bus_reset(&t->dev[i], t->now_us);
}

/* Advance the clock by what a transfer of `bytes` data bytes costs. */
static void bus_cost(struct xport_inproc *t, size_t bytes)
{
	uint64_t packets = (bytes + FS_PACKET - 1) / FS_PACKET;
	t->now_us += t->bus.per_transfer_us + packets * t->bus.per_packet_us;
}

/*
 * One control transfer to board `i`, whatever its state. Returns bytes or
 * a negative dfu_err; `in` must hold s->wLength bytes for IN requests.
 */
static int board_control(struct xport_inproc *t, size_t i, const struct dfu_setup *s,
			 const uint8_t *out, uint8_t *in)
{
	uint8_t dummy[1];
	struct usb_ctrl_xfer x;
	enum usb_xfer_result r;
	bool is_in = dfu_setup_is_in(s);

	memset(&x, 0, sizeof(x));
	x.setup = *s;
	x.now_us = t->now_us;
	if (is_in) {
		x.in = in && s->wLength ? in : dummy;
		x.in_cap = s->wLength ? s->wLength : 0;
	} else {
		x.out = out;
		x.out_len = out ? s->wLength : 0;
	}
	t->transfers++;
	if (!dev_on_bus(t, i)) {
		bus_cost(t, 0);
		return DFU_E_NODEV;
	}
	r = dev_control(t, i, &x);
	bus_cost(t, is_in ? x.actual : x.out_len);
	switch (r) {
	case USB_XFER_OK:
		if (!is_in)
			return (int)x.out_len;
		/* The board is ours, but a transport never hands up more than
		 * was asked for: that is what the USB/IP client must enforce too. */
		if (x.actual > s->wLength)
			return DFU_E_IO;
		return (int)x.actual;
	case USB_XFER_STALL:
		return DFU_E_STALL;
	case USB_XFER_NO_ANSWER:
	default:
		return DFU_E_NODEV;
	}
}

struct ep0_ctx {
	struct xport_inproc *t;
	size_t i;
};

static int enumerate_ep0(void *ctx, const struct dfu_setup *s, const uint8_t *out, uint8_t *in)
{
	struct ep0_ctx *c = ctx;

	return board_control(c->t, c->i, s, out, in);
}

/* What the host's USB stack does when a device appears on a port. */
static int enumerate_board(struct xport_inproc *t, size_t i)
{
	struct xport_inproc_slot *sl = &t->slot[i];
	struct xport_dev_info *d = &sl->info;
	struct ep0_ctx c = { t, i };
	int n;

	memset(sl, 0, sizeof(*sl));
	n = xport_describe(d, enumerate_ep0, &c, &sl->config_value, NULL);
	if (n < 0)
		return n;
	xport_inproc_board_path(i, d->path, sizeof(d->path));
	/* Linux hands out addresses 1..127 in turn (usb_device address). */
	if (t->next_devnum == 0 || t->next_devnum > 127)
		t->next_devnum = 1;
	d->devnum = t->next_devnum++;
	d->enum_id = dev_generation(t, i);
	d->ref = i;
	sl->generation = dev_generation(t, i);
	sl->valid = true;
	t->enumerations++;
	return 0;
}

static int inproc_enumerate(void *ctx, xport_enum_fn cb, void *cb_ctx)
{
	struct xport_inproc *t = tp(ctx);
	int visited = 0;

	for (size_t i = 0; i < ndevices(t); i++) {
		struct xport_inproc_slot *sl = &t->slot[i];

		if (!dev_on_bus(t, i)) {
			sl->valid = false;
			continue;
		}
		if (!sl->valid || sl->generation != dev_generation(t, i)) {
			if (enumerate_board(t, i) < 0) {
				sl->valid = false; /* it fell off while being enumerated */
				continue;
			}
			/* It may have re-enumerated while we read it. */
			if (!dev_on_bus(t, i) || sl->generation != dev_generation(t, i)) {
				sl->valid = false;
				continue;
			}
		}
		visited++;
		if (cb && cb(cb_ctx, &sl->info))
			break;
	}
	return visited;
}

static struct xport_inproc_handle *handle_of(struct xport_inproc *t, struct xport_handle *h)
{
	struct xport_inproc_handle *ih = (struct xport_inproc_handle *)(void *)h;
	if (ih < t->handle || ih >= t->handle + XPORT_INPROC_MAX_HANDLES || !ih->used)
		return NULL;
	return ih;
}

static bool handle_alive(struct xport_inproc *t, const struct xport_inproc_handle *ih)
{
	return dev_on_bus(t, ih->board) && dev_generation(t, ih->board) == ih->generation;
}

static int inproc_open(void *ctx, const struct xport_dev_info *dev, struct xport_handle **h)
{
	struct xport_inproc *t = tp(ctx);
	size_t i = (size_t)dev->ref;

	*h = NULL;
	if (i >= ndevices(t))
		return DFU_E_NOTFOUND;
	if (!dev_on_bus(t, i) || dev_generation(t, i) != dev->enum_id)
		return DFU_E_NODEV;
	for (size_t k = 0; k < XPORT_INPROC_MAX_HANDLES; k++) {
		struct xport_inproc_handle *ih = &t->handle[k];
		if (ih->used)
			continue;
		ih->used = true;
		ih->board = i;
		ih->generation = dev->enum_id;
		*h = (struct xport_handle *)(void *)ih;
		return 0;
	}
	return DFU_E_BUSY;
}

static void inproc_close(void *ctx, struct xport_handle *h)
{
	struct xport_inproc_handle *ih = handle_of(tp(ctx), h);
	if (ih)
		ih->used = false;
}

static int inproc_control(void *ctx, struct xport_handle *h, const struct dfu_setup *s,
			  const uint8_t *out, uint8_t *in, unsigned timeout_ms)
{
	struct xport_inproc *t = tp(ctx);
	struct xport_inproc_handle *ih = handle_of(t, h);

	(void)timeout_ms; /* the board answers at once or never */
	if (!ih)
		return DFU_E_INVAL;
	if (!handle_alive(t, ih)) {
		bus_cost(t, 0);
		t->transfers++;
		return DFU_E_NODEV;
	}
	return board_control(t, ih->board, s, out, in);
}

static int inproc_reset(void *ctx, struct xport_handle *h)
{
	struct xport_inproc *t = tp(ctx);
	struct xport_inproc_handle *ih = handle_of(t, h);
	struct dfu_setup s = { .bmRequestType = 0x00, .bRequest = USB_REQ_SET_CONFIGURATION };

	if (!ih)
		return DFU_E_INVAL;
	if (!handle_alive(t, ih))
		return DFU_E_NODEV;
	dev_bus_reset(t, ih->board);
	t->now_us += 10000; /* USB 2.0 §7.1.7.5: reset signalling lasts at least 10 ms */
	if (!handle_alive(t, ih))
		return DFU_E_NODEV; /* it re-enumerated, as libusb's NOT_FOUND says */
	/* A device that stays reconfigures as it was, as libusb_reset_device does. */
	s.wValue = t->slot[ih->board].config_value;
	return board_control(t, ih->board, &s, NULL, NULL) < 0 ? DFU_E_NODEV : 0;
}

static void inproc_sleep_ms(void *ctx, uint32_t ms)
{
	struct xport_inproc *t = tp(ctx);
	t->now_us += (uint64_t)ms * 1000u;
	t->slept_us += (uint64_t)ms * 1000u;
}

static uint64_t inproc_now_us(void *ctx)
{
	return tp(ctx)->now_us;
}

static const struct xport_ops inproc_ops = {
	.name = "in-process",
	.enumerate = inproc_enumerate,
	.open = inproc_open,
	.close = inproc_close,
	.control = inproc_control,
	.reset = inproc_reset,
	.sleep_ms = inproc_sleep_ms,
	.now_us = inproc_now_us,
};

void xport_inproc_init(struct xport_inproc *t, struct sim_board *boards, size_t nboards,
		       uint64_t start_us)
{
	memset(t, 0, sizeof(*t));
	for (size_t i = 0; i < nboards && i < XPORT_INPROC_MAX_BOARDS; i++)
		t->dev[t->ndevs++] = sim_board_bus_dev(&boards[i]);
	t->now_us = start_us;
	t->next_devnum = 1;
}

struct xport xport_inproc(struct xport_inproc *t)
{
	struct xport x = { &inproc_ops, t };
	return x;
}

void xport_inproc_set_bus(struct xport_inproc *t, struct xport_inproc_bus bus)
{
	t->bus = bus;
}

int xport_inproc_add_device(struct xport_inproc *t, struct sim_bus_dev dev)
{
	if (!sim_bus_dev_valid(&dev))
		return DFU_E_INVAL;
	if (ndevices(t) >= XPORT_INPROC_MAX_BOARDS)
		return DFU_E_NOSPACE;
	t->dev[t->ndevs++] = dev;
	return 0;
}

int xport_inproc_add_dfu11(struct xport_inproc *t, struct sim_dfu11 *d)
{
	return xport_inproc_add_device(t, sim_dfu11_bus_dev(d));
}
