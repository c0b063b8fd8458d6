// SPDX-License-Identifier: GPL-2.0
/*
 * Scenario parser: the machine line and the QEMU objects and devices a
 * scenario may use (an allow-list), and the sizes they are given in.
 */
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "scenario_parser.h"

/*
 * Machine sizes as QEMU's -m takes them: digits with an optional K/M/G/T
 * suffix, bare digits in MiB; from 1M to 1T (hpc-scenario resources sums
 * them: a size that does not fit in 64 bits must not pass as 0).
 */
static int parse_size(struct parser *p, const char *v, char *dst, size_t cap,
		      const char *what)
{
	unsigned long long b = 0;
	int suffixed = 0, ok;

	ok = hpc_size_parse(v, &b, &suffixed) == 0 && strlen(v) < cap;
	if (ok && !suffixed)
		b = b <= (MAX_SIZE >> 20) ? b << 20 : MAX_SIZE + 1;
	if (!ok || b < (1ULL << 20) || b > MAX_SIZE) {
		scn_perr(p, p->line,
			 "invalid %s '%.32s': expected a size like 512M or 4G (bare digits: MiB), from 1M to 1T",
			 what, v);
		return -1;
	}
	strcpy(dst, v);
	return 0;
}

/*
 * QEMU object types and device drivers a scenario may use, each with the
 * properties it may set: an allow-list, so that no property QEMU takes as
 * a host path (romfile on every PCI device, cdat on cxl-type3, chardev,
 * ...) can be given. The one file property is mem-path (FILE_PROP), a file
 * in the run directory written @NAME. docs/scenarios.md has the table.
 */
static const struct driver {
	int object;
	const char *name;
	const char *props;
} drivers[] = {
	{ 1, "memory-backend-ram",
	  "size share prealloc merge dump reserve policy host-nodes" },
	{ 1, "memory-backend-file",
	  "size share mem-path align pmem discard-data readonly prealloc merge dump reserve policy host-nodes" },
	{ 0, "pc-dimm", "memdev node slot addr" },
	{ 0, "nvdimm", "memdev node slot addr label-size unarmed uuid" },
	{ 0, "virtio-mem-pci", "bus addr memdev node requested-size block-size" },
	{ 0, "cxl-type3", "bus addr memdev lsa persistent-memdev volatile-memdev sn" },
	{ 0, "pxb-cxl", "bus bus_nr numa_node" },
	{ 0, "cxl-rp", "bus addr port chassis slot" },
	{ 0, "cxl-upstream", "bus addr" },
	{ 0, "cxl-downstream", "bus addr port chassis slot" },
	{ 0, "pcie-root-port", "bus addr port chassis slot" },
	{ 0, "ivshmem-plain", "bus addr memdev master" },
	{ 0, "pci-bridge", "bus addr chassis_nr shpc msi" },
};
#define FILE_PROP "mem-path"

static const struct driver *driver_find(int object, const char *name)
{
	for (size_t i = 0; i < sizeof(drivers) / sizeof(drivers[0]); i++)
		if (drivers[i].object == object && strcmp(drivers[i].name, name) == 0)
			return &drivers[i];
	return NULL;
}

/* "a, b or c" of the drivers of one kind, for an error message. */
static void driver_names(int object, char *buf, size_t cap)
{
	size_t off = 0, n = 0, k = 0;

	for (size_t i = 0; i < sizeof(drivers) / sizeof(drivers[0]); i++)
		n += drivers[i].object == object;
	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(drivers) / sizeof(drivers[0]) && off < cap; i++) {
		if (drivers[i].object != object)
			continue;
		k++;
		off += (size_t)snprintf(buf + off, cap - off, "%s%s",
					k == 1 ? "" : k == n ? " or " : ", ",
					drivers[i].name);
	}
}

int scn_prop_value_valid(const char *v)
{
	if (!*v || strlen(v) >= sizeof(((struct hpc_prop *)0)->val))
		return 0;
	for (; *v; v++)
		if (!isalnum((unsigned char)*v) && !strchr("_.:/+-@", *v))
			return 0;
	return 1;
}

/*
 * The value of the file property: @NAME, a file in the run directory.
 * NAME is a name ([A-Za-z0-9_.:+-], no '/') that starts with a letter, a
 * digit or '_': never ".", "..", or a hidden file.
 */
static int file_value_valid(const char *v)
{
	return v[0] == '@' && (isalnum((unsigned char)v[1]) || v[1] == '_') &&
	       scn_name_valid(v + 1);
}

static int parse_props(struct parser *p, struct hpc_device *d,
		       const struct driver *drv, char **w, int nw)
{
	for (int i = 0; i < nw; i++) {
		char *eq = strchr(w[i], '=');
		struct hpc_prop *pr;

		if (strcmp(w[i], "hotplug") == 0 && !d->is_object) {
			d->hotplug = 1;
			continue;
		}
		if (!eq || eq == w[i]) {
			scn_perr(p, p->line, "expected key=value, got '%.64s'", w[i]);
			return -1;
		}
		*eq = '\0';
		if (scn_full(p, d->nprops, HPC_SCN_MAX_PROPS, "properties"))
			return -1;
		pr = &d->props[d->nprops];
		if (scn_copy_name(p, pr->key, w[i], "property name") < 0)
			return -1;
		if (strcmp(pr->key, "id") == 0) {
			scn_perr(p, p->line, "'id' is given as the first word, not as a property");
			return -1;
		}
		if (!scn_word_in(drv->props, pr->key)) {
			scn_perr(p, p->line, "property '%s' is not allowed on %s: allowed are %s",
				 pr->key, drv->name, drv->props);
			return -1;
		}
		for (int k = 0; k < d->nprops; k++)
			if (strcmp(d->props[k].key, pr->key) == 0) {
				scn_perr(p, p->line, "property %s given twice", pr->key);
				return -1;
			}
		if (!scn_prop_value_valid(eq + 1)) {
			scn_perr(p, p->line,
				 "invalid value for %s: expected [A-Za-z0-9_.:/+-@] (no commas or blanks)",
				 pr->key);
			return -1;
		}
		if (strcmp(pr->key, FILE_PROP) == 0 && !file_value_valid(eq + 1)) {
			scn_perr(p, p->line,
				 "%s must name a file in the run directory as @NAME (NAME: [A-Za-z0-9_.:+-], starting with a letter, digit or '_')",
				 pr->key);
			return -1;
		}
		if (strcmp(pr->key, FILE_PROP) && eq[1] == '@') {
			/* hpc_device_opts() makes every @ value a path */
			scn_perr(p, p->line, "%s=@...: only %s names a file (@NAME)",
				 pr->key, FILE_PROP);
			return -1;
		}
		if (strcmp(pr->key, "size") == 0) {
			unsigned long long b;

			if (hpc_size_parse(eq + 1, &b, NULL) < 0 || !b || b > MAX_SIZE) {
				scn_perr(p, p->line,
					 "invalid size '%.32s': expected bytes, or a size like 64M or 4G, from 1 to 1T",
					 eq + 1);
				return -1;
			}
		}
		strcpy(pr->val, eq + 1);
		d->nprops++;
	}
	return 0;
}

/*
 * An id as QEMU takes it (util/id.c): a letter, then letters, digits, '-',
 * '.' and '_'. Not '-' first: "id=-x" reads as an option to a human.
 */
static int qemu_id_valid(const char *id)
{
	if (!isalpha((unsigned char)id[0]))
		return 0;
	for (const char *c = id; *c; c++)
		if (!isalnum((unsigned char)*c) && !strchr("-._", *c))
			return 0;
	return 1;
}

int scn_object_device(struct parser *p, int is_object, char **w, int nw)
{
	struct hpc_scenario *s = p->s;
	const struct driver *drv;
	struct hpc_device *d;

	if (nw < 3) {
		scn_perr(p, p->line, "expected '%s ID %s [key=value...]'", w[0],
			 is_object ? "TYPE" : "DRIVER [hotplug]");
		return -1;
	}
	if (scn_full(p, s->ndevices, HPC_SCN_MAX_DEVICES, "devices and objects"))
		return -1;
	d = &s->devices[s->ndevices];
	*d = (struct hpc_device){ .is_object = is_object, .line = p->line };
	if (!qemu_id_valid(w[1]) || strlen(w[1]) >= sizeof(d->id)) {
		scn_perr(p, p->line, "invalid id '%.64s': expected a letter, then up to 63 of [A-Za-z0-9._-]",
			 w[1]);
		return -1;
	}
	strcpy(d->id, w[1]);
	if (scn_copy_name(p, d->driver, w[2], is_object ? "type" : "driver") < 0)
		return -1;
	if (hpc_scenario_device(s, d->id)) {
		scn_perr(p, p->line, "duplicate id '%s' (first defined at line %d)",
			 d->id, hpc_scenario_device(s, d->id)->line);
		return -1;
	}
	drv = driver_find(is_object, d->driver);
	if (!drv) {
		char names[512];

		driver_names(is_object, names, sizeof(names));
		scn_perr(p, p->line, "unsupported %s '%s': expected %s",
			 is_object ? "object type" : "device driver", d->driver, names);
		return -1;
	}
	if (parse_props(p, d, drv, w + 3, nw - 3) < 0)
		return -1;
	s->ndevices++;
	return 0;
}

int hpc_size_parse(const char *v, unsigned long long *bytes, int *suffixed)
{
	unsigned long long x = 0;
	unsigned int shift = 0;
	size_t i;

	for (i = 0; v[i] >= '0' && v[i] <= '9'; i++) {
		if (x > (ULLONG_MAX - 9) / 10)
			return -1;
		x = x * 10 + (unsigned long long)(v[i] - '0');
	}
	if (!i)
		return -1;
	switch (v[i]) {
	case 'T': shift = 40; break;
	case 'G': shift = 30; break;
	case 'M': shift = 20; break;
	case 'K': shift = 10; break;
	case '\0': break;
	default: return -1;
	}
	if (shift && v[i + 1])
		return -1;
	if (x > ((unsigned long long)LLONG_MAX >> shift))
		return -1;
	*bytes = x << shift;
	if (suffixed)
		*suffixed = shift != 0;
	return 0;
}

/* Bytes of a machine size parse_size() checked (bare digits: MiB). */
unsigned long long scn_machine_bytes(const char *v)
{
	unsigned long long b = 0;
	int suffixed = 0;

	if (hpc_size_parse(v, &b, &suffixed) < 0)
		return 0;
	return suffixed ? b : b << 20;
}

/* Bytes of a size parse_size() already checked. */
static unsigned long long size_bytes(const char *v)
{
	unsigned long long b = 0;

	return hpc_size_parse(v, &b, NULL) ? 0 : b;
}

#define FMW_USAGE "expected cxl-fmw=SIZE:HOSTBRIDGE[+HOSTBRIDGE...][:GRANULARITY], e.g. cxl-fmw=4G:cxl.1"
#define FMW_ALIGN (256ULL << 20)
#define FMW_MAX (1ULL << 40)

/* The SIZE of cxl-fmw: a multiple of 256M, up to 1T. */
static int fmw_size(struct parser *p, const char *size, struct hpc_cxl_fmw *f)
{
	size_t sl = strspn(size, "0123456789");

	if (sl == 0 || sl > 12 ||
	    (size[sl] && (!strchr("KMGT", size[sl]) || size[sl + 1])) ||
	    strlen(size) >= sizeof(f->size) || size_bytes(size) < FMW_ALIGN ||
	    size_bytes(size) % FMW_ALIGN || size_bytes(size) > FMW_MAX) {
		scn_perr(p, p->line,
			 "invalid cxl-fmw size '%.32s': expected a multiple of 256M from 256M to 1T (QEMU's rule), e.g. 4G",
			 size);
		return -1;
	}
	strcpy(f->size, size);
	return 0;
}

/* The GRAN of cxl-fmw: 256 << g for the g-th of the names below. */
static int fmw_granularity(struct parser *p, const char *gran,
			   struct hpc_cxl_fmw *f)
{
	static const char *const grans[] = {
		"256", "512", "1k", "2k", "4k", "8k", "16k", NULL,
	};
	unsigned int g;

	for (g = 0; grans[g]; g++)
		if (strcasecmp(gran, grans[g]) == 0)
			break;
	if (!grans[g]) {
		scn_perr(p, p->line,
			 "invalid cxl-fmw interleave granularity '%.32s': expected 256, 512, 1k, 2k, 4k, 8k or 16k",
			 gran);
		return -1;
	}
	f->granularity = 256u << g;
	return 0;
}

/* HB[+HB...] of cxl-fmw (hbs is cut in place): each once, 1..16 ways. */
static int fmw_targets(struct parser *p, char *hbs, struct hpc_cxl_fmw *f)
{
	char *hb, *next;

	for (hb = hbs; hb; hb = next) {
		next = strchr(hb, '+');
		if (next)
			*next++ = '\0';
		if (f->ntargets == HPC_SCN_MAX_FMW_TARGETS) {
			scn_perr(p, p->line, "cxl-fmw: too many host bridges (at most %d)",
				 HPC_SCN_MAX_FMW_TARGETS);
			return -1;
		}
		if (scn_copy_name(p, f->targets[f->ntargets], hb, "cxl-fmw host bridge") < 0)
			return -1;
		for (unsigned int t = 0; t < f->ntargets; t++)
			if (strcmp(f->targets[t], hb) == 0) {
				scn_perr(p, p->line, "cxl-fmw: host bridge '%s' given twice",
					 hb);
				return -1;
			}
		f->ntargets++;
	}
	switch (f->ntargets) {
	case 1: case 2: case 3: case 4: case 6: case 8: case 12: case 16:
		return 0;
	default:
		scn_perr(p, p->line,
			 "cxl-fmw: %u host bridges: QEMU interleaves across 1, 2, 3, 4, 6, 8, 12 or 16",
			 f->ntargets);
		return -1;
	}
}

/*
 * cxl-fmw=SIZE:HB[+HB...][:GRAN]: a CXL Fixed Memory Window of SIZE (a
 * multiple of 256M, up to 1T) decoded by the pxb-cxl host bridges HB
 * (interleaved across them: 1, 2, 3, 4, 6, 8, 12 or 16 ways, as QEMU 7.2
 * takes them) at granularity GRAN (256, 512, 1k, 2k, 4k, 8k or 16k; QEMU's
 * default 256 without it). The host bridges are checked in scn_validate(), when
 * every device is known.
 */
static int parse_fmw(struct parser *p, const char *v)
{
	struct hpc_machine *m = &p->s->machine;
	struct hpc_cxl_fmw *f;
	char buf[1024], *hbs, *gran;

	if (scn_full(p, (int)m->nfmw, HPC_SCN_MAX_FMW, "cxl-fmw windows"))
		return -1;
	f = &m->fmw[m->nfmw];
	memset(f, 0, sizeof(*f));
	f->line = p->line;
	if (strlen(v) >= sizeof(buf) || !(hbs = strchr(v, ':'))) {
		scn_perr(p, p->line, "invalid cxl-fmw '%.64s': " FMW_USAGE, v);
		return -1;
	}
	snprintf(buf, sizeof(buf), "%s", v);
	hbs = buf + (hbs - v);
	*hbs++ = '\0';
	if (fmw_size(p, buf, f) < 0)
		return -1;
	gran = strchr(hbs, ':');
	if (gran) {
		*gran++ = '\0';
		if (fmw_granularity(p, gran, f) < 0)
			return -1;
	}
	if (!*hbs) {
		scn_perr(p, p->line, "cxl-fmw=%s: no host bridge: " FMW_USAGE, v);
		return -1;
	}
	if (fmw_targets(p, hbs, f) < 0)
		return -1;
	m->nfmw++;
	return 0;
}

int scn_machine(struct parser *p, char **w, int nw)
{
	struct hpc_machine *m = &p->s->machine;

	for (int i = 1; i < nw; i++) {
		char *eq = strchr(w[i], '=');
		const char *k = w[i], *v;

		if (!eq) {
			scn_perr(p, p->line, "expected key=value, got '%.64s'", w[i]);
			return -1;
		}
		*eq = '\0';
		v = eq + 1;
		if (strcmp(k, "type") == 0) {
			if (strcmp(v, "pc") && strcmp(v, "q35")) {
				scn_perr(p, p->line, "machine type must be pc or q35");
				return -1;
			}
			strcpy(m->type, v);
			m->type_line = p->line;
		} else if (strcmp(k, "memory") == 0) {
			if (parse_size(p, v, m->memory, sizeof(m->memory), "memory") < 0)
				return -1;
		} else if (strcmp(k, "maxmem") == 0) {
			if (parse_size(p, v, m->maxmem, sizeof(m->maxmem), "maxmem") < 0)
				return -1;
		} else if (strcmp(k, "slots") == 0) {
			if (scn_parse_uint(p, v, 1, 32, "slots", &m->slots) < 0)
				return -1;
		} else if (strcmp(k, "cpus") == 0) {
			if (scn_parse_uint(p, v, 1, 16, "cpus", &m->cpus) < 0)
				return -1;
		} else if (strcmp(k, "nodes") == 0) {
			if (scn_parse_uint(p, v, 1, 4, "nodes", &m->nodes) < 0)
				return -1;
		} else if (strcmp(k, "nvdimm") == 0) {
			if (strcmp(v, "on") && strcmp(v, "off")) {
				scn_perr(p, p->line, "machine nvdimm must be on or off");
				return -1;
			}
			m->nvdimm = strcmp(v, "on") == 0;
		} else if (strcmp(k, "cxl") == 0) {
			if (strcmp(v, "on") && strcmp(v, "off")) {
				scn_perr(p, p->line, "machine cxl must be on or off");
				return -1;
			}
			m->cxl = strcmp(v, "on") == 0;
			m->cxl_line = p->line;
		} else if (strcmp(k, "cxl-fmw") == 0) {
			if (parse_fmw(p, v) < 0)
				return -1;
		} else {
			scn_perr(p, p->line,
				 "unknown machine key '%.32s': expected type, memory, maxmem, slots, cpus, nodes, nvdimm, cxl or cxl-fmw",
				 k);
			return -1;
		}
	}
	return 0;
}

