// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz the scenario parser (scenario.h) with a scenario file. The input is
 * written to a file of its own in a private temporary directory (the
 * parser takes a path) and loaded. A failed load must say why in at most
 * max_errors "FILE:LINE: ..." lines; a scenario that loads must be within
 * the bounds of its struct, and everything the runner and the conductor
 * make of it (QEMU arguments, -M and -device values, QMP device_add JSON,
 * action timings and delays, requirements) must come out sane.
 */
#include <json-c/json.h>
#include <string.h>
#include <unistd.h>

#include "hpc/scenario.h"
#include "fuzz.h"

#define MAX_ERRORS 8

static char dir[4096], file[4200], kconfig[4200], modules[4200];
static struct hpc_scenario scn;

static void cleanup(void)
{
	unlink(file);
	unlink(kconfig);
	unlink(modules);
	rmdir(dir);
}

static void write_file(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "w");

	FUZZ_CHECK(f);
	FUZZ_CHECK(n == 0 || fwrite(p, n, 1, f) == 1);
	FUZZ_CHECK(fclose(f) == 0);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char kc[] = "CONFIG_CXL_BUS=y\nCONFIG_HMM_MIRROR=m\n"
				 "# CONFIG_KASAN is not set\nCONFIG_X=n\n";
	static const char mods[] = "cxl_acpi\ndevice_dax\nhpc_test\n";
	const char *tmp = getenv("TMPDIR");

	(void)argc;
	(void)argv;
	if (!tmp || !*tmp)
		tmp = "/tmp";
	FUZZ_CHECK(strlen(tmp) < sizeof(dir) - 32);
	snprintf(dir, sizeof(dir), "%s/hpc-fuzz-scenario.XXXXXX", tmp);
	FUZZ_CHECK(mkdtemp(dir));
	snprintf(file, sizeof(file), "%s/f.scn", dir);
	snprintf(kconfig, sizeof(kconfig), "%s/config", dir);
	snprintf(modules, sizeof(modules), "%s/modules", dir);
	write_file(kconfig, kc, sizeof(kc) - 1);
	write_file(modules, mods, sizeof(mods) - 1);
	atexit(cleanup);
	return 0;
}

/*
 * Does s start with "FILE:"? A plain loop: libFuzzer takes the operands of
 * strncmp() and memcmp() as dictionary words, and the file name is random.
 */
static int starts_with_file(const char *s, size_t n)
{
	size_t i;

	for (i = 0; file[i]; i++)
		if (i >= n || s[i] != file[i])
			return 0;
	return i < n && s[i] == ':';
}

static void check_errors(const char *out, size_t len)
{
	size_t lines = 0;
	const char *p = out, *end = out + len;

	FUZZ_CHECK(len > 0);
	FUZZ_CHECK(out[len - 1] == '\n');
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));

		FUZZ_CHECK(nl);
		FUZZ_CHECK(starts_with_file(p, (size_t)(nl - p)));
		lines++;
		p = nl + 1;
	}
	FUZZ_CHECK(lines <= MAX_ERRORS);
}

static int name_ok(const char *s, size_t cap)
{
	const char *nul = memchr(s, '\0', cap);

	return nul && hpc_proto_name_ok(s, (size_t)(nul - s));
}

static void check_loaded(const struct hpc_scenario *s)
{
	char buf[8192], reason[128];
	char *argv[512];
	int i, n;

	FUZZ_CHECK(name_ok(s->name, sizeof(s->name)));
	FUZZ_CHECK(s->ngroups >= 0 && s->ngroups <= HPC_SCN_MAX_GROUPS);
	for (i = 0; i < s->ngroups; i++) {
		FUZZ_CHECK(name_ok(s->groups[i], sizeof(s->groups[i])));
		FUZZ_CHECK(hpc_scenario_in_group(s, s->groups[i]));
	}
	FUZZ_CHECK(s->nsteps >= 0 && s->nsteps <= HPC_SCN_MAX_STEPS);
	for (i = 0; i < s->nsteps; i++) {
		const struct hpc_step *st = &s->steps[i];

		FUZZ_CHECK((unsigned int)st->kind < HPC_STEP__COUNT);
		FUZZ_CHECK(name_ok(st->name, sizeof(st->name)));
		FUZZ_CHECK(st->timeout_s <= HPC_PROTO_MAX_TIMEOUT);
		FUZZ_CHECK(memchr(st->payload, '\0', sizeof(st->payload)));
		FUZZ_CHECK(!strchr(st->payload, '\n'));
		/* the host can send every step to the agent */
		n = hpc_proto_format_step(buf, sizeof(buf), i,
					  hpc_step_kind_name(st->kind),
					  st->timeout_s, st->name, st->payload);
		FUZZ_CHECK(n > 0);
	}
	FUZZ_CHECK(s->ndevices >= 0 && s->ndevices <= HPC_SCN_MAX_DEVICES);
	for (i = 0; i < s->ndevices; i++) {
		const struct hpc_device *d = &s->devices[i];
		char *o;

		FUZZ_CHECK(d->nprops >= 0 && d->nprops <= HPC_SCN_MAX_PROPS);
		FUZZ_CHECK(hpc_scenario_device(s, d->id));
		o = hpc_device_opts(d, "/run/dir/");
		free(o);
		o = hpc_device_opts(d, NULL);
		free(o);
		if (d->hotplug) {
			struct json_object *j = hpc_device_qmp_args(d);
			struct json_object *back = json_tokener_parse(
				json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN));

			FUZZ_CHECK(j && json_object_is_type(j, json_type_object));
			FUZZ_CHECK(back && json_object_is_type(back, json_type_object));
			json_object_put(back);
			json_object_put(j);
		}
	}
	FUZZ_CHECK(s->nactions >= 0 && s->nactions <= HPC_SCN_MAX_ACTIONS);
	for (i = 0; i < s->nactions; i++) {
		const struct hpc_action *a = &s->actions[i];
		unsigned int k, d;

		FUZZ_CHECK(a->after_min_ms <= a->after_max_ms);
		FUZZ_CHECK(a->every_min_ms <= a->every_max_ms);
		FUZZ_CHECK(a->after_max_ms <= HPC_SCN_MAX_MS);
		FUZZ_CHECK(a->every_max_ms <= HPC_SCN_MAX_MS);
		FUZZ_CHECK(a->count >= 1 && a->count <= HPC_SCN_MAX_FIRINGS);
		for (k = 0; k < 3; k++) {
			d = hpc_action_delay_ms(a, 0x5eedull * (k + 1), (unsigned int)i, k);
			if (k == 0)
				FUZZ_CHECK(d >= a->after_min_ms && d <= a->after_max_ms);
			else
				FUZZ_CHECK(d >= a->every_min_ms && d <= a->every_max_ms);
		}
		hpc_action_timing(a, buf, sizeof(buf));
		FUZZ_CHECK(memchr(buf, '\0', sizeof(buf)));
		hpc_action_timing(a, buf, 7);
		FUZZ_CHECK(memchr(buf, '\0', 7));
	}
	FUZZ_CHECK(s->nreqs >= 0 && s->nreqs <= HPC_SCN_MAX_REQS);
	FUZZ_CHECK(s->nknown >= 0 && s->nknown <= HPC_SCN_MAX_KNOWN);
	FUZZ_CHECK(s->nguest_events >= 0 &&
		   s->nguest_events <= HPC_SCN_MAX_GUEST_EVENTS);
	FUZZ_CHECK(s->machine.nfmw <= HPC_SCN_MAX_FMW);
	for (i = 0; i < (int)s->machine.nfmw; i++)
		FUZZ_CHECK(s->machine.fmw[i].ntargets <= HPC_SCN_MAX_FMW_TARGETS);

	n = hpc_scenario_check_reqs(s, kconfig, modules, reason, sizeof(reason));
	FUZZ_CHECK(n == 0 || (n == 1 && memchr(reason, '\0', sizeof(reason))));
	FUZZ_CHECK(hpc_machine_opts(&s->machine, 1, buf, sizeof(buf)) >= 0);
	(void)hpc_machine_opts(&s->machine, 0, buf, 16);
	n = hpc_scenario_qemu_args(s, argv, 0, (int)(sizeof(argv) / sizeof(argv[0])));
	FUZZ_CHECK(n >= 0);
	for (i = 0; i < n; i++) {
		FUZZ_CHECK(argv[i]);
		free(argv[i]);
	}
	(void)hpc_outcome_list(s->expect);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *out = NULL;
	size_t outlen = 0;
	FILE *err;
	int r;

	write_file(file, data, size);
	err = open_memstream(&out, &outlen);
	FUZZ_CHECK(err);
	r = hpc_scenario_load(file, &scn, err, MAX_ERRORS);
	FUZZ_CHECK(fclose(err) == 0);
	if (r == 0) {
		FUZZ_CHECK(outlen == 0);
		check_loaded(&scn);
	} else {
		FUZZ_CHECK(r == -1);
		check_errors(out, outlen);
	}
	free(out);
	return 0;
}
