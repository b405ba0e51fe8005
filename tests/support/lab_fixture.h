/*
 * lab_fixture.h - one in-process lab for tests: emulated STM32 boards of one
 * profile and, after them, plain DFU 1.1 devices (sim's dfu11 device), all
 * on one xport_inproc bus with a virtual clock, and the transport table the
 * flasher uses over them.
 *
 * The boards sit on ports 1-1, 1-2, ... and the dfu11 devices on the ports
 * after them. lab_fx_init() fills a struct lab_fx the caller owns (usually
 * inside its own fixture) from a struct lab_fx_opts whose zero value means
 * "defaults" throughout; lab_fx_fini() frees what init made. A device that
 * cannot be built fails the running cmocka test. Nothing here opens a
 * socket or starts a process.
 */
#ifndef TESTS_SUPPORT_LAB_FIXTURE_H
#define TESTS_SUPPORT_LAB_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "host/xport.h"
#include "lab/xport_inproc.h"
#include "sim/dfu11_device.h"
#include "sim/sim_board.h"

#define LAB_FX_MAX_BOARDS 4
#define LAB_FX_MAX_DFU11 4

struct lab_fx_opts {
	const char *profile;		/* the boards' chip; NULL: "stm32l412xb" */
	unsigned boards;		/* how many boards (0..LAB_FX_MAX_BOARDS) */
	unsigned unpowered;		/* bit i set: board i is left powered off */
	enum sim_timing timing;		/* SIM_TIMING_INSTANT unless set */
	enum sim_app_model app;		/* what a valid application does */
	unsigned quirks;		/* SIM_QUIRK_* for every board */
	const char *serial;		/* NULL: each device its own; else all share it */
	const uint8_t *flash;		/* in every board's flash before power-on */
	size_t flash_len;
	unsigned dfu11;			/* how many dfu11 devices (0..LAB_FX_MAX_DFU11) */
	const struct sim_dfu11_config *dfu11_cfg; /* NULL: defaults; each keeps its serial */
	bool full_speed;		/* the bus costs what full speed does (else nothing) */
};

struct lab_fx {
	struct sim_board b[LAB_FX_MAX_BOARDS];
	size_t nb;
	struct sim_dfu11 d[LAB_FX_MAX_DFU11];
	size_t nd;
	struct xport_inproc t;
	struct xport x;			/* the transport over `t` */
};

void lab_fx_init(struct lab_fx *f, const struct lab_fx_opts *o);
void lab_fx_fini(struct lab_fx *f);

#endif
