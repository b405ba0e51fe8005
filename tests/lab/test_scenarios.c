/* test_scenarios.c - every shipped scenario (scenarios/NAME.scn) runs green
 * in-process, one cmocka test per file; and the runner's error messages name
 * the file, the line and the problem, exactly. */
#include <glob.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lab/scenario.h"

#define SCENARIOS DFULAB_TEST_DATA "/../../scenarios"

/* ---- the shipped scenarios ---- */

static void test_shipped_scenario_passes(void **state)
{
	const char *path = *state;
	struct scn_result r;
	int rc = scn_run_file(path, NULL, &r);

	if (rc != 0)
		print_error("%s\n", r.msg);
	assert_int_equal(rc, 0);
	assert_false(r.error);
	assert_int_equal(r.failed, 0);
	assert_true(r.expectations > 0);
}

/* ---- errors name the file and the line ---- */

static int run_text(const char *text, struct scn_result *r)
{
	return scn_run_text("scenarios/x.scn", text, NULL, r);
}

static void expect_error(const char *text, const char *msg)
{
	struct scn_result r;
	assert_int_equal(run_text(text, &r), -1);
	assert_true(r.error);
	assert_string_equal(r.msg, msg);
}

static void test_unknown_command_suggests_the_closest(void **st)
{
	(void)st;
	expect_error("# a comment\nchip stm32l412xb\n\npower-on 0\n\n\n\n\n\n\n\npwr-cycle 0\n",
		     "scenarios/x.scn:12: unknown command 'pwr-cycle'; did you mean 'power-cycle'?");
	expect_error("chip stm32l412xb\nfrobnicate\n", "scenarios/x.scn:2: unknown command "
						       "'frobnicate'");
	expect_error("chip stm32l412xb\nexpect rnus rom\n",
		     "scenarios/x.scn:2: expect: unknown expectation 'rnus'; did you mean 'runs'?");
	/* the chip line's words are the board specification's (sim/board_spec.h) */
	expect_error("chip stm32l412xb quirk erase-stal\n",
		     "scenarios/x.scn:1: chip: quirk erase-stal: no such quirk; known quirks: "
		     "erase-stall, xfer-1024, leave-no-status, shared-serial, layout-garbage, "
		     "ob-power-loss");
}

static void test_bad_arguments_are_named(void **st)
{
	(void)st;
	expect_error("chip stm32l412xb\nboot0 0 2\n",
		     "scenarios/x.scn:2: boot0: level must be 0 or 1, not '2'");
	expect_error("chip stm32l412xb\npower-on\n",
		     "scenarios/x.scn:2: power-on: expected 'power-on DEV'");
	expect_error("chip stm32l412xb count 2\nreset 2\n",
		     "scenarios/x.scn:2: reset: board 2 does not exist (the chip line makes 2: "
		     "0..1)");
	expect_error("power-on 0\n", "scenarios/x.scn:1: power-on: no 'chip' line before this "
				     "one says which boards exist");
	expect_error("chip stm32l412xb\nrun dfu-flash -D ${fw}\n",
		     "scenarios/x.scn:2: run: no image named 'fw' above this line");
	expect_error("chip stm32l412xb\nexpect log 0 \"unterminated\n",
		     "scenarios/x.scn:2: unterminated quoted string");
	expect_error("chip stm32l412xb timing slow\n",
		     "scenarios/x.scn:1: chip: timing slow: not a timing mode; use instant or "
		     "datasheet");
	expect_error("chip stm32l412xb\nexpect runs app lockup\n",
		     "scenarios/x.scn:2: expect runs: board number must be 0, 1, ..., not 'app'");
	expect_error("# nothing\n", "scenarios/x.scn: no 'chip' line: a scenario starts by saying "
				    "which chip");
}

static void test_a_syntax_error_runs_nothing(void **st)
{
	struct scn_result r;
	(void)st;
	assert_int_equal(run_text("chip stm32l412xb\npower-on 0\nexpect runs rom\nbogus\n", &r),
			 -1);
	assert_int_equal(r.commands, 0);
	assert_int_equal(r.expectations, 0);
}

static void test_step_errors_stop_the_file_with_its_line(void **st)
{
	struct scn_result r;
	(void)st;
	assert_int_equal(run_text("chip stm32l476rg\npower-on 0\n", &r), -1);
	assert_string_equal(r.msg, "scenarios/x.scn:1: chip: chip stm32l476rg: not supported: "
				   "STM32L47x/L48x have no flash-empty check and boot by dual-bank "
				   "BFB2 rules (AN2606 pattern 7); not modelled");
	assert_int_equal(run_text("chip stm32l412xb\nexpect exit 0\n", &r), -1);
	assert_string_equal(r.msg, "scenarios/x.scn:2: expect exit: no 'run' above this line");
	assert_int_equal(run_text("chip stm32l412xb\noption 0 COLOUR=1\n", &r), -1);
	assert_true(strncmp(r.msg, "scenarios/x.scn:2: option: ", 27) == 0);
}

static void test_a_failed_expectation_is_counted_with_its_line(void **st)
{
	struct scn_result r;
	(void)st;
	assert_int_equal(run_text("chip stm32l412xb timing instant\npower-on 0\n"
				  "expect runs app\nexpect pempty 0 1\nexpect runs rom\n",
				  &r),
			 1);
	assert_false(r.error);
	assert_int_equal(r.expectations, 3);
	assert_int_equal(r.failed, 1);
	assert_string_equal(r.msg, "scenarios/x.scn:3: expect runs app: board 0 runs rom (ROM DFU "
				   "bootloader)");
}

static void test_missing_file_is_named(void **st)
{
	struct scn_result r;
	(void)st;
	assert_int_equal(scn_run_file("/nonexistent/x.scn", NULL, &r), -1);
	assert_string_equal(r.msg, "/nonexistent/x.scn: cannot open: No such file or directory");
}

int main(void)
{
	static const struct CMUnitTest fixed[] = {
		cmocka_unit_test(test_unknown_command_suggests_the_closest),
		cmocka_unit_test(test_bad_arguments_are_named),
		cmocka_unit_test(test_a_syntax_error_runs_nothing),
		cmocka_unit_test(test_step_errors_stop_the_file_with_its_line),
		cmocka_unit_test(test_a_failed_expectation_is_counted_with_its_line),
		cmocka_unit_test(test_missing_file_is_named),
	};
	glob_t g;
	struct CMUnitTest *t;
	size_t n = sizeof(fixed) / sizeof(fixed[0]), k = 0;
	int rc;

	if (glob(SCENARIOS "/*.scn", 0, NULL, &g) != 0 || g.gl_pathc == 0) {
		fprintf(stderr, "test_scenarios: no scenario files in %s\n", SCENARIOS);
		return 1;
	}
	t = calloc(n + g.gl_pathc, sizeof(*t));
	if (!t)
		return 1;
	for (size_t i = 0; i < g.gl_pathc; i++) {
		const char *base = strrchr(g.gl_pathv[i], '/');
		t[k].name = base ? base + 1 : g.gl_pathv[i];
		t[k].test_func = test_shipped_scenario_passes;
		t[k].initial_state = g.gl_pathv[i];
		k++;
	}
	memcpy(t + k, fixed, sizeof(fixed));
	rc = _cmocka_run_group_tests("scenarios", t, k + n, NULL, NULL);
	free(t);
	globfree(&g);
	return rc;
}
