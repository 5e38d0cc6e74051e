/* SPDX-License-Identifier: MIT */
/* json_out.h - the one layout of the JSON p11seal prints: two spaces per
 * level, "name": value, one member or element a line, [] and {} when
 * empty. */
#ifndef P11SEAL_JSON_OUT_H
#define P11SEAL_JSON_OUT_H

#include <stdbool.h>
#include <stdio.h>

struct cJSON;

/* j on f in that layout, with a final newline. False when out of memory
 * (what was written so far stays written). */
bool json_out_print(FILE *f, const struct cJSON *j);

#endif
