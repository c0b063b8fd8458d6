/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * hpchaos: user-space interface of the hpchaos test module (/dev/hpchaos).
 *
 * Each open file of /dev/hpchaos is one mirror of the opener's address
 * space, as a device driver that mirrors process memory through HMM would
 * keep one. The ioctls below drive that mirror and read its state.
 *
 * Rules common to every ioctl:
 *  - The argument is a pointer to one of the structs below. Its first field
 *    `size` must be set by the caller to sizeof() of that struct; any other
 *    value gives -EINVAL (so a program built against another layout fails
 *    cleanly instead of being misread).
 *  - Fields named `reserved`/`pad` and flag bits not defined here must be
 *    zero on input (-EINVAL otherwise); the module may use them later.
 *  - An unknown ioctl number gives -ENOTTY; a bad argument pointer -EFAULT.
 *  - "in" fields are read by the module, "out" fields are written by it
 *    (the whole struct is copied back when the ioctl returns 0, and for
 *    range operations also when it fails, so `done` shows progress).
 *
 * Range operations (READ, WRITE, SNAPSHOT, VALIDATE, MIGRATE) take a
 * struct hpc_range_op. `addr` must be page aligned, `len` a non-zero
 * multiple of the page size, at most hpc_version.max_op_len, and
 * addr + len must neither overflow nor pass the end of the user address
 * space (all -EINVAL). A range that is not mapped (or not readable, or not
 * writable for WRITE) gives -EFAULT or -EPERM as hmm_range_fault() says.
 *
 * Errors of range operations, beyond the argument checks:
 *   -EFAULT   part of the range is not mapped / not accessible, or `buf`
 *             is not a valid user buffer
 *   -EPERM    WRITE to a range the CPU may not write
 *   -ENOENT   HPC_OP_NOFAULT and a page is not in the mirror
 *   -EBUSY    the range kept being invalidated: the retry bound was hit
 *   -ESTALE   the stale-use detector refused to use an entry
 *             (debugfs stale_action = refuse)
 *   -EIO      the mirror is in the reset state (see HPC_IOC_RESET)
 *   -ESRCH    the mirrored process has exited
 *   -ENOMEM   an allocation failed (or a fault point injected it)
 *   -EINTR    a fatal signal is pending
 *   -EOPNOTSUPP  the operation needs a provider the module does not have
 *             on this kernel (see hpc_version.caps)
 *
 * Version history:
 *   1  first version.
 *   2  device-memory providers: HPC_IOC_PROVIDER, HPC_IOC_MIGRATE works
 *      (hpc_range_op.moved), provider counters in hpc_counters (in place
 *      of its reserved words), HPC_STATE_LOST, mmap of provider memory.
 *   3  owners: a mirror belongs to a device (HPC_IOC_OWNER), a device-private
 *      provider to an owner (hpc_provider.owner, from its pad), HPC_POP_REOWN,
 *      hpc_provider.migrate_cross (from reserved[0]), hpc_counters grows by
 *      migrate_cross and owner_stale.
 */
#ifndef _UAPI_HPCHAOS_H
#define _UAPI_HPCHAOS_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define HPC_UAPI_VERSION	3
#define HPC_DEVICE_PATH		"/dev/hpchaos"
#define HPC_DEBUGFS_DIR		"/sys/kernel/debug/hpchaos"

/* ---- HPC_IOC_VERSION ---------------------------------------------------- */

/* hpc_version.caps: what this module can do on the running kernel. */
#define HPC_CAP_MIRROR		(1ULL << 0)  /* mirror of system memory */
#define HPC_CAP_SNAPSHOT	(1ULL << 1)  /* HPC_IOC_SNAPSHOT */
#define HPC_CAP_VALIDATE	(1ULL << 2)  /* HPC_IOC_VALIDATE */
#define HPC_CAP_DEBUGFS		(1ULL << 3)  /* knobs under HPC_DEBUGFS_DIR */
#define HPC_CAP_KPROBE_DELAY	(1ULL << 4)  /* debugfs kprobe_delay */
#define HPC_CAP_FAULT_ATTR	(1ULL << 5)  /* debugfs fault_attr/<point>/ */
#define HPC_CAP_ERROR_INJECTION	(1ULL << 6)  /* hpc_fail_<point> for fail_function */
#define HPC_CAP_DEVICE_PRIVATE	(1ULL << 7)  /* device-private provider */
#define HPC_CAP_MIGRATE		(1ULL << 8)  /* HPC_IOC_MIGRATE */
#define HPC_CAP_PROVIDERS	(1ULL << 9)  /* HPC_IOC_PROVIDER */
#define HPC_CAP_PCI_BAR		(1ULL << 10) /* PCI BAR provider (ivshmem) */
#define HPC_CAP_OWNERS		(1ULL << 11) /* owners, clusters, HPC_POP_REOWN */

/* hpc_version.kconfig: options the running kernel was built with. */
#define HPC_KCONFIG_DEVICE_PRIVATE		(1ULL << 0)
#define HPC_KCONFIG_FAULT_INJECTION		(1ULL << 1)
#define HPC_KCONFIG_FUNCTION_ERROR_INJECTION	(1ULL << 2)
#define HPC_KCONFIG_KPROBES			(1ULL << 3)
#define HPC_KCONFIG_DEBUG_FS			(1ULL << 4)
#define HPC_KCONFIG_KASAN			(1ULL << 5)
#define HPC_KCONFIG_PROVE_LOCKING		(1ULL << 6)
#define HPC_KCONFIG_DEBUG_VM			(1ULL << 7)
#define HPC_KCONFIG_DEBUG_ATOMIC_SLEEP		(1ULL << 8)
#define HPC_KCONFIG_ZONE_DEVICE			(1ULL << 9)
#define HPC_KCONFIG_TRANSPARENT_HUGEPAGE	(1ULL << 10)

/* hpc_version.planted: which planted bug the module was built with. */
#define HPC_PLANTED_NONE			0
#define HPC_PLANTED_ID_NO_READ_RETRY		1
#define HPC_PLANTED_ID_RETRY_BEFORE_LOCK	2
#define HPC_PLANTED_ID_NO_SET_SEQ		3
#define HPC_PLANTED_ID_SLEEP_NONBLOCK		4
#define HPC_PLANTED_ID_FALSE_WHEN_BLOCKABLE	5
#define HPC_PLANTED_ID_BEGIN_UNDER_LOCK		6
#define HPC_PLANTED_ID_NO_EVICT			7
#define HPC_PLANTED_ID_EARLY_PGMAP_PUT		8
#define HPC_PLANTED_ID_ALLOC_FAIL_UAF		9
#define HPC_PLANTED_ID_EVICT_IGNORE_ALLOC	10
#define HPC_PLANTED_ID_FOREIGN_OWNER		11
#define HPC_PLANTED_ID_OWNER_IN_PLACE		12
#define HPC_PLANTED_ID_REOWN_NO_WAIT		13

struct hpc_version {
	__u32 size;		/* in: sizeof(struct hpc_version) */
	__u32 version;		/* out: HPC_UAPI_VERSION of the module */
	__u64 caps;		/* out: HPC_CAP_* */
	__u64 kconfig;		/* out: HPC_KCONFIG_* */
	__u32 planted;		/* out: HPC_PLANTED_* id, 0 = none */
	__u32 page_size;	/* out: bytes per page */
	/* out: bytes covered by one interval notifier (regions are aligned) */
	__u64 region_size;
	__u64 max_op_len;	/* out: largest len a range operation takes */
	char planted_name[32];	/* out: NUL-terminated, "none" by default */
	__u64 reserved[4];	/* in: zero; out: zero */
};

/* ---- range operations ---------------------------------------------------- */

/* hpc_range_op.flags */
/* READ/WRITE: use only what the mirror holds; -ENOENT where it holds nothing */
#define HPC_OP_NOFAULT		(1U << 0)
/* MIGRATE: direction, exactly one of the two */
#define HPC_OP_TO_DEVICE	(1U << 1)
#define HPC_OP_TO_SYSTEM	(1U << 2)
#define HPC_OP_FLAGS_ALL	(HPC_OP_NOFAULT | HPC_OP_TO_DEVICE | \
				 HPC_OP_TO_SYSTEM)

/*
 * hpc_range_op.provider: MIGRATE TO_DEVICE: the id of the device-private
 * provider whose memory receives the pages (see HPC_IOC_PROVIDER). Every
 * other operation: HPC_PROV_SYSTEM (it mirrors whatever the CPU maps).
 */
#define HPC_PROV_SYSTEM		0

struct hpc_range_op {
	__u32 size;		/* in: sizeof(struct hpc_range_op) */
	__u32 flags;		/* in: HPC_OP_* */
	__u64 addr;		/* in: first byte, page aligned */
	__u64 len;		/* in: bytes, multiple of the page size */
	/*
	 * in: a user pointer. READ: len bytes receive the data; WRITE: len
	 * bytes hold the data; SNAPSHOT: len / page_size bytes receive one
	 * HPC_SNAP_* byte per page; VALIDATE, MIGRATE: unused, must be 0.
	 */
	__u64 buf;
	__u64 done;		/* out: bytes of the range completed */
	/* out: rounds of hmm_range_fault() that faulted pages into the mirror */
	__u32 faults;
	/* out: retries (hmm_range_fault() -EBUSY, mmu_interval_read_retry()) */
	__u32 retries;
	/*
	 * out: stale-use violations seen in this op (VALIDATE: mirror entries
	 * that differ from the CPU page table)
	 */
	__u32 stale;
	__u32 provider;		/* in: see HPC_PROV_SYSTEM */
	__u64 moved;		/* out: MIGRATE: pages that moved */
	__u64 reserved[1];	/* in: zero */
};

/*
 * One SNAPSHOT byte per page: the CPU page table as hmm_range_fault()
 * reports it without faulting anything in, and the mirror's own entry.
 */
#define HPC_SNAP_TYPE_MASK	0x07
#define HPC_SNAP_NONE		0x00	/* nothing mapped (not yet faulted) */
#define HPC_SNAP_RAM		0x01	/* a system memory page */
#define HPC_SNAP_ZERO		0x02	/* the shared zero page */
#define HPC_SNAP_DEVICE		0x03	/* a ZONE_DEVICE page (dax, p2p, ...) */
#define HPC_SNAP_DEV_PRIVATE	0x04	/* a device-private page */
#define HPC_SNAP_ERROR		0x07	/* no vma, no read access, special */
#define HPC_SNAP_READ		0x08	/* the CPU may read */
#define HPC_SNAP_WRITE		0x10	/* the CPU may write */
#define HPC_SNAP_MIRRORED	0x20	/* the mirror holds an entry */
#define HPC_SNAP_MIRROR_WRITE	0x40	/* ... that allows writing */
#define HPC_SNAP_MIRROR_DIFF	0x80	/* ... whose pfn differs from the CPU's */

/* ---- HPC_IOC_COUNTERS ---------------------------------------------------- */

/* hpc_counters.flags */
#define HPC_CNT_GLOBAL		(1U << 0)	/* module-wide totals */

/* Index of hpc_counters.inval_event[]: enum mmu_notifier_event */
#define HPC_EV_UNMAP		0
#define HPC_EV_CLEAR		1
#define HPC_EV_PROTECTION_VMA	2
#define HPC_EV_PROTECTION_PAGE	3
#define HPC_EV_SOFT_DIRTY	4
#define HPC_EV_RELEASE		5
#define HPC_EV_MIGRATE		6
#define HPC_EV_EXCLUSIVE	7
#define HPC_EV_OTHER		15	/* an event this module does not know */
#define HPC_NR_EVENTS		16

/* hpc_counters.state */
#define HPC_STATE_ACTIVE	0	/* operations work */
#define HPC_STATE_RESET		1	/* every range operation fails -EIO */
/*
 * A device-memory provider this mirror used was revoked or lost: range
 * operations fail -ENODEV until a provider of the same kind is added again
 * (re-plug) or HPC_RESET_LEAVE. The mirror holds no entries then.
 */
#define HPC_STATE_LOST		2

/*
 * Counters of one mirror (or of the whole module with HPC_CNT_GLOBAL).
 * All count since the mirror was opened (module load) or since the last
 * HPC_RESET_COUNTERS, except the ones marked "now".
 */
struct hpc_counters {
	__u32 size;		/* in: sizeof(struct hpc_counters) */
	__u32 flags;		/* in: HPC_CNT_* */
	__u64 faults;		/* hmm_range_fault() calls */
	__u64 fault_pages;	/* pages asked of those calls */
	__u64 retries_busy;	/* hmm_range_fault() said -EBUSY, retried */
	__u64 retries_seq;	/* mmu_interval_read_retry() said retry */
	__u64 retry_exhausted;	/* ops that gave up with -EBUSY */
	__u64 invalidations;	/* invalidate callbacks */
	__u64 inval_event[HPC_NR_EVENTS]; /* ... by event, HPC_EV_* */
	__u64 inval_nonblock;	/* ... with a non-blockable range */
	__u64 inval_busy;	/* ... that returned false (lock contended) */
	__u64 inval_pages;	/* mirror entries cleared by invalidations */
	__u64 stale;		/* stale-use violations */
	__u64 stale_last_addr;	/* address of the last violation */
	__u64 stale_last_seq;	/* notifier seq its entry was programmed at */
	__u64 stale_last_seq_now; /* notifier seq when it was found */
	__u64 validate_pages;	/* mirror entries re-validated */
	__u64 validate_mismatch; /* ... that differed from the CPU's */
	__u64 pages_mirrored;	/* now: entries in the mirror */
	__u64 pages_programmed;	/* entries ever programmed */
	__u64 regions;		/* now: interval notifiers registered */
	__u64 reads;		/* READ operations */
	__u64 writes;		/* WRITE operations */
	__u64 bytes_read;	/* bytes copied out through the mirror */
	__u64 bytes_written;	/* bytes copied in through the mirror */
	__u64 resets;		/* HPC_IOC_RESET calls */
	__u64 injected;		/* failures injected by fault points */
	__u32 state;		/* now: HPC_STATE_* (0 with HPC_CNT_GLOBAL) */
	__u32 pad;		/* zero */
	/* device memory (version 2) */
	__u64 migrate_to_device; /* pages MIGRATE moved to device memory */
	__u64 migrate_to_ram;	/* pages moved back: MIGRATE TO_SYSTEM and CPU faults */
	__u64 evicted;		/* pages a revocation moved back to system memory */
	__u64 revocations;	/* provider revocations finished */
	__u64 revoke_stuck;	/* revocations that overran their bound */
	__u64 lost;		/* times a mirror entered HPC_STATE_LOST */
	__u64 dev_pages;	/* now: device pages holding data */
	__u64 pgmap_refs;	/* now: pagemap references of those pages */
	/* owners (version 3) */
	/* pages hmm_range_fault() migrated to system memory for this mirror
	 * because they were device-private pages of another owner */
	__u64 migrate_cross;
	/* device-private entries whose page was not of the mirror's owner, or
	 * no longer live, when programmed or used (also counted in stale) */
	__u64 owner_stale;
};

/* ---- HPC_IOC_RESET ------------------------------------------------------- */

#define HPC_RESET_TABLE		(1U << 0)  /* drop every mirror entry */
#define HPC_RESET_REGIONS	(1U << 1)  /* also remove the notifiers */
#define HPC_RESET_COUNTERS	(1U << 2)  /* zero this mirror's counters */
#define HPC_RESET_ENTER		(1U << 3)  /* enter HPC_STATE_RESET */
#define HPC_RESET_LEAVE		(1U << 4)  /* back to HPC_STATE_ACTIVE */
#define HPC_RESET_FLAGS_ALL	(HPC_RESET_TABLE | HPC_RESET_REGIONS | \
				 HPC_RESET_COUNTERS | HPC_RESET_ENTER | \
				 HPC_RESET_LEAVE)

struct hpc_reset {
	__u32 size;		/* in: sizeof(struct hpc_reset) */
	__u32 flags;		/* in: HPC_RESET_*; ENTER with LEAVE: -EINVAL */
	__u32 state;		/* out: HPC_STATE_* after the reset */
	__u32 pad;		/* in: zero */
	__u64 dropped;		/* out: mirror entries dropped */
	__u64 reserved[2];	/* in: zero */
};

/* ---- HPC_IOC_PROVIDER (version 2) ---------------------------------------- */

/*
 * Device-memory providers: where device memory comes from. Each has an id
 * (1 .. HPC_MAX_PROVIDERS - 1), a kind and a state. Providers are
 * module-wide, not per mirror: any mirror may use any live provider.
 *
 *  - DEVICE_PRIVATE: MEMORY_DEVICE_PRIVATE pages (CONFIG_DEVICE_PRIVATE),
 *    created with HPC_POP_ADD. MIGRATE TO_DEVICE moves anonymous pages
 *    there; a CPU touch moves a page back (migrate_to_ram); revocation
 *    evicts every page (migrate_device_range) before memunmap_pages().
 *  - PCI_BAR: BAR2 of a QEMU ivshmem-plain device (1af4:1110) as
 *    ZONE_DEVICE memory; created when the PCI device is probed, revoked
 *    when it is removed. User space maps it with mmap() on a /dev/hpchaos
 *    file at offset HPC_MMAP_OFFSET(id); revocation unmaps it everywhere.
 *    mmap(): MAP_SHARED only (else -EINVAL); offset HPC_MMAP_OFFSET(id) + n
 *    maps from byte n of the BAR; -ENODEV when id has no live provider,
 *    -EINVAL for another kind or a range that does not fit in the BAR.
 *    A touch after the revocation is SIGBUS. Named "bar:<PCI name>"; a
 *    re-plugged device of the same name gets the same id.
 */
#define HPC_MAX_PROVIDERS	16
#define HPC_MMAP_SHIFT		40
#define HPC_MMAP_OFFSET(id)	((__u64)(id) << HPC_MMAP_SHIFT)

/* hpc_provider.kind */
#define HPC_PKIND_NONE		0
#define HPC_PKIND_DEVICE_PRIVATE 1
#define HPC_PKIND_PCI_BAR	2

/* hpc_provider.op */
#define HPC_POP_ADD		1  /* in: kind (DEVICE_PRIVATE), pages, owner; out: id */
#define HPC_POP_INFO		2  /* in: id; out: the rest */
#define HPC_POP_REVOKE		3  /* in: id, flags, timeout_ms */
#define HPC_POP_WAIT		4  /* in: id, timeout_ms: wait for a revoke */
/* in: id, owner, timeout_ms: re-register under a new owner (see below) */
#define HPC_POP_REOWN		5

/* hpc_provider.flags (REVOKE) */
/* return at once; HPC_POP_WAIT or INFO tell when it is done */
#define HPC_PFLAG_ASYNC		(1U << 0)
/*
 * surprise: no cooperation first (no unmapping, no eviction), straight to
 * memunmap_pages(), as when hardware vanishes. Shows what the kernel does
 * then; the bound still applies.
 */
#define HPC_PFLAG_SURPRISE	(1U << 1)
#define HPC_PFLAG_ALL		(HPC_PFLAG_ASYNC | HPC_PFLAG_SURPRISE)

/* hpc_provider.state */
#define HPC_PSTATE_NONE		0  /* no provider with this id */
#define HPC_PSTATE_LIVE		1  /* its memory can be used */
#define HPC_PSTATE_REVOKING	2  /* revocation under way */
#define HPC_PSTATE_STUCK	3  /* revocation overran its bound (see held) */
#define HPC_PSTATE_GONE		4  /* revoked: its memory is returned */

struct hpc_provider {
	__u32 size;		/* in: sizeof(struct hpc_provider) */
	__u32 op;		/* in: HPC_POP_* */
	__u32 id;		/* in (ADD: out): provider id */
	__u32 kind;		/* in: ADD; out: HPC_PKIND_* */
	__u32 flags;		/* in: REVOKE: HPC_PFLAG_* */
	/*
	 * in: REVOKE, WAIT: bound in milliseconds (0: debugfs
	 * revoke_timeout_ms); a revocation still running after it is
	 * reported stuck (state STUCK, dmesg names what holds it) and the
	 * call returns -ETIMEDOUT.
	 */
	__u32 timeout_ms;
	__u32 state;		/* out: HPC_PSTATE_* */
	__s32 result;		/* out: last revocation: 0 or -errno */
	__u64 pages;		/* in: ADD: device pages; out: pages it has */
	__u64 pages_used;	/* out, now: pages holding data / mapped */
	/* out, now: pages still referenced beyond their idle count */
	__u64 held;
	__u64 migrate_to_device; /* out: pages moved into this provider */
	__u64 migrate_to_ram;	/* out: pages moved back by CPU faults/MIGRATE */
	__u64 evicted;		/* out: pages moved back by revocations */
	__u64 revocations;	/* out: revocations finished */
	__u64 revoke_stuck;	/* out: revocations that overran the bound */
	__u64 elapsed_us;	/* out: duration of the last revocation */
	__u64 phys_start;	/* out: first byte of its physical range */
	__u32 generation;	/* out: bumped by each (re-)add */
	/*
	 * in: ADD: the owner of its pages (1 .. HPC_MAX_OWNERS - 1; 0 means
	 * HPC_OWNER_DEFAULT); REOWN: the new owner; other ops: zero.
	 * out: its owner (0 for a kind without one: PCI_BAR).
	 */
	__u32 owner;
	char name[32];		/* out: NUL-terminated, e.g. "devpriv1" */
	/*
	 * out: its pages that a mirror of another owner faulted, so that
	 * hmm_range_fault() migrated them to system memory
	 */
	__u64 migrate_cross;
	__u64 reserved[3];	/* in: zero */
};

/* ---- owners and clusters (version 3) ------------------------------------- */

/*
 * Every device-private page belongs to its pagemap's owner; a mirror
 * belongs to a device, which has an owner too (the dev_private_owner it
 * gives hmm_range_fault() and the pgmap_owner of its migrations). Owners
 * are small numbers, 1 .. HPC_MAX_OWNERS - 1; a new mirror and a provider
 * added with owner 0 get HPC_OWNER_DEFAULT. Devices that share an owner
 * form a cluster: they use each other's pages in place.
 *
 *  - hmm_range_fault() reports a device-private page to a mirror of its
 *    owner; a page of another owner it migrates to system memory first
 *    (migrate_to_ram, counted in migrate_cross of the mirror and of the
 *    provider).
 *  - MIGRATE TO_DEVICE into a provider of another owner: -EXDEV. Pages
 *    already in another provider of the mirror's owner move device to
 *    device; pages of another owner are left where they are (not moved).
 *  - The detector checks every device-private entry a mirror programs or
 *    uses: a page of another owner, or one no longer in use, is a STALE
 *    report of kind "owner" (hpc_counters.owner_stale).
 *  - HPC_POP_REOWN changes a provider's owner the only safe way: a
 *    cooperative revocation (every page evicted, mirrors' entries
 *    invalidated on the way, memunmap_pages() finished: the whole pagemap
 *    unregistered) within timeout_ms (-ETIMEDOUT, STUCK, as REVOKE), then
 *    a new pagemap with the new owner in the same slot (same id and name,
 *    generation + 1). Mirrors are not put in LOST: they go on faulting.
 *    While it runs, MIGRATE TO_DEVICE into it gives -ENODEV and INFO says
 *    REVOKING (also between the old pagemap's end and the new one).
 */
#define HPC_MAX_OWNERS		8
#define HPC_OWNER_DEFAULT	1

struct hpc_owner {
	__u32 size;		/* in: sizeof(struct hpc_owner) */
	/*
	 * in: the owner of this mirror's device (1 .. HPC_MAX_OWNERS - 1),
	 * or 0 to only read it. A mirror that holds entries cannot change
	 * owner (-EBUSY): reset its table first.
	 */
	__u32 owner;
	__u32 old;		/* out: the owner before the call */
	__u32 pad;		/* in: zero */
	__u64 reserved[2];	/* in: zero */
};

/* ---- ioctl numbers ------------------------------------------------------- */

#define HPC_IOC_MAGIC		0xC7

#define HPC_IOC_VERSION		_IOWR(HPC_IOC_MAGIC, 0x00, struct hpc_version)
/* fault the range into the mirror, copy its bytes out through the mirror */
#define HPC_IOC_READ		_IOWR(HPC_IOC_MAGIC, 0x01, struct hpc_range_op)
/* fault the range in writable, copy buf into it through the mirror */
#define HPC_IOC_WRITE		_IOWR(HPC_IOC_MAGIC, 0x02, struct hpc_range_op)
/* per-page state of the CPU page table and of the mirror, no faulting */
#define HPC_IOC_SNAPSHOT	_IOWR(HPC_IOC_MAGIC, 0x03, struct hpc_range_op)
/* compare the mirror's entries with a fresh hmm_range_fault() */
#define HPC_IOC_VALIDATE	_IOWR(HPC_IOC_MAGIC, 0x04, struct hpc_range_op)
#define HPC_IOC_COUNTERS	_IOWR(HPC_IOC_MAGIC, 0x05, struct hpc_counters)
#define HPC_IOC_RESET		_IOWR(HPC_IOC_MAGIC, 0x06, struct hpc_reset)
/* migrate to device memory / back (needs HPC_CAP_MIGRATE) */
#define HPC_IOC_MIGRATE		_IOWR(HPC_IOC_MAGIC, 0x07, struct hpc_range_op)
/* add, inspect, revoke device-memory providers (needs HPC_CAP_PROVIDERS) */
#define HPC_IOC_PROVIDER	_IOWR(HPC_IOC_MAGIC, 0x08, struct hpc_provider)
/* read or set the owner of this mirror's device (needs HPC_CAP_OWNERS) */
#define HPC_IOC_OWNER		_IOWR(HPC_IOC_MAGIC, 0x09, struct hpc_owner)

#endif /* _UAPI_HPCHAOS_H */
