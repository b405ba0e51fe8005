/*
 * cli_report.c - everything dfu-flash shows: messages, the progress bar,
 * JSON events and control-transfer transcripts.
 *
 * Human text goes to the error stream ("dfu-flash: ..."), so stdout stays
 * clean for -l lines and --json objects. The progress bar is drawn only
 * when asked for (the caller decides: a terminal, or --progress) and
 * redrawn at most every 100 ms of the transport's clock; with --json every
 * phase step is an object instead: {"event":"progress","phase":"write",...}.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "host/cli.h"

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

void cli_progress(void *ctx, enum dfu_phase phase, size_t done, size_t total)
{
	struct cli_report *r = ctx;
	uint64_t now = r->x ? xport_now_us(r->x) : 0;

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
