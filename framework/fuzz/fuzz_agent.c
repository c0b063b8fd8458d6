// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz the agent protocol in the host -> guest direction: the lines the
 * host sends (PLAN, S, GO, EV) as the guest agent reads them, and the
 * host's formatter of step lines.
 *
 * The agent's units but its main loop (guest/hpc-agent/, main.c left out)
 * are linked into this harness, and the line splitter it reads the port
 * with (the core's hpc_linebuf) and its line handler (agent_host_line)
 * are called; nothing is spawned (steps only run from the main loop) and
 * the agent's output goes nowhere (no port: port, kmsg and the event FIFO
 * are closed). This harness depends on those names in agent.h.
 *
 * The first byte chooses the mode:
 *   even: the rest is host lines, fed in pieces of a size the second byte
 *         chooses; afterwards the plan must be within its bounds;
 *   odd:  the rest gives hpc_proto_format_step() its arguments; a line it
 *         formats must be one line of the right length, and the agent
 *         must take it as step idx of a plan of HPC_MAX_STEPS steps.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../guest/hpc-agent/agent.h"
#include "fuzz.h"

static void agent_reset(void)
{
	int i;

	for (i = 0; i < HPC_MAX_STEPS; i++)
		free(A.steps[i].payload);
	hpc_linebuf_free(&A.in);
	memset(&A, 0, sizeof(A));
	agent_init_state();
	FUZZ_CHECK(hpc_linebuf_init(&A.in, HPC_PROTO_MAX_LINE - 1) == 0);
}

static void plan_check(void)
{
	int i, n = 0;

	FUZZ_CHECK(A.plan_n >= 0 && A.plan_n <= HPC_MAX_STEPS);
	FUZZ_CHECK(A.plan_recv >= 0 && A.plan_recv <= A.plan_n);
	FUZZ_CHECK(A.n_ev >= 0 && A.n_ev <= MAX_EVENTS);
	for (i = 0; i < HPC_MAX_STEPS; i++) {
		const struct step *s = &A.steps[i];

		if (!s->present) {
			FUZZ_CHECK(!s->payload);
			continue;
		}
		n++;
		FUZZ_CHECK(i < A.plan_n);
		FUZZ_CHECK(s->kind >= 0 && s->kind < HPC_STEP__COUNT);
		FUZZ_CHECK(s->timeout_s <= HPC_PROTO_MAX_TIMEOUT);
		FUZZ_CHECK(hpc_proto_name_ok(s->name, strlen(s->name)));
		FUZZ_CHECK(s->payload && s->payload[s->payload_len] == '\0');
		FUZZ_CHECK(!memchr(s->payload, '\n', s->payload_len));
		FUZZ_CHECK(!memchr(s->payload, '\0', s->payload_len));
	}
	FUZZ_CHECK(n == A.plan_recv);
	for (i = 0; i < A.n_ev; i++)
		FUZZ_CHECK(!A.ev[i].count ||
			   hpc_proto_name_ok(A.ev[i].name, strlen(A.ev[i].name)));
}

/* One line as port_read() hands it on. */
static void host_line_cb(void *ctx, const char *line, size_t len,
			 unsigned int flags)
{
	(void)ctx;
	FUZZ_CHECK(len <= HPC_PROTO_MAX_LINE - 1);
	FUZZ_CHECK(line[len] == '\0');
	FUZZ_CHECK((flags & ~HPC_LINE_TRUNCATED) == 0);
	FUZZ_CHECK(!(flags & HPC_LINE_TRUNCATED) ||
		   len == HPC_PROTO_MAX_LINE - 1);
	agent_host_line(line, len, !!(flags & HPC_LINE_TRUNCATED));
}

/* Host lines as port_read() takes them: in pieces, the last one flushed. */
static void host_lines(const uint8_t *p, size_t n, size_t piece)
{
	while (n > 0) {
		size_t k = n < piece ? n : piece;

		hpc_linebuf_feed(&A.in, (const char *)p, k, host_line_cb, NULL);
		p += k;
		n -= k;
	}
	hpc_linebuf_flush(&A.in, host_line_cb, NULL);
	plan_check();
}

static void format_step(struct fuzz_in *in)
{
	static const char *const kinds[] = {
		"run", "check", "bg", "reap", "emit", "wait", "sleep", "",
	};
	char buf[HPC_PROTO_MAX_LINE + 64], name[300], *payload;
	const uint8_t *s;
	size_t cap, len;
	unsigned int idx, kind, tmo;
	const char *why;
	int r;

	idx = fuzz_byte(in);
	kind = fuzz_byte(in) % (sizeof(kinds) / sizeof(kinds[0]));
	tmo = fuzz_byte(in) << 16 | fuzz_byte(in) << 8 | fuzz_byte(in);
	cap = (size_t)(fuzz_byte(in) << 8 | fuzz_byte(in)) % sizeof(buf);
	len = fuzz_take(in, sizeof(name) - 1, &s);
	memcpy(name, s, len);
	name[len] = '\0';
	payload = malloc(in->n + 1);
	FUZZ_CHECK(payload);
	memcpy(payload, in->p, in->n);
	payload[in->n] = '\0';

	r = hpc_proto_format_step(buf, cap, (int)idx, kinds[kind], tmo, name,
				  payload);
	if (r < 0) {
		FUZZ_CHECK(r == -1);
		free(payload);
		return;
	}
	FUZZ_CHECK(r > 0 && (size_t)r < cap && r <= HPC_PROTO_MAX_LINE);
	FUZZ_CHECK(strlen(buf) == (size_t)r && buf[r - 1] == '\n');
	FUZZ_CHECK(!memchr(buf, '\n', (size_t)r - 1));
	FUZZ_CHECK(idx < HPC_MAX_STEPS && tmo <= HPC_PROTO_MAX_TIMEOUT);
	FUZZ_CHECK(kind < HPC_STEP__COUNT);

	/* the agent takes it */
	why = agent_host_cmd("PLAN 256", 8, 0);
	FUZZ_CHECK(!why);
	why = agent_host_cmd(buf, (size_t)r - 1, 0);
	if (why)
		fprintf(stderr, "agent refused a formatted line: %s\n", why);
	FUZZ_CHECK(!why);
	FUZZ_CHECK(A.steps[idx].present && A.steps[idx].kind == (int)kind);
	FUZZ_CHECK(A.steps[idx].timeout_s == tmo);
	FUZZ_CHECK(!strcmp(A.steps[idx].name, name));
	FUZZ_CHECK(!strcmp(A.steps[idx].payload, payload));
	plan_check();
	free(payload);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	unsigned int mode = fuzz_byte(&in);

	agent_reset();
	if (mode & 1) {
		format_step(&in);
	} else {
		size_t piece = 1 + fuzz_byte(&in) * 17u;

		host_lines(in.p, in.n, piece);
	}
	agent_reset();
	return 0;
}
