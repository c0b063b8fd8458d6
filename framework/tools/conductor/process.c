// SPDX-License-Identifier: GPL-2.0
/*
 * The guest process (QEMU, or hpc-libvirt) and its three sockets: the
 * conductor listens, spawns the guest command in the run directory (its
 * own process group, killed with the conductor), accepts its connections,
 * and always kills and reaps it before exit.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "conductor.h"

#define ARGV_MAX_BYTES	65536	/* --guest-argv file */
#define KILL_WAIT_TICKS	50	/* SIGTERM, then this many 100 ms waits, then SIGKILL */

static const char *const sock_names[SOCK__COUNT] = {
	"console.sock", "agent.sock", "qmp.sock",
};

static int listen_unix(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		fatal("socket path too long: %s", path);
	strcpy(sa.sun_path, path);
	unlink(path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(fd, 1) < 0)
		fatal("cannot listen on %s: %s", path, strerror(errno));
	return fd;
}

static void sock_path(const struct conductor *c, int i, char *buf, size_t cap)
{
	snprintf(buf, cap, "%s/%s", c->opt.dir, sock_names[i]);
}

void listen_all(struct conductor *c)
{
	char path[4200];

	for (int i = 0; i < SOCK__COUNT; i++) {
		sock_path(c, i, path, sizeof(path));
		c->lfd[i] = listen_unix(path);
	}
}

/* The listening sockets closed and their files gone. */
void unlisten_all(struct conductor *c)
{
	char path[4200];

	for (int i = 0; i < SOCK__COUNT; i++) {
		close(c->lfd[i]);
		c->lfd[i] = -1;
		sock_path(c, i, path, sizeof(path));
		unlink(path);
	}
}

/*
 * The guest command: NUL-terminated arguments in file. One allocation
 * for the array and one for the text (argv[0]); free both.
 */
char **read_argv(const char *file)
{
	char *buf = malloc(ARGV_MAX_BYTES), **argv;
	size_t n, count = 0, i, k = 0;
	FILE *f = fopen(file, "r");

	if (!buf)
		fatal("out of memory");
	if (!f)
		fatal("cannot open %s: %s", file, strerror(errno));
	n = fread(buf, 1, ARGV_MAX_BYTES - 1, f);
	if (!feof(f))
		fatal("%s: too large", file);
	fclose(f);
	if (n == 0 || buf[n - 1] != '\0')
		fatal("%s: expected NUL-terminated arguments", file);
	for (i = 0; i < n; i++)
		count += buf[i] == '\0';
	argv = calloc(count + 1, sizeof(*argv));
	if (!argv)
		fatal("out of memory");
	for (i = 0; i < n; i += strlen(buf + i) + 1)
		argv[k++] = buf + i;
	return argv;
}

/* In the child: the guest dies with the conductor, has its own group. */
static void __attribute__((noreturn)) exec_guest(const char *dir, char **argv,
						 pid_t parent)
{
	sigset_t all;
	int in, err;

	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	setpgid(0, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(127);
	if (chdir(dir) < 0)
		_exit(127);
	in = open("/dev/null", O_RDONLY);
	err = open("qemu.stderr", O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (in < 0 || err < 0)
		_exit(127);
	dup2(in, 0);
	dup2(err, 1);
	dup2(err, 2);
	execvp(argv[0], argv);
	fprintf(stderr, "cannot execute %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

void spawn_guest(struct conductor *c, char **argv)
{
	pid_t parent = getpid();

	c->guest_pid = fork();
	if (c->guest_pid < 0)
		fatal("fork: %s", strerror(errno));
	if (c->guest_pid == 0)
		exec_guest(c->opt.dir, argv, parent);
}

/* Accept QEMU's three connections. Returns 0, or -1 (reason in why_stop). */
int accept_all(struct conductor *c)
{
	double deadline = now_s(c) + CONNECT_TIMEOUT_S;
	int connected = 0;

	while (connected < SOCK__COUNT) {
		struct pollfd pfd[SOCK__COUNT + 1];

		for (int i = 0; i < SOCK__COUNT; i++) {
			pfd[i].fd = c->fd[i] < 0 ? c->lfd[i] : -1;
			pfd[i].events = POLLIN;
		}
		pfd[SOCK__COUNT].fd = c->sigfd;
		pfd[SOCK__COUNT].events = POLLIN;
		if (poll(pfd, SOCK__COUNT + 1, 200) < 0 && errno != EINTR)
			fatal("poll: %s", strerror(errno));
		if (pfd[SOCK__COUNT].revents & POLLIN) {
			handle_signals(c);
			if (c->interrupted)
				return -1;
		}
		for (int i = 0; i < SOCK__COUNT; i++) {
			if (!(pfd[i].revents & POLLIN))
				continue;
			c->fd[i] = accept4(c->lfd[i], NULL, NULL, SOCK_CLOEXEC);
			if (c->fd[i] >= 0)
				connected++;
		}
		reap_guest(c, 0);
		if (c->guest_exited) {
			stop(c, "guest process exited before connecting");
			return -1;
		}
		if (now_s(c) > deadline) {
			stop(c, "guest did not connect within %d s", CONNECT_TIMEOUT_S);
			return -1;
		}
	}
	return 0;
}

void reap_guest(struct conductor *c, int block)
{
	int st;

	if (c->guest_pid <= 0 || c->guest_exited)
		return;
	if (waitpid(c->guest_pid, &st, block ? 0 : WNOHANG) != c->guest_pid)
		return;
	c->guest_exited = 1;
	c->guest_status = st;
	tl_host(c, "guest-exit", "guest process exited (%s %d)",
		WIFEXITED(st) ? "status" : "signal",
		WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
}

static void signal_guest(const struct conductor *c, int sig)
{
	kill(-c->guest_pid, sig);
	kill(c->guest_pid, sig);
}

/* SIGTERM to the guest's group, up to 5 s, then SIGKILL; reaped. */
void kill_guest(struct conductor *c)
{
	if (c->guest_pid <= 0 || c->guest_exited)
		return;
	signal_guest(c, SIGTERM);
	for (int i = 0; i < KILL_WAIT_TICKS && !c->guest_exited; i++) {
		struct timespec ts = { 0, 100 * 1000 * 1000 };

		nanosleep(&ts, NULL);
		reap_guest(c, 0);
	}
	if (!c->guest_exited) {
		signal_guest(c, SIGKILL);
		reap_guest(c, 1);
	}
}

/* The end of qemu.stderr, on one printable line. */
void qemu_stderr_tail(const struct conductor *c, char *buf, size_t cap)
{
	char path[4200];
	FILE *f;
	long sz;
	size_t n;

	buf[0] = '\0';
	snprintf(path, sizeof(path), "%s/qemu.stderr", c->opt.dir);
	f = fopen(path, "r");
	if (!f)
		return;
	fseek(f, 0, SEEK_END);
	sz = ftell(f);
	fseek(f, sz > (long)cap - 1 ? sz - (long)cap + 1 : 0, SEEK_SET);
	n = fread(buf, 1, cap - 1, f);
	fclose(f);
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		n--;
	buf[n] = '\0';
	n = hpc_sanitize(buf, n);
	for (size_t i = 0; i < n; i++)
		if (buf[i] == '\n')
			buf[i] = ' ';
}
