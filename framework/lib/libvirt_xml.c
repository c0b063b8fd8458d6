// SPDX-License-Identifier: GPL-2.0
/*
 * Scenario machine -> libvirt 9 domain XML. See include/hpc/libvirt_xml.h
 * and docs/backends.md for what becomes a libvirt element and what goes
 * through <qemu:commandline>, and why.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "hpc/libvirt_xml.h"

static const char *prop(const struct hpc_device *d, const char *key)
{
	for (int k = 0; k < d->nprops; k++)
		if (strcmp(d->props[k].key, key) == 0)
			return d->props[k].val;
	return NULL;
}

/* Every property of d is one of keys (NULL-terminated). */
static int props_within(const struct hpc_device *d, const char *const *keys)
{
	for (int k = 0; k < d->nprops; k++) {
		int ok = 0;

		for (const char *const *p = keys; *p && !ok; p++)
			ok = strcmp(d->props[k].key, *p) == 0;
		if (!ok)
			return 0;
	}
	return 1;
}

static int kib(const char *v, unsigned long long *out)
{
	unsigned long long b;

	if (!v || hpc_size_parse(v, &b, NULL) < 0 || b % 1024)
		return -1;
	*out = b / 1024;
	return 0;
}

/* The memory-backend object of d, if only d uses it. */
static const struct hpc_device *own_memdev(const struct hpc_scenario *s,
					   const struct hpc_device *d)
{
	const char *id = prop(d, "memdev");
	const struct hpc_device *o = id ? hpc_scenario_device(s, id) : NULL;

	if (!o || !o->is_object)
		return NULL;
	for (int i = 0; i < s->ndevices; i++) {
		const struct hpc_device *x = &s->devices[i];
		const char *m = prop(x, "memdev");

		if (x != d && m && strcmp(m, id) == 0)
			return NULL;
	}
	return o;
}

int hpc_lv_is_model(const struct hpc_scenario *s, const struct hpc_device *d)
{
	static const char *const dimm_keys[] = { "memdev", "node", NULL };
	static const char *const nvdimm_keys[] = { "memdev", "node", "label-size", NULL };
	static const char *const vmem_keys[] = { "memdev", "node", "requested-size",
						 "block-size", NULL };
	static const char *const ram_keys[] = { "size", NULL };
	static const char *const file_keys[] = { "size", "mem-path", "share", NULL };
	const struct hpc_device *o;
	const char *node = prop(d, "node");
	const char *share;

	if (d->is_object || !s->machine.maxmem[0] ||
	    strspn(d->id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		   "0123456789_-") != strlen(d->id))
		return 0;
	/* libvirt cannot make a memory-less NUMA node: only node 0 is its own */
	if (node && strcmp(node, "0"))
		return 0;
	o = own_memdev(s, d);
	if (!o)
		return 0;
	if (strcmp(d->driver, "pc-dimm") == 0)
		return props_within(d, dimm_keys) &&
		       strcmp(o->driver, "memory-backend-ram") == 0 &&
		       props_within(o, ram_keys);
	if (strcmp(d->driver, "virtio-mem-pci") == 0)
		return props_within(d, vmem_keys) &&
		       strcmp(o->driver, "memory-backend-ram") == 0 &&
		       props_within(o, ram_keys);
	if (strcmp(d->driver, "nvdimm") == 0) {
		share = prop(o, "share");
		return props_within(d, nvdimm_keys) &&
		       strcmp(o->driver, "memory-backend-file") == 0 &&
		       props_within(o, file_keys) && prop(o, "mem-path") &&
		       prop(o, "mem-path")[0] == '@' && share &&
		       strcmp(share, "on") == 0;
	}
	return 0;
}

/* Is object o the memory backend of a model device (libvirt makes it)? */
static int folded_object(const struct hpc_scenario *s, const struct hpc_device *o)
{
	for (int i = 0; i < s->ndevices; i++) {
		const struct hpc_device *d = &s->devices[i];
		const char *m = prop(d, "memdev");

		if (m && strcmp(m, o->id) == 0 && hpc_lv_is_model(s, d))
			return 1;
	}
	return 0;
}

/* Text for XML attributes and content (ids and values are already tame). */
static void esc(FILE *f, const char *v)
{
	for (; *v; v++) {
		switch (*v) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '\'': fputs("&apos;", f); break;
		case '"': fputs("&quot;", f); break;
		default: fputc(*v, f);
		}
	}
}

/* "INDENT<TAG>text</TAG>\n", the text escaped */
static void elem(FILE *f, const char *indent, const char *tag, const char *text)
{
	fprintf(f, "%s<%s>", indent, tag);
	esc(f, text);
	fprintf(f, "</%s>\n", tag);
}

static int memory_xml(FILE *f, const struct hpc_scenario *s,
		      const struct hpc_device *d, const char *files,
		      unsigned long long requested_kib)
{
	const struct hpc_device *o = own_memdev(s, d);
	unsigned long long size, v;
	int nvdimm = strcmp(d->driver, "nvdimm") == 0;
	int vmem = strcmp(d->driver, "virtio-mem-pci") == 0;

	if (!o || kib(prop(o, "size"), &size) < 0)
		return -1;
	fprintf(f, "<memory model='%s'%s>", nvdimm ? "nvdimm" : vmem ? "virtio-mem" : "dimm",
		nvdimm ? " access='shared'" : "");
	fputs("<alias name='" HPC_LV_ALIAS_PREFIX, f);
	esc(f, d->id);
	fputs("'/>", f);
	if (nvdimm) {
		fputs("<source><path>", f);
		esc(f, files);
		esc(f, prop(o, "mem-path") + 1);
		fputs("</path></source>", f);
	}
	fprintf(f, "<target><size unit='KiB'>%llu</size><node>0</node>", size);
	if (nvdimm && prop(d, "label-size")) {
		if (kib(prop(d, "label-size"), &v) < 0)
			return -1;
		fprintf(f, "<label><size unit='KiB'>%llu</size></label>", v);
	}
	if (vmem) {
		if (prop(d, "block-size")) {
			if (kib(prop(d, "block-size"), &v) < 0)
				return -1;
			fprintf(f, "<block unit='KiB'>%llu</block>", v);
		}
		v = requested_kib;
		if (!v && prop(d, "requested-size") &&
		    kib(prop(d, "requested-size"), &v) < 0)
			return -1;
		fprintf(f, "<requested unit='KiB'>%llu</requested>", v);
	}
	fputs("</target></memory>", f);
	return 0;
}

int hpc_lv_memory_xml(const struct hpc_scenario *s, const struct hpc_device *d,
		      const char *files, unsigned long long requested_kib,
		      char *buf, size_t cap)
{
	FILE *f;
	int r;

	if (!hpc_lv_is_model(s, d) || cap == 0)
		return -1;
	f = fmemopen(buf, cap, "w");
	if (!f)
		return -1;
	r = memory_xml(f, s, d, files, requested_kib);
	if (fclose(f) != 0 || strlen(buf) >= cap - 1)
		r = -1;
	return r;
}

static void arg(FILE *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void arg(FILE *f, const char *fmt, ...)
{
	char buf[8192];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fputs("    <qemu:arg value='", f);
	esc(f, buf);
	fputs("'/>\n", f);
}

static void commandline(FILE *f, const struct hpc_scenario *s, const char *files,
			const char *mopts)
{
	const struct hpc_machine *m = &s->machine;

	fputs("  <qemu:commandline>\n", f);
	/* QEMU merges -machine options: these add to libvirt's */
	if (mopts[0]) {
		arg(f, "-machine");
		arg(f, "%s", mopts);
	}
	for (unsigned int i = 1; i < m->nodes; i++) {
		arg(f, "-numa");
		arg(f, "node,nodeid=%u", i);
	}
	for (int i = 0; i < s->ndevices; i++) {
		const struct hpc_device *d = &s->devices[i];
		char *o;

		if (d->hotplug || hpc_lv_is_model(s, d) ||
		    (d->is_object && folded_object(s, d)))
			continue;
		o = hpc_device_opts(d, files);
		if (!o)
			continue;
		arg(f, "%s", d->is_object ? "-object" : "-device");
		arg(f, "%s", o);
		free(o);
	}
	fputs("  </qemu:commandline>\n", f);
}

int hpc_lv_domain_xml(const struct hpc_scenario *s, const struct hpc_lv_opts *o,
		      FILE *f, char *err, size_t cap)
{
	const struct hpc_machine *m = &s->machine;
	unsigned long long mem, maxmem = 0;
	int numa = m->maxmem[0] || m->nodes > 1;
	char mopts[8192];

	if (kib(m->memory, &mem) < 0 || (m->maxmem[0] && kib(m->maxmem, &maxmem) < 0)) {
		snprintf(err, cap, "memory size not a whole number of KiB");
		return -1;
	}
	if (hpc_machine_opts(m, 0, mopts, sizeof(mopts)) < 0) {
		snprintf(err, cap, "machine options too long");
		return -1;
	}
	fprintf(f, "<domain type='%s' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>\n",
		o->type && strcmp(o->type, "kvm") == 0 ? "kvm" : "qemu");
	elem(f, "  ", "name", o->name);
	fputs("  <description>hpchaos scenario ", f);
	esc(f, s->name);
	fputs(" (transient, destroyed with the runner)</description>\n", f);
	if (maxmem)
		fprintf(f, "  <maxMemory slots='%u' unit='KiB'>%llu</maxMemory>\n",
			m->slots, maxmem);
	fprintf(f, "  <memory unit='KiB'>%llu</memory>\n  <vcpu>%u</vcpu>\n", mem, m->cpus);
	fprintf(f, "  <os>\n    <type arch='x86_64' machine='%s'>hvm</type>\n", m->type);
	elem(f, "    ", "kernel", o->kernel);
	elem(f, "    ", "initrd", o->initrd);
	elem(f, "    ", "cmdline", o->append);
	fputs("  </os>\n  <features><acpi/></features>\n", f);
	if (numa)
		fprintf(f, "  <cpu><numa><cell id='0' cpus='0-%u' memory='%llu' unit='KiB'/></numa></cpu>\n",
			m->cpus - 1, mem);
	fputs("  <on_poweroff>destroy</on_poweroff>\n  <on_reboot>destroy</on_reboot>\n"
	      "  <on_crash>destroy</on_crash>\n  <devices>\n", f);
	if (o->emulator)
		elem(f, "    ", "emulator", o->emulator);
	/*
	 * Nothing the QEMU backend's -nodefaults machine lacks, except what
	 * libvirt always has (the PIIX/ICH9 built-ins): no USB, balloon,
	 * video or NIC; the agent's virtio-serial on the root bus, so that
	 * libvirt adds no PCIe root port of its own beside the scenario's.
	 */
	fputs("    <controller type='usb' model='none'/>\n"
	      "    <controller type='virtio-serial' index='0'>"
	      "<address type='pci' domain='0' bus='0' slot='0x1d' function='0'/></controller>\n"
	      "    <serial type='pty'><target port='0'/></serial>\n"
	      "    <channel type='unix'><target type='virtio' name='org.hpchaos.agent'/></channel>\n"
	      "    <memballoon model='none'/>\n", f);
	for (int i = 0; i < s->ndevices; i++) {
		const struct hpc_device *d = &s->devices[i];

		if (!hpc_lv_is_model(s, d))
			continue;
		if (d->hotplug)
			continue;
		fputs("    ", f);
		if (memory_xml(f, s, d, o->files, 0) < 0) {
			snprintf(err, cap, "device %s (line %d): size not a whole number of KiB",
				 d->id, d->line);
			return -1;
		}
		fputs("\n", f);
	}
	fputs("  </devices>\n", f);
	if (o->dac_label) {
		fputs("  <seclabel type='static' model='dac' relabel='no'><label>", f);
		esc(f, o->dac_label);
		fputs("</label></seclabel>\n", f);
	}
	commandline(f, s, o->files, mopts);
	fputs("</domain>\n", f);
	return ferror(f) ? -1 : 0;
}
