/*
 * rights.c — a client's rights requests (r18; Heerlen 9.1, G-P 8):
 * correction, completion, deletion or shielding. The node the client turned
 * to routes the request, sealed, to the partners; each partner that holds
 * records of the person registers it with its four-week deadline, and its
 * professional decides — done, or refused with a motivation — on the date
 * the node records. A deletion removes the records (the ledger keeps that it
 * happened, not what was removed); a shielding stops their disclosure.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "wijknet.h"
#include "answer.h"
#include "bsn.h"
#include "casekey.h"
#include "consent.h"
#include "context.h"
#include "date.h"
#include "disclog.h"
#include "envelope.h"
#include "fanout.h"
#include "ground.h"
#include "household.h"
#include "ids.h"
#include "secevent.h"
#include "local.h"
#include "log.h"
#include "notice.h"
#include "purge.h"
#include "rectify.h"
#include "reply.h"
#include "rights.h"
#include "schema.h"
#include "secret.h"
#include "store.h"
#include "vocab.h"

#define RIGHTS_DEADLINE_DAYS 28 /* four weeks (G-P 8) */
#define RIGHTS_DEADLINE_MS 5000
#define RIGHTS_TEXT_MIN 10 /* a correction's or completion's changes, not a placeholder */

static const char *const kinds[] = { "correction", "completion", "deletion", "shielding",
				     "objection", NULL };

static const struct schema_field rights_sealed_fields[] = {
	{ "bsn", SCHEMA_STRING, 1, 16 },
	{ "kind", SCHEMA_STRING, 1, 16 },
	{ "categories", SCHEMA_ARRAY, 0, 32 },
	{ "text", SCHEMA_STRING, 0, 4000 },
	{ "request", SCHEMA_STRING, 0, 32 }, /* asked again: the request it repeats */
	{ NULL, 0, 0, 0 },
};

/* A partner's status at the municipality that is no answer: it did not
 * answer (unavailable, invalid, error) or could not check the person. The
 * request stays open for it, to be asked again (rights.again, SQL there). */
static int rights_status_unanswered(const char *status)
{
	static const char *const unanswered[] = { "unavailable", "invalid", "error",
						  "not_checked", NULL };
	for (size_t i = 0; status != NULL && unanswered[i] != NULL; i++)
		if (strcmp(status, unanswered[i]) == 0)
			return 1;
	return 0;
}

/* The fields of each local rights operation: a field another operation
 * takes is refused, not ignored, so a misplaced one is named. */
#define RIGHTS_FIELD_OP { "op", SCHEMA_STRING, 1, 32 }
#define RIGHTS_FIELD_ACTOR { "actor", SCHEMA_OBJECT, 0, 0 }
#define RIGHTS_FIELD_ID { "id", SCHEMA_STRING, 0, 32 }
#define RIGHTS_FIELD_BSN { "bsn", SCHEMA_STRING, 0, 16 }
#define RIGHTS_FIELD_DEADLINE { "deadline_ms", SCHEMA_INT, 0, 60000 }
#define RIGHTS_FIELDS_END { NULL, 0, 0, 0 }

static const struct schema_field rights_request_fields[] = {
	RIGHTS_FIELD_OP, RIGHTS_FIELD_ACTOR, RIGHTS_FIELD_BSN,
	{ "kind", SCHEMA_STRING, 0, 16 },
	{ "categories", SCHEMA_ARRAY, 0, 32 },
	{ "text", SCHEMA_STRING, 0, 4000 },
	{ "partners", SCHEMA_ARRAY, 0, 64 },
	{ "case", SCHEMA_STRING, 0, 32 },
	RIGHTS_FIELD_DEADLINE, RIGHTS_FIELDS_END,
};
static const struct schema_field rights_again_fields[] = {
	RIGHTS_FIELD_OP, RIGHTS_FIELD_ACTOR, RIGHTS_FIELD_ID, RIGHTS_FIELD_BSN,
	RIGHTS_FIELD_DEADLINE, RIGHTS_FIELDS_END,
};
/* rights.list and rights.notices: who reads is all they take */
static const struct schema_field rights_read_fields[] = {
	RIGHTS_FIELD_OP, RIGHTS_FIELD_ACTOR, RIGHTS_FIELDS_END,
};
/* rights.show and rights.status: one request */
static const struct schema_field rights_one_fields[] = {
	RIGHTS_FIELD_OP, RIGHTS_FIELD_ACTOR, RIGHTS_FIELD_ID, RIGHTS_FIELDS_END,
};
static const struct schema_field rights_decide_fields[] = {
	RIGHTS_FIELD_OP, RIGHTS_FIELD_ACTOR, RIGHTS_FIELD_ID,
	{ "decision", SCHEMA_STRING, 0, 16 },
	{ "motivation", SCHEMA_STRING, 0, 4000 },
	RIGHTS_FIELDS_END,
};
/* rights.notice.done: the partner that sent it (when two sent one under
 * the id) and a note, for this operation only */
static const struct schema_field rights_done_fields[] = {
	RIGHTS_FIELD_OP, RIGHTS_FIELD_ACTOR, RIGHTS_FIELD_ID,
	{ "from", SCHEMA_STRING, 0, 63 },
	{ "note", SCHEMA_STRING, 0, 1000 },
	RIGHTS_FIELDS_END,
};

static const struct rights_op_fields {
	const char *op;
	const struct schema_field *fields;
} rights_ops[] = {
	{ "rights.request", rights_request_fields },
	{ "rights.again", rights_again_fields },
	{ "rights.list", rights_read_fields },
	{ "rights.show", rights_one_fields },
	{ "rights.decide", rights_decide_fields },
	{ "rights.status", rights_one_fields },
	{ "rights.notices", rights_read_fields },
	{ "rights.notice.done", rights_done_fields },
	{ NULL, NULL },
};

static int kind_known(const char *k)
{
	for (size_t i = 0; k != NULL && kinds[i] != NULL; i++)
		if (strcmp(kinds[i], k) == 0)
			return 1;
	return 0;
}

/* A correction or completion states the changes to make (G-P 8.1): a
 * partner cannot carry out a change it is not told. */
static int rights_text_ok(const char *kind, const char *text)
{
	if (kind == NULL || (strcmp(kind, "correction") != 0 && strcmp(kind, "completion") != 0))
		return 1;
	return schema_text_given(text, RIGHTS_TEXT_MIN);
}

int rights_categories_check(const json_t *cats, char *err, size_t errcap)
{
	size_t i;
	json_t *x;
	json_array_foreach(cats, i, x) {
		if (vocab_category(json_string_value(x)) == NULL) {
			snprintf(err, errcap, "category '%.64s' is not in the vocabulary",
				 json_string_value(x) ? json_string_value(x) : "?");
			return WN_ECATEGORY;
		}
	}
	return 0;
}

/* ---- at the partner: register and answer ----------------------------- */

struct rights_receive {
	struct node *n;
	const json_t *query;
	const struct dir_peer *requester;
	const json_t *sealed;
	const char *request_id; /* the query's id, or the request it repeats */
	uint8_t index[STORE_INDEX_LEN];
	char deadline[DATE_LEN + 1];
	const char *refusal; /* not_in_case (outside the case named), case_key_unavailable */
	const char *status;  /* out: registered, not_known, refused */
};

/* A request about a person of a case: the person must be a member of its
 * household as the broker attests it (Heerlen 7.1); else it is refused. */
static void rights_check_person(struct node *n, struct rights_receive *r, const char *bsn)
{
	uint8_t key[HOUSEHOLD_KEY_LEN];
	char commit[HOUSEHOLD_COMMIT_HEX + 1], why[256];
	const json_t *people = json_object_get(json_object_get(r->query, "receipt"), "people");
	if (envelope_str(r->query, "case") == NULL)
		return;
	int rc = casekey_of_query(n, r->query, key, why, sizeof(why));
	if (rc == 0)
		rc = household_commit(key, bsn, commit);
	OPENSSL_cleanse(key, sizeof(key));
	if (rc != 0) {
		/* the person cannot be checked: refused, but no sign of a lie */
		r->refusal = "case_key_unavailable";
		log_emit(WN_LOG_WARN, "rights_case_key_unavailable",
			 json_pack("{s:s,s:s}", "re", envelope_str(r->query, "id"), "why", why));
		return;
	}
	if (household_has(people, commit))
		return;
	r->refusal = "not_in_case";
	snprintf(why, sizeof(why), "rights request about a person who is not a member of the "
		 "household of case %s", envelope_str(r->query, "case"));
	secevent_record(n->db, WN_ENOTINCASE, r->requester->id, envelope_str(r->query, "id"), why);
}

/* A request asked again that this partner registered before (its answer
 * was lost): *held = 1 and its own deadline stands. The same id from
 * another requester or about another person is refused. */
static int rights_registered_before(db *d, struct rights_receive *r, int *held)
{
	sqlite3_stmt *st = NULL;
	int rc = db_prepare(d, "SELECT requester, subject_index, deadline FROM rights_requests"
			       " WHERE id = ?", &st);
	if (rc != 0)
		return rc;
	sqlite3_bind_text(st, 1, r->request_id, -1, SQLITE_TRANSIENT);
	int s = sqlite3_step(st);
	*held = s == SQLITE_ROW;
	if (s == SQLITE_ROW) {
		const void *idx = sqlite3_column_blob(st, 1);
		if (strcmp((const char *)sqlite3_column_text(st, 0), r->requester->id) != 0 ||
		    sqlite3_column_bytes(st, 1) != STORE_INDEX_LEN || idx == NULL ||
		    memcmp(idx, r->index, STORE_INDEX_LEN) != 0)
			rc = WN_EPROTO;
		else
			snprintf(r->deadline, sizeof(r->deadline), "%s",
				 (const char *)sqlite3_column_text(st, 2));
	} else if (s != SQLITE_DONE) {
		rc = WN_EDB;
	}
	sqlite3_finalize(st);
	return rc;
}

static int rights_receive_run(db *d, void *arg)
{
	struct rights_receive *r = arg;
	const json_t *q = r->query, *actor = json_object_get(q, "actor");
	sqlite3_stmt *st = NULL;
	int known = 0;
	int rc = db_prepare(d, "SELECT 1 FROM records WHERE subject_index = ? LIMIT 1", &st);
	if (rc != 0)
		return rc;
	sqlite3_bind_blob(st, 1, r->index, STORE_INDEX_LEN, SQLITE_TRANSIENT);
	if (r->refusal == NULL) {
		/* a read that fails is no "not known": the request is not answered */
		int s = sqlite3_step(st);
		known = s == SQLITE_ROW;
		if (s != SQLITE_ROW && s != SQLITE_DONE)
			rc = WN_EDB;
	}
	sqlite3_finalize(st);
	/* asked again: a registration held stands, records or not (a deletion
	 * carried out meanwhile leaves none, its decision on its way) */
	int held = 0;
	if (rc == 0 && r->refusal == NULL)
		rc = rights_registered_before(d, r, &held);
	if (rc != 0)
		return rc;
	r->status = r->refusal ? "refused" : known || held ? "registered" : "not_known";
	char *cats = json_dumps(json_object_get(r->sealed, "categories"), JSON_COMPACT);
	struct disclosure e = {
		.ledger = r->n->ledger,
		.query = q,
		.request_id = envelope_str(q, "id"),
		.type = "rights",
		.requester = r->requester->id,
		.actor_id = json_string_value(json_object_get(actor, "id")),
		.actor_role = json_string_value(json_object_get(actor, "role")),
		.purpose = "inzage",
		.subject_index = r->index,
		.outcome = r->status,
		.reason = r->refusal ? r->refusal : json_string_value(json_object_get(r->sealed, "kind")),
		.case_id = envelope_str(q, "case"),
		.broker_index = (int64_t)json_integer_value(
			json_object_get(json_object_get(q, "receipt"), "index")),
		.categories = cats,
	};
	rc = disclog_insert(d, &e);
	if (rc == 0 && known && !held &&
	    (rc = db_prepare(d, "INSERT INTO rights_requests(id, received_at, deadline, kind,"
				" categories, text, requester, actor_role, subject_index)"
				" VALUES (?,?,?,?,?,?,?,?,?)", &st)) == 0) {
		sqlite3_bind_text(st, 1, r->request_id, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 2, time_now_ms());
		sqlite3_bind_text(st, 3, r->deadline, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 4, json_string_value(json_object_get(r->sealed, "kind")), -1,
				  SQLITE_TRANSIENT);
		if (cats != NULL && strcmp(cats, "null") != 0)
			sqlite3_bind_text(st, 5, cats, -1, SQLITE_TRANSIENT);
		if (json_object_get(r->sealed, "text") != NULL)
			sqlite3_bind_text(st, 6, json_string_value(json_object_get(r->sealed, "text")),
					  -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 7, r->requester->id, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 8, json_string_value(json_object_get(actor, "role")), -1,
				  SQLITE_TRANSIENT);
		sqlite3_bind_blob(st, 9, r->index, STORE_INDEX_LEN, SQLITE_TRANSIENT);
		rc = sqlite3_step(st) == SQLITE_DONE ? 0 : WN_EDB;
		sqlite3_finalize(st);
	}
	free(cats);
	return rc;
}

int rights_receive(struct node *n, const json_t *query, const struct dir_peer *requester,
		   json_t **reply, char *err, size_t errcap)
{
	json_t *sealed = NULL;
	char detail[200];
	int rc;
	struct rights_receive r;
	memset(&r, 0, sizeof(r));
	if (json_object_get(query, "actor") == NULL) {
		snprintf(err, errcap, "a rights request names the professional");
		return WN_ESCHEMA;
	}
	if (envelope_open(query, n->ident->id, n->keys.seal_sk, &sealed) != 0) {
		snprintf(err, errcap, "the body sealed to '%s' is absent or cannot be opened",
			 n->ident->id);
		return WN_ESEAL;
	}
	if ((rc = schema_check(sealed, rights_sealed_fields, detail, sizeof(detail))) != 0) {
		snprintf(err, errcap, "sealed body: %s", detail);
		goto out;
	}
	const char *bsn = json_string_value(json_object_get(sealed, "bsn"));
	if (bsn_validate(bsn) != 0 || !kind_known(json_string_value(json_object_get(sealed, "kind"))) ||
	    rights_categories_check(json_object_get(sealed, "categories"), detail,
				    sizeof(detail)) != 0) {
		snprintf(err, errcap, "sealed body: a valid BSN, a known kind and categories of the "
			 "vocabulary are needed");
		rc = WN_ESCHEMA;
		goto out;
	}
	const char *kind = json_string_value(json_object_get(sealed, "kind"));
	if (!rights_text_ok(kind, json_string_value(json_object_get(sealed, "text")))) {
		snprintf(err, errcap, "sealed body: a %s states the changes to make in 'text' "
			 "(G-P 8.1)", kind);
		rc = WN_ESCHEMA;
		goto out;
	}
	r.n = n;
	r.query = query;
	r.requester = requester;
	r.sealed = sealed;
	r.request_id = json_string_value(json_object_get(sealed, "request"));
	if (r.request_id != NULL && id_validate(r.request_id) != 0) {
		snprintf(err, errcap, "sealed body: 'request' names a request by its id, 32 hex "
			 "digits");
		rc = WN_ESCHEMA;
		goto out;
	}
	if (r.request_id == NULL)
		r.request_id = envelope_str(query, "id");
	date_today_plus(RIGHTS_DEADLINE_DAYS, r.deadline);
	if ((rc = store_subject_index(&n->keys, bsn, r.index)) != 0)
		goto out;
	rights_check_person(n, &r, bsn);
	if ((rc = db_writer_run(n->writer, rights_receive_run, &r)) != 0) {
		snprintf(err, errcap, rc == WN_EREPLAY ? "this request was answered before"
				      : rc == WN_EPROTO ? "the request asked again is another's"
							: "the request cannot be registered; no answer");
		goto out;
	}
	log_emit(WN_LOG_INFO, "rights_request_received",
		 json_pack("{s:s,s:s,s:s}", "id", r.request_id, "from", requester->id,
			   "status", r.status));
	json_t *body = json_pack("{s:s}", "status", r.status);
	if (strcmp(r.status, "registered") == 0)
		json_object_set_new(body, "deadline", json_string(r.deadline));
	if (r.refusal != NULL)
		json_object_set_new(body, "reason", json_string(r.refusal));
	json_t *a = NULL;
	if ((rc = envelope_new1(&a, "rights.answer", n->ident->id, requester->id)) == 0) {
		envelope_set_str(a, "re", envelope_str(query, "id"));
		rc = envelope_seal(a, requester->id, requester->seal_pk, body);
		if (rc == 0)
			rc = envelope_sign(a, n->ident->key);
		if (rc == 0) {
			*reply = a;
			a = NULL;
		}
	}
	json_decref(a);
	json_decref(body);
out:
	OPENSSL_cleanse(r.index, sizeof(r.index));
	secret_wipe_member(sealed, "bsn");
	json_decref(sealed);
	return rc;
}

/* ---- at the node the client turned to -------------------------------- */

static int same_str(const char *a, const char *b)
{
	return a != NULL && b != NULL && strcmp(a, b) == 0;
}

/* A request about a person of a case is sent by a partner of the case, to
 * the case's partners (or those named), after it checked the person itself.
 * *members: the partners to ask, or NULL when named ones are given. */
static int rights_case_scope(struct node *n, const char *case_id, const char *bsn,
			     const json_t *named, json_t **members, char *err, size_t errcap)
{
	char commit[HOUSEHOLD_COMMIT_HEX + 1];
	uint8_t key[HOUSEHOLD_KEY_LEN];
	json_t *c = NULL, *x;
	size_t i;
	int rc = casekey_case(n, case_id, &c, err, errcap);
	if (rc == WN_ENOTMEMBER) {
		snprintf(err, errcap, "'%s' does not take part in case %s: a rights request about "
			 "a case is sent by a partner of the case; without a case, each partner "
			 "answers for its own records", n->ident->id, case_id);
		return WN_ENOTMEMBER;
	}
	if (rc == 0)
		rc = casekey_get(n, case_id, key, err, errcap);
	if (rc == 0)
		rc = household_commit(key, bsn, commit);
	OPENSSL_cleanse(key, sizeof(key));
	/* the municipality's own users: refused before anything leaves */
	if (rc == 0 && !household_has(json_object_get(c, "people"), commit)) {
		snprintf(err, errcap, "the person is not a member of the household of case %s",
			 case_id);
		secevent_record(n->db, WN_ENOTINCASE, n->ident->id, NULL, err);
		rc = WN_ENOTINCASE;
	}
	/* partners named must take part in the case: refused before it is recorded */
	json_array_foreach(rc == 0 ? named : NULL, i, x) {
		int in = 0;
		size_t j;
		json_t *m;
		json_array_foreach(json_object_get(c, "members"), j, m)
			in |= json_is_string(x) && same_str(json_string_value(json_object_get(m,
							"partner")), json_string_value(x));
		if (!in) {
			snprintf(err, errcap, "'%s' does not take part in case %s",
				 json_string_value(x) ? json_string_value(x) : "?", case_id);
			rc = WN_ENOTMEMBER;
			break;
		}
	}
	if (rc == 0 && named == NULL) {
		*members = json_array();
		json_array_foreach(json_object_get(c, "members"), i, x) {
			const char *id = json_string_value(json_object_get(x, "partner"));
			if (id != NULL && strcmp(id, n->ident->id) != 0)
				json_array_append_new(*members, json_string(id));
		}
	}
	json_decref(c);
	return rc;
}

/* The request as the municipality keeps it: one clock for the client
 * (G-P 7.1, 8.2), each partner's state, and its own part when it holds
 * records of the person itself. */
struct rights_record {
	struct node *n;
	const char *id, *kind;
	const json_t *rq;
	const uint8_t *index;
	const json_t *answers;    /* [{partner, status, deadline?}] */
	const char *own_status;   /* out: registered (with own_deadline) or not_known */
	const char *own_deadline;
	char deadline[DATE_LEN + 1];
};

/* 1 when a partner's answer is one it can give: registered with a deadline
 * of its clock (since — today, or the day a request asked again was first
 * sent — to RIGHTS_DEADLINE_DAYS from today, a day either way for clocks),
 * not known, or refused. */
static int rights_answer_valid(const char *status, const char *deadline, const char *since)
{
	if (status == NULL)
		return 0;
	if (strcmp(status, "not_known") == 0 || strcmp(status, "refused") == 0)
		return 1;
	char today[DATE_LEN + 1];
	long days = 0, after = 0;
	date_today_plus(0, today);
	return strcmp(status, "registered") == 0 && deadline != NULL && date_valid(deadline) &&
	       date_days_between(today, deadline, &days) == 0 && days <= RIGHTS_DEADLINE_DAYS + 1 &&
	       date_days_between(since ? since : today, deadline, &after) == 0 && after >= -1;
}

/* One partner's answer as the municipality records it. A partner that could
 * not check the person (no case key) has not decided: like one that did not
 * answer, it stays open, to be asked again. A refusal because the person is
 * not in the case at that partner carries that as its motivation (G-P 8.2). */
static json_t *rights_partner_answer(const json_t *partner, const json_t *a, const char *since)
{
	const char *outcome = json_string_value(json_object_get(a, "outcome"));
	const json_t *body = json_object_get(a, "body");
	const char *status = outcome != NULL && strcmp(outcome, "answered") == 0
				     ? json_string_value(json_object_get(body, "status"))
				     : outcome;
	const char *reason = json_string_value(json_object_get(body, "reason"));
	const char *deadline = json_string_value(json_object_get(body, "deadline"));
	const char *motivation = NULL;
	int answered = outcome != NULL && strcmp(outcome, "answered") == 0;
	if (answered && !rights_answer_valid(status, deadline, since))
		status = "invalid"; /* not an answer: it stays open */
	if (answered && strcmp(status, "refused") == 0) {
		if (reason != NULL && strcmp(reason, "not_in_case") == 0)
			motivation = "Deze persoon hoort bij deze partner niet tot het huishouden "
				     "van de genoemde casus (not_in_case).";
		else /* no case key, or no reason the client can be given */
			status = "not_checked";
	}
	json_t *e = json_pack("{s:O,s:s}", "partner", partner, "status", status ? status : "invalid");
	if (e != NULL && deadline != NULL && strcmp(status, "registered") == 0)
		json_object_set_new(e, "deadline", json_string(deadline));
	if (e != NULL && motivation != NULL)
		json_object_set_new(e, "motivation", json_string(motivation));
	return e;
}

static int rights_record_partner(db *d, const char *id, const json_t *answer)
{
	sqlite3_stmt *st = NULL;
	int rc = db_prepare(d, "INSERT OR REPLACE INTO client_rights_partners(request_id, partner,"
			       " status, deadline, updated_at, motivation) VALUES (?,?,?,?,?,?)", &st);
	if (rc != 0)
		return rc;
	static const char *const f[] = { "partner", "status", "deadline" };
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	for (int k = 0; k < 3; k++)
		if (json_object_get(answer, f[k]) != NULL)
			sqlite3_bind_text(st, 2 + k, json_string_value(json_object_get(answer, f[k])),
					  -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, time_now_ms());
	if (json_object_get(answer, "motivation") != NULL)
		sqlite3_bind_text(st, 6, json_string_value(json_object_get(answer, "motivation")),
				  -1, SQLITE_STATIC);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : WN_EDB;
	sqlite3_finalize(st);
	return rc;
}

static int rights_record_own(db *d, struct rights_record *r, const char *deadline)
{
	sqlite3_stmt *st = NULL;
	int held = 0;
	int rc = db_prepare(d, "SELECT 1 FROM records WHERE subject_index = ? LIMIT 1", &st);
	if (rc != 0)
		return rc;
	sqlite3_bind_blob(st, 1, r->index, STORE_INDEX_LEN, SQLITE_STATIC);
	int s = sqlite3_step(st);
	held = s == SQLITE_ROW;
	sqlite3_finalize(st);
	if (s != SQLITE_ROW && s != SQLITE_DONE)
		return WN_EDB; /* fail closed: not "holds nothing" */
	if (!held) { /* its own answer too: the client is told it holds nothing */
		json_t *none = json_pack("{s:s,s:s}", "partner", r->n->ident->id, "status",
					 "not_known");
		rc = none != NULL ? rights_record_partner(d, r->id, none) : WN_ENOMEM;
		json_decref(none);
		if (rc == 0)
			r->own_status = "not_known";
		return rc;
	}
	const json_t *actor = json_object_get(r->rq, "actor"), *cats = json_object_get(r->rq,
										     "categories");
	char *ctext = cats ? json_dumps(cats, JSON_COMPACT) : NULL;
	rc = db_prepare(d, "INSERT INTO rights_requests(id, received_at, deadline, kind, categories,"
			   " text, requester, actor_role, subject_index) VALUES (?,?,?,?,?,?,?,?,?)",
			&st);
	if (rc == 0) {
		sqlite3_bind_text(st, 1, r->id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, time_now_ms());
		sqlite3_bind_text(st, 3, deadline, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, r->kind, -1, SQLITE_STATIC);
		if (ctext != NULL)
			sqlite3_bind_text(st, 5, ctext, -1, SQLITE_STATIC);
		if (json_object_get(r->rq, "text") != NULL)
			sqlite3_bind_text(st, 6, json_string_value(json_object_get(r->rq, "text")), -1,
					  SQLITE_STATIC);
		sqlite3_bind_text(st, 7, r->n->ident->id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 8, json_string_value(json_object_get(actor, "role")), -1,
				  SQLITE_STATIC);
		sqlite3_bind_blob(st, 9, r->index, STORE_INDEX_LEN, SQLITE_STATIC);
		rc = sqlite3_step(st) == SQLITE_DONE ? 0 : WN_EDB;
		sqlite3_finalize(st);
	}
	free(ctext);
	json_t *own = json_pack("{s:s,s:s,s:s}", "partner", r->n->ident->id, "status", "registered",
				"deadline", deadline);
	if (rc == 0)
		rc = own != NULL ? rights_record_partner(d, r->id, own) : WN_ENOMEM;
	json_decref(own);
	if (rc == 0) {
		r->own_status = "registered";
		r->own_deadline = deadline;
	}
	return rc;
}

static int rights_record_run(db *d, void *arg)
{
	struct rights_record *r = arg;
	char *deadline = r->deadline;
	const json_t *actor = json_object_get(r->rq, "actor"), *cats = json_object_get(r->rq,
										     "categories");
	sqlite3_stmt *st = NULL;
	size_t i;
	json_t *x;
	date_today_plus(RIGHTS_DEADLINE_DAYS, deadline);
	char *ctext = cats ? json_dumps(cats, JSON_COMPACT) : NULL;
	int rc = db_prepare(d, "INSERT INTO client_rights(id, created_at, deadline, kind,"
			       " subject_index, categories, text, case_id, actor_id, actor_role)"
			       " VALUES (?,?,?,?,?,?,?,?,?,?)", &st);
	if (rc == 0) {
		sqlite3_bind_text(st, 1, r->id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, time_now_ms());
		sqlite3_bind_text(st, 3, deadline, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, r->kind, -1, SQLITE_STATIC);
		sqlite3_bind_blob(st, 5, r->index, STORE_INDEX_LEN, SQLITE_STATIC);
		if (ctext != NULL)
			sqlite3_bind_text(st, 6, ctext, -1, SQLITE_STATIC);
		static const char *const f[] = { "text", "case" };
		for (int k = 0; k < 2; k++)
			if (json_object_get(r->rq, f[k]) != NULL)
				sqlite3_bind_text(st, 7 + k,
						  json_string_value(json_object_get(r->rq, f[k])), -1,
						  SQLITE_STATIC);
		sqlite3_bind_text(st, 9, json_string_value(json_object_get(actor, "id")), -1,
				  SQLITE_STATIC);
		sqlite3_bind_text(st, 10, json_string_value(json_object_get(actor, "role")), -1,
				  SQLITE_STATIC);
		rc = sqlite3_step(st) == SQLITE_DONE ? 0 : WN_EDB;
		sqlite3_finalize(st);
	}
	free(ctext);
	json_array_foreach(r->answers, i, x) {
		if (rc != 0)
			break;
		rc = rights_record_partner(d, r->id, x);
	}
	if (rc == 0)
		rc = rights_record_own(d, r, deadline);
	if (rc == 0) {
		int64_t lidx = 0;
		json_t *e = json_pack("{s:s,s:s,s:s,s:i}", "rights_request", r->id, "kind", r->kind,
				      "deadline", deadline, "partners",
				      (int)json_array_size(r->answers));
		rc = e ? ledger_append_locked(r->n->ledger, "rights.request", r->id, e, &lidx)
		       : WN_ENOMEM;
		json_decref(e);
	}
	return rc;
}

/* The partners' answers as they came, over the "unavailable" each was
 * recorded with before the request left. A decision already in (sent
 * while the answer was on its way) stays. */
struct rights_update {
	struct node *n;
	const char *id;
	const json_t *answers; /* [{partner, status, deadline?, motivation?}] */
	const char *ledger_type; /* or NULL: no ledger entry */
};

static int rights_update_run(db *d, void *arg)
{
	struct rights_update *u = arg;
	sqlite3_stmt *st = NULL;
	size_t i;
	json_t *x;
	int rc = 0;
	json_array_foreach(u->answers, i, x) {
		const char *partner = json_string_value(json_object_get(x, "partner"));
		char now[24] = "";
		if ((rc = db_prepare(d, "SELECT status FROM client_rights_partners WHERE"
				       " request_id = ? AND partner = ?", &st)) != 0)
			break;
		sqlite3_bind_text(st, 1, u->id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, partner, -1, SQLITE_STATIC);
		int sr = sqlite3_step(st);
		if (sr == SQLITE_ROW)
			snprintf(now, sizeof(now), "%s", (const char *)sqlite3_column_text(st, 0));
		sqlite3_finalize(st);
		if (sr != SQLITE_ROW && sr != SQLITE_DONE) {
			rc = WN_EDB;
			break;
		}
		if (rights_status_unanswered(now) && (rc = rights_record_partner(d, u->id, x)) != 0)
			break;
	}
	if (rc == 0 && u->ledger_type != NULL) {
		int64_t lidx = 0;
		json_t *e = json_pack("{s:s,s:i}", "rights_request", u->id, "partners",
				      (int)json_array_size(u->answers));
		rc = e ? ledger_append_locked(u->n->ledger, u->ledger_type, u->id, e, &lidx)
		       : WN_ENOMEM;
		json_decref(e);
	}
	return rc;
}

/* Each partner of scope as not yet answered: what the municipality holds
 * until an answer is recorded, so a request is never out without its record. */
static json_t *rights_unanswered(const json_t *scope)
{
	json_t *list = json_array(), *x;
	size_t i;
	json_array_foreach(scope, i, x)
		json_array_append_new(list, json_pack("{s:O,s:s}", "partner", x, "status",
						      "unavailable"));
	return list;
}

/* The covenant partners a request of the whole federation cannot reach
 * now, being suspended: still members, who may hold the person's data. They
 * are recorded unanswered, to be asked again once resumed (AVG art. 12.3). */
static json_t *rights_held_back(struct node *n, const struct directory *d, const json_t *scope)
{
	json_t *list = json_array(), *x;
	size_t i;
	for (size_t k = 0; list != NULL && k < d->count; k++) {
		const struct dir_peer *p = &d->peers[k];
		int in = 0;
		json_array_foreach(scope, i, x)
			in |= strcmp(json_string_value(x), p->id) == 0;
		if (!in && !p->usable && !p->incidental && p->status != NULL &&
		    strcmp(p->status, "suspended") == 0 && strcmp(p->id, n->ident->id) != 0)
			json_array_append_new(list, json_string(p->id));
	}
	return list;
}

/* Asks the partners of scope and records their answers over the
 * "unavailable" they were recorded with. Sending that fails leaves them so:
 * the request stands, to be asked again. *out: the answers, json_decref().
 * A refusal by the broker (not a broker out of reach) is returned, with
 * err: the request stands all the same, and the caller says why. */
static int rights_ask(struct node *n, struct directory *d, const char *qid,
		      const struct fanout_query *q, const char *ledger_type, const char *since,
		      json_t **out, char *err, size_t errcap)
{
	char sent[ID_HEX_LEN + 1];
	json_t *answers = NULL, *x;
	size_t i;
	int rc = fanout_query(n, d, q, sent, &answers, err, errcap);
	if (rc != 0) {
		log_emit(WN_LOG_WARN, "rights_request_not_sent",
			 json_pack("{s:s,s:s,s:s}", "id", qid, "error", wn_strerror(rc), "why", err));
		*out = rights_unanswered(q->scope);
		int unreached = rc == WN_ETRANSPORT || rc == WN_ETIMEOUT || rc == WN_EUNAVAILABLE;
		return unreached ? 0 : rc;
	}
	json_t *list = json_array();
	json_array_foreach(q->scope, i, x)
		json_array_append_new(list, rights_partner_answer(x, json_object_get(
							 answers, json_string_value(x)), since));
	json_decref(answers);
	struct rights_update u = { n, qid, list, ledger_type };
	if ((rc = db_writer_run(n->writer, rights_update_run, &u)) != 0)
		log_emit(WN_LOG_ERROR, "rights_answers_not_recorded",
			 json_pack("{s:s,s:s}", "id", qid, "error", wn_strerror(rc)));
	*out = list;
	return 0;
}

/* A refusal of a request that stands, recorded here: said with its id. */
static json_t *rights_refused(int rc, const char *id, const char *why, json_t *list)
{
	char msg[700];
	json_decref(list);
	snprintf(msg, sizeof(msg), "rights request %s is recorded here, but it was refused on "
		 "its way: %s", id, why);
	return local_error(rc, msg);
}

/* The checks of a request before anything is recorded or sent. */
static int rights_send_check(const json_t *rq, char *err, size_t errcap)
{
	int rc = local_check_actor(json_object_get(rq, "actor"), err, errcap);
	if (rc != 0)
		return rc;
	if (bsn_validate(json_string_value(json_object_get(rq, "bsn"))) != 0) {
		snprintf(err, errcap, "the BSN is not valid: nine digits passing the 11-proef");
		return WN_EBSN;
	}
	if (!kind_known(json_string_value(json_object_get(rq, "kind")))) {
		snprintf(err, errcap, "kind: correction, completion, deletion, shielding or "
			 "objection");
		return WN_EINVAL;
	}
	const char *kind = json_string_value(json_object_get(rq, "kind"));
	const char *text = json_string_value(json_object_get(rq, "text"));
	if (!rights_text_ok(kind, text)) {
		snprintf(err, errcap, "a %s states the changes to make (G-P 8.1): %s", kind,
			 schema_text_given(text, 1) ? "the --text given is too short (at least 10 "
						      "characters)"
						    : "give them with --text");
		return WN_EINVAL;
	}
	if ((rc = rights_categories_check(json_object_get(rq, "categories"), err, errcap)) != 0)
		return rc;
	const char *case_id = json_string_value(json_object_get(rq, "case"));
	if (case_id != NULL && id_validate(case_id) != 0) {
		snprintf(err, errcap, "field 'case': a case id of 32 lowercase hex digits");
		return WN_EINVAL;
	}
	return 0;
}

/* The body sealed to each partner; again: the request it repeats. */
static json_t *rights_sealed(const json_t *rq, const char *again)
{
	json_t *sealed = json_pack("{s:s,s:s}", "bsn", json_string_value(json_object_get(rq, "bsn")),
				   "kind", json_string_value(json_object_get(rq, "kind")));
	static const char *const opt[] = { "categories", "text" };
	for (size_t i = 0; sealed != NULL && i < 2; i++)
		if (json_object_get(rq, opt[i]) != NULL)
			json_object_set(sealed, opt[i], json_object_get(rq, opt[i]));
	if (sealed != NULL && again != NULL)
		json_object_set_new(sealed, "request", json_string(again));
	return sealed;
}

/* The result of a request or of asking again: the answers, with the
 * municipality's own part when it has one. */
static json_t *rights_result(const char *qid, const char *kind, json_t *list,
			     const char *own_partner, const char *own_status,
			     const char *own_deadline)
{
	if (own_status != NULL)
		json_array_append_new(list, json_pack("{s:s,s:s,s:s?}", "partner", own_partner,
						      "status", own_status, "deadline",
						      own_deadline));
	return json_pack("{s:b,s:{s:s,s:s,s:o}}", "ok", 1, "result", "request_id", qid, "kind",
			 kind, "answers", list);
}

static json_t *rights_send(struct node *n, json_t *rq)
{
	char err[512] = "", qid[ID_HEX_LEN + 1];
	const char *bsn = json_string_value(json_object_get(rq, "bsn"));
	const char *kind = json_string_value(json_object_get(rq, "kind"));
	json_t *actor = json_object_get(rq, "actor"), *scope = NULL, *list = NULL;
	json_t *sealed = NULL, *result = NULL, *held = NULL, *waiting = NULL;
	struct directory *d = NULL;
	uint8_t index[STORE_INDEX_LEN];
	memset(index, 0, sizeof(index));
	int rc = rights_send_check(rq, err, sizeof(err));
	if (rc != 0)
		return local_error(rc, err);
	const char *case_id = json_string_value(json_object_get(rq, "case"));
	json_t *named = json_object_get(rq, "partners"), *members = NULL;
	if (case_id != NULL && (rc = rights_case_scope(n, case_id, bsn, named, &members, err,
						       sizeof(err))) != 0)
		return local_error(rc, err);
	if ((d = node_directory(n)) == NULL) {
		json_decref(members);
		return local_error(WN_ESTATE, "no verified directory yet: is the broker reachable?");
	}
	int whole = members == NULL && named == NULL;
	rc = fanout_scope(n, &d, members ? members : named, members != NULL, &scope, err,
			  sizeof(err));
	json_decref(members);
	if (rc != 0)
		goto fail;
	if (whole && (held = rights_held_back(n, d, scope)) == NULL) {
		rc = WN_ENOMEM;
		goto fail;
	}
	sealed = rights_sealed(rq, NULL);
	int deadline = (int)json_integer_value(json_object_get(rq, "deadline_ms"));
	if (sealed == NULL || (rc = store_subject_index(&n->keys, bsn, index)) != 0 ||
	    (rc = id_generate(qid)) != 0) {
		rc = rc ? rc : WN_ENOMEM;
		goto fail;
	}
	/* recorded before it leaves: the client's clock starts, and a partner
	 * never holds a request the municipality does not */
	json_t *pending = rights_unanswered(scope);
	waiting = rights_unanswered(held);
	json_array_extend(pending, waiting);
	struct rights_record rec = { n, qid, kind, rq, index, pending, NULL, NULL, "" };
	rc = db_writer_run(n->writer, rights_record_run, &rec);
	json_decref(pending);
	if (rc != 0) {
		snprintf(err, sizeof(err), "the request cannot be recorded here; nothing was sent");
		goto fail;
	}
	struct fanout_query q = { "rights.request", "rights.answer", scope, sealed, actor, "inzage",
				  deadline > 0 ? deadline : RIGHTS_DEADLINE_MS, "rights", index,
				  case_id, qid };
	if ((rc = rights_ask(n, d, qid, &q, NULL, NULL, &list, err, sizeof(err))) != 0) {
		result = rights_refused(rc, qid, err, list);
		goto out;
	}
	json_array_extend(list, waiting); /* not asked: suspended, asked again later */
	log_emit(WN_LOG_INFO, "rights_request_sent", json_pack("{s:s,s:s}", "id", qid, "kind", kind));
	result = rights_result(qid, kind, list, n->ident->id, rec.own_status, rec.own_deadline);
	goto out;
fail:
	result = local_error(rc, err);
out:
	OPENSSL_cleanse(index, sizeof(index));
	secret_wipe_member(sealed, "bsn");
	json_decref(sealed);
	json_decref(scope);
	json_decref(held);
	json_decref(waiting);
	directory_release(d);
	return result;
}

/* A request as the municipality recorded it, to ask again. */
struct rights_again {
	json_t *rq;      /* kind, categories, text, case: as first sent */
	json_t *open;    /* the partners that decided nothing yet */
	json_t *members; /* a case's: its partners now, else NULL */
	uint8_t index[STORE_INDEX_LEN];
	char since[DATE_LEN + 1]; /* the day it was first sent */
};

static int rights_again_read(struct node *n, const char *id, struct rights_again *a)
{
	sqlite3_stmt *st = NULL;
	int rc = db_prepare(n->db, "SELECT kind, categories, text, case_id, subject_index,"
				   " created_at FROM client_rights WHERE id = ?", &st);
	if (rc != 0)
		return rc;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	int s = sqlite3_step(st);
	if (s == SQLITE_ROW && sqlite3_column_bytes(st, 4) == STORE_INDEX_LEN) {
		a->rq = json_pack("{s:s}", "kind", sqlite3_column_text(st, 0));
		if (sqlite3_column_type(st, 1) != SQLITE_NULL)
			json_object_set_new(a->rq, "categories", json_loads((const char *)
					    sqlite3_column_text(st, 1), 0, NULL));
		static const char *const f[] = { "text", "case" };
		for (int k = 0; k < 2; k++)
			if (sqlite3_column_type(st, 2 + k) != SQLITE_NULL)
				json_object_set_new(a->rq, f[k], json_string((const char *)
						    sqlite3_column_text(st, 2 + k)));
		memcpy(a->index, sqlite3_column_blob(st, 4), STORE_INDEX_LEN);
		date_of_ms(sqlite3_column_int64(st, 5), a->since);
	}
	sqlite3_finalize(st);
	if (s != SQLITE_ROW && s != SQLITE_DONE)
		return WN_EDB;
	if (a->rq == NULL)
		return WN_ENOTFOUND;
	if ((rc = db_prepare(n->db, "SELECT partner FROM client_rights_partners WHERE"
				    " request_id = ? AND partner != ? AND status IN ('unavailable',"
				    " 'invalid', 'error', 'not_checked') ORDER BY partner", &st)) != 0)
		return rc;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, n->ident->id, -1, SQLITE_STATIC);
	a->open = json_array();
	while ((s = sqlite3_step(st)) == SQLITE_ROW)
		json_array_append_new(a->open, json_string((const char *)sqlite3_column_text(st, 0)));
	sqlite3_finalize(st);
	return s == SQLITE_DONE ? 0 : WN_EDB;
}

/* The request's partners that have not answered (unavailable, invalid,
 * error, not_checked), asked again under the same request: its deadline
 * stays, and a partner that registered it before answers that. The BSN is
 * given again, for the municipality keeps only the person's index. */
static json_t *rights_ask_again(struct node *n, json_t *rq)
{
	char err[512] = "";
	const char *id = json_string_value(json_object_get(rq, "id"));
	const char *bsn = json_string_value(json_object_get(rq, "bsn"));
	json_t *actor = json_object_get(rq, "actor"), *scope = NULL, *list = NULL, *sealed = NULL;
	json_t *result = NULL;
	struct directory *d = NULL;
	struct rights_again a = { NULL, NULL, NULL, { 0 }, "" };
	uint8_t index[STORE_INDEX_LEN];
	memset(index, 0, sizeof(index));
	int rc = local_check_actor(actor, err, sizeof(err));
	if (rc != 0)
		return local_error(rc, err);
	if (id == NULL || id_validate(id) != 0)
		return local_error(WN_EINVAL, "field 'id': the rights request, 32 hex digits");
	if (bsn_validate(bsn) != 0)
		return local_error(WN_EBSN, "the BSN is not valid: nine digits passing the 11-proef");
	db_lock(n->db);
	rc = rights_again_read(n, id, &a);
	db_unlock(n->db);
	if (rc == WN_ENOTFOUND) {
		snprintf(err, sizeof(err), "there is no rights request %s at this node (the "
			 "municipality keeps the requests it sent)", id);
		goto fail;
	}
	if (rc == 0 && (rc = store_subject_index(&n->keys, bsn, index)) == 0 &&
	    CRYPTO_memcmp(index, a.index, STORE_INDEX_LEN) != 0) {
		snprintf(err, sizeof(err), "the BSN is not that of the person of rights request %s",
			 id);
		rc = WN_EINVAL;
	}
	if (rc != 0)
		goto fail;
	/* recorded before G-P 8.1 was checked: each partner would refuse it */
	if (!rights_text_ok(json_string_value(json_object_get(a.rq, "kind")),
			    json_string_value(json_object_get(a.rq, "text")))) {
		snprintf(err, sizeof(err), "rights request %s is a %s without the changes to make, "
			 "which partners refuse (G-P 8.1): register it anew with --text", id,
			 json_string_value(json_object_get(a.rq, "kind")));
		rc = WN_EINVAL;
		goto fail;
	}
	const char *case_id = json_string_value(json_object_get(a.rq, "case"));
	if (case_id != NULL && (rc = rights_case_scope(n, case_id, bsn, NULL, &a.members, err,
						       sizeof(err))) != 0)
		goto fail;
	if ((d = node_directory(n)) == NULL) {
		rc = WN_ESTATE;
		snprintf(err, sizeof(err), "no verified directory yet: is the broker reachable?");
		goto fail;
	}
	/* a partner that left the federation, or the case, since stays unanswered */
	json_t *known = json_array(), *x, *y;
	size_t i, j;
	json_array_foreach(a.open, i, x) {
		int in = a.members == NULL;
		json_array_foreach(a.members, j, y)
			in |= json_equal(x, y);
		if (in && directory_find(d, json_string_value(x)) != NULL)
			json_array_append(known, x);
	}
	if (json_array_size(known) == 0) {
		json_decref(known);
		snprintf(err, sizeof(err), "rights request %s: no partner to ask again (each one "
			 "answered, or left the federation or the case)", id);
		rc = WN_ESTATE;
		goto fail;
	}
	rc = fanout_scope(n, &d, known, 1, &scope, err, sizeof(err));
	json_decref(known);
	if (rc != 0)
		goto fail;
	json_object_set_new(a.rq, "bsn", json_string(bsn));
	if ((sealed = rights_sealed(a.rq, id)) == NULL) {
		rc = WN_ENOMEM;
		goto fail;
	}
	int deadline = (int)json_integer_value(json_object_get(rq, "deadline_ms"));
	struct fanout_query q = { "rights.request", "rights.answer", scope, sealed, actor, "inzage",
				  deadline > 0 ? deadline : RIGHTS_DEADLINE_MS, "rights", index,
				  case_id, NULL };
	if ((rc = rights_ask(n, d, id, &q, "rights.request.again", a.since, &list, err,
			     sizeof(err))) != 0) {
		result = rights_refused(rc, id, err, list);
		goto out;
	}
	log_emit(WN_LOG_INFO, "rights_request_asked_again",
		 json_pack("{s:s,s:i}", "id", id, "partners", (int)json_array_size(scope)));
	result = rights_result(id, json_string_value(json_object_get(a.rq, "kind")), list, NULL,
			       NULL, NULL);
	goto out;
fail:
	result = local_error(rc, err);
out:
	OPENSSL_cleanse(index, sizeof(index));
	OPENSSL_cleanse(a.index, sizeof(a.index));
	secret_wipe_member(a.rq, "bsn");
	secret_wipe_member(sealed, "bsn");
	json_decref(sealed);
	json_decref(a.rq);
	json_decref(a.open);
	json_decref(a.members);
	json_decref(scope);
	directory_release(d);
	return result;
}

/* ---- the partner's professionals: list and decide -------------------- */

static json_t *rights_list(struct node *n)
{
	char today[DATE_LEN + 1];
	sqlite3_stmt *st = NULL;
	json_t *list = json_array();
	date_today_plus(0, today);
	db_lock(n->db);
	/* open and overdue first, then open by deadline, then decided */
	int rc = db_prepare(n->db, "SELECT id, kind, categories, requester, actor_role,"
				   " received_at, deadline, status, decided_at, decision_motivation,"
				   " status = 'open' AND deadline < ?1 AS overdue FROM rights_requests"
				   " ORDER BY status != 'open', overdue DESC, deadline, received_at"
				   " LIMIT 1000", &st);
	if (rc == 0) {
		sqlite3_bind_text(st, 1, today, -1, SQLITE_TRANSIENT);
		while (sqlite3_step(st) == SQLITE_ROW) {
			json_t *e = json_pack("{s:s,s:s,s:s,s:s,s:I,s:s,s:s,s:b}", "id",
					      sqlite3_column_text(st, 0), "kind",
					      sqlite3_column_text(st, 1), "requester",
					      sqlite3_column_text(st, 3), "requester_role",
					      sqlite3_column_text(st, 4), "received_at",
					      (json_int_t)sqlite3_column_int64(st, 5), "deadline",
					      sqlite3_column_text(st, 6), "status",
					      sqlite3_column_text(st, 7), "overdue",
					      sqlite3_column_int(st, 10));
			if (sqlite3_column_type(st, 2) != SQLITE_NULL)
				json_object_set_new(e, "categories",
						    json_string((const char *)sqlite3_column_text(st, 2)));
			if (sqlite3_column_type(st, 8) != SQLITE_NULL)
				json_object_set_new(e, "decided_at",
						    json_integer(sqlite3_column_int64(st, 8)));
			if (sqlite3_column_type(st, 9) != SQLITE_NULL)
				json_object_set_new(e, "motivation",
						    json_string((const char *)sqlite3_column_text(st, 9)));
			json_array_append_new(list, e);
		}
	}
	sqlite3_finalize(st);
	db_unlock(n->db);
	if (rc != 0) {
		json_decref(list);
		return local_error(rc, NULL);
	}
	return json_pack("{s:b,s:{s:o}}", "ok", 1, "result", "requests", list);
}

struct rights_show {
	struct node *n;
	const char *id, *actor, *role;
	json_t *out;
	char bsn[16];
};

/* The person's BSN, opened from a record of theirs this node holds (sealed
 * at rest there): the request itself keeps only the pseudonym. *held = 0
 * when none is left (deleted on the request, or purged). */
static int rights_person(db *d, struct node *n, const void *index, int len, char bsn[16],
			 int *held)
{
	sqlite3_stmt *st = NULL;
	*held = 0;
	if (index == NULL || len != STORE_INDEX_LEN)
		return 0;
	int rc = db_prepare(d, "SELECT subject_enc FROM records WHERE subject_index = ? LIMIT 1",
			    &st);
	if (rc != 0)
		return rc;
	sqlite3_bind_blob(st, 1, index, STORE_INDEX_LEN, SQLITE_TRANSIENT);
	int s = sqlite3_step(st);
	if (s == SQLITE_ROW) {
		rc = store_open_bsn(&n->keys, sqlite3_column_blob(st, 0),
				    (size_t)sqlite3_column_bytes(st, 0), bsn);
		*held = rc == 0;
	} else if (s != SQLITE_DONE) {
		rc = WN_EDB;
	}
	sqlite3_finalize(st);
	return rc;
}

/* Reads one request and logs, in the same transaction, who read it: the
 * answer names the person, so it is shown only once the reading is logged. */
static int rights_show_run(db *d, void *arg)
{
	struct rights_show *r = arg;
	char today[DATE_LEN + 1];
	sqlite3_stmt *st = NULL;
	int held = 0;
	date_today_plus(0, today);
	int rc = db_prepare(d, "SELECT kind, categories, text, requester, actor_role, received_at,"
			       " deadline, status, decided_at, decision_motivation, decided_by_role,"
			       " executed_at, subject_index, status = 'open' AND deadline < ?2"
			       " FROM rights_requests WHERE id = ?1", &st);
	if (rc != 0)
		return rc;
	sqlite3_bind_text(st, 1, r->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, today, -1, SQLITE_STATIC);
	int s = sqlite3_step(st);
	if (s != SQLITE_ROW) {
		rc = s == SQLITE_DONE ? WN_ENOTFOUND : WN_EDB;
		goto out;
	}
	r->out = json_pack("{s:s,s:s,s:s,s:s,s:I,s:s,s:s,s:b}", "id", r->id, "kind",
			   sqlite3_column_text(st, 0), "requester", sqlite3_column_text(st, 3),
			   "requester_role", sqlite3_column_text(st, 4), "received_at",
			   (json_int_t)sqlite3_column_int64(st, 5), "deadline",
			   sqlite3_column_text(st, 6), "status", sqlite3_column_text(st, 7),
			   "overdue", sqlite3_column_int(st, 13));
	if (r->out == NULL) {
		rc = WN_ENOMEM;
		goto out;
	}
	/* categories as a list, as rights.status gives them; none: every one */
	if (sqlite3_column_type(st, 1) != SQLITE_NULL)
		json_object_set_new(r->out, "categories",
				    json_loads((const char *)sqlite3_column_text(st, 1), 0, NULL));
	static const struct { int col; const char *key; } opt[] = {
		{ 2, "text" }, { 9, "motivation" }, { 10, "decided_by_role" } };
	for (size_t i = 0; i < sizeof(opt) / sizeof(opt[0]); i++)
		if (sqlite3_column_type(st, opt[i].col) != SQLITE_NULL)
			json_object_set_new(r->out, opt[i].key, json_string((const char *)
					    sqlite3_column_text(st, opt[i].col)));
	if (sqlite3_column_type(st, 8) != SQLITE_NULL)
		json_object_set_new(r->out, "decided_at", json_integer(sqlite3_column_int64(st, 8)));
	if (sqlite3_column_type(st, 11) != SQLITE_NULL)
		json_object_set_new(r->out, "executed_at", json_integer(sqlite3_column_int64(st, 11)));
	if ((rc = rights_person(d, r->n, sqlite3_column_blob(st, 12), sqlite3_column_bytes(st, 12),
				r->bsn, &held)) != 0)
		goto out;
	json_object_set_new(r->out, "person_held", json_boolean(held));
	/* whom the request carried out was passed on to (AVG 19) */
	json_t *informed = rectify_recipients_of(d, r->id);
	if (informed != NULL)
		json_object_set_new(r->out, "recipients", informed);
	if (held)
		json_object_set_new(r->out, "bsn", json_string(r->bsn));
	int64_t lidx = 0;
	json_t *e = json_pack("{s:s,s:s,s:s,s:b}", "rights_request", r->id, "by", r->actor,
			      "by_role", r->role, "person", held);
	rc = e ? ledger_append_locked(r->n->ledger, "rights.read", r->id, e, &lidx) : WN_ENOMEM;
	json_decref(e);
out:
	sqlite3_finalize(st);
	OPENSSL_cleanse(r->bsn, sizeof(r->bsn));
	if (rc != 0) {
		secret_wipe_member(r->out, "bsn");
		json_decref(r->out);
		r->out = NULL;
	}
	return rc;
}

/* One request as its deciding professional needs it: what the client asks
 * (the text) and whom it concerns (the BSN, need-to-know: never in the
 * list). Reading it is a ledger entry naming the professional. */
static json_t *rights_show(struct node *n, const json_t *rq)
{
	char err[256] = "";
	const json_t *actor = json_object_get(rq, "actor");
	struct rights_show r;
	memset(&r, 0, sizeof(r));
	r.n = n;
	r.id = json_string_value(json_object_get(rq, "id"));
	int rc = local_check_actor(actor, err, sizeof(err));
	if (rc != 0)
		return local_error(rc, err);
	r.actor = json_string_value(json_object_get(actor, "id"));
	r.role = json_string_value(json_object_get(actor, "role"));
	if (id_validate(r.id) != 0)
		return local_error(WN_EINVAL, "field 'id': the rights request, 32 hex digits");
	if ((rc = db_writer_run(n->writer, rights_show_run, &r)) != 0) {
		/* read, but its logging not committed: not shown */
		secret_wipe_member(r.out, "bsn");
		json_decref(r.out);
		if (rc == WN_ENOTFOUND)
			snprintf(err, sizeof(err), "there is no rights request %s registered at this "
				 "node", r.id);
		return local_error(rc, err[0] ? err : "the reading cannot be logged; the request "
				   "is not shown");
	}
	log_emit(WN_LOG_INFO, "rights_request_read",
		 json_pack("{s:s,s:s,s:s}", "id", r.id, "actor", r.actor, "role", r.role));
	return json_pack("{s:b,s:o}", "ok", 1, "result", r.out);
}

struct rights_decision {
	struct node *n;
	const char *id, *decision, *motivation, *role;
	char kind[16];
	char requester[64];
	json_t *categories;
	char *text;         /* what the client asks to be changed */
	json_t *recipients; /* whom it was passed on to (AVG 19), or NULL */
	uint8_t index[STORE_INDEX_LEN];
	long deleted;
	int64_t decided_at, executed_at;
	char *err;
	size_t errcap;
};

/* Reads the request; the decision must follow from its state: an open one
 * is decided, a granted one is carried out. */
static int rights_decide_read(db *d, struct rights_decision *x)
{
	sqlite3_stmt *st = NULL;
	int rc = db_prepare(d, "SELECT kind, categories, subject_index, status, requester,"
			       " decided_at, text FROM rights_requests WHERE id = ?", &st);
	if (rc != 0)
		return rc;
	sqlite3_bind_text(st, 1, x->id, -1, SQLITE_TRANSIENT);
	int executing = strcmp(x->decision, "executed") == 0;
	if (sqlite3_step(st) != SQLITE_ROW) {
		snprintf(x->err, x->errcap, "there is no rights request %s", x->id);
		rc = WN_ENOTFOUND;
	} else if (strcmp((const char *)sqlite3_column_text(st, 3), executing ? "granted" : "open")
		   != 0) {
		snprintf(x->err, x->errcap, executing ? "rights request %s is not granted and "
			 "awaiting execution" : "rights request %s was decided before", x->id);
		rc = WN_ESTATE; /* not the input: the request's standing */
	} else {
		json_error_t jerr;
		snprintf(x->kind, sizeof(x->kind), "%s", (const char *)sqlite3_column_text(st, 0));
		snprintf(x->requester, sizeof(x->requester), "%s",
			 (const char *)sqlite3_column_text(st, 4));
		if (sqlite3_column_type(st, 1) != SQLITE_NULL)
			x->categories = json_loads((const char *)sqlite3_column_text(st, 1), 0, &jerr);
		if (sqlite3_column_bytes(st, 2) == STORE_INDEX_LEN)
			memcpy(x->index, sqlite3_column_blob(st, 2), STORE_INDEX_LEN);
		x->decided_at = sqlite3_column_int64(st, 5);
		if (sqlite3_column_type(st, 6) == SQLITE_TEXT &&
		    (x->text = strdup((const char *)sqlite3_column_text(st, 6))) == NULL)
			rc = WN_ENOMEM;
	}
	sqlite3_finalize(st);
	return rc;
}

/* Carries out a granted request: a shielding or an objection stops the
 * records' disclosure, a deletion removes them; a correction or completion
 * is done in the partner's own system. */
static int rights_execute(db *d, struct rights_decision *x)
{
	sqlite3_stmt *st = NULL;
	int rc = 0;
	if (strcmp(x->kind, "shielding") == 0 || strcmp(x->kind, "objection") == 0) {
		if ((rc = db_prepare(d, "UPDATE records SET shielded = 1 WHERE subject_index = ?1 AND"
				       " (?2 IS NULL OR category IN (SELECT value FROM json_each(?2)))",
				     &st)) != 0)
			return rc;
		char *cats = x->categories ? json_dumps(x->categories, JSON_COMPACT) : NULL;
		sqlite3_bind_blob(st, 1, x->index, STORE_INDEX_LEN, SQLITE_TRANSIENT);
		if (cats != NULL)
			sqlite3_bind_text(st, 2, cats, -1, SQLITE_TRANSIENT);
		rc = sqlite3_step(st) == SQLITE_DONE ? 0 : WN_EDB;
		sqlite3_finalize(st);
		free(cats);
	} else if (strcmp(x->kind, "deletion") == 0) {
		rc = purge_delete_locked(d, x->n, x->index, x->categories, "rights_request", x->id,
					 &x->deleted);
	}
	return rc;
}

/* A correction, completion, deletion or shielding carried out is passed on
 * to those the data went to (AVG 19), in the decision's transaction, before
 * a deletion leaves no record to name the person by. */
static int rights_pass_on(db *d, struct rights_decision *x)
{
	char bsn[16] = "";
	int held = 0;
	int rc = rights_person(d, x->n, x->index, STORE_INDEX_LEN, bsn, &held);
	struct rectify_source s = { x->id, x->kind, x->categories, x->text, x->index,
				    held ? bsn : NULL, x->executed_at };
	if (rc == 0)
		rc = rectify_forward_locked(d, x->n, &s, &x->recipients);
	OPENSSL_cleanse(bsn, sizeof(bsn));
	return rc;
}

/* The decision goes back to the municipality that answers to the client:
 * recorded directly when that is this node, else through the outbox. */
static int rights_report_back(db *d, struct rights_decision *x)
{
	const char *status = strcmp(x->decision, "done") == 0 ? "executed" : x->decision;
	if (strcmp(x->requester, x->n->ident->id) == 0) {
		sqlite3_stmt *st = NULL;
		int rc = db_prepare(d, "UPDATE client_rights_partners SET status = ?, decided_at = ?,"
				       " motivation = coalesce(?, motivation), executed_at = ?,"
				       " deleted = ?, updated_at = ?, recipients = ? WHERE request_id = ?"
				       " AND partner = ?", &st);
		if (rc != 0)
			return rc;
		sqlite3_bind_text(st, 1, status, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, x->decided_at);
		if (x->motivation != NULL)
			sqlite3_bind_text(st, 3, x->motivation, -1, SQLITE_STATIC);
		if (x->executed_at)
			sqlite3_bind_int64(st, 4, x->executed_at);
		sqlite3_bind_int64(st, 5, x->deleted);
		sqlite3_bind_int64(st, 6, time_now_ms());
		char *told = json_array_size(x->recipients) > 0
				     ? json_dumps(x->recipients, JSON_COMPACT) : NULL;
		if (told != NULL)
			sqlite3_bind_text(st, 7, told, -1, SQLITE_TRANSIENT);
		free(told);
		sqlite3_bind_text(st, 8, x->id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 9, x->n->ident->id, -1, SQLITE_STATIC);
		rc = sqlite3_step(st) == SQLITE_DONE ? 0 : WN_EDB;
		sqlite3_finalize(st);
		return rc;
	}
	char oid[ID_HEX_LEN + 1];
	int rc = id_generate(oid);
	if (rc != 0)
		return rc;
	json_t *body = json_pack("{s:s,s:s,s:s,s:s,s:I,s:I}", "request", x->id, "partner",
				 x->n->ident->id, "kind", x->kind, "decision", status, "decided_at",
				 (json_int_t)x->decided_at, "deleted", (json_int_t)x->deleted);
	if (body != NULL && x->motivation != NULL)
		json_object_set_new(body, "motivation", json_string(x->motivation));
	if (body != NULL && x->executed_at)
		json_object_set_new(body, "executed_at", json_integer(x->executed_at));
	/* whom it informed: the municipality tells the client on request (AVG 19) */
	if (body != NULL && json_array_size(x->recipients) > 0)
		json_object_set(body, "recipients", x->recipients);
	rc = body ? outbox_put_locked(d, x->n, "rights.decision", oid, x->requester, body)
		  : WN_ENOMEM;
	json_decref(body);
	return rc;
}

/* Reads the request, records the decision with its ledger entry, carries it
 * out when it says so, and reports it back, in one transaction. */
static int rights_decide_run(db *d, void *arg)
{
	struct rights_decision *x = arg;
	sqlite3_stmt *st = NULL;
	int rc = rights_decide_read(d, x);
	if (rc != 0)
		return rc;
	int64_t now = time_now_ms();
	int executing = strcmp(x->decision, "executed") == 0 || strcmp(x->decision, "done") == 0;
	if (strcmp(x->decision, "executed") != 0)
		x->decided_at = now;
	if (executing)
		x->executed_at = now;
	if ((rc = db_prepare(d, "UPDATE rights_requests SET status = ?, decided_at = ?,"
				" decision_motivation = coalesce(?, decision_motivation),"
				" decided_by_role = ?, executed_at = ? WHERE id = ?", &st)) != 0)
		return rc;
	sqlite3_bind_text(st, 1, x->decision, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, x->decided_at);
	if (x->motivation != NULL)
		sqlite3_bind_text(st, 3, x->motivation, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, x->role, -1, SQLITE_STATIC);
	if (x->executed_at)
		sqlite3_bind_int64(st, 5, x->executed_at);
	sqlite3_bind_text(st, 6, x->id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : WN_EDB;
	sqlite3_finalize(st);
	if (rc == 0 && executing && rectify_kind_passed_on(x->kind))
		rc = rights_pass_on(d, x);
	if (rc == 0 && executing)
		rc = rights_execute(d, x);
	if (rc == 0) {
		int64_t lidx = 0;
		char mhash[65] = "";
		json_t *m = x->motivation ? json_pack("{s:s}", "explanation", x->motivation) : NULL;
		if (m != NULL)
			ground_detail_hash(m, mhash);
		json_decref(m);
		json_t *entry = json_pack("{s:s,s:s,s:s,s:s}", "rights_request", x->id, "kind", x->kind,
					  "decision", x->decision, "decided_by_role", x->role);
		if (entry != NULL && mhash[0])
			json_object_set_new(entry, "motivation_hash", json_string(mhash));
		if (entry != NULL && json_array_size(x->recipients) > 0)
			json_object_set_new(entry, "recipients", json_integer((json_int_t)
					    json_array_size(x->recipients)));
		rc = entry ? ledger_append_locked(x->n->ledger, "rights.decision", x->id, entry, &lidx)
			   : WN_ENOMEM;
		json_decref(entry);
	}
	if (rc == 0)
		rc = rights_report_back(d, x);
	return rc;
}

static json_t *rights_decide(struct node *n, json_t *rq)
{
	char err[512] = "";
	json_t *actor = json_object_get(rq, "actor");
	struct rights_decision x;
	memset(&x, 0, sizeof(x));
	x.n = n;
	x.id = json_string_value(json_object_get(rq, "id"));
	x.decision = json_string_value(json_object_get(rq, "decision"));
	x.motivation = json_string_value(json_object_get(rq, "motivation"));
	x.err = err;
	x.errcap = sizeof(err);
	int rc = local_check_actor(actor, err, sizeof(err));
	if (rc != 0)
		return local_error(rc, err);
	x.role = json_string_value(json_object_get(actor, "role"));
	if (id_validate(x.id) != 0)
		return local_error(WN_EINVAL, "field 'id': the rights request, 32 hex digits");
	static const char *const decisions[] = { "done", "granted", "executed", "refused", NULL };
	int known = 0;
	for (size_t i = 0; x.decision != NULL && decisions[i] != NULL; i++)
		known |= strcmp(decisions[i], x.decision) == 0;
	if (!known)
		return local_error(WN_EINVAL, "decision: done (granted and carried out), granted "
				   "(carried out later), executed (a granted one carried out) or "
				   "refused");
	/* a refusal is motivated (G-P 8) */
	if (strcmp(x.decision, "refused") == 0 && !schema_text_given(x.motivation, 10))
		return local_error(WN_EMOTIVATION, schema_text_given(x.motivation, 1)
			? "a refusal is motivated: the --motivation given is too short (a reason "
			  "of at least 10 characters)"
			: "a refusal is motivated: give --motivation");
	rc = db_writer_run(n->writer, rights_decide_run, &x);
	OPENSSL_cleanse(x.index, sizeof(x.index));
	json_decref(x.categories);
	free(x.text);
	if (rc != 0) {
		json_decref(x.recipients);
		return local_error(rc, err[0] ? err : NULL);
	}
	outbox_kick(n);
	log_emit(WN_LOG_INFO, "rights_request_decided",
		 json_pack("{s:s,s:s,s:s,s:i}", "id", x.id, "kind", x.kind, "decision", x.decision,
			   "recipients", (int)json_array_size(x.recipients)));
	json_t *result = json_pack("{s:b,s:{s:s,s:s,s:s,s:I}}", "ok", 1, "result", "id", x.id,
				   "kind", x.kind, "decision", x.decision, "deleted",
				   (json_int_t)x.deleted);
	if (result != NULL && x.recipients != NULL)
		json_object_set(json_object_get(result, "result"), "recipients", x.recipients);
	json_decref(x.recipients);
	return result;
}

/* ---- at the municipality: the partners' decisions come back ---------- */

static const struct schema_field decision_fields[] = {
	{ "request", SCHEMA_STRING, 1, 32 },
	{ "partner", SCHEMA_STRING, 1, 63 },
	{ "kind", SCHEMA_STRING, 1, 16 },
	{ "decision", SCHEMA_STRING, 1, 16 },
	{ "motivation", SCHEMA_STRING, 0, 4000 },
	{ "decided_at", SCHEMA_INT, 1, INT64_MAX },
	{ "executed_at", SCHEMA_INT, 0, INT64_MAX },
	{ "deleted", SCHEMA_INT, 0, 1000000 },
	{ "recipients", SCHEMA_ARRAY, 0, 256 },
	{ NULL, 0, 0, 0 },
};

/* One recipient a partner informed, or is to inform, of what it carried out. */
static const struct schema_field recipient_fields[] = {
	{ "partner", SCHEMA_STRING, 1, 63 },
	{ "third_party", SCHEMA_BOOL, 1, 0 },
	{ "informed", SCHEMA_STRING, 1, 16 },
	{ NULL, 0, 0, 0 },
};

struct decision_in {
	struct node *n;
	const json_t *b;
	const char *partner;
	const char *status; /* out: recorded, repeated, stale, unknown */
	char *err;
	size_t errcap;
};

/* A decision only moves forward: registered to granted, executed or
 * refused; granted to executed. A repeat (a lost acknowledgement) or an
 * older decision arriving late changes nothing. */
static const char *rights_decision_step(const char *from, const char *to)
{
	/* a partner whose answer was lost or late (unavailable, invalid, error)
	 * or came without the person checked registered it all the same when its
	 * decision comes: the decision stands, with its motivation */
	if (strcmp(from, to) == 0)
		return "repeated";
	if (strcmp(from, "registered") == 0 || rights_status_unanswered(from))
		return "recorded";
	if (strcmp(from, "granted") == 0 && strcmp(to, "executed") == 0)
		return "recorded";
	return "stale";
}

static int rights_decision_run(db *d, void *arg)
{
	struct decision_in *x = arg;
	const json_t *b = x->b;
	const char *req = json_string_value(json_object_get(b, "request"));
	const char *decision = json_string_value(json_object_get(b, "decision"));
	sqlite3_stmt *st = NULL;
	char now_status[24] = "";
	int rc = db_prepare(d, "SELECT status FROM client_rights_partners WHERE request_id = ? AND"
			       " partner = ?", &st);
	if (rc != 0)
		return rc;
	sqlite3_bind_text(st, 1, req, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, x->partner, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		snprintf(now_status, sizeof(now_status), "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	/* not asked here (a request from before 0.4, or one not recorded):
	 * acknowledged, so the partner does not try for ever, and logged */
	x->status = now_status[0] ? rights_decision_step(now_status, decision) : "unknown";
	if (strcmp(x->status, "recorded") != 0)
		return 0;
	rc = db_prepare(d, "UPDATE client_rights_partners SET status = ?, decided_at = ?,"
			       " motivation = coalesce(?, motivation), executed_at = ?, deleted = ?,"
			       " updated_at = ?, recipients = coalesce(?, recipients) WHERE"
			       " request_id = ? AND partner = ?", &st);
	if (rc != 0)
		return rc;
	sqlite3_bind_text(st, 1, decision, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, json_integer_value(json_object_get(b, "decided_at")));
	if (json_object_get(b, "motivation") != NULL)
		sqlite3_bind_text(st, 3, json_string_value(json_object_get(b, "motivation")), -1,
				  SQLITE_STATIC);
	if (json_object_get(b, "executed_at") != NULL)
		sqlite3_bind_int64(st, 4, json_integer_value(json_object_get(b, "executed_at")));
	sqlite3_bind_int64(st, 5, json_integer_value(json_object_get(b, "deleted")));
	sqlite3_bind_int64(st, 6, time_now_ms());
	char *told = json_array_size(json_object_get(b, "recipients")) > 0
			     ? json_dumps(json_object_get(b, "recipients"), JSON_COMPACT) : NULL;
	if (told != NULL)
		sqlite3_bind_text(st, 7, told, -1, SQLITE_TRANSIENT);
	free(told);
	sqlite3_bind_text(st, 8, req, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 9, x->partner, -1, SQLITE_STATIC);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : WN_EDB;
	sqlite3_finalize(st);
	if (rc != 0)
		return rc;
	int64_t lidx = 0;
	json_t *e = json_pack("{s:s,s:s,s:s}", "rights_request", req, "partner", x->partner,
			      "decision", decision);
	rc = e ? ledger_append_locked(x->n->ledger, "rights.partner_decision", req, e, &lidx)
	       : WN_ENOMEM;
	json_decref(e);
	return rc;
}

/* The recipients a decision names: partner ids, each informed by a notice
 * or to be informed (a third party), as the client may be told them. */
static int rights_decision_check_recipients(const json_t *list, char *err, size_t errcap)
{
	char detail[200];
	size_t i;
	json_t *x;
	json_array_foreach(list, i, x) {
		const char *how = json_string_value(json_object_get(x, "informed"));
		if (schema_check(x, recipient_fields, detail, sizeof(detail)) != 0) {
			snprintf(err, errcap, "decision: recipient %zu: %s", i, detail);
			return WN_ESCHEMA;
		}
		if (schema_valid_partner_id(json_string_value(json_object_get(x, "partner"))) != 0 ||
		    (strcmp(how, "notice") != 0 && strcmp(how, "to_inform") != 0)) {
			snprintf(err, errcap, "decision: recipient %zu: a partner id, informed by a "
				 "notice or to_inform", i);
			return WN_ESCHEMA;
		}
	}
	return 0;
}

/* Checks a decision as the municipality must answer for it: a refusal is
 * motivated (G-P 8.2), and the sender decides for itself only. */
static int rights_decision_check(const json_t *b, const char *sender, char *err, size_t errcap)
{
	char detail[200];
	static const char *const ok[] = { "granted", "executed", "refused", NULL };
	int rc = schema_check(b, decision_fields, detail, sizeof(detail));
	if (rc != 0) {
		snprintf(err, errcap, "decision: %s", detail);
		return rc;
	}
	const char *decision = json_string_value(json_object_get(b, "decision"));
	const char *m = json_string_value(json_object_get(b, "motivation"));
	int known = 0;
	for (size_t i = 0; ok[i] != NULL; i++)
		known |= strcmp(ok[i], decision) == 0;
	if (!known || id_validate(json_string_value(json_object_get(b, "request"))) != 0) {
		snprintf(err, errcap, "decision: granted, executed or refused on a request id");
		return WN_ESCHEMA;
	}
	if (strcmp(json_string_value(json_object_get(b, "partner")), sender) != 0) {
		snprintf(err, errcap, "a decision by '%s' sent by '%s'",
			 json_string_value(json_object_get(b, "partner")), sender);
		return WN_EPROTO;
	}
	if (strcmp(decision, "refused") == 0 && !schema_text_given(m, 10)) {
		snprintf(err, errcap, "a refusal without its motivation is not an answer the "
			 "municipality can give the client (G-P 8.2)");
		return WN_EMOTIVATION;
	}
	return rights_decision_check_recipients(json_object_get(b, "recipients"), err, errcap);
}

int rights_decision_receive(struct node *n, const json_t *env, const struct dir_peer *sender,
			    json_t **reply, char *err, size_t errcap)
{
	json_t *b = NULL;
	if (envelope_open(env, n->ident->id, n->keys.seal_sk, &b) != 0) {
		snprintf(err, errcap, "the body sealed to '%s' is absent or cannot be opened",
			 n->ident->id);
		return WN_ESEAL;
	}
	struct decision_in x = { n, b, sender->id, NULL, err, errcap };
	int rc = rights_decision_check(b, sender->id, err, errcap);
	if (rc == 0)
		rc = db_writer_run(n->writer, rights_decision_run, &x);
	if (rc == 0 && strcmp(x.status, "recorded") != 0)
		log_emit(strcmp(x.status, "unknown") == 0 ? WN_LOG_WARN : WN_LOG_INFO,
			 "rights_decision_not_recorded",
			 json_pack("{s:s,s:s,s:s}", "request",
				   json_string_value(json_object_get(b, "request")), "partner",
				   sender->id, "why", x.status));
	if (rc == 0)
		rc = reply_ack(n, env, sender, x.status, reply);
	if (rc == 0)
		log_emit(WN_LOG_INFO, "rights_decision_received",
			 json_pack("{s:s,s:s,s:s}", "request",
				   json_string_value(json_object_get(b, "request")), "partner",
				   sender->id, "decision",
				   json_string_value(json_object_get(b, "decision"))));
	json_decref(b);
	return rc;
}

/* A partner's status that ends its part: it holds nothing, refused, carried
 * it out, or granted it (then being carried out). */
static int rights_status_final(const char *status)
{
	static const char *const final[] = { "not_known", "refused", "executed", "granted", NULL };
	for (size_t i = 0; final[i] != NULL; i++)
		if (strcmp(status, final[i]) == 0)
			return 1;
	return 0;
}

/* One request at the municipality with each partner's state: "answered"
 * when every partner that registered it decided (G-P 8.2). */
static json_t *rights_status_one(struct node *n, const char *id, const char *today)
{
	sqlite3_stmt *st = NULL;
	json_t *r = NULL, *parts = json_array();
	int open = 0, refused = 0, executing = 0;
	int rc = db_prepare(n->db, "SELECT id, created_at, deadline, kind, categories, text, case_id"
				   " FROM client_rights WHERE id = ?", &st);
	if (rc == 0) {
		sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW) {
			r = json_pack("{s:s,s:I,s:s,s:s}", "id", sqlite3_column_text(st, 0),
				      "created_at", (json_int_t)sqlite3_column_int64(st, 1),
				      "deadline", sqlite3_column_text(st, 2), "kind",
				      sqlite3_column_text(st, 3));
			static const char *const opt[] = { "categories", "text", "case" };
			for (int i = 0; r != NULL && i < 3; i++) {
				const char *v = (const char *)sqlite3_column_text(st, 4 + i);
				if (v == NULL)
					continue;
				/* the categories are stored as a JSON array, and given as one */
				json_t *arr = i == 0 ? json_loads(v, 0, NULL) : NULL;
				json_object_set_new(r, opt[i], json_is_array(arr) ? arr
								: json_string(v));
				if (arr != NULL && !json_is_array(arr))
					json_decref(arr);
			}
		}
	}
	sqlite3_finalize(st);
	if (r == NULL) {
		json_decref(parts);
		return NULL;
	}
	if (db_prepare(n->db, "SELECT partner, status, deadline, decided_at, motivation,"
			      " executed_at, deleted, recipients FROM client_rights_partners WHERE"
			      " request_id = ? ORDER BY partner", &st) == 0) {
		sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
		while (sqlite3_step(st) == SQLITE_ROW) {
			const char *status = (const char *)sqlite3_column_text(st, 1);
			json_t *p = json_pack("{s:s,s:s}", "partner", sqlite3_column_text(st, 0),
					      "status", status);
			static const char *const f[] = { "deadline", "decided_at", "motivation",
							 "executed_at", "deleted" };
			for (int i = 0; p != NULL && i < 5; i++) {
				int col = 2 + i;
				if (sqlite3_column_type(st, col) == SQLITE_NULL)
					continue;
				json_object_set_new(p, f[i], sqlite3_column_type(st, col) ==
							     SQLITE_INTEGER
							     ? json_integer(sqlite3_column_int64(st, col))
							     : json_string((const char *)
								   sqlite3_column_text(st, col)));
			}
			/* whom it informed of what it carried out (AVG 19) */
			json_t *told = sqlite3_column_type(st, 7) == SQLITE_TEXT
					       ? json_loads((const char *)sqlite3_column_text(st, 7),
							    0, NULL) : NULL;
			/* and which of them said they carried it out */
			if (json_is_array(told))
				rectify_report_attach(n->db, id, (const char *)
						      sqlite3_column_text(st, 0), told);
			if (p != NULL && json_is_array(told))
				json_object_set(p, "recipients", told);
			json_decref(told);
			/* not answered, not checked, still to decide: open */
			open += !rights_status_final(status);
			refused += strcmp(status, "refused") == 0;
			executing += strcmp(status, "granted") == 0;
			json_array_append_new(parts, p);
		}
	}
	sqlite3_finalize(st);
	const char *deadline = json_string_value(json_object_get(r, "deadline"));
	json_object_set_new(r, "partners", parts);
	json_object_set_new(r, "state", json_string(open ? "open" : executing ? "being_executed"
									       : "answered"));
	json_object_set_new(r, "refusals", json_integer(refused));
	json_object_set_new(r, "overdue", json_boolean(open && strcmp(deadline, today) < 0));
	return r;
}

/* Each recipient's name as the directory has it, for the letter. */
static void rights_status_names_of(struct directory *d, json_t *recipients)
{
	size_t i;
	json_t *x;
	json_array_foreach(d != NULL ? recipients : NULL, i, x) {
		struct dir_peer *peer = directory_find(d, json_string_value(json_object_get(
								 x, "partner")));
		if (peer != NULL && peer->name != NULL)
			json_object_set_new(x, "name", json_string(peer->name));
	}
}

/* Each partner's name as the directory has it, for the letter. */
static void rights_status_names(struct node *n, json_t *out)
{
	struct directory *d = node_directory(n);
	json_t *reqs = json_object_get(out, "requests"), *one = json_array(), *r, *p;
	size_t i, j;
	if (reqs == NULL && out != NULL)
		json_array_append(one, out);
	struct dir_peer *self = d != NULL ? directory_find(d, n->ident->id) : NULL;
	json_array_foreach(reqs ? reqs : one, i, r) {
		/* the municipality that answers: this node */
		if (self != NULL && self->name != NULL)
			json_object_set_new(r, "municipality_name", json_string(self->name));
		json_array_foreach(json_object_get(r, "partners"), j, p) {
			struct dir_peer *peer = d ? directory_find(d, json_string_value(
							    json_object_get(p, "partner"))) : NULL;
			if (peer != NULL && peer->name != NULL)
				json_object_set_new(p, "name", json_string(peer->name));
			rights_status_names_of(d, json_object_get(p, "recipients"));
		}
	}
	json_decref(one);
	directory_release(d);
}

/* For the answer to one request: the person's birth date as this node's
 * consents and refusals give it, so that the letter about a child goes to
 * its parents (Heerlen Bijlage 8). None held, or a request kept without its
 * person, leaves the letter to the person. */
static int rights_status_birth_date(struct node *n, json_t *r)
{
	char birth[DATE_LEN + 1] = "";
	uint8_t index[STORE_INDEX_LEN];
	sqlite3_stmt *st = NULL;
	int found = 0;
	db_lock(n->db);
	int rc = db_prepare(n->db, "SELECT subject_index FROM client_rights WHERE id = ?", &st);
	if (rc == 0) {
		sqlite3_bind_text(st, 1, json_string_value(json_object_get(r, "id")), -1,
				  SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_bytes(st, 0) == STORE_INDEX_LEN) {
			memcpy(index, sqlite3_column_blob(st, 0), STORE_INDEX_LEN);
			found = 1;
		}
	}
	sqlite3_finalize(st);
	db_unlock(n->db);
	if (rc == 0 && found)
		rc = consent_birth_date(n, index, birth);
	if (rc == 0 && birth[0] != '\0')
		json_object_set_new(r, "birth_date", json_string(birth));
	OPENSSL_cleanse(index, sizeof(index));
	return rc;
}

struct rights_status_read {
	struct node *n;
	const char *id, *actor, *role;
	int birth_date; /* the person's birth date was in the answer */
};

/* Who read one request's state: it may carry the person's birth date, so
 * the entry says whether it did, not the date. */
static int rights_status_read_run(db *d, void *arg)
{
	struct rights_status_read *r = arg;
	int64_t lidx = 0;
	(void)d;
	json_t *e = json_pack("{s:s,s:s,s:s,s:b}", "rights_request", r->id, "by", r->actor,
			      "by_role", r->role, "birth_date", r->birth_date);
	int rc = e ? ledger_append_locked(r->n->ledger, "rights.status.read", r->id, e, &lidx)
		   : WN_ENOMEM;
	json_decref(e);
	return rc;
}

/* Logs the reading of one request's state (out) in the ledger before it is
 * shown: 0, or the error that keeps it from being shown. */
static int rights_status_log(struct node *n, const char *id, const json_t *actor,
			     const json_t *out)
{
	struct rights_status_read r = { n, id, json_string_value(json_object_get(actor, "id")),
					json_string_value(json_object_get(actor, "role")),
					json_object_get(out, "birth_date") != NULL };
	int rc = db_writer_run(n->writer, rights_status_read_run, &r);
	if (rc != 0)
		log_msg(WN_LOG_ERROR, "rights_status_read", "rights request %s: the reading cannot "
			"be logged: %s", id, wn_strerror(rc));
	else
		log_emit(WN_LOG_INFO, "rights_status_read",
			 json_pack("{s:s,s:s,s:s}", "id", id, "actor", r.actor, "role", r.role));
	return rc;
}

static json_t *rights_status(struct node *n, const json_t *rq)
{
	char today[DATE_LEN + 1], err[256] = "";
	const char *id = json_string_value(json_object_get(rq, "id"));
	const json_t *actor = json_object_get(rq, "actor");
	json_t *out = NULL;
	date_today_plus(0, today);
	if (id != NULL && id_validate(id) != 0)
		return local_error(WN_EINVAL, "field 'id': the rights request, 32 hex digits");
	/* one request may carry the person's birth date: its reader is logged */
	int rc = id != NULL ? local_check_actor(actor, err, sizeof(err)) : 0;
	if (rc != 0)
		return local_error(rc, err);
	db_lock(n->db);
	if (id != NULL) {
		out = rights_status_one(n, id, today);
	} else {
		sqlite3_stmt *st = NULL;
		json_t *list = json_array();
		if (db_prepare(n->db, "SELECT id FROM client_rights ORDER BY created_at DESC"
				      " LIMIT 500", &st) == 0)
			while (sqlite3_step(st) == SQLITE_ROW)
				json_array_append_new(list, rights_status_one(
					n, (const char *)sqlite3_column_text(st, 0), today));
		sqlite3_finalize(st);
		out = json_pack("{s:o}", "requests", list);
	}
	db_unlock(n->db);
	rights_status_names(n, out);
	if (out == NULL)
		return local_error(WN_ENOTFOUND, "there is no such rights request at this node (the "
				   "municipality keeps the requests it sent)");
	rc = id != NULL ? rights_status_birth_date(n, out) : 0;
	if (rc != 0) {
		log_msg(WN_LOG_ERROR, "rights_birth_date", "rights request %s: the consents held "
			"for its person cannot be read: %s", id, wn_strerror(rc));
		json_decref(out);
		return local_error(rc, NULL);
	}
	if (id != NULL && (rc = rights_status_log(n, id, actor, out)) != 0) {
		/* read, but its logging not committed: not shown */
		json_decref(out);
		return local_error(rc, "the reading cannot be logged; the request is not shown");
	}
	return json_pack("{s:b,s:o}", "ok", 1, "result", out);
}

/* The request checked against its operation's own fields: 0, or the error
 * in err naming the operation and the field. */
static int rights_rq_check(const char *op, const json_t *rq, char *err, size_t errcap)
{
	const struct rights_op_fields *o = rights_ops;
	char detail[200];
	while (o->op != NULL && strcmp(o->op, op) != 0)
		o++;
	if (o->op == NULL) {
		snprintf(err, errcap, "unknown operation '%.48s'", op);
		return WN_EPROTO;
	}
	int rc = schema_check(rq, o->fields, detail, sizeof(detail));
	if (rc != 0)
		snprintf(err, errcap, "%s: %s", op, detail);
	return rc;
}

json_t *local_rights(struct node *n, const char *op, json_t *rq)
{
	char err[256];
	int rc = rights_rq_check(op, rq, err, sizeof(err));
	if (rc != 0)
		return local_error(rc, err);
	if (strcmp(op, "rights.request") == 0)
		return rights_send(n, rq);
	if (strcmp(op, "rights.again") == 0)
		return rights_ask_again(n, rq);
	if (strcmp(op, "rights.list") == 0)
		return rights_list(n);
	if (strcmp(op, "rights.show") == 0)
		return rights_show(n, rq);
	if (strcmp(op, "rights.decide") == 0)
		return rights_decide(n, rq);
	if (strcmp(op, "rights.status") == 0)
		return rights_status(n, rq);
	if (strcmp(op, "rights.notices") == 0)
		return rectify_list(n, rq);
	if (strcmp(op, "rights.notice.done") == 0)
		return rectify_done(n, rq);
	snprintf(err, sizeof(err), "unknown operation '%.48s'", op);
	return local_error(WN_EPROTO, err);
}
