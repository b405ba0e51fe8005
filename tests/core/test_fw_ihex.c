/* test_fw_ihex.c - Intel HEX loading [Intel-HEX]: every record type, line
 * ends, addresses in both extended modes, and every refusal with the line
 * and the problem named.
 *
 * Most files are written with hx_rec(), which computes each checksum; a few
 * records are spelled out literally (the end-of-file record, checksums
 * worked out by hand) so the checksum rule is not only checked against
 * itself. Files made by real tools are in test_fw_tool_files.c. */
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

static void hx_begin(void)
{
	text_len = 0;
	text[0] = '\0';
}

static void hx_raw(const char *s)
{
	size_t n = strlen(s);

	assert_true(text_len + n < sizeof(text));
	memcpy(text + text_len, s, n + 1);
	text_len += n;
}

/* One record with its checksum computed, ending in "\n". */
static void hx_rec(uint8_t type, uint16_t offset, const uint8_t *d, size_t n)
{
	uint8_t sum = (uint8_t)(n + (offset >> 8) + offset + type);
	char line[600];
	int at;

	at = snprintf(line, sizeof(line), ":%02X%04X%02X", (unsigned)n, offset, type);
	for (size_t i = 0; i < n; i++) {
		at += snprintf(line + at, sizeof(line) - (size_t)at, "%02X", d[i]);
		sum = (uint8_t)(sum + d[i]);
	}
	snprintf(line + at, sizeof(line) - (size_t)at, "%02X\n", (uint8_t)(0x100 - sum));
	hx_raw(line);
}

static void hx_data(uint16_t offset, const uint8_t *d, size_t n)
{
	hx_rec(0x00, offset, d, n);
}

static void hx_u16(uint8_t type, uint16_t v)
{
	const uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	hx_rec(type, 0, b, 2);
}

static void hx_u32(uint8_t type, uint32_t v)
{
	const uint8_t b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };

	hx_rec(type, 0, b, 4);
}

static void hx_eof(void)
{
	hx_raw(":00000001FF\n");
}

static int load(void)
{
	dfu_fw_image_init(&img, ranges, sizeof(ranges) / sizeof(ranges[0]), data, sizeof(data));
	memset(&diag, 0, sizeof(diag));
	return dfu_fw_load_ihex(&img, (const uint8_t *)text, text_len, &diag);
}

static void load_ok(void)
{
	int rc = load();

	if (rc != 0)
		fail_msg("load failed: %d %s", rc, diag.msg);
}

/* The load fails with `err` and a message holding every `needles` string. */
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

static void test_data_records_without_extended_address_start_at_zero(void **state)
{
	(void)state;
	hx_begin();
	hx_data(0x0100, bytes(0x10, 16), 16);
	hx_eof();
	load_ok();
	assert_int_equal(img.nranges, 1);
	assert_range(0, 0x0100, 16);
	assert_memory_equal(dfu_fw_range_data(&img, 0), bytes(0x10, 16), 16);
	assert_int_equal(img.start_kind, DFU_FW_START_NONE);
}

static void test_a_record_worked_out_by_hand_loads(void **state)
{
	(void)state;
	hx_begin();
	/* 03 bytes at 0x0030, type 00, 02 33 7A: 03+00+30+00+02+33+7A = 0xE2,
	 * checksum 0x100 - 0xE2 = 0x1E. */
	hx_raw(":0300300002337A1E\n:00000001FF\n");
	load_ok();
	assert_range(0, 0x0030, 3);
	assert_memory_equal(dfu_fw_range_data(&img, 0), "\x02\x33\x7A", 3);
}

static void test_extended_linear_address_sets_the_upper_16_bits(void **state)
{
	(void)state;
	hx_begin();
	hx_raw(":020000040800F2\n");	/* 0x0800 << 16, as objcopy writes it */
	hx_data(0x0000, bytes(0, 16), 16);
	hx_data(0x0010, bytes(16, 16), 16);
	hx_u16(0x04, 0x0801);
	hx_data(0x0000, bytes(0x80, 4), 4);
	hx_eof();
	load_ok();
	assert_int_equal(img.nranges, 2);
	assert_range(0, 0x08000000, 32);
	assert_range(1, 0x08010000, 4);
	assert_memory_equal(dfu_fw_range_data(&img, 0), bytes(0, 32), 32);
}

static void test_in_linear_mode_a_record_carries_across_a_64k_boundary(void **state)
{
	(void)state;
	hx_begin();
	hx_u16(0x04, 0x0800);
	hx_data(0xFFF8, bytes(0, 16), 16);
	hx_u16(0x04, 0x0801);
	hx_data(0x0008, bytes(16, 8), 8);
	hx_eof();
	load_ok();
	/* 0x0800FFF8..0x08010007 then 0x08010008..: one range. */
	assert_int_equal(img.nranges, 1);
	assert_range(0, 0x0800FFF8, 24);
	assert_memory_equal(dfu_fw_range_data(&img, 0), bytes(0, 24), 24);
}

static void test_extended_segment_address_is_segment_times_16(void **state)
{
	(void)state;
	hx_begin();
	hx_u16(0x02, 0x1234);
	hx_data(0x0010, bytes(0, 8), 8);
	hx_eof();
	load_ok();
	assert_range(0, 0x12340 + 0x10, 8);
}

static void test_in_segment_mode_a_record_wraps_inside_its_segment(void **state)
{
	(void)state;
	hx_begin();
	hx_u16(0x02, 0x1000);			/* base 0x10000 */
	hx_data(0xFFFC, bytes(0, 8), 8);	/* 4 bytes at the top, 4 at the bottom */
	hx_eof();
	load_ok();
	assert_int_equal(img.nranges, 2);
	assert_range(0, 0x10000, 4);
	assert_range(1, 0x1FFFC, 4);
	assert_memory_equal(dfu_fw_range_data(&img, 0), bytes(4, 4), 4);
	assert_memory_equal(dfu_fw_range_data(&img, 1), bytes(0, 4), 4);
}

static void test_a_linear_record_after_a_segment_record_switches_mode_back(void **state)
{
	(void)state;
	hx_begin();
	hx_u16(0x02, 0x1000);
	hx_u16(0x04, 0x0000);
	hx_data(0xFFFC, bytes(0, 8), 8);	/* linear now: no wrap */
	hx_eof();
	load_ok();
	assert_int_equal(img.nranges, 1);
	assert_range(0, 0xFFFC, 8);
}

static void test_start_linear_address_is_kept(void **state)
{
	(void)state;
	hx_begin();
	hx_data(0, bytes(0, 4), 4);
	hx_raw(":0400000508000013DC\n");	/* what objcopy writes for entry 0x08000013 */
	hx_eof();
	load_ok();
	assert_int_equal(img.start_kind, DFU_FW_START_LINEAR);
	assert_int_equal(img.start, 0x08000013);
}

static void test_start_segment_address_is_kept_as_cs_and_ip(void **state)
{
	(void)state;
	hx_begin();
	hx_u32(0x03, 0xF000FFF0u);		/* CS 0xF000, IP 0xFFF0 */
	hx_eof();
	load_ok();
	assert_int_equal(img.start_kind, DFU_FW_START_SEGMENT);
	assert_int_equal(img.start, 0xF000FFF0u);
	assert_int_equal(img.nranges, 0);
}

static void test_the_same_start_address_twice_is_accepted(void **state)
{
	(void)state;
	hx_begin();
	hx_u32(0x05, 0x08000101);
	hx_u32(0x05, 0x08000101);
	hx_eof();
	load_ok();
	assert_int_equal(img.start, 0x08000101);
}

static void test_two_different_start_addresses_are_refused_naming_both_lines(void **state)
{
	(void)state;
	hx_begin();
	hx_u32(0x05, 0x08000101);
	hx_data(0, bytes(0, 4), 4);
	hx_u32(0x05, 0x08000201);
	hx_eof();
	load_fails(DFU_E_FORMAT, "line 3: a second start address (EIP 0x08000201)",
		   "line 1's (EIP 0x08000101)");
	hx_begin();
	hx_u32(0x05, 0x08000101);
	hx_u32(0x03, 0x08000101);
	hx_eof();
	load_fails(DFU_E_FORMAT, "(CS:IP 0800:0101)", "(EIP 0x08000101)");
}

static void test_an_empty_file_with_just_eof_is_an_empty_image(void **state)
{
	(void)state;
	hx_begin();
	hx_eof();
	load_ok();
	assert_int_equal(img.nranges, 0);
	assert_int_equal(img.data_len, 0);
}

/* ---- lines ---- */

static void test_crlf_cr_and_lf_line_ends_and_blank_lines_are_accepted(void **state)
{
	(void)state;
	hx_begin();
	hx_raw("\r\n:0300300002337A1E\r\n\r\n:0300330002337A1B\r:00000001FF\r\n\n");
	load_ok();
	assert_range(0, 0x30, 6);
}

static void test_lower_case_hex_and_a_byte_order_mark_are_accepted(void **state)
{
	(void)state;
	hx_begin();
	hx_raw("\xEF\xBB\xBF:0300300002337a1e\n:00000001ff");
	load_ok();
	assert_range(0, 0x30, 3);
}

static void test_a_file_without_a_final_newline_loads(void **state)
{
	(void)state;
	hx_begin();
	hx_raw(":0300300002337A1E\n:00000001FF");
	load_ok();
	assert_int_equal(img.nranges, 1);
}

/* ---- refusals ---- */

static void test_a_bad_checksum_names_the_line_and_the_expected_value(void **state)
{
	(void)state;
	hx_begin();
	hx_raw(":020000040800F2\n");
	hx_raw(":0300300002337A1F\n");
	hx_eof();
	load_fails(DFU_E_CRC, "line 2: checksum is 0x1F, expected 0x1E", NULL);
	/* The offset points at the checksum digits. */
	assert_int_equal(diag.offset, 16 + 15);
}

static void test_a_bad_checksum_on_the_eof_record_is_refused(void **state)
{
	(void)state;
	hx_begin();
	hx_raw(":00000001FE\n");
	load_fails(DFU_E_CRC, "line 1", "expected 0xFF");
}

static void test_an_unknown_record_type_is_refused(void **state)
{
	(void)state;
	hx_begin();
	hx_rec(0x06, 0, bytes(0, 2), 2);
	hx_eof();
	load_fails(DFU_E_FORMAT, "line 1: record type 06", "00 to 05");
}

static void test_an_odd_number_of_hex_digits_is_refused(void **state)
{
	(void)state;
	hx_begin();
	hx_raw(":0300300002337A1E0\n");
	hx_eof();
	load_fails(DFU_E_FORMAT, "line 1", "odd number of hex digits (17)");
}

static void test_a_character_that_is_not_hex_is_named_with_its_column(void **state)
{
	(void)state;
	hx_begin();
	hx_raw(":00000001FF\n");
	hx_begin();
	hx_raw(":03003000G2337A1E\n:00000001FF\n");
	load_fails(DFU_E_FORMAT, "line 1: character 'G' (0x47) in column 10", NULL);
	assert_int_equal(diag.offset, 9);
	hx_begin();
	hx_raw(":0300300002337A1E \n:00000001FF\n");
	load_fails(DFU_E_FORMAT, "' ' (0x20) in column 18", NULL);
	hx_begin();
	hx_raw(":0300300002337A1E\t\n:00000001FF\n");
	load_fails(DFU_E_FORMAT, "character 0x09", NULL);
}

static void test_a_line_that_is_not_a_record_is_refused(void **state)
{
	(void)state;
	hx_begin();
	hx_raw(":0300300002337A1E\n; a comment\n:00000001FF\n");
	load_fails(DFU_E_FORMAT, "line 2 does not start with ':'", NULL);
	assert_int_equal(diag.offset, 18);
}

static void test_a_length_byte_that_disagrees_with_the_record_is_refused(void **state)
{
	(void)state;
	hx_begin();
	/* Says 4 data bytes, holds 3 (checksum right for what is there). */
	hx_raw(":0400300002337A1D\n:00000001FF\n");
	load_fails(DFU_E_SIZE, "line 1: the length byte says 4 data bytes but the record holds 3",
		   NULL);
	hx_begin();
	hx_raw(":0200300002337A1F\n:00000001FF\n");
	load_fails(DFU_E_SIZE, "says 2 data bytes but the record holds 3", NULL);
}

static void test_a_record_too_short_to_have_a_header_is_refused(void **state)
{
	(void)state;
	hx_begin();
	hx_raw(":00000001\n:00000001FF\n");
	load_fails(DFU_E_SIZE, "line 1: the record has 4 bytes", NULL);
	hx_begin();
	hx_raw(":\n");
	load_fails(DFU_E_SIZE, "has 0 bytes", NULL);
}

static void test_a_record_longer_than_any_record_can_be_is_refused(void **state)
{
	char line[600];

	(void)state;
	memset(line, '0', sizeof(line));
	line[0] = ':';
	line[1 + 2 * 261] = '\n';
	line[2 + 2 * 261] = '\0';
	hx_begin();
	hx_raw(line);
	load_fails(DFU_E_SIZE, "261 bytes", "260");
}

static void test_address_records_of_the_wrong_length_are_refused(void **state)
{
	(void)state;
	hx_begin();
	hx_rec(0x04, 0, bytes(8, 3), 3);
	hx_eof();
	load_fails(DFU_E_SIZE, "line 1: an extended linear address record (type 04) carries 3",
		   "must carry 2");
	hx_begin();
	hx_rec(0x02, 0, bytes(8, 1), 1);
	hx_eof();
	load_fails(DFU_E_SIZE, "extended segment address record (type 02)", NULL);
	hx_begin();
	hx_rec(0x05, 0, bytes(8, 2), 2);
	hx_eof();
	load_fails(DFU_E_SIZE, "start linear address record (type 05) carries 2", "must carry 4");
	hx_begin();
	hx_rec(0x03, 0, bytes(8, 5), 5);
	hx_eof();
	load_fails(DFU_E_SIZE, "start segment address record (type 03)", NULL);
	hx_begin();
	hx_rec(0x01, 0, bytes(8, 1), 1);
	load_fails(DFU_E_SIZE, "end-of-file record (type 01) carries 1", "must carry 0");
}

static void test_a_record_after_the_eof_record_is_refused_naming_both(void **state)
{
	(void)state;
	hx_begin();
	hx_data(0, bytes(0, 4), 4);
	hx_eof();
	hx_raw("\n");
	hx_data(4, bytes(4, 4), 4);
	load_fails(DFU_E_FORMAT, "line 4: a record after the end-of-file record on line 2", NULL);
	hx_begin();
	hx_eof();
	hx_raw("garbage");
	load_fails(DFU_E_FORMAT, "line 2", "end-of-file record on line 1");
}

static void test_a_file_without_eof_may_be_cut_short(void **state)
{
	(void)state;
	hx_begin();
	hx_data(0, bytes(0, 4), 4);
	hx_data(4, bytes(4, 4), 4);
	load_fails(DFU_E_TRUNCATED, "no end-of-file record", "(line 2)");
	hx_begin();
	load_fails(DFU_E_TRUNCATED, "no end-of-file record", "(line 0)");
}

static void test_data_running_past_4_gib_is_refused(void **state)
{
	(void)state;
	hx_begin();
	hx_u16(0x04, 0xFFFF);
	hx_data(0xFFF0, bytes(0, 16), 16);	/* ends exactly at 0xFFFFFFFF: fine */
	hx_eof();
	load_ok();
	assert_range(0, 0xFFFFFFF0u, 16);
	hx_begin();
	hx_u16(0x04, 0xFFFF);
	hx_data(0xFFF8, bytes(0, 16), 16);
	hx_eof();
	load_fails(DFU_E_OVERFLOW, "line 2: 16 data bytes at 0xFFFFFFF8", "4 GiB");
}

static void test_overlapping_records_are_refused_naming_both_lines(void **state)
{
	(void)state;
	hx_begin();
	hx_u16(0x04, 0x0800);
	hx_data(0x0000, bytes(0, 16), 16);	/* line 2 */
	hx_data(0x0010, bytes(0, 16), 16);	/* line 3 */
	hx_data(0x0100, bytes(0, 16), 16);	/* line 4 */
	hx_data(0x0018, bytes(0, 4), 4);	/* line 5: inside line 3's */
	hx_eof();
	load_fails(DFU_E_FORMAT, "line 5 places the byte at 0x08000018 that line 3 already placed",
		   NULL);
}

static void test_an_overlap_through_another_extended_address_is_found(void **state)
{
	(void)state;
	hx_begin();
	hx_u16(0x04, 0x0800);
	hx_data(0x1000, bytes(0, 16), 16);	/* line 2: 0x08001000 */
	hx_u16(0x02, 0x8000);			/* base 0x80000 */
	hx_data(0x0000, bytes(0, 4), 4);	/* line 4 */
	hx_u16(0x04, 0x0800);
	hx_data(0x0FF8, bytes(0, 16), 16);	/* line 6: 0x08000FF8..0x08001007 */
	hx_eof();
	load_fails(DFU_E_FORMAT, "line 6 places the byte at 0x08001000 that line 2", NULL);
}

static void test_a_segment_wrap_that_overlaps_its_own_start_is_found(void **state)
{
	(void)state;
	hx_begin();
	hx_u16(0x02, 0x0000);
	hx_data(0x0000, bytes(0, 2), 2);	/* line 2 */
	hx_data(0xFFFF, bytes(0, 2), 2);	/* line 3: 0xFFFF, then wraps to 0x0000 */
	hx_eof();
	load_fails(DFU_E_FORMAT, "line 3 places the byte at 0x00000000 that line 2", NULL);
}

static void test_a_full_image_names_the_line_and_what_ran_out(void **state)
{
	struct dfu_fw_range two[2];
	uint8_t small[20];

	(void)state;
	hx_begin();
	hx_data(0x000, bytes(0, 16), 16);
	hx_data(0x100, bytes(0, 16), 16);
	hx_data(0x200, bytes(0, 2), 2);
	hx_eof();
	dfu_fw_image_init(&img, two, 2, data, sizeof(data));
	assert_int_equal(dfu_fw_load_ihex(&img, (const uint8_t *)text, text_len, &diag),
			 DFU_E_NOSPACE);
	assert_non_null(strstr(diag.msg, "line 3: "));
	assert_non_null(strstr(diag.msg, "at most 2 ranges"));
	dfu_fw_image_init(&img, ranges, 8, small, sizeof(small));
	assert_int_equal(dfu_fw_load_ihex(&img, (const uint8_t *)text, text_len, &diag),
			 DFU_E_NOSPACE);
	assert_non_null(strstr(diag.msg, "line 2: "));
	assert_non_null(strstr(diag.msg, "at most 20 bytes"));
}

static void test_no_image_or_no_input_is_invalid(void **state)
{
	(void)state;
	assert_int_equal(dfu_fw_load_ihex(NULL, (const uint8_t *)":00000001FF", 11, &diag),
			 DFU_E_INVAL);
	dfu_fw_image_init(&img, ranges, 8, data, sizeof(data));
	assert_int_equal(dfu_fw_load_ihex(&img, NULL, 11, &diag), DFU_E_INVAL);
	assert_int_equal(dfu_fw_load_ihex(&img, NULL, 0, NULL), DFU_E_TRUNCATED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_data_records_without_extended_address_start_at_zero),
		cmocka_unit_test(test_a_record_worked_out_by_hand_loads),
		cmocka_unit_test(test_extended_linear_address_sets_the_upper_16_bits),
		cmocka_unit_test(test_in_linear_mode_a_record_carries_across_a_64k_boundary),
		cmocka_unit_test(test_extended_segment_address_is_segment_times_16),
		cmocka_unit_test(test_in_segment_mode_a_record_wraps_inside_its_segment),
		cmocka_unit_test(test_a_linear_record_after_a_segment_record_switches_mode_back),
		cmocka_unit_test(test_start_linear_address_is_kept),
		cmocka_unit_test(test_start_segment_address_is_kept_as_cs_and_ip),
		cmocka_unit_test(test_the_same_start_address_twice_is_accepted),
		cmocka_unit_test(test_two_different_start_addresses_are_refused_naming_both_lines),
		cmocka_unit_test(test_an_empty_file_with_just_eof_is_an_empty_image),
		cmocka_unit_test(test_crlf_cr_and_lf_line_ends_and_blank_lines_are_accepted),
		cmocka_unit_test(test_lower_case_hex_and_a_byte_order_mark_are_accepted),
		cmocka_unit_test(test_a_file_without_a_final_newline_loads),
		cmocka_unit_test(test_a_bad_checksum_names_the_line_and_the_expected_value),
		cmocka_unit_test(test_a_bad_checksum_on_the_eof_record_is_refused),
		cmocka_unit_test(test_an_unknown_record_type_is_refused),
		cmocka_unit_test(test_an_odd_number_of_hex_digits_is_refused),
		cmocka_unit_test(test_a_character_that_is_not_hex_is_named_with_its_column),
		cmocka_unit_test(test_a_line_that_is_not_a_record_is_refused),
		cmocka_unit_test(test_a_length_byte_that_disagrees_with_the_record_is_refused),
		cmocka_unit_test(test_a_record_too_short_to_have_a_header_is_refused),
		cmocka_unit_test(test_a_record_longer_than_any_record_can_be_is_refused),
		cmocka_unit_test(test_address_records_of_the_wrong_length_are_refused),
		cmocka_unit_test(test_a_record_after_the_eof_record_is_refused_naming_both),
		cmocka_unit_test(test_a_file_without_eof_may_be_cut_short),
		cmocka_unit_test(test_data_running_past_4_gib_is_refused),
		cmocka_unit_test(test_overlapping_records_are_refused_naming_both_lines),
		cmocka_unit_test(test_an_overlap_through_another_extended_address_is_found),
		cmocka_unit_test(test_a_segment_wrap_that_overlaps_its_own_start_is_found),
		cmocka_unit_test(test_a_full_image_names_the_line_and_what_ran_out),
		cmocka_unit_test(test_no_image_or_no_input_is_invalid),
	};
	return cmocka_run_group_tests_name("fw_ihex", tests, NULL, NULL);
}
