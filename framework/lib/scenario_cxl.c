// SPDX-License-Identifier: GPL-2.0
/*
 * CXL fault actions (docs/scenarios.md, "CXL faults"): the cxl-inject-*
 * QMP commands of QEMU 8 and later, as host actions of a scenario.
 *
 *   cxl-inject-poison DEV START LENGTH
 *   cxl-inject-uncorrectable-errors DEV TYPE[,TYPE...]
 *   cxl-inject-correctable-error DEV TYPE
 *   cxl-inject-general-media-event DEV LOG DPA [KEY=N...]
 *   cxl-inject-dram-event DEV LOG DPA [KEY=N...]
 *   cxl-inject-memory-module-event DEV LOG [KEY=N...]
 *
 * DEV is a cxl-type3 of the scenario; DPA ranges are in its device physical
 * address space (volatile memory first, then persistent, as QEMU lays it
 * out) and 64-byte aligned; types, logs and record fields are QEMU's
 * (qapi/cxl.json), each number in the range of its field. The scenario
 * must say "requires qemu COMMAND" for each command it uses: on a QEMU
 * without it the scenario is SKIP, naming the command.
 */
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "scenario_parser.h"

#define CXL_ALIGN 64ULL

static const char *const act_names[HPC_ACT__COUNT] = {
	[HPC_ACT_DEVICE_ADD] = "device_add",
	[HPC_ACT_DEVICE_DEL] = "device_del",
	[HPC_ACT_QOM_SET] = "qom-set",
	[HPC_ACT_SIGNAL] = "signal",
	[HPC_ACT_CXL_POISON] = "cxl-inject-poison",
	[HPC_ACT_CXL_UNCOR] = "cxl-inject-uncorrectable-errors",
	[HPC_ACT_CXL_COR] = "cxl-inject-correctable-error",
	[HPC_ACT_CXL_GMEDIA] = "cxl-inject-general-media-event",
	[HPC_ACT_CXL_DRAM] = "cxl-inject-dram-event",
	[HPC_ACT_CXL_MODULE] = "cxl-inject-memory-module-event",
};

const char *hpc_action_kind_name(enum hpc_action_kind kind)
{
	return kind < HPC_ACT__COUNT ? act_names[kind] : "?";
}

/* QEMU's CxlUncorErrorType, CxlCorErrorType and CxlEventLog (QEMU 10.0). */
static const char uncor_types[] =
	"cache-data-parity cache-address-parity cache-be-parity cache-data-ecc "
	"mem-data-parity mem-address-parity mem-be-parity mem-data-ecc "
	"reinit-threshold rsvd-encoding poison-received receiver-overflow "
	"internal cxl-ide-tx cxl-ide-rx";
static const char cor_types[] =
	"cache-data-ecc mem-data-ecc crc-threshold retry-threshold "
	"cache-poison-received mem-poison-received physical";
static const char logs[] = "informational warning failure fatal";

/* The number fields of each event record, and their largest values. */
struct field_def {
	const char *key;
	long long min, max;
};

static const struct field_def gmedia_fields[] = {
	{ "flags", 0, 255 }, { "descriptor", 0, 255 }, { "type", 0, 255 },
	{ "transaction-type", 0, 255 }, { "channel", 0, 255 },
	{ "rank", 0, 255 }, { "device", 0, 0xffffff }, { NULL, 0, 0 },
};

static const struct field_def dram_fields[] = {
	{ "flags", 0, 255 }, { "descriptor", 0, 255 }, { "type", 0, 255 },
	{ "transaction-type", 0, 255 }, { "channel", 0, 255 },
	{ "rank", 0, 255 }, { "nibble-mask", 0, 0xffffff },
	{ "bank-group", 0, 255 }, { "bank", 0, 255 }, { "row", 0, 0x3ffff },
	{ "column", 0, 0xffff }, { NULL, 0, 0 },
};

static const struct field_def module_fields[] = {
	{ "flags", 0, 255 }, { "type", 0, 255 }, { "health-status", 0, 255 },
	{ "media-status", 0, 255 }, { "additional-status", 0, 255 },
	{ "life-used", 0, 255 }, { "temperature", -32768, 32767 },
	{ "dirty-shutdown-count", 0, 0xffffffffLL },
	{ "corrected-volatile-error-count", 0, 0xffffffffLL },
	{ "corrected-persistent-error-count", 0, 0xffffffffLL },
	{ NULL, 0, 0 },
};

/* Required fields of each record QMP has no default for: sent as 0. */
static const char *const gmedia_required[] = {
	"flags", "descriptor", "type", "transaction-type", NULL,
};
static const char *const module_required[] = {
	"flags", "type", "health-status", "media-status", "additional-status",
	"life-used", "temperature", "dirty-shutdown-count",
	"corrected-volatile-error-count", "corrected-persistent-error-count", NULL,
};

static const struct field_def *fields_of(enum hpc_action_kind k)
{
	return k == HPC_ACT_CXL_GMEDIA ? gmedia_fields :
	       k == HPC_ACT_CXL_DRAM ? dram_fields :
	       k == HPC_ACT_CXL_MODULE ? module_fields : NULL;
}

/* Bytes of the backend object named by property key of d (0: none). */
static unsigned long long backend_bytes(const struct hpc_scenario *s,
					const struct hpc_device *d,
					const char *key)
{
	const char *id = scn_prop_get(d, key);
	const struct hpc_device *o = id ? hpc_scenario_device(s, id) : NULL;
	const char *size = o && o->is_object ? scn_prop_get(o, "size") : NULL;
	unsigned long long b;

	return size && hpc_size_parse(size, &b, NULL) == 0 ? b : 0;
}

/* The size of a cxl-type3's device physical address space. */
static unsigned long long dpa_bytes(const struct hpc_scenario *s,
				    const struct hpc_device *d)
{
	return backend_bytes(s, d, "volatile-memdev") +
	       backend_bytes(s, d, "persistent-memdev") +
	       backend_bytes(s, d, "memdev");
}

/* A byte address or length: a size (digits, K/M/G/T) or 0x hex. */
static int parse_addr(struct parser *p, const char *v, const char *what,
		      unsigned long long *out)
{
	char *end;

	if (strncmp(v, "0x", 2) == 0 && v[2]) {
		*out = strtoull(v + 2, &end, 16);
		if (!*end && strlen(v) <= 18)
			return 0;
	} else if (hpc_size_parse(v, out, NULL) == 0) {
		return 0;
	}
	scn_perr(p, p->line, "%s '%.32s': expected a number of bytes (4096, 2M, 0x1000)",
		 what, v);
	return -1;
}

/* Each comma-separated word of v in list; at most max of them. */
static int parse_types(struct parser *p, const char *v, const char *list,
		       int max, const char *what)
{
	char buf[256], *save = NULL, *t;
	int n = 0;

	if (strlen(v) >= sizeof(buf) || !*v)
		goto bad;
	strcpy(buf, v);
	for (t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		if (!scn_word_in(list, t)) {
			scn_perr(p, p->line, "%s '%.40s': expected one of: %s", what, t, list);
			return -1;
		}
		n++;
	}
	if (n >= 1 && n <= max && v[strlen(v) - 1] != ',' && !strstr(v, ",,"))
		return 0;
bad:
	scn_perr(p, p->line, "%s '%.64s': expected %s of: %s", what, v,
		 max > 1 ? "a comma list (at most 8)" : "one", list);
	return -1;
}

/* KEY=N fields of an event record, each once and in range. */
static int parse_fields(struct parser *p, struct hpc_action *a, char **w,
			int n)
{
	const struct field_def *defs = fields_of(a->kind);

	for (int i = 0; i < n; i++) {
		const char *eq = strchr(w[i], '=');
		const struct field_def *f = defs;
		char *end;
		long long v;

		for (; eq && f->key; f++)
			if (strlen(f->key) == (size_t)(eq - w[i]) &&
			    strncmp(f->key, w[i], (size_t)(eq - w[i])) == 0)
				break;
		if (!eq || !f->key) {
			scn_perr(p, p->line, "%s: '%.40s' is not a field of the record (expected KEY=N, KEY one of the record's fields; docs/scenarios.md \"CXL faults\")",
				 hpc_action_kind_name(a->kind), w[i]);
			return -1;
		}
		v = strtoll(eq + 1, &end, 0);
		if (!eq[1] || *end || v < f->min || v > f->max) {
			scn_perr(p, p->line, "%s: %s=%.20s: expected a number %lld..%lld",
				 hpc_action_kind_name(a->kind), f->key, eq + 1, f->min, f->max);
			return -1;
		}
		for (unsigned int j = 0; j < a->ncxl_fields; j++)
			if (strcmp(a->cxl_fields[j].key, f->key) == 0) {
				scn_perr(p, p->line, "%s given twice", f->key);
				return -1;
			}
		strcpy(a->cxl_fields[a->ncxl_fields].key, f->key);
		a->cxl_fields[a->ncxl_fields++].val = v;
	}
	return 0;
}

/* A DPA range of the device: aligned, inside it. */
static int check_range(struct parser *p, const struct hpc_action *a,
		       unsigned long long size)
{
	const char *what = hpc_action_kind_name(a->kind);

	if (a->cxl_start % CXL_ALIGN || a->cxl_len % CXL_ALIGN) {
		scn_perr(p, p->line, "%s: DPA %#llx length %#llx: expected multiples of 64 bytes",
			 what, a->cxl_start, a->cxl_len);
		return -1;
	}
	if (a->cxl_start >= size || a->cxl_len > size - a->cxl_start) {
		scn_perr(p, p->line, "%s: DPA %#llx length %#llx is outside %s (%#llx bytes of memory)",
			 what, a->cxl_start, a->cxl_len, a->target, size);
		return -1;
	}
	return 0;
}

static const struct {
	const char *name;
	enum hpc_action_kind kind;
	int min_args, max_args;
	const char *usage;
} cxl_acts[] = {
	{ "cxl-inject-poison", HPC_ACT_CXL_POISON, 3, 3, "DEV START LENGTH" },
	{ "cxl-inject-uncorrectable-errors", HPC_ACT_CXL_UNCOR, 2, 2, "DEV TYPE[,TYPE...]" },
	{ "cxl-inject-correctable-error", HPC_ACT_CXL_COR, 2, 2, "DEV TYPE" },
	{ "cxl-inject-general-media-event", HPC_ACT_CXL_GMEDIA, 3, 10, "DEV LOG DPA [KEY=N...]" },
	{ "cxl-inject-dram-event", HPC_ACT_CXL_DRAM, 3, 14, "DEV LOG DPA [KEY=N...]" },
	{ "cxl-inject-memory-module-event", HPC_ACT_CXL_MODULE, 2, 12, "DEV LOG [KEY=N...]" },
};

int scn_is_cxl_action(const char *name)
{
	for (size_t k = 0; k < sizeof(cxl_acts) / sizeof(cxl_acts[0]); k++)
		if (strcmp(name, cxl_acts[k].name) == 0)
			return 1;
	return 0;
}

/* The arguments after DEV (w[2]...), by kind. */
static int cxl_args(struct parser *p, struct hpc_action *a, char **w, int nargs,
		    unsigned long long size)
{
	switch (a->kind) {
	case HPC_ACT_CXL_POISON:
		if (parse_addr(p, w[2], "start", &a->cxl_start) < 0 ||
		    parse_addr(p, w[3], "length", &a->cxl_len) < 0)
			return -1;
		if (!a->cxl_len) {
			scn_perr(p, p->line, "cxl-inject-poison: length 0: expected at least 64 bytes");
			return -1;
		}
		return check_range(p, a, size);
	case HPC_ACT_CXL_UNCOR:
		if (parse_types(p, w[2], uncor_types, 8, "uncorrectable error type") < 0)
			return -1;
		strcpy(a->value, w[2]);
		return 0;
	case HPC_ACT_CXL_COR:
		if (parse_types(p, w[2], cor_types, 1, "correctable error type") < 0)
			return -1;
		strcpy(a->value, w[2]);
		return 0;
	default:
		break;
	}
	if (!scn_word_in(logs, w[2])) {
		scn_perr(p, p->line, "event log '%.32s': expected one of: %s", w[2], logs);
		return -1;
	}
	strcpy(a->value, w[2]);
	if (a->kind == HPC_ACT_CXL_MODULE)
		return parse_fields(p, a, w + 3, nargs - 2);
	a->cxl_len = CXL_ALIGN;
	if (parse_addr(p, w[3], "DPA", &a->cxl_start) < 0 || check_range(p, a, size) < 0)
		return -1;
	return parse_fields(p, a, w + 4, nargs - 3);
}

/* on ... cxl-inject-* DEV ARGS...: w[0] is the action's name. */
int scn_on_cxl(struct parser *p, struct hpc_action *a, char **w, int nargs)
{
	const struct hpc_device *d;
	size_t k = 0;

	while (strcmp(w[0], cxl_acts[k].name))
		k++;
	a->kind = cxl_acts[k].kind;
	if (nargs < cxl_acts[k].min_args || nargs > cxl_acts[k].max_args) {
		scn_perr(p, p->line, "expected '%s %s'", cxl_acts[k].name, cxl_acts[k].usage);
		return -1;
	}
	if (scn_copy_name(p, a->target, w[1], "device id") < 0)
		return -1;
	d = hpc_scenario_device(p->s, a->target);
	if (!d || d->is_object || strcmp(d->driver, "cxl-type3")) {
		scn_perr(p, p->line, "%s: no cxl-type3 device '%s' defined above",
			 w[0], a->target);
		return -1;
	}
	return cxl_args(p, a, w, nargs, dpa_bytes(p->s, d));
}

/* Every cxl-inject-* action has its "requires qemu" line. */
void scn_validate_cxl_reqs(struct parser *p)
{
	const struct hpc_scenario *s = p->s;

	for (int i = 0; i < s->nactions; i++) {
		const char *cmd = hpc_action_kind_name(s->actions[i].kind);
		int found = 0;

		if (s->actions[i].kind < HPC_ACT_CXL_POISON)
			continue;
		for (int j = 0; j < s->nreqs && !found; j++)
			found = s->reqs[j].kind == HPC_REQ_QEMU && strcmp(s->reqs[j].what, cmd) == 0;
		if (!found)
			scn_perr(p, s->actions[i].line,
				 "%s needs QEMU 8 or later: add 'requires qemu %s' (the scenario is then SKIP on a QEMU without it)",
				 cmd, cmd);
	}
}

static void add_int(struct json_object *o, const char *key, long long v)
{
	json_object_object_add(o, key, json_object_new_int64(v));
}

/* The record fields: those given, then 0 for required ones not given. */
static void add_fields(struct json_object *o, const struct hpc_action *a,
		       const char *const *required)
{
	for (unsigned int i = 0; i < a->ncxl_fields; i++)
		add_int(o, a->cxl_fields[i].key, a->cxl_fields[i].val);
	for (; required && *required; required++)
		if (!json_object_object_get_ex(o, *required, NULL))
			add_int(o, *required, 0);
}

static struct json_object *uncor_errors(const char *types)
{
	struct json_object *arr = json_object_new_array();
	char buf[256], *save = NULL, *t;

	snprintf(buf, sizeof(buf), "%s", types);
	for (t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		struct json_object *e = json_object_new_object();

		json_object_object_add(e, "type", json_object_new_string(t));
		json_object_object_add(e, "header", json_object_new_array());
		json_object_array_add(arr, e);
	}
	return arr;
}

struct json_object *hpc_cxl_qmp_args(const struct hpc_action *a)
{
	struct json_object *o = json_object_new_object();
	char path[HPC_SCN_NAME + 32];

	snprintf(path, sizeof(path), "/machine/peripheral/%s", a->target);
	json_object_object_add(o, "path", json_object_new_string(path));
	switch (a->kind) {
	case HPC_ACT_CXL_POISON:
		add_int(o, "start", (long long)a->cxl_start);
		add_int(o, "length", (long long)a->cxl_len);
		break;
	case HPC_ACT_CXL_UNCOR:
		json_object_object_add(o, "errors", uncor_errors(a->value));
		break;
	case HPC_ACT_CXL_COR:
		json_object_object_add(o, "type", json_object_new_string(a->value));
		break;
	case HPC_ACT_CXL_GMEDIA:
	case HPC_ACT_CXL_DRAM:
		json_object_object_add(o, "log", json_object_new_string(a->value));
		add_int(o, "dpa", (long long)a->cxl_start);
		add_fields(o, a, gmedia_required);
		break;
	case HPC_ACT_CXL_MODULE:
		json_object_object_add(o, "log", json_object_new_string(a->value));
		add_fields(o, a, module_required);
		break;
	default:
		json_object_put(o);
		return NULL;
	}
	return o;
}
