// SPDX-License-Identifier: GPL-2.0
/* Run-level report writer: see hpc/report.h for the formats and decisions. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hpc/runfile.h"
#include "report_audit.h"
#include "report_int.h"

/* ---- main ---- */

static int exit_status(const unsigned int *counts, bool interrupted)
{
	if (counts[HPC_V_FAIL] || counts[HPC_V_ERROR])
		return 1;
	return interrupted ? 3 : 0;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: hpc-report RUN_DIR [--interrupted] [--quiet] [--no-color]\n"
		   "       hpc-report --verdict FILE\n"
		   "       hpc-report --field FILE KEY[.KEY...]\n"
		   "       hpc-report --repro ORIG_VERDICT TRY_VERDICT...\n"
		   "       hpc-report --audit RUN_DIR [--json FILE] [--html FILE] [--quiet]\n");
}

static int verdict_mode(const char *path, bool quiet, FILE *out, FILE *err)
{
	struct hpc_vrec v;
	char line[1024];
	int r = hpc_vrec_load(&v, path, NULL);

	if (r < 0) {
		hpc_vrec_free(&v);
		fprintf(err, "hpc-report: out of memory\n");
		return 2;
	}
	if (r == HPC_VREC_MISSING) {
		free(v.reason);
		v.verdict = HPC_V_ERROR;
		if (asprintf(&v.reason, "unreadable verdict.json: %s",
			     strerror(ENOENT)) < 0)
			v.reason = NULL;
	}
	hpc_vrec_line(&v, line, sizeof(line));
	if (!quiet)
		fprintf(out, "%s\n", line);
	r = v.verdict == HPC_V_FAIL || v.verdict == HPC_V_ERROR;
	hpc_vrec_free(&v);
	return r;
}

/*
 * --field FILE KEY[.KEY...]: one scalar of a JSON file (run.json,
 * verdict.json) for the runner: a string on one line as it is, a number, or
 * true/false. 0 printed; 1 absent, null, not a scalar or not one printable
 * line; 2 unreadable file or not JSON.
 */
static int field_mode(const char *path, const char *key, FILE *out, FILE *err)
{
	struct json_object *root, *o;
	char *buf, *keys, *save = NULL, why[200];
	size_t len;
	int e, ret = 1;

	e = hpc_runfile_read(path, HPC_REP_FILE_MAX, &buf, &len);
	if (e < 0) {
		fprintf(err, "hpc-report: %s: %s\n", path, hpc_runfile_strerror(e));
		return 2;
	}
	root = hpc_runfile_json(buf, len, why, sizeof(why));
	free(buf);
	if (!root) {
		fprintf(err, "hpc-report: %s: %s\n", path, why);
		return 2;
	}
	keys = strdup(key);
	o = keys ? root : NULL;
	for (char *k = keys ? strtok_r(keys, ".", &save) : NULL; k && o;
	     k = strtok_r(NULL, ".", &save))
		if (!json_object_is_type(o, json_type_object) ||
		    !json_object_object_get_ex(o, k, &o))
			o = NULL;
	if (o && json_object_is_type(o, json_type_string)) {
		const char *v = json_object_get_string(o);
		size_t n = (size_t)json_object_get_string_len(o);
		bool line = n > 0 && strlen(v) == n;

		for (size_t i = 0; line && i < n; i++)
			line = (unsigned char)v[i] >= 0x20 && v[i] != 0x7f;
		if (line) {
			fprintf(out, "%s\n", v);
			ret = 0;
		}
	} else if (o && json_object_is_type(o, json_type_int)) {
		fprintf(out, "%lld\n", (long long)json_object_get_int64(o));
		ret = 0;
	} else if (o && json_object_is_type(o, json_type_boolean)) {
		fprintf(out, "%s\n", json_object_get_boolean(o) ? "true" : "false");
		ret = 0;
	} else if (o && json_object_is_type(o, json_type_double)) {
		fprintf(out, "%g\n", json_object_get_double(o));
		ret = 0;
	}
	free(keys);
	json_object_put(root);
	return ret;
}

/* The name of the directory holding a verdict.json path. */
static char *parent_name(const char *path)
{
	char *d = strdup(path), *slash, *name;

	if (!d)
		return NULL;
	slash = strrchr(d, '/');
	if (!slash) {
		free(d);
		return strdup(".");
	}
	*slash = '\0';
	slash = strrchr(d, '/');
	name = strdup(slash ? slash + 1 : d);
	free(d);
	return name;
}

/*
 * --repro ORIG TRY...: how many of the tries' verdict.json files give the
 * same verdict, class and title as ORIG; the others are listed. 0 all
 * reproduced; 1 not all; 2 ORIG unreadable.
 */
static int repro_mode(const char *orig, int n, char **tries, FILE *out, FILE *err)
{
	struct hpc_vrec o, *v;
	char line[1024];
	int same = 0, r;

	r = hpc_vrec_load(&o, orig, NULL);
	if (r != HPC_VREC_OK) {
		fprintf(err, "hpc-report: %s: %s\n", orig,
			r == HPC_VREC_MISSING ? "no such file" :
			o.reason ? o.reason : "out of memory");
		hpc_vrec_free(&o);
		return 2;
	}
	v = calloc((size_t)(n > 0 ? n : 1), sizeof(*v));
	if (!v) {
		hpc_vrec_free(&o);
		fprintf(err, "hpc-report: out of memory\n");
		return 2;
	}
	for (int i = 0; i < n; i++) {
		char *dir = parent_name(tries[i]);

		if (hpc_vrec_load(&v[i], tries[i], dir) < 0)
			v[i].verdict = HPC_V_ERROR;
		free(dir);
		same += rep_same_outcome(&o, &v[i]);
	}
	hpc_vrec_line(&o, line, sizeof(line));
	fprintf(out, "repro: %d/%d tries gave %s (same verdict and title)\n",
		same, n, line);
	for (int i = 0; i < n; i++) {
		if (rep_same_outcome(&o, &v[i]))
			continue;
		hpc_vrec_line(&v[i], line, sizeof(line));
		fprintf(out, "repro:   try %d (%s): %s\n", i + 1,
			v[i].dir ? v[i].dir : "?", line);
	}
	for (int i = 0; i < n; i++)
		hpc_vrec_free(&v[i]);
	free(v);
	hpc_vrec_free(&o);
	return same == n ? 0 : 1;
}

static int write_outputs(struct run *r, FILE *err)
{
	static const struct {
		const char *name;
		char *(*build)(const struct run *r, size_t *len);
	} outs[] = {
		{ "summary.json", rep_build_summary },
		{ "junit.xml", rep_build_junit },
		{ "ktap.txt", rep_build_ktap },
		{ "kcidb.json", rep_build_kcidb },
		{ "index.html", rep_build_html },
	};

	for (size_t i = 0; i < sizeof(outs) / sizeof(outs[0]); i++) {
		size_t len = 0;
		char *buf = outs[i].build(r, &len);
		int ret;

		if (!buf) {
			fprintf(err, "hpc-report: %s: out of memory\n",
				outs[i].name);
			return -1;
		}
		ret = hpc_runfile_write(r->dir, outs[i].name, buf, len);
		if (ret < 0)
			fprintf(err, "hpc-report: cannot write %s/%s: %s\n", r->dir,
				outs[i].name, strerror(errno));
		free(buf);
		if (ret < 0)
			return -1;
	}
	return 0;
}

/* The command line of the run-directory and --verdict modes. */
struct report_args {
	bool interrupted, quiet, no_color;
	const char *dir, *vfile;
};

/* 0 parsed, 1 --help printed, 2 bad usage (said on err). */
static int parse_args(int argc, char **argv, struct report_args *a, FILE *out,
		      FILE *err)
{
	bool opts = true;

	for (int i = 1; i < argc; i++) {
		const char *s = argv[i];

		if (opts && !strcmp(s, "--")) {
			opts = false;
		} else if (opts && !strcmp(s, "--interrupted")) {
			a->interrupted = true;
		} else if (opts && (!strcmp(s, "--quiet") || !strcmp(s, "-q"))) {
			a->quiet = true;
		} else if (opts && !strcmp(s, "--no-color")) {
			a->no_color = true;
		} else if (opts && !strcmp(s, "--verdict")) {
			if (i + 1 >= argc || a->vfile)
				goto usage;
			a->vfile = argv[++i];
		} else if (opts && !strncmp(s, "--verdict=", 10) && !a->vfile) {
			a->vfile = s + 10;
		} else if (opts && (!strcmp(s, "--help") || !strcmp(s, "-h"))) {
			usage(out);
			return 1;
		} else if (opts && s[0] == '-' && s[1]) {
			fprintf(err, "hpc-report: unknown option %s\n", s);
			goto usage;
		} else if (!a->dir) {
			a->dir = s;
		} else {
			goto usage;
		}
	}
	if (a->vfile ? a->dir || a->interrupted : !a->dir || !*a->dir)
		goto usage;
	return 0;
usage:
	usage(err);
	return 2;
}

/* The run directory: read it, write the reports, print the table. */
static int run_mode(const struct report_args *a, FILE *out, FILE *err)
{
	struct run r = { 0 };
	time_t now;
	struct tm tm;
	int ret;

	r.dir = strdup(a->dir);
	if (!r.dir) {
		fprintf(err, "hpc-report: out of memory\n");
		return 2;
	}
	for (size_t n = strlen(r.dir); n > 1 && r.dir[n - 1] == '/'; n--)
		r.dir[n - 1] = '\0';
	r.interrupted = a->interrupted;
	r.kcidb_origin = rep_kcidb_origin(err);
	now = time(NULL);
	gmtime_r(&now, &tm);
	strftime(r.finished, sizeof(r.finished), "%Y-%m-%dT%H:%M:%SZ", &tm);

	ret = 2;
	if (rep_read_plan(&r, err) < 0)
		goto out;
	rep_read_runjson(&r, err);
	if (rep_load_all(&r, err) < 0 || write_outputs(&r, err) < 0)
		goto out;
	if (!a->quiet)
		rep_print_table(&r, out, !a->no_color && isatty(fileno(out)) &&
				!rep_nonempty(getenv("NO_COLOR")));
	ret = exit_status(r.counts, r.interrupted);
out:
	rep_run_free(&r);
	return ret;
}

int hpc_report_main(int argc, char **argv, FILE *out, FILE *err)
{
	struct report_args a = { 0 };
	int ret;

	if (argc == 4 && !strcmp(argv[1], "--field"))
		return field_mode(argv[2], argv[3], out, err);
	if (argc >= 3 && !strcmp(argv[1], "--repro"))
		return repro_mode(argv[2], argc - 3, argv + 3, out, err);
	if (argc >= 2 && !strcmp(argv[1], "--audit"))
		return rep_audit_main(argc - 1, argv + 1, out, err);
	ret = parse_args(argc, argv, &a, out, err);
	if (ret)
		return ret == 1 ? 0 : ret;
	if (a.vfile)
		return verdict_mode(a.vfile, a.quiet, out, err);
	return run_mode(&a, out, err);
}
