// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz the QMP client's reading side (qmp.h): bytes from "QEMU" arrive on
 * a socket in pieces of a size the input chooses and go through
 * hpc_qmp_read(): line splitting at HPC_QMP_MAX_LINE, JSON parsing, the
 * greeting and capabilities handshake, and every message handed to on_msg.
 * The handler here does what a consumer does with a message (looks up
 * event, data, return, error, id and walks the object) and checks that the
 * client never hands it anything but a JSON object, and only after the
 * handshake. What the client answers (qmp_capabilities) is drained from
 * the other end and must be whole JSON lines.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hpc/qmp.h"
#include "fuzz.h"

static unsigned long walk(struct json_object *o, int depth)
{
	unsigned long n = 1;
	size_t i, len;

	if (depth > 64)
		return n;
	switch (json_object_get_type(o)) {
	case json_type_object: {
		json_object_object_foreach(o, key, val) {
			FUZZ_CHECK(key);
			n += walk(val, depth + 1);
		}
		break;
	}
	case json_type_array:
		len = json_object_array_length(o);
		for (i = 0; i < len; i++)
			n += walk(json_object_array_get_idx(o, i), depth + 1);
		break;
	case json_type_string:
		FUZZ_CHECK(json_object_get_string(o));
		(void)json_object_get_string_len(o);
		break;
	case json_type_int:
		(void)json_object_get_int64(o);
		(void)json_object_get_int(o);
		break;
	case json_type_double:
		(void)json_object_get_double(o);
		break;
	default:
		break;
	}
	return n;
}

static void on_msg(void *ctx, struct json_object *msg)
{
	struct hpc_qmp *q = ctx;
	struct json_object *v, *d;

	FUZZ_CHECK(q->ready);
	FUZZ_CHECK(json_object_is_type(msg, json_type_object));
	if (json_object_object_get_ex(msg, "event", &v)) {
		(void)json_object_get_string(v);
		if (json_object_object_get_ex(msg, "data", &d) &&
		    json_object_object_get_ex(d, "device", &v))
			(void)json_object_get_string(v);
	}
	if (json_object_object_get_ex(msg, "id", &v))
		(void)json_object_get_int(v);
	if (json_object_object_get_ex(msg, "error", &v) &&
	    json_object_object_get_ex(v, "desc", &d))
		(void)json_object_get_string(d);
	FUZZ_CHECK(json_object_to_json_string_ext(msg, JSON_C_TO_STRING_PLAIN));
	(void)walk(msg, 0);
}

/* What the client wrote: whole lines, each a JSON object. */
static void sent_line(void *ctx, const char *line, size_t len,
		      unsigned int flags)
{
	struct json_object *o;

	(void)ctx;
	FUZZ_CHECK(!flags && len > 0);
	o = json_tokener_parse(line);
	FUZZ_CHECK(o && json_object_is_type(o, json_type_object));
	json_object_put(o);
}

static void drain(int fd, struct hpc_linebuf *lb)
{
	char buf[4096];
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0)
		hpc_linebuf_feed(lb, buf, (size_t)n, sent_line, NULL);
	FUZZ_CHECK(n < 0 && errno == EAGAIN);
}

static int avail(int fd)
{
	int n = 0;

	FUZZ_CHECK(ioctl(fd, FIONREAD, &n) == 0);
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	struct hpc_linebuf sent;
	struct hpc_qmp q;
	size_t piece;
	int sv[2];

	piece = 1 + (size_t)(fuzz_byte(&in) << 8 | fuzz_byte(&in));
	FUZZ_CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
	FUZZ_CHECK(fcntl(sv[1], F_SETFL, O_NONBLOCK) == 0);
	FUZZ_CHECK(hpc_linebuf_init(&sent, 4096) == 0);
	FUZZ_CHECK(hpc_qmp_init(&q, sv[0], NULL, NULL) == 0);
	q.on_msg = on_msg;
	q.ctx = &q;
	while (in.n > 0) {
		size_t k = in.n < piece ? in.n : piece;

		FUZZ_CHECK(write(sv[1], in.p, k) == (ssize_t)k);
		in.p += k;
		in.n -= k;
		while (avail(sv[0]) > 0)
			FUZZ_CHECK(hpc_qmp_read(&q) == 0);
		drain(sv[1], &sent);
	}
	FUZZ_CHECK(shutdown(sv[1], SHUT_WR) == 0);
	FUZZ_CHECK(hpc_qmp_read(&q) == -1);	/* end of file */
	drain(sv[1], &sent);
	FUZZ_CHECK(sent.len == 0);	/* nothing half written */
	hpc_qmp_free(&q);
	hpc_linebuf_free(&sent);
	close(sv[0]);
	close(sv[1]);
	return 0;
}
