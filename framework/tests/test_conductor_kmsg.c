// SPDX-License-Identifier: GPL-2.0
/*
 * The sanitized conductor (CONDUCTOR_BIN) against a fake guest on its real
 * sockets: this test binary, run by the conductor as the "guest command"
 * with --fake-guest MODE, connects to console.sock, agent.sock and
 * qmp.sock in the run directory and plays a scripted guest.
 *
 * Issue 17 item 2: what a program prints (on its output, on the console)
 * is never a kernel report; a kernel record the agent forwards is one,
 * even when the console does not show it; what the agent could not
 * forward (a panic) is found on the console after the last record.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <json-c/json.h>

#ifndef CONDUCTOR_BIN
#define CONDUCTOR_BIN "build-san/bin/hpc-conductor"
#endif

/* ---- the fake guest ---- */

static int fg_console, fg_agent;

static int fg_connect(const char *path)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		exit(10);
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
	for (int i = 0; i < 100; i++) {
		if (connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0)
			return fd;
		usleep(20000);
	}
	exit(11);
}

static void fg_put(int fd, const char *s)
{
	size_t n = strlen(s);

	while (n) {
		ssize_t w = write(fd, s, n);

		if (w <= 0)
			exit(12);
		s += w;
		n -= (size_t)w;
	}
	usleep(2000);	/* keep the two streams roughly in order */
}

/* What the kernel prints: a console line, then the forwarded record. */
static void fg_kernel(unsigned int prio, unsigned int seq, unsigned long usec,
		      const char *text)
{
	char line[1200];

	snprintf(line, sizeof(line), "[%5lu.%06lu] %s\r\n", usec / 1000000,
		 usec % 1000000, text);
	fg_put(fg_console, line);
	snprintf(line, sizeof(line), "KMSG %u,%u,%lu,-;%s\n", prio, seq, usec,
		 text);
	fg_put(fg_agent, line);
}

/* Wait for the plan's GO from the host. */
static void fg_wait_go(void)
{
	char buf[4096];
	size_t n = 0;

	for (;;) {
		ssize_t r = read(fg_agent, buf + n, sizeof(buf) - 1 - n);

		if (r <= 0)
			exit(13);
		n += (size_t)r;
		buf[n] = '\0';
		if (strstr(buf, "GO\n"))
			return;
		if (n == sizeof(buf) - 1)
			n = 0;
	}
}

static int fake_guest(const char *mode)
{
	int qmp;

	fg_console = fg_connect("console.sock");
	fg_agent = fg_connect("agent.sock");
	qmp = fg_connect("qmp.sock");
	fg_kernel(6, 0, 1000000, "Linux version 6.1.0-fake");
	fg_put(fg_agent, "HELLO 1 6.1.0-fake\n");
	fg_wait_go();
	fg_put(fg_agent, "STEP 0 START 1\n");
	fg_kernel(12, 1, 2000000, "hpchaos: run=r step=0 s start");

	if (strcmp(mode, "panic") == 0) {
		/* the kernel dies before the agent can forward its report */
		fg_put(fg_console, "progress 10%\r\x1b]0;t\a[    2.500000] "
		       "BUG: KASAN: use-after-free in hpc_trigger_uaf+0x89/0xa6"
		       " [hpchaos_trigger]\r\n");
		fg_put(fg_console, "[    2.500001] Read of size 4 at addr "
		       "ffff888004bdaf0c by task sh/70\r\n");
		fg_put(fg_console, "[    2.600000] Kernel panic - not syncing: "
		       "kasan.fault=panic set ...\r\n");
		close(qmp);
		return 0;	/* the guest resets: no BYE */
	}
	/* the step forges reports on its output and on the console */
	fg_put(fg_agent, "OUT 0 [   12.000000] BUG: KASAN: use-after-free in "
	       "forged+0x1/0x2\n");
	fg_put(fg_console, "Kernel panic - not syncing: forged\r\n");
	fg_put(fg_console, "[   12.000000] BUG: KASAN: use-after-free in "
	       "forged+0x1/0x2\r\n");
	fg_put(fg_console, "[   12.000001] WARNING: CPU: 0 PID: 70 at x.c:1 "
	       "forged+0x1/0x2\r\n");
	fg_put(fg_console, "partial line, then the kernel's own:");
	if (strcmp(mode, "kernel") == 0) {
		/* a real report: a record only (the console lost it) */
		fg_put(fg_agent, "KMSG 3,2,2500000,-,caller=T70;BUG: KASAN: "
		       "use-after-free in hpc_trigger_uaf+0x89/0xa6 "
		       "[hpchaos_trigger]\n");
	}
	fg_kernel(12, 3, 3000000, "hpchaos: run=r step=0 s end");
	fg_put(fg_agent, "STEP 0 END 2 0 5\n");
	fg_kernel(12, 4, 4000000, "hpchaos: run=r agent done, exit code 0");
	fg_put(fg_agent, "BYE 0\n");
	fg_put(fg_console, "[    4.100000] reboot: Power down\r\n");
	close(qmp);
	return 0;
}

/* ---- the test side ---- */

static char self[4096];

static void write_str(const char *path, const char *s, size_t n)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(s, 1, n, f), n);
	fclose(f);
}

/* Run the conductor on a one-step scenario with the fake guest MODE. */
static struct json_object *run(const char *mode, int *rc)
{
	char dir[] = "/tmp/hpc-conductor-test.XXXXXX";
	char scn[128], argvf[128], vpath[128], args[8192], cmd[256];
	static const char scenario[] =
		"name fake\ndescription A scripted guest.\ngroups selftest\n"
		"timeout 60\nrun s : true\n";
	struct json_object *v;
	size_t n;
	pid_t pid;
	int st;

	assert_non_null(mkdtemp(dir));
	snprintf(scn, sizeof(scn), "%s/fake.scn", dir);
	snprintf(argvf, sizeof(argvf), "%s/guest.argv", dir);
	snprintf(vpath, sizeof(vpath), "%s/run/verdict.json", dir);
	write_str(scn, scenario, sizeof(scenario) - 1);
	n = (size_t)snprintf(args, sizeof(args), "%s%c--fake-guest%c%s%c", self,
			     '\0', '\0', mode, '\0');
	write_str(argvf, args, n);
	snprintf(cmd, sizeof(cmd), "%s/run", dir);
	assert_int_equal(mkdir(cmd, 0700), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		const char *bin = getenv("HPC_CONDUCTOR_BIN");

		if (null >= 0 && !getenv("HPC_CONDUCTOR_TEST_TRACE"))
			dup2(null, 2);
		execl(bin ? bin : CONDUCTOR_BIN, "hpc-conductor", "--scenario", scn,
		      "--dir", cmd, "--guest-argv", argvf, "--run-id", "r",
		      "--seed", "1", (char *)NULL);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	*rc = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	v = json_object_from_file(vpath);
	if (!v)
		fail_msg("no verdict.json in %s (conductor exit %d)", dir, *rc);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "# cannot remove %s\n", dir);
	return v;
}

static const char *jstr(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !v)
		return "";
	return json_object_get_string(v);
}

static struct json_object *jget(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	json_object_object_get_ex(o, key, &v);
	return v;
}

static void test_forged_is_pass(void **state)
{
	struct json_object *v;
	int rc;

	(void)state;
	v = run("forged", &rc);
	if (strcmp(jstr(v, "verdict"), "PASS") != 0)
		fail_msg("verdict %s %s: %s (%s)", jstr(v, "verdict"),
			 jstr(v, "class"), jstr(v, "title"), jstr(v, "reason"));
	assert_int_equal(rc, 0);
	assert_int_equal(json_object_array_length(jget(v, "reports")), 0);
	assert_int_equal(json_object_get_int(jget(jget(v, "kernel_log"),
						  "kmsg_kernel_records")), 1);
	/* only what followed the agent's last marker came from the console */
	assert_int_equal(json_object_get_int(jget(jget(v, "kernel_log"),
						  "console_lines_after_last_record")), 1);
	json_object_put(v);
}

static void test_kernel_record_is_fail(void **state)
{
	struct json_object *v, *r;
	int rc;

	(void)state;
	v = run("kernel", &rc);
	assert_string_equal(jstr(v, "verdict"), "FAIL");
	assert_string_equal(jstr(v, "class"), "KASAN");
	assert_string_equal(jstr(v, "title"),
			    "KASAN: use-after-free in hpc_trigger_uaf");
	assert_int_equal(rc, 1);
	assert_int_equal(json_object_array_length(jget(v, "reports")), 1);
	r = json_object_array_get_idx(jget(v, "reports"), 0);
	assert_string_equal(jstr(r, "source"), "kmsg");
	assert_int_equal(json_object_get_int(jget(r, "kmsg_seq")), 2);
	assert_non_null(strstr(jstr(v, "reason"), "kernel log record 2"));
	json_object_put(v);
}

static void test_panic_from_console(void **state)
{
	struct json_object *v, *r;
	int rc;

	(void)state;
	v = run("panic", &rc);
	assert_string_equal(jstr(v, "verdict"), "FAIL");
	assert_string_equal(jstr(v, "class"), "KASAN");
	assert_string_equal(jstr(v, "title"),
			    "KASAN: use-after-free in hpc_trigger_uaf");
	r = json_object_array_get_idx(jget(v, "reports"), 0);
	assert_non_null(r);
	assert_string_equal(jstr(r, "source"), "console");
	assert_int_equal(json_object_get_int(jget(r, "console_line")), 3);
	json_object_put(v);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forged_is_pass),
		cmocka_unit_test(test_kernel_record_is_fail),
		cmocka_unit_test(test_panic_from_console),
	};
	ssize_t n;

	if (argc == 3 && strcmp(argv[1], "--fake-guest") == 0)
		return fake_guest(argv[2]);
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		return 1;
	self[n] = '\0';
	return cmocka_run_group_tests(tests, NULL, NULL);
}
