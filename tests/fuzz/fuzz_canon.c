/*
 * fuzz_canon.c — canonical JSON against jansson: for every value jansson
 * parses (no reals, which canon refuses), canon_dump must write exactly
 * what json_dumps writes with JSON_COMPACT | JSON_SORT_KEYS |
 * JSON_ENSURE_ASCII, since signatures hash that text.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "wijknet.h"
#include "canon.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_error_t jerr;
	json_t *v = json_loadb((const char *)data, size, JSON_DECODE_ANY, &jerr);
	if (v == NULL)
		return 0;
	char *mine = NULL;
	size_t len = 0;
	int rc = canon_dump(v, &mine, &len);
	if (rc == 0) {
		char *ref = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII |
					      JSON_ENCODE_ANY);
		if (ref == NULL || strlen(ref) != len || memcmp(ref, mine, len) != 0)
			abort();
		free(ref);
	}
	free(mine);
	json_decref(v);
	return 0;
}
