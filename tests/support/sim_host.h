/*
 * sim_host.h - a small "dfu-util style" host for the emulator's tests.
 *
 * It sends raw control transfers to a board, built with core's helpers
 * (dfu_setup_make, dfuse_cmd_encode), and reproduces the request sequences
 * dfu-util 0.11 sends (as captured from it over USB/IP with Wireshark):
 * enumeration, the SET_INTERFACE + GETSTATUS prologue, special commands with
 * their poll loop (including the L4 stall workaround), SET_ADDRESS + DNLOAD
 * block 2 per chunk, abort-to-idle, upload, leave. Every DFU request goes
 * through a struct dfu_host_fsm: a status the device may not report fails
 * the test at once, so every scenario also checks the device never breaks
 * the protocol. Time is virtual: waiting bwPollTimeout moves `now`.
 *
 * The functions live in sim_host.c (the sim-level test-support library);
 * a failed expectation fails the running cmocka test.
 */
#ifndef TESTS_SUPPORT_SIM_HOST_H
#define TESTS_SUPPORT_SIM_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dfu/bytes.h"
#include "dfu/dfu_fsm.h"
#include "dfu/dfu_proto.h"
#include "dfu/dfuse.h"
#include "dfu/error.h"
#include "dfu/usb_desc.h"
#include "sim/sim_board.h"

#define DFU_MODE_STATES                                                                         \
	((uint16_t)(DFU_STATE_BIT(DFU_STATE_IDLE) | DFU_STATE_BIT(DFU_STATE_DNLOAD_SYNC) |      \
		    DFU_STATE_BIT(DFU_STATE_DNBUSY) | DFU_STATE_BIT(DFU_STATE_DNLOAD_IDLE) |    \
		    DFU_STATE_BIT(DFU_STATE_MANIFEST_SYNC) | DFU_STATE_BIT(DFU_STATE_MANIFEST) | \
		    DFU_STATE_BIT(DFU_STATE_UPLOAD_IDLE) | DFU_STATE_BIT(DFU_STATE_ERROR)))

struct host {
	struct sim_board *b;
	uint64_t now;			/* virtual microseconds */
	uint32_t gen;			/* bus generation this "handle" was opened on */
	uint16_t intf;
	uint16_t xfer;			/* wTransferSize the host uses (-t) */
	struct dfu_fsm_config cfg;
	struct dfu_host_fsm fsm;
	int host_violation;		/* last dfu_host_fsm_sent() result */
	bool gone;			/* a request met no device */
	bool will_reset;		/* accept dfuDNBUSY as final after a block */
	struct dfu_status_reply st;	/* last GETSTATUS reply */
	int stalls;			/* GETSTATUS stalls tolerated in the last poll loop */
	uint8_t config[USB_DEVICE_CONFIG_MAX];
	size_t config_len;
	struct usb_device_desc dev;
};

struct sim_board *board_new(const struct sim_board_config *cfg);
void board_delete(struct sim_board *b);
/* What the board runs, in words (one static buffer). */
const char *board_text(const struct sim_board *b);
/* Fails the test unless some line of the board's log contains `needle`. */
void assert_logged(const struct sim_board *b, const char *needle);

void host_attach(struct host *h, struct sim_board *b, uint64_t now);
void host_wait_ms(struct host *h, uint32_t ms);
/* One control transfer. A board that re-enumerated since this handle was
 * opened is a different device: no answer, as a USB/IP port closes. */
enum usb_xfer_result host_xfer(struct host *h, uint8_t type, uint8_t req, uint16_t wValue,
			       uint16_t wIndex, uint16_t wLength, const void *out, void *in,
			       size_t *actual);
enum usb_xfer_result host_get_descriptor(struct host *h, uint8_t type, uint8_t index,
					 uint16_t langid, uint16_t wLength, uint8_t *buf,
					 size_t *n);
void host_string(struct host *h, uint8_t index, char *out, size_t cap);
/* What Linux does on attach ([usbip-vhci]), then SET_CONFIGURATION(1). */
void host_enumerate(struct host *h);
/* A DFU class request, tracked by the host state machine. */
enum usb_xfer_result host_dfu(struct host *h, enum dfu_request req, uint16_t wValue,
			      const void *out, uint16_t len, void *in, size_t *actual);
enum usb_xfer_result host_status(struct host *h);
/* The bState of DFU_GETSTATE, or -1. */
int host_state(struct host *h);
/* dfu-util's prologue: SET_INTERFACE, GETSTATUS, and CLRSTATUS or ABORT
 * when the alt setting is not idle. */
void host_open(struct host *h, uint8_t alt);

/* Results of the sequences below besides a DFU status. */
#define HOST_GONE (-1)		/* the device disconnected */
#define HOST_STALLED (-2)	/* a request stalled */
#define HOST_WRONG_STATE (-3)	/* dfu-util would exit: wrong state */

/*
 * dfu-util's GETSTATUS loop after a block or command: poll, sleep
 * bwPollTimeout, until not dfuDNBUSY. A stall is tolerated three times
 * once a non-zero poll timeout was seen (the dfu-util 0.10 L4 workaround).
 * With `busy_is_final` (will-reset, after a data block) dfuDNBUSY ends it.
 * Returns the final bStatus, or HOST_*.
 */
int host_poll(struct host *h, bool first_must_be_busy, bool busy_is_final);
/* A DfuSe command and its poll loop (DFUSE_READ_UNPROTECT: the first poll). */
int host_special(struct host *h, enum dfuse_cmd_kind kind, uint32_t address);
int host_abort_to_idle(struct host *h);
/* One chunk, as dfuse_dnload_element does: SET_ADDRESS, DNLOAD block 2. */
int host_write_chunk(struct host *h, uint32_t address, const uint8_t *data, uint16_t len);
/* -s address[:mass-erase:force] -D: the write pass, then abort to idle. */
int host_download(struct host *h, uint32_t address, const uint8_t *data, size_t len,
		  bool mass_erase);
/* :leave: SET_ADDRESS, zero-length DNLOAD block 2, GETSTATUS (dfuMANIFEST). */
int host_leave(struct host *h, uint32_t address);
/* -U with -s address:len: SET_ADDRESS, abort, UPLOAD blocks 2, 3, ... */
int host_upload(struct host *h, uint32_t address, uint8_t *out, size_t len, size_t *got);
/* -R after the operation: DETACH (a stall only warns), then a USB reset. */
enum usb_xfer_result host_detach_and_reset(struct host *h);

/* An application image for `p` (image_builder.h's bytes for `seed`): SP at
 * the top of SRAM1 (0x20008000 on the L412), reset vector flash + 0x101
 * (Thumb). */
void app_image(const struct l4_profile *p, uint8_t *img, size_t n, uint8_t seed);

/* The seed command, whole: dfu-util -a 0 -s 0x08000000:mass-erase:force:leave -D. */
int host_dfu_util_flash(struct host *h, const uint8_t *img, size_t len);

#endif
