/*
 * dfu_sim.h - the pieces of the dfu-sim program: one function per verb
 * (dfu-sim.c dispatches to them), and the messages and
 * paths every verb shares. Only the program includes this; the library
 * (sim/include) never does.
 */
#ifndef DFU_SIM_H
#define DFU_SIM_H

#include <stddef.h>

#include "sim/board_spec.h"
#include "sim/sim_board.h"

#define PROG "dfu-sim"
#define EXIT_USAGE 64

/* `dfu-sim [OPTIONS]`: serve the boards over USB/IP (dfu_sim_serve.c). */
int dfu_sim_serve(int argc, char **argv);
/* `dfu-sim ctl [--ctl PATH] COMMAND...`: one control command (dfu_sim_ctl.c). */
int dfu_sim_ctl(int argc, char **argv);

/* "dfu-sim: <sentence>" and "see 'dfu-sim --help'" on stderr; exit 64. */
void dfu_sim_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
/* "dfu-sim: <sentence>" on stderr; exit 1. */
void dfu_sim_fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
/* $XDG_RUNTIME_DIR/dfu-sim.sock, else /tmp/dfu-sim-UID.sock. */
const char *dfu_sim_default_ctl_path(char *buf, size_t cap);

#endif
