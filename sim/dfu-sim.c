/*
 * dfu-sim.c - the emulator as a program: which verb runs.
 *
 *   dfu-sim [OPTIONS]                      serve boards over USB/IP (cmd/dfu_sim_serve.c)
 *   dfu-sim ctl [--ctl PATH] COMMAND...    talk to a running dfu-sim (cmd/dfu_sim_ctl.c)
 *
 * A verb is a row of the table below; no verb (options, or nothing) is the
 * server. docs/dfu-sim.md is the manual.
 */
#include <string.h>

#include "cmd/dfu_sim.h"

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);	/* argv[0] is the verb */
} verbs[] = {
	{ "ctl", dfu_sim_ctl },
};

int main(int argc, char **argv)
{
	for (size_t i = 0; argc > 1 && i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (strcmp(argv[1], verbs[i].name) == 0)
			return verbs[i].run(argc - 1, argv + 1);
	return dfu_sim_serve(argc, argv);
}
