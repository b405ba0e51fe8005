/*
 * dfulab-demo - the STM32L412 first-flash trap and its two remedies,
 * reproduced in-process on emulated boards, narrated.
 *
 * Every observed value printed here comes from the emulator (what the chip
 * booted, its event log, the CRC of its flash) or from the flasher's session
 * engine (its diagnosis, its request count); the demo only decides what to
 * do and what it expects. Time is the transport's virtual clock with the
 * profile's datasheet timings and a modelled full-speed bus, so the
 * "modelled" column says how long the steps would take on a bench; "wall"
 * is what this process took.
 *
 * Exit status: 0 when every observation matches its expectation, 1 when
 * any differs, 2 when the demo could not run at all.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dfu/bytes.h"
#include "dfu/dfu_file.h"
#include "host/dfu_session.h"
#include "host/xport_inproc.h"
#include "sim/sim_board.h"

#define IMAGE_SIZE (16 * 1024)
#define IMAGE_SP 0x20008000u
#define IMAGE_RESET 0x08000101u
#define FLASH_BASE 0x08000000u
#define NBOARDS 2
#define MAX_ROWS 8

struct row {
	char scenario[40];
	char expected[64];
	char observed[64];
	bool pass;
	double model_ms, wall_ms;
};

struct demo {
	bool color;
	bool verbose;
	struct sim_board boards[NBOARDS];
	struct xport_inproc bus;
	struct xport x;
	uint8_t image[IMAGE_SIZE];
	uint32_t expect_crc;	/* of the whole flash holding the image */
	struct row rows[MAX_ROWS];
	size_t nrows;
	/* the scenario being timed */
	uint64_t t0_us;
	double w0_ms;
	uint64_t phase_t0;	/* progress narration: when the last phase ended */
	bool mass_erase;	/* the job being narrated mass-erases */
};

/* ---- output ---- */

enum hue { PLAIN, BOLD, DIM, RED, GREEN, YELLOW, CYAN };

static const char *sgr(const struct demo *d, enum hue h)
{
	static const char *codes[] = { "\033[0m", "\033[1m", "\033[2m", "\033[31m",
				       "\033[32m", "\033[33m", "\033[36m" };
	return d->color ? codes[h] : "";
}

static void say(const struct demo *d, enum hue h, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void say(const struct demo *d, enum hue h, const char *fmt, ...)
{
	va_list ap;
	if (h != PLAIN)
		fputs(sgr(d, h), stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	if (h != PLAIN)
		fputs(sgr(d, PLAIN), stdout);
	fputc('\n', stdout);
}

static double wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static uint64_t now(const struct demo *d)
{
	return xport_inproc_now_us(&d->bus);
}

static void begin(struct demo *d, const char *title)
{
	d->t0_us = now(d);
	d->w0_ms = wall_ms();
	printf("\n");
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
	r->model_ms = (double)(now(d) - d->t0_us) / 1e3;
	r->wall_ms = wall_ms() - d->w0_ms;
	say(d, r->pass ? GREEN : RED, "    => expected: %s; observed: %s: %s", expected, observed,
	    r->pass ? "PASS" : "FAIL");
}

/* The newest event-log line of the board that contains `needle`. */
static void chip_line(const struct demo *d, const struct sim_board *b, const char *needle)
{
	const struct sim_log_entry *e = sim_log_find(&b->log, needle);
	if (e)
		say(d, DIM, "    chip %9.3f ms  %s", (double)e->t_us / 1e3, e->text);
	else
		say(d, RED, "    chip: no event-log line with \"%s\"", needle);
}

/* What the chip runs, short, from the emulator. */
static void running_short(const struct sim_board *b, char *out, size_t cap)
{
	switch (b->runs) {
	case SIM_RUNS_ROM:
		snprintf(out, cap, "ROM bootloader");
		break;
	case SIM_RUNS_APP:
		snprintf(out, cap, "application 0x%08x", l4_chip_flash_crc(&b->chip, 0));
		break;
	case SIM_RUNS_LOCKUP:
		snprintf(out, cap, "lockup");
		break;
	case SIM_RUNS_SRAM:
		snprintf(out, cap, "SRAM boot");
		break;
	case SIM_RUNS_NOTHING:
	default:
		snprintf(out, cap, "nothing");
		break;
	}
}

static void running_line(const struct demo *d, const struct sim_board *b)
{
	char text[160];
	say(d, PLAIN, "    the chip runs: %s", sim_board_running_text(b, text, sizeof(text)));
}

/* ---- engine callbacks ---- */

static void on_transfer(void *ctx, const struct dfu_xfer_record *r)
{
	const struct demo *d = ctx;
	const struct dfu_setup *s = &r->setup;
	const char *what = (s->bmRequestType & 0x60) == 0x20 ? dfu_request_name(s->bRequest)
							       : "standard";

	if (!d->verbose)
		return;
	say(d, DIM, "      #%-3u %9.3f ms  %02x %02x %04x %04x %04x  %-14s -> %s (%zu bytes)",
	    r->seq, (double)r->t_us / 1e3, s->bmRequestType, s->bRequest, s->wValue, s->wIndex,
	    s->wLength, what, xport_result_name(r->rc), r->len);
}

static void on_progress(void *ctx, enum dfu_phase phase, size_t done, size_t total)
{
	struct demo *d = ctx;

	if (done < total)
		return;
	if (phase == DFU_PHASE_ERASE && d->mass_erase)
		say(d, PLAIN, "    %-7s all flash (mass erase)  done  (%.1f ms modelled)",
		    dfu_phase_name(phase), (double)(now(d) - d->phase_t0) / 1e3);
	else
		say(d, PLAIN, "    %-7s %5zu bytes  done  (%.1f ms modelled)", dfu_phase_name(phase),
		    total, (double)(now(d) - d->phase_t0) / 1e3);
	d->phase_t0 = now(d);
}

static void session_opts(struct demo *d, struct dfu_session_opts *o)
{
	dfu_session_opts_default(o);
	o->transcript = on_transfer;
	o->transcript_ctx = d;
	o->progress = on_progress;
	o->progress_ctx = d;
	d->phase_t0 = now(d);
}

/* ---- the firmware ---- */

static void make_image(struct demo *d, uint32_t flash_size)
{
	static const char tag[] = "dfulab demo application: blinks an LED that is not there";
	uint8_t ff[256];
	uint32_t x = 0x2545F491u;

	/* Cortex-M vector table: initial SP in SRAM1, Thumb reset handler and
	 * the other handlers in flash. */
	for (size_t i = 0; i < IMAGE_SIZE; i += 4) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		dfu_put_le32(d->image + i, x);
	}
	dfu_put_le32(d->image, IMAGE_SP);
	for (unsigned v = 1; v < 16; v++)
		dfu_put_le32(d->image + 4 * v, IMAGE_RESET + (v > 1 ? 0x40u : 0u));
	memcpy(d->image + 0x200, tag, sizeof(tag));

	/* The emulator reports the CRC-32 of the whole flash: the image, then
	 * erased bytes. */
	memset(ff, 0xFF, sizeof(ff));
	d->expect_crc = dfu_crc32(DFU_CRC_INIT, d->image, IMAGE_SIZE);
	for (uint32_t left = flash_size - IMAGE_SIZE; left;) {
		uint32_t n = left < sizeof(ff) ? left : (uint32_t)sizeof(ff);
		d->expect_crc = dfu_crc32(d->expect_crc, ff, n);
		left -= n;
	}
	d->expect_crc ^= 0xFFFFFFFFu;
}

/* ---- the steps ---- */

/* dfu-util 0.11's control transfers for the same job (spec §A2): 4 string
 * reads, SET_INTERFACE, GETSTATUS; mass erase (DNLOAD + 2 GETSTATUS);
 * per chunk SET_ADDRESS (3) + DNLOAD + 2 GETSTATUS; ABORT + GETSTATUS;
 * leave SET_ADDRESS (3) + DNLOAD + GETSTATUS; -R DETACH. */
static unsigned dfu_util_requests(size_t len, unsigned xfer)
{
	unsigned chunks = (unsigned)((len + xfer - 1) / xfer);
	return 6 + 3 + chunks * 6 + 2 + 5 + 1;
}

/* The seed's operation on board `i`; returns the engine's verdict. */
static int seed_flash(struct demo *d, size_t i, struct dfu_return_report *rep)
{
	struct sim_board *b = &d->boards[i];
	struct dfu_session_opts o;
	struct dfu_match m;
	struct dfu_session *s = calloc(1, sizeof(*s));
	const struct dfu_dfuse_job job = {
		.address = FLASH_BASE,
		.data = d->image,
		.len = IMAGE_SIZE,
		.mass_erase = true,
		.verify = true,
		.leave = true,
		.await_return = true,
	};
	int rc;

	if (!s)
		return DFU_E_NOMEM;
	say(d, CYAN, "    $ dfu-util -a 0 -i 0 -s 0x%08X:mass-erase:force:leave -R -D firmware.bin",
	    FLASH_BASE);
	say(d, PLAIN, "    the same job through dfu-flash's session engine (plus a read-back verify):");
	say(d, PLAIN, "    firmware.bin: %u bytes (CRC32 0x%08x), SP 0x%08X, reset vector 0x%08X",
	    IMAGE_SIZE, dfu_crc32(DFU_CRC_INIT, d->image, IMAGE_SIZE) ^ 0xFFFFFFFFu, IMAGE_SP,
	    IMAGE_RESET);
	session_opts(d, &o);
	o.force = true; /* mass-erase:force */
	d->mass_erase = job.mass_erase;
	dfu_match_any(&m);
	m.intf = 0;
	m.alt = 0;
	m.serial = b->serial;
	rc = dfu_session_open(s, &d->x, &m, &o);
	if (rc == 0) {
		say(d, PLAIN, "    opened %04x:%04x serial %s at %s, alt 0 \"%s\"", s->dev.vid,
		    s->dev.pid, s->dev.serial, s->dev.path, s->alt_name);
		d->phase_t0 = now(d);
		rc = dfu_session_dfuse_flash(s, &job, rep);
	}
	if (rc < 0) {
		say(d, RED, "    dfu-flash: %s", dfu_session_errmsg(s));
		free(s);
		return rc;
	}
	say(d, PLAIN, "    leave   %s", s->left_silently
					 ? "the device disconnected without answering (a success)"
					 : "the device answered dfuMANIFEST and left the bus");
	say(d, PLAIN, "    control transfers: %u, the read-back included (dfu-util 0.11 sends %u "
		      "for this job without one)",
	    s->stats.requests, dfu_util_requests(IMAGE_SIZE, s->xfer));
	say(d, YELLOW, "    dfu-flash: %s", rep->text);
	free(s);
	return 0;
}

static void step_seed(struct demo *d, size_t i, const char *label)
{
	struct dfu_return_report rep;
	char obs[96], run[40];
	int rc;

	memset(&rep, 0, sizeof(rep));
	rc = seed_flash(d, i, &rep);
	chip_line(d, &d->boards[i], "rom: leave");
	chip_line(d, &d->boards[i], "boot:");
	running_line(d, &d->boards[i]);
	running_short(&d->boards[i], run, sizeof(run));
	snprintf(obs, sizeof(obs), "%s, %s", run,
		 rc < 0 ? "flash failed"
		 : rep.kind == DFU_RETURN_EMPTY_CHECK_TRAP ? "trap diagnosed"
							    : dfu_return_kind_name(rep.kind));
	record(d, label, "ROM bootloader, trap diagnosed", obs);
}

static void step_reset(struct demo *d)
{
	struct sim_board *b = &d->boards[0];
	char run[40];

	begin(d, "[2] Press NRST with BOOT0 low");
	xport_inproc_advance_us(&d->bus, 200000); /* a finger on the button: 200 ms */
	sim_board_press_reset(b, now(d));
	chip_line(d, b, "reset:");
	chip_line(d, b, "boot:");
	running_line(d, b);
	running_short(b, run, sizeof(run));
	record(d, "2 NRST, BOOT0 low", "ROM bootloader", run);
}

static void step_power_cycle(struct demo *d)
{
	struct sim_board *b = &d->boards[0];
	char run[40], want[48];

	begin(d, "[3] Remedy A: power cycle");
	sim_board_power_off(b, now(d));
	xport_inproc_advance_us(&d->bus, 1000000); /* off for a second */
	sim_board_power_on(b, now(d));
	chip_line(d, b, "PEMPTY sampled");
	chip_line(d, b, "boot:");
	running_line(d, b);
	say(d, PLAIN, "    (the emulator's CRC32 covers all %u KiB of flash: the image, then erased "
		      "bytes; expected 0x%08x)",
	    b->chip.p->flash_size / 1024, d->expect_crc);
	running_short(b, run, sizeof(run));
	snprintf(want, sizeof(want), "application 0x%08x", d->expect_crc);
	record(d, "3 power cycle", want, run);
}

static void step_ob_reload(struct demo *d)
{
	struct sim_board *b = &d->boards[1];
	struct dfu_session_opts o;
	struct dfu_return_report rep;
	struct dfu_match m;
	struct dfu_session *s = calloc(1, sizeof(*s));
	uint8_t ob[64];
	size_t n = 0;
	char run[40], want[64], obs[96];
	int rc;

	if (!s) {
		record(d, "4b option-byte reload", "application", "out of memory");
		return;
	}
	begin(d, "[4b] Remedy B on the second chip: rewrite the option bytes unchanged");
	say(d, CYAN, "    $ dfu-flash --reload-option-bytes -S %s", b->serial);
	session_opts(d, &o);
	d->mass_erase = false;
	dfu_match_any(&m);
	m.serial = b->serial;
	m.alt = 0;
	rc = dfu_session_open(s, &d->x, &m, &o);
	if (rc == 0)
		rc = dfu_session_ob_read(s, ob, sizeof(ob), &n);
	if (rc == 0) {
		say(d, PLAIN, "    read %zu option bytes through alt %u \"%s\": OPTR 0x%08X, "
			      "WRP1AR 0x%08X",
		    n, s->alt, s->alt_name, dfu_get_le32(ob), n >= 28 ? dfu_get_le32(ob + 24) : 0);
		rc = dfu_session_ob_write(s, ob, n);
	}
	if (rc == 0) {
		say(d, PLAIN, "    wrote them back unchanged: %s",
		    s->gone ? "the ROM reset without answering again (will-reset: a success)"
			    : "the device did not reset");
		rc = dfu_session_await_return(s, &rep);
	}
	if (rc < 0) {
		say(d, RED, "    dfu-flash: %s", dfu_session_errmsg(s));
		snprintf(obs, sizeof(obs), "failed: %s", dfu_strerror(rc));
	} else {
		say(d, YELLOW, "    dfu-flash: %s", rep.text);
		chip_line(d, b, "PEMPTY sampled");
		chip_line(d, b, "boot:");
		running_short(b, run, sizeof(run));
		snprintf(obs, sizeof(obs), "%s, %s", run, dfu_return_kind_name(rep.kind));
	}
	running_line(d, b);
	/* A silent application does not enumerate: the engine sees it leave. */
	snprintf(want, sizeof(want), "application 0x%08x, %s", d->expect_crc,
		 dfu_return_kind_name(DFU_RETURN_GONE));
	record(d, "4b option-byte reload", want, obs);
	free(s);
}

/* ---- the closing table ---- */

static int table(const struct demo *d, double total_wall)
{
	int failures = 0;
	double model = 0;

	printf("\n");
	say(d, BOLD, "%-26s %-38s %-38s %-6s %10s %9s", "scenario", "expected", "observed",
	    "result", "modelled", "wall");
	for (size_t i = 0; i < d->nrows; i++) {
		const struct row *r = &d->rows[i];
		printf("%-26s %-38s %-38s %s%-6s%s %8.0f ms %6.1f ms\n", r->scenario, r->expected,
		       r->observed, sgr(d, r->pass ? GREEN : RED), r->pass ? "pass" : "FAIL",
		       sgr(d, PLAIN), r->model_ms, r->wall_ms);
		failures += !r->pass;
		model += r->model_ms;
	}
	say(d, BOLD, "%zu scenarios, %d failed; %.0f ms modelled, %.0f ms wall", d->nrows, failures,
	    model, total_wall);
	return failures;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: dfulab-demo [-v] [--color|--no-color]\n"
		   "  -v          print every control transfer the flasher sends\n"
		   "  --color     colour even when stdout is not a terminal\n"
		   "  --no-color  never colour (also: NO_COLOR set in the environment)\n");
}

int main(int argc, char **argv)
{
	const struct l4_profile *p = l4_profile_find("stm32l412xb");
	struct demo *d = calloc(1, sizeof(*d));
	const char *term = getenv("TERM");
	double w_start = wall_ms();
	int failures;

	if (!d || !p) {
		fprintf(stderr, "dfulab-demo: %s\n", d ? "no stm32l412xb profile in this build"
						      : "out of memory");
		return 2;
	}
	d->color = isatty(STDOUT_FILENO) && !getenv("NO_COLOR") && term && strcmp(term, "dumb");
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-v")) {
			d->verbose = true;
		} else if (!strcmp(argv[i], "--color")) {
			d->color = true;
		} else if (!strcmp(argv[i], "--no-color")) {
			d->color = false;
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "dfulab-demo: unknown option '%s'\n", argv[i]);
			usage(stderr);
			return 2;
		}
	}

	for (unsigned i = 0; i < NBOARDS; i++) {
		struct sim_board_config cfg;
		int rc;
		sim_board_config_default(&cfg, p, i);
		cfg.timing = SIM_TIMING_DATASHEET;
		rc = sim_board_init(&d->boards[i], &cfg);
		if (rc < 0) {
			fprintf(stderr, "dfulab-demo: cannot build board %u: %s\n", i,
				dfu_strerror(rc));
			return 2;
		}
	}
	xport_inproc_init(&d->bus, d->boards, NBOARDS, 0);
	xport_inproc_set_bus(&d->bus, XPORT_INPROC_BUS_FULL_SPEED);
	d->x = xport_inproc(&d->bus);
	make_image(d, p->flash_size);

	say(d, BOLD, "dfulab demo: the STM32L412 first-flash trap, reproduced without a board");
	say(d, PLAIN, "in-process emulator on a virtual clock with datasheet flash timings; "
		      "every observed value comes from the emulator or the flasher engine");

	begin(d, "[1] A virgin STM32L412, BOOT0 low, power on, then the seed's command");
	sim_board_power_on(&d->boards[0], now(d));
	chip_line(d, &d->boards[0], "boot:");
	step_seed(d, 0, "1 seed flash, virgin chip");

	step_reset(d);
	step_power_cycle(d);

	begin(d, "[4a] A second virgin STM32L412: the seed's command again");
	sim_board_power_on(&d->boards[1], now(d));
	chip_line(d, &d->boards[1], "boot:");
	step_seed(d, 1, "4a seed flash, 2nd chip");
	step_ob_reload(d);

	failures = table(d, wall_ms() - w_start);
	for (unsigned i = 0; i < NBOARDS; i++)
		sim_board_free(&d->boards[i]);
	free(d);
	return failures ? 1 : 0;
}
