/* SPDX-License-Identifier: GPL-2.0 */
/* Small I/O and clock helpers of the core (core/io.c). */
#ifndef HPC_IO_H
#define HPC_IO_H

#include <stddef.h>
#include <stdint.h>

/* write() all n bytes (retrying short writes and EINTR); 0, or -1 on error. */
int hpc_write_all(int fd, const void *buf, size_t n);

/* Write val to the existing file path (sysfs, debugfs, /proc). 0 or -errno. */
int hpc_write_file(const char *path, const char *val);

/*
 * Read at most cap - 1 bytes of path into buf, NUL-terminated (EINTR
 * retried). The byte count, or -1 when it cannot be opened.
 */
int hpc_read_small(const char *path, char *buf, size_t cap);

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t hpc_mono_ns(void);

#endif
