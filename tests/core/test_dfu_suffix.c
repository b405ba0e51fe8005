/* test_dfu_suffix.c - the DFU suffix CRC, suffix parse/append and whole-file
 * classification (DFU 1.1 Appendix B; [dfu-util-0.11], files).
 *
 * CRC vectors are the standard CRC-32 check values complemented, since the
 * suffix CRC has no final XOR. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dfu/bytes.h"
#include "dfu/dfu_file.h"

/* "123456789" with a suffix for 0483:df11 bcdDevice 0x2200, DFU 1.0,
 * computed independently (Python zlib.crc32 ^ 0xFFFFFFFF). */
static const uint8_t golden[] = {
	0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x00, 0x22, 0x11, 0xDF,
	0x83, 0x04, 0x00, 0x01, 0x55, 0x46, 0x44, 0x10, 0x52, 0xCA, 0xEB, 0xCB,
};

static const struct dfu_suffix st_ids = {
	.bcdDevice = 0x2200, .idProduct = 0xDF11, .idVendor = 0x0483, .bcdDFU = 0x0100,
};

/* Fill `buf` with `len` bytes of firmware and append a suffix with `ids`. */
static size_t make_file(uint8_t *buf, size_t len, size_t cap, struct dfu_suffix ids)
{
	size_t i;
	int n;

	for (i = 0; i < len; i++)
		buf[i] = (uint8_t)(i * 7 + 3);
	n = dfu_suffix_append(buf, len, cap, &ids);
	assert_int_equal(n, (int)(len + DFU_SUFFIX_SIZE));
	return (size_t)n;
}

/* After editing suffix fields, make the CRC right again. */
static void fix_crc(uint8_t *buf, size_t len)
{
	dfu_put_le32(buf + len - 4, dfu_crc32(DFU_CRC_INIT, buf, len - 4));
}

static void test_crc_of_check_string_is_the_complement_of_standard_crc32(void **state)
{
	(void)state;
	assert_int_equal(dfu_crc32(DFU_CRC_INIT, (const uint8_t *)"123456789", 9), 0x340BC6D9);
	assert_int_equal(dfu_crc32(DFU_CRC_INIT, (const uint8_t *)"123456789", 9) ^ 0xFFFFFFFFu,
			 0xCBF43926);
}

static void test_crc_matches_more_known_vectors(void **state)
{
	static const char fox[] = "The quick brown fox jumps over the lazy dog";
	static const uint8_t zero = 0;

	(void)state;
	assert_int_equal(dfu_crc32(DFU_CRC_INIT, &zero, 1), 0x2DFD1072);
	assert_int_equal(dfu_crc32(DFU_CRC_INIT, (const uint8_t *)fox, strlen(fox)), 0xBEB05CC6);
}

static void test_crc_of_nothing_is_the_initial_value(void **state)
{
	uint8_t b = 0x55;

	(void)state;
	assert_int_equal(dfu_crc32(DFU_CRC_INIT, &b, 0), DFU_CRC_INIT);
	assert_int_equal(dfu_crc32(DFU_CRC_INIT, NULL, 0), DFU_CRC_INIT);
	assert_int_equal(dfu_crc32(0x12345678, NULL, 100), 0x12345678);
}

static void test_crc_chained_over_pieces_equals_crc_over_the_whole(void **state)
{
	uint8_t buf[300];
	uint32_t whole, c;
	size_t i, cut;

	(void)state;
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 31 + 1);
	whole = dfu_crc32(DFU_CRC_INIT, buf, sizeof(buf));
	for (cut = 0; cut <= sizeof(buf); cut += 37) {
		c = dfu_crc32(DFU_CRC_INIT, buf, cut);
		c = dfu_crc32(c, buf + cut, sizeof(buf) - cut);
		assert_int_equal(c, whole);
	}
}

static void test_append_matches_independently_computed_golden_bytes(void **state)
{
	uint8_t buf[64] = "123456789";
	struct dfu_suffix s = st_ids;

	(void)state;
	s.bLength = 3;	/* ignored */
	s.dwCRC = 0xDEAD;
	assert_int_equal(dfu_suffix_append(buf, 9, sizeof(buf), &s), (int)sizeof(golden));
	assert_memory_equal(buf, golden, sizeof(golden));
	assert_int_equal(s.bLength, 16);
	assert_int_equal(s.dwCRC, 0xCBEBCA52);
}

static void test_golden_file_parses_with_its_ids(void **state)
{
	struct dfu_suffix s;
	struct dfu_diag d;

	(void)state;
	assert_int_equal(dfu_suffix_parse(golden, sizeof(golden), &s, &d), 0);
	assert_int_equal(s.bcdDevice, 0x2200);
	assert_int_equal(s.idProduct, 0xDF11);
	assert_int_equal(s.idVendor, 0x0483);
	assert_int_equal(s.bcdDFU, 0x0100);
	assert_int_equal(s.bLength, 16);
	assert_int_equal(s.dwCRC, 0xCBEBCA52);
}

static void test_append_then_parse_round_trips_every_id(void **state)
{
	static const struct dfu_suffix cases[] = {
		{.bcdDevice = 0xFFFF, .idProduct = 0xFFFF, .idVendor = 0xFFFF, .bcdDFU = 0x0100},
		{.bcdDevice = 0x0000, .idProduct = 0xDF11, .idVendor = 0x0483, .bcdDFU = 0x011A},
		{.bcdDevice = 0x1234, .idProduct = 0x5678, .idVendor = 0x9ABC, .bcdDFU = 0x0110},
	};
	uint8_t buf[600];
	size_t i, len, n;
	struct dfu_suffix s;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		for (len = 0; len <= 512; len += 171) {
			n = make_file(buf, len, sizeof(buf), cases[i]);
			assert_int_equal(dfu_suffix_parse(buf, n, &s, NULL), 0);
			assert_int_equal(s.bcdDevice, cases[i].bcdDevice);
			assert_int_equal(s.idProduct, cases[i].idProduct);
			assert_int_equal(s.idVendor, cases[i].idVendor);
			assert_int_equal(s.bcdDFU, cases[i].bcdDFU);
			assert_int_equal(s.bLength, 16);
			assert_int_equal(s.dwCRC, dfu_crc32(DFU_CRC_INIT, buf, n - 4));
		}
	}
}

static void test_append_writes_little_endian_fields_at_fixed_offsets(void **state)
{
	static const uint8_t want[16] = {0x34, 0x12, 0x78, 0x56, 0xBC, 0x9A, 0x1A, 0x01,
					 'U', 'F', 'D', 16, 0, 0, 0, 0};
	uint8_t buf[16];
	struct dfu_suffix s = {.bcdDevice = 0x1234, .idProduct = 0x5678, .idVendor = 0x9ABC,
			       .bcdDFU = 0x011A};

	(void)state;
	assert_int_equal(dfu_suffix_append(buf, 0, sizeof(buf), &s), 16);
	assert_memory_equal(buf, want, 12);
	assert_int_equal(dfu_get_le32(buf + 12), dfu_crc32(DFU_CRC_INIT, buf, 12));
	assert_int_equal(dfu_get_le32(buf + 12), s.dwCRC);
}

static void test_append_into_a_buffer_one_byte_too_small_is_refused(void **state)
{
	uint8_t buf[40];
	struct dfu_suffix s = st_ids;

	(void)state;
	memset(buf, 0xAA, sizeof(buf));
	assert_int_equal(dfu_suffix_append(buf, 10, 25, &s), DFU_E_NOSPACE);
	assert_int_equal(buf[10], 0xAA); /* nothing written */
	assert_int_equal(dfu_suffix_append(buf, 10, 0, &s), DFU_E_NOSPACE);
	assert_int_equal(dfu_suffix_append(buf, 30, 20, &s), DFU_E_NOSPACE); /* len > cap */
	assert_int_equal(dfu_suffix_append(buf, 10, 26, &s), 26);
	assert_int_equal(buf[26], 0xAA);
}

static void test_append_refuses_null_arguments(void **state)
{
	uint8_t buf[32];
	struct dfu_suffix s = st_ids;

	(void)state;
	assert_int_equal(dfu_suffix_append(NULL, 0, 32, &s), DFU_E_INVAL);
	assert_int_equal(dfu_suffix_append(buf, 0, sizeof(buf), NULL), DFU_E_INVAL);
}

static void test_append_whose_length_would_not_fit_an_int_overflows(void **state)
{
	uint8_t buf[32];
	struct dfu_suffix s = st_ids;

	(void)state;
	/* Nothing is read or written: the size check comes first. */
	assert_int_equal(dfu_suffix_append(buf, (size_t)INT32_MAX, SIZE_MAX, &s),
			 DFU_E_OVERFLOW);
}

static void test_file_without_signature_is_not_found(void **state)
{
	uint8_t buf[100];
	struct dfu_diag d;
	struct dfu_suffix s;

	(void)state;
	memset(buf, 0, sizeof(buf));
	assert_int_equal(dfu_suffix_parse(buf, sizeof(buf), &s, &d), DFU_E_NOTFOUND);
	assert_int_equal(d.offset, sizeof(buf) - 8);
	assert_non_null(strstr(d.msg, "\"UFD\""));
	assert_non_null(strstr(d.msg, "0x5c"));
	assert_int_equal(dfu_suffix_parse(buf, 16, NULL, NULL), DFU_E_NOTFOUND);
}

static void test_every_tail_of_a_file_is_truncated_or_fails_the_crc(void **state)
{
	size_t len;
	struct dfu_diag d;
	uint8_t *buf;

	(void)state;
	for (len = 0; len < sizeof(golden); len++) {
		/* Exact-size heap copies: ASan catches any read past the end. */
		buf = malloc(len ? len : 1);
		assert_non_null(buf);
		memcpy(buf, golden + sizeof(golden) - len, len);
		if (len < 16) {
			assert_int_equal(dfu_suffix_parse(buf, len, NULL, &d), DFU_E_TRUNCATED);
			assert_non_null(strstr(d.msg, "16 bytes"));
		} else {
			/* The last 16+ bytes of a file: signature, then a CRC
			 * that no longer covers the whole file. */
			assert_int_equal(dfu_suffix_parse(buf, len, NULL, &d), DFU_E_CRC);
		}
		free(buf);
	}
	assert_int_equal(dfu_suffix_parse(NULL, 0, NULL, NULL), DFU_E_TRUNCATED);
}

static void test_suffix_with_flipped_crc_bit_is_rejected(void **state)
{
	uint8_t buf[sizeof(golden)];
	struct dfu_diag d;
	struct dfu_suffix s;
	unsigned bit;

	(void)state;
	for (bit = 0; bit < 32; bit++) {
		memcpy(buf, golden, sizeof(buf));
		buf[sizeof(buf) - 4 + bit / 8] ^= (uint8_t)(1u << (bit % 8));
		memset(&s, 0x5A, sizeof(s));
		assert_int_equal(dfu_suffix_parse(buf, sizeof(buf), &s, &d), DFU_E_CRC);
		assert_int_equal(d.offset, sizeof(buf) - 4);
		assert_non_null(strstr(d.msg, "0xCBEBCA52"));
		assert_int_equal(s.idVendor, 0x5A5A); /* not filled on failure */
	}
}

static void test_every_single_byte_corruption_is_detected(void **state)
{
	uint8_t buf[sizeof(golden)];
	size_t i;
	int rc;

	(void)state;
	for (i = 0; i < sizeof(buf); i++) {
		memcpy(buf, golden, sizeof(buf));
		buf[i] ^= 0x01;
		rc = dfu_suffix_parse(buf, sizeof(buf), NULL, NULL);
		if (i >= sizeof(buf) - 8 && i < sizeof(buf) - 5)
			assert_int_equal(rc, DFU_E_NOTFOUND); /* the signature */
		else
			assert_int_equal(rc, DFU_E_CRC);
	}
}

static void test_blength_15_is_rejected_after_the_crc_check(void **state)
{
	uint8_t buf[64];
	size_t n;
	struct dfu_diag d;

	(void)state;
	n = make_file(buf, 20, sizeof(buf), st_ids);
	buf[n - 5] = 15;
	/* Order: with a stale CRC, the CRC is what is reported. */
	assert_int_equal(dfu_suffix_parse(buf, n, NULL, NULL), DFU_E_CRC);
	fix_crc(buf, n);
	assert_int_equal(dfu_suffix_parse(buf, n, NULL, &d), DFU_E_FORMAT);
	assert_int_equal(d.offset, n - 5);
	assert_non_null(strstr(d.msg, "bLength"));
	assert_non_null(strstr(d.msg, " 15"));
	buf[n - 5] = 0;
	fix_crc(buf, n);
	assert_int_equal(dfu_suffix_parse(buf, n, NULL, NULL), DFU_E_FORMAT);
}

static void test_blength_larger_than_the_file_is_rejected(void **state)
{
	uint8_t buf[64];
	size_t n;
	struct dfu_diag d;

	(void)state;
	n = make_file(buf, 20, sizeof(buf), st_ids); /* 36 bytes */
	buf[n - 5] = 37;
	fix_crc(buf, n);
	assert_int_equal(dfu_suffix_parse(buf, n, NULL, &d), DFU_E_SIZE);
	assert_int_equal(d.offset, n - 5);
	assert_non_null(strstr(d.msg, "37"));
	assert_non_null(strstr(d.msg, "36 bytes"));
	buf[n - 5] = 36; /* a file that is all suffix is fine */
	fix_crc(buf, n);
	assert_int_equal(dfu_suffix_parse(buf, n, NULL, NULL), 0);
}

static void test_longer_vendor_suffix_is_accepted_and_stripped_whole(void **state)
{
	uint8_t buf[64];
	size_t n;
	struct dfu_suffix s;
	struct dfu_file_info info;

	(void)state;
	n = make_file(buf, 30, sizeof(buf), st_ids);
	buf[n - 5] = 20;
	fix_crc(buf, n);
	assert_int_equal(dfu_suffix_parse(buf, n, &s, NULL), 0);
	assert_int_equal(s.bLength, 20);
	assert_int_equal(dfu_file_inspect(buf, n, &info, NULL), 0);
	assert_true(info.has_suffix);
	assert_int_equal(info.fw_len, n - 20);
}

static void test_parse_refuses_a_null_buffer_with_a_length(void **state)
{
	struct dfu_diag d;

	(void)state;
	assert_int_equal(dfu_suffix_parse(NULL, 20, NULL, &d), DFU_E_INVAL);
}

static void test_inspect_of_raw_firmware_has_no_suffix_and_no_prefix(void **state)
{
	uint8_t buf[100];
	struct dfu_file_info info;
	struct dfu_diag d;
	size_t len;

	(void)state;
	memset(buf, 0x42, sizeof(buf));
	for (len = 0; len <= sizeof(buf); len++) {
		memset(&info, 0x77, sizeof(info));
		assert_int_equal(dfu_file_inspect(buf, len, &info, &d), 0);
		assert_false(info.has_suffix);
		assert_int_equal(info.fw_len, len);
		assert_int_equal(info.prefix.kind, DFU_PREFIX_NONE);
		assert_int_equal(info.suffix.idVendor, 0);
	}
	assert_int_equal(dfu_file_inspect(NULL, 0, &info, NULL), 0);
	assert_int_equal(info.fw_len, 0);
}

static void test_inspect_of_suffixed_plain_firmware_reports_ids_and_length(void **state)
{
	struct dfu_file_info info;

	(void)state;
	assert_int_equal(dfu_file_inspect(golden, sizeof(golden), &info, NULL), 0);
	assert_true(info.has_suffix);
	assert_int_equal(info.fw_len, 9);
	assert_int_equal(info.suffix.idVendor, 0x0483);
	assert_int_equal(info.suffix.idProduct, 0xDF11);
	assert_int_equal(info.prefix.kind, DFU_PREFIX_NONE);
}

static void test_inspect_of_a_bad_suffix_is_an_error_with_its_diagnostic(void **state)
{
	uint8_t buf[sizeof(golden)];
	struct dfu_file_info info;
	struct dfu_diag d;

	(void)state;
	memcpy(buf, golden, sizeof(buf));
	buf[0] ^= 0xFF;
	memset(&d, 0, sizeof(d));
	assert_int_equal(dfu_file_inspect(buf, sizeof(buf), &info, &d), DFU_E_CRC);
	assert_int_equal(d.offset, sizeof(buf) - 4);
	assert_non_null(strstr(d.msg, "CRC"));
	assert_int_equal(dfu_file_inspect(buf, sizeof(buf), &info, NULL), DFU_E_CRC);
}

static void test_inspect_refuses_null_arguments(void **state)
{
	struct dfu_file_info info;

	(void)state;
	assert_int_equal(dfu_file_inspect(golden, sizeof(golden), NULL, NULL), DFU_E_INVAL);
	assert_int_equal(dfu_file_inspect(NULL, 5, &info, NULL), DFU_E_INVAL);
}

static void test_inspect_of_a_dfuse_file_reports_the_dfuse_prefix(void **state)
{
	static const uint8_t data[5] = {1, 2, 3, 4, 5};
	const struct dfuse_build_element el = {0x08000000, data, sizeof(data)};
	const struct dfuse_build_target tg = {0, "Internal Flash", &el, 1};
	const struct dfu_suffix ids = {.bcdDevice = 0, .idProduct = 0xDF11, .idVendor = 0x0483};
	uint8_t buf[400];
	struct dfu_file_info info;
	int n;

	(void)state;
	n = dfuse_file_build(&tg, 1, &ids, buf, sizeof(buf));
	assert_true(n > 0);
	assert_int_equal(dfu_file_inspect(buf, (size_t)n, &info, NULL), 0);
	assert_true(info.has_suffix);
	assert_int_equal(info.suffix.bcdDFU, 0x011A);
	assert_int_equal(info.fw_len, (size_t)n - 16);
	assert_int_equal(info.prefix.kind, DFU_PREFIX_DFUSE);
	assert_int_equal(info.prefix.size, 0);
}

static void test_inspect_of_a_stellaris_file_reports_address_and_payload(void **state)
{
	uint8_t buf[200];
	struct dfu_file_info info;
	int n;

	(void)state;
	assert_int_equal(dfu_prefix_stellaris_encode(0x2000, 100, buf, sizeof(buf)), 8);
	memset(buf + 8, 0xC3, 100);
	n = dfu_suffix_append(buf, 108, sizeof(buf), &(struct dfu_suffix){.idVendor = 0x1CBE});
	assert_int_equal(n, 124);
	assert_int_equal(dfu_file_inspect(buf, (size_t)n, &info, NULL), 0);
	assert_true(info.has_suffix);
	assert_int_equal(info.suffix.idVendor, 0x1CBE);
	assert_int_equal(info.fw_len, 108);
	assert_int_equal(info.prefix.kind, DFU_PREFIX_STELLARIS);
	assert_int_equal(info.prefix.size, 8);
	assert_int_equal(info.prefix.address, 0x2000);
	assert_int_equal(info.prefix.payload_len, 100);
}

static void test_inspect_of_an_lpc_file_reports_its_block_count(void **state)
{
	uint8_t buf[1100];
	struct dfu_file_info info;
	int n;

	(void)state;
	memset(buf, 0, sizeof(buf));
	buf[0] = 0x1A;
	buf[1] = 0x3F;
	dfu_put_le16(buf + 2, 2);
	memset(buf + 12, 0xFF, 4);
	n = dfu_suffix_append(buf, 16 + 1000, sizeof(buf), &(struct dfu_suffix){.bcdDFU = 0x0100});
	assert_true(n > 0);
	assert_int_equal(dfu_file_inspect(buf, (size_t)n, &info, NULL), 0);
	assert_int_equal(info.fw_len, 1016);
	assert_int_equal(info.prefix.kind, DFU_PREFIX_LPC);
	assert_int_equal(info.prefix.size, 16);
	assert_int_equal(info.prefix.payload_len, 1024);
}

static void test_inspect_does_not_look_for_a_prefix_inside_the_suffix(void **state)
{
	uint8_t buf[40];
	struct dfu_file_info info;
	int n;

	(void)state;
	/* 01 00 00 00 10 00 00 00 would be a Stellaris prefix for the
	 * 16 suffix bytes that follow; with the suffix removed it is not. */
	memset(buf, 0, sizeof(buf));
	buf[0] = 1;
	buf[4] = 16;
	n = dfu_suffix_append(buf, 8, sizeof(buf), &(struct dfu_suffix){.bcdDFU = 0x0100});
	assert_int_equal(n, 24);
	assert_int_equal(dfu_file_inspect(buf, 24, &info, NULL), 0);
	assert_int_equal(info.prefix.kind, DFU_PREFIX_NONE);
	buf[4] = 0;
	fix_crc(buf, 24);
	assert_int_equal(dfu_file_inspect(buf, 24, &info, NULL), 0);
	assert_int_equal(info.prefix.kind, DFU_PREFIX_STELLARIS);
	assert_int_equal(info.prefix.payload_len, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crc_of_check_string_is_the_complement_of_standard_crc32),
		cmocka_unit_test(test_crc_matches_more_known_vectors),
		cmocka_unit_test(test_crc_of_nothing_is_the_initial_value),
		cmocka_unit_test(test_crc_chained_over_pieces_equals_crc_over_the_whole),
		cmocka_unit_test(test_append_matches_independently_computed_golden_bytes),
		cmocka_unit_test(test_golden_file_parses_with_its_ids),
		cmocka_unit_test(test_append_then_parse_round_trips_every_id),
		cmocka_unit_test(test_append_writes_little_endian_fields_at_fixed_offsets),
		cmocka_unit_test(test_append_into_a_buffer_one_byte_too_small_is_refused),
		cmocka_unit_test(test_append_refuses_null_arguments),
		cmocka_unit_test(test_append_whose_length_would_not_fit_an_int_overflows),
		cmocka_unit_test(test_file_without_signature_is_not_found),
		cmocka_unit_test(test_every_tail_of_a_file_is_truncated_or_fails_the_crc),
		cmocka_unit_test(test_suffix_with_flipped_crc_bit_is_rejected),
		cmocka_unit_test(test_every_single_byte_corruption_is_detected),
		cmocka_unit_test(test_blength_15_is_rejected_after_the_crc_check),
		cmocka_unit_test(test_blength_larger_than_the_file_is_rejected),
		cmocka_unit_test(test_longer_vendor_suffix_is_accepted_and_stripped_whole),
		cmocka_unit_test(test_parse_refuses_a_null_buffer_with_a_length),
		cmocka_unit_test(test_inspect_of_raw_firmware_has_no_suffix_and_no_prefix),
		cmocka_unit_test(test_inspect_of_suffixed_plain_firmware_reports_ids_and_length),
		cmocka_unit_test(test_inspect_of_a_bad_suffix_is_an_error_with_its_diagnostic),
		cmocka_unit_test(test_inspect_refuses_null_arguments),
		cmocka_unit_test(test_inspect_of_a_dfuse_file_reports_the_dfuse_prefix),
		cmocka_unit_test(test_inspect_of_a_stellaris_file_reports_address_and_payload),
		cmocka_unit_test(test_inspect_of_an_lpc_file_reports_its_block_count),
		cmocka_unit_test(test_inspect_does_not_look_for_a_prefix_inside_the_suffix),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
