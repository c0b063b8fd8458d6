// SPDX-License-Identifier: GPL-2.0
/*
 * hpc-triage: classify a kernel console log.
 *
 *   hpc-triage [--json] [--kmsg KMSG.LOG] [FILE|-]
 *
 * With --kmsg, FILE is a run's console.log and KMSG.LOG its kmsg.log: the
 * run is judged as the conductor did (hpc/kmsg.h; a report's LINE is then
 * its kmsg record number when it came from the kernel log). Without it the
 * console is taken at its word.
 *
 * Prints one "CLASS<TAB>TITLE<TAB>LINE" per report, the primary one (the one
 * that decides the verdict) first, then the others in the order they were
 * found. Exit 0: clean log, 1: at least one report, 2: usage or I/O error.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "hpc/kmsg.h"
#include "hpc/triage.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: hpc-triage [--json] [--kmsg KMSG.LOG] [FILE|-]\n");
}

static struct json_object *report_json(const struct hpc_report *r,
				       int primary)
{
	struct json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	json_object_object_add(o, "class",
			       json_object_new_string(hpc_class_name(r->cls)));
	json_object_object_add(o, "title", json_object_new_string(r->title));
	json_object_object_add(o, "line", json_object_new_int64((int64_t)r->line));
	json_object_object_add(o, "source", json_object_new_string(
		r->src == HPC_SRC_KMSG ? "kmsg" : "console"));
	json_object_object_add(o, "count", json_object_new_int64(r->count));
	json_object_object_add(o, "primary", json_object_new_boolean(primary));
	return o;
}

static int print_json(const struct hpc_triage *t)
{
	const struct hpc_report *pri = hpc_triage_primary(t);
	struct json_object *arr = json_object_new_array();
	size_t i, n = hpc_triage_count(t);
	const char *s;

	if (!arr)
		return -1;
	if (pri)
		json_object_array_add(arr, report_json(pri, 1));
	for (i = 0; i < n; i++) {
		const struct hpc_report *r = hpc_triage_get(t, i);

		if (r != pri)
			json_object_array_add(arr, report_json(r, 0));
	}
	s = json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PLAIN |
					   JSON_C_TO_STRING_NOSLASHESCAPE);
	if (!s) {
		json_object_put(arr);
		return -1;
	}
	printf("%s\n", s);
	json_object_put(arr);
	return 0;
}

static void print_text(const struct hpc_triage *t)
{
	const struct hpc_report *pri = hpc_triage_primary(t);
	size_t i, n = hpc_triage_count(t);

	if (pri)
		printf("%s\t%s\t%zu\n", hpc_class_name(pri->cls), pri->title,
		       pri->line);
	for (i = 0; i < n; i++) {
		const struct hpc_report *r = hpc_triage_get(t, i);

		if (r != pri)
			printf("%s\t%s\t%zu\n", hpc_class_name(r->cls),
			       r->title, r->line);
	}
}

struct triage_args {
	const char *path;	/* NULL or "-": stdin */
	const char *kmsg_path;
	int json;
};

/* The command line: -1 to go on, else the exit status. */
static int parse_args(struct triage_args *a, int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0) {
			a->json = 1;
		} else if (strcmp(argv[i], "--kmsg") == 0 && i + 1 < argc) {
			a->kmsg_path = argv[++i];
		} else if (strcmp(argv[i], "-h") == 0 ||
			   strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(argv[i], "--") == 0 && i + 2 == argc &&
			   !a->path) {
			a->path = argv[++i];
		} else if (argv[i][0] == '-' && argv[i][1] != '\0') {
			fprintf(stderr, "hpc-triage: unknown option '%s'\n",
				argv[i]);
			return 2;
		} else if (!a->path) {
			a->path = argv[i];
		} else {
			fprintf(stderr, "hpc-triage: more than one file given\n");
			return 2;
		}
	}
	return -1;
}

/*
 * The console log (fd, path) into t, with the kernel log records of
 * kmsg_path if given (the merge the conductor does). 0, or -1 (said).
 */
static int triage_input(struct hpc_triage *t, int fd, const char *path,
			const char *kmsg_path)
{
	struct hpc_kmerge *km;
	int kfd, ret;

	if (!kmsg_path) {
		ret = hpc_triage_fd(t, fd);
		goto out;
	}
	kfd = open(kmsg_path, O_RDONLY | O_CLOEXEC);
	km = hpc_kmerge_new(t);
	if (kfd < 0 || !km) {
		fprintf(stderr, "hpc-triage: %s: %s\n", kmsg_path,
			kfd < 0 ? strerror(errno) : "out of memory");
		if (kfd >= 0)
			close(kfd);
		hpc_kmerge_free(km);
		return -1;
	}
	ret = hpc_kmerge_replay(km, fd, kfd);
	close(kfd);
	if (ret == 0)
		hpc_kmerge_finish(km);
	hpc_kmerge_free(km);
out:
	if (ret < 0)
		fprintf(stderr, "hpc-triage: %s: %s\n", path, strerror(-ret));
	return ret < 0 ? -1 : 0;
}

/* The reports of t on stdout: 0, or 2 (said on stderr). */
static int print_reports(const struct hpc_triage *t, int json)
{
	if (!json) {
		print_text(t);
	} else if (print_json(t) < 0) {
		fprintf(stderr, "hpc-triage: out of memory\n");
		return 2;
	}
	if (fflush(stdout) != 0) {
		fprintf(stderr, "hpc-triage: stdout: %s\n", strerror(errno));
		return 2;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct triage_args a = { 0 };
	struct hpc_triage *t;
	int fd = STDIN_FILENO, ret, found;

	ret = parse_args(&a, argc, argv);
	if (ret >= 0)
		return ret;
	if (!a.path || strcmp(a.path, "-") == 0) {
		a.path = "-";
	} else if ((fd = open(a.path, O_RDONLY | O_CLOEXEC)) < 0) {
		fprintf(stderr, "hpc-triage: %s: %s\n", a.path, strerror(errno));
		return 2;
	}
	t = hpc_triage_new();
	ret = t ? triage_input(t, fd, a.path, a.kmsg_path) : -1;
	if (!t)
		fprintf(stderr, "hpc-triage: cannot set up the parser\n");
	if (fd != STDIN_FILENO)
		close(fd);
	if (ret < 0) {
		hpc_triage_free(t);
		return 2;
	}
	hpc_triage_finish(t);
	found = hpc_triage_primary(t) != NULL;
	ret = print_reports(t, a.json);
	hpc_triage_free(t);
	return ret ? ret : found;
}
