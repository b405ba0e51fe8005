/* fuzz_dfuse_layout.c - the memory-layout parser on arbitrary iInterface text.
 * Invariant: whatever parses formats back, and the formatted text parses to
 * the same layout. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dfu/dfuse_layout.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dfuse_layout a, b;
	struct dfu_diag diag;
	char text[4096];
	int n;

	if (dfuse_layout_parse((const char *)data, size, &a, &diag) != 0)
		return 0;
	n = dfuse_layout_format(&a, text, sizeof(text));
	if (n < 0)
		return 0;
	if (dfuse_layout_parse(text, (size_t)n, &b, &diag) != 0)
		abort(); /* the formatter wrote something the parser refuses */
	if (a.nsegments != b.nsegments || strcmp(a.name, b.name) != 0)
		abort();
	for (size_t i = 0; i < a.nsegments; i++)
		if (a.seg[i].start != b.seg[i].start || a.seg[i].end != b.seg[i].end ||
		    a.seg[i].type != b.seg[i].type || a.seg[i].page_size != b.seg[i].page_size)
			abort();
	dfuse_layout_find(&a, a.nsegments ? a.seg[0].start : 0);
	return 0;
}
