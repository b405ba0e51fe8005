/*
 * l4_profile.h - STM32L4 chip profiles, as data.
 *
 * Everything that differs between L4 lines (flash geometry, DEV_ID,
 * bootloader ID, option-byte layout, whether the flash-empty check exists,
 * the ROM bootloader's USB strings, flash timings, the leave action) is a
 * field here; the chip model and the bootloader have no per-line code paths.
 * Adding a profile means adding a table row in l4_profile.c. Values are facts
 * from the public sources of docs/sources.md or modelling choices named in
 * its section 7; l4_profile.c cites which.
 */
#ifndef L4_PROFILE_H
#define L4_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dfu/stm32_ob.h"

enum l4_leave_action {
	L4_LEAVE_RESET,	/* leave = system reset; boot selection runs with latched PEMPTY */
	L4_LEAVE_JUMP,	/* leave = jump to the vector table at the address pointer */
};

/* The reset the ROM performs after an option-byte write or Read Unprotect.
 * AN3156 says "system reset"; option values only take effect through an
 * option load (RM0394), so the default is OPTION_LOAD (modelling choice,
 * [model-ob-write]). With SYSTEM, PEMPTY stays latched and the option-byte
 * remedy does not work: that is the knob to turn if real silicon
 * disagrees. */
enum l4_ob_reset {
	L4_OB_RESET_OPTION_LOAD = 0,
	L4_OB_RESET_SYSTEM,
};

/* Flash timings in microseconds (modelling choice: DS12469 typicals, unverified). */
struct l4_timing {
	uint32_t program_dword_us;	/* one 64-bit double word: 82 */
	uint32_t page_erase_us;		/* one page: 22000 */
	uint32_t mass_erase_us;		/* whole bank: 22000 */
	uint32_t ob_program_us;		/* option-byte block */
};

#define L4_ALT_COUNT 4

struct l4_profile {
	const char *name;		/* command-line name: "stm32l412xb" */
	const char *line;		/* "STM32L41x/L42x" */
	bool supported;
	const char *unsupported_reason;	/* when !supported */
	uint16_t dev_id;		/* DBGMCU_IDCODE[11:0] */
	uint16_t rev_id;
	uint8_t bootloader_id;		/* byte at bootloader_id_addr (AN2606 Table 3) */
	bool empty_check;		/* FLASH_SR.PEMPTY exists (AN2606 pattern 6/16) */

	uint32_t flash_base;		/* 0x08000000 */
	uint32_t flash_size;		/* bytes */
	uint32_t page_size;		/* bytes */
	uint32_t sram1_base, sram1_size;
	uint32_t sram2_base, sram2_size;

	uint32_t ob_base;		/* option bytes as the ROM exposes them (alt 1) */
	uint16_t ob_size;		/* 40: the alt-1 segment */
	uint16_t ob_min_write;		/* 36: what CubeProgrammer sends is accepted too */
	uint32_t optr_factory;		/* FLASH_OPTR of a new part (modelling choice) */
	/* The option-byte fields, their widths and the OPTR bits that read as
	 * 1: core's row for this line, the one the flasher decodes with. */
	const struct dfu_ob_layout *ob_layout;
	uint32_t otp_base, otp_size;
	uint32_t uid_addr;		/* 96-bit unique ID */
	uint32_t flash_size_reg_addr;	/* 16-bit flash size in KiB */
	uint32_t bootloader_id_addr;	/* 0x1FFF6FFE */
	uint32_t feature_base;		/* alt 3 "Device Feature" */

	uint16_t usb_bcd_device;	/* 0x2200: DFU protocol V2.2 in the MSB */
	uint16_t transfer_size;		/* wTransferSize: 2048 */
	const char *alt_names[L4_ALT_COUNT]; /* iInterface strings, exact */

	enum l4_leave_action leave_action;
	enum l4_ob_reset ob_write_reset;
	struct l4_timing timing;
};

/* By name (case-insensitive), or NULL. Unsupported profiles are found too:
 * callers check ->supported and print ->unsupported_reason. */
const struct l4_profile *l4_profile_find(const char *name);
size_t l4_profile_count(void);
const struct l4_profile *l4_profile_at(size_t i);
/* Pages of main flash. */
static inline uint32_t l4_profile_pages(const struct l4_profile *p)
{
	return p->flash_size / p->page_size;
}

#endif
