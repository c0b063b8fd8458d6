// SPDX-License-Identifier: GPL-2.0
/*
 * hpc-mirror-test: device-memory providers. Bad provider and migration
 * arguments (fixture mirror), a live provider of each kind (fixture
 * provider, one variant a kind), and the device-private provider: migration
 * both ways, migrate_to_ram, cooperative and surprise revocation, a
 * revocation racing migration, its fault points and delays (fixture
 * device_private). Part of hpc-mirror-test's one translation unit.
 */

/* Bad provider and migration arguments give errors, never an oops. */
TEST_F(mirror, provider_bad_args)
{
	size_t len = 2 * g.page;
	struct hpc_provider pv;
	char *p = NULL;
	int fd = self->fd;
	int dp = !(g.ver.caps & HPC_CAP_DEVICE_PRIVATE) ? 0 : 1;

	ASSERT_TRUE(fd >= 0);
	ASSERT_TRUE((p = anon(len)) != NULL);
	memset(&pv, 0, sizeof(pv));
	pv.size = sizeof(pv) - 8;
	pv.op = HPC_POP_INFO;
	ASSERT_RET(xioctl(fd, HPC_IOC_PROVIDER, &pv), EINVAL);
	ASSERT_RET(prov_call(fd, 99, 1, 0, 0, NULL), EINVAL);
	ASSERT_RET(prov_call(fd, HPC_POP_INFO, 1, HPC_PFLAG_ASYNC, 0, NULL), EINVAL);
	ASSERT_RET(prov_call(fd, HPC_POP_REVOKE, 1, 0x80, 0, NULL), EINVAL);
	ASSERT_RET(prov_call(fd, HPC_POP_INFO, 0, 0, 0, NULL), ENODEV);
	ASSERT_RET(prov_call(fd, HPC_POP_INFO, HPC_MAX_PROVIDERS, 0, 0, NULL), ENODEV);
	ASSERT_RET(prov_call(fd, HPC_POP_INFO, 0xffffffffu, 0, 0, NULL), ENODEV);
	memset(&pv, 0, sizeof(pv));
	pv.size = sizeof(pv);
	pv.op = HPC_POP_ADD;
	pv.kind = HPC_PKIND_DEVICE_PRIVATE;
	ASSERT_RET(xioctl(fd, HPC_IOC_PROVIDER, &pv), EINVAL);	/* 0 pages */
	pv.pages = 1ULL << 40;
	ASSERT_RET(xioctl(fd, HPC_IOC_PROVIDER, &pv), EINVAL);	/* huge */
	pv.pages = 1;
	pv.kind = HPC_PKIND_PCI_BAR;
	ASSERT_RET(xioctl(fd, HPC_IOC_PROVIDER, &pv), EINVAL);	/* not by ADD */
	pv.kind = HPC_PKIND_DEVICE_PRIVATE;
	pv.reserved[2] = 1;
	ASSERT_RET(xioctl(fd, HPC_IOC_PROVIDER, &pv), EINVAL);
	/* MIGRATE: exactly one direction; a provider only TO_DEVICE */
	ASSERT_RET(migrate(fd, p, len, 0, 0, NULL), EINVAL);
	ASSERT_RET(migrate(fd, p, len, HPC_OP_TO_DEVICE | HPC_OP_TO_SYSTEM, 1, NULL), EINVAL);
	ASSERT_RET(migrate(fd, p, len, HPC_OP_TO_SYSTEM, 1, NULL), EINVAL);
	ASSERT_RET(migrate(fd, p + 1, len, HPC_OP_TO_SYSTEM, 0, NULL), EINVAL);
	ASSERT_RET(range_op(fd, HPC_IOC_READ, p, len, p, 0, NULL), 0);
	if (dp) {
		ASSERT_RET(migrate(fd, p, len, HPC_OP_TO_DEVICE, 0, NULL), ENODEV);
		ASSERT_RET(migrate(fd, p, len, HPC_OP_TO_DEVICE, 15, NULL), ENODEV);
		/* a range with a hole */
		ASSERT_TRUE(munmap(p + g.page, g.page) == 0);
		ASSERT_RET(migrate(fd, p + g.page, g.page, HPC_OP_TO_SYSTEM, 0, NULL), EFAULT);
	} else {
		pv.reserved[2] = 0;
		ASSERT_RET(xioctl(fd, HPC_IOC_PROVIDER, &pv), EOPNOTSUPP);
		ASSERT_RET(migrate(fd, p, len, HPC_OP_TO_DEVICE, 1, NULL), EOPNOTSUPP);
	}
	if (p)
		munmap(p, len);
}

TEST_F(mirror, migrate_unsupported)
{
	size_t len = 2 * g.page;
	char *p = MAP_FAILED;
	int fd = self->fd;

	if (g.ver.caps & HPC_CAP_MIGRATE)
		SKIP(return, "the module can migrate: see device_private");
	ASSERT_TRUE(fd >= 0);
	p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(p != MAP_FAILED);
	ASSERT_RET(range_op(fd, HPC_IOC_MIGRATE, p, len, NULL,
			   HPC_OP_TO_DEVICE, NULL), EOPNOTSUPP);
	if (p != MAP_FAILED)
		munmap(p, len);
}


/* ---- a live provider of each kind ---- */

/*
 * Skips (before any mirror is opened: each test's process pays for its
 * first one) unless a PCI BAR provider can be there: the module has it
 * and an ivshmem-plain device is present.
 */
static void bar_can(struct __test_metadata *_metadata, char *bdf, size_t cap)
{
	if (!(g.ver.caps & HPC_CAP_PCI_BAR))
		SETUP_SKIP("module without the PCI BAR provider");
	bar_pci_dev(bdf, cap);
	if (!bdf[0])
		SETUP_SKIP("no ivshmem-plain device (1af4:1110): no PCI BAR provider");
}

/* The live PCI BAR provider: its id and INFO; fails without one. */
static void bar_live(struct __test_metadata *_metadata, int fd,
		     const char *bdf, uint32_t *id, struct hpc_provider *pi)
{
	uint32_t i;

	for (i = 1; i < HPC_MAX_PROVIDERS; i++)
		if (!prov_info(fd, i, pi) && pi->kind == HPC_PKIND_PCI_BAR &&
		    pi->state == HPC_PSTATE_LIVE) {
			*id = i;
			return;
		}
	ASSERT_TRUE(0)
		TH_LOG("ivshmem-plain device %s is there but no PCI BAR provider is live (see dmesg)",
		       bdf);
}

/* Skips unless kernel and module have the device-private provider. */
static void dp_can(struct __test_metadata *_metadata)
{
	if (!(g.ver.kconfig & HPC_KCONFIG_DEVICE_PRIVATE))
		SETUP_SKIP("kernel without CONFIG_DEVICE_PRIVATE: no device-private provider");
	if (!(g.ver.caps & HPC_CAP_DEVICE_PRIVATE))
		SETUP_SKIP("module without the device-private provider");
}

FIXTURE(provider) {
	int fd;
	uint32_t id;
	struct hpc_provider pi;		/* its INFO at setup */
};

FIXTURE_VARIANT(provider) {
	uint32_t kind;			/* HPC_PKIND_* */
	const char *name_prefix;	/* of its INFO name */
};

FIXTURE_VARIANT_ADD(provider, device_private) {
	.kind = HPC_PKIND_DEVICE_PRIVATE,
	.name_prefix = "",
};

FIXTURE_VARIANT_ADD(provider, pci_bar) {
	.kind = HPC_PKIND_PCI_BAR,
	.name_prefix = "bar:",
};

FIXTURE_SETUP(provider)
{
	char bdf[256] = "";

	test_process_init();
	if (!g.have_dev)
		SETUP_SKIP("%s", no_dev_reason());
	if (variant->kind == HPC_PKIND_PCI_BAR)
		bar_can(_metadata, bdf, sizeof(bdf));
	else
		dp_can(_metadata);
	self->fd = mopen();
	ASSERT_TRUE(self->fd >= 0);
	if (variant->kind == HPC_PKIND_PCI_BAR) {
		bar_live(_metadata, self->fd, bdf, &self->id, &self->pi);
	} else {
		ASSERT_TRUE(!dp_get(self->fd, &self->id));
		ASSERT_RET(prov_info(self->fd, self->id, &self->pi), 0);
	}
}

FIXTURE_TEARDOWN(provider)
{
	undo_run();
	if (self->fd >= 0)
		close(self->fd);
}

/* INFO of a live provider; WAIT with no revocation under way returns at once. */
TEST_F(provider, info)
{
	struct hpc_provider pi;
	uint64_t t0;

	ASSERT_RET(prov_info(self->fd, self->id, &pi), 0);
	diag("provider %u %s: kind %u, %llu pages, generation %u", self->id,
	     pi.name, pi.kind, (unsigned long long)pi.pages, pi.generation);
	ASSERT_EQ(variant->kind, pi.kind);
	ASSERT_TRUE(pi.state == HPC_PSTATE_LIVE);
	ASSERT_TRUE(pi.pages > 0 && pi.generation >= 1);
	ASSERT_TRUEF(!strncmp(pi.name, variant->name_prefix,
			      strlen(variant->name_prefix)),
		     "provider name %s", pi.name);
	t0 = now_ns();
	ASSERT_RET(prov_call(self->fd, HPC_POP_WAIT, self->id, 0, 5000, NULL), 0);
	ASSERT_TRUEF(now_ns() - t0 < 1000000000ULL, "WAIT on a live provider blocked");
}

/* ---- the device-private provider ---- */

/* len bytes of anonymous memory with the pattern of salt */
static char *anon_filled(struct __test_metadata *_metadata, size_t len,
			 uint64_t salt)
{
	char *p = anon(len);

	ASSERT_NE(NULL, p);
	fill(p, len, salt);
	return p;
}

FIXTURE(device_private) {
	int fd;
	uint32_t id;
};

FIXTURE_SETUP(device_private)
{
	test_process_init();
	if (!g.have_dev)
		SETUP_SKIP("%s", no_dev_reason());
	dp_can(_metadata);
	self->fd = mopen();
	ASSERT_TRUE(self->fd >= 0);
	ASSERT_TRUE(!dp_get(self->fd, &self->id));
}

FIXTURE_TEARDOWN(device_private)
{
	undo_run();
	if (self->fd >= 0)
		close(self->fd);
}

TEST_F(device_private, migrate)
{
	size_t n = 16, len = n * g.page;
	char *p = NULL, *buf = malloc(len);
	int fd = self->fd;
	uint64_t moved;
	uint32_t id;

	ASSERT_TRUE(fd >= 0 && buf);
	id = self->id;
	p = anon_filled(_metadata, len, 71);
	ASSERT_RET(migrate(fd, p, len, HPC_OP_TO_DEVICE, id, &moved), 0);
	ASSERT_TRUEF(moved == n, "moved %llu of %zu pages", (unsigned long long)moved, n);
	ASSERT_TRUEF(snap_count(fd, p, len, HPC_SNAP_DEV_PRIVATE) == (long)n,
	       "snapshot does not show %zu device-private pages", n);
	ASSERT_RET(mread(fd, p, len, buf), 0);
	ASSERT_TRUEF(check_fill(buf, len, 71) < 0, "mirror read of device memory differs");
	fill(buf, len, 72);
	ASSERT_RET(mwrite(fd, p, len, buf), 0);
	ASSERT_RET(migrate(fd, p, len, HPC_OP_TO_SYSTEM, 0, &moved), 0);
	ASSERT_TRUEF(moved == n, "moved back %llu of %zu", (unsigned long long)moved, n);
	ASSERT_TRUE(snap_count(fd, p, len, HPC_SNAP_RAM) == (long)n);
	ASSERT_TRUEF(check_fill(p, len, 72) < 0, "CPU does not see the mirror's write");
	if (p)
		munmap(p, len);
	free(buf);
}

/* A CPU touch of a device page brings it back (migrate_to_ram). */
TEST_F(device_private, cpu_fault)
{
	size_t n = 8, len = n * g.page;
	uint64_t t0;
	struct hpc_counters c0, c1;
	struct hpc_provider pi;
	char *p = NULL;
	int fd = self->fd;
	uint64_t moved;
	uint32_t id;

	ASSERT_TRUE(fd >= 0);
	id = self->id;
	p = anon_filled(_metadata, len, 73);
	ASSERT_RET(counters(fd, 1, &c0), 0);
	/* WAIT with no revocation under way returns at once */
	t0 = now_ns();
	ASSERT_RET(prov_call(fd, HPC_POP_WAIT, id, 0, 5000, NULL), 0);
	ASSERT_TRUEF(now_ns() - t0 < 1000000000ULL, "WAIT on a live provider blocked");
	ASSERT_RET(migrate(fd, p, len, HPC_OP_TO_DEVICE, id, &moved), 0);
	ASSERT_TRUE(moved == n);
	ASSERT_TRUEF(check_fill(p, len, 73) < 0, "CPU read after migrate_to_ram differs");
	ASSERT_RET(counters(fd, 1, &c1), 0);
	ASSERT_TRUEF(c1.migrate_to_ram - c0.migrate_to_ram == n,
	       "migrate_to_ram counted %llu, expected %zu",
	       (unsigned long long)(c1.migrate_to_ram - c0.migrate_to_ram), n);
	ASSERT_TRUE(snap_count(fd, p, len, HPC_SNAP_RAM) == (long)n);
	ASSERT_RET(prov_info(fd, id, &pi), 0);
	ASSERT_TRUE(pi.migrate_to_ram >= n && pi.migrate_to_device >= n);
	if (p)
		munmap(p, len);
}

/* After a revocation nothing of the provider may stay referenced. */
static void dp_no_leak(struct __test_metadata *_metadata, int fd, uint32_t id)
{
	struct hpc_counters c;
	struct hpc_provider pi;

	ASSERT_RET(prov_info(fd, id, &pi), 0);
	ASSERT_TRUEF(pi.state == HPC_PSTATE_GONE, "provider state %u, not GONE", pi.state);
	ASSERT_TRUEF(pi.pages_used == 0 && pi.held == 0,
	       "LEAK: %llu pages in use, %llu held after revocation",
	       (unsigned long long)pi.pages_used, (unsigned long long)pi.held);
	ASSERT_RET(counters(fd, 1, &c), 0);
	ASSERT_TRUEF(c.pgmap_refs == 0, "LEAK: %llu pagemap references after revocation",
	       (unsigned long long)c.pgmap_refs);
}

/*
 * Cooperative revocation with data on the device: every page comes back
 * intact, the mirror that used it enters LOST (-ENODEV), nothing leaks,
 * and a re-added provider (re-plug) brings the mirror back.
 */
TEST_F(device_private, revoke)
{
	size_t n = 32, len = n * g.page;
	struct hpc_counters c;
	struct hpc_provider pi;
	char *p = NULL, *buf = malloc(len);
	int fd = self->fd;
	uint64_t moved;
	uint32_t id, id2;

	ASSERT_TRUE(fd >= 0 && buf);
	id = self->id;
	p = anon_filled(_metadata, len, 74);
	ASSERT_RET(migrate(fd, p, len, HPC_OP_TO_DEVICE, id, &moved), 0);
	ASSERT_TRUE(moved == n);
	ASSERT_RET(prov_call(fd, HPC_POP_REVOKE, id, 0, 20000, &pi), 0);
	ASSERT_TRUEF(pi.evicted >= n, "evicted %llu, expected >= %zu",
	       (unsigned long long)pi.evicted, n);
	diag("revoked in %llu us, %llu pages evicted",
	     (unsigned long long)pi.elapsed_us, (unsigned long long)pi.evicted);
	dp_no_leak(_metadata, fd, id);
	ASSERT_RET(counters(fd, 0, &c), 0);
	ASSERT_TRUEF(c.state == HPC_STATE_LOST, "mirror state %u, not LOST", c.state);
	ASSERT_RET(mread(fd, p, len, buf), ENODEV);
	ASSERT_TRUE(snap_count(fd, p, len, HPC_SNAP_RAM) == -1);
	ASSERT_TRUEF(check_fill(p, len, 74) < 0, "CORRUPT: data lost by eviction");
	ASSERT_RET(prov_call(fd, HPC_POP_REVOKE, id, 0, 0, NULL), ENODEV);
	/* re-plug: the same slot, the next generation; the mirror recovers */
	ASSERT_TRUE(!dp_get(fd, &id2));
	ASSERT_TRUE(id2 == id);
	ASSERT_RET(prov_info(fd, id2, &pi), 0);
	ASSERT_TRUE(pi.state == HPC_PSTATE_LIVE && pi.generation >= 2);
	ASSERT_RET(counters(fd, 0, &c), 0);
	ASSERT_TRUEF(c.state == HPC_STATE_ACTIVE, "mirror state %u after re-plug", c.state);
	ASSERT_RET(mread(fd, p, len, buf), 0);
	ASSERT_TRUE(check_fill(buf, len, 74) < 0);
	if (p)
		munmap(p, len);
	free(buf);
}

struct dp_race {
	int fd;
	uint32_t id;
	char *p;
	size_t len;
	atomic_int stop;
	long rounds, enodev, other;
	int other_err;
};

static void *dp_race_worker(void *arg)
{
	struct dp_race *r = arg;
	char *buf = malloc(r->len);

	while (buf && !atomic_load(&r->stop)) {
		int e = migrate(r->fd, r->p, r->len, HPC_OP_TO_DEVICE, r->id, NULL);

		if (!e)
			e = mread(r->fd, r->p, r->len, buf);
		if (!e)
			e = migrate(r->fd, r->p, r->len, HPC_OP_TO_SYSTEM, 0, NULL);
		if (e == -ENODEV) {
			r->enodev++;
			break;
		}
		if (e && e != -EBUSY && e != -ENOMEM) {
			r->other++;
			r->other_err = e;
		}
		r->rounds++;
	}
	free(buf);
	return NULL;
}

/* An asynchronous revocation raced against migration and mirror reads. */
TEST_F(device_private, revoke_race)
{
	size_t n = 64, len = n * g.page;
	struct dp_race r = { .fd = -1, .len = len };
	struct hpc_provider pi;
	pthread_t tid;

	r.fd = self->fd;
	r.id = self->id;
	ASSERT_TRUE(r.fd >= 0);
	ASSERT_TRUE((r.p = anon(len)) != NULL);
	fill(r.p, len, 75);
	ASSERT_TRUE(pthread_create(&tid, NULL, dp_race_worker, &r) == 0);
	usleep(300000);
	ASSERT_RET(prov_call(r.fd, HPC_POP_REVOKE, r.id, HPC_PFLAG_ASYNC, 0, &pi), 0);
	ASSERT_RET(prov_call(r.fd, HPC_POP_WAIT, r.id, 0, 20000, &pi), 0);
	atomic_store(&r.stop, 1);
	pthread_join(tid, NULL);
	diag("%ld rounds before the revocation, %llu pages evicted in %llu us",
	     r.rounds, (unsigned long long)pi.evicted,
	     (unsigned long long)pi.elapsed_us);
	ASSERT_TRUEF(!r.other, "%ld unexpected errors, last %s", r.other,
	       strerror(-r.other_err));
	dp_no_leak(_metadata, r.fd, r.id);
	ASSERT_TRUEF(check_fill(r.p, len, 75) < 0, "CORRUPT: data lost in the race");
	munmap(r.p, len);
}

/*
 * Surprise: memunmap_pages() with pages still in use blocks (each holds a
 * pagemap reference). Over the bound the module reports it and rescues by
 * evicting; the revocation then finishes and nothing is lost or leaked.
 */
TEST_F(device_private, surprise)
{
	size_t n = 8, len = n * g.page;
	struct hpc_provider pi;
	char *p = NULL;
	int fd = self->fd, r;
	uint64_t moved;
	uint32_t id;

	ASSERT_TRUE(fd >= 0);
	id = self->id;
	p = anon_filled(_metadata, len, 76);
	ASSERT_RET(migrate(fd, p, len, HPC_OP_TO_DEVICE, id, &moved), 0);
	ASSERT_TRUE(moved == n);
	r = prov_call(fd, HPC_POP_REVOKE, id, HPC_PFLAG_SURPRISE, 1000, &pi);
	ASSERT_TRUEF(r == -ETIMEDOUT, "surprise revoke with pages in use: %s, expected it to block past its bound",
	       r ? strerror(-r) : "done at once");
	ASSERT_RET(prov_call(fd, HPC_POP_WAIT, id, 0, 20000, &pi), 0);
	ASSERT_TRUE(pi.state == HPC_PSTATE_GONE && pi.revoke_stuck == 0);
	dp_no_leak(_metadata, fd, id);
	ASSERT_TRUEF(check_fill(p, len, 76) < 0, "CORRUPT after the rescue");
	if (p)
		munmap(p, len);
}

/* The fault points and delays of the device-memory paths. */
TEST_F(device_private, faults)
{
	size_t n = 8, len = n * g.page;
	struct hpc_provider pi;
	struct knob k = { 0 };
	char *p = NULL;
	int fd = self->fd, r;
	uint64_t moved, t0, dt;
	uint32_t id;

	if (!g.have_dbg)
		SKIP(return, "no %s (debugfs)", HPC_DEBUGFS_DIR);
	ASSERT_TRUE(fd >= 0);
	id = self->id;
	p = anon_filled(_metadata, len, 77);

	/* one device page cannot be had: one page stays in system memory */
	ASSERT_TRUE(!fp_write("dev_alloc", "nth=1"));
	ASSERT_RET(migrate(fd, p, len, HPC_OP_TO_DEVICE, id, &moved), 0);
	ASSERT_TRUEF(moved == n - 1, "dev_alloc: moved %llu", (unsigned long long)moved);
	/* its backing page cannot be had: the same, through the free path */
	ASSERT_RET(migrate(fd, p, len, HPC_OP_TO_SYSTEM, 0, NULL), 0);
	ASSERT_TRUE(!fp_write("backing_alloc", "nth=1"));
	ASSERT_RET(migrate(fd, p, len, HPC_OP_TO_DEVICE, id, &moved), 0);
	ASSERT_TRUEF(moved == n - 1, "backing_alloc: moved %llu", (unsigned long long)moved);
	/* migrate_vma_setup() fails: the operation says so */
	ASSERT_TRUE(!fp_write("migrate_setup", "nth=1"));
	ASSERT_RET(migrate(fd, p, len, HPC_OP_TO_SYSTEM, 0, NULL), EBUSY);
	ASSERT_RET(migrate(fd, p, len, HPC_OP_TO_SYSTEM, 0, NULL), 0);
	/* migrate_to_ram() short of memory: the CPU fault is retried */
	ASSERT_RET(migrate(fd, p, len, HPC_OP_TO_DEVICE, id, &moved), 0);
	ASSERT_TRUE(!fp_write("ram_alloc", "nth=1"));
	ASSERT_TRUE(knob_set(&k, "delay_migrate_to_ram_us", 100000) == 0);
	t0 = now_ns();
	ASSERT_TRUEF(check_fill(p, g.page, 77) < 0, "CORRUPT after a retried migrate_to_ram");
	dt = now_ns() - t0;
	knob_restore(&k);
	ASSERT_TRUEF(dt >= 100000000ULL, "delay_migrate_to_ram_us: the fault took %llu us",
	       (unsigned long long)(dt / 1000));
	/* eviction short of memory: retried, then the revocation says so */
	ASSERT_TRUE(!fp_write("evict_alloc", "probability=1 times=3"));
	r = prov_call(fd, HPC_POP_REVOKE, id, 0, 20000, &pi);
	fp_write("evict_alloc", "off");
	ASSERT_TRUEF(r == -ENOMEM, "revoke with eviction failing: %d, expected -ENOMEM", r);
	ASSERT_TRUE(pi.state == HPC_PSTATE_LIVE);
	/* all on the device again, then a revocation with a per-page delay */
	ASSERT_RET(migrate(fd, p, len, HPC_OP_TO_DEVICE, id, &moved), 0);
	ASSERT_RET(prov_info(fd, id, &pi), 0);
	ASSERT_TRUEF(pi.pages_used >= n - 1, "%llu pages on the device", (unsigned long long)pi.pages_used);
	ASSERT_TRUE(knob_set(&k, "delay_evict_us", 20000) == 0);
	t0 = now_ns();
	r = prov_call(fd, HPC_POP_REVOKE, id, 0, 20000, &pi);
	dt = now_ns() - t0;
	knob_restore(&k);
	ASSERT_RET(r, 0);
	ASSERT_TRUEF(dt >= (n - 1) * 20000000ULL && pi.evicted >= n - 1, "delay_evict_us: revoke took %llu us",
	       (unsigned long long)(dt / 1000));
	dp_no_leak(_metadata, fd, id);
	ASSERT_TRUEF(check_fill(p, len, 77) < 0, "CORRUPT after eviction");
	knob_restore(&k);
	if (p)
		munmap(p, len);
}

