/* dfu_sim_cli.c - what every dfu-sim verb says the same way: usage errors,
 * fatal errors, the default control socket. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "dfu_sim.h"

void dfu_sim_usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, PROG ": ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n" PROG ": see '" PROG " --help'\n");
	exit(EXIT_USAGE);
}

void dfu_sim_fatal(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, PROG ": ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

const char *dfu_sim_default_ctl_path(char *buf, size_t cap)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");

	if (xdg && *xdg)
		snprintf(buf, cap, "%s/dfu-sim.sock", xdg);
	else
		snprintf(buf, cap, "/tmp/dfu-sim-%ld.sock", (long)getuid());
	return buf;
}
