/*
 * dfu-flash with --sim: the flasher of host/ (host/dfu-flash.c is the
 * same program without emulated boards), plus the lab's --sim transport,
 * registered before the command line is read. Built as dfu-flash when
 * DFULAB_FLASH_SIM is on (the default).
 */
#include <stdio.h>

#include "host/cli.h"
#include "lab/sim_xport.h"

int main(int argc, char **argv)
{
	if (lab_sim_xport_register() < 0) {
		fprintf(stderr, "dfu-flash: internal error: the --sim transport cannot be added\n");
		return CLI_EXIT_SOFTWARE;
	}
	return dfu_flash_main(argc, argv, stdout, stderr);
}
