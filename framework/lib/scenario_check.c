// SPDX-License-Identifier: GPL-2.0
/*
 * Scenario checks that need the whole file (references between devices,
 * CXL topology, events that something emits), and the requirements of a
 * scenario checked against a kernel.
 */
#include <stdio.h>
#include <string.h>

#include "scenario_parser.h"

/* The value of property key of d, or NULL. */
const char *scn_prop_get(const struct hpc_device *d, const char *key)
{
	for (int k = 0; k < d->nprops; k++)
		if (strcmp(d->props[k].key, key) == 0)
			return d->props[k].val;
	return NULL;
}

static int is_cxl_driver(const char *driver)
{
	return strncmp(driver, "cxl-", 4) == 0 || strcmp(driver, "pxb-cxl") == 0;
}

static int in_list(const char *const *list, const char *s)
{
	for (; *list; list++)
		if (strcmp(*list, s) == 0)
			return 1;
	return 0;
}

/* Properties that name a memory backend object. */
static const char *const memdev_props[] = {
	"memdev", "lsa", "persistent-memdev", "volatile-memdev", NULL,
};

/*
 * References between devices: a memory backend must be an object defined
 * above, a bus a device defined above (plugged at boot unless the device
 * itself is hotplugged) or the machine's root bus. CXL devices sit where
 * QEMU puts them: pxb-cxl on pcie.0, cxl-rp on a pxb-cxl, cxl-upstream on a
 * cxl-rp, cxl-downstream on a cxl-upstream, cxl-type3 on a cxl-rp or
 * cxl-downstream, with its memory (memdev, and lsa for persistent memory).
 */
static void validate_device(struct parser *p, const struct hpc_device *d)
{
	const struct hpc_scenario *s = p->s;
	const char *root = strcmp(s->machine.type, "q35") == 0 ? "pcie.0" : "pci.0";
	const char *bus;
	const struct hpc_device *parent = NULL;

	for (int k = 0; k < d->nprops; k++) {
		const struct hpc_device *ref;

		if (!in_list(memdev_props, d->props[k].key))
			continue;
		ref = hpc_scenario_device(s, d->props[k].val);
		if (!ref || !ref->is_object || ref > d)
			scn_perr(p, d->line, "%s=%s: no object with that id above",
				 d->props[k].key, d->props[k].val);
	}
	if (d->is_object)
		return;
	bus = scn_prop_get(d, "bus");
	if (bus && strcmp(bus, root)) {
		parent = hpc_scenario_device(s, bus);
		if (parent == d) {
			scn_perr(p, d->line, "bus=%s: a device cannot sit on its own bus: name a device above (or %s, the %s machine's root bus)",
				 bus, root, s->machine.type);
			return;
		}
		if (!parent || parent->is_object || parent > d) {
			scn_perr(p, d->line, "bus=%s: no device with that id above (or %s, the %s machine's root bus)",
				 bus, root, s->machine.type);
			return;
		}
		if (parent->hotplug && !d->hotplug) {
			scn_perr(p, d->line, "bus=%s: that device is plugged later (hotplug), not at boot",
				 bus);
			return;
		}
	}
	if (!is_cxl_driver(d->driver))
		return;
	if (!s->machine.cxl) {
		scn_perr(p, d->line, "%s needs a CXL machine: 'machine type=q35 cxl=on ...'",
			 d->driver);
		return;
	}
	if (strcmp(d->driver, "pxb-cxl") == 0) {
		if (d->hotplug)
			scn_perr(p, d->line, "pxb-cxl cannot be hotplugged (a host bridge is there at boot)");
		if (parent)
			scn_perr(p, d->line, "pxb-cxl: expected bus=%s (host bridges sit on the root bus), got bus=%s",
				 root, bus);
		if (!scn_prop_get(d, "bus_nr"))
			scn_perr(p, d->line, "pxb-cxl: expected bus_nr=N (its first bus number, e.g. bus_nr=12)");
		return;
	}
	{
		const char *want =
			strcmp(d->driver, "cxl-rp") == 0 ? "pxb-cxl" :
			strcmp(d->driver, "cxl-upstream") == 0 ? "cxl-rp" :
			strcmp(d->driver, "cxl-downstream") == 0 ? "cxl-upstream" :
			"cxl-rp or cxl-downstream";
		int ok = parent && (strcmp(d->driver, "cxl-type3") ?
				    strcmp(parent->driver, want) == 0 :
				    strcmp(parent->driver, "cxl-rp") == 0 ||
				    strcmp(parent->driver, "cxl-downstream") == 0);

		if (!ok) {
			scn_perr(p, d->line, "%s: expected bus=ID of a %s device above%s%s",
				 d->driver, want, parent ? ", got a " : "",
				 parent ? parent->driver : "");
			return;
		}
	}
	if (strcmp(d->driver, "cxl-type3") == 0) {
		int pmem = scn_prop_get(d, "memdev") || scn_prop_get(d, "persistent-memdev");

		if (!pmem && !scn_prop_get(d, "volatile-memdev"))
			scn_perr(p, d->line, "cxl-type3: expected memdev=OBJECT (its persistent memory; QEMU 7.2 has no other kind)");
		else if (pmem && !scn_prop_get(d, "lsa"))
			scn_perr(p, d->line, "cxl-type3: expected lsa=OBJECT (the label storage area persistent memory needs)");
	}
}

/*
 * A host bridge that decodes a window needs two root ports or more. Linux
 * (6.1: drivers/cxl/port.c) gives a port with a single downstream port a
 * pass-through decoder and never programs its HDM decoder; QEMU 7.2 routes
 * a window access only through a committed host-bridge HDM decoder, so with
 * one cxl-rp every read of the region returns 0 and every write is dropped
 * (measured: the memdev's backing file stays empty). A second, empty
 * cxl-rp makes Linux program the decoder.
 */
static void validate_root_ports(struct parser *p, const struct hpc_device *hb)
{
	const struct hpc_scenario *s = p->s;
	int n = 0;

	for (int i = 0; i < s->ndevices; i++) {
		const struct hpc_device *d = &s->devices[i];
		const char *bus = scn_prop_get(d, "bus");

		n += !d->is_object && strcmp(d->driver, "cxl-rp") == 0 && bus &&
		     strcmp(bus, hb->id) == 0;
	}
	if (n == 1)
		scn_perr(p, hb->line,
			 "pxb-cxl %s has one cxl-rp: Linux then never programs the host bridge's HDM decoder and QEMU 7.2 decodes nothing (reads 0, writes dropped); add a second cxl-rp, it may stay empty (e.g. 'device %s-rp1 cxl-rp port=1 bus=%s chassis=0 slot=N')",
			 hb->id, hb->id, hb->id);
}

/* Is target t of window w also a target of an earlier window? */
static int fmw_target_before(const struct hpc_machine *m, unsigned int w,
			     unsigned int t)
{
	for (unsigned int i = 0; i < w; i++)
		for (unsigned int k = 0; k < m->fmw[i].ntargets; k++)
			if (strcmp(m->fmw[i].targets[k], m->fmw[w].targets[t]) == 0)
				return 1;
	return 0;
}

/*
 * cxl=on needs q35; cxl-fmw needs cxl=on, and each of its host bridges is a
 * pxb-cxl device of the scenario, with two root ports or more.
 */
static void validate_cxl(struct parser *p)
{
	const struct hpc_scenario *s = p->s;
	const struct hpc_machine *m = &s->machine;

	if (m->cxl && strcmp(m->type, "q35"))
		scn_perr(p, m->cxl_line, "machine cxl=on needs type=q35 (CXL host bridges are PCIe)");
	for (unsigned int i = 0; i < m->nfmw; i++) {
		const struct hpc_cxl_fmw *f = &m->fmw[i];

		if (!m->cxl) {
			scn_perr(p, f->line, "cxl-fmw needs cxl=on");
			continue;
		}
		for (unsigned int t = 0; t < f->ntargets; t++) {
			const struct hpc_device *hb = hpc_scenario_device(s, f->targets[t]);

			if (!hb || hb->is_object || strcmp(hb->driver, "pxb-cxl")) {
				scn_perr(p, f->line,
					 "cxl-fmw: host bridge '%s' is not a pxb-cxl device of this scenario (expected 'device %s pxb-cxl bus_nr=N bus=pcie.0')",
					 f->targets[t], f->targets[t]);
				continue;
			}
			if (!fmw_target_before(m, i, t))
				validate_root_ports(p, hb);
		}
	}
}

void scn_validate(struct parser *p)
{
	struct hpc_scenario *s = p->s;
	struct hpc_machine *m = &s->machine;
	const char *base = strrchr(s->file, '/');
	size_t bl;

	base = base ? base + 1 : s->file;
	bl = strlen(base);
	if (!s->name[0]) {
		scn_perr(p, 1, "missing 'name NAME'");
	} else if (bl < 5 || strcmp(base + bl - 4, ".scn") ||
		   strncmp(base, s->name, bl - 4) || strlen(s->name) != bl - 4) {
		scn_perr(p, s->name_line, "name '%s' does not match the file name '%s' (expected 'name %.*s')",
			 s->name, base, bl > 4 ? (int)(bl - 4) : (int)bl, base);
	}
	if (s->ngroups == 0)
		scn_perr(p, 1, "missing 'groups G...' (every scenario belongs to a group)");
	if (s->nsteps == 0)
		scn_perr(p, p->line, "no guest steps: expected at least one run/check/emit/wait step");
	if (!!m->maxmem[0] != !!m->slots)
		scn_perr(p, 1, "machine: give both maxmem= and slots= (memory hotplug) or neither");
	else if (m->maxmem[0] && scn_machine_bytes(m->maxmem) < scn_machine_bytes(m->memory))
		scn_perr(p, 1, "machine: maxmem=%s is less than memory=%s (QEMU wants maxmem >= memory)",
			 m->maxmem, m->memory);
	for (int i = 0; i < s->nactions; i++) {
		const struct hpc_action *a = &s->actions[i];
		int found = strcmp(a->on, "boot") == 0 ||
			    strcmp(a->on, HPC_EV_OUTCOME) == 0;

		for (int j = 0; j < s->nsteps && !found; j++)
			if (s->steps[j].kind == HPC_STEP_EMIT &&
			    strcmp(s->steps[j].name, a->on) == 0)
				found = 1;
		for (int j = 0; j < s->nactions && !found; j++)
			if (j != i && strcmp(s->actions[j].emit, a->on) == 0)
				found = 1;
		for (int j = 0; j < s->nguest_events && !found; j++)
			if (strcmp(s->guest_events[j], a->on) == 0)
				found = 1;
		if (!found)
			scn_perr(p, a->line,
				 "on %s: no 'emit %s' step or host action emits that event, and no 'guest-events' line declares it",
				 a->on, a->on);
	}
	for (int i = 0; i < s->nsteps; i++) {
		const struct hpc_step *st = &s->steps[i];
		int found = 0;

		if (st->kind != HPC_STEP_WAIT)
			continue;
		for (int j = 0; j < s->nactions && !found; j++)
			if (strcmp(s->actions[j].emit, st->name) == 0)
				found = 1;
		if (!found)
			scn_perr(p, st->line,
				 "wait %s: no host action emits that event (device_add ID emits ID:added, device_del ID emits ID:deleted)",
				 st->name);
	}
	for (int i = 0; i < s->ndevices; i++)
		validate_device(p, &s->devices[i]);
	validate_cxl(p);
	scn_validate_cxl_reqs(p);
}

/* Does a file of "NAME" or "KEY=VALUE" lines contain name (=y or =m)? */
static int file_has(const char *path, const char *name, int config)
{
	char line[512];
	size_t nl = strlen(name);
	int found = 0;
	FILE *f = path ? fopen(path, "r") : NULL;

	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f)) {
		if (strncmp(line, name, nl))
			continue;
		if (config)
			found = strcmp(line + nl, "=y\n") == 0 ||
				strcmp(line + nl, "=m\n") == 0;
		else
			found = line[nl] == '\n';
	}
	fclose(f);
	return found;
}

/* Does a .config know the option name at all (set, or "# name is not set")? */
static int config_knows(const char *path, const char *name)
{
	char line[512], unset[300];
	size_t nl = strlen(name);
	int found = 0;
	FILE *f = path ? fopen(path, "r") : NULL;

	if (!f)
		return 0;
	snprintf(unset, sizeof(unset), "# %s is not set\n", name);
	while (!found && fgets(line, sizeof(line), f))
		found = (strncmp(line, name, nl) == 0 && line[nl] == '=') ||
			strcmp(line, unset) == 0;
	fclose(f);
	return found;
}

int hpc_scenario_check_reqs(const struct hpc_scenario *s, const char *kconfig,
			    const char *modules, char *reason, size_t cap)
{
	for (int i = 0; i < s->nreqs; i++) {
		const struct hpc_req *r = &s->reqs[i];

		if (r->kind == HPC_REQ_CONFIG && r->if_known && config_knows(kconfig, r->what) &&
		    !file_has(kconfig, r->what, 1)) {
			snprintf(reason, cap, "kernel has %s, not set (required where the kernel has the option, at %s:%d)",
				 r->what, s->file, r->line);
			return 1;
		}
		if (r->kind == HPC_REQ_CONFIG && !r->if_known && !file_has(kconfig, r->what, 1)) {
			snprintf(reason, cap, "kernel lacks %s (required at %s:%d)",
				 r->what, s->file, r->line);
			return 1;
		}
		if (r->kind == HPC_REQ_MODULE && !file_has(modules, r->what, 0)) {
			snprintf(reason, cap, "guest image lacks module %s (required at %s:%d)",
				 r->what, s->file, r->line);
			return 1;
		}
	}
	return 0;
}

int hpc_scenario_check_qemu(const struct hpc_scenario *s, const char *commands,
			    char *reason, size_t cap)
{
	for (int i = 0; i < s->nreqs; i++) {
		const struct hpc_req *r = &s->reqs[i];

		const char *dot = strchr(r->what, '.');

		if (r->kind != HPC_REQ_QEMU || file_has(commands, r->what, 0))
			continue;
		if (commands && dot)
			snprintf(reason, cap, "QEMU's %.*s has no property %s (required at %s:%d; --qemu current has it)",
				 (int)(dot - r->what), r->what, dot + 1, s->file, r->line);
		else if (commands)
			snprintf(reason, cap, "QEMU lacks QMP command %s (required at %s:%d; --qemu current has it)",
				 r->what, s->file, r->line);
		else
			snprintf(reason, cap, "QEMU's commands are not known here, %s is not checked (required at %s:%d)",
				 r->what, s->file, r->line);
		return 1;
	}
	return 0;
}
