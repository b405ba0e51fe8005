/*
 * scenario_usbip.c - the scenario runner's boards in a dfu-sim process:
 * dfu-flash runs with --usbip against its USB/IP server on loopback, and
 * the physical world (power, NRST, BOOT0, factory programming) and every
 * observation go through its control channel with sim_ctl_request(), the
 * client `dfu-sim ctl` uses. Time is the wall clock: `wait` sleeps.
 *
 * The dfu-sim is either a child started for the scenario's `chip` line and
 * stopped at teardown, or one the user started (attach).
 */
#define _GNU_SOURCE /* mkdtemp, pipe2 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "dfu/bytes.h"
#include "dfu/error.h"
#include "host/cli.h"
#include "lab/scenario.h"
#include "host/stm32_optr.h"
#include "host/xport_usbip.h"
#include "sim/l4_profile.h"
#include "sim/sim_ctl.h"

extern char **environ;

#define CTL_TIMEOUT_MS 10000
#define READY_TIMEOUT_MS 10000
#define STOP_TIMEOUT_MS 5000
#define LOG_LINES_MAX "1000000"

struct usbip_be {
	struct scn_usbip_config cfg;
	char dfu_sim[PATH_MAX];
	char dir[96];		/* private temporary directory (fits a socket path) */
	char ctl[PATH_MAX];
	char addr[XPORT_USBIP_HOST_MAX + 8];
	char ready[512];
	pid_t pid;		/* the child dfu-sim, or 0 */
	unsigned n;		/* boards the chip line asked for */
	unsigned ob_size;
	const struct dfu_ob_layout *ob_layout;	/* the chip's option-byte fields */
	unsigned preloads;
};

static uint64_t mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void sleep_ms(uint64_t ms)
{
	struct timespec ts = { .tv_sec = (time_t)(ms / 1000u),
			       .tv_nsec = (long)(ms % 1000u) * 1000000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

void *scn_usbip_new(const struct scn_usbip_config *cfg)
{
	struct usbip_be *t = calloc(1, sizeof(*t));
	if (t && cfg)
		t->cfg = *cfg;
	return t;
}

static void *create(const void *config)
{
	return scn_usbip_new(config);
}

const char *scn_usbip_addr(const void *be)
{
	return ((const struct usbip_be *)be)->addr;
}

const char *scn_usbip_ctl(const void *be)
{
	return ((const struct usbip_be *)be)->ctl;
}

const char *scn_usbip_ready_line(const void *be)
{
	return ((const struct usbip_be *)be)->ready;
}

/* ---- the control channel ---- */

static int ctl(struct usbip_be *t, struct sim_text *ans, char *msg, size_t cap, const char *fmt,
	       ...) __attribute__((format(printf, 5, 6)));
/* One command; 0 with the answer in *ans (free it), or the error in msg. */
static int ctl(struct usbip_be *t, struct sim_text *ans, char *msg, size_t cap, const char *fmt,
	       ...)
{
	char line[SIM_CTL_LINE_MAX + 1];
	struct sim_text out = { 0 };
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	rc = sim_ctl_request(t->ctl, line, CTL_TIMEOUT_MS, &out);
	if (rc < 0) {
		snprintf(msg, cap, "dfu-sim ctl %s: %s", line, out.p ? out.p : dfu_strerror(rc));
		sim_text_free(&out);
		return rc;
	}
	if (ans)
		*ans = out;
	else
		sim_text_free(&out);
	return 0;
}

/* The value of "KEY value" in a query answer, or NULL. */
static const char *value_of(const struct sim_text *ans, const char *key, char *out, size_t cap)
{
	size_t kl = strlen(key);

	for (const char *p = ans->p; p && *p;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		if (n > kl && !strncmp(p, key, kl) && p[kl] == ' ') {
			snprintf(out, cap, "%.*s", (int)(n - kl - 1), p + kl + 1);
			return out;
		}
		p = nl ? nl + 1 : NULL;
	}
	return NULL;
}

/* `query` of board `dev`, one key of it into out. */
static int query(struct usbip_be *t, unsigned dev, const char *key, char *out, size_t cap,
		 char *msg, size_t mcap)
{
	struct sim_text ans;
	int rc;

	if (dev >= t->n) {
		snprintf(msg, mcap, "board %u does not exist (%u built)", dev, t->n);
		return DFU_E_RANGE;
	}
	rc = ctl(t, &ans, msg, mcap, "query 1-%u", dev + 1);
	if (rc < 0)
		return rc;
	if (!value_of(&ans, key, out, cap)) {
		snprintf(msg, mcap, "dfu-sim's query 1-%u has no \"%s\" line (an older dfu-sim?)",
			 dev + 1, key);
		rc = DFU_E_PROTOCOL;
	}
	sim_text_free(&ans);
	return rc;
}

/* ---- starting and stopping dfu-sim ---- */

static int make_dir(struct usbip_be *t, char *msg, size_t cap)
{
	const char *tmp = getenv("TMPDIR");

	if (t->dir[0])
		return 0;
	/* The control socket's path must fit a sockaddr_un, and ctl commands
	 * split words at spaces. */
	if (!tmp || !*tmp || strlen(tmp) > 60 || strpbrk(tmp, " \t"))
		tmp = "/tmp";
	snprintf(t->dir, sizeof(t->dir), "%s/dfulab-usbip-XXXXXX", tmp);
	if (!mkdtemp(t->dir)) {
		snprintf(msg, cap, "cannot make a temporary directory in %s: %s", tmp,
			 strerror(errno));
		t->dir[0] = '\0';
		return DFU_E_IO;
	}
	return 0;
}

/* The dfu-sim binary: the configured one, $DFU_SIM, ../sim/dfu-sim next to
 * this program (the build tree's layout), else "dfu-sim" from PATH. */
static void find_dfu_sim(struct usbip_be *t)
{
	char self[PATH_MAX];
	ssize_t n;
	const char *env = getenv("DFU_SIM");

	if (t->cfg.dfu_sim && *t->cfg.dfu_sim) {
		snprintf(t->dfu_sim, sizeof(t->dfu_sim), "%s", t->cfg.dfu_sim);
		return;
	}
	if (env && *env) {
		snprintf(t->dfu_sim, sizeof(t->dfu_sim), "%s", env);
		return;
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		char *slash;
		self[n] = '\0';
		slash = strrchr(self, '/');
		if (slash) {
			*slash = '\0';
			if ((size_t)snprintf(t->dfu_sim, sizeof(t->dfu_sim), "%s/../sim/dfu-sim",
					     self) < sizeof(t->dfu_sim) &&
			    access(t->dfu_sim, X_OK) == 0)
				return;
		}
	}
	snprintf(t->dfu_sim, sizeof(t->dfu_sim), "dfu-sim");
}

/* The first lines of dfu-sim's stderr, for a message. */
static void read_stderr(const struct usbip_be *t, char *out, size_t cap)
{
	char path[PATH_MAX + 16];
	FILE *f;
	size_t n = 0;

	out[0] = '\0';
	snprintf(path, sizeof(path), "%s/stderr", t->dir);
	f = fopen(path, "r");
	if (f) {
		n = fread(out, 1, cap - 1, f);
		fclose(f);
	}
	out[n] = '\0';
	while (n && (out[n - 1] == '\n' || out[n - 1] == ' '))
		out[--n] = '\0';
	for (size_t i = 0; i < n; i++)
		if (out[i] == '\n')
			out[i] = ' ';
}

static void stop_child(struct usbip_be *t)
{
	int status;

	if (!t->pid)
		return;
	kill(t->pid, SIGTERM);
	for (unsigned waited = 0; waited < STOP_TIMEOUT_MS; waited += 10) {
		if (waitpid(t->pid, &status, WNOHANG) == t->pid) {
			t->pid = 0;
			return;
		}
		sleep_ms(10);
	}
	kill(t->pid, SIGKILL);
	waitpid(t->pid, &status, 0);
	t->pid = 0;
}

/* The spec as dfu-sim's flags: its list form, "CHIP,key=value,...", is
 * "--chip CHIP --key value ..." (one grammar, sim/board_spec.h). The
 * strings live in `buf` and `keys`; returns the number of argv entries
 * written, or a dfu_err. */
static int spec_flags(const struct sim_board_spec *chip, char *buf, size_t cap, char *keys,
		      size_t keys_cap, const char **argv, int max)
{
	char *item, *save = NULL;
	size_t used = 0;
	int n = 0;

	if (sim_board_spec_format(chip, buf, cap) < 0)
		return DFU_E_NOSPACE;
	for (item = strtok_r(buf, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(item, '=');
		int w;

		if (n + 2 > max)
			return DFU_E_NOSPACE;
		if (n == 0) {
			argv[n++] = "--chip";
			argv[n++] = item;
			continue;
		}
		if (!eq)
			return DFU_E_INVAL;
		*eq = '\0';
		w = snprintf(keys + used, keys_cap - used, "--%s", item);
		if (w < 0 || (size_t)w >= keys_cap - used)
			return DFU_E_NOSPACE;
		argv[n++] = keys + used;
		argv[n++] = eq + 1;
		used += (size_t)w + 1;
	}
	return n;
}

/* Start dfu-sim with argv, its stdout on a pipe (returned in *out_fd) and
 * its stderr in the run directory. */
static int spawn_child(struct usbip_be *t, const char *const *argv, int *out_fd, char *msg,
		       size_t cap)
{
	char errpath[PATH_MAX + 8];
	posix_spawn_file_actions_t fa;
	int pipefd[2], rc;

	snprintf(errpath, sizeof(errpath), "%s/stderr", t->dir);
	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		snprintf(msg, cap, "pipe: %s", strerror(errno));
		return DFU_E_IO;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], 1);
	posix_spawn_file_actions_addopen(&fa, 2, errpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	rc = posix_spawnp(&t->pid, argv[0], &fa, NULL, (char *const *)argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(pipefd[1]);
	if (rc != 0) {
		close(pipefd[0]);
		t->pid = 0;
		snprintf(msg, cap, "cannot start %s: %s (build it, or give its path)", t->dfu_sim,
			 strerror(rc));
		return DFU_E_NOTFOUND;
	}
	*out_fd = pipefd[0];
	return 0;
}

/* Its ready line, "dfu-sim: serving ... on 127.0.0.1 port N; control
 * socket P", into t->ready (without the newline); closes fd. */
static int read_ready_line(struct usbip_be *t, int fd, char *msg, size_t cap)
{
	uint64_t deadline = mono_us() + READY_TIMEOUT_MS * 1000u;
	size_t got = 0;

	while (!strchr(t->ready, '\n')) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		uint64_t now = mono_us();
		ssize_t r;

		if (now >= deadline || poll(&pfd, 1, (int)((deadline - now) / 1000u) + 1) <= 0) {
			close(fd);
			stop_child(t);
			snprintf(msg, cap, "%s printed no ready line within %d ms", t->dfu_sim,
				 READY_TIMEOUT_MS);
			return DFU_E_TIMEOUT;
		}
		r = read(fd, t->ready + got, sizeof(t->ready) - 1 - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0 || got + (size_t)r >= sizeof(t->ready) - 1) {
			char err[300];
			int status = 0;
			close(fd);
			if (r <= 0) {
				waitpid(t->pid, &status, 0);
				t->pid = 0;
			} else {
				stop_child(t);
			}
			read_stderr(t, err, sizeof(err));
			snprintf(msg, cap, "%s stopped before it was ready: %s", t->dfu_sim,
				 err[0] ? err : "(no message)");
			return DFU_E_IO;
		}
		got += (size_t)r;
		t->ready[got] = '\0';
	}
	close(fd); /* dfu-sim prints nothing more on stdout */
	*strchr(t->ready, '\n') = '\0';
	return 0;
}

/* A dfu-sim of our own for the chip line, on 127.0.0.1 and a free port. */
static int start_child(struct usbip_be *t, const struct sim_board_spec *chip, char *msg, size_t cap)
{
	const char *argv[64];
	char spec[SIM_BOARD_SPEC_IMAGE_MAX + 512], keys[512], logpath[PATH_MAX + 8];
	const char *port;
	unsigned long p;
	int n = 0, rc, fd = -1;

	find_dfu_sim(t);
	snprintf(t->ctl, sizeof(t->ctl), "%s/ctl.sock", t->dir);
	snprintf(logpath, sizeof(logpath), "%s/log", t->dir);
	argv[n++] = t->dfu_sim;
	rc = spec_flags(chip, spec, sizeof(spec), keys, sizeof(keys), argv + n, 48);
	if (rc < 0) {
		snprintf(msg, cap, "the chip line does not fit dfu-sim's command line: %s",
			 dfu_strerror(rc));
		return rc;
	}
	n += rc;
	argv[n++] = "--listen";
	argv[n++] = "127.0.0.1";
	argv[n++] = "--port";
	argv[n++] = "0";
	argv[n++] = "--ctl";
	argv[n++] = t->ctl;
	argv[n++] = "--log";
	argv[n++] = logpath;
	argv[n] = NULL;
	rc = spawn_child(t, argv, &fd, msg, cap);
	if (rc == 0)
		rc = read_ready_line(t, fd, msg, cap);
	if (rc < 0)
		return rc;
	port = strstr(t->ready, " port ");
	p = port ? strtoul(port + 6, NULL, 10) : 0;
	if (!p || p > 65535) {
		stop_child(t);
		snprintf(msg, cap, "cannot find the port in dfu-sim's ready line \"%s\"", t->ready);
		return DFU_E_PROTOCOL;
	}
	snprintf(t->addr, sizeof(t->addr), "127.0.0.1:%lu", p);
	return 0;
}

/* An attached dfu-sim must serve what the chip line asks for. */
static int check_attached(struct usbip_be *t, const struct sim_board_spec *chip, char *msg,
			  size_t cap)
{
	char host[XPORT_USBIP_HOST_MAX], v[128];
	uint16_t port;
	int rc;

	if (!t->cfg.ctl || !*t->cfg.ctl) {
		snprintf(msg, cap, "attaching to %s needs the control socket of that dfu-sim "
				   "(--ctl PATH)", t->cfg.addr);
		return DFU_E_USAGE;
	}
	rc = xport_usbip_parse_addr(t->cfg.addr, host, &port, msg, cap);
	if (rc < 0)
		return rc;
	snprintf(t->addr, sizeof(t->addr), "%s", t->cfg.addr);
	snprintf(t->ctl, sizeof(t->ctl), "%s", t->cfg.ctl);
	for (unsigned i = 0; i < chip->count; i++) {
		struct sim_text ans;
		char want_quirks[16], timing[16], leave[16], app[16];

		rc = ctl(t, &ans, msg, cap, "query 1-%u", i + 1);
		if (rc == DFU_E_DEVICE && i > 0) {
			snprintf(msg, cap, "the dfu-sim at %s serves %u board(s); the chip line "
					   "asks for %u (start it with --count %u)",
				 t->addr, i, chip->count, chip->count);
			return DFU_E_NOTFOUND;
		}
		if (rc < 0)
			return rc;
		snprintf(want_quirks, sizeof(want_quirks), "0x%X", chip->quirks);
		sim_board_spec_value(chip, "timing", timing, sizeof(timing));
		sim_board_spec_value(chip, "app", app, sizeof(app));
		struct {
			const char *key, *want, *flag;
		} checks[] = {
			{ "chip", sim_board_spec_chip_name(chip), "--chip" },
			{ "timing", timing, "--timing" },
			{ "leave", sim_board_spec_value(chip, "leave", leave, sizeof(leave)) == 1
					   ? leave : NULL, "--leave" },
			{ "app", app, "--app" },
			{ "quirks", want_quirks, "--quirk" },
		};
		for (size_t k = 0; k < sizeof(checks) / sizeof(checks[0]) && rc == 0; k++) {
			if (!checks[k].want)
				continue;
			v[0] = '\0';
			if (!value_of(&ans, checks[k].key, v, sizeof(v)) ||
			    strcmp(v, checks[k].want)) {
				snprintf(msg, cap, "the dfu-sim at %s runs board 1-%u with %s %s; the "
						   "chip line asks for %s (restart it with %s)",
					 t->addr, i + 1, checks[k].key, v, checks[k].want,
					 checks[k].flag);
				rc = DFU_E_UNSUPPORTED;
			}
		}
		sim_text_free(&ans);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int setup(void *be, const struct sim_board_spec *chip, char *msg, size_t cap)
{
	struct usbip_be *t = be;
	const struct l4_profile *p = chip->profile;
	int rc;

	if (t->n) {
		snprintf(msg, cap, "the boards were already built");
		return DFU_E_USAGE;
	}
	if (chip->kind != SIM_BOARD_KIND_L4 || chip->count > SCN_MAX_BOARDS) {
		snprintf(msg, cap, "%u %s: the scenario runner builds 1-%d STM32 boards", chip->count,
			 sim_board_spec_chip_name(chip), SCN_MAX_BOARDS);
		return DFU_E_USAGE;
	}
	rc = make_dir(t, msg, cap);
	if (rc < 0)
		return rc;
	rc = t->cfg.addr ? check_attached(t, chip, msg, cap) : start_child(t, chip, msg, cap);
	if (rc < 0)
		return rc;
	t->n = chip->count;
	t->ob_size = p->ob_size;
	t->ob_layout = p->ob_layout;
	/* The in-process boards start unpowered; so do these. */
	for (unsigned i = 0; i < t->n; i++) {
		rc = ctl(t, NULL, msg, cap, "power off 1-%u", i + 1);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int check_dev(const struct usbip_be *t, unsigned dev, char *msg, size_t cap)
{
	if (dev < t->n)
		return 0;
	snprintf(msg, cap, "board %u does not exist (%u built)", dev, t->n);
	return DFU_E_RANGE;
}

static int preload(void *be, unsigned dev, const uint8_t *data, size_t len, char *msg, size_t cap)
{
	struct usbip_be *t = be;
	char path[PATH_MAX + 32];
	FILE *f;
	int rc = check_dev(t, dev, msg, cap);

	if (rc < 0)
		return rc;
	snprintf(path, sizeof(path), "%s/preload-%u.bin", t->dir, t->preloads++);
	f = fopen(path, "wb");
	if (!f || fwrite(data, 1, len, f) != len || fclose(f)) {
		snprintf(msg, cap, "cannot write %s: %s", path, strerror(errno));
		return DFU_E_IO;
	}
	rc = ctl(t, NULL, msg, cap, "preload 1-%u %s", dev + 1, path);
	unlink(path);
	return rc;
}

static int hex_to_bytes(const char *hex, uint8_t *out, size_t n)
{
	if (strlen(hex) != 2 * n)
		return -1;
	for (size_t i = 0; i < n; i++) {
		char two[3] = { hex[2 * i], hex[2 * i + 1], 0 }, *end;
		out[i] = (uint8_t)strtoul(two, &end, 16);
		if (*end)
			return -1;
	}
	return 0;
}

static int set_option(void *be, unsigned dev, const char *assignment, char *msg, size_t cap)
{
	struct usbip_be *t = be;
	char hex[2 * STM32_OB_MIN_SIZE + 2 * 64 + 2];
	uint8_t ob[64];
	int rc;

	rc = query(t, dev, "ob", hex, sizeof(hex), msg, cap);
	if (rc < 0)
		return rc;
	if (t->ob_size > sizeof(ob) || hex_to_bytes(hex, ob, t->ob_size) < 0) {
		snprintf(msg, cap, "dfu-sim's option bytes \"%s\" are not %u bytes of hex", hex,
			 t->ob_size);
		return DFU_E_PROTOCOL;
	}
	/* Level 2 allowed, as in-process: the board is emulated. */
	rc = stm32_ob_set_as(t->ob_layout, ob, t->ob_size, assignment, true, msg, cap);
	if (rc < 0)
		return rc;
	for (unsigned i = 0; i < t->ob_size; i++)
		snprintf(hex + 2 * i, 3, "%02x", ob[i]);
	return ctl(t, NULL, msg, cap, "ob-write 1-%u %s", dev + 1, hex);
}

static int boot0(void *be, unsigned dev, bool level, char *msg, size_t cap)
{
	struct usbip_be *t = be;
	int rc = check_dev(t, dev, msg, cap);
	return rc < 0 ? rc : ctl(t, NULL, msg, cap, "boot0 1-%u %d", dev + 1, level ? 1 : 0);
}

static int power(void *be, unsigned dev, enum scn_power what, char *msg, size_t cap)
{
	struct usbip_be *t = be;
	int rc = check_dev(t, dev, msg, cap);
	static const char *const cmd[] = { "power on", "power off", "power-cycle", "reset" };

	if (rc < 0)
		return rc;
	return ctl(t, NULL, msg, cap, "%s 1-%u", cmd[(unsigned)what < 4 ? what : 3], dev + 1);
}

static int wait_ms(void *be, uint64_t ms, char *msg, size_t cap)
{
	(void)be;
	(void)msg;
	(void)cap;
	sleep_ms(ms);
	return 0;
}

static int dfu_flash(void *be, int argc, char **argv, FILE *out, FILE *err)
{
	struct usbip_be *t = be;
	char **v = calloc((size_t)argc + 3, sizeof(*v));
	int rc;

	if (!v) {
		fprintf(err, "dfu-flash: out of memory\n");
		return CLI_EXIT_SOFTWARE;
	}
	v[0] = argv[0];
	v[1] = (char *)"--usbip";
	v[2] = t->addr;
	for (int i = 1; i < argc; i++)
		v[i + 2] = argv[i];
	rc = dfu_flash_run(argc + 2, v, out, err, NULL);
	free(v);
	return rc;
}

static int runs(void *be, unsigned dev, enum scn_runs *r, char *text, size_t cap)
{
	struct usbip_be *t = be;
	static const char *const words[] = { "nothing", "rom", "app", "sram", "lockup" };
	char word[32];
	int rc = query(t, dev, "runs", word, sizeof(word), text, cap);

	if (rc < 0)
		return rc;
	*r = SCN_RUNS_NOTHING;
	for (unsigned i = 0; i < 5; i++)
		if (!strcmp(word, words[i]))
			*r = (enum scn_runs)i;
	return query(t, dev, "running", text, cap, text, cap);
}

static int flash_crc(void *be, unsigned dev, uint32_t len, uint32_t *crc, char *msg, size_t cap)
{
	struct usbip_be *t = be;
	struct sim_text ans;
	int rc = check_dev(t, dev, msg, cap);

	if (rc < 0)
		return rc;
	if (len == 0) {
		*crc = 0; /* CRC-32 of nothing; `crc DEV 0` would mean all of flash */
		return 0;
	}
	rc = ctl(t, &ans, msg, cap, "crc 1-%u %u", dev + 1, len);
	if (rc < 0)
		return rc;
	*crc = (uint32_t)strtoul(ans.p ? ans.p : "0", NULL, 16);
	sim_text_free(&ans);
	return 0;
}

static int option_get(void *be, unsigned dev, const char *field, uint32_t *value, char *msg,
		      size_t cap)
{
	struct usbip_be *t = be;
	static const struct {
		const char *key;
		unsigned off;
	} regs[] = { { "optr", STM32_OB_OPTR },
		     { "wrp1ar", STM32_OB_WRP1AR },
		     { "wrp1br", STM32_OB_WRP1BR } };
	uint8_t ob[STM32_OB_MIN_SIZE + 4];
	char v[32];
	int rc;

	/* The loaded registers (what is in effect), in the block's layout. */
	memset(ob, 0xFF, sizeof(ob));
	for (size_t i = 0; i < 3; i++) {
		uint32_t w;
		rc = query(t, dev, regs[i].key, v, sizeof(v), msg, cap);
		if (rc < 0)
			return rc;
		w = (uint32_t)strtoul(v, NULL, 0);
		dfu_put_le32(ob + regs[i].off, w);
		dfu_put_le32(ob + regs[i].off + 4, ~w);
	}
	rc = stm32_ob_get_as(t->ob_layout, ob, sizeof(ob), field, value);
	if (rc < 0)
		snprintf(msg, cap, "no option-byte field '%s' (see dfu-flash --show-options)",
			 field);
	return rc;
}

static int pempty(void *be, unsigned dev, bool *pe, char *msg, size_t cap)
{
	char v[16];
	int rc = query(be, dev, "pempty", v, sizeof(v), msg, cap);

	if (rc < 0)
		return rc;
	if (strcmp(v, "0") && strcmp(v, "1")) {
		snprintf(msg, cap, "board %u has no flash-empty check", dev);
		return DFU_E_UNSUPPORTED;
	}
	*pe = v[0] == '1';
	return 0;
}

/* `log DEV N` gives "SECONDS.MICROS text" lines, oldest first. */
static int log_find(void *be, unsigned dev, const char *needle, char *line, size_t cap)
{
	struct usbip_be *t = be;
	struct sim_text ans;
	int rc = check_dev(t, dev, line, cap);

	if (rc < 0)
		return rc;
	rc = ctl(t, &ans, line, cap, "log 1-%u " LOG_LINES_MAX, dev + 1);
	if (rc < 0)
		return rc;
	rc = DFU_E_NOTFOUND;
	for (char *p = ans.p; p && *p;) {
		char *nl = strchr(p, '\n'), *text = strchr(p, ' ');

		if (nl)
			*nl = '\0';
		if (text && strstr(text + 1, needle)) { /* the newest wins */
			snprintf(line, cap, "%9.3f ms  %s", strtod(p, NULL) * 1e3, text + 1);
			rc = 0;
		}
		p = nl ? nl + 1 : NULL;
	}
	sim_text_free(&ans);
	return rc;
}

static uint64_t now_us(void *be)
{
	(void)be;
	return mono_us();
}

void scn_usbip_free(void *be)
{
	struct usbip_be *t = be;

	if (!t)
		return;
	stop_child(t);
	if (t->dir[0]) {
		static const char *const files[] = { "ctl.sock", "log", "stderr" };
		char path[PATH_MAX + 16];
		for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
			snprintf(path, sizeof(path), "%s/%s", t->dir, files[i]);
			unlink(path);
		}
		rmdir(t->dir);
	}
	free(t);
}

static void teardown(void *be)
{
	scn_usbip_free(be);
}

const struct scn_board_ops scn_usbip_ops = {
	.name = "USB/IP",
	.create = create,
	.setup = setup,
	.preload = preload,
	.set_option = set_option,
	.boot0 = boot0,
	.power = power,
	.wait_ms = wait_ms,
	.dfu_flash = dfu_flash,
	.runs = runs,
	.flash_crc = flash_crc,
	.option_get = option_get,
	.pempty = pempty,
	.log_find = log_find,
	.now_us = now_us,
	.teardown = teardown,
};
