/* test_stm32_optr.c - the host's own option-byte fields (no emulator). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dfu/bytes.h"
#include "dfu/error.h"
#include "host/stm32_optr.h"

static void block(uint8_t *ob, uint32_t optr)
{
	memset(ob, 0, 40);
	dfu_put_le32(ob, optr);
	dfu_put_le32(ob + 4, ~optr);
	dfu_put_le32(ob + 0x18, 0x000000FF);
	dfu_put_le32(ob + 0x20, 0x000000FF);
}

static void test_factory_optr_decodes_to_named_fields(void **st)
{
	uint8_t ob[40];
	uint32_t v;
	char text[2048];
	(void)st;
	block(ob, 0xFFEFF8AAu); /* OpenOCD's documented example value */
	assert_int_equal(stm32_ob_get(ob, 40, "RDP", &v), 0);
	assert_int_equal(v, 0xAA);
	assert_int_equal(stm32_ob_get(ob, 40, "bor_lev", &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(stm32_ob_get(ob, 40, "nSWBOOT0", &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(stm32_ob_get(ob, 40, "WRP1A_STRT", &v), 0);
	assert_int_equal(v, 0xFF);
	assert_int_equal(stm32_ob_get(ob, 40, "NOPE", &v), DFU_E_NOTFOUND);
	assert_true(stm32_ob_format(ob, 40, text, sizeof(text)) > 0);
	assert_non_null(strstr(text, "OPTR = 0xFFEFF8AA"));
	assert_non_null(strstr(text, "RDP         = 0xAA (level 0)"));
	assert_int_equal(stm32_rdp_level(0xAA), 0);
	assert_int_equal(stm32_rdp_level(0x55), 1);
	assert_int_equal(stm32_rdp_level(0xCC), 2);
}

static void test_set_is_read_modify_write_with_the_complement(void **st)
{
	uint8_t ob[40];
	char msg[400];
	(void)st;
	block(ob, 0xFFEFF8AAu);
	assert_int_equal(stm32_ob_set(ob, 40, "nSWBOOT0=0", false, msg, sizeof(msg)), 0);
	assert_int_equal(dfu_get_le32(ob), 0xFBEFF8AAu);
	assert_int_equal(dfu_get_le32(ob + 4), ~0xFBEFF8AAu);
	assert_int_equal(stm32_ob_set(ob, 40, "BOR_LEV=4", false, msg, sizeof(msg)), 0);
	assert_int_equal((dfu_get_le32(ob) >> 8) & 7, 4);
	assert_int_equal(stm32_ob_set(ob, 40, "RDP=1", false, msg, sizeof(msg)), 0);
	assert_int_equal(ob[0], 0xBB);
	assert_int_equal(stm32_ob_set(ob, 40, "WRP1A_END=5", false, msg, sizeof(msg)), 0);
	assert_int_equal(dfu_get_le32(ob + 0x18), 0x000500FFu);
}

static void test_bad_values_and_rdp_level_2_are_refused(void **st)
{
	uint8_t ob[40];
	char msg[400];
	(void)st;
	block(ob, 0xFFEFF8AAu);
	assert_int_equal(stm32_ob_set(ob, 40, "RDP=2", false, msg, sizeof(msg)), DFU_E_USAGE);
	assert_non_null(strstr(msg, "permanent"));
	assert_int_equal(stm32_ob_set(ob, 40, "RDP=0xCC", false, msg, sizeof(msg)), DFU_E_USAGE);
	assert_int_equal(ob[0], 0xAA);
	assert_int_equal(stm32_ob_set(ob, 40, "RDP=2", true, msg, sizeof(msg)), 0);
	assert_int_equal(ob[0], 0xCC);
	assert_int_equal(stm32_ob_set(ob, 40, "nBOOT0=2", false, msg, sizeof(msg)), DFU_E_USAGE);
	assert_non_null(strstr(msg, "1 bit wide"));
	assert_int_equal(stm32_ob_set(ob, 40, "BOR_LEV=7", false, msg, sizeof(msg)), DFU_E_USAGE);
	assert_int_equal(stm32_ob_set(ob, 40, "BOR_LEV=x", false, msg, sizeof(msg)), DFU_E_USAGE);
	assert_int_equal(stm32_ob_set(ob, 40, "=1", false, msg, sizeof(msg)), DFU_E_USAGE);
	assert_int_equal(stm32_ob_set(ob, 16, "WRP1B_END=1", false, msg, sizeof(msg)), DFU_E_USAGE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_factory_optr_decodes_to_named_fields),
		cmocka_unit_test(test_set_is_read_modify_write_with_the_complement),
		cmocka_unit_test(test_bad_values_and_rdp_level_2_are_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
