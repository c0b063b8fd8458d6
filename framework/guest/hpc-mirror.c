// SPDX-License-Identifier: GPL-2.0
/*
 * hpc-mirror: workload driver for the hpchaos module (/dev/hpchaos).
 *
 * Maps memory of one kind (anonymous, device-dax, bound to a NUMA node, or
 * a PCI BAR provider's), fills it with a seeded pattern and then lets
 * worker threads run a seeded random mix of operations on it through the
 * module's mirror (read, write, snapshot, validate, migrate) and through
 * the CPU (munmap + mmap, mprotect, fork), checking the data as it goes.
 *
 * Every page has a generation kept by the one thread that owns it; its
 * content is a function of (seed, page, generation), so after anything
 * (a revocation, a failed write) every byte can be verified. A write that
 * failed half way leaves its pages "unsure": either the old or the new
 * generation is accepted until the page is written again.
 *
 * Device loss (-ENODEV/-EIO from a range operation, SIGBUS on device
 * memory) ends the loop: with --expect-loss that is the "reset" outcome,
 * else an error. KTAP goes to $HPC_KTAP (else stdout), phase events to the
 * agent's FIFO $HPC_EVENTS, and libfiu points make user space fail on
 * request (--fiu).
 *
 * Exit: 0 ok, 1 runtime error, 2 bad usage, 3 corruption, 4 skipped.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>


#include "mirror/mirror.h"

struct mirror_state mw = { .fd = -1, .peer_fd = -1, .dax_fd = -1, .ev_fd = -1,
			   .lock = PTHREAD_MUTEX_INITIALIZER };

atomic_int stop, lost;
atomic_uint filled, passed, finished;
atomic_ullong n_ops, n_reads, n_writes, n_cpu_writes, n_snapshots,
	n_validates, n_migrate_ops, n_migrated, n_munmaps, n_mprotects,
	n_forks, n_stale, n_injected, n_failed, n_errors, n_corrupt_pages,
	n_reports, n_notes, n_events_dropped;

/* ------------------------------------------------------------------ */
/* after the loop                                                      */

struct verify_res {
	size_t checked, lost_pages, unmapped;
	unsigned long long corrupt_before;
	int mirror_checked;
};

static void verify_all(struct verify_res *v)
{
	struct hpc_counters c;
	char *buf;

	v->corrupt_before = atomic_load(&n_corrupt_pages);
	for (size_t p = 0; p < mw.npages; p++) {
		struct cpu_job j = { .first = p, .n = 1, .full = 1,
				     .check = "verify" };

		if (mw.flags[p] & PF_UNMAPPED) {
			v->unmapped++;
			continue;
		}
		if (guarded(cpu_check_fn, &j) < 0) {
			v->lost_pages++;
			continue;
		}
		v->checked++;
	}
	if (v->lost_pages && !atomic_load(&lost))
		lose("SIGBUS on %zu pages while verifying", v->lost_pages);
	/* and through the mirror, when it still works */
	if (atomic_load(&lost) || get_counters(&c) < 0 ||
	    c.state != HPC_STATE_ACTIVE)
		return;
	buf = malloc(VERIFY_CHUNK * mw.page);
	if (!buf)
		return;
	for (size_t p = 0; p < mw.npages; p += VERIFY_CHUNK) {
		size_t n = mw.npages - p < VERIFY_CHUNK ? mw.npages - p :
			   VERIFY_CHUNK, i;
		struct hpc_range_op op;
		int skip_chunk = 0, r;

		for (i = 0; i < n; i++)
			if (mw.flags[p + i] & PF_UNMAPPED)
				skip_chunk = 1;
		if (skip_chunk)
			continue;
		/* injected failures and retry exhaustion: try again */
		for (int t = 0; t <= SETUP_TRIES; t++) {
			r = range_op(HPC_IOC_READ, p, n, buf, 0,
				     HPC_PROV_SYSTEM, &op);
			if (r == -INJECTED)
				atomic_fetch_add(&n_injected, 1);
			else if (r != -EBUSY)
				break;
		}
		if (r == -INJECTED || r == -EBUSY) {
			note("verify: mirror read of 0x%" PRIxPTR " kept failing (%s), not checked through the mirror",
			     (uintptr_t)page_addr(p),
			     r == -EBUSY ? strerror(EBUSY) : "injected");
			free(buf);
			return;
		}
		if (classify(r, "verify read", p, n) != RES_OK) {
			free(buf);
			return;
		}
		for (i = 0; i < n; i++)
			check_page((const uint64_t *)(buf + i * mw.page),
				   (uintptr_t)page_addr(p + i), p + i, 1,
				   "verify-mirror");
	}
	v->mirror_checked = 1;
	free(buf);
}

static double secs(uint64_t ns)
{
	return (double)ns / 1e9;
}

static const char *ops_list(char *buf, size_t cap)
{
	size_t n = 0;

	buf[0] = '\0';
	for (unsigned int i = 0; i < cfg.nops && n + 12 < cap; i++)
		n += (size_t)snprintf(buf + n, cap - n, "%s%s", i ? "," : "",
				      op_names[cfg.ops[i]]);
	return buf;
}

static void install_handlers(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigbus;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static int setup_fiu(void)
{
	fiu_set_prng_seed((unsigned int)hpc_mix64(cfg.seed));
	if (fiu_init(0) < 0)
		return setup_error("fiu_init failed");
	for (unsigned int i = 0; i < cfg.nfiu; i++) {
		const struct fiu_spec *f = &cfg.fiu[i];
		int r = f->prob > 0 && f->prob < 1 ?
			fiu_enable_random(f->name, 1, NULL, 0, (float)f->prob) :
			fiu_enable(f->name, 1, NULL, 0);

		if (r < 0)
			return setup_error("cannot enable fault point %s",
					   f->name);
	}
	return EXIT_OK;
}

/* KTAP to $HPC_KTAP (else stdout): the version, the plan, the options. */
static void ktap_start(void)
{
	char opsbuf[MAX_OPS_LIST * 10];
	const char *kpath = getenv("HPC_KTAP");

	if (kpath && *kpath && strnlen(kpath, 4096) < 4096) {
		mw.ktap = fopen(kpath, "we");
		if (!mw.ktap)
			fprintf(stderr, "hpc-mirror: %s: %s (KTAP to stdout)\n",
				kpath, strerror(errno));
	}
	ktap("KTAP version 1");
	ktap("1..4");
	ktap("# hpc-mirror: seed=%" PRIu64 " mem=%s threads=%u ops=%s verify=%d expect-loss=%d",
	     cfg.seed, mem_names[cfg.mem], cfg.threads,
	     ops_list(opsbuf, sizeof(opsbuf)), cfg.verify, cfg.expect_loss);
}

/* Setup skipped (EXIT_SKIP) or failed: every result says so; rc. */
static int setup_failed(int rc)
{
	const char *why = rc == EXIT_SKIP ? mw.skip_why : "setup failed";

	if (rc == EXIT_SKIP) {
		fprintf(stderr, "hpc-mirror: SKIP: %s\n", mw.skip_why);
		ktap_result("setup", 2, mw.skip_why);
	} else {
		ktap_result("setup", 1, NULL);
	}
	ktap_result("workload", 2, why);
	ktap_result("verify", 2, why);
	ktap_result("counters", 2, why);
	printf("hpc-mirror: ops=0 reads=0 writes=0 migrations=0 stale=0 injected=%llu failed=0 outcome=%s\n",
	       (unsigned long long)atomic_load(&n_injected),
	       rc == EXIT_SKIP ? "skip" : "error");
	return rc;
}

/* The run's parameters, on stdout. */
static void print_config(void)
{
	char opsbuf[MAX_OPS_LIST * 10];

	printf("hpc-mirror: seed=%" PRIu64 " mem=%s%s%s size=%" PRIu64
	       " pages=%zu threads=%u ops=%s verify=%d",
	       cfg.seed, mem_names[cfg.mem],
	       cfg.mem == MEM_DEVDAX ? ":" : "",
	       cfg.mem == MEM_DEVDAX ? cfg.dax_path : "", cfg.size, mw.npages,
	       mw.nthreads, ops_list(opsbuf, sizeof(opsbuf)), cfg.verify);
	if (cfg.mem == MEM_NODE)
		printf(" node=%u", cfg.node);
	if (cfg.mem == MEM_PROVIDER)
		printf(" provider=%u", cfg.provider);
	if (cfg.migrate)
		printf(" migrate=%u", cfg.migrate);
	if (cfg.duration_ns)
		printf(" duration=%.3fs\n", secs(cfg.duration_ns));
	else
		printf(" iterations=%" PRIu64 "\n", cfg.iterations);
}

/* Phase events sent so far. */
struct phases {
	int started, loop, reset;
	unsigned long long hwpoison;	/* BUS_MCEERR_AO reports printed */
};

/* A new early memory-failure report: said, and the event P-hwpoison. */
static void hwpoison_tick(struct phases *ph)
{
	unsigned long long n = atomic_load(&n_hwpoison_ao);
	uintptr_t a = atomic_load(&hwpoison_addr);

	if (n == ph->hwpoison)
		return;
	ph->hwpoison = n;
	printf("hwpoison: SIGBUS BUS_MCEERR_AO %llu at %#lx (mapping offset %#lx, lsb %d)\n", n,
	       (unsigned long)a, (unsigned long)(a - (uintptr_t)mw.base), atomic_load(&hwpoison_lsb));
	event("hwpoison", "offset=%#lx", (unsigned long)(a - (uintptr_t)mw.base));
}

/* One look at the running workers: the duration, phase events, progress. */
static void loop_tick(uint64_t t0, uint64_t *next_progress, struct phases *ph)
{
	uint64_t now = hpc_mono_ns();

	if (cfg.duration_ns && now - t0 >= cfg.duration_ns)
		atomic_store(&stop, 1);
	if (!ph->started && atomic_load(&filled) == mw.nthreads) {
		event("started", "seed=%" PRIu64 " mem=%s threads=%u",
		      cfg.seed, mem_names[cfg.mem], mw.nthreads);
		ph->started = 1;
	}
	if (!ph->loop && atomic_load(&passed) == mw.nthreads) {
		event("loop", "ops=%llu", (unsigned long long)atomic_load(&n_ops));
		ph->loop = 1;
	}
	if (!ph->reset && atomic_load(&lost)) {
		pthread_mutex_lock(&mw.lock);
		event("reset", "%s", mw.lost_why);
		pthread_mutex_unlock(&mw.lock);
		outcome_event("reset");
		ph->reset = 1;
	}
	hwpoison_tick(ph);
	if (now >= *next_progress) {
		printf("progress: elapsed=%.1fs ops=%llu reads=%llu writes=%llu\n",
		       secs(now - t0),
		       (unsigned long long)atomic_load(&n_ops),
		       (unsigned long long)atomic_load(&n_reads),
		       (unsigned long long)atomic_load(&n_writes));
		*next_progress += 1000000000ULL;
	}
}

/* The worker threads, from start to end; how many started. */
static unsigned int run_workers(uint64_t t0)
{
	struct phases ph = { 0 };
	uint64_t next_progress = t0 + 1000000000ULL;
	unsigned int i, started;
	int rc;

	for (started = 0; started < mw.nthreads; started++) {
		rc = pthread_create(&mw.w[started].tid, NULL, worker_main,
				    &mw.w[started]);
		if (rc) {
			runtime_error("pthread_create: %s", strerror(rc));
			break;
		}
	}
	while (atomic_load(&finished) < started) {
		struct timespec ts = { 0, 20 * 1000 * 1000 };

		nanosleep(&ts, NULL);
		loop_tick(t0, &next_progress, &ph);
	}
	for (i = 0; i < started; i++)
		pthread_join(mw.w[i].tid, NULL);
	if (!ph.loop && atomic_load(&passed) == mw.nthreads)
		event("loop", "ops=%llu", (unsigned long long)atomic_load(&n_ops));
	if (!ph.reset && atomic_load(&lost)) {
		event("reset", "%s", mw.lost_why);
		outcome_event("reset");
	}
	return started;
}

/* The workload's KTAP result; 1 if it failed. */
static int report_workload(uint64_t t0, unsigned int started)
{
	int bad;

	if (atomic_load(&lost))
		printf("hpc-mirror: device lost: %s\n", mw.lost_why);
	bad = atomic_load(&n_errors) || atomic_load(&n_corrupt_pages) ||
	      (atomic_load(&lost) && !cfg.expect_loss) || started < mw.nthreads;
	ktap("# workload: %.1fs ops=%llu reads=%llu writes=%llu cpu_writes=%llu snapshots=%llu validates=%llu migrate_ops=%llu munmaps=%llu mprotects=%llu forks=%llu",
	     secs(hpc_mono_ns() - t0), (unsigned long long)atomic_load(&n_ops),
	     (unsigned long long)atomic_load(&n_reads),
	     (unsigned long long)atomic_load(&n_writes),
	     (unsigned long long)atomic_load(&n_cpu_writes),
	     (unsigned long long)atomic_load(&n_snapshots),
	     (unsigned long long)atomic_load(&n_validates),
	     (unsigned long long)atomic_load(&n_migrate_ops),
	     (unsigned long long)atomic_load(&n_munmaps),
	     (unsigned long long)atomic_load(&n_mprotects),
	     (unsigned long long)atomic_load(&n_forks));
	ktap("# workload: injected=%llu failed=%llu errors=%llu corrupt_pages=%llu hwpoison_ao=%llu lost=%d%s%s",
	     (unsigned long long)atomic_load(&n_injected),
	     (unsigned long long)atomic_load(&n_failed),
	     (unsigned long long)atomic_load(&n_errors),
	     (unsigned long long)atomic_load(&n_corrupt_pages),
	     (unsigned long long)atomic_load(&n_hwpoison_ao),
	     atomic_load(&lost), atomic_load(&lost) ? " " : "",
	     atomic_load(&lost) ? mw.lost_why : "");
	ktap_result("workload", bad, NULL);
	return bad;
}

/* The final verification (--verify) and its KTAP result. */
static void report_verify(void)
{
	struct verify_res vr = { 0 };
	int was_lost;

	if (!cfg.verify) {
		ktap_result("verify", 2, "no --verify");
		return;
	}
	was_lost = atomic_load(&lost);
	verify_all(&vr);
	ktap("# verify: pages=%zu checked=%zu lost=%zu unmapped=%zu mirror=%s corrupt_pages=%llu",
	     mw.npages, vr.checked, vr.lost_pages, vr.unmapped,
	     vr.mirror_checked ? "checked" : "not usable",
	     atomic_load(&n_corrupt_pages) - vr.corrupt_before);
	ktap_result("verify",
		    atomic_load(&n_corrupt_pages) != vr.corrupt_before ||
		    (!was_lost && atomic_load(&lost) && !cfg.expect_loss),
		    NULL);
}

/*
 * --peer-owner: the peer mirror's counters, shown, and its operations and
 * findings added to c (the workers share their operations between both).
 */
static void add_peer_counters(struct hpc_counters *c)
{
	struct hpc_counters p = { .size = sizeof(p) };

	if (mw.peer_fd < 0)
		return;
	if (ioctl(mw.peer_fd, HPC_IOC_COUNTERS, &p) < 0) {
		ktap("# peer counters: HPC_IOC_COUNTERS: %s", strerror(errno));
		return;
	}
	ktap("# counters: mirror migrate_cross=%llu owner_stale=%llu; peer state=%s reads=%llu writes=%llu stale=%llu validate_mismatch=%llu migrate_to_device=%llu migrate_cross=%llu owner_stale=%llu",
	     (unsigned long long)c->migrate_cross,
	     (unsigned long long)c->owner_stale, state_name(p.state),
	     (unsigned long long)p.reads, (unsigned long long)p.writes,
	     (unsigned long long)p.stale,
	     (unsigned long long)p.validate_mismatch,
	     (unsigned long long)p.migrate_to_device,
	     (unsigned long long)p.migrate_cross,
	     (unsigned long long)p.owner_stale);
	c->reads += p.reads;
	c->writes += p.writes;
	c->stale += p.stale;
	c->validate_mismatch += p.validate_mismatch;
}

/*
 * The module's counters and their KTAP result: 1 if they show a stale use
 * or fewer operations than the workers made; *have_c if they were read.
 */
static int report_counters(struct hpc_counters *c, int *have_c)
{
	int bad;

	*have_c = get_counters(c) == 0;
	if (*have_c)
		ktap("# counters: state=%s faults=%llu retries_seq=%llu retries_busy=%llu invalidations=%llu reads=%llu writes=%llu stale=%llu validate_mismatch=%llu migrate_to_device=%llu migrate_to_ram=%llu evicted=%llu lost=%llu",
		     state_name(c->state), (unsigned long long)c->faults,
		     (unsigned long long)c->retries_seq,
		     (unsigned long long)c->retries_busy,
		     (unsigned long long)c->invalidations,
		     (unsigned long long)c->reads,
		     (unsigned long long)c->writes,
		     (unsigned long long)c->stale,
		     (unsigned long long)c->validate_mismatch,
		     (unsigned long long)c->migrate_to_device,
		     (unsigned long long)c->migrate_to_ram,
		     (unsigned long long)c->evicted, (unsigned long long)c->lost);
	if (*have_c)
		add_peer_counters(c);
	bad = atomic_load(&n_stale) || (*have_c && (c->stale ||
						     c->validate_mismatch));
	if (!*have_c) {
		ktap_result("counters", 2, "HPC_IOC_COUNTERS failed");
		return bad;
	}
	bad = bad || c->reads < atomic_load(&n_reads) ||
	      c->writes < atomic_load(&n_writes);
	ktap_result("counters", bad, NULL);
	return bad;
}

/* The summary line and the "done" event: reset, revoke or ok. */
static void report_outcome(const struct hpc_counters *c, int have_c)
{
	const char *outcome;

	if (atomic_load(&lost))
		outcome = "reset";
	else if (have_c && (c->lost || c->evicted || c->revocations))
		outcome = "revoke";
	else
		outcome = "ok";
	printf("hpc-mirror: ops=%llu reads=%llu writes=%llu migrations=%llu stale=%llu injected=%llu failed=%llu outcome=%s\n",
	       (unsigned long long)atomic_load(&n_ops),
	       (unsigned long long)atomic_load(&n_reads),
	       (unsigned long long)atomic_load(&n_writes),
	       (unsigned long long)atomic_load(&n_migrated),
	       (unsigned long long)atomic_load(&n_stale),
	       (unsigned long long)atomic_load(&n_injected),
	       (unsigned long long)atomic_load(&n_failed), outcome);
	event("done", "outcome=%s", outcome);
}

int main(int argc, char **argv)
{
	struct hpc_counters c;
	uint64_t t0;
	unsigned int started;
	int rc, have_c, wl_bad, cnt_bad;

	hpcg_prog = "hpc-mirror";
	parse_args(argc, argv);
	setvbuf(stdout, NULL, _IOLBF, 0);
	install_handlers();
	ktap_start();
	rc = setup_fiu();
	if (rc == EXIT_OK) {
		events_open();
		rc = setup();
	}
	if (rc != EXIT_OK)
		return setup_failed(rc);
	ktap_result("setup", 0, NULL);
	print_config();

	t0 = hpc_mono_ns();
	started = run_workers(t0);
	wl_bad = report_workload(t0, started);
	report_verify();
	cnt_bad = report_counters(&c, &have_c);
	report_outcome(&c, have_c);
	if (mw.ktap)
		fclose(mw.ktap);

	if (atomic_load(&n_corrupt_pages))
		return EXIT_CORRUPT;
	if (wl_bad || cnt_bad)
		return EXIT_RUNTIME;
	return EXIT_OK;
}
