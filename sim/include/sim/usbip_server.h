/*
 * usbip_server.h - export emulated devices (boards, plain DFU 1.1 devices:
 * any struct sim_bus_dev) over USB/IP.
 *
 * A single-threaded epoll loop serves the USB/IP protocol (version 0x0111,
 * [usbip-protocol], with [usbip-vhci]'s rules) on a TCP socket bound to
 * 127.0.0.1 unless another address is asked for. Device i is busid "1-<i+1>"
 * on bus 1, device i+1, full speed. A client lists the devices that are on
 * the USB bus (OP_REQ_DEVLIST), imports one (OP_REQ_IMPORT; one importer per
 * device, others get ST_DEV_BUSY) and then sends URBs on the same connection:
 * each control transfer on ep0 goes to the device's control operation
 * (sim/bus_device.h) and comes back as a RET_SUBMIT that follows the rules
 * vhci enforces (actual_length never above the request, no data on OUT
 * replies, stalls as -EPIPE,
 * number_of_packets 0, seqnum echoed). When the device leaves the bus or
 * re-enumerates (leave, reset, option-byte write, power), the importer's
 * connection is closed, which vhci reports as an unplug; the device is listed
 * again once it is back. Every connection is a fresh import, so a client
 * that reconnects (QEMU's chardev with reconnect=1) simply imports again.
 *
 * Sockets are non-blocking with TCP_NODELAY; each connection has bounded
 * buffers and the number of connections is limited. A malformed,
 * truncated or hostile byte stream closes that connection with a log line
 * and nothing else. The byte handling of a connection is reachable without
 * sockets (sim/usbip_conn.h), for tests and the fuzzer.
 *
 * Time: each device runs on a virtual clock that follows the monotonic clock
 * from the server's start; a device with a tick operation is ticked to it
 * before it is looked at. Without `realtime`, a GETSTATUS reply's
 * bwPollTimeout advances that device's clock at once (the host "waited"); with
 * `realtime`, the reply is held for bwPollTimeout of real time instead, and
 * a CMD_UNLINK of a held URB cancels it (RET_UNLINK -ECONNRESET, never a
 * RET_SUBMIT). Nothing here sleeps.
 *
 * Only boards (sim_board_of_bus_dev() finds them) have state to persist and
 * a chip whose clock the device's clock never falls behind; for any other
 * device those steps are skipped.
 */
#ifndef SIM_USBIP_SERVER_H
#define SIM_USBIP_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dfu/error.h"
#include "dfu/usbmon_pcap.h"
#include "sim/bus_device.h"
#include "sim/sim_board.h"
#include "sim/usbip_conn.h"

#define USBIP_SERVER_MAX_BOARDS 32
#define USBIP_SERVER_DEFAULT_CONNS 16
#define USBIP_SERVER_BUS 1
/* Bytes of OUT data one URB may carry: a control transfer's wLength. */
#define USBIP_SERVER_MAX_OUT 65535
/* URBs queued behind a held one on a connection; more stops reading. */
#define USBIP_SERVER_QUEUE 8

struct usbip_server;
struct usbip_conn;

struct usbip_server_config {
	const char *listen_addr;	/* NULL: "127.0.0.1" */
	uint16_t port;			/* 0: an ephemeral port (tests) */
	unsigned max_conns;		/* 0: USBIP_SERVER_DEFAULT_CONNS */
	bool realtime;			/* hold GETSTATUS replies for bwPollTimeout */
	/* A GET_DESCRIPTOR(DEVICE, 64) on a configured device is the first
	 * request after a port reset, which vhci never forwards ([usbip-vhci]):
	 * give the board a USB bus reset before answering it. */
	bool bus_reset_heuristic;

	/* Called, for boards only, after a transfer that changed the chip's
	 * flash, option bytes or OTP (chip.mutations moved), before its
	 * RET_SUBMIT is sent. `board` is the device's index. A
	 * negative return means the change is not durable: the reply is not
	 * sent and the connection closes. */
	int (*persist)(void *ctx, size_t board, struct sim_board *b);
	void *persist_ctx;
	/* Every URB as usbmon 'S' and 'C' events (for a pcap file). */
	void (*capture)(void *ctx, const struct usbmon_event *e);
	void *capture_ctx;
	/* One line of the server's own log (connections, refusals). */
	void (*log)(void *ctx, const char *line);
	void *log_ctx;
	/* Monotonic microseconds; NULL: CLOCK_MONOTONIC. Tests and the fuzzer
	 * pass a fixed clock. */
	uint64_t (*clock_us)(void *ctx);
	void *clock_ctx;
};

/* A server for `n` devices, device i as busid "1-<i+1>". The table is
 * copied; the devices are not (the caller keeps them alive and powers
 * them). Opens no socket yet. DFU_E_INVAL (also for a device without a
 * required operation), DFU_E_NOMEM. */
int usbip_server_new_devs(struct usbip_server **out, const struct usbip_server_config *cfg,
			  const struct sim_bus_dev *devs, size_t n);
/* The same for `n` boards: device i is sim_board_bus_dev(boards[i]). */
int usbip_server_new(struct usbip_server **out, const struct usbip_server_config *cfg,
		     struct sim_board *const *boards, size_t n);
/* How many devices it serves, and device i (NULL past the end). */
size_t usbip_server_ndevs(const struct usbip_server *s);
const struct sim_bus_dev *usbip_server_dev(const struct usbip_server *s, size_t i);
void usbip_server_free(struct usbip_server *s);

/* Bind and listen (SO_REUSEADDR), and create the epoll set. DFU_E_INVAL for
 * an address that is not a numeric IPv4/IPv6 address, DFU_E_IO otherwise;
 * `diag` says what failed ("127.0.0.1:3240: Address already in use"). */
int usbip_server_listen(struct usbip_server *s, struct dfu_diag *diag);
/* The bound port (useful after port 0). */
uint16_t usbip_server_port(const struct usbip_server *s);

/* Watch another descriptor in the same loop (control socket, signals). */
typedef void (*usbip_watch_fn)(void *ctx, int fd, uint32_t events);
int usbip_server_watch(struct usbip_server *s, int fd, uint32_t events, usbip_watch_fn fn,
		       void *ctx);
int usbip_server_unwatch(struct usbip_server *s, int fd);

/* One round of the loop: wait at most `timeout_ms` (-1: until something
 * happens; shortened to the next held reply), then serve what is ready. */
int usbip_server_run_once(struct usbip_server *s, int timeout_ms);
/* Loop until usbip_server_stop(). */
int usbip_server_run(struct usbip_server *s);
void usbip_server_stop(struct usbip_server *s);

/* Device `board`'s virtual time now (for actions from the control channel). */
uint64_t usbip_server_board_now(struct usbip_server *s, size_t board);
/* Something outside USB/IP acted on device `board` (power, reset, BOOT0):
 * close its importer if it left the bus or re-enumerated, persist a board's
 * change. */
void usbip_server_board_changed(struct usbip_server *s, size_t board);
/* Index of the device with this busid ("1-2"), or -1. */
int usbip_server_find_busid(const struct usbip_server *s, const char *busid);
void usbip_server_busid(size_t board, char *out, size_t cap);
/* Whether a client has imported device `board` now. */
bool usbip_server_imported(const struct usbip_server *s, size_t board);

#endif
