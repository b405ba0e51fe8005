/* test_vport_bridge.c - the vport-bridge program end to end on loopback:
 * host mode against a fake dfu-sim and a fake QEMU chardev, guest mode with
 * a pseudo-terminal standing in for the virtio port. Both sides forward
 * bytes per connection, close what the other side closed, and end with a
 * clear message (exit 1) on a broken frame stream. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#define WAIT_MS 5000

static pid_t spawn(char *const argv[], const char *log)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		if (fd >= 0)
			dup2(fd, 2);
		execv(argv[0], argv);
		_exit(127);
	}
	return pid;
}

/* Exit status of pid within WAIT_MS, or -1. */
static int reap(pid_t pid)
{
	for (int i = 0; i < WAIT_MS / 10; i++) {
		int st;

		if (waitpid(pid, &st, WNOHANG) == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		usleep(10000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return -1;
}

static void read_exact(int fd, void *buf, size_t n)
{
	size_t got = 0;

	while (got < n) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t r;

		assert_int_equal(poll(&p, 1, WAIT_MS), 1);
		r = read(fd, (uint8_t *)buf + got, n - got);
		assert_true(r > 0);
		got += (size_t)r;
	}
}

static void expect_bytes(int fd, const void *want, size_t n)
{
	uint8_t buf[64];

	assert_true(n <= sizeof(buf));
	read_exact(fd, buf, n);
	assert_memory_equal(buf, want, n);
}

static void expect_eof(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	uint8_t b;

	assert_int_equal(poll(&p, 1, WAIT_MS), 1);
	assert_int_equal(read(fd, &b, 1), 0);
}

static void put(int fd, const void *p, size_t n)
{
	assert_int_equal(write(fd, p, n), (ssize_t)n);
}

static int tcp_listener(uint16_t *port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 4), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	*port = ntohs(sa.sin_port);
	return fd;
}

static int accept_within(int lfd)
{
	struct pollfd p = { .fd = lfd, .events = POLLIN };

	assert_int_equal(poll(&p, 1, WAIT_MS), 1);
	return accept(lfd, NULL, NULL);
}

static int tcp_connect(uint16_t port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (int i = 0; i < WAIT_MS / 10; i++) {
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			return fd;
		close(fd);
		fd = socket(AF_INET, SOCK_STREAM, 0);
		usleep(10000);
	}
	fail_msg("cannot connect to 127.0.0.1:%u", port);
	return -1;
}

static int unix_connect(const char *path)
{
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	snprintf(un.sun_path, sizeof(un.sun_path), "%s", path);
	for (int i = 0; i < WAIT_MS / 10; i++) {
		if (connect(fd, (struct sockaddr *)&un, sizeof(un)) == 0)
			return fd;
		usleep(10000);
	}
	fail_msg("cannot connect to %s", path);
	return -1;
}

static void expect_log(const char *log, const char *words)
{
	char buf[4096] = { 0 };
	FILE *f = fopen(log, "r");

	assert_non_null(f);
	(void)!fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	if (!strstr(buf, words))
		fail_msg("the bridge's log lacks \"%s\":\n%s", words, buf);
}

static void test_host_side_opens_one_connection_per_open_frame(void **state)
{
	char sock[256], log[256], target[32];
	uint16_t port;
	int lfd, q, s1, s2;
	pid_t pid;
	(void)state;

	snprintf(sock, sizeof(sock), "%s/vpb-host-%d.sock", DFULAB_TEST_TMP, (int)getpid());
	snprintf(log, sizeof(log), "%s/vpb-host-%d.log", DFULAB_TEST_TMP, (int)getpid());
	lfd = tcp_listener(&port);
	snprintf(target, sizeof(target), "127.0.0.1:%u", port);
	{
		char *argv[] = { VPORT_BRIDGE_BIN, "host", "--chardev", sock, "--connect", target,
				 NULL };
		pid = spawn(argv, log);
	}
	q = unix_connect(sock); /* what QEMU's chardev does */
	expect_bytes(q, "H\x00\x00\x04VPB1", 8);

	put(q, "O\x05\x00\x00" "D\x05\x00\x04ping", 12);
	s1 = accept_within(lfd);
	expect_bytes(s1, "ping", 4);
	put(s1, "pong", 4);
	expect_bytes(q, "D\x05\x00\x04pong", 8);

	/* A second connection at the same time, independent of the first. */
	put(q, "O\x06\x00\x00" "D\x06\x00\x01x", 9);
	s2 = accept_within(lfd);
	expect_bytes(s2, "x", 1);

	/* dfu-sim closes connection 5 (an unplug): a close frame. */
	close(s1);
	expect_bytes(q, "C\x05\x00\x00", 4);
	/* Data for it that crossed the close is dropped, not an error. */
	put(q, "D\x05\x00\x04late", 8);
	/* The guest closes connection 6: dfu-sim sees the end. */
	put(q, "C\x06\x00\x00", 4);
	expect_eof(s2);
	close(s2);

	/* A broken stream ends the bridge with the reason. */
	put(q, "Z\x01\x00\x00", 4);
	assert_int_equal(reap(pid), 1);
	expect_log(log, "broken frame stream from the guest side at byte 33");
	expect_log(log, "unknown frame type 0x5a");
	close(q);
	close(lfd);
	unlink(sock);
}

static void test_host_side_answers_a_failed_connect_with_close(void **state)
{
	char sock[256], log[256], target[32];
	uint16_t port;
	int lfd, q;
	pid_t pid;
	(void)state;

	snprintf(sock, sizeof(sock), "%s/vpb-refused-%d.sock", DFULAB_TEST_TMP, (int)getpid());
	snprintf(log, sizeof(log), "%s/vpb-refused-%d.log", DFULAB_TEST_TMP, (int)getpid());
	lfd = tcp_listener(&port);
	close(lfd); /* nobody listens there now */
	snprintf(target, sizeof(target), "127.0.0.1:%u", port);
	{
		char *argv[] = { VPORT_BRIDGE_BIN, "host", "--chardev", sock, "--connect", target,
				 NULL };
		pid = spawn(argv, log);
	}
	q = unix_connect(sock);
	expect_bytes(q, "H\x00\x00\x04VPB1", 8);
	put(q, "O\x09\x00\x00", 4);
	expect_bytes(q, "C\x09\x00\x00", 4);
	/* The guest side must never say hello. */
	put(q, "H\x00\x00\x04VPB1", 8);
	assert_int_equal(reap(pid), 1);
	expect_log(log, "hello frame from the guest side");
	close(q);
	unlink(sock);
}

static void test_guest_side_listens_after_hello_and_frames_each_connection(void **state)
{
	char log[256], listen_at[32], *slave;
	struct termios t;
	uint16_t port;
	int m, sl, lfd, c;
	pid_t pid;
	(void)state;

	/* A pseudo-terminal in raw mode stands in for /dev/vport0p1. */
	m = posix_openpt(O_RDWR | O_NOCTTY);
	assert_true(m >= 0);
	assert_int_equal(grantpt(m), 0);
	assert_int_equal(unlockpt(m), 0);
	slave = ptsname(m);
	assert_non_null(slave);
	sl = open(slave, O_RDWR | O_NOCTTY);
	assert_true(sl >= 0);
	assert_int_equal(tcgetattr(sl, &t), 0);
	cfmakeraw(&t);
	assert_int_equal(tcsetattr(sl, TCSANOW, &t), 0);

	lfd = tcp_listener(&port); /* find a free port, then leave it to the bridge */
	close(lfd);
	snprintf(listen_at, sizeof(listen_at), "127.0.0.1:%u", port);
	snprintf(log, sizeof(log), "%s/vpb-guest-%d.log", DFULAB_TEST_TMP, (int)getpid());
	{
		char *argv[] = { VPORT_BRIDGE_BIN, "guest", "--port-dev", slave, "--listen",
				 listen_at, NULL };
		pid = spawn(argv, log);
	}
	put(m, "H\x00\x00\x04VPB1", 8);
	c = tcp_connect(port); /* what usbip attach does */
	expect_bytes(m, "O\x01\x00\x00", 4);
	put(c, "abc", 3);
	expect_bytes(m, "D\x01\x00\x03" "abc", 7);
	put(m, "D\x01\x00\x02xy", 6);
	expect_bytes(c, "xy", 2);
	/* The host side closes it (dfu-sim unplugged the board): vhci sees EOF. */
	put(m, "C\x01\x00\x00", 4);
	expect_eof(c);
	close(c);

	/* The host side must never open. */
	put(m, "O\x02\x00\x00", 4);
	assert_int_equal(reap(pid), 1);
	expect_log(log, "open frame for connection 2 from the host side");
	close(sl);
	close(m);
}

static void test_bad_command_lines_are_usage_errors(void **state)
{
	char log[256];
	(void)state;

	snprintf(log, sizeof(log), "%s/vpb-usage-%d.log", DFULAB_TEST_TMP, (int)getpid());
	{
		char *argv[] = { VPORT_BRIDGE_BIN, "sideways", NULL };
		assert_int_equal(reap(spawn(argv, log)), 64);
		expect_log(log, "the first argument is guest or host");
	}
	{
		char *argv[] = { VPORT_BRIDGE_BIN, "host", NULL };
		assert_int_equal(reap(spawn(argv, log)), 64);
		expect_log(log, "host mode needs --chardev PATH");
	}
	{
		char *argv[] = { VPORT_BRIDGE_BIN, "guest", "--listen", "localhost", NULL };
		assert_int_equal(reap(spawn(argv, log)), 64);
		expect_log(log, "--listen takes a numeric IPv4 ADDR:PORT");
	}
	{
		char *argv[] = { VPORT_BRIDGE_BIN, "guest", "--port-dev", "/nonexistent/vport", NULL };
		assert_int_equal(reap(spawn(argv, log)), 1);
		expect_log(log, "cannot open /nonexistent/vport");
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_host_side_opens_one_connection_per_open_frame),
		cmocka_unit_test(test_host_side_answers_a_failed_connect_with_close),
		cmocka_unit_test(test_guest_side_listens_after_hello_and_frames_each_connection),
		cmocka_unit_test(test_bad_command_lines_are_usage_errors),
	};
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
