/*
 * dfu_session.h - a DFU 1.1 / DfuSe session with one device, over any
 * transport (xport.h).
 *
 * The engine behind dfu-flash, once dfu_select.h has found the DFU
 * interface and alt setting and brought the device to dfuIDLE: run DfuSe
 * commands with GETSTATUS polling that honours bwPollTimeout, download an
 * element (erase only the pages it touches, one SET_ADDRESS, then blocks 2,
 * 3, 4 ...), upload and verify by read-back, leave, read and rewrite the
 * option bytes, and afterwards watch the device come back and say in words
 * what it is now running. dfu_session.h includes dfu_select.h, so one
 * include gives both.
 *
 * Nothing the device says is trusted: every reply length is checked, every
 * state is checked against core's shared state machine (dfu_fsm.h, host
 * side), every loop is bounded (poll count, total wait, stalls), and every
 * failure leaves a sentence in dfu_session_errmsg() that names the value and
 * what to do. Time passes only through the transport's sleep, so on the
 * in-process transport a session runs on the virtual clock. No allocation:
 * the session is one caller-owned struct with a transfer-sized scratch buffer.
 */
#ifndef HOST_DFU_SESSION_H
#define HOST_DFU_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dfu/dfu_fsm.h"
#include "dfu/dfu_proto.h"
#include "dfu/dfuse.h"
#include "dfu/dfuse_layout.h"
#include "dfu/error.h"
#include "dfu/fw_image.h"
#include "host/dfu_select.h"
#include "host/xport.h"

/* Like dfu-util on Linux: usbfs control transfers are at most 4096 bytes. */
#define DFU_SESSION_XFER_MAX 4096
#define DFU_SESSION_ERR_MAX 400

/* One control transfer as sent and answered, for transcripts. */
struct dfu_xfer_record {
	uint32_t seq;		/* 1, 2, ... within the session */
	uint64_t t_us;		/* transport clock when it was sent */
	struct dfu_setup setup;
	const uint8_t *data;	/* OUT: what was sent; IN: what came back */
	size_t len;
	int rc;			/* bytes, or a negative dfu_err */
};
typedef void (*dfu_transcript_fn)(void *ctx, const struct dfu_xfer_record *rec);

enum dfu_phase {
	DFU_PHASE_ERASE,
	DFU_PHASE_WRITE,
	DFU_PHASE_READ,
	DFU_PHASE_VERIFY,
};
const char *dfu_phase_name(enum dfu_phase p);
typedef void (*dfu_progress_fn)(void *ctx, enum dfu_phase phase, size_t done, size_t total);

struct dfu_session_opts {
	unsigned ctrl_timeout_ms;	/* per control transfer (dfu-util: 5000) */
	unsigned op_timeout_ms;		/* longest wait for one command or block */
	unsigned max_zero_polls;	/* consecutive dfuDNBUSY with bwPollTimeout 0 (dfu-util: 100) */
	unsigned max_stalls;		/* STALLed GETSTATUS tolerated per operation after a
					 * non-zero bwPollTimeout (STM32L4 erase; dfu-util: 3) */
	unsigned reenum_timeout_ms;	/* how long to wait for the device to come back */
	unsigned reenum_poll_ms;	/* how often to look (dfu-util -w: 20) */
	uint16_t transfer_size;		/* 0: the device's wTransferSize (dfu-util -t) */
	bool force;			/* skip the memory-map checks (dfu-util -s ...:force) */
	uint32_t poll_clamp_ms;		/* 0: honour bwPollTimeout; else wait at most this */
	dfu_transcript_fn transcript;
	void *transcript_ctx;
	dfu_progress_fn progress;
	void *progress_ctx;
};
void dfu_session_opts_default(struct dfu_session_opts *o);

/* Control requests sent, for golden-transcript comparisons. */
struct dfu_session_stats {
	uint32_t requests;		/* every control transfer */
	uint32_t standard;		/* SET_INTERFACE ... */
	uint32_t dfu[DFU_REQUEST_COUNT]; /* per DFU class request */
	uint32_t dfuse[4];		/* per enum dfuse_cmd_kind */
	uint32_t stalls_tolerated;
	uint64_t polled_ms;		/* time spent waiting on bwPollTimeout */
};

/* What the device did after leave, a reset or an option-byte write. */
enum dfu_return_kind {
	DFU_RETURN_NONE,		/* not looked at */
	DFU_RETURN_GONE,		/* it did not come back within the wait */
	DFU_RETURN_STAYED,		/* it never left the bus */
	DFU_RETURN_APPLICATION,		/* back, without a DFU-mode interface */
	DFU_RETURN_BOOTLOADER,		/* back in DFU mode, no known reason */
	DFU_RETURN_BLANK,		/* back in the ROM: the first flash word is erased */
	DFU_RETURN_EMPTY_CHECK_TRAP,	/* back in the ROM of an empty-check STM32 although a
					 * valid image was written: PEMPTY latched */
};
const char *dfu_return_kind_name(enum dfu_return_kind k);

struct dfu_return_report {
	enum dfu_return_kind kind;
	uint32_t waited_ms;
	bool found;
	struct xport_dev_info dev;	/* what came back, when found */
	char text[DFU_SESSION_ERR_MAX];	/* the diagnosis, in words */
};

struct dfu_session {
	struct xport x;
	struct dfu_session_opts o;
	struct xport_handle *h;
	struct xport_dev_info dev;	/* the device as enumeration saw it */
	uint8_t intf, alt;
	struct dfu_func_desc func;
	bool dfuse;			/* bcdDFUVersion 0x011A */
	uint16_t xfer;			/* transfer size in use */
	bool layout_ok;			/* the selected alt's name parsed as a layout */
	struct dfuse_layout layout;
	char alt_name[XPORT_STRING_MAX];
	struct dfu_host_fsm fsm;	/* the states the device may be in */
	struct dfu_status_reply status;	/* the last GETSTATUS answer */
	bool pointer_known;		/* DfuSe address pointer, as last set */
	uint32_t pointer;
	bool gone;			/* the device left the bus (leave, reset) */
	bool left_silently;		/* leave: it disconnected instead of answering */
	/* What this session did, for the diagnosis after leave. */
	bool wrote_boot_word;		/* programmed a non-erased word at the flash base */
	bool boot_word_erased;		/* ... or left it erased (mass erase, 0xFFFFFFFF) */
	bool verified;
	bool boot_vectors_known;	/* it wrote the first two words at the flash base: */
	uint32_t boot_sp, boot_reset;	/* the initial SP and reset vector, for the diagnosis */
	struct dfu_session_stats stats;
	char note[200];			/* a warning from open (-t adjusted), "" when none */
	char op[96];			/* what is running, for messages */
	char err[DFU_SESSION_ERR_MAX];
	uint8_t scratch[DFU_SESSION_XFER_MAX];
};

/* Opening (finding the device, selecting the alt) is dfu_select.h's
 * dfu_session_open(). Closing releases the transport handle. */
void dfu_session_close(struct dfu_session *s);
/* The last failure as a sentence ("" when none). */
const char *dfu_session_errmsg(const struct dfu_session *s);

/* GETSTATUS once; the reply is checked against the state machine. */
int dfu_session_get_status(struct dfu_session *s, struct dfu_status_reply *r);
/* ABORT / CLRSTATUS until dfuIDLE (bounded). */
int dfu_session_to_idle(struct dfu_session *s);

/* A DfuSe command, polled to completion. `address` is ignored for
 * MASS_ERASE and READ_UNPROTECT; READ_UNPROTECT ends with the device gone. */
int dfu_session_special(struct dfu_session *s, enum dfuse_cmd_kind kind, uint32_t address);

#define DFU_DL_NO_ERASE 0x1u	/* the memory was mass-erased already */
#define DFU_DL_WILL_RESET 0x2u	/* -s :will-reset: the device may reset itself after the
				 * last block (an option-byte write); it is gone then */
/* Write one element at `address` (DfuSe). With DFU_DL_WILL_RESET, a device
 * that disconnects while busy with the last block has reset as announced:
 * success, s->gone set and the handle closed. */
int dfu_session_download(struct dfu_session *s, uint32_t address, const uint8_t *data,
			 size_t len, unsigned flags);
/* Each piece an upload delivers, at offset `off` from its start. */
typedef void (*dfu_chunk_fn)(void *ctx, size_t off, const uint8_t *p, size_t n);
/* Read up to `len` bytes from `address` (DfuSe) or from block 0 (plain DFU,
 * `address` ignored), handing each block to `fn`; a short block ends it. */
int dfu_session_upload_fn(struct dfu_session *s, uint32_t address, size_t len, dfu_chunk_fn fn,
			  void *ctx, size_t *got);
/* Read up to `len` bytes from `address`; *got says how many came (a short
 * reply ends the upload). */
int dfu_session_upload(struct dfu_session *s, uint32_t address, uint8_t *buf, size_t len,
		       size_t *got);
/* DfuSe: read up to `len` bytes from wherever the device's address pointer
 * is, with no SET_ADDRESS (dfu-util's upload without an address). The
 * bytes' address is the device's to know. */
int dfu_session_upload_at_pointer(struct dfu_session *s, uint8_t *buf, size_t len,
				  size_t *got);
/* Read back and compare; DFU_E_VERIFY names the first differing address. */
int dfu_session_verify(struct dfu_session *s, uint32_t address, const uint8_t *data,
		       size_t len);
/*
 * Plain DFU 1.1 download (not DfuSe): blocks 0, 1, 2 ... of the transfer
 * size, each polled to dfuDNLOAD-IDLE, then the zero-length DNLOAD and
 * manifestation. A manifestation-tolerant device ends in dfuIDLE, still
 * open. One that is not ends in dfuMANIFEST-WAIT-RESET: dfu-flash resets it
 * (dfu-util 0.10+ does), or with bitWillDetach lets it detach itself; then
 * s->gone is set and the handle closed.
 */
int dfu_session_dfu_download(struct dfu_session *s, const uint8_t *data, size_t len);

/* SET_ADDRESS(address) when `have_address`, zero-length DNLOAD, GETSTATUS.
 * A device that disconnects instead of answering has left: success. */
int dfu_session_leave(struct dfu_session *s, bool have_address, uint32_t address);

/* The option-byte block through its alt ("Option Bytes"). */
int dfu_session_ob_read(struct dfu_session *s, uint8_t *buf, size_t cap, size_t *len);
/* Write it (will-reset semantics: a disconnect after dfuDNBUSY is success;
 * s->gone says whether the device reset). */
int dfu_session_ob_write(struct dfu_session *s, const uint8_t *buf, size_t len);

/* dfu-util -R: DFU_DETACH (a failure is only noted, ST's ROM stalls it),
 * then a USB port reset. A device that re-enumerates or leaves during the
 * reset has done what was asked: success, s->gone set. */
int dfu_session_detach_reset(struct dfu_session *s);

/* After leave, a reset or an OB write: wait for the device (same path and
 * serial) to enumerate again, then say what it runs. Closes the handle. */
int dfu_session_await_return(struct dfu_session *s, struct dfu_return_report *r);

/* Remedy for the empty-check trap: read the option bytes, write them back
 * unchanged (the ROM then resets with an option load, which re-samples
 * PEMPTY), and report what the device runs afterwards. */
int dfu_session_reload_option_bytes(struct dfu_session *s, struct dfu_return_report *r);

/*
 * Flash a DfuSe file (.dfu with its suffix, UM0391): every element of every
 * target, each target on the alt setting it names, erasing as
 * dfu_session_download() does; with `verify`, each element is read back.
 * The suffix's VID:PID must match the device unless they are 0xFFFF
 * (DFU_E_USAGE, as dfu-util exits 64); a target whose alt the device lacks
 * is an error, not skipped.
 */
int dfu_session_dfuse_file(struct dfu_session *s, const uint8_t *file, size_t len, bool verify);

/*
 * Write a sparse image (fw_image.h: ranges by address) on the selected
 * DfuSe alt. Every range is checked against the memory map before anything
 * is sent (unless opts.force), then every page any range touches is erased
 * once (none with DFU_DL_NO_ERASE: mass-erased already), so that two ranges
 * sharing a page never erase each other; then each range is written and,
 * with `verify`, read back. An empty image is DFU_E_INVAL.
 */
int dfu_session_write_image(struct dfu_session *s, const struct dfu_fw_image *img,
			    unsigned flags, bool verify);

/* A whole DfuSe flash, dfu-util -s ADDRESS[:mass-erase:force][:leave] -D. */
struct dfu_dfuse_job {
	uint32_t address;
	const uint8_t *data;
	size_t len;
	bool mass_erase;
	bool verify;
	bool leave;
	bool await_return;	/* after leave: wait and diagnose into the report */
	bool will_reset;	/* the device may reset itself after the last block;
				 * then there is nothing to verify or leave */
};
int dfu_session_dfuse_flash(struct dfu_session *s, const struct dfu_dfuse_job *j,
			    struct dfu_return_report *r);

#endif
