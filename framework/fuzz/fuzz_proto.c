// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz the host's parser of agent lines (proto.h, guest -> host). Each
 * input line goes through hpc_proto_parse() in a buffer of its own exact
 * size. The parser is strict and canonical, so a line it accepts must come
 * back byte for byte when the message is written out again (text fields:
 * when they were printable already; an empty text may have had its
 * separator); the line must not be modified; what it fills in must be in
 * the ranges proto.h gives. Written out means by hpc_proto_format_msg(),
 * the agent's writer: every accepted line must come back from it.
 */
#include <inttypes.h>
#include <string.h>

#include "hpc/proto.h"
#include "fuzz.h"

/* The message as the agent writes it, without its '\n'; -1 if it cannot. */
static int unparse(const struct hpc_msg *m, char *buf, size_t cap)
{
	int n = hpc_proto_format_msg(m, buf, cap);

	if (n < 0)
		return -1;
	FUZZ_CHECK(n >= 2 && buf[n - 1] == '\n' && n <= HPC_PROTO_MAX_LINE);
	buf[--n] = '\0';
	return n;
}

static void check(const char *orig, char *line, size_t len)
{
	static struct hpc_msg m;
	static char back[2 * HPC_PROTO_MAX_LINE];
	int r = hpc_proto_parse(line, len, &m), n;
	const char *nul;

	FUZZ_CHECK(memcmp(orig, line, len) == 0);
	FUZZ_CHECK(hpc_proto_msg_name(m.type));
	if (r < 0) {
		FUZZ_CHECK(r == -1 && m.type == HPC_MSG_INVALID);
		return;
	}
	FUZZ_CHECK(r == 0 && m.type != HPC_MSG_INVALID);
	FUZZ_CHECK(len < HPC_PROTO_MAX_LINE);
	FUZZ_CHECK(m.idx >= 0 && m.idx < HPC_MAX_STEPS);
	FUZZ_CHECK(m.exit_code >= 0 && m.exit_code <= 255);
	FUZZ_CHECK(m.text_len < sizeof(m.text) && m.text[m.text_len] == '\0');
	FUZZ_CHECK(strlen(m.text) == m.text_len);
	FUZZ_CHECK(fuzz_printable(m.text, m.text_len));
	nul = memchr(m.name, '\0', sizeof(m.name));
	FUZZ_CHECK(nul);
	FUZZ_CHECK(m.type != HPC_MSG_EV ||
		   hpc_proto_name_ok(m.name, (size_t)(nul - m.name)));
	FUZZ_CHECK(memchr(m.release, '\0', sizeof(m.release)));
	if (m.type == HPC_MSG_STEP_END) {
		switch (m.status.kind) {
		case HPC_ST_EXIT:
			FUZZ_CHECK(m.status.value >= 0 && m.status.value <= 255);
			break;
		case HPC_ST_SIGNAL:
			FUZZ_CHECK(m.status.value >= 1 &&
				   m.status.value <= HPC_PROTO_MAX_SIG);
			break;
		case HPC_ST_TIMEOUT:
		case HPC_ST_ERROR:
			FUZZ_CHECK(m.status.value == 0);
			break;
		default:
			FUZZ_CHECK(!"status kind");
		}
	}
	if (m.type == HPC_MSG_STACK) {
		FUZZ_CHECK(m.pid >= 1 && m.pid <= HPC_PROTO_MAX_PID);
		FUZZ_CHECK((m.state >= 'A' && m.state <= 'Z') ||
			   (m.state >= 'a' && m.state <= 'z'));
		FUZZ_CHECK(m.text_len > 0 && m.idx >= 0 && m.idx < HPC_MAX_STEPS);
	}
	n = unparse(&m, back, sizeof(back));
	/* an accepted line is one the agent can write */
	FUZZ_CHECK(n >= 0);
	FUZZ_CHECK((size_t)n < sizeof(back));
	if (m.type == HPC_MSG_EV || m.type == HPC_MSG_OUT ||
	    m.type == HPC_MSG_KTAP || m.type == HPC_MSG_KMSG ||
	    m.type == HPC_MSG_STACK) {
		if (!fuzz_printable(orig, len))
			return;
		/* "OUT 3 " is "OUT 3" with an empty text */
		if (m.text_len == 0 && len == (size_t)n + 1 && orig[n] == ' ')
			len--;
	}
	FUZZ_CHECK((size_t)n == len && memcmp(back, orig, len) == 0);
}

static void proto_line(void *ctx, const char *at, char *line, size_t n)
{
	(void)ctx;
	check(at, line, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_each_line(data, size, proto_line, NULL);
	return 0;
}
