/* usbmon_pcap.c - pcap files of usbmon events, LINKTYPE_USB_LINUX_MMAPPED
 * ([usbmon], [pcap-linktypes]: the kernel's Documentation/usb/usbmon.rst,
 * struct usbmon_packet). */
#include <string.h>

#include "dfu/bytes.h"
#include "dfu/usbmon_pcap.h"

/* Loads in the byte order of the file being read. */
static uint16_t get16(bool be, const uint8_t *p)
{
	return be ? dfu_get_be16(p) : dfu_get_le16(p);
}

static uint32_t get32(bool be, const uint8_t *p)
{
	return be ? dfu_get_be32(p) : dfu_get_le32(p);
}

static uint64_t get64(bool be, const uint8_t *p)
{
	if (be)
		return dfu_get_be64(p);
	return (uint64_t)dfu_get_le32(p) | ((uint64_t)dfu_get_le32(p + 4) << 32);
}

static void put_le64(uint8_t *p, uint64_t v)
{
	dfu_put_le32(p, (uint32_t)v);
	dfu_put_le32(p + 4, (uint32_t)(v >> 32));
}

int pcap_global_header_encode(uint8_t *out, size_t cap)
{
	if (cap < PCAP_GLOBAL_HEADER_SIZE)
		return DFU_E_NOSPACE;
	dfu_put_le32(out, PCAP_MAGIC);
	dfu_put_le16(out + 4, PCAP_VERSION_MAJOR);
	dfu_put_le16(out + 6, PCAP_VERSION_MINOR);
	dfu_put_le32(out + 8, 0);	/* thiszone: timestamps are UTC */
	dfu_put_le32(out + 12, 0);	/* sigfigs */
	dfu_put_le32(out + 16, USBMON_SNAPLEN);
	dfu_put_le32(out + 20, PCAP_LINKTYPE_USB_LINUX_MMAPPED);
	return PCAP_GLOBAL_HEADER_SIZE;
}

int pcap_global_header_decode(const uint8_t *in, size_t len, struct pcap_global_header *h,
			      struct dfu_diag *diag)
{
	uint32_t magic;

	if (len < PCAP_GLOBAL_HEADER_SIZE)
		return dfu_diag_set(diag, DFU_E_TRUNCATED, len,
				    "pcap file header needs %d bytes, have %zu",
				    PCAP_GLOBAL_HEADER_SIZE, len);
	magic = dfu_get_le32(in);
	if (magic == PCAP_MAGIC)
		h->swapped = false;
	else if (dfu_get_be32(in) == PCAP_MAGIC)
		h->swapped = true;
	else
		return dfu_diag_set(diag, DFU_E_FORMAT, 0,
				    "pcap magic 0x%08x at offset 0, expected 0xa1b2c3d4 in either "
				    "byte order (microsecond pcap)",
				    (unsigned)magic);
	h->version_major = get16(h->swapped, in + 4);
	h->version_minor = get16(h->swapped, in + 6);
	h->snaplen = get32(h->swapped, in + 16);
	h->network = get32(h->swapped, in + 20);
	if (h->version_major != PCAP_VERSION_MAJOR)
		return dfu_diag_set(diag, DFU_E_FORMAT, 4, "pcap version %u.%u, expected 2.x",
				    h->version_major, h->version_minor);
	return PCAP_GLOBAL_HEADER_SIZE;
}

size_t usbmon_pcap_record_size(const struct usbmon_event *e)
{
	return PCAP_RECORD_HEADER_SIZE + USBMON_HEADER_SIZE + (size_t)e->data_len;
}

int usbmon_pcap_record_encode(const struct usbmon_event *e, uint8_t *out, size_t cap)
{
	size_t size = usbmon_pcap_record_size(e);
	uint8_t *u = out + PCAP_RECORD_HEADER_SIZE;
	uint32_t incl = (uint32_t)(USBMON_HEADER_SIZE + e->data_len);

	if (e->data_len > USBMON_SNAPLEN - USBMON_HEADER_SIZE || (e->data_len && !e->data))
		return DFU_E_INVAL;
	if (size > cap)
		return DFU_E_NOSPACE;
	/* pcap record header: a classic file has 32-bit seconds. */
	dfu_put_le32(out, (uint32_t)e->ts_sec);
	dfu_put_le32(out + 4, (uint32_t)e->ts_usec);
	dfu_put_le32(out + 8, incl);
	dfu_put_le32(out + 12, incl);

	memset(u, 0, USBMON_HEADER_SIZE);
	put_le64(u, e->id);
	u[8] = e->type;
	u[9] = e->xfer_type;
	u[10] = e->epnum;
	u[11] = e->devnum;
	dfu_put_le16(u + 12, e->busnum);
	u[14] = e->setup_valid ? 0 : '-';
	u[15] = e->data_len ? 0 : ((e->epnum & USBMON_DIR_IN) ? '<' : '>');
	put_le64(u + 16, (uint64_t)e->ts_sec);
	dfu_put_le32(u + 24, (uint32_t)e->ts_usec);
	dfu_put_le32(u + 28, (uint32_t)e->status);
	dfu_put_le32(u + 32, e->length);
	dfu_put_le32(u + 36, e->data_len);
	if (e->setup_valid)
		memcpy(u + 40, e->setup, 8);
	dfu_put_le32(u + 48, (uint32_t)e->interval);
	dfu_put_le32(u + 52, (uint32_t)e->start_frame);
	dfu_put_le32(u + 56, e->xfer_flags);
	dfu_put_le32(u + 60, 0);	/* ndesc: no isochronous transfers */
	if (e->data_len)
		memcpy(u + USBMON_HEADER_SIZE, e->data, e->data_len);
	return (int)size;
}

int usbmon_pcap_record_decode(const struct pcap_global_header *h, const uint8_t *in, size_t len,
			      struct usbmon_event *e, struct dfu_diag *diag)
{
	bool be = h->swapped;
	uint32_t incl, orig, ndesc;
	uint64_t expect;
	const uint8_t *u;

	if (len < PCAP_RECORD_HEADER_SIZE)
		return dfu_diag_set(diag, DFU_E_TRUNCATED, len,
				    "pcap record header needs %d bytes, have %zu",
				    PCAP_RECORD_HEADER_SIZE, len);
	incl = get32(be, in + 8);
	orig = get32(be, in + 12);
	if (incl < USBMON_HEADER_SIZE || incl > USBMON_SNAPLEN || incl > orig)
		return dfu_diag_set(diag, DFU_E_SIZE, 8,
				    "pcap record captures %u bytes (of %u): a usbmon record needs "
				    "%d to %u",
				    (unsigned)incl, (unsigned)orig, USBMON_HEADER_SIZE,
				    (unsigned)USBMON_SNAPLEN);
	if (len - PCAP_RECORD_HEADER_SIZE < incl)
		return dfu_diag_set(diag, DFU_E_TRUNCATED, len,
				    "pcap record needs %zu bytes, have %zu",
				    PCAP_RECORD_HEADER_SIZE + (size_t)incl, len);
	u = in + PCAP_RECORD_HEADER_SIZE;
	memset(e, 0, sizeof(*e));
	e->id = get64(be, u);
	e->type = u[8];
	e->xfer_type = u[9];
	e->epnum = u[10];
	e->devnum = u[11];
	e->busnum = get16(be, u + 12);
	e->setup_valid = u[14] == 0;
	e->flag_data = u[15];
	e->ts_sec = (int64_t)get64(be, u + 16);
	e->ts_usec = (int32_t)get32(be, u + 24);
	e->status = (int32_t)get32(be, u + 28);
	e->length = get32(be, u + 32);
	e->data_len = get32(be, u + 36);
	memcpy(e->setup, u + 40, 8);
	e->interval = (int32_t)get32(be, u + 48);
	e->start_frame = (int32_t)get32(be, u + 52);
	e->xfer_flags = get32(be, u + 56);
	ndesc = get32(be, u + 60);
	expect = (uint64_t)USBMON_HEADER_SIZE + (uint64_t)ndesc * 16u + e->data_len;
	if (expect != incl)
		return dfu_diag_set(diag, DFU_E_SIZE, PCAP_RECORD_HEADER_SIZE + 36,
				    "usbmon record says %u data bytes and %u ISO descriptors, but "
				    "the pcap record captures %u bytes",
				    (unsigned)e->data_len, (unsigned)ndesc, (unsigned)incl);
	e->data = e->data_len ? u + USBMON_HEADER_SIZE + (size_t)ndesc * 16u : NULL;
	return (int)(PCAP_RECORD_HEADER_SIZE + incl);
}
