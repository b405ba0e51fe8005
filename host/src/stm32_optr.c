/*
 * stm32_optr.c - STM32L4 option-byte fields (see stm32_optr.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dfu/bytes.h"
#include "dfu/error.h"
#include "host/stm32_optr.h"

struct field {
	const char *name;
	uint8_t word;		/* byte offset of the register in the block */
	uint8_t shift, width;
	const char *meaning;
};

/* RM0394 FLASH_OPTR, WRP1AR, WRP1BR (stm32l4-bootloader.md §2.1). */
static const struct field fields[] = {
	{ "RDP", STM32_OB_OPTR, 0, 8, "read protection: 0xAA level 0, 0xCC level 2, else level 1" },
	{ "BOR_LEV", STM32_OB_OPTR, 8, 3, "brown-out level 0-4 (1.7/2.0/2.2/2.5/2.8 V)" },
	{ "nRST_STOP", STM32_OB_OPTR, 12, 1, "0: reset when entering Stop" },
	{ "nRST_STDBY", STM32_OB_OPTR, 13, 1, "0: reset when entering Standby" },
	{ "nRST_SHDW", STM32_OB_OPTR, 14, 1, "0: reset when entering Shutdown" },
	{ "IWDG_SW", STM32_OB_OPTR, 16, 1, "1: independent watchdog started by software" },
	{ "IWDG_STOP", STM32_OB_OPTR, 17, 1, "0: IWDG frozen in Stop" },
	{ "IWDG_STDBY", STM32_OB_OPTR, 18, 1, "0: IWDG frozen in Standby" },
	{ "WWDG_SW", STM32_OB_OPTR, 19, 1, "1: window watchdog started by software" },
	{ "nBOOT1", STM32_OB_OPTR, 23, 1, "with BOOT0=1: 1 system memory, 0 SRAM1" },
	{ "SRAM2_PE", STM32_OB_OPTR, 24, 1, "0: SRAM2 parity check on" },
	{ "SRAM2_RST", STM32_OB_OPTR, 25, 1, "0: SRAM2 erased on system reset" },
	{ "nSWBOOT0", STM32_OB_OPTR, 26, 1, "1: BOOT0 from the pin (empty check active), 0: from nBOOT0" },
	{ "nBOOT0", STM32_OB_OPTR, 27, 1, "with nSWBOOT0=0: 1 boots main flash, 0 the bootloader" },
	{ "WRP1A_STRT", STM32_OB_WRP1AR, 0, 8, "first write-protected page of area A" },
	{ "WRP1A_END", STM32_OB_WRP1AR, 16, 8, "last write-protected page of area A (none if < start)" },
	{ "WRP1B_STRT", STM32_OB_WRP1BR, 0, 8, "first write-protected page of area B" },
	{ "WRP1B_END", STM32_OB_WRP1BR, 16, 8, "last write-protected page of area B (none if < start)" },
};
#define NFIELDS (sizeof(fields) / sizeof(fields[0]))

int stm32_rdp_level(uint8_t rdp)
{
	return rdp == STM32_RDP_LEVEL0 ? 0 : rdp == STM32_RDP_LEVEL2 ? 2 : 1;
}

static const struct field *find(const char *name, size_t n)
{
	for (size_t i = 0; i < NFIELDS; i++)
		if (strlen(fields[i].name) == n && strncasecmp(fields[i].name, name, n) == 0)
			return &fields[i];
	return NULL;
}

static uint32_t get(const uint8_t *ob, const struct field *f)
{
	uint32_t w = dfu_get_le32(ob + f->word);
	return (w >> f->shift) & ((1u << f->width) - 1u);
}

int stm32_ob_get(const uint8_t *ob, size_t len, const char *name, uint32_t *value)
{
	const struct field *f = find(name, strlen(name));
	if (!f || len < (size_t)f->word + 4)
		return DFU_E_NOTFOUND;
	*value = get(ob, f);
	return 0;
}

int stm32_ob_format(const uint8_t *ob, size_t len, char *out, size_t cap)
{
	size_t n = 0;
	int w;

	if (len < STM32_OB_MIN_SIZE)
		return snprintf(out, cap, "only %zu option bytes; an STM32L4 block has %d\n", len,
				STM32_OB_MIN_SIZE);
	w = snprintf(out, cap, "OPTR = 0x%08X, WRP1AR = 0x%08X, WRP1BR = 0x%08X\n",
		     dfu_get_le32(ob + STM32_OB_OPTR), dfu_get_le32(ob + STM32_OB_WRP1AR),
		     dfu_get_le32(ob + STM32_OB_WRP1BR));
	if (w < 0 || (size_t)w >= cap)
		return w;
	n = (size_t)w;
	for (size_t i = 0; i < NFIELDS; i++) {
		uint32_t v = get(ob, &fields[i]);
		if (i == 0)
			w = snprintf(out + n, cap - n, "  %-11s = 0x%02X (level %d)  %s\n", fields[i].name,
				     v, stm32_rdp_level((uint8_t)v), fields[i].meaning);
		else
			w = snprintf(out + n, cap - n, "  %-11s = %-11u %s\n", fields[i].name, v,
				     fields[i].meaning);
		if (w < 0 || (size_t)w >= cap - n)
			return (int)n;
		n += (size_t)w;
	}
	return (int)n;
}

int stm32_ob_set(uint8_t *ob, size_t len, const char *a, bool allow_rdp2, char *msg, size_t cap)
{
	const char *eq = strchr(a, '=');
	const struct field *f;
	unsigned long v;
	uint32_t w, mask;
	char *end;

	if (!eq || eq == a) {
		snprintf(msg, cap, "--set-option \"%s\" is not NAME=VALUE", a);
		return DFU_E_USAGE;
	}
	f = find(a, (size_t)(eq - a));
	if (!f) {
		snprintf(msg, cap, "--set-option %s: \"%.*s\" is not an option-byte field; names: RDP, "
			 "BOR_LEV, nRST_STOP, nRST_STDBY, nRST_SHDW, IWDG_SW, IWDG_STOP, IWDG_STDBY, "
			 "WWDG_SW, nBOOT1, SRAM2_PE, SRAM2_RST, nSWBOOT0, nBOOT0, WRP1A_STRT, "
			 "WRP1A_END, WRP1B_STRT, WRP1B_END", a, (int)(eq - a), a);
		return DFU_E_USAGE;
	}
	if (len < (size_t)f->word + 8) {
		snprintf(msg, cap, "--set-option %s: the option-byte block is only %zu bytes", a, len);
		return DFU_E_USAGE;
	}
	v = strtoul(eq + 1, &end, 0);
	if (!eq[1] || *end || eq[1] == '-') {
		snprintf(msg, cap, "--set-option %s: \"%s\" is not a number", a, eq + 1);
		return DFU_E_USAGE;
	}
	if (f->shift == 0 && f->width == 8 && f->word == STM32_OB_OPTR) {
		/* RDP: levels 0-2 or the raw byte. */
		if (v <= 2)
			v = v == 0 ? STM32_RDP_LEVEL0 : v == 1 ? STM32_RDP_LEVEL1 : STM32_RDP_LEVEL2;
		if (v > 0xFF) {
			snprintf(msg, cap, "--set-option %s: RDP is a level (0, 1, 2) or a byte", a);
			return DFU_E_USAGE;
		}
		if (v == STM32_RDP_LEVEL2 && !allow_rdp2) {
			snprintf(msg, cap,
				 "--set-option %s: refused: RDP level 2 is permanent; it disables the "
				 "ROM bootloader and the debug port for ever, so this chip could never "
				 "be flashed over DFU again. If that is really what you want, add "
				 "--i-really-want-rdp-level-2-and-lose-the-bootloader", a);
			return DFU_E_USAGE;
		}
	} else if (f->width == 3 && v > 4) {
		snprintf(msg, cap, "--set-option %s: BOR_LEV is 0-4", a);
		return DFU_E_USAGE;
	} else if (v >= (1ul << f->width)) {
		snprintf(msg, cap, "--set-option %s: %s is %u bit%s wide (0-%lu)", a, f->name, f->width,
			 f->width == 1 ? "" : "s", (1ul << f->width) - 1);
		return DFU_E_USAGE;
	}
	mask = ((1u << f->width) - 1u) << f->shift;
	w = dfu_get_le32(ob + f->word);
	w = (w & ~mask) | (((uint32_t)v << f->shift) & mask);
	dfu_put_le32(ob + f->word, w);
	dfu_put_le32(ob + f->word + 4, ~w); /* the complement word that follows */
	return 0;
}
