/*
 * l4_optr.c - FLASH_OPTR and WRPxxR as named fields, and the RDP level.
 *
 * Bit positions from the CMSIS header stm32l412xx.h (S5), meanings from the
 * CubeProgrammer database (S8); stm32l4-bootloader.md §2.1.
 */
#include <stdio.h>

#include "sim/l4_chip.h"

#define OPTR_RDP_MASK 0x000000FFu
#define OPTR_BOR_POS 8
#define OPTR_BOR_MASK (0x7u << OPTR_BOR_POS)
#define OPTR_NRST_STOP (1u << 12)
#define OPTR_NRST_STDBY (1u << 13)
#define OPTR_NRST_SHDW (1u << 14)
#define OPTR_IWDG_SW (1u << 16)
#define OPTR_IWDG_STOP (1u << 17)
#define OPTR_IWDG_STDBY (1u << 18)
#define OPTR_WWDG_SW (1u << 19)
#define OPTR_NBOOT1 (1u << 23)
#define OPTR_SRAM2_PE (1u << 24)
#define OPTR_SRAM2_RST (1u << 25)
#define OPTR_NSWBOOT0 (1u << 26)
#define OPTR_NBOOT0 (1u << 27)

#define OPTR_FIELDS                                                                           \
	(OPTR_RDP_MASK | OPTR_BOR_MASK | OPTR_NRST_STOP | OPTR_NRST_STDBY | OPTR_NRST_SHDW |  \
	 OPTR_IWDG_SW | OPTR_IWDG_STOP | OPTR_IWDG_STDBY | OPTR_WWDG_SW | OPTR_NBOOT1 |       \
	 OPTR_SRAM2_PE | OPTR_SRAM2_RST | OPTR_NSWBOOT0 | OPTR_NBOOT0)

/* WRPxxR: STRT in bits 7:0, END in bits 23:16 (S5). The parts use the low
 * 6..8 bits of each field (l4_profile.wrp_field_bits); the chip masks. */
#define WRP_STRT_POS 0
#define WRP_END_POS 16

void l4_optr_decode(uint32_t optr, struct l4_optr *o)
{
	o->rdp = (uint8_t)(optr & OPTR_RDP_MASK);
	o->bor_lev = (uint8_t)((optr & OPTR_BOR_MASK) >> OPTR_BOR_POS);
	o->nrst_stop = (optr & OPTR_NRST_STOP) != 0;
	o->nrst_stdby = (optr & OPTR_NRST_STDBY) != 0;
	o->nrst_shdw = (optr & OPTR_NRST_SHDW) != 0;
	o->iwdg_sw = (optr & OPTR_IWDG_SW) != 0;
	o->iwdg_stop = (optr & OPTR_IWDG_STOP) != 0;
	o->iwdg_stdby = (optr & OPTR_IWDG_STDBY) != 0;
	o->wwdg_sw = (optr & OPTR_WWDG_SW) != 0;
	o->nboot1 = (optr & OPTR_NBOOT1) != 0;
	o->sram2_pe = (optr & OPTR_SRAM2_PE) != 0;
	o->sram2_rst = (optr & OPTR_SRAM2_RST) != 0;
	o->nswboot0 = (optr & OPTR_NSWBOOT0) != 0;
	o->nboot0 = (optr & OPTR_NBOOT0) != 0;
}

static uint32_t bit_if(bool on, uint32_t bit)
{
	return on ? bit : 0;
}

uint32_t l4_optr_encode(const struct l4_optr *o, uint32_t base)
{
	uint32_t v = base & ~OPTR_FIELDS;

	v |= o->rdp;
	v |= ((uint32_t)o->bor_lev << OPTR_BOR_POS) & OPTR_BOR_MASK;
	v |= bit_if(o->nrst_stop, OPTR_NRST_STOP);
	v |= bit_if(o->nrst_stdby, OPTR_NRST_STDBY);
	v |= bit_if(o->nrst_shdw, OPTR_NRST_SHDW);
	v |= bit_if(o->iwdg_sw, OPTR_IWDG_SW);
	v |= bit_if(o->iwdg_stop, OPTR_IWDG_STOP);
	v |= bit_if(o->iwdg_stdby, OPTR_IWDG_STDBY);
	v |= bit_if(o->wwdg_sw, OPTR_WWDG_SW);
	v |= bit_if(o->nboot1, OPTR_NBOOT1);
	v |= bit_if(o->sram2_pe, OPTR_SRAM2_PE);
	v |= bit_if(o->sram2_rst, OPTR_SRAM2_RST);
	v |= bit_if(o->nswboot0, OPTR_NSWBOOT0);
	v |= bit_if(o->nboot0, OPTR_NBOOT0);
	return v;
}

/* 0xAA = level 0, 0xCC = level 2, anything else = level 1 (S8, RM0394). */
int l4_rdp_level(uint8_t rdp)
{
	if (rdp == L4_RDP_LEVEL0)
		return 0;
	if (rdp == L4_RDP_LEVEL2)
		return 2;
	return 1;
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

void l4_wrp_decode(uint32_t wrpxr, struct l4_wrp_area *a)
{
	a->start = (uint8_t)(wrpxr >> WRP_STRT_POS);
	a->end = (uint8_t)(wrpxr >> WRP_END_POS);
}

uint32_t l4_wrp_encode(const struct l4_wrp_area *a)
{
	return ((uint32_t)a->start << WRP_STRT_POS) | ((uint32_t)a->end << WRP_END_POS);
}
