/*
 * cli_xport.c - the transports dfu-flash can use, as one table.
 *
 * The first row has no option and is the default (libusb, real boards).
 * Every other row is selected by its long option or its environment
 * variable. The flasher's own rows are libusb and --usbip (a USB/IP server
 * over TCP from userspace). A layer above the flasher adds rows of its own
 * with cli_xport_register() before dfu_flash_main() runs, the way TinyUSB
 * lets an application hand the device core its own class drivers: the lab
 * registers --sim (emulated boards in this process) this way, so the
 * flasher never names the emulator. Registered rows come after the default
 * and before the built-in --usbip, in registration order. The flashing
 * logic (cli_run.c, the session engine) only ever sees struct xport.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/cli.h"
#include "host/xport_libusb.h"
#include "host/xport_usbip.h"

/* ---- libusb ---- */

static int libusb_open_x(const char *arg, struct cli_xport_inst *out, char *msg, size_t cap)
{
	struct xport_libusb *t = xport_libusb_new();

	(void)arg;
	if (!t) {
		snprintf(msg, cap, "out of memory starting the libusb transport");
		return DFU_E_NOMEM;
	}
	out->state = t;
	out->x = xport_libusb(t);
	return 0;
}

static void libusb_close_x(struct cli_xport_inst *inst)
{
	xport_libusb_free(inst->state);
	inst->state = NULL;
}

/* ---- --usbip: a USB/IP server over TCP, no kernel module ---- */

int cli_usbip_open(const char *arg, struct cli_xport_inst *out, char *msg, size_t cap)
{
	char host[XPORT_USBIP_HOST_MAX];
	uint16_t port;
	struct xport_usbip *t;
	int rc = xport_usbip_parse_addr(arg, host, &port, msg, cap);

	if (rc < 0)
		return rc;
	t = xport_usbip_new(host, port);
	if (!t) {
		snprintf(msg, cap, "out of memory starting the USB/IP transport");
		return DFU_E_NOMEM;
	}
	/* Connect once now, so an unreachable server is named as such rather
	 * than reported as "no device". */
	rc = xport_usbip_probe(t);
	if (rc < 0) {
		snprintf(msg, cap, "%s", xport_usbip_last_error(t));
		xport_usbip_free(t);
		return rc;
	}
	out->state = t;
	out->x = xport_usbip(t);
	return 0;
}

static void usbip_only_x(struct cli_xport_inst *inst, const char *path)
{
	xport_usbip_only(inst->state, path);
}

static void usbip_close_x(struct cli_xport_inst *inst)
{
	xport_usbip_free(inst->state);
	inst->state = NULL;
}

static const struct cli_xport_kind libusb_kind = {
	NULL, NULL, NULL, "libusb-1.0: real boards (the default)", libusb_open_x,
	libusb_close_x, NULL, true,
};

static const struct cli_xport_kind usbip_kind = {
	"--usbip", "DFU_FLASH_USBIP", "HOST[:PORT]",
	"a USB/IP server (dfu-sim, usbipd) over TCP from userspace, no kernel module; "
	"PORT defaults to 3240; -p matches the busid (1-2)",
	cli_usbip_open, usbip_close_x, usbip_only_x, true,
};

static const struct cli_xport_kind *registered[CLI_XPORT_MAX_REGISTERED];
static size_t nregistered;

int cli_xport_register(const struct cli_xport_kind *k)
{
	if (!k || !k->option || strncmp(k->option, "--", 2) != 0 || !k->open || !k->close)
		return DFU_E_INVAL;
	for (size_t i = 0; i < cli_xport_count(); i++) {
		const struct cli_xport_kind *o = cli_xport_at(i);
		if (o == k)
			return DFU_OK; /* registering twice is harmless */
		if (o->option && strcmp(o->option, k->option) == 0)
			return DFU_E_AMBIGUOUS; /* two rows cannot share an option */
	}
	if (nregistered >= CLI_XPORT_MAX_REGISTERED)
		return DFU_E_NOSPACE;
	registered[nregistered++] = k;
	return DFU_OK;
}

size_t cli_xport_count(void)
{
	return 2 + nregistered;
}

const struct cli_xport_kind *cli_xport_at(size_t i)
{
	if (i == 0)
		return &libusb_kind;
	if (i - 1 < nregistered)
		return registered[i - 1];
	return i == 1 + nregistered ? &usbip_kind : NULL;
}
