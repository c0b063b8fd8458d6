// SPDX-License-Identifier: GPL-2.0
/* HPC_HAVE_ZDPI_ORDER: zone_device_page_init(page, order). */
#include <linux/mm.h>
#include <linux/memremap.h>

void hpc_feature(struct page *page);
void hpc_feature(struct page *page)
{
	zone_device_page_init(page, 0);
}
