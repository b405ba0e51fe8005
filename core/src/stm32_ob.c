/*
 * stm32_ob.c - the STM32L4 option-byte layouts as data (see stm32_ob.h).
 */
#include <string.h>
#include <strings.h>

#include "dfu/bytes.h"
#include "dfu/stm32_ob.h"

#define FIELD(id_, name_, reg_, shift_, width_, max_, meaning_)                               \
	{ .id = (id_), .name = (name_), .reg = (reg_), .shift = (shift_), .width = (width_),  \
	  .max = (max_), .meaning = (meaning_) }
#define FLAG(id_, name_, bit_, meaning_) FIELD(id_, name_, DFU_OB_OPTR, bit_, 1, 1, meaning_)

/* FLASH_OPTR bits 19:0 as RM0394 (L41x-L46x), RM0351 (L47x/L48x) and
 * RM0432 (L4R/L4S) all define them. BOR_LEV values above 4 are not
 * defined (RM0394: 0-4 select 1.7/2.0/2.2/2.5/2.8 V). */
#define OPTR_LOW                                                                              \
	FIELD(DFU_OBF_RDP, "RDP", DFU_OB_OPTR, 0, 8, 0xFF,                                   \
	      "read protection: 0xAA level 0, 0xCC level 2, else level 1"),                   \
	FIELD(DFU_OBF_BOR_LEV, "BOR_LEV", DFU_OB_OPTR, 8, 3, 4,                               \
	      "brown-out level 0-4 (1.7/2.0/2.2/2.5/2.8 V)"),                                 \
	FLAG(DFU_OBF_NRST_STOP, "nRST_STOP", 12, "0: reset when entering Stop"),             \
	FLAG(DFU_OBF_NRST_STDBY, "nRST_STDBY", 13, "0: reset when entering Standby"),        \
	FLAG(DFU_OBF_NRST_SHDW, "nRST_SHDW", 14, "0: reset when entering Shutdown"),         \
	FLAG(DFU_OBF_IWDG_SW, "IWDG_SW", 16, "1: independent watchdog started by software"), \
	FLAG(DFU_OBF_IWDG_STOP, "IWDG_STOP", 17, "0: IWDG frozen in Stop"),                  \
	FLAG(DFU_OBF_IWDG_STDBY, "IWDG_STDBY", 18, "0: IWDG frozen in Standby"),             \
	FLAG(DFU_OBF_WWDG_SW, "WWDG_SW", 19, "1: window watchdog started by software")

/* FLASH_OPTR bits 25:23, the same on every L4 line. */
#define OPTR_BOOT1_SRAM2                                                                      \
	FLAG(DFU_OBF_NBOOT1, "nBOOT1", 23, "with BOOT0=1: 1 system memory, 0 SRAM1"),        \
	FLAG(DFU_OBF_SRAM2_PE, "SRAM2_PE", 24, "0: SRAM2 parity check on"),                  \
	FLAG(DFU_OBF_SRAM2_RST, "SRAM2_RST", 25, "0: SRAM2 erased on system reset")

/* FLASH_OPTR bits 27:26: boot selection by option bit instead of the pin
 * (RM0394, RM0432; the L47x/L48x have neither and always use the pin). */
#define OPTR_SWBOOT                                                                           \
	FLAG(DFU_OBF_NSWBOOT0, "nSWBOOT0", 26,                                                \
	     "1: BOOT0 from the pin (empty check active), 0: from nBOOT0"),                   \
	FLAG(DFU_OBF_NBOOT0, "nBOOT0", 27,                                                    \
	     "with nSWBOOT0=0: 1 boots main flash, 0 the bootloader")

/* WRP1AR/WRP1BR: STRT in bits 7:0, END in bits 23:16, of which a line
 * implements as many low bits as it needs to name every page of a bank.
 * An area with END < STRT protects nothing. */
#define WRP(bits)                                                                             \
	FIELD(DFU_OBF_WRP1A_STRT, "WRP1A_STRT", DFU_OB_WRP1AR, 0, bits, (1u << (bits)) - 1,  \
	      "first write-protected page of area A"),                                        \
	FIELD(DFU_OBF_WRP1A_END, "WRP1A_END", DFU_OB_WRP1AR, 16, bits, (1u << (bits)) - 1,   \
	      "last write-protected page of area A (none if < start)"),                       \
	FIELD(DFU_OBF_WRP1B_STRT, "WRP1B_STRT", DFU_OB_WRP1BR, 0, bits, (1u << (bits)) - 1,  \
	      "first write-protected page of area B"),                                        \
	FIELD(DFU_OBF_WRP1B_END, "WRP1B_END", DFU_OB_WRP1BR, 16, bits, (1u << (bits)) - 1,   \
	      "last write-protected page of area B (none if < start)")

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* RM0394: the WRP page fields are 6 bits on L41x/L42x (64 pages of 2 KB). */
static const struct dfu_ob_field l41x_fields[] = { OPTR_LOW, OPTR_BOOT1_SRAM2, OPTR_SWBOOT,
						   WRP(6) };
/* RM0394: 7 bits on L43x/L44x (128 pages). */
static const struct dfu_ob_field l43x_fields[] = { OPTR_LOW, OPTR_BOOT1_SRAM2, OPTR_SWBOOT,
						   WRP(7) };
/* RM0394: 8 bits on L45x/L46x (256 pages). */
static const struct dfu_ob_field l45x_fields[] = { OPTR_LOW, OPTR_BOOT1_SRAM2, OPTR_SWBOOT,
						   WRP(8) };

/* RM0351: BFB2 (bit 20) and DUALBANK (bit 21) on the dual-bank L47x/L48x,
 * no nSWBOOT0/nBOOT0; WRP1 covers bank 1 (256 pages). */
static const struct dfu_ob_field l47x_fields[] = {
	OPTR_LOW,
	FLAG(DFU_OBF_BFB2, "BFB2", 20, "1: boot from bank 2 when it holds a valid image"),
	FLAG(DFU_OBF_DUALBANK, "DUALBANK", 21, "on 256/512 KB parts: 1 dual bank, 0 single"),
	OPTR_BOOT1_SRAM2,
	WRP(8),
};

/* RM0432: BFB2 (bit 20), DB1M (bit 21), DBANK (bit 22); WRP1 covers the
 * 256 pages of bank 1 in dual-bank mode. */
static const struct dfu_ob_field l4rs_fields[] = {
	OPTR_LOW,
	FLAG(DFU_OBF_BFB2, "BFB2", 20, "1: boot from bank 2 when it holds a valid image"),
	FLAG(DFU_OBF_DB1M, "DB1M", 21, "on 1 MB parts: 1 dual bank, 0 single bank"),
	FLAG(DFU_OBF_DBANK, "DBANK", 22, "1: dual bank of 4 KB pages, 0: single of 8 KB"),
	OPTR_BOOT1_SRAM2,
	OPTR_SWBOOT,
	WRP(8),
};

/* FLASH_OPTR reserved bits, which read as 1: 11, 15 and 31:28 everywhere,
 * 22:20 too on L41x-L46x (RM0394). Bit 20 of L41x-L46x is reserved but the
 * documented example value 0xFFEFF8AA has it at 0, so it is left as
 * programmed instead of forced. */
#define RESERVED_L41_L46 0xF0608800u
#define RESERVED_DUAL_BANK 0xF0008800u

const struct dfu_ob_layout dfu_ob_stm32l41x = {
	.name = "stm32l41x", .line = "STM32L41x/L42x", .manual = "RM0394",
	.base = 0x1FFF7800, .size = 40, .flash_max = 128 * 1024,
	.optr_reserved = RESERVED_L41_L46,
	.fields = l41x_fields, .nfields = COUNT(l41x_fields),
};

const struct dfu_ob_layout dfu_ob_stm32l43x = {
	.name = "stm32l43x", .line = "STM32L43x/L44x", .manual = "RM0394",
	.base = 0x1FFF7800, .size = 40, .flash_max = 256 * 1024,
	.optr_reserved = RESERVED_L41_L46,
	.fields = l43x_fields, .nfields = COUNT(l43x_fields),
};

const struct dfu_ob_layout dfu_ob_stm32l45x = {
	.name = "stm32l45x", .line = "STM32L45x/L46x", .manual = "RM0394",
	.base = 0x1FFF7800, .size = 40, .flash_max = 512 * 1024,
	.optr_reserved = RESERVED_L41_L46,
	.fields = l45x_fields, .nfields = COUNT(l45x_fields),
};

/* Bank 1's block only (the ROM's alt also has bank 2's at 0x1FFFF800).
 * Bits 27:26 have no field on these parts; whether they read as 1 is not
 * known, so they are not forced. */
const struct dfu_ob_layout dfu_ob_stm32l47x = {
	.name = "stm32l47x", .line = "STM32L47x/L48x", .manual = "RM0351",
	.base = 0x1FFF7800, .size = 40, .flash_max = 1024 * 1024,
	.optr_reserved = RESERVED_DUAL_BANK,
	.fields = l47x_fields, .nfields = COUNT(l47x_fields),
};

/* The ROM shows bank 1's options at 0x1FF00000; the block is taken to have
 * the L41x-L46x register order (a modelling choice of the emulator, which
 * does not model bank 2's WRP2AR/WRP2BR). */
const struct dfu_ob_layout dfu_ob_stm32l4rs = {
	.name = "stm32l4rs", .line = "STM32L4R/L4S", .manual = "RM0432",
	.base = 0x1FF00000, .size = 40, .flash_max = 2048 * 1024,
	.optr_reserved = RESERVED_DUAL_BANK,
	.fields = l4rs_fields, .nfields = COUNT(l4rs_fields),
};

/* Rows sharing a base in flash_max order (dfu_ob_layout_for relies on it). */
static const struct dfu_ob_layout *const layouts[] = {
	&dfu_ob_stm32l41x, &dfu_ob_stm32l43x, &dfu_ob_stm32l45x, &dfu_ob_stm32l47x,
	&dfu_ob_stm32l4rs,
};

size_t dfu_ob_layout_count(void)
{
	return COUNT(layouts);
}

const struct dfu_ob_layout *dfu_ob_layout_at(size_t i)
{
	return i < COUNT(layouts) ? layouts[i] : NULL;
}

const struct dfu_ob_layout *dfu_ob_layout_find(const char *name)
{
	for (size_t i = 0; name && i < COUNT(layouts); i++)
		if (strcasecmp(layouts[i]->name, name) == 0)
			return layouts[i];
	return NULL;
}

const struct dfu_ob_layout *dfu_ob_layout_for(uint32_t ob_base, uint32_t flash_size)
{
	for (size_t i = 0; i < COUNT(layouts); i++)
		if (layouts[i]->base == ob_base && flash_size <= layouts[i]->flash_max)
			return layouts[i];
	return NULL;
}

const struct dfu_ob_field *dfu_ob_field(const struct dfu_ob_layout *l, enum dfu_ob_field_id id)
{
	for (size_t i = 0; l && i < l->nfields; i++)
		if (l->fields[i].id == id)
			return &l->fields[i];
	return NULL;
}

const struct dfu_ob_field *dfu_ob_field_find(const struct dfu_ob_layout *l, const char *name,
					     size_t n)
{
	for (size_t i = 0; l && name && i < l->nfields; i++)
		if (strlen(l->fields[i].name) == n && strncasecmp(l->fields[i].name, name, n) == 0)
			return &l->fields[i];
	return NULL;
}

uint32_t dfu_ob_field_ones(const struct dfu_ob_field *f)
{
	return f->width >= 32 ? 0xFFFFFFFFu : (1u << f->width) - 1u;
}

uint32_t dfu_ob_field_mask(const struct dfu_ob_field *f)
{
	return dfu_ob_field_ones(f) << f->shift;
}

uint32_t dfu_ob_field_extract(const struct dfu_ob_field *f, uint32_t reg)
{
	return (reg >> f->shift) & dfu_ob_field_ones(f);
}

uint32_t dfu_ob_field_insert(const struct dfu_ob_field *f, uint32_t reg, uint32_t v)
{
	uint32_t mask = dfu_ob_field_mask(f);

	return (reg & ~mask) | ((v << f->shift) & mask);
}

int dfu_ob_get(const struct dfu_ob_field *f, const uint8_t *ob, size_t len, uint32_t *v)
{
	if (len < (size_t)f->reg + 4)
		return DFU_E_TRUNCATED;
	*v = dfu_ob_field_extract(f, dfu_get_le32(ob + f->reg));
	return 0;
}

int dfu_ob_put(const struct dfu_ob_field *f, uint8_t *ob, size_t len, uint32_t v)
{
	uint32_t w;

	if (v > f->max)
		return DFU_E_RANGE;
	if (len < (size_t)f->reg + 8)
		return DFU_E_TRUNCATED;
	w = dfu_ob_field_insert(f, dfu_get_le32(ob + f->reg), v);
	dfu_put_le32(ob + f->reg, w);
	dfu_put_le32(ob + f->reg + 4, ~w);
	return 0;
}

int dfu_ob_rdp_level(uint8_t rdp)
{
	return rdp == DFU_OB_RDP_LEVEL0 ? 0 : rdp == DFU_OB_RDP_LEVEL2 ? 2 : 1;
}
