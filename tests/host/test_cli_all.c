/* test_cli_all.c - dfu-flash --all's one process per device (cli_all.c),
 * with jobs that are not flashing: the relay of whole lines with the
 * device's prefix, the result record, --jobs, and a process that dies or
 * never answers. Bounded by alarm(). */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "host/cli.h"

static const struct cli_all_dev devs[3] = {
	{ "1-1", "AAA" }, { "1-2", "BBB" }, { "1-3", "" },
};

static int job(void *ctx, size_t i, struct cli_report *rep, char *result, size_t cap)
{
	(void)ctx;
	if (i == 1) {
		cli_say(rep, "second device, no newline at the end");
		fputs("partial", rep->err);
		snprintf(result, cap, "failed: on purpose");
		return CLI_EXIT_PROTOCOL;
	}
	if (i == 2 && ctx)
		raise(SIGKILL); /* dies without a result */
	cli_json_event(rep, "note", "\"i\":%zu", i);
	snprintf(result, cap, "ok");
	return 0;
}

static int hang(void *ctx, size_t i, struct cli_report *rep, char *result, size_t cap)
{
	(void)ctx;
	(void)rep;
	(void)result;
	(void)cap;
	if (i == 0)
		for (;;)
			pause(); /* the parent's limit ends it */
	return 0;
}

static void slurp(FILE *s, char *buf, size_t cap)
{
	size_t n;
	rewind(s);
	n = fread(buf, 1, cap - 1, s);
	buf[n] = '\0';
	fclose(s);
}

static void test_every_device_reports_through_its_own_process(void **st)
{
	struct cli_report rep = { 0 };
	struct cli_all_row rows[3];
	static char out[8192], err[8192];
	int dummy;
	(void)st;

	alarm(20);
	rep.out = tmpfile();
	rep.err = tmpfile();
	rep.json = true;
	memset(rows, 0, sizeof(rows));
	assert_int_equal(cli_all_fork(&rep, devs, 3, 2, 60, job, &dummy, rows), 0);
	slurp(rep.out, out, sizeof(out));
	slurp(rep.err, err, sizeof(err));
	assert_int_equal(rows[0].ex, 0);
	assert_string_equal(rows[0].result, "ok");
	assert_true(rows[0].t1_us >= rows[0].t0_us);
	assert_int_equal(rows[1].ex, CLI_EXIT_PROTOCOL);
	assert_string_equal(rows[1].result, "failed: on purpose");
	assert_int_equal(rows[2].ex, CLI_EXIT_SOFTWARE);
	assert_string_equal(rows[2].result, "failed: its process died (signal 9) without a result");
	assert_non_null(strstr(out, "{\"event\":\"note\",\"path\":\"1-1\",\"serial\":\"AAA\",\"i\":0}\n"));
	assert_non_null(strstr(out, "{\"event\":\"end\",\"path\":\"1-2\",\"serial\":\"BBB\","));
	assert_non_null(strstr(err, "[1-2 BBB] dfu-flash: second device, no newline at the end\n"));
	assert_non_null(strstr(err, "[1-2 BBB] partial\n"));
	alarm(0);
}

static void test_a_process_without_a_result_in_time_is_stopped(void **st)
{
	struct cli_report rep = { 0 };
	struct cli_all_row rows[2];
	(void)st;

	alarm(20);
	rep.out = tmpfile();
	rep.err = tmpfile();
	memset(rows, 0, sizeof(rows));
	assert_int_equal(cli_all_fork(&rep, devs, 2, 0, 1, hang, NULL, rows), 0);
	fclose(rep.out);
	fclose(rep.err);
	assert_int_equal(rows[0].ex, CLI_EXIT_IOERR);
	assert_string_equal(rows[0].result, "failed: no result after 1 s; its process was stopped");
	assert_int_equal(rows[1].ex, 0);
	alarm(0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_device_reports_through_its_own_process),
		cmocka_unit_test(test_a_process_without_a_result_in_time_is_stopped),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
