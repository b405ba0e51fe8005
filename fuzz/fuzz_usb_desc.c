/* fuzz_usb_desc.c - descriptors as a hostile device returns them: device,
 * configuration walk with DFU functional descriptors, strings, GETSTATUS. */
#include <stdint.h>
#include <stdlib.h>

#include "dfu/dfu_proto.h"
#include "dfu/usb_desc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct usb_device_desc dd;
	struct usb_config_desc cd;
	struct usb_config_iter it;
	struct usb_alt_info alt;
	struct dfu_status_reply st;
	struct dfu_func_desc fd;
	char text[256];
	uint16_t langs[8];
	int guard = 0;

	usb_device_desc_decode(data, size, &dd);
	usb_string_desc_decode(data, size, text, sizeof(text));
	usb_string_desc_decode(data, size, text, 3);
	usb_langid_desc_decode(data, size, langs, 8);
	dfu_status_decode(data, size, &st);
	dfu_func_desc_decode(data, size, &fd);
	if (usb_config_iter_init(&it, data, size, &cd) == 0) {
		while (usb_config_next_alt(&it, &alt) == 1)
			if (++guard > 4096)
				abort(); /* the walker must make progress */
	}
	return 0;
}
