/*
 * board_spec.c - the board specification grammar: one table of keys, one
 * table of quirks, and the setters the rows point at. dfu-sim's flags,
 * dfu-flash's --sim and a scenario's chip line all come through here, so a
 * key's name, values, default and message are written once.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "dfu/error.h"
#include "sim/board_spec.h"

/* ---- the quirks ---- */

static const struct sim_board_quirk quirks[] = {
	{ "erase-stall", SIM_QUIRK_ERASE_STALL,
	  "bwPollTimeout too short; GETSTATUS stalls mid-erase" },
	{ "xfer-1024", SIM_QUIRK_XFER_1024, "early L43x ROM: blocks above 1024 bytes corrupt" },
	{ "leave-no-status", SIM_QUIRK_LEAVE_NO_STATUS,
	  "disconnects before answering the GETSTATUS after leave" },
	{ "shared-serial", SIM_QUIRK_SHARED_SERIAL, "every board shows the same serial number" },
	{ "layout-garbage", SIM_QUIRK_LAYOUT_GARBAGE, "garbage after the layout string" },
	{ "ob-power-loss", SIM_QUIRK_OB_POWER_LOSS, "option-byte write interrupted by power loss" },
};
#define NQUIRKS (sizeof(quirks) / sizeof(quirks[0]))

size_t sim_board_quirk_count(void)
{
	return NQUIRKS;
}

const struct sim_board_quirk *sim_board_quirk_at(size_t i)
{
	return i < NQUIRKS ? &quirks[i] : NULL;
}

const struct sim_board_quirk *sim_board_quirk_find(const char *name)
{
	for (size_t i = 0; i < NQUIRKS; i++)
		if (strcasecmp(name, quirks[i].name) == 0)
			return &quirks[i];
	return NULL;
}

const char *sim_board_quirk_name(unsigned bit)
{
	for (size_t i = 0; i < NQUIRKS; i++)
		if (quirks[i].bit == bit)
			return quirks[i].name;
	return NULL;
}

/* ---- messages ---- */

/* What a setter needs to write its sentence in the front end's syntax. */
struct say {
	enum sim_board_spec_form form;
	const char *key, *value;
	char *msg;
	size_t cap;
};

static const char *flag_prefix(enum sim_board_spec_form form)
{
	return form == SIM_BOARD_SPEC_FORM_FLAGS ? "--" : "";
}

/* "count=0: give ..." / "--count 0: give ..." / "count 0: give ..." */
static int bad(const struct say *y, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int bad(const struct say *y, const char *fmt, ...)
{
	const char *v = y->value && *y->value ? y->value : "\"\"";
	int n;
	va_list ap;

	n = snprintf(y->msg, y->cap, "%s%s%s%s: ", flag_prefix(y->form), y->key,
		     y->form == SIM_BOARD_SPEC_FORM_LIST ? "=" : " ", v);
	if (n >= 0 && (size_t)n < y->cap) {
		va_start(ap, fmt);
		vsnprintf(y->msg + n, y->cap - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return DFU_E_USAGE;
}

static int parse_ulong(const char *v, unsigned long max, unsigned long *out)
{
	char *end;

	if (!v || !*v || *v == '-' || *v == '+')
		return -1;
	errno = 0;
	*out = strtoul(v, &end, 0);
	return (errno || *end || *out > max) ? -1 : 0;
}

static int parse_bit(const char *v, bool *out)
{
	if (strcmp(v, "0") != 0 && strcmp(v, "1") != 0)
		return -1;
	*out = v[0] == '1';
	return 0;
}

/* ---- the setters ---- */

static int set_chip(struct sim_board_spec *s, const struct say *y)
{
	const struct l4_profile *p;
	char known[256] = "";
	size_t len = 0;

	if (strcasecmp(y->value, SIM_BOARD_SPEC_DFU11) == 0) {
		s->kind = SIM_BOARD_KIND_DFU11;
		s->profile = NULL;
		return 0;
	}
	p = l4_profile_find(y->value);
	if (p && !p->supported)
		return bad(y, "not supported: %s", p->unsupported_reason);
	if (p) {
		s->kind = SIM_BOARD_KIND_L4;
		s->profile = p;
		return 0;
	}
	for (size_t i = 0; i < l4_profile_count() && len < sizeof(known); i++) {
		int w;

		if (!l4_profile_at(i)->supported)
			continue;
		w = snprintf(known + len, sizeof(known) - len, "%s, ", l4_profile_at(i)->name);
		if (w > 0)
			len += (size_t)w;
	}
	return bad(y, "no such chip; known: %s" SIM_BOARD_SPEC_DFU11
		   " (a generic DFU 1.1 device); 'dfu-sim --list-chips' describes them", known);
}

static int set_count(struct sim_board_spec *s, const struct say *y)
{
	unsigned long n;

	if (parse_ulong(y->value, SIM_BOARD_SPEC_MAX_COUNT, &n) < 0 || n == 0)
		return bad(y, "give a number of boards from 1 to %d", SIM_BOARD_SPEC_MAX_COUNT);
	s->count = (unsigned)n;
	return 0;
}

static int set_serial(struct sim_board_spec *s, const struct say *y)
{
	/* --sim's older spelling of the shared-serial quirk */
	if (strcmp(y->value, "shared") == 0) {
		s->quirks |= SIM_QUIRK_SHARED_SERIAL;
		return 0;
	}
	if (s->nserials == SIM_BOARD_SPEC_MAX_COUNT)
		return bad(y, "more serials than the %d boards there can be",
			   SIM_BOARD_SPEC_MAX_COUNT);
	if (!*y->value || strlen(y->value) > SIM_BOARD_SPEC_SERIAL_MAX)
		return bad(y, "give 1 to %d characters (or \"shared\": one serial for every board)",
			   SIM_BOARD_SPEC_SERIAL_MAX);
	snprintf(s->serials[s->nserials++], sizeof(s->serials[0]), "%s", y->value);
	return 0;
}

static int set_app(struct sim_board_spec *s, const struct say *y)
{
	if (strcmp(y->value, "silent") == 0)
		s->app = SIM_APP_SILENT;
	else if (strcmp(y->value, "dfu-runtime") == 0 || strcmp(y->value, "runtime") == 0)
		s->app = SIM_APP_DFU_RUNTIME;
	else
		return bad(y, "not an application model; use silent or dfu-runtime (or runtime)");
	return 0;
}

static int set_boot0(struct sim_board_spec *s, const struct say *y)
{
	if (parse_bit(y->value, &s->boot0) < 0)
		return bad(y, "the BOOT0 pin is 0 or 1");
	return 0;
}

static int set_timing(struct sim_board_spec *s, const struct say *y)
{
	if (strcmp(y->value, "instant") == 0)
		s->timing = SIM_TIMING_INSTANT;
	else if (strcmp(y->value, "datasheet") == 0)
		s->timing = SIM_TIMING_DATASHEET;
	else
		return bad(y, "not a timing mode; use instant or datasheet");
	return 0;
}

static int set_leave(struct sim_board_spec *s, const struct say *y)
{
	if (strcmp(y->value, "reset") == 0)
		s->leave = L4_LEAVE_RESET;
	else if (strcmp(y->value, "jump") == 0)
		s->leave = L4_LEAVE_JUMP;
	else
		return bad(y, "not a leave action; use reset or jump");
	s->leave_set = true;
	return 0;
}

static int set_ob_reset(struct sim_board_spec *s, const struct say *y)
{
	if (strcmp(y->value, "option-load") == 0)
		s->ob_reset = L4_OB_RESET_OPTION_LOAD;
	else if (strcmp(y->value, "system") == 0)
		s->ob_reset = L4_OB_RESET_SYSTEM;
	else
		return bad(y, "not a reset kind; use option-load or system");
	s->ob_reset_set = true;
	return 0;
}

static int set_quirk(struct sim_board_spec *s, const struct say *y)
{
	const struct sim_board_quirk *q = sim_board_quirk_find(y->value);
	char known[256] = "";
	size_t len = 0;

	if (q) {
		s->quirks |= q->bit;
		return 0;
	}
	for (size_t i = 0; i < NQUIRKS && len < sizeof(known); i++) {
		int w = snprintf(known + len, sizeof(known) - len, "%s%s", i ? ", " : "",
				 quirks[i].name);
		if (w > 0)
			len += (size_t)w;
	}
	return bad(y, "no such quirk; known quirks: %s", known);
}

/* FILE or FILE@ADDR. An '@' that is part of an existing file's name stays
 * in the name. */
static int set_image(struct sim_board_spec *s, const struct say *y)
{
	const char *at = strrchr(y->value, '@');
	size_t flen = at ? (size_t)(at - y->value) : strlen(y->value);
	unsigned long addr = 0;

	if (!*y->value)
		return bad(y, "give a file name: a raw binary (FILE@ADDR) or a DfuSe .dfu file");
	if (strlen(y->value) >= sizeof(s->image))
		return bad(y, "a file name of at most %d bytes", SIM_BOARD_SPEC_IMAGE_MAX - 1);
	if (at && parse_ulong(at + 1, UINT32_MAX, &addr) < 0) {
		if (access(y->value, F_OK) != 0)
			return bad(y, "\"%s\" after '@' is not an address; write FILE@0x08000000",
				   at + 1);
		at = NULL;
		flen = strlen(y->value);
	}
	if (at && flen == 0)
		return bad(y, "no file name before '@'; write FILE@0x08000000");
	memcpy(s->image, y->value, flen);
	s->image[flen] = 0;
	s->image_addr_set = at != NULL;
	s->image_addr = (uint32_t)addr;
	return 0;
}

static int set_manifest(struct sim_board_spec *s, const struct say *y)
{
	if (strcmp(y->value, "tolerant") == 0)
		s->dfu11.manifest_tolerant = true;
	else if (strcmp(y->value, "wait-reset") == 0)
		s->dfu11.manifest_tolerant = false;
	else
		return bad(y, "use tolerant (bitManifestationTolerant) or wait-reset");
	return 0;
}

static int set_will_detach(struct sim_board_spec *s, const struct say *y)
{
	if (parse_bit(y->value, &s->dfu11.will_detach) < 0)
		return bad(y, "bitWillDetach is 0 or 1");
	return 0;
}

static int set_upload(struct sim_board_spec *s, const struct say *y)
{
	if (parse_bit(y->value, &s->dfu11.can_upload) < 0)
		return bad(y, "bitCanUpload is 0 or 1");
	return 0;
}

static int set_xfer(struct sim_board_spec *s, const struct say *y)
{
	unsigned long n;

	if (parse_ulong(y->value, SIM_DFU11_XFER_MAX, &n) < 0)
		return bad(y, "wTransferSize is a number from 0 to %d", SIM_DFU11_XFER_MAX);
	s->dfu11.transfer_size = (uint16_t)n;
	return 0;
}

static int set_mps0(struct sim_board_spec *s, const struct say *y)
{
	unsigned long n;

	if (parse_ulong(y->value, 64, &n) < 0 || (n != 8 && n != 16 && n != 32 && n != 64))
		return bad(y, "bMaxPacketSize0 is 8, 16, 32 or 64");
	s->dfu11.max_packet0 = (uint8_t)n;
	return 0;
}

/* ---- the keys ---- */

#define FOR_L4 (1u << SIM_BOARD_KIND_L4)
#define FOR_DFU11 (1u << SIM_BOARD_KIND_DFU11)
#define FOR_ALL (FOR_L4 | FOR_DFU11)

struct key {
	const char *name;
	const char *arg;	/* what the value looks like */
	const char *dflt;
	const char *help;
	unsigned kinds;		/* FOR_* */
	int (*set)(struct sim_board_spec *s, const struct say *y);
};

static const struct key keys[] = {
	{ "chip", "NAME", SIM_BOARD_SPEC_DEFAULT_CHIP,
	  "an STM32L4 profile (dfu-sim --list-chips) or dfu11, a generic DFU 1.1 device", FOR_ALL,
	  set_chip },
	{ "count", "N", "1", "number of boards, 1-32", FOR_ALL, set_count },
	{ "serial", "TEXT", "from the chip's UID; dfu11: DFU11-000N",
	  "serial number of the next board (repeatable); \"shared\": the shared-serial quirk",
	  FOR_ALL, set_serial },
	{ "app", "silent|dfu-runtime", "silent; dfu11: starts in DFU mode",
	  "a valid application runs off the bus, or exposes a DFU run-time interface (DETACH "
	  "enters DFU mode; runtime is the same); dfu11: dfu-runtime starts in the application",
	  FOR_ALL, set_app },
	{ "boot0", "0|1", "0", "BOOT0 pin level of every board", FOR_L4, set_boot0 },
	{ "timing", "instant|datasheet", "instant",
	  "operations take no time, or the profile's flash timings (reported in bwPollTimeout)",
	  FOR_L4, set_timing },
	{ "leave", "reset|jump", "the profile's: reset on L41x/L42x",
	  "what the ROM does on DFU leave", FOR_L4, set_leave },
	{ "ob-reset", "option-load|system", "option-load",
	  "the ROM's reset after an option-byte write or Read Unprotect (option-load re-samples "
	  "PEMPTY)",
	  FOR_L4, set_ob_reset },
	{ "quirk", "NAME", "none", "a fault profile from field reports, repeatable; one of those below", FOR_L4,
	  set_quirk },
	{ "image", "FILE[@ADDR]", "none: virgin flash, all 0xFF",
	  "initial main flash: a raw binary at ADDR (default the flash base), or an Intel HEX, "
	  "S-record or DfuSe .dfu file at its own addresses",
	  FOR_L4, set_image },
	{ "manifest", "tolerant|wait-reset", "tolerant",
	  "bitManifestationTolerant, or wait for a bus reset after manifestation", FOR_DFU11,
	  set_manifest },
	{ "will-detach", "0|1", "0", "bitWillDetach", FOR_DFU11, set_will_detach },
	{ "upload", "0|1", "1", "bitCanUpload", FOR_DFU11, set_upload },
	{ "xfer", "N", "1024", "wTransferSize, 0-4096", FOR_DFU11, set_xfer },
	{ "mps0", "8|16|32|64", "64", "bMaxPacketSize0", FOR_DFU11, set_mps0 },
};
#define NKEYS (sizeof(keys) / sizeof(keys[0]))
_Static_assert(NKEYS <= 8 * sizeof(unsigned), "one bit of sim_board_spec.given per key");

size_t sim_board_spec_key_count(void)
{
	return NKEYS;
}

const char *sim_board_spec_key_at(size_t i)
{
	return i < NKEYS ? keys[i].name : NULL;
}

static const struct key *find_key(const char *name, size_t *index)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (strcmp(name, keys[i].name) == 0) {
			*index = i;
			return &keys[i];
		}
	return NULL;
}

/* "chip, count, serial, ..." for the keys of `kinds` (0: all). */
static void key_list(enum sim_board_spec_form form, unsigned kinds, char *out, size_t cap)
{
	size_t len = 0;

	out[0] = 0;
	for (size_t i = 0; i < NKEYS && len < cap; i++) {
		int w;

		if (kinds && !(keys[i].kinds & kinds))
			continue;
		w = snprintf(out + len, cap - len, "%s%s%s", len ? ", " : "", flag_prefix(form),
			     keys[i].name);
		if (w > 0)
			len += (size_t)w;
	}
}

/* ---- the spec ---- */

void sim_board_spec_init(struct sim_board_spec *s)
{
	memset(s, 0, sizeof(*s));
	s->form = SIM_BOARD_SPEC_FORM_LIST;
	s->kind = SIM_BOARD_KIND_L4;
	s->profile = l4_profile_find(SIM_BOARD_SPEC_DEFAULT_CHIP);
	s->count = 1;
	s->timing = SIM_TIMING_INSTANT;
	s->app = SIM_APP_SILENT;
	sim_dfu11_config_default(&s->dfu11, 0);
	s->dfu11.serial = NULL;
}

int sim_board_spec_set(struct sim_board_spec *s, const char *key, const char *value, char *msg,
		       size_t cap)
{
	struct say y = { s->form, key, value ? value : "", msg, cap };
	const struct key *k;
	size_t index = 0;
	char list[256];
	int rc;

	k = find_key(key, &index);
	if (!k) {
		key_list(s->form, 0, list, sizeof(list));
		snprintf(msg, cap, "no key \"%s%s\"; the keys are %s", flag_prefix(s->form), key,
			 list);
		return DFU_E_USAGE;
	}
	if (!value) {
		snprintf(msg, cap, "%s%s needs a value: %s", flag_prefix(s->form), key, k->arg);
		return DFU_E_USAGE;
	}
	rc = k->set(s, &y);
	if (rc == 0)
		s->given |= 1u << index;
	return rc;
}

const char *sim_board_spec_chip_name(const struct sim_board_spec *s)
{
	return s->kind == SIM_BOARD_KIND_DFU11 ? SIM_BOARD_SPEC_DFU11 : s->profile->name;
}

static int check_keys_fit_the_chip(const struct sim_board_spec *s, char *msg, size_t cap)
{
	unsigned kind = 1u << s->kind;
	const char *pre = flag_prefix(s->form);
	char list[256];

	for (size_t i = 0; i < NKEYS; i++) {
		if (!(s->given & (1u << i)) || (keys[i].kinds & kind))
			continue;
		key_list(s->form, kind, list, sizeof(list));
		snprintf(msg, cap, "%s%s does not apply to %s%s%s; it takes %s", pre, keys[i].name,
			 s->kind == SIM_BOARD_KIND_DFU11 ? "" : "an STM32 chip like ",
			 sim_board_spec_chip_name(s),
			 s->kind == SIM_BOARD_KIND_DFU11 ? " (a generic DFU 1.1 device)" : "",
			 list);
		return DFU_E_USAGE;
	}
	return 0;
}

static bool key_given(const struct sim_board_spec *s, const char *name)
{
	size_t index = 0;

	return find_key(name, &index) && (s->given & (1u << index));
}

int sim_board_spec_check(const struct sim_board_spec *s, char *msg, size_t cap)
{
	const char *pre = flag_prefix(s->form);
	int rc = check_keys_fit_the_chip(s, msg, cap);

	if (rc < 0)
		return rc;
	if (s->kind == SIM_BOARD_KIND_DFU11 && s->quirks) {
		snprintf(msg, cap, "%sserial shared (a quirk of STM32 boards) does not apply to "
				   "dfu11; give each device a serial instead",
			 pre);
		return DFU_E_USAGE;
	}
	if (s->kind == SIM_BOARD_KIND_DFU11 && key_given(s, "app") && s->app == SIM_APP_SILENT) {
		snprintf(msg, cap, "%sapp silent: dfu11's firmware always has a DFU run-time "
				   "interface; %sapp dfu-runtime starts it there, no %sapp starts "
				   "in DFU mode",
			 pre, pre, pre);
		return DFU_E_USAGE;
	}
	if (s->nserials > s->count) {
		snprintf(msg, cap, "%sserial given %u times for %u board%s; raise %scount or drop "
				   "a %sserial",
			 pre, s->nserials, s->count, s->count == 1 ? "" : "s", pre, pre);
		return DFU_E_USAGE;
	}
	return 0;
}

/* One "key=value" item of the list form. */
static int parse_item(struct sim_board_spec *s, char *item, char *msg, size_t cap)
{
	char *eq = strchr(item, '=');
	char list[256];

	if (!eq) {
		key_list(SIM_BOARD_SPEC_FORM_LIST, 0, list, sizeof(list));
		snprintf(msg, cap, "\"%s\" is not key=value; after the chip come %s", item, list);
		return DFU_E_USAGE;
	}
	*eq = 0;
	return sim_board_spec_set(s, item, eq + 1, msg, cap);
}

int sim_board_spec_parse(struct sim_board_spec *s, const char *text, char *msg, size_t cap)
{
	char buf[SIM_BOARD_SPEC_IMAGE_MAX + 512], *item, *save = NULL;
	bool first = true;
	int rc = 0;

	sim_board_spec_init(s);
	if (strlen(text) >= sizeof(buf)) {
		snprintf(msg, cap, "\"%.40s...\" is longer than %zu characters", text,
			 sizeof(buf) - 1);
		return DFU_E_USAGE;
	}
	snprintf(buf, sizeof(buf), "%s", text);
	for (item = strtok_r(buf, ",", &save); item && rc == 0;
	     item = strtok_r(NULL, ",", &save), first = false) {
		if (first && !strchr(item, '='))
			rc = sim_board_spec_set(s, "chip", item, msg, cap);
		else
			rc = parse_item(s, item, msg, cap);
	}
	return rc < 0 ? rc : sim_board_spec_check(s, msg, cap);
}

/* ---- the spec written back ---- */

int sim_board_spec_value(const struct sim_board_spec *s, const char *key, char *out, size_t cap)
{
	const struct sim_dfu11_config *d = &s->dfu11;
	int w = -1;

	if (!strcmp(key, "chip"))
		w = snprintf(out, cap, "%s", sim_board_spec_chip_name(s));
	else if (!strcmp(key, "count"))
		w = snprintf(out, cap, "%u", s->count);
	else if (!strcmp(key, "app"))
		w = snprintf(out, cap, "%s", s->app == SIM_APP_DFU_RUNTIME ? "dfu-runtime" : "silent");
	else if (!strcmp(key, "boot0"))
		w = snprintf(out, cap, "%d", s->boot0 ? 1 : 0);
	else if (!strcmp(key, "timing"))
		w = snprintf(out, cap, "%s", s->timing == SIM_TIMING_DATASHEET ? "datasheet"
										 : "instant");
	else if (!strcmp(key, "leave"))
		w = s->leave_set ? snprintf(out, cap, "%s", s->leave == L4_LEAVE_JUMP ? "jump"
										    : "reset")
				 : 0;
	else if (!strcmp(key, "ob-reset"))
		w = s->ob_reset_set ? snprintf(out, cap, "%s", s->ob_reset == L4_OB_RESET_SYSTEM
								       ? "system" : "option-load")
				    : 0;
	else if (!strcmp(key, "image"))
		w = !s->image[0] ? 0
		    : s->image_addr_set ? snprintf(out, cap, "%s@0x%08X", s->image,
						   (unsigned)s->image_addr)
					: snprintf(out, cap, "%s", s->image);
	else if (!strcmp(key, "manifest"))
		w = snprintf(out, cap, "%s", d->manifest_tolerant ? "tolerant" : "wait-reset");
	else if (!strcmp(key, "will-detach"))
		w = snprintf(out, cap, "%d", d->will_detach ? 1 : 0);
	else if (!strcmp(key, "upload"))
		w = snprintf(out, cap, "%d", d->can_upload ? 1 : 0);
	else if (!strcmp(key, "xfer"))
		w = snprintf(out, cap, "%u", (unsigned)d->transfer_size);
	else if (!strcmp(key, "mps0"))
		w = snprintf(out, cap, "%u", (unsigned)d->max_packet0);
	else if (!strcmp(key, "serial") || !strcmp(key, "quirk"))
		return DFU_E_INVAL; /* repeatable: sim_board_spec_format writes them */
	else
		return DFU_E_NOTFOUND;
	if (w < 0 || (size_t)w >= cap)
		return w < 0 ? DFU_E_INVAL : DFU_E_NOSPACE;
	return w > 0;
}

/* ", key=value" at out[*len]; false when it does not fit. */
static bool put_item(char *out, size_t cap, size_t *len, const char *key, const char *value)
{
	int w = snprintf(out + *len, cap - *len, ",%s=%s", key, value);

	if (w < 0 || (size_t)w >= cap - *len)
		return false;
	*len += (size_t)w;
	return true;
}

int sim_board_spec_format(const struct sim_board_spec *s, char *out, size_t cap)
{
	char v[SIM_BOARD_SPEC_IMAGE_MAX + 16];
	size_t len;
	int w = snprintf(out, cap, "%s", sim_board_spec_chip_name(s));

	if (w < 0 || (size_t)w >= cap)
		return DFU_E_NOSPACE;
	len = (size_t)w;
	for (size_t i = 0; i < NKEYS; i++) {
		const char *k = keys[i].name;

		/* serial=shared sets a quirk without the quirk key */
		if (!strcmp(k, "chip") || (!(s->given & (1u << i)) && strcmp(k, "quirk")))
			continue;
		if (!strcmp(k, "serial")) {
			for (unsigned n = 0; n < s->nserials; n++)
				if (!put_item(out, cap, &len, k, s->serials[n]))
					return DFU_E_NOSPACE;
		} else if (!strcmp(k, "quirk")) {
			for (size_t q = 0; q < NQUIRKS; q++)
				if ((s->quirks & quirks[q].bit) &&
				    !put_item(out, cap, &len, k, quirks[q].name))
					return DFU_E_NOSPACE;
		} else if (sim_board_spec_value(s, k, v, sizeof(v)) == 1) {
			if (!put_item(out, cap, &len, k, v))
				return DFU_E_NOSPACE;
		}
	}
	return (int)len;
}

/* ---- what the boards get ---- */

void sim_board_spec_board_config(const struct sim_board_spec *s, size_t i,
				 struct sim_board_config *cfg)
{
	sim_board_config_default(cfg, s->profile, (unsigned)i);
	cfg->boot0 = s->boot0;
	if (s->leave_set)
		cfg->leave = s->leave;
	if (s->ob_reset_set)
		cfg->ob_reset = s->ob_reset;
	cfg->timing = s->timing;
	cfg->app = s->app;
	cfg->quirks = s->quirks;
	cfg->serial = i < s->nserials ? s->serials[i] : NULL;
}

void sim_board_spec_dfu11_config(const struct sim_board_spec *s, size_t i,
				 struct sim_dfu11_config *cfg)
{
	struct sim_dfu11_config dflt;

	sim_dfu11_config_default(&dflt, (unsigned)i);
	*cfg = s->dfu11;
	cfg->serial = i < s->nserials ? s->serials[i] : dflt.serial;
	cfg->start_in_app = s->app == SIM_APP_DFU_RUNTIME;
}

/* ---- the help text ---- */

#define HELP_INDENT 32
#define HELP_WIDTH 79

/* `chunk` (no line break inside) at column `col`: on this line if it fits,
 * else on the next at HELP_INDENT. Returns the new column. */
static size_t put_chunk(FILE *out, size_t col, const char *chunk, size_t len)
{
	if (col > HELP_INDENT && col + 1 + len > HELP_WIDTH) {
		fprintf(out, "\n%*s", HELP_INDENT, "");
		col = HELP_INDENT;
	} else if (col > HELP_INDENT) {
		fputc(' ', out);
		col++;
	}
	fprintf(out, "%.*s", (int)len, chunk);
	return col + len;
}

/* `text` from column `col` on, word by word. Returns the new column. */
static size_t wrap(FILE *out, size_t col, const char *text)
{
	while (*text) {
		size_t word = strcspn(text, " ");

		col = put_chunk(out, col, text, word);
		text += word;
		text += strspn(text, " ");
	}
	return col;
}

void sim_board_spec_help(FILE *out, enum sim_board_spec_form form)
{
	static const char *const heading[] = { "", "  for STM32 chips:\n", "  for dfu11:\n",
					       "  for every chip:\n" };
	unsigned kinds = 0;

	for (size_t i = 0; i < NKEYS; i++) {
		const struct key *k = &keys[i];
		char dflt[128];
		int n;

		if (k->kinds != kinds)
			fputs(heading[k->kinds], out);
		kinds = k->kinds;
		n = fprintf(out, "    %s%s%s%s", flag_prefix(form), k->name,
			    form == SIM_BOARD_SPEC_FORM_LIST ? "=" : " ", k->arg);
		if (n >= HELP_INDENT)
			fprintf(out, "\n");
		fprintf(out, "%*s", n >= HELP_INDENT ? HELP_INDENT : HELP_INDENT - n, "");
		n = snprintf(dflt, sizeof(dflt), "(default %s)", k->dflt);
		put_chunk(out, wrap(out, HELP_INDENT, k->help), dflt, (size_t)n);
		fputc('\n', out);
		if (k->set != set_quirk)
			continue;
		for (size_t q = 0; q < NQUIRKS; q++)
			fprintf(out, "      %-25s %s\n", quirks[q].name, quirks[q].help);
	}
}
