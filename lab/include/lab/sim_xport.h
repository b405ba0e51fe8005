/*
 * sim_xport.h - dfu-flash's --sim transport: emulated boards in the
 * flasher's own process.
 *
 * The flasher (host/) knows nothing of the emulator; this row of its
 * transport table is the lab's, handed over with cli_xport_register() by
 * the programs that want it (the shipped dfu-flash when built with
 * DFULAB_FLASH_SIM, the lab's tests). --sim SPEC (or DFU_FLASH_SIM) takes
 * the board specification grammar of sim/board_spec.h, so a board means
 * the same in dfu-flash, in dfu-sim and in a scenario file. The boards sit
 * on the in-process bus (lab/xport_inproc.h) with a full-speed bus cost.
 */
#ifndef LAB_SIM_XPORT_H
#define LAB_SIM_XPORT_H

#include <stddef.h>

#include "host/cli.h"

/* The --sim row itself. */
extern const struct cli_xport_kind lab_sim_xport;

/* Register --sim with dfu-flash's transport table; 0 or a dfu_err. */
int lab_sim_xport_register(void);

/* Open --sim SPEC: the boards it names, on an in-process bus. */
int lab_sim_open(const char *spec, struct cli_xport_inst *out, char *msg, size_t cap);

#endif
