/*
 * cli_image.c - dfu-flash -D with a firmware file that carries its own
 * addresses: which format a file is, loading Intel HEX and S-records into a
 * sparse image, and the checks made before a byte of it is written.
 *
 * The format comes from the content (core's dfu_fw_detect); the extension
 * is only a hint, and a hint the content contradicts is an error naming
 * both, because a .bin that holds HEX text written byte for byte puts ASCII
 * where the vector table belongs and the chip locks up at its next boot.
 * DfuSe .dfu files and raw binaries are not this file's: they go on through
 * cli_run.c exactly as before. ELF is refused for now with the command that
 * converts it. Everything here happens before the first USB request
 * (loading) or after the device is open but before the first erase (the
 * memory-map and vector-table checks).
 *
 * -s with such a file: only its modifiers are used (:leave, :mass-erase,
 * :force); an address, when given, must be the image's first address,
 * and a different one is refused naming both, since the file already says
 * where every byte goes. :will-reset (one raw block that resets the chip,
 * an option-byte write) has no meaning for ranges and is refused.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dfu/bytes.h"
#include "host/cortexm_vectors.h"
#include "cli_internal.h"

/* ---- what the name says ---- */

struct ext_hint {
	const char *ext;
	enum dfu_fw_format fmt;
};

static const struct ext_hint ext_hints[] = {
	{ ".hex", DFU_FW_IHEX }, { ".ihex", DFU_FW_IHEX },
	{ ".s19", DFU_FW_SREC }, { ".s28", DFU_FW_SREC }, { ".s37", DFU_FW_SREC },
	{ ".srec", DFU_FW_SREC },
	{ ".elf", DFU_FW_ELF },
	{ ".bin", DFU_FW_RAW },
};

/* The format the file name's extension suggests; false when it suggests
 * none (stdin, no extension, .dfu and anything else). */
static bool hint_of(const char *name, enum dfu_fw_format *fmt, const char **ext)
{
	const char *dot = strrchr(name, '.');

	if (!dot || strchr(dot, '/'))
		return false;
	for (size_t i = 0; i < sizeof(ext_hints) / sizeof(ext_hints[0]); i++) {
		const char *e = ext_hints[i].ext;
		size_t k = 0;
		while (e[k] && dot[k] && tolower((unsigned char)dot[k]) == e[k])
			k++;
		if (!e[k] && !dot[k]) {
			*fmt = ext_hints[i].fmt;
			*ext = e;
			return true;
		}
	}
	return false;
}

static bool is_text_format(enum dfu_fw_format f)
{
	return f == DFU_FW_IHEX || f == DFU_FW_SREC;
}

/* The extension and the content disagree: 0 when they do not. */
static int check_hint(struct cli_job *j, const char *name, enum dfu_fw_format fmt)
{
	enum dfu_fw_format hint;
	const char *ext;

	if (!hint_of(name, &hint, &ext) || hint == fmt)
		return 0;
	if (hint == DFU_FW_RAW && (fmt == DFU_FW_RAW || fmt == DFU_FW_DFUSE))
		return 0; /* a .dfu named .bin stays as dfu-util reads it: by its suffix */
	if (hint == DFU_FW_RAW) {
		uint32_t sp = j->file_len >= 4 ? dfu_get_le32(j->file) : 0;
		cli_error(&j->rep, "-D %s: its name says raw binary (%s) but it is %s%s, not raw "
			  "firmware: written byte for byte, its first word 0x%08X would become "
			  "the initial stack pointer and the chip would lock up at its next boot; "
			  "%s", name, ext, dfu_fw_format_name(fmt),
			  fmt == DFU_FW_ELF ? " (an executable)" : " text", sp,
			  fmt == DFU_FW_ELF ? "convert it: arm-none-eabi-objcopy -O ihex FILE.elf "
					      "FILE.hex, and give dfu-flash the .hex"
					    : "give it its own extension (.hex or .s19) and dfu-flash "
					      "loads it by address");
	} else {
		cli_error(&j->rep, "-D %s: its name says %s (%s) but its content is %s; check "
			  "that it is the file you meant, or rename it", name,
			  dfu_fw_format_name(hint), ext, fmt == DFU_FW_RAW ? "a raw binary (no record on its first line)"
					     : dfu_fw_format_name(fmt));
	}
	cli_job_result(j, "refused: %s", name);
	return CLI_EXIT_DATAERR;
}

/* ---- loading ---- */

static int load_text(struct cli_job *j, const char *name, enum dfu_fw_format fmt)
{
	struct dfu_diag d = { 0 };
	size_t max_ranges, max_bytes;
	int rc;

	dfu_fw_bounds(j->file_len, &max_ranges, &max_bytes);
	j->img_ranges = calloc(max_ranges, sizeof(*j->img_ranges));
	j->img_data = malloc(max_bytes);
	if (!j->img_ranges || !j->img_data) {
		cli_error(&j->rep, "-D %s: out of memory loading %zu bytes of %s", name,
			  j->file_len, dfu_fw_format_name(fmt));
		return CLI_EXIT_SOFTWARE;
	}
	dfu_fw_image_init(&j->img, j->img_ranges, max_ranges, j->img_data, max_bytes);
	rc = fmt == DFU_FW_IHEX ? dfu_fw_load_ihex(&j->img, j->file, j->file_len, &d)
				: dfu_fw_load_srec(&j->img, j->file, j->file_len, &d);
	if (rc < 0) {
		cli_error(&j->rep, "-D %s (%s): %s (byte offset %zu); nothing was written: fix the "
			  "file or build it again", name, dfu_fw_format_name(fmt), d.msg, d.offset);
		cli_job_result(j, "refused: bad %s file", dfu_fw_format_name(fmt));
		return CLI_EXIT_DATAERR;
	}
	if (j->img.nranges == 0) {
		cli_error(&j->rep, "-D %s (%s) holds no data records; nothing to write", name,
			  dfu_fw_format_name(fmt));
		cli_job_result(j, "refused: no data");
		return CLI_EXIT_DATAERR;
	}
	return 0;
}

/* -s with a file that carries its addresses (see the header). */
static int check_spec(struct cli_job *j, const char *name)
{
	const struct cli_dfuse_spec *sp = &j->o->s;
	uint32_t first = j->img.ranges[0].address;

	if (sp->given && sp->will_reset) {
		cli_error(&j->rep, "-D %s is %s, written range by range: -s :will-reset is for one "
			  "raw block that resets the chip (an option-byte write); drop it",
			  name, dfu_fw_format_name(j->fw_format));
		return CLI_EXIT_USAGE;
	}
	if (sp->given && sp->have_address && sp->address != first) {
		cli_error(&j->rep, "-D %s is %s and starts at 0x%08X, but -s says 0x%08X: the file "
			  "places every byte itself; drop the address from -s (keep its modifiers, "
			  "e.g. -s :leave) or give -s 0x%08X", name,
			  dfu_fw_format_name(j->fw_format), first, sp->address, first);
		return CLI_EXIT_USAGE;
	}
	return 0;
}

int cli_image_load(struct cli_job *j, const char *name)
{
	enum dfu_fw_format fmt = dfu_fw_detect(j->file, j->file_len);
	int ex = check_hint(j, name, fmt);

	if (ex)
		return ex;
	if (fmt == DFU_FW_ELF) {
		cli_error(&j->rep, "-D %s is an ELF executable, which dfu-flash does not load yet; "
			  "convert it: arm-none-eabi-objcopy -O ihex %s FILE.hex, then flash "
			  "FILE.hex (loaded by address)", name, name);
		cli_job_result(j, "refused: ELF");
		return CLI_EXIT_DATAERR;
	}
	if (!is_text_format(fmt))
		return 0;
	j->fw_format = fmt;
	ex = load_text(j, name, fmt);
	if (ex)
		return ex;
	j->by_address = true;
	ex = check_spec(j, name);
	if (ex)
		return ex;
	cli_note(&j->rep, 1, "-D %s is %s: %zu ranges, %zu bytes, written by address", name,
		 dfu_fw_format_name(fmt), j->img.nranges, j->img.data_len);
	return 0;
}

void cli_image_free(struct cli_job *j)
{
	free(j->img_ranges);
	free(j->img_data);
	j->img_ranges = NULL;
	j->img_data = NULL;
}

/* ---- words ---- */

void cli_image_ranges_text(const struct dfu_fw_image *img, char *out, size_t cap)
{
	size_t len = 0;

	out[0] = '\0';
	for (size_t i = 0; i < img->nranges; i++) {
		const struct dfu_fw_range *r = &img->ranges[i];
		char one[40];
		size_t n = (size_t)snprintf(one, sizeof(one), "%s0x%08X-0x%08X", i ? ", " : "",
					     r->address, (uint32_t)(r->address + (r->len - 1)));
		if (len + n + 24 >= cap) {
			snprintf(out + len, cap - len, ", ... (%zu more)", img->nranges - i);
			return;
		}
		memcpy(out + len, one, n + 1);
		len += n;
	}
}

void cli_count_text(size_t n, char *out, size_t cap)
{
	char digits[32];
	size_t nd = (size_t)snprintf(digits, sizeof(digits), "%zu", n), o = 0;

	for (size_t i = 0; i < nd && o + 1 < cap; i++) {
		if (i && (nd - i) % 3 == 0 && o + 2 < cap)
			out[o++] = ',';
		out[o++] = digits[i];
	}
	out[o] = '\0';
}

/* ---- checks on the open device ---- */

/* The alt's layout name without the ROM's trailing spaces is `want`. */
static bool alt_is(const struct dfu_session *s, const char *want)
{
	size_t n = strlen(s->layout.name), w = strlen(want);

	while (n > 0 && s->layout.name[n - 1] == ' ')
		n--;
	return n == w && memcmp(s->layout.name, want, n) == 0;
}

/* The writable segments of the alt, "0x08000000-0x0801FFFF, ...". */
static void writable_text(const struct dfu_session *s, char *out, size_t cap)
{
	size_t len = 0;

	out[0] = '\0';
	for (size_t i = 0; i < s->layout.nsegments && len + 1 < cap; i++) {
		const struct dfuse_segment *g = &s->layout.seg[i];
		int n;
		if (!(g->type & DFUSE_MEM_WRITEABLE))
			continue;
		n = snprintf(out + len, cap - len, "%s0x%08X-0x%08X", len ? ", " : "", g->start,
			     g->end);
		if (n < 0 || (size_t)n >= cap - len)
			break;
		len += (size_t)n;
	}
	if (!out[0])
		snprintf(out, cap, "none");
}

/* The first byte of `r` outside every writable segment, if any. */
static bool first_outside(const struct dfu_session *s, const struct dfu_fw_range *r,
			  uint32_t *at)
{
	uint64_t a = r->address, end = (uint64_t)r->address + r->len - 1;

	while (a <= end) {
		const struct dfuse_segment *g = dfuse_layout_find(&s->layout, (uint32_t)a);
		if (!g || !(g->type & DFUSE_MEM_WRITEABLE)) {
			*at = (uint32_t)a;
			return true;
		}
		a = (uint64_t)g->end + 1;
	}
	return false;
}

static int check_ranges(struct cli_job *j, const struct dfu_session *s)
{
	const char *name = j->o->download;
	char segs[300];

	if (j->o->s.force)
		return 0; /* :force: as for a raw image, the memory map is not checked */
	if (!s->layout_ok) {
		cli_error(&j->rep, "-D %s: alt %u's name \"%.80s\" is not a DfuSe memory layout, so "
			  "dfu-flash cannot check the file's addresses or find the pages to erase; "
			  "choose the flash alt with -a, or add -s :force", name, s->alt, s->alt_name);
		return CLI_EXIT_USAGE;
	}
	for (size_t i = 0; i < j->img.nranges; i++) {
		const struct dfu_fw_range *r = &j->img.ranges[i];
		uint32_t at;
		if (!first_outside(s, r, &at))
			continue;
		writable_text(s, segs, sizeof(segs));
		cli_error(&j->rep, "-D %s: the range 0x%08X-0x%08X does not fit alt %u \"%.60s\": "
			  "its byte 0x%08X is outside every writable segment (%s); nothing was "
			  "written: check the file's addresses or choose the alt with -a", name,
			  r->address, (uint32_t)(r->address + (r->len - 1)), s->alt,
			  s->layout.name, at, segs);
		cli_job_result(j, "refused: 0x%08X outside the memory map", at);
		return CLI_EXIT_DATAERR;
	}
	return 0;
}

/* An image that places the first byte of main flash carries the vector
 * table the chip boots from: its first two words must be able to start it. */
static int check_vectors(struct cli_job *j, const struct dfu_session *s)
{
	const char *name = j->o->download;
	uint32_t base, last;
	uint8_t w[8];
	char why[200];
	bool whole = true, ok;

	if (!s->layout_ok || s->layout.nsegments == 0 || !alt_is(s, "Internal Flash"))
		return 0;
	base = s->layout.seg[0].start;
	last = s->layout.seg[s->layout.nsegments - 1].end;
	if (!dfu_fw_image_byte(&j->img, base, &w[0]))
		return 0;
	for (unsigned i = 1; i < sizeof(w); i++)
		whole = whole && dfu_fw_image_byte(&j->img, base + i, &w[i]);
	if (whole)
		ok = host_cm_vectors_plausible(dfu_get_le32(w), dfu_get_le32(w + 4), base, last, why,
					       sizeof(why));
	else
		ok = false, snprintf(why, sizeof(why), "it places fewer than the 8 bytes of the "
				     "initial SP and reset vector at 0x%08X", base);
	if (ok)
		return 0;
	if (j->o->force_image) {
		cli_say(&j->rep, "-D %s: its vector table at 0x%08X is not plausible: %s; writing "
			"it anyway (--force-image): the chip will lock up after its next boot",
			name, base, why);
		return 0;
	}
	cli_error(&j->rep, "-D %s: its vector table at the start of main flash (0x%08X) is not "
		  "plausible: %s; written, the chip would lock up after its next boot (a fault at "
		  "reset, with nothing to handle it); nothing was written: check the file, or give "
		  "--force-image to write it anyway", name, base, why);
	cli_job_result(j, "refused: implausible vector table");
	return CLI_EXIT_DATAERR;
}

int cli_image_check(struct cli_job *j, const struct dfu_session *s)
{
	int ex = check_ranges(j, s);

	return ex ? ex : check_vectors(j, s);
}
