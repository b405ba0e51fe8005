/*
 * cli_harness.h - running dfu-flash's command line inside a test.
 *
 * cli_run_args() builds argv from a NULL-terminated list of arguments (after
 * optional leading ones), runs dfu-flash on `xp` (NULL: with its own
 * transports, as from a shell) and keeps what it printed on stdout and
 * stderr as strings. struct cli_files names the firmware, upload and
 * transcript files a test hands dfu-flash, under the tests' scratch
 * directory and unique to the process. Failures fail the running cmocka
 * test; nothing here starts a device.
 */
#ifndef TESTS_SUPPORT_CLI_HARNESS_H
#define TESTS_SUPPORT_CLI_HARNESS_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "host/cli.h"

#define CLI_HARNESS_MAX_ARGS 48

/* All of `s` into buf (NUL-terminated, cut at cap - 1); closes s. */
void cli_slurp(FILE *s, char *buf, size_t cap);

struct cli_capture {
	char *out, *err;
	size_t out_cap, err_cap;
};

/* dfu-flash LEAD... ARGS... ; `ap` holds ARGS, NULL-terminated. Exit code. */
int cli_run_args(const struct xport *xp, const struct cli_capture *c, const char *const *lead,
		 va_list ap);

/* The same with "--transcript PATH" in front of ARGS; the transcript's text
 * in trace ("" when dfu-flash made none). */
int cli_run_traced(const struct xport *xp, const struct cli_capture *c, const char *path,
		   char *trace, size_t trace_cap, va_list ap);

/* DFULAB_TEST_TMP/<prefix>_{fw.bin,up.bin,tr.txt} with the process id in
 * each name; cli_files_init() removes stale upload and transcript files. */
struct cli_files {
	char fw[256], up[256], tr[256];
};

void cli_files_init(struct cli_files *files, const char *prefix);
void cli_files_remove(const struct cli_files *files);

/* Whole-file helpers; a short write or a missing file fails the test. */
void cli_write_file(const char *path, const void *p, size_t n);
size_t cli_read_file(const char *path, void *p, size_t cap);

#endif
