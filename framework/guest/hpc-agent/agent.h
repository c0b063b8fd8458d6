/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hpc-agent: the guest side of the agent protocol (docs/internals.md).
 *
 * Runs as PID 1 after /init: finds the virtio-serial port, says HELLO,
 * receives a plan of steps, runs them one after the other, streams their
 * output, then says BYE and powers the guest off. It must never exit while
 * it is PID 1; every error ends in a report and a power-off.
 *
 * Its units, around the one state A:
 *   main.c     options, setup, the poll loop
 *   channel.c  the port: queue of lines to the host, lines from it, the
 *              agent's own reports, the kernel log markers, the exit
 *   plan.c     host lines (PLAN, S, GO, EV) and the steps of the plan
 *   proc.c     the processes of run/check/bg steps: spawn, output, KTAP, end
 *   events.c   host events for wait steps; the guest event FIFO
 *   kmsg.c     /dev/kmsg forwarded as KMSG lines
 *   stack.c    a step out of time: its tasks' kernel stacks, sysrq w and l
 *   shell.c    kept alive (hpc.keep=1): a shell on its own port, no power-off
 * The protocol itself (parsing host lines, writing guest lines) and the
 * line splitter are the core's (hpc/proto.h, hpc/linebuf.h).
 */
#ifndef HPC_AGENT_H
#define HPC_AGENT_H

#include <stdint.h>
#include <sys/types.h>

#include "hpc/io.h"
#include "hpc/linebuf.h"
#include "hpc/proto.h"

#define NS_PER_SEC	1000000000ULL
#define NS_PER_MS	1000000ULL
#define PING_NS		NS_PER_SEC
#define PORT_WAIT_NS	(10 * NS_PER_SEC)	/* looking for the port */
#define HUP_GRACE_NS	(5 * NS_PER_SEC)	/* virtio host side closed */
#define KILL_GRACE_NS	(5 * NS_PER_SEC)	/* SIGKILLed but still alive */
#define DRAIN_NS	(5 * NS_PER_SEC)	/* end of plan: bg steps */
#define FLUSH_WAIT_MS	10000
#define OUT_RATE	1000			/* OUT lines per second */
#define OUT_BURST	2000
#define OUT_MAX_LINES	20000			/* per step */
#define KTAP_MAX_LINES	20000			/* per step */
#define MAX_EVENTS	64
#define MAX_CMDLINE_ENV	16
#define OUTQ_CAP	(1024 * 1024)
#define OUTQ_SOFT	(768 * 1024)		/* OUT lines dropped above */
/* "OUT 255 " + text + '\n' and "KTAP " + text + '\n' fit in a line */
#define OUT_TEXT_MAX	(HPC_PROTO_MAX_LINE - 16)
#define KTAP_TEXT_MAX	(HPC_PROTO_MAX_LINE - 6)
#define STEP_PATH	"PATH=/bin:/sbin:/usr/bin:/usr/sbin"
/* The guest event FIFO: programs of steps write `NAME [TEXT]` lines to it. */
#define EVENTS_DIR	"/run/hpc"
#define EVENTS_PATH	EVENTS_DIR "/events"
#define EVENTS_MODE	0622
#define EVENTS_LINE_MAX	1024			/* longer lines are dropped */
#define EVENTS_RATE	100			/* forwarded events per second */
#define EVENTS_BURST	200
#define EVENTS_NOTES	10			/* dropped lines reported one by one */
#define KIN_SYNC_NS	(NS_PER_SEC)		/* BYE waits this long for the log */
#define KIN_DRAIN	5000	/* kernel log reads before a step: the backlog */
#define REPORT_MAX	512	/* text of one of the agent's own reports */
#define EXCERPT_MAX	80	/* start of a refused line quoted in a report */
/* Reads of one source per turn of the loop; all: when a process ended. */
#define READS_TURN	16
#define READS_ALL	64

enum plan_state {
	PLAN_NONE,		/* waiting for PLAN */
	PLAN_RECEIVING,		/* PLAN seen, waiting for S lines and GO */
	PLAN_RUNNING,		/* GO seen, running steps */
	PLAN_DRAINING,		/* steps done, collecting bg steps */
};

struct step {
	int present;
	int kind;
	unsigned int timeout_s;
	char name[HPC_PROTO_MAX_NAME + 1];
	char *payload;
	size_t payload_len;
};

/* The process of a run/check/bg step; procs[i] belongs to steps[i]. */
struct proc {
	int spawned;
	pid_t pid;
	int exited;
	int wstatus;
	int timed_out;
	int done;		/* finished, output and KTAP forwarded */
	int claimed;		/* a reap step took this bg step */
	int pipe_fd;
	struct hpc_linebuf out;
	uint64_t deadline;	/* 0: none */
	uint64_t killed_at;	/* 0: not killed */
	unsigned long seen;	/* output lines seen */
	unsigned long dropped;	/* lines lost to the rate limit/queue */
	struct hpc_status result;
};

struct event {
	char name[HPC_PROTO_MAX_NAME + 1];
	unsigned int count;
};

/* A token bucket: rate per second, at most burst, in thousandths. */
struct bucket {
	uint64_t tokens;
	uint64_t ns;
	unsigned int rate;
	unsigned int burst;
};

struct agent {
	/* options */
	const char *port_path;
	int port_fd_opt;
	int poweroff;
	int keep;			/* hpc.keep=1: no power-off; a shell on its port */
	const char *kmsg_path;
	const char *kin_path;		/* kernel log to forward */
	const char *cmdline_path;
	const char *workdir;
	const char *events_opt;
	int pid1;

	/* host channel */
	int port;
	int virtio;
	uint64_t hup_since;
	int host_gone;
	struct hpc_linebuf in;
	char *oq;
	size_t oq_start, oq_end;
	int kmsg;
	int sigfd;

	/* the kernel log, read and forwarded */
	int kin;
	uint64_t kin_next;		/* next record sequence number */
	uint64_t kin_lost;		/* lost, not reported yet */
	char kin_sync[160];		/* marker kin_sync() waits for */
	int kin_synced;

	/* from the kernel command line */
	char run_id[HPC_PROTO_MAX_NAME + 1];
	char seed[32];
	char *cmd_env[MAX_CMDLINE_ENV];
	int n_cmd_env;

	/* the plan */
	enum plan_state state;
	int plan_n;
	int plan_recv;
	struct step steps[HPC_MAX_STEPS];
	struct proc procs[HPC_MAX_STEPS];
	int cur;
	int cur_started;
	uint64_t cur_start_ns;
	uint64_t cur_deadline;
	struct proc *cur_target;	/* reap */
	uint64_t drain_deadline;
	int bye_code;

	/* host events not yet consumed by a wait step */
	struct event ev[MAX_EVENTS];
	int n_ev;

	/* OUT rate limit */
	struct bucket out_rate;

	/* guest event FIFO ($HPC_EVENTS), open read-write; -1: none */
	int ev_fd;
	char ev_path[300];
	struct hpc_linebuf ev_in;
	struct bucket ev_rate;
	unsigned long ev_forwarded;
	unsigned long ev_malformed;	/* dropped: too long, bad name, ... */
	unsigned long ev_over_rate;	/* dropped: over EVENTS_RATE */
	unsigned long ev_noted;		/* drops reported one by one */

	uint64_t next_ping;
};

extern struct agent A;

/* channel.c */
void agent_init_state(void);
void mark_host_gone(void);
void oq_flush(int wait_ms);
struct hpc_msg *msg_begin(enum hpc_msg_type type);
void msg_text(struct hpc_msg *m, const char *text, size_t len);
int msg_send(int ctl);
int send_text(int ctl, enum hpc_msg_type type, int idx, const char *text,
	      size_t len);
void send_event(const char *name, size_t nlen, const char *text,
		size_t tlen);
void kmsg_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void report(const char *ev, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void fatal(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));
void agent_exit(int code) __attribute__((noreturn));
void printable(char *dst, size_t cap, const char *src, size_t n);
void bucket_init(struct bucket *b, unsigned int rate, unsigned int burst);
int bucket_take(struct bucket *b);
void port_read(void);

/* channel.c: /dev/NAME of the virtio-serial port called want; -1: none */
int find_virtio_port(const char *want, char *dev, size_t cap);

/* shell.c: the guest kept alive (hpc.keep=1) after its plan: never returns */
void shell_keep(void) __attribute__((noreturn));

/* plan.c */
const char *agent_host_cmd(const char *line, size_t len, int cut);
void agent_host_line(const char *line, size_t len, int cut);
void advance(uint64_t now);
void start_drain(void);

/* stack.c: STACK lines for the tasks of process group pgid (0: none), sysrq w and l */
void stack_evidence(int idx, pid_t pgid);

/* proc.c */
void kill_proc(struct proc *p, uint64_t now);
void kill_all_procs(void);
int spawn(int idx);
void proc_read(struct proc *p, int all);
void reap_children(void);
void check_procs(uint64_t now);
int all_procs_done(void);

/* events.c */
void ev_add(const char *name, size_t len);
int ev_take(const char *name);
void events_setup(void);
void events_read(int rounds);
void events_summary(void);

/* kmsg.c */
void kin_read(int rounds);
void kin_sync(void);

#endif
