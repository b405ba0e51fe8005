/* test_dfu_util_lines.c - dfu-flash run as dfu-util, end to end against
 * emulated boards in this process: the seed command through --sim (as a
 * shell would run the dfu-util symlink) prints the lines dfu-util 0.11
 * prints on stdout for it ([dfu-util-0.11], main.c and dfuse.c), in its
 * order, while the trap's diagnosis stays on stderr and the exit code stays
 * 3; and on the lab fixture's boards, where the flash can be checked: the
 * same job, DfuSe uploads with and without an address, a .dfu file, and a
 * run-time device detached first. The same command as dfu-flash leaves
 * stdout empty. The fake-bus checks (banner, -V, -h, streams, the bar) are
 * tests/host/test_dfu_util_personality.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dfu/dfu_file.h"
#include "host/cli.h"
#include "lab/sim_xport.h"
#include "sim/sim_board.h"
#include "cli_harness.h"
#include "image_builder.h"
#include "lab_fixture.h"
#include "text_assert.h"

#define IMG 16384
#define OUT_MAX (64 * 1024)

struct fx {
	struct lab_fx lab;
	struct cli_files files;
	uint8_t img[IMG];
	uint8_t file[IMG + 1024];
	char out[OUT_MAX], err[OUT_MAX];
};

static struct fx *fx_new(const struct lab_fx_opts *o)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	lab_fx_init(&f->lab, o);
	image_build(f->img, IMG, 0x2545F491u);
	cli_files_init(&f->files, "dulines");
	cli_write_file(f->files.fw, f->img, IMG);
	return f;
}

static void fx_free(struct fx *f)
{
	lab_fx_fini(&f->lab);
	cli_files_remove(&f->files);
	free(f);
}

/* NAME ARGS... on xp (NULL: dfu-flash's own transports, --sim among them). */
static int run_v(struct fx *f, const struct xport *xp, const char *name, va_list ap)
{
	char *argv[CLI_HARNESS_MAX_ARGS];
	int argc = 0, rc;
	const char *a;
	FILE *out = tmpfile(), *err = tmpfile();

	assert_non_null(out);
	assert_non_null(err);
	argv[argc++] = (char *)name;
	while ((a = va_arg(ap, const char *)) != NULL && argc < CLI_HARNESS_MAX_ARGS - 1)
		argv[argc++] = (char *)a;
	argv[argc] = NULL;
	rc = xp ? dfu_flash_run(argc, argv, out, err, xp) : dfu_flash_main(argc, argv, out, err);
	cli_slurp(out, f->out, sizeof(f->out));
	cli_slurp(err, f->err, sizeof(f->err));
	return rc;
}

static int run_as(struct fx *f, const struct xport *xp, const char *name, ...)
{
	va_list ap;
	int rc;

	va_start(ap, name);
	rc = run_v(f, xp, name, ap);
	va_end(ap);
	return rc;
}
/* The dfu-util symlink next to the built dfu-flash, on the fixture's boards. */
#define du(f, ...) run_as((f), &(f)->lab.x, "build/lab/dfu-util", __VA_ARGS__, NULL)

/* Each of `lines` in `hay`, in that order. */
/* What dfu-util 0.11 prints on stdout, after its banner, for the seed
 * command on an STM32L412 in its ROM (dfu-util -a 0 -i 0
 * -s 0x08000000:mass-erase:force:leave -R -D fw.bin, 16 KiB): the
 * prologue, the mass erase, the element, both bars, the leave. The status
 * words after "status(0) = " are dfulab's own (core's dfu_status_text), so
 * the line is compared up to them. dfu-util's last line, "Resetting USB to
 * switch back to Run-Time mode", is not expected: dfu-flash sends no -R
 * reset to a device that has left. */
static const char *const SEED_LINES[] = {
	"dfu-util 0.11 (dfu-flash ",
	"Opening DFU capable USB device...\n",
	"Device ID 0483:df11\n",
	"Device DFU version 011a\n",
	"Claiming USB DFU Interface...\n",
	"Setting Alternate Interface #0 ...\n",
	"Determining device status...\n",
	"DFU state(2) = dfuIDLE, status(0) = ",
	"DFU mode device DFU version 011a\n",
	"Device returned transfer size 2048\n",
	"Performing mass erase, this can take a moment\n",
	"Downloading element to address = 0x08000000, size = 16384\n",
	"\rErase   \t[                         ]   0%            0 bytes",
	"\rErase   \t[=========================] 100%        16384 bytes\nErase    done.\n",
	"\rDownload\t[                         ]   0%            0 bytes",
	"\rDownload\t[=========================] 100%        16384 bytes\nDownload done.\n",
	"File downloaded successfully\n",
	"Submitting leave request...\n",
	NULL,
};

/* ---- the seed command ---- */

static void test_seed_command_with_sim_prints_dfu_utils_lines_and_keeps_exit_3(void **st)
{
	struct fx *f = fx_new(&(struct lab_fx_opts){ .boards = 0 });
	(void)st;

	assert_int_equal(run_as(f, NULL, "/usr/local/bin/dfu-util", "--sim", "stm32l412xb", "-a",
				"0", "-i", "0", "-s", "0x08000000:mass-erase:force:leave", "-R",
				"-D", f->files.fw, NULL),
			 CLI_EXIT_NOT_RUNNING);
	assert_in_order(f->out, SEED_LINES);
	assert_lacks(f->out, "dfu-flash:");
	/* dfu-flash's own account and diagnosis, on stderr */
	assert_has(f->err, "dfu-flash: wrote 16384 bytes at 0x08000000, verified by read-back; "
			   "left DFU mode");
	assert_has(f->err, "flashed but not running");
	assert_has(f->err, "remedies: power cycle, or --reload-option-bytes");
	fx_free(f);
}

static void test_seed_command_as_dfu_flash_keeps_stdout_empty(void **st)
{
	struct fx *f = fx_new(&(struct lab_fx_opts){ .boards = 0 });
	(void)st;

	assert_int_equal(run_as(f, NULL, "dfu-flash", "--sim", "stm32l412xb", "-a", "0", "-i",
				"0", "-s", "0x08000000:mass-erase:force:leave", "-R", "-D",
				f->files.fw, NULL),
			 CLI_EXIT_NOT_RUNNING);
	assert_string_equal(f->out, "");
	assert_has(f->err, "flashed but not running");
	fx_free(f);
}

static void test_seed_command_on_a_board_writes_the_image_and_names_the_manifest(void **st)
{
	struct fx *f = fx_new(&(struct lab_fx_opts){ .boards = 1 });
	(void)st;

	assert_int_equal(du(f, "-a", "0", "-s", "0x08000000:leave", "-D", f->files.fw),
			 CLI_EXIT_NOT_RUNNING);
	assert_has(f->out, "File downloaded successfully\nSubmitting leave request...\n"
			   "Transitioning to dfuMANIFEST state\n");
	assert_lacks(f->out, "Performing mass erase");
	assert_int_equal(memcmp(f->lab.b[0].chip.flash, f->img, IMG), 0);
	assert_int_equal(f->lab.b[0].runs, SIM_RUNS_ROM);
	fx_free(f);
}

/* -v: dfu-util 0.11 draws no erase or download bar for a DfuSe device, so
 * no "Download done." either; the file is still downloaded (found by the
 * QEMU differential suite, line dl-verbose). */
static void test_verbose_dfuse_download_draws_no_bars_as_dfu_util_does(void **st)
{
	struct fx *f = fx_new(&(struct lab_fx_opts){ .boards = 1 });
	(void)st;

	assert_int_equal(du(f, "-v", "-a", "0", "-s", "0x08000000", "-D", f->files.fw), 0);
	assert_lacks(f->out, "Download done.");
	assert_lacks(f->out, "Erase   \t");
	assert_has(f->out, "File downloaded successfully\n");
	assert_int_equal(memcmp(f->lab.b[0].chip.flash, f->img, IMG), 0);
	assert_int_equal(du(f, "-a", "0", "-s", "0x08000000", "-D", f->files.fw), 0);
	assert_has(f->out, "Download done.");
	fx_free(f);
}

/* ---- DfuSe uploads ---- */

static void test_dfuse_uploads_say_how_much_they_read_as_dfu_util_does(void **st)
{
	struct fx *f = fx_new(&(struct lab_fx_opts){ .boards = 1 });
	(void)st;

	assert_int_equal(du(f, "-a", "0", "-s", "0x08000000", "-D", f->files.fw), 0);
	/* an address and a length: no limit line */
	assert_int_equal(du(f, "-a", "0", "-s", "0x08000000:4096", "-U", f->files.up), 0);
	assert_has(f->out, "\rUpload\t[=========================] 100%         4096 bytes\n"
			   "Upload done.\n");
	assert_lacks(f->out, "Limiting");
	cli_files_remove(&f->files);
	/* no address: 0x4000 bytes from the address pointer (0x08000000) */
	assert_int_equal(du(f, "-a", "0", "-U", f->files.up), 0);
	assert_has(f->out, "Limiting default upload to 16384 bytes\n");
	assert_has(f->out, "100%        16384 bytes\nUpload done.\n");
	cli_files_remove(&f->files);
	/* an address alone: to the end of its segment (128 KiB of flash) */
	assert_int_equal(du(f, "-a", "0", "-s", "0x0801F000", "-U", f->files.up), 0);
	assert_has(f->out, "Limiting upload to end of memory segment, 4096 bytes\n");
	assert_has(f->out, "Upload done.\n");
	fx_free(f);
}

/* ---- a .dfu file ---- */

static void test_a_dfuse_file_is_parsed_aloud_then_done_parsing(void **st)
{
	static const char *const lines[] = {
		"File contains 1 DFU images\n",
		"Parsing DFU image 1\n",
		"Target name: ST...\n",
		"Image for alternate setting 0, (2 elements, total size = 16400)\n",
		"Setting Alternate Interface #0 ...\n",
		"Parsing element 1, address = 0x08000000, size = 8192\n",
		"Parsing element 2, address = 0x08004000, size = 8192\n",
		"Download done.\n",
		"Download done.\n",
		"Done parsing DfuSe file\n",
		NULL,
	};
	struct fx *f = fx_new(&(struct lab_fx_opts){ .boards = 1 });
	const struct dfuse_build_element el[] = {
		{ 0x08000000, f->img, 8192 },
		{ 0x08004000, f->img + 8192, 8192 },
	};
	const struct dfuse_build_target t = { 0, "ST...", el, 2 };
	const struct dfu_suffix ids = { .bcdDevice = 0xFFFF, .idProduct = 0xDF11,
					.idVendor = 0x0483 };
	int n = dfuse_file_build(&t, 1, &ids, f->file, sizeof(f->file));
	(void)st;

	assert_true(n > 0);
	cli_write_file(f->files.fw, f->file, (size_t)n);
	assert_int_equal(du(f, "-a", "0", "-D", f->files.fw), 0);
	assert_in_order(f->out, lines);
	assert_lacks(f->out, "File downloaded successfully");
	assert_int_equal(memcmp(f->lab.b[0].chip.flash, f->img, 8192), 0);
	assert_int_equal(memcmp(f->lab.b[0].chip.flash + 0x4000, f->img + 8192, 8192), 0);
	fx_free(f);
}

/* ---- a run-time device ---- */

static void test_a_runtime_device_is_detached_with_dfu_utils_lines(void **st)
{
	static const char *const lines[] = {
		"Opening DFU capable USB device...\n",
		"Device ID 0483:df12\n",
		"Device DFU version 0100\n",
		"Claiming USB DFU (Run-Time) Interface...\n",
		"Device really in Run-Time Mode, send DFU detach request...\n",
		"Opening DFU USB Device...\n",
		"Claiming USB DFU Interface...\n",
		"DFU mode device DFU version 011a\n",
		"File downloaded successfully\n",
		NULL,
	};
	struct lab_fx_opts o = { .boards = 1, .app = SIM_APP_DFU_RUNTIME };
	struct fx *f;
	uint8_t app[IMG];
	(void)st;

	image_build(app, IMG, 11);
	o.flash = app;
	o.flash_len = IMG;
	f = fx_new(&o);
	assert_int_equal(f->lab.b[0].runs, SIM_RUNS_APP);
	assert_int_equal(du(f, "-a", "0", "-E", "1", "-s", "0x08000000", "-D", f->files.fw), 0);
	assert_in_order(f->out, lines);
	/* after the detach dfu-util does not repeat the device's IDs */
	assert_int_equal(strstr(strstr(f->out, "Opening DFU USB Device..."), "Device ID") == NULL,
			 1);
	assert_int_equal(memcmp(f->lab.b[0].chip.flash, f->img, IMG), 0);
	fx_free(f);
}

static int setup(void **st)
{
	(void)st;
	return lab_sim_xport_register() < 0 ? -1 : 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seed_command_with_sim_prints_dfu_utils_lines_and_keeps_exit_3),
		cmocka_unit_test(test_seed_command_as_dfu_flash_keeps_stdout_empty),
		cmocka_unit_test(test_seed_command_on_a_board_writes_the_image_and_names_the_manifest),
		cmocka_unit_test(test_verbose_dfuse_download_draws_no_bars_as_dfu_util_does),
		cmocka_unit_test(test_dfuse_uploads_say_how_much_they_read_as_dfu_util_does),
		cmocka_unit_test(test_a_dfuse_file_is_parsed_aloud_then_done_parsing),
		cmocka_unit_test(test_a_runtime_device_is_detached_with_dfu_utils_lines),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
