// SPDX-License-Identifier: GPL-2.0
#include <string.h>

#include "hpc/verdict.h"

static const char *const verdict_names[HPC_V__COUNT] = {
	[HPC_V_PASS] = "PASS",	 [HPC_V_RESET] = "RESET", [HPC_V_XFAIL] = "XFAIL",
	[HPC_V_SKIP] = "SKIP",	 [HPC_V_ERROR] = "ERROR", [HPC_V_FAIL] = "FAIL",
};

static const char *const class_names[HPC_C__COUNT] = {
	[HPC_C_NONE] = "",	     [HPC_C_CRASH] = "CRASH",
	[HPC_C_WARN] = "WARN",	     [HPC_C_KASAN] = "KASAN",
	[HPC_C_LOCKDEP] = "LOCKDEP", [HPC_C_HANG] = "HANG",
	[HPC_C_STALE] = "STALE",     [HPC_C_CORRUPT] = "CORRUPT",
	[HPC_C_LEAK] = "LEAK",	     [HPC_C_TIMEOUT] = "TIMEOUT",
	[HPC_C_CHECK] = "CHECK",
};

const char *hpc_verdict_name(enum hpc_verdict v)
{
	return (unsigned int)v < HPC_V__COUNT ? verdict_names[v] : "?";
}

const char *hpc_class_name(enum hpc_class c)
{
	return (unsigned int)c < HPC_C__COUNT ? class_names[c] : "?";
}

static int lookup(const char *const *names, int n, const char *s)
{
	for (int i = 0; i < n; i++)
		if (names[i][0] && strcmp(names[i], s) == 0)
			return i;
	return -1;
}

int hpc_verdict_parse(const char *s)
{
	return lookup(verdict_names, HPC_V__COUNT, s);
}

int hpc_class_parse(const char *s)
{
	return lookup(class_names, HPC_C__COUNT, s);
}
