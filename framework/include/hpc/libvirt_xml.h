/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A scenario's machine as a libvirt 9 domain (docs/backends.md). Memory
 * devices libvirt has a model for (pc-dimm, nvdimm, virtio-mem-pci on NUMA
 * node 0) become <memory> elements with the user alias "ua-ID"; everything
 * libvirt lacks (CXL, ivshmem, PCIe ports, memory-less NUMA nodes, devices
 * on those nodes) goes through <qemu:commandline> exactly as the QEMU
 * backend passes it. Pure text generation: no libvirt call here.
 */
#ifndef HPC_LIBVIRT_XML_H
#define HPC_LIBVIRT_XML_H

#include <stddef.h>
#include <stdio.h>

#include "hpc/scenario.h"

#define HPC_LV_ALIAS_PREFIX "ua-"

struct hpc_lv_opts {
	const char *name;	/* domain name */
	const char *kernel;	/* absolute paths on the libvirt host */
	const char *initrd;
	const char *append;	/* kernel command line */
	const char *files;	/* prefix of the scenario's @FILE paths: "/DIR/", "/POOL/DOMAIN." */
	const char *dac_label;	/* "+UID:+GID" to run QEMU as, or NULL: libvirt's */
	const char *emulator;	/* QEMU binary, or NULL: libvirt's default */
	const char *type;	/* domain type: "qemu" (TCG, NULL) or "kvm" */
};

/* Is device d a libvirt <memory> model (else: <qemu:commandline>)? */
int hpc_lv_is_model(const struct hpc_scenario *s, const struct hpc_device *d);

/*
 * The <memory> element of model device d. requested_kib: virtio-mem's
 * requested size (0: the scenario's requested-size). -1 if cap is too small
 * or d is no model. files: as in struct hpc_lv_opts.
 */
int hpc_lv_memory_xml(const struct hpc_scenario *s, const struct hpc_device *d,
		      const char *files, unsigned long long requested_kib,
		      char *buf, size_t cap);

/* The whole domain. -1 (with a reason in err) if it cannot be expressed. */
int hpc_lv_domain_xml(const struct hpc_scenario *s, const struct hpc_lv_opts *o,
		      FILE *out, char *err, size_t cap);

#endif
