/*
 * sim_board.c - one emulated board: the chip, the ROM bootloader, the
 * application model and what of them is on the USB bus.
 *
 * After every reset the chip's boot selection says what runs; this file
 * puts the matching device on the bus (the ROM's 0483:df11, the
 * application's run-time interface, or nothing) and counts enumerations in
 * bus_generation. When the ROM or the application leaves the bus in the
 * middle of a control transfer (leave, option-byte write, Read Unprotect,
 * DETACH), the board performs what follows at once, in virtual time: the
 * next request already meets the new device, or nothing.
 */
#include <stdio.h>
#include <string.h>

#include "dfu/bytes.h"
#include "dfu/error.h"
#include "sim/l4_app.h"
#include "sim/l4_bootloader.h"
#include "sim/sim_board.h"

/*
 * Default UIDs (modelling choice): an ST-like layout, word0 = wafer X/Y
 * coordinates, word1 = wafer number and lot, word2 = lot, with word0 stepped
 * by the board index so that every board gets its own serial.
 */
#define UID_WORD0_BASE 0x0030001Eu
#define UID_WORD1 0x31385750u
#define UID_WORD2 0x20373247u

void sim_board_serial_from_uid(const uint8_t uid[L4_UID_SIZE], char *out, size_t cap)
{
	uint32_t w0 = dfu_get_le32(uid), w1 = dfu_get_le32(uid + 4), w2 = dfu_get_le32(uid + 8);

	snprintf(out, cap, "%08X%04X", (unsigned)(w0 + w2), (unsigned)(w1 >> 16));
}

static void default_uid(uint8_t uid[L4_UID_SIZE], unsigned index)
{
	dfu_put_le32(uid, UID_WORD0_BASE + index);
	dfu_put_le32(uid + 4, UID_WORD1);
	dfu_put_le32(uid + 8, UID_WORD2);
}

void sim_board_config_default(struct sim_board_config *cfg, const struct l4_profile *p,
			      unsigned index)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->profile = p;
	cfg->boot0 = false;
	cfg->leave = p ? p->leave_action : L4_LEAVE_RESET;
	cfg->ob_reset = p ? p->ob_write_reset : L4_OB_RESET_OPTION_LOAD;
	cfg->timing = SIM_TIMING_INSTANT;
	cfg->app = SIM_APP_SILENT;
	cfg->quirks = 0;
	default_uid(cfg->uid, index);
	cfg->serial = NULL;
}

int sim_board_init(struct sim_board *b, const struct sim_board_config *cfg)
{
	struct sim_rom_config rc;
	uint8_t uid0[L4_UID_SIZE];
	int err;

	memset(b, 0, sizeof(*b));
	if (!cfg || !cfg->profile)
		return DFU_E_INVAL;
	b->cfg = *cfg;
	b->cfg.serial = NULL; /* copied into b->serial below */
	if (cfg->serial) {
		snprintf(b->serial, sizeof(b->serial), "%s", cfg->serial);
	} else if (cfg->quirks & SIM_QUIRK_SHARED_SERIAL) {
		/* Field reports of boards that all show one serial: every board
		 * shows board 0's. */
		default_uid(uid0, 0);
		sim_board_serial_from_uid(uid0, b->serial, sizeof(b->serial));
	} else {
		sim_board_serial_from_uid(cfg->uid, b->serial, sizeof(b->serial));
	}
	sim_log_init(&b->log, b->serial);

	err = l4_chip_init(&b->chip, cfg->profile, &b->log);
	if (err)
		return err;
	l4_chip_set_uid(&b->chip, cfg->uid);
	if (cfg->boot0)
		l4_chip_set_boot0(&b->chip, true, 0);

	rc.timing = cfg->timing;
	rc.quirks = cfg->quirks;
	rc.serial = b->serial;
	err = sim_bootloader_new(&b->rom, &b->chip, &b->log, &rc);
	if (err == 0)
		err = sim_app_new(&b->app, &b->chip, &b->log, cfg->app, b->serial);
	if (err) {
		sim_board_free(b);
		return err;
	}
	b->runs = SIM_RUNS_NOTHING;
	return DFU_OK;
}

void sim_board_free(struct sim_board *b)
{
	sim_bootloader_free(b->rom);
	sim_app_free(b->app);
	l4_chip_free(&b->chip);
	b->rom = NULL;
	b->app = NULL;
	b->on_bus = NULL;
}

/* ---- the bus ---- */

static void bus_leave(struct sim_board *b, uint64_t now, const char *why)
{
	if (!b->on_bus)
		return;
	sim_logf(&b->log, now, "usb: %04X:%04X disconnects (%s)",
		 dfu_get_le16(b->on_bus->device_desc + 8), dfu_get_le16(b->on_bus->device_desc + 10),
		 why);
	b->on_bus = NULL;
}

static void bus_join(struct sim_board *b, struct usb_device *dev, uint64_t now)
{
	b->on_bus = dev;
	b->bus_generation++;
	sim_logf(&b->log, now, "usb: %04X:%04X serial %s enumerates (bus generation %u)",
		 dfu_get_le16(dev->device_desc + 8), dfu_get_le16(dev->device_desc + 10), b->serial,
		 b->bus_generation);
}

static void run_rom(struct sim_board *b, uint64_t now)
{
	sim_app_stop(b->app);
	sim_bootloader_start(b->rom, now);
	b->runs = SIM_RUNS_ROM;
	bus_join(b, sim_bootloader_usb(b->rom), now);
}

static void run_app(struct sim_board *b, uint32_t vtor, uint64_t now)
{
	struct usb_device *dev;

	if (!sim_app_start(b->app, vtor, now)) {
		b->runs = SIM_RUNS_LOCKUP;
		return;
	}
	b->runs = SIM_RUNS_APP;
	dev = sim_app_usb(b->app);
	if (dev)
		bus_join(b, dev, now);
}

/* Run what the chip just booted. */
static void run_target(struct sim_board *b, enum l4_boot_target t, uint64_t now)
{
	switch (t) {
	case L4_BOOT_SYSTEM:
		run_rom(b, now);
		break;
	case L4_BOOT_FLASH:
		run_app(b, b->chip.p->flash_base, now);
		break;
	case L4_BOOT_SRAM:
		sim_logf(&b->log, now, "sram: booted SRAM1; code in SRAM is not modelled, nothing "
				       "on the USB bus");
		b->runs = SIM_RUNS_SRAM;
		break;
	default: /* L4_BOOT_OFF */
		b->runs = SIM_RUNS_NOTHING;
		break;
	}
}

static void reset(struct sim_board *b, enum l4_reset_kind kind, uint64_t now)
{
	bus_leave(b, now, l4_reset_kind_name(kind));
	sim_app_stop(b->app);
	run_target(b, l4_chip_reset(&b->chip, kind, now), now);
}

/* ---- the physical world ---- */

void sim_board_power_on(struct sim_board *b, uint64_t now_us)
{
	if (b->chip.powered)
		return;
	reset(b, L4_RESET_POWER_ON, now_us);
}

void sim_board_power_off(struct sim_board *b, uint64_t now_us)
{
	bus_leave(b, now_us, "power off");
	sim_app_stop(b->app);
	l4_chip_power_off(&b->chip, now_us);
	b->runs = SIM_RUNS_NOTHING;
}

void sim_board_power_cycle(struct sim_board *b, uint64_t now_us)
{
	sim_board_power_off(b, now_us);
	sim_board_power_on(b, now_us);
}

void sim_board_press_reset(struct sim_board *b, uint64_t now_us)
{
	if (!b->chip.powered) {
		sim_logf(&b->log, now_us, "button: NRST pressed, but the board is not powered");
		return;
	}
	sim_logf(&b->log, now_us, "button: NRST pressed");
	reset(b, L4_RESET_SYSTEM, now_us);
}

void sim_board_set_boot0(struct sim_board *b, bool level, uint64_t now_us)
{
	b->cfg.boot0 = level;
	l4_chip_set_boot0(&b->chip, level, now_us);
}

/* ---- what the devices ask for ---- */

static void rom_leave(struct sim_board *b, uint64_t now)
{
	uint32_t vtor = sim_bootloader_pointer(b->rom);
	char why[160];

	if (b->cfg.leave == L4_LEAVE_JUMP) {
		/* AN3156 §5.5: jump to the vector table at the address pointer;
		 * no reset, so what runs lasts until the next reset. */
		if (sim_app_vector_valid(&b->chip, vtor, why, sizeof(why))) {
			sim_logf(&b->log, now, "rom: leave action 'jump': to the vector table at "
					       "0x%08X, no reset (PEMPTY untouched)",
				 vtor);
			run_app(b, vtor, now);
			return;
		}
		/* AN3156 §5.5: no executable code there -> the device resets. */
		sim_logf(&b->log, now, "rom: leave action 'jump': %s; the ROM resets instead", why);
	} else {
		sim_logf(&b->log, now,
			 "rom: leave action 'reset': system reset, PEMPTY stays latched at %d "
			 "(re-sampled only at power-on or option load)",
			 b->chip.pempty);
	}
	reset(b, L4_RESET_SYSTEM, now);
}

static void take_rom_event(struct sim_board *b)
{
	uint64_t at;

	switch (sim_bootloader_take_event(b->rom, &at)) {
	case SIM_ROM_EV_LEAVE:
		bus_leave(b, at, "DFU leave");
		rom_leave(b, at);
		break;
	case SIM_ROM_EV_OPTION_LOAD:
		if (b->cfg.ob_reset == L4_OB_RESET_SYSTEM) {
			sim_logf(&b->log, at, "rom: option bytes programmed; this profile's ROM "
					      "performs a plain system reset (no option load)");
			reset(b, L4_RESET_SYSTEM, at);
		} else {
			reset(b, L4_RESET_OPTION_LOAD, at);
		}
		break;
	case SIM_ROM_EV_POWER_LOSS:
		sim_logf(&b->log, at, "power: lost during the option-byte write (quirk "
				      "OB_POWER_LOSS); the board stays off until powered on");
		sim_board_power_off(b, at);
		break;
	case SIM_ROM_EV_NONE:
	default:
		break;
	}
}

enum usb_xfer_result sim_board_control(struct sim_board *b, struct usb_ctrl_xfer *x)
{
	enum usb_xfer_result res;

	x->actual = 0;
	if (!b->on_bus)
		return USB_XFER_NO_ANSWER;
	res = usb_device_control(b->on_bus, x);
	if (b->runs == SIM_RUNS_ROM) {
		take_rom_event(b);
	} else if (b->runs == SIM_RUNS_APP && sim_app_take_detach(b->app)) {
		bus_leave(b, x->now_us, "application DETACH");
		sim_logf(&b->log, x->now_us, "app: jump to system memory (ROM bootloader), no reset");
		run_rom(b, x->now_us);
	}
	return res;
}

void sim_board_bus_reset(struct sim_board *b, uint64_t now_us)
{
	if (!b->on_bus)
		return;
	if (b->runs == SIM_RUNS_ROM)
		sim_bootloader_bus_reset(b->rom, now_us);
	else
		sim_app_bus_reset(b->app, now_us);
}

/* ---- as a device on a port ---- */

static bool bus_on_bus(void *dev)
{
	return sim_board_on_bus(dev);
}

static uint32_t bus_generation(void *dev)
{
	return ((const struct sim_board *)dev)->bus_generation;
}

static enum usb_xfer_result bus_control(void *dev, struct usb_ctrl_xfer *x)
{
	return sim_board_control(dev, x);
}

static void bus_reset_op(void *dev, uint64_t now_us)
{
	sim_board_bus_reset(dev, now_us);
}

static const struct usb_device *bus_usb(void *dev)
{
	return ((const struct sim_board *)dev)->on_bus;
}

static const char *bus_serial(void *dev)
{
	return ((const struct sim_board *)dev)->serial;
}

static void bus_power(void *dev, bool on, uint64_t now_us)
{
	if (on)
		sim_board_power_on(dev, now_us);
	else
		sim_board_power_off(dev, now_us);
}

static const struct sim_bus_dev_ops board_bus_ops = {
	.on_bus = bus_on_bus,
	.generation = bus_generation,
	.control = bus_control,
	.bus_reset = bus_reset_op,
	.usb = bus_usb,
	.serial = bus_serial,
	.power = bus_power,
};

struct sim_bus_dev sim_board_bus_dev(struct sim_board *b)
{
	struct sim_bus_dev d = { &board_bus_ops, b };
	return d;
}

struct sim_board *sim_board_of_bus_dev(const struct sim_bus_dev *d)
{
	return d && d->ops == &board_bus_ops ? d->dev : NULL;
}

const char *sim_board_running_text(const struct sim_board *b, char *buf, size_t cap)
{
	switch (b->runs) {
	case SIM_RUNS_ROM:
		snprintf(buf, cap, "ROM DFU bootloader");
		break;
	case SIM_RUNS_APP:
	case SIM_RUNS_LOCKUP:
		sim_app_describe(b->app, buf, cap);
		break;
	case SIM_RUNS_SRAM:
		snprintf(buf, cap, "nothing modelled (booted SRAM1)");
		break;
	case SIM_RUNS_NOTHING:
	default:
		snprintf(buf, cap, "nothing (not powered)");
		break;
	}
	return buf;
}
