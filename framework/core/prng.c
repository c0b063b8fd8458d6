// SPDX-License-Identifier: GPL-2.0
/* splitmix64 (hpc/prng.h). */
#include "hpc/prng.h"

uint64_t hpc_mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

uint64_t hpc_prng_next(struct hpc_prng *r)
{
	r->state += HPC_PRNG_GAMMA;
	return hpc_mix64(r->state);
}

uint64_t hpc_prng_at(uint64_t state, uint64_t k)
{
	return hpc_mix64(state + (k + 1) * HPC_PRNG_GAMMA);
}
