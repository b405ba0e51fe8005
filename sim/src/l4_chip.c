/*
 * l4_chip.c - the emulated STM32L4 part: creation, resets, option-byte
 * load, the flash-empty flag (PEMPTY), boot selection and the application
 * check.
 *
 * What survives which reset follows the table of [model-reset] in
 * docs/sources.md: the loaded FLASH_OPTR/WRP copies and PEMPTY change only at
 * power-on and at option-byte load (RM0394; [efton-g44]); a system reset
 * keeps them, which is the whole "first flash" trap ([efton-g44],
 * [KB-empty-check], [forum-virgin-L412], [stm32flash-180], [stlink-1482]).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dfu/bytes.h"
#include "dfu/dfu_file.h"
#include "dfu/error.h"
#include "l4_internal.h"
#include "sim/l4_chip.h"

/*
 * Option words of a new part besides OPTR (modelling choice; RM reset values
 * not confirmed): WRP areas disabled by start > end (STRT = 0xFF, END = 0;
 * masked to the part's field width that is still start > end), PCROP area
 * empty by start > end (PCROP1_STRT = 0xFFFF, PCROP1_END = 0, PCROP_RDP = 0).
 */
#define WRP_FACTORY 0x000000FFu
#define PCROP1SR_FACTORY 0x0000FFFFu
#define PCROP1ER_FACTORY 0x00000000u

/* A fixed example UID for a chip nobody gave one (modelling choice; boards
 * set their own with l4_chip_set_uid()). */
static const uint8_t default_uid[L4_UID_SIZE] = { 0x30, 0x00, 0x3A, 0x00, 0x0F, 0x51,
						  0x4E, 0x34, 0x36, 0x20, 0x31, 0x30 };

void l4_chip_log(const struct l4_chip *c, const char *fmt, ...)
{
	char text[SIM_LOG_TEXT];
	va_list ap;

	if (!c->log)
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	sim_logf(c->log, c->now_us, "%s", text);
}

void l4_ob_put(struct l4_chip *c, unsigned off, uint32_t word)
{
	dfu_put_le32(c->ob_flash + off, word);
	dfu_put_le32(c->ob_flash + off + 4, ~word);
	c->mutations++;
}

/* ---- names ---- */

const char *l4_boot_target_name(enum l4_boot_target t)
{
	switch (t) {
	case L4_BOOT_OFF: return "off";
	case L4_BOOT_SYSTEM: return "system memory";
	case L4_BOOT_FLASH: return "main flash";
	case L4_BOOT_SRAM: return "SRAM1";
	}
	return "unknown boot target";
}

const char *l4_reset_kind_name(enum l4_reset_kind k)
{
	switch (k) {
	case L4_RESET_POWER_ON: return "power-on reset";
	case L4_RESET_SYSTEM: return "system reset";
	case L4_RESET_OPTION_LOAD: return "option-byte load";
	}
	return "unknown reset";
}

const char *l4_result_name(enum l4_result r)
{
	switch (r) {
	case L4_OK: return "ok";
	case L4_ERR_ADDRESS: return "address outside the memory the operation may touch";
	case L4_ERR_PROG: return "programming error: double word not erased (PROGERR)";
	case L4_ERR_RDP: return "refused by read protection (RDP level 1)";
	case L4_ERR_SIZE: return "length not acceptable";
	case L4_ERR_OTP_USED: return "OTP double word already programmed";
	case L4_ERR_RDP2: return "impossible at RDP level 2";
	}
	return "unknown result";
}

/* ---- creation ---- */

/* A profile row the model can work with: the OB block holds the five
 * register/complement pairs, pages are whole double words and whole pages
 * fill the flash. */
static bool profile_usable(const struct l4_profile *p)
{
	return p->ob_size <= L4_OB_MAX && p->ob_size >= L4_OB_WRP1BR + 8 &&
	       p->ob_min_write >= L4_OB_WRP1BR + 4 && p->ob_min_write <= p->ob_size &&
	       p->page_size >= 8 && p->page_size % 8 == 0 && p->flash_size >= p->page_size &&
	       p->flash_size % p->page_size == 0 && p->otp_size % 8 == 0 &&
	       p->ob_layout && dfu_ob_field(p->ob_layout, DFU_OBF_WRP1A_STRT);
}

/* Load FLASH_OPTR and WRP1xR from option-byte flash, checking each word
 * against its complement. Modelling choice for a mismatch (e.g. an OB write
 * cut by power loss): OPTVERR, and the word loads as all ones, which makes
 * RDP 0xFF = level 1 (RM0394 loads failed options in the safe direction). */
static uint32_t ob_load_word(struct l4_chip *c, unsigned off)
{
	uint32_t w = dfu_get_le32(c->ob_flash + off);
	uint32_t n = dfu_get_le32(c->ob_flash + off + 4);

	if (w != ~n) {
		c->optverr = true;
		return 0xFFFFFFFFu;
	}
	return w;
}

static void ob_load(struct l4_chip *c)
{
	c->optverr = false;
	c->optr = ob_load_word(c, L4_OB_OPTR) | c->p->ob_layout->optr_reserved;
	c->wrp1ar = ob_load_word(c, L4_OB_WRP1AR);
	c->wrp1br = ob_load_word(c, L4_OB_WRP1BR);
}

int l4_chip_init(struct l4_chip *c, const struct l4_profile *p, struct sim_log *log)
{
	memset(c, 0, sizeof(*c));
	if (!p)
		return DFU_E_INVAL;
	if (!p->supported)
		return DFU_E_UNSUPPORTED;
	if (!profile_usable(p))
		return DFU_E_INVAL;

	c->flash = malloc(p->flash_size);
	c->otp = malloc(p->otp_size ? p->otp_size : 1);
	if (!c->flash || !c->otp) {
		free(c->flash);
		free(c->otp);
		c->flash = c->otp = NULL;
		return DFU_E_NOMEM;
	}
	c->p = p;
	c->log = log;
	memset(c->flash, 0xFF, p->flash_size);
	memset(c->otp, 0xFF, p->otp_size);

	memset(c->ob_flash, 0xFF, sizeof(c->ob_flash));
	l4_ob_put(c, L4_OB_OPTR, p->optr_factory | p->ob_layout->optr_reserved);
	l4_ob_put(c, L4_OB_PCROP1SR, PCROP1SR_FACTORY);
	l4_ob_put(c, L4_OB_PCROP1ER, PCROP1ER_FACTORY);
	l4_ob_put(c, L4_OB_WRP1AR, WRP_FACTORY);
	l4_ob_put(c, L4_OB_WRP1BR, WRP_FACTORY);
	memcpy(c->uid, default_uid, sizeof(c->uid));

	/* Not powered yet; the loaded copies are filled so that questions
	 * asked before power-on (RDP level) have an answer. */
	ob_load(c);
	c->pempty = false;
	c->pempty_origin = L4_RESET_POWER_ON;
	c->powered = false;
	c->boot0_pin = false;
	c->running = L4_BOOT_OFF;
	c->last_reset = L4_RESET_POWER_ON;
	l4_chip_log(c, "chip: new %s (%s): flash erased, OPTR 0x%08X, not powered", p->name,
		    p->line, c->optr);
	return DFU_OK;
}

void l4_chip_free(struct l4_chip *c)
{
	free(c->flash);
	free(c->otp);
	c->flash = NULL;
	c->otp = NULL;
}

void l4_chip_set_uid(struct l4_chip *c, const uint8_t uid[L4_UID_SIZE])
{
	memcpy(c->uid, uid, L4_UID_SIZE);
}

int l4_chip_preload(struct l4_chip *c, uint32_t address, const uint8_t *data, size_t len)
{
	const struct l4_profile *p = c->p;
	uint64_t a = address;

	if (a < p->flash_base || a + len > (uint64_t)p->flash_base + p->flash_size)
		return DFU_E_RANGE;
	if (len)
		memcpy(c->flash + (address - p->flash_base), data, len);
	l4_chip_log(c, "chip: preloaded %zu bytes at 0x%08X (factory programming)", len, address);
	return DFU_OK;
}

/* ---- the physical world ---- */

int l4_chip_rdp_level(const struct l4_chip *c)
{
	return l4_rdp_level((uint8_t)(c->optr & 0xFF));
}

static uint32_t first_flash_word(const struct l4_chip *c)
{
	return dfu_get_le32(c->flash);
}

/* RM0394, [efton-g44], [KB-empty-check]: PEMPTY is set when the word at
 * the start of main flash reads 0xFFFFFFFF, sampled only here. */
static void pempty_sample(struct l4_chip *c, enum l4_reset_kind kind)
{
	c->pempty = c->p->empty_check && first_flash_word(c) == 0xFFFFFFFFu;
	c->pempty_origin = kind;
	c->pempty_toggled = false;
}

static void put(char *out, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void put(char *out, size_t cap, const char *fmt, ...)
{
	va_list ap;

	if (!out || !cap)
		return;
	va_start(ap, fmt);
	vsnprintf(out, cap, fmt, ap);
	va_end(ap);
}

static const char *pempty_history(const struct l4_chip *c)
{
	if (c->pempty_toggled)
		return "toggled by software";
	if (c->last_reset == c->pempty_origin)
		return "sampled at this reset";
	return c->pempty_origin == L4_RESET_OPTION_LOAD ? "latched since option load"
							: "latched since power-on";
}

enum l4_boot_target l4_chip_boot_select(const struct l4_chip *c, char *why, size_t cap)
{
	struct l4_optr o;
	enum l4_boot_target t;

	if (!c->powered) {
		put(why, cap, "chip not powered -> off");
		return L4_BOOT_OFF;
	}
	l4_optr_decode(c->optr, &o);
	if (l4_rdp_level(o.rdp) == 2) {
		/* AN2606: level 2 disables boot from system memory and SRAM. */
		put(why, cap, "RDP level 2 -> main flash (system memory and SRAM boot disabled)");
		return L4_BOOT_FLASH;
	}
	/* AN2606 pattern 16, option-bit meanings from [CubeProg-DB]. */
	if (o.nswboot0) {
		if (c->boot0_pin) {
			t = o.nboot1 ? L4_BOOT_SYSTEM : L4_BOOT_SRAM;
			put(why, cap, "BOOT0 pin=1, nSWBOOT0=1, nBOOT1=%d -> %s", o.nboot1,
			    l4_boot_target_name(t));
		} else if (!c->p->empty_check) {
			t = L4_BOOT_FLASH;
			put(why, cap, "BOOT0 pin=0, nSWBOOT0=1, no flash-empty check on this line -> %s",
			    l4_boot_target_name(t));
		} else {
			t = c->pempty ? L4_BOOT_SYSTEM : L4_BOOT_FLASH;
			put(why, cap, "BOOT0 pin=0, nSWBOOT0=1, PEMPTY=%d (%s) -> %s", c->pempty,
			    pempty_history(c), l4_boot_target_name(t));
		}
	} else if (o.nboot0) {
		/* Pattern 16 has no empty-check row for nSWBOOT0 = 0 ([AN2606],
		 * [CubeProg-DB]). */
		t = L4_BOOT_FLASH;
		put(why, cap, "nSWBOOT0=0, nBOOT0=1 -> %s (BOOT0 pin and PEMPTY ignored)",
		    l4_boot_target_name(t));
	} else {
		t = o.nboot1 ? L4_BOOT_SYSTEM : L4_BOOT_SRAM;
		put(why, cap, "nSWBOOT0=0, nBOOT0=0, nBOOT1=%d -> %s (BOOT0 pin ignored)", o.nboot1,
		    l4_boot_target_name(t));
	}
	return t;
}

enum l4_boot_target l4_chip_reset(struct l4_chip *c, enum l4_reset_kind kind, uint64_t now_us)
{
	char why[SIM_LOG_TEXT - 8];

	c->now_us = now_us;
	if (kind != L4_RESET_POWER_ON && kind != L4_RESET_SYSTEM &&
	    kind != L4_RESET_OPTION_LOAD)
		return c->running;
	if (kind != L4_RESET_POWER_ON && !c->powered) {
		l4_chip_log(c, "reset: %s ignored: chip not powered", l4_reset_kind_name(kind));
		return L4_BOOT_OFF;
	}
	c->powered = true;
	c->last_reset = kind;
	c->reset_count[kind]++;

	if (kind == L4_RESET_SYSTEM) {
		l4_chip_log(c,
			    "reset: system reset (NRST); PEMPTY kept at %d; option bytes not "
			    "reloaded",
			    c->pempty);
	} else {
		ob_load(c);
		pempty_sample(c, kind);
		l4_chip_log(c, "reset: %s; option bytes loaded (OPTR 0x%08X, RDP level %d)",
			    l4_reset_kind_name(kind), c->optr, l4_chip_rdp_level(c));
		if (c->optverr)
			l4_chip_log(c, "reset: OPTVERR: option words do not match their "
				       "complements; mismatched words loaded as 0xFFFFFFFF");
		if (c->p->empty_check)
			l4_chip_log(c, "reset: PEMPTY sampled: %d (word at 0x%08X reads 0x%08X)",
				    c->pempty, c->p->flash_base, first_flash_word(c));
	}
	c->running = l4_chip_boot_select(c, why, sizeof(why));
	l4_chip_log(c, "boot: %s", why);
	return c->running;
}

void l4_chip_power_off(struct l4_chip *c, uint64_t now_us)
{
	c->now_us = now_us;
	c->powered = false;
	c->running = L4_BOOT_OFF;
	l4_chip_log(c, "power: off");
}

void l4_chip_set_boot0(struct l4_chip *c, bool level, uint64_t now_us)
{
	c->now_us = now_us;
	l4_chip_log(c, "pin: BOOT0 %d -> %d (read at the next reset)", c->boot0_pin, level);
	c->boot0_pin = level;
}

void l4_chip_write_pempty(struct l4_chip *c, bool one, uint64_t now_us)
{
	c->now_us = now_us;
	/* RM0394: writing 1 toggles PEMPTY, writing 0 has no effect. */
	if (!one) {
		l4_chip_log(c, "flash: software wrote 0 to PEMPTY: no effect (PEMPTY=%d)", c->pempty);
		return;
	}
	if (!c->p->empty_check) {
		l4_chip_log(c, "flash: software wrote 1 to PEMPTY: this line has no PEMPTY");
		return;
	}
	c->pempty = !c->pempty;
	c->pempty_toggled = true;
	l4_chip_log(c, "flash: software wrote 1 to PEMPTY: toggled %d -> %d", !c->pempty,
		    c->pempty);
}

/* ---- the application ---- */

/* SP may equal the end address: the stack is full-descending, so the first
 * push lands below it. */
static bool sp_in(uint32_t sp, uint32_t base, uint32_t size)
{
	return size && sp >= base && (uint64_t)sp <= (uint64_t)base + size;
}

bool l4_chip_app_valid(const struct l4_chip *c, char *why, size_t cap)
{
	const struct l4_profile *p = c->p;
	uint32_t sp = dfu_get_le32(c->flash);
	uint32_t rv = dfu_get_le32(c->flash + 4);
	uint32_t entry = rv & ~1u;

	if (!sp_in(sp, p->sram1_base, p->sram1_size) && !sp_in(sp, p->sram2_base, p->sram2_size)) {
		put(why, cap,
		    "initial SP 0x%08X is outside SRAM1 (0x%08X-0x%08X) and SRAM2 "
		    "(0x%08X-0x%08X)",
		    sp, p->sram1_base, p->sram1_base + p->sram1_size, p->sram2_base,
		    p->sram2_base + p->sram2_size);
		return false;
	}
	if (!(rv & 1)) {
		put(why, cap, "reset vector 0x%08X is even (not a Thumb address)", rv);
		return false;
	}
	if (entry < p->flash_base || (uint64_t)entry >= (uint64_t)p->flash_base + p->flash_size) {
		put(why, cap, "reset vector 0x%08X is outside main flash (0x%08X-0x%08X)", rv,
		    p->flash_base, p->flash_base + p->flash_size - 1);
		return false;
	}
	put(why, cap, "initial SP 0x%08X, reset vector 0x%08X in main flash", sp, rv);
	return true;
}

/* zlib-style CRC-32: dfu_crc32() is the DFU-suffix CRC, which has no final
 * XOR (dfu_file.h), so the result is complemented here. */
uint32_t l4_chip_flash_crc(const struct l4_chip *c, uint32_t len)
{
	if (len == 0 || len > c->p->flash_size)
		len = c->p->flash_size;
	return dfu_crc32(DFU_CRC_INIT, c->flash, len) ^ 0xFFFFFFFFu;
}
