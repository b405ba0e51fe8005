/*
 * dfu_sim_serve.c - `dfu-sim [OPTIONS]`: emulated boards exported over
 * USB/IP, with the control channel, persistent state, capture and event
 * log.
 *
 * The boards' flags are the keys of board_spec.h (--chip, --count, ...:
 * one grammar with dfu-flash's --sim and the scenario chip line); the rest
 * say where to serve and what to keep. This file wires sim_board (the
 * chips), usbip_server (the protocol and the loop), sim_ctl (the control
 * channel) and sim_state (persistence). docs/dfu-sim.md is its manual.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dfu/error.h"
#include "dfu/usbip_proto.h"
#include "dfu/usbmon_pcap.h"
#include "sim/board_image.h"
#include "sim/board_spec.h"
#include "sim/bus_device.h"
#include "sim/dfu11_device.h"
#include "sim/sim_board.h"
#include "sim/sim_ctl.h"
#include "sim/sim_state.h"
#include "sim/usbip_server.h"

#include "dfu_sim.h"

#ifndef DFULAB_VERSION
#define DFULAB_VERSION "unknown"
#endif

_Static_assert(SIM_BOARD_SPEC_MAX_COUNT <= USBIP_SERVER_MAX_BOARDS,
	       "every board a spec makes has a busid");

struct options {
	struct sim_board_spec spec;	/* the boards */
	const char *listen;
	uint16_t port;
	const char *ctl;
	const char *state;
	const char *pcap;
	const char *log;
	bool realtime;
};

/* Per-board context for the log sink and persistence. */
struct board_ctx {
	char busid[16];
	struct sim_board board;
};

/* Everything that runs, for the teardown. */
struct serving {
	struct options o;
	const char *ctl_path;
	char ctl_buf[256];
	struct board_ctx *boards;		/* STM32 boards, or NULL */
	struct sim_board *ptrs[USBIP_SERVER_MAX_BOARDS];
	struct sim_dfu11 *dfu11;		/* generic DFU 1.1 devices, or NULL */
	struct sim_bus_dev devs[USBIP_SERVER_MAX_BOARDS];	/* what the server exports */
	char last_busid[16];
	struct usbip_server *srv;
	struct sim_ctl *ctl;
	int sfd;
};

static FILE *g_log;
static uint64_t g_start_us;
static int g_pcap_fd = -1;
static const char *g_state_dir;
static struct board_ctx *g_boards;

static uint64_t mono_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static int parse_uint(const char *s, unsigned long long max, unsigned long long *v)
{
	char *end;

	if (!s || !*s || *s == '-')
		return -1;
	errno = 0;
	*v = strtoull(s, &end, 0);
	return (errno || *end || *v > max) ? -1 : 0;
}

/* ---- help ---- */

static void print_help(void)
{
	struct sim_text ctl = { 0 };
	char path[256];

	printf("usage: " PROG " [OPTIONS]\n"
	       "       " PROG " ctl [--ctl PATH] COMMAND...\n"
	       "\n"
	       "Emulated STM32L4 boards running ST's ROM USB DFU bootloader, or generic DFU 1.1\n"
	       "devices (--chip dfu11), exported as USB devices over USB/IP (busids 1-1, 1-2,\n"
	       "...). See docs/dfu-sim.md.\n"
	       "\n"
	       "Boards (the same keys as dfu-flash --sim CHIP,key=value,...):\n"
	       "    --list-chips                list the chip profiles and exit\n");
	sim_board_spec_help(stdout, SIM_BOARD_SPEC_FORM_FLAGS);
	printf("\n"
	       "Server:\n"
	       "    --listen ADDR               numeric address to listen on (default 127.0.0.1)\n"
	       "    --port N                    TCP port (default %d; 0 picks a free one)\n"
	       "    --ctl PATH                  control socket (default %s)\n"
	       "    --realtime                  hold GETSTATUS replies for bwPollTimeout in real\n"
	       "                                time\n"
	       "\n"
	       "Files:\n"
	       "    --state DIR                 keep flash, option bytes, OTP and UID of each\n"
	       "                                board in DIR/1-N.state; every change is on disk\n"
	       "                                before the host is told it succeeded\n"
	       "    --pcap FILE                 capture every URB (usbmon,\n"
	       "                                LINKTYPE_USB_LINUX_MMAPPED) for Wireshark\n"
	       "    --log FILE                  the chips' event log (default stderr)\n"
	       "\n"
	       "    --help, --version\n"
	       "\n"
	       "Control commands (" PROG " ctl COMMAND...):\n",
	       USBIP_PORT_DEFAULT, dfu_sim_default_ctl_path(path, sizeof(path)));
	sim_ctl_help(&ctl);
	printf("%s\nExit status: 0 on quit or SIGTERM/SIGINT, 1 on errors, 64 on usage errors.\n",
	       ctl.p ? ctl.p : "");
	sim_text_free(&ctl);
}

/* The generic device's memory size as the spec makes it. */
static size_t spec_dfu11_mem(void)
{
	struct sim_board_spec spec;

	sim_board_spec_init(&spec);
	return spec.dfu11.mem_size;
}

static void list_chips(void)
{
	for (size_t i = 0; i < l4_profile_count(); i++) {
		const struct l4_profile *p = l4_profile_at(i);

		printf("%-14s %-16s %5u KiB flash, %u-byte pages, %s%s\n", p->name, p->line,
		       (unsigned)(p->flash_size / 1024), (unsigned)p->page_size,
		       p->supported ? "supported" : "not supported: ",
		       p->supported ? "" : p->unsupported_reason);
	}
	printf("%-14s %-16s %5u KiB memory, %04x:%04x (DFU mode), %04x:%04x (application), "
	       "supported\n",
	       SIM_BOARD_SPEC_DFU11, "generic DFU 1.1", (unsigned)(spec_dfu11_mem() / 1024),
	       SIM_DFU11_VID, SIM_DFU11_PID_DFU, SIM_DFU11_VID, SIM_DFU11_PID_APP);
}

/* ---- options ---- */

enum {
	OPT_LIST_CHIPS = 256,
	OPT_LISTEN,
	OPT_PORT,
	OPT_CTL,
	OPT_STATE,
	OPT_PCAP,
	OPT_LOG,
	OPT_REALTIME,
	OPT_HELP,
	OPT_VERSION,
	OPT_SPEC_KEY = 512, /* + the key's index in board_spec's table */
};

static const struct option server_options[] = {
	{ "list-chips", no_argument, NULL, OPT_LIST_CHIPS },
	{ "listen", required_argument, NULL, OPT_LISTEN },
	{ "port", required_argument, NULL, OPT_PORT },
	{ "ctl", required_argument, NULL, OPT_CTL },
	{ "state", required_argument, NULL, OPT_STATE },
	{ "pcap", required_argument, NULL, OPT_PCAP },
	{ "log", required_argument, NULL, OPT_LOG },
	{ "realtime", no_argument, NULL, OPT_REALTIME },
	{ "help", no_argument, NULL, OPT_HELP },
	{ "version", no_argument, NULL, OPT_VERSION },
};
#define NSERVER_OPTIONS (sizeof(server_options) / sizeof(server_options[0]))
#define MAX_SPEC_KEYS 32

/* The server's own flags, then one --KEY VALUE flag per board_spec key. */
static const struct option *long_options(void)
{
	static struct option all[NSERVER_OPTIONS + MAX_SPEC_KEYS + 1];
	size_t n = NSERVER_OPTIONS;

	memcpy(all, server_options, sizeof(server_options));
	for (size_t k = 0; k < sim_board_spec_key_count() && k < MAX_SPEC_KEYS; k++)
		all[n++] = (struct option){ sim_board_spec_key_at(k), required_argument, NULL,
					    OPT_SPEC_KEY + (int)k };
	all[n] = (struct option){ NULL, 0, NULL, 0 };
	return all;
}

static void set_port(struct options *o, const char *arg)
{
	unsigned long long v;

	if (parse_uint(arg, 65535, &v) < 0)
		dfu_sim_usage_error("--port %s: give a TCP port from 0 to 65535 (0 picks a free "
				    "one; USB/IP's own is %d)",
				    arg, USBIP_PORT_DEFAULT);
	o->port = (uint16_t)v;
}

static void server_option(struct options *o, int opt, const char *arg)
{
	switch (opt) {
	case OPT_LIST_CHIPS:
		list_chips();
		exit(0);
	case OPT_LISTEN:
		o->listen = arg;
		break;
	case OPT_PORT:
		set_port(o, arg);
		break;
	case OPT_CTL:
		if (!*arg)
			dfu_sim_usage_error("--ctl: give a path for the control socket");
		o->ctl = arg;
		break;
	case OPT_STATE:
		o->state = arg;
		break;
	case OPT_PCAP:
		o->pcap = arg;
		break;
	case OPT_LOG:
		o->log = arg;
		break;
	case OPT_REALTIME:
		o->realtime = true;
		break;
	case OPT_HELP:
		print_help();
		exit(0);
	default: /* OPT_VERSION */
		printf(PROG " (dfulab) %s\n", DFULAB_VERSION);
		exit(0);
	}
}

static void bad_option(int opt, char **argv)
{
	if (opt == ':')
		dfu_sim_usage_error("%s needs a value", argv[optind - 1]);
	if (optopt)
		dfu_sim_usage_error("unknown option -%c", optopt);
	dfu_sim_usage_error("unknown option %s", argv[optind - 1]);
}

static void parse_options(int argc, char **argv, struct options *o)
{
	const struct option *opts = long_options();
	char msg[512];
	int opt;

	memset(o, 0, sizeof(*o));
	sim_board_spec_init(&o->spec);
	o->spec.form = SIM_BOARD_SPEC_FORM_FLAGS;
	o->listen = "127.0.0.1";
	o->port = USBIP_PORT_DEFAULT;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		if (opt >= OPT_SPEC_KEY) {
			if (sim_board_spec_set(&o->spec, opts[NSERVER_OPTIONS + (size_t)(opt -
									OPT_SPEC_KEY)].name,
					       optarg, msg, sizeof(msg)) < 0)
				dfu_sim_usage_error("%s", msg);
		} else if (opt >= OPT_LIST_CHIPS) {
			server_option(o, opt, optarg);
		} else {
			bad_option(opt, argv);
		}
	}
	if (optind < argc)
		dfu_sim_usage_error("unexpected argument \"%s\" (options start with --; the client "
				    "is '" PROG " ctl COMMAND')",
				    argv[optind]);
	if (sim_board_spec_check(&o->spec, msg, sizeof(msg)) < 0)
		dfu_sim_usage_error("%s", msg);
	if (o->spec.kind == SIM_BOARD_KIND_DFU11 && o->state)
		dfu_sim_usage_error("--state %s: only STM32 chips have state to keep; drop --state "
				    "for --chip dfu11",
				    o->state);
}

/* ---- the log ---- */

static void log_prefix(FILE *f)
{
	uint64_t t = mono_now_us() - g_start_us;

	fprintf(f, "%llu.%06llu ", (unsigned long long)(t / 1000000u),
		(unsigned long long)(t % 1000000u));
}

static void board_sink(void *ctx, uint64_t t_us, const char *who, const char *text)
{
	struct board_ctx *bc = ctx;
	(void)who;

	log_prefix(g_log);
	fprintf(g_log, "%s [virtual %llu.%06llu] %s\n", bc->busid,
		(unsigned long long)(t_us / 1000000u), (unsigned long long)(t_us % 1000000u), text);
	fflush(g_log);
}

static void server_log(void *ctx, const char *line)
{
	(void)ctx;
	log_prefix(g_log);
	fprintf(g_log, "%s\n", line);
	fflush(g_log);
}

static void open_log(const char *path)
{
	g_log = stderr;
	if (!path)
		return;
	g_log = fopen(path, "a");
	if (!g_log)
		dfu_sim_fatal("--log %s: %s", path, strerror(errno));
}

/* ---- capture ---- */

static void pcap_write(void *ctx, const struct usbmon_event *e)
{
	static uint8_t rec[PCAP_RECORD_HEADER_SIZE + USBMON_HEADER_SIZE + 65536];
	int n = usbmon_pcap_record_encode(e, rec, sizeof(rec));
	(void)ctx;

	if (n < 0 || g_pcap_fd < 0)
		return;
	for (size_t off = 0; off < (size_t)n;) {
		ssize_t w = write(g_pcap_fd, rec + off, (size_t)n - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			server_log(NULL, "pcap: write failed; capture stopped");
			close(g_pcap_fd);
			g_pcap_fd = -1;
			return;
		}
		off += (size_t)w;
	}
}

static void pcap_open(const char *path)
{
	uint8_t hdr[PCAP_GLOBAL_HEADER_SIZE];

	g_pcap_fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (g_pcap_fd < 0)
		dfu_sim_fatal("--pcap %s: %s", path, strerror(errno));
	pcap_global_header_encode(hdr, sizeof(hdr));
	if (write(g_pcap_fd, hdr, sizeof(hdr)) != (ssize_t)sizeof(hdr))
		dfu_sim_fatal("--pcap %s: cannot write the file header: %s", path, strerror(errno));
}

/* ---- persistence ---- */

static int persist(void *ctx, size_t i, struct sim_board *b)
{
	struct dfu_diag diag = { 0 };
	char name[32];
	int rc;
	(void)ctx;

	snprintf(name, sizeof(name), "%s.state", g_boards[i].busid);
	rc = sim_state_write(g_state_dir, name, &b->chip, &diag);
	if (rc < 0) {
		log_prefix(g_log);
		fprintf(g_log, "%s state: NOT saved: %s\n", g_boards[i].busid, diag.msg);
		fflush(g_log);
	}
	return rc;
}

static void prepare_state_dir(const char *dir)
{
	struct stat sb;

	if (stat(dir, &sb) == 0) {
		if (!S_ISDIR(sb.st_mode))
			dfu_sim_usage_error("--state %s: exists and is not a directory", dir);
	} else if (errno != ENOENT || mkdir(dir, 0755) < 0) {
		dfu_sim_fatal("--state %s: %s", dir, strerror(errno));
	}
	if (access(dir, W_OK) != 0)
		dfu_sim_fatal("--state %s: not writable: %s", dir, strerror(errno));
	g_state_dir = dir;
}

/* The board's saved state, if --state holds one: true with `st` filled. */
static bool read_saved_state(const struct options *o, const struct board_ctx *bc,
			     struct sim_state *st)
{
	struct dfu_diag diag = { 0 };
	char path[4096];
	int rc;

	if (!o->state)
		return false;
	snprintf(path, sizeof(path), "%s/%s.state", o->state, bc->busid);
	rc = sim_state_read(path, o->spec.profile, st, &diag);
	if (rc == DFU_E_NOTFOUND)
		return false;
	if (rc < 0)
		dfu_sim_fatal("--state %s: %s: %s; refusing to start rather than lose what it holds "
			      "(move the file away to start board %s from a virgin chip)",
			      o->state, path, diag.msg, bc->busid);
	if (o->spec.image[0])
		dfu_sim_usage_error("--image %s would overwrite the flash saved in %s; drop "
				    "--image, or move the state file away",
				    o->spec.image, path);
	return true;
}

static void write_first_state(const struct options *o, struct board_ctx *bc)
{
	struct dfu_diag diag = { 0 };
	char name[32];

	snprintf(name, sizeof(name), "%s.state", bc->busid);
	if (sim_state_write(o->state, name, &bc->board.chip, &diag) < 0)
		dfu_sim_fatal("--state %s: %s", o->state, diag.msg);
}

/* ---- the boards ---- */

/* Board i: its saved state, else the --image, else a virgin chip; powered on. */
static void create_board(const struct options *o, unsigned i, struct board_ctx *bc)
{
	struct sim_board_config cfg;
	struct sim_state st = { 0 };
	bool have_state;
	int rc;

	usbip_server_busid(i, bc->busid, sizeof(bc->busid));
	sim_board_spec_board_config(&o->spec, i, &cfg);
	have_state = read_saved_state(o, bc, &st);
	if (have_state)
		memcpy(cfg.uid, st.uid, sizeof(cfg.uid));
	rc = sim_board_init(&bc->board, &cfg);
	if (rc < 0)
		dfu_sim_fatal("--chip %s: cannot create board %s: %s", o->spec.profile->name,
			      bc->busid, dfu_strerror(rc));
	sim_log_set_sink(&bc->board.log, board_sink, bc);
	if (have_state) {
		sim_state_apply(&st, &bc->board.chip);
		sim_state_free(&st);
	} else if (o->spec.image[0]) {
		char msg[600];
		rc = sim_board_load_image(&o->spec, &bc->board, msg, sizeof(msg));
		if (rc == DFU_E_USAGE)
			dfu_sim_usage_error("--%s", msg);
		if (rc < 0)
			dfu_sim_fatal("--%s", msg);
	}
	sim_board_power_on(&bc->board, 0);
	if (o->state && !have_state)
		write_first_state(o, bc);
}

static void create_boards(struct serving *sv)
{
	unsigned n = sv->o.spec.count;

	sv->boards = calloc(n, sizeof(*sv->boards));
	if (!sv->boards)
		dfu_sim_fatal("out of memory");
	g_boards = sv->boards;
	for (unsigned i = 0; i < n; i++) {
		create_board(&sv->o, i, &sv->boards[i]);
		sv->ptrs[i] = &sv->boards[i].board;
		sv->devs[i] = sim_board_bus_dev(sv->ptrs[i]);
	}
}

/* --chip dfu11: generic DFU 1.1 devices, plugged in (they keep nothing). */
static void create_dfu11s(struct serving *sv)
{
	unsigned n = sv->o.spec.count;

	sv->dfu11 = calloc(n, sizeof(*sv->dfu11));
	if (!sv->dfu11)
		dfu_sim_fatal("out of memory");
	for (unsigned i = 0; i < n; i++) {
		struct sim_dfu11_config cfg;
		int rc;

		sim_board_spec_dfu11_config(&sv->o.spec, i, &cfg);
		rc = sim_dfu11_init(&sv->dfu11[i], &cfg);
		if (rc < 0)
			dfu_sim_fatal("--chip dfu11: cannot create device %u: %s", i + 1,
				      dfu_strerror(rc));
		sv->devs[i] = sim_dfu11_bus_dev(&sv->dfu11[i]);
	}
}

static void create_devices(struct serving *sv)
{
	if (sv->o.spec.kind == SIM_BOARD_KIND_DFU11)
		create_dfu11s(sv);
	else
		create_boards(sv);
	usbip_server_busid(sv->o.spec.count - 1, sv->last_busid, sizeof(sv->last_busid));
}

static void free_devices(struct serving *sv)
{
	for (unsigned i = 0; sv->boards && i < sv->o.spec.count; i++)
		sim_board_free(&sv->boards[i].board);
	for (unsigned i = 0; sv->dfu11 && i < sv->o.spec.count; i++)
		sim_dfu11_free(&sv->dfu11[i]);
	free(sv->boards);
	free(sv->dfu11);
}

/* ---- the server, the control channel, the signals ---- */

static void start_server(struct serving *sv)
{
	struct usbip_server_config scfg = { 0 };
	struct dfu_diag diag = { 0 };
	int rc;

	scfg.listen_addr = sv->o.listen;
	scfg.port = sv->o.port;
	scfg.realtime = sv->o.realtime;
	scfg.bus_reset_heuristic = true;
	scfg.persist = sv->o.state ? persist : NULL;
	scfg.capture = sv->o.pcap ? pcap_write : NULL;
	scfg.log = server_log;
	rc = usbip_server_new_devs(&sv->srv, &scfg, sv->devs, sv->o.spec.count);
	if (rc < 0)
		dfu_sim_fatal("cannot create the server: %s", dfu_strerror(rc));
	rc = usbip_server_listen(sv->srv, &diag);
	if (rc == DFU_E_INVAL)
		dfu_sim_usage_error("--listen %s: %s", sv->o.listen, diag.msg);
	if (rc < 0)
		dfu_sim_fatal("cannot listen: %s (another USB/IP server, usbipd or dfu-sim, may hold "
			      "the port; try --port N)",
			      diag.msg);
}

static void start_ctl(struct serving *sv)
{
	struct dfu_diag diag = { 0 };
	int rc;

	rc = sim_ctl_new_devs(&sv->ctl, sv->devs, sv->o.spec.count, sv->srv);
	if (rc < 0)
		dfu_sim_fatal("cannot create the control channel: %s", dfu_strerror(rc));
	rc = sim_ctl_listen(sv->ctl, sv->ctl_path, &diag);
	if (rc < 0)
		dfu_sim_fatal("--ctl %s: %s", sv->ctl_path, diag.msg);
}

static void signal_event(void *ctx, int fd, uint32_t events)
{
	struct usbip_server *s = ctx;
	struct signalfd_siginfo si;
	(void)events;

	while (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		server_log(NULL, si.ssi_signo == SIGTERM ? "dfu-sim: SIGTERM, stopping"
							 : "dfu-sim: SIGINT, stopping");
		usbip_server_stop(s);
	}
}

/* SIGTERM and SIGINT stop the loop through a signalfd; SIGPIPE is ignored. */
static void watch_signals(struct serving *sv)
{
	sigset_t mask;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sv->sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (sv->sfd < 0 || usbip_server_watch(sv->srv, sv->sfd, EPOLLIN, signal_event, sv->srv) < 0)
		dfu_sim_fatal("cannot watch signals: %s", strerror(errno));
}

/* The one line a script waits for: what is served where. */
static void announce(const struct serving *sv)
{
	unsigned n = sv->o.spec.count;

	printf(PROG ": serving %u device%s (1-1%s%s) of %s on %s port %u; control socket %s\n", n,
	       n == 1 ? "" : "s", n > 1 ? " to " : "", n > 1 ? sv->last_busid : "",
	       sim_board_spec_chip_name(&sv->o.spec), sv->o.listen,
	       (unsigned)usbip_server_port(sv->srv), sv->ctl_path);
	fflush(stdout);
}

static void stop_all(struct serving *sv)
{
	sim_ctl_free(sv->ctl);
	usbip_server_free(sv->srv);
	free_devices(sv);
	if (g_pcap_fd >= 0)
		close(g_pcap_fd);
	close(sv->sfd);
	if (g_log != stderr)
		fclose(g_log);
}

int dfu_sim_serve(int argc, char **argv)
{
	static struct serving sv;
	int rc;

	g_start_us = mono_now_us();
	parse_options(argc, argv, &sv.o);
	sv.ctl_path = sv.o.ctl ? sv.o.ctl : dfu_sim_default_ctl_path(sv.ctl_buf, sizeof(sv.ctl_buf));
	open_log(sv.o.log);
	if (sv.o.state)
		prepare_state_dir(sv.o.state);
	create_devices(&sv);
	if (sv.o.pcap)
		pcap_open(sv.o.pcap);
	start_server(&sv);
	start_ctl(&sv);
	watch_signals(&sv);
	announce(&sv);
	rc = usbip_server_run(sv.srv);
	stop_all(&sv);
	return rc < 0 ? 1 : 0;
}
