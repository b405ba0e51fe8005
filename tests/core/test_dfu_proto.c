/* test_dfu_proto.c - DFU 1.1 names and the setup, GETSTATUS and functional
 * descriptor codecs. Expected bytes are written out by hand from DFU 1.1
 * §4.1.3 and §6.1.2 and USB 2.0 §9.3, not produced by the encoders. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dfu/dfu_proto.h"
#include "dfu/error.h"

/* ---- names ---- */

static void test_every_request_has_its_spec_name(void **state)
{
	static const char *const want[DFU_REQUEST_COUNT] = {
		"DFU_DETACH",	 "DFU_DNLOAD",	 "DFU_UPLOAD", "DFU_GETSTATUS",
		"DFU_CLRSTATUS", "DFU_GETSTATE", "DFU_ABORT",
	};
	(void)state;
	for (unsigned i = 0; i < DFU_REQUEST_COUNT; i++)
		assert_string_equal(dfu_request_name(i), want[i]);
}

static void test_out_of_range_request_is_named_unknown(void **state)
{
	(void)state;
	assert_string_equal(dfu_request_name(DFU_REQUEST_COUNT), "unknown request");
	assert_string_equal(dfu_request_name(0xFF), "unknown request");
	assert_string_equal(dfu_request_name(~0u), "unknown request");
}

static void test_every_state_has_its_spec_name(void **state)
{
	static const char *const want[DFU_STATE_COUNT] = {
		"appIDLE",	   "appDETACH",	     "dfuIDLE",
		"dfuDNLOAD-SYNC",  "dfuDNBUSY",	     "dfuDNLOAD-IDLE",
		"dfuMANIFEST-SYNC", "dfuMANIFEST",    "dfuMANIFEST-WAIT-RESET",
		"dfuUPLOAD-IDLE",  "dfuERROR",
	};
	(void)state;
	for (unsigned i = 0; i < DFU_STATE_COUNT; i++)
		assert_string_equal(dfu_state_name(i), want[i]);
	assert_string_equal(dfu_state_name(DFU_STATE_DNBUSY), "dfuDNBUSY");
}

static void test_out_of_range_state_is_named_unknown(void **state)
{
	(void)state;
	assert_string_equal(dfu_state_name(DFU_STATE_COUNT), "unknown state");
	assert_string_equal(dfu_state_name(0xFF), "unknown state");
}

static void test_every_status_has_its_spec_name(void **state)
{
	static const char *const want[DFU_STATUS_COUNT] = {
		"OK",	      "errTARGET", "errFILE",	 "errWRITE",
		"errERASE",   "errCHECK_ERASED", "errPROG", "errVERIFY",
		"errADDRESS", "errNOTDONE", "errFIRMWARE", "errVENDOR",
		"errUSBR",    "errPOR",	   "errUNKNOWN", "errSTALLEDPKT",
	};
	(void)state;
	for (unsigned i = 0; i < DFU_STATUS_COUNT; i++)
		assert_string_equal(dfu_status_name(i), want[i]);
}

static void test_out_of_range_status_is_named_unknown(void **state)
{
	(void)state;
	assert_string_equal(dfu_status_name(DFU_STATUS_COUNT), "unknown status");
	assert_string_equal(dfu_status_name(0x80), "unknown status");
}

static void test_status_text_explains_every_status_differently(void **state)
{
	(void)state;
	for (unsigned i = 0; i < DFU_STATUS_COUNT; i++) {
		const char *t = dfu_status_text(i);
		assert_non_null(t);
		assert_true(strlen(t) > 4);
		for (unsigned j = 0; j < i; j++)
			assert_string_not_equal(t, dfu_status_text(j));
	}
	assert_string_equal(dfu_status_text(DFU_STATUS_ERR_ADDRESS), "address out of range");
}

static void test_status_text_of_undefined_status_says_so(void **state)
{
	(void)state;
	assert_string_equal(dfu_status_text(DFU_STATUS_COUNT),
			    "a status code DFU 1.1 does not define");
	assert_string_equal(dfu_status_text(0xFF), dfu_status_text(DFU_STATUS_COUNT));
}

/* ---- setup packet ---- */

static void test_setup_encodes_fields_little_endian(void **state)
{
	const struct dfu_setup s = {
		.bmRequestType = 0xA1,
		.bRequest = DFU_UPLOAD,
		.wValue = 0x1234,
		.wIndex = 0x0002,
		.wLength = 0x0800,
	};
	const uint8_t want[DFU_SETUP_SIZE] = {0xA1, 0x02, 0x34, 0x12, 0x02, 0x00, 0x00, 0x08};
	uint8_t out[DFU_SETUP_SIZE];
	(void)state;

	dfu_setup_encode(&s, out);
	assert_memory_equal(out, want, sizeof(want));
}

static void test_setup_decode_round_trips_encode(void **state)
{
	const struct dfu_setup cases[] = {
		{0x21, DFU_DNLOAD, 0, 0, 0},
		{0xA1, DFU_GETSTATUS, 0, 0, 6},
		{0x80, 0x06, 0x0300, 0x0409, 0x00FF},
		{0xFF, 0xFF, 0xFFFF, 0xFFFF, 0xFFFF},
		{0x21, DFU_DNLOAD, 0xABCD, 0x8001, 0x1000},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t buf[DFU_SETUP_SIZE];
		struct dfu_setup back;

		memset(&back, 0x5A, sizeof(back));
		dfu_setup_encode(&cases[i], buf);
		assert_int_equal(dfu_setup_decode(buf, sizeof(buf), &back), DFU_OK);
		assert_int_equal(back.bmRequestType, cases[i].bmRequestType);
		assert_int_equal(back.bRequest, cases[i].bRequest);
		assert_int_equal(back.wValue, cases[i].wValue);
		assert_int_equal(back.wIndex, cases[i].wIndex);
		assert_int_equal(back.wLength, cases[i].wLength);
	}
}

static void test_setup_decode_rejects_fewer_than_eight_bytes(void **state)
{
	const uint8_t buf[DFU_SETUP_SIZE] = {0x21, 0x01, 0x02, 0x00, 0x00, 0x00, 0x10, 0x00};
	struct dfu_setup s = {.bRequest = 0x77};
	(void)state;

	for (size_t len = 0; len < DFU_SETUP_SIZE; len++)
		assert_int_equal(dfu_setup_decode(buf, len, &s), DFU_E_TRUNCATED);
	assert_int_equal(s.bRequest, 0x77); /* untouched on failure */
}

static void test_setup_decode_ignores_bytes_after_the_eighth(void **state)
{
	const uint8_t buf[12] = {0x21, 0x01, 0x02, 0x00, 0x00, 0x00, 0x10, 0x00, 0xEE, 0xEE};
	struct dfu_setup s;
	(void)state;

	assert_int_equal(dfu_setup_decode(buf, sizeof(buf), &s), DFU_OK);
	assert_int_equal(s.bRequest, DFU_DNLOAD);
	assert_int_equal(s.wValue, 2);
	assert_int_equal(s.wLength, 16);
}

static void test_setup_make_uses_in_type_only_for_upload_getstatus_getstate(void **state)
{
	static const uint8_t want[DFU_REQUEST_COUNT] = {
		[DFU_DETACH] = 0x21,	[DFU_DNLOAD] = 0x21,   [DFU_UPLOAD] = 0xA1,
		[DFU_GETSTATUS] = 0xA1, [DFU_CLRSTATUS] = 0x21, [DFU_GETSTATE] = 0xA1,
		[DFU_ABORT] = 0x21,
	};
	(void)state;
	for (unsigned r = 0; r < DFU_REQUEST_COUNT; r++) {
		struct dfu_setup s = dfu_setup_make((enum dfu_request)r, 0, 0, 0);
		assert_int_equal(s.bmRequestType, want[r]);
		assert_int_equal(s.bRequest, r);
		assert_int_equal(dfu_setup_is_in(&s), want[r] == DFU_REQTYPE_IN);
	}
}

static void test_setup_make_puts_interface_in_windex(void **state)
{
	struct dfu_setup s = dfu_setup_make(DFU_DNLOAD, 7, 3, 2048);
	uint8_t out[DFU_SETUP_SIZE];
	const uint8_t want[DFU_SETUP_SIZE] = {0x21, 0x01, 0x07, 0x00, 0x03, 0x00, 0x00, 0x08};
	(void)state;

	assert_int_equal(s.wValue, 7);
	assert_int_equal(s.wIndex, 3);
	assert_int_equal(s.wLength, 2048);
	dfu_setup_encode(&s, out);
	assert_memory_equal(out, want, sizeof(want));
}

/* ---- GETSTATUS ---- */

static void test_status_encodes_24_bit_poll_timeout_little_endian(void **state)
{
	const struct dfu_status_reply r = {
		.bStatus = DFU_STATUS_ERR_ADDRESS,
		.bwPollTimeout = 0x123456,
		.bState = DFU_STATE_ERROR,
		.iString = 4,
	};
	const uint8_t want[DFU_STATUS_SIZE] = {0x08, 0x56, 0x34, 0x12, 0x0A, 0x04};
	uint8_t out[DFU_STATUS_SIZE];
	(void)state;

	assert_int_equal(dfu_status_encode(&r, out), DFU_OK);
	assert_memory_equal(out, want, sizeof(want));
}

static void test_status_encode_accepts_the_largest_24_bit_timeout(void **state)
{
	const struct dfu_status_reply r = {.bwPollTimeout = DFU_POLL_TIMEOUT_MAX,
					   .bState = DFU_STATE_DNBUSY};
	const uint8_t want[DFU_STATUS_SIZE] = {0x00, 0xFF, 0xFF, 0xFF, 0x04, 0x00};
	uint8_t out[DFU_STATUS_SIZE];
	(void)state;

	assert_int_equal(dfu_status_encode(&r, out), DFU_OK);
	assert_memory_equal(out, want, sizeof(want));
}

static void test_status_encode_rejects_timeout_wider_than_24_bits(void **state)
{
	struct dfu_status_reply r = {.bwPollTimeout = DFU_POLL_TIMEOUT_MAX + 1};
	uint8_t out[DFU_STATUS_SIZE] = {0xEE, 0xEE, 0xEE, 0xEE, 0xEE, 0xEE};
	const uint8_t untouched[DFU_STATUS_SIZE] = {0xEE, 0xEE, 0xEE, 0xEE, 0xEE, 0xEE};
	(void)state;

	assert_int_equal(dfu_status_encode(&r, out), DFU_E_RANGE);
	r.bwPollTimeout = 0xFFFFFFFFu;
	assert_int_equal(dfu_status_encode(&r, out), DFU_E_RANGE);
	assert_memory_equal(out, untouched, sizeof(out));
}

static void test_status_decode_reads_every_field(void **state)
{
	const uint8_t in[DFU_STATUS_SIZE] = {0x00, 0x64, 0x00, 0x00, 0x05, 0x00};
	struct dfu_status_reply r;
	(void)state;

	assert_int_equal(dfu_status_decode(in, sizeof(in), &r), DFU_OK);
	assert_int_equal(r.bStatus, DFU_STATUS_OK);
	assert_int_equal(r.bwPollTimeout, 100);
	assert_int_equal(r.bState, DFU_STATE_DNLOAD_IDLE);
	assert_int_equal(r.iString, 0);
}

static void test_status_decode_round_trips_encode(void **state)
{
	const uint32_t timeouts[] = {0, 1, 0xFF, 0x100, 0xFFFF, 0x10000, DFU_POLL_TIMEOUT_MAX};
	(void)state;
	for (size_t i = 0; i < sizeof(timeouts) / sizeof(timeouts[0]); i++) {
		const struct dfu_status_reply r = {
			.bStatus = (uint8_t)i,
			.bwPollTimeout = timeouts[i],
			.bState = (uint8_t)(10 - i),
			.iString = (uint8_t)(0x80 + i),
		};
		struct dfu_status_reply back;
		uint8_t buf[DFU_STATUS_SIZE];

		assert_int_equal(dfu_status_encode(&r, buf), DFU_OK);
		assert_int_equal(dfu_status_decode(buf, sizeof(buf), &back), DFU_OK);
		assert_int_equal(back.bStatus, r.bStatus);
		assert_int_equal(back.bwPollTimeout, r.bwPollTimeout);
		assert_int_equal(back.bState, r.bState);
		assert_int_equal(back.iString, r.iString);
	}
}

static void test_status_decode_rejects_replies_of_zero_to_five_bytes(void **state)
{
	const uint8_t in[DFU_STATUS_SIZE] = {0x00, 0x01, 0x00, 0x00, 0x02, 0x00};
	struct dfu_status_reply r = {.bStatus = 0x42};
	(void)state;

	for (size_t len = 0; len < DFU_STATUS_SIZE; len++)
		assert_int_equal(dfu_status_decode(in, len, &r), DFU_E_TRUNCATED);
	assert_int_equal(r.bStatus, 0x42);
}

static void test_status_decode_rejects_five_byte_reply(void **state)
{
	const uint8_t in[5] = {0x00, 0x01, 0x00, 0x00, 0x02};
	struct dfu_status_reply r;
	(void)state;

	assert_int_equal(dfu_status_decode(in, sizeof(in), &r), DFU_E_TRUNCATED);
}

static void test_status_decode_leaves_hostile_values_to_the_caller(void **state)
{
	const uint8_t in[8] = {0xF0, 0xFF, 0xFF, 0xFF, 0xC8, 0xFF, 0xAA, 0xBB};
	struct dfu_status_reply r;
	(void)state;

	assert_int_equal(dfu_status_decode(in, sizeof(in), &r), DFU_OK);
	assert_int_equal(r.bStatus, 0xF0);
	assert_int_equal(r.bwPollTimeout, DFU_POLL_TIMEOUT_MAX);
	assert_int_equal(r.bState, 0xC8);
	assert_int_equal(r.iString, 0xFF);
}

/* ---- functional descriptor ---- */

/* The STM32 ROM bootloader's ([rom-identity]): attributes 0x0B, 255 ms,
 * 2048 bytes, DfuSe 1.1a. */
static const uint8_t st_func[DFU_FUNC_DESC_SIZE] = {0x09, 0x21, 0x0B, 0xFF, 0x00,
						    0x00, 0x08, 0x1A, 0x01};

static void test_func_desc_encodes_st_rom_descriptor(void **state)
{
	const struct dfu_func_desc d = {
		.bmAttributes = DFU_ATTR_CAN_DNLOAD | DFU_ATTR_CAN_UPLOAD | DFU_ATTR_WILL_DETACH,
		.wDetachTimeOut = 255,
		.wTransferSize = 2048,
		.bcdDFUVersion = DFU_BCD_DFUSE,
	};
	uint8_t out[16];
	(void)state;

	memset(out, 0xEE, sizeof(out));
	assert_int_equal(dfu_func_desc_encode(&d, out, sizeof(out)), DFU_FUNC_DESC_SIZE);
	assert_memory_equal(out, st_func, sizeof(st_func));
	assert_int_equal(out[DFU_FUNC_DESC_SIZE], 0xEE);
}

static void test_func_desc_encode_into_exact_buffer_succeeds(void **state)
{
	const struct dfu_func_desc d = {.bmAttributes = 0x0B, .wDetachTimeOut = 255,
					.wTransferSize = 2048, .bcdDFUVersion = 0x011A};
	uint8_t out[DFU_FUNC_DESC_SIZE];
	(void)state;

	assert_int_equal(dfu_func_desc_encode(&d, out, sizeof(out)), DFU_FUNC_DESC_SIZE);
	assert_memory_equal(out, st_func, sizeof(st_func));
}

static void test_func_desc_encode_into_too_small_buffer_fails(void **state)
{
	const struct dfu_func_desc d = {.bmAttributes = 0x0B};
	uint8_t out[DFU_FUNC_DESC_SIZE];
	(void)state;

	memset(out, 0xEE, sizeof(out));
	for (size_t cap = 0; cap < DFU_FUNC_DESC_SIZE; cap++)
		assert_int_equal(dfu_func_desc_encode(&d, out, cap), DFU_E_NOSPACE);
	assert_int_equal(out[0], 0xEE);
}

static void test_func_desc_decodes_nine_byte_form(void **state)
{
	struct dfu_func_desc d;
	(void)state;

	assert_int_equal(dfu_func_desc_decode(st_func, sizeof(st_func), &d), DFU_OK);
	assert_int_equal(d.bmAttributes, 0x0B);
	assert_int_equal(d.wDetachTimeOut, 255);
	assert_int_equal(d.wTransferSize, 2048);
	assert_int_equal(d.bcdDFUVersion, DFU_BCD_DFUSE);
}

static void test_func_desc_decodes_seven_byte_form_as_dfu_1_0(void **state)
{
	const uint8_t in[7] = {0x07, 0x21, 0x03, 0xE8, 0x03, 0x00, 0x04};
	struct dfu_func_desc d;
	(void)state;

	assert_int_equal(dfu_func_desc_decode(in, sizeof(in), &d), DFU_OK);
	assert_int_equal(d.bmAttributes, DFU_ATTR_CAN_DNLOAD | DFU_ATTR_CAN_UPLOAD);
	assert_int_equal(d.wDetachTimeOut, 1000);
	assert_int_equal(d.wTransferSize, 1024);
	assert_int_equal(d.bcdDFUVersion, DFU_BCD_DFU11);
}

static void test_func_desc_reads_a_longer_blength_as_nine_bytes(void **state)
{
	const uint8_t in[12] = {0x0C, 0x21, 0x0F, 0x10, 0x00, 0x40, 0x00, 0x10, 0x01, 1, 2, 3};
	struct dfu_func_desc d;
	(void)state;

	assert_int_equal(dfu_func_desc_decode(in, sizeof(in), &d), DFU_OK);
	assert_int_equal(d.bmAttributes, 0x0F);
	assert_int_equal(d.wDetachTimeOut, 16);
	assert_int_equal(d.wTransferSize, 64);
	assert_int_equal(d.bcdDFUVersion, 0x0110);
}

static void test_func_desc_round_trips_encode(void **state)
{
	const struct dfu_func_desc d = {.bmAttributes = 0x0F, .wDetachTimeOut = 0xBEEF,
					.wTransferSize = 0xFFFF, .bcdDFUVersion = 0x0100};
	struct dfu_func_desc back;
	uint8_t buf[DFU_FUNC_DESC_SIZE];
	(void)state;

	assert_int_equal(dfu_func_desc_encode(&d, buf, sizeof(buf)), DFU_FUNC_DESC_SIZE);
	assert_int_equal(dfu_func_desc_decode(buf, sizeof(buf), &back), DFU_OK);
	assert_int_equal(back.bmAttributes, d.bmAttributes);
	assert_int_equal(back.wDetachTimeOut, d.wDetachTimeOut);
	assert_int_equal(back.wTransferSize, d.wTransferSize);
	assert_int_equal(back.bcdDFUVersion, d.bcdDFUVersion);
}

static void test_func_desc_decode_rejects_wrong_descriptor_type(void **state)
{
	uint8_t in[DFU_FUNC_DESC_SIZE];
	struct dfu_func_desc d;
	(void)state;

	memcpy(in, st_func, sizeof(in));
	in[1] = 0x04; /* an interface descriptor's type */
	assert_int_equal(dfu_func_desc_decode(in, sizeof(in), &d), DFU_E_FORMAT);
	in[1] = 0x22;
	assert_int_equal(dfu_func_desc_decode(in, sizeof(in), &d), DFU_E_FORMAT);
}

static void test_func_desc_decode_rejects_blength_below_seven(void **state)
{
	uint8_t in[DFU_FUNC_DESC_SIZE];
	struct dfu_func_desc d;
	(void)state;

	memcpy(in, st_func, sizeof(in));
	for (uint8_t blen = 0; blen < DFU_FUNC_DESC_SIZE_DFU10; blen++) {
		in[0] = blen;
		assert_int_equal(dfu_func_desc_decode(in, sizeof(in), &d), DFU_E_FORMAT);
	}
}

static void test_func_desc_decode_rejects_eight_byte_form(void **state)
{
	uint8_t in[DFU_FUNC_DESC_SIZE];
	struct dfu_func_desc d;
	(void)state;

	memcpy(in, st_func, sizeof(in));
	in[0] = 8;
	assert_int_equal(dfu_func_desc_decode(in, sizeof(in), &d), DFU_E_FORMAT);
}

static void test_func_desc_decode_rejects_buffer_shorter_than_blength(void **state)
{
	struct dfu_func_desc d = {.wTransferSize = 0x1234};
	(void)state;

	for (size_t len = 0; len < sizeof(st_func); len++)
		assert_int_equal(dfu_func_desc_decode(st_func, len, &d), DFU_E_TRUNCATED);
	assert_int_equal(d.wTransferSize, 0x1234);
}

static void test_func_desc_decode_rejects_seven_byte_form_cut_short(void **state)
{
	const uint8_t in[7] = {0x07, 0x21, 0x03, 0xE8, 0x03, 0x00, 0x04};
	struct dfu_func_desc d;
	(void)state;

	assert_int_equal(dfu_func_desc_decode(in, 6, &d), DFU_E_TRUNCATED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_request_has_its_spec_name),
		cmocka_unit_test(test_out_of_range_request_is_named_unknown),
		cmocka_unit_test(test_every_state_has_its_spec_name),
		cmocka_unit_test(test_out_of_range_state_is_named_unknown),
		cmocka_unit_test(test_every_status_has_its_spec_name),
		cmocka_unit_test(test_out_of_range_status_is_named_unknown),
		cmocka_unit_test(test_status_text_explains_every_status_differently),
		cmocka_unit_test(test_status_text_of_undefined_status_says_so),
		cmocka_unit_test(test_setup_encodes_fields_little_endian),
		cmocka_unit_test(test_setup_decode_round_trips_encode),
		cmocka_unit_test(test_setup_decode_rejects_fewer_than_eight_bytes),
		cmocka_unit_test(test_setup_decode_ignores_bytes_after_the_eighth),
		cmocka_unit_test(test_setup_make_uses_in_type_only_for_upload_getstatus_getstate),
		cmocka_unit_test(test_setup_make_puts_interface_in_windex),
		cmocka_unit_test(test_status_encodes_24_bit_poll_timeout_little_endian),
		cmocka_unit_test(test_status_encode_accepts_the_largest_24_bit_timeout),
		cmocka_unit_test(test_status_encode_rejects_timeout_wider_than_24_bits),
		cmocka_unit_test(test_status_decode_reads_every_field),
		cmocka_unit_test(test_status_decode_round_trips_encode),
		cmocka_unit_test(test_status_decode_rejects_replies_of_zero_to_five_bytes),
		cmocka_unit_test(test_status_decode_rejects_five_byte_reply),
		cmocka_unit_test(test_status_decode_leaves_hostile_values_to_the_caller),
		cmocka_unit_test(test_func_desc_encodes_st_rom_descriptor),
		cmocka_unit_test(test_func_desc_encode_into_exact_buffer_succeeds),
		cmocka_unit_test(test_func_desc_encode_into_too_small_buffer_fails),
		cmocka_unit_test(test_func_desc_decodes_nine_byte_form),
		cmocka_unit_test(test_func_desc_decodes_seven_byte_form_as_dfu_1_0),
		cmocka_unit_test(test_func_desc_reads_a_longer_blength_as_nine_bytes),
		cmocka_unit_test(test_func_desc_round_trips_encode),
		cmocka_unit_test(test_func_desc_decode_rejects_wrong_descriptor_type),
		cmocka_unit_test(test_func_desc_decode_rejects_blength_below_seven),
		cmocka_unit_test(test_func_desc_decode_rejects_eight_byte_form),
		cmocka_unit_test(test_func_desc_decode_rejects_buffer_shorter_than_blength),
		cmocka_unit_test(test_func_desc_decode_rejects_seven_byte_form_cut_short),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
