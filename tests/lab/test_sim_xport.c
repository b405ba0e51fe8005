/* test_sim_xport.c - dfu-flash's --sim row, registered by the lab: it takes
 * the board specification that dfu-sim's flags and a scenario's chip line
 * take (sim/board_spec.h), with the same keys, defaults and messages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "cli_harness.h"
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
		cmocka_unit_test(test_errors_name_the_key_and_what_it_takes_as_dfu_sim_does),
		cmocka_unit_test(test_the_defaults_are_the_board_specifications),
		cmocka_unit_test(test_help_lists_the_keys_from_the_spec_table),
	};
	if (lab_sim_xport_register() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
