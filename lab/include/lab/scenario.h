/*
 * scenario.h - scenario files: a small line-oriented language that drives
 * emulated boards and the flasher together, and checks what happens.
 *
 * A scenario says which chip(s) to build and in what state, operates the
 * physical world (BOOT0, power, NRST), runs dfu-flash command lines, and
 * states expectations (exit code, what the chip runs, the running image's
 * checksum, an option-byte field, PEMPTY, an event-log line, dfu-flash's
 * output). The format is documented in docs/scenarios.md; a file is parsed
 * completely before anything runs, so a typo never half-runs a scenario.
 * Every error names the file, the line and the problem.
 *
 * The boards are reached only through struct scn_board_ops. The in-process
 * implementation (scn_inproc_ops) builds struct sim_board instances and runs
 * dfu-flash over the in-process transport on the virtual clock, so a
 * scenario takes milliseconds. The USB/IP implementation (scn_usbip_ops)
 * drives a dfu-sim process instead: dfu-flash runs with --usbip against its
 * server on loopback, and the physical world and the observations go
 * through its control channel (sim_ctl_request), in real time.
 */
#ifndef LAB_SCENARIO_H
#define LAB_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sim/board_spec.h"

#define SCN_MAX_BOARDS 8
#define SCN_MSG_MAX 512

enum scn_power {
	SCN_POWER_ON,
	SCN_POWER_OFF,
	SCN_POWER_CYCLE,	/* off, 100 ms, on */
	SCN_POWER_RESET,	/* NRST pressed */
};

/* What a board runs, as the backend observes it. */
enum scn_runs {
	SCN_RUNS_NOTHING,
	SCN_RUNS_ROM,
	SCN_RUNS_APP,
	SCN_RUNS_SRAM,
	SCN_RUNS_LOCKUP,
};
const char *scn_runs_name(enum scn_runs r); /* "rom", "app", ... */

/*
 * The boards a scenario runs against. Every operation returns 0 or a
 * negative dfu error with a sentence in msg. `dev` is a board number from 0.
 */
struct scn_board_ops {
	const char *name;
	/* A backend for one scenario, from `config` (scn_options.be_config);
	 * NULL when out of memory. teardown() frees it. */
	void *(*create)(const void *config);
	int (*setup)(void *be, const struct sim_board_spec *chip, char *msg, size_t cap);
	/* Factory content in main flash before anything runs. */
	int (*preload)(void *be, unsigned dev, const uint8_t *data, size_t len, char *msg,
		       size_t cap);
	/* "FIELD=VALUE" into the option-byte flash; loaded at the next power-on
	 * or option load, as on the chip. */
	int (*set_option)(void *be, unsigned dev, const char *assignment, char *msg, size_t cap);
	int (*boot0)(void *be, unsigned dev, bool level, char *msg, size_t cap);
	int (*power)(void *be, unsigned dev, enum scn_power what, char *msg, size_t cap);
	int (*wait_ms)(void *be, uint64_t ms, char *msg, size_t cap);
	/* A dfu-flash command line (argv[0] is "dfu-flash"); returns its exit code. */
	int (*dfu_flash)(void *be, int argc, char **argv, FILE *out, FILE *err);
	/* ---- observations ---- */
	int (*runs)(void *be, unsigned dev, enum scn_runs *r, char *text, size_t cap);
	/* CRC-32 of main flash over its first `len` bytes. */
	int (*flash_crc)(void *be, unsigned dev, uint32_t len, uint32_t *crc, char *msg, size_t cap);
	/* A field of the loaded (in effect) option bytes, by dfu-flash's names. */
	int (*option_get)(void *be, unsigned dev, const char *field, uint32_t *value, char *msg,
			  size_t cap);
	int (*pempty)(void *be, unsigned dev, bool *pempty, char *msg, size_t cap);
	/* The newest event-log line containing `needle` into line; DFU_E_NOTFOUND if none. */
	int (*log_find)(void *be, unsigned dev, const char *needle, char *line, size_t cap);
	uint64_t (*now_us)(void *be);
	void (*teardown)(void *be);
};

/* The in-process backend: emulated boards, virtual clock, full-speed bus. */
extern const struct scn_board_ops scn_inproc_ops;
void *scn_inproc_new(void);
void scn_inproc_free(void *be);

/*
 * The USB/IP backend: a running dfu-sim. With `addr` NULL, setup() starts
 * one as a child process for the `chip` line (--chip, --count, --timing,
 * --leave, --app, --quirk; 127.0.0.1, a free port, a control socket and an
 * event log in a private temporary directory) and teardown() stops it.
 * With `addr` and `ctl`, setup() attaches to a dfu-sim the user started and
 * checks that it serves what the chip line asks for (profile, at least
 * `count` boards, timing, leave, app, quirks); start it afresh for each
 * scenario, since the boards' flash is whatever it holds. Either way the
 * boards are powered off at setup, as the in-process boards start, so the
 * scenario's `power-on` is a power-on reset. `wait` sleeps in real time and
 * the runner's "modelled" time is wall-clock time.
 */
struct scn_usbip_config {
	const char *dfu_sim;	/* the binary to start; NULL: $DFU_SIM, then ../sim/dfu-sim
				 * next to this program, then dfu-sim on PATH */
	const char *addr;	/* "HOST[:PORT]" of a running dfu-sim; NULL: start one */
	const char *ctl;	/* its control socket; needed with addr */
};
extern const struct scn_board_ops scn_usbip_ops;
void *scn_usbip_new(const struct scn_usbip_config *cfg); /* NULL: out of memory */
void scn_usbip_free(void *be);
/* After setup: what dfu-flash is given ("127.0.0.1:40123"), the control
 * socket, and dfu-sim's ready line ("" when attached). */
const char *scn_usbip_addr(const void *be);
const char *scn_usbip_ctl(const void *be);
const char *scn_usbip_ready_line(const void *be);

struct scn_options {
	FILE *log;		/* narration (each command, failed expectations); NULL: none */
	bool verbose;		/* also echo dfu-flash's output */
	const struct scn_board_ops *ops; /* NULL: in-process */
	void *be;		/* NULL: a new backend per file, ops->create(be_config) */
	const void *be_config;	/* e.g. a struct scn_usbip_config for scn_usbip_ops */
};

struct scn_result {
	unsigned commands;	/* commands executed */
	unsigned expectations;	/* expectations checked */
	unsigned failed;	/* of which failed */
	bool error;		/* the file could not run (syntax, I/O, a step that failed) */
	uint64_t modelled_us;	/* virtual time the scenario took */
	char msg[SCN_MSG_MAX];	/* the first error or failed expectation, "file:line: ..." */
};

/* Parse and run one file. 0 when every expectation held, 1 when one failed,
 * -1 on an error (res->msg says which). */
int scn_run_file(const char *path, const struct scn_options *o, struct scn_result *res);
/* The same on text in memory; `name` stands for the file name in messages. */
int scn_run_text(const char *name, const char *text, const struct scn_options *o,
		 struct scn_result *res);

/*
 * ./ci/demo's story (dfulab-demo): the seed's command on a virgin
 * STM32L412, a reset with BOOT0 low, a power cycle (remedy A), then on a
 * second virgin chip the seed's command and --reload-option-bytes (remedy
 * B); narrated, then a table of expected and observed. dfu-flash reads
 * firmware.bin from a private temporary directory, the current one while
 * the story runs. 0 when every observation matched, 1 when one differed,
 * 2 when the demo could not run (the reason on stderr).
 */
struct scn_demo_options {
	FILE *out;		/* NULL: stdout */
	bool color;		/* ANSI colours */
	const struct scn_board_ops *ops; /* NULL: USB/IP (a dfu-sim child) */
	const void *be_config;	/* for ops->create */
	int leave;		/* -1: the profile's leave action (tests change it) */
};
int scn_demo_run(const struct scn_demo_options *o);

#endif
