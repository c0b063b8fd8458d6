/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hpc-conductor's units and the context they share (docs/internals.md).
 *
 *   main.c       the command line, set-up, one run from start to exit status
 *   loop.c       the poll loop, its timers and deadlines, signals
 *   process.c    the guest process and the three sockets it connects to
 *   guest.c      what the guest says: console lines, agent lines
 *   actions.c    host actions: events arm them, their timers fire them
 *   qmp_events.c what QMP says back: replies, DEVICE_DELETED, SHUTDOWN,
 *                the device_del waits
 *   timeline.c   timeline.jsonl, the run's files, stop()
 *   results.c    the verdict's input (lib/verdict.c judges), verdict.json,
 *                ktap.txt
 *   schedule.c   --print-schedule, --check-schedule (no guest)
 *   keep.c       --keep: a guest kept alive after its verdict (kept.json)
 *
 * Every function takes the one struct conductor of the run; there is no
 * other mutable state.
 */
#ifndef HPC_CONDUCTOR_H
#define HPC_CONDUCTOR_H

#include <stdio.h>
#include <sys/types.h>
#include <time.h>

#include <json-c/json.h>

#include "hpc/cli.h"
#include "hpc/kmsg.h"
#include "hpc/ktap.h"
#include "hpc/linebuf.h"
#include "hpc/proto.h"
#include "hpc/qmp.h"
#include "hpc/scenario.h"
#include "hpc/triage.h"
#include "hpc/verdict.h"

#define CONSOLE_MAX_LINE	4096
#define CONSOLE_MAX_BYTES	(64L << 20)	/* console.log and kmsg.log cap */
#define STEPS_LOG_MAX_BYTES	(16L << 20)	/* steps.log cap */
#define KTAP_MAX_BYTES		(8L << 20)	/* guest KTAP kept (ktap.txt, XFAIL) */
#define KTAP_MAX_LINES		100000
#define TIMELINE_MAX_BYTES	(128L << 20)	/* timeline.jsonl cap (default) */
#define TIMELINE_MIN_BYTES	(64L << 10)
#define CONNECT_TIMEOUT_S	30
#define POWEROFF_GRACE_S	30
#define BYE_EXIT_GRACE_S	2	/* guest gone this long after BYE: the run is over */
#define SCHED_RECORD		100	/* firings per action kept for verdict.json */
#define MAX_OUTCOMES		16	/* outcome events kept */
#define STUCK_TASKS		8	/* tasks of a timed-out step whose stacks are kept */
#define STUCK_FRAMES		32	/* frames of one */
#define STUCK_FRAME_LEN		160
#define AGENT_SILENT_S		5	/* no agent line for this long: it is not forwarding */
#define DEL_PROBE_S		0.25	/* device_del until=unplugged: qom-list period */
#define POLL_MAX_S		0.05	/* the loop checks its deadlines this often */

/* fatal(): a set-up error, exit status 2 (usage-like). */
#define fatal(...) hpc_die(2, "hpc-conductor: error: ", __VA_ARGS__)

enum sock_id { SOCK_CONSOLE, SOCK_AGENT, SOCK_QMP, SOCK__COUNT };

enum keep_mode { KEEP_NEVER, KEEP_FAIL, KEEP_ALWAYS };

/* The command line. */
struct cond_opts {
	const char *scenario_file, *dir, *argv_file, *check_file;
	const char *run_id, *kconfig, *modules;
	const char *qemu_commands;	/* its QMP commands, one a line */
	unsigned long long seed;
	int seed_given, print_schedule;
	unsigned int heartbeat_s;
	unsigned int report_grace_s;	/* stop this long after a kernel report */
	long timeline_max;		/* --timeline-max */
	int keep;			/* --keep: enum keep_mode */
};

/* The files of the run directory the conductor writes as it goes. */
struct cond_files {
	FILE *console, *timeline, *steps, *qmp, *kmsg;
	long console_bytes, steps_bytes, kmsg_bytes;
	long timeline_bytes;		/* up to opts.timeline_max */
	unsigned long timeline_dropped;	/* records not written */
};

struct firing {				/* one firing of a host action */
	unsigned int delay_ms;		/* drawn delay before it */
	double planned, real;		/* host clock, s since the start */
};

/*
 * A host action's schedule: armed by its trigger, then pending until its
 * next firing is due; a repeating action stays armed until its count.
 */
struct act_state {
	int armed, pending;
	char trigger[HPC_SCN_NAME];
	double trigger_t;		/* when the trigger happened */
	unsigned int k;			/* the next firing's number */
	unsigned int delay_ms;		/* its drawn delay */
	double due;			/* its planned time */
	unsigned int fired;		/* firings done */
	struct firing rec[SCHED_RECORD];
	int qmp_id;			/* QMP id awaiting a reply, 0: none */
};

struct del_wait {			/* device_del waiting for DEVICE_DELETED */
	double deadline;
	int active;
	/* until=unplugged: qom-list of /machine/peripheral every DEL_PROBE_S */
	double started, probe_at;
	int probe_id;			/* QMP id of the probe in flight, 0: none */
};

/* What the guest said (agent lines) and how the console went. */
struct guest_state {
	int hello, bye, bye_code;
	double hello_t;			/* when the agent said HELLO */
	double last_heard, bye_at;
	char release[HPC_PROTO_MAX_NAME + 1];
	struct hpc_step_result steps[HPC_SCN_MAX_STEPS];
	struct json_object *ktap_lines;	/* array of guest KTAP lines */
	unsigned char ktap_step[KTAP_MAX_LINES];	/* the step each came from */
	long ktap_bytes;		/* their size, up to KTAP_MAX_BYTES */
	unsigned long ktap_cut;		/* lines dropped */
	struct stuck_task {
		int pid;
		char state;
		int n;
		char frame[STUCK_FRAMES][STUCK_FRAME_LEN];
	} stuck[STUCK_TASKS];		/* STACK lines: the kernel stacks of */
	int nstuck;
	int stuck_step;			/* ... the tasks of this step + 1 (0: none) */
	struct hpc_outcome_event outcomes[MAX_OUTCOMES];
	int noutcomes;			/* kept */
	unsigned int outcomes_total;	/* received */
	size_t console_lines;
	char console_last[160];	/* the last console line, for a boot that stalled */
	double console_last_t;
	char shutdown_reason[64];	/* QMP SHUTDOWN's reason */
	struct hpc_msg msg;		/* the agent line being handled */
	struct hpc_kmsg rec;		/* the KMSG record being handled */
};

struct conductor {
	struct cond_opts opt;
	struct hpc_scenario scn;
	const struct hpc_scenario *s;	/* &scn once loaded */
	struct timespec t0;

	int lfd[SOCK__COUNT], fd[SOCK__COUNT];
	int sigfd;
	pid_t guest_pid;
	int guest_status, guest_exited;
	int exited_at_stop;		/* the guest had ended by itself when the run stopped */

	struct cond_files files;
	struct hpc_linebuf console_lb, agent_lb;
	struct hpc_triage *triage;
	struct hpc_kmerge *kmerge;	/* kernel records + console -> triage */
	struct hpc_qmp qmp;
	struct guest_state g;

	struct act_state act[HPC_SCN_MAX_ACTIONS];
	struct del_wait dels[HPC_SCN_MAX_ACTIONS];
	char action_error[512];
	int action_timeout;		/* index+1 of a device_del that timed out */

	double report_at;		/* when triage first had a primary report */
	int boot_bound;		/* stopped at the boot bound without HELLO */
	int interrupted;
	int stop;
	char why_stop[256];
};

/* timeline.c */
double now_s(const struct conductor *c);
double now_cb(void *ctx);		/* now_s() for lib/qmp.c's log */
struct json_object *tl_new(const struct conductor *c, const char *src);
void tl_emit(struct conductor *c, struct json_object *o);
void tl_host(struct conductor *c, const char *type, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void stop(struct conductor *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
FILE *open_private(const char *path);
void open_run_files(struct conductor *c);
void log_capped(FILE *f, long *bytes, long cap, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
struct json_object *j_ms(double seconds);
struct json_object *j_s(double seconds);

/* process.c */
void listen_all(struct conductor *c);
void unlisten_all(struct conductor *c);
char **read_argv(const char *file);
void spawn_guest(struct conductor *c, char **argv);
int accept_all(struct conductor *c);
void reap_guest(struct conductor *c, int block);
void kill_guest(struct conductor *c);
void qemu_stderr_tail(const struct conductor *c, char *buf, size_t cap);

/* loop.c */
void setup_signals(struct conductor *c);
void handle_signals(struct conductor *c);
void loop(struct conductor *c);

/* guest.c */
void on_console_line(void *ctx, const char *line, size_t len, unsigned int flags);
void on_agent_line(void *ctx, const char *line, size_t len, unsigned int flags);
void send_guest(struct conductor *c, const char *line);

/* actions.c */
enum ev_from { EV_HOST, EV_GUEST };
const char *action_name(const struct hpc_action *a);
const char *action_target(const struct hpc_action *a);
void event(struct conductor *c, const char *name, enum ev_from from);
void host_event(struct conductor *c, const char *name);
int next_due(const struct conductor *c);
void run_due_actions(struct conductor *c);
void action_failed(struct conductor *c, int ai, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* qmp_events.c */
void start_del_wait(struct conductor *c, int ai);
void check_del_waits(struct conductor *c, double t);
void on_qmp(void *ctx, struct json_object *msg);

/* results.c */
void judge(struct conductor *c, struct hpc_decision *vd, int connected);
int write_verdict(struct conductor *c, const struct hpc_decision *vd);
void write_ktap(const struct conductor *c);

/* keep.c */
int keep_parse(const char *s);
int keep_wanted(const struct conductor *c, const struct hpc_decision *vd);
void keep_guest(struct conductor *c, const struct hpc_decision *vd);

/* schedule.c */
int print_schedule(const struct conductor *c);
int check_schedule(const struct conductor *c, const char *file);

#endif
