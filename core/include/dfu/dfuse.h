/*
 * dfuse.h - ST's DfuSe extensions to DFU 1.1 (AN3156), as wire codecs.
 *
 * A DNLOAD with wBlockNum 0 carries a command: Set Address Pointer (0x21 +
 * LE32), Erase (0x41 + LE32 page address, or 0x41 alone for mass erase) and
 * Read Unprotect (0x92). UPLOAD wBlockNum 0 returns the Get Commands list.
 * Data blocks (wBlockNum >= 2) address memory relative to the address
 * pointer. These functions encode and decode exactly that; the device model
 * decides what a command does, the host decides when to send it.
 */
#ifndef DFU_DFUSE_H
#define DFU_DFUSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dfu/error.h"

enum dfuse_cmd_code {
	DFUSE_CMD_GET_COMMANDS = 0x00,
	DFUSE_CMD_SET_ADDRESS = 0x21,
	DFUSE_CMD_ERASE = 0x41,
	DFUSE_CMD_READ_UNPROTECT = 0x92,
};

enum dfuse_cmd_kind {
	DFUSE_SET_ADDRESS,
	DFUSE_ERASE_PAGE,
	DFUSE_MASS_ERASE,
	DFUSE_READ_UNPROTECT,
};

struct dfuse_cmd {
	enum dfuse_cmd_kind kind;
	uint32_t address; /* SET_ADDRESS and ERASE_PAGE only */
};

#define DFUSE_CMD_MAX_SIZE 5
/* The first data block number; block 1 has no defined use (AN3156 §4). */
#define DFUSE_BLOCK_DATA_FIRST 2

/* Encode a command into the DNLOAD payload; returns its length (1 or 5) or
 * DFU_E_NOSPACE / DFU_E_INVAL. */
int dfuse_cmd_encode(const struct dfuse_cmd *c, uint8_t *out, size_t cap);
/* Decode a wBlockNum-0 DNLOAD payload. DFU_E_TRUNCATED for an empty payload,
 * DFU_E_FORMAT for an unknown opcode or a length that does not fit it. */
int dfuse_cmd_decode(const uint8_t *in, size_t len, struct dfuse_cmd *c,
		     struct dfu_diag *diag);
/* "SET_ADDRESS", "ERASE_PAGE", "MASS_ERASE", "READ_UNPROTECT". */
const char *dfuse_cmd_name(enum dfuse_cmd_kind kind);

/*
 * The Get Commands reply (UPLOAD wBlockNum 0): byte 0 is 0x00 (the Get
 * command itself), then the supported opcodes. Decode fills a bitmask of
 * the commands present.
 */
#define DFUSE_HAS_SET_ADDRESS 0x1u
#define DFUSE_HAS_ERASE 0x2u
#define DFUSE_HAS_READ_UNPROTECT 0x4u
int dfuse_get_commands_encode(unsigned mask, uint8_t *out, size_t cap);
int dfuse_get_commands_decode(const uint8_t *in, size_t len, unsigned *mask,
			      struct dfu_diag *diag);

/*
 * Block address rule (AN3156 §4): address = pointer + (wBlockNum - 2) *
 * transfer_size. DFU_E_INVAL for wBlockNum < 2, DFU_E_OVERFLOW if the result
 * wraps past 0xFFFFFFFF.
 */
int dfuse_block_address(uint32_t pointer, uint16_t block, uint32_t transfer_size,
			uint32_t *address);

#endif
