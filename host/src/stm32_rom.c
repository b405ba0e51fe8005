/*
 * stm32_rom.c - which STM32 ROM bootloader is this, and does its chip latch
 * the flash-empty flag.
 *
 * The option-byte alt's address names the family ([ob-block],
 * [CubeProg-DB]): 0x1FFF7800 on L41x-L46x (and dual-bank L47x/L48x, which
 * add a bank-2 block at 0x1FFFF800 and have no empty check,
 * [empty-check-lines]), 0x1FF00000 on L4R/L4S. L41x-L46x and L4R/L4S have
 * PEMPTY ([CMSIS-L4], the [KB-empty-check] list).
 */
#include <string.h>

#include "dfu/dfuse_layout.h"
#include "dfu/usb_desc.h"
#include "host/stm32_rom.h"

/* Layout names keep the ROM's trailing spaces ("Internal Flash  "). */
static bool name_is(const struct dfuse_layout *l, const char *want)
{
	size_t n = strlen(l->name), w = strlen(want);
	while (n > 0 && l->name[n - 1] == ' ')
		n--;
	return n == w && memcmp(l->name, want, n) == 0;
}

struct family {
	uint32_t ob_base;
	bool bank2_ob;		/* a second option-byte region at 0x1FFFF800 */
	bool empty_check;
	const char *name;
};

static const struct family families[] = {
	{ 0x1FFF7800, false, true, "STM32L41x-L46x" },	/* pattern 16, PEMPTY */
	{ 0x1FFF7800, true, false, "STM32L47x/L48x" },	/* pattern 7, no PEMPTY */
	{ 0x1FF00000, false, true, "STM32L4R/L4S" },	/* pattern 6, PEMPTY */
};

bool stm32_rom_identify(const struct xport_dev_info *dev, struct stm32_rom_info *out)
{
	struct usb_config_iter it;
	struct usb_alt_info alt;
	struct dfuse_layout l;
	bool have_flash = false, have_ob = false, bank2 = false;

	memset(out, 0, sizeof(*out));
	out->family = "not an STM32 ROM bootloader";
	if (dev->vid != STM32_ROM_VID || dev->pid != STM32_ROM_PID)
		return false;
	if (usb_config_iter_init(&it, dev->config, dev->config_len, NULL) < 0)
		return false;
	for (int guard = 0; guard < 256 && usb_config_next_alt(&it, &alt) == 1; guard++) {
		const char *name = xport_dev_string(dev, alt.intf.iInterface);
		if (alt.intf.bInterfaceClass != USB_CLASS_APP_SPEC ||
		    alt.intf.bInterfaceSubClass != USB_SUBCLASS_DFU || !name ||
		    dfuse_layout_parse(name, strlen(name), &l, NULL) < 0 || l.nsegments == 0)
			continue;
		if (!have_flash && name_is(&l, "Internal Flash")) {
			have_flash = true;
			out->intf = alt.intf.bInterfaceNumber;
			out->flash_alt = alt.intf.bAlternateSetting;
			out->flash_base = l.seg[0].start;
			out->flash_size = l.seg[l.nsegments - 1].end - l.seg[0].start + 1;
		} else if (!have_ob && name_is(&l, "Option Bytes")) {
			have_ob = true;
			out->ob_alt = alt.intf.bAlternateSetting;
			out->ob_base = l.seg[0].start;
			out->ob_size = l.seg[0].end - l.seg[0].start + 1;
			for (size_t k = 1; k < l.nsegments; k++)
				if (l.seg[k].start == 0x1FFFF800)
					bank2 = true;
		}
	}
	if (!have_flash || !have_ob)
		return false;
	out->is_rom = true;
	out->family = "STM32 (unknown family)";
	for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++) {
		if (families[i].ob_base == out->ob_base && families[i].bank2_ob == bank2) {
			out->family = families[i].name;
			out->empty_check = families[i].empty_check;
			break;
		}
	}
	return true;
}
