/* test_l4_profile.c - the chip profile table: lookup, and every row agreeing
 * with its own USB layout strings. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dfu/dfuse_layout.h"
#include "dfu/error.h"
#include "sim/l4_chip.h"
#include "sim/l4_profile.h"

static void parse_alt(const struct l4_profile *p, unsigned alt, struct dfuse_layout *l)
{
	struct dfu_diag d;
	const char *s = p->alt_names[alt];
	int rc = dfuse_layout_parse(s, strlen(s), l, &d);

	if (rc)
		fail_msg("%s alt %u \"%s\": %s", p->name, alt, s, d.msg);
}

static void test_profiles_are_found_by_name_in_any_case(void **state)
{
	const struct l4_profile *p;

	(void)state;
	p = l4_profile_find("stm32l412xb");
	assert_non_null(p);
	assert_string_equal(p->name, "stm32l412xb");
	assert_ptr_equal(l4_profile_find("STM32L412XB"), p);
	assert_non_null(l4_profile_find("stm32l432kc"));
	assert_non_null(l4_profile_find("stm32l452re"));
	assert_non_null(l4_profile_find("stm32l4r5zi"));
	assert_non_null(l4_profile_find("stm32l476rg"));
	assert_null(l4_profile_find("stm32f405rg"));
	assert_null(l4_profile_find(""));
	assert_null(l4_profile_find(NULL));
}

static void test_the_table_can_be_walked_by_index(void **state)
{
	size_t i;

	(void)state;
	assert_int_equal(l4_profile_count(), 5);
	for (i = 0; i < l4_profile_count(); i++) {
		const struct l4_profile *p = l4_profile_at(i);

		assert_non_null(p);
		assert_ptr_equal(l4_profile_find(p->name), p);
	}
	assert_null(l4_profile_at(l4_profile_count()));
}

static void test_the_l412_row_holds_the_sourced_values(void **state)
{
	const struct l4_profile *p = l4_profile_find("stm32l412xb");

	(void)state;
	assert_true(p->supported);
	assert_string_equal(p->line, "STM32L41x/L42x");
	assert_int_equal(p->dev_id, 0x464);
	assert_int_equal(p->bootloader_id, 0xD1);
	assert_true(p->empty_check);
	assert_int_equal(p->flash_base, 0x08000000);
	assert_int_equal(p->flash_size, 128 * 1024);
	assert_int_equal(p->page_size, 2048);
	assert_int_equal(l4_profile_pages(p), 64);
	assert_int_equal(p->sram1_base, 0x20000000);
	assert_int_equal(p->sram1_size, 32 * 1024);
	assert_int_equal(p->sram2_base, 0x10000000);
	assert_int_equal(p->sram2_size, 8 * 1024);
	assert_int_equal(p->ob_base, 0x1FFF7800);
	assert_int_equal(p->ob_size, 40);
	assert_int_equal(p->ob_min_write, 36);
	assert_int_equal(p->optr_factory, 0xFFEFF8AA);
	assert_int_equal(dfu_ob_field(p->ob_layout, DFU_OBF_WRP1A_STRT)->width, 6);
	assert_int_equal(p->otp_base, 0x1FFF7000);
	assert_int_equal(p->otp_size, 1024);
	assert_int_equal(p->uid_addr, 0x1FFF7590);
	assert_int_equal(p->flash_size_reg_addr, 0x1FFF75E0);
	assert_int_equal(p->bootloader_id_addr, 0x1FFF6FFE);
	assert_int_equal(p->feature_base, 0xFFFF0000);
	assert_int_equal(p->usb_bcd_device, 0x2200);
	assert_int_equal(p->transfer_size, 2048);
	assert_string_equal(p->alt_names[0], "@Internal Flash  /0x08000000/0064*0002Kg");
	assert_string_equal(p->alt_names[1], "@Option Bytes  /0x1FFF7800/01*040 e");
	assert_string_equal(p->alt_names[2], "@OTP Memory /0x1FFF7000/01*0001Ke");
	assert_string_equal(p->alt_names[3], "@Device Feature/0xFFFF0000/01*004 e");
	assert_int_equal(p->leave_action, L4_LEAVE_RESET);
	assert_int_equal(p->timing.program_dword_us, 82);
	assert_int_equal(p->timing.page_erase_us, 22000);
	assert_int_equal(p->timing.mass_erase_us, 22000);
	assert_true(p->timing.ob_program_us > 0);
}

static void test_the_other_lines_carry_their_ids_and_sizes(void **state)
{
	const struct l4_profile *l432 = l4_profile_find("stm32l432kc");
	const struct l4_profile *l452 = l4_profile_find("stm32l452re");
	const struct l4_profile *l4r5 = l4_profile_find("stm32l4r5zi");

	(void)state;
	assert_int_equal(l432->dev_id, 0x435);
	assert_int_equal(l432->bootloader_id, 0x91);
	assert_int_equal(l432->sram1_size, 48 * 1024);
	assert_int_equal(l432->sram2_size, 16 * 1024);
	assert_int_equal(dfu_ob_field(l432->ob_layout, DFU_OBF_WRP1A_STRT)->width, 7);
	assert_string_equal(l432->alt_names[0], "@Internal Flash  /0x08000000/0128*0002Kg");

	assert_int_equal(l452->dev_id, 0x462);
	assert_int_equal(l452->bootloader_id, 0x92);
	assert_int_equal(l452->sram1_size, 128 * 1024);
	assert_int_equal(l452->sram2_size, 32 * 1024);
	assert_int_equal(dfu_ob_field(l452->ob_layout, DFU_OBF_WRP1A_STRT)->width, 8);
	assert_string_equal(l452->alt_names[0], "@Internal Flash  /0x08000000/0256*0002Kg");

	assert_int_equal(l4r5->dev_id, 0x470);
	assert_int_equal(l4r5->bootloader_id, 0x95);
	assert_int_equal(l4r5->flash_size, 2048 * 1024);
	assert_int_equal(l4r5->page_size, 4096);
	assert_int_equal(l4r5->sram1_size, 192 * 1024);
	assert_int_equal(l4r5->sram2_size, 64 * 1024);
	assert_int_equal(l4r5->sram2_base, 0x10000000);
	assert_int_equal(l4r5->ob_base, 0x1FF00000);
	assert_string_equal(l4r5->alt_names[0], "@Internal Flash  /0x08000000/512*0004Kg");
	assert_string_equal(l4r5->alt_names[1], "@Option Bytes  /0x1FF00000/01*040 e");
}

static void test_every_supported_profile_matches_its_internal_flash_string(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < l4_profile_count(); i++) {
		const struct l4_profile *p = l4_profile_at(i);
		struct dfuse_layout l;

		if (!p->supported)
			continue;
		parse_alt(p, 0, &l);
		assert_string_equal(l.name, "Internal Flash  ");
		assert_int_equal(l.nsegments, 1);
		assert_int_equal(l.seg[0].start, p->flash_base);
		assert_int_equal(l.seg[0].page_size, p->page_size);
		assert_int_equal(l.seg[0].count, l4_profile_pages(p));
		assert_int_equal(l.seg[0].end, p->flash_base + p->flash_size - 1);
		assert_int_equal(l.seg[0].type,
				 DFUSE_MEM_READABLE | DFUSE_MEM_ERASABLE | DFUSE_MEM_WRITEABLE);
	}
}

static void test_every_supported_profile_matches_its_other_alt_strings(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < l4_profile_count(); i++) {
		const struct l4_profile *p = l4_profile_at(i);
		struct dfuse_layout l;

		if (!p->supported)
			continue;
		parse_alt(p, 1, &l);
		assert_int_equal(l.seg[0].start, p->ob_base);
		assert_int_equal(l.seg[0].count * l.seg[0].page_size, p->ob_size);
		assert_false(l.seg[0].type & DFUSE_MEM_ERASABLE);
		parse_alt(p, 2, &l);
		assert_int_equal(l.seg[0].start, p->otp_base);
		assert_int_equal(l.seg[0].count * l.seg[0].page_size, p->otp_size);
		parse_alt(p, 3, &l);
		assert_int_equal(l.seg[0].start, p->feature_base);
		assert_int_equal(l.seg[0].count * l.seg[0].page_size, 4);
	}
}

static void test_every_supported_profile_is_a_usable_chip(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < l4_profile_count(); i++) {
		const struct l4_profile *p = l4_profile_at(i);
		struct l4_optr o;

		if (!p->supported)
			continue;
		assert_true(p->empty_check);
		/* The WRP fields reach every page of the first bank (256 pages
		 * at most per bank). */
		assert_true((1u << dfu_ob_field(p->ob_layout, DFU_OBF_WRP1A_STRT)->width) >=
			    (l4_profile_pages(p) < 256 ? l4_profile_pages(p) : 256));
		/* A new part boots by pin with the empty check, at level 0. */
		l4_optr_decode(p->optr_factory | p->ob_layout->optr_reserved, &o);
		assert_int_equal(o.rdp, 0xAA);
		assert_true(o.nswboot0);
		assert_true(o.nboot1);
		assert_true(p->ob_min_write <= p->ob_size && p->ob_size <= L4_OB_MAX);
		assert_true(p->transfer_size > 0 && p->transfer_size <= 2048);
	}
}

static void test_the_l476_is_listed_but_not_supported(void **state)
{
	const struct l4_profile *p = l4_profile_find("stm32l476rg");
	struct l4_chip c;

	(void)state;
	assert_false(p->supported);
	assert_false(p->empty_check);
	assert_int_equal(p->dev_id, 0x415);
	assert_string_equal(p->unsupported_reason,
			    "STM32L47x/L48x have no flash-empty check and boot by dual-bank BFB2 "
			    "rules (AN2606 pattern 7); not modelled");
	assert_int_equal(l4_chip_init(&c, p, NULL), DFU_E_UNSUPPORTED);
	assert_null(c.flash);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_profiles_are_found_by_name_in_any_case),
		cmocka_unit_test(test_the_table_can_be_walked_by_index),
		cmocka_unit_test(test_the_l412_row_holds_the_sourced_values),
		cmocka_unit_test(test_the_other_lines_carry_their_ids_and_sizes),
		cmocka_unit_test(test_every_supported_profile_matches_its_internal_flash_string),
		cmocka_unit_test(test_every_supported_profile_matches_its_other_alt_strings),
		cmocka_unit_test(test_every_supported_profile_is_a_usable_chip),
		cmocka_unit_test(test_the_l476_is_listed_but_not_supported),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
