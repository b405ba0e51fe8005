/*
 * xport_usbip.h - the USB/IP client transport: dfu-sim (or any USB/IP
 * server, protocol 0x0111) reached over TCP from userspace, with no kernel
 * module and no root.
 *
 * enumerate() asks the server for its device list (OP_REQ_DEVLIST on a
 * connection of its own), then imports every listed busid on a connection
 * per device (OP_REQ_IMPORT) and reads the descriptors and strings through
 * CMD_SUBMIT, as the kernel's vhci and hub driver would at attach, ending
 * with SET_CONFIGURATION. The import stays open: open() hands it over, and
 * the next enumerate() reuses it while the server keeps it open. The server
 * closes an import when its device leaves the bus or re-enumerates (DFU
 * leave, reset, option-byte write), so a closed import is the re-enumeration
 * signal: transfers give DFU_E_NODEV, and the next enumerate() imports the
 * busid again with a new enum_id. xport_dev_info.path is the busid ("1-2"),
 * which is what -p matches.
 *
 * Control transfers are one URB at a time on ep0, matched by seqnum. Every
 * reply is checked before it is believed (version, code, lengths,
 * actual_length <= what was asked, data for IN only): a server that breaks
 * the format gets its connection closed and the caller a clean DFU_E_IO. A
 * reply that does not come within the caller's timeout is unlinked
 * (CMD_UNLINK) and reported as DFU_E_TIMEOUT. Every wait is a poll() with a
 * deadline, so a silent server never hangs the flasher. The clock is
 * CLOCK_MONOTONIC and sleep is nanosleep. This module never prints; the last
 * failure in words is in xport_usbip_last_error().
 */
#ifndef HOST_XPORT_USBIP_H
#define HOST_XPORT_USBIP_H

#include <stddef.h>
#include <stdint.h>

#include "host/xport.h"

#define XPORT_USBIP_HOST_MAX 256

struct xport_usbip;

/*
 * "HOST[:PORT]", "[V6ADDR]:PORT" or a bare IPv6 address; PORT defaults to
 * 3240. 0, or DFU_E_USAGE with the reason in msg.
 */
int xport_usbip_parse_addr(const char *arg, char host[XPORT_USBIP_HOST_MAX], uint16_t *port,
			   char *msg, size_t cap);

/* NULL when out of memory. Nothing is connected until first used. */
struct xport_usbip *xport_usbip_new(const char *host, uint16_t port);
/* Closes every connection. */
void xport_usbip_free(struct xport_usbip *t);
struct xport xport_usbip(struct xport_usbip *t);

/* Connect and list once: 0, or a negative dfu_err with the reason in
 * xport_usbip_last_error(). */
int xport_usbip_probe(struct xport_usbip *t);

/* The last failure in words ("" when none): what, where, and what to do. */
const char *xport_usbip_last_error(const struct xport_usbip *t);

/* From now on enumerate() imports and reports only `busid` (NULL: every
 * busid again). A process of dfu-flash --all works on one device and must
 * not hold imports of its siblings, which their own processes need. */
void xport_usbip_only(struct xport_usbip *t, const char *busid);

/* Limits for the management phase (connect, list, import); default 5000 ms. */
void xport_usbip_set_mgmt_timeout(struct xport_usbip *t, unsigned ms);

#endif
