/* test_dfu_session_fake.c - the DFU/DfuSe session engine against a scripted
 * hostile device, no emulator: a fake transport whose GETSTATUS and UPLOAD
 * replies are short, oversized, out of state, undefined or endless, and
 * whose device vanishes or is in run-time mode. Every one must end in a
 * clean error with a sentence, within bounded requests and bounded
 * (virtual) time. The engine against the emulated STM32L412 is
 * tests/lab/test_dfu_session.c. */
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
#include "host/dfu_session.h"
#include "host/xport.h"

#define FLASH 0x08000000u

static void assert_contains(const char *hay, const char *needle)
{
	if (!strstr(hay, needle))
		fail_msg("\"%s\" does not contain \"%s\"", hay, needle);
}

/* ---- the scripted device ---- */

struct reply {
	int rc;		/* bytes to report (may exceed wLength), or a negative dfu_err */
	uint8_t data[8];
};

struct fake {
	struct xport_dev_info dev;
	struct reply script[16];
	size_t n, pos;
	struct reply dflt;	/* after the script */
	int out_rc;		/* OUT requests: 0 = succeed */
	uint64_t now_us;
	unsigned requests, in_requests;
	bool opened;
};

static struct reply st(uint8_t status, uint32_t poll, uint8_t state)
{
	struct reply r = { .rc = 6 };
	r.data[0] = status;
	dfu_put_le24(r.data + 1, poll);
	r.data[4] = state;
	return r;
}

static int fake_enumerate(void *ctx, xport_enum_fn cb, void *cb_ctx)
{
	struct fake *k = ctx;
	if (cb)
		cb(cb_ctx, &k->dev);
	return 1;
}

static int fake_open(void *ctx, const struct xport_dev_info *dev, struct xport_handle **h)
{
	struct fake *k = ctx;
	(void)dev;
	k->opened = true;
	*h = (struct xport_handle *)(void *)k;
	return 0;
}

static void fake_close(void *ctx, struct xport_handle *h)
{
	struct fake *k = ctx;
	(void)h;
	k->opened = false;
}

static int fake_control(void *ctx, struct xport_handle *h, const struct dfu_setup *s,
			const uint8_t *out, uint8_t *in, unsigned timeout_ms)
{
	struct fake *k = ctx;
	const struct reply *r;
	(void)h;
	(void)out;
	(void)timeout_ms;

	k->requests++;
	k->now_us += 1000;
	if (!dfu_setup_is_in(s))
		return k->out_rc < 0 ? k->out_rc : s->wLength;
	k->in_requests++;
	r = k->pos < k->n ? &k->script[k->pos++] : &k->dflt;
	if (r->rc > 0) {
		/* Never write past wLength, whatever count is reported. */
		size_t n = (size_t)r->rc;
		if (n > s->wLength)
			n = s->wLength;
		if (n > sizeof(r->data))
			n = sizeof(r->data);
		memcpy(in, r->data, n);
	}
	return r->rc;
}

static int fake_reset(void *ctx, struct xport_handle *h)
{
	(void)ctx;
	(void)h;
	return 0;
}

static void fake_sleep(void *ctx, uint32_t ms)
{
	((struct fake *)ctx)->now_us += (uint64_t)ms * 1000;
}

static uint64_t fake_now(void *ctx)
{
	return ((struct fake *)ctx)->now_us;
}

static const struct xport_ops fake_ops = {
	.name = "fake",
	.enumerate = fake_enumerate,
	.open = fake_open,
	.close = fake_close,
	.control = fake_control,
	.reset = fake_reset,
	.sleep_ms = fake_sleep,
	.now_us = fake_now,
};

/* A one-alt DfuSe device like ST's ROM, alt 0 = internal flash. */
static void fake_init(struct fake *k, uint8_t protocol)
{
	const struct usb_device_desc dd = { .bcdUSB = 0x0100, .bMaxPacketSize0 = 64,
					    .idVendor = 0x0483, .idProduct = 0xDF11,
					    .bcdDevice = 0x2200, .iSerialNumber = 3,
					    .bNumConfigurations = 1 };
	struct usb_config_desc cd = { .bNumInterfaces = 1, .bConfigurationValue = 1,
				      .bmAttributes = 0xC0, .bMaxPower = 50 };
	const struct usb_interface_desc id = { .bInterfaceClass = 0xFE,
					       .bInterfaceSubClass = 1,
					       .bInterfaceProtocol = protocol,
					       .iInterface = 4 };
	const struct dfu_func_desc fd = { 0x0B, 255, 2048, 0x011A };
	size_t len = 0;
	int n;

	memset(k, 0, sizeof(*k));
	usb_device_desc_encode(&dd, k->dev.device_desc, sizeof(k->dev.device_desc));
	len = USB_DT_CONFIG_SIZE;
	n = usb_interface_desc_encode(&id, k->dev.config + len, sizeof(k->dev.config) - len);
	len += (size_t)n;
	n = dfu_func_desc_encode(&fd, k->dev.config + len, sizeof(k->dev.config) - len);
	len += (size_t)n;
	cd.wTotalLength = (uint16_t)len;
	usb_config_desc_encode(&cd, k->dev.config, USB_DT_CONFIG_SIZE);
	k->dev.config_len = len;
	k->dev.vid = 0x0483;
	k->dev.pid = 0xDF11;
	snprintf(k->dev.path, sizeof(k->dev.path), "9-9");
	snprintf(k->dev.serial, sizeof(k->dev.serial), "FAKE0001");
	xport_dev_add_string(&k->dev, 3, "FAKE0001");
	xport_dev_add_string(&k->dev, 4, "@Internal Flash  /0x08000000/0064*0002Kg");
	k->dflt = st(0, 0, DFU_STATE_IDLE);
}

static void fake_script(struct fake *k, struct reply r)
{
	assert_true(k->n < 16);
	k->script[k->n++] = r;
}

struct hostile {
	struct fake k;
	struct xport x;
	struct dfu_session s;
	struct dfu_session_opts o;
};

static struct hostile *hostile_new(void)
{
	struct hostile *h = calloc(1, sizeof(*h));
	assert_non_null(h);
	fake_init(&h->k, USB_PROTO_DFU_MODE);
	h->x.ops = &fake_ops;
	h->x.ctx = &h->k;
	dfu_session_opts_default(&h->o);
	return h;
}

static int hostile_open(struct hostile *h)
{
	struct dfu_match m;
	dfu_match_any(&m);
	return dfu_session_open(&h->s, &h->x, &m, &h->o);
}

static void test_short_getstatus_reply_is_a_clean_protocol_error(void **state)
{
	struct hostile *h = hostile_new();
	struct reply r = st(0, 0, DFU_STATE_IDLE);
	(void)state;

	r.rc = 3;
	fake_script(&h->k, r);
	assert_int_equal(hostile_open(h), DFU_E_PROTOCOL);
	assert_contains(dfu_session_errmsg(&h->s), "answered DFU_GETSTATUS with 3 bytes");
	free(h);
}

static void test_oversized_reply_is_a_clean_protocol_error(void **state)
{
	struct hostile *h = hostile_new();
	struct reply r = st(0, 0, DFU_STATE_IDLE);
	(void)state;

	r.rc = 64;
	fake_script(&h->k, r);
	assert_int_equal(hostile_open(h), DFU_E_PROTOCOL);
	assert_contains(dfu_session_errmsg(&h->s), "sent 64 bytes in answer to a request for 6");
	free(h);
}

static void test_reply_in_the_wrong_state_is_flagged_by_the_state_machine(void **state)
{
	struct hostile *h = hostile_new();
	(void)state;

	fake_script(&h->k, st(0, 0, DFU_STATE_IDLE));	/* open */
	fake_script(&h->k, st(0, 0, DFU_STATE_IDLE));	/* after SET_ADDRESS: impossible */
	assert_int_equal(hostile_open(h), 0);
	assert_int_equal(dfu_session_special(&h->s, DFUSE_SET_ADDRESS, FLASH), DFU_E_PROTOCOL);
	assert_contains(dfu_session_errmsg(&h->s), "SET_ADDRESS 0x08000000: device answered dfuIDLE");
	assert_contains(dfu_session_errmsg(&h->s), "dfuDNBUSY");
	free(h);
}

static void test_endless_busy_with_zero_poll_gives_up_after_100_polls(void **state)
{
	struct hostile *h = hostile_new();
	(void)state;

	fake_script(&h->k, st(0, 0, DFU_STATE_IDLE));
	h->k.dflt = st(0, 0, DFU_STATE_DNBUSY);
	assert_int_equal(hostile_open(h), 0);
	assert_int_equal(dfu_session_special(&h->s, DFUSE_MASS_ERASE, 0), DFU_E_TIMEOUT);
	assert_contains(dfu_session_errmsg(&h->s), "MASS_ERASE: the device is stuck: 100 status");
	assert_true(h->k.requests <= 2 + 1 + 100);
	assert_true(h->k.now_us < 1000000); /* bounded: well under a virtual second */
	free(h);
}

static void test_endless_busy_with_a_poll_timeout_ends_at_the_operation_limit(void **state)
{
	struct hostile *h = hostile_new();
	(void)state;

	fake_script(&h->k, st(0, 0, DFU_STATE_IDLE));
	h->k.dflt = st(0, 500, DFU_STATE_DNBUSY);
	h->o.op_timeout_ms = 10000;
	assert_int_equal(hostile_open(h), 0);
	assert_int_equal(dfu_session_special(&h->s, DFUSE_ERASE_PAGE, FLASH), DFU_E_TIMEOUT);
	assert_contains(dfu_session_errmsg(&h->s), "still busy after 10000 ms");
	assert_true(h->k.now_us < 11000000ull);
	free(h);
}

static void test_absurd_poll_timeout_fails_at_once_instead_of_sleeping(void **state)
{
	struct hostile *h = hostile_new();
	(void)state;

	fake_script(&h->k, st(0, 0, DFU_STATE_IDLE));
	fake_script(&h->k, st(0, 0xFFFFFF, DFU_STATE_DNBUSY));
	assert_int_equal(hostile_open(h), 0);
	assert_int_equal(dfu_session_special(&h->s, DFUSE_SET_ADDRESS, FLASH), DFU_E_TIMEOUT);
	assert_contains(dfu_session_errmsg(&h->s), "asks for 16777215 ms more");
	assert_true(h->k.now_us < 1000000);
	free(h);
}

static void test_undefined_state_17_is_a_clean_protocol_error(void **state)
{
	struct hostile *h = hostile_new();
	(void)state;

	fake_script(&h->k, st(0, 0, 17));
	assert_int_equal(hostile_open(h), DFU_E_PROTOCOL);
	assert_contains(dfu_session_errmsg(&h->s), "state 17, which DFU 1.1 does not define");
	free(h);
}

static void test_undefined_status_is_a_clean_protocol_error(void **state)
{
	struct hostile *h = hostile_new();
	(void)state;

	fake_script(&h->k, st(0x42, 0, DFU_STATE_IDLE));
	assert_int_equal(hostile_open(h), DFU_E_PROTOCOL);
	assert_contains(dfu_session_errmsg(&h->s), "status 66");
	free(h);
}

static void test_device_error_is_named_and_cleared(void **state)
{
	struct hostile *h = hostile_new();
	(void)state;

	fake_script(&h->k, st(0, 0, DFU_STATE_IDLE));
	fake_script(&h->k, st(0, 0, DFU_STATE_DNBUSY));
	fake_script(&h->k, st(DFU_STATUS_ERR_TARGET, 0, DFU_STATE_ERROR));
	assert_int_equal(hostile_open(h), 0);
	assert_int_equal(dfu_session_special(&h->s, DFUSE_ERASE_PAGE, FLASH + 0x800), DFU_E_DEVICE);
	assert_contains(dfu_session_errmsg(&h->s), "ERASE_PAGE 0x08000800: the device reported errTARGET");
	assert_contains(dfu_session_errmsg(&h->s), "check -s and -a");
	assert_int_equal(h->s.stats.dfu[DFU_CLRSTATUS], 1);
	assert_int_equal(h->s.fsm.possible, DFU_STATE_BIT(DFU_STATE_IDLE));
	free(h);
}

static void test_stall_without_a_poll_timeout_is_not_tolerated(void **state)
{
	struct hostile *h = hostile_new();
	struct reply stall = { .rc = DFU_E_STALL };
	(void)state;

	fake_script(&h->k, st(0, 0, DFU_STATE_IDLE));
	fake_script(&h->k, stall);
	assert_int_equal(hostile_open(h), 0);
	assert_int_equal(dfu_session_special(&h->s, DFUSE_ERASE_PAGE, FLASH), DFU_E_STALL);
	assert_contains(dfu_session_errmsg(&h->s), "stalled DFU_GETSTATUS");
	free(h);
}

static void test_more_than_three_stalls_are_not_tolerated(void **state)
{
	struct hostile *h = hostile_new();
	struct reply stall = { .rc = DFU_E_STALL };
	(void)state;

	fake_script(&h->k, st(0, 0, DFU_STATE_IDLE));
	fake_script(&h->k, st(0, 11, DFU_STATE_DNBUSY));
	h->k.dflt = stall;
	assert_int_equal(hostile_open(h), 0);
	assert_int_equal(dfu_session_special(&h->s, DFUSE_ERASE_PAGE, FLASH), DFU_E_STALL);
	assert_int_equal(h->s.stats.stalls_tolerated, 3);
	free(h);
}

static void test_run_time_device_is_told_to_detach_first(void **state)
{
	struct hostile *h = hostile_new();
	(void)state;

	fake_init(&h->k, USB_PROTO_DFU_RUNTIME);
	assert_int_equal(hostile_open(h), DFU_E_STATE);
	assert_contains(dfu_session_errmsg(&h->s), "run-time mode");

	fake_init(&h->k, USB_PROTO_DFU_MODE);
	fake_script(&h->k, st(0, 0, DFU_STATE_APP_IDLE));
	assert_int_equal(hostile_open(h), DFU_E_STATE);
	assert_contains(dfu_session_errmsg(&h->s), "(appIDLE)");
	free(h);
}

static void test_device_that_vanishes_mid_download_fails_cleanly(void **state)
{
	struct hostile *h = hostile_new();
	struct reply gone = { .rc = DFU_E_NODEV };
	uint8_t data[4096] = { 0 };
	(void)state;

	fake_script(&h->k, st(0, 0, DFU_STATE_IDLE));		/* open */
	fake_script(&h->k, st(0, 0, DFU_STATE_DNBUSY));	/* erase page 0 */
	fake_script(&h->k, st(0, 0, DFU_STATE_DNLOAD_IDLE));
	fake_script(&h->k, st(0, 0, DFU_STATE_DNBUSY));	/* erase page 1 */
	fake_script(&h->k, st(0, 0, DFU_STATE_DNLOAD_IDLE));
	fake_script(&h->k, gone);
	h->k.dflt = gone;
	assert_int_equal(hostile_open(h), 0);
	assert_int_equal(dfu_session_download(&h->s, FLASH, data, sizeof(data), 0), DFU_E_NODEV);
	assert_contains(dfu_session_errmsg(&h->s), "the device disconnected during DFU_GETSTATUS");
	assert_true(h->s.gone);
	free(h);
}

static void test_oversized_upload_reply_is_refused(void **state)
{
	struct hostile *h = hostile_new();
	struct reply big = { .rc = 4000 };
	uint8_t buf[2048];
	size_t got = 1;
	(void)state;

	fake_script(&h->k, st(0, 0, DFU_STATE_IDLE));	/* open */
	fake_script(&h->k, big);			/* UPLOAD of 40 */
	h->o.force = true;
	assert_int_equal(hostile_open(h), 0);
	h->s.pointer_known = true; /* skip SET_ADDRESS */
	h->s.pointer = FLASH;
	assert_int_equal(dfu_session_upload(&h->s, FLASH, buf, 40, &got), DFU_E_PROTOCOL);
	assert_int_equal(got, 0);
	free(h);
}

static void test_leave_into_an_error_is_reported(void **state)
{
	struct hostile *h = hostile_new();
	(void)state;

	fake_script(&h->k, st(0, 0, DFU_STATE_IDLE));
	fake_script(&h->k, st(DFU_STATUS_ERR_VENDOR, 0, DFU_STATE_ERROR));
	assert_int_equal(hostile_open(h), 0);
	assert_int_equal(dfu_session_leave(&h->s, false, 0), DFU_E_PROTECTED);
	assert_contains(dfu_session_errmsg(&h->s), "errVENDOR");
	assert_contains(dfu_session_errmsg(&h->s), "RDP level 1");
	free(h);
}

static void test_plain_dfu_device_refuses_dfuse_operations(void **state)
{
	struct hostile *h = hostile_new();
	const struct dfu_func_desc fd = { 0x03, 255, 1024, 0x0110 };
	uint8_t data[16] = { 0 };
	(void)state;

	/* Rewrite the functional descriptor: plain DFU 1.1. */
	dfu_func_desc_encode(&fd, h->k.dev.config + USB_DT_CONFIG_SIZE + USB_DT_INTERFACE_SIZE, 9);
	assert_int_equal(hostile_open(h), 0);
	assert_false(h->s.dfuse);
	assert_int_equal(dfu_session_special(&h->s, DFUSE_MASS_ERASE, 0), DFU_E_UNSUPPORTED);
	assert_int_equal(dfu_session_download(&h->s, FLASH, data, sizeof(data), 0), DFU_E_UNSUPPORTED);
	assert_int_equal(dfu_session_leave(&h->s, false, 0), DFU_E_UNSUPPORTED);
	assert_int_equal(dfu_session_ob_read(&h->s, data, sizeof(data), &(size_t){ 0 }),
			 DFU_E_NOTFOUND);
	free(h);
}

static void test_busy_alt_after_select_is_waited_out_and_aborted(void **state)
{
	struct hostile *h = hostile_new();
	(void)state;

	fake_script(&h->k, st(0, 20, DFU_STATE_DNBUSY));
	fake_script(&h->k, st(0, 0, DFU_STATE_DNLOAD_IDLE));
	fake_script(&h->k, st(0, 0, DFU_STATE_IDLE));
	assert_int_equal(hostile_open(h), 0);
	assert_int_equal(h->s.stats.dfu[DFU_ABORT], 1);
	assert_int_equal(h->s.stats.polled_ms, 20);
	assert_int_equal(dfu_session_to_idle(&h->s), 0);
	free(h);
}

static void test_write_to_a_read_only_segment_is_refused(void **state)
{
	struct hostile *h = hostile_new();
	uint8_t data[2048] = { 0 };
	(void)state;

	h->k.dev.nstrings = 1; /* keep the serial, replace the layout */
	xport_dev_add_string(&h->k.dev, 4, "@Flash /0x08000000/2*1Ka,2*1Kg");
	assert_int_equal(hostile_open(h), 0);
	assert_int_equal(dfu_session_download(&h->s, FLASH, data, sizeof(data), 0), DFU_E_RANGE);
	assert_contains(dfu_session_errmsg(&h->s), "cannot write 0x08000000: \"Flash\" segment "
						    "0x08000000-0x080007FF");
	assert_int_equal(h->s.stats.requests, 2);
	free(h);
}

static void test_forced_write_past_the_map_erases_only_known_pages(void **state)
{
	struct hostile *h = hostile_new();
	uint8_t data[2048] = { 0 };
	(void)state;

	h->k.dev.nstrings = 1;
	xport_dev_add_string(&h->k.dev, 4, "@Flash /0x08000000/2*1Kg,1*1Ka");
	fake_script(&h->k, st(0, 0, DFU_STATE_IDLE));
	h->k.dflt = st(0, 0, DFU_STATE_DNLOAD_IDLE);
	h->o.force = true;
	assert_int_equal(hostile_open(h), 0);
	/* 0x08000400..0x08000BFF: page 1 erasable, then a read-only page,
	 * then nothing the map knows. */
	assert_int_equal(dfu_session_download(&h->s, FLASH + 0x400, data, sizeof(data), 0), 0);
	assert_int_equal(h->s.stats.dfuse[DFUSE_ERASE_PAGE], 1);
	free(h);
}

static void test_programming_error_names_the_likely_cause(void **state)
{
	struct hostile *h = hostile_new();
	uint8_t data[16] = { 0 };
	(void)state;

	fake_script(&h->k, st(0, 0, DFU_STATE_IDLE));		/* open */
	fake_script(&h->k, st(0, 0, DFU_STATE_DNLOAD_IDLE));	/* SET_ADDRESS */
	fake_script(&h->k, st(DFU_STATUS_ERR_PROG, 0, DFU_STATE_ERROR));
	assert_int_equal(hostile_open(h), 0);
	assert_int_equal(dfu_session_download(&h->s, FLASH, data, sizeof(data), DFU_DL_NO_ERASE),
			 DFU_E_DEVICE);
	assert_contains(dfu_session_errmsg(&h->s), "DFU_DNLOAD block 2 (16 bytes for 0x08000000)");
	assert_contains(dfu_session_errmsg(&h->s), "errPROG");
	assert_contains(dfu_session_errmsg(&h->s), "not erased");
	free(h);
}

static void test_transport_errors_are_named(void **state)
{
	struct hostile *h = hostile_new();
	struct reply io = { .rc = DFU_E_IO }, to = { .rc = DFU_E_TIMEOUT };
	(void)state;

	fake_script(&h->k, io);
	assert_int_equal(hostile_open(h), DFU_E_IO);
	assert_contains(dfu_session_errmsg(&h->s), "failed on the fake transport");
	h->k.n = h->k.pos = 0;
	fake_script(&h->k, to);
	assert_int_equal(hostile_open(h), DFU_E_TIMEOUT);
	assert_contains(dfu_session_errmsg(&h->s), "no answer to DFU_GETSTATUS within 5000 ms");
	free(h);
}

static void test_device_stuck_busy_is_given_up_on(void **state)
{
	struct hostile *h = hostile_new();
	(void)state;

	fake_script(&h->k, st(0, 0, DFU_STATE_IDLE));
	h->k.dflt = st(0, 0, DFU_STATE_DNBUSY);
	assert_int_equal(hostile_open(h), 0);
	h->s.fsm.possible = DFU_STATE_BIT(DFU_STATE_DNBUSY); /* as after a DNLOAD */
	assert_int_equal(dfu_session_to_idle(&h->s), DFU_E_STATE);
	assert_contains(dfu_session_errmsg(&h->s), "stays in dfuDNBUSY and does not reach dfuIDLE");
	free(h);
}

static void test_names_read_as_words(void **state)
{
	(void)state;
	assert_string_equal(dfu_phase_name(DFU_PHASE_ERASE), "erase");
	assert_string_equal(dfu_phase_name(DFU_PHASE_WRITE), "write");
	assert_string_equal(dfu_phase_name(DFU_PHASE_READ), "read");
	assert_string_equal(dfu_phase_name(DFU_PHASE_VERIFY), "verify");
	for (int k = DFU_RETURN_NONE; k <= DFU_RETURN_EMPTY_CHECK_TRAP; k++)
		assert_string_not_equal(dfu_return_kind_name((enum dfu_return_kind)k), "unknown");
	assert_string_equal(dfu_phase_name((enum dfu_phase)99), "unknown phase");
	assert_string_equal(dfu_return_kind_name(DFU_RETURN_EMPTY_CHECK_TRAP),
			    "bootloader (PEMPTY latched)");
	assert_string_equal(dfu_return_kind_name((enum dfu_return_kind)99), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_short_getstatus_reply_is_a_clean_protocol_error),
		cmocka_unit_test(test_oversized_reply_is_a_clean_protocol_error),
		cmocka_unit_test(test_reply_in_the_wrong_state_is_flagged_by_the_state_machine),
		cmocka_unit_test(test_endless_busy_with_zero_poll_gives_up_after_100_polls),
		cmocka_unit_test(test_endless_busy_with_a_poll_timeout_ends_at_the_operation_limit),
		cmocka_unit_test(test_absurd_poll_timeout_fails_at_once_instead_of_sleeping),
		cmocka_unit_test(test_undefined_state_17_is_a_clean_protocol_error),
		cmocka_unit_test(test_undefined_status_is_a_clean_protocol_error),
		cmocka_unit_test(test_device_error_is_named_and_cleared),
		cmocka_unit_test(test_stall_without_a_poll_timeout_is_not_tolerated),
		cmocka_unit_test(test_more_than_three_stalls_are_not_tolerated),
		cmocka_unit_test(test_run_time_device_is_told_to_detach_first),
		cmocka_unit_test(test_device_that_vanishes_mid_download_fails_cleanly),
		cmocka_unit_test(test_oversized_upload_reply_is_refused),
		cmocka_unit_test(test_leave_into_an_error_is_reported),
		cmocka_unit_test(test_plain_dfu_device_refuses_dfuse_operations),
		cmocka_unit_test(test_busy_alt_after_select_is_waited_out_and_aborted),
		cmocka_unit_test(test_write_to_a_read_only_segment_is_refused),
		cmocka_unit_test(test_forced_write_past_the_map_erases_only_known_pages),
		cmocka_unit_test(test_programming_error_names_the_likely_cause),
		cmocka_unit_test(test_transport_errors_are_named),
		cmocka_unit_test(test_device_stuck_busy_is_given_up_on),
		cmocka_unit_test(test_names_read_as_words),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
