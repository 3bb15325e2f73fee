/*
 * answer.c — the source side of a lookup: open the part sealed to this node,
 * decide under the partner's own profile, look the person up in its own
 * records by its local pseudonym, write the disclosure entry durably, and
 * only then answer: signed, sealed to the requester, padded to one size.
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
#include "log.h"
#include "schema.h"
#include "store.h"
#include "vocab.h"

static const struct schema_field lookup_sealed_fields[] = {
	{ "bsn", SCHEMA_STRING, 1, 16 },
	{ "consent", SCHEMA_OBJECT, 0, 0 },
	{ "consent_status", SCHEMA_OBJECT, 0, 0 },
	{ NULL, 0, 0, 0 },
};

/* Being known at a partner that answers only on consent (mental-health,
 * addiction care) is itself health data: the consent names such a class. */
static int answer_consent_names_health(const json_t *object)
{
	size_t i;
	json_t *x;
	json_array_foreach(json_object_get(json_object_get(object, "document"), "special"), i, x) {
		enum vocab_special s = vocab_special_from_name(json_string_value(x));
		if (s == VOCAB_HEALTH || s == VOCAB_MENTAL_HEALTH || s == VOCAB_ADDICTION)
			return 1;
	}
	return 0;
}

/* Seals {outcome, reason} to the requester and signs. */
static int answer_build(struct node *n, const json_t *query, const struct dir_peer *requester,
			const char *outcome, const char *reason, json_t **reply)
{
	json_t *r = NULL;
	int rc = envelope_new1(&r, "lookup.answer", n->ident->id, requester->id);
	if (rc != 0)
		return rc;
	envelope_set_str(r, "re", envelope_str(query, "id"));
	json_t *sealed = json_pack("{s:s}", "outcome", outcome);
	if (reason != NULL)
		json_object_set_new(sealed, "reason", json_string(reason));
	rc = envelope_seal(r, requester->id, requester->seal_pk, sealed);
	json_decref(sealed);
	if (rc == 0)
		rc = envelope_sign(r, n->ident->key);
	if (rc != 0) {
		json_decref(r);
		return rc;
	}
	*reply = r;
	return 0;
}

int answer_lookup(struct node *n, const json_t *query, const struct dir_peer *requester,
		  json_t **reply, char *err, size_t errcap)
{
	json_t *sealed = NULL;
	uint8_t index[STORE_INDEX_LEN];
	int have_index = 0, rc;
	enum store_known known = STORE_NOT_KNOWN;
	const char *outcome, *reason = NULL;
	const json_t *actor = json_object_get(query, "actor");
	const char *purpose = envelope_str(query, "purpose");
	const char *cluster = json_string_value(json_object_get(envelope_body(query), "cluster"));
	if (actor == NULL || !vocab_purpose_known(purpose)) {
		snprintf(err, errcap, "lookup without a known purpose and an actor");
		return actor == NULL ? WN_ESCHEMA : WN_EPURPOSE;
	}
	if (!requester->has_seal) {
		snprintf(err, errcap, "requester '%s' has no verified sealing key", requester->id);
		return WN_ESEAL;
	}
	if ((rc = envelope_open(query, n->ident->id, n->keys.seal_sk, &sealed)) != 0) {
		snprintf(err, errcap, "the body sealed to '%s' is absent or cannot be opened",
			 n->ident->id);
		return WN_ESEAL;
	}
	char detail[200];
	if ((rc = schema_check(sealed, lookup_sealed_fields, detail, sizeof(detail))) != 0) {
		snprintf(err, errcap, "sealed body: %s", detail);
		goto out;
	}
	const char *bsn = json_string_value(json_object_get(sealed, "bsn"));
	if (bsn_validate(bsn) != 0) {
		snprintf(err, errcap, "sealed body: BSN fails the 11-proef");
		rc = WN_EBSN;
		goto out;
	}
	if ((rc = store_subject_index(&n->keys, bsn, index)) != 0)
		goto out;
	have_index = 1;
	/* a partner that answers only on consent checks the one presented (r06) */
	const json_t *consent = json_object_get(sealed, "consent");
	int consent_ok = 0;
	if (consent != NULL && n->profile.lookups == PROFILE_LOOKUPS_CONSENT) {
		char why[256];
		consent_ok = consent_verify_presented(n, query, consent,
						      json_object_get(sealed, "consent_status"),
						      requester->id, bsn, NULL, why,
						      sizeof(why)) == 0;
		if (consent_ok && !answer_consent_names_health(consent)) {
			snprintf(why, sizeof(why), "the consent names no health, mental-health or "
				 "addiction data");
			consent_ok = 0;
		}
		if (!consent_ok)
			log_emit(WN_LOG_INFO, "lookup_consent_refused",
				 json_pack("{s:s,s:s}", "re", envelope_str(query, "id"), "why", why));
	}
	char consent_version[CONSENT_VERSION_LEN + 1] = "";
	if (consent_ok && consentdoc_version(consent, consent_version) != 0)
		consent_ok = 0;
	if (profile_lookup_decision(&n->profile, consent_ok ? consent : NULL, &reason) == 0) {
		if ((rc = store_subject_known(n->db, index, &known)) != 0) {
			snprintf(err, errcap, "record store unavailable");
			goto out;
		}
		outcome = profile_lookup_outcome(&n->profile, known, &reason);
	} else {
		outcome = "refused";
		if (consent != NULL && n->profile.lookups == PROFILE_LOOKUPS_CONSENT)
			reason = "consent_invalid";
	}
	struct disclosure e = {
		.ledger = n->ledger,
		.query = query,
		.request_id = envelope_str(query, "id"),
		.type = "lookup",
		.requester = requester->id,
		.actor_id = json_string_value(json_object_get(actor, "id")),
		.actor_role = json_string_value(json_object_get(actor, "role")),
		.purpose = purpose,
		.cluster = cluster,
		.subject_index = index,
		.outcome = outcome,
		.reason = reason,
		.broker_index = (int64_t)json_integer_value(
			json_object_get(json_object_get(query, "receipt"), "index")),
		.consent_id = consent_ok ? json_string_value(json_object_get(consent, "id")) : NULL,
		.consent_version = consent_ok ? consent_version : NULL,
	};
	/* no entry, no answer */
	if ((rc = disclog_write(n->writer, &e)) != 0) {
		snprintf(err, errcap, rc == WN_EREPLAY ? "this request was answered before"
						       : "the disclosure log cannot be written; no answer");
		goto out;
	}
	rc = answer_build(n, query, requester, outcome, reason, reply);
out:
	if (have_index)
		OPENSSL_cleanse(index, sizeof(index));
	/* wipe the BSN in place before jansson frees it */
	const char *b = json_string_value(json_object_get(sealed, "bsn"));
	if (b != NULL)
		OPENSSL_cleanse((char *)(uintptr_t)b, strlen(b));
	json_decref(sealed);
	return rc;
}
