/* test_fw_image.c - the sparse firmware image (ranges kept sorted, adjacent
 * blocks joined, overlaps refused, the caller's capacities respected),
 * format detection by content, and raw loading. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dfu/fw_image.h"

#define NR 8
#define ND 256

struct fixture {
	struct dfu_fw_range ranges[NR];
	uint8_t data[ND];
	struct dfu_fw_image img;
};

static struct fixture fx;

static struct dfu_fw_image *fresh(size_t range_cap, size_t data_cap)
{
	memset(&fx, 0xEE, sizeof(fx));
	dfu_fw_image_init(&fx.img, fx.ranges, range_cap, fx.data, data_cap);
	return &fx.img;
}

/* `n` bytes counting up from `first`. */
static const uint8_t *pattern(uint8_t first, size_t n)
{
	static uint8_t buf[ND];

	assert_true(n <= sizeof(buf));
	for (size_t i = 0; i < n; i++)
		buf[i] = (uint8_t)(first + i);
	return buf;
}

static void add_ok(struct dfu_fw_image *img, uint32_t address, uint8_t first, size_t n)
{
	struct dfu_diag d = { 0 };
	int rc = dfu_fw_image_add(img, address, pattern(first, n), n, &d);

	if (rc != 0)
		fail_msg("add of %zu bytes at 0x%08X: %d %s", n, (unsigned)address, rc, d.msg);
}

static void assert_range(const struct dfu_fw_image *img, size_t i, uint32_t address, size_t len)
{
	assert_true(i < img->nranges);
	assert_int_equal(img->ranges[i].address, address);
	assert_int_equal(img->ranges[i].len, len);
}

/* Every byte of the image equals first + (address - base), for one base. */
static void assert_counting(const struct dfu_fw_image *img, uint32_t base, uint8_t first)
{
	for (size_t i = 0; i < img->nranges; i++) {
		const uint8_t *p = dfu_fw_range_data(img, i);

		for (size_t j = 0; j < img->ranges[i].len; j++)
			assert_int_equal(p[j], (uint8_t)(first + (img->ranges[i].address + j - base)));
	}
}

static void test_a_new_image_is_empty_with_no_start_address(void **state)
{
	struct dfu_fw_image *img = fresh(NR, ND);

	(void)state;
	assert_int_equal(img->nranges, 0);
	assert_int_equal(img->data_len, 0);
	assert_int_equal(img->start_kind, DFU_FW_START_NONE);
	assert_null(dfu_fw_range_data(img, 0));
	assert_false(dfu_fw_image_byte(img, 0x08000000, NULL));
}

static void test_blocks_in_address_order_that_touch_become_one_range(void **state)
{
	struct dfu_fw_image *img = fresh(NR, ND);

	(void)state;
	add_ok(img, 0x08000000, 0, 16);
	add_ok(img, 0x08000010, 16, 16);
	add_ok(img, 0x08000020, 32, 8);
	assert_int_equal(img->nranges, 1);
	assert_range(img, 0, 0x08000000, 40);
	assert_int_equal(img->data_len, 40);
	assert_counting(img, 0x08000000, 0);
}

static void test_blocks_out_of_order_are_sorted_and_joined(void **state)
{
	struct dfu_fw_image *img = fresh(NR, ND);

	(void)state;
	add_ok(img, 0x08000020, 32, 16);	/* middle */
	add_ok(img, 0x08000100, 0, 4);		/* far above */
	add_ok(img, 0x08000000, 0, 16);		/* bottom, not touching */
	assert_int_equal(img->nranges, 3);
	add_ok(img, 0x08000010, 16, 16);	/* fills the hole: joins both */
	assert_int_equal(img->nranges, 2);
	assert_range(img, 0, 0x08000000, 48);
	assert_range(img, 1, 0x08000100, 4);
	assert_int_equal(img->data_len, 52);
	assert_counting(img, 0x08000000, 0);
	assert_memory_equal(dfu_fw_range_data(img, 1), pattern(0, 4), 4);
}

static void test_a_block_just_below_a_range_extends_it_downwards(void **state)
{
	struct dfu_fw_image *img = fresh(NR, ND);

	(void)state;
	add_ok(img, 0x100, 0x10, 16);
	add_ok(img, 0x200, 0x10, 4);		/* (uint8_t)(0x200 - 0x0F0) */
	add_ok(img, 0x0F0, 0x00, 16);
	assert_int_equal(img->nranges, 2);
	assert_range(img, 0, 0x0F0, 32);
	assert_range(img, 1, 0x200, 4);
	assert_counting(img, 0x0F0, 0);
	assert_int_equal(img->ranges[1].offset, 32);
}

static void test_a_block_between_two_ranges_stays_apart_when_it_touches_neither(void **state)
{
	struct dfu_fw_image *img = fresh(NR, ND);

	(void)state;
	add_ok(img, 0x000, 0, 4);
	add_ok(img, 0x100, 0, 4);
	add_ok(img, 0x080, 0x80, 4);
	assert_int_equal(img->nranges, 3);
	assert_range(img, 0, 0x000, 4);
	assert_range(img, 1, 0x080, 4);
	assert_range(img, 2, 0x100, 4);
	assert_memory_equal(dfu_fw_range_data(img, 1), pattern(0x80, 4), 4);
	assert_memory_equal(dfu_fw_range_data(img, 2), pattern(0, 4), 4);
}

static void test_an_overlapping_block_is_refused_naming_the_first_shared_byte(void **state)
{
	struct dfu_fw_image *img = fresh(NR, ND);
	struct dfu_diag d = { 0 };
	uint32_t first = 0;

	(void)state;
	add_ok(img, 0x1000, 0, 16);
	add_ok(img, 0x1020, 0, 16);
	/* Starts inside the first range. */
	assert_true(dfu_fw_image_overlaps(img, 0x100F, 2, &first));
	assert_int_equal(first, 0x100F);
	/* Starts in the hole, ends inside the second range. */
	assert_true(dfu_fw_image_overlaps(img, 0x1018, 9, &first));
	assert_int_equal(first, 0x1020);
	/* Covers the second range completely. */
	assert_true(dfu_fw_image_overlaps(img, 0x101F, 0x40, &first));
	assert_int_equal(first, 0x1020);
	/* Touching is not overlapping. */
	assert_false(dfu_fw_image_overlaps(img, 0x1010, 16, NULL));
	assert_false(dfu_fw_image_overlaps(img, 0x0FF0, 16, NULL));
	assert_false(dfu_fw_image_overlaps(img, 0x1010, 0, NULL));

	assert_int_equal(dfu_fw_image_add(img, 0x1018, pattern(0, 9), 9, &d), DFU_E_FORMAT);
	assert_non_null(strstr(d.msg, "0x00001020"));
	assert_non_null(strstr(d.msg, "placed twice"));
	/* Nothing changed. */
	assert_int_equal(img->nranges, 2);
	assert_int_equal(img->data_len, 32);
}

static void test_the_same_bytes_placed_twice_are_still_an_overlap(void **state)
{
	struct dfu_fw_image *img = fresh(NR, ND);

	(void)state;
	add_ok(img, 0x2000, 7, 8);
	assert_int_equal(dfu_fw_image_add(img, 0x2000, pattern(7, 8), 8, NULL), DFU_E_FORMAT);
}

static void test_a_full_data_buffer_is_named_with_its_capacity(void **state)
{
	struct dfu_fw_image *img = fresh(NR, 20);
	struct dfu_diag d = { 0 };

	(void)state;
	add_ok(img, 0, 0, 16);
	assert_int_equal(dfu_fw_image_add(img, 16, pattern(0, 5), 5, &d), DFU_E_NOSPACE);
	assert_non_null(strstr(d.msg, "at most 20 bytes"));
	assert_int_equal(img->data_len, 16);
	assert_int_equal(img->nranges, 1);
	add_ok(img, 16, 16, 4);			/* exactly full is fine */
	assert_int_equal(img->data_len, 20);
}

static void test_a_full_range_array_is_named_but_joining_needs_no_new_range(void **state)
{
	struct dfu_fw_image *img = fresh(2, ND);
	struct dfu_diag d = { 0 };

	(void)state;
	add_ok(img, 0x000, 0, 4);
	add_ok(img, 0x100, 0, 4);
	assert_int_equal(dfu_fw_image_add(img, 0x200, pattern(0, 4), 4, &d), DFU_E_NOSPACE);
	assert_non_null(strstr(d.msg, "at most 2 ranges"));
	assert_int_equal(img->nranges, 2);
	/* Blocks that join an existing range still fit. */
	add_ok(img, 0x004, 4, 4);
	add_ok(img, 0x0FC, 0, 4);
	assert_int_equal(img->nranges, 2);
	assert_int_equal(img->data_len, 16);
}

static void test_an_image_with_no_storage_takes_nothing(void **state)
{
	struct dfu_fw_image img;

	(void)state;
	dfu_fw_image_init(&img, NULL, 5, NULL, 5);
	assert_int_equal(img.range_cap, 0);
	assert_int_equal(img.data_cap, 0);
	assert_int_equal(dfu_fw_image_add(&img, 0, pattern(0, 1), 1, NULL), DFU_E_NOSPACE);
	assert_int_equal(dfu_fw_image_add(&img, 0, NULL, 0, NULL), 0);
	assert_int_equal(dfu_fw_image_add(&img, 0, NULL, 1, NULL), DFU_E_INVAL);
	assert_int_equal(dfu_fw_image_add(NULL, 0, pattern(0, 1), 1, NULL), DFU_E_INVAL);
}

static void test_a_block_ending_at_the_last_address_fits_and_one_past_it_does_not(void **state)
{
	struct dfu_fw_image *img = fresh(NR, ND);
	struct dfu_diag d = { 0 };

	(void)state;
	add_ok(img, 0xFFFFFFF0u, 0, 16);
	assert_range(img, 0, 0xFFFFFFF0u, 16);
	assert_true(dfu_fw_image_byte(img, 0xFFFFFFFFu, NULL));
	dfu_fw_image_clear(img);
	assert_int_equal(dfu_fw_image_add(img, 0xFFFFFFF1u, pattern(0, 16), 16, &d),
			 DFU_E_OVERFLOW);
	assert_non_null(strstr(d.msg, "0xFFFFFFF1"));
	assert_int_equal(img->nranges, 0);
}

static void test_byte_lookup_finds_bytes_in_ranges_and_none_in_holes(void **state)
{
	struct dfu_fw_image *img = fresh(NR, ND);
	uint8_t b = 0;

	(void)state;
	add_ok(img, 0x10, 0xA0, 4);
	add_ok(img, 0x20, 0xB0, 4);
	assert_true(dfu_fw_image_byte(img, 0x13, &b));
	assert_int_equal(b, 0xA3);
	assert_true(dfu_fw_image_byte(img, 0x20, &b));
	assert_int_equal(b, 0xB0);
	assert_false(dfu_fw_image_byte(img, 0x0F, &b));
	assert_false(dfu_fw_image_byte(img, 0x14, &b));
	assert_false(dfu_fw_image_byte(img, 0x24, &b));
	assert_false(dfu_fw_image_byte(NULL, 0x10, &b));
}

static void test_clear_forgets_ranges_and_start_but_keeps_storage(void **state)
{
	struct dfu_fw_image *img = fresh(NR, ND);

	(void)state;
	add_ok(img, 0, 0, 4);
	img->start_kind = DFU_FW_START_LINEAR;
	img->start = 0x08000101;
	dfu_fw_image_clear(img);
	assert_int_equal(img->nranges, 0);
	assert_int_equal(img->data_len, 0);
	assert_int_equal(img->start_kind, DFU_FW_START_NONE);
	assert_ptr_equal(img->data, fx.data);
	assert_int_equal(img->range_cap, NR);
}

static void test_raw_input_is_one_range_at_the_given_address(void **state)
{
	struct dfu_fw_image *img = fresh(NR, ND);

	(void)state;
	assert_int_equal(dfu_fw_load_raw(img, pattern(0, 100), 100, 0x08004000, NULL), 0);
	assert_int_equal(img->nranges, 1);
	assert_range(img, 0, 0x08004000, 100);
	assert_counting(img, 0x08004000, 0);
	assert_int_equal(img->start_kind, DFU_FW_START_NONE);
}

static void test_bounds_cover_the_worst_text_and_raw_inputs(void **state)
{
	/* One data byte per record, every record apart from the others: the
	 * most ranges per input byte a HEX file can make. */
	static const char one[] = ":01000000AA55\n:01000200BB42\n:01000400CC2F\n:00000001FF\n";
	size_t nr, nb;

	(void)state;
	dfu_fw_bounds(sizeof(one) - 1, &nr, &nb);
	assert_true(nr >= 3);
	assert_true(nb >= 3);
	dfu_fw_bounds(1000, &nr, &nb);
	assert_true(nb >= 1000);		/* raw: every byte */
	assert_true(nr >= 1000 / 11 * 2);	/* HEX: two pieces per 11-digit record */
	dfu_fw_bounds(0, &nr, &nb);
	assert_int_equal(nr, 1);
	assert_int_equal(nb, 1);
}

static void test_the_bounds_of_an_input_are_enough_to_load_it(void **state)
{
	static const char one[] = ":01000000AA55\n:01000200BB42\n:01000400CC2F\n:00000001FF\n";
	struct dfu_fw_range ranges[64];
	uint8_t data[64];
	struct dfu_fw_image img;
	size_t nr, nb;

	(void)state;
	dfu_fw_bounds(sizeof(one) - 1, &nr, &nb);
	assert_true(nr <= 64 && nb <= 64);
	dfu_fw_image_init(&img, ranges, nr, data, nb);
	assert_int_equal(dfu_fw_load_ihex(&img, (const uint8_t *)one, sizeof(one) - 1, NULL), 0);
	assert_int_equal(img.nranges, 3);
}

/* ---- detection ---- */

static enum dfu_fw_format detect_str(const char *s)
{
	return dfu_fw_detect((const uint8_t *)s, strlen(s));
}

static void test_intel_hex_is_detected_by_its_first_record(void **state)
{
	(void)state;
	assert_int_equal(detect_str(":020000040800F2\n:00000001FF\n"), DFU_FW_IHEX);
	assert_int_equal(detect_str(":00000001FF"), DFU_FW_IHEX);
	assert_int_equal(detect_str("\r\n\r\n:00000001ff\r\n"), DFU_FW_IHEX);
	assert_int_equal(detect_str("\xEF\xBB\xBF:00000001FF\n"), DFU_FW_IHEX);
	/* A bad checksum is still HEX: loading it says what is wrong. */
	assert_int_equal(detect_str(":00000001FE\n"), DFU_FW_IHEX);
}

static void test_s_records_are_detected_by_their_first_record(void **state)
{
	(void)state;
	assert_int_equal(detect_str("S00600004844521B\nS9030000FC\n"), DFU_FW_SREC);
	assert_int_equal(detect_str("S9030000FC"), DFU_FW_SREC);
	assert_int_equal(detect_str("\nS30D080000AC78563412940000088E\r\n"), DFU_FW_SREC);
}

static void test_elf_and_dfuse_are_detected_by_their_magic(void **state)
{
	static const uint8_t elf[] = { 0x7F, 'E', 'L', 'F', 1, 1, 1, 0 };

	(void)state;
	assert_int_equal(dfu_fw_detect(elf, sizeof(elf)), DFU_FW_ELF);
	assert_int_equal(dfu_fw_detect(elf, 4), DFU_FW_ELF);
	assert_int_equal(dfu_fw_detect(elf, 3), DFU_FW_RAW);
	assert_int_equal(detect_str("DfuSe\x01\x00\x00\x00\x00\x01"), DFU_FW_DFUSE);
	assert_int_equal(detect_str("DfuS"), DFU_FW_RAW);
}

static void test_things_that_only_resemble_text_records_are_raw(void **state)
{
	/* A real vector table: SP 0x20008000, reset 0x08000013. */
	static const uint8_t vectors[] = { 0x00, 0x80, 0x00, 0x20, 0x13, 0x00, 0x00, 0x08 };

	(void)state;
	assert_int_equal(dfu_fw_detect(vectors, sizeof(vectors)), DFU_FW_RAW);
	assert_int_equal(dfu_fw_detect(NULL, 10), DFU_FW_RAW);
	assert_int_equal(dfu_fw_detect((const uint8_t *)"", 0), DFU_FW_RAW);
	assert_int_equal(detect_str("\n\n\r"), DFU_FW_RAW);
	assert_int_equal(detect_str(":0000000"), DFU_FW_RAW);		/* too short */
	assert_int_equal(detect_str(":00000001FF trailing"), DFU_FW_RAW);
	assert_int_equal(detect_str(":0000G001FF\n"), DFU_FW_RAW);
	assert_int_equal(detect_str(" :00000001FF\n"), DFU_FW_RAW);
	assert_int_equal(detect_str("S9030000"), DFU_FW_RAW);		/* too short */
	assert_int_equal(detect_str("SX030000FC\n"), DFU_FW_RAW);
	assert_int_equal(detect_str("S\n"), DFU_FW_RAW);
	assert_int_equal(detect_str("Some text in a README\n"), DFU_FW_RAW);
}

static void test_text_and_elf_are_obviously_not_raw_but_dfuse_and_binaries_may_be(void **state)
{
	static const uint8_t elf[] = { 0x7F, 'E', 'L', 'F', 1, 1, 1, 0 };
	static const uint8_t vectors[] = { 0x00, 0x80, 0x00, 0x20, 0x13, 0x00, 0x00, 0x08 };
	static const char hex[] = ":020000040800F2\n";
	static const char srec[] = "S00600004844521B\n";

	(void)state;
	assert_int_equal(dfu_fw_obviously_not_raw((const uint8_t *)hex, strlen(hex)), DFU_FW_IHEX);
	assert_int_equal(dfu_fw_obviously_not_raw((const uint8_t *)srec, strlen(srec)),
			 DFU_FW_SREC);
	assert_int_equal(dfu_fw_obviously_not_raw(elf, sizeof(elf)), DFU_FW_ELF);
	assert_int_equal(dfu_fw_obviously_not_raw((const uint8_t *)"DfuSe\x01", 6), DFU_FW_RAW);
	assert_int_equal(dfu_fw_obviously_not_raw(vectors, sizeof(vectors)), DFU_FW_RAW);
}

static void test_every_format_has_a_name(void **state)
{
	(void)state;
	assert_string_equal(dfu_fw_format_name(DFU_FW_RAW), "raw binary");
	assert_string_equal(dfu_fw_format_name(DFU_FW_IHEX), "Intel HEX");
	assert_string_equal(dfu_fw_format_name(DFU_FW_SREC), "S-record");
	assert_string_equal(dfu_fw_format_name(DFU_FW_ELF), "ELF");
	assert_string_equal(dfu_fw_format_name(DFU_FW_DFUSE), "DfuSe");
	assert_string_equal(dfu_fw_format_name((enum dfu_fw_format)99), "unknown format");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_new_image_is_empty_with_no_start_address),
		cmocka_unit_test(test_blocks_in_address_order_that_touch_become_one_range),
		cmocka_unit_test(test_blocks_out_of_order_are_sorted_and_joined),
		cmocka_unit_test(test_a_block_just_below_a_range_extends_it_downwards),
		cmocka_unit_test(test_a_block_between_two_ranges_stays_apart_when_it_touches_neither),
		cmocka_unit_test(test_an_overlapping_block_is_refused_naming_the_first_shared_byte),
		cmocka_unit_test(test_the_same_bytes_placed_twice_are_still_an_overlap),
		cmocka_unit_test(test_a_full_data_buffer_is_named_with_its_capacity),
		cmocka_unit_test(test_a_full_range_array_is_named_but_joining_needs_no_new_range),
		cmocka_unit_test(test_an_image_with_no_storage_takes_nothing),
		cmocka_unit_test(test_a_block_ending_at_the_last_address_fits_and_one_past_it_does_not),
		cmocka_unit_test(test_byte_lookup_finds_bytes_in_ranges_and_none_in_holes),
		cmocka_unit_test(test_clear_forgets_ranges_and_start_but_keeps_storage),
		cmocka_unit_test(test_raw_input_is_one_range_at_the_given_address),
		cmocka_unit_test(test_bounds_cover_the_worst_text_and_raw_inputs),
		cmocka_unit_test(test_the_bounds_of_an_input_are_enough_to_load_it),
		cmocka_unit_test(test_intel_hex_is_detected_by_its_first_record),
		cmocka_unit_test(test_s_records_are_detected_by_their_first_record),
		cmocka_unit_test(test_elf_and_dfuse_are_detected_by_their_magic),
		cmocka_unit_test(test_things_that_only_resemble_text_records_are_raw),
		cmocka_unit_test(test_text_and_elf_are_obviously_not_raw_but_dfuse_and_binaries_may_be),
		cmocka_unit_test(test_every_format_has_a_name),
	};
	return cmocka_run_group_tests_name("fw_image", tests, NULL, NULL);
}
