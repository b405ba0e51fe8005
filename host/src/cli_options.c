/*
 * cli_options.c - dfu-flash's command line into struct cli_opts.
 *
 * getopt_long reads it, as in dfu-util 0.11 ([dfu-util-0.11], options): the
 * same short options, the same long names and aliases, arguments permuted,
 * and any long option shortened to a prefix that names one option. dfu-flash's
 * own long options (and the transports' rows, cli_xport_at) join the same
 * table; where a prefix fits a dfu-util option and a dfu-flash one (--re:
 * --reset, --reload-option-bytes, --return-timeout), dfu-util's wins, so a
 * command line written for dfu-util means the same here. -l -e -V -D -U
 * choose what to do and the last one wins, as in dfu-util; -h answers at
 * once.
 *
 * Deliberate differences, each a usage error (exit 64) that names the option,
 * the value and the fix: a number with trailing junk or a sign, a value no
 * USB field can hold, an unknown -s modifier, -D with -U (dfu-util silently
 * does only the last, which can skip the backup a -U before -D asked for),
 * mass-erase or unprotect without force, and the RDP level 2 permission
 * spelled short. --wait takes no value (0.11's table asks for one that its
 * code never reads; --wait=X is still accepted). Nothing here opens a
 * device or a file.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/cli.h"

/* dfu-util 0.11's short options; the leading ':' makes a missing value ':'. */
static const char shortopts[] = ":hVvleE:d:p:c:i:a:S:t:U:D:Rs:Z:wn:";

/* dfu-flash's own options have codes past any character; the transports'
 * rows follow at O_XPORT + their index in cli_xport_at(). */
enum opt_code {
	O_RELOAD_OB = 256, O_FIX_EMPTY, O_SHOW_OB, O_SET_OB, O_RDP2, O_NO_VERIFY, O_POLL,
	O_JSON, O_ALL, O_JOBS, O_PROGRESS, O_QUIET, O_RETURN_TIMEOUT, O_TRANSCRIPT, O_FORCE_IMAGE,
	O_XPORT = 512,
};

#define RDP2_NAME "i-really-want-rdp-level-2-and-lose-the-bootloader"

/* One row per long option: its name, getopt's has_arg, its code. */
struct opt_row {
	const char *name;
	int has_arg;
	int code;
};

/* dfu-util 0.11's table, its order and aliases ([dfu-util-0.11], options),
 * except --wait: optional, not required (see the header). */
static const struct opt_row dfu_util_rows[] = {
	{ "help", no_argument, 'h' },
	{ "version", no_argument, 'V' },
	{ "verbose", no_argument, 'v' },
	{ "list", no_argument, 'l' },
	{ "detach", no_argument, 'e' },
	{ "detach-delay", required_argument, 'E' },
	{ "device", required_argument, 'd' },
	{ "path", required_argument, 'p' },
	{ "configuration", required_argument, 'c' },
	{ "cfg", required_argument, 'c' },
	{ "interface", required_argument, 'i' },
	{ "intf", required_argument, 'i' },
	{ "altsetting", required_argument, 'a' },
	{ "alt", required_argument, 'a' },
	{ "serial", required_argument, 'S' },
	{ "transfer-size", required_argument, 't' },
	{ "upload", required_argument, 'U' },
	{ "upload-size", required_argument, 'Z' },
	{ "download", required_argument, 'D' },
	{ "reset", no_argument, 'R' },
	{ "dfuse-address", required_argument, 's' },
	{ "devnum", required_argument, 'n' },
	{ "wait", optional_argument, 'w' },
};

static const struct opt_row own_rows[] = {
	{ "reload-option-bytes", no_argument, O_RELOAD_OB },
	{ "fix-empty-check", no_argument, O_FIX_EMPTY },
	{ "show-options", no_argument, O_SHOW_OB },
	{ "set-option", required_argument, O_SET_OB },
	{ RDP2_NAME, no_argument, O_RDP2 },
	{ "no-verify", no_argument, O_NO_VERIFY },
	{ "poll", required_argument, O_POLL },
	{ "json", no_argument, O_JSON },
	{ "all", no_argument, O_ALL },
	{ "jobs", required_argument, O_JOBS },
	{ "progress", no_argument, O_PROGRESS },
	{ "quiet", no_argument, O_QUIET },
	{ "return-timeout", required_argument, O_RETURN_TIMEOUT },
	{ "transcript", required_argument, O_TRANSCRIPT },
	{ "force-image", no_argument, O_FORCE_IMAGE },
};

#define NDFU_UTIL (sizeof(dfu_util_rows) / sizeof(dfu_util_rows[0]))
#define NOWN (sizeof(own_rows) / sizeof(own_rows[0]))
#define NXPORT_MAX (2 + CLI_XPORT_MAX_REGISTERED)

/* getopt_long's table: dfu-util's rows first, then dfu-flash's, then the
 * transports', then the zero row. */
struct opt_table {
	struct option o[NDFU_UTIL + NOWN + NXPORT_MAX + 1];
	size_t n;
};

static int usage_err(char *msg, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int usage_err(char *msg, size_t cap, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, cap, fmt, ap);
	va_end(ap);
	return CLI_EXIT_USAGE;
}

void cli_opts_default(struct cli_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->detach_delay_s = 5;
	o->rt_vid = o->rt_pid = o->dfu_vid = o->dfu_pid = CLI_ID_ANY;
	o->intf = -1;
	o->alt = -1;
	o->upload_size = -1;
	o->xport = -1;
	o->poll = CLI_POLL_HONOUR;
}

/* Whole-string unsigned number, base 0 (0x.., 0.., decimal). */
static bool parse_num(const char *s, unsigned long long max, unsigned long long *v, int base)
{
	char *end;
	if (!s || !*s || *s == '-' || *s == '+' || *s == ' ')
		return false;
	errno = 0;
	*v = strtoull(s, &end, base);
	return errno == 0 && *end == '\0' && *v <= max;
}

/* One hex ID of -d: "" or "*" any, "-" none. */
static bool parse_id(const char *s, size_t n, int *out)
{
	char buf[16];
	unsigned long long v;

	if (n == 0 || (n == 1 && s[0] == '*')) {
		*out = CLI_ID_ANY;
		return true;
	}
	if (n == 1 && s[0] == '-') {
		*out = CLI_ID_NONE;
		return true;
	}
	if (n >= sizeof(buf))
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (!parse_num(buf, 0xFFFF, &v, 16))
		return false;
	*out = (int)v;
	return true;
}

/* "VID:PID" (either part may be empty) into two IDs. */
static bool parse_pair(const char *s, size_t n, int *vid, int *pid)
{
	const char *colon = memchr(s, ':', n);

	if (!colon)
		return parse_id(s, n, vid) && (*pid = CLI_ID_ANY, true);
	return parse_id(s, (size_t)(colon - s), vid) &&
	       parse_id(colon + 1, n - (size_t)(colon - s) - 1, pid);
}

int cli_parse_device(const char *arg, struct cli_opts *o, char *msg, size_t cap)
{
	const char *comma = strchr(arg, ',');
	size_t rt_len = comma ? (size_t)(comma - arg) : strlen(arg);
	int dv = CLI_ID_ANY, dp = CLI_ID_ANY;

	o->rt_vid = o->rt_pid = CLI_ID_ANY;
	if (!parse_pair(arg, rt_len, &o->rt_vid, &o->rt_pid))
		goto bad;
	if (!comma) {
		/* One pair names the run-time device, as in dfu-util 0.11: in
		 * DFU mode any device matches (after a detach the IDs change). */
		o->dfu_vid = o->dfu_pid = CLI_ID_ANY;
		return 0;
	}
	if (strchr(comma + 1, ','))
		goto bad;
	if (!parse_pair(comma + 1, strlen(comma + 1), &dv, &dp))
		goto bad;
	/* dfu-util: DFU-mode parts left out take the run-time values; a
	 * leading comma means DFU-mode IDs only. */
	{
		const char *dfu = comma + 1, *c2 = strchr(dfu, ':');
		bool vid_empty = dfu[0] == '\0' || dfu[0] == ':';
		bool pid_empty = !c2 || c2[1] == '\0';

		if (rt_len == 0) {
			/* DFU-mode IDs only: no run-time device matches. */
			o->rt_vid = o->rt_pid = CLI_ID_NONE;
			o->dfu_vid = dv;
			o->dfu_pid = dp;
			return 0;
		}
		o->dfu_vid = vid_empty ? o->rt_vid : dv;
		o->dfu_pid = pid_empty ? o->rt_pid : dp;
	}
	return 0;
bad:
	return usage_err(msg, cap,
			 "-d \"%s\" is not [VID]:[PID][,[VID]:[PID]] with hex IDs (* any, - none); "
			 "for example -d 0483:df11",
			 arg);
}

int cli_parse_serial(const char *arg, struct cli_opts *o, char *msg, size_t cap)
{
	const char *comma = strchr(arg, ',');
	size_t n = comma ? (size_t)(comma - arg) : strlen(arg);

	if (n >= sizeof(o->serial_rt) || (comma && strlen(comma + 1) >= sizeof(o->serial_dfu)))
		return usage_err(msg, cap, "-S \"%.40s...\" is longer than a USB serial can be "
					   "(%zu characters)", arg, sizeof(o->serial_rt) - 1);
	memcpy(o->serial_rt, arg, n);
	o->serial_rt[n] = '\0';
	if (comma)
		snprintf(o->serial_dfu, sizeof(o->serial_dfu), "%s", comma + 1);
	else
		snprintf(o->serial_dfu, sizeof(o->serial_dfu), "%s", o->serial_rt);
	return 0;
}

/* A modifier token matches when it is a prefix of the keyword (dfu-util uses
 * strncmp with the token's length); unlike dfu-util, never past the token. */
static bool is_prefix(const char *tok, size_t n, const char *kw)
{
	return n > 0 && n <= strlen(kw) && strncmp(tok, kw, n) == 0;
}

int cli_parse_dfuse_spec(const char *arg, struct cli_dfuse_spec *s, char *msg, size_t cap)
{
	static const char *const kws[] = { "force", "leave", "unprotect", "mass-erase",
					   "will-reset" };
	const char *p = arg, *colon = strchr(arg, ':');
	size_t n = colon ? (size_t)(colon - arg) : strlen(arg);
	unsigned long long v;
	char tok[64];

	memset(s, 0, sizeof(*s));
	s->given = true;
	if (n) {
		if (n >= sizeof(tok))
			goto bad_addr;
		memcpy(tok, arg, n);
		tok[n] = '\0';
		if (!parse_num(tok, 0xFFFFFFFFu, &v, 0))
			goto bad_addr;
		s->have_address = true;
		s->address = (uint32_t)v;
	}
	while (colon) {
		int hits = 0, which = -1;

		p = colon + 1;
		colon = strchr(p, ':');
		n = colon ? (size_t)(colon - p) : strlen(p);
		if (n == 0)
			continue; /* dfu-util skips empty modifiers: "ADDR:", "::leave" */
		if (n >= sizeof(tok))
			return usage_err(msg, cap,
					 "-s \"%s\": \"%.20s...\" is not a modifier (force, leave, "
					 "unprotect, mass-erase, will-reset) nor an upload length",
					 arg, p);
		memcpy(tok, p, n);
		tok[n] = '\0';
		for (int k = 0; k < 5; k++)
			if (is_prefix(tok, n, kws[k])) {
				hits++;
				which = k;
			}
		if (hits == 0) {
			if (!parse_num(tok, 0xFFFFFFFFu, &v, 0))
				return usage_err(msg, cap,
						 "-s \"%s\": \"%s\" is not a modifier (force, leave, "
						 "unprotect, mass-erase, will-reset) nor an upload length",
						 arg, tok);
			s->have_length = true;
			s->length = (uint32_t)v;
			continue;
		}
		switch (which) {
		case 0: s->force++; break;
		case 1: s->leave = true; break;
		case 2: s->unprotect = true; break;
		case 3: s->mass_erase = true; break;
		default: s->will_reset = true; break;
		}
	}
	if (s->mass_erase && !s->force)
		return usage_err(msg, cap, "-s \"%s\": mass-erase erases the whole flash and "
					   "needs force as well; write -s %s:force if you mean it",
				 arg, arg);
	if (s->unprotect && !s->force)
		return usage_err(msg, cap, "-s \"%s\": unprotect removes read protection, which "
					   "mass-erases the chip, and needs force as well; write "
					   "-s %s:force if you mean it",
				 arg, arg);
	return 0;
bad_addr:
	return usage_err(msg, cap,
			 "-s \"%s\": the address \"%.*s\" is not a number; write it as 0x08000000 "
			 "(or leave it empty, as in -s :leave)",
			 arg, (int)(n < 40 ? n : 40), arg);
}

static int num_arg(const char *opt, const char *v, unsigned long long max, int base,
		   unsigned long long *out, const char *what, char *msg, size_t cap)
{
	if (!parse_num(v, max, out, base))
		return usage_err(msg, cap, "%s \"%s\" is not %s (0-%llu)", opt, v, what, max);
	return 0;
}

/* What -l -e -V -U -D chose: dfu-util keeps one mode, the last given. */
enum mode { M_NONE, M_LIST, M_DETACH, M_VERSION, M_UPLOAD, M_DOWNLOAD };

struct parse_state {
	enum mode mode;
	const char *download, *upload;	/* the last -D and -U, whichever mode won */
};

static int alt_arg(struct cli_opts *o, const char *name, const char *v, char *msg, size_t cap)
{
	unsigned long long n;

	/* dfu-util: a number if it parses whole (base 0), else a name. */
	if (parse_num(v, 255, &n, 0)) {
		o->alt = (int)n;
		o->alt_name = NULL;
	} else if (!*v) {
		return usage_err(msg, cap, "%s needs an alt setting number or its exact name "
					   "(-l shows them)", name);
	} else {
		o->alt = -1;
		o->alt_name = v;
	}
	return 0;
}

/* -c -i -E -t -Z read numbers as dfu-util does, base 0 (0x10, 010, 16); -n
 * as decimal, as dfu-util's atoi does. */
static int number_option(struct cli_opts *o, int code, const char *name, const char *v,
			 char *msg, size_t cap)
{
	unsigned long long n = 0;
	int rc;

	switch (code) {
	case 'E':
		rc = num_arg(name, v, 3600, 0, &n, "a delay in seconds", msg, cap);
		o->detach_delay_s = (unsigned)n;
		return rc;
	case 'n':
		if (!parse_num(v, 127, &n, 10))
			return usage_err(msg, cap, "%s \"%s\" is not a USB device number (1-127, as "
						   "-l shows it; 0 matches none)", name, v);
		/* dfu-util compares -n with device numbers, which start at 1:
		 * -n 0 matches no device. */
		o->devnum = n == 0 ? CLI_ID_NONE : (int)n;
		return 0;
	case 'c':
		rc = num_arg(name, v, 255, 0, &n, "a configuration value", msg, cap);
		o->cfg = (int)n;
		return rc;
	case 'i':
		rc = num_arg(name, v, 255, 0, &n, "an interface number", msg, cap);
		o->intf = (int)n;
		return rc;
	case 't':
		rc = num_arg(name, v, INT_MAX, 0, &n, "a transfer size in bytes", msg, cap);
		/* 0: the device's wTransferSize, as in dfu-util. A size past
		 * what wTransferSize can say asks for as much as its largest;
		 * the session clamps either to DFU_SESSION_XFER_MAX and says so. */
		o->transfer_size = n > 0xFFFF ? 0xFFFF : (unsigned)n;
		return rc;
	default: /* 'Z' */
		rc = num_arg(name, v, 0xFFFFFFFFu, 0, &n, "a size in bytes", msg, cap);
		o->upload_size = n ? (long long)n : -1; /* dfu-util: 0 expects nothing */
		return rc;
	}
}

/* dfu-util 0.11's options; the codes are their letters. */
static int dfu_util_option(struct cli_opts *o, struct parse_state *st, int code,
			   const char *name, const char *v, char *msg, size_t cap)
{
	switch (code) {
	case 'V': st->mode = M_VERSION; break;
	case 'v': o->verbose++; break;
	case 'l': st->mode = M_LIST; break;
	case 'e': st->mode = M_DETACH; break;
	case 'd': return cli_parse_device(v, o, msg, cap);
	case 'p': o->path = v; break;
	case 'a': return alt_arg(o, name, v, msg, cap);
	case 'S': return cli_parse_serial(v, o, msg, cap);
	case 'U':
		st->mode = M_UPLOAD;
		st->upload = v;
		break;
	case 'D':
		st->mode = M_DOWNLOAD;
		st->download = v;
		break;
	case 'R': o->reset = true; break;
	case 's': return cli_parse_dfuse_spec(v, &o->s, msg, cap);
	case 'w': o->wait = true; break; /* --wait=X: X is ignored, as in dfu-util */
	default: return number_option(o, code, name, v, msg, cap);
	}
	return 0;
}

static int set_xport(struct cli_opts *o, int k, const char *v, char *msg, size_t cap)
{
	if (o->xport >= 0 && o->xport != k)
		return usage_err(msg, cap, "%s and %s both name a transport; give only one",
				 cli_xport_at((size_t)o->xport)->option, cli_xport_at((size_t)k)->option);
	o->xport = k;
	o->xport_arg = v;
	return 0;
}

static int set_option_arg(struct cli_opts *o, const char *v, char *msg, size_t cap)
{
	if (!strchr(v, '=') || v[0] == '=')
		return usage_err(msg, cap, "--set-option \"%s\" is not NAME=VALUE; for example "
					   "--set-option nSWBOOT0=0 (--show-options lists the names)", v);
	if (o->nset_options >= CLI_MAX_SET_OPTIONS)
		return usage_err(msg, cap, "more than %d --set-option; combine them into one "
					   "run of at most %d", CLI_MAX_SET_OPTIONS, CLI_MAX_SET_OPTIONS);
	o->set_option[o->nset_options++] = v;
	return 0;
}

static int poll_arg(struct cli_opts *o, const char *v, char *msg, size_t cap)
{
	unsigned long long n;

	if (strcmp(v, "honour") == 0 || strcmp(v, "honor") == 0) {
		o->poll = CLI_POLL_HONOUR;
	} else if (strncmp(v, "clamp=", 6) == 0 && parse_num(v + 6, 600000, &n, 10) && n > 0) {
		o->poll = CLI_POLL_CLAMP;
		o->poll_clamp_ms = (uint32_t)n;
	} else {
		return usage_err(msg, cap, "--poll \"%s\" is not honour or clamp=MS (1-600000); "
					   "for example --poll clamp=50", v);
	}
	return 0;
}

/* dfu-flash's own options and the transports' rows. */
static int own_option(struct cli_opts *o, int code, const char *name, const char *v, char *msg,
		      size_t cap)
{
	unsigned long long n = 0;
	int rc = 0;

	switch (code) {
	case O_RELOAD_OB: o->reload_ob = true; break;
	case O_FIX_EMPTY: o->fix_empty_check = true; break;
	case O_SHOW_OB: o->show_options = true; break;
	case O_SET_OB: return set_option_arg(o, v, msg, cap);
	case O_RDP2: o->rdp2_ok = true; break;
	case O_NO_VERIFY: o->no_verify = true; break;
	case O_FORCE_IMAGE: o->force_image = true; break;
	case O_POLL: return poll_arg(o, v, msg, cap);
	case O_JSON: o->json = true; break;
	case O_ALL: o->all = true; break;
	case O_JOBS:
		rc = num_arg(name, v, CLI_ALL_MAX, 10, &n, "a number of devices", msg, cap);
		if (rc == 0 && n == 0)
			rc = usage_err(msg, cap, "%s 0: at least one device at a time (without --jobs, "
						 "every device at once)", name);
		o->jobs = (unsigned)n;
		break;
	case O_PROGRESS: o->progress = true; break;
	case O_QUIET: o->quiet = true; break;
	case O_RETURN_TIMEOUT:
		rc = num_arg(name, v, 600000, 10, &n, "a time in milliseconds", msg, cap);
		o->reenum_timeout_ms = (unsigned)n;
		break;
	case O_TRANSCRIPT: o->transcript = v; break;
	default: return set_xport(o, code - O_XPORT, v, msg, cap);
	}
	return rc;
}

/* ---- getopt_long ---- */

static void table_add(struct opt_table *t, const char *name, int has_arg, int code)
{
	t->o[t->n].name = name;
	t->o[t->n].has_arg = has_arg;
	t->o[t->n].flag = NULL;
	t->o[t->n].val = code;
	t->n++;
}

static void table_build(struct opt_table *t)
{
	t->n = 0;
	for (size_t k = 0; k < NDFU_UTIL; k++)
		table_add(t, dfu_util_rows[k].name, dfu_util_rows[k].has_arg, dfu_util_rows[k].code);
	for (size_t k = 0; k < NOWN; k++)
		table_add(t, own_rows[k].name, own_rows[k].has_arg, own_rows[k].code);
	for (size_t k = 0; k < cli_xport_count() && k < NXPORT_MAX; k++) {
		const char *opt = cli_xport_at(k)->option;
		if (opt)
			table_add(t, opt + 2, required_argument, O_XPORT + (int)k);
	}
	memset(&t->o[t->n], 0, sizeof(t->o[t->n]));
}

/* The row of `code` that the user's "--SPELLING[=VALUE]" names, for
 * messages; NULL when none does. */
static const char *long_name(const struct opt_table *t, int code, const char *elem)
{
	const char *name = elem + 2, *eq = strchr(name, '=');
	size_t nl = eq ? (size_t)(eq - name) : strlen(name);

	for (size_t k = 0; k < t->n; k++)
		if (t->o[k].val == code && strncmp(t->o[k].name, name, nl) == 0)
			return t->o[k].name;
	return NULL;
}

/* getopt_long refused "--NAME[=VALUE]" as unknown or as a prefix of several
 * options. A prefix that dfu-util 0.11's own table reads as one option (its
 * aliases share a code) is that option: the row's index. Otherwise -1, and
 * msg names the candidates. */
static int resolve_long(const struct opt_table *t, const char *elem, char *msg, size_t cap)
{
	const char *name = elem + 2, *eq = strchr(name, '=');
	size_t nl = eq ? (size_t)(eq - name) : strlen(name), len;
	int dfu_util = -1, hits = 0;
	bool one = true;
	char list[512] = "";

	for (size_t k = 0; nl && k < t->n; k++) {
		if (strncmp(t->o[k].name, name, nl) != 0)
			continue;
		len = strlen(list);
		snprintf(list + len, sizeof(list) - len, "%s--%s", hits++ ? ", " : "",
			 t->o[k].name);
		if (k >= NDFU_UTIL)
			continue;
		if (dfu_util < 0)
			dfu_util = (int)k;
		else if (t->o[dfu_util].val != t->o[k].val)
			one = false;
	}
	if (hits == 0)
		usage_err(msg, cap, "unknown option \"--%.*s\"; dfu-flash -h lists the options",
			  (int)nl, name);
	else if (dfu_util >= 0 && one)
		return dfu_util;
	else
		usage_err(msg, cap, "\"--%.*s\" is ambiguous: it could be %s; write more of the "
				    "name", (int)nl, name, list);
	return -1;
}

/* The value of row k that resolve_long() found in `elem`, the way getopt_long
 * takes one: after '=', or the next element when the value is required. */
static int resolved_value(const struct opt_table *t, int k, const char *elem, int argc,
			  char **args, const char **v, char *msg, size_t cap)
{
	const char *eq = strchr(elem, '=');

	*v = NULL;
	if (eq && t->o[k].has_arg == no_argument)
		return usage_err(msg, cap, "--%s takes no value (\"%s\")", t->o[k].name, elem);
	if (eq)
		*v = eq + 1;
	else if (t->o[k].has_arg == required_argument && optind >= argc)
		return usage_err(msg, cap, "--%s needs a value", t->o[k].name);
	else if (t->o[k].has_arg == required_argument)
		*v = args[optind++];
	return 0;
}

static bool known_code(int c)
{
	return c >= O_RELOAD_OB || (c > 0 && c != ':' && strchr(shortopts + 1, c));
}

/* getopt_long's ':' (a value missing) or '?' (unknown short option, or a
 * value given to a long option that takes none), as a sentence. */
static int getopt_failed(const struct opt_table *t, int c, char **args, char *msg, size_t cap)
{
	const char *elem = args[optind - 1];
	const char *name = strncmp(elem, "--", 2) == 0 ? long_name(t, optopt, elem) : NULL;

	if (c == ':' && optopt >= O_XPORT)
		return usage_err(msg, cap, "--%s needs a value (%s)", name ? name : "",
				 cli_xport_at((size_t)(optopt - O_XPORT))->metavar);
	if (c == ':' && name)
		return usage_err(msg, cap, "--%s needs a value", name);
	if (c == ':')
		return usage_err(msg, cap, "-%c needs a value", optopt);
	if (known_code(optopt) && name)
		return usage_err(msg, cap, "--%s takes no value (\"%s\")", name, elem);
	return usage_err(msg, cap, "unknown option \"-%c\"; dfu-flash -h lists the options",
			 optopt);
}

/* Every option in args, in getopt_long's order; stops at -h, as dfu-util. */
static int read_options(struct cli_opts *o, struct parse_state *st, const struct opt_table *t,
			int argc, char **args, char *msg, size_t cap)
{
	for (;;) {
		int li = -1, c = getopt_long(argc, args, shortopts, t->o, &li), rc;
		const char *v = optarg;
		char name[sizeof(RDP2_NAME) + 2];

		if (c == -1)
			return 0;
		if (c == '?' && optopt == 0) {
			const char *elem = args[optind - 1];
			if ((li = resolve_long(t, elem, msg, cap)) < 0)
				return CLI_EXIT_USAGE;
			if ((rc = resolved_value(t, li, elem, argc, args, &v, msg, cap)) != 0)
				return rc;
			c = t->o[li].val;
		} else if (c == '?' || c == ':') {
			return getopt_failed(t, c, args, msg, cap);
		}
		if (c == 'h') {
			o->help = true;
			return 0;
		}
		/* Permission for an irreversible change: never from a prefix. */
		if (c == O_RDP2 && strcmp(args[optind - 1], "--" RDP2_NAME) != 0)
			return usage_err(msg, cap, "\"%s\": write --" RDP2_NAME " in full; it allows "
						   "an irreversible change", args[optind - 1]);
		if (li >= 0)
			snprintf(name, sizeof(name), "--%s", t->o[li].name);
		else
			snprintf(name, sizeof(name), "-%c", c);
		rc = c < O_RELOAD_OB ? dfu_util_option(o, st, c, name, v, msg, cap)
				     : own_option(o, c, name, v, msg, cap);
		if (rc)
			return rc;
	}
}

/* argv[i] is not an option. After a bare --wait (0.11's table gave --wait a
 * value its code ignored), say how to write it here. */
static int unexpected(int argc, char **argv, const char *arg, char *msg, size_t cap)
{
	for (int i = 2; i < argc; i++) {
		const char *prev = argv[i - 1];
		size_t n = strlen(prev);
		if (argv[i] == arg && n > 2 && n <= 6 && strncmp(prev, "--wait", n) == 0)
			return usage_err(msg, cap, "unexpected argument \"%s\" after %s, which takes "
						   "no value; write -w, or --wait=%s as dfu-util 0.11 "
						   "accepts it", arg, prev, arg);
	}
	return usage_err(msg, cap, "unexpected argument \"%s\"; files go after -D or -U "
				   "(dfu-flash -h lists the options)", arg);
}

/* Parse into o and st; getopt_long permutes a copy of argv, never argv. */
static int parse_argv(struct cli_opts *o, struct parse_state *st, int argc, char **argv,
		      char *msg, size_t cap)
{
	struct opt_table t;
	int saved_opterr = opterr, rc;
	char **args = calloc((size_t)argc + 1, sizeof(*args));

	if (!args)
		return usage_err(msg, cap, "out of memory reading the command line");
	memcpy(args, argv, (size_t)argc * sizeof(*args));
	table_build(&t);
	opterr = 0;	/* every message is ours, in msg */
	optind = 0;	/* glibc starts afresh, also after an error inside a cluster */
	rc = read_options(o, st, &t, argc, args, msg, cap);
	if (rc == 0 && !o->help && optind < argc)
		rc = unexpected(argc, argv, args[optind], msg, cap);
	opterr = saved_opterr;
	free(args);
	return rc;
}

static const char *env_get(const char *const *env, const char *name)
{
	size_t n = strlen(name);
	for (; env && *env; env++)
		if (strncmp(*env, name, n) == 0 && (*env)[n] == '=')
			return *env + n + 1;
	return NULL;
}

/* A transport from the environment, when the command line names none. */
static void xport_from_env(struct cli_opts *o, const char *const *env)
{
	for (size_t k = 0; o->xport < 0 && k < cli_xport_count(); k++) {
		const char *e = cli_xport_at(k)->env;
		const char *v = e ? env_get(env, e) : NULL;
		if (v && *v) {
			o->xport = (int)k;
			o->xport_arg = v;
		}
	}
}

/* -D with -U is refused (see the header); -Z without -U and an -s length
 * with -D are ignored, as dfu-util ignores them. */
static int check_combinations(const struct cli_opts *o, const struct parse_state *st,
			      char *msg, size_t cap)
{
	if (o->version)
		return 0;
	if (st->download && st->upload && (o->download || o->upload))
		return usage_err(msg, cap, "-D %s and -U %s both given; dfu-util 0.11 would do only "
					   "the last one. Run twice: -U %s first to keep a copy, then "
					   "-D %s", st->download, st->upload, st->upload, st->download);
	if (o->fix_empty_check && !o->download && !o->s.given)
		return usage_err(msg, cap, "--fix-empty-check acts after a leave; give it with "
					   "-D FILE -s ADDRESS:leave (or use --reload-option-bytes alone)");
	if (o->all && o->upload)
		return usage_err(msg, cap, "--all with -U %s would read every device into that one "
					   "file; upload one device at a time (-p PATH or -S SERIAL)",
				 o->upload);
	if (o->jobs && !o->all)
		return usage_err(msg, cap, "--jobs %u without --all: it limits how many devices --all "
					   "flashes at once", o->jobs);
	if (o->list || o->detach)
		return 0;
	if (!o->download && !o->upload && !o->s.given && !o->reload_ob && !o->show_options &&
	    o->nset_options == 0 && !o->reset)
		return usage_err(msg, cap, "nothing to do: give -D FILE, -U FILE, -s ADDRESS:MODIFIERS, "
					   "-l, -e, --show-options, --set-option or "
					   "--reload-option-bytes (dfu-flash -h lists them)");
	return 0;
}

int cli_parse(struct cli_opts *o, int argc, char **argv, const char *const *env, char *msg,
	      size_t cap)
{
	struct parse_state st = { M_NONE, NULL, NULL };
	int rc;

	msg[0] = '\0';
	rc = parse_argv(o, &st, argc, argv, msg, cap);
	if (rc || o->help)
		return rc;
	o->list = st.mode == M_LIST;
	o->detach = st.mode == M_DETACH;
	o->version = st.mode == M_VERSION;
	o->upload = st.mode == M_UPLOAD ? st.upload : NULL;
	o->download = st.mode == M_DOWNLOAD ? st.download : NULL;
	xport_from_env(o, env);
	return check_combinations(o, &st, msg, cap);
}

void cli_usage(FILE *f)
{
	fprintf(f,
		"Usage: dfu-flash [options] ...\n"
		"Long options may be shortened to a prefix that names one option; where a\n"
		"prefix fits a dfu-util option and a dfu-flash one, dfu-util's wins (--re is\n"
		"--reset). Of -l -e -V -D -U, the last one given says what to do.\n"
		"  -h --help                       print this help and exit\n"
		"  -V --version                    print the version and exit\n"
		"  -v --verbose                    more detail (repeat for transfers)\n"
		"  -l --list                       list DFU interfaces, one line per alt\n"
		"  -e --detach                     detach a run-time device into DFU mode\n"
		"  -E --detach-delay SECONDS       wait after detach (default 5)\n"
		"  -d --device [VID]:[PID][,[VID]:[PID]]  run-time and DFU-mode IDs (hex; * any)\n"
		"  -n --devnum NUMBER              USB device number (0 matches none)\n"
		"  -p --path BUS-PORT[.PORT...]    USB port path\n"
		"  -c --cfg NUMBER                 configuration value (0: any)\n"
		"  -i --intf NUMBER                DFU interface number\n"
		"  -a --alt NUMBER|NAME            alt setting by number or exact name\n"
		"  -S --serial SERIAL[,SERIAL_DFU] serial number (run-time, DFU mode)\n"
		"  -t --transfer-size BYTES        override wTransferSize (0: the device's)\n"
		"  -U --upload FILE                read the device into FILE (must not exist)\n"
		"  -Z --upload-size BYTES          expected upload size\n"
		"  -D --download FILE              write FILE (.bin, .dfu, .hex, .s19; - is stdin)\n"
		"  -R --reset                      reset the device afterwards\n"
		"  -w --wait                       wait for the device to appear (no value)\n"
		"  -s --dfuse-address ADDRESS[:force][:leave][:unprotect][:mass-erase]"
		"[:will-reset][:LENGTH]\n"
		"                                  DfuSe address and modifiers\n"
		"dfu-flash only:\n"
		"  --reload-option-bytes           rewrite the option bytes unchanged (re-samples\n"
		"                                  the STM32 flash-empty flag), check the result\n"
		"  --fix-empty-check               do that automatically when leave ends trapped\n"
		"  --show-options                  print the option bytes as named fields\n"
		"  --set-option NAME=VALUE         change one option-byte field (repeatable)\n"
		"  --i-really-want-rdp-level-2-and-lose-the-bootloader\n"
		"                                  allow --set-option RDP=2 (irreversible)\n"
		"  --no-verify                     skip the read-back after writing\n"
		"  --force-image                   write a HEX/S-record image whose vector table\n"
		"                                  is not plausible (the chip would lock up)\n"
		"  --poll honour|clamp=MS          bwPollTimeout policy (default honour)\n"
		"  --json                          one JSON object per event on stdout\n"
		"  --all                           every matching device, with a result table\n"
		"  --jobs N                        with --all: at most N devices at once (default: all)\n"
		"  --progress / --quiet            force the progress bar on / all chatter off\n"
		"  --return-timeout MS             how long to wait for the device to come back\n"
		"  --transcript FILE               write every control transfer to FILE\n");
	for (size_t k = 0; k < cli_xport_count(); k++) {
		const struct cli_xport_kind *x = cli_xport_at(k);
		if (x->option)
			fprintf(f, "  %s %-22s %s%s%s\n", x->option, x->metavar, x->help,
				x->env ? "; env " : "", x->env ? x->env : "");
	}
	fprintf(f, "Exit codes: 0 done, 3 flashed but the chip still runs its ROM bootloader,\n"
		   "64 usage, 65 bad file, 66 cannot read file, 70 internal, 73 cannot create\n"
		   "the upload file, 74 USB or verify failure, 76 device in the wrong mode.\n");
}
