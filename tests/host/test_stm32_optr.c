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
#include "host/xport.h"

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

/* What enumeration shows of an STM32 ROM: one DFU interface, alt 0 the
 * flash and alt 1 the option bytes, named by their DfuSe layouts. */
static void rom_device(struct xport_dev_info *d, const char *flash, const char *ob)
{
	static const uint8_t config[27] = {
		9, 2, 27, 0, 1, 1, 0, 0x80, 50,			/* configuration */
		9, 4, 0, 0, 0, 0xFE, 0x01, 0x02, 4,		/* alt 0, iInterface 4 */
		9, 4, 0, 1, 0, 0xFE, 0x01, 0x02, 5,		/* alt 1, iInterface 5 */
	};

	memset(d, 0, sizeof(*d));
	d->vid = 0x0483;
	d->pid = 0xDF11;
	memcpy(d->config, config, sizeof(config));
	d->config_len = sizeof(config);
	assert_int_equal(xport_dev_add_string(d, 4, flash), 0);
	assert_int_equal(xport_dev_add_string(d, 5, ob), 0);
}

static void test_the_layout_comes_from_the_option_byte_address_and_flash_size(void **st)
{
	struct xport_dev_info d;
	(void)st;
	rom_device(&d, "@Internal Flash  /0x08000000/0064*0002Kg",
		   "@Option Bytes  /0x1FFF7800/01*040 e");
	assert_ptr_equal(stm32_ob_layout_of(&d), &dfu_ob_stm32l41x);
	rom_device(&d, "@Internal Flash  /0x08000000/0128*0002Kg",
		   "@Option Bytes  /0x1FFF7800/01*040 e");
	assert_ptr_equal(stm32_ob_layout_of(&d), &dfu_ob_stm32l43x);
	rom_device(&d, "@Internal Flash  /0x08000000/0256*0002Kg",
		   "@Option Bytes  /0x1FFF7800/01*040 e");
	assert_ptr_equal(stm32_ob_layout_of(&d), &dfu_ob_stm32l45x);
	rom_device(&d, "@Internal Flash  /0x08000000/512*0004Kg",
		   "@Option Bytes  /0x1FF00000/01*040 e");
	assert_ptr_equal(stm32_ob_layout_of(&d), &dfu_ob_stm32l4rs);
	/* Not an STM32 ROM: what dfu-flash always assumed. */
	d.pid = 0xDF12;
	assert_ptr_equal(stm32_ob_layout_of(&d), STM32_OB_LAYOUT_DEFAULT);
}

static void test_a_wrp_page_an_l41x_does_not_have_is_refused_with_the_range_and_fix(void **st)
{
	struct xport_dev_info d;
	const struct dfu_ob_layout *l;
	uint8_t ob[40], before[40];
	char msg[400];
	uint32_t v;
	(void)st;
	/* An STM32L412: 64 pages, 6-bit WRP fields (RM0394). 64 would have
	 * been written as 0x40, which the chip reads as page 0. */
	rom_device(&d, "@Internal Flash  /0x08000000/0064*0002Kg",
		   "@Option Bytes  /0x1FFF7800/01*040 e");
	l = stm32_ob_layout_of(&d);
	block(ob, 0xFFEFF8AAu);
	memcpy(before, ob, sizeof(ob));
	assert_int_equal(stm32_ob_set_as(l, ob, 40, "WRP1B_STRT=64", false, msg, sizeof(msg)),
			 DFU_E_USAGE);
	assert_memory_equal(ob, before, sizeof(ob));
	assert_non_null(strstr(msg, "WRP1B_STRT=64"));
	assert_non_null(strstr(msg, "page number 0-63 on STM32L41x/L42x"));
	assert_non_null(strstr(msg, "would protect page 0"));
	assert_non_null(strstr(msg, "use a page 0-63"));
	assert_int_equal(stm32_ob_set_as(l, ob, 40, "WRP1A_END=0x40", false, msg, sizeof(msg)),
			 DFU_E_USAGE);
	assert_non_null(strstr(msg, "WRP1A_END is a page number 0-63"));
	/* The last page is fine, and reads back as itself (bits 7:6 are not
	 * the field's and keep what they held). */
	assert_int_equal(stm32_ob_set_as(l, ob, 40, "WRP1B_STRT=63", false, msg, sizeof(msg)), 0);
	assert_int_equal(dfu_get_le32(ob + 0x20) & 0x3F, 0x3F);
	assert_int_equal(stm32_ob_get_as(l, ob, 40, "WRP1B_STRT", &v), 0);
	assert_int_equal(v, 63);
	/* An L45x has 256 pages: 64 is a page there. */
	block(ob, 0xFFEFF8AAu);
	assert_int_equal(stm32_ob_set_as(&dfu_ob_stm32l45x, ob, 40, "WRP1B_STRT=64", false, msg,
					 sizeof(msg)),
			 0);
	assert_int_equal(dfu_get_le32(ob + 0x20), 0x00000040u);
	assert_int_equal(stm32_ob_set_as(&dfu_ob_stm32l45x, ob, 40, "WRP1B_STRT=256", false, msg,
					 sizeof(msg)),
			 DFU_E_USAGE);
	assert_non_null(strstr(msg, "0-255 on STM32L45x/L46x (8 bits, RM0394)"));
}

static void test_show_options_reads_wrp_pages_at_the_lines_width(void **st)
{
	uint8_t ob[40];
	char text[2048];
	(void)st;
	block(ob, 0xFFEFF8AAu); /* WRP1xR 0x000000FF: no area */
	assert_true(stm32_ob_format_as(&dfu_ob_stm32l41x, ob, 40, text, sizeof(text)) > 0);
	assert_non_null(strstr(text, "OPTR = 0xFFEFF8AA, WRP1AR = 0x000000FF, WRP1BR = 0x000000FF\n"));
	assert_non_null(strstr(text, "  RDP         = 0xAA (level 0)  read protection: 0xAA level 0, "
				     "0xCC level 2, else level 1\n"));
	assert_non_null(strstr(text, "  WRP1A_STRT  = 63          first write-protected page of "
				     "area A\n"));
	assert_null(strstr(text, "BFB2"));
	assert_true(stm32_ob_format_as(&dfu_ob_stm32l45x, ob, 40, text, sizeof(text)) > 0);
	assert_non_null(strstr(text, "  WRP1A_STRT  = 255         first"));
	/* L4R/L4S have their bank bits as fields. */
	assert_true(stm32_ob_format_as(&dfu_ob_stm32l4rs, ob, 40, text, sizeof(text)) > 0);
	assert_non_null(strstr(text, "  DBANK       = 1 "));
	/* The names a refusal lists are the layout's. */
	assert_int_equal(stm32_ob_set_as(&dfu_ob_stm32l41x, ob, 40, "BFB2=1", false, text,
					 sizeof(text)),
			 DFU_E_USAGE);
	assert_non_null(strstr(text, "names: RDP, BOR_LEV, nRST_STOP, nRST_STDBY, nRST_SHDW, "
				     "IWDG_SW, IWDG_STOP, IWDG_STDBY, WWDG_SW, nBOOT1, SRAM2_PE, "
				     "SRAM2_RST, nSWBOOT0, nBOOT0, WRP1A_STRT, WRP1A_END, "
				     "WRP1B_STRT, WRP1B_END"));
	assert_int_equal(stm32_ob_set_as(&dfu_ob_stm32l4rs, ob, 40, "BFB2=1", false, text,
					 sizeof(text)),
			 0);
	assert_int_equal(dfu_get_le32(ob) & (1u << 20), 1u << 20);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_factory_optr_decodes_to_named_fields),
		cmocka_unit_test(test_set_is_read_modify_write_with_the_complement),
		cmocka_unit_test(test_bad_values_and_rdp_level_2_are_refused),
		cmocka_unit_test(test_the_layout_comes_from_the_option_byte_address_and_flash_size),
		cmocka_unit_test(test_a_wrp_page_an_l41x_does_not_have_is_refused_with_the_range_and_fix),
		cmocka_unit_test(test_show_options_reads_wrp_pages_at_the_lines_width),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
