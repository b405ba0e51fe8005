/* test_plain_dfu.c - dfu-flash against plain DFU 1.1 devices (sim's generic
 * dfu11 device) and against run-time devices (the dfu11 device's firmware,
 * the STM32L4 application with app=runtime), end to end through
 * dfu_flash_run on the in-process transport: block numbers from 0, no DfuSe
 * commands, manifestation tolerant or not, bitWillDetach, upload until a
 * short block, -t against bMaxPacketSize0, .dfu suffix IDs, -e and -E. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "dfu/bytes.h"
#include "dfu/dfu_file.h"
#include "host/cli.h"
#include "lab/sim_xport.h"
#include "lab/xport_inproc.h"
#include "sim/dfu11_device.h"
#include "sim/sim_board.h"
#include "cli_harness.h"
#include "image_builder.h"
#include "lab_fixture.h"
#include "text_assert.h"

#define IMG 5000
#define OUT_MAX (64 * 1024)

struct fx {
	struct lab_fx lab;
	struct cli_files files;
	uint8_t img[IMG + 16];
	char out[OUT_MAX], err[OUT_MAX], trace[OUT_MAX];
};

/* The lab `o` describes; the image in files.fw. */
static struct fx *fx_new_opts(const struct lab_fx_opts *o)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	lab_fx_init(&f->lab, o);
	fill_pattern(f->img, IMG, 7);
	cli_files_init(&f->files, "plain");
	cli_write_file(f->files.fw, f->img, IMG);
	return f;
}

/* `n` dfu11 devices made by `cfg` (NULL: defaults) on one full-speed bus. */
static struct fx *fx_new(size_t n, const struct sim_dfu11_config *cfg)
{
	const struct lab_fx_opts o = { .dfu11 = (unsigned)n, .dfu11_cfg = cfg, .full_speed = true };

	return fx_new_opts(&o);
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

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;
	for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

/* ---- download ---- */

static void test_download_sends_blocks_from_0_then_a_zero_length_block(void **st)
{
	struct fx *f = fx_new(1, NULL);
	(void)st;

	assert_int_equal(run(f, "-D", f->files.fw), 0);
	assert_memory_equal(f->lab.d[0].mem, f->img, IMG);
	assert_int_equal(f->lab.d[0].image_len, IMG);
	assert_int_equal(f->lab.d[0].manifestations, 1);
	/* 5000 bytes: blocks 0..3 of 1024, block 4 of 904, then block 5 empty */
	assert_has(f->trace, "OUT 21 01 0000 0000 0400 [");
	assert_has(f->trace, "OUT 21 01 0003 0000 0400 [");
	assert_has(f->trace, "OUT 21 01 0004 0000 0388 [");
	assert_has(f->trace, "OUT 21 01 0005 0000 0000\n");
	assert_int_equal(count(f->trace, "OUT 21 01 "), 6);
	/* no DfuSe: no SET_ADDRESS or ERASE commands, no leave */
	assert_lacks(f->trace, "[21 ");
	assert_lacks(f->trace, "[41");
	assert_has(f->err, "dfu-flash: wrote 5000 bytes in 5 blocks of 1024; manifested; the device "
			   "stays in DFU mode (manifestation-tolerant; -R starts the new firmware)\n");
	/* tolerant: it stays in DFU mode and in dfuIDLE */
	assert_int_equal(f->lab.d[0].mode, SIM_DFU11_DFU);
	assert_int_equal(dfu_fsm_state(&f->lab.d[0].fsm), DFU_STATE_IDLE);
	assert_int_equal(f->lab.d[0].bus_resets, 0);
	fx_free(f);
}

static void test_non_tolerant_device_is_reset_out_of_manifest_wait_reset(void **st)
{
	struct sim_dfu11_config c;
	struct fx *f;
	(void)st;

	sim_dfu11_config_default(&c, 0);
	c.manifest_tolerant = false;
	f = fx_new(1, &c);
	assert_int_equal(run(f, "-D", f->files.fw), 0);
	assert_memory_equal(f->lab.d[0].mem, f->img, IMG);
	assert_has(f->err, "manifested; reset the device out of dfuMANIFEST-WAIT-RESET\n");
	assert_has(f->err, "1209:0002 serial DFU11-0000 came back after");
	assert_has(f->err, "the application is running");
	assert_int_equal(f->lab.d[0].bus_resets, 1);
	assert_int_equal(f->lab.d[0].mode, SIM_DFU11_APP);
	/* no GETSTATUS is sent in dfuMANIFEST-WAIT-RESET: the last one saw dfuMANIFEST */
	assert_int_equal(count(f->trace, " -> NO_DEVICE"), 0);
	fx_free(f);
}

static void test_will_detach_device_leaves_by_itself_after_manifestation(void **st)
{
	struct sim_dfu11_config c;
	struct fx *f;
	(void)st;

	sim_dfu11_config_default(&c, 0);
	c.manifest_tolerant = false;
	c.will_detach = true;
	f = fx_new(1, &c);
	assert_int_equal(run(f, "-D", f->files.fw, "--json"), 0);
	assert_has(f->err, "manifested; the device detached itself (bitWillDetach)\n");
	assert_int_equal(f->lab.d[0].bus_resets, 0); /* nobody reset it */
	assert_int_equal(f->lab.d[0].mode, SIM_DFU11_APP);
	assert_has(f->out, "{\"event\":\"written\",\"bytes\":5000,\"blocks\":5,");
	assert_has(f->out, "{\"event\":\"return\",\"kind\":\"application\"");
	assert_has(f->out, "{\"event\":\"result\",\"exit\":0,\"result\":\"ok, application\"}");
	fx_free(f);
}

static void test_reset_after_a_tolerant_download_starts_the_firmware(void **st)
{
	struct fx *f = fx_new(1, NULL);
	(void)st;

	assert_int_equal(run(f, "-D", f->files.fw, "-R"), 0);
	assert_has(f->trace, "OUT 21 00 03e8 0000 0000"); /* DETACH, wTimeout 1000 */
	assert_int_equal(f->lab.d[0].bus_resets, 1);
	assert_int_equal(f->lab.d[0].mode, SIM_DFU11_APP);
	assert_has(f->err, "the application is running");
	fx_free(f);
}

/* ---- upload ---- */

static void test_upload_reads_from_block_0_until_a_short_block(void **st)
{
	struct fx *f = fx_new(1, NULL);
	uint8_t back[8192];
	(void)st;

	memcpy(f->lab.d[0].mem, f->img, 3000);
	f->lab.d[0].image_len = 3000;
	assert_int_equal(run(f, "-U", f->files.up), 0);
	assert_int_equal(cli_read_file(f->files.up, back, sizeof(back)), 3000);
	assert_memory_equal(back, f->img, 3000);
	assert_has(f->trace, "IN  a1 02 0000 0000 0400 [");
	assert_has(f->trace, "IN  a1 02 0002 0000 0400 [");
	assert_has(f->trace, "...952 bytes]");
	assert_int_equal(count(f->trace, "IN  a1 02 "), 3);
	assert_has(f->err, "dfu-flash: read 3000 bytes into ");
	assert_has(f->err, "(until a short block)\n");
	unlink(f->files.up);

	/* an exact multiple ends with an empty block */
	f->lab.d[0].image_len = 2048;
	assert_int_equal(run(f, "-U", f->files.up, "-Z", "4096"), 0);
	assert_int_equal(cli_read_file(f->files.up, back, sizeof(back)), 2048);
	assert_int_equal(count(f->trace, "IN  a1 02 "), 3);
	assert_has(f->trace, "IN  a1 02 0002 0000 0400\n");
	assert_has(f->err, "read 2048 bytes, -Z expected 4096");
	fx_free(f);
}

static void test_upload_from_a_device_without_bitCanUpload_is_refused(void **st)
{
	struct sim_dfu11_config c;
	struct fx *f;
	(void)st;

	sim_dfu11_config_default(&c, 0);
	c.can_upload = false;
	f = fx_new(1, &c);
	assert_int_equal(run(f, "-U", f->files.up), CLI_EXIT_IOERR);
	assert_has(f->err, "the device does not support upload (bmAttributes 0x05 lacks "
			   "bitCanUpload)");
	assert_int_equal(access(f->files.up, F_OK), -1); /* no partial file left behind */
	fx_free(f);
}

/* ---- -t ---- */

static void test_transfer_size_below_bMaxPacketSize0_is_raised_to_it(void **st)
{
	struct fx *f = fx_new(1, NULL);
	(void)st;

	assert_int_equal(run(f, "-t", "16", "-D", f->files.fw), 0);
	assert_has(f->err, "dfu-flash: transfer size 16 raised to bMaxPacketSize0 64, as dfu-util "
			   "does\n");
	assert_has(f->err, "wrote 5000 bytes in 79 blocks of 64;");
	assert_has(f->trace, "OUT 21 01 004e 0000 0008 [");	/* block 78: the last 8 bytes */
	assert_memory_equal(f->lab.d[0].mem, f->img, IMG);
	fx_free(f);
}

static void test_device_without_wTransferSize_needs_t(void **st)
{
	struct sim_dfu11_config c;
	struct fx *f;
	(void)st;

	sim_dfu11_config_default(&c, 0);
	c.transfer_size = 0;
	c.max_packet0 = 8;
	f = fx_new(1, &c);
	assert_int_equal(run(f, "-D", f->files.fw), CLI_EXIT_USAGE);
	assert_has(f->err, "1209:0001 reports no transfer size (no DFU functional descriptor, or "
			   "wTransferSize 0); give one with -t");
	/* -t larger than the device's limit (0 here means none): the device's
	 * state machine stalls what is longer than its wTransferSize */
	assert_int_equal(run(f, "-t", "8", "-D", f->files.fw), CLI_EXIT_IOERR);
	assert_has(f->err, "the device stalled DFU_DNLOAD");
	fx_free(f);
}

/* ---- .dfu suffixes ---- */

static void with_suffix(struct fx *f, uint16_t vid, uint16_t pid)
{
	struct dfu_suffix s = { .bcdDevice = 0xFFFF, .idProduct = pid, .idVendor = vid,
				.bcdDFU = 0x0100 };
	int n;
	fill_pattern(f->img, IMG, 7);
	n = dfu_suffix_append(f->img, IMG, sizeof(f->img), &s);
	assert_int_equal(n, IMG + 16);
	cli_write_file(f->files.fw, f->img, (size_t)n);
}

static void test_dfu_file_for_this_device_is_written_without_its_suffix(void **st)
{
	struct fx *f = fx_new(1, NULL);
	(void)st;

	with_suffix(f, 0x1209, 0x0001);
	assert_int_equal(run(f, "-D", f->files.fw), 0);
	assert_int_equal(f->lab.d[0].image_len, IMG);
	assert_memory_equal(f->lab.d[0].mem, f->img, IMG);
	assert_int_equal(f->lab.d[0].mem[IMG], 0xFF);
	/* 0xFFFF is a wildcard */
	with_suffix(f, 0xFFFF, 0xFFFF);
	assert_int_equal(run(f, "-D", f->files.fw), 0);
	fx_free(f);
}

/* As in dfu-util: without -d, a suffix's IDs are the run-time IDs to match,
 * which a device already in DFU mode cannot contradict, so it is flashed
 * (with a note); a run-time pair from -d that the suffix contradicts, as
 * well as the DFU-mode device's, is a usage error. */
static void test_dfu_file_for_another_device_is_a_usage_error_as_in_dfu_util(void **st)
{
	struct fx *f = fx_new(1, NULL);
	(void)st;

	with_suffix(f, 0x1209, 0x9999);
	assert_int_equal(run(f, "-d", "1209:0002,1209:0001", "-D", f->files.fw), CLI_EXIT_USAGE);
	assert_has(f->err, "is for 1209:9999 (its DFU suffix says so) and the device is 1209:0001 "
			   "(run-time 1209:0002); choose the right file or device (-d), or rebuild "
			   "the suffix");
	assert_int_equal(f->lab.d[0].manifestations, 0);
	assert_lacks(f->trace, "OUT 21 01 ");	/* nothing was written */
	assert_int_equal(run(f, "-D", f->files.fw), 0);
	assert_has(f->err, "DFU suffix names 1209:9999 and the device is in DFU mode as "
			   "1209:0001, which does not show its run-time IDs: flashing, as dfu-util "
			   "does");
	assert_int_equal(f->lab.d[0].manifestations, 1);
	assert_memory_equal(f->lab.d[0].mem, f->img, IMG);
	fx_free(f);
}

static void test_dfuse_options_on_a_plain_device_are_a_usage_error(void **st)
{
	struct fx *f = fx_new(1, NULL);
	(void)st;

	assert_int_equal(run(f, "-s", "0x08000000", "-D", f->files.fw), CLI_EXIT_USAGE);
	assert_has(f->err, "1209:0001 speaks plain DFU 1.1 (bcdDFUVersion 0x0110), not DfuSe: "
			   "drop -s");
	fx_free(f);
}

/* ---- run-time devices ---- */

static void test_runtime_device_is_detached_waited_for_and_flashed(void **st)
{
	struct sim_dfu11_config c;
	struct fx *f;
	uint64_t slept;
	(void)st;

	sim_dfu11_config_default(&c, 0);
	c.start_in_app = true;
	f = fx_new(1, &c);
	assert_int_equal(f->lab.d[0].mode, SIM_DFU11_APP);
	assert_int_equal(run(f, "-E", "2", "-D", f->files.fw), 0);
	/* no bitWillDetach: DETACH, then the host's bus reset enters DFU mode */
	assert_int_equal(f->lab.d[0].detaches, 1);
	assert_has(f->err, "dfu-flash: detached 1209:0002 serial DFU11-0000 at 1-1 into DFU mode\n"
			   "dfu-flash: waiting 2 s for the DFU-mode device (-E)\n");
	slept = f->lab.t.slept_us;
	assert_true(slept >= 2000000u);
	assert_memory_equal(f->lab.d[0].mem, f->img, IMG);
	assert_int_equal(f->lab.d[0].mode, SIM_DFU11_DFU);
	fx_free(f);
}

static void test_detach_only_leaves_the_memory_alone(void **st)
{
	struct sim_dfu11_config c;
	struct fx *f;
	(void)st;

	sim_dfu11_config_default(&c, 0);
	c.start_in_app = true;
	c.will_detach = true;
	f = fx_new(1, &c);
	assert_int_equal(run(f, "-e"), 0);
	assert_int_equal(f->lab.d[0].mode, SIM_DFU11_DFU);
	assert_int_equal(f->lab.d[0].bus_resets, 0); /* bitWillDetach: no reset needed */
	assert_has(f->err, "detached 1209:0002 serial DFU11-0000 at 1-1 into DFU mode");
	assert_lacks(f->trace, "OUT 21 01 ");
	/* -e on a device already in DFU mode: a plain DETACH, which it stalls */
	assert_int_equal(run(f, "-e"), 0);
	assert_has(f->trace, "OUT 21 00 03e8 0000 0000 -> STALL");
	fx_free(f);
}

static void test_stm32_application_with_a_runtime_interface_is_detached_and_flashed(void **st)
{
	uint8_t *img = malloc(16384);
	struct lab_fx_opts o = {
		.boards = 1,
		.app = SIM_APP_DFU_RUNTIME,
		.timing = SIM_TIMING_DATASHEET,
		.flash_len = 16384,
		.full_speed = true,
	};
	struct fx *f;
	(void)st;

	assert_non_null(img);
	/* a valid vector table in flash before power-on: the application runs */
	image_build(img, 16384, 3);
	o.flash = img;
	f = fx_new_opts(&o);
	assert_int_equal(f->lab.b[0].runs, SIM_RUNS_APP);
	img[100] ^= 0x5A; /* a new build */
	cli_write_file(f->files.fw, img, 16384);

	assert_int_equal(run(f, "-a", "0", "-s", "0x08000000:leave", "-D", f->files.fw), 0);
	assert_has(f->err, "detached 0483:df12 serial");
	assert_has(f->err, "waiting 5 s for the DFU-mode device (-E)");
	assert_has(f->err, "wrote 16384 bytes at 0x08000000, verified by read-back; left DFU mode");
	assert_has(f->err, "the application is running");
	assert_memory_equal(f->lab.b[0].chip.flash, img, 16384);
	assert_int_equal(f->lab.b[0].runs, SIM_RUNS_APP);
	free(img);
	fx_free(f);
}

static void test_sim_spec_builds_dfu11_devices(void **st)
{
	FILE *out = tmpfile(), *err = tmpfile();
	char o[4096], e[4096];
	char *argv[] = { "dfu-flash", "--sim", "dfu11,count=2,manifest=wait-reset,will-detach=1,"
			 "xfer=512,mps0=32,upload=0", "-l", NULL };
	char *bad[] = { "dfu-flash", "--sim", "dfu11,xfer=99999", "-l", NULL };
	(void)st;

	assert_int_equal(dfu_flash_main(4, argv, out, err), 0);
	cli_slurp(out, o, sizeof(o));
	cli_slurp(err, e, sizeof(e));
	/* dfu-util prepends: the last device found is printed first */
	assert_string_equal(o, "Found DFU: [1209:0001] ver=0001, devnum=2, cfg=1, intf=0, "
			       "path=\"1-2\", alt=0, name=\"memory\", serial=\"DFU11-0001\"\n"
			       "Found DFU: [1209:0001] ver=0001, devnum=1, cfg=1, intf=0, "
			       "path=\"1-1\", alt=0, name=\"memory\", serial=\"DFU11-0000\"\n");
	out = tmpfile();
	err = tmpfile();
	assert_int_equal(dfu_flash_main(4, bad, out, err), CLI_EXIT_USAGE);
	cli_slurp(out, o, sizeof(o));
	cli_slurp(err, e, sizeof(e));
	/* board_spec's wording, the same as dfu-sim --xfer and a scenario's chip line */
	assert_has(e, "--sim \"dfu11,xfer=99999\": xfer=99999: wTransferSize is a number from 0 "
		      "to 4096");
}

/* ---- what the user sees ---- */

static void test_progress_bar_and_json_progress_reach_the_total(void **st)
{
	struct fx *f = fx_new(1, NULL);
	(void)st;

	assert_int_equal(run(f, "--progress", "-D", f->files.fw), 0);
	assert_has(f->err, "\rwrite  [##############################]     5000/5000 bytes ");
	assert_has(f->err, "KiB/s");
	assert_int_equal(run(f, "--json", "-D", f->files.fw), 0);
	assert_has(f->out, "\"phase\":\"write\",\"done\":1024,\"total\":5000}");
	assert_has(f->out, "\"phase\":\"write\",\"done\":5000,\"total\":5000}");
	assert_lacks(f->err, "[###");
	/* --quiet: nothing but errors */
	assert_int_equal(run(f, "--quiet", "--progress", "-D", f->files.fw), 0);
	assert_string_equal(f->err, "");
	fx_free(f);
}

/* A host that sends the last (empty) block, sees dfuMANIFEST and gives up:
 * the device goes on manifesting. The next session comes back before it is
 * done; its GETSTATUS must be answered (dfuMANIFEST, with the time left),
 * not stalled into dfuERROR half-way through a manifestation. */
static int visit_first(void *ctx, const struct xport_dev_info *d)
{
	*(struct xport_dev_info *)ctx = *d;
	return 1;
}

static void test_session_after_an_abandoned_manifestation_waits_for_it_to_finish(void **st)
{
	struct fx *f = fx_new(1, NULL);
	struct xport_dev_info dev;
	struct xport_handle *h = NULL;
	struct dfu_setup dn = dfu_setup_make(DFU_DNLOAD, 0, 0, 1024);
	struct dfu_setup gs = dfu_setup_make(DFU_GETSTATUS, 0, 0, DFU_STATUS_SIZE);
	struct dfu_setup end = dfu_setup_make(DFU_DNLOAD, 1, 0, 0);
	uint8_t status[DFU_STATUS_SIZE], back[4096];
	(void)st;

	assert_int_equal(xport_enumerate(&f->lab.x, visit_first, &dev), 1);
	assert_int_equal(xport_open(&f->lab.x, &dev, &h), 0);
	assert_int_equal(xport_control(&f->lab.x, h, &dn, f->img, NULL, 1000), 1024);
	assert_int_equal(xport_control(&f->lab.x, h, &gs, NULL, status, 1000), DFU_STATUS_SIZE);
	assert_int_equal(status[4], DFU_STATE_DNBUSY);
	xport_sleep_ms(&f->lab.x, dfu_get_le24(status + 1));
	assert_int_equal(xport_control(&f->lab.x, h, &gs, NULL, status, 1000), DFU_STATUS_SIZE);
	assert_int_equal(status[4], DFU_STATE_DNLOAD_IDLE);
	assert_int_equal(xport_control(&f->lab.x, h, &end, NULL, NULL, 1000), 0);
	assert_int_equal(xport_control(&f->lab.x, h, &gs, NULL, status, 1000), DFU_STATUS_SIZE);
	assert_int_equal(status[4], DFU_STATE_MANIFEST);
	assert_true(dfu_get_le24(status + 1) >= 2); /* the host walks away without waiting */
	xport_close(&f->lab.x, h);
	assert_int_equal(dfu_fsm_state(&f->lab.d[0].fsm), DFU_STATE_MANIFEST);

	/* the next session, at once: it waits the manifestation out, then reads */
	assert_int_equal(run(f, "-U", f->files.up), 0);
	assert_int_equal(cli_read_file(f->files.up, back, sizeof(back)), 1024);
	assert_memory_equal(back, f->img, 1024);
	assert_lacks(f->err, "stalled");
	assert_int_equal(f->lab.d[0].manifestations, 1);
	assert_int_equal(dfu_fsm_state(&f->lab.d[0].fsm), DFU_STATE_IDLE);
	fx_free(f);
}

/* ---- several devices ---- */

static void test_all_flashes_every_device_and_prints_a_result_table(void **st)
{
	struct fx *f = fx_new(2, NULL);
	(void)st;

	/* without --all: ambiguous, both named */
	assert_int_equal(run(f, "-D", f->files.fw), CLI_EXIT_IOERR);
	assert_has(f->err, "2 DFU devices match: 1209:0001 serial DFU11-0000 at 1-1, 1209:0001 "
			   "serial DFU11-0001 at 1-2; choose one with -S SERIAL or -p PATH");
	assert_int_equal(run(f, "--all", "-D", f->files.fw), 0);
	assert_has(f->out, "serial         path       exit result");
	assert_has(f->out, "DFU11-0000     1-1        0    ok ");
	assert_has(f->out, "DFU11-0001     1-2        0    ok ");
	assert_has(f->err, "dfu-flash: 2 devices, 0 not ok; flashed one after another (the "
			   "in-process transport lives in this process, so it cannot be given one "
			   "process per device)\n");
	assert_memory_equal(f->lab.d[0].mem, f->img, IMG);
	assert_memory_equal(f->lab.d[1].mem, f->img, IMG);
	/* one failing device makes the exit code the worst */
	f->lab.d[1].cfg.mem_size = 100;
	assert_int_equal(run(f, "--all", "-D", f->files.fw, "--json"), CLI_EXIT_IOERR);
	assert_has(f->err, "DFU11-0000     1-1        0    ok ");
	assert_has(f->err, "DFU11-0001     1-2        74   failed: ");
	assert_has(f->err, "2 devices, 1 not ok");
	/* every JSON object names its device */
	assert_has(f->out, "{\"event\":\"start\",\"path\":\"1-2\",\"serial\":\"DFU11-0001\",");
	assert_has(f->out, "{\"event\":\"end\",\"path\":\"1-2\",\"serial\":\"DFU11-0001\",");
	assert_has(f->out, "{\"event\":\"device\",\"path\":\"1-1\",\"serial\":\"DFU11-0000\","
			   "\"vid\":4617,\"pid\":1,\"alt\":0}");
	assert_has(f->out, "{\"event\":\"result\",\"exit\":74,\"result\":\"2 devices, 1 not ok\"}");
	fx_free(f);
}

static void test_identical_serials_are_all_listed_by_path(void **st)
{
	const struct lab_fx_opts o = { .dfu11 = 2, .serial = "SAME" };
	struct fx *f = fx_new_opts(&o);
	(void)st;

	assert_int_equal(run(f, "-S", "SAME", "-D", f->files.fw), CLI_EXIT_IOERR);
	assert_has(f->err, "serial SAME at 1-1, 1209:0001 serial SAME at 1-2; choose one with "
			   "-S SERIAL or -p PATH");
	assert_int_equal(run(f, "-p", "1-2", "-D", f->files.fw), 0);
	assert_memory_equal(f->lab.d[1].mem, f->img, IMG);
	assert_int_equal(f->lab.d[0].manifestations, 0);
	fx_free(f);
}

int main(void)
{
	if (lab_sim_xport_register() < 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_download_sends_blocks_from_0_then_a_zero_length_block),
		cmocka_unit_test(test_non_tolerant_device_is_reset_out_of_manifest_wait_reset),
		cmocka_unit_test(test_will_detach_device_leaves_by_itself_after_manifestation),
		cmocka_unit_test(test_reset_after_a_tolerant_download_starts_the_firmware),
		cmocka_unit_test(test_upload_reads_from_block_0_until_a_short_block),
		cmocka_unit_test(test_upload_from_a_device_without_bitCanUpload_is_refused),
		cmocka_unit_test(test_transfer_size_below_bMaxPacketSize0_is_raised_to_it),
		cmocka_unit_test(test_device_without_wTransferSize_needs_t),
		cmocka_unit_test(test_dfu_file_for_this_device_is_written_without_its_suffix),
		cmocka_unit_test(test_dfu_file_for_another_device_is_a_usage_error_as_in_dfu_util),
		cmocka_unit_test(test_dfuse_options_on_a_plain_device_are_a_usage_error),
		cmocka_unit_test(test_runtime_device_is_detached_waited_for_and_flashed),
		cmocka_unit_test(test_detach_only_leaves_the_memory_alone),
		cmocka_unit_test(test_stm32_application_with_a_runtime_interface_is_detached_and_flashed),
		cmocka_unit_test(test_sim_spec_builds_dfu11_devices),
		cmocka_unit_test(test_progress_bar_and_json_progress_reach_the_total),
		cmocka_unit_test(test_session_after_an_abandoned_manifestation_waits_for_it_to_finish),
		cmocka_unit_test(test_all_flashes_every_device_and_prints_a_result_table),
		cmocka_unit_test(test_identical_serials_are_all_listed_by_path),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
