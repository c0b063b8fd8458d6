// SPDX-License-Identifier: GPL-2.0
/* Helpers the unit tests share: see testutil.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <ftw.h>
#include <sys/stat.h>
#include <cmocka.h>
#include <json-c/json.h>

#include "hpc/scenario.h"
#include "testutil.h"

char *tu_slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	if (len)
		*len = (size_t)n;
	return buf;
}

char *tu_slurp_at(const char *dir, const char *rel)
{
	char path[1024];

	assert_true((size_t)snprintf(path, sizeof(path), "%s/%s", dir, rel) < sizeof(path));
	return tu_slurp(path, NULL);
}

struct json_object *tu_json_at(const char *dir, const char *rel)
{
	char *s = tu_slurp_at(dir, rel);
	struct json_object *o = json_tokener_parse(s);

	free(s);
	assert_non_null(o);
	return o;
}

struct json_object *tu_get(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	assert_true(json_object_object_get_ex(o, key, &v));
	return v;
}

const char *tu_str(struct json_object *o, const char *key)
{
	struct json_object *v = tu_get(o, key);

	assert_true(json_object_is_type(v, json_type_string));
	return json_object_get_string(v);
}

static int rm_one(const char *path, const struct stat *st, int flag,
		  struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void tu_rmtree(char *dir)
{
	assert_int_equal(nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS), 0);
	free(dir);
}

int tu_scn_load(const char *dir, const char *name, const char *text,
		struct hpc_scenario *s, char *err, size_t cap)
{
	char path[4096];
	FILE *f, *e;
	int r;

	snprintf(path, sizeof(path), "%s/%s.scn", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
	memset(err, 0, cap);
	e = fmemopen(err, cap - 1, "w");
	assert_non_null(e);
	r = hpc_scenario_load(path, s, e, 20);
	fclose(e);
	unlink(path);
	return r;
}
