// SPDX-License-Identifier: GPL-2.0
/*
 * The audit matrix: each result of a run classified by device kind and
 * fault from its copy of the scenario file, counted by outcome per cell.
 * See report_audit.h and docs/reports.md ("The audit matrix").
 */
#include <errno.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "hpc/runfile.h"
#include "report_audit.h"
#include "report_int.h"

/* ---- words ---- */

enum kind {
	K_CXL_PMEM, K_CXL_RAM, K_PCI_BAR, K_DIMM, K_VIRTIO_MEM, K_NVDIMM,
	K_DEVPRIV, K_NONE, K_UNKNOWN, K__COUNT
};

static const char *const kind_names[K__COUNT] = {
	[K_CXL_PMEM] = "cxl-pmem", [K_CXL_RAM] = "cxl-ram",
	[K_PCI_BAR] = "pci-bar", [K_DIMM] = "dimm",
	[K_VIRTIO_MEM] = "virtio-mem", [K_NVDIMM] = "nvdimm",
	[K_DEVPRIV] = "device-private", [K_NONE] = "none",
	[K_UNKNOWN] = "unknown",
};

/* Faults in the order rows are listed; others (by name), none, unknown after. */
static const char *const fault_order[] = {
	"unplug", "surprise-removal", "resize", "poison", "uncorrectable",
	"correctable", "event-record", "guest-removal", "fault-injection",
	"notifier-delay",
};

/* What a guest step's command does, by the words in it. */
static const struct {
	const char *fault;
	const char *const pat[12];
} step_pats[] = {
	{ "fault-injection", { "hpc-fail", "--fiu", "fiu-run", "fiu-ctrl",
			       "fail_nth", "fail-nth", "failslab", "fail_page_alloc",
			       "fail_function", "make-it-fail", "hpchaos/faults/",
			       "fault_attr/" } },
	{ "notifier-delay", { "kprobe_delay" } },
	{ "guest-removal", { "/remove", "/unbind", "daxctl disable-device",
			     "daxctl offline-memory", "cxl disable-region",
			     "cxl disable-memdev", "ndctl disable-", "echo offline",
			     "hpc-provider revoke", "hpc-provider reown",
			     "bar.cycles" } },
};

/* Verdicts from the worst: FAIL, ERROR, XFAIL, RESET, PASS, SKIP, NOTRUN. */
int rep_audit_rank(int verdict)
{
	static const int order[] = { HPC_V_FAIL, HPC_V_ERROR, HPC_V_XFAIL,
				     HPC_V_RESET, HPC_V_PASS, HPC_V_SKIP,
				     HPC_REP_NOTRUN };

	for (int i = 0; i < (int)(sizeof(order) / sizeof(order[0])); i++)
		if (order[i] == verdict)
			return i;
	return (int)(sizeof(order) / sizeof(order[0]));
}

static bool charset_ok(const char *s, size_t max, const char *extra, bool upper)
{
	size_t n = strlen(s);

	if (n == 0 || n > max || !strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      (upper && c >= 'A' && c <= 'Z') || strchr(extra, c)))
			return false;
	}
	return true;
}

bool rep_audit_dir_ok(const char *name)
{
	return charset_ok(name, HPC_REP_NAME_MAX, "_.+-", true);
}

static bool scenario_ok(const char *name)
{
	return charset_ok(name, HPC_SCN_NAME - 1, "_.:+-", true);
}

/* A problem with an input file: said on a->err, counted. */
__attribute__((format(printf, 2, 3)))
static void problem(struct audit *a, const char *fmt, ...)
{
	va_list ap;

	a->problems++;
	if (!a->err)
		return;
	fprintf(a->err, "hpc-report: audit: ");
	va_start(ap, fmt);
	vfprintf(a->err, fmt, ap);
	va_end(ap);
	fputc('\n', a->err);
}

/* NN-name or NN-name-rR -> name (the runner's result directory names). */
static void scenario_from_dir(const char *dir, char *out, size_t cap)
{
	const char *p = dir, *end;
	size_t n;

	while (*p >= '0' && *p <= '9')
		p++;
	p = (p > dir && *p == '-') ? p + 1 : dir;
	end = p + strlen(p);
	for (const char *q = end - 1; q > p + 1; q--) {
		if (*q >= '0' && *q <= '9')
			continue;
		if (*q == 'r' && q[-1] == '-' && q + 1 < end)
			end = q - 1;
		break;
	}
	n = (size_t)(end - p);
	snprintf(out, cap, "%.*s", (int)(n < cap ? n : cap - 1), p);
}

/* ---- verdict.json: the cycles; the names of the actions that ran ---- */

static bool jint(struct json_object *o, const char *key, long long *v)
{
	struct json_object *m;

	if (!json_object_object_get_ex(o, key, &m) || !json_object_is_type(m, json_type_int))
		return false;
	*v = json_object_get_int64(m);
	return *v >= 0 && *v <= AUD_CYCLES_MAX;
}

/* "cycles": {"n":N,"passed":P,"failed":F,"first_failed":K|null}, or absent. */
static void read_cycles(struct audit *a, struct aud_result *r, struct json_object *vj,
			const char *path)
{
	struct json_object *c, *ff;

	r->has_cycles = false;
	if (!json_object_object_get_ex(vj, "cycles", &c) || !c)
		return;
	r->cyc_first_failed = -1;
	if (!json_object_is_type(c, json_type_object) || !jint(c, "n", &r->cyc_n) ||
	    !jint(c, "passed", &r->cyc_passed) || !jint(c, "failed", &r->cyc_failed) ||
	    r->cyc_passed + r->cyc_failed > r->cyc_n ||
	    (json_object_object_get_ex(c, "first_failed", &ff) && ff &&
	     !jint(c, "first_failed", &r->cyc_first_failed))) {
		problem(a, "%s: \"cycles\" is not {\"n\":N,\"passed\":P,\"failed\":F,\"first_failed\":K|null} with P+F <= N (cycles left out)",
			path);
		return;
	}
	r->has_cycles = true;
}

/* dir/verdict.json as a JSON object, or NULL (said). */
static struct json_object *load_verdict(struct audit *a, struct aud_result *r)
{
	struct json_object *vj = NULL;
	char *path, *buf, why[200];
	size_t len;
	int e;

	if (asprintf(&path, "%s/%s/verdict.json", a->rundir, r->dir) < 0)
		return NULL;
	e = hpc_runfile_read(path, HPC_REP_FILE_MAX, &buf, &len);
	if (e < 0) {
		if (r->verdict != HPC_REP_NOTRUN)
			problem(a, "%s: %s (expected the result's verdict.json; its cycles left out)",
				path, hpc_runfile_strerror(e));
	} else {
		vj = hpc_runfile_json(buf, len, why, sizeof(why));
		free(buf);
		if (!vj || !json_object_is_type(vj, json_type_object)) {
			problem(a, "%s: %s (expected verdict.json, a JSON object; its cycles left out)",
				path, vj ? "not a JSON object" : why);
			json_object_put(vj);
			vj = NULL;
		}
	}
	if (vj)
		read_cycles(a, r, vj, path);
	free(path);
	return vj;
}

/* The name verdict.json's schedule gives the action of scenario line. */
static const char *sched_name(struct json_object *vj, int line)
{
	struct json_object *sched, *e, *m;

	if (!vj || !json_object_object_get_ex(vj, "schedule", &sched) ||
	    !json_object_is_type(sched, json_type_array))
		return NULL;
	for (size_t i = 0; i < json_object_array_length(sched); i++) {
		long long l;
		const char *s;

		e = json_object_array_get_idx(sched, i);
		if (!json_object_is_type(e, json_type_object) || !jint(e, "line", &l) ||
		    l != line || !json_object_object_get_ex(e, "action", &m) ||
		    !json_object_is_type(m, json_type_string))
			continue;
		s = json_object_get_string(m);
		return charset_ok(s, AUD_NAME - 1, "_-", false) ? s : NULL;
	}
	return NULL;
}

/* ---- classification ---- */

static const char *prop(const struct hpc_device *d, const char *key)
{
	for (int i = 0; i < d->nprops; i++)
		if (!strcmp(d->props[i].key, key))
			return d->props[i].val;
	return NULL;
}

/* The device kinds of one -device (a bit per enum kind); 0 for others. */
static unsigned int device_kinds(const struct hpc_device *d)
{
	static const struct {
		const char *driver;
		enum kind k;
	} drivers[] = {
		{ "ivshmem-plain", K_PCI_BAR }, { "pc-dimm", K_DIMM },
		{ "virtio-mem-pci", K_VIRTIO_MEM }, { "nvdimm", K_NVDIMM },
	};
	unsigned int m = 0;

	if (!d || d->is_object)
		return 0;
	if (!strcmp(d->driver, "cxl-type3")) {
		if (prop(d, "volatile-memdev"))
			m |= 1u << K_CXL_RAM;
		/* QEMU 7.2's memdev= is persistent memory */
		if (prop(d, "persistent-memdev") || prop(d, "memdev"))
			m |= 1u << K_CXL_PMEM;
	}
	for (size_t i = 0; i < sizeof(drivers) / sizeof(drivers[0]); i++)
		if (!strcmp(d->driver, drivers[i].driver))
			m |= 1u << drivers[i].k;
	return m;
}

/* The device a host action acts on: its target, or qom-set's peripheral. */
static const struct hpc_device *action_device(const struct hpc_scenario *s,
					      const struct hpc_action *a)
{
	static const char periph[] = "/machine/peripheral/";

	if (a->kind == HPC_ACT_SIGNAL)
		return NULL;
	if (a->kind == HPC_ACT_QOM_SET)
		return strncmp(a->path, periph, sizeof(periph) - 1) ? NULL :
		       hpc_scenario_device(s, a->path + sizeof(periph) - 1);
	return a->target[0] ? hpc_scenario_device(s, a->target) : NULL;
}

static bool uses_devpriv(const struct hpc_scenario *s)
{
	if (hpc_scenario_in_group(s, "owners"))
		return true;
	for (int i = 0; i < s->nsteps; i++)
		if (strstr(s->steps[i].payload, "hpc-provider add") ||
		    strstr(s->steps[i].payload, "devpriv"))
			return true;
	return false;
}

/*
 * The kinds of the devices the host actions act on; without such, of every
 * device; without any, device-private when the module's provider is used.
 */
static unsigned int scenario_kinds(const struct hpc_scenario *s)
{
	unsigned int m = 0;

	for (int i = 0; i < s->nactions; i++)
		m |= device_kinds(action_device(s, &s->actions[i]));
	for (int i = 0; !m && i < s->ndevices; i++)
		m |= device_kinds(&s->devices[i]);
	if (!m)
		m = 1u << (uses_devpriv(s) ? K_DEVPRIV : K_NONE);
	return m;
}

static void add_fault(struct aud_result *r, const char *f)
{
	for (unsigned int i = 0; i < r->nfault; i++)
		if (!strcmp(r->fault[i], f))
			return;
	if (r->nfault < AUD_MAX_FAULTS)
		snprintf(r->fault[r->nfault++], AUD_NAME, "%s", f);
}

/*
 * The action's name, as the scenario language spells it (the parser's);
 * for a kind it has no name for, as verdict.json's schedule recorded it.
 */
static const char *action_name(const struct hpc_action *a, struct json_object *vj)
{
	const char *n = hpc_action_kind_name(a->kind);

	return n && charset_ok(n, AUD_NAME - 1, "_-", false) ? n : sched_name(vj, a->line);
}

/* The fault a host action makes, or NULL (plugging, signalling). */
static const char *action_fault(const struct hpc_action *a, struct json_object *vj)
{
	static const struct {
		const char *pattern, *fault;
	} cxl[] = {
		{ "cxl-inject-poison", "poison" },
		{ "cxl-inject-uncorrectable-errors", "uncorrectable" },
		{ "cxl-inject-correctable-error", "correctable" },
		{ "cxl-inject-*-event", "event-record" },
	};
	const char *name = action_name(a, vj);

	if (!name)
		return "unknown";
	if (!strcmp(name, "device_add") || !strcmp(name, "signal"))
		return NULL;
	if (!strcmp(name, "device_del"))
		return "unplug";
	if (!strcmp(name, "qom-set"))
		return !strcmp(a->prop, "realized") && !strcmp(a->value, "false") ?
		       "surprise-removal" :
		       !strcmp(a->prop, "requested-size") ? "resize" : "qom-set";
	for (size_t i = 0; i < sizeof(cxl) / sizeof(cxl[0]); i++)
		if (!fnmatch(cxl[i].pattern, name, 0))
			return cxl[i].fault;
	return name;
}

static void step_faults(const struct hpc_scenario *s, struct aud_result *r)
{
	for (int i = 0; i < s->nsteps; i++) {
		const struct hpc_step *st = &s->steps[i];

		if (st->kind != HPC_STEP_RUN && st->kind != HPC_STEP_CHECK &&
		    st->kind != HPC_STEP_BG)
			continue;
		for (size_t k = 0; k < sizeof(step_pats) / sizeof(step_pats[0]); k++)
			for (size_t j = 0; j < 12 && step_pats[k].pat[j]; j++)
				if (strstr(st->payload, step_pats[k].pat[j]))
					add_fault(r, step_pats[k].fault);
		/* the module's delay knobs, /sys/kernel/debug/hpchaos/delay_* */
		if (strstr(st->payload, "delay_") && strstr(st->payload, "hpchaos"))
			add_fault(r, "notifier-delay");
	}
}

static void classify(struct aud_result *r, const struct hpc_scenario *s,
		     struct json_object *vj)
{
	unsigned int m = scenario_kinds(s);

	for (int k = 0; k < K__COUNT; k++)
		if (m & (1u << k) && r->ndev < AUD_MAX_KINDS)
			r->dev[r->ndev++] = kind_names[k];
	for (int i = 0; i < s->nactions; i++) {
		const char *f = action_fault(&s->actions[i], vj);

		if (f)
			add_fault(r, f);
	}
	step_faults(s, r);
	if (!r->nfault)
		add_fault(r, "none");
}

/* The parser's first error (text it wrote), as one printable line. */
static void first_error(char *text, char *buf, size_t cap)
{
	snprintf(buf, cap, "%s", text && *text ? text : "not a valid scenario");
	buf[strcspn(buf, "\n")] = '\0';
	rep_ascii_line(buf);
}

/* dir/NAME.scn parsed with the project's parser; NULL (said) when it is not. */
static struct hpc_scenario *load_scenario(struct audit *a, const struct aud_result *r)
{
	struct hpc_scenario *s = malloc(sizeof(*s));
	char *path = NULL, *etext = NULL, msg[512];
	size_t elen = 0;
	struct stat st;
	FILE *ef;
	int ret;

	if (!s || asprintf(&path, "%s/%s/%s.scn", a->rundir, r->dir, r->scenario) < 0) {
		problem(a, "%s/%s: out of memory reading its scenario file", a->rundir, r->dir);
		free(s);
		return NULL;
	}
	if (lstat(path, &st) < 0) {
		/* a result that never ran may not have its directory yet */
		if (errno != ENOENT || r->verdict != HPC_REP_NOTRUN)
			problem(a, "%s: %s (expected the scenario file as it ran; device and fault: unknown)",
				path, strerror(errno));
		ret = -1;
	} else if (!S_ISREG(st.st_mode)) {
		/* the runner copies it there: a link could name any host file */
		problem(a, "%s: not a regular file (expected the scenario file as it ran, a copy; device and fault: unknown)",
			path);
		ret = -1;
	} else {
		ef = open_memstream(&etext, &elen);
		ret = hpc_scenario_load(path, s, ef ? ef : stderr, 1);
		if (ef)
			fclose(ef);
		if (ret < 0) {
			first_error(etext, msg, sizeof(msg));
			problem(a, "%s (expected a scenario file that lints; device and fault: unknown)",
				msg);
		}
	}
	free(etext);
	free(path);
	if (ret < 0) {
		free(s);
		return NULL;
	}
	return s;
}

/* One result: read and classified (unknown when its scenario is not there). */
static void audit_one(struct audit *a, struct aud_result *r, const struct aud_input *in)
{
	struct hpc_scenario *s = NULL;
	struct json_object *vj;

	memset(r, 0, sizeof(*r));
	snprintf(r->dir, sizeof(r->dir), "%s", in->dir);
	r->verdict = in->verdict;
	r->cls = in->cls;
	if (in->scenario && scenario_ok(in->scenario))
		snprintf(r->scenario, sizeof(r->scenario), "%s", in->scenario);
	else
		scenario_from_dir(in->dir, r->scenario, sizeof(r->scenario));
	vj = load_verdict(a, r);
	if (scenario_ok(r->scenario))
		s = load_scenario(a, r);
	else
		problem(a, "%s/%s: no scenario name (expected a directory NN-NAME with NAME.scn in it; device and fault: unknown)",
			a->rundir, r->dir);
	if (s) {
		classify(r, s, vj);
	} else {
		r->dev[r->ndev++] = kind_names[K_UNKNOWN];
		add_fault(r, "unknown");
	}
	free(s);
	json_object_put(vj);
}

/* ---- the cells ---- */

static struct aud_cell *cell_get(struct audit *a, const char *dev, const char *fault)
{
	struct aud_cell *c;

	for (size_t i = 0; i < a->ncell; i++)
		if (a->cell[i].device == dev && !strcmp(a->cell[i].fault, fault))
			return &a->cell[i];
	c = realloc(a->cell, (a->ncell + 1) * sizeof(*c));
	if (!c)
		return NULL;
	a->cell = c;
	c = &a->cell[a->ncell++];
	memset(c, 0, sizeof(*c));
	c->device = dev;
	snprintf(c->fault, sizeof(c->fault), "%s", fault);
	c->worst = -1;
	return c;
}

static int cell_count(struct aud_cell *c, const struct aud_result *r, size_t idx)
{
	if (c->nres == c->cap) {
		size_t ncap = c->cap ? 2 * c->cap : 8;
		size_t *n = realloc(c->res, ncap * sizeof(*n));

		if (!n)
			return -1;
		c->res = n;
		c->cap = ncap;
	}
	c->res[c->nres++] = idx;
	c->outcomes[r->verdict]++;
	if ((r->verdict == HPC_V_FAIL || r->verdict == HPC_V_ERROR) && r->cls != HPC_C_NONE)
		c->classes[r->verdict][r->cls]++;
	if (r->has_cycles) {
		c->cyc_results++;
		c->cyc_n += r->cyc_n;
		c->cyc_passed += r->cyc_passed;
		c->cyc_failed += r->cyc_failed;
	}
	if (c->worst < 0 || rep_audit_rank(r->verdict) < rep_audit_rank(c->worst)) {
		c->worst = r->verdict;
		c->first = idx;
	}
	return 0;
}

static int kind_rank(const char *k)
{
	for (int i = 0; i < K__COUNT; i++)
		if (kind_names[i] == k)
			return i;
	return K__COUNT;
}

static int fault_rank(const char *f)
{
	size_t n = sizeof(fault_order) / sizeof(fault_order[0]);

	for (size_t i = 0; i < n; i++)
		if (!strcmp(fault_order[i], f))
			return (int)i;
	return !strcmp(f, "unknown") ? (int)n + 2 : !strcmp(f, "none") ? (int)n + 1 : (int)n;
}

static int cell_cmp(const void *x, const void *y)
{
	const struct aud_cell *a = x, *b = y;
	int d = kind_rank(a->device) - kind_rank(b->device);

	if (!d)
		d = fault_rank(a->fault) - fault_rank(b->fault);
	return d ? d : strcmp(a->fault, b->fault);
}

int rep_audit_build(struct audit *a, const char *rundir, const char *run_id,
		    const struct aud_input *in, size_t n, FILE *err)
{
	memset(a, 0, sizeof(*a));
	a->err = err;
	a->rundir = strdup(rundir);
	a->run_id = strdup(run_id);
	a->res = calloc(n ? n : 1, sizeof(*a->res));
	if (!a->rundir || !a->run_id || !a->res)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct aud_result *r = &a->res[a->nres];

		audit_one(a, r, &in[i]);
		a->nres++;
		for (unsigned int d = 0; d < r->ndev; d++)
			for (unsigned int f = 0; f < r->nfault; f++) {
				struct aud_cell *c = cell_get(a, r->dev[d], r->fault[f]);

				if (!c || cell_count(c, r, a->nres - 1) < 0)
					return -1;
			}
	}
	if (a->ncell)
		qsort(a->cell, a->ncell, sizeof(*a->cell), cell_cmp);
	return 0;
}

void rep_audit_free(struct audit *a)
{
	for (size_t i = 0; i < a->ncell; i++)
		free(a->cell[i].res);
	free(a->cell);
	free(a->res);
	free(a->rundir);
	free(a->run_id);
	memset(a, 0, sizeof(*a));
}
