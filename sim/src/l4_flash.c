/*
 * l4_flash.c - memory operations of the emulated STM32L4 as the ROM
 * bootloader performs them: read, double-word programming, page and mass
 * erase, write protection, option-byte write, Read Unprotect and OTP.
 *
 * Rules: RM0394 (PROGERR unless the double word is erased or the new value
 * is all zeros), AN3156 (WRP pages are silently left unchanged, RDP refuses
 * read/write/erase of main flash, the option block is written whole),
 * [optr-layout], [ob-block] and [model-dfuse] in docs/sources.md. Everything
 * else is a modelling choice named where it is made, and listed in
 * docs/sources.md section 7.
 */
#include <stdio.h>
#include <string.h>

#include "dfu/bytes.h"
#include "l4_internal.h"
#include "sim/l4_chip.h"

#define DWORD 8u

/* [address, address + len) lies inside [base, base + size); for len 0 the
 * address itself must be inside. 64-bit arithmetic: no wrap at 4 GiB. */
static bool in_region(uint32_t base, uint32_t size, uint32_t address, size_t len)
{
	uint64_t a = address, b = base, e = (uint64_t)base + size;

	return a >= b && a < e && a + len <= e;
}

static bool all_bytes(const uint8_t *p, size_t n, uint8_t v)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != v)
			return false;
	return true;
}

/* The double word at `dw_addr` as a write of [address, address + len)
 * sees it: bytes the write does not cover are 0xFF (modelling choice: a
 * partial double word is padded with the erased value, at either end). */
static void dword_image(uint32_t dw_addr, uint32_t address, const uint8_t *data, size_t len,
			uint8_t out[DWORD], size_t *covered)
{
	uint64_t first = address, last = (uint64_t)address + len;
	unsigned i;

	*covered = 0;
	for (i = 0; i < DWORD; i++) {
		uint64_t a = (uint64_t)dw_addr + i;

		if (a >= first && a < last) {
			out[i] = data[a - first];
			(*covered)++;
		} else {
			out[i] = 0xFF;
		}
	}
}

static void set_duration(uint64_t *duration_us, uint64_t v)
{
	if (duration_us)
		*duration_us = v;
}

/* ---- write protection ---- */

static void wrp_pages(const struct l4_chip *c, uint32_t reg, uint32_t *start, uint32_t *end)
{
	struct l4_wrp_area a;

	/* Only the low bits of STRT/END the layout gives the part exist
	 * ([CMSIS-L4]); the bits above read back as programmed but do not
	 * take part. */
	l4_wrp_decode(c->p->ob_layout, reg, &a);
	*start = a.start;
	*end = a.end;
}

bool l4_flash_wrp_describe(const struct l4_chip *c, uint32_t page, char *out, size_t cap)
{
	static const char *const names[2] = { "WRP1A", "WRP1B" };
	uint32_t regs[2] = { c->wrp1ar, c->wrp1br };
	unsigned i;

	for (i = 0; i < 2; i++) {
		uint32_t s, e;

		wrp_pages(c, regs[i], &s, &e);
		/* start > end: area disabled (RM0394). */
		if (s <= e && page >= s && page <= e) {
			if (out)
				snprintf(out, cap, "%s pages %u-%u", names[i], s, e);
			return true;
		}
	}
	return false;
}

bool l4_flash_page_protected(const struct l4_chip *c, uint32_t page)
{
	if (page >= l4_profile_pages(c->p))
		return false;
	return l4_flash_wrp_describe(c, page, NULL, 0);
}

/* ---- read ---- */

int l4_mem_read(const struct l4_chip *c, uint32_t address, uint8_t *out, size_t len)
{
	const struct l4_profile *p = c->p;
	uint8_t size_reg[2], bl_id[1], feature[4];
	const struct {
		uint32_t base, size;
		const uint8_t *bytes;
	} regions[] = {
		{ p->ob_base, p->ob_size, c->ob_flash },
		{ p->otp_base, p->otp_size, c->otp },
		{ p->uid_addr, L4_UID_SIZE, c->uid },
		{ p->flash_size_reg_addr, sizeof(size_reg), size_reg },
		{ p->bootloader_id_addr, sizeof(bl_id), bl_id },
		/* Modelling choice: the "Device Feature" alt is 4 bytes that read
		 * as zeros; no source says what the L4 ROM puts there. */
		{ p->feature_base, sizeof(feature), feature },
	};
	size_t i;

	if (in_region(p->flash_base, p->flash_size, address, len)) {
		int level = l4_chip_rdp_level(c);

		if (level >= 1) {
			l4_chip_log(c, "flash: read refused, RDP level %d (%zu bytes at 0x%08X)",
				    level, len, address);
			return L4_ERR_RDP;
		}
		if (len)
			memcpy(out, c->flash + (address - p->flash_base), len);
		return L4_OK;
	}

	/* KiB, LE16 ([OpenOCD-L4], [CubeProg-DB]) */
	dfu_put_le16(size_reg, (uint16_t)(p->flash_size / 1024));
	bl_id[0] = p->bootloader_id;
	memset(feature, 0, sizeof(feature));
	for (i = 0; i < sizeof(regions) / sizeof(regions[0]); i++) {
		if (in_region(regions[i].base, regions[i].size, address, len)) {
			if (len)
				memcpy(out, regions[i].bytes + (address - regions[i].base), len);
			return L4_OK;
		}
	}
	l4_chip_log(c, "mem: read of %zu bytes at 0x%08X refused: no readable memory there", len,
		    address);
	return L4_ERR_ADDRESS;
}

/* ---- main flash ---- */

static int check_flash_op(const struct l4_chip *c, const char *what, uint32_t address,
			  size_t len)
{
	const struct l4_profile *p = c->p;
	int level;

	if (!in_region(p->flash_base, p->flash_size, address, len)) {
		l4_chip_log(c,
			    "flash: %s of %zu bytes at 0x%08X refused: outside main flash "
			    "(0x%08X-0x%08X)",
			    what, len, address, p->flash_base, p->flash_base + p->flash_size - 1);
		return L4_ERR_ADDRESS;
	}
	level = l4_chip_rdp_level(c);
	if (level >= 1) {
		l4_chip_log(c, "flash: %s refused at 0x%08X, RDP level %d", what, address, level);
		return L4_ERR_RDP;
	}
	return L4_OK;
}

int l4_flash_program(struct l4_chip *c, uint32_t address, const uint8_t *data, size_t len,
		     uint64_t now_us, uint64_t *duration_us)
{
	const struct l4_profile *p = c->p;
	uint32_t dw_addr, end, ignored_page = UINT32_MAX;
	uint64_t dwords = 0;
	size_t written = 0;
	int rc;

	c->now_us = now_us;
	set_duration(duration_us, 0);
	rc = check_flash_op(c, "write", address, len);
	if (rc || len == 0)
		return rc;

	/* Programming is by 64-bit double word (RM0394). in_region() holds,
	 * and the flash size is a multiple of 8, so `end` does not wrap. */
	end = (uint32_t)(((uint64_t)address + len + DWORD - 1) & ~(uint64_t)(DWORD - 1));
	for (dw_addr = address & ~(DWORD - 1); dw_addr < end; dw_addr += DWORD) {
		uint32_t off = dw_addr - p->flash_base;
		uint32_t page = off / p->page_size;
		uint8_t dw[DWORD];
		size_t covered;
		char area[40];

		dword_image(dw_addr, address, data, len, dw, &covered);
		if (l4_flash_wrp_describe(c, page, area, sizeof(area))) {
			/* AN3156: no error for a write-protected page; the flash keeps
			 * its content and only a read-back shows it. */
			if (page != ignored_page)
				l4_chip_log(c, "flash: page %u is write-protected (%s): write ignored",
					    page, area);
			ignored_page = page;
			continue;
		}
		if (!all_bytes(c->flash + off, DWORD, 0xFF) && !all_bytes(dw, DWORD, 0x00)) {
			/* RM0394 PROGERR: the double word is not erased and the new
			 * value is not all zeros. Earlier double words stay written. */
			if (written)
				l4_chip_log(c,
					    "flash: PROGERR at 0x%08X: double word not erased "
					    "(%zu bytes before it were programmed)",
					    dw_addr, written);
			else
				l4_chip_log(c, "flash: PROGERR at 0x%08X: double word not erased",
					    dw_addr);
			set_duration(duration_us, dwords * p->timing.program_dword_us);
			return L4_ERR_PROG;
		}
		memcpy(c->flash + off, dw, DWORD);
		c->mutations++;
		dwords++;
		written += covered;
	}
	if (written)
		l4_chip_log(c, "flash: programmed %zu bytes at 0x%08X", written, address);
	/* Only programmed double words take time; a WRP refusal is immediate. */
	set_duration(duration_us, dwords * p->timing.program_dword_us);
	return L4_OK;
}

int l4_flash_erase_page(struct l4_chip *c, uint32_t address, uint64_t now_us,
			uint64_t *duration_us)
{
	const struct l4_profile *p = c->p;
	uint32_t page, page_addr;
	char area[40];
	int rc;

	c->now_us = now_us;
	set_duration(duration_us, 0);
	rc = check_flash_op(c, "erase", address, 1);
	if (rc)
		return rc;
	page = (address - p->flash_base) / p->page_size;
	page_addr = p->flash_base + page * p->page_size;
	if (l4_flash_wrp_describe(c, page, area, sizeof(area))) {
		l4_chip_log(c, "flash: page %u is write-protected (%s): erase ignored", page, area);
		return L4_OK;
	}
	memset(c->flash + (page_addr - p->flash_base), 0xFF, p->page_size);
	c->mutations++;
	l4_chip_log(c, "flash: erased page %u (0x%08X)", page, page_addr);
	set_duration(duration_us, p->timing.page_erase_us);
	return L4_OK;
}

int l4_flash_mass_erase(struct l4_chip *c, uint64_t now_us, uint64_t *duration_us)
{
	const struct l4_profile *p = c->p;
	uint32_t page, pages = l4_profile_pages(p), kept = 0;
	int level;

	c->now_us = now_us;
	set_duration(duration_us, 0);
	level = l4_chip_rdp_level(c);
	if (level >= 1) {
		l4_chip_log(c, "flash: mass erase refused, RDP level %d", level);
		return L4_ERR_RDP;
	}
	/* Modelling choice: write-protected pages are kept and the rest erased,
	 * like the page erase (real hardware may refuse the whole mass erase
	 * with WRPERR; the ROM reports neither). */
	for (page = 0; page < pages; page++) {
		if (l4_flash_page_protected(c, page)) {
			kept++;
			continue;
		}
		memset(c->flash + (size_t)page * p->page_size, 0xFF, p->page_size);
		c->mutations++;
	}
	if (kept)
		l4_chip_log(c, "flash: mass erase: %u pages erased, %u write-protected pages kept",
			    pages - kept, kept);
	else
		l4_chip_log(c, "flash: mass erase: all %u pages erased", pages);
	set_duration(duration_us, p->timing.mass_erase_us);
	return L4_OK;
}

void l4_flash_erase_all(struct l4_chip *c)
{
	memset(c->flash, 0xFF, c->p->flash_size);
	c->mutations++;
}

/* ---- option bytes ---- */

int l4_ob_write(struct l4_chip *c, uint32_t address, const uint8_t *data, size_t len,
		uint64_t now_us, uint64_t *duration_us)
{
	const struct l4_profile *p = c->p;
	uint32_t optr, wrp1ar, wrp1br;
	uint64_t d = p->timing.ob_program_us;
	int old_level = l4_chip_rdp_level(c), new_level;
	char text[SIM_LOG_TEXT];

	c->now_us = now_us;
	set_duration(duration_us, 0);
	if (old_level == 2) {
		/* RDP level 2 locks the option bytes for good (RM0394). */
		l4_chip_log(c, "ob: write refused: RDP level 2 is permanent");
		return L4_ERR_RDP2;
	}
	if (address != p->ob_base) {
		l4_chip_log(c,
			    "ob: write at 0x%08X refused: the option bytes are written as one "
			    "block from 0x%08X",
			    address, p->ob_base);
		return L4_ERR_ADDRESS;
	}
	if (len < p->ob_min_write || len > p->ob_size) {
		l4_chip_log(c, "ob: write of %zu bytes refused: the block takes %u to %u bytes", len,
			    p->ob_min_write, p->ob_size);
		return L4_ERR_SIZE;
	}

	/* Only the register words count: the complements are the hardware's
	 * business and are regenerated (modelling choice; [CubeProg-DB] layout,
	 * [ob-block]). PCROP cannot be written through the ROM ([AN2606] known
	 * limitation). */
	optr = dfu_get_le32(data + L4_OB_OPTR) | p->ob_layout->optr_reserved;
	wrp1ar = dfu_get_le32(data + L4_OB_WRP1AR);
	wrp1br = dfu_get_le32(data + L4_OB_WRP1BR);
	new_level = l4_rdp_level((uint8_t)optr);

	if (old_level == 1 && new_level == 0) {
		/* RM0394: regression from level 1 to 0 mass-erases main flash. */
		l4_flash_erase_all(c);
		d += p->timing.mass_erase_us;
		l4_chip_log(c, "ob: RDP level 1 -> 0: main flash mass-erased");
	}
	l4_ob_put(c, L4_OB_OPTR, optr);
	l4_ob_put(c, L4_OB_WRP1AR, wrp1ar);
	l4_ob_put(c, L4_OB_WRP1BR, wrp1br);
	l4_chip_log(c,
		    "ob: option bytes written: OPTR 0x%08X, WRP1AR 0x%08X, WRP1BR 0x%08X; "
		    "effective at the next option load or power-on",
		    optr, wrp1ar, wrp1br);
	l4_optr_format(optr, text, sizeof(text));
	l4_chip_log(c, "ob: new OPTR %s", text);
	if (new_level == 2)
		/* The chip does not judge: guarding 0xCC is the host's job. */
		l4_chip_log(c, "ob: RDP byte 0xCC written: level 2 at the next option load is "
			       "irreversible");
	set_duration(duration_us, d);
	return L4_OK;
}

int l4_read_unprotect(struct l4_chip *c, uint64_t now_us, uint64_t *duration_us)
{
	const struct l4_profile *p = c->p;
	uint32_t optr;

	c->now_us = now_us;
	set_duration(duration_us, 0);
	if (l4_chip_rdp_level(c) == 2) {
		l4_chip_log(c, "ob: read unprotect refused: RDP level 2 is permanent");
		return L4_ERR_RDP2;
	}
	/* AN3156 §5.1: Read Unprotect fully erases flash (write protection or
	 * not) and sets level 0; the other option bits are kept. */
	l4_flash_erase_all(c);
	optr = dfu_get_le32(c->ob_flash + L4_OB_OPTR);
	optr = (optr & ~0xFFu) | L4_RDP_LEVEL0;
	l4_ob_put(c, L4_OB_OPTR, optr | p->ob_layout->optr_reserved);
	l4_chip_log(c, "ob: read unprotect: main flash mass-erased, RDP byte set to 0xAA; "
		       "effective at the next option load");
	set_duration(duration_us, (uint64_t)p->timing.mass_erase_us + p->timing.ob_program_us);
	return L4_OK;
}

/* ---- OTP ---- */

int l4_otp_program(struct l4_chip *c, uint32_t address, const uint8_t *data, size_t len,
		   uint64_t now_us, uint64_t *duration_us)
{
	const struct l4_profile *p = c->p;
	uint32_t dw_addr, end;
	uint64_t dwords = 0;
	size_t written = 0;

	c->now_us = now_us;
	set_duration(duration_us, 0);
	if (!in_region(p->otp_base, p->otp_size, address, len)) {
		l4_chip_log(c, "otp: write of %zu bytes at 0x%08X refused: outside OTP", len,
			    address);
		return L4_ERR_ADDRESS;
	}
	if (len == 0)
		return L4_OK;
	end = (uint32_t)(((uint64_t)address + len + DWORD - 1) & ~(uint64_t)(DWORD - 1));
	for (dw_addr = address & ~(DWORD - 1); dw_addr < end; dw_addr += DWORD) {
		uint32_t off = dw_addr - p->otp_base;
		uint8_t dw[DWORD];
		size_t covered;

		dword_image(dw_addr, address, data, len, dw, &covered);
		/* OTP is written once per double word (RM0394); in order, so
		 * double words before a used one stay written, as on hardware. */
		if (!all_bytes(c->otp + off, DWORD, 0xFF)) {
			l4_chip_log(c, "otp: double word at 0x%08X already programmed: write refused",
				    dw_addr);
			set_duration(duration_us, dwords * p->timing.program_dword_us);
			return L4_ERR_OTP_USED;
		}
		memcpy(c->otp + off, dw, DWORD);
		c->mutations++;
		dwords++;
		written += covered;
	}
	l4_chip_log(c, "otp: programmed %zu bytes at 0x%08X", written, address);
	set_duration(duration_us, dwords * p->timing.program_dword_us);
	return L4_OK;
}
