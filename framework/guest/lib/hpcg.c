// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hpcg.h"

uint64_t hpcg_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

int hpcg_parse_u64(const char *s, size_t len, uint64_t max, uint64_t *out)
{
	char buf[24];
	char *end;
	unsigned long long v;
	size_t i;

	if (len == 0 || len >= sizeof(buf))
		return -1;
	for (i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return -1;
	if (len > 1 && s[0] == '0')
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	errno = 0;
	v = strtoull(buf, &end, 10);
	if (errno || end != buf + len || v > max)
		return -1;
	*out = v;
	return 0;
}

int hpcg_write_all(int fd, const void *buf, size_t n)
{
	const char *p = buf;

	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int hpcg_lines_init(struct hpcg_lines *l, size_t cap)
{
	memset(l, 0, sizeof(*l));
	if (cap == 0)
		return -1;
	l->buf = malloc(cap + 1);
	if (!l->buf)
		return -1;
	l->cap = cap;
	return 0;
}

void hpcg_lines_free(struct hpcg_lines *l)
{
	free(l->buf);
	memset(l, 0, sizeof(*l));
}

/* Move unconsumed bytes to the front so there is room to read. */
static void compact(struct hpcg_lines *l)
{
	if (l->start == 0)
		return;
	memmove(l->buf, l->buf + l->start, l->end - l->start);
	l->end -= l->start;
	l->start = 0;
}

ssize_t hpcg_lines_fill(struct hpcg_lines *l, int fd)
{
	ssize_t r;

	compact(l);
	if (l->end >= l->cap) {
		errno = ENOBUFS;	/* caller must take a line first */
		return -1;
	}
	do {
		r = read(fd, l->buf + l->end, l->cap - l->end);
	} while (r < 0 && errno == EINTR);
	if (r > 0)
		l->end += (size_t)r;
	else if (r == 0)
		l->eof = 1;
	return r;
}

size_t hpcg_lines_push(struct hpcg_lines *l, const char *data, size_t n)
{
	size_t room;

	compact(l);
	room = l->cap - l->end;
	if (n > room)
		n = room;
	memcpy(l->buf + l->end, data, n);
	l->end += n;
	return n;
}

int hpcg_lines_next(struct hpcg_lines *l, int final, char **line,
		    size_t *len, int *cut)
{
	for (;;) {
		size_t avail = l->end - l->start;
		char *p = l->buf + l->start;
		char *nl = avail ? memchr(p, '\n', avail) : NULL;

		if (l->skipping) {
			if (!nl) {
				l->start = l->end = 0;
				return 0;
			}
			l->skipping = 0;
			l->start += (size_t)(nl - p) + 1;
			continue;
		}
		if (nl) {
			*nl = '\0';
			*line = p;
			*len = (size_t)(nl - p);
			*cut = 0;
			l->start += *len + 1;
			return 1;
		}
		if (avail >= l->cap || (final && avail > 0)) {
			/* over-long (or unterminated last) line */
			p[avail] = '\0';
			*line = p;
			*len = avail;
			*cut = avail >= l->cap;
			l->skipping = *cut && !final;
			l->start = l->end;
			return 1;
		}
		return 0;
	}
}

int hpcg_write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	int r = 0;

	if (fd < 0)
		return -errno;
	if (hpcg_write_all(fd, val, strlen(val)))
		r = -errno;
	close(fd);
	return r;
}

int hpcg_fault_inject_arm(void)
{
	const char *on = getenv("HPC_MAKE_IT_FAIL");
	const char *nth = getenv("HPC_FAIL_NTH");
	uint64_t n;
	int r;

	if (!on || strcmp(on, "1"))
		return 0;
	r = hpcg_write_file("/proc/thread-self/make-it-fail", "1");
	if (r)
		return r;
	if (nth && *nth) {
		if (hpcg_parse_u64(nth, strlen(nth), 1000000000, &n))
			return -EINVAL;
		r = hpcg_write_file("/proc/thread-self/fail-nth", nth);
		if (r)
			return r;
	}
	return 1;
}

int hpcg_fault_inject_begin(struct hpcg_fault_scope *s)
{
	const char *on = getenv("HPC_MAKE_IT_FAIL");
	const char *nth = getenv("HPC_FAIL_NTH");
	uint64_t n;
	int r;

	s->make_it_fail = -1;
	s->fail_nth = -1;
	if (!on || strcmp(on, "1"))
		return 0;
	if (nth && !*nth)
		nth = NULL;
	if (nth && hpcg_parse_u64(nth, strlen(nth), 1000000000, &n))
		return -EINVAL;
	s->make_it_fail = open("/proc/thread-self/make-it-fail", O_WRONLY | O_CLOEXEC);
	if (s->make_it_fail < 0)
		goto fail;
	if (nth) {
		s->fail_nth = open("/proc/thread-self/fail-nth", O_WRONLY | O_CLOEXEC);
		if (s->fail_nth < 0)
			goto fail;
	}
	if (hpcg_write_all(s->make_it_fail, "1", 1) ||
	    (nth && hpcg_write_all(s->fail_nth, nth, strlen(nth))))
		goto fail;
	return 1;
fail:
	r = -errno;
	hpcg_fault_inject_end(s);
	return r;
}

void hpcg_fault_inject_end(struct hpcg_fault_scope *s)
{
	if (s->fail_nth >= 0) {
		(void)hpcg_write_all(s->fail_nth, "0", 1);
		close(s->fail_nth);
	}
	if (s->make_it_fail >= 0) {
		(void)hpcg_write_all(s->make_it_fail, "0", 1);
		close(s->make_it_fail);
	}
	s->make_it_fail = -1;
	s->fail_nth = -1;
}

int hpcg_parse_size(const char *s, uint64_t *out)
{
	size_t n = strnlen(s, 32);
	unsigned int shift = 0;
	uint64_t v;

	if (n > 1) {
		switch (s[n - 1]) {
		case 'k': case 'K': shift = 10; break;
		case 'm': case 'M': shift = 20; break;
		case 'g': case 'G': shift = 30; break;
		case 't': case 'T': shift = 40; break;
		default: break;
		}
	}
	if (shift)
		n--;
	if (hpcg_parse_u64(s, n, UINT64_MAX >> shift, &v) < 0 || v == 0)
		return -1;
	*out = v << shift;
	return 0;
}

int hpcg_parse_duration(const char *s, uint64_t *ns)
{
	size_t n = strnlen(s, 32);
	uint64_t mult = 1000000000ULL, v;

	if (n > 2 && strcmp(s + n - 2, "ms") == 0) {
		mult = 1000000ULL;
		n -= 2;
	} else if (n > 1 && s[n - 1] == 's') {
		n--;
	} else if (n > 1 && s[n - 1] == 'm') {
		mult = 60ULL * 1000000000ULL;
		n--;
	} else if (n > 1 && s[n - 1] == 'h') {
		mult = 3600ULL * 1000000000ULL;
		n--;
	}
	if (hpcg_parse_u64(s, n, 30ULL * 24 * 3600 * 1000, &v) < 0 || v == 0 ||
	    v * mult / mult != v || v * mult > 30ULL * 24 * 3600 * 1000000000ULL)
		return -1;
	*ns = v * mult;
	return 0;
}
