/*
 * dfulab-bench - speed and memory figures, printed, never asserted.
 *
 * The engineering rules say the core allocates nothing per request, the
 * USB/IP path avoids copies and round trips, and the flasher sends no request
 * it does not need. This program measures those claims on the machine it runs
 * on and prints one line per figure:
 *
 *   core   the shared state machine answering DNLOAD/GETSTATUS pairs as a
 *          DfuSe device does: nanoseconds per request and the allocations
 *          made while answering (the claim: 0);
 *          the DfuSe layout parser on ST's L412 string and the .dfu suffix
 *          check on a 128 KiB file: nanoseconds per call, allocations.
 *   inproc dfu-flash's seed job (mass erase, 128 KiB, leave) on an emulated
 *          L412 in this process: wall time, throughput, allocations per
 *          control transfer across host + emulator.
 *   usbip  the same job over a USB/IP server on 127.0.0.1 in a thread:
 *          wall time, throughput, URBs and the mean URB round trip.
 *   memory peak resident set of the whole run.
 *
 * Allocations are counted by wrapping malloc/calloc/realloc at link time
 * (-Wl,--wrap, see bench/CMakeLists.txt), so every call from dfulab's own
 * code is seen and libc's internal ones are not. Timings are wall clock
 * (CLOCK_MONOTONIC); run on an idle machine for stable numbers.
 *   dfulab-bench [-q]      -q: fewer repetitions (CI's smoke run)
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdbool.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "dfu/bytes.h"
#include "dfu/dfu_file.h"
#include "dfu/dfu_fsm.h"
#include "dfu/dfuse_layout.h"
#include "host/cli.h"
#include "lab/sim_xport.h"
#include "sim/l4_profile.h"
#include "sim/sim_board.h"
#include "sim/usbip_server.h"

#define IMAGE_SIZE (128u * 1024u)

/* ---- allocation counter (link-time wrap) ---- */

static atomic_ulong n_allocs;

void *__real_malloc(size_t n);
void *__real_calloc(size_t k, size_t n);
void *__real_realloc(void *p, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t k, size_t n);
void *__wrap_realloc(void *p, size_t n);

void *__wrap_malloc(size_t n)
{
	atomic_fetch_add(&n_allocs, 1);
	return __real_malloc(n);
}
void *__wrap_calloc(size_t k, size_t n)
{
	atomic_fetch_add(&n_allocs, 1);
	return __real_calloc(k, n);
}
void *__wrap_realloc(void *p, size_t n)
{
	atomic_fetch_add(&n_allocs, 1);
	return __real_realloc(p, n);
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- core ---- */

static void bench_fsm(unsigned long pairs)
{
	const struct dfu_fsm_config cfg = { .attributes = DFU_ATTR_CAN_DNLOAD | DFU_ATTR_CAN_UPLOAD |
							  DFU_ATTR_WILL_DETACH,
					    .dfuse = true,
					    .transfer_size = 2048 };
	struct dfu_setup dn = { 0x21, DFU_DNLOAD, 2, 0, 2048 };
	const struct dfu_setup gs = { 0xA1, DFU_GETSTATUS, 0, 0, 6 };
	struct dfu_status_reply r;
	struct dfu_step st;
	struct dfu_fsm m;
	uint64_t t0, t = 0;
	unsigned long a0, bad = 0;

	dfu_fsm_init(&m, &cfg, DFU_STATE_IDLE);
	a0 = atomic_load(&n_allocs);
	t0 = now_ns();
	for (unsigned long i = 0; i < pairs; i++) {
		dn.wValue = (uint16_t)(2 + (i & 0x3FF));
		dfu_fsm_request(&m, &dn, t, &st);
		dfu_fsm_request(&m, &gs, t, &st);
		if (st.action == DFU_ACT_EXECUTE)
			dfu_fsm_op_done(&m, DFU_STATUS_OK, 0, 0, t);
		dfu_fsm_status(&m, &r);
		dfu_fsm_request(&m, &gs, ++t, &st);
		dfu_fsm_status(&m, &r);
		bad += r.bState != DFU_STATE_DNLOAD_IDLE;
	}
	t0 = now_ns() - t0;
	printf("core   state machine: %.1f ns per request (%lu DNLOAD+2 GETSTATUS rounds), "
	       "%lu allocations%s\n",
	       (double)t0 / (double)(3 * pairs), pairs, atomic_load(&n_allocs) - a0,
	       bad ? " (UNEXPECTED STATES)" : "");
}

static void bench_layout(unsigned long calls)
{
	static const char l412[] = "@Internal Flash  /0x08000000/64*02Kg";
	struct dfuse_layout lay;
	struct dfu_diag dg;
	uint64_t t0;
	unsigned long a0 = atomic_load(&n_allocs), fails = 0;

	t0 = now_ns();
	for (unsigned long i = 0; i < calls; i++)
		fails += dfuse_layout_parse(l412, sizeof(l412) - 1, &lay, &dg) != 0;
	t0 = now_ns() - t0;
	printf("core   layout parser: %.1f ns per parse of \"%s\", %lu allocations%s\n",
	       (double)t0 / (double)calls, l412, atomic_load(&n_allocs) - a0,
	       fails ? " (PARSE FAILED)" : "");
}

static void bench_suffix(const uint8_t *img, unsigned long calls)
{
	static uint8_t file[IMAGE_SIZE + DFU_SUFFIX_SIZE];
	struct dfu_suffix sfx = { .bcdDevice = DFU_ID_ANY, .idProduct = 0xDF11,
				  .idVendor = 0x0483, .bcdDFU = 0x011A };
	struct dfu_suffix got;
	struct dfu_diag dg;
	uint64_t t0;
	unsigned long a0, fails = 0;

	memcpy(file, img, IMAGE_SIZE);
	if (dfu_suffix_append(file, IMAGE_SIZE, sizeof(file), &sfx) < 0) {
		printf("core   suffix check: could not build the file\n");
		return;
	}
	a0 = atomic_load(&n_allocs);
	t0 = now_ns();
	for (unsigned long i = 0; i < calls; i++)
		fails += dfu_suffix_parse(file, sizeof(file), &got, &dg) != 0;
	t0 = now_ns() - t0;
	printf("core   .dfu suffix check (CRC over 128 KiB): %.1f us per file, %.0f MB/s, "
	       "%lu allocations%s\n",
	       (double)t0 / (double)calls / 1e3,
	       (double)sizeof(file) * (double)calls / ((double)t0 / 1e9) / 1e6,
	       atomic_load(&n_allocs) - a0, fails ? " (PARSE FAILED)" : "");
}

/* ---- dfu-flash's seed job, in-process and over USB/IP ---- */

static void make_image(uint8_t *img)
{
	uint32_t x = 0x2545F491u;

	for (size_t i = 0; i < IMAGE_SIZE; i += 4) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		dfu_put_le32(img + i, x);
	}
	/* A Cortex-M vector table, so the application is seen to start. */
	dfu_put_le32(img, 0x20008000u);
	for (unsigned v = 1; v < 16; v++)
		dfu_put_le32(img + 4 * v, 0x08000141u);
}

/* dfu-flash ARGV on `transport` (NULL: its own from argv). Exit code. */
static int flash(char **argv, const struct xport *transport)
{
	FILE *out = fopen("/dev/null", "w"), *err = tmpfile();
	int argc = 0, rc;

	while (argv[argc])
		argc++;
	rc = dfu_flash_run(argc, argv, out, err, transport);
	if (rc != 0 && rc != 3) { /* 3: flashed, trap diagnosed: expected on a virgin L412 */
		char line[256];
		rewind(err);
		while (fgets(line, sizeof(line), err))
			fprintf(stderr, "  dfu-flash: %s", line);
	}
	fclose(out);
	fclose(err);
	return rc;
}

static void bench_inproc(const char *fw, unsigned reps)
{
	char *argv[] = { "dfu-flash", "--sim", "stm32l412xb,timing=datasheet", "-a", "0", "-i",
			 "0", "-s", "0x08000000:mass-erase:force:leave", "-R", "-D", (char *)fw,
			 NULL };
	uint64_t best = UINT64_MAX;
	unsigned long allocs = 0;
	int rc = 0;

	for (unsigned i = 0; i < reps; i++) {
		unsigned long a0 = atomic_load(&n_allocs);
		uint64_t t0 = now_ns();

		rc = flash(argv, NULL);
		t0 = now_ns() - t0;
		allocs = atomic_load(&n_allocs) - a0;
		if (t0 < best)
			best = t0;
	}
	printf("inproc seed job, 128 KiB on an emulated L412: %.1f ms (best of %u), %.1f MB/s, "
	       "%lu allocations for the whole job (exit %d)\n",
	       (double)best / 1e6, reps, (double)IMAGE_SIZE / ((double)best / 1e9) / 1e6, allocs,
	       rc);
}

struct served {
	struct usbip_server *srv;
	struct sim_board board;
	atomic_ulong urbs;
	atomic_bool done;
	pthread_t th;
};

static void count_urb(void *ctx, const struct usbmon_event *e)
{
	struct served *s = ctx;
	if (e->type == 'C')
		atomic_fetch_add(&s->urbs, 1);
}

static void *serve(void *arg)
{
	struct served *s = arg;

	/* usbip_server_stop() from another thread would not wake the loop. */
	while (!atomic_load(&s->done))
		usbip_server_run_once(s->srv, 20);
	return NULL;
}

static void bench_usbip(const char *fw, unsigned reps)
{
	struct sim_board_config bc;
	struct usbip_server_config sc = { .listen_addr = "127.0.0.1" };
	struct served *s = calloc(1, sizeof(*s));
	struct sim_board *boards[1];
	struct dfu_diag dg = { 0 };
	char addr[32];
	char *argv[] = { "dfu-flash", "--usbip", addr, "-a", "0", "-i", "0", "-s",
			 "0x08000000:mass-erase:force:leave", "-R", "-D", (char *)fw, NULL };
	uint64_t best = UINT64_MAX;
	unsigned long urbs = 0;
	int rc = 0;

	if (!s)
		return;
	sim_board_config_default(&bc, l4_profile_find("stm32l412xb"), 0);
	if (sim_board_init(&s->board, &bc) != 0) {
		printf("usbip  cannot build the emulated board\n");
		free(s);
		return;
	}
	sim_board_power_on(&s->board, 0);
	boards[0] = &s->board;
	sc.capture = count_urb;
	sc.capture_ctx = s;
	if (usbip_server_new(&s->srv, &sc, boards, 1) != 0 || usbip_server_listen(s->srv, &dg) != 0 ||
	    pthread_create(&s->th, NULL, serve, s) != 0) {
		printf("usbip  cannot serve on 127.0.0.1: %s\n", dg.msg);
		usbip_server_free(s->srv);
		sim_board_free(&s->board);
		free(s);
		return;
	}
	snprintf(addr, sizeof(addr), "127.0.0.1:%u", usbip_server_port(s->srv));
	for (unsigned i = 0; i < reps; i++) {
		unsigned long u0 = atomic_load(&s->urbs);
		uint64_t t0 = now_ns();

		rc = flash(argv, NULL);
		t0 = now_ns() - t0;
		urbs = atomic_load(&s->urbs) - u0;
		if (t0 < best)
			best = t0;
	}
	atomic_store(&s->done, true);
	pthread_join(s->th, NULL);
	usbip_server_free(s->srv);
	sim_board_free(&s->board);
	free(s);
	printf("usbip  seed job, 128 KiB over USB/IP on 127.0.0.1: %.1f ms (best of %u), "
	       "%.1f MB/s, %lu URBs, %.1f us per URB round trip (exit %d)\n",
	       (double)best / 1e6, reps, (double)IMAGE_SIZE / ((double)best / 1e9) / 1e6, urbs,
	       urbs ? (double)best / 1e3 / (double)urbs : 0.0, rc);
}

int main(int argc, char **argv)
{
	bool quick = argc > 1 && !strcmp(argv[1], "-q");
	static uint8_t img[IMAGE_SIZE];
	char fw[] = "/tmp/dfulab-bench-XXXXXX";
	struct rusage ru;
	int fd = mkstemp(fw);

	if (fd < 0) {
		perror("dfulab-bench: temporary image");
		return 1;
	}
	if (lab_sim_xport_register() < 0) {
		fprintf(stderr, "dfulab-bench: the --sim transport cannot be added\n");
		return 1;
	}
	make_image(img);
	if (write(fd, img, IMAGE_SIZE) != (ssize_t)IMAGE_SIZE) {
		perror("dfulab-bench: temporary image");
		return 1;
	}
	close(fd);

	setvbuf(stdout, NULL, _IOLBF, 0);
	bench_fsm(quick ? 1000000ul : 10000000ul);
	bench_layout(quick ? 100000ul : 1000000ul);
	bench_suffix(img, quick ? 100ul : 1000ul);
	bench_inproc(fw, quick ? 3 : 10);
	bench_usbip(fw, quick ? 3 : 10);
	unlink(fw);
	getrusage(RUSAGE_SELF, &ru);
	printf("memory peak resident set: %ld KiB\n", ru.ru_maxrss);
	return 0;
}
