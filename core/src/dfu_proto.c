/*
 * dfu_proto.c - DFU 1.1 names and the three small wire formats: the setup
 * packet (USB 2.0 §9.3), the DFU_GETSTATUS reply (DFU 1.1 §6.1.2) and the
 * DFU functional descriptor (DFU 1.1 §4.1.3). Every field goes through the
 * bytes.h helpers; every decode checks the length before it reads.
 */
#include "dfu/dfu_proto.h"

#include "dfu/bytes.h"
#include "dfu/error.h"

/* Indexed by enum dfu_request (DFU 1.1 Table 3.2). */
static const char *const request_names[DFU_REQUEST_COUNT] = {
	"DFU_DETACH", "DFU_DNLOAD", "DFU_UPLOAD", "DFU_GETSTATUS",
	"DFU_CLRSTATUS", "DFU_GETSTATE", "DFU_ABORT",
};

/* Indexed by enum dfu_state; spelled as DFU 1.1 Table 6.2 spells them. */
static const char *const state_names[DFU_STATE_COUNT] = {
	"appIDLE",
	"appDETACH",
	"dfuIDLE",
	"dfuDNLOAD-SYNC",
	"dfuDNBUSY",
	"dfuDNLOAD-IDLE",
	"dfuMANIFEST-SYNC",
	"dfuMANIFEST",
	"dfuMANIFEST-WAIT-RESET",
	"dfuUPLOAD-IDLE",
	"dfuERROR",
};

/* Indexed by enum dfu_status (DFU 1.1 Table 6.1). */
static const char *const status_names[DFU_STATUS_COUNT] = {
	"OK", "errTARGET", "errFILE", "errWRITE",
	"errERASE", "errCHECK_ERASED", "errPROG", "errVERIFY",
	"errADDRESS", "errNOTDONE", "errFIRMWARE", "errVENDOR",
	"errUSBR", "errPOR", "errUNKNOWN", "errSTALLEDPKT",
};

/* Our own wording of what each status means, for the line a user reads
 * after "device reported errXXX: ". */
static const char *const status_texts[DFU_STATUS_COUNT] = {
	"no error",
	"the file is not meant for this device",
	"the file is meant for this device but failed its vendor-specific check",
	"the device cannot write to its memory",
	"erasing memory failed",
	"memory did not read back as erased",
	"programming memory failed",
	"programmed memory did not read back as written",
	"address out of range",
	"a zero-length download came before the device had all of the firmware",
	"the firmware on the device is corrupt; it cannot return to run-time mode",
	"vendor-specific error (the device's status string says more)",
	"the device saw an unexpected USB reset",
	"the device saw an unexpected power-on reset",
	"the device failed for a reason it cannot tell",
	"the device stalled a request it did not expect",
};

const char *dfu_request_name(unsigned req)
{
	return req < DFU_REQUEST_COUNT ? request_names[req] : "unknown request";
}

const char *dfu_state_name(unsigned state)
{
	return state < DFU_STATE_COUNT ? state_names[state] : "unknown state";
}

const char *dfu_status_name(unsigned status)
{
	return status < DFU_STATUS_COUNT ? status_names[status] : "unknown status";
}

const char *dfu_status_text(unsigned status)
{
	return status < DFU_STATUS_COUNT ? status_texts[status]
					 : "a status code DFU 1.1 does not define";
}

void dfu_setup_encode(const struct dfu_setup *s, uint8_t out[DFU_SETUP_SIZE])
{
	out[0] = s->bmRequestType;
	out[1] = s->bRequest;
	dfu_put_le16(out + 2, s->wValue);
	dfu_put_le16(out + 4, s->wIndex);
	dfu_put_le16(out + 6, s->wLength);
}

int dfu_setup_decode(const uint8_t *in, size_t len, struct dfu_setup *s)
{
	if (len < DFU_SETUP_SIZE)
		return DFU_E_TRUNCATED;
	s->bmRequestType = in[0];
	s->bRequest = in[1];
	s->wValue = dfu_get_le16(in + 2);
	s->wIndex = dfu_get_le16(in + 4);
	s->wLength = dfu_get_le16(in + 6);
	return DFU_OK;
}

struct dfu_setup dfu_setup_make(enum dfu_request req, uint16_t wValue, uint16_t intf,
				uint16_t wLength)
{
	struct dfu_setup s = {
		.bRequest = (uint8_t)req,
		.wValue = wValue,
		.wIndex = intf,
		.wLength = wLength,
	};

	/* DFU 1.1 Table 3.2: only these three carry data to the host. */
	switch (req) {
	case DFU_UPLOAD:
	case DFU_GETSTATUS:
	case DFU_GETSTATE:
		s.bmRequestType = DFU_REQTYPE_IN;
		break;
	default:
		s.bmRequestType = DFU_REQTYPE_OUT;
		break;
	}
	return s;
}

int dfu_status_encode(const struct dfu_status_reply *r, uint8_t out[DFU_STATUS_SIZE])
{
	if (r->bwPollTimeout > DFU_POLL_TIMEOUT_MAX)
		return DFU_E_RANGE;
	out[0] = r->bStatus;
	dfu_put_le24(out + 1, r->bwPollTimeout);
	out[4] = r->bState;
	out[5] = r->iString;
	return DFU_OK;
}

int dfu_status_decode(const uint8_t *in, size_t len, struct dfu_status_reply *r)
{
	if (len < DFU_STATUS_SIZE)
		return DFU_E_TRUNCATED;
	r->bStatus = in[0];
	r->bwPollTimeout = dfu_get_le24(in + 1);
	r->bState = in[4];
	r->iString = in[5];
	return DFU_OK;
}

int dfu_func_desc_encode(const struct dfu_func_desc *d, uint8_t *out, size_t cap)
{
	if (cap < DFU_FUNC_DESC_SIZE)
		return DFU_E_NOSPACE;
	out[0] = DFU_FUNC_DESC_SIZE;
	out[1] = DFU_FUNC_DESC_TYPE;
	out[2] = d->bmAttributes;
	dfu_put_le16(out + 3, d->wDetachTimeOut);
	dfu_put_le16(out + 5, d->wTransferSize);
	dfu_put_le16(out + 7, d->bcdDFUVersion);
	return DFU_FUNC_DESC_SIZE;
}

int dfu_func_desc_decode(const uint8_t *in, size_t len, struct dfu_func_desc *d)
{
	uint8_t blen;

	if (len < 2)
		return DFU_E_TRUNCATED;
	blen = in[0];
	if (in[1] != DFU_FUNC_DESC_TYPE)
		return DFU_E_FORMAT;
	/* 7 bytes is the DFU 1.0 form; 8 would cut bcdDFUVersion in half. */
	if (blen < DFU_FUNC_DESC_SIZE_DFU10 || blen == DFU_FUNC_DESC_SIZE - 1)
		return DFU_E_FORMAT;
	if (len < blen)
		return DFU_E_TRUNCATED;
	d->bmAttributes = in[2];
	d->wDetachTimeOut = dfu_get_le16(in + 3);
	d->wTransferSize = dfu_get_le16(in + 5);
	d->bcdDFUVersion = blen >= DFU_FUNC_DESC_SIZE ? dfu_get_le16(in + 7) : DFU_BCD_DFU11;
	return DFU_OK;
}
