/* test_xport_usbip.c - dfu-flash over its userspace USB/IP client against a
 * real dfu-sim process on 127.0.0.1 (ephemeral port): list, the seed command
 * and its trap, the remedies, upload, -p by busid, and servers that break
 * the protocol. Every test is bounded by alarm(). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "dfu/bytes.h"
#include "host/cli.h"
#include "host/xport_usbip.h"
#include "cli_harness.h"
#include "image_builder.h"
#include "usbip_client.h"

#define IMAGE_SIZE (16 * 1024)
#define OUT_MAX (64 * 1024)

struct fx {
	struct sim_proc sim;
	const char *dir;
	char addr[64];
	uint8_t image[IMAGE_SIZE];
	char fw[600], up[600];
	char out[OUT_MAX], err[OUT_MAX];
};

static struct fx *fx_new_args(const char *const *args)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	alarm(60); /* no test may hang the suite */
	f->dir = test_dir("xport_usbip");
	sim_start(&f->sim, f->dir, args);
	snprintf(f->addr, sizeof(f->addr), "127.0.0.1:%u", f->sim.port);
	image_build(f->image, IMAGE_SIZE, 0x1234567u);
	snprintf(f->fw, sizeof(f->fw), "%s/fw.bin", f->dir);
	snprintf(f->up, sizeof(f->up), "%s/up.bin", f->dir);
	cli_write_file(f->fw, f->image, IMAGE_SIZE);
	return f;
}

static struct fx *fx_new(const char *count)
{
	const char *args[] = { "--count", count, NULL };
	return fx_new_args(args);
}

static void fx_free(struct fx *f)
{
	sim_stop(&f->sim);
	remove_dir(f->dir);
	free(f);
	alarm(0);
}

/* dfu-flash ARGS... with its own transports (so --usbip is the CLI's). */
static int run_v(struct fx *f, ...)
{
	const struct cli_capture c = { f->out, f->err, sizeof(f->out), sizeof(f->err) };
	va_list ap;
	int rc;

	va_start(ap, f);
	rc = cli_run_args(NULL, &c, NULL, ap);
	va_end(ap);
	return rc;
}
#define run(f, ...) run_v((f), __VA_ARGS__, NULL)

static size_t count_of(const char *hay, const char *needle)
{
	size_t n = 0;
	for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

static void status_of(struct fx *f, const char *dev, char *out, size_t cap)
{
	char cmd[64];
	snprintf(cmd, sizeof(cmd), "status %s", dev);
	assert_int_equal(sim_ctl_run(&f->sim, out, cap, cmd), 0);
}

/* ---- against dfu-sim ---- */

static void test_list_over_usbip_shows_four_alt_settings_per_device(void **st)
{
	struct fx *f = fx_new("2");
	(void)st;
	assert_int_equal(run(f, "--usbip", f->addr, "-l"), 0);
	assert_int_equal(count_of(f->out, "Found DFU: [0483:df11]"), 8);
	assert_int_equal(count_of(f->out, "path=\"1-1\""), 4);
	assert_int_equal(count_of(f->out, "path=\"1-2\""), 4);
	assert_non_null(strstr(f->out, "path=\"1-1\", alt=0, name=\"@Internal Flash  "
				       "/0x08000000/0064*0002Kg\""));
	/* listing twice reuses the imports and lists the same */
	assert_int_equal(run(f, "--usbip", f->addr, "-l", "-p", "1-2"), 0);
	assert_int_equal(count_of(f->out, "Found DFU"), 4);
	assert_int_equal(count_of(f->out, "path=\"1-2\""), 4);
	fx_free(f);
}

static void test_seed_command_over_usbip_exits_3_and_power_cycle_runs_the_app(void **st)
{
	struct fx *f = fx_new("1");
	char s[8192];
	(void)st;
	assert_int_equal(run(f, "--usbip", f->addr, "-a", "0", "-i", "0", "-s",
			     "0x08000000:mass-erase:force:leave", "-R", "-D", f->fw),
			 CLI_EXIT_NOT_RUNNING);
	assert_non_null(strstr(f->err, "came back in the ROM bootloader: flashed but not "
				       "running: the flash-empty flag (PEMPTY) was latched at "
				       "power-on"));
	assert_non_null(strstr(f->err, "remedies: power cycle, or --reload-option-bytes"));
	status_of(f, "1-1", s, sizeof(s));
	assert_non_null(strstr(s, "running: ROM") ? s : strstr(s, "bootloader"));
	sim_ctl_ok(&f->sim, "power-cycle 1-1");
	status_of(f, "1-1", s, sizeof(s));
	assert_non_null(strstr(s, "running: application"));
	/* the application is silent: nothing left to list */
	assert_int_equal(run(f, "--usbip", f->addr, "-l"), 0);
	assert_int_equal(count_of(f->out, "Found DFU"), 0);
	fx_free(f);
}

static void test_reload_option_bytes_on_the_second_device_runs_the_app(void **st)
{
	struct fx *f = fx_new("2");
	char s[8192];
	(void)st;
	assert_int_equal(run(f, "--usbip", f->addr, "-p", "1-2", "-a", "0", "-s",
			     "0x08000000:mass-erase:force:leave", "-D", f->fw),
			 CLI_EXIT_NOT_RUNNING);
	assert_int_equal(run(f, "--usbip", f->addr, "-p", "1-2", "--reload-option-bytes"), 0);
	status_of(f, "1-2", s, sizeof(s));
	assert_non_null(strstr(s, "running: application"));
	/* -p picked the second board: the first is untouched and still listed */
	status_of(f, "1-1", s, sizeof(s));
	assert_null(strstr(s, "running: application"));
	assert_int_equal(run(f, "--usbip", f->addr, "-l"), 0);
	assert_int_equal(count_of(f->out, "path=\"1-1\""), 4);
	assert_int_equal(count_of(f->out, "path=\"1-2\""), 0);
	fx_free(f);
}

static void test_upload_over_usbip_returns_what_was_written(void **st)
{
	struct fx *f = fx_new("1");
	uint8_t *back = malloc(IMAGE_SIZE + 1);
	FILE *u;
	(void)st;
	assert_non_null(back);
	assert_int_equal(run(f, "--usbip", f->addr, "-a", "0", "-s", "0x08000000", "-D", f->fw), 0);
	assert_int_equal(run(f, "--usbip", f->addr, "-a", "0", "-s", "0x08000000:16384", "-U",
			     f->up),
			 0);
	u = fopen(f->up, "rb");
	assert_non_null(u);
	assert_int_equal(fread(back, 1, IMAGE_SIZE + 1, u), IMAGE_SIZE);
	fclose(u);
	assert_memory_equal(back, f->image, IMAGE_SIZE);
	free(back);
	fx_free(f);
}

static void test_environment_variable_selects_the_usbip_transport(void **st)
{
	struct fx *f = fx_new("1");
	(void)st;
	setenv("DFU_FLASH_USBIP", f->addr, 1);
	assert_int_equal(run(f, "-l"), 0);
	unsetenv("DFU_FLASH_USBIP");
	assert_int_equal(count_of(f->out, "path=\"1-1\""), 4);
	fx_free(f);
}

static int first_dev(void *ctx, const struct xport_dev_info *d)
{
	*(struct xport_dev_info *)ctx = *d;
	return 1;
}

static void test_transport_enum_id_changes_only_when_the_device_reenumerates(void **st)
{
	struct fx *f = fx_new("1");
	struct xport_usbip *t = xport_usbip_new("127.0.0.1", f->sim.port);
	struct xport x = xport_usbip(t);
	struct xport_handle *h = NULL;
	struct xport_dev_info *d1 = calloc(1, sizeof(*d1)), *d2 = calloc(1, sizeof(*d2));
	struct dfu_setup su = { .bmRequestType = 0x80, .bRequest = 6, .wValue = 0x0100,
				.wLength = 18 };
	uint8_t buf[18];
	(void)st;
	assert_non_null(t);
	assert_int_equal(xport_usbip_probe(t), 0);
	assert_int_equal(xport_enumerate(&x, first_dev, d1), 1);
	assert_int_equal(xport_enumerate(&x, first_dev, d2), 1);
	assert_int_equal(d1->enum_id, d2->enum_id);
	assert_string_equal(d1->path, "1-1");
	assert_int_equal(xport_open(&x, d1, &h), 0);
	assert_int_equal(xport_control(&x, h, &su, NULL, buf, 1000), 18);
	assert_int_equal(buf[1], 1);
	/* NRST: the device re-enumerates, the server closes the import */
	sim_ctl_ok(&f->sim, "reset 1-1");
	assert_int_equal(xport_control(&x, h, &su, NULL, buf, 1000), DFU_E_NODEV);
	xport_close(&x, h);
	assert_int_equal(xport_enumerate(&x, first_dev, d2), 1);
	assert_true(d2->enum_id != d1->enum_id);
	assert_int_equal(xport_open(&x, d1, &h), DFU_E_NODEV);
	assert_int_equal(xport_open(&x, d2, &h), 0);
	assert_int_equal(xport_control(&x, h, &su, NULL, buf, 1000), 18);
	xport_close(&x, h);
	xport_usbip_free(t);
	free(d1);
	free(d2);
	fx_free(f);
}

/* ---- --all: one process per device ---- */

/* The "t_us" of the JSON event `ev` for device `path` (0: none). */
static unsigned long long event_t(const char *out, const char *ev, const char *path)
{
	char key[96];
	const char *p;

	snprintf(key, sizeof(key), "{\"event\":\"%s\",\"path\":\"%s\",", ev, path);
	p = strstr(out, key);
	if (!p || !(p = strstr(p, "\"t_us\":")))
		return 0;
	return strtoull(p + 7, NULL, 10);
}

/* Every line of --json output is one whole object. */
static void assert_json_lines(const char *out)
{
	for (const char *p = out; *p;) {
		const char *nl = strchr(p, '\n');
		assert_non_null(nl);
		assert_true(p[0] == '{' && nl[-1] == '}');
		assert_null(memchr(p + 1, '{', (size_t)(nl - p - 1)));
		p = nl + 1;
	}
}

static void assert_image_on(struct fx *f, const char *busid)
{
	uint8_t back[IMAGE_SIZE];
	FILE *r;

	unlink(f->up);
	assert_int_equal(run(f, "--usbip", f->addr, "-p", busid, "-a", "0", "-s",
			     "0x08000000:16384", "-U", f->up), 0);
	r = fopen(f->up, "rb");
	assert_non_null(r);
	assert_int_equal(fread(back, 1, sizeof(back), r), IMAGE_SIZE);
	fclose(r);
	assert_memory_equal(back, f->image, IMAGE_SIZE);
}

static void test_all_over_usbip_flashes_three_devices_at_once(void **st)
{
	const char *args[] = { "--count", "3", "--timing", "datasheet", "--realtime", NULL };
	struct fx *f = fx_new_args(args);
	const char *bus[3] = { "1-1", "1-2", "1-3" };
	unsigned long long t0[3], t1[3], last_start = 0, first_end = ~0ull;
	(void)st;

	assert_int_equal(run(f, "--usbip", f->addr, "--all", "--json", "-a", "0", "-s",
			     "0x08000000", "-D", f->fw), 0);
	assert_json_lines(f->out);
	for (int i = 0; i < 3; i++) {
		t0[i] = event_t(f->out, "start", bus[i]);
		t1[i] = event_t(f->out, "end", bus[i]);
		assert_true(t0[i] > 0 && t1[i] > t0[i]);
		if (t0[i] > last_start)
			last_start = t0[i];
		if (t1[i] < first_end)
			first_end = t1[i];
	}
	/* every device started before any finished: they ran at the same time */
	assert_true(last_start < first_end);
	assert_int_equal(count_of(f->out, "\"event\":\"written\""), 3);
	assert_non_null(strstr(f->out, "{\"event\":\"result\",\"exit\":0,\"result\":\"3 devices, "
				       "0 not ok\"}"));
	/* the table, in path order, and the human lines, each naming its device */
	assert_non_null(strstr(f->err, "206732653138   1-1        0    ok "));
	assert_non_null(strstr(f->err, "206732663138   1-2        0    ok "));
	assert_non_null(strstr(f->err, "206732673138   1-3        0    ok "));
	assert_true(strstr(f->err, " 1-1 ") < strstr(f->err, " 1-2 ") &&
		    strstr(f->err, " 1-2 ") < strstr(f->err, " 1-3 "));
	assert_non_null(strstr(f->err, "[1-2 206732663138] dfu-flash: wrote 16384 bytes at "
				       "0x08000000, verified by read-back\n"));
	assert_non_null(strstr(f->err, "dfu-flash: 3 devices, 0 not ok; all at once, one "
				       "process each\n"));
	for (int i = 0; i < 3; i++)
		assert_image_on(f, bus[i]);

	/* --jobs 1: one after the other, still one process each */
	assert_int_equal(run(f, "--usbip", f->addr, "--all", "--jobs", "1", "--json", "-a", "0",
			     "-s", "0x08000000", "-D", f->fw), 0);
	assert_true(event_t(f->out, "start", "1-2") >= event_t(f->out, "end", "1-1"));
	assert_true(event_t(f->out, "start", "1-3") >= event_t(f->out, "end", "1-2"));
	assert_non_null(strstr(f->err, "3 devices, 0 not ok; 1 at a time (--jobs), one process "
				       "each"));
	fx_free(f);
}

static void test_all_over_usbip_one_protected_device_fails_and_the_others_are_flashed(void **st)
{
	struct fx *f = fx_new("3");
	(void)st;

	/* RDP level 1 on the middle chip: its ROM refuses to write flash */
	assert_int_equal(run(f, "--usbip", f->addr, "-p", "1-2", "--set-option", "RDP=1"), 0);
	assert_int_equal(run(f, "--usbip", f->addr, "--all", "-a", "0", "-s", "0x08000000",
			     "-D", f->fw), CLI_EXIT_IOERR);
	assert_non_null(strstr(f->out, "206732653138   1-1        0    ok "));
	assert_non_null(strstr(f->out, "206732663138   1-2        74   failed: "));
	assert_non_null(strstr(f->out, "206732673138   1-3        0    ok "));
	assert_non_null(strstr(f->err, "[1-2 206732663138] dfu-flash: "));
	assert_non_null(strstr(f->err, "3 devices, 1 not ok; all at once"));
	assert_image_on(f, "1-1");
	assert_image_on(f, "1-3");
	fx_free(f);
}

/* ---- addresses and servers that are not there ---- */

static void test_usbip_address_forms_parse_with_the_default_port(void **st)
{
	char host[XPORT_USBIP_HOST_MAX], msg[200];
	uint16_t port;
	(void)st;
	assert_int_equal(xport_usbip_parse_addr("localhost", host, &port, msg, sizeof(msg)), 0);
	assert_string_equal(host, "localhost");
	assert_int_equal(port, 3240);
	assert_int_equal(xport_usbip_parse_addr("10.0.0.2:4000", host, &port, msg, sizeof(msg)),
			 0);
	assert_string_equal(host, "10.0.0.2");
	assert_int_equal(port, 4000);
	assert_int_equal(xport_usbip_parse_addr("[::1]:3241", host, &port, msg, sizeof(msg)), 0);
	assert_string_equal(host, "::1");
	assert_int_equal(port, 3241);
	assert_int_equal(xport_usbip_parse_addr("::1", host, &port, msg, sizeof(msg)), 0);
	assert_string_equal(host, "::1");
	assert_int_equal(port, 3240);
	assert_int_equal(xport_usbip_parse_addr("h:0", host, &port, msg, sizeof(msg)), DFU_E_USAGE);
	assert_non_null(strstr(msg, "1 to 65535"));
	assert_int_equal(xport_usbip_parse_addr("h:99999", host, &port, msg, sizeof(msg)),
			 DFU_E_USAGE);
	assert_int_equal(xport_usbip_parse_addr(":3240", host, &port, msg, sizeof(msg)),
			 DFU_E_USAGE);
	assert_int_equal(xport_usbip_parse_addr("[::1", host, &port, msg, sizeof(msg)),
			 DFU_E_USAGE);
}

/* A port nothing listens on: bind one, note it, close it. */
static uint16_t dead_port(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	uint16_t port;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
	port = ntohs(sa.sin_port);
	close(fd);
	return port;
}

static void test_unreachable_server_is_named_with_what_to_do(void **st)
{
	struct fx *f = calloc(1, sizeof(*f));
	char addr[40];
	(void)st;
	assert_non_null(f);
	snprintf(addr, sizeof(addr), "127.0.0.1:%u", dead_port());
	assert_int_not_equal(run(f, "--usbip", addr, "-l"), 0);
	assert_non_null(strstr(f->err, "cannot connect to the USB/IP server at 127.0.0.1:"));
	assert_non_null(strstr(f->err, "is dfu-sim (or usbipd) running there?"));
	assert_int_equal(run(f, "--usbip", "127.0.0.1:70000", "-l"), CLI_EXIT_USAGE);
	assert_non_null(strstr(f->err, "1 to 65535"));
	free(f);
}

/*
 * A scripted server: a child process that accepts `conns` connections and
 * answers each with `reply` (after reading what the client sent), then
 * closes it, or stays silent with it open.
 */
struct script {
	const uint8_t *reply;
	size_t len;
	bool silent;	/* keep the connection open without more bytes */
};

static pid_t serve_script(const struct script *sc, size_t conns, uint16_t *port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sa);
	int one = 1, lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	pid_t pid;

	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(lfd, 8), 0);
	assert_int_equal(getsockname(lfd, (struct sockaddr *)&sa, &sl), 0);
	*port = ntohs(sa.sin_port);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		alarm(20);
		for (size_t i = 0; i < conns; i++) {
			uint8_t req[512];
			int c = accept(lfd, NULL, NULL);
			if (c < 0)
				_exit(1);
			if (read(c, req, sizeof(req)) < 0)
				_exit(1);
			if (sc[i].len && write(c, sc[i].reply, sc[i].len) < 0)
				_exit(1);
			if (sc[i].silent) {
				pause();
				_exit(0);
			}
			close(c);
		}
		_exit(0);
	}
	close(lfd);
	remember_sim(pid); /* killed at exit or on alarm like a dfu-sim */
	return pid;
}

static void reap(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	forget_sim(pid);
}

static void put_op(uint8_t *b, uint16_t version, uint16_t code, uint32_t status)
{
	dfu_put_be16(b, version);
	dfu_put_be16(b + 2, code);
	dfu_put_be32(b + 4, status);
}

static void test_server_with_another_usbip_version_is_refused_cleanly(void **st)
{
	struct fx *f = calloc(1, sizeof(*f));
	uint8_t rep[12] = { 0 };
	struct script sc[1] = { { rep, sizeof(rep), false } };
	uint16_t port;
	char addr[40];
	pid_t pid;
	(void)st;
	alarm(30);
	put_op(rep, 0x0106, USBIP_OP_REP_DEVLIST, 0);
	pid = serve_script(sc, 1, &port);
	snprintf(addr, sizeof(addr), "127.0.0.1:%u", port);
	assert_int_not_equal(run(f, "--usbip", addr, "-l"), 0);
	assert_non_null(strstr(f->err, "another protocol version"));
	reap(pid);
	free(f);
	alarm(0);
}

static void test_server_listing_four_billion_devices_is_refused(void **st)
{
	struct fx *f = calloc(1, sizeof(*f));
	uint8_t rep[12] = { 0 };
	struct script sc[1] = { { rep, sizeof(rep), false } };
	uint16_t port;
	char addr[40];
	pid_t pid;
	(void)st;
	alarm(30);
	put_op(rep, USBIP_VERSION, USBIP_OP_REP_DEVLIST, 0);
	dfu_put_be32(rep + 8, 0xFFFFFFFFu);
	pid = serve_script(sc, 1, &port);
	snprintf(addr, sizeof(addr), "127.0.0.1:%u", port);
	assert_int_not_equal(run(f, "--usbip", addr, "-l"), 0);
	assert_non_null(strstr(f->err, "lists 4294967295 devices"));
	reap(pid);
	free(f);
	alarm(0);
}

static void test_silent_server_times_out_instead_of_hanging(void **st)
{
	struct xport_usbip *t;
	struct script sc[1] = { { NULL, 0, true } };
	struct xport x;
	uint16_t port;
	pid_t pid;
	uint64_t t0;
	(void)st;
	alarm(30);
	pid = serve_script(sc, 1, &port);
	t = xport_usbip_new("127.0.0.1", port);
	assert_non_null(t);
	xport_usbip_set_mgmt_timeout(t, 300);
	x = xport_usbip(t);
	t0 = xport_now_us(&x);
	assert_int_equal(xport_usbip_probe(t), DFU_E_TIMEOUT);
	assert_true(xport_now_us(&x) - t0 < 3000000u);
	assert_non_null(strstr(xport_usbip_last_error(t), "was silent"));
	xport_usbip_free(t);
	reap(pid);
	alarm(0);
}

/* A device list with one device whose import answers a different busid. */
static void test_import_answering_another_busid_is_not_used(void **st)
{
	uint8_t list[USBIP_DEVLIST_HEADER_SIZE + USBIP_DEVICE_SIZE];
	uint8_t imp[USBIP_REP_IMPORT_SIZE];
	struct usbip_usb_device d = { .busnum = 1, .devnum = 1, .speed = 2, .idVendor = 0x0483,
				       .idProduct = 0xdf11 };
	struct script sc[2] = { { list, sizeof(list), false }, { imp, sizeof(imp), false } };
	struct xport_usbip *t;
	struct xport x;
	uint16_t port;
	pid_t pid;
	(void)st;
	alarm(30);
	snprintf(d.path, sizeof(d.path), "/sys/devices/x/usb1/1-1");
	snprintf(d.busid, sizeof(d.busid), "1-1");
	assert_true(usbip_rep_devlist_encode(&(struct usbip_devlist_entry){ d, NULL }, 1, list,
					     sizeof(list)) > 0);
	snprintf(d.busid, sizeof(d.busid), "9-9");
	assert_int_equal(usbip_rep_import_encode(0, &d, imp, sizeof(imp)), USBIP_REP_IMPORT_SIZE);
	pid = serve_script(sc, 2, &port);
	t = xport_usbip_new("127.0.0.1", port);
	assert_non_null(t);
	x = xport_usbip(t);
	assert_int_equal(xport_enumerate(&x, NULL, NULL), 0);
	assert_non_null(strstr(xport_usbip_last_error(t), "imported \"9-9\" when asked for 1-1"));
	xport_usbip_free(t);
	reap(pid);
	alarm(0);
}

/* dfu-sim --chip dfu11: plain DFU 1.1 devices on the same server, flashed
 * and read back by dfu-flash --usbip (block numbers from 0, no DfuSe). */
static void test_dfu_sim_exports_plain_dfu_1_1_devices_that_dfu_flash_flashes(void **st)
{
	const char *args[] = { "--chip", "dfu11", "--count", "2", NULL };
	struct fx *f = fx_new_args(args);
	uint8_t back[IMAGE_SIZE];
	FILE *up;
	(void)st;

	assert_int_equal(run(f, "--usbip", f->addr, "-l"), 0);
	assert_int_equal(count_of(f->out, "Found DFU: [1209:0001]"), 2);
	assert_non_null(strstr(f->out, "path=\"1-2\""));
	if (run(f, "--usbip", f->addr, "-p", "1-2", "-D", f->fw) != 0)
		fail_msg("%s", f->err);
	assert_non_null(strstr(f->err, "dfu-flash: wrote 16384 bytes in 16 blocks of 1024; "
				       "manifested"));
	if (run(f, "--usbip", f->addr, "-p", "1-2", "-U", f->up) != 0)
		fail_msg("%s", f->err);
	up = fopen(f->up, "rb");
	assert_non_null(up);
	assert_int_equal(fread(back, 1, sizeof(back), up), IMAGE_SIZE);
	fclose(up);
	assert_memory_equal(back, f->image, IMAGE_SIZE);
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dfu_sim_exports_plain_dfu_1_1_devices_that_dfu_flash_flashes),
		cmocka_unit_test(test_list_over_usbip_shows_four_alt_settings_per_device),
		cmocka_unit_test(test_seed_command_over_usbip_exits_3_and_power_cycle_runs_the_app),
		cmocka_unit_test(test_reload_option_bytes_on_the_second_device_runs_the_app),
		cmocka_unit_test(test_upload_over_usbip_returns_what_was_written),
		cmocka_unit_test(test_environment_variable_selects_the_usbip_transport),
		cmocka_unit_test(test_transport_enum_id_changes_only_when_the_device_reenumerates),
		cmocka_unit_test(test_usbip_address_forms_parse_with_the_default_port),
		cmocka_unit_test(test_unreachable_server_is_named_with_what_to_do),
		cmocka_unit_test(test_all_over_usbip_flashes_three_devices_at_once),
		cmocka_unit_test(test_all_over_usbip_one_protected_device_fails_and_the_others_are_flashed),
		cmocka_unit_test(test_server_with_another_usbip_version_is_refused_cleanly),
		cmocka_unit_test(test_server_listing_four_billion_devices_is_refused),
		cmocka_unit_test(test_silent_server_times_out_instead_of_hanging),
		cmocka_unit_test(test_import_answering_another_busid_is_not_used),
	};
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
