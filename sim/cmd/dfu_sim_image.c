/*
 * dfu_sim_image.c - dfu-sim's --image: a file's bytes into a board's main
 * flash before it powers on, as factory programming would. A DfuSe file
 * (recognised by its prefix) carries its own addresses; anything else is a
 * raw binary at FILE@ADDR or the flash base.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dfu/dfu_file.h"
#include "dfu/error.h"

#include "dfu_sim.h"

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
		size_t n = fread(buf + *len, 1, cap - *len, f);
		*len += n;
		if (n == 0)
			break;
	}
	fclose(f);
	return buf;
}

static void load_dfuse(const struct sim_board_spec *spec, struct sim_board *b,
		       const uint8_t *buf, size_t fw_len)
{
	const struct l4_profile *p = spec->profile;
	struct dfu_diag diag = { 0 };
	struct dfuse_file f;
	struct dfuse_target t;
	size_t tc = 0;

	if (spec->image_addr_set)
		dfu_sim_usage_error("--image %s@0x%08X: a DfuSe file carries its own addresses; "
				    "drop the @ADDR",
				    spec->image, (unsigned)spec->image_addr);
	if (dfuse_file_parse(buf, fw_len, &f, &diag) < 0)
		dfu_sim_fatal("--image %s: %s", spec->image, diag.msg);
	while (dfuse_file_next_target(&f, &tc, &t) == 1) {
		struct dfuse_element e;
		size_t ec = 0;

		while (dfuse_target_next_element(&t, &ec, &e) == 1)
			if (l4_chip_preload(&b->chip, e.address, e.data, e.size) < 0)
				dfu_sim_fatal("--image %s: element at 0x%08X (%u bytes) is outside "
					      "main flash (0x%08X-0x%08X) of %s",
					      spec->image, (unsigned)e.address, (unsigned)e.size,
					      (unsigned)p->flash_base,
					      (unsigned)(p->flash_base + p->flash_size - 1), p->name);
	}
}

static void load_raw(const struct sim_board_spec *spec, struct sim_board *b, const uint8_t *data,
		     size_t n)
{
	const struct l4_profile *p = spec->profile;
	uint32_t addr = spec->image_addr_set ? spec->image_addr : p->flash_base;

	if (l4_chip_preload(&b->chip, addr, data, n) < 0)
		dfu_sim_fatal("--image %s: %zu bytes at 0x%08X do not fit main flash "
			      "(0x%08X-0x%08X) of %s",
			      spec->image, n, (unsigned)addr, (unsigned)p->flash_base,
			      (unsigned)(p->flash_base + p->flash_size - 1), p->name);
}

void dfu_sim_load_image(const struct sim_board_spec *spec, struct sim_board *b)
{
	struct dfu_file_info info;
	struct dfu_diag diag = { 0 };
	size_t len;
	uint8_t *buf = read_whole(spec->image, &len);

	if (!buf)
		dfu_sim_fatal("--image %s: %s", spec->image, strerror(errno));
	if (dfu_file_inspect(buf, len, &info, &diag) < 0)
		dfu_sim_fatal("--image %s: %s", spec->image, diag.msg);
	if (info.prefix.kind == DFU_PREFIX_DFUSE)
		load_dfuse(spec, b, buf, info.fw_len);
	else
		load_raw(spec, b, buf + info.prefix.size, info.fw_len - info.prefix.size);
	free(buf);
}
