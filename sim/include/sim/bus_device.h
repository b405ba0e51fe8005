/*
 * bus_device.h - a USB device on a port, whatever emulates it: one table
 * of operations that ports (the USB/IP server, an in-process link) call
 * instead of knowing struct sim_board or struct sim_dfu11.
 *
 * A device is on the bus or not, and its generation counts its
 * (re-)enumerations, so a port notices an unplug followed by a re-plug with
 * the same serial. A port acts on it only through control transfers on
 * ep0, the host's bus reset and the passing of time; it reads the
 * descriptors of whatever is on the bus now through `usb`. Power is an
 * optional operation. What only a board has (the chip and its persisted
 * state, the event log, the BOOT0 pin) stays with struct sim_board, which
 * sim_board_of_bus_dev() finds behind a device: a port checks for NULL.
 *
 * Registration, not naming: an emulated device hands a port its own table
 * (sim_board_bus_dev(), sim_dfu11_bus_dev()), and the port never includes
 * the device's header. Time is passed in; nothing here sleeps or does I/O.
 */
#ifndef SIM_BUS_DEVICE_H
#define SIM_BUS_DEVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/usb_device.h"

struct sim_bus_dev_ops {
	/* ---- required ---- */
	bool (*on_bus)(void *dev);
	uint32_t (*generation)(void *dev);	/* +1 at every (re-)enumeration */
	/* One control transfer. USB_XFER_NO_ANSWER when nothing is on the bus
	 * or the request makes the device drop off before answering. */
	enum usb_xfer_result (*control)(void *dev, struct usb_ctrl_xfer *x);
	/* The host reset the bus (USB/IP never forwards this; a port guesses). */
	void (*bus_reset)(void *dev, uint64_t now_us);
	/* The device core on the bus now (its descriptors), NULL when off it. */
	const struct usb_device *(*usb)(void *dev);
	/* The serial number the device shows, also while it is off the bus. */
	const char *(*serial)(void *dev);

	/* ---- optional (NULL: the device has no such thing) ---- */
	/* Let virtual time reach the device before it is looked at (a device
	 * that re-enumerates by itself once a timeout has passed). */
	void (*tick)(void *dev, uint64_t now_us);
	/* Power on (as at plugging in) or off (off the bus). */
	void (*power)(void *dev, bool on, uint64_t now_us);
};

struct sim_bus_dev {
	const struct sim_bus_dev_ops *ops;
	void *dev;
};

/* True when every required operation is there (a port refuses others). */
bool sim_bus_dev_valid(const struct sim_bus_dev *d);
/* tick (if the device has it), then on_bus: whether it is there at `now_us`. */
bool sim_bus_dev_present(const struct sim_bus_dev *d, uint64_t now_us);
/* tick, if the device has it. */
void sim_bus_dev_tick(const struct sim_bus_dev *d, uint64_t now_us);
/* power, or DFU_E_UNSUPPORTED for a device without it. */
int sim_bus_dev_power(const struct sim_bus_dev *d, bool on, uint64_t now_us);

static inline bool sim_bus_dev_on_bus(const struct sim_bus_dev *d)
{
	return d->ops->on_bus(d->dev);
}
static inline uint32_t sim_bus_dev_generation(const struct sim_bus_dev *d)
{
	return d->ops->generation(d->dev);
}
static inline enum usb_xfer_result sim_bus_dev_control(const struct sim_bus_dev *d,
							struct usb_ctrl_xfer *x)
{
	return d->ops->control(d->dev, x);
}
static inline void sim_bus_dev_bus_reset(const struct sim_bus_dev *d, uint64_t now_us)
{
	d->ops->bus_reset(d->dev, now_us);
}
static inline const struct usb_device *sim_bus_dev_usb(const struct sim_bus_dev *d)
{
	return d->ops->usb(d->dev);
}
static inline const char *sim_bus_dev_serial(const struct sim_bus_dev *d)
{
	return d->ops->serial(d->dev);
}

#endif
