/* SPDX-License-Identifier: GPL-2.0 */
/* What the host tools' command lines share. */
#ifndef HPC_CLI_H
#define HPC_CLI_H

#include <getopt.h>

/* Entries of a struct option table. */
#define HPC_OPT_ARG(name, val)	{ name, required_argument, NULL, val }
#define HPC_OPT_FLAG(name, val)	{ name, no_argument, NULL, val }
#define HPC_OPT_END		{ NULL, 0, NULL, 0 }

/*
 * "PREFIX message\n" on stderr, then exit(status). A tool wraps it in its
 * own macro: #define fatal(...) hpc_die(2, "hpc-x: error: ", __VA_ARGS__).
 */
void hpc_die(int status, const char *prefix, const char *fmt, ...)
	__attribute__((format(printf, 3, 4), noreturn));

#endif
