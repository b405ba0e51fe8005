/*
 * sim_host.c - a small "dfu-util style" host for the emulator's tests: raw
 * control transfers to a struct sim_board, checked by core's host state
 * machine, in the request sequences dfu-util 0.11 sends. See sim_host.h.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "image_builder.h"
#include "sim_host.h"

struct sim_board *board_new(const struct sim_board_config *cfg)
{
	struct sim_board *b = calloc(1, sizeof(*b));

	assert_non_null(b);
	assert_int_equal(sim_board_init(b, cfg), DFU_OK);
	return b;
}

void board_delete(struct sim_board *b)
{
	sim_board_free(b);
	free(b);
}

const char *board_text(const struct sim_board *b)
{
	static char buf[256];

	return sim_board_running_text(b, buf, sizeof(buf));
}

void assert_logged(const struct sim_board *b, const char *needle)
{
	if (!sim_log_find(&b->log, needle)) {
		size_t n = sim_log_count(&b->log);
		fail_msg("log has no line containing \"%s\"; last: \"%s\"", needle,
			 n ? sim_log_at(&b->log, n - 1)->text : "(empty)");
	}
}

void host_attach(struct host *h, struct sim_board *b, uint64_t now)
{
	memset(h, 0, sizeof(*h));
	h->b = b;
	h->now = now;
	h->gen = b->bus_generation;
	h->cfg.attributes = 0x0B;
	h->cfg.dfuse = true;
	h->cfg.transfer_size = b->cfg.profile->transfer_size;
	h->cfg.detach_timeout_ms = 255;
	h->xfer = h->cfg.transfer_size;
	dfu_host_fsm_init(&h->fsm, &h->cfg, DFU_MODE_STATES);
}

void host_wait_ms(struct host *h, uint32_t ms)
{
	h->now += (uint64_t)ms * 1000u;
}

/* One control transfer. A board that re-enumerated since this handle was
 * opened is a different device: no answer, as a USB/IP port closes. */
enum usb_xfer_result host_xfer(struct host *h, uint8_t type, uint8_t req, uint16_t wValue,
			       uint16_t wIndex, uint16_t wLength, const void *out, void *in,
			       size_t *actual)
{
	struct usb_ctrl_xfer x;
	enum usb_xfer_result r;

	memset(&x, 0, sizeof(x));
	x.setup.bmRequestType = type;
	x.setup.bRequest = req;
	x.setup.wValue = wValue;
	x.setup.wIndex = wIndex;
	x.setup.wLength = wLength;
	x.out = out;
	x.out_len = (type & 0x80) ? 0 : wLength;
	x.in = in;
	x.in_cap = (type & 0x80) ? wLength : 0;
	x.now_us = h->now;
	if (h->b->bus_generation != h->gen) {
		h->gone = true;
		return USB_XFER_NO_ANSWER;
	}
	r = sim_board_control(h->b, &x);
	if (r == USB_XFER_NO_ANSWER)
		h->gone = true;
	if (actual)
		*actual = x.actual;
	return r;
}

enum usb_xfer_result host_get_descriptor(struct host *h, uint8_t type, uint8_t index,
					 uint16_t langid, uint16_t wLength, uint8_t *buf, size_t *n)
{
	return host_xfer(h, 0x80, USB_REQ_GET_DESCRIPTOR, (uint16_t)(type << 8 | index), langid,
			 wLength, NULL, buf, n);
}

void host_string(struct host *h, uint8_t index, char *out, size_t cap)
{
	uint8_t buf[255];
	size_t n = 0;

	assert_int_equal(host_get_descriptor(h, USB_DT_STRING, index, USB_LANGID_EN_US, 255, buf,
					     &n),
			 USB_XFER_OK);
	assert_true(usb_string_desc_decode(buf, n, out, cap) >= 0);
}

/* What Linux does on attach ([usbip-vhci]), then SET_CONFIGURATION(1). */
void host_enumerate(struct host *h)
{
	uint8_t buf[USB_DEVICE_CONFIG_MAX];
	struct usb_config_desc cd;
	size_t n = 0;

	h->gen = h->b->bus_generation;
	h->gone = false;
	assert_int_equal(host_get_descriptor(h, USB_DT_DEVICE, 0, 0, 64, buf, &n), USB_XFER_OK);
	assert_int_equal(n, USB_DT_DEVICE_SIZE);
	assert_int_equal(usb_device_desc_decode(buf, n, &h->dev), DFU_OK);
	assert_int_equal(host_get_descriptor(h, USB_DT_CONFIG, 0, 0, 9, buf, &n), USB_XFER_OK);
	assert_int_equal(n, USB_DT_CONFIG_SIZE);
	assert_int_equal(usb_config_desc_decode(buf, n, &cd), DFU_OK);
	assert_int_equal(host_get_descriptor(h, USB_DT_CONFIG, 0, 0, cd.wTotalLength, h->config,
					     &h->config_len),
			 USB_XFER_OK);
	assert_int_equal(h->config_len, cd.wTotalLength);
	assert_int_equal(host_get_descriptor(h, USB_DT_STRING, 0, 0, 255, buf, &n), USB_XFER_OK);
	assert_int_equal(host_xfer(h, 0x00, USB_REQ_SET_CONFIGURATION, 1, 0, 0, NULL, NULL, NULL),
			 USB_XFER_OK);
	dfu_host_fsm_init(&h->fsm, &h->cfg, DFU_MODE_STATES);
}

/* A DFU class request, tracked by the host state machine. */
enum usb_xfer_result host_dfu(struct host *h, enum dfu_request req, uint16_t wValue,
			      const void *out, uint16_t len, void *in, size_t *actual)
{
	struct dfu_setup s = dfu_setup_make(req, wValue, h->intf, len);
	struct dfu_diag diag;
	enum usb_xfer_result r;
	size_t n = 0;

	r = host_xfer(h, s.bmRequestType, s.bRequest, s.wValue, s.wIndex, s.wLength, out, in, &n);
	if (actual)
		*actual = n;
	if (r == USB_XFER_NO_ANSWER)
		return r;
	h->host_violation = dfu_host_fsm_sent(&h->fsm, &s, r == USB_XFER_STALL, &diag);
	if (r == USB_XFER_OK && (req == DFU_GETSTATUS || req == DFU_GETSTATE)) {
		struct dfu_status_reply st = { 0 };
		int rc;

		if (req == DFU_GETSTATUS) {
			assert_int_equal(n, DFU_STATUS_SIZE);
			assert_int_equal(dfu_status_decode(in, n, &st), DFU_OK);
		} else {
			assert_int_equal(n, 1);
			st.bState = ((uint8_t *)in)[0];
		}
		rc = dfu_host_fsm_observed(&h->fsm, &st, req == DFU_GETSTATE, &diag);
		if (rc != DFU_OK)
			fail_msg("device broke the DFU protocol: %s", diag.msg);
		if (req == DFU_GETSTATUS)
			h->st = st;
	}
	return r;
}

enum usb_xfer_result host_status(struct host *h)
{
	uint8_t buf[DFU_STATUS_SIZE];

	return host_dfu(h, DFU_GETSTATUS, 0, NULL, DFU_STATUS_SIZE, buf, NULL);
}

int host_state(struct host *h)
{
	uint8_t one = 0xFF;

	if (host_dfu(h, DFU_GETSTATE, 0, NULL, 1, &one, NULL) != USB_XFER_OK)
		return -1;
	return one;
}

/* dfu-util's prologue: SET_INTERFACE, GETSTATUS, and CLRSTATUS or ABORT
 * when the alt setting is not idle. */
void host_open(struct host *h, uint8_t alt)
{
	assert_int_equal(host_xfer(h, 0x01, USB_REQ_SET_INTERFACE, alt, h->intf, 0, NULL, NULL,
				   NULL),
			 USB_XFER_OK);
	assert_int_equal(host_status(h), USB_XFER_OK);
	host_wait_ms(h, h->st.bwPollTimeout);
	if (h->st.bState == DFU_STATE_ERROR) {
		assert_int_equal(host_dfu(h, DFU_CLRSTATUS, 0, NULL, 0, NULL, NULL), USB_XFER_OK);
		assert_int_equal(host_status(h), USB_XFER_OK);
	} else if (h->st.bState == DFU_STATE_DNLOAD_IDLE || h->st.bState == DFU_STATE_UPLOAD_IDLE) {
		assert_int_equal(host_dfu(h, DFU_ABORT, 0, NULL, 0, NULL, NULL), USB_XFER_OK);
		assert_int_equal(host_status(h), USB_XFER_OK);
	}
	assert_int_equal(h->st.bState, DFU_STATE_IDLE);
	assert_int_equal(h->st.bStatus, DFU_STATUS_OK);
	assert_int_equal(h->host_violation, DFU_OK);
}

/*
 * dfu-util's GETSTATUS loop after a block or command: poll, sleep
 * bwPollTimeout, until not dfuDNBUSY. A stall is tolerated three times
 * once a non-zero poll timeout was seen (the dfu-util 0.10 L4 workaround).
 * With `busy_is_final` (will-reset, after a data block) dfuDNBUSY ends it.
 * Returns the final bStatus, or HOST_*.
 */
int host_poll(struct host *h, bool first_must_be_busy, bool busy_is_final)
{
	uint32_t poll = 0;
	bool first = true;

	h->stalls = 0;
	for (;;) {
		enum usb_xfer_result r = host_status(h);

		if (r == USB_XFER_NO_ANSWER)
			return HOST_GONE;
		if (r == USB_XFER_STALL) {
			if (poll == 0 || h->stalls >= 3)
				return HOST_STALLED;
			h->stalls++;
		} else {
			if (first && first_must_be_busy && h->st.bState != DFU_STATE_DNBUSY)
				return HOST_WRONG_STATE;
			poll = h->st.bwPollTimeout;
			if (h->st.bState != DFU_STATE_DNBUSY || busy_is_final)
				return h->st.bStatus;
		}
		first = false;
		host_wait_ms(h, poll);
	}
}

int host_special(struct host *h, enum dfuse_cmd_kind kind, uint32_t address)
{
	struct dfuse_cmd c = { kind, address };
	uint8_t buf[DFUSE_CMD_MAX_SIZE];
	int n = dfuse_cmd_encode(&c, buf, sizeof(buf));
	enum usb_xfer_result r;

	assert_true(n > 0);
	r = host_dfu(h, DFU_DNLOAD, 0, buf, (uint16_t)n, NULL, NULL);
	if (r == USB_XFER_NO_ANSWER)
		return HOST_GONE;
	if (r == USB_XFER_STALL)
		return HOST_STALLED;
	if (kind == DFUSE_READ_UNPROTECT) {
		/* dfu-util returns after the first poll: the device resets. */
		r = host_status(h);
		if (r == USB_XFER_NO_ANSWER)
			return HOST_GONE;
		return r == USB_XFER_OK && h->st.bState == DFU_STATE_DNBUSY ? 0 : HOST_WRONG_STATE;
	}
	return host_poll(h, true, false);
}

int host_abort_to_idle(struct host *h)
{
	if (host_dfu(h, DFU_ABORT, 0, NULL, 0, NULL, NULL) != USB_XFER_OK)
		return HOST_STALLED;
	if (host_status(h) != USB_XFER_OK)
		return HOST_GONE;
	return h->st.bState == DFU_STATE_IDLE ? 0 : HOST_WRONG_STATE;
}

/* One chunk, as dfuse_dnload_element does: SET_ADDRESS, DNLOAD block 2. */
int host_write_chunk(struct host *h, uint32_t address, const uint8_t *data, uint16_t len)
{
	enum usb_xfer_result r;
	int rc = host_special(h, DFUSE_SET_ADDRESS, address);

	if (rc != 0)
		return rc;
	r = host_dfu(h, DFU_DNLOAD, 2, data, len, NULL, NULL);
	if (r == USB_XFER_NO_ANSWER)
		return HOST_GONE;
	if (r == USB_XFER_STALL)
		return HOST_STALLED;
	return host_poll(h, false, h->will_reset);
}

/* -s address[:mass-erase:force] -D: the write pass, then abort to idle. */
int host_download(struct host *h, uint32_t address, const uint8_t *data, size_t len,
		  bool mass_erase)
{
	size_t off;
	int rc;

	if (mass_erase) {
		rc = host_special(h, DFUSE_MASS_ERASE, 0);
		if (rc != 0)
			return rc;
	}
	for (off = 0; off < len; off += h->xfer) {
		size_t n = len - off < h->xfer ? len - off : h->xfer;

		rc = host_write_chunk(h, address + (uint32_t)off, data + off, (uint16_t)n);
		if (rc != 0)
			return rc;
	}
	if (h->will_reset)
		return 0;
	return host_abort_to_idle(h);
}

/* :leave: SET_ADDRESS, zero-length DNLOAD block 2, GETSTATUS (dfuMANIFEST). */
int host_leave(struct host *h, uint32_t address)
{
	enum usb_xfer_result r;
	int rc = host_special(h, DFUSE_SET_ADDRESS, address);

	if (rc != 0)
		return rc;
	r = host_dfu(h, DFU_DNLOAD, 2, NULL, 0, NULL, NULL);
	if (r != USB_XFER_OK)
		return r == USB_XFER_STALL ? HOST_STALLED : HOST_GONE;
	r = host_status(h);
	if (r == USB_XFER_NO_ANSWER)
		return HOST_GONE;
	if (r == USB_XFER_STALL)
		return HOST_STALLED;
	return h->st.bState == DFU_STATE_MANIFEST ? 0 : HOST_WRONG_STATE;
}

/* -U with -s address:len: SET_ADDRESS, abort, UPLOAD blocks 2, 3, ... */
int host_upload(struct host *h, uint32_t address, uint8_t *out, size_t len, size_t *got)
{
	size_t total = 0;
	uint16_t block = 2;
	int rc = host_special(h, DFUSE_SET_ADDRESS, address);

	*got = 0;
	if (rc != 0)
		return rc;
	rc = host_abort_to_idle(h);
	if (rc != 0)
		return rc;
	while (total < len) {
		uint16_t want = (uint16_t)(len - total < h->xfer ? len - total : h->xfer);
		size_t n = 0;
		enum usb_xfer_result r = host_dfu(h, DFU_UPLOAD, block++, NULL, want, out + total, &n);

		if (r != USB_XFER_OK)
			return r == USB_XFER_STALL ? HOST_STALLED : HOST_GONE;
		total += n;
		if (n < want)
			break;
	}
	*got = total;
	return host_abort_to_idle(h);
}

/* -R after the operation: DETACH (a stall only warns), then a USB reset. */
enum usb_xfer_result host_detach_and_reset(struct host *h)
{
	enum usb_xfer_result r = host_dfu(h, DFU_DETACH, 1000, NULL, 0, NULL, NULL);

	if (h->b->bus_generation == h->gen)
		sim_board_bus_reset(h->b, h->now);
	return r;
}

/* A 2 KiB-aligned application image: SP at the top of SRAM1 (0x20008000 on
 * the L412), reset vector 0x08000101 (Thumb), then a pattern. */
void app_image(const struct l4_profile *p, uint8_t *img, size_t n, uint8_t seed)
{
	/* 0x100 | seed: image_build() needs a non-zero seed. */
	image_build(img, n, 0x100u | seed);
	image_set_vectors(img, n, p->sram1_base + p->sram1_size, p->flash_base + 0x101);
}

/* The seed command, whole: dfu-util -a 0 -s 0x08000000:mass-erase:force:leave -D. */
int host_dfu_util_flash(struct host *h, const uint8_t *img, size_t len)
{
	int rc;

	host_enumerate(h);
	host_open(h, 0);
	rc = host_download(h, h->b->cfg.profile->flash_base, img, len, true);
	if (rc != 0)
		return rc;
	return host_leave(h, h->b->cfg.profile->flash_base);
}
