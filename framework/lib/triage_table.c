// SPDX-License-Identifier: GPL-2.0
/*
 * Triage patterns as data. Each entry recognises the first line of one kind
 * of kernel report (after the printk timestamp and caller id are stripped)
 * and says how its canonical title is formed. First match wins, so specific
 * entries come before general ones. The formats are those of Linux 6.1 on
 * x86_64; the title rules are documented in tests/fixtures/triage/README.md.
 */
#include <stddef.h>

#include "hpc/triage.h"

/* Priorities: which report decides the verdict when there are several. */
#define P_KASAN		60
#define P_CRASH		50
#define P_LOCKDEP	40
#define P_STALE		35	/* the module's stale-use detector */
#define P_TIMEOUT	32	/* a provider revocation overran its bound */
#define P_HANG		30
#define P_WARN		20
#define P_LEAK		10

#define LEADER		HPC_TF_LEADER
#define FOLLOWER	HPC_TF_FOLLOWER

const struct hpc_tpat hpc_triage_table[] = {
	/* ---- memory safety detectors ---- */
	{
		.name = "kasan", .cls = HPC_C_KASAN, .prio = P_KASAN,
		.prefix = "BUG: KASAN: ",
		.regex = "^BUG: KASAN: ([a-z-]+( or [a-z-]+)?) in ([^ ]+)",
		.title = "KASAN: %1 in %f", .title_nofunc = "KASAN: %1",
		.src = HPC_TS_HEADER, .func_group = 3, .window = 60,
	},
	{
		.name = "kasan-other", .cls = HPC_C_KASAN, .prio = P_KASAN,
		.prefix = "BUG: KASAN: ",
		.regex = "^BUG: KASAN: ([a-z-]+)",
		.title = "KASAN: %1 in %f", .title_nofunc = "KASAN: %1",
		.src = HPC_TS_STACK, .window = 60,
	},
	{
		.name = "kfence", .cls = HPC_C_KASAN, .prio = P_KASAN,
		.prefix = "BUG: KFENCE: ",
		.regex = "^BUG: KFENCE: ([a-z -]+) in ([^ ]+)",
		.title = "KFENCE: %1 in %f", .title_nofunc = "KFENCE: %1",
		.src = HPC_TS_HEADER, .func_group = 2, .window = 60,
	},

	/* ---- oopses: a header, then the die line, then RIP ---- */
	{
		.name = "null-deref", .cls = HPC_C_CRASH, .prio = P_CRASH,
		.prefix = "BUG: kernel NULL pointer dereference",
		.regex = "^BUG: kernel NULL pointer dereference",
		.title = "BUG: kernel NULL pointer dereference in %f",
		.title_nofunc = "BUG: kernel NULL pointer dereference",
		.src = HPC_TS_RIP, .window = 60, .flags = LEADER,
	},
	{
		.name = "null-deref-old", .cls = HPC_C_CRASH, .prio = P_CRASH,
		.prefix = "BUG: unable to handle kernel NULL pointer",
		.regex = "^BUG: unable to handle kernel NULL pointer dereference",
		.title = "BUG: kernel NULL pointer dereference in %f",
		.title_nofunc = "BUG: kernel NULL pointer dereference",
		.src = HPC_TS_RIP, .window = 60, .flags = LEADER,
	},
	{
		.name = "page-fault", .cls = HPC_C_CRASH, .prio = P_CRASH,
		.prefix = "BUG: unable to handle page fault",
		.regex = "^BUG: unable to handle page fault",
		.title = "BUG: unable to handle page fault in %f",
		.title_nofunc = "BUG: unable to handle page fault",
		.src = HPC_TS_RIP, .window = 60, .flags = LEADER,
	},
	{
		.name = "paging-request", .cls = HPC_C_CRASH, .prio = P_CRASH,
		.prefix = "BUG: unable to handle kernel paging request",
		.regex = "^BUG: unable to handle kernel paging request",
		.title = "BUG: unable to handle kernel paging request in %f",
		.title_nofunc = "BUG: unable to handle kernel paging request",
		.src = HPC_TS_RIP, .window = 60, .flags = LEADER,
	},
	{
		.name = "kernel-bug", .cls = HPC_C_CRASH, .prio = P_CRASH,
		.prefix = "kernel BUG at ",
		.regex = "^kernel BUG at ([^ :!]+)",
		.title = "kernel BUG in %f", .title_nofunc = "kernel BUG at %1",
		.src = HPC_TS_RIP, .window = 60, .flags = LEADER,
	},
	{
		.name = "stack-guard", .cls = HPC_C_CRASH, .prio = P_CRASH,
		.prefix = "BUG: stack guard page was hit",
		.regex = "^BUG: stack guard page was hit",
		.title = "BUG: stack guard page was hit in %f",
		.title_nofunc = "BUG: stack guard page was hit",
		.src = HPC_TS_RIP, .window = 60, .flags = LEADER,
	},
	{
		.name = "gpf", .cls = HPC_C_CRASH, .prio = P_CRASH,
		.prefix = NULL,
		.regex = "^(Oops: )?general protection fault",
		.title = "general protection fault in %f",
		.title_nofunc = "general protection fault",
		.src = HPC_TS_RIP, .window = 60,
	},
	{
		/* a die line nobody announced: "Oops: 0000 [#1] SMP" */
		.name = "oops", .cls = HPC_C_CRASH, .prio = P_CRASH,
		.prefix = "Oops: ",
		.regex = "^Oops: [0-9a-f]{4} \\[#[0-9]+\\]",
		.title = "Oops in %f", .title_nofunc = "Oops",
		.src = HPC_TS_RIP, .window = 60, .flags = FOLLOWER,
	},
	{
		/* "invalid opcode: 0000 [#1]", "double fault: 0000 [#1]", ... */
		.name = "die", .cls = HPC_C_CRASH, .prio = P_CRASH,
		.prefix = NULL,
		.regex = "^(Oops: )?([A-Za-z][A-Za-z0-9 ()-]*): [0-9a-f]{4} "
			 "\\[#[0-9]+\\]",
		.title = "%2 in %f", .title_nofunc = "%2",
		.src = HPC_TS_RIP, .window = 60, .flags = FOLLOWER,
	},
	{
		/*
		 * kmod/hpchaos_detect.c, the owner check: a device-private
		 * page of another owner (or a freed one) programmed or used
		 */
		.name = "hpchaos-stale-owner", .cls = HPC_C_STALE,
		.prio = P_STALE,
		.prefix = "hpchaos: STALE owner ",
		.regex = "^hpchaos: STALE owner ",
		.title = "STALE: mirror used a device page not of its owner",
		.src = HPC_TS_NONE,
	},
	{
		/* kmod/hpchaos_detect.c: "hpchaos: STALE <kind> mirror=N addr=..." */
		.name = "hpchaos-stale", .cls = HPC_C_STALE, .prio = P_STALE,
		.prefix = "hpchaos: STALE ",
		.regex = "^hpchaos: STALE ([a-z_-]+) ",
		.title = "STALE: mirror %1 after invalidation",
		.src = HPC_TS_NONE,
	},
	{
		/* kmod/hpchaos_provider.c: "hpchaos: STUCK revoke of NAME: ..." */
		.name = "hpchaos-stuck", .cls = HPC_C_TIMEOUT, .prio = P_TIMEOUT,
		.prefix = "hpchaos: STUCK revoke of ",
		.regex = "^hpchaos: STUCK revoke of ([A-Za-z0-9:._-]+):",
		.title = "TIMEOUT: revocation of %1 stuck",
		.src = HPC_TS_NONE,
	},
	{
		.name = "bad-page-state", .cls = HPC_C_CRASH, .prio = P_CRASH,
		.prefix = "BUG: Bad page state",
		.regex = "^BUG: Bad page state",
		.title = "BUG: Bad page state",
		.src = HPC_TS_NONE,
	},
	{
		.name = "bad-page-map", .cls = HPC_C_CRASH, .prio = P_CRASH,
		.prefix = "BUG: Bad page map",
		.regex = "^BUG: Bad page map",
		.title = "BUG: Bad page map",
		.src = HPC_TS_NONE,
	},
	{
		.name = "bad-rss", .cls = HPC_C_CRASH, .prio = P_CRASH,
		.prefix = "BUG: Bad rss-counter state",
		.regex = "^BUG: Bad rss-counter state",
		.title = "BUG: Bad rss-counter state",
		.src = HPC_TS_NONE,
	},

	/* ---- panics ---- */
	{
		/* only the consequence of a report printed before it */
		.name = "panic-consequence", .cls = HPC_C_CRASH, .prio = P_CRASH,
		.prefix = "Kernel panic - not syncing: ",
		.regex = "^Kernel panic - not syncing: ((Fatal exception"
			 "|Fatal machine check|Attempted to kill init"
			 "|Attempted to kill the idle task"
			 "|Aiee, killing interrupt handler|hung_task: "
			 "|softlockup: |hardlockup: |Hard LOCKUP|RCU Stall"
			 "|.*panic_on_warn set|kasan\\.fault=panic).*)$",
		.title = "Kernel panic: %1",
		.src = HPC_TS_NONE, .flags = HPC_TF_CONSEQUENCE,
	},
	{
		.name = "panic", .cls = HPC_C_CRASH, .prio = P_CRASH,
		.prefix = "Kernel panic - not syncing: ",
		.regex = "^Kernel panic - not syncing: (.*)$",
		.title = "Kernel panic: %1",
		.src = HPC_TS_NONE,
	},

	/* ---- lockdep and atomic-context checks ---- */
	{
		.name = "lockdep-lock", .cls = HPC_C_LOCKDEP, .prio = P_LOCKDEP,
		.prefix = NULL,
		.regex = "^(\\[ )?(WARNING|INFO): (possible circular locking "
			 "dependency|possible recursive locking"
			 "|inconsistent lock state"
			 "|possible irq lock inversion dependency"
			 "|lock held when returning to user space)",
		.title = "%3 in %f", .title_nofunc = "%3",
		.src = HPC_TS_LOCK, .window = 40,
	},
	{
		.name = "lockdep-irq-order", .cls = HPC_C_LOCKDEP,
		.prio = P_LOCKDEP, .prefix = NULL,
		.regex = "^(\\[ )?(WARNING|INFO): ([A-Z]+)-safe -> ([A-Z]+)-unsafe "
			 "lock order detected",
		.title = "%3-safe -> %4-unsafe lock order in %f",
		.title_nofunc = "%3-safe -> %4-unsafe lock order",
		.src = HPC_TS_LOCK, .window = 40,
	},
	{
		.name = "lockdep-stack", .cls = HPC_C_LOCKDEP, .prio = P_LOCKDEP,
		.prefix = NULL,
		.regex = "^(\\[ )?(WARNING|INFO): (suspicious RCU usage"
			 "|held lock freed|bad unlock balance|bad contention"
			 "|Nested lock was not taken"
			 "|lock held by current task freed)",
		.title = "%3 in %f", .title_nofunc = "%3",
		.src = HPC_TS_STACK, .window = 120,
	},
	{
		.name = "lockdep-nonstatic", .cls = HPC_C_LOCKDEP,
		.prio = P_LOCKDEP, .prefix = "INFO: trying to register non-static",
		.regex = "^INFO: trying to register non-static key",
		.title = "trying to register non-static key in %f",
		.title_nofunc = "trying to register non-static key",
		.src = HPC_TS_STACK, .window = 60,
	},
	{
		.name = "wait-context", .cls = HPC_C_LOCKDEP, .prio = P_LOCKDEP,
		.prefix = "[ BUG: Invalid wait context",
		.regex = "^\\[ BUG: Invalid wait context",
		.title = "BUG: Invalid wait context in %f",
		.title_nofunc = "BUG: Invalid wait context",
		.src = HPC_TS_LOCK, .window = 40,
	},
	{
		.name = "atomic-sleep", .cls = HPC_C_LOCKDEP, .prio = P_LOCKDEP,
		.prefix = "BUG: sleeping function called from invalid context",
		.regex = "^BUG: sleeping function called from invalid context",
		.title = "BUG: sleeping function called from invalid context "
			 "in %f",
		.title_nofunc = "BUG: sleeping function called from invalid "
				"context",
		.src = HPC_TS_STACK, .window = 80,
	},
	{
		.name = "sched-atomic", .cls = HPC_C_LOCKDEP, .prio = P_LOCKDEP,
		.prefix = "BUG: scheduling while atomic",
		.regex = "^BUG: scheduling while atomic",
		.title = "BUG: scheduling while atomic in %f",
		.title_nofunc = "BUG: scheduling while atomic",
		.src = HPC_TS_STACK, .window = 60,
	},
	{
		.name = "preemptible", .cls = HPC_C_LOCKDEP, .prio = P_LOCKDEP,
		.prefix = "BUG: using ",
		.regex = "^BUG: using ([A-Za-z0-9_]+\\(\\)) in preemptible",
		.title = "BUG: using %1 in preemptible code in %f",
		.title_nofunc = "BUG: using %1 in preemptible code",
		.src = HPC_TS_STACK, .window = 60,
	},
	{
		.name = "spinlock", .cls = HPC_C_LOCKDEP, .prio = P_LOCKDEP,
		.prefix = NULL,
		.regex = "^BUG: (spinlock|rwlock) ([a-z ]+) on CPU#",
		.title = "BUG: %1 %2 in %f", .title_nofunc = "BUG: %1 %2",
		.src = HPC_TS_STACK, .window = 60,
	},
	{
		.name = "wq-leak", .cls = HPC_C_LOCKDEP, .prio = P_LOCKDEP,
		.prefix = "BUG: workqueue leaked lock or atomic",
		.regex = "^BUG: workqueue leaked lock or atomic",
		.title = "BUG: workqueue leaked lock or atomic",
		.src = HPC_TS_NONE,
	},

	/* ---- hangs ---- */
	{
		.name = "hung-task", .cls = HPC_C_HANG, .prio = P_HANG,
		.prefix = "INFO: task ",
		.regex = "^INFO: task .*:[0-9]+ blocked for more than",
		.title = "INFO: task hung in %f", .title_nofunc = "INFO: task hung",
		.src = HPC_TS_STACK, .window = 80,
	},
	{
		.name = "soft-lockup", .cls = HPC_C_HANG, .prio = P_HANG,
		.prefix = NULL,
		.regex = "^(watchdog: )?BUG: soft lockup",
		.title = "BUG: soft lockup in %f", .title_nofunc = "BUG: soft lockup",
		.src = HPC_TS_RIP, .window = 80,
	},
	{
		.name = "rcu-stall", .cls = HPC_C_HANG, .prio = P_HANG,
		.prefix = NULL,
		.regex = "^(rcu: )?INFO: rcu_[a-z_]+ (self-)?detected "
			 "(expedited )?stall",
		.title = "INFO: rcu detected stall in %f",
		.title_nofunc = "INFO: rcu detected stall",
		.src = HPC_TS_RIP, .window = 120, .flags = HPC_TF_ANY_CALLER,
	},
	{
		.name = "hard-lockup", .cls = HPC_C_HANG, .prio = P_HANG,
		.prefix = NULL,
		.regex = "^(NMI watchdog: )?Watchdog detected hard LOCKUP on cpu",
		.title = "BUG: hard lockup in %f", .title_nofunc = "BUG: hard lockup",
		.src = HPC_TS_RIP, .window = 80,
	},
	{
		.name = "wq-lockup", .cls = HPC_C_HANG, .prio = P_HANG,
		.prefix = "BUG: workqueue lockup",
		.regex = "^BUG: workqueue lockup",
		.title = "BUG: workqueue lockup",
		.src = HPC_TS_NONE,
	},

	/* ---- warnings ---- */
	{
		.name = "warning", .cls = HPC_C_WARN, .prio = P_WARN,
		.prefix = "WARNING: CPU: ",
		.regex = "^WARNING: CPU: [0-9]+ PID: [0-9]+ at (.*)$",
		.title = "WARNING in %f", .title_nofunc = "WARNING",
		.src = HPC_TS_HEADER, .func_group = 1, .window = 60,
	},
	{
		.name = "ubsan", .cls = HPC_C_WARN, .prio = P_WARN,
		.prefix = "UBSAN: ",
		.regex = "^UBSAN: ([a-z-]+)",
		.title = "UBSAN: %1 in %f", .title_nofunc = "UBSAN: %1",
		.src = HPC_TS_STACK, .window = 60,
	},

	/* ---- leaks ---- */
	{
		.name = "kmemleak", .cls = HPC_C_LEAK, .prio = P_LEAK,
		.prefix = NULL,
		.regex = "^(kmemleak: )?unreferenced object 0x[0-9a-f]+ "
			 "\\(size [0-9]+\\)",
		.title = "memory leak in %f", .title_nofunc = "memory leak",
		.src = HPC_TS_STACK, .window = 40,
	},
};

const size_t hpc_triage_table_len =
	sizeof(hpc_triage_table) / sizeof(hpc_triage_table[0]);

/*
 * Frames that do not name the failure: stack dumping and report machinery,
 * the scheduler and the sleeping/locking primitives a stuck task waits in,
 * interrupt and timer plumbing, allocators (for leaks), and generic helpers
 * whose caller is the interesting part (memcpy, refcount, list checks).
 */
const char *const hpc_triage_skip[] = {
	/* reporting */
	"dump_stack*", "__dump_stack", "show_stack*", "show_trace_log_lvl",
	"show_regs*", "__show_regs", "panic", "check_panic_on_warn", "__warn*",
	"warn_slowpath*", "report_bug", "handle_bug", "exc_*", "asm_exc_*",
	"page_fault_oops", "kernelmode_fixup_or_oops", "__bad_area_nosemaphore",
	"bad_area_nosemaphore", "do_user_addr_fault", "nmi_cpu_backtrace*",
	"nmi_trigger_cpumask_backtrace", "arch_trigger_cpumask_backtrace",
	"nmi_handle", "default_do_nmi", "end_repeat_nmi", "repeat_nmi",
	/* KASAN, UBSAN, lockdep, debug checks */
	"kasan_*", "__kasan_*", "__asan_*", "print_report",
	"print_address_description*", "describe_object*",
	"check_memory_region*", "__ubsan_*", "ubsan_*", "lockdep_*",
	"__lock_acquire*", "lock_acquire*", "lock_release", "__lock_release",
	"lock_acquired", "lock_contended", "register_lock_class",
	"look_up_lock_class", "validate_chain", "check_noncircular",
	"check_prev_add", "check_prevs_add", "mark_lock*", "print_*_bug",
	"__might_sleep", "__might_resched", "___might_sleep", "__might_fault",
	"might_fault", "__cant_sleep", "__cant_migrate",
	"check_preemption_disabled", "debug_smp_processor_id",
	"__this_cpu_preempt_check", "spin_bug", "spin_dump", "rwlock_bug",
	"do_raw_spin_*", "do_raw_read_*", "do_raw_write_*",
	"refcount_warn_saturate", "__list_add_valid*",
	"__list_del_entry_valid*", "debug_print_object",
	/* generic helpers */
	"memcpy*", "__memcpy*", "memmove*", "__memmove*", "memset*",
	"__memset*", "memcmp", "__memcmp", "strlen", "strnlen", "strcmp",
	"strncmp", "strcpy", "strncpy", "strscpy", "sized_strscpy", "strlcpy",
	"strcat", "strchr", "strrchr", "strstr", "copy_page",
	/* locks */
	"_raw_spin_*", "_raw_read_*", "_raw_write_*",
	"queued_spin_lock_slowpath", "native_queued_spin_lock_slowpath",
	"__pv_queued_spin_lock_slowpath", "pv_queued_spin_lock_slowpath",
	"queued_read_lock_slowpath", "queued_write_lock_slowpath",
	"mutex_lock*", "__mutex_lock*", "ww_mutex_lock*", "__ww_mutex_lock*",
	"down", "down_*", "__down*", "rwsem_down_*", "percpu_down_*",
	"__percpu_down_*", "percpu_rwsem_wait",
	/* scheduler and waiting */
	"__schedule", "schedule", "schedule_timeout*",
	"schedule_preempt_disabled", "schedule_hrtimeout*", "preempt_schedule*",
	"io_schedule*", "__cond_resched*", "_cond_resched", "__schedule_bug",
	"msleep*", "usleep_range*", "__wait_for_common", "wait_for_common*",
	"do_wait_for_common", "wait_for_completion*", "__wait_rcu_gp",
	"synchronize_rcu*", "synchronize_srcu*", "__synchronize_srcu",
	"bit_wait*", "out_of_line_wait_on_bit*", "__wait_on_bit*",
	"folio_wait_bit_common", "__folio_lock*", "__lock_page*",
	"wait_on_page_bit*", "prepare_to_wait*", "finish_wait", "wait_woken",
	"__flush_work*", "flush_work", "__flush_workqueue",
	/* interrupts, timers, watchdogs */
	"default_idle*", "native_safe_halt", "pv_native_safe_halt",
	"arch_safe_halt", "do_idle", "cpu_startup_entry", "acpi_idle_*",
	"__sysvec_*", "sysvec_*", "asm_sysvec_*", "asm_common_interrupt",
	"common_interrupt", "__common_interrupt", "irq_exit_rcu",
	"__irq_exit_rcu", "__do_softirq", "do_softirq*", "handle_softirqs",
	"hrtimer_interrupt", "__hrtimer_run_queues", "hrtimer_run_queues",
	"tick_sched_*", "tick_handle_*", "update_process_times",
	"rcu_sched_clock_irq", "rcu_dump_cpu_stacks", "print_cpu_stall*",
	"print_other_cpu_stall*", "check_cpu_stall*", "rcu_pending",
	"watchdog_timer_fn", "watchdog_overflow_callback",
	"__perf_event_overflow", "perf_event_overflow",
	"perf_event_nmi_handler", "x86_pmu_handle_irq", "intel_pmu_handle_irq",
	"amd_pmu_handle_irq", "handle_pmi_common", "call_timer_fn",
	"__run_timers*", "run_timer_softirq", "expire_timers",
	/* the tick reading the clock: a backtrace taken in the timer
	 * interrupt names the interrupted frame below it (seen in an RCU
	 * stall of hpc_trigger_spin: native_sched_clock, sched_clock_tick,
	 * scheduler_tick) */
	"native_sched_clock", "sched_clock*", "local_clock*", "scheduler_tick",
	"sched_tick", "update_rq_clock*", "kvm_clock_read", "kvm_sched_clock_read",
	"read_tsc",
	/* entry */
	"do_syscall_64", "entry_SYSCALL*", "ret_from_fork*",
	/* allocators (kmemleak backtraces) */
	"kmalloc*", "__kmalloc*", "kmem_cache_alloc*", "__kmem_cache_alloc*",
	"kvmalloc*", "__kvmalloc*", "kvzalloc*", "kzalloc*", "krealloc*",
	"kmemdup*", "kstrdup*", "kmemleak_*", "slab_post_alloc_hook",
	"slab_alloc*", "__slab_alloc*", "___slab_alloc", "__vmalloc*",
	"vmalloc*", "vzalloc*", "__alloc_percpu*", "pcpu_alloc",
	/* frees (KASAN double-free and invalid-free name the freeing call) */
	"kfree", "kvfree", "kfree_sensitive", "kfree_const", "kmem_cache_free",
	"__kmem_cache_free", "slab_free*", "__slab_free", "free_large_kmalloc",
	"vfree",
};

const size_t hpc_triage_skip_len =
	sizeof(hpc_triage_skip) / sizeof(hpc_triage_skip[0]);
