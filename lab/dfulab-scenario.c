/*
 * dfulab-scenario - run scenario files (docs/scenarios.md) against
 * emulated boards in this process on the virtual clock, or against dfu-sim
 * over USB/IP in real time.
 *
 *     dfulab-scenario [-v] FILE...
 *     dfulab-scenario [-v] --usbip [--dfu-sim PATH] FILE...
 *     dfulab-scenario [-v] --usbip HOST[:PORT] --ctl PATH FILE...
 *
 * One line per file: "pass", or "FAIL"/"ERROR" with the file:line message.
 * Exit status: 0 when every file passed, 1 when an expectation failed,
 * 2 when a file could not run (syntax error, missing file, failed step).
 */
#include <stdio.h>
#include <string.h>

#include "lab/scenario.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: dfulab-scenario [-v] [--usbip [HOST[:PORT] --ctl PATH]] [--dfu-sim PATH] "
		   "FILE...\n"
		   "  -v                 narrate every command, dfu-flash's output and each\n"
		   "                     expectation\n"
		   "  --usbip            run against a dfu-sim started for each file (127.0.0.1, a\n"
		   "                     free port, a private control socket), in real time\n"
		   "  --usbip HOST:PORT --ctl PATH\n"
		   "                     run against a dfu-sim you started (one per file: the\n"
		   "                     boards' flash is whatever it holds)\n"
		   "  --dfu-sim PATH     the dfu-sim to start (default: $DFU_SIM, the build\n"
		   "                     tree's sim/dfu-sim next to this program, or PATH)\n"
		   "Without --usbip, each file runs against emulated boards in this process\n"
		   "(virtual clock, milliseconds). The format is described in docs/scenarios.md.\n");
}

int main(int argc, char **argv)
{
	struct scn_options o = { .log = stderr };
	struct scn_usbip_config ucfg = { 0 };
	unsigned files = 0, failed = 0, errors = 0;
	double modelled = 0;
	const char *unit = "modelled";

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
		if (!strcmp(argv[i], "--usbip")) {
			o.ops = &scn_usbip_ops;
			o.be_config = &ucfg;
			unit = "wall-clock";
			/* An address follows unless the next word is an option or a file. */
			if (i + 1 < argc && argv[i + 1][0] != '-' && !strstr(argv[i + 1], ".scn"))
				ucfg.addr = argv[++i];
			continue;
		}
		if (!strcmp(argv[i], "--ctl") || !strcmp(argv[i], "--dfu-sim")) {
			if (i + 1 >= argc) {
				fprintf(stderr, "dfulab-scenario: %s needs a path\n", argv[i]);
				return 2;
			}
			if (!strcmp(argv[i], "--ctl"))
				ucfg.ctl = argv[++i];
			else
				ucfg.dfu_sim = argv[++i];
			continue;
		}
		if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "dfulab-scenario: unknown option '%s'\n", argv[i]);
			usage(stderr);
			return 2;
		}
		if (ucfg.addr && !ucfg.ctl) {
			fprintf(stderr, "dfulab-scenario: --usbip %s needs --ctl PATH, the control "
					"socket that dfu-sim was started with\n",
				ucfg.addr);
			return 2;
		}
		files++;
		rc = scn_run_file(argv[i], &o, &r);
		modelled += (double)r.modelled_us / 1e3;
		if (rc == 0) {
			printf("pass   %-40s %3u expectations  %8.0f ms %s\n", argv[i],
			       r.expectations, (double)r.modelled_us / 1e3, unit);
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
	printf("%u scenario files: %u passed, %u failed, %u could not run; %.0f ms %s\n", files,
	       files - failed - errors, failed, errors, modelled, unit);
	return errors ? 2 : failed ? 1 : 0;
}
