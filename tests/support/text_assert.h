/*
 * text_assert.h - assertions on what a program printed: a needle that must
 * (or must not) be in a haystack of text. A failure fails the running cmocka
 * test and prints both, so a changed message is seen whole. Include after
 * <cmocka.h>.
 */
#ifndef TESTS_SUPPORT_TEXT_ASSERT_H
#define TESTS_SUPPORT_TEXT_ASSERT_H

void assert_has(const char *hay, const char *needle);
void assert_lacks(const char *hay, const char *needle);
/* Every one of `lines` (NULL-terminated), each after the end of the one
 * before. */
void assert_in_order(const char *hay, const char *const *lines);

#endif
