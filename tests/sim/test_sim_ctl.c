/* test_sim_ctl.c - the control channel's interpreter without sockets: each
 * command's answer, each usage error's sentence, and what the actions do to
 * the boards (and to a USB/IP importer, through an in-process server). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "dfu/bytes.h"
#include "dfu/dfu_file.h"

#include "dfu/usbip_proto.h"
#include "sim/dfu11_device.h"
#include "sim/sim_board.h"
#include "sim/sim_ctl.h"
#include "sim/usbip_server.h"

struct fx {
	struct sim_board boards[2];
	struct sim_board *ptrs[2];
	struct usbip_server *srv;
	struct sim_ctl *ctl;
	struct sim_text out;
};

static int setup_with(void **state, bool with_server)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct usbip_server_config cfg = { 0 };

	assert_non_null(f);
	for (unsigned i = 0; i < 2; i++) {
		struct sim_board_config bc;

		sim_board_config_default(&bc, l4_profile_find("stm32l412xb"), i);
		assert_int_equal(sim_board_init(&f->boards[i], &bc), 0);
		sim_board_power_on(&f->boards[i], 0);
		f->ptrs[i] = &f->boards[i];
	}
	if (with_server)
		assert_int_equal(usbip_server_new(&f->srv, &cfg, f->ptrs, 2), 0);
	assert_int_equal(sim_ctl_new(&f->ctl, f->ptrs, 2, f->srv), 0);
	*state = f;
	return 0;
}

static int setup(void **state)
{
	return setup_with(state, false);
}

static int setup_server(void **state)
{
	return setup_with(state, true);
}

static int teardown(void **state)
{
	struct fx *f = *state;

	sim_ctl_free(f->ctl);
	usbip_server_free(f->srv);
	for (unsigned i = 0; i < 2; i++)
		sim_board_free(&f->boards[i]);
	sim_text_free(&f->out);
	free(f);
	return 0;
}

/* Run a command; return its result with the answer in f->out. */
static int run(struct fx *f, const char *line)
{
	sim_text_free(&f->out);
	return sim_ctl_execute(f->ctl, line, &f->out);
}

static void expect_error(struct fx *f, const char *line, int err, const char *needle)
{
	int rc = run(f, line);

	if (rc != err || !f->out.p || !strstr(f->out.p, needle))
		fail_msg("\"%s\" gave %d \"%s\", expected %d with \"%s\"", line, rc,
			 f->out.p ? f->out.p : "", err, needle);
}

static void test_every_usage_error_has_a_sentence(void **state)
{
	struct fx *f = *state;
	char longline[SIM_CTL_LINE_MAX + 10];
	expect_error(f, "", DFU_E_USAGE, "empty command");
	expect_error(f, "   \t ", DFU_E_USAGE, "empty command");
	expect_error(f, "fly", DFU_E_USAGE, "unknown command \"fly\"");
	expect_error(f, "a b c d e f g h i", DFU_E_USAGE, "too many words");
	memset(longline, 'x', sizeof(longline) - 1);
	longline[sizeof(longline) - 1] = 0;
	expect_error(f, longline, DFU_E_USAGE, "longer than");
	expect_error(f, "status 1 2", DFU_E_USAGE, "usage: status [DEV]");
	expect_error(f, "status 3", DFU_E_NOTFOUND, "no device \"3\"");
	expect_error(f, "status 0", DFU_E_NOTFOUND, "no device \"0\"");
	expect_error(f, "reset", DFU_E_USAGE, "usage: reset DEV");
	expect_error(f, "power-cycle 1 2", DFU_E_USAGE, "usage: power-cycle DEV");
	expect_error(f, "reset 9-9", DFU_E_NOTFOUND, "busid (1-1 to 1-2)");
	expect_error(f, "boot0 1", DFU_E_USAGE, "usage: boot0 DEV 0|1");
	expect_error(f, "boot0 x 1", DFU_E_NOTFOUND, "no device \"x\"");
	expect_error(f, "power sideways 1", DFU_E_USAGE, "usage: power off|on DEV");
	expect_error(f, "power on", DFU_E_USAGE, "usage: power off|on DEV");
	expect_error(f, "power on 7", DFU_E_NOTFOUND, "no device");
	expect_error(f, "dump", DFU_E_USAGE, "usage: dump flash");
	expect_error(f, "dump sram 1", DFU_E_USAGE, "usage: dump flash");
	expect_error(f, "dump ob 1 2", DFU_E_USAGE, "usage: dump ob DEV");
	expect_error(f, "dump ob 5", DFU_E_NOTFOUND, "no device");
	expect_error(f, "dump flash 1 0x08000000", DFU_E_USAGE, "usage: dump flash DEV [ADDR LEN]");
	expect_error(f, "dump flash 1 here 16", DFU_E_USAGE, "must be numbers");
	expect_error(f, "dump flash 1 0x07FFFFF0 16", DFU_E_RANGE, "outside main flash");
	expect_error(f, "dump flash 1 0x08000000 0x100000000", DFU_E_USAGE, "must be numbers");
	expect_error(f, "log", DFU_E_USAGE, "usage: log DEV [N]");
	expect_error(f, "log 1 many", DFU_E_USAGE, "not a number of lines");
	expect_error(f, "log 4", DFU_E_NOTFOUND, "no device");
	expect_error(f, "quit now", DFU_E_USAGE, "usage: quit");
	expect_error(f, "query 1 2", DFU_E_USAGE, "usage: query DEV");
	expect_error(f, "crc 1 2 3", DFU_E_USAGE, "usage: crc DEV [LEN]");
	expect_error(f, "log 1 2 3", DFU_E_USAGE, "usage: log DEV [N]");
	assert_false(sim_ctl_quit_requested(f->ctl));
}

static void test_help_lists_every_command_with_its_arguments(void **state)
{
	static const char *const lines[] = {
		"status [DEV] ",
		"power-cycle DEV ",
		"reset DEV ",
		"boot0 DEV 0|1 ",
		"power off|on DEV ",
		"dump flash DEV [ADDR LEN] | ob DEV ",
		"log DEV [N] ",
		"query DEV ",
		"crc DEV [LEN] ",
		"preload DEV FILE [ADDR] ",
		"ob-write DEV HEX ",
		"help ",
		"quit ",
	};
	struct fx *f = *state;
	struct sim_text direct = { 0 };
	size_t nlines = 0;

	assert_int_equal(run(f, "help"), 0);
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		char want[80];

		snprintf(want, sizeof(want), "\n%s", lines[i]);
		/* each command starts a line (the first one starts the text) */
		if (!(i == 0 ? strncmp(f->out.p, lines[0], strlen(lines[0])) == 0
			     : strstr(f->out.p, want) != NULL))
			fail_msg("help lacks a line \"%s\":\n%s", lines[i], f->out.p);
	}
	for (size_t k = 0; k < f->out.len; k++)
		nlines += f->out.p[k] == '\n';
	/* one line per command and one saying what DEV is: nothing unlisted */
	assert_int_equal(nlines, sizeof(lines) / sizeof(lines[0]) + 1);
	assert_non_null(strstr(f->out.p, "DEV: a busid (1-1), a device number (1) or a serial"));
	/* what dfu-sim --help prints is the same text */
	sim_ctl_help(&direct);
	assert_string_equal(direct.p, f->out.p);
	sim_text_free(&direct);
	expect_error(f, "help me", DFU_E_USAGE, "usage: help");
}

static void test_an_unknown_command_points_at_help_and_names_the_commands(void **state)
{
	struct fx *f = *state;

	expect_error(f, "fly 1-1", DFU_E_USAGE, "unknown command \"fly\"; try \"help\"");
	expect_error(f, "fly", DFU_E_USAGE, "status power-cycle reset boot0 power dump log query");
	expect_error(f, "fly", DFU_E_USAGE, "ob-write help quit");
	/* names are exact: no prefixes, no other case */
	expect_error(f, "stat", DFU_E_USAGE, "unknown command \"stat\"");
	expect_error(f, "STATUS", DFU_E_USAGE, "unknown command \"STATUS\"");
}

/* A board and a generic DFU 1.1 device on one channel: the device has
 * status and power; what needs a chip is refused with a reason. */
static void test_a_device_that_is_not_a_board_has_status_and_power_only(void **state)
{
	struct sim_board board;
	struct sim_board_config bc;
	struct sim_dfu11 d11;
	struct sim_dfu11_config dc;
	struct sim_bus_dev devs[2];
	struct fx f = { 0 };
	static const char *const refused[] = {
		"reset 2", "boot0 2 1", "dump flash 2", "dump ob 2", "log 2",
		"query 2", "crc 2",	"preload 2 /dev/null", "ob-write 2 00",
	};
	(void)state;
	sim_board_config_default(&bc, l4_profile_find("stm32l412xb"), 0);
	assert_int_equal(sim_board_init(&board, &bc), 0);
	sim_board_power_on(&board, 0);
	sim_dfu11_config_default(&dc, 0);
	assert_int_equal(sim_dfu11_init(&d11, &dc), 0);
	devs[0] = sim_board_bus_dev(&board);
	devs[1] = sim_dfu11_bus_dev(&d11);
	assert_int_equal(sim_ctl_new_devs(&f.ctl, devs, 2, NULL), 0);

	assert_int_equal(run(&f, "status"), 0);
	assert_non_null(strstr(f.out.p, "device 1-1\n  serial: "));
	assert_non_null(strstr(f.out.p, "running: ROM DFU bootloader"));
	assert_non_null(strstr(f.out.p, "device 1-2\n  serial: DFU11-0000\n"
					"  chip: none (a generic USB device, not an STM32 board)\n"
					"  usb: 1209:0001 on the bus, generation 1, not imported\n"));
	/* found by its serial too */
	assert_int_equal(run(&f, "status dfu11-0000"), 0);
	assert_non_null(strstr(f.out.p, "device 1-2"));
	assert_int_equal(run(&f, "power off 1-2"), 0);
	assert_false(sim_dfu11_on_bus(&d11));
	assert_int_equal(run(&f, "status 1-2"), 0);
	assert_non_null(strstr(f.out.p, "usb: off the bus (generation 1)"));
	assert_int_equal(run(&f, "power on 1-2"), 0);
	assert_true(sim_dfu11_on_bus(&d11));
	assert_int_equal(run(&f, "power-cycle 2"), 0);
	assert_true(sim_dfu11_on_bus(&d11));
	assert_int_equal(d11.bus_generation, 3);
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		expect_error(&f, refused[i], DFU_E_UNSUPPORTED,
			     "device 1-2 is not an STM32 board (no chip, pins or log); status, "
			     "power and power-cycle work on it");
	/* the board next to it still answers them */
	assert_int_equal(run(&f, "crc 1 16"), 0);
	sim_ctl_free(f.ctl);
	sim_text_free(&f.out);
	sim_dfu11_free(&d11);
	sim_board_free(&board);
}

static void test_actions_reach_the_boards(void **state)
{
	struct fx *f = *state;
	uint32_t gen = f->boards[1].bus_generation;
	assert_int_equal(run(f, "boot0 1-2 1"), 0);
	assert_true(f->boards[1].chip.boot0_pin);
	assert_int_equal(run(f, "reset 2"), 0);
	assert_int_equal(f->boards[1].bus_generation, gen + 1);
	assert_int_equal(f->boards[1].chip.last_reset, L4_RESET_SYSTEM);
	assert_int_equal(run(f, "power off 1-2"), 0);
	assert_false(f->boards[1].chip.powered);
	assert_null(f->boards[1].on_bus);
	assert_int_equal(run(f, "status 1-2"), 0);
	assert_non_null(strstr(f->out.p, "power: off"));
	assert_null(strstr(f->out.p, "next boot")); /* nothing boots while unpowered */
	assert_int_equal(run(f, "power on 1-2"), 0);
	assert_true(f->boards[1].chip.powered);
	assert_int_equal(run(f, "power-cycle 1-2"), 0);
	assert_int_equal(f->boards[1].chip.last_reset, L4_RESET_POWER_ON);
	assert_int_equal(run(f, "quit"), 0);
	assert_true(sim_ctl_quit_requested(f->ctl));
}

static void test_status_shows_a_pending_option_byte_change(void **state)
{
	struct fx *f = *state;
	f->boards[0].chip.ob_flash[0] = 0xBB; /* RDP level 1 written, not loaded yet */
	assert_int_equal(run(f, "status 1-1"), 0);
	assert_non_null(strstr(f->out.p, "optr: 0xFFEFF8AA"));
	assert_non_null(strstr(f->out.p, "loaded at the next option load or power-on): 0xFFEFF8BB"));
	assert_non_null(strstr(f->out.p, "usb: 0483:DF11 on the bus, generation 1, not imported"));
}

static void test_dump_folds_repeats_and_ends_with_the_end_address(void **state)
{
	struct fx *f = *state;
	static const uint8_t word[16] = "dfulab flash\x01\x02\x7f\x80";
	assert_int_equal(l4_chip_preload(&f->boards[0].chip, 0x08000010, word, 16), 0);
	assert_int_equal(run(f, "dump flash 1 0x08000000 0x40"), 0);
	assert_string_equal(f->out.p,
			    "08000000  ff ff ff ff ff ff ff ff  ff ff ff ff ff ff ff ff  "
			    "|................|\n"
			    "08000010  64 66 75 6c 61 62 20 66  6c 61 73 68 01 02 7f 80  "
			    "|dfulab flash....|\n"
			    "08000020  ff ff ff ff ff ff ff ff  ff ff ff ff ff ff ff ff  "
			    "|................|\n"
			    "*\n"
			    "08000040\n");
	assert_int_equal(run(f, "dump flash 1 0x08000010 5"), 0);
	assert_string_equal(f->out.p, "08000010  64 66 75 6c 61                                    "
				      "|dfula|\n08000015\n");
}

static void test_log_gives_the_last_lines_with_virtual_time(void **state)
{
	struct fx *f = *state;
	assert_int_equal(run(f, "log 1 1"), 0);
	assert_non_null(strstr(f->out.p, "0.000000 usb: 0483:DF11"));
	int lines = 0;
	for (const char *p = f->out.p; *p; p++)
		lines += *p == '\n';
	assert_int_equal(lines, 1);
	assert_int_equal(run(f, "log 1"), 0);
	assert_non_null(strstr(f->out.p, "boot:"));
	assert_int_equal(run(f, "help"), 0);
	assert_non_null(strstr(f->out.p, "power-cycle DEV"));
}

static void test_an_answer_too_long_for_the_text_buffer_is_cut_and_flagged(void **state)
{
	struct fx *f = *state;
	struct sim_text t = { 0 };
	char chunk[4097];
	(void)f;
	memset(chunk, 'y', 4096);
	chunk[4096] = 0;
	for (size_t i = 0; i < SIM_CTL_TEXT_MAX / 4096 + 2; i++)
		sim_text_printf(&t, "%s", chunk);
	assert_true(t.overflow);
	assert_true(t.len <= SIM_CTL_TEXT_MAX);
	size_t len = t.len;
	sim_text_printf(&t, "more");
	assert_int_equal(t.len, len);
	sim_text_free(&t);
}

static void test_power_off_closes_the_importer_of_that_board(void **state)
{
	struct fx *f = *state;
	struct usbip_conn *c = usbip_conn_new(f->srv);
	uint8_t req[40];
	const uint8_t *p;
	assert_non_null(c);
	usbip_req_import_encode("1-1", req, sizeof(req));
	assert_int_equal(usbip_conn_feed(c, req, 40), 40);
	assert_int_equal(usbip_conn_output(c, &p), 320);
	assert_int_equal(run(f, "status 1"), 0);
	assert_non_null(strstr(f->out.p, "imported by a client"));
	assert_int_equal(run(f, "power off 1-1"), 0);
	assert_true(usbip_conn_closing(c));
	usbip_conn_free(c);
	assert_int_equal(run(f, "listen"), DFU_E_USAGE);
}

static void test_listen_needs_a_server_and_a_short_path(void **state)
{
	struct fx *f = *state;
	struct dfu_diag diag;
	char path[200];
	(void)state;
	memset(path, 'p', sizeof(path) - 1);
	path[sizeof(path) - 1] = 0;
	assert_int_equal(sim_ctl_listen(f->ctl, "/tmp/x.sock", &diag), DFU_E_INVAL);
	assert_non_null(strstr(diag.msg, "needs a server"));
	struct usbip_server_config cfg = { 0 };
	struct usbip_server *srv;
	struct sim_ctl *ctl;
	assert_int_equal(usbip_server_new(&srv, &cfg, f->ptrs, 2), 0);
	assert_int_equal(sim_ctl_new(&ctl, f->ptrs, 2, srv), 0);
	assert_int_equal(sim_ctl_listen(ctl, path, &diag), DFU_E_INVAL);
	assert_non_null(strstr(diag.msg, "longer than"));
	sim_ctl_free(ctl);
	usbip_server_free(srv);
	assert_int_equal(sim_ctl_new(&ctl, f->ptrs, USBIP_SERVER_MAX_BOARDS + 1, NULL),
			 DFU_E_INVAL);
}

/* ---- commands for programs ---- */

/* The value of "key value" in a query answer. */
static const char *value_of(const char *answer, const char *key, char *out, size_t cap)
{
	char pat[40];
	const char *p;

	snprintf(pat, sizeof(pat), "%s ", key);
	for (p = answer; p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (strncmp(p, pat, strlen(pat)) == 0) {
			size_t n = strcspn(p + strlen(pat), "\n");
			snprintf(out, cap, "%.*s", (int)n, p + strlen(pat));
			return out;
		}
	fail_msg("no \"%s\" in the answer: %s", key, answer);
	return NULL;
}

static void test_query_answers_key_value_lines_for_programs(void **state)
{
	struct fx *f = *state;
	char v[200];

	assert_int_equal(run(f, "query 1-1"), 0);
	assert_string_equal(value_of(f->out.p, "chip", v, sizeof(v)), "stm32l412xb");
	assert_string_equal(value_of(f->out.p, "runs", v, sizeof(v)), "rom");
	assert_string_equal(value_of(f->out.p, "running", v, sizeof(v)), "ROM DFU bootloader");
	assert_string_equal(value_of(f->out.p, "powered", v, sizeof(v)), "1");
	assert_string_equal(value_of(f->out.p, "pempty", v, sizeof(v)), "1");
	assert_string_equal(value_of(f->out.p, "timing", v, sizeof(v)), "instant");
	assert_string_equal(value_of(f->out.p, "leave", v, sizeof(v)), "reset");
	assert_string_equal(value_of(f->out.p, "app", v, sizeof(v)), "silent");
	assert_string_equal(value_of(f->out.p, "quirks", v, sizeof(v)), "0x0");
	assert_int_equal(strlen(value_of(f->out.p, "ob", v, sizeof(v))), 80);
	assert_int_equal(strtoul(value_of(f->out.p, "optr", v, sizeof(v)), NULL, 0),
			 f->boards[0].chip.optr);
	assert_int_equal(run(f, "power off 2"), 0);
	assert_int_equal(run(f, "query 2"), 0);
	assert_string_equal(value_of(f->out.p, "runs", v, sizeof(v)), "nothing");
	assert_string_equal(value_of(f->out.p, "on-bus", v, sizeof(v)), "0");
	expect_error(f, "query", DFU_E_USAGE, "usage: query DEV");
	expect_error(f, "query 9", DFU_E_NOTFOUND, "no device");
}

static void test_preload_is_factory_content_seen_at_the_next_power_on(void **state)
{
	struct fx *f = *state;
	const char *path = "/tmp/dfulab-test-sim-ctl-preload.bin";
	uint8_t img[256];
	char line[200], v[200];
	FILE *w;

	memset(img, 0x5A, sizeof(img));
	/* a vector table: SP in SRAM, a Thumb reset handler in flash */
	dfu_put_le32(img, 0x20008000u);
	for (unsigned k = 1; k < 16; k++)
		dfu_put_le32(img + 4 * k, 0x08000101u);
	w = fopen(path, "wb");
	assert_non_null(w);
	assert_int_equal(fwrite(img, 1, sizeof(img), w), sizeof(img));
	fclose(w);
	assert_int_equal(run(f, "power off 1"), 0);
	snprintf(line, sizeof(line), "preload 1 %s", path);
	assert_int_equal(run(f, line), 0);
	assert_int_equal(run(f, "crc 1 256"), 0);
	snprintf(v, sizeof(v), "0x%08X\n",
		 (unsigned)(dfu_crc32(DFU_CRC_INIT, img, sizeof(img)) ^ 0xFFFFFFFFu));
	assert_string_equal(f->out.p, v);
	assert_int_equal(run(f, "power on 1"), 0);
	assert_int_equal(run(f, "query 1"), 0);
	assert_string_equal(value_of(f->out.p, "runs", v, sizeof(v)), "app");
	assert_string_equal(value_of(f->out.p, "pempty", v, sizeof(v)), "0");
	/* at an address, and the whole-flash CRC moves */
	snprintf(line, sizeof(line), "preload 2 %s 0x08010000", path);
	assert_int_equal(run(f, line), 0);
	assert_int_equal(f->boards[1].chip.flash[0x10000], 0x00);
	assert_int_equal(run(f, "crc 2"), 0);
	expect_error(f, "crc", DFU_E_USAGE, "usage: crc DEV [LEN]");
	expect_error(f, "crc 1 lots", DFU_E_RANGE, "must be a number of bytes");
	expect_error(f, "crc 1 0x1000000", DFU_E_RANGE, "must be a number of bytes");
	expect_error(f, "preload 1", DFU_E_USAGE, "usage: preload DEV FILE [ADDR]");
	expect_error(f, "preload 1 /nonexistent/fw.bin", DFU_E_IO, "No such file");
	snprintf(line, sizeof(line), "preload 1 %s there", path);
	expect_error(f, line, DFU_E_USAGE, "is not a number");
	snprintf(line, sizeof(line), "preload 1 %s 0x0801FFF0", path);
	expect_error(f, line, DFU_E_RANGE, "do not fit main flash");
	remove(path);
}

static void test_ob_write_replaces_the_option_byte_flash_loaded_later(void **state)
{
	struct fx *f = *state;
	char v[200], line[300];
	uint32_t optr;

	assert_int_equal(run(f, "query 1"), 0);
	value_of(f->out.p, "ob", v, sizeof(v));
	optr = f->boards[0].chip.optr;
	/* nSWBOOT0 (bit 26) cleared in the word and set in its complement */
	snprintf(line, sizeof(line), "ob-write 1 %s", v);
	{
		char *hex = line + strlen("ob-write 1 ");
		uint32_t w = optr & ~(1u << 26), nw = ~w;
		char tmp[9];
		for (int k = 0; k < 4; k++) {
			snprintf(tmp, sizeof(tmp), "%02x", (w >> (8 * k)) & 0xFF);
			memcpy(hex + 2 * k, tmp, 2);
			snprintf(tmp, sizeof(tmp), "%02x", (nw >> (8 * k)) & 0xFF);
			memcpy(hex + 8 + 2 * k, tmp, 2);
		}
	}
	assert_int_equal(run(f, line), 0);
	assert_int_equal(f->boards[0].chip.optr, optr); /* not loaded yet */
	assert_int_equal(run(f, "power-cycle 1"), 0);
	assert_int_equal(f->boards[0].chip.optr, optr & ~(1u << 26));
	expect_error(f, "ob-write 1", DFU_E_USAGE, "usage: ob-write DEV HEX");
	expect_error(f, "ob-write 1 00ff", DFU_E_SIZE, "as 80 hex digits, not 4");
	memset(line, 0, sizeof(line));
	memcpy(line, "ob-write 2 ", 11);
	memset(line + 11, 'g', 80);
	expect_error(f, line, DFU_E_FORMAT, "is not hex");
}

/* ---- the client ---- */

static void test_client_reports_a_missing_dfu_sim_and_a_silent_one(void **state)
{
	struct sim_text out = { 0 };
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	const char *path = "/tmp/dfulab-test-sim-ctl-silent.sock";
	char longpath[200];
	int fd;
	(void)state;

	assert_int_equal(sim_ctl_request("/tmp/dfulab-no-such.sock", "status", 1000, &out),
			 DFU_E_NOTFOUND);
	assert_non_null(strstr(out.p, "is dfu-sim running?"));
	sim_text_free(&out);
	memset(longpath, 'p', sizeof(longpath) - 1);
	longpath[sizeof(longpath) - 1] = 0;
	assert_int_equal(sim_ctl_request(longpath, "status", 1000, &out), DFU_E_INVAL);
	sim_text_free(&out);
	assert_int_equal(sim_ctl_request(path, "a\nb", 1000, &out), DFU_E_USAGE);
	sim_text_free(&out);
	/* A socket that accepts (the backlog does) but never answers. */
	unlink(path);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	memcpy(sa.sun_path, path, strlen(path) + 1);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 4), 0);
	assert_int_equal(sim_ctl_request(path, "status", 50, &out), DFU_E_TIMEOUT);
	assert_non_null(strstr(out.p, "no answer within 50 ms"));
	sim_text_free(&out);
	close(fd);
	unlink(path);
}

/* A one-shot server in a child process: accept, read a line, answer. */
static void answer_once(const char *path, const char *answer, int *fd_out, pid_t *pid_out)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	pid_t pid;

	unlink(path);
	assert_true(fd >= 0);
	memcpy(sa.sun_path, path, strlen(path) + 1);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 4), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char buf[256];
		int c = accept(fd, NULL, NULL);
		if (c >= 0 && read(c, buf, sizeof(buf)) > 0 &&
		    write(c, answer, strlen(answer)) == (ssize_t)strlen(answer))
			close(c);
		_exit(0);
	}
	*fd_out = fd;
	*pid_out = pid;
}

static void test_client_returns_the_answer_or_the_error_sentence(void **state)
{
	const char *path = "/tmp/dfulab-test-sim-ctl-answer.sock";
	struct sim_text out = { 0 };
	int fd;
	pid_t pid;
	(void)state;

	answer_once(path, "line one\nline two\nok\n", &fd, &pid);
	assert_int_equal(sim_ctl_request(path, "status", 5000, &out), 0);
	assert_string_equal(out.p, "line one\nline two\n");
	sim_text_free(&out);
	waitpid(pid, NULL, 0);
	close(fd);

	answer_once(path, "error: no device \"7\"\n", &fd, &pid);
	assert_int_equal(sim_ctl_request(path, "status 7", 5000, &out), DFU_E_DEVICE);
	assert_string_equal(out.p, "no device \"7\"");
	sim_text_free(&out);
	waitpid(pid, NULL, 0);
	close(fd);

	answer_once(path, "maybe\n", &fd, &pid);
	assert_int_equal(sim_ctl_request(path, "status", 5000, &out), DFU_E_PROTOCOL);
	assert_non_null(strstr(out.p, "unexpected answer \"maybe\""));
	sim_text_free(&out);
	waitpid(pid, NULL, 0);
	close(fd);

	answer_once(path, "half a line", &fd, &pid);
	assert_int_equal(sim_ctl_request(path, "status", 5000, &out), DFU_E_IO);
	assert_non_null(strstr(out.p, "without a complete answer"));
	sim_text_free(&out);
	waitpid(pid, NULL, 0);
	close(fd);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_every_usage_error_has_a_sentence, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_help_lists_every_command_with_its_arguments,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_an_unknown_command_points_at_help_and_names_the_commands, setup,
			teardown),
		cmocka_unit_test(test_a_device_that_is_not_a_board_has_status_and_power_only),
		cmocka_unit_test_setup_teardown(test_actions_reach_the_boards, setup, teardown),
		cmocka_unit_test_setup_teardown(test_status_shows_a_pending_option_byte_change, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_dump_folds_repeats_and_ends_with_the_end_address,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_log_gives_the_last_lines_with_virtual_time,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_an_answer_too_long_for_the_text_buffer_is_cut_and_flagged, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_power_off_closes_the_importer_of_that_board,
						setup_server, teardown),
		cmocka_unit_test_setup_teardown(test_listen_needs_a_server_and_a_short_path, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_query_answers_key_value_lines_for_programs,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_preload_is_factory_content_seen_at_the_next_power_on, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_ob_write_replaces_the_option_byte_flash_loaded_later, setup, teardown),
		cmocka_unit_test(test_client_reports_a_missing_dfu_sim_and_a_silent_one),
		cmocka_unit_test(test_client_returns_the_answer_or_the_error_sentence),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
