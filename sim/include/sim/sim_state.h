/*
 * sim_state.h - what of an emulated chip survives a restart of dfu-sim.
 *
 * One file per board holds what survives a power cut on real silicon: main
 * flash, option-byte flash, OTP, plus the 96-bit UID (the serial derives
 * from it) and the mutation counter. Loaded registers (FLASH_OPTR, PEMPTY)
 * are not saved: a restart of dfu-sim is a power-on, which reloads them.
 *
 * File layout (little-endian): "DFUSIMST", u32 format version (1), u32
 * header size (80), the profile name (32 bytes, NUL-padded), u32 flash,
 * option-byte and OTP sizes, the UID (12 bytes), u64 mutations, then the
 * flash, option-byte and OTP bytes, then a CRC-32 (dfu_crc32, the DFU
 * suffix's) of everything before it.
 *
 * Saving writes a temporary file in the same directory, fsyncs it, renames
 * it over the old one and fsyncs the directory, so a crash at any moment
 * leaves either the old or the new file, whole. Loading refuses (with a
 * message that says so) any file that is short, long, corrupt or made for
 * another chip profile: the caller must not silently start from a virgin
 * chip instead.
 */
#ifndef SIM_STATE_H
#define SIM_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "dfu/error.h"
#include "sim/l4_chip.h"

#define SIM_STATE_MAGIC "DFUSIMST"
#define SIM_STATE_VERSION 1
#define SIM_STATE_HEADER_SIZE 80

/* A decoded file; the byte arrays point into the buffer it was read from
 * (sim_state_decode) or into memory sim_state_read owns. */
struct sim_state {
	char profile[32];
	uint8_t uid[L4_UID_SIZE];
	uint64_t mutations;
	const uint8_t *flash;
	uint32_t flash_size;
	const uint8_t *ob;
	uint32_t ob_size;
	const uint8_t *otp;
	uint32_t otp_size;
	uint8_t *owned;		/* the file's bytes when read by sim_state_read */
};

/* Bytes a state file for this chip takes. */
size_t sim_state_size(const struct l4_chip *c);
/* Encode into `out`; returns the size or DFU_E_NOSPACE. */
int sim_state_encode(const struct l4_chip *c, uint8_t *out, size_t cap);
/*
 * Decode and check a whole file against the profile dfu-sim runs:
 * DFU_E_FORMAT (not a state file, unknown version), DFU_E_TRUNCATED /
 * DFU_E_SIZE (length), DFU_E_CRC, DFU_E_UNSUPPORTED (saved for another
 * profile or geometry); `diag` names the value.
 */
int sim_state_decode(const uint8_t *in, size_t len, const struct l4_profile *p,
		     struct sim_state *st, struct dfu_diag *diag);
/* Put a decoded state into a chip (not powered yet): memories, UID, counter. */
void sim_state_apply(const struct sim_state *st, struct l4_chip *c);

/* Read and decode a file. DFU_E_NOTFOUND when it does not exist; DFU_E_IO. */
int sim_state_read(const char *path, const struct l4_profile *p, struct sim_state *st,
		   struct dfu_diag *diag);
void sim_state_free(struct sim_state *st);
/* Save atomically and durably as `dir`/`name`. DFU_E_IO with diag. */
int sim_state_write(const char *dir, const char *name, const struct l4_chip *c,
		    struct dfu_diag *diag);

#endif
