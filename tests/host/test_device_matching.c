/* test_device_matching.c - which devices dfu-flash takes, by dfu-util
 * 0.11's rules, on a fake bus (no emulator): dfu_match_alt's per-mode IDs,
 * serials and -a, dfu_probe's counts, and dfu-flash's -l, -w, -e and -D
 * over run-time and DFU-mode devices, a USB hub, a device that appears
 * late and one the transport cannot open. The fake devices answer every
 * GETSTATUS with dfuIDLE/appIDLE and accept every OUT request; the tests
 * look at what was matched and which requests were sent, not at flashing
 * (tests/lab does that against emulated boards). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dfu/bytes.h"
#include "dfu/usb_desc.h"
#include "host/cli.h"
#include "host/dfu_select.h"
#include "host/xport.h"
#include "cli_harness.h"
#include "text_assert.h"

#define MAX_DEVS 6
#define OUT_MAX 16384

/* ---- the fake bus ---- */

struct fake_dev {
	struct xport_dev_info info;
	unsigned appears_at;	/* visible from this enumeration on (0: always) */
	unsigned detaches, resets;
};

struct bus {
	struct fake_dev dev[MAX_DEVS];
	size_t n;
	unsigned enumerations, requests;
	uint64_t now_us;
};

static int bus_enumerate(void *ctx, xport_enum_fn cb, void *cb_ctx)
{
	struct bus *b = ctx;
	int seen = 0;

	b->enumerations++;
	for (size_t i = 0; i < b->n; i++) {
		if (b->dev[i].appears_at > b->enumerations)
			continue;
		seen++;
		if (cb(cb_ctx, &b->dev[i].info))
			break;
	}
	return seen;
}

static int bus_open(void *ctx, const struct xport_dev_info *dev, struct xport_handle **h)
{
	struct bus *b = ctx;

	for (size_t i = 0; i < b->n; i++)
		if (strcmp(b->dev[i].info.path, dev->path) == 0) {
			*h = (struct xport_handle *)(void *)&b->dev[i];
			return 0;
		}
	return DFU_E_NODEV;
}

static void bus_close(void *ctx, struct xport_handle *h)
{
	(void)ctx;
	(void)h;
}

static int bus_control(void *ctx, struct xport_handle *h, const struct dfu_setup *s,
		       const uint8_t *out, uint8_t *in, unsigned timeout_ms)
{
	struct bus *b = ctx;
	struct fake_dev *d = (struct fake_dev *)(void *)h;
	bool runtime = false;
	(void)out;
	(void)timeout_ms;

	b->requests++;
	b->now_us += 1000;
	if ((s->bmRequestType & 0x60) == 0x20 && s->bRequest == DFU_DETACH)
		d->detaches++;
	if (!dfu_setup_is_in(s))
		return s->wLength;
	if (s->bRequest == DFU_GETSTATUS && s->wLength >= 6) {
		struct usb_config_iter it;
		struct usb_alt_info a;
		if (usb_config_iter_init(&it, d->info.config, d->info.config_len, NULL) == 0 &&
		    usb_config_next_alt(&it, &a) == 1)
			runtime = a.intf.bInterfaceProtocol == USB_PROTO_DFU_RUNTIME;
		memset(in, 0, 6);
		in[4] = runtime ? DFU_STATE_APP_IDLE : DFU_STATE_IDLE;
		return 6;
	}
	return DFU_E_STALL;
}

static int bus_reset(void *ctx, struct xport_handle *h)
{
	(void)ctx;
	((struct fake_dev *)(void *)h)->resets++;
	return 0;
}

static void bus_sleep(void *ctx, uint32_t ms)
{
	((struct bus *)ctx)->now_us += (uint64_t)ms * 1000;
}

static uint64_t bus_now(void *ctx)
{
	return ((struct bus *)ctx)->now_us;
}

static const struct xport_ops bus_ops = {
	.name = "fake",
	.enumerate = bus_enumerate,
	.open = bus_open,
	.close = bus_close,
	.control = bus_control,
	.reset = bus_reset,
	.sleep_ms = bus_sleep,
	.now_us = bus_now,
};

/* What a device on the fake bus is. */
struct dev_spec {
	uint16_t vid, pid;
	const char *serial;
	uint8_t cls;		/* 0xFE: DFU; anything else: a device without DFU */
	uint8_t protocol;	/* 1 run time, 2 DFU mode */
	uint8_t nalts;		/* alt settings 0 .. nalts-1, named "alt N" */
	bool will_detach;
	int open_error;
	unsigned appears_at;
};

/* Device k goes to port 1-(k+1), bus address k+1. */
static struct fake_dev *add_dev(struct bus *b, const struct dev_spec *sp)
{
	struct fake_dev *d = &b->dev[b->n];
	struct xport_dev_info *x = &d->info;
	const struct usb_device_desc dd = { .bcdUSB = 0x0200, .bMaxPacketSize0 = 64,
					    .idVendor = sp->vid, .idProduct = sp->pid,
					    .bcdDevice = 0x0100, .iSerialNumber = 3,
					    .bNumConfigurations = 1 };
	struct usb_config_desc cd = { .bNumInterfaces = 1, .bConfigurationValue = 1,
				      .bmAttributes = 0x80, .bMaxPower = 50 };
	const struct dfu_func_desc fd = { sp->will_detach ? 0x0F : 0x07, 255, 1024,
					  sp->protocol == USB_PROTO_DFU_MODE ? 0x011A : 0x0110 };
	size_t len = USB_DT_CONFIG_SIZE;
	char name[16];

	assert_true(b->n < MAX_DEVS);
	memset(d, 0, sizeof(*d));
	usb_device_desc_encode(&dd, x->device_desc, sizeof(x->device_desc));
	for (uint8_t alt = 0; alt < sp->nalts; alt++) {
		const struct usb_interface_desc id = { .bAlternateSetting = alt,
						       .bInterfaceClass = sp->cls,
						       .bInterfaceSubClass = 1,
						       .bInterfaceProtocol = sp->protocol,
						       .iInterface = (uint8_t)(4 + alt) };
		int n = usb_interface_desc_encode(&id, x->config + len, sizeof(x->config) - len);
		assert_true(n > 0);
		len += (size_t)n;
		if (alt == 0 && sp->cls == USB_CLASS_APP_SPEC) {
			n = dfu_func_desc_encode(&fd, x->config + len, sizeof(x->config) - len);
			assert_true(n > 0);
			len += (size_t)n;
		}
		if (!sp->open_error) {
			snprintf(name, sizeof(name), "alt %u", alt);
			xport_dev_add_string(x, id.iInterface, name);
		}
	}
	cd.wTotalLength = (uint16_t)len;
	usb_config_desc_encode(&cd, x->config, USB_DT_CONFIG_SIZE);
	x->config_len = len;
	x->vid = sp->vid;
	x->pid = sp->pid;
	x->bcd_device = 0x0100;
	x->devnum = (uint8_t)(b->n + 1);
	snprintf(x->path, sizeof(x->path), "1-%zu", b->n + 1);
	if (!sp->open_error && sp->serial) {
		snprintf(x->serial, sizeof(x->serial), "%s", sp->serial);
		xport_dev_add_string(x, 3, sp->serial);
	}
	x->open_error = sp->open_error;
	d->appears_at = sp->appears_at;
	b->n++;
	return d;
}

static const struct dev_spec ROM = { 0x0483, 0xDF11, "ROM1", 0xFE, 2, 2, false, 0, 0 };
static const struct dev_spec APP = { 0x1234, 0x0001, "APP1", 0xFE, 1, 1, false, 0, 0 };
static const struct dev_spec HUB = { 0x1d6b, 0x0002, NULL, 0x09, 0, 1, false, 0, 0 };

struct fx {
	struct bus bus;
	struct xport x;
	struct cli_files files;
	char out[OUT_MAX], err[OUT_MAX];
};

static struct fx *fx_new(void)
{
	struct fx *f = calloc(1, sizeof(*f));
	static const uint8_t fw[64] = { 1, 2, 3 };

	assert_non_null(f);
	f->x.ops = &bus_ops;
	f->x.ctx = &f->bus;
	cli_files_init(&f->files, "matching");
	cli_write_file(f->files.fw, fw, sizeof(fw));
	return f;
}

static void fx_free(struct fx *f)
{
	cli_files_remove(&f->files);
	free(f);
}

static int run_v(struct fx *f, ...)
{
	const struct cli_capture c = { f->out, f->err, sizeof(f->out), sizeof(f->err) };
	const char *lead[] = { NULL };
	va_list ap;
	int rc;

	va_start(ap, f);
	rc = cli_run_args(&f->x, &c, lead, ap);
	va_end(ap);
	return rc;
}
#define run(f, ...) run_v((f), __VA_ARGS__, NULL)

/* The first alt setting `alt` of device `d` (any interface). */
static struct usb_alt_info alt_of(const struct fake_dev *d, uint8_t alt)
{
	struct usb_config_iter it;
	struct usb_alt_info a;

	assert_int_equal(usb_config_iter_init(&it, d->info.config, d->info.config_len, NULL), 0);
	while (usb_config_next_alt(&it, &a) == 1)
		if (a.intf.bAlternateSetting == alt)
			return a;
	fail_msg("no alt %u", alt);
	return a;
}

/* ---- dfu_match_alt: one alt setting ---- */

static void test_runtime_ids_select_the_runtime_device_and_leave_dfu_mode_open(void **st)
{
	struct fx *f = fx_new();
	struct fake_dev *rom = add_dev(&f->bus, &ROM), *app = add_dev(&f->bus, &APP);
	struct dev_spec other = APP;
	struct fake_dev *app2;
	struct dfu_match m;
	(void)st;

	other.pid = 0x0002;
	app2 = add_dev(&f->bus, &other);
	/* -d 1234:0001 in dfu-util: run-time IDs only, DFU mode any */
	dfu_match_any(&m);
	m.rt_vid = 0x1234;
	m.rt_pid = 0x0001;
	{
		struct usb_alt_info a0 = alt_of(rom, 0), r0 = alt_of(app, 0), o0 = alt_of(app2, 0);
		assert_int_equal(dfu_match_alt(&m, &rom->info, &a0), DFU_MATCH_DFU);
		assert_int_equal(dfu_match_alt(&m, &app->info, &r0), DFU_MATCH_RUNTIME);
		assert_int_equal(dfu_match_alt(&m, &app2->info, &o0), DFU_MATCH_NO);
		/* -d ,0483:df12: DFU-mode IDs only, no run-time device */
		dfu_match_any(&m);
		m.rt_vid = m.rt_pid = CLI_ID_NONE;
		m.vid = 0x0483;
		m.pid = 0xDF12;
		assert_int_equal(dfu_match_alt(&m, &rom->info, &a0), DFU_MATCH_NO);
		assert_int_equal(dfu_match_alt(&m, &app->info, &r0), DFU_MATCH_NO);
	}
	fx_free(f);
}

static void test_alt_and_serial_filters_follow_the_mode_of_the_alt(void **st)
{
	struct fx *f = fx_new();
	struct fake_dev *rom = add_dev(&f->bus, &ROM), *app = add_dev(&f->bus, &APP);
	struct usb_alt_info a0 = alt_of(rom, 0), a1 = alt_of(rom, 1), r0 = alt_of(app, 0);
	struct dfu_match m;
	(void)st;

	dfu_match_any(&m);
	m.alt = 1; /* -a 1 picks among DFU-mode alts; the run-time alt 0 stays */
	assert_int_equal(dfu_match_alt(&m, &rom->info, &a0), DFU_MATCH_NO);
	assert_int_equal(dfu_match_alt(&m, &rom->info, &a1), DFU_MATCH_DFU);
	assert_int_equal(dfu_match_alt(&m, &app->info, &r0), DFU_MATCH_RUNTIME);
	m.alt = -1;
	m.alt_name = "alt 0";
	assert_int_equal(dfu_match_alt(&m, &rom->info, &a1), DFU_MATCH_NO);
	assert_int_equal(dfu_match_alt(&m, &rom->info, &a0), DFU_MATCH_DFU);
	m.alt_name = "no such name";
	assert_int_equal(dfu_match_alt(&m, &app->info, &r0), DFU_MATCH_RUNTIME);
	/* -S APP1,ROM1: each mode its own serial */
	dfu_match_any(&m);
	m.rt_serial = "APP1";
	m.serial = "ROM1";
	assert_int_equal(dfu_match_alt(&m, &rom->info, &a0), DFU_MATCH_DFU);
	assert_int_equal(dfu_match_alt(&m, &app->info, &r0), DFU_MATCH_RUNTIME);
	m.serial = "APP1";
	assert_int_equal(dfu_match_alt(&m, &rom->info, &a0), DFU_MATCH_NO);
	fx_free(f);
}

static void test_a_device_that_cannot_be_opened_is_reported_not_matched(void **st)
{
	struct fx *f = fx_new();
	struct dev_spec locked = ROM;
	struct fake_dev *d;
	struct dfu_probe p;
	struct dfu_match m;
	(void)st;

	locked.open_error = DFU_E_IO;
	d = add_dev(&f->bus, &locked);
	add_dev(&f->bus, &HUB);
	dfu_match_any(&m);
	{
		struct usb_alt_info a0 = alt_of(d, 0);
		assert_int_equal(dfu_match_alt(&m, &d->info, &a0), DFU_MATCH_UNOPENED);
		/* filters that come before the open in dfu-util still refuse it */
		m.vid = 0x1111;
		assert_int_equal(dfu_match_alt(&m, &d->info, &a0), DFU_MATCH_NO);
	}
	dfu_match_any(&m);
	assert_int_equal(dfu_probe(&f->x, &m, &p), 2);
	assert_int_equal(p.entries, 0);
	assert_int_equal(p.ndev, 0);
	assert_int_equal(p.nunopened, 1);
	assert_string_equal(p.unopened[0].path, "1-1");
	assert_int_equal(p.unopened[0].open_error, DFU_E_IO);
	fx_free(f);
}

/* ---- dfu_probe ---- */

static void test_probe_counts_every_alt_as_dfu_util_does_and_each_device_once(void **st)
{
	struct fx *f = fx_new();
	struct dfu_probe p;
	struct dfu_match m;
	(void)st;

	add_dev(&f->bus, &HUB);
	add_dev(&f->bus, &ROM);
	add_dev(&f->bus, &APP);
	dfu_match_any(&m);
	assert_int_equal(dfu_probe(&f->x, &m, &p), 3);
	assert_int_equal(p.entries, 3);	/* two DFU-mode alts and one run-time alt */
	assert_int_equal(p.ndev, 2);	/* the hub is no DFU device */
	assert_int_equal(p.ndfu, 1);
	assert_int_equal(p.nruntime, 1);
	assert_true(p.dev[0].dfu_mode);
	assert_string_equal(p.dev[0].serial, "ROM1");
	assert_true(p.dev[1].runtime);
	assert_int_equal(p.dev[1].rt_intf, 0);
	assert_false(p.dev[1].rt_will_detach);
	assert_int_equal(f->bus.requests, 0); /* enumeration only */
	fx_free(f);
}

/* ---- dfu-flash -l ---- */

static void test_list_applies_alt_to_dfu_mode_only_and_warns_about_a_closed_device(void **st)
{
	struct fx *f = fx_new();
	struct dev_spec locked = ROM;
	(void)st;

	locked.vid = 0x0483;
	locked.pid = 0xDF11;
	locked.open_error = DFU_E_IO;
	add_dev(&f->bus, &ROM);
	add_dev(&f->bus, &APP);
	add_dev(&f->bus, &locked);
	add_dev(&f->bus, &HUB);
	assert_int_equal(run(f, "-l", "-a", "1"), 0);
	/* dfu-util prints the last interface found first */
	assert_string_equal(f->out,
			    "Found Runtime: [1234:0001] ver=0100, devnum=2, cfg=1, intf=0, "
			    "path=\"1-2\", alt=0, name=\"alt 0\", serial=\"APP1\"\n"
			    "Found DFU: [0483:df11] ver=0100, devnum=1, cfg=1, intf=0, "
			    "path=\"1-1\", alt=1, name=\"alt 1\", serial=\"ROM1\"\n");
	assert_has(f->err, "dfu-flash: cannot open DFU device 0483:df11 found on devnum 3 at 1-3 ");
	assert_has(f->err, "check its permissions");
	assert_lacks(f->out, "UNKNOWN");
	assert_int_equal(f->bus.requests, 0);
	fx_free(f);
}

/* ---- dfu-flash -w ---- */

static void test_wait_ignores_other_usb_devices_until_a_dfu_device_appears(void **st)
{
	struct fx *f = fx_new();
	struct dev_spec late = ROM;
	struct fake_dev *d;
	(void)st;

	add_dev(&f->bus, &HUB);
	late.appears_at = 6;
	d = add_dev(&f->bus, &late);
	/* -e on a DFU-mode device: dfu-util's plain DETACH */
	assert_int_equal(run(f, "-w", "-e", "-a", "0"), 0);
	assert_has(f->err, "waiting for a DFU device (run-time or DFU mode) that matches (-w)");
	assert_true(f->bus.enumerations >= 6);
	assert_true(f->bus.now_us >= 5 * 20 * 1000u); /* polled every 20 ms meanwhile */
	assert_int_equal(d->detaches, 1);
	fx_free(f);
}

static void test_wait_is_satisfied_by_a_runtime_device_which_is_then_detached(void **st)
{
	struct fx *f = fx_new();
	struct dev_spec late = APP;
	struct fake_dev *d;
	(void)st;

	late.appears_at = 3;
	d = add_dev(&f->bus, &late);
	assert_int_equal(run(f, "-w", "-e"), 0);
	assert_int_equal(f->bus.enumerations, 4); /* 3 probes, then finding it to detach */
	assert_int_equal(d->detaches, 1);
	assert_int_equal(d->resets, 1); /* no bitWillDetach: the host resets it */
	assert_has(f->err, "detached 1234:0001 serial APP1 at 1-1 into DFU mode");
	fx_free(f);
}

/* ---- more than one device ---- */

static void test_a_runtime_and_a_dfu_mode_device_both_matching_are_refused(void **st)
{
	struct fx *f = fx_new();
	(void)st;

	add_dev(&f->bus, &ROM);
	add_dev(&f->bus, &APP);
	assert_int_equal(run(f, "-a", "0", "-D", f->files.fw), CLI_EXIT_IOERR);
	assert_has(f->err, "dfu-flash: 2 DFU devices match, 1 of them in run-time mode: "
			   "0483:df11 serial ROM1 at 1-1 (DFU mode), 1234:0001 serial APP1 at 1-2 "
			   "(run-time); dfu-flash does not guess");
	assert_int_equal(f->bus.requests, 0); /* decided before any request */
	assert_int_equal(run(f, "-e"), CLI_EXIT_IOERR);
	assert_int_equal(f->bus.dev[1].detaches, 0);
	/* -d -:-,0483:df11 leaves the run-time device out: no doubt left */
	assert_int_equal(run(f, "-d", "-:-,0483:df11", "-a", "0", "-e"), 0);
	assert_int_equal(f->bus.dev[0].detaches, 1);
	assert_int_equal(f->bus.dev[1].detaches, 0);
	fx_free(f);
}

static void test_a_matching_device_that_cannot_be_opened_is_named_in_the_error(void **st)
{
	struct fx *f = fx_new();
	struct dev_spec locked = ROM;
	(void)st;

	locked.open_error = DFU_E_IO;
	add_dev(&f->bus, &locked);
	assert_int_equal(run(f, "-a", "0", "-D", f->files.fw), CLI_EXIT_IOERR);
	assert_has(f->err, "dfu-flash: cannot open DFU device 0483:df11 found on devnum 1 at 1-1");
	assert_has(f->err, "dfu-flash: cannot open DFU device 0483:df11 on devnum 1 at 1-1");
	assert_int_equal(f->bus.requests, 0);
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_runtime_ids_select_the_runtime_device_and_leave_dfu_mode_open),
		cmocka_unit_test(test_alt_and_serial_filters_follow_the_mode_of_the_alt),
		cmocka_unit_test(test_a_device_that_cannot_be_opened_is_reported_not_matched),
		cmocka_unit_test(test_probe_counts_every_alt_as_dfu_util_does_and_each_device_once),
		cmocka_unit_test(test_list_applies_alt_to_dfu_mode_only_and_warns_about_a_closed_device),
		cmocka_unit_test(test_wait_ignores_other_usb_devices_until_a_dfu_device_appears),
		cmocka_unit_test(test_wait_is_satisfied_by_a_runtime_device_which_is_then_detached),
		cmocka_unit_test(test_a_runtime_and_a_dfu_mode_device_both_matching_are_refused),
		cmocka_unit_test(test_a_matching_device_that_cannot_be_opened_is_named_in_the_error),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
