/*
 * image_builder.h - deterministic firmware images for tests.
 *
 * image_build() gives N bytes that look like a Cortex-M application for the
 * STM32L412 (a vector table: initial SP at the top of SRAM1, Thumb handlers
 * in main flash) followed by pseudo-random words from a seed, the same bytes
 * for the same seed on every run. image_set_vectors() rewrites the vector
 * table for another chip's memory map. fill_pattern() gives plain
 * pseudo-random bytes (no vector table) for memories that are not an STM32's
 * flash. None of them reads a clock or allocates.
 */
#ifndef TESTS_SUPPORT_IMAGE_BUILDER_H
#define TESTS_SUPPORT_IMAGE_BUILDER_H

#include <stddef.h>
#include <stdint.h>

/* The STM32L412's vectors (RM0394: SRAM1 is 32 KiB at 0x20000000, main
 * flash starts at 0x08000000). */
#define IMAGE_L412_SP 0x20008000u
#define IMAGE_L412_RESET 0x08000101u

/* `n` bytes: xorshift32 words from `seed` (non-zero), little-endian, then
 * image_set_vectors(IMAGE_L412_SP, IMAGE_L412_RESET). */
void image_build(uint8_t *img, size_t n, uint32_t seed);

/* The first 16 words of `img` (as many as `n` holds): `sp`, `reset`, then
 * the 14 system handlers at reset + 0x40. */
void image_set_vectors(uint8_t *img, size_t n, uint32_t sp, uint32_t reset);

/* `n` bytes from a linear congruential generator seeded with `seed`. */
void fill_pattern(uint8_t *p, size_t n, uint32_t seed);

#endif
