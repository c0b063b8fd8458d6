// SPDX-License-Identifier: GPL-2.0
/*
 * hpc-scenario: scenario files for the bash runner.
 *
 *   hpc-scenario lint FILE...        check files; errors as FILE:LINE: message
 *   hpc-scenario info FILE...        one line per file: name<TAB>groups<TAB>file<TAB>description
 *   hpc-scenario info --group G FILE...     the same for the scenarios in group G
 *   hpc-scenario info --named WORD FILE...  ... for those WORD names: all, a
 *                                    scenario name or a group
 *   hpc-scenario qemu-args FILE      machine and boot-device arguments, NUL-separated
 *   hpc-scenario field FILE KEY      one value: name, cmdline, timeout, description
 *   hpc-scenario resources FILE...   one line per file: name<TAB>timeout<TAB>cpus<TAB>
 *                                    MiB of guest memory the host backs (boot
 *                                    memory and memory-backend objects)
 *   hpc-scenario reqs FILE KCONFIG   exit 0 if the kernel config meets the
 *                                    requirements, else 1 and the reason on stdout
 *   hpc-scenario units FILE          the guest steps and host actions minimise may
 *                                    drop or narrow: FIRST<TAB>LAST<TAB>step|action<TAB>
 *                                    DESC<TAB>DELAY<TAB>COUNT (lines; a drawn delay
 *                                    at:MIN-MAX or after:MIN-MAX, count=; else -)
 *   hpc-scenario edit FILE EDIT...   the file on stdout without the units of drop:LINE
 *                                    (LINE: where a unit starts), with LINE:at=N,
 *                                    LINE:after=N, LINE:count=N set; lint the result
 *
 * FILE is a regular file named *.scn (a symbolic link only to one): a FIFO,
 * a device or any other file is refused before anything is read from it.
 *
 * Exit status: 0 ok, 1 requirement unmet, 2 bad input or usage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hpc/scenario.h"

static struct hpc_scenario scn;

static int usage(void)
{
	fputs("usage: hpc-scenario lint FILE...\n"
	      "       hpc-scenario info [--group G | --named WORD] FILE...\n"
	      "       hpc-scenario qemu-args FILE\n"
	      "       hpc-scenario field FILE name|cmdline|machine|timeout|description\n"
	      "       hpc-scenario resources FILE...\n"
	      "       hpc-scenario reqs FILE KCONFIG\n", stderr);
	return 2;
}

/*
 * Load each of the files and call fn for each that loads (errors go to
 * stderr, at most 50 a file). Returns how many files have errors.
 */
static int each_file(int argc, char **argv, void (*fn)(const char *arg),
		     const char *arg)
{
	int bad = 0;

	for (int i = 0; i < argc; i++) {
		if (hpc_scenario_load(argv[i], &scn, stderr, 50) < 0) {
			bad++;
			continue;
		}
		if (fn)
			fn(arg);
	}
	return bad;
}

static int cmd_lint(int argc, char **argv)
{
	int bad = each_file(argc, argv, NULL, NULL);

	if (bad)
		fprintf(stderr, "hpc-scenario: %d of %d files have errors\n", bad, argc);
	return bad ? 2 : 0;
}

/* name<TAB>groups<TAB>file<TAB>description */
static void print_info(const char *unused)
{
	(void)unused;
	printf("%s\t", scn.name);
	for (int g = 0; g < scn.ngroups; g++)
		printf("%s%s", g ? "," : "", scn.groups[g]);
	printf("\t%s\t%s\n", scn.file, scn.description);
}

static void print_info_in_group(const char *group)
{
	if (hpc_scenario_in_group(&scn, group))
		print_info(NULL);
}

static void print_info_named(const char *word)
{
	if (hpc_scenario_named(&scn, word))
		print_info(NULL);
}

/* info [--group G | --named WORD] FILE...: only the scenarios selected. */
static int cmd_info(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[0], "--group") == 0)
		return each_file(argc - 2, argv + 2, print_info_in_group, argv[1]) ? 2 : 0;
	if (argc >= 2 && strcmp(argv[0], "--named") == 0)
		return each_file(argc - 2, argv + 2, print_info_named, argv[1]) ? 2 : 0;
	return each_file(argc, argv, print_info, NULL) ? 2 : 0;
}

static int cmd_qemu_args(const char *file)
{
	char *args[256];
	int n;

	if (hpc_scenario_load(file, &scn, stderr, 50) < 0)
		return 2;
	args[0] = NULL;
	n = hpc_scenario_qemu_args(&scn, args, 0, 256);
	if (n < 0) {
		fprintf(stderr, "%s: too many QEMU arguments\n", file);
		return 2;
	}
	for (int i = 0; i < n; i++) {
		fwrite(args[i], 1, strlen(args[i]) + 1, stdout);
		free(args[i]);
	}
	return 0;
}

static int cmd_field(const char *file, const char *key)
{
	if (hpc_scenario_load(file, &scn, stderr, 50) < 0)
		return 2;
	if (strcmp(key, "name") == 0)
		printf("%s\n", scn.name);
	else if (strcmp(key, "cmdline") == 0)
		printf("%s\n", scn.machine.append);
	else if (strcmp(key, "machine") == 0)
		printf("%s\n", scn.machine.type);
	else if (strcmp(key, "timeout") == 0)
		printf("%u\n", scn.timeout_s);
	else if (strcmp(key, "description") == 0)
		printf("%s\n", scn.description);
	else
		return usage();
	return 0;
}

static int cmd_reqs(const char *file, const char *kconfig)
{
	char reason[512];

	if (hpc_scenario_load(file, &scn, stderr, 50) < 0)
		return 2;
	if (hpc_scenario_check_reqs(&scn, kconfig, NULL, reason, sizeof(reason))) {
		printf("%s\n", reason);
		return 1;
	}
	return 0;
}

/*
 * MiB of a size as the scenario wrote it: digits with an optional K/M/G/T
 * suffix; bare digits are unit_mib MiB when unit_mib is set (QEMU's -m),
 * else bytes (an object's size=). Rounded up; 0 when unreadable.
 */
static unsigned long long size_mib(const char *v, int unit_mib)
{
	unsigned long long b;
	int suffixed;

	if (hpc_size_parse(v, &b, &suffixed))
		return 0;
	if (!suffixed && unit_mib)
		return b;
	return (b + (1ULL << 20) - 1) >> 20;
}

/* MiB of guest memory the host backs: boot memory and memory backends. */
static unsigned long long backed_mib(const struct hpc_scenario *s)
{
	unsigned long long mib = size_mib(s->machine.memory, 1);

	for (int i = 0; i < s->ndevices; i++) {
		const struct hpc_device *d = &s->devices[i];

		if (!d->is_object || strncmp(d->driver, "memory-backend-", 15))
			continue;
		for (int k = 0; k < d->nprops; k++)
			if (strcmp(d->props[k].key, "size") == 0)
				mib += size_mib(d->props[k].val, 0);
	}
	return mib;
}

/* name<TAB>timeout<TAB>cpus<TAB>memory-MiB per file, for the scheduler. */
static void print_resources(const char *unused)
{
	(void)unused;
	printf("%s\t%u\t%u\t%llu\n", scn.name, scn.timeout_s,
	       scn.machine.cpus ? scn.machine.cpus : 1, backed_mib(&scn));
}

static int cmd_resources(int argc, char **argv)
{
	return each_file(argc, argv, print_resources, NULL) ? 2 : 0;
}

/*
 * units FILE: the steps and actions minimise can drop, one line each:
 * FIRST<TAB>LAST<TAB>step|action<TAB>DESC<TAB>DELAY<TAB>COUNT, DELAY being
 * at:MIN-MAX or after:MIN-MAX for a drawn first delay (else -), COUNT the
 * count= written (else -).
 */
static int cmd_units(const char *file)
{
	struct hpc_scn_unit u[HPC_SCN_MAX_STEPS + HPC_SCN_MAX_ACTIONS];
	int n;

	if (hpc_scenario_load(file, &scn, stderr, 50) < 0)
		return 2;
	n = hpc_scenario_units(&scn, u, (int)(sizeof(u) / sizeof(u[0])));
	for (int i = 0; i < n; i++) {
		printf("%d\t%d\t%s\t%s\t", u[i].first, u[i].last,
		       u[i].is_action ? "action" : "step", u[i].desc);
		if (u[i].delay_min < u[i].delay_max)
			printf("%s:%u-%u\t", u[i].delay_at ? "at" : "after",
			       u[i].delay_min, u[i].delay_max);
		else
			printf("-\t");
		if (u[i].count)
			printf("%u\n", u[i].count);
		else
			printf("-\n");
	}
	return n < 0 ? 2 : 0;
}

/* One EDIT word: drop:LINE, or LINE:at=N, LINE:after=N, LINE:count=N. */
static int parse_edit(const char *w, struct hpc_scn_edit *e)
{
	static const char *const keys[] = {
		[HPC_EDIT_AT] = "at=", [HPC_EDIT_AFTER] = "after=",
		[HPC_EDIT_COUNT] = "count=",
	};
	char *end;
	long l;

	memset(e, 0, sizeof(*e));
	if (strncmp(w, "drop:", 5) == 0) {
		l = strtol(w + 5, &end, 10);
		e->key = HPC_EDIT_DROP;
		e->line = (int)l;
		return *end || l < 1 || l > 1000000 ? -1 : 0;
	}
	l = strtol(w, &end, 10);
	if (end == w || *end != ':' || l < 1 || l > 1000000)
		return -1;
	e->line = (int)l;
	for (int k = HPC_EDIT_AT; k <= HPC_EDIT_COUNT; k++) {
		size_t kl = strlen(keys[k]);

		if (strncmp(end + 1, keys[k], kl) == 0 &&
		    strlen(end + 1 + kl) < sizeof(e->value)) {
			e->key = (enum hpc_edit_key)k;
			strcpy(e->value, end + 1 + kl);
			return 0;
		}
	}
	return -1;
}

/* edit FILE EDIT...: the file with the edits applied, on stdout. */
static int cmd_edit(int argc, char **argv)
{
	struct hpc_scn_edit e[HPC_SCN_MAX_STEPS + HPC_SCN_MAX_ACTIONS];

	if (argc - 1 > (int)(sizeof(e) / sizeof(e[0])))
		return usage();
	for (int i = 1; i < argc; i++)
		if (parse_edit(argv[i], &e[i - 1]) < 0) {
			fprintf(stderr, "hpc-scenario: bad edit '%.64s': expected drop:LINE or LINE:at=N, LINE:after=N, LINE:count=N\n",
				argv[i]);
			return 2;
		}
	if (hpc_scenario_load(argv[0], &scn, stderr, 50) < 0)
		return 2;
	if (hpc_scenario_edit(&scn, e, argc - 1, stdout, stderr) < 0)
		return 2;
	return fflush(stdout) ? 2 : 0;
}

int main(int argc, char **argv)
{
	if (argc < 3)
		return usage();
	if (strcmp(argv[1], "lint") == 0)
		return cmd_lint(argc - 2, argv + 2);
	if (strcmp(argv[1], "info") == 0)
		return cmd_info(argc - 2, argv + 2);
	if (strcmp(argv[1], "qemu-args") == 0 && argc == 3)
		return cmd_qemu_args(argv[2]);
	if (strcmp(argv[1], "field") == 0 && argc == 4)
		return cmd_field(argv[2], argv[3]);
	if (strcmp(argv[1], "resources") == 0)
		return cmd_resources(argc - 2, argv + 2);
	if (strcmp(argv[1], "reqs") == 0 && argc == 4)
		return cmd_reqs(argv[2], argv[3]);
	if (strcmp(argv[1], "units") == 0 && argc == 3)
		return cmd_units(argv[2]);
	if (strcmp(argv[1], "edit") == 0)
		return cmd_edit(argc - 2, argv + 2);
	return usage();
}
