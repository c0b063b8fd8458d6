// SPDX-License-Identifier: GPL-2.0
/*
 * Stack frames of kernel reports and their source lines (hpc/symbolize.h).
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hpc/io.h"
#include "hpc/symbolize.h"

#define A2L_OUT_MAX	(8u << 20)	/* addr2line output read at most */
#define A2L_TIMEOUT_MS	60000		/* and for at most this long */
#define A2L_ARG_MAX	24		/* "0x" and 16 hex digits */

extern char **environ;

void hpc_sym_canon(const char *path, const char *module, char *out, size_t n)
{
	const char *p = path, *q, *base = strrchr(path, '/');

	/* our module's own files: ".../src/hpchaos_bar.c" (its build dir) */
	if (module && strncmp(module, "hpchaos", 7) == 0 && base && base - path >= 4 &&
	    strncmp(base - 4, "/src", 4) == 0 && strncmp(base + 1, "hpchaos", 7) == 0) {
		snprintf(out, n, "kmod/%s", base + 1);
		return;
	}
	/* O= builds: "<build>/../<file>"; the last "/../" starts the tree */
	for (q = strstr(path, "/../"); q; q = strstr(q + 1, "/../"))
		p = q + 4;
	/* a kernel entry's build/source link (modules built against it) */
	if (p == path)
		for (q = strstr(path, "/source/"); q; q = strstr(q + 1, "/source/"))
			p = q + 8;
	/*
	 * Debian's packaged kernels: debian/build/build_amd64_none_amd64/mm/x.c,
	 * and /build/reproducible-path/linux-6.1.192/arch/... (assembler files)
	 */
	q = strstr(p, "debian/build/build_");
	if (q && strchr(q + 19, '/'))
		p = strchr(q + 19, '/') + 1;
	q = strstr(p, "/reproducible-path/");
	if (q && strchr(q + 19, '/'))
		p = strchr(q + 19, '/') + 1;
	/*
	 * Still absolute: a kernel tree or headers by their directory name, as a
	 * module built against them sees them (.../src/linux-source-6.1-6.1.192-3/
	 * include/linux/slab.h, .../usr/src/linux-headers-6.1.0-57-common/...)
	 */
	if (p[0] == '/')
		for (q = strstr(p, "/linux-"); q; q = strstr(q + 1, "/linux-"))
			if (strchr(q + 1, '/'))
				p = strchr(q + 1, '/') + 1;
	while (p[0] == '.' && p[1] == '/')
		p += 2;
	snprintf(out, n, "%s", p);
}

/* ---- addr2line ---- */

struct a2l_out {
	char *buf;
	size_t len;
};

static int64_t ms_now(void)
{
	return (int64_t)(hpc_mono_ns() / 1000000u);
}

/* Read fd to EOF (bounded), then reap pid; 0, or -1 with why set. */
static int a2l_collect(int fd, pid_t pid, struct a2l_out *o, char *why, size_t wlen)
{
	int64_t deadline = ms_now() + A2L_TIMEOUT_MS;
	size_t cap = 65536;
	int status = 0, ret = 0;

	o->buf = malloc(cap);
	o->len = 0;
	while (o->buf) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int64_t left = deadline - ms_now();
		ssize_t r;

		if (left <= 0) {
			snprintf(why, wlen, "addr2line took more than %d s", A2L_TIMEOUT_MS / 1000);
			ret = -1;
			break;
		}
		if (poll(&p, 1, (int)left) < 0 && errno != EINTR) {
			snprintf(why, wlen, "poll: %s", strerror(errno));
			ret = -1;
			break;
		}
		if (o->len + 1 >= cap) {
			char *nb;

			if (cap >= A2L_OUT_MAX) {
				snprintf(why, wlen, "addr2line printed more than %u bytes", A2L_OUT_MAX);
				ret = -1;
				break;
			}
			nb = realloc(o->buf, cap * 2);
			if (!nb)
				break;
			o->buf = nb;
			cap *= 2;
		}
		r = read(fd, o->buf + o->len, cap - o->len - 1);
		if (r == 0)
			break;
		if (r < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			snprintf(why, wlen, "read: %s", strerror(errno));
			ret = -1;
			break;
		}
		o->len += (size_t)r;
	}
	if (!o->buf) {
		snprintf(why, wlen, "out of memory");
		ret = -1;
	} else {
		o->buf[o->len] = '\0';
	}
	if (ret < 0)
		kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (ret == 0 && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
		snprintf(why, wlen, "addr2line failed (%s %d)",
			 WIFEXITED(status) ? "exit" : "signal",
			 WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
		ret = -1;
	}
	return ret;
}

/* Start addr2line on obj (-j section when given) for the n addresses q. */
static int a2l_spawn(const char *obj, const char *section, char (*q)[A2L_ARG_MAX], size_t n,
		     pid_t *pid, int *fd, char *why, size_t wlen)
{
	char **argv = calloc(n + 9, sizeof(*argv));
	posix_spawn_file_actions_t fa;
	int p[2], e;
	size_t k = 0;

	if (!argv || pipe2(p, O_CLOEXEC) < 0) {
		free(argv);
		snprintf(why, wlen, "cannot start addr2line: %s", strerror(errno));
		return -1;
	}
	argv[k++] = (char *)"addr2line";
	argv[k++] = (char *)"-e";
	argv[k++] = (char *)obj;
	argv[k++] = (char *)"-a";
	argv[k++] = (char *)"-f";
	argv[k++] = (char *)"-i";
	if (section) {
		argv[k++] = (char *)"-j";
		argv[k++] = (char *)section;
	}
	for (size_t i = 0; i < n; i++)
		argv[k++] = q[i];
	argv[k] = NULL;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, p[1], 1);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	e = posix_spawnp(pid, "addr2line", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	free(argv);
	close(p[1]);
	if (e) {
		close(p[0]);
		snprintf(why, wlen, "cannot start addr2line (binutils): %s", strerror(e));
		return -1;
	}
	*fd = p[0];
	return 0;
}

/* "file:line" (maybe " (discriminator N)" after it) into loc. */
static void a2l_fileline(const char *s, const struct hpc_frame *f, struct hpc_sym_loc *loc)
{
	char path[HPC_SYM_PATH_MAX * 2];
	const char *colon = strrchr(s, ':');
	size_t n = colon ? (size_t)(colon - s) : strlen(s);

	if (n >= sizeof(path))
		n = sizeof(path) - 1;
	memcpy(path, s, n);
	path[n] = '\0';
	hpc_sym_canon(path, f->module, loc->file, sizeof(loc->file));
	loc->line = colon && isdigit((unsigned char)colon[1]) ?
		    (unsigned int)strtoul(colon + 1, NULL, 10) : 0;
	if (strcmp(loc->file, "??") == 0)
		loc->file[0] = '\0';
}

/*
 * addr2line -a -f -i output: per address an address line, then function
 * and file:line pairs, innermost first; "??" for what it does not know.
 */
static void a2l_parse(char *out, struct hpc_frame **frames, size_t n)
{
	struct hpc_frame *f = NULL;
	size_t rec = 0;
	bool want_func = true, bad = false;

	for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
		if (line[0] == '0' && line[1] == 'x' && line[2]) {
			if (rec >= n)
				return;
			f = frames[rec++];
			f->nloc = 0;
			bad = false;
			want_func = true;
			continue;
		}
		if (!f || bad)
			continue;
		if (want_func) {
			if (strcmp(line, "??") == 0 || f->nloc >= HPC_SYM_INLINE_MAX) {
				bad = f->nloc == 0;
				want_func = false;
				continue;
			}
			snprintf(f->loc[f->nloc].func, sizeof(f->loc[0].func), "%s", line);
		} else if (f->nloc < HPC_SYM_INLINE_MAX && f->loc[f->nloc].func[0]) {
			a2l_fileline(line, f, &f->loc[f->nloc]);
			f->nloc++;
		}
		want_func = !want_func;
	}
}

/* One addr2line run: the n frames v at the addresses q, in section (or NULL). */
static int a2l_run(const char *obj, const char *section, struct hpc_frame **v,
		   char (*q)[A2L_ARG_MAX], size_t n, char *why, size_t wlen)
{
	struct a2l_out o = { 0 };
	pid_t pid;
	int fd, ret;

	if (a2l_spawn(obj, section, q, n, &pid, &fd, why, wlen) < 0)
		return -1;
	ret = a2l_collect(fd, pid, &o, why, wlen);
	close(fd);
	if (ret == 0)
		a2l_parse(o.buf, v, n);
	free(o.buf);
	return ret;
}

static bool same_section(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

int hpc_sym_resolve(const char *obj, struct hpc_frame **frames, size_t n,
		    char *why, size_t wlen)
{
	struct hpc_symtab *t;
	const char **sec = calloc(n ? n : 1, sizeof(*sec));
	char (*q)[A2L_ARG_MAX] = calloc(n ? n : 1, sizeof(*q));
	char (*g)[A2L_ARG_MAX] = calloc(n ? n : 1, sizeof(*g));
	struct hpc_frame **v = calloc(n ? n : 1, sizeof(*v));
	bool *done = calloc(n ? n : 1, sizeof(*done));
	int ret = 0;

	if (!sec || !q || !g || !v || !done) {
		snprintf(why, wlen, "out of memory");
		ret = -1;
		goto out;
	}
	if (n == 0)
		goto out;
	t = hpc_symtab_open(obj, why, wlen);
	if (!t) {
		ret = -1;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned long long addr = 0;

		frames[i]->nloc = 0;
		done[i] = hpc_symtab_find(t, frames[i]->sym, frames[i]->size, &sec[i], &addr) < 0;
		/* a return address: the call is the byte before */
		addr += frames[i]->off - (!frames[i]->rip && frames[i]->off > 0);
		snprintf(q[i], sizeof(q[i]), "0x%llx", addr);
	}
	/* one addr2line per section (a linked file: one for all) */
	for (size_t i = 0; i < n && ret == 0; i++) {
		size_t m = 0;

		if (done[i])
			continue;
		for (size_t j = i; j < n; j++) {
			if (done[j] || !same_section(sec[i], sec[j]))
				continue;
			v[m] = frames[j];
			memcpy(g[m++], q[j], sizeof(q[j]));
			done[j] = true;
		}
		ret = a2l_run(obj, sec[i], v, g, m, why, wlen);
	}
	hpc_symtab_close(t);
out:
	free(done);
	free(v);
	free(g);
	free(q);
	free(sec);
	return ret;
}
