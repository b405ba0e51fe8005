/*
 * cortexm_vectors.h - whether the first two words of an image at the start
 * of main flash could boot a Cortex-M.
 *
 * At reset a Cortex-M loads its stack pointer from the first word of the
 * vector table and jumps to the second, which must have bit 0 set (Thumb
 * state; the Cortex-M cores run no Arm code). A stack pointer outside RAM
 * faults on the first push, and an even or out-of-flash reset vector faults
 * at once: either way the chip locks up after the next boot. The emulator
 * judges an application by the same two words ([model-app]). dfu-flash
 * checks both before it writes an image, and again when it says whether
 * the firmware it wrote is fit to run. Pure functions: no I/O, no
 * allocation.
 */
#ifndef HOST_CORTEXM_VECTORS_H
#define HOST_CORTEXM_VECTORS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* SRAM where dfu-flash knows nothing finer about the chip: a conservative
 * part of the Cortex-M SRAM region, where every STM32 has its SRAM. The
 * initial SP is the top of the stack (it is decremented before the first
 * store), so the word one past the end is allowed and the first is not.
 * ASCII text never fits: ":020" read as a word is 0x3032303A. */
#define HOST_CM_SRAM_FIRST 0x20000000u
#define HOST_CM_SRAM_LAST 0x2FFFFFFFu

/*
 * Whether initial SP `sp` and reset vector `reset` can start the chip from
 * main flash [flash_first, flash_last]: SP inside SRAM (above its first byte, up to one past its last), the
 * reset vector odd and inside flash. When not, `why` (cap bytes, may be
 * NULL) names the word, its value and the range it missed.
 */
bool host_cm_vectors_plausible(uint32_t sp, uint32_t reset, uint32_t flash_first,
			       uint32_t flash_last, char *why, size_t cap);

#endif
