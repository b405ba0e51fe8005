/*
 * cli_all.c - --all on a transport a process can open afresh (libusb,
 * --usbip): one child process per device, the parent only relays.
 *
 * Nothing in a transport or in the session engine is shared between
 * devices that way, so nothing needs to be thread-safe. Each child gets
 * three pipes: its stdout and stderr, which the parent copies line by line
 * to its own streams (human lines prefixed "[PATH SERIAL] ", JSON lines
 * whole, since the child puts the device into every object), and one
 * result record, "EXIT T0_US T1_US RESULT\n" (CLOCK_MONOTONIC, the same
 * clock in every process). Because only the parent writes to the real
 * streams, and only whole lines, children's output never interleaves
 * within a line. A child that gives no result within the limit is killed
 * and counted as failed.
 *
 * Then dfu-flash's --all itself: which devices match (in path order), one
 * process each on such a transport or one after another in this process
 * otherwise (the in-process boards), each running cli_run_one(), and the
 * table of results with the worst exit code.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "dfu/usb_desc.h"
#include "host/cli.h"
#include "cli_internal.h"

#define LINE_MAX_RELAY 4096
#define REC_MAX 256

enum { P_OUT, P_ERR, P_REC, P_N };

struct child {
	pid_t pid;
	int fd[P_N];
	char buf[P_N][LINE_MAX_RELAY];
	size_t len[P_N];
	char prefix[XPORT_PATH_MAX + XPORT_STRING_MAX + 4];
	uint64_t deadline_us;
	bool killed;
};

uint64_t cli_all_now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

void cli_all_json_dev(const struct cli_all_dev *d, char *out, size_t cap)
{
	char path[XPORT_PATH_MAX * 6], serial[XPORT_STRING_MAX * 6];

	cli_json_escape(d->path, path, sizeof(path));
	cli_json_escape(d->serial, serial, sizeof(serial));
	snprintf(out, cap, "\"path\":\"%s\",\"serial\":\"%s\"", path, serial);
}

/* ---- the child ---- */

#ifdef DFULAB_COVERAGE
void __gcov_dump(void);
#endif

/* _exit: the parent's atexit handlers and stdio buffers are not ours. */
__attribute__((noreturn)) static void child_exit(int status)
{
#ifdef DFULAB_COVERAGE
	__gcov_dump(); /* _exit skips the handler that writes the counts */
#endif
	_exit(status);
}

__attribute__((noreturn)) static void child_main(const struct cli_report *parent,
						 const struct cli_all_dev *d, size_t i,
						 int fd[P_N], cli_all_job_fn fn, void *ctx)
{
	struct cli_report rep = *parent;
	char json_dev[XPORT_PATH_MAX * 6 + XPORT_STRING_MAX * 6 + 32], tag[sizeof(json_dev)];
	char result[CLI_ALL_RESULT_MAX] = "", rec[REC_MAX], esc[CLI_ALL_RESULT_MAX * 2];
	uint64_t t0, t1;
	int ex, n;

	rep.out = fdopen(fd[P_OUT], "w");
	rep.err = fdopen(fd[P_ERR], "w");
	if (!rep.out || !rep.err)
		child_exit(CLI_EXIT_SOFTWARE);
	rep.bar = false; /* several bars on one terminal would only garble each other */
	cli_all_json_dev(d, json_dev, sizeof(json_dev));
	rep.json_dev = json_dev;
	snprintf(tag, sizeof(tag), "[%s %s] ", d->path, d->serial[0] ? d->serial : "(none)");
	rep.tag = tag;
	t0 = cli_all_now_us();
	cli_json_event(&rep, "start", "\"t_us\":%llu", (unsigned long long)t0);
	ex = fn(ctx, i, &rep, result, sizeof(result));
	t1 = cli_all_now_us();
	cli_json_escape(result, esc, sizeof(esc));
	cli_json_event(&rep, "end", "\"t_us\":%llu,\"exit\":%d,\"result\":\"%s\"",
		       (unsigned long long)t1, ex, esc);
	fclose(rep.out);
	fclose(rep.err);
	for (char *p = result; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	n = snprintf(rec, sizeof(rec), "%d %llu %llu %s\n", ex, (unsigned long long)t0,
		     (unsigned long long)t1, result);
	if (n > 0)
		cli_write_all(fd[P_REC], rec,
			      (size_t)n < sizeof(rec) ? (size_t)n : sizeof(rec) - 1);
	close(fd[P_REC]);
	child_exit(0);
}

/* ---- the parent ---- */

static void emit(const struct child *c, FILE *dst, bool prefix, const char *p, size_t n)
{
	if (n && p[n - 1] == '\r')
		n--;
	/* One buffer, one flush: the line reaches the stream whole. */
	fprintf(dst, "%s%.*s\n", prefix ? c->prefix : "", (int)n, p);
	fflush(dst);
}

/* Copy the complete lines in c->buf[which] out; at EOF, the rest too. */
static void relay(struct child *c, int which, const struct cli_report *rep, bool eof)
{
	FILE *dst = which == P_OUT ? rep->out : rep->err;
	bool prefix = which == P_ERR || !rep->json;
	char *b = c->buf[which];
	size_t start = 0;

	for (size_t k = 0; k < c->len[which]; k++)
		if (b[k] == '\n') {
			emit(c, dst, prefix, b + start, k - start);
			start = k + 1;
		}
	if (start == 0 && c->len[which] == sizeof(c->buf[which])) {
		/* a line longer than the buffer: out in pieces */
		emit(c, dst, prefix, b, c->len[which]);
		start = c->len[which];
	}
	if (eof && start < c->len[which]) {
		emit(c, dst, prefix, b + start, c->len[which] - start);
		start = c->len[which];
	}
	memmove(b, b + start, c->len[which] - start);
	c->len[which] -= start;
}

static void parse_record(struct child *c, int status, unsigned limit_s, struct cli_all_row *row)
{
	unsigned long long t0 = 0, t1 = 0;
	int ex = 0, used = 0;

	c->buf[P_REC][c->len[P_REC] < REC_MAX ? c->len[P_REC] : REC_MAX - 1] = '\0';
	if (!c->killed && c->len[P_REC] &&
	    sscanf(c->buf[P_REC], "%d %llu %llu %n", &ex, &t0, &t1, &used) == 3 && used > 0) {
		char *nl = strchr(c->buf[P_REC] + used, '\n');
		if (nl)
			*nl = '\0';
		row->ex = ex;
		row->t0_us = t0;
		row->t1_us = t1;
		snprintf(row->result, sizeof(row->result), "%s", c->buf[P_REC] + used);
		return;
	}
	row->t1_us = cli_all_now_us();
	if (c->killed) {
		row->ex = CLI_EXIT_IOERR;
		snprintf(row->result, sizeof(row->result), "failed: no result after %u s; its "
			 "process was stopped", limit_s);
	} else {
		row->ex = CLI_EXIT_SOFTWARE;
		if (WIFSIGNALED(status))
			snprintf(row->result, sizeof(row->result), "failed: its process died (signal "
				 "%d) without a result", WTERMSIG(status));
		else
			snprintf(row->result, sizeof(row->result), "failed: its process ended (status "
				 "%d) without a result", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	}
}

static int spawn(struct child *c, const struct cli_report *rep, const struct cli_all_dev *d,
		 size_t i, cli_all_job_fn fn, void *ctx, unsigned limit_s, struct cli_all_row *row)
{
	int p[P_N][2];

	memset(c, 0, sizeof(*c));
	for (int k = 0; k < P_N; k++)
		c->fd[k] = -1;
	for (int k = 0; k < P_N; k++)
		if (pipe2(p[k], O_CLOEXEC) < 0) {
			while (k-- > 0) {
				close(p[k][0]);
				close(p[k][1]);
			}
			return DFU_E_IO;
		}
	snprintf(c->prefix, sizeof(c->prefix), "[%s %s] ", d->path,
		 d->serial[0] ? d->serial : "(none)");
	fflush(rep->out);
	fflush(rep->err);
	if (rep->transcript)
		fflush(rep->transcript);
	row->t0_us = cli_all_now_us();
	c->pid = fork();
	if (c->pid == 0) {
		int fd[P_N];
		for (int k = 0; k < P_N; k++) {
			close(p[k][0]);
			fd[k] = p[k][1];
		}
		child_main(rep, d, i, fd, fn, ctx);
	}
	for (int k = 0; k < P_N; k++) {
		close(p[k][1]);
		if (c->pid < 0)
			close(p[k][0]);
		else
			c->fd[k] = p[k][0];
	}
	if (c->pid < 0)
		return DFU_E_IO;
	c->deadline_us = row->t0_us + (uint64_t)limit_s * 1000000u;
	return 0;
}

/* One --all run in the parent: the children, and how far it has got. */
struct fork_run {
	const struct cli_report *rep;
	const struct cli_all_dev *devs;
	size_t n, next, running, done;
	unsigned jobs, limit_s;
	cli_all_job_fn fn;
	void *ctx;
	struct child *kids;
	struct cli_all_row *rows;
};

/* Every pipe still open, for one poll(). */
struct pipe_set {
	struct pollfd pf[CLI_ALL_MAX * P_N];
	size_t who[CLI_ALL_MAX * P_N];
	int which[CLI_ALL_MAX * P_N];
	size_t np;
};

/* Start children until `jobs` run or every device has had one; a device
 * whose process cannot start gets its row at once. */
static void start_more(struct fork_run *f)
{
	while (f->running < f->jobs && f->next < f->n) {
		size_t k = f->next;
		struct cli_all_row *row = &f->rows[k];
		if (spawn(&f->kids[k], f->rep, &f->devs[k], k, f->fn, f->ctx, f->limit_s, row) < 0) {
			row->ex = CLI_EXIT_SOFTWARE;
			row->t1_us = row->t0_us;
			snprintf(row->result, sizeof(row->result),
				 "failed: cannot start a process for it: %s", strerror(errno));
			f->kids[k].pid = 0;
			f->done++;
		} else {
			f->running++;
		}
		f->next++;
	}
}

/* Kill the children past their limit and list every open pipe in *ps;
 * returns how long poll() may wait for the nearest limit (µs). */
static uint64_t watch_pipes(struct fork_run *f, struct pipe_set *ps)
{
	uint64_t now = cli_all_now_us(), wait_us = 1000000u;

	ps->np = 0;
	for (size_t k = 0; k < f->next; k++) {
		struct child *c = &f->kids[k];
		if (c->pid <= 0)
			continue;
		if (!c->killed && now >= c->deadline_us) {
			kill(c->pid, SIGKILL); /* its pipes close: EOF below */
			c->killed = true;
		} else if (!c->killed && c->deadline_us - now < wait_us) {
			wait_us = c->deadline_us - now;
		}
		for (int p = 0; p < P_N; p++)
			if (c->fd[p] >= 0 && ps->np < CLI_ALL_MAX * P_N) {
				ps->pf[ps->np] = (struct pollfd){ .fd = c->fd[p], .events = POLLIN };
				ps->who[ps->np] = k;
				ps->which[ps->np] = p;
				ps->np++;
			}
	}
	return wait_us;
}

/* Read what the ready pipes hold: output is relayed by whole lines, the
 * record kept; at EOF the pipe is closed (and the rest of its output
 * relayed). */
static void read_ready(struct fork_run *f, const struct pipe_set *ps)
{
	for (size_t q = 0; q < ps->np; q++) {
		struct child *c = &f->kids[ps->who[q]];
		int p = ps->which[q];
		ssize_t got;
		if (!(ps->pf[q].revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		got = read(c->fd[p], c->buf[p] + c->len[p], sizeof(c->buf[p]) - c->len[p]);
		if (got < 0 && errno == EINTR)
			continue;
		if (got > 0) {
			c->len[p] += (size_t)got;
			if (p != P_REC)
				relay(c, p, f->rep, false);
			else if (c->len[p] == sizeof(c->buf[p]))
				c->len[p] = REC_MAX; /* a record is one short line: ignore the rest */
			continue;
		}
		close(c->fd[p]);
		c->fd[p] = -1;
		if (p != P_REC)
			relay(c, p, f->rep, true);
	}
}

/* A child whose three pipes are closed has exited (or been killed): wait
 * for it and fill its row from its record. */
static void reap_finished(struct fork_run *f)
{
	for (size_t k = 0; k < f->next; k++) {
		struct child *c = &f->kids[k];
		int status = 0;
		if (c->pid <= 0 || c->fd[P_OUT] >= 0 || c->fd[P_ERR] >= 0 || c->fd[P_REC] >= 0)
			continue;
		while (waitpid(c->pid, &status, 0) < 0 && errno == EINTR)
			;
		parse_record(c, status, f->limit_s, &f->rows[k]);
		c->pid = 0;
		f->running--;
		f->done++;
	}
}

int cli_all_fork(const struct cli_report *rep, const struct cli_all_dev *devs, size_t n,
		 unsigned jobs, unsigned limit_s, cli_all_job_fn fn, void *ctx,
		 struct cli_all_row *rows)
{
	struct fork_run f = {
		.rep = rep, .devs = devs, .n = n, .jobs = jobs, .limit_s = limit_s,
		.fn = fn, .ctx = ctx, .rows = rows,
	};

	f.kids = calloc(n ? n : 1, sizeof(*f.kids));
	if (!f.kids)
		return DFU_E_NOMEM;
	if (f.jobs == 0 || f.jobs > n)
		f.jobs = (unsigned)n;
	while (f.done < n) {
		struct pipe_set ps;
		uint64_t wait_us;

		start_more(&f);
		wait_us = watch_pipes(&f, &ps);
		if (ps.np && poll(ps.pf, (nfds_t)ps.np, (int)(wait_us / 1000u) + 1) < 0)
			continue; /* EINTR; the deadlines still bound the wait */
		read_ready(&f, &ps);
		reap_finished(&f);
	}
	free(f.kids);
	return 0;
}

/* ---- dfu-flash --all: which devices, who runs them, the table ---- */

struct all_ctx {
	const struct dfu_match *m;
	size_t n;
	struct xport_dev_info *devs;	/* NULL: only count */
};

static int all_visit(void *ctx, const struct xport_dev_info *d)
{
	struct all_ctx *a = ctx;
	struct usb_config_iter it;
	struct usb_alt_info alt;

	if ((a->m->vid >= 0 && d->vid != a->m->vid) || (a->m->pid >= 0 && d->pid != a->m->pid) ||
	    (a->m->serial && a->m->serial[0] && strcmp(a->m->serial, d->serial) != 0) ||
	    (a->m->path && a->m->path[0] && strcmp(a->m->path, d->path) != 0) ||
	    a->n >= CLI_ALL_MAX)
		return 0;
	if (usb_config_iter_init(&it, d->config, d->config_len, NULL) < 0)
		return 0;
	for (int g = 0; g < 256 && usb_config_next_alt(&it, &alt) == 1; g++)
		if (alt.intf.bInterfaceClass == USB_CLASS_APP_SPEC &&
		    alt.intf.bInterfaceSubClass == USB_SUBCLASS_DFU &&
		    alt.intf.bInterfaceProtocol == USB_PROTO_DFU_MODE) {
			if (a->devs)
				a->devs[a->n] = *d;
			a->n++;
			break;
		}
	return 0;
}

/* Every matching DFU-mode device as path and serial, in path order (a
 * stable order whatever order the bus listed them in): how many, or
 * DFU_E_NOMEM. */
static int find_devices(const struct xport *x, const struct dfu_match *base,
			struct cli_all_dev *devs)
{
	struct all_ctx a = { .m = base };

	a.devs = calloc(CLI_ALL_MAX, sizeof(*a.devs));
	if (!a.devs)
		return DFU_E_NOMEM;
	xport_enumerate(x, all_visit, &a);
	for (size_t i = 0; i < a.n; i++) {
		snprintf(devs[i].path, sizeof(devs[i].path), "%s", a.devs[i].path);
		snprintf(devs[i].serial, sizeof(devs[i].serial), "%s", a.devs[i].serial);
	}
	free(a.devs);
	for (size_t i = 1; i < a.n; i++)
		for (size_t k = i; k > 0 && strcmp(devs[k - 1].path, devs[k].path) > 0; k--) {
			struct cli_all_dev t = devs[k];
			devs[k] = devs[k - 1];
			devs[k - 1] = t;
		}
	return (int)a.n;
}

/* In a device's own process: a transport of its own, from the same
 * command-line choice, and the device picked by path and serial. */
struct all_job {
	struct cli_job *j;
	const struct dfu_match *base;
	const struct cli_xport_kind *kind;
	const struct cli_all_dev *devs;
};

static int all_child(void *ctx, size_t i, struct cli_report *rep, char *result, size_t cap)
{
	struct all_job *a = ctx;
	struct cli_job *j = a->j;
	struct cli_xport_inst inst = { 0 };
	struct dfu_match m = *a->base;
	char msg[512];
	int ex;

	j->rep = *rep;
	if (a->kind->open(j->o->xport_arg, &inst, msg, sizeof(msg)) < 0) {
		cli_error(&j->rep, "%s", msg);
		snprintf(result, cap, "failed: the transport did not open");
		return CLI_EXIT_IOERR;
	}
	if (a->kind->only)
		a->kind->only(&inst, a->devs[i].path);
	j->x = &inst.x;
	j->rep.x = j->x;
	m.path = a->devs[i].path;
	m.devnum = 0;
	m.serial = a->devs[i].serial;
	j->result[0] = '\0';
	ex = cli_run_one(j, &m);
	snprintf(result, cap, "%.79s", j->result);
	a->kind->close(&inst);
	return ex;
}

/* One process per device, in parallel (--jobs caps how many at once). The
 * parent's own transport is closed first so a USB/IP device or a libusb
 * handle is free for its child; *kind is NULL afterwards. */
static int run_parallel(struct cli_job *j, const struct dfu_match *base,
			const struct cli_xport_kind **kind, struct cli_xport_inst *inst,
			const struct cli_all_dev *devs, size_t n, struct cli_all_row *rows)
{
	struct all_job aj = { .j = j, .base = base, .kind = *kind, .devs = devs };
	int worst = 0;

	(*kind)->close(inst);
	j->x = NULL;
	j->rep.x = NULL;
	if (cli_all_fork(&j->rep, devs, n, j->o->jobs, CLI_ALL_LIMIT_S, all_child, &aj,
			 rows) < 0) {
		cli_error(&j->rep, "--all: out of memory");
		worst = CLI_EXIT_SOFTWARE;
	}
	*kind = NULL; /* closed: the caller must not close it again */
	return worst;
}

/* One after the other in this process (the in-process transport, or one
 * the caller owns): every device gets the same job. */
static void run_serially(struct cli_job *j, const struct dfu_match *base,
			 const struct cli_all_dev *devs, size_t n, struct cli_all_row *rows)
{
	struct cli_report keep = j->rep;

	for (size_t i = 0; i < n; i++) {
		struct dfu_match m = *base;
		char json_dev[XPORT_PATH_MAX * 6 + XPORT_STRING_MAX * 6 + 32];
		char esc[sizeof(j->result) * 2];

		cli_all_json_dev(&devs[i], json_dev, sizeof(json_dev));
		j->rep.json_dev = json_dev;
		m.path = devs[i].path;
		m.devnum = 0;
		m.serial = NULL;
		j->result[0] = '\0';
		rows[i].t0_us = xport_now_us(j->x);
		cli_json_event(&j->rep, "start", "\"t_us\":%llu", (unsigned long long)rows[i].t0_us);
		rows[i].ex = cli_run_one(j, &m);
		rows[i].t1_us = xport_now_us(j->x);
		snprintf(rows[i].result, sizeof(rows[i].result), "%.79s", j->result);
		cli_json_escape(j->result, esc, sizeof(esc));
		cli_json_event(&j->rep, "end", "\"t_us\":%llu,\"exit\":%d,\"result\":\"%s\"",
			       (unsigned long long)rows[i].t1_us, rows[i].ex, esc);
		j->rep = keep;
	}
}

/* The table (on stderr under --json, so stdout stays JSON lines); returns
 * the worst exit code, a failure outranking "flashed but not running". */
static int print_table(const struct cli_job *j, const struct cli_all_dev *devs,
		       const struct cli_all_row *rows, size_t n, int worst, int *failed)
{
	FILE *table = j->rep.json ? j->rep.err : j->rep.out;

	fprintf(table, "%-14s %-10s %-4s %-44s %10s\n", "serial", "path", "exit", "result", "time");
	for (size_t i = 0; i < n; i++) {
		const struct cli_all_row *r = &rows[i];
		fprintf(table, "%-14s %-10s %-4d %-44s %8.0f ms\n",
			devs[i].serial[0] ? devs[i].serial : "(none)", devs[i].path, r->ex,
			r->result, (double)(r->t1_us - r->t0_us) / 1e3);
		if (r->ex)
			(*failed)++;
		if (r->ex > worst || (worst == CLI_EXIT_NOT_RUNNING && r->ex))
			worst = r->ex;
	}
	fflush(table);
	return worst;
}

static void say_summary(struct cli_job *j, size_t n, int failed, bool parallel,
			const char *xport_name)
{
	const struct cli_opts *o = j->o;

	if (parallel && (o->jobs == 0 || o->jobs >= n))
		cli_say(&j->rep, "%zu devices, %d not ok; all at once, one process each", n,
			failed);
	else if (parallel)
		cli_say(&j->rep, "%zu devices, %d not ok; %u at a time (--jobs), one process each",
			n, failed, o->jobs);
	else
		cli_say(&j->rep, "%zu devices, %d not ok; flashed one after another (the %s "
			"transport lives in this process, so it cannot be given one process per "
			"device)", n, failed, xport_name);
	snprintf(j->result, sizeof(j->result), "%zu devices, %d not ok", n, failed);
}

int cli_run_all(struct cli_job *j, const struct dfu_match *base,
		const struct cli_xport_kind **kind, struct cli_xport_inst *inst)
{
	bool parallel = *kind && (*kind)->per_process;
	const char *name = j->x->ops->name;
	struct cli_all_dev *devs = calloc(CLI_ALL_MAX, sizeof(*devs));
	struct cli_all_row *rows = calloc(CLI_ALL_MAX, sizeof(*rows));
	int n = devs && rows ? find_devices(j->x, base, devs) : DFU_E_NOMEM;
	int worst = 0, failed = 0;

	if (n <= 0) {
		if (n == 0)
			cli_error(&j->rep, "--all: no DFU-mode device matches; -l lists what is "
				  "visible");
		free(devs);
		free(rows);
		return n == 0 ? CLI_EXIT_IOERR : CLI_EXIT_SOFTWARE;
	}
	if (parallel)
		worst = run_parallel(j, base, kind, inst, devs, (size_t)n, rows);
	else
		run_serially(j, base, devs, (size_t)n, rows);
	worst = print_table(j, devs, rows, (size_t)n, worst, &failed);
	say_summary(j, (size_t)n, failed, parallel, name);
	free(devs);
	free(rows);
	return worst;
}
