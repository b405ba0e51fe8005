/*
 * usb_desc.h - the standard USB descriptors dfulab needs, built and parsed.
 *
 * Device (18 bytes), configuration (9), interface (9) and string descriptors
 * (UTF-16LE), plus a walker over a whole configuration blob that yields each
 * interface/alternate setting with its DFU functional descriptor. The emulated
 * device builds its descriptors with these; the host parses what a device
 * returns with the same code. Every parse checks bLength against the buffer
 * and against the descriptor's minimum size; nothing here allocates.
 */
#ifndef DFU_USB_DESC_H
#define DFU_USB_DESC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dfu/dfu_proto.h"

/* Standard requests (USB 2.0 Table 9-4). */
enum usb_std_request {
	USB_REQ_GET_STATUS = 0,
	USB_REQ_CLEAR_FEATURE = 1,
	USB_REQ_SET_FEATURE = 3,
	USB_REQ_SET_ADDRESS = 5,
	USB_REQ_GET_DESCRIPTOR = 6,
	USB_REQ_SET_DESCRIPTOR = 7,
	USB_REQ_GET_CONFIGURATION = 8,
	USB_REQ_SET_CONFIGURATION = 9,
	USB_REQ_GET_INTERFACE = 10,
	USB_REQ_SET_INTERFACE = 11,
	USB_REQ_SYNCH_FRAME = 12,
};

/* Descriptor types (USB 2.0 Table 9-5). */
enum usb_desc_type {
	USB_DT_DEVICE = 1,
	USB_DT_CONFIG = 2,
	USB_DT_STRING = 3,
	USB_DT_INTERFACE = 4,
	USB_DT_ENDPOINT = 5,
	USB_DT_DEVICE_QUALIFIER = 6,
	USB_DT_BOS = 15,
};

#define USB_DT_DEVICE_SIZE 18
#define USB_DT_CONFIG_SIZE 9
#define USB_DT_INTERFACE_SIZE 9
#define USB_STRING_MAX_BYTES 255	/* bLength is one byte */
#define USB_STRING_MAX_CHARS 126	/* (255 - 2) / 2 UTF-16 units */
#define USB_LANGID_EN_US 0x0409

#define USB_CLASS_APP_SPEC 0xFE
#define USB_SUBCLASS_DFU 0x01
#define USB_PROTO_DFU_RUNTIME 0x01
#define USB_PROTO_DFU_MODE 0x02

#define USB_CONFIG_ATT_ONE 0x80
#define USB_CONFIG_ATT_SELFPOWER 0x40

struct usb_device_desc {
	uint16_t bcdUSB;
	uint8_t bDeviceClass;
	uint8_t bDeviceSubClass;
	uint8_t bDeviceProtocol;
	uint8_t bMaxPacketSize0;
	uint16_t idVendor;
	uint16_t idProduct;
	uint16_t bcdDevice;
	uint8_t iManufacturer;
	uint8_t iProduct;
	uint8_t iSerialNumber;
	uint8_t bNumConfigurations;
};

struct usb_config_desc {
	uint16_t wTotalLength;
	uint8_t bNumInterfaces;
	uint8_t bConfigurationValue;
	uint8_t iConfiguration;
	uint8_t bmAttributes;
	uint8_t bMaxPower; /* units of 2 mA */
};

struct usb_interface_desc {
	uint8_t bInterfaceNumber;
	uint8_t bAlternateSetting;
	uint8_t bNumEndpoints;
	uint8_t bInterfaceClass;
	uint8_t bInterfaceSubClass;
	uint8_t bInterfaceProtocol;
	uint8_t iInterface;
};

/* Each encoder returns the bytes written or DFU_E_NOSPACE; each decoder
 * returns 0, DFU_E_TRUNCATED (buffer shorter than bLength or the minimum) or
 * DFU_E_FORMAT (wrong bDescriptorType, bLength below the minimum). */
int usb_device_desc_encode(const struct usb_device_desc *d, uint8_t *out, size_t cap);
int usb_device_desc_decode(const uint8_t *in, size_t len, struct usb_device_desc *d);
int usb_config_desc_encode(const struct usb_config_desc *d, uint8_t *out, size_t cap);
int usb_config_desc_decode(const uint8_t *in, size_t len, struct usb_config_desc *d);
int usb_interface_desc_encode(const struct usb_interface_desc *d, uint8_t *out, size_t cap);
int usb_interface_desc_decode(const uint8_t *in, size_t len, struct usb_interface_desc *d);

/*
 * String descriptors. Encoding takes UTF-8 (ASCII in practice; code points
 * above U+FFFF are DFU_E_FORMAT) and writes UTF-16LE, DFU_E_NOSPACE if it
 * does not fit in `cap` or in 255 bytes. Decoding writes UTF-8 into `out`
 * (always NUL-terminated when cap > 0), replacing unpaired surrogates with
 * U+FFFD; an odd bLength drops the last byte, as hosts do.
 * Encoding returns the descriptor's size. Decoding returns the UTF-8 length
 * without the NUL, or DFU_E_NOSPACE with as many whole characters as fit
 * (and the NUL) written; a U+0000 unit also becomes U+FFFD, so a hostile
 * "name\0junk" cannot compare equal to "name".
 */
int usb_string_desc_encode(const char *utf8, uint8_t *out, size_t cap);
int usb_string_desc_decode(const uint8_t *in, size_t len, char *out, size_t cap);
/* String descriptor 0: the LANGID list. */
int usb_langid_desc_encode(const uint16_t *langids, size_t n, uint8_t *out, size_t cap);
/* Returns the number of LANGIDs stored (at most `max`), or a negative error. */
int usb_langid_desc_decode(const uint8_t *in, size_t len, uint16_t *langids, size_t max);

/*
 * Walk a full configuration descriptor blob. usb_config_next_alt() advances
 * `it` to the next interface descriptor and fills `alt`; any DFU functional
 * descriptor (type 0x21) that follows it before the next interface is
 * decoded into alt->func, with alt->has_func set. Returns 1 when an alt was
 * produced, 0 at the end, or a negative error for a malformed blob
 * (bLength 0 or 1, a descriptor running past wTotalLength or the buffer).
 *
 * The functional descriptor describes the whole DFU interface, and ST's ROM
 * bootloaders send it once, after the LAST alternate setting. So an alt
 * with no functional descriptor of its own gets the first one found after
 * any alt of the same interface: the run of consecutive interface
 * descriptors with this bInterfaceNumber, looking both back and ahead. A
 * descriptor directly after an alt always wins for that alt. Only DFU alts
 * (class 0xFE, subclass 0x01) get one, and only descriptors after a DFU alt
 * count, as type 0x21 is also HID's class descriptor.
 *
 * usb_config_iter_init() decodes the configuration descriptor into `cfg`
 * (which may be NULL) and walks min(len, wTotalLength) bytes: a buffer that
 * ends early on a descriptor boundary is walked as far as it goes, one that
 * cuts a descriptor is DFU_E_TRUNCATED. A wTotalLength shorter than the
 * configuration descriptor itself is DFU_E_SIZE.
 */
struct usb_config_iter {
	const uint8_t *buf;
	size_t len;	/* min(buffer length, wTotalLength) */
	size_t pos;
};

struct usb_alt_info {
	struct usb_interface_desc intf;
	bool has_func;
	struct dfu_func_desc func;
};

int usb_config_iter_init(struct usb_config_iter *it, const uint8_t *buf, size_t len,
			 struct usb_config_desc *cfg);
int usb_config_next_alt(struct usb_config_iter *it, struct usb_alt_info *alt);

#endif
