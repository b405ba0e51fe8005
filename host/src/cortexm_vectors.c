/* cortexm_vectors.c - is this a vector table a Cortex-M can boot from (see
 * cortexm_vectors.h). */
#include <stdio.h>

#include "host/cortexm_vectors.h"

bool host_cm_vectors_plausible(uint32_t sp, uint32_t reset, uint32_t flash_first,
			       uint32_t flash_last, char *why, size_t cap)
{
	char dummy[1];
	const uint32_t code = reset & ~1u;	/* the address bit 0 aside */

	if (!why) {
		why = dummy;
		cap = sizeof(dummy);
	}
	why[0] = '\0';
	if (sp <= HOST_CM_SRAM_FIRST || (uint64_t)sp > (uint64_t)HOST_CM_SRAM_LAST + 1) {
		snprintf(why, cap, "its initial stack pointer 0x%08X is outside SRAM "
			 "(0x%08X-0x%08X)", sp, HOST_CM_SRAM_FIRST, HOST_CM_SRAM_LAST);
		return false;
	}
	if (!(reset & 1u)) {
		snprintf(why, cap, "its reset vector 0x%08X is even (a Cortex-M runs Thumb code "
			 "only: bit 0 must be set)", reset);
		return false;
	}
	if (code < flash_first || code > flash_last) {
		snprintf(why, cap, "its reset vector 0x%08X is outside main flash "
			 "(0x%08X-0x%08X)", reset, flash_first, flash_last);
		return false;
	}
	return true;
}
