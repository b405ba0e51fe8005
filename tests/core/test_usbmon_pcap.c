/* test_usbmon_pcap.c - the pcap file header and usbmon records of
 * LINKTYPE_USB_LINUX_MMAPPED. Expected bytes come from the usbmon_packet
 * offsets of [usbmon] and the file layout of [pcap-linktypes], written out
 * by hand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dfu/error.h"
#include "dfu/usbmon_pcap.h"

static const uint8_t setup_getstatus[8] = { 0xA1, 0x03, 0, 0, 0, 0, 6, 0 };

static struct usbmon_event submit_event(void)
{
	struct usbmon_event e = {
		.id = 0x1122334455667788ull,
		.type = USBMON_SUBMIT,
		.xfer_type = USBMON_XFER_CONTROL,
		.epnum = 0x80,
		.devnum = 2,
		.busnum = 1,
		.setup_valid = true,
		.ts_sec = 1700000000,
		.ts_usec = 123456,
		.status = USBMON_STATUS_INPROGRESS,
		.length = 6,
		.xfer_flags = 0x200,
	};
	memcpy(e.setup, setup_getstatus, 8);
	return e;
}

static void test_global_header_is_little_endian_2_4_linktype_220(void **state)
{
	static const uint8_t want[24] = {
		0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0x00, 0x00, 0x04, 0x00, 220, 0, 0, 0,
	};
	uint8_t out[24];
	struct pcap_global_header h;
	(void)state;
	assert_int_equal(pcap_global_header_encode(out, sizeof(out)), 24);
	assert_memory_equal(out, want, 24);
	assert_int_equal(pcap_global_header_decode(out, 24, &h, NULL), 24);
	assert_false(h.swapped);
	assert_int_equal(h.version_major, 2);
	assert_int_equal(h.version_minor, 4);
	assert_int_equal(h.network, 220);
	assert_int_equal(h.snaplen, USBMON_SNAPLEN);
	assert_int_equal(pcap_global_header_encode(out, 23), DFU_E_NOSPACE);
}

static void test_global_header_decode_reads_big_endian_files(void **state)
{
	static const uint8_t be[24] = {
		0xa1, 0xb2, 0xc3, 0xd4, 0, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0,
		0, 0, 0xff, 0xff, 0, 0, 0, 189,
	};
	struct pcap_global_header h;
	(void)state;
	assert_int_equal(pcap_global_header_decode(be, 24, &h, NULL), 24);
	assert_true(h.swapped);
	assert_int_equal(h.network, 189);
	assert_int_equal(h.snaplen, 0xffff);
}

static void test_global_header_decode_rejects_truncation_magic_and_version(void **state)
{
	uint8_t in[24];
	struct pcap_global_header h;
	struct dfu_diag diag;
	(void)state;
	pcap_global_header_encode(in, sizeof(in));
	for (size_t n = 0; n < 24; n++)
		assert_int_equal(pcap_global_header_decode(in, n, &h, NULL), DFU_E_TRUNCATED);
	in[4] = 3;
	assert_int_equal(pcap_global_header_decode(in, 24, &h, &diag), DFU_E_FORMAT);
	assert_int_equal(diag.offset, 4);
	in[4] = 2;
	in[0] = 0x4d; /* the nanosecond magic 0xa1b23c4d is not what we write */
	in[1] = 0x3c;
	assert_int_equal(pcap_global_header_decode(in, 24, &h, &diag), DFU_E_FORMAT);
	assert_int_equal(diag.offset, 0);
}

static void test_submit_record_without_data_has_setup_and_in_flag(void **state)
{
	struct usbmon_event e = submit_event();
	uint8_t out[256];
	static const uint8_t rec[16] = {
		0x00, 0xf1, 0x53, 0x65, 0x40, 0xe2, 0x01, 0x00, 64, 0, 0, 0, 64, 0, 0, 0,
	};
	static const uint8_t mon[64] = {
		0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11, /* id */
		'S', 2, 0x80, 2, 1, 0, 0, '<',			/* type .. flag_data */
		0x00, 0xf1, 0x53, 0x65, 0, 0, 0, 0,		/* ts_sec */
		0x40, 0xe2, 0x01, 0x00,				/* ts_usec */
		0x8d, 0xff, 0xff, 0xff,				/* status -115 */
		6, 0, 0, 0, 0, 0, 0, 0,				/* length, len_cap */
		0xA1, 0x03, 0, 0, 0, 0, 6, 0,			/* setup */
		0, 0, 0, 0, 0, 0, 0, 0,				/* interval, start_frame */
		0x00, 0x02, 0, 0, 0, 0, 0, 0,			/* xfer_flags, ndesc */
	};
	(void)state;
	assert_int_equal(usbmon_pcap_record_size(&e), 80);
	assert_int_equal(usbmon_pcap_record_encode(&e, out, sizeof(out)), 80);
	assert_memory_equal(out, rec, 16);
	assert_memory_equal(out + 16, mon, 64);
}

static void test_complete_record_carries_in_data(void **state)
{
	static const uint8_t status[6] = { 0, 21, 0, 0, 4, 0 };
	struct usbmon_event e = submit_event(), back;
	struct pcap_global_header h = { .swapped = false };
	uint8_t out[256];
	(void)state;
	e.type = USBMON_COMPLETE;
	e.setup_valid = false;
	e.status = 0;
	e.data = status;
	e.data_len = 6;
	assert_int_equal(usbmon_pcap_record_encode(&e, out, sizeof(out)), 86);
	assert_int_equal(out[8], 70); /* incl_len */
	assert_int_equal(out[16 + 14], '-');
	assert_int_equal(out[16 + 15], 0);
	assert_int_equal(out[16 + 36], 6); /* len_cap */
	assert_memory_equal(out + 80, status, 6);
	assert_int_equal(usbmon_pcap_record_decode(&h, out, 86, &back, NULL), 86);
	assert_int_equal(back.id, e.id);
	assert_int_equal(back.type, 'C');
	assert_false(back.setup_valid);
	assert_int_equal(back.flag_data, 0);
	assert_int_equal(back.data_len, 6);
	assert_memory_equal(back.data, status, 6);
	assert_int_equal(back.ts_sec, 1700000000);
	assert_int_equal(back.ts_usec, 123456);
	assert_int_equal(back.xfer_flags, 0x200);
}

static void test_out_completion_without_data_is_flagged_out(void **state)
{
	struct usbmon_event e = submit_event(), back;
	struct pcap_global_header h = { .swapped = false };
	uint8_t out[128];
	(void)state;
	e.type = USBMON_COMPLETE;
	e.epnum = 0x00;
	e.status = -32;
	e.length = 0;
	assert_int_equal(usbmon_pcap_record_encode(&e, out, sizeof(out)), 80);
	assert_int_equal(out[16 + 15], '>');
	assert_int_equal(usbmon_pcap_record_decode(&h, out, 80, &back, NULL), 80);
	assert_int_equal(back.status, -32);
	assert_null(back.data);
	assert_int_equal(back.flag_data, '>');
}

static void test_record_round_trips_every_field(void **state)
{
	static const uint8_t data[3] = { 0x41, 0x00, 0x08 };
	struct usbmon_event e = submit_event(), back;
	struct pcap_global_header h = { .swapped = false };
	uint8_t out[128];
	(void)state;
	e.epnum = 0x00;
	e.interval = 7;
	e.start_frame = -1;
	e.data = data;
	e.data_len = 3;
	assert_int_equal(usbmon_pcap_record_encode(&e, out, sizeof(out)), 83);
	assert_int_equal(usbmon_pcap_record_decode(&h, out, 83, &back, NULL), 83);
	assert_int_equal(back.xfer_type, USBMON_XFER_CONTROL);
	assert_int_equal(back.epnum, 0);
	assert_int_equal(back.devnum, 2);
	assert_int_equal(back.busnum, 1);
	assert_true(back.setup_valid);
	assert_memory_equal(back.setup, setup_getstatus, 8);
	assert_int_equal(back.status, USBMON_STATUS_INPROGRESS);
	assert_int_equal(back.length, 6);
	assert_int_equal(back.interval, 7);
	assert_int_equal(back.start_frame, -1);
	assert_memory_equal(back.data, data, 3);
}

static void test_record_encode_rejects_short_buffer_and_bad_data(void **state)
{
	struct usbmon_event e = submit_event();
	uint8_t out[128];
	(void)state;
	assert_int_equal(usbmon_pcap_record_encode(&e, out, 79), DFU_E_NOSPACE);
	e.data_len = 4;
	assert_int_equal(usbmon_pcap_record_encode(&e, out, sizeof(out)), DFU_E_INVAL);
	e.data = out;
	e.data_len = USBMON_SNAPLEN;
	assert_int_equal(usbmon_pcap_record_encode(&e, out, sizeof(out)), DFU_E_INVAL);
}

static void test_record_cut_anywhere_is_truncated(void **state)
{
	static const uint8_t data[6] = { 1, 2, 3, 4, 5, 6 };
	struct usbmon_event e = submit_event(), back;
	struct pcap_global_header h = { .swapped = false };
	uint8_t out[128];
	(void)state;
	e.data = data;
	e.data_len = 6;
	usbmon_pcap_record_encode(&e, out, sizeof(out));
	for (size_t n = 0; n < 86; n++)
		assert_int_equal(usbmon_pcap_record_decode(&h, out, n, &back, NULL),
				 DFU_E_TRUNCATED);
}

static void test_record_with_impossible_lengths_is_a_size_error(void **state)
{
	struct usbmon_event e = submit_event(), back;
	struct pcap_global_header h = { .swapped = false };
	uint8_t out[128];
	struct dfu_diag diag;
	(void)state;
	usbmon_pcap_record_encode(&e, out, sizeof(out));
	out[8] = 63; /* incl_len below the usbmon header */
	assert_int_equal(usbmon_pcap_record_decode(&h, out, 80, &back, &diag), DFU_E_SIZE);
	out[8] = 64;
	out[12] = 10; /* orig_len below incl_len */
	assert_int_equal(usbmon_pcap_record_decode(&h, out, 80, &back, NULL), DFU_E_SIZE);
	out[12] = 64;
	out[16 + 36] = 1; /* len_cap says one byte the record does not hold */
	assert_int_equal(usbmon_pcap_record_decode(&h, out, 80, &back, &diag), DFU_E_SIZE);
	assert_int_equal(diag.offset, 16 + 36);
	out[16 + 36] = 0;
	out[16 + 60] = 1; /* one ISO descriptor that is not there */
	assert_int_equal(usbmon_pcap_record_decode(&h, out, 80, &back, NULL), DFU_E_SIZE);
	out[16 + 60] = 0;
	out[10] = 0x10; /* incl_len 0x100040, far above the snap length */
	out[14] = 0x10;
	assert_int_equal(usbmon_pcap_record_decode(&h, out, 80, &back, NULL), DFU_E_SIZE);
}

static void test_record_decode_reads_big_endian_files(void **state)
{
	uint8_t in[80] = { 0 };
	struct pcap_global_header h = { .swapped = true };
	struct usbmon_event back;
	(void)state;
	in[11] = 64;		/* incl_len */
	in[15] = 64;		/* orig_len */
	in[16 + 7] = 0x2A;	/* id */
	in[16 + 8] = 'C';
	in[16 + 12] = 0;
	in[16 + 13] = 3;	/* busnum 3 */
	in[16 + 28] = 0xFF;	/* status -32 */
	in[16 + 29] = 0xFF;
	in[16 + 30] = 0xFF;
	in[16 + 31] = 0xE0;
	assert_int_equal(usbmon_pcap_record_decode(&h, in, 80, &back, NULL), 80);
	assert_int_equal(back.id, 0x2A);
	assert_int_equal(back.busnum, 3);
	assert_int_equal(back.status, -32);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_global_header_is_little_endian_2_4_linktype_220),
		cmocka_unit_test(test_global_header_decode_reads_big_endian_files),
		cmocka_unit_test(test_global_header_decode_rejects_truncation_magic_and_version),
		cmocka_unit_test(test_submit_record_without_data_has_setup_and_in_flag),
		cmocka_unit_test(test_complete_record_carries_in_data),
		cmocka_unit_test(test_out_completion_without_data_is_flagged_out),
		cmocka_unit_test(test_record_round_trips_every_field),
		cmocka_unit_test(test_record_encode_rejects_short_buffer_and_bad_data),
		cmocka_unit_test(test_record_cut_anywhere_is_truncated),
		cmocka_unit_test(test_record_with_impossible_lengths_is_a_size_error),
		cmocka_unit_test(test_record_decode_reads_big_endian_files),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
