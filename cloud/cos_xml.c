/* SPDX-License-Identifier: MIT */
/* cos_xml.c - element text by name. S3 answers are flat and small (1 MiB
 * bound in cos_client), so a scan for "<tag>" and "</tag>" suffices. */
#include "cos_xml.h"

#include <stdio.h>
#include <string.h>

int cos_xml_next(const char *xml, size_t len, const char *tag, size_t *pos,
                 size_t *start, size_t *inner)
{
	char open[64], close[64];
	size_t no = (size_t)snprintf(open, sizeof(open), "<%s>", tag);
	size_t nc = (size_t)snprintf(close, sizeof(close), "</%s>", tag);
	const char *s, *e;

	if (*pos > len)
		return 0;
	s = memmem(xml + *pos, len - *pos, open, no);
	if (!s)
		return 0;
	s += no;
	e = memmem(s, len - (size_t)(s - xml), close, nc);
	if (!e)
		return 0;
	*start = (size_t)(s - xml);
	*inner = (size_t)(e - s);
	*pos = (size_t)(e - xml) + nc;
	return 1;
}

static const struct {
	const char *ent;
	char ch;
} entities[] = { { "&quot;", '"' },
	         { "&amp;", '&' },
	         { "&lt;", '<' },
	         { "&gt;", '>' },
	         { "&apos;", '\'' } };

enum err cos_xml_text(const char *xml, size_t len, const char *tag, char *out,
                      size_t cap)
{
	size_t pos = 0, start, inner, o = 0;

	if (!cos_xml_next(xml, len, tag, &pos, &start, &inner))
		return err_set(ERR_NOT_FOUND, "no <%s> in the answer", tag);
	for (size_t i = start; i < start + inner; i++) {
		char ch = xml[i];

		for (size_t k = 0; ch == '&' && k < 5; k++) {
			size_t el = strlen(entities[k].ent);

			if (i + el <= start + inner &&
			    memcmp(xml + i, entities[k].ent, el) == 0) {
				ch = entities[k].ch;
				i += el - 1;
				break;
			}
		}
		if (o + 1 >= cap)
			return err_set(ERR_FORMAT, "<%s> too long", tag);
		out[o++] = ch;
	}
	out[o] = '\0';
	return ERR_OK;
}
