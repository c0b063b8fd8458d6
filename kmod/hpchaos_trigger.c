// SPDX-License-Identifier: GPL-2.0
/*
 * hpchaos_trigger: provoke real kernel reports on demand, so the host-side
 * crash triage is tested against what our guests actually print.
 *
 *   echo warn        > /sys/kernel/debug/hpchaos_trigger/trigger
 *   echo bug | null | badpage | atomic-sleep | uaf | lockdep
 *   echo hung 30     (sleep uninterruptibly for 30 s)
 *   echo softlockup 30 | rcustall 30   (spin with preemption off)
 *
 * Reports that need a debug option (uaf: KASAN, lockdep: PROVE_LOCKING)
 * print nothing on kernels without it.
 */
#include <linux/module.h>
#include <linux/atomic.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/uaccess.h>

static struct dentry *trigger_dir;
static DEFINE_SPINLOCK(trigger_spin);
static DEFINE_MUTEX(trigger_mutex_a);
static DEFINE_MUTEX(trigger_mutex_b);

static noinline void hpc_trigger_warn(void)
{
	WARN(1, "hpchaos_trigger: requested warning\n");
}

static noinline void hpc_trigger_bug(void)
{
	BUG();
}

/* Results stored here so the compiler keeps the faulting loads. */
static int trigger_sink;

static noinline void hpc_trigger_null(void)
{
	volatile int *volatile p = NULL;

	trigger_sink = *p;
}

static noinline void hpc_trigger_hung(unsigned int secs)
{
	msleep(secs * 1000);
	/* not a tail call: keep this frame on the stack */
	pr_info("hpchaos_trigger: slept %u s\n", secs);
}

static struct rcu_head trigger_rcu_head;
static atomic_t trigger_rcu_pending = ATOMIC_INIT(0);

static void hpc_trigger_rcu_done(struct rcu_head *head)
{
	atomic_set(&trigger_rcu_pending, 0);
}

static noinline void hpc_trigger_spin(unsigned int secs, bool rcu)
{
	unsigned long end = jiffies + secs * HZ;

	preempt_disable();
	if (rcu) {
		rcu_read_lock();
		/*
		 * An RCU CPU stall is only reported while a grace period waits
		 * for this CPU, and nothing else guarantees one is in flight:
		 * queue a callback from inside the read-side section, so that
		 * the next tick asks for a grace period that cannot end before
		 * the spin does (the scenario gives the guest a second CPU for
		 * the grace-period kthread).
		 */
		if (atomic_cmpxchg(&trigger_rcu_pending, 0, 1) == 0)
			call_rcu(&trigger_rcu_head, hpc_trigger_rcu_done);
	}
	while (time_before(jiffies, end))
		cpu_relax();
	if (rcu)
		rcu_read_unlock();
	preempt_enable();
}

static noinline void hpc_trigger_badpage(void)
{
	/*
	 * Order 4: frees above PAGE_ALLOC_COSTLY_ORDER bypass the per-cpu
	 * lists and are always checked, even without DEBUG_VM.
	 */
	struct page *page = alloc_pages(GFP_KERNEL, 4);

	if (!page)
		return;
	/* A page freed while it still looks mapped: "Bad page state". */
	atomic_set(&page->_mapcount, 0);
	__free_pages(page, 4);
}

static noinline void hpc_trigger_atomic_sleep(void)
{
	spin_lock(&trigger_spin);
	msleep(10);
	spin_unlock(&trigger_spin);
}

static noinline void hpc_trigger_uaf(void)
{
	volatile int *volatile p = kmalloc(64, GFP_KERNEL);

	if (!p)
		return;
	kfree((void *)p);
	trigger_sink = p[3];
}

static noinline void hpc_trigger_lockdep(void)
{
	mutex_lock(&trigger_mutex_a);
	mutex_lock(&trigger_mutex_b);
	mutex_unlock(&trigger_mutex_b);
	mutex_unlock(&trigger_mutex_a);

	mutex_lock(&trigger_mutex_b);
	mutex_lock(&trigger_mutex_a);
	mutex_unlock(&trigger_mutex_a);
	mutex_unlock(&trigger_mutex_b);
}

static ssize_t trigger_write(struct file *file, const char __user *ubuf,
			     size_t len, loff_t *ppos)
{
	char buf[32], what[16];
	unsigned int secs = 30;
	int n;

	if (len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = '\0';
	n = sscanf(buf, "%15s %u", what, &secs);
	if (n < 1 || secs > 600)
		return -EINVAL;

	pr_info("hpchaos_trigger: %s\n", what);
	if (!strcmp(what, "warn"))
		hpc_trigger_warn();
	else if (!strcmp(what, "bug"))
		hpc_trigger_bug();
	else if (!strcmp(what, "null"))
		hpc_trigger_null();
	else if (!strcmp(what, "hung"))
		hpc_trigger_hung(secs);
	else if (!strcmp(what, "softlockup"))
		hpc_trigger_spin(secs, false);
	else if (!strcmp(what, "rcustall"))
		hpc_trigger_spin(secs, true);
	else if (!strcmp(what, "badpage"))
		hpc_trigger_badpage();
	else if (!strcmp(what, "atomic-sleep"))
		hpc_trigger_atomic_sleep();
	else if (!strcmp(what, "uaf"))
		hpc_trigger_uaf();
	else if (!strcmp(what, "lockdep"))
		hpc_trigger_lockdep();
	else
		return -EINVAL;
	return len;
}

static const struct file_operations trigger_fops = {
	.owner = THIS_MODULE,
	.write = trigger_write,
	.llseek = noop_llseek,
};

static int __init hpc_trigger_init(void)
{
	trigger_dir = debugfs_create_dir("hpchaos_trigger", NULL);
	debugfs_create_file("trigger", 0200, trigger_dir, NULL, &trigger_fops);
	return 0;
}

static void __exit hpc_trigger_exit(void)
{
	debugfs_remove_recursive(trigger_dir);
	rcu_barrier();	/* the stall trigger's callback must not outlive us */
}

module_init(hpc_trigger_init);
module_exit(hpc_trigger_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("hpchaos: provoke kernel reports for triage fixtures");
