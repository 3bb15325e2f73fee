/*
 * consentdoc.c — consent declarations: validation, coverage of a use, and
 * the registering node's signed object.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wijknet.h"
#include "bsn.h"
#include "consentdoc.h"
#include "date.h"
#include "envelope.h"
#include "ids.h"
#include "schema.h"
#include "vocab.h"

static const char CONSENT_CONTEXT[] = "wijknet-consent-v1\n";
static const char *const drop_sig[] = { "sig", NULL };

static const struct schema_field doc_fields[] = {
	{ "subject", SCHEMA_OBJECT, 1, 0 },
	{ "purposes", SCHEMA_ARRAY, 1, 8 },
	{ "recipients", SCHEMA_ARRAY, 1, 64 },
	{ "sources", SCHEMA_ARRAY, 1, 64 },
	{ "categories", SCHEMA_ARRAY, 0, 64 },
	{ "special", SCHEMA_ARRAY, 0, 4 },
	{ "signers", SCHEMA_ARRAY, 0, 8 },
	{ "signed_on", SCHEMA_STRING, 1, 10 },
	{ "valid_until", SCHEMA_STRING, 0, 10 },
	{ "place", SCHEMA_STRING, 0, 100 },
	{ "note", SCHEMA_STRING, 0, 2000 },
	{ NULL, 0, 0, 0 },
};

static const struct schema_field subject_fields[] = {
	{ "bsn", SCHEMA_STRING, 1, 16 },
	{ "birth_date", SCHEMA_STRING, 1, 10 },
	{ "name", SCHEMA_STRING, 0, 200 },
	{ NULL, 0, 0, 0 },
};

static const struct schema_field signer_fields[] = {
	{ "name", SCHEMA_STRING, 1, 200 },
	{ "role", SCHEMA_STRING, 1, 16 },
	{ "representation", SCHEMA_STRING, 0, 16 },
	{ NULL, 0, 0, 0 },
};

/* The kinds of legal representation of an adult (G-P 4.3a "diens wettelijke
 * vertegenwoordiger(s)"): curatele and mentorschap (BW 1:378, 1:453), bewind
 * (BW 1:431, financial matters) and a written authorisation (volmacht). */
const char *const consentdoc_representations[] = { "curatele", "mentorschap", "bewind",
						   "volmacht", NULL };

#define AGE_CO_SIGN 12 /* Bijlage 8: children older than 12 sign with their parents */
#define AGE_OWN 16     /* members of 16 and older sign for themselves */
#define AGE_ADULT 18   /* a legal representative signs for an adult */

static const struct schema_field object_fields[] = {
	{ "v", SCHEMA_INT, 1, 0 },
	{ "id", SCHEMA_STRING, 1, 32 },
	{ "kind", SCHEMA_STRING, 1, 16 },
	{ "registered_by", SCHEMA_STRING, 1, 63 },
	{ "registered_at", SCHEMA_INT, 1, 0 },
	{ "document", SCHEMA_OBJECT, 1, 0 },
	{ "sig", SCHEMA_STRING, 1, 256 },
	{ NULL, 0, 0, 0 },
};

/* 1 when the NULL-terminated list holds s. */
static int array_has_cstr(const char *const *list, const char *s)
{
	for (size_t i = 0; list[i] != NULL; i++)
		if (strcmp(list[i], s) == 0)
			return 1;
	return 0;
}

/* 1 when the array of strings holds s. */
static int array_has(const json_t *arr, const char *s)
{
	size_t i;
	json_t *x;
	json_array_foreach(arr, i, x)
		if (json_is_string(x) && strcmp(json_string_value(x), s) == 0)
			return 1;
	return 0;
}

/* Every item a string accepted by valid, no duplicates. */
static int check_list(const json_t *arr, const char *field, int (*valid)(const char *),
		      const char *what, int code, char *err, size_t errcap)
{
	size_t i, j;
	json_t *x;
	json_array_foreach(arr, i, x) {
		const char *s = json_string_value(x);
		if (s == NULL || !valid(s)) {
			snprintf(err, errcap, "field '%s': item %zu is not %s", field, i + 1, what);
			return code;
		}
		for (j = 0; j < i; j++) {
			if (strcmp(json_string_value(json_array_get(arr, j)), s) == 0) {
				snprintf(err, errcap, "field '%s': '%.64s' appears twice", field, s);
				return WN_ESCHEMA;
			}
		}
	}
	return 0;
}

static int is_purpose(const char *s) { return vocab_purpose_known(s); }
static int is_partner(const char *s) { return schema_valid_partner_id(s) == 0; }
static int is_category(const char *s) { return vocab_category(s) != NULL; }
static int is_special(const char *s) { return vocab_special_from_name(s) != VOCAB_ORDINARY; }

/* Who signed: the subject, a parent or guardian, a legal representative. */
struct signers {
	int self, parent, representative;
	int personal; /* a representative in personal matters: curatele, mentorschap, volmacht */
};

static struct signers signers_of(const json_t *doc)
{
	struct signers s = { 0, 0, 0, 0 };
	size_t i;
	json_t *x;
	json_array_foreach(json_object_get(doc, "signers"), i, x) {
		const char *role = json_string_value(json_object_get(x, "role"));
		if (role == NULL)
			continue;
		s.self |= strcmp(role, "subject") == 0;
		s.parent |= strcmp(role, "parent") == 0 || strcmp(role, "guardian") == 0;
		s.representative |= strcmp(role, "representative") == 0;
		s.personal |= strcmp(role, "representative") == 0 &&
			      strcmp(json_string_value(json_object_get(x, "representation")) ?
				     json_string_value(json_object_get(x, "representation")) : "",
				     "bewind") != 0;
	}
	return s;
}

/* What a bewindvoerder may sign for: the client's money, nothing else (BW
 * 1:431). */
static const char *const bewind_categories[] = { "leefgebied.inkomen_schulden", "zrm.financien",
						 NULL };

/* An adult's consent signed for them by a bewindvoerder alone covers only
 * financial categories: bewind is no representation in personal matters. */
static int signers_fit_bewind(const json_t *doc, struct signers s, int age, char *err,
			      size_t errcap)
{
	size_t i;
	json_t *x;
	if (age < AGE_ADULT || s.self || s.personal || !s.representative)
		return 0;
	json_array_foreach(json_object_get(doc, "categories"), i, x)
		if (!array_has_cstr(bewind_categories, json_string_value(x))) {
			snprintf(err, errcap, "a bewindvoerder represents the subject in financial "
				 "matters only (BW 1:431) and cannot consent to sharing '%s': the "
				 "subject signs, or their curator or mentor", json_string_value(x));
			return WN_ECONSENT;
		}
	return 0;
}

/* The signers rule for a subject of age (Heerlen Bijlage 8, G-P 4.3a). */
static int signers_fit_age(struct signers s, int age, const char *when, char *err, size_t errcap)
{
	if (age >= AGE_ADULT && !s.self && !s.representative) {
		snprintf(err, errcap, "the subject is %d %s and signs personally, or their legal "
			 "representative signs (Heerlen Bijlage 8, G-P 4.3a)", age, when);
		return WN_ECONSENT;
	}
	if (age >= AGE_OWN && age < AGE_ADULT && !s.self) {
		snprintf(err, errcap, "the subject is %d %s and signs personally (Heerlen "
			 "Bijlage 8)", age, when);
		return WN_ECONSENT;
	}
	if (age >= AGE_CO_SIGN && age < AGE_OWN && !(s.self && s.parent)) {
		snprintf(err, errcap, "the subject is %d %s: the child co-signs together with a "
			 "parent or guardian (Heerlen Bijlage 8)", age, when);
		return WN_ECONSENT;
	}
	if (age < AGE_CO_SIGN && !s.parent) {
		snprintf(err, errcap, "the subject is %d %s: a parent or guardian signs (Heerlen "
			 "Bijlage 8)", age, when);
		return WN_ECONSENT;
	}
	if (s.representative && age < AGE_ADULT) {
		snprintf(err, errcap, "the subject is %d %s: a minor's legal representatives sign as "
			 "parent or guardian", age, when);
		return WN_ECONSENT;
	}
	return 0;
}

int consentdoc_check_signers(const json_t *doc, char *err, size_t errcap)
{
	const json_t *subject = json_object_get(doc, "subject");
	const char *birth = json_string_value(json_object_get(subject, "birth_date"));
	const char *signed_on = json_string_value(json_object_get(doc, "signed_on"));
	int age = date_age_years(birth, signed_on);
	if (!date_valid(birth) || !date_valid(signed_on) || age < 0) {
		snprintf(err, errcap, "the birth date must be a date before the day of signing");
		return WN_ECONSENT;
	}
	int rc = signers_fit_age(signers_of(doc), age, "on the day of signing", err, errcap);
	return rc != 0 ? rc : signers_fit_bewind(doc, signers_of(doc), age, err, errcap);
}

int consentdoc_check_signers_on(const json_t *doc, const char *today, char *err, size_t errcap)
{
	int rc = consentdoc_check_signers(doc, err, errcap);
	if (rc != 0)
		return rc;
	const json_t *subject = json_object_get(doc, "subject");
	const char *birth = json_string_value(json_object_get(subject, "birth_date"));
	const char *signed_on = json_string_value(json_object_get(doc, "signed_on"));
	int then = date_age_years(birth, signed_on), now = date_age_years(birth, today);
	/* a child's consent lasts while the child stays in the age band it signed in:
	 * at 12 it co-signs, at 16 it signs for itself (Heerlen Bijlage 8) */
	int band_then = then < AGE_CO_SIGN ? 0 : then < AGE_OWN ? 1 : 2;
	int band_now = now < AGE_CO_SIGN ? 0 : now < AGE_OWN ? 1 : 2;
	if (band_now > band_then) {
		snprintf(err, errcap, "the consent was signed when the subject was %d and no longer "
			 "covers them at %d: from %d the child %s, so a new consent is needed "
			 "(Heerlen Bijlage 8)", then, now, band_then == 0 ? AGE_CO_SIGN : AGE_OWN,
			 band_then == 0 ? "co-signs with a parent or guardian" : "signs for itself");
		return WN_ECONSENT;
	}
	return signers_fit_age(signers_of(doc), now, "today", err, errcap);
}

int consentdoc_check_validity(const json_t *doc, int max_days, char *err, size_t errcap)
{
	const char *signed_on = json_string_value(json_object_get(doc, "signed_on"));
	const char *until = json_string_value(json_object_get(doc, "valid_until"));
	long days = 0;
	if (max_days <= 0)
		return 0;
	if (date_days_between(signed_on, until, &days) != 0) {
		snprintf(err, errcap, "the consent's period is not a pair of dates");
		return WN_ECONSENT;
	}
	if (days > max_days) {
		snprintf(err, errcap, "the consent is valid for %ld days, longer than the federation's "
			 "maximum of %d days: a consent is asked again at least that often (Heerlen "
			 "note 2)", days, max_days);
		return WN_ECONSENT;
	}
	return 0;
}

/* Special categories must be named by class, not only listed (r12). */
static int check_special_named(const json_t *doc, const json_t *categories, char *err,
			       size_t errcap)
{
	const json_t *special = json_object_get(doc, "special");
	size_t i;
	json_t *x;
	json_array_foreach(categories, i, x) {
		const struct vocab_category *c = vocab_category(json_string_value(x));
		const char *cls = c ? vocab_special_name(c->special) : NULL;
		if (cls != NULL && !array_has(special, cls)) {
			snprintf(err, errcap, "category '%s' is %s data: the consent must name '%s' "
				 "in 'special' (Heerlen 8.3)", c->code, cls, cls);
			return WN_ECONSENT;
		}
	}
	return 0;
}

int consentdoc_check(const json_t *doc, int refusal, const char *today, int max_days, char *err,
		     size_t errcap)
{
	char detail[200];
	int rc = schema_check(doc, doc_fields, detail, sizeof(detail));
	if (rc != 0) {
		snprintf(err, errcap, "consent document: %s", detail);
		return rc;
	}
	const json_t *subject = json_object_get(doc, "subject");
	if ((rc = schema_check(subject, subject_fields, detail, sizeof(detail))) != 0) {
		snprintf(err, errcap, "consent document: field 'subject': %s", detail);
		return rc;
	}
	if (bsn_validate(json_string_value(json_object_get(subject, "bsn"))) != 0) {
		snprintf(err, errcap, "field 'subject.bsn': not a valid BSN (11-proef)");
		return WN_EBSN;
	}
	const char *birth = json_string_value(json_object_get(subject, "birth_date"));
	const char *signed_on = json_string_value(json_object_get(doc, "signed_on"));
	const char *until = json_string_value(json_object_get(doc, "valid_until"));
	if (!date_valid(birth)) {
		snprintf(err, errcap, "field 'subject.birth_date': expected a date YYYY-MM-DD");
		return WN_ESCHEMA;
	}
	if (!date_valid(signed_on) || strcmp(signed_on, today) > 0) {
		snprintf(err, errcap, "field 'signed_on': expected a date YYYY-MM-DD, not after today");
		return WN_ESCHEMA;
	}
	const json_t *purposes = json_object_get(doc, "purposes");
	const json_t *categories = json_object_get(doc, "categories");
	const json_t *signers = json_object_get(doc, "signers");
	if (json_array_size(purposes) == 0 || json_array_size(json_object_get(doc, "recipients")) == 0 ||
	    json_array_size(json_object_get(doc, "sources")) == 0) {
		snprintf(err, errcap, "a consent names its purposes, recipients and sources "
			 "explicitly (Heerlen 8.2): none may be empty");
		return WN_ECONSENT;
	}
	if ((rc = check_list(purposes, "purposes", is_purpose, "a known purpose", WN_EPURPOSE, err,
			     errcap)) != 0 ||
	    (rc = check_list(json_object_get(doc, "recipients"), "recipients", is_partner,
			     "a partner id", WN_ESCHEMA, err, errcap)) != 0 ||
	    (rc = check_list(json_object_get(doc, "sources"), "sources", is_partner, "a partner id",
			     WN_ESCHEMA, err, errcap)) != 0 ||
	    (rc = check_list(categories, "categories", is_category, "a category of the vocabulary",
			     WN_ECATEGORY, err, errcap)) != 0 ||
	    (rc = check_list(json_object_get(doc, "special"), "special", is_special,
			     "health, mental_health, addiction or criminal", WN_ESCHEMA, err,
			     errcap)) != 0)
		return rc;
	size_t i;
	json_t *s;
	json_array_foreach(signers, i, s) {
		if ((rc = schema_check(s, signer_fields, detail, sizeof(detail))) != 0) {
			snprintf(err, errcap, "field 'signers': item %zu: %s", i + 1, detail);
			return rc;
		}
		/* who signed is what the consent proves: a name, not blanks */
		if (!schema_text_given(json_string_value(json_object_get(s, "name")), 2)) {
			snprintf(err, errcap, "field 'signers': item %zu: name the person who signed "
				 "(at least two characters besides spaces)", i + 1);
			return WN_ESCHEMA;
		}
		const char *role = json_string_value(json_object_get(s, "role"));
		const char *kind = json_string_value(json_object_get(s, "representation"));
		if (strcmp(role, "subject") != 0 && strcmp(role, "parent") != 0 &&
		    strcmp(role, "guardian") != 0 && strcmp(role, "representative") != 0) {
			snprintf(err, errcap, "field 'signers': item %zu: role must be subject, parent, "
				 "guardian or representative", i + 1);
			return WN_ESCHEMA;
		}
		if ((strcmp(role, "representative") == 0) != (kind != NULL)) {
			snprintf(err, errcap, "field 'signers': item %zu: a representative names the kind "
				 "of representation ('representation'), and only a representative", i + 1);
			return WN_ESCHEMA;
		}
		if (kind != NULL && !array_has_cstr(consentdoc_representations, kind)) {
			snprintf(err, errcap, "field 'signers': item %zu: representation is curatele, "
				 "mentorschap, bewind or volmacht", i + 1);
			return WN_ESCHEMA;
		}
	}
	if (refusal)
		return 0;
	if (json_array_size(categories) == 0) {
		snprintf(err, errcap, "a consent names the categories it covers (Heerlen 8.2)");
		return WN_ECONSENT;
	}
	if (json_array_size(signers) == 0) {
		snprintf(err, errcap, "a consent is signed: 'signers' is empty");
		return WN_ECONSENT;
	}
	if (!date_valid(until) || strcmp(until, signed_on) < 0) {
		snprintf(err, errcap, "field 'valid_until': expected a date YYYY-MM-DD, not before "
			 "'signed_on'");
		return WN_ESCHEMA;
	}
	if (strcmp(until, today) < 0) {
		snprintf(err, errcap, "the consent expired on %s", until);
		return WN_ECONSENT;
	}
	if ((rc = consentdoc_check_validity(doc, max_days, err, errcap)) != 0)
		return rc;
	if ((rc = check_special_named(doc, categories, err, errcap)) != 0)
		return rc;
	return consentdoc_check_signers_on(doc, today, err, errcap);
}

int consentdoc_covers(const json_t *doc, const struct consent_use *use, char *err,
		      size_t errcap)
{
	const json_t *subject = json_object_get(doc, "subject");
	const char *bsn = json_string_value(json_object_get(subject, "bsn"));
	size_t i;
	json_t *x;
	if (bsn == NULL || use->bsn == NULL || strcmp(bsn, use->bsn) != 0) {
		snprintf(err, errcap, "the consent is about another person");
		return WN_ECONSENT;
	}
	if (!array_has(json_object_get(doc, "purposes"), use->purpose)) {
		snprintf(err, errcap, "the consent does not cover the purpose '%s'", use->purpose);
		return WN_ECONSENT;
	}
	if (!array_has(json_object_get(doc, "recipients"), use->requester)) {
		snprintf(err, errcap, "the consent does not name '%s' as a recipient", use->requester);
		return WN_ECONSENT;
	}
	if (!array_has(json_object_get(doc, "sources"), use->source)) {
		snprintf(err, errcap, "the consent does not name '%s' as a source", use->source);
		return WN_ECONSENT;
	}
	json_array_foreach(use->categories, i, x) {
		if (!array_has(json_object_get(doc, "categories"), json_string_value(x))) {
			snprintf(err, errcap, "the consent does not cover the category '%s'",
				 json_string_value(x));
			return WN_ECONSENT;
		}
	}
	int rc = use->categories ? check_special_named(doc, use->categories, err, errcap) : 0;
	if (rc != 0)
		return rc;
	return consentdoc_in_force(doc, use->today, use->max_days, err, errcap);
}

/* 1 when the refusal names category code: in its own list, by a special
 * class it names, or (naming neither) as every category. */
static int refusal_names_category(const json_t *refusal, const char *code)
{
	const json_t *cats = json_object_get(refusal, "categories");
	const json_t *special = json_object_get(refusal, "special");
	if (code == NULL)
		return 0;
	if (json_array_size(cats) == 0 && json_array_size(special) == 0)
		return 1;
	if (array_has(cats, code))
		return 1;
	const struct vocab_category *c = vocab_category(code);
	const char *cls = c ? vocab_special_name(c->special) : NULL;
	return cls != NULL && array_has(special, cls);
}

int consentdoc_refuses(const json_t *refusal, const char *purpose, const char *recipient,
		       const char *source, const char *category)
{
	return purpose != NULL && recipient != NULL && source != NULL &&
	       array_has(json_object_get(refusal, "purposes"), purpose) &&
	       array_has(json_object_get(refusal, "recipients"), recipient) &&
	       array_has(json_object_get(refusal, "sources"), source) &&
	       refusal_names_category(refusal, category);
}

int consentdoc_withdrawn(const json_t *refusal, const json_t *consent,
			 const struct consent_use *use, const char **category)
{
	const json_t *cats = use->categories ? use->categories
					     : json_object_get(consent, "categories");
	size_t i;
	json_t *x;
	int all = json_array_size(cats) > 0;
	*category = NULL;
	json_array_foreach(cats, i, x) {
		int refused = consentdoc_refuses(refusal, use->purpose, use->requester, use->source,
						 json_string_value(x));
		if (refused && use->categories != NULL) {
			*category = json_string_value(x);
			return 1;
		}
		all &= refused;
	}
	/* a lookup asks whether a source knows the person: withdrawn only when
	 * nothing the consent covered there is left to ask for */
	return use->categories == NULL && all;
}

/* How many items of the consent's list field the refusal's names. */
static size_t names_of(const json_t *refusal, const json_t *consent, const char *field)
{
	size_t i, n = 0;
	json_t *x;
	json_array_foreach(json_object_get(consent, field), i, x)
		n += strcmp(field, "categories") == 0
			     ? (size_t)refusal_names_category(refusal, json_string_value(x))
			     : (size_t)array_has(json_object_get(refusal, field),
						 json_string_value(x));
	return n;
}

int consentdoc_limits(const json_t *refusal, const json_t *consent)
{
	static const char *const fields[] = { "purposes", "recipients", "sources", "categories" };
	int whole = 1;
	const char *a = json_string_value(json_object_get(json_object_get(refusal, "subject"), "bsn"));
	const char *b = json_string_value(json_object_get(json_object_get(consent, "subject"), "bsn"));
	if (a == NULL || b == NULL || strcmp(a, b) != 0)
		return 0;
	/* what is refused is every combination of what it names: it meets the
	 * consent when it names something of each of the consent's lists */
	for (size_t f = 0; f < 4; f++) {
		size_t n = names_of(refusal, consent, fields[f]);
		if (n == 0)
			return 0;
		whole &= n == json_array_size(json_object_get(consent, fields[f]));
	}
	return whole ? 2 : 1;
}

int consentdoc_in_force(const json_t *doc, const char *today, int max_days, char *err,
			size_t errcap)
{
	const char *signed_on = json_string_value(json_object_get(doc, "signed_on"));
	const char *until = json_string_value(json_object_get(doc, "valid_until"));
	if (!date_valid(signed_on) || strcmp(today, signed_on) < 0) {
		snprintf(err, errcap, "the consent is not valid before %s", signed_on ? signed_on : "?");
		return WN_ECONSENT;
	}
	if (!date_valid(until) || strcmp(today, until) > 0) {
		snprintf(err, errcap, "the consent expired on %s", until ? until : "?");
		return WN_ECONSENT;
	}
	int rc = consentdoc_check_validity(doc, max_days, err, errcap);
	if (rc != 0)
		return rc;
	return consentdoc_check_signers_on(doc, today, err, errcap);
}

int consentdoc_version(const json_t *object, char version[CONSENT_VERSION_LEN + 1])
{
	return envelope_hash_object(object, drop_sig, version);
}

int consentdoc_make(const json_t *doc, int refusal, const char *registrar, EVP_PKEY *key,
		    json_t **object, char id[33], char version[CONSENT_VERSION_LEN + 1])
{
	char *sig = NULL;
	int rc = id_generate(id);
	if (rc != 0)
		return rc;
	json_t *o = json_pack("{s:i,s:s,s:s,s:s,s:I,s:O}", "v", 1, "id", id, "kind",
			      refusal ? "refusal" : "consent", "registered_by", registrar,
			      "registered_at", (json_int_t)time_now_ms(), "document", doc);
	if (o == NULL)
		return WN_ENOMEM;
	if ((rc = consentdoc_version(o, version)) == 0 &&
	    (rc = envelope_sign_object(o, CONSENT_CONTEXT, drop_sig, key, &sig)) == 0)
		json_object_set_new(o, "sig", json_string(sig));
	free(sig);
	if (rc != 0) {
		json_decref(o);
		return rc;
	}
	*object = o;
	return 0;
}

int consentdoc_sign_again(json_t *object, const char *self, X509 *cert, EVP_PKEY *key,
			  int *again)
{
	char *sig = NULL;
	const char *by = json_string_value(json_object_get(object, "registered_by"));
	*again = 0;
	if (by == NULL || strcmp(by, self) != 0 ||
	    envelope_verify_object(object, CONSENT_CONTEXT, drop_sig, cert) == 0)
		return 0;
	/* the signature is outside the version: the broker's record still holds */
	int rc = envelope_sign_object(object, CONSENT_CONTEXT, drop_sig, key, &sig);
	if (rc == 0)
		rc = json_object_set_new(object, "sig", json_string(sig)) == 0 ? 0 : WN_ENOMEM;
	*again = rc == 0;
	free(sig);
	return rc;
}

static int consentdoc_verify_kind(const json_t *object, const json_t *ref, const char *kind,
				  X509 *registrar_cert, char *err, size_t errcap)
{
	char detail[200], version[CONSENT_VERSION_LEN + 1];
	int rc = schema_check(object, object_fields, detail, sizeof(detail));
	if (rc != 0) {
		snprintf(err, errcap, "consent object: %s", detail);
		return WN_ECONSENT;
	}
	const char *id = json_string_value(json_object_get(ref, "id"));
	const char *want = json_string_value(json_object_get(ref, "version"));
	if (id == NULL || strcmp(id, json_string_value(json_object_get(object, "id"))) != 0) {
		snprintf(err, errcap, "the consent presented is not the consent named in the header");
		return WN_ECONSENT;
	}
	if (strcmp(json_string_value(json_object_get(object, "kind")), kind) != 0) {
		snprintf(err, errcap, "consent %s records a %s, not a %s", id,
			 json_string_value(json_object_get(object, "kind")), kind);
		return WN_ECONSENT;
	}
	if ((rc = consentdoc_version(object, version)) != 0)
		return rc;
	if (want == NULL || strcmp(version, want) != 0) {
		snprintf(err, errcap, "consent %s was altered: its version hash does not match", id);
		return WN_ECONSENT;
	}
	if (registrar_cert == NULL ||
	    envelope_verify_object(object, CONSENT_CONTEXT, drop_sig, registrar_cert) != 0) {
		snprintf(err, errcap, "consent %s does not carry a valid signature of '%s'", id,
			 json_string_value(json_object_get(object, "registered_by")));
		return WN_ESIG;
	}
	return 0;
}

int consentdoc_verify(const json_t *object, const json_t *ref, X509 *registrar_cert, char *err,
		      size_t errcap)
{
	return consentdoc_verify_kind(object, ref, "consent", registrar_cert, err, errcap);
}

int consentdoc_verify_refusal(const json_t *object, const json_t *ref, X509 *registrar_cert,
			      char *err, size_t errcap)
{
	return consentdoc_verify_kind(object, ref, "refusal", registrar_cert, err, errcap);
}
