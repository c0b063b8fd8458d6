// SPDX-License-Identifier: GPL-2.0
/*
 * hpchaos: the range operations "by the device" on a mirror, READ, WRITE,
 * SNAPSHOT and VALIDATE (HPC_IOC_*), and the stale-use checks on the way.
 *
 * They go chunk by chunk (HPC_CHUNK_PAGES pages inside one region) through
 * the entries the mirror holds, kmap_local_page() of their pfn under the
 * mirror lock, never through the CPU's page table. What the mirror cannot
 * serve goes through the fault path of hpchaos_mirror.c (hpc_chunk_fault())
 * and is tried again; SNAPSHOT and VALIDATE look at the CPU's view without
 * faulting (hpc_chunk_peek_lock()). User memory is only touched outside the
 * mirror lock, through a bounce buffer: a fault on it may itself invalidate
 * the mirror.
 */
#define pr_fmt(fmt) "hpchaos: " fmt

#include <linux/err.h>
#include <linux/highmem.h>
#include <linux/hmm.h>
#include <linux/memremap.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/pgtable.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "hpchaos_internal.h"

static struct hpc_op_ctx *hpc_ctx_alloc(struct hpc_mirror *m, bool bounce)
{
	struct hpc_op_ctx *ctx;
	int ret;

	ret = hpc_fault_point(m, HPC_FP_OP_ALLOC);
	if (ret)
		return ERR_PTR(ret);
	ctx = kzalloc(sizeof(*ctx), GFP_KERNEL);
	if (!ctx)
		return ERR_PTR(-ENOMEM);
	if (bounce) {
		ctx->bounce = kvmalloc(HPC_CHUNK_PAGES << PAGE_SHIFT,
				       GFP_KERNEL);
		if (!ctx->bounce) {
			kfree(ctx);
			return ERR_PTR(-ENOMEM);
		}
	}
	return ctx;
}

static void hpc_ctx_free(struct hpc_op_ctx *ctx)
{
	kvfree(ctx->bounce);
	kfree(ctx);
}

/*
 * Start a range operation of an ACTIVE mirror: its scratch space (with a
 * bounce buffer for READ/WRITE), and a reference of the mm, which
 * hpc_op_finish() drops.
 */
static struct hpc_op_ctx *hpc_op_start(struct hpc_mirror *m, bool bounce)
{
	struct hpc_op_ctx *ctx = hpc_ctx_alloc(m, bounce);

	if (IS_ERR(ctx))
		return ctx;
	if (!mmget_not_zero(m->mm)) {
		hpc_ctx_free(ctx);
		return ERR_PTR(-ESRCH);
	}
	return ctx;
}

/* End it: the results go to op (on failure too); returns ret. */
static int hpc_op_finish(struct hpc_mirror *m, struct hpc_op_ctx *ctx,
			 struct hpc_range_op *op, int ret)
{
	mmput(m->mm);
	op->faults = ctx->os.faults;
	op->retries = ctx->os.retries;
	op->stale = ctx->os.stale;
	hpc_ctx_free(ctx);
	return ret;
}
/* Report the violation of an entry once (HPC_PTE_REPORTED). */
static void hpc_pte_report(struct hpc_mirror *m, struct hpc_region *reg,
			   struct hpc_pte *pte, const char *kind,
			   unsigned long va, u32 gen_now)
{
	if (pte->flags & HPC_PTE_REPORTED)
		return;
	pte->flags |= HPC_PTE_REPORTED;
	hpc_stale_report(m, kind, va, pte->pfn, pte->seq,
			 READ_ONCE(reg->notifier.invalidate_seq),
			 pte->gen, gen_now);
}

/*
 * Copy pages [*done, npages) of the chunk at addr between buf and the
 * pages the mirror's entries point to. Stops with -ENOENT at the first
 * page the mirror cannot serve (no entry, or read-only for a write).
 */
static int hpc_access_locked(struct hpc_mirror *m, struct hpc_region *reg,
			     unsigned long addr, unsigned long npages,
			     u8 *buf, bool write, unsigned long *done,
			     struct hpc_op_stat *os)
{
	unsigned long i;

	lockdep_assert_held(&m->lock);
	for (i = *done; i < npages; i++) {
		unsigned long va = addr + (i << PAGE_SHIFT);
		unsigned long idx = hpc_region_idx(reg, va);
		struct hpc_pte *pte = &reg->pte[idx];
		u32 now = hpc_truth_now(reg, idx);
		u8 *kaddr;
		struct page *page;

		if (!(pte->flags & HPC_PTE_VALID) ||
		    (write && !(pte->flags & HPC_PTE_WRITE)))
			return -ENOENT;
		if ((pte->flags & HPC_PTE_STALE) || pte->gen != now) {
			os->stale++;
			hpc_pte_report(m, reg, pte, write ? "write" : "read",
				       va, now);
			if (READ_ONCE(hpc_knobs.stale_action) !=
			    HPC_STALE_USE)
				return -ESTALE;
		}
		if (!pfn_valid(pte->pfn)) {
			os->stale++;
			hpc_pte_report(m, reg, pte, "pfn", va, now);
			return -ESTALE;
		}
		page = pfn_to_page(pte->pfn);
		if (!hpc_owner_ok(m, page)) {
			/* another owner's device page (or a freed one) */
			os->stale++;
			if (!(pte->flags & HPC_PTE_REPORTED))
				hpc_stat_inc(m, HPC_C_OWNER_STALE);
			hpc_pte_report(m, reg, pte, "owner", va, now);
			return -ESTALE;
		}
		if (is_device_private_page(page)) {
			/* our device memory: its data is in the backing page */
			page = hpc_devpriv_backing(page);
			if (!page)
				return -EFAULT;
		}
		kaddr = kmap_local_page(page);
		if (write)
			memcpy(kaddr, buf + (i << PAGE_SHIFT), PAGE_SIZE);
		else
			memcpy(buf + (i << PAGE_SHIFT), kaddr, PAGE_SIZE);
		kunmap_local(kaddr);
		*done = i + 1;
	}
	return 0;
}

static u8 hpc_snap_byte(unsigned long hpfn, const struct hpc_pte *pte)
{
	unsigned long pfn = hpfn & ~HMM_PFN_FLAGS;
	u8 b;

	if (hpfn & HMM_PFN_ERROR) {
		b = HPC_SNAP_ERROR;
	} else if (!(hpfn & HMM_PFN_VALID)) {
		b = HPC_SNAP_NONE;
	} else if (!pfn_valid(pfn)) {
		/* mapped, but its memmap is gone (a surprise-revoked BAR) */
		b = HPC_SNAP_ERROR;
	} else {
		struct page *page = pfn_to_page(pfn);

		if (is_zero_pfn(pfn))
			b = HPC_SNAP_ZERO;
		else if (is_device_private_page(page))
			b = HPC_SNAP_DEV_PRIVATE;
		else if (is_zone_device_page(page))
			b = HPC_SNAP_DEVICE;
		else
			b = HPC_SNAP_RAM;
		b |= HPC_SNAP_READ;
		if (hpfn & HMM_PFN_WRITE)
			b |= HPC_SNAP_WRITE;
	}
	if (pte->flags & HPC_PTE_VALID) {
		b |= HPC_SNAP_MIRRORED;
		if (pte->flags & HPC_PTE_WRITE)
			b |= HPC_SNAP_MIRROR_WRITE;
		if (!(hpfn & HMM_PFN_VALID) || pfn != pte->pfn)
			b |= HPC_SNAP_MIRROR_DIFF;
	}
	return b;
}

/* Compare the mirror's entries with the CPU's view; mirror lock held. */
static void hpc_validate_locked(struct hpc_mirror *m, struct hpc_region *reg,
				struct hpc_op_ctx *ctx,
				unsigned long start, unsigned long end)
{
	unsigned long i, n = (end - start) >> PAGE_SHIFT;
	unsigned long first = hpc_region_idx(reg, start);
	unsigned long checked = 0, bad = 0;

	lockdep_assert_held(&m->lock);
	for (i = 0; i < n; i++) {
		struct hpc_pte *pte = &reg->pte[first + i];
		unsigned long hpfn = ctx->pfns[i];

		if (!(pte->flags & HPC_PTE_VALID))
			continue;
		checked++;
		if ((hpfn & HMM_PFN_VALID) && !(hpfn & HMM_PFN_ERROR) &&
		    (hpfn & ~HMM_PFN_FLAGS) == pte->pfn &&
		    (!(pte->flags & HPC_PTE_WRITE) || (hpfn & HMM_PFN_WRITE)))
			continue;
		bad++;
		ctx->os.stale++;
		hpc_pte_report(m, reg, pte, "validate",
			       start + (i << PAGE_SHIFT),
			       hpc_truth_now(reg, first + i));
	}
	hpc_stat_add(m, HPC_C_VALIDATE_PAGES, checked);
	hpc_stat_add(m, HPC_C_VALIDATE_MISMATCH, bad);
}

/* VALIDATE over [addr, end); mm reference held by the caller. */
static int hpc_validate_range(struct hpc_mirror *m, struct hpc_op_ctx *ctx,
			      unsigned long addr, unsigned long end,
			      u64 *done)
{
	unsigned long next;
	int ret = 0;

	down_read(&m->regions_sem);
	for (; addr < end; addr = next) {
		struct hpc_region *reg;

		next = hpc_chunk_end(addr, end);
		reg = hpc_region_lookup(m, addr);
		if (reg && READ_ONCE(reg->nvalid)) {
			ret = hpc_chunk_peek_lock(m, reg, ctx, addr, next);
			if (ret)
				break;
			hpc_validate_locked(m, reg, ctx, addr, next);
			mutex_unlock(&m->lock);
		}
		*done += next - addr;
	}
	up_read(&m->regions_sem);
	return ret;
}

/*
 * READ/WRITE of the chunk [addr, next) in reg through the mirror, between
 * the pages and ctx->bounce: what the mirror cannot serve is faulted in
 * (unless HPC_OP_NOFAULT) and tried again, at most max_tries times.
 * *done: the pages done, also on failure.
 */
static int hpc_rw_chunk(struct hpc_mirror *m, struct hpc_region *reg,
			struct hpc_op_ctx *ctx, unsigned long addr,
			unsigned long next, u32 op_flags, bool write,
			unsigned long *done)
{
	unsigned int max_tries = max(READ_ONCE(hpc_knobs.max_tries), 1U);
	unsigned long npages = (next - addr) >> PAGE_SHIFT;
	unsigned int tries = 0;
	int ret;

	for (;;) {
		mutex_lock(&m->lock);
		ret = hpc_access_locked(m, reg, addr, npages, ctx->bounce,
					write, done, &ctx->os);
		mutex_unlock(&m->lock);
		if (ret != -ENOENT || (op_flags & HPC_OP_NOFAULT))
			return ret;
		if (tries++ >= max_tries) {
			hpc_stat_inc(m, HPC_C_RETRY_EXHAUSTED);
			return -EBUSY;
		}
		ret = hpc_chunk_fault(m, reg, ctx, addr + (*done << PAGE_SHIFT),
				next, write);
		if (ret)
			return ret;
		ctx->os.faults++;
	}
}

int hpc_mirror_rw(struct hpc_mirror *m, struct hpc_range_op *op, bool write)
{
	u8 __user *ubuf = u64_to_user_ptr(op->buf);
	unsigned long start = op->addr, end = op->addr + op->len;
	unsigned int every = READ_ONCE(hpc_knobs.auto_validate);
	struct hpc_op_ctx *ctx;
	unsigned long addr, next;
	int ret = 0;

	if (READ_ONCE(m->state) != HPC_STATE_ACTIVE)
		return hpc_state_err(m);
	hpc_stat_inc(m, write ? HPC_C_WRITES : HPC_C_READS);
	ctx = hpc_op_start(m, true);
	if (IS_ERR(ctx))
		return PTR_ERR(ctx);

	down_read(&m->regions_sem);
	for (addr = start; addr < end; addr = next) {
		unsigned long done = 0;
		struct hpc_region *reg;

		next = hpc_chunk_end(addr, end);
		reg = hpc_region_get(m, addr);
		if (IS_ERR(reg)) {
			ret = PTR_ERR(reg);
			break;
		}
		if (write && copy_from_user(ctx->bounce, ubuf + (addr - start),
					    next - addr)) {
			ret = -EFAULT;
			break;
		}
		ret = hpc_rw_chunk(m, reg, ctx, addr, next, op->flags, write,
				   &done);
		if (ret) {
			if (write)
				op->done += done << PAGE_SHIFT;
			break;
		}
		if (!write && copy_to_user(ubuf + (addr - start), ctx->bounce,
					   next - addr)) {
			ret = -EFAULT;
			break;
		}
		op->done += next - addr;
		hpc_stat_add(m, write ? HPC_C_BYTES_WRITTEN : HPC_C_BYTES_READ,
			     next - addr);
	}
	up_read(&m->regions_sem);

	if (!ret && every && atomic_inc_return(&m->ops) % every == 0) {
		u64 checked = 0;

		ret = hpc_validate_range(m, ctx, start, end, &checked);
	}
	return hpc_op_finish(m, ctx, op, ret);
}

int hpc_mirror_snapshot(struct hpc_mirror *m, struct hpc_range_op *op)
{
	u8 __user *ubuf = u64_to_user_ptr(op->buf);
	unsigned long start = op->addr, end = op->addr + op->len;
	struct hpc_op_ctx *ctx;
	unsigned long addr, next;
	int ret = 0;

	if (READ_ONCE(m->state) != HPC_STATE_ACTIVE)
		return hpc_state_err(m);
	ctx = hpc_op_start(m, false);
	if (IS_ERR(ctx))
		return PTR_ERR(ctx);

	down_read(&m->regions_sem);
	for (addr = start; addr < end; addr = next) {
		unsigned long i, n, first;
		struct hpc_region *reg;

		next = hpc_chunk_end(addr, end);
		n = (next - addr) >> PAGE_SHIFT;
		reg = hpc_region_get(m, addr);
		if (IS_ERR(reg)) {
			ret = PTR_ERR(reg);
			break;
		}
		ret = hpc_chunk_peek_lock(m, reg, ctx, addr, next);
		if (ret)
			break;
		first = hpc_region_idx(reg, addr);
		for (i = 0; i < n; i++)
			ctx->snap[i] = hpc_snap_byte(ctx->pfns[i],
						     &reg->pte[first + i]);
		mutex_unlock(&m->lock);
		if (copy_to_user(ubuf + ((addr - start) >> PAGE_SHIFT),
				 ctx->snap, n)) {
			ret = -EFAULT;
			break;
		}
		op->done += next - addr;
	}
	up_read(&m->regions_sem);
	return hpc_op_finish(m, ctx, op, ret);
}

int hpc_mirror_validate(struct hpc_mirror *m, struct hpc_range_op *op)
{
	struct hpc_op_ctx *ctx;
	int ret;

	if (READ_ONCE(m->state) != HPC_STATE_ACTIVE)
		return hpc_state_err(m);
	ctx = hpc_op_start(m, false);
	if (IS_ERR(ctx))
		return PTR_ERR(ctx);
	ret = hpc_validate_range(m, ctx, op->addr, op->addr + op->len,
				 &op->done);
	return hpc_op_finish(m, ctx, op, ret);
}

