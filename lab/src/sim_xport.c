/*
 * sim_xport.c - the --sim row of dfu-flash's transport table (sim_xport.h).
 *
 * SPEC is sim/board_spec.h's list form, the grammar dfu-sim's flags and a
 * scenario's chip line share: "stm32l412xb,count=2,boot0=1",
 * "dfu11,manifest=tolerant". The boards power on at virtual time 0 on a
 * full-speed in-process bus.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lab/sim_xport.h"
#include "lab/xport_inproc.h"
#include "sim/board_image.h"
#include "sim/board_spec.h"
#include "sim/dfu11_device.h"
#include "sim/sim_board.h"

struct sim_state {
	size_t n, ndfu11;
	struct sim_board boards[XPORT_INPROC_MAX_BOARDS];
	struct sim_dfu11 dfu11[XPORT_INPROC_MAX_BOARDS];
	struct xport_inproc bus;
};

static void sim_free(struct sim_state *st)
{
	for (size_t i = 0; i < st->n; i++)
		sim_board_free(&st->boards[i]);
	for (size_t i = 0; i < st->ndfu11; i++)
		sim_dfu11_free(&st->dfu11[i]);
	free(st);
}

/* Device i of the spec onto the bus; 0 or a dfu_err with msg set. */
static int add_device(struct sim_state *st, const struct sim_board_spec *spec, size_t i,
		      char *msg, size_t cap)
{
	int rc;

	if (spec->kind == SIM_BOARD_KIND_DFU11) {
		struct sim_dfu11_config c;
		sim_board_spec_dfu11_config(spec, i, &c);
		rc = sim_dfu11_init(&st->dfu11[i], &c);
		if (rc == 0 && (st->ndfu11++, (rc = xport_inproc_add_dfu11(&st->bus,
									     &st->dfu11[i])) == 0))
			return 0;
	} else {
		struct sim_board_config c;
		sim_board_spec_board_config(spec, i, &c);
		rc = sim_board_init(&st->boards[i], &c);
		if (rc == 0) {
			st->n++;
			char why[600];
			rc = sim_board_load_image(spec, &st->boards[i], why, sizeof(why));
			if (rc < 0) {
				snprintf(msg, cap, "--sim: %s", why);
				return rc;
			}
			sim_board_power_on(&st->boards[i], 0);
			rc = xport_inproc_add_device(&st->bus, sim_board_bus_dev(&st->boards[i]));
			if (rc == 0)
				return 0;
		}
	}
	snprintf(msg, cap, "--sim: device %zu cannot be created: %s", i, dfu_strerror(rc));
	return rc;
}

int lab_sim_open(const char *spec_text, struct cli_xport_inst *out, char *msg, size_t cap)
{
	struct sim_board_spec *spec = malloc(sizeof(*spec));
	struct sim_state *st = calloc(1, sizeof(*st));
	char why[400];
	int rc;

	if (!spec || !st) {
		free(spec);
		free(st);
		snprintf(msg, cap, "out of memory creating emulated boards");
		return DFU_E_NOMEM;
	}
	rc = sim_board_spec_parse(spec, spec_text, why, sizeof(why));
	if (rc == 0 && spec->count > XPORT_INPROC_MAX_BOARDS) {
		snprintf(why, sizeof(why), "count=%u: at most %d boards live in one process; "
			 "dfu-sim serves more over USB/IP", spec->count, XPORT_INPROC_MAX_BOARDS);
		rc = DFU_E_USAGE;
	}
	if (rc < 0) {
		snprintf(msg, cap, "--sim \"%s\": %s", spec_text, why);
		goto fail;
	}
	xport_inproc_init(&st->bus, NULL, 0, 0);
	for (size_t i = 0; i < spec->count; i++)
		if ((rc = add_device(st, spec, i, msg, cap)) < 0)
			goto fail;
	xport_inproc_set_bus(&st->bus, XPORT_INPROC_BUS_FULL_SPEED);
	free(spec);
	out->state = st;
	out->x = xport_inproc(&st->bus);
	return 0;
fail:
	free(spec);
	sim_free(st);
	return rc;
}

static void sim_close_x(struct cli_xport_inst *inst)
{
	if (inst->state)
		sim_free(inst->state);
	inst->state = NULL;
}

/* "-h"'s line: the grammar and the keys, from board_spec's own table. */
static char help[512];

const struct cli_xport_kind lab_sim_xport = {
	"--sim", "DFU_FLASH_SIM", "SPEC", help, lab_sim_open, sim_close_x, NULL, false,
};

int lab_sim_xport_register(void)
{
	size_t len = 0;
	int w = snprintf(help, sizeof(help),
			 "emulated boards in this process: CHIP[,KEY=VALUE]..., the board "
			 "specification dfu-sim and scenario files take (dfu-sim --help lists "
			 "every key); CHIP is an STM32 profile (e.g. stm32l412xb) or dfu11; keys:");

	if (w > 0)
		len = (size_t)w;
	for (size_t i = 0; i < sim_board_spec_key_count() && len < sizeof(help); i++) {
		if (!strcmp(sim_board_spec_key_at(i), "chip"))
			continue;
		w = snprintf(help + len, sizeof(help) - len, " %s", sim_board_spec_key_at(i));
		if (w > 0)
			len += (size_t)w;
	}
	return cli_xport_register(&lab_sim_xport);
}
