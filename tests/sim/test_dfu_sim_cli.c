/* test_dfu_sim_cli.c - the dfu-sim program: every bad flag gets a message
 * naming the flag, the value and the fix (exit 64); --help, --version,
 * --list-chips; the control channel driven with `dfu-sim ctl` (status, power,
 * reset, BOOT0, dumps, log, quit) and what it does to USB/IP clients;
 * initial images; the board flags' older spellings; generic DFU 1.1
 * devices (--chip dfu11) over USB/IP. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "usbip_client.h"

static int each_setup(void **state)
{
	(void)state;
	alarm(60);
	return 0;
}

/* Run dfu-sim with a shell-quoted argument string; collect stdout+stderr. */
static int run_sim(const char *args, char *out, size_t cap)
{
	char cmd[2048];
	FILE *f;
	size_t got = 0;
	int status;

	assert_true((size_t)snprintf(cmd, sizeof(cmd), "'%s' %s 2>&1", dfu_sim_path(), args) <
		    sizeof(cmd));
	f = popen(cmd, "r");
	assert_non_null(f);
	for (;;) {
		size_t n = fread(out + got, 1, cap - 1 - got, f);
		if (n == 0)
			break;
		got += n;
	}
	out[got] = 0;
	status = pclose(f);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void expect_usage_error(const char *args, const char *needle1, const char *needle2)
{
	char out[8192];
	int rc = run_sim(args, out, sizeof(out));

	if (rc != 64)
		fail_msg("dfu-sim %s exited %d, expected 64: %s", args, rc, out);
	if (!strstr(out, needle1) || (needle2 && !strstr(out, needle2)))
		fail_msg("dfu-sim %s: message lacks \"%s\"/\"%s\": %s", args, needle1,
			 needle2 ? needle2 : "", out);
}

static void test_every_bad_flag_is_a_usage_error_naming_flag_value_and_fix(void **state)
{
	(void)state;
	expect_usage_error("--count 0", "--count 0", "1 to 32");
	expect_usage_error("--count many", "--count many", "1 to 32");
	expect_usage_error("--count 33", "--count 33", "1 to 32");
	expect_usage_error("--timing fast", "--timing fast", "instant or datasheet");
	expect_usage_error("--leave later", "--leave later", "reset or jump");
	expect_usage_error("--ob-reset soft", "--ob-reset soft", "option-load or system");
	expect_usage_error("--app full", "--app full", "silent or");
	expect_usage_error("--quirk nope", "--quirk nope", "erase-stall");
	expect_usage_error("--boot0 2", "--boot0 2", "0 or 1");
	expect_usage_error("--port 65536", "--port 65536", "0 to 65535");
	expect_usage_error("--port -1", "--port -1", "0 to 65535");
	expect_usage_error("--chip stm32f407", "--chip stm32f407", "--list-chips");
	expect_usage_error("--chip stm32l476rg", "--chip stm32l476rg", "not supported");
	expect_usage_error("--chip", "--chip", "needs a value");
	expect_usage_error("--frobnicate", "--frobnicate", "--help");
	expect_usage_error("status", "status", "ctl");
	expect_usage_error("--serial A --serial B", "--serial", "--count");
	expect_usage_error("--listen localhost --port 0 --ctl /tmp/dfu-sim-test-never.sock",
			   "--listen localhost", "numeric");
	expect_usage_error("--image fw.bin@nowhere", "--image fw.bin@nowhere", "0x08000000");
	expect_usage_error("ctl", "ctl", "give a command");
	/* the generic DFU 1.1 device's flags, and flags that do not fit the chip */
	expect_usage_error("--chip dfu11 --xfer 99999", "--xfer 99999", "0 to 4096");
	expect_usage_error("--chip dfu11 --mps0 12", "--mps0 12", "8, 16, 32 or 64");
	expect_usage_error("--chip dfu11 --manifest later", "--manifest later", "wait-reset");
	expect_usage_error("--chip dfu11 --will-detach 2", "--will-detach 2", "0 or 1");
	expect_usage_error("--chip dfu11 --upload no", "--upload no", "0 or 1");
	expect_usage_error("--boot0 1 --chip dfu11", "--boot0 does not apply to dfu11", "--xfer");
	expect_usage_error("--chip dfu11 --quirk erase-stall", "--quirk does not apply", NULL);
	expect_usage_error("--chip dfu11 --app silent", "--app silent", "--app dfu-runtime");
	expect_usage_error("--xfer 512", "--xfer does not apply to an STM32 chip", "--boot0");
	expect_usage_error("--chip dfu11 --state /tmp/dfu-sim-test-never", "--state", "dfu11");
	expect_usage_error("--serial", "--serial", "needs a value");
}

static void test_help_version_and_chip_list_exit_zero(void **state)
{
	char out[16384];
	static const char *const flags[] = { "--chip",	 "--list-chips", "--count",  "--boot0",
					     "--image",	 "--timing",	 "--leave",  "--ob-reset", "--app",
					     "--quirk",	 "--listen",	 "--port",   "--ctl",
					     "--state",	 "--pcap",	 "--log",    "--realtime",
					     "--help",	 "--version",	 "ctl" };
	(void)state;
	assert_int_equal(run_sim("--help", out, sizeof(out)), 0);
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
		if (!strstr(out, flags[i]))
			fail_msg("--help does not mention %s", flags[i]);
	assert_int_equal(run_sim("--version", out, sizeof(out)), 0);
	assert_non_null(strstr(out, "dfu-sim (dfulab)"));
	assert_int_equal(run_sim("--list-chips", out, sizeof(out)), 0);
	assert_non_null(strstr(out, "stm32l412xb"));
	assert_non_null(strstr(out, "not supported"));
	assert_non_null(strstr(out, "dfu11          generic DFU 1.1"));
	assert_int_equal(run_sim("ctl --help", out, sizeof(out)), 0);
	assert_non_null(strstr(out, "power-cycle"));
}

/* The help texts come from the tables: every board key with its default,
 * every quirk, every control command. */
static void test_help_lists_every_board_key_and_control_command(void **state)
{
	static const char *const keys[] = { "--serial TEXT", "--manifest tolerant|wait-reset",
					     "--will-detach 0|1", "--upload 0|1", "--xfer N",
					     "--mps0 8|16|32|64", "(default instant)",
					     "layout-garbage", "ob-power-loss" };
	static const char *const commands[] = { "status [DEV]", "power off|on DEV",
						 "dump flash DEV [ADDR LEN] | ob DEV",
						 "preload DEV FILE [ADDR]", "ob-write DEV HEX",
						 "help ", "quit " };
	char out[16384], ctl[8192];
	(void)state;
	assert_int_equal(run_sim("--help", out, sizeof(out)), 0);
	assert_int_equal(run_sim("ctl --help", ctl, sizeof(ctl)), 0);
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (!strstr(out, keys[i]))
			fail_msg("--help lacks \"%s\"", keys[i]);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (!strstr(out, commands[i]))
			fail_msg("--help lacks the control command \"%s\"", commands[i]);
		if (!strstr(ctl, commands[i]))
			fail_msg("ctl --help lacks \"%s\"", commands[i]);
	}
}

/* The spellings dfu-flash --sim has used work as dfu-sim flags too. */
static void test_older_spellings_of_app_and_shared_serial_are_accepted(void **state)
{
	static const char *const args[] = { "--count", "2", "--app", "runtime", "--serial",
					    "shared", NULL };
	const char *dir = test_dir("cli-alias");
	struct sim_proc p;
	char out[16384];
	(void)state;
	sim_start(&p, dir, args);
	assert_int_equal(sim_ctl_run(&p, out, sizeof(out), "query 1-2"), 0);
	assert_non_null(strstr(out, "app dfu-runtime\n"));
	assert_non_null(strstr(out, "quirks 0x8\n")); /* SIM_QUIRK_SHARED_SERIAL */
	sim_stop(&p);
	remove_dir(dir);
}

static void test_missing_image_file_is_an_error_naming_it(void **state)
{
	char out[8192];
	(void)state;
	assert_int_equal(run_sim("--port 0 --image /nonexistent/fw.bin", out, sizeof(out)), 1);
	assert_non_null(strstr(out, "--image /nonexistent/fw.bin"));
	assert_non_null(strstr(out, "No such file"));
}

static void test_ctl_without_a_running_dfu_sim_says_how_to_fix_it(void **state)
{
	char out[8192];
	(void)state;
	assert_int_equal(run_sim("ctl --ctl /tmp/dfu-sim-no-such.sock status", out, sizeof(out)), 1);
	assert_non_null(strstr(out, "/tmp/dfu-sim-no-such.sock"));
	assert_non_null(strstr(out, "is dfu-sim running"));
}

static void test_status_describes_chip_usb_pins_and_option_bytes(void **state)
{
	static const char *const args[] = { "--count", "2", "--serial", "ABC123", NULL };
	const char *dir = test_dir("cli-status");
	struct sim_proc p;
	char out[16384];
	(void)state;
	sim_start(&p, dir, args);
	assert_int_equal(sim_ctl_run(&p, out, sizeof(out), "status"), 0);
	assert_non_null(strstr(out, "device 1-1"));
	assert_non_null(strstr(out, "device 1-2"));
	assert_non_null(strstr(out, "serial: ABC123"));
	assert_non_null(strstr(out, "running: ROM DFU bootloader"));
	assert_non_null(strstr(out, "usb: 0483:DF11 on the bus, generation 1, not imported"));
	assert_non_null(strstr(out, "boot0: 0"));
	assert_non_null(strstr(out, "pempty: 1"));
	assert_non_null(strstr(out, "optr: 0xFFEFF8AA RDP=0xAA (level 0)"));
	assert_non_null(strstr(out, "nSWBOOT0=1"));
	assert_non_null(strstr(out, "next boot:"));
	/* DEV as busid, number or serial; errors go to stderr with exit 1. */
	assert_int_equal(sim_ctl_run(&p, out, sizeof(out), "status 2"), 0);
	assert_non_null(strstr(out, "device 1-2"));
	assert_null(strstr(out, "device 1-1"));
	assert_int_equal(sim_ctl_run(&p, out, sizeof(out), "status abc123"), 0);
	assert_non_null(strstr(out, "device 1-1"));
	assert_int_equal(sim_ctl_run(&p, out, sizeof(out), "status 1-9"), 1);
	assert_non_null(strstr(out, "no device \"1-9\""));
	assert_int_equal(sim_ctl_run(&p, out, sizeof(out), "frobnicate"), 1);
	assert_non_null(strstr(out, "unknown command \"frobnicate\""));
	assert_int_equal(sim_ctl_run(&p, out, sizeof(out), "boot0 1-1 7"), 1);
	assert_non_null(strstr(out, "usage: boot0 DEV 0|1"));
	assert_int_equal(sim_ctl_run(&p, out, sizeof(out), "help"), 0);
	assert_non_null(strstr(out, "dump flash DEV"));
	sim_stop(&p);
	remove_dir(dir);
}

static void test_dumps_show_flash_and_option_bytes(void **state)
{
	const char *dir = test_dir("cli-dump");
	struct sim_proc p;
	char *out = malloc(1 << 20);
	(void)state;
	assert_non_null(out);
	sim_start(&p, dir, NULL);
	/* A virgin flash folds into one line and a star. */
	assert_int_equal(sim_ctl_run(&p, out, 1 << 20, "dump flash 1-1"), 0);
	assert_non_null(strstr(out, "08000000  ff ff ff ff ff ff ff ff  ff ff"));
	assert_non_null(strstr(out, "*\n08020000\n"));
	assert_int_equal(sim_ctl_run(&p, out, 1 << 20, "dump flash 1 0x0801FFF0 16"), 0);
	assert_non_null(strstr(out, "0801FFF0  ff"));
	assert_int_equal(sim_ctl_run(&p, out, 1 << 20, "dump flash 1 0x08020000 16"), 1);
	assert_non_null(strstr(out, "outside main flash"));
	assert_int_equal(sim_ctl_run(&p, out, 1 << 20, "dump ob 1-1"), 0);
	assert_non_null(strstr(out, "1FFF7800  aa f8 ef ff 55 07 10 00"));
	assert_non_null(strstr(out, "OPTR 0xFFEFF8AA"));
	assert_int_equal(sim_ctl_run(&p, out, 1 << 20, "log 1-1 3"), 0);
	assert_non_null(strstr(out, "enumerates"));
	sim_stop(&p);
	free(out);
	remove_dir(dir);
}

static bool listed(uint16_t port, const char *busid, struct listed *out)
{
	struct listed l[8];
	int n = usbip_list(port, l, 8);

	for (int i = 0; i < n; i++)
		if (strcmp(l[i].dev.busid, busid) == 0) {
			if (out)
				*out = l[i];
			return true;
		}
	return false;
}

static void test_power_off_unplugs_the_importer_and_power_on_lists_it_again(void **state)
{
	const char *dir = test_dir("cli-power");
	struct sim_proc p;
	struct uclient c;
	char out[8192], s1[64], s2[64];
	(void)state;
	sim_start(&p, dir, NULL);
	usbip_import_ok(&c, p.port, "1-1");
	enumerate(&c, s1, sizeof(s1));
	assert_int_equal(sim_ctl_run(&p, out, sizeof(out), "status 1-1"), 0);
	assert_non_null(strstr(out, "imported by a client"));
	sim_ctl_ok(&p, "power off 1-1");
	assert_true(peer_closes(c.fd));
	uclient_close(&c);
	assert_false(listed(p.port, "1-1", NULL));
	assert_int_equal(usbip_import(&c, p.port, "1-1", NULL), USBIP_ST_NODEV);
	assert_int_equal(sim_ctl_run(&p, out, sizeof(out), "status 1-1"), 0);
	assert_non_null(strstr(out, "power: off"));
	assert_non_null(strstr(out, "usb: off the bus"));
	sim_ctl_ok(&p, "power on 1-1");
	assert_true(listed(p.port, "1-1", NULL));
	usbip_import_ok(&c, p.port, "1-1");
	enumerate(&c, s2, sizeof(s2));
	assert_string_equal(s1, s2);
	/* NRST: a system reset re-enumerates, which is an unplug too. */
	sim_ctl_ok(&p, "reset 1-1");
	assert_true(peer_closes(c.fd));
	uclient_close(&c);
	assert_int_equal(sim_ctl_run(&p, out, sizeof(out), "status 1-1"), 0);
	assert_non_null(strstr(out, "generation 3"));
	assert_non_null(strstr(out, "last reset: system"));
	sim_ctl_ok(&p, "power-cycle 1-1");
	assert_int_equal(sim_ctl_run(&p, out, sizeof(out), "status 1-1"), 0);
	assert_non_null(strstr(out, "generation 4"));
	sim_stop(&p);
	remove_dir(dir);
}

/* A vector table that the chip model accepts: SP in SRAM1, Thumb reset
 * handler in flash. */
static void write_app_image(const char *path)
{
	uint8_t img[1024];
	FILE *f = fopen(path, "wb");

	memset(img, 0, sizeof(img));
	dfu_put_le32(img, 0x20008000u);
	dfu_put_le32(img + 4, 0x08000101u);
	assert_non_null(f);
	assert_int_equal(fwrite(img, 1, sizeof(img), f), sizeof(img));
	fclose(f);
}

static void test_image_with_an_application_boots_it_until_boot0_selects_the_rom(void **state)
{
	const char *dir = test_dir("cli-image");
	char img[600], out[8192];
	const char *args[] = { "--image", img, NULL };
	struct sim_proc p;
	(void)state;
	snprintf(img, sizeof(img), "%s/app.bin", dir);
	write_app_image(img);
	sim_start(&p, dir, args);
	assert_int_equal(sim_ctl_run(&p, out, sizeof(out), "status 1-1"), 0);
	assert_non_null(strstr(out, "running: application"));
	assert_non_null(strstr(out, "pempty: 0"));
	assert_false(listed(p.port, "1-1", NULL)); /* a silent application */
	sim_ctl_ok(&p, "boot0 1-1 1");
	sim_ctl_ok(&p, "reset 1-1");
	assert_true(listed(p.port, "1-1", NULL));
	assert_int_equal(sim_ctl_run(&p, out, sizeof(out), "status 1-1"), 0);
	assert_non_null(strstr(out, "boot0: 1"));
	assert_non_null(strstr(out, "running: ROM DFU bootloader"));
	sim_stop(&p);
	remove_dir(dir);
}

static void test_image_at_an_address_and_dfu_runtime_application(void **state)
{
	const char *dir = test_dir("cli-image-at");
	char img[600], arg[700], out[8192];
	const char *args[] = { "--image", arg, "--app", "dfu-runtime", NULL };
	struct sim_proc p;
	struct listed l;
	(void)state;
	snprintf(img, sizeof(img), "%s/app.bin", dir);
	write_app_image(img);
	snprintf(arg, sizeof(arg), "%s@0x08000000", img);
	sim_start(&p, dir, args);
	/* The application's run-time DFU interface is on the bus. */
	assert_true(listed(p.port, "1-1", &l));
	assert_int_equal(l.dev.idVendor, 0x0483);
	assert_int_equal(l.dev.idProduct, 0xdf12);
	assert_int_equal(l.intf[0].bInterfaceProtocol, 0x01);
	assert_int_equal(sim_ctl_run(&p, out, sizeof(out), "dump flash 1-1 0x08000000 8"), 0);
	assert_non_null(strstr(out, "08000000  00 80 00 20 01 01 00 08"));
	sim_stop(&p);
	remove_dir(dir);
}

/* Read until the device reaches `want` (GETSTATUS, as a host polls). */
static void poll_until(struct uclient *c, uint8_t want)
{
	struct dfu_status_reply st;

	for (int i = 0; i < 20; i++) {
		assert_int_equal(getstatus(c, &st), 0);
		if (st.bState == want)
			return;
	}
	fail_msg("device never reached state %u (last %u)", want, st.bState);
}

/* What Linux does on attach, for the generic device (1209:0001): the serial
 * into `serial`; returns wTransferSize from the DFU functional descriptor. */
static uint16_t enumerate_dfu11(struct uclient *c, char *serial, size_t cap)
{
	uint8_t buf[512];
	uint16_t xfer = 0;
	int32_t n;
	size_t k = 0;

	assert_int_equal(ctrl(c, 0x80, 6, 0x0100, 0, 64, NULL, buf, &n), 0);
	assert_int_equal(n, 18);
	assert_int_equal(dfu_get_le16(buf + 8), 0x1209);
	assert_int_equal(dfu_get_le16(buf + 10), 0x0001);
	uint8_t iserial = buf[16];
	assert_int_equal(ctrl(c, 0x80, 6, 0x0200, 0, sizeof(buf), NULL, buf, &n), 0);
	for (int32_t off = 0; off + 7 <= n && buf[off] >= 2; off += buf[off])
		if (buf[off + 1] == 0x21) /* DFU functional descriptor */
			xfer = dfu_get_le16(buf + off + 5);
	assert_int_equal(ctrl(c, 0x80, 6, (uint16_t)(0x0300 | iserial), 0x0409, 255, NULL, buf, &n),
			 0);
	for (int32_t i = 2; i + 1 < n && k + 1 < cap; i += 2)
		serial[k++] = (char)buf[i];
	serial[k] = 0;
	assert_int_equal(ctrl(c, 0x00, 9, 1, 0, 0, NULL, NULL, NULL), 0);
	return xfer;
}

static void test_chip_dfu11_serves_generic_dfu_1_1_devices_over_usbip(void **state)
{
	static const char *const args[] = { "--chip", "dfu11", "--count", "2", "--xfer", "512",
					    "--serial", "D11-A", NULL };
	const char *dir = test_dir("cli-dfu11");
	struct sim_proc p;
	struct uclient c;
	struct listed l[4];
	uint8_t fw[1024], back[512];
	char out[8192], serial[64];
	int32_t actual = 0;
	(void)state;
	sim_start(&p, dir, args);
	assert_non_null(strstr(p.ready, "serving 2 devices (1-1 to 1-2) of dfu11"));
	assert_int_equal(usbip_list(p.port, l, 4), 2);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(l[i].dev.idVendor, 0x1209);
		assert_int_equal(l[i].dev.idProduct, 0x0001);
		assert_int_equal(l[i].intf[0].bInterfaceClass, 0xFE);
		assert_int_equal(l[i].intf[0].bInterfaceProtocol, 0x02); /* DFU mode */
	}
	/* The second device keeps its default serial. */
	usbip_import_ok(&c, p.port, "1-2");
	assert_int_equal(enumerate_dfu11(&c, serial, sizeof(serial)), 512);
	assert_string_equal(serial, "DFU11-0001");
	uclient_close(&c);
	/* Download two 512-byte blocks (--xfer), manifest, read the first back. */
	usbip_import_ok(&c, p.port, "1-1");
	assert_int_equal(enumerate_dfu11(&c, serial, sizeof(serial)), 512);
	assert_string_equal(serial, "D11-A");
	fill_pattern(fw, sizeof(fw), 11);
	assert_int_equal(dnload_and_poll(&c, 0, fw, 512), DFU_STATE_DNLOAD_IDLE);
	assert_int_equal(dnload_and_poll(&c, 1, fw + 512, 512), DFU_STATE_DNLOAD_IDLE);
	assert_int_equal(ctrl(&c, 0x21, DFU_DNLOAD, 2, 0, 0, NULL, NULL, NULL), 0);
	poll_until(&c, DFU_STATE_IDLE); /* manifestation tolerant: back to dfuIDLE */
	assert_int_equal(ctrl(&c, 0xA1, DFU_UPLOAD, 0, 0, 512, NULL, back, &actual), 0);
	assert_int_equal(actual, 512);
	assert_memory_equal(back, fw, 512);
	/* The control channel knows what it is and can unplug it. */
	assert_int_equal(sim_ctl_run(&p, out, sizeof(out), "status 1-1"), 0);
	assert_non_null(strstr(out, "serial: D11-A"));
	assert_non_null(strstr(out, "chip: none"));
	assert_non_null(strstr(out, "usb: 1209:0001 on the bus, generation 1, imported by a client"));
	assert_int_equal(sim_ctl_run(&p, out, sizeof(out), "boot0 1-1 1"), 1);
	assert_non_null(strstr(out, "not an STM32 board"));
	sim_ctl_ok(&p, "power off 1-1");
	assert_true(peer_closes(c.fd));
	uclient_close(&c);
	assert_int_equal(usbip_list(p.port, l, 4), 1);
	assert_string_equal(l[0].dev.busid, "1-2");
	sim_ctl_ok(&p, "power on 1-1");
	assert_int_equal(usbip_list(p.port, l, 4), 2);
	sim_stop(&p);
	remove_dir(dir);
}

static void test_quit_stops_dfu_sim_and_removes_its_socket(void **state)
{
	const char *dir = test_dir("cli-quit");
	struct sim_proc p, q;
	char err[4096];
	int status = 0;
	(void)state;
	sim_start(&p, dir, NULL);
	/* A second dfu-sim on the same control socket is refused. */
	assert_int_equal(sim_start_ex(&q, dir, NULL, err, sizeof(err)), 1);
	assert_non_null(strstr(err, "another dfu-sim answers"));
	sim_ctl_ok(&p, "quit");
	assert_int_equal(waitpid(p.pid, &status, 0), p.pid);
	forget_sim(p.pid);
	p.pid = 0;
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_not_equal(access(p.ctl, F_OK), 0);
	close(p.out_fd);
	remove_dir(dir);
}

static void test_busy_port_is_an_error_that_suggests_another_port(void **state)
{
	const char *dir = test_dir("cli-port");
	struct sim_proc p, q;
	char portarg[16], ctl2[600], err[4096];
	const char *args[] = { "--port", portarg, "--ctl", ctl2, NULL };
	(void)state;
	sim_start(&p, dir, NULL);
	snprintf(portarg, sizeof(portarg), "%u", p.port);
	snprintf(ctl2, sizeof(ctl2), "%s/ctl2.sock", dir);
	/* sim_start_ex puts --port 0 first; the later --port wins. */
	assert_int_equal(sim_start_ex(&q, dir, args, err, sizeof(err)), 1);
	assert_non_null(strstr(err, "cannot listen"));
	assert_non_null(strstr(err, "--port"));
	sim_stop(&p);
	remove_dir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_every_bad_flag_is_a_usage_error_naming_flag_value_and_fix,
				       each_setup),
		cmocka_unit_test_setup(test_help_version_and_chip_list_exit_zero, each_setup),
		cmocka_unit_test_setup(test_missing_image_file_is_an_error_naming_it, each_setup),
		cmocka_unit_test_setup(test_ctl_without_a_running_dfu_sim_says_how_to_fix_it,
				       each_setup),
		cmocka_unit_test_setup(test_status_describes_chip_usb_pins_and_option_bytes,
				       each_setup),
		cmocka_unit_test_setup(test_dumps_show_flash_and_option_bytes, each_setup),
		cmocka_unit_test_setup(
			test_power_off_unplugs_the_importer_and_power_on_lists_it_again, each_setup),
		cmocka_unit_test_setup(
			test_image_with_an_application_boots_it_until_boot0_selects_the_rom,
			each_setup),
		cmocka_unit_test_setup(test_image_at_an_address_and_dfu_runtime_application,
				       each_setup),
		cmocka_unit_test_setup(test_help_lists_every_board_key_and_control_command,
				       each_setup),
		cmocka_unit_test_setup(test_older_spellings_of_app_and_shared_serial_are_accepted,
				       each_setup),
		cmocka_unit_test_setup(test_chip_dfu11_serves_generic_dfu_1_1_devices_over_usbip,
				       each_setup),
		cmocka_unit_test_setup(test_quit_stops_dfu_sim_and_removes_its_socket, each_setup),
		cmocka_unit_test_setup(test_busy_port_is_an_error_that_suggests_another_port,
				       each_setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
