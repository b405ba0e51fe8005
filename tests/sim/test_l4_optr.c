/* test_l4_optr.c - FLASH_OPTR and WRPxxR fields, RDP levels. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sim/l4_chip.h"

static void test_the_factory_example_value_decodes_to_a_pin_boot_with_empty_check(void **state)
{
	struct l4_optr o;

	(void)state;
	/* OpenOCD's example 0xFFEFF8AA ([OpenOCD-L4], [optr-layout]). */
	l4_optr_decode(0xFFEFF8AA, &o);
	assert_int_equal(o.rdp, 0xAA);
	assert_int_equal(o.bor_lev, 0);
	assert_true(o.nrst_stop && o.nrst_stdby && o.nrst_shdw);
	assert_true(o.iwdg_sw && o.iwdg_stop && o.iwdg_stdby && o.wwdg_sw);
	assert_true(o.nboot1);
	assert_true(o.sram2_pe && o.sram2_rst);
	assert_true(o.nswboot0);
	assert_true(o.nboot0);
}

static void test_each_field_sits_at_its_rm0394_bit(void **state)
{
	struct l4_optr o;

	(void)state;
	l4_optr_decode(0x00000000, &o);
	assert_false(o.nrst_stop || o.nrst_stdby || o.nrst_shdw || o.iwdg_sw || o.iwdg_stop ||
		     o.iwdg_stdby || o.wwdg_sw || o.nboot1 || o.sram2_pe || o.sram2_rst ||
		     o.nswboot0 || o.nboot0);
	l4_optr_decode(1u << 26, &o);
	assert_true(o.nswboot0);
	assert_false(o.nboot0);
	l4_optr_decode(1u << 27, &o);
	assert_true(o.nboot0);
	l4_optr_decode(1u << 23, &o);
	assert_true(o.nboot1);
	l4_optr_decode(4u << 8, &o);
	assert_int_equal(o.bor_lev, 4);
	l4_optr_decode(0x000000CC, &o);
	assert_int_equal(o.rdp, 0xCC);
}

static void test_encoding_a_decoded_word_gives_the_word_back(void **state)
{
	static const uint32_t words[] = { 0xFFEFF8AA, 0xFBFFF8AA, 0x00000000, 0xFFFFFFFF,
					  0xF7EFF8BB, 0x12345678, 0xFFEFF9CC, 0x0C0000AA };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		struct l4_optr o;

		l4_optr_decode(words[i], &o);
		assert_int_equal(l4_optr_encode(&o, words[i]), words[i]);
	}
}

static void test_encoding_takes_bits_no_field_covers_from_the_base(void **state)
{
	struct l4_optr o;

	(void)state;
	l4_optr_decode(0xFFEFF8AA, &o);
	o.nswboot0 = false;
	o.rdp = 0xBB;
	/* Reserved bits (31:28, 22:20, 15, 11) come from the base word. */
	assert_int_equal(l4_optr_encode(&o, 0xFFEFF8AA), 0xFBEFF8BB);
	assert_int_equal(l4_optr_encode(&o, 0x00000000), 0x0B8F70BB);
	o.bor_lev = 9; /* only three bits exist */
	assert_int_equal(l4_optr_encode(&o, 0) & 0x700, 0x100);
}

static void test_rdp_level_is_zero_for_aa_two_for_cc_one_for_anything_else(void **state)
{
	unsigned v;

	(void)state;
	for (v = 0; v < 256; v++) {
		int want = v == 0xAA ? 0 : v == 0xCC ? 2 : 1;

		assert_int_equal(l4_rdp_level((uint8_t)v), want);
	}
	assert_int_equal(l4_rdp_level(L4_RDP_LEVEL1), 1);
}

static void test_format_names_every_field(void **state)
{
	char text[256];
	int n;

	(void)state;
	n = l4_optr_format(0xFFEFF8AA, text, sizeof(text));
	assert_string_equal(text, "RDP=0xAA (level 0) BOR_LEV=0 nRST_STOP=1 nRST_STDBY=1 "
				  "nRST_SHDW=1 IWDG_SW=1 IWDG_STOP=1 IWDG_STDBY=1 WWDG_SW=1 "
				  "nBOOT1=1 SRAM2_PE=1 SRAM2_RST=1 nSWBOOT0=1 nBOOT0=1");
	assert_int_equal(n, (int)strlen(text));
	l4_optr_format(0xF3EFF4CC, text, sizeof(text));
	assert_non_null(strstr(text, "RDP=0xCC (level 2) BOR_LEV=4"));
	assert_non_null(strstr(text, "nSWBOOT0=0 nBOOT0=0"));
}

static void test_format_into_a_short_buffer_truncates_and_reports_the_full_length(void **state)
{
	char full[256], cut[16];
	int n;

	(void)state;
	l4_optr_format(0xFFEFF8BB, full, sizeof(full));
	n = l4_optr_format(0xFFEFF8BB, cut, sizeof(cut));
	assert_int_equal(n, (int)strlen(full));
	assert_int_equal(strlen(cut), sizeof(cut) - 1);
	assert_memory_equal(cut, "RDP=0xBB (level", sizeof(cut) - 1);
}

static void test_wrp_fields_round_trip(void **state)
{
	struct l4_wrp_area a = { .start = 4, .end = 7 }, b;

	(void)state;
	assert_int_equal(l4_wrp_encode(&a), 0x00070004);
	l4_wrp_decode(&dfu_ob_stm32l45x, 0x00070004, &b);
	assert_int_equal(b.start, 4);
	assert_int_equal(b.end, 7);
	/* Bits outside STRT/END are not part of the area. */
	l4_wrp_decode(&dfu_ob_stm32l45x, 0xFF3FFF05, &b);
	assert_int_equal(b.start, 0x05);
	assert_int_equal(b.end, 0x3F);
	/* The factory "disabled" value: start > end. */
	l4_wrp_decode(&dfu_ob_stm32l45x, 0x000000FF, &b);
	assert_true(b.start > b.end);
}

static void test_wrp_decode_keeps_only_the_bits_the_layout_gives_the_line(void **state)
{
	struct l4_wrp_area a = { .start = 64, .end = 0xC5 }, b;

	(void)state;
	/* Page 64 on an L41x (6-bit fields, 64 pages) is page 0 to the chip. */
	l4_wrp_decode(&dfu_ob_stm32l41x, l4_wrp_encode(&a), &b);
	assert_int_equal(b.start, 0);
	assert_int_equal(b.end, 0x05);
	l4_wrp_decode(&dfu_ob_stm32l43x, l4_wrp_encode(&a), &b);
	assert_int_equal(b.start, 64);
	assert_int_equal(b.end, 0x45);
	l4_wrp_decode(&dfu_ob_stm32l4rs, l4_wrp_encode(&a), &b);
	assert_int_equal(b.start, 64);
	assert_int_equal(b.end, 0xC5);
	/* 0xFF / 0x00 stays "no area" at every width. */
	l4_wrp_decode(&dfu_ob_stm32l41x, 0x000000FF, &b);
	assert_true(b.start > b.end);
}

static void test_optr_fields_sit_where_every_layout_puts_them(void **state)
{
	struct l4_optr o;

	(void)state;
	for (size_t i = 0; i < dfu_ob_layout_count(); i++) {
		const struct dfu_ob_layout *l = dfu_ob_layout_at(i);
		const struct dfu_ob_field *f = dfu_ob_field(l, DFU_OBF_NBOOT1);

		/* One field set, every other bit clear. */
		l4_optr_decode(dfu_ob_field_mask(f), &o);
		assert_true(o.nboot1);
		assert_false(o.nswboot0 || o.sram2_pe || o.wwdg_sw);
		f = dfu_ob_field(l, DFU_OBF_BOR_LEV);
		l4_optr_decode(dfu_ob_field_insert(f, 0, 3), &o);
		assert_int_equal(o.bor_lev, 3);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_the_factory_example_value_decodes_to_a_pin_boot_with_empty_check),
		cmocka_unit_test(test_each_field_sits_at_its_rm0394_bit),
		cmocka_unit_test(test_encoding_a_decoded_word_gives_the_word_back),
		cmocka_unit_test(test_encoding_takes_bits_no_field_covers_from_the_base),
		cmocka_unit_test(test_rdp_level_is_zero_for_aa_two_for_cc_one_for_anything_else),
		cmocka_unit_test(test_format_names_every_field),
		cmocka_unit_test(test_format_into_a_short_buffer_truncates_and_reports_the_full_length),
		cmocka_unit_test(test_wrp_fields_round_trip),
		cmocka_unit_test(test_wrp_decode_keeps_only_the_bits_the_layout_gives_the_line),
		cmocka_unit_test(test_optr_fields_sit_where_every_layout_puts_them),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
