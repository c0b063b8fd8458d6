// SPDX-License-Identifier: GPL-2.0
/*
 * Stack frame lines of kernel reports, parsed from untrusted console text
 * (hpc/symbolize.h). No ELF here: the conductor links this alone.
 */
#include <ctype.h>
#include <stdbool.h>
#include <string.h>

#include "hpc/symbolize.h"

/* Skip blanks and the printk prefixes "[   27.755595]" and "[   T70]". */
static size_t skip_prefixes(const char *s, size_t len, size_t i)
{
	for (;;) {
		while (i < len && (s[i] == ' ' || s[i] == '\t'))
			i++;
		if (i >= len || s[i] != '[')
			return i;
		size_t j = i + 1;

		while (j < len && j - i < 24 && (isdigit((unsigned char)s[j]) ||
						 s[j] == '.' || s[j] == ' ' ||
						 s[j] == 'T' || s[j] == 'C'))
			j++;
		if (j >= len || s[j] != ']' || j == i + 1)
			return i;
		i = j + 1;
	}
}

static bool starts(const char *s, size_t len, size_t i, const char *p)
{
	size_t n = strlen(p);

	return len - i >= n && memcmp(s + i, p, n) == 0;
}

/* "0x" and hex digits at s[*i]: the value, *i past it; -1 when none. */
static int hex_at(const char *s, size_t len, size_t *i, unsigned long long *v)
{
	size_t j = *i, d = 0;
	unsigned long long x = 0;

	if (!starts(s, len, j, "0x"))
		return -1;
	for (j += 2; j < len && isxdigit((unsigned char)s[j]) && d < 16; j++, d++) {
		int c = tolower((unsigned char)s[j]);

		x = x << 4 | (unsigned long long)(isdigit(c) ? c - '0' : c - 'a' + 10);
	}
	if (d == 0 || (j < len && isxdigit((unsigned char)s[j])))
		return -1;
	*i = j;
	*v = x;
	return 0;
}

static bool sym_char(char c, bool first)
{
	return isalpha((unsigned char)c) || c == '_' || c == '.' || c == '$' ||
	       (!first && isdigit((unsigned char)c));
}

/* " [mod]" at s[i] (optional): the module name into f. */
static void module_at(const char *s, size_t len, size_t i, struct hpc_frame *f)
{
	size_t j, k = 0;

	if (!starts(s, len, i, " ["))
		return;
	for (j = i + 2; j < len && s[j] != ']'; j++) {
		char c = s[j];

		if (!(isalnum((unsigned char)c) || c == '_' || c == '-') ||
		    k + 1 >= sizeof(f->module)) {
			f->module[0] = '\0';
			return;
		}
		f->module[k++] = c;
	}
	if (j < len && k > 0)
		f->module[k] = '\0';
	else
		f->module[0] = '\0';
}

int hpc_frame_parse(const char *s, size_t len, struct hpc_frame *f)
{
	size_t i = skip_prefixes(s, len, 0), k = 0;

	memset(f, 0, sizeof(*f));
	f->reliable = true;
	if (starts(s, len, i, "RIP: ")) {
		/* "RIP: 0010:" (a kernel segment) and a symbol */
		i += 5;
		while (i < len && isxdigit((unsigned char)s[i]) && k < 4)
			i++, k++;
		if (k != 4 || i >= len || s[i] != ':')
			return 0;
		i++;
		f->rip = true;
		k = 0;
	} else if (starts(s, len, i, "? ")) {
		f->reliable = false;
		i += 2;
	}
	if (i >= len || !sym_char(s[i], true))
		return 0;
	while (i < len && sym_char(s[i], false)) {
		if (k + 1 >= sizeof(f->sym))
			return 0;
		f->sym[k++] = s[i++];
	}
	f->sym[k] = '\0';
	if (i >= len || s[i] != '+')
		return 0;
	i++;
	if (hex_at(s, len, &i, &f->off) < 0 || i >= len || s[i] != '/')
		return 0;
	i++;
	if (hex_at(s, len, &i, &f->size) < 0)
		return 0;
	module_at(s, len, i, f);
	return 1;
}

bool hpc_report_end(const char *s, size_t len)
{
	size_t i = skip_prefixes(s, len, 0), eq = 0;

	if (starts(s, len, i, "---[ end ") || starts(s, len, i, "Kernel panic - "))
		return true;
	while (i + eq < len && s[i + eq] == '=')
		eq++;
	return eq >= 40;
}

