// SPDX-License-Identifier: GPL-2.0
/* HPC_HAVE_PAGE_MAPCOUNT: page_mapcount() (removed in 6.12). */
#include <linux/mm.h>

int hpc_feature(struct page *page);
int hpc_feature(struct page *page)
{
	return page_mapcount(page);
}
