// SPDX-License-Identifier: GPL-2.0
/*
 * hpc-ktap-check: is a KTAP file valid KTAP v1 (lib/ktapcheck.c, rules in
 * hpc/ktapcheck.h)? make check runs it over every ktap.txt the tests made
 * (runner/tools/check-results.sh).
 *
 *   hpc-ktap-check [--indent N] [--plan-optional] FILE...
 *
 * Prints "FILE:LINE: what is wrong (what was expected)" per problem on
 * stdout. Exit 0: all files valid, 1: at least one is not, 2: usage or I/O
 * error.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hpc/ktapcheck.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: hpc-ktap-check [--indent N] [--plan-optional] FILE...\n"
		"Check that each FILE is valid KTAP v1 (Documentation/dev-tools/ktap.rst):\n"
		"version line, plans and result counts, test numbers 1, 2, ..., result\n"
		"line grammar, nesting by indentation, unique names within a level.\n"
		"  --indent N       spaces per nesting level (default 4, as KUnit and\n"
		"                   hpchaos write; 0: any deeper indentation)\n"
		"  --plan-optional  a document without a plan \"1..N\" is valid (the\n"
		"                   spec allows it; hpchaos always writes one)\n"
		"Prints FILE:LINE: problem (expectation). Exit 0 valid, 1 invalid,\n"
		"2 usage or I/O error.\n");
}

/* The options; the index of the first FILE, or -1 (said). */
static int parse_args(int argc, char **argv, struct hpc_kcheck_opts *o)
{
	int i;

	for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		char *end;

		if (strcmp(argv[i], "--") == 0)
			return i + 1;
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			exit(0);
		}
		if (strcmp(argv[i], "--plan-optional") == 0) {
			o->plan_optional = true;
			continue;
		}
		if (strcmp(argv[i], "--indent") == 0 && i + 1 < argc) {
			unsigned long v;

			errno = 0;
			v = strtoul(argv[++i], &end, 10);
			if (!errno && *end == '\0' && argv[i][0] != '-' && v <= 64) {
				o->indent = (unsigned int)v;
				continue;
			}
		}
		fprintf(stderr, "hpc-ktap-check: bad option '%s'\n", argv[i]);
		return -1;
	}
	return i;
}

int main(int argc, char **argv)
{
	struct hpc_kcheck_opts o = { .indent = 4 };
	int first = parse_args(argc, argv, &o), rc = 0;

	if (first < 0 || first >= argc) {
		usage(stderr);
		return 2;
	}
	for (int i = first; i < argc; i++) {
		FILE *f = strcmp(argv[i], "-") ? fopen(argv[i], "r") : stdin;
		long n;

		if (!f) {
			fprintf(stderr, "hpc-ktap-check: %s: %s\n", argv[i], strerror(errno));
			rc = 2;
			continue;
		}
		n = hpc_kcheck_stream(f, argv[i], &o, stdout);
		if (n < 0) {
			fprintf(stderr, "hpc-ktap-check: %s: %s\n", argv[i], strerror(errno));
			rc = 2;
		} else if (n > 0 && rc == 0) {
			rc = 1;
		}
		if (f != stdin)
			fclose(f);
	}
	if (fflush(stdout) != 0)
		rc = 2;
	return rc;
}
