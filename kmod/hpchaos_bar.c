// SPDX-License-Identifier: GPL-2.0
/* hpchaos: PCI BAR provider (work in progress: not wired up yet). */
#include <linux/fs.h>
#include <linux/mm.h>

#include "hpchaos_internal.h"

int hpc_bar_init(void)
{
	return 0;
}

void hpc_bar_exit(void)
{
}

int hpc_bar_mmap(struct file *file, struct vm_area_struct *vma)
{
	return -ENODEV;
}
