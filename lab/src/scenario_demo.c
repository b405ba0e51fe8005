/*
 * scenario_demo.c - ./ci/demo's story: the STM32L412 first-flash trap and
 * its two remedies, narrated for someone who has never seen it, on the
 * scenario runner's board operations (a dfu-sim over USB/IP, or the
 * in-process boards).
 *
 * The demo decides what to do and what it expects; every observed value
 * comes from the boards (what the chip runs, its event log, the CRC of its
 * flash) or from dfu-flash (its exit status and its words). The steps are
 * the ones of scenarios/seed-trap-power-cycle.scn and
 * scenarios/seed-trap-reload-option-bytes.scn, on two virgin chips.
 */
#define _GNU_SOURCE /* mkdtemp */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dfu/bytes.h"
#include "dfu/dfu_file.h"
#include "dfu/error.h"
#include "host/cli.h"
#include "lab/scenario.h"

#define IMAGE_SIZE (16 * 1024)
#define IMAGE_SP 0x20008000u
#define IMAGE_RESET 0x08000101u
#define MAX_ROWS 8

struct row {
	char scenario[40];
	char expected[48];
	char observed[48];
	bool pass;
	double ms;
};

struct demo {
	const struct scn_demo_options *o;
	FILE *f;
	void *be;
	const struct scn_board_ops *ops;
	bool usbip;
	uint32_t crc;		/* of the firmware image */
	char out[8192];		/* the last dfu-flash's stdout and stderr */
	int exit;
	struct row rows[MAX_ROWS];
	size_t nrows;
	uint64_t t0;
};

/* ---- output ---- */

enum hue { PLAIN, BOLD, DIM, RED, GREEN, YELLOW, CYAN };

static const char *sgr(const struct demo *d, enum hue h)
{
	static const char *const codes[] = { "\033[0m",	 "\033[1m",  "\033[2m", "\033[31m",
					     "\033[32m", "\033[33m", "\033[36m" };
	return d->o->color ? codes[h] : "";
}

static void say(const struct demo *d, enum hue h, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void say(const struct demo *d, enum hue h, const char *fmt, ...)
{
	va_list ap;
	if (h != PLAIN)
		fputs(sgr(d, h), d->f);
	va_start(ap, fmt);
	vfprintf(d->f, fmt, ap);
	va_end(ap);
	if (h != PLAIN)
		fputs(sgr(d, PLAIN), d->f);
	fputc('\n', d->f);
	fflush(d->f);
}

/* ---- steps ---- */

static void begin(struct demo *d, const char *title)
{
	d->t0 = d->ops->now_us(d->be);
	fputc('\n', d->f);
	say(d, BOLD, "%s", title);
}

static void record(struct demo *d, const char *scenario, const char *expected,
		   const char *observed)
{
	struct row *r;

	if (d->nrows >= MAX_ROWS)
		return;
	r = &d->rows[d->nrows++];
	snprintf(r->scenario, sizeof(r->scenario), "%s", scenario);
	snprintf(r->expected, sizeof(r->expected), "%s", expected);
	snprintf(r->observed, sizeof(r->observed), "%s", observed);
	r->pass = strcmp(expected, observed) == 0;
	r->ms = (double)(d->ops->now_us(d->be) - d->t0) / 1e3;
	say(d, r->pass ? GREEN : RED, "    => expected: %s; observed: %s: %s", expected, observed,
	    r->pass ? "PASS" : "FAIL");
}

/* The chip's newest event-log line containing `needle`. */
static void chip_line(struct demo *d, unsigned dev, const char *needle)
{
	char line[300];

	if (d->ops->log_find(d->be, dev, needle, line, sizeof(line)) == 0)
		say(d, CYAN, "    chip %s", line);
	else
		say(d, RED, "    chip: no event-log line with \"%s\"", needle);
}

static void explain(struct demo *d, const char *text)
{
	say(d, DIM, "    %s", text);
}

/* What the board runs, short: "ROM bootloader", "application 0x...". */
static int observe(struct demo *d, unsigned dev, char *out, size_t cap)
{
	enum scn_runs r;
	char text[200], msg[200];
	uint32_t crc;
	int rc = d->ops->runs(d->be, dev, &r, text, sizeof(text));

	if (rc < 0) {
		snprintf(out, cap, "? (%.40s)", text);
		return rc;
	}
	switch (r) {
	case SCN_RUNS_ROM:
		snprintf(out, cap, "ROM bootloader");
		break;
	case SCN_RUNS_APP:
		rc = d->ops->flash_crc(d->be, dev, IMAGE_SIZE, &crc, msg, sizeof(msg));
		if (rc < 0)
			snprintf(out, cap, "application (%.30s)", msg);
		else
			snprintf(out, cap, "application 0x%08x", crc);
		if (rc == 0) {
			say(d, PLAIN, "    the chip runs: an application; CRC-32 of its flash "
				      "0x08000000+%d: 0x%08x",
			    IMAGE_SIZE, crc);
			return 0;
		}
		break;
	default:
		snprintf(out, cap, "%s", scn_runs_name(r));
		break;
	}
	say(d, PLAIN, "    the chip runs: %s", text);
	return rc;
}

/* dfu-flash with these arguments (after "dfu-flash"), shown as typed, its
 * output indented; the diagnosis stands out. */
static int dfu_flash(struct demo *d, const char *const *args)
{
	char *argv[24];
	int argc = 0;
	FILE *f = tmpfile();
	size_t n;

	if (!f) {
		say(d, RED, "    cannot make a temporary file: %s", strerror(errno));
		return -1;
	}
	argv[argc++] = (char *)"dfu-flash";
	for (; *args && argc < 23; args++)
		argv[argc++] = (char *)*args;
	argv[argc] = NULL;
	fprintf(d->f, "    %s$ dfu-flash", sgr(d, BOLD));
	if (d->usbip)
		fprintf(d->f, " --usbip %s", scn_usbip_addr(d->be));
	for (int i = 1; i < argc; i++)
		fprintf(d->f, " %s", argv[i]);
	fprintf(d->f, "%s\n", sgr(d, PLAIN));
	fflush(d->f);
	d->exit = d->ops->dfu_flash(d->be, argc, argv, f, f);
	rewind(f);
	n = fread(d->out, 1, sizeof(d->out) - 1, f);
	d->out[n] = '\0';
	fclose(f);
	for (char *p = d->out; *p;) {
		char *nl = strchr(p, '\n');
		int len = nl ? (int)(nl - p) : (int)strlen(p);
		bool diag = strstr(p, "came back in the ROM bootloader") &&
			    (!nl || strstr(p, "came back in the ROM bootloader") < nl);
		fprintf(d->f, "    %s| %.*s%s\n", sgr(d, diag ? YELLOW : PLAIN), len, p,
			sgr(d, PLAIN));
		p += len + (nl != NULL);
	}
	say(d, PLAIN, "    dfu-flash exit status %d%s", d->exit,
	    d->exit == CLI_EXIT_NOT_RUNNING ? " (flashed and verified, but not running)" : "");
	return 0;
}

static const char *const seed_args[] = {
	"-a", "0", "-i", "0", "-s", "0x08000000:mass-erase:force:leave", "-R", "-D",
	"firmware.bin", NULL
};

/* The seed's command on board `dev`: a row "ROM bootloader, trap diagnosed". */
static void seed(struct demo *d, unsigned dev, const char *row)
{
	char seen[64], obs[96];

	if (dfu_flash(d, seed_args) < 0)
		return;
	explain(d, "dfu-util's 'leave' makes the ROM reset the chip; that reset does not re-read "
		   "PEMPTY, so boot selection still sees an empty flash:");
	chip_line(d, dev, "boot:");
	observe(d, dev, seen, sizeof(seen));
	snprintf(obs, sizeof(obs), "%s, %s", seen,
		 d->exit == CLI_EXIT_NOT_RUNNING && strstr(d->out, "came back in the ROM bootloader")
			 ? "trap diagnosed"
			 : "no diagnosis");
	record(d, row, "ROM bootloader, trap diagnosed", obs);
}

/* ---- the firmware ---- */

static int make_firmware(struct demo *d, const char *dir)
{
	uint8_t img[IMAGE_SIZE];
	uint32_t x = 0x2545F491u;
	char path[300];
	FILE *f;

	for (size_t i = 0; i < IMAGE_SIZE; i += 4) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		dfu_put_le32(img + i, x);
	}
	/* A Cortex-M vector table: initial SP in SRAM1, Thumb handlers in flash. */
	dfu_put_le32(img, IMAGE_SP);
	for (unsigned v = 1; v < 16; v++)
		dfu_put_le32(img + 4 * v, IMAGE_RESET + (v > 1 ? 0x40u : 0u));
	d->crc = dfu_crc32(DFU_CRC_INIT, img, sizeof(img)) ^ 0xFFFFFFFFu;
	snprintf(path, sizeof(path), "%s/firmware.bin", dir);
	f = fopen(path, "wb");
	if (!f || fwrite(img, 1, sizeof(img), f) != sizeof(img) || fclose(f)) {
		fprintf(stderr, "dfulab-demo: cannot write %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* ---- the story ---- */

static void story(struct demo *d)
{
	char obs[64], want[64];
	char msg[256];

	begin(d, "[1] A virgin STM32L412 (board 1-1), BOOT0 low, powered on, flashed with the "
		 "seed's command");
	explain(d, "A factory-new chip has an empty flash. At power-on it samples \"flash empty\" "
		   "(FLASH_SR.PEMPTY)");
	explain(d, "and, with BOOT0 low, boots its ROM DFU bootloader instead of the empty flash:");
	d->ops->power(d->be, 0, SCN_POWER_ON, msg, sizeof(msg));
	chip_line(d, 0, "boot:");
	seed(d, 0, "1 seed command, virgin chip");

	begin(d, "[2] Reset with BOOT0 low (the NRST button)");
	explain(d, "A system reset keeps the latched PEMPTY, so the chip boots the ROM again:");
	d->ops->power(d->be, 0, SCN_POWER_RESET, msg, sizeof(msg));
	chip_line(d, 0, "reset:");
	chip_line(d, 0, "boot:");
	observe(d, 0, obs, sizeof(obs));
	record(d, "2 reset, BOOT0 low", "ROM bootloader", obs);

	begin(d, "[3] Remedy A: power cycle");
	explain(d, "A power-on reset samples PEMPTY again; the flash is no longer empty:");
	d->ops->power(d->be, 0, SCN_POWER_CYCLE, msg, sizeof(msg));
	chip_line(d, 0, "boot:");
	observe(d, 0, obs, sizeof(obs));
	snprintf(want, sizeof(want), "application 0x%08x", d->crc);
	record(d, "3 power cycle", want, obs);

	begin(d, "[4a] A second virgin STM32L412 (board 1-2): the seed's command again");
	explain(d, "Board 1-1 now runs its application, which has no USB: only 1-2 is on the bus.");
	d->ops->power(d->be, 1, SCN_POWER_ON, msg, sizeof(msg));
	chip_line(d, 1, "boot:");
	seed(d, 1, "4a seed command, 2nd chip");

	begin(d, "[4b] Remedy B, without touching the power: --reload-option-bytes");
	explain(d, "dfu-flash rewrites the option bytes unchanged; the ROM then reloads them "
		   "(OBL_LAUNCH),");
	explain(d, "a reset that samples PEMPTY again, as a power-on does:");
	{
		static const char *const args[] = { "--reload-option-bytes", NULL };
		if (dfu_flash(d, args) == 0) {
			chip_line(d, 1, "boot:");
			observe(d, 1, obs, sizeof(obs));
			if (d->exit != 0)
				snprintf(obs + strlen(obs), sizeof(obs) - strlen(obs), ", exit %d",
					 d->exit);
			record(d, "4b option-byte reload", want, obs);
		}
	}
}

static void table(struct demo *d, double total_ms)
{
	unsigned failed = 0;

	fputc('\n', d->f);
	say(d, BOLD, "%-28s %-32s %-32s %-6s %9s", "scenario", "expected", "observed", "result",
	    "time");
	for (size_t i = 0; i < d->nrows; i++) {
		const struct row *r = &d->rows[i];
		failed += !r->pass;
		fprintf(d->f, "%-28s %-32s %-32s %s%-6s%s %6.0f ms\n", r->scenario, r->expected,
			r->observed, sgr(d, r->pass ? GREEN : RED), r->pass ? "pass" : "FAIL",
			sgr(d, PLAIN), r->ms);
	}
	say(d, failed ? RED : GREEN, "%zu scenarios, %u failed; %.1f s %s", d->nrows, failed,
	    total_ms / 1e3,
	    d->usbip ? "wall clock, dfu-sim over USB/IP" : "modelled, in-process virtual clock");
}

int scn_demo_run(const struct scn_demo_options *o)
{
	struct demo *d = calloc(1, sizeof(*d));
	struct sim_board_spec chip;
	char dir[128], msg[300];
	const char *tmp = getenv("TMPDIR");
	int cwd = -1, rc = 2;
	uint64_t start;

	if (!d)
		return 2;
	d->o = o;
	d->f = o->out ? o->out : stdout;
	d->ops = o->ops ? o->ops : &scn_usbip_ops;
	d->usbip = d->ops == &scn_usbip_ops;
	snprintf(dir, sizeof(dir), "%s/dfulab-demo-XXXXXX",
		 tmp && *tmp && strlen(tmp) < 80 ? tmp : "/tmp");
	if (!mkdtemp(dir)) {
		fprintf(stderr, "dfulab-demo: cannot make a temporary directory: %s\n",
			strerror(errno));
		free(d);
		return 2;
	}
	d->be = d->ops->create(o->be_config);
	if (!d->be || make_firmware(d, dir) < 0)
		goto out;

	say(d, BOLD, "dfulab demo: the STM32L412 first-flash trap and its two remedies");
	/* Two virgin L412s with the datasheet's timings; o->leave < 0: the
	 * profile's leave action. */
	if (sim_board_spec_parse(&chip, o->leave < 0 ? "stm32l412xb,count=2,timing=datasheet"
			       : o->leave == L4_LEAVE_JUMP ? "stm32l412xb,count=2,timing=datasheet,leave=jump"
			       : "stm32l412xb,count=2,timing=datasheet,leave=reset",
			       msg, sizeof(msg)) < 0 ||
	    d->ops->setup(d->be, &chip, msg, sizeof(msg)) < 0) {
		fprintf(stderr, "dfulab-demo: %s\n", msg);
		goto out;
	}
	start = d->ops->now_us(d->be);
	if (d->usbip)
		say(d, PLAIN, "%s", scn_usbip_ready_line(d->be));
	else
		say(d, PLAIN, "two emulated STM32L412s in this process, on a virtual clock");
	say(d, PLAIN, "firmware.bin: %d bytes with a valid vector table (SP 0x%08X, reset "
		      "0x%08X), CRC-32 0x%08x, in %s",
	    IMAGE_SIZE, IMAGE_SP, IMAGE_RESET, d->crc, dir);

	/* dfu-flash reads firmware.bin from the current directory, as typed. */
	cwd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cwd < 0 || chdir(dir) < 0) {
		fprintf(stderr, "dfulab-demo: cannot enter %s: %s\n", dir, strerror(errno));
		goto out;
	}
	story(d);
	if (fchdir(cwd) < 0)
		fprintf(stderr, "dfulab-demo: cannot return to the directory it started in\n");
	table(d, (double)(d->ops->now_us(d->be) - start) / 1e3);
	rc = 0;
	for (size_t i = 0; i < d->nrows; i++)
		if (!d->rows[i].pass)
			rc = 1;
	if (d->nrows != 5)
		rc = rc ? rc : 1;
out:
	if (cwd >= 0)
		close(cwd);
	if (d->be)
		d->ops->teardown(d->be);
	{
		char path[200];
		snprintf(path, sizeof(path), "%s/firmware.bin", dir);
		unlink(path);
		rmdir(dir);
	}
	free(d);
	return rc;
}
