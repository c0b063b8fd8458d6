// SPDX-License-Identifier: GPL-2.0
/* hpc-mirror: the device and the memory of each kind (see mirror.h). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>


#include "mirror.h"

/* ------------------------------------------------------------------ */
/* setup                                                               */

static int skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int skip(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(mw.skip_why, sizeof(mw.skip_why), fmt, ap);
	va_end(ap);
	return EXIT_SKIP;
}

int setup_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay("setup: ", "\n", fmt, ap);
	va_end(ap);
	return EXIT_RUNTIME;
}

static int read_sysfs_u64(const char *path, uint64_t *v)
{
	char buf[64];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	char *end;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	errno = 0;
	*v = strtoull(buf, &end, 0);
	if (errno || end == buf || (*end && *end != '\n'))
		return -1;
	return 0;
}

static int injected_too_often(const char *what)
{
	return setup_error("%s: injected failure %d times, giving up", what,
			   SETUP_TRIES + 1);
}

static int open_device(void)
{
	int fd, r;

	if (setup_injected(FIU_OPEN) < 0)
		return injected_too_often("open " HPC_DEVICE_PATH);
	fd = open(HPC_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (fd < 0 && (errno == ENOENT || errno == ENXIO || errno == ENODEV))
		return skip("no %s (modprobe hpchaos)", HPC_DEVICE_PATH);
	if (fd < 0 && (errno == EACCES || errno == EPERM))
		return skip("cannot open %s: %s (not root?)", HPC_DEVICE_PATH,
			    strerror(errno));
	if (fd < 0)
		return setup_error("open %s: %s", HPC_DEVICE_PATH,
				   strerror(errno));
	mw.fd = fd;
	mw.ver.size = sizeof(mw.ver);
	r = setup_ioctl(HPC_IOC_VERSION, &mw.ver);
	if (r == -INJECTED)
		return injected_too_often("HPC_IOC_VERSION");
	if (r < 0)
		return skip("HPC_IOC_VERSION: %s (another uapi version?)",
			    strerror(-r));
	if (mw.ver.version != HPC_UAPI_VERSION)
		return skip("module uapi version %u, hpc-mirror needs %d",
			    mw.ver.version, HPC_UAPI_VERSION);
	if (mw.ver.page_size != mw.page)
		return setup_error("module page size %u, ours %zu",
				   mw.ver.page_size, mw.page);
	if (!(mw.ver.caps & HPC_CAP_MIRROR))
		return skip("the module has no mirror (caps 0x%llx)",
			    (unsigned long long)mw.ver.caps);
	if ((cfg.op_mask & (1U << OP_SNAPSHOT)) &&
	    !(mw.ver.caps & HPC_CAP_SNAPSHOT))
		return skip("the module cannot snapshot (no HPC_CAP_SNAPSHOT)");
	if ((cfg.op_mask & (1U << OP_VALIDATE)) &&
	    !(mw.ver.caps & HPC_CAP_VALIDATE))
		return skip("the module cannot validate (no HPC_CAP_VALIDATE)");
	return EXIT_OK;
}

/* Provider id must be live and of this kind; 0, or a skip/error. */
static int check_provider(uint32_t id, uint32_t kind, uint64_t caps,
			  const char *what, struct hpc_provider *pi)
{
	int r;

	if ((mw.ver.caps & caps) != caps)
		return skip("the module has no %s provider on this kernel (caps 0x%llx)",
			    what, (unsigned long long)mw.ver.caps);
	memset(pi, 0, sizeof(*pi));
	pi->size = sizeof(*pi);
	pi->op = HPC_POP_INFO;
	pi->id = id;
	r = setup_ioctl(HPC_IOC_PROVIDER, pi);
	if (r == -INJECTED)
		return injected_too_often("HPC_IOC_PROVIDER");
	if (r == -ENOENT || r == -EINVAL || r == -ENODEV ||
	    (r == 0 && pi->state == HPC_PSTATE_NONE))
		return skip("no provider %u", id);
	if (r < 0)
		return setup_error("provider %u: %s", id, strerror(-r));
	if (pi->kind != kind)
		return skip("provider %u (%.32s) is not a %s provider", id,
			    pi->name, what);
	if (pi->state != HPC_PSTATE_LIVE)
		return skip("provider %u (%.32s) is not live (state %u)", id,
			    pi->name, pi->state);
	return EXIT_OK;
}

/* device-dax: size and align from sysfs, an aligned MAP_SHARED mapping */
static int map_devdax(size_t *len, void **m)
{
	char path[160];
	uint64_t devsize, align;
	uintptr_t a;
	size_t head;
	char *res;
	int fd;

	snprintf(path, sizeof(path), "/sys/bus/dax/devices/%s/size",
		 cfg.dax_name);
	if (read_sysfs_u64(path, &devsize) < 0 || devsize == 0)
		return skip("no device-dax %s (%s)", cfg.dax_name, path);
	snprintf(path, sizeof(path), "/sys/bus/dax/devices/%s/align",
		 cfg.dax_name);
	if (read_sysfs_u64(path, &align) < 0 || align < mw.page ||
	    (align & (align - 1)))
		align = DAX_ALIGN;
	if (!cfg.size)
		cfg.size = devsize / align * align;
	if (cfg.size > devsize)
		usage_error("--size: %" PRIu64 " bytes is more than %s has (%" PRIu64 ")",
			    cfg.size, cfg.dax_name, devsize);
	if (!cfg.size || cfg.size % align)
		usage_error("--size: %s needs a multiple of its align (%" PRIu64 " bytes)",
			    cfg.dax_name, align);
	if (setup_injected(FIU_OPEN) < 0)
		return injected_too_often("open device-dax");
	fd = open(cfg.dax_path, O_RDWR | O_CLOEXEC);
	if (fd < 0 && (errno == ENOENT || errno == ENXIO || errno == ENODEV))
		return skip("cannot open %s: %s", cfg.dax_path,
			    strerror(errno));
	if (fd < 0)
		return setup_error("open %s: %s", cfg.dax_path,
				   strerror(errno));
	mw.dax_fd = fd;
	mw.upp = (size_t)(align / mw.page);
	*len = (size_t)cfg.size;
	if (setup_injected(FIU_MMAP) < 0)
		return injected_too_often("mmap");
	/* an aligned hole, then the device mapped into it */
	res = mmap(NULL, *len + (size_t)align, PROT_NONE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (res == MAP_FAILED)
		return setup_error("mmap %zu bytes: %s", *len, strerror(errno));
	a = ((uintptr_t)res + (uintptr_t)align - 1) & ~((uintptr_t)align - 1);
	head = a - (uintptr_t)res;
	*m = mmap((void *)a, *len, PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_FIXED, fd, 0);
	if (*m == MAP_FAILED) {
		int e = errno;

		munmap(res, *len + (size_t)align);
		errno = e;
		return EXIT_OK;
	}
	if (head)
		munmap(res, head);
	if ((size_t)align - head)
		munmap((char *)a + *len, (size_t)align - head);
	return EXIT_OK;
}

static int map_memory(void)
{
	struct hpc_provider pi;
	size_t len = 0;
	void *m = MAP_FAILED;
	char path[64];
	int r;

	switch (cfg.mem) {
	case MEM_NODE:
		snprintf(path, sizeof(path), "/sys/devices/system/node/node%u",
			 cfg.node);
		if (access(path, F_OK) < 0)
			return skip("no NUMA node %u", cfg.node);
		/* fall through */
	case MEM_ANON:
		if (!cfg.size)
			cfg.size = DEFAULT_SIZE;
		if (cfg.size > SIZE_MAX / 2)
			usage_error("--size: too large");
		len = (size_t)((cfg.size + mw.page - 1) / mw.page * mw.page);
		if (setup_injected(FIU_MMAP) < 0)
			return injected_too_often("mmap");
		m = setup_mmap(len, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		break;
	case MEM_DEVDAX:
		r = map_devdax(&len, &m);
		if (r)
			return r;
		break;
	case MEM_PROVIDER:
		r = check_provider(cfg.provider, HPC_PKIND_PCI_BAR,
				   HPC_CAP_PROVIDERS | HPC_CAP_PCI_BAR,
				   "PCI BAR", &pi);
		if (r)
			return r;
		if (!cfg.size)
			cfg.size = pi.pages * mw.page;
		if (!cfg.size || cfg.size > pi.pages * mw.page)
			usage_error("--size: %" PRIu64 " bytes is more than provider %u has (%" PRIu64 ")",
				    cfg.size, cfg.provider,
				    (uint64_t)(pi.pages * mw.page));
		len = (size_t)((cfg.size + mw.page - 1) / mw.page * mw.page);
		if (setup_injected(FIU_MMAP) < 0)
			return injected_too_often("mmap");
		m = setup_mmap(len, PROT_READ | PROT_WRITE, MAP_SHARED, mw.fd,
			       (off_t)HPC_MMAP_OFFSET(cfg.provider));
		break;
	}
	if (m == MAP_FAILED)
		return setup_error("mmap %zu bytes of %s memory: %s", len,
				   mem_names[cfg.mem], strerror(errno));
	mw.base = m;
	mw.npages = len / mw.page;
	cfg.size = len;
	if (cfg.mem == MEM_NODE) {
		r = bind_node(mw.base, len);
		if (r == -EINVAL)
			return skip("NUMA node %u has no memory to bind to",
				    cfg.node);
		if (r < 0)
			return setup_error("mbind node %u: %s", cfg.node,
					   strerror(-r));
	}
	return EXIT_OK;
}

/* Allocate in setup (injected failures retried); NULL: out of memory. */
static void *setup_alloc(size_t n)
{
	void *p;

	if (setup_injected(FIU_ALLOC) < 0) {
		injected_too_often("malloc");
		return NULL;
	}
	p = calloc(1, n);
	if (!p)
		setup_error("out of memory (%zu bytes)", n);
	return p;
}

/* HPC_IOC_OWNER on fd: 0, or a skip/error. */
static int set_owner(int fd, uint32_t owner, const char *which)
{
	struct hpc_owner o = { .size = sizeof(o), .owner = owner };

	if (!(mw.ver.caps & HPC_CAP_OWNERS))
		return skip("the module has no owners on this kernel (no HPC_CAP_OWNERS)");
	if (ioctl(fd, HPC_IOC_OWNER, &o) < 0)
		return setup_error("%s: HPC_IOC_OWNER %u: %s", which, owner,
				   strerror(errno));
	return EXIT_OK;
}

/* --owner, and --peer-owner's second mirror (another device). */
static int setup_owners(void)
{
	int r = EXIT_OK;

	if (cfg.owner)
		r = set_owner(mw.fd, cfg.owner, "--owner");
	if (r || !cfg.peer_owner)
		return r;
	mw.peer_fd = open(HPC_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (mw.peer_fd < 0)
		return setup_error("--peer-owner: open %s: %s", HPC_DEVICE_PATH,
				   strerror(errno));
	return set_owner(mw.peer_fd, cfg.peer_owner, "--peer-owner");
}

/* The device-private providers of a --migrate list: live, of that kind. */
static int setup_migrate(const uint32_t *ids, unsigned int n)
{
	struct hpc_provider pi;
	unsigned int i;
	int r;

	if (n && !(mw.ver.caps & HPC_CAP_MIGRATE))
		return skip("the module cannot migrate on this kernel (no HPC_CAP_MIGRATE)");
	for (i = 0; i < n; i++) {
		r = check_provider(ids[i], HPC_PKIND_DEVICE_PRIVATE,
				   HPC_CAP_PROVIDERS | HPC_CAP_DEVICE_PRIVATE,
				   "device-private", &pi);
		if (r)
			return r;
	}
	return EXIT_OK;
}

int setup(void)
{
	unsigned int i;
	size_t units, per, extra, first = 0;
	int r;

	mw.page = (size_t)sysconf(_SC_PAGESIZE);
	mw.upp = 1;
	r = open_device();
	if (r)
		return r;
	r = setup_owners();
	if (r)
		return r;
	r = setup_migrate(cfg.mig, cfg.nmig);
	if (!r)
		r = setup_migrate(cfg.peer_mig, cfg.npeer_mig);
	if (r)
		return r;
	r = map_memory();
	if (r)
		return r;

	units = mw.npages / mw.upp;
	if (units < cfg.threads)
		usage_error("--size: %" PRIu64 " bytes is too small for %u threads (%zu bytes each at least)",
			    cfg.size, cfg.threads, mw.upp * mw.page);
	mw.nthreads = cfg.threads;
	mw.gen = setup_alloc(mw.npages * sizeof(*mw.gen));
	if (!mw.gen)
		return EXIT_RUNTIME;
	mw.flags = setup_alloc(mw.npages);
	if (!mw.flags)
		return EXIT_RUNTIME;
	mw.w = setup_alloc(mw.nthreads * sizeof(*mw.w));
	if (!mw.w)
		return EXIT_RUNTIME;
	per = units / mw.nthreads;
	extra = units % mw.nthreads;
	for (i = 0; i < mw.nthreads; i++) {
		struct worker *w = &mw.w[i];
		unsigned int k, j;

		w->idx = i;
		w->first = first;
		w->npages = (per + (i < extra ? 1 : 0)) * mw.upp;
		first += w->npages;
		w->rng = hpc_mix64(cfg.seed ^ hpc_mix64(((uint64_t)i + 1) * GOLDEN));
		/* the first pass: every kind once, in a seeded order */
		for (k = 0; k < OP__COUNT; k++)
			if (cfg.op_mask & (1U << k))
				w->pass1[w->npass1++] = (enum op)k;
		for (k = w->npass1; k > 1; k--) {
			enum op t;

			j = (unsigned int)(rnd(w) % k);
			t = w->pass1[k - 1];
			w->pass1[k - 1] = w->pass1[j];
			w->pass1[j] = t;
		}
		w->child = setup_mmap(sizeof(*w->child), PROT_READ | PROT_WRITE,
				      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		if (w->child == MAP_FAILED)
			return setup_error("mmap: %s", strerror(errno));
	}
	return EXIT_OK;
}

