// SPDX-License-Identifier: GPL-2.0
/*
 * Tests for /dev/kmsg records (hpc_kmsg_parse) and the merge of the two
 * kernel channels (hpc_kmerge): forwarded records are trusted, the console
 * only after the last forwarded record found on it (issue 17 items 1-3).
 */
#include <dirent.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "hpc/kmsg.h"
#include "hpc/triage.h"

static struct hpc_kmsg k;

static int parse(const char *s)
{
	return hpc_kmsg_parse(s, strlen(s), &k);
}

static void test_parse_plain(void **state)
{
	(void)state;
	assert_int_equal(parse("6,1234,27755595,-;hello world"), 0);
	assert_int_equal(k.prio, 6);
	assert_int_equal(k.facility, 0);
	assert_int_equal(k.level, 6);
	assert_true(k.seq == 1234);
	assert_true(k.ts_usec == 27755595);
	assert_int_equal(k.flags, '-');
	assert_string_equal(k.caller, "");
	assert_string_equal(k.text, "hello world");
	assert_int_equal(k.text_len, 11);
	assert_int_equal(k.truncated, 0);

	/* userspace: the kernel forces facility 1 (LOG_USER) at least */
	assert_int_equal(parse("12,5,100,-;hpchaos: run=x step=0 a start"), 0);
	assert_int_equal(k.facility, 1);
	assert_int_equal(k.level, 4);

	/* empty text, continuation flag */
	assert_int_equal(parse("4,0,0,c;"), 0);
	assert_int_equal(k.flags, 'c');
	assert_int_equal(k.text_len, 0);
}

static void test_parse_fields(void **state)
{
	(void)state;
	assert_int_equal(parse("3,77,123456,-,caller=T70;BUG: KASAN: x"), 0);
	assert_string_equal(k.caller, "T70");
	assert_string_equal(k.text, "BUG: KASAN: x");
	assert_int_equal(parse("3,77,123456,-,caller=C1;x"), 0);
	assert_string_equal(k.caller, "C1");
	/* unknown fields are passed over */
	assert_int_equal(parse("3,77,1,-,future=1,caller=T2,more;x"), 0);
	assert_string_equal(k.caller, "T2");
	assert_int_equal(parse("3,77,1,-,caller=X2;x"), -1);
	assert_int_equal(parse("3,77,1,-,caller=T;x"), -1);
	assert_int_equal(parse("3,77,1,-,caller=T1a;x"), -1);
	assert_int_equal(parse("3,77,1,-,caller=T12345678901234;x"), -1);
}

static void test_parse_escapes(void **state)
{
	(void)state;
	/* multi-line record, a backslash, a tab, a high byte */
	assert_int_equal(parse("6,1,2,-;a\\x0ab\\x5cc\\x09d\\xc3"), 0);
	assert_int_equal(k.text_len, 8);
	assert_memory_equal(k.text, "a\nb\\c\td\xc3", 8);
	/* a cut escape at the end is dropped, a bad one kept as it is */
	assert_int_equal(parse("6,1,2,-;ab\\x4"), 0);
	assert_string_equal(k.text, "ab");
	assert_int_equal(parse("6,1,2,-;ab\\xzz"), 0);
	assert_string_equal(k.text, "ab\\xzz");
	/* ';' in the text is text */
	assert_int_equal(parse("6,1,2,-;a;b"), 0);
	assert_string_equal(k.text, "a;b");
}

static void test_parse_invalid(void **state)
{
	static const char *const bad[] = {
		"", ";", "6;x", "6,1;x", "6,1,2;x", "6,1,2,;x", "6,1,2,,;x",
		"a,1,2,-;x", "6,a,2,-;x", "6,1,b,-;x", "06,1,2,-;x",
		"6,01,2,-;x", "-6,1,2,-;x", "6,1,2,- ;x", "6,1,2,-x;y",
		"6,18446744073709551616,2,-;x", "2147483648,1,2,-;x",
		"6,1,2,-", " 6,1,2,-;x", "6,1,2,\x01;x",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (parse(bad[i]) != -1)
			fail_msg("accepted \"%s\"", bad[i]);
	assert_int_equal(hpc_kmsg_parse(NULL, 0, &k), -1);
	/* the largest values */
	assert_int_equal(parse("2147483647,18446744073709551615,"
			       "18446744073709551615,-;x"), 0);
	assert_true(k.seq == UINT64_MAX);
}

static void test_parse_long(void **state)
{
	char rec[4 * HPC_KMSG_TEXT_MAX + 64];
	size_t n;

	(void)state;
	n = (size_t)snprintf(rec, sizeof(rec), "6,1,2,-;");
	while (n < sizeof(rec) - 5) {
		memcpy(rec + n, "\\x41", 4);
		n += 4;
	}
	rec[n] = '\0';
	assert_int_equal(hpc_kmsg_parse(rec, n, &k), 0);
	assert_int_equal(k.text_len, HPC_KMSG_TEXT_MAX);
	assert_int_equal(k.truncated, 1);
	assert_int_equal(k.text[0], 'A');
	/* not NUL-terminated input */
	memcpy(rec, "6,1,2,-;abcXYZ", 14);
	assert_int_equal(hpc_kmsg_parse(rec, 11, &k), 0);
	assert_string_equal(k.text, "abc");
}

static void test_ts_prefix(void **state)
{
	unsigned long long ts = 0;
	char caller[12];

	(void)state;
	assert_int_equal(hpc_triage_ts_prefix("[   12.345678] x", &ts, caller,
					      sizeof(caller)), 15);
	assert_true(ts == 12345678);
	assert_string_equal(caller, "");
	assert_int_equal(hpc_triage_ts_prefix("[   27.755595][   T70] BUG", &ts,
					      caller, sizeof(caller)), 23);
	assert_true(ts == 27755595);
	assert_string_equal(caller, "T70");
	assert_int_equal(hpc_triage_ts_prefix("[12.5]x", &ts, caller,
					      sizeof(caller)), 6);
	assert_true(ts == 12500000);
	/* not a printk timestamp */
	assert_int_equal(hpc_triage_ts_prefix("[ 1] x", &ts, caller, sizeof(caller)), 0);
	assert_int_equal(hpc_triage_ts_prefix("[ 1.] x", &ts, caller, sizeof(caller)), 0);
	assert_int_equal(hpc_triage_ts_prefix("[ .5] x", &ts, caller, sizeof(caller)), 0);
	assert_int_equal(hpc_triage_ts_prefix("[    T1] x", &ts, caller, sizeof(caller)), 0);
	assert_int_equal(hpc_triage_ts_prefix("12.5] x", &ts, caller, sizeof(caller)), 0);
	assert_int_equal(hpc_triage_ts_prefix("[ 1.5", NULL, NULL, 0), 0);
	/* a huge number does not overflow */
	assert_true(hpc_triage_ts_prefix("[99999999999999999999999.1234567891]",
					 &ts, NULL, 0) > 0);
}

/* ---- the merge ---- */

struct env {
	struct hpc_triage *t;
	struct hpc_kmerge *m;
};

static int setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));

	if (!e)
		return -1;
	e->t = hpc_triage_new();
	e->m = e->t ? hpc_kmerge_new(e->t) : NULL;
	if (!e->m) {
		hpc_triage_free(e->t);
		free(e);
		return -1;
	}
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;

	hpc_kmerge_free(e->m);
	hpc_triage_free(e->t);
	free(e);
	return 0;
}

static void rec(struct env *e, const char *s)
{
	struct hpc_kmsg r;

	if (hpc_kmsg_parse(s, strlen(s), &r) < 0)
		fail_msg("bad test record %s", s);
	hpc_kmerge_record(e->m, &r);
}

static void con(struct env *e, const char *s)
{
	hpc_kmerge_console(e->m, s, strlen(s));
}

/* A record printed by the kernel: on the console, then forwarded. */
static void both(struct env *e, unsigned int prio, unsigned long seq,
		 const char *ts, const char *caller, const char *text)
{
	char c[2048], r[2048];
	unsigned long long sec, usec;

	if (sscanf(ts, "%llu.%llu", &sec, &usec) != 2)
		fail_msg("bad ts %s", ts);
	snprintf(c, sizeof(c), "[%12s][%6s] %s", ts, caller, text);
	snprintf(r, sizeof(r), "%u,%lu,%llu,-,caller=%s;%s", prio, seq,
		 sec * 1000000ULL + usec, caller, text);
	con(e, c);
	rec(e, r);
}

static const struct hpc_report *finish(struct env *e)
{
	hpc_kmerge_finish(e->m);
	hpc_triage_finish(e->t);
	return hpc_triage_primary(e->t);
}

static const char *const kasan_lines[] = {
	"==================================================================",
	"BUG: KASAN: use-after-free in hpc_trigger_uaf+0x89/0xa6 [hpchaos_trigger]",
	"Read of size 4 at addr ffff888004bdaf0c by task sh/70",
	"Call Trace:",
	" <TASK>",
	" dump_stack_lvl+0x4c/0x63",
	" hpc_trigger_uaf+0x89/0xa6 [hpchaos_trigger]",
};

/*
 * The console far ahead of the records, with a report among its lines that
 * no record will match: as records match the lines before it one by one,
 * the early look still names it, at its console line; once a record
 * matches a line after it, it was a program's and the look is empty.
 * (The tail is triaged again on a look after matches, not at each match:
 * fuzz_kmerge found a full pass per record too slow.)
 */
static void test_tail_look_console_ahead(void **state)
{
	struct env *e = *state;
	char c[128], r[128];
	const struct hpc_report *tr;

	for (unsigned int i = 1; i <= 300; i++) {
		if (i == 150) {
			con(e, "[   12.000001][   T70] WARNING: CPU: 0 PID: 70 at x.c:1 forged+0x1/0x2");
			continue;
		}
		snprintf(c, sizeof(c), "[%8u.000000][    T1] line %u", i, i);
		con(e, c);
	}
	for (unsigned int i = 1; i < 150; i++) {
		snprintf(r, sizeof(r), "6,%u,%llu,-,caller=T1;line %u", i,
			 (unsigned long long)i * 1000000ULL, i);
		rec(e, r);
		if (i % 50 == 0 || i == 149) {
			tr = hpc_kmerge_tail_report(e->m);
			assert_non_null(tr);
			assert_int_equal(tr->line, 150);
			assert_int_equal(tr->src, HPC_SRC_CONSOLE);
		}
	}
	rec(e, "6,151,151000000,-,caller=T1;line 151");
	assert_null(hpc_kmerge_tail_report(e->m));
	assert_null(finish(e));
}

/* Item 2: a program's copy of a report on the console is not a report. */
static void test_forged_console_ignored(void **state)
{
	struct env *e = *state;

	both(e, 6, 10, "27.700000", "T1", "virtio_blk virtio1: 1/0/0 queues");
	both(e, 12, 11, "27.708042", "T1", "hpchaos: run=r step=1 fake start");
	/* the step prints a report of its own making */
	con(e, "Kernel panic - not syncing: forged");
	con(e, "[   12.000000] BUG: KASAN: use-after-free in forged+0x1/0x2");
	con(e, "[   12.000001][   T70] WARNING: CPU: 0 PID: 70 at x.c:1 forged+0x1/0x2");
	/* an early look sees them (the agent might be dead) ... */
	assert_non_null(hpc_kmerge_tail_report(e->m));
	both(e, 12, 12, "27.900000", "T1", "hpchaos: run=r step=1 fake end");
	/* ... until a later record shows they were a program's */
	assert_null(hpc_kmerge_tail_report(e->m));
	both(e, 12, 13, "28.000000", "T1", "hpchaos: run=r agent done, exit code 0");
	con(e, "[   28.100000] reboot: Power down");
	assert_null(finish(e));
	assert_int_equal(hpc_kmerge_stats(e->m)->matched, 4);
	assert_int_equal(hpc_kmerge_stats(e->m)->tail_lines, 1);
}

/* Item 2: a kernel record is a report, whatever the console shows. */
static void test_kernel_record_is_report(void **state)
{
	struct env *e = *state;
	const struct hpc_report *r;

	rec(e, "12,11,27708042,-,caller=T1;hpchaos: run=r step=1 t start");
	/* the console lost it all (or a program hid it with escapes) */
	for (size_t i = 0; i < sizeof(kasan_lines) / sizeof(kasan_lines[0]); i++) {
		char buf[256];

		snprintf(buf, sizeof(buf), "3,%zu,%zu,-,caller=T70;%s",
			 20 + i, 27755595 + i, kasan_lines[i]);
		rec(e, buf);
	}
	r = finish(e);
	assert_non_null(r);
	assert_int_equal(r->cls, HPC_C_KASAN);
	assert_string_equal(r->title, "KASAN: use-after-free in hpc_trigger_uaf");
	assert_int_equal(r->src, HPC_SRC_KMSG);
	assert_int_equal(r->line, 21);	/* the record's seq */
	assert_int_equal(hpc_kmerge_console_line(e->m, 21), 0);
}

/* A user-facility record with a kernel report's text is not a report. */
static void test_user_record_not_report(void **state)
{
	struct env *e = *state;

	rec(e, "11,5,100,-;BUG: KASAN: use-after-free in forged+0x1/0x2");
	rec(e, "14,6,101,-;Kernel panic - not syncing: forged");
	assert_null(finish(e));
	assert_int_equal(hpc_kmerge_stats(e->m)->kernel_records, 0);
}

/* Item 1 + fallback: a panic the agent never forwarded, glued on the console. */
static void test_console_tail_after_last_record(void **state)
{
	struct env *e = *state;
	const struct hpc_report *r;

	both(e, 12, 11, "27.708042", "T1", "hpchaos: run=r step=1 t start");
	con(e, "progress 10%\r[   27.755227][   T70] "
	       "==================================================================");
	con(e, "\x1b]0;title\a[   27.755595][   T70] BUG: KASAN: use-after-free "
	       "in hpc_trigger_uaf+0x89/0xa6 [hpchaos_trigger]");
	con(e, "[   27.756258][   T70] Read of size 4 at addr ffff888004bdaf0c");
	con(e, "[   27.800000][   T70] Kernel panic - not syncing: kasan.fault=panic set ...");
	r = finish(e);
	assert_non_null(r);
	assert_int_equal(r->cls, HPC_C_KASAN);
	assert_string_equal(r->title, "KASAN: use-after-free in hpc_trigger_uaf");
	assert_int_equal(r->src, HPC_SRC_CONSOLE);
	assert_int_equal(r->line, 3);	/* console line */
	assert_int_equal(hpc_kmerge_stats(e->m)->tail_lines, 4);
}

/* The header was forwarded, the rest only reached the console (a panic). */
static void test_report_completed_from_console(void **state)
{
	struct env *e = *state;
	const struct hpc_report *r;

	both(e, 1, 40, "30.000001", "T70",
	     "BUG: kernel NULL pointer dereference, address: 0000000000000000");
	con(e, "[   30.000002][   T70] #PF: supervisor read access in kernel mode");
	con(e, "[   30.000003][   T70] Oops: 0000 [#1] PREEMPT SMP KASAN NOPTI");
	con(e, "[   30.000004][   T70] RIP: 0010:hpc_trigger_null+0x12/0x30 [hpchaos_trigger]");
	r = finish(e);
	assert_non_null(r);
	assert_int_equal(r->cls, HPC_C_CRASH);
	assert_string_equal(r->title,
			    "BUG: kernel NULL pointer dereference in hpc_trigger_null");
	assert_int_equal(r->src, HPC_SRC_KMSG);
	assert_int_equal(hpc_triage_count(e->t), 1);
	/* the record was printed on console line 1 */
	assert_int_equal(hpc_kmerge_console_line(e->m, 40), 1);
	assert_int_equal(hpc_kmerge_console_line(e->m, 41), 0);
}

/* Item 3: another CPU's text cut into the console copy; the record is whole. */
static void test_title_from_whole_record(void **state)
{
	struct env *e = *state;
	const struct hpc_report *r;

	con(e, "[   40.000000][   T70] WARNING: CPU: 0 PID: 70 at mm/memremap.c:145 "
	       "memunmap_p[   40.000001][    C1] hpc_mirror: evict 12");
	con(e, "[   40.000001][    C1] hpc_mirror: evict 12");
	con(e, "ages+0x2f1/0x3c0");
	rec(e, "4,50,40000000,-,caller=T70;WARNING: CPU: 0 PID: 70 at "
	       "mm/memremap.c:145 memunmap_pages+0x2f1/0x3c0");
	rec(e, "6,51,40000001,-,caller=C1;hpc_mirror: evict 12");
	both(e, 4, 52, "40.000002", "T70", "Modules linked in: hpchaos_trigger");
	r = finish(e);
	assert_non_null(r);
	assert_string_equal(r->title, "WARNING in memunmap_pages");
	assert_int_equal(r->src, HPC_SRC_KMSG);
	assert_int_equal(hpc_triage_count(e->t), 1);
}

/* The record may reach the host before its console line. */
static void test_record_before_console(void **state)
{
	struct env *e = *state;

	con(e, "[   12.000000] BUG: KASAN: use-after-free in forged+0x1/0x2");
	rec(e, "12,11,27708042,-;hpchaos: run=r step=1 t end");
	con(e, "[   27.708042] hpchaos: run=r step=1 t end");
	con(e, "[   28.000000] reboot: Power down");
	assert_null(finish(e));
	assert_int_equal(hpc_kmerge_stats(e->m)->matched, 1);
	assert_int_equal(hpc_kmerge_stats(e->m)->tail_lines, 1);
	assert_int_equal(hpc_kmerge_console_line(e->m, 11), 2);
}

/* Records lost: the console in their window is triaged (unverified). */
static void test_loss_window_from_console(void **state)
{
	struct env *e = *state;
	const struct hpc_report *r;

	both(e, 12, 11, "27.708042", "T1", "hpchaos: run=r step=1 t start");
	con(e, "[   27.755595][   T70] BUG: KASAN: use-after-free in "
	       "hpc_trigger_uaf+0x89/0xa6 [hpchaos_trigger]");
	hpc_kmerge_lost(e->m, 300);
	both(e, 12, 400, "29.000000", "T1", "hpchaos: run=r step=1 t end");
	r = finish(e);
	assert_non_null(r);
	assert_string_equal(r->title, "KASAN: use-after-free in hpc_trigger_uaf");
	assert_int_equal(r->src, HPC_SRC_CONSOLE);
	assert_int_equal(hpc_kmerge_stats(e->m)->lost, 300);
	assert_int_equal(hpc_kmerge_stats(e->m)->unverified_lines, 1);
}

/* No agent at all (a boot that died): the whole console is triaged. */
static void test_no_records_whole_console(void **state)
{
	struct env *e = *state;
	const struct hpc_report *r;

	con(e, "[    1.000000] Linux version 6.1.0");
	con(e, "[    2.000000] Kernel panic - not syncing: VFS: Unable to mount root fs");
	r = finish(e);
	assert_non_null(r);
	assert_string_equal(r->title, "Kernel panic: VFS: Unable to mount root fs");
	assert_int_equal(r->line, 2);
	/* nothing counts after finish */
	con(e, "[    3.000000] BUG: KASAN: use-after-free in x+0x1/0x2");
	rec(e, "3,1,3000000,-;BUG: KASAN: use-after-free in x+0x1/0x2");
	assert_int_equal(hpc_triage_count(e->t), 1);
}

/* A flood of console lines with no record: bounded, counted. */
static void test_tail_bound(void **state)
{
	struct env *e = *state;
	char line[1100];

	memset(line, 'x', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\0';
	for (int i = 0; i < 70000; i++)
		con(e, line);
	assert_true(hpc_kmerge_stats(e->m)->tail_dropped >= 70000 - 65536);
	assert_true(hpc_kmerge_stats(e->m)->tail_dropped < 70000);
	/* a match empties it */
	both(e, 12, 1, "1.000000", "T1", "hpchaos: run=r agent up");
	assert_null(finish(e));
	assert_int_equal(hpc_kmerge_stats(e->m)->tail_lines, 0);
}

/* A multi-line record is one console line per line. */
static void test_multiline_record(void **state)
{
	struct env *e = *state;

	con(e, "[    5.000000] first");
	con(e, "[    5.000000] second");
	rec(e, "6,1,5000000,-;first\\x0asecond");
	con(e, "[    6.000000] BUG: KASAN: use-after-free in forged+0x1/0x2");
	rec(e, "12,2,6000001,-;hpchaos: run=r x");
	con(e, "[    6.000001] hpchaos: run=r x");
	assert_null(finish(e));
	assert_int_equal(hpc_kmerge_stats(e->m)->matched, 3);
}


/* ---- random input: no crash, no over-read (ASan), stays bounded ---- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void test_random_input(void **state)
{
	static const char *const seeds[] = {
		"3,77,27755595,-,caller=T70;BUG: KASAN: use-after-free in f+0x1/0x2",
		"12,5,100,-;hpchaos: run=r step=0 s start", "6,1,2,c;a\\x0ab\\x5c",
		"[   27.755595][   T70] BUG: KASAN: use-after-free in f+0x1/0x2",
		"progress\r[    1.000000] RIP: 0010:f+0x1/0x2",
		"[    0.000100] Kernel panic - not syncing: x", "lost 3",
	};
	static const char alphabet[] = "0123456789,;[]. -cTCx\\=\x1b\r\n\x00\xff"
		"BUGKASN:";
	struct env *e = *state;

	for (int i = 0; i < 40000; i++) {
		uint64_t r = rng();
		const char *s = seeds[r % (sizeof(seeds) / sizeof(seeds[0]))];
		size_t sl = strlen(s), n = sl + (r >> 8) % 40, j;
		char *buf = malloc(n ? n : 1);
		struct hpc_kmsg rec;

		assert_non_null(buf);
		memcpy(buf, s, sl < n ? sl : n);
		for (j = sl; j < n; j++)
			buf[j] = alphabet[rng() % (sizeof(alphabet) - 1)];
		for (int mu = (int)((r >> 16) % 3); mu > 0 && n; mu--)
			buf[rng() % n] = alphabet[rng() % (sizeof(alphabet) - 1)];
		switch ((r >> 24) % 4) {
		case 0:
		case 1:
			if (hpc_kmsg_parse(buf, n, &rec) == 0) {
				assert_true(rec.text_len <= HPC_KMSG_TEXT_MAX);
				hpc_kmerge_record(e->m, &rec);
			}
			break;
		case 2:
			hpc_kmerge_console(e->m, buf, n);
			break;
		default:
			if ((r >> 32) % 64 == 0)
				hpc_kmerge_lost(e->m, (r >> 40) % 5);
			else
				hpc_kmerge_console(e->m, buf, n);
			break;
		}
		free(buf);
		(void)hpc_kmerge_tail_report(e->m);
	}
	hpc_kmerge_finish(e->m);
	hpc_triage_finish(e->t);
	assert_true(hpc_triage_count(e->t) <= HPC_TRIAGE_MAX_REPORTS);
}

/* ---- runs replayed from their files (fixtures/kmerge/NAME/) ---- */


/* A file of the given text, read from its start. */
static int text_fd(const char *text)
{
	int fd = memfd_create("test-kmsg", MFD_CLOEXEC);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	return fd;
}

/*
 * kmsg.log read back: a "lost N" line counts as the conductor counted it,
 * up to the largest N it can write (found by fuzz_kmerge: the replay
 * dropped N >= 18446744073709551610, and with it the loss window, so
 * hpc-triage --kmsg judged the console lines in it differently).
 */
static void test_replay_lost_counts(void **state)
{
	struct env *e = *state;
	const struct hpc_report *r;
	int cfd, kfd;

	cfd = text_fd("[    1.000000] hpchaos: a\n"
		      "[    1.500000] BUG: KASAN: use-after-free in "
		      "hpc_trigger_uaf+0x89/0xa6 [hpchaos_trigger]\n"
		      "[    2.000000] hpchaos: b\n");
	kfd = text_fd("lost 18446744073709551615\n"
		      "lost 1\n"
		      "lost 12x\n"
		      "lost \n"
		      "lost 0\n"
		      "6,2,2000000,-;hpchaos: b\n");
	assert_int_equal(hpc_kmerge_replay(e->m, cfd, kfd), 0);
	close(cfd);
	close(kfd);
	assert_true(hpc_kmerge_stats(e->m)->lost == UINT64_MAX);
	r = finish(e);
	assert_non_null(r);
	assert_string_equal(r->title, "KASAN: use-after-free in hpc_trigger_uaf");
	assert_int_equal(r->src, HPC_SRC_CONSOLE);
	assert_int_equal(hpc_kmerge_stats(e->m)->unverified_lines, 2);
}

/* Longer numbers than the conductor writes saturate; others are ignored. */
static void test_replay_lost_lines(void **state)
{
	struct env *e = *state;
	int kfd;

	kfd = text_fd("lost 7\n"
		      "lost 0007\n"
		      "lost -1\n"
		      "lost 1 2\n"
		      " lost 3\n");
	assert_int_equal(hpc_kmerge_replay(e->m, -1, kfd), 0);
	close(kfd);
	assert_true(hpc_kmerge_stats(e->m)->lost == 14);
	kfd = text_fd("lost 123456789012345678901234567890\n");
	assert_int_equal(hpc_kmerge_replay(e->m, -1, kfd), 0);
	close(kfd);
	assert_true(hpc_kmerge_stats(e->m)->lost == UINT64_MAX);
}
static int read_expect(const char *path, char *type, char *title, char *src)
{
	char line[512];
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	type[0] = title[0] = src[0] = '\0';
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (strncmp(line, "TYPE: ", 6) == 0)
			snprintf(type, 32, "%.31s", line + 6);
		else if (strncmp(line, "TITLE: ", 7) == 0)
			snprintf(title, HPC_TRIAGE_TITLE_MAX, "%.255s", line + 7);
		else if (strncmp(line, "FROM: ", 6) == 0)
			snprintf(src, 16, "%.15s", line + 6);
	}
	fclose(f);
	return type[0] ? 0 : -1;
}

static int run_kmerge_fixture(const char *dir)
{
	char path[600], type[32], title[HPC_TRIAGE_TITLE_MAX], src[16];
	struct hpc_triage *t = hpc_triage_new();
	struct hpc_kmerge *m = t ? hpc_kmerge_new(t) : NULL;
	const struct hpc_report *r;
	int cfd, kfd, ret = 0;

	assert_non_null(m);
	snprintf(path, sizeof(path), "%s/expect", dir);
	if (read_expect(path, type, title, src) < 0) {
		print_message("%s: bad or missing expect file\n", dir);
		ret = -1;
		goto out;
	}
	snprintf(path, sizeof(path), "%s/console.log", dir);
	cfd = open(path, O_RDONLY | O_CLOEXEC);
	snprintf(path, sizeof(path), "%s/kmsg.log", dir);
	kfd = open(path, O_RDONLY | O_CLOEXEC);
	if (cfd < 0 || kfd < 0) {
		print_message("%s: console.log and kmsg.log wanted\n", dir);
		ret = -1;
	} else {
		assert_int_equal(hpc_kmerge_replay(m, cfd, kfd), 0);
	}
	if (cfd >= 0)
		close(cfd);
	if (kfd >= 0)
		close(kfd);
	if (ret)
		goto out;
	hpc_kmerge_finish(m);
	hpc_triage_finish(t);
	r = hpc_triage_primary(t);
	if (strcmp(type, "NONE") == 0) {
		if (r) {
			print_message("%s: want no report, got %s \"%s\"\n", dir,
				      hpc_class_name(r->cls), r->title);
			ret = -1;
		}
	} else if (!r || strcmp(hpc_class_name(r->cls), type) != 0 ||
		   strcmp(r->title, title) != 0 ||
		   strcmp(r->src == HPC_SRC_KMSG ? "kmsg" : "console", src) != 0) {
		print_message("%s: want %s \"%s\" from %s, got %s \"%s\" from %s\n",
			      dir, type, title, src,
			      r ? hpc_class_name(r->cls) : "NONE", r ? r->title : "",
			      r ? (r->src == HPC_SRC_KMSG ? "kmsg" : "console") : "-");
		ret = -1;
	}
out:
	hpc_kmerge_free(m);
	hpc_triage_free(t);
	return ret;
}

static void test_kmerge_fixtures(void **state)
{
	const char *top = FIXTURES_DIR "/kmerge";
	struct dirent *de;
	DIR *d = opendir(top);
	int total = 0, failed = 0;

	(void)state;
	if (!d)
		fail_msg("no fixtures: cannot open %s", top);
	while ((de = readdir(d)) != NULL) {
		char dir[512];
		struct stat sb;

		if (de->d_name[0] == '.')
			continue;
		snprintf(dir, sizeof(dir), "%s/%s", top, de->d_name);
		if (stat(dir, &sb) < 0 || !S_ISDIR(sb.st_mode))
			continue;	/* README.md */
		total++;
		if (run_kmerge_fixture(dir) < 0)
			failed++;
	}
	closedir(d);
	if (total == 0)
		fail_msg("no fixtures in %s", top);
	if (failed)
		fail_msg("%d of %d fixtures failed", failed, total);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_plain),
		cmocka_unit_test(test_parse_fields),
		cmocka_unit_test(test_parse_escapes),
		cmocka_unit_test(test_parse_invalid),
		cmocka_unit_test(test_parse_long),
		cmocka_unit_test(test_ts_prefix),
		cmocka_unit_test_setup_teardown(test_forged_console_ignored, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kernel_record_is_report, setup, teardown),
		cmocka_unit_test_setup_teardown(test_user_record_not_report, setup, teardown),
		cmocka_unit_test_setup_teardown(test_console_tail_after_last_record, setup, teardown),
		cmocka_unit_test_setup_teardown(test_report_completed_from_console, setup, teardown),
		cmocka_unit_test_setup_teardown(test_title_from_whole_record, setup, teardown),
		cmocka_unit_test_setup_teardown(test_record_before_console, setup, teardown),
		cmocka_unit_test_setup_teardown(test_loss_window_from_console, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_records_whole_console, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tail_bound, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tail_look_console_ahead, setup, teardown),
		cmocka_unit_test_setup_teardown(test_multiline_record, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random_input, setup, teardown),
		cmocka_unit_test_setup_teardown(test_replay_lost_counts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_replay_lost_lines, setup, teardown),
		cmocka_unit_test(test_kmerge_fixtures),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
