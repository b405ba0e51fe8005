/* test_usbip_server.c - a real dfu-sim process driven over loopback by a
 * USB/IP client built on core's codec: list, import, enumeration, a full
 * DfuSe flash, pipelining, unlink, two devices at once, unplug on leave and
 * re-appearance, and hostile byte streams that must close only their own
 * connection. Every wait is bounded (poll timeouts, alarm). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "usbip_client.h"

static struct sim_proc sim;
static const char *dir;

static int group_setup(void **state)
{
	static const char *const args[] = { "--count", "2", NULL };
	(void)state;
	dir = test_dir("usbip-server");
	sim_start(&sim, dir, args);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	sim_stop(&sim);
	remove_dir(dir);
	return 0;
}

static int each_setup(void **state)
{
	(void)state;
	alarm(60); /* no test may hang the suite */
	return 0;
}

static void test_devlist_shows_every_board_as_full_speed_0483_df11(void **state)
{
	struct listed l[4];
	(void)state;
	assert_int_equal(usbip_list(sim.port, l, 4), 2);
	for (int i = 0; i < 2; i++) {
		char busid[8], path[64];

		snprintf(busid, sizeof(busid), "1-%d", i + 1);
		snprintf(path, sizeof(path), "/sys/devices/dfulab/usb1/1-%d", i + 1);
		assert_string_equal(l[i].dev.busid, busid);
		assert_string_equal(l[i].dev.path, path);
		assert_int_equal(l[i].dev.busnum, 1);
		assert_int_equal(l[i].dev.devnum, (uint32_t)i + 1);
		assert_int_equal(l[i].dev.speed, USBIP_SPEED_FULL);
		assert_int_equal(l[i].dev.idVendor, 0x0483);
		assert_int_equal(l[i].dev.idProduct, 0xdf11);
		assert_int_equal(l[i].dev.bcdDevice, 0x2200);
		assert_int_equal(l[i].dev.bConfigurationValue, 1);
		assert_int_equal(l[i].dev.bNumConfigurations, 1);
		assert_int_equal(l[i].dev.bNumInterfaces, 1);
		assert_int_equal(l[i].intf[0].bInterfaceClass, 0xFE);
		assert_int_equal(l[i].intf[0].bInterfaceSubClass, 0x01);
		assert_int_equal(l[i].intf[0].bInterfaceProtocol, 0x02);
	}
}

static void test_import_of_unknown_busid_is_refused_with_st_nodev(void **state)
{
	struct uclient c;
	(void)state;
	assert_int_equal(usbip_import(&c, sim.port, "1-3", NULL), USBIP_ST_NODEV);
	assert_int_equal(usbip_import(&c, sim.port, "2-1", NULL), USBIP_ST_NODEV);
}

static void test_second_importer_is_refused_busy_until_the_first_leaves(void **state)
{
	struct uclient a, b;
	struct usbip_usb_device d;
	(void)state;
	usbip_import_ok(&a, sim.port, "1-1");
	assert_int_equal(usbip_import(&b, sim.port, "1-1", NULL), USBIP_ST_DEV_BUSY);
	/* The other device is free. */
	assert_int_equal(usbip_import(&b, sim.port, "1-2", &d), USBIP_ST_OK);
	assert_int_equal(d.devnum, 2);
	assert_int_equal(d.speed, USBIP_SPEED_FULL);
	uclient_close(&b);
	uclient_close(&a);
	usbip_import_ok(&b, sim.port, "1-1");
	uclient_close(&b);
}

static void test_enumeration_serves_rom_descriptors_and_stalls_device_qualifier(void **state)
{
	struct uclient c;
	char serial[64];
	uint8_t buf[64];
	int32_t n = -1;
	(void)state;
	usbip_import_ok(&c, sim.port, "1-1");
	enumerate(&c, serial, sizeof(serial));
	assert_int_equal(strlen(serial), 12);
	/* A full-speed device stalls DEVICE_QUALIFIER: -EPIPE, no data. */
	assert_int_equal(ctrl(&c, 0x80, 6, 0x0600, 0, 10, NULL, buf, &n), USBIP_STATUS_EPIPE);
	assert_int_equal(n, 0);
	/* A short read: never more than the URB asked for. */
	assert_int_equal(ctrl(&c, 0x80, 6, 0x0100, 0, 8, NULL, buf, &n), 0);
	assert_int_equal(n, 8);
	assert_int_equal(buf[1], 1);
	uclient_close(&c);
}

static void test_urb_for_missing_endpoint_or_wrong_direction_stalls(void **state)
{
	struct uclient c;
	struct usbip_cmd_submit m = { .base = { USBIP_CMD_SUBMIT, 0, 0, USBIP_DIR_IN, 1 } };
	uint8_t msg[64];
	struct ureply *r = calloc(1, sizeof(*r));
	(void)state;
	assert_non_null(r);
	usbip_import_ok(&c, sim.port, "1-2");
	m.base.seqnum = 1000;
	m.transfer_buffer_length = 64;
	assert_int_equal(usbip_cmd_submit_encode(&m, NULL, msg, sizeof(msg)), 48);
	send_all(c.fd, msg, 48);
	assert_int_equal(read_reply(&c, true, 64, r), 0);
	assert_int_equal(r->seqnum, 1000);
	assert_int_equal(r->status, USBIP_STATUS_EPIPE);
	assert_int_equal(r->actual, 0);
	/* IN in the header, OUT in bmRequestType: stalled, nothing forwarded. */
	m.base.ep = 0;
	m.base.seqnum = 1001;
	m.transfer_buffer_length = 0;
	m.setup[0] = 0x00;
	m.setup[1] = 9;
	m.setup[2] = 1;
	assert_int_equal(usbip_cmd_submit_encode(&m, NULL, msg, sizeof(msg)), 48);
	send_all(c.fd, msg, 48);
	assert_int_equal(read_reply(&c, true, 0, r), 0);
	assert_int_equal(r->seqnum, 1001);
	assert_int_equal(r->status, USBIP_STATUS_EPIPE);
	uclient_close(&c);
	free(r);
}

static void test_full_dfuse_flash_mass_erases_writes_and_reads_back(void **state)
{
	struct uclient c;
	struct dfu_status_reply st;
	enum { LEN = 5 * 2048 + 300 };
	uint8_t *img = malloc(LEN), *back = malloc(LEN);
	char out[8192];
	(void)state;
	assert_non_null(img);
	assert_non_null(back);
	fill_pattern(img, LEN, 42);
	usbip_import_ok(&c, sim.port, "1-1");
	enumerate(&c, NULL, 0);
	assert_int_equal(getstatus(&c, &st), 0);
	assert_int_equal(st.bState, DFU_STATE_IDLE);
	dfuse_cmd(&c, 0x41, NULL); /* mass erase */
	dfuse_write(&c, 0x08000000, img, LEN);
	dfu_abort(&c);
	dfuse_read(&c, 0x08000000, back, LEN);
	assert_memory_equal(back, img, LEN);
	/* The control channel sees the same bytes in the chip. */
	assert_int_equal(sim_ctl_run(&sim, out, sizeof(out), "dump flash 1-1 0x08000000 16"), 0);
	char want[64];
	snprintf(want, sizeof(want), "08000000  %02x %02x %02x", img[0], img[1], img[2]);
	assert_non_null(strstr(out, want));
	uclient_close(&c);
	free(img);
	free(back);
}

static void test_unlink_of_a_completed_urb_answers_status_zero(void **state)
{
	struct uclient c;
	struct usbip_cmd_unlink u = { .base = { USBIP_CMD_UNLINK, 0, 0, 0, 0 } };
	uint8_t msg[48], buf[18];
	struct ureply *r = calloc(1, sizeof(*r));
	(void)state;
	assert_non_null(r);
	usbip_import_ok(&c, sim.port, "1-2");
	assert_int_equal(ctrl(&c, 0x80, 6, 0x0100, 0, 18, NULL, buf, NULL), 0);
	u.base.seqnum = ++c.seq;
	u.unlink_seqnum = c.seq - 1;
	usbip_cmd_unlink_encode(&u, msg, sizeof(msg));
	send_all(c.fd, msg, sizeof(msg));
	assert_int_equal(read_reply(&c, false, 0, r), 0);
	assert_int_equal(r->command, USBIP_RET_UNLINK);
	assert_int_equal(r->seqnum, u.base.seqnum);
	assert_int_equal(r->status, 0);
	/* And the connection still serves. */
	assert_int_equal(ctrl(&c, 0x80, 6, 0x0100, 0, 18, NULL, buf, NULL), 0);
	uclient_close(&c);
	free(r);
}

static void test_pipelined_urbs_are_answered_in_order_with_their_seqnums(void **state)
{
	struct uclient c;
	uint32_t seq[3];
	struct ureply *r = calloc(1, sizeof(*r));
	(void)state;
	assert_non_null(r);
	usbip_import_ok(&c, sim.port, "1-2");
	seq[0] = submit_ctrl(&c, 0x80, 6, 0x0100, 0, 18, NULL);
	seq[1] = submit_ctrl(&c, 0x80, 6, 0x0200, 0, 9, NULL);
	seq[2] = submit_ctrl(&c, 0x80, 6, 0x0300, 0, 255, NULL);
	assert_int_equal(read_reply(&c, true, 18, r), 0);
	assert_int_equal(r->seqnum, seq[0]);
	assert_int_equal(r->actual, 18);
	assert_int_equal(read_reply(&c, true, 9, r), 0);
	assert_int_equal(r->seqnum, seq[1]);
	assert_int_equal(r->actual, 9);
	assert_int_equal(read_reply(&c, true, 255, r), 0);
	assert_int_equal(r->seqnum, seq[2]);
	assert_int_equal(r->actual, 4); /* LANGID descriptor */
	uclient_close(&c);
	free(r);
}

static void test_two_devices_flash_at_once_without_mixing_data(void **state)
{
	struct uclient a, b;
	uint8_t da[4096], db[4096], back[4096];
	uint32_t base = 0x08008000;
	(void)state;
	fill_pattern(da, sizeof(da), 1);
	fill_pattern(db, sizeof(db), 2);
	usbip_import_ok(&a, sim.port, "1-1");
	usbip_import_ok(&b, sim.port, "1-2");
	enumerate(&a, NULL, 0);
	enumerate(&b, NULL, 0);
	/* Interleave every step of the two sessions. */
	uint32_t page0 = base, page1 = base + 2048;
	dfuse_cmd(&a, 0x41, &page0);
	dfuse_cmd(&b, 0x41, &page0);
	dfuse_cmd(&a, 0x41, &page1);
	dfuse_cmd(&b, 0x41, &page1);
	dfuse_cmd(&a, 0x21, &base);
	dfuse_cmd(&b, 0x21, &base);
	for (int blk = 0; blk < 2; blk++) {
		assert_int_equal(dnload_and_poll(&a, (uint16_t)(2 + blk), da + blk * 2048, 2048),
				 DFU_STATE_DNLOAD_IDLE);
		assert_int_equal(dnload_and_poll(&b, (uint16_t)(2 + blk), db + blk * 2048, 2048),
				 DFU_STATE_DNLOAD_IDLE);
	}
	dfu_abort(&a);
	dfu_abort(&b);
	dfuse_read(&a, base, back, sizeof(back));
	assert_memory_equal(back, da, sizeof(da));
	dfuse_read(&b, base, back, sizeof(back));
	assert_memory_equal(back, db, sizeof(db));
	uclient_close(&a);
	uclient_close(&b);
}

static void test_leave_unplugs_and_the_device_is_listed_again_with_the_same_serial(void **state)
{
	struct uclient c;
	struct dfu_status_reply st;
	struct listed l[4];
	char before[64], after[64];
	uint32_t base = 0x08000000;
	int seen = 0;
	(void)state;
	usbip_import_ok(&c, sim.port, "1-2");
	enumerate(&c, before, sizeof(before));
	dfuse_cmd(&c, 0x21, &base);
	/* Leave: zero-length DNLOAD, then the GETSTATUS that answers
	 * dfuMANIFEST; then the device resets and the connection closes. */
	assert_int_equal(ctrl(&c, 0x21, DFU_DNLOAD, 0, 0, 0, NULL, NULL, NULL), 0);
	int rc = getstatus(&c, &st);
	if (rc == 0)
		assert_int_equal(st.bState, DFU_STATE_MANIFEST);
	assert_true(peer_closes(c.fd));
	uclient_close(&c);
	/* The chip re-enumerates (virgin flash: the ROM again). */
	for (int i = 0; i < 200 && !seen; i++) {
		int n = usbip_list(sim.port, l, 4);

		for (int k = 0; k < n; k++)
			seen |= strcmp(l[k].dev.busid, "1-2") == 0;
		if (!seen)
			usleep(10000);
	}
	assert_true(seen);
	usbip_import_ok(&c, sim.port, "1-2");
	enumerate(&c, after, sizeof(after));
	assert_string_equal(after, before);
	uclient_close(&c);
}

/* ---- hostile input ---- */

static void send_and_expect_close(const uint8_t *buf, size_t len)
{
	int fd = tcp_connect(sim.port);

	send_all(fd, buf, len);
	shutdown(fd, SHUT_WR);
	/* The server answers what it can and then closes. Drain until EOF. */
	for (;;) {
		uint8_t sink[4096];
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (poll(&pfd, 1, IO_TIMEOUT_MS) <= 0)
			fail_msg("server kept a hostile connection open");
		n = recv(fd, sink, sizeof(sink), 0);
		if (n <= 0)
			break;
	}
	close(fd);
}

static void test_random_and_truncated_streams_close_only_their_own_connection(void **state)
{
	struct uclient good;
	uint8_t buf[70000], desc[18];
	uint32_t seed = 7;
	(void)state;
	usbip_import_ok(&good, sim.port, "1-1");
	assert_int_equal(ctrl(&good, 0x80, 6, 0x0100, 0, 18, NULL, desc, NULL), 0);

	/* Random bytes, many sizes. */
	for (int round = 0; round < 40; round++) {
		size_t len = (size_t)(round * 997 % 5000) + 1;

		fill_pattern(buf, len, seed++);
		send_and_expect_close(buf, len);
	}
	/* A valid import cut at every length, then the close. */
	uint8_t imp[40];
	usbip_req_import_encode("1-2", imp, sizeof(imp));
	for (size_t cut = 0; cut < sizeof(imp); cut += 7)
		send_and_expect_close(imp, cut);
	/* Wrong version; unknown op code; an import of an over-long busid. */
	static const uint8_t wrong_version[8] = { 0x01, 0x06, 0x80, 0x05 };
	static const uint8_t unknown_op[8] = { 0x01, 0x11, 0x80, 0x07 };
	send_and_expect_close(wrong_version, 8);
	send_and_expect_close(unknown_op, 8);
	memset(imp + 8, 'x', 32);
	send_and_expect_close(imp, 40);
	/* After an import: a CMD_SUBMIT that announces 2 GiB of OUT data, a
	 * RET_SUBMIT from the client, an op message, and a truncated header. */
	struct uclient h;
	static const uint8_t huge[48] = { 0, 0, 0, 1, 0, 0, 0, 1, 0, 1, 0, 2, 0, 0, 0, 0,
					  0, 0, 0, 0, 0, 0, 0, 0, 0x7f, 0xff, 0xff, 0xff };
	static const uint8_t ret[48] = { 0, 0, 0, 3, 0, 0, 0, 1 };
	static const uint8_t cmd_negative[48] = { 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0,
						  0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff };
	const uint8_t *after_import[] = { huge, ret, wrong_version, cmd_negative };
	const size_t lens[] = { 48, 48, 8, 48 };
	for (size_t k = 0; k < 4; k++) {
		usbip_import_ok(&h, sim.port, "1-2");
		send_all(h.fd, after_import[k], lens[k]);
		assert_true(peer_closes(h.fd));
		uclient_close(&h);
	}
	usbip_import_ok(&h, sim.port, "1-2");
	send_all(h.fd, huge, 20); /* cut header, then hang up */
	uclient_close(&h);

	/* The honest client was never disturbed, and new clients are served. */
	assert_true(sim_alive(&sim));
	assert_int_equal(ctrl(&good, 0x80, 6, 0x0100, 0, 18, NULL, desc, NULL), 0);
	assert_int_equal(desc[0], 18);
	uclient_close(&good);
	struct listed l[4];
	assert_int_equal(usbip_list(sim.port, l, 4), 2);
	usbip_import_ok(&h, sim.port, "1-2");
	enumerate(&h, NULL, 0);
	uclient_close(&h);
}

static void test_a_silent_half_message_does_not_block_other_clients(void **state)
{
	struct listed l[4];
	uint8_t req[8];
	int idle = tcp_connect(sim.port);
	(void)state;
	usbip_req_devlist_encode(req, sizeof(req));
	send_all(idle, req, 5);
	assert_int_equal(usbip_list(sim.port, l, 4), 2);
	/* The idle one can still finish its request. */
	send_all(idle, req + 5, 3);
	uint8_t head[12];
	assert_int_equal(recv_exact(idle, head, 12, NULL), 0);
	assert_int_equal(head[11], 2);
	close(idle);
}

static void test_connections_above_the_limit_are_refused_and_others_still_served(void **state)
{
	int fds[20];
	int closed = 0;
	struct listed l[4];
	(void)state;
	for (int i = 0; i < 20; i++)
		fds[i] = tcp_connect(sim.port);
	/* 16 are kept; the rest are closed by the server at once. */
	for (int i = 0; i < 20; i++) {
		struct pollfd pfd = { .fd = fds[i], .events = POLLIN };
		uint8_t b;

		if (poll(&pfd, 1, 100) > 0 && recv(fds[i], &b, 1, 0) <= 0)
			closed++;
	}
	assert_int_equal(closed, 4);
	for (int i = 0; i < 20; i++)
		close(fds[i]);
	/* Once they are gone, service resumes. */
	for (int i = 0; i < 200; i++) {
		int fd = tcp_connect(sim.port);
		uint8_t req[8], head[12];
		size_t got = 0;

		usbip_req_devlist_encode(req, sizeof(req));
		send_all(fd, req, sizeof(req));
		if (recv_exact(fd, head, 12, &got) == 0) {
			close(fd);
			break;
		}
		close(fd);
		usleep(10000);
	}
	assert_int_equal(usbip_list(sim.port, l, 4), 2);
}

/* ---- realtime: held GETSTATUS replies ---- */

static void test_unlinked_pending_getstatus_gets_econnreset_and_never_a_reply(void **state)
{
	static const char *const args[] = { "--timing", "datasheet", "--realtime", NULL };
	struct sim_proc rt;
	struct uclient c;
	struct dfu_status_reply st;
	struct usbip_cmd_unlink u = { .base = { USBIP_CMD_UNLINK, 0, 0, 0, 0 } };
	struct ureply *r = calloc(1, sizeof(*r));
	uint8_t msg[48], erase = 0x41;
	const char *rdir = test_dir("usbip-realtime");
	(void)state;
	assert_non_null(r);
	sim_start(&rt, rdir, args);
	usbip_import_ok(&c, rt.port, "1-1");
	enumerate(&c, NULL, 0);
	/* Mass erase takes 22 ms: its first GETSTATUS is held that long. */
	assert_int_equal(ctrl(&c, 0x21, DFU_DNLOAD, 0, 0, 1, &erase, NULL, NULL), 0);
	uint32_t held = submit_ctrl(&c, 0xA1, DFU_GETSTATUS, 0, 0, 6, NULL);
	/* A URB queued behind the held one runs after it. */
	uint32_t queued = submit_ctrl(&c, 0x80, 6, 0x0100, 0, 18, NULL);
	u.base.seqnum = ++c.seq;
	u.unlink_seqnum = held;
	usbip_cmd_unlink_encode(&u, msg, sizeof(msg));
	send_all(c.fd, msg, sizeof(msg));
	assert_int_equal(read_reply(&c, false, 0, r), 0);
	assert_int_equal(r->command, USBIP_RET_UNLINK);
	assert_int_equal(r->seqnum, u.base.seqnum);
	assert_int_equal(r->status, USBIP_STATUS_ECONNRESET);
	/* Next comes the queued URB's reply, never the cancelled one's. */
	assert_int_equal(read_reply(&c, true, 18, r), 0);
	assert_int_equal(r->command, USBIP_RET_SUBMIT);
	assert_int_equal(r->seqnum, queued);
	assert_int_equal(r->status, 0);
	assert_int_equal(r->actual, 18);
	/* The erase ran all the same (the device executed that GETSTATUS). */
	usleep(40000);
	assert_int_equal(getstatus(&c, &st), 0);
	assert_int_equal(st.bState, DFU_STATE_DNLOAD_IDLE);

	/* Unlinking a URB queued behind a held reply cancels it too. */
	uint8_t page_erase[5] = { 0x41 };
	dfu_put_le32(page_erase + 1, 0x08001000);
	assert_int_equal(ctrl(&c, 0x21, DFU_DNLOAD, 0, 0, 5, page_erase, NULL, NULL), 0);
	uint32_t held2 = submit_ctrl(&c, 0xA1, DFU_GETSTATUS, 0, 0, 6, NULL);
	uint32_t queued2 = submit_ctrl(&c, 0x80, 6, 0x0100, 0, 18, NULL);
	u.base.seqnum = ++c.seq;
	u.unlink_seqnum = queued2;
	usbip_cmd_unlink_encode(&u, msg, sizeof(msg));
	send_all(c.fd, msg, sizeof(msg));
	assert_int_equal(read_reply(&c, false, 0, r), 0);
	assert_int_equal(r->command, USBIP_RET_UNLINK);
	assert_int_equal(r->status, USBIP_STATUS_ECONNRESET);
	/* The held reply arrives when its bwPollTimeout has passed. */
	assert_int_equal(read_reply(&c, true, 6, r), 0);
	assert_int_equal(r->command, USBIP_RET_SUBMIT);
	assert_int_equal(r->seqnum, held2);
	assert_int_equal(r->data[4], DFU_STATE_DNBUSY);
	assert_true(r->data[1] > 0); /* bwPollTimeout of the erase */
	usleep(40000);
	assert_int_equal(getstatus(&c, &st), 0);
	assert_int_equal(st.bState, DFU_STATE_DNLOAD_IDLE);
	uclient_close(&c);
	sim_stop(&rt);
	remove_dir(rdir);
	free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_devlist_shows_every_board_as_full_speed_0483_df11,
				       each_setup),
		cmocka_unit_test_setup(test_import_of_unknown_busid_is_refused_with_st_nodev,
				       each_setup),
		cmocka_unit_test_setup(test_second_importer_is_refused_busy_until_the_first_leaves,
				       each_setup),
		cmocka_unit_test_setup(
			test_enumeration_serves_rom_descriptors_and_stalls_device_qualifier,
			each_setup),
		cmocka_unit_test_setup(test_urb_for_missing_endpoint_or_wrong_direction_stalls,
				       each_setup),
		cmocka_unit_test_setup(test_full_dfuse_flash_mass_erases_writes_and_reads_back,
				       each_setup),
		cmocka_unit_test_setup(test_unlink_of_a_completed_urb_answers_status_zero,
				       each_setup),
		cmocka_unit_test_setup(test_pipelined_urbs_are_answered_in_order_with_their_seqnums,
				       each_setup),
		cmocka_unit_test_setup(test_two_devices_flash_at_once_without_mixing_data,
				       each_setup),
		cmocka_unit_test_setup(
			test_leave_unplugs_and_the_device_is_listed_again_with_the_same_serial,
			each_setup),
		cmocka_unit_test_setup(
			test_random_and_truncated_streams_close_only_their_own_connection,
			each_setup),
		cmocka_unit_test_setup(test_a_silent_half_message_does_not_block_other_clients,
				       each_setup),
		cmocka_unit_test_setup(
			test_connections_above_the_limit_are_refused_and_others_still_served,
			each_setup),
		cmocka_unit_test_setup(
			test_unlinked_pending_getstatus_gets_econnreset_and_never_a_reply,
			each_setup),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
