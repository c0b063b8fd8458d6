// SPDX-License-Identifier: GPL-2.0
/* HPC_HAVE_PAGE_PGMAP: page_pgmap() replaces page->pgmap (6.15). */
#include <linux/mm.h>
#include <linux/memremap.h>

struct dev_pagemap *hpc_feature(struct page *page);
struct dev_pagemap *hpc_feature(struct page *page)
{
	return page_pgmap(page);
}
