/*
 * disclose.c — the source side of a data request; the source decides last
 * (Heerlen art. 8.8, r15). After the inbound checks (requester's signature,
 * broker's receipt), it opens the part sealed to it and checks everything
 * again with what only it can see: categories in the vocabulary (r05) and in
 * the case's cluster (r26), its own profile (r06, r15), the lawful ground —
 * the consent document itself (r10–r12), the Bijlage 3 motivation (r13), its
 * own professional's conflict-of-duties assertion (r12). Then, in one
 * transaction, it reads exactly the categories asked for (r04), writes the
 * disclosure entry — or the refusal and its reason — and any client
 * notification (r09, r14). Only after that commit does an answer leave:
 * signed, sealed to the requester, padded.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "wijknet.h"
#include "dataset.h"
#include "answer.h"
#include "bsn.h"
#include "canon.h"
#include "casekey.h"
#include "consent.h"
#include "date.h"
#include "disclog.h"
#include "envelope.h"
#include "ground.h"
#include "household.h"
#include "ids.h"
#include "log.h"
#include "notice.h"
#include "schema.h"
#include "secret.h"
#include "secevent.h"
#include "store.h"
#include "thirdparty.h"
#include "vocab.h"

#define DISCLOSE_MAX_BYTES (256 * 1024) /* records in one answer, as canonical JSON */

static const struct schema_field request_sealed_fields[] = {
	{ "bsn", SCHEMA_STRING, 1, 16 },
	{ "categories", SCHEMA_ARRAY, 1, 32 },
	{ "consent", SCHEMA_OBJECT, 0, 0 },
	{ "motivation", SCHEMA_OBJECT, 0, 0 },
	{ "note", SCHEMA_STRING, 0, 2000 },
	{ NULL, 0, 0, 0 },
};

/* One request as the source sees it, and what it decided. */
struct disclose_ctx {
	struct node *n;
	const json_t *query;
	const struct dir_peer *requester;
	const char *bsn;
	const json_t *categories;
	const json_t *motivation;
	json_t *tp_notice;         /* a third party's: what the letter names of its motivation */
	uint8_t index[STORE_INDEX_LEN];
	const char *reason;        /* NULL while nothing refuses */
	char detail[320];
	char person[HOUSEHOLD_COMMIT_HEX + 1]; /* the person's commitment in the case */
	char detail_hash[65];      /* consent version or motivation hash */
	/* filled inside the transaction */
	int64_t now;               /* one clock for its checks */
	json_t *records;
	const char *outcome;
	int notified;              /* a notice waits for the municipality */
};

static void refuse(struct disclose_ctx *c, const char *reason, const char *detail)
{
	c->reason = reason;
	snprintf(c->detail, sizeof(c->detail), "%s", detail);
}

/* The person is a member of the household the case is about, as the broker
 * attests it now (Heerlen 7.1), and the one a third party was approved for:
 * checked here with the case key, whatever the requester claimed. */
static void disclose_check_person(struct disclose_ctx *c)
{
	const json_t *receipt = json_object_get(c->query, "receipt");
	const json_t *people = json_object_get(receipt, "people");
	const char *approved = json_string_value(json_object_get(receipt, "person"));
	uint8_t key[HOUSEHOLD_KEY_LEN];
	char why[256];
	int rc = casekey_of_query(c->n, c->query, key, why, sizeof(why));
	if (rc == 0)
		rc = household_commit(key, c->bsn, c->person);
	OPENSSL_cleanse(key, sizeof(key));
	if (rc != 0) {
		refuse(c, "case_key_unavailable", why);
		return;
	}
	if (!json_is_array(people) || !household_has(people, c->person)) {
		refuse(c, "not_in_case", "the person asked about is not a member of the household "
		       "of this case: only the partners of a client's case receive information "
		       "about that client (Heerlen 7.1)");
		secevent_record(c->n->db, WN_ENOTINCASE, c->requester->id,
				envelope_str(c->query, "id"), c->detail);
		return;
	}
	if (envelope_str(c->query, "approval") != NULL &&
	    (approved == NULL || strcmp(approved, c->person) != 0)) {
		refuse(c, "person_not_approved", "the third-party disclosure was approved for "
		       "another person of the case (Heerlen Bijlage 6)");
		secevent_record(c->n->db, WN_ENOTINCASE, c->requester->id,
				envelope_str(c->query, "id"), c->detail);
	}
}

/* In the cluster's data set as the federation policy in force has it. */
static int disclose_in_dataset(struct disclose_ctx *c, const struct vocab_category *v,
			       const char *cluster)
{
	struct directory *d = node_directory(c->n);
	int in = dataset_has(d ? d->data_sets : NULL, v, cluster);
	directory_release(d);
	return in;
}

/* The categories asked for: known (r05), in the case's cluster (r26). */
static void disclose_check_categories(struct disclose_ctx *c, const char *cluster)
{
	size_t i;
	json_t *x;
	json_array_foreach(c->categories, i, x) {
		const struct vocab_category *v = vocab_category(json_string_value(x));
		if (v == NULL) {
			snprintf(c->detail, sizeof(c->detail), "category '%.64s' is not in the "
				 "vocabulary", json_string_value(x) ? json_string_value(x) : "?");
			c->reason = "unknown_category";
			secevent_record(c->n->db, WN_ECATEGORY, c->requester->id,
					envelope_str(c->query, "id"), c->detail);
			return;
		}
		if (!disclose_in_dataset(c, v, cluster)) {
			snprintf(c->detail, sizeof(c->detail), "category '%s' is not in the data set "
				 "of cluster '%s'", v->code, cluster);
			c->reason = "outside_cluster";
			return;
		}
	}
}

/* r12: special categories only on a consent naming them, or on the source
 * professional's own judgement of a conflict of duties. */
static int disclose_has_special(const json_t *categories, const char **which)
{
	size_t i;
	json_t *x;
	json_array_foreach(categories, i, x) {
		const struct vocab_category *v = vocab_category(json_string_value(x));
		if (v != NULL && v->special != VOCAB_ORDINARY) {
			*which = v->code;
			return 1;
		}
	}
	return 0;
}

/* The lawful ground, checked with the sealed detail (r09–r13). */
static void disclose_check_ground(struct disclose_ctx *c, const json_t *sealed)
{
	const json_t *q = c->query;
	const char *ground = envelope_str(q, "ground");
	const char *special = NULL, *approval = envelope_str(q, "approval");
	char err[256];
	/* a third party (r08): what this partner approved, with the broker's word
	 * that every partner of the case did and that it is unused */
	if (approval != NULL) {
		const char *seen = json_string_value(json_object_get(json_object_get(q, "receipt"),
								     "approval"));
		if (seen == NULL || strcmp(seen, "approved") != 0) {
			refuse(c, "approval_invalid", "the broker did not attest an approved "
			       "third-party disclosure");
			return;
		}
		struct thirdparty_use use = {
			approval, c->requester->id, envelope_str(q, "purpose"), ground, c->categories,
			c->person, c->bsn,
			json_string_value(json_object_get(json_object_get(q, "receipt"), "status")) };
		if (thirdparty_check_use(c->n, &use, c->detail_hash, &c->tp_notice, err,
					 sizeof(err)) != 0) {
			refuse(c, "approval_invalid", err);
			return;
		}
		if (disclose_has_special(c->categories, &special)) {
			snprintf(c->detail, sizeof(c->detail), "category '%s' is special-category data, "
				 "which is not disclosed to third parties", special);
			c->reason = "special_category";
		}
		return;
	}
	if (ground_is_consent(ground)) {
		if (consent_verify_presented(c->n, q, json_object_get(sealed, "consent"), NULL,
					     c->requester->id, c->bsn, c->categories, err,
					     sizeof(err)) != 0) {
			refuse(c, "consent_invalid", err);
			return;
		}
		if (c->n->profile.lookups == PROFILE_LOOKUPS_CONSENT &&
		    !consent_names_health(json_object_get(sealed, "consent"))) {
			refuse(c, "consent_required", "this partner discloses only on a consent that "
						      "names health, mental-health or addiction data");
			return;
		}
		snprintf(c->detail_hash, sizeof(c->detail_hash), "%s",
			 json_string_value(json_object_get(json_object_get(q, "consent"), "version")));
		return;
	}
	if (ground_check_motivation(ground, c->motivation, err, sizeof(err)) != 0) {
		refuse(c, "motivation_incomplete", err);
		return;
	}
	ground_detail_hash(c->motivation, c->detail_hash);
	if (strcmp(ground, "conflict_of_duties") != 0 &&
	    disclose_has_special(c->categories, &special)) {
		snprintf(c->detail, sizeof(c->detail), "category '%s' is special-category data: it "
			 "is disclosed on a consent that names it, or on this partner's own "
			 "judgement of a conflict of duties", special);
		c->reason = "special_category";
	}
}

static const char *e_approval(const struct disclose_ctx *c)
{
	return envelope_str(c->query, "approval");
}

/* *unused = 1 when nothing was disclosed on this approval before. */
static int disclose_approval_unused(db *d, struct disclose_ctx *c, int *unused)
{
	sqlite3_stmt *st = NULL;
	int rc = db_prepare(d, "SELECT 1 FROM disclosures WHERE approval = ? AND"
			       " outcome = 'disclosed' LIMIT 1", &st);
	if (rc != 0)
		return rc;
	sqlite3_bind_text(st, 1, e_approval(c), -1, SQLITE_TRANSIENT);
	int s = sqlite3_step(st);
	*unused = s == SQLITE_DONE;
	rc = s == SQLITE_ROW || s == SQLITE_DONE ? 0 : WN_EDB;
	sqlite3_finalize(st);
	return rc;
}

/* An unused, unexpired assertion for this case, person and recipient that
 * covers every category asked. */
#define DUTY_MATCH                                                                     \
	" FROM duty_assertions a WHERE a.used_by IS NULL AND a.case_id = ?2"          \
	" AND a.subject_index = ?3 AND a.recipient = ?4 AND a.valid_until > ?5"      \
	" AND NOT EXISTS (SELECT 1 FROM json_each(?6) r WHERE r.value NOT IN"        \
	" (SELECT value FROM json_each(a.categories)))"
static const char SQL_DUTY_PEEK[] = "SELECT ?1" DUTY_MATCH " LIMIT 1";
static const char SQL_DUTY_TAKE[] =
	"UPDATE duty_assertions SET used_by = ?1 WHERE id = (SELECT a.id" DUTY_MATCH
	" ORDER BY a.created_at LIMIT 1)";

/* This node's own conflict-of-duties assertion for the request: whether
 * one is there (take = 0), or takes it (take = 1), inside the transaction,
 * so one assertion serves one disclosure. */
static int disclose_assertion(db *d, struct disclose_ctx *c, int take, int *found)
{
	sqlite3_stmt *st = NULL;
	char *cats = json_dumps(c->categories, JSON_COMPACT);
	*found = 0;
	if (cats == NULL)
		return WN_ENOMEM;
	int rc = db_prepare(d, take ? SQL_DUTY_TAKE : SQL_DUTY_PEEK, &st);
	if (rc == 0) {
		sqlite3_bind_text(st, 1, envelope_str(c->query, "id"), -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 2, envelope_str(c->query, "case"), -1, SQLITE_TRANSIENT);
		sqlite3_bind_blob(st, 3, c->index, STORE_INDEX_LEN, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 4, c->requester->id, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 5, c->now);
		sqlite3_bind_text(st, 6, cats, -1, SQLITE_TRANSIENT);
		int s = sqlite3_step(st);
		if (take) {
			rc = s == SQLITE_DONE ? 0 : WN_EDB;
			*found = rc == 0 && sqlite3_changes(db_handle(d)) == 1;
		} else {
			rc = s == SQLITE_DONE || s == SQLITE_ROW ? 0 : WN_EDB;
			*found = s == SQLITE_ROW;
		}
	}
	sqlite3_finalize(st);
	free(cats);
	return rc;
}

/* The notice the client gets of this disclosure, queued for the
 * municipality in the transaction that logs it (r08, r09, H 10.3). */
static int disclose_notify(db *d, struct disclose_ctx *c, const char *kind, const char *cats)
{
	const json_t *q = c->query, *actor = json_object_get(q, "actor");
	/* a third party's request rests on the approval, not on a motivation of
	 * its own: the proposer sealed what the letter names to this source */
	const json_t *m = e_approval(c) != NULL ? c->tp_notice : c->motivation;
	struct notice_draft nd = {
		.kind = kind,
		.bsn = c->bsn,
		.subject_index = c->index,
		.request_id = envelope_str(q, "id"),
		.case_id = envelope_str(q, "case"),
		.recipient = c->requester->id,
		.recipient_role = json_string_value(json_object_get(actor, "role")),
		.purpose = envelope_str(q, "purpose"),
		.ground = envelope_str(q, "ground"),
		.legal_reference = json_string_value(json_object_get(m, "legal_reference")),
		.interest = json_string_value(json_object_get(m, "interest")),
		.categories = cats,
	};
	c->notified = 1;
	return notice_queue_locked(d, c->n, &nd);
}

/* The decision's last, stateful part and its log entry, in one transaction. */
static int disclose_commit(db *d, void *arg)
{
	struct disclose_ctx *c = arg;
	const json_t *q = c->query;
	const char *ground = envelope_str(q, "ground");
	char *cats = NULL, *body = NULL;
	size_t blen = 0;
	int rc = 0, found = 0;
	c->now = time_now_ms();
	/* an approval allows one disclosure; a professional's judgement is used
	 * by what it discloses: both decided in the transaction that logs it */
	if (c->reason == NULL && e_approval(c) != NULL) {
		if ((rc = disclose_approval_unused(d, c, &found)) != 0)
			return rc;
		if (!found)
			refuse(c, "approval_used", "this third-party disclosure was made before: it "
			       "allows one disclosure");
	}
	int duty = c->reason == NULL && strcmp(ground, "conflict_of_duties") == 0;
	if (duty) {
		if ((rc = disclose_assertion(d, c, 0, &found)) != 0)
			return rc;
		if (!found)
			refuse(c, "conflict_of_duties_not_asserted", "no professional of this partner "
			       "has asserted a conflict of duties for this case, person, recipient "
			       "and these categories");
	}
	/* shielded on the client's request (r18): no longer disclosed */
	if (c->reason == NULL) {
		int shielded = 0;
		if ((rc = store_shielded_locked(d, c->index, c->categories, &shielded)) != 0)
			return rc;
		if (shielded)
			refuse(c, "shielded", "the client has had these records shielded, or objected to "
			       "their use (G-P 8): they are no longer disclosed");
	}
	if (c->reason == NULL) {
		if ((rc = store_read_records_locked(d, c->index, c->categories, &c->records)) != 0)
			return rc;
		if ((rc = canon_dump(c->records, &body, &blen)) != 0)
			return rc;
		OPENSSL_cleanse(body, blen);
		free(body);
		if (blen > DISCLOSE_MAX_BYTES)
			refuse(c, "too_large", "the records asked for exceed one answer; ask for "
			       "fewer categories at a time");
	}
	if (c->reason == NULL && duty && json_array_size(c->records) > 0) {
		if ((rc = disclose_assertion(d, c, 1, &found)) != 0)
			return rc;
		if (!found) /* fail closed: what was asserted must be what is used */
			refuse(c, "conflict_of_duties_not_asserted", "the conflict-of-duties "
			       "assertion for this request could not be taken");
	}
	if (c->reason != NULL) {
		json_decref(c->records);
		c->records = NULL;
	}
	json_t *disclosed = json_array(), *x;
	size_t i;
	json_array_foreach(c->records, i, x)
		json_array_append(disclosed, json_object_get(x, "category"));
	cats = json_dumps(disclosed, JSON_COMPACT);
	json_decref(disclosed);
	if (cats == NULL)
		return WN_ENOMEM;
	c->outcome = c->reason ? "refused" : json_array_size(c->records) ? "disclosed" : "not_known";
	const json_t *receipt = json_object_get(q, "receipt"), *actor = json_object_get(q, "actor");
	const json_t *consent = json_object_get(q, "consent");
	struct disclosure e = {
		.ledger = c->n->ledger,
		.query = q,
		.request_id = envelope_str(q, "id"),
		.type = "request",
		.requester = c->requester->id,
		.actor_id = json_string_value(json_object_get(actor, "id")),
		.actor_role = json_string_value(json_object_get(actor, "role")),
		.purpose = envelope_str(q, "purpose"),
		.cluster = json_string_value(json_object_get(receipt, "cluster")),
		.subject_index = c->index,
		.outcome = c->outcome,
		.reason = c->reason,
		.broker_index = (int64_t)json_integer_value(json_object_get(receipt, "index")),
		.case_id = envelope_str(q, "case"),
		.ground = ground,
		.ground_detail_hash = c->detail_hash[0] ? c->detail_hash : NULL,
		.consent_id = json_string_value(json_object_get(consent, "id")),
		.consent_version = json_string_value(json_object_get(consent, "version")),
		.categories = cats,
		.approval = envelope_str(q, "approval"),
	};
	rc = disclog_insert(d, &e);
	/* the client is told of a disclosure to a third party (r08, Heerlen 7.2)
	 * and of one on any ground but consent: required by law (r09, H 7.3) or
	 * made without or after refusing consent (H 10.3) */
	if (rc == 0 && strcmp(c->outcome, "disclosed") == 0 && e.approval != NULL)
		rc = disclose_notify(d, c, "third_party", cats);
	else if (rc == 0 && strcmp(c->outcome, "disclosed") == 0 && strcmp(ground, "consent") != 0)
		rc = disclose_notify(d, c, ground, cats);
	free(cats);
	return rc;
}

/* The signed answer, sealed to the requester. A third-party request refused
 * for its form, before any record was read, names its approval in the
 * clear: given back unused, which the broker carries out. The broker learns
 * nothing of the person's records from it. */
static int disclose_answer(struct disclose_ctx *c, int form_refused, json_t **reply)
{
	json_t *r = NULL;
	int rc = envelope_new1(&r, "request.answer", c->n->ident->id, c->requester->id);
	if (rc != 0)
		return rc;
	envelope_set_str(r, "re", envelope_str(c->query, "id"));
	if (form_refused && envelope_str(c->query, "approval") != NULL)
		envelope_set_str(r, "approval", envelope_str(c->query, "approval"));
	json_t *body = json_pack("{s:s,s:o}", "outcome", c->outcome, "records",
				 c->records ? json_incref(c->records) : json_array());
	if (c->reason != NULL) {
		json_object_set_new(body, "reason", json_string(c->reason));
		json_object_set_new(body, "detail", json_string(c->detail));
	}
	rc = envelope_seal_padded(r, c->requester->id, c->requester->seal_pk, body,
				  ENVELOPE_PAD_BUCKETS);
	json_decref(body);
	if (rc == 0)
		rc = envelope_sign(r, c->n->ident->key);
	if (rc != 0) {
		json_decref(r);
		return rc;
	}
	*reply = r;
	return 0;
}

int answer_request(struct node *n, const json_t *query, const struct dir_peer *requester,
		   json_t **reply, char *err, size_t errcap)
{
	json_t *sealed = NULL;
	char detail[200];
	int rc;
	struct disclose_ctx c;
	memset(&c, 0, sizeof(c));
	c.n = n;
	c.query = query;
	c.requester = requester;
	const char *cluster = json_string_value(json_object_get(json_object_get(query, "receipt"),
								"cluster"));
	if (json_object_get(query, "actor") == NULL || !vocab_purpose_known(envelope_str(query, "purpose")) ||
	    !vocab_ground_known(envelope_str(query, "ground")) || envelope_str(query, "case") == NULL) {
		snprintf(err, errcap, "a data request names actor, purpose, lawful ground and case");
		return WN_ESCHEMA;
	}
	if (cluster == NULL) {
		snprintf(err, errcap, "the broker's receipt does not attest the case's cluster");
		return WN_ENORECEIPT;
	}
	if (!requester->has_seal) {
		snprintf(err, errcap, "requester '%s' has no verified sealing key", requester->id);
		return WN_ESEAL;
	}
	if (envelope_open(query, n->ident->id, n->keys.seal_sk, &sealed) != 0) {
		snprintf(err, errcap, "the body sealed to '%s' is absent or cannot be opened",
			 n->ident->id);
		return WN_ESEAL;
	}
	if ((rc = schema_check(sealed, request_sealed_fields, detail, sizeof(detail))) != 0) {
		snprintf(err, errcap, "sealed body: %s", detail);
		goto out;
	}
	c.bsn = json_string_value(json_object_get(sealed, "bsn"));
	c.categories = json_object_get(sealed, "categories");
	if (json_array_size(c.categories) == 0) {
		snprintf(err, errcap, "sealed body: a request names at least one category");
		rc = WN_ESCHEMA;
		goto out;
	}
	c.motivation = json_object_get(sealed, "motivation");
	if (bsn_validate(c.bsn) != 0) {
		snprintf(err, errcap, "sealed body: BSN fails the 11-proef");
		rc = WN_EBSN;
		goto out;
	}
	if ((rc = store_subject_index(&n->keys, c.bsn, c.index)) != 0)
		goto out;
	/* the checks that need no state; each may set the refusal */
	disclose_check_person(&c);
	if (c.reason == NULL)
		disclose_check_categories(&c, cluster);
	const char *reason = NULL;
	if (c.reason == NULL &&
	    profile_request_decision(&n->profile, c.categories, envelope_str(query, "ground"),
				     &reason, c.detail, sizeof(c.detail)) != 0)
		c.reason = reason;
	if (c.reason == NULL)
		disclose_check_ground(&c, sealed);
	int form_refused = c.reason != NULL; /* decided before any record is read */
	/* no entry, no answer */
	if ((rc = db_writer_run(n->writer, disclose_commit, &c)) != 0) {
		snprintf(err, errcap, rc == WN_EREPLAY ? "this request was answered before"
						       : "the disclosure log cannot be written; no answer");
		goto out;
	}
	log_emit(WN_LOG_INFO, "request_answered",
		 json_pack("{s:s,s:s,s:s,s:s}", "re", envelope_str(query, "id"), "requester",
			   requester->id, "outcome", c.outcome, "reason", c.reason ? c.reason : ""));
	if (c.notified)
		outbox_kick(n);
	rc = disclose_answer(&c, form_refused, reply);
out:
	OPENSSL_cleanse(c.index, sizeof(c.index));
	secret_wipe_member(sealed, "bsn");
	secret_wipe_consent(json_object_get(sealed, "consent"));
	json_decref(c.records);
	json_decref(c.tp_notice);
	json_decref(sealed);
	return rc;
}
