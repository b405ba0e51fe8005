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
 * The -d/-S/-p/-n/-c/-i/-a filters apply as they do to a flash.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dfu/usb_desc.h"
#include "host/cli.h"

#define LIST_MAX 64

struct list_ctx {
	const struct cli_opts *o;
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

static bool id_ok(int want, uint16_t have)
{
	return want == CLI_ID_ANY || want == have;
}

static int visit(void *ctx, const struct xport_dev_info *d)
{
	struct list_ctx *l = ctx;
	const struct cli_opts *o = l->o;
	struct usb_config_iter it;
	struct usb_alt_info a;

	if (o->path && strcmp(o->path, d->path) != 0)
		return 0;
	if (o->devnum && o->devnum != d->devnum)
		return 0;
	if (o->cfg && (d->config_len < 6 || d->config[5] != o->cfg))
		return 0;
	if (usb_config_iter_init(&it, d->config, d->config_len, NULL) < 0)
		return 0;
	for (int guard = 0; guard < 256 && usb_config_next_alt(&it, &a) == 1; guard++) {
		bool dfu_mode = a.intf.bInterfaceProtocol == USB_PROTO_DFU_MODE;
		const char *serial = dfu_mode ? o->serial_dfu : o->serial_rt;
		const char *name = xport_dev_string(d, a.intf.iInterface);

		if (a.intf.bInterfaceClass != USB_CLASS_APP_SPEC ||
		    a.intf.bInterfaceSubClass != USB_SUBCLASS_DFU)
			continue;
		if (!id_ok(dfu_mode ? o->dfu_vid : o->rt_vid, d->vid) ||
		    !id_ok(dfu_mode ? o->dfu_pid : o->rt_pid, d->pid))
			continue;
		if (serial[0] && strcmp(serial, d->serial) != 0)
			continue;
		if (o->intf >= 0 && a.intf.bInterfaceNumber != o->intf)
			continue;
		if (o->alt >= 0 && a.intf.bAlternateSetting != o->alt)
			continue;
		if (o->alt_name && (!name || strcmp(name, o->alt_name) != 0))
			continue;
		if (l->n >= LIST_MAX)
			return 1;
		cli_list_line(d, &a.intf, l->lines[l->n], sizeof(l->lines[0]));
		l->n++;
	}
	return 0;
}

int cli_list(const struct xport *x, const struct cli_opts *o, FILE *out)
{
	struct list_ctx l = { .o = o };
	int rc;

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
