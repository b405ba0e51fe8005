/*
 * cli_harness.c - running dfu-flash's command line inside a test and
 * capturing what it prints, plus the files a command line names.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <unistd.h>

#include <cmocka.h>

#include "cli_harness.h"

void cli_slurp(FILE *s, char *buf, size_t cap)
{
	size_t n;

	rewind(s);
	n = fread(buf, 1, cap - 1, s);
	buf[n] = '\0';
	fclose(s);
}

int cli_run_args(const struct xport *xp, const struct cli_capture *c, const char *const *lead,
		 va_list ap)
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

int cli_run_traced(const struct xport *xp, const struct cli_capture *c, const char *path,
		   char *trace, size_t trace_cap, va_list ap)
{
	const char *lead[] = { "--transcript", path, NULL };
	int rc = cli_run_args(xp, c, lead, ap);
	FILE *tr = fopen(path, "r");

	trace[0] = '\0';
	if (tr)
		cli_slurp(tr, trace, trace_cap);
	return rc;
}

void cli_files_init(struct cli_files *files, const char *prefix)
{
	int pid = (int)getpid();

	snprintf(files->fw, sizeof(files->fw), "%s/%s_fw_%d.bin", DFULAB_TEST_TMP, prefix, pid);
	snprintf(files->up, sizeof(files->up), "%s/%s_up_%d.bin", DFULAB_TEST_TMP, prefix, pid);
	snprintf(files->tr, sizeof(files->tr), "%s/%s_tr_%d.txt", DFULAB_TEST_TMP, prefix, pid);
	unlink(files->up);
	unlink(files->tr);
}

void cli_files_remove(const struct cli_files *files)
{
	unlink(files->fw);
	unlink(files->up);
	unlink(files->tr);
}

void cli_write_file(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");

	if (!f)
		fail_msg("cannot create %s", path);
	assert_int_equal(fwrite(p, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

size_t cli_read_file(const char *path, void *p, size_t cap)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f)
		fail_msg("cannot open %s", path);
	n = fread(p, 1, cap, f);
	fclose(f);
	return n;
}
