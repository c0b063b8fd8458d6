// SPDX-License-Identifier: GPL-2.0
/* Tests for the host-side agent protocol parser and step formatter. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hpc/proto.h"

static struct hpc_msg msg;

/* Parse a NUL-terminated test line. */
static int parse(const char *s)
{
	char buf[HPC_PROTO_MAX_LINE * 2];
	size_t n = strlen(s);

	assert_true(n < sizeof(buf));
	memcpy(buf, s, n + 1);
	return hpc_proto_parse(buf, n, &msg);
}

static void assert_invalid(const char *s)
{
	int rc = parse(s);

	if (rc != -1 || msg.type != HPC_MSG_INVALID)
		fail_msg("accepted invalid line \"%s\"", s);
}

static void assert_valid(const char *s, enum hpc_msg_type t)
{
	int rc = parse(s);

	if (rc != 0)
		fail_msg("rejected valid line \"%s\"", s);
	assert_int_equal(msg.type, t);
}

static void test_hello(void **state)
{
	(void)state;
	assert_valid("HELLO 1 6.18.44-fc-v669", HPC_MSG_HELLO);
	assert_int_equal(msg.version, 1);
	assert_string_equal(msg.release, "6.18.44-fc-v669");
	assert_valid("HELLO 2 5.15.0-1.el8~x+y", HPC_MSG_HELLO);
	assert_int_equal(msg.version, 2);
	assert_string_equal(msg.release, "5.15.0-1.el8~x+y");

	assert_invalid("HELLO");
	assert_invalid("HELLO ");
	assert_invalid("HELLO 1");
	assert_invalid("HELLO 1 ");
	assert_invalid("HELLO 1 a b");
	assert_invalid("HELLO 1  a");
	assert_invalid("HELLO x 6.1");
	assert_invalid("HELLO -1 6.1");
	assert_invalid("HELLO +1 6.1");
	assert_invalid("HELLO 01 6.1");
	assert_invalid("HELLO 65536 6.1");
	assert_invalid("HELLO 1 6.1\x01");
	assert_invalid("hello 1 6.1");
	assert_invalid("HELLO 1 "
		       "01234567890123456789012345678901234567890123456789"
		       "012345678901234");	/* 65 bytes */
	assert_valid("HELLO 1 "
		     "01234567890123456789012345678901234567890123456789"
		     "01234567890123", HPC_MSG_HELLO);	/* 64 bytes */
}

static void test_ping(void **state)
{
	(void)state;
	assert_valid("PING 0", HPC_MSG_PING);
	assert_true(msg.guest_ns == 0);
	assert_valid("PING 18446744073709551615", HPC_MSG_PING);
	assert_true(msg.guest_ns == UINT64_MAX);
	assert_valid("PING 1234567890", HPC_MSG_PING);
	assert_true(msg.guest_ns == 1234567890ULL);

	assert_invalid("PING");
	assert_invalid("PING ");
	assert_invalid("PING 18446744073709551616");
	assert_invalid("PING 99999999999999999999999");
	assert_invalid("PING -1");
	assert_invalid("PING +1");
	assert_invalid("PING 00");
	assert_invalid("PING 0x10");
	assert_invalid("PING 1 ");
	assert_invalid("PING 1 2");
	assert_invalid(" PING 1");
	assert_invalid("PING  1");
	assert_invalid("PING 1\r");
	assert_invalid("PING\t1");
	assert_invalid("PING 1.5");
}

static void test_ev(void **state)
{
	(void)state;
	assert_valid("EV 5 dimm1:added", HPC_MSG_EV);
	assert_true(msg.guest_ns == 5);
	assert_string_equal(msg.name, "dimm1:added");
	assert_int_equal(msg.text_len, 0);
	assert_string_equal(msg.text, "");

	assert_valid("EV 77 agent.bad-input unexpected line  here ", HPC_MSG_EV);
	assert_string_equal(msg.name, "agent.bad-input");
	assert_string_equal(msg.text, "unexpected line  here ");

	assert_valid("EV 1 x ", HPC_MSG_EV);
	assert_string_equal(msg.text, "");

	assert_valid("EV 1 A-Za_z0.9:+- t", HPC_MSG_EV);
	assert_string_equal(msg.name, "A-Za_z0.9:+-");

	assert_invalid("EV");
	assert_invalid("EV 1");
	assert_invalid("EV 1 ");
	assert_invalid("EV x name");
	assert_invalid("EV 1  name");
	assert_invalid("EV 1 na/me");
	assert_invalid("EV 1 na\"me");
	assert_invalid("EV 1 name\ttext");
	assert_invalid("EV 1 n\xc3\xa9");
	assert_invalid("EV 1 "
		       "01234567890123456789012345678901234567890123456789"
		       "012345678901234");	/* 65-byte name */
	assert_valid("EV 1 "
		     "01234567890123456789012345678901234567890123456789"
		     "01234567890123", HPC_MSG_EV);	/* 64-byte name */
	assert_int_equal(strlen(msg.name), 64);
}

static void test_step(void **state)
{
	(void)state;
	assert_valid("STEP 0 START 100", HPC_MSG_STEP_START);
	assert_int_equal(msg.idx, 0);
	assert_true(msg.guest_ns == 100);
	assert_valid("STEP 255 START 1", HPC_MSG_STEP_START);
	assert_int_equal(msg.idx, 255);

	assert_valid("STEP 3 END 200 0 15", HPC_MSG_STEP_END);
	assert_int_equal(msg.idx, 3);
	assert_true(msg.guest_ns == 200);
	assert_int_equal(msg.status.kind, HPC_ST_EXIT);
	assert_int_equal(msg.status.value, 0);
	assert_true(msg.duration_ms == 15);

	assert_valid("STEP 3 END 200 255 0", HPC_MSG_STEP_END);
	assert_int_equal(msg.status.kind, HPC_ST_EXIT);
	assert_int_equal(msg.status.value, 255);
	assert_valid("STEP 3 END 200 sig9 0", HPC_MSG_STEP_END);
	assert_int_equal(msg.status.kind, HPC_ST_SIGNAL);
	assert_int_equal(msg.status.value, 9);
	assert_valid("STEP 3 END 200 sig64 0", HPC_MSG_STEP_END);
	assert_int_equal(msg.status.value, 64);
	assert_valid("STEP 3 END 200 timeout 30000", HPC_MSG_STEP_END);
	assert_int_equal(msg.status.kind, HPC_ST_TIMEOUT);
	assert_true(msg.duration_ms == 30000);
	assert_valid("STEP 3 END 200 error 0", HPC_MSG_STEP_END);
	assert_int_equal(msg.status.kind, HPC_ST_ERROR);

	/* idx bounds and number forms */
	assert_invalid("STEP 256 START 1");
	assert_invalid("STEP -1 START 1");
	assert_invalid("STEP +1 START 1");
	assert_invalid("STEP 01 START 1");
	assert_invalid("STEP 4294967296 START 1");
	assert_invalid("STEP 1 START 18446744073709551616");
	/* missing / extra fields */
	assert_invalid("STEP");
	assert_invalid("STEP 1");
	assert_invalid("STEP 1 START");
	assert_invalid("STEP 1 START 5 x");
	assert_invalid("STEP 1 START 5 ");
	assert_invalid("STEP 1 BEGIN 5");
	assert_invalid("STEP 1 start 5");
	assert_invalid("STEP 1 END 5");
	assert_invalid("STEP 1 END 5 0");
	assert_invalid("STEP 1 END 5 0 1 2");
	assert_invalid("STEP 1 END 5 0 1 ");
	/* bad status */
	assert_invalid("STEP 1 END 5 256 1");
	assert_invalid("STEP 1 END 5 -1 1");
	assert_invalid("STEP 1 END 5 sig0 1");
	assert_invalid("STEP 1 END 5 sig65 1");
	assert_invalid("STEP 1 END 5 sig 1");
	assert_invalid("STEP 1 END 5 sig-1 1");
	assert_invalid("STEP 1 END 5 sig09 1");
	assert_invalid("STEP 1 END 5 SIG9 1");
	assert_invalid("STEP 1 END 5 Timeout 1");
	assert_invalid("STEP 1 END 5 timeouts 1");
	assert_invalid("STEP 1 END 5 errors 1");
	assert_invalid("STEP 1 END 5 0 18446744073709551616");
	assert_invalid("STEP 1 END 5 0 -5");
}

static void test_out(void **state)
{
	(void)state;
	assert_valid("OUT 0 hello world", HPC_MSG_OUT);
	assert_int_equal(msg.idx, 0);
	assert_string_equal(msg.text, "hello world");
	assert_int_equal(msg.text_len, 11);
	assert_valid("OUT 255 x", HPC_MSG_OUT);
	assert_int_equal(msg.idx, 255);
	assert_valid("OUT 7", HPC_MSG_OUT);
	assert_string_equal(msg.text, "");
	assert_valid("OUT 7 ", HPC_MSG_OUT);
	assert_string_equal(msg.text, "");
	assert_valid("OUT 7  two leading spaces", HPC_MSG_OUT);
	assert_string_equal(msg.text, " two leading spaces");
	assert_valid("OUT 1 tab\there", HPC_MSG_OUT);
	assert_string_equal(msg.text, "tab\there");

	assert_invalid("OUT");
	assert_invalid("OUT ");
	assert_invalid("OUT x text");
	assert_invalid("OUT 256 text");
	assert_invalid("OUT -1 text");
	assert_invalid("OUT 1x text");
}

static void test_ktap_bye(void **state)
{
	(void)state;
	assert_valid("KTAP 2 ok 1 - test", HPC_MSG_KTAP);
	assert_string_equal(msg.text, "ok 1 - test");
	assert_int_equal(msg.idx, 2);
	assert_valid("KTAP 0", HPC_MSG_KTAP);
	assert_string_equal(msg.text, "");
	assert_valid("KTAP 0 ", HPC_MSG_KTAP);
	assert_string_equal(msg.text, "");
	assert_valid("KTAP 255     # indented", HPC_MSG_KTAP);
	assert_string_equal(msg.text, "    # indented");
	assert_invalid("KTAP");		/* the step is required */
	assert_invalid("KTAP ok 1");
	assert_invalid("KTAP 256 ok 1");
	assert_invalid("KTAP 1..2");
	assert_invalid("KTAPx");
	assert_invalid("ktap x");

	assert_valid("BYE 0", HPC_MSG_BYE);
	assert_int_equal(msg.exit_code, 0);
	assert_valid("BYE 2", HPC_MSG_BYE);
	assert_int_equal(msg.exit_code, 2);
	assert_valid("BYE 255", HPC_MSG_BYE);
	assert_invalid("BYE");
	assert_invalid("BYE ");
	assert_invalid("BYE 256");
	assert_invalid("BYE -1");
	assert_invalid("BYE 1 2");
	assert_invalid("BYE 1 ");
}

static void test_kmsg_lines(void **state)
{
	(void)state;
	assert_valid("KMSG 3,77,27755595,-,caller=T70;BUG: KASAN: x in y",
		     HPC_MSG_KMSG);
	assert_string_equal(msg.text, "3,77,27755595,-,caller=T70;BUG: KASAN: x in y");
	assert_valid("KMSG 6,1,2,-;", HPC_MSG_KMSG);
	assert_invalid("KMSG");
	assert_invalid("KMSG ");
	assert_invalid("KMSGx 6,1,2,-;");
	assert_string_equal(hpc_proto_msg_name(HPC_MSG_KMSG), "KMSG");

	assert_valid("KMSGLOST 1", HPC_MSG_KMSG_LOST);
	assert_true(msg.lost == 1);
	assert_valid("KMSGLOST 18446744073709551615", HPC_MSG_KMSG_LOST);
	assert_true(msg.lost == UINT64_MAX);
	assert_invalid("KMSGLOST 0");
	assert_invalid("KMSGLOST");
	assert_invalid("KMSGLOST 01");
	assert_invalid("KMSGLOST 1 2");
	assert_invalid("KMSGLOST -1");
	assert_invalid("KMSGLOST 18446744073709551616");
	assert_string_equal(hpc_proto_msg_name(HPC_MSG_KMSG_LOST), "KMSGLOST");

	assert_valid("STACK 1 92 D hpc_trigger_hung+0x13/0x22 [hpchaos_trigger]", HPC_MSG_STACK);
	assert_true(msg.idx == 1 && msg.pid == 92 && msg.state == 'D');
	assert_string_equal(msg.text, "hpc_trigger_hung+0x13/0x22 [hpchaos_trigger]");
	assert_valid("STACK 255 4194304 S x", HPC_MSG_STACK);
	assert_invalid("STACK 1 92 D");		/* no frame */
	assert_invalid("STACK 1 92 D ");
	assert_invalid("STACK 1 0 D f");		/* pid 0 */
	assert_invalid("STACK 1 4194305 D f");
	assert_invalid("STACK 256 92 D f");	/* no such step */
	assert_invalid("STACK 1 92 DD f");	/* one letter */
	assert_invalid("STACK 1 92 1 f");
	assert_invalid("STACK 1 092 D f");
	assert_invalid("STACK 1 92");
	assert_string_equal(hpc_proto_msg_name(HPC_MSG_STACK), "STACK");
}

static void test_junk(void **state)
{
	(void)state;
	assert_invalid("");
	assert_invalid(" ");
	assert_invalid("  ");
	assert_invalid("FOO 1");
	assert_invalid("PLAN 3");		/* host->guest, not guest->host */
	assert_invalid("GO");
	assert_invalid("S 0 run 10 x echo");
	assert_invalid("\x1b[31mPING 1");
	assert_invalid("PING 1\x1b[0m");
	assert_invalid("HELLO\x01 1 6.1");
}

static void test_embedded_nul(void **state)
{
	char l1[] = "PING 1\0002";
	char l2[] = "OUT 1 a\000b";
	char l3[] = "EV 1 na\000me";
	char l4[] = "PI\000NG 1";
	char l5[] = "KTAP 0 \000";

	(void)state;
	assert_int_equal(hpc_proto_parse(l1, sizeof(l1) - 1, &msg), -1);
	assert_int_equal(msg.type, HPC_MSG_INVALID);
	/* NUL in free text is made printable, not a terminator */
	assert_int_equal(hpc_proto_parse(l2, sizeof(l2) - 1, &msg), 0);
	assert_string_equal(msg.text, "a?b");
	assert_int_equal(msg.text_len, 3);
	assert_int_equal(hpc_proto_parse(l3, sizeof(l3) - 1, &msg), -1);
	assert_int_equal(hpc_proto_parse(l4, sizeof(l4) - 1, &msg), -1);
	assert_int_equal(hpc_proto_parse(l5, sizeof(l5) - 1, &msg), 0);
	assert_string_equal(msg.text, "?");
	/* the length given is what counts, not a NUL */
	assert_int_equal(hpc_proto_parse(l1, 6, &msg), 0);
	assert_int_equal(msg.type, HPC_MSG_PING);
	assert_int_equal(hpc_proto_parse(l1, 0, &msg), -1);
	assert_int_equal(hpc_proto_parse(NULL, 3, &msg), -1);
}

static void test_escapes(void **state)
{
	(void)state;
	assert_valid("OUT 2 \x1b[31mred\x1b[0m plain\r", HPC_MSG_OUT);
	assert_string_equal(msg.text, "red plain");
	assert_valid("EV 1 n \x1b]0;title\x07 \x7f\xff\x80 x", HPC_MSG_EV);
	for (size_t i = 0; i < msg.text_len; i++)
		assert_true(msg.text[i] == '\t' ||
			    (msg.text[i] >= 0x20 && msg.text[i] <= 0x7e));
	assert_int_equal(strlen(msg.text), msg.text_len);
	assert_valid("KTAP 0 \x01\x02\x1b", HPC_MSG_KTAP);
	assert_string_equal(msg.text, "??");
}

static void test_long_lines(void **state)
{
	static char line[HPC_PROTO_MAX_LINE + 64];
	size_t n;

	(void)state;
	/* exactly the longest line: 4095 bytes plus the '\n' not given */
	memcpy(line, "OUT 1 ", 6);
	n = HPC_PROTO_MAX_LINE - 1;
	memset(line + 6, 'a', n - 6);
	assert_int_equal(hpc_proto_parse(line, n, &msg), 0);
	assert_int_equal(msg.type, HPC_MSG_OUT);
	assert_int_equal(msg.text_len, n - 6);
	assert_int_equal(strlen(msg.text), n - 6);

	/* one more byte is over the limit */
	memset(line + 6, 'a', n + 1 - 6);
	assert_int_equal(hpc_proto_parse(line, n + 1, &msg), -1);
	assert_int_equal(msg.type, HPC_MSG_INVALID);

	/* a 4096-byte text cannot be valid */
	memset(line + 6, 'b', HPC_PROTO_MAX_LINE);
	assert_int_equal(hpc_proto_parse(line, 6 + HPC_PROTO_MAX_LINE, &msg),
			 -1);

	/* longest KTAP */
	memcpy(line, "KTAP 0 ", 7);
	memset(line + 7, 'k', HPC_PROTO_MAX_LINE - 1 - 7);
	assert_int_equal(hpc_proto_parse(line, HPC_PROTO_MAX_LINE - 1, &msg),
			 0);
	assert_int_equal(msg.text_len, HPC_PROTO_MAX_LINE - 1 - 7);

	/* a huge number field */
	memcpy(line, "PING ", 5);
	memset(line + 5, '9', 3000);
	assert_int_equal(hpc_proto_parse(line, 3005, &msg), -1);
}

static void test_format_step(void **state)
{
	char buf[HPC_PROTO_MAX_LINE + 16];
	static char big[HPC_PROTO_MAX_LINE + 16];
	int n;

	(void)state;
	n = hpc_proto_format_step(buf, sizeof(buf), 0, "run", 30, "setup",
				  "echo hi; true");
	assert_int_equal(n, (int)strlen("S 0 run 30 setup echo hi; true\n"));
	assert_string_equal(buf, "S 0 run 30 setup echo hi; true\n");
	n = hpc_proto_format_step(buf, sizeof(buf), 255, "wait", 0,
				  "dimm1:added", NULL);
	assert_true(n > 0);
	assert_string_equal(buf, "S 255 wait 0 dimm1:added\n");
	n = hpc_proto_format_step(buf, sizeof(buf), 4, "emit", 1, "go", "");
	assert_string_equal(buf, "S 4 emit 1 go\n");
	n = hpc_proto_format_step(buf, sizeof(buf), 5, "reap", 60, "r", "load");
	assert_string_equal(buf, "S 5 reap 60 r load\n");
	n = hpc_proto_format_step(buf, sizeof(buf), 6, "check", 86400, "c",
				  "test -e /x");
	assert_true(n > 0);
	n = hpc_proto_format_step(buf, sizeof(buf), 7, "bg", 10, "b", "sleep 1");
	assert_true(n > 0);

	/* invalid arguments */
	assert_int_equal(hpc_proto_format_step(buf, sizeof(buf), -1, "run", 1,
					       "a", "x"), -1);
	assert_int_equal(hpc_proto_format_step(buf, sizeof(buf), 256, "run", 1,
					       "a", "x"), -1);
	assert_int_equal(hpc_proto_format_step(buf, sizeof(buf), 0, "walk", 1,
					       "a", "x"), -1);
	assert_int_equal(hpc_proto_format_step(buf, sizeof(buf), 0, "run",
					       86401, "a", "x"), -1);
	assert_int_equal(hpc_proto_format_step(buf, sizeof(buf), 0, "run", 1,
					       "a b", "x"), -1);
	assert_int_equal(hpc_proto_format_step(buf, sizeof(buf), 0, "run", 1,
					       "", "x"), -1);
	assert_int_equal(hpc_proto_format_step(buf, sizeof(buf), 0, "run", 1,
					       "a", "x\ny"), -1);
	assert_int_equal(hpc_proto_format_step(buf, sizeof(buf), 0, "run", 1,
					       "a", ""), -1);
	assert_int_equal(hpc_proto_format_step(buf, sizeof(buf), 0, "reap", 1,
					       "a", "not a name"), -1);
	assert_int_equal(hpc_proto_format_step(buf, sizeof(buf), 0, "run", 1,
					       NULL, "x"), -1);

	/* too small a buffer */
	assert_int_equal(hpc_proto_format_step(buf, 10, 0, "run", 1, "a",
					       "echo hello"), -1);
	/* fits exactly: "S 0 run 1 a x\n" is 14 bytes + NUL */
	assert_int_equal(hpc_proto_format_step(buf, 15, 0, "run", 1, "a", "x"),
			 14);
	assert_int_equal(hpc_proto_format_step(buf, 14, 0, "run", 1, "a", "x"),
			 -1);

	/* the line limit, independent of the buffer size */
	memset(big, 'p', HPC_PROTO_MAX_LINE - 11);
	big[HPC_PROTO_MAX_LINE - 11] = '\0';
	/* "S 0 run 1 a " is 12 bytes; + payload + '\n' = 4096 - 11 + 13 */
	assert_int_equal(hpc_proto_format_step(buf, sizeof(buf), 0, "run", 1,
					       "a", big), -1);
	big[HPC_PROTO_MAX_LINE - 13] = '\0';
	assert_int_equal(hpc_proto_format_step(buf, sizeof(buf), 0, "run", 1,
					       "a", big), HPC_PROTO_MAX_LINE);
}

static void test_status_and_names(void **state)
{
	char b[16];
	struct hpc_status st;

	(void)state;
	st.kind = HPC_ST_EXIT;
	st.value = 3;
	assert_int_equal(hpc_proto_format_status(&st, b, sizeof(b)), 1);
	assert_string_equal(b, "3");
	st.kind = HPC_ST_SIGNAL;
	st.value = 9;
	assert_int_equal(hpc_proto_format_status(&st, b, sizeof(b)), 4);
	assert_string_equal(b, "sig9");
	st.value = 0;
	assert_int_equal(hpc_proto_format_status(&st, b, sizeof(b)), -1);
	st.kind = HPC_ST_TIMEOUT;
	assert_int_equal(hpc_proto_format_status(&st, b, sizeof(b)), 7);
	assert_string_equal(b, "timeout");
	assert_int_equal(hpc_proto_format_status(&st, b, 7), -1);
	st.kind = HPC_ST_ERROR;
	assert_int_equal(hpc_proto_format_status(&st, b, sizeof(b)), 5);
	st.kind = HPC_ST_EXIT;
	st.value = 256;
	assert_int_equal(hpc_proto_format_status(&st, b, sizeof(b)), -1);

	assert_string_equal(hpc_proto_msg_name(HPC_MSG_STEP_END), "STEP_END");
	assert_string_equal(hpc_proto_msg_name(HPC_MSG__COUNT), "INVALID");
	assert_string_equal(hpc_step_kind_name(HPC_STEP_WAIT), "wait");
	assert_null(hpc_step_kind_name(HPC_STEP__COUNT));
	assert_int_equal(hpc_step_kind_parse("bg", 2), HPC_STEP_BG);
	assert_int_equal(hpc_step_kind_parse("bgx", 2), HPC_STEP_BG);
	assert_int_equal(hpc_step_kind_parse("bgx", 3), -1);
	assert_int_equal(hpc_step_kind_parse("", 0), -1);
	assert_true(hpc_proto_name_ok("a", 1));
	assert_false(hpc_proto_name_ok("", 0));
	assert_false(hpc_proto_name_ok("a b", 3));
}

/* Round trip: what the agent prints for every status parses back. */
static void test_status_round_trip(void **state)
{
	char line[128], st[16];
	struct hpc_status s;
	int v;

	(void)state;
	for (v = 0; v <= 255; v++) {
		s.kind = HPC_ST_EXIT;
		s.value = v;
		assert_true(hpc_proto_format_status(&s, st, sizeof(st)) > 0);
		snprintf(line, sizeof(line), "STEP %d END 9 %s 1", v, st);
		assert_valid(line, HPC_MSG_STEP_END);
		assert_int_equal(msg.status.kind, HPC_ST_EXIT);
		assert_int_equal(msg.status.value, v);
		assert_int_equal(msg.idx, v);
	}
	for (v = 1; v <= HPC_PROTO_MAX_SIG; v++) {
		s.kind = HPC_ST_SIGNAL;
		s.value = v;
		assert_true(hpc_proto_format_status(&s, st, sizeof(st)) > 0);
		snprintf(line, sizeof(line), "STEP 1 END 9 %s 1", st);
		assert_valid(line, HPC_MSG_STEP_END);
		assert_int_equal(msg.status.kind, HPC_ST_SIGNAL);
		assert_int_equal(msg.status.value, v);
	}
}

static uint64_t rng_state = 0x243f6a8885a308d3ULL;

static uint64_t rng(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void check_result(int rc)
{
	if (rc == 0) {
		assert_true(msg.type > HPC_MSG_INVALID &&
			    msg.type < HPC_MSG__COUNT);
		assert_true(msg.idx >= 0 && msg.idx < HPC_MAX_STEPS);
		assert_true(msg.text_len < sizeof(msg.text));
		assert_int_equal(strlen(msg.text), msg.text_len);
		assert_true(strlen(msg.name) <= HPC_PROTO_MAX_NAME);
		for (size_t i = 0; i < msg.text_len; i++)
			assert_true(msg.text[i] == '\t' ||
				    (msg.text[i] >= 0x20 && msg.text[i] <= 0x7e));
	} else {
		assert_int_equal(rc, -1);
		assert_int_equal(msg.type, HPC_MSG_INVALID);
	}
}

static void test_fuzz(void **state)
{
	static const char *const seeds[] = {
		"HELLO 1 6.1.0", "PING 123", "EV 5 name text", "STEP 1 START 5",
		"STEP 2 END 5 sig9 10", "OUT 3 output", "KTAP 1 ok 1", "BYE 0",
		"STEP 255 END 18446744073709551615 timeout 0",
	};
	static const char alphabet[] = "0123456789 -+STEPNDOUKAYBHLIGVR"
		"sigtmoeur\x1b\r\t\x00\xff";
	char *buf;
	int i, valid = 0;

	(void)state;
	/* heap buffer of the exact length, so ASan sees any over-read */
	for (i = 0; i < 200000; i++) {
		size_t n, j;
		uint64_t r = rng();

		if (i % 2 == 0) {
			/* mutate a valid line */
			const char *s = seeds[r % (sizeof(seeds) / sizeof(seeds[0]))];
			size_t sl = strlen(s);
			int muts = 1 + (int)((r >> 8) % 4);

			n = sl + ((r >> 16) % 3 == 0 ? (r >> 20) % 8 : 0);
			buf = malloc(n ? n : 1);
			assert_non_null(buf);
			memcpy(buf, s, sl < n ? sl : n);
			for (j = sl; j < n; j++)
				buf[j] = alphabet[rng() % (sizeof(alphabet) - 1)];
			while (muts-- > 0 && n > 0) {
				uint64_t m = rng();
				size_t at = m % n;

				switch ((m >> 32) % 3) {
				case 0:
					buf[at] = (char)(m >> 40);
					break;
				case 1:
					buf[at] = alphabet[(m >> 40) %
							   (sizeof(alphabet) - 1)];
					break;
				default:
					n = at;	/* cut */
					break;
				}
			}
		} else {
			/* random bytes, mostly short, sometimes long */
			n = (r & 0xf) == 0 ? (r >> 8) % (HPC_PROTO_MAX_LINE + 8)
					   : (r >> 8) % 64;
			buf = malloc(n ? n : 1);
			assert_non_null(buf);
			for (j = 0; j < n; j++) {
				uint64_t b = rng();

				buf[j] = (b & 1) ? (char)(b >> 8)
						 : alphabet[(b >> 8) %
							    (sizeof(alphabet) - 1)];
			}
		}
		{
			int rc = hpc_proto_parse(buf, n, &msg);

			check_result(rc);
			valid += rc == 0;
		}
		free(buf);
	}
	/* the mutator keeps a fair number of lines valid */
	assert_true(valid > 1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hello),
		cmocka_unit_test(test_ping),
		cmocka_unit_test(test_ev),
		cmocka_unit_test(test_step),
		cmocka_unit_test(test_out),
		cmocka_unit_test(test_ktap_bye),
		cmocka_unit_test(test_kmsg_lines),
		cmocka_unit_test(test_junk),
		cmocka_unit_test(test_embedded_nul),
		cmocka_unit_test(test_escapes),
		cmocka_unit_test(test_long_lines),
		cmocka_unit_test(test_format_step),
		cmocka_unit_test(test_status_and_names),
		cmocka_unit_test(test_status_round_trip),
		cmocka_unit_test(test_fuzz),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
