/*
 * fw_image.h - firmware files loaded by address: the sparse image, format
 * detection, and the Intel HEX and Motorola S-record loaders.
 *
 * Engineers' build systems hand over .hex, .s19 and .elf files as often as
 * .bin. Loading one gives a *sparse image*: the bytes it places, as an
 * ordered list of (address, bytes) ranges, plus the start address the file
 * names, if any. Ranges are kept sorted by address, never touch each other
 * (records that meet end to start coalesce into one range) and never overlap
 * (a file that places a byte twice is refused, naming both places). This
 * module allocates nothing, reads no file and prints nothing: the caller
 * hands it the storage (an array of ranges and a byte buffer, with their
 * capacities; dfu_fw_bounds() says how much any input of a given length can
 * need) and the file's bytes already in memory. Diagnostics name the line
 * (text formats) and the problem; callers add the file name.
 */
#ifndef DFU_FW_IMAGE_H
#define DFU_FW_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dfu/error.h"

/* ---- the sparse image ---- */

struct dfu_fw_range {
	uint32_t address;	/* first byte */
	size_t len;		/* >= 1; address + len - 1 <= 0xFFFFFFFF */
	size_t offset;		/* where its bytes start in the image's data buffer */
};

enum dfu_fw_start_kind {
	DFU_FW_START_NONE = 0,
	DFU_FW_START_LINEAR,	/* a 32-bit address: HEX type 05, S-records S7-S9 */
	DFU_FW_START_SEGMENT,	/* HEX type 03: CS in the high 16 bits of start, IP low */
};

struct dfu_fw_image {
	struct dfu_fw_range *ranges;	/* caller's storage, sorted by address */
	size_t range_cap;
	size_t nranges;
	uint8_t *data;			/* caller's storage; ranges in address order */
	size_t data_cap;
	size_t data_len;		/* bytes of all ranges together */
	enum dfu_fw_start_kind start_kind;
	uint32_t start;
};

/* Point `img` at the caller's storage and make it empty. */
void dfu_fw_image_init(struct dfu_fw_image *img, struct dfu_fw_range *ranges, size_t range_cap,
		       uint8_t *data, size_t data_cap);

/* Forget every range and the start address; the storage stays. */
void dfu_fw_image_clear(struct dfu_fw_image *img);

/*
 * Place `len` bytes at `address`. A block that meets a range end to start
 * joins it (and may join two ranges into one). Returns 0; DFU_E_INVAL for a
 * NULL image or data; DFU_E_OVERFLOW when the block runs past 0xFFFFFFFF;
 * DFU_E_FORMAT when it overlaps bytes already placed (the diag names the
 * first such address); DFU_E_NOSPACE when the ranges or the data buffer are
 * full (the diag says which, and its capacity). On error the image is
 * unchanged. Adding zero bytes does nothing and succeeds.
 */
int dfu_fw_image_add(struct dfu_fw_image *img, uint32_t address, const uint8_t *data,
		     size_t len, struct dfu_diag *diag);

/* When [address, address + len) shares a byte with the image, store the
 * lowest such address in *first (if not NULL) and return true. */
bool dfu_fw_image_overlaps(const struct dfu_fw_image *img, uint32_t address, size_t len,
			   uint32_t *first);

/* The bytes of range `i` (< nranges). */
const uint8_t *dfu_fw_range_data(const struct dfu_fw_image *img, size_t i);

/* The byte the image holds at `address` in *out, or false when it holds none. */
bool dfu_fw_image_byte(const struct dfu_fw_image *img, uint32_t address, uint8_t *out);

/* Upper bounds on what loading `len` bytes of input in any format of this
 * module can need: ranges and data bytes. Never less than 1 each. */
void dfu_fw_bounds(size_t len, size_t *max_ranges, size_t *max_bytes);

/* ---- formats ---- */

enum dfu_fw_format {
	DFU_FW_RAW = 0,		/* no known signature: bytes placed at a given address */
	DFU_FW_IHEX,		/* Intel HEX: ':' records */
	DFU_FW_SREC,		/* Motorola S-records: 'S' and a type digit */
	DFU_FW_ELF,		/* "\x7FELF" */
	DFU_FW_DFUSE,		/* "DfuSe" prefix (UM0391) */
};

/* A lower-case name ("Intel HEX", "S-record", "ELF", "DfuSe", "raw binary"). */
const char *dfu_fw_format_name(enum dfu_fw_format fmt);

/*
 * Which format `len` bytes are, by content alone. ELF and DfuSe by their
 * magic at offset 0; Intel HEX and S-record when the first line that is not
 * blank (after an optional UTF-8 byte order mark) has the shape of one of
 * their records: ':' or 'S' and a digit, then hex digits only, to the end of
 * the line. The record is not validated: a HEX file with a bad first checksum
 * is still HEX, so that loading it says what is wrong. Anything else is raw.
 */
enum dfu_fw_format dfu_fw_detect(const uint8_t *buf, size_t len);

/*
 * Whether bytes about to be written as raw firmware are obviously a file of
 * another kind: Intel HEX or S-record text, or an ELF executable. Returns
 * that format, or DFU_FW_RAW when the bytes may well be raw firmware. (A
 * DfuSe file is not reported: a .dfu is recognised by its suffix, as
 * dfu-util does.) For the check that refuses to write a text file to flash
 * byte for byte, where an initial stack pointer of 0x3032303A (":020") would
 * lock the chip up at its next boot.
 */
enum dfu_fw_format dfu_fw_obviously_not_raw(const uint8_t *buf, size_t len);

/* ---- loaders ----
 * Each adds to `img` (normally empty). On an error the image holds what the
 * lines before the bad one placed: a caller discards it, never writes it. */

/*
 * Intel HEX: data (00), end of file (01), extended segment address (02),
 * start segment address (03), extended linear address (04) and start linear
 * address (05) records; every checksum checked; LF, CRLF or CR line ends;
 * blank lines ignored. Refused, with the line number in the diag's message
 * and the byte offset in diag->offset: a line that is not a record
 * (DFU_E_FORMAT), an odd number of hex digits or a non-hex character
 * (DFU_E_FORMAT), a length byte that disagrees with the record (DFU_E_SIZE),
 * a bad checksum, with the expected value (DFU_E_CRC), an unknown record
 * type (DFU_E_FORMAT), a record after the end-of-file record (DFU_E_FORMAT),
 * no end-of-file record (DFU_E_TRUNCATED), data past 0xFFFFFFFF
 * (DFU_E_OVERFLOW), a byte placed twice, naming both lines (DFU_E_FORMAT),
 * two different start addresses (DFU_E_FORMAT). In extended segment mode
 * a record's offset wraps inside its 64 KiB segment, as the format defines.
 */
int dfu_fw_load_ihex(struct dfu_fw_image *img, const uint8_t *buf, size_t len,
		     struct dfu_diag *diag);

/*
 * Motorola S-records: S0 header, S1-S3 data (16-, 24- and 32-bit address),
 * S5-S6 record counts (checked against the data records before them),
 * S7-S9 termination with the start address. Every checksum checked; line
 * ends and errors as for Intel HEX; the reserved type 4 and unknown types
 * are refused, as are a count that disagrees (DFU_E_SIZE), a record after
 * the termination record (DFU_E_FORMAT) and a file whose last record is
 * neither a termination nor a count record (DFU_E_TRUNCATED: srec_cat ends
 * with a count alone when it knows no start address, so a count is accepted
 * as the end).
 */
int dfu_fw_load_srec(struct dfu_fw_image *img, const uint8_t *buf, size_t len,
		     struct dfu_diag *diag);

/* A raw binary: all `len` bytes as one range at `address`. */
int dfu_fw_load_raw(struct dfu_fw_image *img, const uint8_t *buf, size_t len,
		    uint32_t address, struct dfu_diag *diag);

#endif
