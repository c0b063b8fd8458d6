// SPDX-License-Identifier: GPL-2.0
/*
 * hpc-agent: options, setup and the poll loop (see agent.h for the units).
 *
 * For local testing it also runs as an ordinary process:
 *   hpc-agent --port PATH|--port-fd N [--no-poweroff] [--kmsg PATH]
 *             [--kmsg-in PATH] [--cmdline PATH] [--workdir DIR]
 *             [--events PATH]
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "agent.h"
#include "hpc/opts.h"
#include "hpc/parse.h"

#define KMSG_DEV	"/dev/kmsg"
#define PORT_RETRY_US	(100 * 1000)	/* between looks for the port */
#define MAX_PORT_FD	(1 << 20)
#define MAX_WORKDIR	256
/* A key/value of hpc.<key>=<value> on the command line, at most. */
#define CMDLINE_KEY_MAX	32
#define CMDLINE_VAL_MAX	256
/* The loop sleeps at most this long, and this long while hung up. */
#define LOOP_MAX_MS	1000
#define HUP_POLL_NS	(100 * NS_PER_MS)
/* What a pollfd of the loop stands for besides a step's pipe (0..255). */
#define FD_SIGNALS	(-1)
#define FD_PORT		(-2)
#define FD_EVENTS	(-3)
#define FD_KMSG		(-4)
#define LOOP_FDS	(4 + HPC_MAX_STEPS)
/* The long options (hpc/opts.h). */
#define OPTS	"port=p port-fd=f no-poweroff!n kmsg=k kmsg-in=K cmdline=c " \
		"workdir=w events=e help!h"

/* ------------------------------------------------------------------ */
/* the port                                                            */

/* A unix stream socket to connect to, or a device to open. */
static int open_path(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	int fd, e;

	if (stat(path, &st) < 0)
		return -1;
	if (!S_ISSOCK(st.st_mode))
		return open(path, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (strlen(path) >= sizeof(sa.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/* --port, or the virtio-serial port, looked for up to PORT_WAIT_NS. */
static int look_for_port(void)
{
	uint64_t until = hpc_mono_ns() + PORT_WAIT_NS;
	char dev[300];
	int fd = -1;

	for (;;) {
		if (A.port_path) {
			fd = open_path(A.port_path);
		} else if (find_virtio_port(HPC_PROTO_PORT_NAME, dev, sizeof(dev)) == 0) {
			fd = open(dev, O_RDWR | O_NOCTTY | O_CLOEXEC);
			A.virtio = 1;
		}
		if (fd >= 0 || hpc_mono_ns() >= until)
			return fd;
		usleep(PORT_RETRY_US);
	}
}

static void open_port(void)
{
	int fd;

	if (A.port_fd_opt >= 0) {
		fd = A.port_fd_opt;
		if (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0)
			fatal("--port-fd %d: %s", fd, strerror(errno));
	} else {
		fd = look_for_port();
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

/* ------------------------------------------------------------------ */
/* the kernel command line                                             */

static void env_from_cmdline_key(const char *key, size_t klen, const char *val)
{
	static const char *const reserved[] = {
		"HPC_RUN_ID", "HPC_STEP", "HPC_STEP_NAME", "HPC_SEED",
		"HPC_KTAP", "HPC_EVENTS",
	};
	char name[48];
	size_t i, vlen = strlen(val);
	char *e;

	if (klen == 0 || klen > CMDLINE_KEY_MAX || vlen > CMDLINE_VAL_MAX ||
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

/* hpc.<key>=<value>: run and seed are the agent's, the rest for steps. */
static void cmdline_param(const char *key, size_t klen, const char *val)
{
	uint64_t v;

	if (klen == 3 && memcmp(key, "run", 3) == 0) {
		if (hpc_proto_name_ok(val, strlen(val)))
			strcpy(A.run_id, val);
		else
			strcpy(A.run_id, "invalid");
	} else if (klen == 4 && memcmp(key, "keep", 4) == 0) {
		A.keep = strcmp(val, "1") == 0;
	} else if (klen == 4 && memcmp(key, "seed", 4) == 0) {
		if (hpc_parse_u64(val, strlen(val), UINT64_MAX, &v) == 0)
			snprintf(A.seed, sizeof(A.seed), "%llu",
				 (unsigned long long)v);
	} else {
		env_from_cmdline_key(key, klen, val);
	}
}

static void read_cmdline(void)
{
	static char buf[4096];
	char *save = NULL, *tok;

	strcpy(A.run_id, "none");
	strcpy(A.seed, "0");
	if (hpc_read_small(A.cmdline_path, buf, sizeof(buf)) < 0)
		return;
	for (tok = strtok_r(buf, " \t\n", &save); tok;
	     tok = strtok_r(NULL, " \t\n", &save)) {
		char *eq = strchr(tok, '=');

		if (strncmp(tok, "hpc.", 4) != 0 || !eq)
			continue;
		cmdline_param(tok + 4, (size_t)(eq - (tok + 4)), eq + 1);
	}
}

/* ------------------------------------------------------------------ */
/* setup                                                               */

static void send_hello(void)
{
	struct hpc_msg *m = msg_begin(HPC_MSG_HELLO);
	struct utsname u;
	size_t i, n;

	if (uname(&u) < 0)
		strcpy(u.release, "unknown");
	n = strlen(u.release);
	if (n > HPC_PROTO_MAX_NAME)
		n = HPC_PROTO_MAX_NAME;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)u.release[i];

		m->release[i] = (c > 0x20 && c <= 0x7e) ? (char)c : '_';
	}
	m->release[n] = '\0';
	if (n == 0)
		strcpy(m->release, "unknown");
	m->version = HPC_PROTO_VERSION;
	msg_send(1);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: hpc-agent [--port PATH | --port-fd N] [--no-poweroff]\n"
		"                 [--kmsg PATH] [--kmsg-in PATH] [--cmdline PATH]\n"
		"                 [--workdir DIR] [--events PATH]\n");
}

/* One option of parse_args(). */
static void take_option(int c)
{
	uint64_t v;

	switch (c) {
	case 'p':
		A.port_path = optarg;
		break;
	case 'f':
		if (hpc_parse_u64(optarg, strlen(optarg), MAX_PORT_FD, &v) < 0)
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

static void parse_args(int argc, char **argv)
{
	int c;

	while ((c = hpc_getopt(argc, argv, "", OPTS)) != -1)
		take_option(c);
	if (optind != argc)
		fatal("unexpected argument %s", argv[optind]);
	if (strlen(A.workdir) > MAX_WORKDIR)
		fatal("--workdir too long");
}

/* The kernel log: where markers go, and what is forwarded. */
static void open_kmsg(void)
{
	int fd;

	if (A.kmsg_path)
		A.kmsg = open(A.kmsg_path,
			      O_WRONLY | O_CLOEXEC | O_NOCTTY | O_APPEND |
			      (strcmp(A.kmsg_path, KMSG_DEV) ? O_CREAT : 0), 0644);
	if (A.pid1 && A.kmsg_path && strcmp(A.kmsg_path, KMSG_DEV) == 0) {
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
}

/* /dev/kmsg: from the oldest record kept; a FIFO (tests): no EOF. */
static void open_kin(void)
{
	if (!A.kin_path)
		return;
	A.kin = open(A.kin_path, (strcmp(A.kin_path, KMSG_DEV) ?
				  O_RDWR : O_RDONLY) |
		     O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (A.kin < 0)
		kmsg_printf("hpchaos: agent: cannot read %s: %s",
			    A.kin_path, strerror(errno));
}

static void setup(int argc, char **argv)
{
	sigset_t mask;

	agent_init_state();
	A.poweroff = 1;
	A.pid1 = getpid() == 1;
	A.cmdline_path = "/proc/cmdline";
	A.workdir = "/tmp";
	A.kmsg_path = A.pid1 ? KMSG_DEV : NULL;
	A.kin_path = A.pid1 ? KMSG_DEV : NULL;

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
	open_kmsg();
	A.sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (A.sigfd < 0)
		fatal("signalfd: %s", strerror(errno));
	open_kin();
	read_cmdline();
	A.oq = malloc(OUTQ_CAP);
	if (!A.oq || hpc_linebuf_init(&A.in, HPC_PROTO_MAX_LINE - 1) < 0)
		fatal("out of memory");
	open_port();
	kmsg_printf("hpchaos: run=%s agent up", A.run_id);
	bucket_init(&A.out_rate, OUT_RATE, OUT_BURST);
	send_hello();
	events_setup();
	A.next_ping = hpc_mono_ns() + PING_NS;
}

/* ------------------------------------------------------------------ */
/* the loop                                                            */

struct loop {
	struct pollfd pfd[LOOP_FDS];
	int what[LOOP_FDS];	/* FD_*, or the step index of a pipe */
	int n;
	uint64_t wake;
};

static void update_wake(uint64_t *wake, uint64_t t)
{
	if (t && t < *wake)
		*wake = t;
}

static void watch(struct loop *l, int fd, short events, int what)
{
	l->pfd[l->n].fd = fd;
	l->pfd[l->n].events = events;
	l->pfd[l->n].revents = 0;
	l->what[l->n++] = what;
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

/* What is due now: the heartbeat, timeouts, the plan, the host's hang-up. */
static void tick(uint64_t now)
{
	if (now >= A.next_ping) {
		msg_begin(HPC_MSG_PING)->guest_ns = now;
		msg_send(1);
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
}

/* What to wait for, and until when. */
static void prepare(struct loop *l, uint64_t now)
{
	int i;

	l->n = 0;
	l->wake = A.next_ping;
	if (A.state == PLAN_RUNNING && A.cur_started &&
	    (A.steps[A.cur].kind == HPC_STEP_REAP ||
	     A.steps[A.cur].kind == HPC_STEP_WAIT))
		update_wake(&l->wake, A.cur_deadline);
	if (A.state == PLAN_DRAINING)
		update_wake(&l->wake, A.drain_deadline);
	if (A.hup_since)
		update_wake(&l->wake, now + HUP_POLL_NS);
	watch(l, A.sigfd, POLLIN, FD_SIGNALS);
	if (!A.hup_since)
		watch(l, A.port, POLLIN | (A.oq_start < A.oq_end ? POLLOUT : 0),
		      FD_PORT);
	if (A.ev_fd >= 0)
		watch(l, A.ev_fd, POLLIN, FD_EVENTS);
	if (A.kin >= 0)
		watch(l, A.kin, POLLIN, FD_KMSG);
	for (i = 0; i < HPC_MAX_STEPS; i++) {
		struct proc *p = &A.procs[i];

		if (!p->spawned || p->done)
			continue;
		update_wake(&l->wake, p->killed_at ?
			    p->killed_at + KILL_GRACE_NS : p->deadline);
		if (p->pipe_fd >= 0)
			watch(l, p->pipe_fd, POLLIN, i);
	}
}

static void on_port(short re)
{
	if (re & (POLLIN | POLLHUP | POLLERR))
		port_read();
	if ((re & (POLLHUP | POLLERR | POLLNVAL)) && !A.hup_since)
		A.hup_since = hpc_mono_ns();
	if (re & POLLOUT)
		oq_flush(0);
}

static void dispatch(const struct loop *l)
{
	int i;

	for (i = 0; i < l->n; i++) {
		short re = l->pfd[i].revents;

		if (!re)
			continue;
		if (l->what[i] == FD_SIGNALS)
			reap_children();
		else if (l->what[i] == FD_PORT)
			on_port(re);
		else if (l->what[i] == FD_EVENTS)
			events_read(READS_TURN);
		else if (l->what[i] == FD_KMSG)
			kin_read(READS_TURN);
		else if (!A.procs[l->what[i]].done)
			proc_read(&A.procs[l->what[i]], 0);
	}
}

int main(int argc, char **argv)
{
	static struct loop l;

	setup(argc, argv);
	for (;;) {
		uint64_t now = hpc_mono_ns();
		int ms;

		tick(now);
		prepare(&l, now);
		ms = l.wake > now ?
			(int)((l.wake - now + NS_PER_MS - 1) / NS_PER_MS) : 0;
		if (ms > LOOP_MAX_MS)
			ms = LOOP_MAX_MS;
		if (poll(l.pfd, (nfds_t)l.n, ms) < 0) {
			if (errno == EINTR)
				continue;
			fatal("poll: %s", strerror(errno));
		}
		dispatch(&l);
	}
}
