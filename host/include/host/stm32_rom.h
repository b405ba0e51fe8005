/*
 * stm32_rom.h - recognise an STM32 ROM DFU bootloader from what enumeration
 * shows, and whether its chip has the flash-empty check.
 *
 * The ROM bootloader announces itself as 0483:df11 with DfuSe alt settings
 * named "@Internal Flash" and "@Option Bytes"; where the option bytes live
 * tells the family apart ([empty-check-lines], [ob-block]). A chip with the
 * empty check (AN2606 patterns 6/16: FLASH_SR.PEMPTY) latches "flash empty"
 * at power-on and keeps booting the ROM after every system reset until the
 * next power-on or option-byte load, which is the trap dfu-flash diagnoses
 * after leave. Pure functions over enumeration data: no I/O, no allocation.
 */
#ifndef HOST_STM32_ROM_H
#define HOST_STM32_ROM_H

#include <stdbool.h>
#include <stdint.h>

#include "host/xport.h"

#define STM32_ROM_VID 0x0483
#define STM32_ROM_PID 0xDF11

struct stm32_rom_info {
	bool is_rom;		/* 0483:df11 with "Internal Flash" and "Option Bytes" alts */
	bool empty_check;	/* the family latches PEMPTY (see above) */
	const char *family;	/* "STM32L41x-L46x", ... or "STM32 (unknown family)" */
	uint8_t intf;		/* the DFU interface */
	uint8_t flash_alt, ob_alt;
	uint32_t flash_base, flash_size;
	uint32_t ob_base, ob_size;
};

/* Fill `out` from a device's descriptors and strings; returns out->is_rom. */
bool stm32_rom_identify(const struct xport_dev_info *dev, struct stm32_rom_info *out);

#endif
