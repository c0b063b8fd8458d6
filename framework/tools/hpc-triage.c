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

int main(int argc, char **argv)
{
	const char *path = NULL;
	const char *kmsg_path = NULL;
	struct hpc_kmerge *km = NULL;
	struct hpc_triage *t;
	int json = 0, fd, ret, found;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0) {
			json = 1;
		} else if (strcmp(argv[i], "--kmsg") == 0 && i + 1 < argc) {
			kmsg_path = argv[++i];
		} else if (strcmp(argv[i], "-h") == 0 ||
			   strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(argv[i], "--") == 0 && i + 2 == argc &&
			   !path) {
			path = argv[++i];
		} else if (argv[i][0] == '-' && argv[i][1] != '\0') {
			fprintf(stderr, "hpc-triage: unknown option '%s'\n",
				argv[i]);
			return 2;
		} else if (!path) {
			path = argv[i];
		} else {
			fprintf(stderr, "hpc-triage: more than one file given\n");
			return 2;
		}
	}

	if (!path || strcmp(path, "-") == 0) {
		fd = STDIN_FILENO;
		path = "-";
	} else {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			fprintf(stderr, "hpc-triage: %s: %s\n", path,
				strerror(errno));
			return 2;
		}
	}
	t = hpc_triage_new();
	if (!t) {
		fprintf(stderr, "hpc-triage: cannot set up the parser\n");
		if (fd != STDIN_FILENO)
			close(fd);
		return 2;
	}
	if (kmsg_path) {
		int kfd = open(kmsg_path, O_RDONLY | O_CLOEXEC);

		km = hpc_kmerge_new(t);
		if (kfd < 0 || !km) {
			fprintf(stderr, "hpc-triage: %s: %s\n", kmsg_path,
				kfd < 0 ? strerror(errno) : "out of memory");
			if (kfd >= 0)
				close(kfd);
			hpc_kmerge_free(km);
			hpc_triage_free(t);
			return 2;
		}
		ret = hpc_kmerge_replay(km, fd, kfd);
		close(kfd);
		if (ret == 0)
			hpc_kmerge_finish(km);
		hpc_kmerge_free(km);
	} else {
		ret = hpc_triage_fd(t, fd);
	}
	if (fd != STDIN_FILENO)
		close(fd);
	if (ret < 0) {
		fprintf(stderr, "hpc-triage: %s: %s\n", path, strerror(-ret));
		hpc_triage_free(t);
		return 2;
	}
	hpc_triage_finish(t);

	found = hpc_triage_primary(t) != NULL;
	if (json) {
		if (print_json(t) < 0) {
			fprintf(stderr, "hpc-triage: out of memory\n");
			hpc_triage_free(t);
			return 2;
		}
	} else {
		print_text(t);
	}
	hpc_triage_free(t);
	if (fflush(stdout) != 0) {
		fprintf(stderr, "hpc-triage: stdout: %s\n", strerror(errno));
		return 2;
	}
	return found ? 1 : 0;
}
