/*
 * usbmon_pcap.h - USB captures as Linux usbmon writes them, in pcap files.
 *
 * A classic pcap file (global header: magic 0xa1b2c3d4, version 2.4,
 * network LINKTYPE_USB_LINUX_MMAPPED = 220) whose records each hold one
 * usbmon event: the 64-byte struct usbmon_packet header, then the captured
 * data. Every URB is two events with the same id: 'S' when it is submitted
 * (setup bytes, and the data of an OUT transfer) and 'C' when it completes
 * (status, and the data of an IN transfer). Wireshark and tshark decode such
 * files as USB, and with the configuration descriptor in the capture, DFU.
 *
 * This writer always produces little-endian files (the magic written
 * little-endian tells readers so; usbmon fields follow the file's byte
 * order). The reader accepts both byte orders. Pure codecs over
 * caller-owned buffers: no I/O, no clock (timestamps are parameters).
 */
#ifndef DFU_USBMON_PCAP_H
#define DFU_USBMON_PCAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dfu/error.h"

#define PCAP_MAGIC 0xa1b2c3d4u
#define PCAP_VERSION_MAJOR 2
#define PCAP_VERSION_MINOR 4
#define PCAP_GLOBAL_HEADER_SIZE 24
#define PCAP_RECORD_HEADER_SIZE 16
#define PCAP_LINKTYPE_USB_LINUX_MMAPPED 220
#define USBMON_HEADER_SIZE 64
#define USBMON_SNAPLEN 0x40000u		/* largest record we write or accept */

/* usbmon event types and transfer types (Documentation/usb/usbmon.rst). */
#define USBMON_SUBMIT 'S'
#define USBMON_COMPLETE 'C'
#define USBMON_ERROR 'E'
enum usbmon_xfer_type {
	USBMON_XFER_ISO = 0,
	USBMON_XFER_INTERRUPT = 1,
	USBMON_XFER_CONTROL = 2,
	USBMON_XFER_BULK = 3,
};
#define USBMON_DIR_IN 0x80		/* in epnum */
#define USBMON_STATUS_INPROGRESS (-115)	/* status of every 'S' event */

struct pcap_global_header {
	bool swapped;		/* the file is big-endian (decode only) */
	uint16_t version_major;
	uint16_t version_minor;
	uint32_t snaplen;
	uint32_t network;
};

/* One usbmon event as it appears in a record. */
struct usbmon_event {
	uint64_t id;		/* pairs the S and C events of one URB */
	uint8_t type;		/* 'S', 'C', 'E' */
	uint8_t xfer_type;	/* enum usbmon_xfer_type */
	uint8_t epnum;		/* endpoint number | USBMON_DIR_IN */
	uint8_t devnum;
	uint16_t busnum;
	bool setup_valid;	/* flag_setup 0: `setup` holds the setup packet */
	uint8_t setup[8];
	int64_t ts_sec;
	int32_t ts_usec;
	int32_t status;		/* USBMON_STATUS_INPROGRESS on 'S' */
	uint32_t length;	/* URB length: requested on S, actual on C */
	int32_t interval;
	int32_t start_frame;
	uint32_t xfer_flags;	/* URB transfer_flags */
	const uint8_t *data;	/* captured bytes (len_cap of them), may be NULL */
	uint32_t data_len;
	uint8_t flag_data;	/* decode only: 0 when data follows, else a tag ('<', '>') */
};

/* The 24-byte file header for LINKTYPE_USB_LINUX_MMAPPED. */
int pcap_global_header_encode(uint8_t *out, size_t cap);
/* DFU_E_TRUNCATED, DFU_E_FORMAT (not a pcap magic, or a version other than
 * 2.x); the link type is reported, not checked. */
int pcap_global_header_decode(const uint8_t *in, size_t len, struct pcap_global_header *h,
			      struct dfu_diag *diag);

/* Bytes a record for `e` takes: 16 + 64 + data_len. */
size_t usbmon_pcap_record_size(const struct usbmon_event *e);

/*
 * One pcap record: record header (timestamp from e->ts_sec/ts_usec),
 * usbmon header, data. flag_setup is 0 when setup_valid, '-' otherwise;
 * flag_data is 0 when data follows, else '<' for an IN endpoint and '>'
 * for OUT, as usbmon does. Returns the size, DFU_E_NOSPACE, or DFU_E_INVAL
 * (data_len above the snap length, data NULL with data_len > 0).
 */
int usbmon_pcap_record_encode(const struct usbmon_event *e, uint8_t *out, size_t cap);

/*
 * Read one record written in the byte order `h` describes. Returns the
 * record's size with e->data pointing into `in`; DFU_E_TRUNCATED for a
 * partial record; DFU_E_SIZE when incl_len is below the usbmon header,
 * above the snap length, above orig_len, or disagrees with len_cap.
 */
int usbmon_pcap_record_decode(const struct pcap_global_header *h, const uint8_t *in, size_t len,
			      struct usbmon_event *e, struct dfu_diag *diag);

#endif
