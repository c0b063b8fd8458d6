// SPDX-License-Identifier: GPL-2.0
/*
 * Host side of the agent protocol: a strict parser for lines coming from
 * the (untrusted) guest and the formatter for step lines going to it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hpc/linebuf.h"
#include "hpc/proto.h"

/* Cursor over the bytes of one line. */
struct cur {
	const char *p;
	const char *end;
};

struct tok {
	const char *s;
	size_t len;
};

/*
 * Take the next space-separated field. The previous field, if any, has
 * already consumed its separator. Fails on an empty field (two spaces,
 * leading/trailing space) or at the end of the line.
 */
static int next_field(struct cur *c, struct tok *t)
{
	const char *sp;

	if (c->p >= c->end)
		return -1;
	sp = memchr(c->p, ' ', (size_t)(c->end - c->p));
	t->s = c->p;
	t->len = sp ? (size_t)(sp - c->p) : (size_t)(c->end - c->p);
	if (t->len == 0)
		return -1;
	c->p = sp ? sp + 1 : c->end;
	/* a separator must be followed by something */
	if (sp && c->p >= c->end)
		return -1;
	return 0;
}

static int at_end(const struct cur *c)
{
	return c->p >= c->end;
}

static int tok_is(const struct tok *t, const char *kw)
{
	size_t n = strlen(kw);

	return t->len == n && memcmp(t->s, kw, n) == 0;
}

/* Canonical decimal: digits only, no leading zeros, value <= max. */
static int parse_dec(const struct tok *t, unsigned long long max,
		     unsigned long long *out)
{
	char buf[24];
	char *end;
	unsigned long long v;
	size_t i;

	if (t->len == 0 || t->len >= sizeof(buf))
		return -1;
	for (i = 0; i < t->len; i++)
		if (t->s[i] < '0' || t->s[i] > '9')
			return -1;
	if (t->len > 1 && t->s[0] == '0')
		return -1;
	memcpy(buf, t->s, t->len);
	buf[t->len] = '\0';
	errno = 0;
	v = strtoull(buf, &end, 10);
	if (errno != 0 || end != buf + t->len || v > max)
		return -1;
	*out = v;
	return 0;
}

static int parse_idx(const struct tok *t, int *idx)
{
	unsigned long long v;

	if (parse_dec(t, HPC_MAX_STEPS - 1, &v) < 0)
		return -1;
	*idx = (int)v;
	return 0;
}

static int parse_ns(const struct tok *t, uint64_t *ns)
{
	unsigned long long v;

	if (parse_dec(t, UINT64_MAX, &v) < 0)
		return -1;
	*ns = v;
	return 0;
}

static int parse_status(const struct tok *t, struct hpc_status *st)
{
	unsigned long long v;

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
	if (parse_dec(t, 255, &v) < 0)
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

/*
 * Like next_field(), but the field may be the last one before free text:
 * a single trailing separator is left for take_text() to consume.
 */
static int field_before_text(struct cur *c, struct tok *t)
{
	const char *sp;

	if (c->p >= c->end)
		return -1;
	sp = memchr(c->p, ' ', (size_t)(c->end - c->p));
	t->s = c->p;
	t->len = sp ? (size_t)(sp - c->p) : (size_t)(c->end - c->p);
	if (t->len == 0)
		return -1;
	c->p = sp ? sp : c->end;
	return 0;
}

static int parse_hello(struct cur *c, struct hpc_msg *m)
{
	struct tok ver, rel;
	unsigned long long v;
	size_t i;

	if (next_field(c, &ver) < 0 || next_field(c, &rel) < 0 || !at_end(c))
		return -1;
	if (parse_dec(&ver, 65535, &v) < 0)
		return -1;
	if (rel.len > HPC_PROTO_MAX_NAME)
		return -1;
	for (i = 0; i < rel.len; i++) {
		unsigned char ch = (unsigned char)rel.s[i];

		if (ch < 0x21 || ch > 0x7e)
			return -1;
	}
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
	unsigned long long v;

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

static int parse_line(struct cur *c, struct hpc_msg *m)
{
	struct tok kw, t;
	unsigned long long v;

	if (field_before_text(c, &kw) < 0)
		return -1;
	if (tok_is(&kw, HPC_KW_KTAP)) {
		m->type = HPC_MSG_KTAP;
		return take_text(c, m);
	}
	if (tok_is(&kw, HPC_KW_KMSG)) {
		/* the record is checked by hpc_kmsg_parse() */
		m->type = HPC_MSG_KMSG;
		if (at_end(c) || take_text(c, m) < 0 || m->text_len == 0)
			return -1;
		return 0;
	}
	/* every other message has at least one more field */
	if (at_end(c))
		return -1;
	c->p++;
	if (at_end(c))
		return -1;
	if (tok_is(&kw, HPC_KW_HELLO)) {
		m->type = HPC_MSG_HELLO;
		return parse_hello(c, m);
	}
	if (tok_is(&kw, HPC_KW_PING)) {
		m->type = HPC_MSG_PING;
		if (next_field(c, &t) < 0 || !at_end(c))
			return -1;
		return parse_ns(&t, &m->guest_ns);
	}
	if (tok_is(&kw, HPC_KW_EV)) {
		m->type = HPC_MSG_EV;
		return parse_ev(c, m);
	}
	if (tok_is(&kw, HPC_KW_STEP))
		return parse_step(c, m);
	if (tok_is(&kw, HPC_KW_OUT)) {
		m->type = HPC_MSG_OUT;
		if (field_before_text(c, &t) < 0 || parse_idx(&t, &m->idx) < 0)
			return -1;
		return take_text(c, m);
	}
	if (tok_is(&kw, HPC_KW_KMSGLOST)) {
		m->type = HPC_MSG_KMSG_LOST;
		if (next_field(c, &t) < 0 || !at_end(c) ||
		    parse_dec(&t, UINT64_MAX, &v) < 0 || v == 0)
			return -1;
		m->lost = v;
		return 0;
	}
	if (tok_is(&kw, HPC_KW_BYE)) {
		m->type = HPC_MSG_BYE;
		if (next_field(c, &t) < 0 || !at_end(c) ||
		    parse_dec(&t, 255, &v) < 0)
			return -1;
		m->exit_code = (int)v;
		return 0;
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
		if (st->value < 0 || st->value > 255)
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
