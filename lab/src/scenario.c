/*
 * scenario.c - the scenario language: tokenizer, parser, runner.
 *
 * A file is read whole, split into lines, each line into words (double
 * quotes group words, \" and \\ escape inside them, '#' outside quotes
 * starts a comment). Every line is checked before anything runs: command
 * names, argument counts and forms, board numbers against the `chip` line,
 * image names against earlier `image` lines. Then the commands run in order
 * through the board operations table. A failed expectation is counted and
 * the run goes on (later lines often say more); a step that cannot be
 * carried out stops the file.
 */
#include "lab/scenario.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dfu/bytes.h"
#include "dfu/dfu_file.h"
#include "dfu/error.h"
#include "sim/sim_board.h"

#define MAX_TOK 48
#define MAX_IMAGES 16
#define IMAGE_DEFAULT_SIZE (16 * 1024)
#define IMAGE_MAX_SIZE (2 * 1024 * 1024)

struct cmd {
	const char *file;
	unsigned line;
	int def;		/* index in cmd_defs */
	int ntok;
	char *tok[MAX_TOK];
};

struct image {
	char name[32];
	uint8_t *data;
	size_t len;
	char path[256];
};

struct scn {
	const char *file;
	const struct scn_options *o;
	const struct scn_board_ops *ops;
	void *be;
	struct scn_result *res;
	/* parse state */
	bool chip_seen;
	struct sim_board_spec chip;
	char declared[MAX_IMAGES][32];
	size_t ndeclared;
	/* run state */
	struct image img[MAX_IMAGES];
	size_t nimg;
	char tmpdir[200];
	bool ran;		/* a `run` happened */
	int last_exit;
	char *out;		/* the last run's stdout then stderr */
	uint64_t t0_us;
	bool set_up;		/* the backend built the boards */
};

struct cmd_def {
	const char *name;
	const char *usage;
	int min_args, max_args;	/* words after the command name; -1: any */
	int (*check)(struct scn *s, struct cmd *c);
	int (*exec)(struct scn *s, struct cmd *c);
};

/* ---- messages ---- */

static int err_at(struct scn *s, const struct cmd *c, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* "file:line: text" (line 0: "file: text") into res->msg, unless one is there. */
static void set_msg(struct scn *s, unsigned line, const char *text)
{
	char *m = s->res->msg;
	size_t cap = sizeof(s->res->msg);
	int n;

	if (m[0])
		return;
	n = line ? snprintf(m, cap, "%s:%u: ", s->file, line) : snprintf(m, cap, "%s: ", s->file);
	if (n > 0 && (size_t)n < cap)
		snprintf(m + n, cap - (size_t)n, "%s", text);
}

static int err_at(struct scn *s, const struct cmd *c, const char *fmt, ...)
{
	va_list ap;
	char text[SCN_MSG_MAX];

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	s->res->error = true;
	set_msg(s, c ? c->line : 0, text);
	return -1;
}

static void say(struct scn *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(struct scn *s, const char *fmt, ...)
{
	va_list ap;
	if (!s->o->log)
		return;
	va_start(ap, fmt);
	vfprintf(s->o->log, fmt, ap);
	va_end(ap);
}

/* One expectation's verdict. */
static void verdict(struct scn *s, const struct cmd *c, bool ok, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void verdict(struct scn *s, const struct cmd *c, bool ok, const char *fmt, ...)
{
	va_list ap;
	char text[SCN_MSG_MAX];

	s->res->expectations++;
	if (ok) {
		if (s->o->verbose)
			say(s, "%s:%u: ok\n", s->file, c->line);
		return;
	}
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	s->res->failed++;
	set_msg(s, c->line, text);
	say(s, "%s:%u: FAILED: %s\n", s->file, c->line, text);
}

/* ---- "did you mean" ---- */

static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), prev[40], cur[40];

	if (la >= 39 || lb >= 39)
		return 99;
	for (size_t j = 0; j <= lb; j++)
		prev[j] = j;
	for (size_t i = 1; i <= la; i++) {
		cur[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t sub = prev[j - 1] + (tolower((unsigned char)a[i - 1]) !=
						    tolower((unsigned char)b[j - 1]));
			size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
			cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
		}
		memcpy(prev, cur, (lb + 1) * sizeof(size_t));
	}
	return prev[lb];
}

/* "; did you mean 'x'?" for the closest of `names` (NULL-terminated by
 * stride), or "" when nothing is close. */
static void suggest(const char *word, const char *const *names, size_t n, char *out, size_t cap)
{
	size_t best = 99;
	const char *pick = NULL;

	for (size_t i = 0; i < n; i++) {
		size_t d = edit_distance(word, names[i]);
		if (d < best) {
			best = d;
			pick = names[i];
		}
	}
	if (pick && (best <= 2 || best * 3 <= strlen(word)))
		snprintf(out, cap, "; did you mean '%s'?", pick);
	else
		out[0] = '\0';
}

/* ---- tokens ---- */

/* Split `line` in place; -1 with the reason on a bad quote. */
static int tokenize(char *line, char **tok, int *ntok, const char **why)
{
	char *r = line, *w;
	int n = 0;

	for (;;) {
		while (*r == ' ' || *r == '\t' || *r == '\r')
			r++;
		if (*r == '\0' || *r == '#')
			break;
		if (n == MAX_TOK) {
			*why = "too many words on one line (at most 48)";
			return -1;
		}
		tok[n++] = w = r;
		while (*r && *r != ' ' && *r != '\t' && *r != '\r') {
			if (*r == '"') {
				r++;
				while (*r && *r != '"') {
					if (*r == '\\' && (r[1] == '"' || r[1] == '\\'))
						r++;
					*w++ = *r++;
				}
				if (*r != '"') {
					*why = "unterminated quoted string";
					return -1;
				}
				r++;
			} else {
				*w++ = *r++;
			}
		}
		if (*r)
			r++;
		*w = '\0';
	}
	*ntok = n;
	return 0;
}

static bool parse_uint(const char *t, unsigned long max, unsigned long *v)
{
	char *end;
	if (!isdigit((unsigned char)t[0]))
		return false;
	errno = 0;
	*v = strtoul(t, &end, 0);
	return !errno && *end == '\0' && *v <= max;
}

static bool valid_image_name(const char *t)
{
	if (!isalpha((unsigned char)t[0]) || strlen(t) >= 32)
		return false;
	for (; *t; t++)
		if (!isalnum((unsigned char)*t) && *t != '_' && *t != '-' && *t != '.')
			return false;
	return true;
}

static bool declared(const struct scn *s, const char *name)
{
	for (size_t i = 0; i < s->ndeclared; i++)
		if (!strcmp(s->declared[i], name))
			return true;
	return false;
}

static struct image *find_image(struct scn *s, const char *name)
{
	for (size_t i = 0; i < s->nimg; i++)
		if (!strcmp(s->img[i].name, name))
			return &s->img[i];
	return NULL;
}

/* A board number; needs the chip line first. */
static int check_dev(struct scn *s, const struct cmd *c, const char *t)
{
	unsigned long v;

	if (!s->chip_seen)
		return err_at(s, c, "%s: no 'chip' line before this one says which boards exist",
			      c->tok[0]);
	/* "expect runs: ..." rather than "expect: ..." */
	const char *sub = !strcmp(c->tok[0], "expect") && c->ntok > 1 ? c->tok[1] : NULL;

	if (!parse_uint(t, 1000, &v))
		return err_at(s, c, "%s%s%s: board number must be 0, 1, ..., not '%s'", c->tok[0],
			      sub ? " " : "", sub ? sub : "", t);
	if (v >= s->chip.count)
		return err_at(s, c,
			      "%s%s%s: board %lu does not exist (the chip line makes %u: 0..%u)",
			      c->tok[0], sub ? " " : "", sub ? sub : "", v, s->chip.count,
			      s->chip.count - 1);
	return 0;
}

static unsigned dev_of(const char *t)
{
	return (unsigned)strtoul(t, NULL, 0);
}

static int check_bit(struct scn *s, const struct cmd *c, const char *t)
{
	if (strcmp(t, "0") && strcmp(t, "1"))
		return err_at(s, c, "%s: level must be 0 or 1, not '%s'", c->tok[0], t);
	return 0;
}

/* ---- chip ---- */

/* "chip PROFILE [KEY VALUE]...": the board specification's keys
 * (sim/board_spec.h), the same as dfu-sim's flags and dfu-flash's --sim. */
static int check_chip(struct scn *s, struct cmd *c)
{
	struct sim_board_spec *k = &s->chip;
	char msg[SCN_MSG_MAX - 64];
	int rc;

	if (s->chip_seen)
		return err_at(s, c, "chip: a scenario has one 'chip' line");
	sim_board_spec_init(k);
	k->form = SIM_BOARD_SPEC_FORM_WORDS;
	rc = sim_board_spec_set(k, "chip", c->tok[1], msg, sizeof(msg));
	for (int i = 2; rc == 0 && i < c->ntok; i += 2)
		rc = sim_board_spec_set(k, c->tok[i], i + 1 < c->ntok ? c->tok[i + 1] : NULL, msg,
					sizeof(msg));
	if (rc == 0)
		rc = sim_board_spec_check(k, msg, sizeof(msg));
	if (rc < 0)
		return err_at(s, c, "chip: %s", msg);
	if (k->kind != SIM_BOARD_KIND_L4)
		return err_at(s, c, "chip: %s is not an STM32; scenarios observe what a chip runs, "
			      "its option bytes and PEMPTY (dfu-flash --sim %s drives one)",
			      c->tok[1], c->tok[1]);
	if (k->count > SCN_MAX_BOARDS)
		return err_at(s, c, "chip: count %u: a scenario drives at most %d boards",
			      k->count, SCN_MAX_BOARDS);
	s->chip_seen = true;
	return 0;
}

static int exec_chip(struct scn *s, struct cmd *c)
{
	char msg[256];
	if (s->ops->setup(s->be, &s->chip, msg, sizeof(msg)) < 0)
		return err_at(s, c, "chip: %s", msg);
	s->t0_us = s->ops->now_us(s->be);
	s->set_up = true;
	return 0;
}

/* ---- image ---- */

static int check_image(struct scn *s, struct cmd *c)
{
	const char *kind = c->tok[2];
	unsigned long n;

	if (!valid_image_name(c->tok[1]))
		return err_at(s, c, "image: name '%s' must start with a letter and hold only "
				    "letters, digits, '_', '-', '.'", c->tok[1]);
	if (declared(s, c->tok[1]))
		return err_at(s, c, "image: '%s' is already defined", c->tok[1]);
	if (s->ndeclared == MAX_IMAGES)
		return err_at(s, c, "image: at most %d images per scenario", MAX_IMAGES);
	if (!strcmp(kind, "vector-table") || !strcmp(kind, "invalid-vector")) {
		if (c->ntok == 4 && (!parse_uint(c->tok[3], IMAGE_MAX_SIZE, &n) || n < 64))
			return err_at(s, c, "image: size must be 64..%d bytes, not '%s'",
				      IMAGE_MAX_SIZE, c->tok[3]);
	} else if (c->ntok == 3 && parse_uint(kind, IMAGE_MAX_SIZE, &n) && n > 0) {
		/* raw bytes */
	} else {
		return err_at(s, c, "image: expected 'image NAME vector-table|invalid-vector "
				    "[SIZE]' or 'image NAME SIZE', got '%s'", kind);
	}
	snprintf(s->declared[s->ndeclared++], 32, "%s", c->tok[1]);
	return 0;
}

static uint32_t name_seed(const char *name)
{
	uint32_t h = 2166136261u;
	for (; *name; name++)
		h = (h ^ (uint8_t)*name) * 16777619u;
	return h ? h : 1;
}

/* The scenario's own temporary directory, made on first use; ${TMP}. */
static int make_tmpdir(struct scn *s, const struct cmd *c)
{
	const char *t = getenv("TMPDIR");

	if (s->tmpdir[0])
		return 0;
	snprintf(s->tmpdir, sizeof(s->tmpdir), "%s/dfulab-scn-XXXXXX", t && *t ? t : "/tmp");
	if (!mkdtemp(s->tmpdir)) {
		int e = errno;
		s->tmpdir[0] = '\0';
		return err_at(s, c, "cannot make a temporary directory: %s", strerror(e));
	}
	return 0;
}

static int exec_image(struct scn *s, struct cmd *c)
{
	struct image *im = &s->img[s->nimg];
	const char *kind = c->tok[2];
	bool vt = !strcmp(kind, "vector-table"), bad = !strcmp(kind, "invalid-vector");
	size_t len = vt || bad ? (c->ntok == 4 ? strtoul(c->tok[3], NULL, 0) : IMAGE_DEFAULT_SIZE)
			       : strtoul(kind, NULL, 0);
	uint32_t x = name_seed(c->tok[1]);
	FILE *f;

	snprintf(im->name, sizeof(im->name), "%s", c->tok[1]);
	im->data = malloc(len);
	if (!im->data)
		return err_at(s, c, "image: out of memory for %zu bytes", len);
	im->len = len;
	s->nimg++;
	for (size_t i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		im->data[i] = (uint8_t)(x >> 7);
	}
	if (vt) {
		/* A Cortex-M vector table: initial SP in SRAM1, Thumb handlers in
		 * flash (what the emulator judges an application by). */
		dfu_put_le32(im->data, 0x20008000u);
		for (unsigned v = 1; v < 16; v++)
			dfu_put_le32(im->data + 4 * v, 0x08000101u + (v > 1 ? 0x40u : 0u));
	} else if (bad) {
		/* The classic mistake: the ELF file flashed instead of the .bin.
		 * Its first word (0x464C457F) is no stack pointer. */
		static const uint8_t elf[16] = { 0x7f, 'E', 'L', 'F', 1, 1, 1, 0 };
		memcpy(im->data, elf, sizeof(elf));
	}
	if (make_tmpdir(s, c))
		return -1;
	{
		char path[sizeof(im->path)];
		snprintf(path, sizeof(path), "%s/%s.bin", s->tmpdir, c->tok[1]);
		memcpy(im->path, path, sizeof(path));
	}
	f = fopen(im->path, "wb");
	if (!f || fwrite(im->data, 1, len, f) != len || fclose(f)) {
		int e = errno;
		im->path[0] = '\0';
		return err_at(s, c, "image: cannot write %s: %s", s->tmpdir, strerror(e));
	}
	return 0;
}

/* ---- board commands ---- */

static int check_preload(struct scn *s, struct cmd *c)
{
	if (check_dev(s, c, c->tok[1]))
		return -1;
	if (!declared(s, c->tok[2]))
		return err_at(s, c, "preload: no image named '%s' above this line", c->tok[2]);
	return 0;
}

static int exec_preload(struct scn *s, struct cmd *c)
{
	struct image *im = find_image(s, c->tok[2]);
	char msg[256];
	if (s->ops->preload(s->be, dev_of(c->tok[1]), im->data, im->len, msg, sizeof(msg)) < 0)
		return err_at(s, c, "preload: %s", msg);
	return 0;
}

static int check_option(struct scn *s, struct cmd *c)
{
	if (check_dev(s, c, c->tok[1]))
		return -1;
	if (!strchr(c->tok[2], '=') || c->tok[2][0] == '=')
		return err_at(s, c, "%s: expected FIELD=VALUE, got '%s'", c->tok[0], c->tok[2]);
	return 0;
}

static int exec_option(struct scn *s, struct cmd *c)
{
	char msg[256];
	if (s->ops->set_option(s->be, dev_of(c->tok[1]), c->tok[2], msg, sizeof(msg)) < 0)
		return err_at(s, c, "option: %s", msg);
	return 0;
}

static int check_boot0(struct scn *s, struct cmd *c)
{
	return check_dev(s, c, c->tok[1]) || check_bit(s, c, c->tok[2]) ? -1 : 0;
}

static int exec_boot0(struct scn *s, struct cmd *c)
{
	char msg[256];
	if (s->ops->boot0(s->be, dev_of(c->tok[1]), c->tok[2][0] == '1', msg, sizeof(msg)) < 0)
		return err_at(s, c, "boot0: %s", msg);
	return 0;
}

static int check_dev_only(struct scn *s, struct cmd *c)
{
	return check_dev(s, c, c->tok[1]);
}

static int exec_power(struct scn *s, struct cmd *c)
{
	enum scn_power what = !strcmp(c->tok[0], "power-on")	  ? SCN_POWER_ON
			      : !strcmp(c->tok[0], "power-off")	  ? SCN_POWER_OFF
			      : !strcmp(c->tok[0], "power-cycle") ? SCN_POWER_CYCLE
								  : SCN_POWER_RESET;
	char msg[256];
	if (s->ops->power(s->be, dev_of(c->tok[1]), what, msg, sizeof(msg)) < 0)
		return err_at(s, c, "%s: %s", c->tok[0], msg);
	return 0;
}

static int check_wait(struct scn *s, struct cmd *c)
{
	unsigned long v;
	if (!parse_uint(c->tok[1], 3600000, &v))
		return err_at(s, c, "wait: milliseconds 0..3600000, not '%s'", c->tok[1]);
	return 0;
}

static int exec_wait(struct scn *s, struct cmd *c)
{
	char msg[256];
	if (s->ops->wait_ms(s->be, strtoul(c->tok[1], NULL, 0), msg, sizeof(msg)) < 0)
		return err_at(s, c, "wait: %s", msg);
	return 0;
}

/* ---- run dfu-flash ---- */

/* ${NAME} -> the image file's path; ${TMP} -> the scenario's temporary directory. */
static int subst(struct scn *s, const struct cmd *c, const char *in, char *out, size_t cap,
		 bool check_only)
{
	size_t w = 0;

	while (*in) {
		if (in[0] == '$' && in[1] == '{') {
			const char *end = strchr(in, '}');
			char name[32];
			size_t n;
			if (!end || (n = (size_t)(end - in - 2)) == 0 || n >= sizeof(name))
				return err_at(s, c, "run: bad ${...} in '%s'", in);
			memcpy(name, in + 2, n);
			name[n] = '\0';
			if (!strcmp(name, "TMP")) {
				if (!check_only) {
					size_t pl;
					if (make_tmpdir(s, c))
						return -1;
					pl = strlen(s->tmpdir);
					if (w + pl >= cap)
						return err_at(s, c, "run: argument too long");
					memcpy(out + w, s->tmpdir, pl);
					w += pl;
				}
			} else if (check_only) {
				if (!declared(s, name))
					return err_at(s, c, "run: no image named '%s' above this line",
						      name);
			} else {
				const struct image *im = find_image(s, name);
				size_t pl = strlen(im->path);
				if (w + pl >= cap)
					return err_at(s, c, "run: argument too long");
				memcpy(out + w, im->path, pl);
				w += pl;
			}
			in = end + 1;
			continue;
		}
		if (!check_only) {
			if (w + 1 >= cap)
				return err_at(s, c, "run: argument too long");
			out[w++] = *in;
		}
		in++;
	}
	if (!check_only)
		out[w] = '\0';
	return 0;
}

static int check_run(struct scn *s, struct cmd *c)
{
	if (strcmp(c->tok[1], "dfu-flash"))
		return err_at(s, c, "run: only 'run dfu-flash ARGS...' is known, not '%s'",
			      c->tok[1]);
	if (!s->chip_seen)
		return err_at(s, c, "run: no 'chip' line before this one says which boards exist");
	for (int i = 2; i < c->ntok; i++)
		if (subst(s, c, c->tok[i], NULL, 0, true))
			return -1;
	return 0;
}

static char *slurp(FILE *f, char *prefix_buf)
{
	long n;
	size_t have = prefix_buf ? strlen(prefix_buf) : 0;
	char *buf;

	fflush(f);
	n = ftell(f);
	if (n < 0)
		n = 0;
	buf = realloc(prefix_buf, have + (size_t)n + 1);
	if (!buf)
		return prefix_buf;
	rewind(f);
	have += fread(buf + have, 1, (size_t)n, f);
	buf[have] = '\0';
	return buf;
}

static int exec_run(struct scn *s, struct cmd *c)
{
	char *argv[MAX_TOK + 1];
	char args[MAX_TOK][300];
	int argc = 0;
	FILE *out = tmpfile(), *err = tmpfile();

	if (!out || !err) {
		if (out)
			fclose(out);
		if (err)
			fclose(err);
		return err_at(s, c, "run: cannot make a temporary file: %s", strerror(errno));
	}
	argv[argc++] = (char *)"dfu-flash";
	for (int i = 2; i < c->ntok; i++) {
		if (subst(s, c, c->tok[i], args[argc], sizeof(args[argc]), false)) {
			fclose(out);
			fclose(err);
			return -1;
		}
		argv[argc] = args[argc];
		argc++;
	}
	argv[argc] = NULL;
	s->last_exit = s->ops->dfu_flash(s->be, argc, argv, out, err);
	s->ran = true;
	free(s->out);
	s->out = slurp(err, slurp(out, NULL));
	fclose(out);
	fclose(err);
	if (s->o->verbose && s->out) {
		say(s, "%s:%u: dfu-flash exited %d:\n", s->file, c->line, s->last_exit);
		for (const char *p = s->out; *p;) {
			const char *nl = strchr(p, '\n');
			int n = nl ? (int)(nl - p) : (int)strlen(p);
			say(s, "    | %.*s\n", n, p);
			p += n + (nl != NULL);
		}
	}
	return 0;
}

/* ---- expect ---- */

enum { EX_EXIT, EX_RUNS, EX_APP_CRC, EX_OPTION, EX_PEMPTY, EX_LOG, EX_OUTPUT, EX_NO_OUTPUT };
static const char *const expect_kinds[] = { "exit",   "runs", "app-crc", "option",
					    "pempty", "log",  "output",  "no-output" };
#define NEXPECT (sizeof(expect_kinds) / sizeof(expect_kinds[0]))
static const char *const runs_names[] = { "nothing", "rom", "app", "sram", "lockup" };

const char *scn_runs_name(enum scn_runs r)
{
	return (unsigned)r < 5 ? runs_names[r] : "?";
}

static int expect_kind(const char *t)
{
	for (size_t i = 0; i < NEXPECT; i++)
		if (!strcmp(t, expect_kinds[i]))
			return (int)i;
	return -1;
}

/* Words after the kind: [DEV] VALUE for runs and app-crc (DEV defaults to 0). */
static int check_expect(struct scn *s, struct cmd *c)
{
	int k = expect_kind(c->tok[1]), nargs = c->ntok - 2;
	const char *a = nargs > 0 ? c->tok[2] : NULL, *b = nargs > 1 ? c->tok[3] : NULL;
	char hint[64];
	unsigned long v;

	if (k < 0) {
		suggest(c->tok[1], expect_kinds, NEXPECT, hint, sizeof(hint));
		return err_at(s, c, "expect: unknown expectation '%s'%s", c->tok[1], hint);
	}
	switch (k) {
	case EX_EXIT:
		if (nargs != 1 || !parse_uint(a, 255, &v))
			return err_at(s, c, "expect exit: expected 'expect exit N' (0..255)");
		return 0;
	case EX_RUNS:
	case EX_APP_CRC:
		if (nargs == 2) {
			if (check_dev(s, c, a))
				return -1;
			a = b;
		} else if (nargs != 1) {
			return err_at(s, c, "expect %s: expected 'expect %s [DEV] %s'", c->tok[1],
				      c->tok[1], k == EX_RUNS ? "WHAT" : "IMAGE");
		} else if (!s->chip_seen) {
			return check_dev(s, c, "0");
		}
		if (k == EX_RUNS) {
			for (size_t i = 0; i < 5; i++)
				if (!strcmp(a, runs_names[i]))
					return 0;
			suggest(a, runs_names, 5, hint, sizeof(hint));
			return err_at(s, c, "expect runs: '%s' is not one of rom, app, nothing, "
					    "lockup, sram%s", a, hint);
		}
		if (!declared(s, a))
			return err_at(s, c, "expect app-crc: no image named '%s' above this line", a);
		return 0;
	case EX_OPTION:
		if (nargs != 2)
			return err_at(s, c, "expect option: expected 'expect option DEV FIELD=VALUE'");
		if (check_dev(s, c, a))
			return -1;
		{
			const char *eq = strchr(b, '=');
			if (!eq || eq == b || !parse_uint(eq + 1, 0xFFFFFFFFul, &v))
				return err_at(s, c, "expect option: expected FIELD=NUMBER, got '%s'",
					      b);
		}
		return 0;
	case EX_PEMPTY:
		if (nargs != 2)
			return err_at(s, c, "expect pempty: expected 'expect pempty DEV 0|1'");
		return check_dev(s, c, a) || check_bit(s, c, b) ? -1 : 0;
	case EX_LOG:
		if (nargs != 2 || !*b)
			return err_at(s, c, "expect log: expected 'expect log DEV \"text\"'");
		return check_dev(s, c, a);
	case EX_OUTPUT:
	case EX_NO_OUTPUT:
	default:
		if (nargs != 1 || !*a)
			return err_at(s, c, "expect %s: expected 'expect %s \"text\"'", c->tok[1],
				      c->tok[1]);
		return 0;
	}
}

static int exec_expect(struct scn *s, struct cmd *c)
{
	int k = expect_kind(c->tok[1]), nargs = c->ntok - 2;
	const char *a = nargs > 0 ? c->tok[2] : NULL, *b = nargs > 1 ? c->tok[3] : NULL;
	char msg[256], text[200];
	unsigned dev = 0;

	if ((k == EX_EXIT || k == EX_OUTPUT || k == EX_NO_OUTPUT) && !s->ran)
		return err_at(s, c, "expect %s: no 'run' above this line", c->tok[1]);
	if ((k == EX_RUNS || k == EX_APP_CRC) && nargs == 2) {
		dev = dev_of(a);
		a = b;
	}
	switch (k) {
	case EX_EXIT: {
		int want = (int)strtoul(a, NULL, 0);
		verdict(s, c, s->last_exit == want, "expect exit %d: dfu-flash exited %d", want,
			s->last_exit);
		return 0;
	}
	case EX_RUNS: {
		enum scn_runs r;
		if (s->ops->runs(s->be, dev, &r, text, sizeof(text)) < 0)
			return err_at(s, c, "expect runs: %s", text);
		verdict(s, c, !strcmp(scn_runs_name(r), a),
			"expect runs %s: board %u runs %s (%s)", a, dev, scn_runs_name(r), text);
		return 0;
	}
	case EX_APP_CRC: {
		const struct image *im = find_image(s, a);
		uint32_t want = dfu_crc32(DFU_CRC_INIT, im->data, im->len) ^ 0xFFFFFFFFu, got = 0;
		enum scn_runs r;
		if (s->ops->runs(s->be, dev, &r, text, sizeof(text)) < 0)
			return err_at(s, c, "expect app-crc: %s", text);
		if (s->ops->flash_crc(s->be, dev, (uint32_t)im->len, &got, msg, sizeof(msg)) < 0)
			return err_at(s, c, "expect app-crc: %s", msg);
		verdict(s, c, r == SCN_RUNS_APP && got == want,
			"expect app-crc %s: want an application with CRC32 0x%08x over %zu bytes; "
			"board %u runs %s, flash CRC32 0x%08x",
			a, want, im->len, dev, scn_runs_name(r), got);
		return 0;
	}
	case EX_OPTION: {
		char field[40];
		const char *eq = strchr(b, '=');
		uint32_t want = (uint32_t)strtoul(eq + 1, NULL, 0), got;
		snprintf(field, sizeof(field), "%.*s", (int)(eq - b), b);
		if (s->ops->option_get(s->be, dev_of(a), field, &got, msg, sizeof(msg)) < 0)
			return err_at(s, c, "expect option: %s", msg);
		verdict(s, c, got == want, "expect option %s: board %s has %s=0x%x", b, a, field,
			got);
		return 0;
	}
	case EX_PEMPTY: {
		bool pe;
		if (s->ops->pempty(s->be, dev_of(a), &pe, msg, sizeof(msg)) < 0)
			return err_at(s, c, "expect pempty: %s", msg);
		verdict(s, c, pe == (b[0] == '1'), "expect pempty %s: board %s has PEMPTY=%d", b, a,
			pe);
		return 0;
	}
	case EX_LOG: {
		int rc = s->ops->log_find(s->be, dev_of(a), b, text, sizeof(text));
		verdict(s, c, rc == 0, "expect log: no event-log line of board %s contains \"%s\"",
			a, b);
		if (rc == 0 && s->o->verbose)
			say(s, "    chip %s\n", text);
		return 0;
	}
	case EX_OUTPUT:
		verdict(s, c, s->out && strstr(s->out, a),
			"expect output: dfu-flash's output lacks \"%s\"; it was:\n%s", a,
			s->out ? s->out : "");
		return 0;
	case EX_NO_OUTPUT:
	default:
		verdict(s, c, !s->out || !strstr(s->out, a),
			"expect no-output: dfu-flash's output contains \"%s\"", a);
		return 0;
	}
}

/* ---- the table ---- */

static const struct cmd_def cmd_defs[] = {
	{ "chip", "chip PROFILE [KEY VALUE]... (the board specification: count, boot0, timing, "
		  "leave, ob-reset, app, quirk, serial, image; dfu-sim --help lists them)",
	  1, -1, check_chip, exec_chip },
	{ "image", "image NAME vector-table|invalid-vector [SIZE] | image NAME SIZE", 2, 3,
	  check_image, exec_image },
	{ "preload", "preload DEV IMAGE", 2, 2, check_preload, exec_preload },
	{ "option", "option DEV FIELD=VALUE", 2, 2, check_option, exec_option },
	{ "boot0", "boot0 DEV 0|1", 2, 2, check_boot0, exec_boot0 },
	{ "power-on", "power-on DEV", 1, 1, check_dev_only, exec_power },
	{ "power-off", "power-off DEV", 1, 1, check_dev_only, exec_power },
	{ "power-cycle", "power-cycle DEV", 1, 1, check_dev_only, exec_power },
	{ "reset", "reset DEV", 1, 1, check_dev_only, exec_power },
	{ "wait", "wait MS", 1, 1, check_wait, exec_wait },
	{ "run", "run dfu-flash ARGS...", 1, -1, check_run, exec_run },
	{ "expect", "expect exit|runs|app-crc|option|pempty|log|output|no-output ...", 2, 3,
	  check_expect, exec_expect },
};
#define NDEFS (sizeof(cmd_defs) / sizeof(cmd_defs[0]))

static int parse_line(struct scn *s, struct cmd *c)
{
	const char *names[NDEFS];
	char hint[64];
	int nargs = c->ntok - 1;

	for (size_t i = 0; i < NDEFS; i++) {
		names[i] = cmd_defs[i].name;
		if (!strcmp(c->tok[0], names[i]))
			c->def = (int)i;
	}
	if (c->def < 0) {
		suggest(c->tok[0], names, NDEFS, hint, sizeof(hint));
		return err_at(s, c, "unknown command '%s'%s", c->tok[0], hint);
	}
	if (nargs < cmd_defs[c->def].min_args ||
	    (cmd_defs[c->def].max_args >= 0 && nargs > cmd_defs[c->def].max_args))
		return err_at(s, c, "%s: expected '%s'", c->tok[0], cmd_defs[c->def].usage);
	return cmd_defs[c->def].check(s, c);
}

static void cleanup(struct scn *s)
{
	for (size_t i = 0; i < s->nimg; i++)
		free(s->img[i].data);
	if (s->tmpdir[0]) {
		/* Files dfu-flash made there too (-U ${TMP}/x.bin). */
		DIR *d = opendir(s->tmpdir);
		struct dirent *e;
		while (d && (e = readdir(d)) != NULL) {
			char p[sizeof(s->tmpdir) + 260];
			if (e->d_name[0] == '.')
				continue;
			snprintf(p, sizeof(p), "%s/%s", s->tmpdir, e->d_name);
			unlink(p);
		}
		if (d)
			closedir(d);
		rmdir(s->tmpdir);
	}
	free(s->out);
}

int scn_run_text(const char *name, const char *text, const struct scn_options *o,
		 struct scn_result *res)
{
	static const struct scn_options quiet = { 0 };
	struct scn s;
	char *buf = strdup(text ? text : ""), *line;
	struct cmd *cmds = NULL;
	size_t ncmds = 0, cap = 0;
	unsigned lineno = 0;
	bool own_be = false;
	int rc = 0;

	memset(res, 0, sizeof(*res));
	memset(&s, 0, sizeof(s));
	s.file = name;
	s.o = o ? o : &quiet;
	s.res = res;
	if (!buf)
		return err_at(&s, NULL, "out of memory");

	/* Pass 1: check every line. */
	for (line = buf; line && rc == 0; lineno++) {
		char *nl = strchr(line, '\n');
		struct cmd c;
		const char *why = NULL;

		if (nl)
			*nl = '\0';
		memset(&c, 0, sizeof(c));
		c.file = name;
		c.line = lineno + 1;
		c.def = -1;
		if (tokenize(line, c.tok, &c.ntok, &why) < 0) {
			rc = err_at(&s, &c, "%s", why);
		} else if (c.ntok > 0) {
			rc = parse_line(&s, &c);
			if (rc == 0) {
				if (ncmds == cap) {
					struct cmd *n = realloc(cmds, (cap ? cap * 2 : 32) * sizeof(*n));
					if (!n) {
						rc = err_at(&s, &c, "out of memory");
						break;
					}
					cmds = n;
					cap = cap ? cap * 2 : 32;
				}
				cmds[ncmds++] = c;
			}
		}
		line = nl ? nl + 1 : NULL;
	}
	if (rc == 0 && !s.chip_seen)
		rc = err_at(&s, NULL, "no 'chip' line: a scenario starts by saying which chip");

	/* Pass 2: run. */
	if (rc == 0) {
		s.ops = s.o->ops ? s.o->ops : &scn_inproc_ops;
		s.be = s.o->be;
		if (!s.be) {
			s.be = s.ops->create ? s.ops->create(s.o->be_config) : NULL;
			own_be = true;
			if (!s.be)
				rc = err_at(&s, NULL, "out of memory");
		}
	}
	for (size_t i = 0; rc == 0 && i < ncmds; i++) {
		struct cmd *c = &cmds[i];
		if (s.o->verbose) {
			say(&s, "%s:%u:", name, c->line);
			for (int t = 0; t < c->ntok; t++)
				say(&s, strchr(c->tok[t], ' ') ? " \"%s\"" : " %s", c->tok[t]);
			say(&s, "\n");
		}
		rc = cmd_defs[c->def].exec(&s, c);
		res->commands++;
	}
	if (s.ops && s.be && s.set_up)
		res->modelled_us = s.ops->now_us(s.be) - s.t0_us;
	if (own_be && s.be)
		s.ops->teardown(s.be);
	cleanup(&s);
	free(cmds);
	free(buf);
	if (res->error)
		return -1;
	return res->failed ? 1 : 0;
}

int scn_run_file(const char *path, const struct scn_options *o, struct scn_result *res)
{
	FILE *f = fopen(path, "rb");
	char *text;
	long n;
	int rc;

	if (!f) {
		memset(res, 0, sizeof(*res));
		res->error = true;
		snprintf(res->msg, sizeof(res->msg), "%s: cannot open: %s", path, strerror(errno));
		return -1;
	}
	if (fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || n > 1024 * 1024 ||
	    fseek(f, 0, SEEK_SET)) {
		fclose(f);
		memset(res, 0, sizeof(*res));
		res->error = true;
		snprintf(res->msg, sizeof(res->msg), "%s: cannot read (not a file, or over 1 MiB)",
			 path);
		return -1;
	}
	text = malloc((size_t)n + 1);
	if (!text || fread(text, 1, (size_t)n, f) != (size_t)n) {
		fclose(f);
		free(text);
		memset(res, 0, sizeof(*res));
		res->error = true;
		snprintf(res->msg, sizeof(res->msg), "%s: cannot read", path);
		return -1;
	}
	fclose(f);
	text[n] = '\0';
	rc = scn_run_text(path, text, o, res);
	free(text);
	return rc;
}
