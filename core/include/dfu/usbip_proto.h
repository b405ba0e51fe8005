/*
 * usbip_proto.h - the USB/IP wire format (protocol version 0x0111), both ways.
 *
 * Encoders and decoders for every message a USB/IP server and client
 * exchange: the management phase (OP_REQ/REP_DEVLIST with its 312-byte
 * device records and 4-byte interface records, OP_REQ/REP_IMPORT) and the
 * URB phase (CMD_SUBMIT/RET_SUBMIT, CMD_UNLINK/RET_UNLINK with their 48-byte
 * header). All USB/IP fields are big-endian; the 8 setup bytes and the data
 * stay in USB's own layout. The emulator's server and the host's USB/IP
 * transport both use this module, so one reading of the format serves both
 * sides. Pure functions over caller-owned buffers: no I/O, no allocation.
 *
 * Decoders check lengths before reading and every field whose value the
 * format restricts; they never judge what a peer may do next (that is the
 * server's or client's business). A message that is simply incomplete gives
 * DFU_E_TRUNCATED, so stream readers can wait for more bytes; any other
 * error means the stream cannot be trusted. `diag` (may be NULL) names the
 * field, its offset and value.
 */
#ifndef DFU_USBIP_PROTO_H
#define DFU_USBIP_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dfu/error.h"

#define USBIP_VERSION 0x0111
#define USBIP_PORT_DEFAULT 3240

/* ---- management phase ---- */

#define USBIP_OP_COMMON_SIZE 8
#define USBIP_PATH_SIZE 256
#define USBIP_BUSID_SIZE 32
#define USBIP_DEVICE_SIZE 312		/* struct usbip_usb_device on the wire */
#define USBIP_INTERFACE_SIZE 4
#define USBIP_DEVLIST_HEADER_SIZE 12	/* op_common + ndev */
#define USBIP_REQ_IMPORT_SIZE 40	/* op_common + busid */
#define USBIP_REP_IMPORT_SIZE 320	/* op_common + device record (status OK) */

#define USBIP_OP_REQUEST 0x8000
#define USBIP_OP_REPLY 0x0000
#define USBIP_OP_DEVLIST 0x0005
#define USBIP_OP_IMPORT 0x0003
#define USBIP_OP_REQ_DEVLIST (USBIP_OP_REQUEST | USBIP_OP_DEVLIST)
#define USBIP_OP_REP_DEVLIST (USBIP_OP_REPLY | USBIP_OP_DEVLIST)
#define USBIP_OP_REQ_IMPORT (USBIP_OP_REQUEST | USBIP_OP_IMPORT)
#define USBIP_OP_REP_IMPORT (USBIP_OP_REPLY | USBIP_OP_IMPORT)

/* op_common status values. */
enum usbip_op_status {
	USBIP_ST_OK = 0,
	USBIP_ST_NA = 1,	/* device not available */
	USBIP_ST_DEV_BUSY = 2,	/* already imported by someone */
	USBIP_ST_DEV_ERR = 3,	/* device in an error state */
	USBIP_ST_NODEV = 4,	/* no such device */
	USBIP_ST_ERROR = 5,	/* any other failure */
};
/* "ST_DEV_BUSY"; "unknown status" for other values. */
const char *usbip_op_status_name(uint32_t status);

/* USB speeds as the device record numbers them. */
enum usbip_speed {
	USBIP_SPEED_UNKNOWN = 0,
	USBIP_SPEED_LOW = 1,
	USBIP_SPEED_FULL = 2,
	USBIP_SPEED_HIGH = 3,
	USBIP_SPEED_WIRELESS = 4,
	USBIP_SPEED_SUPER = 5,
	USBIP_SPEED_SUPER_PLUS = 6,
};

struct usbip_op_common {
	uint16_t version;
	uint16_t code;
	uint32_t status;
};

/* The 312-byte device record. path and busid are NUL-terminated strings
 * that fit their fields (255 and 31 characters at most). */
struct usbip_usb_device {
	char path[USBIP_PATH_SIZE];
	char busid[USBIP_BUSID_SIZE];
	uint32_t busnum;
	uint32_t devnum;
	uint32_t speed;
	uint16_t idVendor;
	uint16_t idProduct;
	uint16_t bcdDevice;
	uint8_t bDeviceClass;
	uint8_t bDeviceSubClass;
	uint8_t bDeviceProtocol;
	uint8_t bConfigurationValue;
	uint8_t bNumConfigurations;
	uint8_t bNumInterfaces;
};

/* One 4-byte interface record of OP_REP_DEVLIST (the fourth byte is padding). */
struct usbip_usb_interface {
	uint8_t bInterfaceClass;
	uint8_t bInterfaceSubClass;
	uint8_t bInterfaceProtocol;
};

/*
 * op_common alone: 8 bytes. Decoding checks the version (DFU_E_UNSUPPORTED
 * with the version in diag: the peer speaks another USB/IP revision) and
 * nothing else; the *_decode functions below also check the code.
 */
int usbip_op_common_encode(const struct usbip_op_common *op, uint8_t *out, size_t cap);
int usbip_op_common_decode(const uint8_t *in, size_t len, struct usbip_op_common *op,
			   struct dfu_diag *diag);

/* The device record (312 bytes) and interface record (4 bytes). Encoding a
 * path or busid that does not fit its field with a NUL is DFU_E_INVAL;
 * decoding one without a NUL inside its field is DFU_E_FORMAT. */
int usbip_device_encode(const struct usbip_usb_device *d, uint8_t *out, size_t cap);
int usbip_device_decode(const uint8_t *in, size_t len, struct usbip_usb_device *d,
			struct dfu_diag *diag);
int usbip_interface_encode(const struct usbip_usb_interface *i, uint8_t *out, size_t cap);
int usbip_interface_decode(const uint8_t *in, size_t len, struct usbip_usb_interface *i,
			   struct dfu_diag *diag);

/* OP_REQ_DEVLIST: 8 bytes. Decode: DFU_E_FORMAT for another code or a
 * non-zero status. Both return the message size. */
int usbip_req_devlist_encode(uint8_t *out, size_t cap);
int usbip_req_devlist_decode(const uint8_t *in, size_t len, struct dfu_diag *diag);

/*
 * OP_REP_DEVLIST. One entry per exported device: its record and exactly
 * dev.bNumInterfaces interface records (a client reads that many).
 */
struct usbip_devlist_entry {
	struct usbip_usb_device dev;
	const struct usbip_usb_interface *intf;	/* dev.bNumInterfaces of them */
};
/* Bytes the reply takes. */
size_t usbip_rep_devlist_size(const struct usbip_devlist_entry *e, size_t n);
/* Returns the size written, DFU_E_NOSPACE, or DFU_E_INVAL (an entry with
 * interfaces but intf NULL, a bad path/busid, more than 2^32-1 entries). */
int usbip_rep_devlist_encode(const struct usbip_devlist_entry *e, size_t n, uint8_t *out,
			     size_t cap);

/*
 * Reading a devlist reply: begin() checks op_common (code REP_DEVLIST,
 * status; a non-zero status is DFU_E_DEVICE with the status name in diag)
 * and ndev; next() yields one device with up to `intf_max` of its interface
 * records (the rest are read and skipped), returning 1, or 0 after the last
 * device. A reply that ends early is DFU_E_TRUNCATED; bytes after the last
 * device are DFU_E_SIZE at the 0 return.
 */
struct usbip_devlist_iter {
	const uint8_t *buf;
	size_t len;
	size_t pos;
	uint32_t ndev;
	uint32_t done;
};
int usbip_rep_devlist_begin(struct usbip_devlist_iter *it, const uint8_t *in, size_t len,
			    struct dfu_diag *diag);
int usbip_rep_devlist_next(struct usbip_devlist_iter *it, struct usbip_usb_device *d,
			   struct usbip_usb_interface *intf, size_t intf_max,
			   struct dfu_diag *diag);

/* OP_REQ_IMPORT: 40 bytes. Decode checks code, status 0, a NUL inside busid
 * and a non-empty busid; `busid` gets the string. */
int usbip_req_import_encode(const char *busid, uint8_t *out, size_t cap);
int usbip_req_import_decode(const uint8_t *in, size_t len, char busid[USBIP_BUSID_SIZE],
			    struct dfu_diag *diag);

/*
 * OP_REP_IMPORT: 8 bytes when status != 0, 320 with the device record when
 * it is 0 (`d` may then not be NULL). Decode returns the message size and
 * *status; a non-zero status is not an error of the codec (8 bytes read,
 * `d` untouched), so the caller can name ST_DEV_BUSY etc. to its user.
 */
int usbip_rep_import_encode(uint32_t status, const struct usbip_usb_device *d, uint8_t *out,
			    size_t cap);
int usbip_rep_import_decode(const uint8_t *in, size_t len, uint32_t *status,
			    struct usbip_usb_device *d, struct dfu_diag *diag);

/* ---- URB phase ---- */

#define USBIP_HEADER_SIZE 48
#define USBIP_ISO_DESC_SIZE 16
#define USBIP_MAX_EP 15

enum usbip_command {
	USBIP_CMD_SUBMIT = 1,
	USBIP_CMD_UNLINK = 2,
	USBIP_RET_SUBMIT = 3,
	USBIP_RET_UNLINK = 4,
};
/* "CMD_SUBMIT"...; "unknown command" otherwise. */
const char *usbip_command_name(uint32_t command);

#define USBIP_DIR_OUT 0
#define USBIP_DIR_IN 1

/* URB statuses (negated Linux errno values, as vhci passes them on). */
#define USBIP_STATUS_OK 0
#define USBIP_STATUS_ENOENT (-2)
#define USBIP_STATUS_ENODEV (-19)
#define USBIP_STATUS_EPIPE (-32)	/* endpoint stalled */
#define USBIP_STATUS_EPROTO (-71)
#define USBIP_STATUS_ECONNRESET (-104)	/* unlinked */
#define USBIP_STATUS_ESHUTDOWN (-108)
#define USBIP_STATUS_EINPROGRESS (-115)

/* Kernel URB transfer_flags (uapi usbip.h). */
#define USBIP_URB_SHORT_NOT_OK 0x0001u
#define USBIP_URB_ISO_ASAP 0x0002u
#define USBIP_URB_NO_TRANSFER_DMA_MAP 0x0004u
#define USBIP_URB_ZERO_PACKET 0x0040u
#define USBIP_URB_NO_INTERRUPT 0x0080u
#define USBIP_URB_FREE_BUFFER 0x0100u
#define USBIP_URB_DIR_IN 0x0200u
#define USBIP_URB_DMA_MAP_SG 0x40000u

/* The 20-byte basic part of every URB message. On replies devid,
 * direction and ep are 0 (the client matches by seqnum). */
struct usbip_header_basic {
	uint32_t command;
	uint32_t seqnum;
	uint32_t devid;
	uint32_t direction;
	uint32_t ep;
};

struct usbip_cmd_submit {
	struct usbip_header_basic base;
	uint32_t transfer_flags;
	int32_t transfer_buffer_length;
	int32_t start_frame;
	int32_t number_of_packets;
	int32_t interval;
	uint8_t setup[8];
};

struct usbip_ret_submit {
	struct usbip_header_basic base;
	int32_t status;
	int32_t actual_length;
	int32_t start_frame;
	int32_t number_of_packets;
	int32_t error_count;
};

struct usbip_cmd_unlink {
	struct usbip_header_basic base;
	uint32_t unlink_seqnum;
};

struct usbip_ret_unlink {
	struct usbip_header_basic base;
	int32_t status;
};

/*
 * The command of the URB message at `in` (needs 4 bytes): one of
 * enum usbip_command, DFU_E_TRUNCATED, or DFU_E_FORMAT for anything else
 * (for example an op_common arriving after the import).
 */
int usbip_peek_command(const uint8_t *in, size_t len, struct dfu_diag *diag);

/*
 * CMD_SUBMIT. The message is the header, then for direction OUT
 * transfer_buffer_length data bytes, then (for isochronous pipes only)
 * number_of_packets 16-byte descriptors. This project exports no ISO
 * endpoint, so the codec treats every URB as non-ISO: number_of_packets is
 * carried but never sized (vhci sends stale values there, [usbip-vhci]).
 * Encode writes header + OUT data from `data` and returns the size.
 * Decode returns the whole message size with *data pointing at the OUT
 * data (NULL for IN); DFU_E_TRUNCATED until all of it is there;
 * DFU_E_FORMAT for another command, a direction other than 0/1, an ep above
 * 15 or a negative transfer_buffer_length; DFU_E_SIZE for an OUT length
 * above `max_out` (the reader's buffer bound, checked before waiting for
 * the data).
 */
size_t usbip_cmd_submit_size(const struct usbip_cmd_submit *m);
int usbip_cmd_submit_encode(const struct usbip_cmd_submit *m, const uint8_t *data, uint8_t *out,
			    size_t cap);
int usbip_cmd_submit_decode(const uint8_t *in, size_t len, size_t max_out,
			    struct usbip_cmd_submit *m, const uint8_t **data, struct dfu_diag *diag);

/*
 * RET_SUBMIT. vhci reads actual_length data bytes after the header of every
 * reply to an IN URB and none for an OUT URB, so: IN replies carry
 * actual_length bytes (0 for a stall), OUT replies carry none. Encode writes
 * them from `data` when `dir_in` (DFU_E_INVAL for a negative actual_length).
 * Decode needs the direction and length of the URB it answers (the client's
 * own record by seqnum): DFU_E_PROTOCOL when actual_length is negative or
 * above `requested`, which vhci treats as a malicious server.
 */
int usbip_ret_submit_encode(const struct usbip_ret_submit *m, bool dir_in, const uint8_t *data,
			    uint8_t *out, size_t cap);
int usbip_ret_submit_decode(const uint8_t *in, size_t len, bool dir_in, int32_t requested,
			    struct usbip_ret_submit *m, const uint8_t **data,
			    struct dfu_diag *diag);

/* CMD_UNLINK and RET_UNLINK: 48 bytes each, the padding written as zeros
 * and ignored when read. */
int usbip_cmd_unlink_encode(const struct usbip_cmd_unlink *m, uint8_t *out, size_t cap);
int usbip_cmd_unlink_decode(const uint8_t *in, size_t len, struct usbip_cmd_unlink *m,
			    struct dfu_diag *diag);
int usbip_ret_unlink_encode(const struct usbip_ret_unlink *m, uint8_t *out, size_t cap);
int usbip_ret_unlink_decode(const uint8_t *in, size_t len, struct usbip_ret_unlink *m,
			    struct dfu_diag *diag);

#endif
