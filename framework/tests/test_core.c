// SPDX-License-Identifier: GPL-2.0
/*
 * Tests for the core (framework/core/) beyond the protocol parser of
 * test_proto.c: the number, size and duration parsers, the PRNG, the
 * writer of guest lines against the parser, the parser of host lines,
 * and the line splitter's edges and fd reading.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "hpc/io.h"
#include "hpc/linebuf.h"
#include "hpc/parse.h"
#include "hpc/prng.h"
#include "hpc/proto.h"
#include "hpc/scenario.h"

#define NS_MS	1000000ULL
#define NS_S	1000000000ULL

static int u64(const char *s, uint64_t max, uint64_t *v)
{
	return hpc_parse_u64(s, strlen(s), max, v);
}

static void test_parse_u64(void **state)
{
	uint64_t v = 7;

	(void)state;
	assert_int_equal(u64("0", 10, &v), 0);
	assert_true(v == 0);
	assert_int_equal(u64("10", 10, &v), 0);
	assert_true(v == 10);
	assert_int_equal(u64("18446744073709551615", UINT64_MAX, &v), 0);
	assert_true(v == UINT64_MAX);
	assert_int_equal(u64("18446744073709551616", UINT64_MAX, &v), -1);
	assert_int_equal(u64("11", 10, &v), -1);
	assert_int_equal(u64("", 10, &v), -1);
	assert_int_equal(u64("01", 10, &v), -1);
	assert_int_equal(u64("+1", 10, &v), -1);
	assert_int_equal(u64("-1", 10, &v), -1);
	assert_int_equal(u64(" 1", 10, &v), -1);
	assert_int_equal(u64("1 ", 10, &v), -1);
	assert_int_equal(u64("1x", 10, &v), -1);
	/* not NUL-terminated: only len bytes count */
	assert_int_equal(hpc_parse_u64("12345", 2, 100, &v), 0);
	assert_true(v == 12);
}

static void test_parse_ll(void **state)
{
	long long v = 0;

	(void)state;
	assert_int_equal(hpc_parse_ll("-12", 0, -4095, -1, &v), 0);
	assert_true(v == -12);
	assert_int_equal(hpc_parse_ll("0x10", 0, 0, 100, &v), 0);
	assert_true(v == 16);
	assert_int_equal(hpc_parse_ll("010", 0, 0, 100, &v), 0);
	assert_true(v == 8);
	assert_int_equal(hpc_parse_ll("010", 10, 0, 100, &v), 0);
	assert_true(v == 10);
	assert_int_equal(hpc_parse_ll(" +5", 10, 0, 100, &v), 0);
	assert_true(v == 5);
	assert_int_equal(hpc_parse_ll("101", 10, 0, 100, &v), -1);
	assert_int_equal(hpc_parse_ll("-1", 10, 0, 100, &v), -1);
	assert_int_equal(hpc_parse_ll("", 10, 0, 100, &v), -1);
	assert_int_equal(hpc_parse_ll("5 ", 10, 0, 100, &v), -1);
	assert_int_equal(hpc_parse_ll("99999999999999999999", 10, 0, 100, &v), -1);
	assert_int_equal(hpc_parse_ll(NULL, 10, 0, 100, &v), -1);
	/* errno is left alone */
	errno = EBADF;
	assert_int_equal(hpc_parse_ll("x", 10, 0, 100, &v), -1);
	assert_int_equal(errno, EBADF);
}

/* Texts a parser takes (with the value) or refuses (ok 0). */
struct parse_case {
	const char *s;
	int ok;
	uint64_t want;
};

static void check_cases(int (*parse)(const char *, uint64_t *),
			const struct parse_case *c, size_t n)
{
	uint64_t v;
	size_t i;

	for (i = 0; i < n; i++) {
		v = 0;
		if (parse(c[i].s, &v) != (c[i].ok ? 0 : -1))
			fail_msg("\"%s\": %s, expected %s", c[i].s,
				 c[i].ok ? "refused" : "taken",
				 c[i].ok ? "taken" : "refused");
		if (c[i].ok && v != c[i].want)
			fail_msg("\"%s\": %llu, expected %llu", c[i].s,
				 (unsigned long long)v,
				 (unsigned long long)c[i].want);
	}
}

static void test_parse_size(void **state)
{
	static const struct parse_case cases[] = {
		{ "4096", 1, 4096 }, { "64M", 1, 64ULL << 20 },
		{ "1g", 1, 1ULL << 30 }, { "2K", 1, 2048 },
		{ "3T", 1, 3ULL << 40 }, { "16777215T", 1, 16777215ULL << 40 },
		{ "0", 0, 0 }, { "0M", 0, 0 }, { "M", 0, 0 }, { "", 0, 0 },
		{ "1P", 0, 0 }, { "1MB", 0, 0 }, { "-1M", 0, 0 },
		{ "16777216T", 0, 0 },		/* 2^64 */
	};

	(void)state;
	check_cases(hpc_parse_size, cases, sizeof(cases) / sizeof(cases[0]));
}

static void test_parse_duration(void **state)
{
	static const struct parse_case cases[] = {
		{ "250ms", 1, 250 * NS_MS }, { "3s", 1, 3 * NS_S },
		{ "3", 1, 3 * NS_S }, { "2m", 1, 120 * NS_S },
		{ "1h", 1, 3600 * NS_S },
		{ "720h", 1, HPC_PARSE_MAX_DURATION_NS },
		{ "721h", 0, 0 }, { "2592000001ms", 0, 0 }, { "0s", 0, 0 },
		{ "s", 0, 0 }, { "ms", 0, 0 }, { "1d", 0, 0 }, { "1.5s", 0, 0 },
		{ "", 0, 0 },
	};

	(void)state;
	check_cases(hpc_parse_duration, cases, sizeof(cases) / sizeof(cases[0]));
}

static void test_prng(void **state)
{
	/* splitmix64 from 1234567: the reference implementation's numbers */
	static const uint64_t want[] = {
		6457827717110365317ULL, 3203168211198807973ULL,
		9817491932198370423ULL, 4593380528125082431ULL,
		16408922859458223821ULL,
	};
	struct hpc_prng r = { 1234567 };
	uint64_t seed, st;
	unsigned int i, a, k;

	(void)state;
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		assert_true(hpc_prng_at(1234567, i) == want[i]);
		assert_true(hpc_prng_next(&r) == want[i]);
	}
	assert_true(r.state == 1234567 + 5 * HPC_PRNG_GAMMA);
	/* the schedule's numbers are this stream's (lib/scenario.c) */
	for (seed = 0; seed < 3; seed++) {
		for (a = 0; a < 3; a++) {
			st = hpc_mix64(hpc_mix64(seed + HPC_PRNG_GAMMA) ^
				       ((uint64_t)a + 1) * HPC_PRNG_GAMMA);
			for (k = 0; k < 4; k++)
				assert_true(hpc_sched_rand(seed, a, k) ==
					    hpc_prng_at(st, k));
		}
	}
}

/* m written, then parsed back: the same line, the same values. */
static const struct hpc_msg *round_trip(const struct hpc_msg *m,
					const char *want)
{
	static char line[HPC_PROTO_MAX_LINE + 8];
	static struct hpc_msg back;
	int n = hpc_proto_format_msg(m, line, sizeof(line));

	assert_true(n > 0);
	assert_int_equal((size_t)n, strlen(line));
	assert_int_equal(line[n - 1], '\n');
	if (want)
		assert_string_equal(line, want);
	assert_int_equal(hpc_proto_parse(line, (size_t)n - 1, &back), 0);
	assert_int_equal(back.type, m->type);
	return &back;
}

static void test_format_msg(void **state)
{
	static struct hpc_msg m;
	const struct hpc_msg *b;

	(void)state;
	memset(&m, 0, sizeof(m));
	m.type = HPC_MSG_HELLO;
	m.version = 1;
	strcpy(m.release, "6.1.0-x");
	b = round_trip(&m, "HELLO 1 6.1.0-x\n");
	assert_string_equal(b->release, "6.1.0-x");

	memset(&m, 0, sizeof(m));
	m.type = HPC_MSG_STEP_END;
	m.idx = 3;
	m.guest_ns = 99;
	m.status.kind = HPC_ST_SIGNAL;
	m.status.value = 9;
	m.duration_ms = 12;
	b = round_trip(&m, "STEP 3 END 99 sig9 12\n");
	assert_int_equal(b->status.kind, HPC_ST_SIGNAL);
	assert_int_equal(b->status.value, 9);

	memset(&m, 0, sizeof(m));
	m.type = HPC_MSG_STEP_START;
	m.idx = 255;
	m.guest_ns = UINT64_MAX;
	round_trip(&m, "STEP 255 START 18446744073709551615\n");

	memset(&m, 0, sizeof(m));
	m.type = HPC_MSG_EV;
	m.guest_ns = 5;
	strcpy(m.name, "dimm1:added");
	round_trip(&m, "EV 5 dimm1:added\n");
	memcpy(m.text, "a\0b\nc", 5);
	m.text_len = 5;
	b = round_trip(&m, "EV 5 dimm1:added a?b?c\n");
	assert_string_equal(b->text, "a?b?c");

	memset(&m, 0, sizeof(m));
	m.type = HPC_MSG_OUT;
	m.idx = 0;
	round_trip(&m, "OUT 0\n");
	m.type = HPC_MSG_KTAP;
	round_trip(&m, "KTAP 0\n");
	m.type = HPC_MSG_BYE;
	m.exit_code = 2;
	round_trip(&m, "BYE 2\n");
	m.type = HPC_MSG_PING;
	m.guest_ns = 0;
	round_trip(&m, "PING 0\n");
	m.type = HPC_MSG_KMSG_LOST;
	m.lost = 4;
	round_trip(&m, "KMSGLOST 4\n");
	m.type = HPC_MSG_KMSG;
	strcpy(m.text, "6,1,2,-;x");
	m.text_len = strlen(m.text);
	round_trip(&m, "KMSG 6,1,2,-;x\n");
	m.type = HPC_MSG_STACK;
	m.idx = 3;
	m.pid = 92;
	m.state = 'D';
	strcpy(m.text, "msleep+0x29/0x40");
	m.text_len = strlen(m.text);
	round_trip(&m, "STACK 3 92 D msleep+0x29/0x40\n");
}

static void test_format_msg_limits(void **state)
{
	static struct hpc_msg m;
	static char line[HPC_PROTO_MAX_LINE + 8];
	const struct hpc_msg *b;
	int n;

	(void)state;
	/* free text is cut so that the line, '\n' included, fits */
	memset(&m, 0, sizeof(m));
	m.type = HPC_MSG_OUT;
	m.idx = 255;
	memset(m.text, 'a', sizeof(m.text) - 1);
	m.text_len = sizeof(m.text) - 1;
	b = round_trip(&m, NULL);
	assert_int_equal(b->text_len, HPC_PROTO_MAX_LINE - 1 - strlen("OUT 255 "));
	n = hpc_proto_format_msg(&m, line, sizeof(line));
	assert_int_equal(n, HPC_PROTO_MAX_LINE);
	/* too small a buffer, values out of range */
	assert_int_equal(hpc_proto_format_msg(&m, line, 100), -1);
	m.idx = 256;
	assert_int_equal(hpc_proto_format_msg(&m, line, sizeof(line)), -1);
	memset(&m, 0, sizeof(m));
	m.type = HPC_MSG_EV;
	strcpy(m.name, "bad name");
	assert_int_equal(hpc_proto_format_msg(&m, line, sizeof(line)), -1);
	m.type = HPC_MSG_BYE;
	m.exit_code = 256;
	assert_int_equal(hpc_proto_format_msg(&m, line, sizeof(line)), -1);
	m.type = HPC_MSG_KMSG_LOST;
	m.lost = 0;
	assert_int_equal(hpc_proto_format_msg(&m, line, sizeof(line)), -1);
	m.type = HPC_MSG_KMSG;
	m.text_len = 0;
	assert_int_equal(hpc_proto_format_msg(&m, line, sizeof(line)), -1);
	m.type = HPC_MSG_STACK;	/* no frame, then no pid, then no state letter */
	m.idx = 1;
	m.pid = 92;
	m.state = 'D';
	assert_int_equal(hpc_proto_format_msg(&m, line, sizeof(line)), -1);
	strcpy(m.text, "f+0x1/0x2");
	m.text_len = strlen(m.text);
	m.pid = 0;
	assert_int_equal(hpc_proto_format_msg(&m, line, sizeof(line)), -1);
	m.pid = 92;
	m.state = '1';
	assert_int_equal(hpc_proto_format_msg(&m, line, sizeof(line)), -1);
	m.text_len = 0;
	m.type = HPC_MSG_HELLO;
	assert_int_equal(hpc_proto_format_msg(&m, line, sizeof(line)), -1);
	m.type = HPC_MSG_STEP_END;
	m.status.kind = HPC_ST_EXIT;
	m.status.value = 300;
	assert_int_equal(hpc_proto_format_msg(&m, line, sizeof(line)), -1);
	m.type = HPC_MSG_INVALID;
	assert_int_equal(hpc_proto_format_msg(&m, line, sizeof(line)), -1);
}

static const char *host(const char *s, int plan_n, struct hpc_host_msg *m)
{
	return hpc_proto_parse_host(s, strlen(s), plan_n, m);
}

/* Host lines refused: why, and the type the caller checks its order on. */
static const struct {
	const char *line;
	int nul;		/* a NUL byte after the text */
	int plan_n;
	const char *why;
	enum hpc_host_type type;
} refused[] = {
	{ "", 0, 1, "empty line", HPC_HOST_INVALID },
	{ " GO", 0, 1, "empty line", HPC_HOST_INVALID },
	{ "GO", 1, 1, "NUL byte", HPC_HOST_INVALID },
	{ "HELLO 1 x", 0, 1, "unknown line", HPC_HOST_INVALID },
	{ "GO now", 0, 1, "malformed GO", HPC_HOST_GO },
	{ "PLAN 257", 0, 1, "malformed PLAN", HPC_HOST_PLAN },
	{ "PLAN", 0, 1, "malformed PLAN", HPC_HOST_PLAN },
	{ "PLAN 01", 0, 1, "malformed PLAN", HPC_HOST_PLAN },
	{ "EV", 0, 1, "malformed EV", HPC_HOST_EV },
	{ "EV a b", 0, 1, "malformed EV", HPC_HOST_EV },
	{ "EV bad/name", 0, 1, "malformed EV", HPC_HOST_EV },
	{ "S", 0, 1, "malformed S", HPC_HOST_INVALID },
	{ "S ", 0, 1, "malformed S", HPC_HOST_STEP },
	{ "S 1  run 5 x y", 0, 2, "malformed S", HPC_HOST_STEP },
	{ "S 1 run 5", 0, 2, "malformed S", HPC_HOST_STEP },
	{ "S 2 run 5 x y", 0, 2, "bad step index", HPC_HOST_STEP },
	{ "S 0 run 5 x y", 0, 0, "bad step index", HPC_HOST_STEP },
	{ "S -1 run 5 x y", 0, 2, "bad step index", HPC_HOST_STEP },
	{ "S 1 walk 5 x y", 0, 2, "bad step kind", HPC_HOST_STEP },
	{ "S 1 run 86401 x y", 0, 2, "bad timeout", HPC_HOST_STEP },
	{ "S 1 run 05 x y", 0, 2, "bad timeout", HPC_HOST_STEP },
	{ "S 1 run 5 bad/name y", 0, 2, "bad step name", HPC_HOST_STEP },
};

static void test_parse_host(void **state)
{
	struct hpc_host_msg m;
	const char *why;
	char line[HPC_PROTO_MAX_LINE + 8];
	size_t i;
	int n;

	(void)state;
	assert_null(host("PLAN 256", 0, &m));
	assert_int_equal(m.type, HPC_HOST_PLAN);
	assert_int_equal(m.plan_n, 256);
	assert_null(host("GO", 0, &m));
	assert_int_equal(m.type, HPC_HOST_GO);
	assert_null(host("EV dimm1:added", 0, &m));
	assert_int_equal(m.type, HPC_HOST_EV);
	assert_int_equal(m.name_len, strlen("dimm1:added"));

	assert_null(host("S 2 run 30 load sh -c 'x  y'", 3, &m));
	assert_int_equal(m.type, HPC_HOST_STEP);
	assert_int_equal(m.idx, 2);
	assert_int_equal(m.kind, HPC_STEP_RUN);
	assert_int_equal(m.timeout_s, 30);
	assert_int_equal(m.name_len, 4);
	assert_memory_equal(m.name, "load", 4);
	assert_int_equal(m.payload_len, strlen("sh -c 'x  y'"));
	assert_memory_equal(m.payload, "sh -c 'x  y'", m.payload_len);
	assert_null(host("S 0 wait 0 w", 1, &m));
	assert_int_equal(m.payload_len, 0);
	assert_null(host("S 0 emit 0 w ", 1, &m));
	assert_int_equal(m.payload_len, 0);

	/* what the formatter writes, the parser takes */
	n = hpc_proto_format_step(line, sizeof(line), 7, "reap", 86400, "r",
				  "bg-1");
	assert_true(n > 0);
	assert_null(hpc_proto_parse_host(line, (size_t)n - 1, 8, &m));
	assert_int_equal(m.kind, HPC_STEP_REAP);
	assert_int_equal(m.timeout_s, 86400);

	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		const char *s = refused[i].line;

		why = hpc_proto_parse_host(s, strlen(s) + refused[i].nul,
					   refused[i].plan_n, &m);
		if (!why || strcmp(why, refused[i].why))
			fail_msg("\"%s\": \"%s\", expected \"%s\"", s,
				 why ? why : "(taken)", refused[i].why);
		assert_int_equal(m.type, refused[i].type);
	}
}

struct lines {
	char got[8][64];
	unsigned int flags[8];
	size_t n;
};

static void keep(void *ctx, const char *line, size_t len, unsigned int flags)
{
	struct lines *l = ctx;

	assert_true(l->n < 8);
	assert_true(len < sizeof(l->got[0]));
	assert_int_equal(line[len], '\0');
	memcpy(l->got[l->n], line, len + 1);
	l->flags[l->n++] = flags;
}

static void test_linebuf_edges(void **state)
{
	struct hpc_linebuf lb;
	struct lines l = { 0 };

	(void)state;
	assert_int_equal(hpc_linebuf_init(&lb, 4), 0);
	/* exactly the limit is whole; one more is cut, the rest dropped */
	hpc_linebuf_feed(&lb, "abcd\nabcde\nxy", 13, keep, &l);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.got[0], "abcd");
	assert_int_equal(l.flags[0], 0);
	assert_string_equal(l.got[1], "abcd");
	assert_int_equal(l.flags[1], HPC_LINE_TRUNCATED);
	hpc_linebuf_flush(&lb, keep, &l);
	assert_int_equal(l.n, 3);
	assert_string_equal(l.got[2], "xy");
	hpc_linebuf_free(&lb);
}

static void test_linebuf_fill(void **state)
{
	struct hpc_linebuf lb;
	struct lines l = { 0 };
	int pfd[2];

	(void)state;
	assert_int_equal(pipe(pfd), 0);
	assert_int_equal(hpc_linebuf_init(&lb, 16), 0);
	assert_int_equal(hpc_write_all(pfd[1], "one\ntw", 6), 0);
	assert_int_equal(hpc_linebuf_fill(&lb, pfd[0], keep, &l), 6);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.got[0], "one");
	assert_int_equal(hpc_write_all(pfd[1], "o", 1), 0);
	close(pfd[1]);
	assert_int_equal(hpc_linebuf_fill(&lb, pfd[0], keep, &l), 1);
	assert_int_equal(l.n, 1);
	/* end of file: the unterminated last line */
	assert_int_equal(hpc_linebuf_fill(&lb, pfd[0], keep, &l), 0);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.got[1], "two");
	close(pfd[0]);
	hpc_linebuf_free(&lb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_u64),
		cmocka_unit_test(test_parse_ll),
		cmocka_unit_test(test_parse_size),
		cmocka_unit_test(test_parse_duration),
		cmocka_unit_test(test_prng),
		cmocka_unit_test(test_format_msg),
		cmocka_unit_test(test_format_msg_limits),
		cmocka_unit_test(test_parse_host),
		cmocka_unit_test(test_linebuf_edges),
		cmocka_unit_test(test_linebuf_fill),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
