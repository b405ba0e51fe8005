/*
 * text_assert.c - assertions on printed text (text_assert.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "text_assert.h"

void assert_has(const char *hay, const char *needle)
{
	if (!strstr(hay, needle))
		fail_msg("\"%s\" not found in:\n%s", needle, hay);
}

void assert_lacks(const char *hay, const char *needle)
{
	if (strstr(hay, needle))
		fail_msg("\"%s\" unexpectedly found in:\n%s", needle, hay);
}

void assert_in_order(const char *hay, const char *const *lines)
{
	const char *at = hay;

	for (; *lines; lines++) {
		const char *p = strstr(at, *lines);
		if (!p)
			fail_msg("\"%s\" not found (in order) in:\n%s", *lines, hay);
		at = p + strlen(*lines);
	}
}
