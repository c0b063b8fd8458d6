// SPDX-License-Identifier: GPL-2.0
/* HPC_HAVE_FOLIO_FREE: dev_pagemap_ops.folio_free(folio) replaces page_free. */
#include <linux/mm.h>
#include <linux/memremap.h>

void hpc_feature(struct folio *folio);
void hpc_feature(struct folio *folio)
{
}

const struct dev_pagemap_ops hpc_feature_ops = {
	.folio_free = hpc_feature,
};
