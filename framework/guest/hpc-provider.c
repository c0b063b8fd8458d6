// SPDX-License-Identifier: GPL-2.0
/*
 * hpc-provider: device-memory providers of the hpchaos module from a
 * scenario's guest steps (HPC_IOC_PROVIDER, see kmod/uapi/hpchaos.h).
 *
 *   hpc-provider add [--pages N] [--owner O]  add a device-private provider
 *                                       (owner O, default 1); prints its id
 *   hpc-provider list                   one line per provider
 *   hpc-provider info ID                its line
 *   hpc-provider revoke ID [--async] [--surprise] [--timeout-ms MS]
 *   hpc-provider wait ID [--timeout-ms MS]
 *   hpc-provider reown ID --owner O [--timeout-ms MS]
 *                                       re-register it under owner O (the
 *                                       whole pagemap revoked first)
 *   hpc-provider leak-check ID          revoked, and nothing left referenced?
 *
 * Exit: 0 done; 1 failed (LEAK and STUCK say so on stdout); 2 bad usage;
 * 3 the revocation overran its bound (-ETIMEDOUT); 4 skip: no module or
 * no such provider kind on this kernel.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "hpc/opts.h"
#include "hpc/parse.h"
#include "hpchaos.h"
#include "lib/hpcg.h"

#define EXIT_FAILED	1
#define EXIT_USAGE	HPCG_EXIT_USAGE
#define EXIT_STUCK	3
#define EXIT_SKIP	4
#define MAX_PAGES	(1ULL << 24)	/* --pages */
#define MAX_TIMEOUT_MS	3600000ULL	/* --timeout-ms: an hour */
/* The long options (hpc/opts.h). */
#define OPTS	"pages=p owner=o async!a surprise!s timeout-ms=t help!h"

static const char *const state_names[] = {
	[HPC_PSTATE_NONE] = "none", [HPC_PSTATE_LIVE] = "live",
	[HPC_PSTATE_REVOKING] = "revoking", [HPC_PSTATE_STUCK] = "stuck",
	[HPC_PSTATE_GONE] = "gone",
};

static const char *state_name(uint32_t s)
{
	return s < sizeof(state_names) / sizeof(state_names[0]) && state_names[s] ?
	       state_names[s] : "?";
}

static const char *kind_name(uint32_t k)
{
	return k == HPC_PKIND_DEVICE_PRIVATE ? "device-private" :
	       k == HPC_PKIND_PCI_BAR ? "pci-bar" : "none";
}

static void usage(FILE *f)
{
	fputs("usage: hpc-provider add [--pages N] [--owner O]\n"
	      "       hpc-provider list\n"
	      "       hpc-provider info ID\n"
	      "       hpc-provider revoke ID [--async] [--surprise] [--timeout-ms MS]\n"
	      "       hpc-provider wait ID [--timeout-ms MS]\n"
	      "       hpc-provider reown ID --owner O [--timeout-ms MS]\n"
	      "       hpc-provider leak-check ID\n"
	      "exit: 0 done, 1 failed, 2 usage, 3 revocation stuck past its bound, 4 skip\n", f);
}

/* A whole decimal number 0..max (strtoull's syntax, but no '-'). */
static int parse_u64(const char *s, uint64_t max, uint64_t *v)
{
	long long n;

	if (!s || *s == '-' || hpc_parse_ll(s, 10, 0, (long long)max, &n))
		return -1;
	*v = (uint64_t)n;
	return 0;
}

static int call(int fd, struct hpc_provider *p)
{
	p->size = sizeof(*p);
	return ioctl(fd, HPC_IOC_PROVIDER, p) < 0 ? -errno : 0;
}

static void print(const struct hpc_provider *p)
{
	printf("id=%u name=%.31s kind=%s state=%s generation=%u owner=%u cross=%" PRIu64
	       " pages=%" PRIu64
	       " used=%" PRIu64 " held=%" PRIu64 " to_device=%" PRIu64
	       " to_ram=%" PRIu64 " evicted=%" PRIu64 " revocations=%" PRIu64
	       " stuck=%" PRIu64 " last_us=%" PRIu64 " result=%d\n",
	       p->id, p->name, kind_name(p->kind),
	       state_name(p->state), p->generation, p->owner,
	       (uint64_t)p->migrate_cross,
	       (uint64_t)p->pages, (uint64_t)p->pages_used, (uint64_t)p->held,
	       (uint64_t)p->migrate_to_device, (uint64_t)p->migrate_to_ram,
	       (uint64_t)p->evicted, (uint64_t)p->revocations,
	       (uint64_t)p->revoke_stuck, (uint64_t)p->elapsed_us, p->result);
}

static int fail(const char *what, int err)
{
	fprintf(stderr, "hpc-provider: %s: %s\n", what, strerror(-err));
	if (err == -EOPNOTSUPP) {
		puts("SKIP: this kernel/module has no such provider (see HPC_IOC_VERSION caps)");
		return EXIT_SKIP;
	}
	return err == -ETIMEDOUT ? EXIT_STUCK : EXIT_FAILED;
}

static int leak_check(int fd, uint32_t id)
{
	struct hpc_provider p = { .op = HPC_POP_INFO, .id = id };
	struct hpc_counters c = { .size = sizeof(c), .flags = HPC_CNT_GLOBAL };
	int r = call(fd, &p);

	if (r)
		return fail("info", r);
	print(&p);
	if (ioctl(fd, HPC_IOC_COUNTERS, &c) < 0)
		return fail("counters", -errno);
	if (p.state != HPC_PSTATE_GONE) {
		printf("NOT REVOKED: provider %u is %s\n", id,
		       state_name(p.state));
		return EXIT_FAILED;
	}
	if (p.pages_used || p.held || c.pgmap_refs) {
		printf("LEAK: provider %u: %" PRIu64 " pages in use, %" PRIu64
		       " held, %" PRIu64 " pagemap references after revocation\n",
		       id, (uint64_t)p.pages_used, (uint64_t)p.held,
		       (uint64_t)c.pgmap_refs);
		return EXIT_FAILED;
	}
	puts("no leak");
	return 0;
}

/* What the command line asks for. */
struct args {
	const char *cmd;
	uint64_t pages, tmo, id, owner;
	uint32_t flags;
};

/* The options: -1, or the exit code (help, bad usage). */
static int parse_opts(int argc, char **argv, struct args *a)
{
	int c;

	while ((c = hpc_getopt(argc, argv, "h", OPTS)) != -1) {
		switch (c) {
		case 'p':
			if (parse_u64(optarg, MAX_PAGES, &a->pages) || !a->pages) {
				fprintf(stderr, "hpc-provider: --pages: expected 1..%llu, got '%.32s'\n",
					(unsigned long long)MAX_PAGES, optarg);
				return EXIT_USAGE;
			}
			break;
		case 'o':
			if (parse_u64(optarg, HPC_MAX_OWNERS - 1, &a->owner) || !a->owner) {
				fprintf(stderr, "hpc-provider: --owner: expected 1..%d, got '%.32s'\n",
					HPC_MAX_OWNERS - 1, optarg);
				return EXIT_USAGE;
			}
			break;
		case 'a': a->flags |= HPC_PFLAG_ASYNC; break;
		case 's': a->flags |= HPC_PFLAG_SURPRISE; break;
		case 't':
			if (parse_u64(optarg, MAX_TIMEOUT_MS, &a->tmo)) {
				fprintf(stderr, "hpc-provider: --timeout-ms: expected 0..%llu, got '%.32s'\n",
					(unsigned long long)MAX_TIMEOUT_MS, optarg);
				return EXIT_USAGE;
			}
			break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	return -1;
}

/* The command and its id: -1, or the exit code. */
static int parse_args(int argc, char **argv, struct args *a)
{
	int r = parse_opts(argc, argv, a);

	if (r >= 0)
		return r;
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	a->cmd = argv[optind++];
	if (strcmp(a->cmd, "add") && strcmp(a->cmd, "list")) {
		if (optind >= argc ||
		    parse_u64(argv[optind], HPC_MAX_PROVIDERS - 1, &a->id) || !a->id) {
			fprintf(stderr, "hpc-provider: %s: expected a provider id 1..%d\n",
				a->cmd, HPC_MAX_PROVIDERS - 1);
			return EXIT_USAGE;
		}
		optind++;
	}
	if (optind != argc) {
		fprintf(stderr, "hpc-provider: unexpected argument '%.64s'\n", argv[optind]);
		return EXIT_USAGE;
	}
	if (a->flags && strcmp(a->cmd, "revoke")) {
		fputs("hpc-provider: --async and --surprise go with revoke\n", stderr);
		return EXIT_USAGE;
	}
	if (a->owner && strcmp(a->cmd, "add") && strcmp(a->cmd, "reown")) {
		fputs("hpc-provider: --owner goes with add and reown\n", stderr);
		return EXIT_USAGE;
	}
	if (!a->owner && !strcmp(a->cmd, "reown")) {
		fputs("hpc-provider: reown: --owner O is needed\n", stderr);
		return EXIT_USAGE;
	}
	return -1;
}

static int add(int fd, uint64_t pages, uint32_t owner)
{
	struct hpc_provider p = { .op = HPC_POP_ADD, .owner = owner };
	int r;

	p.kind = HPC_PKIND_DEVICE_PRIVATE;
	p.pages = pages;
	r = call(fd, &p);
	if (r)
		return fail("add", r);
	printf("%u\n", p.id);
	return 0;
}

static int list(int fd)
{
	for (uint32_t i = 1; i < HPC_MAX_PROVIDERS; i++) {
		struct hpc_provider q = { .op = HPC_POP_INFO, .id = i };

		if (!call(fd, &q))
			print(&q);
	}
	return 0;
}

/* info, revoke, wait: one operation on provider p->id. */
static int provider_op(int fd, struct hpc_provider *p, const char *cmd)
{
	struct hpcg_fault_scope scope = { -1, -1 };
	int r;

	/*
	 * hpc-fail's injection, aimed at this revocation (its eviction) and
	 * nothing else: on for the ioctl only, not for the output after it.
	 */
	if (p->op == HPC_POP_REVOKE) {
		r = hpcg_fault_inject_begin(&scope);
		if (r < 0)
			fprintf(stderr, "hpc-provider: HPC_MAKE_IT_FAIL: %s\n", strerror(-r));
	}
	r = call(fd, p);
	hpcg_fault_inject_end(&scope);
	if (r == 0 || r == -ETIMEDOUT)
		print(p);
	if (r == -ETIMEDOUT)
		printf("STUCK: provider %u not revoked within its bound\n", p->id);
	return r ? fail(cmd, r) : 0;
}

int main(int argc, char **argv)
{
	struct args a = { .pages = 1 };
	struct hpc_provider p = { 0 };
	int fd, r = parse_args(argc, argv, &a);

	if (r >= 0)
		return r;
	fd = open(HPC_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		printf("SKIP: cannot open %s: %s (is the hpchaos module loaded?)\n",
		       HPC_DEVICE_PATH, strerror(errno));
		return EXIT_SKIP;
	}
	p.id = (uint32_t)a.id;
	p.timeout_ms = (uint32_t)a.tmo;
	if (!strcmp(a.cmd, "add"))
		return add(fd, a.pages, (uint32_t)a.owner);
	if (!strcmp(a.cmd, "list"))
		return list(fd);
	if (!strcmp(a.cmd, "leak-check"))
		return leak_check(fd, p.id);
	if (!strcmp(a.cmd, "info")) {
		p.op = HPC_POP_INFO;
	} else if (!strcmp(a.cmd, "revoke")) {
		p.op = HPC_POP_REVOKE;
		p.flags = a.flags;
	} else if (!strcmp(a.cmd, "wait")) {
		p.op = HPC_POP_WAIT;
	} else if (!strcmp(a.cmd, "reown")) {
		p.op = HPC_POP_REOWN;
		p.owner = (uint32_t)a.owner;
	} else {
		fprintf(stderr, "hpc-provider: unknown command '%.32s'\n", a.cmd);
		usage(stderr);
		return EXIT_USAGE;
	}
	return provider_op(fd, &p, a.cmd);
}
