/* error.c - dfu_strerror and parse diagnostics. */
#include <stdarg.h>
#include <stdio.h>

#include "dfu/error.h"

const char *dfu_strerror(int err)
{
	switch ((enum dfu_err)err) {
	case DFU_OK: return "success";
	case DFU_E_INVAL: return "invalid argument";
	case DFU_E_TRUNCATED: return "input is truncated";
	case DFU_E_NOSPACE: return "output buffer too small";
	case DFU_E_FORMAT: return "malformed input";
	case DFU_E_CRC: return "checksum mismatch";
	case DFU_E_SIZE: return "sizes disagree";
	case DFU_E_RANGE: return "address out of range";
	case DFU_E_STATE: return "request not allowed in this DFU state";
	case DFU_E_PROTOCOL: return "protocol violation by the peer";
	case DFU_E_STALL: return "device stalled the request";
	case DFU_E_TIMEOUT: return "timed out";
	case DFU_E_NODEV: return "device disconnected";
	case DFU_E_IO: return "input/output error";
	case DFU_E_NOMEM: return "out of memory";
	case DFU_E_BUSY: return "resource busy";
	case DFU_E_UNSUPPORTED: return "not supported";
	case DFU_E_NOTFOUND: return "not found";
	case DFU_E_AMBIGUOUS: return "more than one match";
	case DFU_E_USAGE: return "invalid usage";
	case DFU_E_DEVICE: return "device reported an error";
	case DFU_E_VERIFY: return "verification failed";
	case DFU_E_PROTECTED: return "refused by memory protection";
	case DFU_E_OVERFLOW: return "value overflows its range";
	}
	return "unknown error";
}

int dfu_diag_set(struct dfu_diag *d, int err, size_t offset, const char *fmt, ...)
{
	if (d) {
		va_list ap;
		d->offset = offset;
		va_start(ap, fmt);
		vsnprintf(d->msg, sizeof(d->msg), fmt, ap);
		va_end(ap);
	}
	return err;
}
