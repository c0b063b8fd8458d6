// SPDX-License-Identifier: GPL-2.0
/*
 * hpchaos mirror engine: one mirror of a process address space per open
 * file, kept the way an HMM device driver keeps its device page table.
 *
 * The mirrored address space is cut into aligned regions of
 * hpc_region_size() bytes, created on first use, each with its own
 * mmu_interval_notifier and its own array of entries (the mirror's "page
 * table"). A fault follows the kernel rule exactly:
 *
 *	seq = mmu_interval_read_begin(notifier)
 *	mmap_read_lock; hmm_range_fault(); mmap_read_unlock  (-EBUSY: again)
 *	mutex_lock(mirror lock)
 *	if (mmu_interval_read_retry(notifier, seq)) unlock, again
 *	program the entries, unlock
 *
 * (one range walk, hpc_range_walk(), serves it and the look without
 * faulting), and the invalidate callback takes the same lock (trylock when
 * the range is not blockable), calls mmu_interval_set_seq() and clears the
 * entries. The planted bugs of this protocol (PLANTED(x)) break exactly one
 * step each, and stay in this file (runner/tests/01-static.t builds the
 * objects that read them for every variant). The range operations that
 * use all this (READ, WRITE, SNAPSHOT, VALIDATE) are in hpchaos_access.c;
 * the list of mirrors and what a provider's loss does to them are here.
 */
#define pr_fmt(fmt) "hpchaos: " fmt

#include <linux/delay.h>
#include <linux/err.h>
#include <linux/hmm.h>
#include <linux/jiffies.h>
#include <linux/memremap.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/mmu_notifier.h>
#include <linux/pgtable.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/xarray.h>

#include "hpchaos_internal.h"

static LIST_HEAD(hpc_mirrors);
static DEFINE_MUTEX(hpc_mirrors_lock);
static atomic_t hpc_mirror_ids = ATOMIC_INIT(0);

/* planted sleep-nonblock: how long it sleeps where it must not */
#define HPC_PLANTED_SLEEP_US	100

/* Owner tokens: hpchaos_internal.h, hpc_owner_token(). */
int hpc_owner_tok[HPC_MAX_OWNERS];

/* The mirrors inside hmm_range_fault() now (struct hpc_faulter). */
static LIST_HEAD(hpc_faulters);
static DEFINE_SPINLOCK(hpc_faulters_lock);

void hpc_faulter_enter(struct hpc_faulter *f, struct hpc_mirror *m)
{
	f->task = current;
	f->m = m;
	spin_lock(&hpc_faulters_lock);
	list_add(&f->node, &hpc_faulters);
	spin_unlock(&hpc_faulters_lock);
}

void hpc_faulter_exit(struct hpc_faulter *f)
{
	spin_lock(&hpc_faulters_lock);
	list_del(&f->node);
	spin_unlock(&hpc_faulters_lock);
}

/*
 * The mirror current faults for. It stays valid while current is in the
 * fault: its file is open in the ioctl that faults.
 */
struct hpc_mirror *hpc_faulter_mirror(void)
{
	struct hpc_faulter *f;
	struct hpc_mirror *m = NULL;

	spin_lock(&hpc_faulters_lock);
	list_for_each_entry(f, &hpc_faulters, node)
		if (f->task == current) {
			m = f->m;
			break;
		}
	spin_unlock(&hpc_faulters_lock);
	return m;
}

/* The error a range operation gets in a state other than ACTIVE. */
int hpc_state_err(struct hpc_mirror *m)
{
	return READ_ONCE(m->state) == HPC_STATE_LOST ? -ENODEV : -EIO;
}

static unsigned int hpc_event_index(enum mmu_notifier_event ev)
{
	switch (ev) {
	case MMU_NOTIFY_UNMAP:
		return HPC_EV_UNMAP;
	case MMU_NOTIFY_CLEAR:
		return HPC_EV_CLEAR;
	case MMU_NOTIFY_PROTECTION_VMA:
		return HPC_EV_PROTECTION_VMA;
	case MMU_NOTIFY_PROTECTION_PAGE:
		return HPC_EV_PROTECTION_PAGE;
	case MMU_NOTIFY_SOFT_DIRTY:
		return HPC_EV_SOFT_DIRTY;
	case MMU_NOTIFY_RELEASE:
		return HPC_EV_RELEASE;
	case MMU_NOTIFY_MIGRATE:
		return HPC_EV_MIGRATE;
	case MMU_NOTIFY_EXCLUSIVE:
		return HPC_EV_EXCLUSIVE;
	default:
		return HPC_EV_OTHER;
	}
}


/* End of the chunk that starts at addr: one region, HPC_CHUNK_PAGES. */
unsigned long hpc_chunk_end(unsigned long addr, unsigned long end)
{
	unsigned long rend = (addr | (hpc_region_size() - 1)) + 1;
	unsigned long cend = addr + (HPC_CHUNK_PAGES << PAGE_SHIFT);

	if (!rend)
		rend = end;
	return min3(end, rend, cend);
}

/* Clear the entries of reg in [start, end); returns how many were valid. */
static unsigned long hpc_region_clear(struct hpc_mirror *m,
				      struct hpc_region *reg,
				      unsigned long start, unsigned long end)
{
	unsigned long i, last, cleared = 0;

	lockdep_assert_held(&m->lock);
	start = max(start, reg->start);
	end = min(end, reg->end);
	if (start >= end)
		return 0;
	last = hpc_region_idx(reg, end);
	for (i = hpc_region_idx(reg, start); i < last; i++) {
		if (reg->pte[i].flags & HPC_PTE_VALID)
			cleared++;
		reg->pte[i].flags = 0;
		reg->pte[i].pfn = 0;
	}
	reg->nvalid -= cleared;
	hpc_stat_add(m, HPC_C_PAGES_MIRRORED, -(s64)cleared);
	return cleared;
}

/*
 * The driver's part of an invalidation. *advanced tells whether the
 * detector's truth was advanced here, under the mirror lock.
 */
static bool hpc_driver_invalidate(struct hpc_region *reg,
				  const struct mmu_notifier_range *range,
				  unsigned long cur_seq, bool *advanced)
{
	struct hpc_mirror *m = reg->mirror;
	bool blockable = mmu_notifier_range_blockable(range);
	unsigned int ev = hpc_event_index(range->event);
	unsigned long cleared;

	if (PLANTED(FALSE_WHEN_BLOCKABLE) && blockable)
		return false;

	if (blockable || PLANTED(SLEEP_NONBLOCK))
		mutex_lock(&m->lock);
	else if (!mutex_trylock(&m->lock))
		return false;

	if (PLANTED(SLEEP_NONBLOCK) && !blockable)
		usleep_range(HPC_PLANTED_SLEEP_US, 2 * HPC_PLANTED_SLEEP_US);

	if (!PLANTED(NO_SET_SEQ))
		mmu_interval_set_seq(&reg->notifier, cur_seq);
	cleared = hpc_region_clear(m, reg, range->start, range->end);
	hpc_stat_add(m, HPC_C_INVAL_PAGES, cleared);
	hpc_truth_advance(reg, range->start, range->end);
	*advanced = true;
	hpc_delay_invalidate(blockable, ev, true);
	mutex_unlock(&m->lock);
	hpc_delay_invalidate(blockable, ev, false);
	return true;
}

static bool hpc_region_invalidate(struct mmu_interval_notifier *mni,
				  const struct mmu_notifier_range *range,
				  unsigned long cur_seq)
{
	struct hpc_region *reg = container_of(mni, struct hpc_region,
					      notifier);
	struct hpc_mirror *m = reg->mirror;
	bool blockable = mmu_notifier_range_blockable(range);
	bool advanced = false;
	bool ret;

	hpc_stat_inc(m, HPC_C_INVALIDATIONS);
	hpc_stat_inc(m, HPC_C_INVAL_EV0 + hpc_event_index(range->event));
	if (!blockable)
		hpc_stat_inc(m, HPC_C_INVAL_NONBLOCK);

	ret = hpc_driver_invalidate(reg, range, cur_seq, &advanced);
	if (!ret)
		hpc_stat_inc(m, HPC_C_INVAL_BUSY);
	/*
	 * The detector's record that the range changed. The kernel goes
	 * ahead when the callback says true, and also (with a WARN) when it
	 * says false for a blockable range.
	 */
	if ((ret || blockable) && !advanced)
		hpc_truth_advance(reg, range->start, range->end);
	return ret;
}

static const struct mmu_interval_notifier_ops hpc_region_ops = {
	.invalidate = hpc_region_invalidate,
};

static void hpc_region_free(struct hpc_region *reg)
{
	kvfree(reg->gen);
	kvfree(reg->pte);
	kfree(reg);
}

static struct hpc_region *hpc_region_create(struct hpc_mirror *m,
					    unsigned long start)
{
	unsigned long npages = hpc_region_size() >> PAGE_SHIFT;
	struct hpc_region *reg;
	int ret;

	ret = hpc_fault_point(m, HPC_FP_REGION_ALLOC);
	if (ret)
		return ERR_PTR(ret);
	reg = kzalloc(sizeof(*reg), GFP_KERNEL);
	if (!reg)
		return ERR_PTR(-ENOMEM);
	reg->pte = kvcalloc(npages, sizeof(*reg->pte), GFP_KERNEL);
	reg->gen = kvcalloc(npages, sizeof(*reg->gen), GFP_KERNEL);
	if (!reg->pte || !reg->gen) {
		hpc_region_free(reg);
		return ERR_PTR(-ENOMEM);
	}
	reg->mirror = m;
	reg->start = start;
	reg->end = start + hpc_region_size();

	ret = hpc_fault_point(m, HPC_FP_NOTIFIER_INSERT);
	if (!ret)
		ret = mmu_interval_notifier_insert(&reg->notifier, m->mm,
						   start, hpc_region_size(),
						   &hpc_region_ops);
	if (ret) {
		hpc_region_free(reg);
		return ERR_PTR(ret);
	}
	hpc_stat_inc(m, HPC_C_REGIONS);
	return reg;
}

/* Remove the notifier first: afterwards no callback can touch reg. */
static unsigned long hpc_region_destroy(struct hpc_mirror *m,
					struct hpc_region *reg)
{
	unsigned long dropped;

	mmu_interval_notifier_remove(&reg->notifier);
	mutex_lock(&m->lock);
	dropped = hpc_region_clear(m, reg, 0, ULONG_MAX);
	mutex_unlock(&m->lock);
	hpc_stat_add(m, HPC_C_REGIONS, -1);
	hpc_region_free(reg);
	return dropped;
}

struct hpc_region *hpc_region_lookup(struct hpc_mirror *m, unsigned long addr)
{
	lockdep_assert_held(&m->regions_sem);
	return xa_load(&m->regions, addr >> hpc_region_shift);
}

/* The region holding addr, created if needed. regions_sem held (read). */
struct hpc_region *hpc_region_get(struct hpc_mirror *m, unsigned long addr)
{
	unsigned long index = addr >> hpc_region_shift;
	struct hpc_region *reg;
	int ret;

	reg = hpc_region_lookup(m, addr);
	if (reg)
		return reg;

	mutex_lock(&m->create_lock);
	reg = hpc_region_lookup(m, addr);
	if (reg)
		goto out;
	reg = hpc_region_create(m, index << hpc_region_shift);
	if (IS_ERR(reg))
		goto out;
	ret = xa_err(xa_store(&m->regions, index, reg, GFP_KERNEL));
	if (ret) {
		hpc_region_destroy(m, reg);
		reg = ERR_PTR(ret);
	}
out:
	mutex_unlock(&m->create_lock);
	return reg;
}

/* Clear every entry of m; regions_sem (read) and the mirror lock held. */
static unsigned long hpc_regions_clear_all(struct hpc_mirror *m)
{
	struct hpc_region *reg;
	unsigned long index, dropped = 0;

	lockdep_assert_held(&m->lock);
	xa_for_each(&m->regions, index, reg)
		dropped += hpc_region_clear(m, reg, 0, ULONG_MAX);
	return dropped;
}

/* regions_sem held for write */
static unsigned long hpc_regions_remove_all(struct hpc_mirror *m)
{
	struct hpc_region *reg;
	unsigned long index, dropped = 0;

	xa_for_each(&m->regions, index, reg) {
		xa_erase(&m->regions, index);
		dropped += hpc_region_destroy(m, reg);
	}
	return dropped;
}

/*
 * Program the entries of range (inside reg) under the mirror lock. The
 * detector compares the truth sampled when the fault started with the
 * truth now: if they differ, an invalidation of the page completed after
 * the fault began, so what hmm_range_fault() returned may be gone.
 */
static int hpc_program(struct hpc_mirror *m, struct hpc_region *reg,
		       const struct hmm_range *range, const u32 *gens,
		       struct hpc_op_stat *os)
{
	unsigned long i, n = (range->end - range->start) >> PAGE_SHIFT;
	unsigned long first = hpc_region_idx(reg, range->start);
	int ret;

	lockdep_assert_held(&m->lock);
	ret = hpc_fault_point(m, HPC_FP_PROGRAM);
	if (ret)
		return ret;

	for (i = 0; i < n; i++) {
		unsigned long hpfn = range->hmm_pfns[i];
		struct hpc_pte *pte = &reg->pte[first + i];
		unsigned long pfn = hpfn & ~HMM_PFN_FLAGS;
		u32 flags = HPC_PTE_VALID;
		u32 now;
		const char *kind;

		/* hmm_range_fault() with REQ_FAULT gives valid pfns only */
		if (!(hpfn & HMM_PFN_VALID) || (hpfn & HMM_PFN_ERROR))
			return -EFAULT;
		if (hpfn & HMM_PFN_WRITE)
			flags |= HPC_PTE_WRITE;
		kind = NULL;
		if (pfn_valid(pfn)) {
			struct page *page = pfn_to_page(pfn);

			hpc_mirror_used_provider(m, hpc_prov_id_of_page(page));
			/* another owner's page, or a freed one */
			if (!hpc_owner_ok(m, page)) {
				kind = "owner";
				hpc_stat_inc(m, HPC_C_OWNER_STALE);
			}
		}
		now = hpc_truth_now(reg, first + i);
		if (!kind && now != gens[i])
			kind = "program";
		if (kind) {
			flags |= HPC_PTE_STALE | HPC_PTE_REPORTED;
			os->stale++;
			hpc_stale_report(m, kind,
					 range->start + (i << PAGE_SHIFT), pfn,
					 range->notifier_seq,
					 READ_ONCE(reg->notifier.invalidate_seq),
					 gens[i], now);
		}
		if (!(pte->flags & HPC_PTE_VALID)) {
			reg->nvalid++;
			hpc_stat_inc(m, HPC_C_PAGES_MIRRORED);
		}
		pte->pfn = pfn;
		pte->seq = range->notifier_seq;
		pte->gen = gens[i];
		pte->flags = flags;
	}
	hpc_stat_add(m, HPC_C_PAGES_PROGRAMMED, n);
	return 0;
}

/* hmm_range of [start, end), one chunk inside reg, into ctx->pfns. */
static void hpc_range_init(struct hmm_range *range, struct hpc_region *reg,
			   struct hpc_op_ctx *ctx, unsigned long start,
			   unsigned long end, unsigned long default_flags)
{
	*range = (struct hmm_range) {
		.notifier = &reg->notifier,
		.start = start,
		.end = end,
		.hmm_pfns = ctx->pfns,
		.default_flags = default_flags,
		.pfn_flags_mask = 0,
		/* planted foreign-owner: the default cluster's, not its own */
		.dev_private_owner = hpc_owner_token(PLANTED(FOREIGN_OWNER) ?
					HPC_OWNER_DEFAULT :
					hpc_mirror_owner(reg->mirror)),
	};
}

/* One more round of a retry loop, counted as counter c says. */
static void hpc_count_retry(struct hpc_mirror *m, enum hpc_cnt c,
			    struct hpc_op_stat *os)
{
	hpc_stat_inc(m, c);
	os->retries++;
}

/* hmm_range_fault() under the mmap lock, and, faulting, its counters. */
static int hpc_hmm_range_fault(struct hpc_mirror *m, struct hmm_range *range,
			   bool fault)
{
	struct hpc_faulter f;
	int ret;

	if (mmap_read_lock_killable(m->mm))
		return -EINTR;
	hpc_faulter_enter(&f, m);
	ret = hmm_range_fault(range);
	hpc_faulter_exit(&f);
	mmap_read_unlock(m->mm);
	if (fault) {
		hpc_stat_inc(m, HPC_C_FAULTS);
		hpc_stat_add(m, HPC_C_FAULT_PAGES,
			     (range->end - range->start) >> PAGE_SHIFT);
	}
	return ret;
}

/*
 * The range walk, the one both callers use: the fault path (hpc_chunk_fault(),
 * range->default_flags with HMM_PFN_REQ_FAULT) and the look without
 * faulting (hpc_chunk_peek_lock(): SNAPSHOT, VALIDATE). hmm_range_fault() over
 * range (one chunk inside reg) by the notifier rule, again on -EBUSY and
 * on a changed sequence, at most max_tries rounds and fault_timeout_ms.
 * Returns 0 with the mirror lock HELD and no invalidation of the range
 * since the walk (read_retry checked under the lock).
 *
 * Only the fault path samples the detector's generations (into gens), has
 * a fault point, counts faults and delays before the lock; the planted
 * bugs of the fault rule break it here, and only it.
 */
static int hpc_range_walk(struct hpc_mirror *m, struct hpc_region *reg,
			  struct hmm_range *range, u32 *gens,
			  struct hpc_op_stat *os)
{
	bool fault = range->default_flags & HMM_PFN_REQ_FAULT;
	bool retry_locked = !fault || (!PLANTED(NO_READ_RETRY) &&
				       !PLANTED(RETRY_BEFORE_LOCK));
	unsigned int max_tries = max(READ_ONCE(hpc_knobs.max_tries), 1U);
	unsigned long timeout = jiffies + msecs_to_jiffies(
		max(READ_ONCE(hpc_knobs.fault_timeout_ms), 1U));
	unsigned int tries = 0;
	int ret;

	for (;;) {
		if (tries++ >= max_tries || time_after(jiffies, timeout)) {
			hpc_stat_inc(m, HPC_C_RETRY_EXHAUSTED);
			return -EBUSY;
		}
		if (fatal_signal_pending(current))
			return -EINTR;

		if (fault && PLANTED(BEGIN_UNDER_LOCK)) {
			mutex_lock(&m->lock);
			range->notifier_seq =
				mmu_interval_read_begin(range->notifier);
			mutex_unlock(&m->lock);
		} else {
			range->notifier_seq =
				mmu_interval_read_begin(range->notifier);
		}
		ret = 0;
		if (fault) {
			hpc_truth_sample(reg, range->start, range->end, gens);
			ret = hpc_fault_point(m, HPC_FP_RANGE_FAULT);
		}
		if (!ret)
			ret = hpc_hmm_range_fault(m, range, fault);
		if (ret == -EBUSY) {
			hpc_count_retry(m, HPC_C_RETRIES_BUSY, os);
			continue;
		}
		if (ret)
			return ret;

		if (fault && PLANTED(RETRY_BEFORE_LOCK) &&
		    mmu_interval_read_retry(range->notifier,
					    range->notifier_seq)) {
			hpc_count_retry(m, HPC_C_RETRIES_SEQ, os);
			continue;
		}
		if (fault)
			hpc_delay_fault_lock();
		mutex_lock(&m->lock);
		if (retry_locked &&
		    mmu_interval_read_retry(range->notifier,
					    range->notifier_seq)) {
			mutex_unlock(&m->lock);
			hpc_count_retry(m, HPC_C_RETRIES_SEQ, os);
			continue;
		}
		return 0;
	}
}

/* Fault [start, end), one chunk inside reg, into the mirror. */
int hpc_chunk_fault(struct hpc_mirror *m, struct hpc_region *reg,
		    struct hpc_op_ctx *ctx, unsigned long start,
		    unsigned long end, bool write)
{
	struct hmm_range range;
	int ret;

	hpc_range_init(&range, reg, ctx, start, end, HMM_PFN_REQ_FAULT |
		       (write ? HMM_PFN_REQ_WRITE : 0));
	ret = hpc_range_walk(m, reg, &range, ctx->gens, &ctx->os);
	if (ret)
		return ret;
	ret = hpc_program(m, reg, &range, ctx->gens, &ctx->os);
	mutex_unlock(&m->lock);
	return ret;
}

/*
 * Look at [start, end) (one chunk in reg) without faulting: on success
 * ctx->pfns holds the CPU's view and the mirror lock is HELD, with no
 * invalidation since the walk.
 */
int hpc_chunk_peek_lock(struct hpc_mirror *m, struct hpc_region *reg,
			struct hpc_op_ctx *ctx, unsigned long start,
			unsigned long end)
{
	struct hmm_range range;

	hpc_range_init(&range, reg, ctx, start, end, 0);
	return hpc_range_walk(m, reg, &range, NULL, &ctx->os);
}

int hpc_mirror_reset(struct hpc_mirror *m, struct hpc_reset *r)
{
	r->dropped = 0;
	if (r->flags & HPC_RESET_REGIONS) {
		down_write(&m->regions_sem);
		r->dropped = hpc_regions_remove_all(m);
		up_write(&m->regions_sem);
	} else if (r->flags & HPC_RESET_TABLE) {
		down_read(&m->regions_sem);
		mutex_lock(&m->lock);
		r->dropped = hpc_regions_clear_all(m);
		mutex_unlock(&m->lock);
		up_read(&m->regions_sem);
	}
	if (r->flags & HPC_RESET_COUNTERS)
		hpc_stats_zero(&m->stats);
	if (r->flags & HPC_RESET_ENTER)
		WRITE_ONCE(m->state, HPC_STATE_RESET);
	if (r->flags & HPC_RESET_LEAVE)
		WRITE_ONCE(m->state, HPC_STATE_ACTIVE);
	hpc_stat_inc(m, HPC_C_RESETS);
	r->state = READ_ONCE(m->state);
	return 0;
}

/*
 * The owner of the mirror's device. A mirror with entries keeps its owner:
 * they were programmed under it (device-private ones are its owner's).
 */
int hpc_mirror_set_owner(struct hpc_mirror *m, u32 owner, u32 *old)
{
	int ret = 0;

	if (owner >= HPC_MAX_OWNERS)
		return -EINVAL;
	mutex_lock(&m->lock);
	*old = m->owner;
	if (owner && owner != m->owner) {
		if (atomic64_read(&m->stats.c[HPC_C_PAGES_MIRRORED]))
			ret = -EBUSY;
		else
			WRITE_ONCE(m->owner, owner);
	}
	mutex_unlock(&m->lock);
	return ret;
}

struct hpc_mirror *hpc_mirror_create(void)
{
	struct hpc_mirror *m;
	int ret;

	if (!current->mm)
		return ERR_PTR(-EINVAL);
	ret = hpc_fault_point(NULL, HPC_FP_MIRROR_ALLOC);
	if (ret)
		return ERR_PTR(ret);
	m = kzalloc(sizeof(*m), GFP_KERNEL);
	if (!m)
		return ERR_PTR(-ENOMEM);
	mutex_init(&m->lock);
	init_rwsem(&m->regions_sem);
	mutex_init(&m->create_lock);
	xa_init(&m->regions);
	m->state = HPC_STATE_ACTIVE;
	m->owner = HPC_OWNER_DEFAULT;
	m->mm = current->mm;
	mmgrab(m->mm);
	m->id = atomic_inc_return(&hpc_mirror_ids);
	m->pid = task_tgid_vnr(current);
	get_task_comm(m->comm, current);

	mutex_lock(&hpc_mirrors_lock);
	list_add_tail(&m->node, &hpc_mirrors);
	mutex_unlock(&hpc_mirrors_lock);
	return m;
}

void hpc_mirror_destroy(struct hpc_mirror *m)
{
	mutex_lock(&hpc_mirrors_lock);
	list_del(&m->node);
	mutex_unlock(&hpc_mirrors_lock);

	down_write(&m->regions_sem);
	hpc_regions_remove_all(m);
	up_write(&m->regions_sem);
	xa_destroy(&m->regions);
	mmdrop(m->mm);
	mutex_destroy(&m->create_lock);
	mutex_destroy(&m->lock);
	kfree(m);
}

void hpc_mirror_list_show(struct seq_file *s)
{
	struct hpc_mirror *m;

	mutex_lock(&hpc_mirrors_lock);
	list_for_each_entry(m, &hpc_mirrors, node)
		seq_printf(s, "id=%u pid=%d comm=%s state=%d regions=%lld entries=%lld stale=%lld\n",
			   m->id, m->pid, m->comm, READ_ONCE(m->state),
			   (long long)atomic64_read(&m->stats.c[HPC_C_REGIONS]),
			   (long long)atomic64_read(
				&m->stats.c[HPC_C_PAGES_MIRRORED]),
			   (long long)atomic64_read(&m->stats.c[HPC_C_STALE]));
	mutex_unlock(&hpc_mirrors_lock);
}

/* ---- device-memory providers ---- */

/* m mirrored memory of provider id (0: not one of ours). */
void hpc_mirror_used_provider(struct hpc_mirror *m, u32 id)
{
	if (id && !test_bit(id, &m->prov_used))
		set_bit(id, &m->prov_used);
}

/*
 * Provider p is being revoked (or is gone): every mirror that mirrored its
 * memory drops all its entries and enters HPC_STATE_LOST, where range
 * operations fail -ENODEV, as a device driver's context does after its
 * device is lost.
 */
void hpc_mirrors_provider_lost(struct hpc_prov *p)
{
	struct hpc_mirror *m;

	mutex_lock(&hpc_mirrors_lock);
	list_for_each_entry(m, &hpc_mirrors, node) {
		unsigned long dropped;

		if (!test_bit(p->id, &m->prov_used))
			continue;
		down_read(&m->regions_sem);
		mutex_lock(&m->lock);
		dropped = hpc_regions_clear_all(m);
		if (m->state == HPC_STATE_ACTIVE) {
			WRITE_ONCE(m->state, HPC_STATE_LOST);
			m->lost_kind = p->kind;
			hpc_stat_inc(m, HPC_C_LOST);
		}
		clear_bit(p->id, &m->prov_used);
		mutex_unlock(&m->lock);
		up_read(&m->regions_sem);
		pr_info("mirror %u (pid %d) lost provider %s: %lu entries dropped\n",
			m->id, m->pid, p->name, dropped);
	}
	mutex_unlock(&hpc_mirrors_lock);
}

/* A provider of p's kind is live again: LOST mirrors of that kind recover. */
void hpc_mirrors_provider_back(struct hpc_prov *p)
{
	struct hpc_mirror *m;

	mutex_lock(&hpc_mirrors_lock);
	list_for_each_entry(m, &hpc_mirrors, node) {
		mutex_lock(&m->lock);
		if (m->state == HPC_STATE_LOST && m->lost_kind == p->kind) {
			WRITE_ONCE(m->state, HPC_STATE_ACTIVE);
			pr_info("mirror %u (pid %d) recovered with provider %s\n",
				m->id, m->pid, p->name);
		}
		mutex_unlock(&m->lock);
	}
	mutex_unlock(&hpc_mirrors_lock);
}
