/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The agent protocol (docs/internals.md, "Agent protocol"): constants shared
 * by the guest agent and the host, plus the host-side parser of guest lines.
 *
 * The guest only uses the constants and the static inline helpers; the
 * functions declared at the end live in lib/proto.c (host libhpc.a).
 */
#ifndef HPC_PROTO_H
#define HPC_PROTO_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define HPC_PROTO_VERSION	1
/* Longest line in either direction, including its '\n'. */
#define HPC_PROTO_MAX_LINE	4096
/* Longest name (step name, event name, kernel release). */
#define HPC_PROTO_MAX_NAME	64
/* Steps per plan; step indexes are 0..HPC_MAX_STEPS-1. */
#define HPC_MAX_STEPS		256
/* Largest step timeout in seconds; 0 means "no limit". */
#define HPC_PROTO_MAX_TIMEOUT	86400
/* Largest N in a `sig<N>` status. */
#define HPC_PROTO_MAX_SIG	64
/* Name of the virtio-serial port the agent talks on. */
#define HPC_PROTO_PORT_NAME	"org.hpchaos.agent"

/* Line keywords. */
#define HPC_KW_HELLO	"HELLO"
#define HPC_KW_PING	"PING"
#define HPC_KW_EV	"EV"
#define HPC_KW_STEP	"STEP"
#define HPC_KW_START	"START"
#define HPC_KW_END	"END"
#define HPC_KW_OUT	"OUT"
#define HPC_KW_KTAP	"KTAP"
#define HPC_KW_BYE	"BYE"
#define HPC_KW_PLAN	"PLAN"
#define HPC_KW_S	"S"
#define HPC_KW_GO	"GO"
#define HPC_KW_KMSG	"KMSG"
#define HPC_KW_KMSGLOST	"KMSGLOST"

/* Events the agent itself emits (`EV <ns> <name> <text>`). */
#define HPC_EV_BAD_INPUT	"agent.bad-input"	/* host line rejected */
#define HPC_EV_BAD_PLAN		"agent.bad-plan"	/* GO with an incomplete plan */
#define HPC_EV_ERROR		"agent.error"		/* agent-internal failure */
/* a line of the guest event FIFO ($HPC_EVENTS) was dropped */
#define HPC_EV_BAD_EVENT	"agent.bad-event"
/* Prefix of the agent's own event names: a program may not send these. */
#define HPC_EV_AGENT_PREFIX	"agent."

/* `BYE <code>` values. */
#define HPC_BYE_OK	0	/* every step ended with exit status 0 */
#define HPC_BYE_FAIL	1	/* a step failed and stopped the plan */
#define HPC_BYE_ERROR	2	/* bad plan or agent failure */

/* Notices the agent puts in an `OUT <idx>` line of its own. */
#define HPC_OUT_TRUNCATED	"[output truncated]"

enum hpc_step_kind {
	HPC_STEP_RUN,
	HPC_STEP_CHECK,
	HPC_STEP_BG,
	HPC_STEP_REAP,
	HPC_STEP_EMIT,
	HPC_STEP_WAIT,
	HPC_STEP__COUNT
};

static inline const char *hpc_step_kind_name(enum hpc_step_kind k)
{
	static const char *const names[HPC_STEP__COUNT] = {
		[HPC_STEP_RUN] = "run",
		[HPC_STEP_CHECK] = "check",
		[HPC_STEP_BG] = "bg",
		[HPC_STEP_REAP] = "reap",
		[HPC_STEP_EMIT] = "emit",
		[HPC_STEP_WAIT] = "wait",
	};

	if ((unsigned int)k >= HPC_STEP__COUNT)
		return NULL;
	return names[k];
}

/* Kind for the len bytes at s (need not be NUL-terminated), or -1. */
static inline int hpc_step_kind_parse(const char *s, size_t len)
{
	int k;

	for (k = 0; k < HPC_STEP__COUNT; k++) {
		const char *n = hpc_step_kind_name((enum hpc_step_kind)k);

		if (strlen(n) == len && memcmp(n, s, len) == 0)
			return k;
	}
	return -1;
}

/* 1 if the len bytes at s are a valid name: [A-Za-z0-9_.:+-]{1,64}. */
static inline int hpc_proto_name_ok(const char *s, size_t len)
{
	size_t i;

	if (len < 1 || len > HPC_PROTO_MAX_NAME)
		return 0;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '.' ||
		      c == ':' || c == '+' || c == '-'))
			return 0;
	}
	return 1;
}

/* How a step ended (`STEP <idx> END ... <status> ...`). */
enum hpc_status_kind {
	HPC_ST_EXIT,		/* value = exit code 0..255 */
	HPC_ST_SIGNAL,		/* value = signal number 1..HPC_PROTO_MAX_SIG */
	HPC_ST_TIMEOUT,		/* value = 0 */
	HPC_ST_ERROR,		/* value = 0; the agent could not run the step */
};

struct hpc_status {
	enum hpc_status_kind kind;
	int value;
};

/* ---- host side (lib/proto.c) ---- */

enum hpc_msg_type {
	HPC_MSG_INVALID,
	HPC_MSG_HELLO,		/* version, release */
	HPC_MSG_PING,		/* guest_ns */
	HPC_MSG_EV,		/* guest_ns, name, text (may be empty) */
	HPC_MSG_STEP_START,	/* idx, guest_ns */
	HPC_MSG_STEP_END,	/* idx, guest_ns, status, duration_ms */
	HPC_MSG_OUT,		/* idx, text (may be empty) */
	HPC_MSG_KTAP,		/* text (may be empty) */
	HPC_MSG_BYE,		/* exit_code */
	HPC_MSG_KMSG,		/* text: one /dev/kmsg record line (hpc/kmsg.h) */
	HPC_MSG_KMSG_LOST,	/* lost: records lost before the agent read them */
	HPC_MSG__COUNT
};

struct hpc_msg {
	enum hpc_msg_type type;
	uint64_t guest_ns;
	int idx;			/* 0..HPC_MAX_STEPS-1 */
	unsigned int version;		/* HELLO: protocol version, unchecked */
	char release[HPC_PROTO_MAX_NAME + 1];	/* HELLO: kernel release */
	char name[HPC_PROTO_MAX_NAME + 1];	/* EV */
	char text[HPC_PROTO_MAX_LINE];	/* EV, OUT, KTAP: sanitized, NUL-terminated */
	size_t text_len;
	struct hpc_status status;	/* STEP END */
	uint64_t duration_ms;		/* STEP END */
	int exit_code;			/* BYE: 0..255 */
	uint64_t lost;			/* KMSGLOST */
};

/*
 * Parse one guest->host line (without its '\n'; need not be NUL-terminated;
 * may contain any bytes, including NUL). Strict: exact keywords, single
 * spaces, canonical decimal numbers (no sign, no leading zeros), names as
 * above. Returns 0, or -1 with out->type = HPC_MSG_INVALID. A line of
 * HPC_PROTO_MAX_LINE bytes or more is invalid (the limit includes '\n').
 * The line is not modified.
 */
int hpc_proto_parse(char *line, size_t len, struct hpc_msg *out);

/* "HELLO", "PING", ..., "INVALID" for a message type. */
const char *hpc_proto_msg_name(enum hpc_msg_type t);

/*
 * Write a status as it appears on the wire ("0", "sig9", "timeout",
 * "error") into buf. Returns its length, or -1 if it does not fit or the
 * status is out of range.
 */
int hpc_proto_format_status(const struct hpc_status *st, char *buf, size_t cap);

/*
 * Format the host->guest line `S <idx> <kind> <timeout-s> <name> [payload]`
 * including its trailing '\n' into buf (NUL-terminated). payload may be
 * NULL or "" for none; it must not contain '\n'. `run`, `check`, `bg` need
 * a payload, `reap` needs a valid name as payload. Returns the line length
 * (with the '\n'), or -1 if an argument is invalid, the line would exceed
 * HPC_PROTO_MAX_LINE, or it does not fit in cap.
 */
int hpc_proto_format_step(char *buf, size_t cap, int idx, const char *kind,
			  unsigned int timeout_s, const char *name,
			  const char *payload);

#endif
