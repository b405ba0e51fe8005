/*
 * sim_xport.c - the --sim row of dfu-flash's transport table (sim_xport.h).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lab/sim_xport.h"
#include "lab/xport_inproc.h"
#include "sim/dfu11_device.h"
#include "sim/l4_profile.h"
#include "sim/sim_board.h"

#define SIM_MAX_BOARDS 8

struct sim_state {
	size_t n, ndfu11;
	struct sim_board boards[SIM_MAX_BOARDS];
	struct sim_dfu11 dfu11[SIM_MAX_BOARDS];
	struct xport_inproc bus;
};

static bool kv(const char *tok, const char *key, const char **val)
{
	size_t n = strlen(key);
	if (strncmp(tok, key, n) != 0 || tok[n] != '=')
		return false;
	*val = tok + n + 1;
	return true;
}

/* --sim dfu11[,count=N][,manifest=tolerant|wait-reset][,will-detach=0|1]
 * [,xfer=N][,mps0=N][,upload=0|1][,app=runtime]: generic DFU 1.1 devices. */
static int sim_open_dfu11(const char *spec, char *save, struct cli_xport_inst *out, char *msg,
			  size_t cap)
{
	struct sim_dfu11_config c;
	struct sim_state *st;
	unsigned count = 1;
	char *tok, *end;

	sim_dfu11_config_default(&c, 0);
	while ((tok = strtok_r(NULL, ",", &save)) != NULL) {
		const char *v;
		unsigned long n;
		if (kv(tok, "count", &v)) {
			n = strtoul(v, &end, 10);
			if (*end || n < 1 || n > SIM_MAX_BOARDS)
				goto bad;
			count = (unsigned)n;
		} else if (kv(tok, "manifest", &v) && !strcmp(v, "tolerant")) {
			c.manifest_tolerant = true;
		} else if (kv(tok, "manifest", &v) && !strcmp(v, "wait-reset")) {
			c.manifest_tolerant = false;
		} else if (kv(tok, "will-detach", &v) && (!strcmp(v, "0") || !strcmp(v, "1"))) {
			c.will_detach = v[0] == '1';
		} else if (kv(tok, "upload", &v) && (!strcmp(v, "0") || !strcmp(v, "1"))) {
			c.can_upload = v[0] == '1';
		} else if (kv(tok, "app", &v) && !strcmp(v, "runtime")) {
			c.start_in_app = true;
		} else if (kv(tok, "xfer", &v)) {
			n = strtoul(v, &end, 10);
			if (*end || !*v || n > SIM_DFU11_XFER_MAX)
				goto bad;
			c.transfer_size = (uint16_t)n;
		} else if (kv(tok, "mps0", &v)) {
			n = strtoul(v, &end, 10);
			if (*end || (n != 8 && n != 16 && n != 32 && n != 64))
				goto bad;
			c.max_packet0 = (uint8_t)n;
		} else {
			goto bad;
		}
	}
	st = calloc(1, sizeof(*st));
	if (!st) {
		snprintf(msg, cap, "out of memory creating %u emulated devices", count);
		return DFU_E_NOMEM;
	}
	xport_inproc_init(&st->bus, st->boards, 0, 0);
	for (unsigned i = 0; i < count; i++) {
		struct sim_dfu11_config ci = c;
		struct sim_dfu11_config dflt;
		int rc;
		sim_dfu11_config_default(&dflt, i);
		ci.serial = dflt.serial;
		rc = sim_dfu11_init(&st->dfu11[i], &ci);
		if (rc == 0)
			rc = xport_inproc_add_dfu11(&st->bus, &st->dfu11[i]);
		if (rc < 0) {
			snprintf(msg, cap, "--sim %s: device %u cannot be created: %s", spec, i,
				 dfu_strerror(rc));
			while (i-- > 0)
				sim_dfu11_free(&st->dfu11[i]);
			free(st);
			return rc;
		}
		st->ndfu11++;
	}
	xport_inproc_set_bus(&st->bus, XPORT_INPROC_BUS_FULL_SPEED);
	out->state = st;
	out->x = xport_inproc(&st->bus);
	return 0;
bad:
	snprintf(msg, cap, "--sim \"%s\": \"%s\" is not count=1-%d, manifest=tolerant|wait-reset, "
		 "will-detach=0|1, upload=0|1, app=runtime, xfer=0-%d or mps0=8|16|32|64", spec,
		 tok, SIM_MAX_BOARDS, SIM_DFU11_XFER_MAX);
	return DFU_E_USAGE;
}

int lab_sim_open(const char *spec, struct cli_xport_inst *out, char *msg, size_t cap)
{
	struct sim_state *st;
	const struct l4_profile *p;
	char buf[160], *tok, *save = NULL;
	unsigned count = 1, quirks = 0;
	bool boot0 = false;
	enum sim_timing timing = SIM_TIMING_DATASHEET;
	enum sim_app_model app = SIM_APP_SILENT;

	if (strlen(spec) >= sizeof(buf)) {
		snprintf(msg, cap, "--sim \"%.40s...\" is too long", spec);
		return DFU_E_USAGE;
	}
	snprintf(buf, sizeof(buf), "%s", spec);
	tok = strtok_r(buf, ",", &save);
	if (tok && strcmp(tok, "dfu11") == 0)
		return sim_open_dfu11(spec, save, out, msg, cap);
	p = tok ? l4_profile_find(tok) : NULL;
	if (!p) {
		size_t len = 0;
		char names[120] = "";
		for (size_t i = 0; i < l4_profile_count() && len < sizeof(names); i++) {
			int w = snprintf(names + len, sizeof(names) - len, "%s%s", i ? ", " : "",
					 l4_profile_at(i)->name);
			if (w > 0)
				len += (size_t)w;
		}
		snprintf(msg, cap, "--sim \"%s\": \"%s\" is not an emulated chip; known: %s, and "
			 "dfu11 (a generic DFU 1.1 device)", spec,
			 tok ? tok : "", names);
		return DFU_E_USAGE;
	}
	if (!p->supported) {
		snprintf(msg, cap, "--sim %s: this chip is not emulated: %s", p->name,
			 p->unsupported_reason);
		return DFU_E_USAGE;
	}
	while ((tok = strtok_r(NULL, ",", &save)) != NULL) {
		const char *v;
		char *end;
		if (kv(tok, "count", &v)) {
			unsigned long c = strtoul(v, &end, 10);
			if (*end || c < 1 || c > SIM_MAX_BOARDS)
				goto bad;
			count = (unsigned)c;
		} else if (kv(tok, "boot0", &v) && (!strcmp(v, "0") || !strcmp(v, "1"))) {
			boot0 = v[0] == '1';
		} else if (kv(tok, "timing", &v) && !strcmp(v, "datasheet")) {
			timing = SIM_TIMING_DATASHEET;
		} else if (kv(tok, "timing", &v) && !strcmp(v, "instant")) {
			timing = SIM_TIMING_INSTANT;
		} else if (kv(tok, "app", &v) && !strcmp(v, "silent")) {
			app = SIM_APP_SILENT;
		} else if (kv(tok, "app", &v) && !strcmp(v, "runtime")) {
			app = SIM_APP_DFU_RUNTIME;
		} else if (kv(tok, "serial", &v) && !strcmp(v, "shared")) {
			quirks |= SIM_QUIRK_SHARED_SERIAL;
		} else if (kv(tok, "quirk", &v) && !strcmp(v, "leave-no-status")) {
			quirks |= SIM_QUIRK_LEAVE_NO_STATUS;
		} else if (kv(tok, "quirk", &v) && !strcmp(v, "erase-stall")) {
			quirks |= SIM_QUIRK_ERASE_STALL;
		} else {
			goto bad;
		}
	}
	st = calloc(1, sizeof(*st));
	if (!st) {
		snprintf(msg, cap, "out of memory creating %u emulated boards", count);
		return DFU_E_NOMEM;
	}
	for (unsigned i = 0; i < count; i++) {
		struct sim_board_config cfg;
		int rc;
		sim_board_config_default(&cfg, p, i);
		cfg.boot0 = boot0;
		cfg.timing = timing;
		cfg.app = app;
		cfg.quirks = quirks;
		rc = sim_board_init(&st->boards[i], &cfg);
		if (rc < 0) {
			snprintf(msg, cap, "--sim %s: board %u cannot be created: %s", spec, i,
				 dfu_strerror(rc));
			while (i-- > 0)
				sim_board_free(&st->boards[i]);
			free(st);
			return rc;
		}
		st->n++;
		sim_board_power_on(&st->boards[i], 0);
	}
	xport_inproc_init(&st->bus, st->boards, st->n, 0);
	xport_inproc_set_bus(&st->bus, XPORT_INPROC_BUS_FULL_SPEED);
	out->state = st;
	out->x = xport_inproc(&st->bus);
	return 0;
bad:
	snprintf(msg, cap, "--sim \"%s\": \"%s\" is not count=1-%d, boot0=0|1, "
		 "timing=datasheet|instant, app=silent|runtime, serial=shared or "
		 "quirk=leave-no-status|erase-stall", spec, tok, SIM_MAX_BOARDS);
	return DFU_E_USAGE;
}

static void sim_close_x(struct cli_xport_inst *inst)
{
	struct sim_state *st = inst->state;
	if (!st)
		return;
	for (size_t i = 0; i < st->n; i++)
		sim_board_free(&st->boards[i]);
	for (size_t i = 0; i < st->ndfu11; i++)
		sim_dfu11_free(&st->dfu11[i]);
	free(st);
	inst->state = NULL;
}

const struct cli_xport_kind lab_sim_xport = {
	"--sim", "DFU_FLASH_SIM", "SPEC",
	"emulated boards in this process: CHIP[,count=N][,boot0=0|1][,timing=instant]"
	"[,app=runtime][,serial=shared] (e.g. stm32l412xb), or dfu11[,count=N]"
	"[,manifest=tolerant|wait-reset][,will-detach=0|1][,xfer=N][,mps0=N][,upload=0|1]"
	"[,app=runtime]: a generic DFU 1.1 device",
	lab_sim_open, sim_close_x, NULL, false,
};

int lab_sim_xport_register(void)
{
	return cli_xport_register(&lab_sim_xport);
}
