/*
 * report.c — the client's access report (r17; Heerlen art. 9, G-P 7.1–7.2).
 * The node the client turned to — the municipality's, which the covenants
 * make answerable — sends the person, sealed, to every partner; each answers
 * from its own logs what it holds (categories, dates, origin) and who asked
 * or received what about the person, when, for which purpose, on which
 * ground — roles only, never an employee's name or id (CJEU C-579/21). The
 * node adds its own part and the broker's metadata of the same requests.
 * A partner that does not answer is listed as missing: the report never
 * claims to be complete when it is not. Every answer is itself logged.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "wijknet.h"
#include "bsn.h"
#include "consent.h"
#include "context.h"
#include "disclog.h"
#include "encoding.h"
#include "envelope.h"
#include "fanout.h"
#include "ids.h"
#include "local.h"
#include "log.h"
#include "report.h"
#include "schema.h"
#include "secret.h"
#include "store.h"

#define REPORT_DEADLINE_MS 5000
#define REPORT_MAX_ROWS 500 /* per list and partner: one answer stays one envelope */
#define REPORT_MAX_PAGE 10000 /* pages of REPORT_MAX_ROWS: five million rows a list */

static const struct schema_field report_rq_fields[] = {
	{ "op", SCHEMA_STRING, 1, 32 },
	{ "bsn", SCHEMA_STRING, 1, 16 },
	{ "partners", SCHEMA_ARRAY, 0, 64 },
	{ "actor", SCHEMA_OBJECT, 1, 0 },
	{ "deadline_ms", SCHEMA_INT, 0, 60000 },
	{ "own", SCHEMA_BOOL, 0, 0 },
	{ "page", SCHEMA_INT, 0, REPORT_MAX_PAGE },
	{ NULL, 0, 0, 0 },
};

/* "page" only from 0.5.8: a first page is asked without it, as before */
static const struct schema_field report_sealed_fields[] = {
	{ "bsn", SCHEMA_STRING, 1, 16 },
	{ "page", SCHEMA_INT, 0, REPORT_MAX_PAGE },
	{ NULL, 0, 0, 0 },
};

/* The page a request asks for: absent is the first; 0 is none. */
static int report_page_of(const json_t *obj)
{
	const json_t *v = json_object_get(obj, "page");
	return v == NULL ? 1 : (int)json_integer_value(v);
}

/* Rows of a query about one person as JSON objects (column → value), the
 * page-th REPORT_MAX_ROWS of them; *more is set when rows follow that page. */
static int rows_json(db *d, const char *sql, const uint8_t index[STORE_INDEX_LEN],
		     const char *hex, int page, json_t *out, int *more)
{
	sqlite3_stmt *st = NULL;
	int rc = db_prepare(d, sql, &st);
	if (rc != 0)
		return rc;
	if (hex != NULL)
		sqlite3_bind_text(st, 1, hex, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_blob(st, 1, index, STORE_INDEX_LEN, SQLITE_TRANSIENT);
	/* one row past the page says whether another page follows */
	sqlite3_bind_int(st, 2, REPORT_MAX_ROWS + 1);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)(page - 1) * REPORT_MAX_ROWS);
	int step;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		if (json_array_size(out) == REPORT_MAX_ROWS) {
			*more = 1;
			continue;
		}
		json_t *o = json_object();
		for (int i = 0; i < sqlite3_column_count(st); i++) {
			const char *k = sqlite3_column_name(st, i);
			switch (sqlite3_column_type(st, i)) {
			case SQLITE_INTEGER:
				json_object_set_new(o, k, json_integer(sqlite3_column_int64(st, i)));
				break;
			case SQLITE_TEXT: {
				const char *t = (const char *)sqlite3_column_text(st, i);
				json_t *v = NULL;
				if (strcmp(k, "categories") == 0 || strcmp(k, "asked") == 0)
					/* stored as JSON text */
					v = json_loads(t, 0, NULL);
				json_object_set_new(o, k, v ? v : json_string(t));
				break;
			}
			default:
				break;
			}
		}
		json_array_append_new(out, o);
	}
	sqlite3_finalize(st);
	/* a part read only halfway is no part: the report says so rather than omit */
	return step == SQLITE_DONE ? 0 : WN_EDB;
}

struct report_collect {
	struct node *n;
	const uint8_t *index;
	json_t *body;
	/* the answer is itself a disclosure, logged with it */
	const char *request_id;
	const char *requester;
	const json_t *actor;
	int64_t broker_index;
	const json_t *query; /* the report query as the broker countersigned it, or NULL */
	int page;            /* 1: the first REPORT_MAX_ROWS of each list */
};

#define REPORT_LISTS 7

/* The lists of one page of a person's part; *more when any list goes on
 * past it. */
static int report_collect_lists(db *d, struct report_collect *c, json_t *lists[REPORT_LISTS],
				int *more)
{
	char hex[2 * STORE_INDEX_LEN + 1];
	hex_encode(c->index, STORE_INDEX_LEN, hex);
	/* a unique last sort key: a row falls on one page only */
	static const char *const sql[REPORT_LISTS] = {
		/* where each record came from: this partner, or another in a disclosure */
		"SELECT category, CASE WHEN origin_partner IS NULL THEN 'own' ELSE 'received' END"
		" AS origin, origin_partner AS received_from, origin_request AS received_in,"
		" origin_at AS received_at, created_at, updated_at, retention_until, shielded"
		" FROM records WHERE subject_index = ?1 ORDER BY category, id LIMIT ?2 OFFSET ?3",
		"SELECT id, kind, status, valid_from, valid_until, registered_at, revoked_at"
		" FROM consents WHERE subject_index = ?1 ORDER BY registered_at, id"
		" LIMIT ?2 OFFSET ?3",
		"SELECT kind, source, recipient, disclosed_at, due, status, sent_on, channel"
		" FROM notices WHERE subject_index = ?1 ORDER BY disclosed_at, id"
		" LIMIT ?2 OFFSET ?3",
		"SELECT request_id, ts AS at, type AS kind, requester, actor_role AS role, purpose,"
		" ground, categories, outcome, reason, case_id AS 'case', cluster, asked,"
		" broker_index, broker_ts, broker_leaf FROM disclosures WHERE subject_index = ?1"
		" AND type != 'report' ORDER BY ts, seq LIMIT ?2 OFFSET ?3",
		"SELECT id AS request_id, kind, requester, received_at, deadline, status,"
		" decided_at, decision_motivation AS motivation, executed_at FROM rights_requests"
		" WHERE subject_index = ?1 ORDER BY received_at, id LIMIT ?2 OFFSET ?3",
		"SELECT ts AS at, type AS kind, json_extract(entry, '$.category') AS category,"
		" json_extract(entry, '$.reason') AS reason FROM ledger WHERE type IN ('purge',"
		" 'deletion') AND json_extract(entry, '$.subject_index') = ?1 ORDER BY idx"
		" LIMIT ?2 OFFSET ?3",
		/* rights notices received (AVG art. 19): the change asked, the note
		 * and the professional's id stay here, as a record's content does */
		"SELECT sender AS 'from', request_id, kind, categories, executed_at, received_at,"
		" done_at, done_by_role FROM rights_notices WHERE subject_index = ?1"
		" ORDER BY received_at, sender, id LIMIT ?2 OFFSET ?3",
	};
	int rc = 0;
	for (int k = 0; rc == 0 && k < REPORT_LISTS; k++)
		rc = rows_json(d, sql[k], k == 5 ? NULL : c->index, k == 5 ? hex : NULL, c->page,
			       lists[k], more);
	return rc;
}

/* Whether this node holds or logged anything of the person at all: on a
 * later page the lists may be empty for one that does. */
static int report_known_at_all(db *d, const uint8_t *index, int *known)
{
	char hex[2 * STORE_INDEX_LEN + 1];
	sqlite3_stmt *st = NULL;
	hex_encode(index, STORE_INDEX_LEN, hex);
	int rc = db_prepare(d, "SELECT EXISTS (SELECT 1 FROM records WHERE subject_index = ?1)"
			       " OR EXISTS (SELECT 1 FROM consents WHERE subject_index = ?1)"
			       " OR EXISTS (SELECT 1 FROM notices WHERE subject_index = ?1)"
			       " OR EXISTS (SELECT 1 FROM disclosures WHERE subject_index = ?1"
			       " AND type != 'report')"
			       " OR EXISTS (SELECT 1 FROM rights_requests WHERE subject_index = ?1)"
			       " OR EXISTS (SELECT 1 FROM rights_notices WHERE subject_index = ?1)"
			       " OR EXISTS (SELECT 1 FROM ledger WHERE type IN ('purge', 'deletion')"
			       " AND json_extract(entry, '$.subject_index') = ?2)", &st);
	if (rc != 0)
		return rc;
	sqlite3_bind_blob(st, 1, index, STORE_INDEX_LEN, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, hex, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) == SQLITE_ROW)
		*known = sqlite3_column_int(st, 0) != 0;
	else
		rc = WN_EDB;
	sqlite3_finalize(st);
	return rc;
}

static int report_collect_run(db *d, void *arg)
{
	struct report_collect *c = arg;
	json_t *lists[REPORT_LISTS];
	int more = 0, known = 0, rc = 0;
	for (int k = 0; k < REPORT_LISTS; k++)
		lists[k] = json_array();
	rc = report_collect_lists(d, c, lists, &more);
	for (int k = 0; k < REPORT_LISTS; k++)
		known |= json_array_size(lists[k]) > 0;
	if (rc == 0 && !known && c->page > 1)
		rc = report_known_at_all(d, c->index, &known);
	c->body = json_pack("{s:b,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:i}", "known", known, "records",
			    lists[0], "consents", lists[1], "notices", lists[2], "disclosures",
			    lists[3], "rights", lists[4], "removals", lists[5], "rights_received",
			    lists[6], "page", c->page);
	if (c->body != NULL && more) /* the rest is on the next page */
		json_object_set_new(c->body, "truncated", json_true());
	if (rc == 0 && c->body == NULL)
		rc = WN_ENOMEM;
	if (rc == 0) {
		struct disclosure e = {
			.ledger = c->n->ledger,
			.query = c->query,
			.request_id = c->request_id,
			.type = "report",
			.requester = c->requester,
			.actor_id = json_string_value(json_object_get(c->actor, "id")),
			.actor_role = json_string_value(json_object_get(c->actor, "role")),
			.purpose = "inzage",
			.subject_index = c->index,
			.outcome = known ? "reported" : "not_known",
			.broker_index = c->broker_index,
		};
		rc = disclog_insert(d, &e);
	}
	return rc;
}

int report_answer(struct node *n, const json_t *query, const struct dir_peer *requester,
		  json_t **reply, char *err, size_t errcap)
{
	json_t *sealed = NULL, *a = NULL;
	char detail[200];
	uint8_t index[STORE_INDEX_LEN];
	int rc;
	struct report_collect c = {
		n, index, NULL, envelope_str(query, "id"), requester->id,
		json_object_get(query, "actor"),
		(int64_t)json_integer_value(json_object_get(json_object_get(query, "receipt"), "index")),
		query, 1,
	};
	if (json_object_get(query, "actor") == NULL) {
		snprintf(err, errcap, "an access report names the professional");
		return WN_ESCHEMA;
	}
	if (envelope_open(query, n->ident->id, n->keys.seal_sk, &sealed) != 0) {
		snprintf(err, errcap, "the body sealed to '%s' is absent or cannot be opened",
			 n->ident->id);
		return WN_ESEAL;
	}
	const char *bsn = json_string_value(json_object_get(sealed, "bsn"));
	if ((rc = schema_check(sealed, report_sealed_fields, detail, sizeof(detail))) != 0 ||
	    bsn_validate(bsn) != 0) {
		snprintf(err, errcap, "sealed body: a valid BSN is needed");
		rc = rc ? rc : WN_EBSN;
		goto out;
	}
	if ((c.page = report_page_of(sealed)) < 1) {
		snprintf(err, errcap, "sealed body: 'page' counts from 1");
		rc = WN_ESCHEMA;
		goto out;
	}
	if ((rc = store_subject_index(&n->keys, bsn, index)) != 0)
		goto out;
	/* what is reported and that it was reported: one transaction */
	if ((rc = db_writer_run(n->writer, report_collect_run, &c)) != 0) {
		snprintf(err, errcap, rc == WN_EREPLAY ? "this request was answered before"
						       : "the report cannot be logged; no answer");
		goto out;
	}
	consent_scope_into(n, json_object_get(c.body, "consents"));
	if ((rc = envelope_new1(&a, "report.answer", n->ident->id, requester->id)) != 0)
		goto out;
	envelope_set_str(a, "re", envelope_str(query, "id"));
	if ((rc = envelope_seal(a, requester->id, requester->seal_pk, c.body)) == 0 &&
	    (rc = envelope_sign(a, n->ident->key)) == 0) {
		*reply = a;
		a = NULL;
	}
	if (rc == WN_ETOOBIG)
		snprintf(err, errcap, "the report of this partner is too large for one answer");
out:
	OPENSSL_cleanse(index, sizeof(index));
	secret_wipe_member(sealed, "bsn");
	json_decref(sealed);
	json_decref(c.body);
	json_decref(a);
	return rc;
}

/* The broker's metadata of a request as the partner kept it from the
 * countersigned query — header and receipt — taken out of the row. */
static json_t *report_broker_part(json_t *row)
{
	json_t *b = json_object();
	static const char *const from_row[][2] = {
		{ "requester", "from" }, { "asked", "to" },	 { "purpose", "purpose" },
		{ "ground", "ground" },	 { "cluster", "cluster" }, { "case", "case" },
		{ "role", "role" },	 { "broker_ts", "ts" },	   { "broker_index", "index" },
		{ "broker_leaf", "leaf" },
	};
	for (size_t k = 0; k < sizeof(from_row) / sizeof(from_row[0]); k++) {
		json_t *v = json_object_get(row, from_row[k][0]);
		if (v != NULL && !json_is_null(v))
			json_object_set(b, from_row[k][1], v);
	}
	static const char *const moved[] = { "asked", "broker_ts", "broker_index", "broker_leaf",
					     "cluster" };
	for (size_t k = 0; k < sizeof(moved) / sizeof(moved[0]); k++)
		json_object_del(row, moved[k]);
	return b;
}

/* Adds one organisation's part to the report; 0, or WN_ESCHEMA when the
 * answer is not a report part (then nothing of it is added). */
static int report_add(json_t *report, const char *partner, const char *name, json_t *body)
{
	static const char *const lists[] = { "records", "disclosures", "rights", "removals" };
	json_t *x;
	size_t i;
	for (size_t k = 0; k < sizeof(lists) / sizeof(lists[0]); k++)
		if (!json_is_array(json_object_get(body, lists[k])))
			return WN_ESCHEMA;
	json_t *org = json_pack("{s:s,s:s,s:b,s:O,s:O,s:O}", "partner", partner, "name", name,
				"known", json_is_true(json_object_get(body, "known")), "records",
				json_object_get(body, "records"), "rights",
				json_object_get(body, "rights"), "removals",
				json_object_get(body, "removals"));
	if (org == NULL)
		return WN_ENOMEM;
	if (json_is_true(json_object_get(body, "truncated")))
		json_object_set_new(org, "truncated", json_true());
	/* consents and refusals held, notices sent (parts of 0.4 and later),
	 * rights notices received (parts after 0.5.18) */
	static const char *const more[] = { "consents", "notices", "rights_received" };
	for (size_t k = 0; k < sizeof(more) / sizeof(more[0]); k++)
		json_object_set(org, more[k], json_is_array(json_object_get(body, more[k]))
						      ? json_object_get(body, more[k])
						      : json_array());
	json_array_append_new(json_object_get(report, "organisations"), org);
	json_array_foreach(json_object_get(body, "disclosures"), i, x) {
		if (!json_is_object(x))
			continue;
		json_t *e = json_deep_copy(x);
		json_object_set_new(e, "source", json_string(partner));
		json_object_set_new(e, "source_name", json_string(name));
		/* merged by request id: the broker's metadata of the same request */
		json_object_set_new(e, "broker", report_broker_part(e));
		json_array_append_new(json_object_get(report, "disclosures"), e);
	}
	return 0;
}

/* The person's birth date as this node's consents and refusals give it:
 * the page about a child speaks to its parents (Heerlen Bijlage 8). None
 * held leaves the page to the person. */
static int report_birth_date(struct node *n, const uint8_t index[STORE_INDEX_LEN],
			     json_t *subject)
{
	char birth[DATE_LEN + 1];
	int rc = consent_birth_date(n, index, birth);
	if (rc == 0 && birth[0] != '\0')
		json_object_set_new(subject, "birth_date", json_string(birth));
	OPENSSL_cleanse(birth, sizeof(birth));
	return rc;
}

json_t *local_report(struct node *n, json_t *rq)
{
	char err[512] = "", qid[ID_HEX_LEN + 1];
	uint8_t index[STORE_INDEX_LEN];
	json_t *scope = NULL, *answers = NULL, *sealed = NULL, *result = NULL, *report = NULL;
	struct directory *d = NULL;
	int rc = schema_check(rq, report_rq_fields, err, sizeof(err));
	if (rc == 0)
		rc = local_check_actor(json_object_get(rq, "actor"), err, sizeof(err));
	if (rc != 0)
		return local_error(rc, err);
	const char *bsn = json_string_value(json_object_get(rq, "bsn"));
	json_t *actor = json_object_get(rq, "actor");
	if (bsn_validate(bsn) != 0)
		return local_error(WN_EBSN, "the BSN is not valid: nine digits passing the 11-proef");
	int page = report_page_of(rq);
	if (page < 1)
		return local_error(WN_EINVAL, "'page' counts from 1");
	if ((d = node_directory(n)) == NULL)
		return local_error(WN_ESTATE, "no verified directory yet: is the broker reachable?");
	/* only this partner's part (Heerlen 9.3), or the whole report, which
	 * only the municipality asks for (9.1) */
	int own_only = json_is_true(json_object_get(rq, "own"));
	const json_t *named = json_object_get(rq, "partners");
	if (own_only && named != NULL) {
		snprintf(err, sizeof(err), "'own' and 'partners' exclude each other");
		rc = WN_EINVAL;
		goto fail;
	}
	if (own_only)
		scope = json_array();
	else if ((rc = fanout_scope(n, &d, named, 0, &scope, err, sizeof(err))) != 0)
		goto fail;
	report = json_pack("{s:{s:s},s:I,s:[],s:[],s:[]}", "subject", "bsn", bsn, "generated_at",
			   (json_int_t)time_now_ms(), "organisations", "disclosures", "missing");
	if ((rc = store_subject_index(&n->keys, bsn, index)) != 0)
		goto fail;
	if ((rc = report_birth_date(n, index, json_object_get(report, "subject"))) != 0) {
		snprintf(err, sizeof(err), "the consents this partner holds for the person cannot "
			 "be read");
		goto fail;
	}
	sealed = json_pack("{s:s}", "bsn", bsn);
	if (page > 1) /* a first page is asked as before 0.5.8: older partners answer it */
		json_object_set_new(sealed, "page", json_integer(page));
	json_object_set_new(report, "page", json_integer(page));
	int deadline = (int)json_integer_value(json_object_get(rq, "deadline_ms"));
	/* the report is itself logged before it is asked for (fanout_query) */
	struct fanout_query q = { "report.access", "report.answer", scope, sealed, actor, "inzage",
				  deadline > 0 ? deadline : REPORT_DEADLINE_MS, "report", index, NULL, NULL };
	if (own_only) {
		id_generate(qid);
		answers = json_object();
	} else if ((rc = fanout_query(n, d, &q, qid, &answers, err, sizeof(err))) != 0) {
		goto fail;
	}
	/* this node's own part, logged under the report's id */
	struct report_collect own = { n, index, NULL, qid, n->ident->id, actor, 0, NULL, page };
	if ((rc = db_writer_run(n->writer, report_collect_run, &own)) != 0) {
		snprintf(err, sizeof(err), "this partner's own part cannot be read or logged");
		goto fail;
	}
	consent_scope_into(n, json_object_get(own.body, "consents"));
	struct dir_peer *self = directory_find(d, n->ident->id);
	rc = report_add(report, n->ident->id, self ? self->name : n->ident->id, own.body);
	json_decref(own.body);
	if (rc != 0)
		goto fail;
	size_t i;
	json_t *x, *missing = json_object_get(report, "missing");
	json_array_foreach(scope, i, x) {
		const char *id = json_string_value(x);
		struct dir_peer *p = directory_find(d, id);
		json_t *a = json_object_get(answers, id);
		const char *outcome = json_string_value(json_object_get(a, "outcome"));
		if (outcome != NULL && strcmp(outcome, "answered") == 0 &&
		    report_add(report, id, p ? p->name : id, json_object_get(a, "body")) != 0)
			outcome = "invalid"; /* an answer that is not a report part */
		if (outcome == NULL || strcmp(outcome, "answered") != 0)
			json_array_append_new(missing, json_pack("{s:s,s:s,s:s}", "partner", id, "name",
								 p ? p->name : id, "reason",
								 outcome ? outcome : "unavailable"));
	}
	/* covenant partners that could not be asked (suspended, revoked) may hold
	 * data too: a report of the federation names them */
	int whole = !own_only && named == NULL;
	for (size_t k = 0; whole && k < d->count; k++) {
		struct dir_peer *p = &d->peers[k];
		if (!p->usable && !p->incidental && strcmp(p->id, n->ident->id) != 0)
			json_array_append_new(missing, json_pack("{s:s,s:s,s:s}", "partner", p->id,
								 "name", p->name, "reason",
								 p->status ? p->status : "unusable"));
	}
	int truncated = 0;
	json_array_foreach(json_object_get(report, "organisations"), i, x)
		truncated |= json_is_true(json_object_get(x, "truncated"));
	if (truncated && page < REPORT_MAX_PAGE) /* the rest of the cut parts */
		json_object_set_new(report, "next_page", json_integer(page + 1));
	json_object_set_new(report, "request_id", json_string(qid));
	json_object_set_new(report, "scope", json_string(own_only ? "own" : named ? "partners"
									 : "federation"));
	/* organisations' names, for those that asked but hold nothing */
	json_t *names = json_object();
	for (size_t k = 0; k < d->count; k++)
		json_object_set_new(names, d->peers[k].id, json_string(d->peers[k].name));
	json_object_set_new(report, "names", names);
	/* complete when every part it is to hold is whole (on a later page, the
	 * rest of it): the federation's, every covenant partner's; an own report
	 * (Heerlen 9.3), this partner's; one of named partners never is */
	json_object_set_new(report, "complete",
			    json_boolean((whole || own_only) && json_array_size(missing) == 0 &&
					 !truncated));
	log_emit(WN_LOG_INFO, "access_report",
		 json_pack("{s:s,s:b,s:i}", "id", qid, "complete",
			   json_is_true(json_object_get(report, "complete")), "organisations",
			   (int)json_array_size(json_object_get(report, "organisations"))));
	result = json_pack("{s:b,s:o}", "ok", 1, "result", report);
	report = NULL;
	goto out;
fail:
	result = local_error(rc, err[0] ? err : NULL);
out:
	OPENSSL_cleanse(index, sizeof(index));
	secret_wipe_member(sealed, "bsn");
	json_decref(sealed);
	/* the subject's BSN and birth date too */
	secret_wipe_member(json_object_get(report, "subject"), "bsn");
	secret_wipe_member(json_object_get(report, "subject"), "birth_date");
	json_decref(report);
	json_decref(scope);
	json_decref(answers);
	directory_release(d);
	return result;
}
