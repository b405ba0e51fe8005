/*
 * error.h - the one error vocabulary of dfulab.
 *
 * Every function in core/, host/ and sim/ that can fail returns 0 (or a
 * non-negative count) on success and a negative enum dfu_err on failure.
 * Parsers that can say more about *where* input went wrong also fill a
 * struct dfu_diag, so a user-facing message can name the byte, the field and
 * the value. This header never allocates and never prints.
 */
#ifndef DFU_ERROR_H
#define DFU_ERROR_H

#include <stddef.h>

enum dfu_err {
	DFU_OK = 0,
	DFU_E_INVAL = -1,	/* an argument is out of its documented range */
	DFU_E_TRUNCATED = -2,	/* input ends before its format says it should */
	DFU_E_NOSPACE = -3,	/* the output buffer is too small */
	DFU_E_FORMAT = -4,	/* a field holds a value its format forbids */
	DFU_E_CRC = -5,		/* a checksum does not match the data */
	DFU_E_SIZE = -6,	/* two size fields, or a size and the data, disagree */
	DFU_E_RANGE = -7,	/* an address or element lies outside its container */
	DFU_E_STATE = -8,	/* the request is not allowed in the current DFU state */
	DFU_E_PROTOCOL = -9,	/* the peer broke the DFU/USB protocol */
	DFU_E_STALL = -10,	/* the device stalled the control pipe */
	DFU_E_TIMEOUT = -11,	/* no answer in the allowed time */
	DFU_E_NODEV = -12,	/* the device is gone (unplugged, reset, left) */
	DFU_E_IO = -13,		/* transport or file I/O failed */
	DFU_E_NOMEM = -14,	/* an allocation outside the core failed */
	DFU_E_BUSY = -15,	/* the resource is in use (device already imported) */
	DFU_E_UNSUPPORTED = -16, /* valid, but not supported by this device or build */
	DFU_E_NOTFOUND = -17,	/* nothing matched */
	DFU_E_AMBIGUOUS = -18,	/* more than one thing matched */
	DFU_E_USAGE = -19,	/* bad command line */
	DFU_E_DEVICE = -20,	/* the device reported an error status */
	DFU_E_VERIFY = -21,	/* read-back differs from what was written */
	DFU_E_PROTECTED = -22,	/* refused by read or write protection */
	DFU_E_OVERFLOW = -23,	/* a count or address would wrap */
};

/* A short sentence for any dfu_err value; never NULL, also for unknown codes. */
const char *dfu_strerror(int err);

/*
 * Where and why a parse failed. `offset` is the byte offset in the input the
 * problem was found at; `msg` is a complete sentence fragment such as
 * "unexpected character 'x' (0x78) at offset 17, expected a decimal count".
 */
struct dfu_diag {
	size_t offset;
	char msg[160];
};

/* Fill `d` (if not NULL) with printf-style text and return `err`. */
int dfu_diag_set(struct dfu_diag *d, int err, size_t offset, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif
