/*
 * profile.c — disclosure profile loading and the lookup decision.
 */
#include <stdio.h>
#include <string.h>

#include "wijknet.h"
#include "profile.h"
#include "vocab.h"

static const struct schema_field profile_fields[] = {
	{ "lookups", SCHEMA_STRING, 0, 32 },
	{ "share", SCHEMA_ARRAY, 0, 64 },
	{ "grounds", SCHEMA_ARRAY, 0, 16 },
	{ "shielded_lookups", SCHEMA_STRING, 0, 16 },
	{ "lookup_grounds", SCHEMA_ARRAY, 0, 16 },
	{ NULL, 0, 0, 0 },
};

static const char *const lookups_names[] = { "answer", "consent_required", "never" };
static const char *const shielded_names[] = { "known", "not_known", "refused" };

const struct schema_field *profile_config_fields(void)
{
	return profile_fields;
}

const char *profile_lookups_name(enum profile_lookups l)
{
	return lookups_names[l];
}

/* The place in names[3] of the value of key (the first name when absent). */
static int profile_choice(config *cfg, const json_t *obj, const char *key,
			  const char *const names[3], int *out, char *err, size_t errcap)
{
	const char *v = config_str(obj, key, names[0]);
	for (int i = 0; i < 3; i++) {
		if (strcmp(v, names[i]) == 0) {
			*out = i;
			return 0;
		}
	}
	snprintf(err, errcap, "%s: in 'profile': field '%s': expected %s, %s or %s",
		 config_file(cfg), key, names[0], names[1], names[2]);
	return WN_ECONFIG;
}

/* Every item a lawful ground of the vocabulary. */
static int profile_check_grounds(config *cfg, const json_t *grounds, const char *key, char *err,
				 size_t errcap)
{
	size_t i;
	json_t *x;
	json_array_foreach(grounds, i, x) {
		if (!vocab_ground_known(json_string_value(x))) {
			snprintf(err, errcap, "%s: in 'profile': field '%s': item %zu is not a "
				 "lawful ground (%s)", config_file(cfg), key, i + 1,
				 "consent, legal_obligation, vital_interest, public_task, "
				 "legitimate_interest, contract, conflict_of_duties");
			return WN_ECONFIG;
		}
	}
	return 0;
}

int profile_load(config *cfg, const json_t *obj, struct profile *out, char *err, size_t errcap)
{
	memset(out, 0, sizeof(*out));
	out->lookups = PROFILE_LOOKUPS_ANSWER;
	if (obj == NULL) {
		out->share = json_array();
		return 0;
	}
	int rc = config_check(cfg, obj, "profile", profile_fields, err, errcap);
	if (rc != 0)
		return rc;
	int v;
	if ((rc = profile_choice(cfg, obj, "lookups", lookups_names, &v, err, errcap)) != 0)
		return rc;
	out->lookups = (enum profile_lookups)v;
	if ((rc = profile_choice(cfg, obj, "shielded_lookups", shielded_names, &v, err, errcap)) != 0)
		return rc;
	out->shielded_lookups = (enum profile_shielded)v;
	size_t i;
	json_t *share = json_object_get(obj, "share"), *x;
	json_array_foreach(share, i, x) {
		if (vocab_category(json_string_value(x)) == NULL) {
			snprintf(err, errcap, "%s: in 'profile': field 'share': item %zu is not a "
				 "category of the vocabulary", config_file(cfg), i + 1);
			return WN_ECONFIG;
		}
	}
	json_t *grounds = json_object_get(obj, "grounds");
	json_t *lookup_grounds = json_object_get(obj, "lookup_grounds");
	if ((rc = profile_check_grounds(cfg, grounds, "grounds", err, errcap)) != 0 ||
	    (rc = profile_check_grounds(cfg, lookup_grounds, "lookup_grounds", err, errcap)) != 0)
		return rc;
	out->share = share ? json_incref(share) : json_array();
	out->grounds = grounds ? json_incref(grounds) : NULL;
	out->lookup_grounds = lookup_grounds ? json_incref(lookup_grounds) : NULL;
	return 0;
}

const char *profile_lookup_outcome(const struct profile *p, enum store_known known,
				   const char **reason)
{
	if (known == STORE_NOT_KNOWN)
		return "not_known";
	if (known == STORE_KNOWN || p->shielded_lookups == PROFILE_SHIELDED_KNOWN)
		return "known";
	if (p->shielded_lookups == PROFILE_SHIELDED_NOT_KNOWN)
		return "not_known";
	*reason = "shielded";
	return "refused";
}

void profile_free(struct profile *p)
{
	json_decref(p->share);
	json_decref(p->grounds);
	json_decref(p->lookup_grounds);
	p->share = NULL;
	p->grounds = NULL;
	p->lookup_grounds = NULL;
}

static int profile_lists(const json_t *arr, const char *s)
{
	size_t i;
	json_t *x;
	json_array_foreach(arr, i, x)
		if (strcmp(json_string_value(x), s) == 0)
			return 1;
	return 0;
}

int profile_request_decision(const struct profile *p, const json_t *categories,
			     const char *ground, const char **reason, char *detail,
			     size_t detailcap)
{
	size_t i;
	json_t *x;
	if (p->grounds != NULL && !profile_lists(p->grounds, ground)) {
		*reason = "ground_not_accepted";
		snprintf(detail, detailcap, "this partner does not disclose on the ground '%s'",
			 ground);
		return WN_EDENIED;
	}
	/* a partner that says even whether it knows someone only on consent
	 * (mental-health, addiction care) discloses no more on less: on the
	 * client's consent, the law, or its own judgement of a conflict of duties */
	if (p->lookups == PROFILE_LOOKUPS_CONSENT && ground != NULL &&
	    strcmp(ground, "consent") != 0 && strcmp(ground, "legal_obligation") != 0 &&
	    strcmp(ground, "conflict_of_duties") != 0) {
		*reason = "consent_required";
		snprintf(detail, detailcap, "this partner discloses only on the client's consent "
			 "naming health data, a legal obligation or its own conflict of duties, not "
			 "on '%s'", ground);
		return WN_EDENIED;
	}
	json_array_foreach(categories, i, x) {
		if (!profile_lists(p->share, json_string_value(x))) {
			*reason = "not_shared";
			snprintf(detail, detailcap, "this partner does not share the category '%s'",
				 json_string_value(x));
			return WN_EDENIED;
		}
	}
	return 0;
}

int profile_lookup_decision(const struct profile *p, const char *ground, const char **reason)
{
	if (p->lookup_grounds != NULL && !profile_lists(p->lookup_grounds, ground)) {
		*reason = "ground_not_accepted";
		return WN_EDENIED;
	}
	switch (p->lookups) {
	case PROFILE_LOOKUPS_ANSWER:
		return 0;
	case PROFILE_LOOKUPS_CONSENT:
		if (ground != NULL && strcmp(ground, "consent") == 0)
			return 0;
		*reason = "consent_required";
		return WN_EDENIED;
	case PROFILE_LOOKUPS_NEVER:
	default:
		*reason = "not_shared";
		return WN_EDENIED;
	}
}
