// SPDX-License-Identifier: GPL-2.0
/*
 * hpc-attach: the shell of a guest kept alive (`hpchaos run --keep-alive`,
 * `hpchaos attach`). The run's shell.sock is QEMU's end of the guest port
 * HPC_SHELL_PORT_NAME, where the kept agent starts /bin/sh for each
 * connection (guest/hpc-agent/shell.c).
 *
 *   hpc-attach SOCKET                 relay stdin to the shell, its output
 *                                     to stdout (an interactive shell when
 *                                     stdin is a terminal)
 *   hpc-attach -c CMD [--timeout S] SOCKET
 *                                     run CMD, print its output, exit with
 *                                     its status (124: no answer in S s)
 *
 * What the guest prints is untrusted: it is made printable (no escape
 * sequences, no control bytes but newline and tab) before it reaches the
 * terminal, and read in bounded pieces.
 * Exit: CMD's status, 0 after an interactive session, 2 usage or no
 * connection, 124 timeout.
 */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "hpc/cli.h"
#include "hpc/io.h"
#include "hpc/linebuf.h"
#include "hpc/opts.h"
#include "hpc/parse.h"

#define LINE_MAX_BYTES	4096
#define CHUNK		4096
#define DEFAULT_TIMEOUT_S	60
#define END_WAIT_S	30	/* stdin ended: the shell ends within this */
#define EXIT_USAGE	2
#define EXIT_TIMEOUT	124
#define OPTS		"command=c timeout=t help!h"

struct cmd_state {
	char marker[48];	/* "@@hpc-exit-<nonce> " */
	int status;		/* -1 until the marker came */
	int held_empty;		/* an empty line not printed yet */
};

static void usage(FILE *f)
{
	fputs("usage: hpc-attach [-c COMMAND [--timeout SECONDS]] SOCKET\n"
	      "  SOCKET   shell.sock of a kept guest's result directory\n"
	      "  -c       run COMMAND in the guest, exit with its status\n"
	      "  --timeout  with -c: give up after this long (default 60, 0: never)\n", f);
}

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Connect to path (from its directory: sun_path is short). */
static int connect_shell(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char *copy = strdup(path), *copy2 = strdup(path);
	const char *base;
	int fd = -1;

	if (!copy || !copy2)
		hpc_die(EXIT_USAGE, "hpc-attach: ", "out of memory");
	base = basename(copy2);
	if (chdir(dirname(copy)) < 0 || strlen(base) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "hpc-attach: %s: %s\n", path, strerror(errno ? errno : ENAMETOOLONG));
	} else {
		strcpy(sa.sun_path, base);
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
			fprintf(stderr, "hpc-attach: cannot connect to %s: %s (is the guest still kept? 'hpchaos list --running')\n",
				path, strerror(errno));
			close(fd);
			fd = -1;
		}
	}
	free(copy);
	free(copy2);
	return fd;
}

/* Guest text, made printable piece by piece (newlines kept), to stdout. */
static void out_text(const char *s, size_t n)
{
	char buf[CHUNK + 1];

	while (n > 0) {
		const char *nl = memchr(s, '\n', n < CHUNK ? n : CHUNK);
		size_t k = nl ? (size_t)(nl - s) : (n < CHUNK ? n : CHUNK), m;

		memcpy(buf, s, k);
		m = hpc_sanitize(buf, k);
		if (nl)
			buf[m++] = '\n';
		if (m && hpc_write_all(1, buf, m) < 0)
			exit(EXIT_USAGE);
		k += nl ? 1 : 0;
		s += k;
		n -= k;
	}
}

/* -c: each line of output; the marker line ends the command. */
static void on_cmd_line(void *ctx, const char *line, size_t len, unsigned int flags)
{
	struct cmd_state *st = ctx;
	size_t ml = strlen(st->marker);

	(void)flags;
	if (st->status >= 0)
		return;
	if (len > ml && memcmp(line, st->marker, ml) == 0) {
		uint64_t v;

		if (hpc_parse_u64(line + ml, len - ml, 255, &v) == 0) {
			st->status = (int)v;
			return;
		}
	}
	if (st->held_empty)
		out_text("\n", 1);
	st->held_empty = len == 0;
	if (len) {
		out_text(line, len);
		out_text("\n", 1);
	}
}

/* A marker line no guest program prints by chance: prefix + 16 hex digits. */
static void make_marker(char *buf, size_t cap, const char *prefix)
{
	unsigned char nonce[8];

	if (getrandom(nonce, sizeof(nonce), 0) != (ssize_t)sizeof(nonce))
		hpc_die(EXIT_USAGE, "hpc-attach: ", "getrandom: %s", strerror(errno));
	snprintf(buf, cap, "%s%02x%02x%02x%02x%02x%02x%02x%02x", prefix,
		 nonce[0], nonce[1], nonce[2], nonce[3], nonce[4], nonce[5], nonce[6], nonce[7]);
}

static int run_command(int fd, const char *cmd, unsigned int timeout_s)
{
	struct cmd_state st = { .status = -1 };
	struct hpc_linebuf lb;
	char *text;
	double until = timeout_s ? mono_s() + timeout_s : 0;
	size_t n;

	make_marker(st.marker, sizeof(st.marker) - 1, "@@hpc-exit-");
	strcat(st.marker, " ");
	n = strlen(cmd) + 2 * sizeof(st.marker) + 64;
	text = malloc(n);
	if (!text || hpc_linebuf_init(&lb, LINE_MAX_BYTES) < 0)
		hpc_die(EXIT_USAGE, "hpc-attach: ", "out of memory");
	/* a subshell (its exit ends only it), stdin not the port; the marker on a line of its own */
	snprintf(text, n, "( %s\n) </dev/null 2>&1; printf '\\n%s%%d\\n' \"$?\"; exit\n",
		 cmd, st.marker);
	if (hpc_write_all(fd, text, strlen(text)) < 0)
		hpc_die(EXIT_USAGE, "hpc-attach: ", "write: %s", strerror(errno));
	free(text);
	while (st.status < 0) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int wait_ms = 1000;

		if (until && mono_s() >= until) {
			fprintf(stderr, "hpc-attach: no answer from the guest within %u s\n", timeout_s);
			st.status = EXIT_TIMEOUT;
			break;
		}
		if (poll(&p, 1, wait_ms) < 0 && errno != EINTR)
			hpc_die(EXIT_USAGE, "hpc-attach: ", "poll: %s", strerror(errno));
		if (!(p.revents & (POLLIN | POLLHUP)))
			continue;
		if (hpc_linebuf_fill(&lb, fd, on_cmd_line, &st) == 0 && st.status < 0) {
			fprintf(stderr, "hpc-attach: the guest closed the shell before the command ended\n");
			st.status = EXIT_USAGE;
		}
	}
	hpc_linebuf_free(&lb);
	return st.status;
}

/*
 * Shell output to stdout up to the end marker (it ends the session: the
 * shell the session started has exited). 1 when the marker came.
 */
static int relay_out(const char *buf, size_t n, const char *marker)
{
	const char *m = memmem(buf, n, marker, strlen(marker));

	out_text(buf, m ? (size_t)(m - buf) : n);
	return m != NULL;
}

/*
 * stdin to the shell, its output to stdout. The session's shell (sh -i on
 * a terminal, else the port's own sh reading the piped lines) is followed
 * by a printf of an end marker: at stdin's end the shell is told to exit,
 * and the session is over when the marker comes back (or after
 * END_WAIT_S).
 */
static int relay(int fd)
{
	char buf[CHUNK], marker[48], start[128];
	int in_open = 1;
	double deadline = 0;

	make_marker(marker, sizeof(marker), "@@hpc-end-");
	if (isatty(0)) {
		fputs("hpc-attach: the guest's shell; 'exit' or Ctrl-D leaves (Ctrl-C too, leaving a command running)\n",
		      stderr);
		snprintf(start, sizeof(start), "/bin/sh -i 2>&1; printf '\\n%s\\n'; exit\n", marker);
		if (hpc_write_all(fd, start, strlen(start)) < 0)
			return EXIT_USAGE;
	}
	for (;;) {
		struct pollfd p[2] = {
			{ .fd = fd, .events = POLLIN },
			{ .fd = in_open ? 0 : -1, .events = POLLIN },
		};
		ssize_t n;

		if (poll(p, 2, 200) < 0 && errno != EINTR)
			return EXIT_USAGE;
		if (p[0].revents & (POLLIN | POLLHUP)) {
			n = read(fd, buf, sizeof(buf));
			if (n <= 0 || relay_out(buf, (size_t)n, marker))
				return 0;
		}
		if (in_open && (p[1].revents & (POLLIN | POLLHUP))) {
			n = read(0, buf, sizeof(buf));
			if (n > 0 && hpc_write_all(fd, buf, (size_t)n) < 0)
				return EXIT_USAGE;
			if (n <= 0) {
				in_open = 0;
				snprintf(start, sizeof(start), isatty(0) ? "\nexit\n" :
					 "\nprintf '\\n%s\\n'; exit\n", marker);
				if (hpc_write_all(fd, start, strlen(start)) < 0)
					return EXIT_USAGE;
				deadline = mono_s() + END_WAIT_S;
			}
		}
		if (!in_open && mono_s() >= deadline) {
			fprintf(stderr, "hpc-attach: the guest's shell did not end within %d s of the end of input\n",
				END_WAIT_S);
			return 0;
		}
	}
}

int main(int argc, char **argv)
{
	const char *cmd = NULL;
	uint64_t timeout_s = DEFAULT_TIMEOUT_S;
	int opt, fd, r;

	signal(SIGPIPE, SIG_IGN);
	while ((opt = hpc_getopt(argc, argv, "c:t:h", OPTS)) != -1) {
		switch (opt) {
		case 'c':
			cmd = optarg;
			break;
		case 't':
			if (hpc_parse_u64(optarg, strlen(optarg), 86400, &timeout_s) < 0) {
				fprintf(stderr, "hpc-attach: --timeout: expected seconds from 0 to 86400, got '%.40s'\n",
					optarg);
				return EXIT_USAGE;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return EXIT_USAGE;
	}
	fd = connect_shell(argv[optind]);
	if (fd < 0)
		return EXIT_USAGE;
	r = cmd ? run_command(fd, cmd, (unsigned int)timeout_s) : relay(fd);
	close(fd);
	return r;
}
