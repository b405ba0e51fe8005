/*
 * dfu_proto.h - the USB DFU 1.1 vocabulary and its small wire codecs.
 *
 * Requests, states, status codes and functional-descriptor attributes as the
 * DFU 1.1 specification numbers them, with name strings for messages, plus
 * encode/decode of the 8-byte setup packet, the 6-byte DFU_GETSTATUS reply and
 * the DFU functional descriptor (7- and 9-byte forms). Pure functions over
 * caller-owned buffers: no I/O, no allocation, every decode checks lengths.
 */
#ifndef DFU_PROTO_H
#define DFU_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* DFU class requests (DFU 1.1 Table 3.2). */
enum dfu_request {
	DFU_DETACH = 0,
	DFU_DNLOAD = 1,
	DFU_UPLOAD = 2,
	DFU_GETSTATUS = 3,
	DFU_CLRSTATUS = 4,
	DFU_GETSTATE = 5,
	DFU_ABORT = 6,
};
#define DFU_REQUEST_COUNT 7

/* DFU states (DFU 1.1 Table 6.2, bState). */
enum dfu_state {
	DFU_STATE_APP_IDLE = 0,
	DFU_STATE_APP_DETACH = 1,
	DFU_STATE_IDLE = 2,
	DFU_STATE_DNLOAD_SYNC = 3,
	DFU_STATE_DNBUSY = 4,
	DFU_STATE_DNLOAD_IDLE = 5,
	DFU_STATE_MANIFEST_SYNC = 6,
	DFU_STATE_MANIFEST = 7,
	DFU_STATE_MANIFEST_WAIT_RESET = 8,
	DFU_STATE_UPLOAD_IDLE = 9,
	DFU_STATE_ERROR = 10,
};
#define DFU_STATE_COUNT 11
#define DFU_STATE_BIT(s) ((uint16_t)(1u << (s)))

/* DFU status codes (DFU 1.1 Table 6.1, bStatus). */
enum dfu_status {
	DFU_STATUS_OK = 0x00,
	DFU_STATUS_ERR_TARGET = 0x01,
	DFU_STATUS_ERR_FILE = 0x02,
	DFU_STATUS_ERR_WRITE = 0x03,
	DFU_STATUS_ERR_ERASE = 0x04,
	DFU_STATUS_ERR_CHECK_ERASED = 0x05,
	DFU_STATUS_ERR_PROG = 0x06,
	DFU_STATUS_ERR_VERIFY = 0x07,
	DFU_STATUS_ERR_ADDRESS = 0x08,
	DFU_STATUS_ERR_NOTDONE = 0x09,
	DFU_STATUS_ERR_FIRMWARE = 0x0A,
	DFU_STATUS_ERR_VENDOR = 0x0B,
	DFU_STATUS_ERR_USBR = 0x0C,
	DFU_STATUS_ERR_POR = 0x0D,
	DFU_STATUS_ERR_UNKNOWN = 0x0E,
	DFU_STATUS_ERR_STALLEDPKT = 0x0F,
};
#define DFU_STATUS_COUNT 16

/* bmAttributes of the functional descriptor (DFU 1.1 Table 4.2). */
#define DFU_ATTR_CAN_DNLOAD 0x01
#define DFU_ATTR_CAN_UPLOAD 0x02
#define DFU_ATTR_MANIFEST_TOLERANT 0x04
#define DFU_ATTR_WILL_DETACH 0x08

#define DFU_BCD_DFU11 0x0100
#define DFU_BCD_DFUSE 0x011A

/* bmRequestType of class requests to an interface. */
#define DFU_REQTYPE_OUT 0x21
#define DFU_REQTYPE_IN 0xA1

/* Names as used in messages: "DFU_DNLOAD", "dfuDNBUSY", "errTARGET".
 * Out-of-range values give "unknown request", "unknown state", "unknown status". */
const char *dfu_request_name(unsigned req);
const char *dfu_state_name(unsigned state);
const char *dfu_status_name(unsigned status);
/* A sentence explaining a status, e.g. "address out of range" for errADDRESS. */
const char *dfu_status_text(unsigned status);

/* ---- setup packet (USB 2.0 §9.3) ---- */

#define DFU_SETUP_SIZE 8

struct dfu_setup {
	uint8_t bmRequestType;
	uint8_t bRequest;
	uint16_t wValue;
	uint16_t wIndex;
	uint16_t wLength;
};

void dfu_setup_encode(const struct dfu_setup *s, uint8_t out[DFU_SETUP_SIZE]);
/* Returns DFU_E_TRUNCATED if len < 8. Extra bytes are ignored. */
int dfu_setup_decode(const uint8_t *in, size_t len, struct dfu_setup *s);
/* True when bmRequestType bit 7 says device-to-host. */
static inline bool dfu_setup_is_in(const struct dfu_setup *s)
{
	return (s->bmRequestType & 0x80) != 0;
}
/* Build the setup packet of a DFU class request to interface `intf`. */
struct dfu_setup dfu_setup_make(enum dfu_request req, uint16_t wValue, uint16_t intf,
				uint16_t wLength);

/* ---- DFU_GETSTATUS reply (DFU 1.1 §6.1.2) ---- */

#define DFU_STATUS_SIZE 6
#define DFU_POLL_TIMEOUT_MAX 0xFFFFFFu /* 24-bit milliseconds */

struct dfu_status_reply {
	uint8_t bStatus;
	uint32_t bwPollTimeout; /* milliseconds, 24 bits on the wire */
	uint8_t bState;
	uint8_t iString;
};

/* Returns DFU_E_RANGE if bwPollTimeout does not fit in 24 bits. */
int dfu_status_encode(const struct dfu_status_reply *r, uint8_t out[DFU_STATUS_SIZE]);
/* DFU_E_TRUNCATED for fewer than 6 bytes. Values are not validated here:
 * a hostile state or status is the caller's to judge (see dfu_fsm). */
int dfu_status_decode(const uint8_t *in, size_t len, struct dfu_status_reply *r);

/* ---- DFU functional descriptor (DFU 1.1 §4.1.3, type 0x21) ---- */

#define DFU_FUNC_DESC_TYPE 0x21
#define DFU_FUNC_DESC_SIZE 9
#define DFU_FUNC_DESC_SIZE_DFU10 7 /* pre-1.1 form without bcdDFUVersion */

struct dfu_func_desc {
	uint8_t bmAttributes;
	uint16_t wDetachTimeOut;
	uint16_t wTransferSize;
	uint16_t bcdDFUVersion; /* 0x0100 when the 7-byte form was read */
};

/* Writes the 9-byte form; returns its size or DFU_E_NOSPACE. */
int dfu_func_desc_encode(const struct dfu_func_desc *d, uint8_t *out, size_t cap);
/* Accepts bLength 7 or 9 (a longer bLength is read as 9); checks bDescriptorType. */
int dfu_func_desc_decode(const uint8_t *in, size_t len, struct dfu_func_desc *d);

#endif
