/* test_scenarios_usbip.c - the scenario runner's USB/IP backend against real
 * dfu-sim processes on 127.0.0.1: shipped scenarios started per file, a
 * dfu-sim attached to (and refused when it serves something else), the
 * messages when dfu-sim cannot be started, and dfu-flash --usbip on the
 * seed command. Real time: a few seconds in all. Every test is bounded by
 * alarm(). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "host/cli.h"
#include "lab/scenario.h"

#define SCENARIOS DFULAB_TEST_DATA "/../../scenarios"

static const struct scn_usbip_config spawn = { .dfu_sim = DFULAB_DFU_SIM };

static int run_usbip(const char *file, const struct scn_usbip_config *cfg,
		     struct scn_result *r)
{
	struct scn_options o = { .ops = &scn_usbip_ops, .be_config = cfg };
	int rc;

	alarm(60); /* no test may hang the suite */
	rc = scn_run_file(file, &o, r);
	alarm(0);
	return rc;
}

static void expect_pass(const char *file)
{
	struct scn_result r;
	int rc = run_usbip(file, &spawn, &r);

	if (rc != 0)
		fail_msg("%s over USB/IP: %s", file, r.msg);
	assert_false(r.error);
	assert_int_equal(r.failed, 0);
	assert_true(r.expectations > 0);
}

static void test_seed_trap_and_power_cycle_pass_over_usbip(void **st)
{
	(void)st;
	expect_pass(SCENARIOS "/seed-trap-power-cycle.scn");
}

static void test_seed_trap_and_option_byte_reload_pass_over_usbip(void **st)
{
	(void)st;
	expect_pass(SCENARIOS "/seed-trap-reload-option-bytes.scn");
}

static void test_preload_options_and_protection_pass_over_usbip(void **st)
{
	(void)st;
	/* preload, option lines, WRP, RDP, upload into ${TMP}, a DFU run-time app */
	expect_pass(SCENARIOS "/wrp-page-caught-by-verify.scn");
	expect_pass(SCENARIOS "/rdp-level1-unprotect.scn");
	expect_pass(SCENARIOS "/runtime-dfu-detach.scn");
	expect_pass(SCENARIOS "/identity-stm32l432kc.scn");
}

static void test_a_failed_expectation_over_usbip_names_its_line(void **st)
{
	struct scn_options o = { .ops = &scn_usbip_ops, .be_config = &spawn };
	struct scn_result r;
	(void)st;
	alarm(60);
	assert_int_equal(scn_run_text("x.scn",
				      "chip stm32l412xb timing instant\npower-on 0\n"
				      "expect runs app\nexpect log 0 \"no such line\"\n"
				      "expect pempty 0 1\nexpect option 0 nBOOT0=1\n"
				      "expect app-crc 0 fw\n",
				      &o, &r),
			 -1); /* app-crc names no image: a syntax error, nothing runs */
	assert_string_equal(r.msg, "x.scn:7: expect app-crc: no image named 'fw' above this line");
	assert_int_equal(scn_run_text("x.scn",
				      "chip stm32l412xb timing instant\npower-on 0\n"
				      "expect runs app\nexpect log 0 \"no such line\"\n"
				      "expect pempty 0 1\nexpect option 0 nBOOT0=1\n"
				      "wait 1\nboot0 0 1\nreset 0\nexpect runs rom\npower-off 0\n"
				      "expect runs nothing\n",
				      &o, &r),
			 1);
	alarm(0);
	assert_false(r.error);
	assert_int_equal(r.expectations, 6);
	assert_int_equal(r.failed, 2);
	assert_string_equal(r.msg, "x.scn:3: expect runs app: board 0 runs rom (ROM DFU "
				   "bootloader)");
}

/* A dfu-sim started by one backend, attached to by another. */
static void test_attach_to_a_running_dfu_sim_and_refuse_a_mismatch(void **st)
{
	struct sim_board_spec chip;
	void *owner = scn_usbip_new(&spawn);
	struct scn_usbip_config att = { 0 };
	struct scn_options o = { .ops = &scn_usbip_ops, .be_config = &att };
	struct scn_result r;
	char msg[256], want[300];
	(void)st;
	assert_int_equal(sim_board_spec_parse(&chip, "stm32l412xb,count=2,timing=datasheet", msg,
					      sizeof(msg)), 0);

	assert_non_null(owner);
	alarm(60);
	assert_int_equal(scn_usbip_ops.setup(owner, &chip, msg, sizeof(msg)), 0);
	assert_non_null(strstr(scn_usbip_ready_line(owner), "serving 2 devices"));
	att.addr = scn_usbip_addr(owner);
	att.ctl = scn_usbip_ctl(owner);
	assert_int_equal(scn_run_file(SCENARIOS "/seed-trap-power-cycle.scn", &o, &r), 0);

	assert_int_equal(scn_run_text("x.scn", "chip stm32l412xb count 3 timing datasheet\n", &o,
				      &r), -1);
	snprintf(want, sizeof(want),
		 "x.scn:1: chip: the dfu-sim at %s serves 2 board(s); the chip line asks for 3 "
		 "(start it with --count 3)",
		 att.addr);
	assert_string_equal(r.msg, want);
	assert_int_equal(scn_run_text("x.scn", "chip stm32l432kc\n", &o, &r), -1);
	snprintf(want, sizeof(want),
		 "x.scn:1: chip: the dfu-sim at %s runs board 1-1 with chip stm32l412xb; the chip "
		 "line asks for stm32l432kc (restart it with --chip)",
		 att.addr);
	assert_string_equal(r.msg, want);
	assert_int_equal(scn_run_text("x.scn", "chip stm32l412xb timing datasheet quirk xfer-1024\n",
				      &o, &r), -1);
	assert_non_null(strstr(r.msg, "with quirks 0x0; the chip line asks for 0x"));
	att.ctl = NULL;
	assert_int_equal(scn_run_text("x.scn", "chip stm32l412xb\n", &o, &r), -1);
	assert_non_null(strstr(r.msg, "needs the control socket of that dfu-sim (--ctl PATH)"));
	scn_usbip_free(owner);
	alarm(0);
}

static void test_a_dfu_sim_that_cannot_start_is_named(void **st)
{
	struct scn_usbip_config bad = { .dfu_sim = "/nonexistent/dfu-sim" };
	struct scn_options o = { .ops = &scn_usbip_ops, .be_config = &bad };
	struct scn_result r;
	(void)st;
	assert_int_equal(scn_run_text("x.scn", "# c\nchip stm32l412xb\n", &o, &r), -1);
	assert_string_equal(r.msg, "x.scn:2: chip: cannot start /nonexistent/dfu-sim: No such "
				   "file or directory (build it, or give its path)");
	assert_int_equal(r.modelled_us, 0);
	/* dfu-sim itself refuses (a quirk it does not know is caught here first) */
	bad.dfu_sim = "/bin/false";
	assert_int_equal(scn_run_text("x.scn", "chip stm32l412xb\n", &o, &r), -1);
	assert_string_equal(r.msg, "x.scn:1: chip: /bin/false stopped before it was ready: (no "
				   "message)");
	bad.dfu_sim = DFULAB_DFU_SIM;
	assert_int_equal(scn_run_text("x.scn", "chip stm32l476rg\n", &o, &r), -1);
	assert_non_null(strstr(r.msg, "x.scn:1: chip: chip stm32l476rg: not supported: "));
}

/* dfu-flash as a function, with its own transports, on a dfu-sim child. */
static void test_dfu_flash_usbip_seed_command_exits_3_with_the_diagnosis(void **st)
{
	struct sim_board_spec chip;
	void *be = scn_usbip_new(&spawn);
	char msg[256], fw[200], text[4096];
	FILE *out = tmpfile(), *err = tmpfile(), *w;
	uint8_t img[4096];
	size_t n;
	(void)st;
	assert_int_equal(sim_board_spec_parse(&chip, "stm32l412xb", msg, sizeof(msg)), 0);

	assert_non_null(be);
	assert_non_null(out);
	assert_non_null(err);
	alarm(60);
	assert_int_equal(scn_usbip_ops.setup(be, &chip, msg, sizeof(msg)), 0);
	assert_int_equal(scn_usbip_ops.power(be, 0, SCN_POWER_ON, msg, sizeof(msg)), 0);
	memset(img, 0xA5, sizeof(img));
	img[0] = 0x00, img[1] = 0x80, img[2] = 0x00, img[3] = 0x20; /* SP 0x20008000 */
	for (unsigned v = 1; v < 16; v++)
		img[4 * v] = 0x01, img[4 * v + 1] = 0x01, img[4 * v + 2] = 0x00,
		img[4 * v + 3] = 0x08; /* 0x08000101 */
	snprintf(fw, sizeof(fw), "%s/fw-%ld.bin", DFULAB_TEST_TMP, (long)getpid());
	w = fopen(fw, "wb");
	assert_non_null(w);
	assert_int_equal(fwrite(img, 1, sizeof(img), w), sizeof(img));
	fclose(w);
	{
		char *argv[] = { "dfu-flash", "--usbip", (char *)scn_usbip_addr(be),
				 "-a", "0", "-i", "0", "-s", "0x08000000:mass-erase:force:leave",
				 "-R", "-D", fw, NULL };
		assert_int_equal(dfu_flash_run(12, argv, out, err, NULL), CLI_EXIT_NOT_RUNNING);
	}
	rewind(err);
	n = fread(text, 1, sizeof(text) - 1, err);
	text[n] = '\0';
	assert_non_null(strstr(text, "came back in the ROM bootloader: flashed but not running: "
				     "the flash-empty flag (PEMPTY) was latched at power-on"));
	assert_non_null(strstr(text, "remedies: power cycle, or --reload-option-bytes"));
	assert_int_equal(scn_usbip_ops.log_find(be, 0, "latched since power-on", text,
						sizeof(text)),
			 0);
	assert_non_null(strstr(text, " ms  boot: BOOT0 pin=0, nSWBOOT0=1, PEMPTY=1"));
	assert_int_equal(scn_usbip_ops.log_find(be, 0, "nothing like this", text, sizeof(text)),
			 DFU_E_NOTFOUND);
	assert_int_equal(scn_usbip_ops.boot0(be, 3, true, msg, sizeof(msg)), DFU_E_RANGE);
	assert_string_equal(msg, "board 3 does not exist (1 built)");
	assert_int_equal(scn_usbip_ops.setup(be, &chip, msg, sizeof(msg)), DFU_E_USAGE);
	scn_usbip_free(be);
	alarm(0);
	fclose(out);
	fclose(err);
	remove(fw);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seed_trap_and_power_cycle_pass_over_usbip),
		cmocka_unit_test(test_seed_trap_and_option_byte_reload_pass_over_usbip),
		cmocka_unit_test(test_preload_options_and_protection_pass_over_usbip),
		cmocka_unit_test(test_a_failed_expectation_over_usbip_names_its_line),
		cmocka_unit_test(test_attach_to_a_running_dfu_sim_and_refuse_a_mismatch),
		cmocka_unit_test(test_a_dfu_sim_that_cannot_start_is_named),
		cmocka_unit_test(test_dfu_flash_usbip_seed_command_exits_3_with_the_diagnosis),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
