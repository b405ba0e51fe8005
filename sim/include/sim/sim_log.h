/*
 * sim_log.h - the emulator's event log, in words, with virtual timestamps.
 *
 * Every boot decision, reset, erase, program and refusal of an emulated chip
 * is one line here ("boot: BOOT0 pin=0, nSWBOOT0=1, PEMPTY=1 (latched since
 * power-on) -> system memory"). The last SIM_LOG_RING lines are kept in a
 * fixed ring so tests and the control channel can look them up; an optional
 * sink sees every line as it is written (stderr, --log FILE). Never blocks.
 */
#ifndef SIM_LOG_H
#define SIM_LOG_H

#include <stddef.h>
#include <stdint.h>

#define SIM_LOG_RING 512
#define SIM_LOG_TEXT 200

struct sim_log_entry {
	uint64_t t_us;	/* virtual time of the event */
	char text[SIM_LOG_TEXT];
};

typedef void (*sim_log_sink_fn)(void *ctx, uint64_t t_us, const char *who, const char *text);

struct sim_log {
	struct sim_log_entry ring[SIM_LOG_RING];
	size_t next;	/* slot the next line goes into */
	size_t count;	/* lines held (at most SIM_LOG_RING) */
	uint64_t total;	/* lines ever written */
	char who[24];	/* device name for the sink, e.g. "1-1" */
	sim_log_sink_fn sink;
	void *sink_ctx;
};

void sim_log_init(struct sim_log *l, const char *who);
void sim_log_set_sink(struct sim_log *l, sim_log_sink_fn sink, void *ctx);
void sim_logf(struct sim_log *l, uint64_t t_us, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Lines held, oldest first: index 0 .. sim_log_count()-1. */
size_t sim_log_count(const struct sim_log *l);
const struct sim_log_entry *sim_log_at(const struct sim_log *l, size_t i);
/* The newest line containing `needle`, or NULL. */
const struct sim_log_entry *sim_log_find(const struct sim_log *l, const char *needle);
/* Forget every held line (total keeps counting). */
void sim_log_clear(struct sim_log *l);

#endif
