// SPDX-License-Identifier: GPL-2.0
/*
 * hpc-aer: a PCIe device's AER internal-error masks, in the guest.
 *
 *   hpc-aer unmask BDF   clear Uncorrectable Internal Error (bit 22) and
 *                        Corrected Internal Error (bit 14) in the device's
 *                        AER mask registers
 *   hpc-aer show BDF     print the AER status, mask and severity registers
 *
 * Both internal errors are masked at reset (the AER capability's defaults)
 * and a CXL device reports its RAS errors as internal errors. Linux 6.12
 * leaves them masked on a CXL memory device behind a root port (it
 * unmasks them only in the RCEC of a restricted CXL host), so QEMU's injected
 * CXL errors (cxl-inject-uncorrectable-errors, cxl-inject-correctable-error)
 * would be recorded in the device and never sent: a platform that wants
 * them reported unmasks them, as this does. Exit: 0 done, 1 an error
 * (no such device, no AER capability), 2 bad usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define EXT_CAP_START	0x100
#define EXT_CAP_AER	0x0001
#define AER_UNCOR_STATUS 0x04
#define AER_UNCOR_MASK	0x08
#define AER_UNCOR_SEVER	0x0c
#define AER_COR_STATUS	0x10
#define AER_COR_MASK	0x14
#define UNCOR_INTERNAL	(1u << 22)
#define COR_INTERNAL	(1u << 14)

static int rd32(int fd, unsigned int off, uint32_t *v)
{
	return pread(fd, v, 4, off) == 4 ? 0 : -1;
}

static int wr32(int fd, unsigned int off, uint32_t v)
{
	return pwrite(fd, &v, 4, off) == 4 ? 0 : -1;
}

/* The offset of the AER extended capability, 0 if none. */
static unsigned int find_aer(int fd)
{
	unsigned int off = EXT_CAP_START, hops = 0;
	uint32_t h;

	while (off >= EXT_CAP_START && hops++ < 64 && rd32(fd, off, &h) == 0 && h) {
		if ((h & 0xffff) == EXT_CAP_AER)
			return off;
		off = (h >> 20) & 0xffc;
	}
	return 0;
}

static int show(int fd, unsigned int aer)
{
	static const struct { const char *name; unsigned int off; } regs[] = {
		{ "uncor_status", AER_UNCOR_STATUS }, { "uncor_mask", AER_UNCOR_MASK },
		{ "uncor_severity", AER_UNCOR_SEVER }, { "cor_status", AER_COR_STATUS },
		{ "cor_mask", AER_COR_MASK },
	};
	uint32_t v;

	printf("aer_cap %#x\n", aer);
	for (size_t i = 0; i < sizeof(regs) / sizeof(regs[0]); i++) {
		if (rd32(fd, aer + regs[i].off, &v) < 0)
			return -1;
		printf("%s 0x%08x\n", regs[i].name, v);
	}
	return 0;
}

static int unmask(int fd, unsigned int aer)
{
	uint32_t u, c;

	if (rd32(fd, aer + AER_UNCOR_MASK, &u) < 0 || rd32(fd, aer + AER_COR_MASK, &c) < 0 ||
	    wr32(fd, aer + AER_UNCOR_MASK, u & ~UNCOR_INTERNAL) < 0 ||
	    wr32(fd, aer + AER_COR_MASK, c & ~COR_INTERNAL) < 0)
		return -1;
	printf("uncor_mask 0x%08x -> 0x%08x, cor_mask 0x%08x -> 0x%08x\n",
	       u, u & ~UNCOR_INTERNAL, c, c & ~COR_INTERNAL);
	return show(fd, aer);
}

/* A BDF as sysfs names it: DDDD:BB:DD.F, nothing else (no path). */
static int bdf_ok(const char *s)
{
	unsigned int d, b, dev, f;
	char end;

	return strlen(s) == 12 && sscanf(s, "%4x:%2x:%2x.%1x%c", &d, &b, &dev, &f, &end) == 4;
}

int main(int argc, char **argv)
{
	char path[96];
	unsigned int aer;
	int fd, rc;

	if (argc != 3 || (strcmp(argv[1], "unmask") && strcmp(argv[1], "show")) || !bdf_ok(argv[2])) {
		fprintf(stderr, "usage: hpc-aer unmask|show DDDD:BB:DD.F\n");
		return 2;
	}
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config", argv[2]);
	fd = open(path, argv[1][0] == 'u' ? O_RDWR : O_RDONLY);
	if (fd < 0) {
		fprintf(stderr, "hpc-aer: %s: %s\n", path, strerror(errno));
		return 1;
	}
	aer = find_aer(fd);
	if (!aer) {
		fprintf(stderr, "hpc-aer: %s has no AER capability\n", argv[2]);
		close(fd);
		return 1;
	}
	rc = argv[1][0] == 'u' ? unmask(fd, aer) : show(fd, aer);
	if (rc < 0)
		fprintf(stderr, "hpc-aer: %s: config space: %s\n", argv[2], strerror(errno));
	close(fd);
	return rc < 0;
}
