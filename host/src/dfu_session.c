/*
 * dfu_session.c - the DFU/DfuSe session engine (see dfu_session.h).
 *
 * Layers, bottom up: session_xfer() sends one control transfer and counts it;
 * dfu_req() wraps a DFU class request in the host side of core's state
 * machine, so the engine never sends what DFU 1.1 forbids in the states the
 * device may be in, and every reply is checked against what may follow;
 * poll_done() waits out a DNLOAD the DfuSe way; the public operations build
 * on those. Every loop is bounded by a count or by op_timeout_ms of waiting.
 * Finding the device and selecting an alt setting is dfu_select.c's; it
 * shares the request layer through dfu_session_internal.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "dfu/bytes.h"
#include "dfu/dfu_file.h"
#include "dfu/usb_desc.h"
#include "host/cortexm_vectors.h"
#include "host/dfu_session.h"
#include "host/stm32_rom.h"
#include "dfu_session_internal.h"

#define BIT(s) DFU_STATE_BIT(s)
#define ERASED_WORD 0xFFFFFFFFu

/* poll_done() modes */
enum reset_mode {
	RESET_NO,		/* the device must answer until it is done */
	RESET_AFTER_BUSY,	/* will-reset: a disconnect after dfuDNBUSY is success */
	RESET_ANY_TIME,		/* read unprotect: it may vanish at any point */
};

/* ---- small helpers ---- */

void dfu_session_opts_default(struct dfu_session_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->ctrl_timeout_ms = 5000;
	o->op_timeout_ms = 120000; /* dfu-util waits 35 s for an STM32F4 mass erase */
	o->max_zero_polls = 100;
	o->max_stalls = 3;
	o->reenum_timeout_ms = 3000;
	o->reenum_poll_ms = 20;
}

const char *dfu_phase_name(enum dfu_phase p)
{
	switch (p) {
	case DFU_PHASE_ERASE: return "erase";
	case DFU_PHASE_WRITE: return "write";
	case DFU_PHASE_READ: return "read";
	case DFU_PHASE_VERIFY: return "verify";
	}
	return "unknown phase";
}

const char *dfu_return_kind_name(enum dfu_return_kind k)
{
	switch (k) {
	case DFU_RETURN_NONE: return "not checked";
	case DFU_RETURN_GONE: return "left the bus";
	case DFU_RETURN_STAYED: return "did not reset";
	case DFU_RETURN_APPLICATION: return "application";
	case DFU_RETURN_BOOTLOADER: return "bootloader";
	case DFU_RETURN_BLANK: return "bootloader (flash blank)";
	case DFU_RETURN_EMPTY_CHECK_TRAP: return "bootloader (PEMPTY latched)";
	}
	return "unknown";
}

const char *dfu_session_errmsg(const struct dfu_session *s)
{
	return s->err;
}

int session_fail(struct dfu_session *s, int err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(s->err, sizeof(s->err), fmt, ap);
	va_end(ap);
	return err;
}

void session_set_op(struct dfu_session *s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(s->op, sizeof(s->op), fmt, ap);
	va_end(ap);
}

static void progress(struct dfu_session *s, enum dfu_phase p, size_t done, size_t total)
{
	if (s->o.progress)
		s->o.progress(s->o.progress_ctx, p, done, total);
}

/* The selected alt's memory name without the ROM's trailing spaces. */
static const char *mem_name(const struct dfu_session *s, char *buf, size_t cap)
{
	size_t n;
	if (!s->layout_ok) {
		snprintf(buf, cap, "alt %u", s->alt);
		return buf;
	}
	n = strnlen(s->layout.name, sizeof(s->layout.name));
	while (n > 0 && s->layout.name[n - 1] == ' ')
		n--;
	snprintf(buf, cap, "%.*s", (int)n, s->layout.name);
	return buf;
}

/* "0x08000000-0x0801FFFF" for each run of contiguous segments. */
static void mem_extent(const struct dfu_session *s, char *buf, size_t cap)
{
	size_t len = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < s->layout.nsegments && len + 1 < cap; i++) {
		uint32_t start = s->layout.seg[i].start, end = s->layout.seg[i].end;
		int w;
		while (i + 1 < s->layout.nsegments && end != 0xFFFFFFFFu &&
		       s->layout.seg[i + 1].start == end + 1)
			end = s->layout.seg[++i].end;
		w = snprintf(buf + len, cap - len, "%s0x%08X-0x%08X", len ? ", " : "", start, end);
		if (w < 0 || (size_t)w >= cap - len)
			break;
		len += (size_t)w;
	}
}

/* ---- one control transfer ---- */

int session_xfer(struct dfu_session *s, const struct dfu_setup *st, const uint8_t *out,
		 uint8_t *in)
{
	bool is_in = dfu_setup_is_in(st);
	int rc;

	if (!s->h)
		return session_fail(s, DFU_E_NODEV,
				    "%s: the device is not open any more; open it again", s->op);
	s->stats.requests++;
	if ((st->bmRequestType & 0x60) == 0x20 && st->bRequest < DFU_REQUEST_COUNT)
		s->stats.dfu[st->bRequest]++;
	else
		s->stats.standard++;
	if (s->o.transcript) {
		struct dfu_xfer_record rec = { .seq = s->stats.requests,
					       .t_us = xport_now_us(&s->x),
					       .setup = *st };
		rc = xport_control(&s->x, s->h, st, out, in, s->o.ctrl_timeout_ms);
		rec.rc = rc;
		rec.data = is_in ? in : out;
		rec.len = rc < 0 ? 0 : is_in ? min_size((size_t)rc, st->wLength) : st->wLength;
		s->o.transcript(s->o.transcript_ctx, &rec);
	} else {
		rc = xport_control(&s->x, s->h, st, out, in, s->o.ctrl_timeout_ms);
	}
	if (rc > (int)st->wLength)
		return session_fail(s, DFU_E_PROTOCOL,
				    "%s: the device sent %d bytes in answer to a request for %u; "
				    "a USB device may never send more than wLength",
				    s->op, rc, st->wLength);
	if (rc == DFU_E_NODEV)
		s->gone = true;
	return rc;
}

/* A sentence for a failed transfer; returns rc. */
int session_xfer_fail(struct dfu_session *s, int rc, const char *what)
{
	char states[200];

	switch (rc) {
	case DFU_E_PROTOCOL:
	case DFU_E_STATE:
		return rc; /* the message is set already */
	case DFU_E_STALL:
		if (s->fsm.possible == ALL_STATES)
			snprintf(states, sizeof(states), "any state");
		else
			dfu_state_mask_text(s->fsm.possible, states, sizeof(states));
		return session_fail(s, rc, "%s: the device stalled %s (it may now be in %s)",
				    s->op, what, states);
	case DFU_E_NODEV:
		if (!s->h)
			return rc; /* closed before: dfu_req said so */
		return session_fail(s, rc,
				    "%s: the device disconnected during %s; check "
				    "the cable and power, then look for it with -l",
				    s->op, what);
	case DFU_E_TIMEOUT:
		return session_fail(s, rc, "%s: no answer to %s within %u ms", s->op, what,
				    s->o.ctrl_timeout_ms);
	default:
		return session_fail(s, rc, "%s: %s failed on the %s transport: %s", s->op, what,
				    s->x.ops->name, dfu_strerror(rc));
	}
}

/*
 * A DFU class request, checked against the states the device may be in
 * before it is sent; the state machine follows what the device does.
 */
static int dfu_req(struct dfu_session *s, enum dfu_request req, uint16_t value,
		   const uint8_t *out, uint8_t *in, uint16_t len)
{
	struct dfu_setup st = dfu_setup_make(req, value, s->intf, len);
	struct dfu_host_fsm next = s->fsm;
	struct dfu_diag d;
	int rc;

	if (!s->h)
		return session_fail(s, DFU_E_NODEV,
				    "%s: the device is not open any more: it left DFU "
				    "mode (leave, reset, option-byte write); open it again",
				    s->op);
	if (dfu_host_fsm_sent(&next, &st, false, &d) < 0)
		return session_fail(s, DFU_E_STATE,
				    "%s: dfu-flash refuses to break the protocol: %s", s->op,
				    d.msg);
	rc = session_xfer(s, &st, out, in);
	if (rc == DFU_E_STALL)
		dfu_host_fsm_sent(&s->fsm, &st, true, NULL);
	else if (rc >= 0)
		s->fsm = next;
	return rc;
}

int dfu_session_get_status(struct dfu_session *s, struct dfu_status_reply *r)
{
	uint8_t b[DFU_STATUS_SIZE];
	struct dfu_diag d;
	int rc;

	memset(r, 0, sizeof(*r));
	rc = dfu_req(s, DFU_GETSTATUS, 0, NULL, b, DFU_STATUS_SIZE);
	if (rc < 0)
		return session_xfer_fail(s, rc, "DFU_GETSTATUS");
	if (rc < DFU_STATUS_SIZE) {
		s->fsm.possible = ALL_STATES; /* we no longer know */
		return session_fail(s, DFU_E_PROTOCOL,
				    "%s: the device answered DFU_GETSTATUS with %d bytes; DFU 1.1 "
				    "§6.1.2 requires 6 (dfu-util would take it for dfuERROR)",
				    s->op, rc);
	}
	dfu_status_decode(b, DFU_STATUS_SIZE, r);
	if (r->bState == DFU_STATE_APP_IDLE || r->bState == DFU_STATE_APP_DETACH)
		return session_fail(s, DFU_E_STATE,
				    "%s: the device is in run-time mode (%s), not DFU "
				    "mode; detach it into its bootloader first (-e)",
				    s->op, dfu_state_name(r->bState));
	if (dfu_host_fsm_observed(&s->fsm, r, false, &d) < 0) {
		s->fsm.possible = ALL_STATES;
		return session_fail(s, DFU_E_PROTOCOL, "%s: %s", s->op, d.msg);
	}
	s->status = *r;
	return 0;
}

/* Wait bwPollTimeout, within the operation's budget. */
int session_wait_poll(struct dfu_session *s, uint32_t ms, uint64_t *waited)
{
	if (s->o.poll_clamp_ms && ms > s->o.poll_clamp_ms)
		ms = s->o.poll_clamp_ms; /* --poll clamp=MS: the device over-reports */
	if (*waited + ms > s->o.op_timeout_ms)
		return session_fail(s, DFU_E_TIMEOUT,
				    "%s: the device is still busy after %llu ms and asks "
				    "for %u ms more; the limit for one operation is %u ms",
				    s->op, (unsigned long long)*waited, ms, s->o.op_timeout_ms);
	if (ms)
		xport_sleep_ms(&s->x, ms);
	*waited += ms;
	s->stats.polled_ms += ms;
	return 0;
}

int session_simple_req(struct dfu_session *s, enum dfu_request req)
{
	int rc = dfu_req(s, req, 0, NULL, NULL, 0);
	return rc < 0 ? session_xfer_fail(s, rc, dfu_request_name(req)) : 0;
}

/* The device reported dfuERROR: say why, then clear it so it stays usable. */
static int device_error(struct dfu_session *s, const struct dfu_status_reply *r)
{
	char msg[DFU_SESSION_ERR_MAX];
	const char *hint = "";
	int err = DFU_E_DEVICE;

	switch (r->bStatus) {
	case DFU_STATUS_ERR_TARGET:
	case DFU_STATUS_ERR_ADDRESS:
		hint = "; the address is outside what this alt setting may touch: check -s and -a";
		break;
	case DFU_STATUS_ERR_VENDOR:
		hint = "; on an STM32 ROM bootloader this means read protection (RDP level 1) is "
		       "active: -s :unprotect:force removes it and erases the flash";
		err = DFU_E_PROTECTED;
		break;
	case DFU_STATUS_ERR_PROG:
	case DFU_STATUS_ERR_WRITE:
		hint = "; the memory was not erased there (add mass-erase, or do not skip the erase)";
		break;
	case DFU_STATUS_ERR_STALLEDPKT:
		hint = "; the device rejected the request itself";
		break;
	default:
		break;
	}
	snprintf(msg, sizeof(msg), "%s: the device reported %s (%s) in %s%s", s->op,
		 dfu_status_name(r->bStatus), dfu_status_text(r->bStatus),
		 dfu_state_name(r->bState), hint);
	if (r->bState == DFU_STATE_ERROR)
		(void)dfu_req(s, DFU_CLRSTATUS, 0, NULL, NULL, 0); /* best effort */
	snprintf(s->err, sizeof(s->err), "%s", msg);
	return err;
}

/*
 * A stalled request: the device may say why in its status. ST's ROM stalls
 * an UPLOAD under read protection and then reports errVENDOR in dfuERROR
 * (AN3156 §3), which names the cause where "stalled" alone does not.
 */
static int stalled_why(struct dfu_session *s, const char *what)
{
	char stalled[DFU_SESSION_ERR_MAX];
	struct dfu_status_reply r;
	int rc = session_xfer_fail(s, DFU_E_STALL, what);

	snprintf(stalled, sizeof(stalled), "%s", s->err);
	if (dfu_session_get_status(s, &r) == 0 && r.bState == DFU_STATE_ERROR &&
	    r.bStatus != DFU_STATUS_OK && r.bStatus != DFU_STATUS_ERR_STALLEDPKT)
		return device_error(s, &r);
	snprintf(s->err, sizeof(s->err), "%s", stalled);
	return rc;
}

/*
 * After a DNLOAD: GETSTATUS until the device has run it (DfuSe: dfuDNBUSY
 * first, then dfuDNLOAD-IDLE or dfuERROR). Returns 0 when done, 1 when the
 * device reset as `mode` allows, or a negative error.
 */
/* dfuDNBUSY: wait bwPollTimeout. Too many zero timeouts in a row is a
 * device that is stuck, not busy; the last non-zero one is what a stalled
 * GETSTATUS waits again. */
static int wait_busy(struct dfu_session *s, const struct dfu_status_reply *r, unsigned *zero,
		     uint32_t *last_poll, uint64_t *waited)
{
	if (r->bwPollTimeout == 0) {
		if (++*zero >= s->o.max_zero_polls)
			return session_fail(s, DFU_E_TIMEOUT,
					    "%s: the device is stuck: %u status "
					    "replies in a row said dfuDNBUSY with "
					    "bwPollTimeout 0; power-cycle it and retry",
					    s->op, *zero);
	} else {
		*zero = 0;
		*last_poll = r->bwPollTimeout;
	}
	return session_wait_poll(s, r->bwPollTimeout, waited);
}

static int poll_done(struct dfu_session *s, enum reset_mode mode)
{
	struct dfu_status_reply r;
	unsigned zero = 0, stalls = 0;
	uint32_t last_poll = 0;
	uint64_t waited = 0;
	bool busy_seen = false;

	for (;;) {
		int rc = dfu_session_get_status(s, &r);

		if (rc == DFU_E_STALL && last_poll > 0 && stalls < s->o.max_stalls) {
			/* STM32L4 ROM: the erase outlasts the bwPollTimeout it
			 * reported, and GETSTATUS stalls meanwhile (dfu-util
			 * ticket 40, [dfu-util-40]). Wait the same time again. */
			stalls++;
			s->stats.stalls_tolerated++;
			rc = session_wait_poll(s, last_poll, &waited);
			if (rc < 0)
				return rc;
			continue;
		}
		if (rc == DFU_E_NODEV &&
		    (mode == RESET_ANY_TIME || (mode == RESET_AFTER_BUSY && busy_seen))) {
			s->err[0] = '\0';
			return 1;
		}
		if (rc < 0)
			return rc;
		switch (r.bState) {
		case DFU_STATE_DNBUSY:
			busy_seen = true;
			rc = wait_busy(s, &r, &zero, &last_poll, &waited);
			if (rc < 0)
				return rc;
			continue;
		case DFU_STATE_DNLOAD_IDLE:
			if (r.bStatus != DFU_STATUS_OK)
				return device_error(s, &r);
			return 0;
		case DFU_STATE_ERROR:
			return device_error(s, &r);
		default:
			/* The state machine lets nothing else through after a
			 * DNLOAD; this is a second line of defence. */
			return session_fail(s, DFU_E_PROTOCOL, "%s: the device answered %s", s->op,
					    dfu_state_name(r.bState));
		}
	}
}

/* Bring the device into one of `ok` (ABORT, CLRSTATUS, GETSTATUS; bounded). */
static int ready(struct dfu_session *s, uint16_t ok)
{
	const uint16_t abortable = BIT(DFU_STATE_IDLE) | BIT(DFU_STATE_DNLOAD_IDLE) |
				   BIT(DFU_STATE_UPLOAD_IDLE);
	char states[128], want[128];

	for (int round = 0; round < 4; round++) {
		uint16_t p = s->fsm.possible;
		struct dfu_status_reply r;
		int rc;

		if (p && !(p & ~ok))
			return 0;
		if (p == BIT(DFU_STATE_ERROR))
			rc = session_simple_req(s, DFU_CLRSTATUS);
		else if (p && !(p & ~abortable))
			rc = session_simple_req(s, DFU_ABORT);
		else
			rc = dfu_session_get_status(s, &r);
		if (rc < 0)
			return rc;
	}
	dfu_state_mask_text(s->fsm.possible, states, sizeof(states));
	dfu_state_mask_text(ok, want, sizeof(want));
	return session_fail(s, DFU_E_STATE, "%s: the device stays in %s and does not reach %s; "
			    "power-cycle it and retry", s->op, states, want);
}

int dfu_session_to_idle(struct dfu_session *s)
{
	session_set_op(s, "abort to dfuIDLE");
	return ready(s, BIT(DFU_STATE_IDLE));
}

/* ---- memory map checks (errTARGET before sending) ---- */

static int check_range(struct dfu_session *s, uint32_t addr, size_t len, uint8_t need,
		       const char *what)
{
	char name[DFUSE_LAYOUT_NAME_MAX + 1], extent[128];
	uint64_t a = addr, end;

	if (len == 0)
		return 0;
	end = (uint64_t)addr + len - 1;
	if (end > 0xFFFFFFFFu)
		return session_fail(s, DFU_E_OVERFLOW,
				    "%zu bytes at 0x%08X run past the end of the "
				    "32-bit address space; check -s and the image size",
				    len, addr);
	if (s->o.force || !s->dfuse)
		return 0;
	if (!s->layout_ok)
		return session_fail(s, DFU_E_FORMAT,
				    "alt %u's name \"%.80s\" is not a DfuSe memory "
				    "layout (@Name/0xADDRESS/COUNT*SIZEKg); without "
				    "it dfu-flash cannot check addresses or find "
				    "the pages to erase: add :force to -s to go ahead",
				    s->alt, s->alt_name);
	mem_name(s, name, sizeof(name));
	mem_extent(s, extent, sizeof(extent));
	while (a <= end) {
		const struct dfuse_segment *g = dfuse_layout_find(&s->layout, (uint32_t)a);
		if (!g) {
			if (a == addr)
				return session_fail(s, DFU_E_RANGE,
						    "address 0x%08X is outside "
						    "\"%s\" (%s); check -s", addr,
						    name, extent);
			return session_fail(s, DFU_E_RANGE,
					    "%zu bytes at 0x%08X end at 0x%08X, past the "
					    "end of \"%s\" (%s); check -s and the image size",
					    len, addr, (uint32_t)end, name, extent);
		}
		if ((g->type & need) != need)
			return session_fail(s, DFU_E_RANGE,
					    "cannot %s 0x%08X: \"%s\" segment 0x%08X-0x%08X "
					    "is '%s' only; use -s ...:force to try anyway",
					    what, (uint32_t)a, name, g->start, g->end,
					    dfuse_mem_type_text(g->type));
		if (g->end >= end)
			break;
		a = (uint64_t)g->end + 1;
	}
	return 0;
}

/* The flash base when the selected alt is an "Internal Flash". */
static bool flash_alt_base(const struct dfu_session *s, uint32_t *base)
{
	char name[DFUSE_LAYOUT_NAME_MAX + 1];
	if (!s->layout_ok || s->layout.nsegments == 0)
		return false;
	if (strcmp(mem_name(s, name, sizeof(name)), "Internal Flash") != 0)
		return false;
	*base = s->layout.seg[0].start;
	return true;
}

/* ---- DfuSe commands ---- */

static int special(struct dfu_session *s, enum dfuse_cmd_kind kind, uint32_t address,
		   bool check)
{
	struct dfuse_cmd c = { .kind = kind, .address = address };
	uint8_t buf[DFUSE_CMD_MAX_SIZE];
	enum reset_mode mode = kind == DFUSE_READ_UNPROTECT ? RESET_ANY_TIME : RESET_NO;
	uint32_t base;
	int n, rc;

	if (kind == DFUSE_SET_ADDRESS || kind == DFUSE_ERASE_PAGE)
		session_set_op(s, "%s 0x%08X", dfuse_cmd_name(kind), address);
	else
		session_set_op(s, "%s", dfuse_cmd_name(kind));
	if (!s->dfuse)
		return session_fail(s, DFU_E_UNSUPPORTED,
				    "%s is a DfuSe command, and this device speaks plain DFU "
				    "(bcdDFUVersion 0x%04X)",
				    dfuse_cmd_name(kind), s->func.bcdDFUVersion);
	if (check && kind == DFUSE_SET_ADDRESS) {
		rc = check_range(s, address, 1, 0, "address");
		if (rc < 0)
			return rc;
	}
	if (check && kind == DFUSE_ERASE_PAGE) {
		rc = check_range(s, address, 1, DFUSE_MEM_ERASABLE, "erase");
		if (rc < 0)
			return rc;
	}
	rc = ready(s, BIT(DFU_STATE_IDLE) | BIT(DFU_STATE_DNLOAD_IDLE));
	if (rc < 0)
		return rc;
	n = dfuse_cmd_encode(&c, buf, sizeof(buf));
	if (n < 0)
		return session_fail(s, n, "%s: cannot encode the command", s->op);
	s->stats.dfuse[kind]++;
	s->pointer_known = false;
	rc = dfu_req(s, DFU_DNLOAD, 0, buf, NULL, (uint16_t)n);
	if (rc == DFU_E_NODEV && mode == RESET_ANY_TIME) {
		s->err[0] = '\0';
		return 0;
	}
	if (rc < 0)
		return session_xfer_fail(s, rc, "DFU_DNLOAD");
	rc = poll_done(s, mode);
	if (rc < 0)
		return rc;
	if (kind == DFUSE_SET_ADDRESS) {
		s->pointer_known = true;
		s->pointer = address;
	}
	/* Both erase all of main flash (Read Unprotect: AN3156 §3). */
	if ((kind == DFUSE_MASS_ERASE && flash_alt_base(s, &base)) ||
	    kind == DFUSE_READ_UNPROTECT) {
		s->boot_word_erased = true;
		s->wrote_boot_word = false;
		s->verified = false;
		s->boot_vectors_known = false;
	}
	return 0;
}

int dfu_session_special(struct dfu_session *s, enum dfuse_cmd_kind kind, uint32_t address)
{
	return special(s, kind, address, true);
}

/* SET_ADDRESS unless the pointer is there already. DfuSe data blocks do
 * not move it: block n is at pointer + (n - 2) * wTransferSize (AN3156 §4). */
static int set_pointer(struct dfu_session *s, uint32_t address)
{
	if (s->pointer_known && s->pointer == address)
		return 0;
	return special(s, DFUSE_SET_ADDRESS, address, true);
}

/* ---- download ---- */

/* Erase each page [address, address + len) touches, once. */
static int erase_pages(struct dfu_session *s, uint32_t address, size_t len)
{
	uint64_t a = address, end = (uint64_t)address + len - 1;

	if (!s->layout_ok)
		return 0; /* forced onto an unknown layout: nothing to go by */
	while (a <= end) {
		const struct dfuse_segment *g = dfuse_layout_find(&s->layout, (uint32_t)a);
		uint64_t page;
		int rc;

		if (!g) {
			/* Forced outside the map: skip to the next segment. */
			uint64_t next = end + 1;
			for (size_t i = 0; i < s->layout.nsegments; i++)
				if (s->layout.seg[i].start > a && s->layout.seg[i].start < next)
					next = s->layout.seg[i].start;
			a = next;
			continue;
		}
		if (!(g->type & DFUSE_MEM_ERASABLE)) {
			a = (uint64_t)g->end + 1;
			continue;
		}
		/* Page geometry from the segment: no power-of-two assumption. */
		page = g->start + (a - g->start) / g->page_size * g->page_size;
		rc = special(s, DFUSE_ERASE_PAGE, (uint32_t)page, false);
		if (rc < 0)
			return rc;
		a = page + g->page_size;
		progress(s, DFU_PHASE_ERASE, (size_t)((a > end + 1 ? end + 1 : a) - address), len);
	}
	return 0;
}

static void note_boot_word(struct dfu_session *s, uint32_t address, const uint8_t *data,
			   size_t len)
{
	uint32_t base, word = ERASED_WORD;
	uint8_t w[4] = { 0xFF, 0xFF, 0xFF, 0xFF };
	size_t off;

	if (!flash_alt_base(s, &base) || base < address || (uint64_t)base >= (uint64_t)address + len)
		return;
	off = base - address;
	memcpy(w, data + off, min_size(4, len - off));
	word = dfu_get_le32(w);
	s->wrote_boot_word = word != ERASED_WORD;
	s->boot_word_erased = word == ERASED_WORD;
	s->verified = false;
	s->boot_vectors_known = len - off >= 8;
	if (s->boot_vectors_known) {
		s->boot_sp = word;
		s->boot_reset = dfu_get_le32(data + off + 4);
	}
}

/* The blocks of one download, each polled to completion: one SET_ADDRESS,
 * then consecutive block numbers. With DFU_DL_WILL_RESET, a device that
 * resets after the last block is closed and marked gone. */
static int write_blocks(struct dfu_session *s, uint32_t address, const uint8_t *data,
			size_t len, unsigned flags)
{
	const bool blocks = s->xfer == s->func.wTransferSize;
	size_t off = 0;
	uint32_t block = 0; /* 0: the pointer must be set first */
	int rc;

	while (off < len) {
		uint16_t n = (uint16_t)min_size(s->xfer, len - off);
		uint32_t at = address + (uint32_t)off;

		/* One SET_ADDRESS, then consecutive blocks; again only when the
		 * block number would wrap, or when our chunks are not the
		 * device's wTransferSize (its address rule uses its own). */
		if (block == 0 || block > 0xFFFF || !blocks) {
			rc = special(s, DFUSE_SET_ADDRESS, at, false);
			if (rc < 0)
				return rc;
			block = DFUSE_BLOCK_DATA_FIRST;
		}
		session_set_op(s, "DFU_DNLOAD block %u (%u bytes for 0x%08X)", block, n, at);
		rc = ready(s, BIT(DFU_STATE_IDLE) | BIT(DFU_STATE_DNLOAD_IDLE));
		if (rc < 0)
			return rc;
		rc = dfu_req(s, DFU_DNLOAD, (uint16_t)block, data + off, NULL, n);
		if (rc < 0)
			return session_xfer_fail(s, rc, "DFU_DNLOAD");
		/* will-reset (dfu-util's man page: "e.g. option bytes write"):
		 * the ROM programs the last block, then resets with an option
		 * load instead of answering again (AN3156 §5.1). */
		rc = poll_done(s, (flags & DFU_DL_WILL_RESET) && off + n == len ? RESET_AFTER_BUSY
										 : RESET_NO);
		if (rc < 0)
			return rc;
		off += n;
		block++;
		progress(s, DFU_PHASE_WRITE, off, len);
		if (rc == 1) {
			xport_close(&s->x, s->h);
			s->h = NULL;
			s->gone = true;
		}
	}
	return 0;
}

int dfu_session_download(struct dfu_session *s, uint32_t address, const uint8_t *data,
			 size_t len, unsigned flags)
{
	int rc;

	session_set_op(s, "download of %zu bytes at 0x%08X", len, address);
	if (!s->dfuse)
		return session_fail(s, DFU_E_UNSUPPORTED,
				    "%s: addressed download needs a DfuSe device "
				    "(bcdDFUVersion 0x011A); this one reports 0x%04X",
				    s->op, s->func.bcdDFUVersion);
	if (!(s->func.bmAttributes & DFU_ATTR_CAN_DNLOAD))
		return session_fail(s, DFU_E_UNSUPPORTED,
				    "the device does not accept downloads "
				    "(bmAttributes 0x%02X lacks bitCanDnload)",
				    s->func.bmAttributes);
	if (len == 0)
		return 0;
	rc = check_range(s, address, len, DFUSE_MEM_WRITEABLE, "write");
	if (rc < 0)
		return rc;
	if (!(flags & DFU_DL_NO_ERASE)) {
		rc = erase_pages(s, address, len);
		if (rc < 0)
			return rc;
	}
	rc = write_blocks(s, address, data, len, flags);
	if (rc < 0)
		return rc;
	note_boot_word(s, address, data, len);
	return 0;
}

/* Erase the pages of every range, each page once: ranges are sorted, so a
 * page the previous range erased is where the next one starts past it. */
static int erase_image(struct dfu_session *s, const struct dfu_fw_image *img)
{
	uint64_t erased_to = 0;	/* one past the last page erased */

	for (size_t i = 0; i < img->nranges; i++) {
		const struct dfu_fw_range *r = &img->ranges[i];
		uint64_t a = r->address, end = (uint64_t)r->address + r->len;
		const struct dfuse_segment *g;
		int rc;

		if (a < erased_to)
			a = erased_to;
		if (a >= end)
			continue;
		rc = erase_pages(s, (uint32_t)a, (size_t)(end - a));
		if (rc < 0)
			return rc;
		/* Where that erase ended: the end of the page holding the last byte. */
		g = s->layout_ok ? dfuse_layout_find(&s->layout, (uint32_t)(end - 1)) : NULL;
		erased_to = g && g->page_size ? g->start + ((end - 1 - g->start) / g->page_size + 1) *
							      (uint64_t)g->page_size
					      : end;
	}
	return 0;
}

int dfu_session_write_image(struct dfu_session *s, const struct dfu_fw_image *img,
			    unsigned flags, bool verify)
{
	int rc;

	session_set_op(s, "write of %zu ranges", img ? img->nranges : 0);
	if (!img || img->nranges == 0)
		return session_fail(s, DFU_E_INVAL, "the image holds no bytes to write");
	if (!s->dfuse)
		return session_fail(s, DFU_E_UNSUPPORTED,
				    "an image by address needs a DfuSe device (bcdDFUVersion "
				    "0x011A); this one reports 0x%04X", s->func.bcdDFUVersion);
	for (size_t i = 0; i < img->nranges; i++) {
		rc = check_range(s, img->ranges[i].address, img->ranges[i].len,
				 DFUSE_MEM_WRITEABLE, "write");
		if (rc < 0)
			return rc;
	}
	if (!(flags & DFU_DL_NO_ERASE)) {
		rc = erase_image(s, img);
		if (rc < 0)
			return rc;
	}
	for (size_t i = 0; i < img->nranges; i++) {
		rc = dfu_session_download(s, img->ranges[i].address, dfu_fw_range_data(img, i),
					  img->ranges[i].len, DFU_DL_NO_ERASE);
		if (rc < 0)
			return rc;
	}
	for (size_t i = 0; verify && i < img->nranges; i++) {
		rc = dfu_session_verify(s, img->ranges[i].address, dfu_fw_range_data(img, i),
					img->ranges[i].len);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* ---- plain DFU 1.1 download ---- */

/* The device is in (or heading for) dfuMANIFEST-WAIT-RESET: it waits for a
 * bus reset, or with bitWillDetach goes by itself. Either way it is gone. */
static int manifest_reset(struct dfu_session *s)
{
	int rc = 0;

	if (!(s->func.bmAttributes & DFU_ATTR_WILL_DETACH) && s->h) {
		rc = xport_reset(&s->x, s->h);
		if (rc == DFU_E_NODEV)
			rc = 0;
	}
	xport_close(&s->x, s->h);
	s->h = NULL;
	s->gone = true;
	if (rc < 0)
		return session_fail(s, rc,
				    "%s: the USB reset that ends dfuMANIFEST-WAIT-RESET failed on "
				    "the %s transport: %s; unplug and replug the device",
				    s->op, s->x.ops->name, dfu_strerror(rc));
	return 0;
}

static int manifest(struct dfu_session *s, uint16_t block)
{
	const bool tolerant = s->func.bmAttributes & DFU_ATTR_MANIFEST_TOLERANT;
	struct dfu_status_reply r;
	uint64_t waited = 0;
	unsigned zero = 0;
	int rc;

	session_set_op(s, "manifestation (zero-length DFU_DNLOAD, block %u)", block);
	rc = dfu_req(s, DFU_DNLOAD, block, NULL, NULL, 0);
	if (rc < 0)
		return session_xfer_fail(s, rc, "DFU_DNLOAD");
	for (;;) {
		rc = dfu_session_get_status(s, &r);
		if (rc == DFU_E_NODEV && !tolerant)
			return manifest_reset(s); /* it reset itself: as good as WAIT-RESET */
		if (rc < 0)
			return rc;
		switch (r.bState) {
		case DFU_STATE_IDLE:
			return 0; /* manifestation-tolerant: done, still in DFU mode */
		case DFU_STATE_MANIFEST_SYNC:
		case DFU_STATE_MANIFEST:
			if (r.bwPollTimeout == 0 && ++zero >= s->o.max_zero_polls)
				return session_fail(s, DFU_E_TIMEOUT,
						    "%s: the device is stuck: %u status "
						    "replies in a row said %s with "
						    "bwPollTimeout 0; power-cycle it",
						    s->op, zero, dfu_state_name(r.bState));
			rc = session_wait_poll(s, r.bwPollTimeout, &waited);
			if (rc < 0)
				return rc;
			/* Not tolerant: after dfuMANIFEST comes dfuMANIFEST-WAIT-RESET,
			 * where DFU 1.1 §7 lets the device ignore every request. */
			if (!tolerant && r.bState == DFU_STATE_MANIFEST)
				return manifest_reset(s);
			continue;
		case DFU_STATE_MANIFEST_WAIT_RESET:
			return manifest_reset(s);
		case DFU_STATE_ERROR:
			return device_error(s, &r);
		default:
			return session_fail(s, DFU_E_PROTOCOL, "%s: the device answered %s", s->op,
					    dfu_state_name(r.bState));
		}
	}
}

int dfu_session_dfu_download(struct dfu_session *s, const uint8_t *data, size_t len)
{
	size_t off = 0;
	uint16_t block = 0;
	int rc;

	session_set_op(s, "download of %zu bytes", len);
	if (s->dfuse)
		return session_fail(s, DFU_E_UNSUPPORTED,
				    "%s: the device speaks DfuSe (bcdDFUVersion "
				    "0x011A): give the address with -s or use a .dfu file",
				    s->op);
	if (!(s->func.bmAttributes & DFU_ATTR_CAN_DNLOAD))
		return session_fail(s, DFU_E_UNSUPPORTED,
				    "the device does not accept downloads "
				    "(bmAttributes 0x%02X lacks bitCanDnload)",
				    s->func.bmAttributes);
	if (len == 0)
		return session_fail(s, DFU_E_SIZE, "%s: nothing to write (DFU 1.1 forbids an empty "
				    "download: a zero-length block ends one)", s->op);
	while (off < len) {
		uint16_t n = (uint16_t)min_size(s->xfer, len - off);

		session_set_op(s, "DFU_DNLOAD block %u (%u bytes at offset %zu)", block, n, off);
		rc = ready(s, BIT(DFU_STATE_IDLE) | BIT(DFU_STATE_DNLOAD_IDLE));
		if (rc < 0)
			return rc;
		rc = dfu_req(s, DFU_DNLOAD, block, data + off, NULL, n);
		if (rc < 0)
			return session_xfer_fail(s, rc, "DFU_DNLOAD");
		rc = poll_done(s, RESET_NO);
		if (rc < 0)
			return rc;
		off += n;
		block++; /* wraps at 65535 (DFU 1.1 §6.1.1) */
		progress(s, DFU_PHASE_WRITE, off, len);
	}
	return manifest(s, block);
}

/* ---- upload and verify ---- */

/* The blocks of one upload, each handed to `fn`; a short block ends it.
 * *got: how many bytes came. `here` (DfuSe): from wherever the device's
 * address pointer is, blocks 2, 3 ... without SET_ADDRESS (`address` is
 * then only for the messages). */
static int read_blocks(struct dfu_session *s, uint32_t address, bool here, size_t len,
		       enum dfu_phase phase, dfu_chunk_fn fn, void *ctx, size_t *got)
{
	const bool blocks = s->xfer == s->func.wTransferSize;
	size_t off = 0;
	uint32_t block = here ? DFUSE_BLOCK_DATA_FIRST : 0;
	int rc;

	while (off < len) {
		uint16_t want = (uint16_t)min_size(s->xfer, len - off);
		uint32_t at = address + (uint32_t)off;

		if (here && block > 0xFFFF)
			break; /* DfuSe has no block number after 65535 */
		if (!here && s->dfuse && (block == 0 || block > 0xFFFF || !blocks)) {
			rc = set_pointer(s, at);
			if (rc < 0)
				return rc;
			block = DFUSE_BLOCK_DATA_FIRST;
		}
		if (here)
			session_set_op(s, "DFU_UPLOAD block %u (%u bytes, the address pointer + %zu)",
				       block, want, off);
		else if (s->dfuse)
			session_set_op(s, "DFU_UPLOAD block %u (%u bytes from 0x%08X)", block, want,
				       at);
		else
			session_set_op(s, "DFU_UPLOAD block %u (%u bytes at offset %zu)",
				       block & 0xFFFF, want, off);
		rc = ready(s, BIT(DFU_STATE_IDLE) | BIT(DFU_STATE_UPLOAD_IDLE));
		if (rc < 0)
			return rc;
		rc = dfu_req(s, DFU_UPLOAD, (uint16_t)block, NULL, s->scratch, want);
		/* Plain DFU: block numbers run on from 0 and wrap (DFU 1.1 §6.2). */
		if (rc == DFU_E_STALL)
			return stalled_why(s, "DFU_UPLOAD");
		if (rc < 0)
			return session_xfer_fail(s, rc, "DFU_UPLOAD");
		/* DFU 1.1 §6.2: a short frame ends the upload. */
		s->fsm.possible = (size_t)rc < want ? BIT(DFU_STATE_IDLE) : BIT(DFU_STATE_UPLOAD_IDLE);
		if (fn)
			fn(ctx, off, s->scratch, (size_t)rc);
		off += (size_t)rc;
		block++;
		progress(s, phase, off, len);
		if ((size_t)rc < want)
			break;
	}
	*got = off;
	return 0;
}

static int upload_stream(struct dfu_session *s, uint32_t address, size_t len,
			 enum dfu_phase phase, dfu_chunk_fn fn, void *ctx, size_t *got)
{
	int rc;

	*got = 0;
	if (s->dfuse)
		session_set_op(s, "upload of %zu bytes from 0x%08X", len, address);
	else
		session_set_op(s, "upload");
	if (!(s->func.bmAttributes & DFU_ATTR_CAN_UPLOAD))
		return session_fail(s, DFU_E_UNSUPPORTED,
				    "the device does not support upload (bmAttributes 0x%02X lacks "
				    "bitCanUpload), so it cannot be read back; skip verify",
				    s->func.bmAttributes);
	if (len == 0)
		return 0;
	rc = check_range(s, address, len, DFUSE_MEM_READABLE, "read");
	if (rc < 0)
		return rc;
	return read_blocks(s, address, false, len, phase, fn, ctx, got);
}

struct copy_ctx {
	uint8_t *buf;
};

static void copy_chunk(void *ctx, size_t off, const uint8_t *p, size_t n)
{
	struct copy_ctx *c = ctx;
	memcpy(c->buf + off, p, n);
}

int dfu_session_upload_fn(struct dfu_session *s, uint32_t address, size_t len, dfu_chunk_fn fn,
			  void *ctx, size_t *got)
{
	return upload_stream(s, address, len, DFU_PHASE_READ, fn, ctx, got);
}

int dfu_session_upload(struct dfu_session *s, uint32_t address, uint8_t *buf, size_t len,
		       size_t *got)
{
	struct copy_ctx c = { buf };
	return upload_stream(s, address, len, DFU_PHASE_READ, copy_chunk, &c, got);
}

int dfu_session_upload_at_pointer(struct dfu_session *s, uint8_t *buf, size_t len, size_t *got)
{
	struct copy_ctx c = { buf };

	*got = 0;
	if (!s->dfuse)
		return session_fail(s, DFU_E_STATE, "an upload from the address pointer is "
				    "DfuSe only; a plain DFU device uploads from its start");
	session_set_op(s, "upload of %zu bytes from the address pointer", len);
	if (!(s->func.bmAttributes & DFU_ATTR_CAN_UPLOAD))
		return session_fail(s, DFU_E_UNSUPPORTED,
				    "the device does not support upload (bmAttributes 0x%02X lacks "
				    "bitCanUpload)", s->func.bmAttributes);
	return read_blocks(s, 0, true, len, DFU_PHASE_READ, copy_chunk, &c, got);
}

struct verify_ctx {
	const uint8_t *want;
	size_t diffs;
	size_t first;
	uint8_t wrote, read;
};

static void verify_chunk(void *ctx, size_t off, const uint8_t *p, size_t n)
{
	struct verify_ctx *v = ctx;
	for (size_t i = 0; i < n; i++) {
		if (p[i] == v->want[off + i])
			continue;
		if (v->diffs++ == 0) {
			v->first = off + i;
			v->wrote = v->want[off + i];
			v->read = p[i];
		}
	}
}

int dfu_session_verify(struct dfu_session *s, uint32_t address, const uint8_t *data,
		       size_t len)
{
	struct verify_ctx v = { .want = data };
	uint32_t base;
	size_t got;
	int rc = upload_stream(s, address, len, DFU_PHASE_VERIFY, verify_chunk, &v, &got);

	if (rc < 0)
		return rc;
	if (v.diffs) {
		uint32_t at = address + (uint32_t)v.first;
		bool flash = flash_alt_base(s, &base);
		return session_fail(s, DFU_E_VERIFY,
				    "verify failed: %zu of %zu bytes differ, the first at 0x%08X "
				    "(wrote 0x%02X, read back 0x%02X)%s",
				    v.diffs, got, at, v.want[v.first], v.read,
				    flash ? "; an STM32 ROM leaves a write-protected (WRP) page "
					    "unchanged without an error: check the option bytes "
					    "(WRP1AR/WRP1BR)"
					  : "");
	}
	if (got < len)
		return session_fail(s, DFU_E_VERIFY,
				    "verify failed: the device returned "
				    "only %zu of %zu bytes from 0x%08X",
				    got, len, address);
	if (flash_alt_base(s, &base) && base >= address && (uint64_t)base < (uint64_t)address + len)
		s->verified = true;
	return 0;
}

/* ---- leave ---- */

int dfu_session_leave(struct dfu_session *s, bool have_address, uint32_t address)
{
	struct dfu_status_reply r;
	int rc;

	s->left_silently = false;
	if (!s->dfuse)
		return session_fail(s, DFU_E_UNSUPPORTED,
				    "leave is a DfuSe request; a plain DFU device "
				    "runs new firmware after a detach and reset (-R)");
	if (have_address) {
		/* The write pass moved nothing, but a verify or another alt may
		 * have; the ROM jumps to (or resets from) the pointer. */
		rc = special(s, DFUSE_SET_ADDRESS, address, false);
		if (rc < 0)
			return rc;
	}
	session_set_op(s, "leave (zero-length DFU_DNLOAD)");
	rc = ready(s, BIT(DFU_STATE_IDLE) | BIT(DFU_STATE_DNLOAD_IDLE));
	if (rc < 0)
		return rc;
	rc = dfu_req(s, DFU_DNLOAD, DFUSE_BLOCK_DATA_FIRST, NULL, NULL, 0);
	if (rc == DFU_E_NODEV)
		goto left_silently;
	if (rc < 0)
		return session_xfer_fail(s, rc, "DFU_DNLOAD");
	rc = dfu_session_get_status(s, &r);
	if (rc == DFU_E_NODEV)
		goto left_silently;
	if (rc < 0)
		return rc;
	if (r.bState == DFU_STATE_ERROR)
		return device_error(s, &r);
	/* dfuMANIFEST (ST), or dfuIDLE from a manifestation-tolerant device. */
	s->err[0] = '\0';
	xport_close(&s->x, s->h);
	s->h = NULL;
	return 0;

left_silently:
	/* ST's middleware stops USB before answering (stm32-mw-usb-device#23,
	 * [st-mw-usbd-23]); dfu-util 0.11 exits 74 here although the device
	 * did leave. */
	s->left_silently = true;
	s->gone = true;
	s->err[0] = '\0';
	xport_close(&s->x, s->h);
	s->h = NULL;
	return 0;
}

/* ---- option bytes ---- */

static int ob_select(struct dfu_session *s, struct dfuse_segment *seg)
{
	int alt = dfu_session_find_alt(s, "Option Bytes");
	int rc;

	if (alt < 0)
		return session_fail(s, DFU_E_NOTFOUND,
				    "the device has no \"Option Bytes\" alt setting (an STM32 ROM "
				    "bootloader has one); -l lists its alt settings");
	if ((uint8_t)alt != s->alt || !s->h) {
		rc = dfu_session_set_alt(s, (uint8_t)alt);
		if (rc < 0)
			return rc;
	}
	if (!s->layout_ok || s->layout.nsegments == 0)
		return session_fail(s, DFU_E_FORMAT,
				    "the \"Option Bytes\" alt has no usable memory layout");
	*seg = s->layout.seg[0];
	return 0;
}

int dfu_session_ob_read(struct dfu_session *s, uint8_t *buf, size_t cap, size_t *len)
{
	struct dfuse_segment seg;
	size_t size, got;
	int rc;

	*len = 0;
	rc = ob_select(s, &seg);
	if (rc < 0)
		return rc;
	size = (size_t)seg.end - seg.start + 1;
	if (size > cap)
		return session_fail(s, DFU_E_NOSPACE,
				    "the option-byte block is %zu bytes; the buffer holds %zu",
				    size, cap);
	rc = dfu_session_upload(s, seg.start, buf, size, &got);
	if (rc < 0)
		return rc;
	if (got != size)
		return session_fail(s, DFU_E_PROTOCOL,
				    "read only %zu of the %zu option-byte bytes "
				    "at 0x%08X; the device ended the upload early",
				    got, size, seg.start);
	*len = got;
	return 0;
}

int dfu_session_ob_write(struct dfu_session *s, const uint8_t *buf, size_t len)
{
	struct dfuse_segment seg;
	int rc;

	rc = ob_select(s, &seg);
	if (rc < 0)
		return rc;
	rc = check_range(s, seg.start, len, DFUSE_MEM_WRITEABLE, "write");
	if (rc < 0)
		return rc;
	if (len == 0 || len > s->xfer)
		return session_fail(s, DFU_E_SIZE,
				    "an option-byte write of %zu bytes does not fit one transfer "
				    "of %u bytes", len, s->xfer);
	rc = set_pointer(s, seg.start);
	if (rc < 0)
		return rc;
	session_set_op(s, "option-byte write (%zu bytes at 0x%08X)", len, seg.start);
	rc = ready(s, BIT(DFU_STATE_IDLE) | BIT(DFU_STATE_DNLOAD_IDLE));
	if (rc < 0)
		return rc;
	rc = dfu_req(s, DFU_DNLOAD, DFUSE_BLOCK_DATA_FIRST, buf, NULL, (uint16_t)len);
	if (rc == DFU_E_NODEV)
		return session_fail(s, DFU_E_NODEV,
				    "%s: the device disconnected before confirming it; "
				    "read the option bytes again to see whether they changed",
				    s->op);
	if (rc < 0)
		return session_xfer_fail(s, rc, "DFU_DNLOAD");
	/* will-reset: the ROM applies the block, then resets with an option
	 * load instead of answering again ([model-ob-write], AN3156 §5.1). */
	rc = poll_done(s, RESET_AFTER_BUSY);
	if (rc < 0)
		return rc;
	if (rc == 1) {
		xport_close(&s->x, s->h);
		s->h = NULL;
	}
	return 0;
}

/* ---- -R ---- */

int dfu_session_detach_reset(struct dfu_session *s)
{
	struct dfu_setup st = dfu_setup_make(DFU_DETACH, 1000, s->intf, 0);
	int rc;

	session_set_op(s, "reset (-R)");
	if (!s->h) {
		s->gone = true; /* it left already (leave): nothing to reset */
		return 0;
	}
	/* dfu-util -R: DETACH with a 1000 ms timeout, then a bus reset. Sent
	 * outside the state machine: DFU 1.1 only allows DETACH in appIDLE,
	 * and ST's ROM stalls it, which dfu-util only warns about. */
	rc = session_xfer(s, &st, NULL, NULL);
	if (rc == DFU_E_NODEV) {
		s->gone = true;
		xport_close(&s->x, s->h);
		s->h = NULL;
		return 0;
	}
	rc = xport_reset(&s->x, s->h);
	xport_close(&s->x, s->h);
	s->h = NULL;
	if (rc == DFU_E_NODEV || rc >= 0) {
		s->gone = true;
		return 0;
	}
	return session_fail(s, rc, "reset (-R): the USB port reset failed on the %s transport: %s; "
			    "unplug and replug the device", s->x.ops->name, dfu_strerror(rc));
}

/* ---- after leave: who comes back ---- */

struct find_ctx {
	const struct dfu_session *s;
	bool found, same;
	struct xport_dev_info *out;
};

static int find_again(void *ctx, const struct xport_dev_info *dev)
{
	struct find_ctx *f = ctx;
	const struct xport_dev_info *old = &f->s->dev;

	/* The port path survives re-enumeration; without one, the serial. */
	if (old->path[0] ? strcmp(dev->path, old->path) != 0 : strcmp(dev->serial, old->serial) != 0)
		return 0;
	if (dev->enum_id == old->enum_id) {
		f->same = true;
		return 0;
	}
	*f->out = *dev;
	f->found = true;
	return 1;
}

static bool has_dfu_mode(const struct xport_dev_info *d)
{
	struct usb_config_iter it;
	struct usb_alt_info alt;

	if (usb_config_iter_init(&it, d->config, d->config_len, NULL) < 0)
		return false;
	for (int guard = 0; guard < 256 && usb_config_next_alt(&it, &alt) == 1; guard++)
		if (alt.intf.bInterfaceClass == USB_CLASS_APP_SPEC &&
		    alt.intf.bInterfaceSubClass == USB_SUBCLASS_DFU &&
		    alt.intf.bInterfaceProtocol == USB_PROTO_DFU_MODE)
			return true;
	return false;
}

/* Whether the vector table this session wrote at the flash base can start
 * the chip; when not, `why` says what is wrong with it. */
static bool fit_to_run(const struct dfu_session *s, const struct stm32_rom_info *rom, char *why,
		       size_t cap)
{
	if (!s->boot_vectors_known) {
		snprintf(why, cap, "only part of its vector table (less than 8 bytes at 0x%08X) "
			 "was written", rom->flash_base);
		return false;
	}
	return host_cm_vectors_plausible(s->boot_sp, s->boot_reset, rom->flash_base,
					 rom->flash_base + rom->flash_size - 1, why, cap);
}

static void classify(const struct dfu_session *s, struct dfu_return_report *r)
{
	const struct xport_dev_info *d = &r->dev;
	struct stm32_rom_info rom;
	char why[160];
	bool same_serial = strcmp(d->serial, s->dev.serial) == 0;

	stm32_rom_identify(d, &rom);
	if (!has_dfu_mode(d)) {
		r->kind = DFU_RETURN_APPLICATION;
		snprintf(r->text, sizeof(r->text),
			 "%04x:%04x serial %s came back after %u ms without a DFU-mode interface: "
			 "the application is running",
			 d->vid, d->pid, d->serial[0] ? d->serial : "(none)", r->waited_ms);
		return;
	}
	if (rom.is_rom && same_serial && rom.empty_check && s->wrote_boot_word) {
		r->kind = DFU_RETURN_EMPTY_CHECK_TRAP;
		if (!fit_to_run(s, &rom, why, sizeof(why))) {
			snprintf(r->text, sizeof(r->text),
				 "%04x:%04x serial %.40s (%.24s) came back in the ROM bootloader "
				 "(PEMPTY latched at power-on); the new firmware is not fit to run: "
				 "%.110s; after a power cycle the chip would lock up: write an image "
				 "with a valid vector table at 0x%08X",
				 d->vid, d->pid, d->serial, rom.family, why, rom.flash_base);
			return;
		}
		snprintf(r->text, sizeof(r->text),
			 "%04x:%04x serial %s (%s) came back in the ROM bootloader: flashed but "
			 "not running: the flash-empty flag (PEMPTY) was latched at power-on; %s; "
			 "remedies: power cycle, or --reload-option-bytes",
			 d->vid, d->pid, d->serial, rom.family,
			 s->verified ? "the new firmware is intact (verified by read-back)"
				     : "the new firmware was written (not verified)");
		return;
	}
	if (rom.is_rom && same_serial && rom.empty_check && s->boot_word_erased) {
		r->kind = DFU_RETURN_BLANK;
		snprintf(r->text, sizeof(r->text),
			 "%04x:%04x serial %s (%s) came back in the ROM bootloader: the first "
			 "flash word at 0x%08X is erased (0xFFFFFFFF), so the chip boots its "
			 "bootloader; write an image with a vector table at 0x%08X",
			 d->vid, d->pid, d->serial, rom.family, rom.flash_base, rom.flash_base);
		return;
	}
	r->kind = DFU_RETURN_BOOTLOADER;
	snprintf(r->text, sizeof(r->text),
		 "%04x:%04x serial %s came back in DFU mode%s%s%s: BOOT0 may be held high, the "
		 "boot option bytes may select the bootloader, or the application jumped back",
		 d->vid, d->pid, d->serial[0] ? d->serial : "(none)", rom.is_rom ? " (" : "",
		 rom.is_rom ? rom.family : "", rom.is_rom ? " ROM bootloader)" : "");
}

int dfu_session_await_return(struct dfu_session *s, struct dfu_return_report *r)
{
	const unsigned step = s->o.reenum_poll_ms ? s->o.reenum_poll_ms : 20;
	struct find_ctx f = { .s = s, .out = &r->dev };

	memset(r, 0, sizeof(*r));
	xport_close(&s->x, s->h);
	s->h = NULL;
	while (r->waited_ms < s->o.reenum_timeout_ms) {
		xport_sleep_ms(&s->x, step);
		r->waited_ms += step;
		f.same = false;
		if (xport_enumerate(&s->x, find_again, &f) < 0)
			continue;
		if (f.found) {
			r->found = true;
			classify(s, r);
			return 0;
		}
	}
	if (f.same) {
		r->kind = DFU_RETURN_STAYED;
		snprintf(r->text, sizeof(r->text),
			 "the device is still on the bus after %u ms and never re-enumerated: it "
			 "did not reset",
			 r->waited_ms);
		return 0;
	}
	r->kind = DFU_RETURN_GONE;
	snprintf(r->text, sizeof(r->text),
		 "the device left the bootloader and did not come back within %u ms: it runs "
		 "something that does not enumerate, such as an application without USB",
		 r->waited_ms);
	return 0;
}

int dfu_session_reload_option_bytes(struct dfu_session *s, struct dfu_return_report *r)
{
	uint8_t ob[256];
	size_t n;
	int rc;

	memset(r, 0, sizeof(*r));
	rc = dfu_session_ob_read(s, ob, sizeof(ob), &n);
	if (rc < 0)
		return rc;
	/* Unchanged: the write is only there to make the ROM reset with an
	 * option load, which re-samples PEMPTY (RM0394 FLASH_SR). */
	rc = dfu_session_ob_write(s, ob, n);
	if (rc < 0)
		return rc;
	return dfu_session_await_return(s, r);
}

/* ---- the whole job ---- */

int dfu_session_dfuse_flash(struct dfu_session *s, const struct dfu_dfuse_job *j,
			    struct dfu_return_report *r)
{
	int rc;

	if (r)
		memset(r, 0, sizeof(*r));
	if (j->mass_erase) {
		rc = dfu_session_special(s, DFUSE_MASS_ERASE, 0);
		if (rc < 0)
			return rc;
		progress(s, DFU_PHASE_ERASE, j->len, j->len); /* the image's range is erased */
	}
	rc = dfu_session_download(s, j->address, j->data, j->len,
				  (j->mass_erase ? DFU_DL_NO_ERASE : 0) |
					  (j->will_reset ? DFU_DL_WILL_RESET : 0));
	if (rc < 0)
		return rc;
	if (s->gone)
		return 0; /* it reset itself as announced: nothing to read back or leave */
	if (j->verify) {
		rc = dfu_session_verify(s, j->address, j->data, j->len);
		if (rc < 0)
			return rc;
	}
	if (!j->leave)
		return 0;
	rc = dfu_session_leave(s, true, j->address);
	if (rc < 0)
		return rc;
	if (j->await_return && r)
		return dfu_session_await_return(s, r);
	return 0;
}

int dfu_session_dfuse_file(struct dfu_session *s, const uint8_t *file, size_t len, bool verify)
{
	struct dfu_file_info info;
	struct dfuse_file f;
	struct dfuse_target t;
	struct dfu_diag d;
	size_t tc = 0;
	int rc;

	session_set_op(s, "DfuSe file");
	rc = dfu_file_inspect(file, len, &info, &d);
	if (rc < 0)
		return session_fail(s, rc, "the file's DFU suffix is broken: %s", d.msg);
	if (!info.has_suffix || info.suffix.bcdDFU != DFU_BCD_DFUSE)
		return session_fail(s, DFU_E_FORMAT,
				    "not a DfuSe file (no DFU suffix with bcdDFU "
				    "0x011A); for a raw image give the address with -s");
	if ((info.suffix.idVendor != DFU_ID_ANY && info.suffix.idVendor != s->dev.vid) ||
	    (info.suffix.idProduct != DFU_ID_ANY && info.suffix.idProduct != s->dev.pid))
		return session_fail(s, DFU_E_USAGE,
				    "the file is for %04x:%04x (its DFU suffix says so), "
				    "the device is %04x:%04x; choose the right file or device",
				    info.suffix.idVendor, info.suffix.idProduct, s->dev.vid,
				    s->dev.pid);
	rc = dfuse_file_parse(file, info.fw_len, &f, &d);
	if (rc < 0)
		return session_fail(s, rc, "the DfuSe image is malformed: %s", d.msg);
	while (dfuse_file_next_target(&f, &tc, &t) == 1) {
		struct dfuse_element e;
		size_t ec = 0;

		if (t.alt != s->alt) {
			rc = dfu_session_set_alt(s, t.alt);
			if (rc < 0)
				return rc;
		}
		while (dfuse_target_next_element(&t, &ec, &e) == 1) {
			rc = dfu_session_download(s, e.address, e.data, e.size, 0);
			if (rc == 0 && verify)
				rc = dfu_session_verify(s, e.address, e.data, e.size);
			if (rc < 0)
				return rc;
		}
	}
	return 0;
}

void dfu_session_close(struct dfu_session *s)
{
	xport_close(&s->x, s->h);
	s->h = NULL;
}
