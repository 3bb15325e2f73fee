/*
 * lookupwire.c — the lookup's shared wire rules.
 */
#include <string.h>

#include "wijknet.h"
#include "household.h"
#include "lookupwire.h"
#include "vocab.h"

/* Every reason a source may give; the longest fits the padding below. */
static const char *const reasons[] = { "consent_required", "consent_invalid", "shielded",
				       "not_shared", "ground_not_accepted",
				       "motivation_incomplete", NULL };

#define ANSWER_BYTES_PER_PERSON 64 /* {"outcome":"refused","reason":"motivation_incomplete"}, */
#define REQUEST_BYTES_PER_PERSON 256
/* a person on consent carries the signed consent and the broker's statement
 * with its proof: the size of the consent's text must not tell one from another */
#define CONSENT_BYTES_PER_PERSON 8192

int lookupwire_ground_ok(const char *ground)
{
	return vocab_ground_known(ground) && strcmp(ground, "conflict_of_duties") != 0;
}

int lookupwire_class_ok(long c)
{
	return c == 1 || c == 2 || c == 4 || c == 8 || c == HOUSEHOLD_MAX;
}

size_t lookupwire_request_pad(size_t size_class, int on_consent)
{
	return size_class * (on_consent ? CONSENT_BYTES_PER_PERSON : REQUEST_BYTES_PER_PERSON);
}

size_t lookupwire_answer_pad(size_t size_class)
{
	size_t n = size_class * ANSWER_BYTES_PER_PERSON;
	return n < 256 ? 256 : n;
}

const char *lookupwire_reason(const char *reason)
{
	for (size_t i = 0; reason != NULL && reasons[i] != NULL; i++)
		if (strcmp(reasons[i], reason) == 0)
			return reasons[i];
	return "not_shared";
}

json_t *lookupwire_parse_answer(const json_t *body, size_t n)
{
	const json_t *answers = json_object_get(body, "answers");
	json_t *out = json_array(), *x;
	size_t i;
	if (out == NULL || json_object_size(body) != 1 || json_array_size(answers) != n || n == 0)
		goto bad;
	json_array_foreach(answers, i, x) {
		const char *o = json_string_value(json_object_get(x, "outcome"));
		const char *r = json_string_value(json_object_get(x, "reason"));
		if (o == NULL || json_object_size(x) != (r ? 2u : 1u) ||
		    (strcmp(o, "known") != 0 && strcmp(o, "not_known") != 0 &&
		     strcmp(o, "refused") != 0) ||
		    (r != NULL && strcmp(o, "refused") != 0))
			goto bad;
		json_t *e = json_pack("{s:s}", "outcome", o);
		if (r != NULL)
			json_object_set_new(e, "reason", json_string(lookupwire_reason(r)));
		json_array_append_new(out, e);
	}
	return out;
bad:
	json_decref(out);
	return NULL;
}
