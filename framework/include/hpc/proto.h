/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The agent protocol (docs/internals.md, "Agent protocol") in both
 * directions, core/proto.c: linked by the host tools and the guest agent
 * alike. Guest -> host: hpc_proto_format_msg() writes a line (the agent),
 * hpc_proto_parse() reads it back (the conductor). Host -> guest:
 * hpc_proto_format_step() writes a step line (the conductor),
 * hpc_proto_parse_host() reads any host line (the agent).
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
/* Largest pid in a `STACK` line (the kernel's PID_MAX_LIMIT). */
#define HPC_PROTO_MAX_PID	4194304
/* Name of the virtio-serial port the agent talks on. */
#define HPC_PROTO_PORT_NAME	"org.hpchaos.agent"
/* The port of the shell of a guest kept alive (hpc.keep=1, hpc-attach). */
#define HPC_SHELL_PORT_NAME	"org.hpchaos.shell"

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
#define HPC_KW_STACK	"STACK"

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

/* "run", "check", ... for a step kind; NULL for none. */
const char *hpc_step_kind_name(enum hpc_step_kind k);

/* Kind for the len bytes at s (need not be NUL-terminated), or -1. */
int hpc_step_kind_parse(const char *s, size_t len);

/* 1 if the len bytes at s are a valid name: [A-Za-z0-9_.:+-]{1,64}. */
int hpc_proto_name_ok(const char *s, size_t len);

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

/* ---- guest -> host lines ---- */

enum hpc_msg_type {
	HPC_MSG_INVALID,
	HPC_MSG_HELLO,		/* version, release */
	HPC_MSG_PING,		/* guest_ns */
	HPC_MSG_EV,		/* guest_ns, name, text (may be empty) */
	HPC_MSG_STEP_START,	/* idx, guest_ns */
	HPC_MSG_STEP_END,	/* idx, guest_ns, status, duration_ms */
	HPC_MSG_OUT,		/* idx, text (may be empty) */
	HPC_MSG_KTAP,		/* idx, text (may be empty): the KTAP file of step idx */
	HPC_MSG_BYE,		/* exit_code */
	HPC_MSG_KMSG,		/* text: one /dev/kmsg record line (hpc/kmsg.h) */
	HPC_MSG_KMSG_LOST,	/* lost: records lost before the agent read them */
	/*
	 * idx, pid, state, text: one frame of the kernel stack of a task of a
	 * step that ran out of time (/proc/PID/stack), innermost first
	 */
	HPC_MSG_STACK,
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
	int pid;			/* STACK: 1..HPC_PROTO_MAX_PID */
	char state;			/* STACK: the task's state letter (D, S, R, ...) */
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

/*
 * Write m as the agent sends it, with its '\n', into buf (NUL-terminated):
 * the canonical line hpc_proto_parse() takes back. Free text (EV, OUT,
 * KTAP, KMSG: the text_len bytes of text, any bytes) is cut so that the
 * line stays within HPC_PROTO_MAX_LINE, a NUL or '\n' in it becomes '?',
 * and an empty text has no separator. Returns the length, or -1: a value
 * out of range (index, status, exit code, a bad name or release, an empty
 * KMSG, KMSGLOST 0), HPC_MSG_INVALID, or a cap too small.
 */
int hpc_proto_format_msg(const struct hpc_msg *m, char *buf, size_t cap);

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

/* ---- host -> guest lines ---- */

enum hpc_host_type {
	HPC_HOST_INVALID,
	HPC_HOST_PLAN,		/* plan_n */
	HPC_HOST_STEP,		/* idx, kind, timeout_s, name, payload */
	HPC_HOST_GO,
	HPC_HOST_EV,		/* name */
};

struct hpc_host_msg {
	enum hpc_host_type type;
	unsigned int plan_n;		/* PLAN: 0..HPC_MAX_STEPS */
	int idx;			/* S: 0..plan_n-1 */
	enum hpc_step_kind kind;	/* S */
	unsigned int timeout_s;		/* S: 0..HPC_PROTO_MAX_TIMEOUT */
	const char *name;		/* S, EV: a valid name, in the line */
	size_t name_len;
	const char *payload;		/* S: the rest of the line, maybe empty */
	size_t payload_len;
};

/*
 * Parse one host->guest line (without its '\n'; need not be
 * NUL-terminated; any bytes), the steps of a plan of plan_n steps. Returns
 * NULL, or why the line is refused ("NUL byte", "empty line", "unknown
 * line", "malformed S", "bad step index", ...). out->type is the line's
 * keyword even when its fields are refused (but HPC_HOST_INVALID for a
 * bare "S"), so that the caller can put its own checks of order first;
 * the other fields are set only when NULL is returned.
 */
const char *hpc_proto_parse_host(const char *line, size_t len, int plan_n,
				 struct hpc_host_msg *out);

#endif
