// SPDX-License-Identifier: GPL-2.0
/*
 * hpc-conductor: runs one scenario on one guest and judges it.
 *
 * It listens on three unix sockets in the run directory (console, agent,
 * QMP), spawns the guest command the backend wrote (QEMU connects to the
 * sockets as a client), sends the scenario's steps to the guest agent, fires
 * host actions when their trigger events arrive (a guest event only when the
 * scenario lets the guest send it), records one timeline and writes
 * verdict.json. The guest is always killed and reaped before exit. The
 * verdict itself is lib/verdict.c's hpc_judge(), from what the run saw;
 * verdict.json is made and written by lib/verdict.c too.
 *
 * Host actions fire at their planned times (the poll timeout is the time to
 * the next one); their drawn delays come from the seed (lib/scenario_sched.c), and
 * verdict.json records the schedule that ran. Outcome events ("outcome
 * reset|revoke") decide PASS, RESET or FAIL of an otherwise fine run, by
 * the scenario's expect line.
 *
 * Usage: hpc-conductor --scenario FILE --dir RUNDIR --guest-argv FILE
 *                      [--run-id ID] [--seed N] [--kconfig FILE]
 *                      [--modules FILE] [--qemu-commands FILE]
 *                      [--heartbeat S] [--report-grace S]
 *                      [--timeline-max BYTES] [--keep never|fail|always]
 *        hpc-conductor --scenario FILE --seed N --print-schedule
 *        hpc-conductor --scenario FILE --seed N --check-schedule VERDICT
 * Exit: 0 PASS/RESET/XFAIL/SKIP, 1 FAIL, 3 ERROR, 2 usage, 130 interrupted.
 * --check-schedule: 0 the recorded delays are those the seed gives, 1 not
 * (or none recorded), 2 unreadable.
 *
 * This file: the command line, set-up and one run from start to exit
 * status; conductor.h lists the other units.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conductor.h"

#define SCENARIO_MAX_ERRORS	20
#define HEARTBEAT_MIN_S		5
#define EXIT_FAIL		1
#define EXIT_USAGE		2
#define EXIT_ERROR		3
#define EXIT_INTERRUPTED	130

static void usage(FILE *f)
{
	fputs("usage: hpc-conductor --scenario FILE --dir RUNDIR --guest-argv FILE\n"
	      "                     [--run-id ID] [--seed N] [--kconfig FILE]\n"
	      "                     [--modules FILE] [--qemu-commands FILE]\n"
	      "                     [--heartbeat SECONDS] [--report-grace SECONDS]\n"
	      "                     [--timeline-max BYTES] [--keep never|fail|always]\n"
	      "       hpc-conductor --scenario FILE --seed N --print-schedule\n"
	      "       hpc-conductor --scenario FILE --seed N --check-schedule VERDICT_JSON\n", f);
}

/* Seeds are 0..INT64_MAX: verdict.json keeps them as JSON integers. */
static int parse_seed(const char *v, unsigned long long *out)
{
	char *end;
	unsigned long long x;

	errno = 0;
	if (!isdigit((unsigned char)v[0]))
		return -1;
	x = strtoull(v, &end, 10);
	if (errno || *end || x > (unsigned long long)INT64_MAX)
		return -1;
	*out = x;
	return 0;
}

static int parse_timeline_max(const char *v, long *out)
{
	unsigned long long b;

	if (hpc_size_parse(v, &b, NULL) < 0 || b < TIMELINE_MIN_BYTES ||
	    b > (unsigned long long)LONG_MAX / 2)
		return -1;
	*out = (long)b;
	return 0;
}

static const struct option long_opts[] = {
	HPC_OPT_ARG("scenario", 's'), HPC_OPT_ARG("dir", 'd'), HPC_OPT_ARG("guest-argv", 'g'),
	HPC_OPT_ARG("run-id", 'r'), HPC_OPT_ARG("seed", 'S'), HPC_OPT_ARG("kconfig", 'k'),
	HPC_OPT_ARG("modules", 'm'), HPC_OPT_ARG("heartbeat", 'H'),
	HPC_OPT_ARG("report-grace", 'G'), HPC_OPT_ARG("timeline-max", 'T'),
	HPC_OPT_ARG("keep", 'K'), HPC_OPT_ARG("qemu-commands", 'Q'),
	HPC_OPT_FLAG("print-schedule", 'P'), HPC_OPT_ARG("check-schedule", 'C'),
	HPC_OPT_FLAG("help", 'h'), HPC_OPT_END
};

/* One option into o: 0, or the exit status (usage, help). */
static int take_opt(struct cond_opts *o, int opt, const char *arg)
{
	switch (opt) {
	case 's': o->scenario_file = arg; break;
	case 'd': o->dir = arg; break;
	case 'g': o->argv_file = arg; break;
	case 'r': o->run_id = arg; break;
	case 'P': o->print_schedule = 1; break;
	case 'C': o->check_file = arg; break;
	case 'k': o->kconfig = arg; break;
	case 'm': o->modules = arg; break;
	case 'Q': o->qemu_commands = arg; break;
	case 'H': o->heartbeat_s = (unsigned int)atoi(arg); break;
	case 'G': o->report_grace_s = (unsigned int)atoi(arg); break;
	case 'S':
		if (parse_seed(arg, &o->seed) < 0) {
			fprintf(stderr, "hpc-conductor: --seed: expected a number from 0 to %lld, got '%.40s'\n",
				(long long)INT64_MAX, arg);
			return EXIT_USAGE;
		}
		o->seed_given = 1;
		break;
	case 'T':
		if (parse_timeline_max(arg, &o->timeline_max) < 0) {
			fprintf(stderr, "hpc-conductor: --timeline-max: expected a size of %ldK or more, got '%.40s'\n",
				TIMELINE_MIN_BYTES >> 10, arg);
			return EXIT_USAGE;
		}
		break;
	case 'K':
		o->keep = keep_parse(arg);
		if (o->keep < 0) {
			fprintf(stderr, "hpc-conductor: --keep: expected never, fail or always, got '%.40s'\n",
				arg);
			return EXIT_USAGE;
		}
		break;
	case 'h':
		usage(stdout);
		return -1;
	default:
		usage(stderr);
		return EXIT_USAGE;
	}
	return 0;
}

/*
 * The command line into c->opt: 0 to go on, else the exit status (-1 for
 * 0 after --help).
 */
static int parse_args(struct conductor *c, int argc, char **argv)
{
	struct cond_opts *o = &c->opt;
	int opt, r;

	o->run_id = "";
	o->heartbeat_s = 60;
	o->report_grace_s = 15;
	o->timeline_max = TIMELINE_MAX_BYTES;
	while ((opt = getopt_long(argc, argv, "h", long_opts, NULL)) != -1)
		if ((r = take_opt(o, opt, optarg)))
			return r;
	if (o->print_schedule || o->check_file) {
		if (!o->scenario_file || !o->seed_given || optind != argc || o->dir)
			goto usage;
	} else if (!o->scenario_file || !o->dir || !o->argv_file || optind != argc ||
		   o->heartbeat_s < HEARTBEAT_MIN_S) {
		goto usage;
	}
	if (hpc_scenario_load(o->scenario_file, &c->scn, stderr, SCENARIO_MAX_ERRORS) < 0)
		return EXIT_USAGE;
	c->s = &c->scn;
	return 0;
usage:
	usage(stderr);
	return EXIT_USAGE;
}

/* --print-schedule, --check-schedule: the exit status. */
static int schedule_mode(const struct conductor *c)
{
	if (c->opt.print_schedule)
		print_schedule(c);
	return c->opt.check_file ? check_schedule(c, c->opt.check_file) : 0;
}

static void setup(struct conductor *c)
{
	c->g.ktap_lines = json_object_new_array();
	c->triage = hpc_triage_new();
	c->kmerge = c->triage ? hpc_kmerge_new(c->triage) : NULL;
	if (!c->g.ktap_lines || !c->kmerge)
		fatal("out of memory");
	for (int i = 0; i < SOCK__COUNT; i++)
		c->fd[i] = c->lfd[i] = -1;
	c->sigfd = -1;
}

/* A requirement the kernel or QEMU lacks: SKIP, with the reason. 1 if so. */
static int skipped(struct conductor *c)
{
	struct hpc_decision vd = { 0 };
	char reason[512];
	struct hpc_judge_in in = { .s = c->s, .skip_reason = reason };

	/* the QEMU first: without its command no kernel can run the scenario */
	if (!hpc_scenario_check_qemu(c->s, c->opt.qemu_commands, reason, sizeof(reason)) &&
	    !hpc_scenario_check_reqs(c->s, c->opt.kconfig, c->opt.modules,
				     reason, sizeof(reason)))
		return 0;
	hpc_judge(&in, &vd);
	write_verdict(c, &vd);
	return 1;
}

/* Start the guest, follow it until the run stops: 1 if it connected. */
static int run_guest(struct conductor *c)
{
	char **guest_argv = read_argv(c->opt.argv_file);
	int connected = 0;

	/* Work inside the run directory: short socket paths, relative files. */
	if (chdir(c->opt.dir) < 0)
		fatal("cannot enter %s: %s", c->opt.dir, strerror(errno));
	c->opt.dir = ".";
	listen_all(c);
	tl_host(c, "start", "scenario %s, seed %llu, run %s", c->s->name,
		c->opt.seed, c->opt.run_id);
	if (!c->stop) {
		spawn_guest(c, guest_argv);
		connected = accept_all(c) == 0;
	}
	free(guest_argv[0]);
	free(guest_argv);
	unlisten_all(c);
	if (connected) {
		hpc_qmp_init(&c->qmp, c->fd[SOCK_QMP], c->files.qmp, now_cb);
		c->qmp.on_msg = on_qmp;
		c->qmp.ctx = c;
		loop(c);
	}
	return connected;
}

/*
 * Judge, write verdict.json and ktap.txt: the exit status. With --keep a
 * guest still running after its plan is judged as it is and, when the
 * verdict asks for it, kept (keep.c) before it is stopped.
 */
static int finish(struct conductor *c, int connected)
{
	struct hpc_decision vd = { 0 };
	int keep = c->opt.keep != KEEP_NEVER && connected && c->g.bye &&
		   !c->interrupted;

	reap_guest(c, 0);
	/* judged as it was now: a guest the conductor stops is not one that ended */
	c->exited_at_stop = c->guest_exited;
	if (!keep || c->guest_exited)
		kill_guest(c);
	hpc_kmerge_finish(c->kmerge);
	hpc_triage_finish(c->triage);
	judge(c, &vd, connected);
	tl_host(c, "verdict", "%s%s%s%s%s", hpc_verdict_name(vd.v), vd.cls ? " " : "",
		hpc_class_name(vd.cls), vd.title[0] ? ": " : "", vd.title);
	write_verdict(c, &vd);
	write_ktap(c);
	if (keep && !c->guest_exited && keep_wanted(c, &vd))
		keep_guest(c, &vd);
	kill_guest(c);
	if (c->interrupted)
		return EXIT_INTERRUPTED;
	switch (vd.v) {
	case HPC_V_FAIL:
		return EXIT_FAIL;
	case HPC_V_ERROR:
		return EXIT_ERROR;
	default:
		return 0;
	}
}

static int conduct(struct conductor *c, int argc, char **argv)
{
	int r = parse_args(c, argc, argv);

	if (r)
		return r < 0 ? 0 : r;
	if (c->opt.print_schedule || c->opt.check_file)
		return schedule_mode(c);
	setup(c);
	if (skipped(c))
		return 0;
	open_run_files(c);
	if (hpc_linebuf_init(&c->console_lb, CONSOLE_MAX_LINE) < 0 ||
	    hpc_linebuf_init(&c->agent_lb, HPC_PROTO_MAX_LINE - 1) < 0)
		fatal("out of memory");
	setup_signals(c);
	return finish(c, run_guest(c));
}

int main(int argc, char **argv)
{
	struct conductor *c = calloc(1, sizeof(*c));
	int r;

	if (!c)
		fatal("out of memory");
	clock_gettime(CLOCK_MONOTONIC, &c->t0);
	r = conduct(c, argc, argv);
	/* the files, sockets and guest die with the process; the rest goes here */
	json_object_put(c->g.ktap_lines);
	hpc_kmerge_free(c->kmerge);
	hpc_triage_free(c->triage);
	hpc_linebuf_free(&c->console_lb);
	hpc_linebuf_free(&c->agent_lb);
	hpc_qmp_free(&c->qmp);
	free(c);
	return r;
}
