// SPDX-License-Identifier: GPL-2.0
/* hpc-mirror: messages, KTAP, phase events (see mirror.h). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>


#include "mirror.h"

/* ------------------------------------------------------------------ */
/* messages                                                            */

/* "hpc-mirror: <what><message><end>" on stderr */
void vsay(const char *what, const char *end, const char *fmt, va_list ap)
{
	fprintf(stderr, "hpc-mirror: %s", what);
	vfprintf(stderr, fmt, ap);
	fputs(end, stderr);
}

void usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay("", " (see --help)\n", fmt, ap);
	va_end(ap);
	exit(EXIT_USAGE);
}

/* A bounded number of lines about errors and stale entries, on stderr. */
void note(const char *fmt, ...)
{
	va_list ap;
	unsigned long long n = atomic_fetch_add(&n_notes, 1);

	if (n > MAX_NOTES)
		return;
	pthread_mutex_lock(&mw.lock);
	fputs("hpc-mirror: ", stderr);
	if (n == MAX_NOTES) {
		fputs("more notes suppressed\n", stderr);
	} else {
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fputc('\n', stderr);
	}
	pthread_mutex_unlock(&mw.lock);
}

void ktap(const char *fmt, ...)
{
	FILE *f = mw.ktap ? mw.ktap : stdout;
	va_list ap;

	pthread_mutex_lock(&mw.lock);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
	fflush(f);
	pthread_mutex_unlock(&mw.lock);
}

/* One KTAP result: res 0 ok, 1 not ok, 2 skip (with why). */
void ktap_result(const char *name, int res, const char *why)
{
	mw.ktap_n++;
	if (res == 2)
		ktap("ok %d %s # SKIP %s", mw.ktap_n, name, why ? why : "");
	else
		ktap("%s %d %s", res ? "not ok" : "ok", mw.ktap_n, name);
}

/* ------------------------------------------------------------------ */
/* phase events through the agent's FIFO                               */

void events_open(void)
{
	const char *path = getenv("HPC_EVENTS");
	struct stat st;
	int fd;

	if (!path || !*path || strnlen(path, 4096) >= 4096)
		return;
	if (fiu_fail(FIU_OPEN)) {
		atomic_fetch_add(&n_injected, 1);
		note("events: open %s: injected failure, no events", path);
		return;
	}
	fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return;		/* no FIFO, no reader: skip silently */
	if (fstat(fd, &st) < 0 || !S_ISFIFO(st.st_mode)) {
		close(fd);
		return;
	}
	mw.ev_fd = fd;
}

/* `<prefix>-<what> [text]` as one write (atomic: shorter than PIPE_BUF). */
void event(const char *what, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n, m;

	if (mw.ev_fd < 0)
		return;
	n = snprintf(line, sizeof(line), "%s-%s ", cfg.prefix, what);
	if (n < 0 || (size_t)n >= sizeof(line))
		return;
	va_start(ap, fmt);
	m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	if (m < 0)
		return;
	n += m;
	if ((size_t)n > sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	for (int i = 0; i < n; i++)
		if (line[i] == '\n' || line[i] == '\0')
			line[i] = ' ';
	line[n++] = '\n';
	if (write(mw.ev_fd, line, (size_t)n) != n)
		atomic_fetch_add(&n_events_dropped, 1);
}

/*
 * "outcome reset" to the FIFO: how the device loss ended, for the host's
 * verdict (a scenario that does not 'expect reset' fails on it).
 */
void outcome_event(const char *what)
{
	char line[64];
	int n;

	if (mw.ev_fd < 0)
		return;
	n = snprintf(line, sizeof(line), "outcome %s\n", what);
	if (n < 0 || (size_t)n >= sizeof(line) || write(mw.ev_fd, line, (size_t)n) != n)
		atomic_fetch_add(&n_events_dropped, 1);
}

