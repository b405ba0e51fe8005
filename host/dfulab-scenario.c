/*
 * dfulab-scenario - run scenario files (docs/scenarios.md) against
 * emulated boards in this process, on the virtual clock.
 *
 *     dfulab-scenario [-v] FILE...
 *
 * One line per file: "pass", or "FAIL"/"ERROR" with the file:line message.
 * Exit status: 0 when every file passed, 1 when an expectation failed,
 * 2 when a file could not run (syntax error, missing file, failed step).
 */
#include <stdio.h>
#include <string.h>

#include "host/scenario.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: dfulab-scenario [-v] FILE...\n"
		   "  -v  narrate every command, dfu-flash's output and each expectation\n"
		   "Runs each scenario file against emulated boards in this process (virtual\n"
		   "clock). The format is described in docs/scenarios.md.\n");
}

int main(int argc, char **argv)
{
	struct scn_options o = { .log = stderr };
	unsigned files = 0, failed = 0, errors = 0;
	double modelled = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		}
	}
	for (int i = 1; i < argc; i++) {
		struct scn_result r;
		int rc;

		if (!strcmp(argv[i], "-v")) {
			o.verbose = true;
			o.log = stdout;
			continue;
		}
		if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "dfulab-scenario: unknown option '%s'\n", argv[i]);
			usage(stderr);
			return 2;
		}
		files++;
		rc = scn_run_file(argv[i], &o, &r);
		modelled += (double)r.modelled_us / 1e3;
		if (rc == 0) {
			printf("pass   %-40s %3u expectations  %8.0f ms modelled\n", argv[i],
			       r.expectations, (double)r.modelled_us / 1e3);
		} else if (rc > 0) {
			failed++;
			printf("FAIL   %-40s %u of %u expectations failed\n", argv[i], r.failed,
			       r.expectations);
			printf("       %s\n", r.msg);
		} else {
			errors++;
			printf("ERROR  %s\n", r.msg);
		}
	}
	if (!files) {
		usage(stderr);
		return 2;
	}
	printf("%u scenario files: %u passed, %u failed, %u could not run; %.0f ms modelled\n", files,
	       files - failed - errors, failed, errors, modelled);
	return errors ? 2 : failed ? 1 : 0;
}
