/* test_stm32_ob.c - the STM32 option-byte layouts as data, and their functions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dfu/bytes.h"
#include "dfu/stm32_ob.h"

static void block(uint8_t ob[40], uint32_t optr, uint32_t wrp1ar, uint32_t wrp1br)
{
	memset(ob, 0xFF, 40);
	dfu_put_le32(ob + DFU_OB_OPTR, optr);
	dfu_put_le32(ob + DFU_OB_OPTR + 4, ~optr);
	dfu_put_le32(ob + DFU_OB_WRP1AR, wrp1ar);
	dfu_put_le32(ob + DFU_OB_WRP1AR + 4, ~wrp1ar);
	dfu_put_le32(ob + DFU_OB_WRP1BR, wrp1br);
	dfu_put_le32(ob + DFU_OB_WRP1BR + 4, ~wrp1br);
}

static void test_no_two_fields_of_a_layout_share_a_bit_or_a_reserved_bit(void **state)
{
	(void)state;
	for (size_t i = 0; i < dfu_ob_layout_count(); i++) {
		const struct dfu_ob_layout *l = dfu_ob_layout_at(i);
		uint32_t used[DFU_OB_MIN_SIZE / 4] = { 0 };

		assert_true(l->nfields > 0);
		for (size_t k = 0; k < l->nfields; k++) {
			const struct dfu_ob_field *f = &l->fields[k];
			uint32_t m = dfu_ob_field_mask(f);

			assert_true(f->width >= 1 && f->shift + f->width <= 32);
			assert_true(f->max >= 1 && f->max <= dfu_ob_field_ones(f));
			assert_true(f->reg % 8 == 0 && (size_t)f->reg + 8 <= l->size);
			assert_int_equal(used[f->reg / 4] & m, 0);
			used[f->reg / 4] |= m;
			if (f->reg == DFU_OB_OPTR)
				assert_int_equal(l->optr_reserved & m, 0);
			/* Ids and names are unique within a layout. */
			assert_ptr_equal(dfu_ob_field(l, f->id), f);
			assert_ptr_equal(dfu_ob_field_find(l, f->name, strlen(f->name)), f);
			assert_non_null(f->meaning);
		}
		assert_non_null(dfu_ob_field(l, DFU_OBF_RDP));
	}
}

static void test_a_field_sits_at_the_same_bits_in_every_layout_that_has_it(void **state)
{
	(void)state;
	for (int id = 0; id < DFU_OBF_COUNT; id++) {
		const struct dfu_ob_field *first = NULL;

		for (size_t i = 0; i < dfu_ob_layout_count(); i++) {
			const struct dfu_ob_field *f = dfu_ob_field(dfu_ob_layout_at(i), id);

			if (!f)
				continue;
			if (!first) {
				first = f;
				continue;
			}
			assert_string_equal(f->name, first->name);
			assert_int_equal(f->reg, first->reg);
			assert_int_equal(f->shift, first->shift);
		}
		assert_non_null(first); /* every id is used by some layout */
	}
}

static void test_wrp_pages_are_6_bits_on_l41x_7_on_l43x_and_8_on_the_larger_lines(void **state)
{
	static const struct {
		const struct dfu_ob_layout *l;
		unsigned bits;
	} want[] = { { &dfu_ob_stm32l41x, 6 }, { &dfu_ob_stm32l43x, 7 },
		     { &dfu_ob_stm32l45x, 8 }, { &dfu_ob_stm32l47x, 8 },
		     { &dfu_ob_stm32l4rs, 8 } };
	static const enum dfu_ob_field_id wrp[] = { DFU_OBF_WRP1A_STRT, DFU_OBF_WRP1A_END,
						    DFU_OBF_WRP1B_STRT, DFU_OBF_WRP1B_END };

	(void)state;
	assert_int_equal(dfu_ob_layout_count(), sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		for (size_t k = 0; k < 4; k++) {
			const struct dfu_ob_field *f = dfu_ob_field(want[i].l, wrp[k]);

			assert_non_null(f);
			assert_int_equal(f->width, want[i].bits);
			assert_int_equal(f->max, (1u << want[i].bits) - 1);
		}
}

static void test_each_line_has_its_own_optr_fields(void **state)
{
	(void)state;
	/* nSWBOOT0/nBOOT0 on L41x-L46x and L4R/L4S, not on L47x/L48x. */
	assert_non_null(dfu_ob_field(&dfu_ob_stm32l41x, DFU_OBF_NSWBOOT0));
	assert_non_null(dfu_ob_field(&dfu_ob_stm32l4rs, DFU_OBF_NBOOT0));
	assert_null(dfu_ob_field(&dfu_ob_stm32l47x, DFU_OBF_NSWBOOT0));
	/* Bank fields only where there are banks. */
	assert_null(dfu_ob_field(&dfu_ob_stm32l45x, DFU_OBF_BFB2));
	assert_int_equal(dfu_ob_field(&dfu_ob_stm32l47x, DFU_OBF_DUALBANK)->shift, 21);
	assert_int_equal(dfu_ob_field(&dfu_ob_stm32l4rs, DFU_OBF_BFB2)->shift, 20);
	assert_int_equal(dfu_ob_field(&dfu_ob_stm32l4rs, DFU_OBF_DB1M)->shift, 21);
	assert_int_equal(dfu_ob_field(&dfu_ob_stm32l4rs, DFU_OBF_DBANK)->shift, 22);
	/* Bits 22:20 are reserved (read as 1) on L41x-L46x, fields on L4R/L4S. */
	assert_int_equal(dfu_ob_stm32l41x.optr_reserved, 0xF0608800u);
	assert_int_equal(dfu_ob_stm32l4rs.optr_reserved, 0xF0008800u);
	assert_int_equal(dfu_ob_field(&dfu_ob_stm32l45x, DFU_OBF_BOR_LEV)->max, 4);
	assert_string_equal(dfu_ob_stm32l41x.manual, "RM0394");
	assert_string_equal(dfu_ob_stm32l4rs.manual, "RM0432");
}

static void test_the_layout_is_picked_by_option_byte_address_and_flash_size(void **state)
{
	(void)state;
	assert_ptr_equal(dfu_ob_layout_for(0x1FFF7800, 64 * 1024), &dfu_ob_stm32l41x);
	assert_ptr_equal(dfu_ob_layout_for(0x1FFF7800, 128 * 1024), &dfu_ob_stm32l41x);
	assert_ptr_equal(dfu_ob_layout_for(0x1FFF7800, 256 * 1024), &dfu_ob_stm32l43x);
	assert_ptr_equal(dfu_ob_layout_for(0x1FFF7800, 512 * 1024), &dfu_ob_stm32l45x);
	assert_ptr_equal(dfu_ob_layout_for(0x1FFF7800, 1024 * 1024), &dfu_ob_stm32l47x);
	assert_ptr_equal(dfu_ob_layout_for(0x1FF00000, 2048 * 1024), &dfu_ob_stm32l4rs);
	assert_ptr_equal(dfu_ob_layout_for(0x1FF00000, 1024 * 1024), &dfu_ob_stm32l4rs);
	assert_null(dfu_ob_layout_for(0x1FFF7800, 4096 * 1024));
	assert_null(dfu_ob_layout_for(0x1FFFC000, 128 * 1024)); /* an STM32F4's block */
}

static void test_names_are_found_case_insensitively_by_their_first_n_bytes(void **state)
{
	const char *a = "wrp1b_strt=64";
	const struct dfu_ob_layout *l = &dfu_ob_stm32l41x;

	(void)state;
	assert_ptr_equal(dfu_ob_field_find(l, a, 10), dfu_ob_field(l, DFU_OBF_WRP1B_STRT));
	assert_ptr_equal(dfu_ob_field_find(l, "RDPX", 3), dfu_ob_field(l, DFU_OBF_RDP));
	assert_null(dfu_ob_field_find(l, "RDPX", 4));
	assert_null(dfu_ob_field_find(l, "WRP1B", 5));
	assert_null(dfu_ob_field_find(l, "BFB2", 4)); /* an L4R field */
	assert_null(dfu_ob_field_find(NULL, "RDP", 3));
	assert_ptr_equal(dfu_ob_layout_find("STM32L41X"), &dfu_ob_stm32l41x);
	assert_ptr_equal(dfu_ob_layout_find("stm32l4rs"), &dfu_ob_stm32l4rs);
	assert_null(dfu_ob_layout_find("stm32f405"));
	assert_null(dfu_ob_layout_find(NULL));
	assert_null(dfu_ob_layout_at(dfu_ob_layout_count()));
}

static void test_insert_changes_only_the_field_and_extract_reads_it_back(void **state)
{
	(void)state;
	for (size_t i = 0; i < dfu_ob_layout_count(); i++) {
		const struct dfu_ob_layout *l = dfu_ob_layout_at(i);

		for (size_t k = 0; k < l->nfields; k++) {
			const struct dfu_ob_field *f = &l->fields[k];
			uint32_t m = dfu_ob_field_mask(f);
			uint32_t w0 = dfu_ob_field_insert(f, 0, f->max);
			uint32_t w1 = dfu_ob_field_insert(f, 0xFFFFFFFFu, f->max / 2);

			assert_int_equal(dfu_ob_field_extract(f, w0), f->max);
			assert_int_equal(w0 & ~m, 0);
			assert_int_equal(dfu_ob_field_extract(f, w1), f->max / 2);
			assert_int_equal(w1 & ~m, ~m);
			/* Bits above the width are dropped, not carried into a neighbour. */
			assert_int_equal(dfu_ob_field_insert(f, 0, dfu_ob_field_ones(f) + 1), 0);
		}
	}
}

static void test_put_writes_the_register_and_its_complement(void **state)
{
	const struct dfu_ob_field *f = dfu_ob_field(&dfu_ob_stm32l41x, DFU_OBF_WRP1B_STRT);
	uint8_t ob[40];
	uint32_t v;

	(void)state;
	block(ob, 0xFFEFF8AAu, 0x00000000u, 0x00000000u);
	assert_int_equal(dfu_ob_put(f, ob, sizeof(ob), 63), 0);
	assert_int_equal(dfu_get_le32(ob + DFU_OB_WRP1BR), 0x0000003Fu);
	assert_int_equal(dfu_get_le32(ob + DFU_OB_WRP1BR + 4), ~0x0000003Fu);
	assert_int_equal(dfu_ob_get(f, ob, sizeof(ob), &v), 0);
	assert_int_equal(v, 63);
	/* Read-modify-write: the bits above an L41x's 6-bit field are not
	 * the field's, so they stay as they were. */
	block(ob, 0xFFEFF8AAu, 0x000000FFu, 0x000000FFu);
	assert_int_equal(dfu_ob_put(f, ob, sizeof(ob), 5), 0);
	assert_int_equal(dfu_get_le32(ob + DFU_OB_WRP1BR), 0x000000C5u);
	assert_int_equal(dfu_get_le32(ob + DFU_OB_WRP1AR), 0x000000FFu);
	/* Bits 7:6 of an L41x's STRT are not pages: 0xFF reads as 63. */
	block(ob, 0xFFEFF8AAu, 0x000000FFu, 0x000000FFu);
	assert_int_equal(dfu_ob_get(f, ob, sizeof(ob), &v), 0);
	assert_int_equal(v, 63);
	assert_int_equal(dfu_ob_get(dfu_ob_field(&dfu_ob_stm32l45x, DFU_OBF_WRP1B_STRT), ob,
				    sizeof(ob), &v),
			 0);
	assert_int_equal(v, 0xFF);
}

static void test_put_refuses_values_above_the_field_and_short_blocks(void **state)
{
	const struct dfu_ob_field *wrp = dfu_ob_field(&dfu_ob_stm32l41x, DFU_OBF_WRP1B_STRT);
	const struct dfu_ob_field *bor = dfu_ob_field(&dfu_ob_stm32l41x, DFU_OBF_BOR_LEV);
	uint8_t ob[40], before[40];
	uint32_t v;

	(void)state;
	block(ob, 0xFFEFF8AAu, 0x000000FFu, 0x000000FFu);
	memcpy(before, ob, sizeof(ob));
	assert_int_equal(dfu_ob_put(wrp, ob, sizeof(ob), 64), DFU_E_RANGE);
	assert_int_equal(dfu_ob_put(bor, ob, sizeof(ob), 5), DFU_E_RANGE);
	assert_memory_equal(ob, before, sizeof(ob));
	/* WRP1BR's complement ends at 0x28; the 36 bytes CubeProgrammer sends
	 * are enough to read it, not to write it. */
	assert_int_equal(dfu_ob_put(wrp, ob, DFU_OB_MIN_SIZE, 1), DFU_E_TRUNCATED);
	assert_int_equal(dfu_ob_get(wrp, ob, DFU_OB_MIN_SIZE, &v), 0);
	assert_int_equal(dfu_ob_get(wrp, ob, DFU_OB_MIN_SIZE - 1, &v), DFU_E_TRUNCATED);
	assert_memory_equal(ob, before, sizeof(ob));
}

static void test_rdp_level_is_zero_for_aa_two_for_cc_one_for_anything_else(void **state)
{
	(void)state;
	for (unsigned v = 0; v < 256; v++)
		assert_int_equal(dfu_ob_rdp_level((uint8_t)v), v == 0xAA ? 0 : v == 0xCC ? 2 : 1);
	assert_int_equal(dfu_ob_rdp_level(DFU_OB_RDP_LEVEL1), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_two_fields_of_a_layout_share_a_bit_or_a_reserved_bit),
		cmocka_unit_test(test_a_field_sits_at_the_same_bits_in_every_layout_that_has_it),
		cmocka_unit_test(test_wrp_pages_are_6_bits_on_l41x_7_on_l43x_and_8_on_the_larger_lines),
		cmocka_unit_test(test_each_line_has_its_own_optr_fields),
		cmocka_unit_test(test_the_layout_is_picked_by_option_byte_address_and_flash_size),
		cmocka_unit_test(test_names_are_found_case_insensitively_by_their_first_n_bytes),
		cmocka_unit_test(test_insert_changes_only_the_field_and_extract_reads_it_back),
		cmocka_unit_test(test_put_writes_the_register_and_its_complement),
		cmocka_unit_test(test_put_refuses_values_above_the_field_and_short_blocks),
		cmocka_unit_test(test_rdp_level_is_zero_for_aa_two_for_cc_one_for_anything_else),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
