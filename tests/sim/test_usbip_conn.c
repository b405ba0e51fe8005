/* test_usbip_conn.c - the USB/IP server's byte handling without sockets:
 * boards in process, a fixed clock, bytes fed through usbip_conn_feed().
 * Checks what the socket tests cannot see from outside: the order of
 * persistence and reply, capture events, held replies on a virtual clock,
 * the port-reset heuristic, and that a stream fed one byte at a time gives
 * the same bytes as one fed whole. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dfu/bytes.h"
#include "dfu/dfu_proto.h"
#include "dfu/usbip_proto.h"
#include "sim/sim_board.h"
#include "sim/usbip_server.h"

struct fixture {
	struct sim_board boards[2];
	struct sim_board *ptrs[2];
	struct usbip_server *srv;
	uint64_t clock;
	/* persistence hook */
	int persist_calls;
	int persist_rc;
	size_t out_at_persist;	/* output bytes waiting when the hook ran */
	struct usbip_conn *watch;
	/* capture hook */
	int captured_s, captured_c;
	int32_t last_c_status;
	/* log */
	char last_log[512];
	int logs;
};

static uint64_t fake_clock(void *ctx)
{
	return ((struct fixture *)ctx)->clock;
}

static int persist(void *ctx, size_t board, struct sim_board *b)
{
	struct fixture *f = ctx;
	const uint8_t *p;
	(void)board;
	(void)b;
	f->persist_calls++;
	f->out_at_persist = f->watch ? usbip_conn_output(f->watch, &p) : 0;
	return f->persist_rc;
}

static void capture(void *ctx, const struct usbmon_event *e)
{
	struct fixture *f = ctx;

	if (e->type == 'S')
		f->captured_s++;
	else {
		f->captured_c++;
		f->last_c_status = e->status;
	}
}

static void log_line(void *ctx, const char *line)
{
	struct fixture *f = ctx;

	snprintf(f->last_log, sizeof(f->last_log), "%s", line);
	f->logs++;
}

static int setup_with(void **state, bool realtime, enum sim_timing timing, unsigned quirks)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct usbip_server_config cfg = { 0 };
	const struct l4_profile *p = l4_profile_find("stm32l412xb");

	assert_non_null(f);
	for (unsigned i = 0; i < 2; i++) {
		struct sim_board_config bc;

		sim_board_config_default(&bc, p, i);
		bc.timing = timing;
		bc.quirks = quirks;
		assert_int_equal(sim_board_init(&f->boards[i], &bc), 0);
		sim_board_power_on(&f->boards[i], 0);
		f->ptrs[i] = &f->boards[i];
	}
	f->clock = 1000000;
	cfg.realtime = realtime;
	cfg.bus_reset_heuristic = true;
	cfg.persist = persist;
	cfg.persist_ctx = f;
	cfg.capture = capture;
	cfg.capture_ctx = f;
	cfg.log = log_line;
	cfg.log_ctx = f;
	cfg.clock_us = fake_clock;
	cfg.clock_ctx = f;
	cfg.max_conns = 3;
	assert_int_equal(usbip_server_new(&f->srv, &cfg, f->ptrs, 2), 0);
	*state = f;
	return 0;
}

static int setup(void **state)
{
	return setup_with(state, false, SIM_TIMING_INSTANT, 0);
}

static int setup_realtime(void **state)
{
	return setup_with(state, true, SIM_TIMING_DATASHEET, 0);
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	usbip_server_free(f->srv);
	for (unsigned i = 0; i < 2; i++)
		sim_board_free(&f->boards[i]);
	free(f);
	return 0;
}

/* ---- helpers ---- */

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

static void feed_ok(struct usbip_conn *c, const uint8_t *in, size_t len)
{
	assert_int_equal(usbip_conn_feed(c, in, len), (int)len);
}

static struct usbip_conn *import(struct fixture *f, const char *busid)
{
	struct usbip_conn *c = usbip_conn_new(f->srv);
	uint8_t req[40], rep[400];
	uint32_t status;
	struct usbip_usb_device d;

	assert_non_null(c);
	usbip_req_import_encode(busid, req, sizeof(req));
	feed_ok(c, req, sizeof(req));
	assert_int_equal(take(c, rep, sizeof(rep)), 320);
	assert_int_equal(usbip_rep_import_decode(rep, 320, &status, &d, NULL), 320);
	assert_int_equal(status, 0);
	return c;
}

static size_t submit_msg(uint8_t *out, uint32_t seq, uint8_t type, uint8_t req, uint16_t wValue,
			 uint16_t wLength, const uint8_t *data)
{
	struct usbip_cmd_submit m = { .base = { USBIP_CMD_SUBMIT, seq, 0x00010001,
						(type & 0x80) ? 1u : 0u, 0 } };
	struct dfu_setup st = { type, req, wValue, 0, wLength };
	int n;

	m.transfer_buffer_length = wLength;
	dfu_setup_encode(&st, m.setup);
	n = usbip_cmd_submit_encode(&m, data, out, USBIP_HEADER_SIZE + 4096);
	assert_true(n > 0);
	return (size_t)n;
}

/* One transfer; returns the status and copies IN data. */
static int32_t xfer(struct usbip_conn *c, uint32_t seq, uint8_t type, uint8_t req,
		    uint16_t wValue, uint16_t wLength, const uint8_t *data, uint8_t *in,
		    int32_t *actual)
{
	static uint8_t msg[USBIP_HEADER_SIZE + 4096], rep[USBIP_HEADER_SIZE + 4096];
	struct usbip_ret_submit r;
	const uint8_t *p;
	size_t n = submit_msg(msg, seq, type, req, wValue, wLength, data);

	feed_ok(c, msg, n);
	n = take(c, rep, sizeof(rep));
	assert_true(n >= USBIP_HEADER_SIZE);
	assert_int_equal(usbip_ret_submit_decode(rep, n, type & 0x80, wLength, &r, &p, NULL),
			 (int)n);
	assert_int_equal(r.base.seqnum, seq);
	if (in && p)
		memcpy(in, p, (size_t)r.actual_length);
	if (actual)
		*actual = r.actual_length;
	return r.status;
}

/* ---- tests ---- */

static void test_devlist_lists_boards_on_the_bus_only(void **state)
{
	struct fixture *f = *state;
	struct usbip_conn *c = usbip_conn_new(f->srv);
	uint8_t req[8], rep[2048];
	struct usbip_devlist_iter it;
	struct usbip_usb_device d;
	size_t n;
	(void)state;
	usbip_req_devlist_encode(req, sizeof(req));
	feed_ok(c, req, 8);
	n = take(c, rep, sizeof(rep));
	assert_int_equal(usbip_rep_devlist_begin(&it, rep, n, NULL), 0);
	assert_int_equal(it.ndev, 2);
	sim_board_power_off(&f->boards[0], 0);
	feed_ok(c, req, 8); /* several requests on one connection are fine */
	n = take(c, rep, sizeof(rep));
	assert_int_equal(usbip_rep_devlist_begin(&it, rep, n, NULL), 0);
	assert_int_equal(it.ndev, 1);
	assert_int_equal(usbip_rep_devlist_next(&it, &d, NULL, 0, NULL), 1);
	assert_string_equal(d.busid, "1-2");
	assert_int_equal(d.devnum, 2);
	usbip_conn_free(c);
}

static void test_import_of_a_board_off_the_bus_is_refused_nodev(void **state)
{
	struct fixture *f = *state;
	struct usbip_conn *c = usbip_conn_new(f->srv);
	uint8_t req[40], rep[400];
	uint32_t status;
	(void)state;
	sim_board_power_off(&f->boards[1], 0);
	usbip_req_import_encode("1-2", req, sizeof(req));
	feed_ok(c, req, sizeof(req));
	assert_int_equal(take(c, rep, sizeof(rep)), 8);
	assert_int_equal(usbip_rep_import_decode(rep, 8, &status, NULL, NULL), 8);
	assert_int_equal(status, USBIP_ST_NODEV);
	assert_non_null(strstr(f->last_log, "nothing of it is on the USB bus"));
	usbip_conn_free(c);
}

static void test_a_stream_fed_byte_by_byte_gives_the_same_replies(void **state)
{
	struct fixture *f = *state;
	uint8_t stream[512], whole[4096], bytewise[4096];
	size_t len = 0, n1 = 0, n2 = 0;
	(void)state;
	len += (size_t)usbip_req_import_encode("1-1", stream, sizeof(stream));
	len += submit_msg(stream + len, 1, 0x80, 6, 0x0100, 18, NULL);
	len += submit_msg(stream + len, 2, 0x00, 9, 1, 0, NULL);
	len += submit_msg(stream + len, 3, 0xA1, DFU_GETSTATUS, 0, 6, NULL);

	struct usbip_conn *a = usbip_conn_new(f->srv);
	feed_ok(a, stream, len);
	n1 = take(a, whole, sizeof(whole));
	usbip_conn_free(a);

	struct usbip_conn *b = usbip_conn_new(f->srv);
	for (size_t i = 0; i < len; i++) {
		feed_ok(b, stream + i, 1);
		n2 += take(b, bytewise + n2, sizeof(bytewise) - n2);
	}
	usbip_conn_free(b);
	assert_int_equal(n1, 320 + 48 + 18 + 48 + 48 + 6);
	assert_int_equal(n2, n1);
	assert_memory_equal(whole, bytewise, n1);
}

static void test_a_change_is_persisted_before_its_reply_is_queued(void **state)
{
	struct fixture *f = *state;
	struct usbip_conn *c = import(f, "1-1");
	uint8_t st[6], erase = 0x41;
	(void)state;
	f->watch = c;
	assert_int_equal(xfer(c, 1, 0x00, 9, 1, 0, NULL, NULL, NULL), 0);
	assert_int_equal(xfer(c, 2, 0x21, DFU_DNLOAD, 0, 1, &erase, NULL, NULL), 0);
	assert_int_equal(f->persist_calls, 0); /* storing the command changes nothing */
	assert_int_equal(xfer(c, 3, 0xA1, DFU_GETSTATUS, 0, 6, NULL, st, NULL), 0);
	assert_int_equal(f->persist_calls, 1);
	assert_int_equal(f->out_at_persist, 0); /* the reply was not yet there */
	assert_int_equal(st[4], DFU_STATE_DNBUSY);
	assert_int_equal(xfer(c, 4, 0xA1, DFU_GETSTATUS, 0, 6, NULL, st, NULL), 0);
	assert_int_equal(st[4], DFU_STATE_DNLOAD_IDLE);
	assert_int_equal(f->persist_calls, 1);
	usbip_conn_free(c);
}

static void test_a_change_that_cannot_be_saved_is_never_acknowledged(void **state)
{
	struct fixture *f = *state;
	struct usbip_conn *c = import(f, "1-1");
	uint8_t msg[128], erase = 0x41;
	const uint8_t *p;
	(void)state;
	f->persist_rc = DFU_E_IO;
	assert_int_equal(xfer(c, 1, 0x00, 9, 1, 0, NULL, NULL, NULL), 0);
	assert_int_equal(xfer(c, 2, 0x21, DFU_DNLOAD, 0, 1, &erase, NULL, NULL), 0);
	size_t n = submit_msg(msg, 3, 0xA1, DFU_GETSTATUS, 0, 6, NULL);
	assert_int_equal(usbip_conn_feed(c, msg, n), DFU_E_IO);
	assert_int_equal(usbip_conn_output(c, &p), 0);
	assert_true(usbip_conn_closing(c));
	assert_non_null(strstr(f->last_log, "not acknowledged"));
	usbip_conn_free(c);
}

static void test_every_urb_is_captured_as_submit_and_complete(void **state)
{
	struct fixture *f = *state;
	struct usbip_conn *c = import(f, "1-1");
	uint8_t buf[64];
	(void)state;
	assert_int_equal(xfer(c, 1, 0x80, 6, 0x0100, 18, NULL, buf, NULL), 0);
	assert_int_equal(xfer(c, 2, 0x80, 6, 0x0600, 10, NULL, buf, NULL), USBIP_STATUS_EPIPE);
	assert_int_equal(f->captured_s, 2);
	assert_int_equal(f->captured_c, 2);
	assert_int_equal(f->last_c_status, USBIP_STATUS_EPIPE);
	usbip_conn_free(c);
}

static void test_leave_sends_the_last_reply_then_closes_as_an_unplug(void **state)
{
	struct fixture *f = *state;
	struct usbip_conn *c = import(f, "1-1");
	uint8_t st[6], msg[128];
	uint32_t gen = f->boards[0].bus_generation;
	(void)state;
	assert_int_equal(xfer(c, 1, 0x00, 9, 1, 0, NULL, NULL, NULL), 0);
	assert_int_equal(xfer(c, 2, 0x21, DFU_DNLOAD, 0, 0, NULL, NULL, NULL), 0);
	assert_int_equal(xfer(c, 3, 0xA1, DFU_GETSTATUS, 0, 6, NULL, st, NULL), 0);
	assert_int_equal(st[4], DFU_STATE_MANIFEST);
	assert_true(usbip_conn_closing(c));
	assert_int_equal(f->boards[0].bus_generation, gen + 1);
	assert_non_null(strstr(f->last_log, "unplug"));
	/* Bytes after the unplug are dropped, nothing is answered. */
	size_t n = submit_msg(msg, 4, 0xA1, DFU_GETSTATUS, 0, 6, NULL);
	assert_int_equal(usbip_conn_feed(c, msg, n), (int)n);
	const uint8_t *p;
	assert_int_equal(usbip_conn_output(c, &p), 0);
	/* The board can be imported again at once. */
	struct usbip_conn *again = import(f, "1-1");
	usbip_conn_free(again);
	usbip_conn_free(c);
}

static void test_board_changed_from_outside_closes_its_importer(void **state)
{
	struct fixture *f = *state;
	struct usbip_conn *c = import(f, "1-2");
	(void)state;
	assert_true(usbip_server_imported(f->srv, 1));
	usbip_server_board_changed(f->srv, 1);
	assert_false(usbip_conn_closing(c)); /* nothing happened to it */
	sim_board_press_reset(&f->boards[1], 10);
	usbip_server_board_changed(f->srv, 1);
	assert_true(usbip_conn_closing(c));
	assert_false(usbip_server_imported(f->srv, 1));
	usbip_conn_free(c);
}

static void test_port_reset_after_configuration_gives_the_board_a_bus_reset(void **state)
{
	struct fixture *f = *state;
	struct usbip_conn *c = import(f, "1-1");
	uint8_t buf[64];
	int32_t n;
	(void)state;
	assert_int_equal(xfer(c, 1, 0x80, 6, 0x0100, 64, NULL, buf, &n), 0);
	assert_int_equal(n, 18);
	assert_int_equal(xfer(c, 2, 0x00, 9, 1, 0, NULL, NULL, NULL), 0);
	assert_int_equal(xfer(c, 3, 0x80, 8, 0, 1, NULL, buf, &n), 0); /* GET_CONFIGURATION */
	assert_int_equal(buf[0], 1);
	assert_int_equal(xfer(c, 4, 0x80, 6, 0x0100, 64, NULL, buf, &n), 0);
	assert_non_null(strstr(f->last_log, "reset the port"));
	assert_non_null(sim_log_find(&f->boards[0].log, "USB bus reset"));
	assert_int_equal(xfer(c, 5, 0x80, 8, 0, 1, NULL, buf, &n), 0);
	assert_int_equal(buf[0], 0); /* unconfigured again */
	usbip_conn_free(c);
}

static void test_malformed_streams_close_the_connection_with_a_log_line(void **state)
{
	struct fixture *f = *state;
	static const uint8_t bad_version[8] = { 0x01, 0x06, 0x80, 0x05 };
	static const uint8_t client_ret[48] = { 0, 0, 0, 3 };
	(void)state;
	struct usbip_conn *c = usbip_conn_new(f->srv);
	assert_int_equal(usbip_conn_feed(c, bad_version, 8), DFU_E_UNSUPPORTED);
	assert_non_null(strstr(f->last_log, "malformed USB/IP stream"));
	assert_non_null(strstr(f->last_log, "0x0106"));
	assert_true(usbip_conn_closing(c));
	assert_int_equal(usbip_conn_feed(c, bad_version, 8), DFU_E_UNSUPPORTED);
	usbip_conn_free(c);

	c = import(f, "1-1");
	assert_int_equal(usbip_conn_feed(c, client_ret, 48), DFU_E_FORMAT);
	assert_non_null(strstr(f->last_log, "only a server sends"));
	assert_false(usbip_server_imported(f->srv, 0));
	usbip_conn_free(c);
}

static void test_connections_beyond_the_limit_are_not_created(void **state)
{
	struct fixture *f = *state;
	struct usbip_conn *c[4];
	(void)state;
	for (int i = 0; i < 3; i++)
		assert_non_null(c[i] = usbip_conn_new(f->srv));
	assert_null(usbip_conn_new(f->srv));
	usbip_conn_free(c[1]);
	assert_non_null(c[3] = usbip_conn_new(f->srv));
	usbip_conn_free(c[0]);
	usbip_conn_free(c[2]);
	usbip_conn_free(c[3]);
}

static void test_realtime_holds_getstatus_until_its_poll_timeout_has_passed(void **state)
{
	struct fixture *f = *state;
	struct usbip_conn *c = import(f, "1-1");
	uint8_t msg[256], rep[256], erase = 0x41;
	const uint8_t *p;
	(void)state;
	assert_int_equal(xfer(c, 1, 0x00, 9, 1, 0, NULL, NULL, NULL), 0);
	assert_int_equal(xfer(c, 2, 0x21, DFU_DNLOAD, 0, 1, &erase, NULL, NULL), 0);
	size_t n = submit_msg(msg, 3, 0xA1, DFU_GETSTATUS, 0, 6, NULL);
	n += submit_msg(msg + n, 4, 0x80, 6, 0x0100, 18, NULL);
	feed_ok(c, msg, n);
	assert_int_equal(usbip_conn_output(c, &p), 0); /* held, and the next queued */
	f->clock += 1000;
	assert_int_equal(usbip_conn_tick(c), 0);
	assert_int_equal(usbip_conn_output(c, &p), 0);
	f->clock += 30000; /* past the 22 ms mass erase */
	assert_int_equal(usbip_conn_tick(c), 0);
	n = take(c, rep, sizeof(rep));
	assert_int_equal(n, 48 + 6 + 48 + 18);
	assert_int_equal(dfu_get_be32(rep + 4), 3);
	assert_int_equal(rep[48 + 4], DFU_STATE_DNBUSY);
	assert_int_equal(dfu_get_be32(rep + 54 + 4), 4);
	usbip_conn_free(c);
}

static void test_realtime_unlink_of_a_held_reply_answers_econnreset_only(void **state)
{
	struct fixture *f = *state;
	struct usbip_conn *c = import(f, "1-1");
	uint8_t msg[256], rep[256], erase = 0x41;
	struct usbip_cmd_unlink u = { .base = { USBIP_CMD_UNLINK, 4, 0, 0, 0 }, .unlink_seqnum = 3 };
	struct usbip_ret_unlink ru;
	(void)state;
	assert_int_equal(xfer(c, 1, 0x00, 9, 1, 0, NULL, NULL, NULL), 0);
	assert_int_equal(xfer(c, 2, 0x21, DFU_DNLOAD, 0, 1, &erase, NULL, NULL), 0);
	size_t n = submit_msg(msg, 3, 0xA1, DFU_GETSTATUS, 0, 6, NULL);
	n += (size_t)usbip_cmd_unlink_encode(&u, msg + n, sizeof(msg) - n);
	feed_ok(c, msg, n);
	assert_int_equal(take(c, rep, sizeof(rep)), 48);
	assert_int_equal(usbip_ret_unlink_decode(rep, 48, &ru, NULL), 48);
	assert_int_equal(ru.base.seqnum, 4);
	assert_int_equal(ru.status, USBIP_STATUS_ECONNRESET);
	assert_int_equal(f->last_c_status, USBIP_STATUS_ECONNRESET);
	f->clock += 100000;
	assert_int_equal(usbip_conn_tick(c), 0);
	assert_int_equal(take(c, rep, sizeof(rep)), 0); /* never a RET_SUBMIT for it */
	usbip_conn_free(c);
}

static void test_without_realtime_the_poll_timeout_passes_virtually(void **state)
{
	struct fixture *f = *state;
	struct usbip_conn *c = import(f, "1-1");
	uint8_t st[6], erase = 0x41;
	(void)state;
	assert_int_equal(xfer(c, 1, 0x00, 9, 1, 0, NULL, NULL, NULL), 0);
	assert_int_equal(xfer(c, 2, 0x21, DFU_DNLOAD, 0, 1, &erase, NULL, NULL), 0);
	assert_int_equal(xfer(c, 3, 0xA1, DFU_GETSTATUS, 0, 6, NULL, st, NULL), 0);
	assert_int_equal(st[4], DFU_STATE_DNBUSY);
	assert_true(dfu_get_le24(st + 1) >= 22);
	/* The fixed clock did not move, yet the erase is over for the board. */
	assert_int_equal(xfer(c, 4, 0xA1, DFU_GETSTATUS, 0, 6, NULL, st, NULL), 0);
	assert_int_equal(st[4], DFU_STATE_DNLOAD_IDLE);
	usbip_conn_free(c);
}

static int setup_datasheet(void **state)
{
	return setup_with(state, false, SIM_TIMING_DATASHEET, 0);
}


static int setup_leave_no_status(void **state)
{
	return setup_with(state, false, SIM_TIMING_INSTANT, SIM_QUIRK_LEAVE_NO_STATUS);
}

static void test_a_device_that_leaves_without_answering_gets_no_reply_and_an_unplug(void **state)
{
	struct fixture *f = *state;
	struct usbip_conn *c = import(f, "1-1");
	uint8_t msg[128];
	const uint8_t *p;
	assert_int_equal(xfer(c, 1, 0x00, 9, 1, 0, NULL, NULL, NULL), 0);
	assert_int_equal(xfer(c, 2, 0x21, DFU_DNLOAD, 0, 0, NULL, NULL, NULL), 0);
	size_t n = submit_msg(msg, 3, 0xA1, DFU_GETSTATUS, 0, 6, NULL);
	assert_int_equal(usbip_conn_feed(c, msg, n), (int)n);
	assert_int_equal(usbip_conn_output(c, &p), 0);
	assert_true(usbip_conn_closing(c));
	assert_non_null(strstr(f->last_log, "gave no answer"));
	assert_int_equal(f->last_c_status, USBIP_STATUS_ENODEV);
	usbip_conn_free(c);
}

static void test_urbs_beyond_the_queue_wait_in_the_input_until_the_held_reply_goes(void **state)
{
	struct fixture *f = *state;
	struct usbip_conn *c = import(f, "1-1");
	static uint8_t msg[4096], rep[8192];
	uint8_t erase = 0x41;
	const uint8_t *p;
	size_t n = 0;
	assert_int_equal(xfer(c, 1, 0x00, 9, 1, 0, NULL, NULL, NULL), 0);
	assert_int_equal(xfer(c, 2, 0x21, DFU_DNLOAD, 0, 1, &erase, NULL, NULL), 0);
	n += submit_msg(msg + n, 3, 0xA1, DFU_GETSTATUS, 0, 6, NULL);
	for (uint32_t i = 0; i < USBIP_SERVER_QUEUE + 4; i++)
		n += submit_msg(msg + n, 4 + i, 0x80, 6, 0x0100, 18, NULL);
	feed_ok(c, msg, n);
	assert_int_equal(usbip_conn_output(c, &p), 0);
	f->clock += 50000;
	assert_int_equal(usbip_conn_tick(c), 0);
	n = take(c, rep, sizeof(rep));
	assert_int_equal(n, 54 + (USBIP_SERVER_QUEUE + 4) * (48 + 18));
	for (uint32_t i = 0; i < USBIP_SERVER_QUEUE + 4; i++)
		assert_int_equal(dfu_get_be32(rep + 54 + i * 66 + 4), 4 + i);
	usbip_conn_free(c);
}

static void test_a_client_that_does_not_read_is_not_answered_beyond_a_bound(void **state)
{
	struct fixture *f = *state;
	struct usbip_conn *c = usbip_conn_new(f->srv);
	enum { REQS = 1000 };
	uint8_t *msg = malloc(REQS * 8);
	const uint8_t *p;
	size_t replies = 0, total = 0;
	assert_non_null(msg);
	for (int i = 0; i < REQS; i++)
		usbip_req_devlist_encode(msg + i * 8, 8);
	feed_ok(c, msg, REQS * 8);
	size_t waiting = usbip_conn_output(c, &p);
	assert_true(waiting < 300 * 1024);
	assert_true(waiting < (size_t)REQS * 644);
	/* Once it reads, the rest is answered. */
	for (int round = 0; round < 100 && replies < REQS; round++) {
		size_t k = usbip_conn_output(c, &p);

		total += k;
		usbip_conn_consume(c, k);
		replies = total / 644;
		assert_int_equal(usbip_conn_tick(c), 0);
	}
	assert_int_equal(replies, REQS);
	free(msg);
	usbip_conn_free(c);
}

static void test_server_api_refuses_what_it_cannot_do(void **state)
{
	struct fixture *f = *state;
	struct usbip_server *s;
	struct usbip_server_config cfg = { 0 };
	char busid[16];
	assert_int_equal(usbip_server_run_once(f->srv, 0), DFU_E_INVAL);
	assert_int_equal(usbip_server_watch(f->srv, 0, 1, NULL, NULL), DFU_E_INVAL);
	assert_int_equal(usbip_server_unwatch(f->srv, 12345), DFU_E_NOTFOUND);
	assert_int_equal(usbip_server_new(&s, &cfg, f->ptrs, USBIP_SERVER_MAX_BOARDS + 1),
			 DFU_E_INVAL);
	assert_int_equal(usbip_server_new(&s, NULL, f->ptrs, 1), DFU_E_INVAL);
	assert_int_equal(usbip_server_find_busid(f->srv, "1-2"), 1);
	assert_int_equal(usbip_server_find_busid(f->srv, "1-3"), -1);
	usbip_server_busid(31, busid, sizeof(busid));
	assert_string_equal(busid, "1-32");
	assert_false(usbip_server_imported(f->srv, 99));
	usbip_server_board_changed(f->srv, 99); /* ignored */
	/* A listen address must be numeric. */
	cfg.listen_addr = "localhost";
	struct dfu_diag diag;
	assert_int_equal(usbip_server_new(&s, &cfg, f->ptrs, 2), 0);
	assert_int_equal(usbip_server_listen(s, &diag), DFU_E_INVAL);
	assert_non_null(strstr(diag.msg, "\"localhost\" is not a numeric"));
	usbip_server_free(s);
	usbip_server_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_devlist_lists_boards_on_the_bus_only, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_import_of_a_board_off_the_bus_is_refused_nodev,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_stream_fed_byte_by_byte_gives_the_same_replies,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_change_is_persisted_before_its_reply_is_queued,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_a_change_that_cannot_be_saved_is_never_acknowledged, setup, teardown),
		cmocka_unit_test_setup_teardown(test_every_urb_is_captured_as_submit_and_complete,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_leave_sends_the_last_reply_then_closes_as_an_unplug, setup, teardown),
		cmocka_unit_test_setup_teardown(test_board_changed_from_outside_closes_its_importer,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_port_reset_after_configuration_gives_the_board_a_bus_reset, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_malformed_streams_close_the_connection_with_a_log_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_connections_beyond_the_limit_are_not_created,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_realtime_holds_getstatus_until_its_poll_timeout_has_passed,
			setup_realtime, teardown),
		cmocka_unit_test_setup_teardown(
			test_realtime_unlink_of_a_held_reply_answers_econnreset_only, setup_realtime,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_without_realtime_the_poll_timeout_passes_virtually, setup_datasheet,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_a_device_that_leaves_without_answering_gets_no_reply_and_an_unplug,
			setup_leave_no_status, teardown),
		cmocka_unit_test_setup_teardown(
			test_urbs_beyond_the_queue_wait_in_the_input_until_the_held_reply_goes,
			setup_realtime, teardown),
		cmocka_unit_test_setup_teardown(
			test_a_client_that_does_not_read_is_not_answered_beyond_a_bound, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_server_api_refuses_what_it_cannot_do, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
