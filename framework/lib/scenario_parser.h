/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Inside the scenario parser (lib/scenario_*.c), not for other users: the
 * parser's state, its error reporting and the word helpers every directive
 * uses. The public interface is hpc/scenario.h.
 *
 *   scenario_parse.c    reading a file: lines, continuations, the directive
 *                       dispatch, the one-line directives; hpc_scenario_load()
 *   scenario_machine.c  machine, object, device (the QEMU allow-list), sizes
 *   scenario_steps.c    guest steps and host actions (on ...)
 *   scenario_check.c    checks that need the whole file; requirements
 *   scenario_qemu.c     QEMU arguments and QMP device_add JSON
 *   scenario_sched.c    the schedule's random numbers, outcomes
 */
#ifndef HPC_SCENARIO_PARSER_H
#define HPC_SCENARIO_PARSER_H

#include <stdio.h>

#include "hpc/scenario.h"

#define MAX_LINE 4096
#define MAX_WORDS 64

/* Largest memory size a scenario may give (boot memory, a backend): 1 TiB. */
#define MAX_SIZE (1ULL << 40)

struct parser {
	struct hpc_scenario *s;
	FILE *err;
	int max_errors;
	int errors;
	int line;
	int line_end;	/* the last physical line of the directive being read */
};

/* One error "FILE:LINE: message"; counted always, printed up to max_errors. */
void scn_perr(struct parser *p, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

extern const char hpc_scn_outcome_reserved[];

/* Names are the agent protocol's: [A-Za-z0-9_.:+-]{1,64}. */
int scn_name_valid(const char *n);
/* Copy a valid name, or say what is wrong with it (what: "step name"). */
int scn_copy_name(struct parser *p, char *dst, const char *src, const char *what);
/* A decimal number lo..hi, or an error naming what. */
int scn_parse_uint(struct parser *p, const char *v, unsigned int lo,
	       unsigned int hi, const char *what, unsigned int *out);
/* 1 (and an error "too many WHAT (at most MAX)") when n has reached max. */
int scn_full(struct parser *p, int n, int max, const char *what);
/* Split s in place at blanks; returns the number of words, -1 over max. */
int scn_split_words(char *s, char **w, int max);
/* Is key one of the blank-separated words of list? */
int scn_word_in(const char *list, const char *key);
/* A property value: [A-Za-z0-9_.:/+-@], no commas or blanks. */
int scn_prop_value_valid(const char *v);
/* The value of property key of d, or NULL. */
const char *scn_prop_get(const struct hpc_device *d, const char *key);
/* Bytes of a machine size (bare digits: MiB) the parser checked. */
unsigned long long scn_machine_bytes(const char *v);

/* Directives, one line each (w[0] is the directive's word). */
int scn_object_device(struct parser *p, int is_object, char **w, int nw);
int scn_machine(struct parser *p, char **w, int nw);
int scn_step(struct parser *p, enum hpc_step_kind kind, char *rest);
int scn_on(struct parser *p, char **w, int nw);
/* CXL fault actions (scenario_cxl.c): on ... cxl-inject-* DEV ARGS */
int scn_is_cxl_action(const char *name);
int scn_on_cxl(struct parser *p, struct hpc_action *a, char **w, int nargs);
void scn_validate_cxl_reqs(struct parser *p);

/* The checks that need the whole file, after the last line. */
void scn_validate(struct parser *p);

#endif
