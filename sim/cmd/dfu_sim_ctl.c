/*
 * dfu_sim_ctl.c - `dfu-sim ctl [--ctl PATH] COMMAND...`: send one command
 * to a running dfu-sim's control socket and print its answer (the answer's
 * text on stdout and exit 0, or its error sentence on stderr and exit 1).
 * The commands themselves are sim_ctl.c's table.
 */
#include <stdio.h>
#include <string.h>

#include "dfu/error.h"
#include "sim/sim_ctl.h"

#include "dfu_sim.h"

static void print_ctl_help(void)
{
	struct sim_text t = { 0 };

	sim_ctl_help(&t);
	printf("usage: " PROG " ctl [--ctl PATH] COMMAND...\n\ncommands:\n%s",
	       t.p ? t.p : "");
	sim_text_free(&t);
}

/* --ctl PATH or --ctl=PATH at argv[*i]; NULL when there is none. */
static const char *ctl_path_option(int argc, char **argv, int *i)
{
	const char *path = NULL;

	if (*i < argc && strcmp(argv[*i], "--ctl") == 0) {
		if (*i + 1 >= argc)
			dfu_sim_usage_error("ctl --ctl needs a path");
		path = argv[*i + 1];
		*i += 2;
	} else if (*i < argc && strncmp(argv[*i], "--ctl=", 6) == 0) {
		path = argv[*i] + 6;
		(*i)++;
	}
	return path;
}

/* The words from argv[i] on, joined by spaces, as one command line. */
static void join_words(int argc, char **argv, int i, char *line, size_t cap)
{
	size_t len = 0;

	for (; i < argc; i++) {
		size_t n = strlen(argv[i]);

		if (len + n + 2 > cap - 1)
			dfu_sim_usage_error("ctl: the command is longer than %d characters",
					    SIM_CTL_LINE_MAX);
		if (len)
			line[len++] = ' ';
		memcpy(line + len, argv[i], n);
		len += n;
	}
	line[len] = 0;
}

int dfu_sim_ctl(int argc, char **argv)
{
	char pathbuf[256], line[SIM_CTL_LINE_MAX + 2];
	struct sim_text ans = { 0 };
	const char *path;
	int i = 1, rc;

	path = ctl_path_option(argc, argv, &i);
	if (i < argc && (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)) {
		print_ctl_help();
		return 0;
	}
	if (i >= argc)
		dfu_sim_usage_error("ctl: give a command, for example '" PROG " ctl status' ('" PROG
				    " ctl help' lists them)");
	if (!path)
		path = dfu_sim_default_ctl_path(pathbuf, sizeof(pathbuf));
	join_words(argc, argv, i, line, sizeof(line));
	rc = sim_ctl_request(path, line, 30000, &ans);
	if (rc == 0)
		fwrite(ans.p ? ans.p : "", 1, ans.len, stdout);
	else
		fprintf(stderr, PROG " ctl: %s\n", ans.p ? ans.p : dfu_strerror(rc));
	sim_text_free(&ans);
	return rc == 0 ? 0 : 1;
}
