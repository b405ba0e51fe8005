/*
 * usbip_conn.h - one USB/IP client connection as bytes in, bytes out.
 *
 * A connection is a small state machine over the bytes its client sends:
 * the management phase (OP_REQ_DEVLIST, OP_REQ_IMPORT), then URBs on the
 * imported device (CMD_SUBMIT, CMD_UNLINK). Replies collect in the
 * connection's output until the owner takes them. It serves the devices of
 * the usbip_server it belongs to and follows that server's configuration
 * (realtime holds, persistence, capture, log, clock). This is what tests and
 * the fuzzer drive directly, and what the server's event loop feeds from
 * its sockets.
 *
 * It never touches a socket, a file descriptor or epoll, and never sleeps:
 * a held reply waits until usbip_conn_tick() sees its release time on the
 * server's clock.
 */
#ifndef SIM_USBIP_CONN_H
#define SIM_USBIP_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct usbip_server;
struct usbip_conn;

/* A connection not tied to a socket; NULL when the server's connection
 * limit is reached or no memory. */
struct usbip_conn *usbip_conn_new(struct usbip_server *s);
/*
 * Feed bytes the client sent. Returns how many were taken (fewer than `len`
 * when the input buffer is full), or a negative dfu_err once the connection
 * must close (malformed stream: logged; device gone: unplug). Replies
 * collect in the connection's output; bytes that cannot be handled yet
 * (waiting behind a held URB) stay buffered.
 */
int usbip_conn_feed(struct usbip_conn *c, const uint8_t *in, size_t len);
/* Release held replies whose time has come, as the loop does. */
int usbip_conn_tick(struct usbip_conn *c);
/* Bytes to send to the client; consume them once sent. */
size_t usbip_conn_output(const struct usbip_conn *c, const uint8_t **out);
void usbip_conn_consume(struct usbip_conn *c, size_t n);
/* True once the connection takes no more input (it failed or its device left). */
bool usbip_conn_closing(const struct usbip_conn *c);
/* Unlink from the server, release the imported device, free everything. */
void usbip_conn_free(struct usbip_conn *c);

#endif
