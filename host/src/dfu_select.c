/*
 * dfu_select.c - which device, interface and alt setting a session talks to
 * (see dfu_select.h).
 *
 * dfu_match_alt() is dfu-util 0.11's rule for one alt setting, shared by
 * the probe (dfu_probe: both modes, for -w, detaching and "more than one
 * device"), dfu_session_open() and -l.
 *
 * dfu_session_open() walks what enumeration saw once (open_visit), keeping
 * the first matching DFU-mode device and counting the rest, so that "none",
 * "more than one device" and "more than one alt" each get their own
 * sentence; then it settles the transfer size and selects the alt.
 * dfu_session_set_alt() describes the alt from the configuration, sends
 * SET_INTERFACE and brings that alt to dfuIDLE through the engine's request
 * layer (dfu_session_internal.h), so every request is still checked against
 * core's state machine.
 */
#include <stdio.h>
#include <string.h>

#include "dfu/bytes.h"
#include "dfu/usb_desc.h"
#include "host/dfu_select.h"
#include "host/dfu_session.h"
#include "dfu_session_internal.h"

void dfu_match_any(struct dfu_match *m)
{
	memset(m, 0, sizeof(*m));
	m->vid = m->pid = -1;
	m->rt_vid = m->rt_pid = -1;
	m->intf = m->alt = -1;
}

/* ---- the alt settings of the selected interface ---- */

/* The alt info of (s->intf, alt) in the configuration, or false. */
static bool find_alt_info(const struct dfu_session *s, uint8_t alt, struct usb_alt_info *out)
{
	struct usb_config_iter it;

	if (usb_config_iter_init(&it, s->dev.config, s->dev.config_len, NULL) < 0)
		return false;
	for (int guard = 0; guard < 256 && usb_config_next_alt(&it, out) == 1; guard++)
		if (out->intf.bInterfaceNumber == s->intf && out->intf.bAlternateSetting == alt &&
		    out->intf.bInterfaceClass == USB_CLASS_APP_SPEC &&
		    out->intf.bInterfaceSubClass == USB_SUBCLASS_DFU)
			return true;
	return false;
}

int dfu_session_find_alt(const struct dfu_session *s, const char *name)
{
	struct usb_config_iter it;
	struct usb_alt_info alt;
	struct dfuse_layout l;
	size_t want = strlen(name);

	if (usb_config_iter_init(&it, s->dev.config, s->dev.config_len, NULL) < 0)
		return -1;
	for (int guard = 0; guard < 256 && usb_config_next_alt(&it, &alt) == 1; guard++) {
		const char *text = xport_dev_string(&s->dev, alt.intf.iInterface);
		size_t n;
		if (alt.intf.bInterfaceNumber != s->intf || !text ||
		    alt.intf.bInterfaceClass != USB_CLASS_APP_SPEC ||
		    alt.intf.bInterfaceSubClass != USB_SUBCLASS_DFU ||
		    dfuse_layout_parse(text, strlen(text), &l, NULL) < 0)
			continue;
		n = strlen(l.name);
		while (n > 0 && l.name[n - 1] == ' ')
			n--;
		if (n == want && memcmp(l.name, name, n) == 0)
			return alt.intf.bAlternateSetting;
	}
	return -1;
}

/* Check that `alt` is a DFU-mode alt of s->intf and take its name and, on a
 * DfuSe device, its memory layout. */
static int describe_alt(struct dfu_session *s, uint8_t alt)
{
	struct usb_alt_info info;
	const char *name;

	if (!find_alt_info(s, alt, &info))
		return session_fail(s, DFU_E_NOTFOUND,
				    "interface %u has no DFU alt setting "
				    "%u; -l lists the alt settings",
				    s->intf, alt);
	if (info.intf.bInterfaceProtocol != USB_PROTO_DFU_MODE)
		return session_fail(s, DFU_E_STATE,
				    "alt %u of interface %u is a run-time DFU interface; "
				    "detach the device into DFU mode first (-e)",
				    alt, s->intf);
	name = xport_dev_string(&s->dev, info.intf.iInterface);
	snprintf(s->alt_name, sizeof(s->alt_name), "%s", name ? name : "");
	s->layout_ok = s->dfuse && name &&
		       dfuse_layout_parse(name, strlen(name), &s->layout, NULL) == 0;
	if (!s->layout_ok)
		memset(&s->layout, 0, sizeof(s->layout));
	return 0;
}

/* The newly selected alt may be in any state: GETSTATUS tells, then
 * CLRSTATUS, ABORT or waiting brings it to dfuIDLE (at most 4 rounds). */
static int reach_idle(struct dfu_session *s, uint8_t alt)
{
	struct dfu_status_reply r;
	int rc;

	session_set_op(s, "status of alt %u", alt);
	for (int round = 0; round < 4; round++) {
		rc = dfu_session_get_status(s, &r);
		if (rc < 0)
			return rc;
		switch (r.bState) {
		case DFU_STATE_IDLE:
			if (r.bStatus == DFU_STATUS_OK)
				return 0;
			rc = session_simple_req(s, DFU_CLRSTATUS);
			break;
		case DFU_STATE_ERROR:
			rc = session_simple_req(s, DFU_CLRSTATUS);
			break;
		case DFU_STATE_DNLOAD_IDLE:
		case DFU_STATE_UPLOAD_IDLE:
			rc = session_simple_req(s, DFU_ABORT);
			break;
		case DFU_STATE_DNBUSY:
		case DFU_STATE_MANIFEST: {
			uint64_t waited = 0;
			rc = session_wait_poll(s, r.bwPollTimeout, &waited);
			break;
		}
		default:
			return session_fail(s, DFU_E_STATE,
					    "the device is in %s after selecting alt "
					    "%u; dfu-flash can only start from dfuIDLE "
					    "(power-cycle it or reset it with -R)",
					    dfu_state_name(r.bState), alt);
		}
		if (rc < 0)
			return rc;
	}
	return session_fail(s, DFU_E_STATE,
			    "the device does not reach dfuIDLE on alt %u (last %s, %s)", alt,
			    dfu_state_name(s->status.bState), dfu_status_name(s->status.bStatus));
}

int dfu_session_set_alt(struct dfu_session *s, uint8_t alt)
{
	const struct dfu_fsm_config cfg = {
		.attributes = s->func.bmAttributes,
		.dfuse = s->dfuse,
		.transfer_size = s->func.wTransferSize > s->xfer ? s->func.wTransferSize : s->xfer,
		.detach_timeout_ms = s->func.wDetachTimeOut,
	};
	struct dfu_setup st = {
		.bmRequestType = 0x01,
		.bRequest = USB_REQ_SET_INTERFACE,
		.wValue = alt,
		.wIndex = s->intf,
	};
	int rc;

	session_set_op(s, "select alt %u of interface %u", alt, s->intf);
	rc = describe_alt(s, alt);
	if (rc < 0)
		return rc;
	if (!s->h) {
		rc = xport_open(&s->x, &s->dev, &s->h);
		if (rc < 0)
			return session_fail(s, rc,
					    "cannot open %04x:%04x at %s: %s; it may have "
					    "re-enumerated (list devices with -l and retry)",
					    s->dev.vid, s->dev.pid, s->dev.path, dfu_strerror(rc));
		s->gone = false;
	}
	rc = session_xfer(s, &st, NULL, NULL);
	if (rc < 0)
		return session_xfer_fail(s, rc, "SET_INTERFACE");
	s->alt = alt;
	s->pointer_known = false;
	dfu_host_fsm_init(&s->fsm, &cfg, ALL_STATES);
	return reach_idle(s, alt);
}

/* ---- finding the device ---- */

/* What is wrong with a configuration blob the iterator refused. */
static void config_problem(const struct xport_dev_info *d, int rc, char *out, size_t cap)
{
	const uint8_t *b = d->config;
	size_t len = d->config_len, walk, pos;
	uint16_t total;

	if (len < USB_DT_CONFIG_SIZE || b[0] < USB_DT_CONFIG_SIZE || b[1] != USB_DT_CONFIG) {
		snprintf(out, cap, "its configuration descriptor (%zu bytes, bLength %u, type "
			 "0x%02X) is not one (USB 2.0 §9.6.3: bLength 9, type 0x02)",
			 len, len ? b[0] : 0, len > 1 ? b[1] : 0);
		return;
	}
	total = dfu_get_le16(b + 2);
	if (total < b[0]) {
		snprintf(out, cap, "its wTotalLength %u is shorter than the configuration "
			 "descriptor itself (%u)", total, b[0]);
		return;
	}
	walk = len < total ? len : total;
	for (pos = b[0]; pos < walk; pos += b[pos]) {
		uint8_t bl = b[pos], type = pos + 1 < walk ? b[pos + 1] : 0;
		if (bl < 2) {
			snprintf(out, cap, "the descriptor at offset %zu of its configuration has "
				 "bLength %u; every descriptor is at least 2 bytes", pos, bl);
			return;
		}
		if (pos + bl > walk) {
			snprintf(out, cap, "the descriptor at offset %zu (type 0x%02X, bLength %u) "
				 "runs past the end of its configuration (wTotalLength %u, %zu "
				 "bytes read)", pos, type, bl, total, len);
			return;
		}
		if (type == USB_DT_INTERFACE && bl < USB_DT_INTERFACE_SIZE) {
			snprintf(out, cap, "the interface descriptor at offset %zu has bLength %u "
				 "(USB 2.0: 9)", pos, bl);
			return;
		}
		if (type == DFU_FUNC_DESC_TYPE && bl < 7) {
			snprintf(out, cap, "the DFU functional descriptor at offset %zu has "
				 "bLength %u (DFU 1.1 §4.1.3: 9)", pos, bl);
			return;
		}
	}
	snprintf(out, cap, "its configuration descriptor cannot be parsed: %s", dfu_strerror(rc));
}

/* ---- dfu-util's rule for one alt setting ([dfu-util-0.11], probing) ---- */

static bool id_ok(int want, uint16_t have)
{
	return want < 0 || want == have;
}

static bool text_ok(const char *want, const char *have)
{
	return !want || !want[0] || strcmp(want, have) == 0;
}

enum dfu_match_kind dfu_match_alt(const struct dfu_match *m, const struct xport_dev_info *d,
				  const struct usb_alt_info *a)
{
	bool dfu_mode = a->intf.bInterfaceProtocol == USB_PROTO_DFU_MODE;
	const char *name;

	if (a->intf.bInterfaceClass != USB_CLASS_APP_SPEC ||
	    a->intf.bInterfaceSubClass != USB_SUBCLASS_DFU)
		return DFU_MATCH_NO;
	if ((m->path && m->path[0] && strcmp(d->path, m->path) != 0) ||
	    (m->devnum > 0 && d->devnum != m->devnum) ||
	    (m->cfg > 0 && (d->config_len < 6 || d->config[5] != m->cfg)) ||
	    (m->intf >= 0 && a->intf.bInterfaceNumber != m->intf))
		return DFU_MATCH_NO;
	/* -a picks among DFU-mode alts; a run-time interface has no choice. */
	if (dfu_mode && m->alt >= 0 && a->intf.bAlternateSetting != m->alt)
		return DFU_MATCH_NO;
	if (!id_ok(dfu_mode ? m->vid : m->rt_vid, d->vid) ||
	    !id_ok(dfu_mode ? m->pid : m->rt_pid, d->pid))
		return DFU_MATCH_NO;
	/* dfu-util opens the device here to read the alt name and the serial,
	 * and skips one it cannot open with a warning. */
	if (d->open_error)
		return DFU_MATCH_UNOPENED;
	name = xport_dev_string(d, a->intf.iInterface);
	if (dfu_mode && m->alt < 0 && m->alt_name && m->alt_name[0] &&
	    (!name || strcmp(name, m->alt_name) != 0))
		return DFU_MATCH_NO;
	if (!text_ok(dfu_mode ? m->serial : m->rt_serial, d->serial))
		return DFU_MATCH_NO;
	return dfu_mode ? DFU_MATCH_DFU : DFU_MATCH_RUNTIME;
}

/* ---- the probe ---- */

struct probe_ctx {
	const struct dfu_match *m;
	struct dfu_probe *p;
};

static void probe_dev_fill(struct dfu_probe_dev *pd, const struct xport_dev_info *d)
{
	pd->vid = d->vid;
	pd->pid = d->pid;
	pd->devnum = d->devnum;
	snprintf(pd->path, sizeof(pd->path), "%s", d->path);
	snprintf(pd->serial, sizeof(pd->serial), "%s", d->serial);
	pd->open_error = d->open_error;
}

static int probe_visit(void *ctx, const struct xport_dev_info *d)
{
	struct probe_ctx *c = ctx;
	struct dfu_probe *p = c->p;
	struct dfu_probe_dev one;
	struct usb_config_iter it;
	struct usb_alt_info a;
	bool unopened = false;
	unsigned entries = 0;

	memset(&one, 0, sizeof(one));
	if (usb_config_iter_init(&it, d->config, d->config_len, NULL) < 0)
		return 0;
	for (int guard = 0; guard < 256 && usb_config_next_alt(&it, &a) == 1; guard++) {
		switch (dfu_match_alt(c->m, d, &a)) {
		case DFU_MATCH_DFU:
			one.dfu_mode = true;
			entries++;
			break;
		case DFU_MATCH_RUNTIME:
			if (!one.runtime) {
				one.rt_intf = a.intf.bInterfaceNumber;
				one.rt_will_detach = a.has_func &&
						     (a.func.bmAttributes & DFU_ATTR_WILL_DETACH);
			}
			one.runtime = true;
			entries++;
			break;
		case DFU_MATCH_UNOPENED:
			unopened = true;
			break;
		case DFU_MATCH_NO:
			break;
		}
	}
	if (unopened) {
		if (p->nunopened < DFU_PROBE_MAX)
			probe_dev_fill(&p->unopened[p->nunopened], d);
		p->nunopened++;
	}
	if (!entries)
		return 0;
	p->entries += entries;
	p->ndfu += one.dfu_mode;
	p->nruntime += one.runtime;
	if (p->ndev < DFU_PROBE_MAX) {
		probe_dev_fill(&one, d);
		p->dev[p->ndev] = one;
	}
	p->ndev++;
	return 0;
}

int dfu_probe(const struct xport *x, const struct dfu_match *m, struct dfu_probe *p)
{
	struct probe_ctx c = { m, p };

	memset(p, 0, sizeof(*p));
	return xport_enumerate(x, probe_visit, &c);
}

/* ---- dfu_session_open: exactly one DFU-mode device ---- */

struct open_ctx {
	const struct dfu_match *m;
	struct dfu_session *s;
	int ndev;
	char bad[300];		/* the first matching device with broken descriptors */
	char unopened[120];	/* the first matching device the transport could not open */
	int nalts;		/* matching alts on the first device */
	bool runtime_seen;
	char others[200];	/* further matching devices, for the message */
	size_t olen;
};

/* Count the DFU-mode alts of `d` that the match accepts, keeping the first
 * in *first (its functional descriptor all zero when it has none); a
 * matching run-time alt sets o->runtime_seen. A configuration the iterator
 * refuses is described in o->bad (the first such device only). */
static int count_alts(struct open_ctx *o, const struct xport_dev_info *d,
		      struct usb_alt_info *first)
{
	struct usb_config_iter it;
	struct usb_alt_info a;
	int nalts = 0, rc;

	memset(first, 0, sizeof(*first));
	rc = usb_config_iter_init(&it, d->config, d->config_len, NULL);
	for (int guard = 0; rc == 0 && guard < 256; guard++) {
		int more = usb_config_next_alt(&it, &a);
		enum dfu_match_kind k;
		if (more < 0)
			rc = more;
		if (more != 1)
			break;
		k = dfu_match_alt(o->m, d, &a);
		if (k == DFU_MATCH_RUNTIME)
			o->runtime_seen = true;
		if (k == DFU_MATCH_UNOPENED && !o->unopened[0])
			snprintf(o->unopened, sizeof(o->unopened), "%04x:%04x on devnum %u at %.31s "
				 "(%s)", d->vid, d->pid, d->devnum, d->path,
				 dfu_strerror(d->open_error));
		if (k != DFU_MATCH_DFU)
			continue;
		if (nalts++ == 0) {
			*first = a;
			if (!first->has_func)
				memset(&first->func, 0, sizeof(first->func));
		}
	}
	if (rc < 0 && !o->bad[0]) {
		char why[200];
		config_problem(d, rc, why, sizeof(why));
		snprintf(o->bad, sizeof(o->bad), "%04x:%04x at %.31s: %s", d->vid, d->pid, d->path,
			 why);
	}
	return nalts;
}

static int open_visit(void *ctx, const struct xport_dev_info *d)
{
	struct open_ctx *o = ctx;
	struct usb_alt_info first;
	int nalts;

	nalts = count_alts(o, d, &first);
	if (nalts == 0)
		return 0;
	if (o->ndev++ == 0) {
		o->s->dev = *d;
		o->s->intf = first.intf.bInterfaceNumber;
		o->s->alt = first.intf.bAlternateSetting;
		o->s->func = first.func; /* all zero when it has none */
		o->nalts = nalts;
	} else if (o->olen + 1 < sizeof(o->others)) {
		int w = snprintf(o->others + o->olen, sizeof(o->others) - o->olen,
				 ", %04x:%04x serial %s at %s", d->vid, d->pid,
				 d->serial[0] ? d->serial : "(none)", d->path);
		if (w > 0)
			o->olen = min_size(o->olen + (size_t)w, sizeof(o->others) - 1);
	}
	return 0;
}

/* "0 \"@Internal Flash ...\", 1 \"@Option Bytes ...\"" for the message. */
static void list_alts(const struct dfu_session *s, char *out, size_t cap)
{
	struct usb_config_iter it;
	struct usb_alt_info a;
	size_t len = 0;

	out[0] = '\0';
	if (usb_config_iter_init(&it, s->dev.config, s->dev.config_len, NULL) < 0)
		return;
	for (int guard = 0; guard < 256 && usb_config_next_alt(&it, &a) == 1; guard++) {
		const char *name = xport_dev_string(&s->dev, a.intf.iInterface);
		int w;
		if (a.intf.bInterfaceClass != USB_CLASS_APP_SPEC ||
		    a.intf.bInterfaceSubClass != USB_SUBCLASS_DFU)
			continue;
		w = snprintf(out + len, cap - len, "%s%u \"%s\"", len ? ", " : "",
			     a.intf.bAlternateSetting, name ? name : "");
		if (w < 0 || (size_t)w >= cap - len)
			return;
		len += (size_t)w;
	}
}

/* Exactly one device with exactly one alt, or the sentence why not; `seen`
 * is what the enumeration returned (the number of devices). */
static int check_one(struct dfu_session *s, const struct open_ctx *oc, int seen)
{
	char alts[240];

	if (oc->ndev == 0) {
		if (oc->bad[0])
			return session_fail(s, DFU_E_PROTOCOL,
					    "%s; dfu-flash cannot use a device whose "
					    "descriptors it cannot trust (its firmware is broken)",
					    oc->bad);
		if (oc->unopened[0])
			return session_fail(s, DFU_E_IO,
					    "cannot open DFU device %s; check its permissions "
					    "(a udev rule) or whether another program holds it",
					    oc->unopened);
		if (oc->runtime_seen)
			return session_fail(s, DFU_E_STATE,
					    "the matching device is in run-time mode (DFU "
					    "protocol 1); detach it into DFU mode first (-e)");
		return session_fail(s, DFU_E_NOTFOUND,
				    "no DFU-mode device matches (%d devices seen); is it "
				    "connected and in its bootloader? -l lists what is visible",
				    seen);
	}
	if (oc->ndev > 1)
		return session_fail(s, DFU_E_AMBIGUOUS,
				    "%d DFU devices match: %04x:%04x serial %s "
				    "at %s%s; choose one with -S SERIAL or -p PATH",
				    oc->ndev, s->dev.vid, s->dev.pid,
				    s->dev.serial[0] ? s->dev.serial : "(none)", s->dev.path,
				    oc->others);
	if (oc->nalts > 1) {
		list_alts(s, alts, sizeof(alts));
		return session_fail(s, DFU_E_AMBIGUOUS,
				    "%04x:%04x at %s has %d DFU alt settings: "
				    "%s; choose one with -a NUMBER or -a NAME",
				    s->dev.vid, s->dev.pid, s->dev.path, oc->nalts, alts);
	}
	return 0;
}

/* The DFU version and transfer size from the functional descriptor, -t,
 * and the limits around them (a note says what was adjusted). */
static int choose_transfer(struct dfu_session *s)
{
	uint8_t mps0 = s->dev.device_desc[7];

	if (s->func.wTransferSize == 0 && s->o.transfer_size == 0)
		return session_fail(s, DFU_E_USAGE,
				    "%04x:%04x reports no transfer size (no DFU functional "
				    "descriptor, or wTransferSize 0); give one with -t",
				    s->dev.vid, s->dev.pid);
	if (s->func.bmAttributes == 0 && s->func.bcdDFUVersion == 0) {
		/* No functional descriptor: assume what dfu-util assumes. */
		s->func.bmAttributes = DFU_ATTR_CAN_DNLOAD | DFU_ATTR_CAN_UPLOAD;
		s->func.bcdDFUVersion = DFU_BCD_DFU11;
	}
	s->dfuse = s->func.bcdDFUVersion == DFU_BCD_DFUSE;
	s->xfer = s->o.transfer_size ? s->o.transfer_size : s->func.wTransferSize;
	if (s->xfer > DFU_SESSION_XFER_MAX) {
		snprintf(s->note, sizeof(s->note), "transfer size %u clamped to %u (the most one "
			 "control transfer may carry here)", s->xfer, DFU_SESSION_XFER_MAX);
		s->xfer = DFU_SESSION_XFER_MAX;
	}
	/* dfu-util raises the transfer size to bMaxPacketSize0 ([dfu-util-0.11],
	 * options). */
	if (mps0 && s->xfer < mps0) {
		snprintf(s->note, sizeof(s->note), "transfer size %u raised to "
			 "bMaxPacketSize0 %u, as dfu-util does", s->xfer, mps0);
		s->xfer = mps0;
	}
	return 0;
}

int dfu_session_open(struct dfu_session *s, const struct xport *x, const struct dfu_match *m,
		     const struct dfu_session_opts *o)
{
	struct open_ctx oc;
	int rc;

	memset(s, 0, sizeof(*s));
	s->x = *x;
	if (o)
		s->o = *o;
	else
		dfu_session_opts_default(&s->o);
	memset(&oc, 0, sizeof(oc));
	oc.m = m;
	oc.s = s;
	session_set_op(s, "open");
	rc = xport_enumerate(x, open_visit, &oc);
	if (rc < 0)
		return session_fail(s, rc, "cannot list USB devices on the %s transport: %s",
				    x->ops->name, dfu_strerror(rc));
	rc = check_one(s, &oc, rc);
	if (rc == 0)
		rc = choose_transfer(s);
	return rc < 0 ? rc : dfu_session_set_alt(s, s->alt);
}
