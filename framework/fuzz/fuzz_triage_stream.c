// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz the triage classifier's stream API (triage.h): a console log read
 * from a pipe by hpc_triage_fd(), written by a thread in pieces of a size
 * the input chooses (so lines are cut across reads), against the same log
 * read from a file by hpc_triage_file(). Both must give the same, sane
 * reports.
 */
#include <pthread.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz_triage.h"

struct writer {
	int fd;
	const uint8_t *p;
	size_t n;
	size_t piece;
};

static void *write_pieces(void *arg)
{
	struct writer *w = arg;
	size_t off = 0;

	while (off < w->n) {
		size_t k = w->n - off < w->piece ? w->n - off : w->piece;

		FUZZ_CHECK(write(w->fd, w->p + off, k) == (ssize_t)k);
		off += k;
	}
	close(w->fd);
	return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hpc_triage *a = hpc_triage_new(), *b = NULL;
	struct writer w;
	pthread_t th;
	char path[64];
	int pfd[2], mfd;

	FUZZ_CHECK(a);
	w.p = data;
	w.n = size;
	/* the last byte says how big the pieces are: 1..4096 */
	w.piece = size ? 1 + (data[size - 1] * 131u) % 4096u : 1;
	FUZZ_CHECK(pipe(pfd) == 0);
	w.fd = pfd[1];
	FUZZ_CHECK(pthread_create(&th, NULL, write_pieces, &w) == 0);
	FUZZ_CHECK(hpc_triage_fd(a, pfd[0]) == 0);
	FUZZ_CHECK(pthread_join(th, NULL) == 0);
	close(pfd[0]);
	hpc_triage_finish(a);
	triage_check(a);

	mfd = memfd_create("fuzz-triage", MFD_CLOEXEC);
	FUZZ_CHECK(mfd >= 0);
	FUZZ_CHECK(size == 0 || write(mfd, data, size) == (ssize_t)size);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", mfd);
	FUZZ_CHECK(hpc_triage_file(path, &b) == 0 && b);
	close(mfd);
	triage_same(a, b);
	hpc_triage_free(a);
	hpc_triage_free(b);
	return 0;
}
