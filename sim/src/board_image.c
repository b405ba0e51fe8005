/*
 * board_image.c - a spec's initial image into a board (board_image.h).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dfu/dfu_file.h"
#include "dfu/fw_image.h"
#include "dfu/error.h"
#include "sim/board_image.h"

#define IMAGE_MAX (64u << 20)

/* The whole file, or NULL with errno set. */
static uint8_t *read_whole(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t cap = 0;

	*len = 0;
	if (!f)
		return NULL;
	for (;;) {
		if (*len == cap) {
			size_t ncap = cap ? cap * 2 : 65536;
			uint8_t *nb = ncap <= IMAGE_MAX ? realloc(buf, ncap) : NULL;

			if (!nb) {
				int e = ncap > IMAGE_MAX ? EFBIG : ENOMEM;

				free(buf);
				fclose(f);
				errno = e;
				return NULL;
			}
			buf = nb;
			cap = ncap;
		}
		size_t got = fread(buf + *len, 1, cap - *len, f);
		*len += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		free(buf);
		fclose(f);
		errno = EIO;
		return NULL;
	}
	fclose(f);
	return buf;
}

static int outside(const struct sim_board_spec *spec, uint32_t addr, size_t n, char *msg,
		   size_t cap)
{
	const struct l4_profile *p = spec->profile;

	snprintf(msg, cap, "image %s: %zu bytes at 0x%08X do not fit main flash (0x%08X-0x%08X) "
		 "of %s", spec->image, n, (unsigned)addr, (unsigned)p->flash_base,
		 (unsigned)(p->flash_base + p->flash_size - 1), p->name);
	return DFU_E_RANGE;
}

static int load_dfuse(const struct sim_board_spec *spec, struct sim_board *b, const uint8_t *buf,
		      size_t fw_len, char *msg, size_t cap)
{
	struct dfu_diag diag = { 0 };
	struct dfuse_file f;
	struct dfuse_target t;
	size_t tc = 0;
	int rc;

	if (spec->image_addr_set) {
		snprintf(msg, cap, "image %s@0x%08X: a DfuSe file carries its own addresses; drop "
			 "the @ADDR", spec->image, (unsigned)spec->image_addr);
		return DFU_E_USAGE;
	}
	rc = dfuse_file_parse(buf, fw_len, &f, &diag);
	if (rc < 0) {
		snprintf(msg, cap, "image %s: %s", spec->image, diag.msg);
		return rc;
	}
	while (dfuse_file_next_target(&f, &tc, &t) == 1) {
		struct dfuse_element e;
		size_t ec = 0;

		while (dfuse_target_next_element(&t, &ec, &e) == 1)
			if (l4_chip_preload(&b->chip, e.address, e.data, e.size) < 0)
				return outside(spec, e.address, e.size, msg, cap);
	}
	return 0;
}

/* Intel HEX or S-records: every range at its own address (core's loaders,
 * fw_image.h), checked whole before the first byte is placed. */
static int load_by_address(const struct sim_board_spec *spec, struct sim_board *b,
			   enum dfu_fw_format fmt, const uint8_t *buf, size_t len, char *msg,
			   size_t cap)
{
	struct dfu_diag diag = { 0 };
	struct dfu_fw_image img;
	struct dfu_fw_range *ranges;
	uint8_t *data;
	size_t nr, nb;
	int rc;

	if (spec->image_addr_set) {
		snprintf(msg, cap, "image %s@0x%08X: %s carries its own addresses; drop the @ADDR",
			 spec->image, (unsigned)spec->image_addr, dfu_fw_format_name(fmt));
		return DFU_E_USAGE;
	}
	dfu_fw_bounds(len, &nr, &nb);
	ranges = calloc(nr, sizeof(*ranges));
	data = malloc(nb);
	if (!ranges || !data) {
		free(ranges);
		free(data);
		snprintf(msg, cap, "image %s: out of memory", spec->image);
		return DFU_E_NOMEM;
	}
	dfu_fw_image_init(&img, ranges, nr, data, nb);
	rc = fmt == DFU_FW_IHEX ? dfu_fw_load_ihex(&img, buf, len, &diag)
				: dfu_fw_load_srec(&img, buf, len, &diag);
	if (rc < 0)
		snprintf(msg, cap, "image %s: %s", spec->image, diag.msg);
	for (size_t i = 0; rc == 0 && i < img.nranges; i++)
		if (img.ranges[i].address < spec->profile->flash_base ||
		    img.ranges[i].address - spec->profile->flash_base + img.ranges[i].len >
			    spec->profile->flash_size)
			rc = outside(spec, img.ranges[i].address, img.ranges[i].len, msg, cap);
	for (size_t i = 0; rc == 0 && i < img.nranges; i++)
		if (l4_chip_preload(&b->chip, img.ranges[i].address, dfu_fw_range_data(&img, i),
				    img.ranges[i].len) < 0)
			rc = outside(spec, img.ranges[i].address, img.ranges[i].len, msg, cap);
	free(ranges);
	free(data);
	return rc;
}

int sim_board_load_image(const struct sim_board_spec *spec, struct sim_board *b, char *msg,
			 size_t cap)
{
	enum dfu_fw_format fmt;
	struct dfu_file_info info;
	struct dfu_diag diag = { 0 };
	size_t len;
	uint8_t *buf;
	uint32_t addr;
	int rc;

	if (!spec->image[0])
		return 0;
	buf = read_whole(spec->image, &len);
	if (!buf) {
		snprintf(msg, cap, "image %s: %s", spec->image, strerror(errno));
		return DFU_E_IO;
	}
	fmt = dfu_fw_detect(buf, len);
	if (fmt == DFU_FW_IHEX || fmt == DFU_FW_SREC) {
		rc = load_by_address(spec, b, fmt, buf, len, msg, cap);
		free(buf);
		return rc;
	}
	if (fmt == DFU_FW_ELF) {
		snprintf(msg, cap, "image %s: ELF files are not loaded yet; convert it with "
			 "arm-none-eabi-objcopy -O ihex %s %s.hex", spec->image, spec->image,
			 spec->image);
		free(buf);
		return DFU_E_UNSUPPORTED;
	}
	rc = dfu_file_inspect(buf, len, &info, &diag);
	if (rc < 0) {
		snprintf(msg, cap, "image %s: %s", spec->image, diag.msg);
	} else if (info.prefix.kind == DFU_PREFIX_DFUSE) {
		rc = load_dfuse(spec, b, buf, info.fw_len, msg, cap);
	} else {
		addr = spec->image_addr_set ? spec->image_addr : spec->profile->flash_base;
		len = info.fw_len - info.prefix.size;
		if (l4_chip_preload(&b->chip, addr, buf + info.prefix.size, len) < 0)
			rc = outside(spec, addr, len, msg, cap);
	}
	free(buf);
	return rc;
}
