/* test_hostile_devices.c - dfu-flash, end to end through dfu_flash_run,
 * against devices that lie. A proxy transport sits in front of the
 * in-process one (an emulated STM32L412 ROM, or sim's generic DFU 1.1
 * device) and, by rule, cuts or inflates GETSTATUS and UPLOAD replies,
 * rewrites bState/bStatus/bwPollTimeout, makes the device vanish after N
 * data blocks, and damages descriptors and the DfuSe layout string as
 * enumeration reports them. Every case must end in a clean error that names
 * the value, with dfu-util's sysexits code, within bounded virtual time;
 * the ASan build runs them to catch any write past a buffer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "dfu/bytes.h"
#include "dfu/usb_desc.h"
#include "host/cli.h"
#include "lab/xport_inproc.h"
#include "sim/sim_board.h"
#include "cli_harness.h"
#include "image_builder.h"
#include "lab_fixture.h"

#define IMG 8192
#define OUT_MAX (64 * 1024)
#define NONE (-1)

/* ---- the lying proxy ---- */

struct rules {
	/* GETSTATUS number `gs_nth` (1-based; 0: none; with gs_all, that one
	 * and every later one): report gs_len bytes, rewrite fields */
	unsigned gs_nth;
	bool gs_all;
	int gs_len;			/* NONE: as the device said */
	int gs_status, gs_state;	/* NONE: keep */
	long gs_poll;			/* NONE: keep */
	/* UPLOAD number `up_nth` reports up_len bytes (may exceed wLength) */
	unsigned up_nth;
	int up_len;
	/* after `vanish_after` DNLOADs with data, the device is gone */
	unsigned vanish_after;
	/* enumeration: change the configuration blob / alt 0's name */
	void (*mangle)(struct xport_dev_info *d);
};

struct proxy {
	struct xport inner;
	struct rules r;
	unsigned getstatus, uploads, dnloads;
	bool vanished;
	xport_enum_fn user_cb;
	void *user_ctx;
};

static int px_visit(void *ctx, const struct xport_dev_info *dev)
{
	struct proxy *p = ctx;
	struct xport_dev_info copy = *dev;
	if (p->r.mangle)
		p->r.mangle(&copy);
	return p->user_cb ? p->user_cb(p->user_ctx, &copy) : 0;
}

static int px_enumerate(void *ctx, xport_enum_fn cb, void *cb_ctx)
{
	struct proxy *p = ctx;
	p->user_cb = cb;
	p->user_ctx = cb_ctx;
	return xport_enumerate(&p->inner, px_visit, p);
}

static int px_open(void *ctx, const struct xport_dev_info *dev, struct xport_handle **h)
{
	return xport_open(&((struct proxy *)ctx)->inner, dev, h);
}

static void px_close(void *ctx, struct xport_handle *h)
{
	xport_close(&((struct proxy *)ctx)->inner, h);
}

static int px_control(void *ctx, struct xport_handle *h, const struct dfu_setup *s,
		      const uint8_t *out, uint8_t *in, unsigned timeout_ms)
{
	struct proxy *p = ctx;
	bool cls = (s->bmRequestType & 0x60) == 0x20;
	int rc;

	if (p->vanished)
		return DFU_E_NODEV;
	if (cls && s->bRequest == DFU_DNLOAD && s->wLength && p->r.vanish_after &&
	    ++p->dnloads > p->r.vanish_after) {
		p->vanished = true;
		return DFU_E_NODEV;
	}
	rc = xport_control(&p->inner, h, s, out, in, timeout_ms);
	if (rc < 0 || !cls)
		return rc;
	if (s->bRequest == DFU_GETSTATUS) {
		p->getstatus++;
		if (!p->r.gs_nth || p->getstatus < p->r.gs_nth ||
		    (p->getstatus > p->r.gs_nth && !p->r.gs_all))
			return rc;
		/* Rewrite within the 6 bytes the host gave us, never beyond. */
		if (p->r.gs_status != NONE)
			in[0] = (uint8_t)p->r.gs_status;
		if (p->r.gs_poll != NONE)
			dfu_put_le24(in + 1, (uint32_t)p->r.gs_poll);
		if (p->r.gs_state != NONE)
			in[4] = (uint8_t)p->r.gs_state;
		return p->r.gs_len != NONE ? p->r.gs_len : rc;
	}
	if (s->bRequest == DFU_UPLOAD && ++p->uploads == p->r.up_nth)
		return p->r.up_len;
	return rc;
}

static int px_reset(void *ctx, struct xport_handle *h)
{
	return xport_reset(&((struct proxy *)ctx)->inner, h);
}

static void px_sleep(void *ctx, uint32_t ms)
{
	xport_sleep_ms(&((struct proxy *)ctx)->inner, ms);
}

static uint64_t px_now(void *ctx)
{
	return xport_now_us(&((struct proxy *)ctx)->inner);
}

static const struct xport_ops px_ops = {
	.name = "hostile",
	.enumerate = px_enumerate,
	.open = px_open,
	.close = px_close,
	.control = px_control,
	.reset = px_reset,
	.sleep_ms = px_sleep,
	.now_us = px_now,
};

/* ---- fixture ---- */

struct fx {
	struct lab_fx lab;
	bool plain;
	struct proxy p;
	struct xport x;
	struct cli_files files;
	uint8_t img[IMG];
	char out[OUT_MAX], err[OUT_MAX];
};

static void rules_none(struct rules *r)
{
	memset(r, 0, sizeof(*r));
	r->gs_len = r->gs_status = r->gs_state = NONE;
	r->gs_poll = NONE;
}

/* One device behind the proxy on a full-speed bus: an L412 (flash times
 * as the datasheet says) or, `plain`, a dfu11 device. */
static struct fx *fx_new(bool plain)
{
	struct fx *f = calloc(1, sizeof(*f));
	const struct lab_fx_opts o = {
		.boards = plain ? 0 : 1,
		.dfu11 = plain ? 1 : 0,
		.timing = SIM_TIMING_DATASHEET,
		.full_speed = true,
	};

	assert_non_null(f);
	f->plain = plain;
	lab_fx_init(&f->lab, &o);
	f->p.inner = f->lab.x;
	rules_none(&f->p.r);
	f->x.ops = &px_ops;
	f->x.ctx = &f->p;
	image_build(f->img, IMG, 3);
	cli_files_init(&f->files, "hostile");
	cli_write_file(f->files.fw, f->img, IMG);
	return f;
}

static void fx_free(struct fx *f)
{
	lab_fx_fini(&f->lab);
	cli_files_remove(&f->files);
	free(f);
}

/* Back to an honest, fresh device between cases. */
static void fx_reset(struct fx *f)
{
	rules_none(&f->p.r);
	f->p.getstatus = f->p.uploads = f->p.dnloads = 0;
	f->p.vanished = false;
	/* A plain device is left as the case left it (in the middle of a
	 * manifestation, or in dfuERROR): the next session must cope. */
	if (!f->plain) {
		/* erased, so the power cycle lands in the ROM, not in an image */
		memset(f->lab.b[0].chip.flash, 0xFF, f->lab.b[0].chip.p->flash_size);
		sim_board_power_cycle(&f->lab.b[0], xport_inproc_now_us(&f->lab.t));
	}
	unlink(f->files.up);
}

static int run_v(struct fx *f, ...)
{
	const struct cli_capture c = { f->out, f->err, sizeof(f->out), sizeof(f->err) };
	va_list ap;
	int rc;

	va_start(ap, f);
	rc = cli_run_args(&f->x, &c, NULL, ap);
	va_end(ap);
	if (getenv("HOSTILE_DEBUG"))
		fprintf(stderr, "=== exit %d\n%s", rc, f->err);
	return rc;
}
#define run(f, ...) run_v((f), __VA_ARGS__, NULL)
#define flash(f) run((f), "-a", "0", "-s", "0x08000000", "-D", (f)->files.fw)

static void assert_has(const char *hay, const char *needle)
{
	if (getenv("HOSTILE_DEBUG"))
		fprintf(stderr, "--- %s\n", hay);
	if (!strstr(hay, needle))
		fail_msg("\"%s\" not found in:\n%s", needle, hay);
}

/* ---- GETSTATUS ---- */

static void test_getstatus_of_0_to_5_bytes_is_a_protocol_error_naming_the_length(void **st)
{
	struct fx *f = fx_new(false);
	char want[96];
	(void)st;

	for (int len = 0; len <= 5; len++) {
		fx_reset(f);
		f->p.r.gs_nth = 1;
		f->p.r.gs_len = len;
		assert_int_equal(flash(f), CLI_EXIT_PROTOCOL);
		snprintf(want, sizeof(want), "answered DFU_GETSTATUS with %d bytes; DFU 1.1 "
			 "§6.1.2 requires 6", len);
		assert_has(f->err, want);
	}
	/* the same in the middle of the job: the erase command's status */
	fx_reset(f);
	f->p.r.gs_nth = 2;
	f->p.r.gs_len = 2;
	assert_int_equal(flash(f), CLI_EXIT_PROTOCOL);
	assert_has(f->err, "dfu-flash: ERASE_PAGE 0x08000000: the device answered DFU_GETSTATUS "
			   "with 2 bytes");
	fx_free(f);
}

static void test_transport_reporting_more_than_the_buffer_is_refused(void **st)
{
	struct fx *f = fx_new(false);
	(void)st;

	f->p.r.gs_nth = 1;
	f->p.r.gs_len = 4096; /* "actual length" past the 6-byte buffer */
	assert_int_equal(flash(f), CLI_EXIT_PROTOCOL);
	assert_has(f->err, "the device sent 4096 bytes in answer to a request for 6; a USB device "
			   "may never send more than wLength");
	fx_reset(f);
	f->p.r.gs_nth = 1;
	f->p.r.gs_len = 7;
	assert_int_equal(flash(f), CLI_EXIT_PROTOCOL);
	assert_has(f->err, "sent 7 bytes in answer to a request for 6");
	fx_free(f);
}

static void test_status_and_state_out_of_range_are_named(void **st)
{
	struct fx *f = fx_new(false);
	(void)st;

	f->p.r.gs_nth = 1;
	f->p.r.gs_status = 0x42;
	assert_int_equal(flash(f), CLI_EXIT_PROTOCOL);
	assert_has(f->err, "dfu-flash: status of alt 0: device reported status 66, which DFU 1.1 "
			   "does not define\n");
	fx_reset(f);
	f->p.r.gs_nth = 1;
	f->p.r.gs_state = 200;
	assert_int_equal(flash(f), CLI_EXIT_PROTOCOL);
	assert_has(f->err, "dfu-flash: status of alt 0: device reported state 200");
	fx_free(f);
}

static void test_state_the_state_machine_forbids_after_the_request_is_flagged(void **st)
{
	struct fx *f = fx_new(false);
	(void)st;

	/* after the erase command's DNLOAD, dfuUPLOAD-IDLE is impossible */
	f->p.r.gs_nth = 2;
	f->p.r.gs_state = DFU_STATE_UPLOAD_IDLE;
	assert_int_equal(flash(f), CLI_EXIT_PROTOCOL);
	assert_has(f->err, "dfu-flash: ERASE_PAGE 0x08000000: ");
	assert_has(f->err, "dfuUPLOAD-IDLE");
	/* a contradictory reply: an error status in a state that is no error */
	fx_reset(f);
	f->p.r.gs_nth = 3;
	f->p.r.gs_status = DFU_STATUS_ERR_TARGET;
	f->p.r.gs_state = DFU_STATE_DNLOAD_IDLE;
	assert_int_equal(flash(f), CLI_EXIT_IOERR);
	assert_has(f->err, "the device reported errTARGET");
	assert_has(f->err, "in dfuDNLOAD-IDLE");
	fx_free(f);
}

/* ---- bwPollTimeout ---- */

static void test_huge_poll_timeout_fails_at_once_or_is_clamped_by_poll(void **st)
{
	struct fx *f = fx_new(false);
	uint64_t t0;
	(void)st;

	f->p.r.gs_nth = 2; /* the first erase: dfuDNBUSY with 16777215 ms */
	f->p.r.gs_poll = 0xFFFFFF;
	t0 = xport_inproc_now_us(&f->lab.t);
	assert_int_equal(flash(f), CLI_EXIT_IOERR);
	assert_has(f->err, "ERASE_PAGE 0x08000000: the device is still busy after 0 ms and asks "
			   "for 16777215 ms more; the limit for one operation is 120000 ms");
	assert_true(xport_inproc_now_us(&f->lab.t) - t0 < 1000000u); /* no 4.6 hours of waiting */

	fx_reset(f);
	f->p.r.gs_nth = 2;
	f->p.r.gs_poll = 0xFFFFFF;
	t0 = xport_inproc_now_us(&f->lab.t);
	assert_int_equal(run(f, "--poll", "clamp=50", "-a", "0", "-s", "0x08000000", "-D",
			     f->files.fw),
			 0);
	assert_memory_equal(f->lab.b[0].chip.flash, f->img, IMG);
	assert_true(xport_inproc_now_us(&f->lab.t) - t0 < 2000000u);

	/* a long but possible one is honoured, on the transport's clock */
	fx_reset(f);
	f->p.r.gs_nth = 2;
	f->p.r.gs_poll = 30000;
	t0 = xport_inproc_now_us(&f->lab.t);
	assert_int_equal(flash(f), 0);
	assert_true(xport_inproc_now_us(&f->lab.t) - t0 >= 30000000u);
	fx_free(f);
}

/* ---- descriptors ---- */

/* The offset of the first descriptor of `type` in the configuration. */
static size_t find_desc(const struct xport_dev_info *d, uint8_t type)
{
	for (size_t pos = 0; pos + 1 < d->config_len && d->config[pos] >= 2; pos += d->config[pos])
		if (d->config[pos + 1] == type)
			return pos;
	fail_msg("no descriptor of type 0x%02X", type);
	return 0;
}

static void func_len_5(struct xport_dev_info *d)
{
	d->config[find_desc(d, DFU_FUNC_DESC_TYPE)] = 5;
}

static void total_too_short(struct xport_dev_info *d)
{
	dfu_put_le16(d->config + 2, 4);
}

static void total_cuts_a_descriptor(struct xport_dev_info *d)
{
	dfu_put_le16(d->config + 2, (uint16_t)(d->config_len - 3));
}

static void intf_len_0(struct xport_dev_info *d)
{
	d->config[find_desc(d, USB_DT_INTERFACE)] = 0;
}

static void config_len_4(struct xport_dev_info *d)
{
	d->config[0] = 4;
}

static void test_broken_descriptors_are_named_not_passed_over(void **st)
{
	struct fx *f = fx_new(false);
	static const struct {
		void (*mangle)(struct xport_dev_info *);
		const char *msg;
	} cases[] = {
		{ func_len_5, "the DFU functional descriptor at offset " },
		{ total_too_short, "its wTotalLength 4 is shorter than the configuration descriptor "
				   "itself (9)" },
		{ total_cuts_a_descriptor, "runs past the end of its configuration (wTotalLength " },
		{ intf_len_0, "the descriptor at offset 9 of its configuration has bLength 0" },
		{ config_len_4, "its configuration descriptor (" },
	};
	(void)st;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		fx_reset(f);
		f->p.r.mangle = cases[i].mangle;
		assert_int_equal(flash(f), CLI_EXIT_PROTOCOL);
		assert_has(f->err, "dfu-flash: 0483:df11 at 1-1: ");
		assert_has(f->err, cases[i].msg);
		assert_has(f->err, "dfu-flash cannot use a device whose descriptors it cannot trust");
	}
	fx_reset(f);
	f->p.r.mangle = func_len_5;
	assert_int_equal(run(f, "-l"), 0); /* -l just does not list it */
	fx_free(f);
}

static void garbage_layout(struct xport_dev_info *d)
{
	for (size_t i = 0; i < d->nstrings; i++)
		if (strncmp(d->strings[i].text, "@Internal Flash", 15) == 0)
			snprintf(d->strings[i].text, sizeof(d->strings[i].text),
				 "@Internal Flash/zz/\x7f\x01*7");
}

static void test_garbage_layout_string_stops_a_write_unless_forced(void **st)
{
	struct fx *f = fx_new(false);
	(void)st;

	f->p.r.mangle = garbage_layout;
	assert_int_equal(flash(f), CLI_EXIT_IOERR);
	assert_has(f->err, "alt 0's name \"@Internal Flash/zz/");
	assert_has(f->err, "is not a DfuSe memory layout");
	assert_has(f->err, "add :force to -s");
	assert_int_equal(f->p.dnloads, 0);
	fx_free(f);
}

/* ---- upload ---- */

static void test_upload_reply_longer_than_asked_is_refused(void **st)
{
	struct fx *f = fx_new(false);
	(void)st;

	f->p.r.up_nth = 2;
	f->p.r.up_len = 2048 + 100;
	assert_int_equal(run(f, "-a", "0", "-s", "0x08000000:8192", "-U", f->files.up),
			 CLI_EXIT_PROTOCOL);
	assert_has(f->err, "the device sent 2148 bytes in answer to a request for 2048");
	assert_int_equal(access(f->files.up, F_OK), -1); /* the partial file is removed */
	fx_free(f);
}

static void test_short_upload_in_the_middle_ends_it_or_fails_the_verify(void **st)
{
	struct fx *f = fx_new(false);
	(void)st;

	memcpy(f->lab.b[0].chip.flash, f->img, IMG);
	f->p.r.up_nth = 2;
	f->p.r.up_len = 100;
	assert_int_equal(run(f, "-a", "0", "-s", "0x08000000:8192", "-U", f->files.up), 0);
	assert_has(f->err, "read 2148 bytes from 0x08000000 into");
	/* verify after a write: the short read is a failure */
	fx_reset(f);
	f->p.r.up_nth = 2;
	f->p.r.up_len = 100;
	assert_int_equal(flash(f), CLI_EXIT_IOERR);
	assert_has(f->err, "verify failed: the device returned only 2148 of 8192 bytes from "
			   "0x08000000");
	fx_free(f);
}

/* ---- vanishing ---- */

static void test_device_vanishing_mid_download_fails_cleanly(void **st)
{
	struct fx *f = fx_new(false);
	(void)st;

	f->p.r.vanish_after = 6; /* 4 page erases and a SET_ADDRESS, then block 2 */
	assert_int_equal(run(f, "--json", "-a", "0", "-s", "0x08000000", "-D", f->files.fw),
			 CLI_EXIT_IOERR);
	assert_has(f->err, "the device disconnected during DFU_DNLOAD; check the cable and power");
	assert_has(f->out, "{\"event\":\"result\",\"exit\":74,\"result\":\"failed: ");
	fx_free(f);
}

/* ---- plain DFU 1.1 ---- */

static void test_plain_device_lying_about_manifestation_is_flagged(void **st)
{
	struct fx *f = fx_new(true);
	(void)st;

	/* 8 blocks of 1024: GETSTATUS 1 at open, two per block (dfuDNBUSY, then
	 * dfuDNLOAD-IDLE), so 18 is the one after the empty block */
	f->p.r.gs_nth = 18;
	f->p.r.gs_state = DFU_STATE_DNLOAD_IDLE;
	assert_int_equal(run(f, "-D", f->files.fw), CLI_EXIT_PROTOCOL);
	assert_has(f->err, "manifestation (zero-length DFU_DNLOAD, block 8): ");
	assert_has(f->err, "dfuDNLOAD-IDLE");
	fx_reset(f);
	/* endless manifestation with a huge poll: clamped, then given up on.
	 * The device is still manifesting the image the last case gave up on:
	 * the first GETSTATUS says dfuMANIFEST, the next (after its poll
	 * timeout) dfuIDLE, so the one after the empty block is 19. */
	f->p.r.gs_nth = 19;
	f->p.r.gs_all = true;
	f->p.r.gs_state = DFU_STATE_MANIFEST;
	f->p.r.gs_poll = 0xFFFFFF;
	assert_int_equal(run(f, "--poll", "clamp=1000", "-D", f->files.fw), CLI_EXIT_IOERR);
	assert_has(f->err, "the device is still busy after 120000 ms and asks for 1000 ms more");
	fx_reset(f);
	/* "idle" while still busy with block 4: the device stalls block 5 */
	f->p.r.gs_nth = 10;
	f->p.r.gs_state = DFU_STATE_DNLOAD_IDLE;
	f->p.r.gs_poll = 0;
	assert_int_equal(run(f, "-D", f->files.fw), CLI_EXIT_IOERR);
	assert_has(f->err, "DFU_DNLOAD block 5 (1024 bytes at offset 5120): the device stalled "
			   "DFU_DNLOAD (it may now be in dfuDNLOAD-IDLE or dfuERROR)");
	fx_reset(f);
	f->p.r.vanish_after = 3;
	assert_int_equal(run(f, "-D", f->files.fw), CLI_EXIT_IOERR);
	assert_has(f->err, "DFU_DNLOAD block 3 (1024 bytes at offset 3072): the device "
			   "disconnected during DFU_DNLOAD");
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_getstatus_of_0_to_5_bytes_is_a_protocol_error_naming_the_length),
		cmocka_unit_test(test_transport_reporting_more_than_the_buffer_is_refused),
		cmocka_unit_test(test_status_and_state_out_of_range_are_named),
		cmocka_unit_test(test_state_the_state_machine_forbids_after_the_request_is_flagged),
		cmocka_unit_test(test_huge_poll_timeout_fails_at_once_or_is_clamped_by_poll),
		cmocka_unit_test(test_broken_descriptors_are_named_not_passed_over),
		cmocka_unit_test(test_garbage_layout_string_stops_a_write_unless_forced),
		cmocka_unit_test(test_upload_reply_longer_than_asked_is_refused),
		cmocka_unit_test(test_short_upload_in_the_middle_ends_it_or_fails_the_verify),
		cmocka_unit_test(test_device_vanishing_mid_download_fails_cleanly),
		cmocka_unit_test(test_plain_device_lying_about_manifestation_is_flagged),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
