/* sim_ctl.c - dfu-sim's control channel: the command interpreter and its
 * Unix-socket transport in the server's loop. */
#define _GNU_SOURCE /* accept4 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "dfu/bytes.h"
#include "sim/sim_ctl.h"

/* ---- text ---- */

void sim_text_printf(struct sim_text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (t->overflow)
		return;
	for (;;) {
		size_t room = t->cap - t->len;

		va_start(ap, fmt);
		n = vsnprintf(t->p ? t->p + t->len : NULL, t->p ? room : 0, fmt, ap);
		va_end(ap);
		if (n < 0)
			return;
		if (t->p && (size_t)n < room) {
			t->len += (size_t)n;
			return;
		}
		size_t cap = t->cap ? t->cap : 1024;
		while (cap < t->len + (size_t)n + 1)
			cap *= 2;
		if (cap > SIM_CTL_TEXT_MAX) {
			t->overflow = true;
			return;
		}
		char *np = realloc(t->p, cap);
		if (!np) {
			t->overflow = true;
			return;
		}
		t->p = np;
		t->cap = cap;
	}
}

void sim_text_free(struct sim_text *t)
{
	free(t->p);
	memset(t, 0, sizeof(*t));
}

/* ---- the interpreter ---- */

struct ctl_client {
	struct sim_ctl *ctl;
	int fd;
	char in[SIM_CTL_LINE_MAX + 1];
	size_t in_len;
	struct sim_text out;
	size_t out_off;
	bool dead;
};

struct sim_ctl {
	struct sim_bus_dev devs[USBIP_SERVER_MAX_BOARDS];
	struct sim_board *boards[USBIP_SERVER_MAX_BOARDS];	/* NULL: not an STM32 board */
	size_t n;
	struct usbip_server *srv;
	bool quit;
	int listen_fd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct ctl_client *clients[SIM_CTL_MAX_CLIENTS];
};

int sim_ctl_new_devs(struct sim_ctl **out, const struct sim_bus_dev *devs, size_t n,
		     struct usbip_server *srv)
{
	struct sim_ctl *c;

	*out = NULL;
	if (n > USBIP_SERVER_MAX_BOARDS || (n && !devs))
		return DFU_E_INVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return DFU_E_NOMEM;
	for (size_t i = 0; i < n; i++) {
		c->devs[i] = devs[i];
		c->boards[i] = sim_board_of_bus_dev(&devs[i]);
	}
	c->n = n;
	c->srv = srv;
	c->listen_fd = -1;
	*out = c;
	return 0;
}

int sim_ctl_new(struct sim_ctl **out, struct sim_board *const *boards, size_t n,
		struct usbip_server *srv)
{
	struct sim_bus_dev devs[USBIP_SERVER_MAX_BOARDS];

	*out = NULL;
	if (n > USBIP_SERVER_MAX_BOARDS || (n && !boards))
		return DFU_E_INVAL;
	for (size_t i = 0; i < n; i++)
		devs[i] = sim_board_bus_dev(boards[i]);
	return sim_ctl_new_devs(out, devs, n, srv);
}

static void client_close(struct ctl_client *cl);

void sim_ctl_free(struct sim_ctl *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < SIM_CTL_MAX_CLIENTS; i++)
		if (c->clients[i])
			client_close(c->clients[i]);
	if (c->listen_fd >= 0) {
		if (c->srv)
			usbip_server_unwatch(c->srv, c->listen_fd);
		close(c->listen_fd);
		unlink(c->path);
	}
	free(c);
}

bool sim_ctl_quit_requested(const struct sim_ctl *c)
{
	return c->quit;
}

static int ctl_error(struct sim_text *out, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int ctl_error(struct sim_text *out, int err, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	sim_text_printf(out, "%s", msg);
	return err;
}

static void busid_of(size_t i, char *out, size_t cap)
{
	usbip_server_busid(i, out, cap);
}

/* DEV: busid "1-2", device number "2", or a serial. */
static int find_dev(struct sim_ctl *c, const char *arg, struct sim_text *out)
{
	char busid[32];
	char *end;
	unsigned long num;

	if (!arg)
		return ctl_error(out, DFU_E_USAGE, "which device? give a busid (1-1 to 1-%zu), a "
						   "device number or a serial",
				 c->n);
	for (size_t i = 0; i < c->n; i++) {
		busid_of(i, busid, sizeof(busid));
		if (strcmp(arg, busid) == 0)
			return (int)i;
	}
	num = strtoul(arg, &end, 10);
	if (*arg && !*end && num >= 1 && num <= c->n)
		return (int)num - 1;
	for (size_t i = 0; i < c->n; i++)
		if (strcasecmp(arg, sim_bus_dev_serial(&c->devs[i])) == 0)
			return (int)i;
	return ctl_error(out, DFU_E_NOTFOUND,
			 "no device \"%s\": use a busid (1-1 to 1-%zu), a device number (1 to %zu) "
			 "or a serial",
			 arg, c->n, c->n);
}

static uint64_t board_now(struct sim_ctl *c, size_t i)
{
	if (c->srv)
		return usbip_server_board_now(c->srv, i);
	return c->boards[i] ? c->boards[i]->chip.now_us : 0;
}

static void changed(struct sim_ctl *c, size_t i)
{
	if (c->srv)
		usbip_server_board_changed(c->srv, i);
}

/* "usb: ..." for whatever device i is. */
static void status_usb(struct sim_ctl *c, size_t i, struct sim_text *out)
{
	const struct sim_bus_dev *d = &c->devs[i];
	const struct usb_device *u = sim_bus_dev_usb(d);

	if (u)
		sim_text_printf(out, "  usb: %04X:%04X on the bus, generation %u, %s\n",
				dfu_get_le16(u->device_desc + 8), dfu_get_le16(u->device_desc + 10),
				(unsigned)sim_bus_dev_generation(d),
				c->srv && usbip_server_imported(c->srv, i) ? "imported by a client"
									  : "not imported");
	else
		sim_text_printf(out, "  usb: off the bus (generation %u)\n",
				(unsigned)sim_bus_dev_generation(d));
}

/* PEMPTY and OPTR, the latter also as the option-byte flash holds it. */
static void status_option_bytes(const struct l4_chip *ch, struct sim_text *out)
{
	char optr[256];
	uint32_t ob_optr = dfu_get_le32(ch->ob_flash + L4_OB_OPTR);

	if (ch->p->empty_check)
		sim_text_printf(out, "  pempty: %d (sampled at %s%s)\n", ch->pempty ? 1 : 0,
				l4_reset_kind_name(ch->pempty_origin),
				ch->pempty_toggled ? ", toggled by software since" : "");
	else
		sim_text_printf(out, "  pempty: none (%s has no flash-empty check)\n", ch->p->line);
	l4_optr_format(ch->optr, optr, sizeof(optr));
	sim_text_printf(out, "  optr: 0x%08X %s\n", (unsigned)ch->optr, optr);
	if (ob_optr != ch->optr) {
		l4_optr_format(ob_optr, optr, sizeof(optr));
		sim_text_printf(out, "  optr in option-byte flash (loaded at the next option load "
				     "or power-on): 0x%08X %s\n",
				(unsigned)ob_optr, optr);
	}
}

static void status_one(struct sim_ctl *c, size_t i, struct sim_text *out)
{
	struct sim_board *b = c->boards[i];
	const struct l4_chip *ch;
	char busid[32], text[256];

	busid_of(i, busid, sizeof(busid));
	sim_text_printf(out, "device %s\n", busid);
	sim_text_printf(out, "  serial: %s\n", sim_bus_dev_serial(&c->devs[i]));
	if (!b) {
		sim_text_printf(out, "  chip: none (a generic USB device, not an STM32 board)\n");
		status_usb(c, i, out);
		return;
	}
	ch = &b->chip;
	sim_text_printf(out, "  chip: %s (%s)\n", ch->p->name, ch->p->line);
	sim_text_printf(out, "  power: %s\n", ch->powered ? "on" : "off");
	sim_text_printf(out, "  running: %s\n", sim_board_running_text(b, text, sizeof(text)));
	status_usb(c, i, out);
	sim_text_printf(out, "  boot0: %d\n", ch->boot0_pin ? 1 : 0);
	status_option_bytes(ch, out);
	if (ch->powered) {
		l4_chip_boot_select(ch, text, sizeof(text));
		sim_text_printf(out, "  next boot: %s\n", text);
	}
	sim_text_printf(out, "  last reset: %s (power-on %u, system %u, option load %u)\n",
			l4_reset_kind_name(ch->last_reset), (unsigned)ch->reset_count[0],
			(unsigned)ch->reset_count[1], (unsigned)ch->reset_count[2]);
	sim_text_printf(out, "  flash crc32: 0x%08X\n", (unsigned)l4_chip_flash_crc(ch, 0));
	sim_text_printf(out, "  mutations: %llu\n", (unsigned long long)ch->mutations);
}

/* hexdump -C, with runs of identical lines folded into "*". */
static void hexdump(struct sim_text *out, uint32_t base, const uint8_t *p, size_t len)
{
	bool star = false;

	for (size_t off = 0; off < len; off += 16) {
		size_t n = len - off < 16 ? len - off : 16;
		char ascii[17];

		if (off && n == 16 && off + 16 <= len && memcmp(p + off, p + off - 16, 16) == 0) {
			if (!star)
				sim_text_printf(out, "*\n");
			star = true;
			continue;
		}
		star = false;
		sim_text_printf(out, "%08X ", (unsigned)(base + off));
		for (size_t k = 0; k < 16; k++) {
			if (k == 8)
				sim_text_printf(out, " ");
			if (k < n)
				sim_text_printf(out, " %02x", p[off + k]);
			else
				sim_text_printf(out, "   ");
			ascii[k] = k < n ? (p[off + k] >= 0x20 && p[off + k] < 0x7f ? (char)p[off + k]
										       : '.')
					 : 0;
		}
		ascii[n] = 0;
		sim_text_printf(out, "  |%s|\n", ascii);
	}
	sim_text_printf(out, "%08X\n", (unsigned)(base + len));
}

static int parse_u32(const char *s, uint32_t *v)
{
	char *end;
	unsigned long long x;

	if (!s || !*s)
		return -1;
	errno = 0;
	x = strtoull(s, &end, 0);
	if (errno || *end || x > UINT32_MAX)
		return -1;
	*v = (uint32_t)x;
	return 0;
}

/* ---- the command table ---- */

struct ctl_cmd;
typedef int (*ctl_fn)(struct sim_ctl *c, const struct ctl_cmd *cmd, char **argv, int argc,
		      struct sim_text *out);

/* One control command: its name, what follows it, one line of help, how
 * many words may follow (min_args..max_args) and the handler, which gets
 * argv with the name as argv[0]. */
struct ctl_cmd {
	const char *name;
	const char *args;
	const char *help;
	int min_args, max_args;
	ctl_fn fn;
};

static int ctl_usage(struct sim_text *out, const struct ctl_cmd *cmd)
{
	return ctl_error(out, DFU_E_USAGE, "usage: %s%s%s", cmd->name, *cmd->args ? " " : "",
			 cmd->args);
}

/* DEV for a command that acts on the chip, its pins or its log. */
static int find_board(struct sim_ctl *c, const struct ctl_cmd *cmd, const char *arg,
		      struct sim_text *out)
{
	char busid[32];
	int i = find_dev(c, arg, out);

	if (i < 0 || c->boards[i])
		return i;
	busid_of((size_t)i, busid, sizeof(busid));
	return ctl_error(out, DFU_E_UNSUPPORTED,
			 "%s: device %s is not an STM32 board (no chip, pins or log); status, "
			 "power and power-cycle work on it",
			 cmd->name, busid);
}

static int cmd_dump(struct sim_ctl *c, const struct ctl_cmd *cmd, char **argv, int argc,
		     struct sim_text *out)
{
	int i;

	if (argc < 3 || (strcmp(argv[1], "flash") != 0 && strcmp(argv[1], "ob") != 0))
		return ctl_usage(out, cmd);
	i = find_board(c, cmd, argv[2], out);
	if (i < 0)
		return i;
	const struct l4_chip *ch = &c->boards[i]->chip;
	const struct l4_profile *p = ch->p;
	if (strcmp(argv[1], "ob") == 0) {
		char optr[256];
		uint32_t w = dfu_get_le32(ch->ob_flash + L4_OB_OPTR);

		if (argc != 3)
			return ctl_error(out, DFU_E_USAGE, "usage: dump ob DEV");
		hexdump(out, p->ob_base, ch->ob_flash, p->ob_size);
		l4_optr_format(w, optr, sizeof(optr));
		sim_text_printf(out, "OPTR 0x%08X %s\n", (unsigned)w, optr);
		return 0;
	}
	uint32_t addr = p->flash_base, len = p->flash_size;
	if (argc != 3 && argc != 5)
		return ctl_error(out, DFU_E_USAGE, "usage: dump flash DEV [ADDR LEN]");
	if (argc == 5 && (parse_u32(argv[3], &addr) < 0 || parse_u32(argv[4], &len) < 0))
		return ctl_error(out, DFU_E_USAGE,
				 "dump flash: ADDR \"%s\" and LEN \"%s\" must be numbers (0x... "
				 "for hex)",
				 argv[3], argv[4]);
	if (addr < p->flash_base || (uint64_t)addr + len > (uint64_t)p->flash_base + p->flash_size)
		return ctl_error(out, DFU_E_RANGE,
				 "dump flash: 0x%08X+%u is outside main flash (0x%08X-0x%08X)",
				 (unsigned)addr, (unsigned)len, (unsigned)p->flash_base,
				 (unsigned)(p->flash_base + p->flash_size - 1));
	if (len > SIM_CTL_DUMP_MAX)
		return ctl_error(out, DFU_E_RANGE, "dump flash: at most %u bytes at a time; give "
						   "ADDR LEN",
				 SIM_CTL_DUMP_MAX);
	hexdump(out, addr, ch->flash + (addr - p->flash_base), len);
	return 0;
}

static int cmd_log(struct sim_ctl *c, const struct ctl_cmd *cmd, char **argv, int argc,
		    struct sim_text *out)
{
	uint32_t want = 20;
	int i;

	i = find_board(c, cmd, argv[1], out);
	if (i < 0)
		return i;
	if (argc == 3 && parse_u32(argv[2], &want) < 0)
		return ctl_error(out, DFU_E_USAGE, "log: N \"%s\" is not a number of lines", argv[2]);
	const struct sim_log *l = &c->boards[i]->log;
	size_t n = sim_log_count(l), from = n > want ? n - want : 0;
	for (size_t k = from; k < n; k++) {
		const struct sim_log_entry *e = sim_log_at(l, k);

		sim_text_printf(out, "%llu.%06llu %s\n", (unsigned long long)(e->t_us / 1000000u),
				(unsigned long long)(e->t_us % 1000000u), e->text);
	}
	return 0;
}

/* ---- commands for programs (the scenario runner's USB/IP backend) ---- */

static const char *const runs_words[] = { "nothing", "rom", "app", "sram", "lockup" };

/* One "key value" line per fact, for a program to parse rather than a person
 * to read; `status` says the same in words. */
static int cmd_query(struct sim_ctl *c, const struct ctl_cmd *cmd, char **argv, int argc,
		      struct sim_text *out)
{
	char text[256];
	int i;
	(void)argc;

	i = find_board(c, cmd, argv[1], out);
	if (i < 0)
		return i;
	const struct sim_board *b = c->boards[i];
	const struct l4_chip *ch = &b->chip;
	sim_text_printf(out, "chip %s\n", ch->p->name);
	sim_text_printf(out, "serial %s\n", b->serial);
	sim_text_printf(out, "powered %d\n", ch->powered ? 1 : 0);
	sim_text_printf(out, "runs %s\n",
			(unsigned)b->runs < 5 ? runs_words[b->runs] : "nothing");
	sim_text_printf(out, "running %s\n", sim_board_running_text(b, text, sizeof(text)));
	sim_text_printf(out, "on-bus %d\n", b->on_bus ? 1 : 0);
	sim_text_printf(out, "boot0 %d\n", ch->boot0_pin ? 1 : 0);
	if (ch->p->empty_check)
		sim_text_printf(out, "pempty %d\n", ch->pempty ? 1 : 0);
	else
		sim_text_printf(out, "pempty none\n");
	sim_text_printf(out, "optr 0x%08X\n", (unsigned)ch->optr);
	sim_text_printf(out, "wrp1ar 0x%08X\n", (unsigned)ch->wrp1ar);
	sim_text_printf(out, "wrp1br 0x%08X\n", (unsigned)ch->wrp1br);
	sim_text_printf(out, "ob ");
	for (size_t k = 0; k < ch->p->ob_size; k++)
		sim_text_printf(out, "%02x", ch->ob_flash[k]);
	sim_text_printf(out, "\n");
	sim_text_printf(out, "flash-size %u\n", (unsigned)ch->p->flash_size);
	sim_text_printf(out, "timing %s\n",
			b->cfg.timing == SIM_TIMING_DATASHEET ? "datasheet" : "instant");
	sim_text_printf(out, "leave %s\n", b->cfg.leave == L4_LEAVE_JUMP ? "jump" : "reset");
	sim_text_printf(out, "app %s\n",
			b->cfg.app == SIM_APP_DFU_RUNTIME ? "dfu-runtime" : "silent");
	sim_text_printf(out, "quirks 0x%X\n", b->cfg.quirks);
	sim_text_printf(out, "now-us %llu\n", (unsigned long long)board_now(c, (size_t)i));
	return 0;
}

static int cmd_crc(struct sim_ctl *c, const struct ctl_cmd *cmd, char **argv, int argc,
		    struct sim_text *out)
{
	uint32_t len = 0;
	int i;

	i = find_board(c, cmd, argv[1], out);
	if (i < 0)
		return i;
	const struct l4_chip *ch = &c->boards[i]->chip;
	if (argc == 3 && (parse_u32(argv[2], &len) < 0 || len > ch->p->flash_size))
		return ctl_error(out, DFU_E_RANGE, "crc: LEN \"%s\" must be a number of bytes up to "
						   "the %u of main flash",
				 argv[2], (unsigned)ch->p->flash_size);
	sim_text_printf(out, "0x%08X\n", (unsigned)l4_chip_flash_crc(ch, len));
	return 0;
}

/* Factory programming: a file's bytes into main flash, no reset, as a
 * programmer does before the board is assembled. */
static int cmd_preload(struct sim_ctl *c, const struct ctl_cmd *cmd, char **argv, int argc,
		        struct sim_text *out)
{
	uint8_t *data = NULL;
	size_t len = 0, cap = 0;
	FILE *f;
	int i, rc;

	i = find_board(c, cmd, argv[1], out);
	if (i < 0)
		return i;
	struct l4_chip *ch = &c->boards[i]->chip;
	uint32_t addr = ch->p->flash_base;
	if (argc == 4 && parse_u32(argv[3], &addr) < 0)
		return ctl_error(out, DFU_E_USAGE, "preload: ADDR \"%s\" is not a number (0x... for "
						   "hex)",
				 argv[3]);
	f = fopen(argv[2], "rb");
	if (!f)
		return ctl_error(out, DFU_E_IO, "preload: %s: %s", argv[2], strerror(errno));
	for (;;) {
		if (len == cap) {
			uint8_t *n = cap < ch->p->flash_size + 1u ? realloc(data, cap + 65536) : NULL;
			if (!n) {
				fclose(f);
				free(data);
				return ctl_error(out, DFU_E_RANGE, "preload: %s is larger than the "
								   "%u bytes of main flash",
						 argv[2], (unsigned)ch->p->flash_size);
			}
			data = n;
			cap += 65536;
		}
		size_t n = fread(data + len, 1, cap - len, f);
		if (n == 0)
			break;
		len += n;
	}
	fclose(f);
	rc = l4_chip_preload(ch, addr, data, len);
	free(data);
	if (rc < 0)
		return ctl_error(out, rc, "preload: %zu bytes at 0x%08X do not fit main flash "
					  "(0x%08X-0x%08X)",
				 len, (unsigned)addr, (unsigned)ch->p->flash_base,
				 (unsigned)(ch->p->flash_base + ch->p->flash_size - 1));
	ch->mutations++;
	changed(c, (size_t)i);
	return 0;
}

/* The option-byte flash, byte for byte, as hex (what `query` shows as "ob").
 * The registers load it at the next power-on or option load, as on the chip. */
static int cmd_ob_write(struct sim_ctl *c, const struct ctl_cmd *cmd, char **argv, int argc,
		         struct sim_text *out)
{
	uint8_t ob[L4_OB_MAX];
	int i;
	(void)argc;

	i = find_board(c, cmd, argv[1], out);
	if (i < 0)
		return i;
	struct l4_chip *ch = &c->boards[i]->chip;
	if (strlen(argv[2]) != 2u * ch->p->ob_size)
		return ctl_error(out, DFU_E_SIZE, "ob-write: give all %u option bytes as %u hex "
						  "digits, not %zu",
				 (unsigned)ch->p->ob_size, 2u * (unsigned)ch->p->ob_size,
				 strlen(argv[2]));
	for (size_t k = 0; k < ch->p->ob_size; k++) {
		unsigned v;
		char two[3] = { argv[2][2 * k], argv[2][2 * k + 1], 0 };
		char *end;

		v = (unsigned)strtoul(two, &end, 16);
		if (*end || !two[0] || two[0] == '+' || two[0] == '-' || two[0] == ' ')
			return ctl_error(out, DFU_E_FORMAT, "ob-write: \"%s\" at byte %zu is not hex",
					 two, k);
		ob[k] = (uint8_t)v;
	}
	memcpy(ch->ob_flash, ob, ch->p->ob_size);
	ch->mutations++;
	changed(c, (size_t)i);
	return 0;
}

static int cmd_status(struct sim_ctl *c, const struct ctl_cmd *cmd, char **argv, int argc,
		      struct sim_text *out)
{
	int i;
	(void)cmd;

	if (argc == 1) {
		for (size_t k = 0; k < c->n; k++)
			status_one(c, k, out);
		return 0;
	}
	i = find_dev(c, argv[1], out);
	if (i < 0)
		return i;
	status_one(c, (size_t)i, out);
	return 0;
}

/* Power device i on or off (a board: sim_board_power_on/off, through its
 * bus-device adaptor). */
static int switch_power(struct sim_ctl *c, size_t i, bool on, struct sim_text *out)
{
	char busid[32];

	if (sim_bus_dev_power(&c->devs[i], on, board_now(c, i)) == 0)
		return 0;
	busid_of(i, busid, sizeof(busid));
	return ctl_error(out, DFU_E_UNSUPPORTED, "device %s has no power switch", busid);
}

static int cmd_power_cycle(struct sim_ctl *c, const struct ctl_cmd *cmd, char **argv, int argc,
			   struct sim_text *out)
{
	int i = find_dev(c, argv[1], out);
	(void)cmd;
	(void)argc;

	if (i < 0)
		return i;
	if (c->boards[i])
		sim_board_power_cycle(c->boards[i], board_now(c, (size_t)i));
	else if (switch_power(c, (size_t)i, false, out) < 0 ||
		 switch_power(c, (size_t)i, true, out) < 0)
		return DFU_E_UNSUPPORTED;
	changed(c, (size_t)i);
	return 0;
}

static int cmd_reset(struct sim_ctl *c, const struct ctl_cmd *cmd, char **argv, int argc,
		     struct sim_text *out)
{
	int i = find_board(c, cmd, argv[1], out);
	(void)argc;

	if (i < 0)
		return i;
	sim_board_press_reset(c->boards[i], board_now(c, (size_t)i));
	changed(c, (size_t)i);
	return 0;
}

static int cmd_boot0(struct sim_ctl *c, const struct ctl_cmd *cmd, char **argv, int argc,
		     struct sim_text *out)
{
	int i;
	(void)argc;

	if (strcmp(argv[2], "0") != 0 && strcmp(argv[2], "1") != 0)
		return ctl_usage(out, cmd);
	i = find_board(c, cmd, argv[1], out);
	if (i < 0)
		return i;
	sim_board_set_boot0(c->boards[i], argv[2][0] == '1', board_now(c, (size_t)i));
	changed(c, (size_t)i);
	return 0;
}

static int cmd_power(struct sim_ctl *c, const struct ctl_cmd *cmd, char **argv, int argc,
		     struct sim_text *out)
{
	int i;
	(void)argc;

	if (strcmp(argv[1], "on") != 0 && strcmp(argv[1], "off") != 0)
		return ctl_usage(out, cmd);
	i = find_dev(c, argv[2], out);
	if (i < 0)
		return i;
	if (switch_power(c, (size_t)i, strcmp(argv[1], "on") == 0, out) < 0)
		return DFU_E_UNSUPPORTED;
	changed(c, (size_t)i);
	return 0;
}

static int cmd_quit(struct sim_ctl *c, const struct ctl_cmd *cmd, char **argv, int argc,
		    struct sim_text *out)
{
	(void)cmd;
	(void)argv;
	(void)argc;
	(void)out;
	c->quit = true;
	if (c->srv)
		usbip_server_stop(c->srv);
	return 0;
}

static int cmd_help(struct sim_ctl *c, const struct ctl_cmd *cmd, char **argv, int argc,
		    struct sim_text *out)
{
	(void)c;
	(void)cmd;
	(void)argv;
	(void)argc;
	sim_ctl_help(out);
	return 0;
}


static const struct ctl_cmd commands[] = {
	{ "status", "[DEV]", "what runs, USB, power, BOOT0, PEMPTY, OPTR (every device without DEV)",
	  0, 1, cmd_status },
	{ "power-cycle", "DEV", "power off, then on (PEMPTY re-sampled)", 1, 1, cmd_power_cycle },
	{ "reset", "DEV", "press NRST (system reset, PEMPTY kept)", 1, 1, cmd_reset },
	{ "boot0", "DEV 0|1", "set the BOOT0 pin (read at the next reset)", 2, 2, cmd_boot0 },
	{ "power", "off|on DEV", "switch the board's power", 2, 2, cmd_power },
	{ "dump", "flash DEV [ADDR LEN] | ob DEV",
	  "hexdump of main flash (runs of equal lines as \"*\"), or of the option bytes with "
	  "OPTR decoded",
	  2, 4, cmd_dump},
	{ "log", "DEV [N]", "the last N event-log lines (default 20)", 1, 2, cmd_log},
	{ "query", "DEV", "the facts of `status` as \"key value\" lines, for programs", 1, 1,
	  cmd_query},
	{ "crc", "DEV [LEN]", "CRC-32 of main flash's first LEN bytes (default all)", 1, 2,
	  cmd_crc},
	{ "preload", "DEV FILE [ADDR]",
	  "factory programming: FILE into main flash at ADDR (default its base), no reset", 2, 3,
	  cmd_preload},
	{ "ob-write", "DEV HEX",
	  "the whole option-byte flash (as `query` shows it), loaded at the next power-on or "
	  "option load",
	  2, 2, cmd_ob_write},
	{ "help", "", "this list", 0, 0, cmd_help },
	{ "quit", "", "stop dfu-sim", 0, 0, cmd_quit },
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

void sim_ctl_help(struct sim_text *out)
{
	for (size_t i = 0; i < NCOMMANDS; i++) {
		char left[64];

		snprintf(left, sizeof(left), "%s%s%s", commands[i].name, *commands[i].args ? " " : "",
			 commands[i].args);
		sim_text_printf(out, "%-30s %s\n", left, commands[i].help);
	}
	sim_text_printf(out, "DEV: a busid (1-1), a device number (1) or a serial\n");
}

static const struct ctl_cmd *find_cmd(const char *name)
{
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (strcmp(name, commands[i].name) == 0)
			return &commands[i];
	return NULL;
}

static int unknown_cmd(struct sim_text *out, const char *name)
{
	sim_text_printf(out, "unknown command \"%s\"; try \"help\" (commands:", name);
	for (size_t i = 0; i < NCOMMANDS; i++)
		sim_text_printf(out, " %s", commands[i].name);
	sim_text_printf(out, ")");
	return DFU_E_USAGE;
}

#define MAX_ARGS 8

/* The line's words into argv (at most MAX_ARGS); their count, or a negative
 * dfu_err with the sentence in `out`. */
static int split_words(const char *line, char *buf, size_t cap, char **argv,
		       struct sim_text *out)
{
	char *save = NULL, *tok;
	int argc = 0;

	if (strlen(line) > SIM_CTL_LINE_MAX || strlen(line) >= cap)
		return ctl_error(out, DFU_E_USAGE, "command longer than %d characters",
				 SIM_CTL_LINE_MAX);
	snprintf(buf, cap, "%s", line);
	for (tok = strtok_r(buf, " \t\r\n", &save); tok; tok = strtok_r(NULL, " \t\r\n", &save)) {
		if (argc == MAX_ARGS)
			return ctl_error(out, DFU_E_USAGE, "too many words in \"%s\"", line);
		argv[argc++] = tok;
	}
	argv[argc] = NULL;
	if (argc == 0)
		return ctl_error(out, DFU_E_USAGE, "empty command; try \"help\"");
	return argc;
}

int sim_ctl_execute(struct sim_ctl *c, const char *line, struct sim_text *out)
{
	char buf[SIM_CTL_LINE_MAX + 1];
	char *argv[MAX_ARGS + 1];
	const struct ctl_cmd *cmd;
	int argc = split_words(line, buf, sizeof(buf), argv, out);

	if (argc < 0)
		return argc;
	cmd = find_cmd(argv[0]);
	if (!cmd)
		return unknown_cmd(out, argv[0]);
	if (argc - 1 < cmd->min_args || argc - 1 > cmd->max_args)
		return ctl_usage(out, cmd);
	return cmd->fn(c, cmd, argv, argc, out);
}

/* ---- the socket ---- */

static void client_close(struct ctl_client *cl)
{
	struct sim_ctl *c = cl->ctl;

	for (size_t i = 0; i < SIM_CTL_MAX_CLIENTS; i++)
		if (c->clients[i] == cl)
			c->clients[i] = NULL;
	if (c->srv)
		usbip_server_unwatch(c->srv, cl->fd);
	close(cl->fd);
	sim_text_free(&cl->out);
	free(cl);
}

static void client_flush(struct ctl_client *cl, bool block)
{
	while (cl->out_off < cl->out.len) {
		ssize_t n = send(cl->fd, cl->out.p + cl->out_off, cl->out.len - cl->out_off,
				 MSG_NOSIGNAL);

		if (n > 0) {
			cl->out_off += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			struct pollfd pfd = { .fd = cl->fd, .events = POLLOUT };

			if (block && poll(&pfd, 1, 1000) > 0)
				continue;
			return;
		}
		cl->dead = true;
		return;
	}
	sim_text_free(&cl->out);
	cl->out_off = 0;
}

static void client_line(struct ctl_client *cl, const char *line)
{
	struct sim_text ans = { 0 };
	int rc = sim_ctl_execute(cl->ctl, line, &ans);

	if (ans.overflow) {
		sim_text_free(&ans);
		sim_text_printf(&ans, "answer longer than %u bytes; ask for less",
				SIM_CTL_TEXT_MAX);
		rc = DFU_E_NOSPACE;
	}
	if (rc < 0) {
		/* One line: newlines inside the message would end the answer. */
		for (size_t k = 0; k < ans.len; k++)
			if (ans.p[k] == '\n')
				ans.p[k] = ' ';
		sim_text_printf(&cl->out, "error: %s\n", ans.p ? ans.p : "failed");
	} else {
		if (ans.len)
			sim_text_printf(&cl->out, "%s", ans.p);
		sim_text_printf(&cl->out, "ok\n");
	}
	sim_text_free(&ans);
}

static void client_event(void *ctx, int fd, uint32_t events)
{
	struct ctl_client *cl = ctx;
	(void)fd;

	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
		for (;;) {
			ssize_t n = recv(cl->fd, cl->in + cl->in_len, SIM_CTL_LINE_MAX - cl->in_len, 0);
			char *nl;

			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
				break;
			if (n <= 0) {
				cl->dead = true;
				break;
			}
			cl->in_len += (size_t)n;
			cl->in[cl->in_len] = 0;
			while ((nl = memchr(cl->in, '\n', cl->in_len)) != NULL) {
				size_t used = (size_t)(nl - cl->in) + 1;

				*nl = 0;
				client_line(cl, cl->in);
				memmove(cl->in, cl->in + used, cl->in_len - used);
				cl->in_len -= used;
				cl->in[cl->in_len] = 0;
			}
			if (cl->in_len == SIM_CTL_LINE_MAX) {
				sim_text_printf(&cl->out, "error: command longer than %d characters\n",
						SIM_CTL_LINE_MAX);
				client_flush(cl, true);
				cl->dead = true;
				break;
			}
			if (cl->ctl->quit)
				break;
		}
	}
	client_flush(cl, cl->ctl->quit || cl->dead);
	if (cl->dead || cl->ctl->quit)
		client_close(cl);
}

static void listen_event(void *ctx, int fd, uint32_t events)
{
	struct sim_ctl *c = ctx;
	(void)events;

	for (;;) {
		int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct ctl_client *cl;
		size_t slot;

		if (cfd < 0)
			return;
		for (slot = 0; slot < SIM_CTL_MAX_CLIENTS && c->clients[slot]; slot++)
			;
		cl = slot < SIM_CTL_MAX_CLIENTS ? calloc(1, sizeof(*cl)) : NULL;
		if (!cl) {
			static const char busy[] = "error: too many control clients at once\n";

			if (send(cfd, busy, sizeof(busy) - 1, MSG_NOSIGNAL) < 0) {
				/* nothing more to tell it */
			}
			close(cfd);
			continue;
		}
		cl->ctl = c;
		cl->fd = cfd;
		if (usbip_server_watch(c->srv, cfd, EPOLLIN, client_event, cl) < 0) {
			close(cfd);
			free(cl);
			continue;
		}
		c->clients[slot] = cl;
	}
}

int sim_ctl_listen(struct sim_ctl *c, const char *path, struct dfu_diag *diag)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat sb;
	int fd;

	if (!c->srv)
		return dfu_diag_set(diag, DFU_E_INVAL, 0, "the control channel needs a server");
	if (strlen(path) >= sizeof(sa.sun_path))
		return dfu_diag_set(diag, DFU_E_INVAL, 0,
				    "control socket path is longer than %zu characters (%zu); "
				    "choose a shorter --ctl path: %s",
				    sizeof(sa.sun_path) - 1, strlen(path), path);
	memcpy(sa.sun_path, path, strlen(path) + 1);
	if (lstat(path, &sb) == 0) {
		int probe;

		if (!S_ISSOCK(sb.st_mode))
			return dfu_diag_set(diag, DFU_E_BUSY, 0,
					    "%s exists and is not a socket; choose another --ctl path",
					    path);
		probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (probe >= 0 && connect(probe, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
			close(probe);
			return dfu_diag_set(diag, DFU_E_BUSY, 0,
					    "another dfu-sim answers on %s; stop it (dfu-sim ctl --ctl "
					    "%s quit) or choose another --ctl path",
					    path, path);
		}
		if (probe >= 0)
			close(probe);
		unlink(path); /* stale: its dfu-sim is gone */
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return dfu_diag_set(diag, DFU_E_IO, 0, "socket: %s", strerror(errno));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 8) < 0) {
		int e = errno;

		close(fd);
		return dfu_diag_set(diag, DFU_E_IO, 0, "%s: %s", path, strerror(e));
	}
	chmod(path, 0600);
	if (usbip_server_watch(c->srv, fd, EPOLLIN, listen_event, c) < 0) {
		close(fd);
		unlink(path);
		return dfu_diag_set(diag, DFU_E_IO, 0, "cannot watch %s", path);
	}
	c->listen_fd = fd;
	snprintf(c->path, sizeof(c->path), "%s", path);
	return 0;
}

/* ---- the client ---- */

/* A connected socket with the command line sent and the writing side shut,
 * or a negative dfu_err with the sentence in `out`. */
static int request_send(const char *path, const char *command, struct sim_text *out)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char line[SIM_CTL_LINE_MAX + 2];
	size_t len = strlen(command);
	int fd;

	if (len > SIM_CTL_LINE_MAX || strchr(command, '\n'))
		return ctl_error(out, DFU_E_USAGE, "the command is longer than %d characters or "
						   "holds a newline",
				 SIM_CTL_LINE_MAX);
	if (strlen(path) >= sizeof(sa.sun_path))
		return ctl_error(out, DFU_E_INVAL, "%s: path too long for a socket", path);
	memcpy(sa.sun_path, path, strlen(path) + 1);
	memcpy(line, command, len);
	line[len++] = '\n';
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;

		if (fd >= 0)
			close(fd);
		return ctl_error(out, DFU_E_NOTFOUND,
				 "cannot connect to %s: %s (is dfu-sim running? start it, or pass "
				 "the --ctl PATH it was started with)",
				 path, strerror(e));
	}
	if (send(fd, line, len, MSG_NOSIGNAL) != (ssize_t)len) {
		int e = errno;

		close(fd);
		return ctl_error(out, DFU_E_IO, "%s: send: %s", path, strerror(e));
	}
	shutdown(fd, SHUT_WR);
	return fd;
}

/* Everything the server sends until it closes, into `ans`; 0, or
 * DFU_E_TIMEOUT with the sentence in `out`. Closes `fd`. */
static int request_receive(int fd, const char *path, int timeout_ms, struct sim_text *ans,
			   struct sim_text *out)
{
	char buf[65536];

	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (poll(&pfd, 1, timeout_ms) <= 0) {
			close(fd);
			return ctl_error(out, DFU_E_TIMEOUT, "%s: no answer within %d ms", path,
					 timeout_ms);
		}
		n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		sim_text_printf(ans, "%.*s", (int)n, buf);
	}
	close(fd);
	return 0;
}

/* The answer's text lines into `out`, and its last line ("ok" or
 * "error: ...") as the result. */
static int request_result(const char *path, struct sim_text *ans, struct sim_text *out)
{
	char *last, *status;

	if (ans->overflow || !ans->len || ans->p[ans->len - 1] != '\n')
		return ctl_error(out, DFU_E_IO, "%s closed the connection without a complete answer",
				 path);
	ans->p[--ans->len] = 0;
	last = strrchr(ans->p, '\n');
	status = last ? last + 1 : ans->p;
	if (strcmp(status, "ok") == 0) {
		sim_text_printf(out, "%.*s", (int)(status - ans->p), ans->p);
		return 0;
	}
	if (strncmp(status, "error: ", 7) == 0)
		return ctl_error(out, DFU_E_DEVICE, "%s", status + 7);
	return ctl_error(out, DFU_E_PROTOCOL, "unexpected answer \"%s\"", status);
}

int sim_ctl_request(const char *path, const char *command, int timeout_ms, struct sim_text *out)
{
	struct sim_text ans = { 0 };
	int fd = request_send(path, command, out);
	int rc;

	if (fd < 0)
		return fd;
	rc = request_receive(fd, path, timeout_ms, &ans, out);
	if (rc == 0)
		rc = request_result(path, &ans, out);
	sim_text_free(&ans);
	return rc;
}
