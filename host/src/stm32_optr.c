/*
 * stm32_optr.c - STM32L4 option-byte fields (see stm32_optr.h). The field
 * table is core's (dfu/stm32_ob.h); this file picks a row and words it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dfu/bytes.h"
#include "dfu/error.h"
#include "host/stm32_optr.h"
#include "host/stm32_rom.h"

int stm32_rdp_level(uint8_t rdp)
{
	return dfu_ob_rdp_level(rdp);
}

const struct dfu_ob_layout *stm32_ob_layout_of(const struct xport_dev_info *dev)
{
	struct stm32_rom_info rom;
	const struct dfu_ob_layout *l = NULL;

	if (stm32_rom_identify(dev, &rom))
		l = dfu_ob_layout_for(rom.ob_base, rom.flash_size);
	return l ? l : STM32_OB_LAYOUT_DEFAULT;
}

static const struct dfu_ob_layout *or_default(const struct dfu_ob_layout *l)
{
	return l ? l : STM32_OB_LAYOUT_DEFAULT;
}

int stm32_ob_get_as(const struct dfu_ob_layout *l, const uint8_t *ob, size_t len,
		    const char *name, uint32_t *value)
{
	const struct dfu_ob_field *f = dfu_ob_field_find(or_default(l), name, strlen(name));

	if (!f || dfu_ob_get(f, ob, len, value) < 0)
		return DFU_E_NOTFOUND;
	return 0;
}

int stm32_ob_format_as(const struct dfu_ob_layout *l, const uint8_t *ob, size_t len, char *out,
		       size_t cap)
{
	size_t n = 0;
	int w;

	l = or_default(l);
	if (len < STM32_OB_MIN_SIZE)
		return snprintf(out, cap, "only %zu option bytes; an STM32L4 block has %d\n", len,
				STM32_OB_MIN_SIZE);
	w = snprintf(out, cap, "OPTR = 0x%08X, WRP1AR = 0x%08X, WRP1BR = 0x%08X\n",
		     dfu_get_le32(ob + STM32_OB_OPTR), dfu_get_le32(ob + STM32_OB_WRP1AR),
		     dfu_get_le32(ob + STM32_OB_WRP1BR));
	if (w < 0 || (size_t)w >= cap)
		return w;
	n = (size_t)w;
	for (size_t i = 0; i < l->nfields; i++) {
		const struct dfu_ob_field *f = &l->fields[i];
		uint32_t v = dfu_ob_field_extract(f, dfu_get_le32(ob + f->reg));

		if (f->id == DFU_OBF_RDP)
			w = snprintf(out + n, cap - n, "  %-11s = 0x%02X (level %d)  %s\n", f->name,
				     v, stm32_rdp_level((uint8_t)v), f->meaning);
		else
			w = snprintf(out + n, cap - n, "  %-11s = %-11u %s\n", f->name, v,
				     f->meaning);
		if (w < 0 || (size_t)w >= cap - n)
			return (int)n;
		n += (size_t)w;
	}
	return (int)n;
}

/* "RDP, BOR_LEV, ..., WRP1B_END": the names `l` knows, for a refusal. */
static void field_names(const struct dfu_ob_layout *l, char *out, size_t cap)
{
	size_t n = 0;

	out[0] = '\0';
	for (size_t i = 0; i < l->nfields && n < cap; i++) {
		int w = snprintf(out + n, cap - n, "%s%s", i ? ", " : "", l->fields[i].name);
		if (w < 0)
			return;
		n += (size_t)w;
	}
}

static bool is_wrp_page(const struct dfu_ob_field *f)
{
	return f->id == DFU_OBF_WRP1A_STRT || f->id == DFU_OBF_WRP1A_END ||
	       f->id == DFU_OBF_WRP1B_STRT || f->id == DFU_OBF_WRP1B_END;
}

/* RDP takes a level (0, 1, 2) or the raw byte; level 2 is for ever. */
static int rdp_value(const char *a, unsigned long *v, bool allow_rdp2, char *msg, size_t cap)
{
	if (*v <= 2)
		*v = *v == 0 ? STM32_RDP_LEVEL0 : *v == 1 ? STM32_RDP_LEVEL1 : STM32_RDP_LEVEL2;
	if (*v > 0xFF) {
		snprintf(msg, cap, "--set-option %s: RDP is a level (0, 1, 2) or a byte", a);
		return DFU_E_USAGE;
	}
	if (*v == STM32_RDP_LEVEL2 && !allow_rdp2) {
		snprintf(msg, cap,
			 "--set-option %s: refused: RDP level 2 is permanent; it disables the "
			 "ROM bootloader and the debug port for ever, so this chip could never "
			 "be flashed over DFU again. If that is really what you want, add "
			 "--i-really-want-rdp-level-2-and-lose-the-bootloader", a);
		return DFU_E_USAGE;
	}
	return 0;
}

static int out_of_range(const struct dfu_ob_layout *l, const struct dfu_ob_field *f,
			const char *a, unsigned long v, char *msg, size_t cap)
{
	if (is_wrp_page(f))
		/* The chip keeps only the low `width` bits, so a larger page
		 * number would protect a different page (RM0394 WRP1xR). */
		snprintf(msg, cap,
			 "--set-option %s: %s is a page number 0-%u on %s (%u bits, %s), so %lu "
			 "would protect page %lu instead; use a page 0-%u (an END below the "
			 "START protects nothing)", a, f->name, f->max, l->line, f->width,
			 l->manual, v, v & dfu_ob_field_ones(f), f->max);
	else if (f->max < dfu_ob_field_ones(f))
		snprintf(msg, cap, "--set-option %s: %s is 0-%u", a, f->name, f->max);
	else
		snprintf(msg, cap, "--set-option %s: %s is %u bit%s wide (0-%u)", a, f->name,
			 f->width, f->width == 1 ? "" : "s", f->max);
	return DFU_E_USAGE;
}

int stm32_ob_set_as(const struct dfu_ob_layout *l, uint8_t *ob, size_t len, const char *a,
		    bool allow_rdp2, char *msg, size_t cap)
{
	const char *eq = strchr(a, '=');
	const struct dfu_ob_field *f;
	unsigned long v;
	char *end, names[400];
	int rc;

	l = or_default(l);
	if (!eq || eq == a) {
		snprintf(msg, cap, "--set-option \"%s\" is not NAME=VALUE", a);
		return DFU_E_USAGE;
	}
	f = dfu_ob_field_find(l, a, (size_t)(eq - a));
	if (!f) {
		field_names(l, names, sizeof(names));
		snprintf(msg, cap, "--set-option %s: \"%.*s\" is not an option-byte field; names: %s",
			 a, (int)(eq - a), a, names);
		return DFU_E_USAGE;
	}
	if (len < (size_t)f->reg + 8) {
		snprintf(msg, cap, "--set-option %s: the option-byte block is only %zu bytes", a, len);
		return DFU_E_USAGE;
	}
	v = strtoul(eq + 1, &end, 0);
	if (!eq[1] || *end || eq[1] == '-') {
		snprintf(msg, cap, "--set-option %s: \"%s\" is not a number", a, eq + 1);
		return DFU_E_USAGE;
	}
	if (f->id == DFU_OBF_RDP) {
		rc = rdp_value(a, &v, allow_rdp2, msg, cap);
		if (rc < 0)
			return rc;
	} else if (v > f->max) {
		return out_of_range(l, f, a, v, msg, cap);
	}
	rc = dfu_ob_put(f, ob, len, (uint32_t)v);
	if (rc < 0) {
		snprintf(msg, cap, "--set-option %s: %s", a, dfu_strerror(rc));
		return DFU_E_USAGE;
	}
	return 0;
}

int stm32_ob_format(const uint8_t *ob, size_t len, char *out, size_t cap)
{
	return stm32_ob_format_as(NULL, ob, len, out, cap);
}

int stm32_ob_get(const uint8_t *ob, size_t len, const char *name, uint32_t *value)
{
	return stm32_ob_get_as(NULL, ob, len, name, value);
}

int stm32_ob_set(uint8_t *ob, size_t len, const char *assignment, bool allow_rdp2, char *msg,
		 size_t cap)
{
	return stm32_ob_set_as(NULL, ob, len, assignment, allow_rdp2, msg, cap);
}
