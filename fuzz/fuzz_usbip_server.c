/* fuzz_usbip_server.c - a hostile USB/IP client: the input is the byte
 * stream one connection sends to dfu-sim's server (after a first byte of
 * mode flags), fed through usbip_conn_feed() to a server with a fresh
 * emulated board at busid 1-1 and a fresh plain DFU 1.1 device at 1-2
 * (the stream's import picks one).
 *
 * Byte 0: bit 0 realtime (held GETSTATUS replies), bit 1 datasheet timing
 * (the DFU 1.1 device: its default block and manifestation times, else 0),
 * bits 2-3 split the stream into 1-, 7- or 61-byte pieces (or feed it
 * whole). Whatever the bytes, the server must neither crash nor stall: each
 * piece is taken, or taken once held replies are released. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dfu/usbip_proto.h"
#include "sim/dfu11_device.h"
#include "sim/sim_board.h"
#include "sim/usbip_conn.h"
#include "sim/usbip_server.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t fixed_clock(void *ctx)
{
	return *(uint64_t *)ctx;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t pieces[4] = { 0, 1, 7, 61 };
	struct sim_board_config bc;
	struct sim_dfu11_config dc;
	struct sim_board board;
	struct sim_dfu11 dfu;
	struct sim_bus_dev devs[2];
	struct usbip_server_config cfg = { 0 };
	struct usbip_server *srv;
	struct usbip_conn *c;
	uint64_t clock = 1000000;
	uint8_t flags;
	size_t piece, pos = 0;
	unsigned stuck = 0;

	if (size < 1)
		return 0;
	flags = data[0];
	data++;
	size--;
	sim_board_config_default(&bc, l4_profile_find("stm32l412xb"), 0);
	bc.timing = (flags & 2) ? SIM_TIMING_DATASHEET : SIM_TIMING_INSTANT;
	if (sim_board_init(&board, &bc) != 0)
		abort();
	sim_board_power_on(&board, 0);
	sim_dfu11_config_default(&dc, 0);
	dc.block_us = (flags & 2) ? dc.block_us : 0;
	dc.manifest_us = (flags & 2) ? dc.manifest_us : 0;
	if (sim_dfu11_init(&dfu, &dc) != 0)
		abort();
	devs[0] = sim_board_bus_dev(&board);
	devs[1] = sim_dfu11_bus_dev(&dfu);
	cfg.realtime = flags & 1;
	cfg.bus_reset_heuristic = true;
	cfg.clock_us = fixed_clock;
	cfg.clock_ctx = &clock;
	if (usbip_server_new_devs(&srv, &cfg, devs, 2) != 0)
		abort();
	c = usbip_conn_new(srv);
	if (!c)
		abort();
	piece = pieces[(flags >> 2) & 3];
	while (pos < size) {
		size_t n = piece ? piece : size - pos;
		const uint8_t *out;
		size_t on;
		int rc;

		if (n > size - pos)
			n = size - pos;
		rc = usbip_conn_feed(c, data + pos, n);
		if (rc < 0)
			break;
		if (rc == 0) {
			/* Nothing taken: input waits behind held replies. */
			if (++stuck > 64)
				abort();
			clock += 1000000;
			usbip_conn_tick(c);
		} else {
			stuck = 0;
		}
		pos += (size_t)rc;
		on = usbip_conn_output(c, &out);
		usbip_conn_consume(c, on);
		if (usbip_conn_closing(c))
			break;
	}
	clock += 100000000;
	usbip_conn_tick(c);
	usbip_conn_free(c);
	usbip_server_free(srv);
	sim_dfu11_free(&dfu);
	sim_board_free(&board);
	return 0;
}
