/* fw_srec.c - Motorola S-record files loaded into a sparse image [Motorola-SREC].
 *
 * A record is 'S', a type digit, then hex digits: a count of the bytes that
 * follow it, an address of 2, 3 or 4 bytes (by type), data, and a checksum,
 * the ones' complement of the low byte of the sum of count, address and
 * data. S0 is a header (its data is free text), S1-S3 carry data, S5-S6
 * count the data records before them, S7-S9 end the file and give the
 * start address. Type 4 is reserved. */

#include "fw_text.h"

/* Address bytes per type; 0 for a type that does not exist. */
static const uint8_t address_bytes[10] = {
	[0] = 2, [1] = 2, [2] = 3, [3] = 4, [5] = 2, [6] = 3, [7] = 4, [8] = 3, [9] = 2,
};

/* One pass over the records (see struct fw_sink). */
struct walk {
	struct fw_sink sink;
	unsigned long ndata;		/* data records (S1-S3) so far */
	unsigned end_line;		/* of the termination record (S7-S9), or 0 */
	unsigned last_type;		/* of the last record read */
	unsigned last_line;
};

static int walk_records(struct walk *w, struct dfu_diag *diag);

static unsigned earlier_line(const struct fw_sink *s, unsigned line, uint32_t addr)
{
	struct walk f = { .sink = { .buf = s->buf, .len = s->len, .stop_line = line,
				    .find = addr } };

	(void)walk_records(&f, NULL);
	return f.sink.found_line;
}

static uint32_t get_be(const uint8_t *p, size_t n)
{
	uint32_t v = 0;
	size_t i;

	for (i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

static int data_record(struct walk *w, const struct fw_line *line, uint32_t address,
		       const uint8_t *data, size_t n, struct dfu_diag *diag)
{
	w->ndata++;
	if (n && (uint64_t)address + n - 1 > UINT32_MAX)
		return dfu_diag_set(diag, DFU_E_OVERFLOW, line->offset,
				    "line %u: %zu data bytes at 0x%08X run past the end of the "
				    "4 GiB address space (0xFFFFFFFF)", line->number, n,
				    (unsigned)address);
	return fw_sink_data(&w->sink, line, address, data, n, diag);
}

static int no_data(const struct fw_line *line, unsigned type, size_t n, struct dfu_diag *diag)
{
	if (n == 0)
		return 0;
	return dfu_diag_set(diag, DFU_E_SIZE, line->offset,
			    "line %u: an S%u record carries no data, this one has %zu bytes",
			    line->number, type, n);
}

static int count_record(struct walk *w, const struct fw_line *line, unsigned type,
			uint32_t count, size_t n, struct dfu_diag *diag)
{
	int rc = no_data(line, type, n, diag);

	if (rc)
		return rc;
	if (count != w->ndata)
		return dfu_diag_set(diag, DFU_E_SIZE, line->offset,
				    "line %u: the S%u record counts %u data records but %lu "
				    "come before it; records are missing or extra",
				    line->number, type, (unsigned)count, w->ndata);
	return 0;
}

static int end_record(struct walk *w, const struct fw_line *line, unsigned type,
		      uint32_t start, size_t n, struct dfu_diag *diag)
{
	int rc = no_data(line, type, n, diag);

	if (rc)
		return rc;
	w->end_line = line->number;
	if (w->sink.img) {
		w->sink.img->start_kind = DFU_FW_START_LINEAR;
		w->sink.img->start = start;
	}
	return 0;
}

static int one_record(struct walk *w, const struct fw_line *line, struct dfu_diag *diag)
{
	uint8_t b[FW_TEXT_MAX_BYTES], sum = 0;
	size_t nbytes, alen, n, i;
	unsigned type;
	uint32_t address;
	int rc;

	if (line->text[0] != 'S')
		return dfu_diag_set(diag, DFU_E_FORMAT, line->offset,
				    "line %u does not start with 'S' (it starts with 0x%02X); "
				    "it is not an S-record", line->number, line->text[0]);
	if (line->len < 2 || line->text[1] < '0' || line->text[1] > '9' ||
	    !address_bytes[line->text[1] - '0'])
		return dfu_diag_set(diag, DFU_E_FORMAT, line->offset + 1,
				    "line %u: record type S%c is not an S-record type (S0-S3, "
				    "S5-S9)", line->number,
				    line->len < 2 || line->text[1] < 0x21 || line->text[1] > 0x7E
					    ? '?' : line->text[1]);
	type = (unsigned)(line->text[1] - '0');
	alen = address_bytes[type];
	rc = fw_hex_record(line, 2, b, &nbytes, diag);
	if (rc)
		return rc;
	if (nbytes < 1 + alen + 1)
		return dfu_diag_set(diag, DFU_E_SIZE, line->offset,
				    "line %u: an S%u record needs at least %zu bytes (count, %zu "
				    "address bytes, checksum), this one has %zu", line->number,
				    type, alen + 2, alen, nbytes);
	if ((size_t)b[0] != nbytes - 1)
		return dfu_diag_set(diag, DFU_E_SIZE, line->offset + 2,
				    "line %u: the count byte says %u bytes follow it but the "
				    "record holds %zu", line->number, b[0], nbytes - 1);
	for (i = 0; i + 1 < nbytes; i++)
		sum = (uint8_t)(sum + b[i]);
	sum = (uint8_t)~sum;
	if (sum != b[nbytes - 1])
		return dfu_diag_set(diag, DFU_E_CRC, line->offset + 2 + 2 * (nbytes - 1),
				    "line %u: checksum is 0x%02X, expected 0x%02X",
				    line->number, b[nbytes - 1], sum);
	address = get_be(b + 1, alen);
	n = nbytes - 2 - alen;
	switch (type) {
	case 0:
		return 0;
	case 1: case 2: case 3:
		return data_record(w, line, address, b + 1 + alen, n, diag);
	case 5: case 6:
		return count_record(w, line, type, address, n, diag);
	default:
		return end_record(w, line, type, address, n, diag);
	}
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
		if (w->end_line)
			return dfu_diag_set(diag, DFU_E_FORMAT, line.offset,
					    "line %u: a record after the termination record on "
					    "line %u", line.number, w->end_line);
		rc = one_record(w, &line, diag);
		if (rc)
			return rc;
		w->last_type = (unsigned)(line.text[1] - '0');
		w->last_line = line.number;
	}
	/* srec_cat writes no termination record when it knows no start
	 * address, but then ends with a count [srecord]; a file that ends in
	 * neither may have lost its tail. */
	if (!w->end_line && w->sink.img && w->last_type != 5 && w->last_type != 6) {
		if (!w->last_line)
			return dfu_diag_set(diag, DFU_E_TRUNCATED, w->sink.len,
					    "the file holds no S-record at all");
		return dfu_diag_set(diag, DFU_E_TRUNCATED, w->sink.len,
				    "the file ends at line %u with an S%u record, without a "
				    "count (S5/S6) or termination record (S7-S9) after it; "
				    "it may be cut short", w->last_line, w->last_type);
	}
	return 0;
}

int dfu_fw_load_srec(struct dfu_fw_image *img, const uint8_t *buf, size_t len,
		     struct dfu_diag *diag)
{
	struct walk w = { .sink = { .img = img, .earlier = earlier_line, .buf = buf,
				    .len = len } };

	if (!img || (!buf && len))
		return dfu_diag_set(diag, DFU_E_INVAL, 0, "no image or no input");
	return walk_records(&w, diag);
}
