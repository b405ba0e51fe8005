/* test_l4_chip.c - resets, the flash-empty flag, boot selection and the
 * application check of the emulated STM32L4: the "first flash" trap. */
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
#include "image_builder.h"

#define FLASH 0x08000000u
#define OB 0x1FFF7800u

struct fx {
	struct sim_log log;
	struct l4_chip c;
};

static struct fx *fx_new(const char *profile)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	sim_log_init(&f->log, "t");
	assert_int_equal(l4_chip_init(&f->c, l4_profile_find(profile), &f->log), DFU_OK);
	return f;
}

static int setup(void **state)
{
	*state = fx_new("stm32l412xb");
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

/* What dfu-util -s 0x08000000:mass-erase:force -D does to the chip. */
static void flash_app(struct fx *f, uint64_t now)
{
	uint8_t img[2048];

	/* A valid vector table: SP at the top of SRAM1, the reset handler just
	 * after the table (Thumb bit set). */
	image_build(img, sizeof(img), 13);
	image_set_vectors(img, sizeof(img), f->c.p->sram1_base + f->c.p->sram1_size,
			  f->c.p->flash_base + 0x199);
	assert_int_equal(l4_flash_mass_erase(&f->c, now, NULL), L4_OK);
	assert_int_equal(l4_flash_program(&f->c, f->c.p->flash_base, img, sizeof(img), now, NULL),
			 L4_OK);
}

static void set_optr(struct fx *f, uint32_t optr)
{
	uint8_t ob[40];

	assert_int_equal(l4_mem_read(&f->c, OB, ob, sizeof(ob)), L4_OK);
	dfu_put_le32(ob, optr);
	assert_int_equal(l4_ob_write(&f->c, OB, ob, sizeof(ob), 0, NULL), L4_OK);
	l4_chip_reset(&f->c, L4_RESET_OPTION_LOAD, 0);
}

/* ---- the first-flash trap ---- */

static void test_first_flash_stays_in_the_bootloader_until_power_is_cycled(void **state)
{
	struct fx *f = *state;
	char why[200];

	/* A factory-new L412, BOOT0 low: the empty check sends it to the ROM. */
	assert_int_equal(l4_chip_reset(&f->c, L4_RESET_POWER_ON, 0), L4_BOOT_SYSTEM);
	assert_true(f->c.pempty);
	assert_logged(f, "reset: PEMPTY sampled: 1 (word at 0x08000000 reads 0xFFFFFFFF)");
	assert_string_equal(last_line(f), "boot: BOOT0 pin=0, nSWBOOT0=1, PEMPTY=1 (sampled at "
					  "this reset) -> system memory");

	/* dfu-util mass-erases and writes a valid application ... */
	flash_app(f, 1000);
	assert_true(l4_chip_app_valid(&f->c, why, sizeof(why)));
	/* ... programming does not touch PEMPTY ([KB-empty-check]) ... */
	assert_true(f->c.pempty);

	/* ... and :leave is a system reset: PEMPTY is latched, back to the ROM. */
	assert_int_equal(l4_chip_reset(&f->c, L4_RESET_SYSTEM, 2000), L4_BOOT_SYSTEM);
	assert_logged(f, "reset: system reset (NRST); PEMPTY kept at 1");
	assert_string_equal(last_line(f), "boot: BOOT0 pin=0, nSWBOOT0=1, PEMPTY=1 (latched since "
					  "power-on) -> system memory");
	/* So does every NRST press. */
	assert_int_equal(l4_chip_reset(&f->c, L4_RESET_SYSTEM, 3000), L4_BOOT_SYSTEM);

	/* A power cycle re-samples the flag: the application runs. */
	l4_chip_power_off(&f->c, 4000);
	assert_int_equal(f->c.running, L4_BOOT_OFF);
	assert_int_equal(l4_chip_reset(&f->c, L4_RESET_POWER_ON, 5000), L4_BOOT_FLASH);
	assert_false(f->c.pempty);
	assert_string_equal(last_line(f), "boot: BOOT0 pin=0, nSWBOOT0=1, PEMPTY=0 (sampled at "
					  "this reset) -> main flash");

	/* Every later update works: erase, program, system reset -> flash. */
	flash_app(f, 6000);
	assert_int_equal(l4_chip_reset(&f->c, L4_RESET_SYSTEM, 7000), L4_BOOT_FLASH);
	assert_string_equal(last_line(f), "boot: BOOT0 pin=0, nSWBOOT0=1, PEMPTY=0 (latched since "
					  "power-on) -> main flash");
	assert_int_equal(f->c.reset_count[L4_RESET_POWER_ON], 2);
	assert_int_equal(f->c.reset_count[L4_RESET_SYSTEM], 3);
	assert_int_equal(f->c.last_reset, L4_RESET_SYSTEM);
}

static void test_an_erased_chip_keeps_booting_flash_until_power_is_cycled(void **state)
{
	struct fx *f = *state;

	/* The mirror image: PEMPTY=0 latched, flash erased afterwards. */
	l4_chip_reset(&f->c, L4_RESET_POWER_ON, 0);
	flash_app(f, 1);
	l4_chip_power_off(&f->c, 2);
	assert_int_equal(l4_chip_reset(&f->c, L4_RESET_POWER_ON, 3), L4_BOOT_FLASH);
	assert_int_equal(l4_flash_mass_erase(&f->c, 4, NULL), L4_OK);
	assert_int_equal(l4_chip_reset(&f->c, L4_RESET_SYSTEM, 5), L4_BOOT_FLASH);
	assert_false(l4_chip_app_valid(&f->c, NULL, 0));
	l4_chip_power_off(&f->c, 6);
	assert_int_equal(l4_chip_reset(&f->c, L4_RESET_POWER_ON, 7), L4_BOOT_SYSTEM);
}

static void test_an_option_load_resamples_pempty(void **state)
{
	struct fx *f = *state;

	l4_chip_reset(&f->c, L4_RESET_POWER_ON, 0);
	flash_app(f, 1);
	assert_int_equal(l4_chip_reset(&f->c, L4_RESET_SYSTEM, 2), L4_BOOT_SYSTEM);
	assert_int_equal(l4_chip_reset(&f->c, L4_RESET_OPTION_LOAD, 3), L4_BOOT_FLASH);
	assert_logged(f, "reset: option-byte load; option bytes loaded (OPTR 0xFFEFF8AA, RDP "
			 "level 0)");
	assert_string_equal(last_line(f), "boot: BOOT0 pin=0, nSWBOOT0=1, PEMPTY=0 (sampled at "
					  "this reset) -> main flash");
	assert_int_equal(l4_chip_reset(&f->c, L4_RESET_SYSTEM, 4), L4_BOOT_FLASH);
	assert_string_equal(last_line(f), "boot: BOOT0 pin=0, nSWBOOT0=1, PEMPTY=0 (latched since "
					  "option load) -> main flash");
	assert_int_equal(f->c.reset_count[L4_RESET_OPTION_LOAD], 1);
}

static void test_writing_one_to_pempty_toggles_it_and_zero_does_nothing(void **state)
{
	struct fx *f = *state;

	l4_chip_reset(&f->c, L4_RESET_POWER_ON, 0);
	flash_app(f, 1);
	l4_chip_write_pempty(&f->c, false, 2);
	assert_true(f->c.pempty);
	assert_string_equal(last_line(f), "flash: software wrote 0 to PEMPTY: no effect (PEMPTY=1)");
	l4_chip_write_pempty(&f->c, true, 3);
	assert_false(f->c.pempty);
	assert_string_equal(last_line(f), "flash: software wrote 1 to PEMPTY: toggled 1 -> 0");
	assert_int_equal(l4_chip_reset(&f->c, L4_RESET_SYSTEM, 4), L4_BOOT_FLASH);
	assert_string_equal(last_line(f), "boot: BOOT0 pin=0, nSWBOOT0=1, PEMPTY=0 (toggled by "
					  "software) -> main flash");
	/* Writing 1 again toggles back: the RM's trap for careless code. */
	l4_chip_write_pempty(&f->c, true, 5);
	assert_true(f->c.pempty);
}

/* ---- boot selection (AN2606 pattern 16) ---- */

static void test_nswboot0_0_with_nboot0_1_boots_flash_and_ignores_pempty(void **state)
{
	struct fx *f = *state;
	char why[200];

	l4_chip_reset(&f->c, L4_RESET_POWER_ON, 0);
	set_optr(f, 0xFBEFF8AA); /* nSWBOOT0=0, nBOOT0=1 */
	assert_true(f->c.pempty);
	assert_int_equal(f->c.running, L4_BOOT_FLASH);
	assert_string_equal(last_line(f), "boot: nSWBOOT0=0, nBOOT0=1 -> main flash (BOOT0 pin "
					  "and PEMPTY ignored)");
	l4_chip_set_boot0(&f->c, true, 1);
	assert_int_equal(l4_chip_reset(&f->c, L4_RESET_SYSTEM, 2), L4_BOOT_FLASH);
	/* Nothing valid is there: the app model will see a fault. */
	assert_false(l4_chip_app_valid(&f->c, why, sizeof(why)));
	assert_string_equal(why, "initial SP 0xFFFFFFFF is outside SRAM1 (0x20000000-0x20008000) "
				 "and SRAM2 (0x10000000-0x10002000)");
}

static void test_nswboot0_0_with_nboot0_0_follows_nboot1(void **state)
{
	struct fx *f = *state;

	l4_chip_reset(&f->c, L4_RESET_POWER_ON, 0);
	flash_app(f, 0);
	set_optr(f, 0xF3EFF8AA); /* nSWBOOT0=0, nBOOT0=0, nBOOT1=1 */
	assert_int_equal(f->c.running, L4_BOOT_SYSTEM);
	assert_string_equal(last_line(f), "boot: nSWBOOT0=0, nBOOT0=0, nBOOT1=1 -> system memory "
					  "(BOOT0 pin ignored)");
	set_optr(f, 0xF36FF8AA); /* nBOOT1=0 */
	assert_int_equal(f->c.running, L4_BOOT_SRAM);
	assert_string_equal(last_line(f), "boot: nSWBOOT0=0, nBOOT0=0, nBOOT1=0 -> SRAM1 (BOOT0 "
					  "pin ignored)");
}

static void test_boot0_high_selects_system_memory_or_sram_by_nboot1(void **state)
{
	struct fx *f = *state;

	l4_chip_reset(&f->c, L4_RESET_POWER_ON, 0);
	flash_app(f, 0);
	l4_chip_power_off(&f->c, 1);
	assert_int_equal(l4_chip_reset(&f->c, L4_RESET_POWER_ON, 2), L4_BOOT_FLASH);
	l4_chip_set_boot0(&f->c, true, 3);
	assert_string_equal(last_line(f), "pin: BOOT0 0 -> 1 (read at the next reset)");
	assert_int_equal(f->c.running, L4_BOOT_FLASH); /* a pin alone does nothing */
	assert_int_equal(l4_chip_reset(&f->c, L4_RESET_SYSTEM, 4), L4_BOOT_SYSTEM);
	assert_string_equal(last_line(f), "boot: BOOT0 pin=1, nSWBOOT0=1, nBOOT1=1 -> system memory");
	set_optr(f, 0xFF6FF8AA); /* nBOOT1=0 */
	assert_int_equal(f->c.running, L4_BOOT_SRAM);
	assert_string_equal(last_line(f), "boot: BOOT0 pin=1, nSWBOOT0=1, nBOOT1=0 -> SRAM1");
	l4_chip_set_boot0(&f->c, false, 5);
	assert_int_equal(l4_chip_reset(&f->c, L4_RESET_SYSTEM, 6), L4_BOOT_FLASH);
}

static void test_rdp_level_2_always_boots_main_flash(void **state)
{
	struct fx *f = *state;

	l4_chip_reset(&f->c, L4_RESET_POWER_ON, 0);
	set_optr(f, 0xFFEFF8CC);
	assert_int_equal(f->c.running, L4_BOOT_FLASH);
	assert_string_equal(last_line(f), "boot: RDP level 2 -> main flash (system memory and SRAM "
					  "boot disabled)");
	l4_chip_set_boot0(&f->c, true, 1);
	assert_int_equal(l4_chip_reset(&f->c, L4_RESET_SYSTEM, 2), L4_BOOT_FLASH);
	l4_chip_power_off(&f->c, 3);
	assert_int_equal(l4_chip_reset(&f->c, L4_RESET_POWER_ON, 4), L4_BOOT_FLASH);
}

static void test_a_chip_without_power_ignores_resets(void **state)
{
	struct fx *f = *state;
	char why[64];

	assert_int_equal(f->c.running, L4_BOOT_OFF);
	assert_int_equal(l4_chip_reset(&f->c, L4_RESET_SYSTEM, 0), L4_BOOT_OFF);
	assert_string_equal(last_line(f), "reset: system reset ignored: chip not powered");
	assert_int_equal(l4_chip_reset(&f->c, L4_RESET_OPTION_LOAD, 0), L4_BOOT_OFF);
	assert_int_equal(l4_chip_boot_select(&f->c, why, sizeof(why)), L4_BOOT_OFF);
	assert_string_equal(why, "chip not powered -> off");
	assert_int_equal(f->c.reset_count[L4_RESET_SYSTEM], 0);
	assert_int_equal(l4_chip_reset(&f->c, (enum l4_reset_kind)7, 0), L4_BOOT_OFF);
	/* Boot selection without a buffer for the reason. */
	l4_chip_reset(&f->c, L4_RESET_POWER_ON, 1);
	assert_int_equal(l4_chip_boot_select(&f->c, NULL, 0), L4_BOOT_SYSTEM);
}

static void test_every_supported_profile_shows_the_first_flash_trap(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < l4_profile_count(); i++) {
		const struct l4_profile *p = l4_profile_at(i);
		struct fx *f;

		if (!p->supported)
			continue;
		f = fx_new(p->name);
		assert_int_equal(l4_chip_reset(&f->c, L4_RESET_POWER_ON, 0), L4_BOOT_SYSTEM);
		flash_app(f, 1);
		assert_true(l4_chip_app_valid(&f->c, NULL, 0));
		assert_int_equal(l4_chip_reset(&f->c, L4_RESET_SYSTEM, 2), L4_BOOT_SYSTEM);
		l4_chip_power_off(&f->c, 3);
		assert_int_equal(l4_chip_reset(&f->c, L4_RESET_POWER_ON, 4), L4_BOOT_FLASH);
		l4_chip_free(&f->c);
		free(f);
	}
}

static void test_a_profile_without_empty_check_boots_flash_with_boot0_low(void **state)
{
	struct l4_profile p = *l4_profile_find("stm32l412xb");
	struct fx *f = calloc(1, sizeof(*f));

	(void)state;
	assert_non_null(f);
	p.empty_check = false;
	sim_log_init(&f->log, "n");
	assert_int_equal(l4_chip_init(&f->c, &p, &f->log), DFU_OK);
	assert_int_equal(l4_chip_reset(&f->c, L4_RESET_POWER_ON, 0), L4_BOOT_FLASH);
	assert_false(f->c.pempty);
	assert_string_equal(last_line(f), "boot: BOOT0 pin=0, nSWBOOT0=1, no flash-empty check on "
					  "this line -> main flash");
	l4_chip_write_pempty(&f->c, true, 1);
	assert_false(f->c.pempty);
	assert_string_equal(last_line(f), "flash: software wrote 1 to PEMPTY: this line has no PEMPTY");
	l4_chip_free(&f->c);
	free(f);
}

/* ---- the application ---- */

static void test_the_application_check_reads_the_vector_table(void **state)
{
	struct fx *f = *state;
	uint8_t v[8];
	char why[200];

	l4_chip_reset(&f->c, L4_RESET_POWER_ON, 0);
	/* SP may equal the end of SRAM1 (full-descending stack). */
	dfu_put_le32(v, 0x20008000);
	dfu_put_le32(v + 4, 0x08000199);
	assert_int_equal(l4_chip_preload(&f->c, FLASH, v, 8), DFU_OK);
	assert_true(l4_chip_app_valid(&f->c, why, sizeof(why)));
	assert_string_equal(why, "initial SP 0x20008000, reset vector 0x08000199 in main flash");

	dfu_put_le32(v, 0x20008004); /* past SRAM1 */
	l4_chip_preload(&f->c, FLASH, v, 8);
	assert_false(l4_chip_app_valid(&f->c, NULL, 0));

	dfu_put_le32(v, 0x10002000); /* top of SRAM2 */
	l4_chip_preload(&f->c, FLASH, v, 8);
	assert_true(l4_chip_app_valid(&f->c, NULL, 0));

	dfu_put_le32(v + 4, 0x08000198); /* even: not Thumb */
	l4_chip_preload(&f->c, FLASH, v, 8);
	assert_false(l4_chip_app_valid(&f->c, why, sizeof(why)));
	assert_string_equal(why, "reset vector 0x08000198 is even (not a Thumb address)");

	dfu_put_le32(v + 4, 0x08020001); /* just past the 128 KiB */
	l4_chip_preload(&f->c, FLASH, v, 8);
	assert_false(l4_chip_app_valid(&f->c, why, sizeof(why)));
	assert_string_equal(why, "reset vector 0x08020001 is outside main flash "
				 "(0x08000000-0x0801FFFF)");

	dfu_put_le32(v + 4, 0x07FFFFFF);
	l4_chip_preload(&f->c, FLASH, v, 8);
	assert_false(l4_chip_app_valid(&f->c, NULL, 0));

	dfu_put_le32(v + 4, 0x0801FFFF); /* last halfword of flash */
	l4_chip_preload(&f->c, FLASH, v, 8);
	assert_true(l4_chip_app_valid(&f->c, NULL, 0));
}

/* Bitwise zlib CRC-32, independent of the core's table. */
static uint32_t crc32_ref(const uint8_t *p, size_t n)
{
	uint32_t crc = 0xFFFFFFFFu;
	size_t i;
	int k;

	for (i = 0; i < n; i++) {
		crc ^= p[i];
		for (k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1)));
	}
	return ~crc;
}

static void test_the_flash_crc_is_zlib_crc32(void **state)
{
	struct fx *f = *state;
	uint8_t *ff = malloc(128 * 1024);

	assert_non_null(ff);
	memset(ff, 0xFF, 128 * 1024);
	assert_int_equal(l4_chip_preload(&f->c, FLASH, (const uint8_t *)"123456789", 9), DFU_OK);
	assert_int_equal(l4_chip_flash_crc(&f->c, 9), 0xCBF43926);
	memcpy(ff, "123456789", 9);
	assert_int_equal(l4_chip_flash_crc(&f->c, 0), crc32_ref(ff, 128 * 1024));
	assert_int_equal(l4_chip_flash_crc(&f->c, 0xFFFFFFFF), crc32_ref(ff, 128 * 1024));
	free(ff);
}

/* ---- creation ---- */

static void test_preload_writes_anywhere_in_flash_but_not_outside(void **state)
{
	struct fx *f = *state;
	uint8_t b[4] = { 0, 0, 0, 0 }, out[4];

	/* No erase rule: a preload may overwrite anything. */
	assert_int_equal(l4_chip_preload(&f->c, FLASH + 16, b, 4), DFU_OK);
	b[0] = 0x42;
	assert_int_equal(l4_chip_preload(&f->c, FLASH + 16, b, 4), DFU_OK);
	l4_mem_read(&f->c, FLASH + 16, out, 4);
	assert_memory_equal(out, b, 4);
	assert_int_equal(l4_chip_preload(&f->c, FLASH + 128 * 1024 - 2, b, 4), DFU_E_RANGE);
	assert_int_equal(l4_chip_preload(&f->c, FLASH - 1, b, 1), DFU_E_RANGE);
	assert_int_equal(l4_chip_preload(&f->c, FLASH, NULL, 0), DFU_OK);
}

static void test_a_new_chip_is_virgin_and_unpowered(void **state)
{
	struct fx *f = *state;
	uint8_t b[8];

	assert_false(f->c.powered);
	assert_false(f->c.boot0_pin);
	assert_int_equal(f->c.running, L4_BOOT_OFF);
	assert_int_equal(l4_chip_rdp_level(&f->c), 0);
	assert_int_equal(l4_mem_read(&f->c, FLASH, b, 8), L4_OK);
	assert_int_equal(dfu_get_le32(b), 0xFFFFFFFF);
	assert_int_equal(l4_mem_read(&f->c, 0x1FFF7000, b, 8), L4_OK);
	assert_int_equal(dfu_get_le32(b + 4), 0xFFFFFFFF);
	assert_logged(f, "chip: new stm32l412xb (STM32L41x/L42x): flash erased, OPTR 0xFFEFF8AA, "
			 "not powered");
}

static void test_init_refuses_missing_unsupported_and_broken_profiles(void **state)
{
	struct l4_chip c;
	struct l4_profile bad = *l4_profile_find("stm32l412xb");

	(void)state;
	assert_int_equal(l4_chip_init(&c, NULL, NULL), DFU_E_INVAL);
	assert_int_equal(l4_chip_init(&c, l4_profile_find("stm32l476rg"), NULL),
			 DFU_E_UNSUPPORTED);
	bad.ob_size = 16;
	assert_int_equal(l4_chip_init(&c, &bad, NULL), DFU_E_INVAL);
	bad = *l4_profile_find("stm32l412xb");
	bad.page_size = 1000;
	assert_int_equal(l4_chip_init(&c, &bad, NULL), DFU_E_INVAL);
	bad = *l4_profile_find("stm32l412xb");
	bad.ob_layout = NULL; /* no option-byte layout */
	assert_int_equal(l4_chip_init(&c, &bad, NULL), DFU_E_INVAL);
	/* A chip with no log works, silently. */
	assert_int_equal(l4_chip_init(&c, l4_profile_find("stm32l412xb"), NULL), DFU_OK);
	assert_int_equal(l4_chip_reset(&c, L4_RESET_POWER_ON, 0), L4_BOOT_SYSTEM);
	l4_chip_free(&c);
	l4_chip_free(&c); /* twice is harmless */
}

static void test_names_read_as_words(void **state)
{
	(void)state;
	assert_string_equal(l4_boot_target_name(L4_BOOT_OFF), "off");
	assert_string_equal(l4_boot_target_name(L4_BOOT_SYSTEM), "system memory");
	assert_string_equal(l4_boot_target_name(L4_BOOT_FLASH), "main flash");
	assert_string_equal(l4_boot_target_name(L4_BOOT_SRAM), "SRAM1");
	assert_string_equal(l4_boot_target_name((enum l4_boot_target)9), "unknown boot target");
	assert_string_equal(l4_reset_kind_name(L4_RESET_POWER_ON), "power-on reset");
	assert_string_equal(l4_reset_kind_name(L4_RESET_SYSTEM), "system reset");
	assert_string_equal(l4_reset_kind_name(L4_RESET_OPTION_LOAD), "option-byte load");
	assert_string_equal(l4_reset_kind_name((enum l4_reset_kind)9), "unknown reset");
	assert_string_equal(l4_result_name(L4_OK), "ok");
	assert_non_null(strstr(l4_result_name(L4_ERR_ADDRESS), "address"));
	assert_non_null(strstr(l4_result_name(L4_ERR_PROG), "PROGERR"));
	assert_non_null(strstr(l4_result_name(L4_ERR_RDP), "read protection"));
	assert_non_null(strstr(l4_result_name(L4_ERR_SIZE), "length"));
	assert_non_null(strstr(l4_result_name(L4_ERR_OTP_USED), "OTP"));
	assert_non_null(strstr(l4_result_name(L4_ERR_RDP2), "level 2"));
	assert_string_equal(l4_result_name((enum l4_result)-99), "unknown result");
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_first_flash_stays_in_the_bootloader_until_power_is_cycled),
		T(test_an_erased_chip_keeps_booting_flash_until_power_is_cycled),
		T(test_an_option_load_resamples_pempty),
		T(test_writing_one_to_pempty_toggles_it_and_zero_does_nothing),
		T(test_nswboot0_0_with_nboot0_1_boots_flash_and_ignores_pempty),
		T(test_nswboot0_0_with_nboot0_0_follows_nboot1),
		T(test_boot0_high_selects_system_memory_or_sram_by_nboot1),
		T(test_rdp_level_2_always_boots_main_flash),
		T(test_a_chip_without_power_ignores_resets),
		cmocka_unit_test(test_every_supported_profile_shows_the_first_flash_trap),
		cmocka_unit_test(test_a_profile_without_empty_check_boots_flash_with_boot0_low),
		T(test_the_application_check_reads_the_vector_table),
		T(test_the_flash_crc_is_zlib_crc32),
		T(test_preload_writes_anywhere_in_flash_but_not_outside),
		T(test_a_new_chip_is_virgin_and_unpowered),
		cmocka_unit_test(test_init_refuses_missing_unsupported_and_broken_profiles),
		T(test_names_read_as_words),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
