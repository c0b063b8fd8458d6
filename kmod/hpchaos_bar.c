// SPDX-License-Identifier: GPL-2.0
/*
 * hpchaos: the PCI BAR provider.
 *
 * A PCI driver for QEMU's ivshmem-plain device (1af4:1110). Its BAR2 (the
 * shared memory: a RAM region on the host side) becomes ZONE_DEVICE memory
 * of type MEMORY_DEVICE_GENERIC, the type device-dax uses: memremap_pages()
 * gives the BAR a memmap and a kernel direct mapping, and user space maps
 * it with mmap() of a /dev/hpchaos file at HPC_MMAP_OFFSET(id). The pages
 * are inserted the way the kernel in hand maps ZONE_DEVICE memory (module
 * parameter bar_map, see hpchaos_compat.h): as devmap ptes
 * (vmf_insert_mixed() of a PFN_DEV|PFN_MAP pfn, holding no reference)
 * where the kernel has them, otherwise as refcounted pages
 * (vmf_insert_page(), as device-dax does since devmap is gone). Either way
 * hmm_range_fault() reports them by pfn, so a mirror mirrors the BAR like
 * any other memory. See docs/kmod.md for why GENERIC and not
 * MEMORY_DEVICE_PCI_P2PDMA.
 *
 * The provider lives as long as the PCI device is bound. Removal of the
 * device (sysfs remove, unbind, a graceful hot unplug, rmmod) revokes it
 * cooperatively through the provider core: the mirrors that used it enter
 * LOST, every user mapping is zapped, and kill() waits for the page
 * references others took (get_user_pages()) before memunmap_pages().
 * A revoked provider stays in the table as GONE, so a re-plugged device
 * (same PCI name) takes the same id and LOST mirrors recover.
 *
 * A surprise removal on the host (QEMU qom-set realized false) tells the
 * guest nothing: the mappings stay, and read zeros; only the later removal
 * of the PCI device in the guest revokes the provider.
 *
 * Locking: see the lock order in hpchaos_internal.h.
 */
#define pr_fmt(fmt) "hpchaos: " fmt

#include <linux/bitmap.h>
#include <linux/delay.h>
#include <linux/fs.h>
#include <linux/list.h>
#include <linux/memremap.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/rwsem.h>
#include <linux/sched.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "hpchaos_compat.h"
#include "hpchaos_internal.h"

#if HPC_HAVE_DEVMAP_PTE
#include <linux/pfn_t.h>
#endif

#if HPC_HAVE_BAR

#define HPC_BAR_VENDOR		0x1af4	/* Red Hat, Inc. */
#define HPC_BAR_DEVICE		0x1110	/* Inter-VM shared memory */
#define HPC_BAR_INDEX		2	/* ivshmem: BAR2 is the shared memory */
/* kill() polls every HPC_BAR_HELD_POLL_MS until no page is held */
#define HPC_BAR_HELD_POLL_MS	20
/* held() walks the memmap, rescheduling every HPC_BAR_RESCHED_PAGES */
#define HPC_BAR_RESCHED_PAGES	4096
/* "auto", "devmap", "page" or "none" and the NUL */
#define HPC_BAR_MODE_LEN	8

/* mmap offsets: the provider id above HPC_MMAP_SHIFT, the page below */
#define HPC_BAR_PGOFF_SHIFT	(HPC_MMAP_SHIFT - PAGE_SHIFT)
#define HPC_BAR_PGOFF_MASK	((1UL << HPC_BAR_PGOFF_SHIFT) - 1)

/* An address space (a device node's inode) that maps the BAR. */
struct hpc_bar_mapping {
	struct list_head node;
	struct address_space *mapping;
	unsigned long vmas;		/* VMAs of it that map the BAR now */
};

struct hpc_bar {
	struct hpc_prov prov;
	struct dev_pagemap pgmap;
	struct pci_dev *pdev;		/* NULL once the device is removed */
	unsigned long base_pfn;
	bool refcounted;		/* user mappings hold page references */
	unsigned long *used;		/* pages faulted into a user mapping */

	struct rw_semaphore sem;
	bool dead;			/* under sem: no new user mappings */

	struct mutex maps_lock;
	struct list_head maps;		/* struct hpc_bar_mapping */
	unsigned long vmas;		/* all VMAs that map the BAR */

	struct mutex lock;
	bool mapped;			/* under lock: the memmap exists */
	bool region;			/* under lock: BAR2 is requested */
};

static struct hpc_bar *hpc_bar_of(struct hpc_prov *p)
{
	return container_of(p, struct hpc_bar, prov);
}

/*
 * How user mappings map the BAR: "devmap" (special devmap ptes, no page
 * reference; only where the kernel has them) or "page" (refcounted pages,
 * as device-dax maps them on kernels without devmap). Default: devmap
 * where available. hpc_bar_init() resolves it; reading the parameter shows
 * the mode in use.
 */
static char hpc_bar_map_param[HPC_BAR_MODE_LEN] = "auto";
module_param_string(bar_map, hpc_bar_map_param, sizeof(hpc_bar_map_param),
		    0444);
MODULE_PARM_DESC(bar_map,
		 "PCI BAR user mappings: auto, devmap (needs devmap ptes) or page (refcounted)");
static bool hpc_bar_refcounted;

#if HPC_HAVE_DEVMAP_PTE
static vm_fault_t hpc_bar_insert_devmap(struct vm_fault *vmf,
					unsigned long pfn)
{
	return vmf_insert_mixed(vmf->vma, vmf->address,
				__pfn_to_pfn_t(pfn, PFN_DEV | PFN_MAP));
}
#else
static vm_fault_t hpc_bar_insert_devmap(struct vm_fault *vmf,
					unsigned long pfn)
{
	return VM_FAULT_SIGBUS;	/* not reached: hpc_bar_init() chose "page" */
}
#endif

/* first page offset (in the /dev/hpchaos file) of provider p's memory */
static pgoff_t hpc_bar_pgoff(struct hpc_bar *bp)
{
	return (pgoff_t)bp->prov.id << HPC_BAR_PGOFF_SHIFT;
}

/* ---- user mappings ---- */

/* Forget the pages faulted in: nothing maps the BAR any more. */
static void hpc_bar_used_clear(struct hpc_bar *bp)
{
	unsigned long i;

	for_each_set_bit(i, bp->used, bp->prov.npages)
		if (test_and_clear_bit(i, bp->used))
			atomic64_dec(&bp->prov.pages_used);
}

/* Count a VMA of mapping; a new mapping gets an entry. */
static int hpc_bar_mapping_add(struct hpc_bar *bp,
			       struct address_space *mapping)
{
	struct hpc_bar_mapping *m;

	lockdep_assert_held(&bp->maps_lock);
	list_for_each_entry(m, &bp->maps, node) {
		if (m->mapping == mapping) {
			m->vmas++;
			bp->vmas++;
			return 0;
		}
	}
	m = kzalloc(sizeof(*m), GFP_KERNEL);
	if (!m)
		return -ENOMEM;
	m->mapping = mapping;
	m->vmas = 1;
	list_add_tail(&m->node, &bp->maps);
	bp->vmas++;
	return 0;
}

static void hpc_bar_mapping_del(struct hpc_bar *bp,
				struct address_space *mapping)
{
	struct hpc_bar_mapping *m;

	lockdep_assert_held(&bp->maps_lock);
	list_for_each_entry(m, &bp->maps, node) {
		if (m->mapping != mapping)
			continue;
		bp->vmas--;
		if (!--m->vmas) {
			list_del(&m->node);
			kfree(m);
		}
		break;
	}
	if (!bp->vmas)
		hpc_bar_used_clear(bp);
}

/*
 * Zap every user mapping of the BAR, in every address space that maps it
 * (a device node other than /dev/hpchaos has an inode, and so a mapping,
 * of its own). Its mmu notifiers tell the mirrors.
 */
static void hpc_bar_zap(struct hpc_bar *bp)
{
	struct hpc_bar_mapping *m;

	mutex_lock(&bp->maps_lock);
	list_for_each_entry(m, &bp->maps, node)
		unmap_mapping_pages(m->mapping, hpc_bar_pgoff(bp),
				    bp->prov.npages, true);
	mutex_unlock(&bp->maps_lock);
}

static void hpc_bar_vm_open(struct vm_area_struct *vma)
{
	struct hpc_bar *bp = vma->vm_private_data;

	kref_get(&bp->prov.ref);
	mutex_lock(&bp->maps_lock);
	/* the mapping has an entry already: this only counts, no allocation */
	WARN_ON_ONCE(hpc_bar_mapping_add(bp, vma->vm_file->f_mapping));
	mutex_unlock(&bp->maps_lock);
}

static void hpc_bar_vm_close(struct vm_area_struct *vma)
{
	struct hpc_bar *bp = vma->vm_private_data;

	mutex_lock(&bp->maps_lock);
	hpc_bar_mapping_del(bp, vma->vm_file->f_mapping);
	mutex_unlock(&bp->maps_lock);
	hpc_prov_put(&bp->prov);
}

/*
 * A CPU (or hmm_range_fault()) touched a page of the BAR mapping: map it,
 * as a devmap pte or as a refcounted page (bp->refcounted). Write faults
 * insert the same way (see hpchaos_compat.h on vmf_insert_mixed_mkwrite()).
 * SIGBUS once the provider is not live.
 */
static vm_fault_t hpc_bar_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct hpc_bar *bp = vma->vm_private_data;
	unsigned long idx = vmf->pgoff & HPC_BAR_PGOFF_MASK;
	unsigned long pfn;
	vm_fault_t ret;
	int err;

	down_read(&bp->sem);
	if (bp->dead || READ_ONCE(bp->prov.state) != HPC_PSTATE_LIVE ||
	    idx >= bp->prov.npages) {
		ret = VM_FAULT_SIGBUS;
		goto out;
	}
	/*
	 * Injected failure: -ENOMEM is what inserting a pte says when a page
	 * table cannot be allocated (VM_FAULT_OOM: the CPU fault is retried,
	 * hmm_range_fault() fails -EFAULT); any other error is a SIGBUS.
	 */
	err = hpc_fault_point(NULL, HPC_FP_BAR_MAP);
	if (err) {
		ret = err == -ENOMEM ? VM_FAULT_OOM : VM_FAULT_SIGBUS;
		goto out;
	}
	pfn = bp->base_pfn + idx;
	if (bp->refcounted)
		ret = vmf_insert_page(vma, vmf->address, pfn_to_page(pfn));
	else
		ret = hpc_bar_insert_devmap(vmf, pfn);
	if (ret == VM_FAULT_NOPAGE && !test_and_set_bit(idx, bp->used))
		atomic64_inc(&bp->prov.pages_used);
out:
	up_read(&bp->sem);
	return ret;
}

static const struct vm_operations_struct hpc_bar_vm_ops = {
	.open = hpc_bar_vm_open,
	.close = hpc_bar_vm_close,
	.fault = hpc_bar_fault,
};

/*
 * mmap() of a /dev/hpchaos file: offset HPC_MMAP_OFFSET(id) + n maps the
 * BAR of provider id from byte n. MAP_SHARED only; the whole range must
 * lie inside the BAR.
 */
int hpc_bar_mmap(struct file *file, struct vm_area_struct *vma)
{
	unsigned long id = vma->vm_pgoff >> HPC_BAR_PGOFF_SHIFT;
	unsigned long idx = vma->vm_pgoff & HPC_BAR_PGOFF_MASK;
	unsigned long n = vma_pages(vma);
	struct hpc_prov *p;
	struct hpc_bar *bp;
	int ret;

	if (!(vma->vm_flags & VM_MAYSHARE))
		return -EINVAL;
	if (!id || id >= HPC_MAX_PROVIDERS)
		return -ENODEV;
	p = hpc_prov_get(id);
	if (!p)
		return -ENODEV;
	if (p->kind != HPC_PKIND_PCI_BAR) {
		ret = -EINVAL;
		goto err_put;
	}
	bp = hpc_bar_of(p);
	if (idx >= p->npages || n > p->npages - idx) {
		ret = -EINVAL;
		goto err_put;
	}

	down_read(&bp->sem);
	if (bp->dead || READ_ONCE(p->state) != HPC_PSTATE_LIVE) {
		up_read(&bp->sem);
		ret = -ENODEV;
		goto err_put;
	}
	mutex_lock(&bp->maps_lock);
	ret = hpc_bar_mapping_add(bp, file->f_mapping);
	mutex_unlock(&bp->maps_lock);
	up_read(&bp->sem);
	if (ret)
		goto err_put;

	hpc_vm_flags_set(vma, VM_MIXEDMAP | VM_DONTEXPAND | VM_DONTDUMP);
	vma->vm_ops = &hpc_bar_vm_ops;
	vma->vm_private_data = bp;	/* holds the reference of hpc_prov_get() */
	return 0;

err_put:
	hpc_prov_put(p);
	return ret;
}

/* ---- provider ops ---- */

/*
 * Pages whose refcount is above their idle count: someone took a reference
 * with get_user_pages() and has not put it yet. The memmap starts every
 * MEMORY_DEVICE_GENERIC page at 1 (and the core resets it to 1 when it
 * drops to 0); devmap ptes hold no reference, a refcounted mapping holds
 * one per mapping, so there the idle count is 1 + the mapcount.
 */
static unsigned long hpc_bar_held(struct hpc_prov *p, unsigned long *first_pfn,
				  int *first_ref)
{
	struct hpc_bar *bp = hpc_bar_of(p);
	unsigned long i, held = 0;

	*first_pfn = 0;
	*first_ref = 0;
	mutex_lock(&bp->lock);
	for (i = 0; bp->mapped && i < p->npages; i++) {
		struct page *page = pfn_to_page(bp->base_pfn + i);
		int ref = page_ref_count(page);
		int idle = 1;

		if (!(i % HPC_BAR_RESCHED_PAGES))
			cond_resched();
		if (bp->refcounted && ref > 1)
			idle += hpc_page_mapcount(page);
		if (ref <= idle)
			continue;
		if (!held++) {
			*first_pfn = bp->base_pfn + i;
			*first_ref = ref;
		}
	}
	mutex_unlock(&bp->lock);
	return held;
}

/* No new user mappings from now on; faults get SIGBUS. */
static void hpc_bar_stop(struct hpc_bar *bp)
{
	down_write(&bp->sem);
	bp->dead = true;
	up_write(&bp->sem);
}

static void hpc_bar_unmap_user(struct hpc_prov *p)
{
	struct hpc_bar *bp = hpc_bar_of(p);

	hpc_bar_stop(bp);
	hpc_bar_zap(bp);
}

/* BAR memory is the device's own: there is nothing to move out. */
static int hpc_bar_evict(struct hpc_prov *p)
{
	return 0;
}

/*
 * memunmap_pages() and give BAR2 back. In 6.1 memunmap_pages() of a
 * GENERIC pagemap waits for pagemap references only (get_user_pages()
 * holds one just while it walks), not for page references, so pages
 * still referenced would outlive their memmap: a cooperative revocation
 * waits for them first (the core reports it STUCK past its bound). A
 * surprise one does not wait, as when the hardware is gone, and says so.
 * Refcounted user mappings are zapped first even then: their page
 * references and mapcounts must not outlive the memmap (a devmap pte holds
 * neither, and is zapped when the device is removed).
 */
static void hpc_bar_kill(struct hpc_prov *p)
{
	struct hpc_bar *bp = hpc_bar_of(p);
	unsigned long held, first_pfn;
	int first_ref;

	hpc_bar_stop(bp);
	if (bp->refcounted && (p->flags & HPC_PFLAG_SURPRISE))
		hpc_bar_zap(bp);
	if (!(p->flags & HPC_PFLAG_SURPRISE)) {
		/* the mappings are gone: references can only drop now */
		while (hpc_bar_held(p, &first_pfn, &first_ref))
			msleep(HPC_BAR_HELD_POLL_MS);
	} else {
		held = hpc_bar_held(p, &first_pfn, &first_ref);
		if (held)
			pr_warn("surprise revoke of %s: memunmap_pages() with %lu pages still referenced (first pfn %#lx refcount %d); the kernel does not wait for them\n",
				p->name, held, first_pfn, first_ref);
	}

	mutex_lock(&bp->lock);
	bp->mapped = false;
	mutex_unlock(&bp->lock);
	memunmap_pages(&bp->pgmap);

	mutex_lock(&bp->lock);
	if (bp->region && bp->pdev)
		pci_release_region(bp->pdev, HPC_BAR_INDEX);
	bp->region = false;
	mutex_unlock(&bp->lock);
	hpc_bar_used_clear(bp);
}

/* Once GONE and unused: no VMA maps it (each holds a reference). */
static void hpc_bar_destroy(struct hpc_prov *p)
{
	struct hpc_bar *bp = hpc_bar_of(p);

	WARN_ON_ONCE(!list_empty(&bp->maps));
	bitmap_free(bp->used);
	kfree(bp);
}

static const struct hpc_prov_ops hpc_bar_prov_ops = {
	.unmap_user = hpc_bar_unmap_user,
	.evict = hpc_bar_evict,
	.kill = hpc_bar_kill,
	.held = hpc_bar_held,
	.destroy = hpc_bar_destroy,
};

/* ---- the PCI driver ---- */

/* BAR2 must be a memory BAR that memremap_pages() can take whole. */
static int hpc_bar_check(struct pci_dev *pdev)
{
	resource_size_t start = pci_resource_start(pdev, HPC_BAR_INDEX);
	resource_size_t len = pci_resource_len(pdev, HPC_BAR_INDEX);
	unsigned long align = memremap_compat_align();

	if (!(pci_resource_flags(pdev, HPC_BAR_INDEX) & IORESOURCE_MEM) ||
	    !len) {
		dev_err(&pdev->dev, "hpchaos: BAR%d is not a memory BAR\n",
			HPC_BAR_INDEX);
		return -ENODEV;
	}
	/* memremap_pages() adds whole subsections; refuse what it would WARN on */
	if (!IS_ALIGNED(start, align) || !IS_ALIGNED(len, align)) {
		dev_err(&pdev->dev, "hpchaos: BAR%d %pR is not %lu KiB aligned\n",
			HPC_BAR_INDEX, &pdev->resource[HPC_BAR_INDEX],
			align / SZ_1K);
		return -EINVAL;
	}
	return 0;
}

/* The provider of pdev's BAR2, with its pagemap set up but not mapped. */
static struct hpc_bar *hpc_bar_alloc(struct pci_dev *pdev)
{
	resource_size_t start = pci_resource_start(pdev, HPC_BAR_INDEX);
	resource_size_t len = pci_resource_len(pdev, HPC_BAR_INDEX);
	struct hpc_bar *bp;

	bp = kzalloc(sizeof(*bp), GFP_KERNEL);
	if (!bp)
		return NULL;
	bp->prov.npages = len >> PAGE_SHIFT;
	bp->used = bitmap_zalloc(bp->prov.npages, GFP_KERNEL);
	if (!bp->used) {
		kfree(bp);
		return NULL;
	}
	init_rwsem(&bp->sem);
	mutex_init(&bp->maps_lock);
	INIT_LIST_HEAD(&bp->maps);
	mutex_init(&bp->lock);
	bp->pdev = pdev;
	bp->base_pfn = PHYS_PFN(start);
	bp->region = true;
	bp->refcounted = hpc_bar_refcounted;

	bp->pgmap.type = MEMORY_DEVICE_GENERIC;
	bp->pgmap.range.start = start;
	bp->pgmap.range.end = start + len - 1;
	bp->pgmap.nr_range = 1;
	return bp;
}

static int hpc_bar_probe(struct pci_dev *pdev, const struct pci_device_id *ent)
{
	struct hpc_bar *bp;
	void *addr;
	int ret;

	ret = hpc_bar_check(pdev);
	if (ret)
		return ret;
	ret = pci_enable_device_mem(pdev);
	if (ret)
		return ret;
	ret = pci_request_region(pdev, HPC_BAR_INDEX, "hpchaos");
	if (ret)
		goto err_disable;

	bp = hpc_bar_alloc(pdev);
	if (!bp) {
		ret = -ENOMEM;
		goto err_region;
	}
	addr = memremap_pages(&bp->pgmap, dev_to_node(&pdev->dev));
	if (IS_ERR(addr)) {
		ret = PTR_ERR(addr);
		dev_err(&pdev->dev, "hpchaos: memremap_pages(%pR): %d\n",
			&pdev->resource[HPC_BAR_INDEX], ret);
		goto err_free;
	}
	bp->mapped = true;

	bp->prov.kind = HPC_PKIND_PCI_BAR;
	bp->prov.ops = &hpc_bar_prov_ops;
	bp->prov.pgmap = &bp->pgmap;
	snprintf(bp->prov.name, sizeof(bp->prov.name), "bar:%s",
		 pci_name(pdev));
	pci_set_drvdata(pdev, bp);
	ret = hpc_prov_register(&bp->prov);
	if (ret) {
		pci_set_drvdata(pdev, NULL);
		memunmap_pages(&bp->pgmap);
		goto err_free;
	}
	dev_info(&pdev->dev, "hpchaos: BAR%d %pR is provider %u (%s), %lu pages, mapped as %s\n",
		 HPC_BAR_INDEX, &pdev->resource[HPC_BAR_INDEX], bp->prov.id,
		 bp->prov.name, bp->prov.npages,
		 bp->refcounted ? "refcounted pages" : "devmap ptes");
	return 0;

err_free:
	bitmap_free(bp->used);
	kfree(bp);
err_region:
	pci_release_region(pdev, HPC_BAR_INDEX);
err_disable:
	pci_disable_device(pdev);
	return ret;
}

/*
 * The device goes (sysfs remove or unbind, hot unplug, rmmod): revoke
 * cooperatively with the default bound and wait for the end, however
 * long, since BAR2 must be unused once this returns. The GONE provider
 * stays in the table (re-plug takes its id; rmmod releases it).
 */
static void hpc_bar_remove(struct pci_dev *pdev)
{
	struct hpc_bar *bp = pci_get_drvdata(pdev);
	struct hpc_prov *p = &bp->prov;
	int ret;

	ret = hpc_prov_revoke(p, 0, 0);
	if (ret && ret != -ENODEV)
		dev_warn(&pdev->dev, "hpchaos: revoke of %s: %d; waiting for it to finish\n",
			 p->name, ret);
	wait_for_completion(&p->revoked);
	/* after a surprise revocation the user mappings are still there */
	hpc_bar_zap(bp);

	mutex_lock(&bp->lock);
	if (bp->region)
		pci_release_region(pdev, HPC_BAR_INDEX);
	bp->region = false;
	bp->pdev = NULL;
	mutex_unlock(&bp->lock);
	pci_set_drvdata(pdev, NULL);
	pci_disable_device(pdev);
	dev_info(&pdev->dev, "hpchaos: removed, provider %u (%s) is %s\n",
		 p->id, p->name,
		 READ_ONCE(p->state) == HPC_PSTATE_GONE ? "gone" : "NOT GONE");
}

static const struct pci_device_id hpc_bar_ids[] = {
	{ PCI_DEVICE(HPC_BAR_VENDOR, HPC_BAR_DEVICE) },
	{ }
};

/*
 * No MODULE_DEVICE_TABLE: a test module must not be loaded just because
 * an ivshmem device exists; `modprobe hpchaos` binds the devices there are.
 */
static struct pci_driver hpc_bar_driver = {
	.name = "hpchaos_bar",
	.id_table = hpc_bar_ids,
	.probe = hpc_bar_probe,
	.remove = hpc_bar_remove,
};

const char *hpc_bar_mode(void)
{
	return hpc_bar_map_param;
}

/*
 * Resolve bar_map; no device is fine: pci_register_driver() does not fail
 * for that.
 */
int hpc_bar_init(void)
{
	if (!strcmp(hpc_bar_map_param, "auto")) {
		hpc_bar_refcounted = !HPC_HAVE_DEVMAP_PTE;
	} else if (!strcmp(hpc_bar_map_param, "page")) {
		hpc_bar_refcounted = true;
	} else if (!strcmp(hpc_bar_map_param, "devmap")) {
		if (!HPC_HAVE_DEVMAP_PTE) {
			pr_err("bar_map=devmap: this kernel has no devmap ptes (CONFIG_ARCH_HAS_PTE_DEVMAP, pfn_t); use page or auto\n");
			return -EINVAL;
		}
		hpc_bar_refcounted = false;
	} else {
		pr_err("bar_map=%s: not auto, devmap or page\n",
		       hpc_bar_map_param);
		return -EINVAL;
	}
	strscpy(hpc_bar_map_param, hpc_bar_refcounted ? "page" : "devmap",
		sizeof(hpc_bar_map_param));
	return pci_register_driver(&hpc_bar_driver);
}

void hpc_bar_exit(void)
{
	pci_unregister_driver(&hpc_bar_driver);
}

#else /* no PCI or no ZONE_DEVICE */

static char hpc_bar_map_param[HPC_BAR_MODE_LEN] = "auto";
module_param_string(bar_map, hpc_bar_map_param, sizeof(hpc_bar_map_param),
		    0444);
MODULE_PARM_DESC(bar_map,
		 "PCI BAR user mappings: none, the kernel lacks CONFIG_PCI or CONFIG_ZONE_DEVICE");

const char *hpc_bar_mode(void)
{
	return hpc_bar_map_param;
}

/* The provider reports itself unavailable: caps, bar_map, the log. */
int hpc_bar_init(void)
{
	if (strcmp(hpc_bar_map_param, "auto")) {
		pr_err("bar_map=%s: no PCI BAR provider in this kernel (needs CONFIG_PCI and CONFIG_ZONE_DEVICE)\n",
		       hpc_bar_map_param);
		return -EINVAL;
	}
	strscpy(hpc_bar_map_param, "none", sizeof(hpc_bar_map_param));
	pr_info("no PCI BAR provider: the kernel lacks CONFIG_PCI or CONFIG_ZONE_DEVICE\n");
	return 0;
}

void hpc_bar_exit(void)
{
}

int hpc_bar_mmap(struct file *file, struct vm_area_struct *vma)
{
	return -ENODEV;
}

#endif
