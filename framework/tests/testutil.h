/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers the unit tests share (tests/testutil.c): whole files and JSON
 * members, each failing the running cmocka test when it cannot.
 */
#ifndef HPC_TESTUTIL_H
#define HPC_TESTUTIL_H

#include <stddef.h>

struct json_object;

/* The whole file, NUL-terminated (free it); its length in *len if len. */
char *tu_slurp(const char *path, size_t *len);
/* The same for dir/rel. */
char *tu_slurp_at(const char *dir, const char *rel);
/* dir/rel parsed as JSON (json_object_put it). */
struct json_object *tu_json_at(const char *dir, const char *rel);
/* Member key of o, which must be there. */
struct json_object *tu_get(struct json_object *o, const char *key);
/* String member key of o, which must be there and be a string. */
const char *tu_str(struct json_object *o, const char *key);
/* Remove the directory tree dir (malloc'ed) and free dir. */
void tu_rmtree(char *dir);

struct hpc_scenario;
/*
 * Write text to DIR/NAME.scn and load it into s: hpc_scenario_load()'s
 * result; its errors, NUL-terminated, in err (cap bytes).
 */
int tu_scn_load(const char *dir, const char *name, const char *text,
		struct hpc_scenario *s, char *err, size_t cap);

#endif
