/*
 * l4_chip.h - an emulated STM32L4 part: flash, option bytes, OTP, IDs,
 * boot pins, resets and the flash-empty flag.
 *
 * The model keeps what survives which reset exactly as the table of
 * [model-reset] in docs/sources.md says: main flash, OTP and option-byte
 * flash survive everything; the loaded FLASH_OPTR/WRP registers and
 * FLASH_SR.PEMPTY are re-sampled only at power-on and option-byte load, and
 * kept (latched) across a system reset. Boot selection (AN2606 pattern 16)
 * runs at every reset with the PEMPTY that reset left. Memory operations
 * follow the rules the ROM bootloader is subject to (double-word programming
 * onto erased flash only, silent WRP, RDP). Every decision goes to the event
 * log.
 *
 * The chip does not run Arm code and has no clock: time is passed in, and
 * operations return how long they take. It allocates its flash once at
 * l4_chip_init(); nothing else allocates.
 */
#ifndef L4_CHIP_H
#define L4_CHIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/l4_profile.h"
#include "sim/sim_log.h"

/* ---- FLASH_OPTR as named fields (RM0394; [optr-layout]) ----
 * Positions and widths are core's option-byte table (dfu/stm32_ob.h), the
 * one the flasher reads too. */

#define L4_RDP_LEVEL0 DFU_OB_RDP_LEVEL0
#define L4_RDP_LEVEL2 DFU_OB_RDP_LEVEL2
#define L4_RDP_LEVEL1 DFU_OB_RDP_LEVEL1 /* any value but 0xAA and 0xCC is level 1 */

struct l4_optr {
	uint8_t rdp;
	uint8_t bor_lev;	/* 0..4 */
	bool nrst_stop, nrst_stdby, nrst_shdw;
	bool iwdg_sw, iwdg_stop, iwdg_stdby, wwdg_sw;
	bool nboot1;
	bool sram2_pe, sram2_rst;
	bool nswboot0;
	bool nboot0;
};

void l4_optr_decode(uint32_t optr, struct l4_optr *o);
/* Fields into a word; bits no field covers are taken from `base`. */
uint32_t l4_optr_encode(const struct l4_optr *o, uint32_t base);
/* 0, 1 or 2 for an RDP byte. */
int l4_rdp_level(uint8_t rdp);
/* "RDP=0xAA (level 0) BOR_LEV=0 nRST_STOP=1 ... nSWBOOT0=1 nBOOT0=1"; returns length. */
int l4_optr_format(uint32_t optr, char *out, size_t cap);

/* WRP area of WRP1AR / WRP1BR: pages start..end protected, none when
 * start > end (RM0394). */
struct l4_wrp_area {
	uint8_t start, end;
};
/* The area as a part of layout `l` sees it: only the STRT/END bits the
 * layout gives the line; the bits above read back as programmed but take
 * no part. */
void l4_wrp_decode(const struct dfu_ob_layout *l, uint32_t wrpxr, struct l4_wrp_area *a);
/* Start and end into the register's STRT (7:0) and END (23:16) bytes. */
uint32_t l4_wrp_encode(const struct l4_wrp_area *a);

/* ---- the chip ---- */

enum l4_boot_target {
	L4_BOOT_OFF = 0,	/* not powered */
	L4_BOOT_SYSTEM,		/* system memory: the ROM bootloader */
	L4_BOOT_FLASH,		/* main flash: the application */
	L4_BOOT_SRAM,		/* SRAM1 */
};
const char *l4_boot_target_name(enum l4_boot_target t); /* "system memory", ... */

enum l4_reset_kind {
	L4_RESET_POWER_ON,	/* POR/BOR: reload OB, re-sample PEMPTY */
	L4_RESET_SYSTEM,	/* NRST pin, SYSRESETREQ, watchdog, ROM leave: PEMPTY kept */
	L4_RESET_OPTION_LOAD,	/* OBL_LAUNCH or the ROM's reset after an OB write */
};
const char *l4_reset_kind_name(enum l4_reset_kind k);

/* Results of memory operations; the bootloader maps them to DFU statuses. */
enum l4_result {
	L4_OK = 0,
	L4_ERR_ADDRESS = -1,	/* outside the memory the operation may touch */
	L4_ERR_PROG = -2,	/* PROGERR: target double word not erased */
	L4_ERR_RDP = -3,	/* refused by read protection */
	L4_ERR_SIZE = -4,	/* length not acceptable (e.g. OB block too short) */
	L4_ERR_OTP_USED = -5,	/* OTP double word already programmed */
	L4_ERR_RDP2 = -6,	/* RDP level 2: the change is impossible */
};
const char *l4_result_name(enum l4_result r);

#define L4_OB_MAX 64
/* Word offsets in the option-byte block as the ROM exposes it at ob_base
 * ([ob-block]): each register is followed by its complement at +4 (inferred
 * from the 8-byte stride). */
#define L4_OB_OPTR DFU_OB_OPTR
#define L4_OB_PCROP1SR DFU_OB_PCROP1SR
#define L4_OB_PCROP1ER DFU_OB_PCROP1ER
#define L4_OB_WRP1AR DFU_OB_WRP1AR
#define L4_OB_WRP1BR DFU_OB_WRP1BR
#define L4_UID_SIZE 12

struct l4_chip {
	const struct l4_profile *p;
	struct sim_log *log;

	uint8_t *flash;			/* flash_size bytes, erased = 0xFF */
	uint8_t ob_flash[L4_OB_MAX];	/* option-byte flash as the ROM exposes it */
	uint8_t *otp;			/* otp_size bytes */
	uint8_t uid[L4_UID_SIZE];

	/* Loaded at power-on / option-byte load only. */
	uint32_t optr;
	uint32_t wrp1ar, wrp1br;
	bool pempty;

	bool powered;
	bool boot0_pin;
	enum l4_boot_target running;	/* what the last reset booted */
	enum l4_reset_kind last_reset;
	uint32_t reset_count[3];	/* per l4_reset_kind */
	uint64_t mutations;		/* successful flash/OB/OTP changes: persist when it moves */

	/* Bookkeeping for the event log and for the power-loss quirk. */
	uint64_t now_us;		/* virtual time of the last timed call */
	enum l4_reset_kind pempty_origin; /* the reset that last sampled PEMPTY */
	bool pempty_toggled;		/* software toggled PEMPTY since that sample */
	bool optverr;			/* last OB load saw a word/complement mismatch */
};

/*
 * A new, virgin part: flash erased, option bytes at the profile's factory
 * value, OTP erased, not powered, BOOT0 pin low. DFU_E_UNSUPPORTED for a
 * profile marked unsupported, DFU_E_NOMEM if allocation fails. `log` may be
 * NULL (no event log).
 */
int l4_chip_init(struct l4_chip *c, const struct l4_profile *p, struct sim_log *log);
void l4_chip_free(struct l4_chip *c);
void l4_chip_set_uid(struct l4_chip *c, const uint8_t uid[L4_UID_SIZE]);
/* Put bytes straight into main flash, as a factory programmer would (no
 * erase rule, no WRP, no log of individual words). DFU_E_RANGE if outside. */
int l4_chip_preload(struct l4_chip *c, uint32_t address, const uint8_t *data, size_t len);

/* ---- the physical world ---- */

/* Perform a reset of `kind` at `now_us` and run boot selection. Powers the
 * chip on for L4_RESET_POWER_ON. Returns what boots. */
enum l4_boot_target l4_chip_reset(struct l4_chip *c, enum l4_reset_kind kind, uint64_t now_us);
void l4_chip_power_off(struct l4_chip *c, uint64_t now_us);
void l4_chip_set_boot0(struct l4_chip *c, bool level, uint64_t now_us);
/* Boot selection with the current pin, loaded OPTR and PEMPTY; `why` gets
 * the explanation ("BOOT0 pin=0, nSWBOOT0=1, PEMPTY=1 (latched since
 * power-on) -> system memory"). */
enum l4_boot_target l4_chip_boot_select(const struct l4_chip *c, char *why, size_t cap);
/* Software write of FLASH_SR.PEMPTY: writing 1 toggles, 0 does nothing (RM0394). */
void l4_chip_write_pempty(struct l4_chip *c, bool one, uint64_t now_us);
int l4_chip_rdp_level(const struct l4_chip *c);	/* from the loaded OPTR */

/* The application in main flash, judged from its vector table: initial SP
 * inside SRAM1/SRAM2 and an odd (Thumb) reset vector inside main flash
 * ([model-app]). `why` explains a refusal. */
bool l4_chip_app_valid(const struct l4_chip *c, char *why, size_t cap);
/* CRC-32 (zlib) of main flash from flash_base over `len` bytes (0 = all). */
uint32_t l4_chip_flash_crc(const struct l4_chip *c, uint32_t len);

/* ---- memory as the ROM bootloader sees it ---- */

/* Read any readable address: main flash, option bytes (ob_base, ob_size),
 * OTP, UID, flash-size register, bootloader ID byte, feature area. RDP
 * level >= 1 refuses main flash (L4_ERR_RDP); L4_ERR_ADDRESS outside. */
int l4_mem_read(const struct l4_chip *c, uint32_t address, uint8_t *out, size_t len);

/*
 * Program main flash by 64-bit double words (RM0394): each touched double
 * word must be erased (all 0xFF) unless the new value is all zeros, else
 * L4_ERR_PROG and nothing after it is written. A length that is not a
 * multiple of 8 pads the last double word with 0xFF. Pages under WRP are
 * silently left unchanged (AN3156). *duration_us gets the modelled time.
 */
int l4_flash_program(struct l4_chip *c, uint32_t address, const uint8_t *data, size_t len,
		     uint64_t now_us, uint64_t *duration_us);
/* Erase the page holding `address`; a WRP page is silently kept. */
int l4_flash_erase_page(struct l4_chip *c, uint32_t address, uint64_t now_us,
			uint64_t *duration_us);
int l4_flash_mass_erase(struct l4_chip *c, uint64_t now_us, uint64_t *duration_us);
bool l4_flash_page_protected(const struct l4_chip *c, uint32_t page);

/*
 * Option-byte write as the ROM performs it: `address` must be ob_base and
 * len between ob_min_write and ob_size; OPTR, WRP1AR and WRP1BR are taken
 * from their (non-complement) words, PCROP words are ignored (ROM
 * limitation). Takes effect at the next option load or power-on. Setting
 * RDP from level 1 to 0 mass-erases flash (RM0394). RDP level 2 loaded: L4_ERR_RDP2.
 */
int l4_ob_write(struct l4_chip *c, uint32_t address, const uint8_t *data, size_t len,
		uint64_t now_us, uint64_t *duration_us);
/* Read Unprotect: mass erase, RDP byte -> 0xAA in OB flash (takes effect at
 * the option load the ROM performs next). */
int l4_read_unprotect(struct l4_chip *c, uint64_t now_us, uint64_t *duration_us);
/* OTP: program once per double word; L4_ERR_OTP_USED if already written. */
int l4_otp_program(struct l4_chip *c, uint32_t address, const uint8_t *data, size_t len,
		   uint64_t now_us, uint64_t *duration_us);

#endif
