/* test_demo.c - ./ci/demo's story (scn_demo_run) so it cannot rot: in
 * process on the virtual clock, over USB/IP against a dfu-sim child as
 * ./ci/demo runs it, a changed chip whose observations differ (exit 1 and
 * FAIL rows), and a dfu-sim that cannot start (exit 2). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "lab/scenario.h"
#include "sim/sim_board.h"

static char text[64 * 1024];

static int run_demo(struct scn_demo_options *o)
{
	FILE *f = tmpfile();
	size_t n;
	int rc;

	assert_non_null(f);
	o->out = f;
	alarm(60); /* no test may hang the suite */
	rc = scn_demo_run(o);
	alarm(0);
	rewind(f);
	n = fread(text, 1, sizeof(text) - 1, f);
	text[n] = '\0';
	fclose(f);
	return rc;
}

static size_t count_of(const char *needle)
{
	size_t n = 0;
	for (const char *p = strstr(text, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

static void test_demo_in_process_passes_every_row(void **st)
{
	struct scn_demo_options o = { .ops = &scn_inproc_ops, .leave = -1 };
	(void)st;
	assert_int_equal(run_demo(&o), 0);
	assert_non_null(strstr(text, "$ dfu-flash -a 0 -i 0 -s 0x08000000:mass-erase:force:leave "
				     "-R -D firmware.bin\n"));
	assert_non_null(strstr(text, "1 seed command, virgin chip  ROM bootloader, trap "
				     "diagnosed   ROM bootloader, trap diagnosed   pass"));
	assert_non_null(strstr(text, "PEMPTY=1 (latched since power-on) -> system memory"));
	assert_non_null(strstr(text, "reset: system reset (NRST); PEMPTY kept at 1"));
	assert_non_null(strstr(text, "5 scenarios, 0 failed; 4.7 s modelled"));
	assert_int_equal(count_of(" pass "), 5);
	assert_null(strchr(text, '\033')); /* no colour unless asked */
}

static void test_demo_over_usbip_runs_the_seed_command_against_dfu_sim(void **st)
{
	struct scn_usbip_config cfg = { .dfu_sim = DFULAB_DFU_SIM };
	struct scn_demo_options o = { .be_config = &cfg, .leave = -1, .color = true };
	(void)st;
	assert_int_equal(run_demo(&o), 0);
	assert_non_null(strstr(text, "dfu-sim: serving 2 devices (1-1 to 1-2) of stm32l412xb on "
				     "127.0.0.1 port "));
	assert_non_null(strstr(text, "$ dfu-flash --usbip 127.0.0.1:"));
	assert_non_null(strstr(text, "came back in the ROM bootloader: flashed but not running"));
	assert_non_null(strstr(text, "wall clock, dfu-sim over USB/IP"));
	assert_int_equal(count_of("\033[32mpass  \033[0m"), 5);
}

static void test_a_chip_that_behaves_otherwise_fails_the_demo(void **st)
{
	/* With leave = jump the ROM starts the application at once: no trap,
	 * and then no bootloader on the bus for --reload-option-bytes. */
	struct scn_demo_options o = { .ops = &scn_inproc_ops, .leave = L4_LEAVE_JUMP };
	(void)st;
	assert_int_equal(run_demo(&o), 1);
	assert_int_equal(count_of(" FAIL "), 3);
	assert_non_null(strstr(text, "1 seed command, virgin chip  ROM bootloader, trap diagnosed  "
				     " application 0x"));
	assert_non_null(strstr(text, "5 scenarios, 3 failed"));
}

static void test_a_dfu_sim_that_cannot_start_stops_the_demo(void **st)
{
	struct scn_usbip_config cfg = { .dfu_sim = "/nonexistent/dfu-sim" };
	struct scn_demo_options o = { .be_config = &cfg, .leave = -1 };
	(void)st;
	assert_int_equal(run_demo(&o), 2);
	assert_null(strstr(text, "scenarios,"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_demo_in_process_passes_every_row),
		cmocka_unit_test(test_demo_over_usbip_runs_the_seed_command_against_dfu_sim),
		cmocka_unit_test(test_a_chip_that_behaves_otherwise_fails_the_demo),
		cmocka_unit_test(test_a_dfu_sim_that_cannot_start_stops_the_demo),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
