/* test_sim_xport.c - dfu-flash's --sim row, registered by the lab: it takes
 * the board specification that dfu-sim's flags and a scenario's chip line
 * take (sim/board_spec.h), with the same keys, defaults and messages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cli_harness.h"
#include "dfu/fw_image.h"
#include "host/cli.h"
#include "lab/sim_xport.h"
#include "sim/board_spec.h"

static char out[16384], err[4096];

/* dfu-flash ARGS... (NULL-terminated) with its own transports, --sim
 * among them. */
static int flash(const char *first, ...)
{
	const struct cli_capture c = { out, err, sizeof(out), sizeof(err) };
	const char *const lead[] = { first, NULL };
	va_list ap;
	int rc;

	va_start(ap, first);
	rc = cli_run_args(NULL, &c, lead, ap);
	va_end(ap);
	return rc;
}

static void test_keys_the_old_sim_grammar_refused_are_accepted(void **st)
{
	(void)st;
	assert_int_equal(flash("--sim", "stm32l412xb,app=dfu-runtime,quirk=xfer-1024", "-l", NULL),
			 0);
	/* a board whose application has a DFU run-time interface, not yet booted:
	 * the ROM answers, with its four alt settings */
	assert_non_null(strstr(out, "[0483:df11]"));
	assert_non_null(strstr(out, "alt=3"));
}

/* BOOT0 high: an image in flash would otherwise run instead of the ROM. */
static void test_an_image_key_preloads_main_flash_before_power_on(void **st)
{
	struct cli_files files;
	uint8_t bytes[64], back[64];
	char spec[400];
	(void)st;

	for (size_t i = 0; i < sizeof(bytes); i++)
		bytes[i] = (uint8_t)(i * 7 + 1);
	cli_files_init(&files, "sim_xport");
	cli_write_file(files.fw, bytes, sizeof(bytes));
	snprintf(spec, sizeof(spec), "stm32l412xb,boot0=1,image=%s", files.fw);
	if (flash("--sim", spec, "-a", "0", "-s", "0x08000000:64", "-U", files.up, NULL) != 0)
		fail_msg("%s", err);
	assert_int_equal(cli_read_file(files.up, back, sizeof(back)), sizeof(back));
	assert_memory_equal(back, bytes, sizeof(bytes));
	cli_files_remove(&files);
}

#ifdef DFULAB_FW_FILES
/* Flash read back after loading FILE: every byte the file places equals
 * the .bin's byte there; every byte it does not place (objcopy's .bin
 * fills gaps with zeros) is still erased. */
static void expect_file_bytes(const char *stem, const char *kind, const uint8_t *bin,
			      const uint8_t *back, size_t n)
{
	static uint8_t text[65536], data[65536];
	static struct dfu_fw_range ranges[64];
	struct dfu_fw_image img;
	struct dfu_diag diag = { 0 };
	char path[600];
	size_t len;
	uint8_t b;

	snprintf(path, sizeof(path), "%s%s", stem, kind);
	len = cli_read_file(path, text, sizeof(text));
	dfu_fw_image_init(&img, ranges, 64, data, sizeof(data));
	assert_int_equal(strstr(kind, "hex") ? dfu_fw_load_ihex(&img, text, len, &diag)
					     : dfu_fw_load_srec(&img, text, len, &diag), 0);
	for (size_t i = 0; i < n; i++) {
		if (dfu_fw_image_byte(&img, 0x08000000u + (uint32_t)i, &b)) {
			assert_int_equal(b, bin[i]);
			assert_int_equal(back[i], bin[i]);
		} else {
			assert_int_equal(back[i], 0xFF);
		}
	}
}
#endif

/* image= takes what dfu-flash -D takes by address: the Intel HEX and
 * S-record files objcopy made of the tiny L412 firmware land at their own
 * addresses, byte for byte the .bin objcopy made of the same ELF. */
static void test_an_image_key_loads_hex_and_srec_files_by_address(void **st)
{
#ifdef DFULAB_FW_FILES
	static const char *const kinds[] = { ".hex", ".s19", "-srec_cat.hex", "-srec_cat.s19" };
	static uint8_t bin[4096], back[4096];
	struct cli_files files;
	char spec[600], len[32];
	size_t n;
	(void)st;

	n = cli_read_file(DFULAB_FW_FILES ".bin", bin, sizeof(bin));
	assert_true(n > 64 && n < sizeof(bin));
	snprintf(len, sizeof(len), "0x08000000:%zu", n);
	cli_files_init(&files, "sim_xport_fw");
	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		snprintf(spec, sizeof(spec), "stm32l412xb,boot0=1,image=%s%s", DFULAB_FW_FILES,
			 kinds[k]);
		unlink(files.up);
		if (flash("--sim", spec, "-a", "0", "-s", len, "-U", files.up, NULL) != 0)
			fail_msg("%s: %s", kinds[k], err);
		assert_int_equal(cli_read_file(files.up, back, sizeof(back)), n);
		expect_file_bytes(DFULAB_FW_FILES, kinds[k], bin, back, n);
	}
	cli_files_remove(&files);
	/* an ELF is refused with the line that converts it */
	snprintf(spec, sizeof(spec), "stm32l412xb,image=%s.elf", DFULAB_FW_FILES);
	assert_int_equal(flash("--sim", spec, "-l", NULL), CLI_EXIT_USAGE);
	assert_non_null(strstr(err, "ELF files are not loaded yet; convert it with "
				    "arm-none-eabi-objcopy -O ihex"));
#else
	(void)st;
	skip();
#endif
}

static void test_errors_name_the_key_and_what_it_takes_as_dfu_sim_does(void **st)
{
	struct sim_board_spec s;
	char want[600], msg[400];
	(void)st;

	assert_int_equal(sim_board_spec_parse(&s, "stm32l412xb,boot0=2", msg, sizeof(msg)),
			 DFU_E_USAGE);
	snprintf(want, sizeof(want), "dfu-flash: --sim \"stm32l412xb,boot0=2\": %s", msg);
	assert_int_equal(flash("--sim", "stm32l412xb,boot0=2", "-l", NULL), CLI_EXIT_USAGE);
	assert_non_null(strstr(err, want));
	assert_int_equal(flash("--sim", "stm32l412xb,count=17", "-l", NULL), CLI_EXIT_USAGE);
	assert_non_null(strstr(err, "count=17: at most 16 boards live in one process; dfu-sim "
				    "serves more over USB/IP"));
	assert_int_equal(flash("--sim", "stm32f999", "-l", NULL), CLI_EXIT_USAGE);
	assert_non_null(strstr(err, "stm32f999"));
}

static void test_the_defaults_are_the_board_specifications(void **st)
{
	struct sim_board_spec s;
	char msg[200];
	(void)st;
	/* --sim's default timing used to be datasheet while dfu-sim's was
	 * instant: one table now decides for both */
	assert_int_equal(sim_board_spec_parse(&s, "stm32l412xb", msg, sizeof(msg)), 0);
	assert_int_equal(s.timing, SIM_TIMING_INSTANT);
	assert_int_equal(s.count, 1);
	assert_false(s.boot0);
}

static void test_help_lists_the_keys_from_the_spec_table(void **st)
{
	(void)st;
	assert_int_equal(flash("-h", NULL), 0);
	for (size_t i = 0; i < sim_board_spec_key_count(); i++) {
		char word[40];
		if (!strcmp(sim_board_spec_key_at(i), "chip"))
			continue;
		snprintf(word, sizeof(word), " %s", sim_board_spec_key_at(i));
		assert_non_null(strstr(out, word));
	}
	assert_non_null(strstr(out, "--sim"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keys_the_old_sim_grammar_refused_are_accepted),
		cmocka_unit_test(test_an_image_key_preloads_main_flash_before_power_on),
		cmocka_unit_test(test_an_image_key_loads_hex_and_srec_files_by_address),
		cmocka_unit_test(test_errors_name_the_key_and_what_it_takes_as_dfu_sim_does),
		cmocka_unit_test(test_the_defaults_are_the_board_specifications),
		cmocka_unit_test(test_help_lists_the_keys_from_the_spec_table),
	};
	if (lab_sim_xport_register() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
