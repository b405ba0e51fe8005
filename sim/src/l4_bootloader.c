/*
 * l4_bootloader.c - the STM32L4 ROM USB DFU bootloader: ST's identity and
 * DfuSe command set (AN3156) on the device core, driven by core's shared
 * DFU state machine (dfu_fsm), acting on the emulated chip.
 *
 * Every answer follows [model-dfuse] (docs/sources.md):
 * a command or block is stored at DNLOAD and runs at the next GETSTATUS,
 * which reports dfuDNBUSY with the modelled duration as bwPollTimeout; the
 * GETSTATUS after that reports dfuDNLOAD-IDLE or dfuERROR. The state
 * machine decides what is legal in which state; this file decides only
 * what a command does to the chip and which status it ends with.
 *
 * Modelling choices made here (docs/sources.md section 7 names the others):
 *  - A malformed command (unknown opcode, wrong length) or a block 1 is
 *    stalled at its DNLOAD: dfuERROR / errSTALLEDPKT.
 *  - Addresses are checked against the selected alt's layout string (parsed
 *    with core's dfuse_layout_parse): Set Address must land in one of its
 *    segments, Erase in an erasable one, writes in writeable ones, reads in
 *    readable ones; otherwise errTARGET. Mass erase needs an alt with an
 *    erasable segment (alt 0).
 *  - A read that runs past the end of the alt's memory is cut there (a
 *    short frame, which ends the upload).
 *  - Writes to the Device Feature alt (3) give errTARGET: no source says
 *    what the L4 ROM keeps there; it reads as zeros.
 *  - Results of the chip map to statuses: PROGERR and a used OTP double word
 *    -> errPROG, read protection -> errVENDOR, address or size -> errTARGET.
 * Quirks (SIM_QUIRK_*, field reports in [model-quirks]) are described where
 * they act.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dfu/dfu_fsm.h"
#include "dfu/dfuse.h"
#include "dfu/dfuse_layout.h"
#include "dfu/error.h"
#include "dfu/usb_desc.h"
#include "sim/l4_bootloader.h"

#define ALT_FLASH 0
#define ALT_OB 1
#define ALT_OTP 2
#define ALT_FEATURE 3

/* SIM_QUIRK_XFER_1024: what an early L43x ROM programs of a longer block
 * ([forum-L432-dfu]: transfers above 1024 bytes corrupt; `-t 1024` fixes
 * them). */
#define QUIRK_XFER_LIMIT 1024

/* SIM_QUIRK_LAYOUT_GARBAGE: text after the alt-0 layout, non-ASCII first,
 * like the BIGTREETECH F429 loader's string that broke dfu-util 0.9. */
#define QUIRK_LAYOUT_GARBAGE "\xC3\xBF\xC3\xBE garbage/0x1234"

/* SIM_QUIRK_OB_POWER_LOSS: the ROM erases the option page and programs it
 * double word by double word; power fails after this many bytes (the OPTR
 * and PCROP1SR pairs), the rest stays erased. */
#define QUIRK_OB_WRITTEN_BYTES 16

#define REQTYPE_TYPE(t) (((t) >> 5) & 3u)
#define REQTYPE_CLASS 1u
#define REQTYPE_RECIPIENT(t) ((t)&0x1Fu)
#define RECIP_INTERFACE 1u

#define ROM_STRING_MANUFACTURER 1
#define ROM_STRING_PRODUCT 2
#define ROM_STRING_SERIAL 3

struct sim_bootloader {
	struct usb_device usb;
	struct dfu_fsm fsm;
	struct l4_chip *chip;
	const struct l4_profile *p;
	struct sim_log *log;
	struct sim_rom_config cfg;
	char serial[32];
	char alt0_name[USB_STRING_MAX_CHARS * 2 + 1];
	struct dfuse_layout layout[L4_ALT_COUNT];
	uint8_t alt;
	uint32_t pointer;
	uint8_t block[SIM_ROM_XFER_MAX];
	uint16_t block_len;
	enum sim_rom_event event;
	uint64_t event_at_us;
};

static void rlog(struct sim_bootloader *r, uint64_t now, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void rlog(struct sim_bootloader *r, uint64_t now, const char *fmt, ...)
{
	char text[SIM_LOG_TEXT];
	va_list ap;

	if (!r->log)
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	sim_logf(r->log, now, "rom: %s", text);
}

static enum dfu_status status_of(int l4_result)
{
	switch (l4_result) {
	case L4_OK:
		return DFU_STATUS_OK;
	case L4_ERR_PROG:
	case L4_ERR_OTP_USED:
		return DFU_STATUS_ERR_PROG;
	case L4_ERR_RDP:
	case L4_ERR_RDP2:
		return DFU_STATUS_ERR_VENDOR; /* AN3156 §3: read protection */
	default:
		return DFU_STATUS_ERR_TARGET;
	}
}

/* ---- the selected alt's memory ---- */

/*
 * How many of `len` bytes from `address` lie in consecutive segments of the
 * selected alt that all have the `need` type bits (0: any segment).
 */
static uint64_t span_in_alt(const struct sim_bootloader *r, uint32_t address, uint64_t len,
			    uint8_t need)
{
	const struct dfuse_layout *l = &r->layout[r->alt];
	uint64_t a = address, end = (uint64_t)address + len;

	while (a < end) {
		const struct dfuse_segment *sg = dfuse_layout_find(l, (uint32_t)a);

		if (!sg || (sg->type & need) != need)
			break;
		a = (uint64_t)sg->end + 1;
	}
	return (a < end ? a : end) - address;
}

static bool in_alt(const struct sim_bootloader *r, uint32_t address, uint64_t len, uint8_t need)
{
	return span_in_alt(r, address, len ? len : 1, need) == (len ? len : 1);
}

static bool alt_has(const struct sim_bootloader *r, uint8_t need)
{
	const struct dfuse_layout *l = &r->layout[r->alt];
	size_t i;

	for (i = 0; i < l->nsegments; i++)
		if ((l->seg[i].type & need) == need)
			return true;
	return false;
}

static const char *alt_name(const struct sim_bootloader *r)
{
	return r->layout[r->alt].name;
}

/* ---- executing a stored command or block ---- */

struct outcome {
	enum dfu_status status;
	uint64_t duration_us;	/* what the operation takes on the chip */
	bool erase;		/* SIM_QUIRK_ERASE_STALL applies */
	enum sim_rom_event event;
};

static void run_command(struct sim_bootloader *r, uint64_t now, struct outcome *o)
{
	struct dfuse_cmd cmd;
	int rc;

	/* Validated at DNLOAD (store_block), so this cannot fail. */
	dfuse_cmd_decode(r->block, r->block_len, &cmd, NULL);
	switch (cmd.kind) {
	case DFUSE_SET_ADDRESS:
		if (!in_alt(r, cmd.address, 1, 0)) {
			rlog(r, now, "SET_ADDRESS 0x%08X is outside \"%s\": errTARGET", cmd.address,
			     alt_name(r));
			o->status = DFU_STATUS_ERR_TARGET;
			return;
		}
		r->pointer = cmd.address;
		return;
	case DFUSE_ERASE_PAGE:
		if (!in_alt(r, cmd.address, 1, DFUSE_MEM_ERASABLE)) {
			rlog(r, now, "ERASE 0x%08X is outside the erasable memory of \"%s\": errTARGET",
			     cmd.address, alt_name(r));
			o->status = DFU_STATUS_ERR_TARGET;
			return;
		}
		rc = l4_flash_erase_page(r->chip, cmd.address, now, &o->duration_us);
		o->erase = true;
		break;
	case DFUSE_MASS_ERASE:
		if (!alt_has(r, DFUSE_MEM_ERASABLE)) {
			rlog(r, now, "mass erase with alt %u \"%s\" selected: nothing erasable, errTARGET",
			     r->alt, alt_name(r));
			o->status = DFU_STATUS_ERR_TARGET;
			return;
		}
		rc = l4_flash_mass_erase(r->chip, now, &o->duration_us);
		o->erase = true;
		break;
	case DFUSE_READ_UNPROTECT:
	default:
		rc = l4_read_unprotect(r->chip, now, &o->duration_us);
		if (rc == L4_OK) {
			/* AN3156 §3/§5.1: the device disconnects and resets; the
			 * reset is an option load ([model-ob-write]). */
			rlog(r, now, "read unprotect done: the device disconnects and resets with "
				     "option-byte reload");
			o->event = SIM_ROM_EV_OPTION_LOAD;
		}
		break;
	}
	o->status = status_of(rc);
	if (o->status != DFU_STATUS_OK)
		rlog(r, now, "%s refused: %s -> %s", dfuse_cmd_name(cmd.kind),
		     l4_result_name((enum l4_result)rc), dfu_status_name(o->status));
}

static int write_flash(struct sim_bootloader *r, uint32_t address, uint64_t now,
		       struct outcome *o)
{
	size_t len = r->block_len;

	if ((r->cfg.quirks & SIM_QUIRK_XFER_1024) && len > QUIRK_XFER_LIMIT &&
	    l4_chip_rdp_level(r->chip) == 0) {
		/* [forum-L432-dfu]: the early L43x ROM corrupts longer
		 * blocks; modelled as only the first 1024 bytes programmed and
		 * OK reported, so only a read-back shows it. */
		rlog(r, now,
		     "quirk XFER_1024: only the first %u of %zu bytes at 0x%08X are programmed; "
		     "OK reported",
		     QUIRK_XFER_LIMIT, len, address);
		len = QUIRK_XFER_LIMIT;
	}
	return l4_flash_program(r->chip, address, r->block, len, now, &o->duration_us);
}

static int write_option_bytes(struct sim_bootloader *r, uint32_t address, uint64_t now,
			      struct outcome *o)
{
	struct l4_chip *c = r->chip;
	int rc = l4_ob_write(c, address, r->block, r->block_len, now, &o->duration_us);

	if (rc != L4_OK)
		return rc;
	if (r->cfg.quirks & SIM_QUIRK_OB_POWER_LOSS) {
		/* Documented outcome: the OB page was erased and only its first
		 * double words were programmed when power failed. At the next
		 * power-on the option load finds the remaining words not matching
		 * their complements (OPTVERR) and loads them as all ones, as the
		 * chip model does for a mismatch. */
		memset(c->ob_flash + QUIRK_OB_WRITTEN_BYTES, 0xFF,
		       (size_t)r->p->ob_size - QUIRK_OB_WRITTEN_BYTES);
		c->mutations++;
		rlog(r, now,
		     "quirk OB_POWER_LOSS: power lost after %u of %u option bytes; the rest of "
		     "the option page stays erased",
		     QUIRK_OB_WRITTEN_BYTES, r->p->ob_size);
		o->event = SIM_ROM_EV_POWER_LOSS;
		return rc;
	}
	/* AN3156 §5.1: the ROM resets after an option write and answers no
	 * second GETSTATUS; the reset is an option load ([model-ob-write]). */
	rlog(r, now, "option bytes written: the device disconnects and resets with option-byte "
		     "reload");
	o->event = SIM_ROM_EV_OPTION_LOAD;
	return rc;
}

static void run_write(struct sim_bootloader *r, uint16_t block, uint64_t now, struct outcome *o)
{
	uint32_t address;
	int rc;

	if (dfuse_block_address(r->pointer, block, r->p->transfer_size, &address) != 0 ||
	    !in_alt(r, address, r->block_len, DFUSE_MEM_WRITEABLE)) {
		rlog(r, now, "write of %u bytes (block %u, pointer 0x%08X) is outside the writeable "
			     "memory of \"%s\": errTARGET",
		     r->block_len, block, r->pointer, alt_name(r));
		o->status = DFU_STATUS_ERR_TARGET;
		return;
	}
	switch (r->alt) {
	case ALT_FLASH:
		rc = write_flash(r, address, now, o);
		break;
	case ALT_OB:
		rc = write_option_bytes(r, address, now, o);
		break;
	case ALT_OTP:
		rc = l4_otp_program(r->chip, address, r->block, r->block_len, now, &o->duration_us);
		break;
	default:
		rlog(r, now, "write to \"%s\" at 0x%08X: not writable in this model, errTARGET",
		     alt_name(r), address);
		o->status = DFU_STATUS_ERR_TARGET;
		return;
	}
	o->status = status_of(rc);
	if (o->status != DFU_STATUS_OK)
		rlog(r, now, "write of %u bytes at 0x%08X refused: %s -> %s", r->block_len,
		     address, l4_result_name((enum l4_result)rc), dfu_status_name(o->status));
}

/* DFU_ACT_EXECUTE: run what the DNLOAD stored, tell the machine. */
static void execute(struct sim_bootloader *r, const struct dfu_step *step, uint64_t now)
{
	struct outcome o = { DFU_STATUS_OK, 0, false, SIM_ROM_EV_NONE };
	uint32_t poll_ms;

	if (step->block == 0)
		run_command(r, now, &o);
	else
		run_write(r, step->block, now, &o);

	if (o.erase && (r->cfg.quirks & SIM_QUIRK_ERASE_STALL)) {
		/* L4 erase stall (dfu-util 0.10 ChangeLog): the poll timeout is
		 * shorter than the erase, and GETSTATUS stalls until it is done
		 * (see rom_control). Modelled as half the real time, even in
		 * instant mode, where the erase then takes its datasheet time. */
		uint64_t real = o.duration_us ? o.duration_us : r->p->timing.page_erase_us;

		o.duration_us = real;
		poll_ms = dfu_poll_ms(real) / 2;
		if (poll_ms == 0)
			poll_ms = 1;
		rlog(r, now, "quirk ERASE_STALL: reporting %u ms for an erase of %u ms", poll_ms,
		     dfu_poll_ms(real));
	} else if (r->cfg.timing == SIM_TIMING_INSTANT) {
		o.duration_us = 0;
		poll_ms = 0;
	} else {
		poll_ms = dfu_poll_ms(o.duration_us);
	}
	dfu_fsm_op_done(&r->fsm, o.status, o.duration_us, poll_ms, now);
	if (o.event != SIM_ROM_EV_NONE) {
		r->event = o.event;
		r->event_at_us = now + o.duration_us;
	}
}

/* ---- requests ---- */

static enum usb_xfer_result refuse(struct sim_bootloader *r, enum dfu_status status)
{
	dfu_fsm_fail(&r->fsm, status);
	return USB_XFER_STALL;
}

/* DFU_ACT_STORE_BLOCK: keep the bytes; a bad command or block 1 is
 * refused now, with a stall. */
static enum usb_xfer_result store_block(struct sim_bootloader *r, struct usb_ctrl_xfer *x,
					const struct dfu_step *step)
{
	struct dfu_diag diag;
	struct dfuse_cmd cmd;

	if (step->block == 0 && dfuse_cmd_decode(x->out, step->length, &cmd, &diag) != 0) {
		rlog(r, x->now_us, "DNLOAD block 0: %s: errSTALLEDPKT", diag.msg);
		return refuse(r, DFU_STATUS_ERR_STALLEDPKT);
	}
	if (step->block == 1) {
		/* AN3156 §4: wBlockNum 1 has no defined use. */
		rlog(r, x->now_us, "DNLOAD block 1 has no meaning in DfuSe: errSTALLEDPKT");
		return refuse(r, DFU_STATUS_ERR_STALLEDPKT);
	}
	memcpy(r->block, x->out, step->length);
	r->block_len = step->length;
	return USB_XFER_OK;
}

static enum usb_xfer_result upload(struct sim_bootloader *r, struct usb_ctrl_xfer *x,
				   const struct dfu_step *step)
{
	uint8_t buf[SIM_ROM_XFER_MAX];
	uint32_t address;
	uint64_t n;
	int rc;

	if (step->block == 0) {
		/* Get Commands (AN3156 §4.2): 00 21 41 92. */
		rc = dfuse_get_commands_encode(DFUSE_HAS_SET_ADDRESS | DFUSE_HAS_ERASE |
						       DFUSE_HAS_READ_UNPROTECT,
					       buf, sizeof(buf));
		usb_ctrl_reply(x, buf, (size_t)rc);
		dfu_fsm_upload_done(&r->fsm, x->actual, step->length);
		return USB_XFER_OK;
	}
	if (step->block == 1) {
		rlog(r, x->now_us, "UPLOAD block 1 has no meaning in DfuSe: errSTALLEDPKT");
		return refuse(r, DFU_STATUS_ERR_STALLEDPKT);
	}
	/* AN3156: (wBlockNum - 2) * wTransferSize + pointer, with the ROM's own
	 * transfer size, so a shorter last request reads the right place. */
	if (dfuse_block_address(r->pointer, step->block, r->p->transfer_size, &address) != 0 ||
	    (n = span_in_alt(r, address, step->length, DFUSE_MEM_READABLE)) == 0) {
		rlog(r, x->now_us, "read of %u bytes (block %u, pointer 0x%08X) is outside the "
				   "readable memory of \"%s\": errTARGET",
		     step->length, step->block, r->pointer, alt_name(r));
		return refuse(r, DFU_STATUS_ERR_TARGET);
	}
	rc = l4_mem_read(r->chip, address, buf, (size_t)n);
	if (rc != L4_OK) {
		rlog(r, x->now_us, "read at 0x%08X refused: %s", address,
		     l4_result_name((enum l4_result)rc));
		return refuse(r, status_of(rc));
	}
	usb_ctrl_reply(x, buf, (size_t)n);
	dfu_fsm_upload_done(&r->fsm, x->actual, step->length);
	return USB_XFER_OK;
}

static enum usb_xfer_result leave(struct sim_bootloader *r, struct usb_ctrl_xfer *x)
{
	/* AN3156 §5.5: the GETSTATUS after the zero-length DNLOAD answers
	 * dfuMANIFEST; then the device disconnects and leaves. */
	dfu_fsm_op_done(&r->fsm, DFU_STATUS_OK, 0, 0, x->now_us);
	r->event = SIM_ROM_EV_LEAVE;
	r->event_at_us = x->now_us;
	if (r->cfg.quirks & SIM_QUIRK_LEAVE_NO_STATUS) {
		/* ST middleware behaviour: gone before the status goes out, so
		 * dfu-util reports "Error during download get_status". */
		rlog(r, x->now_us, "leave (address pointer 0x%08X); quirk LEAVE_NO_STATUS: the "
				   "device disconnects without answering GETSTATUS",
		     r->pointer);
		return USB_XFER_NO_ANSWER;
	}
	rlog(r, x->now_us, "leave (address pointer 0x%08X): answering dfuMANIFEST, then the "
			   "device disconnects",
	     r->pointer);
	return usb_ctrl_reply_dfu_status(x, &r->fsm);
}

static enum usb_xfer_result rom_control(void *ctx, struct usb_device *dev,
					struct usb_ctrl_xfer *x)
{
	struct sim_bootloader *r = ctx;
	const struct dfu_setup *s = &x->setup;
	struct dfu_step step;

	(void)dev;
	if (REQTYPE_TYPE(s->bmRequestType) != REQTYPE_CLASS ||
	    REQTYPE_RECIPIENT(s->bmRequestType) != RECIP_INTERFACE)
		return USB_XFER_STALL; /* no vendor requests, no class requests elsewhere */

	if ((r->cfg.quirks & SIM_QUIRK_ERASE_STALL) && s->bRequest == DFU_GETSTATUS &&
	    s->bmRequestType == DFU_REQTYPE_IN && dfu_fsm_busy(&r->fsm, x->now_us)) {
		/* The L4 erase stall: still erasing, the pipe stalls and the
		 * state does not change (dfu-util >= 0.10 retries). */
		rlog(r, x->now_us, "quirk ERASE_STALL: GETSTATUS stalled, erase still running");
		return USB_XFER_STALL;
	}

	switch (dfu_fsm_request(&r->fsm, s, x->now_us, &step)) {
	case DFU_ACT_STALL:
		rlog(r, x->now_us, "%s (wValue %u, wLength %u) stalled in %s",
		     dfu_request_name(s->bRequest), s->wValue, s->wLength,
		     dfu_state_name(step.from));
		return USB_XFER_STALL;
	case DFU_ACT_IGNORE:
		return USB_XFER_NO_ANSWER;
	case DFU_ACT_ACK:
		return USB_XFER_OK;
	case DFU_ACT_STORE_BLOCK:
		return store_block(r, x, &step);
	case DFU_ACT_EXECUTE:
		execute(r, &step, x->now_us);
		return usb_ctrl_reply_dfu_status(x, &r->fsm);
	case DFU_ACT_MANIFEST:
		return leave(r, x);
	case DFU_ACT_UPLOAD:
		return upload(r, x, &step);
	case DFU_ACT_STATUS:
		return usb_ctrl_reply_dfu_status(x, &r->fsm);
	case DFU_ACT_STATE:
		return usb_ctrl_reply_dfu_state(x, &r->fsm);
	case DFU_ACT_DETACH:
	default:
		return USB_XFER_STALL; /* the ROM is never in appIDLE */
	}
}

static void rom_set_alt(void *ctx, uint8_t intf, uint8_t alt)
{
	struct sim_bootloader *r = ctx;

	(void)intf;
	r->alt = alt;
}

/* ---- construction ---- */

static int build_usb(struct sim_bootloader *r)
{
	const struct l4_profile *p = r->p;
	const struct usb_device_desc dd = {
		.bcdUSB = 0x0100, /* modelling choice: STM32F4 ROM dumps, [forum-stm32f4-lsusb] */
		.bDeviceClass = 0,
		.bDeviceSubClass = 0,
		.bDeviceProtocol = 0,
		.bMaxPacketSize0 = 64,
		.idVendor = SIM_ROM_VID,
		.idProduct = SIM_ROM_PID,
		.bcdDevice = p->usb_bcd_device,
		.iManufacturer = ROM_STRING_MANUFACTURER,
		.iProduct = ROM_STRING_PRODUCT,
		.iSerialNumber = ROM_STRING_SERIAL,
		.bNumConfigurations = 1,
	};
	const struct usb_config_desc cd = {
		.bConfigurationValue = 1,
		.iConfiguration = 0,
		.bmAttributes = USB_CONFIG_ATT_ONE | USB_CONFIG_ATT_SELFPOWER,
		.bMaxPower = 50, /* 100 mA */
	};
	const struct usb_class_driver drv = {
		.control = rom_control,
		.set_alt = rom_set_alt,
		.ctx = r,
	};
	const struct dfu_func_desc fd = {
		.bmAttributes = SIM_ROM_ATTRIBUTES,
		.wDetachTimeOut = SIM_ROM_DETACH_TIMEOUT,
		.wTransferSize = p->transfer_size,
		.bcdDFUVersion = DFU_BCD_DFUSE,
	};
	uint8_t func[DFU_FUNC_DESC_SIZE];
	int rc, i;

	rc = usb_device_init(&r->usb, &dd, &cd, &drv);
	if (rc == 0 && usb_device_add_string(&r->usb, SIM_ROM_MANUFACTURER) < 0)
		rc = DFU_E_INVAL;
	if (rc == 0 && usb_device_add_string(&r->usb, SIM_ROM_PRODUCT) < 0)
		rc = DFU_E_INVAL;
	if (rc == 0 && usb_device_add_string(&r->usb, r->serial) < 0)
		rc = DFU_E_INVAL;
	for (i = 0; rc == 0 && i < L4_ALT_COUNT; i++) {
		const char *name = i == 0 ? r->alt0_name : p->alt_names[i];
		int index = usb_device_add_string(&r->usb, name);
		struct usb_interface_desc id = {
			.bInterfaceNumber = 0,
			.bAlternateSetting = (uint8_t)i,
			.bNumEndpoints = 0,
			.bInterfaceClass = USB_CLASS_APP_SPEC,
			.bInterfaceSubClass = USB_SUBCLASS_DFU,
			.bInterfaceProtocol = USB_PROTO_DFU_MODE,
		};

		if (index < 0)
			return DFU_E_INVAL;
		id.iInterface = (uint8_t)index;
		rc = usb_device_add_interface(&r->usb, &id);
	}
	/* ST's ROM puts the functional descriptor once, after the last alt. */
	if (rc == 0)
		rc = dfu_func_desc_encode(&fd, func, sizeof(func)) < 0 ? DFU_E_INVAL : 0;
	if (rc == 0)
		rc = usb_device_add_raw(&r->usb, func, sizeof(func));
	return rc;
}

int sim_bootloader_new(struct sim_bootloader **out, struct l4_chip *chip, struct sim_log *log,
		       const struct sim_rom_config *cfg)
{
	struct sim_bootloader *r;
	const struct l4_profile *p;
	int rc = 0, i;

	*out = NULL;
	if (!chip || !chip->p || !cfg)
		return DFU_E_INVAL;
	p = chip->p;
	if (p->transfer_size == 0 || p->transfer_size > SIM_ROM_XFER_MAX)
		return DFU_E_INVAL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return DFU_E_NOMEM;
	r->chip = chip;
	r->p = p;
	r->log = log;
	r->cfg = *cfg;
	snprintf(r->serial, sizeof(r->serial), "%s", cfg->serial ? cfg->serial : "");
	r->cfg.serial = r->serial;
	snprintf(r->alt0_name, sizeof(r->alt0_name), "%s%s", p->alt_names[0],
		 (cfg->quirks & SIM_QUIRK_LAYOUT_GARBAGE) ? QUIRK_LAYOUT_GARBAGE : "");

	for (i = 0; rc == 0 && i < L4_ALT_COUNT; i++)
		if (!p->alt_names[i] ||
		    dfuse_layout_parse(p->alt_names[i], strlen(p->alt_names[i]), &r->layout[i],
				       NULL) != 0)
			rc = DFU_E_INVAL;
	if (rc == 0)
		rc = build_usb(r);
	if (rc) {
		free(r);
		return rc;
	}
	sim_bootloader_start(r, 0);
	*out = r;
	return DFU_OK;
}

void sim_bootloader_free(struct sim_bootloader *r)
{
	free(r);
}

void sim_bootloader_start(struct sim_bootloader *r, uint64_t now_us)
{
	const struct dfu_fsm_config fc = {
		.attributes = SIM_ROM_ATTRIBUTES,
		.dfuse = true,
		.transfer_size = r->p->transfer_size,
		.detach_timeout_ms = SIM_ROM_DETACH_TIMEOUT,
	};

	(void)now_us;
	dfu_fsm_init(&r->fsm, &fc, DFU_STATE_IDLE);
	usb_device_bus_reset(&r->usb);
	r->alt = 0;
	r->pointer = r->p->flash_base; /* AN3156: the default address pointer */
	r->block_len = 0;
	r->event = SIM_ROM_EV_NONE;
	r->event_at_us = 0;
}

struct usb_device *sim_bootloader_usb(struct sim_bootloader *r)
{
	return &r->usb;
}

void sim_bootloader_bus_reset(struct sim_bootloader *r, uint64_t now_us)
{
	usb_device_bus_reset(&r->usb);
	r->alt = 0;
	/* DFU 1.1 §6: a bus reset in DFU mode returns to dfuIDLE. */
	dfu_fsm_usb_reset(&r->fsm, now_us);
	rlog(r, now_us, "USB bus reset: %s", dfu_state_name(dfu_fsm_state(&r->fsm)));
}

enum sim_rom_event sim_bootloader_take_event(struct sim_bootloader *r, uint64_t *at_us)
{
	enum sim_rom_event ev = r->event;

	if (at_us)
		*at_us = r->event_at_us;
	r->event = SIM_ROM_EV_NONE;
	return ev;
}

uint32_t sim_bootloader_pointer(const struct sim_bootloader *r)
{
	return r->pointer;
}

const struct dfu_fsm *sim_bootloader_fsm(const struct sim_bootloader *r)
{
	return &r->fsm;
}
