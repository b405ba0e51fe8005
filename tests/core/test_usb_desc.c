/* test_usb_desc.c - standard descriptors, string descriptors and the
 * configuration walker. Expected bytes are written out by hand from
 * USB 2.0 §9.6 and the STM32 ROM bootloader's identity ([rom-identity]), not
 * produced by the encoders under test. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dfu/error.h"
#include "dfu/usb_desc.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ---- device descriptor ---- */

static const struct usb_device_desc st_device = {
	.bcdUSB = 0x0100,
	.bMaxPacketSize0 = 64,
	.idVendor = 0x0483,
	.idProduct = 0xDF11,
	.bcdDevice = 0x2200,
	.iManufacturer = 1,
	.iProduct = 2,
	.iSerialNumber = 3,
	.bNumConfigurations = 1,
};

static const uint8_t st_device_bytes[USB_DT_DEVICE_SIZE] = {
	0x12, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x40, 0x83,
	0x04, 0x11, 0xDF, 0x00, 0x22, 0x01, 0x02, 0x03, 0x01,
};

static void test_device_desc_encodes_st_rom_bootloader_identity(void **state)
{
	uint8_t out[32];
	(void)state;

	memset(out, 0xEE, sizeof(out));
	assert_int_equal(usb_device_desc_encode(&st_device, out, sizeof(out)), USB_DT_DEVICE_SIZE);
	assert_memory_equal(out, st_device_bytes, sizeof(st_device_bytes));
	assert_int_equal(out[USB_DT_DEVICE_SIZE], 0xEE);
}

static void test_device_desc_encode_into_too_small_buffer_fails(void **state)
{
	uint8_t out[USB_DT_DEVICE_SIZE];
	(void)state;

	memset(out, 0xEE, sizeof(out));
	assert_int_equal(usb_device_desc_encode(&st_device, out, USB_DT_DEVICE_SIZE - 1),
			 DFU_E_NOSPACE);
	assert_int_equal(usb_device_desc_encode(&st_device, out, 0), DFU_E_NOSPACE);
	assert_int_equal(out[0], 0xEE);
}

static void test_device_desc_decodes_every_field(void **state)
{
	const uint8_t in[USB_DT_DEVICE_SIZE] = {
		0x12, 0x01, 0x10, 0x02, 0xEF, 0x02, 0x01, 0x08, 0x34,
		0x12, 0x78, 0x56, 0x01, 0x00, 0x04, 0x05, 0x06, 0x02,
	};
	struct usb_device_desc d;
	(void)state;

	assert_int_equal(usb_device_desc_decode(in, sizeof(in), &d), DFU_OK);
	assert_int_equal(d.bcdUSB, 0x0210);
	assert_int_equal(d.bDeviceClass, 0xEF);
	assert_int_equal(d.bDeviceSubClass, 0x02);
	assert_int_equal(d.bDeviceProtocol, 0x01);
	assert_int_equal(d.bMaxPacketSize0, 8);
	assert_int_equal(d.idVendor, 0x1234);
	assert_int_equal(d.idProduct, 0x5678);
	assert_int_equal(d.bcdDevice, 0x0001);
	assert_int_equal(d.iManufacturer, 4);
	assert_int_equal(d.iProduct, 5);
	assert_int_equal(d.iSerialNumber, 6);
	assert_int_equal(d.bNumConfigurations, 2);
}

static void test_device_desc_decode_round_trips_st_identity(void **state)
{
	struct usb_device_desc d;
	(void)state;

	assert_int_equal(usb_device_desc_decode(st_device_bytes, sizeof(st_device_bytes), &d),
			 DFU_OK);
	assert_int_equal(d.bcdUSB, st_device.bcdUSB);
	assert_int_equal(d.bMaxPacketSize0, st_device.bMaxPacketSize0);
	assert_int_equal(d.idVendor, st_device.idVendor);
	assert_int_equal(d.idProduct, st_device.idProduct);
	assert_int_equal(d.bcdDevice, st_device.bcdDevice);
	assert_int_equal(d.iManufacturer, 1);
	assert_int_equal(d.iProduct, 2);
	assert_int_equal(d.iSerialNumber, 3);
	assert_int_equal(d.bNumConfigurations, 1);
}

static void test_device_desc_decode_rejects_first_eight_bytes_alone(void **state)
{
	struct usb_device_desc d;
	(void)state;

	/* What a host has after the first GET_DESCRIPTOR(DEVICE, 8). */
	assert_int_equal(usb_device_desc_decode(st_device_bytes, 8, &d), DFU_E_TRUNCATED);
	assert_int_equal(usb_device_desc_decode(st_device_bytes, 17, &d), DFU_E_TRUNCATED);
	assert_int_equal(usb_device_desc_decode(st_device_bytes, 1, &d), DFU_E_TRUNCATED);
	assert_int_equal(usb_device_desc_decode(st_device_bytes, 0, &d), DFU_E_TRUNCATED);
}

static void test_device_desc_decode_rejects_wrong_type_and_short_blength(void **state)
{
	uint8_t in[USB_DT_DEVICE_SIZE];
	struct usb_device_desc d;
	(void)state;

	memcpy(in, st_device_bytes, sizeof(in));
	in[1] = USB_DT_CONFIG;
	assert_int_equal(usb_device_desc_decode(in, sizeof(in), &d), DFU_E_FORMAT);
	in[1] = USB_DT_DEVICE;
	in[0] = 17;
	assert_int_equal(usb_device_desc_decode(in, sizeof(in), &d), DFU_E_FORMAT);
	in[0] = 0;
	assert_int_equal(usb_device_desc_decode(in, sizeof(in), &d), DFU_E_FORMAT);
}

static void test_device_desc_decode_rejects_blength_larger_than_buffer(void **state)
{
	uint8_t in[USB_DT_DEVICE_SIZE];
	struct usb_device_desc d;
	(void)state;

	memcpy(in, st_device_bytes, sizeof(in));
	in[0] = 19;
	assert_int_equal(usb_device_desc_decode(in, sizeof(in), &d), DFU_E_TRUNCATED);
}

static void test_device_desc_decode_accepts_a_longer_blength_that_is_present(void **state)
{
	uint8_t in[20];
	struct usb_device_desc d;
	(void)state;

	memcpy(in, st_device_bytes, sizeof(st_device_bytes));
	in[0] = 20;
	in[18] = in[19] = 0xAA;
	assert_int_equal(usb_device_desc_decode(in, sizeof(in), &d), DFU_OK);
	assert_int_equal(d.idProduct, 0xDF11);
}

/* ---- configuration and interface descriptors ---- */

static void test_config_desc_encodes_st_rom_configuration(void **state)
{
	const struct usb_config_desc c = {
		.wTotalLength = 54,
		.bNumInterfaces = 1,
		.bConfigurationValue = 1,
		.iConfiguration = 0,
		.bmAttributes = USB_CONFIG_ATT_ONE | USB_CONFIG_ATT_SELFPOWER,
		.bMaxPower = 50, /* 100 mA */
	};
	const uint8_t want[USB_DT_CONFIG_SIZE] = {0x09, 0x02, 0x36, 0x00, 0x01,
						  0x01, 0x00, 0xC0, 0x32};
	uint8_t out[USB_DT_CONFIG_SIZE];
	struct usb_config_desc back;
	(void)state;

	assert_int_equal(usb_config_desc_encode(&c, out, sizeof(out)), USB_DT_CONFIG_SIZE);
	assert_memory_equal(out, want, sizeof(want));
	assert_int_equal(usb_config_desc_encode(&c, out, sizeof(out) - 1), DFU_E_NOSPACE);

	assert_int_equal(usb_config_desc_decode(want, sizeof(want), &back), DFU_OK);
	assert_int_equal(back.wTotalLength, 54);
	assert_int_equal(back.bNumInterfaces, 1);
	assert_int_equal(back.bConfigurationValue, 1);
	assert_int_equal(back.iConfiguration, 0);
	assert_int_equal(back.bmAttributes, 0xC0);
	assert_int_equal(back.bMaxPower, 50);
}

static void test_config_desc_decode_rejects_bad_type_blength_and_short_buffer(void **state)
{
	uint8_t in[USB_DT_CONFIG_SIZE] = {0x09, 0x02, 0x36, 0x01, 0x02, 0x03, 0x04, 0x80, 0xFA};
	struct usb_config_desc c;
	(void)state;

	assert_int_equal(usb_config_desc_decode(in, sizeof(in), &c), DFU_OK);
	assert_int_equal(c.wTotalLength, 0x0136);
	assert_int_equal(c.bMaxPower, 0xFA);
	assert_int_equal(usb_config_desc_decode(in, 8, &c), DFU_E_TRUNCATED);
	in[1] = USB_DT_DEVICE;
	assert_int_equal(usb_config_desc_decode(in, sizeof(in), &c), DFU_E_FORMAT);
	in[1] = USB_DT_CONFIG;
	in[0] = 8;
	assert_int_equal(usb_config_desc_decode(in, sizeof(in), &c), DFU_E_FORMAT);
}

static void test_interface_desc_encodes_st_dfu_alt(void **state)
{
	const struct usb_interface_desc i = {
		.bInterfaceNumber = 0,
		.bAlternateSetting = 2,
		.bNumEndpoints = 0,
		.bInterfaceClass = USB_CLASS_APP_SPEC,
		.bInterfaceSubClass = USB_SUBCLASS_DFU,
		.bInterfaceProtocol = USB_PROTO_DFU_MODE,
		.iInterface = 6,
	};
	const uint8_t want[USB_DT_INTERFACE_SIZE] = {0x09, 0x04, 0x00, 0x02, 0x00,
						     0xFE, 0x01, 0x02, 0x06};
	uint8_t out[USB_DT_INTERFACE_SIZE];
	struct usb_interface_desc back;
	(void)state;

	assert_int_equal(usb_interface_desc_encode(&i, out, sizeof(out)), USB_DT_INTERFACE_SIZE);
	assert_memory_equal(out, want, sizeof(want));
	assert_int_equal(usb_interface_desc_encode(&i, out, 0), DFU_E_NOSPACE);

	assert_int_equal(usb_interface_desc_decode(want, sizeof(want), &back), DFU_OK);
	assert_int_equal(back.bInterfaceNumber, 0);
	assert_int_equal(back.bAlternateSetting, 2);
	assert_int_equal(back.bNumEndpoints, 0);
	assert_int_equal(back.bInterfaceClass, 0xFE);
	assert_int_equal(back.bInterfaceSubClass, 0x01);
	assert_int_equal(back.bInterfaceProtocol, 0x02);
	assert_int_equal(back.iInterface, 6);
}

static void test_interface_desc_decode_rejects_bad_type_blength_and_short_buffer(void **state)
{
	uint8_t in[USB_DT_INTERFACE_SIZE] = {0x09, 0x04, 0x01, 0x00, 0x02, 0x03, 0x00, 0x00, 0x00};
	struct usb_interface_desc d;
	(void)state;

	assert_int_equal(usb_interface_desc_decode(in, 5, &d), DFU_E_TRUNCATED);
	in[1] = DFU_FUNC_DESC_TYPE;
	assert_int_equal(usb_interface_desc_decode(in, sizeof(in), &d), DFU_E_FORMAT);
	in[1] = USB_DT_INTERFACE;
	in[0] = 7;
	assert_int_equal(usb_interface_desc_decode(in, sizeof(in), &d), DFU_E_FORMAT);
}

/* ---- string descriptors ---- */

static void test_string_desc_encodes_product_with_two_spaces(void **state)
{
	const uint8_t want[36] = {
		0x24, 0x03, 'S', 0, 'T', 0, 'M', 0, '3', 0, '2', 0, ' ', 0, ' ', 0, 'B', 0,
		'O',  0,    'O', 0, 'T', 0, 'L', 0, 'O', 0, 'A', 0, 'D', 0, 'E', 0, 'R', 0,
	};
	uint8_t out[64];
	char back[64];
	(void)state;

	assert_int_equal(usb_string_desc_encode("STM32  BOOTLOADER", out, sizeof(out)), 36);
	assert_memory_equal(out, want, sizeof(want));
	assert_int_equal(usb_string_desc_decode(out, 36, back, sizeof(back)), 17);
	assert_string_equal(back, "STM32  BOOTLOADER");
}

static void test_string_desc_encodes_manufacturer(void **state)
{
	uint8_t out[USB_STRING_MAX_BYTES];
	char back[64];
	(void)state;

	assert_int_equal(usb_string_desc_encode("STMicroelectronics", out, sizeof(out)), 38);
	assert_int_equal(out[0], 38);
	assert_int_equal(out[1], USB_DT_STRING);
	assert_int_equal(out[2], 'S');
	assert_int_equal(out[3], 0);
	assert_int_equal(out[36], 's');
	assert_int_equal(usb_string_desc_decode(out, sizeof(out), back, sizeof(back)), 18);
	assert_string_equal(back, "STMicroelectronics");
}

static void test_string_desc_encodes_empty_string_as_header_only(void **state)
{
	const uint8_t want[2] = {0x02, 0x03};
	uint8_t out[2];
	char back[4] = "xyz";
	(void)state;

	assert_int_equal(usb_string_desc_encode("", out, sizeof(out)), 2);
	assert_memory_equal(out, want, sizeof(want));
	assert_int_equal(usb_string_desc_decode(out, sizeof(out), back, sizeof(back)), 0);
	assert_string_equal(back, "");
}

static void test_string_desc_encodes_non_ascii_as_utf16le(void **state)
{
	/* "Grüße €": U+00FC, U+00DF (2-byte UTF-8), U+20AC (3-byte UTF-8). */
	const char *text = "Gr\xC3\xBC\xC3\x9F" "e \xE2\x82\xAC";
	const uint8_t want[16] = {0x10, 0x03, 'G', 0, 'r', 0, 0xFC, 0x00,
				  0xDF, 0x00, 'e', 0, ' ', 0, 0xAC, 0x20};
	uint8_t out[32];
	char back[32];
	(void)state;

	assert_int_equal(usb_string_desc_encode(text, out, sizeof(out)), 16);
	assert_memory_equal(out, want, sizeof(want));
	assert_int_equal(usb_string_desc_decode(out, 16, back, sizeof(back)), (int)strlen(text));
	assert_string_equal(back, text);
}

static void test_string_desc_encode_rejects_code_points_above_ffff(void **state)
{
	uint8_t out[64];
	(void)state;

	/* U+1F600 and U+10000. */
	assert_int_equal(usb_string_desc_encode("ok \xF0\x9F\x98\x80", out, sizeof(out)),
			 DFU_E_FORMAT);
	assert_int_equal(usb_string_desc_encode("\xF0\x90\x80\x80", out, sizeof(out)),
			 DFU_E_FORMAT);
}

static void test_string_desc_encode_rejects_malformed_utf8(void **state)
{
	static const char *const bad[] = {
		"\x80",		/* continuation without a lead */
		"a\xBF",	/* same, after ASCII */
		"\xC0\xAF",	/* overlong '/' */
		"\xC1\x81",	/* overlong 'A' */
		"\xC3",		/* two-byte sequence cut by the end */
		"\xC3(",	/* two-byte lead, then ASCII */
		"\xE2\x82",	/* three-byte sequence cut by the end */
		"\xE2(\xAC",	/* three-byte lead, bad second byte */
		"\xE2\x82(",	/* three-byte lead, bad third byte */
		"\xE0\x80\x80", /* overlong U+0000 */
		"\xE0\x9F\xBF", /* overlong U+07FF */
		"\xED\xA0\x80", /* U+D800, a surrogate */
		"\xED\xBF\xBF", /* U+DFFF, a surrogate */
		"\xF5\x80\x80\x80",
		"\xFF",
	};
	uint8_t out[64];
	(void)state;

	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		out[0] = 0xEE;
		assert_int_equal(usb_string_desc_encode(bad[i], out, sizeof(out)), DFU_E_FORMAT);
		assert_int_equal(out[0], 0xEE);
	}
}

static void test_string_desc_encode_accepts_utf8_edges_of_each_length(void **state)
{
	/* U+007F, U+0080, U+07FF, U+0800, U+D7FF, U+E000, U+FFFF. */
	const char *text = "\x7F\xC2\x80\xDF\xBF\xE0\xA0\x80\xED\x9F\xBF\xEE\x80\x80\xEF\xBF\xBF";
	const uint16_t units[] = {0x007F, 0x0080, 0x07FF, 0x0800, 0xD7FF, 0xE000, 0xFFFF};
	uint8_t out[32];
	char back[32];
	(void)state;

	assert_int_equal(usb_string_desc_encode(text, out, sizeof(out)), 2 + 2 * 7);
	for (size_t i = 0; i < ARRAY_LEN(units); i++) {
		assert_int_equal(out[2 + 2 * i], units[i] & 0xFF);
		assert_int_equal(out[3 + 2 * i], units[i] >> 8);
	}
	assert_int_equal(usb_string_desc_decode(out, 16, back, sizeof(back)), (int)strlen(text));
	assert_string_equal(back, text);
}

static void test_string_desc_encode_takes_126_chars_and_refuses_127(void **state)
{
	char text[USB_STRING_MAX_CHARS + 2];
	uint8_t out[300];
	(void)state;

	memset(text, 'x', USB_STRING_MAX_CHARS);
	text[USB_STRING_MAX_CHARS] = '\0';
	assert_int_equal(usb_string_desc_encode(text, out, sizeof(out)), 254);
	assert_int_equal(out[0], 254);
	assert_int_equal(out[253], 0);

	text[USB_STRING_MAX_CHARS] = 'x';
	text[USB_STRING_MAX_CHARS + 1] = '\0';
	assert_int_equal(usb_string_desc_encode(text, out, sizeof(out)), DFU_E_NOSPACE);
}

static void test_string_desc_encode_counts_characters_not_bytes(void **state)
{
	char text[3 * USB_STRING_MAX_CHARS + 4];
	uint8_t out[300];
	size_t n = 0;
	(void)state;

	/* 126 euro signs: 378 bytes of UTF-8, 252 bytes of UTF-16. */
	for (int i = 0; i < USB_STRING_MAX_CHARS; i++) {
		text[n++] = (char)0xE2;
		text[n++] = (char)0x82;
		text[n++] = (char)0xAC;
	}
	text[n] = '\0';
	assert_int_equal(usb_string_desc_encode(text, out, sizeof(out)), 254);
	assert_int_equal(out[252], 0xAC);
	assert_int_equal(out[253], 0x20);
}

static void test_string_desc_encode_into_too_small_buffer_fails(void **state)
{
	uint8_t out[36];
	(void)state;

	out[0] = 0xEE;
	assert_int_equal(usb_string_desc_encode("STM32  BOOTLOADER", out, 35), DFU_E_NOSPACE);
	assert_int_equal(usb_string_desc_encode("", out, 1), DFU_E_NOSPACE);
	assert_int_equal(out[0], 0xEE);
}

static void test_string_desc_encode_rejects_null_text(void **state)
{
	uint8_t out[8];
	(void)state;

	assert_int_equal(usb_string_desc_encode(NULL, out, sizeof(out)), DFU_E_INVAL);
}

static void test_string_desc_decode_drops_the_last_byte_of_odd_blength(void **state)
{
	const uint8_t in[5] = {0x05, 0x03, 'A', 0x00, 'B'};
	char out[8];
	(void)state;

	assert_int_equal(usb_string_desc_decode(in, sizeof(in), out, sizeof(out)), 1);
	assert_string_equal(out, "A");
}

static void test_string_desc_decode_rejects_blength_larger_than_buffer(void **state)
{
	const uint8_t in[6] = {0x08, 0x03, 'A', 0x00, 'B', 0x00};
	char out[8] = "keep";
	(void)state;

	assert_int_equal(usb_string_desc_decode(in, sizeof(in), out, sizeof(out)),
			 DFU_E_TRUNCATED);
	assert_int_equal(usb_string_desc_decode(in, 1, out, sizeof(out)), DFU_E_TRUNCATED);
	assert_int_equal(usb_string_desc_decode(in, 0, out, sizeof(out)), DFU_E_TRUNCATED);
	assert_string_equal(out, "keep");
}

static void test_string_desc_decode_rejects_wrong_type_and_blength_below_two(void **state)
{
	uint8_t in[4] = {0x04, 0x02, 'A', 0x00};
	char out[8];
	(void)state;

	assert_int_equal(usb_string_desc_decode(in, sizeof(in), out, sizeof(out)), DFU_E_FORMAT);
	in[1] = USB_DT_STRING;
	in[0] = 1;
	assert_int_equal(usb_string_desc_decode(in, sizeof(in), out, sizeof(out)), DFU_E_FORMAT);
	in[0] = 0;
	assert_int_equal(usb_string_desc_decode(in, sizeof(in), out, sizeof(out)), DFU_E_FORMAT);
}

static void test_string_desc_decode_joins_surrogate_pairs(void **state)
{
	/* U+1F600 as D83D DE00, then 'a'. */
	const uint8_t in[8] = {0x08, 0x03, 0x3D, 0xD8, 0x00, 0xDE, 'a', 0x00};
	char out[16];
	(void)state;

	assert_int_equal(usb_string_desc_decode(in, sizeof(in), out, sizeof(out)), 5);
	assert_string_equal(out, "\xF0\x9F\x98\x80" "a");
}

static void test_string_desc_decode_replaces_unpaired_surrogates(void **state)
{
	/* A high surrogate before 'a', a lone low surrogate, a high surrogate
	 * before U+E000 (just above the low range), a high surrogate as the
	 * last unit. */
	const uint8_t in[14] = {0x0E, 0x03, 0x3D, 0xD8, 'a',  0x00, 0x00,
				0xDE, 0xFF, 0xDB, 0x00, 0xE0, 0x00, 0xDB};
	char out[32];
	(void)state;

	assert_int_equal(usb_string_desc_decode(in, sizeof(in), out, sizeof(out)), 16);
	assert_string_equal(out, "\xEF\xBF\xBD" "a" "\xEF\xBF\xBD" "\xEF\xBF\xBD"
				 "\xEE\x80\x80" "\xEF\xBF\xBD");
}

static void test_string_desc_decode_replaces_embedded_nul(void **state)
{
	const uint8_t in[8] = {0x08, 0x03, 'a', 0x00, 0x00, 0x00, 'b', 0x00};
	char out[16];
	(void)state;

	assert_int_equal(usb_string_desc_decode(in, sizeof(in), out, sizeof(out)), 5);
	assert_string_equal(out, "a\xEF\xBF\xBD" "b");
}

static void test_string_desc_decode_stops_at_whole_characters_when_out_is_small(void **state)
{
	uint8_t in[32];
	char out[8];
	(void)state;

	/* "ab€c": the euro sign needs 3 bytes. */
	assert_int_equal(usb_string_desc_encode("ab\xE2\x82\xAC" "c", in, sizeof(in)), 10);
	memset(out, 'Z', sizeof(out));
	assert_int_equal(usb_string_desc_decode(in, 10, out, 5), DFU_E_NOSPACE);
	assert_string_equal(out, "ab");
	assert_int_equal(usb_string_desc_decode(in, 10, out, 6), DFU_E_NOSPACE);
	assert_string_equal(out, "ab\xE2\x82\xAC");
	assert_int_equal(usb_string_desc_decode(in, 10, out, 7), 6);
	assert_string_equal(out, "ab\xE2\x82\xAC" "c");
	assert_int_equal(usb_string_desc_decode(in, 10, out, 1), DFU_E_NOSPACE);
	assert_string_equal(out, "");
}

static void test_string_desc_decode_refuses_zero_capacity(void **state)
{
	const uint8_t in[2] = {0x02, 0x03};
	(void)state;

	assert_int_equal(usb_string_desc_decode(in, sizeof(in), NULL, 0), DFU_E_NOSPACE);
}

static void test_string_desc_decode_reads_the_longest_descriptor(void **state)
{
	uint8_t in[USB_STRING_MAX_BYTES];
	char out[USB_STRING_MAX_BYTES];
	(void)state;

	/* bLength 255: 126 whole units and a dropped odd byte. */
	in[0] = 255;
	in[1] = USB_DT_STRING;
	for (size_t i = 2; i + 1 < sizeof(in); i += 2) {
		in[i] = 'q';
		in[i + 1] = 0;
	}
	in[254] = 'X';
	assert_int_equal(usb_string_desc_decode(in, sizeof(in), out, sizeof(out)),
			 USB_STRING_MAX_CHARS);
	assert_int_equal(out[USB_STRING_MAX_CHARS - 1], 'q');
	assert_int_equal(out[USB_STRING_MAX_CHARS], '\0');
}

/* ---- LANGID list ---- */

static void test_langid_desc_encodes_english_us(void **state)
{
	const uint16_t ids[] = {USB_LANGID_EN_US};
	const uint8_t want[4] = {0x04, 0x03, 0x09, 0x04};
	uint8_t out[4];
	uint16_t back[4];
	(void)state;

	assert_int_equal(usb_langid_desc_encode(ids, 1, out, sizeof(out)), 4);
	assert_memory_equal(out, want, sizeof(want));
	assert_int_equal(usb_langid_desc_decode(out, sizeof(out), back, ARRAY_LEN(back)), 1);
	assert_int_equal(back[0], USB_LANGID_EN_US);
}

static void test_langid_desc_round_trips_several_languages(void **state)
{
	const uint16_t ids[] = {0x0409, 0x0407, 0x040C, 0x0411};
	uint8_t out[16];
	uint16_t back[8];
	(void)state;

	assert_int_equal(usb_langid_desc_encode(ids, 4, out, sizeof(out)), 10);
	assert_int_equal(out[8], 0x11);
	assert_int_equal(usb_langid_desc_decode(out, 10, back, ARRAY_LEN(back)), 4);
	assert_memory_equal(back, ids, sizeof(ids));
}

static void test_langid_desc_decode_stores_at_most_max(void **state)
{
	const uint8_t in[8] = {0x08, 0x03, 0x09, 0x04, 0x07, 0x04, 0x0C, 0x04};
	uint16_t back[2] = {0, 0xBEEF};
	(void)state;

	assert_int_equal(usb_langid_desc_decode(in, sizeof(in), back, 1), 1);
	assert_int_equal(back[0], 0x0409);
	assert_int_equal(back[1], 0xBEEF);
	assert_int_equal(usb_langid_desc_decode(in, sizeof(in), NULL, 0), 0);
}

static void test_langid_desc_decode_accepts_empty_list_and_odd_blength(void **state)
{
	const uint8_t empty[2] = {0x02, 0x03};
	const uint8_t odd[5] = {0x05, 0x03, 0x09, 0x04, 0x07};
	uint16_t back[4];
	(void)state;

	assert_int_equal(usb_langid_desc_decode(empty, sizeof(empty), back, 4), 0);
	assert_int_equal(usb_langid_desc_decode(odd, sizeof(odd), back, 4), 1);
	assert_int_equal(back[0], 0x0409);
}

static void test_langid_desc_decode_rejects_malformed_descriptors(void **state)
{
	uint8_t in[4] = {0x04, 0x03, 0x09, 0x04};
	uint16_t back[2];
	(void)state;

	assert_int_equal(usb_langid_desc_decode(in, 3, back, 2), DFU_E_TRUNCATED);
	assert_int_equal(usb_langid_desc_decode(in, 1, back, 2), DFU_E_TRUNCATED);
	in[1] = USB_DT_DEVICE;
	assert_int_equal(usb_langid_desc_decode(in, sizeof(in), back, 2), DFU_E_FORMAT);
	in[1] = USB_DT_STRING;
	in[0] = 1;
	assert_int_equal(usb_langid_desc_decode(in, sizeof(in), back, 2), DFU_E_FORMAT);
}

static void test_langid_desc_encode_refuses_lists_that_do_not_fit(void **state)
{
	uint16_t ids[USB_STRING_MAX_CHARS + 1];
	uint8_t out[300];
	(void)state;

	for (size_t i = 0; i < ARRAY_LEN(ids); i++)
		ids[i] = 0x0409;
	assert_int_equal(usb_langid_desc_encode(ids, USB_STRING_MAX_CHARS, out, sizeof(out)), 254);
	assert_int_equal(usb_langid_desc_encode(ids, USB_STRING_MAX_CHARS + 1, out, sizeof(out)),
			 DFU_E_NOSPACE);
	assert_int_equal(usb_langid_desc_encode(ids, 1, out, 3), DFU_E_NOSPACE);
	assert_int_equal(usb_langid_desc_encode(NULL, 0, out, 2), 2);
}

/* ---- configuration walker ---- */

#define CFG_HDR 0x09, 0x02, 0x00, 0x00, 0x01, 0x01, 0x00, 0xC0, 0x32
#define DFU_ALT(intf, alt, istr) 0x09, 0x04, (intf), (alt), 0x00, 0xFE, 0x01, 0x02, (istr)
#define FUNC(attr, xfer) \
	0x09, 0x21, (attr), 0xFF, 0x00, (xfer) & 0xFF, ((xfer) >> 8) & 0xFF, 0x1A, 0x01
#define FUNC7(attr, xfer) 0x07, 0x21, (attr), 0xE8, 0x03, (xfer) & 0xFF, ((xfer) >> 8) & 0xFF

/* The STM32 ROM layout: one interface, four alts, then the one functional
 * descriptor ([rom-identity]; lsusb dumps of STM32F4 ROMs,
 * [forum-stm32f4-lsusb]). */
static const uint8_t st_config[] = {
	0x09, 0x02, 0x36, 0x00, 0x01, 0x01, 0x00, 0xC0, 0x32,
	DFU_ALT(0, 0, 4), DFU_ALT(0, 1, 5), DFU_ALT(0, 2, 6), DFU_ALT(0, 3, 7),
	FUNC(0x0B, 2048),
};

#define MAX_ALTS 16

struct walk {
	int rc;		/* last next_alt result: 0 at a clean end, or an error */
	size_t n;
	struct usb_alt_info alt[MAX_ALTS];
};

/* Copy `blob`, set wTotalLength to `total` (its size when 0), then walk
 * the first `len` bytes of it. */
static struct walk walk_blob(const uint8_t *blob, size_t size, size_t len, unsigned total)
{
	static uint8_t buf[1024];
	struct usb_config_iter it;
	struct usb_config_desc cfg;
	struct walk w = {0};

	memcpy(buf, blob, size);
	if (size >= 4) {
		buf[2] = (uint8_t)((total ? total : size) & 0xFF);
		buf[3] = (uint8_t)((total ? total : size) >> 8);
	}
	w.rc = usb_config_iter_init(&it, buf, len, &cfg);
	if (w.rc)
		return w;
	while (w.n < MAX_ALTS && (w.rc = usb_config_next_alt(&it, &w.alt[w.n])) == 1)
		w.n++;
	return w;
}

#define WALK(blob) walk_blob((blob), sizeof(blob), sizeof(blob), 0)

static void assert_st_func(const struct usb_alt_info *a)
{
	assert_true(a->has_func);
	assert_int_equal(a->func.bmAttributes, 0x0B);
	assert_int_equal(a->func.wDetachTimeOut, 255);
	assert_int_equal(a->func.wTransferSize, 2048);
	assert_int_equal(a->func.bcdDFUVersion, 0x011A);
}

static void test_walker_gives_every_st_alt_the_functional_descriptor_after_the_last(void **state)
{
	struct usb_config_iter it;
	struct usb_config_desc cfg;
	struct usb_alt_info alt;
	(void)state;

	assert_int_equal(usb_config_iter_init(&it, st_config, sizeof(st_config), &cfg), DFU_OK);
	assert_int_equal(cfg.wTotalLength, sizeof(st_config));
	assert_int_equal(cfg.bNumInterfaces, 1);
	assert_int_equal(cfg.bmAttributes, 0xC0);
	for (unsigned a = 0; a < 4; a++) {
		assert_int_equal(usb_config_next_alt(&it, &alt), 1);
		assert_int_equal(alt.intf.bInterfaceNumber, 0);
		assert_int_equal(alt.intf.bAlternateSetting, a);
		assert_int_equal(alt.intf.bInterfaceClass, USB_CLASS_APP_SPEC);
		assert_int_equal(alt.intf.bInterfaceSubClass, USB_SUBCLASS_DFU);
		assert_int_equal(alt.intf.bInterfaceProtocol, USB_PROTO_DFU_MODE);
		assert_int_equal(alt.intf.iInterface, 4 + a);
		assert_st_func(&alt);
	}
	assert_int_equal(usb_config_next_alt(&it, &alt), 0);
	assert_int_equal(usb_config_next_alt(&it, &alt), 0);
}

static void test_walker_accepts_a_null_config_out(void **state)
{
	struct usb_config_iter it;
	struct usb_alt_info alt;
	(void)state;

	assert_int_equal(usb_config_iter_init(&it, st_config, sizeof(st_config), NULL), DFU_OK);
	assert_int_equal(usb_config_next_alt(&it, &alt), 1);
	assert_st_func(&alt);
}

static void test_walker_builds_from_the_encoders_what_it_parses(void **state)
{
	const struct usb_config_desc c = {.wTotalLength = 54, .bNumInterfaces = 1,
					  .bConfigurationValue = 1, .bmAttributes = 0xC0,
					  .bMaxPower = 50};
	const struct dfu_func_desc f = {.bmAttributes = 0x0B, .wDetachTimeOut = 255,
					.wTransferSize = 2048, .bcdDFUVersion = 0x011A};
	uint8_t blob[64];
	size_t n = 0;
	(void)state;

	n += (size_t)usb_config_desc_encode(&c, blob + n, sizeof(blob) - n);
	for (uint8_t a = 0; a < 4; a++) {
		const struct usb_interface_desc i = {
			.bAlternateSetting = a, .bInterfaceClass = 0xFE,
			.bInterfaceSubClass = 0x01, .bInterfaceProtocol = 0x02,
			.iInterface = (uint8_t)(4 + a)};
		n += (size_t)usb_interface_desc_encode(&i, blob + n, sizeof(blob) - n);
	}
	n += (size_t)dfu_func_desc_encode(&f, blob + n, sizeof(blob) - n);
	assert_int_equal(n, sizeof(st_config));
	assert_memory_equal(blob, st_config, sizeof(st_config));
}

static void test_walker_attaches_each_functional_descriptor_to_the_alt_it_follows(void **state)
{
	static const uint8_t blob[] = {
		CFG_HDR,
		DFU_ALT(0, 0, 0), FUNC(0x01, 64),
		DFU_ALT(0, 1, 0), FUNC(0x03, 128),
		DFU_ALT(0, 2, 0), FUNC7(0x07, 256),
	};
	struct walk w = WALK(blob);
	(void)state;

	assert_int_equal(w.rc, 0);
	assert_int_equal(w.n, 3);
	assert_int_equal(w.alt[0].func.wTransferSize, 64);
	assert_int_equal(w.alt[0].func.bmAttributes, 0x01);
	assert_int_equal(w.alt[1].func.wTransferSize, 128);
	assert_int_equal(w.alt[2].func.wTransferSize, 256);
	assert_int_equal(w.alt[2].func.bcdDFUVersion, DFU_BCD_DFU11);
	assert_int_equal(w.alt[2].func.wDetachTimeOut, 1000);
}

static void test_walker_shares_a_functional_descriptor_after_the_first_alt(void **state)
{
	static const uint8_t blob[] = {
		CFG_HDR,
		DFU_ALT(0, 0, 0), FUNC(0x0B, 1024),
		DFU_ALT(0, 1, 0),
		DFU_ALT(0, 2, 0),
	};
	struct walk w = WALK(blob);
	(void)state;

	assert_int_equal(w.rc, 0);
	assert_int_equal(w.n, 3);
	for (size_t i = 0; i < 3; i++) {
		assert_true(w.alt[i].has_func);
		assert_int_equal(w.alt[i].func.wTransferSize, 1024);
	}
}

static void test_walker_shares_a_functional_descriptor_after_a_middle_alt(void **state)
{
	static const uint8_t blob[] = {
		CFG_HDR,
		DFU_ALT(0, 0, 0),
		DFU_ALT(0, 1, 0), FUNC(0x0B, 512),
		DFU_ALT(0, 2, 0),
	};
	struct walk w = WALK(blob);
	(void)state;

	assert_int_equal(w.n, 3);
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(w.alt[i].func.wTransferSize, 512);
}

static void test_walker_keeps_functional_descriptors_within_their_interface(void **state)
{
	static const uint8_t blob[] = {
		0x09, 0x02, 0x00, 0x00, 0x03, 0x01, 0x00, 0x80, 0x32,
		/* interface 0: DFU, two alts, descriptor after the last */
		DFU_ALT(0, 0, 0), DFU_ALT(0, 1, 0), FUNC(0x0B, 2048),
		/* interface 1: DFU with no functional descriptor at all */
		DFU_ALT(1, 0, 0), DFU_ALT(1, 1, 0),
		/* interface 2: DFU, descriptor after its only alt */
		DFU_ALT(2, 0, 0), FUNC(0x07, 64),
	};
	struct walk w = WALK(blob);
	(void)state;

	assert_int_equal(w.rc, 0);
	assert_int_equal(w.n, 5);
	assert_st_func(&w.alt[0]);
	assert_st_func(&w.alt[1]);
	assert_int_equal(w.alt[2].intf.bInterfaceNumber, 1);
	assert_false(w.alt[2].has_func);
	assert_false(w.alt[3].has_func);
	assert_int_equal(w.alt[4].intf.bInterfaceNumber, 2);
	assert_true(w.alt[4].has_func);
	assert_int_equal(w.alt[4].func.wTransferSize, 64);
}

static void test_walker_treats_a_repeated_interface_number_as_a_new_run(void **state)
{
	static const uint8_t blob[] = {
		CFG_HDR,
		DFU_ALT(0, 0, 0), FUNC(0x0B, 2048),
		DFU_ALT(1, 0, 0),
		DFU_ALT(0, 1, 0),
	};
	struct walk w = WALK(blob);
	(void)state;

	assert_int_equal(w.n, 3);
	assert_true(w.alt[0].has_func);
	assert_false(w.alt[1].has_func);
	assert_false(w.alt[2].has_func);
}

static void test_walker_ignores_hid_descriptor_of_type_0x21(void **state)
{
	static const uint8_t blob[] = {
		CFG_HDR,
		/* HID keyboard: interface, HID class descriptor (also 0x21), endpoint */
		0x09, 0x04, 0x00, 0x00, 0x01, 0x03, 0x01, 0x01, 0x00,
		0x09, 0x21, 0x11, 0x01, 0x00, 0x01, 0x22, 0x3F, 0x00,
		0x07, 0x05, 0x81, 0x03, 0x08, 0x00, 0x0A,
		/* DFU runtime interface */
		0x09, 0x04, 0x01, 0x00, 0x00, 0xFE, 0x01, 0x01, 0x00,
		FUNC(0x09, 1024),
	};
	struct walk w = WALK(blob);
	(void)state;

	assert_int_equal(w.rc, 0);
	assert_int_equal(w.n, 2);
	assert_int_equal(w.alt[0].intf.bInterfaceClass, 0x03);
	assert_int_equal(w.alt[0].intf.bNumEndpoints, 1);
	assert_false(w.alt[0].has_func);
	assert_int_equal(w.alt[1].intf.bInterfaceProtocol, USB_PROTO_DFU_RUNTIME);
	assert_true(w.alt[1].has_func);
	assert_int_equal(w.alt[1].func.bmAttributes, 0x09);
}

static void test_walker_gives_no_functional_descriptor_to_a_non_dfu_alt(void **state)
{
	static const uint8_t blob[] = {
		CFG_HDR,
		/* alt 0: vendor class, followed by a vendor 0x21 that is not DFU's */
		0x09, 0x04, 0x00, 0x00, 0x00, 0xFF, 0x00, 0x00, 0x00,
		0x09, 0x21, 0xAA, 0xAA, 0xAA, 0xAA, 0xAA, 0xAA, 0xAA,
		/* alt 1: DFU, no descriptor of its own */
		DFU_ALT(0, 1, 0),
		/* alt 2: vendor class again */
		0x09, 0x04, 0x00, 0x02, 0x00, 0xFF, 0x00, 0x00, 0x00,
		/* alt 3: DFU with its descriptor */
		DFU_ALT(0, 3, 0), FUNC(0x0B, 2048),
	};
	struct walk w = WALK(blob);
	(void)state;

	assert_int_equal(w.rc, 0);
	assert_int_equal(w.n, 4);
	assert_false(w.alt[0].has_func);
	assert_st_func(&w.alt[1]);
	assert_false(w.alt[2].has_func);
	assert_st_func(&w.alt[3]);
}

static void test_walker_skips_other_descriptors_between_alts(void **state)
{
	static const uint8_t blob[] = {
		CFG_HDR,
		0x03, 0x7F, 0xAA,			/* unknown class-specific */
		FUNC(0x01, 16),				/* before any interface: ignored */
		DFU_ALT(0, 0, 0),
		0x07, 0x05, 0x01, 0x02, 0x40, 0x00, 0x00, /* endpoint */
		0x02, 0x30,				/* minimal descriptor */
		FUNC(0x0B, 2048),
		0x05, 0x24, 0x00, 0x10, 0x01,		/* trailing class descriptor */
	};
	struct walk w = WALK(blob);
	(void)state;

	assert_int_equal(w.rc, 0);
	assert_int_equal(w.n, 1);
	assert_st_func(&w.alt[0]);
}

static void test_walker_reads_longer_config_and_interface_descriptors(void **state)
{
	static const uint8_t blob[] = {
		0x0A, 0x02, 0x00, 0x00, 0x01, 0x01, 0x00, 0xC0, 0x32, 0xEE,
		0x0A, 0x04, 0x00, 0x00, 0x00, 0xFE, 0x01, 0x02, 0x04, 0xEE,
		FUNC(0x0B, 2048),
	};
	struct walk w = WALK(blob);
	(void)state;

	assert_int_equal(w.rc, 0);
	assert_int_equal(w.n, 1);
	assert_int_equal(w.alt[0].intf.iInterface, 4);
	assert_st_func(&w.alt[0]);
}

static void test_walker_finds_nothing_in_a_bare_configuration(void **state)
{
	static const uint8_t blob[] = {CFG_HDR};
	struct walk w = WALK(blob);
	(void)state;

	assert_int_equal(w.rc, 0);
	assert_int_equal(w.n, 0);
}

static void test_walker_rejects_blength_zero(void **state)
{
	static const uint8_t blob[] = {
		CFG_HDR, DFU_ALT(0, 0, 0), 0x00, 0x21, 0x00, 0x00, DFU_ALT(0, 1, 0),
	};
	struct walk w = WALK(blob);
	(void)state;

	/* The look-ahead for alt 0's functional descriptor hits it first. */
	assert_int_equal(w.n, 0);
	assert_int_equal(w.rc, DFU_E_FORMAT);
}

static void test_walker_rejects_blength_one(void **state)
{
	static const uint8_t blob[] = {CFG_HDR, 0x01, 0x05, DFU_ALT(0, 0, 0)};
	struct walk w = WALK(blob);
	(void)state;

	assert_int_equal(w.n, 0);
	assert_int_equal(w.rc, DFU_E_FORMAT);
}

static void test_walker_keeps_failing_at_the_same_bad_descriptor(void **state)
{
	static const uint8_t blob[] = {
		0x09, 0x02, 0x14, 0x00, 0x01, 0x01, 0x00, 0xC0, 0x32,
		DFU_ALT(0, 0, 0), 0x00, 0x04,
	};
	struct usb_config_iter it;
	struct usb_alt_info alt;
	(void)state;

	assert_int_equal(usb_config_iter_init(&it, blob, sizeof(blob), NULL), DFU_OK);
	assert_int_equal(usb_config_next_alt(&it, &alt), DFU_E_FORMAT);
	assert_int_equal(usb_config_next_alt(&it, &alt), DFU_E_FORMAT);
}

static void test_walker_rejects_descriptor_past_wtotallength(void **state)
{
	/* wTotalLength ends 4 bytes into the functional descriptor. */
	struct walk w = walk_blob(st_config, sizeof(st_config), sizeof(st_config),
				  sizeof(st_config) - 5);
	(void)state;

	assert_int_equal(w.n, 0);
	assert_int_equal(w.rc, DFU_E_TRUNCATED);
}

static void test_walker_stops_at_wtotallength_before_the_buffer_ends(void **state)
{
	/* wTotalLength covers config + alt 0 only; trailing bytes are ignored,
	 * so alt 0 has no functional descriptor. */
	struct walk w = walk_blob(st_config, sizeof(st_config), sizeof(st_config), 18);
	(void)state;

	assert_int_equal(w.rc, 0);
	assert_int_equal(w.n, 1);
	assert_false(w.alt[0].has_func);
}

static void test_walker_walks_a_short_buffer_when_wtotallength_is_larger(void **state)
{
	/* Buffer ends after alt 1 on a descriptor boundary: two alts, and
	 * the functional descriptor the host never received is absent. */
	struct walk w = walk_blob(st_config, sizeof(st_config), 27, 0x0400);
	(void)state;

	assert_int_equal(w.rc, 0);
	assert_int_equal(w.n, 2);
	assert_false(w.alt[0].has_func);
}

static void test_walker_rejects_a_buffer_that_cuts_a_descriptor(void **state)
{
	struct walk w = walk_blob(st_config, sizeof(st_config), sizeof(st_config) - 1, 0x0400);
	(void)state;

	assert_int_equal(w.rc, DFU_E_TRUNCATED);
}

static void test_walker_rejects_a_lone_trailing_byte(void **state)
{
	static const uint8_t blob[] = {CFG_HDR, DFU_ALT(0, 0, 0), 0x09};
	struct walk w = WALK(blob);
	(void)state;

	assert_int_equal(w.n, 0);
	assert_int_equal(w.rc, DFU_E_TRUNCATED);
}

static void test_walker_rejects_truncated_interface_descriptor(void **state)
{
	static const uint8_t cut[] = {CFG_HDR, DFU_ALT(0, 0, 0), 0x09, 0x04, 0x00, 0x01, 0x00};
	static const uint8_t short_blength[] = {
		CFG_HDR, 0x07, 0x04, 0x00, 0x00, 0x00, 0xFE, 0x01,
	};
	struct walk w = WALK(cut);
	(void)state;

	assert_int_equal(w.rc, DFU_E_TRUNCATED);
	w = WALK(short_blength);
	assert_int_equal(w.n, 0);
	assert_int_equal(w.rc, DFU_E_FORMAT);
}

static void test_walker_rejects_short_interface_descriptor_later_in_the_blob(void **state)
{
	static const uint8_t blob[] = {
		CFG_HDR, DFU_ALT(0, 0, 0), FUNC(0x0B, 2048),
		0x02, 0x04,
	};
	struct walk w = WALK(blob);
	(void)state;

	assert_int_equal(w.rc, DFU_E_FORMAT);
}

static void test_walker_rejects_malformed_functional_descriptor(void **state)
{
	static const uint8_t eight[] = {
		CFG_HDR, DFU_ALT(0, 0, 0), 0x08, 0x21, 0x0B, 0xFF, 0x00, 0x00, 0x08, 0x1A,
	};
	static const uint8_t three[] = {CFG_HDR, DFU_ALT(0, 0, 0), 0x03, 0x21, 0x0B};
	struct walk w = WALK(eight);
	(void)state;

	assert_int_equal(w.n, 0);
	assert_int_equal(w.rc, DFU_E_FORMAT);
	w = WALK(three);
	assert_int_equal(w.rc, DFU_E_FORMAT);
}

static void test_walker_init_rejects_bad_configuration_descriptor(void **state)
{
	uint8_t blob[sizeof(st_config)];
	struct usb_config_iter it;
	(void)state;

	memcpy(blob, st_config, sizeof(blob));
	assert_int_equal(usb_config_iter_init(&it, blob, 8, NULL), DFU_E_TRUNCATED);
	assert_int_equal(usb_config_iter_init(&it, blob, 0, NULL), DFU_E_TRUNCATED);
	blob[1] = USB_DT_DEVICE;
	assert_int_equal(usb_config_iter_init(&it, blob, sizeof(blob), NULL), DFU_E_FORMAT);
	blob[1] = USB_DT_CONFIG;
	blob[0] = 0;
	assert_int_equal(usb_config_iter_init(&it, blob, sizeof(blob), NULL), DFU_E_FORMAT);
}

static void test_walker_init_rejects_wtotallength_shorter_than_the_configuration(void **state)
{
	uint8_t blob[sizeof(st_config)];
	struct usb_config_iter it;
	(void)state;

	memcpy(blob, st_config, sizeof(blob));
	blob[2] = 8;
	blob[3] = 0;
	assert_int_equal(usb_config_iter_init(&it, blob, sizeof(blob), NULL), DFU_E_SIZE);
	blob[2] = 0;
	assert_int_equal(usb_config_iter_init(&it, blob, sizeof(blob), NULL), DFU_E_SIZE);
}

/* Every single-byte corruption of the ST blob, and every truncation, must
 * end the walk in bounded steps with 0 or an error, never a crash (the
 * sanitizer build checks the reads). */
static void test_walker_survives_every_single_byte_corruption(void **state)
{
	static const uint8_t values[] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x07, 0x08,
					 0x09, 0x0A, 0x21, 0x80, 0xFE, 0xFF};
	(void)state;

	for (size_t pos = 0; pos < sizeof(st_config); pos++) {
		for (size_t v = 0; v < ARRAY_LEN(values); v++) {
			uint8_t blob[sizeof(st_config)];
			struct usb_config_iter it;
			struct usb_alt_info alt;
			int rc, steps = 0;

			memcpy(blob, st_config, sizeof(blob));
			blob[pos] = values[v];
			if (usb_config_iter_init(&it, blob, sizeof(blob), NULL))
				continue;
			while ((rc = usb_config_next_alt(&it, &alt)) == 1)
				assert_true(++steps <= 8);
			assert_true(rc <= 0);
		}
	}
	for (size_t len = 0; len <= sizeof(st_config); len++) {
		struct usb_config_iter it;
		struct usb_alt_info alt;
		int rc, steps = 0;

		if (usb_config_iter_init(&it, st_config, len, NULL))
			continue;
		while ((rc = usb_config_next_alt(&it, &alt)) == 1)
			assert_true(++steps <= 4);
		assert_true(rc <= 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_device_desc_encodes_st_rom_bootloader_identity),
		cmocka_unit_test(test_device_desc_encode_into_too_small_buffer_fails),
		cmocka_unit_test(test_device_desc_decodes_every_field),
		cmocka_unit_test(test_device_desc_decode_round_trips_st_identity),
		cmocka_unit_test(test_device_desc_decode_rejects_first_eight_bytes_alone),
		cmocka_unit_test(test_device_desc_decode_rejects_wrong_type_and_short_blength),
		cmocka_unit_test(test_device_desc_decode_rejects_blength_larger_than_buffer),
		cmocka_unit_test(test_device_desc_decode_accepts_a_longer_blength_that_is_present),
		cmocka_unit_test(test_config_desc_encodes_st_rom_configuration),
		cmocka_unit_test(test_config_desc_decode_rejects_bad_type_blength_and_short_buffer),
		cmocka_unit_test(test_interface_desc_encodes_st_dfu_alt),
		cmocka_unit_test(test_interface_desc_decode_rejects_bad_type_blength_and_short_buffer),
		cmocka_unit_test(test_string_desc_encodes_product_with_two_spaces),
		cmocka_unit_test(test_string_desc_encodes_manufacturer),
		cmocka_unit_test(test_string_desc_encodes_empty_string_as_header_only),
		cmocka_unit_test(test_string_desc_encodes_non_ascii_as_utf16le),
		cmocka_unit_test(test_string_desc_encode_rejects_code_points_above_ffff),
		cmocka_unit_test(test_string_desc_encode_rejects_malformed_utf8),
		cmocka_unit_test(test_string_desc_encode_accepts_utf8_edges_of_each_length),
		cmocka_unit_test(test_string_desc_encode_takes_126_chars_and_refuses_127),
		cmocka_unit_test(test_string_desc_encode_counts_characters_not_bytes),
		cmocka_unit_test(test_string_desc_encode_into_too_small_buffer_fails),
		cmocka_unit_test(test_string_desc_encode_rejects_null_text),
		cmocka_unit_test(test_string_desc_decode_drops_the_last_byte_of_odd_blength),
		cmocka_unit_test(test_string_desc_decode_rejects_blength_larger_than_buffer),
		cmocka_unit_test(test_string_desc_decode_rejects_wrong_type_and_blength_below_two),
		cmocka_unit_test(test_string_desc_decode_joins_surrogate_pairs),
		cmocka_unit_test(test_string_desc_decode_replaces_unpaired_surrogates),
		cmocka_unit_test(test_string_desc_decode_replaces_embedded_nul),
		cmocka_unit_test(test_string_desc_decode_stops_at_whole_characters_when_out_is_small),
		cmocka_unit_test(test_string_desc_decode_refuses_zero_capacity),
		cmocka_unit_test(test_string_desc_decode_reads_the_longest_descriptor),
		cmocka_unit_test(test_langid_desc_encodes_english_us),
		cmocka_unit_test(test_langid_desc_round_trips_several_languages),
		cmocka_unit_test(test_langid_desc_decode_stores_at_most_max),
		cmocka_unit_test(test_langid_desc_decode_accepts_empty_list_and_odd_blength),
		cmocka_unit_test(test_langid_desc_decode_rejects_malformed_descriptors),
		cmocka_unit_test(test_langid_desc_encode_refuses_lists_that_do_not_fit),
		cmocka_unit_test(test_walker_gives_every_st_alt_the_functional_descriptor_after_the_last),
		cmocka_unit_test(test_walker_accepts_a_null_config_out),
		cmocka_unit_test(test_walker_builds_from_the_encoders_what_it_parses),
		cmocka_unit_test(test_walker_attaches_each_functional_descriptor_to_the_alt_it_follows),
		cmocka_unit_test(test_walker_shares_a_functional_descriptor_after_the_first_alt),
		cmocka_unit_test(test_walker_shares_a_functional_descriptor_after_a_middle_alt),
		cmocka_unit_test(test_walker_keeps_functional_descriptors_within_their_interface),
		cmocka_unit_test(test_walker_treats_a_repeated_interface_number_as_a_new_run),
		cmocka_unit_test(test_walker_ignores_hid_descriptor_of_type_0x21),
		cmocka_unit_test(test_walker_gives_no_functional_descriptor_to_a_non_dfu_alt),
		cmocka_unit_test(test_walker_skips_other_descriptors_between_alts),
		cmocka_unit_test(test_walker_reads_longer_config_and_interface_descriptors),
		cmocka_unit_test(test_walker_finds_nothing_in_a_bare_configuration),
		cmocka_unit_test(test_walker_rejects_blength_zero),
		cmocka_unit_test(test_walker_rejects_blength_one),
		cmocka_unit_test(test_walker_keeps_failing_at_the_same_bad_descriptor),
		cmocka_unit_test(test_walker_rejects_descriptor_past_wtotallength),
		cmocka_unit_test(test_walker_stops_at_wtotallength_before_the_buffer_ends),
		cmocka_unit_test(test_walker_walks_a_short_buffer_when_wtotallength_is_larger),
		cmocka_unit_test(test_walker_rejects_a_buffer_that_cuts_a_descriptor),
		cmocka_unit_test(test_walker_rejects_a_lone_trailing_byte),
		cmocka_unit_test(test_walker_rejects_truncated_interface_descriptor),
		cmocka_unit_test(test_walker_rejects_short_interface_descriptor_later_in_the_blob),
		cmocka_unit_test(test_walker_rejects_malformed_functional_descriptor),
		cmocka_unit_test(test_walker_init_rejects_bad_configuration_descriptor),
		cmocka_unit_test(test_walker_init_rejects_wtotallength_shorter_than_the_configuration),
		cmocka_unit_test(test_walker_survives_every_single_byte_corruption),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
