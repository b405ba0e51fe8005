/*
 * test_ob_agreement.c - the emulator and core's option-byte table agree,
 * for every chip profile and every field of its layout.
 *
 * The flasher edits option bytes through core's table (dfu/stm32_ob.h); the
 * emulated chip loads them with its own register views (l4_optr_decode,
 * l4_wrp_decode, the WRP masking of l4_flash). Each field is written through
 * the table at its maximum and at a value below it, taken through the chip
 * the way dfu-flash's write goes (l4_ob_write, then the option load), and
 * must read back the same; each WRP width must be what the chip masks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dfu/bytes.h"
#include "dfu/dfuse_layout.h"
#include "dfu/stm32_ob.h"
#include "sim/l4_chip.h"
#include "sim/l4_profile.h"

/* The emulator's view of field `id` of an OPTR word it decoded; false when
 * struct l4_optr has no such member (the bank fields of dual-bank lines). */
static bool optr_member(const struct l4_optr *o, enum dfu_ob_field_id id, uint32_t *v)
{
	switch (id) {
	case DFU_OBF_RDP: *v = o->rdp; return true;
	case DFU_OBF_BOR_LEV: *v = o->bor_lev; return true;
	case DFU_OBF_NRST_STOP: *v = o->nrst_stop; return true;
	case DFU_OBF_NRST_STDBY: *v = o->nrst_stdby; return true;
	case DFU_OBF_NRST_SHDW: *v = o->nrst_shdw; return true;
	case DFU_OBF_IWDG_SW: *v = o->iwdg_sw; return true;
	case DFU_OBF_IWDG_STOP: *v = o->iwdg_stop; return true;
	case DFU_OBF_IWDG_STDBY: *v = o->iwdg_stdby; return true;
	case DFU_OBF_WWDG_SW: *v = o->wwdg_sw; return true;
	case DFU_OBF_NBOOT1: *v = o->nboot1; return true;
	case DFU_OBF_SRAM2_PE: *v = o->sram2_pe; return true;
	case DFU_OBF_SRAM2_RST: *v = o->sram2_rst; return true;
	case DFU_OBF_NSWBOOT0: *v = o->nswboot0; return true;
	case DFU_OBF_NBOOT0: *v = o->nboot0; return true;
	default: return false;
	}
}

static bool is_wrp(const struct dfu_ob_field *f)
{
	return f->reg == DFU_OB_WRP1AR || f->reg == DFU_OB_WRP1BR;
}

/* What the emulator decodes for field `f` out of its registers. */
static uint32_t emulator_view(const struct l4_profile *p, const struct dfu_ob_field *f,
			      uint32_t optr, uint32_t wrp1ar, uint32_t wrp1br)
{
	struct l4_optr o;
	struct l4_wrp_area a;
	uint32_t v;

	if (is_wrp(f)) {
		l4_wrp_decode(p->ob_layout, f->reg == DFU_OB_WRP1AR ? wrp1ar : wrp1br, &a);
		return f->id == DFU_OBF_WRP1A_STRT || f->id == DFU_OBF_WRP1B_STRT ? a.start : a.end;
	}
	l4_optr_decode(optr, &o);
	if (optr_member(&o, f->id, &v))
		return v;
	/* A bank field the emulator keeps as loaded bits only. */
	return dfu_ob_field_extract(f, optr);
}

/* The values each field is tried at: its maximum and one below it. */
static void values(const struct dfu_ob_field *f, uint32_t v[2])
{
	v[0] = f->max;
	v[1] = f->max / 2;
}

static void test_every_profile_names_the_layout_the_flasher_would_pick(void **state)
{
	(void)state;
	for (size_t i = 0; i < l4_profile_count(); i++) {
		const struct l4_profile *p = l4_profile_at(i);
		const struct dfu_ob_layout *l = p->ob_layout;
		struct dfuse_layout ob_alt, flash_alt;
		uint32_t flash_size;

		assert_non_null(l);
		/* The flasher sees only the alt strings: the option-byte
		 * address and size, and the flash size (stm32_ob_layout_of). */
		assert_int_equal(dfuse_layout_parse(p->alt_names[1], strlen(p->alt_names[1]),
						    &ob_alt, NULL),
				 0);
		assert_int_equal(dfuse_layout_parse(p->alt_names[0], strlen(p->alt_names[0]),
						    &flash_alt, NULL),
				 0);
		flash_size = flash_alt.seg[flash_alt.nsegments - 1].end - flash_alt.seg[0].start + 1;
		assert_int_equal(flash_size, p->flash_size);
		assert_ptr_equal(dfu_ob_layout_for(ob_alt.seg[0].start, flash_size), l);
		assert_int_equal(ob_alt.seg[0].start, l->base);
		assert_int_equal(ob_alt.seg[0].end - ob_alt.seg[0].start + 1, l->size);
		assert_int_equal(p->ob_base, l->base);
		assert_int_equal(p->ob_size, l->size);
	}
}

static void test_the_register_views_decode_what_the_table_encodes(void **state)
{
	(void)state;
	/* Pure register words, so the unsupported profiles take part too. */
	for (size_t i = 0; i < l4_profile_count(); i++) {
		const struct l4_profile *p = l4_profile_at(i);

		for (size_t k = 0; k < p->ob_layout->nfields; k++) {
			const struct dfu_ob_field *f = &p->ob_layout->fields[k];
			uint32_t v[2];

			values(f, v);
			for (size_t n = 0; n < 2; n++) {
				uint32_t optr = p->optr_factory | p->ob_layout->optr_reserved;
				uint32_t wrp = 0x000000FFu;
				struct l4_optr o;
				struct l4_wrp_area a;

				if (is_wrp(f)) {
					wrp = dfu_ob_field_insert(f, wrp, v[n]);
					/* The emulator's encoder gives the same word back. */
					l4_wrp_decode(&dfu_ob_stm32l45x, wrp, &a);
					assert_int_equal(l4_wrp_encode(&a), wrp);
				} else {
					optr = dfu_ob_field_insert(f, optr, v[n]);
					l4_optr_decode(optr, &o);
					assert_int_equal(l4_optr_encode(&o, optr), optr);
				}
				assert_int_equal(emulator_view(p, f, optr, wrp, wrp), v[n]);
			}
		}
	}
}

/* Write `ob` to a new chip of profile `p` as the ROM does, and load it. */
static void write_and_load(struct l4_chip *c, const struct l4_profile *p, const uint8_t *ob)
{
	uint64_t took;

	assert_int_equal(l4_chip_init(c, p, NULL), DFU_OK);
	l4_chip_reset(c, L4_RESET_POWER_ON, 0);
	assert_int_equal(l4_ob_write(c, p->ob_base, ob, p->ob_size, 1000, &took), L4_OK);
	l4_chip_reset(c, L4_RESET_OPTION_LOAD, 1000 + took);
}

static void test_every_field_set_through_the_table_is_what_the_chip_loads(void **state)
{
	(void)state;
	for (size_t i = 0; i < l4_profile_count(); i++) {
		const struct l4_profile *p = l4_profile_at(i);

		if (!p->supported)
			continue;
		for (size_t k = 0; k < p->ob_layout->nfields; k++) {
			const struct dfu_ob_field *f = &p->ob_layout->fields[k];
			uint32_t v[2];

			values(f, v);
			for (size_t n = 0; n < 2; n++) {
				struct l4_chip c;
				uint8_t ob[L4_OB_MAX];

				/* Start from what a new part holds. */
				assert_int_equal(l4_chip_init(&c, p, NULL), DFU_OK);
				memcpy(ob, c.ob_flash, p->ob_size);
				l4_chip_free(&c);

				assert_int_equal(dfu_ob_put(f, ob, p->ob_size, v[n]), 0);
				write_and_load(&c, p, ob);
				assert_int_equal(emulator_view(p, f, c.optr, c.wrp1ar, c.wrp1br), v[n]);
				l4_chip_free(&c);
			}
		}
	}
}

/* WRP1A covering pages STRT..END written as raw register bits. */
static void protect_raw(struct l4_chip *c, const struct l4_profile *p, uint32_t strt,
			uint32_t end)
{
	uint8_t ob[L4_OB_MAX];
	uint32_t w = strt | end << 16;

	assert_int_equal(l4_chip_init(c, p, NULL), DFU_OK);
	memcpy(ob, c->ob_flash, p->ob_size);
	l4_chip_free(c);
	dfu_put_le32(ob + DFU_OB_WRP1AR, w);
	dfu_put_le32(ob + DFU_OB_WRP1AR + 4, ~w);
	write_and_load(c, p, ob);
}

static void test_the_wrp_width_in_the_table_is_what_the_chip_masks(void **state)
{
	(void)state;
	for (size_t i = 0; i < l4_profile_count(); i++) {
		const struct l4_profile *p = l4_profile_at(i);
		const struct dfu_ob_field *strt, *end;
		uint32_t top;
		struct l4_chip c;
		uint8_t ob[L4_OB_MAX];

		if (!p->supported)
			continue;
		strt = dfu_ob_field(p->ob_layout, DFU_OBF_WRP1A_STRT);
		end = dfu_ob_field(p->ob_layout, DFU_OBF_WRP1A_END);
		top = strt->max;
		/* The table's largest page exists and the chip protects it... */
		assert_true(top < l4_profile_pages(p));
		protect_raw(&c, p, top, top);
		assert_true(l4_flash_page_protected(&c, top));
		assert_false(l4_flash_page_protected(&c, top - 1));
		assert_false(l4_flash_page_protected(&c, 0));
		l4_chip_free(&c);
		/* ...and the first bit above the width is dropped by the chip: a
		 * page number of 2^width protects page 0, which is why the table
		 * refuses it. */
		protect_raw(&c, p, top + 1, top + 1);
		assert_true(l4_flash_page_protected(&c, 0));
		assert_false(l4_flash_page_protected(&c, top));
		assert_int_equal(dfu_ob_field_extract(strt, c.wrp1ar), 0);
		assert_int_equal(dfu_ob_field_extract(end, c.wrp1ar), 0);
		memcpy(ob, c.ob_flash, p->ob_size);
		assert_int_equal(dfu_ob_put(strt, ob, p->ob_size, top + 1), DFU_E_RANGE);
		l4_chip_free(&c);
	}
}

static void test_no_field_of_a_layout_is_forced_by_the_chips_reserved_bits(void **state)
{
	(void)state;
	for (size_t i = 0; i < l4_profile_count(); i++) {
		const struct l4_profile *p = l4_profile_at(i);
		struct l4_chip c;
		uint8_t ob[L4_OB_MAX];

		if (!p->supported)
			continue;
		/* Every OPTR field at 0 except RDP (level 0, so nothing is erased). */
		assert_int_equal(l4_chip_init(&c, p, NULL), DFU_OK);
		memcpy(ob, c.ob_flash, p->ob_size);
		l4_chip_free(&c);
		for (size_t k = 0; k < p->ob_layout->nfields; k++) {
			const struct dfu_ob_field *f = &p->ob_layout->fields[k];

			if (f->reg == DFU_OB_OPTR && f->id != DFU_OBF_RDP)
				assert_int_equal(dfu_ob_put(f, ob, p->ob_size, 0), 0);
		}
		write_and_load(&c, p, ob);
		for (size_t k = 0; k < p->ob_layout->nfields; k++) {
			const struct dfu_ob_field *f = &p->ob_layout->fields[k];

			if (f->reg == DFU_OB_OPTR && f->id != DFU_OBF_RDP)
				assert_int_equal(emulator_view(p, f, c.optr, 0, 0), 0);
		}
		/* ...while the reserved bits still read as 1. */
		assert_int_equal(c.optr & p->ob_layout->optr_reserved,
				 p->ob_layout->optr_reserved);
		l4_chip_free(&c);
	}
}

static void test_rdp_levels_agree_for_every_byte(void **state)
{
	(void)state;
	for (unsigned v = 0; v < 256; v++)
		assert_int_equal(l4_rdp_level((uint8_t)v), dfu_ob_rdp_level((uint8_t)v));
	assert_int_equal(L4_RDP_LEVEL0, DFU_OB_RDP_LEVEL0);
	assert_int_equal(L4_RDP_LEVEL2, DFU_OB_RDP_LEVEL2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_profile_names_the_layout_the_flasher_would_pick),
		cmocka_unit_test(test_the_register_views_decode_what_the_table_encodes),
		cmocka_unit_test(test_every_field_set_through_the_table_is_what_the_chip_loads),
		cmocka_unit_test(test_the_wrp_width_in_the_table_is_what_the_chip_masks),
		cmocka_unit_test(test_no_field_of_a_layout_is_forced_by_the_chips_reserved_bits),
		cmocka_unit_test(test_rdp_levels_agree_for_every_byte),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
