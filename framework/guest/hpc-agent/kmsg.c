// SPDX-License-Identifier: GPL-2.0
/*
 * Reading the kernel log: records from /dev/kmsg ("prio,seq,ts,flags;text",
 * one record per read, " KEY=value" lines after it) go to the host as
 * `KMSG <record>`, the kernel's own (facility 0) always, userspace ones
 * only if they are hpchaos markers (they let the host place the kernel
 * records on the console). Records lost before they were read (the log
 * buffer wrapped: EPIPE, a jump in seq) are counted in `KMSGLOST <n>`.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"
#include "hpc/parse.h"

#define KIN_READ	16384	/* larger than any record */
#define KIN_MARK	"hpchaos: "
#define KIN_MAX_PRIO	0x7fffffff
/* Reads per wake-up while kin_sync() waits for its marker. */
#define KIN_SYNC_READS	64

/* "prio,seq," at the start of a record: 0, or -1 if malformed. */
static int kin_head(const char *s, size_t len, uint64_t *prio, uint64_t *seq,
		    const char **text, size_t *tlen)
{
	const char *c1 = memchr(s, ',', len), *c2, *semi;

	if (!c1)
		return -1;
	c2 = memchr(c1 + 1, ',', len - (size_t)(c1 + 1 - s));
	semi = memchr(s, ';', len);
	if (!c2 || !semi || semi < c2)
		return -1;
	if (hpc_parse_u64(s, (size_t)(c1 - s), KIN_MAX_PRIO, prio) < 0 ||
	    hpc_parse_u64(c1 + 1, (size_t)(c2 - c1 - 1), UINT64_MAX, seq) < 0)
		return -1;
	*text = semi + 1;
	*tlen = len - (size_t)(semi + 1 - s);
	return 0;
}

/*
 * Before the next record: the host triages the console of the gap;
 * records the queue could not take count too.
 */
static void kin_report_lost(void)
{
	struct hpc_msg *m = msg_begin(HPC_MSG_KMSG_LOST);

	m->lost = A.kin_lost;
	if (msg_send(1) == 0)
		A.kin_lost = 0;
}

static void kin_record(const char *s, size_t len)
{
	uint64_t prio, seq;
	const char *text;
	size_t tlen, ml = strlen(KIN_MARK);

	if (len == 0 || s[0] == ' ')
		return;		/* a dictionary line */
	if (kin_head(s, len, &prio, &seq, &text, &tlen) < 0)
		return;
	if (seq > A.kin_next)
		A.kin_lost += seq - A.kin_next;
	if (A.kin_lost)
		kin_report_lost();
	if (seq >= A.kin_next)
		A.kin_next = seq + 1;
	if (A.kin_sync[0] && (prio >> 3) != 0 && tlen == strlen(A.kin_sync) &&
	    memcmp(text, A.kin_sync, tlen) == 0)
		A.kin_synced = 1;
	if ((prio >> 3) == 0) {
		if (send_text(1, HPC_MSG_KMSG, 0, s, len) < 0 && !A.host_gone)
			A.kin_lost++;	/* the host is not reading */
	} else if (tlen >= ml && memcmp(text, KIN_MARK, ml) == 0) {
		send_text(0, HPC_MSG_KMSG, 0, s, len);
	}
}

/* Read what the kernel log has (at most rounds reads). */
void kin_read(int rounds)
{
	static char buf[KIN_READ + 1];

	while (A.kin >= 0 && rounds-- > 0) {
		ssize_t n = read(A.kin, buf, KIN_READ);
		size_t i, start = 0;

		if (n < 0 && (errno == EINTR || errno == EPIPE))
			continue;	/* EPIPE: overwritten; seq shows how many */
		if (n < 0 && errno == EAGAIN)
			break;
		if (n <= 0) {
			if (n < 0)
				kmsg_printf("hpchaos: agent: kernel log: %s",
					    strerror(errno));
			close(A.kin);
			A.kin = -1;
			break;
		}
		/* /dev/kmsg gives whole records; a FIFO (tests) whole lines */
		for (i = 0; i < (size_t)n; i++) {
			if (buf[i] != '\n')
				continue;
			kin_record(buf + start, i - start);
			start = i + 1;
		}
		if (start < (size_t)n)
			kin_record(buf + start, (size_t)n - start);
	}
}

/*
 * Before BYE: write a marker to the kernel log and forward the log up to
 * it, so that the host knows where on the console the records end.
 */
void kin_sync(void)
{
	uint64_t until = hpc_mono_ns() + KIN_SYNC_NS;

	snprintf(A.kin_sync, sizeof(A.kin_sync),
		 "hpchaos: run=%s agent done, exit code %d", A.run_id,
		 A.bye_code);
	A.kin_synced = 0;
	kmsg_printf("%s", A.kin_sync);
	while (A.kin >= 0 && !A.kin_synced) {
		struct pollfd pfd = { .fd = A.kin, .events = POLLIN };
		uint64_t now = hpc_mono_ns();

		if (now >= until)
			break;
		if (poll(&pfd, 1, (int)((until - now) / NS_PER_MS) + 1) <= 0)
			break;
		kin_read(KIN_SYNC_READS);
	}
	A.kin_sync[0] = '\0';
}
