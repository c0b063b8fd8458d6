// SPDX-License-Identifier: GPL-2.0
/* hpc-mirror: the command line (see mirror.h). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>


#include "mirror.h"

struct mirror_cfg cfg = { .threads = 1, .seed = 1, .prefix = "mirror" };

const char *const op_names[OP__COUNT] = {
	[OP_READ] = "read", [OP_WRITE] = "write", [OP_SNAPSHOT] = "snapshot",
	[OP_VALIDATE] = "validate", [OP_MIGRATE] = "migrate",
	[OP_MUNMAP] = "munmap", [OP_MPROTECT] = "mprotect", [OP_FORK] = "fork",
};

const char *const mem_names[] = {
	[MEM_ANON] = "anon", [MEM_DEVDAX] = "devdax", [MEM_NODE] = "node",
	[MEM_PROVIDER] = "provider",
};

/* ------------------------------------------------------------------ */
/* arguments                                                           */

void usage(void)
{
	printf(
"usage: hpc-mirror [--mem KIND] [--migrate ID[,ID...]] [--size SIZE] [--threads N]\n"
"                  [--owner O] [--peer-owner O [--peer-migrate ID[,ID...]]]\n"
"                  [--duration TIME | --iterations N] [--seed N] [--ops LIST]\n"
"                  [--verify] [--expect-loss] [--event-prefix P]\n"
"                  [--fiu NAME[:PROB]]... [--inject-corruption]\n"
"Drives the hpchaos module's mirror (/dev/hpchaos) over memory of one kind\n"
"with a seeded mix of operations, checking the data.\n"
"  --mem anon           anonymous memory (default)\n"
"  --mem devdax:/dev/daxX.Y  a MAP_SHARED mapping of a device-dax device\n"
"                       (size from sysfs, aligned to the device's align)\n"
"  --mem node:N         anonymous memory bound to NUMA node N (mbind)\n"
"  --mem provider:ID    the memory of PCI BAR provider ID (mmap of\n"
"                       /dev/hpchaos at HPC_MMAP_OFFSET(ID))\n"
"  --migrate ID[,ID...] the migrate op moves pages to device-private\n"
"                       provider ID (one of the list) and back (anon or\n"
"                       node memory)\n"
"  --owner O            the owner of the mirror's device (1-7, default 1):\n"
"                       another owner's device pages are migrated to RAM\n"
"                       when it faults them\n"
"  --peer-owner O       a second mirror (another device, owner O) on the same\n"
"                       memory: each read, snapshot, validate and migrate\n"
"                       goes through one of the two at random\n"
"  --peer-migrate ID[,ID...]  the providers the peer migrates into\n"
"  --size SIZE          bytes, or with K, M, G suffix (default 16M; devdax\n"
"                       and provider: the whole device)\n"
"  --threads N          worker threads, each on its own pages (1-%d, default 1)\n"
"  --duration TIME      run for TIME (s, ms, m; plain = s)\n"
"  --iterations N       or N operations per thread (default %d)\n"
"  --seed N             pattern and operation seed (default $HPC_SEED, else 1)\n"
"  --ops LIST           comma-separated mix of read, write, snapshot,\n"
"                       validate, migrate, munmap, mprotect, fork; a name\n"
"                       given twice is chosen twice as often (default: all\n"
"                       but migrate, plus migrate with --migrate)\n"
"  --verify             check every byte (else 3 words a page), and verify\n"
"                       all memory at the end\n"
"  --expect-loss        -ENODEV/-EIO from the mirror (and -EFAULT on devdax or\n"
"                       provider memory) and SIGBUS on device\n"
"                       memory end the loop as outcome=reset, not an error\n"
"  --event-prefix P     phase events P-started, P-loop, P-reset, P-hwpoison,\n"
"                       P-done to\n"
"                       $HPC_EVENTS (default prefix: mirror)\n"
"  --inject-corruption  flip one bit before the final verification (with\n"
"                       --verify; to test that corruption gets reported)\n"
"  --fiu NAME[:PROB]    enable libfiu point NAME (hpc-mirror/mmap, ioctl,\n"
"                       alloc, open, or hpc-mirror/*), always or with\n"
"                       probability PROB (0 < PROB <= 1); repeatable\n"
"KTAP goes to $HPC_KTAP if set, else stdout.\n"
"exit: 0 ok, 1 runtime error, 2 bad usage, 3 corruption, 4 skipped\n",
	       MAX_THREADS, DEFAULT_ITERS);
}

static void parse_mem(const char *s)
{
	if (strnlen(s, MAX_ARG) >= MAX_ARG)
		usage_error("--mem: argument too long");
	if (strcmp(s, "anon") == 0) {
		cfg.mem = MEM_ANON;
	} else if (strncmp(s, "node:", 5) == 0) {
		cfg.mem = MEM_NODE;
		cfg.node = (unsigned int)hpcg_opt_u64("--mem node:N", s + 5, 0,
						   MAX_NODE);
	} else if (strncmp(s, "provider:", 9) == 0) {
		cfg.mem = MEM_PROVIDER;
		cfg.provider = (uint32_t)hpcg_opt_u64("--mem provider:ID", s + 9, 1,
						   HPC_MAX_PROVIDERS - 1);
	} else if (strncmp(s, "devdax:", 7) == 0) {
		const char *path = s + 7, *name = path + 5, *q = path + 8;
		size_t d1, d2;

		/* /dev/daxX.Y, nothing else */
		d1 = strncmp(path, "/dev/dax", 8) ? 0 : strspn(q, "0123456789");
		d2 = d1 && q[d1] == '.' ? strspn(q + d1 + 1, "0123456789") : 0;
		if (!d1 || !d2 || q[d1 + 1 + d2] || d1 + d2 > 20)
			usage_error("--mem devdax: expected /dev/daxX.Y, not '%.64s'",
				    path);
		cfg.mem = MEM_DEVDAX;
		snprintf(cfg.dax_path, sizeof(cfg.dax_path), "%s", path);
		snprintf(cfg.dax_name, sizeof(cfg.dax_name), "%s", name);
	} else {
		usage_error("--mem: unknown kind '%.64s' (anon, devdax:/dev/daxX.Y, node:N, provider:ID)",
			    s);
	}
}

static void parse_ops(const char *s)
{
	char list[MAX_ARG], *save = NULL, *tok;

	if (strnlen(s, MAX_ARG) >= MAX_ARG)
		usage_error("--ops: list too long");
	snprintf(list, sizeof(list), "%s", s);
	cfg.nops = 0;
	cfg.op_mask = 0;
	for (tok = strtok_r(list, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		int k;

		for (k = 0; k < OP__COUNT; k++)
			if (strcmp(tok, op_names[k]) == 0)
				break;
		if (k == OP__COUNT)
			usage_error("--ops: unknown op '%.32s' (read, write, snapshot, validate, migrate, munmap, mprotect, fork)",
				    tok);
		if (cfg.nops == MAX_OPS_LIST)
			usage_error("--ops: more than %d entries", MAX_OPS_LIST);
		cfg.ops[cfg.nops++] = (enum op)k;
		cfg.op_mask |= 1U << k;
	}
	if (!cfg.nops)
		usage_error("--ops: empty list");
}

static void parse_fiu(const char *s)
{
	static const char *const points[] = {
		FIU_MMAP, FIU_IOCTL, FIU_ALLOC, FIU_OPEN, "hpc-mirror/*",
	};
	const char *colon = strchr(s, ':');
	size_t nlen = colon ? (size_t)(colon - s) : strnlen(s, MAX_ARG);
	struct fiu_spec *f;
	size_t i;

	if (cfg.nfiu == MAX_FIU)
		usage_error("--fiu: at most %d points", MAX_FIU);
	f = &cfg.fiu[cfg.nfiu];
	for (i = 0; i < sizeof(points) / sizeof(points[0]); i++)
		if (strlen(points[i]) == nlen && !strncmp(points[i], s, nlen))
			f->name = points[i];
	if (!f->name)
		usage_error("--fiu: unknown point '%.*s' (hpc-mirror/mmap, hpc-mirror/ioctl, hpc-mirror/alloc, hpc-mirror/open, hpc-mirror/*)",
			    (int)(nlen > 64 ? 64 : nlen), s);
	f->prob = 0;
	if (colon) {
		char buf[24], *end;
		size_t plen = strnlen(colon + 1, sizeof(buf));

		if (plen == 0 || plen >= sizeof(buf))
			usage_error("--fiu %s: bad probability", f->name);
		memcpy(buf, colon + 1, plen + 1);
		if (!(buf[0] >= '0' && buf[0] <= '9') && buf[0] != '.')
			usage_error("--fiu %s: bad probability '%s' (0 < PROB <= 1)",
				    f->name, buf);
		errno = 0;
		f->prob = strtod(buf, &end);
		if (errno || *end || !(f->prob > 0) || f->prob > 1)
			usage_error("--fiu %s: bad probability '%s' (0 < PROB <= 1)",
				    f->name, buf);
	}
	cfg.nfiu++;
}

/* A comma list of 1..MAX_MIGRATE provider ids into ids; how many. */
static unsigned int parse_ids(const char *opt, const char *arg, uint32_t *ids)
{
	char buf[64], *save = NULL, *tok;
	unsigned int n = 0;

	if (strnlen(arg, sizeof(buf)) >= sizeof(buf))
		usage_error("%s: too long", opt);
	snprintf(buf, sizeof(buf), "%s", arg);
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (n == MAX_MIGRATE)
			usage_error("%s: at most %d providers", opt, MAX_MIGRATE);
		ids[n++] = (uint32_t)hpcg_opt_u64(opt, tok, 1,
						  HPC_MAX_PROVIDERS - 1);
	}
	if (!n)
		usage_error("%s: expected ID[,ID...]", opt);
	return n;
}

/* Options that take a number, a size or a time (or set a flag): 1 if c is one. */
static int parse_value(int c, const char *arg)
{
	switch (c) {
	case 'M':
		cfg.nmig = parse_ids("--migrate", arg, cfg.mig);
		cfg.migrate = cfg.mig[0];
		return 1;
	case 'P':
		cfg.npeer_mig = parse_ids("--peer-migrate", arg, cfg.peer_mig);
		return 1;
	case 'O':
		cfg.owner = (uint32_t)hpcg_opt_u64("--owner", arg, 1,
						   HPC_MAX_OWNERS - 1);
		return 1;
	case 'W':
		cfg.peer_owner = (uint32_t)hpcg_opt_u64("--peer-owner", arg, 1,
							HPC_MAX_OWNERS - 1);
		return 1;
	case 's':
		cfg.size = hpcg_opt_size("--size", arg);
		return 1;
	case 't':
		cfg.threads = (unsigned int)hpcg_opt_u64("--threads", arg, 1,
						      MAX_THREADS);
		return 1;
	case 'd':
		cfg.duration_ns = hpcg_opt_duration("--duration", arg);
		return 1;
	case 'i':
		cfg.iterations = hpcg_opt_u64("--iterations", arg, 1, 1000000000ULL);
		return 1;
	case 'S':
		cfg.seed = hpcg_opt_u64("--seed", arg, 0, UINT64_MAX);
		return 1;
	case 'v':
		cfg.verify = 1;
		return 1;
	case 'l':
		cfg.expect_loss = 1;
		return 1;
	case 'I':
		cfg.inject = 1;
		return 1;
	default:
		return 0;
	}
}

/* One option of getopt_long() (c, with optarg); *ops_given when --ops. */
static void parse_option(int c, char **argv, int *ops_given)
{
	if (parse_value(c, optarg))
		return;
	switch (c) {
	case 'm':
		parse_mem(optarg);
		break;
	case 'o':
		parse_ops(optarg);
		*ops_given = 1;
		break;
	case 'e':
		if (strnlen(optarg, 64) > HPC_PROTO_MAX_NAME - 8 ||
		    !hpc_proto_name_ok(optarg, strnlen(optarg, 64)))
			usage_error("--event-prefix: expected 1-%d of [A-Za-z0-9_.:+-], not '%.64s'",
				    HPC_PROTO_MAX_NAME - 8, optarg);
		snprintf(cfg.prefix, sizeof(cfg.prefix), "%s", optarg);
		break;
	case 'f':
		parse_fiu(optarg);
		break;
	case 'h':
		usage();
		exit(EXIT_OK);
	default:
		if (optopt)
			usage_error("option '%.64s' needs a value",
				    argv[optind - 1]);
		usage_error("unknown option '%.64s'", argv[optind - 1]);
	}
}

/* The options together: exclusions, defaults, the operation mix. */
static void check_args(int ops_given)
{
	if (cfg.inject && !cfg.verify)
		usage_error("--inject-corruption: needs --verify (the final verification finds it)");
	if (cfg.duration_ns && cfg.iterations)
		usage_error("--duration and --iterations exclude each other");
	if (!cfg.duration_ns && !cfg.iterations)
		cfg.iterations = DEFAULT_ITERS;
	if (cfg.migrate && cfg.mem != MEM_ANON && cfg.mem != MEM_NODE)
		usage_error("--migrate: needs --mem anon or node:N (device-private migration moves anonymous pages)");
	if (!ops_given) {
		static const enum op dflt[] = {
			OP_READ, OP_WRITE, OP_SNAPSHOT, OP_VALIDATE, OP_MUNMAP,
			OP_MPROTECT, OP_FORK,
		};

		for (size_t i = 0; i < sizeof(dflt) / sizeof(dflt[0]); i++) {
			cfg.ops[cfg.nops++] = dflt[i];
			cfg.op_mask |= 1U << dflt[i];
		}
		if (cfg.migrate) {
			cfg.ops[cfg.nops++] = OP_MIGRATE;
			cfg.op_mask |= 1U << OP_MIGRATE;
		}
	} else if ((cfg.op_mask & (1U << OP_MIGRATE)) && !cfg.migrate) {
		usage_error("--ops: migrate needs --migrate ID (a device-private provider)");
	} else if (!(cfg.op_mask & (1U << OP_MIGRATE)) && cfg.migrate) {
		usage_error("--migrate: --ops does not include migrate");
	}
	if (cfg.npeer_mig && !cfg.peer_owner)
		usage_error("--peer-migrate: needs --peer-owner (the peer device)");
	if (cfg.npeer_mig && !(cfg.op_mask & (1U << OP_MIGRATE)))
		usage_error("--peer-migrate: --ops does not include migrate");
}

void parse_args(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "mem", required_argument, NULL, 'm' },
		{ "migrate", required_argument, NULL, 'M' },
		{ "peer-migrate", required_argument, NULL, 'P' },
		{ "owner", required_argument, NULL, 'O' },
		{ "peer-owner", required_argument, NULL, 'W' },
		{ "size", required_argument, NULL, 's' },
		{ "threads", required_argument, NULL, 't' },
		{ "duration", required_argument, NULL, 'd' },
		{ "iterations", required_argument, NULL, 'i' },
		{ "seed", required_argument, NULL, 'S' },
		{ "ops", required_argument, NULL, 'o' },
		{ "verify", no_argument, NULL, 'v' },
		{ "expect-loss", no_argument, NULL, 'l' },
		{ "inject-corruption", no_argument, NULL, 'I' },
		{ "event-prefix", required_argument, NULL, 'e' },
		{ "fiu", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *env_seed = getenv("HPC_SEED");
	int c, ops_given = 0;
	uint64_t v;

	if (env_seed && hpc_parse_u64(env_seed, strnlen(env_seed, 32),
				       UINT64_MAX, &v) == 0)
		cfg.seed = v;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1)
		parse_option(c, argv, &ops_given);
	if (optind != argc)
		usage_error("unexpected argument '%.64s'", argv[optind]);
	check_args(ops_given);
}

