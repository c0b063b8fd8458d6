// SPDX-License-Identifier: GPL-2.0
/*
 * The schedule without a guest: --print-schedule prints the delays a seed
 * draws for each host action; --check-schedule re-derives them and compares
 * them with those a verdict.json recorded (hpchaos repro runs it before
 * replaying).
 */
#include <stdint.h>
#include <sys/stat.h>

#include "conductor.h"

#define PRINT_FIRINGS		10	/* delays printed per action */
#define SHOW_DIFFERENCES	10	/* differences printed, the rest counted */
#define VERDICT_MAX_BYTES	(16 << 20)

/* The drawn delays of every action for this seed, for people. */
int print_schedule(const struct conductor *c)
{
	const struct hpc_scenario *s = c->s;

	printf("seed %llu: %d host actions\n", c->opt.seed, s->nactions);
	for (int i = 0; i < s->nactions; i++) {
		const struct hpc_action *a = &s->actions[i];
		char timing[96];

		hpc_action_timing(a, timing, sizeof(timing));
		printf("action %d (line %d): on %s%s%s %s %s: delay", i, a->line,
		       a->at ? "" : a->on, a->at || !timing[0] ? "" : " ", timing,
		       action_name(a), action_target(a));
		for (unsigned int k = 0; k < a->count && k < PRINT_FIRINGS; k++)
			printf("%s %u", k == 1 ? ", then every" : "",
			       hpc_action_delay_ms(a, c->opt.seed, (unsigned int)i, k));
		printf(" ms%s\n", a->count > PRINT_FIRINGS ? " ..." : "");
	}
	return 0;
}

/* An int member in 0..max, or -1. */
static long long json_uint(struct json_object *o, const char *key, long long max)
{
	struct json_object *v;
	long long x;

	if (!o || !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_int))
		return -1;
	x = json_object_get_int64(v);
	return x < 0 || x > max ? -1 : x;
}

struct sched_check {
	const struct hpc_scenario *s;
	unsigned long long seed;
	int compared, bad;
};

/* Another difference: 1 if it is to be printed. */
static int differs(struct sched_check *sc)
{
	return sc->bad++ < SHOW_DIFFERENCES;
}

static void check_firing(struct sched_check *sc, int idx, struct json_object *f)
{
	const struct hpc_action *a = &sc->s->actions[idx];
	long long k = json_uint(f, "firing", HPC_SCN_MAX_FIRINGS);
	long long d = json_uint(f, "delay_ms", HPC_SCN_MAX_MS);
	unsigned int want;

	if (k < 0 || d < 0 || k >= a->count) {
		if (differs(sc))
			printf("schedule: action %d (line %d): a recorded firing without a valid firing number or delay\n",
			       idx, a->line);
		return;
	}
	want = hpc_action_delay_ms(a, sc->seed, (unsigned int)idx, (unsigned int)k);
	sc->compared++;
	if ((unsigned int)d != want && differs(sc))
		printf("schedule: action %d (line %d) firing %lld: recorded delay %lld ms, seed %llu gives %u ms\n",
		       idx, a->line, k, d, sc->seed, want);
}

/* Recorded action i of the schedule (e) against the scenario's. */
static void check_action(struct sched_check *sc, size_t i, struct json_object *e)
{
	const struct hpc_scenario *s = sc->s;
	long long idx = json_uint(e, "idx", HPC_SCN_MAX_ACTIONS - 1);
	long long line = json_uint(e, "line", INT32_MAX);
	struct json_object *fs, *u;

	if (idx < 0 || idx >= s->nactions) {
		if (differs(sc))
			printf("schedule: recorded action %zu is not in the scenario\n", i);
		return;
	}
	if (line != s->actions[idx].line && differs(sc))
		printf("schedule: action %lld: recorded at line %lld, the scenario has it at line %d\n",
		       idx, line, s->actions[idx].line);
	if (json_object_object_get_ex(e, "firings", &fs) &&
	    json_object_is_type(fs, json_type_array))
		for (size_t k = 0; k < json_object_array_length(fs); k++)
			check_firing(sc, (int)idx, json_object_array_get_idx(fs, k));
	if (json_object_object_get_ex(e, "unfired", &u) && u)
		check_firing(sc, (int)idx, u);
}

/* A verdict.json as a JSON object, or NULL (said on stderr). */
static struct json_object *load_verdict(const char *file)
{
	struct json_object *root;
	struct stat st;

	if (stat(file, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > VERDICT_MAX_BYTES) {
		fprintf(stderr, "hpc-conductor: %s: not a readable verdict file\n", file);
		return NULL;
	}
	root = json_object_from_file(file);
	if (!root || !json_object_is_type(root, json_type_object)) {
		fprintf(stderr, "hpc-conductor: %s: not a JSON object\n", file);
		json_object_put(root);
		return NULL;
	}
	return root;
}

/* The comparison's result, said on stdout: 0 the same, 1 not. */
static int check_summary(const struct sched_check *sc)
{
	int n = sc->s->nactions;

	if (sc->bad > SHOW_DIFFERENCES)
		printf("schedule: ... %d differences in all\n", sc->bad);
	if (sc->bad)
		return 1;
	if (!n)
		printf("schedule: the scenario has no host actions: nothing to compare\n");
	else
		printf("schedule: %d delay%s of %d action%s re-derived from seed %llu: the same as recorded\n",
		       sc->compared, sc->compared == 1 ? "" : "s", n, n == 1 ? "" : "s",
		       sc->seed);
	return 0;
}

/*
 * Re-derive the drawn delays from the seed and compare them with those a
 * verdict.json recorded. 0: the same; 1: they differ (each difference on
 * stdout) or none were recorded; 2: the file is unreadable.
 */
int check_schedule(const struct conductor *c, const char *file)
{
	struct sched_check sc = { .s = c->s, .seed = c->opt.seed };
	struct json_object *root = load_verdict(file), *sched, *seed;
	size_t n;

	if (!root)
		return 2;
	if (json_object_object_get_ex(root, "seed", &seed) &&
	    json_object_is_type(seed, json_type_int) &&
	    (unsigned long long)json_object_get_int64(seed) != sc.seed)
		printf("schedule: note: %s was run with seed %lld, checking seed %llu\n",
		       file, (long long)json_object_get_int64(seed), sc.seed);
	if (!json_object_object_get_ex(root, "schedule", &sched) ||
	    !json_object_is_type(sched, json_type_array)) {
		printf("schedule: %s recorded no schedule (an older result): cannot compare\n", file);
		json_object_put(root);
		return 1;
	}
	n = json_object_array_length(sched);
	if (n != (size_t)c->s->nactions && differs(&sc))
		printf("schedule: %zu actions recorded, the scenario has %d\n", n, c->s->nactions);
	for (size_t i = 0; i < n; i++)
		check_action(&sc, i, json_object_array_get_idx(sched, i));
	json_object_put(root);
	return check_summary(&sc);
}
