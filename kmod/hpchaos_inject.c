// SPDX-License-Identifier: GPL-2.0
/*
 * hpchaos injection: delays, fault points and kprobe delays, all driven
 * from debugfs (/sys/kernel/debug/hpchaos/).
 *
 * Delays (microseconds): in the invalidate callback with the mirror lock
 * held and after it is dropped (sleeping only when the range is
 * blockable, busy-waiting at most HPC_MAX_UDELAY_US otherwise), and
 * between hmm_range_fault() and taking the mirror lock (the race window).
 *
 * Fault points: each named point fails when its own counter/PRNG says so
 * (faults/<name>, works on every kernel), when its fault_attr says so
 * (fault_attr/<name>/, CONFIG_FAULT_INJECTION) or when fail_function makes
 * hpc_fail_<name>() return an error (CONFIG_FUNCTION_ERROR_INJECTION).
 *
 * kprobe_delay: "symbol usecs" puts a kprobe on a kernel function whose
 * pre-handler busy-waits usecs (at most HPC_MAX_UDELAY_US) on every hit.
 */
#define pr_fmt(fmt) "hpchaos: " fmt

#include <linux/ctype.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/error-injection.h>
#include <linux/fault-inject.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/kprobes.h>
#include <linux/ktime.h>
#include <linux/minmax.h>
#include <linux/mutex.h>
#include <linux/prandom.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/stringify.h>
#include <linux/uaccess.h>

#include "hpchaos_internal.h"

/* defaults of the knobs (docs/kmod.md, debugfs) */
#define HPC_DEFAULT_MAX_TRIES		100	/* fault rounds per chunk */
#define HPC_DEFAULT_FAULT_TIMEOUT_MS	5000	/* time bound of the same */
#define HPC_DEFAULT_REVOKE_TIMEOUT_MS	10000	/* revocation bound */

struct hpc_knobs hpc_knobs = {
	.delay_invalidate_events = ~0U,	/* all HPC_EV_* */
	.max_tries = HPC_DEFAULT_MAX_TRIES,
	.fault_timeout_ms = HPC_DEFAULT_FAULT_TIMEOUT_MS,
	.stale_action = HPC_STALE_REFUSE,
	.revoke_timeout_ms = HPC_DEFAULT_REVOKE_TIMEOUT_MS,
};

/* ---- delays ---- */

/* sleeps longer than this re-read their knob every HPC_SLEEP_POLL_US */
#define HPC_SLEEP_SHORT_US	20000
#define HPC_SLEEP_POLL_US	10000
#define HPC_SLEEP_SLACK_US	1000	/* usleep_range() slack of a poll */

/*
 * Sleep for *knob microseconds. Long sleeps re-read the knob every poll
 * and end early when it is lowered (writing 0 ends them at once), so a
 * test can hold a task in a delay and release it.
 */
static void hpc_sleep(const u32 *knob)
{
	u32 us = min(READ_ONCE(*knob), HPC_MAX_SLEEP_US);
	u64 start;

	if (us <= HPC_SLEEP_SHORT_US) {
		fsleep(us);
		return;
	}
	start = ktime_get_ns();
	while (ktime_get_ns() - start <
	       (u64)min(READ_ONCE(*knob), HPC_MAX_SLEEP_US) * NSEC_PER_USEC)
		usleep_range(HPC_SLEEP_POLL_US,
			     HPC_SLEEP_POLL_US + HPC_SLEEP_SLACK_US);
}

static void hpc_delay(const u32 *knob, bool may_sleep)
{
	u32 us = READ_ONCE(*knob);

	if (!us)
		return;
	if (may_sleep)
		hpc_sleep(knob);
	else
		udelay(min(us, HPC_MAX_UDELAY_US));
}

void hpc_delay_invalidate(bool blockable, unsigned int ev, bool locked)
{
	if (!(READ_ONCE(hpc_knobs.delay_invalidate_events) & (1U << ev)))
		return;
	hpc_delay(locked ? &hpc_knobs.delay_invalidate_us :
			   &hpc_knobs.delay_invalidate_unlocked_us, blockable);
}

void hpc_delay_fault_lock(void)
{
	hpc_delay(&hpc_knobs.delay_fault_lock_us, true);
}

void hpc_delay_evict(void)
{
	hpc_delay(&hpc_knobs.delay_evict_us, true);
}

void hpc_delay_migrate_to_ram(void)
{
	hpc_delay(&hpc_knobs.delay_migrate_to_ram_us, true);
}

void hpc_delay_reown(void)
{
	hpc_delay(&hpc_knobs.delay_reown_us, true);
}

/* ---- fault points ---- */

/*
 * One function per point for fail_function. The empty asm keeps the
 * compiler from assuming the return value is 0 at the call site.
 */
#define HPC_FAIL_FUNC(name)						\
noinline int hpc_fail_##name(void)					\
{									\
	int ret = 0;							\
									\
	asm volatile("" : "+r" (ret));					\
	return ret;							\
}									\
ALLOW_ERROR_INJECTION(hpc_fail_##name, ERRNO)

HPC_FAIL_FUNC(mirror_alloc);
HPC_FAIL_FUNC(region_alloc);
HPC_FAIL_FUNC(notifier_insert);
HPC_FAIL_FUNC(op_alloc);
HPC_FAIL_FUNC(range_fault);
HPC_FAIL_FUNC(program);
HPC_FAIL_FUNC(dev_alloc);
HPC_FAIL_FUNC(backing_alloc);
HPC_FAIL_FUNC(migrate_setup);
HPC_FAIL_FUNC(ram_alloc);
HPC_FAIL_FUNC(evict_alloc);
HPC_FAIL_FUNC(bar_map);
HPC_FAIL_FUNC(reown_register);

#define HPC_PPM		1000000U	/* probability unit: parts per million */

/* debugfs text: a write of settings, a fault point's line */
#define HPC_DEBUGFS_WRITE_MAX	160
#define HPC_DEBUGFS_LINE_MAX	200

/* A debugfs write of len bytes into buf (size bytes), NUL-terminated. */
static int hpc_copy_write(char *buf, size_t size, const char __user *ubuf,
			  size_t len)
{
	if (len >= size)
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = '\0';
	return 0;
}

struct hpc_fpoint {
	const char *name;
	int def_error;
	int (*fn)(void);
	spinlock_t lock;		/* protects the fields below */
	u64 calls;
	u64 injected;
	u64 nth;			/* fail when it counts down to 0 */
	u32 ppm;			/* probability of failing a call */
	u64 seed;
	s64 times;			/* failures left (ppm mode), -1: no limit */
	int error;
	struct rnd_state rnd;
#ifdef CONFIG_FAULT_INJECTION
	struct fault_attr attr;
#endif
};

#ifdef CONFIG_FAULT_INJECTION
#define HPC_FP_ATTR	.attr = FAULT_ATTR_INITIALIZER,
#else
#define HPC_FP_ATTR
#endif

#define HPC_FP(id, nm, err) \
	[id] = { .name = #nm, .def_error = err, .fn = hpc_fail_##nm, \
		 .error = err, .times = -1, HPC_FP_ATTR }

static struct hpc_fpoint hpc_fpoints[HPC_FP_NR] = {
	HPC_FP(HPC_FP_MIRROR_ALLOC, mirror_alloc, -ENOMEM),
	HPC_FP(HPC_FP_REGION_ALLOC, region_alloc, -ENOMEM),
	HPC_FP(HPC_FP_NOTIFIER_INSERT, notifier_insert, -ENOMEM),
	HPC_FP(HPC_FP_OP_ALLOC, op_alloc, -ENOMEM),
	HPC_FP(HPC_FP_RANGE_FAULT, range_fault, -EFAULT),
	HPC_FP(HPC_FP_PROGRAM, program, -ENOMEM),
	HPC_FP(HPC_FP_DEV_ALLOC, dev_alloc, -ENOMEM),
	HPC_FP(HPC_FP_BACKING_ALLOC, backing_alloc, -ENOMEM),
	HPC_FP(HPC_FP_MIGRATE_SETUP, migrate_setup, -EBUSY),
	HPC_FP(HPC_FP_RAM_ALLOC, ram_alloc, -ENOMEM),
	HPC_FP(HPC_FP_EVICT_ALLOC, evict_alloc, -ENOMEM),
	HPC_FP(HPC_FP_BAR_MAP, bar_map, -ENOMEM),
	HPC_FP(HPC_FP_REOWN_REGISTER, reown_register, -ENOMEM),
};

int hpc_fault_point(struct hpc_mirror *m, enum hpc_fp id)
{
	struct hpc_fpoint *p = &hpc_fpoints[id];
	int err = 0;

	spin_lock(&p->lock);
	p->calls++;
	if (p->nth) {
		if (--p->nth == 0)
			err = p->error;
	} else if (p->ppm && p->times &&
		   prandom_u32_state(&p->rnd) % HPC_PPM < p->ppm) {
		err = p->error;
		if (p->times > 0)
			p->times--;
	}
	if (err)
		p->injected++;
	spin_unlock(&p->lock);

#ifdef CONFIG_FAULT_INJECTION
	if (!err && should_fail(&p->attr, 1))
		err = READ_ONCE(p->error);
#endif
	if (!err) {
		err = p->fn();
		if (err > 0 || err < -MAX_ERRNO)
			err = -EIO;
	}
	if (err)
		hpc_stat_inc(m, HPC_C_INJECTED);
	return err;
}

/* "0", "1", "0.25", "1.0": a probability in [0, 1] -> parts per million. */
static int hpc_parse_prob(const char *s, u32 *ppm)
{
	u32 v = 0, scale = HPC_PPM / 10;
	const char *f;

	if ((s[0] != '0' && s[0] != '1') || (s[1] && s[1] != '.'))
		return -EINVAL;
	if (s[1] == '.' && !s[2])
		return -EINVAL;
	f = s[1] ? s + 2 : s + 1;
	for (; *f; f++) {
		if (!isdigit(*f))
			return -EINVAL;
		if (s[0] == '1' && *f != '0')
			return -EINVAL;
		v += (*f - '0') * scale;
		scale /= 10;
	}
	*ppm = s[0] == '1' ? HPC_PPM : v;
	return 0;
}

static ssize_t hpc_fp_read(struct file *file, char __user *ubuf,
			   size_t len, loff_t *ppos)
{
	struct hpc_fpoint *p = file->private_data;
	char buf[HPC_DEBUGFS_LINE_MAX];
	int n;

	spin_lock(&p->lock);
	n = scnprintf(buf, sizeof(buf),
		      "calls=%llu injected=%llu nth=%llu probability=%u.%06u seed=%llu times=%lld error=%d\n",
		      p->calls, p->injected, p->nth, p->ppm / HPC_PPM,
		      p->ppm % HPC_PPM, p->seed, p->times, p->error);
	spin_unlock(&p->lock);
	return simple_read_from_buffer(ubuf, len, ppos, buf, n);
}

/*
 * Write: whitespace-separated settings, applied together or not at all:
 *   nth=N          fail the Nth call from now, once (0: off)
 *   probability=P  fail each call with probability P in [0, 1]
 *   seed=S         PRNG seed (the PRNG restarts from it on every write)
 *   times=T        at most T probability failures (-1: no limit)
 *   error=E        the error returned, -4095..-1
 *   off            all of the above back to their defaults
 */
static ssize_t hpc_fp_write(struct file *file, const char __user *ubuf,
			    size_t len, loff_t *ppos)
{
	struct hpc_fpoint *p = file->private_data;
	u64 nth, seed;
	s64 times;
	u32 ppm;
	int error;
	bool set_nth = false, set_ppm = false, set_seed = false;
	bool set_times = false, set_error = false, off = false;
	char buf[HPC_DEBUGFS_WRITE_MAX], *cur, *tok;
	int ret;

	ret = hpc_copy_write(buf, sizeof(buf), ubuf, len);
	if (ret)
		return ret;

	cur = buf;
	while ((tok = strsep(&cur, " \t\n"))) {
		char *val;

		if (!*tok)
			continue;
		if (!strcmp(tok, "off")) {
			off = true;
			continue;
		}
		val = strchr(tok, '=');
		if (!val)
			return -EINVAL;
		*val++ = '\0';
		if (!strcmp(tok, "nth")) {
			ret = kstrtou64(val, 10, &nth);
			set_nth = true;
		} else if (!strcmp(tok, "probability")) {
			ret = hpc_parse_prob(val, &ppm);
			set_ppm = true;
		} else if (!strcmp(tok, "seed")) {
			ret = kstrtou64(val, 0, &seed);
			set_seed = true;
		} else if (!strcmp(tok, "times")) {
			ret = kstrtos64(val, 10, &times);
			if (!ret && times < -1)
				ret = -EINVAL;
			set_times = true;
		} else if (!strcmp(tok, "error")) {
			ret = kstrtoint(val, 10, &error);
			if (!ret && (error >= 0 || error < -MAX_ERRNO))
				ret = -EINVAL;
			set_error = true;
		} else {
			ret = -EINVAL;
		}
		if (ret)
			return ret;
	}

	spin_lock(&p->lock);
	if (off) {
		p->nth = 0;
		p->ppm = 0;
		p->seed = 0;
		p->times = -1;
		p->error = p->def_error;
	}
	if (set_nth)
		p->nth = nth;
	if (set_ppm)
		p->ppm = ppm;
	if (set_seed)
		p->seed = seed;
	if (set_times)
		p->times = times;
	if (set_error)
		p->error = error;
	prandom_seed_state(&p->rnd, p->seed);
	spin_unlock(&p->lock);
	return len;
}

static const struct file_operations hpc_fp_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.read = hpc_fp_read,
	.write = hpc_fp_write,
	.llseek = default_llseek,
};

/* ---- kprobe delays ---- */

#ifdef CONFIG_KPROBES
#define HPC_KPROBES	4	/* kprobe delays at once */
#define HPC_KSYM_MAX	127	/* length of a kernel symbol name */

struct hpc_kprobe {
	struct kprobe kp;
	char sym[HPC_KSYM_MAX + 1];
	u32 usecs;
	atomic64_t hits;
	bool used;
};

static struct hpc_kprobe hpc_kprobes[HPC_KPROBES];
static DEFINE_MUTEX(hpc_kprobe_lock);

static int hpc_kprobe_pre(struct kprobe *kp, struct pt_regs *regs)
{
	struct hpc_kprobe *k = container_of(kp, struct hpc_kprobe, kp);

	atomic64_inc(&k->hits);
	udelay(min(READ_ONCE(k->usecs), HPC_MAX_UDELAY_US));
	return 0;
}

static void hpc_kprobe_drop(struct hpc_kprobe *k)
{
	unregister_kprobe(&k->kp);
	pr_info("kprobe_delay: removed %s\n", k->sym);
	k->used = false;
}

static int hpc_kprobe_set(const char *sym, u32 usecs)
{
	struct hpc_kprobe *k, *free = NULL;
	int i, ret;

	for (i = 0; i < HPC_KPROBES; i++) {
		k = &hpc_kprobes[i];
		if (k->used && !strcmp(k->sym, sym)) {
			if (!usecs)
				hpc_kprobe_drop(k);
			else
				WRITE_ONCE(k->usecs, usecs);
			return 0;
		}
		if (!k->used && !free)
			free = k;
	}
	if (!usecs)
		return -ENOENT;
	if (!free)
		return -ENOSPC;
	memset(&free->kp, 0, sizeof(free->kp));
	strscpy(free->sym, sym, sizeof(free->sym));
	free->kp.symbol_name = free->sym;
	free->kp.pre_handler = hpc_kprobe_pre;
	free->usecs = usecs;
	atomic64_set(&free->hits, 0);
	ret = register_kprobe(&free->kp);
	if (ret)
		return ret;
	free->used = true;
	pr_info("kprobe_delay: %s %u us\n", sym, usecs);
	return 0;
}

static void hpc_kprobe_clear(void)
{
	int i;

	for (i = 0; i < HPC_KPROBES; i++)
		if (hpc_kprobes[i].used)
			hpc_kprobe_drop(&hpc_kprobes[i]);
}

static ssize_t hpc_kprobe_read(struct file *file, char __user *ubuf,
			       size_t len, loff_t *ppos)
{
	char *buf;
	int i, n = 0;
	ssize_t ret;
	const size_t cap = HPC_KPROBES * HPC_DEBUGFS_LINE_MAX +
			   sizeof("none\n");

	buf = kmalloc(cap, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	mutex_lock(&hpc_kprobe_lock);
	for (i = 0; i < HPC_KPROBES; i++) {
		struct hpc_kprobe *k = &hpc_kprobes[i];

		if (!k->used)
			continue;
		n += scnprintf(buf + n, cap - n,
			       "%s %u hits=%lld missed=%lu\n", k->sym,
			       k->usecs, (long long)atomic64_read(&k->hits),
			       k->kp.nmissed);
	}
	mutex_unlock(&hpc_kprobe_lock);
	if (!n)
		n = scnprintf(buf, cap, "none\n");
	ret = simple_read_from_buffer(ubuf, len, ppos, buf, n);
	kfree(buf);
	return ret;
}

/* "symbol usecs" (usecs 0 removes the probe) or "clear" */
static ssize_t hpc_kprobe_write(struct file *file, const char __user *ubuf,
				size_t len, loff_t *ppos)
{
	char buf[HPC_DEBUGFS_WRITE_MAX], sym[HPC_KSYM_MAX + 1];
	u32 usecs;
	int ret;

	ret = hpc_copy_write(buf, sizeof(buf), ubuf, len);
	if (ret)
		return ret;
	strim(buf);

	mutex_lock(&hpc_kprobe_lock);
	if (!strcmp(buf, "clear")) {
		hpc_kprobe_clear();
		ret = 0;
	} else if (sscanf(buf, "%" __stringify(HPC_KSYM_MAX) "s %u",
			  sym, &usecs) == 2) {
		ret = hpc_kprobe_set(sym, usecs);
	} else {
		ret = -EINVAL;
	}
	mutex_unlock(&hpc_kprobe_lock);
	return ret ? ret : len;
}

static const struct file_operations hpc_kprobe_fops = {
	.owner = THIS_MODULE,
	.read = hpc_kprobe_read,
	.write = hpc_kprobe_write,
	.llseek = default_llseek,
};

static void hpc_kprobe_debugfs(struct dentry *root)
{
	debugfs_create_file("kprobe_delay", 0600, root, NULL,
			    &hpc_kprobe_fops);
}

static void hpc_kprobe_exit(void)
{
	mutex_lock(&hpc_kprobe_lock);
	hpc_kprobe_clear();
	mutex_unlock(&hpc_kprobe_lock);
}
#else
static void hpc_kprobe_debugfs(struct dentry *root) { }
static void hpc_kprobe_exit(void) { }
#endif /* CONFIG_KPROBES */

/* ---- setup ---- */

u64 hpc_inject_caps(void)
{
	u64 caps = 0;

	if (IS_ENABLED(CONFIG_KPROBES))
		caps |= HPC_CAP_KPROBE_DELAY;
	if (IS_ENABLED(CONFIG_FAULT_INJECTION_DEBUG_FS))
		caps |= HPC_CAP_FAULT_ATTR;
	if (IS_ENABLED(CONFIG_FUNCTION_ERROR_INJECTION))
		caps |= HPC_CAP_ERROR_INJECTION;
	return caps;
}

/* The knobs' debugfs files, in this order; hex: a mask, shown in hex. */
#define HPC_KNOB_FILE(knob, is_hex) \
	{ .name = #knob, .val = &hpc_knobs.knob, .hex = is_hex }

static const struct {
	const char *name;
	u32 *val;
	bool hex;
} hpc_knob_files[] = {
	HPC_KNOB_FILE(delay_invalidate_us, false),
	HPC_KNOB_FILE(delay_invalidate_unlocked_us, false),
	HPC_KNOB_FILE(delay_invalidate_events, true),
	HPC_KNOB_FILE(delay_fault_lock_us, false),
	HPC_KNOB_FILE(max_tries, false),
	HPC_KNOB_FILE(fault_timeout_ms, false),
	HPC_KNOB_FILE(stale_action, false),
	HPC_KNOB_FILE(auto_validate, false),
	HPC_KNOB_FILE(delay_evict_us, false),
	HPC_KNOB_FILE(delay_migrate_to_ram_us, false),
	HPC_KNOB_FILE(revoke_timeout_ms, false),
	HPC_KNOB_FILE(delay_reown_us, false),
};

int hpc_inject_init(struct dentry *root)
{
	struct dentry *faults;
#ifdef CONFIG_FAULT_INJECTION
	struct dentry *attrs = debugfs_create_dir("fault_attr", root);
#endif
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(hpc_knob_files); i++) {
		if (hpc_knob_files[i].hex)
			debugfs_create_x32(hpc_knob_files[i].name, 0600, root,
					   hpc_knob_files[i].val);
		else
			debugfs_create_u32(hpc_knob_files[i].name, 0600, root,
					   hpc_knob_files[i].val);
	}

	faults = debugfs_create_dir("faults", root);
	for (i = 0; i < HPC_FP_NR; i++) {
		struct hpc_fpoint *p = &hpc_fpoints[i];

		spin_lock_init(&p->lock);
		prandom_seed_state(&p->rnd, 0);
		debugfs_create_file(p->name, 0600, faults, p, &hpc_fp_fops);
#ifdef CONFIG_FAULT_INJECTION
		fault_create_debugfs_attr(p->name, attrs, &p->attr);
#endif
	}
	hpc_kprobe_debugfs(root);
	return 0;
}

void hpc_inject_exit(void)
{
	hpc_kprobe_exit();
}
