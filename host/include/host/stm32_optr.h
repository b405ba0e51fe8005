/*
 * stm32_optr.h - STM32L4 option bytes as named fields, for the host.
 *
 * dfu-flash --show-options and --set-option NAME=VALUE work on the
 * option-byte block the ROM bootloader exposes through its "Option Bytes"
 * alt (0x1FFF7800 on L41x-L46x: OPTR, PCROP1SR, PCROP1ER, WRP1AR, WRP1BR,
 * each followed by its complement word). Which fields a block has, and how
 * wide they are, is core's layout table (dfu/stm32_ob.h, from RM0394 and
 * RM0432); this module picks the row for a device from what enumeration
 * shows and turns blocks into text and NAME=VALUE into bytes. It works on
 * bytes read from a real board and never depends on the emulator. Pure
 * functions: no I/O, no allocation.
 */
#ifndef HOST_STM32_OPTR_H
#define HOST_STM32_OPTR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dfu/stm32_ob.h"
#include "host/xport.h"

#define STM32_OB_OPTR DFU_OB_OPTR
#define STM32_OB_WRP1AR DFU_OB_WRP1AR
#define STM32_OB_WRP1BR DFU_OB_WRP1BR
#define STM32_OB_MIN_SIZE DFU_OB_MIN_SIZE

#define STM32_RDP_LEVEL0 DFU_OB_RDP_LEVEL0
#define STM32_RDP_LEVEL1 DFU_OB_RDP_LEVEL1
#define STM32_RDP_LEVEL2 DFU_OB_RDP_LEVEL2

/* 0, 1 or 2 for an RDP byte (0xAA level 0, 0xCC level 2, anything else 1). */
int stm32_rdp_level(uint8_t rdp);

/*
 * The layout of a device's option bytes, from its DfuSe alt strings: the
 * "Option Bytes" address and the size of "Internal Flash" pick the row
 * (dfu_ob_layout_for). The flash size is all the host can see, so a part
 * with less flash than its line's largest gets the layout of the smaller
 * line: its WRP fields then accept exactly the pages it has. A device that
 * is not a known STM32 ROM gets STM32_OB_LAYOUT_DEFAULT.
 */
const struct dfu_ob_layout *stm32_ob_layout_of(const struct xport_dev_info *dev);

/* What dfu-flash assumed before it could tell layouts apart (L45x/L46x:
 * 8-bit WRP fields); also what a NULL layout below means. */
#define STM32_OB_LAYOUT_DEFAULT (&dfu_ob_stm32l45x)

/* The block as text, one "NAME = value (meaning)" line per field of `l`. */
int stm32_ob_format_as(const struct dfu_ob_layout *l, const uint8_t *ob, size_t len, char *out,
		       size_t cap);

/* Read one named field (case-insensitive); DFU_E_NOTFOUND for a name `l`
 * lacks or a block too short for it. */
int stm32_ob_get_as(const struct dfu_ob_layout *l, const uint8_t *ob, size_t len,
		    const char *name, uint32_t *value);

/*
 * Apply "NAME=VALUE" to the block (read-modify-write on the bytes, the
 * complement word kept in step). VALUE is a number (0x.. allowed); RDP also
 * takes 0, 1, 2 as levels. Values above the field's range on this layout
 * (a WRP page the line does not have), unknown names and RDP level 2
 * without `allow_rdp2` are refused with DFU_E_USAGE and a sentence in msg.
 */
int stm32_ob_set_as(const struct dfu_ob_layout *l, uint8_t *ob, size_t len,
		    const char *assignment, bool allow_rdp2, char *msg, size_t cap);

/* The same with STM32_OB_LAYOUT_DEFAULT, for callers that cannot tell the
 * chip (a block without its device). */
int stm32_ob_format(const uint8_t *ob, size_t len, char *out, size_t cap);
int stm32_ob_get(const uint8_t *ob, size_t len, const char *name, uint32_t *value);
int stm32_ob_set(uint8_t *ob, size_t len, const char *assignment, bool allow_rdp2, char *msg,
		 size_t cap);

#endif
