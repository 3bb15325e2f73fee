/*
 * ground.c — lawful grounds and their Bijlage 3 motivation.
 */
#include <stdio.h>
#include <string.h>

#include "wijknet.h"
#include "envelope.h"
#include "ground.h"
#include "schema.h"
#include "vocab.h"

#define MOTIVATION_TEXT_MIN 10 /* a reason, not a placeholder */
#define GROUND_STR_(x) #x
#define GROUND_STR(x) GROUND_STR_(x) /* a number in a message, written once */

const char *const ground_interests[] = { "urgent_health", "serious_harm", "serious_nuisance",
					 NULL };
const char *const ground_exceptions[] = { "crime_prevention", "client_protection",
					  "rights_of_others", NULL };

static const struct schema_field motivation_fields[] = {
	{ "interest", SCHEMA_STRING, 0, 32 },
	{ "exception", SCHEMA_STRING, 0, 32 },
	{ "subsidiarity", SCHEMA_STRING, 0, 2000 },
	{ "proportionality", SCHEMA_STRING, 0, 2000 },
	{ "legal_reference", SCHEMA_STRING, 0, 500 },
	{ "explanation", SCHEMA_STRING, 0, 4000 },
	{ NULL, 0, 0, 0 },
};

static int in_list(const char *const *list, const char *s)
{
	for (size_t i = 0; s != NULL && list[i] != NULL; i++)
		if (strcmp(list[i], s) == 0)
			return 1;
	return 0;
}

static int text_given(const json_t *m, const char *field)
{
	return schema_text_given(json_string_value(json_object_get(m, field)),
				 MOTIVATION_TEXT_MIN);
}

/* What is wrong with a text the motivation needs: absent, or too short to
 * be a reason (a word or two). */
static const char *text_lack(const json_t *m, const char *field)
{
	const char *v = json_string_value(json_object_get(m, field));
	return schema_text_given(v, 1) ? "is too short (a reason of at least "
					 GROUND_STR(MOTIVATION_TEXT_MIN) " characters)"
				       : "is missing";
}

int ground_is_consent(const char *ground)
{
	return ground != NULL && strcmp(ground, "consent") == 0;
}

int ground_check_motivation(const char *ground, const json_t *motivation, char *err,
			    size_t errcap)
{
	char detail[200];
	if (!vocab_ground_known(ground)) {
		snprintf(err, errcap, "unknown lawful ground '%s'", ground ? ground : "");
		return WN_EGROUND;
	}
	if (motivation != NULL &&
	    schema_check(motivation, motivation_fields, detail, sizeof(detail)) != 0) {
		snprintf(err, errcap, "motivation: %s", detail);
		return WN_ESCHEMA;
	}
	const char *interest = json_string_value(json_object_get(motivation, "interest"));
	const char *exception = json_string_value(json_object_get(motivation, "exception"));
	if (interest != NULL && !in_list(ground_interests, interest)) {
		snprintf(err, errcap, "motivation: 'interest' is one of urgent_health, serious_harm, "
			 "serious_nuisance (Bijlage 3 step I)");
		return WN_EMOTIVATION;
	}
	if (exception != NULL && !in_list(ground_exceptions, exception)) {
		snprintf(err, errcap, "motivation: 'exception' is one of crime_prevention, "
			 "client_protection, rights_of_others (Bijlage 3 step IV)");
		return WN_EMOTIVATION;
	}
	if (ground_is_consent(ground) || strcmp(ground, "conflict_of_duties") == 0)
		return 0;
	if (strcmp(ground, "legal_obligation") == 0) {
		if (!text_given(motivation, "legal_reference")) {
			snprintf(err, errcap, "ground legal_obligation: the motivation names the legal "
				 "reference ('legal_reference') that requires the disclosure");
			return WN_EMOTIVATION;
		}
		return 0;
	}
	/* vital_interest, public_task, legitimate_interest, contract */
	if (motivation == NULL) {
		snprintf(err, errcap, "ground %s without consent needs the Bijlage 3 motivation: "
			 "interest, subsidiarity, proportionality", ground);
		return WN_EMOTIVATION;
	}
	if (interest == NULL) {
		snprintf(err, errcap, "motivation: 'interest' is missing: which interest is at stake "
			 "(Bijlage 3 step I)");
		return WN_EMOTIVATION;
	}
	if (!text_given(motivation, "subsidiarity")) {
		snprintf(err, errcap, "motivation: 'subsidiarity' %s: why less invasive "
			 "sharing does not suffice (Bijlage 3 step II)",
			 text_lack(motivation, "subsidiarity"));
		return WN_EMOTIVATION;
	}
	if (!text_given(motivation, "proportionality")) {
		snprintf(err, errcap, "motivation: 'proportionality' %s: why the sharing is "
			 "proportional to its aim (Bijlage 3 step III)",
			 text_lack(motivation, "proportionality"));
		return WN_EMOTIVATION;
	}
	/* without consent, only one of the three exceptions allows the sharing */
	if (exception == NULL) {
		snprintf(err, errcap, "motivation: 'exception' is missing: without the client's "
			 "consent data are shared only for crime_prevention, client_protection or "
			 "rights_of_others (Bijlage 3 step IV)");
		return WN_EMOTIVATION;
	}
	return 0;
}

int ground_detail_hash(const json_t *motivation, char out[65])
{
	static const char *const none[] = { NULL };
	json_t *empty = NULL;
	if (motivation == NULL)
		motivation = empty = json_object();
	int rc = envelope_hash_object(motivation, none, out);
	json_decref(empty);
	return rc;
}
