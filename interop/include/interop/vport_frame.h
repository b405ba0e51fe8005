/*
 * vport_frame.h - the framing that carries many TCP connections over one
 * virtio serial port (the QEMU interop suite's bridge, interop/vport-bridge.c).
 *
 * Why: inside the QEMU guest, vhci-hcd imports a USB/IP device over one TCP
 * connection per import, and every re-enumeration (DFU leave, reset, option
 * byte write) needs a new import on a new connection. The guest has no
 * network; its only way out is a virtio serial port, which is one byte
 * stream. The bridge multiplexes the guest's TCP connections over that
 * stream, and its host side opens one fresh TCP connection to dfu-sim per
 * connection the guest opens.
 *
 * The wire format, both directions: a 4-byte header, then the payload.
 *
 *   offset 0  u8     type: 'H' hello, 'O' open, 'D' data, 'C' close
 *   offset 1  u8     connection id: 1..255 ('H': 0)
 *   offset 2  be16   payload length
 *   offset 4  ...    payload
 *
 *   'H' hello  host -> guest, id 0, payload the 4 bytes "VPB1". Sent by the
 *              host side each time the chardev connects; the guest side
 *              listens only after it, and drops every connection it had.
 *   'O' open   guest -> host, payload empty. A new connection with this id
 *              (the guest accepted it); the host connects to dfu-sim.
 *   'D' data   either way, 1..VPB_MAX_DATA bytes of that connection's stream.
 *   'C' close  either way, payload empty. The sender's end is closed; the
 *              receiver closes its socket. Data for an id that is already
 *              closed is dropped (the other side may not know yet).
 *
 * Any other type, a hello with another id or payload, an id 0 on
 * open/data/close, an empty data frame or a length above the maximum is a
 * broken stream: the decoder says which byte and why, and keeps failing.
 * Pure functions over caller-owned buffers: no I/O, no allocation.
 */
#ifndef INTEROP_VPORT_FRAME_H
#define INTEROP_VPORT_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "dfu/error.h"

#define VPB_HEADER_SIZE 4
#define VPB_MAX_DATA 4096
#define VPB_MAX_FRAME (VPB_HEADER_SIZE + VPB_MAX_DATA)
#define VPB_HELLO_MAGIC "VPB1"
#define VPB_HELLO_SIZE 4

enum vpb_type {
	VPB_HELLO = 'H',
	VPB_OPEN = 'O',
	VPB_DATA = 'D',
	VPB_CLOSE = 'C',
};

struct vpb_frame {
	uint8_t type;		/* enum vpb_type */
	uint8_t id;
	uint16_t len;
	const uint8_t *data;	/* points into the decoder (or the input); len bytes */
};

/*
 * Encode one frame into out. Returns the number of bytes written, or
 * DFU_E_INVAL (a frame the format forbids: see above) or DFU_E_NOSPACE.
 */
int vpb_encode(uint8_t *out, size_t cap, uint8_t type, uint8_t id, const uint8_t *data,
	       size_t len);

/*
 * Check a complete 4-byte header. Returns 0, or DFU_E_FORMAT with diag
 * naming the field, its offset and value.
 */
int vpb_check_header(const uint8_t hdr[VPB_HEADER_SIZE], struct dfu_diag *diag);

/* A stream decoder: feed it whatever arrives, get whole frames back. */
struct vpb_decoder {
	uint8_t buf[VPB_MAX_FRAME];
	size_t have;		/* bytes of the current frame held in buf */
	uint64_t offset;	/* stream offset of buf[0] */
	int failed;		/* the first error, kept: the stream is broken */
};

void vpb_decoder_init(struct vpb_decoder *d);

/*
 * Take bytes from in (n of them) up to the end of the next frame; *used says
 * how many were taken. Returns 1 with *f filled when a frame is complete (f
 * points into the decoder until the next call), 0 when all n bytes were
 * taken and the frame is not complete yet, or a negative dfu_err when the
 * stream is broken (diag names the stream offset and the reason; every later
 * call returns the same error).
 */
int vpb_decode(struct vpb_decoder *d, const uint8_t *in, size_t n, size_t *used,
	       struct vpb_frame *f, struct dfu_diag *diag);

/* "hello", "open", "data", "close" or "unknown". */
const char *vpb_type_name(uint8_t type);

#endif
