/*
 * dfu11_device.c - a generic plain DFU 1.1 device (see dfu11_device.h).
 *
 * The state machine decides what every class request means in every state
 * (core's dfu_fsm); this file only keeps the bytes: where the next block
 * goes, what an upload reads, and which personality (DFU mode or the
 * "firmware" with its run-time interface) is on the bus.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dfu/error.h"
#include "dfu/usb_desc.h"
#include "sim/dfu11_device.h"

#define REQTYPE_TYPE(t) (((t) >> 5) & 3u)
#define REQTYPE_CLASS 1u
#define REQTYPE_RECIPIENT(t) ((t)&0x1Fu)
#define RECIP_INTERFACE 1u
#define DETACH_TIMEOUT_MS 1000u
#define BCD_DFU_1_1 0x0110 /* DFU 1.1 §4.1.3: bcdDFUVersion of a DFU 1.1 device */

void sim_dfu11_config_default(struct sim_dfu11_config *cfg, unsigned index)
{
	static char serials[8][16];
	memset(cfg, 0, sizeof(*cfg));
	cfg->vid = SIM_DFU11_VID;
	cfg->pid_dfu = SIM_DFU11_PID_DFU;
	cfg->pid_app = SIM_DFU11_PID_APP;
	snprintf(serials[index % 8], sizeof(serials[0]), "DFU11-%04u", index);
	cfg->serial = serials[index % 8];
	cfg->mem_size = 64 * 1024;
	cfg->transfer_size = 1024;
	cfg->max_packet0 = 64;
	cfg->manifest_tolerant = true;
	cfg->can_upload = true;
	cfg->block_us = 2000;
	cfg->manifest_us = 10000;
}

static uint8_t attributes(const struct sim_dfu11_config *c)
{
	return (uint8_t)(DFU_ATTR_CAN_DNLOAD | (c->can_upload ? DFU_ATTR_CAN_UPLOAD : 0) |
			 (c->manifest_tolerant ? DFU_ATTR_MANIFEST_TOLERANT : 0) |
			 (c->will_detach ? DFU_ATTR_WILL_DETACH : 0));
}

static void start_fsm(struct sim_dfu11 *d, enum dfu_state initial)
{
	const struct dfu_fsm_config fc = {
		.attributes = attributes(&d->cfg),
		.dfuse = false,
		.transfer_size = d->cfg.transfer_size,
		.detach_timeout_ms = DETACH_TIMEOUT_MS,
	};
	dfu_fsm_init(&d->fsm, &fc, initial);
}

/* The device drops off and enumerates again as `mode`. */
static void switch_to(struct sim_dfu11 *d, enum sim_dfu11_mode mode)
{
	d->mode = mode;
	d->bus_generation++;
	d->dl_started = false;
	if (mode == SIM_DFU11_DFU) {
		usb_device_bus_reset(&d->usb_dfu);
		start_fsm(d, DFU_STATE_IDLE);
	} else if (mode == SIM_DFU11_APP) {
		usb_device_bus_reset(&d->usb_app);
		start_fsm(d, DFU_STATE_APP_IDLE);
	}
}

/* What time alone does: a non-tolerant device with bitWillDetach leaves
 * dfuMANIFEST-WAIT-RESET by itself and the new firmware enumerates. */
static bool tick(struct sim_dfu11 *d, uint64_t now_us)
{
	if (d->mode != SIM_DFU11_DFU)
		return false;
	dfu_fsm_advance(&d->fsm, now_us);
	if (dfu_fsm_state(&d->fsm) == DFU_STATE_MANIFEST_WAIT_RESET && d->cfg.will_detach) {
		switch_to(d, SIM_DFU11_APP);
		return true;
	}
	return false;
}

static enum usb_xfer_result refuse(struct sim_dfu11 *d, enum dfu_status status)
{
	dfu_fsm_fail(&d->fsm, status);
	return USB_XFER_STALL;
}

static enum usb_xfer_result store_block(struct sim_dfu11 *d, struct usb_ctrl_xfer *x,
					const struct dfu_step *step)
{
	if (step->from == DFU_STATE_IDLE) {
		/* DFU 1.1 §7.1.1: a download starts at block 0 (modelling choice:
		 * strict, so a host that starts elsewhere is caught). */
		if (step->block != 0)
			return refuse(d, DFU_STATUS_ERR_ADDRESS);
		d->dl_off = 0;
		d->next_block = 0;
		d->dl_started = true;
	}
	if (!d->dl_started || step->block != d->next_block)
		return refuse(d, DFU_STATUS_ERR_ADDRESS);
	if (step->length > d->cfg.mem_size - d->dl_off)
		return refuse(d, DFU_STATUS_ERR_ADDRESS);
	memcpy(d->block, x->out, step->length);
	d->block_len = step->length;
	return USB_XFER_OK;
}

static void execute(struct sim_dfu11 *d, uint64_t now_us)
{
	memcpy(d->mem + d->dl_off, d->block, d->block_len);
	d->dl_off += d->block_len;
	d->next_block++;
	dfu_fsm_op_done(&d->fsm, DFU_STATUS_OK, d->cfg.block_us, dfu_poll_ms(d->cfg.block_us),
			now_us);
}

static void manifest(struct sim_dfu11 *d, uint64_t now_us)
{
	d->image_len = d->dl_off;
	d->manifested = d->image_len > 0;
	d->dl_started = false;
	d->manifestations++;
	dfu_fsm_op_done(&d->fsm, DFU_STATUS_OK, d->cfg.manifest_us,
			dfu_poll_ms(d->cfg.manifest_us), now_us);
}

static enum usb_xfer_result upload(struct sim_dfu11 *d, struct usb_ctrl_xfer *x,
				   const struct dfu_step *step)
{
	size_t n;

	if (step->from == DFU_STATE_IDLE)
		d->ul_off = 0;
	n = d->image_len - d->ul_off;
	if (n > step->length)
		n = step->length;
	usb_ctrl_reply(x, d->mem + d->ul_off, n);
	d->ul_off += x->actual;
	dfu_fsm_upload_done(&d->fsm, x->actual, step->length);
	return USB_XFER_OK;
}

static enum usb_xfer_result dfu_control(void *ctx, struct usb_device *dev, struct usb_ctrl_xfer *x)
{
	struct sim_dfu11 *d = ctx;
	const struct dfu_setup *s = &x->setup;
	struct dfu_step step;

	(void)dev;
	if (REQTYPE_TYPE(s->bmRequestType) != REQTYPE_CLASS ||
	    REQTYPE_RECIPIENT(s->bmRequestType) != RECIP_INTERFACE)
		return USB_XFER_STALL;
	switch (dfu_fsm_request(&d->fsm, s, x->now_us, &step)) {
	case DFU_ACT_IGNORE:
		return USB_XFER_NO_ANSWER; /* dfuMANIFEST-WAIT-RESET */
	case DFU_ACT_ACK:
		if (s->bRequest == DFU_ABORT)
			d->dl_started = false;
		return USB_XFER_OK;
	case DFU_ACT_STORE_BLOCK:
		return store_block(d, x, &step);
	case DFU_ACT_EXECUTE:
		execute(d, x->now_us);
		return usb_ctrl_reply_dfu_status(x, &d->fsm);
	case DFU_ACT_MANIFEST:
		manifest(d, x->now_us);
		return usb_ctrl_reply_dfu_status(x, &d->fsm);
	case DFU_ACT_UPLOAD:
		return upload(d, x, &step);
	case DFU_ACT_STATUS:
		return usb_ctrl_reply_dfu_status(x, &d->fsm);
	case DFU_ACT_STATE:
		return usb_ctrl_reply_dfu_state(x, &d->fsm);
	case DFU_ACT_DETACH:
	case DFU_ACT_STALL:
	default:
		return USB_XFER_STALL;
	}
}

static enum usb_xfer_result app_control(void *ctx, struct usb_device *dev, struct usb_ctrl_xfer *x)
{
	struct sim_dfu11 *d = ctx;
	const struct dfu_setup *s = &x->setup;
	struct dfu_step step;

	(void)dev;
	if (REQTYPE_TYPE(s->bmRequestType) != REQTYPE_CLASS ||
	    REQTYPE_RECIPIENT(s->bmRequestType) != RECIP_INTERFACE)
		return USB_XFER_STALL;
	switch (dfu_fsm_request(&d->fsm, s, x->now_us, &step)) {
	case DFU_ACT_STATUS:
		return usb_ctrl_reply_dfu_status(x, &d->fsm);
	case DFU_ACT_STATE:
		return usb_ctrl_reply_dfu_state(x, &d->fsm);
	case DFU_ACT_DETACH:
		d->detaches++;
		if (d->cfg.will_detach)
			switch_to(d, SIM_DFU11_DFU); /* acknowledged, then it re-enumerates */
		/* otherwise appDETACH: a bus reset within wDetachTimeOut enters DFU mode */
		return USB_XFER_OK;
	default:
		return USB_XFER_STALL;
	}
}

enum usb_xfer_result sim_dfu11_control(struct sim_dfu11 *d, struct usb_ctrl_xfer *x)
{
	if (tick(d, x->now_us) || d->mode == SIM_DFU11_OFF)
		return USB_XFER_NO_ANSWER;
	return usb_device_control(d->mode == SIM_DFU11_DFU ? &d->usb_dfu : &d->usb_app, x);
}

void sim_dfu11_tick(struct sim_dfu11 *d, uint64_t now_us)
{
	(void)tick(d, now_us);
}

void sim_dfu11_bus_reset(struct sim_dfu11 *d, uint64_t now_us)
{
	enum dfu_reset_outcome out;

	if (d->mode == SIM_DFU11_OFF || tick(d, now_us))
		return;
	d->bus_resets++;
	out = dfu_fsm_usb_reset(&d->fsm, now_us);
	if (d->mode == SIM_DFU11_APP) {
		if (out == DFU_RESET_ENTER_DFU)
			switch_to(d, SIM_DFU11_DFU);
		else
			usb_device_bus_reset(&d->usb_app);
		return;
	}
	/* DFU mode: after manifestation (or any reset once firmware is in
	 * place) the new firmware starts; otherwise back to dfuIDLE. */
	if (out == DFU_RESET_RUN_APP || d->manifested)
		switch_to(d, SIM_DFU11_APP);
	else
		usb_device_bus_reset(&d->usb_dfu);
	d->dl_started = false;
}

/* ---- as a device on a port ---- */

static bool bus_on_bus(void *dev)
{
	return sim_dfu11_on_bus(dev);
}

static uint32_t bus_generation(void *dev)
{
	return ((const struct sim_dfu11 *)dev)->bus_generation;
}

static enum usb_xfer_result bus_control(void *dev, struct usb_ctrl_xfer *x)
{
	return sim_dfu11_control(dev, x);
}

static void bus_reset_op(void *dev, uint64_t now_us)
{
	sim_dfu11_bus_reset(dev, now_us);
}

static const struct usb_device *bus_usb(void *dev)
{
	const struct sim_dfu11 *d = dev;

	if (d->mode == SIM_DFU11_DFU)
		return &d->usb_dfu;
	return d->mode == SIM_DFU11_APP ? &d->usb_app : NULL;
}

static const char *bus_serial(void *dev)
{
	return ((const struct sim_dfu11 *)dev)->serial;
}

static void bus_tick(void *dev, uint64_t now_us)
{
	sim_dfu11_tick(dev, now_us);
}

static void bus_power(void *dev, bool on, uint64_t now_us)
{
	struct sim_dfu11 *d = dev;

	/* Unplugged: off the bus. Plugged in again: as at power-on, the
	 * firmware if one was manifested, else DFU mode. */
	(void)now_us;
	if (!on)
		d->mode = SIM_DFU11_OFF;
	else if (d->mode == SIM_DFU11_OFF)
		switch_to(d, d->manifested ? SIM_DFU11_APP : SIM_DFU11_DFU);
}

static const struct sim_bus_dev_ops dfu11_bus_ops = {
	.on_bus = bus_on_bus,
	.generation = bus_generation,
	.control = bus_control,
	.bus_reset = bus_reset_op,
	.usb = bus_usb,
	.serial = bus_serial,
	.tick = bus_tick,
	.power = bus_power,
};

struct sim_bus_dev sim_dfu11_bus_dev(struct sim_dfu11 *d)
{
	struct sim_bus_dev b = { &dfu11_bus_ops, d };
	return b;
}

/* ---- construction ---- */

static int build(struct sim_dfu11 *d, struct usb_device *u, bool app,
		 const struct usb_class_driver *drv)
{
	const struct usb_device_desc dd = {
		.bcdUSB = 0x0200,
		.bMaxPacketSize0 = d->cfg.max_packet0,
		.idVendor = d->cfg.vid,
		.idProduct = app ? d->cfg.pid_app : d->cfg.pid_dfu,
		.bcdDevice = app ? 0x0100 : 0x0001,
		.iManufacturer = 1,
		.iProduct = 2,
		.iSerialNumber = 3,
		.bNumConfigurations = 1,
	};
	const struct usb_config_desc cd = {
		.bConfigurationValue = 1,
		.bmAttributes = USB_CONFIG_ATT_ONE,
		.bMaxPower = 50,
	};
	const struct dfu_func_desc fd = {
		.bmAttributes = attributes(&d->cfg),
		.wDetachTimeOut = DETACH_TIMEOUT_MS,
		.wTransferSize = d->cfg.transfer_size,
		.bcdDFUVersion = BCD_DFU_1_1,
	};
	struct usb_interface_desc id = {
		.bInterfaceClass = USB_CLASS_APP_SPEC,
		.bInterfaceSubClass = USB_SUBCLASS_DFU,
		.bInterfaceProtocol = app ? USB_PROTO_DFU_RUNTIME : USB_PROTO_DFU_MODE,
	};
	uint8_t func[DFU_FUNC_DESC_SIZE];
	int rc, idx;

	rc = usb_device_init(u, &dd, &cd, drv);
	if (rc == 0 && (usb_device_add_string(u, "dfulab") < 0 ||
			usb_device_add_string(u, app ? "DFU 1.1 test device (firmware)"
						     : "DFU 1.1 test device (DFU mode)") < 0 ||
			usb_device_add_string(u, d->serial) < 0))
		rc = DFU_E_INVAL;
	if (rc == 0) {
		idx = usb_device_add_string(u, app ? "run-time" : "memory");
		id.iInterface = idx > 0 ? (uint8_t)idx : 0;
		rc = usb_device_add_interface(u, &id);
	}
	if (rc == 0 && dfu_func_desc_encode(&fd, func, sizeof(func)) < 0)
		rc = DFU_E_INVAL;
	if (rc == 0)
		rc = usb_device_add_raw(u, func, sizeof(func));
	return rc;
}

int sim_dfu11_init(struct sim_dfu11 *d, const struct sim_dfu11_config *cfg)
{
	const struct usb_class_driver dfu_drv = { .control = dfu_control, .ctx = d };
	const struct usb_class_driver app_drv = { .control = app_control, .ctx = d };
	int rc;

	memset(d, 0, sizeof(*d));
	if (!cfg || cfg->mem_size == 0 || cfg->transfer_size > SIM_DFU11_XFER_MAX ||
	    (cfg->max_packet0 != 8 && cfg->max_packet0 != 16 && cfg->max_packet0 != 32 &&
	     cfg->max_packet0 != 64))
		return DFU_E_INVAL;
	d->cfg = *cfg;
	snprintf(d->serial, sizeof(d->serial), "%s", cfg->serial ? cfg->serial : "");
	d->cfg.serial = d->serial;
	d->mem = malloc(cfg->mem_size);
	if (!d->mem)
		return DFU_E_NOMEM;
	memset(d->mem, 0xFF, cfg->mem_size);
	rc = build(d, &d->usb_dfu, false, &dfu_drv);
	if (rc == 0)
		rc = build(d, &d->usb_app, true, &app_drv);
	if (rc) {
		free(d->mem);
		d->mem = NULL;
		return rc;
	}
	d->manifested = cfg->start_in_app;
	switch_to(d, cfg->start_in_app ? SIM_DFU11_APP : SIM_DFU11_DFU);
	return 0;
}

void sim_dfu11_free(struct sim_dfu11 *d)
{
	free(d->mem);
	d->mem = NULL;
	d->mode = SIM_DFU11_OFF;
}
