/*
 * l4_app.c - the application model: a vector-table check, and, for
 * SIM_APP_DFU_RUNTIME, a DFU 1.1 run-time interface (appIDLE) served by
 * core's shared state machine whose DETACH sends the application to the ROM
 * bootloader.
 *
 * The run-time functional descriptor has bitWillDetach set, so on DETACH
 * the application detaches itself at once (DFU 1.1 §5.1) instead of waiting
 * for a bus reset; hosts then wait for the DFU-mode device (dfu-util does).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dfu/bytes.h"
#include "dfu/error.h"
#include "dfu/usb_desc.h"
#include "sim/l4_app.h"

#define REQTYPE_TYPE(t) (((t) >> 5) & 3u)
#define REQTYPE_CLASS 1u
#define REQTYPE_RECIPIENT(t) ((t)&0x1Fu)
#define RECIP_INTERFACE 1u

struct sim_app {
	struct usb_device usb;
	struct dfu_fsm fsm;
	struct l4_chip *chip;
	struct sim_log *log;
	enum sim_app_model model;
	char serial[32];
	bool running;
	bool detach;
	uint32_t vtor;
	uint32_t crc;
	char why[160];
};

static void alog(const struct sim_app *a, uint64_t now, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void alog(const struct sim_app *a, uint64_t now, const char *fmt, ...)
{
	char text[SIM_LOG_TEXT];
	va_list ap;

	if (!a->log)
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	sim_logf(a->log, now, "app: %s", text);
}

/* SP may equal the end of SRAM: the stack is full-descending. */
static bool sp_in(uint32_t sp, uint32_t base, uint32_t size)
{
	return size && sp >= base && (uint64_t)sp <= (uint64_t)base + size;
}

bool sim_app_vector_valid(const struct l4_chip *c, uint32_t vtor, char *why, size_t cap)
{
	const struct l4_profile *p = c->p;
	uint32_t sp, rv, entry;

	if (vtor == p->flash_base)
		return l4_chip_app_valid(c, why, cap);
	/* The same rule at another address (the ROM's leave jump). */
	if (vtor < p->flash_base || (uint64_t)vtor + 8 > (uint64_t)p->flash_base + p->flash_size ||
	    (vtor & 3)) {
		snprintf(why, cap, "vector table address 0x%08X is not a word in main flash", vtor);
		return false;
	}
	sp = dfu_get_le32(c->flash + (vtor - p->flash_base));
	rv = dfu_get_le32(c->flash + (vtor - p->flash_base) + 4);
	entry = rv & ~1u;
	if (!sp_in(sp, p->sram1_base, p->sram1_size) && !sp_in(sp, p->sram2_base, p->sram2_size)) {
		snprintf(why, cap, "initial SP 0x%08X at 0x%08X is outside SRAM1 and SRAM2", sp, vtor);
		return false;
	}
	if (!(rv & 1) || entry < p->flash_base ||
	    (uint64_t)entry >= (uint64_t)p->flash_base + p->flash_size) {
		snprintf(why, cap, "reset vector 0x%08X at 0x%08X is not a Thumb address in main "
				   "flash",
			 rv, vtor + 4);
		return false;
	}
	snprintf(why, cap, "initial SP 0x%08X, reset vector 0x%08X in main flash", sp, rv);
	return true;
}

/* ---- the run-time DFU interface ---- */

static enum usb_xfer_result app_control(void *ctx, struct usb_device *dev, struct usb_ctrl_xfer *x)
{
	struct sim_app *a = ctx;
	const struct dfu_setup *s = &x->setup;
	struct dfu_step step;

	(void)dev;
	if (REQTYPE_TYPE(s->bmRequestType) != REQTYPE_CLASS ||
	    REQTYPE_RECIPIENT(s->bmRequestType) != RECIP_INTERFACE)
		return USB_XFER_STALL;
	switch (dfu_fsm_request(&a->fsm, s, x->now_us, &step)) {
	case DFU_ACT_STATUS:
		return usb_ctrl_reply_dfu_status(x, &a->fsm);
	case DFU_ACT_STATE:
		return usb_ctrl_reply_dfu_state(x, &a->fsm);
	case DFU_ACT_DETACH:
		/* bitWillDetach: no bus reset needed, the application jumps to
		 * the ROM bootloader right after acknowledging. */
		alog(a, x->now_us, "DFU_DETACH (wTimeout %u ms): the application jumps to the ROM "
				   "bootloader",
		     s->wValue);
		a->detach = true;
		return USB_XFER_OK;
	default:
		/* Everything else is illegal in appIDLE (DFU 1.1 A.1). */
		return USB_XFER_STALL;
	}
}

static int build_usb(struct sim_app *a)
{
	const struct usb_device_desc dd = {
		.bcdUSB = 0x0200,
		.bMaxPacketSize0 = 64,
		.idVendor = SIM_APP_VID,
		.idProduct = SIM_APP_PID,
		.bcdDevice = 0x0100,
		.iManufacturer = 1,
		.iProduct = 2,
		.iSerialNumber = 3,
		.bNumConfigurations = 1,
	};
	const struct usb_config_desc cd = {
		.bConfigurationValue = 1,
		.bmAttributes = USB_CONFIG_ATT_ONE | USB_CONFIG_ATT_SELFPOWER,
		.bMaxPower = 50,
	};
	const struct usb_class_driver drv = { .control = app_control, .ctx = a };
	const struct dfu_func_desc fd = {
		.bmAttributes = SIM_APP_ATTRIBUTES,
		.wDetachTimeOut = SIM_APP_DETACH_TIMEOUT,
		.wTransferSize = 2048,
		.bcdDFUVersion = DFU_BCD_DFU11,
	};
	struct usb_interface_desc id = {
		.bInterfaceClass = USB_CLASS_APP_SPEC,
		.bInterfaceSubClass = USB_SUBCLASS_DFU,
		.bInterfaceProtocol = USB_PROTO_DFU_RUNTIME,
	};
	uint8_t func[DFU_FUNC_DESC_SIZE];
	int rc, idx;

	rc = usb_device_init(&a->usb, &dd, &cd, &drv);
	if (rc == 0 && (usb_device_add_string(&a->usb, SIM_APP_MANUFACTURER) < 0 ||
			usb_device_add_string(&a->usb, SIM_APP_PRODUCT) < 0 ||
			usb_device_add_string(&a->usb, a->serial) < 0))
		rc = DFU_E_INVAL;
	if (rc == 0) {
		idx = usb_device_add_string(&a->usb, SIM_APP_INTERFACE);
		id.iInterface = idx > 0 ? (uint8_t)idx : 0;
		rc = usb_device_add_interface(&a->usb, &id);
	}
	if (rc == 0 && dfu_func_desc_encode(&fd, func, sizeof(func)) < 0)
		rc = DFU_E_INVAL;
	if (rc == 0)
		rc = usb_device_add_raw(&a->usb, func, sizeof(func));
	return rc;
}

int sim_app_new(struct sim_app **out, struct l4_chip *chip, struct sim_log *log,
		enum sim_app_model model, const char *serial)
{
	struct sim_app *a;
	int rc;

	*out = NULL;
	if (!chip || !chip->p)
		return DFU_E_INVAL;
	a = calloc(1, sizeof(*a));
	if (!a)
		return DFU_E_NOMEM;
	a->chip = chip;
	a->log = log;
	a->model = model;
	snprintf(a->serial, sizeof(a->serial), "%s", serial ? serial : "");
	rc = build_usb(a);
	if (rc) {
		free(a);
		return rc;
	}
	*out = a;
	return DFU_OK;
}

void sim_app_free(struct sim_app *a)
{
	free(a);
}

bool sim_app_start(struct sim_app *a, uint32_t vtor, uint64_t now_us)
{
	const struct dfu_fsm_config fc = {
		.attributes = SIM_APP_ATTRIBUTES,
		.dfuse = false,
		.transfer_size = 2048,
		.detach_timeout_ms = SIM_APP_DETACH_TIMEOUT,
	};

	a->vtor = vtor;
	a->detach = false;
	a->running = sim_app_vector_valid(a->chip, vtor, a->why, sizeof(a->why));
	if (!a->running) {
		/* [model-app]: an invalid vector table is modelled as a fault
		 * (lockup), and nothing appears on the bus. */
		alog(a, now_us, "vector table at 0x%08X: %s -> lockup, nothing on the USB bus", vtor,
		     a->why);
		return false;
	}
	a->crc = l4_chip_flash_crc(a->chip, 0);
	dfu_fsm_init(&a->fsm, &fc, DFU_STATE_APP_IDLE);
	usb_device_bus_reset(&a->usb);
	alog(a, now_us, "application runs from 0x%08X (%s; flash CRC32 0x%08x)%s", vtor, a->why,
	     a->crc,
	     a->model == SIM_APP_DFU_RUNTIME ? "; DFU run-time interface on the bus"
					     : "; off the USB bus");
	return true;
}

void sim_app_stop(struct sim_app *a)
{
	a->running = false;
	a->detach = false;
	a->why[0] = '\0';
}

bool sim_app_running(const struct sim_app *a)
{
	return a->running;
}

struct usb_device *sim_app_usb(struct sim_app *a)
{
	return a->running && a->model == SIM_APP_DFU_RUNTIME ? &a->usb : NULL;
}

bool sim_app_take_detach(struct sim_app *a)
{
	bool d = a->detach;

	a->detach = false;
	return d;
}

void sim_app_bus_reset(struct sim_app *a, uint64_t now_us)
{
	/* In appIDLE a reset changes nothing (DFU 1.1 §5.1); appDETACH is
	 * never waited in, as the application detaches itself. */
	usb_device_bus_reset(&a->usb);
	if (a->running)
		dfu_fsm_usb_reset(&a->fsm, now_us);
}

const char *sim_app_describe(const struct sim_app *a, char *buf, size_t cap)
{
	if (a->running)
		snprintf(buf, cap, "application (CRC32 0x%08x%s)", a->crc,
			 a->model == SIM_APP_DFU_RUNTIME ? ", DFU run-time interface" : "");
	else if (a->why[0])
		snprintf(buf, cap, "nothing (lockup: %s)", a->why);
	else
		snprintf(buf, cap, "nothing (application not running)");
	return buf;
}
