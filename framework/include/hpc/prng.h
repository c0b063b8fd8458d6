/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The seeded PRNG of the core (core/prng.c): splitmix64. Every random
 * choice hpchaos makes, on the host (the schedule's delays) and in the
 * guest (workload patterns), comes from a seed through these, so that a
 * seed gives the same numbers everywhere.
 */
#ifndef HPC_PRNG_H
#define HPC_PRNG_H

#include <stdint.h>

/* The splitmix64 increment (2^64 / golden ratio). */
#define HPC_PRNG_GAMMA	0x9e3779b97f4a7c15ULL

/* The splitmix64 output function: a bijective 64-bit mix. */
uint64_t hpc_mix64(uint64_t z);

/* A splitmix64 stream: state advances by HPC_PRNG_GAMMA per number. */
struct hpc_prng {
	uint64_t state;
};

/* The next number of the stream. */
uint64_t hpc_prng_next(struct hpc_prng *r);

/* Number k (0-based) of the stream starting at state, without stepping. */
uint64_t hpc_prng_at(uint64_t state, uint64_t k);

#endif
