/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hpchaos: what differs between the kernels the module builds on (6.1 and
 * later), in one place.
 *
 * Every decision is made from what the kernel's headers provide: the
 * HPC_HAVE_* macros come from the feature tests in Kbuild (feature/NAME.c
 * compiled against the kernel in hand), the rest from Kconfig symbols and
 * __has_include(). There is no LINUX_VERSION_CODE check: distribution
 * kernels backport API changes, and the tests follow them.
 *
 * Each shim names the upstream change it follows. Built and W=1-checked
 * here: Debian 6.1 and 6.12. The shims for changes after 6.12 are written
 * from the upstream sources only (see docs/kmod.md, "Kernels").
 *
 * Changes that need no shim, for the record:
 *  - no_llseek is gone ("[tree-wide] finally take no_llseek out", 6.12):
 *    /dev/hpchaos sets no .llseek. Since nonseekable_open() clears
 *    FMODE_LSEEK, lseek() gets -ESPIPE on every kernel, as before.
 *  - vmf_insert_mixed_mkwrite() is declared but no longer exported in 6.12
 *    (its one user, fs/dax.c, is built in): the BAR fault handler inserts
 *    with vmf_insert_mixed() for write faults too. The pte then gets the VMA's
 *    protection, writable for a shared writable mapping; where the mapping
 *    wants write notifications the next write takes the write-protect
 *    fault, which makes the pte writable (no pfn_mkwrite/page_mkwrite).
 */
#ifndef HPC_COMPAT_H
#define HPC_COMPAT_H

#include <linux/mm.h>
#include <linux/memremap.h>
#include <linux/stringify.h>

/*
 * page_pgmap(): Alistair Popple's ZONE_DEVICE refcount series (6.15) moved
 * the pgmap pointer to the folio; it is read through page_pgmap().
 */
#ifdef HPC_HAVE_PAGE_PGMAP
#define hpc_page_pgmap(page)	page_pgmap(page)
#define HPC_COMPAT_PGMAP	"page_pgmap()"
#else
#define hpc_page_pgmap(page)	((page)->pgmap)
#define HPC_COMPAT_PGMAP	"page->pgmap"
#endif

/*
 * zone_device_page_init(): the device-private THP work (Balbir Singh, 2025)
 * gave it an order, zone_device_page_init(page, order), and the rework
 * that reinitializes large device-private folios (Matthew Brost) a pgmap:
 * zone_device_page_init(page, pgmap, order). We hand out order-0 pages.
 */
#if defined(HPC_HAVE_ZDPI_PGMAP_ORDER)
#define hpc_zone_device_page_init(page, pgmap) \
	zone_device_page_init(page, pgmap, 0)
#define HPC_COMPAT_ZDPI		"(page, pgmap, order)"
#elif defined(HPC_HAVE_ZDPI_ORDER)
#define hpc_zone_device_page_init(page, pgmap) \
	do { (void)(pgmap); zone_device_page_init(page, 0); } while (0)
#define HPC_COMPAT_ZDPI		"(page, order)"
#else
#define hpc_zone_device_page_init(page, pgmap) \
	do { (void)(pgmap); zone_device_page_init(page); } while (0)
#define HPC_COMPAT_ZDPI		"(page)"
#endif

/*
 * dev_pagemap_ops.page_free(page) became folio_free(folio) with
 * "mm/zone_device: Rename page_free callback to folio_free" (Balbir Singh,
 * device-private THP series); a later patch passes the order the folio
 * had before the core split it: folio_free(folio, order).
 * HPC_DEFINE_PAGE_FREE(name, fn) defines the callback `name`, to assign to
 * the member HPC_PAGE_FREE_MEMBER; fn(struct page *) does the work.
 */
#if defined(HPC_HAVE_FOLIO_FREE_ORDER)
#define HPC_PAGE_FREE_MEMBER	folio_free
#define HPC_COMPAT_FREE		"folio_free(folio, order)"
#define HPC_DEFINE_PAGE_FREE(name, fn)					\
	static void name(struct folio *folio, unsigned int order)	\
	{								\
		WARN_ON_ONCE(order);					\
		fn(folio_page(folio, 0));				\
	}
#elif defined(HPC_HAVE_FOLIO_FREE)
#define HPC_PAGE_FREE_MEMBER	folio_free
#define HPC_COMPAT_FREE		"folio_free(folio)"
#define HPC_DEFINE_PAGE_FREE(name, fn)					\
	static void name(struct folio *folio)				\
	{								\
		fn(folio_page(folio, 0));				\
	}
#else
#define HPC_PAGE_FREE_MEMBER	page_free
#define HPC_COMPAT_FREE		"page_free(page)"
#define HPC_DEFINE_PAGE_FREE(name, fn)					\
	static void name(struct page *page)				\
	{								\
		fn(page);						\
	}
#endif

/*
 * vm_flags_set(): "mm: introduce vma->vm_flags wrapper functions" (6.3)
 * made vma->vm_flags read-only for everyone else.
 */
static inline void hpc_vm_flags_set(struct vm_area_struct *vma,
				    unsigned long flags)
{
#ifdef HPC_HAVE_VM_FLAGS_SET
	vm_flags_set(vma, flags);
#else
	vma->vm_flags |= flags;
#endif
}

/*
 * The mapcount of an order-0 page: page_mapcount() is gone in 6.12 (the
 * 6.12 headers have none); folio_mapcount() is inline there, but out of
 * line and not exported in 6.1.
 */
static inline int hpc_page_mapcount(struct page *page)
{
#ifdef HPC_HAVE_PAGE_MAPCOUNT
	return page_mapcount(page);
#else
	return folio_mapcount(page_folio(page));
#endif
}

/*
 * How the PCI BAR provider maps its ZONE_DEVICE pages into user space.
 *
 * devmap ptes: vmf_insert_mixed() of a PFN_DEV|PFN_MAP pfn_t; the pte is
 * special and devmap, holds no page reference, and hmm_range_fault()
 * reports it by pfn. Needs CONFIG_ARCH_HAS_PTE_DEVMAP and <linux/pfn_t.h>,
 * both removed in 6.17 by Alistair Popple's series removing the
 * pXX_devmap page table bits and pfn_t, after which device-dax maps its
 * pages as ordinary refcounted pages.
 *
 * refcounted pages: vmf_insert_page() of the BAR page; the pte is an
 * ordinary one holding a page reference and a mapcount, as device-dax
 * does since then. Available wherever ZONE_DEVICE is.
 */
#if IS_ENABLED(CONFIG_ARCH_HAS_PTE_DEVMAP) && __has_include(<linux/pfn_t.h>)
#define HPC_HAVE_DEVMAP_PTE	1
#else
#define HPC_HAVE_DEVMAP_PTE	0
#endif

#ifdef HPC_HAVE_VM_FLAGS_SET
#define HPC_COMPAT_VM_FLAGS	"vm_flags_set()"
#else
#define HPC_COMPAT_VM_FLAGS	"vma->vm_flags"
#endif
#ifdef HPC_HAVE_PAGE_MAPCOUNT
#define HPC_COMPAT_MAPCOUNT	"page_mapcount()"
#else
#define HPC_COMPAT_MAPCOUNT	"folio_mapcount()"
#endif

/* What the shims chose, for debugfs caps. */
#define HPC_COMPAT_STR							\
	"pgmap=" HPC_COMPAT_PGMAP					\
	" zone_device_page_init=" HPC_COMPAT_ZDPI			\
	" free_callback=" HPC_COMPAT_FREE				\
	" vm_flags=" HPC_COMPAT_VM_FLAGS				\
	" mapcount=" HPC_COMPAT_MAPCOUNT				\
	" devmap_pte=" __stringify(HPC_HAVE_DEVMAP_PTE)

#endif /* HPC_COMPAT_H */
