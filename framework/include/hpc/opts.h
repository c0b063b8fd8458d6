/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Command-line options of the core (core/opts.c): getopt_long() with the
 * long options written as one string instead of a struct option table.
 */
#ifndef HPC_OPTS_H
#define HPC_OPTS_H

/* Long options one spec may have. */
#define HPC_OPTS_MAX	32

/*
 * getopt_long(argc, argv, shortopts, table) where table comes from spec:
 * entries separated by spaces, "NAME=C" for an option that takes a value,
 * "NAME!C" for a flag, C the character getopt returns for it, e.g.
 * "size=s verify!v help!h". The table is made on the first call with a
 * spec (and again when the spec changes); a spec that does not parse, or
 * has more than HPC_OPTS_MAX entries, aborts: it is the program's own text.
 */
int hpc_getopt(int argc, char **argv, const char *shortopts,
	       const char *spec);

#endif
