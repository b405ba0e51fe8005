/*
 * cli_list.c - dfu-flash -l: one line per DFU alt setting, in dfu-util
 * 0.11's format, so scripts that parse `dfu-util -l` keep working:
 *
 *   Found DFU: [0483:df11] ver=2200, devnum=1, cfg=1, intf=0, path="1-1", alt=3,
 *   name="@Device Feature  /0xFFFF0000/01*004 e", serial="206732653138"
 *
 * (one line). dfu-util builds its list by prepending, so it prints the last
 * interface it found first: the highest alt of a device comes first, and so
 * does the last device. A string the device did not give reads "UNKNOWN".
 * The -d/-S/-p/-n/-c/-i/-a filters apply as they do to a flash, by one
 * rule (dfu_match_alt): the IDs and serial per mode, -a to DFU-mode alts
 * only. A device the transport could not open (no permission) is not
 * listed: dfu-util warns "Cannot open DFU device" on stderr instead of
 * showing its strings as UNKNOWN, and so does dfu-flash, in its own words.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dfu/usb_desc.h"
#include "host/cli.h"
#include "host/dfu_select.h"
#include "cli_internal.h"

#define LIST_MAX 64

struct list_ctx {
	struct dfu_match m;
	FILE *err;
	char (*lines)[400];
	size_t n;
};

void cli_list_line(const struct xport_dev_info *d, const struct usb_interface_desc *ip,
		   char *out, size_t cap)
{
	const struct usb_interface_desc id = *ip;
	const char *name = xport_dev_string(d, id.iInterface);

	snprintf(out, cap,
		 "Found %s: [%04x:%04x] ver=%04x, devnum=%u, cfg=%u, intf=%u, path=\"%s\", alt=%u, "
		 "name=\"%s\", serial=\"%s\"",
		 id.bInterfaceProtocol == USB_PROTO_DFU_MODE ? "DFU" : "Runtime", d->vid, d->pid,
		 d->bcd_device, d->devnum, d->config_len > 5 ? d->config[5] : 0, id.bInterfaceNumber,
		 d->path, id.bAlternateSetting, name ? name : "UNKNOWN",
		 d->serial[0] ? d->serial : "UNKNOWN");
}

void cli_match_from_opts(const struct cli_opts *o, struct dfu_match *m)
{
	dfu_match_any(m);
	m->vid = o->dfu_vid;	/* CLI_ID_NONE (0x10000) is no 16-bit ID: it matches nothing */
	m->pid = o->dfu_pid;
	m->rt_vid = o->rt_vid;
	m->rt_pid = o->rt_pid;
	m->serial = o->serial_dfu;
	m->rt_serial = o->serial_rt;
	m->path = o->path;
	m->devnum = o->devnum;
	m->cfg = o->cfg;
	m->intf = o->intf;
	m->alt = o->alt;
	m->alt_name = o->alt_name;
}

void cli_warn_unopened(FILE *err, const struct dfu_probe_dev *d)
{
	fprintf(err, "dfu-flash: cannot open DFU device %04x:%04x found on devnum %u at %s (%s): "
		"skipped; check its permissions (a udev rule) or whether another program holds "
		"it\n", d->vid, d->pid, d->devnum, d->path, dfu_strerror(d->open_error));
}

static int visit(void *ctx, const struct xport_dev_info *d)
{
	struct list_ctx *l = ctx;
	struct usb_config_iter it;
	struct usb_alt_info a;
	bool warned = false;

	if (usb_config_iter_init(&it, d->config, d->config_len, NULL) < 0)
		return 0;
	for (int guard = 0; guard < 256 && usb_config_next_alt(&it, &a) == 1; guard++) {
		enum dfu_match_kind k = dfu_match_alt(&l->m, d, &a);

		if (k == DFU_MATCH_UNOPENED && !warned) {
			struct dfu_probe_dev pd = { .vid = d->vid, .pid = d->pid,
						    .devnum = d->devnum,
						    .open_error = d->open_error };
			snprintf(pd.path, sizeof(pd.path), "%s", d->path);
			cli_warn_unopened(l->err, &pd);
			warned = true;
		}
		if (k != DFU_MATCH_DFU && k != DFU_MATCH_RUNTIME)
			continue;
		if (l->n >= LIST_MAX)
			return 1;
		cli_list_line(d, &a.intf, l->lines[l->n], sizeof(l->lines[0]));
		l->n++;
	}
	return 0;
}

int cli_list(const struct xport *x, const struct cli_opts *o, FILE *out, FILE *err)
{
	struct list_ctx l = { .err = err };
	int rc;

	cli_match_from_opts(o, &l.m);
	l.lines = calloc(LIST_MAX, sizeof(*l.lines));
	if (!l.lines)
		return DFU_E_NOMEM;
	rc = xport_enumerate(x, visit, &l);
	if (rc >= 0) {
		for (size_t i = l.n; i-- > 0;)
			fprintf(out, "%s\n", l.lines[i]);
		rc = (int)l.n;
	}
	free(l.lines);
	return rc;
}
