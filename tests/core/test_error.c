/* test_error.c - the project's error vocabulary and parse diagnostics. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dfu/error.h"

static void test_every_error_code_has_its_own_sentence(void **state)
{
	const char *seen[64] = {0};
	(void)state;

	assert_string_equal(dfu_strerror(DFU_OK), "success");
	for (int e = DFU_E_INVAL; e >= DFU_E_OVERFLOW; e--) {
		const char *s = dfu_strerror(e);
		assert_non_null(s);
		assert_string_not_equal(s, "unknown error");
		for (int i = 0; i < 64 && seen[i]; i++)
			assert_string_not_equal(seen[i], s);
		seen[-e - 1] = s;
	}
}

static void test_unknown_codes_say_so_instead_of_crashing(void **state)
{
	(void)state;
	assert_string_equal(dfu_strerror(DFU_E_OVERFLOW - 1), "unknown error");
	assert_string_equal(dfu_strerror(1), "unknown error");
	assert_string_equal(dfu_strerror(-1000000), "unknown error");
}

static void test_diag_records_offset_and_message_and_returns_the_code(void **state)
{
	struct dfu_diag d;
	(void)state;

	assert_int_equal(dfu_diag_set(&d, DFU_E_FORMAT, 17, "unexpected '%c' at offset %d", 'x', 17),
			 DFU_E_FORMAT);
	assert_int_equal(d.offset, 17);
	assert_string_equal(d.msg, "unexpected 'x' at offset 17");
}

static void test_diag_without_a_sink_still_returns_the_code(void **state)
{
	(void)state;
	assert_int_equal(dfu_diag_set(NULL, DFU_E_CRC, 3, "crc"), DFU_E_CRC);
}

static void test_long_diag_messages_are_truncated_not_overflowed(void **state)
{
	struct dfu_diag d;
	char big[400];
	(void)state;

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	dfu_diag_set(&d, DFU_E_INVAL, 0, "%s", big);
	assert_int_equal(strlen(d.msg), sizeof(d.msg) - 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_error_code_has_its_own_sentence),
		cmocka_unit_test(test_unknown_codes_say_so_instead_of_crashing),
		cmocka_unit_test(test_diag_records_offset_and_message_and_returns_the_code),
		cmocka_unit_test(test_diag_without_a_sink_still_returns_the_code),
		cmocka_unit_test(test_long_diag_messages_are_truncated_not_overflowed),
	};
	return cmocka_run_group_tests_name("error", tests, NULL, NULL);
}
