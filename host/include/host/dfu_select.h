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
 * and what to do next. Selection never downloads, uploads or erases: the
 * only requests it sends are SET_INTERFACE and what brings the alt to
 * dfuIDLE (GETSTATUS, CLRSTATUS, ABORT). The engine itself is in
 * dfu_session.h.
 */
#ifndef HOST_DFU_SELECT_H
#define HOST_DFU_SELECT_H

#include <stdint.h>

struct dfu_session;
struct dfu_session_opts;
struct xport;

/* Which device, interface and alt setting (dfu-util -d -S -p -i -a). */
struct dfu_match {
	int vid, pid;		/* -1: any */
	const char *serial;	/* NULL or "": any */
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

#endif
