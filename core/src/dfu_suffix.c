/* dfu_suffix.c - the DFU suffix CRC, suffix parse/append, and whole-file
 * classification (DFU 1.1 Appendix B). */
#include <limits.h>
#include <string.h>

#include "dfu/bytes.h"
#include "dfu/dfu_file.h"

/* Suffix field offsets from the start of the 16-byte suffix (DFU 1.1 B.1).
 * The signature, bLength and dwCRC sit at fixed distances from the end of
 * the file even when bLength announces a longer vendor suffix. */
#define SFX_BCD_DEVICE 0
#define SFX_ID_PRODUCT 2
#define SFX_ID_VENDOR 4
#define SFX_BCD_DFU 6
#define SFX_SIGNATURE 8
#define SFX_LENGTH 11
#define SFX_CRC 12
#define SFX_SIGNATURE_LEN 3

static const uint8_t suffix_signature[SFX_SIGNATURE_LEN] = {'U', 'F', 'D'};

/* Half-byte table of the reflected polynomial 0xEDB88320: 64 bytes of
 * constants instead of 1 KiB, still fast enough for megabyte images. */
static const uint32_t crc_nibble[16] = {
	0x00000000, 0x1DB71064, 0x3B6E20C8, 0x26D930AC, 0x76DC4190, 0x6B6B51F4,
	0x4DB26158, 0x5005713C, 0xEDB88320, 0xF00F9344, 0xD6D6A3E8, 0xCB61B38C,
	0x9B64C2B0, 0x86D3D2D4, 0xA00AE278, 0xBDBDF21C,
};

uint32_t dfu_crc32(uint32_t crc, const uint8_t *data, size_t len)
{
	size_t i;

	if (!data)
		return crc;
	for (i = 0; i < len; i++) {
		crc ^= data[i];
		crc = (crc >> 4) ^ crc_nibble[crc & 0xF];
		crc = (crc >> 4) ^ crc_nibble[crc & 0xF];
	}
	return crc;
}

int dfu_suffix_parse(const uint8_t *buf, size_t len, struct dfu_suffix *s,
		     struct dfu_diag *diag)
{
	const uint8_t *sfx;
	size_t at;
	uint32_t stored, computed;
	uint8_t blength;

	if (!buf && len)
		return dfu_diag_set(diag, DFU_E_INVAL, 0, "no file buffer");
	if (len < DFU_SUFFIX_SIZE)
		return dfu_diag_set(diag, DFU_E_TRUNCATED, 0,
				    "a DFU suffix takes 16 bytes but the file has only %zu", len);
	at = len - DFU_SUFFIX_SIZE;
	sfx = buf + at;
	if (memcmp(sfx + SFX_SIGNATURE, suffix_signature, SFX_SIGNATURE_LEN) != 0)
		return dfu_diag_set(diag, DFU_E_NOTFOUND, at + SFX_SIGNATURE,
				    "no DFU suffix: bytes %02X %02X %02X at offset 0x%zx are "
				    "not \"UFD\"; the file is a raw image",
				    sfx[SFX_SIGNATURE], sfx[SFX_SIGNATURE + 1],
				    sfx[SFX_SIGNATURE + 2], at + SFX_SIGNATURE);
	stored = dfu_get_le32(sfx + SFX_CRC);
	computed = dfu_crc32(DFU_CRC_INIT, buf, len - 4);
	if (stored != computed)
		return dfu_diag_set(diag, DFU_E_CRC, at + SFX_CRC,
				    "DFU suffix CRC at offset 0x%zx is 0x%08X but the file's CRC "
				    "is 0x%08X; the file is damaged or was edited after its "
				    "suffix was added",
				    at + SFX_CRC, (unsigned)stored, (unsigned)computed);
	blength = sfx[SFX_LENGTH];
	if (blength < DFU_SUFFIX_SIZE)
		return dfu_diag_set(diag, DFU_E_FORMAT, at + SFX_LENGTH,
				    "DFU suffix bLength at offset 0x%zx is %u; it must be at "
				    "least 16",
				    at + SFX_LENGTH, (unsigned)blength);
	if (blength > len)
		return dfu_diag_set(diag, DFU_E_SIZE, at + SFX_LENGTH,
				    "DFU suffix bLength at offset 0x%zx is %u but the file has "
				    "only %zu bytes",
				    at + SFX_LENGTH, (unsigned)blength, len);
	if (s) {
		s->bcdDevice = dfu_get_le16(sfx + SFX_BCD_DEVICE);
		s->idProduct = dfu_get_le16(sfx + SFX_ID_PRODUCT);
		s->idVendor = dfu_get_le16(sfx + SFX_ID_VENDOR);
		s->bcdDFU = dfu_get_le16(sfx + SFX_BCD_DFU);
		s->bLength = blength;
		s->dwCRC = stored;
	}
	return 0;
}

int dfu_suffix_append(uint8_t *buf, size_t len, size_t cap, struct dfu_suffix *s)
{
	uint8_t *sfx;

	if (!buf || !s)
		return DFU_E_INVAL;
	if (len > cap || cap - len < DFU_SUFFIX_SIZE)
		return DFU_E_NOSPACE;
	/* The result is returned as an int. */
	if (len > (size_t)INT_MAX - DFU_SUFFIX_SIZE)
		return DFU_E_OVERFLOW;
	sfx = buf + len;
	dfu_put_le16(sfx + SFX_BCD_DEVICE, s->bcdDevice);
	dfu_put_le16(sfx + SFX_ID_PRODUCT, s->idProduct);
	dfu_put_le16(sfx + SFX_ID_VENDOR, s->idVendor);
	dfu_put_le16(sfx + SFX_BCD_DFU, s->bcdDFU);
	memcpy(sfx + SFX_SIGNATURE, suffix_signature, SFX_SIGNATURE_LEN);
	sfx[SFX_LENGTH] = DFU_SUFFIX_SIZE;
	s->bLength = DFU_SUFFIX_SIZE;
	s->dwCRC = dfu_crc32(DFU_CRC_INIT, buf, len + SFX_CRC);
	dfu_put_le32(sfx + SFX_CRC, s->dwCRC);
	return (int)(len + DFU_SUFFIX_SIZE);
}

int dfu_file_inspect(const uint8_t *buf, size_t len, struct dfu_file_info *info,
		     struct dfu_diag *diag)
{
	struct dfu_diag local;
	int rc;

	if (!info || (!buf && len))
		return dfu_diag_set(diag, DFU_E_INVAL, 0, "no file buffer or no result");
	memset(info, 0, sizeof(*info));
	rc = dfu_suffix_parse(buf, len, &info->suffix, &local);
	if (rc == 0) {
		info->has_suffix = true;
		/* A longer vendor suffix is stripped whole, as dfu-util does. */
		info->fw_len = len - info->suffix.bLength;
	} else if (rc == DFU_E_NOTFOUND || rc == DFU_E_TRUNCATED) {
		/* No signature, or too short to hold one: a raw image. */
		info->fw_len = len;
	} else {
		if (diag)
			*diag = local;
		return rc;
	}
	dfu_prefix_probe(buf, info->fw_len, &info->prefix);
	return 0;
}
