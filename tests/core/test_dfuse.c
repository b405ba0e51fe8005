/* test_dfuse.c - DfuSe command, Get Commands and block-address codecs.
 *
 * Expected bytes come from AN3156 §5 ([model-dfuse]) and from the requests
 * dfu-util 0.11 sends ([dfu-util-0.11], request sequences). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dfu/dfuse.h"

static void assert_encodes(struct dfuse_cmd c, const uint8_t *want, size_t want_len)
{
	uint8_t out[DFUSE_CMD_MAX_SIZE + 3];

	memset(out, 0xAA, sizeof(out));
	assert_int_equal(dfuse_cmd_encode(&c, out, sizeof(out)), (int)want_len);
	assert_memory_equal(out, want, want_len);
	assert_int_equal(out[want_len], 0xAA); /* nothing written past the command */
}

static void test_set_address_encodes_opcode_and_little_endian_address(void **state)
{
	static const uint8_t want[] = {0x21, 0x00, 0x00, 0x00, 0x08};
	(void)state;
	assert_encodes((struct dfuse_cmd){DFUSE_SET_ADDRESS, 0x08000000}, want, sizeof(want));
}

static void test_erase_page_encodes_opcode_and_page_address(void **state)
{
	static const uint8_t want[] = {0x41, 0x00, 0x08, 0x00, 0x08};
	(void)state;
	assert_encodes((struct dfuse_cmd){DFUSE_ERASE_PAGE, 0x08000800}, want, sizeof(want));
}

static void test_mass_erase_is_the_erase_opcode_alone(void **state)
{
	static const uint8_t want[] = {0x41};
	(void)state;
	assert_encodes((struct dfuse_cmd){DFUSE_MASS_ERASE, 0x12345678}, want, sizeof(want));
}

static void test_read_unprotect_is_one_byte(void **state)
{
	static const uint8_t want[] = {0x92};
	(void)state;
	assert_encodes((struct dfuse_cmd){DFUSE_READ_UNPROTECT, 0}, want, sizeof(want));
}

static void test_encode_refuses_a_buffer_one_byte_too_small(void **state)
{
	struct dfuse_cmd set = {DFUSE_SET_ADDRESS, 0x08000000};
	struct dfuse_cmd mass = {DFUSE_MASS_ERASE, 0};
	uint8_t out[DFUSE_CMD_MAX_SIZE];
	(void)state;
	assert_int_equal(dfuse_cmd_encode(&set, out, 4), DFU_E_NOSPACE);
	assert_int_equal(dfuse_cmd_encode(&set, out, 5), 5);
	assert_int_equal(dfuse_cmd_encode(&mass, out, 0), DFU_E_NOSPACE);
}

static void test_encode_refuses_an_unknown_kind_and_null_arguments(void **state)
{
	struct dfuse_cmd bad = {(enum dfuse_cmd_kind)42, 0};
	struct dfuse_cmd ok = {DFUSE_MASS_ERASE, 0};
	uint8_t out[DFUSE_CMD_MAX_SIZE];
	(void)state;
	assert_int_equal(dfuse_cmd_encode(&bad, out, sizeof(out)), DFU_E_INVAL);
	assert_int_equal(dfuse_cmd_encode(NULL, out, sizeof(out)), DFU_E_INVAL);
	assert_int_equal(dfuse_cmd_encode(&ok, NULL, sizeof(out)), DFU_E_INVAL);
}

static void test_set_address_decodes_its_address(void **state)
{
	static const uint8_t in[] = {0x21, 0x00, 0x78, 0xFF, 0x1F};
	struct dfuse_cmd c;
	struct dfu_diag d;
	(void)state;
	assert_int_equal(dfuse_cmd_decode(in, sizeof(in), &c, &d), 0);
	assert_int_equal(c.kind, DFUSE_SET_ADDRESS);
	assert_int_equal(c.address, 0x1FFF7800);
}

static void test_five_byte_erase_decodes_as_page_erase(void **state)
{
	static const uint8_t in[] = {0x41, 0x00, 0xF8, 0x01, 0x08};
	struct dfuse_cmd c;
	(void)state;
	assert_int_equal(dfuse_cmd_decode(in, sizeof(in), &c, NULL), 0);
	assert_int_equal(c.kind, DFUSE_ERASE_PAGE);
	assert_int_equal(c.address, 0x0801F800);
}

static void test_one_byte_erase_decodes_as_mass_erase(void **state)
{
	static const uint8_t in[] = {0x41};
	struct dfuse_cmd c = {DFUSE_SET_ADDRESS, 0xDEADBEEF};
	(void)state;
	assert_int_equal(dfuse_cmd_decode(in, sizeof(in), &c, NULL), 0);
	assert_int_equal(c.kind, DFUSE_MASS_ERASE);
	assert_int_equal(c.address, 0);
}

static void test_read_unprotect_decodes(void **state)
{
	static const uint8_t in[] = {0x92};
	struct dfuse_cmd c;
	(void)state;
	assert_int_equal(dfuse_cmd_decode(in, sizeof(in), &c, NULL), 0);
	assert_int_equal(c.kind, DFUSE_READ_UNPROTECT);
}

static void test_every_command_survives_encode_then_decode(void **state)
{
	static const struct dfuse_cmd cmds[] = {
		{DFUSE_SET_ADDRESS, 0},
		{DFUSE_SET_ADDRESS, 0xFFFFFFFF},
		{DFUSE_ERASE_PAGE, 0x08000000},
		{DFUSE_MASS_ERASE, 0},
		{DFUSE_READ_UNPROTECT, 0},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		uint8_t buf[DFUSE_CMD_MAX_SIZE];
		struct dfuse_cmd back;
		int n = dfuse_cmd_encode(&cmds[i], buf, sizeof(buf));
		assert_true(n > 0);
		assert_int_equal(dfuse_cmd_decode(buf, (size_t)n, &back, NULL), 0);
		assert_int_equal(back.kind, cmds[i].kind);
		assert_int_equal(back.address, cmds[i].address);
	}
}

static void test_empty_command_payload_is_truncated(void **state)
{
	uint8_t none[1] = {0x21};
	struct dfuse_cmd c;
	struct dfu_diag d;
	(void)state;
	assert_int_equal(dfuse_cmd_decode(none, 0, &c, &d), DFU_E_TRUNCATED);
	assert_int_equal(d.offset, 0);
	assert_non_null(strstr(d.msg, "empty"));
	assert_int_equal(dfuse_cmd_decode(NULL, 0, &c, &d), DFU_E_TRUNCATED);
}

static void test_decode_refuses_null_arguments(void **state)
{
	static const uint8_t in[] = {0x41};
	struct dfuse_cmd c;
	(void)state;
	assert_int_equal(dfuse_cmd_decode(NULL, 1, &c, NULL), DFU_E_INVAL);
	assert_int_equal(dfuse_cmd_decode(in, 1, NULL, NULL), DFU_E_INVAL);
}

static void test_unknown_opcode_is_a_format_error_naming_it(void **state)
{
	static const uint8_t get[] = {0x00};
	static const uint8_t junk[] = {0x33, 1, 2, 3, 4};
	struct dfuse_cmd c;
	struct dfu_diag d;
	(void)state;
	assert_int_equal(dfuse_cmd_decode(junk, sizeof(junk), &c, &d), DFU_E_FORMAT);
	assert_int_equal(d.offset, 0);
	assert_non_null(strstr(d.msg, "0x33"));
	/* Get Commands is an UPLOAD, never a DNLOAD command. */
	assert_int_equal(dfuse_cmd_decode(get, sizeof(get), &c, &d), DFU_E_FORMAT);
	assert_non_null(strstr(d.msg, "0x00"));
}

static void test_set_address_with_four_bytes_is_refused_at_its_end(void **state)
{
	static const uint8_t in[] = {0x21, 0x00, 0x00, 0x08};
	struct dfuse_cmd c;
	struct dfu_diag d;
	(void)state;
	assert_int_equal(dfuse_cmd_decode(in, sizeof(in), &c, &d), DFU_E_FORMAT);
	assert_int_equal(d.offset, 4);
	assert_non_null(strstr(d.msg, "0x21 with 4 bytes"));
}

static void test_set_address_alone_or_with_six_bytes_is_refused(void **state)
{
	static const uint8_t one[] = {0x21};
	static const uint8_t six[] = {0x21, 0, 0, 0, 8, 0};
	struct dfuse_cmd c;
	struct dfu_diag d;
	(void)state;
	assert_int_equal(dfuse_cmd_decode(one, sizeof(one), &c, &d), DFU_E_FORMAT);
	assert_int_equal(d.offset, 1);
	assert_int_equal(dfuse_cmd_decode(six, sizeof(six), &c, &d), DFU_E_FORMAT);
	assert_int_equal(d.offset, 5);
}

static void test_erase_with_three_bytes_is_neither_page_nor_mass_erase(void **state)
{
	static const uint8_t in[] = {0x41, 0x00, 0x08};
	static const uint8_t six[] = {0x41, 0, 0, 0, 8, 0};
	struct dfuse_cmd c;
	struct dfu_diag d;
	(void)state;
	assert_int_equal(dfuse_cmd_decode(in, sizeof(in), &c, &d), DFU_E_FORMAT);
	assert_int_equal(d.offset, 3);
	assert_non_null(strstr(d.msg, "mass erase"));
	assert_int_equal(dfuse_cmd_decode(six, sizeof(six), &c, &d), DFU_E_FORMAT);
	assert_int_equal(d.offset, 5);
}

static void test_read_unprotect_with_two_bytes_is_refused_at_the_extra_byte(void **state)
{
	static const uint8_t in[] = {0x92, 0x00};
	struct dfuse_cmd c;
	struct dfu_diag d;
	(void)state;
	assert_int_equal(dfuse_cmd_decode(in, sizeof(in), &c, &d), DFU_E_FORMAT);
	assert_int_equal(d.offset, 1);
	assert_non_null(strstr(d.msg, "0x92 with 2 bytes"));
}

static void test_command_names_match_dfu_util_wording(void **state)
{
	(void)state;
	assert_string_equal(dfuse_cmd_name(DFUSE_SET_ADDRESS), "SET_ADDRESS");
	assert_string_equal(dfuse_cmd_name(DFUSE_ERASE_PAGE), "ERASE_PAGE");
	assert_string_equal(dfuse_cmd_name(DFUSE_MASS_ERASE), "MASS_ERASE");
	assert_string_equal(dfuse_cmd_name(DFUSE_READ_UNPROTECT), "READ_UNPROTECT");
	assert_string_equal(dfuse_cmd_name((enum dfuse_cmd_kind)99), "UNKNOWN");
}

static void test_get_commands_reply_of_an_l4_rom_is_00_21_41_92(void **state)
{
	static const uint8_t want[] = {0x00, 0x21, 0x41, 0x92};
	uint8_t out[8];
	unsigned mask = 0;
	(void)state;
	assert_int_equal(dfuse_get_commands_encode(DFUSE_HAS_SET_ADDRESS | DFUSE_HAS_ERASE |
							   DFUSE_HAS_READ_UNPROTECT,
						   out, sizeof(out)),
			 4);
	assert_memory_equal(out, want, sizeof(want));
	assert_int_equal(dfuse_get_commands_decode(want, sizeof(want), &mask, NULL), 0);
	assert_int_equal(mask, DFUSE_HAS_SET_ADDRESS | DFUSE_HAS_ERASE | DFUSE_HAS_READ_UNPROTECT);
}

static void test_get_commands_round_trips_every_mask(void **state)
{
	(void)state;
	for (unsigned m = 0; m < 8; m++) {
		uint8_t out[4];
		unsigned back = 99;
		int n = dfuse_get_commands_encode(m, out, sizeof(out));
		assert_int_equal(n, 1 + __builtin_popcount(m));
		assert_int_equal(out[0], 0x00);
		assert_int_equal(dfuse_get_commands_decode(out, (size_t)n, &back, NULL), 0);
		assert_int_equal(back, m);
	}
}

static void test_get_commands_without_read_unprotect_like_an_h5(void **state)
{
	static const uint8_t in[] = {0x00, 0x21, 0x41};
	unsigned mask;
	(void)state;
	assert_int_equal(dfuse_get_commands_decode(in, sizeof(in), &mask, NULL), 0);
	assert_int_equal(mask, DFUSE_HAS_SET_ADDRESS | DFUSE_HAS_ERASE);
}

static void test_get_commands_encode_refuses_unknown_bits_and_small_buffers(void **state)
{
	uint8_t out[4];
	(void)state;
	assert_int_equal(dfuse_get_commands_encode(0x8, out, sizeof(out)), DFU_E_INVAL);
	assert_int_equal(dfuse_get_commands_encode(0x7, NULL, 4), DFU_E_INVAL);
	assert_int_equal(dfuse_get_commands_encode(0x7, out, 3), DFU_E_NOSPACE);
	assert_int_equal(dfuse_get_commands_encode(0, out, 0), DFU_E_NOSPACE);
	assert_int_equal(dfuse_get_commands_encode(0, out, 1), 1);
}

static void test_get_commands_reply_ignores_opcodes_it_does_not_know(void **state)
{
	static const uint8_t in[] = {0x00, 0x21, 0x55, 0x41};
	unsigned mask;
	(void)state;
	assert_int_equal(dfuse_get_commands_decode(in, sizeof(in), &mask, NULL), 0);
	assert_int_equal(mask, DFUSE_HAS_SET_ADDRESS | DFUSE_HAS_ERASE);
}

static void test_empty_get_commands_reply_is_truncated(void **state)
{
	uint8_t in[1] = {0};
	unsigned mask;
	struct dfu_diag d;
	(void)state;
	assert_int_equal(dfuse_get_commands_decode(in, 0, &mask, &d), DFU_E_TRUNCATED);
	assert_int_equal(d.offset, 0);
}

static void test_get_commands_reply_must_start_with_00(void **state)
{
	static const uint8_t in[] = {0x21, 0x41, 0x92};
	unsigned mask;
	struct dfu_diag d;
	(void)state;
	assert_int_equal(dfuse_get_commands_decode(in, sizeof(in), &mask, &d), DFU_E_FORMAT);
	assert_int_equal(d.offset, 0);
	assert_non_null(strstr(d.msg, "0x21"));
}

static void test_get_commands_reply_listing_an_opcode_twice_is_malformed(void **state)
{
	static const uint8_t twice[] = {0x00, 0x21, 0x41, 0x21};
	static const uint8_t padded[] = {0x00, 0x21, 0x41, 0x92, 0x00, 0x00};
	unsigned mask = 77;
	struct dfu_diag d;
	(void)state;
	assert_int_equal(dfuse_get_commands_decode(twice, sizeof(twice), &mask, &d), DFU_E_FORMAT);
	assert_int_equal(d.offset, 3);
	assert_non_null(strstr(d.msg, "0x21 twice"));
	assert_int_equal(mask, 77); /* untouched on failure */
	assert_int_equal(dfuse_get_commands_decode(padded, sizeof(padded), &mask, &d),
			 DFU_E_FORMAT);
	assert_int_equal(d.offset, 4);
}

static void test_get_commands_decode_refuses_null_arguments(void **state)
{
	static const uint8_t in[] = {0x00};
	unsigned mask;
	(void)state;
	assert_int_equal(dfuse_get_commands_decode(NULL, 1, &mask, NULL), DFU_E_INVAL);
	assert_int_equal(dfuse_get_commands_decode(in, 1, NULL, NULL), DFU_E_INVAL);
}

static void test_block_two_is_the_address_pointer(void **state)
{
	uint32_t a = 0;
	(void)state;
	assert_int_equal(dfuse_block_address(0x08000000, 2, 2048, &a), 0);
	assert_int_equal(a, 0x08000000);
}

static void test_each_later_block_adds_one_transfer_size(void **state)
{
	uint32_t a = 0;
	(void)state;
	assert_int_equal(dfuse_block_address(0x08000000, 3, 2048, &a), 0);
	assert_int_equal(a, 0x08000800);
	assert_int_equal(dfuse_block_address(0x08000000, 65535, 2048, &a), 0);
	assert_int_equal(a, 0x08000000 + 65533u * 2048u);
}

static void test_blocks_zero_and_one_have_no_data_address(void **state)
{
	uint32_t a = 0x5A5A5A5A;
	(void)state;
	assert_int_equal(dfuse_block_address(0x08000000, 0, 2048, &a), DFU_E_INVAL);
	assert_int_equal(dfuse_block_address(0x08000000, 1, 2048, &a), DFU_E_INVAL);
	assert_int_equal(a, 0x5A5A5A5A);
	assert_int_equal(dfuse_block_address(0x08000000, 2, 2048, NULL), DFU_E_INVAL);
}

static void test_block_address_reaching_the_top_of_memory_is_fine(void **state)
{
	uint32_t a = 0;
	(void)state;
	assert_int_equal(dfuse_block_address(0xFFFFF800, 2, 2048, &a), 0);
	assert_int_equal(a, 0xFFFFF800);
	assert_int_equal(dfuse_block_address(0xFFFFF000, 3, 2048, &a), 0);
	assert_int_equal(a, 0xFFFFF800);
}

static void test_block_address_wrapping_past_32_bits_overflows(void **state)
{
	uint32_t a = 0x5A5A5A5A;
	(void)state;
	assert_int_equal(dfuse_block_address(0xFFFFF800, 3, 2048, &a), DFU_E_OVERFLOW);
	assert_int_equal(dfuse_block_address(0x08000000, 65535, 0xFFFFFFFF, &a), DFU_E_OVERFLOW);
	assert_int_equal(a, 0x5A5A5A5A);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_set_address_encodes_opcode_and_little_endian_address),
		cmocka_unit_test(test_erase_page_encodes_opcode_and_page_address),
		cmocka_unit_test(test_mass_erase_is_the_erase_opcode_alone),
		cmocka_unit_test(test_read_unprotect_is_one_byte),
		cmocka_unit_test(test_encode_refuses_a_buffer_one_byte_too_small),
		cmocka_unit_test(test_encode_refuses_an_unknown_kind_and_null_arguments),
		cmocka_unit_test(test_set_address_decodes_its_address),
		cmocka_unit_test(test_five_byte_erase_decodes_as_page_erase),
		cmocka_unit_test(test_one_byte_erase_decodes_as_mass_erase),
		cmocka_unit_test(test_read_unprotect_decodes),
		cmocka_unit_test(test_every_command_survives_encode_then_decode),
		cmocka_unit_test(test_empty_command_payload_is_truncated),
		cmocka_unit_test(test_decode_refuses_null_arguments),
		cmocka_unit_test(test_unknown_opcode_is_a_format_error_naming_it),
		cmocka_unit_test(test_set_address_with_four_bytes_is_refused_at_its_end),
		cmocka_unit_test(test_set_address_alone_or_with_six_bytes_is_refused),
		cmocka_unit_test(test_erase_with_three_bytes_is_neither_page_nor_mass_erase),
		cmocka_unit_test(test_read_unprotect_with_two_bytes_is_refused_at_the_extra_byte),
		cmocka_unit_test(test_command_names_match_dfu_util_wording),
		cmocka_unit_test(test_get_commands_reply_of_an_l4_rom_is_00_21_41_92),
		cmocka_unit_test(test_get_commands_round_trips_every_mask),
		cmocka_unit_test(test_get_commands_without_read_unprotect_like_an_h5),
		cmocka_unit_test(test_get_commands_encode_refuses_unknown_bits_and_small_buffers),
		cmocka_unit_test(test_get_commands_reply_ignores_opcodes_it_does_not_know),
		cmocka_unit_test(test_empty_get_commands_reply_is_truncated),
		cmocka_unit_test(test_get_commands_reply_must_start_with_00),
		cmocka_unit_test(test_get_commands_reply_listing_an_opcode_twice_is_malformed),
		cmocka_unit_test(test_get_commands_decode_refuses_null_arguments),
		cmocka_unit_test(test_block_two_is_the_address_pointer),
		cmocka_unit_test(test_each_later_block_adds_one_transfer_size),
		cmocka_unit_test(test_blocks_zero_and_one_have_no_data_address),
		cmocka_unit_test(test_block_address_reaching_the_top_of_memory_is_fine),
		cmocka_unit_test(test_block_address_wrapping_past_32_bits_overflows),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
