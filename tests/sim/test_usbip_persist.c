/* test_usbip_persist.c - dfu-sim --state: a flash session killed with
 * SIGKILL at any moment leaves a state file that loads and holds every
 * block the host saw acknowledged; a damaged state file stops dfu-sim from
 * starting instead of silently giving a virgin chip. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "usbip_client.h"

#define BLOCKS 48
#define BLOCK 2048

static uint8_t image[BLOCKS * BLOCK];

static int each_setup(void **state)
{
	(void)state;
	alarm(120);
	fill_pattern(image, sizeof(image), 2026);
	return 0;
}

/* ---- I/O that tolerates the server dying under it ---- */

static bool try_send(int fd, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		p += w;
		n -= (size_t)w;
	}
	return true;
}

static bool try_recv(int fd, uint8_t *p, size_t n)
{
	size_t got = 0;

	while (got < n) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t r;

		if (poll(&pfd, 1, IO_TIMEOUT_MS) <= 0)
			return false;
		r = recv(fd, p + got, n - got, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return false;
		got += (size_t)r;
	}
	return true;
}

/* One control transfer; false when the connection died. */
static bool try_ctrl(struct uclient *c, uint8_t type, uint8_t req, uint16_t wValue,
		     uint16_t wLength, const uint8_t *out, uint8_t *in, int32_t *status)
{
	static uint8_t msg[USBIP_HEADER_SIZE + BLOCK];
	struct usbip_cmd_submit m = { .base = { USBIP_CMD_SUBMIT, ++c->seq, c->devid,
						(type & 0x80) ? 1u : 0u, 0 } };
	struct dfu_setup st = { type, req, wValue, 0, wLength };
	uint8_t hdr[USBIP_HEADER_SIZE];
	int32_t actual;
	int n;

	m.transfer_buffer_length = wLength;
	dfu_setup_encode(&st, m.setup);
	n = usbip_cmd_submit_encode(&m, out, msg, sizeof(msg));
	assert_true(n > 0);
	if (!try_send(c->fd, msg, (size_t)n) || !try_recv(c->fd, hdr, sizeof(hdr)))
		return false;
	assert_int_equal(dfu_get_be32(hdr), USBIP_RET_SUBMIT);
	assert_int_equal(dfu_get_be32(hdr + 4), m.base.seqnum);
	*status = (int32_t)dfu_get_be32(hdr + 20);
	actual = (int32_t)dfu_get_be32(hdr + 24);
	if ((type & 0x80) && actual > 0 && !try_recv(c->fd, in, (size_t)actual))
		return false;
	return true;
}

/* DNLOAD + GETSTATUS until dfuDNLOAD-IDLE. Returns 1 acknowledged, 0 the
 * connection died first. */
static int try_block(struct uclient *c, uint16_t wValue, const uint8_t *data, uint16_t len)
{
	uint8_t st[6];
	int32_t status;

	if (!try_ctrl(c, 0x21, DFU_DNLOAD, wValue, len, data, NULL, &status))
		return 0;
	assert_int_equal(status, 0);
	for (int i = 0; i < 50; i++) {
		if (!try_ctrl(c, 0xA1, DFU_GETSTATUS, 0, 6, NULL, st, &status))
			return 0;
		assert_int_equal(status, 0);
		assert_int_equal(st[0], DFU_STATUS_OK);
		if (st[4] == DFU_STATE_DNLOAD_IDLE)
			return 1;
		assert_int_equal(st[4], DFU_STATE_DNBUSY);
	}
	fail_msg("block %u never left dfuDNBUSY", wValue);
	return 0;
}

/* BOOT0 high: whatever the flash holds after a restart, the ROM runs. */
static void start_on_state(struct sim_proc *p, const char *dir, const char *state)
{
	const char *args[] = { "--state", state, "--boot0", "1", NULL };

	sim_start(p, dir, args);
}

/* Import, enumerate, erase the pages of blocks [from, BLOCKS), set the address. */
static void open_session(struct uclient *c, struct sim_proc *p, int from)
{
	usbip_import_ok(c, p->port, "1-1");
	enumerate(c, NULL, 0);
	for (int b = from; b < BLOCKS; b++) {
		uint32_t page = 0x08000000u + (uint32_t)b * BLOCK;

		dfuse_cmd(c, 0x41, &page);
	}
	uint32_t base = 0x08000000u;
	dfuse_cmd(c, 0x21, &base);
}

/* Every acknowledged block reads back intact; the one in flight is either
 * all new or all erased. */
static void check_blocks(struct sim_proc *p, int acked, int in_flight)
{
	struct uclient c;
	uint8_t *back = malloc(BLOCKS * BLOCK);
	static uint8_t erased[BLOCK];

	assert_non_null(back);
	memset(erased, 0xFF, sizeof(erased));
	usbip_import_ok(&c, p->port, "1-1");
	enumerate(&c, NULL, 0);
	dfuse_read(&c, 0x08000000, back, BLOCKS * BLOCK);
	uclient_close(&c);
	for (int b = 0; b < acked; b++)
		if (memcmp(back + b * BLOCK, image + b * BLOCK, BLOCK) != 0)
			fail_msg("block %d was acknowledged but is not intact after kill -9", b);
	if (in_flight < BLOCKS) {
		const uint8_t *blk = back + in_flight * BLOCK;

		assert_true(memcmp(blk, image + in_flight * BLOCK, BLOCK) == 0 ||
			    memcmp(blk, erased, BLOCK) == 0);
	}
	free(back);
}

static void test_acknowledged_blocks_survive_kill_9_in_the_middle_of_a_flash(void **state)
{
	const char *dir = test_dir("usbip-persist");
	char sdir[600];
	struct sim_proc p;
	struct uclient c;
	int acked = 0;
	(void)state;
	snprintf(sdir, sizeof(sdir), "%s/state", dir);

	/* Round 1: kill right after the GETSTATUS that programs block 6 was sent. */
	start_on_state(&p, dir, sdir);
	usbip_import_ok(&c, p.port, "1-1");
	enumerate(&c, NULL, 0);
	dfuse_cmd(&c, 0x41, NULL); /* mass erase */
	uint32_t base = 0x08000000u;
	dfuse_cmd(&c, 0x21, &base);
	for (; acked < 6; acked++)
		assert_int_equal(try_block(&c, (uint16_t)(2 + acked), image + acked * BLOCK, BLOCK),
				 1);
	int32_t status;
	assert_true(try_ctrl(&c, 0x21, DFU_DNLOAD, (uint16_t)(2 + acked), BLOCK,
			     image + acked * BLOCK, NULL, &status));
	uint8_t getstatus_msg[48];
	struct usbip_cmd_submit gs = { .base = { USBIP_CMD_SUBMIT, ++c.seq, c.devid, 1, 0 },
				       .transfer_buffer_length = 6 };
	struct dfu_setup st = { 0xA1, DFU_GETSTATUS, 0, 0, 6 };
	dfu_setup_encode(&st, gs.setup);
	usbip_cmd_submit_encode(&gs, NULL, getstatus_msg, sizeof(getstatus_msg));
	assert_true(try_send(c.fd, getstatus_msg, sizeof(getstatus_msg)));
	sim_kill9(&p);
	uclient_close(&c);
	start_on_state(&p, dir, sdir);
	check_blocks(&p, acked, acked);

	/* Rounds 2-4: a killer fires at an arbitrary moment while blocks stream. */
	for (int round = 0; round < 3; round++) {
		int from = acked;
		pid_t killer;

		open_session(&c, &p, from);
		killer = fork();
		assert_true(killer >= 0);
		if (killer == 0) {
			usleep((useconds_t)(3000 + round * 7000));
			kill(p.pid, SIGKILL);
			_exit(0);
		}
		for (int b = from; b < BLOCKS; b++) {
			if (!try_block(&c, (uint16_t)(2 + b), image + b * BLOCK, BLOCK))
				break;
			acked = b + 1;
		}
		waitpid(killer, NULL, 0);
		printf("round %d: dfu-sim killed with %d of %d blocks acknowledged\n", round + 2,
		       acked, BLOCKS);
		/* Killed mid-flash, or (when the flash outran the killer) at an
		 * idle server: either way it is gone; reap it. */
		sim_kill9(&p);
		uclient_close(&c);
		start_on_state(&p, dir, sdir);
		check_blocks(&p, acked, acked);
		if (acked == BLOCKS)
			break;
	}
	/* Finish whatever is left, stop cleanly, and the whole image is there. */
	if (acked < BLOCKS) {
		open_session(&c, &p, acked);
		for (int b = acked; b < BLOCKS; b++)
			assert_int_equal(try_block(&c, (uint16_t)(2 + b), image + b * BLOCK, BLOCK), 1);
		uclient_close(&c);
	}
	sim_stop(&p);
	start_on_state(&p, dir, sdir);
	check_blocks(&p, BLOCKS, BLOCKS);
	sim_stop(&p);
	remove_dir(dir);
}

static void test_clean_restart_keeps_flash_and_serial(void **state)
{
	const char *dir = test_dir("usbip-restart");
	char sdir[600], serial1[64], serial2[64], out[8192];
	struct sim_proc p;
	struct uclient c;
	uint8_t back[BLOCK];
	(void)state;
	snprintf(sdir, sizeof(sdir), "%s/state", dir);
	start_on_state(&p, dir, sdir);
	usbip_import_ok(&c, p.port, "1-1");
	enumerate(&c, serial1, sizeof(serial1));
	uint32_t at = 0x08010000u;
	dfuse_cmd(&c, 0x41, &at);
	dfuse_write(&c, at, image, BLOCK);
	uclient_close(&c);
	sim_stop(&p);

	start_on_state(&p, dir, sdir);
	usbip_import_ok(&c, p.port, "1-1");
	enumerate(&c, serial2, sizeof(serial2));
	assert_string_equal(serial1, serial2);
	dfuse_read(&c, at, back, BLOCK);
	assert_memory_equal(back, image, BLOCK);
	uclient_close(&c);
	/* A restart is a power-on: PEMPTY is sampled again from the (still
	 * erased) first word. */
	assert_int_equal(sim_ctl_run(&p, out, sizeof(out), "status 1-1"), 0);
	assert_non_null(strstr(out, "pempty: 1"));
	assert_non_null(strstr(out, "last reset: power-on"));
	sim_stop(&p);
	remove_dir(dir);
}

/* Start dfu-sim on `state` and insist it refuses with `needle` in its message. */
static void expect_refusal(const char *dir, const char *state, const char *extra,
			   const char *needle)
{
	const char *args[] = { "--state", state, extra ? "--chip" : NULL, extra, NULL };
	struct sim_proc p;
	char err[4096];
	int rc = sim_start_ex(&p, dir, args, err, sizeof(err));

	if (rc == 0) {
		sim_stop(&p);
		fail_msg("dfu-sim started on a damaged state directory");
	}
	assert_int_equal(rc, 1);
	if (!strstr(err, needle) || !strstr(err, "refusing to start"))
		fail_msg("refusal does not say \"%s\" and \"refusing to start\": %s", needle, err);
}

static void test_corrupt_truncated_or_foreign_state_file_stops_dfu_sim(void **state)
{
	const char *dir = test_dir("usbip-corrupt");
	char sdir[600], file[700];
	struct sim_proc p;
	struct stat sb;
	FILE *f;
	(void)state;
	snprintf(sdir, sizeof(sdir), "%s/state", dir);
	snprintf(file, sizeof(file), "%s/1-1.state", sdir);
	start_on_state(&p, dir, sdir);
	sim_stop(&p);
	assert_int_equal(stat(file, &sb), 0);

	/* One flipped bit in the flash image: the CRC catches it. */
	f = fopen(file, "r+b");
	assert_non_null(f);
	fseek(f, 1000, SEEK_SET);
	int ch = fgetc(f);
	fseek(f, 1000, SEEK_SET);
	fputc(ch ^ 0x04, f);
	fclose(f);
	expect_refusal(dir, sdir, NULL, "corrupt");
	fputs("", stderr);

	/* Cut short. */
	assert_int_equal(truncate(file, sb.st_size / 2), 0);
	expect_refusal(dir, sdir, NULL, "1-1.state");

	/* Not a state file at all. */
	f = fopen(file, "wb");
	assert_non_null(f);
	fputs("hello", f);
	fclose(f);
	expect_refusal(dir, sdir, NULL, "not a dfu-sim state file");

	/* A good file, but for another chip. */
	unlink(file);
	start_on_state(&p, dir, sdir);
	sim_stop(&p);
	expect_refusal(dir, sdir, "stm32l432kc", "stm32l412xb");
	remove_dir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(
			test_acknowledged_blocks_survive_kill_9_in_the_middle_of_a_flash, each_setup),
		cmocka_unit_test_setup(test_clean_restart_keeps_flash_and_serial, each_setup),
		cmocka_unit_test_setup(test_corrupt_truncated_or_foreign_state_file_stops_dfu_sim,
				       each_setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
