// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "hpc/qmp.h"

static void qlog(struct hpc_qmp *q, const char *dir, const char *txt)
{
	if (!q->log)
		return;
	fprintf(q->log, "%.6f %s %s\n", q->now ? q->now(q->ctx) : 0.0, dir, txt);
	fflush(q->log);
}

/* {"execute": cmd, "arguments": args, "id": id} (takes args): 0 or -1. */
static int send_command(struct hpc_qmp *q, const char *cmd,
			struct json_object *args, int id)
{
	struct json_object *o = json_object_new_object();
	const char *txt;
	int r;

	json_object_object_add(o, "execute", json_object_new_string(cmd));
	if (args)
		json_object_object_add(o, "arguments", args);
	json_object_object_add(o, "id", json_object_new_int(id));
	txt = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	qlog(q, ">", txt);
	r = hpc_write_all(q->fd, txt, strlen(txt));
	if (r == 0)
		r = hpc_write_all(q->fd, "\n", 1);
	json_object_put(o);
	return r;
}

int hpc_qmp_init(struct hpc_qmp *q, int fd, FILE *log, double (*now)(void *ctx))
{
	memset(q, 0, sizeof(*q));
	q->fd = fd;
	q->log = log;
	q->now = now;
	q->next_id = 1;
	return hpc_linebuf_init(&q->lb, HPC_QMP_MAX_LINE);
}

void hpc_qmp_free(struct hpc_qmp *q)
{
	hpc_linebuf_free(&q->lb);
}

int hpc_qmp_send(struct hpc_qmp *q, const char *cmd, struct json_object *args)
{
	int id = q->next_id++;

	return send_command(q, cmd, args, id) < 0 ? -1 : id;
}

static void on_line(void *ctx, const char *line, size_t len, unsigned int flags)
{
	struct hpc_qmp *q = ctx;
	struct json_object *msg;

	if (len == 0)
		return;
	qlog(q, "<", line);
	if (flags & HPC_LINE_TRUNCATED)
		return;
	msg = json_tokener_parse(line);
	if (!msg || !json_object_is_type(msg, json_type_object)) {
		json_object_put(msg);
		return;
	}
	if (!q->ready && json_object_object_get_ex(msg, "QMP", NULL)) {
		send_command(q, "qmp_capabilities", NULL, 0);
	} else if (!q->ready) {
		struct json_object *id;

		if (json_object_object_get_ex(msg, "id", &id) &&
		    json_object_get_int(id) == 0 &&
		    json_object_object_get_ex(msg, "return", NULL))
			q->ready = 1;
	} else if (q->on_msg) {
		q->on_msg(q->ctx, msg);
	}
	json_object_put(msg);
}

int hpc_qmp_read(struct hpc_qmp *q)
{
	char buf[65536];
	ssize_t n = read(q->fd, buf, sizeof(buf));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (n <= 0)
		return -1;
	hpc_linebuf_feed(&q->lb, buf, (size_t)n, on_line, q);
	return 0;
}

const char *hpc_qmp_str(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!o || !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}
