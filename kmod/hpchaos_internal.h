/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hpchaos module internals, shared by its source files.
 *
 * Lock order: the one statement of it, complete; the other files refer
 * here. A lock is only taken while holding locks above it in this list,
 * never one below it (the kernel's own locks are shown where ours meet
 * them, in brackets):
 *
 *   [device_lock(&pdev->dev)]    the PCI core, around the BAR driver's
 *                                probe() (registers a provider) and
 *                                remove() (revokes one, waits for it)
 *   hpc_mirrors_lock             mirror.c: the list of mirrors; a provider's
 *                                loss and return walk it, taking each
 *                                mirror's regions_sem and lock under it
 *   hpc_mirror.regions_sem       read: range operations, a provider's loss;
 *                                write: region removal (RESET, close())
 *   hpc_mirror.create_lock       region creation, notifier insertion
 *   [mm->mmap_lock]              hmm_range_fault(), migrate_vma_*(),
 *                                mmu_interval_notifier_insert() (may take it
 *                                for write), mmap() and the BAR's fault
 *                                handler and vm_ops (held by the core)
 *   hpc_bar.sem                  read: BAR fault and mmap; write: dead
 *   hpc_bar.maps_lock            the address spaces mapping a BAR; zapping
 *                                them takes i_mmap_rwsem below
 *   hpc_devpriv.evict_lock       an eviction's batch arrays
 *   [i_mmap_rwsem, page locks]   unmap_mapping_pages(), migration
 *   [invalidate_range_start]     the kernel's notifier lockdep map: whoever
 *                                zaps, migrates or unmaps may run the
 *                                invalidate callback here
 *   hpc_mirror.lock              the mirror lock: the mirror's page table;
 *                                the only lock the invalidate callback takes
 *                                (trylock when it may not block)
 *
 * Leaf locks: held briefly; none of the locks above (nor another leaf) is
 * taken under them, so they may be taken under any of the above:
 *
 *   hpc_provs_lock               provider.c: the provider table (writers),
 *                                provider states
 *   rcu_read_lock()              provider.c: readers of the provider table
 *                                (hpc_prov_id_of_page(), under the mirror
 *                                lock); synchronize_rcu() runs with no lock
 *                                of ours held
 *   hpc_bar.lock                 the BAR's memmap exists, BAR2 requested;
 *                                held() reads refcounts under it
 *   hpc_devpriv.lock             spinlock: free stack, in-use bitmap, dying,
 *                                allocating; page_free() takes it in
 *                                whatever context drops a page's last
 *                                reference
 *   hpc_fpoint.lock              inject.c: spinlock, a fault point's state
 *                                (fault points run under the mirror lock)
 *   hpc_ring_lock                detect.c: spinlock, the stale-event ring
 *                                (reports run under the mirror lock)
 *   hpc_faulters_lock            mirror.c: spinlock, the mirrors inside
 *                                hmm_range_fault() (migrate_to_ram() looks
 *                                its task up there, in the fault)
 *   hpc_kprobe_lock              inject.c: the kprobe delays; taken by
 *                                its debugfs file and unload only, around
 *                                [un]register_kprobe()
 *
 * Never held across a revocation's ops, a kill or a wait: the provider
 * core calls them with no lock of ours held. mmu_interval_notifier_remove()
 * (which waits for a running callback) and mmu_interval_read_begin() are
 * never called with the mirror lock held (but by the planted
 * begin-under-lock). Nothing is allocated under the mirror lock. The
 * separate module hpchaos_trigger (hpchaos_trigger.c) shares no lock with
 * this one; its ABBA pair of mutexes is wrong on purpose.
 */
#ifndef HPC_INTERNAL_H
#define HPC_INTERNAL_H

#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/kref.h>
#include <linux/ktime.h>
#include <linux/workqueue.h>
#include <linux/list.h>
#include <linux/mmu_notifier.h>
#include <linux/mutex.h>
#include <linux/rwsem.h>
#include <linux/sched.h>
#include <linux/types.h>
#include <linux/xarray.h>

#include "uapi/hpchaos.h"

/* ---- planted bugs (make PLANTED=<name> -> -DHPC_PLANTED_<NAME>) ---- */

#if defined(HPC_PLANTED_NO_READ_RETRY) + defined(HPC_PLANTED_RETRY_BEFORE_LOCK) + \
	defined(HPC_PLANTED_NO_SET_SEQ) + defined(HPC_PLANTED_SLEEP_NONBLOCK) + \
	defined(HPC_PLANTED_FALSE_WHEN_BLOCKABLE) + \
	defined(HPC_PLANTED_BEGIN_UNDER_LOCK) + defined(HPC_PLANTED_NO_EVICT) + \
	defined(HPC_PLANTED_EARLY_PGMAP_PUT) + defined(HPC_PLANTED_ALLOC_FAIL_UAF) + \
	defined(HPC_PLANTED_EVICT_IGNORE_ALLOC) + \
	defined(HPC_PLANTED_FOREIGN_OWNER) + defined(HPC_PLANTED_OWNER_IN_PLACE) + \
	defined(HPC_PLANTED_REOWN_NO_WAIT) > 1
#error "hpchaos: at most one planted bug per build"
#endif

#if defined(HPC_PLANTED_NO_READ_RETRY)
#define HPC_PLANTED_ID		HPC_PLANTED_ID_NO_READ_RETRY
#define HPC_PLANTED_STR		"no-read-retry"
#elif defined(HPC_PLANTED_RETRY_BEFORE_LOCK)
#define HPC_PLANTED_ID		HPC_PLANTED_ID_RETRY_BEFORE_LOCK
#define HPC_PLANTED_STR		"retry-before-lock"
#elif defined(HPC_PLANTED_NO_SET_SEQ)
#define HPC_PLANTED_ID		HPC_PLANTED_ID_NO_SET_SEQ
#define HPC_PLANTED_STR		"no-set-seq"
#elif defined(HPC_PLANTED_SLEEP_NONBLOCK)
#define HPC_PLANTED_ID		HPC_PLANTED_ID_SLEEP_NONBLOCK
#define HPC_PLANTED_STR		"sleep-nonblock"
#elif defined(HPC_PLANTED_FALSE_WHEN_BLOCKABLE)
#define HPC_PLANTED_ID		HPC_PLANTED_ID_FALSE_WHEN_BLOCKABLE
#define HPC_PLANTED_STR		"false-when-blockable"
#elif defined(HPC_PLANTED_BEGIN_UNDER_LOCK)
#define HPC_PLANTED_ID		HPC_PLANTED_ID_BEGIN_UNDER_LOCK
#define HPC_PLANTED_STR		"begin-under-lock"
#elif defined(HPC_PLANTED_NO_EVICT)
#define HPC_PLANTED_ID		HPC_PLANTED_ID_NO_EVICT
#define HPC_PLANTED_STR		"no-evict"
#elif defined(HPC_PLANTED_EARLY_PGMAP_PUT)
#define HPC_PLANTED_ID		HPC_PLANTED_ID_EARLY_PGMAP_PUT
#define HPC_PLANTED_STR		"early-pgmap-put"
#elif defined(HPC_PLANTED_ALLOC_FAIL_UAF)
#define HPC_PLANTED_ID		HPC_PLANTED_ID_ALLOC_FAIL_UAF
#define HPC_PLANTED_STR		"alloc-fail-uaf"
#elif defined(HPC_PLANTED_EVICT_IGNORE_ALLOC)
#define HPC_PLANTED_ID		HPC_PLANTED_ID_EVICT_IGNORE_ALLOC
#define HPC_PLANTED_STR		"evict-ignore-alloc"
#elif defined(HPC_PLANTED_FOREIGN_OWNER)
#define HPC_PLANTED_ID		HPC_PLANTED_ID_FOREIGN_OWNER
#define HPC_PLANTED_STR		"foreign-owner"
#elif defined(HPC_PLANTED_OWNER_IN_PLACE)
#define HPC_PLANTED_ID		HPC_PLANTED_ID_OWNER_IN_PLACE
#define HPC_PLANTED_STR		"owner-in-place"
#elif defined(HPC_PLANTED_REOWN_NO_WAIT)
#define HPC_PLANTED_ID		HPC_PLANTED_ID_REOWN_NO_WAIT
#define HPC_PLANTED_STR		"reown-no-wait"
#else
#define HPC_PLANTED_ID		HPC_PLANTED_NONE
#define HPC_PLANTED_STR		"none"
#endif

/* True in the build that plants bug x (a compile-time constant). */
#define PLANTED(x)		(HPC_PLANTED_ID == HPC_PLANTED_ID_##x)

/* ---- limits ---- */

#define HPC_CHUNK_PAGES		64		/* pages per hmm_range_fault() */
#define HPC_MAX_OP_LEN		(1ULL << 30)	/* bytes per range operation */
#define HPC_MAX_SLEEP_US	60000000U	/* sleeping delays: 60 s */
#define HPC_MAX_UDELAY_US	1000U		/* busy-wait delays: 1 ms */

/* ---- counters ---- */

enum hpc_cnt {
	HPC_C_FAULTS,
	HPC_C_FAULT_PAGES,
	HPC_C_RETRIES_BUSY,
	HPC_C_RETRIES_SEQ,
	HPC_C_RETRY_EXHAUSTED,
	HPC_C_INVALIDATIONS,
	HPC_C_INVAL_EV0,
	HPC_C_INVAL_NONBLOCK = HPC_C_INVAL_EV0 + HPC_NR_EVENTS,
	HPC_C_INVAL_BUSY,
	HPC_C_INVAL_PAGES,
	HPC_C_STALE,
	HPC_C_VALIDATE_PAGES,
	HPC_C_VALIDATE_MISMATCH,
	HPC_C_PAGES_MIRRORED,		/* gauge */
	HPC_C_PAGES_PROGRAMMED,
	HPC_C_REGIONS,			/* gauge */
	HPC_C_READS,
	HPC_C_WRITES,
	HPC_C_BYTES_READ,
	HPC_C_BYTES_WRITTEN,
	HPC_C_RESETS,
	HPC_C_INJECTED,
	HPC_C_LOST,
	HPC_C_MIGRATE_TO_DEVICE,
	HPC_C_MIGRATE_TO_RAM,
	HPC_C_MIGRATE_CROSS,
	HPC_C_OWNER_STALE,
	HPC_C_NR
};

struct hpc_stats {
	atomic64_t c[HPC_C_NR];
	atomic64_t last_addr;		/* last stale-use violation */
	atomic64_t last_seq;
	atomic64_t last_seq_now;
};

extern struct hpc_stats hpc_gstats;

struct hpc_mirror;
struct seq_file;
struct dentry;

void hpc_stat_add(struct hpc_mirror *m, enum hpc_cnt c, s64 v);
static inline void hpc_stat_inc(struct hpc_mirror *m, enum hpc_cnt c)
{
	hpc_stat_add(m, c, 1);
}
void hpc_stats_zero(struct hpc_stats *s);
void hpc_stats_fill(const struct hpc_stats *s, struct hpc_counters *out);

/* ---- the mirror ---- */

/* hpc_pte.flags */
#define HPC_PTE_VALID		(1U << 0)
#define HPC_PTE_WRITE		(1U << 1)
#define HPC_PTE_STALE		(1U << 2)  /* programmed from a stale fault */
#define HPC_PTE_REPORTED	(1U << 3)  /* its violation was reported */

/* One entry of the mirror's page table (protected by hpc_mirror.lock). */
struct hpc_pte {
	unsigned long pfn;
	unsigned long seq;	/* notifier seq of the fault that set it */
	u32 gen;		/* detector generation that fault sampled */
	u32 flags;		/* HPC_PTE_* */
};

/*
 * A region: an aligned, hpc_region_size() bytes long piece of the mirrored
 * address space with its own interval notifier and its own page table.
 * Created on first use, removed by HPC_RESET_REGIONS or close().
 */
struct hpc_region {
	struct mmu_interval_notifier notifier;
	struct hpc_mirror *mirror;
	unsigned long start;
	unsigned long end;
	unsigned long nvalid;		/* valid entries, under mirror lock */
	struct hpc_pte *pte;		/* one per page, under mirror lock */
	atomic_t *gen;			/* detector truth, one per page */
};

struct hpc_mirror {
	struct mm_struct *mm;		/* mmgrab()bed at open */
	struct mutex lock;		/* the mirror lock */
	struct rw_semaphore regions_sem;
	struct mutex create_lock;
	struct xarray regions;		/* index: addr >> hpc_region_shift */
	int state;			/* HPC_STATE_* */
	u32 lost_kind;			/* HPC_PKIND_* that put it in LOST */
	unsigned long prov_used;	/* bit per provider id it mirrored */
	u32 owner;			/* its device's owner, under lock */
	u32 id;
	pid_t pid;
	char comm[TASK_COMM_LEN];
	atomic_t ops;			/* for auto_validate */
	struct hpc_stats stats;
	struct list_head node;		/* hpc_mirrors */
};

extern unsigned int hpc_region_shift;

static inline unsigned long hpc_region_size(void)
{
	return 1UL << hpc_region_shift;
}

/* The region's page index of addr. */
static inline unsigned long hpc_region_idx(const struct hpc_region *reg,
					   unsigned long addr)
{
	return (addr - reg->start) >> PAGE_SHIFT;
}

/* Per-operation results, copied to struct hpc_range_op. */
struct hpc_op_stat {
	u32 faults;
	u32 retries;
	u32 stale;
};

/* Scratch space and results of one range operation (hpchaos_access.c). */
struct hpc_op_ctx {
	unsigned long pfns[HPC_CHUNK_PAGES];
	u32 gens[HPC_CHUNK_PAGES];
	u8 snap[HPC_CHUNK_PAGES];
	u8 *bounce;			/* HPC_CHUNK_PAGES pages or NULL */
	struct hpc_op_stat os;
};

/* hpchaos_mirror.c: the regions and the fault rule */
struct hpc_mirror *hpc_mirror_create(void);
void hpc_mirror_destroy(struct hpc_mirror *m);
int hpc_mirror_reset(struct hpc_mirror *m, struct hpc_reset *r);
int hpc_state_err(struct hpc_mirror *m);
void hpc_mirror_list_show(struct seq_file *s);
/* end of the chunk at addr: inside one region, at most HPC_CHUNK_PAGES */
unsigned long hpc_chunk_end(unsigned long addr, unsigned long end);
/* regions_sem held (read); _get creates the region, _lookup does not */
struct hpc_region *hpc_region_get(struct hpc_mirror *m, unsigned long addr);
struct hpc_region *hpc_region_lookup(struct hpc_mirror *m, unsigned long addr);
int hpc_chunk_fault(struct hpc_mirror *m, struct hpc_region *reg,
		    struct hpc_op_ctx *ctx, unsigned long start,
		    unsigned long end, bool write);
/* on success the mirror lock is HELD */
int hpc_chunk_peek_lock(struct hpc_mirror *m, struct hpc_region *reg,
			struct hpc_op_ctx *ctx, unsigned long start,
			unsigned long end);

/* hpchaos_access.c: the range operations through the mirror */
int hpc_mirror_rw(struct hpc_mirror *m, struct hpc_range_op *op, bool write);
int hpc_mirror_snapshot(struct hpc_mirror *m, struct hpc_range_op *op);
int hpc_mirror_validate(struct hpc_mirror *m, struct hpc_range_op *op);

/* ---- stale-use detector (hpchaos_detect.c) ---- */

void hpc_truth_sample(struct hpc_region *reg, unsigned long start,
		      unsigned long end, u32 *gens);
void hpc_truth_advance(struct hpc_region *reg, unsigned long start,
		       unsigned long end);
static inline u32 hpc_truth_now(struct hpc_region *reg, unsigned long idx)
{
	return (u32)atomic_read(&reg->gen[idx]);
}
void hpc_stale_report(struct hpc_mirror *m, const char *kind,
		      unsigned long addr, unsigned long pfn,
		      unsigned long seq, unsigned long seq_now,
		      u32 gen, u32 gen_now);
void hpc_detect_debugfs(struct dentry *root);

/* ---- injection (hpchaos_inject.c) ---- */

/* debugfs knobs; read with READ_ONCE() */
struct hpc_knobs {
	u32 delay_invalidate_us;	/* in the callback, lock held */
	u32 delay_invalidate_unlocked_us; /* in the callback, after unlock */
	u32 delay_invalidate_events;	/* mask of HPC_EV_* the above hit */
	u32 delay_fault_lock_us;	/* hmm_range_fault() .. mirror lock */
	u32 max_tries;			/* fault rounds per chunk */
	u32 fault_timeout_ms;		/* time bound of the same */
	u32 stale_action;		/* 0: refuse (-ESTALE), 1: use */
	u32 auto_validate;		/* validate every Nth READ/WRITE */
	u32 delay_evict_us;		/* per page a revocation evicts */
	u32 delay_migrate_to_ram_us;	/* in migrate_to_ram(), before copying */
	u32 revoke_timeout_ms;		/* default revocation bound */
	u32 delay_reown_us;		/* REOWN: old pagemap gone .. new one */
};

extern struct hpc_knobs hpc_knobs;

#define HPC_STALE_REFUSE	0
#define HPC_STALE_USE		1

enum hpc_fp {
	HPC_FP_MIRROR_ALLOC,	/* open(): the mirror */
	HPC_FP_REGION_ALLOC,	/* a region and its page table */
	HPC_FP_NOTIFIER_INSERT,	/* mmu_interval_notifier_insert() */
	HPC_FP_OP_ALLOC,	/* a range operation's buffers */
	HPC_FP_RANGE_FAULT,	/* in place of hmm_range_fault() */
	HPC_FP_PROGRAM,		/* programming the mirror's page table */
	HPC_FP_DEV_ALLOC,	/* a device-private page for MIGRATE */
	HPC_FP_BACKING_ALLOC,	/* the system page backing a device page */
	HPC_FP_MIGRATE_SETUP,	/* in place of migrate_vma_setup() */
	HPC_FP_RAM_ALLOC,	/* migrate_to_ram(): the destination page */
	HPC_FP_EVICT_ALLOC,	/* eviction: the destination page */
	HPC_FP_BAR_MAP,		/* mapping a PCI BAR page into user space */
	HPC_FP_REOWN_REGISTER,	/* REOWN: the new pagemap, after the old one went */
	HPC_FP_NR
};

int hpc_fault_point(struct hpc_mirror *m, enum hpc_fp fp);
void hpc_delay_invalidate(bool blockable, unsigned int ev, bool locked);
void hpc_delay_fault_lock(void);
int hpc_inject_init(struct dentry *root);
void hpc_inject_exit(void);
u64 hpc_inject_caps(void);

/* error-injection targets (fail_function), one per fault point */
int hpc_fail_mirror_alloc(void);
int hpc_fail_region_alloc(void);
int hpc_fail_notifier_insert(void);
int hpc_fail_op_alloc(void);
int hpc_fail_range_fault(void);
int hpc_fail_program(void);
int hpc_fail_dev_alloc(void);
int hpc_fail_backing_alloc(void);
int hpc_fail_migrate_setup(void);
int hpc_fail_ram_alloc(void);
int hpc_fail_evict_alloc(void);
int hpc_fail_bar_map(void);
int hpc_fail_reown_register(void);
void hpc_delay_evict(void);
void hpc_delay_migrate_to_ram(void);
void hpc_delay_reown(void);

/* ---- device-memory providers (hpchaos_provider.c) ---- */

struct hpc_prov;
struct dev_pagemap;

/*
 * What a kind of provider does for a revocation. The core
 * (hpchaos_provider.c) runs them in a worker, in this order, and bounds
 * the whole with a timeout:
 *   unmap_user  (cooperative only) zap every user mapping of its memory
 *   evict       (cooperative only) move data out of its pages
 *   kill        memunmap_pages() and release what backs it; may block
 *               until the last page reference is gone
 * held() counts pages still referenced beyond their idle count (for the
 * "stuck" report and the LEAK check); it must not sleep on the provider.
 * rescue() (optional) is called once when a surprise revocation overran
 * its bound: it may evict so that kill can finish.
 * destroy() frees the provider's own memory once it is GONE and unused.
 */
struct hpc_prov_ops {
	void (*unmap_user)(struct hpc_prov *p);
	int (*evict)(struct hpc_prov *p);
	void (*kill)(struct hpc_prov *p);
	unsigned long (*held)(struct hpc_prov *p, unsigned long *first_pfn,
			      int *first_ref);
	void (*rescue)(struct hpc_prov *p);
	void (*destroy)(struct hpc_prov *p);
};

struct hpc_prov {
	u32 id;				/* slot in the provider table */
	u32 kind;			/* HPC_PKIND_* */
	u32 generation;
	int state;			/* HPC_PSTATE_*, under hpc_provs_lock */
	int result;			/* last revocation's result */
	u32 flags;			/* HPC_PFLAG_* of the revocation */
	char name[32];
	const struct hpc_prov_ops *ops;
	struct dev_pagemap *pgmap;	/* NULL until the kind set it up */
	unsigned long npages;
	atomic64_t pages_used;		/* gauge */
	atomic64_t migrate_to_device;
	atomic64_t migrate_to_ram;
	atomic64_t evicted;
	atomic64_t migrate_cross;	/* pages a mirror of another owner pulled */
	u32 owner;			/* HPC owner id of its pages, 0: none */
	struct kref ref;
	u64 revocations;
	u64 revoke_stuck;
	u64 elapsed_us;
	ktime_t revoke_start;
	struct work_struct revoke_work;
	struct completion revoked;	/* done when state is GONE */
	bool rescued;
	bool coop_done;			/* the caller did the cooperative part */
	bool reowning;			/* REOWN under way: INFO says REVOKING */
	void *priv;			/* the kind's own */
};

/* internal revocation flag: REOWN's; mirrors are not put in LOST */
#define HPC_PFLAG_REOWN		(1U << 31)

int hpc_prov_register(struct hpc_prov *p);
int hpc_prov_revoke(struct hpc_prov *p, u32 flags, u32 timeout_ms);
int hpc_prov_wait(struct hpc_prov *p, u32 timeout_ms);
/* planted reown-no-wait only: GONE at once, nothing revoked */
void hpc_prov_mark_gone(struct hpc_prov *p);
/* a REOWN of p starts (true) or failed (false): see hpc_prov_fill() */
void hpc_prov_set_reowning(struct hpc_prov *p, bool on);
void hpc_prov_release(struct hpc_prov *p);
struct hpc_prov *hpc_prov_get(u32 id);	/* takes hpc_prov_put() */
void hpc_prov_put(struct hpc_prov *p);
u32 hpc_prov_id_of_page(struct page *page);	/* RCU, no lock, no sleep */
long hpc_ioc_provider(void __user *uarg);
void hpc_prov_counters(struct hpc_counters *o);
int hpc_prov_init(struct dentry *root);
void hpc_prov_exit(void);

/* Mirrors: provider p was lost; mirrors that used it enter LOST. */
void hpc_mirrors_provider_lost(struct hpc_prov *p);
/* A provider of this kind is back: LOST mirrors of that kind recover. */
void hpc_mirrors_provider_back(struct hpc_prov *p);
void hpc_mirror_used_provider(struct hpc_mirror *m, u32 id);

/* ---- device-private provider (hpchaos_devpriv.c) ---- */

/*
 * Owners (uapi: HPC_MAX_OWNERS): owner id n is the address of
 * hpc_owner_tok[n], the token a pagemap's owner, hmm_range_fault()'s
 * dev_private_owner and migrate_vma.pgmap_owner compare.
 */
extern int hpc_owner_tok[HPC_MAX_OWNERS];

static inline void *hpc_owner_token(u32 owner)
{
	return &hpc_owner_tok[owner < HPC_MAX_OWNERS ? owner : 0];
}

static inline u32 hpc_mirror_owner(struct hpc_mirror *m)
{
	return READ_ONCE(m->owner);
}

/* HPC_IOC_OWNER: 0 reads only; -EBUSY while the mirror holds entries */
int hpc_mirror_set_owner(struct hpc_mirror *m, u32 owner, u32 *old);
/* the detector: is a device-private page m programs or uses m's and live? */
bool hpc_owner_ok(struct hpc_mirror *m, struct page *page);

/*
 * A mirror inside hmm_range_fault(): migrate_to_ram() finds it by task to
 * count a cross-owner migration. On the faulting task's stack.
 */
struct hpc_faulter {
	struct list_head node;
	struct task_struct *task;
	struct hpc_mirror *m;
};

void hpc_faulter_enter(struct hpc_faulter *f, struct hpc_mirror *m);
void hpc_faulter_exit(struct hpc_faulter *f);
/* the mirror current is faulting for, NULL if none: leaf spinlock */
struct hpc_mirror *hpc_faulter_mirror(void);

#if IS_ENABLED(CONFIG_DEVICE_PRIVATE)
int hpc_devpriv_add(unsigned long npages, u32 owner, u32 slot, u32 *id);
int hpc_devpriv_reown(struct hpc_prov *p, u32 owner, u32 timeout_ms);
int hpc_devpriv_migrate(struct hpc_mirror *m, struct hpc_range_op *op);
struct page *hpc_devpriv_backing(struct page *page);
#else
static inline int hpc_devpriv_add(unsigned long npages, u32 owner, u32 slot,
				  u32 *id)
{
	return -EOPNOTSUPP;
}

static inline int hpc_devpriv_reown(struct hpc_prov *p, u32 owner,
				    u32 timeout_ms)
{
	return -EOPNOTSUPP;
}

static inline int hpc_devpriv_migrate(struct hpc_mirror *m,
				      struct hpc_range_op *op)
{
	return -EOPNOTSUPP;
}

static inline struct page *hpc_devpriv_backing(struct page *page)
{
	return NULL;
}
#endif

/* ---- PCI BAR provider (hpchaos_bar.c) ---- */

/*
 * What it needs of the kernel. Without it hpc_bar_* are stubs and the
 * provider reports itself missing: no HPC_CAP_PCI_BAR, bar_map reads
 * "none", a line in the log. How it maps the BAR (devmap ptes or
 * refcounted pages) depends on the kernel too: hpchaos_compat.h.
 */
#define HPC_HAVE_BAR	(IS_ENABLED(CONFIG_PCI) && \
			 IS_ENABLED(CONFIG_ZONE_DEVICE))

int hpc_bar_init(void);
void hpc_bar_exit(void);
/* "devmap", "page" or "none": how user mappings map a BAR */
const char *hpc_bar_mode(void);
/* mmap() of a /dev/hpchaos file at HPC_MMAP_OFFSET(id) */
int hpc_bar_mmap(struct file *file, struct vm_area_struct *vma);

#endif /* HPC_INTERNAL_H */
