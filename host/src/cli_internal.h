/*
 * cli_internal.h - what dfu-flash's run (cli_run.c) and --all (cli_all.c)
 * share: the job one command line carries, the job on one device, and --all
 * over every matching device. Not installed and not for callers outside
 * host/src: they use cli.h's dfu_flash_main() and dfu_flash_run().
 *
 * A job never owns the transport it runs on (j->x) unless --all's parallel
 * path hands it one of its own in a device's process, and it never opens a
 * device itself: every device access goes through the session engine.
 */
#ifndef HOST_CLI_INTERNAL_H
#define HOST_CLI_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dfu/dfu_file.h"
#include "host/cli.h"
#include "host/dfu_select.h"

struct cli_job {
	const struct cli_opts *o;
	struct cli_report rep;
	const struct xport *x;
	uint8_t *file;			/* -D contents */
	size_t file_len;
	struct dfu_file_info info;
	bool dfuse_file;
	size_t fw_len;			/* without the suffix */
	int upload_fd;
	bool reset_itself;		/* a will-reset download ended with the device's reset */
	/* The run-time IDs a -D file's suffix is checked against, as dfu-util
	 * does: a detached device's own, else -d's first pair, else the
	 * suffix's own (taken for matching when -d gives none); -1: unknown. */
	int rt_vid, rt_pid;
	bool rt_from_file;		/* rt_vid/rt_pid came from the suffix */
	char result[DFU_SESSION_ERR_MAX + 80];	/* last outcome, for --all and --json */
};

/* dfu-util's filters from the command line (cli_list.c): -d -S per mode,
 * -p -n -c -i -a; the job adds what its file says (cli_run.c). */
void cli_match_from_opts(const struct cli_opts *o, struct dfu_match *m);
/* "dfu-flash: cannot open DFU device ..." on `err` (cli_list.c). */
struct dfu_probe_dev;
void cli_warn_unopened(FILE *err, const struct dfu_probe_dev *d);

/* The job on the one device `m` matches (cli_run.c): open, download or
 * upload, option bytes, watch it come back. The exit code; j->result says
 * the outcome in a few words. */
int cli_run_one(struct cli_job *j, const struct dfu_match *m);

/* --all (cli_all.c): cli_run_one() on every matching DFU-mode device, the
 * table, the worst exit code. On a per-process transport (*kind) it closes
 * `inst` and sets *kind to NULL, so the caller must not close it again. */
int cli_run_all(struct cli_job *j, const struct dfu_match *base,
		const struct cli_xport_kind **kind, struct cli_xport_inst *inst);

#endif
