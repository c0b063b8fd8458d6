// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for lib/symbolize.c: frame lines of a captured KASAN report
 * (tests/fixtures/triage), hostile lines, source paths, and addr2line on
 * this test binary itself (a real ELF file with debug info).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hpc/symbolize.h"

#ifndef FIXTURES_DIR
#error "FIXTURES_DIR must be defined by the build"
#endif

static int parse(const char *line, struct hpc_frame *f)
{
	return hpc_frame_parse(line, strlen(line), f);
}

static void frame_lines(void **state)
{
	struct hpc_frame f;

	(void)state;
	assert_int_equal(parse("[   27.757623][   T70]  dump_stack_lvl+0x4c/0x63", &f), 1);
	assert_string_equal(f.sym, "dump_stack_lvl");
	assert_true(f.off == 0x4c && f.size == 0x63);
	assert_true(f.reliable && !f.rip);
	assert_string_equal(f.module, "");

	assert_int_equal(parse("[   27.759192][   T70]  trigger_write.cold+0x136/0x15e [hpchaos_trigger]", &f), 1);
	assert_string_equal(f.sym, "trigger_write.cold");
	assert_string_equal(f.module, "hpchaos_trigger");
	assert_true(f.off == 0x136 && f.size == 0x15e);

	assert_int_equal(parse("[   27.758020][   T70]  ? __virt_addr_valid+0x17f/0x2f0", &f), 1);
	assert_false(f.reliable);

	/* no printk prefix, a CPU caller id */
	assert_int_equal(parse(" ? can_vma_merge_before.constprop.0+0xd0/0xd0", &f), 1);
	assert_string_equal(f.sym, "can_vma_merge_before.constprop.0");
	assert_int_equal(parse("[    3.1][    C0]  lock_acquire+0x1a/0x30", &f), 1);

	assert_int_equal(parse("[   40.1][ T1] RIP: 0010:hpc_trigger_warn+0x1e/0x30 [hpchaos_trigger]", &f), 1);
	assert_true(f.rip);
	assert_string_equal(f.sym, "hpc_trigger_warn");
	assert_string_equal(f.module, "hpchaos_trigger");
}

static void not_frames(void **state)
{
	static const char *const lines[] = {
		"[   27.761921][   T70] RIP: 0033:0x47b7a0",	/* user space */
		"[   27.759377][   T70]  ? 0xffffffffa0000000",	/* no symbol */
		"[   27.755595][   T70] BUG: KASAN: use-after-free in hpc_trigger_uaf+0x89/0xa6 [hpchaos_trigger]",
		"[   27.757483][   T70]  <TASK>",
		"f+0x10",				/* no size */
		"f+0x/0x10",				/* no digits */
		"f+0x10/0x",
		"f+0x12345678901234567/0x10",		/* more than 64 bits */
		"f+10/0x10",				/* not hex */
		"9f+0x1/0x2",				/* not a symbol */
		"RIP: 10:f+0x1/0x2",
		"",
		"[",
		"[   1.0",
		"? ",
	};
	struct hpc_frame f;

	(void)state;
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		if (parse(lines[i], &f) != 0)
			fail_msg("taken as a frame: '%s'", lines[i]);
	}
}

static void hostile_lines(void **state)
{
	char big[4096];
	struct hpc_frame f;

	(void)state;
	/* a symbol longer than the buffer: not a frame, nothing written past it */
	memset(big, 'a', sizeof(big));
	memcpy(big + sizeof(big) - 12, "+0x1/0x2", 9);
	assert_int_equal(parse(big, &f), 0);
	/* a module name longer than the buffer: the frame, without a module */
	memset(big, 'b', sizeof(big));
	memcpy(big, "f+0x1/0x2 [", 11);
	big[sizeof(big) - 2] = ']';
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(parse(big, &f), 1);
	assert_string_equal(f.module, "");
	/* an unclosed module: no module */
	assert_int_equal(parse("f+0x1/0x2 [mod", &f), 1);
	assert_string_equal(f.module, "");
	/* the length is honoured: no terminating NUL needed */
	memcpy(big, "g+0x1/0x2", 9);
	assert_int_equal(hpc_frame_parse(big, 9, &f), 1);
	assert_int_equal(hpc_frame_parse(big, 6, &f), 0);
}

static void report_ends(void **state)
{
	(void)state;
	assert_true(hpc_report_end("[ 1.0][ T1] ---[ end trace 0000000000000000 ]---", 47));
	assert_true(hpc_report_end("Kernel panic - not syncing: x", 29));
	assert_true(hpc_report_end("[ 1.0][ T1] ==================================================================", 78));
	assert_false(hpc_report_end("[ 1.0][ T1] ====", 16));
	assert_false(hpc_report_end("[ 1.0][ T1]  vfs_write+0x189/0x780", 34));
}

/* The captured KASAN report: its stack as the kernel printed it. */
static void fixture_kasan(void **state)
{
	char path[PATH_MAX], line[1024];
	FILE *fp;
	struct hpc_frame f;
	size_t n = 0, unreliable = 0, mod = 0, lineno = 0, first = 0;
	bool ended = false, seen_cold = false;

	(void)state;
	snprintf(path, sizeof(path), "%s/triage/kasan-use-after-free.log", FIXTURES_DIR);
	fp = fopen(path, "r");
	assert_non_null(fp);
	while (fgets(line, sizeof(line), fp)) {
		size_t len = strcspn(line, "\n");

		lineno++;
		if (!first) {
			if (strstr(line, "BUG: KASAN: "))
				first = lineno;
			continue;
		}
		if (hpc_report_end(line, len)) {
			ended = true;
			break;
		}
		if (!hpc_frame_parse(line, len, &f))
			continue;
		if (n == 0) {
			assert_string_equal(f.sym, "dump_stack_lvl");
			assert_true(f.off == 0x4c && f.size == 0x63);
		}
		n++;
		unreliable += !f.reliable;
		mod += strcmp(f.module, "hpchaos_trigger") == 0;
		seen_cold |= strcmp(f.sym, "trigger_write.cold") == 0;
		assert_false(f.rip);	/* its only RIP is user space */
	}
	fclose(fp);
	assert_int_equal(first, 290);
	assert_true(ended);
	/*
	 * Counted in the fixture with grep (lines 291-381): 50 frames, 18 of
	 * them "? ", 9 in our module.
	 */
	assert_int_equal(n, 50);
	assert_int_equal(unreliable, 18);
	assert_int_equal(mod, 9);
	assert_true(seen_cold);
}

static void canon_paths(void **state)
{
	char out[HPC_SYM_PATH_MAX];

	(void)state;
	hpc_sym_canon("/root/.cache/hpchaos/src/linux-source-6.1/build-hpchaos/../mm/memory.c",
		      "", out, sizeof(out));
	assert_string_equal(out, "mm/memory.c");
	hpc_sym_canon("/root/.cache/hpchaos/kmod/x/src/hpchaos_trigger.c", "hpchaos_trigger",
		      out, sizeof(out));
	assert_string_equal(out, "kmod/hpchaos_trigger.c");
	/* our file name, another module: not ours */
	hpc_sym_canon("/tmp/src/hpchaos_trigger.c", "nouveau", out, sizeof(out));
	assert_string_equal(out, "/tmp/src/hpchaos_trigger.c");
	hpc_sym_canon("/c/kernels/chaos-1/build/source/include/linux/mm.h", "", out, sizeof(out));
	assert_string_equal(out, "include/linux/mm.h");
	hpc_sym_canon("./arch/x86/kernel/dumpstack.c", "", out, sizeof(out));
	assert_string_equal(out, "arch/x86/kernel/dumpstack.c");
	hpc_sym_canon("debian/build/build_amd64_none_amd64/mm/memcontrol.c", "", out, sizeof(out));
	assert_string_equal(out, "mm/memcontrol.c");
	hpc_sym_canon("/build/reproducible-path/linux-6.1.192/arch/x86/entry/entry_64.S", "",
		      out, sizeof(out));
	assert_string_equal(out, "arch/x86/entry/entry_64.S");
	hpc_sym_canon("/root/.cache/hpchaos/src/linux-source-6.1-6.1.192-3/include/linux/slab.h",
		      "hpchaos_trigger", out, sizeof(out));
	assert_string_equal(out, "include/linux/slab.h");
	hpc_sym_canon("/c/k/root/usr/src/linux-headers-6.1.0-57-common/include/linux/mm.h", "x",
		      out, sizeof(out));
	assert_string_equal(out, "include/linux/mm.h");
	hpc_sym_canon("??", "", out, sizeof(out));
	assert_string_equal(out, "??");
	/* bounded */
	hpc_sym_canon("/a/../abcdefgh", "", out, 4);
	assert_string_equal(out, "abc");
}

/* ---- addr2line on this binary ---- */

static const int target_first = __LINE__ + 2;
__attribute__((noinline, used)) int hpc_test_sym_target(int x);
__attribute__((noinline, used)) int hpc_test_sym_target(int x)
{
	volatile int y = x * 3;

	return y + 1;
}
static const int target_last = __LINE__ - 1;

static void self_exe(char *path, size_t n)
{
	ssize_t r = readlink("/proc/self/exe", path, n - 1);

	assert_true(r > 0);
	path[r] = '\0';
}

static void resolve_self(void **state)
{
	char exe[PATH_MAX], why[256] = "";
	struct hpc_frame f[3], *v[3] = { &f[0], &f[1], &f[2] };

	(void)state;
	assert_int_equal(hpc_test_sym_target(1), 4);
	self_exe(exe, sizeof(exe));
	assert_int_equal(parse("RIP: 0010:hpc_test_sym_target+0x4/0x40", &f[0]), 1);
	assert_int_equal(parse(" ? hpc_test_sym_target+0x8/0x40", &f[1]), 1);
	assert_int_equal(parse(" no_such_function_here+0x8/0x40", &f[2]), 1);
	assert_int_equal(hpc_sym_resolve(exe, v, 3, why, sizeof(why)), 0);
	for (int i = 0; i < 2; i++) {
		assert_true(f[i].nloc >= 1);
		assert_string_equal(f[i].loc[f[i].nloc - 1].func, "hpc_test_sym_target");
		if (!strstr(f[i].loc[0].file, "tests/test_symbolize.c"))
			fail_msg("file '%s'", f[i].loc[0].file);
		assert_in_range(f[i].loc[0].line, target_first, target_last);
	}
	assert_int_equal(f[2].nloc, 0);
}

static void resolve_errors(void **state)
{
	char why[256] = "", *path = getenv("PATH"), *saved;
	char exe[PATH_MAX];
	struct hpc_frame f, *v = &f;

	(void)state;
	assert_int_equal(parse("f+0x1/0x2", &f), 1);
	assert_int_equal(hpc_sym_resolve("/nonexistent/vmlinux", &v, 1, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "/nonexistent/vmlinux"));
	/* not an ELF file */
	why[0] = '\0';
	assert_int_equal(hpc_sym_resolve(FIXTURES_DIR "/triage/README.md", &v, 1, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "not an ELF file"));
	assert_int_equal(f.nloc, 0);
	/* no addr2line on PATH */
	self_exe(exe, sizeof(exe));
	assert_int_equal(parse("hpc_test_sym_target+0x1/0x2", &f), 1);
	saved = path ? strdup(path) : NULL;
	setenv("PATH", "/nonexistent", 1);
	why[0] = '\0';
	assert_int_equal(hpc_sym_resolve(exe, &v, 1, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "addr2line"));
	if (saved)
		setenv("PATH", saved, 1);
	free(saved);
	/* nothing to do */
	assert_int_equal(hpc_sym_resolve("/nonexistent", &v, 0, why, sizeof(why)), 0);
}

/* ---- where a stuck task waits ---- */

/* A stack as the agent sends it (tests/fixtures/stuck): its frames. */
static size_t load_stack(const char *name, struct hpc_frame *f, size_t max)
{
	char path[PATH_MAX], line[512];
	size_t n = 0;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/stuck/%s", FIXTURES_DIR, name);
	fp = fopen(path, "r");
	assert_non_null(fp);
	while (n < max && fgets(line, sizeof(line), fp))
		n += (size_t)hpc_frame_parse(line, strcspn(line, "\n"), &f[n]);
	fclose(fp);
	return n;
}

static void stuck_functions(void **state)
{
	struct hpc_frame *f = calloc(32, sizeof(*f));
	char out[HPC_SYM_NAME_MAX];
	size_t n;

	(void)state;
	assert_non_null(f);
	/* a real one: msleep is a way of waiting, hpc_trigger_hung is where */
	n = load_stack("hung-msleep-stock-6.1.stack", f, 32);
	assert_int_equal(n, 8);
	assert_int_equal(hpc_stuck_func(f, n, out, sizeof(out)), 1);
	assert_string_equal(out, "hpc_trigger_hung");
	assert_false(hpc_stuck_idle(out));
	/* a shell waiting for its child, a sleep(1): idle, not stuck */
	n = load_stack("shell-wait-host-6.18.stack", f, 32);
	assert_int_equal(hpc_stuck_func(f, n, out, sizeof(out)), 0);
	assert_string_equal(out, "do_wait");
	assert_true(hpc_stuck_idle(out));
	n = load_stack("sleep-host-6.18.stack", f, 32);
	assert_true(hpc_stuck_func(f, n, out, sizeof(out)) >= 0);
	assert_true(hpc_stuck_idle(out));
	/* only ways of waiting and the entry: none */
	assert_int_equal(parse("schedule+0x5a/0xd0", &f[0]), 1);
	assert_int_equal(parse("mutex_lock_nested+0x1b/0x30", &f[1]), 1);
	assert_int_equal(parse("entry_SYSCALL_64_after_hwframe+0x6e/0xd8", &f[2]), 1);
	assert_int_equal(hpc_stuck_func(f, 3, out, sizeof(out)), -1);
	assert_string_equal(out, "");
	/* "? " guesses are not where; gcc's suffix is cut; the output is bounded */
	assert_int_equal(parse(" ? hpc_revoke+0x1/0x2", &f[0]), 1);
	assert_int_equal(parse("trigger_write.cold+0x87/0x153 [hpchaos_trigger]", &f[1]), 1);
	assert_int_equal(hpc_stuck_func(f, 2, out, sizeof(out)), 1);
	assert_string_equal(out, "trigger_write");
	assert_int_equal(hpc_stuck_func(f, 2, out, 4), 1);
	assert_string_equal(out, "tri");
	free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(stuck_functions),
		cmocka_unit_test(frame_lines),
		cmocka_unit_test(not_frames),
		cmocka_unit_test(hostile_lines),
		cmocka_unit_test(report_ends),
		cmocka_unit_test(fixture_kasan),
		cmocka_unit_test(canon_paths),
		cmocka_unit_test(resolve_self),
		cmocka_unit_test(resolve_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
