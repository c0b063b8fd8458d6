// SPDX-License-Identifier: GPL-2.0
/*
 * hpc-agent: the guest side of the agent protocol (docs/internals.md).
 *
 * Runs as PID 1 after /init: finds the virtio-serial port, says HELLO,
 * receives a plan of steps, runs them one after the other, streams their
 * output, then says BYE and powers the guest off. It must never exit while
 * it is PID 1; every error ends in a report and a power-off.
 *
 * For local testing it also runs as an ordinary process:
 *   hpc-agent --port PATH|--port-fd N [--no-poweroff] [--kmsg PATH]
 *             [--kmsg-in PATH] [--cmdline PATH] [--workdir DIR]
 *             [--events PATH]
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/reboot.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hpc/proto.h"
#include "lib/hpcg.h"

#define NS_PER_SEC	1000000000ULL
#define NS_PER_MS	1000000ULL
#define PING_NS		NS_PER_SEC
#define PORT_WAIT_NS	(10 * NS_PER_SEC)	/* looking for the port */
#define HUP_GRACE_NS	(5 * NS_PER_SEC)	/* virtio host side closed */
#define KILL_GRACE_NS	(5 * NS_PER_SEC)	/* SIGKILLed but still alive */
#define DRAIN_NS	(5 * NS_PER_SEC)	/* end of plan: bg steps */
#define FLUSH_WAIT_MS	10000
#define OUT_RATE	1000			/* OUT lines per second */
#define OUT_BURST	2000
#define OUT_MAX_LINES	20000			/* per step */
#define KTAP_MAX_LINES	20000			/* per step */
#define MAX_EVENTS	64
#define MAX_CMDLINE_ENV	16
#define OUTQ_CAP	(1024 * 1024)
#define OUTQ_SOFT	(768 * 1024)		/* OUT lines dropped above */
/* "OUT 255 " + text + '\n' and "KTAP " + text + '\n' fit in a line */
#define OUT_TEXT_MAX	(HPC_PROTO_MAX_LINE - 16)
#define KTAP_TEXT_MAX	(HPC_PROTO_MAX_LINE - 6)
#define STEP_PATH	"PATH=/bin:/sbin:/usr/bin:/usr/sbin"
/* The guest event FIFO: programs of steps write `NAME [TEXT]` lines to it. */
#define EVENTS_DIR	"/run/hpc"
#define EVENTS_PATH	EVENTS_DIR "/events"
#define EVENTS_MODE	0622
#define EVENTS_LINE_MAX	1024			/* longer lines are dropped */
#define EVENTS_RATE	100			/* forwarded events per second */
#define EVENTS_BURST	200
#define EVENTS_NOTES	10			/* dropped lines reported one by one */
#define KIN_SYNC_NS	(NS_PER_SEC)		/* BYE waits this long for the log */

enum plan_state {
	PLAN_NONE,		/* waiting for PLAN */
	PLAN_RECEIVING,		/* PLAN seen, waiting for S lines and GO */
	PLAN_RUNNING,		/* GO seen, running steps */
	PLAN_DRAINING,		/* steps done, collecting bg steps */
};

struct step {
	int present;
	int kind;
	unsigned int timeout_s;
	char name[HPC_PROTO_MAX_NAME + 1];
	char *payload;
	size_t payload_len;
};

/* The process of a run/check/bg step; procs[i] belongs to steps[i]. */
struct proc {
	int spawned;
	pid_t pid;
	int exited;
	int wstatus;
	int timed_out;
	int done;		/* finished, output and KTAP forwarded */
	int claimed;		/* a reap step took this bg step */
	int pipe_fd;
	struct hpcg_lines out;
	uint64_t deadline;	/* 0: none */
	uint64_t killed_at;	/* 0: not killed */
	unsigned long seen;	/* output lines seen */
	unsigned long dropped;	/* lines lost to the rate limit/queue */
	struct hpc_status result;
};

struct event {
	char name[HPC_PROTO_MAX_NAME + 1];
	unsigned int count;
};

static struct agent {
	/* options */
	const char *port_path;
	int port_fd_opt;
	int poweroff;
	const char *kmsg_path;
	const char *kin_path;		/* kernel log to forward */
	const char *cmdline_path;
	const char *workdir;
	const char *events_opt;
	int pid1;

	/* host channel */
	int port;
	int virtio;
	uint64_t hup_since;
	int host_gone;
	struct hpcg_lines in;
	char *oq;
	size_t oq_start, oq_end;
	int kmsg;
	int sigfd;

	/* the kernel log, read and forwarded */
	int kin;
	uint64_t kin_next;		/* next record sequence number */
	uint64_t kin_lost;		/* lost, not reported yet */
	char kin_sync[160];		/* marker kin_sync() waits for */
	int kin_synced;

	/* from the kernel command line */
	char run_id[HPC_PROTO_MAX_NAME + 1];
	char seed[32];
	char *cmd_env[MAX_CMDLINE_ENV];
	int n_cmd_env;

	/* the plan */
	enum plan_state state;
	int plan_n;
	int plan_recv;
	struct step steps[HPC_MAX_STEPS];
	struct proc procs[HPC_MAX_STEPS];
	int cur;
	int cur_started;
	uint64_t cur_start_ns;
	uint64_t cur_deadline;
	struct proc *cur_target;	/* reap */
	uint64_t drain_deadline;
	int bye_code;

	/* host events not yet consumed by a wait step */
	struct event ev[MAX_EVENTS];
	int n_ev;

	/* OUT rate limit: tokens in thousandths of a line */
	uint64_t tokens;
	uint64_t tokens_ns;

	/* guest event FIFO ($HPC_EVENTS), open read-write; -1: none */
	int ev_fd;
	char ev_path[300];
	struct hpcg_lines ev_in;
	uint64_t ev_tokens;		/* thousandths of an event */
	uint64_t ev_tokens_ns;
	unsigned long ev_forwarded;
	unsigned long ev_malformed;	/* dropped: too long, bad name, ... */
	unsigned long ev_over_rate;	/* dropped: over EVENTS_RATE */
	unsigned long ev_noted;		/* drops reported one by one */

	uint64_t next_ping;
} A;

static void agent_exit(int code) __attribute__((noreturn));
static void kmsg_printf(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
static void sendf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void report(const char *ev, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void fatal(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));
static void events_read(int rounds);

/* ------------------------------------------------------------------ */
/* output queue towards the host                                       */

static void mark_host_gone(void)
{
	A.host_gone = 1;
	A.oq_start = A.oq_end = 0;
}

/* Write queued bytes; wait up to wait_ms for the port to take them. */
static void oq_flush(int wait_ms)
{
	uint64_t until = hpcg_mono_ns() + (uint64_t)(wait_ms > 0 ? wait_ms : 0) *
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
		{
			uint64_t now = hpcg_mono_ns();
			struct pollfd pfd = { .fd = A.port, .events = POLLOUT };
			int ms;

			if (now >= until)
				break;
			ms = (int)((until - now + NS_PER_MS - 1) / NS_PER_MS);
			if (poll(&pfd, 1, ms) <= 0)
				continue;
			if (pfd.revents & (POLLERR | POLLNVAL | POLLHUP))
				break;
		}
	}
	if (A.oq_start == A.oq_end)
		A.oq_start = A.oq_end = 0;
}

/* Queue one complete line; ctl lines wait for room, others are dropped. */
static int oq_put(const char *d, size_t n, int ctl)
{
	if (A.host_gone || A.port < 0 || !A.oq)
		return -1;
	if (A.oq_end - A.oq_start + n > (ctl ? OUTQ_CAP : OUTQ_SOFT)) {
		oq_flush(ctl ? FLUSH_WAIT_MS : 0);
		if (A.oq_end - A.oq_start + n > (ctl ? OUTQ_CAP : OUTQ_SOFT))
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

/* head + text (cut to fit the line limit; NUL made '?') + '\n'. */
static int send_text(int ctl, const char *head, size_t hlen, const char *text,
		     size_t tlen)
{
	static char line[HPC_PROTO_MAX_LINE];
	size_t n, i;

	if (hlen > HPC_PROTO_MAX_LINE - 1)
		hlen = HPC_PROTO_MAX_LINE - 1;
	memcpy(line, head, hlen);
	n = hlen;
	if (tlen > HPC_PROTO_MAX_LINE - 1 - n)
		tlen = HPC_PROTO_MAX_LINE - 1 - n;
	for (i = 0; i < tlen; i++) {
		char c = text[i];

		line[n++] = (c == '\0' || c == '\n') ? '?' : c;
	}
	line[n++] = '\n';
	return oq_put(line, n, ctl);
}

static void sendf(const char *fmt, ...)
{
	char line[HPC_PROTO_MAX_LINE];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof(line) - 1)
		n = sizeof(line) - 1;
	send_text(1, line, (size_t)n, "", 0);
}

/* ------------------------------------------------------------------ */
/* kernel log                                                          */

static void kmsg_printf(const char *fmt, ...)
{
	char buf[512];
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
static void printable(char *dst, size_t cap, const char *src, size_t n)
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


/*
 * Reading the kernel log: records from /dev/kmsg ("prio,seq,ts,flags;text",
 * one record per read, " KEY=value" lines after it) go to the host as
 * `KMSG <record>`, the kernel's own (facility 0) always, userspace ones
 * only if they are hpchaos markers (they let the host place the kernel
 * records on the console). Records lost before they were read (the log
 * buffer wrapped: EPIPE, a jump in seq) are counted in `KMSGLOST <n>`.
 */
#define KIN_READ	16384	/* larger than any record */
#define KIN_MARK	"hpchaos: "
#define KIN_DRAIN	5000	/* reads before a step: the backlog, bounded */

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
	if (hpcg_parse_u64(s, (size_t)(c1 - s), 0x7fffffff, prio) < 0 ||
	    hpcg_parse_u64(c1 + 1, (size_t)(c2 - c1 - 1), UINT64_MAX, seq) < 0)
		return -1;
	*text = semi + 1;
	*tlen = len - (size_t)(semi + 1 - s);
	return 0;
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
	if (A.kin_lost) {
		/* before the next record: the host triages the console of
		 * the gap; records the queue could not take count too */
		char l[48];
		int n = snprintf(l, sizeof(l), "KMSGLOST %llu",
				 (unsigned long long)A.kin_lost);

		if (send_text(1, l, (size_t)n, "", 0) == 0)
			A.kin_lost = 0;
	}
	if (seq >= A.kin_next)
		A.kin_next = seq + 1;
	if (A.kin_sync[0] && (prio >> 3) != 0 && tlen == strlen(A.kin_sync) &&
	    memcmp(text, A.kin_sync, tlen) == 0)
		A.kin_synced = 1;
	if ((prio >> 3) == 0) {
		if (send_text(1, "KMSG ", 5, s, len) < 0 && !A.host_gone)
			A.kin_lost++;	/* the host is not reading */
	} else if (tlen >= ml && memcmp(text, KIN_MARK, ml) == 0)
		send_text(0, "KMSG ", 5, s, len);
}

/* Read what the kernel log has (at most rounds reads). */
static void kin_read(int rounds)
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
static void kin_sync(void)
{
	uint64_t until = hpcg_mono_ns() + KIN_SYNC_NS;

	snprintf(A.kin_sync, sizeof(A.kin_sync),
		 "hpchaos: run=%s agent done, exit code %d", A.run_id,
		 A.bye_code);
	A.kin_synced = 0;
	kmsg_printf("%s", A.kin_sync);
	while (A.kin >= 0 && !A.kin_synced) {
		struct pollfd pfd = { .fd = A.kin, .events = POLLIN };
		uint64_t now = hpcg_mono_ns();

		if (now >= until)
			break;
		if (poll(&pfd, 1, (int)((until - now) / NS_PER_MS) + 1) <= 0)
			break;
		kin_read(64);
	}
	A.kin_sync[0] = '\0';
}

/* EV <ns> <ev> <text> from the agent itself, also logged to kmsg. */
static void report(const char *ev, const char *fmt, ...)
{
	char text[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	sendf("EV %llu %s %s", (unsigned long long)hpcg_mono_ns(), ev, text);
	kmsg_printf("hpchaos: agent: %s %s", ev, text);
}

static void fatal(const char *fmt, ...)
{
	char text[512];
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
		sendf("EV %llu %s fatal: %s", (unsigned long long)hpcg_mono_ns(),
		      HPC_EV_ERROR, text);
		sendf("BYE %d", HPC_BYE_ERROR);
	}
	agent_exit(HPC_BYE_ERROR);
}

/* ------------------------------------------------------------------ */
/* processes                                                           */

static void kill_proc(struct proc *p, uint64_t now)
{
	if (!p->spawned || p->exited || p->killed_at)
		return;
	if (kill(-p->pid, SIGKILL) < 0)
		kill(p->pid, SIGKILL);
	p->killed_at = now ? now : 1;
}

static void kill_all_procs(void)
{
	int i;

	for (i = 0; i < HPC_MAX_STEPS; i++)
		if (A.procs[i].spawned && !A.procs[i].exited)
			kill_proc(&A.procs[i], hpcg_mono_ns());
}

static void agent_exit(int code)
{
	kill_all_procs();
	if (!A.host_gone)
		oq_flush(FLUSH_WAIT_MS);
	if (!A.pid1)
		exit(code);
	sync();
	if (A.poweroff) {
		struct timespec ts = { 0, 200 * 1000 * 1000 };

		/* let the last lines leave the virtqueue */
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

static void out_notice(int idx, const char *text)
{
	char head[32];
	int h = snprintf(head, sizeof(head), "OUT %d ", idx);

	send_text(1, head, (size_t)h, text, strlen(text));
}

static int take_token(void)
{
	uint64_t now = hpcg_mono_ns();
	uint64_t dt = now - A.tokens_ns;

	if (dt > 10 * NS_PER_SEC)
		dt = 10 * NS_PER_SEC;
	A.tokens += dt * OUT_RATE / NS_PER_MS;	/* thousandths of a line */
	A.tokens_ns = now;
	if (A.tokens > (uint64_t)OUT_BURST * 1000)
		A.tokens = (uint64_t)OUT_BURST * 1000;
	if (A.tokens < 1000)
		return 0;
	A.tokens -= 1000;
	return 1;
}

static void out_line(int idx, struct proc *p, const char *text, size_t len)
{
	char head[32];
	int h;

	if (p->seen >= OUT_MAX_LINES)
		return;
	if (++p->seen == OUT_MAX_LINES) {
		out_notice(idx, HPC_OUT_TRUNCATED);
		return;
	}
	if (!take_token()) {
		p->dropped++;
		return;
	}
	h = snprintf(head, sizeof(head), "OUT %d ", idx);
	if (send_text(0, head, (size_t)h, text, len) < 0)
		p->dropped++;
}

/* Read what the step's pipe has; close it at end of file. */
static void proc_read(int idx, struct proc *p, int all)
{
	int rounds = all ? 64 : 16;

	while (p->pipe_fd >= 0 && rounds-- > 0) {
		char *line;
		size_t len;
		int cut;
		ssize_t r = hpcg_lines_fill(&p->out, p->pipe_fd);
		int err = errno;

		while (hpcg_lines_next(&p->out, r == 0, &line, &len, &cut))
			out_line(idx, p, line, len);
		if (r == 0 || (r < 0 && err != EAGAIN)) {
			close(p->pipe_fd);
			p->pipe_fd = -1;
		}
		if (r < 0)
			break;
	}
}

static void ktap_path(char *buf, size_t cap, int idx)
{
	snprintf(buf, cap, "%s/ktap.%d", A.workdir, idx);
}

static void forward_ktap(int idx)
{
	char path[512];
	struct hpcg_lines l;
	struct stat st;
	unsigned long lines = 0;
	int fd;

	ktap_path(path, sizeof(path), idx);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW);
	if (fd < 0)
		return;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    hpcg_lines_init(&l, KTAP_TEXT_MAX) < 0) {
		close(fd);
		return;
	}
	for (;;) {
		char *line;
		size_t len;
		int cut;
		ssize_t r = hpcg_lines_fill(&l, fd);

		while (lines < KTAP_MAX_LINES &&
		       hpcg_lines_next(&l, r <= 0, &line, &len, &cut)) {
			send_text(1, "KTAP ", 5, line, len);
			lines++;
		}
		if (r <= 0 || lines >= KTAP_MAX_LINES)
			break;
	}
	if (lines >= KTAP_MAX_LINES)
		send_text(1, "KTAP ", 5, "# hpc-agent: KTAP truncated", 27);
	hpcg_lines_free(&l);
	close(fd);
}

/* The process is over (or given up on): flush everything about it. */
static void proc_finish(int idx, struct proc *p)
{
	char note[96];

	/* events the program wrote before it ended come before its END */
	events_read(64);
	proc_read(idx, p, 1);
	if (p->pipe_fd >= 0) {
		close(p->pipe_fd);
		p->pipe_fd = -1;
	}
	hpcg_lines_free(&p->out);
	if (p->timed_out) {
		p->result.kind = HPC_ST_TIMEOUT;
		p->result.value = 0;
	} else if (!p->exited) {
		p->result.kind = HPC_ST_ERROR;
		p->result.value = 0;
	} else if (WIFEXITED(p->wstatus)) {
		p->result.kind = HPC_ST_EXIT;
		p->result.value = WEXITSTATUS(p->wstatus);
	} else if (WIFSIGNALED(p->wstatus) && WTERMSIG(p->wstatus) >= 1 &&
		   WTERMSIG(p->wstatus) <= HPC_PROTO_MAX_SIG) {
		p->result.kind = HPC_ST_SIGNAL;
		p->result.value = WTERMSIG(p->wstatus);
	} else {
		p->result.kind = HPC_ST_ERROR;
		p->result.value = 0;
	}
	if (p->dropped) {
		snprintf(note, sizeof(note), "[%lu lines dropped: rate limit]",
			 p->dropped);
		out_notice(idx, note);
	}
	forward_ktap(idx);
	p->done = 1;
}

static void reap_children(void)
{
	struct signalfd_siginfo si;
	int wstatus, i;
	pid_t pid;

	while (read(A.sigfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo != SIGCHLD && !A.pid1) {
			kmsg_printf("hpchaos: agent: signal %u, exiting",
				    si.ssi_signo);
			agent_exit(1);
		}
	}
	while ((pid = waitpid(-1, &wstatus, WNOHANG)) > 0) {
		for (i = 0; i < HPC_MAX_STEPS; i++) {
			struct proc *p = &A.procs[i];

			if (p->spawned && !p->exited && p->pid == pid) {
				p->exited = 1;
				p->wstatus = wstatus;
				if (!p->done)
					proc_finish(i, p);
				break;
			}
		}
	}
}

static void add_env(char **envp, int *n, char *buf, size_t cap,
		    const char *name, const char *val)
{
	snprintf(buf, cap, "%s=%s", name, val);
	envp[(*n)++] = buf;
}

static void child_exec(int idx, int wfd) __attribute__((noreturn));
static void child_exec(int idx, int wfd)
{
	static char e_run[128], e_step[32], e_name[128], e_seed[64], e_ktap[600],
		e_home[600], e_events[340];
	char *envp[16 + MAX_CMDLINE_ENV];
	char ktap[512], idxs[16];
	const struct step *s = &A.steps[idx];
	char *argv[] = { "sh", "-c", s->payload, NULL };
	static const char msg[] = "hpc-agent: cannot run /bin/sh\n";
	sigset_t none;
	int n = 0, i, fd;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	setpgid(0, 0);

	fd = open("/dev/null", O_RDONLY);
	if (fd >= 0 && fd != 0) {
		dup2(fd, 0);
		close(fd);
	}
	dup2(wfd, 1);
	dup2(wfd, 2);
	if (wfd > 2)
		close(wfd);
	if (chdir(A.workdir) < 0 && chdir("/") < 0)
		_exit(127);

	ktap_path(ktap, sizeof(ktap), idx);
	snprintf(idxs, sizeof(idxs), "%d", idx);
	envp[n++] = STEP_PATH;
	add_env(envp, &n, e_home, sizeof(e_home), "HOME", A.workdir);
	add_env(envp, &n, e_run, sizeof(e_run), "HPC_RUN_ID", A.run_id);
	add_env(envp, &n, e_step, sizeof(e_step), "HPC_STEP", idxs);
	add_env(envp, &n, e_name, sizeof(e_name), "HPC_STEP_NAME", s->name);
	add_env(envp, &n, e_ktap, sizeof(e_ktap), "HPC_KTAP", ktap);
	add_env(envp, &n, e_seed, sizeof(e_seed), "HPC_SEED", A.seed);
	if (A.ev_fd >= 0)
		add_env(envp, &n, e_events, sizeof(e_events), "HPC_EVENTS",
			A.ev_path);
	for (i = 0; i < A.n_cmd_env; i++)
		envp[n++] = A.cmd_env[i];
	envp[n] = NULL;

	execve("/bin/sh", argv, envp);
	if (write(2, msg, sizeof(msg) - 1) < 0) {
		/* nowhere to complain */
	}
	_exit(127);
}

/* Start the process of step idx. 0, or -1 (p->result is error). */
static int spawn(int idx)
{
	struct step *s = &A.steps[idx];
	struct proc *p = &A.procs[idx];
	char ktap[512];
	int pfd[2];
	pid_t pid;

	memset(p, 0, sizeof(*p));
	p->pipe_fd = -1;
	p->result.kind = HPC_ST_ERROR;
	if (s->payload_len == 0)
		goto fail;
	ktap_path(ktap, sizeof(ktap), idx);
	unlink(ktap);
	if (hpcg_lines_init(&p->out, OUT_TEXT_MAX) < 0)
		goto fail;
	if (pipe2(pfd, O_CLOEXEC) < 0) {
		hpcg_lines_free(&p->out);
		goto fail;
	}
	pid = fork();
	if (pid == 0)
		child_exec(idx, pfd[1]);
	close(pfd[1]);
	if (pid < 0) {
		close(pfd[0]);
		hpcg_lines_free(&p->out);
		goto fail;
	}
	setpgid(pid, pid);
	fcntl(pfd[0], F_SETFL, O_NONBLOCK);
	p->spawned = 1;
	p->pid = pid;
	p->pipe_fd = pfd[0];
	if (s->timeout_s)
		p->deadline = hpcg_mono_ns() + s->timeout_s * NS_PER_SEC;
	return 0;
fail:
	report(HPC_EV_ERROR, "step %d: cannot start: %s", idx,
	       s->payload_len ? strerror(errno) : "empty command");
	p->done = 1;
	return -1;
}

/* Timeouts of running processes. */
static void check_procs(uint64_t now)
{
	int i;

	for (i = 0; i < HPC_MAX_STEPS; i++) {
		struct proc *p = &A.procs[i];

		if (!p->spawned || p->done)
			continue;
		if (p->deadline && now >= p->deadline && !p->killed_at) {
			p->timed_out = 1;
			kill_proc(p, now);
		}
		if (p->killed_at && now >= p->killed_at + KILL_GRACE_NS) {
			/* unkillable (D state?): give up on it */
			report(HPC_EV_ERROR, "step %d: pid %d does not die", i,
			       (int)p->pid);
			proc_finish(i, p);
		}
	}
}

/* ------------------------------------------------------------------ */
/* events from the host                                                */

static void ev_add(const char *name, size_t len)
{
	int i;

	for (i = 0; i < A.n_ev; i++) {
		if (strlen(A.ev[i].name) == len &&
		    memcmp(A.ev[i].name, name, len) == 0) {
			if (A.ev[i].count < 1000000)
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

static int ev_take(const char *name)
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
/* events to the host: emit steps and the guest event FIFO             */

/* `EV <ns> NAME [TEXT]`; name must be valid, text is sent as it is. */
static void send_event(const char *name, size_t nlen, const char *text,
		       size_t tlen)
{
	char head[40 + HPC_PROTO_MAX_NAME];
	int h = snprintf(head, sizeof(head) - 1, "EV %llu %.*s",
			 (unsigned long long)hpcg_mono_ns(), (int)nlen, name);

	if (h < 0 || (size_t)h >= sizeof(head) - 1)
		return;
	if (tlen)
		head[h++] = ' ';
	send_text(1, head, (size_t)h, text, tlen);
}

/* Create the FIFO and keep it open read-write: writers never see ENXIO
 * or block in open(), and the agent never sees end of file. */
static void events_setup(void)
{
	struct stat st;
	int fd, n;

	if (A.events_opt)
		n = snprintf(A.ev_path, sizeof(A.ev_path), "%s", A.events_opt);
	else if (A.pid1)
		n = snprintf(A.ev_path, sizeof(A.ev_path), "%s", EVENTS_PATH);
	else
		n = snprintf(A.ev_path, sizeof(A.ev_path), "%s/events",
			     A.workdir);
	if (n < 0 || (size_t)n >= sizeof(A.ev_path)) {
		report(HPC_EV_ERROR, "event FIFO: path too long");
		return;
	}
	if (!A.events_opt && A.pid1 && mkdir(EVENTS_DIR, 0755) < 0 &&
	    errno != EEXIST) {
		report(HPC_EV_ERROR, "event FIFO: mkdir %s: %s", EVENTS_DIR,
		       strerror(errno));
		return;
	}
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
	if (hpcg_lines_init(&A.ev_in, EVENTS_LINE_MAX) < 0)
		fatal("out of memory");
	A.ev_fd = fd;
	A.ev_tokens = (uint64_t)EVENTS_BURST * 1000;
	A.ev_tokens_ns = hpcg_mono_ns();
}

static int ev_take_token(void)
{
	uint64_t now = hpcg_mono_ns();
	uint64_t dt = now - A.ev_tokens_ns;

	if (dt > 10 * NS_PER_SEC)
		dt = 10 * NS_PER_SEC;
	A.ev_tokens += dt * EVENTS_RATE / NS_PER_MS;
	A.ev_tokens_ns = now;
	if (A.ev_tokens > (uint64_t)EVENTS_BURST * 1000)
		A.ev_tokens = (uint64_t)EVENTS_BURST * 1000;
	if (A.ev_tokens < 1000)
		return 0;
	A.ev_tokens -= 1000;
	return 1;
}

/* A dropped line: counted, and the first few reported with their start. */
static void ev_drop(unsigned long *counter, const char *why, const char *line,
		    size_t len)
{
	char ex[81];

	(*counter)++;
	if (A.ev_noted >= EVENTS_NOTES)
		return;
	A.ev_noted++;
	printable(ex, sizeof(ex), line, len);
	report(HPC_EV_BAD_EVENT, "%s: %s", why, ex);
}

/* One line from the FIFO: `NAME [TEXT]`, untrusted. */
static void ev_line(const char *line, size_t len, int cut)
{
	static const size_t plen = sizeof(HPC_EV_AGENT_PREFIX) - 1;
	char text[EVENTS_LINE_MAX + 1];
	const char *sp;
	size_t nlen, tlen;

	if (cut) {
		ev_drop(&A.ev_malformed, "line too long", line, len);
		return;
	}
	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (len == 0) {
		ev_drop(&A.ev_malformed, "empty line", line, len);
		return;
	}
	sp = memchr(line, ' ', len);
	nlen = sp ? (size_t)(sp - line) : len;
	if (!hpc_proto_name_ok(line, nlen)) {
		ev_drop(&A.ev_malformed, "bad event name", line, len);
		return;
	}
	if (nlen >= plen && memcmp(line, HPC_EV_AGENT_PREFIX, plen) == 0) {
		ev_drop(&A.ev_malformed, "reserved event name", line, len);
		return;
	}
	if (!ev_take_token()) {
		ev_drop(&A.ev_over_rate, "over the rate limit", line, len);
		return;
	}
	tlen = sp ? len - nlen - 1 : 0;
	printable(text, sizeof(text), sp ? sp + 1 : "", tlen);
	send_event(line, nlen, text, tlen);
	A.ev_forwarded++;
}

/* Take what the FIFO holds, at most `rounds` reads. */
static void events_read(int rounds)
{
	while (A.ev_fd >= 0 && rounds-- > 0) {
		char *line;
		size_t len;
		int cut;
		ssize_t r = hpcg_lines_fill(&A.ev_in, A.ev_fd);
		int err = errno;

		while (hpcg_lines_next(&A.ev_in, 0, &line, &len, &cut))
			ev_line(line, len, cut);
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
static void events_summary(void)
{
	if (A.ev_malformed + A.ev_over_rate == 0)
		return;
	report(HPC_EV_BAD_EVENT,
	       "%lu event lines dropped (%lu malformed, %lu over the rate limit), %lu forwarded",
	       A.ev_malformed + A.ev_over_rate, A.ev_malformed,
	       A.ev_over_rate, A.ev_forwarded);
}

/* ------------------------------------------------------------------ */
/* steps                                                               */

static void end_step(struct hpc_status st)
{
	struct step *s = &A.steps[A.cur];
	uint64_t now = hpcg_mono_ns();
	char sts[16];

	switch (st.kind) {
	case HPC_ST_EXIT:
		snprintf(sts, sizeof(sts), "%d", st.value);
		break;
	case HPC_ST_SIGNAL:
		snprintf(sts, sizeof(sts), "sig%d", st.value);
		break;
	case HPC_ST_TIMEOUT:
		snprintf(sts, sizeof(sts), "timeout");
		break;
	default:
		snprintf(sts, sizeof(sts), "error");
		break;
	}
	kmsg_printf("hpchaos: run=%s step=%d %s end", A.run_id, A.cur, s->name);
	sendf("STEP %d END %llu %s %llu", A.cur, (unsigned long long)now, sts,
	      (unsigned long long)((now - A.cur_start_ns) / NS_PER_MS));
	A.cur++;
	/* The first step that fails ends the plan: what follows depended on it. */
	if (!(st.kind == HPC_ST_EXIT && st.value == 0)) {
		if (A.bye_code < HPC_BYE_FAIL)
			A.bye_code = HPC_BYE_FAIL;
		if (A.cur < A.plan_n)
			kmsg_printf("hpchaos: run=%s plan stopped after step %d",
				    A.run_id, A.cur - 1);
		A.cur = A.plan_n;
	}
	A.cur_started = 0;
	A.cur_target = NULL;
}

static struct hpc_status status(enum hpc_status_kind k, int v)
{
	struct hpc_status st = { k, v };

	return st;
}

static struct proc *find_bg(const char *name, size_t len)
{
	int i;

	if (!hpc_proto_name_ok(name, len))
		return NULL;
	for (i = A.cur - 1; i >= 0; i--) {
		struct step *s = &A.steps[i];

		if (s->kind == HPC_STEP_BG && !A.procs[i].claimed &&
		    strlen(s->name) == len && memcmp(s->name, name, len) == 0)
			return &A.procs[i];
	}
	return NULL;
}

static void start_step(void)
{
	struct step *s = &A.steps[A.cur];
	struct proc *t;

	A.cur_started = 1;
	A.cur_start_ns = hpcg_mono_ns();
	A.cur_deadline = s->timeout_s ?
		A.cur_start_ns + s->timeout_s * NS_PER_SEC : 0;
	kmsg_printf("hpchaos: run=%s step=%d %s start", A.run_id, A.cur,
		    s->name);
	/*
	 * Forward the kernel log up to this marker before the step runs: if
	 * the step kills the kernel, the host falls back to the console only
	 * from here on (docs/verdicts.md).
	 */
	kin_read(KIN_DRAIN);
	sendf("STEP %d START %llu", A.cur, (unsigned long long)A.cur_start_ns);

	switch (s->kind) {
	case HPC_STEP_RUN:
	case HPC_STEP_CHECK:
		if (spawn(A.cur) < 0)
			end_step(status(HPC_ST_ERROR, 0));
		break;
	case HPC_STEP_BG:
		if (spawn(A.cur) < 0)
			end_step(status(HPC_ST_ERROR, 0));
		else
			end_step(status(HPC_ST_EXIT, 0));
		break;
	case HPC_STEP_REAP:
		t = find_bg(s->payload, s->payload_len);
		if (!t) {
			report(HPC_EV_ERROR, "step %d: no bg step to reap", A.cur);
			end_step(status(HPC_ST_ERROR, 0));
			break;
		}
		t->claimed = 1;
		A.cur_target = t;
		break;
	case HPC_STEP_EMIT:
		send_event(s->name, strlen(s->name), s->payload,
			   s->payload_len);
		end_step(status(HPC_ST_EXIT, 0));
		break;
	case HPC_STEP_WAIT:
		break;
	}
}

/* Let the current step progress; 1 if it ended. */
static int poll_step(uint64_t now)
{
	struct step *s = &A.steps[A.cur];
	struct proc *p;
	int expired = A.cur_deadline && now >= A.cur_deadline;

	switch (s->kind) {
	case HPC_STEP_RUN:
	case HPC_STEP_CHECK:
		p = &A.procs[A.cur];
		if (!p->done)
			return 0;
		end_step(p->result);
		return 1;
	case HPC_STEP_REAP:
		p = A.cur_target;
		if (p->done) {
			end_step(p->result);
			return 1;
		}
		if (!expired)
			return 0;
		p->timed_out = 1;
		kill_proc(p, now);
		end_step(status(HPC_ST_TIMEOUT, 0));
		return 1;
	case HPC_STEP_WAIT:
		if (ev_take(s->name)) {
			end_step(status(HPC_ST_EXIT, 0));
			return 1;
		}
		if (!expired)
			return 0;
		end_step(status(HPC_ST_TIMEOUT, 0));
		return 1;
	default:
		return 1;
	}
}

static int all_procs_done(void)
{
	int i;

	for (i = 0; i < HPC_MAX_STEPS; i++)
		if (A.procs[i].spawned && !A.procs[i].done)
			return 0;
	return 1;
}

static void start_drain(void)
{
	A.state = PLAN_DRAINING;
	A.drain_deadline = hpcg_mono_ns() + DRAIN_NS;
	kill_all_procs();
}

static void advance(uint64_t now)
{
	while (A.state == PLAN_RUNNING) {
		if (A.cur >= A.plan_n) {
			start_drain();
			break;
		}
		if (!A.cur_started) {
			start_step();
			continue;
		}
		if (!poll_step(now))
			return;
	}
	if (A.state == PLAN_DRAINING &&
	    (all_procs_done() || now >= A.drain_deadline)) {
		events_read(64);
		events_summary();
		kin_sync();
		sendf("BYE %d", A.bye_code);
		agent_exit(A.bye_code);
	}
}

/* ------------------------------------------------------------------ */
/* lines from the host                                                 */

struct span {
	const char *s;
	size_t n;
};

/* Next space-separated field; 1 if a separator followed it, 0 at end. */
static int take(const char **p, const char *end, struct span *f)
{
	const char *sp;

	if (*p >= end)
		return -1;
	sp = memchr(*p, ' ', (size_t)(end - *p));
	f->s = *p;
	f->n = sp ? (size_t)(sp - *p) : (size_t)(end - *p);
	if (f->n == 0)
		return -1;
	*p = sp ? sp + 1 : end;
	return sp ? 1 : 0;
}

static int span_is(const struct span *f, const char *kw)
{
	return f->n == strlen(kw) && memcmp(f->s, kw, f->n) == 0;
}

static void bad_input(const char *why, const char *line, size_t len)
{
	char ex[81];

	printable(ex, sizeof(ex), line, len);
	report(HPC_EV_BAD_INPUT, "%s: %s", why, ex);
}

/* Take one S line; NULL, or why it was refused. */
static const char *host_step(const char *p, const char *end)
{
	struct span fi, fk, ft, fn;
	uint64_t idx, tmo;
	struct step *s;
	int k, more;

	if (A.state != PLAN_RECEIVING)
		return "S outside a plan";
	if (take(&p, end, &fi) != 1 || take(&p, end, &fk) != 1 ||
	    take(&p, end, &ft) != 1 || (more = take(&p, end, &fn)) < 0)
		return "malformed S";
	if (A.plan_n == 0 ||
	    hpcg_parse_u64(fi.s, fi.n, (uint64_t)A.plan_n - 1, &idx) < 0)
		return "bad step index";
	k = hpc_step_kind_parse(fk.s, fk.n);
	if (k < 0)
		return "bad step kind";
	if (hpcg_parse_u64(ft.s, ft.n, HPC_PROTO_MAX_TIMEOUT, &tmo) < 0)
		return "bad timeout";
	if (!hpc_proto_name_ok(fn.s, fn.n))
		return "bad step name";
	s = &A.steps[idx];
	if (s->present)
		return "duplicate step";
	s->kind = k;
	s->timeout_s = (unsigned int)tmo;
	memcpy(s->name, fn.s, fn.n);
	s->name[fn.n] = '\0';
	s->payload_len = more ? (size_t)(end - p) : 0;
	s->payload = malloc(s->payload_len + 1);
	if (!s->payload)
		fatal("out of memory");
	memcpy(s->payload, p, s->payload_len);
	s->payload[s->payload_len] = '\0';
	s->present = 1;
	A.plan_recv++;
	return NULL;
}

/* One line from the host: NULL, or why it was refused. */
static const char *host_cmd(const char *line, size_t len, int cut)
{
	const char *p = line, *end = line + len;
	struct span kw, f;
	uint64_t n;
	int r;

	if (cut)
		return "line too long";
	if (memchr(line, '\0', len))
		return "NUL byte";
	r = take(&p, end, &kw);
	if (r < 0)
		return "empty line";
	if (span_is(&kw, HPC_KW_EV)) {
		if (r != 1 || take(&p, end, &f) != 0 ||
		    !hpc_proto_name_ok(f.s, f.n))
			return "malformed EV";
		ev_add(f.s, f.n);
		return NULL;
	}
	if (span_is(&kw, HPC_KW_S))
		return r == 1 ? host_step(p, end) : "malformed S";
	if (span_is(&kw, HPC_KW_PLAN)) {
		if (A.state != PLAN_NONE)
			return "unexpected PLAN";
		if (r != 1 || take(&p, end, &f) != 0 ||
		    hpcg_parse_u64(f.s, f.n, HPC_MAX_STEPS, &n) < 0)
			return "malformed PLAN";
		A.plan_n = (int)n;
		A.plan_recv = 0;
		A.state = PLAN_RECEIVING;
		return NULL;
	}
	if (span_is(&kw, HPC_KW_GO)) {
		if (r != 0)
			return "malformed GO";
		if (A.state != PLAN_RECEIVING && A.state != PLAN_NONE)
			return "unexpected GO";
		if (A.state == PLAN_NONE || A.plan_recv != A.plan_n) {
			report(HPC_EV_BAD_PLAN, "GO with %d of %d steps",
			       A.plan_recv, A.plan_n);
			A.bye_code = HPC_BYE_ERROR;
			start_drain();
			return NULL;
		}
		A.state = PLAN_RUNNING;
		A.cur = 0;
		A.cur_started = 0;
		return NULL;
	}
	return "unknown line";
}

static void host_line(const char *line, size_t len, int cut)
{
	const char *why = host_cmd(line, len, cut);

	if (why)
		bad_input(why, line, len);
}

static void port_read(void)
{
	for (;;) {
		char *line;
		size_t len;
		int cut;
		ssize_t r = hpcg_lines_fill(&A.in, A.port);
		int err = errno;

		while (hpcg_lines_next(&A.in, r == 0, &line, &len, &cut))
			host_line(line, len, cut);
		if (r == 0) {
			if (!A.hup_since)
				A.hup_since = hpcg_mono_ns();
			return;
		}
		if (r < 0) {
			if (err != EAGAIN && !A.hup_since)
				A.hup_since = hpcg_mono_ns();
			return;
		}
		/* input arrives again: a virtio host side came back */
		A.hup_since = 0;
	}
}

/* ------------------------------------------------------------------ */
/* setup                                                               */

static int read_small(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t n = 0;

	if (fd < 0)
		return -1;
	while (n < cap - 1) {
		ssize_t r = read(fd, buf + n, cap - 1 - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	buf[n] = '\0';
	return (int)n;
}

static int find_virtio_port(char *dev, size_t cap)
{
	DIR *d = opendir("/sys/class/virtio-ports");
	struct dirent *e;
	int found = -1;

	if (!d)
		return -1;
	while (found < 0 && (e = readdir(d))) {
		char path[512], name[128];
		int n;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/class/virtio-ports/%s/name",
			 e->d_name);
		n = read_small(path, name, sizeof(name));
		if (n <= 0)
			continue;
		if (name[n - 1] == '\n')
			name[--n] = '\0';
		if (strcmp(name, HPC_PROTO_PORT_NAME) == 0) {
			snprintf(dev, cap, "/dev/%s", e->d_name);
			found = 0;
		}
	}
	closedir(d);
	return found;
}

static int open_path(const char *path)
{
	struct stat st;
	int fd;

	if (stat(path, &st) < 0)
		return -1;
	if (S_ISSOCK(st.st_mode)) {
		struct sockaddr_un sa = { .sun_family = AF_UNIX };

		if (strlen(path) >= sizeof(sa.sun_path)) {
			errno = ENAMETOOLONG;
			return -1;
		}
		strcpy(sa.sun_path, path);
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return -1;
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
			int e = errno;

			close(fd);
			errno = e;
			return -1;
		}
		return fd;
	}
	return open(path, O_RDWR | O_NOCTTY | O_CLOEXEC);
}

static void open_port(void)
{
	uint64_t until = hpcg_mono_ns() + PORT_WAIT_NS;
	char dev[300];
	int fd = -1;

	if (A.port_fd_opt >= 0) {
		fd = A.port_fd_opt;
		if (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0)
			fatal("--port-fd %d: %s", fd, strerror(errno));
	} else {
		for (;;) {
			if (A.port_path) {
				fd = open_path(A.port_path);
			} else if (find_virtio_port(dev, sizeof(dev)) == 0) {
				fd = open(dev, O_RDWR | O_NOCTTY | O_CLOEXEC);
				A.virtio = 1;
			}
			if (fd >= 0 || hpcg_mono_ns() >= until)
				break;
			usleep(100 * 1000);
		}
	}
	if (fd < 0) {
		const char *what = A.port_path ? A.port_path :
			"virtio-serial port " HPC_PROTO_PORT_NAME;

		fatal("cannot open %s after %llu s", what,
		      PORT_WAIT_NS / NS_PER_SEC);
	}
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0)
		fatal("port: %s", strerror(errno));
	A.port = fd;
}

static void env_from_cmdline_key(const char *key, size_t klen, const char *val)
{
	static const char *const reserved[] = {
		"HPC_RUN_ID", "HPC_STEP", "HPC_STEP_NAME", "HPC_SEED",
		"HPC_KTAP", "HPC_EVENTS",
	};
	char name[48];
	size_t i, vlen = strlen(val);
	char *e;

	if (klen == 0 || klen > 32 || vlen > 256 ||
	    A.n_cmd_env >= MAX_CMDLINE_ENV)
		return;
	memcpy(name, "HPC_", 4);
	for (i = 0; i < klen; i++) {
		char c = key[i];

		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		else if (c == '.' || c == '-')
			c = '_';
		else if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			   c == '_'))
			return;
		name[4 + i] = c;
	}
	name[4 + klen] = '\0';
	for (i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
		if (strcmp(name, reserved[i]) == 0)
			return;
	e = malloc(strlen(name) + 1 + vlen + 1);
	if (!e)
		return;
	sprintf(e, "%s=%s", name, val);
	A.cmd_env[A.n_cmd_env++] = e;
}

static void read_cmdline(void)
{
	static char buf[4096];
	char *save = NULL, *tok;

	strcpy(A.run_id, "none");
	strcpy(A.seed, "0");
	if (read_small(A.cmdline_path, buf, sizeof(buf)) < 0)
		return;
	for (tok = strtok_r(buf, " \t\n", &save); tok;
	     tok = strtok_r(NULL, " \t\n", &save)) {
		char *eq = strchr(tok, '=');
		char *key = tok + 4;
		size_t klen;

		if (strncmp(tok, "hpc.", 4) != 0 || !eq)
			continue;
		klen = (size_t)(eq - key);
		if (klen == 3 && memcmp(key, "run", 3) == 0) {
			if (hpc_proto_name_ok(eq + 1, strlen(eq + 1)))
				strcpy(A.run_id, eq + 1);
			else
				strcpy(A.run_id, "invalid");
		} else if (klen == 4 && memcmp(key, "seed", 4) == 0) {
			uint64_t v;

			if (hpcg_parse_u64(eq + 1, strlen(eq + 1), UINT64_MAX,
					   &v) == 0)
				snprintf(A.seed, sizeof(A.seed), "%llu",
					 (unsigned long long)v);
		} else {
			env_from_cmdline_key(key, klen, eq + 1);
		}
	}
}

static void send_hello(void)
{
	struct utsname u;
	char rel[HPC_PROTO_MAX_NAME + 1];
	size_t i, n;

	if (uname(&u) < 0)
		strcpy(u.release, "unknown");
	n = strlen(u.release);
	if (n > HPC_PROTO_MAX_NAME)
		n = HPC_PROTO_MAX_NAME;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)u.release[i];

		rel[i] = (c > 0x20 && c <= 0x7e) ? (char)c : '_';
	}
	rel[n] = '\0';
	if (n == 0)
		strcpy(rel, "unknown");
	sendf("HELLO %d %s", HPC_PROTO_VERSION, rel);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: hpc-agent [--port PATH | --port-fd N] [--no-poweroff]\n"
		"                 [--kmsg PATH] [--kmsg-in PATH] [--cmdline PATH]\n"
		"                 [--workdir DIR] [--events PATH]\n");
}

static void parse_args(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "port-fd", required_argument, NULL, 'f' },
		{ "no-poweroff", no_argument, NULL, 'n' },
		{ "kmsg", required_argument, NULL, 'k' },
		{ "kmsg-in", required_argument, NULL, 'K' },
		{ "cmdline", required_argument, NULL, 'c' },
		{ "workdir", required_argument, NULL, 'w' },
		{ "events", required_argument, NULL, 'e' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		uint64_t v;

		switch (c) {
		case 'p':
			A.port_path = optarg;
			break;
		case 'f':
			if (hpcg_parse_u64(optarg, strlen(optarg), 1 << 20,
					   &v) < 0)
				fatal("bad --port-fd %s", optarg);
			A.port_fd_opt = (int)v;
			break;
		case 'n':
			A.poweroff = 0;
			break;
		case 'k':
			A.kmsg_path = optarg;
			break;
		case 'K':
			A.kin_path = optarg;
			break;
		case 'c':
			A.cmdline_path = optarg;
			break;
		case 'w':
			A.workdir = optarg;
			break;
		case 'e':
			A.events_opt = optarg;
			break;
		case 'h':
			usage();
			if (!A.pid1)
				exit(0);
			break;
		default:
			usage();
			fatal("bad arguments");
		}
	}
	if (optind != argc)
		fatal("unexpected argument %s", argv[optind]);
	if (strlen(A.workdir) > 256)
		fatal("--workdir too long");
}

static void setup(int argc, char **argv)
{
	sigset_t mask;
	int fd;

	A.port = -1;
	A.port_fd_opt = -1;
	A.kmsg = -1;
	A.sigfd = -1;
	A.poweroff = 1;
	A.ev_fd = -1;
	A.pid1 = getpid() == 1;
	A.cmdline_path = "/proc/cmdline";
	A.workdir = "/tmp";
	A.kmsg_path = A.pid1 ? "/dev/kmsg" : NULL;
	A.kin = -1;
	A.kin_path = A.pid1 ? "/dev/kmsg" : NULL;

	/* SIGCHLD (and termination when not PID 1) through a signalfd */
	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	if (!A.pid1) {
		sigaddset(&mask, SIGTERM);
		sigaddset(&mask, SIGINT);
		sigaddset(&mask, SIGHUP);
	}
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);

	parse_args(argc, argv);
	if (A.kmsg_path)
		A.kmsg = open(A.kmsg_path,
			      O_WRONLY | O_CLOEXEC | O_NOCTTY | O_APPEND |
			      (strcmp(A.kmsg_path, "/dev/kmsg") ? O_CREAT : 0), 0644);
	if (A.pid1 && A.kmsg_path && strcmp(A.kmsg_path, "/dev/kmsg") == 0) {
		/* markers must not be rate-limited away */
		fd = open("/proc/sys/kernel/printk_devkmsg",
			  O_WRONLY | O_CLOEXEC);
		if (fd >= 0) {
			if (write(fd, "on\n", 3) < 0) {
				/* locked by the command line: fine */
			}
			close(fd);
		}
	}
	A.sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (A.sigfd < 0)
		fatal("signalfd: %s", strerror(errno));
	if (A.kin_path) {
		/* /dev/kmsg: from the oldest record kept; a FIFO (tests): no EOF */
		A.kin = open(A.kin_path, (strcmp(A.kin_path, "/dev/kmsg") ?
					  O_RDWR : O_RDONLY) |
			     O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
		if (A.kin < 0)
			kmsg_printf("hpchaos: agent: cannot read %s: %s",
				    A.kin_path, strerror(errno));
	}
	read_cmdline();
	A.oq = malloc(OUTQ_CAP);
	if (!A.oq || hpcg_lines_init(&A.in, HPC_PROTO_MAX_LINE - 1) < 0)
		fatal("out of memory");
	open_port();
	kmsg_printf("hpchaos: run=%s agent up", A.run_id);
	A.tokens = (uint64_t)OUT_BURST * 1000;
	A.tokens_ns = hpcg_mono_ns();
	send_hello();
	events_setup();
	A.next_ping = hpcg_mono_ns() + PING_NS;
}

/* ------------------------------------------------------------------ */

static void update_wake(uint64_t *wake, uint64_t t)
{
	if (t && t < *wake)
		*wake = t;
}

/* Is the port still hung up? Checked without waiting. */
static void recheck_hup(uint64_t now)
{
	struct pollfd pfd = { .fd = A.port, .events = POLLIN };

	int r = poll(&pfd, 1, 0);

	if (r == 1 && (pfd.revents & POLLIN))
		port_read();
	else if (r == 0)
		A.hup_since = 0;	/* neither data nor hang-up: back */
	if (A.hup_since && now - A.hup_since >= (A.virtio ? HUP_GRACE_NS : 0))
		mark_host_gone();
}

int main(int argc, char **argv)
{
	static struct pollfd pfd[4 + HPC_MAX_STEPS];
	static int pfd_step[4 + HPC_MAX_STEPS];

	setup(argc, argv);

	for (;;) {
		uint64_t now = hpcg_mono_ns(), wake;
		int n = 0, i, ms;

		if (now >= A.next_ping) {
			sendf("PING %llu", (unsigned long long)now);
			A.next_ping = now + PING_NS;
		}
		check_procs(now);
		advance(now);
		if (A.hup_since)
			recheck_hup(now);
		if (A.host_gone) {
			kmsg_printf("hpchaos: run=%s agent: host channel closed",
				    A.run_id);
			agent_exit(1);
		}

		wake = A.next_ping;
		if (A.state == PLAN_RUNNING && A.cur_started &&
		    (A.steps[A.cur].kind == HPC_STEP_REAP ||
		     A.steps[A.cur].kind == HPC_STEP_WAIT))
			update_wake(&wake, A.cur_deadline);
		if (A.state == PLAN_DRAINING)
			update_wake(&wake, A.drain_deadline);
		if (A.hup_since)
			update_wake(&wake, now + 100 * NS_PER_MS);

		pfd[n].fd = A.sigfd;
		pfd[n].events = POLLIN;
		pfd_step[n++] = -1;
		if (!A.hup_since) {
			pfd[n].fd = A.port;
			pfd[n].events = POLLIN;
			if (A.oq_start < A.oq_end)
				pfd[n].events |= POLLOUT;
			pfd_step[n++] = -2;
		}
		if (A.ev_fd >= 0) {
			pfd[n].fd = A.ev_fd;
			pfd[n].events = POLLIN;
			pfd_step[n++] = -3;
		}
		if (A.kin >= 0) {
			pfd[n].fd = A.kin;
			pfd[n].events = POLLIN;
			pfd_step[n++] = -4;
		}
		for (i = 0; i < HPC_MAX_STEPS; i++) {
			struct proc *p = &A.procs[i];

			if (!p->spawned || p->done)
				continue;
			if (!p->killed_at)
				update_wake(&wake, p->deadline);
			else
				update_wake(&wake, p->killed_at + KILL_GRACE_NS);
			if (p->pipe_fd < 0)
				continue;
			pfd[n].fd = p->pipe_fd;
			pfd[n].events = POLLIN;
			pfd_step[n++] = i;
		}
		ms = wake > now ? (int)((wake - now + NS_PER_MS - 1) / NS_PER_MS)
				: 0;
		if (ms > 1000)
			ms = 1000;
		if (poll(pfd, (nfds_t)n, ms) < 0) {
			if (errno == EINTR)
				continue;
			fatal("poll: %s", strerror(errno));
		}
		for (i = 0; i < n; i++) {
			short re = pfd[i].revents;

			if (!re)
				continue;
			if (pfd_step[i] == -1) {
				reap_children();
			} else if (pfd_step[i] == -2) {
				if (re & (POLLIN | POLLHUP | POLLERR))
					port_read();
				if ((re & (POLLHUP | POLLERR | POLLNVAL)) &&
				    !A.hup_since)
					A.hup_since = hpcg_mono_ns();
				if (re & POLLOUT)
					oq_flush(0);
			} else if (pfd_step[i] == -3) {
				events_read(16);
			} else if (pfd_step[i] == -4) {
				kin_read(16);
			} else {
				struct proc *p = &A.procs[pfd_step[i]];

				if (!p->done)
					proc_read(pfd_step[i], p, 0);
			}
		}
	}
}
