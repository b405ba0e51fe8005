/* dfuse_file.c - DfuSe .dfu images (UM0391): validate, iterate, build. */
#include <limits.h>
#include <string.h>

#include "dfu/bytes.h"
#include "dfu/dfu_file.h"

/* UM0391 §2: the image prefix. */
#define PFX_SIGNATURE 0
#define PFX_VERSION 5
#define PFX_IMAGE_SIZE 6
#define PFX_TARGETS 10
#define DFUSE_VERSION 1
static const uint8_t image_signature[5] = {'D', 'f', 'u', 'S', 'e'};

/* UM0391 §2: the target prefix. bTargetNamed is a LE32, but dfu-util only
 * looks at its first byte; so do we, so both agree on odd files. */
#define TGT_SIGNATURE 0
#define TGT_ALT 6
#define TGT_NAMED 7
#define TGT_NAME 11
#define TGT_SIZE 266
#define TGT_NELEMENTS 270
static const uint8_t target_signature[6] = {'T', 'a', 'r', 'g', 'e', 't'};

#define ELEM_ADDRESS 0
#define ELEM_SIZE 4

#define DFUSE_BCD_DFU 0x011A

/* The highest address an element of `size` bytes at `address` touches
 * would not fit in 32 bits. */
static bool range_wraps(uint32_t address, uint32_t size)
{
	return size != 0 && (uint64_t)address + size - 1 > UINT32_MAX;
}

static void hex5(const uint8_t *p, char *out)
{
	static const char digits[] = "0123456789ABCDEF";
	size_t i;

	for (i = 0; i < 5; i++) {
		out[i * 3] = digits[p[i] >> 4];
		out[i * 3 + 1] = digits[p[i] & 0xF];
		out[i * 3 + 2] = i < 4 ? ' ' : '\0';
	}
}

static int parse_prefix(const uint8_t *fw, size_t len, struct dfuse_file *f,
			struct dfu_diag *diag)
{
	char got[15];

	if (len < DFUSE_PREFIX_SIZE)
		return dfu_diag_set(diag, DFU_E_TRUNCATED, 0,
				    "DfuSe prefix takes 11 bytes but the image has only %zu", len);
	if (memcmp(fw + PFX_SIGNATURE, image_signature, sizeof(image_signature)) != 0) {
		hex5(fw + PFX_SIGNATURE, got);
		return dfu_diag_set(diag, DFU_E_FORMAT, PFX_SIGNATURE,
				    "DfuSe signature at offset 0x0 is %s, expected \"DfuSe\" "
				    "(44 66 75 53 65)", got);
	}
	if (fw[PFX_VERSION] != DFUSE_VERSION)
		return dfu_diag_set(diag, DFU_E_FORMAT, PFX_VERSION,
				    "DfuSe bVersion at offset 0x5 is %u; only version 1 is "
				    "supported", (unsigned)fw[PFX_VERSION]);
	f->version = fw[PFX_VERSION];
	f->image_size = dfu_get_le32(fw + PFX_IMAGE_SIZE);
	f->ntargets = fw[PFX_TARGETS];
	f->body = fw + DFUSE_PREFIX_SIZE;
	f->body_len = len - DFUSE_PREFIX_SIZE;
	return 0;
}

/* Walk the elements of the target whose prefix is at fw+off; on success
 * return the bytes its elements take in *used. `len` bounds everything. */
static int parse_elements(const uint8_t *fw, size_t len, size_t off, unsigned ti,
			  uint32_t nelements, size_t *used, struct dfu_diag *diag)
{
	size_t pos = off + DFUSE_TARGET_PREFIX_SIZE;
	uint32_t ei;

	/* Each element takes at least 8 bytes, so a huge dwNbElements ends in
	 * a truncation error after at most len/8 rounds. */
	for (ei = 0; ei < nelements; ei++) {
		uint32_t address, size;
		size_t remain = len - pos;

		if (remain < DFUSE_ELEMENT_HEADER_SIZE)
			return dfu_diag_set(diag, DFU_E_TRUNCATED, pos,
					    "element %u of target %u at offset 0x%zx needs an "
					    "8-byte header but only %zu bytes remain "
					    "(target claims %u elements)",
					    (unsigned)ei, ti, pos, remain, (unsigned)nelements);
		address = dfu_get_le32(fw + pos + ELEM_ADDRESS);
		size = dfu_get_le32(fw + pos + ELEM_SIZE);
		remain -= DFUSE_ELEMENT_HEADER_SIZE;
		if (size > remain)
			return dfu_diag_set(diag, DFU_E_TRUNCATED, pos + ELEM_SIZE,
					    "element %u of target %u at offset 0x%zx claims %u "
					    "bytes but only %zu remain",
					    (unsigned)ei, ti, pos, (unsigned)size, remain);
		if (range_wraps(address, size))
			return dfu_diag_set(diag, DFU_E_OVERFLOW, pos + ELEM_ADDRESS,
					    "element %u of target %u at offset 0x%zx: address "
					    "0x%08X plus %u bytes runs past 0xFFFFFFFF",
					    (unsigned)ei, ti, pos, (unsigned)address,
					    (unsigned)size);
		pos += DFUSE_ELEMENT_HEADER_SIZE + (size_t)size;
	}
	*used = pos - off - DFUSE_TARGET_PREFIX_SIZE;
	return 0;
}

int dfuse_file_parse(const uint8_t *fw, size_t len, struct dfuse_file *f,
		     struct dfu_diag *diag)
{
	struct dfuse_file tmp;
	size_t off;
	unsigned ti;
	int rc;

	if (!f || (!fw && len))
		return dfu_diag_set(diag, DFU_E_INVAL, 0, "no image buffer or no result");
	memset(&tmp, 0, sizeof(tmp));
	rc = parse_prefix(fw, len, &tmp, diag);
	if (rc)
		return rc;
	off = DFUSE_PREFIX_SIZE;
	for (ti = 0; ti < tmp.ntargets; ti++) {
		size_t remain = len - off, used = 0;
		uint32_t size, nelements;

		if (remain < DFUSE_TARGET_PREFIX_SIZE)
			return dfu_diag_set(diag, DFU_E_TRUNCATED, off,
					    "target %u at offset 0x%zx needs a 274-byte prefix "
					    "but only %zu bytes remain (the image claims %u "
					    "targets)",
					    ti, off, remain, (unsigned)tmp.ntargets);
		if (memcmp(fw + off + TGT_SIGNATURE, target_signature,
			   sizeof(target_signature)) != 0)
			return dfu_diag_set(diag, DFU_E_FORMAT, off,
					    "target %u at offset 0x%zx does not start with "
					    "\"Target\" (first byte 0x%02X)",
					    ti, off, (unsigned)fw[off]);
		size = dfu_get_le32(fw + off + TGT_SIZE);
		nelements = dfu_get_le32(fw + off + TGT_NELEMENTS);
		rc = parse_elements(fw, len, off, ti, nelements, &used, diag);
		if (rc)
			return rc;
		if (used != size)
			return dfu_diag_set(diag, DFU_E_SIZE, off + TGT_SIZE,
					    "target %u at offset 0x%zx: dwTargetSize is %u but "
					    "its %u elements take %zu bytes",
					    ti, off, (unsigned)size, (unsigned)nelements, used);
		off += DFUSE_TARGET_PREFIX_SIZE + used;
	}
	tmp.trailing = len - off;
	*f = tmp;
	return 0;
}

int dfuse_file_next_target(const struct dfuse_file *f, size_t *cursor, struct dfuse_target *t)
{
	const uint8_t *p;
	size_t end, pos;

	if (!f || !cursor || !t || !f->body || f->trailing > f->body_len)
		return 0;
	end = f->body_len - f->trailing;
	pos = *cursor;
	if (pos >= end || end - pos < DFUSE_TARGET_PREFIX_SIZE)
		return 0;
	p = f->body + pos;
	memset(t, 0, sizeof(*t));
	t->alt = p[TGT_ALT];
	t->named = p[TGT_NAMED] != 0;
	if (t->named) {
		/* The name field need not hold a NUL; ours always does. */
		memcpy(t->name, p + TGT_NAME, DFUSE_TARGET_NAME_MAX);
		t->name[DFUSE_TARGET_NAME_MAX] = '\0';
	}
	t->size = dfu_get_le32(p + TGT_SIZE);
	t->nelements = dfu_get_le32(p + TGT_NELEMENTS);
	t->elements = p + DFUSE_TARGET_PREFIX_SIZE;
	/* Only reachable with a file that dfuse_file_parse did not accept. */
	if (t->size > end - pos - DFUSE_TARGET_PREFIX_SIZE)
		return 0;
	*cursor = pos + DFUSE_TARGET_PREFIX_SIZE + t->size;
	return 1;
}

int dfuse_target_next_element(const struct dfuse_target *t, size_t *cursor,
			      struct dfuse_element *e)
{
	size_t pos;

	if (!t || !cursor || !e || !t->elements)
		return 0;
	pos = *cursor;
	if (pos >= t->size || t->size - pos < DFUSE_ELEMENT_HEADER_SIZE)
		return 0;
	e->address = dfu_get_le32(t->elements + pos + ELEM_ADDRESS);
	e->size = dfu_get_le32(t->elements + pos + ELEM_SIZE);
	e->data = t->elements + pos + DFUSE_ELEMENT_HEADER_SIZE;
	if (e->size > t->size - pos - DFUSE_ELEMENT_HEADER_SIZE)
		return 0;
	*cursor = pos + DFUSE_ELEMENT_HEADER_SIZE + e->size;
	return 1;
}

/* a += b, saturating at SIZE_MAX so an absurd request fails cleanly. */
static size_t add_sat(size_t a, size_t b)
{
	return a > SIZE_MAX - b ? SIZE_MAX : a + b;
}

/* Bytes the elements of one target take, saturated. */
static size_t target_body_size(const struct dfuse_build_target *t)
{
	size_t n = 0, i;

	if (!t->elements)
		return 0;
	for (i = 0; i < t->nelements; i++)
		n = add_sat(n, add_sat(DFUSE_ELEMENT_HEADER_SIZE, t->elements[i].size));
	return n;
}

size_t dfuse_file_build_size(const struct dfuse_build_target *targets, size_t ntargets)
{
	size_t n = DFUSE_PREFIX_SIZE + DFU_SUFFIX_SIZE, i;

	if (!targets)
		return n;
	for (i = 0; i < ntargets; i++)
		n = add_sat(n, add_sat(DFUSE_TARGET_PREFIX_SIZE, target_body_size(&targets[i])));
	return n;
}

/* Everything build refuses, checked before a byte is written. */
static int check_targets(const struct dfuse_build_target *targets, size_t ntargets)
{
	size_t i, j;

	if (ntargets > UINT8_MAX || (!targets && ntargets))
		return DFU_E_INVAL;
	for (i = 0; i < ntargets; i++) {
		const struct dfuse_build_target *t = &targets[i];

		if (t->name && strnlen(t->name, DFUSE_TARGET_NAME_MAX + 1) > DFUSE_TARGET_NAME_MAX)
			return DFU_E_INVAL;
		if ((!t->elements && t->nelements) || t->nelements > UINT32_MAX)
			return DFU_E_INVAL;
		for (j = 0; j < t->nelements; j++) {
			const struct dfuse_build_element *e = &t->elements[j];

			if (!e->data && e->size)
				return DFU_E_INVAL;
			if (range_wraps(e->address, e->size))
				return DFU_E_OVERFLOW;
		}
		if (target_body_size(t) > UINT32_MAX)
			return DFU_E_OVERFLOW;
	}
	return 0;
}

static uint8_t *put_target(uint8_t *p, const struct dfuse_build_target *t)
{
	size_t j;

	memset(p, 0, DFUSE_TARGET_PREFIX_SIZE);
	memcpy(p + TGT_SIGNATURE, target_signature, sizeof(target_signature));
	p[TGT_ALT] = t->alt;
	if (t->name) {
		dfu_put_le32(p + TGT_NAMED, 1);
		memcpy(p + TGT_NAME, t->name, strlen(t->name));
	}
	dfu_put_le32(p + TGT_SIZE, (uint32_t)target_body_size(t));
	dfu_put_le32(p + TGT_NELEMENTS, (uint32_t)t->nelements);
	p += DFUSE_TARGET_PREFIX_SIZE;
	for (j = 0; j < t->nelements; j++) {
		const struct dfuse_build_element *e = &t->elements[j];

		dfu_put_le32(p + ELEM_ADDRESS, e->address);
		dfu_put_le32(p + ELEM_SIZE, e->size);
		p += DFUSE_ELEMENT_HEADER_SIZE;
		if (e->size)
			memcpy(p, e->data, e->size);
		p += e->size;
	}
	return p;
}

int dfuse_file_build(const struct dfuse_build_target *targets, size_t ntargets,
		     const struct dfu_suffix *ids, uint8_t *out, size_t cap)
{
	struct dfu_suffix sfx;
	size_t total, i;
	uint8_t *p;
	int rc;

	if (!ids || !out)
		return DFU_E_INVAL;
	rc = check_targets(targets, ntargets);
	if (rc)
		return rc;
	total = dfuse_file_build_size(targets, ntargets);
	if (total > INT_MAX)
		return DFU_E_OVERFLOW;
	if (cap < total)
		return DFU_E_NOSPACE;
	memcpy(out + PFX_SIGNATURE, image_signature, sizeof(image_signature));
	out[PFX_VERSION] = DFUSE_VERSION;
	/* dfuse-pack's meaning: the whole file, suffix included. */
	dfu_put_le32(out + PFX_IMAGE_SIZE, (uint32_t)total);
	out[PFX_TARGETS] = (uint8_t)ntargets;
	p = out + DFUSE_PREFIX_SIZE;
	for (i = 0; i < ntargets; i++)
		p = put_target(p, &targets[i]);
	sfx.bcdDevice = ids->bcdDevice;
	sfx.idProduct = ids->idProduct;
	sfx.idVendor = ids->idVendor;
	sfx.bcdDFU = DFUSE_BCD_DFU;
	return dfu_suffix_append(out, (size_t)(p - out), cap, &sfx);
}
