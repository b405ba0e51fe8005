/*
 * usb_desc.c - standard USB descriptors (USB 2.0 §9.6) built and parsed
 * field by field, string descriptors converted between UTF-8 and UTF-16LE,
 * and a walker over a configuration blob that pairs each DFU interface
 * alternate setting with its DFU functional descriptor.
 *
 * Descriptors come from the wire in both directions (a host parses what a
 * device sent; the emulator may one day parse what a test feeds it), so
 * every length is checked before a byte is read and nothing asserts.
 */
#include "dfu/usb_desc.h"

#include "dfu/bytes.h"
#include "dfu/error.h"

/* The two-byte header every descriptor starts with (USB 2.0 §9.5):
 * TRUNCATED when the buffer cannot hold the header or bLength, FORMAT for
 * the wrong type or a bLength below what the type needs. */
static int check_header(const uint8_t *in, size_t len, uint8_t type, size_t min_len)
{
	if (len < 2)
		return DFU_E_TRUNCATED;
	if (in[1] != type || in[0] < min_len)
		return DFU_E_FORMAT;
	if (len < in[0])
		return DFU_E_TRUNCATED;
	return DFU_OK;
}

int usb_device_desc_encode(const struct usb_device_desc *d, uint8_t *out, size_t cap)
{
	if (cap < USB_DT_DEVICE_SIZE)
		return DFU_E_NOSPACE;
	out[0] = USB_DT_DEVICE_SIZE;
	out[1] = USB_DT_DEVICE;
	dfu_put_le16(out + 2, d->bcdUSB);
	out[4] = d->bDeviceClass;
	out[5] = d->bDeviceSubClass;
	out[6] = d->bDeviceProtocol;
	out[7] = d->bMaxPacketSize0;
	dfu_put_le16(out + 8, d->idVendor);
	dfu_put_le16(out + 10, d->idProduct);
	dfu_put_le16(out + 12, d->bcdDevice);
	out[14] = d->iManufacturer;
	out[15] = d->iProduct;
	out[16] = d->iSerialNumber;
	out[17] = d->bNumConfigurations;
	return USB_DT_DEVICE_SIZE;
}

int usb_device_desc_decode(const uint8_t *in, size_t len, struct usb_device_desc *d)
{
	int rc = check_header(in, len, USB_DT_DEVICE, USB_DT_DEVICE_SIZE);

	if (rc)
		return rc;
	d->bcdUSB = dfu_get_le16(in + 2);
	d->bDeviceClass = in[4];
	d->bDeviceSubClass = in[5];
	d->bDeviceProtocol = in[6];
	d->bMaxPacketSize0 = in[7];
	d->idVendor = dfu_get_le16(in + 8);
	d->idProduct = dfu_get_le16(in + 10);
	d->bcdDevice = dfu_get_le16(in + 12);
	d->iManufacturer = in[14];
	d->iProduct = in[15];
	d->iSerialNumber = in[16];
	d->bNumConfigurations = in[17];
	return DFU_OK;
}

int usb_config_desc_encode(const struct usb_config_desc *d, uint8_t *out, size_t cap)
{
	if (cap < USB_DT_CONFIG_SIZE)
		return DFU_E_NOSPACE;
	out[0] = USB_DT_CONFIG_SIZE;
	out[1] = USB_DT_CONFIG;
	dfu_put_le16(out + 2, d->wTotalLength);
	out[4] = d->bNumInterfaces;
	out[5] = d->bConfigurationValue;
	out[6] = d->iConfiguration;
	out[7] = d->bmAttributes;
	out[8] = d->bMaxPower;
	return USB_DT_CONFIG_SIZE;
}

int usb_config_desc_decode(const uint8_t *in, size_t len, struct usb_config_desc *d)
{
	int rc = check_header(in, len, USB_DT_CONFIG, USB_DT_CONFIG_SIZE);

	if (rc)
		return rc;
	d->wTotalLength = dfu_get_le16(in + 2);
	d->bNumInterfaces = in[4];
	d->bConfigurationValue = in[5];
	d->iConfiguration = in[6];
	d->bmAttributes = in[7];
	d->bMaxPower = in[8];
	return DFU_OK;
}

int usb_interface_desc_encode(const struct usb_interface_desc *d, uint8_t *out, size_t cap)
{
	if (cap < USB_DT_INTERFACE_SIZE)
		return DFU_E_NOSPACE;
	out[0] = USB_DT_INTERFACE_SIZE;
	out[1] = USB_DT_INTERFACE;
	out[2] = d->bInterfaceNumber;
	out[3] = d->bAlternateSetting;
	out[4] = d->bNumEndpoints;
	out[5] = d->bInterfaceClass;
	out[6] = d->bInterfaceSubClass;
	out[7] = d->bInterfaceProtocol;
	out[8] = d->iInterface;
	return USB_DT_INTERFACE_SIZE;
}

int usb_interface_desc_decode(const uint8_t *in, size_t len, struct usb_interface_desc *d)
{
	int rc = check_header(in, len, USB_DT_INTERFACE, USB_DT_INTERFACE_SIZE);

	if (rc)
		return rc;
	d->bInterfaceNumber = in[2];
	d->bAlternateSetting = in[3];
	d->bNumEndpoints = in[4];
	d->bInterfaceClass = in[5];
	d->bInterfaceSubClass = in[6];
	d->bInterfaceProtocol = in[7];
	d->iInterface = in[8];
	return DFU_OK;
}

/* ---- string descriptors ---- */

/*
 * Read one code point of well-formed UTF-8 (RFC 3629) and advance `*p`.
 * Overlong forms, stray continuation bytes, UTF-16 surrogates and anything
 * above U+FFFF are DFU_E_FORMAT: a string descriptor holds UCS-2 in
 * practice, and no descriptor dfulab builds needs more. The string is
 * NUL-terminated, so a cut-off sequence meets the NUL, which is not a
 * continuation byte, and nothing past it is read.
 */
static int utf8_next(const unsigned char **p, uint16_t *cp)
{
	const unsigned char *s = *p;
	unsigned v;

	if (s[0] < 0x80) {
		*cp = s[0];
		*p = s + 1;
		return DFU_OK;
	}
	if (s[0] >= 0xC2 && s[0] <= 0xDF) {
		if ((s[1] & 0xC0) != 0x80)
			return DFU_E_FORMAT;
		*cp = (uint16_t)(((s[0] & 0x1Fu) << 6) | (s[1] & 0x3Fu));
		*p = s + 2;
		return DFU_OK;
	}
	if (s[0] >= 0xE0 && s[0] <= 0xEF) {
		if ((s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80)
			return DFU_E_FORMAT;
		v = ((s[0] & 0x0Fu) << 12) | ((s[1] & 0x3Fu) << 6) | (s[2] & 0x3Fu);
		if (v < 0x800 || (v >= 0xD800 && v <= 0xDFFF))
			return DFU_E_FORMAT;
		*cp = (uint16_t)v;
		*p = s + 3;
		return DFU_OK;
	}
	return DFU_E_FORMAT; /* continuation, C0/C1, 4-byte leads, F5..FF */
}

int usb_string_desc_encode(const char *utf8, uint8_t *out, size_t cap)
{
	const unsigned char *p = (const unsigned char *)utf8;
	size_t units = 0, size;
	uint16_t cp;
	int rc;

	if (!utf8)
		return DFU_E_INVAL;
	/* Validate the whole string first so bad text is always FORMAT, not
	 * NOSPACE because of where the buffer happened to end. */
	while (*p) {
		rc = utf8_next(&p, &cp);
		if (rc)
			return rc;
		units++;
	}
	if (units > USB_STRING_MAX_CHARS)
		return DFU_E_NOSPACE;
	size = 2 + 2 * units;
	if (cap < size)
		return DFU_E_NOSPACE;
	out[0] = (uint8_t)size;
	out[1] = USB_DT_STRING;
	p = (const unsigned char *)utf8;
	for (size_t i = 0; i < units; i++) {
		utf8_next(&p, &cp);
		dfu_put_le16(out + 2 + 2 * i, cp);
	}
	return (int)size;
}

/* Bytes `cp` takes in UTF-8 and, if `out` is not NULL, the bytes written. */
static size_t utf8_put(uint32_t cp, char *out)
{
	unsigned char b[4];
	size_t n;

	if (cp < 0x80) {
		b[0] = (unsigned char)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (unsigned char)(0xC0 | (cp >> 6));
		b[1] = (unsigned char)(0x80 | (cp & 0x3F));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (unsigned char)(0xE0 | (cp >> 12));
		b[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
		b[2] = (unsigned char)(0x80 | (cp & 0x3F));
		n = 3;
	} else {
		b[0] = (unsigned char)(0xF0 | (cp >> 18));
		b[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
		b[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
		b[3] = (unsigned char)(0x80 | (cp & 0x3F));
		n = 4;
	}
	for (size_t i = 0; out && i < n; i++)
		out[i] = (char)b[i];
	return n;
}

#define UNICODE_REPLACEMENT 0xFFFDu

int usb_string_desc_decode(const uint8_t *in, size_t len, char *out, size_t cap)
{
	size_t units, used = 0;
	int rc = check_header(in, len, USB_DT_STRING, 2);

	if (rc)
		return rc;
	if (cap == 0)
		return DFU_E_NOSPACE;
	/* An odd bLength leaves half a code unit at the end; drop it. */
	units = (size_t)(in[0] - 2) / 2;
	for (size_t i = 0; i < units; i++) {
		uint32_t cp = dfu_get_le16(in + 2 + 2 * i);
		size_t n;

		if (cp >= 0xD800 && cp <= 0xDBFF && i + 1 < units) {
			uint32_t lo = dfu_get_le16(in + 2 + 2 * (i + 1));
			if (lo >= 0xDC00 && lo <= 0xDFFF) {
				cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
				i++;
			}
		}
		/* An unpaired surrogate has no UTF-8 form. A U+0000 would end the
		 * C string early and let "name\0junk" compare equal to "name". */
		if ((cp >= 0xD800 && cp <= 0xDFFF) || cp == 0)
			cp = UNICODE_REPLACEMENT;
		n = utf8_put(cp, NULL);
		if (used + n + 1 > cap) {
			out[used] = '\0';
			return DFU_E_NOSPACE;
		}
		utf8_put(cp, out + used);
		used += n;
	}
	out[used] = '\0';
	return (int)used;
}

int usb_langid_desc_encode(const uint16_t *langids, size_t n, uint8_t *out, size_t cap)
{
	size_t size;

	if (n > USB_STRING_MAX_CHARS)
		return DFU_E_NOSPACE;
	size = 2 + 2 * n;
	if (cap < size)
		return DFU_E_NOSPACE;
	out[0] = (uint8_t)size;
	out[1] = USB_DT_STRING;
	for (size_t i = 0; i < n; i++)
		dfu_put_le16(out + 2 + 2 * i, langids[i]);
	return (int)size;
}

int usb_langid_desc_decode(const uint8_t *in, size_t len, uint16_t *langids, size_t max)
{
	size_t count;
	int rc = check_header(in, len, USB_DT_STRING, 2);

	if (rc)
		return rc;
	count = (size_t)(in[0] - 2) / 2;
	if (count > max)
		count = max;
	for (size_t i = 0; i < count; i++)
		langids[i] = dfu_get_le16(in + 2 + 2 * i);
	return (int)count;
}

/* ---- configuration walker ---- */

/* Length of the descriptor at `pos`, after checking it is well framed:
 * FORMAT for bLength 0 or 1 (a walker would loop or misread), TRUNCATED
 * when it runs past wTotalLength or the buffer. */
static int frame_at(const struct usb_config_iter *it, size_t pos)
{
	size_t left = it->len - pos;

	if (left < 2)
		return DFU_E_TRUNCATED;
	if (it->buf[pos] < 2)
		return DFU_E_FORMAT;
	if (it->buf[pos] > left)
		return DFU_E_TRUNCATED;
	return it->buf[pos];
}

static bool is_dfu_interface(const uint8_t *d)
{
	return d[5] == USB_CLASS_APP_SPEC && d[6] == USB_SUBCLASS_DFU;
}

/*
 * Find the functional descriptor for the alt whose interface descriptor is
 * at `alt_pos`. The one right after the alt wins; otherwise the first one
 * after any alt of the same run of interface descriptors with this
 * bInterfaceNumber. ST's ROM puts a single functional descriptor after the
 * last alt of the interface (lsusb -v dumps of STM32F4 ROM bootloaders,
 * [forum-stm32f4-lsusb]), so without the run rule alts 0..n-2 would look
 * function-less. Type 0x21 is also HID's class descriptor, so only 0x21s
 * that follow a DFU interface (class 0xFE, subclass 0x01) count. Returns the position of the
 * chosen descriptor, 0 for none (position 0 is the configuration
 * descriptor, never a functional one), or a framing error.
 */
static long find_func(const struct usb_config_iter *it, size_t alt_pos)
{
	uint8_t number = it->buf[alt_pos + 2];
	bool in_run = false, target_in_run = false, owner_is_dfu = false;
	size_t owner = 0, run_func = 0;

	for (size_t pos = it->buf[0]; pos < it->len;) {
		int blen = frame_at(it, pos);
		const uint8_t *d = it->buf + pos;

		if (blen < 0)
			return blen;
		if (d[1] == USB_DT_INTERFACE) {
			if (blen < USB_DT_INTERFACE_SIZE)
				return DFU_E_FORMAT;
			if (!in_run || d[2] != number) {
				if (target_in_run)
					break;
				run_func = 0;
			}
			in_run = d[2] == number;
			if (pos == alt_pos)
				target_in_run = true;
			owner = pos;
			owner_is_dfu = is_dfu_interface(d);
		} else if (d[1] == DFU_FUNC_DESC_TYPE && in_run && owner_is_dfu) {
			if (owner == alt_pos)
				return (long)pos;
			if (!run_func)
				run_func = pos;
		}
		pos += (size_t)blen;
	}
	return (long)run_func;
}

int usb_config_iter_init(struct usb_config_iter *it, const uint8_t *buf, size_t len,
			 struct usb_config_desc *cfg)
{
	struct usb_config_desc c;
	int rc = usb_config_desc_decode(buf, len, &c);

	if (rc)
		return rc;
	/* The configuration descriptor itself must lie inside wTotalLength. */
	if (c.wTotalLength < buf[0])
		return DFU_E_SIZE;
	it->buf = buf;
	it->len = len < c.wTotalLength ? len : c.wTotalLength;
	it->pos = buf[0];
	if (cfg)
		*cfg = c;
	return DFU_OK;
}

int usb_config_next_alt(struct usb_config_iter *it, struct usb_alt_info *alt)
{
	size_t pos = it->pos;
	long func;
	int blen, rc;

	for (;;) {
		if (pos >= it->len)
			return 0;
		blen = frame_at(it, pos);
		if (blen < 0)
			return blen;
		if (it->buf[pos + 1] == USB_DT_INTERFACE)
			break;
		pos += (size_t)blen;
	}

	*alt = (struct usb_alt_info){0};
	rc = usb_interface_desc_decode(it->buf + pos, (size_t)blen, &alt->intf);
	if (rc)
		return rc;
	/* Only a DFU alt has a functional descriptor (see find_func). */
	func = is_dfu_interface(it->buf + pos) ? find_func(it, pos) : 0;
	if (func < 0)
		return (int)func;
	if (func > 0) {
		rc = dfu_func_desc_decode(it->buf + func, it->len - (size_t)func, &alt->func);
		if (rc)
			return rc;
		alt->has_func = true;
	}
	it->pos = pos + (size_t)blen;
	return 1;
}
