/* fw_text.c - lines and hex digits, shared by the Intel HEX and S-record
 * loaders. */
#include <stdio.h>
#include <string.h>

#include "fw_text.h"

void fw_lines_init(struct fw_lines *it, const uint8_t *buf, size_t len)
{
	static const uint8_t bom[3] = { 0xEF, 0xBB, 0xBF };

	it->buf = buf;
	it->len = buf ? len : 0;
	it->pos = 0;
	it->number = 0;
	if (it->len >= sizeof(bom) && memcmp(buf, bom, sizeof(bom)) == 0)
		it->pos = sizeof(bom);
}

int fw_lines_next(struct fw_lines *it, struct fw_line *line)
{
	while (it->pos < it->len) {
		size_t start = it->pos, end = start;

		while (end < it->len && it->buf[end] != '\n' && it->buf[end] != '\r')
			end++;
		it->pos = end;
		if (it->pos < it->len && it->buf[it->pos] == '\r')
			it->pos++;
		if (it->pos < it->len && it->buf[it->pos] == '\n')
			it->pos++;
		it->number++;
		if (end == start)
			continue;
		line->text = it->buf + start;
		line->len = end - start;
		line->offset = start;
		line->number = it->number;
		return 1;
	}
	return 0;
}

/* The value of hex digit `c`, or -1. */
static int fw_hex_value(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* A character as the user would want to read it in a message. */
static void show_char(uint8_t c, char *out, size_t cap)
{
	if (c >= 0x20 && c < 0x7F && c != '\'')
		snprintf(out, cap, "'%c' (0x%02X)", c, c);
	else
		snprintf(out, cap, "0x%02X", c);
}

int fw_hex_record(const struct fw_line *line, size_t first, uint8_t *out, size_t *nbytes,
		  struct dfu_diag *diag)
{
	size_t i, ndigits = line->len - first;

	for (i = first; i < line->len; i++) {
		if (fw_hex_value(line->text[i]) < 0) {
			char shown[16];

			show_char(line->text[i], shown, sizeof(shown));
			return dfu_diag_set(diag, DFU_E_FORMAT, line->offset + i,
					    "line %u: character %s in column %zu is not a hex "
					    "digit", line->number, shown, i + 1);
		}
	}
	if (ndigits % 2)
		return dfu_diag_set(diag, DFU_E_FORMAT, line->offset,
				    "line %u: the record has an odd number of hex digits (%zu); "
				    "every byte takes two", line->number, ndigits);
	if (ndigits / 2 > FW_TEXT_MAX_BYTES)
		return dfu_diag_set(diag, DFU_E_SIZE, line->offset,
				    "line %u: the record holds %zu bytes, more than any record "
				    "can (%d)", line->number, ndigits / 2, FW_TEXT_MAX_BYTES);
	for (i = 0; i < ndigits; i += 2)
		out[i / 2] = (uint8_t)(fw_hex_value(line->text[first + i]) << 4 |
				       fw_hex_value(line->text[first + i + 1]));
	*nbytes = ndigits / 2;
	return 0;
}

int fw_sink_data(struct fw_sink *s, const struct fw_line *line, uint32_t address,
		 const uint8_t *data, size_t n, struct dfu_diag *diag)
{
	struct dfu_diag inner;
	uint32_t clash;
	int rc;

	if (!s->img) {
		if (n && s->find >= address && s->find - address < n) {
			s->found_line = line->number;
			return 1;
		}
		return 0;
	}
	if (dfu_fw_image_overlaps(s->img, address, n, &clash))
		return dfu_diag_set(diag, DFU_E_FORMAT, line->offset,
				    "line %u places the byte at 0x%08X that line %u already "
				    "placed (overlapping records)", line->number,
				    (unsigned)clash, s->earlier(s, line->number, clash));
	rc = dfu_fw_image_add(s->img, address, data, n, &inner);
	if (rc)
		return dfu_diag_set(diag, rc, line->offset, "line %u: %s", line->number,
				    inner.msg);
	return 0;
}

bool fw_sink_done(const struct fw_sink *s, const struct fw_line *line)
{
	return !s->img && line->number >= s->stop_line;
}
