/* test_fw_srec.c - Motorola S-record loading [Motorola-SREC]: every record type, the
 * count records, the end of the file, and every refusal with the line and
 * the problem named.
 *
 * Most files are written with sr_rec(), which computes the count and the
 * checksum; a few records are spelled out literally, worked out by hand.
 * Files made by real tools are in test_fw_tool_files.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dfu/fw_image.h"

static char text[16384];
static size_t text_len;
static struct dfu_fw_range ranges[32];
static uint8_t data[4096];
static struct dfu_fw_image img;
static struct dfu_diag diag;

static void sr_begin(void)
{
	text_len = 0;
	text[0] = '\0';
}

static void sr_raw(const char *s)
{
	size_t n = strlen(s);

	assert_true(text_len + n < sizeof(text));
	memcpy(text + text_len, s, n + 1);
	text_len += n;
}

static unsigned address_bytes(unsigned type)
{
	static const unsigned width[10] = { 2, 2, 3, 4, 2, 2, 3, 4, 3, 2 };

	return width[type];
}

/* One record of `type` with its count and checksum computed, ending in "\n". */
static void sr_rec(unsigned type, uint32_t address, const uint8_t *d, size_t n)
{
	unsigned alen = address_bytes(type);
	uint8_t count = (uint8_t)(alen + n + 1), sum = count;
	char line[600];
	int at;

	at = snprintf(line, sizeof(line), "S%u%02X", type, count);
	for (unsigned i = alen; i-- > 0;) {
		uint8_t b = (uint8_t)(address >> (8 * i));

		at += snprintf(line + at, sizeof(line) - (size_t)at, "%02X", b);
		sum = (uint8_t)(sum + b);
	}
	for (size_t i = 0; i < n; i++) {
		at += snprintf(line + at, sizeof(line) - (size_t)at, "%02X", d[i]);
		sum = (uint8_t)(sum + d[i]);
	}
	snprintf(line + at, sizeof(line) - (size_t)at, "%02X\n", (uint8_t)~sum);
	sr_raw(line);
}

static int load(void)
{
	dfu_fw_image_init(&img, ranges, sizeof(ranges) / sizeof(ranges[0]), data, sizeof(data));
	memset(&diag, 0, sizeof(diag));
	return dfu_fw_load_srec(&img, (const uint8_t *)text, text_len, &diag);
}

static void load_ok(void)
{
	int rc = load();

	if (rc != 0)
		fail_msg("load failed: %d %s", rc, diag.msg);
}

static void load_fails(int err, const char *n1, const char *n2)
{
	int rc = load();

	if (rc != err)
		fail_msg("expected %d, got %d (%s)", err, rc, diag.msg);
	if (n1 && !strstr(diag.msg, n1))
		fail_msg("message \"%s\" lacks \"%s\"", diag.msg, n1);
	if (n2 && !strstr(diag.msg, n2))
		fail_msg("message \"%s\" lacks \"%s\"", diag.msg, n2);
}

static const uint8_t *bytes(uint8_t first, size_t n)
{
	static uint8_t buf[256];

	for (size_t i = 0; i < n && i < sizeof(buf); i++)
		buf[i] = (uint8_t)(first + i);
	return buf;
}

static void assert_range(size_t i, uint32_t address, size_t len)
{
	assert_true(i < img.nranges);
	assert_int_equal(img.ranges[i].address, address);
	assert_int_equal(img.ranges[i].len, len);
}

/* ---- records ---- */

static void test_s1_s2_and_s3_place_data_at_16_24_and_32_bit_addresses(void **state)
{
	(void)state;
	sr_begin();
	sr_rec(1, 0x1234, bytes(0, 4), 4);
	sr_rec(2, 0x123456, bytes(4, 4), 4);
	sr_rec(3, 0x08000000, bytes(8, 4), 4);
	sr_rec(7, 0, NULL, 0);
	load_ok();
	assert_int_equal(img.nranges, 3);
	assert_range(0, 0x1234, 4);
	assert_range(1, 0x123456, 4);
	assert_range(2, 0x08000000, 4);
	assert_memory_equal(dfu_fw_range_data(&img, 2), bytes(8, 4), 4);
}

static void test_records_worked_out_by_hand_load(void **state)
{
	(void)state;
	sr_begin();
	/* S0 "HDR": 06+00+00+48+44+52 = 0xE4, checksum ~0xE4 = 0x1B. */
	sr_raw("S00600004844521B\n");
	/* Type 1, 3 bytes 0A 0B 0C at 0x0038: 06+00+38+0A+0B+0C = 0x5F -> 0xA0. */
	sr_raw("S1060038" "0A0B0C" "A0\n");
	/* Type 9, start 0x0038: 03+00+38 = 0x3B -> 0xC4. */
	sr_raw("S9030038C4\n");
	load_ok();
	assert_range(0, 0x38, 3);
	assert_memory_equal(dfu_fw_range_data(&img, 0), "\x0A\x0B\x0C", 3);
	assert_int_equal(img.start_kind, DFU_FW_START_LINEAR);
	assert_int_equal(img.start, 0x38);
}

static void test_the_header_record_places_nothing(void **state)
{
	(void)state;
	sr_begin();
	sr_rec(0, 0, (const uint8_t *)"l412_tiny.s19", 13);
	sr_rec(9, 0, NULL, 0);
	load_ok();
	assert_int_equal(img.nranges, 0);
}

static void test_adjacent_records_join_and_out_of_order_ones_are_sorted(void **state)
{
	(void)state;
	sr_begin();
	sr_rec(3, 0x08000010, bytes(16, 16), 16);
	sr_rec(3, 0x08000000, bytes(0, 16), 16);
	sr_rec(3, 0x08000200, bytes(0, 16), 16);
	sr_rec(3, 0x08000020, bytes(32, 16), 16);
	sr_rec(7, 0x08000013, NULL, 0);
	load_ok();
	assert_int_equal(img.nranges, 2);
	assert_range(0, 0x08000000, 48);
	assert_range(1, 0x08000200, 16);
	assert_memory_equal(dfu_fw_range_data(&img, 0), bytes(0, 48), 48);
}

static void test_each_termination_record_gives_the_start_address(void **state)
{
	(void)state;
	sr_begin();
	sr_rec(3, 0x08000000, bytes(0, 4), 4);
	sr_rec(7, 0x08000101, NULL, 0);
	load_ok();
	assert_int_equal(img.start_kind, DFU_FW_START_LINEAR);
	assert_int_equal(img.start, 0x08000101);
	sr_begin();
	sr_rec(2, 0x000100, bytes(0, 4), 4);
	sr_rec(8, 0x123457, NULL, 0);
	load_ok();
	assert_int_equal(img.start, 0x123457);
	sr_begin();
	sr_rec(1, 0x0100, bytes(0, 4), 4);
	sr_rec(9, 0x0101, NULL, 0);
	load_ok();
	assert_int_equal(img.start, 0x0101);
}

static void test_count_records_that_agree_are_accepted(void **state)
{
	(void)state;
	sr_begin();
	sr_rec(0, 0, NULL, 0);
	sr_rec(3, 0x08000000, bytes(0, 4), 4);
	sr_rec(3, 0x08000004, bytes(4, 4), 4);
	sr_rec(5, 2, NULL, 0);
	sr_rec(3, 0x08000008, bytes(8, 4), 4);
	sr_rec(6, 3, NULL, 0);
	sr_rec(7, 0x08000000, NULL, 0);
	load_ok();
	assert_range(0, 0x08000000, 12);
}

static void test_a_count_record_may_end_the_file_as_srec_cat_writes_it(void **state)
{
	(void)state;
	sr_begin();
	sr_rec(3, 0x08000000, bytes(0, 4), 4);
	sr_rec(5, 1, NULL, 0);
	load_ok();
	assert_int_equal(img.start_kind, DFU_FW_START_NONE);
	assert_range(0, 0x08000000, 4);
}

static void test_crlf_cr_lf_blank_lines_and_lower_case_are_accepted(void **state)
{
	(void)state;
	sr_begin();
	sr_raw("\xEF\xBB\xBF\r\nS00600004844521b\r\n\r\nS1060038" "0A0B0C" "A0\rS9030038C4");
	load_ok();
	assert_range(0, 0x38, 3);
}

/* ---- refusals ---- */

static void test_a_bad_checksum_names_the_line_and_the_expected_value(void **state)
{
	(void)state;
	sr_begin();
	sr_raw("S00600004844521B\nS1060038" "0A0B0C" "A1\nS9030038C4\n");
	load_fails(DFU_E_CRC, "line 2: checksum is 0xA1, expected 0xA0", NULL);
	assert_int_equal(diag.offset, 17 + 14);
}

static void test_the_reserved_s4_and_other_types_are_refused(void **state)
{
	(void)state;
	sr_begin();
	sr_raw("S4030000FC\nS9030000FC\n");
	load_fails(DFU_E_FORMAT, "line 1: record type S4 is not an S-record type", NULL);
	sr_begin();
	sr_raw("SX030000FC\n");
	load_fails(DFU_E_FORMAT, "type SX", NULL);
	sr_begin();
	sr_raw("S\n");
	load_fails(DFU_E_FORMAT, "type S?", NULL);
	sr_begin();
	sr_raw("S\x01" "030000FC\n");
	load_fails(DFU_E_FORMAT, "type S?", NULL);
}

static void test_a_line_that_is_not_a_record_is_refused(void **state)
{
	(void)state;
	sr_begin();
	sr_raw("S00600004844521B\n:00000001FF\n");
	load_fails(DFU_E_FORMAT, "line 2 does not start with 'S'", NULL);
}

static void test_odd_digits_and_non_hex_characters_are_refused(void **state)
{
	(void)state;
	sr_begin();
	sr_raw("S9030000FC0\n");
	load_fails(DFU_E_FORMAT, "line 1", "odd number of hex digits (9)");
	sr_begin();
	sr_raw("S903000OFC\n");
	load_fails(DFU_E_FORMAT, "character 'O' (0x4F) in column 8", NULL);
}

static void test_a_count_byte_that_disagrees_with_the_record_is_refused(void **state)
{
	(void)state;
	sr_begin();
	/* Count says 7 bytes follow, 6 do (checksum right for what is there). */
	sr_raw("S1070038" "0A0B0C" "9F\nS9030000FC\n");
	load_fails(DFU_E_SIZE, "line 1: the count byte says 7 bytes follow it but the record "
		   "holds 6", NULL);
}

static void test_a_record_too_short_for_its_address_is_refused(void **state)
{
	(void)state;
	sr_begin();
	sr_raw("S3050800FF\n");		/* type 3 needs 4 address bytes */
	load_fails(DFU_E_SIZE, "line 1: an S3 record needs at least 6 bytes", "has 4");
	sr_begin();
	sr_raw("S9\n");
	load_fails(DFU_E_SIZE, "has 0", NULL);
}

static void test_count_and_termination_records_with_data_are_refused(void **state)
{
	(void)state;
	sr_begin();
	sr_rec(5, 0, bytes(0, 1), 1);
	load_fails(DFU_E_SIZE, "line 1: an S5 record carries no data, this one has 1 bytes", NULL);
	sr_begin();
	sr_rec(7, 0x08000000, bytes(0, 2), 2);
	load_fails(DFU_E_SIZE, "an S7 record carries no data", NULL);
}

static void test_a_count_that_disagrees_is_refused(void **state)
{
	(void)state;
	sr_begin();
	sr_rec(3, 0x08000000, bytes(0, 4), 4);
	sr_rec(3, 0x08000004, bytes(4, 4), 4);
	sr_rec(5, 3, NULL, 0);
	sr_rec(7, 0, NULL, 0);
	load_fails(DFU_E_SIZE, "line 3: the S5 record counts 3 data records but 2 come before it",
		   NULL);
	sr_begin();
	sr_rec(3, 0x08000000, bytes(0, 4), 4);
	sr_rec(6, 0x010001, NULL, 0);
	load_fails(DFU_E_SIZE, "S6 record counts 65537", NULL);
}

static void test_a_record_after_the_termination_record_is_refused(void **state)
{
	(void)state;
	sr_begin();
	sr_rec(3, 0x08000000, bytes(0, 4), 4);
	sr_rec(7, 0x08000000, NULL, 0);
	sr_rec(3, 0x08000004, bytes(4, 4), 4);
	load_fails(DFU_E_FORMAT, "line 3: a record after the termination record on line 2", NULL);
}

static void test_a_file_that_ends_in_a_data_record_may_be_cut_short(void **state)
{
	(void)state;
	sr_begin();
	sr_rec(0, 0, NULL, 0);
	sr_rec(3, 0x08000000, bytes(0, 4), 4);
	load_fails(DFU_E_TRUNCATED, "ends at line 2 with an S3 record", "cut short");
	sr_begin();
	sr_rec(0, 0, NULL, 0);
	load_fails(DFU_E_TRUNCATED, "with an S0 record", NULL);
	sr_begin();
	sr_raw("\n\n");
	load_fails(DFU_E_TRUNCATED, "no S-record at all", NULL);
}

static void test_data_running_past_4_gib_is_refused(void **state)
{
	(void)state;
	sr_begin();
	sr_rec(3, 0xFFFFFFF0u, bytes(0, 16), 16);
	sr_rec(7, 0, NULL, 0);
	load_ok();
	assert_range(0, 0xFFFFFFF0u, 16);
	sr_begin();
	sr_rec(3, 0xFFFFFFF8u, bytes(0, 16), 16);
	sr_rec(7, 0, NULL, 0);
	load_fails(DFU_E_OVERFLOW, "line 1: 16 data bytes at 0xFFFFFFF8", "4 GiB");
}

static void test_overlapping_records_are_refused_naming_both_lines(void **state)
{
	(void)state;
	sr_begin();
	sr_rec(0, 0, NULL, 0);
	sr_rec(3, 0x08000000, bytes(0, 16), 16);	/* line 2 */
	sr_rec(1, 0x0000, bytes(0, 16), 16);		/* line 3, elsewhere */
	sr_rec(3, 0x0800000C, bytes(0, 8), 8);		/* line 4 */
	sr_rec(7, 0, NULL, 0);
	load_fails(DFU_E_FORMAT, "line 4 places the byte at 0x0800000C that line 2 already "
		   "placed", NULL);
	sr_begin();
	sr_rec(1, 0x0010, bytes(0, 16), 16);		/* line 1 */
	sr_rec(2, 0x000008, bytes(0, 16), 16);		/* line 2 */
	sr_rec(9, 0, NULL, 0);
	load_fails(DFU_E_FORMAT, "line 2 places the byte at 0x00000010 that line 1", NULL);
}

static void test_a_full_image_names_the_line_and_what_ran_out(void **state)
{
	struct dfu_fw_range one[1];

	(void)state;
	sr_begin();
	sr_rec(3, 0x08000000, bytes(0, 4), 4);
	sr_rec(3, 0x08000004, bytes(0, 4), 4);
	sr_rec(3, 0x08000100, bytes(0, 4), 4);
	sr_rec(7, 0, NULL, 0);
	dfu_fw_image_init(&img, one, 1, data, sizeof(data));
	assert_int_equal(dfu_fw_load_srec(&img, (const uint8_t *)text, text_len, &diag),
			 DFU_E_NOSPACE);
	assert_non_null(strstr(diag.msg, "line 3: "));
	assert_non_null(strstr(diag.msg, "at most 1 ranges"));
	dfu_fw_image_init(&img, ranges, 8, data, 6);
	assert_int_equal(dfu_fw_load_srec(&img, (const uint8_t *)text, text_len, &diag),
			 DFU_E_NOSPACE);
	assert_non_null(strstr(diag.msg, "line 2: "));
	assert_non_null(strstr(diag.msg, "at most 6 bytes"));
}

static void test_no_image_or_no_input_is_invalid(void **state)
{
	(void)state;
	assert_int_equal(dfu_fw_load_srec(NULL, (const uint8_t *)"S9030000FC", 10, &diag),
			 DFU_E_INVAL);
	dfu_fw_image_init(&img, ranges, 8, data, sizeof(data));
	assert_int_equal(dfu_fw_load_srec(&img, NULL, 10, &diag), DFU_E_INVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_s1_s2_and_s3_place_data_at_16_24_and_32_bit_addresses),
		cmocka_unit_test(test_records_worked_out_by_hand_load),
		cmocka_unit_test(test_the_header_record_places_nothing),
		cmocka_unit_test(test_adjacent_records_join_and_out_of_order_ones_are_sorted),
		cmocka_unit_test(test_each_termination_record_gives_the_start_address),
		cmocka_unit_test(test_count_records_that_agree_are_accepted),
		cmocka_unit_test(test_a_count_record_may_end_the_file_as_srec_cat_writes_it),
		cmocka_unit_test(test_crlf_cr_lf_blank_lines_and_lower_case_are_accepted),
		cmocka_unit_test(test_a_bad_checksum_names_the_line_and_the_expected_value),
		cmocka_unit_test(test_the_reserved_s4_and_other_types_are_refused),
		cmocka_unit_test(test_a_line_that_is_not_a_record_is_refused),
		cmocka_unit_test(test_odd_digits_and_non_hex_characters_are_refused),
		cmocka_unit_test(test_a_count_byte_that_disagrees_with_the_record_is_refused),
		cmocka_unit_test(test_a_record_too_short_for_its_address_is_refused),
		cmocka_unit_test(test_count_and_termination_records_with_data_are_refused),
		cmocka_unit_test(test_a_count_that_disagrees_is_refused),
		cmocka_unit_test(test_a_record_after_the_termination_record_is_refused),
		cmocka_unit_test(test_a_file_that_ends_in_a_data_record_may_be_cut_short),
		cmocka_unit_test(test_data_running_past_4_gib_is_refused),
		cmocka_unit_test(test_overlapping_records_are_refused_naming_both_lines),
		cmocka_unit_test(test_a_full_image_names_the_line_and_what_ran_out),
		cmocka_unit_test(test_no_image_or_no_input_is_invalid),
	};
	return cmocka_run_group_tests_name("fw_srec", tests, NULL, NULL);
}
