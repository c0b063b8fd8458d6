// SPDX-License-Identifier: GPL-2.0
/*
 * Scenario parser. One directive per line; '#' at the start of a line (after
 * blanks) is a comment; a trailing '\' continues a line. Every error names
 * file and line and what was expected. See docs/scenarios.md.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <sys/stat.h>

#include <json-c/json.h>

#include "hpc/scenario.h"

#define MAX_LINE 4096
#define MAX_WORDS 64

struct parser {
	struct hpc_scenario *s;
	FILE *err;
	int max_errors;
	int errors;
	int line;
};

static void perr(struct parser *p, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void perr(struct parser *p, int line, const char *fmt, ...)
{
	va_list ap;

	p->errors++;
	if (!p->err || p->errors > p->max_errors)
		return;
	fprintf(p->err, "%s:%d: ", p->s->file, line);
	va_start(ap, fmt);
	vfprintf(p->err, fmt, ap);
	va_end(ap);
	fputc('\n', p->err);
}

static const char outcome_reserved[] =
	"the event name '" HPC_EV_OUTCOME "' is reserved: programs in the guest report how a device loss ended by writing 'outcome reset' or 'outcome revoke' to $HPC_EVENTS";

/* Names are the agent protocol's: [A-Za-z0-9_.:+-]{1,64}. */
static int hpc_name_valid(const char *n)
{
	return hpc_proto_name_ok(n, strlen(n));
}

static int copy_name(struct parser *p, char *dst, const char *src,
		     const char *what)
{
	if (!hpc_name_valid(src)) {
		perr(p, p->line, "invalid %s '%.64s': expected 1-64 of [A-Za-z0-9_.:+-]",
		     what, src);
		return -1;
	}
	strcpy(dst, src);
	return 0;
}

static int parse_uint(struct parser *p, const char *v, unsigned int lo,
		      unsigned int hi, const char *what, unsigned int *out)
{
	char *end;
	unsigned long x;

	errno = 0;
	if (!isdigit((unsigned char)v[0]))
		goto bad;
	x = strtoul(v, &end, 10);
	if (errno || *end || x < lo || x > hi)
		goto bad;
	*out = (unsigned int)x;
	return 0;
bad:
	perr(p, p->line, "invalid %s '%.32s': expected a number from %u to %u",
	     what, v, lo, hi);
	return -1;
}

/* Largest memory size a scenario may give (boot memory, a backend): 1 TiB. */
#define MAX_SIZE (1ULL << 40)

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
		perr(p, p->line,
		     "invalid %s '%.32s': expected a size like 512M or 4G (bare digits: MiB), from 1M to 1T",
		     what, v);
		return -1;
	}
	strcpy(dst, v);
	return 0;
}

/* Split s in place at blanks; returns the number of words. */
static int split_words(char *s, char **w, int max)
{
	int n = 0;

	while (*s) {
		while (*s == ' ' || *s == '\t')
			*s++ = '\0';
		if (!*s)
			break;
		if (n == max)
			return -1;
		w[n++] = s;
		while (*s && *s != ' ' && *s != '\t')
			s++;
	}
	return n;
}

/* Is key one of the blank-separated words of list? */
static int word_in(const char *list, const char *key)
{
	size_t kl = strlen(key);

	for (const char *l = list + strspn(list, " "); kl && *l;
	     l += strcspn(l, " "), l += strspn(l, " "))
		if (strncmp(l, key, kl) == 0 && (l[kl] == ' ' || l[kl] == '\0'))
			return 1;
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

static int in_list(const char *const *list, const char *s)
{
	for (; *list; list++)
		if (strcmp(*list, s) == 0)
			return 1;
	return 0;
}

static int prop_value_valid(const char *v)
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
	       hpc_name_valid(v + 1);
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
			perr(p, p->line, "expected key=value, got '%.64s'", w[i]);
			return -1;
		}
		*eq = '\0';
		if (d->nprops == HPC_SCN_MAX_PROPS) {
			perr(p, p->line, "too many properties (at most %d)",
			     HPC_SCN_MAX_PROPS);
			return -1;
		}
		pr = &d->props[d->nprops];
		if (copy_name(p, pr->key, w[i], "property name") < 0)
			return -1;
		if (strcmp(pr->key, "id") == 0) {
			perr(p, p->line, "'id' is given as the first word, not as a property");
			return -1;
		}
		if (!word_in(drv->props, pr->key)) {
			perr(p, p->line, "property '%s' is not allowed on %s: allowed are %s",
			     pr->key, drv->name, drv->props);
			return -1;
		}
		for (int k = 0; k < d->nprops; k++)
			if (strcmp(d->props[k].key, pr->key) == 0) {
				perr(p, p->line, "property %s given twice", pr->key);
				return -1;
			}
		if (!prop_value_valid(eq + 1)) {
			perr(p, p->line,
			     "invalid value for %s: expected [A-Za-z0-9_.:/+-@] (no commas or blanks)",
			     pr->key);
			return -1;
		}
		if (strcmp(pr->key, FILE_PROP) == 0 && !file_value_valid(eq + 1)) {
			perr(p, p->line,
			     "%s must name a file in the run directory as @NAME (NAME: [A-Za-z0-9_.:+-], starting with a letter, digit or '_')",
			     pr->key);
			return -1;
		}
		if (strcmp(pr->key, FILE_PROP) && eq[1] == '@') {
			/* hpc_device_opts() makes every @ value a path */
			perr(p, p->line, "%s=@...: only %s names a file (@NAME)",
			     pr->key, FILE_PROP);
			return -1;
		}
		if (strcmp(pr->key, "size") == 0) {
			unsigned long long b;

			if (hpc_size_parse(eq + 1, &b, NULL) < 0 || !b || b > MAX_SIZE) {
				perr(p, p->line,
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

static int d_object_device(struct parser *p, int is_object, char **w, int nw)
{
	struct hpc_scenario *s = p->s;
	const struct driver *drv;
	struct hpc_device *d;

	if (nw < 3) {
		perr(p, p->line, "expected '%s ID %s [key=value...]'", w[0],
		     is_object ? "TYPE" : "DRIVER [hotplug]");
		return -1;
	}
	if (s->ndevices == HPC_SCN_MAX_DEVICES) {
		perr(p, p->line, "too many devices and objects (at most %d)",
		     HPC_SCN_MAX_DEVICES);
		return -1;
	}
	d = &s->devices[s->ndevices];
	memset(d, 0, sizeof(*d));
	d->is_object = is_object;
	d->line = p->line;
	if (!qemu_id_valid(w[1]) || strlen(w[1]) >= sizeof(d->id)) {
		perr(p, p->line, "invalid id '%.64s': expected a letter, then up to 63 of [A-Za-z0-9._-]",
		     w[1]);
		return -1;
	}
	strcpy(d->id, w[1]);
	if (copy_name(p, d->driver, w[2], is_object ? "type" : "driver") < 0)
		return -1;
	if (hpc_scenario_device(s, d->id)) {
		perr(p, p->line, "duplicate id '%s' (first defined at line %d)",
		     d->id, hpc_scenario_device(s, d->id)->line);
		return -1;
	}
	drv = driver_find(is_object, d->driver);
	if (!drv) {
		char names[512];

		driver_names(is_object, names, sizeof(names));
		perr(p, p->line, "unsupported %s '%s': expected %s",
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
static unsigned long long machine_bytes(const char *v)
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

/*
 * cxl-fmw=SIZE:HB[+HB...][:GRAN]: a CXL Fixed Memory Window of SIZE (a
 * multiple of 256M, up to 1T) decoded by the pxb-cxl host bridges HB
 * (interleaved across them: 1, 2, 3, 4, 6, 8, 12 or 16 ways, as QEMU 7.2
 * takes them) at granularity GRAN (256, 512, 1k, 2k, 4k, 8k or 16k; QEMU's
 * default 256 without it). The host bridges are checked in validate(), when
 * every device is known.
 */
static int parse_fmw(struct parser *p, const char *v)
{
	struct hpc_machine *m = &p->s->machine;
	struct hpc_cxl_fmw *f;
	char buf[1024], *hbs, *gran, *hb, *next;
	size_t sl;

	if (m->nfmw == HPC_SCN_MAX_FMW) {
		perr(p, p->line, "too many cxl-fmw windows (at most %d)",
		     HPC_SCN_MAX_FMW);
		return -1;
	}
	f = &m->fmw[m->nfmw];
	memset(f, 0, sizeof(*f));
	f->line = p->line;
	if (strlen(v) >= sizeof(buf) || !(hbs = strchr(v, ':'))) {
		perr(p, p->line, "invalid cxl-fmw '%.64s': " FMW_USAGE, v);
		return -1;
	}
	snprintf(buf, sizeof(buf), "%s", v);
	hbs = buf + (hbs - v);
	*hbs++ = '\0';
	sl = strspn(buf, "0123456789");
	if (sl == 0 || sl > 12 || (buf[sl] && (!strchr("KMGT", buf[sl]) || buf[sl + 1])) ||
	    strlen(buf) >= sizeof(f->size) || size_bytes(buf) < FMW_ALIGN ||
	    size_bytes(buf) % FMW_ALIGN || size_bytes(buf) > FMW_MAX) {
		perr(p, p->line,
		     "invalid cxl-fmw size '%.32s': expected a multiple of 256M from 256M to 1T (QEMU's rule), e.g. 4G",
		     buf);
		return -1;
	}
	strcpy(f->size, buf);
	gran = strchr(hbs, ':');
	if (gran) {
		static const char *const grans[] = {
			"256", "512", "1k", "2k", "4k", "8k", "16k", NULL,
		};
		unsigned int g;

		*gran++ = '\0';
		for (g = 0; grans[g]; g++)
			if (strcasecmp(gran, grans[g]) == 0)
				break;
		if (!grans[g]) {
			perr(p, p->line,
			     "invalid cxl-fmw interleave granularity '%.32s': expected 256, 512, 1k, 2k, 4k, 8k or 16k",
			     gran);
			return -1;
		}
		f->granularity = 256u << g;
	}
	if (!*hbs) {
		perr(p, p->line, "cxl-fmw=%s: no host bridge: " FMW_USAGE, v);
		return -1;
	}
	for (hb = hbs; hb; hb = next) {
		next = strchr(hb, '+');
		if (next)
			*next++ = '\0';
		if (f->ntargets == HPC_SCN_MAX_FMW_TARGETS) {
			perr(p, p->line, "cxl-fmw: too many host bridges (at most %d)",
			     HPC_SCN_MAX_FMW_TARGETS);
			return -1;
		}
		if (copy_name(p, f->targets[f->ntargets], hb, "cxl-fmw host bridge") < 0)
			return -1;
		for (unsigned int t = 0; t < f->ntargets; t++)
			if (strcmp(f->targets[t], hb) == 0) {
				perr(p, p->line, "cxl-fmw: host bridge '%s' given twice",
				     hb);
				return -1;
			}
		f->ntargets++;
	}
	switch (f->ntargets) {
	case 1: case 2: case 3: case 4: case 6: case 8: case 12: case 16:
		break;
	default:
		perr(p, p->line,
		     "cxl-fmw: %u host bridges: QEMU interleaves across 1, 2, 3, 4, 6, 8, 12 or 16",
		     f->ntargets);
		return -1;
	}
	m->nfmw++;
	return 0;
}

static int d_machine(struct parser *p, char **w, int nw)
{
	struct hpc_machine *m = &p->s->machine;

	for (int i = 1; i < nw; i++) {
		char *eq = strchr(w[i], '=');
		const char *k = w[i], *v;

		if (!eq) {
			perr(p, p->line, "expected key=value, got '%.64s'", w[i]);
			return -1;
		}
		*eq = '\0';
		v = eq + 1;
		if (strcmp(k, "type") == 0) {
			if (strcmp(v, "pc") && strcmp(v, "q35")) {
				perr(p, p->line, "machine type must be pc or q35");
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
			if (parse_uint(p, v, 1, 32, "slots", &m->slots) < 0)
				return -1;
		} else if (strcmp(k, "cpus") == 0) {
			if (parse_uint(p, v, 1, 16, "cpus", &m->cpus) < 0)
				return -1;
		} else if (strcmp(k, "nodes") == 0) {
			if (parse_uint(p, v, 1, 4, "nodes", &m->nodes) < 0)
				return -1;
		} else if (strcmp(k, "nvdimm") == 0) {
			if (strcmp(v, "on") && strcmp(v, "off")) {
				perr(p, p->line, "machine nvdimm must be on or off");
				return -1;
			}
			m->nvdimm = strcmp(v, "on") == 0;
		} else if (strcmp(k, "cxl") == 0) {
			if (strcmp(v, "on") && strcmp(v, "off")) {
				perr(p, p->line, "machine cxl must be on or off");
				return -1;
			}
			m->cxl = strcmp(v, "on") == 0;
			m->cxl_line = p->line;
		} else if (strcmp(k, "cxl-fmw") == 0) {
			if (parse_fmw(p, v) < 0)
				return -1;
		} else {
			perr(p, p->line,
			     "unknown machine key '%.32s': expected type, memory, maxmem, slots, cpus, nodes, nvdimm, cxl or cxl-fmw",
			     k);
			return -1;
		}
	}
	return 0;
}

/* Options after a step or action name: timeout=N, class=C, emit=E. */
struct opts {
	unsigned int timeout;
	int has_timeout;
	int cls;
	char emit[HPC_SCN_NAME];
	int until;		/* device_del: 0 not given, 1 deleted, 2 unplugged */
};

static int parse_opts(struct parser *p, char **w, int nw, struct opts *o,
		      const char *allowed)
{
	char seen[64] = "";
	int i;

	for (i = 0; i < nw; i++) {
		char *eq = strchr(w[i], '=');
		char key[16];
		size_t kl = eq ? (size_t)(eq - w[i]) : 0, sl = strlen(seen);

		if (!eq || kl >= sizeof(key))
			goto bad;
		memcpy(key, w[i], kl);
		key[kl] = '\0';
		if (!word_in(allowed, key))
			goto bad;
		if (word_in(seen, key)) {
			perr(p, p->line, "%s= given twice", key);
			return -1;
		}
		snprintf(seen + sl, sizeof(seen) - sl, " %s", key);
		if (strcmp(key, "timeout") == 0) {
			if (parse_uint(p, eq + 1, 1, 86400, "timeout", &o->timeout) < 0)
				return -1;
			o->has_timeout = 1;
		} else if (strcmp(key, "class") == 0) {
			o->cls = hpc_class_parse(eq + 1);
			if (o->cls <= HPC_C_NONE) {
				perr(p, p->line,
				     "unknown class '%.32s': expected CRASH, WARN, KASAN, LOCKDEP, HANG, STALE, CORRUPT, LEAK, TIMEOUT or CHECK",
				     eq + 1);
				return -1;
			}
		} else if (strcmp(key, "until") == 0) {
			if (strcmp(eq + 1, "deleted") == 0) {
				o->until = 1;
			} else if (strcmp(eq + 1, "unplugged") == 0) {
				o->until = 2;
			} else {
				perr(p, p->line,
				     "invalid until '%.32s': expected until=deleted (QEMU's DEVICE_DELETED, the default) or until=unplugged (the device left QEMU's /machine/peripheral)",
				     eq + 1);
				return -1;
			}
		} else if (strcmp(key, "emit") == 0) {
			if (copy_name(p, o->emit, eq + 1, "event name") < 0)
				return -1;
		} else {
			goto bad;
		}
	}
	return 0;
bad:
	perr(p, p->line, "unexpected '%.64s': expected %s%s", w[i],
	     *allowed ? "one of " : "nothing after the name", allowed);
	return -1;
}

/* run|check|bg NAME [opts] : PAYLOAD  /  reap BG [opts]  /  emit NAME [: TEXT]  /  wait EVENT [opts] */
static int d_step(struct parser *p, enum hpc_step_kind kind, char *rest)
{
	struct hpc_scenario *s = p->s;
	struct hpc_step *st;
	char *payload = NULL, *colon, *w[MAX_WORDS];
	struct opts o = { 0 };
	int nw, needs_payload = kind == HPC_STEP_RUN || kind == HPC_STEP_CHECK ||
				kind == HPC_STEP_BG;

	colon = strstr(rest, " : ");
	if (!colon && (kind == HPC_STEP_RUN || kind == HPC_STEP_CHECK ||
		       kind == HPC_STEP_BG || kind == HPC_STEP_EMIT)) {
		colon = strstr(rest, "\t: ");
	}
	if (colon) {
		*colon = '\0';
		payload = colon + 3;
		while (*payload == ' ' || *payload == '\t')
			payload++;
	}
	nw = split_words(rest, w, MAX_WORDS);
	if (nw < 1) {
		perr(p, p->line, "expected '%s NAME%s'", hpc_step_kind_name(kind),
		     needs_payload ? " [timeout=S] : COMMAND" : "");
		return -1;
	}
	if (needs_payload && (!payload || !*payload)) {
		perr(p, p->line, "expected '%s %s [timeout=S] : COMMAND' (a ' : ' then the shell command)",
		     hpc_step_kind_name(kind), w[0]);
		return -1;
	}
	if (payload && !needs_payload && kind != HPC_STEP_EMIT) {
		perr(p, p->line, "'%s' takes no ' : ' command", hpc_step_kind_name(kind));
		return -1;
	}
	if (s->nsteps == HPC_SCN_MAX_STEPS) {
		perr(p, p->line, "too many steps (at most %d)", HPC_SCN_MAX_STEPS);
		return -1;
	}
	st = &s->steps[s->nsteps];
	memset(st, 0, sizeof(*st));
	st->kind = kind;
	st->line = p->line;
	if (copy_name(p, st->name, w[0], "step name") < 0)
		return -1;
	if (parse_opts(p, w + 1, nw - 1, &o,
		       kind == HPC_STEP_CHECK || kind == HPC_STEP_REAP ? "timeout class" :
		       kind == HPC_STEP_EMIT ? "" : "timeout") < 0)
		return -1;
	st->timeout_s = o.has_timeout ? o.timeout : 60;
	st->fail_class = o.cls ? (enum hpc_class)o.cls : HPC_C_CHECK;
	st->judged = kind == HPC_STEP_CHECK || (kind == HPC_STEP_REAP && o.cls);
	if ((kind == HPC_STEP_EMIT || kind == HPC_STEP_WAIT) &&
	    strcmp(st->name, HPC_EV_OUTCOME) == 0) {
		perr(p, p->line, "%s", outcome_reserved);
		return -1;
	}
	if (payload) {
		if (strlen(payload) >= sizeof(st->payload)) {
			perr(p, p->line, "command too long (at most %zu bytes)",
			     sizeof(st->payload) - 1);
			return -1;
		}
		strcpy(st->payload, payload);
	}
	if (kind == HPC_STEP_REAP) {
		int found = 0;

		for (int i = 0; i < s->nsteps; i++)
			if (s->steps[i].kind == HPC_STEP_BG &&
			    strcmp(s->steps[i].name, st->name) == 0)
				found = 1;
		if (!found) {
			perr(p, p->line, "reap '%s': no earlier 'bg %s' step",
			     st->name, st->name);
			return -1;
		}
	}
	s->nsteps++;
	return 0;
}

/* MS or MIN-MAX (MIN <= MAX), each lo..hi; the message names what. */
static int parse_range(struct parser *p, const char *v, unsigned int lo,
		       unsigned int hi, const char *what, const char *shown,
		       const char *pre, unsigned int *min, unsigned int *max)
{
	const char *dash = strchr(v, '-');
	char a[16], b[16];
	size_t al = dash ? (size_t)(dash - v) : strlen(v);
	unsigned long x, y;

	if (al == 0 || al >= sizeof(a) || (dash && (!dash[1] || strlen(dash + 1) >= sizeof(b))))
		goto bad;
	memcpy(a, v, al);
	a[al] = '\0';
	snprintf(b, sizeof(b), "%s", dash ? dash + 1 : a);
	if (strspn(a, "0123456789") != strlen(a) || strspn(b, "0123456789") != strlen(b) ||
	    strlen(a) > 8 || strlen(b) > 8)
		goto bad;
	x = strtoul(a, NULL, 10);
	y = strtoul(b, NULL, 10);
	if (x < lo || y > hi || x > y)
		goto bad;
	*min = (unsigned int)x;
	*max = (unsigned int)y;
	return 0;
bad:
	perr(p, p->line,
	     "invalid %s '%.32s': expected %sMS or %sMIN-MAX (MIN <= MAX), milliseconds from %u to %u",
	     what, shown, pre, pre, lo, hi);
	return -1;
}

static int timing_key(const char *w)
{
	return strncmp(w, "after=", 6) == 0 || strncmp(w, "every=", 6) == 0 ||
	       strncmp(w, "count=", 6) == 0;
}

#define ON_USAGE "on EVENT|@MS [after=MS] [every=MS [count=N]] ACTION ARGS..."

/* Timing options between the trigger and the action: after= every= count=. */
static int parse_timing(struct parser *p, struct hpc_action *a, char **w,
			int nw, int *i)
{
	int seen_after = 0, seen_every = 0;

	for (; *i < nw && timing_key(w[*i]); (*i)++) {
		const char *v = w[*i] + 6;

		if (strncmp(w[*i], "after=", 6) == 0) {
			if (seen_after++) {
				perr(p, p->line, "after= given twice");
				return -1;
			}
			if (a->at) {
				perr(p, p->line,
				     "on @MS takes no after=: give the time as @MS or @MIN-MAX");
				return -1;
			}
			if (parse_range(p, v, 0, HPC_SCN_MAX_MS, "after", w[*i] + 6, "",
					&a->after_min_ms, &a->after_max_ms) < 0)
				return -1;
		} else if (strncmp(w[*i], "every=", 6) == 0) {
			if (seen_every++) {
				perr(p, p->line, "every= given twice");
				return -1;
			}
			if (parse_range(p, v, HPC_SCN_MIN_EVERY_MS, HPC_SCN_MAX_MS,
					"every", w[*i] + 6, "", &a->every_min_ms,
					&a->every_max_ms) < 0)
				return -1;
		} else {
			if (a->count_given++) {
				perr(p, p->line, "count= given twice");
				return -1;
			}
			if (parse_uint(p, v, 1, HPC_SCN_MAX_FIRINGS, "count", &a->count) < 0)
				return -1;
		}
	}
	if (a->count_given && !a->every_min_ms) {
		perr(p, p->line,
		     "count= needs every=MS (count is how often a repeated action fires)");
		return -1;
	}
	if (!a->every_min_ms)
		a->count = 1;
	else if (!a->count_given)
		a->count = HPC_SCN_MAX_FIRINGS;
	return 0;
}

/* on EVENT|@MS [after=MS] [every=MS [count=N]] ACTION ARGS... [emit=E] [timeout=S] */
static int d_on(struct parser *p, char **w, int nw)
{
	struct hpc_scenario *s = p->s;
	struct hpc_action *a;
	struct opts o = { 0 };
	int i = 2, nargs, first_opt;

	if (nw < 3) {
		perr(p, p->line, "expected '" ON_USAGE "'");
		return -1;
	}
	if (s->nactions == HPC_SCN_MAX_ACTIONS) {
		perr(p, p->line, "too many host actions (at most %d)",
		     HPC_SCN_MAX_ACTIONS);
		return -1;
	}
	a = &s->actions[s->nactions];
	memset(a, 0, sizeof(*a));
	a->line = p->line;
	if (w[1][0] == '@') {
		if (parse_range(p, w[1] + 1, 0, HPC_SCN_MAX_MS, "time", w[1], "@",
				&a->after_min_ms, &a->after_max_ms) < 0)
			return -1;
		a->at = 1;
		strcpy(a->on, "boot");
	} else if (copy_name(p, a->on, w[1], "event name") < 0) {
		return -1;
	}
	if (parse_timing(p, a, w, nw, &i) < 0)
		return -1;
	if (i >= nw) {
		perr(p, p->line, "expected an action after '%.64s'", w[i - 1]);
		return -1;
	}
	first_opt = nw;
	for (int j = i + 1; j < nw; j++) {
		if (timing_key(w[j])) {
			perr(p, p->line, "'%.64s' goes before the action: '" ON_USAGE "'",
			     w[j]);
			return -1;
		}
		if (first_opt == nw &&
		    (strncmp(w[j], "emit=", 5) == 0 || strncmp(w[j], "timeout=", 8) == 0 ||
		     strncmp(w[j], "until=", 6) == 0))
			first_opt = j;
	}
	nargs = first_opt - i - 1;
	if (parse_opts(p, w + first_opt, nw - first_opt, &o, "emit timeout until") < 0)
		return -1;
	if (o.until && strcmp(w[i], "device_del")) {
		perr(p, p->line, "until= is an option of device_del only");
		return -1;
	}
	a->until_unplugged = o.until == 2;
	a->timeout_s = o.has_timeout ? o.timeout : 60;
	if (strcmp(w[i], "device_add") == 0 || strcmp(w[i], "device_del") == 0) {
		const struct hpc_device *d;
		int add = w[i][7] == 'a';

		a->kind = add ? HPC_ACT_DEVICE_ADD : HPC_ACT_DEVICE_DEL;
		if (nargs != 1) {
			perr(p, p->line, "expected '%s ID'", w[i]);
			return -1;
		}
		if (a->every_min_ms) {
			perr(p, p->line,
			     "%s cannot repeat (every=): a device is added or deleted once; repeat signal or qom-set",
			     w[i]);
			return -1;
		}
		if (copy_name(p, a->target, w[i + 1], "device id") < 0)
			return -1;
		d = hpc_scenario_device(s, a->target);
		if (!d || d->is_object) {
			perr(p, p->line, "%s: no device '%s' defined above", w[i],
			     a->target);
			return -1;
		}
		if (add && !d->hotplug) {
			perr(p, p->line,
			     "device_add %s: the device is plugged at boot; mark it 'hotplug' (line %d)",
			     a->target, d->line);
			return -1;
		}
		for (int j = 0; j < s->nactions; j++)
			if (s->actions[j].kind == a->kind &&
			    strcmp(s->actions[j].target, a->target) == 0) {
				perr(p, p->line,
				     "%s %s given twice (first at line %d): a device is %s once",
				     w[i], a->target, s->actions[j].line,
				     add ? "added" : "deleted");
				return -1;
			}
		{
			char ev[HPC_SCN_NAME];

			snprintf(ev, sizeof(ev), "%.50s:%s", w[i + 1],
				 add ? "added" : "deleted");
			memcpy(a->emit, ev, sizeof(ev));
		}
	} else if (strcmp(w[i], "qom-set") == 0) {
		a->kind = HPC_ACT_QOM_SET;
		if (nargs != 3 || strlen(w[i + 1]) >= sizeof(a->path) ||
		    strlen(w[i + 3]) >= sizeof(a->value) ||
		    w[i + 1][0] != '/' || !prop_value_valid(w[i + 1]) ||
		    !prop_value_valid(w[i + 3])) {
			perr(p, p->line, "expected 'qom-set /QOM/PATH PROPERTY VALUE'");
			return -1;
		}
		if (strchr(w[i + 3], '/')) {
			/* a property set at run time may be one QEMU takes as a path */
			perr(p, p->line,
			     "qom-set %.64s: a value with '/' could name a host path: expected a value without '/'",
			     w[i + 2]);
			return -1;
		}
		strcpy(a->path, w[i + 1]);
		if (copy_name(p, a->prop, w[i + 2], "property") < 0)
			return -1;
		strcpy(a->value, w[i + 3]);
	} else if (strcmp(w[i], "signal") == 0) {
		a->kind = HPC_ACT_SIGNAL;
		if (nargs != 1) {
			perr(p, p->line, "expected 'signal EVENT'");
			return -1;
		}
		if (copy_name(p, a->emit, w[i + 1], "event name") < 0)
			return -1;
	} else {
		perr(p, p->line,
		     "unknown action '%.32s': expected device_add, device_del, qom-set or signal",
		     w[i]);
		return -1;
	}
	if (o.emit[0])
		strcpy(a->emit, o.emit);
	if (strcmp(a->emit, HPC_EV_OUTCOME) == 0) {
		perr(p, p->line, "%s", outcome_reserved);
		return -1;
	}
	s->nactions++;
	return 0;
}

/* known-fail PATTERN... : REASON */
static int d_known_fail(struct parser *p, char *rest)
{
	struct hpc_scenario *s = p->s;
	char *colon = strstr(rest, " : "), *w[MAX_WORDS];
	int nw;

	if (!colon || !colon[3]) {
		perr(p, p->line, "expected 'known-fail TEST-PATTERN... : REASON'");
		return -1;
	}
	*colon = '\0';
	if (strlen(colon + 3) >= sizeof(s->known_reason)) {
		perr(p, p->line, "known-fail reason too long (at most %zu bytes)",
		     sizeof(s->known_reason) - 1);
		return -1;
	}
	strcpy(s->known_reason, colon + 3);
	nw = split_words(rest, w, MAX_WORDS);
	if (nw < 1 || s->nknown + nw > HPC_SCN_MAX_KNOWN) {
		perr(p, p->line, "expected 1 to %d test name patterns", HPC_SCN_MAX_KNOWN);
		return -1;
	}
	for (int i = 0; i < nw; i++) {
		if (strlen(w[i]) >= sizeof(s->known[0])) {
			perr(p, p->line, "test name pattern too long");
			return -1;
		}
		strcpy(s->known[s->nknown++], w[i]);
	}
	s->known_line = p->line;
	return 0;
}

static int d_requires(struct parser *p, char **w, int nw)
{
	struct hpc_scenario *s = p->s;
	struct hpc_req *r;

	if (nw != 3 || (strcmp(w[1], "config") && strcmp(w[1], "module"))) {
		perr(p, p->line, "expected 'requires config CONFIG_NAME' or 'requires module NAME'");
		return -1;
	}
	if (s->nreqs == HPC_SCN_MAX_REQS) {
		perr(p, p->line, "too many requirements (at most %d)", HPC_SCN_MAX_REQS);
		return -1;
	}
	r = &s->reqs[s->nreqs];
	r->kind = strcmp(w[1], "config") == 0 ? HPC_REQ_CONFIG : HPC_REQ_MODULE;
	r->line = p->line;
	if (copy_name(p, r->what, w[2], "requirement") < 0)
		return -1;
	if (r->kind == HPC_REQ_CONFIG && strncmp(r->what, "CONFIG_", 7)) {
		perr(p, p->line, "expected a kernel option starting with CONFIG_");
		return -1;
	}
	s->nreqs++;
	return 0;
}

/* guest-events NAME... : events programs send through $HPC_EVENTS */
static void d_guest_events(struct parser *p, char **w, int nw)
{
	static const char agent[] = HPC_EV_AGENT_PREFIX;
	struct hpc_scenario *s = p->s;

	if (nw < 2 || s->nguest_events + nw - 1 > HPC_SCN_MAX_GUEST_EVENTS) {
		perr(p, p->line, "expected 'guest-events NAME...' (at most %d names in all)",
		     HPC_SCN_MAX_GUEST_EVENTS);
		return;
	}
	for (int i = 1; i < nw; i++) {
		if (strncmp(w[i], agent, sizeof(agent) - 1) == 0) {
			perr(p, p->line,
			     "guest-events %.64s: names starting with '%s' are the agent's own",
			     w[i], agent);
			continue;
		}
		if (strcmp(w[i], HPC_EV_OUTCOME) == 0) {
			perr(p, p->line,
			     "guest-events " HPC_EV_OUTCOME ": declared implicitly, and reserved for 'outcome reset' and 'outcome revoke' (see 'expect')");
			continue;
		}
		if (copy_name(p, s->guest_events[s->nguest_events], w[i],
			      "event name") == 0)
			s->nguest_events++;
	}
}

/* expect revoke|reset... : how a device loss may end */
static void d_expect(struct parser *p, char **w, int nw)
{
	struct hpc_scenario *s = p->s;

	if (nw < 2) {
		perr(p, p->line, "expected 'expect revoke', 'expect reset' or 'expect revoke reset'");
		return;
	}
	if (s->expect_line) {
		perr(p, p->line, "expect given twice (first at line %d): list every outcome on one line",
		     s->expect_line);
		return;
	}
	for (int i = 1; i < nw; i++) {
		unsigned int o = hpc_outcome_parse(w[i]);

		if (!o) {
			perr(p, p->line, "unknown outcome '%.32s': expected revoke or reset",
			     w[i]);
			return;
		}
		s->expect |= o;
	}
	s->expect_line = p->line;
}

/* groups G...: on one line; each group once, at most HPC_SCN_MAX_GROUPS. */
static void d_groups(struct parser *p, char **w, int nw)
{
	struct hpc_scenario *s = p->s;

	if (s->groups_line) {
		perr(p, p->line, "groups given twice (first at line %d): list every group on one line",
		     s->groups_line);
		return;
	}
	s->groups_line = p->line;
	if (nw < 2) {
		perr(p, p->line, "expected 'groups G1 [G2...]' (1 to %d)",
		     HPC_SCN_MAX_GROUPS);
		return;
	}
	for (int i = 1; i < nw; i++) {
		/* the bound where the write is */
		if (s->ngroups == HPC_SCN_MAX_GROUPS) {
			perr(p, p->line, "too many groups: expected 'groups G1 [G2...]' (1 to %d)",
			     HPC_SCN_MAX_GROUPS);
			return;
		}
		if (hpc_scenario_in_group(s, w[i])) {
			perr(p, p->line, "group '%s' given twice", w[i]);
			continue;
		}
		if (copy_name(p, s->groups[s->ngroups], w[i], "group") == 0)
			s->ngroups++;
	}
}

/*
 * The text after word on line into dst: the whole of it, or an error (a
 * text never gets cut). Given twice is an error too: the first would be
 * lost without a word.
 */
static int rest_of_line(struct parser *p, char *line, const char *word,
			char *dst, size_t cap)
{
	const char *r = line + strlen(word);
	size_t n;

	if (dst[0]) {
		perr(p, p->line, "%s given twice: write it on one line (continued with '\\' if long)",
		     word);
		return -1;
	}
	while (*r == ' ' || *r == '\t')
		r++;
	n = strlen(r);
	if (n >= cap) {
		perr(p, p->line, "%s too long (%zu bytes; at most %zu)", word, n,
		     cap - 1);
		return -1;
	}
	memcpy(dst, r, n + 1);
	return 0;
}

static void directive(struct parser *p, char *line)
{
	struct hpc_scenario *s = p->s;
	char copy[MAX_LINE + 1], *w[MAX_WORDS];
	int nw;

	{
		const char *t = line + strspn(line, " \t");
		size_t wl = strcspn(t, " \t");
		int k = hpc_step_kind_parse(t, wl);

		if (k >= 0) {
			snprintf(copy, sizeof(copy), "%s", t + wl);
			d_step(p, (enum hpc_step_kind)k, copy);
			return;
		}
	}
	snprintf(copy, sizeof(copy), "%s", line);
	nw = split_words(copy, w, MAX_WORDS);
	if (nw < 0) {
		perr(p, p->line, "too many words (at most %d)", MAX_WORDS);
		return;
	}
	if (nw == 0)
		return;

	if (strcmp(w[0], "name") == 0) {
		if (nw != 2)
			perr(p, p->line, "expected 'name NAME'");
		else if (copy_name(p, s->name, w[1], "scenario name") == 0)
			s->name_line = p->line;
	} else if (strcmp(w[0], "description") == 0) {
		rest_of_line(p, line + strspn(line, " \t"), "description",
			     s->description, sizeof(s->description));
	} else if (strcmp(w[0], "groups") == 0) {
		d_groups(p, w, nw);
	} else if (strcmp(w[0], "timeout") == 0 || strcmp(w[0], "boot-timeout") == 0) {
		if (nw != 2)
			perr(p, p->line, "expected '%s SECONDS'", w[0]);
		else
			parse_uint(p, w[1], 1, 86400, w[0],
				   w[0][0] == 't' ? &s->timeout_s : &s->boot_timeout_s);
	} else if (strcmp(w[0], "requires") == 0) {
		d_requires(p, w, nw);
	} else if (strcmp(w[0], "machine") == 0) {
		d_machine(p, w, nw);
	} else if (strcmp(w[0], "cmdline") == 0) {
		if (rest_of_line(p, line + strspn(line, " \t"), "cmdline",
				 s->machine.append, sizeof(s->machine.append)) < 0)
			return;
		for (const char *c = s->machine.append; *c; c++)
			if (!isgraph((unsigned char)*c) && *c != ' ') {
				perr(p, p->line, "cmdline: unprintable character");
				break;
			}
	} else if (strcmp(w[0], "object") == 0 || strcmp(w[0], "device") == 0) {
		d_object_device(p, w[0][0] == 'o', w, nw);
	} else if (strcmp(w[0], "on") == 0) {
		d_on(p, w, nw);
	} else if (strcmp(w[0], "guest-events") == 0) {
		d_guest_events(p, w, nw);
	} else if (strcmp(w[0], "expect") == 0) {
		d_expect(p, w, nw);
	} else if (strcmp(w[0], "known-fail") == 0) {
		char rest[MAX_LINE + 1];

		snprintf(rest, sizeof(rest), "%s", line + strspn(line, " \t") + 10);
		d_known_fail(p, rest);
	} else {
		perr(p, p->line,
		     "unknown directive '%.32s': expected name, description, groups, timeout, boot-timeout, requires, machine, cmdline, object, device, known-fail, guest-events, expect, run, check, bg, reap, emit, wait or on",
		     w[0]);
	}
}

/* The value of property key of d, or NULL. */
static const char *prop_get(const struct hpc_device *d, const char *key)
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
			perr(p, d->line, "%s=%s: no object with that id above",
			     d->props[k].key, d->props[k].val);
	}
	if (d->is_object)
		return;
	bus = prop_get(d, "bus");
	if (bus && strcmp(bus, root)) {
		parent = hpc_scenario_device(s, bus);
		if (parent == d) {
			perr(p, d->line, "bus=%s: a device cannot sit on its own bus: name a device above (or %s, the %s machine's root bus)",
			     bus, root, s->machine.type);
			return;
		}
		if (!parent || parent->is_object || parent > d) {
			perr(p, d->line, "bus=%s: no device with that id above (or %s, the %s machine's root bus)",
			     bus, root, s->machine.type);
			return;
		}
		if (parent->hotplug && !d->hotplug) {
			perr(p, d->line, "bus=%s: that device is plugged later (hotplug), not at boot",
			     bus);
			return;
		}
	}
	if (!is_cxl_driver(d->driver))
		return;
	if (!s->machine.cxl) {
		perr(p, d->line, "%s needs a CXL machine: 'machine type=q35 cxl=on ...'",
		     d->driver);
		return;
	}
	if (strcmp(d->driver, "pxb-cxl") == 0) {
		if (d->hotplug)
			perr(p, d->line, "pxb-cxl cannot be hotplugged (a host bridge is there at boot)");
		if (parent)
			perr(p, d->line, "pxb-cxl: expected bus=%s (host bridges sit on the root bus), got bus=%s",
			     root, bus);
		if (!prop_get(d, "bus_nr"))
			perr(p, d->line, "pxb-cxl: expected bus_nr=N (its first bus number, e.g. bus_nr=12)");
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
			perr(p, d->line, "%s: expected bus=ID of a %s device above%s%s",
			     d->driver, want, parent ? ", got a " : "",
			     parent ? parent->driver : "");
			return;
		}
	}
	if (strcmp(d->driver, "cxl-type3") == 0) {
		int pmem = prop_get(d, "memdev") || prop_get(d, "persistent-memdev");

		if (!pmem && !prop_get(d, "volatile-memdev"))
			perr(p, d->line, "cxl-type3: expected memdev=OBJECT (its persistent memory; QEMU 7.2 has no other kind)");
		else if (pmem && !prop_get(d, "lsa"))
			perr(p, d->line, "cxl-type3: expected lsa=OBJECT (the label storage area persistent memory needs)");
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
		const char *bus = prop_get(d, "bus");

		n += !d->is_object && strcmp(d->driver, "cxl-rp") == 0 && bus &&
		     strcmp(bus, hb->id) == 0;
	}
	if (n == 1)
		perr(p, hb->line,
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
		perr(p, m->cxl_line, "machine cxl=on needs type=q35 (CXL host bridges are PCIe)");
	for (unsigned int i = 0; i < m->nfmw; i++) {
		const struct hpc_cxl_fmw *f = &m->fmw[i];

		if (!m->cxl) {
			perr(p, f->line, "cxl-fmw needs cxl=on");
			continue;
		}
		for (unsigned int t = 0; t < f->ntargets; t++) {
			const struct hpc_device *hb = hpc_scenario_device(s, f->targets[t]);

			if (!hb || hb->is_object || strcmp(hb->driver, "pxb-cxl")) {
				perr(p, f->line,
				     "cxl-fmw: host bridge '%s' is not a pxb-cxl device of this scenario (expected 'device %s pxb-cxl bus_nr=N bus=pcie.0')",
				     f->targets[t], f->targets[t]);
				continue;
			}
			if (!fmw_target_before(m, i, t))
				validate_root_ports(p, hb);
		}
	}
}

static void validate(struct parser *p)
{
	struct hpc_scenario *s = p->s;
	struct hpc_machine *m = &s->machine;
	const char *base = strrchr(s->file, '/');
	size_t bl;

	base = base ? base + 1 : s->file;
	bl = strlen(base);
	if (!s->name[0]) {
		perr(p, 1, "missing 'name NAME'");
	} else if (bl < 5 || strcmp(base + bl - 4, ".scn") ||
		   strncmp(base, s->name, bl - 4) || strlen(s->name) != bl - 4) {
		perr(p, s->name_line, "name '%s' does not match the file name '%s' (expected 'name %.*s')",
		     s->name, base, bl > 4 ? (int)(bl - 4) : (int)bl, base);
	}
	if (s->ngroups == 0)
		perr(p, 1, "missing 'groups G...' (every scenario belongs to a group)");
	if (s->nsteps == 0)
		perr(p, p->line, "no guest steps: expected at least one run/check/emit/wait step");
	if (!!m->maxmem[0] != !!m->slots)
		perr(p, 1, "machine: give both maxmem= and slots= (memory hotplug) or neither");
	else if (m->maxmem[0] && machine_bytes(m->maxmem) < machine_bytes(m->memory))
		perr(p, 1, "machine: maxmem=%s is less than memory=%s (QEMU wants maxmem >= memory)",
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
			perr(p, a->line,
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
			perr(p, st->line,
			     "wait %s: no host action emits that event (device_add ID emits ID:added, device_del ID emits ID:deleted)",
			     st->name);
	}
	for (int i = 0; i < s->ndevices; i++)
		validate_device(p, &s->devices[i]);
	validate_cxl(p);
}

/*
 * One physical line of f into buf (cap bytes, NUL-terminated, without the
 * '\n'). The whole line is consumed whatever its length: *len is its real
 * length in bytes (more than cap - 1 when it did not fit), *nul says whether
 * it holds a NUL byte and *last is its last byte other than '\r' (0 if
 * none): a '\\' there continues the line. Returns 0 at the end of the
 * file, -1 on a read error, else 1.
 */
static int read_line(FILE *f, char *buf, size_t cap, size_t *len, int *nul,
		     int *last)
{
	size_t n = 0;
	int c;

	*nul = 0;
	*last = 0;
	while ((c = getc(f)) != EOF && c != '\n') {
		if (c == '\0')
			*nul = 1;
		if (n < cap - 1)
			buf[n] = (char)c;
		n++;
		if (c != '\r')
			*last = c;
	}
	buf[n < cap - 1 ? n : cap - 1] = '\0';
	*len = n;
	if (ferror(f))
		return -1;
	return c == EOF && n == 0 ? 0 : 1;
}

static int has_suffix(const char *s, const char *suffix)
{
	size_t sl = strlen(s), xl = strlen(suffix);

	return sl >= xl && strcmp(s + sl - xl, suffix) == 0;
}

static const char *file_kind(mode_t m)
{
	return S_ISDIR(m) ? "a directory" : S_ISFIFO(m) ? "a FIFO" :
	       S_ISCHR(m) ? "a character device" : S_ISBLK(m) ? "a block device" :
	       S_ISSOCK(m) ? "a socket" : "not a regular file";
}

/*
 * Open a scenario file for reading, or report why not. Only a regular file
 * named *.scn is read (a symbolic link only to one): nothing is read from a
 * FIFO or a device, and no word of a file that is not a scenario ends up
 * in an error message. stat() first, so that a device is never opened;
 * then open without blocking (a FIFO swapped in meanwhile) and check the
 * file that was opened.
 */
static FILE *open_scenario(struct parser *p, const char *file)
{
	struct stat st;
	char *real;
	int fd, real_ok;
	FILE *f;

	if (stat(file, &st) < 0) {
		perr(p, 0, "cannot open: %s", strerror(errno));
		return NULL;
	}
	if (!S_ISREG(st.st_mode)) {
		perr(p, 0, "%s, not a regular file: expected a scenario file (FILE.scn)",
		     file_kind(st.st_mode));
		return NULL;
	}
	real = realpath(file, NULL);
	real_ok = real && has_suffix(real, ".scn");
	free(real);
	if (!has_suffix(file, ".scn") || !real_ok) {
		perr(p, 0, "not a scenario file: expected a file named *.scn%s",
		     has_suffix(file, ".scn") ? " (this one is a symbolic link to a file that is not)" : "");
		return NULL;
	}
	fd = open(file, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		perr(p, 0, "cannot open: %s", strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		perr(p, 0, "not a regular file: expected a scenario file (FILE.scn)");
		close(fd);
		return NULL;
	}
	f = fdopen(fd, "r");
	if (!f) {
		perr(p, 0, "cannot open: %s", strerror(errno));
		close(fd);
	}
	return f;
}

int hpc_scenario_load(const char *file, struct hpc_scenario *s, FILE *err,
		      int max_errors)
{
	struct parser p = { .s = s, .err = err, .max_errors = max_errors };
	char buf[MAX_LINE + 1], line[MAX_LINE + 1];
	size_t have = 0, len;
	int start = 0, nul, last, r, skip = 0;
	FILE *f;

	memset(s, 0, sizeof(*s));
	snprintf(s->file, sizeof(s->file), "%s", file);
	s->timeout_s = 300;
	s->boot_timeout_s = 120;
	strcpy(s->machine.type, "pc");
	strcpy(s->machine.memory, "512M");
	s->machine.cpus = 1;

	f = open_scenario(&p, file);
	if (!f)
		return -1;
	/*
	 * Every physical line goes through read_line(), the one place that
	 * sees the bytes: a NUL, a control character or a line too long is an
	 * error naming that line, and the logical line it belongs to (with its
	 * continuation lines) is dropped whole, so no part of it is taken for
	 * a directive.
	 */
	while ((r = read_line(f, buf, sizeof(buf), &len, &nul, &last)) > 0) {
		int cont, bad = 0;

		p.line++;
		if (have == 0 && !skip)
			start = p.line;
		if (nul) {
			perr(&p, p.line, "NUL byte in line: a scenario is text");
			bad = 1;
		} else if (len > MAX_LINE) {
			perr(&p, p.line, "line too long (%zu bytes; at most %d)",
			     len, MAX_LINE);
			bad = 1;
		}
		if (!bad) {
			while (len && buf[len - 1] == '\r')
				buf[--len] = '\0';
			for (size_t i = 0; i < len; i++)
				if ((unsigned char)buf[i] < 0x20 && buf[i] != '\t') {
					perr(&p, p.line, "control character 0x%02x in line",
					     (unsigned char)buf[i]);
					bad = 1;
					break;
				}
		}
		cont = last == '\\';
		if (bad || skip) {
			/* drop the logical line, up to its last continuation */
			have = 0;
			skip = cont;
			continue;
		}
		if (have == 0) {
			const char *t = buf + strspn(buf, " \t");

			if (*t == '#' || *t == '\0')
				continue;
		}
		if (cont)
			buf[--len] = '\0';
		if (have + len + 1 > MAX_LINE) {
			perr(&p, start, "continued line too long (at most %d bytes)",
			     MAX_LINE);
			have = 0;
			skip = cont;
			continue;
		}
		memcpy(line + have, buf, len);
		have += len;
		line[have] = '\0';
		if (cont) {
			line[have++] = ' ';
			line[have] = '\0';
			continue;
		}
		{
			int saved = p.line;

			p.line = start;
			directive(&p, line);
			p.line = saved;
		}
		have = 0;
	}
	if (r < 0)
		perr(&p, p.line, "read error: %s", strerror(errno));
	fclose(f);
	if (have || skip)
		perr(&p, start, "file ends inside a continued line");
	validate(&p);
	return p.errors ? -1 : 0;
}

const struct hpc_device *hpc_scenario_device(const struct hpc_scenario *s,
					      const char *id)
{
	for (int i = 0; i < s->ndevices; i++)
		if (strcmp(s->devices[i].id, id) == 0)
			return &s->devices[i];
	return NULL;
}

int hpc_scenario_in_group(const struct hpc_scenario *s, const char *group)
{
	for (int i = 0; i < s->ngroups; i++)
		if (strcmp(s->groups[i], group) == 0)
			return 1;
	return 0;
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

int hpc_scenario_check_reqs(const struct hpc_scenario *s, const char *kconfig,
			    const char *modules, char *reason, size_t cap)
{
	for (int i = 0; i < s->nreqs; i++) {
		const struct hpc_req *r = &s->reqs[i];

		if (r->kind == HPC_REQ_CONFIG && !file_has(kconfig, r->what, 1)) {
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

/* ---- outcomes ---- */

unsigned int hpc_outcome_parse(const char *word)
{
	if (strcmp(word, "revoke") == 0)
		return HPC_OUTCOME_REVOKE;
	if (strcmp(word, "reset") == 0)
		return HPC_OUTCOME_RESET;
	return 0;
}

const char *hpc_outcome_name(unsigned int outcome)
{
	return outcome == HPC_OUTCOME_REVOKE ? "revoke" :
	       outcome == HPC_OUTCOME_RESET ? "reset" : "?";
}

const char *hpc_outcome_list(unsigned int mask)
{
	switch (mask & (HPC_OUTCOME_REVOKE | HPC_OUTCOME_RESET)) {
	case HPC_OUTCOME_REVOKE:
		return "revoke";
	case HPC_OUTCOME_RESET:
		return "reset";
	case HPC_OUTCOME_REVOKE | HPC_OUTCOME_RESET:
		return "revoke or reset";
	default:
		return "";
	}
}

/* ---- the schedule's random numbers ---- */

#define SPLITMIX_GAMMA 0x9e3779b97f4a7c15ULL

static uint64_t splitmix_out(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

uint64_t hpc_sched_rand(uint64_t seed, unsigned int action, unsigned int k)
{
	/* the stream's start: seed and action index, hashed */
	uint64_t state = splitmix_out(splitmix_out(seed + SPLITMIX_GAMMA) ^
				      ((uint64_t)action + 1) * SPLITMIX_GAMMA);

	/* splitmix64: output k is mix(state + (k + 1) * gamma) */
	return splitmix_out(state + ((uint64_t)k + 1) * SPLITMIX_GAMMA);
}

unsigned int hpc_action_delay_ms(const struct hpc_action *a, uint64_t seed,
				 unsigned int idx, unsigned int k)
{
	unsigned int lo = k ? a->every_min_ms : a->after_min_ms;
	unsigned int hi = k ? a->every_max_ms : a->after_max_ms;

	if (hi <= lo)
		return lo;
	/* uniform on [lo, hi]: the modulo bias of a span < 2^22 is < 2^-42 */
	return lo + (unsigned int)(hpc_sched_rand(seed, idx, k) %
				   ((uint64_t)hi - lo + 1));
}

static void range_text(char *buf, size_t cap, unsigned int lo, unsigned int hi)
{
	if (lo == hi)
		snprintf(buf, cap, "%u", lo);
	else
		snprintf(buf, cap, "%u-%u", lo, hi);
}

void hpc_action_timing(const struct hpc_action *a, char *buf, size_t cap)
{
	char r[32];
	size_t off = 0;

	if (!cap)
		return;
	buf[0] = '\0';
	range_text(r, sizeof(r), a->after_min_ms, a->after_max_ms);
	if (a->at)
		off += (size_t)snprintf(buf, cap, "@%s", r);
	else if (a->after_max_ms)
		off += (size_t)snprintf(buf, cap, "after=%s", r);
	if (a->every_min_ms && off < cap) {
		range_text(r, sizeof(r), a->every_min_ms, a->every_max_ms);
		off += (size_t)snprintf(buf + off, cap - off, "%severy=%s",
					off ? " " : "", r);
		if (a->count_given && off < cap)
			snprintf(buf + off, cap - off, " count=%u", a->count);
	}
}
