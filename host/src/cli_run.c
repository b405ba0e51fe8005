/*
 * cli_run.c - dfu-flash's job on one device, through the session engine
 * (--all, the same job on every matching device, is cli_all.c's).
 *
 * Order of work follows dfu-util 0.11 ([dfu-util-0.11], request sequences):
 * files are loaded and the upload file created before any USB traffic; then
 * the device is opened, and the DfuSe or plain path runs. What dfu-flash adds
 * happens after the job: when the device left (leave, -R, an option-byte
 * write) it watches for it to come back and says what it runs; an STM32 that
 * comes back in its ROM with the image intact is "flashed but not running"
 * (exit 3), or is fixed with an option-byte reload under --fix-empty-check.
 *
 * Run as dfu-util, each step also prints dfu-util 0.11's stdout line for it
 * (cli_report.c's cli_du_*, silent otherwise); what dfu-flash checks and
 * decides, and its exit codes, are the same under either name.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dfu/dfu_file.h"
#include "dfu/usb_desc.h"
#include "host/cli.h"
#include "host/stm32_optr.h"
#include "host/stm32_rom.h"
#include "cli_internal.h"

extern char **environ;

#define FILE_MAX (64u * 1024 * 1024)

int cli_exit_for(int e)
{
	switch (e) {
	case DFU_OK: return CLI_EXIT_OK;
	case DFU_E_USAGE: return CLI_EXIT_USAGE;
	case DFU_E_NOMEM: return CLI_EXIT_SOFTWARE;
	case DFU_E_STATE:
	case DFU_E_PROTOCOL: return CLI_EXIT_PROTOCOL;
	default: return CLI_EXIT_IOERR;
	}
}

void cli_job_result(struct cli_job *j, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(j->result, sizeof(j->result), fmt, ap);
	va_end(ap);
}

/* ---- files ---- */

/* The whole of -D (a file, or stdin for "-") into j->file, at most
 * FILE_MAX bytes: 0, or the exit code after the message. */
static int read_download(struct cli_job *j, const char *name)
{
	FILE *f = strcmp(name, "-") == 0 ? stdin : fopen(name, "rb");
	size_t cap = 64 * 1024, n = 0;
	uint8_t *buf;

	if (!f) {
		cli_error(&j->rep, "cannot read -D %s: %s; check the path", name, strerror(errno));
		return CLI_EXIT_NOINPUT;
	}
	buf = malloc(cap);
	while (buf) {
		size_t got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
		if (n == cap) {
			uint8_t *nb = cap >= FILE_MAX ? NULL : realloc(buf, cap * 2);
			if (!nb) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
			cap *= 2;
		}
	}
	if (f != stdin)
		fclose(f);
	if (!buf) {
		cli_error(&j->rep, "-D %s is larger than %u MiB or memory ran out", name,
			  FILE_MAX >> 20);
		return CLI_EXIT_SOFTWARE;
	}
	if (n == 0) {
		free(buf);
		cli_error(&j->rep, "-D %s is empty; nothing to write", name);
		return CLI_EXIT_DATAERR;
	}
	j->file = buf;
	j->file_len = n;
	return 0;
}

/* What the file says it is: its DFU suffix and, for a DfuSe file, its
 * prefix and images, which carry their own addresses (so -s must not). */
static int check_download(struct cli_job *j, const char *name)
{
	struct dfu_diag d;
	int rc = dfu_file_inspect(j->file, j->file_len, &j->info, &d);

	if (rc < 0) {
		/* dfu-util only warns; a .dfu file with a broken CRC flashed as raw
		 * bytes would write the suffix into flash, so dfu-flash refuses. */
		cli_error(&j->rep, "-D %s: its DFU suffix is damaged: %s; rebuild the file "
			  "(dfu-suffix -a) or strip the suffix", name, d.msg);
		return CLI_EXIT_DATAERR;
	}
	j->fw_len = j->info.fw_len;
	j->dfuse_file = j->info.has_suffix && j->info.prefix.kind == DFU_PREFIX_DFUSE;
	if (j->info.has_suffix && j->info.suffix.bcdDFU == DFU_BCD_DFUSE && !j->dfuse_file) {
		cli_error(&j->rep, "-D %s: the suffix says DfuSe (bcdDFU 0x011A) but the file does "
			  "not start with \"DfuSe\"; rebuild it with dfuse-pack", name);
		return CLI_EXIT_DATAERR;
	}
	if (j->dfuse_file) {
		struct dfuse_file df;
		if (dfuse_file_parse(j->file, j->fw_len, &df, &d) < 0) {
			cli_error(&j->rep, "-D %s: the DfuSe image is malformed: %s", name, d.msg);
			return CLI_EXIT_DATAERR;
		}
		if (j->o->s.given && j->o->s.have_address) {
			cli_error(&j->rep, "-D %s is a DfuSe file: its elements carry their own "
				  "addresses; drop the address from -s (keep -s :leave if wanted)", name);
			return CLI_EXIT_USAGE;
		}
	}
	if (!j->info.has_suffix)
		cli_note(&j->rep, 1, "-D %s has no DFU suffix: written as raw bytes", name);
	return 0;
}

/* Read -D; a file that carries its addresses is cli_image.c's, the rest
 * (raw, DfuSe) is checked as dfu-util reads it. */
static int load_download(struct cli_job *j)
{
	int ex = read_download(j, j->o->download);

	if (!ex)
		ex = cli_image_load(j, j->o->download);
	if (ex || j->by_address)
		return ex;
	return check_download(j, j->o->download);
}

static int create_upload(struct cli_job *j)
{
	/* dfu-util opens with O_EXCL: never overwrite what a user has. */
	j->upload_fd = open(j->o->upload, O_WRONLY | O_CREAT | O_EXCL, 0644);
	if (j->upload_fd < 0) {
		cli_error(&j->rep, "cannot create -U %s: %s%s", j->o->upload, strerror(errno),
			  errno == EEXIST ? "; dfu-flash never overwrites a file, remove it or "
					    "choose another name" : "");
		return CLI_EXIT_CANTCREAT;
	}
	return 0;
}

/* ---- matching ---- */

/* dfu-util takes a -D file's suffix IDs as the run-time IDs to match when
 * -d gives none (0xFFFF: any); they select no DFU-mode device
 * ([dfu-util-0.11], options and files). */
static void ids_from_suffix(struct cli_job *j, struct dfu_match *m)
{
	const struct dfu_suffix *x = &j->info.suffix;
	int vid = -1, pid = -1;	/* what the suffix gave */

	j->rt_vid = m->rt_vid;
	j->rt_pid = m->rt_pid;
	if (!j->o->download || !j->info.has_suffix)
		return;
	if (m->rt_vid == CLI_ID_ANY && x->idVendor != DFU_ID_ANY)
		m->rt_vid = j->rt_vid = vid = x->idVendor;
	if (m->rt_pid == CLI_ID_ANY && x->idProduct != DFU_ID_ANY)
		m->rt_pid = j->rt_pid = pid = x->idProduct;
	j->rt_from_file = vid >= 0 || pid >= 0;
	if (j->rt_from_file)
		cli_note(&j->rep, 1, "-D %s: run-time IDs to match from its DFU suffix: %04x:%04x",
			 j->o->download, x->idVendor, x->idProduct);
	cli_du_match_from_file(&j->rep, vid, pid);
}

static void make_match(struct cli_job *j, struct dfu_match *m)
{
	const struct cli_opts *o = j->o;

	cli_match_from_opts(o, m);
	ids_from_suffix(j, m);
	if (m->alt < 0 && !m->alt_name) {
		if (j->dfuse_file) {
			/* The first target's alt; the engine switches per target. */
			struct dfuse_file df;
			struct dfuse_target t;
			size_t c = 0;
			if (dfuse_file_parse(j->file, j->fw_len, &df, NULL) == 0 &&
			    dfuse_file_next_target(&df, &c, &t) == 1)
				m->alt = t.alt;
		} else if (!o->download && !o->upload && !o->s.given) {
			m->alt = 0; /* option-byte work: the engine finds the OB alt itself */
		}
	}
}

/* ---- the return after leave, -R, option-byte write ---- */

static int diagnose(struct cli_job *j, struct dfu_session *s, struct dfu_return_report *r,
		    bool after_ob);

static int fix_trap(struct cli_job *j, struct dfu_session *s, struct dfu_return_report *r)
{
	struct dfu_session_opts so = s->o;	/* open() clears the session */
	struct dfu_match m;
	int rc;

	cli_say(&j->rep, "%s", r->text);
	cli_say(&j->rep, "--fix-empty-check: rewriting the option bytes unchanged so the chip "
		"reloads them and re-samples the flash-empty flag");
	dfu_match_any(&m);
	m.path = r->dev.path;
	m.serial = r->dev.serial;
	m.alt = 0;
	rc = dfu_session_open(s, j->x, &m, &so);
	if (rc == 0)
		rc = dfu_session_reload_option_bytes(s, r);
	if (rc < 0) {
		cli_error(&j->rep, "--fix-empty-check failed: %s", dfu_session_errmsg(s));
		cli_job_result(j, "flashed, not running, fix failed");
		return CLI_EXIT_NOT_RUNNING;
	}
	return diagnose(j, s, r, false);
}

/* Say what came back; the exit code. After an option-byte write alone, a
 * chip coming back to its ROM is what was expected of it. */
static int diagnose(struct cli_job *j, struct dfu_session *s, struct dfu_return_report *r,
		    bool after_ob)
{
	char esc[DFU_SESSION_ERR_MAX * 2];

	cli_json_escape(r->text, esc, sizeof(esc));
	cli_json_event(&j->rep, "return", "\"kind\":\"%s\",\"waited_ms\":%u,\"text\":\"%s\"",
		       dfu_return_kind_name(r->kind), r->waited_ms, esc);
	switch (r->kind) {
	case DFU_RETURN_EMPTY_CHECK_TRAP:
		if (j->o->fix_empty_check)
			return fix_trap(j, s, r);
		cli_error(&j->rep, "%s", r->text);
		cli_job_result(j, "flashed, not running (empty-check trap)");
		return CLI_EXIT_NOT_RUNNING;
	case DFU_RETURN_BLANK:
	case DFU_RETURN_BOOTLOADER:
		if (after_ob) {
			cli_say(&j->rep, "%s", r->text);
			cli_job_result(j, "ok, back in the bootloader");
			return CLI_EXIT_OK;
		}
		cli_error(&j->rep, "%s", r->text);
		cli_job_result(j, "not running (%s)", dfu_return_kind_name(r->kind));
		return CLI_EXIT_NOT_RUNNING;
	case DFU_RETURN_APPLICATION:
	case DFU_RETURN_GONE:
		cli_say(&j->rep, "%s", r->text);
		cli_job_result(j, "ok, %s", r->kind == DFU_RETURN_GONE ? "left the bus" : "application");
		return CLI_EXIT_OK;
	case DFU_RETURN_STAYED:
	case DFU_RETURN_NONE:
	default:
		cli_say(&j->rep, "%s", r->text);
		cli_job_result(j, "ok, %s", dfu_return_kind_name(r->kind));
		return CLI_EXIT_OK;
	}
}

static int engine_fail(struct cli_job *j, struct dfu_session *s, int rc)
{
	cli_error(&j->rep, "%s", dfu_session_errmsg(s)[0] ? dfu_session_errmsg(s) : dfu_strerror(rc));
	cli_job_result(j, "failed: %s", dfu_strerror(rc));
	return cli_exit_for(rc);
}

/* ---- option bytes ---- */

static int option_bytes(struct cli_job *j, struct dfu_session *s, bool *wrote)
{
	const struct cli_opts *o = j->o;
	uint8_t ob[256];
	char text[2048], msg[400];
	size_t n = 0;
	int rc;

	*wrote = false;
	rc = dfu_session_ob_read(s, ob, sizeof(ob), &n);
	if (rc < 0)
		return engine_fail(j, s, rc);
	for (size_t i = 0; i < o->nset_options; i++)
		if (stm32_ob_set_as(stm32_ob_layout_of(&s->dev), ob, n, o->set_option[i],
				    o->rdp2_ok, msg, sizeof(msg)) < 0) {
			cli_error(&j->rep, "%s", msg);
			cli_job_result(j, "refused: %s", o->set_option[i]);
			return CLI_EXIT_USAGE;
		}
	if (o->show_options) {
		stm32_ob_format_as(stm32_ob_layout_of(&s->dev), ob, n, text, sizeof(text));
		fprintf(j->rep.out, "%s%s", o->nset_options ? "option bytes to be written:\n" : "",
			text);
	}
	if (o->nset_options == 0 && !o->reload_ob)
		return 0;
	rc = dfu_session_ob_write(s, ob, n);
	if (rc < 0)
		return engine_fail(j, s, rc);
	*wrote = true;
	cli_say(&j->rep, "wrote %zu option bytes%s; the device %s", n,
		o->nset_options ? "" : " unchanged (reload)",
		s->gone ? "reset to load them" : "did not reset");
	return 0;
}

/* ---- DfuSe ---- */

static bool readable(const struct dfu_session *s, uint32_t addr)
{
	const struct dfuse_segment *seg = s->layout_ok ? dfuse_layout_find(&s->layout, addr) : NULL;
	return seg && (seg->type & DFUSE_MEM_READABLE);
}

/* DfuSe :leave (SET_ADDRESS first when `at`), with dfu-util's lines. */
static int dfuse_leave(struct cli_job *j, struct dfu_session *s, bool at, uint32_t addr)
{
	int rc;

	cli_du(&j->rep, CLI_DU_LEAVE);
	rc = dfu_session_leave(s, at, addr);
	if (rc < 0)
		return engine_fail(j, s, rc);
	if (!s->left_silently && s->status.bState == DFU_STATE_MANIFEST)
		cli_du(&j->rep, CLI_DU_MANIFEST);
	return 0;
}

/* How much -U reads, as dfu-util decides it ([dfu-util-0.11], DfuSe
 * upload): the -s length; else to the end of the address's segment; else
 * (no address, or :force outside every segment) 0x4000 bytes. */
#define DFUSE_UPLOAD_DEFAULT 0x4000u

/* DfuSe -U: from -s ADDRESS, or without one from wherever the device's
 * address pointer is (no SET_ADDRESS, as dfu-util); then :leave, as
 * dfu-util does after an upload. */
static int dfuse_upload(struct cli_job *j, struct dfu_session *s, bool *left)
{
	const struct cli_opts *o = j->o;
	const bool at = o->s.have_address;
	uint32_t addr = at ? o->s.address : 0, len = DFUSE_UPLOAD_DEFAULT;
	const struct dfuse_segment *seg = at && s->layout_ok ? dfuse_layout_find(&s->layout, addr)
							     : NULL;
	uint8_t *buf;
	size_t got = 0;
	int rc;

	if (o->s.have_length) {
		len = o->s.length;
	} else if (seg) {
		len = seg->end - addr + 1;
		cli_note(&j->rep, 1, "limiting the upload to the end of the memory segment "
			 "(0x%08X, %u bytes)", seg->end, len);
	} else if (!at) {
		cli_note(&j->rep, 0, "-U without an address: reading %u bytes from where the "
			 "device's address pointer is, as dfu-util does (-s ADDRESS[:LENGTH] "
			 "chooses)", len);
	}
	if (at && !seg && !o->s.force) {
		cli_error(&j->rep, "-U: address 0x%08X is in no memory segment of alt %u \"%s\"; "
			  "check -s, or add :force", addr, s->alt, s->alt_name);
		cli_job_result(j, "failed: address");
		return CLI_EXIT_USAGE;
	}
	if (!at)
		cli_du_upload_limit(&j->rep, CLI_DU_UPLOAD_DEFAULT, len);
	else if (!o->s.have_length)
		cli_du_upload_limit(&j->rep, seg ? CLI_DU_UPLOAD_SEGMENT : CLI_DU_UPLOAD_FORCED, len);
	buf = malloc(len ? len : 1);
	if (!buf)
		return CLI_EXIT_SOFTWARE;
	rc = at ? dfu_session_upload(s, addr, buf, len, &got)
		: dfu_session_upload_at_pointer(s, buf, len, &got);
	if (rc < 0) {
		free(buf);
		return engine_fail(j, s, rc);
	}
	if (!cli_write_all(j->upload_fd, buf, got)) {
		free(buf);
		cli_error(&j->rep, "cannot write -U %s: %s", o->upload, strerror(errno));
		return CLI_EXIT_CANTCREAT;
	}
	free(buf);
	cli_du_bar_end(&j->rep, DFU_PHASE_READ, got);
	if (o->upload_size >= 0 && (long long)got != o->upload_size)
		cli_say(&j->rep, "read %zu bytes, -Z expected %lld", got, o->upload_size);
	if (at)
		cli_say(&j->rep, "read %zu bytes from 0x%08X into %s", got, addr, o->upload);
	else
		cli_say(&j->rep, "read %zu bytes from the address pointer into %s", got,
			o->upload);
	cli_job_result(j, "ok, %zu bytes read", got);
	if (at)
		cli_json_event(&j->rep, "upload", "\"address\":%u,\"bytes\":%zu", addr, got);
	else
		cli_json_event(&j->rep, "upload", "\"address\":null,\"bytes\":%zu", got);
	if (o->s.leave) {
		/* dfu-util's leave after an upload: SET_ADDRESS to -s's address
		 * (if any), then the zero-length DNLOAD. */
		int ex = dfuse_leave(j, s, at, addr);
		if (ex)
			return ex;
		*left = true;
	}
	return 0;
}

/* A .dfu file: every element on the alt its target names, then :leave. */
static int dfuse_write_file(struct cli_job *j, struct dfu_session *s, bool *left)
{
	const struct cli_opts *o = j->o;
	int rc;

	cli_du_dfuse_file(&j->rep, j->file, j->fw_len);
	rc = dfu_session_dfuse_file(s, j->file, j->file_len, !o->no_verify);
	if (rc < 0)
		return engine_fail(j, s, rc);
	cli_du(&j->rep, CLI_DU_FILE_DONE);
	cli_say(&j->rep, "wrote every element of %s%s", o->download,
		o->no_verify ? "" : ", verified by read-back");
	cli_job_result(j, "ok");
	if (o->s.leave) {
		int ex = dfuse_leave(j, s, false, 0);
		if (ex)
			return ex;
		*left = true;
	}
	return 0;
}

/* A raw image at -s ADDRESS[:mass-erase][:leave][:will-reset]. */
static int dfuse_write_raw(struct cli_job *j, struct dfu_session *s, bool *left,
			   struct dfu_return_report *r)
{
	const struct cli_opts *o = j->o;
	struct dfu_dfuse_job job = {
		.address = o->s.address,
		.data = j->file,
		.len = j->fw_len,
		.mass_erase = o->s.mass_erase,
		.verify = !o->no_verify && readable(s, o->s.address),
		.will_reset = o->s.will_reset,
	};
	int rc;

	if (!o->s.have_address) {
		cli_error(&j->rep, "-D %s is a raw image and %04x:%04x is a DfuSe device: give the "
			  "address to write it at, e.g. -s 0x%08X:leave (or use a .dfu file)",
			  o->download, s->dev.vid, s->dev.pid,
			  s->layout_ok && s->layout.nsegments ? s->layout.seg[0].start : 0x08000000u);
		cli_job_result(j, "failed: no address");
		return CLI_EXIT_USAGE;
	}
	if (!job.verify && !o->no_verify)
		cli_note(&j->rep, 0, "0x%08X is not readable on alt %u: not verified",
			 o->s.address, s->alt);
	if (o->s.mass_erase)
		cli_du(&j->rep, CLI_DU_MASS_ERASE);
	cli_du_element(&j->rep, o->s.address, j->fw_len);
	/* The engine writes and reads back; the leave is this file's, so that
	 * dfu-util's lines come in its order (written, then leaving). */
	rc = dfu_session_dfuse_flash(s, &job, r);
	if (rc < 0)
		return engine_fail(j, s, rc);
	cli_du(&j->rep, CLI_DU_DFUSE_SUCCESS);
	if (o->s.leave && !s->gone) {
		int ex = dfuse_leave(j, s, true, o->s.address);
		if (ex)
			return ex;
		rc = dfu_session_await_return(s, r);
		if (rc < 0)
			return engine_fail(j, s, rc);
	}
	if (s->gone && !o->s.leave) {
		cli_say(&j->rep, "wrote %zu bytes at 0x%08X; the device reset itself as "
			"announced (will-reset)", j->fw_len, o->s.address);
		cli_json_event(&j->rep, "written", "\"address\":%u,\"bytes\":%zu,"
			       "\"verified\":false,\"reset_itself\":true,\"requests\":%u",
			       o->s.address, j->fw_len, s->stats.requests);
		cli_job_result(j, "ok, the device reset itself");
		j->reset_itself = true;
		*left = true;
		return 0;
	}
	cli_say(&j->rep, "wrote %zu bytes at 0x%08X%s%s", j->fw_len, o->s.address,
		job.verify ? ", verified by read-back" : "",
		o->s.leave ? (s->left_silently ? "; left DFU mode (the device disconnected "
						 "without answering: that is a success)"
					       : "; left DFU mode")
			   : "");
	cli_json_event(&j->rep, "written", "\"address\":%u,\"bytes\":%zu,\"verified\":%s,"
		       "\"requests\":%u", o->s.address, j->fw_len,
		       job.verify ? "true" : "false", s->stats.requests);
	cli_job_result(j, "ok");
	*left = o->s.leave;
	return 0;
}

/* Whether every range of the image can be read back on this alt. */
static bool image_readable(const struct dfu_session *s, const struct dfu_fw_image *img)
{
	for (size_t i = 0; i < img->nranges; i++)
		if (!readable(s, img->ranges[i].address))
			return false;
	return true;
}

/* An Intel HEX or S-record image, range by range: checked on this alt
 * first (cli_image.c), then only the pages it touches are erased, each
 * range written and read back; :leave goes to -s's address, else to the
 * start of the alt's memory (where main flash keeps the vector table). */
static int dfuse_write_image(struct cli_job *j, struct dfu_session *s, bool *left)
{
	const struct cli_opts *o = j->o;
	const struct dfu_fw_image *img = &j->img;
	const bool verify = !o->no_verify && image_readable(s, img);
	uint32_t leave_at = o->s.have_address ? o->s.address
			    : s->layout_ok && s->layout.nsegments ? s->layout.seg[0].start
								  : img->ranges[0].address;
	char ranges[480], bytes[32];
	int rc, ex = cli_image_check(j, s);

	if (ex)
		return ex;
	if (!verify && !o->no_verify)
		cli_note(&j->rep, 0, "a range of -D %s is not readable on alt %u: not verified",
			 o->download, s->alt);
	if (o->s.mass_erase) {
		cli_du(&j->rep, CLI_DU_MASS_ERASE);
		rc = dfu_session_special(s, DFUSE_MASS_ERASE, 0);
		if (rc < 0)
			return engine_fail(j, s, rc);
	}
	for (size_t i = 0; i < img->nranges; i++)
		cli_du_element(&j->rep, img->ranges[i].address, img->ranges[i].len);
	rc = dfu_session_write_image(s, img, o->s.mass_erase ? DFU_DL_NO_ERASE : 0, verify);
	if (rc < 0)
		return engine_fail(j, s, rc);
	cli_du(&j->rep, CLI_DU_DFUSE_SUCCESS);
	cli_image_ranges_text(img, ranges, sizeof(ranges));
	cli_count_text(img->data_len, bytes, sizeof(bytes));
	cli_say(&j->rep, "wrote %zu range%s, %s bytes: %s%s", img->nranges,
		img->nranges == 1 ? "" : "s", bytes, ranges, verify ? "; verified by read-back" : "");
	cli_json_event(&j->rep, "written", "\"ranges\":%zu,\"bytes\":%zu,\"verified\":%s,"
		       "\"requests\":%u", img->nranges, img->data_len, verify ? "true" : "false",
		       s->stats.requests);
	cli_job_result(j, "ok, %zu ranges", img->nranges);
	if (o->s.leave) {
		ex = dfuse_leave(j, s, true, leave_at);
		if (ex)
			return ex;
		*left = true;
	}
	return 0;
}

/* -s alone: DfuSe command mode (mass erase, leave). */
static int dfuse_commands(struct cli_job *j, struct dfu_session *s, bool *left)
{
	const struct cli_opts *o = j->o;
	int rc;

	if (o->s.mass_erase) {
		cli_du(&j->rep, CLI_DU_MASS_ERASE);
		rc = dfu_session_special(s, DFUSE_MASS_ERASE, 0);
		if (rc < 0)
			return engine_fail(j, s, rc);
		cli_say(&j->rep, "mass erase done");
	}
	cli_du(&j->rep, CLI_DU_COMMAND_MODE);
	if (o->s.leave) {
		int ex = dfuse_leave(j, s, o->s.have_address, o->s.address);
		if (ex)
			return ex;
		*left = true;
	}
	cli_job_result(j, "ok");
	return 0;
}

static int run_dfuse(struct cli_job *j, struct dfu_session *s, bool *left,
		     struct dfu_return_report *r)
{
	const struct cli_opts *o = j->o;
	int rc;

	*left = false;
	if (o->s.unprotect) {
		cli_say(&j->rep, "read unprotect: the chip mass-erases itself and resets");
		rc = dfu_session_special(s, DFUSE_READ_UNPROTECT, 0);
		if (rc < 0)
			return engine_fail(j, s, rc);
		cli_du(&j->rep, CLI_DU_UNPROTECT);
		cli_job_result(j, "ok, unprotected");
		return 0;
	}
	if (j->dfuse_file)
		return dfuse_write_file(j, s, left);
	if (j->by_address)
		return dfuse_write_image(j, s, left);
	if (o->download)
		return dfuse_write_raw(j, s, left, r);
	if (o->upload)
		return dfuse_upload(j, s, left);
	return dfuse_commands(j, s, left);
}

/* ---- plain DFU 1.1 ---- */

struct fd_sink {
	int fd;
	bool ok;
};

static void write_chunk(void *ctx, size_t off, const uint8_t *p, size_t n)
{
	struct fd_sink *k = ctx;
	(void)off;
	if (k->ok && !cli_write_all(k->fd, p, n))
		k->ok = false;
}

/* dfu-util's lines after a plain download: the state manifestation ended
 * in, the reset out of dfuMANIFEST-WAIT-RESET (which the engine did),
 * "Done!". */
static void plain_download_lines(struct cli_job *j, const struct dfu_session *s)
{
	cli_du_state(&j->rep, &s->status);
	if (s->gone && !(s->func.bmAttributes & DFU_ATTR_WILL_DETACH))
		cli_du(&j->rep, CLI_DU_PLAIN_RESET);
	cli_du(&j->rep, CLI_DU_PLAIN_DONE);
}

static int run_plain(struct cli_job *j, struct dfu_session *s, bool *left)
{
	const struct cli_opts *o = j->o;
	int rc;

	*left = false;
	if (o->s.given || j->dfuse_file) {
		cli_error(&j->rep, "%04x:%04x speaks plain DFU 1.1 (bcdDFUVersion 0x%04X), not "
			  "DfuSe: %s; a plain device is written from its start, block 0 on",
			  s->dev.vid, s->dev.pid, s->func.bcdDFUVersion,
			  j->dfuse_file ? "a DfuSe .dfu file cannot be written to it"
					: "drop -s");
		cli_job_result(j, "failed: DfuSe options on a plain DFU device");
		return CLI_EXIT_USAGE;
	}
	if (j->by_address) {
		/* A plain device takes one stream from block 0: the file's
		 * addresses cannot be honoured, and its text must not be written. */
		cli_error(&j->rep, "-D %s is %s, which places bytes by address, and %04x:%04x "
			  "speaks plain DFU 1.1, which is written from its start with no address; "
			  "nothing was written: convert it to the raw image the device expects "
			  "(arm-none-eabi-objcopy -I %s -O binary %s FILE.bin)", o->download,
			  dfu_fw_format_name(j->fw_format), s->dev.vid, s->dev.pid,
			  j->fw_format == DFU_FW_IHEX ? "ihex" : "srec", o->download);
		cli_job_result(j, "refused: %s on a plain DFU device", dfu_fw_format_name(j->fw_format));
		return CLI_EXIT_DATAERR;
	}
	if (o->download) {
		cli_du(&j->rep, CLI_DU_PLAIN_DOWNLOAD);
		rc = dfu_session_dfu_download(s, j->file, j->fw_len);
		if (rc < 0)
			return engine_fail(j, s, rc);
		plain_download_lines(j, s);
		cli_say(&j->rep, "wrote %zu bytes in %zu blocks of %u; manifested%s", j->fw_len,
			(j->fw_len + s->xfer - 1) / s->xfer, s->xfer,
			s->gone ? (s->func.bmAttributes & DFU_ATTR_WILL_DETACH
					   ? "; the device detached itself (bitWillDetach)"
					   : "; reset the device out of dfuMANIFEST-WAIT-RESET")
				: "; the device stays in DFU mode (manifestation-tolerant; -R starts "
				  "the new firmware)");
		cli_json_event(&j->rep, "written", "\"bytes\":%zu,\"blocks\":%zu,"
			       "\"requests\":%u", j->fw_len, (j->fw_len + s->xfer - 1) / s->xfer,
			       s->stats.requests);
		cli_job_result(j, "ok");
		*left = s->gone;
		return 0;
	}
	if (o->upload) {
		struct fd_sink k = { j->upload_fd, true };
		size_t got = 0;
		cli_du(&j->rep, CLI_DU_PLAIN_UPLOAD);
		rc = dfu_session_upload_fn(s, 0, FILE_MAX, write_chunk, &k, &got);
		if (rc < 0)
			return engine_fail(j, s, rc);
		if (!k.ok) {
			cli_error(&j->rep, "cannot write -U %s: %s", o->upload, strerror(errno));
			cli_job_result(j, "failed: writing -U");
			return CLI_EXIT_CANTCREAT;
		}
		cli_du_bar_end(&j->rep, DFU_PHASE_READ, got);
		cli_du_received(&j->rep, got);
		if (got == FILE_MAX)
			cli_say(&j->rep, "stopped the upload at %u MiB: the device never sent a short "
				"block", FILE_MAX >> 20);
		if (o->upload_size >= 0 && (long long)got != o->upload_size)
			cli_say(&j->rep, "read %zu bytes, -Z expected %lld", got, o->upload_size);
		cli_say(&j->rep, "read %zu bytes into %s (until a short block)", got, o->upload);
		cli_json_event(&j->rep, "upload", "\"bytes\":%zu", got);
		cli_job_result(j, "ok, %zu bytes read", got);
	}
	return 0;
}

static bool ids_fit(const struct dfu_suffix *x, int vid, int pid)
{
	return (x->idVendor == DFU_ID_ANY || x->idVendor == vid) &&
	       (x->idProduct == DFU_ID_ANY || x->idProduct == pid);
}

/* dfu-util checks a valid suffix's IDs against the run-time IDs and the
 * DFU-mode device's, and refuses (exit 64) only when both differ
 * ([dfu-util-0.11], files); 0xFFFF matches anything. A device already in
 * DFU mode shows its bootloader's IDs (every STM32: 0483:df11), never its
 * run-time ones, so without -d the suffix's own IDs stand in for those: a
 * suffix then cannot tell the wrong board from the right one, and dfu-flash
 * says so instead of refusing every product-ID suffix. */
static bool suffix_ids_match(struct cli_job *j, const struct dfu_session *s)
{
	const struct dfu_suffix *x = &j->info.suffix;
	int rv = j->rt_vid >= 0 && j->rt_vid != CLI_ID_NONE ? j->rt_vid : s->dev.vid;
	int rp = j->rt_pid >= 0 && j->rt_pid != CLI_ID_NONE ? j->rt_pid : s->dev.pid;

	if (!j->info.has_suffix || ids_fit(x, s->dev.vid, s->dev.pid))
		return true;
	if (ids_fit(x, rv, rp)) {
		if (j->rt_from_file)
			cli_say(&j->rep, "-D %s's DFU suffix names %04x:%04x and the device is in "
				"DFU mode as %04x:%04x, which does not show its run-time IDs: "
				"flashing, as dfu-util does (give -d RUNTIME_VID:PID to check them "
				"before a detach)", j->o->download, x->idVendor, x->idProduct,
				s->dev.vid, s->dev.pid);
		return true;
	}
	cli_error(&j->rep, "-D %s is for %04x:%04x (its DFU suffix says so) and the device is "
		  "%04x:%04x (run-time %04x:%04x); choose the right file or device (-d), or "
		  "rebuild the suffix (dfu-suffix -v -p)", j->o->download, x->idVendor,
		  x->idProduct, s->dev.vid, s->dev.pid, rv & 0xFFFF, rp & 0xFFFF);
	cli_job_result(j, "failed: the file is for %04x:%04x", x->idVendor, x->idProduct);
	return false;
}

/* ---- one device ---- */

static void job_session_opts(struct cli_job *j, struct dfu_session_opts *so)
{
	const struct cli_opts *o = j->o;

	dfu_session_opts_default(so);
	so->force = o->s.force > 0;
	so->transfer_size = (uint16_t)o->transfer_size;
	so->poll_clamp_ms = o->poll == CLI_POLL_CLAMP ? o->poll_clamp_ms : 0;
	so->transcript = cli_transcript;
	so->transcript_ctx = &j->rep;
	so->progress = cli_progress;
	so->progress_ctx = &j->rep;
	if (o->reenum_timeout_ms)
		so->reenum_timeout_ms = o->reenum_timeout_ms;
}

/* The opened device, in words and as the JSON "device" event. */
static void announce_device(struct cli_job *j, const struct dfu_session *s)
{
	char esc[XPORT_STRING_MAX * 2];

	cli_du_opened(&j->rep, s, j->detached, j->o->transfer_size);
	cli_note(&j->rep, 0, "%04x:%04x serial %s at %s, alt %u \"%s\"", s->dev.vid, s->dev.pid,
		 s->dev.serial[0] ? s->dev.serial : "(none)", s->dev.path, s->alt, s->alt_name);
	if (s->note[0])
		cli_say(&j->rep, "%s", s->note);
	cli_json_escape(s->dev.serial, esc, sizeof(esc));
	if (j->rep.json_dev) /* --all put the path and serial in already */
		cli_json_event(&j->rep, "device", "\"vid\":%u,\"pid\":%u,\"alt\":%u",
			       s->dev.vid, s->dev.pid, s->alt);
	else
		cli_json_event(&j->rep, "device", "\"vid\":%u,\"pid\":%u,\"serial\":\"%s\","
			       "\"path\":\"%s\",\"alt\":%u", s->dev.vid, s->dev.pid, esc,
			       s->dev.path, s->alt);
}

/* When the device left (leave, -R, an option-byte write), wait for it to
 * come back and say what it runs. */
static int watch_return(struct cli_job *j, struct dfu_session *s, struct dfu_return_report *r,
			bool left, bool wrote_ob)
{
	int rc;

	if (left && r->kind != DFU_RETURN_NONE)
		return diagnose(j, s, r, false);
	if (!left && !wrote_ob && !j->o->reset)
		return 0;
	if (j->o->reset && !left && !wrote_ob) {
		cli_du(&j->rep, CLI_DU_FINAL_RESET);
		rc = dfu_session_detach_reset(s);
		if (rc < 0)
			return engine_fail(j, s, rc);
	}
	rc = dfu_session_await_return(s, r);
	if (rc < 0)
		return engine_fail(j, s, rc);
	return diagnose(j, s, r, (wrote_ob && !left && !s->wrote_boot_word) || j->reset_itself);
}

/* What the command line asks of the open device: -e, -D/-U/-s, the option
 * bytes, then watching it come back. */
static int run_on_device(struct cli_job *j, struct dfu_session *s, struct dfu_return_report *r)
{
	const struct cli_opts *o = j->o;
	bool left = false, wrote_ob = false;
	int rc, ex;

	if (o->detach) {
		/* Already in DFU mode: dfu-util sends a plain DETACH and only warns. */
		rc = dfu_session_detach_reset(s);
		cli_job_result(j, "ok, detached");
		return rc < 0 ? engine_fail(j, s, rc) : 0;
	}
	if (o->download && !suffix_ids_match(j, s))
		return CLI_EXIT_USAGE;
	if (o->download || o->upload || o->s.given) {
		j->rep.du_bars = true; /* dfu-util's own steps: its bars */
		j->rep.du_dfuse = s->dfuse;
		ex = s->dfuse ? run_dfuse(j, s, &left, r) : run_plain(j, s, &left);
		j->rep.du_bars = false;
		if (ex)
			return ex;
	}
	if (!left && (o->show_options || o->nset_options || o->reload_ob)) {
		ex = option_bytes(j, s, &wrote_ob);
		if (ex)
			return ex;
		if (!wrote_ob)
			cli_job_result(j, "ok");
	}
	return watch_return(j, s, r, left, wrote_ob);
}

int cli_run_one(struct cli_job *j, const struct dfu_match *m)
{
	struct dfu_session *s = calloc(1, sizeof(*s));
	struct dfu_session_opts so;
	struct dfu_return_report *r = calloc(1, sizeof(*r));
	int rc, ex;

	if (!s || !r) {
		free(s);
		free(r);
		cli_error(&j->rep, "out of memory");
		return CLI_EXIT_SOFTWARE;
	}
	job_session_opts(j, &so);
	rc = dfu_session_open(s, j->x, m, &so);
	if (rc < 0) {
		ex = engine_fail(j, s, rc);
	} else {
		announce_device(j, s);
		ex = run_on_device(j, s, r);
	}
	if (j->rep.transcript)
		fflush(j->rep.transcript);
	cli_json_event(&j->rep, "stats", "\"requests\":%u,\"polled_ms\":%llu", s->stats.requests,
		       (unsigned long long)s->stats.polled_ms);
	dfu_session_close(s);
	free(s);
	free(r);
	return ex;
}

/* ---- run-time devices: -e, and detach before a job ---- */

/* DETACH the run-time device `d`, reset it unless it detaches itself
 * (dfu-util -e); 1 when it was detached, a negative dfu_err when it could
 * not be opened. Its IDs become the run-time IDs a -D suffix is checked
 * against. */
struct rt_find {
	const struct dfu_probe_dev *want;
	bool found;
	struct xport_dev_info dev;
};

/* The probed device again, by where it is and its address. */
static int rt_visit(void *ctx, const struct xport_dev_info *d)
{
	struct rt_find *f = ctx;

	if (strcmp(d->path, f->want->path) != 0 || d->devnum != f->want->devnum)
		return 0;
	f->found = true;
	f->dev = *d;
	return 1;
}

static int runtime_detach(struct cli_job *j, const struct dfu_probe_dev *d)
{
	struct rt_find f = { .want = d };
	struct xport_handle *h = NULL;
	struct dfu_setup st;
	int rc;

	xport_enumerate(j->x, rt_visit, &f);
	if (!f.found)
		return DFU_E_NODEV;
	rc = xport_open(j->x, &f.dev, &h);
	if (rc < 0) {
		cli_error(&j->rep, "cannot open the run-time device %04x:%04x at %s: %s", d->vid,
			  d->pid, d->path, dfu_strerror(rc));
		return rc;
	}
	cli_du_runtime(&j->rep, &f.dev, d->rt_intf);
	st = dfu_setup_make(DFU_DETACH, 1000, d->rt_intf, 0);
	rc = xport_control(j->x, h, &st, NULL, NULL, 5000);
	if (rc < 0 && rc != DFU_E_NODEV)
		cli_say(&j->rep, "DFU_DETACH to %04x:%04x at %s: %s (continuing, as dfu-util does)",
			d->vid, d->pid, d->path, xport_result_name(rc));
	cli_du(&j->rep, d->rt_will_detach ? CLI_DU_WILL_DETACH : CLI_DU_RESETTING);
	if (rc != DFU_E_NODEV && !d->rt_will_detach)
		xport_reset(j->x, h);
	xport_close(j->x, h);
	cli_say(&j->rep, "detached %04x:%04x serial %s at %s into DFU mode", d->vid, d->pid,
		d->serial[0] ? d->serial : "(none)", d->path);
	j->rt_vid = d->vid;
	j->rt_pid = d->pid;
	j->rt_from_file = false;
	j->detached = true;
	return 1;
}

/* -w: probe every 20 ms, as dfu-util does, until a DFU interface of either
 * mode matches; other USB devices (hubs, keyboards) never count. Like
 * dfu-util it waits until then, however long (Ctrl-C ends it). */
static int wait_for_device(struct cli_job *j, const struct dfu_match *m, struct dfu_probe *p)
{
	cli_du(&j->rep, CLI_DU_WAITING);
	cli_say(&j->rep, "waiting for a DFU device (run-time or DFU mode) that matches (-w); "
		"Ctrl-C stops");
	for (;;) {
		int rc = dfu_probe(j->x, m, p);
		if (rc < 0)
			return rc;
		if (p->entries)
			return 0;
		xport_sleep_ms(j->x, 20);
	}
}

/* A run-time device among several matching ones: dfu-util stops ("More
 * than one DFU capable USB device found", exit 74) rather than guess,
 * since the detach resets the device and it comes back at a new address.
 * Several DFU-mode devices alone are dfu_session_open()'s to refuse, with
 * the same exit code. */
static int refuse_several(struct cli_job *j, const struct dfu_probe *p)
{
	char list[400];
	size_t len = 0;

	list[0] = '\0';
	for (unsigned i = 0; i < p->ndev && i < DFU_PROBE_MAX; i++) {
		const struct dfu_probe_dev *d = &p->dev[i];
		int w = snprintf(list + len, sizeof(list) - len, "%s%04x:%04x serial %s at %s (%s)",
				 i ? ", " : "", d->vid, d->pid, d->serial[0] ? d->serial : "(none)",
				 d->path, d->runtime ? "run-time" : "DFU mode");
		if (w < 0 || (size_t)w >= sizeof(list) - len)
			break;
		len += (size_t)w;
	}
	cli_error(&j->rep, "%u DFU devices match, %u of them in run-time mode: %s; dfu-flash "
		  "does not guess which to detach or flash: choose one with -S SERIAL, -p PATH "
		  "or -d (-l lists them)", p->ndev, p->nruntime, list);
	cli_job_result(j, "failed: %u matching devices", p->ndev);
	return CLI_EXIT_IOERR;
}

/* ---- main, step by step ---- */

/* argv into *o; -h and -V are answered here. CLI_EXIT_USAGE, or 0 with
 * *stop set when nothing more is to be done. As dfu-util, the banner opens
 * every run whose command line parsed (help and errors come before it, on
 * stderr, as dfu-util has them), and -V is the banner alone; --json and -q
 * keep stdout for JSON or nothing. */
static int parse_command_line(struct cli_opts *o, int argc, char **argv, FILE *out, FILE *err,
			      bool *stop)
{
	char msg[512];
	enum cli_personality p = argc > 0 ? cli_personality_of(argv[0])
					  : CLI_PERSONALITY_DFU_FLASH;

	*stop = true;
	cli_opts_default(o);
	o->personality = p;
	if (cli_parse(o, argc, argv, (const char *const *)environ, msg, sizeof(msg))) {
		fprintf(err, "dfu-flash: %s\n", msg);
		return CLI_EXIT_USAGE;
	}
	o->personality = p;
	if (o->help) {
		cli_usage(p == CLI_PERSONALITY_DFU_UTIL ? err : out);
		return 0;
	}
	if (p == CLI_PERSONALITY_DFU_UTIL && (o->version || (!o->json && !o->quiet)))
		cli_du_banner(out);
	if (o->version) {
		if (p == CLI_PERSONALITY_DFU_FLASH)
			fprintf(out, "dfu-flash %s (the dfu-util 0.11 command line, and more)\n"
				"dfu-util personality: yes (run as dfu-util, it prints dfu-util "
				"0.11's stdout lines)\n", DFULAB_VERSION);
		return 0;
	}
	*stop = false;
	return 0;
}

/* How the output looks (--json, -q, -v, the bar) and --transcript FILE. */
static int open_report(struct cli_job *j)
{
	const struct cli_opts *o = j->o;

	j->rep.json = o->json;
	j->rep.quiet = o->quiet;
	j->rep.verbose = o->verbose;
	/* As dfu-util, the bar is dfu-util's, on stdout; dfu-flash's own (on
	 * stderr) only with --progress. --all's devices would interleave the
	 * lines of several runs, so it keeps dfu-flash's output. */
	j->rep.dfu_util = o->personality == CLI_PERSONALITY_DFU_UTIL && !o->json && !o->quiet &&
			  !o->all;
	j->rep.du_phase = -1;
	j->rep.bar = !o->json && !o->quiet &&
		     (o->progress || (!j->rep.dfu_util && isatty(fileno(j->rep.err))));
	if (o->transcript) {
		j->rep.transcript = fopen(o->transcript, "w");
		if (!j->rep.transcript) {
			cli_error(&j->rep, "cannot create --transcript %s: %s", o->transcript,
				  strerror(errno));
			return CLI_EXIT_CANTCREAT;
		}
	}
	return 0;
}

/* Files before any USB traffic, as dfu-util does. */
static int load_files(struct cli_job *j)
{
	int ex;

	if (j->o->download && (ex = load_download(j)) != 0)
		return ex;
	if (j->o->upload && (ex = create_upload(j)) != 0)
		return ex;
	return 0;
}

/* The caller's transport, or the one the command line chooses, opened
 * into *inst; *kind is what closes it (NULL: nothing to close). */
static int open_transport(struct cli_job *j, const struct xport *preset,
			  const struct cli_xport_kind **kind, struct cli_xport_inst *inst)
{
	const struct cli_opts *o = j->o;
	char msg[512];
	int ex;

	if (preset) {
		j->x = preset;
	} else {
		*kind = cli_xport_at(o->xport >= 0 ? (size_t)o->xport : 0);
		if ((*kind)->open(o->xport_arg, inst, msg, sizeof(msg)) < 0) {
			cli_error(&j->rep, "%s", msg);
			ex = (*kind)->option ? CLI_EXIT_USAGE : CLI_EXIT_SOFTWARE;
			*kind = NULL;
			return ex;
		}
		j->x = &inst->x;
	}
	j->rep.x = j->x;
	return 0;
}

/* -l */
static int list_devices(struct cli_job *j)
{
	int n = cli_list(j->x, j->o, j->rep.out, j->rep.err);

	if (n < 0) {
		cli_error(&j->rep, "cannot list devices on the %s transport: %s", j->x->ops->name,
			  dfu_strerror(n));
		return cli_exit_for(n);
	}
	if (n == 0) {
		const char *why = xport_why_none(j->x);
		cli_say(&j->rep, "no DFU device found on the %s transport%s%s", j->x->ops->name,
			why[0] ? ": " : "", why);
	}
	return 0;
}

/* The first run-time device the probe kept. */
static const struct dfu_probe_dev *probed_runtime(const struct dfu_probe *p)
{
	for (unsigned i = 0; i < p->ndev && i < DFU_PROBE_MAX; i++)
		if (p->dev[i].runtime)
			return &p->dev[i];
	return NULL;
}

/* -w, then -e, or the detach a run-time device needs before a job, all
 * decided from one probe (enumeration only: no request is sent before the
 * detach). *stop set: -e is done (or failed), or the match is refused,
 * with this exit code. */
static int wait_and_detach(struct cli_job *j, const struct dfu_match *m, bool *stop)
{
	const struct cli_opts *o = j->o;
	const struct dfu_probe_dev *rt;
	struct dfu_probe *p = calloc(1, sizeof(*p));
	int rc = 0, ex = 0;

	*stop = false;
	if (!p) {
		*stop = true;
		cli_error(&j->rep, "out of memory");
		return CLI_EXIT_SOFTWARE;
	}
	rc = o->wait ? wait_for_device(j, m, p) : dfu_probe(j->x, m, p);
	if (rc < 0) {
		*stop = true;
		cli_error(&j->rep, "cannot list USB devices on the %s transport: %s",
			  j->x->ops->name, dfu_strerror(rc));
		ex = cli_exit_for(rc);
		goto out;
	}
	for (unsigned i = 0; i < p->nunopened && i < DFU_PROBE_MAX; i++)
		cli_warn_unopened(j->rep.err, &p->unopened[i]);
	if (!o->all && p->nruntime && p->ndev > 1) {
		*stop = true;
		ex = refuse_several(j, p);
		goto out;
	}
	rt = p->ndfu ? NULL : probed_runtime(p);
	if (o->detach) {
		if (rt) {
			rc = runtime_detach(j, rt);
			*stop = true;
			ex = rc < 0 ? cli_exit_for(rc) : 0;
		}
		/* No run-time device: a DFU-mode one gets a plain DETACH. */
	} else if (rt && (o->download || o->upload || o->s.given)) {
		/* A run-time device first detaches, then dfu-flash waits -E s. */
		rc = runtime_detach(j, rt);
		if (rc < 0) {
			*stop = true;
			ex = cli_exit_for(rc);
		} else {
			cli_say(&j->rep, "waiting %u s for the DFU-mode device (-E)",
				o->detach_delay_s);
			xport_sleep_ms(j->x, o->detach_delay_s * 1000u);
		}
	}
out:
	free(p);
	return ex;
}

/* The job on the device, or on each with --all; the JSON result; a failed
 * -U leaves no partial file behind. */
static int run_job(struct cli_job *j, const struct dfu_match *m,
		   const struct cli_xport_kind **kind, struct cli_xport_inst *inst)
{
	const struct cli_opts *o = j->o;
	int ex = o->all ? cli_run_all(j, m, kind, inst) : cli_run_one(j, m);

	if (o->json) {
		char esc[sizeof(j->result) * 2];
		cli_json_escape(j->result, esc, sizeof(esc));
		cli_json_event(&j->rep, "result", "\"exit\":%d,\"result\":\"%s\"", ex, esc);
	}
	if (ex && o->upload && j->upload_fd >= 0) {
		close(j->upload_fd);
		j->upload_fd = -1;
		unlink(o->upload); /* do not leave a partial upload behind */
	}
	return ex;
}

/* Close what the run opened. */
static void finish(struct cli_job *j, const struct cli_xport_kind *kind,
		   struct cli_xport_inst *inst)
{
	if (j->upload_fd >= 0)
		close(j->upload_fd);
	if (j->rep.transcript)
		fclose(j->rep.transcript);
	if (kind)
		kind->close(inst);
	free(j->file);
	cli_image_free(j);
}

int dfu_flash_run(int argc, char **argv, FILE *out, FILE *err, const struct xport *preset)
{
	struct cli_opts *o = calloc(1, sizeof(*o));
	struct cli_job *j = calloc(1, sizeof(*j));
	struct cli_xport_inst inst = { 0 };
	const struct cli_xport_kind *kind = NULL;
	struct dfu_match m;
	bool stop = false;
	int ex;

	if (!o || !j) {
		free(o);
		free(j);
		fprintf(err, "dfu-flash: out of memory\n");
		return CLI_EXIT_SOFTWARE;
	}
	j->o = o;
	j->upload_fd = -1;
	j->rep.out = out;
	j->rep.err = err;
	ex = parse_command_line(o, argc, argv, out, err, &stop);
	if (ex || stop)
		goto done;
	if ((ex = open_report(j)) != 0 || (ex = load_files(j)) != 0 ||
	    (ex = open_transport(j, preset, &kind, &inst)) != 0)
		goto done;
	if (o->list) {
		ex = list_devices(j);
		goto done;
	}
	make_match(j, &m);
	ex = wait_and_detach(j, &m, &stop);
	if (!stop)
		ex = run_job(j, &m, &kind, &inst);
done:
	finish(j, kind, &inst);
	free(j);
	free(o);
	return ex;
}

int dfu_flash_main(int argc, char **argv, FILE *out, FILE *err)
{
	return dfu_flash_run(argc, argv, out, err, NULL);
}
