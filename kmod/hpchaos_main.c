// SPDX-License-Identifier: GPL-2.0
/*
 * hpchaos: a test module that mirrors process memory the way HMM device
 * drivers do, so that the kernel's invalidation and revocation paths can be
 * exercised, delayed, failed and checked. See docs/kmod.md.
 *
 * This file: the misc device /dev/hpchaos (one mirror per open file), the
 * ioctl interface (uapi/hpchaos.h), counters and the debugfs root.
 */
#define pr_fmt(fmt) "hpchaos: " fmt

#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/seq_file.h>
#include <linux/sizes.h>
#include <linux/string.h>
#include <linux/stringify.h>
#include <linux/uaccess.h>

#include "hpchaos_compat.h"
#include "hpchaos_internal.h"

/* bytes one interval notifier covers: 1 << region_shift */
#define HPC_REGION_SHIFT_DEFAULT	21	/* 2 MiB */
#define HPC_REGION_SHIFT_MAX		30	/* 1 GiB */

unsigned int hpc_region_shift = HPC_REGION_SHIFT_DEFAULT;
module_param_named(region_shift, hpc_region_shift, uint, 0444);
MODULE_PARM_DESC(region_shift,
		 "log2 of the bytes one interval notifier covers (12.."
		 __stringify(HPC_REGION_SHIFT_MAX) ", default "
		 __stringify(HPC_REGION_SHIFT_DEFAULT) ")");

struct hpc_stats hpc_gstats;
static struct dentry *hpc_debugfs;

/* ---- counters ---- */

static const char * const hpc_cnt_names[HPC_C_NR] = {
	[HPC_C_FAULTS] = "faults",
	[HPC_C_FAULT_PAGES] = "fault_pages",
	[HPC_C_RETRIES_BUSY] = "retries_busy",
	[HPC_C_RETRIES_SEQ] = "retries_seq",
	[HPC_C_RETRY_EXHAUSTED] = "retry_exhausted",
	[HPC_C_INVALIDATIONS] = "invalidations",
	[HPC_C_INVAL_EV0 + HPC_EV_UNMAP] = "inval_unmap",
	[HPC_C_INVAL_EV0 + HPC_EV_CLEAR] = "inval_clear",
	[HPC_C_INVAL_EV0 + HPC_EV_PROTECTION_VMA] = "inval_protection_vma",
	[HPC_C_INVAL_EV0 + HPC_EV_PROTECTION_PAGE] = "inval_protection_page",
	[HPC_C_INVAL_EV0 + HPC_EV_SOFT_DIRTY] = "inval_soft_dirty",
	[HPC_C_INVAL_EV0 + HPC_EV_RELEASE] = "inval_release",
	[HPC_C_INVAL_EV0 + HPC_EV_MIGRATE] = "inval_migrate",
	[HPC_C_INVAL_EV0 + HPC_EV_EXCLUSIVE] = "inval_exclusive",
	[HPC_C_INVAL_EV0 + HPC_EV_OTHER] = "inval_other",
	[HPC_C_INVAL_NONBLOCK] = "inval_nonblock",
	[HPC_C_INVAL_BUSY] = "inval_busy",
	[HPC_C_INVAL_PAGES] = "inval_pages",
	[HPC_C_STALE] = "stale",
	[HPC_C_VALIDATE_PAGES] = "validate_pages",
	[HPC_C_VALIDATE_MISMATCH] = "validate_mismatch",
	[HPC_C_PAGES_MIRRORED] = "pages_mirrored",
	[HPC_C_PAGES_PROGRAMMED] = "pages_programmed",
	[HPC_C_REGIONS] = "regions",
	[HPC_C_READS] = "reads",
	[HPC_C_WRITES] = "writes",
	[HPC_C_BYTES_READ] = "bytes_read",
	[HPC_C_BYTES_WRITTEN] = "bytes_written",
	[HPC_C_RESETS] = "resets",
	[HPC_C_INJECTED] = "injected",
	[HPC_C_LOST] = "lost",
	[HPC_C_MIGRATE_TO_DEVICE] = "migrate_to_device",
	[HPC_C_MIGRATE_TO_RAM] = "migrate_to_ram",
	[HPC_C_MIGRATE_CROSS] = "migrate_cross",
	[HPC_C_OWNER_STALE] = "owner_stale",
};

void hpc_stat_add(struct hpc_mirror *m, enum hpc_cnt c, s64 v)
{
	atomic64_add(v, &hpc_gstats.c[c]);
	if (m)
		atomic64_add(v, &m->stats.c[c]);
}

static bool hpc_cnt_is_gauge(unsigned int c)
{
	return c == HPC_C_PAGES_MIRRORED || c == HPC_C_REGIONS;
}

/* Zero the counters, keeping the gauges (they count what exists now). */
void hpc_stats_zero(struct hpc_stats *s)
{
	unsigned int c;

	for (c = 0; c < HPC_C_NR; c++)
		if (!hpc_cnt_is_gauge(c))
			atomic64_set(&s->c[c], 0);
	atomic64_set(&s->last_addr, 0);
	atomic64_set(&s->last_seq, 0);
	atomic64_set(&s->last_seq_now, 0);
}

void hpc_stats_fill(const struct hpc_stats *s, struct hpc_counters *o)
{
	unsigned int e;

#define G(idx) ((u64)atomic64_read(&s->c[idx]))
	o->faults = G(HPC_C_FAULTS);
	o->fault_pages = G(HPC_C_FAULT_PAGES);
	o->retries_busy = G(HPC_C_RETRIES_BUSY);
	o->retries_seq = G(HPC_C_RETRIES_SEQ);
	o->retry_exhausted = G(HPC_C_RETRY_EXHAUSTED);
	o->invalidations = G(HPC_C_INVALIDATIONS);
	for (e = 0; e < HPC_NR_EVENTS; e++)
		o->inval_event[e] = G(HPC_C_INVAL_EV0 + e);
	o->inval_nonblock = G(HPC_C_INVAL_NONBLOCK);
	o->inval_busy = G(HPC_C_INVAL_BUSY);
	o->inval_pages = G(HPC_C_INVAL_PAGES);
	o->stale = G(HPC_C_STALE);
	o->validate_pages = G(HPC_C_VALIDATE_PAGES);
	o->validate_mismatch = G(HPC_C_VALIDATE_MISMATCH);
	o->pages_mirrored = G(HPC_C_PAGES_MIRRORED);
	o->pages_programmed = G(HPC_C_PAGES_PROGRAMMED);
	o->regions = G(HPC_C_REGIONS);
	o->reads = G(HPC_C_READS);
	o->writes = G(HPC_C_WRITES);
	o->bytes_read = G(HPC_C_BYTES_READ);
	o->bytes_written = G(HPC_C_BYTES_WRITTEN);
	o->resets = G(HPC_C_RESETS);
	o->injected = G(HPC_C_INJECTED);
	o->lost = G(HPC_C_LOST);
	o->migrate_to_device = G(HPC_C_MIGRATE_TO_DEVICE);
	o->migrate_to_ram = G(HPC_C_MIGRATE_TO_RAM);
	o->migrate_cross = G(HPC_C_MIGRATE_CROSS);
	o->owner_stale = G(HPC_C_OWNER_STALE);
#undef G
	o->stale_last_addr = atomic64_read(&s->last_addr);
	o->stale_last_seq = atomic64_read(&s->last_seq);
	o->stale_last_seq_now = atomic64_read(&s->last_seq_now);
}

/* ---- capabilities ---- */

static u64 hpc_caps(void)
{
	u64 caps = HPC_CAP_MIRROR | HPC_CAP_SNAPSHOT | HPC_CAP_VALIDATE;

	if (IS_ENABLED(CONFIG_DEBUG_FS))
		caps |= HPC_CAP_DEBUGFS;
	caps |= HPC_CAP_PROVIDERS;
	/* the device-private provider needs CONFIG_DEVICE_PRIVATE */
	if (IS_ENABLED(CONFIG_DEVICE_PRIVATE))
		caps |= HPC_CAP_DEVICE_PRIVATE | HPC_CAP_MIGRATE |
			HPC_CAP_OWNERS;
	/* the PCI BAR provider: PCI, ZONE_DEVICE (mapping: bar_map parameter) */
	if (HPC_HAVE_BAR)
		caps |= HPC_CAP_PCI_BAR;
	return caps | hpc_inject_caps();
}

/* debugfs caps: every capability, and what a missing one needs */
static const struct {
	u64 bit;
	const char *name;
	const char *needs;
} hpc_cap_list[] = {
	{ HPC_CAP_MIRROR, "mirror", NULL },
	{ HPC_CAP_SNAPSHOT, "snapshot", NULL },
	{ HPC_CAP_VALIDATE, "validate", NULL },
	{ HPC_CAP_DEBUGFS, "debugfs", "CONFIG_DEBUG_FS" },
	{ HPC_CAP_KPROBE_DELAY, "kprobe_delay", "CONFIG_KPROBES" },
	{ HPC_CAP_FAULT_ATTR, "fault_attr", "CONFIG_FAULT_INJECTION_DEBUG_FS" },
	{ HPC_CAP_ERROR_INJECTION, "error_injection",
	  "CONFIG_FUNCTION_ERROR_INJECTION" },
	{ HPC_CAP_DEVICE_PRIVATE, "device_private", "CONFIG_DEVICE_PRIVATE" },
	{ HPC_CAP_MIGRATE, "migrate", "CONFIG_DEVICE_PRIVATE" },
	{ HPC_CAP_PROVIDERS, "providers", NULL },
	{ HPC_CAP_PCI_BAR, "pci_bar", "CONFIG_PCI and CONFIG_ZONE_DEVICE" },
	{ HPC_CAP_OWNERS, "owners", "CONFIG_DEVICE_PRIVATE" },
};

/*
 * One line per capability: "NAME yes" or "NAME no (needs OPTION)"; then
 * how the PCI BAR is mapped and what hpchaos_compat.h chose for the
 * kernel in hand.
 */
static int hpc_caps_show(struct seq_file *s, void *unused)
{
	u64 caps = hpc_caps();
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(hpc_cap_list); i++) {
		if (caps & hpc_cap_list[i].bit)
			seq_printf(s, "%s yes\n", hpc_cap_list[i].name);
		else
			seq_printf(s, "%s no (needs %s)\n",
				   hpc_cap_list[i].name,
				   hpc_cap_list[i].needs ?: "?");
	}
	seq_printf(s, "bar_map %s\n", hpc_bar_mode());
	seq_printf(s, "kernel_interfaces %s\n", HPC_COMPAT_STR);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(hpc_caps);

/* HPC_IOC_VERSION kconfig: the kernel's options the scenarios ask about */
static const struct {
	u64 bit;
	bool enabled;
} hpc_kconfig_list[] = {
	{ HPC_KCONFIG_DEVICE_PRIVATE, IS_ENABLED(CONFIG_DEVICE_PRIVATE) },
	{ HPC_KCONFIG_FAULT_INJECTION, IS_ENABLED(CONFIG_FAULT_INJECTION) },
	{ HPC_KCONFIG_FUNCTION_ERROR_INJECTION,
	  IS_ENABLED(CONFIG_FUNCTION_ERROR_INJECTION) },
	{ HPC_KCONFIG_KPROBES, IS_ENABLED(CONFIG_KPROBES) },
	{ HPC_KCONFIG_DEBUG_FS, IS_ENABLED(CONFIG_DEBUG_FS) },
	{ HPC_KCONFIG_KASAN, IS_ENABLED(CONFIG_KASAN) },
	{ HPC_KCONFIG_PROVE_LOCKING, IS_ENABLED(CONFIG_PROVE_LOCKING) },
	{ HPC_KCONFIG_DEBUG_VM, IS_ENABLED(CONFIG_DEBUG_VM) },
	{ HPC_KCONFIG_DEBUG_ATOMIC_SLEEP,
	  IS_ENABLED(CONFIG_DEBUG_ATOMIC_SLEEP) },
	{ HPC_KCONFIG_ZONE_DEVICE, IS_ENABLED(CONFIG_ZONE_DEVICE) },
	{ HPC_KCONFIG_TRANSPARENT_HUGEPAGE,
	  IS_ENABLED(CONFIG_TRANSPARENT_HUGEPAGE) },
};

static u64 hpc_kconfig(void)
{
	unsigned int i;
	u64 k = 0;

	for (i = 0; i < ARRAY_SIZE(hpc_kconfig_list); i++)
		if (hpc_kconfig_list[i].enabled)
			k |= hpc_kconfig_list[i].bit;
	return k;
}


/* ---- ioctls ---- */

/* Copy a struct in whose first field is its u32 size; check the size. */
static int hpc_copy_in(void *dst, const void __user *src, u32 want)
{
	u32 size;

	if (get_user(size, (const u32 __user *)src))
		return -EFAULT;
	if (size != want)
		return -EINVAL;
	if (copy_from_user(dst, src, want))
		return -EFAULT;
	return 0;
}

static bool hpc_all_zero(const void *p, size_t n)
{
	return !memchr_inv(p, 0, n);
}

static long hpc_ioc_version(void __user *uarg)
{
	struct hpc_version v;
	int ret;

	ret = hpc_copy_in(&v, uarg, sizeof(v));
	if (ret)
		return ret;
	if (!hpc_all_zero(v.reserved, sizeof(v.reserved)))
		return -EINVAL;
	memset(&v, 0, sizeof(v));
	v.size = sizeof(v);
	v.version = HPC_UAPI_VERSION;
	v.caps = hpc_caps();
	v.kconfig = hpc_kconfig();
	v.planted = HPC_PLANTED_ID;
	v.page_size = PAGE_SIZE;
	v.region_size = hpc_region_size();
	v.max_op_len = HPC_MAX_OP_LEN;
	strscpy(v.planted_name, HPC_PLANTED_STR, sizeof(v.planted_name));
	return copy_to_user(uarg, &v, sizeof(v)) ? -EFAULT : 0;
}

static int hpc_check_range(struct hpc_mirror *m, unsigned int cmd,
			   struct hpc_range_op *op)
{
	u32 allowed = 0;

	switch (cmd) {
	case HPC_IOC_READ:
	case HPC_IOC_WRITE:
		allowed = HPC_OP_NOFAULT;
		break;
	case HPC_IOC_MIGRATE:
		allowed = HPC_OP_TO_DEVICE | HPC_OP_TO_SYSTEM;
		break;
	}
	if (op->flags & ~allowed)
		return -EINVAL;
	if (!hpc_all_zero(op->reserved, sizeof(op->reserved)))
		return -EINVAL;
	if (op->provider != HPC_PROV_SYSTEM &&
	    !(cmd == HPC_IOC_MIGRATE && (op->flags & HPC_OP_TO_DEVICE)))
		return -EINVAL;
	if (cmd == HPC_IOC_MIGRATE &&
	    hweight32(op->flags & (HPC_OP_TO_DEVICE | HPC_OP_TO_SYSTEM)) != 1)
		return -EINVAL;
	if (!op->len || op->len > HPC_MAX_OP_LEN ||
	    !PAGE_ALIGNED(op->addr) || !PAGE_ALIGNED(op->len))
		return -EINVAL;
	if (op->addr + op->len < op->addr ||
	    op->addr + op->len > m->mm->task_size)
		return -EINVAL;
	if ((cmd == HPC_IOC_VALIDATE || cmd == HPC_IOC_MIGRATE) && op->buf)
		return -EINVAL;
	op->done = 0;
	op->faults = 0;
	op->retries = 0;
	op->stale = 0;
	op->moved = 0;
	return 0;
}

static long hpc_ioc_range(struct hpc_mirror *m, unsigned int cmd,
			  void __user *uarg)
{
	struct hpc_range_op op;
	int ret;

	ret = hpc_copy_in(&op, uarg, sizeof(op));
	if (ret)
		return ret;
	ret = hpc_check_range(m, cmd, &op);
	if (ret)
		return ret;

	switch (cmd) {
	case HPC_IOC_READ:
		ret = hpc_mirror_rw(m, &op, false);
		break;
	case HPC_IOC_WRITE:
		ret = hpc_mirror_rw(m, &op, true);
		break;
	case HPC_IOC_SNAPSHOT:
		ret = hpc_mirror_snapshot(m, &op);
		break;
	case HPC_IOC_VALIDATE:
		ret = hpc_mirror_validate(m, &op);
		break;
	default:
		ret = hpc_devpriv_migrate(m, &op);
		break;
	}
	/* Results go back on failure too: done shows how far it got. */
	if (copy_to_user(uarg, &op, sizeof(op)) && !ret)
		ret = -EFAULT;
	return ret;
}

static long hpc_ioc_counters(struct hpc_mirror *m, void __user *uarg)
{
	struct hpc_counters c;
	u32 flags;
	int ret;

	ret = hpc_copy_in(&c, uarg, sizeof(c));
	if (ret)
		return ret;
	if ((c.flags & ~HPC_CNT_GLOBAL) || c.pad ||
	    !hpc_all_zero(&c.migrate_to_device,
		      sizeof(c) - offsetof(struct hpc_counters,
					   migrate_to_device)))
		return -EINVAL;
	flags = c.flags;
	memset(&c, 0, sizeof(c));
	c.size = sizeof(c);
	c.flags = flags;
	if (flags & HPC_CNT_GLOBAL) {
		hpc_stats_fill(&hpc_gstats, &c);
		hpc_prov_counters(&c);
	} else {
		hpc_stats_fill(&m->stats, &c);
		c.state = READ_ONCE(m->state);
	}
	return copy_to_user(uarg, &c, sizeof(c)) ? -EFAULT : 0;
}

static long hpc_ioc_reset(struct hpc_mirror *m, void __user *uarg)
{
	struct hpc_reset r;
	int ret;

	ret = hpc_copy_in(&r, uarg, sizeof(r));
	if (ret)
		return ret;
	if ((r.flags & ~HPC_RESET_FLAGS_ALL) || r.pad || r.state ||
	    r.dropped || !hpc_all_zero(r.reserved, sizeof(r.reserved)))
		return -EINVAL;
	if ((r.flags & HPC_RESET_ENTER) && (r.flags & HPC_RESET_LEAVE))
		return -EINVAL;
	ret = hpc_mirror_reset(m, &r);
	if (ret)
		return ret;
	return copy_to_user(uarg, &r, sizeof(r)) ? -EFAULT : 0;
}

static long hpc_ioc_owner(struct hpc_mirror *m, void __user *uarg)
{
	struct hpc_owner o;
	int ret;

	if (!IS_ENABLED(CONFIG_DEVICE_PRIVATE))
		return -EOPNOTSUPP;
	ret = hpc_copy_in(&o, uarg, sizeof(o));
	if (ret)
		return ret;
	if (o.pad || o.old || !hpc_all_zero(o.reserved, sizeof(o.reserved)))
		return -EINVAL;
	ret = hpc_mirror_set_owner(m, o.owner, &o.old);
	if (ret)
		return ret;
	return copy_to_user(uarg, &o, sizeof(o)) ? -EFAULT : 0;
}

static long hpc_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct hpc_mirror *m = file->private_data;
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case HPC_IOC_VERSION:
		return hpc_ioc_version(uarg);
	case HPC_IOC_READ:
	case HPC_IOC_WRITE:
	case HPC_IOC_SNAPSHOT:
	case HPC_IOC_VALIDATE:
	case HPC_IOC_MIGRATE:
		return hpc_ioc_range(m, cmd, uarg);
	case HPC_IOC_COUNTERS:
		return hpc_ioc_counters(m, uarg);
	case HPC_IOC_RESET:
		return hpc_ioc_reset(m, uarg);
	case HPC_IOC_PROVIDER:
		return hpc_ioc_provider(uarg);
	case HPC_IOC_OWNER:
		return hpc_ioc_owner(m, uarg);
	default:
		return -ENOTTY;
	}
}

static int hpc_open(struct inode *inode, struct file *file)
{
	struct hpc_mirror *m = hpc_mirror_create();

	if (IS_ERR(m))
		return PTR_ERR(m);
	file->private_data = m;
	return nonseekable_open(inode, file);
}

static int hpc_release(struct inode *inode, struct file *file)
{
	hpc_mirror_destroy(file->private_data);
	return 0;
}

static const struct file_operations hpc_fops = {
	.owner = THIS_MODULE,
	.open = hpc_open,
	.release = hpc_release,
	.unlocked_ioctl = hpc_ioctl,
	.mmap = hpc_bar_mmap,
	.compat_ioctl = compat_ptr_ioctl,
	/* no .llseek: nonseekable_open() makes lseek() fail -ESPIPE */
};

static struct miscdevice hpc_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "hpchaos",
	.fops = &hpc_fops,
	.mode = 0600,
};

/* ---- debugfs ---- */

static int hpc_counters_show(struct seq_file *s, void *unused)
{
	unsigned int c;

	for (c = 0; c < HPC_C_NR; c++)
		seq_printf(s, "%s %lld\n", hpc_cnt_names[c],
			   (long long)atomic64_read(&hpc_gstats.c[c]));
	seq_printf(s, "stale_last_addr 0x%llx\n",
		   (unsigned long long)atomic64_read(&hpc_gstats.last_addr));
	seq_printf(s, "stale_last_seq %llu\n",
		   (unsigned long long)atomic64_read(&hpc_gstats.last_seq));
	seq_printf(s, "stale_last_seq_now %llu\n",
		   (unsigned long long)atomic64_read(&hpc_gstats.last_seq_now));
	return 0;
}

static int hpc_counters_open(struct inode *inode, struct file *file)
{
	return single_open(file, hpc_counters_show, NULL);
}

/* Any write zeroes the module-wide counters (not the gauges). */
static ssize_t hpc_counters_write(struct file *file, const char __user *ubuf,
				  size_t len, loff_t *ppos)
{
	hpc_stats_zero(&hpc_gstats);
	return len;
}

static const struct file_operations hpc_counters_fops = {
	.owner = THIS_MODULE,
	.open = hpc_counters_open,
	.read = seq_read,
	.write = hpc_counters_write,
	.llseek = seq_lseek,
	.release = single_release,
};

static int hpc_mirrors_show(struct seq_file *s, void *unused)
{
	hpc_mirror_list_show(s);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(hpc_mirrors);

static int hpc_planted_show(struct seq_file *s, void *unused)
{
	seq_printf(s, "%s\n", HPC_PLANTED_STR);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(hpc_planted);

/* ---- module ---- */

static int __init hpc_init(void)
{
	int ret;

	if (hpc_region_shift < PAGE_SHIFT ||
	    hpc_region_shift > HPC_REGION_SHIFT_MAX) {
		pr_err("region_shift=%u is out of range %u..%u\n",
		       hpc_region_shift, PAGE_SHIFT, HPC_REGION_SHIFT_MAX);
		return -EINVAL;
	}
	hpc_debugfs = debugfs_create_dir("hpchaos", NULL);
	debugfs_create_file("counters", 0600, hpc_debugfs, NULL,
			    &hpc_counters_fops);
	debugfs_create_file("mirrors", 0400, hpc_debugfs, NULL,
			    &hpc_mirrors_fops);
	debugfs_create_file("planted", 0444, hpc_debugfs, NULL,
			    &hpc_planted_fops);
	debugfs_create_file("caps", 0444, hpc_debugfs, NULL, &hpc_caps_fops);
	hpc_detect_debugfs(hpc_debugfs);
	ret = hpc_inject_init(hpc_debugfs);
	if (ret)
		goto err_debugfs;
	ret = hpc_prov_init(hpc_debugfs);
	if (ret)
		goto err_inject;
	ret = hpc_bar_init();
	if (ret)
		goto err_prov;

	ret = misc_register(&hpc_misc);
	if (ret)
		goto err_bar;
	if (HPC_PLANTED_ID == HPC_PLANTED_NONE)
		pr_info("loaded (uapi %d, region %lu KiB)\n", HPC_UAPI_VERSION,
			hpc_region_size() / SZ_1K);
	else
		pr_warn("loaded with PLANTED BUG %s (uapi %d, region %lu KiB)\n",
			HPC_PLANTED_STR, HPC_UAPI_VERSION,
			hpc_region_size() / SZ_1K);
	return 0;

err_bar:
	hpc_bar_exit();
err_prov:
	hpc_prov_exit();
err_inject:
	hpc_inject_exit();
err_debugfs:
	debugfs_remove_recursive(hpc_debugfs);
	return ret;
}

static void __exit hpc_exit(void)
{
	misc_deregister(&hpc_misc);
	hpc_bar_exit();
	hpc_prov_exit();
	hpc_inject_exit();
	debugfs_remove_recursive(hpc_debugfs);
}

module_init(hpc_init);
module_exit(hpc_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("hpchaos: HMM mirror test module with fault injection and planted bugs");
MODULE_INFO(planted, HPC_PLANTED_STR);
