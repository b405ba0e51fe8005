/*
 * cli_harness.h - running dfu-flash's command line inside a test.
 *
 * cli_run_args() builds argv from a NULL-terminated list of arguments (after
 * optional leading ones), runs dfu-flash on `xp` (NULL: with its own
 * transports, as from a shell) and keeps what it printed on stdout and
 * stderr as strings. Included after <cmocka.h>; everything is static inline.
 */
#ifndef TESTS_SUPPORT_CLI_HARNESS_H
#define TESTS_SUPPORT_CLI_HARNESS_H

#include <stdarg.h>
#include <stdio.h>

#include "host/cli.h"

#define CLI_HARNESS_MAX_ARGS 48

/* All of `s` into buf (NUL-terminated, cut at cap - 1); closes s. */
static inline void cli_slurp(FILE *s, char *buf, size_t cap)
{
	size_t n;

	rewind(s);
	n = fread(buf, 1, cap - 1, s);
	buf[n] = '\0';
	fclose(s);
}

struct cli_capture {
	char *out, *err;
	size_t out_cap, err_cap;
};

/* dfu-flash LEAD... ARGS... ; `ap` holds ARGS, NULL-terminated. Exit code. */
static inline int cli_run_args(const struct xport *xp, const struct cli_capture *c,
			       const char *const *lead, va_list ap)
{
	char *argv[CLI_HARNESS_MAX_ARGS];
	int argc = 0, rc;
	const char *a;
	FILE *out = tmpfile(), *err = tmpfile();

	assert_non_null(out);
	assert_non_null(err);
	argv[argc++] = (char *)"dfu-flash";
	for (; lead && *lead && argc < CLI_HARNESS_MAX_ARGS - 1; lead++)
		argv[argc++] = (char *)*lead;
	while ((a = va_arg(ap, const char *)) != NULL && argc < CLI_HARNESS_MAX_ARGS - 1)
		argv[argc++] = (char *)a;
	argv[argc] = NULL;
	rc = xp ? dfu_flash_run(argc, argv, out, err, xp) : dfu_flash_main(argc, argv, out, err);
	cli_slurp(out, c->out, c->out_cap);
	cli_slurp(err, c->err, c->err_cap);
	return rc;
}

#endif
