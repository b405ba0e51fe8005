/* test_dfu_fsm.c - the shared DFU state machine, device and host side.
 *
 * The transition table below is transcribed from the DFU 1.1 state diagram
 * (Appendix A): for every state and every request, the action the device
 * takes and the state it ends in. Legal and illegal transitions alike. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dfu/dfu_fsm.h"

#define MS 1000ull

static const struct dfu_fsm_config dfuse_cfg = {
	.attributes = DFU_ATTR_CAN_DNLOAD | DFU_ATTR_CAN_UPLOAD | DFU_ATTR_WILL_DETACH,
	.dfuse = true,
	.transfer_size = 2048,
	.detach_timeout_ms = 255,
};

static const struct dfu_fsm_config plain_cfg = {
	.attributes = DFU_ATTR_CAN_DNLOAD | DFU_ATTR_CAN_UPLOAD,
	.dfuse = false,
	.transfer_size = 1024,
	.detach_timeout_ms = 1000,
};

static const struct dfu_fsm_config tolerant_cfg = {
	.attributes = DFU_ATTR_CAN_DNLOAD | DFU_ATTR_CAN_UPLOAD | DFU_ATTR_MANIFEST_TOLERANT,
	.dfuse = false,
	.transfer_size = 1024,
	.detach_timeout_ms = 1000,
};

static struct dfu_setup req(enum dfu_request r, uint16_t value, uint16_t length)
{
	return dfu_setup_make(r, value, 0, length);
}

/* Put a machine in `st` the way it would be reached (busy states are
 * entered through their request so their timers are set). */
static void enter(struct dfu_fsm *m, const struct dfu_fsm_config *cfg, enum dfu_state st)
{
	dfu_fsm_init(m, cfg, st);
	if (st == DFU_STATE_DNBUSY) {
		m->state = DFU_STATE_DNLOAD_SYNC;
		dfu_fsm_op_done(m, DFU_STATUS_OK, 10 * MS, 10, 0);
	} else if (st == DFU_STATE_MANIFEST) {
		m->state = DFU_STATE_MANIFEST_SYNC;
		dfu_fsm_op_done(m, DFU_STATUS_OK, 10 * MS, 10, 0);
	} else if (st == DFU_STATE_ERROR) {
		m->status = DFU_STATUS_ERR_TARGET;
	} else if (st == DFU_STATE_APP_DETACH) {
		m->detach_deadline_us = 100 * MS;
	}
}

struct row {
	enum dfu_state from;
	enum dfu_request r;
	uint16_t wLength;
	enum dfu_action act;
	enum dfu_state to;
};

#define A(x) DFU_ACT_##x
#define S(x) DFU_STATE_##x
#define R(x) DFU_##x

/* DfuSe device (ST ROM attributes 0x0B, not manifestation-tolerant). */
static const struct row dfuse_table[] = {
	/* A.1.1 appIDLE */
	{S(APP_IDLE), R(DETACH), 0, A(DETACH), S(APP_DETACH)},
	{S(APP_IDLE), R(GETSTATUS), 6, A(STATUS), S(APP_IDLE)},
	{S(APP_IDLE), R(GETSTATE), 1, A(STATE), S(APP_IDLE)},
	{S(APP_IDLE), R(DNLOAD), 16, A(STALL), S(APP_IDLE)},
	{S(APP_IDLE), R(UPLOAD), 16, A(STALL), S(APP_IDLE)},
	{S(APP_IDLE), R(CLRSTATUS), 0, A(STALL), S(APP_IDLE)},
	{S(APP_IDLE), R(ABORT), 0, A(STALL), S(APP_IDLE)},
	/* A.1.2 appDETACH */
	{S(APP_DETACH), R(GETSTATUS), 6, A(STATUS), S(APP_DETACH)},
	{S(APP_DETACH), R(GETSTATE), 1, A(STATE), S(APP_DETACH)},
	{S(APP_DETACH), R(DETACH), 0, A(STALL), S(APP_IDLE)},
	{S(APP_DETACH), R(DNLOAD), 16, A(STALL), S(APP_IDLE)},
	{S(APP_DETACH), R(ABORT), 0, A(STALL), S(APP_IDLE)},
	/* A.2.3 dfuIDLE */
	{S(IDLE), R(DNLOAD), 5, A(STORE_BLOCK), S(DNLOAD_SYNC)},
	{S(IDLE), R(DNLOAD), 0, A(ACK), S(MANIFEST_SYNC)}, /* DfuSe leave */
	{S(IDLE), R(DNLOAD), 2049, A(STALL), S(ERROR)},
	{S(IDLE), R(UPLOAD), 2048, A(UPLOAD), S(IDLE)},
	{S(IDLE), R(UPLOAD), 0, A(STALL), S(ERROR)},
	{S(IDLE), R(ABORT), 0, A(ACK), S(IDLE)},
	{S(IDLE), R(GETSTATUS), 6, A(STATUS), S(IDLE)},
	{S(IDLE), R(GETSTATE), 1, A(STATE), S(IDLE)},
	{S(IDLE), R(CLRSTATUS), 0, A(STALL), S(ERROR)},
	{S(IDLE), R(DETACH), 0, A(STALL), S(ERROR)},
	/* A.2.4 dfuDNLOAD-SYNC */
	{S(DNLOAD_SYNC), R(GETSTATUS), 6, A(EXECUTE), S(DNLOAD_SYNC)},
	{S(DNLOAD_SYNC), R(GETSTATE), 1, A(STATE), S(DNLOAD_SYNC)},
	{S(DNLOAD_SYNC), R(DNLOAD), 16, A(STALL), S(ERROR)},
	{S(DNLOAD_SYNC), R(ABORT), 0, A(STALL), S(ERROR)},
	{S(DNLOAD_SYNC), R(UPLOAD), 16, A(STALL), S(ERROR)},
	{S(DNLOAD_SYNC), R(CLRSTATUS), 0, A(STALL), S(ERROR)},
	/* A.2.5 dfuDNBUSY: the host must wait, anything is a stall */
	{S(DNBUSY), R(GETSTATUS), 6, A(STALL), S(ERROR)},
	{S(DNBUSY), R(GETSTATE), 1, A(STALL), S(ERROR)},
	{S(DNBUSY), R(ABORT), 0, A(STALL), S(ERROR)},
	{S(DNBUSY), R(DNLOAD), 16, A(STALL), S(ERROR)},
	/* A.2.6 dfuDNLOAD-IDLE */
	{S(DNLOAD_IDLE), R(DNLOAD), 2048, A(STORE_BLOCK), S(DNLOAD_SYNC)},
	{S(DNLOAD_IDLE), R(DNLOAD), 0, A(ACK), S(MANIFEST_SYNC)},
	{S(DNLOAD_IDLE), R(ABORT), 0, A(ACK), S(IDLE)},
	{S(DNLOAD_IDLE), R(GETSTATUS), 6, A(STATUS), S(DNLOAD_IDLE)},
	{S(DNLOAD_IDLE), R(GETSTATE), 1, A(STATE), S(DNLOAD_IDLE)},
	{S(DNLOAD_IDLE), R(UPLOAD), 16, A(STALL), S(ERROR)},
	{S(DNLOAD_IDLE), R(CLRSTATUS), 0, A(STALL), S(ERROR)},
	/* A.2.7 dfuMANIFEST-SYNC */
	{S(MANIFEST_SYNC), R(GETSTATUS), 6, A(MANIFEST), S(MANIFEST_SYNC)},
	{S(MANIFEST_SYNC), R(GETSTATE), 1, A(STATE), S(MANIFEST_SYNC)},
	{S(MANIFEST_SYNC), R(ABORT), 0, A(STALL), S(ERROR)},
	{S(MANIFEST_SYNC), R(DNLOAD), 16, A(STALL), S(ERROR)},
	/* A.2.8 dfuMANIFEST */
	{S(MANIFEST), R(GETSTATUS), 6, A(STATUS), S(MANIFEST)}, /* still busy: says so */
	{S(MANIFEST), R(GETSTATE), 1, A(STALL), S(ERROR)},
	/* A.2.9 dfuMANIFEST-WAIT-RESET: nothing answers */
	{S(MANIFEST_WAIT_RESET), R(GETSTATUS), 6, A(IGNORE), S(MANIFEST_WAIT_RESET)},
	{S(MANIFEST_WAIT_RESET), R(DNLOAD), 16, A(IGNORE), S(MANIFEST_WAIT_RESET)},
	/* A.2.10 dfuUPLOAD-IDLE */
	{S(UPLOAD_IDLE), R(UPLOAD), 2048, A(UPLOAD), S(UPLOAD_IDLE)},
	{S(UPLOAD_IDLE), R(ABORT), 0, A(ACK), S(IDLE)},
	{S(UPLOAD_IDLE), R(GETSTATUS), 6, A(STATUS), S(UPLOAD_IDLE)},
	{S(UPLOAD_IDLE), R(GETSTATE), 1, A(STATE), S(UPLOAD_IDLE)},
	{S(UPLOAD_IDLE), R(DNLOAD), 16, A(STALL), S(ERROR)},
	{S(UPLOAD_IDLE), R(CLRSTATUS), 0, A(STALL), S(ERROR)},
	/* A.2.11 dfuERROR */
	{S(ERROR), R(GETSTATUS), 6, A(STATUS), S(ERROR)},
	{S(ERROR), R(GETSTATE), 1, A(STATE), S(ERROR)},
	{S(ERROR), R(CLRSTATUS), 0, A(ACK), S(IDLE)},
	{S(ERROR), R(ABORT), 0, A(STALL), S(ERROR)},
	{S(ERROR), R(DNLOAD), 16, A(STALL), S(ERROR)},
	{S(ERROR), R(UPLOAD), 16, A(STALL), S(ERROR)},
};

/* Plain DFU 1.1 differences: no leave from dfuIDLE. */
static const struct row plain_table[] = {
	{S(IDLE), R(DNLOAD), 0, A(STALL), S(ERROR)},
	{S(IDLE), R(DNLOAD), 1025, A(STALL), S(ERROR)},
	{S(DNLOAD_IDLE), R(DNLOAD), 0, A(ACK), S(MANIFEST_SYNC)},
	{S(IDLE), R(UPLOAD), 1024, A(UPLOAD), S(IDLE)},
};

static void run_table(const struct dfu_fsm_config *cfg, const struct row *t, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct dfu_fsm m;
		struct dfu_step step;
		struct dfu_setup s = req(t[i].r, 2, t[i].wLength);
		enum dfu_action act;
		uint16_t succ;

		enter(&m, cfg, t[i].from);
		act = dfu_fsm_request(&m, &s, 0, &step);
		if (act != t[i].act || m.state != t[i].to)
			fail_msg("row %zu: %s in %s gave action %d state %s, expected %d %s", i,
				 dfu_request_name(t[i].r), dfu_state_name(t[i].from), act,
				 dfu_state_name(m.state), t[i].act, dfu_state_name(t[i].to));
		assert_int_equal(step.from, t[i].from);
		/* The host side must consider the device's result possible. */
		succ = dfu_fsm_successors(cfg, DFU_STATE_BIT(t[i].from), &s);
		if (act != DFU_ACT_EXECUTE && act != DFU_ACT_MANIFEST && act != DFU_ACT_UPLOAD &&
		    act != DFU_ACT_IGNORE && !(succ & DFU_STATE_BIT(m.state)))
			fail_msg("row %zu: host successors 0x%x miss %s", i, succ,
				 dfu_state_name(m.state));
		/* A stall into dfuERROR reports errSTALLEDPKT (unless already in error). */
		if (act == DFU_ACT_STALL && t[i].to == DFU_STATE_ERROR && t[i].from != DFU_STATE_ERROR)
			assert_int_equal(m.status, DFU_STATUS_ERR_STALLEDPKT);
	}
}

static void test_dfuse_transition_table_matches_dfu11_diagram(void **state)
{
	(void)state;
	run_table(&dfuse_cfg, dfuse_table, sizeof(dfuse_table) / sizeof(dfuse_table[0]));
}

static void test_plain_dfu_transition_table_differences(void **state)
{
	(void)state;
	run_table(&plain_cfg, plain_table, sizeof(plain_table) / sizeof(plain_table[0]));
}

static void test_wrong_direction_and_unknown_requests_stall(void **state)
{
	struct dfu_fsm m;
	struct dfu_step step;
	struct dfu_setup s = req(DFU_GETSTATUS, 0, 6);
	(void)state;

	s.bmRequestType = DFU_REQTYPE_OUT; /* GETSTATUS must be IN */
	enter(&m, &dfuse_cfg, DFU_STATE_IDLE);
	assert_int_equal(dfu_fsm_request(&m, &s, 0, &step), DFU_ACT_STALL);
	assert_int_equal(m.state, DFU_STATE_ERROR);

	s = req(DFU_ABORT, 0, 0);
	s.bRequest = 7;
	enter(&m, &dfuse_cfg, DFU_STATE_IDLE);
	assert_int_equal(dfu_fsm_request(&m, &s, 0, &step), DFU_ACT_STALL);
	assert_int_equal(m.status, DFU_STATUS_ERR_STALLEDPKT);
}

static void test_attributes_without_download_or_upload_stall_them(void **state)
{
	struct dfu_fsm_config cfg = plain_cfg;
	struct dfu_fsm m;
	struct dfu_step step;
	struct dfu_setup dn = req(DFU_DNLOAD, 0, 16), up = req(DFU_UPLOAD, 0, 16);
	(void)state;

	cfg.attributes = 0;
	enter(&m, &cfg, DFU_STATE_IDLE);
	assert_int_equal(dfu_fsm_request(&m, &dn, 0, &step), DFU_ACT_STALL);
	enter(&m, &cfg, DFU_STATE_IDLE);
	assert_int_equal(dfu_fsm_request(&m, &up, 0, &step), DFU_ACT_STALL);
	assert_int_equal(dfu_fsm_legal_states(&cfg, &dn), 0);
}

/* A DfuSe block: dfuDNBUSY with the modelled poll timeout, then the outcome. */
static void test_dfuse_block_reports_dnbusy_then_dnload_idle(void **state)
{
	struct dfu_fsm m;
	struct dfu_step step;
	struct dfu_status_reply r;
	struct dfu_setup dn = req(DFU_DNLOAD, 2, 2048), gs = req(DFU_GETSTATUS, 0, 6);
	(void)state;

	dfu_fsm_init(&m, &dfuse_cfg, DFU_STATE_IDLE);
	assert_int_equal(dfu_fsm_request(&m, &dn, 0, &step), DFU_ACT_STORE_BLOCK);
	assert_int_equal(dfu_fsm_request(&m, &gs, 1 * MS, &step), DFU_ACT_EXECUTE);
	assert_int_equal(step.block, 2);
	assert_int_equal(step.length, 2048);
	dfu_fsm_op_done(&m, DFU_STATUS_OK, 21 * MS, dfu_poll_ms(21 * MS), 1 * MS);
	dfu_fsm_status(&m, &r);
	assert_int_equal(r.bState, DFU_STATE_DNBUSY);
	assert_int_equal(r.bStatus, DFU_STATUS_OK);
	assert_int_equal(r.bwPollTimeout, 21);
	assert_true(dfu_fsm_busy(&m, 10 * MS));
	assert_false(dfu_fsm_busy(&m, 22 * MS));

	assert_int_equal(dfu_fsm_request(&m, &gs, 22 * MS, &step), DFU_ACT_STATUS);
	dfu_fsm_status(&m, &r);
	assert_int_equal(r.bState, DFU_STATE_DNLOAD_IDLE);
	assert_int_equal(r.bwPollTimeout, 0);
}

static void test_dfuse_instant_command_still_reports_dnbusy_first(void **state)
{
	struct dfu_fsm m;
	struct dfu_step step;
	struct dfu_status_reply r;
	struct dfu_setup dn = req(DFU_DNLOAD, 0, 5), gs = req(DFU_GETSTATUS, 0, 6);
	(void)state;

	dfu_fsm_init(&m, &dfuse_cfg, DFU_STATE_IDLE);
	dfu_fsm_request(&m, &dn, 0, &step);
	assert_int_equal(dfu_fsm_request(&m, &gs, 0, &step), DFU_ACT_EXECUTE);
	assert_int_equal(step.block, 0);
	dfu_fsm_op_done(&m, DFU_STATUS_ERR_TARGET, 0, 0, 0);
	dfu_fsm_status(&m, &r);
	assert_int_equal(r.bState, DFU_STATE_DNBUSY);
	assert_int_equal(dfu_fsm_request(&m, &gs, 0, &step), DFU_ACT_STATUS);
	dfu_fsm_status(&m, &r);
	assert_int_equal(r.bState, DFU_STATE_ERROR);
	assert_int_equal(r.bStatus, DFU_STATUS_ERR_TARGET);
}

static void test_polling_before_the_timeout_stalls_into_error(void **state)
{
	struct dfu_fsm m;
	struct dfu_step step;
	struct dfu_setup gs = req(DFU_GETSTATUS, 0, 6);
	(void)state;

	enter(&m, &dfuse_cfg, DFU_STATE_DNBUSY);
	assert_int_equal(dfu_fsm_request(&m, &gs, 5 * MS, &step), DFU_ACT_STALL);
	assert_int_equal(m.state, DFU_STATE_ERROR);
	assert_int_equal(m.status, DFU_STATUS_ERR_STALLEDPKT);
}

static void test_plain_instant_block_goes_straight_to_dnload_idle(void **state)
{
	struct dfu_fsm m;
	struct dfu_step step;
	struct dfu_status_reply r;
	struct dfu_setup dn = req(DFU_DNLOAD, 0, 64), gs = req(DFU_GETSTATUS, 0, 6);
	(void)state;

	dfu_fsm_init(&m, &plain_cfg, DFU_STATE_IDLE);
	dfu_fsm_request(&m, &dn, 0, &step);
	assert_int_equal(dfu_fsm_request(&m, &gs, 0, &step), DFU_ACT_EXECUTE);
	dfu_fsm_op_done(&m, DFU_STATUS_OK, 0, 0, 0);
	dfu_fsm_status(&m, &r);
	assert_int_equal(r.bState, DFU_STATE_DNLOAD_IDLE);

	dn.wValue = 1;
	dfu_fsm_request(&m, &dn, 0, &step);
	dfu_fsm_request(&m, &gs, 0, &step);
	dfu_fsm_op_done(&m, DFU_STATUS_ERR_WRITE, 0, 0, 0);
	dfu_fsm_status(&m, &r);
	assert_int_equal(r.bState, DFU_STATE_ERROR);
	assert_int_equal(r.bStatus, DFU_STATUS_ERR_WRITE);
}

/* ST ROM leave: zero-length DNLOAD, GETSTATUS answers dfuMANIFEST, then the
 * device waits for a reset and answers nothing. */
static void test_leave_on_non_tolerant_device_ends_in_wait_reset(void **state)
{
	struct dfu_fsm m;
	struct dfu_step step;
	struct dfu_status_reply r;
	struct dfu_setup dn = req(DFU_DNLOAD, 2, 0), gs = req(DFU_GETSTATUS, 0, 6);
	(void)state;

	dfu_fsm_init(&m, &dfuse_cfg, DFU_STATE_IDLE);
	assert_int_equal(dfu_fsm_request(&m, &dn, 0, &step), DFU_ACT_ACK);
	assert_int_equal(m.state, DFU_STATE_MANIFEST_SYNC);
	assert_int_equal(dfu_fsm_request(&m, &gs, 0, &step), DFU_ACT_MANIFEST);
	dfu_fsm_op_done(&m, DFU_STATUS_OK, 1 * MS, 1, 0);
	dfu_fsm_status(&m, &r);
	assert_int_equal(r.bState, DFU_STATE_MANIFEST);
	assert_int_equal(r.bwPollTimeout, 1);
	assert_int_equal(dfu_fsm_request(&m, &gs, 2 * MS, &step), DFU_ACT_IGNORE);
	assert_int_equal(m.state, DFU_STATE_MANIFEST_WAIT_RESET);
	assert_int_equal(dfu_fsm_usb_reset(&m, 3 * MS), DFU_RESET_RUN_APP);
	assert_int_equal(m.state, DFU_STATE_APP_IDLE);
}

/* A.2.8: a device that can answer GETSTATUS while manifesting says so and
 * how long is left, and finishes as if it had not been asked. */
static void test_getstatus_during_manifestation_reports_the_time_left(void **state)
{
	struct dfu_fsm m;
	struct dfu_step step;
	struct dfu_status_reply r;
	struct dfu_setup gs = req(DFU_GETSTATUS, 0, 6), dn0 = req(DFU_DNLOAD, 3, 0);
	(void)state;

	dfu_fsm_init(&m, &tolerant_cfg, DFU_STATE_DNLOAD_IDLE);
	dfu_fsm_request(&m, &dn0, 0, &step);
	assert_int_equal(dfu_fsm_request(&m, &gs, 0, &step), DFU_ACT_MANIFEST);
	dfu_fsm_op_done(&m, DFU_STATUS_OK, 10 * MS, 10, 0);
	assert_int_equal(dfu_fsm_request(&m, &gs, 3 * MS + 1, &step), DFU_ACT_STATUS);
	dfu_fsm_status(&m, &r);
	assert_int_equal(r.bState, DFU_STATE_MANIFEST);
	assert_int_equal(r.bStatus, DFU_STATUS_OK);
	assert_int_equal(r.bwPollTimeout, 7);
	assert_int_equal(dfu_fsm_request(&m, &gs, 10 * MS, &step), DFU_ACT_STATUS);
	dfu_fsm_status(&m, &r);
	assert_int_equal(r.bState, DFU_STATE_IDLE);
	assert_int_equal(r.bStatus, DFU_STATUS_OK);
}

static void test_tolerant_manifestation_returns_to_idle(void **state)
{
	struct dfu_fsm m;
	struct dfu_step step;
	struct dfu_status_reply r;
	struct dfu_setup gs = req(DFU_GETSTATUS, 0, 6), dn0 = req(DFU_DNLOAD, 3, 0);
	(void)state;

	dfu_fsm_init(&m, &tolerant_cfg, DFU_STATE_DNLOAD_IDLE);
	assert_int_equal(dfu_fsm_request(&m, &dn0, 0, &step), DFU_ACT_ACK);
	assert_int_equal(dfu_fsm_request(&m, &gs, 0, &step), DFU_ACT_MANIFEST);
	dfu_fsm_op_done(&m, DFU_STATUS_OK, 5 * MS, 5, 0);
	dfu_fsm_status(&m, &r);
	assert_int_equal(r.bState, DFU_STATE_MANIFEST);
	assert_int_equal(dfu_fsm_request(&m, &gs, 5 * MS, &step), DFU_ACT_STATUS);
	dfu_fsm_status(&m, &r);
	assert_int_equal(r.bState, DFU_STATE_IDLE);

	/* A failed manifestation ends in dfuERROR with its status. */
	dfu_fsm_init(&m, &tolerant_cfg, DFU_STATE_DNLOAD_IDLE);
	dfu_fsm_request(&m, &dn0, 0, &step);
	dfu_fsm_request(&m, &gs, 0, &step);
	dfu_fsm_op_done(&m, DFU_STATUS_ERR_FIRMWARE, 0, 0, 0);
	dfu_fsm_request(&m, &gs, 0, &step);
	dfu_fsm_status(&m, &r);
	assert_int_equal(r.bState, DFU_STATE_ERROR);
	assert_int_equal(r.bStatus, DFU_STATUS_ERR_FIRMWARE);
}

static void test_short_upload_frame_ends_the_upload(void **state)
{
	struct dfu_fsm m;
	struct dfu_step step;
	struct dfu_setup up = req(DFU_UPLOAD, 2, 2048);
	(void)state;

	dfu_fsm_init(&m, &dfuse_cfg, DFU_STATE_IDLE);
	assert_int_equal(dfu_fsm_request(&m, &up, 0, &step), DFU_ACT_UPLOAD);
	dfu_fsm_upload_done(&m, 2048, 2048);
	assert_int_equal(m.state, DFU_STATE_UPLOAD_IDLE);
	up.wValue = 3;
	assert_int_equal(dfu_fsm_request(&m, &up, 0, &step), DFU_ACT_UPLOAD);
	dfu_fsm_upload_done(&m, 100, 2048);
	assert_int_equal(m.state, DFU_STATE_IDLE);
	/* Outside an upload it changes nothing. */
	m.state = DFU_STATE_ERROR;
	dfu_fsm_upload_done(&m, 0, 10);
	assert_int_equal(m.state, DFU_STATE_ERROR);
}

static void test_detach_then_reset_within_timeout_enters_dfu_mode(void **state)
{
	struct dfu_fsm m;
	struct dfu_step step;
	struct dfu_setup d = req(DFU_DETACH, 1000, 0);
	(void)state;

	dfu_fsm_init(&m, &plain_cfg, DFU_STATE_APP_IDLE);
	assert_int_equal(dfu_fsm_request(&m, &d, 0, &step), DFU_ACT_DETACH);
	assert_int_equal(m.state, DFU_STATE_APP_DETACH);
	assert_int_equal(dfu_fsm_usb_reset(&m, 999 * MS), DFU_RESET_ENTER_DFU);
	assert_int_equal(m.state, DFU_STATE_IDLE);

	/* Too late: the detach window closed, the application keeps running. */
	dfu_fsm_init(&m, &plain_cfg, DFU_STATE_APP_IDLE);
	dfu_fsm_request(&m, &d, 0, &step);
	assert_int_equal(dfu_fsm_usb_reset(&m, 1000 * MS), DFU_RESET_RUN_APP);
	assert_int_equal(m.state, DFU_STATE_APP_IDLE);
}

static void test_usb_reset_in_dfu_mode_returns_to_idle(void **state)
{
	struct dfu_fsm m;
	(void)state;
	enter(&m, &dfuse_cfg, DFU_STATE_ERROR);
	assert_int_equal(dfu_fsm_usb_reset(&m, 0), DFU_RESET_STAY_DFU);
	assert_int_equal(m.state, DFU_STATE_IDLE);
	assert_int_equal(m.status, DFU_STATUS_OK);
}

/* Regression: a USB reset once re-initialised the machine from its own
 * (already cleared) configuration, so every later DNLOAD stalled. */
static void test_usb_reset_keeps_the_configuration(void **state)
{
	struct dfu_fsm m;
	struct dfu_step step;
	struct dfu_setup dn = req(DFU_DNLOAD, 2, 2048);
	(void)state;

	dfu_fsm_init(&m, &dfuse_cfg, DFU_STATE_IDLE);
	dfu_fsm_usb_reset(&m, 0);
	assert_memory_equal(&m.cfg, &dfuse_cfg, sizeof(dfuse_cfg));
	assert_int_equal(dfu_fsm_request(&m, &dn, 0, &step), DFU_ACT_STORE_BLOCK);
	dfu_fsm_init(&m, &plain_cfg, DFU_STATE_APP_IDLE);
	dfu_fsm_usb_reset(&m, 0);
	assert_memory_equal(&m.cfg, &plain_cfg, sizeof(plain_cfg));
}

static void test_fail_and_clrstatus_recover_to_idle(void **state)
{
	struct dfu_fsm m;
	struct dfu_step step;
	struct dfu_setup dn = req(DFU_DNLOAD, 0, 3), clr = req(DFU_CLRSTATUS, 0, 0);
	struct dfu_status_reply r;
	(void)state;

	dfu_fsm_init(&m, &dfuse_cfg, DFU_STATE_IDLE);
	dfu_fsm_request(&m, &dn, 0, &step);
	dfu_fsm_fail(&m, DFU_STATUS_ERR_STALLEDPKT);
	dfu_fsm_status(&m, &r);
	assert_int_equal(r.bState, DFU_STATE_ERROR);
	assert_int_equal(r.bStatus, DFU_STATUS_ERR_STALLEDPKT);
	assert_int_equal(dfu_fsm_request(&m, &clr, 0, &step), DFU_ACT_ACK);
	dfu_fsm_status(&m, &r);
	assert_int_equal(r.bState, DFU_STATE_IDLE);
	assert_int_equal(r.bStatus, DFU_STATUS_OK);
}

static void test_op_done_outside_a_block_changes_nothing(void **state)
{
	struct dfu_fsm m;
	(void)state;
	dfu_fsm_init(&m, &dfuse_cfg, DFU_STATE_IDLE);
	dfu_fsm_op_done(&m, DFU_STATUS_ERR_PROG, 0, 0x2000000, 0);
	assert_int_equal(m.state, DFU_STATE_IDLE);
	assert_int_equal(m.poll_ms, DFU_POLL_TIMEOUT_MAX);
}

static void test_poll_ms_rounds_up_and_clamps(void **state)
{
	(void)state;
	assert_int_equal(dfu_poll_ms(0), 0);
	assert_int_equal(dfu_poll_ms(1), 1);
	assert_int_equal(dfu_poll_ms(21000), 21);
	assert_int_equal(dfu_poll_ms(21001), 22);
	assert_int_equal(dfu_poll_ms(UINT64_MAX / 2), DFU_POLL_TIMEOUT_MAX);
}

static void test_app_detach_times_out_to_app_idle(void **state)
{
	struct dfu_fsm m;
	(void)state;
	enter(&m, &plain_cfg, DFU_STATE_APP_DETACH);
	dfu_fsm_advance(&m, 99 * MS);
	assert_int_equal(m.state, DFU_STATE_APP_DETACH);
	dfu_fsm_advance(&m, 100 * MS);
	assert_int_equal(m.state, DFU_STATE_APP_IDLE);
}

/* ---- host side ---- */

static void test_host_successors_of_getstatus_after_dnload(void **state)
{
	struct dfu_setup gs = req(DFU_GETSTATUS, 0, 6);
	uint16_t s;
	(void)state;

	s = dfu_fsm_successors(&dfuse_cfg, DFU_STATE_BIT(DFU_STATE_DNLOAD_SYNC), &gs);
	assert_int_equal(s, DFU_STATE_BIT(DFU_STATE_DNBUSY) | DFU_STATE_BIT(DFU_STATE_DNLOAD_IDLE) |
				    DFU_STATE_BIT(DFU_STATE_ERROR));
	/* After waiting out dfuDNBUSY the device is in dfuDNLOAD-SYNC again. */
	s = dfu_fsm_successors(&dfuse_cfg, DFU_STATE_BIT(DFU_STATE_DNBUSY), &gs);
	assert_true(s & DFU_STATE_BIT(DFU_STATE_DNLOAD_IDLE));
	/* Manifest-tolerant devices may return to dfuIDLE after manifestation. */
	s = dfu_fsm_successors(&tolerant_cfg, DFU_STATE_BIT(DFU_STATE_MANIFEST), &gs);
	assert_true(s & DFU_STATE_BIT(DFU_STATE_IDLE));
	s = dfu_fsm_successors(&dfuse_cfg, DFU_STATE_BIT(DFU_STATE_MANIFEST), &gs);
	assert_true(s & DFU_STATE_BIT(DFU_STATE_MANIFEST_WAIT_RESET));
	s = dfu_fsm_successors(&dfuse_cfg, DFU_STATE_BIT(DFU_STATE_APP_DETACH), &gs);
	assert_true(s & DFU_STATE_BIT(DFU_STATE_APP_IDLE));
}

static void test_host_flags_device_answering_idle_after_dnload(void **state)
{
	struct dfu_host_fsm h;
	struct dfu_diag d = {0};
	struct dfu_setup dn = req(DFU_DNLOAD, 2, 2048), gs = req(DFU_GETSTATUS, 0, 6);
	struct dfu_status_reply r = {.bStatus = 0, .bState = DFU_STATE_IDLE};
	(void)state;

	dfu_host_fsm_init(&h, &dfuse_cfg, DFU_STATE_BIT(DFU_STATE_IDLE));
	assert_int_equal(dfu_host_fsm_sent(&h, &dn, false, &d), DFU_OK);
	assert_int_equal(dfu_host_fsm_sent(&h, &gs, false, &d), DFU_OK);
	assert_int_equal(dfu_host_fsm_observed(&h, &r, false, &d), DFU_E_PROTOCOL);
	assert_non_null(strstr(d.msg, "dfuIDLE"));
	assert_non_null(strstr(d.msg, "dfuDNBUSY, dfuDNLOAD-IDLE or dfuERROR"));
}

static void test_host_accepts_a_well_behaved_dfuse_download(void **state)
{
	struct dfu_host_fsm h;
	struct dfu_diag d = {0};
	struct dfu_setup dn = req(DFU_DNLOAD, 2, 2048), gs = req(DFU_GETSTATUS, 0, 6);
	struct dfu_status_reply busy = {.bState = DFU_STATE_DNBUSY, .bwPollTimeout = 21};
	struct dfu_status_reply idle = {.bState = DFU_STATE_DNLOAD_IDLE};
	(void)state;

	dfu_host_fsm_init(&h, &dfuse_cfg, DFU_STATE_BIT(DFU_STATE_IDLE));
	for (int i = 0; i < 3; i++) {
		assert_int_equal(dfu_host_fsm_sent(&h, &dn, false, &d), DFU_OK);
		assert_int_equal(dfu_host_fsm_sent(&h, &gs, false, &d), DFU_OK);
		assert_int_equal(dfu_host_fsm_observed(&h, &busy, false, &d), DFU_OK);
		assert_int_equal(dfu_host_fsm_sent(&h, &gs, false, &d), DFU_OK);
		assert_int_equal(dfu_host_fsm_observed(&h, &idle, false, &d), DFU_OK);
	}
	assert_int_equal(h.possible, DFU_STATE_BIT(DFU_STATE_DNLOAD_IDLE));
}

static void test_host_refuses_to_send_an_illegal_request(void **state)
{
	struct dfu_host_fsm h;
	struct dfu_diag d = {0};
	struct dfu_setup up = req(DFU_UPLOAD, 2, 64);
	(void)state;

	dfu_host_fsm_init(&h, &dfuse_cfg, DFU_STATE_BIT(DFU_STATE_DNLOAD_IDLE));
	assert_int_equal(dfu_host_fsm_sent(&h, &up, false, &d), DFU_E_STATE);
	assert_string_equal(d.msg, "DFU_UPLOAD is not allowed in dfuDNLOAD-IDLE");
}

static void test_host_rejects_undefined_states_and_statuses(void **state)
{
	struct dfu_host_fsm h;
	struct dfu_diag d = {0};
	struct dfu_status_reply r = {.bState = 11};
	(void)state;

	dfu_host_fsm_init(&h, &dfuse_cfg, 0x7FF);
	assert_int_equal(dfu_host_fsm_observed(&h, &r, false, &d), DFU_E_PROTOCOL);
	assert_string_equal(d.msg, "device reported state 11, which DFU 1.1 does not define");
	r.bState = DFU_STATE_IDLE;
	r.bStatus = 0x10;
	assert_int_equal(dfu_host_fsm_observed(&h, &r, false, &d), DFU_E_PROTOCOL);
	/* GETSTATE carries no status byte. */
	assert_int_equal(dfu_host_fsm_observed(&h, &r, true, &d), DFU_OK);
}

static void test_host_after_a_stall_expects_error_or_unchanged(void **state)
{
	struct dfu_host_fsm h;
	struct dfu_diag d = {0};
	struct dfu_setup gs = req(DFU_GETSTATUS, 0, 6);
	(void)state;

	/* The STM32L4 erase quirk stalls GETSTATUS while busy and stays busy. */
	dfu_host_fsm_init(&h, &dfuse_cfg, DFU_STATE_BIT(DFU_STATE_DNBUSY));
	assert_int_equal(dfu_host_fsm_sent(&h, &gs, true, &d), DFU_OK);
	assert_true(h.possible & DFU_STATE_BIT(DFU_STATE_ERROR));
	assert_true(h.possible & DFU_STATE_BIT(DFU_STATE_DNBUSY));
	dfu_host_fsm_init(&h, &dfuse_cfg, DFU_STATE_BIT(DFU_STATE_APP_IDLE));
	assert_int_equal(dfu_host_fsm_sent(&h, &gs, true, &d), DFU_OK);
	assert_true(h.possible & DFU_STATE_BIT(DFU_STATE_APP_IDLE));
}

static void test_state_mask_text_lists_states_in_order(void **state)
{
	char buf[128];
	(void)state;
	assert_int_equal(dfu_state_mask_text(0, buf, sizeof(buf)), 8);
	assert_string_equal(buf, "no state");
	dfu_state_mask_text(DFU_STATE_BIT(DFU_STATE_IDLE), buf, sizeof(buf));
	assert_string_equal(buf, "dfuIDLE");
	dfu_state_mask_text(DFU_STATE_BIT(DFU_STATE_IDLE) | DFU_STATE_BIT(DFU_STATE_ERROR), buf,
			    sizeof(buf));
	assert_string_equal(buf, "dfuIDLE or dfuERROR");
	assert_int_equal(dfu_state_mask_text(0x7FF, buf, 10), DFU_E_NOSPACE);
	assert_int_equal(dfu_state_mask_text(1, buf, 0), DFU_E_NOSPACE);
}

/*
 * Property: drive a device machine with a deterministic pseudo-random
 * request stream (honouring poll timeouts), feed the same stream to a host
 * tracker, and require that the host never flags the honest device.
 */
static uint32_t lcg(uint32_t *s)
{
	*s = *s * 1664525u + 1013904223u;
	return *s >> 8;
}

static void drive_random(const struct dfu_fsm_config *cfg, uint32_t seed)
{
	struct dfu_fsm m;
	struct dfu_host_fsm h;
	struct dfu_diag d;
	uint64_t now = 0;
	static const enum dfu_request reqs[] = {DFU_DNLOAD, DFU_UPLOAD, DFU_GETSTATUS,
						DFU_CLRSTATUS, DFU_GETSTATE, DFU_ABORT};

	dfu_fsm_init(&m, cfg, DFU_STATE_IDLE);
	dfu_host_fsm_init(&h, cfg, DFU_STATE_BIT(DFU_STATE_IDLE));
	for (int i = 0; i < 2000; i++) {
		struct dfu_step step;
		struct dfu_status_reply r;
		enum dfu_request rq = reqs[lcg(&seed) % 6];
		uint16_t len = rq == DFU_GETSTATUS ? 6 : rq == DFU_GETSTATE ? 1
			     : (rq == DFU_DNLOAD || rq == DFU_UPLOAD) ? (uint16_t)(lcg(&seed) % 3 * 512) : 0;
		struct dfu_setup s = req(rq, (uint16_t)(lcg(&seed) % 4), len);
		enum dfu_action a;

		if (m.state == DFU_STATE_MANIFEST_WAIT_RESET) {
			dfu_fsm_usb_reset(&m, now);
			dfu_fsm_init(&m, cfg, DFU_STATE_IDLE);
			dfu_host_fsm_init(&h, cfg, DFU_STATE_BIT(DFU_STATE_IDLE));
		}
		if (dfu_fsm_busy(&m, now))
			now = m.busy_until_us; /* an honest host waits bwPollTimeout */
		a = dfu_fsm_request(&m, &s, now, &step);
		if (a == DFU_ACT_EXECUTE || a == DFU_ACT_MANIFEST)
			dfu_fsm_op_done(&m, lcg(&seed) % 4 ? DFU_STATUS_OK : DFU_STATUS_ERR_PROG,
					lcg(&seed) % 3 * MS, 0, now);
		if (a == DFU_ACT_UPLOAD)
			dfu_fsm_upload_done(&m, lcg(&seed) % 2 ? len : len / 2, len);
		dfu_host_fsm_sent(&h, &s, a == DFU_ACT_STALL, &d);
		if (a == DFU_ACT_IGNORE)
			continue;
		if (rq == DFU_GETSTATUS && a != DFU_ACT_STALL) {
			dfu_fsm_status(&m, &r);
			if (dfu_host_fsm_observed(&h, &r, false, &d) != DFU_OK)
				fail_msg("seed step %d: %s", i, d.msg);
		}
		if (rq == DFU_GETSTATE && a != DFU_ACT_STALL) {
			r.bState = (uint8_t)dfu_fsm_state(&m);
			if (dfu_host_fsm_observed(&h, &r, true, &d) != DFU_OK)
				fail_msg("seed step %d: %s", i, d.msg);
		}
		now += 100;
	}
}

static void test_host_never_flags_an_honest_device(void **state)
{
	(void)state;
	for (uint32_t seed = 1; seed <= 20; seed++) {
		drive_random(&dfuse_cfg, seed);
		drive_random(&plain_cfg, seed);
		drive_random(&tolerant_cfg, seed);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dfuse_transition_table_matches_dfu11_diagram),
		cmocka_unit_test(test_plain_dfu_transition_table_differences),
		cmocka_unit_test(test_wrong_direction_and_unknown_requests_stall),
		cmocka_unit_test(test_attributes_without_download_or_upload_stall_them),
		cmocka_unit_test(test_dfuse_block_reports_dnbusy_then_dnload_idle),
		cmocka_unit_test(test_dfuse_instant_command_still_reports_dnbusy_first),
		cmocka_unit_test(test_polling_before_the_timeout_stalls_into_error),
		cmocka_unit_test(test_plain_instant_block_goes_straight_to_dnload_idle),
		cmocka_unit_test(test_leave_on_non_tolerant_device_ends_in_wait_reset),
		cmocka_unit_test(test_getstatus_during_manifestation_reports_the_time_left),
		cmocka_unit_test(test_tolerant_manifestation_returns_to_idle),
		cmocka_unit_test(test_short_upload_frame_ends_the_upload),
		cmocka_unit_test(test_detach_then_reset_within_timeout_enters_dfu_mode),
		cmocka_unit_test(test_usb_reset_in_dfu_mode_returns_to_idle),
		cmocka_unit_test(test_usb_reset_keeps_the_configuration),
		cmocka_unit_test(test_fail_and_clrstatus_recover_to_idle),
		cmocka_unit_test(test_op_done_outside_a_block_changes_nothing),
		cmocka_unit_test(test_poll_ms_rounds_up_and_clamps),
		cmocka_unit_test(test_app_detach_times_out_to_app_idle),
		cmocka_unit_test(test_host_successors_of_getstatus_after_dnload),
		cmocka_unit_test(test_host_flags_device_answering_idle_after_dnload),
		cmocka_unit_test(test_host_accepts_a_well_behaved_dfuse_download),
		cmocka_unit_test(test_host_refuses_to_send_an_illegal_request),
		cmocka_unit_test(test_host_rejects_undefined_states_and_statuses),
		cmocka_unit_test(test_host_after_a_stall_expects_error_or_unchanged),
		cmocka_unit_test(test_state_mask_text_lists_states_in_order),
		cmocka_unit_test(test_host_never_flags_an_honest_device),
	};
	return cmocka_run_group_tests_name("dfu_fsm", tests, NULL, NULL);
}
