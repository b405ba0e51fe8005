/*
 * usbip_client.h - a small USB/IP client and dfu-sim process harness for
 * the emulator's USB/IP tests.
 *
 * The client speaks USB/IP through core's codec (dfu/usbip_proto.h) over a
 * loopback TCP socket: list, import, control transfers (submit + wait for
 * the RET_SUBMIT with the same seqnum), unlink, and the DfuSe steps
 * dfu-util takes (GETSTATUS poll, set address, erase, write, upload, leave).
 * Every wait has a poll() timeout, so a silent server fails the test rather
 * than hanging it. dfu-sim is started with posix_spawn on 127.0.0.1, port 0
 * (ephemeral) and a control socket of its own; its ready line on stdout
 * gives the port.
 *
 * The functions live in usbip_client.c (the sim-level test-support
 * library); a failed expectation fails the running cmocka test.
 * fill_pattern() (image_builder.h) comes with this header, as it always did.
 */
#ifndef TESTS_SUPPORT_USBIP_CLIENT_H
#define TESTS_SUPPORT_USBIP_CLIENT_H

/* The system headers the test files that include this one have always
 * had from it. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "dfu/bytes.h"
#include "dfu/dfu_proto.h"
#include "dfu/usbip_proto.h"
#include "image_builder.h"

#define IO_TIMEOUT_MS 10000

/* ---- files and the dfu-sim binary ---- */

/* build/<dir>/tests/test_x -> build/<dir>/sim/dfu-sim, or $DFU_SIM. */
const char *dfu_sim_path(void);

/* A fresh directory under DFULAB_TEST_TMP for this process. */
const char *test_dir(const char *name);

void remove_dir(const char *dir);

/* ---- a dfu-sim process ---- */

struct sim_proc {
	pid_t pid;
	int out_fd;		/* its stdout */
	uint16_t port;
	char ctl[512];
	char dir[512];
	char ready[512];
};

/* Every dfu-sim this test process started and has not stopped is
 * remembered: a failed assertion (longjmp out of the test) or the alarm()
 * that bounds a test must not leave servers running behind it. The first
 * remember_sim() installs an atexit handler and a SIGALRM handler that kill
 * them; forget_sim() is for a process that was waited for. */
void remember_sim(pid_t pid);
void forget_sim(pid_t pid);

/* Start dfu-sim with `args` (NULL-terminated) plus --port 0 --ctl DIR/ctl.sock
 * --log DIR/log; wait for its ready line. Returns 0, or the exit status when
 * it stopped before being ready (then *err gets its stderr). */
int sim_start_ex(struct sim_proc *p, const char *dir, const char *const *args, char *err,
		 size_t errcap);

void sim_start(struct sim_proc *p, const char *dir, const char *const *args);

/* Stop with SIGTERM and insist on a clean exit within the timeout. */
void sim_stop(struct sim_proc *p);

void sim_kill9(struct sim_proc *p);

bool sim_alive(struct sim_proc *p);

/* Run "dfu-sim ctl --ctl P WORDS..." and collect stdout+stderr; returns the exit status. */
int sim_ctl_run(const struct sim_proc *p, char *out, size_t cap, const char *cmd);

void sim_ctl_ok(const struct sim_proc *p, const char *cmd);

/* ---- the USB/IP client ---- */

struct uclient {
	int fd;
	uint32_t seq;
	uint32_t devid;
};

int tcp_connect(uint16_t port);

void send_all(int fd, const void *buf, size_t len);

/* Read exactly len bytes. Returns 0, or -1 when the peer closed first (after
 * reading what it sent; *got says how much). A timeout fails the test. */
int recv_exact(int fd, void *buf, size_t len, size_t *got_out);

/* True when the server closes the connection within the timeout (EOF, no data). */
bool peer_closes(int fd);

/* The whole device list in one call; returns the number of devices. */
struct listed {
	struct usbip_usb_device dev;
	struct usbip_usb_interface intf[4];
};

int usbip_list(uint16_t port, struct listed *out, int max);

/* Import `busid`; returns the op status (0 OK) and leaves c->fd open on OK. */
uint32_t usbip_import(struct uclient *c, uint16_t port, const char *busid,
		      struct usbip_usb_device *dev);

/* Import, retrying while the server has not yet noticed that the previous
 * importer closed (ST_DEV_BUSY) or the device is between buses (ST_NODEV). */
void usbip_import_ok(struct uclient *c, uint16_t port, const char *busid);

void uclient_close(struct uclient *c);

/* Send one control CMD_SUBMIT; returns its seqnum. */
uint32_t submit_ctrl(struct uclient *c, uint8_t type, uint8_t req, uint16_t wValue,
		     uint16_t wIndex, uint16_t wLength, const void *out);

/* Read one URB reply (RET_SUBMIT for a URB of direction dir_in and length
 * `requested`, or RET_UNLINK). Returns 0, or -1 when the server closed. */
struct ureply {
	uint32_t command;
	uint32_t seqnum;
	int32_t status;
	int32_t actual;
	int32_t number_of_packets;
	uint8_t data[65536];
};

int read_reply(struct uclient *c, bool dir_in, int32_t requested, struct ureply *r);

/* A whole control transfer. Returns the URB status (0, -32), or 1 when the
 * server closed the connection instead of answering. */
int ctrl(struct uclient *c, uint8_t type, uint8_t req, uint16_t wValue, uint16_t wIndex,
	 uint16_t wLength, const void *out, void *in, int32_t *actual);

/* ---- USB and DfuSe steps ---- */

/* What Linux does on attach, the serial string into `serial` (NULL: not
 * read), SET_CONFIGURATION(1), SET_INTERFACE(0, 0). */
void enumerate(struct uclient *c, char *serial, size_t cap);

int getstatus(struct uclient *c, struct dfu_status_reply *st);

/* DNLOAD then GETSTATUS until it is not dfuDNBUSY; returns the final state. */
int dnload_and_poll(struct uclient *c, uint16_t block, const void *data, uint16_t len);

void dfuse_cmd(struct uclient *c, uint8_t cmd, const uint32_t *addr);

void dfu_abort(struct uclient *c);

/* Write `len` bytes at `addr` in 2048-byte blocks (address set once). */
void dfuse_write(struct uclient *c, uint32_t addr, const uint8_t *data, size_t len);

void dfuse_read(struct uclient *c, uint32_t addr, uint8_t *out, size_t len);

#endif
