/*
 * stm32_optr.h - STM32L4 option bytes as named fields, for the host.
 *
 * dfu-flash --show-options and --set-option NAME=VALUE work on the
 * option-byte block the ROM bootloader exposes through its "Option Bytes"
 * alt (0x1FFF7800 on L41x-L46x: OPTR, PCROP1SR, PCROP1ER, WRP1AR, WRP1BR,
 * each followed by its complement word). The bit layout is RM0394's
 * FLASH_OPTR (stm32l4-bootloader.md §2.1). This is the host's own decoder:
 * it works on bytes read from a real board and never depends on the
 * emulator. Pure functions: no I/O, no allocation.
 */
#ifndef HOST_STM32_OPTR_H
#define HOST_STM32_OPTR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define STM32_OB_OPTR 0x00
#define STM32_OB_WRP1AR 0x18
#define STM32_OB_WRP1BR 0x20
#define STM32_OB_MIN_SIZE 0x24	/* through WRP1BR */

#define STM32_RDP_LEVEL0 0xAA
#define STM32_RDP_LEVEL1 0xBB
#define STM32_RDP_LEVEL2 0xCC

/* 0, 1 or 2 for an RDP byte (0xAA level 0, 0xCC level 2, anything else 1). */
int stm32_rdp_level(uint8_t rdp);

/* The block as text, one "NAME = value (meaning)" line per field. */
int stm32_ob_format(const uint8_t *ob, size_t len, char *out, size_t cap);

/* Read one named field (case-insensitive); DFU_E_NOTFOUND for an unknown name. */
int stm32_ob_get(const uint8_t *ob, size_t len, const char *name, uint32_t *value);

/*
 * Apply "NAME=VALUE" to the block (read-modify-write on the bytes, the
 * complement word kept in step). VALUE is a number (0x.. allowed); RDP also
 * takes 0, 1, 2 as levels. Out-of-range values, unknown names and RDP level
 * 2 without `allow_rdp2` are refused with DFU_E_USAGE and a sentence in msg.
 */
int stm32_ob_set(uint8_t *ob, size_t len, const char *assignment, bool allow_rdp2, char *msg,
		 size_t cap);

#endif
