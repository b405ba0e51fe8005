/*
 * dfulab-demo - ./ci/demo's program: the STM32L412 first-flash trap and its
 * two remedies, narrated, on two virgin chips of a dfu-sim it starts on
 * 127.0.0.1 (a free port, a private control socket), with dfu-flash --usbip
 * as a user would type it; or in this process on the virtual clock
 * (--inproc). The story is scn_demo_run() in lab/src/scenario_demo.c.
 *
 * Exit status: 0 when every observation matches its expectation, 1 when
 * any differs, 2 when the demo could not run at all.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lab/scenario.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: dfulab-demo [--inproc] [--dfu-sim PATH] [--color|--no-color]\n"
		   "  --inproc         emulated boards in this process on a virtual clock, instead\n"
		   "                   of a dfu-sim over USB/IP in real time\n"
		   "  --dfu-sim PATH   the dfu-sim to start (default: $DFU_SIM, the build tree's\n"
		   "                   sim/dfu-sim next to this program, or dfu-sim on PATH)\n"
		   "  --color, --no-color  (default: colour when stdout is a terminal and\n"
		   "                   NO_COLOR is unset)\n"
		   "Exit status: 0 when everything observed matched what was expected, 1 when\n"
		   "something differed, 2 when the demo could not run.\n");
}

int main(int argc, char **argv)
{
	const char *term = getenv("TERM");
	struct scn_usbip_config ucfg = { 0 };
	struct scn_demo_options o = { .be_config = &ucfg, .leave = -1 };

	o.color = isatty(STDOUT_FILENO) && !getenv("NO_COLOR") && term && strcmp(term, "dumb");
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--inproc")) {
			o.ops = &scn_inproc_ops;
			o.be_config = NULL;
		} else if (!strcmp(argv[i], "--dfu-sim") && i + 1 < argc) {
			ucfg.dfu_sim = argv[++i];
		} else if (!strcmp(argv[i], "--color")) {
			o.color = true;
		} else if (!strcmp(argv[i], "--no-color")) {
			o.color = false;
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "dfulab-demo: unknown option '%s'\n", argv[i]);
			usage(stderr);
			return 2;
		}
	}
	return scn_demo_run(&o);
}
