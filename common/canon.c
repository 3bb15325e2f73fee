/*
 * canon.c — canonical serialisation on top of jansson's sorted compact dump.
 */
#include <stdlib.h>
#include <string.h>

#include "wijknet.h"
#include "canon.h"

static int canon_has_real(const json_t *v, int depth)
{
	if (depth > 32)
		return 1;
	if (json_is_real(v))
		return 1;
	if (json_is_object(v)) {
		const char *k;
		json_t *x;
		json_object_foreach((json_t *)v, k, x)
			if (canon_has_real(x, depth + 1))
				return 1;
	} else if (json_is_array(v)) {
		size_t i;
		json_t *x;
		json_array_foreach(v, i, x)
			if (canon_has_real(x, depth + 1))
				return 1;
	}
	return 0;
}

int canon_dump(const json_t *v, char **out, size_t *len)
{
	if (v == NULL || out == NULL)
		return WN_EINVAL;
	if (canon_has_real(v, 0))
		return WN_ESCHEMA;
	char *s = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII |
				     JSON_ENCODE_ANY);
	if (s == NULL)
		return WN_ENOMEM;
	*out = s;
	if (len)
		*len = strlen(s);
	return 0;
}
