/* test_bus_device.c - the bus-device table (sim/bus_device.h) and its two
 * adaptors: a board and a plain DFU 1.1 device look the same to a port. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dfu/bytes.h"
#include "dfu/error.h"
#include "sim/bus_device.h"
#include "sim/dfu11_device.h"
#include "sim/sim_board.h"

/* GET_DESCRIPTOR(DEVICE) through the control operation. */
static uint16_t product_by_control(const struct sim_bus_dev *d, uint64_t now)
{
	uint8_t desc[18];
	struct usb_ctrl_xfer x = { .setup = { 0x80, 6, 0x0100, 0, 18 }, .in = desc,
				   .in_cap = sizeof(desc), .now_us = now };

	assert_int_equal(sim_bus_dev_control(d, &x), USB_XFER_OK);
	assert_int_equal(x.actual, 18);
	return dfu_get_le16(desc + 10);
}

static void test_a_board_is_a_valid_bus_device_that_finds_its_way_back(void **state)
{
	struct sim_board_config bc;
	struct sim_board b;
	struct sim_bus_dev d;
	uint32_t gen;

	(void)state;
	sim_board_config_default(&bc, l4_profile_find("stm32l412xb"), 0);
	assert_int_equal(sim_board_init(&b, &bc), 0);
	d = sim_board_bus_dev(&b);
	assert_true(sim_bus_dev_valid(&d));
	assert_ptr_equal(sim_board_of_bus_dev(&d), &b);
	assert_null(d.ops->tick);
	assert_false(sim_bus_dev_present(&d, 0));
	assert_null(sim_bus_dev_usb(&d));
	assert_int_equal(sim_bus_dev_power(&d, true, 0), 0);
	assert_true(sim_bus_dev_present(&d, 0));
	assert_ptr_equal(sim_bus_dev_usb(&d), b.on_bus);
	assert_string_equal(sim_bus_dev_serial(&d), b.serial);
	assert_int_equal(product_by_control(&d, 0), 0xDF11);
	gen = sim_bus_dev_generation(&d);
	assert_int_equal(sim_bus_dev_power(&d, false, 10), 0);
	assert_false(sim_bus_dev_on_bus(&d));
	assert_int_equal(sim_bus_dev_power(&d, true, 20), 0);
	assert_int_equal(sim_bus_dev_generation(&d), gen + 1);
	sim_board_free(&b);
}

static void test_a_dfu11_device_shows_the_personality_that_is_on_the_bus(void **state)
{
	struct sim_dfu11_config dc;
	struct sim_dfu11 f;
	struct sim_bus_dev d;

	(void)state;
	sim_dfu11_config_default(&dc, 3);
	assert_int_equal(sim_dfu11_init(&f, &dc), 0);
	d = sim_dfu11_bus_dev(&f);
	assert_true(sim_bus_dev_valid(&d));
	assert_null(sim_board_of_bus_dev(&d));
	assert_non_null(d.ops->tick);
	assert_string_equal(sim_bus_dev_serial(&d), "DFU11-0003");
	assert_ptr_equal(sim_bus_dev_usb(&d), &f.usb_dfu);
	assert_int_equal(product_by_control(&d, 0), SIM_DFU11_PID_DFU);

	/* Power off, then on once firmware is there: the firmware runs. */
	assert_int_equal(sim_bus_dev_power(&d, false, 0), 0);
	assert_false(sim_bus_dev_present(&d, 0));
	assert_null(sim_bus_dev_usb(&d));
	f.manifested = true;
	assert_int_equal(sim_bus_dev_power(&d, true, 0), 0);
	assert_ptr_equal(sim_bus_dev_usb(&d), &f.usb_app);
	assert_int_equal(product_by_control(&d, 0), SIM_DFU11_PID_APP);
	sim_dfu11_free(&f);
}

static void test_a_table_without_power_or_a_required_operation_is_told_apart(void **state)
{
	struct sim_dfu11_config dc;
	struct sim_dfu11 f;
	struct sim_bus_dev_ops ops;
	struct sim_bus_dev d = { &ops, NULL };

	(void)state;
	sim_dfu11_config_default(&dc, 0);
	assert_int_equal(sim_dfu11_init(&f, &dc), 0);
	ops = *sim_dfu11_bus_dev(&f).ops;
	d.dev = &f;
	ops.power = NULL;
	ops.tick = NULL;
	assert_true(sim_bus_dev_valid(&d)); /* both are optional */
	assert_int_equal(sim_bus_dev_power(&d, false, 0), DFU_E_UNSUPPORTED);
	assert_true(sim_bus_dev_on_bus(&d));
	ops.serial = NULL;
	assert_false(sim_bus_dev_valid(&d));
	assert_false(sim_bus_dev_valid(NULL));
	sim_dfu11_free(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_board_is_a_valid_bus_device_that_finds_its_way_back),
		cmocka_unit_test(test_a_dfu11_device_shows_the_personality_that_is_on_the_bus),
		cmocka_unit_test(test_a_table_without_power_or_a_required_operation_is_told_apart),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
