/*
 * scenario_inproc.c - the scenario runner's in-process boards: struct
 * sim_board instances on the in-process transport, dfu-flash called as a
 * function, time on the transport's virtual clock.
 */
#include <stdlib.h>
#include <string.h>

#include "dfu/bytes.h"
#include "dfu/error.h"
#include "host/cli.h"
#include "lab/scenario.h"
#include "host/stm32_optr.h"
#include "lab/xport_inproc.h"
#include "sim/board_image.h"
#include "sim/sim_board.h"

/* How long a person takes to power-cycle a board: off for one second
 * (as ./ci/demo does), so capacitors are surely drained. */
#define POWER_OFF_US 1000000u

struct inproc_be {
	struct sim_board boards[SCN_MAX_BOARDS];
	unsigned n;
	struct xport_inproc bus;
	struct xport x;
};

void *scn_inproc_new(void)
{
	return calloc(1, sizeof(struct inproc_be));
}

void scn_inproc_free(void *be)
{
	struct inproc_be *t = be;
	if (!t)
		return;
	for (unsigned i = 0; i < t->n; i++)
		sim_board_free(&t->boards[i]);
	free(t);
}

static void *create(const void *config)
{
	(void)config;
	return scn_inproc_new();
}

static uint64_t now(const struct inproc_be *t)
{
	return xport_inproc_now_us(&t->bus);
}

static int setup(void *be, const struct sim_board_spec *chip, char *msg, size_t cap)
{
	struct inproc_be *t = be;
	bool datasheet = chip->timing == SIM_TIMING_DATASHEET;

	if (t->n) {
		snprintf(msg, cap, "the boards were already built");
		return DFU_E_USAGE;
	}
	if (chip->kind != SIM_BOARD_KIND_L4 || chip->count > SCN_MAX_BOARDS) {
		snprintf(msg, cap, "%u %s: the scenario runner builds 1-%d STM32 boards", chip->count,
			 sim_board_spec_chip_name(chip), SCN_MAX_BOARDS);
		return DFU_E_USAGE;
	}
	for (unsigned i = 0; i < chip->count; i++) {
		struct sim_board_config cfg;
		int rc;
		sim_board_spec_board_config(chip, i, &cfg);
		rc = sim_board_init(&t->boards[i], &cfg);
		if (rc < 0) {
			snprintf(msg, cap, "cannot build board %u: %s", i, dfu_strerror(rc));
			return rc;
		}
		t->n = i + 1;
		rc = sim_board_load_image(chip, &t->boards[i], msg, cap);
		if (rc < 0)
			return rc;
	}
	xport_inproc_init(&t->bus, t->boards, t->n, 0);
	xport_inproc_set_bus(&t->bus, datasheet ? XPORT_INPROC_BUS_FULL_SPEED
						: XPORT_INPROC_BUS_INSTANT);
	t->x = xport_inproc(&t->bus);
	return 0;
}

static struct sim_board *board(struct inproc_be *t, unsigned dev, char *msg, size_t cap)
{
	if (dev >= t->n) {
		snprintf(msg, cap, "board %u does not exist (%u built)", dev, t->n);
		return NULL;
	}
	return &t->boards[dev];
}

static int preload(void *be, unsigned dev, const uint8_t *data, size_t len, char *msg, size_t cap)
{
	struct sim_board *b = board(be, dev, msg, cap);
	int rc;
	if (!b)
		return DFU_E_RANGE;
	rc = l4_chip_preload(&b->chip, b->chip.p->flash_base, data, len);
	if (rc < 0)
		snprintf(msg, cap, "%zu bytes do not fit in %u KiB of flash", len,
			 b->chip.p->flash_size / 1024);
	return rc;
}

static int set_option(void *be, unsigned dev, const char *assignment, char *msg, size_t cap)
{
	struct sim_board *b = board(be, dev, msg, cap);
	if (!b)
		return DFU_E_RANGE;
	/* The option-byte flash as the ROM exposes it has the layout
	 * stm32_optr.h decodes (word, complement; OPTR, PCROP, WRP). Level 2
	 * is allowed: the board is emulated, and a scenario may want it. */
	return stm32_ob_set_as(b->chip.p->ob_layout, b->chip.ob_flash, b->chip.p->ob_size, assignment,
			       true, msg, cap);
}

static int boot0(void *be, unsigned dev, bool level, char *msg, size_t cap)
{
	struct inproc_be *t = be;
	struct sim_board *b = board(t, dev, msg, cap);
	if (!b)
		return DFU_E_RANGE;
	sim_board_set_boot0(b, level, now(t));
	return 0;
}

static int power(void *be, unsigned dev, enum scn_power what, char *msg, size_t cap)
{
	struct inproc_be *t = be;
	struct sim_board *b = board(t, dev, msg, cap);
	if (!b)
		return DFU_E_RANGE;
	switch (what) {
	case SCN_POWER_ON:
		sim_board_power_on(b, now(t));
		break;
	case SCN_POWER_OFF:
		sim_board_power_off(b, now(t));
		break;
	case SCN_POWER_CYCLE:
		sim_board_power_off(b, now(t));
		xport_inproc_advance_us(&t->bus, POWER_OFF_US);
		sim_board_power_on(b, now(t));
		break;
	case SCN_POWER_RESET:
	default:
		sim_board_press_reset(b, now(t));
		break;
	}
	return 0;
}

static int wait_ms(void *be, uint64_t ms, char *msg, size_t cap)
{
	struct inproc_be *t = be;
	(void)msg;
	(void)cap;
	xport_inproc_advance_us(&t->bus, ms * 1000u);
	return 0;
}

static int dfu_flash(void *be, int argc, char **argv, FILE *out, FILE *err)
{
	struct inproc_be *t = be;
	return dfu_flash_run(argc, argv, out, err, &t->x);
}

static int runs(void *be, unsigned dev, enum scn_runs *r, char *text, size_t cap)
{
	struct sim_board *b = board(be, dev, text, cap);
	if (!b)
		return DFU_E_RANGE;
	switch (b->runs) {
	case SIM_RUNS_ROM:
		*r = SCN_RUNS_ROM;
		break;
	case SIM_RUNS_APP:
		*r = SCN_RUNS_APP;
		break;
	case SIM_RUNS_SRAM:
		*r = SCN_RUNS_SRAM;
		break;
	case SIM_RUNS_LOCKUP:
		*r = SCN_RUNS_LOCKUP;
		break;
	case SIM_RUNS_NOTHING:
	default:
		*r = SCN_RUNS_NOTHING;
		break;
	}
	sim_board_running_text(b, text, cap);
	return 0;
}

static int flash_crc(void *be, unsigned dev, uint32_t len, uint32_t *crc, char *msg, size_t cap)
{
	struct sim_board *b = board(be, dev, msg, cap);
	if (!b)
		return DFU_E_RANGE;
	if (len > b->chip.p->flash_size) {
		snprintf(msg, cap, "%u bytes are more than the %u KiB of flash", len,
			 b->chip.p->flash_size / 1024);
		return DFU_E_RANGE;
	}
	*crc = l4_chip_flash_crc(&b->chip, len);
	return 0;
}

static int option_get(void *be, unsigned dev, const char *field, uint32_t *value, char *msg,
		      size_t cap)
{
	struct sim_board *b = board(be, dev, msg, cap);
	uint8_t ob[STM32_OB_MIN_SIZE + 4];
	int rc;

	if (!b)
		return DFU_E_RANGE;
	/* The loaded registers, i.e. what is in effect, in the block layout. */
	memset(ob, 0xFF, sizeof(ob));
	dfu_put_le32(ob + STM32_OB_OPTR, b->chip.optr);
	dfu_put_le32(ob + STM32_OB_OPTR + 4, ~b->chip.optr);
	dfu_put_le32(ob + STM32_OB_WRP1AR, b->chip.wrp1ar);
	dfu_put_le32(ob + STM32_OB_WRP1AR + 4, ~b->chip.wrp1ar);
	dfu_put_le32(ob + STM32_OB_WRP1BR, b->chip.wrp1br);
	dfu_put_le32(ob + STM32_OB_WRP1BR + 4, ~b->chip.wrp1br);
	rc = stm32_ob_get_as(b->chip.p->ob_layout, ob, sizeof(ob), field, value);
	if (rc < 0)
		snprintf(msg, cap, "no option-byte field '%s' (see dfu-flash --show-options)",
			 field);
	return rc;
}

static int pempty(void *be, unsigned dev, bool *pe, char *msg, size_t cap)
{
	struct sim_board *b = board(be, dev, msg, cap);
	if (!b)
		return DFU_E_RANGE;
	*pe = b->chip.pempty;
	return 0;
}

static int log_find(void *be, unsigned dev, const char *needle, char *line, size_t cap)
{
	struct sim_board *b = board(be, dev, line, cap);
	const struct sim_log_entry *e;
	if (!b)
		return DFU_E_RANGE;
	e = sim_log_find(&b->log, needle);
	if (!e)
		return DFU_E_NOTFOUND;
	snprintf(line, cap, "%9.3f ms  %s", (double)e->t_us / 1e3, e->text);
	return 0;
}

static uint64_t now_us(void *be)
{
	return now(be);
}

static void teardown(void *be)
{
	scn_inproc_free(be);
}

const struct scn_board_ops scn_inproc_ops = {
	.name = "in-process",
	.create = create,
	.setup = setup,
	.preload = preload,
	.set_option = set_option,
	.boot0 = boot0,
	.power = power,
	.wait_ms = wait_ms,
	.dfu_flash = dfu_flash,
	.runs = runs,
	.flash_crc = flash_crc,
	.option_get = option_get,
	.pempty = pempty,
	.log_find = log_find,
	.now_us = now_us,
	.teardown = teardown,
};
