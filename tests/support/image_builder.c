/*
 * image_builder.c - deterministic firmware images for tests: an application
 * image with a Cortex-M vector table, and plain pseudo-random bytes. Both
 * depend on the seed alone, so a test that fails fails the same way again.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "dfu/bytes.h"
#include "image_builder.h"

void image_set_vectors(uint8_t *img, size_t n, uint32_t sp, uint32_t reset)
{
	for (size_t v = 0; v < 16 && 4 * v + 4 <= n; v++)
		dfu_put_le32(img + 4 * v, v == 0 ? sp : v == 1 ? reset : reset + 0x40u);
}

void image_build(uint8_t *img, size_t n, uint32_t seed)
{
	uint32_t x = seed;

	/* xorshift32 stays at 0 forever from a seed of 0. */
	assert_true(seed != 0);
	for (size_t i = 0; i < n; i += 4) {
		uint8_t word[4];

		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		dfu_put_le32(word, x);
		for (size_t k = 0; k < 4 && i + k < n; k++)
			img[i + k] = word[k];
	}
	image_set_vectors(img, n, IMAGE_L412_SP, IMAGE_L412_RESET);
}

void fill_pattern(uint8_t *p, size_t n, uint32_t seed)
{
	for (size_t i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		p[i] = (uint8_t)(seed >> 16);
	}
}
