/*
 * dfu-flash - a dfu-util 0.11 compatible DFU/DfuSe flasher that diagnoses
 * the STM32 first-flash trap. Everything is in host/src/cli_*.c; this is
 * only the process entry (see host/include/host/cli.h). Started through a
 * link named dfu-util, it speaks with dfu-util 0.11's stdout lines.
 */
#include <stdio.h>

#include "host/cli.h"

int main(int argc, char **argv)
{
	return dfu_flash_main(argc, argv, stdout, stderr);
}
