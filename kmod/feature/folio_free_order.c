// SPDX-License-Identifier: GPL-2.0
/* HPC_HAVE_FOLIO_FREE_ORDER: dev_pagemap_ops.folio_free(folio, order). */
#include <linux/mm.h>
#include <linux/memremap.h>

void hpc_feature(struct folio *folio, unsigned int order);
void hpc_feature(struct folio *folio, unsigned int order)
{
}

const struct dev_pagemap_ops hpc_feature_ops = {
	.folio_free = hpc_feature,
};
