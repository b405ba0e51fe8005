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
 * scenario takes milliseconds. A backend that drives a running dfu-sim
 * (dfu-flash --usbip plus `dfu-sim ctl`) fits the same table; it is not
 * written yet.
 */
#ifndef HOST_SCENARIO_H
#define HOST_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define SCN_MAX_BOARDS 8
#define SCN_MSG_MAX 512

/* What the `chip` command asks for. */
struct scn_chip {
	const char *profile;	/* "stm32l412xb" */
	unsigned count;		/* boards, 1..SCN_MAX_BOARDS */
	bool datasheet_timing;	/* else instant */
	int leave;		/* -1: the profile's; else enum l4_leave_action */
	bool app_dfu_runtime;	/* else a silent application */
	unsigned quirks;	/* SIM_QUIRK_* */
};

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
	int (*setup)(void *be, const struct scn_chip *chip, char *msg, size_t cap);
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

struct scn_options {
	FILE *log;		/* narration (each command, failed expectations); NULL: none */
	bool verbose;		/* also echo dfu-flash's output */
	const struct scn_board_ops *ops; /* NULL: in-process */
	void *be;		/* NULL: a new in-process backend per file */
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

#endif
