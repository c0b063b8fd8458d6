// SPDX-License-Identifier: GPL-2.0
/*
 * --keep fail|always (`hpchaos run --keep-alive`): the verdict is written
 * as in any run, then the guest is not stopped. The agent (hpc.keep=1)
 * serves a shell on its port (shell.sock, hpc-attach) and QEMU's gdb stub
 * listens on gdb.sock; kept.json says so. The conductor stays the guest's
 * parent (the guest dies with it): it goes on reading the console into
 * console.log and drains the other sockets until SIGINT, SIGTERM or SIGHUP
 * (`hpchaos stop`, Ctrl-C of the runner) or until the guest ends; then it
 * removes kept.json and stops the guest like any run.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "conductor.h"
#include "hpc/runfile.h"

#define KEPT_FILE	"kept.json"

static const char *const keep_names[] = { "never", "fail", "always" };

/* "never", "fail", "always" -> enum keep_mode; -1 for anything else. */
int keep_parse(const char *s)
{
	for (size_t i = 0; i < sizeof(keep_names) / sizeof(keep_names[0]); i++)
		if (strcmp(s, keep_names[i]) == 0)
			return (int)i;
	return -1;
}

/* Whether a run with this verdict keeps its (still running) guest. */
int keep_wanted(const struct conductor *c, const struct hpc_decision *vd)
{
	if (c->opt.keep == KEEP_ALWAYS)
		return 1;
	return c->opt.keep == KEEP_FAIL &&
	       (vd->v == HPC_V_FAIL || vd->v == HPC_V_ERROR);
}

static int write_kept(struct conductor *c, const struct hpc_decision *vd)
{
	struct json_object *o = json_object_new_object();
	char since[32];
	time_t now = time(NULL);
	const char *s;
	int r;

	strftime(since, sizeof(since), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	json_object_object_add(o, "conductor_pid", json_object_new_int(getpid()));
	json_object_object_add(o, "guest_pid", json_object_new_int(c->guest_pid));
	json_object_object_add(o, "shell", json_object_new_string("shell.sock"));
	json_object_object_add(o, "gdb", json_object_new_string("gdb.sock"));
	json_object_object_add(o, "verdict",
			       json_object_new_string(hpc_verdict_name(vd->v)));
	json_object_object_add(o, "since", json_object_new_string(since));
	s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY);
	r = hpc_runfile_write(".", KEPT_FILE, s, strlen(s));
	json_object_put(o);
	return r;
}

/* Read what fd has; the console's bytes go on into console.log. */
static void drain(struct conductor *c, enum sock_id i)
{
	char buf[65536];
	ssize_t n = read(c->fd[i], buf, sizeof(buf));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		close(c->fd[i]);
		c->fd[i] = -1;
		return;
	}
	if (i == SOCK_CONSOLE && c->files.console_bytes < CONSOLE_MAX_BYTES) {
		fwrite(buf, 1, (size_t)n, c->files.console);
		fflush(c->files.console);
		c->files.console_bytes += n;
	}
}

/* Until a signal or the guest's end: 1 for a signal. */
static int keep_loop(struct conductor *c)
{
	for (;;) {
		struct pollfd pfd[SOCK__COUNT + 1];
		struct signalfd_siginfo si;

		for (int i = 0; i < SOCK__COUNT; i++)
			pfd[i] = (struct pollfd){ .fd = c->fd[i], .events = POLLIN };
		pfd[SOCK__COUNT] = (struct pollfd){ .fd = c->sigfd, .events = POLLIN };
		if (poll(pfd, SOCK__COUNT + 1, 1000) < 0 && errno != EINTR)
			fatal("poll: %s", strerror(errno));
		while (read(c->sigfd, &si, sizeof(si)) == sizeof(si)) {
			if (si.ssi_signo != SIGCHLD) {
				tl_host(c, "kept", "signal %u: the kept guest is stopped",
					si.ssi_signo);
				return 1;
			}
		}
		reap_guest(c, 0);
		if (c->guest_exited) {
			tl_host(c, "kept", "the kept guest ended by itself");
			return 0;
		}
		for (int i = 0; i < SOCK__COUNT; i++)
			if (c->fd[i] >= 0 && (pfd[i].revents & (POLLIN | POLLHUP)))
				drain(c, (enum sock_id)i);
	}
}

void keep_guest(struct conductor *c, const struct hpc_decision *vd)
{
	if (write_kept(c, vd) < 0) {
		tl_host(c, "kept", "cannot write %s (%s): the guest is not kept",
			KEPT_FILE, strerror(errno));
		return;
	}
	tl_host(c, "kept", "guest kept alive (--keep %s): shell.sock, gdb.sock",
		keep_names[c->opt.keep]);
	keep_loop(c);
	unlink(KEPT_FILE);
}
