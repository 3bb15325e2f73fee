/*
 * request.c — the requester side of a scoped data request (r04–r16): the
 * professional names the case, the source partner, the person, the
 * categories needed and the lawful ground with its documentation. The node
 * checks all it can itself (vocabulary, consent coverage, motivation), logs
 * what it asks before it sends, seals the person and the ground's detail to
 * the source, and checks what comes back: signed by the source, sealed to
 * this node, and no category that was not asked for.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "wijknet.h"
#include "bsn.h"
#include "casekey.h"
#include "consent.h"
#include "context.h"
#include "date.h"
#include "disclog.h"
#include "envelope.h"
#include "ground.h"
#include "ids.h"
#include "local.h"
#include "log.h"
#include "reply.h"
#include "schema.h"
#include "secevent.h"
#include "store.h"
#include "vocab.h"

#define REQUEST_DEFAULT_DEADLINE_MS 5000
#define REQUEST_MAX_CATEGORIES 32

static const struct schema_field request_rq_fields[] = {
	{ "op", SCHEMA_STRING, 1, 32 },
	{ "case", SCHEMA_STRING, 1, 32 },
	{ "to", SCHEMA_STRING, 1, 63 },
	{ "bsn", SCHEMA_STRING, 1, 16 },
	{ "categories", SCHEMA_ARRAY, 1, REQUEST_MAX_CATEGORIES },
	{ "purpose", SCHEMA_STRING, 1, 48 },
	{ "ground", SCHEMA_STRING, 1, 48 },
	{ "consent", SCHEMA_STRING, 0, 32 },
	{ "approval", SCHEMA_STRING, 0, 32 },
	{ "motivation", SCHEMA_OBJECT, 0, 0 },
	{ "note", SCHEMA_STRING, 0, 2000 },
	{ "actor", SCHEMA_OBJECT, 1, 0 },
	{ "deadline_ms", SCHEMA_INT, 0, 60000 },
	{ "request_id", SCHEMA_STRING, 0, 32 },
	{ NULL, 0, 0, 0 },
};

static const struct schema_field answer_fields[] = {
	{ "outcome", SCHEMA_STRING, 1, 16 },
	{ "reason", SCHEMA_STRING, 0, 48 },
	{ "detail", SCHEMA_STRING, 0, 512 },
	{ "records", SCHEMA_ARRAY, 0, REQUEST_MAX_CATEGORIES },
	{ NULL, 0, 0, 0 },
};

static const struct schema_field record_fields[] = {
	{ "category", SCHEMA_STRING, 1, 64 },
	{ "content", SCHEMA_OBJECT, 1, 0 },
	{ "professional", SCHEMA_STRING, 1, 128 },
	{ "updated_at", SCHEMA_INT, 1, 0 },
	{ NULL, 0, 0, 0 },
};

/* Input checks that need nothing but the request; err says what is wrong. */
static int request_check_input(struct node *n, json_t *rq, char *err, size_t errcap)
{
	char detail[256];
	int rc = schema_check(rq, request_rq_fields, detail, sizeof(detail));
	if (rc != 0) {
		snprintf(err, errcap, "%s", detail);
		return rc;
	}
	if ((rc = local_check_actor(json_object_get(rq, "actor"), err, errcap)) != 0)
		return rc;
	const char *bsn = json_string_value(json_object_get(rq, "bsn"));
	const char *purpose = json_string_value(json_object_get(rq, "purpose"));
	const char *ground = json_string_value(json_object_get(rq, "ground"));
	const char *to = json_string_value(json_object_get(rq, "to"));
	if (bsn_validate(bsn) != 0) {
		snprintf(err, errcap, "the BSN is not valid: nine digits passing the 11-proef");
		return WN_EBSN;
	}
	if (id_validate(json_string_value(json_object_get(rq, "case"))) != 0) {
		snprintf(err, errcap, "field 'case': a case id of 32 lowercase hex digits");
		return WN_EINVAL;
	}
	if (schema_valid_partner_id(to) != 0) {
		snprintf(err, errcap, "field 'to': not a partner id");
		return WN_EINVAL;
	}
	if (strcmp(to, n->ident->id) == 0) {
		snprintf(err, errcap, "'%s' is this node: read your own records", to);
		return WN_EINVAL;
	}
	if (!vocab_purpose_known(purpose)) {
		snprintf(err, errcap, "unknown purpose '%s'", purpose);
		return WN_EPURPOSE;
	}
	json_t *cats = json_object_get(rq, "categories"), *x;
	size_t i, j;
	if (json_array_size(cats) == 0) {
		snprintf(err, errcap, "a data request names the categories it needs (r04)");
		return WN_EINVAL;
	}
	json_array_foreach(cats, i, x) {
		const char *c = json_string_value(x);
		if (vocab_category(c) == NULL) {
			snprintf(err, errcap, "category '%.64s' is not in the vocabulary (r05)",
				 c ? c : "?");
			return WN_ECATEGORY;
		}
		for (j = 0; j < i; j++)
			if (strcmp(json_string_value(json_array_get(cats, j)), c) == 0) {
				snprintf(err, errcap, "category '%s' is named twice", c);
				return WN_EINVAL;
			}
	}
	/* a third party relies on the proposal's motivation, kept by its proposer */
	if (json_object_get(rq, "approval") == NULL &&
	    (rc = ground_check_motivation(ground, json_object_get(rq, "motivation"), err,
					  errcap)) != 0)
		return rc;
	if (json_object_get(rq, "approval") != NULL && !vocab_ground_known(ground)) {
		snprintf(err, errcap, "unknown lawful ground '%s'", ground);
		return WN_EGROUND;
	}
	const char *consent = json_string_value(json_object_get(rq, "consent"));
	int third = json_object_get(rq, "approval") != NULL;
	if (ground_is_consent(ground) && consent == NULL && !third) {
		snprintf(err, errcap, "ground consent: name the consent (--consent ID)");
		return WN_ECONSENT;
	}
	if (third && consent != NULL) {
		snprintf(err, errcap, "a third party names no consent: the approval names the one "
			 "it rests on");
		return WN_EINVAL;
	}
	if (!ground_is_consent(ground) && consent != NULL) {
		snprintf(err, errcap, "a consent is named only with the ground 'consent'");
		return WN_EINVAL;
	}
	const char *rid = json_string_value(json_object_get(rq, "request_id"));
	if (rid != NULL && id_validate(rid) != 0) {
		snprintf(err, errcap, "field 'request_id': 32 lowercase hex digits");
		return WN_EINVAL;
	}
	const char *approval = json_string_value(json_object_get(rq, "approval"));
	if (approval != NULL && id_validate(approval) != 0) {
		snprintf(err, errcap, "field 'approval': 32 lowercase hex digits");
		return WN_EINVAL;
	}
	return 0;
}

/* Checks the source's answer: outcome, and records only of categories asked
 * for (r04). Extra records are dropped and reported as a breach. */
static json_t *request_records(struct node *n, const char *source, const json_t *body,
			       const json_t *asked, const char *qid, json_t **received)
{
	json_t *records = json_array(), *x;
	size_t i;
	*received = json_array();
	json_array_foreach(json_object_get(body, "records"), i, x) {
		char detail[200];
		const char *cat = json_string_value(json_object_get(x, "category"));
		int ok = schema_check(x, record_fields, detail, sizeof(detail)) == 0;
		size_t k;
		json_t *a;
		int was_asked = 0;
		json_array_foreach(asked, k, a)
			was_asked |= cat != NULL && strcmp(json_string_value(a), cat) == 0;
		if (!ok || !was_asked) {
			secevent_record(n->db, WN_EPROTO, source, qid,
					ok ? "the source disclosed a category that was not asked for "
					     "(r04); it was dropped"
					   : "a disclosed record does not match its schema; dropped");
			continue;
		}
		json_array_append(records, x);
		json_array_append_new(*received, json_string(cat));
	}
	return records;
}

json_t *local_request(struct node *n, json_t *rq)
{
	char err[512] = "", today[DATE_LEN + 1];
	json_t *env = NULL, *reply = NULL, *consent_obj = NULL, *sealed = NULL, *abody = NULL;
	json_t *result = NULL, *records = NULL, *received = NULL;
	struct directory *d = NULL;
	uint8_t index[STORE_INDEX_LEN];
	int have_index = 0;
	int rc = request_check_input(n, rq, err, sizeof(err));
	if (rc != 0)
		return local_error(rc, err);
	const char *bsn = json_string_value(json_object_get(rq, "bsn"));
	const char *to = json_string_value(json_object_get(rq, "to"));
	const char *case_id = json_string_value(json_object_get(rq, "case"));
	const char *purpose = json_string_value(json_object_get(rq, "purpose"));
	const char *ground = json_string_value(json_object_get(rq, "ground"));
	const char *consent_id = json_string_value(json_object_get(rq, "consent"));
	const char *approval = json_string_value(json_object_get(rq, "approval"));
	const char *rid = json_string_value(json_object_get(rq, "request_id"));
	json_t *cats = json_object_get(rq, "categories"), *actor = json_object_get(rq, "actor");
	json_t *motivation = json_object_get(rq, "motivation");
	int deadline = (int)json_integer_value(json_object_get(rq, "deadline_ms"));
	if (deadline <= 0)
		deadline = REQUEST_DEFAULT_DEADLINE_MS;
	if ((d = node_directory(n)) == NULL)
		return local_error(WN_ESTATE, "no verified directory yet: is the broker reachable?");
	struct dir_peer *p = directory_find(d, to);
	if (p != NULL && !p->has_seal) {
		directory_release(d);
		node_refresh_directory_before(n, time_now_ms());
		if ((d = node_directory(n)) == NULL)
			return local_error(WN_ESTATE, "no verified directory");
		p = directory_find(d, to);
	}
	if (p == NULL) {
		snprintf(err, sizeof(err), "partner '%s' is not in the directory", to);
		rc = WN_EUNKNOWN_PARTNER;
		goto fail;
	}
	if (!p->usable || !p->has_seal) {
		snprintf(err, sizeof(err), "partner '%s' is not active or has no sealing key", to);
		rc = p->usable ? WN_EUNAVAILABLE : WN_EREVOKED;
		goto fail;
	}
	/* on consent: this node holds it, and it covers the request (r10–r12) */
	if (consent_id != NULL) {
		if ((rc = consent_load(n, consent_id, &consent_obj, err, sizeof(err))) != 0)
			goto fail;
		date_today_plus(0, today);
		struct consent_use use = { bsn, purpose, n->ident->id, to, cats, today,
					   d->max_consent_days };
		if ((rc = consentdoc_covers(json_object_get(consent_obj, "document"), &use, err,
					    sizeof(err))) != 0)
			goto fail;
	}
	struct dir_peer *self = directory_find(d, n->ident->id);
	if (approval == NULL && self != NULL && self->incidental) {
		snprintf(err, sizeof(err), "'%s' is an incidental partner: it requests data only on "
			 "an approved third-party disclosure (Heerlen 7.2)", n->ident->id);
		rc = WN_EDENIED;
		goto fail;
	}
	/* a partner of the case asks only about a person of its household (Heerlen
	 * 7.1); a third party holds no case key, its approval names the person */
	if (approval == NULL) {
		char commit[HOUSEHOLD_COMMIT_HEX + 1];
		if ((rc = casekey_check_person(n, case_id, bsn, n->ident->id, commit, err,
					       sizeof(err))) != 0)
			goto fail;
	}
	/* ids are unique: a retried id is never sent twice (no second disclosure) */
	if (rid != NULL) {
		int sent = 0;
		int64_t ts = 0;
		if ((rc = sentlog_find(n->db, rid, &sent, &ts)) != 0)
			goto fail;
		if (sent) {
			snprintf(err, sizeof(err), "request %s was sent before; a request id is used "
				 "once, so the source discloses at most once for it. Make a new "
				 "request to ask again", rid);
			rc = WN_EREPLAY;
			goto fail;
		}
	}
	if ((rc = envelope_new1(&env, "request", n->ident->id, to)) != 0)
		goto fail;
	if (rid != NULL)
		envelope_set_str(env, "id", rid);
	const char *qid = envelope_str(env, "id");
	envelope_set_str(env, "case", case_id);
	envelope_set_str(env, "purpose", purpose);
	envelope_set_str(env, "ground", ground);
	json_object_set(env, "actor", actor);
	if (approval != NULL)
		envelope_set_str(env, "approval", approval);
	if (consent_obj != NULL) {
		char version[CONSENT_VERSION_LEN + 1];
		if ((rc = consentdoc_version(consent_obj, version)) != 0)
			goto fail;
		json_object_set_new(env, "consent", json_pack("{s:s,s:s}", "id", consent_id,
							      "version", version));
	}
	json_object_set_new(env, "body", json_pack("{s:i}", "deadline_ms", deadline));
	/* logged before it leaves */
	if ((rc = store_subject_index(&n->keys, bsn, index)) != 0)
		goto fail;
	have_index = 1;
	char *cats_text = json_dumps(cats, JSON_COMPACT);
	char partners_text[80];
	snprintf(partners_text, sizeof(partners_text), "[\"%s\"]", to);
	struct sent_entry se = {
		.request_id = qid,
		.type = "request",
		.actor_id = json_string_value(json_object_get(actor, "id")),
		.actor_role = json_string_value(json_object_get(actor, "role")),
		.purpose = purpose,
		.partners = partners_text,
		.subject_index = index,
		.case_id = case_id,
		.ground = ground,
		.consent_id = consent_id,
		.categories = cats_text,
	};
	rc = sentlog_write(n->writer, &se);
	free(cats_text);
	if (rc != 0) {
		snprintf(err, sizeof(err), rc == WN_EREPLAY ? "request %s was sent before" :
			 "cannot log the request before sending; nothing was sent", qid);
		goto fail;
	}
	sealed = json_pack("{s:s,s:O}", "bsn", bsn, "categories", cats);
	if (consent_obj != NULL)
		json_object_set(sealed, "consent", consent_obj);
	if (motivation != NULL)
		json_object_set(sealed, "motivation", motivation);
	if (json_object_get(rq, "note") != NULL)
		json_object_set(sealed, "note", json_object_get(rq, "note"));
	if ((rc = envelope_seal(env, to, p->seal_pk, sealed)) != 0) {
		snprintf(err, sizeof(err), "cannot seal the request to '%s': %s", to,
			 wn_strerror(rc));
		goto fail;
	}
	rc = node_call_broker(n, env, deadline + n->call_timeout_ms, &reply, err, sizeof(err));
	if (rc == WN_ETIMEOUT || rc == WN_EUNAVAILABLE || rc == WN_ETRANSPORT) {
		char why[200];
		snprintf(why, sizeof(why), "%.199s", err);
		snprintf(err, sizeof(err), "no answer from the broker (%s). The source may have "
			 "answered and logged its disclosure of request %s; that id is not sent "
			 "again", why, qid);
		goto fail;
	}
	if (rc != 0)
		goto fail;
	json_t *rbody = envelope_body(reply);
	const char *delivery = json_string_value(json_object_get(rbody, "delivery"));
	const char *outcome = "unavailable", *reason = NULL, *detail = NULL;
	json_t *answer = json_object_get(rbody, "answer");
	if (answer != NULL) {
		const char *from = NULL;
		int refused = 0;
		reason = reply_open(n, d, answer, qid, "request.answer", &from, &abody, &refused);
		if (reason == NULL && (from == NULL || strcmp(from, to) != 0))
			reason = "protocol";
		if (reason != NULL) {
			outcome = refused ? "error" : "invalid";
		} else {
			char why[200];
			const char *o = json_string_value(json_object_get(abody, "outcome"));
			if (schema_check(abody, answer_fields, why, sizeof(why)) != 0 ||
			    (strcmp(o, "disclosed") != 0 && strcmp(o, "not_known") != 0 &&
			     strcmp(o, "refused") != 0)) {
				outcome = "invalid";
				reason = "protocol";
			} else {
				outcome = o;
				reason = json_string_value(json_object_get(abody, "reason"));
				detail = json_string_value(json_object_get(abody, "detail"));
				records = request_records(n, to, abody, cats, qid, &received);
			}
		}
	} else if (delivery != NULL && strcmp(delivery, "rejected") == 0) {
		outcome = "invalid";
		reason = "rejected";
	} else {
		reason = "unavailable";
	}
	char outcomes[160], *rtext = received ? json_dumps(received, JSON_COMPACT) : NULL;
	snprintf(outcomes, sizeof(outcomes), "{\"%s\":\"%s\"}", to, outcome);
	if (sentlog_complete(n->writer, qid, outcomes, rtext) != 0)
		log_msg(WN_LOG_ERROR, "sent_log_failed", "could not record the answer to %s", qid);
	free(rtext);
	log_emit(WN_LOG_INFO, "request_done",
		 json_pack("{s:s,s:s,s:s,s:s}", "id", qid, "to", to, "outcome", outcome, "reason",
			   reason ? reason : ""));
	json_t *res = json_pack("{s:s,s:s,s:s,s:s,s:o}", "request_id", qid, "partner", to, "name",
				p->name, "outcome", outcome, "records",
				records ? json_incref(records) : json_array());
	if (reason != NULL)
		json_object_set_new(res, "reason", json_string(reason));
	if (detail != NULL)
		json_object_set_new(res, "detail", json_string(detail));
	if (json_object_get(rbody, "audit_index"))
		json_object_set(res, "audit_index", json_object_get(rbody, "audit_index"));
	result = json_pack("{s:b,s:o}", "ok", 1, "result", res);
	goto out;
fail:
	result = local_error(rc, err);
out:
	if (sealed != NULL) {
		const char *b = json_string_value(json_object_get(sealed, "bsn"));
		if (b != NULL)
			OPENSSL_cleanse((char *)(uintptr_t)b, strlen(b));
	}
	if (have_index)
		OPENSSL_cleanse(index, sizeof(index));
	json_decref(sealed);
	json_decref(consent_obj);
	json_decref(abody);
	json_decref(records);
	json_decref(received);
	json_decref(env);
	json_decref(reply);
	directory_release(d);
	return result;
}
