/* xport.c - helpers shared by every transport: device strings, result
 * names, and enumeration over control transfers. */
#include <stdio.h>
#include <string.h>

#include "dfu/usb_desc.h"
#include "host/xport.h"

const char *xport_dev_string(const struct xport_dev_info *d, uint8_t index)
{
	if (index == 0)
		return NULL;
	for (size_t i = 0; i < d->nstrings && i < XPORT_MAX_STRINGS; i++)
		if (d->strings[i].index == index)
			return d->strings[i].text;
	return NULL;
}

int xport_dev_add_string(struct xport_dev_info *d, uint8_t index, const char *text)
{
	struct xport_string *s;
	size_t n;

	if (index == 0)
		return DFU_E_INVAL;
	for (size_t i = 0; i < d->nstrings; i++)
		if (d->strings[i].index == index)
			return DFU_OK; /* several alts may share one string index */
	if (d->nstrings >= XPORT_MAX_STRINGS)
		return DFU_E_NOSPACE;
	s = &d->strings[d->nstrings++];
	s->index = index;
	n = strnlen(text, sizeof(s->text) - 1);
	memcpy(s->text, text, n);
	s->text[n] = '\0';
	return DFU_OK;
}

const char *xport_result_name(int rc)
{
	if (rc >= 0)
		return "OK";
	switch (rc) {
	case DFU_E_STALL: return "STALL";
	case DFU_E_NODEV: return "NO_DEVICE";
	case DFU_E_TIMEOUT: return "TIMEOUT";
	default: return "IO";
	}
}

static int get_desc(xport_ep0_fn ep0, void *ctx, uint8_t type, uint8_t index, uint16_t langid,
		    uint8_t *buf, uint16_t len)
{
	struct dfu_setup s = {
		.bmRequestType = 0x80,
		.bRequest = USB_REQ_GET_DESCRIPTOR,
		.wValue = (uint16_t)(type << 8 | index),
		.wIndex = langid,
		.wLength = len,
	};
	return ep0(ctx, &s, NULL, buf);
}

static void read_string(struct xport_dev_info *d, xport_ep0_fn ep0, void *ctx, uint16_t langid,
			uint8_t index)
{
	uint8_t buf[USB_STRING_MAX_BYTES];
	char text[XPORT_STRING_MAX];
	int n;

	if (index == 0 || xport_dev_string(d, index))
		return;
	n = get_desc(ep0, ctx, USB_DT_STRING, index, langid, buf, sizeof(buf));
	if (n < 2)
		return;
	n = usb_string_desc_decode(buf, (size_t)n, text, sizeof(text));
	if (n < 0 && n != DFU_E_NOSPACE)
		return; /* a too-long string is kept cut, anything else dropped */
	xport_dev_add_string(d, index, text);
}

int xport_describe(struct xport_dev_info *d, xport_ep0_fn ep0, void *ctx, uint8_t *config_value,
		   struct dfu_diag *diag)
{
	struct usb_device_desc dd;
	struct usb_config_desc cd;
	struct usb_config_iter it;
	struct usb_alt_info alt;
	uint8_t buf[USB_STRING_MAX_BYTES];
	uint16_t langs[4];
	uint16_t langid = USB_LANGID_EN_US;
	uint16_t total;
	int n;

	n = get_desc(ep0, ctx, USB_DT_DEVICE, 0, 0, d->device_desc, USB_DT_DEVICE_SIZE);
	if (n < 0)
		return n;
	if (usb_device_desc_decode(d->device_desc, (size_t)n, &dd) < 0)
		return dfu_diag_set(diag, DFU_E_PROTOCOL, 0,
				    "its device descriptor (%d bytes) is malformed", n);
	n = get_desc(ep0, ctx, USB_DT_CONFIG, 0, 0, d->config, USB_DT_CONFIG_SIZE);
	if (n < 0)
		return n;
	if (usb_config_desc_decode(d->config, (size_t)n, &cd) < 0)
		return dfu_diag_set(diag, DFU_E_PROTOCOL, 0,
				    "its configuration descriptor (%d bytes) is malformed", n);
	total = cd.wTotalLength < XPORT_CONFIG_MAX ? cd.wTotalLength : XPORT_CONFIG_MAX;
	n = get_desc(ep0, ctx, USB_DT_CONFIG, 0, 0, d->config, total);
	if (n < 0)
		return n;
	d->config_len = (size_t)n;

	/* The host configures the device before anyone can use it. */
	{
		struct dfu_setup s = {
			.bmRequestType = 0x00,
			.bRequest = USB_REQ_SET_CONFIGURATION,
			.wValue = cd.bConfigurationValue,
		};
		n = ep0(ctx, &s, NULL, NULL);
		if (n < 0)
			return n;
		*config_value = cd.bConfigurationValue;
	}

	n = get_desc(ep0, ctx, USB_DT_STRING, 0, 0, buf, sizeof(buf));
	if (n > 0 && usb_langid_desc_decode(buf, (size_t)n, langs, 4) > 0)
		langid = langs[0];
	read_string(d, ep0, ctx, langid, dd.iManufacturer);
	read_string(d, ep0, ctx, langid, dd.iProduct);
	read_string(d, ep0, ctx, langid, dd.iSerialNumber);
	read_string(d, ep0, ctx, langid, cd.iConfiguration);
	if (usb_config_iter_init(&it, d->config, d->config_len, NULL) == 0)
		for (int guard = 0; guard < 256 && usb_config_next_alt(&it, &alt) == 1; guard++)
			read_string(d, ep0, ctx, langid, alt.intf.iInterface);

	d->vid = dd.idVendor;
	d->pid = dd.idProduct;
	d->bcd_device = dd.bcdDevice;
	{
		const char *sn = xport_dev_string(d, dd.iSerialNumber);
		snprintf(d->serial, sizeof(d->serial), "%s", sn ? sn : "");
	}
	return 0;
}
