// SPDX-License-Identifier: GPL-2.0
/*
 * hpchaos: the device-private provider (CONFIG_DEVICE_PRIVATE).
 *
 * A provider is one MEMORY_DEVICE_PRIVATE pagemap over a free physical
 * range. The "device memory" of each page in use is a system page that
 * backs it (the CPU cannot address device-private memory). Pages move in
 * with HPC_IOC_MIGRATE TO_DEVICE, back with MIGRATE TO_SYSTEM or a CPU
 * fault (migrate_to_ram), and out for good when the provider is revoked
 * (migrate_device_range() over the whole pagemap, HPC_EVICT_BATCH pages at
 * a time, then memunmap_pages()).
 *
 * Locking (the order: hpchaos_internal.h): dp->lock, a spinlock since
 * page_free() can run in atomic context, protects the free stack, the
 * in-use bitmap, dying and allocating. dp->evict_lock serializes evictions
 * (a revocation's, a surprise rescue): they share the batch arrays.
 */
#define pr_fmt(fmt) "hpchaos: " fmt

#include <linux/delay.h>
#include <linux/highmem.h>
#include <linux/ioport.h>
#include <linux/memremap.h>
#include <linux/migrate.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/percpu-refcount.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/wait.h>

#include "hpchaos_compat.h"
#include "hpchaos_internal.h"

/* pages per eviction batch: 4 KiB of pfns each in evict_src and evict_dst */
#define HPC_EVICT_BATCH		512UL
/* tries of an eviction's page allocation; passes over busy pages, apart */
#define HPC_EVICT_ALLOC_TRIES	3
#define HPC_EVICT_PASSES	3
#define HPC_EVICT_PASS_WAIT_MS	20

struct hpc_devpriv {
	struct hpc_prov prov;
	struct dev_pagemap pgmap;
	unsigned long base_pfn;
	spinlock_t lock;
	unsigned long *free_stack;	/* page indexes */
	unsigned long nfree;
	unsigned long *used;		/* bitmap of pages in use */
	bool dying;			/* no more allocations */
	unsigned int allocating;	/* allocations between pop and init */
	wait_queue_head_t wq;		/* allocating reached 0 */
	struct mutex evict_lock;	/* protects evict_src, evict_dst */
	unsigned long *evict_src;	/* HPC_EVICT_BATCH pfns each, set aside */
	unsigned long *evict_dst;	/* at creation: see hpc_dp_evict_pass() */
};

/* zone_device_data of a device page in use */
struct hpc_dpage {
	struct page *backing;		/* holds the page's data */
	struct hpc_devpriv *dp;
};

static struct hpc_devpriv *hpc_dp_of(struct hpc_prov *p)
{
	return container_of(p, struct hpc_devpriv, prov);
}

static const struct dev_pagemap_ops hpc_dp_ops;

/* A device-private page of one of our providers, whatever its owner. */
static bool hpc_dp_is_ours(struct page *page)
{
	return is_device_private_page(page) &&
	       hpc_page_pgmap(page)->ops == &hpc_dp_ops;
}

static struct hpc_devpriv *hpc_page_dp(struct page *page)
{
	return container_of(hpc_page_pgmap(page), struct hpc_devpriv, pgmap);
}

struct page *hpc_devpriv_backing(struct page *page)
{
	struct hpc_dpage *d;

	if (!hpc_dp_is_ours(page))
		return NULL;
	d = READ_ONCE(page->zone_device_data);
	return d ? d->backing : NULL;
}

static void hpc_dp_push(struct hpc_devpriv *dp, unsigned long idx)
{
	dp->free_stack[dp->nfree++] = idx;
	__clear_bit(idx, dp->used);
}

/* No more allocations; wait for those under way. */
static void hpc_dp_stop_alloc(struct hpc_devpriv *dp)
{
	spin_lock(&dp->lock);
	dp->dying = true;
	spin_unlock(&dp->lock);
	wait_event(dp->wq, READ_ONCE(dp->allocating) == 0);
}

/* One allocation is over (failed or done): kill() may be waiting. */
static void hpc_dp_alloc_done(struct hpc_devpriv *dp)
{
	bool wake;

	spin_lock(&dp->lock);
	wake = --dp->allocating == 0;
	spin_unlock(&dp->lock);
	if (wake)
		wake_up(&dp->wq);
}

/*
 * A device page for MIGRATE TO_DEVICE, locked, with one reference (and so
 * one pagemap reference), or NULL (none free, provider dying, or an
 * injected failure).
 */
static struct page *hpc_dp_alloc(struct hpc_devpriv *dp, struct hpc_mirror *m)
{
	struct hpc_dpage *d;
	struct page *page, *backing = NULL;
	unsigned long idx;

	if (hpc_fault_point(m, HPC_FP_DEV_ALLOC))
		return NULL;
	d = kzalloc(sizeof(*d), GFP_KERNEL);
	if (!d)
		return NULL;

	spin_lock(&dp->lock);
	if (dp->dying || !dp->nfree) {
		spin_unlock(&dp->lock);
		kfree(d);
		return NULL;
	}
	idx = dp->free_stack[--dp->nfree];
	__set_bit(idx, dp->used);
	dp->allocating++;
	spin_unlock(&dp->lock);

	page = pfn_to_page(dp->base_pfn + idx);
	if (!hpc_fault_point(m, HPC_FP_BACKING_ALLOC))
		backing = alloc_page(GFP_HIGHUSER);
	if (!backing) {
		kfree(d);
		if (PLANTED(ALLOC_FAIL_UAF))
			d->dp = NULL;	/* planted: uses what it just freed */
		spin_lock(&dp->lock);
		hpc_dp_push(dp, idx);
		spin_unlock(&dp->lock);
		hpc_dp_alloc_done(dp);
		return NULL;
	}
	d->backing = backing;
	d->dp = dp;
	page->zone_device_data = d;
	hpc_zone_device_page_init(page, &dp->pgmap);
	atomic64_inc(&dp->prov.pages_used);
	hpc_dp_alloc_done(dp);
	return page;
}

/*
 * The last reference to a device page is gone: dev_pagemap_ops.page_free,
 * or folio_free on newer kernels (HPC_DEFINE_PAGE_FREE, hpchaos_compat.h).
 */
static void hpc_dp_page_free(struct page *page)
{
	struct hpc_devpriv *dp = hpc_page_dp(page);
	struct hpc_dpage *d = page->zone_device_data;

	page->zone_device_data = NULL;
	if (d) {
		__free_page(d->backing);
		kfree(d);
	}
	spin_lock(&dp->lock);
	hpc_dp_push(dp, page_to_pfn(page) - dp->base_pfn);
	spin_unlock(&dp->lock);
	atomic64_dec(&dp->prov.pages_used);
	if (PLANTED(EARLY_PGMAP_PUT))
		put_dev_pagemap(hpc_page_pgmap(page));	/* planted: one put too many */
}

/* Copy a device page's data into a new system page for vma at addr. */
static struct page *hpc_dp_to_ram_page(struct page *spage,
				       struct vm_area_struct *vma,
				       unsigned long addr, enum hpc_fp fp)
{
	struct page *dpage = NULL;
	struct page *backing = hpc_devpriv_backing(spage);

	if (!backing || hpc_fault_point(NULL, fp))
		return NULL;
	dpage = vma ? alloc_page_vma(GFP_HIGHUSER_MOVABLE, vma, addr) :
		      alloc_page(GFP_HIGHUSER_MOVABLE);
	if (!dpage)
		return NULL;
	lock_page(dpage);
	copy_highpage(dpage, backing);
	return dpage;
}

static unsigned long hpc_moved(const unsigned long *src,
			       const unsigned long *dst, unsigned long n)
{
	unsigned long i, moved = 0;

	for (i = 0; i < n; i++)
		if (dst[i] && (src[i] & MIGRATE_PFN_MIGRATE))
			moved++;
	return moved;
}

/*
 * dev_pagemap_ops.migrate_to_ram: the CPU touched a device page, or a
 * mirror of another owner faulted it (hmm_range_fault(): counted as a
 * cross-owner migration of that mirror and of the provider).
 */
static vm_fault_t hpc_dp_migrate_to_ram(struct vm_fault *vmf)
{
	struct hpc_devpriv *dp = hpc_page_dp(vmf->page);
	void *owner = hpc_page_pgmap(vmf->page)->owner;
	struct hpc_mirror *fm = hpc_faulter_mirror();
	unsigned long src = 0, dst = 0;
	struct migrate_vma args = {
		.vma = vmf->vma,
		.start = vmf->address & PAGE_MASK,
		.end = (vmf->address & PAGE_MASK) + PAGE_SIZE,
		.src = &src,
		.dst = &dst,
		.pgmap_owner = owner,
		.flags = MIGRATE_VMA_SELECT_DEVICE_PRIVATE,
		.fault_page = vmf->page,
	};
	struct page *spage, *dpage;

	if (migrate_vma_setup(&args))
		return VM_FAULT_SIGBUS;
	hpc_delay_migrate_to_ram();
	spage = migrate_pfn_to_page(src);
	if (spage && (src & MIGRATE_PFN_MIGRATE)) {
		/*
		 * On failure dst stays 0: the page is not migrated and the
		 * CPU fault is retried, as a driver short of memory does.
		 */
		dpage = hpc_dp_to_ram_page(spage, args.vma, args.start,
					   HPC_FP_RAM_ALLOC);
		if (dpage) {
			dst = migrate_pfn(page_to_pfn(dpage));
			if (src & MIGRATE_PFN_WRITE)
				dst |= MIGRATE_PFN_WRITE;
		}
	}
	migrate_vma_pages(&args);
	if (hpc_moved(&src, &dst, 1)) {
		atomic64_inc(&dp->prov.migrate_to_ram);
		hpc_stat_inc(NULL, HPC_C_MIGRATE_TO_RAM);
		if (fm && hpc_owner_token(hpc_mirror_owner(fm)) != owner) {
			atomic64_inc(&dp->prov.migrate_cross);
			hpc_stat_inc(fm, HPC_C_MIGRATE_CROSS);
		}
	}
	migrate_vma_finalize(&args);
	return 0;
}

HPC_DEFINE_PAGE_FREE(hpc_dp_free_cb, hpc_dp_page_free)

static const struct dev_pagemap_ops hpc_dp_ops = {
	.HPC_PAGE_FREE_MEMBER = hpc_dp_free_cb,
	.migrate_to_ram = hpc_dp_migrate_to_ram,
};

/* ---- HPC_IOC_MIGRATE ---- */

static void hpc_fill_to_device(struct hpc_devpriv *dp, struct hpc_mirror *m,
			       struct migrate_vma *args)
{
	unsigned long i, n = (args->end - args->start) >> PAGE_SHIFT;

	for (i = 0; i < n; i++) {
		struct page *spage = migrate_pfn_to_page(args->src[i]);
		struct page *data = spage, *dpage;

		if (!(args->src[i] & MIGRATE_PFN_MIGRATE))
			continue;
		if (spage && is_device_private_page(spage)) {
			/* device to device, in the cluster: not onto itself */
			if (!hpc_dp_is_ours(spage) || hpc_page_dp(spage) == dp)
				continue;
			data = hpc_devpriv_backing(spage);
			if (!data)
				continue;
		}
		dpage = hpc_dp_alloc(dp, m);
		if (!dpage)
			continue;
		if (data)
			copy_highpage(hpc_devpriv_backing(dpage), data);
		else
			clear_highpage(hpc_devpriv_backing(dpage));
		args->dst[i] = migrate_pfn(page_to_pfn(dpage));
		if ((args->src[i] & MIGRATE_PFN_WRITE) ||
		    (!spage && (args->vma->vm_flags & VM_WRITE)))
			args->dst[i] |= MIGRATE_PFN_WRITE;
	}
}

static void hpc_fill_to_system(struct migrate_vma *args)
{
	unsigned long i, n = (args->end - args->start) >> PAGE_SHIFT;

	for (i = 0; i < n; i++) {
		struct page *spage = migrate_pfn_to_page(args->src[i]);
		struct page *dpage;

		if (!spage || !(args->src[i] & MIGRATE_PFN_MIGRATE) ||
		    !hpc_dp_is_ours(spage))
			continue;
		dpage = hpc_dp_to_ram_page(spage, args->vma,
					   args->start + (i << PAGE_SHIFT),
					   HPC_FP_RAM_ALLOC);
		if (!dpage)
			continue;
		args->dst[i] = migrate_pfn(page_to_pfn(dpage));
		if (args->src[i] & MIGRATE_PFN_WRITE)
			args->dst[i] |= MIGRATE_PFN_WRITE;
	}
}

/* One chunk of at most HPC_CHUNK_PAGES pages inside one vma. */
static int hpc_migrate_chunk(struct hpc_mirror *m, struct hpc_devpriv *dp,
			     unsigned long *addr, unsigned long end,
			     unsigned long *pfns, u64 *moved)
{
	struct mm_struct *mm = m->mm;
	struct migrate_vma args = {
		.src = pfns,
		.dst = pfns + HPC_CHUNK_PAGES,
		.pgmap_owner = hpc_owner_token(hpc_mirror_owner(m)),
		/* to a device: from system memory and from the cluster */
		.flags = dp ? MIGRATE_VMA_SELECT_SYSTEM |
			      MIGRATE_VMA_SELECT_DEVICE_PRIVATE :
			      MIGRATE_VMA_SELECT_DEVICE_PRIVATE,
	};
	unsigned long n;
	int ret;

	if (mmap_read_lock_killable(mm))
		return -EINTR;
	args.vma = vma_lookup(mm, *addr);
	if (!args.vma) {
		mmap_read_unlock(mm);
		return -EFAULT;
	}
	args.start = *addr;
	args.end = min3(end, args.vma->vm_end,
			*addr + (HPC_CHUNK_PAGES << PAGE_SHIFT));
	n = (args.end - args.start) >> PAGE_SHIFT;
	memset(pfns, 0, 2 * HPC_CHUNK_PAGES * sizeof(*pfns));
	ret = hpc_fault_point(m, HPC_FP_MIGRATE_SETUP);
	if (!ret)
		ret = migrate_vma_setup(&args);
	if (ret) {
		mmap_read_unlock(mm);
		return ret;
	}
	if (dp)
		hpc_fill_to_device(dp, m, &args);
	else
		hpc_fill_to_system(&args);
	migrate_vma_pages(&args);
	*moved += hpc_moved(args.src, args.dst, n);
	migrate_vma_finalize(&args);
	mmap_read_unlock(mm);
	*addr = args.end;
	return 0;
}

int hpc_devpriv_migrate(struct hpc_mirror *m, struct hpc_range_op *op)
{
	bool to_device = op->flags & HPC_OP_TO_DEVICE;
	unsigned long addr = op->addr, end = op->addr + op->len;
	struct hpc_devpriv *dp = NULL;
	struct hpc_prov *p = NULL;
	unsigned long *pfns;
	int ret = 0;

	if (READ_ONCE(m->state) != HPC_STATE_ACTIVE)
		return hpc_state_err(m);
	if (to_device) {
		p = hpc_prov_get(op->provider);
		if (!p || p->kind != HPC_PKIND_DEVICE_PRIVATE ||
		    READ_ONCE(p->state) != HPC_PSTATE_LIVE) {
			hpc_prov_put(p);
			return -ENODEV;
		}
		if (READ_ONCE(p->owner) != hpc_mirror_owner(m)) {
			/* another cluster's memory is not this device's */
			hpc_prov_put(p);
			return -EXDEV;
		}
		dp = hpc_dp_of(p);
		hpc_mirror_used_provider(m, p->id);
	}
	pfns = kcalloc(2 * HPC_CHUNK_PAGES, sizeof(*pfns), GFP_KERNEL);
	if (!pfns) {
		hpc_prov_put(p);
		return -ENOMEM;
	}
	if (!mmget_not_zero(m->mm)) {
		ret = -ESRCH;
		goto out;
	}
	while (addr < end && !ret) {
		u64 before = op->moved;

		ret = hpc_migrate_chunk(m, dp, &addr, end, pfns, &op->moved);
		if (!ret)
			op->done = addr - op->addr;
		if (to_device) {
			atomic64_add(op->moved - before,
				     &p->migrate_to_device);
			hpc_stat_add(m, HPC_C_MIGRATE_TO_DEVICE,
				     op->moved - before);
		} else {
			hpc_stat_add(m, HPC_C_MIGRATE_TO_RAM,
				     op->moved - before);
		}
		if (!ret && fatal_signal_pending(current))
			ret = -EINTR;
	}
	mmput(m->mm);
out:
	kfree(pfns);
	hpc_prov_put(p);
	return ret;
}

/* ---- revocation ---- */

/*
 * One batch of the eviction: the pages in use among the n from index
 * first. Returns how many could not move for want of memory (they stay on
 * the device). Called with evict_lock held.
 */
static unsigned long hpc_dp_evict_batch(struct hpc_devpriv *dp,
					unsigned long first, unsigned long n)
{
	unsigned long *src = dp->evict_src, *dst = dp->evict_dst;
	unsigned long i, failed = 0;

	memset(src, 0, n * sizeof(*src));
	memset(dst, 0, n * sizeof(*dst));
	migrate_device_range(src, dp->base_pfn + first, n);
	for (i = 0; i < n; i++) {
		struct page *spage = migrate_pfn_to_page(src[i]);
		struct page *dpage = NULL;
		int tries;

		if (!spage || !(src[i] & MIGRATE_PFN_MIGRATE))
			continue;
		hpc_delay_evict();
		for (tries = 0; tries < HPC_EVICT_ALLOC_TRIES && !dpage;
		     tries++)
			if (!hpc_fault_point(NULL, HPC_FP_EVICT_ALLOC))
				dpage = alloc_page(GFP_HIGHUSER_MOVABLE);
		if (!dpage && !PLANTED(EVICT_IGNORE_ALLOC)) {
			failed++;
			continue;	/* not migrated: stays on the device */
		}
		/* planted: carries on with the page it did not get */
		lock_page(dpage);
		copy_highpage(dpage, hpc_devpriv_backing(spage));
		dst[i] = migrate_pfn(page_to_pfn(dpage));
		if (src[i] & MIGRATE_PFN_WRITE)
			dst[i] |= MIGRATE_PFN_WRITE;
	}
	migrate_device_pages(src, dst, n);
	atomic64_add(hpc_moved(src, dst, n), &dp->prov.evicted);
	migrate_device_finalize(src, dst, n);
	return failed;
}

/*
 * Move every page in use back to system memory, HPC_EVICT_BATCH pages at a
 * time in the arrays set aside when the provider was created: the only
 * memory an eviction allocates is the pages it moves to (so allocation
 * failures, injected or not, meet exactly those). A failed allocation is
 * retried a little; pages that still could not move make it -ENOMEM.
 *
 * A surprise revocation's rescue runs while memunmap_pages() waits for the
 * pages: once the last one is back it frees the memmap, which the batches
 * after must not touch. So the pass holds a pagemap reference of its own,
 * taken under dp->lock while a page is in use: that page's reference goes
 * only after page_free(), which needs dp->lock, so the count is not zero
 * and the reference is not exited. Batches without a page in use are
 * skipped.
 */
static int hpc_dp_evict_pass(struct hpc_devpriv *dp)
{
	unsigned long first, n, npages = dp->prov.npages, failed = 0;
	bool busy;

	spin_lock(&dp->lock);
	busy = !bitmap_empty(dp->used, npages);
	if (busy)
		percpu_ref_get(&dp->pgmap.ref);
	spin_unlock(&dp->lock);
	if (!busy)
		return 0;
	mutex_lock(&dp->evict_lock);
	for (first = 0; first < npages; first += HPC_EVICT_BATCH) {
		n = min(HPC_EVICT_BATCH, npages - first);
		spin_lock(&dp->lock);
		busy = find_next_bit(dp->used, first + n, first) < first + n;
		spin_unlock(&dp->lock);
		if (busy)
			failed += hpc_dp_evict_batch(dp, first, n);
	}
	mutex_unlock(&dp->evict_lock);
	percpu_ref_put(&dp->pgmap.ref);
	return failed ? -ENOMEM : 0;
}

static int hpc_dp_evict(struct hpc_prov *p)
{
	struct hpc_devpriv *dp = hpc_dp_of(p);
	int pass, ret = 0;

	hpc_dp_stop_alloc(dp);
	if (PLANTED(NO_EVICT))
		return 0;	/* planted: straight on to memunmap_pages() */
	/* pages busy (locked, pinned) at one pass may move at the next */
	for (pass = 0; pass < HPC_EVICT_PASSES && atomic64_read(&p->pages_used);
	     pass++) {
		ret = hpc_dp_evict_pass(dp);
		if (ret)
			break;
		if (atomic64_read(&p->pages_used))
			msleep(HPC_EVICT_PASS_WAIT_MS);
	}
	if (ret) {
		spin_lock(&dp->lock);
		dp->dying = false;
		spin_unlock(&dp->lock);
	}
	return ret;
}

static void hpc_dp_rescue(struct hpc_prov *p)
{
	hpc_dp_evict_pass(hpc_dp_of(p));
}

static void hpc_dp_kill(struct hpc_prov *p)
{
	struct hpc_devpriv *dp = hpc_dp_of(p);

	hpc_dp_stop_alloc(dp);
	memunmap_pages(&dp->pgmap);
	release_mem_region(dp->pgmap.range.start,
			   range_len(&dp->pgmap.range));
}

/*
 * Pages in use (each holds a pagemap reference), and the first of them.
 * Its refcount is read under dp->lock, which page_free() needs before the
 * page's pagemap reference goes: so the memmap is still there.
 */
static unsigned long hpc_dp_held(struct hpc_prov *p, unsigned long *first_pfn,
				 int *first_ref)
{
	struct hpc_devpriv *dp = hpc_dp_of(p);
	unsigned long idx;

	*first_pfn = 0;
	*first_ref = 0;
	spin_lock(&dp->lock);
	idx = find_first_bit(dp->used, p->npages);
	if (idx < p->npages) {
		*first_pfn = dp->base_pfn + idx;
		*first_ref = page_ref_count(pfn_to_page(*first_pfn));
	}
	spin_unlock(&dp->lock);
	return atomic64_read(&p->pages_used);
}

static void hpc_dp_destroy(struct hpc_prov *p)
{
	struct hpc_devpriv *dp = hpc_dp_of(p);

	mutex_destroy(&dp->evict_lock);
	kfree(dp->evict_dst);
	kfree(dp->evict_src);
	bitmap_free(dp->used);
	kvfree(dp->free_stack);
	kfree(dp);
}

static const struct hpc_prov_ops hpc_dp_prov_ops = {
	.evict = hpc_dp_evict,
	.kill = hpc_dp_kill,
	.held = hpc_dp_held,
	.rescue = hpc_dp_rescue,
	.destroy = hpc_dp_destroy,
};

/*
 * HPC_POP_ADD: a new device-private provider of at least npages pages
 * (rounded up to what memory hotplug can add: a section) whose pages
 * belong to owner, in table slot slot if that is free to take (0: any).
 */
int hpc_devpriv_add(unsigned long npages, u32 owner, u32 slot, u32 *id)
{
	unsigned long size = ALIGN(npages << PAGE_SHIFT, 1UL << SECTION_SIZE_BITS);
	struct hpc_devpriv *dp;
	struct resource *res;
	unsigned long i;
	void *addr;
	int ret;

	dp = kzalloc(sizeof(*dp), GFP_KERNEL);
	if (!dp)
		return -ENOMEM;
	res = request_free_mem_region(&iomem_resource, size, "hpchaos-devpriv");
	if (IS_ERR(res)) {
		ret = PTR_ERR(res);
		goto err_free;
	}
	dp->prov.npages = size >> PAGE_SHIFT;
	dp->free_stack = kvcalloc(dp->prov.npages, sizeof(*dp->free_stack),
				  GFP_KERNEL);
	dp->used = bitmap_zalloc(dp->prov.npages, GFP_KERNEL);
	dp->evict_src = kcalloc(HPC_EVICT_BATCH, sizeof(*dp->evict_src),
				GFP_KERNEL);
	dp->evict_dst = kcalloc(HPC_EVICT_BATCH, sizeof(*dp->evict_dst),
				GFP_KERNEL);
	if (!dp->free_stack || !dp->used || !dp->evict_src || !dp->evict_dst) {
		ret = -ENOMEM;
		goto err_region;
	}
	spin_lock_init(&dp->lock);
	mutex_init(&dp->evict_lock);
	init_waitqueue_head(&dp->wq);
	dp->pgmap.type = MEMORY_DEVICE_PRIVATE;
	dp->pgmap.range.start = res->start;
	dp->pgmap.range.end = res->end;
	dp->pgmap.nr_range = 1;
	dp->pgmap.ops = &hpc_dp_ops;
	dp->pgmap.owner = hpc_owner_token(owner);
	addr = memremap_pages(&dp->pgmap, NUMA_NO_NODE);
	if (IS_ERR(addr)) {
		ret = PTR_ERR(addr);
		goto err_region;
	}
	dp->base_pfn = PHYS_PFN(res->start);
	/* hand out low pages first */
	for (i = dp->prov.npages; i > 0; i--)
		dp->free_stack[dp->nfree++] = i - 1;

	dp->prov.kind = HPC_PKIND_DEVICE_PRIVATE;
	dp->prov.owner = owner;
	dp->prov.id = slot;
	dp->prov.ops = &hpc_dp_prov_ops;
	dp->prov.pgmap = &dp->pgmap;
	ret = hpc_prov_register(&dp->prov);
	if (ret) {
		memunmap_pages(&dp->pgmap);
		goto err_region;
	}
	*id = dp->prov.id;
	return 0;

err_region:
	release_mem_region(res->start, resource_size(res));
	kfree(dp->evict_dst);
	kfree(dp->evict_src);
	bitmap_free(dp->used);
	kvfree(dp->free_stack);
err_free:
	kfree(dp);
	return ret;
}

/*
 * HPC_POP_REOWN: the owner of p's pages changes, the one safe way: the
 * whole pagemap goes (a cooperative revocation: allocation stopped, every
 * page evicted to system memory, each move invalidating the mirrors that
 * held it, memunmap_pages() waiting for the last reference), then a new
 * pagemap with the new owner takes p's slot. The revocation's bound holds
 * (-ETIMEDOUT, STUCK). Mirrors are not put in LOST: the eviction has
 * invalidated every entry of the old pagemap, and they go on faulting.
 */
int hpc_devpriv_reown(struct hpc_prov *p, u32 owner, u32 timeout_ms)
{
	struct hpc_devpriv *dp = hpc_dp_of(p);
	u32 id;
	int ret;

	if (PLANTED(OWNER_IN_PLACE)) {
		/* planted: the owner changed under the core mm's feet */
		WRITE_ONCE(dp->pgmap.owner, hpc_owner_token(owner));
		WRITE_ONCE(p->owner, owner);
		return 0;
	}
	if (PLANTED(REOWN_NO_WAIT)) {
		/*
		 * planted: the old provider is dropped at once, its pages
		 * still in use: they point to a pagemap that is freed
		 */
		hpc_dp_stop_alloc(dp);
		hpc_prov_mark_gone(p);
		return hpc_devpriv_add(p->npages, owner, p->id, &id);
	}
	hpc_prov_set_reowning(p, true);
	ret = hpc_prov_revoke(p, HPC_PFLAG_REOWN, timeout_ms);
	if (!ret) {
		hpc_delay_reown();
		ret = hpc_fault_point(NULL, HPC_FP_REOWN_REGISTER);
		if (!ret)
			ret = hpc_devpriv_add(p->npages, owner, p->id, &id);
	}
	if (ret) {
		hpc_prov_set_reowning(p, false);
		pr_warn("reown of %s to owner %u failed: %d; it is %s\n", p->name,
			owner, ret, READ_ONCE(p->state) == HPC_PSTATE_GONE ?
			"gone (no new pagemap)" : "not re-registered");
	}
	if (!ret && id != p->id)
		pr_warn("reown of %s: its slot was taken meanwhile; now provider %u\n",
			p->name, id);
	return ret;
}
