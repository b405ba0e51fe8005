/* fw_ihex.c - Intel HEX files loaded into a sparse image [Intel-HEX].
 *
 * A record is ':' then hex digits: a length byte LL, a 16-bit offset, a
 * type, LL data bytes and a checksum that makes all the bytes sum to zero
 * (mod 256). The address of a data byte is the offset plus a base that the
 * extended address records set: type 02 a segment (base = segment * 16,
 * offsets wrapping inside the 64 KiB segment), type 04 the upper 16 bits of
 * a 32-bit linear address (offsets carrying into the next 64 KiB). The
 * format lets linear addresses wrap modulo 4 GiB; a firmware image never
 * means that, so data that would wrap is refused. */
#include <stdio.h>

#include "dfu/bytes.h"
#include "fw_text.h"

enum {
	REC_DATA = 0x00,
	REC_EOF = 0x01,
	REC_EXT_SEGMENT = 0x02,
	REC_START_SEGMENT = 0x03,
	REC_EXT_LINEAR = 0x04,
	REC_START_LINEAR = 0x05,
};

#define HDR_BYTES 4	/* length, offset (2), type */
#define REC_OVERHEAD 5	/* those and the checksum */
#define SEGMENT_SIZE 0x10000u

/* One pass over the records (see struct fw_sink: loading, or finding the
 * line that placed a byte). */
struct walk {
	struct fw_sink sink;
	uint32_t base;
	bool segmented;			/* the last base came from a type 02 record */
	unsigned start_line;
	unsigned eof_line;
};

static int walk_records(struct walk *w, struct dfu_diag *diag);

static unsigned earlier_line(const struct fw_sink *s, unsigned line, uint32_t addr)
{
	struct walk f = { .sink = { .buf = s->buf, .len = s->len, .stop_line = line,
				    .find = addr } };

	(void)walk_records(&f, NULL);
	return f.sink.found_line;
}

static int data_record(struct walk *w, const struct fw_line *line, uint16_t offset,
		       const uint8_t *data, size_t n, struct dfu_diag *diag)
{
	size_t first;
	int rc;

	if (!w->segmented) {
		uint64_t address = (uint64_t)w->base + offset;

		if (n && address + n - 1 > UINT32_MAX)
			return dfu_diag_set(diag, DFU_E_OVERFLOW, line->offset,
					    "line %u: %zu data bytes at 0x%08llX run past the "
					    "end of the 4 GiB address space (0xFFFFFFFF)",
					    line->number, n, (unsigned long long)address);
		return fw_sink_data(&w->sink, line, (uint32_t)address, data, n, diag);
	}
	/* Segment mode: the offset wraps to the start of the same segment. */
	first = SEGMENT_SIZE - offset < n ? SEGMENT_SIZE - offset : n;
	rc = fw_sink_data(&w->sink, line, w->base + offset, data, first, diag);
	if (rc || first == n)
		return rc;
	return fw_sink_data(&w->sink, line, w->base, data + first, n - first, diag);
}

/* A start address as the format writes it: "CS:IP F000:FFF0" or "EIP 0x08000101". */
static void show_start(enum dfu_fw_start_kind kind, uint32_t value, char *out, size_t cap)
{
	if (kind == DFU_FW_START_SEGMENT)
		snprintf(out, cap, "CS:IP %04X:%04X", (unsigned)(value >> 16),
			 (unsigned)(value & 0xFFFF));
	else
		snprintf(out, cap, "EIP 0x%08X", (unsigned)value);
}

static int start_record(struct walk *w, const struct fw_line *line, enum dfu_fw_start_kind kind,
			uint32_t value, struct dfu_diag *diag)
{
	struct dfu_fw_image *img = w->sink.img;
	char now[32], before[32];

	if (!img)
		return 0;
	if (img->start_kind != DFU_FW_START_NONE &&
	    (img->start_kind != kind || img->start != value)) {
		show_start(kind, value, now, sizeof(now));
		show_start(img->start_kind, img->start, before, sizeof(before));
		return dfu_diag_set(diag, DFU_E_FORMAT, line->offset,
				    "line %u: a second start address (%s) that differs from "
				    "line %u's (%s)", line->number, now, w->start_line, before);
	}
	if (img->start_kind == DFU_FW_START_NONE)
		w->start_line = line->number;
	img->start_kind = kind;
	img->start = value;
	return 0;
}

/* A record whose payload must be exactly `want` bytes. */
static int want_len(const struct fw_line *line, const char *what, uint8_t type, size_t n,
		    size_t want, struct dfu_diag *diag)
{
	if (n == want)
		return 0;
	return dfu_diag_set(diag, DFU_E_SIZE, line->offset,
			    "line %u: %s record (type %02X) carries %zu data bytes, it must "
			    "carry %zu", line->number, what, type, n, want);
}

static int one_record(struct walk *w, const struct fw_line *line, struct dfu_diag *diag)
{
	uint8_t b[FW_TEXT_MAX_BYTES];
	size_t nbytes, n, i;
	uint8_t sum = 0, type;
	const uint8_t *data;
	int rc;

	if (line->text[0] != ':')
		return dfu_diag_set(diag, DFU_E_FORMAT, line->offset,
				    "line %u does not start with ':' (it starts with 0x%02X); "
				    "it is not an Intel HEX record", line->number, line->text[0]);
	rc = fw_hex_record(line, 1, b, &nbytes, diag);
	if (rc)
		return rc;
	if (nbytes < REC_OVERHEAD)
		return dfu_diag_set(diag, DFU_E_SIZE, line->offset,
				    "line %u: the record has %zu bytes; even an empty one has 5 "
				    "(length, address, type, checksum)", line->number, nbytes);
	n = b[0];
	if (nbytes != n + REC_OVERHEAD)
		return dfu_diag_set(diag, DFU_E_SIZE, line->offset,
				    "line %u: the length byte says %zu data bytes but the record "
				    "holds %zu", line->number, n, nbytes - REC_OVERHEAD);
	for (i = 0; i + 1 < nbytes; i++)
		sum = (uint8_t)(sum + b[i]);
	if ((uint8_t)(sum + b[nbytes - 1]) != 0)
		return dfu_diag_set(diag, DFU_E_CRC, line->offset + 1 + 2 * (nbytes - 1),
				    "line %u: checksum is 0x%02X, expected 0x%02X",
				    line->number, b[nbytes - 1], (uint8_t)(0x100 - sum));
	type = b[3];
	data = b + HDR_BYTES;
	switch (type) {
	case REC_DATA:
		return data_record(w, line, dfu_get_be16(b + 1), data, n, diag);
	case REC_EOF:
		rc = want_len(line, "an end-of-file", type, n, 0, diag);
		w->eof_line = line->number;
		return rc;
	case REC_EXT_SEGMENT:
		rc = want_len(line, "an extended segment address", type, n, 2, diag);
		if (rc)
			return rc;
		w->base = (uint32_t)dfu_get_be16(data) << 4;
		w->segmented = true;
		return 0;
	case REC_EXT_LINEAR:
		rc = want_len(line, "an extended linear address", type, n, 2, diag);
		if (rc)
			return rc;
		w->base = (uint32_t)dfu_get_be16(data) << 16;
		w->segmented = false;
		return 0;
	case REC_START_SEGMENT:
		rc = want_len(line, "a start segment address", type, n, 4, diag);
		return rc ? rc : start_record(w, line, DFU_FW_START_SEGMENT, dfu_get_be32(data), diag);
	case REC_START_LINEAR:
		rc = want_len(line, "a start linear address", type, n, 4, diag);
		return rc ? rc : start_record(w, line, DFU_FW_START_LINEAR, dfu_get_be32(data), diag);
	}
	return dfu_diag_set(diag, DFU_E_FORMAT, line->offset + 7,
			    "line %u: record type %02X is not an Intel HEX type (00 to 05)",
			    line->number, type);
}

static int walk_records(struct walk *w, struct dfu_diag *diag)
{
	struct fw_lines it;
	struct fw_line line;
	int rc;

	fw_lines_init(&it, w->sink.buf, w->sink.len);
	while (fw_lines_next(&it, &line)) {
		if (fw_sink_done(&w->sink, &line))
			return 0;
		if (w->eof_line)
			return dfu_diag_set(diag, DFU_E_FORMAT, line.offset,
					    "line %u: a record after the end-of-file record on "
					    "line %u", line.number, w->eof_line);
		rc = one_record(w, &line, diag);
		if (rc)
			return rc;
	}
	if (!w->eof_line && w->sink.img)
		return dfu_diag_set(diag, DFU_E_TRUNCATED, w->sink.len,
				    "no end-of-file record (:00000001FF) by the end of the file "
				    "(line %u); it may be cut short", it.number);
	return 0;
}

int dfu_fw_load_ihex(struct dfu_fw_image *img, const uint8_t *buf, size_t len,
		     struct dfu_diag *diag)
{
	struct walk w = { .sink = { .img = img, .earlier = earlier_line, .buf = buf,
				    .len = len } };

	if (!img || (!buf && len))
		return dfu_diag_set(diag, DFU_E_INVAL, 0, "no image or no input");
	return walk_records(&w, diag);
}
