/* test_board_scenarios.c - whole boards driven the way dfu-util and a user
 * at the bench drive them: the "first flash" trap on a factory-new
 * STM32L412 and every way out of it, boot pins and option bits, RDP, the
 * leave actions and the application's DFU run-time interface. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sim/l4_app.h"
#include "sim/l4_bootloader.h"
#include "sim_host.h"

#define FLASH 0x08000000u
#define OB 0x1FFF7800u
#define MS 1000u

struct fx {
	struct sim_board *b;
	struct host h;
	uint8_t img[4096];
	uint64_t t;
};

static struct fx *fx_make(void (*tweak)(struct sim_board_config *))
{
	struct fx *f = calloc(1, sizeof(*f));
	struct sim_board_config cfg;

	assert_non_null(f);
	sim_board_config_default(&cfg, l4_profile_find("stm32l412xb"), 0);
	if (tweak)
		tweak(&cfg);
	f->b = board_new(&cfg);
	app_image(cfg.profile, f->img, sizeof(f->img), 5);
	f->t = 0;
	return f;
}

static int setup(void **state)
{
	*state = fx_make(NULL);
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	board_delete(f->b);
	free(f);
	return 0;
}

static uint64_t tick(struct fx *f)
{
	f->t = (f->h.now > f->t ? f->h.now : f->t) + 10 * MS;
	return f->t;
}

/* A host opens whatever enumerated last. */
static void attach(struct fx *f)
{
	assert_true(sim_board_on_bus(f->b));
	host_attach(&f->h, f->b, tick(f));
	host_enumerate(&f->h);
}

static void assert_rom_on_bus(struct fx *f)
{
	assert_true(sim_board_on_bus(f->b));
	assert_int_equal(f->b->runs, SIM_RUNS_ROM);
	assert_int_equal(dfu_get_le16(f->b->on_bus->device_desc + 10), SIM_ROM_PID);
	assert_string_equal(board_text(f->b), "ROM DFU bootloader");
}

static void assert_app_runs_silently(struct fx *f)
{
	assert_int_equal(f->b->runs, SIM_RUNS_APP);
	assert_false(sim_board_on_bus(f->b));
	assert_true(strncmp(board_text(f->b), "application (CRC32 0x", 21) == 0);
}

/* dfu-util -a 0 -s 0x08000000:mass-erase:force:leave -R -D fw.bin */
static void seed_command(struct fx *f, size_t len)
{
	attach(f);
	assert_int_equal(host_dfu_util_flash(&f->h, f->img, len), 0);
	assert_int_equal(f->h.host_violation, DFU_OK);
	/* -R: the device already left; DETACH meets nobody (dfu-util 0.11
	 * reports LIBUSB_ERROR_NOT_FOUND for the reset). */
	assert_int_equal(host_detach_and_reset(&f->h), USB_XFER_NO_ANSWER);
}

static void read_ob(struct fx *f, uint8_t ob[40])
{
	size_t got;

	attach(f);
	host_open(&f->h, 1);
	assert_int_equal(host_upload(&f->h, OB, ob, 40, &got), 0);
	assert_int_equal(got, 40);
}

static void write_ob(struct fx *f, const uint8_t ob[40])
{
	uint32_t gen = f->b->bus_generation;

	host_open(&f->h, 1);
	f->h.will_reset = true;
	assert_int_equal(host_download(&f->h, OB, ob, 40, false), 0);
	f->h.will_reset = false;
	assert_int_equal(f->h.st.bState, DFU_STATE_DNBUSY);
	assert_true(f->b->bus_generation != gen || !sim_board_on_bus(f->b));
	assert_int_equal(host_status(&f->h), USB_XFER_NO_ANSWER);
}

static void rewrite_optr(struct fx *f, void (*edit)(struct l4_optr *))
{
	uint8_t ob[40];
	struct l4_optr o;
	uint32_t optr;

	read_ob(f, ob);
	optr = dfu_get_le32(ob);
	l4_optr_decode(optr, &o);
	edit(&o);
	optr = l4_optr_encode(&o, optr);
	dfu_put_le32(ob, optr);
	dfu_put_le32(ob + 4, ~optr);
	write_ob(f, ob);
}

/* ---- the seed ---- */

static void test_leave_on_virgin_chip_reenters_bootloader(void **state)
{
	struct fx *f = *state;
	char serial[32];
	uint32_t gen;

	sim_board_power_on(f->b, tick(f));
	assert_rom_on_bus(f);
	assert_int_equal(f->b->bus_generation, 1);
	snprintf(serial, sizeof(serial), "%s", f->b->serial);
	gen = f->b->bus_generation;

	seed_command(f, sizeof(f->img));
	/* The image is in flash... */
	assert_memory_equal(f->b->chip.flash, f->img, sizeof(f->img));
	assert_true(l4_chip_app_valid(&f->b->chip, NULL, 0));
	/* ...but the device dropped off and came back as the bootloader. */
	assert_int_equal(f->b->bus_generation, gen + 1);
	assert_rom_on_bus(f);
	attach(f);
	{
		char s[32];

		host_string(&f->h, f->h.dev.iSerialNumber, s, sizeof(s));
		assert_string_equal(s, serial);
	}
	assert_logged(f->b, "leave action 'reset': system reset, PEMPTY stays latched at 1");
	assert_logged(f->b, "PEMPTY=1 (latched since power-on) -> system memory");
}

static void test_reset_after_first_flash_still_boots_bootloader_until_power_cycle(void **state)
{
	struct fx *f = *state;
	uint32_t gen;

	sim_board_power_on(f->b, tick(f));
	seed_command(f, sizeof(f->img));
	gen = f->b->bus_generation;

	sim_board_press_reset(f->b, tick(f));
	assert_rom_on_bus(f);
	assert_int_equal(f->b->bus_generation, gen + 1);
	sim_board_press_reset(f->b, tick(f));
	assert_rom_on_bus(f);

	sim_board_power_cycle(f->b, tick(f));
	assert_app_runs_silently(f);
	assert_int_equal(f->b->chip.pempty, 0);
	assert_logged(f->b, "PEMPTY=0 (sampled at this reset) -> main flash");
	/* And every reset from now on. */
	sim_board_press_reset(f->b, tick(f));
	assert_app_runs_silently(f);
}

static void test_second_flash_on_a_programmed_chip_runs_the_application(void **state)
{
	struct fx *f = *state;

	sim_board_power_on(f->b, tick(f));
	seed_command(f, sizeof(f->img));
	sim_board_power_cycle(f->b, tick(f));
	assert_app_runs_silently(f);

	/* Into the ROM with the BOOT0 button, which is let go before leave. */
	sim_board_set_boot0(f->b, true, tick(f));
	sim_board_press_reset(f->b, tick(f));
	assert_rom_on_bus(f);
	sim_board_set_boot0(f->b, false, tick(f));
	app_image(f->b->chip.p, f->img, sizeof(f->img), 77);
	seed_command(f, sizeof(f->img));
	/* PEMPTY was sampled 0 at the last power-on; the mass erase did not
	 * change it, so leave's reset boots the new application. */
	assert_app_runs_silently(f);
	assert_memory_equal(f->b->chip.flash, f->img, sizeof(f->img));
}

static void test_option_byte_rewrite_over_dfu_is_the_dfu_only_remedy(void **state)
{
	struct fx *f = *state;
	uint8_t ob[40];
	uint32_t before;

	sim_board_power_on(f->b, tick(f));
	seed_command(f, sizeof(f->img));
	assert_rom_on_bus(f);
	before = f->b->chip.optr;

	/* dfu-util -a 1 -s 0x1FFF7800:40 -U ob.bin, then
	 * dfu-util -a 1 -s 0x1FFF7800:will-reset -D ob.bin */
	read_ob(f, ob);
	write_ob(f, ob);
	assert_logged(f->b, "reset: option-byte load");
	assert_logged(f->b, "PEMPTY=0 (sampled at this reset) -> main flash");
	assert_app_runs_silently(f);
	assert_int_equal(f->b->chip.optr, before);
}

static void boot_from_nboot0(struct l4_optr *o)
{
	o->nswboot0 = false;
	o->nboot0 = true;
}

static void sram_on_boot0(struct l4_optr *o)
{
	o->nboot1 = false;
}

static void rdp_level2(struct l4_optr *o)
{
	o->rdp = L4_RDP_LEVEL2;
}

/* Program without leaving: PEMPTY stays latched at 1. */
static void flash_only(struct fx *f)
{
	attach(f);
	host_open(&f->h, 0);
	assert_int_equal(host_download(&f->h, FLASH, f->img, sizeof(f->img), true), 0);
	assert_int_equal(f->b->chip.pempty, 1);
}

static void test_nswboot0_0_nboot0_1_runs_the_application_at_every_reset(void **state)
{
	struct fx *f = *state;

	sim_board_power_on(f->b, tick(f));
	flash_only(f);
	rewrite_optr(f, boot_from_nboot0);
	assert_app_runs_silently(f);
	assert_logged(f->b, "nSWBOOT0=0, nBOOT0=1 -> main flash (BOOT0 pin and PEMPTY ignored)");
	/* The BOOT0 pin no longer selects the bootloader: the side effect. */
	sim_board_set_boot0(f->b, true, tick(f));
	sim_board_press_reset(f->b, tick(f));
	assert_app_runs_silently(f);
	sim_board_power_cycle(f->b, tick(f));
	assert_app_runs_silently(f);
}

static void test_nswboot0_0_nboot0_1_boots_empty_flash_despite_pempty(void **state)
{
	struct fx *f = *state;

	sim_board_power_on(f->b, tick(f));
	rewrite_optr(f, boot_from_nboot0);
	/* PEMPTY is 1 (flash erased) and ignored: main flash, which holds no
	 * vector table, so the core locks up and nothing is on the bus. */
	assert_int_equal(f->b->chip.pempty, 1);
	assert_int_equal(f->b->runs, SIM_RUNS_LOCKUP);
	assert_false(sim_board_on_bus(f->b));
	assert_true(strncmp(board_text(f->b), "nothing (lockup: initial SP 0xFFFFFFFF", 38) == 0);
	assert_logged(f->b, "-> lockup, nothing on the USB bus");
}

static void boot0_high(struct sim_board_config *cfg)
{
	cfg->boot0 = true;
}

static void test_boot0_high_always_boots_the_bootloader(void **state)
{
	struct fx *f = fx_make(boot0_high);

	(void)state;
	sim_board_power_on(f->b, tick(f));
	assert_rom_on_bus(f);
	seed_command(f, sizeof(f->img));
	assert_rom_on_bus(f);
	sim_board_press_reset(f->b, tick(f));
	assert_rom_on_bus(f);
	sim_board_power_cycle(f->b, tick(f));
	assert_rom_on_bus(f);
	assert_logged(f->b, "BOOT0 pin=1, nSWBOOT0=1, nBOOT1=1 -> system memory");
	/* Let go of BOOT0: the next power-on runs the application. */
	sim_board_set_boot0(f->b, false, tick(f));
	sim_board_power_cycle(f->b, tick(f));
	assert_app_runs_silently(f);
	teardown((void **)&f);
}

static void test_nboot1_0_with_boot0_high_selects_sram(void **state)
{
	struct fx *f = fx_make(boot0_high);

	(void)state;
	sim_board_power_on(f->b, tick(f));
	rewrite_optr(f, sram_on_boot0);
	assert_int_equal(f->b->runs, SIM_RUNS_SRAM);
	assert_false(sim_board_on_bus(f->b));
	assert_string_equal(board_text(f->b), "nothing modelled (booted SRAM1)");
	assert_logged(f->b, "BOOT0 pin=1, nSWBOOT0=1, nBOOT1=0 -> SRAM1");
	teardown((void **)&f);
}

static void test_rdp2_locks_the_bootloader_out_for_good(void **state)
{
	struct fx *f = *state;

	sim_board_power_on(f->b, tick(f));
	flash_only(f);
	rewrite_optr(f, rdp_level2);
	assert_int_equal(l4_chip_rdp_level(&f->b->chip), 2);
	assert_app_runs_silently(f);
	assert_logged(f->b, "RDP level 2 -> main flash");
	/* No pin, reset or power cycle brings the ROM back. */
	sim_board_set_boot0(f->b, true, tick(f));
	sim_board_press_reset(f->b, tick(f));
	assert_app_runs_silently(f);
	sim_board_power_cycle(f->b, tick(f));
	assert_app_runs_silently(f);
	assert_int_equal(f->b->chip.reset_count[L4_RESET_POWER_ON], 2);
}

/* libusb_reset_device on the ROM: the bootloader stays usable (regression:
 * the reset once cleared the DFU state machine's configuration). */
static void test_a_bus_reset_leaves_the_bootloader_usable(void **state)
{
	struct fx *f = *state;

	sim_board_power_on(f->b, tick(f));
	sim_board_bus_reset(f->b, tick(f));
	seed_command(f, sizeof(f->img));
	assert_rom_on_bus(f);
	sim_board_power_cycle(f->b, tick(f));
	assert_app_runs_silently(f);
}

static void ob_plain_system_reset(struct sim_board_config *cfg)
{
	cfg->ob_reset = L4_OB_RESET_SYSTEM;
}

/* The knob for the least certain fact ([model-ob-write]): if
 * the ROM's reset after an option-byte write is a plain system reset, the
 * option-byte remedy does not clear PEMPTY and the chip stays in the ROM. */
static void test_option_rewrite_with_a_plain_system_reset_leaves_the_trap_in_place(void **state)
{
	struct fx *f = fx_make(ob_plain_system_reset);
	uint8_t ob[40];

	(void)state;
	sim_board_power_on(f->b, tick(f));
	seed_command(f, sizeof(f->img));
	assert_rom_on_bus(f);
	read_ob(f, ob);
	write_ob(f, ob);
	assert_logged(f->b, "performs a plain system reset (no option load)");
	assert_logged(f->b, "PEMPTY=1 (latched since power-on) -> system memory");
	assert_rom_on_bus(f);
	sim_board_power_cycle(f->b, tick(f));
	assert_app_runs_silently(f);
	board_delete(f->b);
	free(f);
}

static void leave_jump(struct sim_board_config *cfg)
{
	cfg->leave = L4_LEAVE_JUMP;
}

static void test_leave_action_jump_runs_the_application_until_the_next_reset(void **state)
{
	struct fx *f = fx_make(leave_jump);
	uint8_t second[2048];

	(void)state;
	sim_board_power_on(f->b, tick(f));
	seed_command(f, sizeof(f->img));
	assert_app_runs_silently(f);
	assert_int_equal(f->b->chip.running, L4_BOOT_SYSTEM); /* no reset happened */
	assert_logged(f->b, "leave action 'jump': to the vector table at 0x08000000");
	/* The next reset still sees the latched PEMPTY. */
	sim_board_press_reset(f->b, tick(f));
	assert_rom_on_bus(f);

	/* A jump to a second vector table at the address pointer. */
	app_image(f->b->chip.p, second, sizeof(second), 1);
	attach(f);
	host_open(&f->h, 0);
	assert_int_equal(host_download(&f->h, FLASH + 0x4000, second, sizeof(second), false), 0);
	assert_int_equal(host_leave(&f->h, FLASH + 0x4000), 0);
	assert_app_runs_silently(f);
	assert_logged(f->b, "application runs from 0x08004000");

	/* Nothing executable at the pointer: the ROM resets instead. */
	sim_board_press_reset(f->b, tick(f));
	attach(f);
	host_open(&f->h, 0);
	assert_int_equal(host_leave(&f->h, FLASH + 0x8000), 0);
	assert_rom_on_bus(f);
	assert_logged(f->b, "the ROM resets instead");
	teardown((void **)&f);
}

static void test_leave_action_reset_on_empty_flash_comes_back_as_the_bootloader(void **state)
{
	struct fx *f = *state;
	uint32_t gen;

	sim_board_power_on(f->b, tick(f));
	attach(f);
	host_open(&f->h, 0);
	gen = f->b->bus_generation;
	assert_int_equal(host_leave(&f->h, FLASH), 0);
	assert_int_equal(f->b->bus_generation, gen + 1);
	assert_rom_on_bus(f);
	assert_int_equal(f->b->chip.reset_count[L4_RESET_SYSTEM], 1);
}

/* ---- the application's run-time interface ---- */

static void runtime_app(struct sim_board_config *cfg)
{
	cfg->app = SIM_APP_DFU_RUNTIME;
}

static void test_runtime_application_detach_enters_the_bootloader(void **state)
{
	struct fx *f = fx_make(runtime_app);
	struct usb_config_iter it;
	struct usb_alt_info alt;
	uint8_t buf[8];
	struct dfu_status_reply st;
	uint32_t gen;
	size_t n = 0;
	char s[64];

	(void)state;
	sim_board_power_on(f->b, tick(f));
	seed_command(f, sizeof(f->img));
	sim_board_power_cycle(f->b, tick(f));
	assert_int_equal(f->b->runs, SIM_RUNS_APP);
	assert_true(sim_board_on_bus(f->b));
	assert_non_null(strstr(board_text(f->b), ", DFU run-time interface)"));

	attach(f);
	assert_int_equal(f->h.dev.idVendor, SIM_APP_VID);
	assert_int_equal(f->h.dev.idProduct, SIM_APP_PID);
	host_string(&f->h, f->h.dev.iSerialNumber, s, sizeof(s));
	assert_string_equal(s, f->b->serial);
	assert_int_equal(usb_config_iter_init(&it, f->h.config, f->h.config_len, NULL), DFU_OK);
	assert_int_equal(usb_config_next_alt(&it, &alt), 1);
	assert_int_equal(alt.intf.bInterfaceClass, 0xFE);
	assert_int_equal(alt.intf.bInterfaceSubClass, 1);
	assert_int_equal(alt.intf.bInterfaceProtocol, 1);
	assert_true(alt.has_func);
	assert_int_equal(alt.func.bmAttributes, 0x0B);
	assert_int_equal(usb_config_next_alt(&it, &alt), 0);

	/* appIDLE; what DFU 1.1 forbids there stalls without leaving it. */
	assert_int_equal(host_xfer(&f->h, 0xA1, DFU_GETSTATUS, 0, 0, 6, NULL, buf, &n), USB_XFER_OK);
	assert_int_equal(dfu_status_decode(buf, n, &st), DFU_OK);
	assert_int_equal(st.bState, DFU_STATE_APP_IDLE);
	assert_int_equal(host_xfer(&f->h, 0xA1, DFU_UPLOAD, 2, 0, 8, NULL, buf, &n), USB_XFER_STALL);
	assert_int_equal(host_xfer(&f->h, 0xC1, 0, 0, 0, 8, NULL, buf, &n), USB_XFER_STALL);
	assert_int_equal(host_xfer(&f->h, 0xA1, DFU_GETSTATE, 0, 0, 1, NULL, buf, &n), USB_XFER_OK);
	assert_int_equal(buf[0], DFU_STATE_APP_IDLE);
	/* A bus reset in appIDLE keeps the application. */
	gen = f->b->bus_generation;
	sim_board_bus_reset(f->b, tick(f));
	assert_int_equal(f->b->runs, SIM_RUNS_APP);
	assert_int_equal(f->b->bus_generation, gen);

	/* dfu-util -d 0483:df12,0483:df11 -e: DETACH; bitWillDetach. */
	host_enumerate(&f->h);
	assert_int_equal(host_xfer(&f->h, 0x21, DFU_DETACH, 1000, 0, 0, NULL, NULL, NULL),
			 USB_XFER_OK);
	assert_int_equal(f->b->bus_generation, gen + 1);
	assert_rom_on_bus(f);
	assert_logged(f->b, "DFU_DETACH (wTimeout 1000 ms): the application jumps to the ROM");
	attach(f);
	host_string(&f->h, f->h.dev.iSerialNumber, s, sizeof(s));
	assert_string_equal(s, f->b->serial);
	host_open(&f->h, 0);
	/* The ROM was entered by a jump: a reset runs the application again. */
	sim_board_press_reset(f->b, tick(f));
	assert_int_equal(f->b->runs, SIM_RUNS_APP);
	teardown((void **)&f);
}

/* ---- the physical world ---- */

static void test_a_board_off_answers_nothing_and_ignores_its_reset_button(void **state)
{
	struct fx *f = *state;
	struct usb_ctrl_xfer x;

	assert_string_equal(board_text(f->b), "nothing (not powered)");
	memset(&x, 0, sizeof(x));
	x.setup = dfu_setup_make(DFU_GETSTATE, 0, 0, 1);
	assert_int_equal(sim_board_control(f->b, &x), USB_XFER_NO_ANSWER);
	sim_board_press_reset(f->b, tick(f));
	assert_false(f->b->chip.powered);
	assert_logged(f->b, "NRST pressed, but the board is not powered");
	sim_board_bus_reset(f->b, tick(f));

	sim_board_power_on(f->b, tick(f));
	sim_board_power_on(f->b, tick(f)); /* already on: nothing happens */
	assert_int_equal(f->b->bus_generation, 1);
	assert_int_equal(f->b->chip.reset_count[L4_RESET_POWER_ON], 1);
	sim_board_power_off(f->b, tick(f));
	assert_false(sim_board_on_bus(f->b));
	assert_logged(f->b, "disconnects (power off)");
}

static void test_default_configs_give_each_board_its_own_uid(void **state)
{
	const struct l4_profile *p = l4_profile_find("stm32l412xb");
	struct sim_board_config a, b;
	struct sim_board *bad = calloc(1, sizeof(*bad));

	(void)state;
	sim_board_config_default(&a, p, 0);
	sim_board_config_default(&b, p, 1);
	assert_memory_not_equal(a.uid, b.uid, sizeof(a.uid));
	assert_int_equal(a.leave, p->leave_action);
	assert_int_equal(a.timing, SIM_TIMING_INSTANT);
	assert_int_equal(a.app, SIM_APP_SILENT);
	assert_null(a.serial);
	sim_board_config_default(&a, NULL, 0);
	assert_int_equal(sim_board_init(bad, &a), DFU_E_INVAL);
	assert_int_equal(sim_board_init(bad, NULL), DFU_E_INVAL);
	free(bad);
}

static void test_the_application_model_judges_vector_tables_anywhere_in_flash(void **state)
{
	struct fx *f = *state;
	struct l4_chip *c = &f->b->chip;
	struct sim_app *a;
	char why[160], text[160];

	assert_int_equal(sim_app_new(&a, NULL, NULL, SIM_APP_SILENT, "x"), DFU_E_INVAL);
	assert_int_equal(l4_chip_preload(c, FLASH + 0x1000, f->img, 8), DFU_OK);
	assert_true(sim_app_vector_valid(c, FLASH + 0x1000, why, sizeof(why)));
	assert_false(sim_app_vector_valid(c, FLASH + 0x1002, why, sizeof(why)));
	assert_non_null(strstr(why, "is not a word in main flash"));
	assert_false(sim_app_vector_valid(c, FLASH + 128 * 1024 - 4, why, sizeof(why)));
	assert_false(sim_app_vector_valid(c, 0x20000000, why, sizeof(why)));
	assert_false(sim_app_vector_valid(c, FLASH + 0x2000, why, sizeof(why)));
	assert_non_null(strstr(why, "initial SP 0xFFFFFFFF"));
	{
		uint8_t even[8];

		dfu_put_le32(even, 0x20008000);
		dfu_put_le32(even + 4, 0x08000100);
		assert_int_equal(l4_chip_preload(c, FLASH + 0x3000, even, 8), DFU_OK);
	}
	assert_false(sim_app_vector_valid(c, FLASH + 0x3000, why, sizeof(why)));
	assert_non_null(strstr(why, "is not a Thumb address"));

	/* Without a log, and before or after it runs. */
	assert_int_equal(sim_app_new(&a, c, NULL, SIM_APP_SILENT, NULL), DFU_OK);
	assert_string_equal(sim_app_describe(a, text, sizeof(text)),
			    "nothing (application not running)");
	assert_true(sim_app_start(a, FLASH + 0x1000, 0));
	assert_true(sim_app_running(a));
	assert_null(sim_app_usb(a));
	sim_app_stop(a);
	assert_false(sim_app_running(a));
	sim_app_bus_reset(a, 0);
	assert_false(sim_app_start(a, FLASH, 0));
	assert_false(sim_app_take_detach(a));
	sim_app_free(a);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_leave_on_virgin_chip_reenters_bootloader),
		T(test_reset_after_first_flash_still_boots_bootloader_until_power_cycle),
		T(test_second_flash_on_a_programmed_chip_runs_the_application),
		T(test_option_byte_rewrite_over_dfu_is_the_dfu_only_remedy),
		T(test_a_bus_reset_leaves_the_bootloader_usable),
		cmocka_unit_test(test_option_rewrite_with_a_plain_system_reset_leaves_the_trap_in_place),
		T(test_nswboot0_0_nboot0_1_runs_the_application_at_every_reset),
		T(test_nswboot0_0_nboot0_1_boots_empty_flash_despite_pempty),
		cmocka_unit_test(test_boot0_high_always_boots_the_bootloader),
		cmocka_unit_test(test_nboot1_0_with_boot0_high_selects_sram),
		T(test_rdp2_locks_the_bootloader_out_for_good),
		cmocka_unit_test(test_leave_action_jump_runs_the_application_until_the_next_reset),
		T(test_leave_action_reset_on_empty_flash_comes_back_as_the_bootloader),
		cmocka_unit_test(test_runtime_application_detach_enters_the_bootloader),
		T(test_a_board_off_answers_nothing_and_ignores_its_reset_button),
		cmocka_unit_test(test_default_configs_give_each_board_its_own_uid),
		T(test_the_application_model_judges_vector_tables_anywhere_in_flash),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
