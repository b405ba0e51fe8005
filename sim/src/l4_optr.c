/*
 * l4_optr.c - FLASH_OPTR and WRPxxR as named fields, and the RDP level.
 *
 * Bit positions and widths are core's option-byte table (dfu/stm32_ob.h,
 * RM0394/RM0432), the rows the flasher decodes with; meanings from the
 * CubeProgrammer database ([CubeProg-DB]); see [optr-layout].
 */
#include <stdio.h>

#include "sim/l4_chip.h"

/*
 * struct l4_optr has the fields of the L41x-L46x FLASH_OPTR. Every layout
 * that has one of them puts it at the same bits (core's tests check), so
 * the register view needs no profile: the L41x row, which has them all, is
 * the reference.
 */
#define OPTR_REF (&dfu_ob_stm32l41x)

static uint32_t get(enum dfu_ob_field_id id, uint32_t optr)
{
	const struct dfu_ob_field *f = dfu_ob_field(OPTR_REF, id);

	return f ? dfu_ob_field_extract(f, optr) : 0;
}

static uint32_t put(enum dfu_ob_field_id id, uint32_t optr, uint32_t v)
{
	const struct dfu_ob_field *f = dfu_ob_field(OPTR_REF, id);

	return f ? dfu_ob_field_insert(f, optr, v) : optr;
}

void l4_optr_decode(uint32_t optr, struct l4_optr *o)
{
	o->rdp = (uint8_t)get(DFU_OBF_RDP, optr);
	o->bor_lev = (uint8_t)get(DFU_OBF_BOR_LEV, optr);
	o->nrst_stop = get(DFU_OBF_NRST_STOP, optr) != 0;
	o->nrst_stdby = get(DFU_OBF_NRST_STDBY, optr) != 0;
	o->nrst_shdw = get(DFU_OBF_NRST_SHDW, optr) != 0;
	o->iwdg_sw = get(DFU_OBF_IWDG_SW, optr) != 0;
	o->iwdg_stop = get(DFU_OBF_IWDG_STOP, optr) != 0;
	o->iwdg_stdby = get(DFU_OBF_IWDG_STDBY, optr) != 0;
	o->wwdg_sw = get(DFU_OBF_WWDG_SW, optr) != 0;
	o->nboot1 = get(DFU_OBF_NBOOT1, optr) != 0;
	o->sram2_pe = get(DFU_OBF_SRAM2_PE, optr) != 0;
	o->sram2_rst = get(DFU_OBF_SRAM2_RST, optr) != 0;
	o->nswboot0 = get(DFU_OBF_NSWBOOT0, optr) != 0;
	o->nboot0 = get(DFU_OBF_NBOOT0, optr) != 0;
}

/* Each field replaces its own bits only, so the rest come from `base`. */
uint32_t l4_optr_encode(const struct l4_optr *o, uint32_t base)
{
	uint32_t v = base;

	v = put(DFU_OBF_RDP, v, o->rdp);
	v = put(DFU_OBF_BOR_LEV, v, o->bor_lev);
	v = put(DFU_OBF_NRST_STOP, v, o->nrst_stop);
	v = put(DFU_OBF_NRST_STDBY, v, o->nrst_stdby);
	v = put(DFU_OBF_NRST_SHDW, v, o->nrst_shdw);
	v = put(DFU_OBF_IWDG_SW, v, o->iwdg_sw);
	v = put(DFU_OBF_IWDG_STOP, v, o->iwdg_stop);
	v = put(DFU_OBF_IWDG_STDBY, v, o->iwdg_stdby);
	v = put(DFU_OBF_WWDG_SW, v, o->wwdg_sw);
	v = put(DFU_OBF_NBOOT1, v, o->nboot1);
	v = put(DFU_OBF_SRAM2_PE, v, o->sram2_pe);
	v = put(DFU_OBF_SRAM2_RST, v, o->sram2_rst);
	v = put(DFU_OBF_NSWBOOT0, v, o->nswboot0);
	v = put(DFU_OBF_NBOOT0, v, o->nboot0);
	return v;
}

/* 0xAA = level 0, 0xCC = level 2, anything else = level 1 ([CubeProg-DB],
 * RM0394). */
int l4_rdp_level(uint8_t rdp)
{
	return dfu_ob_rdp_level(rdp);
}

int l4_optr_format(uint32_t optr, char *out, size_t cap)
{
	struct l4_optr o;

	l4_optr_decode(optr, &o);
	return snprintf(out, cap,
			"RDP=0x%02X (level %d) BOR_LEV=%u nRST_STOP=%d nRST_STDBY=%d "
			"nRST_SHDW=%d IWDG_SW=%d IWDG_STOP=%d IWDG_STDBY=%d WWDG_SW=%d "
			"nBOOT1=%d SRAM2_PE=%d SRAM2_RST=%d nSWBOOT0=%d nBOOT0=%d",
			o.rdp, l4_rdp_level(o.rdp), o.bor_lev, o.nrst_stop, o.nrst_stdby,
			o.nrst_shdw, o.iwdg_sw, o.iwdg_stop, o.iwdg_stdby, o.wwdg_sw, o.nboot1,
			o.sram2_pe, o.sram2_rst, o.nswboot0, o.nboot0);
}

/* WRP1AR and WRP1BR have the same STRT/END positions, so area A's fields
 * describe both registers. */
void l4_wrp_decode(const struct dfu_ob_layout *l, uint32_t wrpxr, struct l4_wrp_area *a)
{
	const struct dfu_ob_field *s = dfu_ob_field(l, DFU_OBF_WRP1A_STRT);
	const struct dfu_ob_field *e = dfu_ob_field(l, DFU_OBF_WRP1A_END);

	if (!s || !e) {
		/* A layout without WRP: an empty area. */
		a->start = 1;
		a->end = 0;
		return;
	}
	a->start = (uint8_t)dfu_ob_field_extract(s, wrpxr);
	a->end = (uint8_t)dfu_ob_field_extract(e, wrpxr);
}

/* The register's STRT and END bytes hold what is programmed, also bits a
 * line does not implement, so only the positions come from the table. */
uint32_t l4_wrp_encode(const struct l4_wrp_area *a)
{
	const struct dfu_ob_field *s = dfu_ob_field(OPTR_REF, DFU_OBF_WRP1A_STRT);
	const struct dfu_ob_field *e = dfu_ob_field(OPTR_REF, DFU_OBF_WRP1A_END);

	return ((uint32_t)a->start << s->shift) | ((uint32_t)a->end << e->shift);
}
