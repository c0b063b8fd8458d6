// SPDX-License-Identifier: GPL-2.0
/*
 * Events: those the host sends (`EV <name>`), counted per name until a
 * wait step takes one, and those programs write to the guest event FIFO
 * ($HPC_EVENTS), checked and rate-limited, forwarded as `EV <ns> NAME`.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent.h"

/* A host event is counted at most this many times. */
#define EV_COUNT_MAX	1000000

/* ------------------------------------------------------------------ */
/* events from the host                                                */

void ev_add(const char *name, size_t len)
{
	int i;

	for (i = 0; i < A.n_ev; i++) {
		if (strlen(A.ev[i].name) == len &&
		    memcmp(A.ev[i].name, name, len) == 0) {
			if (A.ev[i].count < EV_COUNT_MAX)
				A.ev[i].count++;
			return;
		}
	}
	for (i = 0; i < A.n_ev; i++)
		if (A.ev[i].count == 0)
			break;
	if (i == MAX_EVENTS) {
		report(HPC_EV_ERROR, "event table full, dropped %.*s", (int)len,
		       name);
		return;
	}
	if (i == A.n_ev)
		A.n_ev++;
	memcpy(A.ev[i].name, name, len);
	A.ev[i].name[len] = '\0';
	A.ev[i].count = 1;
}

int ev_take(const char *name)
{
	int i;

	for (i = 0; i < A.n_ev; i++) {
		if (A.ev[i].count && strcmp(A.ev[i].name, name) == 0) {
			A.ev[i].count--;
			return 1;
		}
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* the guest event FIFO                                                */

/* Where the FIFO goes: 0, or -1 (reported). */
static int events_path(void)
{
	int n;

	if (A.events_opt)
		n = snprintf(A.ev_path, sizeof(A.ev_path), "%s", A.events_opt);
	else if (A.pid1)
		n = snprintf(A.ev_path, sizeof(A.ev_path), "%s", EVENTS_PATH);
	else
		n = snprintf(A.ev_path, sizeof(A.ev_path), "%s/events",
			     A.workdir);
	if (n < 0 || (size_t)n >= sizeof(A.ev_path)) {
		report(HPC_EV_ERROR, "event FIFO: path too long");
		return -1;
	}
	if (!A.events_opt && A.pid1 && mkdir(EVENTS_DIR, 0755) < 0 &&
	    errno != EEXIST) {
		report(HPC_EV_ERROR, "event FIFO: mkdir %s: %s", EVENTS_DIR,
		       strerror(errno));
		return -1;
	}
	return 0;
}

/* Create the FIFO and keep it open read-write: writers never see ENXIO
 * or block in open(), and the agent never sees end of file. */
void events_setup(void)
{
	struct stat st;
	int fd;

	if (events_path() < 0)
		return;
	if (lstat(A.ev_path, &st) == 0) {
		if (!S_ISFIFO(st.st_mode)) {
			report(HPC_EV_ERROR, "event FIFO: %s exists and is not a FIFO",
			       A.ev_path);
			return;
		}
		unlink(A.ev_path);
	}
	if (mkfifo(A.ev_path, EVENTS_MODE) < 0 ||
	    chmod(A.ev_path, EVENTS_MODE) < 0) {
		report(HPC_EV_ERROR, "event FIFO: %s: %s", A.ev_path,
		       strerror(errno));
		return;
	}
	fd = open(A.ev_path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		report(HPC_EV_ERROR, "event FIFO: open %s: %s", A.ev_path,
		       strerror(errno));
		unlink(A.ev_path);
		return;
	}
	if (hpc_linebuf_init(&A.ev_in, EVENTS_LINE_MAX) < 0)
		fatal("out of memory");
	A.ev_fd = fd;
	bucket_init(&A.ev_rate, EVENTS_RATE, EVENTS_BURST);
}

/* A dropped line: counted, and the first few reported with their start. */
static void ev_drop(unsigned long *counter, const char *why, const char *line,
		    size_t len)
{
	char ex[EXCERPT_MAX + 1];

	(*counter)++;
	if (A.ev_noted >= EVENTS_NOTES)
		return;
	A.ev_noted++;
	printable(ex, sizeof(ex), line, len);
	report(HPC_EV_BAD_EVENT, "%s: %s", why, ex);
}

/* Why a FIFO line `NAME [TEXT]` of nlen name bytes is refused, or NULL. */
static const char *ev_refused(const char *line, size_t len, size_t nlen)
{
	static const size_t plen = sizeof(HPC_EV_AGENT_PREFIX) - 1;

	if (len == 0)
		return "empty line";
	if (!hpc_proto_name_ok(line, nlen))
		return "bad event name";
	if (nlen >= plen && memcmp(line, HPC_EV_AGENT_PREFIX, plen) == 0)
		return "reserved event name";
	return NULL;
}

/* One line from the FIFO: `NAME [TEXT]`, untrusted. */
static void ev_line(void *ctx, const char *line, size_t len,
		    unsigned int flags)
{
	char text[EVENTS_LINE_MAX + 1];
	const char *sp, *why;
	size_t nlen, tlen;

	(void)ctx;
	if (flags & HPC_LINE_TRUNCATED) {
		ev_drop(&A.ev_malformed, "line too long", line, len);
		return;
	}
	if (len > 0 && line[len - 1] == '\r')
		len--;
	sp = memchr(line, ' ', len);
	nlen = sp ? (size_t)(sp - line) : len;
	why = ev_refused(line, len, nlen);
	if (why) {
		ev_drop(&A.ev_malformed, why, line, len);
		return;
	}
	if (!bucket_take(&A.ev_rate)) {
		ev_drop(&A.ev_over_rate, "over the rate limit", line, len);
		return;
	}
	tlen = sp ? len - nlen - 1 : 0;
	printable(text, sizeof(text), sp ? sp + 1 : "", tlen);
	send_event(line, nlen, text, tlen);
	A.ev_forwarded++;
}

/* Take what the FIFO holds, at most `rounds` reads. */
void events_read(int rounds)
{
	while (A.ev_fd >= 0 && rounds-- > 0) {
		ssize_t r = hpc_linebuf_fill(&A.ev_in, A.ev_fd, ev_line, NULL);
		int err = errno;

		if (r > 0)
			continue;
		if (r < 0 && err == EAGAIN)
			break;
		/* cannot happen while we hold a write end; stop using it */
		report(HPC_EV_ERROR, "event FIFO: read: %s",
		       r ? strerror(err) : "end of file");
		close(A.ev_fd);
		A.ev_fd = -1;
	}
}

/* Before BYE: how many FIFO lines were dropped, if any. */
void events_summary(void)
{
	if (A.ev_malformed + A.ev_over_rate == 0)
		return;
	report(HPC_EV_BAD_EVENT,
	       "%lu event lines dropped (%lu malformed, %lu over the rate limit), %lu forwarded",
	       A.ev_malformed + A.ev_over_rate, A.ev_malformed,
	       A.ev_over_rate, A.ev_forwarded);
}
