/*
 * sim_board.h - one emulated board: an STM32L4 chip, whatever it runs, and
 * its USB connection.
 *
 * The board is what a port (the USB/IP server, the in-process transport,
 * tests, fuzzers) talks to. Depending on what the chip booted, the USB bus
 * sees the ROM DFU bootloader (0483:df11, four alt settings), the
 * application's DFU run-time interface (if the application model has one),
 * or nothing. A device that leaves, resets or writes its option bytes drops
 * off the bus; when it enumerates again, `bus_generation` increments, so a
 * port can show an unplug followed by a re-plug with the same serial.
 *
 * The physical world (power, NRST button, BOOT0 pin) is operated through
 * sim_board_power_cycle() etc. Time is passed in; nothing sleeps.
 */
#ifndef SIM_BOARD_H
#define SIM_BOARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/bus_device.h"
#include "sim/l4_chip.h"
#include "sim/sim_log.h"
#include "sim/usb_device.h"

enum sim_timing {
	SIM_TIMING_INSTANT,	/* every operation takes 0 s, bwPollTimeout 0 */
	SIM_TIMING_DATASHEET,	/* profile timings, reported in bwPollTimeout */
};

enum sim_app_model {
	SIM_APP_SILENT,		/* a valid application runs off the USB bus */
	SIM_APP_DFU_RUNTIME,	/* it exposes a DFU run-time interface; DETACH enters the ROM */
};

/* Fault profiles from field reports ([model-quirks]). */
#define SIM_QUIRK_ERASE_STALL	 0x01u /* poll timeout shorter than erase; GETSTATUS stalls while busy */
#define SIM_QUIRK_XFER_1024	 0x02u /* early L43x ROM: blocks above 1024 bytes corrupt */
#define SIM_QUIRK_LEAVE_NO_STATUS 0x04u /* disconnects before answering the GETSTATUS after leave */
#define SIM_QUIRK_SHARED_SERIAL	 0x08u /* serial number not unique across boards */
#define SIM_QUIRK_LAYOUT_GARBAGE 0x10u /* garbage after the layout string in iInterface */
#define SIM_QUIRK_OB_POWER_LOSS	 0x20u /* option-byte write interrupted by power loss */

struct sim_board_config {
	const struct l4_profile *profile;
	bool boot0;			/* BOOT0 pin level */
	enum l4_leave_action leave;	/* overrides the profile's default */
	enum l4_ob_reset ob_reset;	/* reset after an OB write; profile default */
	enum sim_timing timing;
	enum sim_app_model app;
	unsigned quirks;		/* SIM_QUIRK_* */
	uint8_t uid[L4_UID_SIZE];	/* 96-bit unique ID; the serial derives from it */
	const char *serial;		/* NULL: derived from the UID */
};

/* Defaults for a profile: BOOT0 low, profile leave action, instant timing,
 * silent app, no quirks, a fixed UID derived from `index` (board 0, 1, ...). */
void sim_board_config_default(struct sim_board_config *cfg, const struct l4_profile *p,
			      unsigned index);

/* The serial a board shows for a UID (modelling choice, like ST's USB device
 * library: UID word0 + word2 as 8 upper-case hex digits, then the upper 16
 * bits of word1 as 4; words little-endian from the UID bytes). */
void sim_board_serial_from_uid(const uint8_t uid[L4_UID_SIZE], char *out, size_t cap);

/* What the chip is running now (the chip's own `running` says what the last
 * reset booted; a ROM leave-jump or an application's DETACH changes this
 * without a reset). */
enum sim_board_runs {
	SIM_RUNS_NOTHING,	/* not powered */
	SIM_RUNS_ROM,		/* the ROM DFU bootloader, on the bus */
	SIM_RUNS_APP,		/* a valid application */
	SIM_RUNS_SRAM,		/* booted SRAM1: code there is not modelled */
	SIM_RUNS_LOCKUP,	/* main flash holds no valid vector table */
};

struct sim_bootloader; /* the ROM DFU class (l4_bootloader.c) */
struct sim_app;	       /* the application model (l4_app.c) */

struct sim_board {
	struct sim_board_config cfg;
	struct l4_chip chip;
	struct sim_log log;
	struct sim_bootloader *rom;
	struct sim_app *app;
	struct usb_device *on_bus;	/* NULL when nothing is connected */
	uint32_t bus_generation;	/* +1 at every (re-)enumeration */
	char serial[32];
	enum sim_board_runs runs;
};

/* Create the board: a virgin chip, not yet powered. */
int sim_board_init(struct sim_board *b, const struct sim_board_config *cfg);
void sim_board_free(struct sim_board *b);

/* ---- the physical world ---- */
void sim_board_power_on(struct sim_board *b, uint64_t now_us);
void sim_board_power_off(struct sim_board *b, uint64_t now_us);
void sim_board_power_cycle(struct sim_board *b, uint64_t now_us);
void sim_board_press_reset(struct sim_board *b, uint64_t now_us);	/* NRST */
void sim_board_set_boot0(struct sim_board *b, bool level, uint64_t now_us);

/* ---- the USB bus ---- */
static inline bool sim_board_on_bus(const struct sim_board *b)
{
	return b->on_bus != NULL;
}
/* One control transfer to whatever is on the bus. USB_XFER_NO_ANSWER when
 * nothing is, or when the request makes the device drop off the bus before
 * answering (then on_bus and bus_generation reflect what happens next). */
enum usb_xfer_result sim_board_control(struct sim_board *b, struct usb_ctrl_xfer *x);
/* The host reset the bus (libusb_reset_device); USB/IP never forwards it. */
void sim_board_bus_reset(struct sim_board *b, uint64_t now_us);

/* The board as a device on a port (bus_device.h): power is power_on and
 * power_off; `b` must outlive the value. */
struct sim_bus_dev sim_board_bus_dev(struct sim_board *b);
/* The board behind a bus device, or NULL when it is another kind of device. */
struct sim_board *sim_board_of_bus_dev(const struct sim_bus_dev *d);

/* What the chip runs, in words, for status lines and tests:
 * "ROM DFU bootloader", "application (CRC32 0x1234abcd)", "nothing (lockup: ...)". */
const char *sim_board_running_text(const struct sim_board *b, char *buf, size_t cap);

#endif
