/*
 * l4_internal.h - helpers shared by l4_chip.c and l4_flash.c; not public.
 */
#ifndef L4_INTERNAL_H
#define L4_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/l4_chip.h"

/* A log line at the chip's current virtual time (no-op without a log). */
void l4_chip_log(const struct l4_chip *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Store register `word` and its complement at `off` of the OB block. */
void l4_ob_put(struct l4_chip *c, unsigned off, uint32_t word);

/* Erase every page of main flash, write protection or not (RDP regression,
 * Read Unprotect: "fully erases", AN3156 §5.1). */
void l4_flash_erase_all(struct l4_chip *c);

/* The loaded WRP area covering `page`, as "WRP1A pages 4-7", or false. */
bool l4_flash_wrp_describe(const struct l4_chip *c, uint32_t page, char *out, size_t cap);

#endif
