/* test_fw_tool_files.c - files that real tools made load to the bytes the
 * linker placed.
 *
 * The build (tests/CMakeLists.txt) compiles tests/data/firmware/l412_tiny.c
 * with Debian's arm-none-eabi-gcc, converts the .elf with
 * arm-none-eabi-objcopy to .hex, .s19 and .bin, and has srec_cat (package
 * srecord) make a second .hex and .s19 from the .bin. Here the .elf's
 * loadable segments, read with libelf, are the truth: every file must hold
 * exactly those bytes at their load (physical) addresses, the .bin must
 * hold them at address - 0x08000000, and srec_cat's files (made from the
 * .bin, gap and all) must hold the .bin. Without the tools these tests skip
 * and say which Debian packages to install. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dfu/bytes.h"
#include "dfu/fw_image.h"

#ifdef DFULAB_FW_FILES
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <unistd.h>
#endif

#define FLASH_BASE 0x08000000u
#define SRAM1_BASE 0x20000000u
#define SRAM1_SIZE (32u * 1024)
#define FLASH_SIZE (128u * 1024)

struct loaded {
	uint8_t *file;
	size_t file_len;
	struct dfu_fw_range ranges[16];
	uint8_t *data;
	struct dfu_fw_image img;
};

static void skip_without_tools(void)
{
#ifndef DFULAB_FW_FILES
#ifdef DFULAB_FW_MISSING
	print_message("tool-made firmware files not built: install the Debian packages "
		      DFULAB_FW_MISSING " (./ci/deps installs them)\n");
#endif
	skip();
#endif
}

#ifdef DFULAB_FW_FILES

static uint8_t *read_file(const char *suffix, size_t *len)
{
	char path[1024];
	FILE *f;
	long n;
	uint8_t *buf;

	snprintf(path, sizeof(path), "%s%s", DFULAB_FW_FILES, suffix);
	f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open %s (the build makes it)", path);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n > 0);
	rewind(f);
	buf = malloc((size_t)n);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* The .elf's PT_LOAD segments with file bytes, at their physical addresses,
 * as an image (libelf does the reading). Also the entry point. */
static void load_elf(struct loaded *l, uint32_t *entry)
{
	char path[1024];
	Elf *e;
	GElf_Ehdr eh;
	size_t nph, i, nb;
	int fd;

	snprintf(path, sizeof(path), "%s.elf", DFULAB_FW_FILES);
	l->file = read_file(".elf", &l->file_len);
	assert_int_not_equal(elf_version(EV_CURRENT), EV_NONE);
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	e = elf_begin(fd, ELF_C_READ, NULL);
	assert_non_null(e);
	assert_int_equal(elf_kind(e), ELF_K_ELF);
	assert_int_equal(gelf_getclass(e), ELFCLASS32);
	assert_non_null(gelf_getehdr(e, &eh));
	assert_int_equal(eh.e_machine, EM_ARM);
	*entry = (uint32_t)eh.e_entry;
	assert_int_equal(elf_getphdrnum(e, &nph), 0);
	dfu_fw_bounds(l->file_len, NULL, &nb);
	l->data = malloc(nb);
	assert_non_null(l->data);
	dfu_fw_image_init(&l->img, l->ranges, 16, l->data, nb);
	for (i = 0; i < nph; i++) {
		GElf_Phdr ph;
		struct dfu_diag d;
		int rc;

		assert_non_null(gelf_getphdr(e, (int)i, &ph));
		if (ph.p_type != PT_LOAD || ph.p_filesz == 0)
			continue;
		assert_true(ph.p_offset + ph.p_filesz <= l->file_len);
		rc = dfu_fw_image_add(&l->img, (uint32_t)ph.p_paddr, l->file + ph.p_offset,
				      (size_t)ph.p_filesz, &d);
		if (rc)
			fail_msg("segment %zu: %s", i, d.msg);
	}
	elf_end(e);
	close(fd);
}

static void load_text(struct loaded *l, const char *suffix, enum dfu_fw_format fmt)
{
	struct dfu_diag d = { 0 };
	size_t nb;
	int rc;

	l->file = read_file(suffix, &l->file_len);
	assert_int_equal(dfu_fw_detect(l->file, l->file_len), fmt);
	dfu_fw_bounds(l->file_len, NULL, &nb);
	l->data = malloc(nb);
	assert_non_null(l->data);
	dfu_fw_image_init(&l->img, l->ranges, 16, l->data, nb);
	rc = fmt == DFU_FW_IHEX ? dfu_fw_load_ihex(&l->img, l->file, l->file_len, &d)
				: dfu_fw_load_srec(&l->img, l->file, l->file_len, &d);
	if (rc)
		fail_msg("l412_tiny%s: %s", suffix, d.msg);
}

static void unload(struct loaded *l)
{
	free(l->file);
	free(l->data);
}

static void assert_same_image(const struct dfu_fw_image *a, const struct dfu_fw_image *b)
{
	assert_int_equal(a->nranges, b->nranges);
	for (size_t i = 0; i < a->nranges; i++) {
		assert_int_equal(a->ranges[i].address, b->ranges[i].address);
		assert_int_equal(a->ranges[i].len, b->ranges[i].len);
		assert_memory_equal(dfu_fw_range_data(a, i), dfu_fw_range_data(b, i),
				    a->ranges[i].len);
	}
}

/* Every byte of `img` is the .bin's byte at address - FLASH_BASE. */
static void assert_inside_bin(const struct dfu_fw_image *img, const uint8_t *bin, size_t bin_len)
{
	for (size_t i = 0; i < img->nranges; i++) {
		const struct dfu_fw_range *r = &img->ranges[i];

		assert_true(r->address >= FLASH_BASE);
		assert_true(r->address - FLASH_BASE + r->len <= bin_len);
		assert_memory_equal(dfu_fw_range_data(img, i), bin + (r->address - FLASH_BASE),
				    r->len);
	}
}

#endif

static void test_the_elf_places_a_vector_table_code_data_and_a_separate_block(void **state)
{
	(void)state;
	skip_without_tools();
#ifdef DFULAB_FW_FILES
	struct loaded elf;
	uint32_t entry, sp, reset;
	uint8_t b[8];

	load_elf(&elf, &entry);
	/* .isr_vector + .text with .data's load image right after: one range;
	 * .calib apart at 0x08000200, after a gap; .bss in no file. */
	assert_int_equal(elf.img.nranges, 2);
	assert_int_equal(elf.img.ranges[0].address, FLASH_BASE);
	assert_int_equal(elf.img.ranges[1].address, FLASH_BASE + 0x200);
	assert_int_equal(elf.img.ranges[1].len, 16);
	assert_true(FLASH_BASE + elf.img.ranges[0].len < FLASH_BASE + 0x200);
	for (unsigned i = 0; i < 8; i++)
		assert_true(dfu_fw_image_byte(&elf.img, FLASH_BASE + i, &b[i]));
	sp = dfu_get_le32(b);
	reset = dfu_get_le32(b + 4);
	assert_int_equal(sp, SRAM1_BASE + SRAM1_SIZE);	/* top of SRAM1 */
	assert_true(reset & 1);				/* Thumb */
	assert_true(reset >= FLASH_BASE && reset < FLASH_BASE + FLASH_SIZE);
	assert_int_equal(reset, entry);
	unload(&elf);
#endif
}

static void test_the_bin_holds_the_elf_segments_at_their_load_addresses(void **state)
{
	(void)state;
	skip_without_tools();
#ifdef DFULAB_FW_FILES
	struct loaded elf;
	uint32_t entry;
	uint8_t *bin;
	size_t bin_len;

	load_elf(&elf, &entry);
	bin = read_file(".bin", &bin_len);
	assert_int_equal(dfu_fw_detect(bin, bin_len), DFU_FW_RAW);
	assert_int_equal(dfu_fw_obviously_not_raw(bin, bin_len), DFU_FW_RAW);
	assert_int_equal(bin_len, 0x200 + 16);
	assert_inside_bin(&elf.img, bin, bin_len);
	free(bin);
	unload(&elf);
#endif
}

static void check_objcopy_file(const char *suffix, enum dfu_fw_format fmt)
{
#ifdef DFULAB_FW_FILES
	struct loaded elf, txt;
	uint32_t entry;
	uint8_t *bin;
	size_t bin_len;

	load_elf(&elf, &entry);
	load_text(&txt, suffix, fmt);
	assert_same_image(&txt.img, &elf.img);
	assert_int_equal(txt.img.start_kind, DFU_FW_START_LINEAR);
	assert_int_equal(txt.img.start, entry);
	bin = read_file(".bin", &bin_len);
	assert_inside_bin(&txt.img, bin, bin_len);
	assert_int_equal(dfu_fw_obviously_not_raw(txt.file, txt.file_len), fmt);
	free(bin);
	unload(&txt);
	unload(&elf);
#else
	(void)suffix;
	(void)fmt;
#endif
}

static void test_objcopy_hex_loads_to_exactly_the_elf_segments(void **state)
{
	(void)state;
	skip_without_tools();
	check_objcopy_file(".hex", DFU_FW_IHEX);
}

static void test_objcopy_s19_loads_to_exactly_the_elf_segments(void **state)
{
	(void)state;
	skip_without_tools();
	check_objcopy_file(".s19", DFU_FW_SREC);
}

static void check_srec_cat_file(const char *suffix, enum dfu_fw_format fmt)
{
#ifdef DFULAB_FW_FILES
	struct loaded elf, txt;
	uint32_t entry;
	uint8_t *bin;
	size_t bin_len, i;

	load_elf(&elf, &entry);
	load_text(&txt, suffix, fmt);
	bin = read_file(".bin", &bin_len);
	/* The .bin, gap included, as one range at the start of flash. */
	assert_int_equal(txt.img.nranges, 1);
	assert_int_equal(txt.img.ranges[0].address, FLASH_BASE);
	assert_int_equal(txt.img.ranges[0].len, bin_len);
	assert_memory_equal(dfu_fw_range_data(&txt.img, 0), bin, bin_len);
	/* So the ELF's bytes are there at their load addresses too. */
	for (i = 0; i < elf.img.nranges; i++) {
		const struct dfu_fw_range *r = &elf.img.ranges[i];

		assert_memory_equal(dfu_fw_range_data(&txt.img, 0) + (r->address - FLASH_BASE),
				    dfu_fw_range_data(&elf.img, i), r->len);
	}
	/* srec_cat was told no start address. */
	assert_int_equal(txt.img.start_kind, DFU_FW_START_NONE);
	free(bin);
	unload(&txt);
	unload(&elf);
#else
	(void)suffix;
	(void)fmt;
#endif
}

static void test_srec_cat_hex_made_from_the_bin_loads_to_the_bin(void **state)
{
	(void)state;
	skip_without_tools();
	check_srec_cat_file("-srec_cat.hex", DFU_FW_IHEX);
}

static void test_srec_cat_s19_made_from_the_bin_loads_to_the_bin(void **state)
{
	(void)state;
	skip_without_tools();
	check_srec_cat_file("-srec_cat.s19", DFU_FW_SREC);
}

static void test_the_elf_is_detected_and_is_obviously_not_raw(void **state)
{
	(void)state;
	skip_without_tools();
#ifdef DFULAB_FW_FILES
	uint8_t *elf;
	size_t len;

	elf = read_file(".elf", &len);
	assert_int_equal(dfu_fw_detect(elf, len), DFU_FW_ELF);
	assert_int_equal(dfu_fw_obviously_not_raw(elf, len), DFU_FW_ELF);
	free(elf);
#endif
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_the_elf_places_a_vector_table_code_data_and_a_separate_block),
		cmocka_unit_test(test_the_bin_holds_the_elf_segments_at_their_load_addresses),
		cmocka_unit_test(test_objcopy_hex_loads_to_exactly_the_elf_segments),
		cmocka_unit_test(test_objcopy_s19_loads_to_exactly_the_elf_segments),
		cmocka_unit_test(test_srec_cat_hex_made_from_the_bin_loads_to_the_bin),
		cmocka_unit_test(test_srec_cat_s19_made_from_the_bin_loads_to_the_bin),
		cmocka_unit_test(test_the_elf_is_detected_and_is_obviously_not_raw),
	};
	return cmocka_run_group_tests_name("fw_tool_files", tests, NULL, NULL);
}
