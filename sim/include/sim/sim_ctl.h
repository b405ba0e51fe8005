/*
 * sim_ctl.h - dfu-sim's control channel: act on the emulated boards while
 * the USB/IP server runs.
 *
 * A line protocol over a Unix stream socket, served in the server's epoll
 * loop. A client sends one command per line; the answer is zero or more
 * lines of text followed by one final line, "ok" or "error: <sentence>".
 * Commands (DEV is a busid "1-2", a device number "2", or a serial):
 *
 *   status [DEV]                 what runs, USB, power, BOOT0, PEMPTY, OPTR
 *   power-cycle DEV              power off, then on (PEMPTY re-sampled)
 *   reset DEV                    press NRST (system reset, PEMPTY kept)
 *   boot0 DEV 0|1                set the BOOT0 pin (read at the next reset)
 *   power off|on DEV
 *   dump flash DEV [ADDR LEN]    hexdump -C style; runs of equal lines as "*"
 *   dump ob DEV                  option-byte flash, and OPTR decoded
 *   log DEV [N]                  the last N event-log lines (default 20)
 *   query DEV                    the same facts as `status` as "key value"
 *                                lines, for programs (runs, pempty, optr,
 *                                wrp1ar, wrp1br, ob HEX, timing, leave, ...)
 *   crc DEV [LEN]                CRC-32 of main flash's first LEN bytes (0: all)
 *   preload DEV FILE [ADDR]      factory programming: FILE into main flash at
 *                                ADDR (default its base), no reset
 *   ob-write DEV HEX             the whole option-byte flash (as `query` shows
 *                                it); loaded at the next power-on or option load
 *   help                         this list, from the command table in
 *                                sim_ctl.c (sim_ctl_help)
 *   quit                         stop dfu-sim
 *
 * Acting on a board that a USB/IP client imported closes that client's
 * connection when the device leaves the bus (an unplug). The interpreter
 * (sim_ctl_execute) works without sockets, for tests.
 */
#ifndef SIM_CTL_H
#define SIM_CTL_H

#include <stdbool.h>
#include <stddef.h>

#include "dfu/error.h"
#include "sim/bus_device.h"
#include "sim/sim_board.h"
#include "sim/usbip_server.h"

#define SIM_CTL_LINE_MAX 1024
#define SIM_CTL_TEXT_MAX (8u * 1024u * 1024u)
#define SIM_CTL_DUMP_MAX (1024u * 1024u)
#define SIM_CTL_MAX_CLIENTS 8

/* A growing text buffer, bounded by SIM_CTL_TEXT_MAX. */
struct sim_text {
	char *p;
	size_t len, cap;
	bool overflow;
};
void sim_text_printf(struct sim_text *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void sim_text_free(struct sim_text *t);

struct sim_ctl;

/* An interpreter for `n` boards. `srv` may be NULL (no server: actions use
 * the chip's own last time). */
int sim_ctl_new(struct sim_ctl **out, struct sim_board *const *boards, size_t n,
		struct usbip_server *srv);
/* The same for any bus devices (the table is copied, the devices are not).
 * Devices that are not boards (sim_board_of_bus_dev() is NULL: the generic
 * DFU 1.1 device) get status, power and power-cycle; the commands that act
 * on a chip, its pins or its log answer DFU_E_UNSUPPORTED for them. */
int sim_ctl_new_devs(struct sim_ctl **out, const struct sim_bus_dev *devs, size_t n,
		     struct usbip_server *srv);
void sim_ctl_free(struct sim_ctl *c);

/* Run one command line. Appends the answer's text lines to `out` (not the
 * final "ok"/"error:" line) and returns 0, or a negative dfu_err with the
 * error sentence appended instead. */
int sim_ctl_execute(struct sim_ctl *c, const char *line, struct sim_text *out);
/* The command list that `help` answers: one line per command (name,
 * arguments, what it does) and what DEV may be. dfu-sim's --help prints it
 * too. */
void sim_ctl_help(struct sim_text *out);
/* `quit` was executed. */
bool sim_ctl_quit_requested(const struct sim_ctl *c);

/*
 * Serve the channel on a Unix socket at `path` in the server's loop. A
 * path where another dfu-sim answers is DFU_E_BUSY; a stale socket file is
 * replaced; a path longer than a socket address allows is DFU_E_INVAL. The
 * socket file is removed by sim_ctl_free().
 */
int sim_ctl_listen(struct sim_ctl *c, const char *path, struct dfu_diag *diag);

/*
 * The client: send one command line to the dfu-sim whose control socket is
 * `path` and wait up to `timeout_ms` for its answer. 0 with the answer's
 * text lines appended to `out` (without the final "ok"); otherwise a
 * negative dfu_err with one sentence appended instead: DFU_E_DEVICE when
 * dfu-sim answered "error: ..." (the sentence is its message),
 * DFU_E_NOTFOUND when nothing answers at `path`, DFU_E_TIMEOUT, DFU_E_IO.
 */
int sim_ctl_request(const char *path, const char *command, int timeout_ms, struct sim_text *out);

#endif
