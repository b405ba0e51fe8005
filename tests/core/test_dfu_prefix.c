/* test_dfu_prefix.c - recognising TI Stellaris, NXP LPC and DfuSe prefixes
 * and writing a Stellaris prefix ([dfu-util-0.11], files).
 *
 * The byte patterns are what Debian's dfu-prefix 0.11 writes:
 * `dfu-prefix -s 0x2000 -a` on 100 bytes gives 01 00 08 00 64 00 00 00 and
 * `dfu-prefix -L -a` gives 1A 3F 01 00, eight zeros, FF FF FF FF. */
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

static const uint8_t lpc_header[16] = {0x1A, 0x3F, 0x01, 0x00, 0, 0, 0, 0,
				       0,    0,    0,    0,    0xFF, 0xFF, 0xFF, 0xFF};

static void probe(const uint8_t *fw, size_t len, struct dfu_prefix_info *p)
{
	memset(p, 0x5A, sizeof(*p));
	dfu_prefix_probe(fw, len, p);
}

static void test_stellaris_prefix_is_encoded_like_dfu_prefix_writes_it(void **state)
{
	static const uint8_t want[8] = {0x01, 0x00, 0x08, 0x00, 0x64, 0x00, 0x00, 0x00};
	uint8_t out[10];

	(void)state;
	memset(out, 0xAA, sizeof(out));
	assert_int_equal(dfu_prefix_stellaris_encode(0x2000, 100, out, sizeof(out)), 8);
	assert_memory_equal(out, want, sizeof(want));
	assert_int_equal(out[8], 0xAA);
}

static void test_stellaris_encode_writes_kib_address_and_le_length(void **state)
{
	static const uint8_t want[8] = {0x01, 0x00, 0xFF, 0xFF, 0x78, 0x56, 0x34, 0x12};
	uint8_t out[8];

	(void)state;
	assert_int_equal(dfu_prefix_stellaris_encode(0x3FFFC00, 0x12345678, out, 8), 8);
	assert_memory_equal(out, want, sizeof(want));
	assert_int_equal(dfu_prefix_stellaris_encode(0, 0, out, 8), 8);
	assert_int_equal(dfu_get_le16(out + 2), 0);
}

static void test_stellaris_encode_refuses_an_address_that_is_not_whole_kib(void **state)
{
	uint8_t out[8];

	(void)state;
	assert_int_equal(dfu_prefix_stellaris_encode(0x2001, 1, out, 8), DFU_E_INVAL);
	assert_int_equal(dfu_prefix_stellaris_encode(0x2200, 1, out, 8), DFU_E_INVAL);
}

static void test_stellaris_encode_refuses_an_address_beyond_64_mib(void **state)
{
	uint8_t out[8];

	(void)state;
	assert_int_equal(dfu_prefix_stellaris_encode(0x4000000, 1, out, 8), DFU_E_INVAL);
	assert_int_equal(dfu_prefix_stellaris_encode(0xFFFFFC00, 1, out, 8), DFU_E_INVAL);
}

static void test_stellaris_encode_into_seven_bytes_is_refused(void **state)
{
	uint8_t out[8];

	(void)state;
	memset(out, 0xAA, sizeof(out));
	assert_int_equal(dfu_prefix_stellaris_encode(0x2000, 1, out, 7), DFU_E_NOSPACE);
	assert_int_equal(out[0], 0xAA);
	assert_int_equal(dfu_prefix_stellaris_encode(0x2000, 1, out, 0), DFU_E_NOSPACE);
	assert_int_equal(dfu_prefix_stellaris_encode(0x2000, 1, NULL, 8), DFU_E_INVAL);
}

static void test_stellaris_prefix_round_trips_through_the_probe(void **state)
{
	uint8_t buf[8 + 300];
	struct dfu_prefix_info p;
	uint32_t payload;

	(void)state;
	for (payload = 0; payload <= 300; payload += 60) {
		memset(buf, 0xEE, sizeof(buf));
		assert_int_equal(dfu_prefix_stellaris_encode(0x1C00 * 4, payload, buf, 8), 8);
		probe(buf, 8 + payload, &p);
		assert_int_equal(p.kind, DFU_PREFIX_STELLARIS);
		assert_int_equal(p.size, 8);
		assert_int_equal(p.address, 0x7000);
		assert_int_equal(p.payload_len, payload);
	}
}

static void test_stellaris_is_not_detected_when_its_length_disagrees(void **state)
{
	uint8_t buf[120];
	struct dfu_prefix_info p;

	(void)state;
	memset(buf, 0, sizeof(buf));
	assert_int_equal(dfu_prefix_stellaris_encode(0x2000, 100, buf, 8), 8);
	probe(buf, 107, &p);
	assert_int_equal(p.kind, DFU_PREFIX_NONE);
	assert_int_equal(p.size, 0);
	probe(buf, 109, &p);
	assert_int_equal(p.kind, DFU_PREFIX_NONE);
	probe(buf, 108, &p);
	assert_int_equal(p.kind, DFU_PREFIX_STELLARIS);
}

static void test_stellaris_needs_01_00_in_front(void **state)
{
	uint8_t buf[20];
	struct dfu_prefix_info p;

	(void)state;
	memset(buf, 0, sizeof(buf));
	assert_int_equal(dfu_prefix_stellaris_encode(0x2000, 12, buf, 8), 8);
	buf[1] = 0x01;
	probe(buf, sizeof(buf), &p);
	assert_int_equal(p.kind, DFU_PREFIX_NONE);
	buf[1] = 0x00;
	buf[0] = 0x02;
	probe(buf, sizeof(buf), &p);
	assert_int_equal(p.kind, DFU_PREFIX_NONE);
}

static void test_lpc_header_from_dfu_prefix_is_detected(void **state)
{
	uint8_t buf[16 + 100];
	struct dfu_prefix_info p;

	(void)state;
	memset(buf, 0x33, sizeof(buf));
	memcpy(buf, lpc_header, sizeof(lpc_header));
	probe(buf, sizeof(buf), &p);
	assert_int_equal(p.kind, DFU_PREFIX_LPC);
	assert_int_equal(p.size, 16);
	assert_int_equal(p.address, 0);
	assert_int_equal(p.payload_len, 512);
	probe(buf, 16, &p); /* the length field is not compared with the data */
	assert_int_equal(p.kind, DFU_PREFIX_LPC);
}

static void test_lpc_ignores_the_flag_bits_of_its_first_two_bytes(void **state)
{
	uint8_t buf[16];
	struct dfu_prefix_info p;
	unsigned hi0, hi1;

	(void)state;
	for (hi0 = 0; hi0 < 4; hi0++) {
		for (hi1 = 0; hi1 < 4; hi1++) {
			memcpy(buf, lpc_header, sizeof(buf));
			buf[0] = (uint8_t)(0x1A | hi0 << 6);
			buf[1] = (uint8_t)(0x3F | hi1 << 6);
			dfu_put_le16(buf + 2, 0xFFFF);
			probe(buf, sizeof(buf), &p);
			assert_int_equal(p.kind, DFU_PREFIX_LPC);
			assert_int_equal(p.payload_len, 0xFFFFu * 512u);
		}
	}
}

static void test_lpc_needs_its_markers_and_four_ff_bytes(void **state)
{
	uint8_t buf[16];
	struct dfu_prefix_info p;
	size_t i;

	(void)state;
	for (i = 12; i < 16; i++) {
		memcpy(buf, lpc_header, sizeof(buf));
		buf[i] = 0xFE;
		probe(buf, sizeof(buf), &p);
		assert_int_equal(p.kind, DFU_PREFIX_NONE);
	}
	memcpy(buf, lpc_header, sizeof(buf));
	buf[0] = 0x1B;
	probe(buf, sizeof(buf), &p);
	assert_int_equal(p.kind, DFU_PREFIX_NONE);
	memcpy(buf, lpc_header, sizeof(buf));
	buf[1] = 0x3E;
	probe(buf, sizeof(buf), &p);
	assert_int_equal(p.kind, DFU_PREFIX_NONE);
}

static void test_dfuse_image_is_claimed_by_its_signature(void **state)
{
	static const uint8_t v1[11] = {'D', 'f', 'u', 'S', 'e', 1, 0, 0, 0, 0, 0};
	static const uint8_t v2[11] = {'D', 'f', 'u', 'S', 'e', 2, 0, 0, 0, 0, 0};
	struct dfu_prefix_info p;

	(void)state;
	probe(v1, sizeof(v1), &p);
	assert_int_equal(p.kind, DFU_PREFIX_DFUSE);
	assert_int_equal(p.size, 0);
	/* A wrong version or a short header is dfuse_file_parse's to report;
	 * calling it raw firmware would hide the real problem. */
	probe(v2, sizeof(v2), &p);
	assert_int_equal(p.kind, DFU_PREFIX_DFUSE);
	probe(v1, 5, &p);
	assert_int_equal(p.kind, DFU_PREFIX_DFUSE);
	probe(v1, 4, &p);
	assert_int_equal(p.kind, DFU_PREFIX_NONE);
	probe((const uint8_t *)"DfuSf", 5, &p);
	assert_int_equal(p.kind, DFU_PREFIX_NONE);
}

static void test_plain_firmware_has_no_prefix(void **state)
{
	uint8_t buf[256];
	struct dfu_prefix_info p;
	size_t i;

	(void)state;
	/* A Cortex-M vector table: initial SP then reset vector. */
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 13);
	dfu_put_le32(buf, 0x20010000);
	dfu_put_le32(buf + 4, 0x08000199);
	probe(buf, sizeof(buf), &p);
	assert_int_equal(p.kind, DFU_PREFIX_NONE);
	assert_int_equal(p.size, 0);
	assert_int_equal(p.address, 0);
	assert_int_equal(p.payload_len, 0);
}

static void test_probe_of_every_short_length_never_reads_past_the_end(void **state)
{
	uint8_t stellaris[8 + 8], lpc[16];
	struct dfu_prefix_info p;
	size_t len;
	uint8_t *copy;

	(void)state;
	assert_int_equal(dfu_prefix_stellaris_encode(0x400, 8, stellaris, 8), 8);
	memset(stellaris + 8, 0, 8);
	memcpy(lpc, lpc_header, sizeof(lpc));
	for (len = 0; len <= 16; len++) {
		copy = malloc(len ? len : 1);
		assert_non_null(copy);
		memcpy(copy, stellaris, len);
		probe(copy, len, &p);
		assert_int_equal(p.kind, len == 16 ? DFU_PREFIX_STELLARIS : DFU_PREFIX_NONE);
		memcpy(copy, lpc, len);
		probe(copy, len, &p);
		assert_int_equal(p.kind, len == 16 ? DFU_PREFIX_LPC : DFU_PREFIX_NONE);
		free(copy);
	}
}

static void test_probe_tolerates_null_arguments(void **state)
{
	struct dfu_prefix_info p;

	(void)state;
	probe(NULL, 100, &p);
	assert_int_equal(p.kind, DFU_PREFIX_NONE);
	assert_int_equal(p.size, 0);
	dfu_prefix_probe(lpc_header, sizeof(lpc_header), NULL);
}

static void test_every_kind_has_a_name(void **state)
{
	(void)state;
	assert_string_equal(dfu_prefix_name(DFU_PREFIX_NONE), "none");
	assert_string_equal(dfu_prefix_name(DFU_PREFIX_DFUSE), "DfuSe");
	assert_string_equal(dfu_prefix_name(DFU_PREFIX_STELLARIS), "TI Stellaris");
	assert_string_equal(dfu_prefix_name(DFU_PREFIX_LPC), "NXP LPC");
	assert_string_equal(dfu_prefix_name((enum dfu_prefix_kind)42), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stellaris_prefix_is_encoded_like_dfu_prefix_writes_it),
		cmocka_unit_test(test_stellaris_encode_writes_kib_address_and_le_length),
		cmocka_unit_test(test_stellaris_encode_refuses_an_address_that_is_not_whole_kib),
		cmocka_unit_test(test_stellaris_encode_refuses_an_address_beyond_64_mib),
		cmocka_unit_test(test_stellaris_encode_into_seven_bytes_is_refused),
		cmocka_unit_test(test_stellaris_prefix_round_trips_through_the_probe),
		cmocka_unit_test(test_stellaris_is_not_detected_when_its_length_disagrees),
		cmocka_unit_test(test_stellaris_needs_01_00_in_front),
		cmocka_unit_test(test_lpc_header_from_dfu_prefix_is_detected),
		cmocka_unit_test(test_lpc_ignores_the_flag_bits_of_its_first_two_bytes),
		cmocka_unit_test(test_lpc_needs_its_markers_and_four_ff_bytes),
		cmocka_unit_test(test_dfuse_image_is_claimed_by_its_signature),
		cmocka_unit_test(test_plain_firmware_has_no_prefix),
		cmocka_unit_test(test_probe_of_every_short_length_never_reads_past_the_end),
		cmocka_unit_test(test_probe_tolerates_null_arguments),
		cmocka_unit_test(test_every_kind_has_a_name),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
