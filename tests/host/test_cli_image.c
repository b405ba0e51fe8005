/* test_cli_image.c - dfu-flash -D with files that carry their addresses,
 * on a fake transport that counts every call: what is refused is refused
 * from the file alone, before the transport is touched (exit 65, the file,
 * the line or offset, the problem), and the vector-table rule that decides
 * both the refusal and the diagnosis after leave (cortexm_vectors.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "host/cli.h"
#include "host/cortexm_vectors.h"
#include "cli_harness.h"

/* ---- a transport that records being used and has no device ---- */

static unsigned calls;

static int fake_enumerate(void *ctx, xport_enum_fn cb, void *cb_ctx)
{
	(void)ctx, (void)cb, (void)cb_ctx;
	calls++;
	return 0;
}
static int fake_open(void *ctx, const struct xport_dev_info *dev, struct xport_handle **h)
{
	(void)ctx, (void)dev, (void)h;
	calls++;
	return DFU_E_NODEV;
}
static void fake_close(void *ctx, struct xport_handle *h)
{
	(void)ctx, (void)h;
	calls++;
}
static int fake_control(void *ctx, struct xport_handle *h, const struct dfu_setup *s,
			const uint8_t *out, uint8_t *in, unsigned timeout_ms)
{
	(void)ctx, (void)h, (void)s, (void)out, (void)in, (void)timeout_ms;
	calls++;
	return DFU_E_NODEV;
}
static int fake_reset(void *ctx, struct xport_handle *h)
{
	(void)ctx, (void)h;
	calls++;
	return DFU_E_NODEV;
}
static void fake_sleep(void *ctx, uint32_t ms)
{
	(void)ctx, (void)ms;
}
static uint64_t fake_now(void *ctx)
{
	(void)ctx;
	return 0;
}
static const struct xport_ops fake_ops = {
	.name = "counting", .enumerate = fake_enumerate, .open = fake_open, .close = fake_close,
	.control = fake_control, .reset = fake_reset, .sleep_ms = fake_sleep, .now_us = fake_now,
};
static const struct xport fake = { &fake_ops, NULL };

static char out[16384], err[16384];

static int run_x(int dummy, ...)
{
	const struct cli_capture c = { out, err, sizeof(out), sizeof(err) };
	va_list ap;
	int rc;

	va_start(ap, dummy);
	calls = 0;
	rc = cli_run_args(&fake, &c, NULL, ap);
	va_end(ap);
	return rc;
}
#define run(...) run_x(0, __VA_ARGS__, NULL)

static char paths[16][256];
static unsigned npaths;

/* DFULAB_TEST_TMP/cli_image_<pid>_NAME holding `text`; removed after the test. */
static const char *file_with(const char *name, const char *text)
{
	char *p = paths[npaths++ % 16];

	snprintf(p, 256, "%s/cli_image_%d_%s", DFULAB_TEST_TMP, (int)getpid(), name);
	cli_write_file(p, text, strlen(text));
	return p;
}

static int remove_files(void **st)
{
	(void)st;
	for (unsigned i = 0; i < 16; i++)
		if (paths[i][0])
			unlink(paths[i]);
	memset(paths, 0, sizeof(paths));
	npaths = 0;
	return 0;
}

#define contains(hay, needle) \
	do { \
		if (!strstr((hay), (needle))) \
			fail_msg("\"%s\" lacks \"%s\"", (hay), (needle)); \
	} while (0)

/* :020000040800F2 then 16 bytes at 0x08000000 (SP 0x20008000, reset
 * 0x08000101) and EOF: a valid little image. */
static const char good_hex[] =
	":020000040800F2\n"
	":100000000080002001010008010100080101000832\n"
	":00000001FF\n";

/* ---- refused from the file alone ---- */

static void test_a_hex_file_named_bin_is_refused_before_any_usb_request(void **st)
{
	const char *f = file_with("renamed.bin", good_hex);
	(void)st;
	assert_int_equal(run("-a", "0", "-s", "0x08000000:leave", "-D", f), CLI_EXIT_DATAERR);
	contains(err, f);
	contains(err, "its name says raw binary (.bin) but it is Intel HEX text");
	contains(err, "0x3032303A"); /* ":020" as the stack pointer it would become */
	contains(err, "give it its own extension (.hex or .s19)");
	assert_int_equal(calls, 0);
}

static void test_a_bad_checksum_names_the_file_and_the_line(void **st)
{
	const char *f = file_with("bad.hex", ":020000040800F2\n"
					     ":100000000080002001010008010100080101000833\n"
					     ":00000001FF\n");
	(void)st;
	assert_int_equal(run("-a", "0", "-D", f), CLI_EXIT_DATAERR);
	contains(err, f);
	contains(err, "line 2: checksum is 0x33, expected 0x32");
	contains(err, "byte offset 57"); /* its checksum byte */
	contains(err, "nothing was written");
	assert_int_equal(calls, 0);
}

static void test_an_srec_named_hex_is_a_mismatch_naming_both(void **st)
{
	const char *f = file_with("wrong.hex", "S1130000000000000000000000000000000000ECFC\nS9030000FC\n");
	(void)st;
	assert_int_equal(run("-a", "0", "-D", f), CLI_EXIT_DATAERR);
	contains(err, "its name says Intel HEX (.hex) but its content is S-record");
	assert_int_equal(calls, 0);
}

static void test_a_hex_name_on_raw_content_is_a_mismatch(void **st)
{
	const char *f = file_with("raw.hex", "\x01\x02\x03\x04 binary");
	(void)st;
	assert_int_equal(run("-a", "0", "-s", "0x08000000", "-D", f), CLI_EXIT_DATAERR);
	contains(err, "its content is a raw binary (no record on its first line)");
	assert_int_equal(calls, 0);
}

static void test_an_elf_file_is_refused_with_the_objcopy_command(void **st)
{
	const char *f = file_with("app.elf", "\x7F" "ELF\x01\x01\x01");
	(void)st;
	assert_int_equal(run("-a", "0", "-D", f), CLI_EXIT_DATAERR);
	contains(err, "is an ELF executable, which dfu-flash does not load yet");
	contains(err, "arm-none-eabi-objcopy -O ihex");
	assert_int_equal(calls, 0);
}

static void test_an_address_in_s_that_disagrees_with_the_file_is_refused_naming_both(void **st)
{
	const char *f = file_with("good.hex", good_hex);
	(void)st;
	assert_int_equal(run("-a", "0", "-s", "0x08004000:leave", "-D", f), CLI_EXIT_USAGE);
	contains(err, "starts at 0x08000000, but -s says 0x08004000");
	assert_int_equal(run("-a", "0", "-s", "0x08000000:will-reset", "-D", f), CLI_EXIT_USAGE);
	contains(err, ":will-reset");
	assert_int_equal(calls, 0);
}

static void test_a_file_with_no_data_records_is_refused(void **st)
{
	const char *f = file_with("empty.hex", ":00000001FF\n");
	(void)st;
	assert_int_equal(run("-a", "0", "-D", f), CLI_EXIT_DATAERR);
	contains(err, "holds no data records");
	assert_int_equal(calls, 0);
}

static void test_a_good_file_reaches_the_transport(void **st)
{
	const char *f = file_with("good.hex", good_hex);
	(void)st;
	assert_int_equal(run("-a", "0", "-s", "0x08000000:leave", "-D", f), CLI_EXIT_IOERR);
	assert_true(calls > 0);
	assert_null(strstr(err, f));
}

static void test_force_image_is_a_new_option_that_does_not_shadow_fix_empty_check(void **st)
{
	struct cli_opts o;
	char *argv[] = { "dfu-flash", "--force-image", "--fi", "-D", "x.hex", NULL };
	char msg[256];
	(void)st;
	cli_opts_default(&o);
	assert_int_equal(cli_parse(&o, 5, argv, NULL, msg, sizeof(msg)), 0);
	assert_true(o.force_image);
	assert_true(o.fix_empty_check); /* --fi still abbreviates --fix-empty-check */
	char *amb[] = { "dfu-flash", "--f", "-D", "x.hex", NULL };
	cli_opts_default(&o);
	assert_int_equal(cli_parse(&o, 4, amb, NULL, msg, sizeof(msg)), CLI_EXIT_USAGE);
	contains(msg, "--force-image");
}

/* ---- the vector-table rule ---- */

static void test_vectors_of_a_real_l412_image_are_plausible(void **st)
{
	char why[200] = "x";
	(void)st;
	assert_true(host_cm_vectors_plausible(0x20008000, 0x08000101, 0x08000000, 0x0801FFFF, why,
					      sizeof(why)));
	assert_string_equal(why, "");
	/* the top of the conservative SRAM range is a valid initial SP */
	assert_true(host_cm_vectors_plausible(0x30000000, 0x0801FFFF, 0x08000000, 0x0801FFFF,
					      NULL, 0));
}

static void test_hex_text_as_a_stack_pointer_is_outside_sram(void **st)
{
	char why[200];
	(void)st;
	assert_false(host_cm_vectors_plausible(0x3032303A, 0x08000101, 0x08000000, 0x0801FFFF,
					       why, sizeof(why)));
	contains(why, "initial stack pointer 0x3032303A is outside SRAM (0x20000000-0x2FFFFFFF)");
	assert_false(host_cm_vectors_plausible(0x20000000, 0x08000101, 0x08000000, 0x0801FFFF,
					       why, sizeof(why)));
	assert_false(host_cm_vectors_plausible(0x30000004, 0x08000101, 0x08000000, 0x0801FFFF,
					       why, sizeof(why)));
}

static void test_an_even_or_out_of_flash_reset_vector_is_not_plausible(void **st)
{
	char why[200];
	(void)st;
	assert_false(host_cm_vectors_plausible(0x20008000, 0x08000100, 0x08000000, 0x0801FFFF,
					       why, sizeof(why)));
	contains(why, "reset vector 0x08000100 is even");
	assert_false(host_cm_vectors_plausible(0x20008000, 0x08020001, 0x08000000, 0x0801FFFF,
					       why, sizeof(why)));
	contains(why, "reset vector 0x08020001 is outside main flash (0x08000000-0x0801FFFF)");
	assert_false(host_cm_vectors_plausible(0x20008000, 0xFFFFFFFF, 0x08000000, 0x0801FFFF,
					       NULL, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_hex_file_named_bin_is_refused_before_any_usb_request),
		cmocka_unit_test(test_a_bad_checksum_names_the_file_and_the_line),
		cmocka_unit_test(test_an_srec_named_hex_is_a_mismatch_naming_both),
		cmocka_unit_test(test_a_hex_name_on_raw_content_is_a_mismatch),
		cmocka_unit_test(test_an_elf_file_is_refused_with_the_objcopy_command),
		cmocka_unit_test(test_an_address_in_s_that_disagrees_with_the_file_is_refused_naming_both),
		cmocka_unit_test(test_a_file_with_no_data_records_is_refused),
		cmocka_unit_test(test_a_good_file_reaches_the_transport),
		cmocka_unit_test(test_force_image_is_a_new_option_that_does_not_shadow_fix_empty_check),
		cmocka_unit_test(test_vectors_of_a_real_l412_image_are_plausible),
		cmocka_unit_test(test_hex_text_as_a_stack_pointer_is_outside_sram),
		cmocka_unit_test(test_an_even_or_out_of_flash_reset_vector_is_not_plausible),
	};
	return cmocka_run_group_tests(tests, NULL, remove_files);
}
