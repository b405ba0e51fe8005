/* sim_log.c - the emulator's event log: a fixed ring of lines plus a sink. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sim/sim_log.h"

void sim_log_init(struct sim_log *l, const char *who)
{
	memset(l, 0, sizeof(*l));
	if (who)
		snprintf(l->who, sizeof(l->who), "%s", who);
}

void sim_log_set_sink(struct sim_log *l, sim_log_sink_fn sink, void *ctx)
{
	l->sink = sink;
	l->sink_ctx = ctx;
}

void sim_logf(struct sim_log *l, uint64_t t_us, const char *fmt, ...)
{
	struct sim_log_entry *e;
	va_list ap;

	if (!l)
		return;
	e = &l->ring[l->next];
	e->t_us = t_us;
	va_start(ap, fmt);
	/* A line longer than SIM_LOG_TEXT is cut: the log must never block or allocate. */
	vsnprintf(e->text, sizeof(e->text), fmt, ap);
	va_end(ap);

	l->next = (l->next + 1) % SIM_LOG_RING;
	if (l->count < SIM_LOG_RING)
		l->count++;
	l->total++;
	if (l->sink)
		l->sink(l->sink_ctx, t_us, l->who, e->text);
}

size_t sim_log_count(const struct sim_log *l)
{
	return l->count;
}

const struct sim_log_entry *sim_log_at(const struct sim_log *l, size_t i)
{
	size_t oldest;

	if (i >= l->count)
		return NULL;
	oldest = (l->next + SIM_LOG_RING - l->count) % SIM_LOG_RING;
	return &l->ring[(oldest + i) % SIM_LOG_RING];
}

const struct sim_log_entry *sim_log_find(const struct sim_log *l, const char *needle)
{
	size_t i;

	for (i = l->count; i > 0; i--) {
		const struct sim_log_entry *e = sim_log_at(l, i - 1);

		if (strstr(e->text, needle))
			return e;
	}
	return NULL;
}

void sim_log_clear(struct sim_log *l)
{
	l->count = 0;
}
