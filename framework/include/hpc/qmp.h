/* SPDX-License-Identifier: GPL-2.0 */
/* Minimal QMP client over an already connected socket. */
#ifndef HPC_QMP_H
#define HPC_QMP_H

#include <stdio.h>

#include <json-c/json.h>

#include "hpc/linebuf.h"

#define HPC_QMP_MAX_LINE (1024 * 1024)

struct hpc_qmp {
	int fd;
	int next_id;
	int ready;		/* capabilities negotiated */
	struct hpc_linebuf lb;
	FILE *log;		/* every message in and out, may be NULL */
	double (*now)(void *ctx);	/* seconds for the log (called with ctx) */
	/* called for every message from QEMU after the greeting */
	void (*on_msg)(void *ctx, struct json_object *msg);
	void *ctx;		/* for now and on_msg */
};

int hpc_qmp_init(struct hpc_qmp *q, int fd, FILE *log, double (*now)(void *ctx));
void hpc_qmp_free(struct hpc_qmp *q);
/* Send {"execute": cmd, "arguments": args, "id": N}; takes args. Returns N or -1. */
int hpc_qmp_send(struct hpc_qmp *q, const char *cmd, struct json_object *args);
/* Read what is available; returns 0, or -1 on EOF/error. */
int hpc_qmp_read(struct hpc_qmp *q);

/* The string member key of o (a message, its data or arguments), or NULL. */
const char *hpc_qmp_str(struct json_object *o, const char *key);

#endif
