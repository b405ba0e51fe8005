/*
 * dfu_select.h - which device, interface and alt setting a DFU session
 * talks to (dfu-util -d -S -p -n -c -i -a).
 *
 * dfu_session_open() picks exactly one DFU-mode interface out of what the
 * transport's enumeration saw, opens that device and selects the alt;
 * dfu_session_set_alt() moves the session to another alt of the same
 * interface; dfu_session_find_alt() finds one by its layout name. A device
 * that is missing, ambiguous, in run-time mode or whose descriptors do not
 * parse is refused with a sentence in dfu_session_errmsg() that says which
 * and what to do next. dfu_probe() comes before: which DFU interfaces,
 * run-time or DFU mode, the filters accept by dfu-util 0.11's rules
 * (dfu_match_alt), so the command line can wait for one (-w), detach one,
 * or refuse when more than one device matches. Selection never downloads,
 * uploads or erases: the only requests it sends are SET_INTERFACE and what
 * brings the alt to dfuIDLE (GETSTATUS, CLRSTATUS, ABORT); the probe sends
 * none. The engine itself is in dfu_session.h.
 */
#ifndef HOST_DFU_SELECT_H
#define HOST_DFU_SELECT_H

#include <stdbool.h>
#include <stdint.h>

#include "host/xport.h"

struct dfu_session;
struct dfu_session_opts;

/* Which device, interface and alt setting (dfu-util -d -S -p -n -c -i -a).
 * As in dfu-util, the IDs and the serial are per mode: a DFU-mode alt is
 * held to vid/pid/serial, a run-time one to rt_vid/rt_pid/rt_serial; -a
 * (number or name) selects among DFU-mode alts only ([dfu-util-0.11],
 * probing). */
struct dfu_match {
	int vid, pid;		/* DFU mode (-d's second pair), -1: any, 0x10000: none */
	int rt_vid, rt_pid;	/* run time (-d's first pair), -1: any, 0x10000: none */
	const char *serial;	/* DFU mode: NULL or "": any */
	const char *rt_serial;	/* run time: NULL or "": any */
	const char *path;	/* NULL or "": any */
	int intf;		/* bInterfaceNumber, -1: any */
	int alt;		/* bAlternateSetting, -1: by name, or the only one */
	const char *alt_name;	/* exact iInterface string (with alt == -1) */
	int devnum;		/* bus address (dfu-util -n), 0: any */
	int cfg;		/* bConfigurationValue (dfu-util -c), 0: any */
};
void dfu_match_any(struct dfu_match *m);

/*
 * Find exactly one matching DFU-mode interface, open the device, select the
 * alt (SET_INTERFACE) and bring it to dfuIDLE (GETSTATUS; CLRSTATUS or
 * ABORT as needed). DFU_E_NOTFOUND, DFU_E_AMBIGUOUS (the candidates are
 * listed in the message), DFU_E_STATE for a run-time-mode device.
 */
int dfu_session_open(struct dfu_session *s, const struct xport *x, const struct dfu_match *m,
		     const struct dfu_session_opts *o);

/* Select another alt of the same interface and bring it to dfuIDLE. */
int dfu_session_set_alt(struct dfu_session *s, uint8_t alt);
/* The alt whose layout name is `name` (trailing spaces ignored), or -1. */
int dfu_session_find_alt(const struct dfu_session *s, const char *name);

/* ---- dfu-util's probe: which DFU interfaces match, in either mode ---- */

struct usb_alt_info;

enum dfu_match_kind {
	DFU_MATCH_NO,		/* not a DFU interface, or a filter refuses it */
	DFU_MATCH_DFU,		/* a DFU-mode alt (bInterfaceProtocol 2) that matches */
	DFU_MATCH_RUNTIME,	/* a run-time alt (protocol 1) that matches */
	DFU_MATCH_UNOPENED,	/* it would be tried, but the transport could not open the
				 * device to read its strings (xport_dev_info.open_error) */
};

/* The one rule for one alt setting `a` of `d`: -p -n -c -i for both modes,
 * the mode's IDs and serial, -a for DFU mode only. */
enum dfu_match_kind dfu_match_alt(const struct dfu_match *m, const struct xport_dev_info *d,
				  const struct usb_alt_info *a);

#define DFU_PROBE_MAX 8

/* One device the probe saw (matching, or not openable). */
struct dfu_probe_dev {
	uint16_t vid, pid;
	uint8_t devnum;
	char path[XPORT_PATH_MAX];
	char serial[XPORT_STRING_MAX];
	bool dfu_mode, runtime;	/* it has a matching alt of that mode */
	uint8_t rt_intf;	/* the matching run-time interface */
	bool rt_will_detach;	/* its functional descriptor says bitWillDetach */
	int open_error;		/* DFU_MATCH_UNOPENED: the transport's error */
};

/* What dfu-util's probe would find. `entries` counts matching alts of both
 * modes, as dfu-util's device list does; the devices are counted once each,
 * the first DFU_PROBE_MAX kept in enumeration order. */
struct dfu_probe {
	unsigned entries;
	unsigned ndev, ndfu, nruntime;
	struct dfu_probe_dev dev[DFU_PROBE_MAX];
	unsigned nunopened;
	struct dfu_probe_dev unopened[DFU_PROBE_MAX];
};

/* Enumerate once and fill *p; no request is sent. The number of devices
 * enumeration returned, or a negative dfu_err. */
int dfu_probe(const struct xport *x, const struct dfu_match *m, struct dfu_probe *p);

#endif
