/*
 * fw_image_fuzz.h - what the firmware-file harnesses (fuzz_ihex, fuzz_srec)
 * share: one input loaded twice, into storage dfu_fw_bounds() sizes and into
 * tiny storage, with the image's invariants checked the slow way after
 * each. Any breach aborts, which the fuzzer reports as a crash.
 */
#ifndef DFULAB_FW_IMAGE_FUZZ_H
#define DFULAB_FW_IMAGE_FUZZ_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dfu/fw_image.h"

/* The invariants every image keeps, checked the slow way. */
static void check_image(const struct dfu_fw_image *img)
{
	size_t i, total = 0;

	if (img->nranges > img->range_cap || img->data_len > img->data_cap)
		abort();
	for (i = 0; i < img->nranges; i++) {
		const struct dfu_fw_range *r = &img->ranges[i];
		uint8_t b;

		if (r->len == 0 || (uint64_t)r->address + r->len - 1 > UINT32_MAX)
			abort();
		if (r->offset != total)
			abort();
		if (i > 0) {
			const struct dfu_fw_range *p = &img->ranges[i - 1];

			/* Sorted, and never touching (touching ranges join). */
			if ((uint64_t)p->address + p->len >= r->address)
				abort();
		}
		if (!dfu_fw_image_byte(img, r->address, &b) || b != img->data[r->offset])
			abort();
		if (!dfu_fw_image_byte(img, (uint32_t)(r->address + r->len - 1), &b) ||
		    b != img->data[r->offset + r->len - 1])
			abort();
		total += r->len;
	}
	if (total != img->data_len)
		abort();
}

/* Two successful loads of the same input place the same bytes. */
static void same_image(const struct dfu_fw_image *a, const struct dfu_fw_image *b)
{
	if (a->nranges != b->nranges || a->data_len != b->data_len ||
	    a->start_kind != b->start_kind || a->start != b->start)
		abort();
	for (size_t i = 0; i < a->nranges; i++)
		if (a->ranges[i].address != b->ranges[i].address ||
		    a->ranges[i].len != b->ranges[i].len ||
		    a->ranges[i].offset != b->ranges[i].offset)
			abort();
	if (memcmp(a->data, b->data, a->data_len) != 0)
		abort();
}

typedef int (*fw_loader)(struct dfu_fw_image *img, const uint8_t *buf, size_t len,
			 struct dfu_diag *diag);

/* Load `data` with `load` into storage dfu_fw_bounds() sizes and into tiny
 * storage, checking both images. */
static int fuzz_fw_loader(const uint8_t *data, size_t size, fw_loader load)
{
	struct dfu_fw_range small_ranges[2];
	uint8_t small_data[16];
	struct dfu_fw_image img, small;
	struct dfu_diag diag;
	size_t nr, nb;
	struct dfu_fw_range *ranges;
	uint8_t *bytes, *buf;
	int rc, rc_small;

	/* Copy so ASan sees the exact bounds of the input. */
	buf = malloc(size ? size : 1);
	dfu_fw_bounds(size, &nr, &nb);
	ranges = malloc(nr * sizeof(*ranges));
	bytes = malloc(nb);
	if (!buf || !ranges || !bytes)
		abort();
	memcpy(buf, data, size);
	(void)dfu_fw_detect(buf, size);
	(void)dfu_fw_obviously_not_raw(buf, size);

	dfu_fw_image_init(&img, ranges, nr, bytes, nb);
	memset(&diag, 0, sizeof(diag));
	rc = load(&img, buf, size, &diag);
	if (rc > 0 || rc == DFU_E_NOSPACE)	/* the bounds are always enough */
		abort();
	if (rc < 0 && (diag.msg[0] == '\0' || !memchr(diag.msg, '\0', sizeof(diag.msg))))
		abort();
	check_image(&img);

	dfu_fw_image_init(&small, small_ranges, 2, small_data, sizeof(small_data));
	rc_small = load(&small, buf, size, &diag);
	check_image(&small);
	if (rc_small == 0 && rc != 0)
		abort();
	if (rc_small == 0)
		same_image(&small, &img);
	if (rc == 0 && rc_small != 0 && rc_small != DFU_E_NOSPACE)
		abort();

	free(bytes);
	free(ranges);
	free(buf);
	return 0;
}

#endif
