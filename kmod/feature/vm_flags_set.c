// SPDX-License-Identifier: GPL-2.0
/* HPC_HAVE_VM_FLAGS_SET: vm_flags_set(); vma->vm_flags is read-only (6.3). */
#include <linux/mm.h>

void hpc_feature(struct vm_area_struct *vma);
void hpc_feature(struct vm_area_struct *vma)
{
	vm_flags_set(vma, VM_MIXEDMAP);
}
