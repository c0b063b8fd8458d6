/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Stack frames of kernel reports, and their source lines.
 *
 * A frame is a console line of a report's stack ("  vfs_write+0x189/0x780",
 * "? hpc_trigger_uaf+0x89/0xa6 [hpchaos_trigger]", "RIP: 0010:f+0x5/0x20"),
 * parsed from untrusted text. hpc_sym_resolve() finds the symbol in the
 * object's symbol table (libelf) and asks binutils' addr2line for the
 * file:line of the address, inlined functions included.
 */
#ifndef HPC_SYMBOLIZE_H
#define HPC_SYMBOLIZE_H

#include <stdbool.h>
#include <stddef.h>

#define HPC_SYM_NAME_MAX	128	/* a symbol or function name */
#define HPC_SYM_MOD_MAX		64	/* a module name */
#define HPC_SYM_PATH_MAX	256	/* a source path */
#define HPC_SYM_INLINE_MAX	6	/* functions of one address, inlined ones included */
#define HPC_SYM_FRAMES_MAX	64	/* frames of one report */
#define HPC_SYM_SCAN_LINES	400	/* console lines a report's stack is looked for in */

struct hpc_sym_loc {
	char func[HPC_SYM_NAME_MAX];
	char file[HPC_SYM_PATH_MAX];	/* canonical: relative to the tree */
	unsigned int line;		/* 0: unknown */
};

struct hpc_frame {
	char sym[HPC_SYM_NAME_MAX];
	unsigned long long off, size;
	char module[HPC_SYM_MOD_MAX];	/* "" in vmlinux */
	bool rip;	/* the faulting address (RIP: line), not a return address */
	bool reliable;	/* false for the unwinder's "? " guesses */
	/* set by hpc_sym_resolve() */
	unsigned int nloc;	/* 0: not resolved */
	/*
	 * loc[0] is where the address is (the innermost inlined function),
	 * loc[nloc - 1] the function the symbol names; in between, the
	 * functions inlined into each other, each with its call site.
	 */
	struct hpc_sym_loc loc[HPC_SYM_INLINE_MAX];
};

/*
 * One console line: 1 and *f set (unresolved) when it is a stack frame, 0
 * otherwise. The printk prefixes ("[   27.7][   T70]") are skipped; "RIP:"
 * lines with a symbol are frames (rip set), a user-space "RIP: 0033:0x47b7a0"
 * is not.
 */
int hpc_frame_parse(const char *line, size_t len, struct hpc_frame *f);

/* Does this console line end a report's block (end of trace, KASAN's rule)? */
bool hpc_report_end(const char *line, size_t len);

/*
 * A source path as addr2line prints it, made relative to the tree it came
 * from: ".../build-hpchaos/../mm/memory.c" -> "mm/memory.c", our module's
 * ".../src/hpchaos_bar.c" -> "kmod/hpchaos_bar.c" (module given).
 */
void hpc_sym_canon(const char *path, const char *module, char *out, size_t n);

/*
 * The function symbols of an ELF file, by name (libelf). A module is a
 * relocatable file whose sections all start at 0: an address there means
 * something only with its section.
 */
struct hpc_symtab;
struct hpc_symtab *hpc_symtab_open(const char *obj, char *why, size_t wlen);
/*
 * Where symbol name is: its address, and its section in a relocatable file
 * (NULL in a linked one, whose addresses are absolute). Of several static
 * functions of one name, the one of the given size. 0, or -1 if absent.
 */
int hpc_symtab_find(const struct hpc_symtab *t, const char *name, unsigned long long size,
		    const char **section, unsigned long long *addr);
void hpc_symtab_close(struct hpc_symtab *t);

/*
 * Resolve n frames that all live in the ELF file obj (vmlinux or one .ko):
 * each symbol's address from the symbol table, then one addr2line process
 * (PATH) per section, bounded in time and output. A return address is
 * looked up one byte back (the call, not the next line). 0 (frames found
 * get nloc > 0; a symbol obj lacks stays at 0), or -1 with why set.
 */
int hpc_sym_resolve(const char *obj, struct hpc_frame **frames, size_t n,
		    char *why, size_t wlen);

/*
 * Where a task that is stuck waits: the first of its n frames (innermost
 * first, as /proc/PID/stack or sysrq w give them) that is not a way of
 * waiting (schedule, msleep, mutex_lock, wait_for_completion, ...) or the
 * system call entry. Its function name (gcc's .cold/.isra suffix cut) into
 * out; the frame's index, or -1 when there is none (out "").
 */
int hpc_stuck_func(const struct hpc_frame *f, size_t n, char *out, size_t len);

/*
 * Is a task whose stuck function is func only waiting for another (a shell
 * for its child, a poll, a pipe)? Such a task does not name the stuck step.
 */
bool hpc_stuck_idle(const char *func);

#endif
