/*
 * usb_device.h - a small USB device core for emulated devices (ep0 only).
 *
 * Holds a device's descriptors and answers the standard requests of USB 2.0
 * chapter 9 (GET_DESCRIPTOR device/configuration/string, SET/GET_CONFIGURATION,
 * SET/GET_INTERFACE, GET_STATUS, CLEAR/SET_FEATURE), stalling what a real
 * full-speed device stalls (DEVICE_QUALIFIER, BOS, unknown requests, bad
 * indexes). Class and vendor requests go to the class driver through one
 * callback. It sits on a port (the USB/IP server, or an in-process link for
 * tests and fuzzers) that only ever calls usb_device_control(). No I/O.
 */
#ifndef SIM_USB_DEVICE_H
#define SIM_USB_DEVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dfu/dfu_fsm.h"
#include "dfu/dfu_proto.h"
#include "dfu/usb_desc.h"

enum usb_xfer_result {
	USB_XFER_OK,		/* completed; `actual` bytes of IN data */
	USB_XFER_STALL,		/* ep0 stalled (USB/IP: -EPIPE) */
	USB_XFER_NO_ANSWER,	/* the device is gone: off the bus, resetting (USB/IP: close) */
};

/* One control transfer. OUT data in `out`, IN data written to `in`. */
struct usb_ctrl_xfer {
	struct dfu_setup setup;
	const uint8_t *out;
	size_t out_len;
	uint8_t *in;
	size_t in_cap;		/* at least setup.wLength for IN transfers */
	size_t actual;		/* IN bytes produced */
	uint64_t now_us;	/* virtual time the request arrives at */
};

#define USB_DEVICE_MAX_STRINGS 8
#define USB_DEVICE_CONFIG_MAX 512

struct usb_device;

struct usb_class_driver {
	/* Class/vendor requests (bmRequestType type bits != standard). */
	enum usb_xfer_result (*control)(void *ctx, struct usb_device *dev, struct usb_ctrl_xfer *x);
	/* SET_INTERFACE was accepted (alt exists). */
	void (*set_alt)(void *ctx, uint8_t intf, uint8_t alt);
	/* SET_CONFIGURATION with a non-zero value (the host enumerated us). */
	void (*configured)(void *ctx, uint8_t config_value);
	void *ctx;
};

struct usb_device {
	uint8_t device_desc[18];
	uint8_t config[USB_DEVICE_CONFIG_MAX];
	size_t config_len;
	const char *strings[USB_DEVICE_MAX_STRINGS]; /* index 1..; [0] unused (LANGID) */
	uint8_t nstrings;
	uint8_t num_interfaces;
	uint8_t alt_count[4];		/* alternate settings per interface */
	uint8_t configuration;		/* 0 = address state */
	uint8_t alt[4];			/* current alt per interface */
	bool remote_wakeup;
	struct usb_class_driver drv;
};

/*
 * Building a device, once, before it goes on the bus. usb_device_init()
 * encodes the device descriptor and starts the configuration blob with
 * `cfg` (wTotalLength and bNumInterfaces are kept up to date by the
 * add functions). Strings are added in index order (the first gets index 1)
 * and are not copied: the caller keeps them alive. Interfaces and raw
 * class descriptors are appended to the blob in call order. Each returns 0
 * (usb_device_add_string: the new index) or DFU_E_NOSPACE / DFU_E_FORMAT /
 * DFU_E_INVAL.
 */
int usb_device_init(struct usb_device *d, const struct usb_device_desc *dev,
		    const struct usb_config_desc *cfg, const struct usb_class_driver *drv);
int usb_device_add_string(struct usb_device *d, const char *utf8);
int usb_device_add_interface(struct usb_device *d, const struct usb_interface_desc *intf);
int usb_device_add_raw(struct usb_device *d, const uint8_t *desc, size_t len);

/* Complete an IN transfer with `len` bytes of `data`, cut to wLength and
 * in_cap as a device does (the host asked for at most that). */
enum usb_xfer_result usb_ctrl_reply(struct usb_ctrl_xfer *x, const void *data, size_t len);
/* For DFU class drivers: the 6-byte DFU_GETSTATUS reply and the 1-byte
 * DFU_GETSTATE reply of the shared state machine as it is now. */
enum usb_xfer_result usb_ctrl_reply_dfu_status(struct usb_ctrl_xfer *x, const struct dfu_fsm *m);
enum usb_xfer_result usb_ctrl_reply_dfu_state(struct usb_ctrl_xfer *x, const struct dfu_fsm *m);

/* Reset the core to the default state (no configuration, alt 0). */
void usb_device_bus_reset(struct usb_device *d);

/*
 * Handle one control transfer: standard requests here, others to the class.
 * Like ST's USB device stack, requests to an interface (standard or class)
 * are served only in the configured state, and only for an interface that
 * exists; an OUT request whose data stage is shorter than wLength stalls.
 */
enum usb_xfer_result usb_device_control(struct usb_device *d, struct usb_ctrl_xfer *x);

#endif
