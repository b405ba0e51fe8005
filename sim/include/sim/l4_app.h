/*
 * l4_app.h - the application in main flash, as the emulator models it.
 *
 * The emulator runs no Arm code ([model-app] in docs/sources.md): an
 * application is judged from its vector table (initial SP inside SRAM, odd
 * reset vector inside main flash). A valid one "runs": off the USB bus
 * (SIM_APP_SILENT), or exposing a DFU run-time interface
 * (SIM_APP_DFU_RUNTIME, class FE/01/01 in appIDLE, driven by core's shared
 * state machine) whose DFU_DETACH makes the application jump to the ROM
 * bootloader, as many real applications do. An invalid one is a lockup. The
 * model never resets the chip: a detach is an event the board takes with
 * sim_app_take_detach().
 */
#ifndef SIM_L4_APP_H
#define SIM_L4_APP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dfu/dfu_fsm.h"
#include "sim/l4_chip.h"
#include "sim/sim_board.h"
#include "sim/usb_device.h"

/*
 * The run-time identity (modelling choice): ST's VID with a product ID that
 * is not the ROM's 0xDF11, so a listing tells the application from the
 * bootloader. ST assigns no PID to user applications; a real product uses
 * its own VID:PID. The serial is the board's, as applications built on ST's
 * USB device library derive it from the UID the same way.
 */
#define SIM_APP_VID 0x0483
#define SIM_APP_PID 0xDF12
#define SIM_APP_MANUFACTURER "dfulab"
#define SIM_APP_PRODUCT "STM32L4 application (DFU run-time)"
#define SIM_APP_INTERFACE "DFU run-time"
#define SIM_APP_ATTRIBUTES 0x0B /* download, upload, will-detach */
#define SIM_APP_DETACH_TIMEOUT 255

int sim_app_new(struct sim_app **out, struct l4_chip *chip, struct sim_log *log,
		enum sim_app_model model, const char *serial);
void sim_app_free(struct sim_app *a);

/* Judge the vector table at `vtor` (main flash only); `why` explains. */
bool sim_app_vector_valid(const struct l4_chip *c, uint32_t vtor, char *why, size_t cap);

/* The core starts the code whose vector table is at `vtor` (a reset into
 * main flash, or the ROM's leave jump). True when it runs; false: lockup. */
bool sim_app_start(struct sim_app *a, uint32_t vtor, uint64_t now_us);
void sim_app_stop(struct sim_app *a);
bool sim_app_running(const struct sim_app *a);
/* What it presents on the bus while running, or NULL (silent, lockup). */
struct usb_device *sim_app_usb(struct sim_app *a);
/* DETACH arrived (bitWillDetach: the application leaves for the ROM now). */
bool sim_app_take_detach(struct sim_app *a);
/* A USB bus reset while on the bus: back to the default USB state; the
 * application keeps running (appIDLE). */
void sim_app_bus_reset(struct sim_app *a, uint64_t now_us);
/* "application (CRC32 0x1234abcd)" or "nothing (lockup: ...)". */
const char *sim_app_describe(const struct sim_app *a, char *buf, size_t cap);

#endif
