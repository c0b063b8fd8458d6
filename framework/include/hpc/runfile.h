/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Files of a run directory (verdict.json, plan, run.json, the reports):
 * read whole with a bound, parsed as one JSON value, written atomically.
 */
#ifndef HPC_RUNFILE_H
#define HPC_RUNFILE_H

#include <stddef.h>

struct json_object;

/*
 * The whole regular file path, at most max bytes, NUL-terminated (*out is
 * malloc'ed). 0, or -errno: -EINVAL not a regular file, -EFBIG too large.
 */
int hpc_runfile_read(const char *path, size_t max, char **out, size_t *outlen);
/* Words for a hpc_runfile_read() error. */
const char *hpc_runfile_strerror(int e);
/*
 * buf (len bytes, NUL-terminated) as exactly one JSON value, blanks after
 * it allowed. NULL with why set (one line) when it is not.
 */
struct json_object *hpc_runfile_json(const char *buf, size_t len, char *why,
				     size_t wlen);
/*
 * Write data to dir/name: a temp file in dir (mode 0600 like the rest of
 * the run directory), fsync, rename(2). 0, or -1 with errno set.
 */
int hpc_runfile_write(const char *dir, const char *name, const char *data,
		      size_t len);

#endif
