// SPDX-License-Identifier: GPL-2.0
/*
 * hpc-provider: device-memory providers of the hpchaos module from a
 * scenario's guest steps (HPC_IOC_PROVIDER, see kmod/uapi/hpchaos.h).
 *
 *   hpc-provider add [--pages N]        add a device-private provider; prints its id
 *   hpc-provider list                   one line per provider
 *   hpc-provider info ID                its line
 *   hpc-provider revoke ID [--async] [--surprise] [--timeout-ms MS]
 *   hpc-provider wait ID [--timeout-ms MS]
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

#include "hpchaos.h"
#include "lib/hpcg.h"

#define EXIT_FAILED	1
#define EXIT_USAGE	2
#define EXIT_STUCK	3
#define EXIT_SKIP	4

static const char *const state_names[] = {
	[HPC_PSTATE_NONE] = "none", [HPC_PSTATE_LIVE] = "live",
	[HPC_PSTATE_REVOKING] = "revoking", [HPC_PSTATE_STUCK] = "stuck",
	[HPC_PSTATE_GONE] = "gone",
};

static const char *kind_name(uint32_t k)
{
	return k == HPC_PKIND_DEVICE_PRIVATE ? "device-private" :
	       k == HPC_PKIND_PCI_BAR ? "pci-bar" : "none";
}

static void usage(FILE *f)
{
	fputs("usage: hpc-provider add [--pages N]\n"
	      "       hpc-provider list\n"
	      "       hpc-provider info ID\n"
	      "       hpc-provider revoke ID [--async] [--surprise] [--timeout-ms MS]\n"
	      "       hpc-provider wait ID [--timeout-ms MS]\n"
	      "       hpc-provider leak-check ID\n"
	      "exit: 0 done, 1 failed, 2 usage, 3 revocation stuck past its bound, 4 skip\n", f);
}

static int parse_u64(const char *s, uint64_t max, uint64_t *v)
{
	char *end;

	if (!s || !*s || *s == '-')
		return -1;
	errno = 0;
	*v = strtoull(s, &end, 10);
	return (errno || *end || *v > max) ? -1 : 0;
}

static int call(int fd, struct hpc_provider *p)
{
	p->size = sizeof(*p);
	return ioctl(fd, HPC_IOC_PROVIDER, p) < 0 ? -errno : 0;
}

static void print(const struct hpc_provider *p)
{
	printf("id=%u name=%.31s kind=%s state=%s generation=%u pages=%" PRIu64
	       " used=%" PRIu64 " held=%" PRIu64 " to_device=%" PRIu64
	       " to_ram=%" PRIu64 " evicted=%" PRIu64 " revocations=%" PRIu64
	       " stuck=%" PRIu64 " last_us=%" PRIu64 " result=%d\n",
	       p->id, p->name, kind_name(p->kind),
	       p->state < sizeof(state_names) / sizeof(state_names[0]) ?
	       state_names[p->state] : "?", p->generation,
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
		       p.state < 5 ? state_names[p.state] : "?");
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

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "pages", required_argument, NULL, 'p' },
		{ "async", no_argument, NULL, 'a' },
		{ "surprise", no_argument, NULL, 's' },
		{ "timeout-ms", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct hpcg_fault_scope scope = { -1, -1 };
	struct hpc_provider p = { 0 };
	uint64_t pages = 1, tmo = 0, id = 0;
	uint32_t flags = 0;
	const char *cmd;
	int c, fd, r;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (parse_u64(optarg, 1ULL << 24, &pages) || !pages) {
				fprintf(stderr, "hpc-provider: --pages: expected 1..16777216, got '%.32s'\n", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'a': flags |= HPC_PFLAG_ASYNC; break;
		case 's': flags |= HPC_PFLAG_SURPRISE; break;
		case 't':
			if (parse_u64(optarg, 3600000, &tmo)) {
				fprintf(stderr, "hpc-provider: --timeout-ms: expected 0..3600000, got '%.32s'\n", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	cmd = argv[optind++];
	if (strcmp(cmd, "add") && strcmp(cmd, "list")) {
		if (optind >= argc ||
		    parse_u64(argv[optind], HPC_MAX_PROVIDERS - 1, &id) || !id) {
			fprintf(stderr, "hpc-provider: %s: expected a provider id 1..%d\n",
				cmd, HPC_MAX_PROVIDERS - 1);
			return EXIT_USAGE;
		}
		optind++;
	}
	if (optind != argc) {
		fprintf(stderr, "hpc-provider: unexpected argument '%.64s'\n", argv[optind]);
		return EXIT_USAGE;
	}
	if (flags && strcmp(cmd, "revoke")) {
		fputs("hpc-provider: --async and --surprise go with revoke\n", stderr);
		return EXIT_USAGE;
	}

	fd = open(HPC_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		printf("SKIP: cannot open %s: %s (is the hpchaos module loaded?)\n",
		       HPC_DEVICE_PATH, strerror(errno));
		return EXIT_SKIP;
	}
	p.id = (uint32_t)id;
	p.timeout_ms = (uint32_t)tmo;
	if (!strcmp(cmd, "add")) {
		p.op = HPC_POP_ADD;
		p.kind = HPC_PKIND_DEVICE_PRIVATE;
		p.pages = pages;
		r = call(fd, &p);
		if (r)
			return fail("add", r);
		printf("%u\n", p.id);
		return 0;
	}
	if (!strcmp(cmd, "list")) {
		for (uint32_t i = 1; i < HPC_MAX_PROVIDERS; i++) {
			struct hpc_provider q = { .op = HPC_POP_INFO, .id = i };

			if (!call(fd, &q))
				print(&q);
		}
		return 0;
	}
	if (!strcmp(cmd, "info")) {
		p.op = HPC_POP_INFO;
	} else if (!strcmp(cmd, "revoke")) {
		p.op = HPC_POP_REVOKE;
		p.flags = flags;
	} else if (!strcmp(cmd, "wait")) {
		p.op = HPC_POP_WAIT;
	} else if (!strcmp(cmd, "leak-check")) {
		return leak_check(fd, p.id);
	} else {
		fprintf(stderr, "hpc-provider: unknown command '%.32s'\n", cmd);
		usage(stderr);
		return EXIT_USAGE;
	}
	/*
	 * hpc-fail's injection, aimed at this revocation (its eviction) and
	 * nothing else: on for the ioctl only, not for the output after it.
	 */
	if (p.op == HPC_POP_REVOKE) {
		r = hpcg_fault_inject_begin(&scope);
		if (r < 0)
			fprintf(stderr, "hpc-provider: HPC_MAKE_IT_FAIL: %s\n", strerror(-r));
	}
	r = call(fd, &p);
	hpcg_fault_inject_end(&scope);
	if (r == 0 || r == -ETIMEDOUT)
		print(&p);
	if (r == -ETIMEDOUT)
		printf("STUCK: provider %u not revoked within its bound\n", p.id);
	return r ? fail(cmd, r) : 0;
}
