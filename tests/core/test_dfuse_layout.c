/* test_dfuse_layout.c - the DfuSe memory-layout parser and formatter.
 *
 * The real strings are the ones ST ROM bootloaders report in iInterface
 * ([rom-listings]; parsed as [dfu-util-0.11] reads a memory-layout string);
 * the BIGTREETECH one with vendor bytes after the layout is from
 * bigtreetech/BIGTREETECH-OCTOPUS-Pro#42 ([octopus-pro-42]). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dfu/dfuse_layout.h"

#define R DFUSE_MEM_READABLE
#define E DFUSE_MEM_ERASABLE
#define W DFUSE_MEM_WRITEABLE

struct want_seg {
	uint32_t start, end, page_size, count;
	uint8_t type;
	char letter, mult;
	uint8_t region, count_digits, size_digits;
};

struct real_case {
	const char *text;
	const char *name;
	unsigned warnings;
	size_t n;
	struct want_seg seg[4];
};

static const struct real_case real[] = {
	{"@Internal Flash  /0x08000000/0064*0002Kg", "Internal Flash  ", 0, 1,
	 {{0x08000000, 0x0801FFFF, 2048, 64, R | E | W, 'g', 'K', 0, 4, 4}}},
	{"@Internal Flash  /0x08000000/0256*0002Kg", "Internal Flash  ", 0, 1,
	 {{0x08000000, 0x0807FFFF, 2048, 256, R | E | W, 'g', 'K', 0, 4, 4}}},
	{"@Internal Flash  /0x08000000/0128*0002Kg", "Internal Flash  ", 0, 1,
	 {{0x08000000, 0x0803FFFF, 2048, 128, R | E | W, 'g', 'K', 0, 4, 4}}},
	{"@Internal Flash  /0x08000000/512*0004Kg", "Internal Flash  ", 0, 1,
	 {{0x08000000, 0x081FFFFF, 4096, 512, R | E | W, 'g', 'K', 0, 3, 4}}},
	{"@Option Bytes  /0x1FFF7800/01*040 e", "Option Bytes  ", DFUSE_WARN_ASSUMED_BYTES, 1,
	 {{0x1FFF7800, 0x1FFF7827, 40, 1, R | W, 'e', ' ', 0, 2, 3}}},
	{"@OTP Memory /0x1FFF7000/01*0001Ke", "OTP Memory ", 0, 1,
	 {{0x1FFF7000, 0x1FFF73FF, 1024, 1, R | W, 'e', 'K', 0, 2, 4}}},
	{"@Device Feature/0xFFFF0000/01*004 e", "Device Feature", DFUSE_WARN_ASSUMED_BYTES, 1,
	 {{0xFFFF0000, 0xFFFF0003, 4, 1, R | W, 'e', ' ', 0, 2, 3}}},
	{"@Internal Flash  /0x08000000/04*016Kg,01*064Kg,07*128Kg", "Internal Flash  ", 0, 3,
	 {{0x08000000, 0x0800FFFF, 16384, 4, R | E | W, 'g', 'K', 0, 2, 3},
	  {0x08010000, 0x0801FFFF, 65536, 1, R | E | W, 'g', 'K', 0, 2, 3},
	  {0x08020000, 0x080FFFFF, 131072, 7, R | E | W, 'g', 'K', 0, 2, 3}}},
	{"@Internal Flash   /0x08000000/04*016Kg,01*064Kg,07*128Kg/0x08100000/04*016Kg",
	 "Internal Flash   ", 0, 4,
	 {{0x08000000, 0x0800FFFF, 16384, 4, R | E | W, 'g', 'K', 0, 2, 3},
	  {0x08010000, 0x0801FFFF, 65536, 1, R | E | W, 'g', 'K', 0, 2, 3},
	  {0x08020000, 0x080FFFFF, 131072, 7, R | E | W, 'g', 'K', 0, 2, 3},
	  {0x08100000, 0x0810FFFF, 16384, 4, R | E | W, 'g', 'K', 1, 2, 3}}},
	{"@SPI Flash: M25P16/0x90000000/32*64Ka,2*1Mg", "SPI Flash: M25P16", 0, 2,
	 {{0x90000000, 0x901FFFFF, 65536, 32, R, 'a', 'K', 0, 2, 2},
	  {0x90200000, 0x903FFFFF, 1048576, 2, R | E | W, 'g', 'M', 0, 1, 1}}},
	{"@SRAM /0x20000000/64*001Kd,1*16Bb,3*1Bc,1*1Bf", "SRAM ", 0, 4,
	 {{0x20000000, 0x2000FFFF, 1024, 64, W, 'd', 'K', 0, 2, 3},
	  {0x20010000, 0x2001000F, 16, 1, E, 'b', 'B', 0, 1, 2},
	  {0x20010010, 0x20010012, 1, 3, R | E, 'c', 'B', 0, 1, 1},
	  {0x20010013, 0x20010013, 1, 1, E | W, 'f', 'B', 0, 1, 1}}},
};

#define N_REAL (sizeof(real) / sizeof(real[0]))

static void assert_segment(const struct dfuse_segment *got, const struct want_seg *w)
{
	assert_int_equal(got->start, w->start);
	assert_int_equal(got->end, w->end);
	assert_int_equal(got->page_size, w->page_size);
	assert_int_equal(got->count, w->count);
	assert_int_equal(got->type, w->type);
	assert_int_equal(got->type_letter, w->letter);
	assert_int_equal(got->multiplier, w->mult);
	assert_int_equal(got->region, w->region);
	assert_int_equal(got->count_digits, w->count_digits);
	assert_int_equal(got->size_digits, w->size_digits);
}

static void assert_same_layout(const struct dfuse_layout *a, const struct dfuse_layout *b)
{
	assert_string_equal(a->name, b->name);
	assert_int_equal(a->nsegments, b->nsegments);
	for (size_t i = 0; i < a->nsegments; i++) {
		const struct dfuse_segment *x = &a->seg[i], *y = &b->seg[i];
		struct want_seg w = {x->start, x->end, x->page_size, x->count, x->type,
				     x->type_letter, x->multiplier, x->region,
				     x->count_digits, x->size_digits};
		assert_segment(y, &w);
	}
}

static int parse_str(const char *s, struct dfuse_layout *l, struct dfu_diag *d)
{
	return dfuse_layout_parse(s, strlen(s), l, d);
}

/* Parse `s` and expect failure `err` at `offset` with `fragment` in the text. */
static void assert_refused(const char *s, int err, size_t offset, const char *fragment)
{
	struct dfuse_layout l;
	struct dfu_diag d;

	memset(&d, 0, sizeof(d));
	assert_int_equal(parse_str(s, &l, &d), err);
	assert_int_equal(d.offset, offset);
	if (!strstr(d.msg, fragment))
		fail_msg("diag \"%s\" lacks \"%s\"", d.msg, fragment);
}

static void test_real_st_strings_parse_to_their_segments(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_REAL; i++) {
		struct dfuse_layout l;
		struct dfu_diag d;
		int rc = parse_str(real[i].text, &l, &d);
		if (rc != 0)
			fail_msg("%s: %d %s", real[i].text, rc, d.msg);
		assert_string_equal(l.name, real[i].name);
		assert_int_equal(l.warnings, real[i].warnings);
		assert_int_equal(l.nsegments, real[i].n);
		for (size_t k = 0; k < real[i].n; k++)
			assert_segment(&l.seg[k], &real[i].seg[k]);
	}
}

static void test_real_st_strings_format_back_byte_for_byte(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_REAL; i++) {
		struct dfuse_layout l, again;
		char out[256];
		int n;
		assert_int_equal(parse_str(real[i].text, &l, NULL), 0);
		n = dfuse_layout_format(&l, out, sizeof(out));
		assert_int_equal(n, (int)strlen(real[i].text));
		assert_string_equal(out, real[i].text);
		assert_int_equal(dfuse_layout_parse(out, (size_t)n, &again, NULL), 0);
		assert_same_layout(&l, &again);
		assert_int_equal(again.warnings, l.warnings);
	}
}

static void test_real_strings_parse_without_a_terminator(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_REAL; i++) {
		size_t len = strlen(real[i].text);
		char *exact = malloc(len); /* no NUL: ASan catches any read past len */
		struct dfuse_layout l;
		assert_non_null(exact);
		memcpy(exact, real[i].text, len);
		assert_int_equal(dfuse_layout_parse(exact, len, &l, NULL), 0);
		assert_int_equal(l.nsegments, real[i].n);
		free(exact);
	}
}

static void test_every_prefix_of_a_real_string_parses_or_fails_cleanly(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_REAL; i++) {
		size_t len = strlen(real[i].text);
		for (size_t k = 0; k <= len; k++) {
			char *exact = malloc(k ? k : 1);
			struct dfuse_layout l;
			struct dfu_diag d;
			int rc;
			assert_non_null(exact);
			memcpy(exact, real[i].text, k);
			rc = dfuse_layout_parse(exact, k, &l, &d);
			if (rc < 0)
				assert_true(d.offset <= k);
			else
				assert_int_equal(rc, 0);
			free(exact);
		}
	}
}

static void test_option_bytes_space_multiplier_means_bytes(void **state)
{
	struct dfuse_layout l;
	(void)state;
	assert_int_equal(parse_str("@Option Bytes  /0x1FFF7800/01*040 e", &l, NULL), 0);
	assert_int_equal(l.seg[0].page_size, 40);
	assert_int_equal(l.seg[0].multiplier, ' ');
	assert_true(l.warnings & DFUSE_WARN_ASSUMED_BYTES);
}

static void test_unknown_multiplier_letter_means_bytes_and_is_kept(void **state)
{
	struct dfuse_layout l;
	char out[64];
	(void)state;
	assert_int_equal(parse_str("@X/0x20000000/2*100kg", &l, NULL), 0);
	assert_int_equal(l.warnings, DFUSE_WARN_ASSUMED_BYTES);
	assert_int_equal(l.seg[0].page_size, 100);
	assert_int_equal(l.seg[0].multiplier, 'k');
	assert_int_equal(l.seg[0].type_letter, 'g');
	assert_int_equal(dfuse_layout_format(&l, out, sizeof(out)), 21);
	assert_string_equal(out, "@X/0x20000000/2*100kg");
}

static void test_type_letter_in_multiplier_slot_is_the_type(void **state)
{
	struct dfuse_layout l;
	char out[64];
	(void)state;
	assert_int_equal(parse_str("@X/0x20000000/01*004e,2*8b", &l, NULL), 0);
	assert_int_equal(l.warnings, DFUSE_WARN_TYPE_IN_MULT);
	assert_int_equal(l.nsegments, 2);
	assert_int_equal(l.seg[0].page_size, 4);
	assert_int_equal(l.seg[0].type, R | W);
	assert_int_equal(l.seg[0].multiplier, DFUSE_MULT_NONE);
	assert_int_equal(l.seg[1].start, 0x20000004);
	assert_int_equal(l.seg[1].page_size, 8);
	assert_int_equal(l.seg[1].type, E);
	assert_true(dfuse_layout_format(&l, out, sizeof(out)) > 0);
	assert_string_equal(out, "@X/0x20000000/01*004e,2*8b");
}

static void test_letter_a_to_g_followed_by_a_type_is_a_byte_multiplier(void **state)
{
	struct dfuse_layout l;
	(void)state;
	assert_int_equal(parse_str("@X/0x20000000/1*40ae", &l, NULL), 0);
	assert_int_equal(l.warnings, DFUSE_WARN_ASSUMED_BYTES);
	assert_int_equal(l.seg[0].multiplier, 'a');
	assert_int_equal(l.seg[0].page_size, 40);
	assert_int_equal(l.seg[0].type, R | W);
}

static void test_device_feature_is_forced_to_read_write(void **state)
{
	struct dfuse_layout l;
	(void)state;
	assert_int_equal(parse_str("@Device Feature/0xFFFF0000/01*004 g", &l, NULL), 0);
	assert_int_equal(l.warnings, DFUSE_WARN_ASSUMED_BYTES | DFUSE_WARN_FORCED_TYPE);
	assert_int_equal(l.seg[0].type, R | W);
	assert_int_equal(l.seg[0].type_letter, 'e');
}

static void test_device_feature_already_e_draws_no_forced_warning(void **state)
{
	struct dfuse_layout l;
	(void)state;
	assert_int_equal(parse_str("@Device Feature/0xFFFF0000/01*004Be", &l, NULL), 0);
	assert_int_equal(l.warnings, 0);
}

static void test_device_feature_with_trailing_spaces_is_still_forced(void **state)
{
	struct dfuse_layout l;
	(void)state;
	assert_int_equal(parse_str("@Device Feature  /0xFFFF0000/01*004Ba", &l, NULL), 0);
	assert_string_equal(l.name, "Device Feature  ");
	assert_int_equal(l.warnings, DFUSE_WARN_FORCED_TYPE);
	assert_int_equal(l.seg[0].type, R | W);
}

static void test_device_feature_keeps_a_segment_without_type(void **state)
{
	struct dfuse_layout l, again;
	char out[64];
	(void)state;
	assert_int_equal(parse_str("@Device Feature/0xFFFF0000/01*004", &l, NULL), 0);
	assert_int_equal(l.warnings, DFUSE_WARN_FORCED_TYPE);
	assert_int_equal(l.nsegments, 1);
	assert_int_equal(l.seg[0].type, R | W);
	assert_true(dfuse_layout_format(&l, out, sizeof(out)) > 0);
	assert_string_equal(out, "@Device Feature/0xFFFF0000/01*004e");
	assert_int_equal(parse_str(out, &again, NULL), 0);
	assert_same_layout(&l, &again);
}

static void test_names_merely_like_device_feature_are_not_forced(void **state)
{
	static const char *const names[] = {
		"@Device Features/0xFFFF0000/01*004Bg",
		"@device feature/0xFFFF0000/01*004Bg",
		"@ Device Feature/0xFFFF0000/01*004Bg",
		"@Device/0xFFFF0000/01*004Bg",
	};
	(void)state;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct dfuse_layout l;
		assert_int_equal(parse_str(names[i], &l, NULL), 0);
		assert_int_equal(l.warnings, 0);
		assert_int_equal(l.seg[0].type, R | E | W);
	}
}

static void test_segment_with_invalid_type_is_skipped_but_keeps_its_space(void **state)
{
	struct dfuse_layout l;
	(void)state;
	assert_int_equal(parse_str("@X/0x08000000/01*1Kx,01*1Kg", &l, NULL), 0);
	assert_int_equal(l.warnings, DFUSE_WARN_SKIPPED);
	assert_int_equal(l.nsegments, 1);
	assert_int_equal(l.seg[0].start, 0x08000400);
	assert_int_equal(l.seg[0].end, 0x080007FF);
}

static void test_segment_with_no_type_at_all_is_skipped(void **state)
{
	static const char *const cases[] = {
		"@X/0x08000000/01*040",
		"@X/0x08000000/01*1K",
		"@X/0x08000000/01*1 ",
		"@X/0x08000000/01*1K,2*1Kg",
		"@X/0x08000000/01*1/0x08100000/2*1Kg",
		"@X/0x08000000/01*1Kh",
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct dfuse_layout l;
		struct dfu_diag d;
		int rc = parse_str(cases[i], &l, &d);
		if (rc)
			fail_msg("%s: %s", cases[i], d.msg);
		assert_true(l.warnings & DFUSE_WARN_SKIPPED);
		assert_true(l.nsegments <= 1);
	}
}

static void test_layout_of_only_skipped_segments_has_no_segments_and_no_text(void **state)
{
	struct dfuse_layout l;
	char out[64];
	(void)state;
	assert_int_equal(parse_str("@X/0x08000000/01*040", &l, NULL), 0);
	assert_int_equal(l.nsegments, 0);
	assert_int_equal(dfuse_layout_format(&l, out, sizeof(out)), DFU_E_INVAL);
}

static void test_vendor_bytes_after_the_layout_are_ignored_with_a_warning(void **state)
{
	/* The F429 loader on BIGTREETECH Octopus Pro: UTF-16 text after the
	 * layout, seen as raw UTF-8 bytes or as '?' after libusb's ASCII
	 * conversion. dfu-util 0.9 refused it. */
	static const char *const cases[] = {
		("@Internal Flash  /0x08000000/04*016Kg,01*064Kg,07*128Kg"
		 "\xEC\xB1\x90\xC6\xA8\xE2\xB9\x94\xEB\xBA\xBF\xE4\xAD\xBC"),
		"@Internal Flash  /0x08000000/04*016Kg,01*064Kg,07*128Kg???????",
		"@Internal Flash  /0x08000000/04*016Kg,01*064Kg,07*128Kg (c) ACME, see http://x/y",
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct dfuse_layout l;
		char out[128];
		assert_int_equal(parse_str(cases[i], &l, NULL), 0);
		assert_int_equal(l.warnings, DFUSE_WARN_TRAILING);
		assert_int_equal(l.nsegments, 3);
		assert_int_equal(l.seg[2].end, 0x080FFFFF);
		assert_true(dfuse_layout_format(&l, out, sizeof(out)) > 0);
		assert_string_equal(out, real[7].text);
	}
}

static void test_text_after_a_skipped_segment_is_trailing_too(void **state)
{
	struct dfuse_layout l;
	(void)state;
	assert_int_equal(parse_str("@X/0x08000000/1*1Kg,1*1Kxyz,9", &l, NULL), 0);
	assert_int_equal(l.warnings, DFUSE_WARN_SKIPPED | DFUSE_WARN_TRAILING);
	assert_int_equal(l.nsegments, 1);
}

static void test_a_nul_ends_the_string_before_len(void **state)
{
	static const char s[] = "@Internal Flash  /0x08000000/0064*0002Kg\0/0x0/1*1Kg garbage";
	struct dfuse_layout l;
	(void)state;
	assert_int_equal(dfuse_layout_parse(s, sizeof(s), &l, NULL), 0);
	assert_int_equal(l.warnings, 0);
	assert_int_equal(l.nsegments, 1);
}

static void test_a_nul_inside_the_name_truncates_the_string(void **state)
{
	static const char s[] = "@Internal\0Flash/0x08000000/1*1Kg";
	struct dfuse_layout l;
	struct dfu_diag d;
	(void)state;
	assert_int_equal(dfuse_layout_parse(s, sizeof(s), &l, &d), DFU_E_TRUNCATED);
	assert_int_equal(d.offset, 9);
	assert_non_null(strstr(d.msg, "expected '/' after the alt name"));
}

static void test_missing_at_sign_names_the_first_character(void **state)
{
	(void)state;
	assert_refused("Internal Flash/0x08000000/01*1Kg", DFU_E_FORMAT, 0,
		       "unexpected 'I' (0x49) at offset 0, expected '@'");
}

static void test_empty_string_is_truncated_at_offset_zero(void **state)
{
	struct dfuse_layout l;
	struct dfu_diag d;
	(void)state;
	assert_int_equal(dfuse_layout_parse("", 0, &l, &d), DFU_E_TRUNCATED);
	assert_int_equal(d.offset, 0);
	assert_non_null(strstr(d.msg, "unexpected end of string at offset 0, expected '@'"));
	assert_int_equal(dfuse_layout_parse(NULL, 0, &l, &d), DFU_E_TRUNCATED);
}

static void test_only_an_at_sign_wants_a_name(void **state)
{
	(void)state;
	assert_refused("@", DFU_E_TRUNCATED, 1, "expected an alt name after '@'");
}

static void test_empty_name_is_refused_like_dfu_util(void **state)
{
	(void)state;
	assert_refused("@/0x08000000/01*1Kg", DFU_E_FORMAT, 1,
		       "unexpected '/' (0x2F) at offset 1, expected an alt name");
}

static void test_name_without_slash_is_truncated(void **state)
{
	(void)state;
	assert_refused("@Internal Flash", DFU_E_TRUNCATED, 15, "expected '/' after the alt name");
}

static void test_name_of_64_characters_fits_and_65_does_not(void **state)
{
	char s[128];
	struct dfuse_layout l;
	struct dfu_diag d;
	(void)state;
	snprintf(s, sizeof(s), "@%.*s/0x0/1*1Kg", 64,
		 "0123456789012345678901234567890123456789012345678901234567890123456789");
	assert_int_equal(parse_str(s, &l, NULL), 0);
	assert_int_equal(strlen(l.name), 64);
	snprintf(s, sizeof(s), "@%.*s/0x0/1*1Kg", 65,
		 "0123456789012345678901234567890123456789012345678901234567890123456789");
	assert_int_equal(parse_str(s, &l, &d), DFU_E_NOSPACE);
	assert_int_equal(d.offset, 65);
	assert_non_null(strstr(d.msg, "65 characters"));
}

static void test_region_must_start_with_slash_0x(void **state)
{
	(void)state;
	assert_refused("@Flash/1x08000000/01*1Kg", DFU_E_FORMAT, 7,
		       "unexpected '1' (0x31) at offset 7, expected '0x'");
	assert_refused("@Flash/0X08000000/01*1Kg", DFU_E_FORMAT, 8,
		       "unexpected 'X' (0x58) at offset 8, expected '0x'");
}

static void test_non_hex_address_is_refused(void **state)
{
	(void)state;
	assert_refused("@Flash/0xZZ/01*1Kg", DFU_E_FORMAT, 9,
		       "unexpected 'Z' (0x5A) at offset 9, expected a hex digit");
	assert_refused("@Flash/0x/01*1Kg", DFU_E_FORMAT, 9, "expected a hex digit");
}

static void test_address_must_end_with_slash(void **state)
{
	(void)state;
	assert_refused("@Flash/0x08000000:01*1Kg", DFU_E_FORMAT, 17,
		       "unexpected ':' (0x3A) at offset 17, expected '/' after the region address");
	assert_refused("@Flash/0x08000000", DFU_E_TRUNCATED, 17, "expected '/'");
}

static void test_address_wider_than_32_bits_overflows(void **state)
{
	(void)state;
	assert_refused("@Flash/0x108000000/01*1Kg", DFU_E_OVERFLOW, 9, "does not fit in 32 bits");
}

static void test_address_with_leading_zero_digits_is_accepted(void **state)
{
	struct dfuse_layout l;
	(void)state;
	assert_int_equal(parse_str("@Flash/0x0008000000/01*1Kg", &l, NULL), 0);
	assert_int_equal(l.seg[0].start, 0x08000000);
}

static void test_x_instead_of_star_is_named_with_its_offset(void **state)
{
	(void)state;
	assert_refused("@Flash/0x08000000/04x016Kg", DFU_E_FORMAT, 20,
		       "unexpected 'x' (0x78) at offset 20, expected '*' after the page count");
}

static void test_control_byte_is_shown_in_hex(void **state)
{
	(void)state;
	assert_refused("@Flash/0x08000000/04\x01" "016Kg", DFU_E_FORMAT, 20,
		       "unexpected byte 0x01 at offset 20, expected '*'");
}

static void test_missing_numbers_are_refused(void **state)
{
	(void)state;
	assert_refused("@Flash/0x08000000/04*Kg", DFU_E_FORMAT, 21, "expected a decimal page size");
	assert_refused("@Flash/0x08000000/*2Kg", DFU_E_FORMAT, 18,
		       "expected a decimal page count");
	assert_refused("@Flash/0x08000000/", DFU_E_TRUNCATED, 18, "expected a decimal page count");
	assert_refused("@Flash/0x08000000/04", DFU_E_TRUNCATED, 20, "expected '*'");
	assert_refused("@Flash/0x08000000/-4*2Kg", DFU_E_FORMAT, 18, "page count");
	assert_refused("@Flash/0x08000000/ 4*2Kg", DFU_E_FORMAT, 18, "page count");
}

static void test_zero_count_or_size_is_refused(void **state)
{
	(void)state;
	assert_refused("@Flash/0x08000000/00*1Kg", DFU_E_FORMAT, 18, "page count 0");
	assert_refused("@Flash/0x08000000/1*1Kg,1*000Kg", DFU_E_FORMAT, 24, "page size 0");
}

static void test_comma_promises_another_segment(void **state)
{
	(void)state;
	assert_refused("@Flash/0x08000000/01*1Kg,xyz", DFU_E_FORMAT, 25,
		       "unexpected 'x' (0x78) at offset 25, expected a decimal page count");
	assert_refused("@Flash/0x08000000/01*1Kg,", DFU_E_TRUNCATED, 25, "page count");
}

static void test_slash_promises_another_region(void **state)
{
	(void)state;
	assert_refused("@Flash/0x08000000/01*1Kg/", DFU_E_TRUNCATED, 25, "'0x'");
	assert_refused("@Flash/0x08000000/01*1Kg/rev2", DFU_E_FORMAT, 25, "'0x'");
	assert_refused("@Flash/0x08000000//0x08100000/01*1Kg", DFU_E_FORMAT, 18, "page count");
}

static void test_count_beyond_32_bits_overflows(void **state)
{
	(void)state;
	assert_refused("@Flash/0x00000000/4294967296*1Bg", DFU_E_OVERFLOW, 18,
		       "page count at offset 18 does not fit in 32 bits");
	assert_refused("@Flash/0x00000000/1*99999999999999999999999Bg", DFU_E_OVERFLOW, 20,
		       "page size at offset 20 does not fit in 32 bits");
}

static void test_size_times_multiplier_beyond_32_bits_overflows(void **state)
{
	struct dfuse_layout l;
	(void)state;
	assert_refused("@Flash/0x00000000/1*4096Mg", DFU_E_OVERFLOW, 18, "page size 4096M");
	assert_refused("@Flash/0x00000000/1*4194304Kg", DFU_E_OVERFLOW, 18, "page size");
	assert_int_equal(parse_str("@Flash/0x00000000/1*4095Mg", &l, NULL), 0);
	assert_int_equal(l.seg[0].end, 4095u * 1048576u - 1);
}

static void test_count_times_size_past_the_address_space_overflows(void **state)
{
	(void)state;
	assert_refused("@Flash/0x08000000/2048*2048Kg", DFU_E_OVERFLOW, 18, "runs past 0xFFFFFFFF");
	assert_refused("@Flash/0x00000000/4294967295*4294967295Bg", DFU_E_OVERFLOW, 18,
		       "runs past");
}

static void test_segments_may_end_exactly_at_the_top_of_memory(void **state)
{
	struct dfuse_layout l;
	(void)state;
	assert_int_equal(parse_str("@Top/0xFFFF0000/01*64Kg", &l, NULL), 0);
	assert_int_equal(l.seg[0].end, 0xFFFFFFFF);
	assert_int_equal(parse_str("@All/0x00000000/1*4294967295Bg,1*1Bg", &l, NULL), 0);
	assert_int_equal(l.seg[1].start, 0xFFFFFFFF);
	assert_int_equal(l.seg[1].end, 0xFFFFFFFF);
	assert_refused("@Top/0xFFFF0000/01*64Kg,1*1Bg", DFU_E_OVERFLOW, 24, "runs past");
}

static void test_a_new_region_restarts_at_its_address(void **state)
{
	struct dfuse_layout l;
	(void)state;
	assert_int_equal(parse_str("@Top/0xFFFF0000/01*64Kg/0x00000000/1*1Ka", &l, NULL), 0);
	assert_int_equal(l.nsegments, 2);
	assert_int_equal(l.seg[1].start, 0);
	assert_int_equal(l.seg[1].region, 1);
}

static void test_numbers_with_255_digits_fit_and_256_do_not(void **state)
{
	char s[600];
	struct dfuse_layout l;
	char out[600];
	int n;
	(void)state;
	n = snprintf(s, sizeof(s), "@Z/0x0/%0255d*1Kg", 7);
	assert_int_equal(parse_str(s, &l, NULL), 0);
	assert_int_equal(l.seg[0].count, 7);
	assert_int_equal(l.seg[0].count_digits, 255);
	/* "/0x0/" comes back as "/0x00000000/" */
	assert_int_equal(dfuse_layout_format(&l, out, sizeof(out)), n + 7);
	snprintf(s, sizeof(s), "@Z/0x0/%0256d*1Kg", 7);
	assert_refused(s, DFU_E_OVERFLOW, 7, "more than 255 digits");
}

static void append_segments(char *s, size_t cap, int n)
{
	size_t len = strlen(s);
	for (int i = 0; i < n; i++)
		len += (size_t)snprintf(s + len, cap - len, "%s1*1Kg", i ? "," : "");
}

static void test_32_segments_fit(void **state)
{
	char s[512] = "@Flash/0x08000000/";
	struct dfuse_layout l;
	(void)state;
	append_segments(s, sizeof(s), DFUSE_LAYOUT_MAX_SEGMENTS);
	assert_int_equal(parse_str(s, &l, NULL), 0);
	assert_int_equal(l.nsegments, DFUSE_LAYOUT_MAX_SEGMENTS);
	assert_int_equal(l.seg[31].end, 0x08007FFF);
}

static void test_40_segments_do_not_fit(void **state)
{
	char s[512] = "@Flash/0x08000000/";
	(void)state;
	append_segments(s, sizeof(s), 40);
	/* The 33rd segment starts at 18 + 32 * 6. */
	assert_refused(s, DFU_E_NOSPACE, 18 + 32 * 6, "one more than the 32");
}

static void test_skipped_segments_do_not_count_against_the_limit(void **state)
{
	char s[1024] = "@Flash/0x08000000/";
	struct dfuse_layout l;
	size_t len;
	(void)state;
	len = strlen(s);
	for (int i = 0; i < 40; i++)
		len += (size_t)snprintf(s + len, sizeof(s) - len, "1*1Kx,");
	append_segments(s, sizeof(s), DFUSE_LAYOUT_MAX_SEGMENTS);
	assert_int_equal(parse_str(s, &l, NULL), 0);
	assert_int_equal(l.nsegments, DFUSE_LAYOUT_MAX_SEGMENTS);
	assert_int_equal(l.seg[0].start, 0x08000000 + 40 * 1024);
}

static void test_more_than_256_regions_do_not_fit(void **state)
{
	static char s[257 * 16 + 16];
	struct dfuse_layout l;
	size_t len = 0;
	(void)state;
	len += (size_t)snprintf(s, sizeof(s), "@R");
	for (int i = 0; i < 256; i++)
		len += (size_t)snprintf(s + len, sizeof(s) - len, "/0x%X/1*1Bx", i * 16);
	assert_int_equal(dfuse_layout_parse(s, len, &l, NULL), 0);
	assert_int_equal(l.warnings, DFUSE_WARN_SKIPPED);
	snprintf(s + len, sizeof(s) - len, "/0x0/1*1Kg");
	assert_refused(s, DFU_E_NOSPACE, len, "one more than the 256");
}

static void test_parse_refuses_null_arguments(void **state)
{
	struct dfuse_layout l;
	struct dfu_diag d;
	(void)state;
	assert_int_equal(dfuse_layout_parse(NULL, 5, &l, &d), DFU_E_INVAL);
	assert_int_equal(dfuse_layout_parse("@X/0x0/1*1Kg", 12, NULL, &d), DFU_E_INVAL);
	assert_int_equal(dfuse_layout_parse("@", 1, &l, NULL), DFU_E_TRUNCATED);
}

static void test_find_returns_the_segment_holding_an_address(void **state)
{
	struct dfuse_layout l;
	(void)state;
	assert_int_equal(parse_str(real[8].text, &l, NULL), 0);
	assert_ptr_equal(dfuse_layout_find(&l, 0x08000000), &l.seg[0]);
	assert_ptr_equal(dfuse_layout_find(&l, 0x0800FFFF), &l.seg[0]);
	assert_ptr_equal(dfuse_layout_find(&l, 0x08010000), &l.seg[1]);
	assert_ptr_equal(dfuse_layout_find(&l, 0x080FFFFF), &l.seg[2]);
	assert_ptr_equal(dfuse_layout_find(&l, 0x08100000), &l.seg[3]);
	assert_ptr_equal(dfuse_layout_find(&l, 0x0810FFFF), &l.seg[3]);
}

static void test_find_returns_null_outside_every_segment(void **state)
{
	struct dfuse_layout l;
	(void)state;
	assert_int_equal(parse_str(real[0].text, &l, NULL), 0);
	assert_null(dfuse_layout_find(&l, 0x07FFFFFF));
	assert_null(dfuse_layout_find(&l, 0x08020000));
	assert_null(dfuse_layout_find(&l, 0));
	assert_null(dfuse_layout_find(NULL, 0x08000000));
	assert_int_equal(parse_str(real[6].text, &l, NULL), 0);
	assert_ptr_equal(dfuse_layout_find(&l, 0xFFFF0003), &l.seg[0]);
	assert_null(dfuse_layout_find(&l, 0xFFFF0004));
}

static void test_type_text_lists_r_e_w_like_dfu_util(void **state)
{
	static const char *const want[8] = {"", "r", "e", "re", "w", "rw", "ew", "rew"};
	(void)state;
	for (unsigned t = 0; t < 8; t++)
		assert_string_equal(dfuse_mem_type_text((uint8_t)t), want[t]);
	assert_string_equal(dfuse_mem_type_text(R | E | W), "rew");
	assert_string_equal(dfuse_mem_type_text('g' & 7), "rew");
	assert_string_equal(dfuse_mem_type_text('e' & 7), "rw");
}

/* A layout the way the emulator would build one for its alt string. */
static struct dfuse_layout l412_flash(void)
{
	struct dfuse_layout l;

	memset(&l, 0, sizeof(l));
	strcpy(l.name, "Internal Flash  ");
	l.nsegments = 1;
	l.seg[0] = (struct dfuse_segment){
		.start = 0x08000000, .end = 0x0801FFFF, .page_size = 2048, .count = 64,
		.type = R | E | W, .type_letter = 'g', .multiplier = 'K',
		.count_digits = 4, .size_digits = 4,
	};
	return l;
}

static void test_built_layout_formats_as_the_l412_rom_string(void **state)
{
	struct dfuse_layout l = l412_flash(), back;
	char out[64];
	(void)state;
	assert_int_equal(dfuse_layout_format(&l, out, sizeof(out)), 40);
	assert_string_equal(out, "@Internal Flash  /0x08000000/0064*0002Kg");
	assert_int_equal(parse_str(out, &back, NULL), 0);
	assert_same_layout(&l, &back);
}

static void test_zero_digit_counts_format_without_leading_zeros(void **state)
{
	struct dfuse_layout l = l412_flash();
	char out[64];
	(void)state;
	l.seg[0].count_digits = 0;
	l.seg[0].size_digits = 0;
	assert_int_equal(dfuse_layout_format(&l, out, sizeof(out)), 35);
	assert_string_equal(out, "@Internal Flash  /0x08000000/64*2Kg");
}

static void test_format_derives_a_missing_or_stale_type_letter(void **state)
{
	struct dfuse_layout l = l412_flash();
	char out[64];
	(void)state;
	l.seg[0].type_letter = 0;
	l.seg[0].type = R | W;
	assert_true(dfuse_layout_format(&l, out, sizeof(out)) > 0);
	assert_string_equal(out, "@Internal Flash  /0x08000000/0064*0002Ke");
	l.seg[0].type_letter = 'g';
	l.seg[0].type = R;
	assert_true(dfuse_layout_format(&l, out, sizeof(out)) > 0);
	assert_string_equal(out, "@Internal Flash  /0x08000000/0064*0002Ka");
}

static void test_format_starts_a_region_where_addresses_jump(void **state)
{
	struct dfuse_layout l, back;
	char out[64];
	(void)state;
	assert_int_equal(parse_str("@X/0x08000000/01*1Kx,01*1Kg", &l, NULL), 0);
	assert_true(dfuse_layout_format(&l, out, sizeof(out)) > 0);
	assert_string_equal(out, "@X/0x08000400/01*1Kg");
	assert_int_equal(parse_str(out, &back, NULL), 0);
	assert_same_layout(&l, &back);
	assert_int_equal(parse_str("@X/0x08000000/1*1Kg,1*1Kx,1*1Kg", &l, NULL), 0);
	assert_true(dfuse_layout_format(&l, out, sizeof(out)) > 0);
	assert_string_equal(out, "@X/0x08000000/1*1Kg/0x08000800/1*1Kg");
}

static void test_contiguous_regions_keep_their_headers(void **state)
{
	static const char s[] = "@X/0x08000000/1*1Kg/0x08000400/1*1Kg";
	struct dfuse_layout l;
	char out[64];
	(void)state;
	assert_int_equal(parse_str(s, &l, NULL), 0);
	assert_int_equal(l.seg[1].region, 1);
	assert_int_equal(dfuse_layout_format(&l, out, sizeof(out)), (int)strlen(s));
	assert_string_equal(out, s);
}

static void test_format_needs_room_for_the_terminator(void **state)
{
	struct dfuse_layout l = l412_flash();
	char out[41];
	(void)state;
	assert_int_equal(dfuse_layout_format(&l, out, 40), DFU_E_NOSPACE);
	assert_int_equal(dfuse_layout_format(&l, out, 41), 40);
	assert_int_equal(dfuse_layout_format(&l, NULL, 0), DFU_E_NOSPACE);
	assert_int_equal(dfuse_layout_format(&l, out, 0), DFU_E_NOSPACE);
}

static void test_format_refuses_layouts_no_string_describes(void **state)
{
	struct dfuse_layout l;
	char out[128];
	(void)state;
	assert_int_equal(dfuse_layout_format(NULL, out, sizeof(out)), DFU_E_INVAL);

#define REFUSED(mutation)                                                              \
	do {                                                                           \
		l = l412_flash();                                                      \
		mutation;                                                              \
		assert_int_equal(dfuse_layout_format(&l, out, sizeof(out)), DFU_E_INVAL); \
	} while (0)

	REFUSED(l.nsegments = 0);
	REFUSED(l.nsegments = DFUSE_LAYOUT_MAX_SEGMENTS + 1);
	REFUSED(l.name[0] = '\0');
	REFUSED(strcpy(l.name, "Flash/RAM"));
	REFUSED(memset(l.name, 'N', sizeof(l.name)));
	REFUSED(l.seg[0].count = 0);
	REFUSED(l.seg[0].page_size = 0);
	REFUSED(l.seg[0].end = 0x0801FFFE);
	REFUSED(l.seg[0].page_size = 1000; l.seg[0].end = 0x08000000 + 64 * 1000 - 1);
	REFUSED(l.seg[0].multiplier = '5');
	REFUSED(l.seg[0].multiplier = ',');
	REFUSED(l.seg[0].multiplier = '/');
	REFUSED(l.seg[0].type = 0; l.seg[0].type_letter = 0);
	REFUSED(l.seg[0].type = 8; l.seg[0].type_letter = 'x');
#undef REFUSED
}

/* Deterministic generator for the property tests. */
static uint32_t rng_state = 0x2545F491;

static uint32_t rnd(uint32_t n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state % n;
}

static unsigned digits_of(uint32_t v)
{
	unsigned d = 1;
	while (v >= 10) {
		v /= 10;
		d++;
	}
	return d;
}

static void random_layout(struct dfuse_layout *l)
{
	static const char mults[] = {'B', 'K', 'M', ' ', 'x', DFUSE_MULT_NONE};
	size_t nseg = 1 + rnd(DFUSE_LAYOUT_MAX_SEGMENTS);
	size_t nname = 1 + rnd(DFUSE_LAYOUT_NAME_MAX);
	uint64_t next = 0;
	int region = -1;

	memset(l, 0, sizeof(*l));
	for (size_t i = 0; i < nname; i++)
		l->name[i] = " ABCxyz_:"[rnd(9)];
	for (size_t i = 0; i < nseg; i++) {
		struct dfuse_segment *sg = &l->seg[l->nsegments];
		char m = mults[rnd(sizeof(mults))];
		uint32_t factor = m == 'K' ? 1024 : m == 'M' ? 1048576 : 1;
		uint32_t size = 1 + rnd(m == 'M' ? 4 : 2048);
		uint32_t count = 1 + rnd(300);
		uint64_t total = (uint64_t)count * size * factor;

		if (region < 0 || rnd(4) == 0 || next + total > 0x100000000ull) {
			region++;
			next = (uint64_t)rnd(0x10000) << 16;
			if (next + total > 0x100000000ull)
				next = 0x100000000ull - total; /* ends at the top */
		}
		sg->start = (uint32_t)next;
		sg->end = (uint32_t)(next + total - 1);
		sg->page_size = size * factor;
		sg->count = count;
		sg->type = (uint8_t)(1 + rnd(7));
		sg->type_letter = (char)(0x60 | sg->type);
		sg->multiplier = m;
		sg->region = (uint8_t)region;
		sg->count_digits = (uint8_t)(digits_of(count) + rnd(3));
		sg->size_digits = (uint8_t)(digits_of(size) + rnd(3));
		next += total;
		l->nsegments++;
	}
}

static void test_random_layouts_survive_format_then_parse(void **state)
{
	(void)state;
	for (int i = 0; i < 3000; i++) {
		struct dfuse_layout l, back;
		struct dfu_diag d;
		char out[2048];
		int n;

		random_layout(&l);
		n = dfuse_layout_format(&l, out, sizeof(out));
		if (n <= 0)
			fail_msg("format %d: nseg %zu name '%s'", n, l.nsegments, l.name);
		if (dfuse_layout_parse(out, (size_t)n, &back, &d) != 0)
			fail_msg("%s: %s", out, d.msg);
		assert_same_layout(&l, &back);
	}
}

static void test_random_text_never_breaks_parse_format_parse(void **state)
{
	static const char alphabet[] = "@@//0x0x1284*,,KMBabcdeghz \xFF";
	(void)state;
	for (int i = 0; i < 20000; i++) {
		size_t len = rnd(48);
		char *s = malloc(len ? len : 1);
		struct dfuse_layout l, back;
		char out[1024];
		int n;

		assert_non_null(s);
		for (size_t k = 0; k < len; k++)
			s[k] = alphabet[rnd(sizeof(alphabet) - 1)];
		if (len >= 5 && rnd(2)) /* give the grammar a chance */
			memcpy(s, "@N/0x", 5);
		if (dfuse_layout_parse(s, len, &l, NULL) == 0 &&
		    (n = dfuse_layout_format(&l, out, sizeof(out))) > 0) {
			assert_int_equal(dfuse_layout_parse(out, (size_t)n, &back, NULL), 0);
			assert_int_equal(back.nsegments, l.nsegments);
			for (size_t k = 0; k < l.nsegments; k++) {
				assert_int_equal(back.seg[k].start, l.seg[k].start);
				assert_int_equal(back.seg[k].end, l.seg[k].end);
				assert_int_equal(back.seg[k].type, l.seg[k].type);
				assert_int_equal(back.seg[k].multiplier, l.seg[k].multiplier);
			}
		}
		free(s);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real_st_strings_parse_to_their_segments),
		cmocka_unit_test(test_real_st_strings_format_back_byte_for_byte),
		cmocka_unit_test(test_real_strings_parse_without_a_terminator),
		cmocka_unit_test(test_every_prefix_of_a_real_string_parses_or_fails_cleanly),
		cmocka_unit_test(test_option_bytes_space_multiplier_means_bytes),
		cmocka_unit_test(test_unknown_multiplier_letter_means_bytes_and_is_kept),
		cmocka_unit_test(test_type_letter_in_multiplier_slot_is_the_type),
		cmocka_unit_test(test_letter_a_to_g_followed_by_a_type_is_a_byte_multiplier),
		cmocka_unit_test(test_device_feature_is_forced_to_read_write),
		cmocka_unit_test(test_device_feature_already_e_draws_no_forced_warning),
		cmocka_unit_test(test_device_feature_with_trailing_spaces_is_still_forced),
		cmocka_unit_test(test_device_feature_keeps_a_segment_without_type),
		cmocka_unit_test(test_names_merely_like_device_feature_are_not_forced),
		cmocka_unit_test(test_segment_with_invalid_type_is_skipped_but_keeps_its_space),
		cmocka_unit_test(test_segment_with_no_type_at_all_is_skipped),
		cmocka_unit_test(test_layout_of_only_skipped_segments_has_no_segments_and_no_text),
		cmocka_unit_test(test_vendor_bytes_after_the_layout_are_ignored_with_a_warning),
		cmocka_unit_test(test_text_after_a_skipped_segment_is_trailing_too),
		cmocka_unit_test(test_a_nul_ends_the_string_before_len),
		cmocka_unit_test(test_a_nul_inside_the_name_truncates_the_string),
		cmocka_unit_test(test_missing_at_sign_names_the_first_character),
		cmocka_unit_test(test_empty_string_is_truncated_at_offset_zero),
		cmocka_unit_test(test_only_an_at_sign_wants_a_name),
		cmocka_unit_test(test_empty_name_is_refused_like_dfu_util),
		cmocka_unit_test(test_name_without_slash_is_truncated),
		cmocka_unit_test(test_name_of_64_characters_fits_and_65_does_not),
		cmocka_unit_test(test_region_must_start_with_slash_0x),
		cmocka_unit_test(test_non_hex_address_is_refused),
		cmocka_unit_test(test_address_must_end_with_slash),
		cmocka_unit_test(test_address_wider_than_32_bits_overflows),
		cmocka_unit_test(test_address_with_leading_zero_digits_is_accepted),
		cmocka_unit_test(test_x_instead_of_star_is_named_with_its_offset),
		cmocka_unit_test(test_control_byte_is_shown_in_hex),
		cmocka_unit_test(test_missing_numbers_are_refused),
		cmocka_unit_test(test_zero_count_or_size_is_refused),
		cmocka_unit_test(test_comma_promises_another_segment),
		cmocka_unit_test(test_slash_promises_another_region),
		cmocka_unit_test(test_count_beyond_32_bits_overflows),
		cmocka_unit_test(test_size_times_multiplier_beyond_32_bits_overflows),
		cmocka_unit_test(test_count_times_size_past_the_address_space_overflows),
		cmocka_unit_test(test_segments_may_end_exactly_at_the_top_of_memory),
		cmocka_unit_test(test_a_new_region_restarts_at_its_address),
		cmocka_unit_test(test_numbers_with_255_digits_fit_and_256_do_not),
		cmocka_unit_test(test_32_segments_fit),
		cmocka_unit_test(test_40_segments_do_not_fit),
		cmocka_unit_test(test_skipped_segments_do_not_count_against_the_limit),
		cmocka_unit_test(test_more_than_256_regions_do_not_fit),
		cmocka_unit_test(test_parse_refuses_null_arguments),
		cmocka_unit_test(test_find_returns_the_segment_holding_an_address),
		cmocka_unit_test(test_find_returns_null_outside_every_segment),
		cmocka_unit_test(test_type_text_lists_r_e_w_like_dfu_util),
		cmocka_unit_test(test_built_layout_formats_as_the_l412_rom_string),
		cmocka_unit_test(test_zero_digit_counts_format_without_leading_zeros),
		cmocka_unit_test(test_format_derives_a_missing_or_stale_type_letter),
		cmocka_unit_test(test_format_starts_a_region_where_addresses_jump),
		cmocka_unit_test(test_contiguous_regions_keep_their_headers),
		cmocka_unit_test(test_format_needs_room_for_the_terminator),
		cmocka_unit_test(test_format_refuses_layouts_no_string_describes),
		cmocka_unit_test(test_random_layouts_survive_format_then_parse),
		cmocka_unit_test(test_random_text_never_breaks_parse_format_parse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
