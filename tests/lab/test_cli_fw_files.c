/* test_cli_fw_files.c - dfu-flash -D with Intel HEX and S-record files on
 * the lab's emulated STM32L412 boards, in-process: the tool-made files of
 * tests/data/firmware (arm-none-eabi-objcopy's and srec_cat's) flash to the
 * same bytes as the .bin, only the pages the ranges touch are erased, a HEX
 * file named .bin is never written, a range outside the flash and an
 * implausible vector table are refused before anything is written (the
 * latter written under --force-image), the diagnosis after leave says
 * "intact" only of a plausible image, and a plain DFU device refuses
 * addresses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "host/cli.h"
#include "cli_harness.h"
#include "lab_fixture.h"

#define FLASH_BASE 0x08000000u
#define PAGE 2048u
#define OUT_MAX (64 * 1024)

struct fx {
	struct lab_fx lab;
	char out[OUT_MAX], err[OUT_MAX];
	char path[256];
};

static struct fx *fx_new(const struct lab_fx_opts *o)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	lab_fx_init(&f->lab, o);
	return f;
}

static struct fx *fx_board(void)
{
	const struct lab_fx_opts o = { .boards = 1 };
	return fx_new(&o);
}

static void fx_free(struct fx *f)
{
	lab_fx_fini(&f->lab);
	if (f->path[0])
		unlink(f->path);
	free(f);
}

static int run_x(struct fx *f, ...)
{
	const struct cli_capture c = { f->out, f->err, sizeof(f->out), sizeof(f->err) };
	va_list ap;
	int rc;

	va_start(ap, f);
	rc = cli_run_args(&f->lab.x, &c, NULL, ap);
	va_end(ap);
	return rc;
}
#define run(f, ...) run_x((f), __VA_ARGS__, NULL)

#define contains(hay, needle) \
	do { \
		if (!strstr((hay), (needle))) \
			fail_msg("\"%s\" lacks \"%s\"", (hay), (needle)); \
	} while (0)

static const uint8_t *flash(const struct fx *f)
{
	return f->lab.b[0].chip.flash;
}

static bool erased(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != 0xFF)
			return false;
	return true;
}

/* ---- hand-made Intel HEX ---- */

static size_t hex_record(char *out, uint8_t type, uint16_t addr, const uint8_t *d, size_t n)
{
	uint8_t sum = (uint8_t)(n + (addr >> 8) + (addr & 0xFF) + type);
	size_t len = (size_t)sprintf(out, ":%02X%04X%02X", (unsigned)n, addr, type);

	for (size_t i = 0; i < n; i++) {
		len += (size_t)sprintf(out + len, "%02X", d[i]);
		sum = (uint8_t)(sum + d[i]);
	}
	return len + (size_t)sprintf(out + len, "%02X\n", (uint8_t)-sum);
}

/* `n` bytes at `addr` (one 64 KiB segment) as a HEX file at f->path. */
static const char *hex_file(struct fx *f, const char *name, uint32_t addr, const uint8_t *d,
			    size_t n)
{
	char *text = malloc(64 + n * 3 + (n / 16 + 2) * 16);
	uint8_t upper[2] = { (uint8_t)(addr >> 24), (uint8_t)(addr >> 16) };
	size_t len;

	assert_non_null(text);
	len = hex_record(text, 4, 0, upper, 2);
	for (size_t off = 0; off < n; off += 16)
		len += hex_record(text + len, 0, (uint16_t)(addr + off),
				  d + off, n - off < 16 ? n - off : 16);
	len += hex_record(text + len, 1, 0, NULL, 0);
	if (f->path[0])
		unlink(f->path); /* the fixture keeps one file at a time */
	snprintf(f->path, sizeof(f->path), "%s/fwfiles_%d_%s", DFULAB_TEST_TMP, (int)getpid(),
		 name);
	cli_write_file(f->path, text, len);
	free(text);
	return f->path;
}

/* A vector table: SP, then the reset vector and 6 more handlers. */
static void vectors(uint8_t *d, uint32_t sp, uint32_t reset)
{
	for (unsigned i = 0; i < 8; i++) {
		uint32_t w = i == 0 ? sp : reset;
		for (unsigned b = 0; b < 4; b++)
			d[4 * i + b] = (uint8_t)(w >> (8 * b));
	}
}

/* ---- the tool-made files ---- */

#ifdef DFULAB_FW_FILES
static size_t read_bin(uint8_t *buf, size_t cap)
{
	return cli_read_file(DFULAB_FW_FILES ".bin", buf, cap);
}

/* Flash `suffix` (".hex", "-srec_cat.s19" ...) on a fresh board: every byte
 * is the .bin's, except the gap objcopy's .bin fills with zeros, which a
 * file that does not place it leaves erased; nothing past the .bin's page. */
static void flash_tool_file(const char *suffix, const char *ranges_said)
{
	struct fx *f = fx_board();
	char path[256];
	uint8_t bin[4096];
	size_t n = read_bin(bin, sizeof(bin)), gap = 0;

	snprintf(path, sizeof(path), "%s%s", DFULAB_FW_FILES, suffix);
	assert_int_equal(run(f, "-a", "0", "-D", path), 0);
	contains(f->err, ranges_said);
	contains(f->err, "verified by read-back");
	for (size_t i = 0; i < n; i++) {
		if (flash(f)[i] == bin[i])
			continue;
		if (bin[i] != 0x00 || flash(f)[i] != 0xFF)
			fail_msg("%s: flash byte 0x%08zX is 0x%02X, the .bin has 0x%02X", suffix,
				 FLASH_BASE + i, flash(f)[i], bin[i]);
		gap++;
	}
	if (strstr(suffix, "srec_cat"))
		assert_int_equal(gap, 0); /* srec_cat's files place the .bin whole */
	assert_true(erased(flash(f) + n, PAGE - n));
	fx_free(f);
}
#endif

static void test_tool_made_hex_and_srec_flash_the_bytes_of_the_bin(void **st)
{
	(void)st;
#ifdef DFULAB_FW_FILES
	flash_tool_file(".hex", "wrote 2 ranges, ");
	flash_tool_file(".s19", "wrote 2 ranges, ");
	flash_tool_file("-srec_cat.hex", "wrote 1 range, 528 bytes: 0x08000000-0x0800020F");
	flash_tool_file("-srec_cat.s19", "wrote 1 range, 528 bytes: 0x08000000-0x0800020F");
#else
	skip();
#endif
}

static void test_the_bin_still_flashes_as_raw_bytes(void **st)
{
	(void)st;
#ifdef DFULAB_FW_FILES
	struct fx *f = fx_board();
	uint8_t bin[4096];
	size_t n = read_bin(bin, sizeof(bin));

	assert_int_equal(run(f, "-a", "0", "-s", "0x08000000", "-D", DFULAB_FW_FILES ".bin"), 0);
	contains(f->err, "wrote 528 bytes at 0x08000000, verified by read-back");
	assert_memory_equal(flash(f), bin, n);
	fx_free(f);
#else
	skip();
#endif
}

static void test_a_plausible_image_after_leave_is_called_intact(void **st)
{
	(void)st;
#ifdef DFULAB_FW_FILES
	struct fx *f = fx_board();

	assert_int_equal(run(f, "-a", "0", "-s", ":leave", "-D", DFULAB_FW_FILES ".hex"),
			 CLI_EXIT_NOT_RUNNING);
	contains(f->err, "flashed but not running");
	contains(f->err, "the new firmware is intact (verified by read-back)");
	fx_free(f);
#else
	skip();
#endif
}

static void test_a_hex_file_renamed_bin_is_never_written(void **st)
{
	(void)st;
#ifdef DFULAB_FW_FILES
	struct fx *f = fx_board();
	uint8_t text[8192];
	size_t n = cli_read_file(DFULAB_FW_FILES ".hex", text, sizeof(text));

	snprintf(f->path, sizeof(f->path), "%s/fwfiles_%d_renamed.bin", DFULAB_TEST_TMP,
		 (int)getpid());
	cli_write_file(f->path, text, n);
	assert_int_equal(run(f, "-a", "0", "-s", "0x08000000:leave", "-D", f->path),
			 CLI_EXIT_DATAERR);
	contains(f->err, "but it is Intel HEX text, not raw firmware");
	assert_true(erased(flash(f), PAGE));
	fx_free(f);
#else
	skip();
#endif
}

/* ---- hand-made files ---- */

static void test_only_the_pages_the_ranges_touch_are_erased(void **st)
{
	static uint8_t before[3 * PAGE];
	struct lab_fx_opts o = { .boards = 1, .flash = before, .flash_len = sizeof(before) };
	uint8_t d[64];
	struct fx *f;
	(void)st;

	/* page 0 erased, so the chip boots its ROM; pages 1 and 2 hold data */
	memset(before, 0xFF, PAGE);
	memset(before + PAGE, 0x5A, 2 * PAGE);
	f = fx_new(&o);
	memset(d, 0xC3, sizeof(d));
	/* one range in the middle page, not at the start of flash */
	hex_file(f, "mid.hex", FLASH_BASE + PAGE + 0x100, d, sizeof(d));
	if (run(f, "-a", "0", "-D", f->path) != 0)
		fail_msg("%s", f->err);
	contains(f->err, "wrote 1 range, 64 bytes: 0x08000900-0x0800093F; verified by read-back");
	assert_true(erased(flash(f) + PAGE, 0x100));			/* page 1 erased ... */
	assert_memory_equal(flash(f) + PAGE + 0x100, d, sizeof(d));	/* ... and written */
	assert_true(erased(flash(f) + PAGE + 0x140, PAGE - 0x140));
	assert_memory_equal(flash(f) + 2 * PAGE, before + 2 * PAGE, PAGE); /* page 2 untouched */
	fx_free(f);
}

static void test_a_range_past_the_flash_is_refused_naming_the_first_byte_outside(void **st)
{
	struct fx *f = fx_board();
	uint8_t d[16];
	(void)st;

	memset(d, 0x11, sizeof(d));
	hex_file(f, "past.hex", 0x0801FFF8u, d, sizeof(d));
	assert_int_equal(run(f, "-a", "0", "-D", f->path), CLI_EXIT_DATAERR);
	contains(f->err, "the range 0x0801FFF8-0x08020007 does not fit alt 0");
	contains(f->err, "its byte 0x08020000 is outside every writable segment "
			 "(0x08000000-0x0801FFFF)");
	assert_true(erased(flash(f) + 0x1F800, PAGE));
	fx_free(f);
}

static void test_an_implausible_vector_table_is_refused_unless_forced(void **st)
{
	struct fx *f = fx_board();
	uint8_t d[32];
	(void)st;

	vectors(d, 0x3032303Au, 0x08000101u);
	hex_file(f, "badsp.hex", FLASH_BASE, d, sizeof(d));
	assert_int_equal(run(f, "-a", "0", "-s", ":leave", "-D", f->path), CLI_EXIT_DATAERR);
	contains(f->err, "its vector table at the start of main flash (0x08000000) is not "
			 "plausible: its initial stack pointer 0x3032303A is outside SRAM");
	contains(f->err, "the chip would lock up after its next boot");
	contains(f->err, "--force-image");
	assert_true(erased(flash(f), PAGE));

	/* an even reset vector is refused too */
	vectors(d, 0x20008000u, 0x08000100u);
	hex_file(f, "even.hex", FLASH_BASE, d, sizeof(d));
	assert_int_equal(run(f, "-a", "0", "-D", f->path), CLI_EXIT_DATAERR);
	contains(f->err, "reset vector 0x08000100 is even");

	/* forced: written, and the diagnosis after leave does not call it intact */
	vectors(d, 0x3032303Au, 0x08000101u);
	hex_file(f, "badsp.hex", FLASH_BASE, d, sizeof(d));
	assert_int_equal(run(f, "-a", "0", "-s", ":leave", "--force-image", "-D", f->path),
			 CLI_EXIT_NOT_RUNNING);
	contains(f->err, "writing it anyway (--force-image)");
	assert_memory_equal(flash(f), d, sizeof(d));
	contains(f->err, "the new firmware is not fit to run: its initial stack pointer "
			 "0x3032303A is outside SRAM");
	contains(f->err, "after a power cycle the chip would lock up");
	assert_null(strstr(f->err, "intact"));
	fx_free(f);
}

static void test_an_image_with_part_of_a_vector_table_is_refused(void **st)
{
	struct fx *f = fx_board();
	uint8_t d[4] = { 0x00, 0x80, 0x00, 0x20 };
	(void)st;

	hex_file(f, "half.hex", FLASH_BASE, d, sizeof(d));
	assert_int_equal(run(f, "-a", "0", "-D", f->path), CLI_EXIT_DATAERR);
	contains(f->err, "fewer than the 8 bytes of the initial SP and reset vector");
	assert_true(erased(flash(f), PAGE));
	fx_free(f);
}

static void test_a_plain_dfu_device_refuses_a_file_by_address(void **st)
{
	const struct lab_fx_opts o = { .dfu11 = 1 };
	struct fx *f = fx_new(&o);
	uint8_t d[32];
	(void)st;

	vectors(d, 0x20008000u, 0x08000101u);
	hex_file(f, "plain.hex", FLASH_BASE, d, sizeof(d));
	assert_int_equal(run(f, "-D", f->path), CLI_EXIT_DATAERR);
	contains(f->err, "speaks plain DFU 1.1");
	contains(f->err, "arm-none-eabi-objcopy -I ihex -O binary");
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tool_made_hex_and_srec_flash_the_bytes_of_the_bin),
		cmocka_unit_test(test_the_bin_still_flashes_as_raw_bytes),
		cmocka_unit_test(test_a_plausible_image_after_leave_is_called_intact),
		cmocka_unit_test(test_a_hex_file_renamed_bin_is_never_written),
		cmocka_unit_test(test_only_the_pages_the_ranges_touch_are_erased),
		cmocka_unit_test(test_a_range_past_the_flash_is_refused_naming_the_first_byte_outside),
		cmocka_unit_test(test_an_implausible_vector_table_is_refused_unless_forced),
		cmocka_unit_test(test_an_image_with_part_of_a_vector_table_is_refused),
		cmocka_unit_test(test_a_plain_dfu_device_refuses_a_file_by_address),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
