/* test_dfu_util_matching.c - dfu-flash does what dfu-util 0.11 does with
 * which device it takes and what -U reads, end to end on the in-process
 * transport: -d's run-time pair with any DFU-mode device after the detach,
 * a run-time and a DFU-mode device both matching (refused), a DfuSe -U
 * without an address (0x4000 bytes from the address pointer, no
 * SET_ADDRESS) and -U with :leave (the device leaves after the upload). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "host/cli.h"
#include "sim/dfu11_device.h"
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
	uint8_t up[IMG * 2];
	char out[OUT_MAX], err[OUT_MAX], trace[OUT_MAX];
};

static struct fx *fx_new(const struct lab_fx_opts *o)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	lab_fx_init(&f->lab, o);
	image_build(f->img, IMG, 11);
	cli_files_init(&f->files, "dfumatch");
	cli_write_file(f->files.fw, f->img, IMG);
	return f;
}

/* One STM32L412 board whose flash holds a valid application that shows a
 * DFU run-time interface: dfu-flash detaches it into a fresh ROM, whose
 * address pointer is at the flash base (AN3156). */
static struct fx *fx_board(struct fx *scratch)
{
	struct lab_fx_opts o = { .boards = 1, .flash_len = IMG, .app = SIM_APP_DFU_RUNTIME };
	struct fx *f;

	image_build(scratch->img, IMG, 11);
	o.flash = scratch->img;
	f = fx_new(&o);
	assert_int_equal(f->lab.b[0].runs, SIM_RUNS_APP);
	return f;
}

/* `n` dfu11 devices, running their firmware when `in_app` (the fixture
 * gives every device the same configuration). */
static struct fx *fx_dfu11(unsigned n, bool in_app)
{
	struct sim_dfu11_config cfg;
	struct lab_fx_opts o = { .dfu11 = n, .full_speed = true, .dfu11_cfg = &cfg };

	sim_dfu11_config_default(&cfg, 0);
	cfg.start_in_app = in_app;
	return fx_new(&o);
}

static void fx_free(struct fx *f)
{
	lab_fx_fini(&f->lab);
	cli_files_remove(&f->files);
	free(f);
}

static int run_v(struct fx *f, ...)
{
	const struct cli_capture c = { f->out, f->err, sizeof(f->out), sizeof(f->err) };
	va_list ap;
	int rc;

	va_start(ap, f);
	rc = cli_run_traced(&f->lab.x, &c, f->files.tr, f->trace, sizeof(f->trace), ap);
	va_end(ap);
	return rc;
}
#define run(f, ...) run_v((f), __VA_ARGS__, NULL)

/* ---- item 1: -d's run-time pair ---- */

static void test_runtime_ids_detach_and_then_any_dfu_mode_device_is_flashed(void **st)
{
	struct fx *f = fx_dfu11(1, true);
	(void)st;

	/* -d 1209:0002 as dfu-util 0.11 reads it: the run-time device's IDs;
	 * in DFU mode (1209:0001 here) any device matches */
	assert_int_equal(run(f, "-d", "1209:0002", "-E", "1", "-D", f->files.fw), 0);
	assert_has(f->err, "detached 1209:0002 serial DFU11-0000 at 1-1 into DFU mode");
	assert_int_equal(f->lab.d[0].detaches, 1);
	assert_int_equal(f->lab.d[0].manifestations, 1);
	assert_memory_equal(f->lab.d[0].mem, f->img, IMG);
	fx_free(f);
}

/* ---- item 10: a run-time and a DFU-mode device ---- */

static void test_a_runtime_and_a_dfu_mode_device_both_matching_stop_the_job(void **st)
{
	struct fx *f = fx_dfu11(2, true);
	(void)st;

	/* the second device into DFU mode: the two now differ in mode */
	assert_int_equal(run(f, "-S", "DFU11-0001", "-e"), 0);
	assert_int_equal(f->lab.d[0].mode, SIM_DFU11_APP);
	assert_int_equal(f->lab.d[1].mode, SIM_DFU11_DFU);
	assert_int_equal(run(f, "-D", f->files.fw), CLI_EXIT_IOERR);
	assert_has(f->err, "2 DFU devices match, 1 of them in run-time mode: 1209:0002 serial "
			   "DFU11-0000 at 1-1 (run-time), 1209:0001 serial DFU11-0001 at 1-2 "
			   "(DFU mode)");
	assert_string_equal(f->trace, ""); /* not one request */
	assert_int_equal(f->lab.d[0].detaches, 0);
	assert_int_equal(f->lab.d[1].manifestations, 0);
	/* naming one by its serial settles it */
	assert_int_equal(run(f, "-S", "DFU11-0001", "-D", f->files.fw), 0);
	assert_int_equal(f->lab.d[1].manifestations, 1);
	assert_int_equal(f->lab.d[0].detaches, 0);
	fx_free(f);
}

/* ---- items 5 and 3: DfuSe -U ---- */

static void test_dfuse_upload_without_address_reads_0x4000_from_the_pointer(void **st)
{
	struct fx scratch;
	struct fx *f = fx_board(&scratch);
	size_t n;
	(void)st;

	assert_int_equal(run(f, "-a", "0", "-U", f->files.up), 0);
	assert_has(f->err, "detached 0483:df12");
	assert_has(f->err, "-U without an address: reading 16384 bytes from where the device's "
			   "address pointer is, as dfu-util does");
	assert_has(f->err, "read 16384 bytes from the address pointer into");
	assert_lacks(f->trace, "OUT 21 01 0000 0000 0005 [21"); /* no SET_ADDRESS */
	assert_has(f->trace, "IN  a1 02 0002 0000 0800 [");	 /* block 2 first */
	n = cli_read_file(f->files.up, f->up, sizeof(f->up));
	assert_int_equal(n, 0x4000);
	/* the ROM's pointer starts at the flash base (AN3156) */
	assert_memory_equal(f->up, f->img, 0x4000);
	fx_free(f);
}

static void test_dfuse_upload_with_leave_leaves_after_the_upload(void **st)
{
	struct fx scratch;
	struct fx *f = fx_board(&scratch);
	size_t n;
	(void)st;

	assert_int_equal(run(f, "-a", "0", "-s", "0x08000000:leave:4096", "-U", f->files.up),
			 0);
	assert_has(f->err, "detached 0483:df12");
	n = cli_read_file(f->files.up, f->up, sizeof(f->up));
	assert_int_equal(n, 4096);
	assert_memory_equal(f->up, f->img, 4096);
	/* SET_ADDRESS to -s's address again after the upload, then the
	 * zero-length DNLOAD */
	assert_has(f->trace, "IN  a1 02 0003 0000 0800 [");
	assert_has(strstr(f->trace, "IN  a1 02 0003 0000 0800 ["),
		   "OUT 21 01 0000 0000 0005 [21 00 00 00 08]");
	assert_has(f->trace, "OUT 21 01 0002 0000 0000");
	assert_has(f->err, "the application is running");
	assert_int_equal(f->lab.b[0].runs, SIM_RUNS_APP);
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_runtime_ids_detach_and_then_any_dfu_mode_device_is_flashed),
		cmocka_unit_test(test_a_runtime_and_a_dfu_mode_device_both_matching_stop_the_job),
		cmocka_unit_test(test_dfuse_upload_without_address_reads_0x4000_from_the_pointer),
		cmocka_unit_test(test_dfuse_upload_with_leave_leaves_after_the_upload),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
