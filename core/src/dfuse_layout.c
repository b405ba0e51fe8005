/* dfuse_layout.c - parse and format DfuSe memory-layout strings.
 *
 * Grammar, as dfu-util 0.11 reads it ([dfu-util-0.11], memory-layout string):
 *
 *   layout  = '@' name region { region } [ vendor-text ]
 *   name    = 1*( any byte but '/' )
 *   region  = "/0x" hex '/' segment { ',' segment }
 *   segment = count '*' size mult type
 *
 * with the multiplier slot read loosely (see read_segment). The header
 * documents where this parser chooses differently from dfu-util. */
#include "dfu/dfuse_layout.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define KIB 1024u
#define MIB (1024u * 1024u)
#define REGIONS_MAX 256
#define DIGITS_MAX 255

struct cursor {
	const char *s;
	size_t n;	/* bytes up to the first NUL or len */
	size_t p;
	struct dfu_diag *diag;
};

/* The byte at the cursor, or -1 at the end. */
static int peek(const struct cursor *c)
{
	return c->p < c->n ? (unsigned char)c->s[c->p] : -1;
}

static int peek_at(const struct cursor *c, size_t off)
{
	return c->p + off < c->n ? (unsigned char)c->s[c->p + off] : -1;
}

static bool is_digit(int ch)
{
	return ch >= '0' && ch <= '9';
}

static int hex_value(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

static bool is_type_letter(int ch)
{
	return ch >= 'a' && ch <= 'g';
}

/* What may follow a segment: the end, another segment or another region. */
static bool is_separator(int ch)
{
	return ch < 0 || ch == ',' || ch == '/';
}

/* The byte at the cursor was not `expected`: name it and its offset. */
static int unexpected(const struct cursor *c, const char *expected)
{
	int ch = peek(c);

	if (ch < 0)
		return dfu_diag_set(c->diag, DFU_E_TRUNCATED, c->p,
				    "unexpected end of string at offset %zu, expected %s", c->p,
				    expected);
	if (ch >= 0x20 && ch < 0x7f)
		return dfu_diag_set(c->diag, DFU_E_FORMAT, c->p,
				    "unexpected '%c' (0x%02X) at offset %zu, expected %s", ch, ch,
				    c->p, expected);
	return dfu_diag_set(c->diag, DFU_E_FORMAT, c->p,
			    "unexpected byte 0x%02X at offset %zu, expected %s", ch, c->p, expected);
}

static int expect(struct cursor *c, int ch, const char *expected)
{
	if (peek(c) != ch)
		return unexpected(c, expected);
	c->p++;
	return 0;
}

/* A decimal number of 1 to DIGITS_MAX digits that fits 32 bits. */
static int read_decimal(struct cursor *c, const char *what, uint32_t *value, uint8_t *digits)
{
	size_t start = c->p;
	uint64_t v = 0;

	if (!is_digit(peek(c))) {
		char expected[48];
		snprintf(expected, sizeof(expected), "a decimal %s", what);
		return unexpected(c, expected);
	}
	while (is_digit(peek(c))) {
		v = v * 10 + (uint64_t)(peek(c) - '0');
		c->p++;
		if (c->p - start > DIGITS_MAX)
			return dfu_diag_set(c->diag, DFU_E_OVERFLOW, start,
					    "the %s at offset %zu has more than %d digits", what,
					    start, DIGITS_MAX);
		if (v > UINT32_MAX)
			return dfu_diag_set(c->diag, DFU_E_OVERFLOW, start,
					    "the %s at offset %zu does not fit in 32 bits", what,
					    start);
	}
	*value = (uint32_t)v;
	*digits = (uint8_t)(c->p - start);
	return 0;
}

static int read_hex(struct cursor *c, uint32_t *value)
{
	size_t start = c->p;
	uint64_t v = 0;

	if (hex_value(peek(c)) < 0)
		return unexpected(c, "a hex digit in the region address");
	while (hex_value(peek(c)) >= 0) {
		v = v * 16 + (uint64_t)hex_value(peek(c));
		c->p++;
		if (v > UINT32_MAX)
			return dfu_diag_set(c->diag, DFU_E_OVERFLOW, start,
					    "the region address at offset %zu does not fit in "
					    "32 bits",
					    start);
	}
	*value = (uint32_t)v;
	return 0;
}

/* dfu-util compares the name exactly; every other ST name has trailing
 * spaces, so ignore them here. */
static bool is_device_feature(const char *name)
{
	static const char df[] = "Device Feature";
	size_t n = strlen(name);

	while (n > 0 && name[n - 1] == ' ')
		n--;
	return n == sizeof(df) - 1 && memcmp(name, df, n) == 0;
}

/* Bytes per unit of a written size; every multiplier but K and M means bytes. */
static uint32_t multiplier_factor(char m)
{
	return m == 'K' ? KIB : m == 'M' ? MIB : 1;
}

struct parse_state {
	struct dfuse_layout *out;
	bool forced;		/* "Device Feature": every segment is type 'e' */
	uint8_t region;
	uint64_t next;		/* where the next segment of this region starts */
};

/*
 * One "COUNT*SIZE<mult><type>" segment. The multiplier slot, as dfu-util
 * reads it: 'B', 'K' or 'M' scale the size; a type letter a-g with nothing
 * after it is the type (the size is in bytes); the end, ',' or '/' leave the
 * segment without a type; any other byte (typically ' ') means bytes and is
 * followed by the type letter.
 */
static int read_segment(struct cursor *c, struct parse_state *ps)
{
	struct dfuse_layout *l = ps->out;
	struct dfuse_segment seg;
	size_t at = c->p;
	uint32_t factor = 1;
	uint64_t total;
	int ch;
	int err;

	memset(&seg, 0, sizeof(seg));
	err = read_decimal(c, "page count", &seg.count, &seg.count_digits);
	if (err)
		return err;
	err = expect(c, '*', "'*' after the page count");
	if (err)
		return err;
	err = read_decimal(c, "page size", &seg.page_size, &seg.size_digits);
	if (err)
		return err;

	ch = peek(c);
	if (ch == 'B' || ch == 'K' || ch == 'M') {
		seg.multiplier = (char)ch;
		factor = multiplier_factor(seg.multiplier);
		c->p++;
	} else if (is_type_letter(ch) && is_separator(peek_at(c, 1))) {
		seg.multiplier = DFUSE_MULT_NONE;
		seg.type_letter = (char)ch;
		l->warnings |= DFUSE_WARN_TYPE_IN_MULT;
		c->p++;
	} else if (is_separator(ch)) {
		seg.multiplier = DFUSE_MULT_NONE;
	} else {
		seg.multiplier = (char)ch;
		l->warnings |= DFUSE_WARN_ASSUMED_BYTES;
		c->p++;
	}
	if (seg.multiplier != DFUSE_MULT_NONE && !is_separator(peek(c))) {
		seg.type_letter = (char)peek(c);
		c->p++;
	}

	if (seg.count == 0 || seg.page_size == 0)
		return dfu_diag_set(c->diag, DFU_E_FORMAT, at,
				    "segment at offset %zu has %s 0; it needs at least 1", at,
				    seg.count == 0 ? "page count" : "page size");
	if ((uint64_t)seg.page_size * factor > UINT32_MAX)
		return dfu_diag_set(c->diag, DFU_E_OVERFLOW, at,
				    "page size %u%c at offset %zu does not fit in 32 bits",
				    seg.page_size, seg.multiplier, at);
	seg.page_size *= factor;
	total = (uint64_t)seg.count * seg.page_size;
	if (ps->next + total - 1 > UINT32_MAX)
		return dfu_diag_set(c->diag, DFU_E_OVERFLOW, at,
				    "segment at offset %zu (%u x %u bytes from 0x%08llX) runs past "
				    "0xFFFFFFFF",
				    at, seg.count, seg.page_size, (unsigned long long)ps->next);
	seg.start = (uint32_t)ps->next;
	seg.end = (uint32_t)(ps->next + total - 1);
	ps->next += total;

	if (ps->forced) {
		if (seg.type_letter != 'e')
			l->warnings |= DFUSE_WARN_FORCED_TYPE;
		seg.type_letter = 'e';
	} else if (!is_type_letter(seg.type_letter)) {
		l->warnings |= DFUSE_WARN_SKIPPED;
		return 0;
	}
	seg.type = (uint8_t)(seg.type_letter & 7);
	seg.region = ps->region;
	if (l->nsegments == DFUSE_LAYOUT_MAX_SEGMENTS)
		return dfu_diag_set(c->diag, DFU_E_NOSPACE, at,
				    "segment at offset %zu is one more than the %d a layout holds",
				    at, DFUSE_LAYOUT_MAX_SEGMENTS);
	l->seg[l->nsegments++] = seg;
	return 0;
}

/* "/0xADDR/" and its segments, with the cursor on the leading '/'; leaves
 * it on the '/' of the next region or at the end (vendor text is skipped,
 * with the warning set). */
static int read_region(struct cursor *c, struct parse_state *ps)
{
	uint32_t address = 0;
	int err;

	c->p++; /* the '/' the name or the previous segment stopped on */
	err = expect(c, '0', "'0x' before the region address");
	if (err)
		return err;
	err = expect(c, 'x', "'0x' before the region address");
	if (err)
		return err;
	err = read_hex(c, &address);
	if (err)
		return err;
	err = expect(c, '/', "'/' after the region address");
	if (err)
		return err;
	ps->next = address;
	for (;;) {
		int ch;

		err = read_segment(c, ps);
		if (err)
			return err;
		ch = peek(c);
		if (ch < 0 || ch == '/')
			return 0;
		if (ch != ',') {
			ps->out->warnings |= DFUSE_WARN_TRAILING;
			c->p = c->n;
			return 0;
		}
		c->p++;
	}
}

int dfuse_layout_parse(const char *s, size_t len, struct dfuse_layout *out,
		       struct dfu_diag *diag)
{
	struct cursor c = {.s = s, .n = 0, .p = 0, .diag = diag};
	struct parse_state ps = {.out = out};
	const char *nul;
	size_t name_len;
	unsigned regions = 0;
	int err;

	if (!out || (!s && len))
		return dfu_diag_set(diag, DFU_E_INVAL, 0, "no layout string or no result buffer");
	memset(out, 0, sizeof(*out));
	if (len) {
		nul = memchr(s, '\0', len);
		c.n = nul ? (size_t)(nul - s) : len;
	}

	err = expect(&c, '@', "'@' at the start of a DfuSe layout");
	if (err)
		return err;
	while (peek(&c) >= 0 && peek(&c) != '/')
		c.p++;
	name_len = c.p - 1;
	if (name_len == 0)
		return unexpected(&c, "an alt name after '@'");
	if (peek(&c) < 0)
		return unexpected(&c, "'/' after the alt name");
	if (name_len > DFUSE_LAYOUT_NAME_MAX)
		return dfu_diag_set(diag, DFU_E_NOSPACE, 1 + DFUSE_LAYOUT_NAME_MAX,
				    "alt name is %zu characters long; at most %d fit", name_len,
				    DFUSE_LAYOUT_NAME_MAX);
	memcpy(out->name, s + 1, name_len);
	out->name[name_len] = '\0';
	ps.forced = is_device_feature(out->name);

	do {
		if (regions == REGIONS_MAX)
			return dfu_diag_set(diag, DFU_E_NOSPACE, c.p,
					    "region at offset %zu is one more than the %d a layout "
					    "holds",
					    c.p, REGIONS_MAX);
		ps.region = (uint8_t)regions++;
		err = read_region(&c, &ps);
		if (err)
			return err;
	} while (peek(&c) >= 0);
	return 0;
}

/* An output buffer that remembers whether anything did not fit. */
struct writer {
	char *out;
	size_t cap;
	size_t len;
};

static void put(struct writer *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct writer *w, const char *fmt, ...)
{
	char *dst = w->len < w->cap ? w->out + w->len : NULL;
	size_t room = w->len < w->cap ? w->cap - w->len : 0;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(dst, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		w->len += (size_t)n;
}

/* The letter to write for a segment: as written if it still means the
 * segment's type, else derived from the type; 0 if no letter does. */
static char type_letter_of(const struct dfuse_segment *sg)
{
	if (is_type_letter(sg->type_letter) && (sg->type_letter & 7) == sg->type)
		return sg->type_letter;
	if (sg->type >= 1 && sg->type <= 7)
		return (char)(0x60 | sg->type);
	return 0;
}

static bool segment_writable(const struct dfuse_segment *sg)
{
	char m = sg->multiplier;

	if (sg->count == 0 || sg->page_size == 0)
		return false;
	if ((uint64_t)sg->start + (uint64_t)sg->count * sg->page_size - 1 != sg->end)
		return false;
	if (is_digit((unsigned char)m) || m == ',' || m == '/')
		return false;
	return sg->page_size % multiplier_factor(m) == 0;
}

int dfuse_layout_format(const struct dfuse_layout *l, char *out, size_t cap)
{
	struct writer w = {.out = out, .cap = out ? cap : 0, .len = 0};
	size_t name_len;
	size_t i;

	if (!l || l->nsegments == 0 || l->nsegments > DFUSE_LAYOUT_MAX_SEGMENTS)
		return DFU_E_INVAL;
	name_len = strnlen(l->name, sizeof(l->name));
	if (name_len == 0 || name_len == sizeof(l->name) || memchr(l->name, '/', name_len))
		return DFU_E_INVAL;
	put(&w, "@%s", l->name);
	for (i = 0; i < l->nsegments; i++) {
		const struct dfuse_segment *sg = &l->seg[i];
		const struct dfuse_segment *prev = i ? &l->seg[i - 1] : NULL;
		char letter = type_letter_of(sg);

		if (!letter || !segment_writable(sg))
			return DFU_E_INVAL;
		if (!prev || prev->region != sg->region || (uint64_t)prev->end + 1 != sg->start)
			put(&w, "/0x%08X/", (unsigned)sg->start);
		else
			put(&w, ",");
		put(&w, "%0*u*%0*u", sg->count_digits, (unsigned)sg->count, sg->size_digits,
		    (unsigned)(sg->page_size / multiplier_factor(sg->multiplier)));
		if (sg->multiplier != DFUSE_MULT_NONE)
			put(&w, "%c", sg->multiplier);
		put(&w, "%c", letter);
	}
	if (w.len >= w.cap || w.len > (size_t)INT_MAX)
		return DFU_E_NOSPACE;
	return (int)w.len;
}

const struct dfuse_segment *dfuse_layout_find(const struct dfuse_layout *l, uint32_t address)
{
	size_t i;

	if (!l)
		return NULL;
	for (i = 0; i < l->nsegments && i < DFUSE_LAYOUT_MAX_SEGMENTS; i++)
		if (address >= l->seg[i].start && address <= l->seg[i].end)
			return &l->seg[i];
	return NULL;
}

const char *dfuse_mem_type_text(uint8_t type)
{
	/* Indexed by DFUSE_MEM_* bits; dfu-util prints r, e, w in that order. */
	static const char *const text[8] = {"", "r", "e", "re", "w", "rw", "ew", "rew"};

	return text[type & 7];
}
