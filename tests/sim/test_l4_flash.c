/* test_l4_flash.c - memory operations of the emulated STM32L4 as the ROM
 * bootloader performs them: program, erase, WRP, RDP, option bytes, OTP,
 * reads of the ID area. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dfu/bytes.h"
#include "dfu/error.h"
#include "sim/l4_chip.h"

#define FLASH 0x08000000u
#define OB 0x1FFF7800u
#define OTP 0x1FFF7000u
#define PAGE 2048u

struct fx {
	struct sim_log log;
	struct l4_chip c;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	sim_log_init(&f->log, "t");
	assert_int_equal(l4_chip_init(&f->c, l4_profile_find("stm32l412xb"), &f->log), 0);
	l4_chip_reset(&f->c, L4_RESET_POWER_ON, 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	l4_chip_free(&f->c);
	free(f);
	return 0;
}

static const char *last_line(struct fx *f)
{
	return sim_log_at(&f->log, sim_log_count(&f->log) - 1)->text;
}

static void assert_logged(struct fx *f, const char *needle)
{
	if (!sim_log_find(&f->log, needle))
		fail_msg("log has no line containing \"%s\"; last: \"%s\"", needle, last_line(f));
}

/* Write the option block with these register words and load it. */
static void ob_set(struct fx *f, uint32_t optr, uint32_t wrp1ar, uint32_t wrp1br)
{
	uint8_t ob[40];

	assert_int_equal(l4_mem_read(&f->c, OB, ob, sizeof(ob)), L4_OK);
	dfu_put_le32(ob + L4_OB_OPTR, optr);
	dfu_put_le32(ob + L4_OB_WRP1AR, wrp1ar);
	dfu_put_le32(ob + L4_OB_WRP1BR, wrp1br);
	assert_int_equal(l4_ob_write(&f->c, OB, ob, sizeof(ob), 1, NULL), L4_OK);
	l4_chip_reset(&f->c, L4_RESET_OPTION_LOAD, 2);
}

static void fill(uint8_t *b, size_t n, uint8_t seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		b[i] = (uint8_t)(seed + i * 7);
}

/* ---- programming ---- */

static void test_programming_erased_flash_stores_the_data(void **state)
{
	struct fx *f = *state;
	uint8_t in[PAGE], out[PAGE];
	uint64_t d = 99;

	fill(in, sizeof(in), 1);
	assert_int_equal(l4_flash_program(&f->c, FLASH, in, sizeof(in), 1000, &d), L4_OK);
	assert_int_equal(d, 256 * 82); /* 256 double words */
	assert_int_equal(l4_mem_read(&f->c, FLASH, out, sizeof(out)), L4_OK);
	assert_memory_equal(in, out, sizeof(in));
	assert_string_equal(last_line(f), "flash: programmed 2048 bytes at 0x08000000");
	assert_int_equal(sim_log_find(&f->log, "programmed")->t_us, 1000);
}

static void test_programming_a_double_word_twice_gives_progerr(void **state)
{
	struct fx *f = *state;
	uint8_t a[16], b[24], out[24];

	fill(a, sizeof(a), 0x10);
	fill(b, sizeof(b), 0x80);
	assert_int_equal(l4_flash_program(&f->c, FLASH + 0x10, a, sizeof(a), 0, NULL), L4_OK);
	/* b covers 0x08 (erased), then 0x10 (programmed): the first lands. */
	assert_int_equal(l4_flash_program(&f->c, FLASH + 0x08, b, sizeof(b), 0, NULL), L4_ERR_PROG);
	assert_string_equal(last_line(f), "flash: PROGERR at 0x08000010: double word not erased "
					  "(8 bytes before it were programmed)");
	l4_mem_read(&f->c, FLASH + 0x08, out, sizeof(out));
	assert_memory_equal(out, b, 8);
	assert_memory_equal(out + 8, a, 16);
	assert_int_equal(l4_flash_program(&f->c, FLASH + 0x10, a, 8, 0, NULL), L4_ERR_PROG);
	assert_string_equal(last_line(f), "flash: PROGERR at 0x08000010: double word not erased");
}

static void test_overwriting_with_all_zeros_is_allowed(void **state)
{
	struct fx *f = *state;
	uint8_t a[8] = { 1, 2, 3, 4, 5, 6, 7, 8 }, z[8] = { 0 }, out[8];
	static const uint8_t ff[8] = { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF };

	assert_int_equal(l4_flash_program(&f->c, FLASH, a, 8, 0, NULL), L4_OK);
	assert_int_equal(l4_flash_program(&f->c, FLASH, z, 8, 0, NULL), L4_OK);
	l4_mem_read(&f->c, FLASH, out, 8);
	assert_memory_equal(out, z, 8);
	/* All ones is not all zeros: PROGERR. */
	assert_int_equal(l4_flash_program(&f->c, FLASH, ff, 8, 0, NULL), L4_ERR_PROG);
}

static void test_a_short_write_pads_its_double_words_with_ff(void **state)
{
	struct fx *f = *state;
	uint8_t in[5] = { 1, 2, 3, 4, 5 }, out[16];
	static const uint8_t want[16] = { 0xFF, 0xFF, 0xFF, 1, 2, 3, 4, 5,
					  0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF };
	uint64_t d;

	/* Unaligned start: the head of the double word is padded too. */
	assert_int_equal(l4_flash_program(&f->c, FLASH + 3, in, sizeof(in), 0, &d), L4_OK);
	assert_int_equal(d, 82);
	l4_mem_read(&f->c, FLASH, out, sizeof(out));
	assert_memory_equal(out, want, sizeof(want));
	/* The padded double word now counts as programmed. */
	assert_int_equal(l4_flash_program(&f->c, FLASH, in, 1, 0, NULL), L4_ERR_PROG);
	/* A write straddling two double words touches both. */
	assert_int_equal(l4_flash_program(&f->c, FLASH + 0x16, in, 4, 0, &d), L4_OK);
	assert_int_equal(d, 2 * 82);
}

static void test_writes_outside_main_flash_are_refused(void **state)
{
	struct fx *f = *state;
	uint8_t in[16] = { 0 };

	assert_int_equal(l4_flash_program(&f->c, FLASH - 8, in, 8, 0, NULL), L4_ERR_ADDRESS);
	assert_int_equal(l4_flash_program(&f->c, FLASH + 128 * 1024 - 8, in, 16, 0, NULL),
			 L4_ERR_ADDRESS);
	assert_string_equal(last_line(f), "flash: write of 16 bytes at 0x0801FFF8 refused: outside "
					  "main flash (0x08000000-0x0801FFFF)");
	assert_int_equal(l4_flash_program(&f->c, 0xFFFFFFF8, in, 16, 0, NULL), L4_ERR_ADDRESS);
	assert_int_equal(l4_flash_program(&f->c, FLASH + 128 * 1024 - 8, in, 8, 0, NULL), L4_OK);
	assert_int_equal(l4_flash_program(&f->c, FLASH, in, 0, 0, NULL), L4_OK);
}

/* ---- erase ---- */

static void test_erasing_a_page_erases_only_that_page(void **state)
{
	struct fx *f = *state;
	uint8_t in[3 * PAGE], out[PAGE], ff[PAGE];
	uint64_t d;

	memset(ff, 0xFF, sizeof(ff));
	fill(in, sizeof(in), 3);
	assert_int_equal(l4_flash_program(&f->c, FLASH + 2 * PAGE, in, sizeof(in), 0, NULL), L4_OK);
	assert_int_equal(l4_flash_erase_page(&f->c, FLASH + 3 * PAGE + 100, 500, &d), L4_OK);
	assert_int_equal(d, 22000);
	assert_string_equal(last_line(f), "flash: erased page 3 (0x08001800)");
	l4_mem_read(&f->c, FLASH + 3 * PAGE, out, PAGE);
	assert_memory_equal(out, ff, PAGE);
	l4_mem_read(&f->c, FLASH + 2 * PAGE, out, PAGE);
	assert_memory_equal(out, in, PAGE);
	l4_mem_read(&f->c, FLASH + 4 * PAGE, out, PAGE);
	assert_memory_equal(out, in + 2 * PAGE, PAGE);
	assert_int_equal(l4_flash_erase_page(&f->c, FLASH + 128 * 1024, 0, &d), L4_ERR_ADDRESS);
	assert_int_equal(d, 0);
}

static void test_mass_erase_erases_every_page(void **state)
{
	struct fx *f = *state;
	uint8_t in[64], out[64], ff[64];
	uint64_t d;

	memset(ff, 0xFF, sizeof(ff));
	fill(in, sizeof(in), 9);
	l4_flash_program(&f->c, FLASH, in, sizeof(in), 0, NULL);
	l4_flash_program(&f->c, FLASH + 127 * 1024, in, sizeof(in), 0, NULL);
	assert_int_equal(l4_flash_mass_erase(&f->c, 0, &d), L4_OK);
	assert_int_equal(d, 22000);
	assert_string_equal(last_line(f), "flash: mass erase: all 64 pages erased");
	l4_mem_read(&f->c, FLASH, out, sizeof(out));
	assert_memory_equal(out, ff, sizeof(ff));
	l4_mem_read(&f->c, FLASH + 127 * 1024, out, sizeof(out));
	assert_memory_equal(out, ff, sizeof(ff));
}

/* ---- write protection ---- */

static void test_writes_to_a_write_protected_page_leave_it_unchanged(void **state)
{
	struct fx *f = *state;
	uint8_t in[3 * PAGE], out[3 * PAGE], ff[PAGE];
	uint64_t d;

	memset(ff, 0xFF, sizeof(ff));
	fill(in, sizeof(in), 5);
	ob_set(f, 0xFFEFF8AA, 0x00070004, 0x000000FF); /* WRP1A: pages 4-7 */
	assert_true(l4_flash_page_protected(&f->c, 4));
	assert_true(l4_flash_page_protected(&f->c, 7));
	assert_false(l4_flash_page_protected(&f->c, 3));
	assert_false(l4_flash_page_protected(&f->c, 8));
	assert_false(l4_flash_page_protected(&f->c, 1000));

	/* Pages 3, 4 and 5: no error, but 4 and 5 stay erased. */
	assert_int_equal(l4_flash_program(&f->c, FLASH + 3 * PAGE, in, sizeof(in), 0, &d), L4_OK);
	assert_int_equal(d, 256 * 82);
	assert_logged(f, "flash: page 4 is write-protected (WRP1A pages 4-7): write ignored");
	assert_logged(f, "flash: page 5 is write-protected (WRP1A pages 4-7): write ignored");
	assert_string_equal(last_line(f), "flash: programmed 2048 bytes at 0x08001800");
	l4_mem_read(&f->c, FLASH + 3 * PAGE, out, sizeof(out));
	assert_memory_equal(out, in, PAGE);
	assert_memory_equal(out + PAGE, ff, PAGE);
	assert_memory_equal(out + 2 * PAGE, ff, PAGE);

	/* A write entirely on protected pages logs no "programmed" line. */
	sim_log_clear(&f->log);
	assert_int_equal(l4_flash_program(&f->c, FLASH + 5 * PAGE, in, 16, 0, NULL), L4_OK);
	assert_int_equal(sim_log_count(&f->log), 1);
	assert_string_equal(last_line(f),
			    "flash: page 5 is write-protected (WRP1A pages 4-7): write ignored");
}

static void test_erases_keep_write_protected_pages(void **state)
{
	struct fx *f = *state;
	uint8_t in[64], out[64], ff[64];
	uint64_t d = 1;

	memset(ff, 0xFF, sizeof(ff));
	fill(in, sizeof(in), 7);
	l4_flash_program(&f->c, FLASH + 10 * PAGE, in, sizeof(in), 0, NULL);
	l4_flash_program(&f->c, FLASH + 11 * PAGE, in, sizeof(in), 0, NULL);
	ob_set(f, 0xFFEFF8AA, 0x000000FF, 0x000A000A); /* WRP1B: page 10 */
	assert_true(l4_flash_page_protected(&f->c, 10));

	assert_int_equal(l4_flash_erase_page(&f->c, FLASH + 10 * PAGE, 0, &d), L4_OK);
	assert_int_equal(d, 0);
	assert_string_equal(last_line(f),
			    "flash: page 10 is write-protected (WRP1B pages 10-10): erase ignored");
	l4_mem_read(&f->c, FLASH + 10 * PAGE, out, sizeof(out));
	assert_memory_equal(out, in, sizeof(in));

	assert_int_equal(l4_flash_mass_erase(&f->c, 0, &d), L4_OK);
	assert_string_equal(last_line(f),
			    "flash: mass erase: 63 pages erased, 1 write-protected pages kept");
	l4_mem_read(&f->c, FLASH + 10 * PAGE, out, sizeof(out));
	assert_memory_equal(out, in, sizeof(in));
	l4_mem_read(&f->c, FLASH + 11 * PAGE, out, sizeof(out));
	assert_memory_equal(out, ff, sizeof(ff));
}

static void test_wrp_takes_effect_only_after_an_option_load(void **state)
{
	struct fx *f = *state;
	uint8_t ob[40];

	l4_mem_read(&f->c, OB, ob, sizeof(ob));
	dfu_put_le32(ob + L4_OB_WRP1AR, 0x003F0000); /* all 64 pages */
	assert_int_equal(l4_ob_write(&f->c, OB, ob, sizeof(ob), 0, NULL), L4_OK);
	assert_false(l4_flash_page_protected(&f->c, 0));
	l4_chip_reset(&f->c, L4_RESET_SYSTEM, 1);
	assert_false(l4_flash_page_protected(&f->c, 0));
	l4_chip_reset(&f->c, L4_RESET_OPTION_LOAD, 2);
	assert_true(l4_flash_page_protected(&f->c, 0));
	assert_true(l4_flash_page_protected(&f->c, 63));
}

static void test_wrp_fields_use_only_the_parts_field_width(void **state)
{
	struct fx *f = *state;

	/* L412 has 6-bit fields: STRT 0x45 is page 5, END 0xC7 is page 7. */
	ob_set(f, 0xFFEFF8AA, 0x00C70045, 0x000000FF);
	assert_false(l4_flash_page_protected(&f->c, 4));
	assert_true(l4_flash_page_protected(&f->c, 5));
	assert_true(l4_flash_page_protected(&f->c, 7));
	assert_false(l4_flash_page_protected(&f->c, 8));
}

/* ---- read protection ---- */

static void test_rdp_level_1_refuses_main_flash_but_not_the_rest(void **state)
{
	struct fx *f = *state;
	uint8_t b[40] = { 0 };
	uint64_t d = 5;

	ob_set(f, 0xFFEFF8BB, 0x000000FF, 0x000000FF);
	assert_int_equal(l4_chip_rdp_level(&f->c), 1);
	assert_int_equal(l4_mem_read(&f->c, FLASH, b, 8), L4_ERR_RDP);
	assert_string_equal(last_line(f), "flash: read refused, RDP level 1 (8 bytes at 0x08000000)");
	assert_logged(f, "flash: read refused, RDP level 1");
	assert_int_equal(l4_flash_program(&f->c, FLASH, b, 8, 0, &d), L4_ERR_RDP);
	assert_int_equal(d, 0);
	assert_string_equal(last_line(f), "flash: write refused at 0x08000000, RDP level 1");
	assert_int_equal(l4_flash_erase_page(&f->c, FLASH, 0, NULL), L4_ERR_RDP);
	assert_int_equal(l4_flash_mass_erase(&f->c, 0, &d), L4_ERR_RDP);
	assert_string_equal(last_line(f), "flash: mass erase refused, RDP level 1");
	/* Outside main flash is still an address error first. */
	assert_int_equal(l4_flash_program(&f->c, 0x20000000, b, 8, 0, NULL), L4_ERR_ADDRESS);
	/* Option bytes, IDs and OTP stay readable; OB write still allowed. */
	assert_int_equal(l4_mem_read(&f->c, OB, b, 40), L4_OK);
	assert_int_equal(dfu_get_le32(b), 0xFFEFF8BB);
	assert_int_equal(l4_mem_read(&f->c, 0x1FFF7590, b, 12), L4_OK);
	assert_int_equal(l4_mem_read(&f->c, OTP, b, 8), L4_OK);
	assert_int_equal(l4_ob_write(&f->c, OB, b, 40, 0, NULL), L4_OK);
}

static void test_lowering_rdp_from_1_to_0_by_option_write_mass_erases(void **state)
{
	struct fx *f = *state;
	uint8_t in[16], out[16], ff[16], ob[40];
	uint64_t d;

	memset(ff, 0xFF, sizeof(ff));
	fill(in, sizeof(in), 1);
	l4_flash_program(&f->c, FLASH, in, sizeof(in), 0, NULL);
	ob_set(f, 0xFFEFF8BB, 0x000000FF, 0x000000FF);
	assert_int_equal(l4_mem_read(&f->c, FLASH, out, 16), L4_ERR_RDP);

	l4_mem_read(&f->c, OB, ob, sizeof(ob));
	dfu_put_le32(ob, 0xFFEFF8AA);
	assert_int_equal(l4_ob_write(&f->c, OB, ob, sizeof(ob), 0, &d), L4_OK);
	assert_int_equal(d, 25000 + 22000);
	assert_logged(f, "ob: RDP level 1 -> 0: main flash mass-erased");
	l4_chip_reset(&f->c, L4_RESET_OPTION_LOAD, 1);
	assert_int_equal(l4_chip_rdp_level(&f->c), 0);
	assert_int_equal(l4_mem_read(&f->c, FLASH, out, 16), L4_OK);
	assert_memory_equal(out, ff, 16);
}

static void test_read_unprotect_erases_everything_and_sets_level_0(void **state)
{
	struct fx *f = *state;
	uint8_t in[16], out[16], ff[16], ob[40];
	uint64_t d;

	memset(ff, 0xFF, sizeof(ff));
	fill(in, sizeof(in), 2);
	l4_flash_program(&f->c, FLASH + 4 * PAGE, in, sizeof(in), 0, NULL);
	ob_set(f, 0xFBEFF8BB, 0x00070004, 0x000000FF); /* level 1, pages 4-7 protected */
	assert_int_equal(l4_read_unprotect(&f->c, 10, &d), L4_OK);
	assert_int_equal(d, 22000 + 25000);
	assert_logged(f, "ob: read unprotect: main flash mass-erased, RDP byte set to 0xAA");
	/* Still level 1 until the option load the ROM performs next. */
	assert_int_equal(l4_chip_rdp_level(&f->c), 1);
	l4_mem_read(&f->c, OB, ob, sizeof(ob));
	assert_int_equal(dfu_get_le32(ob), 0xFBEFF8AA); /* other bits kept */
	assert_int_equal(dfu_get_le32(ob + 4), ~0xFBEFF8AAu);
	l4_chip_reset(&f->c, L4_RESET_OPTION_LOAD, 20);
	assert_int_equal(l4_chip_rdp_level(&f->c), 0);
	assert_int_equal(l4_mem_read(&f->c, FLASH + 4 * PAGE, out, 16), L4_OK);
	assert_memory_equal(out, ff, 16); /* WRP does not stop it */
}

static void test_rdp_level_2_locks_the_option_bytes(void **state)
{
	struct fx *f = *state;
	uint8_t ob[40];
	uint64_t d = 7;

	l4_mem_read(&f->c, OB, ob, sizeof(ob));
	dfu_put_le32(ob, 0xFFEFF8CC);
	/* The chip does not judge 0xCC; it only warns in the log. */
	assert_int_equal(l4_ob_write(&f->c, OB, ob, sizeof(ob), 0, NULL), L4_OK);
	assert_logged(f, "ob: RDP byte 0xCC written: level 2 at the next option load is "
			 "irreversible");
	assert_int_equal(l4_chip_rdp_level(&f->c), 0);
	l4_chip_reset(&f->c, L4_RESET_OPTION_LOAD, 1);
	assert_int_equal(l4_chip_rdp_level(&f->c), 2);

	dfu_put_le32(ob, 0xFFEFF8AA);
	assert_int_equal(l4_ob_write(&f->c, OB, ob, sizeof(ob), 0, &d), L4_ERR_RDP2);
	assert_int_equal(d, 0);
	assert_string_equal(last_line(f), "ob: write refused: RDP level 2 is permanent");
	assert_int_equal(l4_read_unprotect(&f->c, 0, &d), L4_ERR_RDP2);
	assert_int_equal(l4_mem_read(&f->c, FLASH, ob, 4), L4_ERR_RDP);
	l4_chip_power_off(&f->c, 2);
	l4_chip_reset(&f->c, L4_RESET_POWER_ON, 3);
	assert_int_equal(l4_chip_rdp_level(&f->c), 2);
}

/* ---- option bytes ---- */

static void test_a_virgin_option_block_reads_as_documented(void **state)
{
	struct fx *f = *state;
	uint8_t ob[40];

	assert_int_equal(l4_mem_read(&f->c, OB, ob, sizeof(ob)), L4_OK);
	assert_int_equal(dfu_get_le32(ob + 0x00), 0xFFEFF8AA);
	assert_int_equal(dfu_get_le32(ob + 0x04), 0x00100755);
	assert_int_equal(dfu_get_le32(ob + 0x08), 0x0000FFFF); /* PCROP1SR: start > end */
	assert_int_equal(dfu_get_le32(ob + 0x0C), 0xFFFF0000);
	assert_int_equal(dfu_get_le32(ob + 0x10), 0x00000000); /* PCROP1ER */
	assert_int_equal(dfu_get_le32(ob + 0x14), 0xFFFFFFFF);
	assert_int_equal(dfu_get_le32(ob + 0x18), 0x000000FF); /* WRP1AR: start > end */
	assert_int_equal(dfu_get_le32(ob + 0x1C), 0xFFFFFF00);
	assert_int_equal(dfu_get_le32(ob + 0x20), 0x000000FF); /* WRP1BR */
	assert_int_equal(dfu_get_le32(ob + 0x24), 0xFFFFFF00);
	assert_int_equal(f->c.optr, 0xFFEFF8AA);
	/* Partial reads inside the block work; past its end they do not. */
	assert_int_equal(l4_mem_read(&f->c, OB + 0x18, ob, 4), L4_OK);
	assert_int_equal(dfu_get_le32(ob), 0x000000FF);
	assert_int_equal(l4_mem_read(&f->c, OB + 36, ob, 8), L4_ERR_ADDRESS);
}

static void test_an_option_write_takes_only_the_register_words(void **state)
{
	struct fx *f = *state;
	uint8_t ob[40], back[40];
	uint64_t d;

	memset(ob, 0x5A, sizeof(ob));			/* junk complements and PCROP */
	dfu_put_le32(ob + L4_OB_OPTR, 0x0BEFF0AA);	/* reserved bits cleared */
	dfu_put_le32(ob + L4_OB_WRP1AR, 0x00030002);
	dfu_put_le32(ob + L4_OB_WRP1BR, 0x000000FF);
	/* 36 bytes, as CubeProgrammer sends (no complement of WRP1BR). */
	assert_int_equal(l4_ob_write(&f->c, OB, ob, 36, 100, &d), L4_OK);
	assert_int_equal(d, 25000);
	assert_logged(f, "ob: option bytes written: OPTR 0xFBEFF8AA, WRP1AR 0x00030002, WRP1BR "
			 "0x000000FF; effective at the next option load or power-on");
	assert_logged(f, "ob: new OPTR RDP=0xAA (level 0)");
	l4_mem_read(&f->c, OB, back, sizeof(back));
	/* Reserved bits read as 1 (bit 20 is kept as written: modelling choice). */
	assert_int_equal(dfu_get_le32(back + 0x00), 0xFBEFF8AA);
	assert_int_equal(dfu_get_le32(back + 0x04), ~0xFBEFF8AAu);
	assert_int_equal(dfu_get_le32(back + 0x08), 0x0000FFFF); /* PCROP untouched */
	assert_int_equal(dfu_get_le32(back + 0x10), 0x00000000);
	assert_int_equal(dfu_get_le32(back + 0x18), 0x00030002);
	assert_int_equal(dfu_get_le32(back + 0x1C), ~0x00030002u);
	assert_int_equal(dfu_get_le32(back + 0x24), ~0x000000FFu);
	/* The loaded copy changes at the next option load only. */
	assert_int_equal(f->c.optr, 0xFFEFF8AA);
	l4_chip_reset(&f->c, L4_RESET_OPTION_LOAD, 200);
	assert_int_equal(f->c.optr, 0xFBEFF8AA);
	assert_int_equal(f->c.wrp1ar, 0x00030002);
	assert_false(f->c.optverr);
}

static void test_an_option_write_must_cover_the_block_from_its_start(void **state)
{
	struct fx *f = *state;
	uint8_t ob[48] = { 0 };

	assert_int_equal(l4_ob_write(&f->c, OB + 8, ob, 32, 0, NULL), L4_ERR_ADDRESS);
	assert_string_equal(last_line(f), "ob: write at 0x1FFF7808 refused: the option bytes are "
					  "written as one block from 0x1FFF7800");
	assert_int_equal(l4_ob_write(&f->c, OB, ob, 35, 0, NULL), L4_ERR_SIZE);
	assert_string_equal(last_line(f),
			    "ob: write of 35 bytes refused: the block takes 36 to 40 bytes");
	assert_int_equal(l4_ob_write(&f->c, OB, ob, 41, 0, NULL), L4_ERR_SIZE);
}

static void test_a_torn_option_block_loads_as_level_1(void **state)
{
	struct fx *f = *state;

	/* As if power failed between a word and its complement. */
	dfu_put_le32(f->c.ob_flash + L4_OB_OPTR + 4, 0x12345678);
	l4_chip_reset(&f->c, L4_RESET_OPTION_LOAD, 1);
	assert_true(f->c.optverr);
	assert_int_equal(f->c.optr, 0xFFFFFFFF);
	assert_int_equal(l4_chip_rdp_level(&f->c), 1);
	assert_logged(f, "reset: OPTVERR");
}

/* ---- OTP ---- */

static void test_otp_double_words_can_be_written_once(void **state)
{
	struct fx *f = *state;
	uint8_t in[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 }, out[16];
	uint64_t d;

	assert_int_equal(l4_otp_program(&f->c, OTP, in, 12, 0, &d), L4_OK);
	assert_int_equal(d, 2 * 82);
	assert_string_equal(last_line(f), "otp: programmed 12 bytes at 0x1FFF7000");
	assert_int_equal(l4_mem_read(&f->c, OTP, out, 16), L4_OK);
	assert_memory_equal(out, in, 12);
	assert_int_equal(out[12], 0xFF);
	/* The padded half of the second double word is used up too. */
	assert_int_equal(l4_otp_program(&f->c, OTP + 12, in, 4, 0, NULL), L4_ERR_OTP_USED);
	assert_string_equal(last_line(f),
			    "otp: double word at 0x1FFF7008 already programmed: write refused");
	/* Even all zeros cannot be written over a used double word. */
	memset(in, 0, sizeof(in));
	assert_int_equal(l4_otp_program(&f->c, OTP, in, 8, 0, NULL), L4_ERR_OTP_USED);
	/* A run stops at the first used double word; the ones before stay. */
	assert_int_equal(l4_otp_program(&f->c, OTP + 0x3F8, in, 8, 0, NULL), L4_OK);
	assert_int_equal(l4_otp_program(&f->c, OTP + 0x3F0, in, 16, 0, &d), L4_ERR_OTP_USED);
	assert_int_equal(d, 82);
	assert_int_equal(l4_otp_program(&f->c, OTP + 0x3F8, in, 16, 0, NULL), L4_ERR_ADDRESS);
	assert_int_equal(l4_otp_program(&f->c, OTP + 0x100, in, 0, 0, NULL), L4_OK);
}

/* ---- the ID area ---- */

static void test_the_id_area_reads_uid_flash_size_bootloader_id_and_features(void **state)
{
	struct fx *f = *state;
	static const uint8_t uid[12] = { 0x11, 0x22, 0x33, 0x44, 0x55, 0x66,
					 0x77, 0x88, 0x99, 0xAA, 0xBB, 0xCC };
	uint8_t b[12];

	l4_chip_set_uid(&f->c, uid);
	assert_int_equal(l4_mem_read(&f->c, 0x1FFF7590, b, 12), L4_OK);
	assert_memory_equal(b, uid, 12);
	assert_int_equal(l4_mem_read(&f->c, 0x1FFF7594, b, 4), L4_OK);
	assert_memory_equal(b, uid + 4, 4);
	assert_int_equal(l4_mem_read(&f->c, 0x1FFF75E0, b, 2), L4_OK);
	assert_int_equal(dfu_get_le16(b), 128);
	assert_int_equal(l4_mem_read(&f->c, 0x1FFF6FFE, b, 1), L4_OK);
	assert_int_equal(b[0], 0xD1);
	assert_int_equal(l4_mem_read(&f->c, 0x1FFF6FFE, b, 2), L4_ERR_ADDRESS);
	memset(b, 0x77, sizeof(b));
	assert_int_equal(l4_mem_read(&f->c, 0xFFFF0000, b, 4), L4_OK);
	assert_int_equal(dfu_get_le32(b), 0);
	assert_int_equal(l4_mem_read(&f->c, 0x20000000, b, 4), L4_ERR_ADDRESS);
	assert_string_equal(last_line(f),
			    "mem: read of 4 bytes at 0x20000000 refused: no readable memory there");
	assert_int_equal(l4_mem_read(&f->c, 0x0801FFFC, b, 8), L4_ERR_ADDRESS);
	assert_int_equal(l4_mem_read(&f->c, 0x0801FFFC, NULL, 0), L4_OK);
}

/* The USB/IP server persists state whenever this counter moves, before it
 * acknowledges anything: every change must move it, refusals must not. */
static void test_every_change_moves_the_mutation_counter_and_refusals_do_not(void **state)
{
	struct fx *f = *state;
	uint8_t in[16], ob[40];
	uint64_t m = f->c.mutations;

	fill(in, sizeof(in), 3);
	assert_int_equal(l4_flash_program(&f->c, FLASH, in, sizeof(in), 1, NULL), L4_OK);
	assert_true(f->c.mutations > m);
	m = f->c.mutations;
	assert_int_equal(l4_flash_program(&f->c, FLASH, in, sizeof(in), 1, NULL), L4_ERR_PROG);
	assert_int_equal(f->c.mutations, m);
	assert_int_equal(l4_flash_erase_page(&f->c, FLASH, 2, NULL), L4_OK);
	assert_true(f->c.mutations > m);
	m = f->c.mutations;
	assert_int_equal(l4_flash_mass_erase(&f->c, 3, NULL), L4_OK);
	assert_true(f->c.mutations > m);
	m = f->c.mutations;
	assert_int_equal(l4_mem_read(&f->c, OB, ob, sizeof(ob)), L4_OK);
	assert_int_equal(l4_mem_read(&f->c, FLASH, in, sizeof(in)), L4_OK);
	assert_int_equal(f->c.mutations, m);
	assert_int_equal(l4_ob_write(&f->c, OB, ob, sizeof(ob), 4, NULL), L4_OK);
	assert_true(f->c.mutations > m);
	m = f->c.mutations;
	assert_int_equal(l4_otp_program(&f->c, f->c.p->otp_base, in, 8, 5, NULL), L4_OK);
	assert_true(f->c.mutations > m);
	m = f->c.mutations;
	assert_int_equal(l4_read_unprotect(&f->c, 6, NULL), L4_OK);
	assert_true(f->c.mutations > m);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_programming_erased_flash_stores_the_data),
		T(test_every_change_moves_the_mutation_counter_and_refusals_do_not),
		T(test_programming_a_double_word_twice_gives_progerr),
		T(test_overwriting_with_all_zeros_is_allowed),
		T(test_a_short_write_pads_its_double_words_with_ff),
		T(test_writes_outside_main_flash_are_refused),
		T(test_erasing_a_page_erases_only_that_page),
		T(test_mass_erase_erases_every_page),
		T(test_writes_to_a_write_protected_page_leave_it_unchanged),
		T(test_erases_keep_write_protected_pages),
		T(test_wrp_takes_effect_only_after_an_option_load),
		T(test_wrp_fields_use_only_the_parts_field_width),
		T(test_rdp_level_1_refuses_main_flash_but_not_the_rest),
		T(test_lowering_rdp_from_1_to_0_by_option_write_mass_erases),
		T(test_read_unprotect_erases_everything_and_sets_level_0),
		T(test_rdp_level_2_locks_the_option_bytes),
		T(test_a_virgin_option_block_reads_as_documented),
		T(test_an_option_write_takes_only_the_register_words),
		T(test_an_option_write_must_cover_the_block_from_its_start),
		T(test_a_torn_option_block_loads_as_level_1),
		T(test_otp_double_words_can_be_written_once),
		T(test_the_id_area_reads_uid_flash_size_bootloader_id_and_features),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
