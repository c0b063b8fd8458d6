// SPDX-License-Identifier: GPL-2.0
/* HPC_HAVE_ZDPI_PGMAP_ORDER: zone_device_page_init(page, pgmap, order). */
#include <linux/mm.h>
#include <linux/memremap.h>

void hpc_feature(struct page *page, struct dev_pagemap *pgmap);
void hpc_feature(struct page *page, struct dev_pagemap *pgmap)
{
	zone_device_page_init(page, pgmap, 0);
}
