// SPDX-License-Identifier: GPL-2.0
/*
 * QEMU arguments of a parsed scenario: -M, -m, -smp, NUMA nodes, the boot
 * devices, and the QMP arguments of a hotplugged device. The libvirt
 * domain (libvirt_xml.c) is made from the same parsed scenario.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "hpc/scenario.h"

static int push(char **argv, int n, int cap, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int push(char **argv, int n, int cap, const char *fmt, ...)
{
	va_list ap;
	int r;

	if (n < 0 || n + 1 >= cap)
		return -1;
	va_start(ap, fmt);
	r = vasprintf(&argv[n], fmt, ap);
	va_end(ap);
	if (r < 0)
		return -1;
	argv[n + 1] = NULL;
	return n + 1;
}

/*
 * The -M value: "q35,cxl=on,cxl-fmw.0.targets.0=cxl.1,cxl-fmw.0.size=4G"
 * (QEMU 7.2's syntax; docs/system/devices/cxl.rst). -1 if cap is too small.
 */
int hpc_machine_opts(const struct hpc_machine *m, int with_type, char *buf,
		     size_t cap)
{
	size_t off = 0;
	int r;

	buf[0] = 0;

#define ADD(...) do { \
		r = snprintf(buf + off, cap - off, __VA_ARGS__); \
		if (r < 0 || (size_t)r >= cap - off) \
			return -1; \
		off += (size_t)r; \
	} while (0)
	if (with_type)
		ADD("%s", m->type);
	if (m->nvdimm)
		ADD("%snvdimm=on", off ? "," : "");
	if (m->cxl)
		ADD("%scxl=on", off ? "," : "");
	for (unsigned int i = 0; m->cxl && i < m->nfmw; i++) {
		const struct hpc_cxl_fmw *f = &m->fmw[i];

		for (unsigned int t = 0; t < f->ntargets; t++)
			ADD(",cxl-fmw.%u.targets.%u=%s", i, t, f->targets[t]);
		ADD(",cxl-fmw.%u.size=%s", i, f->size);
		if (f->granularity)
			ADD(",cxl-fmw.%u.interleave-granularity=%u", i,
			    f->granularity);
	}
#undef ADD
	return 0;
}

char *hpc_device_opts(const struct hpc_device *d, const char *prefix)
{
	char buf[4096];
	size_t off = 0;

	off += snprintf(buf, sizeof(buf), "%s,id=%s", d->driver, d->id);
	for (int k = 0; k < d->nprops && off < sizeof(buf); k++)
		off += snprintf(buf + off, sizeof(buf) - off, ",%s=%s%s",
				d->props[k].key,
				d->props[k].val[0] == '@' && prefix ? prefix : "",
				d->props[k].val[0] == '@' ?
				d->props[k].val + 1 : d->props[k].val);
	return off < sizeof(buf) ? strdup(buf) : NULL;
}

int hpc_scenario_qemu_args(const struct hpc_scenario *s, char **argv, int n,
			   int cap)
{
	const struct hpc_machine *m = &s->machine;
	char mopts[8192];

	if (hpc_machine_opts(m, 1, mopts, sizeof(mopts)) < 0)
		return -1;
	n = push(argv, n, cap, "-M");
	n = push(argv, n, cap, "%s", mopts);
	n = push(argv, n, cap, "-m");
	if (m->maxmem[0])
		n = push(argv, n, cap, "%s,slots=%u,maxmem=%s", m->memory,
			 m->slots, m->maxmem);
	else
		n = push(argv, n, cap, "%s", m->memory);
	n = push(argv, n, cap, "-smp");
	n = push(argv, n, cap, "%u", m->cpus);
	if (m->nodes > 1) {
		/*
		 * Boot memory on node 0, nodes 1.. empty: targets for
		 * hot-plugged memory (pc-dimm node=1, nvdimm node=1).
		 */
		n = push(argv, n, cap, "-object");
		n = push(argv, n, cap, "memory-backend-ram,id=hpc-node0,size=%s",
			 m->memory);
		n = push(argv, n, cap, "-numa");
		n = push(argv, n, cap, "node,nodeid=0,memdev=hpc-node0");
		for (unsigned int i = 1; i < m->nodes; i++) {
			n = push(argv, n, cap, "-numa");
			n = push(argv, n, cap, "node,nodeid=%u", i);
		}
	}
	for (int i = 0; i < s->ndevices && n > 0; i++) {
		const struct hpc_device *d = &s->devices[i];
		char *o;

		if (d->hotplug)
			continue;
		o = hpc_device_opts(d, NULL);
		if (!o)
			return -1;
		n = push(argv, n, cap, "%s", d->is_object ? "-object" : "-device");
		n = push(argv, n, cap, "%s", o);
		free(o);
	}
	return n;
}

/* QMP wants typed values: numbers as integers, on/off as booleans. */
static struct json_object *qmp_value(const char *v)
{
	if (v[0] == '@')
		return json_object_new_string(v + 1);
	if (strspn(v, "0123456789") == strlen(v) && strlen(v) < 19)
		return json_object_new_int64(strtoll(v, NULL, 10));
	if (strcmp(v, "on") == 0 || strcmp(v, "true") == 0)
		return json_object_new_boolean(1);
	if (strcmp(v, "off") == 0 || strcmp(v, "false") == 0)
		return json_object_new_boolean(0);
	return json_object_new_string(v);
}

struct json_object *hpc_device_qmp_args(const struct hpc_device *d)
{
	struct json_object *args = json_object_new_object();

	json_object_object_add(args, "driver", json_object_new_string(d->driver));
	json_object_object_add(args, "id", json_object_new_string(d->id));
	for (int k = 0; k < d->nprops; k++)
		json_object_object_add(args, d->props[k].key,
				       qmp_value(d->props[k].val));
	return args;
}

