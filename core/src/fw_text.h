/*
 * fw_text.h - what the line-based firmware formats (Intel HEX, S-records)
 * share inside core: splitting a buffer into numbered lines, decoding a
 * record's hex digits into bytes, and sending a record's data to the image
 * (or finding the earlier line an overlap clashes with). Private to
 * core/src; never allocates.
 */
#ifndef DFU_FW_TEXT_H
#define DFU_FW_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dfu/error.h"
#include "dfu/fw_image.h"

/* The longest record either format can hold: 255 bytes after the length. */
#define FW_TEXT_MAX_BYTES 260

struct fw_line {
	const uint8_t *text;	/* first character, line end excluded */
	size_t len;
	size_t offset;		/* of text[0] in the buffer */
	unsigned number;	/* 1-based */
};

struct fw_lines {
	const uint8_t *buf;
	size_t len;
	size_t pos;
	unsigned number;
};

/* Start at the beginning of `buf`, past a UTF-8 byte order mark if any. */
void fw_lines_init(struct fw_lines *it, const uint8_t *buf, size_t len);

/* The next line that is not empty: 1 with *line filled, 0 at the end. A line
 * ends at LF, CRLF or a lone CR. */
int fw_lines_next(struct fw_lines *it, struct fw_line *line);

/* Decode the hex digits of `line` from column `first` (0-based) to its end
 * into out[0 .. FW_TEXT_MAX_BYTES), the count in *nbytes. Refused, naming
 * the line: a character that is not a hex digit (DFU_E_FORMAT, with its
 * column), an odd number of digits (DFU_E_FORMAT), more bytes than any
 * record holds (DFU_E_SIZE). */
int fw_hex_record(const struct fw_line *line, size_t first, uint8_t *out, size_t *nbytes,
		  struct dfu_diag *diag);

/*
 * Where a walk over a file's records sends their data. Loading places it in
 * `img`. When a record overlaps bytes already placed, the format walks the
 * lines before it a second time with `img` NULL, to find the record that
 * placed the first clashing byte, so the message names both lines without
 * the image keeping a line number per byte.
 */
struct fw_sink {
	struct dfu_fw_image *img;	/* NULL while finding */
	/* loading: the line before `line` whose data holds `addr` (a second walk) */
	unsigned (*earlier)(const struct fw_sink *s, unsigned line, uint32_t addr);
	const uint8_t *buf;		/* the whole file, for that second walk */
	size_t len;
	/* finding */
	unsigned stop_line;		/* look only at lines before this one */
	uint32_t find;
	unsigned found_line;
};

/* Send `n` bytes at `address` (the caller checked they stay inside 32 bits).
 * Loading: 0, or an error naming the line (and the earlier line for an
 * overlap). Finding: 1 when these bytes hold the address looked for. */
int fw_sink_data(struct fw_sink *s, const struct fw_line *line, uint32_t address,
		 const uint8_t *data, size_t n, struct dfu_diag *diag);

/* Whether the walk should stop before `line` (finding, past stop_line). */
bool fw_sink_done(const struct fw_sink *s, const struct fw_line *line);

#endif
