/*
 * stm32_ob.h - STM32 option-byte vocabulary: the field layout of the
 * option-byte block an STM32L4 ROM bootloader exposes, one table row per
 * layout.
 *
 * The ROM's "Option Bytes" alt setting shows the option registers as a
 * block of 32-bit little-endian words, each followed by its complement:
 * OPTR at 0x00, PCROP1SR at 0x08, PCROP1ER at 0x10, WRP1AR at 0x18, WRP1BR
 * at 0x20 (40 bytes on every L4 line this project knows). A layout row says
 * where that block lives, which fields it has (name, register, bit shift,
 * the width this line implements, the largest value that means something,
 * what it means) and which OPTR bits are reserved. The flasher decodes and
 * edits blocks read from a board with it; the emulator builds its chip
 * registers from the same rows, so the two cannot disagree about a field.
 * Facts come from the reference manuals: RM0394 (STM32L41x-L46x), RM0351
 * (STM32L47x/L48x), RM0432 (STM32L4R/L4S).
 *
 * Pure data and pure functions: no I/O, no allocation, no clock.
 */
#ifndef DFU_STM32_OB_H
#define DFU_STM32_OB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dfu/error.h"

/* Register offsets in the block; the complement of each is at +4. */
#define DFU_OB_OPTR 0x00
#define DFU_OB_PCROP1SR 0x08
#define DFU_OB_PCROP1ER 0x10
#define DFU_OB_WRP1AR 0x18
#define DFU_OB_WRP1BR 0x20
#define DFU_OB_MIN_SIZE 0x24	/* through WRP1BR, its complement not needed */

/* RDP encodings (RM0394 FLASH_OPTR): 0xAA level 0, 0xCC level 2 (for
 * ever), any other byte level 1. 0xBB is the level-1 value ST's HAL writes. */
#define DFU_OB_RDP_LEVEL0 0xAA
#define DFU_OB_RDP_LEVEL1 0xBB
#define DFU_OB_RDP_LEVEL2 0xCC

/* Every field any layout has; a layout lists the ones its line implements. */
enum dfu_ob_field_id {
	DFU_OBF_RDP,
	DFU_OBF_BOR_LEV,
	DFU_OBF_NRST_STOP,
	DFU_OBF_NRST_STDBY,
	DFU_OBF_NRST_SHDW,
	DFU_OBF_IWDG_SW,
	DFU_OBF_IWDG_STOP,
	DFU_OBF_IWDG_STDBY,
	DFU_OBF_WWDG_SW,
	DFU_OBF_BFB2,
	DFU_OBF_DUALBANK,
	DFU_OBF_DB1M,
	DFU_OBF_DBANK,
	DFU_OBF_NBOOT1,
	DFU_OBF_SRAM2_PE,
	DFU_OBF_SRAM2_RST,
	DFU_OBF_NSWBOOT0,
	DFU_OBF_NBOOT0,
	DFU_OBF_WRP1A_STRT,
	DFU_OBF_WRP1A_END,
	DFU_OBF_WRP1B_STRT,
	DFU_OBF_WRP1B_END,
	DFU_OBF_COUNT
};

struct dfu_ob_field {
	enum dfu_ob_field_id id;
	const char *name;	/* as the reference manual spells it: "nSWBOOT0" */
	uint8_t reg;		/* DFU_OB_OPTR, DFU_OB_WRP1AR, ... */
	uint8_t shift;		/* lowest bit in the register */
	uint8_t width;		/* bits this line implements */
	uint32_t max;		/* largest meaningful value, <= all ones (BOR_LEV: 4) */
	const char *meaning;	/* one line, for --show-options */
};

struct dfu_ob_layout {
	const char *name;	/* "stm32l41x" */
	const char *line;	/* "STM32L41x/L42x", for messages */
	const char *manual;	/* "RM0394" */
	uint32_t base;		/* where the "Option Bytes" alt puts the block */
	uint16_t size;		/* its length in that alt: 40 */
	/* The largest main flash of the line. Rows with the same base are
	 * ordered by it, so the first row whose flash_max holds a device's
	 * flash is its layout (the WRP fields must name every page). */
	uint32_t flash_max;
	uint32_t optr_reserved;	/* OPTR bits that are reserved and read as 1 */
	const struct dfu_ob_field *fields; /* in register, then bit order */
	size_t nfields;
};

/* The rows, for tables elsewhere that point at one (the emulator's profiles). */
extern const struct dfu_ob_layout dfu_ob_stm32l41x; /* L41x/L42x: 6-bit WRP */
extern const struct dfu_ob_layout dfu_ob_stm32l43x; /* L43x/L44x: 7-bit WRP */
extern const struct dfu_ob_layout dfu_ob_stm32l45x; /* L45x/L46x: 8-bit WRP */
extern const struct dfu_ob_layout dfu_ob_stm32l47x; /* L47x/L48x: dual bank */
extern const struct dfu_ob_layout dfu_ob_stm32l4rs; /* L4R/L4S */

size_t dfu_ob_layout_count(void);
const struct dfu_ob_layout *dfu_ob_layout_at(size_t i); /* NULL past the end */
const struct dfu_ob_layout *dfu_ob_layout_find(const char *name); /* case-insensitive */
/* The layout of a chip whose ROM puts the block at `ob_base` and whose main
 * flash is `flash_size` bytes (both from the DfuSe alt strings), or NULL. */
const struct dfu_ob_layout *dfu_ob_layout_for(uint32_t ob_base, uint32_t flash_size);

/* A field by id, or by the first `n` bytes of `name` (case-insensitive, so
 * "NAME=VALUE" can be looked up in place); NULL when the layout lacks it. */
const struct dfu_ob_field *dfu_ob_field(const struct dfu_ob_layout *l, enum dfu_ob_field_id id);
const struct dfu_ob_field *dfu_ob_field_find(const struct dfu_ob_layout *l, const char *name,
					     size_t n);

/* The field's bits in its register, and 2^width - 1. */
uint32_t dfu_ob_field_mask(const struct dfu_ob_field *f);
uint32_t dfu_ob_field_ones(const struct dfu_ob_field *f);
/* The field out of a register word, and a register word with the field
 * replaced by the low `width` bits of `v` (other bits kept). */
uint32_t dfu_ob_field_extract(const struct dfu_ob_field *f, uint32_t reg);
uint32_t dfu_ob_field_insert(const struct dfu_ob_field *f, uint32_t reg, uint32_t v);

/* The field read from a block of `len` bytes: DFU_E_TRUNCATED if the block
 * ends before its register. */
int dfu_ob_get(const struct dfu_ob_field *f, const uint8_t *ob, size_t len, uint32_t *v);
/* Write `v` into the block, the complement word kept in step: DFU_E_RANGE
 * for v > f->max, DFU_E_TRUNCATED if the block ends before the complement. */
int dfu_ob_put(const struct dfu_ob_field *f, uint8_t *ob, size_t len, uint32_t v);

/* 0, 1 or 2 for an RDP byte. */
int dfu_ob_rdp_level(uint8_t rdp);

#endif
