// SPDX-License-Identifier: GPL-2.0
/*
 * The agent protocol in both directions (hpc/proto.h): names and kinds,
 * the strict parsers of guest lines (untrusted, on the host) and of host
 * lines (in the agent), and the writers of both.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hpc/linebuf.h"
#include "hpc/parse.h"
#include "hpc/proto.h"

/* Largest exit code (`STEP END`, `BYE`). */
#define PROTO_MAX_EXIT		255
/* Largest protocol version HELLO may carry. */
#define PROTO_MAX_VERSION	65535

/* By enum hpc_step_kind: run, check, bg, reap, emit, wait. */
static const char *const step_kind_names[] = {
	"run", "check", "bg", "reap", "emit", "wait",
};
_Static_assert(sizeof(step_kind_names) / sizeof(step_kind_names[0]) ==
	       HPC_STEP__COUNT, "a name for each step kind");

const char *hpc_step_kind_name(enum hpc_step_kind k)
{
	if ((unsigned int)k >= HPC_STEP__COUNT)
		return NULL;
	return step_kind_names[k];
}

int hpc_step_kind_parse(const char *s, size_t len)
{
	int k;

	for (k = 0; k < HPC_STEP__COUNT; k++) {
		const char *n = step_kind_names[k];

		if (strlen(n) == len && memcmp(n, s, len) == 0)
			return k;
	}
	return -1;
}

int hpc_proto_name_ok(const char *s, size_t len)
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

/* 1 if the len bytes at s are a kernel release as HELLO carries it. */
static int release_ok(const char *s, size_t len)
{
	size_t i;

	if (len < 1 || len > HPC_PROTO_MAX_NAME)
		return 0;
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x21 || (unsigned char)s[i] > 0x7e)
			return 0;
	return 1;
}

/* ---- fields of a line ---- */

/* Cursor over the bytes of one line. */
struct cur {
	const char *p;
	const char *end;
};

struct tok {
	const char *s;
	size_t len;
};

static int at_end(const struct cur *c)
{
	return c->p >= c->end;
}

/*
 * Take the next field up to a space or the end of the line, leaving the
 * space (if any) unconsumed: the field may be the last one before free
 * text, whose separator take_text() consumes. Fails on an empty field.
 */
static int field_before_text(struct cur *c, struct tok *t)
{
	const char *sp;

	if (at_end(c))
		return -1;
	sp = memchr(c->p, ' ', (size_t)(c->end - c->p));
	t->s = c->p;
	t->len = sp ? (size_t)(sp - c->p) : (size_t)(c->end - c->p);
	if (t->len == 0)
		return -1;
	c->p = sp ? sp : c->end;
	return 0;
}

/*
 * Take the next space-separated field and its separator. Fails on an empty
 * field (two spaces, leading/trailing space) or at the end of the line.
 */
static int next_field(struct cur *c, struct tok *t)
{
	if (field_before_text(c, t) < 0)
		return -1;
	if (at_end(c))
		return 0;
	c->p++;
	/* a separator must be followed by something */
	return at_end(c) ? -1 : 0;
}

static int tok_is(const struct tok *t, const char *kw)
{
	size_t n = strlen(kw);

	return t->len == n && memcmp(t->s, kw, n) == 0;
}

/* Canonical decimal: digits only, no leading zeros, value <= max. */
static int parse_dec(const struct tok *t, uint64_t max, uint64_t *out)
{
	return hpc_parse_u64(t->s, t->len, max, out);
}

static int parse_idx(const struct tok *t, int *idx)
{
	uint64_t v;

	if (parse_dec(t, HPC_MAX_STEPS - 1, &v) < 0)
		return -1;
	*idx = (int)v;
	return 0;
}

static int parse_ns(const struct tok *t, uint64_t *ns)
{
	return parse_dec(t, UINT64_MAX, ns);
}

static int parse_status(const struct tok *t, struct hpc_status *st)
{
	uint64_t v;

	if (tok_is(t, "timeout")) {
		st->kind = HPC_ST_TIMEOUT;
		st->value = 0;
		return 0;
	}
	if (tok_is(t, "error")) {
		st->kind = HPC_ST_ERROR;
		st->value = 0;
		return 0;
	}
	if (t->len > 3 && memcmp(t->s, "sig", 3) == 0) {
		struct tok n = { t->s + 3, t->len - 3 };

		if (parse_dec(&n, HPC_PROTO_MAX_SIG, &v) < 0 || v == 0)
			return -1;
		st->kind = HPC_ST_SIGNAL;
		st->value = (int)v;
		return 0;
	}
	if (parse_dec(t, PROTO_MAX_EXIT, &v) < 0)
		return -1;
	st->kind = HPC_ST_EXIT;
	st->value = (int)v;
	return 0;
}

/* Optional free text: nothing, or one space and the rest of the line. */
static int take_text(struct cur *c, struct hpc_msg *out)
{
	size_t n;

	if (at_end(c))
		return 0;
	if (*c->p != ' ')
		return -1;
	c->p++;
	n = (size_t)(c->end - c->p);
	/* the line is shorter than HPC_PROTO_MAX_LINE, so this fits */
	if (n >= sizeof(out->text))
		return -1;
	memcpy(out->text, c->p, n);
	out->text_len = hpc_sanitize(out->text, n);
	c->p = c->end;
	return 0;
}

/* ---- guest -> host: the parser ---- */

static int parse_hello(struct cur *c, struct hpc_msg *m)
{
	struct tok ver, rel;
	uint64_t v;

	if (next_field(c, &ver) < 0 || next_field(c, &rel) < 0 || !at_end(c))
		return -1;
	if (parse_dec(&ver, PROTO_MAX_VERSION, &v) < 0 ||
	    !release_ok(rel.s, rel.len))
		return -1;
	m->version = (unsigned int)v;
	memcpy(m->release, rel.s, rel.len);
	m->release[rel.len] = '\0';
	return 0;
}
static int parse_ev(struct cur *c, struct hpc_msg *m)
{
	struct tok ns, name;

	if (next_field(c, &ns) < 0 || parse_ns(&ns, &m->guest_ns) < 0)
		return -1;
	if (field_before_text(c, &name) < 0 ||
	    !hpc_proto_name_ok(name.s, name.len))
		return -1;
	memcpy(m->name, name.s, name.len);
	m->name[name.len] = '\0';
	return take_text(c, m);
}

static int parse_step(struct cur *c, struct hpc_msg *m)
{
	struct tok idx, what, ns, st, dur;
	uint64_t v;

	if (next_field(c, &idx) < 0 || parse_idx(&idx, &m->idx) < 0)
		return -1;
	if (next_field(c, &what) < 0 || next_field(c, &ns) < 0 ||
	    parse_ns(&ns, &m->guest_ns) < 0)
		return -1;
	if (tok_is(&what, HPC_KW_START)) {
		if (!at_end(c))
			return -1;
		m->type = HPC_MSG_STEP_START;
		return 0;
	}
	if (!tok_is(&what, HPC_KW_END))
		return -1;
	if (next_field(c, &st) < 0 || parse_status(&st, &m->status) < 0)
		return -1;
	if (next_field(c, &dur) < 0 || !at_end(c) ||
	    parse_dec(&dur, UINT64_MAX, &v) < 0)
		return -1;
	m->duration_ms = v;
	m->type = HPC_MSG_STEP_END;
	return 0;
}

/* The one field left on the line: a number up to max. */
static int last_number(struct cur *c, uint64_t max, uint64_t *v)
{
	struct tok t;

	if (next_field(c, &t) < 0 || !at_end(c))
		return -1;
	return parse_dec(&t, max, v);
}

static int parse_ping(struct cur *c, struct hpc_msg *m)
{
	return last_number(c, UINT64_MAX, &m->guest_ns);
}

static int parse_out(struct cur *c, struct hpc_msg *m)
{
	struct tok t;

	if (field_before_text(c, &t) < 0 || parse_idx(&t, &m->idx) < 0)
		return -1;
	return take_text(c, m);
}

/* KTAP <idx> [text]: a line of the KTAP file of step idx */
static int parse_ktap(struct cur *c, struct hpc_msg *m)
{
	return parse_out(c, m);
}

/* The record is checked by hpc_kmsg_parse(); here it must be there. */
static int parse_kmsg(struct cur *c, struct hpc_msg *m)
{
	if (at_end(c) || take_text(c, m) < 0 || m->text_len == 0)
		return -1;
	return 0;
}

static int parse_kmsg_lost(struct cur *c, struct hpc_msg *m)
{
	if (last_number(c, UINT64_MAX, &m->lost) < 0 || m->lost == 0)
		return -1;
	return 0;
}

/* STACK <idx> <pid> <state> <frame>: the frame is required */
static int parse_stack(struct cur *c, struct hpc_msg *m)
{
	struct tok idx, pid, st;
	uint64_t v;

	if (next_field(c, &idx) < 0 || parse_idx(&idx, &m->idx) < 0)
		return -1;
	if (next_field(c, &pid) < 0 || parse_dec(&pid, HPC_PROTO_MAX_PID, &v) < 0 || v == 0)
		return -1;
	m->pid = (int)v;
	if (field_before_text(c, &st) < 0 || st.len != 1 ||
	    !((st.s[0] >= 'A' && st.s[0] <= 'Z') || (st.s[0] >= 'a' && st.s[0] <= 'z')))
		return -1;
	m->state = st.s[0];
	if (at_end(c) || take_text(c, m) < 0 || m->text_len == 0)
		return -1;
	return 0;
}

static int parse_bye(struct cur *c, struct hpc_msg *m)
{
	uint64_t v;

	if (last_number(c, PROTO_MAX_EXIT, &v) < 0)
		return -1;
	m->exit_code = (int)v;
	return 0;
}

/* The guest's keywords; fields: a field must follow the keyword. */
static const struct {
	const char *kw;
	enum hpc_msg_type type;		/* STEP: parse_step() chooses */
	int fields;
	int (*parse)(struct cur *c, struct hpc_msg *m);
} guest_lines[] = {
	{ HPC_KW_KTAP, HPC_MSG_KTAP, 1, parse_ktap },
	{ HPC_KW_KMSG, HPC_MSG_KMSG, 0, parse_kmsg },
	{ HPC_KW_HELLO, HPC_MSG_HELLO, 1, parse_hello },
	{ HPC_KW_PING, HPC_MSG_PING, 1, parse_ping },
	{ HPC_KW_EV, HPC_MSG_EV, 1, parse_ev },
	{ HPC_KW_STEP, HPC_MSG_INVALID, 1, parse_step },
	{ HPC_KW_OUT, HPC_MSG_OUT, 1, parse_out },
	{ HPC_KW_KMSGLOST, HPC_MSG_KMSG_LOST, 1, parse_kmsg_lost },
	{ HPC_KW_STACK, HPC_MSG_STACK, 1, parse_stack },
	{ HPC_KW_BYE, HPC_MSG_BYE, 1, parse_bye },
};

static int parse_line(struct cur *c, struct hpc_msg *m)
{
	struct tok kw;
	size_t i;

	if (field_before_text(c, &kw) < 0)
		return -1;
	for (i = 0; i < sizeof(guest_lines) / sizeof(guest_lines[0]); i++) {
		if (!tok_is(&kw, guest_lines[i].kw))
			continue;
		m->type = guest_lines[i].type;
		if (guest_lines[i].fields) {
			/* one separator, then something */
			if (at_end(c) || ++c->p >= c->end)
				return -1;
		}
		return guest_lines[i].parse(c, m);
	}
	return -1;
}

int hpc_proto_parse(char *line, size_t len, struct hpc_msg *out)
{
	struct cur c;

	memset(out, 0, sizeof(*out));
	out->type = HPC_MSG_INVALID;
	if (!line || len == 0 || len >= HPC_PROTO_MAX_LINE)
		return -1;
	c.p = line;
	c.end = line + len;
	if (parse_line(&c, out) < 0 || !at_end(&c)) {
		memset(out, 0, sizeof(*out));
		out->type = HPC_MSG_INVALID;
		return -1;
	}
	return 0;
}

const char *hpc_proto_msg_name(enum hpc_msg_type t)
{
	static const char *const names[HPC_MSG__COUNT] = {
		[HPC_MSG_INVALID] = "INVALID",
		[HPC_MSG_HELLO] = "HELLO",
		[HPC_MSG_PING] = "PING",
		[HPC_MSG_EV] = "EV",
		[HPC_MSG_STEP_START] = "STEP_START",
		[HPC_MSG_STEP_END] = "STEP_END",
		[HPC_MSG_OUT] = "OUT",
		[HPC_MSG_KTAP] = "KTAP",
		[HPC_MSG_BYE] = "BYE",
		[HPC_MSG_KMSG] = "KMSG",
		[HPC_MSG_KMSG_LOST] = "KMSGLOST",
		[HPC_MSG_STACK] = "STACK",
	};

	if ((unsigned int)t >= HPC_MSG__COUNT)
		return "INVALID";
	return names[t];
}

int hpc_proto_format_status(const struct hpc_status *st, char *buf, size_t cap)
{
	int n;

	switch (st->kind) {
	case HPC_ST_EXIT:
		if (st->value < 0 || st->value > PROTO_MAX_EXIT)
			return -1;
		n = snprintf(buf, cap, "%d", st->value);
		break;
	case HPC_ST_SIGNAL:
		if (st->value < 1 || st->value > HPC_PROTO_MAX_SIG)
			return -1;
		n = snprintf(buf, cap, "sig%d", st->value);
		break;
	case HPC_ST_TIMEOUT:
		n = snprintf(buf, cap, "timeout");
		break;
	case HPC_ST_ERROR:
		n = snprintf(buf, cap, "error");
		break;
	default:
		return -1;
	}
	if (n < 0 || (size_t)n >= cap)
		return -1;
	return n;
}


/* ---- guest -> host: the writer ---- */

/* 1 if m's fields are what its type allows on the wire. */
static int msg_ok(const struct hpc_msg *m)
{
	switch (m->type) {
	case HPC_MSG_HELLO:
		return m->version <= PROTO_MAX_VERSION &&
		       release_ok(m->release, strnlen(m->release,
						      sizeof(m->release)));
	case HPC_MSG_EV:
		return hpc_proto_name_ok(m->name, strnlen(m->name,
							  sizeof(m->name)));
	case HPC_MSG_STEP_START:
	case HPC_MSG_STEP_END:
	case HPC_MSG_OUT:
	case HPC_MSG_KTAP:
		return m->idx >= 0 && m->idx < HPC_MAX_STEPS;
	case HPC_MSG_BYE:
		return m->exit_code >= 0 && m->exit_code <= PROTO_MAX_EXIT;
	case HPC_MSG_KMSG:
		return m->text_len > 0;
	case HPC_MSG_KMSG_LOST:
		return m->lost > 0;
	case HPC_MSG_STACK:
		return m->idx >= 0 && m->idx < HPC_MAX_STEPS && m->pid > 0 &&
		       m->pid <= HPC_PROTO_MAX_PID && m->text_len > 0 &&
		       ((m->state >= 'A' && m->state <= 'Z') || (m->state >= 'a' && m->state <= 'z'));
	case HPC_MSG_PING:
		return 1;
	default:
		return 0;
	}
}

/*
 * The h bytes of head already in buf, then " " and the text if there is
 * any (cut to the line limit; NUL and '\n' made '?'), then '\n'.
 */
static int finish_line(char *buf, size_t cap, int h, const char *text,
		       size_t tlen)
{
	size_t n, room, i;

	if (h < 0 || (size_t)h >= cap || (size_t)h > HPC_PROTO_MAX_LINE - 1)
		return -1;
	n = (size_t)h;
	room = HPC_PROTO_MAX_LINE - 1 - n;	/* bytes before the '\n' */
	if (tlen > 0 && room > 1) {
		if (tlen > room - 1)
			tlen = room - 1;
		if (n + 1 + tlen + 2 > cap)
			return -1;
		buf[n++] = ' ';
		for (i = 0; i < tlen; i++)
			buf[n++] = (text[i] == '\0' || text[i] == '\n') ?
				   '?' : text[i];
	}
	if (n + 2 > cap)
		return -1;
	buf[n++] = '\n';
	buf[n] = '\0';
	return (int)n;
}

int hpc_proto_format_msg(const struct hpc_msg *m, char *buf, size_t cap)
{
	char st[16];
	size_t tlen = 0;
	int h;

	if (!m || !buf || cap == 0 || !msg_ok(m) ||
	    m->text_len >= sizeof(m->text))
		return -1;
	if (m->type == HPC_MSG_EV || m->type == HPC_MSG_OUT ||
	    m->type == HPC_MSG_KTAP || m->type == HPC_MSG_KMSG ||
	    m->type == HPC_MSG_STACK)
		tlen = m->text_len;
	switch (m->type) {
	case HPC_MSG_HELLO:
		h = snprintf(buf, cap, "%s %u %s", HPC_KW_HELLO, m->version,
			     m->release);
		break;
	case HPC_MSG_PING:
		h = snprintf(buf, cap, "%s %" PRIu64, HPC_KW_PING, m->guest_ns);
		break;
	case HPC_MSG_EV:
		h = snprintf(buf, cap, "%s %" PRIu64 " %s", HPC_KW_EV,
			     m->guest_ns, m->name);
		break;
	case HPC_MSG_STEP_START:
		h = snprintf(buf, cap, "%s %d %s %" PRIu64, HPC_KW_STEP, m->idx,
			     HPC_KW_START, m->guest_ns);
		break;
	case HPC_MSG_STEP_END:
		if (hpc_proto_format_status(&m->status, st, sizeof(st)) < 0)
			return -1;
		h = snprintf(buf, cap, "%s %d %s %" PRIu64 " %s %" PRIu64,
			     HPC_KW_STEP, m->idx, HPC_KW_END, m->guest_ns, st,
			     m->duration_ms);
		break;
	case HPC_MSG_OUT:
		h = snprintf(buf, cap, "%s %d", HPC_KW_OUT, m->idx);
		break;
	case HPC_MSG_KTAP:
		h = snprintf(buf, cap, "%s %d", HPC_KW_KTAP, m->idx);
		break;
	case HPC_MSG_BYE:
		h = snprintf(buf, cap, "%s %d", HPC_KW_BYE, m->exit_code);
		break;
	case HPC_MSG_KMSG_LOST:
		h = snprintf(buf, cap, "%s %" PRIu64, HPC_KW_KMSGLOST, m->lost);
		break;
	case HPC_MSG_STACK:
		h = snprintf(buf, cap, "%s %d %d %c", HPC_KW_STACK, m->idx, m->pid, m->state);
		break;
	default:	/* KMSG: the keyword and the text */
		h = snprintf(buf, cap, "%s", hpc_proto_msg_name(m->type));
		break;
	}
	return finish_line(buf, cap, h, m->text, tlen);
}
int hpc_proto_format_step(char *buf, size_t cap, int idx, const char *kind,
			  unsigned int timeout_s, const char *name,
			  const char *payload)
{
	int k, n;
	size_t plen;

	if (!buf || !kind || !name)
		return -1;
	if (idx < 0 || idx >= HPC_MAX_STEPS)
		return -1;
	k = hpc_step_kind_parse(kind, strlen(kind));
	if (k < 0 || timeout_s > HPC_PROTO_MAX_TIMEOUT)
		return -1;
	if (!hpc_proto_name_ok(name, strlen(name)))
		return -1;
	if (!payload)
		payload = "";
	plen = strlen(payload);
	if (memchr(payload, '\n', plen))
		return -1;
	switch (k) {
	case HPC_STEP_RUN:
	case HPC_STEP_CHECK:
	case HPC_STEP_BG:
		if (plen == 0)
			return -1;
		break;
	case HPC_STEP_REAP:
		if (!hpc_proto_name_ok(payload, plen))
			return -1;
		break;
	default:
		break;
	}
	n = snprintf(buf, cap, "S %d %s %u %s%s%s\n", idx, kind, timeout_s,
		     name, plen ? " " : "", payload);
	if (n < 0 || (size_t)n >= cap || n > HPC_PROTO_MAX_LINE) {
		if (cap > 0)
			buf[0] = '\0';
		return -1;
	}
	return n;
}

/* ---- host -> guest: the parser ---- */

/* A field and the single separator after it (something must follow). */
static int take_sep(struct cur *c, struct tok *t)
{
	if (field_before_text(c, t) < 0 || at_end(c))
		return -1;
	c->p++;
	return 0;
}

/* After "S ": `<idx> <kind> <timeout-s> <name>[ <payload>]`. */
static const char *parse_host_step(struct cur *c, int plan_n,
				   struct hpc_host_msg *m)
{
	struct tok fi, fk, ft, fn;
	uint64_t idx, tmo;
	int k;

	if (take_sep(c, &fi) < 0 || take_sep(c, &fk) < 0 ||
	    take_sep(c, &ft) < 0 || field_before_text(c, &fn) < 0)
		return "malformed S";
	if (plan_n <= 0 || parse_dec(&fi, (uint64_t)plan_n - 1, &idx) < 0)
		return "bad step index";
	k = hpc_step_kind_parse(fk.s, fk.len);
	if (k < 0)
		return "bad step kind";
	if (parse_dec(&ft, HPC_PROTO_MAX_TIMEOUT, &tmo) < 0)
		return "bad timeout";
	if (!hpc_proto_name_ok(fn.s, fn.len))
		return "bad step name";
	if (!at_end(c))
		c->p++;		/* the payload: the rest, maybe empty */
	m->idx = (int)idx;
	m->kind = (enum hpc_step_kind)k;
	m->timeout_s = (unsigned int)tmo;
	m->name = fn.s;
	m->name_len = fn.len;
	m->payload = c->p;
	m->payload_len = (size_t)(c->end - c->p);
	return NULL;
}

const char *hpc_proto_parse_host(const char *line, size_t len, int plan_n,
				 struct hpc_host_msg *out)
{
	struct cur c = { line, line + len };
	struct tok kw, arg;
	uint64_t n;

	memset(out, 0, sizeof(*out));
	if (memchr(line, '\0', len))
		return "NUL byte";
	if (field_before_text(&c, &kw) < 0)
		return "empty line";
	/* c.p is at the space after the keyword, or at the end */
	arg.s = at_end(&c) ? c.end : c.p + 1;
	arg.len = (size_t)(c.end - arg.s);
	if (tok_is(&kw, HPC_KW_EV)) {
		out->type = HPC_HOST_EV;
		if (at_end(&c) || !hpc_proto_name_ok(arg.s, arg.len))
			return "malformed EV";
		out->name = arg.s;
		out->name_len = arg.len;
		return NULL;
	}
	if (tok_is(&kw, HPC_KW_S)) {
		if (at_end(&c))
			return "malformed S";	/* whatever the state */
		out->type = HPC_HOST_STEP;
		c.p++;
		return parse_host_step(&c, plan_n, out);
	}
	if (tok_is(&kw, HPC_KW_PLAN)) {
		out->type = HPC_HOST_PLAN;
		if (at_end(&c) || parse_dec(&arg, HPC_MAX_STEPS, &n) < 0)
			return "malformed PLAN";
		out->plan_n = (unsigned int)n;
		return NULL;
	}
	if (tok_is(&kw, HPC_KW_GO)) {
		out->type = HPC_HOST_GO;
		return at_end(&c) ? NULL : "malformed GO";
	}
	return "unknown line";
}
