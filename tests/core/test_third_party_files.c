/* test_third_party_files.c - files written by Debian's dfu-util tools parse
 * as those tools describe them, and files dfulab writes pass their checks.
 *
 * Uses /usr/bin/dfu-suffix, /usr/bin/dfu-prefix and /usr/bin/dfuse-pack
 * from the dfu-util package (0.11). A missing tool is a failure that says to
 * run ./ci/deps, never a skip: this is the only test that ties our reading
 * of the formats to someone else's. Work files go to DFULAB_TEST_TMP under
 * names unique to this process and are removed at the end. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <spawn.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "dfu/bytes.h"
#include "dfu/dfu_file.h"

extern char **environ;

#define DFU_SUFFIX_TOOL "/usr/bin/dfu-suffix"
#define DFU_PREFIX_TOOL "/usr/bin/dfu-prefix"
#define DFUSE_PACK_TOOL "/usr/bin/dfuse-pack"

#define MAX_TMP 64
static char tmp_files[MAX_TMP][512];
static unsigned ntmp;

/* A fresh path in DFULAB_TEST_TMP, removed by the group teardown. */
static const char *tmp_path(const char *name)
{
	char *p;

	assert_true(ntmp < MAX_TMP);
	p = tmp_files[ntmp];
	snprintf(p, sizeof(tmp_files[0]), "%s/third-party-%ld-%u-%s", DFULAB_TEST_TMP,
		 (long)getpid(), ntmp, name);
	ntmp++;
	return p;
}

/* Remember a file a tool creates on its own (dfuse-pack -d). */
static void tmp_adopt(const char *path)
{
	size_t n = strlen(path);

	assert_true(ntmp < MAX_TMP);
	assert_true(n < sizeof(tmp_files[0]));
	memcpy(tmp_files[ntmp++], path, n + 1);
}

static int group_setup(void **state)
{
	(void)state;
	if (mkdir(DFULAB_TEST_TMP, 0777) != 0 && errno != EEXIST) {
		fprintf(stderr, "cannot create %s: %s\n", DFULAB_TEST_TMP, strerror(errno));
		return -1;
	}
	return 0;
}

static int group_teardown(void **state)
{
	unsigned i;

	(void)state;
	for (i = 0; i < ntmp; i++)
		unlink(tmp_files[i]);
	return 0;
}

static void need_tool(const char *path)
{
	if (access(path, X_OK) != 0)
		fail_msg("%s is not installed: run ./ci/deps (it installs Debian's dfu-util "
			 "package, which provides dfu-suffix, dfu-prefix and dfuse-pack)",
			 path);
}

static void write_file(const char *path, const uint8_t *data, size_t len)
{
	FILE *fp = fopen(path, "wb");

	if (!fp)
		fail_msg("cannot create %s: %s", path, strerror(errno));
	assert_int_equal(fwrite(data, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
}

/* Read a whole file into a heap buffer of exactly its size (+1 for a NUL
 * so tool output can be searched as a string). */
static uint8_t *read_file(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	uint8_t *buf;
	long size;

	if (!fp)
		fail_msg("cannot open %s: %s", path, strerror(errno));
	assert_int_equal(fseek(fp, 0, SEEK_END), 0);
	size = ftell(fp);
	assert_true(size >= 0);
	rewind(fp);
	buf = malloc((size_t)size + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)size, fp), (size_t)size);
	buf[size] = 0;
	fclose(fp);
	*len = (size_t)size;
	return buf;
}

/* Run argv (argv[0] an absolute path) with stdout and stderr both going to
 * a temp file; return the exit status and, in *out, what it printed. */
static int run(char *const argv[], char **out)
{
	const char *log = tmp_path("tool.log");
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int status, rc;
	size_t len;

	need_tool(argv[0]);
	assert_int_equal(posix_spawn_file_actions_init(&fa), 0);
	assert_int_equal(posix_spawn_file_actions_addopen(&fa, 1, log,
							  O_WRONLY | O_CREAT | O_TRUNC, 0666), 0);
	assert_int_equal(posix_spawn_file_actions_adddup2(&fa, 1, 2), 0);
	rc = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0)
		fail_msg("cannot run %s: %s; run ./ci/deps", argv[0], strerror(rc));
	assert_int_equal(waitpid(pid, &status, 0), pid);
	*out = (char *)read_file(log, &len);
	if (!WIFEXITED(status))
		fail_msg("%s died with status 0x%x; it printed:\n%s", argv[0], status, *out);
	return WEXITSTATUS(status);
}

/* Run a tool that must succeed; fail with its output otherwise. */
static char *run_ok(char *const argv[])
{
	char *out;
	int rc = run(argv, &out);

	if (rc != 0)
		fail_msg("%s %s exited %d; it printed:\n%s", argv[0], argv[1], rc, out);
	return out;
}

static void expect_output(const char *out, const char *want)
{
	if (!strstr(out, want))
		fail_msg("expected \"%s\" in the tool's output:\n%s", want, out);
}

static void fill(uint8_t *buf, size_t len, unsigned seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = (uint8_t)(i * 29 + seed);
}

/* A tool-made suffix file: parse it and check the firmware is intact. */
static void check_tool_suffix(const char *path, const uint8_t *fw, size_t fw_len,
			      struct dfu_suffix want)
{
	struct dfu_suffix s;
	struct dfu_file_info info;
	struct dfu_diag d;
	uint8_t *buf;
	size_t len;
	int rc;

	buf = read_file(path, &len);
	assert_int_equal(len, fw_len + 16);
	rc = dfu_suffix_parse(buf, len, &s, &d);
	if (rc != 0)
		fail_msg("%s: %s", path, d.msg);
	assert_int_equal(s.idVendor, want.idVendor);
	assert_int_equal(s.idProduct, want.idProduct);
	assert_int_equal(s.bcdDevice, want.bcdDevice);
	assert_int_equal(s.bcdDFU, want.bcdDFU);
	assert_int_equal(s.bLength, 16);
	assert_int_equal(s.dwCRC, dfu_crc32(DFU_CRC_INIT, buf, len - 4));
	assert_memory_equal(buf, fw, fw_len);
	assert_int_equal(dfu_file_inspect(buf, len, &info, NULL), 0);
	assert_true(info.has_suffix);
	assert_int_equal(info.fw_len, fw_len);
	free(buf);
}

static void test_dfu_suffix_tool_ids_parse_back_exactly(void **state)
{
	uint8_t fw[123];
	const char *f = tmp_path("f.bin");
	char *argv[] = {DFU_SUFFIX_TOOL, "-v", "0483", "-p", "df11", "-d", "2200",
			"-a", (char *)f, NULL};

	(void)state;
	fill(fw, sizeof(fw), 1);
	write_file(f, fw, sizeof(fw));
	free(run_ok(argv));
	check_tool_suffix(f, fw, sizeof(fw),
			  (struct dfu_suffix){.idVendor = 0x0483, .idProduct = 0xDF11,
					      .bcdDevice = 0x2200, .bcdDFU = 0x0100});
}

static void test_dfu_suffix_tool_with_spec_011a_gives_dfuse_bcddfu(void **state)
{
	uint8_t fw[77];
	const char *f = tmp_path("s.bin");
	char *argv[] = {DFU_SUFFIX_TOOL, "-v", "0483", "-p", "df11", "-d", "2200",
			"-S", "011a", "-a", (char *)f, NULL};

	(void)state;
	fill(fw, sizeof(fw), 2);
	write_file(f, fw, sizeof(fw));
	free(run_ok(argv));
	check_tool_suffix(f, fw, sizeof(fw),
			  (struct dfu_suffix){.idVendor = 0x0483, .idProduct = 0xDF11,
					      .bcdDevice = 0x2200, .bcdDFU = 0x011A});
}

static void test_dfu_suffix_tool_defaults_every_id_to_the_ffff_wildcard(void **state)
{
	uint8_t fw[1];
	const char *f = tmp_path("w.bin");
	char *argv[] = {DFU_SUFFIX_TOOL, "-a", (char *)f, NULL};

	(void)state;
	fill(fw, sizeof(fw), 3);
	write_file(f, fw, sizeof(fw));
	free(run_ok(argv));
	check_tool_suffix(f, fw, sizeof(fw),
			  (struct dfu_suffix){.idVendor = DFU_ID_ANY, .idProduct = DFU_ID_ANY,
					      .bcdDevice = DFU_ID_ANY, .bcdDFU = 0x0100});
}

/* Find the target for `alt` in a parsed file. */
static bool find_target(const struct dfuse_file *f, uint8_t alt, struct dfuse_target *t)
{
	size_t c = 0;

	while (dfuse_file_next_target(f, &c, t) == 1)
		if (t->alt == alt)
			return true;
	return false;
}

static void expect_element(const struct dfuse_target *t, size_t *cursor, uint32_t address,
			   const uint8_t *data, uint32_t size)
{
	struct dfuse_element e;

	assert_int_equal(dfuse_target_next_element(t, cursor, &e), 1);
	assert_int_equal(e.address, address);
	assert_int_equal(e.size, size);
	assert_memory_equal(e.data, data, size);
}

/* Load a .dfu made by a tool: suffix, DfuSe classification, full parse. */
static uint8_t *load_dfuse(const char *path, size_t *len, struct dfu_file_info *info,
			   struct dfuse_file *f)
{
	struct dfu_diag d;
	uint8_t *buf = read_file(path, len);

	if (dfu_file_inspect(buf, *len, info, &d) != 0)
		fail_msg("%s: %s", path, d.msg);
	assert_true(info->has_suffix);
	assert_int_equal(info->suffix.bcdDFU, 0x011A);
	assert_int_equal(info->prefix.kind, DFU_PREFIX_DFUSE);
	if (dfuse_file_parse(buf, info->fw_len, f, &d) != 0)
		fail_msg("%s: %s", path, d.msg);
	assert_int_equal(f->image_size, *len);
	assert_int_equal(f->trailing, 0);
	return buf;
}

static void test_dfuse_pack_two_elements_parse_into_exactly_what_was_given(void **state)
{
	uint8_t a[100], b[37];
	const char *pa = tmp_path("a.bin"), *pb = tmp_path("b.bin"), *px = tmp_path("x.dfu");
	char arg_a[600], arg_b[600];
	char *argv[] = {DFUSE_PACK_TOOL, "-b", arg_a, "-b", arg_b, (char *)px, NULL};
	struct dfu_file_info info;
	struct dfuse_file f;
	struct dfuse_target t;
	size_t len, c = 0;
	uint8_t *buf;

	(void)state;
	fill(a, sizeof(a), 4);
	fill(b, sizeof(b), 5);
	write_file(pa, a, sizeof(a));
	write_file(pb, b, sizeof(b));
	snprintf(arg_a, sizeof(arg_a), "0x08000000:%s", pa);
	snprintf(arg_b, sizeof(arg_b), "0x08004000:%s", pb);
	free(run_ok(argv));

	buf = load_dfuse(px, &len, &info, &f);
	/* dfuse-pack's default device */
	assert_int_equal(info.suffix.idVendor, 0x0483);
	assert_int_equal(info.suffix.idProduct, 0xDF11);
	assert_int_equal(info.suffix.bcdDevice, 0);
	assert_int_equal(f.ntargets, 1);
	assert_true(find_target(&f, 0, &t));
	assert_int_equal(t.nelements, 2);
	assert_int_equal(t.size, 8 + 100 + 8 + 37);
	assert_true(t.named);
	expect_element(&t, &c, 0x08000000, a, sizeof(a));
	expect_element(&t, &c, 0x08004000, b, sizeof(b));
	free(buf);
}

static void test_dfuse_pack_device_and_alternate_settings_come_through(void **state)
{
	uint8_t a[64], b[33], c[40];
	const char *pa = tmp_path("a.bin"), *pb = tmp_path("b.bin"), *pc = tmp_path("c.bin");
	const char *px = tmp_path("alts.dfu");
	char arg_a[600], arg_b[600], arg_c[600];
	char *argv[] = {DFUSE_PACK_TOOL, "-D", "0x1234:0x5678", "-b", arg_a, "-b", arg_b,
			"-b", arg_c, (char *)px, NULL};
	struct dfu_file_info info;
	struct dfuse_file f;
	struct dfuse_target t;
	size_t len, cur, tc;
	uint8_t *buf;

	(void)state;
	fill(a, sizeof(a), 6);
	fill(b, sizeof(b), 7);
	fill(c, sizeof(c), 8);
	write_file(pa, a, sizeof(a));
	write_file(pb, b, sizeof(b));
	write_file(pc, c, sizeof(c));
	/* "@X" after the address picks the alternate setting. */
	snprintf(arg_a, sizeof(arg_a), "0x08000000:%s", pa);
	snprintf(arg_b, sizeof(arg_b), "0x1FFF7800@1:%s", pb);
	snprintf(arg_c, sizeof(arg_c), "0x08010000:%s", pc);
	free(run_ok(argv));

	buf = load_dfuse(px, &len, &info, &f);
	assert_int_equal(info.suffix.idVendor, 0x1234);
	assert_int_equal(info.suffix.idProduct, 0x5678);
	assert_int_equal(info.suffix.bcdDevice, 0);
	/* dfuse-pack starts a new target whenever the alt setting changes
	 * from one -b to the next, so alt 0 appears twice, in order. */
	assert_int_equal(f.ntargets, 3);
	tc = 0;
	assert_int_equal(dfuse_file_next_target(&f, &tc, &t), 1);
	assert_int_equal(t.alt, 0);
	assert_int_equal(t.nelements, 1);
	cur = 0;
	expect_element(&t, &cur, 0x08000000, a, sizeof(a));
	assert_int_equal(dfuse_file_next_target(&f, &tc, &t), 1);
	assert_int_equal(t.alt, 1);
	assert_int_equal(t.nelements, 1);
	cur = 0;
	expect_element(&t, &cur, 0x1FFF7800, b, sizeof(b));
	assert_int_equal(dfuse_file_next_target(&f, &tc, &t), 1);
	assert_int_equal(t.alt, 0);
	assert_int_equal(t.nelements, 1);
	cur = 0;
	expect_element(&t, &cur, 0x08010000, c, sizeof(c));
	assert_int_equal(dfuse_file_next_target(&f, &tc, &t), 0);
	free(buf);
}

static void test_dfuse_pack_alt_option_sets_the_target_alt(void **state)
{
	uint8_t a[10];
	const char *pa = tmp_path("a.bin"), *px = tmp_path("alt2.dfu");
	char arg_a[600];
	char *argv[] = {DFUSE_PACK_TOOL, "-a", "2", "-b", arg_a, (char *)px, NULL};
	struct dfu_file_info info;
	struct dfuse_file f;
	struct dfuse_target t;
	size_t len, cur = 0;
	uint8_t *buf;

	(void)state;
	fill(a, sizeof(a), 9);
	write_file(pa, a, sizeof(a));
	snprintf(arg_a, sizeof(arg_a), "0x20000000:%s", pa);
	free(run_ok(argv));
	buf = load_dfuse(px, &len, &info, &f);
	assert_int_equal(f.ntargets, 1);
	assert_true(find_target(&f, 2, &t));
	expect_element(&t, &cur, 0x20000000, a, sizeof(a));
	free(buf);
}

static void test_core_suffix_is_accepted_by_dfu_suffix_check(void **state)
{
	uint8_t buf[300], fw[200];
	struct dfu_suffix s = {.bcdDevice = 0x2200, .idProduct = 0x5678, .idVendor = 0x1234,
			       .bcdDFU = 0x0100};
	const char *f = tmp_path("core.bin");
	char *check[] = {DFU_SUFFIX_TOOL, "-c", (char *)f, NULL};
	char *del[] = {DFU_SUFFIX_TOOL, "-D", (char *)f, NULL};
	char crc[32], *out;
	uint8_t *back;
	size_t len;
	int n;

	(void)state;
	fill(fw, sizeof(fw), 10);
	memcpy(buf, fw, sizeof(fw));
	n = dfu_suffix_append(buf, sizeof(fw), sizeof(buf), &s);
	assert_int_equal(n, 216);
	write_file(f, buf, (size_t)n);
	out = run_ok(check);
	expect_output(out, "BCD device:\t0x2200");
	expect_output(out, "Product ID:\t0x5678");
	expect_output(out, "Vendor ID:\t0x1234");
	expect_output(out, "BCD DFU:\t0x0100");
	snprintf(crc, sizeof(crc), "CRC:\t\t0x%08X", (unsigned)s.dwCRC);
	expect_output(out, crc);
	free(out);
	/* Deleting our suffix leaves exactly the firmware. */
	free(run_ok(del));
	back = read_file(f, &len);
	assert_int_equal(len, sizeof(fw));
	assert_memory_equal(back, fw, sizeof(fw));
	free(back);
}

static void test_core_dfuse_file_is_accepted_and_unpacked_by_the_tools(void **state)
{
	uint8_t d0[100], d1[37], d2[40];
	const struct dfuse_build_element e0[] = {{0x08000000, d0, sizeof(d0)},
						 {0x08004000, d1, sizeof(d1)}};
	const struct dfuse_build_element e1[] = {{0x1FFF7800, d2, sizeof(d2)}};
	const struct dfuse_build_target tg[] = {{0, "Internal Flash  ", e0, 2},
						{1, NULL, e1, 1}};
	const struct dfu_suffix ids = {.bcdDevice = 0x0200, .idProduct = 0xDF11,
				       .idVendor = 0x0483};
	const char *f = tmp_path("core.dfu");
	char *check[] = {DFU_SUFFIX_TOOL, "-c", (char *)f, NULL};
	char *dump[] = {DFUSE_PACK_TOOL, "-d", (char *)f, NULL};
	const struct {
		const char *name;
		const uint8_t *data;
		size_t size;
	} images[] = {{"target0.image0", d0, sizeof(d0)}, {"target0.image1", d1, sizeof(d1)},
		      {"target1.image0", d2, sizeof(d2)}};
	char path[600], *out;
	uint8_t buf[1024], *img;
	size_t len, i;
	int n;

	(void)state;
	fill(d0, sizeof(d0), 11);
	fill(d1, sizeof(d1), 12);
	fill(d2, sizeof(d2), 13);
	n = dfuse_file_build(tg, 2, &ids, buf, sizeof(buf));
	assert_true(n > 0);
	write_file(f, buf, (size_t)n);

	out = run_ok(check);
	expect_output(out, "BCD device:\t0x0200");
	expect_output(out, "Product ID:\t0xDF11");
	expect_output(out, "Vendor ID:\t0x0483");
	expect_output(out, "BCD DFU:\t0x011A");
	free(out);

	/* dfuse-pack -d re-reads every header and writes each element out
	 * next to the file; it prints but does not exit on a bad CRC. */
	for (i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s.%s.bin", f, images[i].name);
		tmp_adopt(path);
	}
	out = run_ok(dump);
	if (strstr(out, "ERROR"))
		fail_msg("dfuse-pack -d rejected our file:\n%s", out);
	expect_output(out, "v1, image size: ");
	expect_output(out, "targets: 2");
	expect_output(out, "alt setting: 1");
	expect_output(out, "address: 0x1fff7800, size: 40");
	expect_output(out, "usb: 0483:df11, device: 0x0200, dfu: 0x011a");
	free(out);
	for (i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s.%s.bin", f, images[i].name);
		img = read_file(path, &len);
		assert_int_equal(len, images[i].size);
		assert_memory_equal(img, images[i].data, len);
		free(img);
	}
}

static void test_dfu_prefix_stellaris_is_detected_with_its_address(void **state)
{
	uint8_t fw[100];
	const char *f = tmp_path("stellaris.bin");
	char *add[] = {DFU_PREFIX_TOOL, "-s", "0x2000", "-a", (char *)f, NULL};
	char *suffix[] = {DFU_SUFFIX_TOOL, "-v", "1cbe", "-p", "00ff", "-a", (char *)f, NULL};
	struct dfu_prefix_info p;
	struct dfu_file_info info;
	uint8_t *buf;
	size_t len;

	(void)state;
	fill(fw, sizeof(fw), 14);
	write_file(f, fw, sizeof(fw));
	free(run_ok(add));
	buf = read_file(f, &len);
	assert_int_equal(len, 108);
	dfu_prefix_probe(buf, len, &p);
	assert_int_equal(p.kind, DFU_PREFIX_STELLARIS);
	assert_int_equal(p.size, 8);
	assert_int_equal(p.address, 0x2000);
	assert_int_equal(p.payload_len, 100);
	assert_memory_equal(buf + 8, fw, sizeof(fw));
	free(buf);

	/* With a suffix on top, as the flasher sees it. */
	free(run_ok(suffix));
	buf = read_file(f, &len);
	assert_int_equal(dfu_file_inspect(buf, len, &info, NULL), 0);
	assert_true(info.has_suffix);
	assert_int_equal(info.suffix.idVendor, 0x1CBE);
	assert_int_equal(info.fw_len, 108);
	assert_int_equal(info.prefix.kind, DFU_PREFIX_STELLARIS);
	assert_int_equal(info.prefix.address, 0x2000);
	free(buf);
}

static void test_dfu_prefix_lpc_header_is_detected(void **state)
{
	uint8_t fw[700];
	const char *f = tmp_path("lpc.bin");
	char *add[] = {DFU_PREFIX_TOOL, "-L", "-a", (char *)f, NULL};
	struct dfu_prefix_info p;
	uint8_t *buf;
	size_t len;

	(void)state;
	fill(fw, sizeof(fw), 15);
	write_file(f, fw, sizeof(fw));
	free(run_ok(add));
	buf = read_file(f, &len);
	assert_int_equal(len, 16 + sizeof(fw));
	dfu_prefix_probe(buf, len, &p);
	assert_int_equal(p.kind, DFU_PREFIX_LPC);
	assert_int_equal(p.size, 16);
	assert_int_equal(p.payload_len, 1024); /* 700 bytes round up to 2 blocks */
	assert_memory_equal(buf + 16, fw, sizeof(fw));
	free(buf);
}

static void test_core_stellaris_prefix_is_accepted_by_dfu_prefix_check(void **state)
{
	uint8_t buf[8 + 64 + 16];
	const char *f = tmp_path("core-stellaris.bin");
	char *check[] = {DFU_PREFIX_TOOL, "-T", "-c", (char *)f, NULL};
	char *out;
	int n;

	(void)state;
	assert_int_equal(dfu_prefix_stellaris_encode(0x8400, 64, buf, sizeof(buf)), 8);
	fill(buf + 8, 64, 16);
	n = dfu_suffix_append(buf, 72, sizeof(buf),
			      &(struct dfu_suffix){.idVendor = 0x1CBE, .idProduct = 0x00FF,
						   .bcdDevice = DFU_ID_ANY, .bcdDFU = 0x0100});
	assert_int_equal(n, (int)sizeof(buf));
	write_file(f, buf, sizeof(buf));
	out = run_ok(check);
	expect_output(out, "TI Stellaris");
	expect_output(out, "Address:\t0x00008400");
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dfu_suffix_tool_ids_parse_back_exactly),
		cmocka_unit_test(test_dfu_suffix_tool_with_spec_011a_gives_dfuse_bcddfu),
		cmocka_unit_test(test_dfu_suffix_tool_defaults_every_id_to_the_ffff_wildcard),
		cmocka_unit_test(test_dfuse_pack_two_elements_parse_into_exactly_what_was_given),
		cmocka_unit_test(test_dfuse_pack_device_and_alternate_settings_come_through),
		cmocka_unit_test(test_dfuse_pack_alt_option_sets_the_target_alt),
		cmocka_unit_test(test_core_suffix_is_accepted_by_dfu_suffix_check),
		cmocka_unit_test(test_core_dfuse_file_is_accepted_and_unpacked_by_the_tools),
		cmocka_unit_test(test_dfu_prefix_stellaris_is_detected_with_its_address),
		cmocka_unit_test(test_dfu_prefix_lpc_header_is_detected),
		cmocka_unit_test(test_core_stellaris_prefix_is_accepted_by_dfu_prefix_check),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
