/* test_dfu_session.c - the DFU/DfuSe session engine against the emulated
 * STM32L412 (in-process transport, virtual clock).
 *
 * It runs the seed's job and its remedies end to end: the engine flashes,
 * leaves, watches the device come back and says what it runs; the emulator
 * says what the chip really booted. The engine against a scripted hostile
 * device, without the emulator, is tests/host/test_dfu_session_fake.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dfu/bytes.h"
#include "dfu/dfu_file.h"
#include "dfu/usb_desc.h"
#include "host/dfu_session.h"
#include "lab/xport_inproc.h"
#include "sim/l4_chip.h"
#include "sim/sim_board.h"
#include "image_builder.h"
#include "lab_fixture.h"

#define FLASH 0x08000000u
#define OB 0x1FFF7800u
#define IMG (16 * 1024)

struct fx {
	struct lab_fx lab;
	struct dfu_session s;
	struct dfu_session_opts o;
	struct dfu_return_report rep;
	uint8_t img[IMG];
	/* transcript */
	unsigned nrec;
	struct dfu_setup rec[128];
	int rec_rc[128];
};

static void on_xfer(void *ctx, const struct dfu_xfer_record *r)
{
	struct fx *f = ctx;
	if (f->nrec < 128) {
		f->rec[f->nrec] = r->setup;
		f->rec_rc[f->nrec] = r->rc;
	}
	f->nrec++;
}

/* `o`'s boards on an instant bus, a session's options with the transcript
 * kept, the image made. */
static struct fx *fx_new_opts(const struct lab_fx_opts *o)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	lab_fx_init(&f->lab, o);
	dfu_session_opts_default(&f->o);
	f->o.transcript = on_xfer;
	f->o.transcript_ctx = f;
	image_build(f->img, IMG, 0x2545F491u);
	return f;
}

static struct fx *fx_new(size_t nboards, enum sim_timing timing, unsigned quirks)
{
	const struct lab_fx_opts o = { .boards = (unsigned)nboards, .timing = timing,
				       .quirks = quirks };

	return fx_new_opts(&o);
}

static void fx_free(struct fx *f)
{
	dfu_session_close(&f->s);
	lab_fx_fini(&f->lab);
	free(f);
}

static int open_alt(struct fx *f, int alt)
{
	struct dfu_match m;
	dfu_match_any(&m);
	m.alt = alt;
	m.serial = f->lab.b[0].serial;
	return dfu_session_open(&f->s, &f->lab.x, &m, &f->o);
}

static void assert_contains(const char *hay, const char *needle)
{
	if (!strstr(hay, needle))
		fail_msg("\"%s\" does not contain \"%s\"", hay, needle);
}

static struct dfu_dfuse_job seed_job(const struct fx *f, bool verify)
{
	struct dfu_dfuse_job j = {
		.address = FLASH,
		.data = f->img,
		.len = IMG,
		.mass_erase = true,
		.verify = verify,
		.leave = true,
		.await_return = true,
	};
	return j;
}

static void test_seed_command_on_a_virgin_chip_ends_with_the_trap_diagnosed(void **state)
{
	struct fx *f = fx_new(1, SIM_TIMING_DATASHEET, 0);
	struct dfu_dfuse_job j = seed_job(f, true);
	(void)state;

	f->o.force = true; /* mass-erase:force */
	assert_int_equal(open_alt(f, 0), 0);
	assert_int_equal(dfu_session_dfuse_flash(&f->s, &j, &f->rep), 0);
	assert_int_equal(f->rep.kind, DFU_RETURN_EMPTY_CHECK_TRAP);
	assert_true(f->rep.found);
	assert_string_equal(f->rep.dev.serial, f->lab.b[0].serial);
	assert_contains(f->rep.text, "flashed but not running: the flash-empty flag (PEMPTY) was "
				     "latched at power-on; the new firmware is intact");
	assert_contains(f->rep.text, "remedies: power cycle, or --reload-option-bytes");
	/* The emulator agrees: the ROM runs, and says why. */
	assert_int_equal(f->lab.b[0].runs, SIM_RUNS_ROM);
	assert_non_null(sim_log_find(&f->lab.b[0].log,
			"PEMPTY=1 (latched since power-on) -> system memory"));
	/* The image is in flash all the same. */
	assert_memory_equal(f->lab.b[0].chip.flash, f->img, IMG);
	fx_free(f);
}

/*
 * The seed job's request count, compared with dfu-util 0.11 for the same
 * command ([dfu-util-0.11], request sequences; 16 KiB image, wTransferSize
 * 2048 = 8 chunks):
 *
 *   dfu-util 0.11                          dfu-flash (this engine)
 *   4 string reads (LANGID+iInterface,     0 (enumeration already read them)
 *     LANGID+iSerialNumber)
 *   SET_INTERFACE + GETSTATUS         2    SET_INTERFACE + GETSTATUS          2
 *   MASS_ERASE: DNLOAD + 2 GETSTATUS  3    MASS_ERASE                         3
 *   per 2048-byte chunk: SET_ADDRESS       SET_ADDRESS once                   3
 *     (3) + DNLOAD + 2 GETSTATUS: 8 x 6 48  8 blocks 2..9: DNLOAD + 2 GETSTATUS 24
 *   ABORT + GETSTATUS                 2    (nothing: dfuDNLOAD-IDLE may leave)
 *   leave: SET_ADDRESS (3) + DNLOAD        leave: SET_ADDRESS (3) + DNLOAD
 *     + GETSTATUS                     5      + GETSTATUS                      5
 *   -R: DETACH                        1    (device already gone)
 *   total                            65    total                             37
 *
 * A read-back verify, which dfu-util does not have, adds ABORT + 8 UPLOADs
 * (the pointer is still at 0x08000000: blocks do not move it) and an ABORT
 * before the leave's SET_ADDRESS: 47.
 */
static void test_seed_job_takes_37_requests_where_dfu_util_sends_65(void **state)
{
	struct fx *f = fx_new(1, SIM_TIMING_INSTANT, 0);
	struct dfu_dfuse_job j = seed_job(f, false);
	(void)state;

	assert_int_equal(open_alt(f, 0), 0);
	assert_int_equal(dfu_session_dfuse_flash(&f->s, &j, &f->rep), 0);
	assert_int_equal(f->s.stats.requests, 37);
	assert_int_equal(f->nrec, 37);
	assert_int_equal(f->s.stats.standard, 1);
	assert_int_equal(f->s.stats.dfuse[DFUSE_SET_ADDRESS], 2);
	assert_int_equal(f->s.stats.dfuse[DFUSE_MASS_ERASE], 1);
	assert_int_equal(f->s.stats.dfuse[DFUSE_ERASE_PAGE], 0);
	assert_int_equal(f->s.stats.dfu[DFU_DNLOAD], 1 + 1 + 8 + 1 + 1);
	assert_int_equal(f->s.stats.dfu[DFU_GETSTATUS], 1 + 2 + 2 + 16 + 2 + 1);
	/* Blocks 2, 3, ... 9 after one SET_ADDRESS: the golden order. */
	{
		unsigned blk = 2;
		for (unsigned i = 0; i < f->nrec; i++)
			if (f->rec[i].bRequest == DFU_DNLOAD && f->rec[i].wValue >= 2 &&
			    f->rec[i].wLength == 2048)
				assert_int_equal(f->rec[i].wValue, blk++);
		assert_int_equal(blk, 10);
	}
	assert_int_equal(f->rep.kind, DFU_RETURN_EMPTY_CHECK_TRAP);
	assert_contains(f->rep.text, "written (not verified)");
	fx_free(f);
}

static void test_seed_job_with_verify_takes_47_requests(void **state)
{
	struct fx *f = fx_new(1, SIM_TIMING_INSTANT, 0);
	struct dfu_dfuse_job j = seed_job(f, true);
	(void)state;

	assert_int_equal(open_alt(f, 0), 0);
	assert_int_equal(dfu_session_dfuse_flash(&f->s, &j, &f->rep), 0);
	assert_int_equal(f->s.stats.requests, 47);
	assert_int_equal(f->s.stats.dfu[DFU_UPLOAD], 8);
	assert_int_equal(f->s.stats.dfu[DFU_ABORT], 2);
	/* Golden start of the transcript. */
	assert_int_equal(f->rec[0].bRequest, 0x0B); /* SET_INTERFACE alt 0 */
	assert_int_equal(f->rec[0].wValue, 0);
	assert_int_equal(f->rec[1].bRequest, DFU_GETSTATUS);
	assert_int_equal(f->rec[2].bRequest, DFU_DNLOAD); /* mass erase: [41], block 0 */
	assert_int_equal(f->rec[2].wValue, 0);
	assert_int_equal(f->rec[2].wLength, 1);
	fx_free(f);
}

static void test_power_cycle_after_the_trap_runs_the_application(void **state)
{
	struct fx *f = fx_new(1, SIM_TIMING_DATASHEET, 0);
	struct dfu_dfuse_job j = seed_job(f, true);
	char text[128];
	(void)state;

	assert_int_equal(open_alt(f, 0), 0);
	assert_int_equal(dfu_session_dfuse_flash(&f->s, &j, &f->rep), 0);
	assert_int_equal(f->rep.kind, DFU_RETURN_EMPTY_CHECK_TRAP);
	sim_board_press_reset(&f->lab.b[0], xport_inproc_now_us(&f->lab.t));
	assert_int_equal(f->lab.b[0].runs, SIM_RUNS_ROM); /* NRST keeps PEMPTY */
	sim_board_power_cycle(&f->lab.b[0], xport_inproc_now_us(&f->lab.t));
	assert_int_equal(f->lab.b[0].runs, SIM_RUNS_APP);
	assert_contains(sim_board_running_text(&f->lab.b[0], text, sizeof(text)), "application");
	fx_free(f);
}

static void test_option_byte_rewrite_after_the_trap_runs_the_application(void **state)
{
	struct fx *f = fx_new(1, SIM_TIMING_DATASHEET, 0);
	struct dfu_dfuse_job j = seed_job(f, true);
	uint8_t before[40];
	(void)state;

	assert_int_equal(open_alt(f, 0), 0);
	assert_int_equal(dfu_session_dfuse_flash(&f->s, &j, &f->rep), 0);
	assert_int_equal(f->rep.kind, DFU_RETURN_EMPTY_CHECK_TRAP);
	memcpy(before, f->lab.b[0].chip.ob_flash, sizeof(before));

	assert_int_equal(open_alt(f, 0), 0);
	assert_int_equal(dfu_session_reload_option_bytes(&f->s, &f->rep), 0);
	assert_true(f->s.gone);
	assert_int_equal(f->rep.kind, DFU_RETURN_GONE); /* a silent application */
	assert_int_equal(f->lab.b[0].runs, SIM_RUNS_APP);
	assert_memory_equal(f->lab.b[0].chip.ob_flash, before, sizeof(before)); /* unchanged */
	assert_non_null(sim_log_find(&f->lab.b[0].log,
			"PEMPTY=0 (sampled at this reset) -> main flash"));
	fx_free(f);
}

/* WRP1AR covering page 2 (0x08001000-0x080017FF) through an OB write; the
 * ROM then leaves that page alone without an error, and only the read-back
 * shows it. */
static void test_verify_catches_a_write_protected_page(void **state)
{
	struct fx *f = fx_new(1, SIM_TIMING_INSTANT, 0);
	struct dfu_dfuse_job j = seed_job(f, true);
	struct l4_wrp_area area = { 2, 2 };
	uint8_t ob[64];
	size_t n;
	(void)state;

	assert_int_equal(open_alt(f, 0), 0);
	assert_int_equal(dfu_session_ob_read(&f->s, ob, sizeof(ob), &n), 0);
	assert_int_equal(n, 40);
	dfu_put_le32(ob + L4_OB_WRP1AR, l4_wrp_encode(&area));
	dfu_put_le32(ob + L4_OB_WRP1AR + 4, ~l4_wrp_encode(&area));
	assert_int_equal(dfu_session_ob_write(&f->s, ob, n), 0);
	assert_int_equal(dfu_session_await_return(&f->s, &f->rep), 0);
	/* Still blank after the option load: back in the ROM. */
	assert_int_equal(f->rep.kind, DFU_RETURN_BOOTLOADER);
	assert_true(l4_flash_page_protected(&f->lab.b[0].chip, 2));

	j.leave = false;
	assert_int_equal(open_alt(f, 0), 0);
	assert_int_equal(dfu_session_dfuse_flash(&f->s, &j, &f->rep), DFU_E_VERIFY);
	assert_contains(dfu_session_errmsg(&f->s), "the first at 0x08001000");
	assert_contains(dfu_session_errmsg(&f->s), "of 16384 bytes differ");
	assert_contains(dfu_session_errmsg(&f->s), "WRP");
	fx_free(f);
}

static void test_leave_that_disconnects_without_status_is_a_success(void **state)
{
	struct fx *f = fx_new(1, SIM_TIMING_INSTANT, SIM_QUIRK_LEAVE_NO_STATUS);
	struct dfu_dfuse_job j = seed_job(f, false);
	(void)state;

	assert_int_equal(open_alt(f, 0), 0);
	assert_int_equal(dfu_session_dfuse_flash(&f->s, &j, &f->rep), 0);
	assert_true(f->s.left_silently);
	assert_int_equal(f->rec_rc[f->nrec - 1], DFU_E_NODEV); /* the unanswered GETSTATUS */
	assert_int_equal(f->rep.kind, DFU_RETURN_EMPTY_CHECK_TRAP);
	fx_free(f);
}

static void test_l4_erase_stall_is_tolerated(void **state)
{
	struct fx *f = fx_new(1, SIM_TIMING_DATASHEET, SIM_QUIRK_ERASE_STALL);
	(void)state;

	assert_int_equal(open_alt(f, 0), 0);
	assert_int_equal(dfu_session_download(&f->s, FLASH, f->img, 5000, 0), 0);
	assert_true(f->s.stats.stalls_tolerated >= 3); /* one per page */
	assert_int_equal(dfu_session_verify(&f->s, FLASH, f->img, 5000), 0);
	fx_free(f);
}

static void test_erase_touches_only_the_pages_of_the_image(void **state)
{
	struct fx *f = fx_new(1, SIM_TIMING_INSTANT, 0);
	(void)state;

	assert_int_equal(open_alt(f, 0), 0);
	/* 0x08000700 .. 0x08001A0F: pages 0, 1, 2 and 3. */
	assert_int_equal(dfu_session_download(&f->s, FLASH + 0x700, f->img, 0x1310, 0), 0);
	assert_int_equal(f->s.stats.dfuse[DFUSE_ERASE_PAGE], 4);
	/* The block rule: 3 blocks after one SET_ADDRESS. */
	assert_int_equal(f->s.stats.dfuse[DFUSE_SET_ADDRESS], 1);
	assert_int_equal(dfu_session_verify(&f->s, FLASH + 0x700, f->img, 0x1310), 0);
	assert_memory_equal(f->lab.b[0].chip.flash + 0x700, f->img, 0x1310);
	fx_free(f);
}

static void test_smaller_transfer_size_sets_the_address_per_chunk(void **state)
{
	struct fx *f = fx_new(1, SIM_TIMING_INSTANT, 0);
	(void)state;

	f->o.transfer_size = 1024; /* dfu-util -t 1024 */
	assert_int_equal(open_alt(f, 0), 0);
	assert_int_equal(f->s.xfer, 1024);
	assert_int_equal(dfu_session_download(&f->s, FLASH, f->img, 4096, 0), 0);
	/* The ROM places block n at pointer + (n - 2) * its own 2048. */
	assert_int_equal(f->s.stats.dfuse[DFUSE_SET_ADDRESS], 4);
	assert_int_equal(dfu_session_verify(&f->s, FLASH, f->img, 4096), 0);
	assert_memory_equal(f->lab.b[0].chip.flash, f->img, 4096);
	fx_free(f);
}

static void test_address_outside_flash_is_refused_before_anything_is_sent(void **state)
{
	struct fx *f = fx_new(1, SIM_TIMING_INSTANT, 0);
	uint32_t before;
	(void)state;

	assert_int_equal(open_alt(f, 0), 0);
	before = f->s.stats.requests;
	assert_int_equal(dfu_session_download(&f->s, 0x08020000u, f->img, 16, 0), DFU_E_RANGE);
	assert_string_equal(dfu_session_errmsg(&f->s),
			    "address 0x08020000 is outside \"Internal Flash\" "
			    "(0x08000000-0x0801FFFF); check -s");
	assert_int_equal(dfu_session_download(&f->s, 0x0801F000u, f->img, 8192, 0), DFU_E_RANGE);
	assert_contains(dfu_session_errmsg(&f->s), "past the end of \"Internal Flash\"");
	assert_int_equal(dfu_session_download(&f->s, 0xFFFFFFF0u, f->img, 32, 0), DFU_E_OVERFLOW);
	assert_int_equal(f->s.stats.requests, before);
	fx_free(f);
}

static void test_upload_stops_at_a_short_reply(void **state)
{
	struct fx *f = fx_new(1, SIM_TIMING_INSTANT, 0);
	uint8_t buf[4096];
	size_t got = 0;
	(void)state;

	f->o.force = true; /* ask past the end; the ROM cuts the frame there */
	assert_int_equal(open_alt(f, 0), 0);
	assert_int_equal(dfu_session_upload(&f->s, 0x0801FC00u, buf, sizeof(buf), &got), 0);
	assert_int_equal(got, 1024);
	assert_int_equal(f->s.stats.dfu[DFU_UPLOAD], 1);
	fx_free(f);
}

static void test_alt_is_found_by_its_exact_name(void **state)
{
	struct fx *f = fx_new(1, SIM_TIMING_INSTANT, 0);
	struct dfu_match m;
	(void)state;

	dfu_match_any(&m);
	m.alt_name = "@Option Bytes  /0x1FFF7800/01*040 e";
	assert_int_equal(dfu_session_open(&f->s, &f->lab.x, &m, &f->o), 0);
	assert_int_equal(f->s.alt, 1);
	assert_int_equal(dfu_session_find_alt(&f->s, "Internal Flash"), 0);
	assert_int_equal(dfu_session_find_alt(&f->s, "Device Feature"), 3);
	assert_int_equal(dfu_session_find_alt(&f->s, "Nothing"), -1);
	dfu_session_close(&f->s);

	m.alt_name = "@Option Bytes"; /* not exact */
	assert_int_equal(dfu_session_open(&f->s, &f->lab.x, &m, &f->o), DFU_E_NOTFOUND);
	fx_free(f);
}

static void test_ambiguity_is_an_error_that_lists_the_candidates(void **state)
{
	struct fx *f = fx_new(2, SIM_TIMING_INSTANT, 0);
	struct dfu_match m;
	(void)state;

	dfu_match_any(&m);
	m.alt = 0;
	assert_int_equal(dfu_session_open(&f->s, &f->lab.x, &m, &f->o), DFU_E_AMBIGUOUS);
	assert_contains(dfu_session_errmsg(&f->s), "2 DFU devices match");
	assert_contains(dfu_session_errmsg(&f->s), f->lab.b[1].serial);
	assert_contains(dfu_session_errmsg(&f->s), "-S SERIAL or -p PATH");

	m.alt = -1;
	m.path = "1-2";
	assert_int_equal(dfu_session_open(&f->s, &f->lab.x, &m, &f->o), DFU_E_AMBIGUOUS);
	assert_contains(dfu_session_errmsg(&f->s), "has 4 DFU alt settings: 0 \"@Internal Flash");
	assert_contains(dfu_session_errmsg(&f->s), "-a NUMBER or -a NAME");

	m.alt = 0;
	assert_int_equal(dfu_session_open(&f->s, &f->lab.x, &m, &f->o), 0);
	assert_string_equal(f->s.dev.serial, f->lab.b[1].serial);
	dfu_session_close(&f->s);

	m.path = NULL;
	m.vid = 0x1234;
	assert_int_equal(dfu_session_open(&f->s, &f->lab.x, &m, &f->o), DFU_E_NOTFOUND);
	assert_contains(dfu_session_errmsg(&f->s), "no DFU-mode device matches");
	fx_free(f);
}

static void test_read_unprotect_ends_with_the_device_gone(void **state)
{
	struct fx *f = fx_new(1, SIM_TIMING_INSTANT, 0);
	(void)state;

	assert_int_equal(open_alt(f, 0), 0);
	assert_int_equal(dfu_session_download(&f->s, FLASH, f->img, 2048, 0), 0);
	assert_int_equal(dfu_session_special(&f->s, DFUSE_READ_UNPROTECT, 0), 0);
	assert_true(f->s.gone);
	assert_int_equal(dfu_session_await_return(&f->s, &f->rep), 0);
	assert_int_equal(f->rep.kind, DFU_RETURN_BLANK); /* mass-erased: blank again */
	assert_int_equal(f->lab.b[0].chip.flash[0], 0xFF);
	fx_free(f);
}

static void test_leave_on_a_chip_that_booted_its_application_is_seen_leaving(void **state)
{
	struct fx *f = fx_new(1, SIM_TIMING_INSTANT, 0);
	struct dfu_dfuse_job j = seed_job(f, false);
	(void)state;

	/* First flash, then a power cycle runs it; BOOT0 high brings the ROM
	 * back; BOOT0 low again; leave now resets into the application. */
	assert_int_equal(open_alt(f, 0), 0);
	assert_int_equal(dfu_session_dfuse_flash(&f->s, &j, &f->rep), 0);
	sim_board_set_boot0(&f->lab.b[0], true, 0);
	sim_board_power_cycle(&f->lab.b[0], xport_inproc_now_us(&f->lab.t));
	assert_int_equal(f->lab.b[0].runs, SIM_RUNS_ROM);
	sim_board_set_boot0(&f->lab.b[0], false, 0);
	assert_int_equal(open_alt(f, 0), 0);
	assert_int_equal(dfu_session_leave(&f->s, true, FLASH), 0);
	assert_int_equal(dfu_session_await_return(&f->s, &f->rep), 0);
	assert_int_equal(f->rep.kind, DFU_RETURN_GONE);
	assert_int_equal(f->rep.waited_ms, f->o.reenum_timeout_ms);
	assert_int_equal(f->lab.b[0].runs, SIM_RUNS_APP);
	fx_free(f);
}

static void test_leave_after_a_mass_erase_reports_blank_flash(void **state)
{
	struct fx *f = fx_new(1, SIM_TIMING_INSTANT, 0);
	(void)state;

	assert_int_equal(open_alt(f, 0), 0);
	assert_int_equal(dfu_session_special(&f->s, DFUSE_MASS_ERASE, 0), 0);
	assert_int_equal(dfu_session_leave(&f->s, false, 0), 0);
	assert_int_equal(dfu_session_await_return(&f->s, &f->rep), 0);
	assert_int_equal(f->rep.kind, DFU_RETURN_BLANK);
	assert_contains(f->rep.text, "0x08000000 is erased");
	fx_free(f);
}

static void test_runtime_application_is_recognised_when_it_comes_back(void **state)
{
	const struct lab_fx_opts o = { .boards = 1, .app = SIM_APP_DFU_RUNTIME };
	struct fx *f = fx_new_opts(&o);
	struct dfu_match m;
	(void)state;

	dfu_match_any(&m);
	m.alt = 0;
	assert_int_equal(dfu_session_open(&f->s, &f->lab.x, &m, &f->o), 0);
	assert_int_equal(dfu_session_special(&f->s, DFUSE_MASS_ERASE, 0), 0);
	assert_int_equal(dfu_session_download(&f->s, FLASH, f->img, IMG, DFU_DL_NO_ERASE), 0);
	sim_board_power_cycle(&f->lab.b[0], xport_inproc_now_us(&f->lab.t));
	/* The application's run-time interface is no DFU-mode device. */
	assert_int_equal(dfu_session_open(&f->s, &f->lab.x, &m, &f->o), DFU_E_STATE);
	assert_contains(dfu_session_errmsg(&f->s), "run-time mode");
	fx_free(f);
}

struct phases {
	unsigned done[4];
	size_t last_total[4];
};

static void on_progress(void *ctx, enum dfu_phase phase, size_t done, size_t total)
{
	struct phases *p = ctx;
	assert_true(done <= total);
	if (done == total) {
		p->done[phase]++;
		p->last_total[phase] = total;
	}
}

static void test_progress_reports_each_phase_to_completion(void **state)
{
	struct fx *f = fx_new(1, SIM_TIMING_INSTANT, 0);
	struct phases ph = { { 0 }, { 0 } };
	uint8_t buf[100];
	size_t got;
	(void)state;

	f->o.progress = on_progress;
	f->o.progress_ctx = &ph;
	assert_int_equal(open_alt(f, 0), 0);
	assert_int_equal(dfu_session_download(&f->s, FLASH, f->img, 5000, 0), 0);
	assert_int_equal(dfu_session_verify(&f->s, FLASH, f->img, 5000), 0);
	assert_int_equal(dfu_session_upload(&f->s, FLASH, buf, sizeof(buf), &got), 0);
	assert_int_equal(ph.done[DFU_PHASE_ERASE], 1);
	assert_int_equal(ph.done[DFU_PHASE_WRITE], 1);
	assert_int_equal(ph.done[DFU_PHASE_VERIFY], 1);
	assert_int_equal(ph.done[DFU_PHASE_READ], 1);
	assert_int_equal(ph.last_total[DFU_PHASE_WRITE], 5000);
	assert_memory_equal(buf, f->img, sizeof(buf));
	fx_free(f);
}

static void test_operations_after_leave_say_the_device_left(void **state)
{
	struct fx *f = fx_new(1, SIM_TIMING_INSTANT, 0);
	uint8_t buf[16];
	size_t got;
	(void)state;

	assert_int_equal(open_alt(f, 0), 0);
	assert_int_equal(dfu_session_leave(&f->s, true, FLASH), 0);
	assert_int_equal(dfu_session_upload(&f->s, FLASH, buf, sizeof(buf), &got), DFU_E_NODEV);
	assert_contains(dfu_session_errmsg(&f->s), "not open any more");
	assert_int_equal(dfu_session_special(&f->s, DFUSE_MASS_ERASE, 0), DFU_E_NODEV);
	fx_free(f);
}

static void test_option_byte_sizes_are_checked(void **state)
{
	struct fx *f = fx_new(1, SIM_TIMING_INSTANT, 0);
	uint8_t ob[64] = { 0 };
	size_t n = 7;
	(void)state;

	assert_int_equal(open_alt(f, 0), 0);
	assert_int_equal(dfu_session_ob_read(&f->s, ob, 16, &n), DFU_E_NOSPACE);
	assert_int_equal(n, 0);
	assert_contains(dfu_session_errmsg(&f->s), "40 bytes");
	assert_int_equal(dfu_session_ob_write(&f->s, ob, 41), DFU_E_RANGE);
	assert_int_equal(dfu_session_ob_write(&f->s, ob, 0), DFU_E_SIZE);
	fx_free(f);
}

static void test_dfuse_file_elements_are_flashed_where_they_say(void **state)
{
	struct fx *f = fx_new(1, SIM_TIMING_INSTANT, 0);
	const struct dfuse_build_element el[2] = {
		{ FLASH, f->img, 3000 },
		{ FLASH + 0x4000, f->img + 3000, 100 },
	};
	const struct dfuse_build_target tg = { 0, "ST...", el, 2 };
	struct dfu_suffix ids = { .bcdDevice = 0, .idProduct = 0xDF11, .idVendor = 0x0483 };
	size_t cap = dfuse_file_build_size(&tg, 1);
	uint8_t *file = malloc(cap);
	int n;
	(void)state;

	assert_non_null(file);
	n = dfuse_file_build(&tg, 1, &ids, file, cap);
	assert_true(n > 0);
	assert_int_equal(open_alt(f, 0), 0);
	assert_int_equal(dfu_session_dfuse_file(&f->s, file, (size_t)n, true), 0);
	assert_memory_equal(f->lab.b[0].chip.flash, f->img, 3000);
	assert_memory_equal(f->lab.b[0].chip.flash + 0x4000, f->img + 3000, 100);
	assert_int_equal(f->s.stats.dfuse[DFUSE_ERASE_PAGE], 3);

	/* A file for another device, a raw image, a broken suffix. */
	ids.idVendor = 0x1209;
	n = dfuse_file_build(&tg, 1, &ids, file, cap);
	assert_int_equal(dfu_session_dfuse_file(&f->s, file, (size_t)n, false), DFU_E_USAGE);
	assert_contains(dfu_session_errmsg(&f->s), "the file is for 1209:df11");
	assert_int_equal(dfu_session_dfuse_file(&f->s, f->img, 4096, false), DFU_E_FORMAT);
	file[n - 1] ^= 0xFF;
	assert_int_equal(dfu_session_dfuse_file(&f->s, file, (size_t)n, false), DFU_E_CRC);
	free(file);
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seed_command_on_a_virgin_chip_ends_with_the_trap_diagnosed),
		cmocka_unit_test(test_seed_job_takes_37_requests_where_dfu_util_sends_65),
		cmocka_unit_test(test_seed_job_with_verify_takes_47_requests),
		cmocka_unit_test(test_power_cycle_after_the_trap_runs_the_application),
		cmocka_unit_test(test_option_byte_rewrite_after_the_trap_runs_the_application),
		cmocka_unit_test(test_verify_catches_a_write_protected_page),
		cmocka_unit_test(test_leave_that_disconnects_without_status_is_a_success),
		cmocka_unit_test(test_l4_erase_stall_is_tolerated),
		cmocka_unit_test(test_erase_touches_only_the_pages_of_the_image),
		cmocka_unit_test(test_smaller_transfer_size_sets_the_address_per_chunk),
		cmocka_unit_test(test_address_outside_flash_is_refused_before_anything_is_sent),
		cmocka_unit_test(test_upload_stops_at_a_short_reply),
		cmocka_unit_test(test_alt_is_found_by_its_exact_name),
		cmocka_unit_test(test_ambiguity_is_an_error_that_lists_the_candidates),
		cmocka_unit_test(test_read_unprotect_ends_with_the_device_gone),
		cmocka_unit_test(test_leave_on_a_chip_that_booted_its_application_is_seen_leaving),
		cmocka_unit_test(test_leave_after_a_mass_erase_reports_blank_flash),
		cmocka_unit_test(test_runtime_application_is_recognised_when_it_comes_back),
		cmocka_unit_test(test_progress_reports_each_phase_to_completion),
		cmocka_unit_test(test_dfuse_file_elements_are_flashed_where_they_say),
		cmocka_unit_test(test_operations_after_leave_say_the_device_left),
		cmocka_unit_test(test_option_byte_sizes_are_checked),
	};
	return cmocka_run_group_tests_name("dfu_session", tests, NULL, NULL);
}
