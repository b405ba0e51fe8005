/*
 * usb_device.c - ep0 of an emulated full-speed USB device: descriptors and
 * the standard requests of USB 2.0 chapter 9; class and vendor requests go
 * to the class driver.
 *
 * What a real full-speed device stalls is stalled here too: DEVICE_QUALIFIER
 * (USB 2.0 §9.6.2: a full-speed-only device answers it with a Request
 * Error, which is how Linux learns it is not high-speed capable), BOS (only
 * bcdUSB >= 0x0201 devices have one), string indexes that do not exist,
 * unknown requests and requests in the wrong direction. Descriptors are
 * built and encoded with core's codecs (dfu/usb_desc.h) and returned cut to
 * min(wLength, size), as USB 2.0 §9.4.3 says.
 */
#include <string.h>

#include "dfu/bytes.h"
#include "dfu/error.h"
#include "dfu/usb_desc.h"
#include "sim/usb_device.h"

#define REQTYPE_TYPE(t) (((t) >> 5) & 3u)
#define REQTYPE_STANDARD 0u
#define REQTYPE_RECIPIENT(t) ((t)&0x1Fu)
#define RECIP_DEVICE 0u
#define RECIP_INTERFACE 1u
#define RECIP_ENDPOINT 2u

/* Feature selectors (USB 2.0 Table 9-6). */
#define FEATURE_ENDPOINT_HALT 0
#define FEATURE_DEVICE_REMOTE_WAKEUP 1
#define USB_CONFIG_ATT_WAKEUP 0x20

/* Offsets in the configuration descriptor (USB 2.0 Table 9-10). */
#define CFG_NUM_INTERFACES 4
#define CFG_VALUE 5
#define CFG_ATTRIBUTES 7

#define MAX_INTERFACES (sizeof(((struct usb_device *)0)->alt_count))

/* ---- building ---- */

int usb_device_init(struct usb_device *d, const struct usb_device_desc *dev,
		    const struct usb_config_desc *cfg, const struct usb_class_driver *drv)
{
	struct usb_config_desc c;
	int n;

	if (!d || !dev || !cfg)
		return DFU_E_INVAL;
	memset(d, 0, sizeof(*d));
	n = usb_device_desc_encode(dev, d->device_desc, sizeof(d->device_desc));
	if (n < 0)
		return n;
	c = *cfg;
	c.wTotalLength = USB_DT_CONFIG_SIZE;
	c.bNumInterfaces = 0;
	n = usb_config_desc_encode(&c, d->config, sizeof(d->config));
	if (n < 0)
		return n;
	d->config_len = (size_t)n;
	if (drv)
		d->drv = *drv;
	return DFU_OK;
}

int usb_device_add_string(struct usb_device *d, const char *utf8)
{
	uint8_t scratch[USB_STRING_MAX_BYTES + 1];
	int rc;

	if (!d || !utf8)
		return DFU_E_INVAL;
	if ((size_t)d->nstrings + 1 >= USB_DEVICE_MAX_STRINGS)
		return DFU_E_NOSPACE;
	/* Refuse now what could not be encoded when a host asks for it. */
	rc = usb_string_desc_encode(utf8, scratch, sizeof(scratch));
	if (rc < 0)
		return rc;
	d->strings[++d->nstrings] = utf8;
	return d->nstrings;
}

static int append(struct usb_device *d, const uint8_t *bytes, size_t len)
{
	if (len > sizeof(d->config) - d->config_len || d->config_len + len > 0xFFFF)
		return DFU_E_NOSPACE;
	memcpy(d->config + d->config_len, bytes, len);
	d->config_len += len;
	dfu_put_le16(d->config + 2, (uint16_t)d->config_len);
	return DFU_OK;
}

int usb_device_add_interface(struct usb_device *d, const struct usb_interface_desc *intf)
{
	uint8_t buf[USB_DT_INTERFACE_SIZE];
	uint8_t n;
	int rc;

	if (!d || !intf || intf->bInterfaceNumber >= MAX_INTERFACES)
		return DFU_E_INVAL;
	n = intf->bInterfaceNumber;
	/* Alternate settings are numbered 0, 1, ... in order (USB 2.0 §9.6.5),
	 * and interfaces 0, 1, ... in order. */
	if (intf->bAlternateSetting != d->alt_count[n] || n > d->num_interfaces)
		return DFU_E_INVAL;
	rc = usb_interface_desc_encode(intf, buf, sizeof(buf));
	if (rc < 0)
		return rc;
	rc = append(d, buf, (size_t)rc);
	if (rc)
		return rc;
	if (n == d->num_interfaces) {
		d->num_interfaces++;
		d->config[CFG_NUM_INTERFACES] = d->num_interfaces;
	}
	d->alt_count[n]++;
	return DFU_OK;
}

int usb_device_add_raw(struct usb_device *d, const uint8_t *desc, size_t len)
{
	if (!d || !desc || len < 2 || desc[0] != len)
		return DFU_E_FORMAT;
	return append(d, desc, len);
}

void usb_device_bus_reset(struct usb_device *d)
{
	d->configuration = 0;
	memset(d->alt, 0, sizeof(d->alt));
	d->remote_wakeup = false;
}

enum usb_xfer_result usb_ctrl_reply(struct usb_ctrl_xfer *x, const void *data, size_t len)
{
	size_t n = len;

	if (n > x->setup.wLength)
		n = x->setup.wLength;
	if (n > x->in_cap)
		n = x->in_cap;
	if (n && x->in)
		memcpy(x->in, data, n);
	x->actual = x->in ? n : 0;
	return USB_XFER_OK;
}

enum usb_xfer_result usb_ctrl_reply_dfu_status(struct usb_ctrl_xfer *x, const struct dfu_fsm *m)
{
	struct dfu_status_reply st;
	uint8_t buf[DFU_STATUS_SIZE];

	dfu_fsm_status(m, &st);
	dfu_status_encode(&st, buf);
	return usb_ctrl_reply(x, buf, sizeof(buf));
}

enum usb_xfer_result usb_ctrl_reply_dfu_state(struct usb_ctrl_xfer *x, const struct dfu_fsm *m)
{
	uint8_t state = (uint8_t)dfu_fsm_state(m);

	return usb_ctrl_reply(x, &state, 1);
}

/* ---- standard requests ---- */

/* A class-specific descriptor (type 0x20 and up, e.g. the DFU functional
 * descriptor 0x21) asked for directly: the first one in the configuration.
 * dfu-util does this when its cached configuration lacks one. */
static const uint8_t *find_in_config(const struct usb_device *d, uint8_t type)
{
	size_t pos = d->config[0];

	while (pos + 2 <= d->config_len) {
		uint8_t len = d->config[pos];

		if (len < 2 || pos + len > d->config_len)
			return NULL;
		if (d->config[pos + 1] == type)
			return d->config + pos;
		pos += len;
	}
	return NULL;
}

static enum usb_xfer_result get_descriptor(struct usb_device *d, struct usb_ctrl_xfer *x,
					   unsigned recipient)
{
	uint8_t type = (uint8_t)(x->setup.wValue >> 8);
	uint8_t index = (uint8_t)x->setup.wValue;
	uint8_t buf[USB_STRING_MAX_BYTES + 1];
	const uint8_t *found;
	int n;

	if (recipient == RECIP_INTERFACE || type >= 0x20) {
		found = type >= 0x20 ? find_in_config(d, type) : NULL;
		if (!found)
			return USB_XFER_STALL;
		return usb_ctrl_reply(x, found, found[0]);
	}
	if (recipient != RECIP_DEVICE)
		return USB_XFER_STALL;
	switch (type) {
	case USB_DT_DEVICE:
		if (index != 0)
			return USB_XFER_STALL;
		return usb_ctrl_reply(x, d->device_desc, sizeof(d->device_desc));
	case USB_DT_CONFIG:
		if (index != 0 || d->config_len == 0)
			return USB_XFER_STALL; /* one configuration */
		return usb_ctrl_reply(x, d->config, d->config_len);
	case USB_DT_STRING:
		if (index == 0) {
			const uint16_t lang = USB_LANGID_EN_US;

			n = usb_langid_desc_encode(&lang, 1, buf, sizeof(buf));
		} else if (index <= d->nstrings && index < USB_DEVICE_MAX_STRINGS &&
			   d->strings[index]) {
			/* One language: wIndex (the LANGID) is not checked,
			 * as single-language devices commonly do. */
			n = usb_string_desc_encode(d->strings[index], buf, sizeof(buf));
		} else {
			return USB_XFER_STALL;
		}
		if (n < 0)
			return USB_XFER_STALL;
		return usb_ctrl_reply(x, buf, (size_t)n);
	default:
		/* DEVICE_QUALIFIER, OTHER_SPEED_CONFIGURATION, BOS, ...: a
		 * full-speed USB 1.x/2.0 device has none. */
		return USB_XFER_STALL;
	}
}

static bool interface_ok(const struct usb_device *d, uint16_t wIndex)
{
	return d->configuration != 0 && (wIndex & 0xFF) < d->num_interfaces;
}

static enum usb_xfer_result set_configuration(struct usb_device *d, struct usb_ctrl_xfer *x)
{
	uint16_t v = x->setup.wValue;

	if (v != 0 && v != d->config[CFG_VALUE])
		return USB_XFER_STALL;
	d->configuration = (uint8_t)v;
	memset(d->alt, 0, sizeof(d->alt));
	if (v && d->drv.configured)
		d->drv.configured(d->drv.ctx, (uint8_t)v);
	return USB_XFER_OK;
}

static enum usb_xfer_result set_interface(struct usb_device *d, struct usb_ctrl_xfer *x)
{
	uint8_t intf = (uint8_t)x->setup.wIndex;

	if (!interface_ok(d, x->setup.wIndex) || x->setup.wValue >= d->alt_count[intf])
		return USB_XFER_STALL;
	d->alt[intf] = (uint8_t)x->setup.wValue;
	if (d->drv.set_alt)
		d->drv.set_alt(d->drv.ctx, intf, d->alt[intf]);
	return USB_XFER_OK;
}

static enum usb_xfer_result get_status(struct usb_device *d, struct usb_ctrl_xfer *x,
				       unsigned recipient)
{
	uint8_t st[2] = { 0, 0 };

	switch (recipient) {
	case RECIP_DEVICE:
		/* Bit 0 self-powered, bit 1 remote wakeup (USB 2.0 Figure 9-4). */
		if (d->config[CFG_ATTRIBUTES] & USB_CONFIG_ATT_SELFPOWER)
			st[0] |= 1;
		if (d->remote_wakeup)
			st[0] |= 2;
		break;
	case RECIP_INTERFACE:
		if (!interface_ok(d, x->setup.wIndex))
			return USB_XFER_STALL;
		break;
	case RECIP_ENDPOINT:
		if ((x->setup.wIndex & 0x7F) != 0)
			return USB_XFER_STALL; /* only ep0, which never halts */
		break;
	default:
		return USB_XFER_STALL;
	}
	return usb_ctrl_reply(x, st, sizeof(st));
}

static enum usb_xfer_result feature(struct usb_device *d, struct usb_ctrl_xfer *x,
				    unsigned recipient, bool set)
{
	uint16_t sel = x->setup.wValue;

	if (recipient == RECIP_DEVICE && sel == FEATURE_DEVICE_REMOTE_WAKEUP &&
	    (d->config[CFG_ATTRIBUTES] & USB_CONFIG_ATT_WAKEUP)) {
		d->remote_wakeup = set;
		return USB_XFER_OK;
	}
	/* CLEAR_FEATURE(ENDPOINT_HALT) on ep0 is harmless (hosts send it to
	 * clear a stall); halting ep0 is not a thing. */
	if (recipient == RECIP_ENDPOINT && sel == FEATURE_ENDPOINT_HALT &&
	    (x->setup.wIndex & 0x7F) == 0 && !set)
		return USB_XFER_OK;
	return USB_XFER_STALL;
}

/* Direction bit a standard request must carry (USB 2.0 Table 9-3). */
static bool direction_ok(const struct dfu_setup *s)
{
	switch (s->bRequest) {
	case USB_REQ_GET_STATUS:
	case USB_REQ_GET_DESCRIPTOR:
	case USB_REQ_GET_CONFIGURATION:
	case USB_REQ_GET_INTERFACE:
	case USB_REQ_SYNCH_FRAME:
		return dfu_setup_is_in(s);
	default:
		return !dfu_setup_is_in(s);
	}
}

static enum usb_xfer_result standard(struct usb_device *d, struct usb_ctrl_xfer *x)
{
	const struct dfu_setup *s = &x->setup;
	unsigned recipient = REQTYPE_RECIPIENT(s->bmRequestType);
	uint8_t one;

	if (!direction_ok(s))
		return USB_XFER_STALL;
	switch (s->bRequest) {
	case USB_REQ_GET_DESCRIPTOR:
		return get_descriptor(d, x, recipient);
	case USB_REQ_GET_STATUS:
		return get_status(d, x, recipient);
	case USB_REQ_CLEAR_FEATURE:
	case USB_REQ_SET_FEATURE:
		return feature(d, x, recipient, s->bRequest == USB_REQ_SET_FEATURE);
	case USB_REQ_SET_ADDRESS:
		/* vhci never forwards it ([usbip-vhci]); a direct port may.
		 * The address itself has no meaning here. */
		if (recipient != RECIP_DEVICE || s->wValue > 127)
			return USB_XFER_STALL;
		return USB_XFER_OK;
	case USB_REQ_GET_CONFIGURATION:
		if (recipient != RECIP_DEVICE)
			return USB_XFER_STALL;
		one = d->configuration;
		return usb_ctrl_reply(x, &one, 1);
	case USB_REQ_SET_CONFIGURATION:
		if (recipient != RECIP_DEVICE)
			return USB_XFER_STALL;
		return set_configuration(d, x);
	case USB_REQ_GET_INTERFACE:
		if (recipient != RECIP_INTERFACE || !interface_ok(d, s->wIndex))
			return USB_XFER_STALL;
		one = d->alt[s->wIndex & 0xFF];
		return usb_ctrl_reply(x, &one, 1);
	case USB_REQ_SET_INTERFACE:
		if (recipient != RECIP_INTERFACE)
			return USB_XFER_STALL;
		return set_interface(d, x);
	default:
		/* SET_DESCRIPTOR, SYNCH_FRAME (no isochronous endpoints), unknown. */
		return USB_XFER_STALL;
	}
}

enum usb_xfer_result usb_device_control(struct usb_device *d, struct usb_ctrl_xfer *x)
{
	const struct dfu_setup *s = &x->setup;

	x->actual = 0;
	if (!dfu_setup_is_in(s) && s->wLength > 0 && (x->out_len < s->wLength || !x->out))
		return USB_XFER_STALL; /* the data stage does not match the setup */
	if (REQTYPE_TYPE(s->bmRequestType) == REQTYPE_STANDARD)
		return standard(d, x);
	if (REQTYPE_RECIPIENT(s->bmRequestType) == RECIP_INTERFACE && !interface_ok(d, s->wIndex))
		return USB_XFER_STALL;
	if (!d->drv.control)
		return USB_XFER_STALL;
	return d->drv.control(d->drv.ctx, d, x);
}
