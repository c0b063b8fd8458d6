// SPDX-License-Identifier: GPL-2.0
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "hpc/cli.h"

#define DIE_MAX_MESSAGE	8192

void hpc_die(int status, const char *prefix, const char *fmt, ...)
{
	char msg[DIE_MAX_MESSAGE];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s%s\n", prefix, msg);
	exit(status);
}
