/* test_dfu_util_personality.c - dfu-flash run under the name dfu-util, on a
 * fake bus (no emulator): the banner on stdout at every run and alone for
 * -V, help and command-line errors on stderr without it, -l's lines after
 * it, a plain DFU 1.1 download and upload printing dfu-util 0.11's lines on
 * stdout while dfu-flash's own stay on stderr, dfu-flash's refusals and
 * exit codes unchanged, --json keeping stdout for JSON, the progress bar's
 * shape, and the name test itself. The fake device is core's DFU state
 * machine with 8 KiB of memory behind it, manifestation-tolerant. The
 * same against emulated STM32 boards is tests/lab/test_dfu_util_lines.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dfu/dfu_fsm.h"
#include "dfu/usb_desc.h"
#include "host/cli.h"
#include "host/xport.h"
#include "cli_harness.h"
#include "text_assert.h"

#define MEM 8192
#define XFER 1024
#define OUT_MAX 32768

/* ---- a plain DFU 1.1 device on core's state machine ---- */

struct dev {
	struct xport_dev_info info;
	struct dfu_fsm fsm;
	uint8_t mem[MEM], block[XFER];
	size_t len, dl_off, ul_off, block_len;
	uint64_t now_us;
	bool present;
};

static int dev_enumerate(void *ctx, xport_enum_fn cb, void *cb_ctx)
{
	struct dev *d = ctx;

	if (!d->present)
		return 0;
	cb(cb_ctx, &d->info);
	return 1;
}

static int dev_open(void *ctx, const struct xport_dev_info *info, struct xport_handle **h)
{
	struct dev *d = ctx;

	(void)info;
	if (!d->present)
		return DFU_E_NODEV;
	*h = (struct xport_handle *)(void *)d;
	return 0;
}

static void dev_close(void *ctx, struct xport_handle *h)
{
	(void)ctx;
	(void)h;
}

static int dev_status(struct dev *d, uint8_t *in)
{
	struct dfu_status_reply r;

	dfu_fsm_status(&d->fsm, &r);
	dfu_status_encode(&r, in);
	return DFU_STATUS_SIZE;
}

static int dev_control(void *ctx, struct xport_handle *h, const struct dfu_setup *s,
		       const uint8_t *out, uint8_t *in, unsigned timeout_ms)
{
	struct dev *d = ctx;
	struct dfu_step step;
	size_t n;

	(void)h;
	(void)timeout_ms;
	d->now_us += 100;
	if ((s->bmRequestType & 0x60) != 0x20)
		return 0; /* SET_INTERFACE and the like */
	switch (dfu_fsm_request(&d->fsm, s, d->now_us, &step)) {
	case DFU_ACT_ACK:
		return 0;
	case DFU_ACT_STORE_BLOCK:
		if (step.block == 0)
			d->dl_off = 0;
		memcpy(d->block, out, step.length);
		d->block_len = step.length;
		return step.length;
	case DFU_ACT_EXECUTE:
		memcpy(d->mem + d->dl_off, d->block, d->block_len);
		d->dl_off += d->block_len;
		dfu_fsm_op_done(&d->fsm, DFU_STATUS_OK, 1000, 1, d->now_us);
		return dev_status(d, in);
	case DFU_ACT_MANIFEST:
		d->len = d->dl_off;
		dfu_fsm_op_done(&d->fsm, DFU_STATUS_OK, 1000, 1, d->now_us);
		return dev_status(d, in);
	case DFU_ACT_UPLOAD:
		if (step.from == DFU_STATE_IDLE)
			d->ul_off = 0;
		n = d->len - d->ul_off < step.length ? d->len - d->ul_off : step.length;
		memcpy(in, d->mem + d->ul_off, n);
		d->ul_off += n;
		dfu_fsm_upload_done(&d->fsm, n, step.length);
		return (int)n;
	case DFU_ACT_STATUS:
		return dev_status(d, in);
	case DFU_ACT_STATE:
		in[0] = (uint8_t)dfu_fsm_state(&d->fsm);
		return 1;
	case DFU_ACT_IGNORE:
		return DFU_E_TIMEOUT;
	case DFU_ACT_DETACH:
	case DFU_ACT_STALL:
	default:
		return DFU_E_STALL;
	}
}

static int dev_reset(void *ctx, struct xport_handle *h)
{
	struct dev *d = ctx;

	(void)h;
	dfu_fsm_usb_reset(&d->fsm, d->now_us);
	return 0;
}

static void dev_sleep(void *ctx, uint32_t ms)
{
	((struct dev *)ctx)->now_us += (uint64_t)ms * 1000;
}

static uint64_t dev_now(void *ctx)
{
	return ((struct dev *)ctx)->now_us;
}

static const struct xport_ops dev_ops = {
	.name = "fake",
	.enumerate = dev_enumerate,
	.open = dev_open,
	.close = dev_close,
	.control = dev_control,
	.reset = dev_reset,
	.sleep_ms = dev_sleep,
	.now_us = dev_now,
};

/* 1209:0001 in DFU mode, one interface with one alt named "memory". */
static void dev_init(struct dev *d)
{
	const uint8_t attrs = DFU_ATTR_CAN_DNLOAD | DFU_ATTR_CAN_UPLOAD | DFU_ATTR_MANIFEST_TOLERANT;
	const struct usb_device_desc dd = { .bcdUSB = 0x0200, .bMaxPacketSize0 = 64,
					    .idVendor = 0x1209, .idProduct = 0x0001,
					    .bcdDevice = 0x0100, .iSerialNumber = 3,
					    .bNumConfigurations = 1 };
	struct usb_config_desc cd = { .bNumInterfaces = 1, .bConfigurationValue = 1,
				      .bmAttributes = 0x80, .bMaxPower = 50 };
	const struct usb_interface_desc id = { .bInterfaceClass = USB_CLASS_APP_SPEC,
					       .bInterfaceSubClass = 1,
					       .bInterfaceProtocol = USB_PROTO_DFU_MODE,
					       .iInterface = 4 };
	const struct dfu_func_desc fd = { attrs, 255, XFER, 0x0110 };
	const struct dfu_fsm_config fc = { .attributes = attrs, .transfer_size = XFER };
	struct xport_dev_info *x = &d->info;
	size_t len = USB_DT_CONFIG_SIZE;

	memset(d, 0, sizeof(*d));
	usb_device_desc_encode(&dd, x->device_desc, sizeof(x->device_desc));
	len += (size_t)usb_interface_desc_encode(&id, x->config + len, sizeof(x->config) - len);
	len += (size_t)dfu_func_desc_encode(&fd, x->config + len, sizeof(x->config) - len);
	cd.wTotalLength = (uint16_t)len;
	usb_config_desc_encode(&cd, x->config, USB_DT_CONFIG_SIZE);
	x->config_len = len;
	x->vid = 0x1209;
	x->pid = 0x0001;
	x->bcd_device = 0x0100;
	x->devnum = 1;
	snprintf(x->path, sizeof(x->path), "1-1");
	snprintf(x->serial, sizeof(x->serial), "PERSONA1");
	xport_dev_add_string(x, 3, "PERSONA1");
	xport_dev_add_string(x, 4, "memory");
	dfu_fsm_init(&d->fsm, &fc, DFU_STATE_IDLE);
	d->present = true;
}

/* ---- running dfu-flash under a name ---- */

struct fx {
	struct dev d;
	struct xport x;
	struct cli_files files;
	uint8_t img[5000];
	char out[OUT_MAX], err[OUT_MAX];
};

static struct fx *fx_new(void)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	dev_init(&f->d);
	f->x.ops = &dev_ops;
	f->x.ctx = &f->d;
	for (size_t i = 0; i < sizeof(f->img); i++)
		f->img[i] = (uint8_t)(i * 7 + 3);
	cli_files_init(&f->files, "persona");
	cli_write_file(f->files.fw, f->img, sizeof(f->img));
	return f;
}

static void fx_free(struct fx *f)
{
	cli_files_remove(&f->files);
	free(f);
}

/* NAME ARGS... on the fake bus. */
static int run_as_v(struct fx *f, const char *name, va_list ap)
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
	rc = dfu_flash_run(argc, argv, out, err, &f->x);
	cli_slurp(out, f->out, sizeof(f->out));
	cli_slurp(err, f->err, sizeof(f->err));
	return rc;
}

static int run_as(struct fx *f, const char *name, ...)
{
	va_list ap;
	int rc;

	va_start(ap, name);
	rc = run_as_v(f, name, ap);
	va_end(ap);
	return rc;
}
#define du(f, ...) run_as((f), "/usr/local/bin/dfu-util", __VA_ARGS__, NULL)
#define flash(f, ...) run_as((f), "dfu-flash", __VA_ARGS__, NULL)

/* Each of `lines` in `hay`, in that order. */
static const char BANNER_LINE1[] = "dfu-util 0.11 (dfu-flash ";

/* ---- the name ---- */

static void test_the_personality_is_chosen_by_the_base_name_dfu_util_alone(void **st)
{
	(void)st;
	assert_int_equal(cli_personality_of("dfu-util"), CLI_PERSONALITY_DFU_UTIL);
	assert_int_equal(cli_personality_of("/usr/bin/dfu-util"), CLI_PERSONALITY_DFU_UTIL);
	assert_int_equal(cli_personality_of("./build/lab/dfu-util"), CLI_PERSONALITY_DFU_UTIL);
	assert_int_equal(cli_personality_of("dfu-flash"), CLI_PERSONALITY_DFU_FLASH);
	assert_int_equal(cli_personality_of("/opt/dfu-util/dfu-flash"), CLI_PERSONALITY_DFU_FLASH);
	assert_int_equal(cli_personality_of("dfu-util-0.9"), CLI_PERSONALITY_DFU_FLASH);
	assert_int_equal(cli_personality_of("my-dfu-util"), CLI_PERSONALITY_DFU_FLASH);
	assert_int_equal(cli_personality_of(""), CLI_PERSONALITY_DFU_FLASH);
	assert_int_equal(cli_personality_of(NULL), CLI_PERSONALITY_DFU_FLASH);
}

/* ---- banner, -V, -h, errors ---- */

static void test_version_as_dfu_util_is_the_banner_naming_dfu_flash(void **st)
{
	struct fx *f = fx_new();
	char first[128], second[8];
	(void)st;

	assert_int_equal(du(f, "-V"), CLI_EXIT_OK);
	/* what scripts parse: the first line's first two words */
	assert_int_equal(sscanf(f->out, "%127s %7s", first, second), 2);
	assert_string_equal(first, "dfu-util");
	assert_string_equal(second, "0.11");
	assert_true(strncmp(f->out, BANNER_LINE1, strlen(BANNER_LINE1)) == 0);
	/* and what it is, on the same line and after it */
	assert_has(f->out, "compatibility mode)\n\n");
	assert_has(f->out, "This is dfu-flash, not dfu-util");
	assert_true(strlen(f->out) > 3 && strcmp(f->out + strlen(f->out) - 3, ".\n\n") == 0);
	assert_string_equal(f->err, "");
	fx_free(f);
}

static void test_version_as_dfu_flash_says_the_personality_exists(void **st)
{
	struct fx *f = fx_new();
	(void)st;

	assert_int_equal(flash(f, "-V"), CLI_EXIT_OK);
	assert_true(strncmp(f->out, "dfu-flash ", 10) == 0);
	assert_has(f->out, ")\ndfu-util personality: yes (");
	assert_lacks(f->out, "dfu-util 0.11 (");
	fx_free(f);
}

static void test_help_and_bad_options_as_dfu_util_go_to_stderr_without_a_banner(void **st)
{
	struct fx *f = fx_new();
	(void)st;

	assert_int_equal(du(f, "-h"), CLI_EXIT_OK);
	assert_string_equal(f->out, "");
	assert_has(f->err, "--dfuse-address");
	assert_int_equal(du(f, "--no-such-option"), CLI_EXIT_USAGE);
	assert_string_equal(f->out, "");
	assert_has(f->err, "dfu-flash: ");
	/* as dfu-flash, help stays on stdout */
	assert_int_equal(flash(f, "-h"), CLI_EXIT_OK);
	assert_has(f->out, "--dfuse-address");
	fx_free(f);
}

static void test_list_as_dfu_util_prints_the_banner_then_the_found_lines(void **st)
{
	struct fx *f = fx_new();
	(void)st;

	assert_int_equal(du(f, "-l"), CLI_EXIT_OK);
	assert_true(strncmp(f->out, BANNER_LINE1, strlen(BANNER_LINE1)) == 0);
	assert_has(f->out, ".\n\nFound DFU: [1209:0001] ver=0100, devnum=1, cfg=1, intf=0, "
			   "path=\"1-1\", alt=0, name=\"memory\", serial=\"PERSONA1\"\n");
	/* dfu-flash's -l: the same line, nothing before it */
	assert_int_equal(flash(f, "-l"), CLI_EXIT_OK);
	assert_true(strncmp(f->out, "Found DFU: [1209:0001]", 22) == 0);
	fx_free(f);
}

static void test_no_device_as_dfu_util_is_exit_74_with_the_banner_on_stdout(void **st)
{
	struct fx *f = fx_new();
	(void)st;

	f->d.present = false;
	assert_int_equal(du(f, "-D", f->files.fw), CLI_EXIT_IOERR);
	assert_true(strncmp(f->out, BANNER_LINE1, strlen(BANNER_LINE1)) == 0);
	assert_lacks(f->out, "Opening DFU capable USB device...");
	assert_has(f->err, "dfu-flash: ");
	fx_free(f);
}

/* ---- a plain DFU 1.1 download and upload ---- */

static void test_plain_download_prints_dfu_utils_lines_on_stdout_and_its_own_on_stderr(void **st)
{
	static const char *const lines[] = {
		"Opening DFU capable USB device...\n",
		"Device ID 1209:0001\n",
		"Device DFU version 0110\n",
		"Claiming USB DFU Interface...\n",
		"Determining device status...\n",
		"DFU state(2) = dfuIDLE, status(0) = ",
		"DFU mode device DFU version 0110\n",
		"Device returned transfer size 1024\n",
		"Copying data from PC to DFU device\n",
		"\rDownload\t[                         ]   0%            0 bytes",
		"\rDownload\t[=========================] 100%         5000 bytes\nDownload done.\n",
		"DFU state(2) = dfuIDLE, status(0) = ",
		"Done!\n",
		NULL,
	};
	struct fx *f = fx_new();
	(void)st;

	assert_int_equal(du(f, "-D", f->files.fw), CLI_EXIT_OK);
	assert_in_order(f->out, lines);
	/* one interface with one alt: dfu-util sets no alternate setting */
	assert_lacks(f->out, "Setting Alternate Interface");
	assert_lacks(f->out, "dfu-flash:");
	assert_has(f->err, "dfu-flash: wrote 5000 bytes in 5 blocks of 1024; manifested");
	assert_int_equal(f->d.len, sizeof(f->img));
	assert_memory_equal(f->d.mem, f->img, sizeof(f->img));
	/* the same as dfu-flash: stdout stays empty */
	assert_int_equal(flash(f, "-D", f->files.fw), CLI_EXIT_OK);
	assert_string_equal(f->out, "");
	assert_has(f->err, "dfu-flash: wrote 5000 bytes");
	fx_free(f);
}

static void test_plain_upload_prints_upload_done_and_the_total(void **st)
{
	struct fx *f = fx_new();
	uint8_t back[sizeof(f->img)];
	(void)st;

	assert_int_equal(du(f, "-D", f->files.fw), CLI_EXIT_OK);
	assert_int_equal(du(f, "-U", f->files.up), CLI_EXIT_OK);
	assert_has(f->out, "Copying data from DFU device to PC\n");
	assert_has(f->out, "\rUpload\t[=========================] 100%         5000 bytes\n"
			   "Upload done.\nReceived a total of 5000 bytes\n");
	/* the bar closes once */
	assert_int_equal(strstr(strstr(f->out, "Upload done.") + 1, "Upload done.") == NULL, 1);
	assert_int_equal(cli_read_file(f->files.up, back, sizeof(back)), sizeof(back));
	assert_memory_equal(back, f->img, sizeof(back));
	fx_free(f);
}

static void test_final_reset_prints_dfu_utils_line(void **st)
{
	struct fx *f = fx_new();
	(void)st;

	assert_int_equal(du(f, "-D", f->files.fw, "-R"), CLI_EXIT_OK);
	assert_has(f->out, "Done!\nResetting USB to switch back to Run-Time mode\n");
	fx_free(f);
}

/* ---- dfu-flash's checks stay, with its exit codes and words ---- */

static void test_refusals_keep_dfu_flashs_message_on_stderr_and_its_exit_code(void **st)
{
	struct fx *f = fx_new();
	(void)st;

	/* -s on a plain DFU 1.1 device */
	assert_int_equal(du(f, "-s", "0x08000000", "-D", f->files.fw), CLI_EXIT_USAGE);
	assert_has(f->out, "Device returned transfer size 1024\n");
	assert_lacks(f->out, "Download done.");
	assert_has(f->err, "dfu-flash: 1209:0001 speaks plain DFU 1.1");
	/* an upload file that exists is never overwritten: before any device line */
	cli_write_file(f->files.up, "x", 1);
	assert_int_equal(du(f, "-U", f->files.up), CLI_EXIT_CANTCREAT);
	assert_lacks(f->out, "Opening DFU capable USB device...");
	assert_has(f->err, "dfu-flash never overwrites a file");
	fx_free(f);
}

static void test_json_and_quiet_keep_stdout_free_of_dfu_utils_lines(void **st)
{
	struct fx *f = fx_new();
	(void)st;

	assert_int_equal(du(f, "--json", "-D", f->files.fw), CLI_EXIT_OK);
	assert_true(strncmp(f->out, "{\"event\":", 9) == 0);
	assert_lacks(f->out, "dfu-util 0.11");
	assert_lacks(f->out, "Download done.");
	assert_int_equal(du(f, "--quiet", "-D", f->files.fw), CLI_EXIT_OK);
	assert_string_equal(f->out, "");
	fx_free(f);
}

/* ---- the bar ---- */

static void test_the_bar_grows_in_place_and_read_back_draws_none(void **st)
{
	struct cli_report r = { 0 };
	char buf[4096];
	(void)st;

	r.out = tmpfile();
	r.err = tmpfile();
	assert_non_null(r.out);
	assert_non_null(r.err);
	r.dfu_util = true;
	r.du_bars = true;
	r.du_phase = -1;
	cli_progress(&r, DFU_PHASE_ERASE, 2048, 4096);
	cli_progress(&r, DFU_PHASE_ERASE, 4096, 4096);
	cli_progress(&r, DFU_PHASE_WRITE, 1024, 4096);
	cli_progress(&r, DFU_PHASE_WRITE, 1100, 4096); /* same width: not redrawn */
	cli_progress(&r, DFU_PHASE_WRITE, 4096, 4096);
	cli_progress(&r, DFU_PHASE_VERIFY, 4096, 4096);
	cli_slurp(r.out, buf, sizeof(buf));
	fclose(r.err);
	assert_string_equal(buf,
			    "\rErase   \t[                         ]   0%            0 bytes"
			    "\rErase   \t[============             ]  50%         2048 bytes"
			    "\rErase   \t[=========================] 100%         4096 bytes\n"
			    "Erase    done.\n"
			    "\rDownload\t[                         ]   0%            0 bytes"
			    "\rDownload\t[======                   ]  25%         1024 bytes"
			    "\rDownload\t[=========================] 100%         4096 bytes\n"
			    "Download done.\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_the_personality_is_chosen_by_the_base_name_dfu_util_alone),
		cmocka_unit_test(test_version_as_dfu_util_is_the_banner_naming_dfu_flash),
		cmocka_unit_test(test_version_as_dfu_flash_says_the_personality_exists),
		cmocka_unit_test(test_help_and_bad_options_as_dfu_util_go_to_stderr_without_a_banner),
		cmocka_unit_test(test_list_as_dfu_util_prints_the_banner_then_the_found_lines),
		cmocka_unit_test(test_no_device_as_dfu_util_is_exit_74_with_the_banner_on_stdout),
		cmocka_unit_test(test_plain_download_prints_dfu_utils_lines_on_stdout_and_its_own_on_stderr),
		cmocka_unit_test(test_plain_upload_prints_upload_done_and_the_total),
		cmocka_unit_test(test_final_reset_prints_dfu_utils_line),
		cmocka_unit_test(test_refusals_keep_dfu_flashs_message_on_stderr_and_its_exit_code),
		cmocka_unit_test(test_json_and_quiet_keep_stdout_free_of_dfu_utils_lines),
		cmocka_unit_test(test_the_bar_grows_in_place_and_read_back_draws_none),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
