/* test_sim_state.c - dfu-sim's per-board state files: what a file holds,
 * that it round-trips a chip, every malformed form is refused with a
 * message, and saving is atomic (no temporary file left, old file replaced
 * whole). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "dfu/bytes.h"
#include "dfu/dfu_file.h"
#include "sim/l4_chip.h"
#include "sim/sim_state.h"

struct fx {
	struct l4_chip chip;
	const struct l4_profile *p;
	uint8_t *buf;
	size_t len;
	char dir[512];
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	static const uint8_t uid[L4_UID_SIZE] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 };
	static const uint8_t word[8] = { 0x00, 0x80, 0x00, 0x20, 0x01, 0x01, 0x00, 0x08 };
	char cmd[1200];

	assert_non_null(f);
	f->p = l4_profile_find("stm32l412xb");
	assert_int_equal(l4_chip_init(&f->chip, f->p, NULL), 0);
	l4_chip_set_uid(&f->chip, uid);
	assert_int_equal(l4_chip_preload(&f->chip, 0x08000000, word, sizeof(word)), 0);
	f->chip.otp[8] = 0x5A;
	f->chip.ob_flash[0] = 0xBB;
	f->chip.mutations = 0x100000007ull;
	f->len = sim_state_size(&f->chip);
	f->buf = malloc(f->len);
	assert_non_null(f->buf);
	assert_int_equal(sim_state_encode(&f->chip, f->buf, f->len), (int)f->len);
	mkdir(DFULAB_TEST_TMP, 0777);
	snprintf(f->dir, sizeof(f->dir), "%s/sim-state-%ld", DFULAB_TEST_TMP, (long)getpid());
	snprintf(cmd, sizeof(cmd), "rm -rf '%s' && mkdir -p '%s'", f->dir, f->dir);
	assert_int_equal(system(cmd), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char cmd[1200];

	snprintf(cmd, sizeof(cmd), "chmod -R u+w '%s'; rm -rf '%s'", f->dir, f->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", f->dir);
	l4_chip_free(&f->chip);
	free(f->buf);
	free(f);
	return 0;
}

static void test_file_is_header_memories_and_crc(void **state)
{
	struct fx *f = *state;
	(void)state;
	assert_int_equal(f->len, 80 + 128 * 1024 + 64 + 1024 + 4);
	assert_memory_equal(f->buf, "DFUSIMST", 8);
	assert_int_equal(dfu_get_le32(f->buf + 8), 1);
	assert_int_equal(dfu_get_le32(f->buf + 12), 80);
	assert_string_equal((const char *)f->buf + 16, "stm32l412xb");
	assert_int_equal(dfu_get_le32(f->buf + 48), 128 * 1024);
	assert_int_equal(dfu_get_le32(f->buf + 52), 64);
	assert_int_equal(dfu_get_le32(f->buf + 56), 1024);
	assert_int_equal(f->buf[60], 1);
	assert_int_equal(f->buf[71], 12);
	assert_int_equal(dfu_get_le32(f->buf + 72), 7);
	assert_int_equal(dfu_get_le32(f->buf + 76), 1);
	assert_int_equal(f->buf[80], 0x00);
	assert_int_equal(f->buf[83], 0x20);
	assert_int_equal(f->buf[80 + 128 * 1024], 0xBB);
	assert_int_equal(dfu_get_le32(f->buf + f->len - 4),
			 dfu_crc32(DFU_CRC_INIT, f->buf, f->len - 4));
	assert_int_equal(sim_state_encode(&f->chip, f->buf, f->len - 1), DFU_E_NOSPACE);
}

static void test_decoded_state_restores_a_virgin_chip_exactly(void **state)
{
	struct fx *f = *state;
	struct sim_state st;
	struct l4_chip fresh;
	(void)state;
	assert_int_equal(sim_state_decode(f->buf, f->len, f->p, &st, NULL), 0);
	assert_string_equal(st.profile, "stm32l412xb");
	assert_int_equal(st.mutations, 0x100000007ull);
	assert_int_equal(l4_chip_init(&fresh, f->p, NULL), 0);
	sim_state_apply(&st, &fresh);
	assert_memory_equal(fresh.flash, f->chip.flash, f->p->flash_size);
	assert_memory_equal(fresh.ob_flash, f->chip.ob_flash, L4_OB_MAX);
	assert_memory_equal(fresh.otp, f->chip.otp, f->p->otp_size);
	assert_memory_equal(fresh.uid, f->chip.uid, L4_UID_SIZE);
	assert_int_equal(fresh.mutations, f->chip.mutations);
	l4_chip_free(&fresh);
}

static void expect_refused(struct fx *f, const uint8_t *buf, size_t len,
			   const struct l4_profile *p, int err, const char *needle)
{
	struct sim_state st;
	struct dfu_diag diag = { 0 };

	assert_int_equal(sim_state_decode(buf, len, p, &st, &diag), err);
	if (!strstr(diag.msg, needle))
		fail_msg("refusal \"%s\" does not say \"%s\"", diag.msg, needle);
	(void)f;
}

static void test_every_malformed_file_is_refused_with_a_reason(void **state)
{
	struct fx *f = *state;
	uint8_t *copy = malloc(f->len + 8);
	(void)state;
	assert_non_null(copy);
	expect_refused(f, f->buf, 0, f->p, DFU_E_FORMAT, "not a dfu-sim state file");
	expect_refused(f, (const uint8_t *)"DFUSIMSX", 8, f->p, DFU_E_FORMAT,
		       "not a dfu-sim state file");
	expect_refused(f, f->buf, 40, f->p, DFU_E_TRUNCATED, "cut short");
	expect_refused(f, f->buf, f->len - 1, f->p, DFU_E_TRUNCATED, "header announces");
	expect_refused(f, f->buf, 84, f->p, DFU_E_TRUNCATED, "header announces");
	memcpy(copy, f->buf, f->len);
	memset(copy + f->len, 0, 8);
	expect_refused(f, copy, f->len + 8, f->p, DFU_E_SIZE, "header announces");
	copy[8] = 2; /* format version */
	expect_refused(f, copy, f->len, f->p, DFU_E_FORMAT, "format 2");
	copy[8] = 1;
	copy[5000] ^= 1;
	expect_refused(f, copy, f->len, f->p, DFU_E_CRC, "corrupt");
	copy[5000] ^= 1;
	assert_int_equal(sim_state_decode(copy, f->len, f->p, &(struct sim_state){ 0 }, NULL), 0);
	expect_refused(f, copy, f->len, l4_profile_find("stm32l432kc"), DFU_E_UNSUPPORTED,
		       "saved for chip stm32l412xb");
	free(copy);
}

static void test_write_replaces_the_file_whole_and_read_loads_it(void **state)
{
	struct fx *f = *state;
	struct sim_state st;
	struct dfu_diag diag;
	char path[700], cmd[1200];
	(void)state;
	assert_int_equal(sim_state_write(f->dir, "1-1.state", &f->chip, &diag), 0);
	f->chip.flash[100] = 0x42;
	assert_int_equal(sim_state_write(f->dir, "1-1.state", &f->chip, &diag), 0);
	snprintf(path, sizeof(path), "%s/1-1.state", f->dir);
	assert_int_equal(sim_state_read(path, f->p, &st, &diag), 0);
	assert_int_equal(st.flash[100], 0x42);
	sim_state_free(&st);
	/* No temporary file is left behind. */
	snprintf(cmd, sizeof(cmd), "test $(ls -A '%s' | wc -l) -eq 1", f->dir);
	assert_int_equal(system(cmd), 0);
}

static void test_read_reports_missing_and_unreadable_files(void **state)
{
	struct fx *f = *state;
	struct sim_state st;
	struct dfu_diag diag;
	char path[700];
	(void)state;
	snprintf(path, sizeof(path), "%s/none.state", f->dir);
	assert_int_equal(sim_state_read(path, f->p, &st, &diag), DFU_E_NOTFOUND);
	assert_non_null(strstr(diag.msg, "none.state"));
	assert_int_equal(sim_state_read(f->dir, f->p, &st, &diag), DFU_E_IO);
	assert_non_null(strstr(diag.msg, "not a regular file"));
	FILE *fp = fopen(path, "wb");
	assert_non_null(fp);
	fputs("DFUSIMST", fp);
	fclose(fp);
	assert_int_equal(sim_state_read(path, f->p, &st, &diag), DFU_E_TRUNCATED);
}

static void test_write_into_a_missing_directory_fails_with_the_path(void **state)
{
	struct fx *f = *state;
	struct dfu_diag diag;
	char dir[600];
	(void)state;
	snprintf(dir, sizeof(dir), "%s/does/not/exist", f->dir);
	assert_int_equal(sim_state_write(dir, "1-1.state", &f->chip, &diag), DFU_E_IO);
	assert_non_null(strstr(diag.msg, "does/not/exist"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_file_is_header_memories_and_crc, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_decoded_state_restores_a_virgin_chip_exactly,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_every_malformed_file_is_refused_with_a_reason,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_replaces_the_file_whole_and_read_loads_it,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_reports_missing_and_unreadable_files, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_write_into_a_missing_directory_fails_with_the_path, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
