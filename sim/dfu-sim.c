/*
 * dfu-sim.c - the emulator as a program: emulated STM32L4 boards exported
 * over USB/IP, a control channel, persistent state, capture and event log.
 *
 *   dfu-sim [OPTIONS]                      run the server
 *   dfu-sim ctl [--ctl PATH] COMMAND...    talk to a running dfu-sim
 *
 * This file is the shell: options, files, signals and the wiring of
 * sim_board (the chips), usbip_server (the protocol and the loop), sim_ctl
 * (the control channel) and sim_state (persistence). docs/dfu-sim.md is
 * its manual.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "dfu/dfu_file.h"
#include "dfu/error.h"
#include "dfu/usbip_proto.h"
#include "dfu/usbmon_pcap.h"
#include "sim/l4_profile.h"
#include "sim/sim_board.h"
#include "sim/sim_ctl.h"
#include "sim/sim_state.h"
#include "sim/usbip_server.h"

#ifndef DFULAB_VERSION
#define DFULAB_VERSION "unknown"
#endif

#define EXIT_USAGE 64
#define PROG "dfu-sim"

static const struct {
	const char *name;
	unsigned bit;
	const char *what;
} quirks[] = {
	{ "erase-stall", SIM_QUIRK_ERASE_STALL,
	  "bwPollTimeout too short; GETSTATUS stalls mid-erase" },
	{ "xfer-1024", SIM_QUIRK_XFER_1024, "early L43x ROM: blocks above 1024 bytes corrupt" },
	{ "leave-no-status", SIM_QUIRK_LEAVE_NO_STATUS,
	  "disconnects before answering the GETSTATUS after leave" },
	{ "shared-serial", SIM_QUIRK_SHARED_SERIAL, "every board shows the same serial number" },
	{ "layout-garbage", SIM_QUIRK_LAYOUT_GARBAGE, "garbage after the layout string" },
	{ "ob-power-loss", SIM_QUIRK_OB_POWER_LOSS, "option-byte write interrupted by power loss" },
};

struct options {
	const struct l4_profile *profile;
	unsigned count;
	bool boot0;
	const char *image;
	uint32_t image_addr;
	bool image_addr_set;
	enum sim_timing timing;
	bool leave_set;
	enum l4_leave_action leave;
	bool ob_reset_set;
	enum l4_ob_reset ob_reset;
	enum sim_app_model app;
	unsigned quirks;
	const char *listen;
	uint16_t port;
	const char *ctl;
	const char *state;
	const char *pcap;
	const char *log;
	bool realtime;
	const char *serials[USBIP_SERVER_MAX_BOARDS];
	unsigned nserials;
};

/* Per-board context for the log sink. */
struct board_ctx {
	char busid[16];
	struct sim_board board;
	bool have_state_file;
};

static FILE *g_log;
static uint64_t g_start_us;
static int g_pcap_fd = -1;
static const char *g_state_dir;
static struct board_ctx *g_boards;

/* ---- small helpers ---- */

static void usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, PROG ": ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n" PROG ": see '" PROG " --help'\n");
	exit(EXIT_USAGE);
}

static void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void fatal(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, PROG ": ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

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

static const char *default_ctl_path(char *buf, size_t cap)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");

	if (xdg && *xdg)
		snprintf(buf, cap, "%s/dfu-sim.sock", xdg);
	else
		snprintf(buf, cap, "/tmp/dfu-sim-%ld.sock", (long)getuid());
	return buf;
}

/* ---- help ---- */

static void print_help(void)
{
	char ctl[256];

	printf("usage: " PROG " [OPTIONS]\n"
	       "       " PROG " ctl [--ctl PATH] COMMAND...\n"
	       "\n"
	       "Emulated STM32L4 boards running ST's ROM USB DFU bootloader, exported as USB\n"
	       "devices over USB/IP (busids 1-1, 1-2, ...). See docs/dfu-sim.md.\n"
	       "\n"
	       "Boards:\n"
	       "  --chip NAME          chip profile (default stm32l412xb); --list-chips shows them\n"
	       "  --list-chips         list the chip profiles and exit\n"
	       "  --count N            number of boards, 1-%d (default 1)\n"
	       "  --boot0 0|1          BOOT0 pin level of every board (default 0)\n"
	       "  --image FILE[@ADDR]  initial main flash: a raw binary at ADDR (default the flash\n"
	       "                       base) or a DfuSe .dfu file (default: virgin, all 0xFF)\n"
	       "  --timing MODE        instant (default) or datasheet (flash timings, reported in\n"
	       "                       bwPollTimeout)\n"
	       "  --leave ACTION       what the ROM does on DFU leave: reset or jump (default: the\n"
	       "                       profile's, reset on L41x/L42x)\n"
	       "  --ob-reset KIND      the ROM's reset after an option-byte write or Read Unprotect:\n"
	       "                       option-load (default; re-samples PEMPTY) or system\n"
	       "  --app MODEL          a valid application is silent (default) or dfu-runtime\n"
	       "  --quirk NAME         a fault profile from field reports (repeatable):\n",
	       USBIP_SERVER_MAX_BOARDS);
	for (size_t i = 0; i < sizeof(quirks) / sizeof(quirks[0]); i++)
		printf("                         %-16s %s\n", quirks[i].name, quirks[i].what);
	printf("  --serial TEXT        serial number of the next board (repeatable; default from\n"
	       "                       the chip's UID)\n"
	       "\n"
	       "Server:\n"
	       "  --listen ADDR        numeric address to listen on (default 127.0.0.1)\n"
	       "  --port N             TCP port (default %d; 0 picks a free one)\n"
	       "  --ctl PATH           control socket (default %s)\n"
	       "  --realtime           hold GETSTATUS replies for bwPollTimeout in real time\n"
	       "\n"
	       "Files:\n"
	       "  --state DIR          keep flash, option bytes, OTP and UID of each board in\n"
	       "                       DIR/1-N.state; every change is on disk before the host\n"
	       "                       is told it succeeded\n"
	       "  --pcap FILE          capture every URB (usbmon, LINKTYPE_USB_LINUX_MMAPPED) for\n"
	       "                       Wireshark or tshark\n"
	       "  --log FILE           the chips' event log (default stderr)\n"
	       "\n"
	       "  --help, --version\n"
	       "\n"
	       "Control commands (" PROG " ctl ...): status [DEV], power-cycle DEV, reset DEV,\n"
	       "boot0 DEV 0|1, power off|on DEV, dump flash DEV [ADDR LEN], dump ob DEV,\n"
	       "log DEV [N], query DEV, crc DEV [LEN], preload DEV FILE [ADDR], ob-write DEV\n"
	       "HEX, help, quit. DEV is a busid (1-1), a device number or a serial.\n"
	       "\n"
	       "Exit status: 0 on quit or SIGTERM/SIGINT, 1 on errors, 64 on usage errors.\n",
	       USBIP_PORT_DEFAULT, default_ctl_path(ctl, sizeof(ctl)));
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
}

/* ---- options ---- */

enum {
	OPT_CHIP = 256,
	OPT_LIST_CHIPS,
	OPT_COUNT,
	OPT_BOOT0,
	OPT_IMAGE,
	OPT_TIMING,
	OPT_LEAVE,
	OPT_APP,
	OPT_QUIRK,
	OPT_SERIAL,
	OPT_OB_RESET,
	OPT_LISTEN,
	OPT_PORT,
	OPT_CTL,
	OPT_STATE,
	OPT_PCAP,
	OPT_LOG,
	OPT_REALTIME,
	OPT_HELP,
	OPT_VERSION,
};

static const struct option long_options[] = {
	{ "chip", required_argument, NULL, OPT_CHIP },
	{ "list-chips", no_argument, NULL, OPT_LIST_CHIPS },
	{ "count", required_argument, NULL, OPT_COUNT },
	{ "boot0", required_argument, NULL, OPT_BOOT0 },
	{ "image", required_argument, NULL, OPT_IMAGE },
	{ "timing", required_argument, NULL, OPT_TIMING },
	{ "leave", required_argument, NULL, OPT_LEAVE },
	{ "ob-reset", required_argument, NULL, OPT_OB_RESET },
	{ "app", required_argument, NULL, OPT_APP },
	{ "quirk", required_argument, NULL, OPT_QUIRK },
	{ "serial", required_argument, NULL, OPT_SERIAL },
	{ "listen", required_argument, NULL, OPT_LISTEN },
	{ "port", required_argument, NULL, OPT_PORT },
	{ "ctl", required_argument, NULL, OPT_CTL },
	{ "state", required_argument, NULL, OPT_STATE },
	{ "pcap", required_argument, NULL, OPT_PCAP },
	{ "log", required_argument, NULL, OPT_LOG },
	{ "realtime", no_argument, NULL, OPT_REALTIME },
	{ "help", no_argument, NULL, OPT_HELP },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 },
};

static void parse_image(struct options *o, const char *arg)
{
	const char *at = strrchr(arg, '@');
	unsigned long long v;

	o->image = arg;
	if (!at)
		return;
	if (parse_uint(at + 1, UINT32_MAX, &v) < 0) {
		/* An '@' that is part of the file name: keep it when the file exists. */
		if (access(arg, F_OK) == 0)
			return;
		usage_error("--image %s: \"%s\" after '@' is not an address; write FILE@0x08000000",
			    arg, at + 1);
	}
	static char file[4096];
	if ((size_t)(at - arg) >= sizeof(file) || at == arg)
		usage_error("--image %s: no file name before '@'", arg);
	memcpy(file, arg, (size_t)(at - arg));
	file[at - arg] = 0;
	o->image = file;
	o->image_addr = (uint32_t)v;
	o->image_addr_set = true;
}

static void parse_options(int argc, char **argv, struct options *o)
{
	unsigned long long v;
	int opt;

	memset(o, 0, sizeof(*o));
	o->count = 1;
	o->timing = SIM_TIMING_INSTANT;
	o->app = SIM_APP_SILENT;
	o->listen = "127.0.0.1";
	o->port = USBIP_PORT_DEFAULT;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":", long_options, NULL)) != -1) {
		switch (opt) {
		case OPT_CHIP:
			o->profile = l4_profile_find(optarg);
			if (!o->profile)
				usage_error("--chip %s: no such chip profile; '" PROG " --list-chips' "
					    "shows them (for example stm32l412xb)",
					    optarg);
			if (!o->profile->supported)
				usage_error("--chip %s: not supported: %s", optarg,
					    o->profile->unsupported_reason);
			break;
		case OPT_LIST_CHIPS:
			list_chips();
			exit(0);
		case OPT_COUNT:
			if (parse_uint(optarg, USBIP_SERVER_MAX_BOARDS, &v) < 0 || v == 0)
				usage_error("--count %s: give a number of boards from 1 to %d", optarg,
					    USBIP_SERVER_MAX_BOARDS);
			o->count = (unsigned)v;
			break;
		case OPT_BOOT0:
			if (strcmp(optarg, "0") != 0 && strcmp(optarg, "1") != 0)
				usage_error("--boot0 %s: the BOOT0 pin is 0 or 1", optarg);
			o->boot0 = optarg[0] == '1';
			break;
		case OPT_IMAGE:
			parse_image(o, optarg);
			break;
		case OPT_TIMING:
			if (strcmp(optarg, "instant") == 0)
				o->timing = SIM_TIMING_INSTANT;
			else if (strcmp(optarg, "datasheet") == 0)
				o->timing = SIM_TIMING_DATASHEET;
			else
				usage_error("--timing %s: not a timing mode; use instant or datasheet",
					    optarg);
			break;
		case OPT_LEAVE:
			if (strcmp(optarg, "reset") == 0)
				o->leave = L4_LEAVE_RESET;
			else if (strcmp(optarg, "jump") == 0)
				o->leave = L4_LEAVE_JUMP;
			else
				usage_error("--leave %s: not a leave action; use reset or jump", optarg);
			o->leave_set = true;
			break;
		case OPT_OB_RESET:
			if (strcmp(optarg, "option-load") == 0)
				o->ob_reset = L4_OB_RESET_OPTION_LOAD;
			else if (strcmp(optarg, "system") == 0)
				o->ob_reset = L4_OB_RESET_SYSTEM;
			else
				usage_error("--ob-reset %s: not a reset kind; use option-load or system",
					    optarg);
			o->ob_reset_set = true;
			break;
		case OPT_APP:
			if (strcmp(optarg, "silent") == 0)
				o->app = SIM_APP_SILENT;
			else if (strcmp(optarg, "dfu-runtime") == 0)
				o->app = SIM_APP_DFU_RUNTIME;
			else
				usage_error("--app %s: not an application model; use silent or "
					    "dfu-runtime",
					    optarg);
			break;
		case OPT_QUIRK: {
			size_t i;

			for (i = 0; i < sizeof(quirks) / sizeof(quirks[0]); i++)
				if (strcasecmp(optarg, quirks[i].name) == 0)
					break;
			if (i == sizeof(quirks) / sizeof(quirks[0])) {
				fprintf(stderr, PROG ": --quirk %s: no such quirk; known quirks:\n",
					optarg);
				for (i = 0; i < sizeof(quirks) / sizeof(quirks[0]); i++)
					fprintf(stderr, "  %-16s %s\n", quirks[i].name, quirks[i].what);
				exit(EXIT_USAGE);
			}
			o->quirks |= quirks[i].bit;
			break;
		}
		case OPT_SERIAL:
			if (o->nserials == USBIP_SERVER_MAX_BOARDS)
				usage_error("--serial %s: more serials than the %d boards there can be",
					    optarg, USBIP_SERVER_MAX_BOARDS);
			if (!*optarg || strlen(optarg) >= sizeof(((struct sim_board *)0)->serial))
				usage_error("--serial \"%s\": give 1 to %zu characters", optarg,
					    sizeof(((struct sim_board *)0)->serial) - 1);
			o->serials[o->nserials++] = optarg;
			break;
		case OPT_LISTEN:
			o->listen = optarg;
			break;
		case OPT_PORT:
			if (parse_uint(optarg, 65535, &v) < 0)
				usage_error("--port %s: give a TCP port from 0 to 65535 (0 picks a "
					    "free one; USB/IP's own is %d)",
					    optarg, USBIP_PORT_DEFAULT);
			o->port = (uint16_t)v;
			break;
		case OPT_CTL:
			if (!*optarg)
				usage_error("--ctl: give a path for the control socket");
			o->ctl = optarg;
			break;
		case OPT_STATE:
			o->state = optarg;
			break;
		case OPT_PCAP:
			o->pcap = optarg;
			break;
		case OPT_LOG:
			o->log = optarg;
			break;
		case OPT_REALTIME:
			o->realtime = true;
			break;
		case OPT_HELP:
			print_help();
			exit(0);
		case OPT_VERSION:
			printf(PROG " (dfulab) %s\n", DFULAB_VERSION);
			exit(0);
		case ':':
			usage_error("%s needs a value", argv[optind - 1]);
		default:
			if (optopt)
				usage_error("unknown option -%c", optopt);
			usage_error("unknown option %s", argv[optind - 1]);
		}
	}
	if (optind < argc)
		usage_error("unexpected argument \"%s\" (options start with --; the client is "
			    "'" PROG " ctl COMMAND')",
			    argv[optind]);
	if (!o->profile)
		o->profile = l4_profile_find("stm32l412xb");
	if (o->nserials > o->count)
		usage_error("--serial given %u times for %u board(s); raise --count or drop a "
			    "--serial",
			    o->nserials, o->count);
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
		fatal("--pcap %s: %s", path, strerror(errno));
	pcap_global_header_encode(hdr, sizeof(hdr));
	if (write(g_pcap_fd, hdr, sizeof(hdr)) != (ssize_t)sizeof(hdr))
		fatal("--pcap %s: cannot write the file header: %s", path, strerror(errno));
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
			usage_error("--state %s: exists and is not a directory", dir);
	} else if (errno != ENOENT || mkdir(dir, 0755) < 0) {
		fatal("--state %s: %s", dir, strerror(errno));
	}
	if (access(dir, W_OK) != 0)
		fatal("--state %s: not writable: %s", dir, strerror(errno));
}

/* ---- the initial image ---- */

static uint8_t *read_whole(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t cap = 0;

	*len = 0;
	if (!f)
		return NULL;
	for (;;) {
		if (*len == cap) {
			uint8_t *nb;

			cap = cap ? cap * 2 : 65536;
			if (cap > (64u << 20)) {
				free(buf);
				fclose(f);
				errno = EFBIG;
				return NULL;
			}
			nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = nb;
		}
		size_t n = fread(buf + *len, 1, cap - *len, f);
		*len += n;
		if (n == 0)
			break;
	}
	fclose(f);
	return buf;
}

static void load_image(const struct options *o, struct sim_board *b)
{
	struct dfu_file_info info;
	struct dfu_diag diag = { 0 };
	const struct l4_profile *p = o->profile;
	size_t len;
	uint8_t *buf = read_whole(o->image, &len);
	int rc;

	if (!buf)
		fatal("--image %s: %s", o->image, strerror(errno));
	rc = dfu_file_inspect(buf, len, &info, &diag);
	if (rc < 0)
		fatal("--image %s: %s", o->image, diag.msg);
	if (info.prefix.kind == DFU_PREFIX_DFUSE) {
		struct dfuse_file f;
		struct dfuse_target t;
		size_t tc = 0;

		if (o->image_addr_set)
			usage_error("--image %s@0x%08X: a DfuSe file carries its own addresses; drop "
				    "the @ADDR",
				    o->image, (unsigned)o->image_addr);
		rc = dfuse_file_parse(buf, info.fw_len, &f, &diag);
		if (rc < 0)
			fatal("--image %s: %s", o->image, diag.msg);
		while (dfuse_file_next_target(&f, &tc, &t) == 1) {
			struct dfuse_element e;
			size_t ec = 0;

			while (dfuse_target_next_element(&t, &ec, &e) == 1) {
				if (l4_chip_preload(&b->chip, e.address, e.data, e.size) < 0)
					fatal("--image %s: element at 0x%08X (%u bytes) is outside "
					      "main flash (0x%08X-0x%08X) of %s",
					      o->image, (unsigned)e.address, (unsigned)e.size,
					      (unsigned)p->flash_base,
					      (unsigned)(p->flash_base + p->flash_size - 1), p->name);
			}
		}
	} else {
		uint32_t addr = o->image_addr_set ? o->image_addr : p->flash_base;
		size_t n = info.fw_len - info.prefix.size;

		if (l4_chip_preload(&b->chip, addr, buf + info.prefix.size, n) < 0)
			fatal("--image %s: %zu bytes at 0x%08X do not fit main flash (0x%08X-0x%08X) "
			      "of %s",
			      o->image, n, (unsigned)addr, (unsigned)p->flash_base,
			      (unsigned)(p->flash_base + p->flash_size - 1), p->name);
	}
	free(buf);
}

/* ---- signals ---- */

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

/* ---- the control client ---- */

static int run_ctl_client(int argc, char **argv)
{
	char pathbuf[256], line[SIM_CTL_LINE_MAX + 2];
	const char *path = NULL;
	size_t len = 0;
	int i = 1;

	if (i < argc && strcmp(argv[i], "--ctl") == 0) {
		if (i + 1 >= argc)
			usage_error("ctl --ctl needs a path");
		path = argv[i + 1];
		i += 2;
	} else if (i < argc && strncmp(argv[i], "--ctl=", 6) == 0) {
		path = argv[i] + 6;
		i++;
	}
	if (i < argc && (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)) {
		printf("usage: " PROG " ctl [--ctl PATH] COMMAND...\n"
		       "commands: status [DEV], power-cycle DEV, reset DEV, boot0 DEV 0|1,\n"
		       "power off|on DEV, dump flash DEV [ADDR LEN], dump ob DEV, log DEV [N],\n"
		       "query DEV, crc DEV [LEN], preload DEV FILE [ADDR], ob-write DEV HEX,\n"
		       "help, quit\n");
		return 0;
	}
	if (i >= argc)
		usage_error("ctl: give a command, for example '" PROG " ctl status'");
	if (!path)
		path = default_ctl_path(pathbuf, sizeof(pathbuf));
	for (; i < argc; i++) {
		size_t n = strlen(argv[i]);

		if (len + n + 2 > sizeof(line) - 1)
			usage_error("ctl: the command is longer than %d characters", SIM_CTL_LINE_MAX);
		if (len)
			line[len++] = ' ';
		memcpy(line + len, argv[i], n);
		len += n;
	}
	line[len] = 0;

	struct sim_text ans = { 0 };
	int rc = sim_ctl_request(path, line, 30000, &ans);
	if (rc == 0)
		fwrite(ans.p ? ans.p : "", 1, ans.len, stdout);
	else
		fprintf(stderr, PROG " ctl: %s\n", ans.p ? ans.p : dfu_strerror(rc));
	sim_text_free(&ans);
	return rc == 0 ? 0 : 1;
}

/* ---- main ---- */

int main(int argc, char **argv)
{
	struct options o;
	struct usbip_server *srv = NULL;
	struct usbip_server_config scfg = { 0 };
	struct sim_ctl *ctl = NULL;
	struct sim_board *boards[USBIP_SERVER_MAX_BOARDS];
	struct dfu_diag diag = { 0 };
	char ctlbuf[256];
	const char *ctl_path;
	sigset_t mask;
	int sfd, rc;

	if (argc > 1 && strcmp(argv[1], "ctl") == 0)
		return run_ctl_client(argc - 1, argv + 1);

	g_start_us = mono_now_us();
	parse_options(argc, argv, &o);
	ctl_path = o.ctl ? o.ctl : default_ctl_path(ctlbuf, sizeof(ctlbuf));

	g_log = stderr;
	if (o.log) {
		g_log = fopen(o.log, "a");
		if (!g_log)
			fatal("--log %s: %s", o.log, strerror(errno));
	}
	if (o.state) {
		prepare_state_dir(o.state);
		g_state_dir = o.state;
	}

	g_boards = calloc(o.count, sizeof(*g_boards));
	if (!g_boards)
		fatal("out of memory");
	for (unsigned i = 0; i < o.count; i++) {
		struct board_ctx *bc = &g_boards[i];
		struct sim_board_config cfg;
		struct sim_state st = { 0 };
		bool have_state = false;

		usbip_server_busid(i, bc->busid, sizeof(bc->busid));
		sim_board_config_default(&cfg, o.profile, i);
		cfg.boot0 = o.boot0;
		if (o.leave_set)
			cfg.leave = o.leave;
		if (o.ob_reset_set)
			cfg.ob_reset = o.ob_reset;
		cfg.timing = o.timing;
		cfg.app = o.app;
		cfg.quirks = o.quirks;
		cfg.serial = i < o.nserials ? o.serials[i] : NULL;
		if (o.state) {
			char path[4096];

			snprintf(path, sizeof(path), "%s/%s.state", o.state, bc->busid);
			rc = sim_state_read(path, o.profile, &st, &diag);
			if (rc == 0) {
				have_state = true;
				memcpy(cfg.uid, st.uid, sizeof(cfg.uid));
			} else if (rc != DFU_E_NOTFOUND) {
				fatal("--state %s: %s: %s; refusing to start rather than lose what "
				      "it holds (move the file away to start board %s from a virgin "
				      "chip)",
				      o.state, path, diag.msg, bc->busid);
			}
			if (have_state && o.image)
				usage_error("--image %s would overwrite the flash saved in %s; drop "
					    "--image, or move the state file away",
					    o.image, path);
		}
		rc = sim_board_init(&bc->board, &cfg);
		if (rc < 0)
			fatal("--chip %s: cannot create board %s: %s", o.profile->name, bc->busid,
			      dfu_strerror(rc));
		sim_log_set_sink(&bc->board.log, board_sink, bc);
		if (have_state) {
			sim_state_apply(&st, &bc->board.chip);
			sim_state_free(&st);
			bc->have_state_file = true;
		} else if (o.image) {
			load_image(&o, &bc->board);
		}
		sim_board_power_on(&bc->board, 0);
		if (o.state && !have_state) {
			char name[32];

			snprintf(name, sizeof(name), "%s.state", bc->busid);
			if (sim_state_write(o.state, name, &bc->board.chip, &diag) < 0)
				fatal("--state %s: %s", o.state, diag.msg);
		}
		boards[i] = &bc->board;
	}
	if (o.pcap)
		pcap_open(o.pcap);

	scfg.listen_addr = o.listen;
	scfg.port = o.port;
	scfg.realtime = o.realtime;
	scfg.bus_reset_heuristic = true;
	scfg.persist = o.state ? persist : NULL;
	scfg.capture = o.pcap ? pcap_write : NULL;
	scfg.log = server_log;
	rc = usbip_server_new(&srv, &scfg, boards, o.count);
	if (rc < 0)
		fatal("cannot create the server: %s", dfu_strerror(rc));
	rc = usbip_server_listen(srv, &diag);
	if (rc < 0) {
		if (rc == DFU_E_INVAL)
			usage_error("--listen %s: %s", o.listen, diag.msg);
		fatal("cannot listen: %s (another USB/IP server, usbipd or dfu-sim, may hold the "
		      "port; try --port N)",
		      diag.msg);
	}
	rc = sim_ctl_new(&ctl, boards, o.count, srv);
	if (rc < 0)
		fatal("cannot create the control channel: %s", dfu_strerror(rc));
	rc = sim_ctl_listen(ctl, ctl_path, &diag);
	if (rc < 0)
		fatal("--ctl %s: %s", ctl_path, diag.msg);

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (sfd < 0 || usbip_server_watch(srv, sfd, EPOLLIN, signal_event, srv) < 0)
		fatal("cannot watch signals: %s", strerror(errno));

	printf(PROG ": serving %u device%s (1-1%s%s) of %s on %s port %u; control socket %s\n",
	       o.count, o.count == 1 ? "" : "s", o.count > 1 ? " to " : "",
	       o.count > 1 ? g_boards[o.count - 1].busid : "", o.profile->name, o.listen,
	       (unsigned)usbip_server_port(srv), ctl_path);
	fflush(stdout);

	rc = usbip_server_run(srv);
	sim_ctl_free(ctl);
	usbip_server_free(srv);
	for (unsigned i = 0; i < o.count; i++)
		sim_board_free(&g_boards[i].board);
	free(g_boards);
	if (g_pcap_fd >= 0)
		close(g_pcap_fd);
	close(sfd);
	if (g_log != stderr)
		fclose(g_log);
	return rc < 0 ? 1 : 0;
}
