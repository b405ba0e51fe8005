/*
 * cli_report.c - everything dfu-flash shows: messages, the progress bar,
 * JSON events and control-transfer transcripts.
 *
 * Human text goes to the error stream ("dfu-flash: ..."), so stdout stays
 * clean for -l lines and --json objects. The progress bar is drawn only
 * when asked for (the caller decides: a terminal, or --progress) and
 * redrawn at most every 100 ms of the transport's clock; with --json every
 * phase step is an object instead: {"event":"progress","phase":"write",...}.
 *
 * The dfu-util personality (dfu-flash run as "dfu-util") adds, on stdout,
 * the lines dfu-util 0.11 prints there and scripts read: the banner, the
 * device's opening, the parse of a DfuSe file, its progress bar ending in
 * "Download done." or "Upload done.", "File downloaded successfully" and
 * the like ([dfu-util-0.11], main.c, dfuse.c, dfu_load.c). Every such line
 * is written here and nowhere else. They carry the same words and numbers
 * so that a grep or a field split finds them; dfu-flash's own messages stay
 * on stderr with their "dfu-flash: " prefix, next to them.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "dfu/dfu_file.h"
#include "dfu/usb_desc.h"
#include "host/cli.h"
#include "host/dfu_session.h"
#include "cli_internal.h"

void cli_say(struct cli_report *r, const char *fmt, ...)
{
	va_list ap;
	if (r->quiet)
		return;
	fputs("dfu-flash: ", r->err);
	va_start(ap, fmt);
	vfprintf(r->err, fmt, ap);
	va_end(ap);
	fputc('\n', r->err);
}

void cli_note(struct cli_report *r, int level, const char *fmt, ...)
{
	va_list ap;
	if (r->quiet || r->verbose < level)
		return;
	fputs("dfu-flash: ", r->err);
	va_start(ap, fmt);
	vfprintf(r->err, fmt, ap);
	va_end(ap);
	fputc('\n', r->err);
}

void cli_error(struct cli_report *r, const char *fmt, ...)
{
	va_list ap;
	fputs("dfu-flash: ", r->err);
	va_start(ap, fmt);
	vfprintf(r->err, fmt, ap);
	va_end(ap);
	fputc('\n', r->err);
}

void cli_json_escape(const char *s, char *out, size_t cap)
{
	size_t n = 0;

	if (cap == 0)
		return;
	for (; *s && n + 7 < cap; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\') {
			out[n++] = '\\';
			out[n++] = (char)c;
		} else if (c < 0x20) {
			n += (size_t)snprintf(out + n, cap - n, "\\u%04x", c);
		} else {
			out[n++] = (char)c;
		}
	}
	out[n] = '\0';
}

void cli_json_event(struct cli_report *r, const char *event, const char *fmt, ...)
{
	char line[4096];
	va_list ap;
	int n;

	if (!r->json)
		return;
	/* The whole object in one buffer, then one write: with --all several
	 * processes' objects stay one per line. */
	n = snprintf(line, sizeof(line), "{\"event\":\"%s\"%s%s", event, r->json_dev ? "," : "",
		     r->json_dev ? r->json_dev : "");
	if (fmt && *fmt && n > 0 && (size_t)n < sizeof(line) - 1) {
		line[n++] = ',';
		va_start(ap, fmt);
		n += vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
		va_end(ap);
	}
	if (n < 0 || (size_t)n > sizeof(line) - 3)
		return; /* cannot happen with the fields dfu-flash sends */
	memcpy(line + n, "}\n", 2);
	fwrite(line, 1, (size_t)n + 2, r->out);
	fflush(r->out);
}

static void draw_bar(struct cli_report *r, enum dfu_phase phase, size_t done, size_t total,
		     uint64_t now)
{
	char bar[31];
	double secs = (double)(now - r->phase_t0_us) / 1e6;
	double rate = secs > 0 ? (double)done / secs : 0;
	size_t fill = total ? done * 30 / total : 30;

	memset(bar, '#', fill);
	memset(bar + fill, '.', 30 - fill);
	bar[30] = '\0';
	fprintf(r->err, "\r%-6s [%s] %8zu/%zu bytes %7.1f KiB/s", dfu_phase_name(phase), bar, done,
		total, rate / 1024);
	if (done < total && rate > 0)
		fprintf(r->err, " ETA %4.1f s", (double)(total - done) / rate);
	else
		fputs("          ", r->err);
	if (done >= total)
		fputc('\n', r->err);
	fflush(r->err);
}

static void du_bar(struct cli_report *r, enum dfu_phase phase, size_t done, size_t total);

void cli_progress(void *ctx, enum dfu_phase phase, size_t done, size_t total)
{
	struct cli_report *r = ctx;
	uint64_t now = r->x ? xport_now_us(r->x) : 0;

	if (r->dfu_util && r->du_bars)
		du_bar(r, phase, done, total);

	if (done == 0 || r->phase_t0_us > now)
		r->phase_t0_us = now;
	if (r->json)
		cli_json_event(r, "progress", "\"phase\":\"%s\",\"done\":%zu,\"total\":%zu",
			       dfu_phase_name(phase), done, total);
	if (r->bar && !r->quiet && (done >= total || now - r->last_draw_us >= 100000)) {
		r->last_draw_us = now;
		draw_bar(r, phase, done, total, now);
	}
	if (done >= total)
		r->phase_t0_us = now;
}

void cli_transcript_line(const struct dfu_xfer_record *rec, char *out, size_t cap)
{
	const struct dfu_setup *s = &rec->setup;
	size_t n;
	int w = snprintf(out, cap, "%s %02x %02x %04x %04x %04x", dfu_setup_is_in(s) ? "IN " : "OUT",
			 s->bmRequestType, s->bRequest, s->wValue, s->wIndex, s->wLength);

	if (w < 0 || (size_t)w >= cap)
		return;
	n = (size_t)w;
	if (rec->rc < 0) {
		snprintf(out + n, cap - n, " -> %s", xport_result_name(rec->rc));
		return;
	}
	/* The data, at most 16 bytes of it, then how many there were. */
	if (rec->len) {
		size_t show = rec->len < 16 ? rec->len : 16;
		w = snprintf(out + n, cap - n, " [");
		n += (size_t)w;
		for (size_t i = 0; i < show && n + 4 < cap; i++)
			n += (size_t)snprintf(out + n, cap - n, "%s%02x", i ? " " : "", rec->data[i]);
		if (rec->len > show && n + 24 < cap)
			n += (size_t)snprintf(out + n, cap - n, " ...%zu bytes", rec->len);
		if (n + 2 < cap)
			snprintf(out + n, cap - n, "]");
	}
}

void cli_transcript(void *ctx, const struct dfu_xfer_record *rec)
{
	struct cli_report *r = ctx;
	char line[200];

	if (!r->transcript && r->verbose < 2)
		return;
	cli_transcript_line(rec, line, sizeof(line));
	if (r->transcript) {
		fprintf(r->transcript, "%s%s\n", r->tag ? r->tag : "", line);
		if (r->tag)
			fflush(r->transcript); /* several processes share the file: whole lines */
	}
	if (r->verbose >= 2 && !r->quiet)
		fprintf(r->err, "dfu-flash: #%u %s\n", rec->seq, line);
}

bool cli_write_all(int fd, const void *p, size_t n)
{
	const uint8_t *b = p;

	while (n) {
		ssize_t w = write(fd, b, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		b += w;
		n -= (size_t)w;
	}
	return true;
}

/* ---- the dfu-util personality ---- */

enum cli_personality cli_personality_of(const char *argv0)
{
	const char *base = argv0 ? strrchr(argv0, '/') : NULL;

	base = base ? base + 1 : argv0;
	return base && strcmp(base, "dfu-util") == 0 ? CLI_PERSONALITY_DFU_UTIL
						     : CLI_PERSONALITY_DFU_FLASH;
}

/* Scripts read the version from the first line ("dfu-util 0.11": the
 * second word); the rest of that line and the paragraph after it say which
 * program this is, so neither a log nor a person takes it for dfu-util. */
void cli_du_banner(FILE *out)
{
	fprintf(out, "dfu-util 0.11 (dfu-flash %s in dfu-util 0.11 compatibility mode)\n\n",
		DFULAB_VERSION);
	fputs("This is dfu-flash, not dfu-util: it takes dfu-util 0.11's options and prints\n"
	      "the lines dfu-util prints here, on stdout; its own checks and diagnoses go to\n"
	      "stderr. Report problems to dfulab, not to the dfu-util project.\n\n", out);
}

static const char *const du_fixed[] = {
	[CLI_DU_WAITING] = "Waiting for device, exit with ctrl-C",
	[CLI_DU_OPENING] = "Opening DFU capable USB device...",
	[CLI_DU_CLAIM_RUNTIME] = "Claiming USB DFU (Run-Time) Interface...",
	[CLI_DU_RUNTIME_DETACH] = "Device really in Run-Time Mode, send DFU detach request...",
	[CLI_DU_WILL_DETACH] = "Device will detach and reattach...",
	[CLI_DU_RESETTING] = "Resetting USB...",
	[CLI_DU_OPENING_DFU] = "Opening DFU USB Device...",
	[CLI_DU_DFUSE_SUCCESS] = "File downloaded successfully",
	[CLI_DU_FILE_DONE] = "Done parsing DfuSe file",
	[CLI_DU_LEAVE] = "Submitting leave request...",
	[CLI_DU_MANIFEST] = "Transitioning to dfuMANIFEST state",
	[CLI_DU_MASS_ERASE] = "Performing mass erase, this can take a moment",
	[CLI_DU_COMMAND_MODE] = "DfuSe command mode",
	[CLI_DU_UNPROTECT] = "Device disconnects, erases flash and resets now",
	[CLI_DU_PLAIN_DOWNLOAD] = "Copying data from PC to DFU device",
	[CLI_DU_PLAIN_RESET] = "Resetting USB to switch back to runtime mode",
	[CLI_DU_PLAIN_DONE] = "Done!",
	[CLI_DU_PLAIN_UPLOAD] = "Copying data from DFU device to PC",
	[CLI_DU_UPLOAD_EMPTY] = "\nFailed.",
	[CLI_DU_FINAL_RESET] = "Resetting USB to switch back to Run-Time mode",
};

void cli_du(struct cli_report *r, enum cli_du_fixed line)
{
	if (r->dfu_util && (size_t)line < sizeof(du_fixed) / sizeof(du_fixed[0]))
		fprintf(r->out, "%s\n", du_fixed[line]);
}

void cli_du_match_from_file(struct cli_report *r, int vid, int pid)
{
	if (!r->dfu_util)
		return;
	if (vid >= 0)
		fprintf(r->out, "Match vendor ID from file: %04x\n", (unsigned)vid);
	if (pid >= 0)
		fprintf(r->out, "Match product ID from file: %04x\n", (unsigned)pid);
}

/* dfu-util calls a device whose DFU interface is not the first a run-time
 * one in this line, whatever mode it is in. */
static void du_device(struct cli_report *r, uint16_t vid, uint16_t pid, uint8_t intf,
		      uint16_t bcd_dfu)
{
	fprintf(r->out, "Device ID %04x:%04x\n", vid, pid);
	fprintf(r->out, "%s DFU version %04x\n", intf > 0 ? "Run-Time device" : "Device", bcd_dfu);
}

/* bcdDFUVersion of interface `intf`'s functional descriptor (0: none). */
static uint16_t bcd_dfu_of(const struct xport_dev_info *d, uint8_t intf)
{
	struct usb_config_iter it;
	struct usb_config_desc cd;
	struct usb_alt_info a;

	if (usb_config_iter_init(&it, d->config, d->config_len, &cd) < 0)
		return 0;
	while (usb_config_next_alt(&it, &a) == 1)
		if (a.intf.bInterfaceNumber == intf && a.has_func)
			return a.func.bcdDFUVersion;
	return 0;
}

void cli_du_runtime(struct cli_report *r, const struct xport_dev_info *d, uint8_t intf)
{
	if (!r->dfu_util)
		return;
	cli_du(r, CLI_DU_OPENING);
	du_device(r, d->vid, d->pid, intf, bcd_dfu_of(d, intf));
	cli_du(r, CLI_DU_CLAIM_RUNTIME);
	cli_du(r, CLI_DU_RUNTIME_DETACH);
}

void cli_du_state(struct cli_report *r, const struct dfu_status_reply *st)
{
	if (r->dfu_util)
		fprintf(r->out, "DFU state(%u) = %s, status(%u) = %s\n", st->bState,
			dfu_state_name(st->bState), st->bStatus, dfu_status_text(st->bStatus));
}

/* dfu-util selects the alt only when the interface has several. */
static unsigned alts_of_interface(const struct dfu_session *s)
{
	struct usb_config_iter it;
	struct usb_config_desc cd;
	struct usb_alt_info a;
	unsigned n = 0;

	if (usb_config_iter_init(&it, s->dev.config, s->dev.config_len, &cd) < 0)
		return 0;
	while (usb_config_next_alt(&it, &a) == 1)
		if (a.intf.bInterfaceNumber == s->intf)
			n++;
	return n;
}

void cli_du_opened(struct cli_report *r, const struct dfu_session *s, bool after_detach,
		   unsigned asked_xfer)
{
	const unsigned dev_xfer = s->func.wTransferSize;

	if (!r->dfu_util)
		return;
	if (after_detach) {
		cli_du(r, CLI_DU_OPENING_DFU);
	} else {
		cli_du(r, CLI_DU_OPENING);
		du_device(r, s->dev.vid, s->dev.pid, s->intf, s->func.bcdDFUVersion);
	}
	fputs("Claiming USB DFU Interface...\n", r->out);
	if (alts_of_interface(s) > 1)
		fprintf(r->out, "Setting Alternate Interface #%u ...\n", s->alt);
	fputs("Determining device status...\n", r->out);
	cli_du_state(r, &s->status);
	fprintf(r->out, "DFU mode device DFU version %04x\n", s->func.bcdDFUVersion);
	if (dev_xfer) {
		fprintf(r->out, "Device returned transfer size %u\n", dev_xfer);
		if (asked_xfer)
			fputs("Warning: Overriding device-reported transfer size\n", r->out);
	}
	if (asked_xfer > 4096 && s->xfer == 4096)
		fprintf(r->out, "Limited transfer size to %u\n", (unsigned)s->xfer);
	else if ((asked_xfer ? asked_xfer : dev_xfer) < s->xfer)
		fprintf(r->out, "Adjusted transfer size to %u\n", (unsigned)s->xfer);
}

void cli_du_element(struct cli_report *r, uint32_t address, size_t size)
{
	if (r->dfu_util)
		fprintf(r->out, "Downloading element to address = 0x%08x, size = %zu\n", address,
			size);
}

void cli_du_dfuse_file(struct cli_report *r, const uint8_t *fw, size_t len)
{
	struct dfuse_file f;
	struct dfuse_target t;
	size_t tc = 0;
	unsigned image = 0;

	if (!r->dfu_util || dfuse_file_parse(fw, len, &f, NULL) < 0)
		return;
	fprintf(r->out, "File contains %u DFU images\n", f.ntargets);
	while (dfuse_file_next_target(&f, &tc, &t) == 1) {
		struct dfuse_element e;
		size_t ec = 0;
		unsigned element = 0;

		fprintf(r->out, "Parsing DFU image %u\n", ++image);
		if (t.named)
			fprintf(r->out, "Target name: %s\n", t.name);
		else
			fputs("No target name\n", r->out);
		fprintf(r->out, "Image for alternate setting %u, (%u elements, total size = %u)\n",
			t.alt, t.nelements, t.size);
		fprintf(r->out, "Setting Alternate Interface #%u ...\n", t.alt);
		while (dfuse_target_next_element(&t, &ec, &e) == 1)
			fprintf(r->out, "Parsing element %u, address = 0x%08x, size = %u\n",
				++element, e.address, e.size);
	}
}

void cli_du_upload_limit(struct cli_report *r, enum cli_du_upload why, uint32_t bytes)
{
	if (!r->dfu_util)
		return;
	if (why == CLI_DU_UPLOAD_SEGMENT)
		fprintf(r->out, "Limiting upload to end of memory segment, %u bytes\n", bytes);
	else if (why == CLI_DU_UPLOAD_FORCED)
		fprintf(r->out, "Limiting upload to %u bytes\n", bytes);
	else
		fprintf(r->out, "Limiting default upload to %u bytes\n", bytes);
}

void cli_du_received(struct cli_report *r, size_t bytes)
{
	if (!r->dfu_util)
		return;
	if (bytes == 0)
		cli_du(r, CLI_DU_UPLOAD_EMPTY);
	else
		fprintf(r->out, "Received a total of %zu bytes\n", bytes);
}

/* dfu-util's bar: the phase's name padded to a tab, 25 cells of '=', the
 * percentage and the byte count, redrawn in place with \r whenever the bar
 * grows; at 100 % the line ends and "NAME done." follows. Read-back (a
 * dfu-flash step) draws nothing here. */
#define DU_BAR_CELLS 25

static const char *du_phase_label(enum dfu_phase phase)
{
	switch (phase) {
	case DFU_PHASE_ERASE: return "Erase   ";
	case DFU_PHASE_WRITE: return "Download";
	case DFU_PHASE_READ: return "Upload";
	case DFU_PHASE_VERIFY:
	default: return NULL;
	}
}

/* dfu-util 0.11 draws no erase or download bar for a DfuSe device under -v
 * (it prints per-chunk lines on stderr instead), so neither "Download done."
 * ([dfu-util-0.11], dfuse.c); plain DFU downloads and every upload keep
 * their bars. */
static const char *du_bar_label(const struct cli_report *r, enum dfu_phase phase)
{
	if (r->verbose > 0 && r->du_dfuse &&
	    (phase == DFU_PHASE_ERASE || phase == DFU_PHASE_WRITE))
		return NULL;
	return du_phase_label(phase);
}

static void du_draw(struct cli_report *r, const char *label, size_t done, size_t total,
		    unsigned fill)
{
	char cells[DU_BAR_CELLS + 1];
	unsigned long long pct = total ? 100ull * done / total : 100;

	memset(cells, '=', fill);
	memset(cells + fill, ' ', DU_BAR_CELLS - fill);
	cells[DU_BAR_CELLS] = '\0';
	fprintf(r->out, "\r%s\t[%s] %3llu%% %12zu bytes", label, cells, pct > 100 ? 100 : pct,
		done);
	if (fill == DU_BAR_CELLS)
		fprintf(r->out, "\n%s done.\n", label);
}

/* r->du_phase is the phase of the last bar drawn (-1: none yet); it is
 * open while r->du_fill is below DU_BAR_CELLS. A report for a phase whose
 * bar is closed, or for another phase, starts a new bar: the next element
 * of a .dfu file, the upload after a download. */
static bool du_open(const struct cli_report *r, enum dfu_phase phase)
{
	return r->du_phase == (int)phase && r->du_fill < DU_BAR_CELLS;
}

static void du_bar(struct cli_report *r, enum dfu_phase phase, size_t done, size_t total)
{
	const char *label = du_bar_label(r, phase);
	unsigned fill;

	if (!label)
		return;
	if (total < done)
		total = done;
	fill = total ? (unsigned)((uint64_t)done * DU_BAR_CELLS / total) : DU_BAR_CELLS;
	if (!du_open(r, phase)) {
		/* A new bar starts empty, as dfu-util's does. */
		r->du_phase = (int)phase;
		r->du_fill = 0;
		du_draw(r, label, 0, 1, 0);
	}
	if (fill == r->du_fill)
		return;
	r->du_fill = fill;
	du_draw(r, label, done, total, fill);
}

void cli_du_bar_end(struct cli_report *r, enum dfu_phase phase, size_t n)
{
	const char *label = du_bar_label(r, phase);

	if (!r->dfu_util || !r->du_bars || !label)
		return;
	if (r->du_phase == (int)phase && r->du_fill == DU_BAR_CELLS)
		return; /* it reached 100 % and closed already */
	if (r->du_phase != (int)phase)
		du_draw(r, label, 0, 1, 0); /* a phase that never reported still shows a bar */
	r->du_phase = (int)phase;
	r->du_fill = DU_BAR_CELLS;
	du_draw(r, label, n, n, DU_BAR_CELLS);
}
