// SPDX-License-Identifier: GPL-2.0
/*
 * Evidence when a step runs out of time (docs/verdicts.md): before its
 * processes are killed, the kernel stack of each task of its process group
 * (/proc/PID/task/TID/stack) goes to the host as STACK lines, and, in the
 * guest, the kernel is asked for its blocked tasks and its CPUs (sysrq w
 * and l, into the kernel log the agent forwards).
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"

#define STACK_TASKS_MAX		16	/* tasks of one group reported */
#define STACK_FRAMES_MAX	32	/* frames of one task */
#define STACK_READ_MAX		8192	/* bytes of a stack file read */

/* Up to cap - 1 bytes of a /proc file, NUL-terminated: its length, or -1. */
static ssize_t read_small(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t n = 0;
	ssize_t r;

	if (fd < 0)
		return -1;
	while (n + 1 < cap && (r = read(fd, buf + n, cap - 1 - n)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	buf[n] = '\0';
	return (ssize_t)n;
}

/* The state letter and process group of a task ("/proc/P/task/T"). */
static int task_stat(const char *dir, char *state, long *pgrp)
{
	char path[600], buf[512];
	const char *p;

	snprintf(path, sizeof(path), "%s/stat", dir);
	if (read_small(path, buf, sizeof(buf)) <= 0)
		return -1;
	/* "pid (comm) S ppid pgrp ...": comm may hold anything but ends at the last ')' */
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 1, " %c %*d %ld", state, pgrp) != 2 || !isalpha((unsigned char)*state))
		return -1;
	return 0;
}

/* STACK lines for one task: its frames, "[<0>] " cut off each. */
static void send_stack(int idx, int tid, char state, const char *dir)
{
	char path[600], *buf = malloc(STACK_READ_MAX), *line, *save = NULL;
	int n = 0;

	if (!buf)
		return;
	snprintf(path, sizeof(path), "%s/stack", dir);
	if (read_small(path, buf, STACK_READ_MAX) > 0) {
		for (line = strtok_r(buf, "\n", &save); line && n < STACK_FRAMES_MAX;
		     line = strtok_r(NULL, "\n", &save)) {
			char *f = line[0] == '[' ? strstr(line, "] ") : NULL;
			struct hpc_msg *m;

			f = f ? f + 2 : line;
			if (!*f)
				continue;
			m = msg_begin(HPC_MSG_STACK);
			m->idx = idx;
			m->pid = tid;
			m->state = state;
			msg_text(m, f, strlen(f));
			msg_send(1);
			n++;
		}
	}
	free(buf);
}

/* The tasks of process group pgid under /proc/PID (its threads). */
static int group_tasks(int idx, const char *pid, long pgid, int left)
{
	char tdir[300], dir[560];
	struct dirent *t;
	DIR *d;
	int sent = 0;

	snprintf(tdir, sizeof(tdir), "/proc/%s/task", pid);
	d = opendir(tdir);
	if (!d)
		return 0;
	while (sent < left && (t = readdir(d))) {
		char state;
		long pgrp;

		if (!isdigit((unsigned char)t->d_name[0]))
			continue;
		snprintf(dir, sizeof(dir), "%s/%s", tdir, t->d_name);
		if (task_stat(dir, &state, &pgrp) < 0 || pgrp != pgid)
			continue;
		send_stack(idx, atoi(t->d_name), state, dir);
		sent++;
	}
	closedir(d);
	return sent;
}

static void sysrq(char key)
{
	int fd = open("/proc/sysrq-trigger", O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return;
	if (write(fd, &key, 1) != 1)
		report(HPC_EV_ERROR, "sysrq %c: %s", key, strerror(errno));
	close(fd);
}

void stack_evidence(int idx, pid_t pgid)
{
	DIR *d = pgid > 0 ? opendir("/proc") : NULL;
	struct dirent *e;
	int tasks = 0;

	while (d && tasks < STACK_TASKS_MAX && (e = readdir(d)))
		if (isdigit((unsigned char)e->d_name[0]))
			tasks += group_tasks(idx, e->d_name, (long)pgid, STACK_TASKS_MAX - tasks);
	if (d)
		closedir(d);
	/* the kernel's own view, in the guest only (not on a test host) */
	if (A.pid1) {
		sysrq('w');
		sysrq('l');
	}
}
