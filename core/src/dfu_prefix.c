/* dfu_prefix.c - vendor prefixes in front of plain firmware: recognising TI
 * Stellaris, NXP LPC and DfuSe images, and writing a Stellaris prefix. */
#include <string.h>

#include "dfu/bytes.h"
#include "dfu/dfu_file.h"

/* TI Stellaris DFU prefix: 0x01 0x00, flash address / 1024 (LE16), payload
 * length in bytes (LE32). Recognised only when that length is exactly what
 * follows, since two bytes 01 00 are common at the start of raw images. */
#define STELLARIS_SIZE 8
#define STELLARIS_MARKER0 0x01
#define STELLARIS_MARKER1 0x00
#define STELLARIS_BLOCKS 2
#define STELLARIS_LENGTH 4
#define STELLARIS_UNIT 1024u

/* NXP LPC unencrypted image header: the low six bits of byte 0 and 1 are
 * 0x1A and 0x3F, bytes 2-3 the length in 512-byte blocks (LE16), bytes 12-15
 * all 0xFF. The top bits of bytes 0-1 are flags and are not compared. */
#define LPC_SIZE 16
#define LPC_FIELD_MASK 0x3F
#define LPC_MARKER0 0x1A
#define LPC_MARKER1 0x3F
#define LPC_BLOCKS 2
#define LPC_PAD 12
#define LPC_BLOCK 512u

/* A DfuSe image is claimed on its signature alone, so that a wrong version
 * or a short header is reported by dfuse_file_parse rather than the file
 * being mistaken for raw firmware. */
static const char dfuse_signature[] = "DfuSe";
#define DFUSE_SIGNATURE_LEN 5

static bool is_stellaris(const uint8_t *fw, size_t len)
{
	return len >= STELLARIS_SIZE && fw[0] == STELLARIS_MARKER0 &&
	       fw[1] == STELLARIS_MARKER1 &&
	       dfu_get_le32(fw + STELLARIS_LENGTH) == len - STELLARIS_SIZE;
}

static bool is_lpc(const uint8_t *fw, size_t len)
{
	static const uint8_t pad[4] = {0xFF, 0xFF, 0xFF, 0xFF};

	return len >= LPC_SIZE && (fw[0] & LPC_FIELD_MASK) == LPC_MARKER0 &&
	       (fw[1] & LPC_FIELD_MASK) == LPC_MARKER1 &&
	       memcmp(fw + LPC_PAD, pad, sizeof(pad)) == 0;
}

void dfu_prefix_probe(const uint8_t *fw, size_t len, struct dfu_prefix_info *p)
{
	if (!p)
		return;
	memset(p, 0, sizeof(*p));
	p->kind = DFU_PREFIX_NONE;
	if (!fw)
		return;
	if (len >= DFUSE_SIGNATURE_LEN && memcmp(fw, dfuse_signature, DFUSE_SIGNATURE_LEN) == 0) {
		p->kind = DFU_PREFIX_DFUSE;
	} else if (is_stellaris(fw, len)) {
		p->kind = DFU_PREFIX_STELLARIS;
		p->size = STELLARIS_SIZE;
		p->address = (uint32_t)dfu_get_le16(fw + STELLARIS_BLOCKS) * STELLARIS_UNIT;
		p->payload_len = dfu_get_le32(fw + STELLARIS_LENGTH);
	} else if (is_lpc(fw, len)) {
		p->kind = DFU_PREFIX_LPC;
		p->size = LPC_SIZE;
		p->payload_len = (uint32_t)dfu_get_le16(fw + LPC_BLOCKS) * LPC_BLOCK;
	}
}

const char *dfu_prefix_name(enum dfu_prefix_kind kind)
{
	switch (kind) {
	case DFU_PREFIX_NONE: return "none";
	case DFU_PREFIX_DFUSE: return "DfuSe";
	case DFU_PREFIX_STELLARIS: return "TI Stellaris";
	case DFU_PREFIX_LPC: return "NXP LPC";
	}
	return "unknown";
}

int dfu_prefix_stellaris_encode(uint32_t address, uint32_t payload_len, uint8_t *out, size_t cap)
{
	uint32_t blocks = address / STELLARIS_UNIT;

	if (!out)
		return DFU_E_INVAL;
	/* The address travels as a 16-bit count of 1 KiB blocks. */
	if (address % STELLARIS_UNIT != 0 || blocks > UINT16_MAX)
		return DFU_E_INVAL;
	if (cap < STELLARIS_SIZE)
		return DFU_E_NOSPACE;
	out[0] = STELLARIS_MARKER0;
	out[1] = STELLARIS_MARKER1;
	dfu_put_le16(out + STELLARIS_BLOCKS, (uint16_t)blocks);
	dfu_put_le32(out + STELLARIS_LENGTH, payload_len);
	return STELLARIS_SIZE;
}
