/* test_sim_log.c - the emulator's event log: ring, lookup, sink. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "sim/sim_log.h"

static struct sim_log lg; /* too big for a comfortable stack frame */

static void test_a_new_log_holds_no_lines(void **state)
{
	(void)state;
	sim_log_init(&lg, "1-1");
	assert_int_equal(sim_log_count(&lg), 0);
	assert_null(sim_log_at(&lg, 0));
	assert_null(sim_log_find(&lg, ""));
	assert_string_equal(lg.who, "1-1");
	assert_int_equal(lg.total, 0);
}

static void test_lines_are_kept_oldest_first_with_their_time(void **state)
{
	(void)state;
	sim_log_init(&lg, NULL);
	assert_string_equal(lg.who, "");
	sim_logf(&lg, 10, "first %d", 1);
	sim_logf(&lg, 20, "second %s", "line");
	assert_int_equal(sim_log_count(&lg), 2);
	assert_string_equal(sim_log_at(&lg, 0)->text, "first 1");
	assert_int_equal(sim_log_at(&lg, 0)->t_us, 10);
	assert_string_equal(sim_log_at(&lg, 1)->text, "second line");
	assert_int_equal(sim_log_at(&lg, 1)->t_us, 20);
	assert_null(sim_log_at(&lg, 2));
}

static void test_the_ring_wraps_and_keeps_the_newest_lines(void **state)
{
	unsigned i;

	(void)state;
	sim_log_init(&lg, "w");
	for (i = 0; i < SIM_LOG_RING + 88; i++)
		sim_logf(&lg, i, "line %u", i);
	assert_int_equal(sim_log_count(&lg), SIM_LOG_RING);
	assert_int_equal(lg.total, SIM_LOG_RING + 88);
	assert_string_equal(sim_log_at(&lg, 0)->text, "line 88");
	assert_int_equal(sim_log_at(&lg, 0)->t_us, 88);
	assert_string_equal(sim_log_at(&lg, SIM_LOG_RING - 1)->text, "line 599");
	/* The oldest lines are gone. */
	assert_null(sim_log_find(&lg, "line 87"));
	assert_non_null(sim_log_find(&lg, "line 88"));
}

static void test_find_returns_the_newest_matching_line(void **state)
{
	const struct sim_log_entry *e;

	(void)state;
	sim_log_init(&lg, "f");
	sim_logf(&lg, 1, "boot: -> system memory");
	sim_logf(&lg, 2, "reset: system reset");
	sim_logf(&lg, 3, "boot: -> main flash");
	e = sim_log_find(&lg, "boot:");
	assert_non_null(e);
	assert_string_equal(e->text, "boot: -> main flash");
	assert_int_equal(e->t_us, 3);
	assert_null(sim_log_find(&lg, "SRAM1"));
}

static void test_clear_forgets_held_lines_but_total_keeps_counting(void **state)
{
	(void)state;
	sim_log_init(&lg, "c");
	sim_logf(&lg, 1, "a");
	sim_logf(&lg, 2, "b");
	sim_log_clear(&lg);
	assert_int_equal(sim_log_count(&lg), 0);
	assert_null(sim_log_find(&lg, "a"));
	assert_int_equal(lg.total, 2);
	sim_logf(&lg, 3, "c");
	assert_int_equal(sim_log_count(&lg), 1);
	assert_string_equal(sim_log_at(&lg, 0)->text, "c");
	assert_int_equal(lg.total, 3);
}

struct seen {
	int calls;
	uint64_t t;
	char who[24];
	char text[SIM_LOG_TEXT];
};

static void record(void *ctx, uint64_t t_us, const char *who, const char *text)
{
	struct seen *s = ctx;

	s->calls++;
	s->t = t_us;
	snprintf(s->who, sizeof(s->who), "%s", who);
	snprintf(s->text, sizeof(s->text), "%s", text);
}

static void test_the_sink_sees_every_line_with_time_and_device_name(void **state)
{
	struct seen s = { 0 };

	(void)state;
	sim_log_init(&lg, "3-2");
	sim_log_set_sink(&lg, record, &s);
	sim_logf(&lg, 1234, "flash: erased page %u", 3u);
	assert_int_equal(s.calls, 1);
	assert_int_equal(s.t, 1234);
	assert_string_equal(s.who, "3-2");
	assert_string_equal(s.text, "flash: erased page 3");
	sim_logf(&lg, 1235, "again");
	assert_int_equal(s.calls, 2);
	sim_log_set_sink(&lg, NULL, NULL);
	sim_logf(&lg, 1236, "unseen");
	assert_int_equal(s.calls, 2);
	assert_int_equal(sim_log_count(&lg), 3);
}

static void test_a_long_line_is_cut_to_the_entry_size(void **state)
{
	char big[SIM_LOG_TEXT * 2];

	(void)state;
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	sim_log_init(&lg, "a very long device name that does not fit");
	assert_int_equal(strlen(lg.who), sizeof(lg.who) - 1);
	sim_logf(&lg, 0, "%s", big);
	assert_int_equal(strlen(sim_log_at(&lg, 0)->text), SIM_LOG_TEXT - 1);
}

static void test_writing_to_no_log_does_nothing(void **state)
{
	(void)state;
	sim_logf(NULL, 0, "nobody listens");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_new_log_holds_no_lines),
		cmocka_unit_test(test_lines_are_kept_oldest_first_with_their_time),
		cmocka_unit_test(test_the_ring_wraps_and_keeps_the_newest_lines),
		cmocka_unit_test(test_find_returns_the_newest_matching_line),
		cmocka_unit_test(test_clear_forgets_held_lines_but_total_keeps_counting),
		cmocka_unit_test(test_the_sink_sees_every_line_with_time_and_device_name),
		cmocka_unit_test(test_a_long_line_is_cut_to_the_entry_size),
		cmocka_unit_test(test_writing_to_no_log_does_nothing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
