/* vport_frame.c - encode and decode the bridge's frames (vport_frame.h). */
#include "interop/vport_frame.h"

#include <string.h>

#include "dfu/bytes.h"

const char *vpb_type_name(uint8_t type)
{
	switch (type) {
	case VPB_HELLO: return "hello";
	case VPB_OPEN: return "open";
	case VPB_DATA: return "data";
	case VPB_CLOSE: return "close";
	default: return "unknown";
	}
}

/* The rules of vport_frame.h, shared by the encoder and the decoder. */
static int check_fields(uint8_t type, uint8_t id, size_t len, struct dfu_diag *diag,
			uint64_t base)
{
	switch (type) {
	case VPB_HELLO:
		if (id != 0)
			return dfu_diag_set(diag, DFU_E_FORMAT, (size_t)base + 1,
					    "hello frame with connection id %u, expected 0", id);
		if (len != VPB_HELLO_SIZE)
			return dfu_diag_set(diag, DFU_E_FORMAT, (size_t)base + 2,
					    "hello frame with length %zu, expected %d", len,
					    VPB_HELLO_SIZE);
		return 0;
	case VPB_OPEN:
	case VPB_CLOSE:
		if (id == 0)
			return dfu_diag_set(diag, DFU_E_FORMAT, (size_t)base + 1,
					    "%s frame with connection id 0 (ids are 1-255)",
					    vpb_type_name(type));
		if (len != 0)
			return dfu_diag_set(diag, DFU_E_FORMAT, (size_t)base + 2,
					    "%s frame with length %zu, expected 0",
					    vpb_type_name(type), len);
		return 0;
	case VPB_DATA:
		if (id == 0)
			return dfu_diag_set(diag, DFU_E_FORMAT, (size_t)base + 1,
					    "data frame with connection id 0 (ids are 1-255)");
		if (len == 0 || len > VPB_MAX_DATA)
			return dfu_diag_set(diag, DFU_E_FORMAT, (size_t)base + 2,
					    "data frame with length %zu, expected 1-%d", len,
					    VPB_MAX_DATA);
		return 0;
	default:
		return dfu_diag_set(diag, DFU_E_FORMAT, (size_t)base,
				    "unknown frame type 0x%02x, expected 'H', 'O', 'D' or 'C' "
				    "(the stream is out of step)", type);
	}
}

int vpb_encode(uint8_t *out, size_t cap, uint8_t type, uint8_t id, const uint8_t *data,
	       size_t len)
{
	if (!out || (len && !data) || check_fields(type, id, len, NULL, 0) < 0)
		return DFU_E_INVAL;
	if (type == VPB_HELLO && memcmp(data, VPB_HELLO_MAGIC, VPB_HELLO_SIZE) != 0)
		return DFU_E_INVAL;
	if (cap < VPB_HEADER_SIZE + len)
		return DFU_E_NOSPACE;
	out[0] = type;
	out[1] = id;
	dfu_put_be16(out + 2, (uint16_t)len);
	if (len)
		memcpy(out + VPB_HEADER_SIZE, data, len);
	return (int)(VPB_HEADER_SIZE + len);
}

int vpb_check_header(const uint8_t hdr[VPB_HEADER_SIZE], struct dfu_diag *diag)
{
	if (!hdr)
		return DFU_E_INVAL;
	return check_fields(hdr[0], hdr[1], dfu_get_be16(hdr + 2), diag, 0);
}

void vpb_decoder_init(struct vpb_decoder *d)
{
	memset(d, 0, sizeof(*d));
}

int vpb_decode(struct vpb_decoder *d, const uint8_t *in, size_t n, size_t *used,
	       struct vpb_frame *f, struct dfu_diag *diag)
{
	size_t take, need;
	int rc;

	if (!d || !used || !f || (n && !in))
		return DFU_E_INVAL;
	*used = 0;
	if (d->failed)
		return dfu_diag_set(diag, d->failed, (size_t)d->offset,
				    "the stream broke earlier; no frame after that is trusted");
	/* A frame was handed out by the last call: start the next one. */
	if (d->have >= VPB_HEADER_SIZE &&
	    d->have == VPB_HEADER_SIZE + (size_t)dfu_get_be16(d->buf + 2)) {
		d->offset += d->have;
		d->have = 0;
	}
	if (n == 0)
		return 0;
	if (d->have < VPB_HEADER_SIZE) {
		take = VPB_HEADER_SIZE - d->have;
		if (take > n)
			take = n;
		memcpy(d->buf + d->have, in, take);
		d->have += take;
		*used += take;
		if (d->have < VPB_HEADER_SIZE)
			return 0;
		rc = check_fields(d->buf[0], d->buf[1], dfu_get_be16(d->buf + 2), diag,
				  d->offset);
		if (rc < 0) {
			d->failed = rc;
			return rc;
		}
	}
	need = VPB_HEADER_SIZE + (size_t)dfu_get_be16(d->buf + 2) - d->have;
	take = n - *used < need ? n - *used : need;
	memcpy(d->buf + d->have, in + *used, take);
	d->have += take;
	*used += take;
	if (take < need)
		return 0;
	if (d->buf[0] == VPB_HELLO &&
	    memcmp(d->buf + VPB_HEADER_SIZE, VPB_HELLO_MAGIC, VPB_HELLO_SIZE) != 0) {
		d->failed = DFU_E_FORMAT;
		return dfu_diag_set(diag, DFU_E_FORMAT, (size_t)d->offset + VPB_HEADER_SIZE,
				    "hello frame without the magic \"%s\" (another program on "
				    "the port?)", VPB_HELLO_MAGIC);
	}
	f->type = d->buf[0];
	f->id = d->buf[1];
	f->len = dfu_get_be16(d->buf + 2);
	f->data = d->buf + VPB_HEADER_SIZE;
	return 1;
}
