/* test_usb_device.c - the emulator's small USB device core: descriptors,
 * the chapter 9 standard requests, what it stalls, and how class requests
 * reach the driver. A fake class driver records what it is given. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "dfu/bytes.h"
#include "dfu/error.h"
#include "dfu/usb_desc.h"
#include "sim/usb_device.h"

struct drv_log {
	int control_calls;
	struct dfu_setup last;
	size_t last_out_len;
	int set_alt_calls;
	uint8_t last_intf, last_alt;
	int configured_calls;
	uint8_t config_value;
};

static struct drv_log dl;

static enum usb_xfer_result fake_control(void *ctx, struct usb_device *dev, struct usb_ctrl_xfer *x)
{
	static const uint8_t reply[3] = { 0xAB, 0xCD, 0xEF };

	(void)ctx;
	(void)dev;
	dl.control_calls++;
	dl.last = x->setup;
	dl.last_out_len = x->out_len;
	if (x->setup.bRequest == 0x7F)
		return USB_XFER_STALL;
	if (dfu_setup_is_in(&x->setup))
		return usb_ctrl_reply(x, reply, sizeof(reply));
	return USB_XFER_OK;
}

static void fake_set_alt(void *ctx, uint8_t intf, uint8_t alt)
{
	(void)ctx;
	dl.set_alt_calls++;
	dl.last_intf = intf;
	dl.last_alt = alt;
}

static void fake_configured(void *ctx, uint8_t value)
{
	(void)ctx;
	dl.configured_calls++;
	dl.config_value = value;
}

static struct usb_device dev;

/* A device with two interfaces: 0 with three alts, 1 with one; remote
 * wakeup capable, bus-powered, and a class descriptor after interface 1. */
static int setup(void **state)
{
	const struct usb_device_desc dd = {
		.bcdUSB = 0x0200, .bMaxPacketSize0 = 64, .idVendor = 0x1209, .idProduct = 0x0001,
		.bcdDevice = 0x0100, .iManufacturer = 1, .iProduct = 2, .iSerialNumber = 3,
		.bNumConfigurations = 1,
	};
	const struct usb_config_desc cd = { .bConfigurationValue = 7,
					    .bmAttributes = 0x80 | 0x20,
					    .bMaxPower = 10 };
	const struct usb_class_driver drv = { fake_control, fake_set_alt, fake_configured, NULL };
	static const uint8_t classdesc[5] = { 5, 0x24, 1, 2, 3 };
	struct usb_interface_desc id = { 0, 0, 0, 0xFF, 0, 0, 4 };
	int i;

	(void)state;
	memset(&dl, 0, sizeof(dl));
	assert_int_equal(usb_device_init(&dev, &dd, &cd, &drv), DFU_OK);
	assert_int_equal(usb_device_add_string(&dev, "Maker"), 1);
	assert_int_equal(usb_device_add_string(&dev, "Gadget \xC3\xA9"), 2);
	assert_int_equal(usb_device_add_string(&dev, "0001"), 3);
	assert_int_equal(usb_device_add_string(&dev, "alt"), 4);
	for (i = 0; i < 3; i++) {
		id.bAlternateSetting = (uint8_t)i;
		assert_int_equal(usb_device_add_interface(&dev, &id), DFU_OK);
	}
	id.bInterfaceNumber = 1;
	id.bAlternateSetting = 0;
	assert_int_equal(usb_device_add_interface(&dev, &id), DFU_OK);
	assert_int_equal(usb_device_add_raw(&dev, classdesc, sizeof(classdesc)), DFU_OK);
	return 0;
}

static enum usb_xfer_result req(uint8_t type, uint8_t request, uint16_t wValue, uint16_t wIndex,
				uint16_t wLength, uint8_t *buf, size_t *actual)
{
	struct usb_ctrl_xfer x;
	enum usb_xfer_result r;

	memset(&x, 0, sizeof(x));
	x.setup.bmRequestType = type;
	x.setup.bRequest = request;
	x.setup.wValue = wValue;
	x.setup.wIndex = wIndex;
	x.setup.wLength = wLength;
	if (type & 0x80) {
		x.in = buf;
		x.in_cap = wLength;
	} else {
		x.out = buf;
		x.out_len = wLength;
	}
	r = usb_device_control(&dev, &x);
	if (actual)
		*actual = x.actual;
	return r;
}

static void configure(void)
{
	assert_int_equal(req(0x00, USB_REQ_SET_CONFIGURATION, 7, 0, 0, NULL, NULL), USB_XFER_OK);
}

static void test_device_descriptor_is_returned_cut_to_wlength(void **state)
{
	uint8_t buf[64];
	struct usb_device_desc d;
	size_t n = 0;

	(void)state;
	assert_int_equal(req(0x80, USB_REQ_GET_DESCRIPTOR, 0x0100, 0, 64, buf, &n), USB_XFER_OK);
	assert_int_equal(n, 18);
	assert_int_equal(usb_device_desc_decode(buf, n, &d), DFU_OK);
	assert_int_equal(d.idVendor, 0x1209);
	assert_int_equal(req(0x80, USB_REQ_GET_DESCRIPTOR, 0x0100, 0, 8, buf, &n), USB_XFER_OK);
	assert_int_equal(n, 8);
	assert_int_equal(req(0x80, USB_REQ_GET_DESCRIPTOR, 0x0101, 0, 18, buf, &n), USB_XFER_STALL);
}

static void test_configuration_blob_counts_its_interfaces_and_length(void **state)
{
	uint8_t buf[128];
	struct usb_config_desc cd;
	struct usb_config_iter it;
	struct usb_alt_info alt;
	size_t n = 0;
	int alts = 0;

	(void)state;
	assert_int_equal(req(0x80, USB_REQ_GET_DESCRIPTOR, 0x0200, 0, 9, buf, &n), USB_XFER_OK);
	assert_int_equal(n, 9);
	assert_int_equal(usb_config_desc_decode(buf, n, &cd), DFU_OK);
	assert_int_equal(cd.wTotalLength, 9 + 4 * 9 + 5);
	assert_int_equal(cd.bNumInterfaces, 2);
	assert_int_equal(req(0x80, USB_REQ_GET_DESCRIPTOR, 0x0200, 0, 255, buf, &n), USB_XFER_OK);
	assert_int_equal(n, cd.wTotalLength);
	assert_int_equal(usb_config_iter_init(&it, buf, n, NULL), DFU_OK);
	while (usb_config_next_alt(&it, &alt) == 1)
		alts++;
	assert_int_equal(alts, 4);
	/* A class-specific descriptor asked for directly, to the interface too. */
	assert_int_equal(req(0x80, USB_REQ_GET_DESCRIPTOR, 0x2400, 0, 64, buf, &n), USB_XFER_OK);
	assert_int_equal(n, 5);
	assert_int_equal(req(0x81, USB_REQ_GET_DESCRIPTOR, 0x2400, 0, 64, buf, &n), USB_XFER_OK);
	assert_int_equal(req(0x81, USB_REQ_GET_DESCRIPTOR, 0x2100, 0, 64, buf, &n), USB_XFER_STALL);
	assert_int_equal(req(0x81, USB_REQ_GET_DESCRIPTOR, 0x0100, 0, 64, buf, &n), USB_XFER_STALL);
	assert_int_equal(req(0x82, USB_REQ_GET_DESCRIPTOR, 0x0100, 0, 64, buf, &n), USB_XFER_STALL);
}

static void test_string_zero_lists_langid_0409_and_strings_are_utf16(void **state)
{
	uint8_t buf[255];
	uint16_t lang[4];
	char s[64];
	size_t n = 0;

	(void)state;
	assert_int_equal(req(0x80, USB_REQ_GET_DESCRIPTOR, 0x0300, 0, 255, buf, &n), USB_XFER_OK);
	assert_int_equal(usb_langid_desc_decode(buf, n, lang, 4), 1);
	assert_int_equal(lang[0], USB_LANGID_EN_US);
	assert_int_equal(req(0x80, USB_REQ_GET_DESCRIPTOR, 0x0302, 0x0409, 255, buf, &n),
			 USB_XFER_OK);
	assert_int_equal(usb_string_desc_decode(buf, n, s, sizeof(s)), 9);
	assert_string_equal(s, "Gadget \xC3\xA9");
	assert_int_equal(req(0x80, USB_REQ_GET_DESCRIPTOR, 0x0302, 0x0409, 2, buf, &n), USB_XFER_OK);
	assert_int_equal(n, 2);
	assert_int_equal(buf[0], 2 + 2 * 8);
}

static void test_string_indexes_past_the_last_stall(void **state)
{
	uint8_t buf[255];

	(void)state;
	assert_int_equal(req(0x80, USB_REQ_GET_DESCRIPTOR, 0x0305, 0x0409, 255, buf, NULL),
			 USB_XFER_STALL);
	assert_int_equal(req(0x80, USB_REQ_GET_DESCRIPTOR, 0x03FF, 0x0409, 255, buf, NULL),
			 USB_XFER_STALL);
}

static void test_device_qualifier_bos_and_other_speed_stall(void **state)
{
	uint8_t buf[64];

	(void)state;
	assert_int_equal(req(0x80, USB_REQ_GET_DESCRIPTOR, 0x0600, 0, 10, buf, NULL),
			 USB_XFER_STALL);
	assert_int_equal(req(0x80, USB_REQ_GET_DESCRIPTOR, 0x0700, 0, 9, buf, NULL),
			 USB_XFER_STALL);
	assert_int_equal(req(0x80, USB_REQ_GET_DESCRIPTOR, 0x0F00, 0, 5, buf, NULL),
			 USB_XFER_STALL);
}

static void test_unknown_and_wrong_direction_standard_requests_stall(void **state)
{
	uint8_t buf[8] = { 0 };

	(void)state;
	assert_int_equal(req(0x00, USB_REQ_SET_DESCRIPTOR, 0x0100, 0, 0, NULL, NULL),
			 USB_XFER_STALL);
	assert_int_equal(req(0x82, USB_REQ_SYNCH_FRAME, 0, 0x81, 2, buf, NULL), USB_XFER_STALL);
	assert_int_equal(req(0x80, 0x42, 0, 0, 2, buf, NULL), USB_XFER_STALL);
	assert_int_equal(req(0x00, USB_REQ_GET_DESCRIPTOR, 0x0100, 0, 0, NULL, NULL),
			 USB_XFER_STALL);
	assert_int_equal(req(0x80, USB_REQ_SET_CONFIGURATION, 7, 0, 0, buf, NULL), USB_XFER_STALL);
	assert_int_equal(req(0x01, USB_REQ_SET_CONFIGURATION, 7, 0, 0, NULL, NULL),
			 USB_XFER_STALL);
	assert_int_equal(req(0x81, USB_REQ_GET_CONFIGURATION, 0, 0, 1, buf, NULL), USB_XFER_STALL);
}

static void test_set_address_is_accepted_and_meaningless(void **state)
{
	(void)state;
	assert_int_equal(req(0x00, USB_REQ_SET_ADDRESS, 5, 0, 0, NULL, NULL), USB_XFER_OK);
	assert_int_equal(req(0x00, USB_REQ_SET_ADDRESS, 200, 0, 0, NULL, NULL), USB_XFER_STALL);
	assert_int_equal(req(0x01, USB_REQ_SET_ADDRESS, 5, 0, 0, NULL, NULL), USB_XFER_STALL);
}

static void test_set_configuration_tells_the_driver_and_get_configuration_reports_it(void **state)
{
	uint8_t one = 0xFF;
	size_t n = 0;

	(void)state;
	assert_int_equal(req(0x80, USB_REQ_GET_CONFIGURATION, 0, 0, 1, &one, &n), USB_XFER_OK);
	assert_int_equal(n, 1);
	assert_int_equal(one, 0);
	assert_int_equal(req(0x00, USB_REQ_SET_CONFIGURATION, 1, 0, 0, NULL, NULL),
			 USB_XFER_STALL);
	configure();
	assert_int_equal(dl.configured_calls, 1);
	assert_int_equal(dl.config_value, 7);
	assert_int_equal(req(0x80, USB_REQ_GET_CONFIGURATION, 0, 0, 1, &one, &n), USB_XFER_OK);
	assert_int_equal(one, 7);
	/* Back to the address state; the driver is told only of non-zero. */
	assert_int_equal(req(0x00, USB_REQ_SET_CONFIGURATION, 0, 0, 0, NULL, NULL), USB_XFER_OK);
	assert_int_equal(dl.configured_calls, 1);
	assert_int_equal(dev.configuration, 0);
}

static void test_interface_requests_need_the_configured_state(void **state)
{
	uint8_t one;

	(void)state;
	assert_int_equal(req(0x01, USB_REQ_SET_INTERFACE, 1, 0, 0, NULL, NULL), USB_XFER_STALL);
	assert_int_equal(req(0x81, USB_REQ_GET_INTERFACE, 0, 0, 1, &one, NULL), USB_XFER_STALL);
	assert_int_equal(req(0xA1, 3, 0, 0, 6, &one, NULL), USB_XFER_STALL);
	assert_int_equal(dl.control_calls, 0);
}

static void test_set_interface_validates_the_alternate_setting(void **state)
{
	uint8_t one = 0xFF;

	(void)state;
	configure();
	assert_int_equal(req(0x01, USB_REQ_SET_INTERFACE, 2, 0, 0, NULL, NULL), USB_XFER_OK);
	assert_int_equal(dl.set_alt_calls, 1);
	assert_int_equal(dl.last_alt, 2);
	assert_int_equal(req(0x81, USB_REQ_GET_INTERFACE, 0, 0, 1, &one, NULL), USB_XFER_OK);
	assert_int_equal(one, 2);
	assert_int_equal(req(0x01, USB_REQ_SET_INTERFACE, 3, 0, 0, NULL, NULL), USB_XFER_STALL);
	assert_int_equal(req(0x01, USB_REQ_SET_INTERFACE, 1, 1, 0, NULL, NULL), USB_XFER_STALL);
	assert_int_equal(req(0x01, USB_REQ_SET_INTERFACE, 0, 2, 0, NULL, NULL), USB_XFER_STALL);
	assert_int_equal(req(0x00, USB_REQ_SET_INTERFACE, 0, 0, 0, NULL, NULL), USB_XFER_STALL);
	assert_int_equal(req(0x80, USB_REQ_GET_INTERFACE, 0, 0, 1, &one, NULL), USB_XFER_STALL);
	assert_int_equal(dl.set_alt_calls, 1);
	/* SET_CONFIGURATION puts every interface back to alt 0. */
	configure();
	assert_int_equal(dev.alt[0], 0);
}

static void test_get_status_reports_power_and_remote_wakeup(void **state)
{
	uint8_t st[2];
	size_t n = 0;

	(void)state;
	assert_int_equal(req(0x80, USB_REQ_GET_STATUS, 0, 0, 2, st, &n), USB_XFER_OK);
	assert_int_equal(n, 2);
	assert_int_equal(st[0], 0); /* bus-powered, no wakeup armed */
	assert_int_equal(req(0x00, USB_REQ_SET_FEATURE, 1, 0, 0, NULL, NULL), USB_XFER_OK);
	assert_int_equal(req(0x80, USB_REQ_GET_STATUS, 0, 0, 2, st, &n), USB_XFER_OK);
	assert_int_equal(st[0], 2);
	assert_int_equal(req(0x00, USB_REQ_CLEAR_FEATURE, 1, 0, 0, NULL, NULL), USB_XFER_OK);
	assert_false(dev.remote_wakeup);
	/* Interface status only when configured, endpoint status only for ep0. */
	assert_int_equal(req(0x81, USB_REQ_GET_STATUS, 0, 0, 2, st, &n), USB_XFER_STALL);
	configure();
	assert_int_equal(req(0x81, USB_REQ_GET_STATUS, 0, 1, 2, st, &n), USB_XFER_OK);
	assert_int_equal(req(0x82, USB_REQ_GET_STATUS, 0, 0x80, 2, st, &n), USB_XFER_OK);
	assert_int_equal(req(0x82, USB_REQ_GET_STATUS, 0, 0x81, 2, st, &n), USB_XFER_STALL);
	assert_int_equal(req(0x83, USB_REQ_GET_STATUS, 0, 0, 2, st, &n), USB_XFER_STALL);
}

static void test_features_other_than_wakeup_and_ep0_halt_clear_stall(void **state)
{
	(void)state;
	assert_int_equal(req(0x02, USB_REQ_CLEAR_FEATURE, 0, 0x00, 0, NULL, NULL), USB_XFER_OK);
	assert_int_equal(req(0x02, USB_REQ_SET_FEATURE, 0, 0x00, 0, NULL, NULL), USB_XFER_STALL);
	assert_int_equal(req(0x02, USB_REQ_CLEAR_FEATURE, 0, 0x81, 0, NULL, NULL), USB_XFER_STALL);
	assert_int_equal(req(0x00, USB_REQ_SET_FEATURE, 2, 0, 0, NULL, NULL), USB_XFER_STALL);
}

static void test_remote_wakeup_stalls_on_a_device_without_it(void **state)
{
	const struct usb_device_desc dd = { .bcdUSB = 0x0110, .bMaxPacketSize0 = 8 };
	const struct usb_config_desc cd = { .bConfigurationValue = 1, .bmAttributes = 0xC0 };
	uint8_t st[2];

	(void)state;
	assert_int_equal(usb_device_init(&dev, &dd, &cd, NULL), DFU_OK);
	assert_int_equal(req(0x00, USB_REQ_SET_FEATURE, 1, 0, 0, NULL, NULL), USB_XFER_STALL);
	assert_int_equal(req(0x80, USB_REQ_GET_STATUS, 0, 0, 2, st, NULL), USB_XFER_OK);
	assert_int_equal(st[0], 1); /* self-powered */
	/* No driver, no interfaces: class requests stall. */
	assert_int_equal(req(0xA0, 1, 0, 0, 2, st, NULL), USB_XFER_STALL);
	assert_int_equal(req(0x80, USB_REQ_GET_DESCRIPTOR, 0x2400, 0, 9, st, NULL), USB_XFER_STALL);
}

static void test_class_and_vendor_requests_go_to_the_driver(void **state)
{
	uint8_t buf[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	size_t n = 0;

	(void)state;
	configure();
	assert_int_equal(req(0xA1, 3, 0, 1, 6, buf, &n), USB_XFER_OK);
	assert_int_equal(n, 3);
	assert_int_equal(buf[0], 0xAB);
	assert_int_equal(dl.last.wIndex, 1);
	assert_int_equal(req(0x21, 1, 2, 0, 8, buf, &n), USB_XFER_OK);
	assert_int_equal(dl.last_out_len, 8);
	assert_int_equal(req(0x21, 0x7F, 0, 0, 0, NULL, NULL), USB_XFER_STALL);
	/* A vendor request to the device bypasses the interface check. */
	assert_int_equal(req(0xC0, 0x10, 0, 0x55, 2, buf, &n), USB_XFER_OK);
	assert_int_equal(n, 2);
	/* A class request to an interface that does not exist never arrives. */
	assert_int_equal(req(0xA1, 3, 0, 2, 6, buf, NULL), USB_XFER_STALL);
	assert_int_equal(dl.control_calls, 4);
}

static void test_out_request_with_a_short_data_stage_stalls(void **state)
{
	struct usb_ctrl_xfer x;
	uint8_t buf[4] = { 0 };

	(void)state;
	configure();
	memset(&x, 0, sizeof(x));
	x.setup = dfu_setup_make(DFU_DNLOAD, 2, 0, 8);
	x.out = buf;
	x.out_len = sizeof(buf);
	assert_int_equal(usb_device_control(&dev, &x), USB_XFER_STALL);
	x.out = NULL;
	x.out_len = 8;
	assert_int_equal(usb_device_control(&dev, &x), USB_XFER_STALL);
	assert_int_equal(dl.control_calls, 0);
}

static void test_in_data_is_cut_to_the_buffer_the_port_gave(void **state)
{
	struct usb_ctrl_xfer x;
	uint8_t buf[4];

	(void)state;
	memset(&x, 0, sizeof(x));
	x.setup.bmRequestType = 0x80;
	x.setup.bRequest = USB_REQ_GET_DESCRIPTOR;
	x.setup.wValue = 0x0100;
	x.setup.wLength = 18;
	x.in = buf;
	x.in_cap = sizeof(buf);
	assert_int_equal(usb_device_control(&dev, &x), USB_XFER_OK);
	assert_int_equal(x.actual, 4);
	x.in = NULL;
	assert_int_equal(usb_device_control(&dev, &x), USB_XFER_OK);
	assert_int_equal(x.actual, 0);
}

static void test_bus_reset_returns_to_the_address_state(void **state)
{
	(void)state;
	configure();
	assert_int_equal(req(0x01, USB_REQ_SET_INTERFACE, 1, 0, 0, NULL, NULL), USB_XFER_OK);
	assert_int_equal(req(0x00, USB_REQ_SET_FEATURE, 1, 0, 0, NULL, NULL), USB_XFER_OK);
	usb_device_bus_reset(&dev);
	assert_int_equal(dev.configuration, 0);
	assert_int_equal(dev.alt[0], 0);
	assert_false(dev.remote_wakeup);
}

static void test_builders_refuse_what_they_cannot_describe(void **state)
{
	const struct usb_device_desc dd = { .bcdUSB = 0x0200 };
	const struct usb_config_desc cd = { .bConfigurationValue = 1 };
	struct usb_interface_desc id = { 0 };
	static const uint8_t bad_len[3] = { 4, 0x24, 0 };
	static uint8_t big[255];
	int i, rc = 0;

	(void)state;
	assert_int_equal(usb_device_init(NULL, &dd, &cd, NULL), DFU_E_INVAL);
	assert_int_equal(usb_device_init(&dev, &dd, &cd, NULL), DFU_OK);
	assert_int_equal(usb_device_add_string(&dev, NULL), DFU_E_INVAL);
	assert_int_equal(usb_device_add_string(&dev, "bad \xFF utf-8"), DFU_E_FORMAT);
	for (i = 1; i < USB_DEVICE_MAX_STRINGS; i++)
		assert_int_equal(usb_device_add_string(&dev, "s"), i);
	assert_int_equal(usb_device_add_string(&dev, "one too many"), DFU_E_NOSPACE);

	/* Alternate settings in order, interfaces in order. */
	id.bAlternateSetting = 1;
	assert_int_equal(usb_device_add_interface(&dev, &id), DFU_E_INVAL);
	id.bAlternateSetting = 0;
	id.bInterfaceNumber = 1;
	assert_int_equal(usb_device_add_interface(&dev, &id), DFU_E_INVAL);
	id.bInterfaceNumber = 4;
	assert_int_equal(usb_device_add_interface(&dev, &id), DFU_E_INVAL);
	assert_int_equal(usb_device_add_interface(&dev, NULL), DFU_E_INVAL);

	assert_int_equal(usb_device_add_raw(&dev, bad_len, sizeof(bad_len)), DFU_E_FORMAT);
	assert_int_equal(usb_device_add_raw(&dev, NULL, 0), DFU_E_FORMAT);
	big[0] = 255;
	big[1] = 0x24;
	for (i = 0; i < 3 && rc == 0; i++)
		rc = usb_device_add_raw(&dev, big, sizeof(big));
	assert_int_equal(rc, DFU_E_NOSPACE);
	id.bInterfaceNumber = 0;
	for (i = 0; i < 40; i++) {
		id.bAlternateSetting = (uint8_t)i;
		rc = usb_device_add_interface(&dev, &id);
		if (rc)
			break;
	}
	assert_int_equal(rc, DFU_E_NOSPACE);
	assert_int_equal(dev.config_len + 9 > sizeof(dev.config), 1);
}

#define T(fn) cmocka_unit_test_setup(fn, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_device_descriptor_is_returned_cut_to_wlength),
		T(test_configuration_blob_counts_its_interfaces_and_length),
		T(test_string_zero_lists_langid_0409_and_strings_are_utf16),
		T(test_string_indexes_past_the_last_stall),
		T(test_device_qualifier_bos_and_other_speed_stall),
		T(test_unknown_and_wrong_direction_standard_requests_stall),
		T(test_set_address_is_accepted_and_meaningless),
		T(test_set_configuration_tells_the_driver_and_get_configuration_reports_it),
		T(test_interface_requests_need_the_configured_state),
		T(test_set_interface_validates_the_alternate_setting),
		T(test_get_status_reports_power_and_remote_wakeup),
		T(test_features_other_than_wakeup_and_ep0_halt_clear_stall),
		T(test_remote_wakeup_stalls_on_a_device_without_it),
		T(test_class_and_vendor_requests_go_to_the_driver),
		T(test_out_request_with_a_short_data_stage_stalls),
		T(test_in_data_is_cut_to_the_buffer_the_port_gave),
		T(test_bus_reset_returns_to_the_address_state),
		T(test_builders_refuse_what_they_cannot_describe),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
