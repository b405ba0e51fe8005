/*
 * cli_options.c - dfu-flash's command line into struct cli_opts.
 *
 * dfu-util 0.11's options keep their letters and meanings ([dfu-util-0.11],
 * options); the parser is dfu-flash's own and stricter: a number with
 * trailing junk, an unknown -s modifier or a missing argument is a usage
 * error (exit 64) that names the option, the value and the fix. Nothing here
 * opens a device or a file.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/cli.h"

enum opt_id {
	O_HELP, O_VERSION, O_VERBOSE, O_LIST, O_DETACH, O_DETACH_DELAY, O_DEVICE, O_DEVNUM,
	O_PATH, O_CFG, O_INTF, O_ALT, O_SERIAL, O_XFER, O_UPLOAD, O_UPSIZE, O_DOWNLOAD,
	O_RESET, O_WAIT, O_DFUSE, O_RELOAD_OB, O_FIX_EMPTY, O_SHOW_OB, O_SET_OB, O_RDP2,
	O_NO_VERIFY, O_POLL, O_JSON, O_ALL, O_PROGRESS, O_QUIET, O_RETURN_TIMEOUT,
	O_TRANSCRIPT, O_JOBS, O_XPORT,
};

struct opt_def {
	char shortopt;
	const char *longopt;
	bool has_arg;
	enum opt_id id;
};

static const struct opt_def defs[] = {
	{ 'h', "help", false, O_HELP },
	{ 'V', "version", false, O_VERSION },
	{ 'v', "verbose", false, O_VERBOSE },
	{ 'l', "list", false, O_LIST },
	{ 'e', "detach", false, O_DETACH },
	{ 'E', "detach-delay", true, O_DETACH_DELAY },
	{ 'd', "device", true, O_DEVICE },
	{ 'n', "devnum", true, O_DEVNUM },
	{ 'p', "path", true, O_PATH },
	{ 'c', "cfg", true, O_CFG },
	{ 0, "configuration", true, O_CFG },
	{ 'i', "intf", true, O_INTF },
	{ 0, "interface", true, O_INTF },
	{ 'a', "alt", true, O_ALT },
	{ 0, "altsetting", true, O_ALT },
	{ 'S', "serial", true, O_SERIAL },
	{ 't', "transfer-size", true, O_XFER },
	{ 'U', "upload", true, O_UPLOAD },
	{ 'Z', "upload-size", true, O_UPSIZE },
	{ 'D', "download", true, O_DOWNLOAD },
	{ 'R', "reset", false, O_RESET },
	{ 'w', "wait", false, O_WAIT },
	{ 's', "dfuse-address", true, O_DFUSE },
	{ 0, "reload-option-bytes", false, O_RELOAD_OB },
	{ 0, "fix-empty-check", false, O_FIX_EMPTY },
	{ 0, "show-options", false, O_SHOW_OB },
	{ 0, "set-option", true, O_SET_OB },
	{ 0, "i-really-want-rdp-level-2-and-lose-the-bootloader", false, O_RDP2 },
	{ 0, "no-verify", false, O_NO_VERIFY },
	{ 0, "poll", true, O_POLL },
	{ 0, "json", false, O_JSON },
	{ 0, "all", false, O_ALL },
	{ 0, "jobs", true, O_JOBS },
	{ 0, "progress", false, O_PROGRESS },
	{ 0, "quiet", false, O_QUIET },
	{ 0, "return-timeout", true, O_RETURN_TIMEOUT },
	{ 0, "transcript", true, O_TRANSCRIPT },
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
		/* One pair: the same IDs in run-time and DFU mode. */
		o->dfu_vid = o->rt_vid;
		o->dfu_pid = o->rt_pid;
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
		if (n == 0 || n >= sizeof(tok))
			return usage_err(msg, cap,
					 "-s \"%s\" has an empty modifier; modifiers are force, leave, "
					 "unprotect, mass-erase, will-reset or an upload length",
					 arg);
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

static int apply(struct cli_opts *o, const struct opt_def *d, const char *name, const char *v,
		 char *msg, size_t cap)
{
	unsigned long long n;
	int rc = 0;

	switch (d->id) {
	case O_HELP: o->help = true; break;
	case O_VERSION: o->version = true; break;
	case O_VERBOSE: o->verbose++; break;
	case O_LIST: o->list = true; break;
	case O_DETACH: o->detach = true; break;
	case O_DETACH_DELAY:
		rc = num_arg(name, v, 3600, 10, &n, "a delay in seconds", msg, cap);
		o->detach_delay_s = (unsigned)n;
		break;
	case O_DEVICE: rc = cli_parse_device(v, o, msg, cap); break;
	case O_DEVNUM:
		rc = num_arg(name, v, 127, 10, &n, "a USB device number", msg, cap);
		o->devnum = (int)n;
		break;
	case O_PATH: o->path = v; break;
	case O_CFG:
		rc = num_arg(name, v, 255, 10, &n, "a configuration value", msg, cap);
		o->cfg = (int)n;
		break;
	case O_INTF:
		rc = num_arg(name, v, 255, 10, &n, "an interface number", msg, cap);
		o->intf = (int)n;
		break;
	case O_ALT:
		/* dfu-util: a number if it parses whole (base 0), else a name. */
		if (parse_num(v, 255, &n, 0)) {
			o->alt = (int)n;
			o->alt_name = NULL;
		} else if (!*v) {
			rc = usage_err(msg, cap, "%s needs an alt setting number or its exact name "
						 "(-l shows them)", name);
		} else {
			o->alt = -1;
			o->alt_name = v;
		}
		break;
	case O_SERIAL: rc = cli_parse_serial(v, o, msg, cap); break;
	case O_XFER:
		rc = num_arg(name, v, 65535, 0, &n, "a transfer size in bytes", msg, cap);
		if (rc == 0 && n == 0)
			rc = usage_err(msg, cap, "%s 0: the transfer size must be at least 1 byte "
						 "(the device's wTransferSize is used without -t)", name);
		o->transfer_size = (unsigned)n;
		break;
	case O_UPLOAD: o->upload = v; break;
	case O_UPSIZE:
		rc = num_arg(name, v, 0xFFFFFFFFu, 0, &n, "a size in bytes", msg, cap);
		o->upload_size = (long long)n;
		break;
	case O_DOWNLOAD: o->download = v; break;
	case O_RESET: o->reset = true; break;
	case O_WAIT: o->wait = true; break;
	case O_DFUSE: rc = cli_parse_dfuse_spec(v, &o->s, msg, cap); break;
	case O_RELOAD_OB: o->reload_ob = true; break;
	case O_FIX_EMPTY: o->fix_empty_check = true; break;
	case O_SHOW_OB: o->show_options = true; break;
	case O_SET_OB:
		if (!strchr(v, '=') || v[0] == '=')
			return usage_err(msg, cap, "--set-option \"%s\" is not NAME=VALUE; for example "
						   "--set-option nSWBOOT0=0 (--show-options lists the names)", v);
		if (o->nset_options >= CLI_MAX_SET_OPTIONS)
			return usage_err(msg, cap, "more than %d --set-option; combine them into one "
						   "run of at most %d", CLI_MAX_SET_OPTIONS, CLI_MAX_SET_OPTIONS);
		o->set_option[o->nset_options++] = v;
		break;
	case O_RDP2: o->rdp2_ok = true; break;
	case O_NO_VERIFY: o->no_verify = true; break;
	case O_POLL:
		if (strcmp(v, "honour") == 0 || strcmp(v, "honor") == 0) {
			o->poll = CLI_POLL_HONOUR;
		} else if (strncmp(v, "clamp=", 6) == 0 && parse_num(v + 6, 600000, &n, 10) && n > 0) {
			o->poll = CLI_POLL_CLAMP;
			o->poll_clamp_ms = (uint32_t)n;
		} else {
			rc = usage_err(msg, cap, "--poll \"%s\" is not honour or clamp=MS (1-600000); "
						 "for example --poll clamp=50", v);
		}
		break;
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
	case O_XPORT: break;
	}
	return rc;
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

static const char *env_get(const char *const *env, const char *name)
{
	size_t n = strlen(name);
	for (; env && *env; env++)
		if (strncmp(*env, name, n) == 0 && (*env)[n] == '=')
			return *env + n + 1;
	return NULL;
}

int cli_parse(struct cli_opts *o, int argc, char **argv, const char *const *env, char *msg,
	      size_t cap)
{
	bool only_args = false;
	int rc;

	msg[0] = '\0';
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (only_args || a[0] != '-' || a[1] == '\0')
			return usage_err(msg, cap, "unexpected argument \"%s\"; files go after -D or -U "
						   "(dfu-flash -h lists the options)", a);
		if (a[1] == '-') {
			const char *name = a + 2, *eq = strchr(name, '=');
			size_t nl = eq ? (size_t)(eq - name) : strlen(name);
			const struct opt_def *d = NULL;
			const char *v = NULL;

			if (nl == 0) {
				only_args = true;
				continue;
			}
			for (size_t k = 0; k < cli_xport_count(); k++) {
				const char *on = cli_xport_at(k)->option;
				if (on && strlen(on) == nl + 2 && strncmp(on + 2, name, nl) == 0) {
					v = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
					if (!v)
						return usage_err(msg, cap, "%s needs %s", on,
								 cli_xport_at(k)->metavar);
					rc = set_xport(o, (int)k, v, msg, cap);
					if (rc)
						return rc;
					goto next;
				}
			}
			for (size_t k = 0; k < sizeof(defs) / sizeof(defs[0]); k++)
				if (strlen(defs[k].longopt) == nl && strncmp(defs[k].longopt, name, nl) == 0)
					d = &defs[k];
			if (!d)
				return usage_err(msg, cap, "unknown option \"--%.*s\"; dfu-flash -h lists "
							   "the options", (int)nl, name);
			if (d->has_arg) {
				v = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
				if (!v)
					return usage_err(msg, cap, "--%s needs a value", d->longopt);
			} else if (eq) {
				return usage_err(msg, cap, "--%s takes no value (\"%s\")", d->longopt, a);
			}
			rc = apply(o, d, a, v, msg, cap);
			if (rc)
				return rc;
			continue;
		}
		/* A cluster of short options; one that takes a value ends it. */
		for (const char *c = a + 1; *c; c++) {
			const struct opt_def *d = NULL;
			char name[3] = { '-', *c, '\0' };
			const char *v = NULL;

			for (size_t k = 0; k < sizeof(defs) / sizeof(defs[0]); k++)
				if (defs[k].shortopt == *c)
					d = &defs[k];
			if (!d)
				return usage_err(msg, cap, "unknown option \"-%c\"; dfu-flash -h lists the "
							   "options", *c);
			if (d->has_arg) {
				v = c[1] ? c + 1 : (i + 1 < argc ? argv[++i] : NULL);
				if (!v)
					return usage_err(msg, cap, "-%c needs a value", *c);
				rc = apply(o, d, name, v, msg, cap);
				if (rc)
					return rc;
				break;
			}
			rc = apply(o, d, name, v, msg, cap);
			if (rc)
				return rc;
		}
next:;
	}

	/* A transport from the environment, when the command line names none. */
	for (size_t k = 0; o->xport < 0 && k < cli_xport_count(); k++) {
		const char *e = cli_xport_at(k)->env;
		const char *v = e ? env_get(env, e) : NULL;
		if (v && *v) {
			o->xport = (int)k;
			o->xport_arg = v;
		}
	}

	/* Combinations. */
	if (o->help || o->version)
		return 0;
	if (o->download && o->upload)
		return usage_err(msg, cap, "-D %s and -U %s both given; dfu-flash downloads or "
					   "uploads in one run, not both", o->download, o->upload);
	if (o->fix_empty_check && !o->download && !o->s.given)
		return usage_err(msg, cap, "--fix-empty-check acts after a leave; give it with "
					   "-D FILE -s ADDRESS:leave (or use --reload-option-bytes alone)");
	if (o->upload_size >= 0 && !o->upload)
		return usage_err(msg, cap, "-Z %lld without -U: the upload size needs an upload "
					   "(-U FILE)", o->upload_size);
	if (o->s.given && o->s.have_length && !o->upload)
		return usage_err(msg, cap, "-s: the length %u is an upload length; it needs -U FILE",
				 o->s.length);
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

void cli_usage(FILE *f)
{
	fprintf(f,
		"Usage: dfu-flash [options] ...\n"
		"  -h --help                       print this help and exit\n"
		"  -V --version                    print the version and exit\n"
		"  -v --verbose                    more detail (repeat for transfers)\n"
		"  -l --list                       list DFU interfaces, one line per alt\n"
		"  -e --detach                     detach a run-time device into DFU mode\n"
		"  -E --detach-delay SECONDS       wait after detach (default 5)\n"
		"  -d --device [VID]:[PID][,[VID]:[PID]]  run-time and DFU-mode IDs (hex; * any)\n"
		"  -n --devnum NUMBER              USB device number\n"
		"  -p --path BUS-PORT[.PORT...]    USB port path\n"
		"  -c --cfg NUMBER                 configuration value (0: any)\n"
		"  -i --intf NUMBER                DFU interface number\n"
		"  -a --alt NUMBER|NAME            alt setting by number or exact name\n"
		"  -S --serial SERIAL[,SERIAL_DFU] serial number (run-time, DFU mode)\n"
		"  -t --transfer-size BYTES        override wTransferSize\n"
		"  -U --upload FILE                read the device into FILE (must not exist)\n"
		"  -Z --upload-size BYTES          expected upload size\n"
		"  -D --download FILE              write FILE (.bin, .dfu; - is stdin)\n"
		"  -R --reset                      reset the device afterwards\n"
		"  -w --wait                       wait for the device to appear\n"
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
