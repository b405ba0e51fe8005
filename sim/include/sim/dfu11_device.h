/*
 * dfu11_device.h - a generic plain DFU 1.1 device (not DfuSe), for testing
 * hosts against what DFU 1.1 itself says rather than against ST's ROM.
 *
 * Its memory is a byte array: DNLOAD blocks 0, 1, 2 ... are written one
 * after the other from offset 0, a zero-length DNLOAD manifests what was
 * written, and UPLOAD reads the array from offset 0 in wTransferSize blocks
 * until a short one. The DFU state machine is core's shared one
 * (dfu_fsm.h); the USB side is sim's small device core (usb_device.h). Two
 * personalities share one bus connection, as a real device's application
 * and bootloader do: DFU mode (protocol 2) and, once firmware has been
 * manifested (or when started so), the "application" with a DFU run-time
 * interface (protocol 1, appIDLE) that DETACH sends back to DFU mode.
 * Switches: bitManifestationTolerant, bitWillDetach, bitCanUpload,
 * wTransferSize, bMaxPacketSize0, the time a block and manifestation take.
 *
 * Modelling choices (not from one real device): a non-tolerant device with
 * bitWillDetach leaves dfuMANIFEST-WAIT-RESET by itself (it detaches and the
 * new firmware enumerates); without it, it waits for the host's bus reset,
 * as DFU 1.1 §7 describes. A bus reset of a DFU-mode device that holds
 * manifested firmware starts that firmware. Time is passed in; nothing here
 * sleeps or does I/O.
 */
#ifndef SIM_DFU11_DEVICE_H
#define SIM_DFU11_DEVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dfu/dfu_fsm.h"
#include "sim/bus_device.h"
#include "sim/usb_device.h"

#define SIM_DFU11_XFER_MAX 4096
#define SIM_DFU11_VID 0x1209	/* pid.codes test VID */
#define SIM_DFU11_PID_DFU 0x0001
#define SIM_DFU11_PID_APP 0x0002

struct sim_dfu11_config {
	uint16_t vid, pid_dfu, pid_app;
	const char *serial;		/* copied */
	size_t mem_size;		/* bytes of memory (1..) */
	uint16_t transfer_size;		/* wTransferSize (0 allowed: a broken descriptor) */
	uint8_t max_packet0;		/* bMaxPacketSize0: 8, 16, 32, 64 */
	bool manifest_tolerant;
	bool will_detach;
	bool can_upload;
	bool start_in_app;		/* power on running "firmware" (run-time interface) */
	uint32_t block_us;		/* time a DNLOAD block takes (bwPollTimeout) */
	uint32_t manifest_us;		/* time manifestation takes */
};

/* 1209:0001 / 1209:0002, 64 KiB, wTransferSize 1024, bMaxPacketSize0 64,
 * tolerant, upload, no will-detach, 2 ms per block, 10 ms manifestation. */
void sim_dfu11_config_default(struct sim_dfu11_config *cfg, unsigned index);

enum sim_dfu11_mode { SIM_DFU11_OFF, SIM_DFU11_DFU, SIM_DFU11_APP };

struct sim_dfu11 {
	struct sim_dfu11_config cfg;
	char serial[64];
	struct usb_device usb_dfu, usb_app;
	struct dfu_fsm fsm;
	enum sim_dfu11_mode mode;
	uint32_t bus_generation;	/* +1 at every (re-)enumeration */
	uint8_t *mem;
	size_t image_len;		/* bytes of the last complete download */
	bool manifested;		/* a download was manifested: firmware present */
	/* the download in progress */
	size_t dl_off;
	uint16_t next_block;
	bool dl_started;
	uint8_t block[SIM_DFU11_XFER_MAX];
	uint16_t block_len;
	size_t ul_off;
	/* counters for tests */
	unsigned manifestations, bus_resets, detaches;
};

int sim_dfu11_init(struct sim_dfu11 *d, const struct sim_dfu11_config *cfg);
void sim_dfu11_free(struct sim_dfu11 *d);

static inline bool sim_dfu11_on_bus(const struct sim_dfu11 *d)
{
	return d->mode != SIM_DFU11_OFF;
}
/* One control transfer (the in-process transport calls this). */
enum usb_xfer_result sim_dfu11_control(struct sim_dfu11 *d, struct usb_ctrl_xfer *x);
/* Let time pass (a will-detach device leaves dfuMANIFEST-WAIT-RESET). */
void sim_dfu11_tick(struct sim_dfu11 *d, uint64_t now_us);
/* The host reset the bus. */
void sim_dfu11_bus_reset(struct sim_dfu11 *d, uint64_t now_us);

/* The device on a port (bus_device.h), with tick. Power on plugs it in as
 * at power-up: the "firmware" if one was manifested (or it was started in
 * the application), DFU mode otherwise; power off unplugs it. `d` must
 * outlive the value. */
struct sim_bus_dev sim_dfu11_bus_dev(struct sim_dfu11 *d);

#endif
