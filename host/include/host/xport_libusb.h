/*
 * xport_libusb.h - the libusb-1.0 transport: real boards on real buses.
 *
 * Enumeration takes the device and configuration descriptors from libusb's
 * cache (no bus traffic; the configuration blob is rebuilt from libusb's
 * parsed descriptors and their "extra" bytes, which hold the DFU functional
 * descriptor) and reads the strings of a DFU-capable device once per
 * enumeration of it (cached by bus, port path and device number). Paths are
 * "bus-port.port...", as dfu-util prints them. SET_INTERFACE and
 * SET_CONFIGURATION go through libusb's own calls so the kernel knows the
 * alt setting; everything else is a plain control transfer. Errors map as
 * xport.h says; LIBUSB_ERROR_NOT_FOUND from a reset (the device
 * re-enumerated) is DFU_E_NODEV, which the engine treats as done.
 *
 * A machine without a USB subsystem (a container) is not an error: the
 * transport then lists no devices, and the why_none operation says why.
 */
#ifndef HOST_XPORT_LIBUSB_H
#define HOST_XPORT_LIBUSB_H

#include <stddef.h>
#include <stdint.h>

#include "host/xport.h"

struct xport_libusb;

/* Allocate the transport; libusb is initialised at the first use. NULL
 * when out of memory. */
struct xport_libusb *xport_libusb_new(void);
void xport_libusb_free(struct xport_libusb *t);
struct xport xport_libusb(struct xport_libusb *t);

/* A libusb_error as a dfu_err (xport.h's mapping). */
int xport_libusb_map_error(int libusb_err);
/* "1-1.2" for bus 1, ports {1, 2}; "1" with no ports (a root hub).
 * Returns the length, or -1 when it does not fit. */
int xport_libusb_format_path(uint8_t bus, const uint8_t *ports, int nports, char *out,
			     size_t cap);

#endif
