/*
 * dfu_fsm.c - the DFU 1.1 state machine (DFU 1.1 Appendix A) with DfuSe's
 * rules (AN3156), used by the device model and by the host alike.
 *
 * rule() is the whole table: for a request in a state it gives the action
 * and the set of states the request may lead to. The device narrows that
 * set with what only it knows (did the block finish, did it fail, was the
 * upload short); the host keeps the whole set and checks what the device
 * reports against it.
 */
#include <stdio.h>
#include <string.h>

#include "dfu/dfu_fsm.h"

#define BIT(s) DFU_STATE_BIT(s)
#define ALL_STATES ((uint16_t)((1u << DFU_STATE_COUNT) - 1))

/* bmRequestType each DFU request must carry (DFU 1.1 Table 3.2). */
static bool request_well_formed(const struct dfu_setup *s)
{
	switch (s->bRequest) {
	case DFU_DETACH:
	case DFU_DNLOAD:
	case DFU_CLRSTATUS:
	case DFU_ABORT:
		return s->bmRequestType == DFU_REQTYPE_OUT;
	case DFU_UPLOAD:
	case DFU_GETSTATUS:
	case DFU_GETSTATE:
		return s->bmRequestType == DFU_REQTYPE_IN;
	default:
		return false;
	}
}

/* Where a forbidden request leaves the device (DFU 1.1 A.1, A.2). */
static uint16_t stall_target(enum dfu_state st)
{
	switch (st) {
	case DFU_STATE_APP_IDLE:
	case DFU_STATE_APP_DETACH:
		return BIT(DFU_STATE_APP_IDLE);
	case DFU_STATE_MANIFEST_WAIT_RESET:
		return BIT(DFU_STATE_MANIFEST_WAIT_RESET);
	default:
		return BIT(DFU_STATE_ERROR);
	}
}

/* A DNLOAD with data: allowed by the attributes and the transfer size? */
static bool dnload_data_ok(const struct dfu_fsm_config *cfg, const struct dfu_setup *s)
{
	return (cfg->attributes & DFU_ATTR_CAN_DNLOAD) && s->wLength <= cfg->transfer_size;
}

static bool upload_ok(const struct dfu_fsm_config *cfg, const struct dfu_setup *s)
{
	return (cfg->attributes & DFU_ATTR_CAN_UPLOAD) && s->wLength > 0 &&
	       s->wLength <= cfg->transfer_size;
}

/*
 * The table. Returns the action and, in *next, every state the request may
 * lead to from `st`. Requests the state does not accept return STALL with
 * the stall target. For dfuDNBUSY and dfuMANIFEST this is "still busy":
 * time that has passed is applied before rule() is asked.
 */
static enum dfu_action rule(const struct dfu_fsm_config *cfg, enum dfu_state st,
			    const struct dfu_setup *s, uint16_t *next)
{
	const bool tolerant = cfg->attributes & DFU_ATTR_MANIFEST_TOLERANT;
	const enum dfu_request req = (enum dfu_request)s->bRequest;

	*next = BIT(st);
	if (st == DFU_STATE_MANIFEST_WAIT_RESET)
		return DFU_ACT_IGNORE; /* only a USB reset gets it out (A.2.9) */
	if (!request_well_formed(s))
		goto stall;
	if (req == DFU_GETSTATE && st != DFU_STATE_DNBUSY && st != DFU_STATE_MANIFEST)
		return DFU_ACT_STATE;

	switch (st) {
	case DFU_STATE_APP_IDLE:
		if (req == DFU_GETSTATUS)
			return DFU_ACT_STATUS;
		if (req == DFU_DETACH) {
			*next = BIT(DFU_STATE_APP_DETACH);
			return DFU_ACT_DETACH;
		}
		break;
	case DFU_STATE_APP_DETACH:
		if (req == DFU_GETSTATUS)
			return DFU_ACT_STATUS;
		break;
	case DFU_STATE_IDLE:
	case DFU_STATE_DNLOAD_IDLE:
		if (req == DFU_GETSTATUS)
			return DFU_ACT_STATUS;
		if (req == DFU_ABORT) {
			*next = BIT(DFU_STATE_IDLE);
			return DFU_ACT_ACK;
		}
		if (req == DFU_DNLOAD && s->wLength > 0 && dnload_data_ok(cfg, s)) {
			*next = BIT(DFU_STATE_DNLOAD_SYNC);
			return DFU_ACT_STORE_BLOCK;
		}
		/* A zero-length DNLOAD ends the download: manifestation. DfuSe
		 * also accepts it in dfuIDLE as "leave" (AN3156 §5.5). */
		if (req == DFU_DNLOAD && s->wLength == 0 && (cfg->attributes & DFU_ATTR_CAN_DNLOAD) &&
		    (st == DFU_STATE_DNLOAD_IDLE || cfg->dfuse)) {
			*next = BIT(DFU_STATE_MANIFEST_SYNC);
			return DFU_ACT_ACK;
		}
		if (req == DFU_UPLOAD && st == DFU_STATE_IDLE && upload_ok(cfg, s)) {
			*next = BIT(DFU_STATE_UPLOAD_IDLE) | BIT(DFU_STATE_IDLE);
			return DFU_ACT_UPLOAD;
		}
		break;
	case DFU_STATE_DNLOAD_SYNC:
		if (req == DFU_GETSTATUS) {
			*next = BIT(DFU_STATE_DNBUSY) | BIT(DFU_STATE_DNLOAD_IDLE) |
				BIT(DFU_STATE_ERROR);
			return DFU_ACT_EXECUTE;
		}
		break;
	case DFU_STATE_MANIFEST_SYNC:
		if (req == DFU_GETSTATUS) {
			*next = BIT(DFU_STATE_MANIFEST) | BIT(DFU_STATE_ERROR);
			if (tolerant)
				*next |= BIT(DFU_STATE_IDLE);
			return DFU_ACT_MANIFEST;
		}
		break;
	case DFU_STATE_UPLOAD_IDLE:
		if (req == DFU_GETSTATUS)
			return DFU_ACT_STATUS;
		if (req == DFU_ABORT) {
			*next = BIT(DFU_STATE_IDLE);
			return DFU_ACT_ACK;
		}
		if (req == DFU_UPLOAD && upload_ok(cfg, s)) {
			*next = BIT(DFU_STATE_UPLOAD_IDLE) | BIT(DFU_STATE_IDLE);
			return DFU_ACT_UPLOAD;
		}
		break;
	case DFU_STATE_ERROR:
		if (req == DFU_GETSTATUS)
			return DFU_ACT_STATUS;
		if (req == DFU_CLRSTATUS) {
			*next = BIT(DFU_STATE_IDLE);
			return DFU_ACT_ACK;
		}
		break;
	case DFU_STATE_MANIFEST:
		/* A.2.8: "not all devices will be able to respond to DFU_GETSTATUS"
		 * here, so some do; one that does reports dfuMANIFEST and how long
		 * is left. A stall would drop it into dfuERROR in the middle of a
		 * manifestation that goes on regardless (a host that gave up and
		 * came back early could then never see it finish). */
		if (req == DFU_GETSTATUS)
			return DFU_ACT_STATUS;
		break;
	case DFU_STATE_DNBUSY:
	case DFU_STATE_MANIFEST_WAIT_RESET:
		break; /* the host must wait bwPollTimeout (A.2.5) */
	}
stall:
	*next = stall_target(st);
	return DFU_ACT_STALL;
}

/* States reachable from `mask` by time alone (the host waited bwPollTimeout). */
static uint16_t time_closure(const struct dfu_fsm_config *cfg, uint16_t mask)
{
	if (mask & BIT(DFU_STATE_DNBUSY))
		mask |= BIT(DFU_STATE_DNLOAD_SYNC);
	if (mask & BIT(DFU_STATE_MANIFEST))
		mask |= (cfg->attributes & DFU_ATTR_MANIFEST_TOLERANT)
				? BIT(DFU_STATE_MANIFEST_SYNC)
				: BIT(DFU_STATE_MANIFEST_WAIT_RESET);
	if (mask & BIT(DFU_STATE_APP_DETACH))
		mask |= BIT(DFU_STATE_APP_IDLE);
	return mask;
}

/* ---- device side ---- */

void dfu_fsm_init(struct dfu_fsm *m, const struct dfu_fsm_config *cfg, enum dfu_state initial)
{
	const struct dfu_fsm_config keep = *cfg; /* cfg may be &m->cfg (a USB reset) */

	memset(m, 0, sizeof(*m));
	m->cfg = keep;
	m->state = initial;
	m->status = DFU_STATUS_OK;
}

bool dfu_fsm_busy(const struct dfu_fsm *m, uint64_t now_us)
{
	return (m->state == DFU_STATE_DNBUSY || m->state == DFU_STATE_MANIFEST) &&
	       now_us < m->busy_until_us;
}

void dfu_fsm_advance(struct dfu_fsm *m, uint64_t now_us)
{
	switch (m->state) {
	case DFU_STATE_DNBUSY:
		if (now_us >= m->busy_until_us) {
			m->state = DFU_STATE_DNLOAD_SYNC; /* op_ran: the next GETSTATUS reports it */
			m->poll_ms = 0;
		}
		break;
	case DFU_STATE_MANIFEST:
		if (now_us >= m->busy_until_us) {
			if (m->cfg.attributes & DFU_ATTR_MANIFEST_TOLERANT) {
				m->state = DFU_STATE_MANIFEST_SYNC;
				m->manifest_done = true;
			} else {
				m->state = DFU_STATE_MANIFEST_WAIT_RESET;
			}
			m->poll_ms = 0;
		}
		break;
	case DFU_STATE_APP_DETACH:
		if (now_us >= m->detach_deadline_us)
			m->state = DFU_STATE_APP_IDLE;
		break;
	default:
		break;
	}
}

enum dfu_action dfu_fsm_request(struct dfu_fsm *m, const struct dfu_setup *s, uint64_t now_us,
				struct dfu_step *step)
{
	uint16_t next;
	enum dfu_action act;

	dfu_fsm_advance(m, now_us);
	act = rule(&m->cfg, m->state, s, &next);

	step->action = act;
	step->from = m->state;
	step->block = s->wValue;
	step->length = s->wLength;

	switch (act) {
	case DFU_ACT_STALL:
		if (next == BIT(DFU_STATE_ERROR) && m->state != DFU_STATE_ERROR)
			m->status = DFU_STATUS_ERR_STALLEDPKT;
		m->state = next == BIT(DFU_STATE_APP_IDLE) ? DFU_STATE_APP_IDLE : DFU_STATE_ERROR;
		break;
	case DFU_ACT_STATUS:
		if (m->state == DFU_STATE_MANIFEST) /* still busy: what is left to wait */
			m->poll_ms = dfu_poll_ms(m->busy_until_us - now_us);
		break;
	case DFU_ACT_IGNORE:
	case DFU_ACT_STATE:
	case DFU_ACT_UPLOAD: /* state settles in dfu_fsm_upload_done() */
		break;
	case DFU_ACT_ACK:
		if (s->bRequest == DFU_CLRSTATUS)
			m->status = DFU_STATUS_OK;
		if (next == BIT(DFU_STATE_MANIFEST_SYNC))
			m->manifest_done = false;
		m->state = (next & BIT(DFU_STATE_IDLE)) ? DFU_STATE_IDLE : DFU_STATE_MANIFEST_SYNC;
		m->poll_ms = 0;
		break;
	case DFU_ACT_STORE_BLOCK:
		m->state = DFU_STATE_DNLOAD_SYNC;
		m->pending_block = s->wValue;
		m->pending_length = s->wLength;
		m->op_ran = false;
		break;
	case DFU_ACT_EXECUTE:
		if (m->op_ran) {
			/* Second GETSTATUS: report the block's outcome (A.2.4). */
			act = step->action = DFU_ACT_STATUS;
			m->status = m->op_result;
			m->state = m->op_result == DFU_STATUS_OK ? DFU_STATE_DNLOAD_IDLE
								 : DFU_STATE_ERROR;
			m->op_ran = false;
		} else {
			step->block = m->pending_block;
			step->length = m->pending_length;
		}
		break;
	case DFU_ACT_MANIFEST:
		if (m->manifest_done) {
			act = step->action = DFU_ACT_STATUS;
			m->status = m->op_result;
			m->state = m->op_result == DFU_STATUS_OK ? DFU_STATE_IDLE : DFU_STATE_ERROR;
			m->manifest_done = false;
		}
		break;
	case DFU_ACT_DETACH:
		m->state = DFU_STATE_APP_DETACH;
		m->detach_deadline_us = now_us + (uint64_t)m->cfg.detach_timeout_ms * 1000u;
		break;
	}
	return act;
}

void dfu_fsm_op_done(struct dfu_fsm *m, enum dfu_status result, uint64_t duration_us,
		     uint32_t poll_ms, uint64_t now_us)
{
	if (poll_ms > DFU_POLL_TIMEOUT_MAX)
		poll_ms = DFU_POLL_TIMEOUT_MAX;
	m->op_result = result;
	m->busy_until_us = now_us + duration_us;
	m->poll_ms = poll_ms;

	if (m->state == DFU_STATE_MANIFEST_SYNC) {
		m->state = DFU_STATE_MANIFEST;
		m->status = DFU_STATUS_OK;
		return;
	}
	if (m->state != DFU_STATE_DNLOAD_SYNC)
		return; /* not after EXECUTE: nothing to complete */

	m->op_ran = true;
	if (m->cfg.dfuse || duration_us > 0 || poll_ms > 0) {
		/* DfuSe always answers dfuDNBUSY first and reports the outcome
		 * at the next GETSTATUS (AN3156 §4); so does a slow block. */
		m->state = DFU_STATE_DNBUSY;
		m->status = DFU_STATUS_OK;
		return;
	}
	m->status = result;
	m->state = result == DFU_STATUS_OK ? DFU_STATE_DNLOAD_IDLE : DFU_STATE_ERROR;
	m->op_ran = false;
}

void dfu_fsm_upload_done(struct dfu_fsm *m, size_t actual, uint16_t wLength)
{
	if (m->state != DFU_STATE_IDLE && m->state != DFU_STATE_UPLOAD_IDLE)
		return;
	/* A short frame ends the upload (DFU 1.1 §6.2). */
	m->state = actual < wLength ? DFU_STATE_IDLE : DFU_STATE_UPLOAD_IDLE;
}

void dfu_fsm_fail(struct dfu_fsm *m, enum dfu_status status)
{
	m->state = DFU_STATE_ERROR;
	m->status = status;
	m->op_ran = false;
	m->pending_block = 0;
	m->pending_length = 0;
	m->poll_ms = 0;
}

void dfu_fsm_status(const struct dfu_fsm *m, struct dfu_status_reply *r)
{
	r->bStatus = (uint8_t)m->status;
	r->bState = (uint8_t)m->state;
	r->bwPollTimeout =
		(m->state == DFU_STATE_DNBUSY || m->state == DFU_STATE_MANIFEST) ? m->poll_ms : 0;
	r->iString = 0;
}

enum dfu_reset_outcome dfu_fsm_usb_reset(struct dfu_fsm *m, uint64_t now_us)
{
	dfu_fsm_advance(m, now_us);
	switch (m->state) {
	case DFU_STATE_APP_DETACH:
		dfu_fsm_init(m, &m->cfg, DFU_STATE_IDLE);
		return DFU_RESET_ENTER_DFU;
	case DFU_STATE_APP_IDLE:
		return DFU_RESET_RUN_APP;
	case DFU_STATE_MANIFEST_WAIT_RESET:
		dfu_fsm_init(m, &m->cfg, DFU_STATE_APP_IDLE);
		return DFU_RESET_RUN_APP;
	default:
		dfu_fsm_init(m, &m->cfg, DFU_STATE_IDLE);
		return DFU_RESET_STAY_DFU;
	}
}

uint32_t dfu_poll_ms(uint64_t duration_us)
{
	uint64_t ms = (duration_us + 999u) / 1000u;
	return ms > DFU_POLL_TIMEOUT_MAX ? DFU_POLL_TIMEOUT_MAX : (uint32_t)ms;
}

/* ---- host side ---- */

uint16_t dfu_fsm_successors(const struct dfu_fsm_config *cfg, uint16_t from, const struct dfu_setup *s)
{
	uint16_t out = 0;
	from = time_closure(cfg, from & ALL_STATES);
	for (unsigned st = 0; st < DFU_STATE_COUNT; st++) {
		uint16_t next;
		if (!(from & BIT(st)))
			continue;
		rule(cfg, (enum dfu_state)st, s, &next);
		out |= next;
	}
	return out;
}

uint16_t dfu_fsm_legal_states(const struct dfu_fsm_config *cfg, const struct dfu_setup *s)
{
	uint16_t out = 0;
	for (unsigned st = 0; st < DFU_STATE_COUNT; st++) {
		uint16_t next;
		enum dfu_action a = rule(cfg, (enum dfu_state)st, s, &next);
		if (a != DFU_ACT_STALL && a != DFU_ACT_IGNORE)
			out |= BIT(st);
	}
	return out;
}

void dfu_host_fsm_init(struct dfu_host_fsm *h, const struct dfu_fsm_config *cfg, uint16_t possible)
{
	h->cfg = *cfg;
	h->possible = possible & ALL_STATES;
}

int dfu_state_mask_text(uint16_t mask, char *out, size_t cap)
{
	size_t len = 0;
	unsigned n = 0, total = 0;

	if (cap == 0)
		return DFU_E_NOSPACE;
	out[0] = '\0';
	for (unsigned st = 0; st < DFU_STATE_COUNT; st++)
		total += (mask >> st) & 1u;
	if (total == 0)
		return snprintf(out, cap, "no state");
	for (unsigned st = 0; st < DFU_STATE_COUNT; st++) {
		int w;
		if (!(mask & BIT(st)))
			continue;
		n++;
		w = snprintf(out + len, cap - len, "%s%s", n == 1 ? "" : n == total ? " or " : ", ",
			     dfu_state_name(st));
		if (w < 0 || (size_t)w >= cap - len)
			return DFU_E_NOSPACE;
		len += (size_t)w;
	}
	return (int)len;
}

int dfu_host_fsm_sent(struct dfu_host_fsm *h, const struct dfu_setup *s, bool stalled,
		      struct dfu_diag *diag)
{
	uint16_t now = time_closure(&h->cfg, h->possible);
	uint16_t legal = dfu_fsm_legal_states(&h->cfg, s) & now;

	if (stalled) {
		/* A stall is always the device's right; it stays where it was (a
		 * quirky busy device) or goes where DFU 1.1 sends a stall. */
		uint16_t after = now;
		for (unsigned st = 0; st < DFU_STATE_COUNT; st++)
			if (now & BIT(st))
				after |= stall_target((enum dfu_state)st);
		h->possible = after | BIT(DFU_STATE_ERROR);
		return DFU_OK;
	}
	if (!legal) {
		char states[128];
		dfu_state_mask_text(now, states, sizeof(states));
		h->possible = dfu_fsm_successors(&h->cfg, now, s);
		return dfu_diag_set(diag, DFU_E_STATE, 0, "%s is not allowed in %s",
				    dfu_request_name(s->bRequest), states);
	}
	h->possible = dfu_fsm_successors(&h->cfg, legal, s);
	return DFU_OK;
}

int dfu_host_fsm_observed(struct dfu_host_fsm *h, const struct dfu_status_reply *r,
			  bool state_only, struct dfu_diag *diag)
{
	char states[128];

	if (r->bState >= DFU_STATE_COUNT)
		return dfu_diag_set(diag, DFU_E_PROTOCOL, 4,
				    "device reported state %u, which DFU 1.1 does not define",
				    r->bState);
	if (!state_only && r->bStatus >= DFU_STATUS_COUNT)
		return dfu_diag_set(diag, DFU_E_PROTOCOL, 0,
				    "device reported status %u, which DFU 1.1 does not define",
				    r->bStatus);
	if (!(h->possible & BIT(r->bState))) {
		dfu_state_mask_text(h->possible, states, sizeof(states));
		return dfu_diag_set(diag, DFU_E_PROTOCOL, 4,
				    "device answered %s, but only %s can follow what was sent",
				    dfu_state_name(r->bState), states);
	}
	h->possible = BIT(r->bState);
	return DFU_OK;
}
