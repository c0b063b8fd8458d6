// SPDX-License-Identifier: GPL-2.0
/*
 * hpchaos: device-memory providers, the part common to every kind.
 *
 * A provider is a dev_pagemap the module hands out pages from (or maps
 * into user space). This file keeps the table of providers, runs their
 * revocations in a worker with a time bound, reports a revocation that is
 * stuck (and what holds it), and tells the mirrors when a provider they
 * used is gone (they enter HPC_STATE_LOST) or back (they recover).
 *
 * Revocation, cooperative (the default):
 *   mirrors that used the provider enter LOST (they drop their entries),
 *   ops->unmap_user, ops->evict, ops->kill (memunmap_pages()). A
 *   synchronous one does the first three in the caller's task (fault
 *   injection aimed at the caller reaches the eviction) and only the kill
 *   in the worker; an asynchronous one does all in the worker.
 * Surprise (HPC_PFLAG_SURPRISE): straight to ops->kill, as when the
 * hardware is gone; the mirrors learn of it afterwards. When that overruns
 * its bound, the kind's rescue() may evict so that kill can finish.
 */
#define pr_fmt(fmt) "hpchaos: " fmt

#include <linux/debugfs.h>
#include <linux/memremap.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/seq_file.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "hpchaos_compat.h"
#include "hpchaos_internal.h"

/*
 * The provider table ([0] unused). Slots change under hpc_provs_lock, with
 * rcu_assign_pointer(); hpc_prov_id_of_page() reads them under RCU alone
 * (it runs for every page a mirror programs, under the mirror lock). A
 * provider taken out of its slot keeps the table's reference until a
 * grace period has passed, so no such reader can see it freed.
 */
/* revocations hpc_prov_release() tries before it gives up with a WARN */
#define HPC_RELEASE_TRIES	3
/* the longest bound a revocation may be given: one hour */
#define HPC_REVOKE_MAX_MS	(3600U * 1000U)
/* the largest device-private provider HPC_POP_ADD makes: 16 GiB */
#define HPC_DEVPRIV_MAX_PAGES	(SZ_16G / PAGE_SIZE)

static DEFINE_MUTEX(hpc_provs_lock);
static struct hpc_prov __rcu *hpc_provs[HPC_MAX_PROVIDERS];
static struct workqueue_struct *hpc_revoke_wq;

/* what providers replaced by a re-plug had counted (under hpc_provs_lock) */
static struct {
	u64 revocations, revoke_stuck, evicted;
} hpc_retired;

static const char * const hpc_pstate_names[] = {
	[HPC_PSTATE_NONE] = "none",
	[HPC_PSTATE_LIVE] = "live",
	[HPC_PSTATE_REVOKING] = "revoking",
	[HPC_PSTATE_STUCK] = "stuck",
	[HPC_PSTATE_GONE] = "gone",
};

/* Slot i of the table; hpc_provs_lock held. */
static struct hpc_prov *hpc_prov_slot(unsigned int i)
{
	return rcu_dereference_protected(hpc_provs[i],
					 lockdep_is_held(&hpc_provs_lock));
}

static const char *hpc_kind_name(u32 kind)
{
	switch (kind) {
	case HPC_PKIND_DEVICE_PRIVATE:
		return "device-private";
	case HPC_PKIND_PCI_BAR:
		return "pci-bar";
	default:
		return "none";
	}
}

static void hpc_prov_free(struct kref *ref)
{
	struct hpc_prov *p = container_of(ref, struct hpc_prov, ref);

	p->ops->destroy(p);
}

void hpc_prov_put(struct hpc_prov *p)
{
	if (p)
		kref_put(&p->ref, hpc_prov_free);
}

struct hpc_prov *hpc_prov_get(u32 id)
{
	struct hpc_prov *p = NULL;

	if (id == 0 || id >= HPC_MAX_PROVIDERS)
		return NULL;
	mutex_lock(&hpc_provs_lock);
	p = hpc_prov_slot(id);
	if (p)
		kref_get(&p->ref);
	mutex_unlock(&hpc_provs_lock);
	return p;
}

/*
 * The id of the provider a ZONE_DEVICE page belongs to, 0 if it is not
 * ours. Never sleeps and takes no lock (RCU only): it is called under the
 * mirror lock, for every page programmed. The page's pgmap is compared,
 * never followed, and the providers are read inside the RCU section only:
 * hpc_prov_register() and hpc_prov_release() wait for a grace period
 * before they drop the table's reference of a provider they took out.
 */
u32 hpc_prov_id_of_page(struct page *page)
{
	struct dev_pagemap *pgmap;
	unsigned int i;
	u32 id = 0;

	if (!is_zone_device_page(page))
		return 0;
	pgmap = hpc_page_pgmap(page);
	rcu_read_lock();
	for (i = 1; i < HPC_MAX_PROVIDERS && !id; i++) {
		struct hpc_prov *p = rcu_dereference(hpc_provs[i]);

		if (p && p->pgmap == pgmap)
			id = p->id;
	}
	rcu_read_unlock();
	return id;
}

static void hpc_revoke_work(struct work_struct *work);

/*
 * Put p in the table: a provider that comes back (same name, or for
 * device-private the same kind) takes the slot of its gone predecessor,
 * so scenarios see the same id after a re-plug. The table holds a
 * reference. Mirrors that lost a provider of this kind recover.
 */
int hpc_prov_register(struct hpc_prov *p)
{
	struct hpc_prov *old = NULL;
	unsigned int i, slot = 0;

	kref_init(&p->ref);
	INIT_WORK(&p->revoke_work, hpc_revoke_work);
	init_completion(&p->revoked);

	mutex_lock(&hpc_provs_lock);
	/* the slot asked for (REOWN: its own), if its provider is gone */
	if (p->id && p->id < HPC_MAX_PROVIDERS) {
		struct hpc_prov *q = hpc_prov_slot(p->id);

		if (q && q->state == HPC_PSTATE_GONE && q->kind == p->kind)
			slot = p->id;
	}
	for (i = 1; i < HPC_MAX_PROVIDERS && !slot; i++) {
		struct hpc_prov *q = hpc_prov_slot(i);

		if (q && q->state == HPC_PSTATE_GONE && q->kind == p->kind &&
		    (p->name[0] ? !strcmp(q->name, p->name) : true))
			slot = i;
	}
	for (i = 1; i < HPC_MAX_PROVIDERS && !slot; i++)
		if (!hpc_prov_slot(i))
			slot = i;
	if (!slot) {
		mutex_unlock(&hpc_provs_lock);
		return -ENOSPC;
	}
	old = hpc_prov_slot(slot);
	if (old) {
		hpc_retired.revocations += old->revocations;
		hpc_retired.revoke_stuck += old->revoke_stuck;
		hpc_retired.evicted += atomic64_read(&old->evicted);
	}
	p->id = slot;
	p->generation = old ? old->generation + 1 : 1;
	if (!p->name[0])
		snprintf(p->name, sizeof(p->name), "%s%u",
			 p->kind == HPC_PKIND_DEVICE_PRIVATE ? "devpriv" :
			 "prov", slot);
	/*
	 * In the table but not LIVE until the mirrors that lost its kind have
	 * recovered: whoever sees it LIVE sees them ACTIVE (hpc_mirrors_lock
	 * and the mirror locks come before hpc_provs_lock in the lock order,
	 * hpchaos_internal.h, so not here).
	 */
	p->state = HPC_PSTATE_NONE;
	rcu_assign_pointer(hpc_provs[slot], p);
	mutex_unlock(&hpc_provs_lock);

	if (old) {
		/* hpc_prov_id_of_page() may still be looking at old */
		synchronize_rcu();
		hpc_prov_put(old);
	}
	hpc_mirrors_provider_back(p);
	mutex_lock(&hpc_provs_lock);
	WRITE_ONCE(p->state, HPC_PSTATE_LIVE);
	mutex_unlock(&hpc_provs_lock);
	pr_info("provider %u (%s, %s) live: %lu pages, generation %u\n",
		p->id, p->name, hpc_kind_name(p->kind), p->npages,
		p->generation);
	return 0;
}

/*
 * Drop the table's reference of a provider that is GONE (or was never
 * revoked: then revoke it first, cooperatively, without a bound). Used by
 * the kinds on module unload and device removal.
 */
void hpc_prov_release(struct hpc_prov *p)
{
	int tries, ret = 0;
	bool owned;

	for (tries = 0; tries < HPC_RELEASE_TRIES; tries++) {
		ret = hpc_prov_revoke(p, 0, 0);
		if (ret == -ETIMEDOUT || ret == -EBUSY)
			wait_for_completion(&p->revoked);
		if (READ_ONCE(p->state) == HPC_PSTATE_GONE)
			break;
	}
	WARN(READ_ONCE(p->state) != HPC_PSTATE_GONE,
	     "hpchaos: %s could not be revoked (%d)\n", p->name, ret);
	mutex_lock(&hpc_provs_lock);
	owned = p->id && hpc_prov_slot(p->id) == p;
	if (owned)
		RCU_INIT_POINTER(hpc_provs[p->id], NULL);
	mutex_unlock(&hpc_provs_lock);
	if (owned) {
		/* hpc_prov_id_of_page() may still be looking at p */
		synchronize_rcu();
		hpc_prov_put(p);
	}
}

/*
 * The cooperative part of a revocation: mirrors LOST, user mappings zapped,
 * pages evicted. On failure the provider stays live, the revocation is
 * over (completed) and the error is returned; the caller then drops the
 * worker's reference.
 */
static int hpc_revoke_coop(struct hpc_prov *p)
{
	int ret = 0;

	/* a REOWN's mirrors stay ACTIVE: the eviction invalidates them */
	if (!(p->flags & HPC_PFLAG_REOWN))
		hpc_mirrors_provider_lost(p);
	if (p->ops->unmap_user)
		p->ops->unmap_user(p);
	if (p->ops->evict)
		ret = p->ops->evict(p);
	if (ret) {
		/*
		 * Pages could not be moved out: killing the pagemap now would
		 * wait for them forever. The provider stays live; the caller
		 * sees the error.
		 */
		mutex_lock(&hpc_provs_lock);
		p->result = ret;
		p->state = HPC_PSTATE_LIVE;
		p->elapsed_us = ktime_us_delta(ktime_get(), p->revoke_start);
		mutex_unlock(&hpc_provs_lock);
		pr_warn("revoke of %s failed: eviction: %d; provider stays live\n",
			p->name, ret);
		hpc_mirrors_provider_back(p);
		complete_all(&p->revoked);
	}
	return ret;
}

static void hpc_revoke_work(struct work_struct *work)
{
	struct hpc_prov *p = container_of(work, struct hpc_prov, revoke_work);
	bool surprise = p->flags & HPC_PFLAG_SURPRISE;

	if (!surprise && !p->coop_done && hpc_revoke_coop(p)) {
		hpc_prov_put(p);
		return;
	}
	p->ops->kill(p);
	if (surprise)
		hpc_mirrors_provider_lost(p);

	mutex_lock(&hpc_provs_lock);
	if (p->state == HPC_PSTATE_STUCK)
		pr_info("revoke of %s finished after being stuck (%lld ms)\n",
			p->name,
			ktime_ms_delta(ktime_get(), p->revoke_start));
	p->state = HPC_PSTATE_GONE;
	p->result = 0;
	p->revocations++;
	p->elapsed_us = ktime_us_delta(ktime_get(), p->revoke_start);
	mutex_unlock(&hpc_provs_lock);
	pr_info("provider %u (%s) revoked in %llu us%s\n", p->id, p->name,
		p->elapsed_us, surprise ? " (surprise)" : "");
	complete_all(&p->revoked);
	hpc_prov_put(p);
}

static u32 hpc_bound_ms(u32 timeout_ms)
{
	if (!timeout_ms)
		timeout_ms = READ_ONCE(hpc_knobs.revoke_timeout_ms);
	return clamp(timeout_ms, 1U, HPC_REVOKE_MAX_MS);
}

/*
 * Wait for a revocation under way, at most timeout_ms (0: the debugfs
 * default). Over the bound the provider is reported: STUCK for a
 * cooperative revocation (that is a failure: dmesg gets a line the triage
 * knows), a notice plus the kind's rescue for a surprise one (blocking is
 * what the kernel does when memory vanishes under users).
 */
int hpc_prov_wait(struct hpc_prov *p, u32 timeout_ms)
{
	unsigned long first_pfn = 0;
	unsigned long held;
	u32 ms = hpc_bound_ms(timeout_ms);
	bool surprise, rescue = false;
	int first_ref = 0;

	mutex_lock(&hpc_provs_lock);
	if (p->state == HPC_PSTATE_LIVE) {
		/* nothing under way: the last revocation failed, or none ran */
		int ret = p->result;

		mutex_unlock(&hpc_provs_lock);
		return ret;
	}
	mutex_unlock(&hpc_provs_lock);
	if (wait_for_completion_interruptible_timeout(&p->revoked,
			msecs_to_jiffies(ms)) > 0) {
		int ret;

		mutex_lock(&hpc_provs_lock);
		ret = p->state == HPC_PSTATE_GONE ? 0 : p->result;
		mutex_unlock(&hpc_provs_lock);
		return ret;
	}
	if (signal_pending(current))
		return -EINTR;

	held = p->ops->held(p, &first_pfn, &first_ref);
	mutex_lock(&hpc_provs_lock);
	surprise = p->flags & HPC_PFLAG_SURPRISE;
	if (p->state == HPC_PSTATE_REVOKING) {
		if (surprise && p->ops->rescue && !p->rescued) {
			p->rescued = true;
			rescue = true;
		} else {
			p->state = HPC_PSTATE_STUCK;
			p->revoke_stuck++;
		}
	}
	mutex_unlock(&hpc_provs_lock);

	if (rescue) {
		pr_notice("surprise revoke of %s blocked after %u ms: %lu pages still referenced (first pfn %#lx refcount %d); evicting them\n",
			  p->name, ms, held, first_pfn, first_ref);
		p->ops->rescue(p);
	} else {
		pr_warn("STUCK revoke of %s: not done after %u ms, %lu pages still referenced (first pfn %#lx refcount %d)\n",
			p->name, ms, held, first_pfn, first_ref);
	}
	return -ETIMEDOUT;
}

/*
 * Start revoking p. flags: HPC_PFLAG_*. Returns at once with ASYNC, else
 * waits as hpc_prov_wait() does.
 */
int hpc_prov_revoke(struct hpc_prov *p, u32 flags, u32 timeout_ms)
{
	mutex_lock(&hpc_provs_lock);
	switch (p->state) {
	case HPC_PSTATE_LIVE:
		break;
	case HPC_PSTATE_GONE:
		mutex_unlock(&hpc_provs_lock);
		return -ENODEV;
	default:
		mutex_unlock(&hpc_provs_lock);
		return -EBUSY;
	}
	p->state = HPC_PSTATE_REVOKING;
	p->flags = flags;
	p->rescued = false;
	p->result = 0;
	p->coop_done = false;
	p->revoke_start = ktime_get();
	reinit_completion(&p->revoked);
	kref_get(&p->ref);
	mutex_unlock(&hpc_provs_lock);

	pr_info("revoking provider %u (%s)%s%s%s\n", p->id, p->name,
		flags & HPC_PFLAG_SURPRISE ? ", surprise" : "",
		flags & HPC_PFLAG_ASYNC ? ", async" : "",
		flags & HPC_PFLAG_REOWN ? ", to re-register under a new owner" : "");
	/*
	 * A synchronous cooperative revocation evicts in the caller's task, so
	 * that fault injection aimed at it (task-filter, fail-nth) reaches the
	 * eviction; the worker then only kills the pagemap, under the bound.
	 */
	if (!(flags & (HPC_PFLAG_ASYNC | HPC_PFLAG_SURPRISE))) {
		int ret;

		p->coop_done = true;
		ret = hpc_revoke_coop(p);
		if (ret) {
			hpc_prov_put(p);
			return ret;
		}
	}
	queue_work(hpc_revoke_wq, &p->revoke_work);
	if (flags & HPC_PFLAG_ASYNC)
		return 0;
	return hpc_prov_wait(p, timeout_ms);
}

/*
 * Planted reown-no-wait: the provider is GONE at once, its pages still in
 * use, its pagemap never unregistered.
 */
void hpc_prov_mark_gone(struct hpc_prov *p)
{
	mutex_lock(&hpc_provs_lock);
	p->state = HPC_PSTATE_GONE;
	mutex_unlock(&hpc_provs_lock);
}

void hpc_prov_set_reowning(struct hpc_prov *p, bool on)
{
	mutex_lock(&hpc_provs_lock);
	p->reowning = on;
	mutex_unlock(&hpc_provs_lock);
}

static void hpc_prov_fill(struct hpc_prov *p, struct hpc_provider *o)
{
	unsigned long first_pfn;
	int first_ref;

	o->id = p->id;
	o->kind = p->kind;
	o->pages = p->npages;
	o->pages_used = atomic64_read(&p->pages_used);
	o->migrate_to_device = atomic64_read(&p->migrate_to_device);
	o->migrate_to_ram = atomic64_read(&p->migrate_to_ram);
	o->evicted = atomic64_read(&p->evicted);
	o->migrate_cross = atomic64_read(&p->migrate_cross);
	o->owner = READ_ONCE(p->owner);
	mutex_lock(&hpc_provs_lock);
	/*
	 * A REOWN between its revocation and the new pagemap: not gone for
	 * good, so REVOKING (the new provider takes the slot when live).
	 */
	o->state = p->state == HPC_PSTATE_GONE && p->reowning ?
		   HPC_PSTATE_REVOKING : p->state;
	o->result = p->result;
	o->revocations = p->revocations;
	o->revoke_stuck = p->revoke_stuck;
	o->elapsed_us = p->elapsed_us;
	o->generation = p->generation;
	o->phys_start = p->pgmap ? p->pgmap->range.start : 0;
	mutex_unlock(&hpc_provs_lock);
	o->held = p->ops->held(p, &first_pfn, &first_ref);
	strscpy(o->name, p->name, sizeof(o->name));
}

/* The arguments of HPC_IOC_PROVIDER, op by op; ADD is done here. */
static long hpc_ioc_provider_args(struct hpc_provider *a)
{
	if (memchr_inv(a->reserved, 0, sizeof(a->reserved)) ||
	    (a->flags & ~HPC_PFLAG_ALL))
		return -EINVAL;
	if (a->op != HPC_POP_REVOKE && a->flags)
		return -EINVAL;
	if (a->owner >= HPC_MAX_OWNERS)
		return -EINVAL;

	switch (a->op) {
	case HPC_POP_ADD:
		if (a->kind != HPC_PKIND_DEVICE_PRIVATE || a->id)
			return -EINVAL;
		if (!a->pages || a->pages > HPC_DEVPRIV_MAX_PAGES)
			return -EINVAL;
		return hpc_devpriv_add(a->pages, a->owner ?: HPC_OWNER_DEFAULT,
				       0, &a->id);
	case HPC_POP_REOWN:
		if (!a->owner)
			return -EINVAL;
		fallthrough;
	case HPC_POP_INFO:
	case HPC_POP_REVOKE:
	case HPC_POP_WAIT:
		if (a->kind || a->pages)
			return -EINVAL;
		if (a->op != HPC_POP_REOWN && a->owner)
			return -EINVAL;
		return 0;
	default:
		return -EINVAL;
	}
}

/* HPC_POP_REOWN of provider p (the new one takes its slot). */
static long hpc_prov_reown(struct hpc_prov *p, u32 owner, u32 timeout_ms)
{
	if (p->kind != HPC_PKIND_DEVICE_PRIVATE)
		return -EINVAL;
	if (READ_ONCE(p->state) != HPC_PSTATE_LIVE)
		return READ_ONCE(p->state) == HPC_PSTATE_GONE ? -ENODEV : -EBUSY;
	return hpc_devpriv_reown(p, owner, timeout_ms);
}

long hpc_ioc_provider(void __user *uarg)
{
	struct hpc_provider a;
	struct hpc_prov *p;
	u32 size;
	long ret;

	if (get_user(size, (const u32 __user *)uarg))
		return -EFAULT;
	if (size != sizeof(a))
		return -EINVAL;
	if (copy_from_user(&a, uarg, sizeof(a)))
		return -EFAULT;
	ret = hpc_ioc_provider_args(&a);
	if (ret)
		return ret;

	p = hpc_prov_get(a.id);
	if (!p)
		return -ENODEV;
	ret = 0;
	if (a.op == HPC_POP_REVOKE)
		ret = hpc_prov_revoke(p, a.flags, a.timeout_ms);
	else if (a.op == HPC_POP_WAIT)
		ret = hpc_prov_wait(p, a.timeout_ms);
	else if (a.op == HPC_POP_REOWN)
		ret = hpc_prov_reown(p, a.owner, a.timeout_ms);
	if (a.op == HPC_POP_REOWN && !ret) {
		/* INFO of what is in the slot now: the new pagemap */
		hpc_prov_put(p);
		p = hpc_prov_get(a.id);
		if (!p)
			return -ENODEV;
	}
	if (ret != -EINTR) {
		struct hpc_provider out = { .size = sizeof(out),
					    .op = a.op,
					    .flags = a.flags,
					    .timeout_ms = a.timeout_ms };

		hpc_prov_fill(p, &out);
		if (copy_to_user(uarg, &out, sizeof(out)))
			ret = -EFAULT;
	}
	hpc_prov_put(p);
	return ret;
}

/* Module-wide provider counters for HPC_IOC_COUNTERS (HPC_CNT_GLOBAL). */
void hpc_prov_counters(struct hpc_counters *o)
{
	unsigned int i;

	mutex_lock(&hpc_provs_lock);
	o->revocations += hpc_retired.revocations;
	o->revoke_stuck += hpc_retired.revoke_stuck;
	o->evicted += hpc_retired.evicted;
	for (i = 1; i < HPC_MAX_PROVIDERS; i++) {
		struct hpc_prov *p = hpc_prov_slot(i);
		u64 used;

		if (!p)
			continue;
		used = atomic64_read(&p->pages_used);
		o->dev_pages += used;
		/* each device-private page in use holds a pagemap ref */
		if (p->kind == HPC_PKIND_DEVICE_PRIVATE)
			o->pgmap_refs += used;
		o->revocations += p->revocations;
		o->revoke_stuck += p->revoke_stuck;
		o->evicted += atomic64_read(&p->evicted);
	}
	mutex_unlock(&hpc_provs_lock);
}

static int hpc_provs_show(struct seq_file *s, void *unused)
{
	unsigned int i;

	for (i = 1; i < HPC_MAX_PROVIDERS; i++) {
		struct hpc_provider o = { 0 };
		struct hpc_prov *p = hpc_prov_get(i);

		if (!p)
			continue;
		hpc_prov_fill(p, &o);
		hpc_prov_put(p);
		seq_printf(s, "id=%u name=%s kind=%s state=%s generation=%u owner=%u cross=%llu pages=%llu used=%llu held=%llu to_device=%llu to_ram=%llu evicted=%llu revocations=%llu stuck=%llu last_us=%llu result=%d phys=%#llx\n",
			   o.id, o.name, hpc_kind_name(o.kind),
			   hpc_pstate_names[o.state], o.generation, o.owner,
			   o.migrate_cross, o.pages,
			   o.pages_used, o.held, o.migrate_to_device,
			   o.migrate_to_ram, o.evicted, o.revocations,
			   o.revoke_stuck, o.elapsed_us, o.result,
			   o.phys_start);
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(hpc_provs);

int hpc_prov_init(struct dentry *root)
{
	hpc_revoke_wq = alloc_workqueue("hpchaos_revoke", WQ_UNBOUND, 0);
	if (!hpc_revoke_wq)
		return -ENOMEM;
	debugfs_create_file("providers", 0400, root, NULL, &hpc_provs_fops);
	return 0;
}

/* Module unload: revoke what is live, wait for all, free the table. */
void hpc_prov_exit(void)
{
	unsigned int i;

	for (i = 1; i < HPC_MAX_PROVIDERS; i++) {
		struct hpc_prov *p = hpc_prov_get(i);

		if (!p)
			continue;
		hpc_prov_release(p);
		hpc_prov_put(p);
	}
	destroy_workqueue(hpc_revoke_wq);
}
