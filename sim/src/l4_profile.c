/*
 * l4_profile.c - the STM32L4 chip profiles, one table row per part.
 *
 * Source tags refer to shared/spec/stm32l4-bootloader.md §0 (S3 = AN2606,
 * S4 = AN3156, S5 = CMSIS headers, S6 = HAL, S7 = OpenOCD, S8 = CubeProgrammer
 * device database, F2/F3 = forum threads, "listing" = captured dfu-util -l
 * output quoted in shared/spec/sim-model.md). Anything not sourced is marked
 * "modelling choice" and is a knob: change the row, not the code.
 */
#include <stddef.h>
#include <strings.h>

#include "sim/l4_profile.h"

/* Option-byte field layouts (widths, reserved OPTR bits) are core's rows,
 * dfu/stm32_ob.h, shared with the flasher. */

/* The three alt settings that are the same on every L4 ROM that puts its
 * option bytes at 0x1FFF7800 (listings of L43x/L45x; S3/S4 §4.2). */
#define ALT_OB_1FFF7800 "@Option Bytes  /0x1FFF7800/01*040 e"
#define ALT_OTP "@OTP Memory /0x1FFF7000/01*0001Ke"
#define ALT_FEATURE "@Device Feature/0xFFFF0000/01*004 e"

/* Timings: approximate L4 datasheet typicals, unverified against DS12469
 * (sim-model.md "Timing model": modelling choice, knobs). The option-byte
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
		.dev_id = 0x464,			/* S7 stm32l4x.h */
		.rev_id = 0x2001,			/* rev Y, S7 (modelling choice of revision) */
		.bootloader_id = 0xD1,			/* S3 Table 3: V13.1, DFU V2.2 */
		.empty_check = true,			/* S3 pattern 16, S5 PEMPTY, S2 list */
		.flash_base = 0x08000000,		/* S5, S8 */
		.flash_size = 128 * 1024,		/* S5, S7, S8 */
		.page_size = 2048,			/* S8 "sector0 occurrence 0x40 size 0x800" */
		.sram1_base = 0x20000000, .sram1_size = 32 * 1024, /* S5, S8 */
		.sram2_base = 0x10000000, .sram2_size = 8 * 1024,  /* S5, S8 */
		.ob_base = 0x1FFF7800,			/* S8 bootloader bank, alt-1 string */
		.ob_size = 40,				/* alt-1 "01*040 e", F2 */
		.ob_min_write = 36,			/* S8 bank size 0x24, F2 */
		.optr_factory = 0xFFEFF8AA,		/* S7 example; modelling choice */
		.ob_layout = &dfu_ob_stm32l41x,		/* 6-bit WRP: 64 pages; spec §2.1 (S5) */
		.otp_base = 0x1FFF7000, .otp_size = 1024, /* S7, S8, S3 */
		.uid_addr = 0x1FFF7590,			/* S7, S8 */
		.flash_size_reg_addr = 0x1FFF75E0,	/* S7, S8 */
		.bootloader_id_addr = 0x1FFF6FFE,	/* S3 Table 3, S8 */
		.feature_base = 0xFFFF0000,		/* alt-3 string (listings) */
		.usb_bcd_device = 0x2200,		/* S3 Table 3 DFU V2.2, listings ver=2200 */
		.transfer_size = 2048,			/* dfu-util ticket #208 (L412Kx), S4 §4.1 */
		.alt_names = {
			/* Follows the L43x/L45x pattern; no L412 capture found (inferred). */
			"@Internal Flash  /0x08000000/0064*0002Kg",
			ALT_OB_1FFF7800,
			ALT_OTP,
			ALT_FEATURE,
		},
		.leave_action = L4_LEAVE_RESET,		/* modelling choice, sim-model.md "Leave" */
		.ob_write_reset = L4_OB_RESET_OPTION_LOAD, /* modelling choice, sim-model.md */
		.timing = L4_TIMING_DEFAULT,
	},
	{
		.name = "stm32l432kc",
		.line = "STM32L43x/L44x",
		.supported = true,
		.dev_id = 0x435,			/* S7 */
		.rev_id = 0x1001,			/* modelling choice (not sourced) */
		.bootloader_id = 0x91,			/* S3 Table 3 */
		.empty_check = true,			/* S3 pattern 16, S5, S2 */
		.flash_base = 0x08000000,
		.flash_size = 256 * 1024,		/* STM32L432KC: 256 KB (listing 0128*0002Kg) */
		.page_size = 2048,			/* S6, S8 */
		.sram1_base = 0x20000000, .sram1_size = 48 * 1024, /* S5 */
		.sram2_base = 0x10000000, .sram2_size = 16 * 1024, /* S5 */
		.ob_base = 0x1FFF7800,			/* S8, F2 */
		.ob_size = 40,				/* F2: "0x1fff7800 0040 B RW" */
		.ob_min_write = 36,			/* F2: CubeProgrammer writes 36 */
		.optr_factory = 0xFFEFF8AA,		/* modelling choice (S7 example, L4) */
		.ob_layout = &dfu_ob_stm32l43x,		/* 7-bit WRP: 128 pages (S5) */
		.otp_base = 0x1FFF7000, .otp_size = 1024,
		.uid_addr = 0x1FFF7590,
		.flash_size_reg_addr = 0x1FFF75E0,
		.bootloader_id_addr = 0x1FFF6FFE,
		.feature_base = 0xFFFF0000,
		.usb_bcd_device = 0x2200,		/* listings */
		.transfer_size = 2048,			/* S4 §4.1 (early ROMs need -t 1024, F3: quirk) */
		.alt_names = {
			"@Internal Flash  /0x08000000/0128*0002Kg", /* listings (CanoKey, QMK) */
			ALT_OB_1FFF7800,
			ALT_OTP,
			ALT_FEATURE,
		},
		.leave_action = L4_LEAVE_RESET,		/* modelling choice; F4 field report */
		.ob_write_reset = L4_OB_RESET_OPTION_LOAD, /* modelling choice, sim-model.md */
		.timing = L4_TIMING_DEFAULT,
	},
	{
		.name = "stm32l452re",
		.line = "STM32L45x/L46x",
		.supported = true,
		.dev_id = 0x462,			/* S7 */
		.rev_id = 0x1000,			/* modelling choice (not sourced) */
		.bootloader_id = 0x92,			/* S3 Table 3 */
		.empty_check = true,			/* S3 pattern 16, S5, S2 */
		.flash_base = 0x08000000,
		.flash_size = 512 * 1024,		/* listing 0256*0002Kg */
		.page_size = 2048,			/* S6, S8 */
		.sram1_base = 0x20000000, .sram1_size = 128 * 1024, /* S5 */
		.sram2_base = 0x10000000, .sram2_size = 32 * 1024,  /* S5 */
		.ob_base = 0x1FFF7800,			/* S8 */
		.ob_size = 40,
		.ob_min_write = 36,			/* S8 */
		.optr_factory = 0xFFEFF8AA,		/* modelling choice (S7 example, L4) */
		.ob_layout = &dfu_ob_stm32l45x,		/* 8-bit WRP: 256 pages (S5) */
		.otp_base = 0x1FFF7000, .otp_size = 1024,
		.uid_addr = 0x1FFF7590,
		.flash_size_reg_addr = 0x1FFF75E0,
		.bootloader_id_addr = 0x1FFF6FFE,
		.feature_base = 0xFFFF0000,
		.usb_bcd_device = 0x2200,		/* listing ver=2200 */
		.transfer_size = 2048,
		.alt_names = {
			"@Internal Flash  /0x08000000/0256*0002Kg", /* real L45x listing */
			ALT_OB_1FFF7800,
			ALT_OTP,
			ALT_FEATURE,
		},
		.leave_action = L4_LEAVE_RESET,		/* modelling choice */
		.ob_write_reset = L4_OB_RESET_OPTION_LOAD, /* modelling choice, sim-model.md */
		.timing = L4_TIMING_DEFAULT,
	},
	{
		.name = "stm32l4r5zi",
		.line = "STM32L4R/L4S",
		.supported = true,
		.dev_id = 0x470,			/* S7 */
		.rev_id = 0x1000,			/* modelling choice (not sourced) */
		.bootloader_id = 0x95,			/* S3 Table 3 */
		.empty_check = true,			/* S3 pattern 6, S5, S2 ("L4+") */
		.flash_base = 0x08000000,
		.flash_size = 2048 * 1024,		/* STM32L4R5xI: 2 MB */
		.page_size = 4096,			/* DBANK=1 view (S6 FLASH_PAGE_SIZE 0x1000) */
		.sram1_base = 0x20000000, .sram1_size = 192 * 1024, /* S5 */
		.sram2_base = 0x10000000, .sram2_size = 64 * 1024,  /* S5 */
		/* S8: bootloader bank 1 at 0x1FF00000 (0x24 bytes), bank 2 at
		 * 0x1FF01008. Modelling choice: one 40-byte block with the L41x
		 * layout at 0x1FF00000; bank-2 WRP (WRP2AR/WRP2BR) is not modelled,
		 * so only pages 0..255 (bank 1) can be write-protected. */
		.ob_base = 0x1FF00000,
		.ob_size = 40,				/* modelling choice */
		.ob_min_write = 36,			/* S8 bank-1 size 0x24 */
		.optr_factory = 0xFFEFF8AA,		/* modelling choice: DBANK=1, BFB2=0 */
		/* BFB2, DB1M, DBANK are fields (S5); 8-bit WRP: 256 pages per bank. */
		.ob_layout = &dfu_ob_stm32l4rs,
		.otp_base = 0x1FFF7000, .otp_size = 1024,
		.uid_addr = 0x1FFF7590,
		.flash_size_reg_addr = 0x1FFF75E0,
		.bootloader_id_addr = 0x1FFF6FFE,	/* S3 Table 3 */
		.feature_base = 0xFFFF0000,
		.usb_bcd_device = 0x2200,		/* modelling choice (L4 listings) */
		.transfer_size = 2048,
		.alt_names = {
			/* "L4+ parts switch to /512*0004Kg" (sim-model.md evidence):
			 * three digits, no leading zero. */
			"@Internal Flash  /0x08000000/512*0004Kg",
			/* Modelling choice: the L41x string with the L4+ base address. */
			"@Option Bytes  /0x1FF00000/01*040 e",
			ALT_OTP,
			ALT_FEATURE,
		},
		.leave_action = L4_LEAVE_RESET,		/* modelling choice; F5 field report */
		.ob_write_reset = L4_OB_RESET_OPTION_LOAD, /* modelling choice, sim-model.md */
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
		.dev_id = 0x415,			/* S7 */
		.rev_id = 0x1000,			/* modelling choice (not sourced) */
		.bootloader_id = 0xA3,			/* S3 Table 3 (V10.x) */
		.empty_check = false,			/* S5 (no PEMPTY), S3 pattern 7 */
		.flash_base = 0x08000000,
		.flash_size = 1024 * 1024,
		.page_size = 2048,			/* S6 */
		.sram1_base = 0x20000000, .sram1_size = 96 * 1024,
		.sram2_base = 0x10000000, .sram2_size = 32 * 1024,
		.ob_base = 0x1FFF7800,			/* S8 bank 1 (0x28 bytes) */
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
