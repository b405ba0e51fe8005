/*
 * dfu_fsm.h - the one DFU 1.1 / DfuSe state machine, shared by both sides.
 *
 * A single transition table (dfu_fsm.c) answers two questions:
 *  - device side: "this request arrived in this state at this time: what do
 *    I do, what state am I in now, what status do I report?"
 *    (dfu_fsm_request / dfu_fsm_op_done / dfu_fsm_status);
 *  - host side: "I sent this: which states may the device legally report
 *    next?" (struct dfu_host_fsm), so a host flags protocol violations.
 * It covers every DFU 1.1 state, appIDLE/appDETACH, manifestation-tolerant
 * and not, bitWillDetach, and DfuSe's execution of a downloaded block or
 * command at the following GETSTATUS (dfuDNBUSY first, then dfuDNLOAD-IDLE
 * or dfuERROR).
 *
 * Time is a parameter (microseconds of whatever clock the caller keeps);
 * nothing here sleeps, reads a clock, allocates or stores data. The caller
 * keeps block data; the machine only records block number and length.
 */
#ifndef DFU_FSM_H
#define DFU_FSM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dfu/dfu_proto.h"
#include "dfu/error.h"

struct dfu_fsm_config {
	uint8_t attributes;	/* functional descriptor bmAttributes (DFU_ATTR_*) */
	bool dfuse;		/* DfuSe rules: block 0 = command, leave from dfuIDLE,
				 * a block always reports dfuDNBUSY first */
	uint16_t transfer_size;	/* wTransferSize: longer DNLOAD/UPLOAD requests stall */
	uint16_t detach_timeout_ms; /* wDetachTimeOut, for appDETACH */
};

/* What the device class must do for the request it just passed in. */
enum dfu_action {
	DFU_ACT_STALL,		/* stall ep0; the machine already moved where DFU 1.1 says */
	DFU_ACT_IGNORE,		/* no answer at all (dfuMANIFEST-WAIT-RESET) */
	DFU_ACT_ACK,		/* complete the request with no data (ABORT, CLRSTATUS, ...) */
	DFU_ACT_STORE_BLOCK,	/* DNLOAD with data: keep the bytes; they run at the next GETSTATUS */
	DFU_ACT_EXECUTE,	/* GETSTATUS in dfuDNLOAD-SYNC: run the stored block/command now,
				 * call dfu_fsm_op_done(), then reply dfu_fsm_status() */
	DFU_ACT_MANIFEST,	/* GETSTATUS in dfuMANIFEST-SYNC: start manifestation (DfuSe:
				 * leave), call dfu_fsm_op_done(), then reply dfu_fsm_status() */
	DFU_ACT_UPLOAD,		/* fill at most wLength bytes, call dfu_fsm_upload_done() */
	DFU_ACT_STATUS,		/* reply dfu_fsm_status() (6 bytes) */
	DFU_ACT_STATE,		/* reply one byte: dfu_fsm_state() */
	DFU_ACT_DETACH,		/* DETACH in appIDLE: with bitWillDetach, detach from the bus now;
				 * otherwise wait for a USB reset within wDetachTimeOut */
};

struct dfu_step {
	enum dfu_action action;
	enum dfu_state from;	/* state the request was handled in (after time advanced) */
	uint16_t block;		/* DNLOAD/UPLOAD: wValue; EXECUTE: the stored block's number */
	uint16_t length;	/* DNLOAD/UPLOAD: wLength; EXECUTE: the stored block's length */
};

struct dfu_fsm {
	struct dfu_fsm_config cfg;
	enum dfu_state state;
	enum dfu_status status;
	uint64_t busy_until_us;		/* end of dfuDNBUSY / dfuMANIFEST */
	uint64_t detach_deadline_us;	/* end of appDETACH */
	uint32_t poll_ms;		/* bwPollTimeout of the next status reply */
	enum dfu_status op_result;	/* result of the operation that is running */
	uint16_t pending_block;		/* block stored in dfuDNLOAD-SYNC */
	uint16_t pending_length;
	bool manifest_done;		/* tolerant manifestation finished */
	bool op_ran;			/* the stored block executed; its outcome is pending */
};

void dfu_fsm_init(struct dfu_fsm *m, const struct dfu_fsm_config *cfg, enum dfu_state initial);

/* Apply the transitions time alone causes: dfuDNBUSY -> dfuDNLOAD-SYNC,
 * dfuMANIFEST -> dfuMANIFEST-SYNC or -WAIT-RESET, appDETACH -> appIDLE. */
void dfu_fsm_advance(struct dfu_fsm *m, uint64_t now_us);

/* True while an operation started by EXECUTE/MANIFEST has not finished. */
bool dfu_fsm_busy(const struct dfu_fsm *m, uint64_t now_us);

/*
 * Device side: a class request arrived. Advances time, then decides. Returns
 * the action (also in step->action). Requests that DFU 1.1 forbids in the
 * current state give DFU_ACT_STALL and move to dfuERROR / errSTALLEDPKT
 * (appIDLE and appDETACH stall without changing state).
 */
enum dfu_action dfu_fsm_request(struct dfu_fsm *m, const struct dfu_setup *s, uint64_t now_us,
				struct dfu_step *step);

/*
 * After DFU_ACT_EXECUTE or DFU_ACT_MANIFEST: the operation's result and how
 * long it takes. `poll_ms` is the bwPollTimeout to report (normally
 * dfu_poll_ms(duration_us); a device that under-reports passes less).
 */
void dfu_fsm_op_done(struct dfu_fsm *m, enum dfu_status result, uint64_t duration_us,
		     uint32_t poll_ms, uint64_t now_us);

/* After DFU_ACT_UPLOAD: a reply shorter than wLength ends the upload. */
void dfu_fsm_upload_done(struct dfu_fsm *m, size_t actual, uint16_t wLength);

/* The class rejects what the machine accepted (e.g. a malformed DfuSe
 * command at DNLOAD): enter dfuERROR with `status`. */
void dfu_fsm_fail(struct dfu_fsm *m, enum dfu_status status);

/* The reply to the GETSTATUS just handled. */
void dfu_fsm_status(const struct dfu_fsm *m, struct dfu_status_reply *r);
static inline enum dfu_state dfu_fsm_state(const struct dfu_fsm *m)
{
	return m->state;
}

/* What a USB bus reset means in the current state (DFU 1.1 §5, §6, §7). */
enum dfu_reset_outcome {
	DFU_RESET_ENTER_DFU,	/* appDETACH within wDetachTimeOut: re-enumerate in DFU mode */
	DFU_RESET_RUN_APP,	/* appIDLE, or after manifestation: run the (new) firmware */
	DFU_RESET_STAY_DFU,	/* any other DFU-mode state: back to dfuIDLE */
};
enum dfu_reset_outcome dfu_fsm_usb_reset(struct dfu_fsm *m, uint64_t now_us);

/* Milliseconds to report for a duration, rounded up and clamped to 24 bits. */
uint32_t dfu_poll_ms(uint64_t duration_us);

/* ---- host side ---- */

/*
 * The set of states (DFU_STATE_BIT mask) the device may be in after
 * accepting `s` in any state of `from`, letting time pass first (a host
 * waits bwPollTimeout). A request the device must stall in a state
 * contributes what the stall leads to. Shares the device's table.
 */
uint16_t dfu_fsm_successors(const struct dfu_fsm_config *cfg, uint16_t from, const struct dfu_setup *s);

/* The mask of states in which `s` is legal (not stalled) in DFU 1.1. */
uint16_t dfu_fsm_legal_states(const struct dfu_fsm_config *cfg, const struct dfu_setup *s);

/* A host's view of the device: the states it may be in. */
struct dfu_host_fsm {
	struct dfu_fsm_config cfg;
	uint16_t possible;
};

void dfu_host_fsm_init(struct dfu_host_fsm *h, const struct dfu_fsm_config *cfg, uint16_t possible);

/*
 * Record a request the host sent. `stalled` says the device stalled it.
 * Returns DFU_E_STATE (with diag) when the host is about to break the
 * protocol: the request is legal in none of the possible states.
 */
int dfu_host_fsm_sent(struct dfu_host_fsm *h, const struct dfu_setup *s, bool stalled,
		      struct dfu_diag *diag);

/*
 * A GETSTATUS reply (or GETSTATE byte, with r->bStatus ignored when
 * `state_only`) came back. Returns DFU_E_PROTOCOL with diag when bState is
 * not a state the device may be in ("device answered dfuIDLE after DNLOAD,
 * expected dfuDNBUSY, dfuDNLOAD-IDLE or dfuERROR"), or when bState/bStatus
 * is out of range. On success the possible set collapses to bState.
 */
int dfu_host_fsm_observed(struct dfu_host_fsm *h, const struct dfu_status_reply *r,
			  bool state_only, struct dfu_diag *diag);

/* Writes "dfuDNBUSY, dfuDNLOAD-IDLE or dfuERROR" for a mask; returns length. */
int dfu_state_mask_text(uint16_t mask, char *out, size_t cap);

#endif
