// SPDX-License-Identifier: GPL-2.0
/*
 * The agent's channel to the host: the queue of lines towards it (written
 * by the core's hpc_proto_format_msg()), the lines from it (split by the
 * core's hpc_linebuf), the agent's own reports, kernel log markers, and
 * the way out.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/reboot.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"

/* Lets the last lines leave the virtqueue before the power-off. */
#define POWEROFF_DELAY_NS	(200 * 1000 * 1000)
/* Text of one kernel log record the agent writes. */
#define KMSG_LINE_MAX		512
#define VIRTIO_PORTS		"/sys/class/virtio-ports"

struct agent A;

/* The message being built (msg_begin .. msg_send). */
static struct hpc_msg M;

void agent_init_state(void)
{
	A.port = -1;
	A.port_fd_opt = -1;
	A.kmsg = -1;
	A.sigfd = -1;
	A.ev_fd = -1;
	A.kin = -1;
}

/* ------------------------------------------------------------------ */
/* output queue towards the host                                       */

void mark_host_gone(void)
{
	A.host_gone = 1;
	A.oq_start = A.oq_end = 0;
}

/* Wait up to until for the port to take more; 0 when it may. */
static int oq_wait(uint64_t until)
{
	uint64_t now = hpc_mono_ns();
	struct pollfd pfd = { .fd = A.port, .events = POLLOUT };
	int ms;

	if (now >= until)
		return -1;
	ms = (int)((until - now + NS_PER_MS - 1) / NS_PER_MS);
	if (poll(&pfd, 1, ms) <= 0)
		return 0;
	if (pfd.revents & (POLLERR | POLLNVAL | POLLHUP))
		return -1;
	return 0;
}

/* Write queued bytes; wait up to wait_ms for the port to take them. */
void oq_flush(int wait_ms)
{
	uint64_t until = hpc_mono_ns() + (uint64_t)(wait_ms > 0 ? wait_ms : 0) *
			 NS_PER_MS;

	while (!A.host_gone && A.port >= 0 && A.oq_start < A.oq_end) {
		ssize_t w = write(A.port, A.oq + A.oq_start,
				  A.oq_end - A.oq_start);

		if (w > 0) {
			A.oq_start += (size_t)w;
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno != EAGAIN) {
			mark_host_gone();
			return;
		}
		if (oq_wait(until) < 0)
			break;
	}
	if (A.oq_start == A.oq_end)
		A.oq_start = A.oq_end = 0;
}

/* Queue one complete line; ctl lines wait for room, others are dropped. */
static int oq_put(const char *d, size_t n, int ctl)
{
	size_t limit = ctl ? OUTQ_CAP : OUTQ_SOFT;

	if (A.host_gone || A.port < 0 || !A.oq)
		return -1;
	if (A.oq_end - A.oq_start + n > limit) {
		oq_flush(ctl ? FLUSH_WAIT_MS : 0);
		if (A.oq_end - A.oq_start + n > limit)
			return -1;
	}
	if (A.oq_end + n > OUTQ_CAP) {
		memmove(A.oq, A.oq + A.oq_start, A.oq_end - A.oq_start);
		A.oq_end -= A.oq_start;
		A.oq_start = 0;
	}
	memcpy(A.oq + A.oq_end, d, n);
	A.oq_end += n;
	oq_flush(0);
	return 0;
}

/* ------------------------------------------------------------------ */
/* lines to the host                                                   */

struct hpc_msg *msg_begin(enum hpc_msg_type type)
{
	memset(&M, 0, sizeof(M));
	M.type = type;
	return &M;
}

/* The free text of m: len bytes of text, cut to what m holds. */
void msg_text(struct hpc_msg *m, const char *text, size_t len)
{
	if (len > sizeof(m->text) - 1)
		len = sizeof(m->text) - 1;
	memcpy(m->text, text, len);
	m->text[len] = '\0';
	m->text_len = len;
}

/* Queue the message msg_begin() started: 0, or -1 (not sent). */
int msg_send(int ctl)
{
	char line[HPC_PROTO_MAX_LINE + 1];
	int n = hpc_proto_format_msg(&M, line, sizeof(line));

	if (n < 0)
		return -1;
	return oq_put(line, (size_t)n, ctl);
}

/* OUT <idx>, KTAP or KMSG with len bytes of text. */
int send_text(int ctl, enum hpc_msg_type type, int idx, const char *text,
	      size_t len)
{
	struct hpc_msg *m = msg_begin(type);

	m->idx = idx;
	msg_text(m, text, len);
	return msg_send(ctl);
}

/* `EV <ns> NAME [TEXT]`; name must be valid, text is sent as it is. */
void send_event(const char *name, size_t nlen, const char *text,
		size_t tlen)
{
	struct hpc_msg *m = msg_begin(HPC_MSG_EV);

	if (nlen > HPC_PROTO_MAX_NAME)
		return;
	m->guest_ns = hpc_mono_ns();
	memcpy(m->name, name, nlen);
	m->name[nlen] = '\0';
	msg_text(m, text, tlen);
	msg_send(1);
}

/* ------------------------------------------------------------------ */
/* lines from the host                                                 */

static void host_line_cb(void *ctx, const char *line, size_t len,
			 unsigned int flags)
{
	(void)ctx;
	agent_host_line(line, len, !!(flags & HPC_LINE_TRUNCATED));
}

void port_read(void)
{
	for (;;) {
		ssize_t r = hpc_linebuf_fill(&A.in, A.port, host_line_cb, NULL);
		int err = errno;

		if (r == 0) {
			if (!A.hup_since)
				A.hup_since = hpc_mono_ns();
			return;
		}
		if (r < 0) {
			if (err != EAGAIN && !A.hup_since)
				A.hup_since = hpc_mono_ns();
			return;
		}
		/* input arrives again: a virtio host side came back */
		A.hup_since = 0;
	}
}

/* ------------------------------------------------------------------ */
/* rate limits                                                         */

void bucket_init(struct bucket *b, unsigned int rate, unsigned int burst)
{
	b->rate = rate;
	b->burst = burst;
	b->tokens = (uint64_t)burst * 1000;
	b->ns = hpc_mono_ns();
}

/* 1 if one more may go now (and it is counted), 0 if over the rate. */
int bucket_take(struct bucket *b)
{
	uint64_t now = hpc_mono_ns();
	uint64_t dt = now - b->ns;

	if (dt > 10 * NS_PER_SEC)
		dt = 10 * NS_PER_SEC;
	b->tokens += dt * b->rate / NS_PER_MS;	/* thousandths */
	b->ns = now;
	if (b->tokens > (uint64_t)b->burst * 1000)
		b->tokens = (uint64_t)b->burst * 1000;
	if (b->tokens < 1000)
		return 0;
	b->tokens -= 1000;
	return 1;
}

/* ------------------------------------------------------------------ */
/* the agent's own words: kernel log, reports, the end                 */

void kmsg_printf(const char *fmt, ...)
{
	char buf[KMSG_LINE_MAX];
	va_list ap;
	int n;

	if (A.kmsg < 0)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	/* one write() is one kernel log record */
	if (write(A.kmsg, buf, (size_t)n) < 0) {
		/* nothing sensible to do */
	}
}

/* Make untrusted text printable for our own reports. */
void printable(char *dst, size_t cap, const char *src, size_t n)
{
	size_t i;

	if (n > cap - 1)
		n = cap - 1;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)src[i];

		dst[i] = (c >= 0x20 && c <= 0x7e) ? (char)c : '?';
	}
	dst[n] = '\0';
}

/* EV <ns> <ev> <text> from the agent itself, also logged to kmsg. */
void report(const char *ev, const char *fmt, ...)
{
	char text[REPORT_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	send_event(ev, strlen(ev), text, strlen(text));
	kmsg_printf("hpchaos: agent: %s %s", ev, text);
}

void fatal(const char *fmt, ...)
{
	char text[REPORT_MAX], line[REPORT_MAX + 16];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	kmsg_printf("hpchaos: agent: fatal: %s", text);
	if (A.pid1) {
		/* the console, even if /init redirected our stderr */
		int fd = open("/dev/console", O_WRONLY | O_NOCTTY | O_CLOEXEC);

		dprintf(fd >= 0 ? fd : 2, "hpc-agent: fatal: %s\n", text);
		if (fd >= 0)
			close(fd);
	} else {
		dprintf(2, "hpc-agent: fatal: %s\n", text);
	}
	if (A.oq && A.port >= 0 && !A.host_gone) {
		snprintf(line, sizeof(line), "fatal: %s", text);
		send_event(HPC_EV_ERROR, strlen(HPC_EV_ERROR), line,
			   strlen(line));
		msg_begin(HPC_MSG_BYE)->exit_code = HPC_BYE_ERROR;
		msg_send(1);
	}
	agent_exit(HPC_BYE_ERROR);
}

void agent_exit(int code)
{
	kill_all_procs();
	if (!A.host_gone)
		oq_flush(FLUSH_WAIT_MS);
	if (!A.pid1)
		exit(code);
	sync();
	if (A.keep)
		shell_keep();
	if (A.poweroff) {
		struct timespec ts = { 0, POWEROFF_DELAY_NS };

		nanosleep(&ts, NULL);
		kill(-1, SIGKILL);
		sync();
		reboot(RB_POWER_OFF);
		kmsg_printf("hpchaos: agent: power off failed: %s",
			    strerror(errno));
	}
	/* PID 1 must not exit: reap forever */
	for (;;) {
		if (waitpid(-1, NULL, 0) < 0)
			sleep(1);
	}
}

/* /dev/NAME of the virtio-serial port called want; -1: none. */
int find_virtio_port(const char *want, char *dev, size_t cap)
{
	DIR *d = opendir(VIRTIO_PORTS);
	struct dirent *e;
	int found = -1;

	if (!d)
		return -1;
	while (found < 0 && (e = readdir(d))) {
		char path[512], name[128];
		int n;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), VIRTIO_PORTS "/%s/name", e->d_name);
		n = hpc_read_small(path, name, sizeof(name));
		if (n <= 0)
			continue;
		if (name[n - 1] == '\n')
			name[--n] = '\0';
		if (strcmp(name, want) == 0) {
			snprintf(dev, cap, "/dev/%s", e->d_name);
			found = 0;
		}
	}
	closedir(d);
	return found;
}
