/* fw_image.c - the sparse firmware image, format detection, raw loading. */
#include <string.h>

#include "dfu/fw_image.h"

void dfu_fw_image_init(struct dfu_fw_image *img, struct dfu_fw_range *ranges, size_t range_cap,
		       uint8_t *data, size_t data_cap)
{
	img->ranges = ranges;
	img->range_cap = ranges ? range_cap : 0;
	img->data = data;
	img->data_cap = data ? data_cap : 0;
	dfu_fw_image_clear(img);
}

void dfu_fw_image_clear(struct dfu_fw_image *img)
{
	img->nranges = 0;
	img->data_len = 0;
	img->start_kind = DFU_FW_START_NONE;
	img->start = 0;
}

/* The last address of a block, as a 64-bit value so a wrap shows. */
static uint64_t last_of(uint32_t address, size_t len)
{
	return (uint64_t)address + len - 1;
}

/* Index of the first range that starts above `address` (nranges if none). */
static size_t first_above(const struct dfu_fw_image *img, uint32_t address)
{
	size_t lo = 0, hi = img->nranges;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (img->ranges[mid].address > address)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

bool dfu_fw_image_overlaps(const struct dfu_fw_image *img, uint32_t address, size_t len,
			   uint32_t *first)
{
	size_t i;
	uint64_t last;

	if (!img || len == 0)
		return false;
	last = last_of(address, len);
	i = first_above(img, address);
	/* Ranges never overlap each other, so only the one starting at or
	 * below `address` and the one right after it can share a byte. */
	if (i > 0 && last_of(img->ranges[i - 1].address, img->ranges[i - 1].len) >= address) {
		if (first)
			*first = address;
		return true;
	}
	if (i < img->nranges && img->ranges[i].address <= last) {
		if (first)
			*first = img->ranges[i].address;
		return true;
	}
	return false;
}

/* Make room for `len` bytes at data offset `at`, shifting the bytes and the
 * offsets of ranges from index `from` on. Capacity already checked. */
static void open_gap(struct dfu_fw_image *img, size_t at, size_t len, size_t from)
{
	size_t i;

	memmove(img->data + at + len, img->data + at, img->data_len - at);
	for (i = from; i < img->nranges; i++)
		img->ranges[i].offset += len;
	img->data_len += len;
}

int dfu_fw_image_add(struct dfu_fw_image *img, uint32_t address, const uint8_t *data,
		     size_t len, struct dfu_diag *diag)
{
	struct dfu_fw_range *r;
	uint32_t clash;
	size_t i, at;
	bool joins_prev, joins_next;

	if (!img || (!data && len))
		return dfu_diag_set(diag, DFU_E_INVAL, 0, "no image or no data");
	if (len == 0)
		return 0;
	if (len > UINT32_MAX || last_of(address, len) > UINT32_MAX)
		return dfu_diag_set(diag, DFU_E_OVERFLOW, 0,
				    "%zu bytes at 0x%08X run past the end of the 4 GiB "
				    "address space", len, (unsigned)address);
	if (dfu_fw_image_overlaps(img, address, len, &clash))
		return dfu_diag_set(diag, DFU_E_FORMAT, 0,
				    "the byte at 0x%08X is placed twice", (unsigned)clash);
	if (len > img->data_cap - img->data_len)
		return dfu_diag_set(diag, DFU_E_NOSPACE, 0,
				    "%zu more bytes at 0x%08X do not fit: the image holds at "
				    "most %zu bytes and has %zu", len, (unsigned)address,
				    img->data_cap, img->data_len);

	i = first_above(img, address);
	joins_prev = i > 0 &&
		     last_of(img->ranges[i - 1].address, img->ranges[i - 1].len) + 1 == address;
	joins_next = i < img->nranges && last_of(address, len) + 1 == img->ranges[i].address;
	if (!joins_prev && !joins_next && img->nranges == img->range_cap)
		return dfu_diag_set(diag, DFU_E_NOSPACE, 0,
				    "%zu bytes at 0x%08X need a new range: the image holds at "
				    "most %zu ranges", len, (unsigned)address, img->range_cap);

	/* Data is kept in address order, so the block goes right after the
	 * bytes of the range below it. */
	at = i < img->nranges ? img->ranges[i].offset : img->data_len;
	open_gap(img, at, len, i);
	memcpy(img->data + at, data, len);

	if (joins_prev) {
		r = &img->ranges[i - 1];
		r->len += len;
		if (joins_next) {
			r->len += img->ranges[i].len;
			memmove(&img->ranges[i], &img->ranges[i + 1],
				(img->nranges - i - 1) * sizeof(*r));
			img->nranges--;
		}
	} else if (joins_next) {
		r = &img->ranges[i];
		r->address = address;
		r->len += len;
		r->offset = at;
	} else {
		memmove(&img->ranges[i + 1], &img->ranges[i], (img->nranges - i) * sizeof(*r));
		img->ranges[i] = (struct dfu_fw_range){ .address = address, .len = len, .offset = at };
		img->nranges++;
	}
	return 0;
}

const uint8_t *dfu_fw_range_data(const struct dfu_fw_image *img, size_t i)
{
	if (!img || i >= img->nranges)
		return NULL;
	return img->data + img->ranges[i].offset;
}

bool dfu_fw_image_byte(const struct dfu_fw_image *img, uint32_t address, uint8_t *out)
{
	size_t i;
	const struct dfu_fw_range *r;

	if (!img)
		return false;
	i = first_above(img, address);
	if (i == 0)
		return false;
	r = &img->ranges[i - 1];
	if (last_of(r->address, r->len) < address)
		return false;
	if (out)
		*out = img->data[r->offset + (address - r->address)];
	return true;
}

void dfu_fw_bounds(size_t len, size_t *max_ranges, size_t *max_bytes)
{
	/* Raw input is one range of len bytes. A text record takes at least
	 * 10 characters and adds at most two ranges (a HEX record that wraps
	 * inside its segment), and each data byte takes two hex digits. */
	if (max_ranges)
		*max_ranges = len / 5 + 1;
	if (max_bytes)
		*max_bytes = len ? len : 1;
}

/* ---- formats ---- */

const char *dfu_fw_format_name(enum dfu_fw_format fmt)
{
	switch (fmt) {
	case DFU_FW_RAW: return "raw binary";
	case DFU_FW_IHEX: return "Intel HEX";
	case DFU_FW_SREC: return "S-record";
	case DFU_FW_ELF: return "ELF";
	case DFU_FW_DFUSE: return "DfuSe";
	}
	return "unknown format";
}

static bool is_hex(uint8_t c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F') || (c >= 'a' && c <= 'f');
}

static bool is_eol(uint8_t c)
{
	return c == '\n' || c == '\r';
}

/* The shortest records: ":LLAAAATTCC" and "StCCAAAACC". */
#define IHEX_MIN_DIGITS 10
#define SREC_MIN_DIGITS 8

/* Does the line at buf[pos..] look like a record: `lead` characters of
 * marker, then at least `min` hex digits, then nothing but a line end? */
static bool record_shaped(const uint8_t *buf, size_t len, size_t pos, size_t lead, size_t min)
{
	size_t n = 0;

	pos += lead;
	while (pos < len && is_hex(buf[pos])) {
		pos++;
		n++;
	}
	return n >= min && (pos == len || is_eol(buf[pos]));
}

enum dfu_fw_format dfu_fw_detect(const uint8_t *buf, size_t len)
{
	static const uint8_t elf_magic[4] = { 0x7F, 'E', 'L', 'F' };
	static const uint8_t bom[3] = { 0xEF, 0xBB, 0xBF };
	size_t pos = 0;

	if (!buf)
		return DFU_FW_RAW;
	if (len >= sizeof(elf_magic) && memcmp(buf, elf_magic, sizeof(elf_magic)) == 0)
		return DFU_FW_ELF;
	if (len >= 5 && memcmp(buf, "DfuSe", 5) == 0)
		return DFU_FW_DFUSE;
	if (len >= sizeof(bom) && memcmp(buf, bom, sizeof(bom)) == 0)
		pos = sizeof(bom);
	while (pos < len && is_eol(buf[pos]))
		pos++;
	if (pos >= len)
		return DFU_FW_RAW;
	if (buf[pos] == ':' && record_shaped(buf, len, pos, 1, IHEX_MIN_DIGITS))
		return DFU_FW_IHEX;
	if (buf[pos] == 'S' && pos + 1 < len && buf[pos + 1] >= '0' && buf[pos + 1] <= '9' &&
	    record_shaped(buf, len, pos, 2, SREC_MIN_DIGITS))
		return DFU_FW_SREC;
	return DFU_FW_RAW;
}

enum dfu_fw_format dfu_fw_obviously_not_raw(const uint8_t *buf, size_t len)
{
	enum dfu_fw_format fmt = dfu_fw_detect(buf, len);

	return fmt == DFU_FW_DFUSE ? DFU_FW_RAW : fmt;
}

int dfu_fw_load_raw(struct dfu_fw_image *img, const uint8_t *buf, size_t len,
		    uint32_t address, struct dfu_diag *diag)
{
	return dfu_fw_image_add(img, address, buf, len, diag);
}
