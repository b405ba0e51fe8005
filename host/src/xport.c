/* xport.c - helpers shared by every transport: device strings, result names. */
#include <string.h>

#include "host/xport.h"

const char *xport_dev_string(const struct xport_dev_info *d, uint8_t index)
{
	if (index == 0)
		return NULL;
	for (size_t i = 0; i < d->nstrings && i < XPORT_MAX_STRINGS; i++)
		if (d->strings[i].index == index)
			return d->strings[i].text;
	return NULL;
}

int xport_dev_add_string(struct xport_dev_info *d, uint8_t index, const char *text)
{
	struct xport_string *s;
	size_t n;

	if (index == 0)
		return DFU_E_INVAL;
	for (size_t i = 0; i < d->nstrings; i++)
		if (d->strings[i].index == index)
			return DFU_OK; /* several alts may share one string index */
	if (d->nstrings >= XPORT_MAX_STRINGS)
		return DFU_E_NOSPACE;
	s = &d->strings[d->nstrings++];
	s->index = index;
	n = strnlen(text, sizeof(s->text) - 1);
	memcpy(s->text, text, n);
	s->text[n] = '\0';
	return DFU_OK;
}

const char *xport_result_name(int rc)
{
	if (rc >= 0)
		return "OK";
	switch (rc) {
	case DFU_E_STALL: return "STALL";
	case DFU_E_NODEV: return "NO_DEVICE";
	case DFU_E_TIMEOUT: return "TIMEOUT";
	default: return "IO";
	}
}
