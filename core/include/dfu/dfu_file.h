/*
 * dfu_file.h - firmware files: the DFU suffix, DfuSe .dfu images, prefixes.
 *
 * A .dfu file is firmware followed by a 16-byte DFU suffix (DFU 1.1 App. B)
 * whose CRC covers everything before its last 4 bytes. A DfuSe file's
 * firmware is itself structured: an 11-byte "DfuSe" prefix, then targets (one
 * per alt setting), each a 274-byte "Target" prefix and its elements
 * (address, size, data). Some vendors put a TI Stellaris or NXP LPC prefix in
 * front of plain firmware instead. This module parses all of that from a
 * caller-owned buffer without copying (parsed views point into the buffer)
 * and builds files into caller-owned buffers. Every length is checked before
 * it is used: no input, however hostile, makes it read outside the buffer.
 */
#ifndef DFU_FILE_H
#define DFU_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dfu/error.h"

/* ---- CRC ---- */

/*
 * The DFU suffix CRC: reflected CRC-32 (poly 0xEDB88320), initial value
 * 0xFFFFFFFF, no final XOR. Chain calls by passing the previous result;
 * start with DFU_CRC_INIT. Equals zlib's crc32(data) ^ 0xFFFFFFFF.
 */
#define DFU_CRC_INIT 0xFFFFFFFFu
uint32_t dfu_crc32(uint32_t crc, const uint8_t *data, size_t len);

/* ---- suffix ---- */

#define DFU_SUFFIX_SIZE 16
#define DFU_ID_ANY 0xFFFF /* wildcard in idVendor/idProduct/bcdDevice */

struct dfu_suffix {
	uint16_t bcdDevice;
	uint16_t idProduct;
	uint16_t idVendor;
	uint16_t bcdDFU;	/* 0x0100 plain DFU, 0x011A DfuSe */
	uint8_t bLength;	/* 16, or more for a longer vendor suffix */
	uint32_t dwCRC;
};

/*
 * Look for a suffix at the end of `len` bytes. Checks in dfu-util's order:
 * signature ("UFD"), then CRC, then bLength >= 16 and <= len.
 * Returns 0 with *s filled; DFU_E_NOTFOUND when there is no signature (a raw
 * image); DFU_E_TRUNCATED for fewer than 16 bytes; DFU_E_CRC and
 * DFU_E_FORMAT/DFU_E_SIZE with `diag` saying which value is wrong.
 */
int dfu_suffix_parse(const uint8_t *buf, size_t len, struct dfu_suffix *s,
		     struct dfu_diag *diag);

/* Append a 16-byte suffix to the `len` bytes in `buf` (capacity `cap`),
 * computing the CRC; s->bLength and s->dwCRC are ignored and set.
 * Returns the new length or DFU_E_NOSPACE. */
int dfu_suffix_append(uint8_t *buf, size_t len, size_t cap, struct dfu_suffix *s);

/* ---- prefixes in front of plain firmware ---- */

enum dfu_prefix_kind {
	DFU_PREFIX_NONE = 0,
	DFU_PREFIX_DFUSE,	/* "DfuSe" v1: see dfuse_file_parse */
	DFU_PREFIX_STELLARIS,	/* TI Stellaris, 8 bytes */
	DFU_PREFIX_LPC,		/* NXP LPC unencrypted, 16 bytes */
};

struct dfu_prefix_info {
	enum dfu_prefix_kind kind;
	size_t size;		/* prefix bytes, 0 for NONE and DFUSE */
	uint32_t address;	/* Stellaris: flash address (address/1024 on the wire) */
	uint32_t payload_len;	/* Stellaris: bytes; LPC: 512-byte blocks * 512 */
};

/* Classify the firmware part (suffix already removed). Never fails: input
 * that matches no prefix exactly is DFU_PREFIX_NONE. */
void dfu_prefix_probe(const uint8_t *fw, size_t len, struct dfu_prefix_info *p);
const char *dfu_prefix_name(enum dfu_prefix_kind kind);

/* Build the 8-byte Stellaris prefix (address must be a multiple of 1024). */
int dfu_prefix_stellaris_encode(uint32_t address, uint32_t payload_len, uint8_t *out, size_t cap);

/* ---- the whole file ---- */

struct dfu_file_info {
	bool has_suffix;
	struct dfu_suffix suffix;
	size_t fw_len;		/* bytes before the suffix (all of them without one) */
	struct dfu_prefix_info prefix;
};

/* Suffix + prefix classification of a loaded file. A missing suffix is not
 * an error (has_suffix false); a suffix with a bad CRC or length is. */
int dfu_file_inspect(const uint8_t *buf, size_t len, struct dfu_file_info *info,
		     struct dfu_diag *diag);

/* ---- DfuSe images (UM0391) ---- */

#define DFUSE_PREFIX_SIZE 11
#define DFUSE_TARGET_PREFIX_SIZE 274
#define DFUSE_ELEMENT_HEADER_SIZE 8
#define DFUSE_TARGET_NAME_MAX 255

struct dfuse_file {
	uint8_t version;	/* must be 1 */
	uint32_t image_size;	/* as written; tools disagree on its meaning, not checked */
	uint8_t ntargets;
	const uint8_t *body;	/* first target prefix */
	size_t body_len;	/* bytes from body to the end of the firmware */
	size_t trailing;	/* bytes after the last target (a warning, not an error) */
};

struct dfuse_target {
	uint8_t alt;
	bool named;
	char name[DFUSE_TARGET_NAME_MAX + 1];
	uint32_t size;		/* element headers + data, as written */
	uint32_t nelements;
	const uint8_t *elements; /* first element header */
};

struct dfuse_element {
	uint32_t address;
	uint32_t size;
	const uint8_t *data;
};

/*
 * Validate a whole DfuSe image (`len` = firmware bytes, suffix excluded):
 * prefix, every target and every element. DFU_E_FORMAT for a bad signature
 * or version, DFU_E_TRUNCATED when a header or data runs past the end,
 * DFU_E_SIZE when dwTargetSize disagrees with its elements, DFU_E_OVERFLOW
 * for an element whose address range wraps. `diag` names the target, element
 * and offset.
 */
int dfuse_file_parse(const uint8_t *fw, size_t len, struct dfuse_file *f,
		     struct dfu_diag *diag);

/* Iterate over a validated file: `*cursor` starts at 0. Returns 1 with *t
 * filled, 0 at the end. Same for elements of a target. */
int dfuse_file_next_target(const struct dfuse_file *f, size_t *cursor, struct dfuse_target *t);
int dfuse_target_next_element(const struct dfuse_target *t, size_t *cursor,
			      struct dfuse_element *e);

/* What to build. */
struct dfuse_build_element {
	uint32_t address;
	const uint8_t *data;
	uint32_t size;
};

struct dfuse_build_target {
	uint8_t alt;
	const char *name;	/* NULL: unnamed */
	const struct dfuse_build_element *elements;
	size_t nelements;
};

/* Bytes dfuse_file_build() needs, suffix included. */
size_t dfuse_file_build_size(const struct dfuse_build_target *targets, size_t ntargets);

/*
 * Write a DfuSe image with its suffix (bcdDFU 0x011A; ids->bcdDevice,
 * idProduct and idVendor are used, the rest set). DFUImageSize is written as
 * the total file size including the suffix, as dfuse-pack does. Returns the
 * file size, DFU_E_NOSPACE or DFU_E_INVAL (more than 255 targets, a name
 * longer than 255 bytes).
 */
int dfuse_file_build(const struct dfuse_build_target *targets, size_t ntargets,
		     const struct dfu_suffix *ids, uint8_t *out, size_t cap);

#endif
