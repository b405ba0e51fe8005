/*
 * test_xport_usbip_faults.c - dfu-flash's USB/IP client against a server
 * that misbehaves on cue: device lists and import replies that are cut
 * short, of another version or code, or name a device twice; URBs that are
 * never answered (and must be unlinked), answered with another seqnum, more
 * bytes than asked, a status, or half a header; a server that closes or
 * resets the connection; the reset path. What a user relies on: dfu-flash
 * never hangs, never takes more bytes than it asked for, gives the exact
 * dfu_err of the transport contract (host/xport.h) and names the fault in
 * xport_usbip_last_error().
 *
 * The server is a forked process on 127.0.0.1 (ephemeral port) with one
 * child per connection, speaking through core's codec (dfu/usbip_proto.h).
 * Its device is a minimal one (a device and a configuration descriptor,
 * no strings). Management faults are fixed when it starts; URB faults are
 * chosen by the client's own request: a vendor request whose bRequest
 * names the fault, so enumeration runs clean and the test's transfer
 * misbehaves. Every test is bounded by alarm(), and so is every server
 * process.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "dfu/bytes.h"
#include "dfu/usbip_proto.h"
#include "host/xport_usbip.h"

#define URB_MAX (USBIP_HEADER_SIZE + 65536)
#define CTRL_MS 200		/* the control timeout the URB tests give */
#define VENDOR_IN 0xC0
#define VENDOR_OUT 0x40

/* ---- what the server does wrong ---- */

enum list_fault {
	L_OK,
	L_BAD_VERSION,		/* op_common version 0x0106 */
	L_IMPORT_CODE,		/* OP_REP_IMPORT instead of OP_REP_DEVLIST */
	L_STATUS,		/* status ST_ERROR */
	L_CUT_BEFORE_COUNT,	/* closes after 2 bytes of ndev */
	L_CUT_IN_DEVICE,	/* ndev 2, closes inside the second record */
	L_CUT_IN_INTERFACES,	/* 2 interfaces announced, 1 sent */
	L_MALFORMED_DEVICE,	/* busid without a NUL in its field */
	L_CLOSE,		/* closes without a byte */
	L_TWICE,		/* lists busid 1-1 twice */
};

enum import_fault {
	I_OK,
	I_BUSY,			/* ST_DEV_BUSY */
	I_NODEV,		/* ST_NODEV */
	I_CUT,			/* op_common OK, then 100 bytes of the record */
	I_BAD_VERSION,
	I_DEVLIST_CODE,
	I_MALFORMED,		/* record busid without a NUL */
	I_BAD_DESCRIPTOR,	/* device descriptor of 4 bytes */
	I_LEAVE_AT_STRINGS,	/* closes the import at the first string request */
};

/* How the server answers a CMD_UNLINK of the URB it kept silent on. */
enum unlink_fault {
	U_ANSWER,		/* RET_UNLINK, status -ECONNRESET */
	U_LATE_SUBMIT,		/* the URB's own RET_SUBMIT first, then RET_UNLINK */
	U_OTHER_SEQ,		/* RET_UNLINK for a seqnum nobody unlinked */
	U_NEVER,		/* nothing */
};

/* How the server takes the reset (GET_DESCRIPTOR(DEVICE, 64), then
 * SET_CONFIGURATION). */
enum reset_fault {
	RESET_OK,
	RESET_CLOSE,		/* the device re-enumerates: the import closes */
	RESET_STALL,		/* the descriptor request stalls */
	RESET_CFG_STALL,		/* SET_CONFIGURATION afterwards stalls */
};

/* Vendor requests: bRequest picks the URB fault. */
enum urb_fault {
	V_ECHO = 1,		/* IN: wLength bytes (wValue + i); OUT: all taken */
	V_SILENT,		/* no answer (then the unlink fault) */
	V_WRONG_SEQ,		/* RET_SUBMIT seqnum + 7 */
	V_OVERSIZE,		/* actual_length wLength + 1, with that many bytes */
	V_STATUS,		/* status -wValue */
	V_CLOSE_IN_HEADER,	/* 20 bytes of the header, then close */
	V_CLOSE_IN_DATA,	/* header for wLength bytes, half of them, close */
	V_HALF_HEADER,		/* 20 bytes of the header, then silence */
	V_OUT_SHORT,		/* OUT: actual_length wLength - 1 */
	V_OUT_WITH_DATA,	/* OUT: the reply carries wLength bytes of 0xAA */
	V_UNSOLICITED_UNLINK,	/* RET_UNLINK instead of RET_SUBMIT */
	V_NOT_A_REPLY,		/* a CMD_SUBMIT header back */
	V_RESET_AFTER_REPLY,	/* answer, wait for the test's go, RST the import */
};

struct srv_cfg {
	enum list_fault list;
	enum import_fault imp;
	enum unlink_fault unlink;
	enum reset_fault reset;
	unsigned ndev;		/* busids 1-1 .. 1-ndev; 0 means 1 */
};

struct srv {
	pid_t pid;
	uint16_t port;
	int ev;			/* events from the server: read end */
	int go;			/* go-ahead to the server: write end */
};

/* ---- the server ---- */

static struct srv_cfg cfg;	/* the server's copy, set before fork */
static int ev_w = -1, go_r = -1;

static void put_all(int c, const void *p, size_t n)
{
	const uint8_t *b = p;

	while (n) {
		ssize_t k = send(c, b, n, MSG_NOSIGNAL);
		if (k <= 0)
			_exit(0); /* the client went away */
		b += k;
		n -= (size_t)k;
	}
}

/* Exactly n bytes, or the process ends (the client closed). */
static void get_all(int c, void *p, size_t n)
{
	uint8_t *b = p;

	while (n) {
		ssize_t k = recv(c, b, n, 0);
		if (k <= 0)
			_exit(0);
		b += k;
		n -= (size_t)k;
	}
}

static void event(char e)
{
	if (write(ev_w, &e, 1) != 1)
		_exit(2);
}

static void device_record(struct usbip_usb_device *d, unsigned k, uint8_t nintf)
{
	memset(d, 0, sizeof(*d));
	snprintf(d->path, sizeof(d->path), "/sys/devices/fault/usb1/1-%u", k);
	snprintf(d->busid, sizeof(d->busid), "1-%u", k);
	d->busnum = 1;
	d->devnum = k + 1;
	d->speed = USBIP_SPEED_FULL;
	d->idVendor = 0x0483;
	d->idProduct = 0xdf11;
	d->bcdDevice = 0x0200;
	d->bConfigurationValue = 1;
	d->bNumConfigurations = 1;
	d->bNumInterfaces = nintf;
}

static void serve_devlist(int c)
{
	static const struct usbip_usb_interface intf[2] = { { 0xFE, 1, 2 }, { 0xFE, 1, 2 } };
	struct usbip_devlist_entry e[8];
	uint8_t b[8 * (USBIP_DEVICE_SIZE + 2 * USBIP_INTERFACE_SIZE) + USBIP_DEVLIST_HEADER_SIZE];
	unsigned n = cfg.ndev ? cfg.ndev : 1;
	int len;

	if (cfg.list == L_CLOSE)
		_exit(0);
	if (cfg.list == L_CUT_IN_DEVICE || cfg.list == L_TWICE)
		n = 2;
	for (unsigned k = 0; k < n; k++) {
		device_record(&e[k].dev, cfg.list == L_TWICE ? 1 : k + 1,
			      cfg.list == L_CUT_IN_INTERFACES ? 2 : 1);
		e[k].intf = intf;
	}
	len = usbip_rep_devlist_encode(e, n, b, sizeof(b));
	if (len < 0)
		_exit(3);
	switch (cfg.list) {
	case L_BAD_VERSION: dfu_put_be16(b, 0x0106); break;
	case L_IMPORT_CODE: dfu_put_be16(b + 2, USBIP_OP_REP_IMPORT); break;
	case L_STATUS: dfu_put_be32(b + 4, USBIP_ST_ERROR); break;
	case L_CUT_BEFORE_COUNT: len = USBIP_OP_COMMON_SIZE + 2; break;
	case L_CUT_IN_DEVICE:
		len = USBIP_DEVLIST_HEADER_SIZE + USBIP_DEVICE_SIZE + USBIP_INTERFACE_SIZE + 100;
		break;
	case L_CUT_IN_INTERFACES:
		len = USBIP_DEVLIST_HEADER_SIZE + USBIP_DEVICE_SIZE + USBIP_INTERFACE_SIZE;
		break;
	case L_MALFORMED_DEVICE:
		memset(b + USBIP_DEVLIST_HEADER_SIZE + USBIP_PATH_SIZE, 'x', USBIP_BUSID_SIZE);
		break;
	default: break;
	}
	put_all(c, b, (size_t)len);
}

/* The import reply, as cfg.imp has it. */
static void serve_import(int c)
{
	uint8_t b[USBIP_REP_IMPORT_SIZE];
	char busid[USBIP_BUSID_SIZE];
	struct usbip_usb_device d;
	unsigned k = 0;

	get_all(c, busid, sizeof(busid));
	busid[USBIP_BUSID_SIZE - 1] = '\0';
	if (sscanf(busid, "1-%u", &k) != 1 || k == 0)
		_exit(4);
	device_record(&d, k, 1);
	switch (cfg.imp) {
	case I_BUSY:
	case I_NODEV:
		usbip_rep_import_encode(cfg.imp == I_BUSY ? USBIP_ST_DEV_BUSY : USBIP_ST_NODEV, NULL,
					b, sizeof(b));
		put_all(c, b, USBIP_OP_COMMON_SIZE);
		_exit(0);
	default: break;
	}
	if (usbip_rep_import_encode(USBIP_ST_OK, &d, b, sizeof(b)) != USBIP_REP_IMPORT_SIZE)
		_exit(5);
	switch (cfg.imp) {
	case I_CUT:
		put_all(c, b, USBIP_OP_COMMON_SIZE + 100);
		_exit(0);
	case I_BAD_VERSION: dfu_put_be16(b, 0x0106); break;
	case I_DEVLIST_CODE: dfu_put_be16(b + 2, USBIP_OP_REP_DEVLIST); break;
	case I_MALFORMED:
		memset(b + USBIP_OP_COMMON_SIZE + USBIP_PATH_SIZE, 'x', USBIP_BUSID_SIZE);
		break;
	default: break;
	}
	put_all(c, b, sizeof(b));
}

static void ret_submit(int c, uint32_t seq, int32_t status, bool dir_in, const uint8_t *data,
		       int32_t actual)
{
	static uint8_t b[URB_MAX + 1];
	struct usbip_ret_submit m = { .base = { .command = USBIP_RET_SUBMIT, .seqnum = seq },
				      .status = status, .actual_length = actual };
	int n = usbip_ret_submit_encode(&m, dir_in, data, b, sizeof(b));

	if (n < 0)
		_exit(6);
	put_all(c, b, (size_t)n);
}

static void ret_unlink(int c, uint32_t seq, int32_t status)
{
	uint8_t b[USBIP_HEADER_SIZE];
	struct usbip_ret_unlink m = { .base = { .command = USBIP_RET_UNLINK, .seqnum = seq },
				      .status = status };

	usbip_ret_unlink_encode(&m, b, sizeof(b));
	put_all(c, b, sizeof(b));
}

static const uint8_t dev_desc[18] = {
	18, 1, 0x00, 0x02, 0, 0, 0, 64, 0x83, 0x04, 0x11, 0xdf, 0x00, 0x02, 0, 0, 0, 1,
};
static const uint8_t cfg_desc[18] = {
	9, 2, 18, 0, 1, 1, 0, 0x80, 50,		/* one interface, configuration 1 */
	9, 4, 0, 0, 0, 0xFE, 1, 2, 0,		/* DFU, no string */
};

/* A standard request: the minimal device, and the reset as dfu-sim takes it. */
static void standard(int c, uint32_t seq, const uint8_t *setup, uint16_t wlen, bool *reset)
{
	uint8_t req = setup[1], type = setup[3];
	bool dir_in = setup[0] & 0x80;

	if (req == 6 && type == 1 && wlen == 64) {
		*reset = true;
		if (cfg.reset == RESET_CLOSE)
			_exit(0);
		if (cfg.reset == RESET_STALL) {
			ret_submit(c, seq, USBIP_STATUS_EPIPE, true, NULL, 0);
			return;
		}
	}
	if (req == 6 && type == 1) {
		if (cfg.imp == I_BAD_DESCRIPTOR)
			ret_submit(c, seq, 0, true, dev_desc, 4);
		else
			ret_submit(c, seq, 0, true, dev_desc, wlen < 18 ? wlen : 18);
	} else if (req == 6 && type == 2) {
		ret_submit(c, seq, 0, true, cfg_desc, wlen < 18 ? wlen : 18);
	} else if (req == 9 && !dir_in) {
		if (*reset) {
			event('C');
			event((char)setup[2]);
			if (cfg.reset == RESET_CFG_STALL) {
				ret_submit(c, seq, USBIP_STATUS_EPIPE, false, NULL, 0);
				return;
			}
		}
		ret_submit(c, seq, 0, false, NULL, 0);
	} else {
		if (req == 6 && type == 3 && cfg.imp == I_LEAVE_AT_STRINGS)
			_exit(0);
		ret_submit(c, seq, USBIP_STATUS_EPIPE, dir_in, NULL, 0); /* no strings */
	}
}

/* The URB the server keeps silent on, until its CMD_UNLINK. */
struct pending {
	bool on;
	uint32_t seq;
	uint16_t len;
	bool dir_in;
};

static void unlink_cmd(int c, const uint8_t *h, struct pending *p)
{
	struct usbip_cmd_unlink m;
	static uint8_t late[65536];

	if (usbip_cmd_unlink_decode(h, USBIP_HEADER_SIZE, &m, NULL) < 0)
		_exit(7);
	event(p->on && m.unlink_seqnum == p->seq ? 'U' : 'u');
	switch (cfg.unlink) {
	case U_ANSWER: ret_unlink(c, m.base.seqnum, USBIP_STATUS_ECONNRESET); break;
	case U_LATE_SUBMIT:
		memset(late, 0xEE, p->len);
		ret_submit(c, p->seq, 0, p->dir_in, late, p->len);
		ret_unlink(c, m.base.seqnum, 0);
		break;
	case U_OTHER_SEQ: ret_unlink(c, m.base.seqnum + 100, USBIP_STATUS_ECONNRESET); break;
	case U_NEVER: break;
	}
	p->on = false;
}

static void vendor(int c, const struct usbip_cmd_submit *m, const uint8_t *setup, uint16_t wlen,
		   struct pending *p)
{
	static uint8_t d[65536 + 1];
	uint32_t seq = m->base.seqnum;
	bool dir_in = m->base.direction == USBIP_DIR_IN;
	uint16_t wval = dfu_get_le16(setup + 2);
	uint8_t b[USBIP_HEADER_SIZE];
	char go;

	for (unsigned i = 0; i <= wlen; i++)
		d[i] = (uint8_t)(wval + i);
	switch (setup[1]) {
	case V_ECHO: ret_submit(c, seq, 0, dir_in, d, wlen); break;
	case V_SILENT: *p = (struct pending){ true, seq, wlen, dir_in }; break;
	case V_WRONG_SEQ: ret_submit(c, seq + 7, 0, dir_in, d, wlen); break;
	case V_OVERSIZE: ret_submit(c, seq, 0, dir_in, d, wlen + 1); break;
	case V_STATUS: ret_submit(c, seq, -(int32_t)wval, dir_in, NULL, 0); break;
	case V_CLOSE_IN_HEADER:
	case V_HALF_HEADER: {
		struct usbip_ret_submit r = { .base = { .command = USBIP_RET_SUBMIT,
							.seqnum = seq } };
		usbip_ret_submit_encode(&r, false, NULL, b, sizeof(b));
		put_all(c, b, 20);
		if (setup[1] == V_CLOSE_IN_HEADER)
			_exit(0);
		pause(); /* until the client closes and the test ends the group */
		_exit(0);
	}
	case V_CLOSE_IN_DATA: {
		struct usbip_ret_submit r = { .base = { .command = USBIP_RET_SUBMIT,
							.seqnum = seq },
					      .actual_length = wlen };
		usbip_ret_submit_encode(&r, false, NULL, b, sizeof(b));
		put_all(c, b, sizeof(b));
		put_all(c, d, wlen / 2u);
		_exit(0);
	}
	case V_OUT_SHORT: ret_submit(c, seq, 0, false, NULL, wlen - 1); break;
	case V_OUT_WITH_DATA:
		ret_submit(c, seq, 0, false, NULL, wlen);
		memset(d, 0xAA, wlen);
		put_all(c, d, wlen);
		break;
	case V_UNSOLICITED_UNLINK: ret_unlink(c, seq, 0); break;
	case V_NOT_A_REPLY:
		usbip_cmd_submit_encode(m, NULL, b, sizeof(b));
		put_all(c, b, sizeof(b));
		break;
	case V_RESET_AFTER_REPLY: {
		struct linger lg = { .l_onoff = 1, .l_linger = 0 };
		ret_submit(c, seq, 0, dir_in, d, wlen);
		if (read(go_r, &go, 1) != 1)
			_exit(8);
		setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		close(c); /* linger 0: an RST, not a FIN */
		event('R');
		_exit(0);
	}
	default: ret_submit(c, seq, USBIP_STATUS_EPIPE, dir_in, NULL, 0); break;
	}
}

static void serve_urbs(int c)
{
	static uint8_t b[URB_MAX];
	struct pending p = { 0 };
	bool reset = false;

	for (;;) {
		struct usbip_cmd_submit m;
		uint16_t wlen;

		get_all(c, b, USBIP_HEADER_SIZE);
		if (dfu_get_be32(b) == USBIP_CMD_UNLINK) {
			unlink_cmd(c, b, &p);
			continue;
		}
		if (usbip_cmd_submit_decode(b, USBIP_HEADER_SIZE, 65536, &m, NULL, NULL) ==
		    DFU_E_TRUNCATED)
			get_all(c, b + USBIP_HEADER_SIZE, (size_t)m.transfer_buffer_length);
		else if (dfu_get_be32(b) != USBIP_CMD_SUBMIT)
			_exit(9);
		wlen = dfu_get_le16(m.setup + 6);
		if ((m.setup[0] & 0x60) == 0x40)
			vendor(c, &m, m.setup, wlen, &p);
		else
			standard(c, m.base.seqnum, m.setup, wlen, &reset);
	}
}

static void serve_connection(int c)
{
	uint8_t b[USBIP_OP_COMMON_SIZE];
	struct usbip_op_common op;

	alarm(30);
	get_all(c, b, sizeof(b));
	if (usbip_op_common_decode(b, sizeof(b), &op, NULL) < 0)
		_exit(10);
	if (op.code == USBIP_OP_REQ_DEVLIST) {
		serve_devlist(c);
		_exit(0);
	}
	if (op.code != USBIP_OP_REQ_IMPORT)
		_exit(11);
	serve_import(c);
	serve_urbs(c);
}

static void srv_start(struct srv *s, const struct srv_cfg *c)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sa);
	int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int evp[2], gop[2];

	assert_true(lfd >= 0);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(lfd, 16), 0);
	assert_int_equal(getsockname(lfd, (struct sockaddr *)&sa, &sl), 0);
	s->port = ntohs(sa.sin_port);
	assert_int_equal(pipe(evp), 0);
	assert_int_equal(pipe(gop), 0);
	cfg = *c;
	s->pid = fork();
	assert_true(s->pid >= 0);
	if (s->pid == 0) {
		setpgid(0, 0);
		signal(SIGCHLD, SIG_IGN); /* connection children reap themselves */
		alarm(30);
		close(evp[0]);
		close(gop[1]);
		ev_w = evp[1];
		go_r = gop[0];
		for (;;) {
			int conn = accept(lfd, NULL, NULL);
			pid_t k;

			if (conn < 0)
				_exit(12);
			k = fork();
			if (k == 0) {
				close(lfd);
				serve_connection(conn);
				_exit(0);
			}
			close(conn);
		}
	}
	setpgid(s->pid, s->pid);
	close(lfd);
	close(evp[1]);
	close(gop[0]);
	s->ev = evp[0];
	s->go = gop[1];
}

static void srv_stop(struct srv *s)
{
	kill(-s->pid, SIGKILL);
	kill(s->pid, SIGKILL);
	waitpid(s->pid, NULL, 0);
	close(s->ev);
	close(s->go);
}

/* The next event the server reports. */
static char srv_event(struct srv *s)
{
	char e = 0;

	assert_int_equal(read(s->ev, &e, 1), 1);
	return e;
}

/* ---- the client ---- */

struct fx {
	struct srv srv;
	struct xport_usbip *t;
	struct xport x;
	struct xport_dev_info dev;
	struct xport_handle *h;
	char addr[32];		/* "127.0.0.1:PORT" as the sentences name it */
};

static struct fx *fx_start(const struct srv_cfg *c)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	alarm(30); /* no test may hang the suite */
	srv_start(&f->srv, c);
	snprintf(f->addr, sizeof(f->addr), "127.0.0.1:%u", f->srv.port);
	f->t = xport_usbip_new("127.0.0.1", f->srv.port);
	assert_non_null(f->t);
	xport_usbip_set_mgmt_timeout(f->t, 2000);
	f->x = xport_usbip(f->t);
	return f;
}

static void fx_free(struct fx *f)
{
	xport_close(&f->x, f->h);
	xport_usbip_free(f->t);
	srv_stop(&f->srv);
	free(f);
	alarm(0);
}

static const char *last(const struct fx *f)
{
	return xport_usbip_last_error(f->t);
}

/* The sentence contains `part`; failing, the test prints the sentence. */
static void assert_says(const struct fx *f, const char *part)
{
	if (!strstr(last(f), part))
		fail_msg("last error \"%s\" does not say \"%s\"", last(f), part);
}

static int keep_first(void *ctx, const struct xport_dev_info *d)
{
	*(struct xport_dev_info *)ctx = *d;
	return 1;
}

/* Enumerate and open the first device. */
static void fx_open(struct fx *f)
{
	assert_int_equal(xport_enumerate(&f->x, keep_first, &f->dev), 1);
	assert_string_equal(f->dev.path, "1-1");
	assert_int_equal(xport_open(&f->x, &f->dev, &f->h), 0);
}

static struct fx *fx_opened(void)
{
	struct fx *f = fx_start(&(struct srv_cfg){ 0 });
	fx_open(f);
	return f;
}

static int vendor_in(struct fx *f, uint8_t fault, uint16_t wvalue, uint8_t *buf, uint16_t len)
{
	struct dfu_setup su = { .bmRequestType = VENDOR_IN, .bRequest = fault, .wValue = wvalue,
				.wLength = len };
	return xport_control(&f->x, f->h, &su, NULL, buf, CTRL_MS);
}

static int vendor_out(struct fx *f, uint8_t fault, const uint8_t *buf, uint16_t len)
{
	struct dfu_setup su = { .bmRequestType = VENDOR_OUT, .bRequest = fault, .wLength = len };
	return xport_control(&f->x, f->h, &su, buf, NULL, CTRL_MS);
}

/* An echo of 8 bytes comes back whole and as sent: the stream is in step. */
static void assert_echo_works(struct fx *f, uint16_t wvalue)
{
	uint8_t in[8];

	memset(in, 0, sizeof(in));
	assert_int_equal(vendor_in(f, V_ECHO, wvalue, in, sizeof(in)), 8);
	for (unsigned i = 0; i < sizeof(in); i++)
		assert_int_equal(in[i], (uint8_t)(wvalue + i));
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* ---- connecting and the device list ---- */

static void test_probing_a_port_nobody_listens_on_names_the_address_and_what_to_run(void **st)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct xport_usbip *t;
	struct xport x;
	char want[64];
	(void)st;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
	close(fd); /* a port that was just free: nothing listens there */
	t = xport_usbip_new("127.0.0.1", ntohs(sa.sin_port));
	assert_non_null(t);
	assert_int_equal(xport_usbip_probe(t), DFU_E_IO);
	snprintf(want, sizeof(want), "cannot connect to the USB/IP server at 127.0.0.1:%u: ",
		 ntohs(sa.sin_port));
	assert_non_null(strstr(xport_usbip_last_error(t), want));
	assert_non_null(strstr(xport_usbip_last_error(t), "Connection refused"));
	assert_non_null(strstr(xport_usbip_last_error(t), "is dfu-sim (or usbipd) running"));
	/* enumerate says the same and lists nothing */
	x = xport_usbip(t);
	assert_int_equal(xport_enumerate(&x, NULL, NULL), DFU_E_IO);
	xport_usbip_free(t);
}

static void test_a_clean_server_lists_and_probes_without_an_error(void **st)
{
	struct fx *f = fx_start(&(struct srv_cfg){ .ndev = 3 });
	(void)st;
	assert_int_equal(xport_usbip_probe(f->t), 0);
	assert_string_equal(last(f), "");
	assert_int_equal(xport_enumerate(&f->x, NULL, NULL), 3);
	assert_string_equal(last(f), "");
	fx_free(f);
}

static void test_a_device_list_of_another_usbip_version_is_refused_naming_ours(void **st)
{
	struct fx *f = fx_start(&(struct srv_cfg){ .list = L_BAD_VERSION });
	char want[160];
	(void)st;
	assert_int_equal(xport_usbip_probe(f->t), DFU_E_IO);
	snprintf(want, sizeof(want), "USB/IP server %s answered the device list with another "
		 "protocol version", f->addr);
	assert_says(f, want);
	assert_says(f, "(dfu-flash speaks 0x0111)");
	fx_free(f);
}

static void test_a_device_list_answered_with_the_import_code_is_refused(void **st)
{
	struct fx *f = fx_start(&(struct srv_cfg){ .list = L_IMPORT_CODE });
	(void)st;
	assert_int_equal(xport_enumerate(&f->x, NULL, NULL), DFU_E_IO);
	assert_says(f, "answered the device list with code 0x0003, not 0x0005");
	fx_free(f);
}

static void test_a_device_list_refused_by_the_server_names_its_status(void **st)
{
	struct fx *f = fx_start(&(struct srv_cfg){ .list = L_STATUS });
	(void)st;
	assert_int_equal(xport_usbip_probe(f->t), DFU_E_IO);
	assert_says(f, "refused the device list: status 5 (ST_ERROR)");
	fx_free(f);
}

static void test_a_server_closing_before_the_device_list_is_named(void **st)
{
	struct fx *f = fx_start(&(struct srv_cfg){ .list = L_CLOSE });
	(void)st;
	assert_int_equal(xport_usbip_probe(f->t), DFU_E_IO);
	assert_says(f, "closed the connection before answering the device list");
	fx_free(f);
}

static void test_a_device_list_cut_before_its_count_is_an_io_error(void **st)
{
	struct fx *f = fx_start(&(struct srv_cfg){ .list = L_CUT_BEFORE_COUNT });
	(void)st;
	assert_int_equal(xport_usbip_probe(f->t), DFU_E_IO);
	assert_says(f, "the device list ends before its count");
	fx_free(f);
}

static void test_a_device_list_cut_inside_a_record_names_which_device(void **st)
{
	struct fx *f = fx_start(&(struct srv_cfg){ .list = L_CUT_IN_DEVICE });
	(void)st;
	assert_int_equal(xport_enumerate(&f->x, NULL, NULL), DFU_E_IO);
	assert_says(f, "the device list ends inside device 2 of 2");
	fx_free(f);
}

static void test_a_device_list_cut_inside_the_interface_records_names_the_busid(void **st)
{
	struct fx *f = fx_start(&(struct srv_cfg){ .list = L_CUT_IN_INTERFACES });
	(void)st;
	assert_int_equal(xport_usbip_probe(f->t), DFU_E_IO);
	assert_says(f, "the device list ends inside the interfaces of 1-1");
	fx_free(f);
}

static void test_a_malformed_device_record_is_refused_with_the_codec_reason(void **st)
{
	struct fx *f = fx_start(&(struct srv_cfg){ .list = L_MALFORMED_DEVICE });
	(void)st;
	assert_int_equal(xport_usbip_probe(f->t), DFU_E_IO);
	assert_says(f, "device 1 of the list is malformed: ");
	assert_says(f, "busid");
	fx_free(f);
}

static int count_cb(void *ctx, const struct xport_dev_info *d)
{
	(void)d;
	(*(int *)ctx)++;
	return 0;
}

static void test_a_device_the_server_lists_twice_is_reported_once(void **st)
{
	struct fx *f = fx_start(&(struct srv_cfg){ .list = L_TWICE });
	int seen = 0;
	(void)st;
	assert_int_equal(xport_enumerate(&f->x, count_cb, &seen), 1);
	assert_int_equal(seen, 1);
	/* and again, now that its import is held */
	seen = 0;
	assert_int_equal(xport_enumerate(&f->x, count_cb, &seen), 1);
	assert_int_equal(seen, 1);
	fx_open(f);
	assert_echo_works(f, 0x10);
	fx_free(f);
}

static void test_only_one_busid_is_imported_when_asked_and_every_one_again_after(void **st)
{
	struct fx *f = fx_start(&(struct srv_cfg){ .ndev = 3 });
	(void)st;
	xport_usbip_only(f->t, "1-2");
	assert_int_equal(xport_enumerate(&f->x, keep_first, &f->dev), 1);
	assert_string_equal(f->dev.path, "1-2");
	xport_usbip_only(f->t, NULL);
	assert_int_equal(xport_enumerate(&f->x, NULL, NULL), 3);
	/* a callback that says stop ends the walk at the first device */
	assert_int_equal(xport_enumerate(&f->x, keep_first, &f->dev), 1);
	fx_free(f);
}

/* ---- the import ---- */

static void assert_import_fails(enum import_fault imp, const char *part)
{
	struct fx *f = fx_start(&(struct srv_cfg){ .imp = imp });

	/* the list works, the device cannot be used: it is not reported */
	assert_int_equal(xport_usbip_probe(f->t), 0);
	assert_int_equal(xport_enumerate(&f->x, NULL, NULL), 0);
	assert_says(f, part);
	/* nor can the device as an earlier enumeration saw it be opened */
	f->dev.enum_id = 1;
	snprintf(f->dev.path, sizeof(f->dev.path), "1-1");
	assert_int_equal(xport_open(&f->x, &f->dev, &f->h), DFU_E_NODEV);
	fx_free(f);
}

static void test_an_import_refused_as_busy_says_another_client_has_it(void **st)
{
	(void)st;
	assert_import_fails(I_BUSY, "refused the import of 1-1: ST_DEV_BUSY (another client "
				    "has it imported)");
}

static void test_an_import_refused_as_gone_names_the_status(void **st)
{
	(void)st;
	assert_import_fails(I_NODEV, "refused the import of 1-1: ST_NODEV");
}

static void test_an_import_reply_cut_short_is_not_used(void **st)
{
	(void)st;
	assert_import_fails(I_CUT, "the import reply for 1-1 is cut short");
}

static void test_an_import_reply_of_another_version_is_not_used(void **st)
{
	(void)st;
	assert_import_fails(I_BAD_VERSION, "answered the import with another protocol version");
}

static void test_an_import_answered_with_the_devlist_code_is_not_used(void **st)
{
	(void)st;
	assert_import_fails(I_DEVLIST_CODE, "answered the import with code 0x0005, not 0x0003");
}

static void test_a_malformed_import_record_is_not_used(void **st)
{
	(void)st;
	assert_import_fails(I_MALFORMED, "the import reply for 1-1 is malformed: ");
}

static void test_a_device_with_a_malformed_descriptor_is_named_by_busid(void **st)
{
	(void)st;
	assert_import_fails(I_BAD_DESCRIPTOR, "1-1: its device descriptor (4 bytes) is malformed");
}

static void test_a_device_that_leaves_while_it_is_enumerated_is_not_reported(void **st)
{
	(void)st;
	/* descriptors read, configured, then gone at the string list */
	assert_import_fails(I_LEAVE_AT_STRINGS, "closed the import of 1-1: the device left the "
						"bus or re-enumerated");
}

/* ---- open and close ---- */

static void test_a_handle_is_opened_once_and_reused_by_the_next_enumeration(void **st)
{
	struct fx *f = fx_opened();
	struct xport_dev_info *again = calloc(1, sizeof(*again));
	struct xport_handle *h2 = NULL;
	uint8_t in[4];
	(void)st;
	assert_non_null(again);
	assert_int_equal(xport_open(&f->x, &f->dev, &h2), DFU_E_BUSY);
	assert_null(h2);
	/* the open import is listed as it enumerated, not imported twice */
	assert_int_equal(xport_enumerate(&f->x, keep_first, again), 1);
	assert_int_equal(again->enum_id, f->dev.enum_id);
	xport_close(&f->x, f->h);
	f->h = NULL;
	/* a closed handle is refused, not used */
	{
		struct xport_handle *stale = NULL;
		assert_int_equal(xport_open(&f->x, &f->dev, &stale), 0);
		xport_close(&f->x, stale);
		assert_int_equal(xport_control(&f->x, stale,
					       &(struct dfu_setup){ .bmRequestType = VENDOR_IN,
								    .bRequest = V_ECHO,
								    .wLength = 4 },
					       NULL, in, CTRL_MS),
				 DFU_E_INVAL);
		assert_int_equal(xport_reset(&f->x, stale), DFU_E_INVAL);
		xport_close(&f->x, stale); /* a second close is harmless */
	}
	/* the import survived the close: the next enumeration reuses it */
	assert_int_equal(xport_enumerate(&f->x, keep_first, again), 1);
	assert_int_equal(again->enum_id, f->dev.enum_id);
	assert_int_equal(xport_open(&f->x, again, &f->h), 0);
	assert_echo_works(f, 3);
	free(again);
	fx_free(f);
}

static void test_a_transfer_without_its_buffer_is_refused_before_the_wire(void **st)
{
	struct fx *f = fx_opened();
	(void)st;
	assert_int_equal(vendor_in(f, V_ECHO, 0, NULL, 8), DFU_E_INVAL);
	assert_int_equal(vendor_out(f, V_ECHO, NULL, 8), DFU_E_INVAL);
	assert_echo_works(f, 1);
	fx_free(f);
}

/* ---- URBs the server does not answer ---- */

static void test_a_urb_the_server_never_answers_is_unlinked_and_reported_as_a_timeout(void **st)
{
	struct fx *f = fx_start(&(struct srv_cfg){ .unlink = U_ANSWER });
	uint8_t in[16];
	uint64_t t0;
	(void)st;
	fx_open(f);
	memset(in, 0x11, sizeof(in));
	t0 = now_ms();
	assert_int_equal(vendor_in(f, V_SILENT, 0, in, sizeof(in)), DFU_E_TIMEOUT);
	assert_true(now_ms() - t0 >= CTRL_MS && now_ms() - t0 < CTRL_MS + 2000);
	assert_says(f, "no answer on 1-1 within 200 ms; the URB was unlinked");
	/* the server got CMD_UNLINK naming that very URB */
	assert_int_equal(srv_event(&f->srv), 'U');
	for (unsigned i = 0; i < sizeof(in); i++)
		assert_int_equal(in[i], 0x11);
	/* the import is still in step: the next transfer gets its own answer */
	assert_echo_works(f, 0x40);
	fx_free(f);
}

static void test_the_unlinked_urbs_late_reply_is_dropped_and_never_reaches_the_buffer(void **st)
{
	struct fx *f = fx_start(&(struct srv_cfg){ .unlink = U_LATE_SUBMIT });
	uint8_t in[16];
	(void)st;
	fx_open(f);
	memset(in, 0x11, sizeof(in));
	assert_int_equal(vendor_in(f, V_SILENT, 0, in, sizeof(in)), DFU_E_TIMEOUT);
	assert_int_equal(srv_event(&f->srv), 'U');
	/* its RET_SUBMIT (16 bytes of 0xEE) crossed the unlink: dropped */
	for (unsigned i = 0; i < sizeof(in); i++)
		assert_int_equal(in[i], 0x11);
	assert_echo_works(f, 0x20);
	fx_free(f);
}

static void test_a_ret_unlink_for_another_seqnum_ends_the_import(void **st)
{
	struct fx *f = fx_start(&(struct srv_cfg){ .unlink = U_OTHER_SEQ });
	uint8_t in[8];
	(void)st;
	fx_open(f);
	assert_int_equal(vendor_in(f, V_SILENT, 0, in, sizeof(in)), DFU_E_TIMEOUT);
	assert_int_equal(srv_event(&f->srv), 'U');
	assert_says(f, "no answer on 1-1 within 200 ms");
	/* the stream cannot be trusted any more: the import is over */
	assert_int_equal(vendor_in(f, V_ECHO, 0, in, sizeof(in)), DFU_E_NODEV);
	fx_free(f);
}

static void test_an_unlink_the_server_never_answers_ends_the_import_within_a_second(void **st)
{
	struct fx *f = fx_start(&(struct srv_cfg){ .unlink = U_NEVER });
	uint8_t in[8];
	uint64_t t0;
	(void)st;
	fx_open(f);
	t0 = now_ms();
	assert_int_equal(vendor_in(f, V_SILENT, 0, in, sizeof(in)), DFU_E_TIMEOUT);
	/* the control timeout, then at most the unlink's own second */
	assert_true(now_ms() - t0 < CTRL_MS + 1000 + 1000);
	assert_says(f, "no answer on 1-1 within 200 ms");
	assert_int_equal(vendor_in(f, V_ECHO, 0, in, sizeof(in)), DFU_E_NODEV);
	fx_free(f);
}

static void test_a_reply_that_stops_inside_its_header_is_an_io_error_and_not_unlinked(void **st)
{
	struct fx *f = fx_opened();
	uint8_t in[8];
	(void)st;
	assert_int_equal(vendor_in(f, V_HALF_HEADER, 0, in, sizeof(in)), DFU_E_IO);
	assert_says(f, "stopped inside a reply on 1-1");
	assert_int_equal(vendor_in(f, V_ECHO, 0, in, sizeof(in)), DFU_E_NODEV);
	fx_free(f);
}

/* ---- replies that break the rules ---- */

static void test_a_reply_for_a_seqnum_not_in_flight_is_an_io_error_that_ends_the_import(void **st)
{
	struct fx *f = fx_opened();
	uint8_t in[8];
	(void)st;
	assert_int_equal(vendor_in(f, V_WRONG_SEQ, 0, in, sizeof(in)), DFU_E_IO);
	assert_says(f, "answered seqnum ");
	assert_says(f, " on 1-1, which is not the URB in flight (");
	assert_int_equal(vendor_in(f, V_ECHO, 0, in, sizeof(in)), DFU_E_NODEV);
	fx_free(f);
}

static void test_a_reply_with_more_bytes_than_asked_is_refused_and_nothing_is_copied(void **st)
{
	struct fx *f = fx_opened();
	uint8_t in[8 + 8];
	(void)st;
	memset(in, 0x11, sizeof(in));
	assert_int_equal(vendor_in(f, V_OVERSIZE, 0x30, in, 8), DFU_E_IO);
	assert_says(f, "sent a malformed reply on 1-1: ");
	assert_says(f, "actual_length 9 at offset 24, the URB asked for 8");
	for (unsigned i = 0; i < sizeof(in); i++)
		assert_int_equal(in[i], 0x11);
	assert_int_equal(vendor_in(f, V_ECHO, 0, in, 8), DFU_E_NODEV);
	fx_free(f);
}

static void test_a_stall_status_is_a_stall_and_the_import_stays(void **st)
{
	struct fx *f = fx_opened();
	uint8_t in[8];
	(void)st;
	assert_int_equal(vendor_in(f, V_STATUS, 32, in, sizeof(in)), DFU_E_STALL);
	assert_echo_works(f, 7);
	fx_free(f);
}

static void test_a_nodev_or_shutdown_status_means_the_device_is_gone(void **st)
{
	struct fx *f = fx_opened();
	uint8_t in[8];
	(void)st;
	assert_int_equal(vendor_in(f, V_STATUS, 19, in, sizeof(in)), DFU_E_NODEV);
	assert_int_equal(vendor_in(f, V_ECHO, 0, in, sizeof(in)), DFU_E_NODEV);
	fx_free(f);
	f = fx_opened();
	assert_int_equal(vendor_in(f, V_STATUS, 108, in, sizeof(in)), DFU_E_NODEV);
	assert_int_equal(vendor_in(f, V_ECHO, 0, in, sizeof(in)), DFU_E_NODEV);
	fx_free(f);
}

static void test_any_other_urb_status_is_an_io_error_and_the_import_stays(void **st)
{
	struct fx *f = fx_opened();
	uint8_t in[8];
	(void)st;
	assert_int_equal(vendor_in(f, V_STATUS, 71, in, sizeof(in)), DFU_E_IO);
	assert_echo_works(f, 9);
	fx_free(f);
}

static void test_a_server_closing_inside_a_reply_header_is_an_io_error_not_a_departure(void **st)
{
	struct fx *f = fx_opened();
	uint8_t in[8];
	(void)st;
	/* a device that leaves closes the import between replies; half a
	 * header is a broken server, which the session must not take for a
	 * re-enumeration */
	assert_int_equal(vendor_in(f, V_CLOSE_IN_HEADER, 0, in, sizeof(in)), DFU_E_IO);
	assert_says(f, "closed the connection inside a reply on 1-1 (20 of 48 header bytes)");
	assert_int_equal(vendor_in(f, V_ECHO, 0, in, sizeof(in)), DFU_E_NODEV);
	fx_free(f);
}

static void test_a_reply_whose_data_ends_early_is_an_io_error(void **st)
{
	struct fx *f = fx_opened();
	uint8_t in[64];
	(void)st;
	assert_int_equal(vendor_in(f, V_CLOSE_IN_DATA, 0, in, sizeof(in)), DFU_E_IO);
	assert_says(f, "the reply on 1-1 ends before its 64 data bytes");
	assert_int_equal(vendor_in(f, V_ECHO, 0, in, sizeof(in)), DFU_E_NODEV);
	fx_free(f);
}

static void test_a_control_out_the_device_takes_only_in_part_is_an_io_error(void **st)
{
	struct fx *f = fx_opened();
	uint8_t out[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	(void)st;
	assert_int_equal(vendor_out(f, V_ECHO, out, sizeof(out)), 8);
	assert_int_equal(vendor_out(f, V_OUT_SHORT, out, sizeof(out)), DFU_E_IO);
	assert_says(f, "1-1 took 7 of 8 bytes of a control OUT transfer");
	/* the reply itself was well formed: the import goes on */
	assert_echo_works(f, 2);
	fx_free(f);
}

static void test_data_after_an_out_reply_is_never_read_as_the_next_reply(void **st)
{
	struct fx *f = fx_opened();
	uint8_t out[8] = { 0 }, in[8];
	(void)st;
	/* an OUT reply carries no data: the client takes the header alone */
	assert_int_equal(vendor_out(f, V_OUT_WITH_DATA, out, sizeof(out)), 8);
	/* the 8 bytes of 0xAA that followed are not a reply */
	assert_int_equal(vendor_in(f, V_ECHO, 0, in, sizeof(in)), DFU_E_IO);
	assert_says(f, "sent a malformed reply on 1-1: USB/IP command 0xaaaaaaaa");
	assert_int_equal(vendor_in(f, V_ECHO, 0, in, sizeof(in)), DFU_E_NODEV);
	fx_free(f);
}

static void test_a_ret_unlink_nobody_asked_for_is_an_io_error(void **st)
{
	struct fx *f = fx_opened();
	uint8_t in[8];
	(void)st;
	assert_int_equal(vendor_in(f, V_UNSOLICITED_UNLINK, 0, in, sizeof(in)), DFU_E_IO);
	assert_says(f, "sent RET_UNLINK seqnum ");
	assert_says(f, " on 1-1 without an unlink");
	assert_int_equal(vendor_in(f, V_ECHO, 0, in, sizeof(in)), DFU_E_NODEV);
	fx_free(f);
}

static void test_a_command_sent_back_is_not_taken_for_a_reply(void **st)
{
	struct fx *f = fx_opened();
	uint8_t in[8];
	(void)st;
	assert_int_equal(vendor_in(f, V_NOT_A_REPLY, 0, in, sizeof(in)), DFU_E_IO);
	assert_says(f, "sent a malformed reply on 1-1: not a RET_SUBMIT or RET_UNLINK");
	fx_free(f);
}

static void test_a_control_on_an_import_the_server_reset_reports_the_device_gone(void **st)
{
	struct fx *f = fx_opened();
	uint8_t in[8];
	(void)st;
	assert_int_equal(vendor_in(f, V_RESET_AFTER_REPLY, 0, in, sizeof(in)), 8);
	assert_int_equal(write(f->srv.go, "g", 1), 1);
	assert_int_equal(srv_event(&f->srv), 'R');
	/* the send fails, or (when the RST is still on its way in) the reply
	 * read does: either way the device is gone, and said so */
	assert_int_equal(vendor_in(f, V_ECHO, 0, in, sizeof(in)), DFU_E_NODEV);
	assert_says(f, "import of 1-1");
	assert_says(f, ": the device left the bus or re-enumerated");
	/* and the next enumeration imports it again, as a new device */
	xport_close(&f->x, f->h);
	f->h = NULL;
	{
		uint32_t before = f->dev.enum_id;
		assert_int_equal(xport_enumerate(&f->x, keep_first, &f->dev), 1);
		assert_true(f->dev.enum_id != before);
	}
	fx_free(f);
}

/* ---- the reset ---- */

static void test_reset_reads_the_device_descriptor_and_configures_again(void **st)
{
	struct fx *f = fx_opened();
	(void)st;
	assert_int_equal(xport_reset(&f->x, f->h), 0);
	assert_int_equal(srv_event(&f->srv), 'C');
	assert_int_equal(srv_event(&f->srv), 1); /* the configuration it had */
	assert_echo_works(f, 5);
	fx_free(f);
}

static void test_reset_of_a_device_that_re_enumerates_reports_the_handle_dead(void **st)
{
	struct fx *f = fx_start(&(struct srv_cfg){ .reset = RESET_CLOSE });
	uint8_t in[8];
	(void)st;
	fx_open(f);
	assert_int_equal(xport_reset(&f->x, f->h), DFU_E_NODEV);
	assert_int_equal(vendor_in(f, V_ECHO, 0, in, sizeof(in)), DFU_E_NODEV);
	fx_free(f);
}

static void test_reset_the_device_stalls_is_an_io_error(void **st)
{
	struct fx *f = fx_start(&(struct srv_cfg){ .reset = RESET_STALL });
	(void)st;
	fx_open(f);
	assert_int_equal(xport_reset(&f->x, f->h), DFU_E_IO);
	fx_free(f);
}

static void test_reset_whose_configuration_fails_reports_the_handle_dead(void **st)
{
	struct fx *f = fx_start(&(struct srv_cfg){ .reset = RESET_CFG_STALL });
	(void)st;
	fx_open(f);
	assert_int_equal(xport_reset(&f->x, f->h), DFU_E_NODEV);
	assert_int_equal(srv_event(&f->srv), 'C');
	assert_int_equal(srv_event(&f->srv), 1);
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_probing_a_port_nobody_listens_on_names_the_address_and_what_to_run),
		cmocka_unit_test(test_a_clean_server_lists_and_probes_without_an_error),
		cmocka_unit_test(test_a_device_list_of_another_usbip_version_is_refused_naming_ours),
		cmocka_unit_test(test_a_device_list_answered_with_the_import_code_is_refused),
		cmocka_unit_test(test_a_device_list_refused_by_the_server_names_its_status),
		cmocka_unit_test(test_a_server_closing_before_the_device_list_is_named),
		cmocka_unit_test(test_a_device_list_cut_before_its_count_is_an_io_error),
		cmocka_unit_test(test_a_device_list_cut_inside_a_record_names_which_device),
		cmocka_unit_test(test_a_device_list_cut_inside_the_interface_records_names_the_busid),
		cmocka_unit_test(test_a_malformed_device_record_is_refused_with_the_codec_reason),
		cmocka_unit_test(test_a_device_the_server_lists_twice_is_reported_once),
		cmocka_unit_test(test_only_one_busid_is_imported_when_asked_and_every_one_again_after),
		cmocka_unit_test(test_an_import_refused_as_busy_says_another_client_has_it),
		cmocka_unit_test(test_an_import_refused_as_gone_names_the_status),
		cmocka_unit_test(test_an_import_reply_cut_short_is_not_used),
		cmocka_unit_test(test_an_import_reply_of_another_version_is_not_used),
		cmocka_unit_test(test_an_import_answered_with_the_devlist_code_is_not_used),
		cmocka_unit_test(test_a_malformed_import_record_is_not_used),
		cmocka_unit_test(test_a_device_with_a_malformed_descriptor_is_named_by_busid),
		cmocka_unit_test(test_a_device_that_leaves_while_it_is_enumerated_is_not_reported),
		cmocka_unit_test(test_a_handle_is_opened_once_and_reused_by_the_next_enumeration),
		cmocka_unit_test(test_a_transfer_without_its_buffer_is_refused_before_the_wire),
		cmocka_unit_test(test_a_urb_the_server_never_answers_is_unlinked_and_reported_as_a_timeout),
		cmocka_unit_test(test_the_unlinked_urbs_late_reply_is_dropped_and_never_reaches_the_buffer),
		cmocka_unit_test(test_a_ret_unlink_for_another_seqnum_ends_the_import),
		cmocka_unit_test(test_an_unlink_the_server_never_answers_ends_the_import_within_a_second),
		cmocka_unit_test(test_a_reply_that_stops_inside_its_header_is_an_io_error_and_not_unlinked),
		cmocka_unit_test(test_a_reply_for_a_seqnum_not_in_flight_is_an_io_error_that_ends_the_import),
		cmocka_unit_test(test_a_reply_with_more_bytes_than_asked_is_refused_and_nothing_is_copied),
		cmocka_unit_test(test_a_stall_status_is_a_stall_and_the_import_stays),
		cmocka_unit_test(test_a_nodev_or_shutdown_status_means_the_device_is_gone),
		cmocka_unit_test(test_any_other_urb_status_is_an_io_error_and_the_import_stays),
		cmocka_unit_test(test_a_server_closing_inside_a_reply_header_is_an_io_error_not_a_departure),
		cmocka_unit_test(test_a_reply_whose_data_ends_early_is_an_io_error),
		cmocka_unit_test(test_a_control_out_the_device_takes_only_in_part_is_an_io_error),
		cmocka_unit_test(test_data_after_an_out_reply_is_never_read_as_the_next_reply),
		cmocka_unit_test(test_a_ret_unlink_nobody_asked_for_is_an_io_error),
		cmocka_unit_test(test_a_command_sent_back_is_not_taken_for_a_reply),
		cmocka_unit_test(test_a_control_on_an_import_the_server_reset_reports_the_device_gone),
		cmocka_unit_test(test_reset_reads_the_device_descriptor_and_configures_again),
		cmocka_unit_test(test_reset_of_a_device_that_re_enumerates_reports_the_handle_dead),
		cmocka_unit_test(test_reset_the_device_stalls_is_an_io_error),
		cmocka_unit_test(test_reset_whose_configuration_fails_reports_the_handle_dead),
	};
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
