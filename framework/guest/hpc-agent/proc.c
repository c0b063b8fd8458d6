// SPDX-License-Identifier: GPL-2.0
/*
 * The processes of run/check/bg steps: started with the step environment
 * (docs/internals.md, "Step environment"), their output forwarded as OUT
 * lines (bounded and rate-limited), their KTAP file as KTAP lines once
 * they end, their end as the step's status.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent.h"

static const char ktap_cut_note[] = "# hpc-agent: KTAP truncated";

void kill_proc(struct proc *p, uint64_t now)
{
	if (!p->spawned || p->exited || p->killed_at)
		return;
	if (kill(-p->pid, SIGKILL) < 0)
		kill(p->pid, SIGKILL);
	p->killed_at = now ? now : 1;
}

void kill_all_procs(void)
{
	int i;

	for (i = 0; i < HPC_MAX_STEPS; i++)
		if (A.procs[i].spawned && !A.procs[i].exited)
			kill_proc(&A.procs[i], hpc_mono_ns());
}

int all_procs_done(void)
{
	int i;

	for (i = 0; i < HPC_MAX_STEPS; i++)
		if (A.procs[i].spawned && !A.procs[i].done)
			return 0;
	return 1;
}

static void out_notice(int idx, const char *text)
{
	send_text(1, HPC_MSG_OUT, idx, text, strlen(text));
}

/* One line of a step's output (ctx: its proc). */
static void out_line(void *ctx, const char *text, size_t len,
		     unsigned int flags)
{
	struct proc *p = ctx;
	int idx = (int)(p - A.procs);

	(void)flags;
	if (p->seen >= OUT_MAX_LINES)
		return;
	if (++p->seen == OUT_MAX_LINES) {
		out_notice(idx, HPC_OUT_TRUNCATED);
		return;
	}
	if (!bucket_take(&A.out_rate)) {
		p->dropped++;
		return;
	}
	if (send_text(0, HPC_MSG_OUT, idx, text, len) < 0)
		p->dropped++;
}

/* Read what the step's pipe has; close it at end of file. */
void proc_read(struct proc *p, int all)
{
	int rounds = all ? READS_ALL : READS_TURN;

	while (p->pipe_fd >= 0 && rounds-- > 0) {
		ssize_t r = hpc_linebuf_fill(&p->out, p->pipe_fd, out_line, p);
		int err = errno;

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

struct ktap_fwd {
	int idx;		/* the step the KTAP file is of */
	unsigned long lines;
};

static void ktap_line(void *ctx, const char *line, size_t len,
		      unsigned int flags)
{
	struct ktap_fwd *k = ctx;

	(void)flags;
	if (k->lines >= KTAP_MAX_LINES)
		return;
	send_text(1, HPC_MSG_KTAP, k->idx, line, len);
	k->lines++;
}

static void forward_ktap(int idx)
{
	char path[512];
	struct hpc_linebuf l;
	struct stat st;
	struct ktap_fwd k = { .idx = idx };
	ssize_t r;
	int fd;

	ktap_path(path, sizeof(path), idx);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW);
	if (fd < 0)
		return;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    hpc_linebuf_init(&l, KTAP_TEXT_MAX) < 0) {
		close(fd);
		return;
	}
	do {
		r = hpc_linebuf_fill(&l, fd, ktap_line, &k);
	} while (r > 0 && k.lines < KTAP_MAX_LINES);
	if (r < 0)
		hpc_linebuf_flush(&l, ktap_line, &k);
	if (k.lines >= KTAP_MAX_LINES)
		send_text(1, HPC_MSG_KTAP, idx, ktap_cut_note,
			  sizeof(ktap_cut_note) - 1);
	hpc_linebuf_free(&l);
	close(fd);
}

/* How the process ended, as a step status. */
static struct hpc_status proc_status(const struct proc *p)
{
	struct hpc_status st = { HPC_ST_ERROR, 0 };

	if (p->timed_out) {
		st.kind = HPC_ST_TIMEOUT;
	} else if (!p->exited) {
		st.kind = HPC_ST_ERROR;
	} else if (WIFEXITED(p->wstatus)) {
		st.kind = HPC_ST_EXIT;
		st.value = WEXITSTATUS(p->wstatus);
	} else if (WIFSIGNALED(p->wstatus) && WTERMSIG(p->wstatus) >= 1 &&
		   WTERMSIG(p->wstatus) <= HPC_PROTO_MAX_SIG) {
		st.kind = HPC_ST_SIGNAL;
		st.value = WTERMSIG(p->wstatus);
	}
	return st;
}

/* The process is over (or given up on): flush everything about it. */
static void proc_finish(int idx, struct proc *p)
{
	char note[96];

	/* events the program wrote before it ended come before its END */
	events_read(READS_ALL);
	proc_read(p, 1);
	if (p->pipe_fd >= 0) {
		close(p->pipe_fd);
		p->pipe_fd = -1;
	}
	hpc_linebuf_free(&p->out);
	p->result = proc_status(p);
	if (p->dropped) {
		snprintf(note, sizeof(note), "[%lu lines dropped: rate limit]",
			 p->dropped);
		out_notice(idx, note);
	}
	forward_ktap(idx);
	p->done = 1;
}

void reap_children(void)
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

/* The step environment, in bufs that live until the exec. */
static void step_env(char **envp, int idx)
{
	static char e_home[600], e_run[128], e_step[32], e_name[128],
		e_ktap[600], e_seed[64], e_events[340];
	const struct step *s = &A.steps[idx];
	char ktap[512];
	int n = 0, i;

	ktap_path(ktap, sizeof(ktap), idx);
	envp[n++] = STEP_PATH;
	snprintf(e_home, sizeof(e_home), "HOME=%s", A.workdir);
	snprintf(e_run, sizeof(e_run), "HPC_RUN_ID=%s", A.run_id);
	snprintf(e_step, sizeof(e_step), "HPC_STEP=%d", idx);
	snprintf(e_name, sizeof(e_name), "HPC_STEP_NAME=%s", s->name);
	snprintf(e_ktap, sizeof(e_ktap), "HPC_KTAP=%s", ktap);
	snprintf(e_seed, sizeof(e_seed), "HPC_SEED=%s", A.seed);
	envp[n++] = e_home;
	envp[n++] = e_run;
	envp[n++] = e_step;
	envp[n++] = e_name;
	envp[n++] = e_ktap;
	envp[n++] = e_seed;
	if (A.ev_fd >= 0) {
		snprintf(e_events, sizeof(e_events), "HPC_EVENTS=%s", A.ev_path);
		envp[n++] = e_events;
	}
	for (i = 0; i < A.n_cmd_env; i++)
		envp[n++] = A.cmd_env[i];
	envp[n] = NULL;
}

static void child_exec(int idx, int wfd) __attribute__((noreturn));
static void child_exec(int idx, int wfd)
{
	char *envp[16 + MAX_CMDLINE_ENV];
	char *argv[] = { "sh", "-c", A.steps[idx].payload, NULL };
	static const char msg[] = "hpc-agent: cannot run /bin/sh\n";
	sigset_t none;
	int fd;

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
	step_env(envp, idx);
	execve("/bin/sh", argv, envp);
	if (write(2, msg, sizeof(msg) - 1) < 0) {
		/* nowhere to complain */
	}
	_exit(127);
}

/* Start the process of step idx. 0, or -1 (p->result is error). */
int spawn(int idx)
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
	if (hpc_linebuf_init(&p->out, OUT_TEXT_MAX) < 0)
		goto fail;
	if (pipe2(pfd, O_CLOEXEC) < 0) {
		hpc_linebuf_free(&p->out);
		goto fail;
	}
	pid = fork();
	if (pid == 0)
		child_exec(idx, pfd[1]);
	close(pfd[1]);
	if (pid < 0) {
		close(pfd[0]);
		hpc_linebuf_free(&p->out);
		goto fail;
	}
	setpgid(pid, pid);
	fcntl(pfd[0], F_SETFL, O_NONBLOCK);
	p->spawned = 1;
	p->pid = pid;
	p->pipe_fd = pfd[0];
	if (s->timeout_s)
		p->deadline = hpc_mono_ns() + s->timeout_s * NS_PER_SEC;
	return 0;
fail:
	report(HPC_EV_ERROR, "step %d: cannot start: %s", idx,
	       s->payload_len ? strerror(errno) : "empty command");
	p->done = 1;
	return -1;
}

/* Timeouts of running processes. */
void check_procs(uint64_t now)
{
	int i;

	for (i = 0; i < HPC_MAX_STEPS; i++) {
		struct proc *p = &A.procs[i];

		if (!p->spawned || p->done)
			continue;
		if (p->deadline && now >= p->deadline && !p->killed_at) {
			p->timed_out = 1;
			stack_evidence(i, p->pid);
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
