// SPDX-License-Identifier: GPL-2.0
/*
 * Where a stuck task waits, from its kernel stack (hpc/symbolize.h): the
 * frames of the ways to wait are skipped, the first other one names it.
 */
#include <stdio.h>
#include <string.h>

#include "hpc/symbolize.h"

/*
 * Ways of waiting and of entering the kernel, by name prefix: a frame that
 * starts so is never the place a task is stuck in.
 */
static const char *const waiting[] = {
	"__schedule", "schedule", "io_schedule", "preempt_schedule",
	"__cond_resched", "_cond_resched", "msleep", "usleep_range", "ssleep",
	"do_nanosleep", "hrtimer_nanosleep", "wait_woken",
	"wait_for_completion", "__wait_for_common", "wait_for_common",
	"do_wait_for_common", "mutex_lock", "__mutex_lock", "rwsem_down_",
	"down_read", "down_write", "__down", "down_interruptible", "down_killable",
	"down_timeout", "rt_mutex", "__rt_mutex", "percpu_down", "__percpu_down",
	"percpu_rwsem_wait", "flush_work", "__flush_work", "flush_workqueue",
	"__flush_workqueue", "synchronize_rcu", "synchronize_srcu",
	"__synchronize_srcu", "wait_rcu_gp", "__wait_rcu_gp", "folio_wait",
	"__folio_lock", "__lock_page", "wait_on_page", "wait_on_bit",
	"out_of_line_wait_on_bit", "__wait_on_bit", "bit_wait",
	"do_syscall_64", "entry_SYSCALL_64", "__x64_sys_", "__ia32_sys_",
	"ret_from_fork", "kthread", "worker_thread", "process_one_work",
	"__refrigerator", "__wait_event", "prepare_to_wait",
};

/* A task in one of these is only waiting for something else to happen. */
static const char *const idle[] = {
	"do_wait", "kernel_wait4", "__do_sys_wait4", "do_sys_poll", "do_select",
	"core_sys_select", "ep_poll", "do_epoll_wait", "pipe_read", "pipe_write",
	"n_tty_read", "tty_read", "__do_sys_pause", "sigsuspend",
	"do_sigtimedwait", "futex_wait", "__do_sys_nanosleep", "unix_stream_read",
	"do_sys_ppoll", "__do_sys_ppoll", "common_nsleep",
};

static bool prefixed(const char *s, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strncmp(s, list[i], strlen(list[i])) == 0)
			return true;
	return false;
}

int hpc_stuck_func(const struct hpc_frame *f, size_t n, char *out, size_t len)
{
	if (len)
		out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (!f[i].reliable ||
		    prefixed(f[i].sym, waiting, sizeof(waiting) / sizeof(waiting[0])))
			continue;
		if (len)
			snprintf(out, len, "%.*s", (int)strcspn(f[i].sym, "."), f[i].sym);
		return (int)i;
	}
	return -1;
}

bool hpc_stuck_idle(const char *func)
{
	for (size_t i = 0; i < sizeof(idle) / sizeof(idle[0]); i++)
		if (strcmp(func, idle[i]) == 0)
			return true;
	return false;
}
