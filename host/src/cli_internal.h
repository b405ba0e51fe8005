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
#include "dfu/fw_image.h"
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
	bool detached;			/* a run-time device was detached before the job */
	/* A -D file that places its bytes by address (Intel HEX, S-record):
	 * cli_image.c loads it into `img`, whose storage it allocates. */
	bool by_address;
	enum dfu_fw_format fw_format;
	struct dfu_fw_image img;
	struct dfu_fw_range *img_ranges;
	uint8_t *img_data;
	char result[DFU_SESSION_ERR_MAX + 80];	/* last outcome, for --all and --json */
};

/* dfu-util's filters from the command line (cli_list.c): -d -S per mode,
 * -p -n -c -i -a; the job adds what its file says (cli_run.c). */
void cli_match_from_opts(const struct cli_opts *o, struct dfu_match *m);
/* "dfu-flash: cannot open DFU device ..." on `err` (cli_list.c). */
struct dfu_probe_dev;
void cli_warn_unopened(FILE *err, const struct dfu_probe_dev *d);

/* j->result, the outcome in a few words for --all's table and --json
 * (cli_run.c). */
void cli_job_result(struct cli_job *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The job on the one device `m` matches (cli_run.c): open, download or
 * upload, option bytes, watch it come back. The exit code; j->result says
 * the outcome in a few words. */
int cli_run_one(struct cli_job *j, const struct dfu_match *m);

/* --all (cli_all.c): cli_run_one() on every matching DFU-mode device, the
 * table, the worst exit code. On a per-process transport (*kind) it closes
 * `inst` and sets *kind to NULL, so the caller must not close it again. */
int cli_run_all(struct cli_job *j, const struct dfu_match *base,
		const struct cli_xport_kind **kind, struct cli_xport_inst *inst);

/* ---- -D files that carry their addresses (cli_image.c) ---- */

/* After the file is read, before any USB request: its format by content,
 * the extension checked against it, ELF refused with the fix, Intel HEX
 * and S-records loaded into j->img (j->by_address set) and -s checked
 * against them. 0 (also for raw and DfuSe files, left to cli_run.c), or the
 * exit code after the message. */
int cli_image_load(struct cli_job *j, const char *name);
/* On the open device, before the first erase: every range inside the alt's
 * writable segments, and a plausible vector table when the image places the
 * start of main flash (unless --force-image). 0, or the exit code after the
 * message. */
int cli_image_check(struct cli_job *j, const struct dfu_session *s);
void cli_image_free(struct cli_job *j);
/* "0x08000000-0x080001FF, 0x08000200-0x0800020F" (", ... (N more)" when
 * `cap` runs short). */
void cli_image_ranges_text(const struct dfu_fw_image *img, char *out, size_t cap);
/* 12480 as "12,480". */
void cli_count_text(size_t n, char *out, size_t cap);

/* ---- the dfu-util personality's stdout (cli_report.c): each prints only
 * when rep->dfu_util is set ---- */

/* -V, and the first lines of every run: dfu-util's shape ("dfu-util 0.11"
 * first, as scripts parse it), saying it is dfu-flash. */
void cli_du_banner(FILE *out);
/* The lines without values. */
enum cli_du_fixed {
	CLI_DU_WAITING,			/* -w */
	CLI_DU_OPENING,			/* before the device is opened */
	CLI_DU_CLAIM_RUNTIME,		/* a run-time device, before its detach */
	CLI_DU_RUNTIME_DETACH,
	CLI_DU_WILL_DETACH,		/* ... it detaches itself (bitWillDetach) */
	CLI_DU_RESETTING,		/* ... or is reset */
	CLI_DU_OPENING_DFU,		/* the DFU-mode device after a detach */
	CLI_DU_DFUSE_SUCCESS,		/* a raw image written to a DfuSe device */
	CLI_DU_FILE_DONE,		/* a .dfu file written */
	CLI_DU_LEAVE,			/* DfuSe :leave */
	CLI_DU_MANIFEST,		/* ... answered with dfuMANIFEST */
	CLI_DU_MASS_ERASE,
	CLI_DU_COMMAND_MODE,		/* -s without -D */
	CLI_DU_UNPROTECT,
	CLI_DU_PLAIN_DOWNLOAD,		/* plain DFU 1.1 -D */
	CLI_DU_PLAIN_RESET,		/* ... reset out of dfuMANIFEST-WAIT-RESET */
	CLI_DU_PLAIN_DONE,
	CLI_DU_PLAIN_UPLOAD,		/* plain DFU 1.1 -U */
	CLI_DU_UPLOAD_EMPTY,		/* ... that read nothing */
	CLI_DU_FINAL_RESET,		/* -R */
};
void cli_du(struct cli_report *r, enum cli_du_fixed line);
/* "Match vendor ID from file" / product: a -D suffix's IDs taken for matching (-1: not). */
void cli_du_match_from_file(struct cli_report *r, int vid, int pid);
/* A run-time device about to be detached (its DFU interface `intf`). */
void cli_du_runtime(struct cli_report *r, const struct xport_dev_info *d, uint8_t intf);
/* The opened DFU-mode device, from "Opening" (unless after_detach) to the
 * transfer size; asked_xfer is -t (0: none). */
struct dfu_session;
void cli_du_opened(struct cli_report *r, const struct dfu_session *s, bool after_detach,
		   unsigned asked_xfer);
/* "DFU state(N) = NAME, status(N) = TEXT" for a GETSTATUS answer. */
void cli_du_state(struct cli_report *r, const struct dfu_status_reply *st);
/* A raw image about to be written to a DfuSe device. */
void cli_du_element(struct cli_report *r, uint32_t address, size_t size);
/* A .dfu file's images and elements, as dfu-util parses it aloud. */
void cli_du_dfuse_file(struct cli_report *r, const uint8_t *fw, size_t len);
/* How much a DfuSe -U reads and why. */
enum cli_du_upload { CLI_DU_UPLOAD_SEGMENT, CLI_DU_UPLOAD_FORCED, CLI_DU_UPLOAD_DEFAULT };
void cli_du_upload_limit(struct cli_report *r, enum cli_du_upload why, uint32_t bytes);
/* A plain upload's total. */
void cli_du_received(struct cli_report *r, size_t bytes);
/* Close a phase's bar at `n` bytes ("Upload done.") unless it closed already. */
void cli_du_bar_end(struct cli_report *r, enum dfu_phase phase, size_t n);

#endif
