/* fuzz_host_session.c - the flasher's session engine against a device whose
 * every answer comes from the fuzz input.
 *
 * A fake transport (no emulator) presents one DfuSe device like ST's ROM and
 * answers each control transfer from the input: one byte picks the outcome
 * (OK, STALL, NO_DEVICE, TIMEOUT, IO); an IN answer then takes a length byte
 * (255: wLength, 254: one more than wLength) and that many data bytes. When the
 * input runs out, the device is gone. The engine then runs the seed job, an
 * upload, an option-byte read and write and a leave, whatever fails. It must
 * never read or write out of bounds, and must stop: a run that sends more
 * than MAX_REQUESTS transfers or sleeps more than a virtual day is a bug. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dfu/usb_desc.h"
#include "host/dfu_session.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_REQUESTS 20000u
#define A_DAY_US (24ull * 3600 * 1000000)

struct fz {
	const uint8_t *p;
	size_t n;
	uint64_t now_us;
	unsigned requests;
	struct xport_dev_info dev;
};

static int take(struct fz *f)
{
	if (f->n == 0)
		return -1;
	f->n--;
	return *f->p++;
}

static int fz_enumerate(void *ctx, xport_enum_fn cb, void *cb_ctx)
{
	struct fz *f = ctx;
	if (cb)
		cb(cb_ctx, &f->dev);
	return 1;
}

static int fz_open(void *ctx, const struct xport_dev_info *dev, struct xport_handle **h)
{
	(void)dev;
	*h = (struct xport_handle *)ctx;
	return 0;
}

static void fz_close(void *ctx, struct xport_handle *h)
{
	(void)ctx;
	(void)h;
}

static int fz_control(void *ctx, struct xport_handle *h, const struct dfu_setup *s,
		      const uint8_t *out, uint8_t *in, unsigned timeout_ms)
{
	struct fz *f = ctx;
	int kind, len;
	(void)h;
	(void)timeout_ms;

	if (++f->requests > MAX_REQUESTS)
		abort(); /* the engine does not stop */
	f->now_us += 1000;
	if (!dfu_setup_is_in(s) && s->wLength)
		(void)out[s->wLength - 1]; /* the engine owns wLength bytes */
	kind = take(f);
	if (kind < 0)
		return DFU_E_NODEV;
	switch (kind % 8) {
	case 5: return DFU_E_STALL;
	case 6: return DFU_E_NODEV;
	case 7: return kind & 0x80 ? DFU_E_TIMEOUT : DFU_E_IO;
	default: break;
	}
	if (!dfu_setup_is_in(s))
		return s->wLength;
	len = take(f);
	if (len < 0)
		return DFU_E_NODEV;
	/* 255: a full reply of wLength; 254: one byte more than asked for. */
	if (len == 255)
		len = s->wLength;
	else if (len == 254)
		len = s->wLength + 1;
	/* Fill what fits in wLength from the input; report `len`, which may
	 * be more, as a broken transport might. */
	for (int i = 0; i < len && i < s->wLength; i++) {
		int b = take(f);
		in[i] = (uint8_t)(b < 0 ? 0 : b);
	}
	return len;
}

static int fz_reset(void *ctx, struct xport_handle *h)
{
	(void)ctx;
	(void)h;
	return 0;
}

static void fz_sleep(void *ctx, uint32_t ms)
{
	struct fz *f = ctx;
	f->now_us += (uint64_t)ms * 1000;
	if (f->now_us > A_DAY_US)
		abort(); /* unbounded waiting */
}

static uint64_t fz_now(void *ctx)
{
	return ((struct fz *)ctx)->now_us;
}

static const struct xport_ops fz_ops = {
	.name = "fuzz",
	.enumerate = fz_enumerate,
	.open = fz_open,
	.close = fz_close,
	.control = fz_control,
	.reset = fz_reset,
	.sleep_ms = fz_sleep,
	.now_us = fz_now,
};

/* ST's ROM as enumeration shows it: flash alt 0, option bytes alt 1. */
static void make_device(struct xport_dev_info *d)
{
	const struct usb_device_desc dd = { .bcdUSB = 0x0100, .bMaxPacketSize0 = 64,
					    .idVendor = 0x0483, .idProduct = 0xDF11,
					    .bcdDevice = 0x2200, .iSerialNumber = 3,
					    .bNumConfigurations = 1 };
	struct usb_config_desc cd = { .bNumInterfaces = 1, .bConfigurationValue = 1,
				      .bmAttributes = 0xC0, .bMaxPower = 50 };
	const struct dfu_func_desc fd = { 0x0B, 255, 2048, 0x011A };
	size_t len = USB_DT_CONFIG_SIZE;

	memset(d, 0, sizeof(*d));
	usb_device_desc_encode(&dd, d->device_desc, sizeof(d->device_desc));
	for (uint8_t alt = 0; alt < 2; alt++) {
		const struct usb_interface_desc id = { .bAlternateSetting = alt,
						       .bInterfaceClass = 0xFE,
						       .bInterfaceSubClass = 1,
						       .bInterfaceProtocol = 2,
						       .iInterface = (uint8_t)(4 + alt) };
		len += (size_t)usb_interface_desc_encode(&id, d->config + len, sizeof(d->config) - len);
	}
	len += (size_t)dfu_func_desc_encode(&fd, d->config + len, sizeof(d->config) - len);
	cd.wTotalLength = (uint16_t)len;
	usb_config_desc_encode(&cd, d->config, USB_DT_CONFIG_SIZE);
	d->config_len = len;
	d->vid = 0x0483;
	d->pid = 0xDF11;
	snprintf(d->path, sizeof(d->path), "1-1");
	snprintf(d->serial, sizeof(d->serial), "FUZZ");
	xport_dev_add_string(d, 3, "FUZZ");
	xport_dev_add_string(d, 4, "@Internal Flash  /0x08000000/0064*0002Kg");
	xport_dev_add_string(d, 5, "@Option Bytes  /0x1FFF7800/01*040 e");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct dfu_session s;
	static struct fz f;
	static uint8_t image[5000], buf[6000];
	const struct xport x = { &fz_ops, &f };
	struct dfu_session_opts o;
	struct dfu_return_report rep;
	struct dfu_match m;
	struct dfu_dfuse_job job = { .address = 0x08000000, .data = image, .len = sizeof(image),
				     .verify = true, .leave = true, .await_return = true };
	size_t got;

	memset(&f, 0, sizeof(f));
	f.p = data;
	f.n = size;
	make_device(&f.dev);
	for (size_t i = 0; i < sizeof(image); i++)
		image[i] = (uint8_t)(i * 13);

	dfu_session_opts_default(&o);
	o.op_timeout_ms = 5000; /* keeps slow inputs fast; still bounded */
	o.reenum_timeout_ms = 200;
	dfu_match_any(&m);
	m.alt = 0;
	if (size && (data[0] & 1))
		o.transfer_size = 1024; /* the SET_ADDRESS-per-chunk path */
	if (dfu_session_open(&s, &x, &m, &o) == 0) {
		job.mass_erase = size > 1 && (data[1] & 1);
		(void)dfu_session_dfuse_flash(&s, &job, &rep);
	}
	if (dfu_session_open(&s, &x, &m, &o) == 0) {
		(void)dfu_session_upload(&s, 0x08000000, buf, sizeof(buf), &got);
		if (got > sizeof(buf))
			abort();
		if (dfu_session_ob_read(&s, buf, sizeof(buf), &got) == 0 && got <= 40)
			(void)dfu_session_ob_write(&s, buf, got);
		(void)dfu_session_to_idle(&s);
		(void)dfu_session_special(&s, DFUSE_READ_UNPROTECT, 0);
	}
	/* Every failure leaves a sentence. */
	if (strlen(dfu_session_errmsg(&s)) >= sizeof(s.err))
		abort();
	dfu_session_close(&s);
	return 0;
}
