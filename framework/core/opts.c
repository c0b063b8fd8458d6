// SPDX-License-Identifier: GPL-2.0
/* getopt_long() with a one-string table of long options (hpc/opts.h). */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "hpc/opts.h"

/* Longest spec, names and separators. */
#define OPTS_SPEC_MAX	1024

static const char *made_from;
static char names[OPTS_SPEC_MAX];
static struct option table[HPC_OPTS_MAX + 1];

/* One entry "NAME=C" or "NAME!C" at names[*i]: into table[n]. */
static void take_entry(size_t *i, int n)
{
	char *e = names + *i, *end = strpbrk(e, "=!");

	if (!end || end == e || !end[1] || (end[2] && end[2] != ' '))
		abort();
	table[n].name = e;
	table[n].has_arg = *end == '=' ? required_argument : no_argument;
	table[n].flag = NULL;
	table[n].val = (unsigned char)end[1];
	*end = '\0';
	*i = (size_t)(end - names) + 2;
	if (names[*i] == ' ')
		(*i)++;
}

static void make_table(const char *spec)
{
	size_t i = 0, len = strlen(spec);
	int n = 0;

	if (len >= sizeof(names))
		abort();
	memcpy(names, spec, len + 1);
	while (names[i]) {
		if (n == HPC_OPTS_MAX)
			abort();
		take_entry(&i, n++);
	}
	memset(&table[n], 0, sizeof(table[n]));
	made_from = spec;
}

int hpc_getopt(int argc, char **argv, const char *shortopts,
	       const char *spec)
{
	if (spec != made_from)
		make_table(spec);
	return getopt_long(argc, argv, shortopts, table, NULL);
}
