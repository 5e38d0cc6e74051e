/* SPDX-License-Identifier: MIT */
/* fuzz_kpdek_record.c - the WDEK record parser (kp unwrap/rewrap
 * --wdek-file) on hostile bytes; a record that parses is printed back as
 * JSON and parsed again, and must come out the same. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "km_kpdek.h"
#include "secmem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	struct km_kpdek_record r, again;
	cJSON *j;
	char *text;

	if (!ready) {
		secmem_use_for_json();
		ready = 1;
	}
	if (km_kpdek_record_parse((const char *)data, size, &r) != ERR_OK)
		return 0;
	j = km_kpdek_record_json(&r, NULL);
	text = j ? cJSON_PrintUnformatted(j) : NULL;
	cJSON_Delete(j);
	if (text &&
	    km_kpdek_record_parse(text, strlen(text), &again) == ERR_OK) {
		if (strcmp(again.wrapped_dek, r.wrapped_dek) != 0 ||
		    strcmp(again.root_key_id, r.root_key_id) != 0)
			abort();
		km_kpdek_record_clear(&again);
	}
	cJSON_free(text);
	km_kpdek_record_clear(&r);
	return 0;
}
