/*
 * lab_fixture.c - the in-process lab of the tests (lab_fixture.h): boards
 * built, pre-loaded and powered as asked, dfu11 devices added after them,
 * the bus priced, the transport table made.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "lab_fixture.h"
#include "sim/l4_profile.h"

static void add_board(struct lab_fx *f, const struct lab_fx_opts *o, const struct l4_profile *p,
		      unsigned i)
{
	struct sim_board_config cfg;
	struct sim_board *b = &f->b[i];

	sim_board_config_default(&cfg, p, i);
	cfg.timing = o->timing;
	cfg.app = o->app;
	cfg.quirks = o->quirks;
	cfg.serial = o->serial;
	assert_int_equal(sim_board_init(b, &cfg), 0);
	f->nb = i + 1;
	if (o->flash) {
		assert_true(o->flash_len <= p->flash_size);
		memcpy(b->chip.flash, o->flash, o->flash_len);
	}
	if (!(o->unpowered & (1u << i)))
		sim_board_power_on(b, 0);
}

static void add_dfu11(struct lab_fx *f, const struct lab_fx_opts *o, unsigned i)
{
	struct sim_dfu11_config c;

	sim_dfu11_config_default(&c, i);
	if (o->dfu11_cfg) {
		const char *serial = c.serial;

		c = *o->dfu11_cfg;
		c.serial = serial;
	}
	if (o->serial)
		c.serial = o->serial;
	assert_int_equal(sim_dfu11_init(&f->d[i], &c), 0);
	f->nd = i + 1;
	assert_int_equal(xport_inproc_add_dfu11(&f->t, &f->d[i]), 0);
}

void lab_fx_init(struct lab_fx *f, const struct lab_fx_opts *o)
{
	const struct l4_profile *p = l4_profile_find(o->profile ? o->profile : "stm32l412xb");

	memset(f, 0, sizeof(*f));
	assert_non_null(p);
	assert_true(o->boards <= LAB_FX_MAX_BOARDS);
	assert_true(o->dfu11 <= LAB_FX_MAX_DFU11);
	for (unsigned i = 0; i < o->boards; i++)
		add_board(f, o, p, i);
	xport_inproc_init(&f->t, f->b, f->nb, 0);
	for (unsigned i = 0; i < o->dfu11; i++)
		add_dfu11(f, o, i);
	if (o->full_speed)
		xport_inproc_set_bus(&f->t, XPORT_INPROC_BUS_FULL_SPEED);
	f->x = xport_inproc(&f->t);
}

void lab_fx_fini(struct lab_fx *f)
{
	for (size_t i = 0; i < f->nd; i++)
		sim_dfu11_free(&f->d[i]);
	for (size_t i = 0; i < f->nb; i++)
		sim_board_free(&f->b[i]);
	f->nd = f->nb = 0;
}
