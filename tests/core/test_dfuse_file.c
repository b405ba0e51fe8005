/* test_dfuse_file.c - DfuSe .dfu images (UM0391; [dfu-util-0.11], files):
 * build, parse and iterate, and every way a hostile file can be broken.
 *
 * Malformed inputs are parsed from exact-size heap copies so that, under
 * the sanitizer build, any read past the end is caught. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dfu/bytes.h"
#include "dfu/dfu_file.h"

/* Offsets in the three-target fixture below. */
#define T0 11u			/* target 0 prefix */
#define T0_E0 (T0 + 274u)	/* 0x11D */
#define T0_E1 (T0_E0 + 8u + 100u) /* 0x189 */
#define T1 (T0_E1 + 8u + 37u)	/* 0x1B6 */
#define T1_E0 (T1 + 274u)
#define T2 (T1_E0 + 8u + 40u)
#define FW_END (T2 + 274u)

static uint8_t d100[100], d37[37], d40[40];

static const struct dfu_suffix ids = {.bcdDevice = 0x2200, .idProduct = 0xDF11,
				      .idVendor = 0x0483};

static const struct dfuse_build_element t0_el[] = {
	{0x08000000, d100, sizeof(d100)},
	{0x08004000, d37, sizeof(d37)},
};
static const struct dfuse_build_element t1_el[] = {
	{0x1FFF7800, d40, sizeof(d40)},
};
static const struct dfuse_build_target three[] = {
	{0, "Internal Flash  ", t0_el, 2},
	{1, NULL, t1_el, 1},
	{3, "OTP Memory ", NULL, 0},
};

static int setup(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(d100); i++)
		d100[i] = (uint8_t)(i + 1);
	for (i = 0; i < sizeof(d37); i++)
		d37[i] = (uint8_t)(0xA0 ^ i);
	for (i = 0; i < sizeof(d40); i++)
		d40[i] = (uint8_t)(0xFF - i);
	return 0;
}

/* Build into an exact-size heap buffer; *len gets the file size. */
static uint8_t *build(const struct dfuse_build_target *t, size_t n, size_t *len)
{
	size_t need = dfuse_file_build_size(t, n);
	uint8_t *buf = malloc(need);
	int rc;

	assert_non_null(buf);
	rc = dfuse_file_build(t, n, &ids, buf, need);
	assert_int_equal(rc, (int)need);
	*len = need;
	return buf;
}

static int parse_copy(const uint8_t *src, size_t len, struct dfuse_file *f, struct dfu_diag *d)
{
	uint8_t *copy = malloc(len ? len : 1);
	int rc;

	assert_non_null(copy);
	memcpy(copy, src, len);
	rc = dfuse_file_parse(copy, len, f, d);
	free(copy);
	return rc;
}

/* Rewrite a LE32 field of the firmware part and keep the suffix valid. */
static void patch32(uint8_t *buf, size_t len, size_t at, uint32_t v)
{
	dfu_put_le32(buf + at, v);
	dfu_put_le32(buf + len - 4, dfu_crc32(DFU_CRC_INIT, buf, len - 4));
}

/* Walk a parsed file, checking every view stays inside [buf, buf+len) and
 * the counts agree with the headers. Returns the number of elements. */
static size_t walk(const struct dfuse_file *f, const uint8_t *buf, size_t len)
{
	struct dfuse_target t;
	struct dfuse_element e;
	size_t tc = 0, ec, ntargets = 0, nelements = 0, n;

	while (dfuse_file_next_target(f, &tc, &t) == 1) {
		assert_true(t.elements >= buf && t.elements <= buf + len);
		assert_true(strlen(t.name) <= DFUSE_TARGET_NAME_MAX);
		ec = 0;
		n = 0;
		while (dfuse_target_next_element(&t, &ec, &e) == 1) {
			assert_true(e.data >= buf && e.data <= buf + len);
			assert_true(e.size <= (size_t)(buf + len - e.data));
			n++;
		}
		assert_int_equal(n, t.nelements);
		nelements += n;
		ntargets++;
	}
	assert_int_equal(ntargets, f->ntargets);
	return nelements;
}

static void test_one_target_with_one_element_round_trips(void **state)
{
	const struct dfuse_build_element el = {0x08000000, d100, sizeof(d100)};
	const struct dfuse_build_target tg = {0, "Internal Flash", &el, 1};
	struct dfuse_file f;
	struct dfuse_target t;
	struct dfuse_element e;
	size_t len, tc = 0, ec = 0;
	uint8_t *buf;

	(void)state;
	buf = build(&tg, 1, &len);
	assert_int_equal(len, 11 + 274 + 8 + 100 + 16);
	assert_int_equal(dfuse_file_parse(buf, len - 16, &f, NULL), 0);
	assert_int_equal(f.version, 1);
	assert_int_equal(f.ntargets, 1);
	assert_int_equal(f.image_size, len);
	assert_ptr_equal(f.body, buf + 11);
	assert_int_equal(f.body_len, len - 16 - 11);
	assert_int_equal(f.trailing, 0);
	assert_int_equal(dfuse_file_next_target(&f, &tc, &t), 1);
	assert_int_equal(t.alt, 0);
	assert_true(t.named);
	assert_string_equal(t.name, "Internal Flash");
	assert_int_equal(t.size, 108);
	assert_int_equal(t.nelements, 1);
	assert_int_equal(dfuse_target_next_element(&t, &ec, &e), 1);
	assert_int_equal(e.address, 0x08000000);
	assert_int_equal(e.size, 100);
	assert_ptr_equal(e.data, buf + 11 + 274 + 8);
	assert_memory_equal(e.data, d100, 100);
	assert_int_equal(dfuse_target_next_element(&t, &ec, &e), 0);
	assert_int_equal(dfuse_file_next_target(&f, &tc, &t), 0);
	free(buf);
}

static void test_several_targets_and_elements_round_trip_in_order(void **state)
{
	struct dfuse_file f;
	struct dfuse_target t;
	struct dfuse_element e;
	size_t len, tc = 0, ec;
	uint8_t *buf;

	(void)state;
	buf = build(three, 3, &len);
	assert_int_equal(len, FW_END + 16);
	assert_int_equal(dfuse_file_parse(buf, len - 16, &f, NULL), 0);
	assert_int_equal(f.ntargets, 3);
	assert_int_equal(walk(&f, buf, len), 3);

	assert_int_equal(dfuse_file_next_target(&f, &tc, &t), 1);
	assert_int_equal(t.alt, 0);
	assert_string_equal(t.name, "Internal Flash  ");
	assert_int_equal(t.nelements, 2);
	assert_int_equal(t.size, 8 + 100 + 8 + 37);
	ec = 0;
	assert_int_equal(dfuse_target_next_element(&t, &ec, &e), 1);
	assert_int_equal(e.address, 0x08000000);
	assert_memory_equal(e.data, d100, 100);
	assert_int_equal(dfuse_target_next_element(&t, &ec, &e), 1);
	assert_int_equal(e.address, 0x08004000);
	assert_int_equal(e.size, 37);
	assert_ptr_equal(e.data, buf + T0_E1 + 8);
	assert_memory_equal(e.data, d37, 37);
	assert_int_equal(dfuse_target_next_element(&t, &ec, &e), 0);

	assert_int_equal(dfuse_file_next_target(&f, &tc, &t), 1);
	assert_int_equal(t.alt, 1);
	assert_false(t.named);
	assert_string_equal(t.name, "");
	ec = 0;
	assert_int_equal(dfuse_target_next_element(&t, &ec, &e), 1);
	assert_int_equal(e.address, 0x1FFF7800);
	assert_memory_equal(e.data, d40, 40);

	assert_int_equal(dfuse_file_next_target(&f, &tc, &t), 1);
	assert_int_equal(t.alt, 3);
	assert_string_equal(t.name, "OTP Memory ");
	assert_int_equal(t.size, 0);
	assert_int_equal(t.nelements, 0);
	ec = 0;
	assert_int_equal(dfuse_target_next_element(&t, &ec, &e), 0);
	assert_int_equal(dfuse_file_next_target(&f, &tc, &t), 0);
	free(buf);
}

static void test_build_writes_the_um0391_layout_byte_for_byte(void **state)
{
	struct dfu_suffix s;
	size_t len, i;
	uint8_t *buf;

	(void)state;
	buf = build(three, 3, &len);
	assert_memory_equal(buf, "DfuSe\x01", 6);
	assert_int_equal(dfu_get_le32(buf + 6), len); /* whole file, as dfuse-pack */
	assert_int_equal(buf[10], 3);

	assert_memory_equal(buf + T0, "Target", 6);
	assert_int_equal(buf[T0 + 6], 0);
	assert_int_equal(dfu_get_le32(buf + T0 + 7), 1);
	assert_memory_equal(buf + T0 + 11, "Internal Flash  ", 16);
	for (i = 16; i < 255; i++)
		assert_int_equal(buf[T0 + 11 + i], 0);
	assert_int_equal(dfu_get_le32(buf + T0 + 266), 153);
	assert_int_equal(dfu_get_le32(buf + T0 + 270), 2);
	assert_int_equal(dfu_get_le32(buf + T0_E0), 0x08000000);
	assert_int_equal(dfu_get_le32(buf + T0_E0 + 4), 100);
	assert_int_equal(dfu_get_le32(buf + T0_E1), 0x08004000);
	assert_int_equal(dfu_get_le32(buf + T0_E1 + 4), 37);

	assert_memory_equal(buf + T1, "Target", 6);
	assert_int_equal(buf[T1 + 6], 1);
	for (i = 7; i < 266; i++) /* unnamed: flag and name all zero */
		assert_int_equal(buf[T1 + i], 0);
	assert_int_equal(dfu_get_le32(buf + T1 + 266), 48);
	assert_int_equal(dfu_get_le32(buf + T1 + 270), 1);

	assert_int_equal(dfu_suffix_parse(buf, len, &s, NULL), 0);
	assert_int_equal(s.bcdDFU, 0x011A);
	assert_int_equal(s.idVendor, 0x0483);
	assert_int_equal(s.idProduct, 0xDF11);
	assert_int_equal(s.bcdDevice, 0x2200);
	free(buf);
}

static void test_build_size_matches_what_build_writes(void **state)
{
	uint8_t buf[64];
	size_t n;

	(void)state;
	for (n = 0; n <= 3; n++)
		assert_int_equal(dfuse_file_build_size(three, n),
				 n == 0 ? 27 : n == 1 ? 27 + 274 + 153 : n == 2 ? FW_END - 274 + 16
										 : FW_END + 16);
	assert_int_equal(dfuse_file_build_size(NULL, 0), 27);
	assert_int_equal(dfuse_file_build(NULL, 0, &ids, buf, sizeof(buf)), 27);
}

static void test_zero_targets_is_a_valid_empty_image(void **state)
{
	struct dfuse_file f;
	struct dfuse_target t;
	size_t len, tc = 0;
	uint8_t *buf;

	(void)state;
	buf = build(three, 0, &len);
	assert_int_equal(len, 27);
	assert_int_equal(dfuse_file_parse(buf, 11, &f, NULL), 0);
	assert_int_equal(f.ntargets, 0);
	assert_int_equal(f.body_len, 0);
	assert_int_equal(dfuse_file_next_target(&f, &tc, &t), 0);
	free(buf);
}

static void test_zero_size_element_is_kept(void **state)
{
	const struct dfuse_build_element el[] = {{0xFFFFFFFF, NULL, 0}, {0x100, d37, 1}};
	const struct dfuse_build_target tg = {7, NULL, el, 2};
	struct dfuse_file f;
	struct dfuse_target t;
	struct dfuse_element e;
	size_t len, tc = 0, ec = 0;
	uint8_t *buf;

	(void)state;
	buf = build(&tg, 1, &len);
	assert_int_equal(dfuse_file_parse(buf, len - 16, &f, NULL), 0);
	assert_int_equal(dfuse_file_next_target(&f, &tc, &t), 1);
	assert_int_equal(dfuse_target_next_element(&t, &ec, &e), 1);
	assert_int_equal(e.address, 0xFFFFFFFF);
	assert_int_equal(e.size, 0);
	assert_int_equal(dfuse_target_next_element(&t, &ec, &e), 1);
	assert_int_equal(e.address, 0x100);
	assert_int_equal(e.data[0], d37[0]);
	free(buf);
}

static void test_name_of_255_bytes_fills_the_field_and_comes_back_terminated(void **state)
{
	char name[256];
	struct dfuse_build_target tg = {0, name, NULL, 0};
	struct dfuse_file f;
	struct dfuse_target t;
	size_t len, tc = 0;
	uint8_t *buf;

	(void)state;
	memset(name, 'N', 255);
	name[255] = '\0';
	buf = build(&tg, 1, &len);
	assert_int_equal(buf[T0 + 11 + 254], 'N');
	assert_int_equal(buf[T0 + 266], 0); /* dwTargetSize follows, no NUL */
	assert_int_equal(dfuse_file_parse(buf, len - 16, &f, NULL), 0);
	memset(&t, 0x55, sizeof(t));
	assert_int_equal(dfuse_file_next_target(&f, &tc, &t), 1);
	assert_int_equal(strlen(t.name), 255);
	assert_string_equal(t.name, name);
	free(buf);
}

static void test_name_of_256_bytes_is_refused(void **state)
{
	char name[257];
	struct dfuse_build_target tg = {0, name, NULL, 0};
	uint8_t buf[400];

	(void)state;
	memset(name, 'N', 256);
	name[256] = '\0';
	assert_int_equal(dfuse_file_build(&tg, 1, &ids, buf, sizeof(buf)), DFU_E_INVAL);
}

static void test_255_targets_are_fine_but_256_are_refused(void **state)
{
	struct dfuse_build_target *tg = calloc(256, sizeof(*tg));
	struct dfuse_file f;
	size_t len, i;
	uint8_t *buf;

	(void)state;
	assert_non_null(tg);
	for (i = 0; i < 256; i++)
		tg[i].alt = (uint8_t)i;
	buf = build(tg, 255, &len);
	assert_int_equal(dfuse_file_parse(buf, len - 16, &f, NULL), 0);
	assert_int_equal(f.ntargets, 255);
	assert_int_equal(walk(&f, buf, len), 0);
	free(buf);
	buf = malloc(dfuse_file_build_size(tg, 256));
	assert_non_null(buf);
	assert_int_equal(dfuse_file_build(tg, 256, &ids, buf, dfuse_file_build_size(tg, 256)),
			 DFU_E_INVAL);
	free(buf);
	free(tg);
}

static void test_build_refuses_an_element_whose_range_wraps(void **state)
{
	struct dfuse_build_element el = {0xFFFFFFFF, d100, 2};
	const struct dfuse_build_target tg = {0, NULL, &el, 1};
	uint8_t buf[512];

	(void)state;
	assert_int_equal(dfuse_file_build(&tg, 1, &ids, buf, sizeof(buf)), DFU_E_OVERFLOW);
	el.size = 1;
	assert_true(dfuse_file_build(&tg, 1, &ids, buf, sizeof(buf)) > 0);
	el.address = 0xFFFFFF9C;
	el.size = 100; /* ends at 0xFFFFFFFF exactly */
	assert_true(dfuse_file_build(&tg, 1, &ids, buf, sizeof(buf)) > 0);
	el.address = 0xFFFFFF9D;
	assert_int_equal(dfuse_file_build(&tg, 1, &ids, buf, sizeof(buf)), DFU_E_OVERFLOW);
}

static void test_build_refuses_missing_data_and_null_arguments(void **state)
{
	struct dfuse_build_element el = {0x08000000, NULL, 5};
	struct dfuse_build_target tg = {0, NULL, &el, 1};
	uint8_t buf[400];

	(void)state;
	assert_int_equal(dfuse_file_build(&tg, 1, &ids, buf, sizeof(buf)), DFU_E_INVAL);
	el.size = 0;
	assert_true(dfuse_file_build(&tg, 1, &ids, buf, sizeof(buf)) > 0);
	tg.elements = NULL;
	assert_int_equal(dfuse_file_build(&tg, 1, &ids, buf, sizeof(buf)), DFU_E_INVAL);
	tg.nelements = 0;
	assert_true(dfuse_file_build(&tg, 1, &ids, buf, sizeof(buf)) > 0);
	assert_int_equal(dfuse_file_build(NULL, 1, &ids, buf, sizeof(buf)), DFU_E_INVAL);
	assert_int_equal(dfuse_file_build(&tg, 1, NULL, buf, sizeof(buf)), DFU_E_INVAL);
	assert_int_equal(dfuse_file_build(&tg, 1, &ids, NULL, sizeof(buf)), DFU_E_INVAL);
}

static void test_build_refuses_targets_too_big_to_describe(void **state)
{
	/* Sizes are only summed, never read: a 4 GiB target cannot have its
	 * dwTargetSize written, and a 2 GiB file not have its size returned. */
	struct dfuse_build_element el[2] = {{0, d100, 0xFFFFFFF0u}, {0, d100, 0x10}};
	struct dfuse_build_target tg[2] = {{0, NULL, el, 2}, {1, NULL, el, 1}};
	uint8_t buf[16];

	(void)state;
	assert_int_equal(dfuse_file_build(tg, 1, &ids, buf, sizeof(buf)), DFU_E_OVERFLOW);
	el[0].size = 0x7FFFFF00u;
	assert_int_equal(dfuse_file_build(tg, 2, &ids, buf, sizeof(buf)), DFU_E_OVERFLOW);
	assert_true(dfuse_file_build_size(tg, 2) > 0xFFFFFE00u);
}

static void test_build_into_every_too_small_buffer_is_refused_untouched(void **state)
{
	size_t need = dfuse_file_build_size(three, 3), cap, i;
	uint8_t *buf = malloc(need);

	(void)state;
	assert_non_null(buf);
	for (cap = 0; cap < need; cap++) {
		memset(buf, 0xAA, need);
		assert_int_equal(dfuse_file_build(three, 3, &ids, buf, cap), DFU_E_NOSPACE);
		for (i = 0; i < need; i++)
			assert_int_equal(buf[i], 0xAA);
	}
	assert_int_equal(dfuse_file_build(three, 3, &ids, buf, need), (int)need);
	free(buf);
}

static void test_truncating_the_image_at_every_length_is_a_clean_truncation(void **state)
{
	struct dfuse_file f;
	struct dfu_diag d;
	size_t len, cut;
	uint8_t *buf;

	(void)state;
	buf = build(three, 3, &len);
	for (cut = 0; cut < len - 16; cut++) {
		memset(&f, 0x5A, sizeof(f));
		d.msg[0] = '\0';
		assert_int_equal(parse_copy(buf, cut, &f, &d), DFU_E_TRUNCATED);
		assert_true(strlen(d.msg) > 0);
		assert_true(d.offset <= cut);
		assert_int_equal(f.ntargets, 0x5A); /* untouched on failure */
	}
	assert_int_equal(parse_copy(buf, len - 16, &f, &d), 0);
	free(buf);
}

static void test_truncation_message_names_target_element_offset_and_sizes(void **state)
{
	struct dfuse_file f;
	struct dfu_diag d;
	size_t len;
	uint8_t *buf;

	(void)state;
	buf = build(three, 3, &len);
	assert_int_equal(parse_copy(buf, T0_E1 + 8 + 30, &f, &d), DFU_E_TRUNCATED);
	assert_string_equal(d.msg, "element 1 of target 0 at offset 0x189 claims 37 bytes "
				   "but only 30 remain");
	assert_int_equal(d.offset, T0_E1 + 4);
	assert_int_equal(parse_copy(buf, T1 + 100, &f, &d), DFU_E_TRUNCATED);
	assert_non_null(strstr(d.msg, "target 1 at offset 0x1b6 needs a 274-byte prefix"));
	assert_non_null(strstr(d.msg, "only 100 bytes"));
	assert_int_equal(parse_copy(buf, 5, &f, &d), DFU_E_TRUNCATED);
	assert_non_null(strstr(d.msg, "only 5"));
	free(buf);
}

static void test_whole_file_with_its_suffix_leaves_16_trailing_bytes(void **state)
{
	struct dfuse_file f;
	size_t len;
	uint8_t *buf;

	(void)state;
	buf = build(three, 3, &len);
	assert_int_equal(dfuse_file_parse(buf, len, &f, NULL), 0);
	assert_int_equal(f.trailing, 16);
	assert_int_equal(walk(&f, buf, len), 3);
	free(buf);
}

static void test_wrong_signature_dfusf_is_a_format_error_at_offset_0(void **state)
{
	struct dfuse_file f;
	struct dfu_diag d;
	size_t len;
	uint8_t *buf;

	(void)state;
	buf = build(three, 1, &len);
	buf[4] = 'f';
	assert_int_equal(parse_copy(buf, len - 16, &f, &d), DFU_E_FORMAT);
	assert_int_equal(d.offset, 0);
	assert_non_null(strstr(d.msg, "44 66 75 53 66"));
	assert_non_null(strstr(d.msg, "\"DfuSe\""));
	free(buf);
}

static void test_version_2_is_a_format_error_at_offset_5(void **state)
{
	struct dfuse_file f;
	struct dfu_diag d;
	size_t len;
	uint8_t *buf;

	(void)state;
	buf = build(three, 1, &len);
	buf[5] = 2;
	assert_int_equal(parse_copy(buf, len - 16, &f, &d), DFU_E_FORMAT);
	assert_int_equal(d.offset, 5);
	assert_non_null(strstr(d.msg, "bVersion"));
	assert_non_null(strstr(d.msg, "is 2"));
	buf[5] = 0;
	assert_int_equal(parse_copy(buf, len - 16, &f, &d), DFU_E_FORMAT);
	free(buf);
}

static void test_target_without_its_signature_is_a_format_error_naming_it(void **state)
{
	struct dfuse_file f;
	struct dfu_diag d;
	size_t len;
	uint8_t *buf;

	(void)state;
	buf = build(three, 3, &len);
	buf[T1 + 5] = 's';
	assert_int_equal(parse_copy(buf, len - 16, &f, &d), DFU_E_FORMAT);
	assert_int_equal(d.offset, T1);
	assert_non_null(strstr(d.msg, "target 1 at offset 0x1b6"));
	assert_non_null(strstr(d.msg, "\"Target\""));
	free(buf);
}

static void test_target_size_one_too_big_or_too_small_is_a_size_error(void **state)
{
	struct dfuse_file f;
	struct dfu_diag d;
	size_t len;
	uint8_t *buf;

	(void)state;
	buf = build(three, 3, &len);
	patch32(buf, len, T1 + 266, 49);
	assert_int_equal(parse_copy(buf, len - 16, &f, &d), DFU_E_SIZE);
	assert_int_equal(d.offset, T1 + 266);
	assert_string_equal(d.msg, "target 1 at offset 0x1b6: dwTargetSize is 49 but its 1 "
				   "elements take 48 bytes");
	patch32(buf, len, T1 + 266, 47);
	assert_int_equal(parse_copy(buf, len - 16, &f, &d), DFU_E_SIZE);
	patch32(buf, len, T1 + 266, 0xFFFFFFFF);
	assert_int_equal(parse_copy(buf, len - 16, &f, &d), DFU_E_SIZE);
	patch32(buf, len, T1 + 266, 48);
	patch32(buf, len, T2 + 266, 1); /* a target with no elements claims a byte */
	assert_int_equal(parse_copy(buf, len - 16, &f, &d), DFU_E_SIZE);
	free(buf);
}

static void test_element_claiming_more_bytes_than_remain_is_truncated(void **state)
{
	struct dfuse_file f;
	struct dfu_diag d;
	size_t len;
	uint8_t *buf;

	(void)state;
	buf = build(three, 1, &len);
	patch32(buf, len, T0_E1 + 4, 4096);
	assert_int_equal(parse_copy(buf, len - 16, &f, &d), DFU_E_TRUNCATED);
	assert_string_equal(d.msg, "element 1 of target 0 at offset 0x189 claims 4096 bytes "
				   "but only 37 remain");
	patch32(buf, len, T0_E1 + 4, 38);
	assert_int_equal(parse_copy(buf, len - 16, &f, &d), DFU_E_TRUNCATED);
	/* Sizes near 2^32 must not wrap any offset arithmetic. */
	patch32(buf, len, T0_E1 + 4, 0xFFFFFFFF);
	assert_int_equal(parse_copy(buf, len - 16, &f, &d), DFU_E_TRUNCATED);
	patch32(buf, len, T0_E1 + 4, 0xFFFFFFF8);
	assert_int_equal(parse_copy(buf, len - 16, &f, &d), DFU_E_TRUNCATED);
	free(buf);
}

static void test_too_many_elements_is_truncated_and_too_few_a_size_error(void **state)
{
	struct dfuse_file f;
	struct dfu_diag d;
	size_t len;
	uint8_t *buf;

	(void)state;
	buf = build(three, 1, &len);
	patch32(buf, len, T0 + 270, 3);
	assert_int_equal(parse_copy(buf, len - 16, &f, &d), DFU_E_TRUNCATED);
	assert_non_null(strstr(d.msg, "element 2 of target 0"));
	assert_non_null(strstr(d.msg, "claims 3 elements"));
	/* Huge counts end at the end of the data, not after 2^32 rounds. */
	patch32(buf, len, T0 + 270, 0xFFFFFFFF);
	assert_int_equal(parse_copy(buf, len - 16, &f, &d), DFU_E_TRUNCATED);
	patch32(buf, len, T0 + 270, 1);
	assert_int_equal(parse_copy(buf, len - 16, &f, &d), DFU_E_SIZE);
	patch32(buf, len, T0 + 270, 0);
	assert_int_equal(parse_copy(buf, len - 16, &f, &d), DFU_E_SIZE);
	free(buf);
}

static void test_more_targets_than_present_is_truncated(void **state)
{
	struct dfuse_file f;
	struct dfu_diag d;
	size_t len;
	uint8_t *buf;

	(void)state;
	buf = build(three, 3, &len);
	buf[10] = 4;
	assert_int_equal(parse_copy(buf, len - 16, &f, &d), DFU_E_TRUNCATED);
	assert_non_null(strstr(d.msg, "target 3"));
	assert_non_null(strstr(d.msg, "claims 4 targets"));
	buf[10] = 255;
	assert_int_equal(parse_copy(buf, len - 16, &f, &d), DFU_E_TRUNCATED);
	buf[10] = 2; /* fewer: the rest is trailing */
	assert_int_equal(parse_copy(buf, len - 16, &f, &d), 0);
	assert_int_equal(f.trailing, 274);
	free(buf);
}

static void test_element_wrapping_32_bits_overflows(void **state)
{
	const struct dfuse_build_element el = {0x08000000, d100, 0x40};
	const struct dfuse_build_target tg = {0, NULL, &el, 1};
	struct dfuse_file f;
	struct dfu_diag d;
	size_t len;
	uint8_t *buf;

	(void)state;
	buf = build(&tg, 1, &len);
	patch32(buf, len, T0_E0, 0xFFFFFFC1);
	assert_int_equal(parse_copy(buf, len - 16, &f, &d), DFU_E_OVERFLOW);
	assert_int_equal(d.offset, T0_E0);
	assert_non_null(strstr(d.msg, "element 0 of target 0"));
	assert_non_null(strstr(d.msg, "0xFFFFFFC1"));
	patch32(buf, len, T0_E0, 0xFFFFFFC0); /* last byte at 0xFFFFFFFF */
	assert_int_equal(parse_copy(buf, len - 16, &f, &d), 0);
	free(buf);
}

static void test_bytes_after_the_last_target_are_counted_not_rejected(void **state)
{
	struct dfuse_file f;
	size_t len;
	uint8_t *buf, *big;

	(void)state;
	buf = build(three, 3, &len);
	big = calloc(1, len - 16 + 5);
	assert_non_null(big);
	memcpy(big, buf, len - 16);
	assert_int_equal(dfuse_file_parse(big, len - 16 + 5, &f, NULL), 0);
	assert_int_equal(f.trailing, 5);
	assert_int_equal(walk(&f, big, len - 16 + 5), 3);
	free(big);
	free(buf);
}

static void test_image_size_field_is_reported_but_not_checked(void **state)
{
	struct dfuse_file f;
	size_t len;
	uint8_t *buf;

	(void)state;
	buf = build(three, 2, &len);
	patch32(buf, len, 6, 12345);
	assert_int_equal(dfuse_file_parse(buf, len - 16, &f, NULL), 0);
	assert_int_equal(f.image_size, 12345);
	free(buf);
}

static void test_named_flag_is_its_first_byte_like_dfu_util(void **state)
{
	struct dfuse_file f;
	struct dfuse_target t;
	size_t len, tc;
	uint8_t *buf;

	(void)state;
	buf = build(three, 1, &len);
	patch32(buf, len, T0 + 7, 0x100);
	assert_int_equal(dfuse_file_parse(buf, len - 16, &f, NULL), 0);
	tc = 0;
	assert_int_equal(dfuse_file_next_target(&f, &tc, &t), 1);
	assert_false(t.named);
	assert_string_equal(t.name, ""); /* unnamed: bytes in the field ignored */
	patch32(buf, len, T0 + 7, 0xFF);
	tc = 0;
	assert_int_equal(dfuse_file_next_target(&f, &tc, &t), 1);
	assert_true(t.named);
	assert_string_equal(t.name, "Internal Flash  ");
	free(buf);
}

static void test_every_byte_flip_parses_or_fails_cleanly(void **state)
{
	static const uint8_t masks[] = {0x01, 0x80, 0xFF};
	struct dfuse_file f;
	struct dfu_diag d;
	size_t len, fw, i, m;
	uint8_t *buf, *copy;
	int rc;

	(void)state;
	buf = build(three, 3, &len);
	fw = len - 16;
	copy = malloc(fw);
	assert_non_null(copy);
	for (i = 0; i < fw; i++) {
		for (m = 0; m < sizeof(masks); m++) {
			memcpy(copy, buf, fw);
			copy[i] ^= masks[m];
			rc = dfuse_file_parse(copy, fw, &f, &d);
			if (rc == 0)
				walk(&f, copy, fw);
			else
				assert_true(rc == DFU_E_FORMAT || rc == DFU_E_TRUNCATED ||
					    rc == DFU_E_SIZE || rc == DFU_E_OVERFLOW);
			if (i < 6)	/* signature or version */
				assert_int_equal(rc, DFU_E_FORMAT);
		}
	}
	free(copy);
	free(buf);
}

static void test_random_mutations_never_escape_the_buffer(void **state)
{
	struct dfuse_file f;
	struct dfu_diag d;
	size_t len, fw, cut, k, n;
	uint32_t x = 0x2545F491;
	uint8_t *buf, *copy;
	unsigned round;

	(void)state;
	buf = build(three, 3, &len);
	fw = len - 16;
	for (round = 0; round < 3000; round++) {
		/* xorshift32: a fixed, reproducible sequence */
		x ^= x << 13, x ^= x >> 17, x ^= x << 5;
		cut = fw - x % 64;
		copy = malloc(cut);
		assert_non_null(copy);
		memcpy(copy, buf, cut);
		n = 1 + x % 4;
		for (k = 0; k < n; k++) {
			x ^= x << 13, x ^= x >> 17, x ^= x << 5;
			/* favour the header fields that steer the walk */
			copy[(k & 1 ? x : T0 + 266 + x % 8) % cut] = (uint8_t)(x >> 24);
		}
		if (dfuse_file_parse(copy, cut, &f, &d) == 0)
			walk(&f, copy, cut);
		free(copy);
	}
	free(buf);
}

static void test_iterators_stop_on_null_arguments_and_bad_cursors(void **state)
{
	struct dfuse_file f, bad;
	struct dfuse_target t, tbad;
	struct dfuse_element e;
	size_t len, c;
	uint8_t *buf;

	(void)state;
	buf = build(three, 3, &len);
	assert_int_equal(dfuse_file_parse(buf, len - 16, &f, NULL), 0);
	c = 0;
	assert_int_equal(dfuse_file_next_target(NULL, &c, &t), 0);
	assert_int_equal(dfuse_file_next_target(&f, NULL, &t), 0);
	assert_int_equal(dfuse_file_next_target(&f, &c, NULL), 0);
	c = f.body_len;
	assert_int_equal(dfuse_file_next_target(&f, &c, &t), 0);
	c = SIZE_MAX;
	assert_int_equal(dfuse_file_next_target(&f, &c, &t), 0);
	c = f.body_len - 100; /* less than a target prefix left */
	assert_int_equal(dfuse_file_next_target(&f, &c, &t), 0);

	/* A file struct that parse never accepted: trailing beyond the body,
	 * or a target claiming more than there is. */
	bad = f;
	bad.trailing = bad.body_len + 1;
	c = 0;
	assert_int_equal(dfuse_file_next_target(&bad, &c, &t), 0);
	bad = f;
	bad.body_len = 274 + 10;
	c = 0;
	assert_int_equal(dfuse_file_next_target(&bad, &c, &t), 0);

	c = 0;
	assert_int_equal(dfuse_file_next_target(&f, &c, &t), 1);
	c = 0;
	assert_int_equal(dfuse_target_next_element(NULL, &c, &e), 0);
	assert_int_equal(dfuse_target_next_element(&t, NULL, &e), 0);
	assert_int_equal(dfuse_target_next_element(&t, &c, NULL), 0);
	c = SIZE_MAX;
	assert_int_equal(dfuse_target_next_element(&t, &c, &e), 0);
	c = t.size - 4;
	assert_int_equal(dfuse_target_next_element(&t, &c, &e), 0);
	tbad = t;
	tbad.size = 8 + 50; /* first element claims 100 bytes */
	c = 0;
	assert_int_equal(dfuse_target_next_element(&tbad, &c, &e), 0);
	tbad.elements = NULL;
	c = 0;
	assert_int_equal(dfuse_target_next_element(&tbad, &c, &e), 0);
	free(buf);
}

static void test_parse_refuses_null_arguments(void **state)
{
	struct dfuse_file f;
	struct dfu_diag d;

	(void)state;
	assert_int_equal(dfuse_file_parse(NULL, 10, &f, &d), DFU_E_INVAL);
	assert_int_equal(dfuse_file_parse((const uint8_t *)"DfuSe\x01\0\0\0\0\0", 11, NULL, &d),
			 DFU_E_INVAL);
	assert_int_equal(dfuse_file_parse(NULL, 0, &f, &d), DFU_E_TRUNCATED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_target_with_one_element_round_trips),
		cmocka_unit_test(test_several_targets_and_elements_round_trip_in_order),
		cmocka_unit_test(test_build_writes_the_um0391_layout_byte_for_byte),
		cmocka_unit_test(test_build_size_matches_what_build_writes),
		cmocka_unit_test(test_zero_targets_is_a_valid_empty_image),
		cmocka_unit_test(test_zero_size_element_is_kept),
		cmocka_unit_test(test_name_of_255_bytes_fills_the_field_and_comes_back_terminated),
		cmocka_unit_test(test_name_of_256_bytes_is_refused),
		cmocka_unit_test(test_255_targets_are_fine_but_256_are_refused),
		cmocka_unit_test(test_build_refuses_an_element_whose_range_wraps),
		cmocka_unit_test(test_build_refuses_missing_data_and_null_arguments),
		cmocka_unit_test(test_build_refuses_targets_too_big_to_describe),
		cmocka_unit_test(test_build_into_every_too_small_buffer_is_refused_untouched),
		cmocka_unit_test(test_truncating_the_image_at_every_length_is_a_clean_truncation),
		cmocka_unit_test(test_truncation_message_names_target_element_offset_and_sizes),
		cmocka_unit_test(test_whole_file_with_its_suffix_leaves_16_trailing_bytes),
		cmocka_unit_test(test_wrong_signature_dfusf_is_a_format_error_at_offset_0),
		cmocka_unit_test(test_version_2_is_a_format_error_at_offset_5),
		cmocka_unit_test(test_target_without_its_signature_is_a_format_error_naming_it),
		cmocka_unit_test(test_target_size_one_too_big_or_too_small_is_a_size_error),
		cmocka_unit_test(test_element_claiming_more_bytes_than_remain_is_truncated),
		cmocka_unit_test(test_too_many_elements_is_truncated_and_too_few_a_size_error),
		cmocka_unit_test(test_more_targets_than_present_is_truncated),
		cmocka_unit_test(test_element_wrapping_32_bits_overflows),
		cmocka_unit_test(test_bytes_after_the_last_target_are_counted_not_rejected),
		cmocka_unit_test(test_image_size_field_is_reported_but_not_checked),
		cmocka_unit_test(test_named_flag_is_its_first_byte_like_dfu_util),
		cmocka_unit_test(test_every_byte_flip_parses_or_fails_cleanly),
		cmocka_unit_test(test_random_mutations_never_escape_the_buffer),
		cmocka_unit_test(test_iterators_stop_on_null_arguments_and_bad_cursors),
		cmocka_unit_test(test_parse_refuses_null_arguments),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
