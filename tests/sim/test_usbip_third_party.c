/* test_usbip_third_party.c - dfu-sim as other people's tools see it.
 *
 * Debian's `usbip` (package usbip) lists every emulated board with VID:PID
 * 0483:df11 from a real dfu-sim; Debian's `tshark` (package tshark, Wireshark
 * 4.0) reads the --pcap capture of a flash session and decodes it as USB and
 * DFU: the DFU functional descriptor by itself, and (Wireshark 4.0 keys class
 * dissectors of control transfers by interface class alone, where DFU is not
 * registered) the DFU requests and GETSTATUS replies through Decode As on the
 * device, as [wireshark-usbdfu] says. A missing tool is a failure that says
 * to run ./ci/deps, never a skip. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "usbip_client.h"

#define USBIP_TOOL "/usr/sbin/usbip"
#define TSHARK_TOOL "/usr/bin/tshark"

static void need_tool(const char *path, const char *package)
{
	if (access(path, X_OK) != 0)
		fail_msg("%s is not installed: run ./ci/deps (it installs Debian's %s package)", path,
			 package);
}

/* Run a shell command, collect its stdout (stderr to `errfile`), return the exit status. */
static int run(const char *cmd, char *out, size_t cap)
{
	FILE *f = popen(cmd, "r");
	size_t got = 0;
	int status;

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

static int each_setup(void **state)
{
	(void)state;
	alarm(120);
	return 0;
}

static void test_debian_usbip_lists_every_board_as_0483_df11(void **state)
{
	static const char *const args[] = { "--count", "3", NULL };
	const char *dir = test_dir("usbip-tool");
	struct sim_proc sim;
	char cmd[1024], out[16384];
	(void)state;
	need_tool(USBIP_TOOL, "usbip");
	sim_start(&sim, dir, args);
	snprintf(cmd, sizeof(cmd), "%s --tcp-port %u list -r 127.0.0.1 2>%s/usbip.err", USBIP_TOOL,
		 sim.port, dir);
	int rc = run(cmd, out, sizeof(out));
	if (rc != 0)
		fail_msg("usbip list exited with %d: %s", rc, out);
	for (int i = 1; i <= 3; i++) {
		char busid[16], *line, *end;

		snprintf(busid, sizeof(busid), "1-%d:", i);
		line = strstr(out, busid);
		if (!line)
			fail_msg("usbip list does not show busid 1-%d:\n%s", i, out);
		end = strchr(line, '\n');
		assert_non_null(end);
		*end = 0;
		if (!strstr(line, "(0483:df11)"))
			fail_msg("usbip list shows 1-%d without 0483:df11: %s", i, line);
		*end = '\n';
		snprintf(busid, sizeof(busid), "/usb1/1-%d", i);
		assert_non_null(strstr(out, busid));
	}
	/* The interface line: class FE/01/02 (DFU mode). */
	assert_non_null(strstr(out, "(fe/01/02)"));
	sim_stop(&sim);
	remove_dir(dir);
}

static void test_tshark_decodes_a_flash_capture_as_usb_and_dfu(void **state)
{
	const char *dir = test_dir("usbip-tshark");
	char pcap[600], cmd[2048], *out = malloc(1 << 20);
	const char *args[] = { "--pcap", pcap, NULL };
	struct sim_proc sim;
	struct uclient c;
	struct dfu_status_reply st;
	uint8_t img[4096], back[2048];
	(void)state;
	assert_non_null(out);
	need_tool(TSHARK_TOOL, "tshark");
	snprintf(pcap, sizeof(pcap), "%s/flash.pcap", dir);
	sim_start(&sim, dir, args);
	fill_pattern(img, sizeof(img), 9);
	usbip_import_ok(&c, sim.port, "1-1");
	enumerate(&c, NULL, 0);
	assert_int_equal(getstatus(&c, &st), 0);
	dfuse_cmd(&c, 0x41, NULL);
	dfuse_write(&c, 0x08000000, img, sizeof(img));
	dfu_abort(&c);
	dfuse_read(&c, 0x08000000, back, sizeof(back));
	assert_memory_equal(back, img, sizeof(back));
	uclient_close(&c);
	sim_stop(&sim);

	/* Plain reading: every record is USB, the functional descriptor is DFU's. */
	snprintf(cmd, sizeof(cmd),
		 "%s -r '%s' -T fields -e frame.protocols -e usbdfu.descriptor.wTransferSize "
		 "2>%s/tshark.err",
		 TSHARK_TOOL, pcap, dir);
	int rc = run(cmd, out, 1 << 20);
	if (rc != 0)
		fail_msg("tshark -r exited with %d; see %s/tshark.err", rc, dir);
	assert_non_null(strstr(out, "usb"));
	assert_non_null(strstr(out, "usb:usbdfu\t2048"));
	int frames = 0;
	for (char *p = out; (p = strchr(p, '\n')) != NULL; p++)
		frames++;
	assert_true(frames > 40);

	/* DFU requests and GETSTATUS replies, with Decode As on bus 1 device 1. */
	snprintf(cmd, sizeof(cmd),
		 "%s -r '%s' -d usb.device==0x00010001,usbdfu -Y usbdfu -T fields -e "
		 "usbdfu.command -e usbdfu.block_number -e usbdfu.state -e usbdfu.status "
		 "2>%s/tshark.err",
		 TSHARK_TOOL, pcap, dir);
	rc = run(cmd, out, 1 << 20);
	if (rc != 0)
		fail_msg("tshark -d exited with %d; see %s/tshark.err", rc, dir);
	int dnload_cmd = 0, dnload_block2 = 0, getstatus_req = 0, busy = 0, dnidle = 0, upload = 0;
	for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
		char f[4][32] = { { 0 } };
		char *p = line;

		for (int k = 0; k < 4; k++) {
			size_t n = strcspn(p, "\t");

			snprintf(f[k], sizeof(f[k]), "%.*s", (int)n, p);
			p += n;
			if (*p == '\t')
				p++;
		}
		if (strcmp(f[0], "1") == 0 && strcmp(f[1], "0") == 0)
			dnload_cmd++;
		if (strcmp(f[0], "1") == 0 && strcmp(f[1], "2") == 0)
			dnload_block2++;
		if (strcmp(f[0], "3") == 0)
			getstatus_req++;
		if (strcmp(f[0], "2") == 0)
			upload++;
		if (strcmp(f[2], "4") == 0 && strcmp(f[3], "0x00") == 0)
			busy++;
		if (strcmp(f[2], "5") == 0 && strcmp(f[3], "0x00") == 0)
			dnidle++;
	}
	assert_true(dnload_cmd >= 3);	/* mass erase, set address (x2) */
	assert_true(dnload_block2 >= 1); /* DNLOAD block 2 */
	assert_true(upload >= 1);	/* UPLOAD block 2 */
	assert_true(getstatus_req >= 8);
	assert_true(busy >= 4);	/* each command and block: dfuDNBUSY first */
	assert_true(dnidle >= 4);	/* then dfuDNLOAD-IDLE, status OK */
	free(out);
	remove_dir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_debian_usbip_lists_every_board_as_0483_df11, each_setup),
		cmocka_unit_test_setup(test_tshark_decodes_a_flash_capture_as_usb_and_dfu, each_setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
