/* fuzz_dfu_file.c - a downloaded file, however broken: suffix, prefixes,
 * DfuSe targets and elements. Every view must stay inside the input. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dfu/dfu_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void inside(const uint8_t *base, size_t size, const uint8_t *p, size_t len)
{
	if (len == 0)
		return;
	if (p < base || p + len > base + size)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dfu_file_info info;
	struct dfuse_file f;
	struct dfuse_target t;
	struct dfuse_element e;
	struct dfu_diag diag;
	size_t tc = 0, ec;
	/* Copy so ASan sees the exact bounds of the input. */
	uint8_t *buf = malloc(size ? size : 1);

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	if (dfu_file_inspect(buf, size, &info, &diag) != 0)
		info.fw_len = size;
	if (info.fw_len > size)
		abort();
	if (dfuse_file_parse(buf, info.fw_len, &f, &diag) == 0) {
		while (dfuse_file_next_target(&f, &tc, &t) == 1) {
			ec = 0;
			while (dfuse_target_next_element(&t, &ec, &e) == 1) {
				inside(buf, size, e.data, e.size);
				if (e.size)
					(void)(e.data[0] + e.data[e.size - 1]);
			}
		}
	}
	free(buf);
	return 0;
}
