// SPDX-License-Identifier: GPL-2.0
/* Must compile: otherwise no feature test result means anything. */
#include <linux/mm.h>
#include <linux/memremap.h>

int hpc_feature(struct page *page);
int hpc_feature(struct page *page)
{
	return page_ref_count(page);
}
