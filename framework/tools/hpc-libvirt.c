// SPDX-License-Identifier: GPL-2.0
/*
 * hpc-libvirt: the guest process of the libvirt backend (docs/backends.md).
 *
 * The conductor spawns it in the run directory instead of QEMU. It starts
 * the scenario's machine as a transient libvirt domain (created paused,
 * with VIR_DOMAIN_START_AUTODESTROY: libvirtd destroys the domain as soon
 * as this process's connection closes, whatever kills it) and plays QEMU's
 * part towards the conductor over the same three sockets:
 *
 *   console.sock  the serial console, through virDomainOpenConsole
 *   agent.sock    the agent's virtio-serial port, through virDomainOpenChannel
 *   qmp.sock      QMP: libvirt's own API where libvirt has the action
 *                 (attach, detach and update of memory devices it models),
 *                 virDomainQemuMonitorCommand for the rest; QEMU's events
 *                 come from virConnectDomainQemuMonitorEventRegister
 *
 * Everything goes over the libvirt connection, so a remote URI
 * (qemu+ssh://host/system) needs nothing else. Exit: 0 when the domain
 * stopped (guest power-off or reset, or SIGTERM); death by SIGABRT when
 * QEMU died or libvirt failed under a running guest (the conductor reports
 * ERROR with our stderr), 2 for bad usage, 1 when the domain never started.
 *
 * Usage: hpc-libvirt --uri URI --scenario FILE --name NAME --kernel PATH
 *                    --initrd PATH --append TEXT [--files PREFIX | --pool POOL]
 *                    [--type qemu|kvm] [--dac-label +UID:+GID] [--emulator PATH]
 *                    [--xml-only]
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>
#include <libvirt/libvirt.h>
#include <libvirt/libvirt-qemu.h>
#include <libvirt/virterror.h>

#include "hpc/cli.h"
#include "hpc/libvirt_xml.h"
#include "hpc/linebuf.h"
#include "hpc/qmp.h"
#include "hpc/scenario.h"

#define PUMP_BUF	65536
#define PERIPHERAL	"/machine/peripheral/"
#define DRAIN_MS	2000	/* console output after the stop, at most */

struct pump {
	const char *name;
	virStreamPtr st;
	int fd;
	int watch;		/* fd -> stream handle, -1 when gone */
	char pend[PUMP_BUF];	/* read from fd, not yet accepted by the stream */
	size_t npend;
	atomic_int eof;		/* stream -> fd is finished */
};

static struct {
	struct hpc_scenario s;
	const char *files;	/* prefix of backing files on the libvirt host */
	const char *pool_name;	/* backing files as volumes of this pool (remote) */
	virStoragePoolPtr pool;	/* that pool, once the volumes are made */
	const char *name;
	virConnectPtr conn;
	virDomainPtr dom;
	struct pump con, agent;
	int qmp_fd;
	pthread_mutex_t qmp_lock;
	struct hpc_linebuf qmp_lb;
	int wake[2];
	const char *uri;	/* the libvirt host, for messages */
	atomic_int stopped, stop_detail, conn_lost, close_reason, quit_loop;
	volatile sig_atomic_t term;
} G = { .qmp_lock = PTHREAD_MUTEX_INITIALIZER, .qmp_fd = -1 };

/* Set-up failed: exit status 1 (the domain never started). */
#define die(...) hpc_die(1, "hpc-libvirt: ", __VA_ARGS__)

static const char *lverr(void)
{
	const char *m = virGetLastErrorMessage();

	return m ? m : "unknown libvirt error";
}

static void wake(void)
{
	char c = 0;
	ssize_t r = write(G.wake[1], &c, 1);

	(void)r;
}

/* ---- ids: the scenario's "dimm1" is libvirt's user alias "ua-dimm1" ---- */

static const struct hpc_device *model_dev(const char *id)
{
	const struct hpc_device *d = hpc_scenario_device(&G.s, id);

	return d && hpc_lv_is_model(&G.s, d) ? d : NULL;
}

/* "dimm1" -> "ua-dimm1", "/machine/peripheral/dimm1" -> ".../ua-dimm1" and
 * back (to_qemu 0), for the model devices only; NULL if s is no such id. */
static char *map_id(const char *s, int to_qemu)
{
	static const char pp[] = PERIPHERAL;
	const char *base = strncmp(s, pp, sizeof(pp) - 1) ? s : s + sizeof(pp) - 1;
	const char *pre = base == s ? "" : pp;
	const char *id = base;
	char *out;

	if (!to_qemu) {
		if (strncmp(base, HPC_LV_ALIAS_PREFIX, strlen(HPC_LV_ALIAS_PREFIX)))
			return NULL;
		id = base + strlen(HPC_LV_ALIAS_PREFIX);
	}
	if (!model_dev(id))
		return NULL;
	if (asprintf(&out, "%s%s%s", pre, to_qemu ? HPC_LV_ALIAS_PREFIX : "", id) < 0)
		return NULL;
	return out;
}

static void map_json(struct json_object *o, int to_qemu);

/* A mapped copy of v if it is an id string, else NULL (v mapped inside). */
static struct json_object *mapped(struct json_object *v, int to_qemu)
{
	struct json_object *r;
	char *m;

	if (!json_object_is_type(v, json_type_string)) {
		map_json(v, to_qemu);
		return NULL;
	}
	m = map_id(json_object_get_string(v), to_qemu);
	r = m ? json_object_new_string(m) : NULL;
	free(m);
	return r;
}

/* Rewrite every string value of o (recursively) through map_id. */
static void map_json(struct json_object *o, int to_qemu)
{
	struct json_object *r;

	if (json_object_is_type(o, json_type_object)) {
		json_object_object_foreach(o, k, v) {
			r = mapped(v, to_qemu);
			if (r)
				json_object_object_add(o, k, r);
		}
	} else if (json_object_is_type(o, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(o); i++) {
			r = mapped(json_object_array_get_idx(o, i), to_qemu);
			if (r)
				json_object_array_put_idx(o, i, r);
		}
	}
}

/* ---- QMP towards the conductor ---- */

static void qmp_send(struct json_object *o)
{
	const char *txt = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);

	pthread_mutex_lock(&G.qmp_lock);
	if (G.qmp_fd >= 0 && (hpc_write_all(G.qmp_fd, txt, strlen(txt)) < 0 ||
			      hpc_write_all(G.qmp_fd, "\n", 1) < 0))
		G.qmp_fd = -1;
	pthread_mutex_unlock(&G.qmp_lock);
}

static void qmp_reply(struct json_object *id, struct json_object *ret, const char *err)
{
	struct json_object *o = json_object_new_object();

	if (err) {
		struct json_object *e = json_object_new_object();

		json_object_object_add(e, "class", json_object_new_string("GenericError"));
		json_object_object_add(e, "desc", json_object_new_string(err));
		json_object_object_add(o, "error", e);
		json_object_put(ret);
	} else {
		json_object_object_add(o, "return", ret ? ret : json_object_new_object());
	}
	if (id)
		json_object_object_add(o, "id", json_object_get(id));
	qmp_send(o);
	json_object_put(o);
}

static void __attribute__((noreturn)) die_conn_lost(void);

/*
 * A libvirt call for the conductor failed: its error for the QMP reply, or,
 * when the failure is the connection to the host going away, the death of
 * die_conn_lost() instead, so that the verdict names the lost host rather
 * than a failed action.
 */
static const char *action_err(void)
{
	static char msg[1024];	/* the main thread's alone */

	snprintf(msg, sizeof(msg), "%s", lverr());
	if (atomic_load(&G.conn_lost) || virConnectIsAlive(G.conn) == 0)
		die_conn_lost();
	return msg;
}

/* Through libvirt's own API: 1 done (replied), 0 not ours to do. */
static int libvirt_action(const char *cmd, struct json_object *args, struct json_object *id)
{
	const struct hpc_device *d;
	char xml[4096], alias[HPC_SCN_NAME + 8];
	const char *v;
	int r;

	if (strcmp(cmd, "device_add") == 0 && (v = hpc_qmp_str(args, "id")) && (d = model_dev(v))) {
		if (hpc_lv_memory_xml(&G.s, d, G.files, 0, xml, sizeof(xml)) < 0) {
			qmp_reply(id, NULL, "hpc-libvirt: no libvirt XML for this device");
			return 1;
		}
		r = virDomainAttachDeviceFlags(G.dom, xml, VIR_DOMAIN_AFFECT_LIVE);
		qmp_reply(id, NULL, r < 0 ? action_err() : NULL);
		return 1;
	}
	if (strcmp(cmd, "device_del") == 0 && (v = hpc_qmp_str(args, "id")) && model_dev(v)) {
		/* asynchronous: done when QEMU's DEVICE_DELETED comes */
		snprintf(alias, sizeof(alias), HPC_LV_ALIAS_PREFIX "%s", v);
		r = virDomainDetachDeviceAlias(G.dom, alias, VIR_DOMAIN_AFFECT_LIVE);
		qmp_reply(id, NULL, r < 0 ? action_err() : NULL);
		return 1;
	}
	if (strcmp(cmd, "qom-set") == 0 && (v = hpc_qmp_str(args, "path")) &&
	    strncmp(v, PERIPHERAL, strlen(PERIPHERAL)) == 0 &&
	    (d = model_dev(v + strlen(PERIPHERAL))) &&
	    strcmp(d->driver, "virtio-mem-pci") == 0 &&
	    (v = hpc_qmp_str(args, "property")) && strcmp(v, "requested-size") == 0) {
		struct json_object *val;
		int64_t bytes;

		if (!json_object_object_get_ex(args, "value", &val) ||
		    !json_object_is_type(val, json_type_int) ||
		    (bytes = json_object_get_int64(val)) < 0 || bytes % 1024) {
			qmp_reply(id, NULL, "requested-size: not a whole number of KiB");
			return 1;
		}
		if (hpc_lv_memory_xml(&G.s, d, G.files, (unsigned long long)bytes / 1024,
				      xml, sizeof(xml)) < 0) {
			qmp_reply(id, NULL, "hpc-libvirt: no libvirt XML for this device");
			return 1;
		}
		r = virDomainUpdateDeviceFlags(G.dom, xml, VIR_DOMAIN_AFFECT_LIVE);
		qmp_reply(id, NULL, r < 0 ? action_err() : NULL);
		return 1;
	}
	return 0;
}

static void qmp_command(struct json_object *msg)
{
	struct json_object *exe, *args = NULL, *id = NULL, *cmd, *res;
	char *out = NULL;
	const char *name;

	if (!json_object_object_get_ex(msg, "execute", &exe) ||
	    !json_object_is_type(exe, json_type_string)) {
		qmp_reply(NULL, NULL, "expected {\"execute\": ...}");
		return;
	}
	name = json_object_get_string(exe);
	json_object_object_get_ex(msg, "arguments", &args);
	json_object_object_get_ex(msg, "id", &id);
	if (strcmp(name, "qmp_capabilities") == 0) {	/* libvirt negotiated */
		qmp_reply(id, NULL, NULL);
		return;
	}
	if (libvirt_action(name, args, id))
		return;
	cmd = json_object_new_object();
	json_object_object_add(cmd, "execute", json_object_new_string(name));
	if (args) {
		struct json_object *a = NULL;

		json_object_deep_copy(args, &a, NULL);
		map_json(a, 1);
		json_object_object_add(cmd, "arguments", a);
	}
	if (virDomainQemuMonitorCommand(G.dom, json_object_to_json_string_ext(cmd, JSON_C_TO_STRING_PLAIN),
					&out, 0) < 0) {
		qmp_reply(id, NULL, action_err());
		json_object_put(cmd);
		return;
	}
	json_object_put(cmd);
	res = out ? json_tokener_parse(out) : NULL;
	free(out);
	if (!res) {
		qmp_reply(id, NULL, "hpc-libvirt: unparsable reply from libvirt");
		return;
	}
	map_json(res, 0);
	if (id)
		json_object_object_add(res, "id", json_object_get(id));
	else
		json_object_object_del(res, "id");
	qmp_send(res);
	json_object_put(res);
}

static void on_qmp_line(void *ctx, const char *line, size_t len, unsigned int flags)
{
	struct json_object *msg;

	(void)ctx;
	(void)len;
	if (flags & HPC_LINE_TRUNCATED)
		return;
	msg = json_tokener_parse(line);
	if (msg && json_object_is_type(msg, json_type_object))
		qmp_command(msg);
	else
		qmp_reply(NULL, NULL, "hpc-libvirt: not a JSON object");
	json_object_put(msg);
}

/* QEMU's own events, as QEMU would have sent them. */
static void on_monitor_event(virConnectPtr c, virDomainPtr d, const char *event,
			     long long seconds, unsigned int micros,
			     const char *details, void *opaque)
{
	struct json_object *o = json_object_new_object(), *ts = json_object_new_object();
	struct json_object *data = details ? json_tokener_parse(details) : NULL;

	(void)c;
	(void)d;
	(void)opaque;
	json_object_object_add(o, "event", json_object_new_string(event));
	if (data) {
		map_json(data, 0);
		json_object_object_add(o, "data", data);
	}
	json_object_object_add(ts, "seconds", json_object_new_int64(seconds));
	json_object_object_add(ts, "microseconds", json_object_new_int64(micros));
	json_object_object_add(o, "timestamp", ts);
	qmp_send(o);
	json_object_put(o);
}

static int on_lifecycle(virConnectPtr c, virDomainPtr d, int event, int detail, void *opaque)
{
	(void)c;
	(void)d;
	(void)opaque;
	if (event == VIR_DOMAIN_EVENT_STOPPED) {
		atomic_store(&G.stop_detail, detail);
		atomic_store(&G.stopped, 1);
		wake();
	}
	return 0;
}

static void on_close(virConnectPtr c, int reason, void *opaque)
{
	(void)c;
	(void)opaque;
	atomic_store(&G.close_reason, reason);
	atomic_store(&G.conn_lost, 1);
	wake();
}

/* ---- byte pumps: console and agent ---- */

static void pump_flush(struct pump *p)
{
	while (p->npend > 0) {
		int n = virStreamSend(p->st, p->pend, p->npend);

		if (n == -2) {		/* full: wait for WRITABLE, stop reading */
			virStreamEventUpdateCallback(p->st, VIR_STREAM_EVENT_READABLE |
						     VIR_STREAM_EVENT_WRITABLE);
			if (p->watch >= 0)
				virEventUpdateHandle(p->watch, 0);
			return;
		}
		if (n < 0) {
			p->npend = 0;
			break;
		}
		memmove(p->pend, p->pend + n, p->npend - (size_t)n);
		p->npend -= (size_t)n;
	}
	virStreamEventUpdateCallback(p->st, VIR_STREAM_EVENT_READABLE);
	if (p->watch >= 0)
		virEventUpdateHandle(p->watch, VIR_EVENT_HANDLE_READABLE);
}

static void pump_stream(virStreamPtr st, int events, void *opaque)
{
	struct pump *p = opaque;
	char buf[PUMP_BUF];

	if (events & VIR_STREAM_EVENT_WRITABLE)
		pump_flush(p);
	if (!(events & (VIR_STREAM_EVENT_READABLE | VIR_STREAM_EVENT_HANGUP |
			VIR_STREAM_EVENT_ERROR)))
		return;
	for (;;) {
		int n = virStreamRecv(st, buf, sizeof(buf));

		if (n == -2)
			return;
		if (n <= 0) {
			virStreamEventRemoveCallback(st);
			atomic_store(&p->eof, 1);
			wake();
			return;
		}
		if (hpc_write_all(p->fd, buf, (size_t)n) < 0) {
			virStreamEventRemoveCallback(st);
			atomic_store(&p->eof, 1);
			wake();
			return;
		}
	}
}

static void pump_fd(int watch, int fd, int events, void *opaque)
{
	struct pump *p = opaque;
	ssize_t n = 0;

	if (events & VIR_EVENT_HANDLE_READABLE) {
		n = read(fd, p->pend + p->npend, sizeof(p->pend) - p->npend);
		if (n > 0) {
			p->npend += (size_t)n;
			pump_flush(p);
			return;
		}
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			return;
	}
	if (n == 0 || (events & (VIR_EVENT_HANDLE_HANGUP | VIR_EVENT_HANDLE_ERROR))) {
		virEventRemoveHandle(watch);
		p->watch = -1;
	}
}

static void pump_start(struct pump *p, const char *name, int fd, virStreamPtr st)
{
	p->name = name;
	p->fd = fd;
	p->st = st;
	if (virStreamEventAddCallback(st, VIR_STREAM_EVENT_READABLE | VIR_STREAM_EVENT_HANGUP |
				      VIR_STREAM_EVENT_ERROR, pump_stream, p, NULL) < 0)
		die("%s stream: %s", name, lverr());
	p->watch = virEventAddHandle(fd, VIR_EVENT_HANDLE_READABLE, pump_fd, p, NULL);
	if (p->watch < 0)
		die("%s socket watch failed", name);
}

static void *event_loop(void *arg)
{
	(void)arg;
	while (!atomic_load(&G.quit_loop))
		if (virEventRunDefaultImpl() < 0)
			break;
	return NULL;
}

/* ---- set-up ---- */

static int connect_sock(const char *name)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || (size_t)snprintf(a.sun_path, sizeof(a.sun_path), "%s", name) >= sizeof(a.sun_path))
		die("socket %s: %s", name, strerror(errno));
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
		die("connect %s: %s", name, strerror(errno));
	return fd;
}

/*
 * The backing files of the scenario's memory-backend-file objects, made
 * before QEMU starts so that they belong to the run: next to us (mode 0600)
 * on a local daemon, or as volumes of --pool on a remote one (owned by the
 * user the daemon runs QEMU as), deleted again by cleanup_backing().
 */
static int qemu_dac_ids(unsigned int *uid, unsigned int *gid)
{
	char *caps = virConnectGetCapabilities(G.conn);
	const char *p = caps ? strstr(caps, "<baselabel type='qemu'>+") : NULL;
	int ok = p && sscanf(p, "<baselabel type='qemu'>+%u:+%u", uid, gid) == 2;

	free(caps);
	return ok ? 0 : -1;
}

static void make_backing_files(void)
{
	unsigned int uid = 0, gid = 0;
	int have_ids = 0;

	if (G.pool_name) {
		G.pool = virStoragePoolLookupByName(G.conn, G.pool_name);
		if (!G.pool)
			die("storage pool %s: %s", G.pool_name, lverr());
		have_ids = qemu_dac_ids(&uid, &gid) == 0;
	}
	for (int i = 0; i < G.s.ndevices; i++) {
		const struct hpc_device *d = &G.s.devices[i];

		for (int k = 0; k < d->nprops; k++) {
			const char *file = d->props[k].val + 1;
			char path[4200], vol[4608];
			virStorageVolPtr v;
			int fd;

			if (strcmp(d->props[k].key, "mem-path") || d->props[k].val[0] != '@')
				continue;
			if (!G.pool_name) {
				snprintf(path, sizeof(path), "%s%s", G.files, file);
				fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
				if (fd < 0)
					die("%s: %s", path, strerror(errno));
				close(fd);
				continue;
			}
			snprintf(path, sizeof(path), "%s.%s", G.name, file);
			v = virStorageVolLookupByName(G.pool, path);
			if (v) {	/* shared by two objects: made already */
				virStorageVolFree(v);
				continue;
			}
			if (have_ids)
				snprintf(vol, sizeof(vol),
					 "<volume><name>%s</name><capacity>0</capacity><target>"
					 "<format type='raw'/><permissions><owner>%u</owner>"
					 "<group>%u</group><mode>0600</mode></permissions>"
					 "</target></volume>", path, uid, gid);
			else
				snprintf(vol, sizeof(vol),
					 "<volume><name>%s</name><capacity>0</capacity><target>"
					 "<format type='raw'/></target></volume>", path);
			v = virStorageVolCreateXML(G.pool, vol, 0);
			if (!v)
				die("volume %s in pool %s: %s", path, G.pool_name, lverr());
			virStorageVolFree(v);
		}
	}
}

static void cleanup_backing(void)
{
	char prefix[HPC_SCN_NAME + 256];
	virStorageVolPtr *vols = NULL;
	int n;

	if (!G.pool)
		return;
	snprintf(prefix, sizeof(prefix), "%s.", G.name);
	virStoragePoolRefresh(G.pool, 0);
	n = virStoragePoolListAllVolumes(G.pool, &vols, 0);
	for (int i = 0; i < n; i++) {
		const char *name = virStorageVolGetName(vols[i]);

		if (name && strncmp(name, prefix, strlen(prefix)) == 0 &&
		    virStorageVolDelete(vols[i], 0) < 0)
			fprintf(stderr, "hpc-libvirt: volume %s stays: %s\n", name, lverr());
		virStorageVolFree(vols[i]);
	}
	free(vols);
}

static void quiet_errors(void *opaque, virErrorPtr e)
{
	(void)opaque;
	(void)e;	/* reported where they matter, with lverr() */
}

static void on_signal(int sig)
{
	(void)sig;
	G.term = 1;
	wake();
}

/* QEMU is gone in a way QEMU's own death would be (crash, libvirt lost):
 * the conductor's ERROR path for a guest process killed by a signal. */
static void __attribute__((noreturn)) die_like_qemu(const char *why)
{
	struct rlimit nocore = { 0, 0 };

	fprintf(stderr, "hpc-libvirt: %s\n", why);
	fflush(stderr);
	setrlimit(RLIMIT_CORE, &nocore);
	signal(SIGABRT, SIG_DFL);
	raise(SIGABRT);
	_exit(134);
}

/*
 * The connection to the libvirt host closed under a running guest: say which
 * host (the URI without its query: keyfile=, socket=...) and how, and die
 * like QEMU (docs/backends.md, "When a host is lost").
 */
static void __attribute__((noreturn)) die_conn_lost(void)
{
	static const char *const how[] = {
		[VIR_CONNECT_CLOSE_REASON_ERROR] = "I/O error",
		[VIR_CONNECT_CLOSE_REASON_EOF] = "end of file: the daemon, or the way to it, went away",
		[VIR_CONNECT_CLOSE_REASON_KEEPALIVE] = "no answer to keepalive",
		[VIR_CONNECT_CLOSE_REASON_CLIENT] = "closed by this client",
	};
	int r = -1;
	char why[1024];

	/* a call that failed may see the loss before the close callback ran */
	for (int i = 0; i < 100 && !atomic_load(&G.conn_lost); i++)
		nanosleep(&(struct timespec){ 0, 20 * 1000 * 1000 }, NULL);
	if (atomic_load(&G.conn_lost))
		r = atomic_load(&G.close_reason);
	snprintf(why, sizeof(why), "lost the connection to libvirt host %.*s (%s) under a running guest",
		 (int)strcspn(G.uri, "?"), G.uri,
		 r >= 0 && r < (int)(sizeof(how) / sizeof(how[0])) && how[r] ? how[r] : "unknown reason");
	die_like_qemu(why);
}

static void usage_exit(void)
{
	fputs("usage: hpc-libvirt --uri URI --scenario FILE --name NAME --kernel PATH\n"
	      "                   --initrd PATH --append TEXT [--files PREFIX | --pool POOL]\n"
	      "                   [--type qemu|kvm] [--dac-label +UID:+GID] [--emulator PATH]\n"
	      "                   [--xml-only]\n", stderr);
	exit(2);
}

static void run_qmp(void)
{
	char buf[65536];
	struct json_object *greet;
	struct pollfd pfd[2];
	struct timespec stop_at = { 0, 0 };

	greet = json_tokener_parse("{\"QMP\": {\"version\": {\"qemu\": {\"major\": 0, \"minor\": 0,"
				   " \"micro\": 0}, \"package\": \"via libvirt\"}, \"capabilities\": []}}");
	qmp_send(greet);
	json_object_put(greet);
	for (;;) {
		int n;

		pfd[0].fd = G.qmp_fd;
		pfd[0].events = POLLIN;
		pfd[1].fd = G.wake[0];
		pfd[1].events = POLLIN;
		n = poll(pfd, 2, 100);
		if (n < 0 && errno != EINTR)
			die("poll: %s", strerror(errno));
		if (n > 0 && (pfd[1].revents & POLLIN)) {
			while (read(G.wake[0], buf, sizeof(buf)) > 0)
				;
		}
		if (G.term) {
			virDomainDestroy(G.dom);
			return;
		}
		if (atomic_load(&G.conn_lost))
			die_conn_lost();
		if (atomic_load(&G.stopped)) {
			struct timespec t;

			clock_gettime(CLOCK_MONOTONIC, &t);
			if (!stop_at.tv_sec)
				stop_at = t;
			/* the console's last lines, then go */
			if (atomic_load(&G.con.eof) ||
			    (t.tv_sec - stop_at.tv_sec) * 1000 +
			    (t.tv_nsec - stop_at.tv_nsec) / 1000000 > DRAIN_MS)
				return;
			continue;
		}
		if (n > 0 && G.qmp_fd >= 0 && (pfd[0].revents & (POLLIN | POLLHUP))) {
			ssize_t r = read(G.qmp_fd, buf, sizeof(buf));

			if (r > 0)
				hpc_linebuf_feed(&G.qmp_lb, buf, (size_t)r, on_qmp_line, NULL);
			else if (r == 0 || (errno != EINTR && errno != EAGAIN))
				G.qmp_fd = -1;	/* the conductor hung up: it will kill us */
		}
	}
}

/* pool mode: "/POOL-TARGET/DOMAIN." */
static char *pool_prefix(void)
{
	virStoragePoolPtr p = virStoragePoolLookupByName(G.conn, G.pool_name);
	char *xml = p ? virStoragePoolGetXMLDesc(p, 0) : NULL;
	char *a = xml ? strstr(xml, "<target>") : NULL, *out = NULL;
	char *b = a ? strstr(a, "<path>") : NULL, *e = b ? strstr(b, "</path>") : NULL;

	if (!e)
		die("storage pool %s: %s", G.pool_name, p ? "no target path" : lverr());
	*e = 0;
	if (asprintf(&out, "%s/%s.", b + 6, G.name) < 0)
		die("out of memory");
	free(xml);
	virStoragePoolFree(p);
	return out;
}

static char *domain_xml(const char *file, struct hpc_lv_opts *o)
{
	char err[512], *xml = NULL;
	size_t len = 0;
	FILE *f;

	if (hpc_scenario_load(file, &G.s, stderr, 20) < 0)
		exit(2);
	f = open_memstream(&xml, &len);
	if (!f || hpc_lv_domain_xml(&G.s, o, f, err, sizeof(err)) < 0 || fclose(f) != 0)
		die("%s: cannot express this machine as a libvirt domain: %s", file, err);
	return xml;
}

static void open_streams(void)
{
	virStreamPtr con = virStreamNew(G.conn, VIR_STREAM_NONBLOCK);
	virStreamPtr agent = virStreamNew(G.conn, VIR_STREAM_NONBLOCK);

	if (!con || !agent)
		die("streams: %s", lverr());
	if (virDomainOpenConsole(G.dom, NULL, con, VIR_DOMAIN_CONSOLE_FORCE) < 0)
		die("console: %s", lverr());
	if (virDomainOpenChannel(G.dom, "org.hpchaos.agent", agent, VIR_DOMAIN_CHANNEL_FORCE) < 0)
		die("agent channel: %s", lverr());
	pump_start(&G.con, "console", connect_sock("console.sock"), con);
	pump_start(&G.agent, "agent", connect_sock("agent.sock"), agent);
	G.qmp_fd = connect_sock("qmp.sock");
}

/* The command line. */
struct lv_args {
	struct hpc_lv_opts o;
	const char *uri, *file;
	int xml_only;
	char cwd[4096];
};

static const struct option long_opts[] = {
	HPC_OPT_ARG("uri", 'u'), HPC_OPT_ARG("scenario", 's'), HPC_OPT_ARG("name", 'n'),
	HPC_OPT_ARG("kernel", 'k'), HPC_OPT_ARG("initrd", 'i'), HPC_OPT_ARG("append", 'a'),
	HPC_OPT_ARG("files", 'f'), HPC_OPT_ARG("pool", 'p'), HPC_OPT_ARG("dac-label", 'l'),
	HPC_OPT_ARG("emulator", 'e'), HPC_OPT_ARG("type", 't'), HPC_OPT_FLAG("xml-only", 'x'),
	HPC_OPT_END,
};

static void parse_args(struct lv_args *a, int argc, char **argv)
{
	struct hpc_lv_opts *o = &a->o;
	int c;

	while ((c = getopt_long(argc, argv, "", long_opts, NULL)) != -1) {
		switch (c) {
		case 'u': a->uri = optarg; break;
		case 's': a->file = optarg; break;
		case 'n': o->name = optarg; break;
		case 'k': o->kernel = optarg; break;
		case 'i': o->initrd = optarg; break;
		case 'a': o->append = optarg; break;
		case 'f': o->files = optarg; break;
		case 'p': G.pool_name = optarg; break;
		case 'l': o->dac_label = optarg; break;
		case 'e': o->emulator = optarg; break;
		case 't': o->type = optarg; break;
		case 'x': a->xml_only = 1; break;
		default: usage_exit();
		}
	}
	if (optind != argc || !a->file || !o->name || !o->kernel || !o->initrd || !o->append ||
	    (!a->uri && !a->xml_only) || (o->files && o->files[0] != '/') ||
	    (G.pool_name && o->files))
		usage_exit();
	G.name = o->name;
	if (!o->files && !G.pool_name) {	/* next to us, in the run directory */
		if (!getcwd(a->cwd, sizeof(a->cwd) - 1))
			die("getcwd: %s", strerror(errno));
		strcat(a->cwd, "/");
		o->files = a->cwd;
	}
}

/* Signals, the libvirt event loop and connection. */
static void setup(const char *uri)
{
	struct sigaction sa = { .sa_handler = on_signal };

	if (pipe2(G.wake, O_CLOEXEC | O_NONBLOCK) < 0 ||
	    hpc_linebuf_init(&G.qmp_lb, HPC_QMP_MAX_LINE) < 0)
		die("out of resources");
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	virSetErrorFunc(NULL, quiet_errors);
	if (virEventRegisterDefaultImpl() < 0)
		die("libvirt event loop: %s", lverr());
	G.uri = uri;
	G.conn = virConnectOpen(uri);
	if (!G.conn)
		die("cannot connect to %s: %s", uri, lverr());
	virConnectRegisterCloseCallback(G.conn, on_close, NULL, NULL);
	/*
	 * A host that stops answering (power loss, a network that drops
	 * packets) is noticed within about 30 s: 5 keepalives 5 s apart
	 * unanswered close the connection (on_close). Not every driver has
	 * keepalive; those that do not close the connection on EOF alone.
	 */
	if (virConnectSetKeepAlive(G.conn, 5, 5) < 0)
		virResetLastError();
}

/*
 * The domain (xml, also kept as domain.xml), started paused so that no
 * console byte is lost before the streams are open, then resumed.
 */
static void start_domain(const char *xml, const char *name)
{
	pthread_t loop;
	FILE *f = fopen("domain.xml", "w");

	if (f) {
		fputs(xml, f);
		fclose(f);
	}
	atexit(cleanup_backing);
	make_backing_files();
	if (pthread_create(&loop, NULL, event_loop, NULL))
		die("cannot start the event thread");
	G.dom = virDomainCreateXML(G.conn, xml, VIR_DOMAIN_START_PAUSED |
				   VIR_DOMAIN_START_AUTODESTROY);
	if (!G.dom)
		die("cannot start domain %s: %s", name, lverr());
	if (virConnectDomainEventRegisterAny(G.conn, G.dom, VIR_DOMAIN_EVENT_ID_LIFECYCLE,
					     VIR_DOMAIN_EVENT_CALLBACK(on_lifecycle),
					     NULL, NULL) < 0 ||
	    virConnectDomainQemuMonitorEventRegister(G.conn, G.dom, NULL, on_monitor_event,
						     NULL, NULL, 0) < 0)
		die("event registration: %s", lverr());
	open_streams();
	if (virDomainResume(G.dom) < 0)
		die("resume: %s", lverr());
}

/* The domain stopped: QEMU's own death is told as QEMU's would be. */
static int finish(void)
{
	int detail = atomic_load(&G.stop_detail);

	if (atomic_load(&G.stopped) && !G.term &&
	    (detail == VIR_DOMAIN_EVENT_STOPPED_CRASHED ||
	     detail == VIR_DOMAIN_EVENT_STOPPED_FAILED)) {
		cleanup_backing();
		die_like_qemu(detail == VIR_DOMAIN_EVENT_STOPPED_CRASHED ?
			      "QEMU crashed (libvirt: stopped, crashed); see libvirt's domain log" :
			      "QEMU failed (libvirt: stopped, failed); see libvirt's domain log");
	}
	atomic_store(&G.quit_loop, 1);
	cleanup_backing();
	G.pool = NULL;
	virConnectClose(G.conn);
	return 0;
}

int main(int argc, char **argv)
{
	struct lv_args a = { 0 };
	char *xml, *files = NULL;

	parse_args(&a, argc, argv);
	if (a.xml_only) {
		if (!a.o.files)
			a.o.files = "/POOL/";
		xml = domain_xml(a.file, &a.o);
		fputs(xml, stdout);
		free(xml);
		return 0;
	}
	setup(a.uri);
	if (G.pool_name)
		a.o.files = files = pool_prefix();
	G.files = a.o.files;
	xml = domain_xml(a.file, &a.o);
	start_domain(xml, a.o.name);
	free(xml);
	run_qmp();
	free(files);
	return finish();
}
