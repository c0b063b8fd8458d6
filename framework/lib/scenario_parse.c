// SPDX-License-Identifier: GPL-2.0
/*
 * Scenario parser: reading a file. One directive per line; '#' at the start
 * of a line (after blanks) is a comment; a trailing '\' continues a line.
 * Every error names file and line and what was expected. See
 * docs/scenarios.md; the units of the parser are listed in scenario_parser.h.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "scenario_parser.h"

void scn_perr(struct parser *p, int line, const char *fmt, ...)
{
	va_list ap;

	p->errors++;
	if (!p->err || p->errors > p->max_errors)
		return;
	fprintf(p->err, "%s:%d: ", p->s->file, line);
	va_start(ap, fmt);
	vfprintf(p->err, fmt, ap);
	va_end(ap);
	fputc('\n', p->err);
}

const char hpc_scn_outcome_reserved[] =
	"the event name '" HPC_EV_OUTCOME "' is reserved: programs in the guest report how a device loss ended by writing 'outcome reset' or 'outcome revoke' to $HPC_EVENTS";

/* Names are the agent protocol's: [A-Za-z0-9_.:+-]{1,64}. */
int scn_name_valid(const char *n)
{
	return hpc_proto_name_ok(n, strlen(n));
}

int scn_copy_name(struct parser *p, char *dst, const char *src,
		  const char *what)
{
	if (!scn_name_valid(src)) {
		scn_perr(p, p->line, "invalid %s '%.64s': expected 1-64 of [A-Za-z0-9_.:+-]",
			 what, src);
		return -1;
	}
	strcpy(dst, src);
	return 0;
}

int scn_parse_uint(struct parser *p, const char *v, unsigned int lo,
		   unsigned int hi, const char *what, unsigned int *out)
{
	char *end;
	unsigned long x;

	errno = 0;
	if (!isdigit((unsigned char)v[0]))
		goto bad;
	x = strtoul(v, &end, 10);
	if (errno || *end || x < lo || x > hi)
		goto bad;
	*out = (unsigned int)x;
	return 0;
bad:
	scn_perr(p, p->line, "invalid %s '%.32s': expected a number from %u to %u",
		 what, v, lo, hi);
	return -1;
}

/* 1 (and an error "too many WHAT (at most MAX)") when n has reached max. */
int scn_full(struct parser *p, int n, int max, const char *what)
{
	if (n < max)
		return 0;
	scn_perr(p, p->line, "too many %s (at most %d)", what, max);
	return 1;
}

/* Split s in place at blanks; returns the number of words. */
int scn_split_words(char *s, char **w, int max)
{
	int n = 0;

	while (*s) {
		while (*s == ' ' || *s == '\t')
			*s++ = '\0';
		if (!*s)
			break;
		if (n == max)
			return -1;
		w[n++] = s;
		while (*s && *s != ' ' && *s != '\t')
			s++;
	}
	return n;
}

/* Is key one of the blank-separated words of list? */
int scn_word_in(const char *list, const char *key)
{
	size_t kl = strlen(key);

	for (const char *l = list + strspn(list, " "); kl && *l;
	     l += strcspn(l, " "), l += strspn(l, " "))
		if (strncmp(l, key, kl) == 0 && (l[kl] == ' ' || l[kl] == '\0'))
			return 1;
	return 0;
}

/* known-fail PATTERN... : REASON */
static int d_known_fail(struct parser *p, char *rest)
{
	struct hpc_scenario *s = p->s;
	char *colon = strstr(rest, " : "), *w[MAX_WORDS];
	int nw;

	if (!colon || !colon[3]) {
		scn_perr(p, p->line, "expected 'known-fail TEST-PATTERN... : REASON'");
		return -1;
	}
	*colon = '\0';
	if (strlen(colon + 3) >= sizeof(s->known_reason)) {
		scn_perr(p, p->line, "known-fail reason too long (at most %zu bytes)",
			 sizeof(s->known_reason) - 1);
		return -1;
	}
	strcpy(s->known_reason, colon + 3);
	nw = scn_split_words(rest, w, MAX_WORDS);
	if (nw < 1 || s->nknown + nw > HPC_SCN_MAX_KNOWN) {
		scn_perr(p, p->line, "expected 1 to %d test name patterns", HPC_SCN_MAX_KNOWN);
		return -1;
	}
	for (int i = 0; i < nw; i++) {
		if (strlen(w[i]) >= sizeof(s->known[0])) {
			scn_perr(p, p->line, "test name pattern too long");
			return -1;
		}
		strcpy(s->known[s->nknown++], w[i]);
	}
	s->known_line = p->line;
	return 0;
}

static int d_requires(struct parser *p, char **w, int nw)
{
	struct hpc_scenario *s = p->s;
	struct hpc_req *r;

	if ((nw != 3 && !(nw == 4 && strcmp(w[1], "config") == 0 && strcmp(w[3], "if-known") == 0)) ||
	    (strcmp(w[1], "config") && strcmp(w[1], "module") && strcmp(w[1], "qemu"))) {
		scn_perr(p, p->line, "expected 'requires config CONFIG_NAME [if-known]', 'requires module NAME' or 'requires qemu QMP-COMMAND|DEVICE.PROPERTY'");
		return -1;
	}
	if (scn_full(p, s->nreqs, HPC_SCN_MAX_REQS, "requirements"))
		return -1;
	r = &s->reqs[s->nreqs];
	r->kind = strcmp(w[1], "config") == 0 ? HPC_REQ_CONFIG :
		  strcmp(w[1], "qemu") == 0 ? HPC_REQ_QEMU : HPC_REQ_MODULE;
	r->if_known = nw == 4;
	r->line = p->line;
	if (scn_copy_name(p, r->what, w[2], "requirement") < 0)
		return -1;
	if (r->kind == HPC_REQ_CONFIG && strncmp(r->what, "CONFIG_", 7)) {
		scn_perr(p, p->line, "expected a kernel option starting with CONFIG_");
		return -1;
	}
	if (r->kind == HPC_REQ_QEMU && strspn(r->what, "abcdefghijklmnopqrstuvwxyz0123456789-_.") != strlen(r->what)) {
		scn_perr(p, p->line, "requires qemu %s: expected a QMP command name or DEVICE.PROPERTY (lower case, digits, '-')", r->what);
		return -1;
	}
	s->nreqs++;
	return 0;
}

/* guest-events NAME... : events programs send through $HPC_EVENTS */
static void d_guest_events(struct parser *p, char **w, int nw)
{
	static const char agent[] = HPC_EV_AGENT_PREFIX;
	struct hpc_scenario *s = p->s;

	if (nw < 2 || s->nguest_events + nw - 1 > HPC_SCN_MAX_GUEST_EVENTS) {
		scn_perr(p, p->line, "expected 'guest-events NAME...' (at most %d names in all)",
			 HPC_SCN_MAX_GUEST_EVENTS);
		return;
	}
	for (int i = 1; i < nw; i++) {
		if (strncmp(w[i], agent, sizeof(agent) - 1) == 0) {
			scn_perr(p, p->line,
				 "guest-events %.64s: names starting with '%s' are the agent's own",
				 w[i], agent);
			continue;
		}
		if (strcmp(w[i], HPC_EV_OUTCOME) == 0) {
			scn_perr(p, p->line,
				 "guest-events " HPC_EV_OUTCOME ": declared implicitly, and reserved for 'outcome reset' and 'outcome revoke' (see 'expect')");
			continue;
		}
		if (scn_copy_name(p, s->guest_events[s->nguest_events], w[i],
			      "event name") == 0)
			s->nguest_events++;
	}
}

/* expect revoke|reset... : how a device loss may end */
static void d_expect(struct parser *p, char **w, int nw)
{
	struct hpc_scenario *s = p->s;

	if (nw < 2) {
		scn_perr(p, p->line, "expected 'expect revoke', 'expect reset' or 'expect revoke reset'");
		return;
	}
	if (s->expect_line) {
		scn_perr(p, p->line, "expect given twice (first at line %d): list every outcome on one line",
			 s->expect_line);
		return;
	}
	for (int i = 1; i < nw; i++) {
		unsigned int o = hpc_outcome_parse(w[i]);

		if (!o) {
			scn_perr(p, p->line, "unknown outcome '%.32s': expected revoke or reset",
				 w[i]);
			return;
		}
		s->expect |= o;
	}
	s->expect_line = p->line;
}

/* groups G...: on one line; each group once, at most HPC_SCN_MAX_GROUPS. */
static void d_groups(struct parser *p, char **w, int nw)
{
	struct hpc_scenario *s = p->s;

	if (s->groups_line) {
		scn_perr(p, p->line, "groups given twice (first at line %d): list every group on one line",
			 s->groups_line);
		return;
	}
	s->groups_line = p->line;
	if (nw < 2) {
		scn_perr(p, p->line, "expected 'groups G1 [G2...]' (1 to %d)",
			 HPC_SCN_MAX_GROUPS);
		return;
	}
	for (int i = 1; i < nw; i++) {
		/* the bound where the write is */
		if (s->ngroups == HPC_SCN_MAX_GROUPS) {
			scn_perr(p, p->line, "too many groups: expected 'groups G1 [G2...]' (1 to %d)",
				 HPC_SCN_MAX_GROUPS);
			return;
		}
		if (hpc_scenario_in_group(s, w[i])) {
			scn_perr(p, p->line, "group '%s' given twice", w[i]);
			continue;
		}
		if (scn_copy_name(p, s->groups[s->ngroups], w[i], "group") == 0)
			s->ngroups++;
	}
}

/*
 * The text after word on line into dst: the whole of it, or an error (a
 * text never gets cut). Given twice is an error too: the first would be
 * lost without a word.
 */
static int rest_of_line(struct parser *p, char *line, const char *word,
			char *dst, size_t cap)
{
	const char *r = line + strlen(word);
	size_t n;

	if (dst[0]) {
		scn_perr(p, p->line, "%s given twice: write it on one line (continued with '\\' if long)",
			 word);
		return -1;
	}
	while (*r == ' ' || *r == '\t')
		r++;
	n = strlen(r);
	if (n >= cap) {
		scn_perr(p, p->line, "%s too long (%zu bytes; at most %zu)", word, n,
			 cap - 1);
		return -1;
	}
	memcpy(dst, r, n + 1);
	return 0;
}

static void directive(struct parser *p, char *line)
{
	struct hpc_scenario *s = p->s;
	char copy[MAX_LINE + 1], *w[MAX_WORDS];
	int nw;

	{
		const char *t = line + strspn(line, " \t");
		size_t wl = strcspn(t, " \t");
		int k = hpc_step_kind_parse(t, wl);

		if (k >= 0) {
			snprintf(copy, sizeof(copy), "%s", t + wl);
			scn_step(p, (enum hpc_step_kind)k, copy);
			return;
		}
	}
	snprintf(copy, sizeof(copy), "%s", line);
	nw = scn_split_words(copy, w, MAX_WORDS);
	if (nw < 0) {
		scn_perr(p, p->line, "too many words (at most %d)", MAX_WORDS);
		return;
	}
	if (nw == 0)
		return;

	if (strcmp(w[0], "name") == 0) {
		if (nw != 2)
			scn_perr(p, p->line, "expected 'name NAME'");
		else if (scn_copy_name(p, s->name, w[1], "scenario name") == 0)
			s->name_line = p->line;
	} else if (strcmp(w[0], "description") == 0) {
		rest_of_line(p, line + strspn(line, " \t"), "description",
			     s->description, sizeof(s->description));
	} else if (strcmp(w[0], "groups") == 0) {
		d_groups(p, w, nw);
	} else if (strcmp(w[0], "timeout") == 0 || strcmp(w[0], "boot-timeout") == 0) {
		if (nw != 2)
			scn_perr(p, p->line, "expected '%s SECONDS'", w[0]);
		else
			scn_parse_uint(p, w[1], 1, 86400, w[0],
				       w[0][0] == 't' ? &s->timeout_s : &s->boot_timeout_s);
	} else if (strcmp(w[0], "requires") == 0) {
		d_requires(p, w, nw);
	} else if (strcmp(w[0], "machine") == 0) {
		scn_machine(p, w, nw);
	} else if (strcmp(w[0], "cmdline") == 0) {
		if (rest_of_line(p, line + strspn(line, " \t"), "cmdline",
				 s->machine.append, sizeof(s->machine.append)) < 0)
			return;
		for (const char *c = s->machine.append; *c; c++)
			if (!isgraph((unsigned char)*c) && *c != ' ') {
				scn_perr(p, p->line, "cmdline: unprintable character");
				break;
			}
	} else if (strcmp(w[0], "object") == 0 || strcmp(w[0], "device") == 0) {
		scn_object_device(p, w[0][0] == 'o', w, nw);
	} else if (strcmp(w[0], "on") == 0) {
		scn_on(p, w, nw);
	} else if (strcmp(w[0], "guest-events") == 0) {
		d_guest_events(p, w, nw);
	} else if (strcmp(w[0], "expect") == 0) {
		d_expect(p, w, nw);
	} else if (strcmp(w[0], "known-fail") == 0) {
		char rest[MAX_LINE + 1];

		snprintf(rest, sizeof(rest), "%s", line + strspn(line, " \t") + 10);
		d_known_fail(p, rest);
	} else {
		scn_perr(p, p->line,
			 "unknown directive '%.32s': expected name, description, groups, timeout, boot-timeout, requires, machine, cmdline, object, device, known-fail, guest-events, expect, run, check, bg, reap, emit, wait or on",
			 w[0]);
	}
}
/*
 * One physical line of f into buf (cap bytes, NUL-terminated, without the
 * '\n'). The whole line is consumed whatever its length: *len is its real
 * length in bytes (more than cap - 1 when it did not fit), *nul says whether
 * it holds a NUL byte and *last is its last byte other than '\r' (0 if
 * none): a '\\' there continues the line. Returns 0 at the end of the
 * file, -1 on a read error, else 1.
 */
static int read_line(FILE *f, char *buf, size_t cap, size_t *len, int *nul,
		     int *last)
{
	size_t n = 0;
	int c;

	*nul = 0;
	*last = 0;
	while ((c = getc(f)) != EOF && c != '\n') {
		if (c == '\0')
			*nul = 1;
		if (n < cap - 1)
			buf[n] = (char)c;
		n++;
		if (c != '\r')
			*last = c;
	}
	buf[n < cap - 1 ? n : cap - 1] = '\0';
	*len = n;
	if (ferror(f))
		return -1;
	return c == EOF && n == 0 ? 0 : 1;
}

static int has_suffix(const char *s, const char *suffix)
{
	size_t sl = strlen(s), xl = strlen(suffix);

	return sl >= xl && strcmp(s + sl - xl, suffix) == 0;
}

static const char *file_kind(mode_t m)
{
	return S_ISDIR(m) ? "a directory" : S_ISFIFO(m) ? "a FIFO" :
	       S_ISCHR(m) ? "a character device" : S_ISBLK(m) ? "a block device" :
	       S_ISSOCK(m) ? "a socket" : "not a regular file";
}

/*
 * Open a scenario file for reading, or report why not. Only a regular file
 * named *.scn is read (a symbolic link only to one): nothing is read from a
 * FIFO or a device, and no word of a file that is not a scenario ends up
 * in an error message. stat() first, so that a device is never opened;
 * then open without blocking (a FIFO swapped in meanwhile) and check the
 * file that was opened.
 */
static FILE *open_scenario(struct parser *p, const char *file)
{
	struct stat st;
	char *real;
	int fd, real_ok;
	FILE *f;

	if (stat(file, &st) < 0) {
		scn_perr(p, 0, "cannot open: %s", strerror(errno));
		return NULL;
	}
	if (!S_ISREG(st.st_mode)) {
		scn_perr(p, 0, "%s, not a regular file: expected a scenario file (FILE.scn)",
			 file_kind(st.st_mode));
		return NULL;
	}
	real = realpath(file, NULL);
	real_ok = real && has_suffix(real, ".scn");
	free(real);
	if (!has_suffix(file, ".scn") || !real_ok) {
		scn_perr(p, 0, "not a scenario file: expected a file named *.scn%s",
			 has_suffix(file, ".scn") ? " (this one is a symbolic link to a file that is not)" : "");
		return NULL;
	}
	fd = open(file, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		scn_perr(p, 0, "cannot open: %s", strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		scn_perr(p, 0, "not a regular file: expected a scenario file (FILE.scn)");
		close(fd);
		return NULL;
	}
	f = fdopen(fd, "r");
	if (!f) {
		scn_perr(p, 0, "cannot open: %s", strerror(errno));
		close(fd);
	}
	return f;
}

/* A logical line being put together from its continued physical lines. */
struct joiner {
	char line[MAX_LINE + 1];
	size_t have;		/* bytes of line so far */
	int start;		/* its first physical line */
	int skip;		/* dropping the rest of a bad logical line */
};

/*
 * Is the physical line buf (len bytes) bad: a NUL byte, too long, a control
 * character? Each is an error of its line. Trailing '\r's are cut.
 */
static int physical_bad(struct parser *p, char *buf, size_t *len, int nul)
{
	if (nul) {
		scn_perr(p, p->line, "NUL byte in line: a scenario is text");
		return 1;
	}
	if (*len > MAX_LINE) {
		scn_perr(p, p->line, "line too long (%zu bytes; at most %d)", *len,
			 MAX_LINE);
		return 1;
	}
	while (*len && buf[*len - 1] == '\r')
		buf[--*len] = '\0';
	for (size_t i = 0; i < *len; i++)
		if ((unsigned char)buf[i] < 0x20 && buf[i] != '\t') {
			scn_perr(p, p->line, "control character 0x%02x in line",
				 (unsigned char)buf[i]);
			return 1;
		}
	return 0;
}

/*
 * Add a good physical line to j (cont: it ends in '\'). 1 when j->line is
 * a whole logical line to take as a directive; 0 for a comment, a blank
 * line or a line that continues.
 */
static int join_line(struct parser *p, struct joiner *j, char *buf, size_t len,
		     int cont)
{
	if (j->have == 0) {
		const char *t = buf + strspn(buf, " \t");

		if (*t == '#' || *t == '\0')
			return 0;
	}
	if (cont)
		buf[--len] = '\0';
	if (j->have + len + 1 > MAX_LINE) {
		scn_perr(p, j->start, "continued line too long (at most %d bytes)",
			 MAX_LINE);
		j->have = 0;
		j->skip = cont;
		return 0;
	}
	memcpy(j->line + j->have, buf, len);
	j->have += len;
	j->line[j->have] = '\0';
	if (cont) {
		j->line[j->have++] = ' ';
		j->line[j->have] = '\0';
		return 0;
	}
	return 1;
}

/*
 * Every physical line goes through read_line(), the one place that sees
 * the bytes: a NUL, a control character or a line too long is an error
 * naming that line, and the logical line it belongs to (with its
 * continuation lines) is dropped whole, so no part of it is taken for a
 * directive.
 */
static void read_directives(struct parser *p, FILE *f)
{
	struct joiner j = { .have = 0 };
	char buf[MAX_LINE + 1];
	size_t len;
	int nul, last, r;

	while ((r = read_line(f, buf, sizeof(buf), &len, &nul, &last)) > 0) {
		int cont = last == '\\', bad;

		p->line++;
		if (j.have == 0 && !j.skip)
			j.start = p->line;
		bad = physical_bad(p, buf, &len, nul);
		if (bad || j.skip) {
			/* drop the logical line, up to its last continuation */
			j.have = 0;
			j.skip = cont;
			continue;
		}
		if (join_line(p, &j, buf, len, cont)) {
			int saved = p->line;

			p->line = j.start;
			p->line_end = saved;
			directive(p, j.line);
			p->line = saved;
			j.have = 0;
		}
	}
	if (r < 0)
		scn_perr(p, p->line, "read error: %s", strerror(errno));
	if (j.have || j.skip)
		scn_perr(p, j.start, "file ends inside a continued line");
}

/* What a scenario that does not say otherwise gets. */
static void scenario_defaults(struct hpc_scenario *s, const char *file)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->file, sizeof(s->file), "%s", file);
	s->timeout_s = 300;
	s->boot_timeout_s = 120;
	strcpy(s->machine.type, "pc");
	strcpy(s->machine.memory, "512M");
	s->machine.cpus = 1;
}

int hpc_scenario_load(const char *file, struct hpc_scenario *s, FILE *err,
		      int max_errors)
{
	struct parser p = { .s = s, .err = err, .max_errors = max_errors };
	FILE *f;

	scenario_defaults(s, file);
	f = open_scenario(&p, file);
	if (!f)
		return -1;
	read_directives(&p, f);
	fclose(f);
	scn_validate(&p);
	return p.errors ? -1 : 0;
}

const struct hpc_device *hpc_scenario_device(const struct hpc_scenario *s,
					      const char *id)
{
	for (int i = 0; i < s->ndevices; i++)
		if (strcmp(s->devices[i].id, id) == 0)
			return &s->devices[i];
	return NULL;
}

int hpc_scenario_in_group(const struct hpc_scenario *s, const char *group)
{
	for (int i = 0; i < s->ngroups; i++)
		if (strcmp(s->groups[i], group) == 0)
			return 1;
	return 0;
}


int hpc_scenario_named(const struct hpc_scenario *s, const char *word)
{
	return strcmp(word, "all") == 0 || strcmp(word, s->name) == 0 ||
	       hpc_scenario_in_group(s, word);
}
