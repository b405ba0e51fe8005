/*
 * board_image.h - a board specification's initial image (the `image` key of
 * sim/board_spec.h) into a board's main flash before it powers on, as
 * factory programming would.
 *
 * A DfuSe file (recognised by its prefix), an Intel HEX file and an
 * S-record file (recognised by their content, core's fw_image.h) carry
 * their own addresses; anything else is a raw binary at the spec's address
 * or the flash base. ELF files are refused with the objcopy line that
 * converts them.
 * dfu-sim's --image, dfu-flash's --sim image=FILE and a scenario's chip line
 * all load it here. Reads the file; never prints.
 */
#ifndef SIM_BOARD_IMAGE_H
#define SIM_BOARD_IMAGE_H

#include <stddef.h>

#include "sim/board_spec.h"
#include "sim/sim_board.h"

/* Nothing to do when the spec names no image. 0, or a dfu_err with a
 * sentence in msg naming the file and the problem: DFU_E_USAGE for a
 * DfuSe, HEX or S-record file given an @ADDR, DFU_E_UNSUPPORTED for ELF,
 * DFU_E_IO when it cannot be read, DFU_E_RANGE when its bytes fall outside
 * main flash, a core error (with the line) for a malformed file. */
int sim_board_load_image(const struct sim_board_spec *spec, struct sim_board *b, char *msg,
			 size_t cap);

#endif
