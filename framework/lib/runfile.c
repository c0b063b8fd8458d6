// SPDX-License-Identifier: GPL-2.0
/* Files of a run directory: see hpc/runfile.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "hpc/linebuf.h"
#include "hpc/runfile.h"

int hpc_runfile_read(const char *path, size_t max, char **out, size_t *outlen)
{
	size_t len = 0, cap;
	struct stat st;
	char *buf;
	int fd, e;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		e = -errno;
		close(fd);
		return e;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return -EINVAL;
	}
	if ((uintmax_t)st.st_size > max) {
		close(fd);
		return -EFBIG;
	}
	cap = (size_t)st.st_size + 1;
	buf = malloc(cap + 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	for (;;) {
		ssize_t r;

		if (len == cap) {
			char *nb;

			if (cap > max) {
				free(buf);
				close(fd);
				return -EFBIG;
			}
			cap *= 2;
			nb = realloc(buf, cap + 1);
			if (!nb) {
				free(buf);
				close(fd);
				return -ENOMEM;
			}
			buf = nb;
		}
		r = read(fd, buf + len, cap - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			e = -errno;
			free(buf);
			close(fd);
			return e;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	if (len > max) {
		free(buf);
		return -EFBIG;
	}
	buf[len] = '\0';
	*out = buf;
	*outlen = len;
	return 0;
}

const char *hpc_runfile_strerror(int e)
{
	if (e == -EINVAL)
		return "not a regular file";
	if (e == -EFBIG)
		return "file too large";
	return strerror(-e);
}

struct json_object *hpc_runfile_json(const char *buf, size_t len, char *why,
				     size_t wlen)
{
	struct json_tokener *tok = json_tokener_new_ex(32);
	enum json_tokener_error je;
	struct json_object *o;
	size_t end;

	if (len == 0) {
		json_tokener_free(tok);
		snprintf(why, wlen, "empty file");
		return NULL;
	}
	if (!tok) {
		snprintf(why, wlen, "out of memory");
		return NULL;
	}
	/* include the NUL so that a bare number at the end is complete */
	o = json_tokener_parse_ex(tok, buf, (int)len + 1);
	je = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (!o) {
		if (je == json_tokener_success || je == json_tokener_continue)
			snprintf(why, wlen, "not JSON: unexpected end of file");
		else
			snprintf(why, wlen, "not JSON: %s at offset %zu",
				 json_tokener_error_desc(je), end);
		return NULL;
	}
	while (end < len && (buf[end] == ' ' || buf[end] == '\t' ||
			     buf[end] == '\n' || buf[end] == '\r'))
		end++;
	if (end < len) {
		json_object_put(o);
		snprintf(why, wlen, "not JSON: trailing data at offset %zu", end);
		return NULL;
	}
	return o;
}

int hpc_runfile_write(const char *dir, const char *name, const char *data,
		      size_t len)
{
	char *tmp = NULL, *dst = NULL;
	int fd = -1, ret = -1, e;

	if (asprintf(&tmp, "%s/.%s.XXXXXX", dir, name) < 0) {
		tmp = NULL;
		goto out;
	}
	if (asprintf(&dst, "%s/%s", dir, name) < 0) {
		dst = NULL;
		goto out;
	}
	fd = mkostemp(tmp, O_CLOEXEC);	/* mode 0600, like the run directory */
	if (fd < 0)
		goto out;
	if (hpc_write_all(fd, data, len) < 0 || fsync(fd) < 0)
		goto unlink;
	if (close(fd) < 0) {
		fd = -1;
		goto unlink;
	}
	fd = -1;
	if (rename(tmp, dst) < 0)
		goto unlink;
	ret = 0;
	goto out;
unlink:
	e = errno;
	unlink(tmp);
	errno = e;
out:
	e = errno;
	if (fd >= 0)
		close(fd);
	free(tmp);
	free(dst);
	errno = e;
	return ret;
}
