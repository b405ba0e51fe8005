/*
 * usbip_client.c - the USB/IP client and dfu-sim process harness of the
 * emulator's USB/IP tests (see usbip_client.h): dfu-sim processes started,
 * remembered and stopped; list, import and control transfers through core's
 * codec; the DfuSe steps dfu-util takes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "usbip_client.h"

extern char **environ;

/* Every dfu-sim this test process started and has not stopped. */
static pid_t live_sims[32];

const char *dfu_sim_path(void)
{
	static char path[PATH_MAX + 32];
	char self[PATH_MAX];
	ssize_t n;
	char *slash;

	if (getenv("DFU_SIM"))
		return getenv("DFU_SIM");
	if (path[0])
		return path;
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	assert_true(n > 0);
	self[n] = 0;
	slash = strrchr(self, '/');
	assert_non_null(slash);
	*slash = 0;
	snprintf(path, sizeof(path), "%s/../sim/dfu-sim", self);
	if (access(path, X_OK) != 0)
		fail_msg("dfu-sim is not built at %s: build the whole tree (cmake --build) first",
			 path);
	return path;
}

const char *test_dir(const char *name)
{
	static char dirs[8][512];
	static unsigned next;
	char *dir = dirs[next++ % 8];
	char cmd[700];

	mkdir(DFULAB_TEST_TMP, 0777);
	snprintf(dir, sizeof(dirs[0]), "%s/%s-%ld", DFULAB_TEST_TMP, name, (long)getpid());
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(mkdir(dir, 0777), 0);
	return dir;
}

void remove_dir(const char *dir)
{
	char cmd[700];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
}

void forget_sim(pid_t pid)
{
	for (size_t i = 0; i < sizeof(live_sims) / sizeof(live_sims[0]); i++)
		if (live_sims[i] == pid)
			live_sims[i] = 0;
}

static void kill_live_sims(void)
{
	for (size_t i = 0; i < sizeof(live_sims) / sizeof(live_sims[0]); i++)
		if (live_sims[i] > 0) {
			kill(live_sims[i], SIGKILL);
			live_sims[i] = 0;
		}
}

static void on_alarm(int sig)
{
	static const char msg[] = "test timed out (alarm); killing its dfu-sim processes\n";

	kill_live_sims();
	if (write(2, msg, sizeof(msg) - 1) < 0) {
		/* nothing more to say */
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

void remember_sim(pid_t pid)
{
	static bool installed;

	if (!installed) {
		atexit(kill_live_sims);
		signal(SIGALRM, on_alarm);
		installed = true;
	}
	for (size_t i = 0; i < sizeof(live_sims) / sizeof(live_sims[0]); i++)
		if (live_sims[i] == 0) {
			live_sims[i] = pid;
			return;
		}
}

int sim_start_ex(struct sim_proc *p, const char *dir, const char *const *args, char *err,
		 size_t errcap)
{
	const char *argv[64];
	char logpath[600], errpath[600];
	posix_spawn_file_actions_t fa;
	int pipefd[2], n = 0, status;
	size_t got = 0;

	memset(p, 0, sizeof(*p));
	snprintf(p->dir, sizeof(p->dir), "%s", dir);
	snprintf(p->ctl, sizeof(p->ctl), "%s/ctl.sock", dir);
	snprintf(logpath, sizeof(logpath), "%s/log", dir);
	snprintf(errpath, sizeof(errpath), "%s/stderr", dir);
	argv[n++] = dfu_sim_path();
	argv[n++] = "--port";
	argv[n++] = "0";
	argv[n++] = "--ctl";
	argv[n++] = p->ctl;
	argv[n++] = "--log";
	argv[n++] = logpath;
	for (int i = 0; args && args[i]; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	assert_int_equal(pipe(pipefd), 0);
	fcntl(pipefd[0], F_SETFD, FD_CLOEXEC);
	fcntl(pipefd[1], F_SETFD, FD_CLOEXEC);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], 1);
	posix_spawn_file_actions_addopen(&fa, 2, errpath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_int_equal(posix_spawn(&p->pid, argv[0], &fa, NULL, (char *const *)argv, environ),
			 0);
	posix_spawn_file_actions_destroy(&fa);
	remember_sim(p->pid);
	close(pipefd[1]);
	p->out_fd = pipefd[0];
	while (!strchr(p->ready, '\n')) {
		struct pollfd pfd = { .fd = p->out_fd, .events = POLLIN };
		ssize_t r;

		if (poll(&pfd, 1, IO_TIMEOUT_MS) <= 0) {
			kill(p->pid, SIGKILL);
			waitpid(p->pid, NULL, 0);
			fail_msg("dfu-sim printed no ready line within %d ms", IO_TIMEOUT_MS);
		}
		r = read(p->out_fd, p->ready + got, sizeof(p->ready) - 1 - got);
		if (r <= 0) {
			FILE *f;

			waitpid(p->pid, &status, 0);
			forget_sim(p->pid);
			p->pid = 0;
			if (err && errcap) {
				err[0] = 0;
				f = fopen(errpath, "r");
				if (f) {
					size_t k = fread(err, 1, errcap - 1, f);
					err[k] = 0;
					fclose(f);
				}
			}
			return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
		}
		got += (size_t)r;
		p->ready[got] = 0;
	}
	const char *port = strstr(p->ready, " port ");
	assert_non_null(port);
	p->port = (uint16_t)atoi(port + 6);
	assert_true(p->port > 0);
	return 0;
}

void sim_start(struct sim_proc *p, const char *dir, const char *const *args)
{
	char err[2048];
	int rc = sim_start_ex(p, dir, args, err, sizeof(err));

	if (rc != 0)
		fail_msg("dfu-sim exited with %d before it was ready: %s", rc, err);
}

void sim_stop(struct sim_proc *p)
{
	int status = 0;

	if (!p->pid)
		return;
	kill(p->pid, SIGTERM);
	for (int i = 0; i < IO_TIMEOUT_MS / 10; i++) {
		if (waitpid(p->pid, &status, WNOHANG) == p->pid) {
			forget_sim(p->pid);
			p->pid = 0;
			close(p->out_fd);
			assert_true(WIFEXITED(status));
			assert_int_equal(WEXITSTATUS(status), 0);
			return;
		}
		usleep(10000);
	}
	kill(p->pid, SIGKILL);
	waitpid(p->pid, NULL, 0);
	forget_sim(p->pid);
	p->pid = 0;
	fail_msg("dfu-sim did not stop within %d ms of SIGTERM", IO_TIMEOUT_MS);
}

void sim_kill9(struct sim_proc *p)
{
	kill(p->pid, SIGKILL);
	waitpid(p->pid, NULL, 0);
	forget_sim(p->pid);
	p->pid = 0;
	close(p->out_fd);
}

bool sim_alive(struct sim_proc *p)
{
	return p->pid && waitpid(p->pid, NULL, WNOHANG) == 0;
}

int sim_ctl_run(const struct sim_proc *p, char *out, size_t cap, const char *cmd)
{
	char line[1200];
	FILE *f;
	size_t got = 0;
	int status;

	assert_true((size_t)snprintf(line, sizeof(line), "'%s' ctl --ctl '%s' %s 2>&1",
				     dfu_sim_path(), p->ctl, cmd) < sizeof(line));
	f = popen(line, "r");
	assert_non_null(f);
	if (out && cap) {
		for (;;) {
			size_t n = fread(out + got, 1, cap - 1 - got, f);
			if (n == 0)
				break;
			got += n;
		}
		out[got] = 0;
	} else {
		char sink[4096];
		while (fread(sink, 1, sizeof(sink), f) > 0)
			;
	}
	status = pclose(f);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void sim_ctl_ok(const struct sim_proc *p, const char *cmd)
{
	char out[8192];
	int rc = sim_ctl_run(p, out, sizeof(out), cmd);

	if (rc != 0)
		fail_msg("dfu-sim ctl %s failed (%d): %s", cmd, rc, out);
}

int tcp_connect(uint16_t port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	int one = 1;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
		fail_msg("connect to 127.0.0.1:%u: %s", port, strerror(errno));
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

void send_all(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			fail_msg("send: %s", n < 0 ? strerror(errno) : "closed");
		p += n;
		len -= (size_t)n;
	}
}

int recv_exact(int fd, void *buf, size_t len, size_t *got_out)
{
	uint8_t *p = buf;
	size_t got = 0;

	while (got < len) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (poll(&pfd, 1, IO_TIMEOUT_MS) <= 0)
			fail_msg("no reply within %d ms (have %zu of %zu bytes)", IO_TIMEOUT_MS, got,
				 len);
		n = recv(fd, p + got, len - got, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (got_out)
				*got_out = got;
			return -1;
		}
		got += (size_t)n;
	}
	if (got_out)
		*got_out = got;
	return 0;
}

bool peer_closes(int fd)
{
	uint8_t b;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	if (poll(&pfd, 1, IO_TIMEOUT_MS) <= 0)
		return false;
	return recv(fd, &b, 1, 0) <= 0;
}

int usbip_list(uint16_t port, struct listed *out, int max)
{
	uint8_t req[8], buf[16384];
	size_t len = 0;
	struct usbip_devlist_iter it;
	struct dfu_diag diag;
	int fd = tcp_connect(port), n = 0, rc;

	usbip_req_devlist_encode(req, sizeof(req));
	send_all(fd, req, sizeof(req));
	assert_int_equal(recv_exact(fd, buf, 12, NULL), 0);
	len = 12;
	assert_int_equal(usbip_rep_devlist_begin(&it, buf, len, &diag), 0);
	/* Read record by record: 312 bytes, then its interfaces. */
	for (uint32_t i = 0; i < it.ndev; i++) {
		assert_true(len + USBIP_DEVICE_SIZE <= sizeof(buf));
		assert_int_equal(recv_exact(fd, buf + len, USBIP_DEVICE_SIZE, NULL), 0);
		uint8_t nintf = buf[len + 0x137];
		len += USBIP_DEVICE_SIZE;
		assert_true(len + nintf * 4u <= sizeof(buf));
		assert_int_equal(recv_exact(fd, buf + len, nintf * 4u, NULL), 0);
		len += nintf * 4u;
	}
	close(fd);
	assert_int_equal(usbip_rep_devlist_begin(&it, buf, len, &diag), 0);
	assert_true(it.ndev <= (uint32_t)max);
	while ((rc = usbip_rep_devlist_next(&it, &out[n].dev, out[n].intf, 4, &diag)) == 1)
		n++;
	if (rc < 0)
		fail_msg("device list: %s", diag.msg);
	return n;
}

uint32_t usbip_import(struct uclient *c, uint16_t port, const char *busid,
		      struct usbip_usb_device *dev)
{
	uint8_t req[USBIP_REQ_IMPORT_SIZE], rep[USBIP_REP_IMPORT_SIZE];
	struct usbip_usb_device d;
	uint32_t status = 99;
	struct dfu_diag diag;

	memset(c, 0, sizeof(*c));
	c->fd = tcp_connect(port);
	assert_int_equal(usbip_req_import_encode(busid, req, sizeof(req)), 40);
	send_all(c->fd, req, sizeof(req));
	assert_int_equal(recv_exact(c->fd, rep, 8, NULL), 0);
	status = dfu_get_be32(rep + 4);
	if (status != 0) {
		assert_int_equal(usbip_rep_import_decode(rep, 8, &status, &d, &diag), 8);
		close(c->fd);
		c->fd = -1;
		return status;
	}
	assert_int_equal(recv_exact(c->fd, rep + 8, USBIP_REP_IMPORT_SIZE - 8, NULL), 0);
	assert_int_equal(usbip_rep_import_decode(rep, sizeof(rep), &status, &d, &diag), 320);
	assert_string_equal(d.busid, busid);
	if (dev)
		*dev = d;
	c->devid = (d.busnum << 16) | d.devnum;
	return status;
}

void usbip_import_ok(struct uclient *c, uint16_t port, const char *busid)
{
	uint32_t st = 0;

	for (int i = 0; i < 200; i++) {
		st = usbip_import(c, port, busid, NULL);
		if (st == USBIP_ST_OK)
			return;
		usleep(10000);
	}
	fail_msg("import of %s refused with %s for 2 s", busid, usbip_op_status_name(st));
}

void uclient_close(struct uclient *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

uint32_t submit_ctrl(struct uclient *c, uint8_t type, uint8_t req, uint16_t wValue,
		     uint16_t wIndex, uint16_t wLength, const void *out)
{
	struct usbip_cmd_submit m = { 0 };
	struct dfu_setup st = { type, req, wValue, wIndex, wLength };
	static uint8_t msg[USBIP_HEADER_SIZE + 65536];
	bool in = type & 0x80;
	int n;

	m.base.command = USBIP_CMD_SUBMIT;
	m.base.seqnum = ++c->seq;
	m.base.devid = c->devid;
	m.base.direction = in ? USBIP_DIR_IN : USBIP_DIR_OUT;
	m.transfer_flags = in ? USBIP_URB_DIR_IN : 0;
	m.transfer_buffer_length = wLength;
	dfu_setup_encode(&st, m.setup);
	n = usbip_cmd_submit_encode(&m, out, msg, sizeof(msg));
	assert_true(n >= USBIP_HEADER_SIZE);
	send_all(c->fd, msg, (size_t)n);
	return m.base.seqnum;
}

int read_reply(struct uclient *c, bool dir_in, int32_t requested, struct ureply *r)
{
	uint8_t hdr[USBIP_HEADER_SIZE];
	struct usbip_ret_submit rs;
	struct usbip_ret_unlink ru;
	struct dfu_diag diag;

	if (recv_exact(c->fd, hdr, sizeof(hdr), NULL) < 0)
		return -1;
	r->command = dfu_get_be32(hdr);
	r->seqnum = dfu_get_be32(hdr + 4);
	if (r->command == USBIP_RET_UNLINK) {
		assert_int_equal(usbip_ret_unlink_decode(hdr, sizeof(hdr), &ru, &diag), 48);
		r->status = ru.status;
		r->actual = 0;
		return 0;
	}
	assert_int_equal(r->command, USBIP_RET_SUBMIT);
	r->actual = (int32_t)dfu_get_be32(hdr + 0x18);
	if (r->actual < 0 || r->actual > requested)
		fail_msg("RET_SUBMIT %u: actual_length %d above the request %d", r->seqnum,
			 r->actual, requested);
	if (dir_in && r->actual > 0)
		assert_int_equal(recv_exact(c->fd, r->data, (size_t)r->actual, NULL), 0);
	uint8_t whole[USBIP_HEADER_SIZE + 65536];
	memcpy(whole, hdr, sizeof(hdr));
	if (dir_in)
		memcpy(whole + 48, r->data, (size_t)r->actual);
	int rc = usbip_ret_submit_decode(whole, 48 + (dir_in ? (size_t)r->actual : 0), dir_in,
					 requested, &rs, NULL, &diag);
	if (rc < 0)
		fail_msg("RET_SUBMIT: %s", diag.msg);
	r->status = rs.status;
	r->number_of_packets = rs.number_of_packets;
	return 0;
}

int ctrl(struct uclient *c, uint8_t type, uint8_t req, uint16_t wValue, uint16_t wIndex,
	 uint16_t wLength, const void *out, void *in, int32_t *actual)
{
	static struct ureply r;
	uint32_t seq = submit_ctrl(c, type, req, wValue, wIndex, wLength, out);

	if (read_reply(c, type & 0x80, wLength, &r) < 0)
		return 1;
	assert_int_equal(r.command, USBIP_RET_SUBMIT);
	assert_int_equal(r.seqnum, seq);
	assert_int_equal(r.number_of_packets, 0);
	if (!(type & 0x80) && r.status == 0)
		assert_int_equal(r.actual, wLength); /* OUT: everything taken, no data back */
	if (in && r.actual)
		memcpy(in, r.data, (size_t)r.actual);
	if (actual)
		*actual = r.actual;
	return r.status;
}

void enumerate(struct uclient *c, char *serial, size_t cap)
{
	uint8_t buf[512];
	int32_t n;

	assert_int_equal(ctrl(c, 0x80, 6, 0x0100, 0, 64, NULL, buf, &n), 0);
	assert_int_equal(n, 18);
	assert_int_equal(dfu_get_le16(buf + 8), 0x0483);
	assert_int_equal(dfu_get_le16(buf + 10), 0xDF11);
	uint8_t iserial = buf[16];
	assert_int_equal(ctrl(c, 0x80, 6, 0x0200, 0, 9, NULL, buf, &n), 0);
	assert_int_equal(n, 9);
	uint16_t total = dfu_get_le16(buf + 2);
	assert_int_equal(ctrl(c, 0x80, 6, 0x0200, 0, total, NULL, buf, &n), 0);
	assert_int_equal(n, total);
	if (serial) {
		assert_int_equal(ctrl(c, 0x80, 6, (uint16_t)(0x0300 | iserial), 0x0409, 255, NULL,
				      buf, &n),
				 0);
		size_t k = 0;
		for (int32_t i = 2; i + 1 < n && k + 1 < cap; i += 2)
			serial[k++] = (char)buf[i];
		serial[k] = 0;
	}
	assert_int_equal(ctrl(c, 0x00, 9, 1, 0, 0, NULL, NULL, NULL), 0);
	assert_int_equal(ctrl(c, 0x01, 11, 0, 0, 0, NULL, NULL, NULL), 0);
}

int getstatus(struct uclient *c, struct dfu_status_reply *st)
{
	uint8_t buf[6];
	int32_t n = 0;
	int rc = ctrl(c, 0xA1, DFU_GETSTATUS, 0, 0, 6, NULL, buf, &n);

	if (rc == 0) {
		assert_int_equal(n, 6);
		dfu_status_decode(buf, 6, st);
	}
	return rc;
}

int dnload_and_poll(struct uclient *c, uint16_t block, const void *data, uint16_t len)
{
	struct dfu_status_reply st;

	assert_int_equal(ctrl(c, 0x21, DFU_DNLOAD, block, 0, len, data, NULL, NULL), 0);
	for (int i = 0; i < 100; i++) {
		int rc = getstatus(c, &st);

		if (rc == 1)
			return -1; /* the device left */
		assert_int_equal(rc, 0);
		if (st.bState != DFU_STATE_DNBUSY) {
			assert_int_equal(st.bStatus, DFU_STATUS_OK);
			return st.bState;
		}
	}
	fail_msg("device stayed in dfuDNBUSY");
	return -1;
}

void dfuse_cmd(struct uclient *c, uint8_t cmd, const uint32_t *addr)
{
	uint8_t b[5] = { cmd };
	uint16_t len = 1;

	if (addr) {
		dfu_put_le32(b + 1, *addr);
		len = 5;
	}
	assert_int_equal(dnload_and_poll(c, 0, b, len), DFU_STATE_DNLOAD_IDLE);
}

void dfu_abort(struct uclient *c)
{
	assert_int_equal(ctrl(c, 0x21, DFU_ABORT, 0, 0, 0, NULL, NULL, NULL), 0);
}

void dfuse_write(struct uclient *c, uint32_t addr, const uint8_t *data, size_t len)
{
	dfuse_cmd(c, 0x21, &addr);
	for (size_t off = 0, blk = 2; off < len; off += 2048, blk++) {
		uint16_t n = (uint16_t)(len - off < 2048 ? len - off : 2048);

		assert_int_equal(dnload_and_poll(c, (uint16_t)blk, data + off, n),
				 DFU_STATE_DNLOAD_IDLE);
	}
}

void dfuse_read(struct uclient *c, uint32_t addr, uint8_t *out, size_t len)
{
	int32_t n;

	dfuse_cmd(c, 0x21, &addr);
	dfu_abort(c);
	for (size_t off = 0, blk = 2; off < len; off += 2048, blk++) {
		uint16_t want = (uint16_t)(len - off < 2048 ? len - off : 2048);

		assert_int_equal(ctrl(c, 0xA1, DFU_UPLOAD, (uint16_t)blk, 0, want, NULL, out + off,
				      &n),
				 0);
		assert_int_equal(n, want);
	}
	dfu_abort(c);
}
