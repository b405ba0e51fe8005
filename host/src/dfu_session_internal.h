/*
 * dfu_session_internal.h - the session engine's request layer, shared by
 * dfu_session.c (the download/upload engine) and dfu_select.c (finding the
 * device and selecting an alt setting). Not installed, not for callers:
 * they use dfu_session.h and dfu_select.h.
 *
 * Every function here works on a caller-owned struct dfu_session and
 * leaves a failure's sentence in s->err; none allocates or sleeps except
 * through the transport.
 */
#ifndef HOST_DFU_SESSION_INTERNAL_H
#define HOST_DFU_SESSION_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "host/dfu_session.h"

/* Every DFU state: what the device may be in when nothing is known. */
#define ALL_STATES ((uint16_t)((1u << DFU_STATE_COUNT) - 1))

static inline size_t min_size(size_t a, size_t b)
{
	return a < b ? a : b;
}

/* Set s->err from the format; returns `err`. */
int session_fail(struct dfu_session *s, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Name what is running, for the messages of whatever fails during it. */
void session_set_op(struct dfu_session *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* One control transfer on the open handle, counted and recorded in the
 * transcript; a reply longer than wLength is DFU_E_PROTOCOL. */
int session_xfer(struct dfu_session *s, const struct dfu_setup *st, const uint8_t *out,
		 uint8_t *in);
/* The sentence for a failed transfer of `what`; returns rc. */
int session_xfer_fail(struct dfu_session *s, int rc, const char *what);
/* Wait bwPollTimeout `ms` (clamped by --poll), within op_timeout_ms of
 * *waited; DFU_E_TIMEOUT past it. */
int session_wait_poll(struct dfu_session *s, uint32_t ms, uint64_t *waited);
/* A DFU class request without data (ABORT, CLRSTATUS), checked against the
 * state machine. */
int session_simple_req(struct dfu_session *s, enum dfu_request req);

#endif
