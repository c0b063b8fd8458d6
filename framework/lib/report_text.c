// SPDX-License-Identifier: GPL-2.0
/*
 * Untrusted text made safe for each place the report writer puts it:
 * UTF-8 for JSON, only characters XML 1.0 allows for junit.xml, one
 * printable line for KTAP and the terminal.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hpc/linebuf.h"
#include "report_int.h"

bool rep_nonempty(const char *s)
{
	return s && *s;
}

/*
 * Length of the well-formed UTF-8 sequence at s (n bytes available) and its
 * code point, or 0 when the bytes there are not well-formed UTF-8.
 */
static size_t utf8_seq(const char *str, size_t n, uint32_t *cp)
{
	const unsigned char *s = (const unsigned char *)str;
	uint32_t v, min;
	size_t need;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		need = 2;
		v = s[0] & 0x1f;
		min = 0x80;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		need = 3;
		v = s[0] & 0x0f;
		min = 0x800;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		need = 4;
		v = s[0] & 0x07;
		min = 0x10000;
	} else {
		return 0;
	}
	if (n < need)
		return 0;
	for (size_t i = 1; i < need; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		v = (v << 6) | (s[i] & 0x3f);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return need;
}

/* Copy of untrusted text: at most HPC_REP_TEXT_MAX bytes, valid UTF-8, no NUL. */
char *rep_clean_dup(const char *s, size_t len)
{
	size_t r = 0, w = 0;
	char *d;

	if (len > HPC_REP_TEXT_MAX)
		len = HPC_REP_TEXT_MAX;
	d = malloc(len + 1);
	if (!d)
		return NULL;
	while (r < len) {
		uint32_t cp;
		size_t k = utf8_seq(s + r, len - r, &cp);

		if (!k || cp == 0) {
			d[w++] = '?';
			r++;
			continue;
		}
		memcpy(d + w, s + r, k);
		w += k;
		r += k;
	}
	d[w] = '\0';
	return d;
}

/* Printable ASCII on one line, in place: for the terminal and KTAP. */
size_t rep_ascii_line(char *s)
{
	for (char *p = s; *p; p++)
		if (*p == '\n' || *p == '\r' || *p == '\t')
			*p = ' ';
	return hpc_sanitize(s, strlen(s));
}

char *hpc_xml_clean(const char *s)
{
	size_t n = strlen(s), w = 0;
	char *d = malloc(n + 1);

	if (!d)
		return NULL;
	for (size_t r = 0; r < n;) {
		uint32_t cp;
		size_t k = utf8_seq(s + r, n - r, &cp);

		if (!k) {
			d[w++] = '?';
			r++;
			continue;
		}
		if ((cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') ||
		    (cp >= 0x7f && cp <= 0x9f) || cp == 0xfffe || cp == 0xffff) {
			d[w++] = '?';
		} else {
			memcpy(d + w, s + r, k);
			w += k;
		}
		r += k;
	}
	d[w] = '\0';
	return d;
}

char *hpc_ktap_text_clean(const char *s, size_t max)
{
	size_t n = strnlen(s, HPC_REP_TEXT_MAX), a = 0;
	char *d = malloc(n + 1);

	if (!d)
		return NULL;
	memcpy(d, s, n);
	d[n] = '\0';
	n = rep_ascii_line(d);
	for (size_t i = 0; i < n; i++)
		if (d[i] == '#')
			d[i] = '?';
	while (n > 0 && d[n - 1] == ' ')
		n--;
	while (a < n && d[a] == ' ')
		a++;
	n -= a;
	if (n > max)
		n = max;
	memmove(d, d + a, n);
	d[n] = '\0';
	return d;
}
