// SPDX-License-Identifier: GPL-2.0
/*
 * hpc-tsc-khz: the host's TSC frequency in kHz, measured, for the guest
 * kernel's tsc_early_khz= under TCG.
 *
 * Under TCG a guest's TSC counts at the host's TSC rate (QEMU's
 * cpu_get_host_ticks()). The guest calibrates it in early boot against the
 * emulated PIT or HPET over a few milliseconds; on a loaded host the vCPU
 * loses the CPU inside that window and the result can be off by an order
 * of magnitude (measured: "PIT calibration deviates from HPET: 196391
 * 2596173", 196 MHz taken for 2596 MHz). The guest's clock then runs 13
 * times too fast until the clocksource watchdog notices, and the RCU stall
 * detector reports a stall that never happened. Telling the guest the
 * frequency skips the calibration.
 *
 * Each sample reads the TSC between two CLOCK_MONOTONIC_RAW reads at the
 * start and at the end of a 40 ms sleep and keeps the tightest pair of
 * several, so a preemption inside a pair is discarded and one during the
 * sleep does not matter. The median of 5 samples is printed.
 *
 * Exit: 0 printed; 1 not measurable here (not x86-64, no constant and
 * nonstop TSC, or the samples disagree by more than 0.1 %); 2 usage.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SAMPLES		5
#define PAIRS		16	/* tries at each end of a sample */
#define SLEEP_NS	40000000L
#define MAX_SPREAD_PPM	1000	/* 0.1 % between the samples */

#if defined(__x86_64__)
static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* A TSC reading and the time it was taken, from the tightest of PAIRS. */
static void stamp(uint64_t *tsc, uint64_t *ns)
{
	uint64_t best = UINT64_MAX;

	for (int i = 0; i < PAIRS; i++) {
		uint64_t a = now_ns();
		uint64_t c = __builtin_ia32_rdtsc();
		uint64_t b = now_ns();

		if (b - a < best) {
			best = b - a;
			*tsc = c;
			*ns = a + (b - a) / 2;
		}
	}
}

static uint64_t sample_khz(void)
{
	struct timespec d = { 0, SLEEP_NS };
	uint64_t c0, t0, c1, t1;

	stamp(&c0, &t0);
	while (nanosleep(&d, &d) && errno == EINTR)
		;
	stamp(&c1, &t1);
	if (t1 <= t0 || c1 <= c0)
		return 0;
	return (uint64_t)((double)(c1 - c0) * 1e6 / (double)(t1 - t0) + 0.5);
}

/* constant_tsc and nonstop_tsc in /proc/cpuinfo: 1 if both. */
static int tsc_is_steady(void)
{
	char line[4096];
	int ok = 0;
	FILE *f = fopen("/proc/cpuinfo", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "flags", 5))
			continue;
		ok = strstr(line, " constant_tsc") && strstr(line, " nonstop_tsc");
		break;
	}
	fclose(f);
	return ok;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	uint64_t s[SAMPLES];

	(void)argv;
	if (argc != 1) {
		fputs("usage: hpc-tsc-khz\n", stderr);
		return 2;
	}
	if (!tsc_is_steady()) {
		fputs("hpc-tsc-khz: the host's TSC is not constant_tsc and nonstop_tsc\n", stderr);
		return 1;
	}
	for (int i = 0; i < SAMPLES; i++)
		s[i] = sample_khz();
	qsort(s, SAMPLES, sizeof(s[0]), cmp_u64);
	if (!s[0] || (s[SAMPLES - 1] - s[0]) * 1000000 > s[SAMPLES / 2] * MAX_SPREAD_PPM) {
		fprintf(stderr, "hpc-tsc-khz: samples disagree: %" PRIu64 "..%" PRIu64 " kHz\n",
			s[0], s[SAMPLES - 1]);
		return 1;
	}
	printf("%" PRIu64 "\n", s[SAMPLES / 2]);
	return 0;
}
#else
int main(void)
{
	fputs("hpc-tsc-khz: the host is not x86-64\n", stderr);
	return 1;
}
#endif
