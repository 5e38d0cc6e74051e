/* SPDX-License-Identifier: MIT */
/* cos_xml.h - the few S3 XML answers p11seal reads (UploadId, ListParts,
 * Error), by element name only: no DTDs, no namespaces, no attributes. */
#ifndef P11SEAL_COS_XML_H
#define P11SEAL_COS_XML_H

#include <stddef.h>

#include "err.h"

/* The text of the first <tag>...</tag> in [xml, xml+len) into out (cap
 * bytes, entities &quot; &amp; &lt; &gt; &apos; decoded). ERR_NOT_FOUND
 * when absent, ERR_FORMAT when longer than cap - 1. */
enum err cos_xml_text(const char *xml, size_t len, const char *tag, char *out,
                      size_t cap);

/* The next <tag>...</tag> at or after *pos (an offset into xml): its
 * inner text's offset and length; *pos moves past it. 0 when none. */
int cos_xml_next(const char *xml, size_t len, const char *tag, size_t *pos,
                 size_t *start, size_t *inner);

#endif
