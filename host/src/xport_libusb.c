/*
 * xport_libusb.c - the libusb-1.0 transport (see xport_libusb.h).
 */
#define _POSIX_C_SOURCE 200809L
#include <libusb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dfu/dfu_proto.h"
#include "dfu/usb_desc.h"
#include "host/xport_libusb.h"

#define STRING_CACHE 16
#define MAX_HANDLES 8
#define MAX_INTF 8

struct cached_strings {
	bool used;
	uint8_t bus, devnum;
	char path[XPORT_PATH_MAX];
	char serial[XPORT_STRING_MAX];
	struct xport_string strings[XPORT_MAX_STRINGS];
	size_t nstrings;
};

struct xport_handle {
	bool used;
	libusb_device_handle *h;
	int claimed[MAX_INTF];
	int nclaimed;
};

struct xport_libusb {
	libusb_context *ctx;
	bool tried;
	char unavailable[160];
	struct cached_strings cache[STRING_CACHE];
	size_t next_slot;
	struct xport_handle handles[MAX_HANDLES];
};

int xport_libusb_map_error(int e)
{
	if (e >= 0)
		return e;
	switch (e) {
	case LIBUSB_ERROR_PIPE: return DFU_E_STALL;
	case LIBUSB_ERROR_NO_DEVICE:
	case LIBUSB_ERROR_NOT_FOUND: return DFU_E_NODEV;
	case LIBUSB_ERROR_TIMEOUT: return DFU_E_TIMEOUT;
	case LIBUSB_ERROR_NO_MEM: return DFU_E_NOMEM;
	case LIBUSB_ERROR_BUSY: return DFU_E_BUSY;
	case LIBUSB_ERROR_INVALID_PARAM: return DFU_E_INVAL;
	case LIBUSB_ERROR_NOT_SUPPORTED: return DFU_E_UNSUPPORTED;
	case LIBUSB_ERROR_OVERFLOW: return DFU_E_IO; /* babble: more than asked for */
	default: return DFU_E_IO;			/* IO, ACCESS, INTERRUPTED, OTHER */
	}
}

int xport_libusb_format_path(uint8_t bus, const uint8_t *ports, int nports, char *out,
			     size_t cap)
{
	size_t len;
	int w = snprintf(out, cap, "%u", bus);

	if (w < 0 || (size_t)w >= cap)
		return -1;
	len = (size_t)w;
	for (int i = 0; i < nports; i++) {
		w = snprintf(out + len, cap - len, "%c%u", i == 0 ? '-' : '.', ports[i]);
		if (w < 0 || (size_t)w >= cap - len)
			return -1;
		len += (size_t)w;
	}
	return (int)len;
}

static bool lazy_init(struct xport_libusb *t)
{
	int rc;

	if (t->tried)
		return t->ctx != NULL;
	t->tried = true;
	rc = libusb_init(&t->ctx);
	if (rc < 0) {
		t->ctx = NULL;
		snprintf(t->unavailable, sizeof(t->unavailable),
			 "libusb cannot start (%s): this machine has no USB subsystem visible "
			 "(no /dev/bus/usb?)",
			 libusb_error_name(rc));
		return false;
	}
	return true;
}

static const char *lu_why_none(void *ctx)
{
	const struct xport_libusb *t = ctx;
	return t->unavailable;
}

/* Append n bytes to the blob; false when it would not fit. */
static bool put(struct xport_dev_info *d, const void *p, size_t n)
{
	if (n > XPORT_CONFIG_MAX - d->config_len)
		return false;
	memcpy(d->config + d->config_len, p, n);
	d->config_len += n;
	return true;
}

/* The configuration as the device sent it, rebuilt from libusb's cache. */
static void rebuild_config(const struct libusb_config_descriptor *c, struct xport_dev_info *d)
{
	uint8_t b[9];

	d->config_len = 0;
	b[0] = 9;
	b[1] = LIBUSB_DT_CONFIG;
	b[2] = 0; /* wTotalLength, patched below */
	b[3] = 0;
	b[4] = c->bNumInterfaces;
	b[5] = c->bConfigurationValue;
	b[6] = c->iConfiguration;
	b[7] = c->bmAttributes;
	b[8] = c->MaxPower;
	if (!put(d, b, 9) || !put(d, c->extra, (size_t)c->extra_length))
		goto full;
	for (int i = 0; i < c->bNumInterfaces; i++) {
		const struct libusb_interface *itf = &c->interface[i];
		for (int a = 0; a < itf->num_altsetting; a++) {
			const struct libusb_interface_descriptor *id = &itf->altsetting[a];
			b[0] = 9;
			b[1] = LIBUSB_DT_INTERFACE;
			b[2] = id->bInterfaceNumber;
			b[3] = id->bAlternateSetting;
			b[4] = id->bNumEndpoints;
			b[5] = id->bInterfaceClass;
			b[6] = id->bInterfaceSubClass;
			b[7] = id->bInterfaceProtocol;
			b[8] = id->iInterface;
			if (!put(d, b, 9) || !put(d, id->extra, (size_t)id->extra_length))
				goto full;
			for (int e = 0; e < id->bNumEndpoints; e++) {
				const struct libusb_endpoint_descriptor *ep = &id->endpoint[e];
				uint8_t eb[7] = { 7, LIBUSB_DT_ENDPOINT, ep->bEndpointAddress,
						  ep->bmAttributes, (uint8_t)(ep->wMaxPacketSize & 0xFF),
						  (uint8_t)(ep->wMaxPacketSize >> 8), ep->bInterval };
				if (!put(d, eb, 7) || !put(d, ep->extra, (size_t)ep->extra_length))
					goto full;
			}
		}
	}
full:
	d->config[2] = (uint8_t)(d->config_len & 0xFF);
	d->config[3] = (uint8_t)(d->config_len >> 8);
}

static bool has_dfu_intf(const struct libusb_config_descriptor *c)
{
	for (int i = 0; i < c->bNumInterfaces; i++)
		for (int a = 0; a < c->interface[i].num_altsetting; a++) {
			const struct libusb_interface_descriptor *id = &c->interface[i].altsetting[a];
			if (id->bInterfaceClass == USB_CLASS_APP_SPEC &&
			    id->bInterfaceSubClass == USB_SUBCLASS_DFU)
				return true;
		}
	return false;
}

static void add_string(libusb_device_handle *h, struct xport_dev_info *d, uint8_t idx)
{
	unsigned char buf[XPORT_STRING_MAX];
	int n;

	if (idx == 0 || xport_dev_string(d, idx))
		return;
	n = libusb_get_string_descriptor_ascii(h, idx, buf, sizeof(buf));
	if (n < 0)
		return; /* xport.h: a string that cannot be read is left out */
	buf[n < (int)sizeof(buf) ? n : (int)sizeof(buf) - 1] = '\0';
	xport_dev_add_string(d, idx, (const char *)buf);
}

/* Strings once per enumeration of a device: from the cache, or read now. */
static void read_strings(struct xport_libusb *t, libusb_device *dev,
			 const struct libusb_config_descriptor *c, struct xport_dev_info *d)
{
	struct cached_strings *cs;
	libusb_device_handle *h;
	uint8_t bus = libusb_get_bus_number(dev);
	int rc;

	for (size_t i = 0; i < STRING_CACHE; i++) {
		cs = &t->cache[i];
		if (cs->used && cs->bus == bus && cs->devnum == d->devnum &&
		    strcmp(cs->path, d->path) == 0) {
			memcpy(d->strings, cs->strings, sizeof(d->strings));
			d->nstrings = cs->nstrings;
			memcpy(d->serial, cs->serial, sizeof(d->serial));
			return;
		}
	}
	rc = libusb_open(dev, &h);
	if (rc < 0) {
		d->open_error = xport_libusb_map_error(rc); /* no permission: no strings */
		return;
	}
	add_string(h, d, d->device_desc[14]);
	add_string(h, d, d->device_desc[15]);
	add_string(h, d, d->device_desc[16]);
	add_string(h, d, c->iConfiguration);
	for (int i = 0; i < c->bNumInterfaces; i++)
		for (int a = 0; a < c->interface[i].num_altsetting; a++)
			add_string(h, d, c->interface[i].altsetting[a].iInterface);
	libusb_close(h);
	if (xport_dev_string(d, d->device_desc[16]))
		snprintf(d->serial, sizeof(d->serial), "%s", xport_dev_string(d, d->device_desc[16]));
	cs = &t->cache[t->next_slot++ % STRING_CACHE];
	cs->used = true;
	cs->bus = bus;
	cs->devnum = d->devnum;
	memcpy(cs->path, d->path, sizeof(cs->path));
	memcpy(cs->strings, d->strings, sizeof(cs->strings));
	cs->nstrings = d->nstrings;
	memcpy(cs->serial, d->serial, sizeof(cs->serial));
}

static bool describe(struct xport_libusb *t, libusb_device *dev, struct xport_dev_info *d)
{
	struct libusb_device_descriptor dd;
	struct libusb_config_descriptor *c = NULL;
	uint8_t ports[8];
	int np;

	memset(d, 0, sizeof(*d));
	if (libusb_get_device_descriptor(dev, &dd) < 0)
		return false;
	d->vid = dd.idVendor;
	d->pid = dd.idProduct;
	d->bcd_device = dd.bcdDevice;
	d->device_desc[0] = dd.bLength;
	d->device_desc[1] = dd.bDescriptorType;
	d->device_desc[2] = (uint8_t)dd.bcdUSB;
	d->device_desc[3] = (uint8_t)(dd.bcdUSB >> 8);
	d->device_desc[4] = dd.bDeviceClass;
	d->device_desc[5] = dd.bDeviceSubClass;
	d->device_desc[6] = dd.bDeviceProtocol;
	d->device_desc[7] = dd.bMaxPacketSize0;
	d->device_desc[8] = (uint8_t)dd.idVendor;
	d->device_desc[9] = (uint8_t)(dd.idVendor >> 8);
	d->device_desc[10] = (uint8_t)dd.idProduct;
	d->device_desc[11] = (uint8_t)(dd.idProduct >> 8);
	d->device_desc[12] = (uint8_t)dd.bcdDevice;
	d->device_desc[13] = (uint8_t)(dd.bcdDevice >> 8);
	d->device_desc[14] = dd.iManufacturer;
	d->device_desc[15] = dd.iProduct;
	d->device_desc[16] = dd.iSerialNumber;
	d->device_desc[17] = dd.bNumConfigurations;
	np = libusb_get_port_numbers(dev, ports, (int)sizeof(ports));
	if (xport_libusb_format_path(libusb_get_bus_number(dev), ports, np < 0 ? 0 : np, d->path,
				     sizeof(d->path)) < 0)
		d->path[0] = '\0';
	d->devnum = libusb_get_device_address(dev);
	d->enum_id = ((uint32_t)libusb_get_bus_number(dev) << 8) | d->devnum;
	if (libusb_get_active_config_descriptor(dev, &c) < 0 &&
	    libusb_get_config_descriptor(dev, 0, &c) < 0)
		return true; /* unconfigured: no interfaces to show */
	rebuild_config(c, d);
	if (has_dfu_intf(c))
		read_strings(t, dev, c, d);
	libusb_free_config_descriptor(c);
	return true;
}

static int lu_enumerate(void *ctx, xport_enum_fn cb, void *cb_ctx)
{
	struct xport_libusb *t = ctx;
	libusb_device **list;
	struct xport_dev_info *d;
	ssize_t n;
	int visited = 0;

	if (!lazy_init(t))
		return 0; /* no USB subsystem: nothing to list */
	n = libusb_get_device_list(t->ctx, &list);
	if (n < 0)
		return xport_libusb_map_error((int)n);
	d = malloc(sizeof(*d));
	if (!d) {
		libusb_free_device_list(list, 1);
		return DFU_E_NOMEM;
	}
	for (ssize_t i = 0; i < n; i++) {
		if (!describe(t, list[i], d))
			continue;
		d->ref = (uintptr_t)i;
		visited++;
		if (cb(cb_ctx, d))
			break;
	}
	free(d);
	libusb_free_device_list(list, 1);
	return visited;
}

static int lu_open(void *ctx, const struct xport_dev_info *want, struct xport_handle **out)
{
	struct xport_libusb *t = ctx;
	struct xport_handle *xh = NULL;
	libusb_device **list;
	struct xport_dev_info *d;
	libusb_device *found = NULL;
	ssize_t n;
	int rc;

	*out = NULL;
	if (!lazy_init(t))
		return DFU_E_NODEV;
	for (size_t i = 0; i < MAX_HANDLES; i++)
		if (!t->handles[i].used) {
			xh = &t->handles[i];
			break;
		}
	if (!xh)
		return DFU_E_BUSY;
	n = libusb_get_device_list(t->ctx, &list);
	if (n < 0)
		return xport_libusb_map_error((int)n);
	d = malloc(sizeof(*d));
	if (!d) {
		libusb_free_device_list(list, 1);
		return DFU_E_NOMEM;
	}
	for (ssize_t i = 0; i < n && !found; i++) {
		uint8_t ports[8];
		int np = libusb_get_port_numbers(list[i], ports, (int)sizeof(ports));
		if (xport_libusb_format_path(libusb_get_bus_number(list[i]), ports, np < 0 ? 0 : np,
					     d->path, sizeof(d->path)) < 0)
			continue;
		if (strcmp(d->path, want->path) == 0 &&
		    libusb_get_device_address(list[i]) == want->devnum)
			found = list[i];
	}
	free(d);
	if (!found) {
		libusb_free_device_list(list, 1);
		return DFU_E_NODEV; /* gone, or enumerated again since */
	}
	memset(xh, 0, sizeof(*xh));
	rc = libusb_open(found, &xh->h);
	libusb_free_device_list(list, 1);
	if (rc < 0)
		return xport_libusb_map_error(rc);
	libusb_set_auto_detach_kernel_driver(xh->h, 1);
	xh->used = true;
	*out = xh;
	return 0;
}

static void lu_close(void *ctx, struct xport_handle *h)
{
	(void)ctx;
	if (!h || !h->used)
		return;
	for (int i = 0; i < h->nclaimed; i++)
		libusb_release_interface(h->h, h->claimed[i]);
	libusb_close(h->h);
	memset(h, 0, sizeof(*h));
}

/* Interface requests need the interface claimed first (usbfs rule). */
static int claim(struct xport_handle *h, int intf)
{
	int rc;

	for (int i = 0; i < h->nclaimed; i++)
		if (h->claimed[i] == intf)
			return 0;
	if (h->nclaimed >= MAX_INTF)
		return DFU_E_NOSPACE;
	rc = libusb_claim_interface(h->h, intf);
	if (rc < 0)
		return xport_libusb_map_error(rc);
	h->claimed[h->nclaimed++] = intf;
	return 0;
}

static int lu_control(void *ctx, struct xport_handle *h, const struct dfu_setup *s,
		      const uint8_t *out, uint8_t *in, unsigned timeout_ms)
{
	int rc;

	(void)ctx;
	if (!h || !h->used)
		return DFU_E_NODEV;
	if ((s->bmRequestType & 0x1F) == 0x01) { /* recipient: interface */
		rc = claim(h, s->wIndex & 0xFF);
		if (rc < 0)
			return rc;
	}
	/* Through libusb's calls, so the kernel keeps the state in step. */
	if (s->bmRequestType == 0x01 && s->bRequest == 0x0B)
		return xport_libusb_map_error(
			libusb_set_interface_alt_setting(h->h, s->wIndex & 0xFF, s->wValue));
	if (s->bmRequestType == 0x00 && s->bRequest == 0x09)
		return xport_libusb_map_error(libusb_set_configuration(h->h, s->wValue));
	rc = libusb_control_transfer(h->h, s->bmRequestType, s->bRequest, s->wValue, s->wIndex,
				     dfu_setup_is_in(s) ? in : (unsigned char *)(uintptr_t)out,
				     s->wLength, timeout_ms);
	return xport_libusb_map_error(rc);
}

static int lu_reset(void *ctx, struct xport_handle *h)
{
	(void)ctx;
	if (!h || !h->used)
		return DFU_E_NODEV;
	/* NOT_FOUND: it re-enumerated (new firmware, new descriptors). */
	return xport_libusb_map_error(libusb_reset_device(h->h));
}

static void lu_sleep_ms(void *ctx, uint32_t ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };
	(void)ctx;
	while (nanosleep(&ts, &ts) != 0)
		;
}

static uint64_t lu_now_us(void *ctx)
{
	struct timespec ts;
	(void)ctx;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static const struct xport_ops libusb_ops = {
	.name = "libusb",
	.enumerate = lu_enumerate,
	.open = lu_open,
	.close = lu_close,
	.control = lu_control,
	.reset = lu_reset,
	.sleep_ms = lu_sleep_ms,
	.now_us = lu_now_us,
	.why_none = lu_why_none,
};

struct xport_libusb *xport_libusb_new(void)
{
	return calloc(1, sizeof(struct xport_libusb));
}

void xport_libusb_free(struct xport_libusb *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < MAX_HANDLES; i++)
		lu_close(t, &t->handles[i]);
	if (t->ctx)
		libusb_exit(t->ctx);
	free(t);
}

struct xport xport_libusb(struct xport_libusb *t)
{
	return (struct xport){ .ops = &libusb_ops, .ctx = t };
}
