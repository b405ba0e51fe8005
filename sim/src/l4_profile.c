/*
 * l4_profile.c - the STM32L4 chip profiles, one table row per part.
 *
 * Sources are cited by their keys in docs/sources.md: [AN2606], [AN3156],
 * [CMSIS-L4] (ST's device headers), [HAL-L4], [OpenOCD-L4], [CubeProg-DB]
 * (the CubeProgrammer device database), forum threads such as
 * [forum-cubeprog-ob], and [rom-listings] (captured dfu-util -l output).
 * Anything not sourced is marked "modelling choice" and is a knob: change
 * the row, not the code.
 */
#include <stddef.h>
#include <strings.h>

#include "sim/l4_profile.h"

/* Option-byte field layouts (widths, reserved OPTR bits) are core's rows,
 * dfu/stm32_ob.h, shared with the flasher. */

/* The three alt settings that are the same on every L4 ROM that puts its
 * option bytes at 0x1FFF7800 (listings of L43x/L45x, [rom-listings]). */
#define ALT_OB_1FFF7800 "@Option Bytes  /0x1FFF7800/01*040 e"
#define ALT_OTP "@OTP Memory /0x1FFF7000/01*0001Ke"
#define ALT_FEATURE "@Device Feature/0xFFFF0000/01*004 e"

/* Timings: approximate L4 datasheet typicals, unverified against DS12469
 * ([model-timing]: modelling choice, knobs). The option-byte
 * program time is a modelling choice (erase of the option page plus a few
 * double words). */
#define L4_TIMING_DEFAULT                                                                     \
	{                                                                                     \
		.program_dword_us = 82, .page_erase_us = 22000, .mass_erase_us = 22000,      \
		.ob_program_us = 25000,                                                       \
	}

static const struct l4_profile profiles[] = {
	{
		.name = "stm32l412xb",
		.line = "STM32L41x/L42x",
		.supported = true,
		.dev_id = 0x464,			/* [OpenOCD-L4] stm32l4x.h */
		.rev_id = 0x2001,			/* rev Y, [OpenOCD-L4]; modelling choice */
		.bootloader_id = 0xD1,			/* [AN2606] Table 3: V13.1, DFU V2.2 */
		/* [AN2606] pattern 16, [CMSIS-L4] PEMPTY, [KB-empty-check] list */
		.empty_check = true,
		.flash_base = 0x08000000,		/* [CMSIS-L4], [CubeProg-DB] */
		.flash_size = 128 * 1024,		/* [CMSIS-L4], [OpenOCD-L4], [CubeProg-DB] */
		.page_size = 2048, /* [CubeProg-DB]: "sector0 occurrence 0x40 size 0x800" */
		.sram1_base = 0x20000000, .sram1_size = 32 * 1024, /* [CMSIS-L4], [CubeProg-DB] */
		.sram2_base = 0x10000000, .sram2_size = 8 * 1024,  /* [CMSIS-L4], [CubeProg-DB] */
		.ob_base = 0x1FFF7800, /* [CubeProg-DB] bootloader bank, alt-1 string */
		.ob_size = 40,				/* alt-1 "01*040 e", [forum-cubeprog-ob] */
		.ob_min_write = 36, /* [CubeProg-DB] bank size 0x24, [forum-cubeprog-ob] */
		.optr_factory = 0xFFEFF8AA,		/* [OpenOCD-L4] example; modelling choice */
		.ob_layout = &dfu_ob_stm32l41x,		/* 6-bit WRP: 64 pages ([optr-layout]) */
		.otp_base = 0x1FFF7000, .otp_size = 1024, /* [OpenOCD-L4], [CubeProg-DB], [AN2606] */
		.uid_addr = 0x1FFF7590,			/* [OpenOCD-L4], [CubeProg-DB] */
		.flash_size_reg_addr = 0x1FFF75E0,	/* [OpenOCD-L4], [CubeProg-DB] */
		.bootloader_id_addr = 0x1FFF6FFE,	/* [AN2606] Table 3, [CubeProg-DB] */
		.feature_base = 0xFFFF0000,		/* alt-3 string ([rom-listings]) */
		.usb_bcd_device = 0x2200,		/* [AN2606] Table 3 V2.2, [rom-listings] */
		.transfer_size = 2048,			/* [dfu-util-208] (L412Kx), [AN3156] §4.1 */
		.alt_names = {
			/* Follows the L43x/L45x pattern; no L412 capture found (inferred). */
			"@Internal Flash  /0x08000000/0064*0002Kg",
			ALT_OB_1FFF7800,
			ALT_OTP,
			ALT_FEATURE,
		},
		.leave_action = L4_LEAVE_RESET,		/* modelling choice, [model-leave] */
		.ob_write_reset = L4_OB_RESET_OPTION_LOAD, /* modelling choice, [model-ob-write] */
		.timing = L4_TIMING_DEFAULT,
	},
	{
		.name = "stm32l432kc",
		.line = "STM32L43x/L44x",
		.supported = true,
		.dev_id = 0x435,			/* [OpenOCD-L4] */
		.rev_id = 0x1001,			/* modelling choice (not sourced) */
		.bootloader_id = 0x91,			/* [AN2606] Table 3 */
		.empty_check = true, /* [AN2606] pattern 16, [CMSIS-L4], [KB-empty-check] */
		.flash_base = 0x08000000,
		.flash_size = 256 * 1024,		/* L432KC: 0128*0002Kg, [rom-listings] */
		.page_size = 2048,			/* [HAL-L4], [CubeProg-DB] */
		.sram1_base = 0x20000000, .sram1_size = 48 * 1024, /* [CMSIS-L4] */
		.sram2_base = 0x10000000, .sram2_size = 16 * 1024, /* [CMSIS-L4] */
		.ob_base = 0x1FFF7800,			/* [CubeProg-DB], [forum-cubeprog-ob] */
		.ob_size = 40, /* [forum-cubeprog-ob]: "0x1fff7800 0040 B RW" */
		.ob_min_write = 36, /* [forum-cubeprog-ob]: CubeProgrammer writes 36 */
		.optr_factory = 0xFFEFF8AA,		/* modelling choice ([OpenOCD-L4] example) */
		.ob_layout = &dfu_ob_stm32l43x,		/* 7-bit WRP: 128 pages ([CMSIS-L4]) */
		.otp_base = 0x1FFF7000, .otp_size = 1024,
		.uid_addr = 0x1FFF7590,
		.flash_size_reg_addr = 0x1FFF75E0,
		.bootloader_id_addr = 0x1FFF6FFE,
		.feature_base = 0xFFFF0000,
		.usb_bcd_device = 0x2200,		/* [rom-listings] */
		/* [AN3156] §4.1; early ROMs need -t 1024 ([forum-L432-dfu]): a quirk */
		.transfer_size = 2048,
		.alt_names = {
			/* CanoKey and QMK listings, [rom-listings] */
			"@Internal Flash  /0x08000000/0128*0002Kg",
			ALT_OB_1FFF7800,
			ALT_OTP,
			ALT_FEATURE,
		},
		.leave_action = L4_LEAVE_RESET,		/* modelling choice; [stm32flash-180] */
		.ob_write_reset = L4_OB_RESET_OPTION_LOAD, /* modelling choice, [model-ob-write] */
		.timing = L4_TIMING_DEFAULT,
	},
	{
		.name = "stm32l452re",
		.line = "STM32L45x/L46x",
		.supported = true,
		.dev_id = 0x462,			/* [OpenOCD-L4] */
		.rev_id = 0x1000,			/* modelling choice (not sourced) */
		.bootloader_id = 0x92,			/* [AN2606] Table 3 */
		.empty_check = true, /* [AN2606] pattern 16, [CMSIS-L4], [KB-empty-check] */
		.flash_base = 0x08000000,
		.flash_size = 512 * 1024,		/* [rom-listings]: 0256*0002Kg */
		.page_size = 2048,			/* [HAL-L4], [CubeProg-DB] */
		.sram1_base = 0x20000000, .sram1_size = 128 * 1024, /* [CMSIS-L4] */
		.sram2_base = 0x10000000, .sram2_size = 32 * 1024,  /* [CMSIS-L4] */
		.ob_base = 0x1FFF7800,			/* [CubeProg-DB] */
		.ob_size = 40,
		.ob_min_write = 36,			/* [CubeProg-DB] */
		.optr_factory = 0xFFEFF8AA,		/* modelling choice ([OpenOCD-L4] example) */
		.ob_layout = &dfu_ob_stm32l45x,		/* 8-bit WRP: 256 pages ([CMSIS-L4]) */
		.otp_base = 0x1FFF7000, .otp_size = 1024,
		.uid_addr = 0x1FFF7590,
		.flash_size_reg_addr = 0x1FFF75E0,
		.bootloader_id_addr = 0x1FFF6FFE,
		.feature_base = 0xFFFF0000,
		.usb_bcd_device = 0x2200,		/* [rom-listings]: ver=2200 */
		.transfer_size = 2048,
		.alt_names = {
			/* A real L45x listing, [rom-listings] */
			"@Internal Flash  /0x08000000/0256*0002Kg",
			ALT_OB_1FFF7800,
			ALT_OTP,
			ALT_FEATURE,
		},
		.leave_action = L4_LEAVE_RESET,		/* modelling choice */
		.ob_write_reset = L4_OB_RESET_OPTION_LOAD, /* modelling choice, [model-ob-write] */
		.timing = L4_TIMING_DEFAULT,
	},
	{
		.name = "stm32l4r5zi",
		.line = "STM32L4R/L4S",
		.supported = true,
		.dev_id = 0x470,			/* [OpenOCD-L4] */
		.rev_id = 0x1000,			/* modelling choice (not sourced) */
		.bootloader_id = 0x95,			/* [AN2606] Table 3 */
		/* [AN2606] pattern 6, [CMSIS-L4], [KB-empty-check] ("L4+") */
		.empty_check = true,
		.flash_base = 0x08000000,
		.flash_size = 2048 * 1024,		/* STM32L4R5xI: 2 MB */
		.page_size = 4096, /* DBANK=1 view ([HAL-L4]: FLASH_PAGE_SIZE 0x1000) */
		.sram1_base = 0x20000000, .sram1_size = 192 * 1024, /* [CMSIS-L4] */
		.sram2_base = 0x10000000, .sram2_size = 64 * 1024,  /* [CMSIS-L4] */
		/* [CubeProg-DB]: bootloader bank 1 at 0x1FF00000 (0x24 bytes), bank 2
		 * at 0x1FF01008. Modelling choice: one 40-byte block with the L41x
		 * layout at 0x1FF00000; bank-2 WRP (WRP2AR/WRP2BR) is not modelled,
		 * so only pages 0..255 (bank 1) can be write-protected. */
		.ob_base = 0x1FF00000,
		.ob_size = 40,				/* modelling choice */
		.ob_min_write = 36,			/* [CubeProg-DB] bank-1 size 0x24 */
		.optr_factory = 0xFFEFF8AA,		/* modelling choice: DBANK=1, BFB2=0 */
		/* BFB2, DB1M, DBANK are fields ([CMSIS-L4]); 8-bit WRP: 256 pages per bank. */
		.ob_layout = &dfu_ob_stm32l4rs,
		.otp_base = 0x1FFF7000, .otp_size = 1024,
		.uid_addr = 0x1FFF7590,
		.flash_size_reg_addr = 0x1FFF75E0,
		.bootloader_id_addr = 0x1FFF6FFE,	/* [AN2606] Table 3 */
		.feature_base = 0xFFFF0000,
		.usb_bcd_device = 0x2200,		/* modelling choice ([rom-listings]) */
		.transfer_size = 2048,
		.alt_names = {
			/* L4+ listings show /512*0004Kg ([rom-listings]):
			 * three digits, no leading zero. */
			"@Internal Flash  /0x08000000/512*0004Kg",
			/* Modelling choice: the L41x string with the L4+ base address. */
			"@Option Bytes  /0x1FF00000/01*040 e",
			ALT_OTP,
			ALT_FEATURE,
		},
		.leave_action = L4_LEAVE_RESET,		/* modelling choice; [stlink-1482] */
		.ob_write_reset = L4_OB_RESET_OPTION_LOAD, /* modelling choice, [model-ob-write] */
		.timing = L4_TIMING_DEFAULT,		/* modelling choice (4 KB page erase too) */
	},
	{
		.name = "stm32l476rg",
		.line = "STM32L47x/L48x",
		.supported = false,
		.unsupported_reason = "STM32L47x/L48x have no flash-empty check and boot by "
				      "dual-bank BFB2 rules (AN2606 pattern 7); not modelled",
		/* The row is kept so the name is recognised and the reason can be
		 * printed; the values below are filled for completeness only. */
		.dev_id = 0x415,			/* [OpenOCD-L4] */
		.rev_id = 0x1000,			/* modelling choice (not sourced) */
		.bootloader_id = 0xA3,			/* [AN2606] Table 3 (V10.x) */
		.empty_check = false, /* [CMSIS-L4] (no PEMPTY), [AN2606] pattern 7 */
		.flash_base = 0x08000000,
		.flash_size = 1024 * 1024,
		.page_size = 2048,			/* [HAL-L4] */
		.sram1_base = 0x20000000, .sram1_size = 96 * 1024,
		.sram2_base = 0x10000000, .sram2_size = 32 * 1024,
		.ob_base = 0x1FFF7800,			/* [CubeProg-DB] bank 1 (0x28 bytes) */
		.ob_size = 40,
		.ob_min_write = 40,
		.optr_factory = 0xFFEFF8AA,		/* modelling choice */
		.ob_layout = &dfu_ob_stm32l47x,
		.otp_base = 0x1FFF7000, .otp_size = 1024,
		.uid_addr = 0x1FFF7590,
		.flash_size_reg_addr = 0x1FFF75E0,
		.bootloader_id_addr = 0x1FFF6FFE,
		.feature_base = 0xFFFF0000,
		.usb_bcd_device = 0x2200,
		.transfer_size = 2048,
		.alt_names = {
			"@Internal Flash  /0x08000000/0512*0002Kg", /* pattern only; not modelled */
			ALT_OB_1FFF7800,
			ALT_OTP,
			ALT_FEATURE,
		},
		.leave_action = L4_LEAVE_JUMP,
		.timing = L4_TIMING_DEFAULT,
	},
};

#define PROFILE_COUNT (sizeof(profiles) / sizeof(profiles[0]))

const struct l4_profile *l4_profile_find(const char *name)
{
	size_t i;

	if (!name)
		return NULL;
	for (i = 0; i < PROFILE_COUNT; i++)
		if (strcasecmp(profiles[i].name, name) == 0)
			return &profiles[i];
	return NULL;
}

size_t l4_profile_count(void)
{
	return PROFILE_COUNT;
}

const struct l4_profile *l4_profile_at(size_t i)
{
	return i < PROFILE_COUNT ? &profiles[i] : NULL;
}
