/*
 * answer.c — the source side of a lookup: open the part sealed to this node,
 * check the lawful ground the lookup rests on (each person's consent, or the
 * Bijlage 3 motivation of another ground) against the partner's own profile,
 * look each person up in its own records by its local pseudonym, write one
 * disclosure entry per person — with the ground — durably, and only then
 * answer: signed, sealed to the requester, padded to the household's size
 * class. No logged ground, no answer (r14).
 */
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

#include <openssl/crypto.h>

#include "wijknet.h"
#include "answer.h"
#include "bsn.h"
#include "consent.h"
#include "disclog.h"
#include "envelope.h"
#include "ground.h"
#include "household.h"
#include "log.h"
#include "lookupwire.h"
#include "schema.h"
#include "secret.h"
#include "store.h"
#include "vocab.h"

static const struct schema_field lookup_sealed_fields[] = {
	{ "people", SCHEMA_ARRAY, 1, HOUSEHOLD_MAX },
	{ "class", SCHEMA_INT, 1, HOUSEHOLD_MAX },
	{ "motivation", SCHEMA_OBJECT, 0, 0 },
	{ NULL, 0, 0, 0 },
};

static const struct schema_field person_sealed_fields[] = {
	{ "bsn", SCHEMA_STRING, 1, 16 },
	{ "consent", SCHEMA_OBJECT, 0, 0 },
	{ "consent_attest", SCHEMA_OBJECT, 0, 0 },
	{ NULL, 0, 0, 0 },
};

/* One person of the lookup as this node decides about them. */
struct answer_person {
	const char *bsn;
	uint8_t index[STORE_INDEX_LEN];
	const char *outcome, *reason;
	const char *consent_id;
	char consent_version[CONSENT_VERSION_LEN + 1];
};

/* The whole lookup as this node answers it. */
struct answer_ctx {
	struct node *n;
	const json_t *query;
	const struct dir_peer *requester;
	const char *ground;
	const char *refusal;      /* a refusal for every person (ground, profile) */
	char detail_hash[65];     /* the motivation's hash, on a non-consent ground */
	size_t count;
	struct answer_person people[HOUSEHOLD_MAX];
};

/* The ground for everyone at once: the partner's own rules and, without
 * consent, the Bijlage 3 motivation. Sets a->refusal or the detail hash. */
static void answer_check_ground(struct answer_ctx *a, const json_t *motivation)
{
	char why[256];
	/* the partner's own rules first ("al dan niet bekend … na specifieke
	 * toestemming": some answer on consent only) */
	if (profile_lookup_decision(&a->n->profile, a->ground, &a->refusal) != 0)
		return;
	if (ground_is_consent(a->ground)) {
		if (motivation != NULL)
			a->refusal = "motivation_incomplete";
		return;
	}
	if (ground_check_motivation(a->ground, motivation, why, sizeof(why)) != 0) {
		a->refusal = "motivation_incomplete";
		log_emit(WN_LOG_INFO, "lookup_motivation_refused",
			 json_pack("{s:s,s:s}", "re", envelope_str(a->query, "id"), "why", why));
		return;
	}
	ground_detail_hash(motivation, a->detail_hash);
}

/* One person's consent, on the ground consent: presented, attested active
 * by the broker, signed by the partner that holds it, covering this lookup
 * by this requester from this partner today; naming health data where the
 * partner answers only on such a consent. */
static void answer_check_consent(struct answer_ctx *a, struct answer_person *ap,
				 const json_t *person)
{
	const json_t *consent = json_object_get(person, "consent");
	char why[256] = "no consent presented for this person";
	int ok = consent != NULL &&
		 consent_verify_presented(a->n, a->query, consent,
					  json_object_get(person, "consent_attest"), a->requester->id,
					  ap->bsn, NULL, why, sizeof(why)) == 0;
	if (ok && a->n->profile.lookups == PROFILE_LOOKUPS_CONSENT &&
	    !consent_names_health(consent)) {
		snprintf(why, sizeof(why), "the consent names no health, mental-health or addiction "
			 "data");
		ok = 0;
	}
	if (ok && consentdoc_version(consent, ap->consent_version) != 0)
		ok = 0;
	if (!ok) {
		ap->outcome = "refused";
		ap->reason = a->n->profile.lookups == PROFILE_LOOKUPS_CONSENT ? "consent_required"
									    : "consent_invalid";
		log_emit(WN_LOG_INFO, "lookup_consent_refused",
			 json_pack("{s:s,s:s}", "re", envelope_str(a->query, "id"), "why", why));
		return;
	}
	ap->consent_id = json_string_value(json_object_get(consent, "id"));
}

/* Reads the sealed people: valid BSNs, their pseudonyms. */
static int answer_people(struct answer_ctx *a, const json_t *sealed, char *err, size_t errcap)
{
	const json_t *people = json_object_get(sealed, "people"), *x;
	char detail[200];
	size_t i;
	long c = (long)json_integer_value(json_object_get(sealed, "class"));
	if (!lookupwire_class_ok(c) || (size_t)c < json_array_size(people)) {
		snprintf(err, errcap, "sealed body: 'class' is the household's size class (1, 2, 4, "
			 "8 or 16) and holds everyone asked");
		return WN_ESCHEMA;
	}
	json_array_foreach(people, i, x) {
		struct answer_person *ap = &a->people[i];
		if (schema_check(x, person_sealed_fields, detail, sizeof(detail)) != 0) {
			snprintf(err, errcap, "sealed body: person %zu: %s", i, detail);
			return WN_ESCHEMA;
		}
		ap->bsn = json_string_value(json_object_get(x, "bsn"));
		if (bsn_validate(ap->bsn) != 0) {
			snprintf(err, errcap, "sealed body: a BSN fails the 11-proef");
			return WN_EBSN;
		}
		int rc = store_subject_index(&a->n->keys, ap->bsn, ap->index);
		if (rc != 0)
			return rc;
		a->count = i + 1;
	}
	return 0;
}

/* Decides for every person (before anything is read, a refusal for all). */
static int answer_decide(struct answer_ctx *a, const json_t *sealed)
{
	size_t i;
	for (i = 0; i < a->count; i++) {
		struct answer_person *ap = &a->people[i];
		enum store_known known = STORE_NOT_KNOWN;
		if (a->refusal != NULL) {
			ap->outcome = "refused";
			ap->reason = a->refusal;
			continue;
		}
		if (ground_is_consent(a->ground)) {
			answer_check_consent(a, ap, json_array_get(json_object_get(sealed, "people"), i));
			if (ap->outcome != NULL)
				continue;
		}
		int rc = store_subject_known(a->n->db, ap->index, &known);
		if (rc != 0)
			return rc;
		ap->outcome = profile_lookup_outcome(&a->n->profile, known, &ap->reason);
	}
	return 0;
}

/* One disclosure entry per person, with the ground, in one transaction: no
 * entry, no answer. */
static int answer_log_run(db *d, void *arg)
{
	struct answer_ctx *a = arg;
	const json_t *q = a->query, *actor = json_object_get(q, "actor");
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < a->count; i++) {
		struct answer_person *ap = &a->people[i];
		struct disclosure e = {
			.ledger = a->n->ledger,
			.query = q,
			.request_id = envelope_str(q, "id"),
			.type = "lookup",
			.requester = a->requester->id,
			.actor_id = json_string_value(json_object_get(actor, "id")),
			.actor_role = json_string_value(json_object_get(actor, "role")),
			.purpose = envelope_str(q, "purpose"),
			.cluster = json_string_value(json_object_get(envelope_body(q), "cluster")),
			.subject_index = ap->index,
			.outcome = ap->outcome,
			.reason = ap->reason,
			.person = (int)i,
			.broker_index = (int64_t)json_integer_value(
				json_object_get(json_object_get(q, "receipt"), "index")),
			.ground = a->ground,
			.ground_detail_hash = ap->consent_id ? ap->consent_version
					      : a->detail_hash[0] ? a->detail_hash : NULL,
			.consent_id = ap->consent_id,
			.consent_version = ap->consent_id ? ap->consent_version : NULL,
		};
		rc = disclog_insert(d, &e);
	}
	return rc;
}

/* Seals {answers: [{outcome, reason?}]} to the requester, padded to the
 * size class, and signs. */
static int answer_build(struct answer_ctx *a, long size_class, json_t **reply)
{
	json_t *r = NULL, *list = json_array();
	int rc = envelope_new1(&r, "lookup.answer", a->n->ident->id, a->requester->id);
	if (rc != 0) {
		json_decref(list);
		return rc;
	}
	envelope_set_str(r, "re", envelope_str(a->query, "id"));
	for (size_t i = 0; i < a->count; i++) {
		json_t *e = json_pack("{s:s}", "outcome", a->people[i].outcome);
		if (a->people[i].reason != NULL)
			json_object_set_new(e, "reason", json_string(a->people[i].reason));
		json_array_append_new(list, e);
	}
	json_t *sealed = json_pack("{s:o}", "answers", list);
	rc = envelope_seal_padded(r, a->requester->id, a->requester->seal_pk, sealed,
				  lookupwire_answer_pad((size_t)size_class));
	json_decref(sealed);
	if (rc == 0)
		rc = envelope_sign(r, a->n->ident->key);
	if (rc != 0) {
		json_decref(r);
		return rc;
	}
	*reply = r;
	return 0;
}

/* The checks of the header that need nothing sealed. */
static int answer_check_header(const json_t *query, const struct dir_peer *requester, char *err,
			       size_t errcap)
{
	const json_t *actor = json_object_get(query, "actor");
	const char *purpose = envelope_str(query, "purpose");
	if (actor == NULL || !vocab_purpose_known(purpose)) {
		snprintf(err, errcap, "lookup without a known purpose and an actor");
		return actor == NULL ? WN_ESCHEMA : WN_EPURPOSE;
	}
	if (!lookupwire_ground_ok(envelope_str(query, "ground"))) {
		snprintf(err, errcap, "a lookup without a lawful ground is not answered (r14)");
		return WN_EGROUND;
	}
	if (!requester->has_seal) {
		snprintf(err, errcap, "requester '%s' has no verified sealing key", requester->id);
		return WN_ESEAL;
	}
	return 0;
}

int answer_lookup(struct node *n, const json_t *query, const struct dir_peer *requester,
		  json_t **reply, char *err, size_t errcap)
{
	json_t *sealed = NULL;
	char detail[200];
	struct answer_ctx *a = calloc(1, sizeof(*a));
	int rc = a ? answer_check_header(query, requester, err, errcap) : WN_ENOMEM;
	if (rc != 0)
		goto out;
	a->n = n;
	a->query = query;
	a->requester = requester;
	a->ground = envelope_str(query, "ground");
	if (envelope_open(query, n->ident->id, n->keys.seal_sk, &sealed) != 0) {
		snprintf(err, errcap, "the body sealed to '%s' is absent or cannot be opened",
			 n->ident->id);
		rc = WN_ESEAL;
		goto out;
	}
	if ((rc = schema_check(sealed, lookup_sealed_fields, detail, sizeof(detail))) != 0) {
		snprintf(err, errcap, "sealed body: %s", detail);
		goto out;
	}
	if ((rc = answer_people(a, sealed, err, errcap)) != 0)
		goto out;
	answer_check_ground(a, json_object_get(sealed, "motivation"));
	if ((rc = answer_decide(a, sealed)) != 0) {
		snprintf(err, errcap, "record store unavailable");
		goto out;
	}
	/* no entry, no answer */
	if ((rc = db_writer_run(n->writer, answer_log_run, a)) != 0) {
		snprintf(err, errcap, rc == WN_EREPLAY ? "this request was answered before"
						       : "the disclosure log cannot be written; no answer");
		goto out;
	}
	rc = answer_build(a, (long)json_integer_value(json_object_get(sealed, "class")), reply);
out:
	if (a != NULL) {
		OPENSSL_cleanse(a->people, sizeof(a->people));
		free(a);
	}
	/* wipe the BSNs in place before jansson frees them */
	size_t i;
	json_t *x;
	json_array_foreach(json_object_get(sealed, "people"), i, x) {
		secret_wipe_member(x, "bsn");
		secret_wipe_consent(json_object_get(x, "consent"));
	}
	json_decref(sealed);
	return rc;
}
