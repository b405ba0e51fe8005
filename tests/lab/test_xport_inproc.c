/* test_xport_inproc.c - the in-process transport: emulated boards on a
 * virtual bus, seen through the one transport table the flasher uses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "dfu/usb_desc.h"
#include "host/stm32_rom.h"
#include "lab/xport_inproc.h"
#include "sim/sim_board.h"
#include "lab_fixture.h"

struct fx {
	struct lab_fx lab;
	struct xport_dev_info seen[4];
	int nseen;
};

static int collect(void *ctx, const struct xport_dev_info *d)
{
	struct fx *f = ctx;
	if (f->nseen < 4)
		f->seen[f->nseen++] = *d;
	return 0;
}

static int stop_at_first(void *ctx, const struct xport_dev_info *d)
{
	(void)d;
	(*(int *)ctx)++;
	return 1;
}

/* Two L412s on an instant bus; the second one powered or not. */
static struct fx *fx_new(bool power_second)
{
	struct fx *f = calloc(1, sizeof(*f));
	const struct lab_fx_opts o = { .boards = 2, .unpowered = power_second ? 0 : 1u << 1 };

	assert_non_null(f);
	lab_fx_init(&f->lab, &o);
	return f;
}

static void fx_free(struct fx *f)
{
	lab_fx_fini(&f->lab);
	free(f);
}

static int enumerate(struct fx *f)
{
	f->nseen = 0;
	return xport_enumerate(&f->lab.x, collect, f);
}

static int get_status(struct fx *f, struct xport_handle *h, uint8_t out[6])
{
	struct dfu_setup s = dfu_setup_make(DFU_GETSTATUS, 0, 0, 6);
	return xport_control(&f->lab.x, h, &s, NULL, out, 1000);
}

static void test_enumeration_shows_the_rom_bootloader_with_its_strings(void **state)
{
	struct fx *f = fx_new(false);
	struct usb_device_desc dd;
	struct usb_config_iter it;
	struct usb_alt_info alt;
	struct stm32_rom_info rom;
	int alts = 0;
	(void)state;

	assert_int_equal(enumerate(f), 1); /* board 1 is not powered */
	assert_int_equal(f->nseen, 1);
	assert_int_equal(f->seen[0].vid, 0x0483);
	assert_int_equal(f->seen[0].pid, 0xDF11);
	assert_int_equal(f->seen[0].bcd_device, 0x2200);
	assert_string_equal(f->seen[0].path, "1-1");
	assert_string_equal(f->seen[0].serial, f->lab.b[0].serial);
	assert_int_equal(f->seen[0].enum_id, f->lab.b[0].bus_generation);
	assert_int_equal(usb_device_desc_decode(f->seen[0].device_desc, 18, &dd), 0);
	assert_string_equal(xport_dev_string(&f->seen[0], dd.iProduct), "STM32  BOOTLOADER");
	assert_string_equal(xport_dev_string(&f->seen[0], dd.iManufacturer), "STMicroelectronics");
	assert_int_equal(usb_config_iter_init(&it, f->seen[0].config, f->seen[0].config_len, NULL), 0);
	while (usb_config_next_alt(&it, &alt) == 1) {
		assert_true(alt.has_func);
		assert_int_equal(alt.func.wTransferSize, 2048);
		assert_non_null(xport_dev_string(&f->seen[0], alt.intf.iInterface));
		alts++;
	}
	assert_int_equal(alts, 4);
	assert_true(stm32_rom_identify(&f->seen[0], &rom));
	assert_true(rom.empty_check);
	assert_string_equal(rom.family, "STM32L41x-L46x");
	assert_int_equal(rom.flash_base, 0x08000000u);
	assert_int_equal(rom.flash_size, 128 * 1024);
	assert_int_equal(rom.ob_base, 0x1FFF7800u);
	assert_int_equal(rom.ob_size, 40);
	assert_int_equal(rom.ob_alt, 1);
	/* Enumeration is the host stack's: it configured the device once. */
	assert_int_equal(f->lab.t.enumerations, 1);
	assert_int_equal(enumerate(f), 1);
	assert_int_equal(f->lab.t.enumerations, 1);
	fx_free(f);
}

static void test_enumeration_can_stop_early(void **state)
{
	struct fx *f = fx_new(true);
	int calls = 0;
	(void)state;

	assert_int_equal(enumerate(f), 2);
	assert_string_equal(f->seen[1].path, "1-2");
	assert_int_equal(xport_enumerate(&f->lab.x, stop_at_first, &calls), 1);
	assert_int_equal(calls, 1);
	fx_free(f);
}

static void test_sleep_advances_the_virtual_clock_without_sleeping(void **state)
{
	struct fx *f = fx_new(false);
	struct timespec a, b;
	(void)state;

	clock_gettime(CLOCK_MONOTONIC, &a);
	xport_sleep_ms(&f->lab.x, 3600u * 1000u); /* an hour */
	clock_gettime(CLOCK_MONOTONIC, &b);
	assert_int_equal(xport_now_us(&f->lab.x), 3600ull * 1000000ull);
	assert_int_equal(f->lab.t.slept_us, 3600ull * 1000000ull);
	assert_true(b.tv_sec - a.tv_sec < 2);
	xport_inproc_advance_us(&f->lab.t, 5);
	assert_int_equal(xport_inproc_now_us(&f->lab.t), 3600ull * 1000000ull + 5);
	fx_free(f);
}

static void test_control_transfer_reaches_the_board(void **state)
{
	struct fx *f = fx_new(false);
	struct xport_handle *h;
	uint8_t st[6];
	struct dfu_status_reply r;
	(void)state;

	assert_int_equal(enumerate(f), 1);
	assert_int_equal(xport_open(&f->lab.x, &f->seen[0], &h), 0);
	assert_int_equal(get_status(f, h, st), 6);
	assert_int_equal(dfu_status_decode(st, 6, &r), 0);
	assert_int_equal(r.bState, DFU_STATE_IDLE);
	xport_close(&f->lab.x, h);
	fx_free(f);
}

static void test_a_stalled_request_gives_stall(void **state)
{
	struct fx *f = fx_new(false);
	struct xport_handle *h;
	uint8_t buf[64];
	/* A full-speed device has no device qualifier: it stalls. */
	struct dfu_setup s = { 0x80, USB_REQ_GET_DESCRIPTOR, USB_DT_DEVICE_QUALIFIER << 8, 0, 10 };
	(void)state;

	assert_int_equal(enumerate(f), 1);
	assert_int_equal(xport_open(&f->lab.x, &f->seen[0], &h), 0);
	assert_int_equal(xport_control(&f->lab.x, h, &s, NULL, buf, 1000), DFU_E_STALL);
	xport_close(&f->lab.x, h);
	fx_free(f);
}

static void test_handle_dies_when_the_device_enumerates_again(void **state)
{
	struct fx *f = fx_new(false);
	struct xport_handle *h;
	struct xport_dev_info old;
	uint8_t st[6];
	(void)state;

	assert_int_equal(enumerate(f), 1);
	old = f->seen[0];
	assert_int_equal(xport_open(&f->lab.x, &old, &h), 0);
	sim_board_press_reset(&f->lab.b[0], xport_now_us(&f->lab.x)); /* drops off, comes back */
	assert_int_equal(get_status(f, h, st), DFU_E_NODEV);
	xport_close(&f->lab.x, h);
	/* The stale description opens nothing. */
	assert_int_equal(xport_open(&f->lab.x, &old, &h), DFU_E_NODEV);
	assert_null(h);
	/* Enumerating again shows the same device, new enumeration. */
	assert_int_equal(enumerate(f), 1);
	assert_string_equal(f->seen[0].serial, old.serial);
	assert_string_equal(f->seen[0].path, old.path);
	assert_int_not_equal(f->seen[0].enum_id, old.enum_id);
	assert_int_not_equal(f->seen[0].devnum, old.devnum);
	assert_int_equal(xport_open(&f->lab.x, &f->seen[0], &h), 0);
	assert_int_equal(get_status(f, h, st), 6);
	xport_close(&f->lab.x, h);
	fx_free(f);
}

static void test_unpowered_board_is_gone(void **state)
{
	struct fx *f = fx_new(false);
	struct xport_handle *h;
	uint8_t st[6];
	(void)state;

	assert_int_equal(enumerate(f), 1);
	assert_int_equal(xport_open(&f->lab.x, &f->seen[0], &h), 0);
	sim_board_power_off(&f->lab.b[0], 0);
	assert_int_equal(get_status(f, h, st), DFU_E_NODEV);
	assert_int_equal(xport_reset(&f->lab.x, h), DFU_E_NODEV);
	xport_close(&f->lab.x, h);
	assert_int_equal(enumerate(f), 0);
	fx_free(f);
}

static void test_usb_reset_keeps_the_rom_device_usable(void **state)
{
	struct fx *f = fx_new(false);
	struct xport_handle *h;
	uint8_t st[6];
	uint64_t t0;
	(void)state;

	assert_int_equal(enumerate(f), 1);
	assert_int_equal(xport_open(&f->lab.x, &f->seen[0], &h), 0);
	t0 = xport_now_us(&f->lab.x);
	assert_int_equal(xport_reset(&f->lab.x, h), 0);
	assert_true(xport_now_us(&f->lab.x) >= t0 + 10000);
	assert_int_equal(get_status(f, h, st), 6);
	assert_int_equal(st[4], DFU_STATE_IDLE);
	xport_close(&f->lab.x, h);
	fx_free(f);
}

static void test_handles_are_a_fixed_pool(void **state)
{
	struct fx *f = fx_new(false);
	struct xport_handle *h[XPORT_INPROC_MAX_HANDLES + 1];
	struct dfu_setup s = dfu_setup_make(DFU_GETSTATUS, 0, 0, 6);
	uint8_t st[6];
	(void)state;

	assert_int_equal(enumerate(f), 1);
	for (int i = 0; i < XPORT_INPROC_MAX_HANDLES; i++)
		assert_int_equal(xport_open(&f->lab.x, &f->seen[0], &h[i]), 0);
	assert_int_equal(xport_open(&f->lab.x, &f->seen[0], &h[XPORT_INPROC_MAX_HANDLES]),
			 DFU_E_BUSY);
	xport_close(&f->lab.x, h[0]);
	/* A closed handle is refused, not used. */
	assert_int_equal(xport_control(&f->lab.x, h[0], &s, NULL, st, 1000), DFU_E_INVAL);
	assert_int_equal(xport_reset(&f->lab.x, h[0]), DFU_E_INVAL);
	xport_close(&f->lab.x, h[0]); /* twice: harmless */
	xport_close(&f->lab.x, NULL);
	for (int i = 1; i < XPORT_INPROC_MAX_HANDLES; i++)
		xport_close(&f->lab.x, h[i]);
	{
		struct xport_dev_info bogus = f->seen[0];
		bogus.ref = 99;
		assert_int_equal(xport_open(&f->lab.x, &bogus, &h[0]), DFU_E_NOTFOUND);
	}
	fx_free(f);
}

static void test_the_bus_model_charges_frames_and_packets(void **state)
{
	struct fx *f = fx_new(false);
	struct xport_handle *h;
	uint8_t st[6];
	uint64_t t0;
	(void)state;

	assert_int_equal(enumerate(f), 1);
	assert_int_equal(xport_open(&f->lab.x, &f->seen[0], &h), 0);
	t0 = xport_now_us(&f->lab.x);
	assert_int_equal(get_status(f, h, st), 6);
	assert_int_equal(xport_now_us(&f->lab.x), t0); /* instant bus by default */
	xport_inproc_set_bus(&f->lab.t, XPORT_INPROC_BUS_FULL_SPEED);
	assert_int_equal(get_status(f, h, st), 6);
	assert_int_equal(xport_now_us(&f->lab.x), t0 + 1000 + 50); /* one frame, one packet */
	xport_close(&f->lab.x, h);
	fx_free(f);
}

static void test_device_strings_are_kept_once_and_bounded(void **state)
{
	struct xport_dev_info *d = calloc(1, sizeof(*d));
	char big[300];
	(void)state;

	assert_non_null(d);
	assert_null(xport_dev_string(d, 0));
	assert_int_equal(xport_dev_add_string(d, 0, "x"), DFU_E_INVAL);
	assert_int_equal(xport_dev_add_string(d, 1, "one"), 0);
	assert_int_equal(xport_dev_add_string(d, 1, "again"), 0);
	assert_string_equal(xport_dev_string(d, 1), "one");
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(xport_dev_add_string(d, 2, big), 0);
	assert_int_equal(strlen(xport_dev_string(d, 2)), XPORT_STRING_MAX - 1);
	for (uint8_t i = 3; i <= XPORT_MAX_STRINGS; i++)
		assert_int_equal(xport_dev_add_string(d, i, "s"), 0);
	assert_int_equal(xport_dev_add_string(d, 200, "full"), DFU_E_NOSPACE);
	assert_null(xport_dev_string(d, 200));
	free(d);
}

static void test_result_names_match_the_table(void **state)
{
	(void)state;
	assert_string_equal(xport_result_name(6), "OK");
	assert_string_equal(xport_result_name(DFU_E_STALL), "STALL");
	assert_string_equal(xport_result_name(DFU_E_NODEV), "NO_DEVICE");
	assert_string_equal(xport_result_name(DFU_E_TIMEOUT), "TIMEOUT");
	assert_string_equal(xport_result_name(DFU_E_IO), "IO");
}

static void test_non_st_devices_are_not_taken_for_an_stm32_rom(void **state)
{
	struct fx *f = fx_new(false);
	struct stm32_rom_info rom;
	struct xport_dev_info d;
	(void)state;

	assert_int_equal(enumerate(f), 1);
	d = f->seen[0];
	d.pid = 0xDF12;
	assert_false(stm32_rom_identify(&d, &rom));
	assert_string_equal(rom.family, "not an STM32 ROM bootloader");
	d = f->seen[0];
	d.nstrings = 0; /* no alt names */
	assert_false(stm32_rom_identify(&d, &rom));
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_enumeration_shows_the_rom_bootloader_with_its_strings),
		cmocka_unit_test(test_enumeration_can_stop_early),
		cmocka_unit_test(test_sleep_advances_the_virtual_clock_without_sleeping),
		cmocka_unit_test(test_control_transfer_reaches_the_board),
		cmocka_unit_test(test_a_stalled_request_gives_stall),
		cmocka_unit_test(test_handle_dies_when_the_device_enumerates_again),
		cmocka_unit_test(test_unpowered_board_is_gone),
		cmocka_unit_test(test_usb_reset_keeps_the_rom_device_usable),
		cmocka_unit_test(test_handles_are_a_fixed_pool),
		cmocka_unit_test(test_the_bus_model_charges_frames_and_packets),
		cmocka_unit_test(test_device_strings_are_kept_once_and_bounded),
		cmocka_unit_test(test_result_names_match_the_table),
		cmocka_unit_test(test_non_st_devices_are_not_taken_for_an_stm32_rom),
	};
	return cmocka_run_group_tests_name("xport_inproc", tests, NULL, NULL);
}
