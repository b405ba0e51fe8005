/* test_cli_flash.c - dfu-flash end to end, in-process: its main-like entry
 * on emulated STM32L412 boards the test keeps, so every run's effect on the
 * chip can be checked. The seed command, the remedies, upload, option
 * bytes, .dfu files, exit codes, --json, --all, and golden transcripts. */
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
#include "sim/sim_board.h"
#include "cli_harness.h"
#include "image_builder.h"
#include "lab_fixture.h"

#define IMAGE_SIZE (16 * 1024)
#define OUT_MAX (64 * 1024)

struct fx {
	struct lab_fx lab;
	struct cli_files files;
	uint8_t image[IMAGE_SIZE];
	char out[OUT_MAX], err[OUT_MAX];
};

/* `nboards` L412s, flash times as the datasheet says, on a full-speed bus;
 * the image in files.fw. */
static struct fx *fx_new(unsigned nboards, const char *shared_serial)
{
	struct fx *f = calloc(1, sizeof(*f));
	const struct lab_fx_opts o = {
		.boards = nboards,
		.timing = SIM_TIMING_DATASHEET,
		.serial = shared_serial,
		.full_speed = true,
	};

	assert_non_null(f);
	lab_fx_init(&f->lab, &o);
	image_build(f->image, IMAGE_SIZE, 0x2545F491u);
	cli_files_init(&f->files, "cli");
	cli_write_file(f->files.fw, f->image, IMAGE_SIZE);
	return f;
}

static void fx_free(struct fx *f)
{
	lab_fx_fini(&f->lab);
	cli_files_remove(&f->files);
	free(f);
}

/* dfu-flash ARGS... on the fixture's boards (xp NULL: its own transport). */
static int run_x(struct fx *f, const struct xport *xp, ...)
{
	const struct cli_capture c = { f->out, f->err, sizeof(f->out), sizeof(f->err) };
	va_list ap;
	int rc;

	va_start(ap, xp);
	rc = cli_run_args(xp, &c, NULL, ap);
	va_end(ap);
	return rc;
}
#define run(f, ...) run_x((f), &(f)->lab.x, __VA_ARGS__, NULL)
#define run_own(f, ...) run_x((f), NULL, __VA_ARGS__, NULL)

static bool flash_holds_image(const struct fx *f, unsigned board)
{
	return memcmp(f->lab.b[board].chip.flash, f->image, IMAGE_SIZE) == 0;
}

/* ---- -l ---- */

static void test_list_prints_dfu_util_lines_highest_alt_first(void **st)
{
	struct fx *f = fx_new(1, NULL);
	(void)st;
	assert_int_equal(run(f, "-l"), 0);
	assert_string_equal(
		f->out,
		"Found DFU: [0483:df11] ver=2200, devnum=1, cfg=1, intf=0, path=\"1-1\", alt=3, "
		"name=\"@Device Feature/0xFFFF0000/01*004 e\", serial=\"206732653138\"\n"
		"Found DFU: [0483:df11] ver=2200, devnum=1, cfg=1, intf=0, path=\"1-1\", alt=2, "
		"name=\"@OTP Memory /0x1FFF7000/01*0001Ke\", serial=\"206732653138\"\n"
		"Found DFU: [0483:df11] ver=2200, devnum=1, cfg=1, intf=0, path=\"1-1\", alt=1, "
		"name=\"@Option Bytes  /0x1FFF7800/01*040 e\", serial=\"206732653138\"\n"
		"Found DFU: [0483:df11] ver=2200, devnum=1, cfg=1, intf=0, path=\"1-1\", alt=0, "
		"name=\"@Internal Flash  /0x08000000/0064*0002Kg\", serial=\"206732653138\"\n");
	assert_int_equal(run(f, "-l", "-a", "1"), 0);
	assert_non_null(strstr(f->out, "alt=1"));
	assert_null(strstr(f->out, "alt=0"));
	/* one pair names the run-time device (dfu-util 0.11): a DFU-mode
	 * device is listed whatever it is; after a comma it filters DFU mode */
	assert_int_equal(run(f, "-l", "-d", "1234:5678"), 0);
	assert_non_null(strstr(f->out, "Found DFU: [0483:df11]"));
	assert_int_equal(run(f, "-l", "-d", ",1234:5678"), 0);
	assert_string_equal(f->out, "");
	assert_non_null(strstr(f->err, "no DFU device found"));
	fx_free(f);
}

static void test_sim_option_builds_its_own_boards(void **st)
{
	struct fx *f = fx_new(0, NULL);
	(void)st;
	assert_int_equal(run_own(f, "--sim", "stm32l412xb,count=2,boot0=0", "-l"), 0);
	assert_non_null(strstr(f->out, "path=\"1-2\", alt=3"));
	assert_non_null(strstr(f->out, "path=\"1-1\", alt=0"));
	assert_int_equal(run_own(f, "--sim", "stm32f407", "-l"), CLI_EXIT_USAGE);
	assert_non_null(strstr(f->err, "stm32l412xb"));
	assert_int_equal(run_own(f, "--sim", "stm32l412xb,count=99", "-l"), CLI_EXIT_USAGE);
	/* the whole seed job with a board of dfu-flash's own */
	assert_int_equal(run_own(f, "--sim", "stm32l412xb", "-a", "0", "-i", "0", "-s",
				 "0x08000000:mass-erase:force:leave", "-R", "-D", f->files.fw),
			 CLI_EXIT_NOT_RUNNING);
	fx_free(f);
}

/* ---- the seed and the remedies ---- */

static void test_seed_command_ends_flashed_but_not_running_with_exit_3(void **st)
{
	struct fx *f = fx_new(1, NULL);
	(void)st;
	assert_int_equal(run(f, "-a", "0", "-i", "0", "-s", "0x08000000:mass-erase:force:leave",
			     "-R", "-D", f->files.fw),
			 CLI_EXIT_NOT_RUNNING);
	assert_non_null(strstr(f->err, "verified by read-back; left DFU mode"));
	assert_non_null(strstr(f->err, "dfu-flash: 0483:df11 serial 206732653138 (STM32L41x-L46x) "
				       "came back in the ROM bootloader: flashed but not running: "
				       "the flash-empty flag (PEMPTY) was latched at power-on"));
	assert_non_null(strstr(f->err, "remedies: power cycle, or --reload-option-bytes"));
	assert_int_equal(f->lab.b[0].runs, SIM_RUNS_ROM);
	assert_true(flash_holds_image(f, 0));
	fx_free(f);
}

static void test_reload_option_bytes_after_the_trap_runs_the_application(void **st)
{
	struct fx *f = fx_new(1, NULL);
	(void)st;
	assert_int_equal(run(f, "-a", "0", "-s", "0x08000000:mass-erase:force:leave", "-D",
			     f->files.fw),
			 CLI_EXIT_NOT_RUNNING);
	assert_int_equal(run(f, "--reload-option-bytes"), 0);
	assert_non_null(strstr(f->err, "unchanged (reload)"));
	assert_int_equal(f->lab.b[0].runs, SIM_RUNS_APP);
	assert_true(flash_holds_image(f, 0));
	fx_free(f);
}

/* The DFU-only remedy with dfu-util's own options ([remedies], the
 * option-byte rewrite row): read the option-byte block through alt 1, write
 * it back with will-reset. The ROM resets while busy with the block instead
 * of answering: that is success (dfu-util 0.11 exits 0), and the option load
 * re-samples PEMPTY, so the application runs. */
static void test_option_bytes_written_back_with_will_reset_run_the_application(void **st)
{
	struct fx *f = fx_new(1, NULL);
	char ob[300];
	(void)st;
	snprintf(ob, sizeof(ob), "%s.ob", f->files.up);
	remove(ob);
	assert_int_equal(run(f, "-a", "0", "-s", "0x08000000:mass-erase:force:leave", "-D",
			     f->files.fw),
			 CLI_EXIT_NOT_RUNNING);
	assert_int_equal(run(f, "-a", "1", "-s", "0x1FFF7800:40", "-U", ob), 0);
	assert_int_equal(run(f, "-a", "1", "-s", "0x1FFF7800:will-reset", "-D", ob), 0);
	assert_non_null(strstr(f->err, "wrote 40 bytes at 0x1FFF7800; the device reset itself as "
				       "announced (will-reset)"));
	assert_int_equal(f->lab.b[0].runs, SIM_RUNS_APP);
	assert_true(flash_holds_image(f, 0));
	remove(ob);
	fx_free(f);
}

static void test_fix_empty_check_ends_with_the_application_running(void **st)
{
	struct fx *f = fx_new(1, NULL);
	(void)st;
	assert_int_equal(run(f, "-a", "0", "-i", "0", "-s", "0x08000000:mass-erase:force:leave",
			     "-R", "-D", f->files.fw, "--fix-empty-check"),
			 0);
	assert_non_null(strstr(f->err, "flashed but not running"));
	assert_non_null(strstr(f->err, "--fix-empty-check: rewriting the option bytes"));
	assert_int_equal(f->lab.b[0].runs, SIM_RUNS_APP);
	fx_free(f);
}

static void test_json_reports_events_and_the_final_result(void **st)
{
	struct fx *f = fx_new(1, NULL);
	(void)st;
	assert_int_equal(run(f, "--json", "-a", "0", "-s", "0x08000000:leave", "-D", f->files.fw),
			 CLI_EXIT_NOT_RUNNING);
	assert_non_null(strstr(f->out, "{\"event\":\"device\",\"vid\":1155,\"pid\":57105,"
				       "\"serial\":\"206732653138\",\"path\":\"1-1\",\"alt\":0}\n"));
	assert_non_null(strstr(f->out, "{\"event\":\"progress\",\"phase\":\"write\",\"done\":16384,"
				       "\"total\":16384}\n"));
	assert_non_null(strstr(f->out, "\"kind\":\"empty-check trap\"") ||
			strstr(f->out, "\"event\":\"return\""));
	assert_non_null(strstr(f->out, "{\"event\":\"result\",\"exit\":3,"));
	fx_free(f);
}

/* ---- upload ---- */

static void test_upload_returns_exactly_what_was_written(void **st)
{
	struct fx *f = fx_new(1, NULL);
	uint8_t *back = malloc(IMAGE_SIZE + 1);
	FILE *u;
	(void)st;
	assert_int_equal(run(f, "-a", "0", "-s", "0x08000000", "-D", f->files.fw), 0);
	assert_int_equal(run(f, "-a", "0", "-s", "0x08000000:16384", "-U", f->files.up), 0);
	u = fopen(f->files.up, "rb");
	assert_non_null(u);
	assert_int_equal(fread(back, 1, IMAGE_SIZE + 1, u), IMAGE_SIZE);
	fclose(u);
	assert_memory_equal(back, f->image, IMAGE_SIZE);
	free(back);
	/* dfu-util opens the upload file O_EXCL: an existing one is exit 73 */
	assert_int_equal(run(f, "-a", "0", "-s", "0x08000000:16", "-U", f->files.up),
			     CLI_EXIT_CANTCREAT);
	assert_non_null(strstr(f->err, "never overwrites"));
	fx_free(f);
}

/* ---- option bytes ---- */

/* ST's ROM stalls an UPLOAD under RDP level 1 and reports errVENDOR
 * (AN3156 §3): dfu-flash asks why and says "read protection", with the fix. */
static void test_upload_under_rdp_level_1_names_read_protection(void **st)
{
	struct fx *f = fx_new(1, NULL);
	(void)st;
	remove(f->files.up);
	assert_int_equal(run(f, "--set-option", "RDP=1"), 0);
	assert_int_equal(run(f, "-a", "0", "-s", "0x08000000:1024", "-U", f->files.up),
			     CLI_EXIT_IOERR);
	assert_non_null(strstr(f->err, "the device reported errVENDOR"));
	assert_non_null(strstr(f->err, "read protection (RDP level 1) is active: -s "
				       ":unprotect:force removes it and erases the flash"));
	/* the device was left usable: dfuERROR cleared */
	assert_int_equal(run(f, "-a", "0", "-s", ":unprotect:force", "-D", f->files.fw), 0);
	fx_free(f);
}

static void test_rdp_level_2_is_refused_without_the_loud_flag(void **st)
{
	struct fx *f = fx_new(1, NULL);
	uint32_t optr = f->lab.b[0].chip.optr;
	(void)st;
	assert_int_equal(run(f, "--set-option", "RDP=2"), CLI_EXIT_USAGE);
	assert_non_null(strstr(f->err, "--i-really-want-rdp-level-2-and-lose-the-bootloader"));
	assert_int_equal(run(f, "--set-option", "RDP=0xCC"), CLI_EXIT_USAGE);
	assert_int_equal(f->lab.b[0].chip.optr, optr);
	assert_int_equal(f->lab.b[0].runs, SIM_RUNS_ROM);
	fx_free(f);
}

static void test_set_option_round_trips_through_the_chip(void **st)
{
	struct fx *f = fx_new(1, NULL);
	(void)st;
	assert_int_equal(run(f, "--show-options"), 0);
	assert_non_null(strstr(f->out, "  BOR_LEV     = 0 "));
	assert_int_equal(run(f, "--set-option", "BOR_LEV=3", "--set-option", "nRST_STOP=0"), 0);
	/* the chip loaded them (the ROM resets with an option load) */
	assert_int_equal((f->lab.b[0].chip.optr >> 8) & 7, 3);
	assert_int_equal((f->lab.b[0].chip.optr >> 12) & 1, 0);
	/* a virgin chip comes back to its ROM: the read-back shows them */
	assert_int_equal(run(f, "--show-options"), 0);
	assert_non_null(strstr(f->out, "  BOR_LEV     = 3 "));
	assert_non_null(strstr(f->out, "  nRST_STOP   = 0 "));
	assert_int_equal(run(f, "--set-option", "BOR_LEV=5"), CLI_EXIT_USAGE);
	assert_non_null(strstr(f->err, "BOR_LEV is 0-4"));
	assert_int_equal(run(f, "--set-option", "COLOUR=blue"), CLI_EXIT_USAGE);
	assert_non_null(strstr(f->err, "\"COLOUR\" is not an option-byte field"));
	fx_free(f);
}

/* ---- files ---- */

static void test_a_dfuse_file_from_cores_builder_is_flashed_and_verified(void **st)
{
	struct fx *f = fx_new(1, NULL);
	struct dfuse_build_element el = { 0x08000000u, f->image, IMAGE_SIZE };
	struct dfuse_build_target tg = { 0, "Internal Flash", &el, 1 };
	struct dfu_suffix ids = { .bcdDevice = 0, .idProduct = 0xdf11, .idVendor = 0x0483 };
	size_t cap = dfuse_file_build_size(&tg, 1);
	uint8_t *buf = malloc(cap);
	int n;
	(void)st;
	n = dfuse_file_build(&tg, 1, &ids, buf, cap);
	assert_true(n > 0);
	cli_write_file(f->files.fw, buf, (size_t)n);
	/* no -a: a .dfu file names its alt settings */
	assert_int_equal(run(f, "-D", f->files.fw, "-s", ":leave"), CLI_EXIT_NOT_RUNNING);
	assert_non_null(strstr(f->err, "verified by read-back"));
	assert_true(flash_holds_image(f, 0));
	/* an address with a .dfu file is a usage error, as in dfu-util */
	assert_int_equal(run(f, "-D", f->files.fw, "-s", "0x08000000"), CLI_EXIT_USAGE);
	/* a damaged suffix is refused (dfu-util would flash the suffix too) */
	buf[n - 1] ^= 0xFF;
	cli_write_file(f->files.fw, buf, (size_t)n);
	assert_int_equal(run(f, "-D", f->files.fw, "-s", ":leave"), CLI_EXIT_DATAERR);
	assert_non_null(strstr(f->err, "damaged"));
	free(buf);
	fx_free(f);
}

static void test_exit_codes_follow_dfu_util(void **st)
{
	struct fx *f = fx_new(2, NULL);
	(void)st;
	assert_int_equal(run(f, "-a", "0", "-s", "0x08000000", "-D", "/nonexistent/fw.bin"),
			 CLI_EXIT_NOINPUT);
	assert_non_null(strstr(f->err, "/nonexistent/fw.bin"));
	assert_int_equal(run(f, "-s", "0x08000000:mass-erase", "-D", f->files.fw), CLI_EXIT_USAGE);
	/* two boards: ambiguous without -S, -p or --all */
	assert_int_equal(run(f, "-a", "0", "-s", "0x08000000", "-D", f->files.fw), CLI_EXIT_IOERR);
	assert_non_null(strstr(f->err, "206732653138 at 1-1"));
	assert_non_null(strstr(f->err, "206732663138 at 1-2"));
	/* several alts without -a */
	assert_int_equal(run(f, "-p", "1-2", "-s", "0x08000000", "-D", f->files.fw),
			     CLI_EXIT_IOERR);
	assert_non_null(strstr(f->err, "choose one with -a"));
	/* nothing matches */
	assert_int_equal(run(f, "-S", "NOSUCH", "-a", "0", "-s", "0x08000000", "-D", f->files.fw),
			 CLI_EXIT_IOERR);
	assert_non_null(strstr(f->err, "no DFU-mode device matches"));
	/* a raw image on a DfuSe device needs an address */
	assert_int_equal(run(f, "-p", "1-1", "-a", "0", "-D", f->files.fw), CLI_EXIT_USAGE);
	assert_non_null(strstr(f->err, "-s 0x08000000"));
	assert_int_equal(run(f, "-h"), 0);
	assert_non_null(strstr(f->out, "--dfuse-address"));
	assert_int_equal(run(f, "-V"), 0);
	assert_non_null(strstr(f->out, "dfu-flash"));
	fx_free(f);
}

static void test_identical_serials_are_listed_by_path(void **st)
{
	struct fx *f = fx_new(2, "CAFE00000001");
	(void)st;
	assert_int_equal(run(f, "-a", "0", "-S", "CAFE00000001", "-s", "0x08000000", "-D",
			     f->files.fw),
			 CLI_EXIT_IOERR);
	assert_non_null(strstr(f->err, "CAFE00000001 at 1-1"));
	assert_non_null(strstr(f->err, "CAFE00000001 at 1-2"));
	assert_non_null(strstr(f->err, "-p PATH"));
	fx_free(f);
}

static void test_all_flashes_every_board_and_prints_a_table(void **st)
{
	struct fx *f = fx_new(2, NULL);
	(void)st;
	assert_int_equal(run(f, "--all", "-a", "0", "-s", "0x08000000:leave", "-D", f->files.fw,
			     "--fix-empty-check"), 0);
	assert_non_null(strstr(f->out, "serial"));
	assert_non_null(strstr(f->out, "206732653138   1-1        0    ok"));
	assert_non_null(strstr(f->out, "206732663138   1-2        0    ok"));
	assert_int_equal(f->lab.b[0].runs, SIM_RUNS_APP);
	assert_int_equal(f->lab.b[1].runs, SIM_RUNS_APP);
	fx_free(f);
}

/* ---- golden transcripts ---- */

static size_t count_lines(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static void check_golden(struct fx *f, const char *name)
{
	char path[300], *want = malloc(OUT_MAX), *got = malloc(OUT_MAX);
	FILE *g = fopen(f->files.tr, "r");
	size_t n;

	assert_non_null(g);
	n = fread(got, 1, OUT_MAX - 1, g);
	got[n] = '\0';
	fclose(g);
	snprintf(path, sizeof(path), "%s/golden/%s", DFULAB_TEST_DATA, name);
	if (getenv("DFULAB_UPDATE_GOLDEN")) {
		cli_write_file(path, got, n);
	}
	g = fopen(path, "r");
	assert_non_null(g);
	n = fread(want, 1, OUT_MAX - 1, g);
	want[n] = '\0';
	fclose(g);
	if (strcmp(want, got) != 0)
		print_error("transcript differs from %s; got:\n%s\n", path, got);
	assert_string_equal(want, got);
	free(want);
	free(got);
}

static void test_seed_transcript_matches_the_golden_one(void **st)
{
	struct fx *f = fx_new(1, NULL);
	char *t = malloc(OUT_MAX);
	FILE *g;
	size_t n;
	(void)st;
	assert_int_equal(run(f, "-a", "0", "-i", "0", "-s", "0x08000000:mass-erase:force:leave",
			     "-R", "-D", f->files.fw, "--transcript", f->files.tr),
			 CLI_EXIT_NOT_RUNNING);
	check_golden(f, "seed-l412.txt");
	g = fopen(f->files.tr, "r");
	n = fread(t, 1, OUT_MAX - 1, g);
	t[n] = '\0';
	fclose(g);
	/*
	 * dfu-util 0.11 for the same job ([dfu-util-0.11], request
	 * sequences), 16384 bytes in 2048-byte chunks (8): prologue 4 string
	 * reads + SET_INTERFACE + GETSTATUS = 6; mass erase DNLOAD + 2
	 * GETSTATUS = 3; per chunk SET_ADDRESS (DNLOAD + 2 GETSTATUS) +
	 * DNLOAD + 2 GETSTATUS = 6, so 48; ABORT + GETSTATUS = 2; leave
	 * SET_ADDRESS (3) + DNLOAD + GETSTATUS = 5; -R DETACH = 1 (never
	 * reached in practice: it exits 74 at the leave). 65 in all, with no
	 * read-back. dfu-flash: SET_INTERFACE + GETSTATUS, mass erase 3, one
	 * SET_ADDRESS 3, 8 x (DNLOAD + 2 GETSTATUS), a read-back verify
	 * (SET_ADDRESS 3 + ABORT/GETSTATUS + 8 UPLOAD + ABORT/GETSTATUS),
	 * leave 5. The strings are read by enumeration, not counted here.
	 */
	assert_int_equal(count_lines(t), 47);
	assert_true(count_lines(t) < 65);
	assert_non_null(strstr(t, "OUT 21 01 0000 0000 0001 [41]\n"));
	assert_non_null(strstr(t, "OUT 21 01 0000 0000 0005 [21 00 00 00 08]\n"));
	free(t);
	fx_free(f);
}

static void test_upload_transcript_matches_the_golden_one(void **st)
{
	struct fx *f = fx_new(1, NULL);
	char *t = malloc(OUT_MAX);
	FILE *g;
	size_t n;
	(void)st;
	assert_int_equal(run(f, "-a", "0", "-s", "0x08000000", "-D", f->files.fw), 0);
	assert_int_equal(run(f, "-a", "0", "-s", "0x08000000:16384", "-U", f->files.up,
			     "--transcript",
			     f->files.tr), 0);
	check_golden(f, "upload-l412.txt");
	g = fopen(f->files.tr, "r");
	n = fread(t, 1, OUT_MAX - 1, g);
	t[n] = '\0';
	fclose(g);
	/*
	 * dfu-util 0.11, -U with -s 0x08000000:16384 ([dfu-util-0.11]): prologue 6
	 * (4 string reads, SET_INTERFACE, GETSTATUS); SET_ADDRESS 3; ABORT +
	 * GETSTATUS 2; UPLOAD blocks 2..9 = 8; ABORT + GETSTATUS 2: 21.
	 * dfu-flash sends the same minus the string reads.
	 */
	assert_true(count_lines(t) <= 21);
	free(t);
	fx_free(f);
}

int main(void)
{
	if (lab_sim_xport_register() < 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_list_prints_dfu_util_lines_highest_alt_first),
		cmocka_unit_test(test_sim_option_builds_its_own_boards),
		cmocka_unit_test(test_seed_command_ends_flashed_but_not_running_with_exit_3),
		cmocka_unit_test(test_reload_option_bytes_after_the_trap_runs_the_application),
		cmocka_unit_test(test_option_bytes_written_back_with_will_reset_run_the_application),
		cmocka_unit_test(test_fix_empty_check_ends_with_the_application_running),
		cmocka_unit_test(test_json_reports_events_and_the_final_result),
		cmocka_unit_test(test_upload_returns_exactly_what_was_written),
		cmocka_unit_test(test_upload_under_rdp_level_1_names_read_protection),
		cmocka_unit_test(test_rdp_level_2_is_refused_without_the_loud_flag),
		cmocka_unit_test(test_set_option_round_trips_through_the_chip),
		cmocka_unit_test(test_a_dfuse_file_from_cores_builder_is_flashed_and_verified),
		cmocka_unit_test(test_exit_codes_follow_dfu_util),
		cmocka_unit_test(test_identical_serials_are_listed_by_path),
		cmocka_unit_test(test_all_flashes_every_board_and_prints_a_table),
		cmocka_unit_test(test_seed_transcript_matches_the_golden_one),
		cmocka_unit_test(test_upload_transcript_matches_the_golden_one),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
