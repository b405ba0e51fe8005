/*
 * xport.h - the one table of operations the flasher uses to reach a USB
 * device, whatever carries the bytes.
 *
 * Like libusb's per-OS backends, every transport (libusb for real boards,
 * a USB/IP client for a USB/IP server over TCP, and whatever a layer above
 * supplies: the lab's in-process bus of emulated boards, a fuzzer's device
 * made of input bytes) fills one struct xport_ops; the DFU session engine (dfu_session.h) only ever calls through
 * it and never knows which transport it has. The operations are the ones a
 * flasher needs and nothing more: list devices with their descriptors and
 * strings, open and close one, run a control transfer on ep0, reset the
 * port, sleep and read a clock. Time belongs to the transport: a real one
 * sleeps, the in-process one advances a virtual clock, so tests never sleep.
 *
 * Every operation returns 0 (or a byte count) or a negative enum dfu_err;
 * the mapping from the transport's own errors is fixed here:
 *   DFU_E_STALL    the device stalled ep0      (libusb PIPE, USB/IP -EPIPE)
 *   DFU_E_NODEV    the device is gone          (NO_DEVICE, unplug, re-enumerated)
 *   DFU_E_TIMEOUT  no answer within the limit  (libusb TIMEOUT)
 *   DFU_E_IO       anything else on the wire   (IO, OVERFLOW, -EPROTO ...)
 * Nothing here allocates per request. This header never prints.
 */
#ifndef HOST_XPORT_H
#define HOST_XPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dfu/dfu_proto.h"
#include "dfu/error.h"

#define XPORT_PATH_MAX 32	/* "1-1.2" (libusb port path) or a USB/IP busid */
#define XPORT_STRING_MAX 128	/* one string descriptor as UTF-8, NUL included */
#define XPORT_MAX_STRINGS 16	/* strings kept per device */
#define XPORT_CONFIG_MAX 512	/* configuration blob kept per device */
#define XPORT_DEVICE_DESC_SIZE 18

struct xport_string {
	uint8_t index;
	char text[XPORT_STRING_MAX];
};

/*
 * One device as enumeration saw it. The descriptors are the bytes the
 * device returned (parse them with core's usb_desc.h), the strings every
 * index the device and configuration descriptors name (iManufacturer,
 * iProduct, iSerialNumber, iConfiguration, each iInterface), in the
 * device's first language. A transport that cannot read a string leaves it
 * out.
 */
struct xport_dev_info {
	uint16_t vid, pid, bcd_device;
	char path[XPORT_PATH_MAX];	/* stable across re-enumeration in the same port */
	uint8_t devnum;			/* bus address: changes at re-enumeration */
	uint32_t enum_id;		/* changes every time the device enumerates */
	char serial[XPORT_STRING_MAX];	/* "" when the device has none */
	uint8_t device_desc[XPORT_DEVICE_DESC_SIZE];
	uint8_t config[XPORT_CONFIG_MAX];
	size_t config_len;
	struct xport_string strings[XPORT_MAX_STRINGS];
	size_t nstrings;
	/* 0, or why the transport could not open the device to read its strings
	 * (a negative dfu_err, e.g. no permission on libusb): it is then listed
	 * without strings, and dfu-flash skips it with a warning as dfu-util
	 * does. The in-process and USB/IP transports always open. */
	int open_error;
	uintptr_t ref;			/* the transport's own reference (board index, ...) */
};

/* The text of string `index`, or NULL when enumeration did not read it. */
const char *xport_dev_string(const struct xport_dev_info *d, uint8_t index);
/* Store a string in `d` (used by transports); DFU_E_NOSPACE when full. */
int xport_dev_add_string(struct xport_dev_info *d, uint8_t index, const char *text);

/* Called once per device; return non-zero to stop the enumeration. */
typedef int (*xport_enum_fn)(void *cb_ctx, const struct xport_dev_info *dev);

/* A device handle: what open() returns, opaque to the caller. */
struct xport_handle;

struct xport_ops {
	const char *name;	/* "in-process", "libusb", "usbip" */
	/* Visit every device on the bus(es). Returns the number visited. */
	int (*enumerate)(void *ctx, xport_enum_fn cb, void *cb_ctx);
	/* Open the device `dev` describes (as enumerate gave it). DFU_E_NODEV
	 * if it has gone or enumerated again since. */
	int (*open)(void *ctx, const struct xport_dev_info *dev, struct xport_handle **h);
	void (*close)(void *ctx, struct xport_handle *h);
	/*
	 * One control transfer. `s` is the setup packet; for OUT requests
	 * `out` holds s->wLength bytes, for IN requests `in` has room for
	 * s->wLength bytes. Returns the bytes transferred (IN: what the device
	 * sent, never more than wLength) or a negative dfu_err.
	 */
	int (*control)(void *ctx, struct xport_handle *h, const struct dfu_setup *s,
		       const uint8_t *out, uint8_t *in, unsigned timeout_ms);
	/* Reset the port (libusb_reset_device). DFU_E_NODEV when the device
	 * re-enumerated or left: the handle is then dead. */
	int (*reset)(void *ctx, struct xport_handle *h);
	/* Wait. Real transports sleep; the in-process one advances its clock. */
	void (*sleep_ms)(void *ctx, uint32_t ms);
	/* Monotonic microseconds of the transport's clock (virtual or real). */
	uint64_t (*now_us)(void *ctx);
	/* Why enumeration can see nothing at all (libusb: no permission to the
	 * bus, no USB subsystem), as a sentence; "" when nothing is known to be
	 * wrong. Optional: NULL means the transport never knows more. */
	const char *(*why_none)(void *ctx);
};

struct xport {
	const struct xport_ops *ops;
	void *ctx;
};

static inline int xport_enumerate(const struct xport *x, xport_enum_fn cb, void *cb_ctx)
{
	return x->ops->enumerate(x->ctx, cb, cb_ctx);
}
static inline int xport_open(const struct xport *x, const struct xport_dev_info *dev,
			     struct xport_handle **h)
{
	return x->ops->open(x->ctx, dev, h);
}
static inline void xport_close(const struct xport *x, struct xport_handle *h)
{
	if (h)
		x->ops->close(x->ctx, h);
}
static inline int xport_control(const struct xport *x, struct xport_handle *h,
				const struct dfu_setup *s, const uint8_t *out, uint8_t *in,
				unsigned timeout_ms)
{
	return x->ops->control(x->ctx, h, s, out, in, timeout_ms);
}
static inline int xport_reset(const struct xport *x, struct xport_handle *h)
{
	return x->ops->reset(x->ctx, h);
}
static inline void xport_sleep_ms(const struct xport *x, uint32_t ms)
{
	x->ops->sleep_ms(x->ctx, ms);
}
static inline uint64_t xport_now_us(const struct xport *x)
{
	return x->ops->now_us(x->ctx);
}

static inline const char *xport_why_none(const struct xport *x)
{
	return x->ops->why_none ? x->ops->why_none(x->ctx) : "";
}

/* "OK", "STALL", "NO_DEVICE", "TIMEOUT", "IO" for a control() result. */
const char *xport_result_name(int rc);

/* One control transfer on ep0 of a device a transport is enumerating;
 * returns as xport_ops.control does. */
typedef int (*xport_ep0_fn)(void *ctx, const struct dfu_setup *s, const uint8_t *out,
			    uint8_t *in);

/*
 * What a host's USB stack does when a device appears, for transports that
 * see only control transfers (USB/IP, in-process): the device descriptor,
 * the configuration (its header, then all of it up to XPORT_CONFIG_MAX),
 * SET_CONFIGURATION, the language list and every string the descriptors
 * name (iManufacturer, iProduct, iSerialNumber, iConfiguration, each
 * iInterface). Fills d's descriptors, ids, strings and serial; the caller
 * sets path, devnum, enum_id and ref. *config_value gets the configuration
 * set. 0 or a negative dfu_err: a failed transfer's own, or DFU_E_PROTOCOL
 * with `diag` naming the malformed descriptor. A string that cannot be
 * read is left out, as a host does.
 */
int xport_describe(struct xport_dev_info *d, xport_ep0_fn ep0, void *ctx, uint8_t *config_value,
		   struct dfu_diag *diag);

#endif
