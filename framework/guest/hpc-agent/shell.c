// SPDX-License-Identifier: GPL-2.0
/*
 * A guest kept alive (hpc.keep=1, `hpchaos run --keep-alive`): after BYE
 * the agent does not power off. As PID 1 it serves a shell on the
 * virtio-serial port HPC_SHELL_PORT_NAME instead: whenever the host side
 * of the port is connected (hpc-attach on the run's shell.sock) and has
 * sent something, /bin/sh runs with the port as its stdin, stdout and
 * stderr; it ends at the host's end of file (the port reads 0 while no
 * host is connected), and the next connection gets a new shell. Every
 * child is reaped here, as PID 1 must.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent.h"

#define SHELL_PORT_WAIT_S	10	/* looking for the port */
#define SHELL_IDLE_MS		200	/* host not connected: look again */

static char *const shell_env[] = {
	STEP_PATH, "HOME=/tmp", "TERM=dumb", "PS1=hpchaos-guest# ", NULL,
};

/* Reap every child (orphans come to PID 1) until pid ends. */
static void reap_until(pid_t pid)
{
	for (;;) {
		pid_t r = waitpid(-1, NULL, 0);

		if (r == pid || (r < 0 && errno == ECHILD))
			return;
	}
}

static void reap_any(void)
{
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

/* One shell on the port, waited for. */
static void shell_once(int fd)
{
	pid_t pid = fork();

	if (pid < 0) {
		kmsg_printf("hpchaos: agent: kept: fork: %s", strerror(errno));
		sleep(1);
		return;
	}
	if (pid == 0) {
		sigset_t none;

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGPIPE, SIG_DFL);
		setsid();
		if (dup2(fd, 0) < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
			_exit(127);
		if (chdir("/tmp") < 0 && chdir("/") < 0)
			_exit(127);
		execle("/bin/sh", "sh", (char *)NULL, shell_env);
		_exit(127);
	}
	reap_until(pid);
}

/* Serve shells on fd for as long as the guest lives. */
static void __attribute__((noreturn)) serve(int fd)
{
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int n = poll(&p, 1, 1000);

		reap_any();
		if (n < 0 && errno != EINTR) {
			kmsg_printf("hpchaos: agent: kept: poll: %s",
				    strerror(errno));
			sleep(1);
		} else if (n > 0 && (p.revents & POLLHUP)) {
			/* no host on the other side */
			usleep(SHELL_IDLE_MS * 1000);
		} else if (n > 0 && (p.revents & POLLIN)) {
			shell_once(fd);
		}
	}
}

void shell_keep(void)
{
	char dev[300];
	int fd = -1;

	for (int i = 0; i < SHELL_PORT_WAIT_S * 10 && fd < 0; i++) {
		if (find_virtio_port(HPC_SHELL_PORT_NAME, dev, sizeof(dev)) == 0)
			fd = open(dev, O_RDWR | O_NOCTTY | O_CLOEXEC);
		if (fd < 0)
			usleep(100 * 1000);
	}
	if (fd < 0) {
		kmsg_printf("hpchaos: agent: kept alive, but no port %s: no shell",
			    HPC_SHELL_PORT_NAME);
		for (;;) {
			if (waitpid(-1, NULL, 0) < 0)
				sleep(1);
		}
	}
	kmsg_printf("hpchaos: run=%s agent: kept alive, shell on %s (%s)",
		    A.run_id, HPC_SHELL_PORT_NAME, dev);
	serve(fd);
}
