/*
 * usbip_internal.h - what the USB/IP server's two files share, private to
 * sim/src: the server object (usbip_server.c: the devices, the event loop)
 * and one connection's state (usbip_conn.c: its bytes and URBs).
 *
 * The connection reads the server's devices, configuration and scratch
 * space; the loop reads a connection's buffers and socket. Neither file
 * reaches further into the other than the few functions declared here.
 */
#ifndef SIM_USBIP_INTERNAL_H
#define SIM_USBIP_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dfu/usbip_proto.h"
#include "dfu/usbmon_pcap.h"
#include "sim/usbip_conn.h"
#include "sim/usbip_server.h"

/* Input holds one whole message: a CMD_SUBMIT with the largest OUT data. */
#define CONN_IN_CAP (USBIP_HEADER_SIZE + USBIP_SERVER_MAX_OUT + 1)
/* Stop reading while this much output waits for a slow client. */
#define CONN_OUT_HIGH (256u * 1024u)
/* Past this a client is not reading at all: drop it. */
#define CONN_OUT_MAX (4u * 1024u * 1024u)
#define MAX_WATCHES 16
#define MAX_INTF_RECORDS 8
#define SCRATCH_SIZE 65536

enum conn_phase {
	PHASE_OP,	/* DEVLIST / IMPORT */
	PHASE_URB,	/* imported: CMD_SUBMIT / CMD_UNLINK */
};

/* A CMD_SUBMIT waiting behind a held reply, kept as its raw message. */
struct queued_urb {
	uint32_t seqnum;
	uint8_t *msg;
	size_t len;
};

/* A RET_SUBMIT held until its release time (realtime GETSTATUS). */
struct held_reply {
	bool active;
	uint32_t seqnum;
	uint64_t release_us;	/* monotonic */
	uint8_t *msg;		/* the encoded RET_SUBMIT */
	size_t len;
	struct usbmon_event done; /* its 'C' event; data points into msg */
};

struct usbip_conn {
	struct usbip_server *s;
	struct usbip_conn *next;
	int fd;				/* -1 for socket-less connections; only the loop uses it */
	uint32_t events;		/* what epoll watches now */
	char peer[64];

	uint8_t *in;
	size_t in_len;
	uint8_t *out;
	size_t out_len, out_off, out_cap;

	enum conn_phase phase;
	int dev;			/* index of the imported device, or -1 */
	uint32_t gen;			/* its bus generation at import */
	bool configured;		/* saw SET_CONFIGURATION (bus reset heuristic) */

	struct held_reply held;
	struct queued_urb queue[USBIP_SERVER_QUEUE];
	unsigned nqueue;

	bool closing;			/* no more input; close once flushed */
	uint64_t closing_since;
	bool dead;			/* close now */
	int error;			/* why it closes (negative dfu_err) */
};

struct watch {
	int fd;
	usbip_watch_fn fn;
	void *ctx;
};

struct usbip_server {
	struct usbip_server_config cfg;
	struct sim_bus_dev devs[USBIP_SERVER_MAX_BOARDS];
	/* The board behind devs[i] (persistence, its chip's clock), or NULL. */
	struct sim_board *board[USBIP_SERVER_MAX_BOARDS];
	size_t ndevs;
	struct usbip_conn *importer[USBIP_SERVER_MAX_BOARDS];
	uint64_t skip_us[USBIP_SERVER_MAX_BOARDS];	/* poll timeouts waited virtually */
	uint64_t last_mutations[USBIP_SERVER_MAX_BOARDS];
	uint64_t vt_last[USBIP_SERVER_MAX_BOARDS];

	int listen_fd;
	int epoll_fd;
	uint16_t port;
	bool stop;
	uint64_t start_us;

	struct usbip_conn *conns;
	unsigned nconns;
	struct watch watches[MAX_WATCHES];
	unsigned nwatches;
	uint64_t urb_id;
	struct usbip_usb_interface intf[USBIP_SERVER_MAX_BOARDS][MAX_INTF_RECORDS];
	uint8_t scratch[SCRATCH_SIZE];
};

/* ---- usbip_server.c: the server object ---- */

/* Monotonic microseconds (the configured clock, or CLOCK_MONOTONIC). */
uint64_t usbip_srv_mono_us(struct usbip_server *s);
/* One line of the server's log, if it has one. */
void usbip_srv_log(struct usbip_server *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Save device i if it is a board whose chip changed since the last save;
 * negative when the persistence hook failed (the change is not durable). */
int usbip_srv_persist(struct usbip_server *s, size_t i);
/* Device i after letting its virtual time catch up: whether it is on the bus. */
bool usbip_srv_dev_present(struct usbip_server *s, size_t i);

/* ---- usbip_conn.c: one connection ---- */

/* Bytes of output not yet consumed. */
size_t usbip_conn_pending(const struct usbip_conn *c);
/* Handle every complete message in the input buffer. */
void usbip_conn_process(struct usbip_conn *c);
/* The connection no longer holds its device. */
void usbip_conn_release_dev(struct usbip_conn *c);
/* Close the importer's connection if its device left the bus or re-enumerated. */
void usbip_conn_check_dev(struct usbip_conn *c);

#endif
