/*
 * xport_inproc.h - the in-process transport: emulated boards on a virtual bus.
 *
 * Carries any emulated USB device (sim/bus_device.h: an STM32 board, the
 * generic DFU 1.1 device, a test double) directly: a control transfer is a
 * call to the device's control operation, nothing crosses a socket. Time is
 * a virtual clock kept here: sleep_ms() advances it, every control transfer
 * advances it by a modelled bus cost, and the board sees the clock as the
 * arrival time of each request. So a whole flash with datasheet timings runs
 * in milliseconds of wall time and reports the time it would have taken.
 *
 * Enumeration does what the host's USB stack does when a device appears:
 * read the device and configuration descriptors and the strings, then
 * SET_CONFIGURATION. It does it once per (re-)enumeration, which it notices
 * through the board's bus_generation; those requests are the "kernel's", not
 * the caller's. A handle is bound to the enumeration it was opened on: once
 * the device drops off the bus or enumerates again, every transfer on the
 * handle gives DFU_E_NODEV, exactly like libusb after an unplug. Nothing
 * here allocates.
 */
#ifndef LAB_XPORT_INPROC_H
#define LAB_XPORT_INPROC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "host/xport.h"
#include "sim/bus_device.h"
#include "sim/dfu11_device.h"
#include "sim/sim_board.h"

#define XPORT_INPROC_MAX_BOARDS 16
#define XPORT_INPROC_MAX_HANDLES 8

/*
 * What a control transfer costs on the virtual bus. Modelling choice, not
 * measured: a full-speed control transfer takes at least one 1 ms frame to
 * be scheduled by a host controller, plus about 50 us per 64-byte data
 * packet (12 Mbit/s with protocol overhead).
 */
struct xport_inproc_bus {
	uint32_t per_transfer_us;
	uint32_t per_packet_us;	/* each started 64-byte data packet */
};
#define XPORT_INPROC_BUS_INSTANT ((struct xport_inproc_bus){ 0, 0 })
#define XPORT_INPROC_BUS_FULL_SPEED ((struct xport_inproc_bus){ 1000, 50 })

struct xport_inproc_slot {
	bool valid;
	uint32_t generation;		/* the board's bus_generation this describes */
	uint8_t config_value;		/* set at enumeration, again after a port reset */
	struct xport_dev_info info;
};

struct xport_inproc_handle {
	bool used;
	size_t board;
	uint32_t generation;
};

struct xport_inproc {
	/* the devices, port i+1 for dev[i]: the boards first, then the
	 * devices added after them */
	struct sim_bus_dev dev[XPORT_INPROC_MAX_BOARDS];
	size_t ndevs;
	uint64_t now_us;		/* the virtual clock */
	struct xport_inproc_bus bus;
	uint8_t next_devnum;
	struct xport_inproc_slot slot[XPORT_INPROC_MAX_BOARDS];
	struct xport_inproc_handle handle[XPORT_INPROC_MAX_HANDLES];
	/* Counters for tests and the demo. */
	uint64_t slept_us;		/* virtual time spent in sleep_ms */
	uint64_t transfers;		/* control transfers carried, enumeration's included */
	uint64_t enumerations;		/* devices (re-)enumerated */
};

/* Boards are the caller's and must outlive the transport; at most
 * XPORT_INPROC_MAX_BOARDS are used. The clock starts at `start_us`, the bus
 * costs nothing until xport_inproc_set_bus(). */
void xport_inproc_init(struct xport_inproc *t, struct sim_board *boards, size_t nboards,
		       uint64_t start_us);
/* The table of operations over `t`. */
struct xport xport_inproc(struct xport_inproc *t);
void xport_inproc_set_bus(struct xport_inproc *t, struct xport_inproc_bus bus);
/* Put another device on the bus (any sim/bus_device.h device), on the
 * next port. DFU_E_INVAL for an incomplete operations table, DFU_E_NOSPACE
 * when XPORT_INPROC_MAX_BOARDS devices are there already. */
int xport_inproc_add_device(struct xport_inproc *t, struct sim_bus_dev dev);
/* The same for a generic DFU 1.1 device (sim/dfu11_device.h). */
int xport_inproc_add_dfu11(struct xport_inproc *t, struct sim_dfu11 *d);

static inline uint64_t xport_inproc_now_us(const struct xport_inproc *t)
{
	return t->now_us;
}
/* Let virtual time pass without a sleep (a person pressing a button). */
static inline void xport_inproc_advance_us(struct xport_inproc *t, uint64_t us)
{
	t->now_us += us;
}
/* "1-<n>": board n (0-based) is on port n+1 of bus 1. */
void xport_inproc_board_path(size_t board, char *out, size_t cap);

#endif
