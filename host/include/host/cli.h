/*
 * cli.h - dfu-flash, the command line: dfu-util 0.11's options with the same
 * meaning, plus what dfu-util lacks (trap diagnosis, option bytes as named
 * fields, verify, --json, --all).
 *
 * One file per concern: cli_options.c turns argv into struct cli_opts and
 * never touches a device; cli_xport.c is the table of transports (libusb by
 * default, --usbip, and the rows a layer above registers, like the lab's
 * --sim); cli_list.c prints -l;
 * cli_report.c owns every byte the user sees (messages, progress bar, JSON);
 * cli_run.c runs the job on one device through the session engine. The
 * entry point takes its output streams as parameters, so the tests run
 * dfu-flash in-process without spawning.
 *
 * Exit codes are dfu-util's sysexits, plus CLI_EXIT_NOT_RUNNING.
 *
 * Run under the name dfu-util (a symlink next to dfu-flash), the program
 * takes dfu-util 0.11's personality: the lines scripts read from dfu-util's
 * stdout (banner, device and progress lines, "Download done.") go to stdout
 * as dfu-util prints them, while dfu-flash's own messages, checks and exit
 * codes stay as they are, on stderr. cli_report.c holds every such line.
 */
#ifndef HOST_CLI_H
#define HOST_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "host/dfu_session.h"
#include "host/xport.h"

enum cli_exit {
	CLI_EXIT_OK = 0,
	CLI_EXIT_NOT_RUNNING = 3,	/* flashed and verified, but the chip runs its ROM (trap) */
	CLI_EXIT_USAGE = 64,		/* EX_USAGE: bad command line */
	CLI_EXIT_DATAERR = 65,		/* EX_DATAERR: the file's content is wrong */
	CLI_EXIT_NOINPUT = 66,		/* EX_NOINPUT: cannot read the file */
	CLI_EXIT_SOFTWARE = 70,		/* EX_SOFTWARE: out of memory, internal error */
	CLI_EXIT_CANTCREAT = 73,	/* EX_CANTCREAT: the upload file exists or cannot be made */
	CLI_EXIT_IOERR = 74,		/* EX_IOERR: USB failure, no device, verify mismatch */
	CLI_EXIT_PROTOCOL = 76,		/* EX_PROTOCOL: the device is in the wrong mode or state */
};

#define CLI_ID_ANY (-1)
#define CLI_ID_NONE 0x10000	/* "-" in -d: matches nothing */
#define CLI_MAX_SET_OPTIONS 16
#define CLI_ALL_MAX 16		/* devices --all takes on */

/* dfu-util -s ADDRESS:force:leave:unprotect:mass-erase:will-reset:LENGTH */
struct cli_dfuse_spec {
	bool given;
	bool have_address;
	uint32_t address;
	unsigned force;		/* a counter, as in dfu-util */
	bool leave, unprotect, mass_erase, will_reset;
	bool have_length;
	uint32_t length;
};

enum cli_poll_policy { CLI_POLL_HONOUR, CLI_POLL_CLAMP };

/* Which program's output the run gives: dfu-flash's, or dfu-util 0.11's
 * stdout lines when argv[0]'s base name is "dfu-util". */
enum cli_personality { CLI_PERSONALITY_DFU_FLASH, CLI_PERSONALITY_DFU_UTIL };
enum cli_personality cli_personality_of(const char *argv0);

struct cli_opts {
	/* dfu-util 0.11. Of version, list, detach, upload and download only the
	 * last given is set: dfu-util keeps one mode. */
	bool help, version, list, detach, reset, wait;
	int verbose;
	unsigned detach_delay_s;		/* -E, default 5 */
	int rt_vid, rt_pid, dfu_vid, dfu_pid;	/* -d; CLI_ID_ANY or CLI_ID_NONE */
	int devnum;				/* -n, 0: any; CLI_ID_NONE: -n 0, none */
	const char *path;			/* -p */
	int cfg;				/* -c, 0: any */
	int intf;				/* -i, -1: any */
	int alt;				/* -a NUMBER, -1: none */
	const char *alt_name;			/* -a NAME */
	char serial_rt[128], serial_dfu[128];	/* -S, "" matches anything */
	unsigned transfer_size;			/* -t, 0: the device's; at most 0xFFFF */
	const char *upload;			/* -U */
	long long upload_size;			/* -Z, -1: not given (or -Z 0) */
	const char *download;			/* -D ("-" is stdin) */
	struct cli_dfuse_spec s;		/* -s */
	/* dfu-flash */
	bool reload_ob, fix_empty_check, show_options, rdp2_ok;
	const char *set_option[CLI_MAX_SET_OPTIONS];
	size_t nset_options;
	bool no_verify, json, all, progress, quiet;
	bool force_image;			/* --force-image: write an implausible vector table */
	unsigned jobs;				/* --jobs N with --all, 0: every device at once */
	enum cli_poll_policy poll;
	uint32_t poll_clamp_ms;
	int xport;				/* index in the transport table, -1: default */
	const char *xport_arg;			/* its argument (--sim SPEC) */
	unsigned reenum_timeout_ms;		/* --return-timeout MS */
	const char *transcript;			/* --transcript FILE */
	enum cli_personality personality;	/* from argv[0], not an option */
};

void cli_opts_default(struct cli_opts *o);
/* Parse argv; 0, or CLI_EXIT_USAGE with the reason in msg ("dfu-flash: "
 * is added by the caller). The strings in `o` point into argv. */
int cli_parse(struct cli_opts *o, int argc, char **argv, const char *const *env, char *msg,
	      size_t cap);
/* The -s grammar alone, for tests. */
int cli_parse_dfuse_spec(const char *arg, struct cli_dfuse_spec *s, char *msg, size_t cap);
/* The -d grammar: [rtVID]:[rtPID][,[dfuVID]:[dfuPID]] */
int cli_parse_device(const char *arg, struct cli_opts *o, char *msg, size_t cap);
/* The -S grammar: serial[,serial_dfu] */
int cli_parse_serial(const char *arg, struct cli_opts *o, char *msg, size_t cap);
void cli_usage(FILE *f);

/* ---- transports ---- */

struct cli_xport_inst {
	struct xport x;
	void *state;			/* the transport's own, freed by close */
};

struct cli_xport_kind {
	const char *option;		/* "--sim"; NULL for the default (libusb) */
	const char *env;		/* environment variable naming the same, or NULL */
	const char *metavar;		/* "SPEC" */
	const char *help;
	int (*open)(const char *arg, struct cli_xport_inst *out, char *msg, size_t cap);
	void (*close)(struct cli_xport_inst *inst);
	/* Limit the opened transport to the device at `path` (--all's process
	 * for that device leaves its siblings alone), or NULL: nothing to do. */
	void (*only)(struct cli_xport_inst *inst, const char *path);
	/* Another process can open it afresh and reach the same devices (libusb,
	 * USB/IP): --all then runs one process per device, in parallel. The
	 * in-process boards live in this process's memory: --all stays serial. */
	bool per_process;
};
#define CLI_XPORT_MAX_REGISTERED 4

/* Add a row to the transport table (before dfu_flash_main runs): its
 * option must start with "--" and be new. 0 (also when `k` is there
 * already), DFU_E_INVAL for a malformed row, DFU_E_AMBIGUOUS when another
 * row has the option, DFU_E_NOSPACE past CLI_XPORT_MAX_REGISTERED. The row
 * must outlive the process's use of the table. */
int cli_xport_register(const struct cli_xport_kind *k);
/* The table: row 0 is the default (libusb), then the registered rows, then
 * the built-in ones. cli_xport_at() is NULL past cli_xport_count(). */
size_t cli_xport_count(void);
const struct cli_xport_kind *cli_xport_at(size_t i);

/* --usbip HOST[:PORT] (default port 3240): connects once to check the server. */
int cli_usbip_open(const char *arg, struct cli_xport_inst *out, char *msg, size_t cap);

/* ---- output ---- */

struct cli_report {
	FILE *out, *err;
	bool json, bar, quiet;
	int verbose;
	const char *tag;		/* --all: "[PATH SERIAL] " before transcript lines */
	const char *json_dev;		/* --all: "\"path\":...,\"serial\":..." in every JSON object */
	uint64_t phase_t0_us, last_draw_us;
	const struct xport *x;
	FILE *transcript;		/* --transcript FILE: one line per control transfer */
	/* The dfu-util personality: its lines on `out`, and its progress bar
	 * for the phases dfu-util draws (erase, download, upload). */
	bool dfu_util, du_bars;
	bool du_dfuse;			/* a DfuSe device: -v hides the erase and download bars */
	int du_phase;			/* the phase the bar is drawing, -1: none */
	unsigned du_fill;		/* its '=' count last drawn */
};
void cli_say(struct cli_report *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void cli_note(struct cli_report *r, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void cli_error(struct cli_report *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* JSON: {"event":NAME, KEY: VALUE ...}; fields is already JSON ("\"a\":1,\"b\":\"x\""). */
void cli_json_event(struct cli_report *r, const char *event, const char *fields_fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Escape `s` into a JSON string body. */
void cli_json_escape(const char *s, char *out, size_t cap);
void cli_progress(void *ctx, enum dfu_phase phase, size_t done, size_t total);
/* One line per control transfer: "OUT 21 01 0000 0000 0005 [41 00 00 00 08]". */
void cli_transcript_line(const struct dfu_xfer_record *rec, char *out, size_t cap);
void cli_transcript(void *ctx, const struct dfu_xfer_record *rec);
/* All n bytes to fd, across short writes and EINTR; false on an error. */
bool cli_write_all(int fd, const void *p, size_t n);

/* ---- --all, one process per device (cli_all.c) ---- */

#define CLI_ALL_RESULT_MAX 80
#define CLI_ALL_LIMIT_S 1800	/* a device's process that gives no result by then is killed */

struct cli_all_dev {
	char path[XPORT_PATH_MAX];
	char serial[XPORT_STRING_MAX];
};
struct cli_all_row {
	int ex;
	char result[CLI_ALL_RESULT_MAX];
	uint64_t t0_us, t1_us;		/* cli_all_now_us() */
};
/* The job on device `i`, run in its own process; `rep` writes to pipes the
 * parent relays. Returns the exit code, the result line in `result`. */
typedef int (*cli_all_job_fn)(void *ctx, size_t i, struct cli_report *rep, char *result,
			      size_t cap);
/* Fork one process per device, at most `jobs` at once (0: all), relay their
 * output to rep's streams (human lines prefixed "[PATH SERIAL] "), kill one
 * that has no result after limit_s, and fill rows[0..n) in devs' order.
 * n <= CLI_ALL_MAX. 0, or DFU_E_NOMEM. */
int cli_all_fork(const struct cli_report *rep, const struct cli_all_dev *devs, size_t n,
		 unsigned jobs, unsigned limit_s, cli_all_job_fn fn, void *ctx,
		 struct cli_all_row *rows);
/* CLOCK_MONOTONIC in microseconds: the same clock in every process. */
uint64_t cli_all_now_us(void);
/* "\"path\":\"1-2\",\"serial\":\"...\"" for rep.json_dev. */
void cli_all_json_dev(const struct cli_all_dev *d, char *out, size_t cap);

/* ---- -l ---- */
/* Print dfu-util's "Found DFU: ..." lines for every DFU interface the
 * filters accept to `out`, a warning for each device that cannot be opened
 * to `err`; returns the number of lines. */
int cli_list(const struct xport *x, const struct cli_opts *o, FILE *out, FILE *err);
/* One -l line for an alt setting, for tests. */
struct usb_interface_desc;
void cli_list_line(const struct xport_dev_info *d, const struct usb_interface_desc *id,
		   char *out, size_t cap);

/* ---- the run ---- */

/* dfu-flash's main, with its streams: tests call it in-process. */
int dfu_flash_main(int argc, char **argv, FILE *out, FILE *err);
/* The same on a transport the caller owns (tests keep the boards). */
int dfu_flash_run(int argc, char **argv, FILE *out, FILE *err, const struct xport *preset);
/* Exit code for an engine error. */
int cli_exit_for(int dfu_err);

#endif
