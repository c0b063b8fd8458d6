// SPDX-License-Identifier: GPL-2.0
/*
 * hpchaos stale-use detector.
 *
 * The truth: every page of a region has a generation (reg->gen[]) that the
 * invalidate callback advances, under the mirror lock in the correct
 * driver, for every page of every invalidation the kernel goes ahead with.
 * The detector never relies on the notifier sequence the driver maintains
 * (a planted bug may not maintain it); the sequences are only reported.
 *
 *  - A fault samples the generations right after mmu_interval_read_begin().
 *    When it programs the mirror (under the mirror lock) a generation that
 *    moved means an invalidation of that page completed after the fault
 *    began: the pfn may already be freed. The correct driver never gets
 *    there (mmu_interval_read_retry() sends it round again).
 *  - An entry carries the generation of its fault. Using an entry whose
 *    generation differs from the page's means it survived an invalidation.
 *  - VALIDATE compares entries with a fresh hmm_range_fault().
 *  - A device-private page must be of the mirror's owner and in use when
 *    it is programmed and when it is used (hpc_owner_ok(): kind "owner").
 *
 * Each violation is counted, kept in a small ring (debugfs stale_events)
 * and printed as "hpchaos: STALE <kind> ..." for the host's console triage.
 */
#define pr_fmt(fmt) "hpchaos: " fmt

#include <linux/debugfs.h>
#include <linux/ktime.h>
#include <linux/minmax.h>
#include <linux/ratelimit.h>
#include <linux/seq_file.h>
#include <linux/spinlock.h>
#include <linux/memremap.h>
#include <linux/mm.h>
#include <linux/string.h>

#include "hpchaos_compat.h"
#include "hpchaos_internal.h"

#define HPC_STALE_RING	64	/* events kept for debugfs stale_events */
/* at most HPC_STALE_RL_BURST "STALE" log lines per HPC_STALE_RL_INTERVAL */
#define HPC_STALE_RL_INTERVAL	(5 * HZ)
#define HPC_STALE_RL_BURST	20
#define HPC_STALE_KIND_LEN	12	/* "validate", "program", ..., NUL */

struct hpc_stale_event {
	u64 ns;
	unsigned long addr;
	unsigned long pfn;
	unsigned long seq;
	unsigned long seq_now;
	u32 gen;
	u32 gen_now;
	u32 mirror;
	pid_t pid;
	char kind[HPC_STALE_KIND_LEN];
};

static struct hpc_stale_event hpc_ring[HPC_STALE_RING];
static unsigned long hpc_ring_next;		/* events ever recorded */
static DEFINE_SPINLOCK(hpc_ring_lock);
static DEFINE_RATELIMIT_STATE(hpc_stale_rs, HPC_STALE_RL_INTERVAL,
			      HPC_STALE_RL_BURST);

void hpc_truth_sample(struct hpc_region *reg, unsigned long start,
		      unsigned long end, u32 *gens)
{
	unsigned long i, first = hpc_region_idx(reg, start);
	unsigned long n = (end - start) >> PAGE_SHIFT;

	for (i = 0; i < n; i++)
		gens[i] = hpc_truth_now(reg, first + i);
}

void hpc_truth_advance(struct hpc_region *reg, unsigned long start,
		       unsigned long end)
{
	unsigned long i, last;

	start = max(start, reg->start);
	end = min(end, reg->end);
	if (start >= end)
		return;
	last = hpc_region_idx(reg, end);
	for (i = hpc_region_idx(reg, start); i < last; i++)
		atomic_inc(&reg->gen[i]);
}

/*
 * Owners: a device-private page a mirror programs or uses must belong to
 * the mirror's owner (hmm_range_fault() reports no other, and only a
 * re-registration may change a pagemap's owner) and still be in use
 * (referenced). Any other page: true. Called under the mirror lock, for a
 * pfn the CPU maps (programming) or the mirror holds a valid entry of.
 */
bool hpc_owner_ok(struct hpc_mirror *m, struct page *page)
{
	if (!is_device_private_page(page))
		return true;
	return hpc_page_pgmap(page)->owner ==
	       hpc_owner_token(hpc_mirror_owner(m)) &&
	       page_ref_count(page) > 0;
}

void hpc_stale_report(struct hpc_mirror *m, const char *kind,
		      unsigned long addr, unsigned long pfn,
		      unsigned long seq, unsigned long seq_now,
		      u32 gen, u32 gen_now)
{
	struct hpc_stale_event *ev;

	hpc_stat_inc(m, HPC_C_STALE);
	atomic64_set(&m->stats.last_addr, addr);
	atomic64_set(&m->stats.last_seq, seq);
	atomic64_set(&m->stats.last_seq_now, seq_now);
	atomic64_set(&hpc_gstats.last_addr, addr);
	atomic64_set(&hpc_gstats.last_seq, seq);
	atomic64_set(&hpc_gstats.last_seq_now, seq_now);

	spin_lock(&hpc_ring_lock);
	ev = &hpc_ring[hpc_ring_next++ % HPC_STALE_RING];
	ev->ns = ktime_get_ns();
	ev->addr = addr;
	ev->pfn = pfn;
	ev->seq = seq;
	ev->seq_now = seq_now;
	ev->gen = gen;
	ev->gen_now = gen_now;
	ev->mirror = m->id;
	ev->pid = m->pid;
	strscpy(ev->kind, kind, sizeof(ev->kind));
	spin_unlock(&hpc_ring_lock);

	if (__ratelimit(&hpc_stale_rs))
		pr_warn("STALE %s mirror=%u pid=%d addr=0x%lx pfn=0x%lx seq=%lu seq_now=%lu gen=%u gen_now=%u\n",
			kind, m->id, m->pid, addr, pfn, seq, seq_now, gen,
			gen_now);
}

static int hpc_stale_events_show(struct seq_file *s, void *unused)
{
	unsigned long first, i, next;

	spin_lock(&hpc_ring_lock);
	next = hpc_ring_next;
	first = next > HPC_STALE_RING ? next - HPC_STALE_RING : 0;
	seq_printf(s, "total=%lu shown=%lu\n", next, next - first);
	for (i = first; i < next; i++) {
		const struct hpc_stale_event *ev = &hpc_ring[i % HPC_STALE_RING];

		seq_printf(s, "%llu %s mirror=%u pid=%d addr=0x%lx pfn=0x%lx seq=%lu seq_now=%lu gen=%u gen_now=%u\n",
			   ev->ns, ev->kind, ev->mirror, ev->pid, ev->addr,
			   ev->pfn, ev->seq, ev->seq_now, ev->gen,
			   ev->gen_now);
	}
	spin_unlock(&hpc_ring_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(hpc_stale_events);

void hpc_detect_debugfs(struct dentry *root)
{
	debugfs_create_file("stale_events", 0400, root, NULL,
			    &hpc_stale_events_fops);
}
