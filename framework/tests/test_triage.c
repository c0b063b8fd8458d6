// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for lib/triage.c: one inline 6.1-format console snippet per
 * report family, hostile input, streaming behaviour, and the captured
 * console logs in tests/fixtures/triage (see the README there).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hpc/linebuf.h"
#include "hpc/triage.h"

#ifndef FIXTURES_DIR
#error "FIXTURES_DIR must be defined by the build"
#endif

/* ---- helpers ---- */

/* Feed a '\n'-separated log, one line at a time. */
static void feed(struct hpc_triage *t, const char *log)
{
	const char *p = log;

	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);

		hpc_triage_line(t, p, n);
		p += n + (nl ? 1 : 0);
	}
}

static struct hpc_triage *run(const char *log)
{
	struct hpc_triage *t = hpc_triage_new();

	assert_non_null(t);
	feed(t, log);
	hpc_triage_finish(t);
	return t;
}

/* The primary report of log has class cls and title title. */
static void check(const char *log, enum hpc_class cls, const char *title)
{
	struct hpc_triage *t = run(log);
	const struct hpc_report *r = hpc_triage_primary(t);

	assert_non_null(r);
	assert_string_equal(r->title, title);
	assert_string_equal(hpc_class_name(r->cls), hpc_class_name(cls));
	hpc_triage_free(t);
}

static void check_clean(const char *log)
{
	struct hpc_triage *t = run(log);

	if (hpc_triage_primary(t))
		fail_msg("unexpected report: %s",
			 hpc_triage_primary(t)->title);
	assert_int_equal(hpc_triage_count(t), 0);
	hpc_triage_free(t);
}

/* ---- log snippets (Linux 6.1, x86_64) ---- */

#define HW "Hardware name: QEMU Standard PC (i440FX + PIIX, 1996), " \
	   "BIOS 1.16.2-debian-1.16.2-1 04/01/2014\n"

static const char null_deref_log[] =
	"[   25.120001] test_hmm: loaded.\n"
	"[   25.123456] BUG: kernel NULL pointer dereference, address: 0000000000000008\n"
	"[   25.124000] #PF: supervisor read access in kernel mode\n"
	"[   25.124500] #PF: error_code(0x0000) - not-present page\n"
	"[   25.125000] PGD 0 P4D 0 \n"
	"[   25.125500] Oops: 0000 [#1] PREEMPT SMP KASAN NOPTI\n"
	"[   25.126000] CPU: 1 PID: 245 Comm: hmm-tests Tainted: G           O       6.1.192 #1\n"
	"[   25.126500] " HW
	"[   25.127000] RIP: 0010:dmirror_devmem_fault+0x5c/0x1a0 [test_hmm]\n"
	"[   25.127500] Code: 48 89 fb 48 83 ec 08 e8 c4 ff ff ff 48 8b 43 08 <48> 8b 40 08 48 85 c0\n"
	"[   25.128000] RSP: 0000:ffffc900004d7c40 EFLAGS: 00010246\n"
	"[   25.128500] RAX: 0000000000000000 RBX: ffff888104a8c000 RCX: 0000000000000000\n"
	"[   25.132000] CR2: 0000000000000008 CR3: 0000000104b9c000 CR4: 00000000000006e0\n"
	"[   25.132500] Call Trace:\n"
	"[   25.133000]  <TASK>\n"
	"[   25.133500]  ? __die+0x1f/0x70\n"
	"[   25.134000]  ? page_fault_oops+0x14b/0x3f0\n"
	"[   25.134500]  do_swap_page+0x1c1/0x1a30\n"
	"[   25.135000]  __handle_mm_fault+0x8b4/0x1640\n"
	"[   25.135500]  handle_mm_fault+0x11e/0x3a0\n"
	"[   25.136000]  do_user_addr_fault+0x1d5/0x8c0\n"
	"[   25.136500]  exc_page_fault+0x6b/0x150\n"
	"[   25.137000]  asm_exc_page_fault+0x26/0x30\n"
	"[   25.137500] RIP: 0033:0x55d7c7a0b2f6\n"
	"[   25.140000]  </TASK>\n"
	"[   25.140500] Modules linked in: test_hmm\n"
	"[   25.141000] CR2: 0000000000000008\n"
	"[   25.141500] ---[ end trace 0000000000000000 ]---\n"
	"[   25.142000] RIP: 0010:dmirror_devmem_fault+0x5c/0x1a0 [test_hmm]\n"
	"[   25.150000] Kernel panic - not syncing: Fatal exception\n"
	"[   25.151000] Kernel Offset: disabled\n"
	"[   25.152000] ---[ end Kernel panic - not syncing: Fatal exception ]---\n";

static void test_null_deref(void **state)
{
	struct hpc_triage *t;
	const struct hpc_report *r;

	(void)state;
	t = run(null_deref_log);
	/* the consequence panic does not make a second report */
	assert_int_equal(hpc_triage_count(t), 1);
	r = hpc_triage_primary(t);
	assert_non_null(r);
	assert_int_equal(r->cls, HPC_C_CRASH);
	assert_string_equal(r->title,
		"BUG: kernel NULL pointer dereference in dmirror_devmem_fault");
	assert_int_equal(r->line, 2);
	assert_ptr_equal(r, hpc_triage_get(t, 0));
	assert_null(hpc_triage_get(t, 1));
	hpc_triage_free(t);
}

/* The report is there as soon as its RIP line has been fed. */
static void test_streaming(void **state)
{
	struct hpc_triage *t = hpc_triage_new();
	const char *p = null_deref_log;
	size_t lines = 0;

	(void)state;
	assert_non_null(t);
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = (size_t)(nl - p);

		hpc_triage_line(t, p, n);
		lines++;
		if (n > 25 && strncmp(p + 15, "RIP: 0010:", 10) == 0)
			break;
		assert_int_equal(hpc_triage_count(t), 0);
		p = nl + 1;
	}
	assert_int_equal(lines, 9);
	assert_int_equal(hpc_triage_count(t), 1);
	assert_string_equal(hpc_triage_get(t, 0)->title,
		"BUG: kernel NULL pointer dereference in dmirror_devmem_fault");
	assert_int_equal(hpc_triage_lines(t), 9);
	hpc_triage_free(t);
}

static void test_page_fault(void **state)
{
	(void)state;
	check("BUG: unable to handle page fault for address: ffff888104b2c000\n"
	      "#PF: supervisor write access in kernel mode\n"
	      "#PF: error_code(0x0002) - not-present page\n"
	      "PGD 3801067 P4D 3801067 PUD 0 \n"
	      "Oops: 0002 [#1] PREEMPT SMP NOPTI\n"
	      "CPU: 0 PID: 301 Comm: hmm-tests Not tainted 6.1.192 #1\n"
	      HW
	      "RIP: 0010:dmirror_do_write.isra.0+0x7e/0x130 [test_hmm]\n"
	      "Code: 00 00\n"
	      "Call Trace:\n"
	      " <TASK>\n"
	      " dmirror_fops_unlocked_ioctl+0x2d0/0x700 [test_hmm]\n"
	      " </TASK>\n",
	      HPC_C_CRASH, "BUG: unable to handle page fault in dmirror_do_write");
	check("BUG: unable to handle kernel paging request at ffffc90000a00000\n"
	      "Oops: 0000 [#1] SMP\n"
	      "RIP: 0010:memcpy_orig+0x10/0x130\n"
	      "Call Trace:\n"
	      " <TASK>\n"
	      " ? memcpy_orig+0x10/0x130\n"
	      " dmirror_migrate_alloc_and_copy+0x1b8/0x6c0 [test_hmm]\n",
	      HPC_C_CRASH, "BUG: unable to handle kernel paging request in "
	      "dmirror_migrate_alloc_and_copy");
}

static const char kernel_bug_log[] =
	"------------[ cut here ]------------\n"
	"kernel BUG at mm/memremap.c:145!\n"
	"invalid opcode: 0000 [#1] PREEMPT SMP KASAN NOPTI\n"
	"CPU: 0 PID: 312 Comm: hmm-tests Tainted: G    B      O       6.1.192 #1\n"
	HW
	"RIP: 0010:memunmap_pages+0x3a5/0x3c0\n"
	"Code: 0f 0b 48 c7 c7\n"
	"RSP: 0018:ffffc90000a3fd58 EFLAGS: 00010246\n"
	"Call Trace:\n"
	" <TASK>\n"
	" devm_memunmap_pages+0x2a/0x40\n"
	" dmirror_device_remove_chunks+0x9e/0x160 [test_hmm]\n"
	" </TASK>\n"
	"Modules linked in: test_hmm\n"
	"---[ end trace 0000000000000000 ]---\n"
	"RIP: 0010:memunmap_pages+0x3a5/0x3c0\n"
	"Kernel panic - not syncing: Fatal exception\n";

static void test_kernel_bug(void **state)
{
	struct hpc_triage *t;

	(void)state;
	t = run(kernel_bug_log);
	/* "invalid opcode" belongs to the BUG report */
	assert_int_equal(hpc_triage_count(t), 1);
	assert_string_equal(hpc_triage_primary(t)->title,
			    "kernel BUG in memunmap_pages");
	assert_int_equal(hpc_triage_primary(t)->line, 2);
	hpc_triage_free(t);

	/* without a RIP line: the file, never the line number */
	check("kernel BUG at mm/memremap.c:145!\n"
	      "invalid opcode: 0000 [#1] PREEMPT SMP NOPTI\n",
	      HPC_C_CRASH, "kernel BUG at mm/memremap.c");
}

static void test_gpf(void **state)
{
	(void)state;
	check("general protection fault, probably for non-canonical address "
	      "0xdffffc0000000002: 0000 [#1] PREEMPT SMP KASAN NOPTI\n"
	      "KASAN: null-ptr-deref in range [0x0000000000000010-0x0000000000000017]\n"
	      "CPU: 1 PID: 402 Comm: hmm-tests Not tainted 6.1.192 #1\n"
	      HW
	      "RIP: 0010:dmirror_migrate_alloc_and_copy+0x1b8/0x6c0 [test_hmm]\n",
	      HPC_C_CRASH,
	      "general protection fault in dmirror_migrate_alloc_and_copy");
	check("general protection fault: 0000 [#1] SMP\n"
	      "RIP: 0010:hmm_range_fault+0x40/0x90\n",
	      HPC_C_CRASH, "general protection fault in hmm_range_fault");
}

/* A die line nobody announced, and a jump to NULL. */
static void test_oops(void **state)
{
	(void)state;
	check("Unable to handle kernel access at virtual address ffff8881\n"
	      "Oops: 0002 [#1] PREEMPT SMP NOPTI\n"
	      "CPU: 0 PID: 1 Comm: init Not tainted 6.1.192 #1\n"
	      "RIP: 0010:dmirror_write+0x10/0x30 [test_hmm]\n",
	      HPC_C_CRASH, "Oops in dmirror_write");
	check("BUG: kernel NULL pointer dereference, address: 0000000000000000\n"
	      "#PF: supervisor instruction fetch in kernel mode\n"
	      "#PF: error_code(0x0010) - not-present page\n"
	      "PGD 0 P4D 0 \n"
	      "Oops: 0010 [#1] PREEMPT SMP NOPTI\n"
	      "CPU: 1 PID: 245 Comm: hmm-tests Not tainted 6.1.192 #1\n"
	      "RIP: 0010:0x0\n"
	      "Code: Unable to access opcode bytes at 0xffffffffffffffd6.\n"
	      "RSP: 0018:ffffc900004d7c40 EFLAGS: 00010246\n"
	      "Call Trace:\n"
	      " <TASK>\n"
	      " ? __die+0x1f/0x70\n"
	      " ? page_fault_oops+0x14b/0x3f0\n"
	      " dmirror_devmem_fault+0x8a/0x1a0 [test_hmm]\n"
	      " do_swap_page+0x1c1/0x1a30\n",
	      HPC_C_CRASH,
	      "BUG: kernel NULL pointer dereference in dmirror_devmem_fault");
	check("stack segment: 0000 [#1] PREEMPT SMP NOPTI\n"
	      "RIP: 0010:dmirror_read+0x10/0x30 [test_hmm]\n",
	      HPC_C_CRASH, "stack segment in dmirror_read");
}

static void test_panic(void **state)
{
	struct hpc_triage *t;

	(void)state;
	check("[   40.000001] sysrq: Trigger a crash\n"
	      "[   40.000002] Kernel panic - not syncing: sysrq triggered crash\n"
	      "[   40.000003] CPU: 0 PID: 250 Comm: sh Not tainted 6.1.192 #1\n"
	      "[   40.000004] Call Trace:\n"
	      "[   40.000005]  <TASK>\n"
	      "[   40.000006]  dump_stack_lvl+0x49/0x63\n"
	      "[   40.000007]  panic+0x11e/0x2c8\n"
	      "[   40.000008]  sysrq_handle_crash+0x16/0x20\n"
	      "[   40.000009] ---[ end Kernel panic - not syncing: sysrq triggered crash ]---\n",
	      HPC_C_CRASH, "Kernel panic: sysrq triggered crash");
	/* a consequence panic alone still says something */
	check("Kernel panic - not syncing: Fatal exception in interrupt\n",
	      HPC_C_CRASH, "Kernel panic: Fatal exception in interrupt");
	check("Kernel panic - not syncing: VFS: Unable to mount root fs on "
	      "unknown-block(0,0)\n",
	      HPC_C_CRASH, "Kernel panic: VFS: Unable to mount root fs on "
	      "unknown-block(NUM,NUM)");
	check("Kernel panic - not syncing: stack-protector: Kernel stack is "
	      "corrupted in: dmirror_ioctl+0x3ee/0x420\n",
	      HPC_C_CRASH, "Kernel panic: stack-protector: Kernel stack is "
	      "corrupted in: dmirror_ioctl");

	/* oops in init: the oops decides, the panic is its consequence */
	t = run("BUG: kernel NULL pointer dereference, address: 0000000000000000\n"
		"Oops: 0000 [#1] SMP\n"
		"RIP: 0010:dmirror_probe+0x10/0x30\n"
		"Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000009\n");
	assert_int_equal(hpc_triage_count(t), 1);
	hpc_triage_free(t);

	/* panic_on_warn: the WARN stays the report */
	t = run("WARNING: CPU: 0 PID: 1 at lib/test_hmm.c:10 dmirror_probe+0x1/0x2\n"
		"Kernel panic - not syncing: kernel: panic_on_warn set ...\n");
	assert_int_equal(hpc_triage_count(t), 1);
	assert_string_equal(hpc_triage_primary(t)->title,
			    "WARNING in dmirror_probe");
	assert_int_equal(hpc_triage_primary(t)->cls, HPC_C_WARN);
	hpc_triage_free(t);
}

static void test_warning(void **state)
{
	(void)state;
	check("------------[ cut here ]------------\n"
	      "WARNING: CPU: 1 PID: 288 at lib/test_hmm.c:1330 "
	      "dmirror_devmem_free+0x9f/0x110 [test_hmm]\n"
	      "Modules linked in: test_hmm\n"
	      "CPU: 1 PID: 288 Comm: hmm-tests Not tainted 6.1.192 #1\n"
	      "RIP: 0010:dmirror_devmem_free+0x9f/0x110 [test_hmm]\n"
	      "---[ end trace 0000000000000000 ]---\n",
	      HPC_C_WARN, "WARNING in dmirror_devmem_free");
	/* without CONFIG_DEBUG_BUGVERBOSE there is no file:line */
	check("WARNING: CPU: 0 PID: 1 at memremap_pages+0x12/0x30\n",
	      HPC_C_WARN, "WARNING in memremap_pages");
	/* refcount_warn_saturate names nothing: its caller does */
	check("------------[ cut here ]------------\n"
	      "refcount_t: underflow; use-after-free.\n"
	      "WARNING: CPU: 0 PID: 288 at lib/refcount.c:28 "
	      "refcount_warn_saturate+0xbe/0x110\n"
	      "Modules linked in: test_hmm\n"
	      "CPU: 0 PID: 288 Comm: hmm-tests Not tainted 6.1.192 #1\n"
	      "RIP: 0010:refcount_warn_saturate+0xbe/0x110\n"
	      "Code: 01 e8\n"
	      "Call Trace:\n"
	      " <TASK>\n"
	      " dmirror_fops_release+0xd4/0x120 [test_hmm]\n"
	      " __fput+0x10b/0x2a0\n",
	      HPC_C_WARN, "WARNING in dmirror_fops_release");
	/* panic_on_warn: the panic's own stack must not name the WARN */
	check("refcount_t: underflow; use-after-free.\n"
	      "WARNING: CPU: 0 PID: 288 at lib/refcount.c:28 "
	      "refcount_warn_saturate+0xbe/0x110\n"
	      "Modules linked in: test_hmm\n"
	      "Kernel panic - not syncing: kernel: panic_on_warn set ...\n"
	      "CPU: 0 PID: 288 Comm: hmm-tests Not tainted 6.1.192 #1\n"
	      "Call Trace:\n"
	      " <TASK>\n"
	      " dump_stack_lvl+0x49/0x63\n"
	      " panic+0x11e/0x2c8\n"
	      " check_panic_on_warn.cold+0x1c/0x1c\n"
	      " __warn.cold+0x3c/0xbd\n"
	      " ? refcount_warn_saturate+0xbe/0x110\n"
	      " report_bug+0x1c5/0x210\n"
	      " handle_bug+0x3c/0x70\n"
	      " exc_invalid_op+0x14/0x70\n"
	      " asm_exc_invalid_op+0x16/0x20\n"
	      "RIP: 0010:refcount_warn_saturate+0xbe/0x110\n"
	      "Code: 01 e8\n"
	      " ? refcount_warn_saturate+0xbe/0x110\n"
	      " dmirror_fops_release+0xd4/0x120 [test_hmm]\n"
	      " __fput+0x10b/0x2a0\n"
	      "Kernel Offset: disabled\n"
	      "---[ end Kernel panic - not syncing: kernel: panic_on_warn set ... ]---\n",
	      HPC_C_WARN, "WARNING in dmirror_fops_release");
}

static void test_kasan(void **state)
{
	static const struct {
		const char *header, *title;
	} cases[] = {
		{ "BUG: KASAN: use-after-free in memunmap_pages+0x2f1/0x3c0",
		  "KASAN: use-after-free in memunmap_pages" },
		{ "BUG: KASAN: slab-out-of-bounds in dmirror_do_read+0x8e/0x130 [test_hmm]",
		  "KASAN: slab-out-of-bounds in dmirror_do_read" },
		{ "BUG: KASAN: double-free in kfree+0x8a/0x180",
		  "KASAN: double-free in dmirror_chunk_free" },
		{ "BUG: KASAN: double-free or invalid-free in dmirror_chunk_free+0x1/0x2",
		  "KASAN: double-free or invalid-free in dmirror_chunk_free" },
		{ "BUG: KASAN: null-ptr-deref in dmirror_fault+0x40/0x220 [test_hmm]",
		  "KASAN: null-ptr-deref in dmirror_fault" },
		{ "BUG: KASAN: wild-memory-access in hmm_range_fault+0x1d/0x90",
		  "KASAN: wild-memory-access in hmm_range_fault" },
	};
	char log[2048];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(log, sizeof(log),
			 "==================================================================\n"
			 "%s\n"
			 "Read of size 8 at addr ffff888104b2c018 by task hmm-tests/288\n"
			 "\n"
			 "CPU: 0 PID: 288 Comm: hmm-tests Tainted: G           O       6.1.192 #1\n"
			 HW
			 "Call Trace:\n"
			 " <TASK>\n"
			 " dump_stack_lvl+0x49/0x63\n"
			 " print_report+0x171/0x47a\n"
			 " kasan_report_invalid_free+0x8c/0x160\n"
			 " kfree+0x8a/0x180\n"
			 " dmirror_chunk_free+0x2a/0x50 [test_hmm]\n"
			 " </TASK>\n"
			 "\n"
			 "Allocated by task 288:\n"
			 " kasan_save_stack+0x1e/0x40\n"
			 "==================================================================\n",
			 cases[i].header);
		check(log, HPC_C_KASAN, cases[i].title);
	}
}

static void test_lockdep(void **state)
{
	(void)state;
	check("======================================================\n"
	      "WARNING: possible circular locking dependency detected\n"
	      "6.1.192 #1 Tainted: G           O      \n"
	      "------------------------------------------------------\n"
	      "hmm-tests/301 is trying to acquire lock:\n"
	      "ffff888104c3a0a8 (&mm->mmap_lock){++++}-{3:3}, at: "
	      "dmirror_fops_release+0x3c/0x120 [test_hmm]\n"
	      "\n"
	      "but task is already holding lock:\n"
	      "ffff888104a8c0c8 (&dmirror->mutex){+.+.}-{3:3}, at: "
	      "dmirror_fops_release+0x21/0x120 [test_hmm]\n"
	      "\n"
	      "which lock already depends on the new lock.\n"
	      "\n"
	      "-> #1 (&dmirror->mutex){+.+.}-{3:3}:\n"
	      "       __mutex_lock+0x9c/0x9a0\n"
	      "       dmirror_fault+0x5f/0x220 [test_hmm]\n",
	      HPC_C_LOCKDEP,
	      "possible circular locking dependency in dmirror_fops_release");
	check("============================================\n"
	      "WARNING: possible recursive locking detected\n"
	      "6.1.192 #1 Not tainted\n"
	      "--------------------------------------------\n"
	      "hmm-tests/305 is trying to acquire lock:\n"
	      "ffff888104a8c0c8 (&dmirror->mutex){+.+.}-{3:3}, at: "
	      "dmirror_migrate_to_system+0x48/0x200 [test_hmm]\n",
	      HPC_C_LOCKDEP,
	      "possible recursive locking in dmirror_migrate_to_system");
	check("================================\n"
	      "WARNING: inconsistent lock state\n"
	      "6.1.192 #1 Not tainted\n"
	      "--------------------------------\n"
	      "inconsistent {SOFTIRQ-ON-W} -> {IN-SOFTIRQ-W} usage.\n"
	      "swapper/1/0 [HC0[0]:SC1[1]:HE1:SE0] takes:\n"
	      "ffff888104a8c0e0 (&devmem->lock){+.?.}-{2:2}, at: "
	      "dmirror_timer_fn+0x20/0x80 [test_hmm]\n"
	      "{SOFTIRQ-ON-W} state was registered at:\n"
	      "  lock_acquire+0xc8/0x2d0\n",
	      HPC_C_LOCKDEP, "inconsistent lock state in dmirror_timer_fn");
	check("=============================\n"
	      "WARNING: suspicious RCU usage\n"
	      "6.1.192 #1 Tainted: G           O      \n"
	      "-----------------------------\n"
	      "include/linux/rcupdate.h:376 Illegal context switch in RCU "
	      "read-side critical section!\n"
	      "\n"
	      "other info that might help us debug this:\n"
	      "\n"
	      "rcu_scheduler_active = 2, debug_locks = 1\n"
	      "1 lock held by hmm-tests/290:\n"
	      " #0: ffffffff82b5e720 (rcu_read_lock){....}-{1:2}, at: "
	      "dmirror_check_atomic+0x5/0x120 [test_hmm]\n"
	      "\n"
	      "stack backtrace:\n"
	      "CPU: 0 PID: 290 Comm: hmm-tests Tainted: G           O       6.1.192 #1\n"
	      HW
	      "Call Trace:\n"
	      " <TASK>\n"
	      " dump_stack_lvl+0x5b/0x77\n"
	      " lockdep_rcu_suspicious.cold+0x2d/0x58\n"
	      " __might_resched+0x1a4/0x260\n"
	      " __mutex_lock+0x4f/0x9a0\n"
	      " dmirror_check_atomic+0x4a/0x120 [test_hmm]\n",
	      HPC_C_LOCKDEP, "suspicious RCU usage in dmirror_check_atomic");
	check("BUG: sleeping function called from invalid context at "
	      "kernel/locking/mutex.c:580\n"
	      "in_atomic(): 1, irqs_disabled(): 0, non_block: 0, pid: 290, "
	      "name: hmm-tests\n"
	      "preempt_count: 1, expected: 0\n"
	      "RCU nest depth: 0, expected: 0\n"
	      "1 lock held by hmm-tests/290:\n"
	      " #0: ffff888104a8c0e0 (&devmem->lock){+.+.}-{2:2}, at: "
	      "dmirror_devmem_free+0x2c/0x110 [test_hmm]\n"
	      "Preemption disabled at:\n"
	      "[<ffffffffc0a0154c>] dmirror_devmem_free+0x2c/0x110 [test_hmm]\n"
	      "CPU: 0 PID: 290 Comm: hmm-tests Tainted: G        W  O       6.1.192 #1\n"
	      HW
	      "Call Trace:\n"
	      " <TASK>\n"
	      " dump_stack_lvl+0x5b/0x77\n"
	      " __might_resched.cold+0xff/0x13a\n"
	      " __mutex_lock+0x4f/0x9a0\n"
	      " dmirror_free_page+0x31/0x90 [test_hmm]\n"
	      " dmirror_devmem_free+0x5e/0x110 [test_hmm]\n",
	      HPC_C_LOCKDEP, "BUG: sleeping function called from invalid "
	      "context in dmirror_free_page");
	check("BUG: scheduling while atomic: hmm-tests/290/0x00000002\n"
	      "Modules linked in: test_hmm\n"
	      "Preemption disabled at:\n"
	      "[<ffffffffc0a0154c>] dmirror_devmem_free+0x2c/0x110 [test_hmm]\n"
	      "CPU: 0 PID: 290 Comm: hmm-tests Tainted: G        W  O       6.1.192 #1\n"
	      "Call Trace:\n"
	      " <TASK>\n"
	      " dump_stack_lvl+0x5b/0x77\n"
	      " __schedule_bug.cold+0x8a/0x9b\n"
	      " __schedule+0x1040/0x1520\n"
	      " schedule+0x5e/0xd0\n"
	      " schedule_timeout+0x9e/0x160\n"
	      " dmirror_wait_idle+0x40/0x90 [test_hmm]\n",
	      HPC_C_LOCKDEP, "BUG: scheduling while atomic in dmirror_wait_idle");
	check("BUG: using smp_processor_id() in preemptible [00000000] code: "
	      "hmm-tests/290\n"
	      "caller is debug_smp_processor_id+0x17/0x20\n"
	      "Call Trace:\n"
	      " <TASK>\n"
	      " dump_stack_lvl+0x5b/0x77\n"
	      " check_preemption_disabled+0xe1/0xf0\n"
	      " dmirror_pick_cpu+0x10/0x30 [test_hmm]\n",
	      HPC_C_LOCKDEP, "BUG: using smp_processor_id() in preemptible "
	      "code in dmirror_pick_cpu");
}

static const char hung_log[] =
	"[  245.000001][   T31] INFO: task hmm-tests:312 blocked for more than 122 seconds.\n"
	"[  245.000002][   T31]       Tainted: G           O       6.1.192 #1\n"
	"[  245.000003][   T31] \"echo 0 > /proc/sys/kernel/hung_task_timeout_secs\" disables this message.\n"
	"[  245.000004][   T31] task:hmm-tests       state:D stack:0     pid:312   ppid:301    flags:0x00004002\n"
	"[  245.000005][   T31] Call Trace:\n"
	"[  245.000006][   T31]  <TASK>\n"
	"[  245.000007][   T31]  __schedule+0x3d6/0x1520\n"
	"[  245.000008][   T31]  schedule+0x5e/0xd0\n"
	"[  245.000009][   T31]  schedule_preempt_disabled+0x11/0x20\n"
	"[  245.000010][   T31]  __mutex_lock+0x5a4/0x9a0\n"
	"[  245.000011][   T31]  mutex_lock_nested+0x1b/0x20\n"
	"[  245.000012][   T31]  dmirror_fops_release+0x2a/0x120 [test_hmm]\n"
	"[  245.000013][   T31]  __fput+0x10b/0x2a0\n"
	"[  245.000014][   T31]  </TASK>\n"
	"[  245.000015][   T31] \n"
	"[  245.000016][   T31] Showing all locks held in the system:\n"
	"[  245.000017][   T31] 1 lock held by khungtaskd/31:\n"
	"[  245.000018][   T31]  #0: ffffffff82b5e720 (rcu_read_lock){....}-{1:2}, at: debug_show_all_locks+0x12/0x180\n"
	"[  245.000019][   T31] Kernel panic - not syncing: hung_task: blocked tasks\n";

static void test_hangs(void **state)
{
	(void)state;
	check(hung_log, HPC_C_HANG, "INFO: task hung in dmirror_fops_release");
	check("watchdog: BUG: soft lockup - CPU#1 stuck for 26s! [hmm-tests:330]\n"
	      "Modules linked in: test_hmm\n"
	      "irq event stamp: 123456\n"
	      "hardirqs last  enabled at (123455): [<ffffffff81e5a6c4>] "
	      "_raw_spin_unlock_irqrestore+0x34/0x50\n"
	      "hardirqs last disabled at (123456): [<ffffffff81e4d5a1>] "
	      "sysvec_apic_timer_interrupt+0xd/0x90\n"
	      "CPU: 1 PID: 330 Comm: hmm-tests Tainted: G           O L     6.1.192 #1\n"
	      HW
	      "RIP: 0010:dmirror_spin_wait+0x18/0x40 [test_hmm]\n"
	      "Code: f3 90\n"
	      "Call Trace:\n"
	      " <TASK>\n"
	      " dmirror_fops_unlocked_ioctl+0x2d0/0x700 [test_hmm]\n",
	      HPC_C_HANG, "BUG: soft lockup in dmirror_spin_wait");
	/* the stalled CPU's backtrace comes from another printk caller */
	check("[   60.100000][    C0] rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:\n"
	      "[   60.100100][    C0] rcu: \t1-...!: (0 ticks this GP) idle=7a4c/1/0x4000000000000000 softirq=3451/3451 fqs=0\n"
	      "[   60.100200][    C0] \t(detected by 0, t=21002 jiffies, g=4605, q=102 ncpus=2)\n"
	      "[   60.100300][    C0] Sending NMI from CPU 0 to CPUs 1:\n"
	      "[   60.100350][  T250] hmm-tests: still running\n"
	      "[   60.100400][    C1] NMI backtrace for cpu 1\n"
	      "[   60.100500][    C1] CPU: 1 PID: 330 Comm: hmm-tests Tainted: G           O       6.1.192 #1\n"
	      "[   60.100600][    C1] " HW
	      "[   60.100700][    C1] RIP: 0010:dmirror_spin_wait+0x18/0x40 [test_hmm]\n",
	      HPC_C_HANG, "INFO: rcu detected stall in dmirror_spin_wait");
	check("rcu: INFO: rcu_sched self-detected stall on CPU\n"
	      "rcu: \t0-....: (2100 ticks this GP) idle=0f1c/1/0x4000000000000000\n"
	      "\t(t=2100 jiffies g=1125 q=57 ncpus=2)\n"
	      "NMI backtrace for cpu 0\n"
	      "RIP: 0010:dmirror_spin_wait+0x18/0x40 [test_hmm]\n",
	      HPC_C_HANG, "INFO: rcu detected stall in dmirror_spin_wait");
	check("NMI watchdog: Watchdog detected hard LOCKUP on cpu 1\n"
	      "Modules linked in: test_hmm\n"
	      "CPU: 1 PID: 330 Comm: hmm-tests Not tainted 6.1.192 #1\n"
	      "RIP: 0010:native_queued_spin_lock_slowpath+0x64/0x2e0\n"
	      "Call Trace:\n"
	      " <TASK>\n"
	      " _raw_spin_lock+0x30/0x40\n"
	      " dmirror_devmem_free+0x2c/0x110 [test_hmm]\n",
	      HPC_C_HANG, "BUG: hard lockup in dmirror_devmem_free");
	check("BUG: workqueue lockup - pool cpus=0 node=0 flags=0x0 nice=0 "
	      "stuck for 41s!\n"
	      "Showing busy workqueues and worker pools:\n",
	      HPC_C_HANG, "BUG: workqueue lockup");
}

static void test_bad_page(void **state)
{
	(void)state;
	check("BUG: Bad page state in process hmm-tests  pfn:104a8c\n"
	      "page:ffffea0004129300 refcount:0 mapcount:0 mapping:0000000000000000 index:0x0 pfn:0x104a8c\n"
	      "flags: 0x200000000000000(node=0|zone=2)\n"
	      "page dumped because: nonzero mapcount\n"
	      "Modules linked in: test_hmm\n"
	      "Call Trace:\n"
	      " <TASK>\n"
	      " dump_stack_lvl+0x49/0x63\n"
	      " bad_page.cold+0x63/0x94\n",
	      HPC_C_CRASH, "BUG: Bad page state");
	check("BUG: Bad page map in process hmm-tests  pte:8000000104a8c025 "
	      "pmd:104b9d067\n",
	      HPC_C_CRASH, "BUG: Bad page map");
}

static void test_ubsan_kmemleak(void **state)
{
	(void)state;
	check("================================================================================\n"
	      "UBSAN: array-index-out-of-bounds in lib/test_hmm.c:1234:19\n"
	      "index 16 is out of range for type 'unsigned long [16]'\n"
	      "CPU: 0 PID: 290 Comm: hmm-tests Not tainted 6.1.192 #1\n"
	      "Call Trace:\n"
	      " <TASK>\n"
	      " dump_stack_lvl+0x49/0x63\n"
	      " ubsan_epilogue+0x5/0x40\n"
	      " __ubsan_handle_out_of_bounds.cold+0x44/0x49\n"
	      " dmirror_snapshot+0x3ee/0x420 [test_hmm]\n"
	      " </TASK>\n"
	      "================================================================================\n",
	      HPC_C_WARN, "UBSAN: array-index-out-of-bounds in dmirror_snapshot");
	check("kmemleak: unreferenced object 0xffff888104b2d000 (size 512):\n"
	      "kmemleak:   comm \"hmm-tests\", pid 288, jiffies 4294905432 (age 12.340s)\n"
	      "kmemleak:   hex dump (first 32 bytes):\n"
	      "kmemleak:     00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00  ................\n"
	      "kmemleak:   backtrace:\n"
	      "kmemleak:     [<ffffffff8134b2f7>] kmalloc_trace+0x27/0xa0\n"
	      "kmemleak:     [<ffffffffc0a02a1e>] dmirror_device_init+0x5e/0x200 [test_hmm]\n",
	      HPC_C_LEAK, "memory leak in dmirror_device_init");
	check("unreferenced object 0xffff888104b2d000 (size 512):\n"
	      "  comm \"hmm-tests\", pid 288, jiffies 4294905432 (age 12.340s)\n"
	      "  backtrace:\n"
	      "    [<00000000a1b2c3d4>] __kmalloc+0x27/0xa0\n"
	      "    [<00000000d4c3b2a1>] dmirror_chunk_alloc+0x5e/0x200 [test_hmm]\n",
	      HPC_C_LEAK, "memory leak in dmirror_chunk_alloc");
}

/* KASAN > CRASH > LOCKDEP > HANG > WARN, then the earliest. */
static void test_priority(void **state)
{
	struct hpc_triage *t;

	(void)state;
	t = run("WARNING: CPU: 0 PID: 1 at lib/test_hmm.c:10 dmirror_a+0x1/0x2\n"
		"BUG: kernel NULL pointer dereference, address: 0000000000000000\n"
		"RIP: 0010:dmirror_b+0x1/0x2\n"
		"BUG: KASAN: use-after-free in dmirror_c+0x1/0x2\n"
		"WARNING: CPU: 0 PID: 1 at lib/test_hmm.c:10 dmirror_d+0x1/0x2\n");
	assert_int_equal(hpc_triage_count(t), 4);
	assert_string_equal(hpc_triage_get(t, 0)->title, "WARNING in dmirror_a");
	assert_string_equal(hpc_triage_primary(t)->title,
			    "KASAN: use-after-free in dmirror_c");
	assert_int_equal(hpc_triage_primary(t)->line, 4);
	hpc_triage_free(t);

	t = run("WARNING: CPU: 0 PID: 1 at lib/test_hmm.c:10 dmirror_a+0x1/0x2\n"
		"WARNING: CPU: 0 PID: 1 at lib/test_hmm.c:10 dmirror_b+0x1/0x2\n");
	assert_string_equal(hpc_triage_primary(t)->title, "WARNING in dmirror_a");
	hpc_triage_free(t);

	/* lockdep report before a hang: lockdep decides */
	t = run("WARNING: possible recursive locking detected\n"
		"x/1 is trying to acquire lock:\n"
		"ffff888104a8c0c8 (&l){+.+.}-{3:3}, at: dmirror_x+0x1/0x2\n");
	feed(t, hung_log);
	hpc_triage_finish(t);
	assert_int_equal(hpc_triage_count(t), 2);
	assert_int_equal(hpc_triage_primary(t)->cls, HPC_C_LOCKDEP);
	hpc_triage_free(t);
}

/* Two CPUs printing at once; the caller id keeps the reports apart. */
static void test_interleaved(void **state)
{
	struct hpc_triage *t;
	const struct hpc_report *r;

	(void)state;
	t = run("[   30.000001][  T100] BUG: kernel NULL pointer dereference, address: 0000000000000008\n"
		"[   30.000002][  T200] ------------[ cut here ]------------\n"
		"[   30.000003][  T200] refcount_t: underflow; use-after-free.\n"
		"[   30.000004][  T100] #PF: supervisor read access in kernel mode\n"
		"[   30.000005][  T200] WARNING: CPU: 0 PID: 200 at lib/refcount.c:28 refcount_warn_saturate+0xbe/0x110\n"
		"[   30.000006][  T100] Oops: 0000 [#1] PREEMPT SMP NOPTI\n"
		"[   30.000007][  T200] RIP: 0010:refcount_warn_saturate+0xbe/0x110\n"
		"[   30.000008][  T200] Call Trace:\n"
		"[   30.000009][  T100] CPU: 1 PID: 100 Comm: hmm-tests Not tainted 6.1.192 #1\n"
		"[   30.000010][  T200]  <TASK>\n"
		"[   30.000011][  T100] RIP: 0010:dmirror_devmem_fault+0x5c/0x1a0 [test_hmm]\n"
		"[   30.000012][  T200]  dmirror_fops_release+0xd4/0x120 [test_hmm]\n"
		"[   30.000013][  T100] Call Trace:\n"
		"[   30.000014][  T100]  <TASK>\n"
		"[   30.000015][  T100]  do_swap_page+0x1c1/0x1a30\n");
	assert_int_equal(hpc_triage_count(t), 2);
	r = hpc_triage_get(t, 0);
	assert_string_equal(r->title,
		"BUG: kernel NULL pointer dereference in dmirror_devmem_fault");
	assert_int_equal(r->line, 1);
	r = hpc_triage_get(t, 1);
	assert_string_equal(r->title, "WARNING in dmirror_fops_release");
	assert_int_equal(r->line, 5);
	assert_int_equal(hpc_triage_primary(t)->cls, HPC_C_CRASH);
	hpc_triage_free(t);

	/* a second hung task ends the first one's search */
	t = run("INFO: task a:1 blocked for more than 122 seconds.\n"
		"Call Trace:\n"
		" <TASK>\n"
		" __schedule+0x3d6/0x1520\n"
		" schedule+0x5e/0xd0\n"
		"INFO: task b:2 blocked for more than 122 seconds.\n"
		"Call Trace:\n"
		" <TASK>\n"
		" __schedule+0x3d6/0x1520\n"
		" dmirror_wait+0x1/0x2\n"
		" dmirror_other+0x1/0x2\n");
	assert_int_equal(hpc_triage_count(t), 2);
	assert_string_equal(hpc_triage_get(t, 0)->title, "INFO: task hung");
	assert_string_equal(hpc_triage_get(t, 1)->title,
			    "INFO: task hung in dmirror_wait");
	hpc_triage_free(t);
}

/* Titles carry no addresses, pids, timestamps or offsets. */
static void test_stable_titles(void **state)
{
	struct hpc_triage *a, *b;

	(void)state;
	a = run("[    1.000000] BUG: unable to handle page fault for address: ffff888104b2c000\n"
		"[    1.000001] RIP: 0010:dmirror_do_write+0x7e/0x130 [test_hmm]\n"
		"[    1.000002] INFO: task hmm-tests:312 blocked for more than 122 seconds.\n"
		"[    1.000003] Call Trace:\n"
		"[    1.000004]  dmirror_x.constprop.0+0x1/0x2\n");
	b = run("[ 9999.123456] BUG: unable to handle page fault for address: ffff88810ff00000\n"
		"[ 9999.123457] RIP: 0010:dmirror_do_write+0x80/0x140 [test_hmm]\n"
		"[ 9999.123458] INFO: task kworker/1:2:77 blocked for more than 245 seconds.\n"
		"[ 9999.123459] Call Trace:\n"
		"[ 9999.123460]  dmirror_x.isra.0+0x9/0x20\n");
	assert_int_equal(hpc_triage_count(a), 2);
	assert_int_equal(hpc_triage_count(b), 2);
	for (size_t i = 0; i < 2; i++) {
		const char *ta = hpc_triage_get(a, i)->title;

		assert_string_equal(ta, hpc_triage_get(b, i)->title);
		assert_null(strstr(ta, "0x"));
		assert_null(strpbrk(ta, "0123456789"));
	}
	hpc_triage_free(a);
	hpc_triage_free(b);
}

static void test_hostile(void **state)
{
	const size_t big = 1u << 20;
	char *s = malloc(big + 64);
	struct hpc_triage *t;
	uint32_t x = 12345;
	char bin[300];

	(void)state;
	assert_non_null(s);
	t = hpc_triage_new();
	assert_non_null(t);

	/* 1 MB of 'A', then a header with 1 MB of tail */
	memset(s, 'A', big);
	hpc_triage_line(t, s, big);
	strcpy(s, "BUG: KASAN: use-after-free in dmirror_x+0x1/0x2 ");
	s[strlen(s)] = 'A';
	hpc_triage_line(t, s, big);
	assert_int_equal(hpc_triage_count(t), 1);
	assert_string_equal(hpc_triage_get(t, 0)->title,
			    "KASAN: use-after-free in dmirror_x");

	/* every byte value, NULs included */
	for (size_t i = 0; i < sizeof(bin); i++)
		bin[i] = (char)i;
	hpc_triage_line(t, bin, sizeof(bin));
	hpc_triage_line(t, bin + 1, sizeof(bin) - 1);
	hpc_triage_line(t, "", 0);
	hpc_triage_line(t, NULL, 0);
	/* pseudo-random garbage lines */
	for (int l = 0; l < 20000; l++) {
		size_t n = 0;

		x = x * 1103515245u + 12345u;
		n = (x >> 16) % 200;
		for (size_t i = 0; i < n; i++) {
			x = x * 1103515245u + 12345u;
			s[i] = (char)(x >> 24);
		}
		hpc_triage_line(t, s, n);
	}
	/* truncated prefixes and markers */
	feed(t, "[\n[   12.34\n[  T1\n<4\n<4>\n[]\n[ ]\n---[ end\nRIP: \nRIP: 0010:\n"
		" ?\n [<\n [<ffff\n +0x\n a+0x\n ? a+0x1/0x2\n");
	hpc_triage_finish(t);
	assert_true(hpc_triage_count(t) >= 1);
	assert_true(hpc_triage_count(t) <= HPC_TRIAGE_MAX_REPORTS);
	assert_string_equal(hpc_triage_get(t, 0)->title,
			    "KASAN: use-after-free in dmirror_x");
	hpc_triage_free(t);
	free(s);

	/* look-alikes not at the start of the line */
	check_clean("xWARNING: CPU: 0 PID: 1 at mm/foo.c:1 foo+0x1/0x2\n"
		    "echo \"WARNING: CPU: 0 PID: 1 at mm/foo.c:1 foo+0x1/0x2\"\n"
		    "  WARNING: CPU: 0 PID: 1 at mm/foo.c:1 foo+0x1/0x2\n"
		    "[   1.000000] xBUG: KASAN: use-after-free in foo+0x1/0x2\n"
		    "hello BUG: kernel NULL pointer dereference, address: 0\n"
		    "sysrq: Trigger a crash\n"
		    "KASAN: null-ptr-deref in range [0x0-0x7]\n"
		    "Kernel panic - not syncing\n"
		    "INFO: task hmm-tests blocked\n");

	/* escape sequences and carriage returns around a real header */
	check("\x1b[1;31m[   1.000000] BUG: KASAN: use-after-free in "
	      "dmirror_x+0x1/0x2\x1b[0m\r\n",
	      HPC_C_KASAN, "KASAN: use-after-free in dmirror_x");
	/* non-ASCII in a function position is not a function */
	check("BUG: kernel NULL pointer dereference, address: 0\n"
	      "RIP: 0010:dmirr\xc3\xb6r+0x1/0x2\n",
	      HPC_C_CRASH, "BUG: kernel NULL pointer dereference");
}

static void test_limits(void **state)
{
	struct hpc_triage *t = hpc_triage_new();
	char line[128];

	(void)state;
	assert_non_null(t);
	/* the same WARN many times is one report */
	for (int i = 0; i < 100; i++)
		feed(t, "WARNING: CPU: 0 PID: 1 at a.c:1 dmirror_a+0x1/0x2\n");
	assert_int_equal(hpc_triage_count(t), 1);
	assert_int_equal(hpc_triage_get(t, 0)->count, 100);

	/* distinct reports beyond the cap are counted, not kept */
	for (int i = 0; i < 99; i++) {
		snprintf(line, sizeof(line),
			 "WARNING: CPU: 0 PID: 1 at a.c:1 dmirror_w%d+0x1/0x2", i);
		hpc_triage_line(t, line, strlen(line));
	}
	assert_int_equal(hpc_triage_count(t), HPC_TRIAGE_MAX_REPORTS);
	assert_int_equal(hpc_triage_dropped(t), 100 - HPC_TRIAGE_MAX_REPORTS);
	/* ... but one that matters more still decides the verdict */
	feed(t, "BUG: KASAN: use-after-free in dmirror_late+0x1/0x2\n");
	assert_int_equal(hpc_triage_count(t), HPC_TRIAGE_MAX_REPORTS);
	assert_string_equal(hpc_triage_primary(t)->title,
			    "KASAN: use-after-free in dmirror_late");
	hpc_triage_free(t);

	/* many callers with pending reports: the oldest gives up */
	t = hpc_triage_new();
	assert_non_null(t);
	for (int i = 0; i < HPC_TRIAGE_MAX_PENDING + 3; i++) {
		snprintf(line, sizeof(line),
			 "[    1.0][  T%d] INFO: task t:%d blocked for more than "
			 "1 seconds.", i + 1, i + 1);
		hpc_triage_line(t, line, strlen(line));
	}
	assert_int_equal(hpc_triage_count(t), 1);	/* deduplicated */
	assert_int_equal(hpc_triage_get(t, 0)->count, 3);
	hpc_triage_finish(t);
	assert_int_equal(hpc_triage_get(t, 0)->count,
			 HPC_TRIAGE_MAX_PENDING + 3);
	hpc_triage_free(t);

	/* the window closes a report that never finds its function */
	t = hpc_triage_new();
	assert_non_null(t);
	feed(t, "INFO: task t:1 blocked for more than 1 seconds.\n");
	for (int i = 0; i < 200; i++)
		hpc_triage_line(t, "", 0);
	assert_int_equal(hpc_triage_count(t), 1);
	assert_string_equal(hpc_triage_get(t, 0)->title, "INFO: task hung");
	hpc_triage_free(t);

	check_clean("");
	check_clean("Linux version 6.1.192 (gcc 12.2.0) #1 SMP PREEMPT_DYNAMIC\n"
		    "Run /init as init process\n"
		    "reboot: Power down\n");
}

static void test_helpers(void **state)
{
	char out[128];

	(void)state;
	assert_int_equal(hpc_triage_func("mm/foo.c:45 func+0x12/0x30 [mod]",
					 out, sizeof(out)), 4);
	assert_string_equal(out, "func");
	hpc_triage_func("foo.constprop.0+0x1/0x2", out, sizeof(out));
	assert_string_equal(out, "foo");
	hpc_triage_func("[<ffffffff81234567>] bar.cold+0x1/0x2", out,
			sizeof(out));
	assert_string_equal(out, "bar");
	assert_int_equal(hpc_triage_func("0x0", out, sizeof(out)), 0);
	assert_int_equal(hpc_triage_func("0xffffffffc0001234+0x1/0x2", out,
					 sizeof(out)), 0);
	assert_int_equal(hpc_triage_func("func", out, sizeof(out)), 0);
	assert_int_equal(hpc_triage_func("", out, sizeof(out)), 0);

	hpc_triage_normalise("Attempted to kill init! exitcode=0x0000000b",
			     out, sizeof(out));
	assert_string_equal(out, "Attempted to kill init! exitcode=NUM");
	hpc_triage_normalise("CPU#1 stuck for 22s!  at ffff888104b2c018 ",
			     out, sizeof(out));
	assert_string_equal(out, "CPU#NUM stuck for NUMs! at ADDR");
	hpc_triage_normalise("fs/ext4/inode.c x86_64 dmirror+0x1/0x2 (0,0)",
			     out, sizeof(out));
	assert_string_equal(out, "fs/ext4/inode.c x86_64 dmirror (NUM,NUM)");
	hpc_triage_normalise("0123456789abcdef", out, 5);
	assert_string_equal(out, "ADDR");

	assert_true(hpc_triage_skip_func("__schedule"));
	assert_true(hpc_triage_skip_func("mutex_lock_nested"));
	assert_true(hpc_triage_skip_func("wait_for_completion_killable"));
	assert_false(hpc_triage_skip_func("memunmap_pages"));
	assert_false(hpc_triage_skip_func("schedule_work"));
}

/* Every table entry is well formed and its first line is recognised. */
static void test_table(void **state)
{
	(void)state;
	assert_true(hpc_triage_table_len > 0);
	for (size_t i = 0; i < hpc_triage_table_len; i++) {
		const struct hpc_tpat *p = &hpc_triage_table[i];

		assert_non_null(p->name);
		assert_non_null(p->regex);
		assert_non_null(p->title);
		if (p->regex[0] != '^')
			fail_msg("%s: regex not anchored", p->name);
		if (p->cls <= HPC_C_NONE || p->cls >= HPC_C__COUNT)
			fail_msg("%s: bad class", p->name);
		if (p->src != HPC_TS_NONE && p->window == 0)
			fail_msg("%s: no window", p->name);
		if (p->src == HPC_TS_HEADER && p->func_group == 0)
			fail_msg("%s: no function capture", p->name);
		if (strstr(p->title, "%f") && !p->title_nofunc)
			fail_msg("%s: no title without function", p->name);
		if (p->prefix && strncmp(p->regex + 1, p->prefix,
					 strlen(p->prefix)) != 0 &&
		    p->regex[1] != '\\')
			fail_msg("%s: prefix and regex disagree", p->name);
	}
	for (size_t i = 0; i < hpc_triage_skip_len; i++)
		assert_true(hpc_triage_skip[i][0] != '\0');
}

static void test_file(void **state)
{
	char path[] = "/tmp/test_triage.XXXXXX";
	struct hpc_triage *t = NULL;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, kernel_bug_log, strlen(kernel_bug_log)),
			 (ssize_t)strlen(kernel_bug_log));
	/* an unterminated last line still counts */
	assert_int_equal(write(fd, "BUG: workqueue lockup - pool", 28), 28);
	close(fd);
	assert_int_equal(hpc_triage_file(path, &t), 0);
	assert_non_null(t);
	assert_int_equal(hpc_triage_count(t), 2);
	assert_string_equal(hpc_triage_primary(t)->title,
			    "kernel BUG in memunmap_pages");
	hpc_triage_free(t);
	unlink(path);
	assert_int_equal(hpc_triage_file(path, &t), -ENOENT);
	assert_null(t);
}

/* ---- captured console logs ---- */

struct fixture {
	struct hpc_triage *t;
	char title[HPC_TRIAGE_TITLE_MAX];
	char type[32];
	int in_log;
	int bad;
};

static void fixture_line(void *ctx, const char *line, size_t len,
			 unsigned int flags)
{
	struct fixture *f = ctx;

	(void)flags;
	if (f->in_log) {
		hpc_triage_line(f->t, line, len);
	} else if (len == 0) {
		f->in_log = 1;
	} else if (strncmp(line, "TITLE:", 6) == 0) {
		snprintf(f->title, sizeof(f->title), "%s", line + 6 +
			 (line[6] == ' '));
	} else if (strncmp(line, "TYPE:", 5) == 0) {
		snprintf(f->type, sizeof(f->type), "%s", line + 5 +
			 (line[5] == ' '));
	} else if (!strchr(line, ':')) {
		f->bad = 1;	/* headers are "KEY: value" */
	}
}

/* Returns 0 if the fixture's primary report matches its header. */
static int run_fixture(const char *path)
{
	struct fixture f = { 0 };
	struct hpc_linebuf lb;
	const struct hpc_report *r;
	char buf[65536];
	ssize_t n;
	int fd, ret = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		print_message("%s: %s\n", path, strerror(errno));
		return -1;
	}
	f.t = hpc_triage_new();
	if (!f.t || hpc_linebuf_init(&lb, 4096) < 0) {
		close(fd);
		hpc_triage_free(f.t);
		return -1;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		hpc_linebuf_feed(&lb, buf, (size_t)n, fixture_line, &f);
	hpc_linebuf_flush(&lb, fixture_line, &f);
	hpc_linebuf_free(&lb);
	close(fd);
	hpc_triage_finish(f.t);
	r = hpc_triage_primary(f.t);

	if (n < 0 || f.bad || !f.in_log || !f.type[0]) {
		print_message("%s: bad fixture (want TITLE:/TYPE: lines, a "
			      "blank line, then the log)\n", path);
		ret = -1;
	} else if (strcmp(f.type, "NONE") == 0) {
		if (r) {
			print_message("%s: want no report, got %s \"%s\"\n",
				      path, hpc_class_name(r->cls), r->title);
			ret = -1;
		}
	} else if (hpc_class_parse(f.type) < 0) {
		print_message("%s: unknown TYPE %s\n", path, f.type);
		ret = -1;
	} else if (!r || strcmp(hpc_class_name(r->cls), f.type) != 0 ||
		   strcmp(r->title, f.title) != 0) {
		print_message("%s: want %s \"%s\", got %s \"%s\"\n", path,
			      f.type, f.title, r ? hpc_class_name(r->cls) : "NONE",
			      r ? r->title : "");
		ret = -1;
	}
	hpc_triage_free(f.t);
	return ret;
}

static void test_fixtures(void **state)
{
	const char *dir = FIXTURES_DIR "/triage";
	struct dirent *de;
	int total = 0, failed = 0;
	char path[4096];
	DIR *d;

	(void)state;
	d = opendir(dir);
	if (!d)
		fail_msg("no fixtures: cannot open %s: %s", dir,
			 strerror(errno));
	while ((de = readdir(d)) != NULL) {
		size_t n = strlen(de->d_name);

		if (n < 5 || strcmp(de->d_name + n - 4, ".log") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		total++;
		if (run_fixture(path) < 0)
			failed++;
	}
	closedir(d);
	if (total == 0)
		fail_msg("no fixtures: no *.log in %s", dir);
	if (failed)
		fail_msg("%d of %d fixtures failed", failed, total);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_null_deref),
		cmocka_unit_test(test_streaming),
		cmocka_unit_test(test_page_fault),
		cmocka_unit_test(test_kernel_bug),
		cmocka_unit_test(test_gpf),
		cmocka_unit_test(test_oops),
		cmocka_unit_test(test_panic),
		cmocka_unit_test(test_warning),
		cmocka_unit_test(test_kasan),
		cmocka_unit_test(test_lockdep),
		cmocka_unit_test(test_hangs),
		cmocka_unit_test(test_bad_page),
		cmocka_unit_test(test_ubsan_kmemleak),
		cmocka_unit_test(test_priority),
		cmocka_unit_test(test_interleaved),
		cmocka_unit_test(test_stable_titles),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_helpers),
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_file),
		cmocka_unit_test(test_fixtures),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
