/*
 * dfuse_layout.h - the DfuSe memory-layout string of an alt setting.
 *
 * A DfuSe device names each alternate setting with a string such as
 * "@Internal Flash  /0x08000000/0064*0002Kg" that lays out its memory:
 * regions introduced by "/0xADDR/", each a comma-separated list of
 * segments "COUNT*SIZE<multiplier><type>". The parser accepts the whole
 * grammar dfu-util 0.11 accepts (several regions and segments, B/K/M
 * multipliers, type letters a-g, a space or missing multiplier meaning
 * bytes, a type letter in the multiplier slot, the "Device Feature" alt
 * forced to type 'e') and reports garbage with the offending character and
 * its offset. The formatter writes a layout back. The parse result lives in
 * a caller-owned fixed-size struct: no allocation.
 */
#ifndef DFU_DFUSE_LAYOUT_H
#define DFU_DFUSE_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dfu/error.h"

#define DFUSE_MEM_READABLE 0x1
#define DFUSE_MEM_ERASABLE 0x2
#define DFUSE_MEM_WRITEABLE 0x4

#define DFUSE_LAYOUT_MAX_SEGMENTS 32
#define DFUSE_LAYOUT_NAME_MAX 64

/* One run of equally sized pages. A "COUNT*SIZE" item becomes one segment. */
struct dfuse_segment {
	uint32_t start;
	uint32_t end;		/* inclusive: start + count * page_size - 1 */
	uint32_t page_size;
	uint32_t count;
	uint8_t type;		/* DFUSE_MEM_* bits (type letter & 7) */
	char type_letter;	/* the letter as written, 'a'..'g' */
	char multiplier;	/* 'B', 'K', 'M' or ' ' as written (for formatting back);
				 * any other char as written means bytes too, and
				 * DFUSE_MULT_NONE means none was written */
	uint8_t region;		/* index of the "/0xADDR/" region it belongs to */
	uint8_t count_digits;	/* digits written for count and size, so the   */
	uint8_t size_digits;	/* formatter reproduces "0064*0002Kg" exactly  */
};

struct dfuse_layout {
	char name[DFUSE_LAYOUT_NAME_MAX + 1]; /* after '@', trailing spaces kept */
	size_t nsegments;
	struct dfuse_segment seg[DFUSE_LAYOUT_MAX_SEGMENTS];
	unsigned warnings;	/* DFUSE_WARN_* bits: what dfu-util would warn about */
};

#define DFUSE_WARN_ASSUMED_BYTES 0x1	/* a space or unknown multiplier was read as bytes */
#define DFUSE_WARN_TYPE_IN_MULT 0x2	/* a type letter stood where the multiplier goes */
#define DFUSE_WARN_FORCED_TYPE 0x4	/* "Device Feature" forced to type 'e' */
#define DFUSE_WARN_SKIPPED 0x8		/* a segment with no valid type letter was dropped */
#define DFUSE_WARN_TRAILING 0x10	/* bytes after the last segment were ignored */

/* The multiplier of a segment written "COUNT*SIZE<type>", with the type
 * letter in the multiplier slot: the size is in bytes. */
#define DFUSE_MULT_NONE '\0'

/*
 * Choices where dfu-util 0.11 is silent or unhelpful (the parser follows it
 * everywhere else):
 *
 * - Vendor text after the layout. After a segment's type letter the grammar
 *   continues only with ',' (another segment), '/' (another region) or the
 *   end. Any other byte starts vendor text (e.g. the BIGTREETECH F429 loader
 *   appends non-ASCII bytes to "...07*128Kg", which made dfu-util 0.9 fail
 *   with "Failed to parse memory layout"): the rest of the string is
 *   ignored, DFUSE_WARN_TRAILING is set, and the layout parsed so far is
 *   returned with success. dfu-util would instead skip to the next ',' or
 *   '/' and try to read more segments there; we do not, because text may
 *   hold those characters (a URL) and a segment fished out of text is not
 *   trustworthy.
 * - A ',' or '/' right after a type letter is grammar, not text: what
 *   follows must be a segment, or "0xADDR/" and a segment, otherwise the
 *   layout is malformed (DFU_E_FORMAT; dfu-util stops silently there and
 *   drops the rest, which would hide part of the memory).
 * - The input ends where a field is required: DFU_E_TRUNCATED, diag as for
 *   DFU_E_FORMAT ("unexpected end of string at offset N, expected ...").
 * - A page count or page size of 0 is DFU_E_FORMAT: the segment would have
 *   no end address. Numbers are digits only (no sign, no spaces) and at
 *   most 255 digits; values that do not fit 32 bits are DFU_E_OVERFLOW.
 * - An empty name ("@/0x...") is DFU_E_FORMAT, as in dfu-util; a name
 *   longer than DFUSE_LAYOUT_NAME_MAX is DFU_E_NOSPACE.
 * - More than 256 "/0xADDR/" regions is DFU_E_NOSPACE (region is a uint8_t).
 * - A segment skipped for its type letter still occupies its address
 *   range: the next segment starts after it, so a typo cannot shift the
 *   addresses of the memory that follows.
 * - "Device Feature" is matched ignoring the name's trailing spaces (every
 *   other ST name has some, so a loader may well write them here too). All
 *   its segments get type 'e' and type_letter 'e', including one whose
 *   letter is missing or invalid (it is not skipped);
 *   DFUSE_WARN_FORCED_TYPE is set only when the letter written was not
 *   'e'.
 * - A layout whose every segment was skipped parses with nsegments 0.
 */

/*
 * Parse `len` bytes of `s` (need not be NUL-terminated; parsing stops at a
 * NUL). Returns 0, or DFU_E_FORMAT with `diag` naming the offending
 * character, DFU_E_NOSPACE for more than DFUSE_LAYOUT_MAX_SEGMENTS segments,
 * DFU_E_OVERFLOW for counts or sizes whose product wraps the 32-bit address
 * space.
 */
int dfuse_layout_parse(const char *s, size_t len, struct dfuse_layout *out,
		       struct dfu_diag *diag);

/* Write the layout back in the device's notation; returns the string length
 * (excluding the NUL) or DFU_E_NOSPACE. Parsing the result gives an equal
 * layout. */
/*
 * Digit counts pad with leading zeros (0 = as few digits as needed); the
 * size is page_size divided by the multiplier, and a segment that starts a
 * region or does not start right after the previous one gets a
 * "/0x%08X/" header. Parsing the result gives the same name and segments;
 * region indices are renumbered in order, and warnings are those of the
 * text written (a ' ' multiplier still warns, vendor text is gone).
 * DFU_E_INVAL for a layout no string can describe: no segments, an empty
 * name or one holding '/', a zero count or page size, end not equal to
 * start + count * page_size - 1, a page size the multiplier does not
 * divide, a multiplier that is a digit, ',' or '/', or a type outside
 * 1..7. The type letter as written is kept when it still means `type`,
 * otherwise the letter is derived from `type` ('a' - 1 + type).
 */
int dfuse_layout_format(const struct dfuse_layout *l, char *out, size_t cap);

/* The segment holding `address`, or NULL. */
const struct dfuse_segment *dfuse_layout_find(const struct dfuse_layout *l, uint32_t address);

/* "rew" style flags text for a type, as dfu-util -v prints: "r", "re", "rw"... */
const char *dfuse_mem_type_text(uint8_t type);

#endif
