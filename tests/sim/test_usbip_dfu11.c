/* test_usbip_dfu11.c - the USB/IP server serving a plain DFU 1.1 device
 * (sim_dfu11 through sim_dfu11_bus_dev) next to a board.
 *
 * Over loopback: the server runs its own loop in a thread while the test,
 * as a USB/IP client (usbip_client.h), lists, imports and runs a whole
 * DFU 1.1 download, manifestation and upload. Without sockets
 * (usbip_conn_feed): the device's re-enumeration after the port-reset
 * heuristic, power through the bus-device operation, and that the
 * board-only steps (persistence) never reach a device that is not a board. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "sim/dfu11_device.h"
#include "sim/sim_board.h"
#include "sim/usbip_conn.h"
#include "sim/usbip_server.h"
#include "usbip_client.h"

struct fixture {
	struct sim_board board;
	struct sim_dfu11 dfu;
	struct usbip_server *srv;
	uint64_t clock;
	int persist_calls;
	pthread_t thread;
	bool running;
	atomic_bool stop;
};

static uint64_t fake_clock(void *ctx)
{
	return ((struct fixture *)ctx)->clock;
}

static int persist(void *ctx, size_t board, struct sim_board *b)
{
	struct fixture *f = ctx;

	assert_int_equal(board, 0); /* only the board at 1-1 has state */
	assert_ptr_equal(b, &f->board);
	f->persist_calls++;
	return 0;
}

/* A board at 1-1 and a DFU 1.1 device at 1-2; `fixed_clock` for the
 * socket-less tests, the monotonic clock for the loopback one. */
static struct fixture *make(bool fixed_clock, const struct sim_dfu11_config *dc)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct usbip_server_config cfg = { 0 };
	struct sim_board_config bc;
	struct sim_dfu11_config def;
	struct sim_bus_dev devs[2];

	assert_non_null(f);
	sim_board_config_default(&bc, l4_profile_find("stm32l412xb"), 0);
	assert_int_equal(sim_board_init(&f->board, &bc), 0);
	sim_board_power_on(&f->board, 0);
	sim_dfu11_config_default(&def, 0);
	assert_int_equal(sim_dfu11_init(&f->dfu, dc ? dc : &def), 0);
	devs[0] = sim_board_bus_dev(&f->board);
	devs[1] = sim_dfu11_bus_dev(&f->dfu);
	f->clock = 1000000;
	cfg.bus_reset_heuristic = true;
	cfg.persist = persist;
	cfg.persist_ctx = f;
	if (fixed_clock) {
		cfg.clock_us = fake_clock;
		cfg.clock_ctx = f;
	}
	assert_int_equal(usbip_server_new_devs(&f->srv, &cfg, devs, 2), 0);
	return f;
}

static void destroy(struct fixture *f)
{
	if (f->running) {
		atomic_store(&f->stop, true);
		pthread_join(f->thread, NULL);
	}
	usbip_server_free(f->srv);
	sim_dfu11_free(&f->dfu);
	sim_board_free(&f->board);
	free(f);
}

static int setup(void **state)
{
	*state = make(true, NULL);
	return 0;
}

static int teardown(void **state)
{
	destroy(*state);
	return 0;
}

/* ---- over loopback, the server's loop in a thread ---- */

static void *serve(void *arg)
{
	struct fixture *f = arg;

	while (!atomic_load(&f->stop))
		if (usbip_server_run_once(f->srv, 20) < 0)
			break;
	return NULL;
}

static int setup_loopback(void **state)
{
	struct fixture *f = make(false, NULL);
	struct dfu_diag diag = { 0 };

	assert_int_equal(usbip_server_listen(f->srv, &diag), 0);
	assert_int_equal(pthread_create(&f->thread, NULL, serve, f), 0);
	f->running = true;
	*state = f;
	return 0;
}

/* GETSTATUS until the state is `want` (manifestation takes a few polls). */
static void poll_until(struct uclient *c, uint8_t want)
{
	struct dfu_status_reply st = { 0 };

	for (int i = 0; i < 20; i++) {
		assert_int_equal(getstatus(c, &st), 0);
		assert_int_equal(st.bStatus, DFU_STATUS_OK);
		if (st.bState == want)
			return;
	}
	fail_msg("state %u, never %u", st.bState, want);
}

static void test_a_dfu11_device_is_listed_next_to_the_board(void **state)
{
	struct fixture *f = *state;
	struct listed l[4];

	assert_int_equal(usbip_list(usbip_server_port(f->srv), l, 4), 2);
	assert_string_equal(l[0].dev.busid, "1-1");
	assert_int_equal(l[0].dev.idVendor, 0x0483);
	assert_string_equal(l[1].dev.busid, "1-2");
	assert_int_equal(l[1].dev.idVendor, SIM_DFU11_VID);
	assert_int_equal(l[1].dev.idProduct, SIM_DFU11_PID_DFU);
	assert_int_equal(l[1].dev.bNumInterfaces, 1);
	assert_int_equal(l[1].intf[0].bInterfaceClass, USB_CLASS_APP_SPEC);
	assert_int_equal(l[1].intf[0].bInterfaceSubClass, USB_SUBCLASS_DFU);
	assert_int_equal(l[1].intf[0].bInterfaceProtocol, USB_PROTO_DFU_MODE);
}

static void test_a_dfu11_download_over_usbip_lands_in_the_device_and_reads_back(void **state)
{
	struct fixture *f = *state;
	static uint8_t image[5000], back[8192];
	struct uclient c;
	uint8_t desc[18];
	int32_t n = 0;
	size_t got = 0;
	uint16_t blk = 0;

	fill_pattern(image, sizeof(image), 11);
	usbip_import_ok(&c, usbip_server_port(f->srv), "1-2");
	assert_int_equal(ctrl(&c, 0x80, 6, 0x0100, 0, 64, NULL, desc, &n), 0);
	assert_int_equal(n, 18);
	assert_int_equal(dfu_get_le16(desc + 8), SIM_DFU11_VID);
	assert_int_equal(ctrl(&c, 0x00, 9, 1, 0, 0, NULL, NULL, NULL), 0);

	for (size_t off = 0; off < sizeof(image); off += 1024, blk++) {
		uint16_t len = (uint16_t)(sizeof(image) - off < 1024 ? sizeof(image) - off : 1024);

		assert_int_equal(dnload_and_poll(&c, blk, image + off, len), DFU_STATE_DNLOAD_IDLE);
	}
	/* DFU 1.1 §7.1.1: a zero-length DNLOAD ends the download; a tolerant
	 * device manifests and comes back to dfuIDLE. */
	assert_int_equal(ctrl(&c, 0x21, DFU_DNLOAD, blk, 0, 0, NULL, NULL, NULL), 0);
	poll_until(&c, DFU_STATE_IDLE);

	for (blk = 0;; blk++) {
		assert_int_equal(ctrl(&c, 0xA1, DFU_UPLOAD, blk, 0, 1024, NULL, back + got, &n), 0);
		got += (size_t)n;
		if (n < 1024)
			break;
	}
	assert_int_equal(got, sizeof(image));
	assert_memory_equal(back, image, sizeof(image));
	uclient_close(&c);

	atomic_store(&f->stop, true);
	pthread_join(f->thread, NULL);
	f->running = false;
	assert_int_equal(f->dfu.image_len, sizeof(image));
	assert_memory_equal(f->dfu.mem, image, sizeof(image));
	assert_int_equal(f->dfu.manifestations, 1);
	assert_int_equal(f->persist_calls, 0);
}

/* ---- without sockets ---- */

static size_t take(struct usbip_conn *c, uint8_t *out, size_t cap)
{
	const uint8_t *p;
	size_t n = usbip_conn_output(c, &p);

	assert_true(n <= cap);
	if (n)
		memcpy(out, p, n);
	usbip_conn_consume(c, n);
	return n;
}

static struct usbip_conn *import(struct fixture *f, const char *busid)
{
	struct usbip_conn *c = usbip_conn_new(f->srv);
	uint8_t req[USBIP_REQ_IMPORT_SIZE], rep[USBIP_REP_IMPORT_SIZE];
	uint32_t status = 99;
	struct usbip_usb_device d;

	assert_non_null(c);
	usbip_req_import_encode(busid, req, sizeof(req));
	assert_int_equal(usbip_conn_feed(c, req, sizeof(req)), (int)sizeof(req));
	assert_int_equal(take(c, rep, sizeof(rep)), USBIP_REP_IMPORT_SIZE);
	assert_int_equal(usbip_rep_import_decode(rep, sizeof(rep), &status, &d, NULL),
			 USBIP_REP_IMPORT_SIZE);
	assert_int_equal(status, USBIP_ST_OK);
	return c;
}

/* One control transfer fed whole; returns its status, or 1 when the
 * connection closed instead of answering. */
static int xfer(struct usbip_conn *c, uint32_t seq, uint8_t type, uint8_t req, uint16_t wValue,
		uint16_t wLength, const uint8_t *data, uint8_t *in)
{
	static uint8_t msg[USBIP_HEADER_SIZE + 4096], rep[USBIP_HEADER_SIZE + 4096];
	struct usbip_cmd_submit m = { .base = { USBIP_CMD_SUBMIT, seq, 0x00010002,
						(type & 0x80) ? 1u : 0u, 0 } };
	struct dfu_setup st = { type, req, wValue, 0, wLength };
	struct usbip_ret_submit r;
	const uint8_t *p = NULL;
	size_t n;
	int len;

	m.transfer_buffer_length = wLength;
	dfu_setup_encode(&st, m.setup);
	len = usbip_cmd_submit_encode(&m, data, msg, sizeof(msg));
	assert_true(len > 0);
	assert_int_equal(usbip_conn_feed(c, msg, (size_t)len), len);
	n = take(c, rep, sizeof(rep));
	if (n == 0 && usbip_conn_closing(c))
		return 1;
	assert_int_equal(usbip_ret_submit_decode(rep, n, type & 0x80, wLength, &r, &p, NULL),
			 (int)n);
	assert_int_equal(r.base.seqnum, seq);
	if (in && p)
		memcpy(in, p, (size_t)r.actual_length);
	return r.status;
}

static void devlist(struct fixture *f, struct usbip_usb_device *out, uint32_t *ndev)
{
	struct usbip_conn *c = usbip_conn_new(f->srv);
	uint8_t req[8];
	static uint8_t rep[4096];
	struct usbip_devlist_iter it;
	size_t n;

	usbip_req_devlist_encode(req, sizeof(req));
	assert_int_equal(usbip_conn_feed(c, req, sizeof(req)), 8);
	n = take(c, rep, sizeof(rep));
	assert_int_equal(usbip_rep_devlist_begin(&it, rep, n, NULL), 0);
	*ndev = it.ndev;
	for (uint32_t i = 0; i < it.ndev; i++)
		assert_int_equal(usbip_rep_devlist_next(&it, &out[i], NULL, 0, NULL), 1);
	usbip_conn_free(c);
}

static void test_a_port_reset_of_a_dfu11_device_with_firmware_unplugs_it_into_the_firmware(
	void **state)
{
	struct fixture *f = *state;
	struct usbip_conn *c = import(f, "1-2");
	struct usbip_usb_device d[4];
	uint8_t block[16] = { 1, 2, 3 }, desc[64];
	uint32_t ndev = 0;

	assert_int_equal(xfer(c, 1, 0x00, 9, 1, 0, NULL, NULL), 0);
	assert_int_equal(xfer(c, 2, 0x21, DFU_DNLOAD, 0, sizeof(block), block, NULL), 0);
	assert_int_equal(xfer(c, 3, 0xA1, DFU_GETSTATUS, 0, 6, NULL, NULL), 0);
	assert_int_equal(xfer(c, 4, 0xA1, DFU_GETSTATUS, 0, 6, NULL, NULL), 0);
	assert_int_equal(xfer(c, 5, 0x21, DFU_DNLOAD, 1, 0, NULL, NULL), 0);
	for (uint32_t seq = 6; seq < 12; seq++)
		assert_int_equal(xfer(c, seq, 0xA1, DFU_GETSTATUS, 0, 6, NULL, NULL), 0);
	assert_true(f->dfu.manifested);
	/* vhci's port reset shows up as GET_DESCRIPTOR(DEVICE, 64) on a
	 * configured device: the server resets the bus, the firmware starts
	 * (a re-enumeration), so the importer sees an unplug. */
	assert_int_equal(xfer(c, 12, 0x80, 6, 0x0100, 64, NULL, desc), 1);
	assert_int_equal(f->dfu.bus_resets, 1);
	assert_true(usbip_conn_closing(c));
	assert_false(usbip_server_imported(f->srv, 1));
	usbip_conn_free(c);
	devlist(f, d, &ndev);
	assert_int_equal(ndev, 2);
	assert_string_equal(d[1].busid, "1-2");
	assert_int_equal(d[1].idProduct, SIM_DFU11_PID_APP);
	assert_int_equal(f->persist_calls, 0);
}

static void test_powering_a_dfu11_device_off_closes_its_importer_and_unlists_it(void **state)
{
	struct fixture *f = *state;
	struct usbip_conn *c = import(f, "1-2");
	const struct sim_bus_dev *dev = usbip_server_dev(f->srv, 1);
	struct usbip_usb_device d[4];
	uint32_t ndev = 0;

	assert_int_equal(usbip_server_ndevs(f->srv), 2);
	assert_non_null(dev);
	assert_null(usbip_server_dev(f->srv, 2));
	assert_null(sim_board_of_bus_dev(dev));
	assert_ptr_equal(sim_board_of_bus_dev(usbip_server_dev(f->srv, 0)), &f->board);
	assert_int_equal(sim_bus_dev_power(dev, false, usbip_server_board_now(f->srv, 1)), 0);
	usbip_server_board_changed(f->srv, 1);
	assert_true(usbip_conn_closing(c));
	usbip_conn_free(c);
	devlist(f, d, &ndev);
	assert_int_equal(ndev, 1);
	assert_string_equal(d[0].busid, "1-1");
	assert_int_equal(sim_bus_dev_power(dev, true, usbip_server_board_now(f->srv, 1)), 0);
	devlist(f, d, &ndev);
	assert_int_equal(ndev, 2);
	assert_int_equal(f->persist_calls, 0);
}

static void test_a_will_detach_device_that_leaves_by_itself_is_noticed_as_an_unplug(void **state)
{
	struct sim_dfu11_config dc;
	struct fixture *f;
	struct usbip_conn *c;
	uint8_t block[8] = { 9 };
	int rc = 0;

	(void)state;
	sim_dfu11_config_default(&dc, 1);
	dc.manifest_tolerant = false;
	dc.will_detach = true;
	f = make(true, &dc);
	c = import(f, "1-2");
	assert_int_equal(xfer(c, 1, 0x00, 9, 1, 0, NULL, NULL), 0);
	assert_int_equal(xfer(c, 2, 0x21, DFU_DNLOAD, 0, sizeof(block), block, NULL), 0);
	assert_int_equal(xfer(c, 3, 0xA1, DFU_GETSTATUS, 0, 6, NULL, NULL), 0);
	assert_int_equal(xfer(c, 4, 0xA1, DFU_GETSTATUS, 0, 6, NULL, NULL), 0);
	assert_int_equal(xfer(c, 5, 0x21, DFU_DNLOAD, 1, 0, NULL, NULL), 0);
	/* Poll through manifestation until the device is gone: it detaches
	 * by itself in dfuMANIFEST-WAIT-RESET once its time has passed. */
	for (uint32_t seq = 6; seq < 20 && rc == 0; seq++) {
		rc = xfer(c, seq, 0xA1, DFU_GETSTATUS, 0, 6, NULL, NULL);
		f->clock += 20000;
	}
	assert_int_equal(rc, 1);
	assert_true(usbip_conn_closing(c));
	assert_int_equal(f->dfu.mode, SIM_DFU11_APP);
	usbip_conn_free(c);
	destroy(f);
}

static void test_a_device_table_without_a_required_operation_is_refused(void **state)
{
	struct fixture *f = *state;
	struct usbip_server_config cfg = { 0 };
	struct sim_bus_dev_ops ops = *sim_dfu11_bus_dev(&f->dfu).ops;
	struct sim_bus_dev devs[1] = { { &ops, &f->dfu } };
	struct usbip_server *s = NULL;

	ops.usb = NULL;
	assert_int_equal(usbip_server_new_devs(&s, &cfg, devs, 1), DFU_E_INVAL);
	assert_null(s);
	ops.usb = sim_dfu11_bus_dev(&f->dfu).ops->usb;
	assert_int_equal(usbip_server_new_devs(&s, &cfg, devs, 1), 0);
	usbip_server_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_a_dfu11_device_is_listed_next_to_the_board,
						setup_loopback, teardown),
		cmocka_unit_test_setup_teardown(
			test_a_dfu11_download_over_usbip_lands_in_the_device_and_reads_back,
			setup_loopback, teardown),
		cmocka_unit_test_setup_teardown(
			test_a_port_reset_of_a_dfu11_device_with_firmware_unplugs_it_into_the_firmware,
			setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_powering_a_dfu11_device_off_closes_its_importer_and_unlists_it, setup,
			teardown),
		cmocka_unit_test(test_a_will_detach_device_that_leaves_by_itself_is_noticed_as_an_unplug),
		cmocka_unit_test_setup_teardown(
			test_a_device_table_without_a_required_operation_is_refused, setup, teardown),
	};

	alarm(60);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
