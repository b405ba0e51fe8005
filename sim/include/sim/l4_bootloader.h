/*
 * l4_bootloader.h - the STM32L4 ROM USB DFU bootloader, as a DFU class on
 * the small USB device core.
 *
 * It presents ST's ROM identity (0483:df11, "STM32  BOOTLOADER", four alt
 * settings named by the profile's layout strings, the functional descriptor
 * after the last alt) and serves DFU 1.1 with ST's DfuSe extensions through
 * core's shared state machine (dfu/dfu_fsm.h): commands and writes run at
 * the GETSTATUS that follows them, on the emulated chip (sim/l4_chip.h),
 * exactly as [model-dfuse] in docs/sources.md says.
 *
 * It never resets the chip or touches the bus itself: when the ROM would
 * disconnect (leave, option-byte write, Read Unprotect, a power loss
 * injected by a quirk) it records an event that the board takes with
 * sim_bootloader_take_event() right after the control transfer, and the
 * board performs the reset or jump. No I/O, no clock: time comes with each
 * request.
 */
#ifndef SIM_L4_BOOTLOADER_H
#define SIM_L4_BOOTLOADER_H

#include <stdbool.h>
#include <stdint.h>

#include "dfu/dfu_fsm.h"
#include "sim/l4_chip.h"
#include "sim/sim_board.h"
#include "sim/usb_device.h"

/* ST's ROM DFU identity (AN3156, [rom-identity]). */
#define SIM_ROM_VID 0x0483
#define SIM_ROM_PID 0xDF11
#define SIM_ROM_MANUFACTURER "STMicroelectronics"
#define SIM_ROM_PRODUCT "STM32  BOOTLOADER" /* two spaces, as the ROM has it */
#define SIM_ROM_ATTRIBUTES 0x0B		    /* download, upload, will-detach */
#define SIM_ROM_DETACH_TIMEOUT 255
#define SIM_ROM_XFER_MAX 4096 /* largest profile wTransferSize the ROM model takes */

/* What the ROM asks the board to do once the current transfer completes. */
enum sim_rom_event {
	SIM_ROM_EV_NONE,
	SIM_ROM_EV_LEAVE,	/* leave: the board applies the leave action */
	SIM_ROM_EV_OPTION_LOAD,	/* OB write / Read Unprotect done: reset with option load */
	SIM_ROM_EV_POWER_LOSS,	/* SIM_QUIRK_OB_POWER_LOSS: the chip lost power mid-write */
};

struct sim_rom_config {
	enum sim_timing timing;
	unsigned quirks;	/* SIM_QUIRK_* */
	const char *serial;	/* iSerialNumber text; copied */
};

/* Allocate the ROM for `chip` (whose profile gives identity and geometry).
 * DFU_E_INVAL for a profile whose strings or transfer size the model cannot
 * serve, DFU_E_NOMEM. */
int sim_bootloader_new(struct sim_bootloader **out, struct l4_chip *chip, struct sim_log *log,
		       const struct sim_rom_config *cfg);
void sim_bootloader_free(struct sim_bootloader *r);

/* The ROM starts (after a reset into system memory, or a jump to it): USB
 * unconfigured, alt 0, dfuIDLE, address pointer at the start of flash. */
void sim_bootloader_start(struct sim_bootloader *r, uint64_t now_us);
struct usb_device *sim_bootloader_usb(struct sim_bootloader *r);
/* A USB bus reset while it is on the bus (DFU 1.1: back to dfuIDLE). */
void sim_bootloader_bus_reset(struct sim_bootloader *r, uint64_t now_us);

/* The pending event, cleared by taking it; *at_us gets the virtual time it
 * happens (after the operation's modelled duration). */
enum sim_rom_event sim_bootloader_take_event(struct sim_bootloader *r, uint64_t *at_us);

/* The DfuSe address pointer (the leave "jump" target). */
uint32_t sim_bootloader_pointer(const struct sim_bootloader *r);
const struct dfu_fsm *sim_bootloader_fsm(const struct sim_bootloader *r);

#endif
