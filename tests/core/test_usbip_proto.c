/* test_usbip_proto.c - the USB/IP 0x0111 codecs, both directions, and every
 * malformed form of every message. Expected bytes are written out by hand
 * from the offsets in [usbip-protocol] and [usbip-vhci], not
 * produced by the encoders. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "dfu/error.h"
#include "dfu/usbip_proto.h"

static void fill_device(struct usbip_usb_device *d, const char *busid)
{
	memset(d, 0, sizeof(*d));
	snprintf(d->path, sizeof(d->path), "/sys/devices/dfulab/usb1/%s", busid);
	snprintf(d->busid, sizeof(d->busid), "%s", busid);
	d->busnum = 1;
	d->devnum = 2;
	d->speed = USBIP_SPEED_FULL;
	d->idVendor = 0x0483;
	d->idProduct = 0xdf11;
	d->bcdDevice = 0x2200;
	d->bConfigurationValue = 1;
	d->bNumConfigurations = 1;
	d->bNumInterfaces = 1;
}

/* ---- names ---- */

static void test_every_op_status_has_its_name(void **state)
{
	(void)state;
	assert_string_equal(usbip_op_status_name(USBIP_ST_OK), "ST_OK");
	assert_string_equal(usbip_op_status_name(USBIP_ST_NA), "ST_NA");
	assert_string_equal(usbip_op_status_name(USBIP_ST_DEV_BUSY), "ST_DEV_BUSY");
	assert_string_equal(usbip_op_status_name(USBIP_ST_DEV_ERR), "ST_DEV_ERR");
	assert_string_equal(usbip_op_status_name(USBIP_ST_NODEV), "ST_NODEV");
	assert_string_equal(usbip_op_status_name(USBIP_ST_ERROR), "ST_ERROR");
	assert_string_equal(usbip_op_status_name(6), "unknown status");
}

static void test_every_command_has_its_name(void **state)
{
	(void)state;
	assert_string_equal(usbip_command_name(1), "CMD_SUBMIT");
	assert_string_equal(usbip_command_name(2), "CMD_UNLINK");
	assert_string_equal(usbip_command_name(3), "RET_SUBMIT");
	assert_string_equal(usbip_command_name(4), "RET_UNLINK");
	assert_string_equal(usbip_command_name(0), "unknown command");
	assert_string_equal(usbip_command_name(0x01118005), "unknown command");
}

/* ---- op_common ---- */

static void test_op_common_is_big_endian_version_code_status(void **state)
{
	struct usbip_op_common op = { 0x0111, 0x8005, 0x01020304 };
	static const uint8_t want[8] = { 0x01, 0x11, 0x80, 0x05, 0x01, 0x02, 0x03, 0x04 };
	uint8_t out[8];
	(void)state;
	assert_int_equal(usbip_op_common_encode(&op, out, sizeof(out)), 8);
	assert_memory_equal(out, want, 8);
	memset(&op, 0, sizeof(op));
	assert_int_equal(usbip_op_common_decode(want, 8, &op, NULL), 8);
	assert_int_equal(op.version, 0x0111);
	assert_int_equal(op.code, 0x8005);
	assert_int_equal(op.status, 0x01020304);
}

static void test_op_common_encode_into_seven_bytes_fails(void **state)
{
	struct usbip_op_common op = { 0x0111, 0x8005, 0 };
	uint8_t out[7];
	(void)state;
	assert_int_equal(usbip_op_common_encode(&op, out, sizeof(out)), DFU_E_NOSPACE);
}

static void test_op_common_decode_of_zero_to_seven_bytes_is_truncated(void **state)
{
	static const uint8_t in[8] = { 0x01, 0x11, 0x80, 0x05 };
	struct usbip_op_common op;
	struct dfu_diag diag;
	(void)state;
	for (size_t n = 0; n < 8; n++) {
		assert_int_equal(usbip_op_common_decode(in, n, &op, &diag), DFU_E_TRUNCATED);
		assert_int_equal(diag.offset, n);
	}
}

static void test_op_common_with_other_version_is_unsupported_and_named(void **state)
{
	static const uint8_t in[8] = { 0x01, 0x06, 0x80, 0x05, 0, 0, 0, 0 };
	struct usbip_op_common op;
	struct dfu_diag diag;
	(void)state;
	assert_int_equal(usbip_op_common_decode(in, 8, &op, &diag), DFU_E_UNSUPPORTED);
	assert_non_null(strstr(diag.msg, "0x0106"));
	assert_non_null(strstr(diag.msg, "0x0111"));
}

/* ---- OP_REQ_DEVLIST ---- */

static void test_req_devlist_is_eight_bytes(void **state)
{
	static const uint8_t want[8] = { 0x01, 0x11, 0x80, 0x05, 0, 0, 0, 0 };
	uint8_t out[16];
	(void)state;
	assert_int_equal(usbip_req_devlist_encode(out, sizeof(out)), 8);
	assert_memory_equal(out, want, 8);
	assert_int_equal(usbip_req_devlist_decode(want, 8, NULL), 8);
	assert_int_equal(usbip_req_devlist_encode(out, 7), DFU_E_NOSPACE);
}

static void test_req_devlist_decode_rejects_import_code(void **state)
{
	static const uint8_t in[8] = { 0x01, 0x11, 0x80, 0x03, 0, 0, 0, 0 };
	struct dfu_diag diag;
	(void)state;
	assert_int_equal(usbip_req_devlist_decode(in, 8, &diag), DFU_E_FORMAT);
	assert_int_equal(diag.offset, 2);
	assert_non_null(strstr(diag.msg, "0x8003"));
}

static void test_req_devlist_decode_rejects_nonzero_status(void **state)
{
	static const uint8_t in[8] = { 0x01, 0x11, 0x80, 0x05, 0, 0, 0, 1 };
	struct dfu_diag diag;
	(void)state;
	assert_int_equal(usbip_req_devlist_decode(in, 8, &diag), DFU_E_FORMAT);
	assert_int_equal(diag.offset, 4);
}

static void test_req_devlist_decode_rejects_truncated_and_wrong_version(void **state)
{
	static const uint8_t in[8] = { 0x01, 0x10, 0x80, 0x05, 0, 0, 0, 0 };
	(void)state;
	assert_int_equal(usbip_req_devlist_decode(in, 5, NULL), DFU_E_TRUNCATED);
	assert_int_equal(usbip_req_devlist_decode(in, 8, NULL), DFU_E_UNSUPPORTED);
}

/* ---- device and interface records ---- */

static void test_device_record_puts_every_field_at_its_offset(void **state)
{
	struct usbip_usb_device d;
	uint8_t out[USBIP_DEVICE_SIZE];
	(void)state;
	fill_device(&d, "1-2");
	d.busnum = 0x01020304;
	d.devnum = 0x05060708;
	d.bDeviceClass = 0xA1;
	d.bDeviceSubClass = 0xA2;
	d.bDeviceProtocol = 0xA3;
	d.bConfigurationValue = 0xA4;
	d.bNumConfigurations = 0xA5;
	d.bNumInterfaces = 0xA6;
	memset(out, 0xEE, sizeof(out));
	assert_int_equal(usbip_device_encode(&d, out, sizeof(out)), 312);
	assert_string_equal((const char *)out, "/sys/devices/dfulab/usb1/1-2");
	for (size_t i = strlen(d.path); i < 256; i++)
		assert_int_equal(out[i], 0);
	assert_string_equal((const char *)out + 0x100, "1-2");
	for (size_t i = 0x100 + 3; i < 0x120; i++)
		assert_int_equal(out[i], 0);
	static const uint8_t tail[24] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
					  0x00, 0x00, 0x00, 0x02, 0x04, 0x83, 0xdf, 0x11,
					  0x22, 0x00, 0xA1, 0xA2, 0xA3, 0xA4, 0xA5, 0xA6 };
	assert_memory_equal(out + 0x120, tail, 24);
}

static void test_device_record_round_trips(void **state)
{
	struct usbip_usb_device d, back;
	uint8_t out[USBIP_DEVICE_SIZE];
	(void)state;
	fill_device(&d, "1-1");
	assert_int_equal(usbip_device_encode(&d, out, sizeof(out)), 312);
	assert_int_equal(usbip_device_decode(out, sizeof(out), &back, NULL), 312);
	assert_string_equal(back.path, d.path);
	assert_string_equal(back.busid, d.busid);
	assert_int_equal(back.busnum, 1);
	assert_int_equal(back.devnum, 2);
	assert_int_equal(back.speed, 2);
	assert_int_equal(back.idVendor, 0x0483);
	assert_int_equal(back.idProduct, 0xdf11);
	assert_int_equal(back.bcdDevice, 0x2200);
	assert_int_equal(back.bNumInterfaces, 1);
}

static void test_device_encode_into_short_buffer_fails(void **state)
{
	struct usbip_usb_device d;
	uint8_t out[USBIP_DEVICE_SIZE];
	(void)state;
	fill_device(&d, "1-1");
	assert_int_equal(usbip_device_encode(&d, out, 311), DFU_E_NOSPACE);
}

static void test_device_encode_rejects_busid_without_room_for_nul(void **state)
{
	struct usbip_usb_device d;
	uint8_t out[USBIP_DEVICE_SIZE];
	(void)state;
	fill_device(&d, "1-1");
	memset(d.busid, 'x', sizeof(d.busid)); /* 32 characters, no NUL */
	assert_int_equal(usbip_device_encode(&d, out, sizeof(out)), DFU_E_INVAL);
	memset(d.busid, 'x', 31);
	d.busid[31] = 0; /* 31 characters fit */
	assert_int_equal(usbip_device_encode(&d, out, sizeof(out)), 312);
}

static void test_device_encode_rejects_path_of_256_characters(void **state)
{
	struct usbip_usb_device d;
	uint8_t out[USBIP_DEVICE_SIZE];
	(void)state;
	fill_device(&d, "1-1");
	memset(d.path, '/', sizeof(d.path));
	assert_int_equal(usbip_device_encode(&d, out, sizeof(out)), DFU_E_INVAL);
}

static void test_device_decode_of_311_bytes_is_truncated(void **state)
{
	uint8_t in[USBIP_DEVICE_SIZE] = { 0 };
	struct usbip_usb_device d;
	(void)state;
	assert_int_equal(usbip_device_decode(in, 311, &d, NULL), DFU_E_TRUNCATED);
	assert_int_equal(usbip_device_decode(in, 0, &d, NULL), DFU_E_TRUNCATED);
}

static void test_device_decode_rejects_path_without_nul(void **state)
{
	uint8_t in[USBIP_DEVICE_SIZE] = { 0 };
	struct usbip_usb_device d;
	struct dfu_diag diag;
	(void)state;
	memset(in, 'p', 256);
	in[0x100] = '1';
	assert_int_equal(usbip_device_decode(in, sizeof(in), &d, &diag), DFU_E_FORMAT);
	assert_int_equal(diag.offset, 0);
	assert_non_null(strstr(diag.msg, "path"));
}

static void test_device_decode_rejects_busid_without_nul(void **state)
{
	uint8_t in[USBIP_DEVICE_SIZE] = { 0 };
	struct usbip_usb_device d;
	struct dfu_diag diag;
	(void)state;
	memset(in + 0x100, 'b', 32);
	assert_int_equal(usbip_device_decode(in, sizeof(in), &d, &diag), DFU_E_FORMAT);
	assert_int_equal(diag.offset, 0x100);
	assert_non_null(strstr(diag.msg, "busid"));
}

static void test_interface_record_is_class_subclass_protocol_pad(void **state)
{
	struct usbip_usb_interface i = { 0xFE, 0x01, 0x02 }, back;
	static const uint8_t want[4] = { 0xFE, 0x01, 0x02, 0x00 };
	uint8_t out[4] = { 9, 9, 9, 9 };
	(void)state;
	assert_int_equal(usbip_interface_encode(&i, out, 4), 4);
	assert_memory_equal(out, want, 4);
	assert_int_equal(usbip_interface_encode(&i, out, 3), DFU_E_NOSPACE);
	assert_int_equal(usbip_interface_decode(want, 4, &back, NULL), 4);
	assert_int_equal(back.bInterfaceClass, 0xFE);
	assert_int_equal(back.bInterfaceSubClass, 1);
	assert_int_equal(back.bInterfaceProtocol, 2);
	assert_int_equal(usbip_interface_decode(want, 3, &back, NULL), DFU_E_TRUNCATED);
}

/* ---- OP_REP_DEVLIST ---- */

static const struct usbip_usb_interface dfu_intf = { 0xFE, 0x01, 0x02 };

static int build_two_device_list(uint8_t *out, size_t cap)
{
	static struct usbip_usb_interface two[2] = { { 0xFE, 1, 2 }, { 0xFF, 0, 0 } };
	struct usbip_devlist_entry e[2];

	fill_device(&e[0].dev, "1-1");
	e[0].intf = &dfu_intf;
	fill_device(&e[1].dev, "1-2");
	e[1].dev.bNumInterfaces = 2;
	e[1].intf = two;
	return usbip_rep_devlist_encode(e, 2, out, cap);
}

static void test_rep_devlist_layout_has_header_records_and_interfaces(void **state)
{
	uint8_t out[1024];
	static const uint8_t head[12] = { 0x01, 0x11, 0x00, 0x05, 0, 0, 0, 0, 0, 0, 0, 2 };
	int n;
	(void)state;
	n = build_two_device_list(out, sizeof(out));
	assert_int_equal(n, 12 + 312 + 4 + 312 + 8);
	assert_memory_equal(out, head, 12);
	/* First device's path at 0x0C and busid at 0x10C, as [usbip-protocol]
	 * says. */
	assert_string_equal((const char *)out + 0x0C, "/sys/devices/dfulab/usb1/1-1");
	assert_string_equal((const char *)out + 0x10C, "1-1");
	assert_int_equal(out[0x12C + 3], 1); /* busnum */
	static const uint8_t intf0[4] = { 0xFE, 0x01, 0x02, 0x00 };
	assert_memory_equal(out + 12 + 312, intf0, 4);
	assert_string_equal((const char *)out + 12 + 316 + 0x100, "1-2");
	static const uint8_t intf1[8] = { 0xFE, 1, 2, 0, 0xFF, 0, 0, 0 };
	assert_memory_equal(out + 12 + 316 + 312, intf1, 8);
}

static void test_rep_devlist_size_counts_interfaces(void **state)
{
	struct usbip_devlist_entry e;
	(void)state;
	fill_device(&e.dev, "1-1");
	e.dev.bNumInterfaces = 3;
	e.intf = NULL;
	assert_int_equal(usbip_rep_devlist_size(&e, 0), 12);
	assert_int_equal(usbip_rep_devlist_size(&e, 1), 12 + 312 + 12);
}

static void test_rep_devlist_with_no_devices_is_twelve_bytes(void **state)
{
	uint8_t out[12];
	static const uint8_t want[12] = { 0x01, 0x11, 0x00, 0x05, 0, 0, 0, 0, 0, 0, 0, 0 };
	struct usbip_devlist_iter it;
	struct usbip_usb_device d;
	(void)state;
	assert_int_equal(usbip_rep_devlist_encode(NULL, 0, out, sizeof(out)), 12);
	assert_memory_equal(out, want, 12);
	assert_int_equal(usbip_rep_devlist_begin(&it, out, 12, NULL), 0);
	assert_int_equal(it.ndev, 0);
	assert_int_equal(usbip_rep_devlist_next(&it, &d, NULL, 0, NULL), 0);
}

static void test_rep_devlist_encode_rejects_missing_interfaces_and_short_buffer(void **state)
{
	struct usbip_devlist_entry e;
	uint8_t out[1024];
	(void)state;
	fill_device(&e.dev, "1-1");
	e.intf = NULL;
	assert_int_equal(usbip_rep_devlist_encode(&e, 1, out, sizeof(out)), DFU_E_INVAL);
	e.intf = &dfu_intf;
	assert_int_equal(usbip_rep_devlist_encode(&e, 1, out, 12 + 312 + 3), DFU_E_NOSPACE);
	assert_int_equal(usbip_rep_devlist_encode(&e, 1, out, 12 + 312 + 4), 12 + 316);
}

static void test_rep_devlist_encode_rejects_device_with_bad_busid(void **state)
{
	struct usbip_devlist_entry e;
	uint8_t out[1024];
	(void)state;
	fill_device(&e.dev, "1-1");
	e.intf = &dfu_intf;
	memset(e.dev.busid, 'x', sizeof(e.dev.busid));
	assert_int_equal(usbip_rep_devlist_encode(&e, 1, out, sizeof(out)), DFU_E_INVAL);
}

static void test_rep_devlist_iterates_devices_and_their_interfaces(void **state)
{
	uint8_t out[1024];
	struct usbip_devlist_iter it;
	struct usbip_usb_device d;
	struct usbip_usb_interface intf[4];
	int n;
	(void)state;
	n = build_two_device_list(out, sizeof(out));
	assert_int_equal(usbip_rep_devlist_begin(&it, out, (size_t)n, NULL), 0);
	assert_int_equal(it.ndev, 2);
	assert_int_equal(usbip_rep_devlist_next(&it, &d, intf, 4, NULL), 1);
	assert_string_equal(d.busid, "1-1");
	assert_int_equal(intf[0].bInterfaceClass, 0xFE);
	assert_int_equal(usbip_rep_devlist_next(&it, &d, intf, 4, NULL), 1);
	assert_string_equal(d.busid, "1-2");
	assert_int_equal(d.bNumInterfaces, 2);
	assert_int_equal(intf[1].bInterfaceClass, 0xFF);
	assert_int_equal(usbip_rep_devlist_next(&it, &d, intf, 4, NULL), 0);
}

static void test_rep_devlist_keeps_only_interfaces_that_fit_and_skips_the_rest(void **state)
{
	uint8_t out[1024];
	struct usbip_devlist_iter it;
	struct usbip_usb_device d;
	struct usbip_usb_interface intf[1] = { { 0x11, 0x22, 0x33 } };
	int n;
	(void)state;
	n = build_two_device_list(out, sizeof(out));
	assert_int_equal(usbip_rep_devlist_begin(&it, out, (size_t)n, NULL), 0);
	assert_int_equal(usbip_rep_devlist_next(&it, &d, NULL, 0, NULL), 1);
	assert_int_equal(usbip_rep_devlist_next(&it, &d, intf, 1, NULL), 1);
	assert_int_equal(intf[0].bInterfaceClass, 0xFE);
	assert_int_equal(usbip_rep_devlist_next(&it, &d, intf, 1, NULL), 0);
}

static void test_rep_devlist_cut_anywhere_is_truncated(void **state)
{
	uint8_t out[1024];
	struct usbip_devlist_iter it;
	struct usbip_usb_device d;
	struct usbip_usb_interface intf[2];
	int n;
	(void)state;
	n = build_two_device_list(out, sizeof(out));
	for (int cut = 0; cut < n; cut++) {
		int rc = usbip_rep_devlist_begin(&it, out, (size_t)cut, NULL);

		while (rc >= 0) {
			rc = usbip_rep_devlist_next(&it, &d, intf, 2, NULL);
			if (rc == 0)
				fail_msg("a list cut to %d of %d bytes read as complete", cut, n);
		}
		assert_int_equal(rc, DFU_E_TRUNCATED);
	}
}

static void test_rep_devlist_with_trailing_bytes_is_a_size_error(void **state)
{
	uint8_t out[1024];
	struct usbip_devlist_iter it;
	struct usbip_usb_device d;
	struct dfu_diag diag;
	int n;
	(void)state;
	n = build_two_device_list(out, sizeof(out));
	assert_int_equal(usbip_rep_devlist_begin(&it, out, (size_t)n + 3, NULL), 0);
	assert_int_equal(usbip_rep_devlist_next(&it, &d, NULL, 0, NULL), 1);
	assert_int_equal(usbip_rep_devlist_next(&it, &d, NULL, 0, NULL), 1);
	assert_int_equal(usbip_rep_devlist_next(&it, &d, NULL, 0, &diag), DFU_E_SIZE);
	assert_int_equal(diag.offset, (size_t)n);
}

static void test_rep_devlist_with_error_status_names_it(void **state)
{
	static const uint8_t in[12] = { 0x01, 0x11, 0x00, 0x05, 0, 0, 0, 5, 0, 0, 0, 0 };
	struct usbip_devlist_iter it;
	struct dfu_diag diag;
	(void)state;
	assert_int_equal(usbip_rep_devlist_begin(&it, in, 12, &diag), DFU_E_DEVICE);
	assert_non_null(strstr(diag.msg, "ST_ERROR"));
}

static void test_rep_devlist_with_wrong_code_or_version_is_refused(void **state)
{
	uint8_t in[12] = { 0x01, 0x11, 0x00, 0x03, 0, 0, 0, 0, 0, 0, 0, 0 };
	struct usbip_devlist_iter it;
	(void)state;
	assert_int_equal(usbip_rep_devlist_begin(&it, in, 12, NULL), DFU_E_FORMAT);
	in[3] = 0x05;
	in[1] = 0x00;
	assert_int_equal(usbip_rep_devlist_begin(&it, in, 12, NULL), DFU_E_UNSUPPORTED);
}

static void test_rep_devlist_with_device_lacking_busid_nul_is_refused(void **state)
{
	uint8_t out[1024];
	struct usbip_devlist_iter it;
	struct usbip_usb_device d;
	struct dfu_diag diag;
	int n;
	(void)state;
	n = build_two_device_list(out, sizeof(out));
	memset(out + 12 + 316 + 0x100, 'z', 32); /* second device's busid */
	assert_int_equal(usbip_rep_devlist_begin(&it, out, (size_t)n, NULL), 0);
	assert_int_equal(usbip_rep_devlist_next(&it, &d, NULL, 0, NULL), 1);
	assert_int_equal(usbip_rep_devlist_next(&it, &d, NULL, 0, &diag), DFU_E_FORMAT);
	assert_int_equal(diag.offset, 12 + 316 + 0x100);
}

static void test_rep_devlist_announcing_more_devices_than_sent_is_truncated(void **state)
{
	static const uint8_t in[12] = { 0x01, 0x11, 0x00, 0x05, 0, 0, 0, 0,
					0xFF, 0xFF, 0xFF, 0xFF };
	struct usbip_devlist_iter it;
	struct usbip_usb_device d;
	(void)state;
	assert_int_equal(usbip_rep_devlist_begin(&it, in, 12, NULL), 0);
	assert_int_equal(it.ndev, 0xFFFFFFFFu);
	assert_int_equal(usbip_rep_devlist_next(&it, &d, NULL, 0, NULL), DFU_E_TRUNCATED);
}

/* ---- OP_REQ_IMPORT / OP_REP_IMPORT ---- */

static void test_req_import_is_op_common_and_padded_busid(void **state)
{
	uint8_t out[64] = { 0 };
	uint8_t want[40] = { 0x01, 0x11, 0x80, 0x03, 0, 0, 0, 0, '1', '-', '2' };
	char busid[USBIP_BUSID_SIZE];
	(void)state;
	memset(out, 0xEE, sizeof(out));
	assert_int_equal(usbip_req_import_encode("1-2", out, sizeof(out)), 40);
	assert_memory_equal(out, want, 40);
	assert_int_equal(usbip_req_import_decode(want, 40, busid, NULL), 40);
	assert_string_equal(busid, "1-2");
}

static void test_req_import_encode_rejects_bad_busid_and_short_buffer(void **state)
{
	uint8_t out[64] = { 0 };
	char longid[40];
	(void)state;
	memset(longid, 'x', 32);
	longid[32] = 0;
	assert_int_equal(usbip_req_import_encode(longid, out, sizeof(out)), DFU_E_INVAL);
	assert_int_equal(usbip_req_import_encode("", out, sizeof(out)), DFU_E_INVAL);
	assert_int_equal(usbip_req_import_encode(NULL, out, sizeof(out)), DFU_E_INVAL);
	assert_int_equal(usbip_req_import_encode("1-1", out, 39), DFU_E_NOSPACE);
}

static void test_req_import_decode_cut_anywhere_is_truncated(void **state)
{
	uint8_t in[40];
	char busid[USBIP_BUSID_SIZE];
	(void)state;
	usbip_req_import_encode("1-1", in, sizeof(in));
	for (size_t n = 0; n < 40; n++)
		assert_int_equal(usbip_req_import_decode(in, n, busid, NULL), DFU_E_TRUNCATED);
}

static void test_req_import_decode_rejects_busid_without_nul(void **state)
{
	uint8_t in[40];
	char busid[USBIP_BUSID_SIZE];
	struct dfu_diag diag;
	(void)state;
	usbip_req_import_encode("1-1", in, sizeof(in));
	memset(in + 8, 'A', 32);
	assert_int_equal(usbip_req_import_decode(in, 40, busid, &diag), DFU_E_FORMAT);
	assert_int_equal(diag.offset, 8);
}

static void test_req_import_decode_rejects_empty_busid(void **state)
{
	uint8_t in[40] = { 0x01, 0x11, 0x80, 0x03 };
	char busid[USBIP_BUSID_SIZE];
	(void)state;
	assert_int_equal(usbip_req_import_decode(in, 40, busid, NULL), DFU_E_FORMAT);
}

static void test_req_import_decode_rejects_devlist_code_status_and_version(void **state)
{
	uint8_t in[40];
	char busid[USBIP_BUSID_SIZE];
	(void)state;
	usbip_req_import_encode("1-1", in, sizeof(in));
	in[3] = 0x05;
	assert_int_equal(usbip_req_import_decode(in, 40, busid, NULL), DFU_E_FORMAT);
	in[3] = 0x03;
	in[7] = 0x02;
	assert_int_equal(usbip_req_import_decode(in, 40, busid, NULL), DFU_E_FORMAT);
	in[7] = 0;
	in[0] = 0x02;
	assert_int_equal(usbip_req_import_decode(in, 40, busid, NULL), DFU_E_UNSUPPORTED);
}

static void test_rep_import_ok_carries_device_record_at_offset_8(void **state)
{
	struct usbip_usb_device d, back;
	uint8_t out[USBIP_REP_IMPORT_SIZE];
	uint32_t status = 99;
	static const uint8_t head[8] = { 0x01, 0x11, 0x00, 0x03, 0, 0, 0, 0 };
	(void)state;
	fill_device(&d, "1-1");
	assert_int_equal(usbip_rep_import_encode(USBIP_ST_OK, &d, out, sizeof(out)), 320);
	assert_memory_equal(out, head, 8);
	assert_string_equal((const char *)out + 0x108, "1-1"); /* busid at 0x108 */
	assert_int_equal(out[0x130 + 3], USBIP_SPEED_FULL);	/* speed at 0x130 */
	assert_int_equal(out[0x134], 0x04);			/* idVendor at 0x134 */
	assert_int_equal(out[0x135], 0x83);
	assert_int_equal(usbip_rep_import_decode(out, 320, &status, &back, NULL), 320);
	assert_int_equal(status, 0);
	assert_string_equal(back.busid, "1-1");
	assert_int_equal(back.idProduct, 0xdf11);
}

static void test_rep_import_error_is_eight_bytes_with_status(void **state)
{
	uint8_t out[USBIP_REP_IMPORT_SIZE];
	static const uint8_t want[8] = { 0x01, 0x11, 0x00, 0x03, 0, 0, 0, 2 };
	uint32_t status = 0;
	struct usbip_usb_device d;
	(void)state;
	assert_int_equal(usbip_rep_import_encode(USBIP_ST_DEV_BUSY, NULL, out, sizeof(out)), 8);
	assert_memory_equal(out, want, 8);
	assert_int_equal(usbip_rep_import_decode(want, 8, &status, &d, NULL), 8);
	assert_int_equal(status, USBIP_ST_DEV_BUSY);
}

static void test_rep_import_encode_rejects_ok_without_device_and_short_buffers(void **state)
{
	struct usbip_usb_device d;
	uint8_t out[USBIP_REP_IMPORT_SIZE];
	(void)state;
	fill_device(&d, "1-1");
	assert_int_equal(usbip_rep_import_encode(USBIP_ST_OK, NULL, out, sizeof(out)), DFU_E_INVAL);
	assert_int_equal(usbip_rep_import_encode(USBIP_ST_OK, &d, out, 319), DFU_E_NOSPACE);
	assert_int_equal(usbip_rep_import_encode(USBIP_ST_NODEV, NULL, out, 7), DFU_E_NOSPACE);
	memset(d.path, 'x', sizeof(d.path));
	assert_int_equal(usbip_rep_import_encode(USBIP_ST_OK, &d, out, sizeof(out)), DFU_E_INVAL);
}

static void test_rep_import_ok_cut_short_is_truncated(void **state)
{
	struct usbip_usb_device d;
	uint8_t out[USBIP_REP_IMPORT_SIZE];
	uint32_t status;
	struct dfu_diag diag;
	(void)state;
	fill_device(&d, "1-1");
	usbip_rep_import_encode(USBIP_ST_OK, &d, out, sizeof(out));
	for (size_t n = 0; n < 320; n++)
		assert_int_equal(usbip_rep_import_decode(out, n, &status, &d, &diag),
				 DFU_E_TRUNCATED);
}

static void test_rep_import_with_wrong_code_or_bad_record_is_refused(void **state)
{
	struct usbip_usb_device d;
	uint8_t out[USBIP_REP_IMPORT_SIZE];
	uint32_t status;
	struct dfu_diag diag;
	(void)state;
	fill_device(&d, "1-1");
	usbip_rep_import_encode(USBIP_ST_OK, &d, out, sizeof(out));
	out[3] = 0x05;
	assert_int_equal(usbip_rep_import_decode(out, 320, &status, &d, NULL), DFU_E_FORMAT);
	out[3] = 0x03;
	memset(out + 0x108, '9', 32);
	assert_int_equal(usbip_rep_import_decode(out, 320, &status, &d, &diag), DFU_E_FORMAT);
	assert_int_equal(diag.offset, 0x108);
}

/* ---- URB messages ---- */

static void test_peek_command_reads_the_first_word(void **state)
{
	static const uint8_t submit[4] = { 0, 0, 0, 1 }, unlink[4] = { 0, 0, 0, 2 };
	static const uint8_t op[4] = { 0x01, 0x11, 0x80, 0x05 }, zero[4] = { 0 };
	(void)state;
	assert_int_equal(usbip_peek_command(submit, 4, NULL), USBIP_CMD_SUBMIT);
	assert_int_equal(usbip_peek_command(unlink, 4, NULL), USBIP_CMD_UNLINK);
	assert_int_equal(usbip_peek_command(submit, 3, NULL), DFU_E_TRUNCATED);
	assert_int_equal(usbip_peek_command(op, 4, NULL), DFU_E_FORMAT);
	assert_int_equal(usbip_peek_command(zero, 4, NULL), DFU_E_FORMAT);
}

static const uint8_t get_device_desc[8] = { 0x80, 0x06, 0x00, 0x01, 0x00, 0x00, 0x40, 0x00 };

static void test_cmd_submit_in_layout_matches_the_spec(void **state)
{
	struct usbip_cmd_submit m = {
		.base = { USBIP_CMD_SUBMIT, 0x0A0B0C0D, 0x00010002, USBIP_DIR_IN, 0 },
		.transfer_flags = 0x200,
		.transfer_buffer_length = 64,
		.start_frame = 0,
		.number_of_packets = 0,
		.interval = 0,
	};
	static const uint8_t want[48] = {
		0, 0, 0, 1, 0x0A, 0x0B, 0x0C, 0x0D, 0, 1, 0, 2, 0, 0, 0, 1, 0, 0, 0, 0,
		0, 0, 2, 0, 0, 0, 0, 64, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0x80, 0x06, 0x00, 0x01, 0x00, 0x00, 0x40, 0x00,
	};
	uint8_t out[128];
	(void)state;
	memcpy(m.setup, get_device_desc, 8);
	assert_int_equal(usbip_cmd_submit_size(&m), 48); /* IN: no data follows */
	assert_int_equal(usbip_cmd_submit_encode(&m, NULL, out, sizeof(out)), 48);
	assert_memory_equal(out, want, 48);
}

static void test_cmd_submit_out_carries_its_data(void **state)
{
	struct usbip_cmd_submit m = {
		.base = { USBIP_CMD_SUBMIT, 7, 0x00010002, USBIP_DIR_OUT, 0 },
		.transfer_buffer_length = 5,
	};
	static const uint8_t setup[8] = { 0x21, 0x01, 0x00, 0x00, 0x00, 0x00, 0x05, 0x00 };
	static const uint8_t data[5] = { 0x41, 0x00, 0x00, 0x00, 0x08 };
	uint8_t out[128];
	struct usbip_cmd_submit back;
	const uint8_t *p = NULL;
	(void)state;
	memcpy(m.setup, setup, 8);
	assert_int_equal(usbip_cmd_submit_size(&m), 53);
	assert_int_equal(usbip_cmd_submit_encode(&m, data, out, sizeof(out)), 53);
	assert_memory_equal(out + 48, data, 5);
	assert_int_equal(usbip_cmd_submit_decode(out, 53, 4096, &back, &p, NULL), 53);
	assert_ptr_equal(p, out + 48);
	assert_int_equal(back.base.seqnum, 7);
	assert_int_equal(back.base.devid, 0x00010002);
	assert_int_equal(back.base.direction, USBIP_DIR_OUT);
	assert_int_equal(back.transfer_buffer_length, 5);
	assert_memory_equal(back.setup, setup, 8);
}

static void test_cmd_submit_zero_length_out_has_no_data(void **state)
{
	struct usbip_cmd_submit m = {
		.base = { USBIP_CMD_SUBMIT, 8, 0, USBIP_DIR_OUT, 0 },
	};
	uint8_t out[64] = { 0 };
	struct usbip_cmd_submit back;
	const uint8_t *p = out;
	(void)state;
	assert_int_equal(usbip_cmd_submit_encode(&m, NULL, out, sizeof(out)), 48);
	assert_int_equal(usbip_cmd_submit_decode(out, 48, 0, &back, &p, NULL), 48);
	assert_null(p);
}

static void test_cmd_submit_decode_reads_every_field(void **state)
{
	uint8_t in[48] = {
		0, 0, 0, 1, 0, 0, 0, 9, 0, 1, 0, 3, 0, 0, 0, 1, 0, 0, 0, 0,
		0, 0, 2, 1, 0, 0, 0, 6, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
		0, 0, 0, 4, 0xA1, 0x03, 0, 0, 0, 0, 6, 0,
	};
	struct usbip_cmd_submit m;
	const uint8_t *p = in;
	(void)state;
	assert_int_equal(usbip_cmd_submit_decode(in, 48, 0, &m, &p, NULL), 48);
	assert_null(p);
	assert_int_equal(m.base.command, 1);
	assert_int_equal(m.base.seqnum, 9);
	assert_int_equal(m.base.devid, 0x00010003);
	assert_int_equal(m.base.direction, 1);
	assert_int_equal(m.base.ep, 0);
	assert_int_equal(m.transfer_flags, 0x201);
	assert_int_equal(m.transfer_buffer_length, 6);
	assert_int_equal(m.start_frame, -1);
	/* [usbip-protocol]'s 0xffffffff for non-ISO is carried, never used as a
	 * count ([usbip-vhci]). */
	assert_int_equal(m.number_of_packets, -1);
	assert_int_equal(m.interval, 4);
	assert_int_equal(m.setup[0], 0xA1);
}

static void test_cmd_submit_cut_anywhere_is_truncated(void **state)
{
	struct usbip_cmd_submit m = {
		.base = { USBIP_CMD_SUBMIT, 1, 0, USBIP_DIR_OUT, 0 },
		.transfer_buffer_length = 16,
	};
	uint8_t data[16] = { 1, 2, 3 }, out[64];
	(void)state;
	usbip_cmd_submit_encode(&m, data, out, sizeof(out));
	for (size_t n = 0; n < 64; n++)
		assert_int_equal(usbip_cmd_submit_decode(out, n, 4096, &m, NULL, NULL),
				 DFU_E_TRUNCATED);
}

static void test_cmd_submit_decode_rejects_other_command(void **state)
{
	uint8_t in[48] = { 0, 0, 0, 2 };
	struct usbip_cmd_submit m;
	struct dfu_diag diag;
	(void)state;
	assert_int_equal(usbip_cmd_submit_decode(in, 48, 0, &m, NULL, &diag), DFU_E_FORMAT);
	assert_non_null(strstr(diag.msg, "CMD_UNLINK"));
}

static void test_cmd_submit_decode_rejects_direction_two(void **state)
{
	uint8_t in[48] = { 0, 0, 0, 1 };
	struct usbip_cmd_submit m;
	struct dfu_diag diag;
	(void)state;
	in[15] = 2;
	assert_int_equal(usbip_cmd_submit_decode(in, 48, 0, &m, NULL, &diag), DFU_E_FORMAT);
	assert_int_equal(diag.offset, 12);
}

static void test_cmd_submit_decode_rejects_endpoint_sixteen(void **state)
{
	uint8_t in[48] = { 0, 0, 0, 1 };
	struct usbip_cmd_submit m;
	struct dfu_diag diag;
	(void)state;
	in[19] = 16;
	assert_int_equal(usbip_cmd_submit_decode(in, 48, 0, &m, NULL, &diag), DFU_E_FORMAT);
	assert_int_equal(diag.offset, 16);
	in[19] = 15;
	assert_int_equal(usbip_cmd_submit_decode(in, 48, 0, &m, NULL, NULL), 48);
}

static void test_cmd_submit_decode_rejects_negative_length(void **state)
{
	uint8_t in[48] = { 0, 0, 0, 1 };
	struct usbip_cmd_submit m;
	struct dfu_diag diag;
	(void)state;
	in[24] = 0x80; /* transfer_buffer_length = INT32_MIN */
	assert_int_equal(usbip_cmd_submit_decode(in, 48, 0, &m, NULL, &diag), DFU_E_FORMAT);
	assert_int_equal(diag.offset, 24);
}

static void test_cmd_submit_decode_refuses_out_data_above_the_bound_before_waiting(void **state)
{
	uint8_t in[48] = { 0, 0, 0, 1 };
	struct usbip_cmd_submit m;
	struct dfu_diag diag;
	(void)state;
	in[24] = 0x7F; /* 2 GiB of OUT data announced, header only present */
	in[25] = in[26] = in[27] = 0xFF;
	assert_int_equal(usbip_cmd_submit_decode(in, 48, 65536, &m, NULL, &diag), DFU_E_SIZE);
	assert_non_null(strstr(diag.msg, "65536"));
}

static void test_cmd_submit_in_with_huge_length_needs_no_data(void **state)
{
	uint8_t in[48] = { 0, 0, 0, 1 };
	struct usbip_cmd_submit m;
	(void)state;
	in[15] = 1;
	in[24] = 0x7F;
	assert_int_equal(usbip_cmd_submit_decode(in, 48, 0, &m, NULL, NULL), 48);
	assert_int_equal(m.transfer_buffer_length, 0x7F000000);
}

static void test_cmd_submit_encode_rejects_bad_fields(void **state)
{
	struct usbip_cmd_submit m = { .base = { USBIP_CMD_SUBMIT, 1, 0, 2, 0 } };
	uint8_t out[64] = { 0 };
	(void)state;
	assert_int_equal(usbip_cmd_submit_encode(&m, NULL, out, sizeof(out)), DFU_E_INVAL);
	m.base.direction = 0;
	m.base.ep = 16;
	assert_int_equal(usbip_cmd_submit_encode(&m, NULL, out, sizeof(out)), DFU_E_INVAL);
	m.base.ep = 0;
	m.transfer_buffer_length = -1;
	assert_int_equal(usbip_cmd_submit_encode(&m, NULL, out, sizeof(out)), DFU_E_INVAL);
	m.transfer_buffer_length = 4;
	assert_int_equal(usbip_cmd_submit_encode(&m, NULL, out, sizeof(out)), DFU_E_INVAL);
	assert_int_equal(usbip_cmd_submit_encode(&m, out, out, 51), DFU_E_NOSPACE);
}

static void test_ret_submit_in_layout_and_data(void **state)
{
	struct usbip_ret_submit m = {
		.base = { USBIP_RET_SUBMIT, 5, 0, 0, 0 },
		.status = 0,
		.actual_length = 6,
	};
	static const uint8_t data[6] = { 0, 21, 0, 0, 4, 0 };
	static const uint8_t want[48] = {
		0, 0, 0, 3, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0, 0, 0, 0, 0, 0, 0, 6,
	};
	uint8_t out[128];
	(void)state;
	memset(out, 0xEE, sizeof(out));
	assert_int_equal(usbip_ret_submit_encode(&m, true, data, out, sizeof(out)), 54);
	assert_memory_equal(out, want, 48);
	assert_memory_equal(out + 48, data, 6);
}

static void test_ret_submit_out_carries_no_data(void **state)
{
	struct usbip_ret_submit m = {
		.base = { USBIP_RET_SUBMIT, 6, 0, 0, 0 },
		.actual_length = 2048,
	};
	uint8_t out[128];
	struct usbip_ret_submit back;
	const uint8_t *p = out;
	(void)state;
	assert_int_equal(usbip_ret_submit_encode(&m, false, NULL, out, sizeof(out)), 48);
	assert_int_equal(usbip_ret_submit_decode(out, 48, false, 2048, &back, &p, NULL), 48);
	assert_null(p);
	assert_int_equal(back.actual_length, 2048);
}

static void test_ret_submit_stall_is_epipe_with_no_data(void **state)
{
	struct usbip_ret_submit m = {
		.base = { USBIP_RET_SUBMIT, 11, 0, 0, 0 },
		.status = USBIP_STATUS_EPIPE,
	};
	uint8_t out[64] = { 0 };
	struct usbip_ret_submit back;
	(void)state;
	assert_int_equal(usbip_ret_submit_encode(&m, true, NULL, out, sizeof(out)), 48);
	assert_int_equal(out[20], 0xFF);
	assert_int_equal(out[23], 0xE0); /* -32 big-endian: ff ff ff e0 */
	assert_int_equal(usbip_ret_submit_decode(out, 48, true, 10, &back, NULL, NULL), 48);
	assert_int_equal(back.status, -32);
}

static void test_ret_submit_round_trips_every_field(void **state)
{
	struct usbip_ret_submit m = {
		.base = { USBIP_RET_SUBMIT, 0x01020304, 0, 0, 0 },
		.status = -71,
		.actual_length = 3,
		.start_frame = -1,
		.number_of_packets = 0,
		.error_count = 2,
	}, back;
	static const uint8_t data[3] = { 9, 8, 7 };
	uint8_t out[64] = { 0 };
	const uint8_t *p = NULL;
	(void)state;
	assert_int_equal(usbip_ret_submit_encode(&m, true, data, out, sizeof(out)), 51);
	assert_int_equal(usbip_ret_submit_decode(out, 51, true, 3, &back, &p, NULL), 51);
	assert_int_equal(back.base.seqnum, 0x01020304);
	assert_int_equal(back.status, -71);
	assert_int_equal(back.start_frame, -1);
	assert_int_equal(back.error_count, 2);
	assert_memory_equal(p, data, 3);
}

static void test_ret_submit_with_more_data_than_requested_is_a_protocol_error(void **state)
{
	struct usbip_ret_submit m = {
		.base = { USBIP_RET_SUBMIT, 1, 0, 0, 0 },
		.actual_length = 18,
	};
	uint8_t data[18] = { 18, 1 }, out[128];
	struct usbip_ret_submit back;
	struct dfu_diag diag;
	(void)state;
	usbip_ret_submit_encode(&m, true, data, out, sizeof(out));
	assert_int_equal(usbip_ret_submit_decode(out, 66, true, 8, &back, NULL, &diag),
			 DFU_E_PROTOCOL);
	assert_int_equal(diag.offset, 24);
	assert_non_null(strstr(diag.msg, "asked for 8"));
}

static void test_ret_submit_with_negative_length_is_a_protocol_error(void **state)
{
	uint8_t in[48] = { 0, 0, 0, 3 };
	struct usbip_ret_submit back;
	(void)state;
	in[24] = 0xFF;
	assert_int_equal(usbip_ret_submit_decode(in, 48, false, 10, &back, NULL, NULL),
			 DFU_E_PROTOCOL);
}

static void test_ret_submit_cut_anywhere_is_truncated(void **state)
{
	struct usbip_ret_submit m = {
		.base = { USBIP_RET_SUBMIT, 1, 0, 0, 0 },
		.actual_length = 6,
	};
	uint8_t data[6] = { 0 }, out[64];
	struct usbip_ret_submit back;
	(void)state;
	usbip_ret_submit_encode(&m, true, data, out, sizeof(out));
	for (size_t n = 0; n < 54; n++)
		assert_int_equal(usbip_ret_submit_decode(out, n, true, 6, &back, NULL, NULL),
				 DFU_E_TRUNCATED);
}

static void test_ret_submit_decode_rejects_other_command(void **state)
{
	uint8_t in[48] = { 0, 0, 0, 4 };
	struct usbip_ret_submit back;
	(void)state;
	assert_int_equal(usbip_ret_submit_decode(in, 48, true, 6, &back, NULL, NULL),
			 DFU_E_FORMAT);
}

static void test_ret_submit_encode_rejects_bad_length_and_short_buffer(void **state)
{
	struct usbip_ret_submit m = { .base = { USBIP_RET_SUBMIT, 1, 0, 0, 0 } };
	uint8_t out[64] = { 0 };
	(void)state;
	m.actual_length = -1;
	assert_int_equal(usbip_ret_submit_encode(&m, true, out, out, sizeof(out)), DFU_E_INVAL);
	m.actual_length = 4;
	assert_int_equal(usbip_ret_submit_encode(&m, true, NULL, out, sizeof(out)), DFU_E_INVAL);
	assert_int_equal(usbip_ret_submit_encode(&m, true, out, out, 51), DFU_E_NOSPACE);
	assert_int_equal(usbip_ret_submit_encode(&m, false, NULL, out, 47), DFU_E_NOSPACE);
}

static void test_cmd_unlink_layout_names_the_seqnum_to_cancel(void **state)
{
	struct usbip_cmd_unlink m = {
		.base = { USBIP_CMD_UNLINK, 12, 0x00010002, USBIP_DIR_IN, 0 },
		.unlink_seqnum = 11,
	}, back;
	static const uint8_t want[48] = {
		0, 0, 0, 2, 0, 0, 0, 12, 0, 1, 0, 2, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 11,
	};
	uint8_t out[64] = { 0 };
	(void)state;
	memset(out, 0xEE, sizeof(out));
	assert_int_equal(usbip_cmd_unlink_encode(&m, out, sizeof(out)), 48);
	assert_memory_equal(out, want, 48);
	assert_int_equal(usbip_cmd_unlink_decode(out, 48, &back, NULL), 48);
	assert_int_equal(back.base.seqnum, 12);
	assert_int_equal(back.unlink_seqnum, 11);
	assert_int_equal(usbip_cmd_unlink_encode(&m, out, 47), DFU_E_NOSPACE);
}

static void test_cmd_unlink_ignores_padding_and_rejects_truncation_and_command(void **state)
{
	uint8_t in[48] = { 0, 0, 0, 2 };
	struct usbip_cmd_unlink back;
	(void)state;
	memset(in + 24, 0x5A, 24);
	assert_int_equal(usbip_cmd_unlink_decode(in, 48, &back, NULL), 48);
	for (size_t n = 0; n < 48; n++)
		assert_int_equal(usbip_cmd_unlink_decode(in, n, &back, NULL), DFU_E_TRUNCATED);
	in[3] = 1;
	assert_int_equal(usbip_cmd_unlink_decode(in, 48, &back, NULL), DFU_E_FORMAT);
}

static void test_ret_unlink_layout_carries_status(void **state)
{
	struct usbip_ret_unlink m = {
		.base = { USBIP_RET_UNLINK, 12, 0, 0, 0 },
		.status = USBIP_STATUS_ECONNRESET,
	}, back;
	static const uint8_t want[48] = {
		0, 0, 0, 4, 0, 0, 0, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0xFF, 0xFF, 0xFF, 0x98,
	};
	uint8_t out[64] = { 0 };
	(void)state;
	memset(out, 0xEE, sizeof(out));
	assert_int_equal(usbip_ret_unlink_encode(&m, out, sizeof(out)), 48);
	assert_memory_equal(out, want, 48);
	assert_int_equal(usbip_ret_unlink_decode(out, 48, &back, NULL), 48);
	assert_int_equal(back.status, -104);
	assert_int_equal(usbip_ret_unlink_encode(&m, out, 47), DFU_E_NOSPACE);
}

static void test_ret_unlink_rejects_truncation_and_command(void **state)
{
	uint8_t in[48] = { 0, 0, 0, 4 };
	struct usbip_ret_unlink back;
	(void)state;
	for (size_t n = 0; n < 48; n++)
		assert_int_equal(usbip_ret_unlink_decode(in, n, &back, NULL), DFU_E_TRUNCATED);
	in[3] = 3;
	assert_int_equal(usbip_ret_unlink_decode(in, 48, &back, NULL), DFU_E_FORMAT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_op_status_has_its_name),
		cmocka_unit_test(test_every_command_has_its_name),
		cmocka_unit_test(test_op_common_is_big_endian_version_code_status),
		cmocka_unit_test(test_op_common_encode_into_seven_bytes_fails),
		cmocka_unit_test(test_op_common_decode_of_zero_to_seven_bytes_is_truncated),
		cmocka_unit_test(test_op_common_with_other_version_is_unsupported_and_named),
		cmocka_unit_test(test_req_devlist_is_eight_bytes),
		cmocka_unit_test(test_req_devlist_decode_rejects_import_code),
		cmocka_unit_test(test_req_devlist_decode_rejects_nonzero_status),
		cmocka_unit_test(test_req_devlist_decode_rejects_truncated_and_wrong_version),
		cmocka_unit_test(test_device_record_puts_every_field_at_its_offset),
		cmocka_unit_test(test_device_record_round_trips),
		cmocka_unit_test(test_device_encode_into_short_buffer_fails),
		cmocka_unit_test(test_device_encode_rejects_busid_without_room_for_nul),
		cmocka_unit_test(test_device_encode_rejects_path_of_256_characters),
		cmocka_unit_test(test_device_decode_of_311_bytes_is_truncated),
		cmocka_unit_test(test_device_decode_rejects_path_without_nul),
		cmocka_unit_test(test_device_decode_rejects_busid_without_nul),
		cmocka_unit_test(test_interface_record_is_class_subclass_protocol_pad),
		cmocka_unit_test(test_rep_devlist_layout_has_header_records_and_interfaces),
		cmocka_unit_test(test_rep_devlist_size_counts_interfaces),
		cmocka_unit_test(test_rep_devlist_with_no_devices_is_twelve_bytes),
		cmocka_unit_test(test_rep_devlist_encode_rejects_missing_interfaces_and_short_buffer),
		cmocka_unit_test(test_rep_devlist_encode_rejects_device_with_bad_busid),
		cmocka_unit_test(test_rep_devlist_iterates_devices_and_their_interfaces),
		cmocka_unit_test(test_rep_devlist_keeps_only_interfaces_that_fit_and_skips_the_rest),
		cmocka_unit_test(test_rep_devlist_cut_anywhere_is_truncated),
		cmocka_unit_test(test_rep_devlist_with_trailing_bytes_is_a_size_error),
		cmocka_unit_test(test_rep_devlist_with_error_status_names_it),
		cmocka_unit_test(test_rep_devlist_with_wrong_code_or_version_is_refused),
		cmocka_unit_test(test_rep_devlist_with_device_lacking_busid_nul_is_refused),
		cmocka_unit_test(test_rep_devlist_announcing_more_devices_than_sent_is_truncated),
		cmocka_unit_test(test_req_import_is_op_common_and_padded_busid),
		cmocka_unit_test(test_req_import_encode_rejects_bad_busid_and_short_buffer),
		cmocka_unit_test(test_req_import_decode_cut_anywhere_is_truncated),
		cmocka_unit_test(test_req_import_decode_rejects_busid_without_nul),
		cmocka_unit_test(test_req_import_decode_rejects_empty_busid),
		cmocka_unit_test(test_req_import_decode_rejects_devlist_code_status_and_version),
		cmocka_unit_test(test_rep_import_ok_carries_device_record_at_offset_8),
		cmocka_unit_test(test_rep_import_error_is_eight_bytes_with_status),
		cmocka_unit_test(test_rep_import_encode_rejects_ok_without_device_and_short_buffers),
		cmocka_unit_test(test_rep_import_ok_cut_short_is_truncated),
		cmocka_unit_test(test_rep_import_with_wrong_code_or_bad_record_is_refused),
		cmocka_unit_test(test_peek_command_reads_the_first_word),
		cmocka_unit_test(test_cmd_submit_in_layout_matches_the_spec),
		cmocka_unit_test(test_cmd_submit_out_carries_its_data),
		cmocka_unit_test(test_cmd_submit_zero_length_out_has_no_data),
		cmocka_unit_test(test_cmd_submit_decode_reads_every_field),
		cmocka_unit_test(test_cmd_submit_cut_anywhere_is_truncated),
		cmocka_unit_test(test_cmd_submit_decode_rejects_other_command),
		cmocka_unit_test(test_cmd_submit_decode_rejects_direction_two),
		cmocka_unit_test(test_cmd_submit_decode_rejects_endpoint_sixteen),
		cmocka_unit_test(test_cmd_submit_decode_rejects_negative_length),
		cmocka_unit_test(test_cmd_submit_decode_refuses_out_data_above_the_bound_before_waiting),
		cmocka_unit_test(test_cmd_submit_in_with_huge_length_needs_no_data),
		cmocka_unit_test(test_cmd_submit_encode_rejects_bad_fields),
		cmocka_unit_test(test_ret_submit_in_layout_and_data),
		cmocka_unit_test(test_ret_submit_out_carries_no_data),
		cmocka_unit_test(test_ret_submit_stall_is_epipe_with_no_data),
		cmocka_unit_test(test_ret_submit_round_trips_every_field),
		cmocka_unit_test(test_ret_submit_with_more_data_than_requested_is_a_protocol_error),
		cmocka_unit_test(test_ret_submit_with_negative_length_is_a_protocol_error),
		cmocka_unit_test(test_ret_submit_cut_anywhere_is_truncated),
		cmocka_unit_test(test_ret_submit_decode_rejects_other_command),
		cmocka_unit_test(test_ret_submit_encode_rejects_bad_length_and_short_buffer),
		cmocka_unit_test(test_cmd_unlink_layout_names_the_seqnum_to_cancel),
		cmocka_unit_test(test_cmd_unlink_ignores_padding_and_rejects_truncation_and_command),
		cmocka_unit_test(test_ret_unlink_layout_carries_status),
		cmocka_unit_test(test_ret_unlink_rejects_truncation_and_command),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
