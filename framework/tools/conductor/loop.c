// SPDX-License-Identifier: GPL-2.0
/*
 * The main loop: one ppoll on the three sockets and a signalfd, which
 * sleeps until the next host action is due (at most POLL_MAX_S), then the
 * due actions and the run's deadlines (docs/internals.md, "Host action
 * timers"). Signals arrive through the signalfd only: no handler, no
 * global flag.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "conductor.h"

#define READ_CHUNK	65536

/* INT, TERM, HUP and CHLD come through c->sigfd; SIGPIPE is ignored. */
void setup_signals(struct conductor *c)
{
	sigset_t mask;

	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGCHLD);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	c->sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (c->sigfd < 0)
		fatal("signalfd: %s", strerror(errno));
	/* If the runner dies, even by SIGKILL, we hear SIGTERM and clean up. */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() == 1) {
		c->interrupted = 1;
		stop(c, "the runner is gone");
	}
}

void handle_signals(struct conductor *c)
{
	struct signalfd_siginfo si;

	while (read(c->sigfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGCHLD) {
			reap_guest(c, 0);
		} else {
			c->interrupted = 1;
			stop(c, "interrupted by signal %u", si.ssi_signo);
		}
	}
}

/*
 * How long poll may sleep: until the next host action is due (so that it
 * fires within a millisecond of its planned time), at most POLL_MAX_S (the
 * deadlines are checked that often).
 */
static struct timespec *poll_timeout(const struct conductor *c,
				     struct timespec *ts)
{
	double wait = POLL_MAX_S;
	int i = c->qmp.ready && !c->g.bye ? next_due(c) : -1;

	if (i >= 0 && c->act[i].due - now_s(c) < wait)
		wait = c->act[i].due - now_s(c);
	if (wait < 0)
		wait = 0;
	ts->tv_sec = 0;
	ts->tv_nsec = (long)(wait * 1e9);
	return ts;
}

/*
 * Read what fd has into its line splitter; with raw, also append the bytes
 * to that file (up to CONSOLE_MAX_BYTES). Returns -1 on EOF or error.
 */
static int read_stream(struct conductor *c, int fd, struct hpc_linebuf *lb,
		       hpc_line_fn fn, FILE *raw, long *raw_bytes)
{
	char buf[READ_CHUNK];
	ssize_t n = read(fd, buf, sizeof(buf));

	if (n < 0 && errno == EINTR)
		return 0;
	if (n <= 0)
		return -1;
	if (raw && *raw_bytes < CONSOLE_MAX_BYTES) {
		fwrite(buf, 1, (size_t)n, raw);
		fflush(raw);
		*raw_bytes += n;
	}
	hpc_linebuf_feed(lb, buf, (size_t)n, fn, c);
	return 0;
}

static void close_sock(struct conductor *c, enum sock_id i)
{
	close(c->fd[i]);
	c->fd[i] = -1;
}

/* One poll: signals first, then what each socket has. */
static void poll_once(struct conductor *c)
{
	struct pollfd pfd[SOCK__COUNT + 1];
	struct timespec ts;

	for (int i = 0; i < SOCK__COUNT; i++)
		pfd[i] = (struct pollfd){ .fd = c->fd[i], .events = POLLIN };
	pfd[SOCK__COUNT] = (struct pollfd){ .fd = c->sigfd, .events = POLLIN };
	if (ppoll(pfd, SOCK__COUNT + 1, poll_timeout(c, &ts), NULL) < 0 &&
	    errno != EINTR)
		fatal("poll: %s", strerror(errno));
	if (pfd[SOCK__COUNT].revents & POLLIN)
		handle_signals(c);
	if ((pfd[SOCK_CONSOLE].revents & (POLLIN | POLLHUP)) &&
	    read_stream(c, c->fd[SOCK_CONSOLE], &c->console_lb, on_console_line,
			c->files.console, &c->files.console_bytes) < 0)
		close_sock(c, SOCK_CONSOLE);
	if ((pfd[SOCK_AGENT].revents & (POLLIN | POLLHUP)) &&
	    read_stream(c, c->fd[SOCK_AGENT], &c->agent_lb, on_agent_line,
			NULL, NULL) < 0)
		close_sock(c, SOCK_AGENT);
	if ((pfd[SOCK_QMP].revents & (POLLIN | POLLHUP)) && hpc_qmp_read(&c->qmp) < 0) {
		close_sock(c, SOCK_QMP);
		c->qmp.fd = -1;
	}
}

/*
 * After a kernel report the verdict is FAIL whatever follows: keep the
 * console a little longer for the rest of the report, then stop instead
 * of waiting out step timeouts. A report only on the console counts once
 * the agent went silent (a dead kernel), not while it forwards.
 */
static void report_grace(struct conductor *c, double t)
{
	if (!c->report_at)
		c->report_at = t;
	else if (t - c->report_at > c->opt.report_grace_s)
		stop(c, "stopped %u s after the first kernel report",
		     c->opt.report_grace_s);
}

/* Why the run ends, if it does now (first matching reason). */
static void check_deadlines(struct conductor *c, double boot_deadline,
			    double deadline)
{
	const struct guest_state *g = &c->g;
	double t = now_s(c);

	if (c->guest_exited && c->fd[SOCK_CONSOLE] < 0 && c->fd[SOCK_AGENT] < 0) {
		stop(c, "guest exited");
	} else if (c->guest_exited && t - g->bye_at > BYE_EXIT_GRACE_S && g->bye) {
		stop(c, "guest exited after BYE");
	} else if (!g->hello && t > boot_deadline) {
		c->boot_bound = 1;
		stop(c, "no HELLO from the agent within %u s", c->s->boot_timeout_s);
	} else if (g->hello && !g->bye && t - g->last_heard > c->opt.heartbeat_s) {
		stop(c, "no word from the agent for %u s", c->opt.heartbeat_s);
	} else if (t > deadline) {
		stop(c, "scenario did not finish within %u s", c->s->timeout_s);
	} else if (c->opt.keep && g->bye && t - g->bye_at > BYE_EXIT_GRACE_S) {
		stop(c, "the plan is over; the guest stays up (--keep)");
	} else if (g->bye && t - g->bye_at > POWEROFF_GRACE_S) {
		stop(c, "guest did not power off within %d s of BYE", POWEROFF_GRACE_S);
	} else if (c->opt.report_grace_s && !g->bye &&
		 (hpc_triage_primary(c->triage) ||
		  (t - g->last_heard > AGENT_SILENT_S &&
		   hpc_kmerge_tail_report(c->kmerge)))) {
		report_grace(c, t);
	}
}

void loop(struct conductor *c)
{
	double boot_deadline = now_s(c) + c->s->boot_timeout_s;
	double deadline = now_s(c) + c->s->timeout_s;

	c->g.last_heard = now_s(c);
	while (!c->stop) {
		poll_once(c);
		run_due_actions(c);
		reap_guest(c, 0);
		check_deadlines(c, boot_deadline, deadline);
	}
	/* drain what is already buffered */
	hpc_linebuf_flush(&c->console_lb, on_console_line, c);
}
