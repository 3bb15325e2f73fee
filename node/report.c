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
#include "store.h"

#define REPORT_DEADLINE_MS 5000
#define REPORT_MAX_ROWS 500 /* per list and partner: one answer stays one envelope */

static const struct schema_field report_rq_fields[] = {
	{ "op", SCHEMA_STRING, 1, 32 },
	{ "bsn", SCHEMA_STRING, 1, 16 },
	{ "partners", SCHEMA_ARRAY, 0, 64 },
	{ "actor", SCHEMA_OBJECT, 1, 0 },
	{ "deadline_ms", SCHEMA_INT, 0, 60000 },
	{ "own", SCHEMA_BOOL, 0, 0 },
	{ NULL, 0, 0, 0 },
};

static const struct schema_field report_sealed_fields[] = {
	{ "bsn", SCHEMA_STRING, 1, 16 },
	{ NULL, 0, 0, 0 },
};

/* Rows of a query about one person as JSON objects (column → value). */
static int rows_json(db *d, const char *sql, const uint8_t index[STORE_INDEX_LEN],
		     const char *hex, json_t *out)
{
	sqlite3_stmt *st = NULL;
	int rc = db_prepare(d, sql, &st);
	if (rc != 0)
		return rc;
	if (hex != NULL)
		sqlite3_bind_text(st, 1, hex, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_blob(st, 1, index, STORE_INDEX_LEN, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 2, REPORT_MAX_ROWS);
	while (sqlite3_step(st) == SQLITE_ROW) {
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
				if (strcmp(k, "categories") == 0) /* stored as JSON text */
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
	return 0;
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
};

static int report_collect_run(db *d, void *arg)
{
	struct report_collect *c = arg;
	char hex[2 * STORE_INDEX_LEN + 1];
	hex_encode(c->index, STORE_INDEX_LEN, hex);
	json_t *records = json_array(), *disclosures = json_array(), *rights = json_array();
	json_t *removals = json_array();
	int rc = rows_json(d, "SELECT category, 'own' AS origin, created_at, updated_at,"
			      " retention_until, shielded FROM records WHERE subject_index = ?1 ORDER BY category LIMIT ?2",
			   c->index, NULL, records);
	if (rc == 0)
		rc = rows_json(d, "SELECT request_id, ts AS at, type AS kind, requester,"
				  " actor_role AS role, purpose, ground, categories, outcome, reason,"
				  " case_id AS 'case' FROM disclosures WHERE subject_index = ?1"
				  " AND type != 'report' ORDER BY ts LIMIT ?2",
			       c->index, NULL, disclosures);
	if (rc == 0)
		rc = rows_json(d, "SELECT id AS request_id, kind, requester, received_at, deadline,"
				  " status, decided_at FROM rights_requests WHERE subject_index = ?1"
				  " ORDER BY received_at LIMIT ?2",
			       c->index, NULL, rights);
	if (rc == 0)
		rc = rows_json(d, "SELECT ts AS at, type AS kind, json_extract(entry, '$.category')"
				  " AS category, json_extract(entry, '$.reason') AS reason FROM ledger"
				  " WHERE type IN ('purge', 'deletion') AND"
				  " json_extract(entry, '$.subject_index') = ?1 ORDER BY idx LIMIT ?2",
			       NULL, hex, removals);
	int known = json_array_size(records) > 0 || json_array_size(disclosures) > 0 ||
		    json_array_size(rights) > 0 || json_array_size(removals) > 0;
	c->body = json_pack("{s:b,s:o,s:o,s:o,s:o}", "known", known, "records", records,
			    "disclosures", disclosures, "rights", rights, "removals", removals);
	if (rc == 0 && c->body == NULL)
		rc = WN_ENOMEM;
	if (rc == 0) {
		struct disclosure e = {
			.ledger = c->n->ledger,
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
	if ((rc = store_subject_index(&n->keys, bsn, index)) != 0)
		goto out;
	/* what is reported and that it was reported: one transaction */
	if ((rc = db_writer_run(n->writer, report_collect_run, &c)) != 0) {
		snprintf(err, errcap, rc == WN_EREPLAY ? "this request was answered before"
						       : "the report cannot be logged; no answer");
		goto out;
	}
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
	const char *b = json_string_value(json_object_get(sealed, "bsn"));
	if (b != NULL)
		OPENSSL_cleanse((char *)(uintptr_t)b, strlen(b));
	json_decref(sealed);
	json_decref(c.body);
	json_decref(a);
	return rc;
}

/* The broker's metadata of the requests named: who asked whom, when. */
static json_t *report_metadata(struct node *n, json_t *ids, const json_t *actor)
{
	json_t *env = NULL, *reply = NULL, *meta = NULL;
	char err[256];
	if (json_array_size(ids) == 0 || envelope_new1(&env, "report.metadata", n->ident->id,
						       n->broker_id) != 0)
		return NULL;
	json_object_set_new(env, "body", json_pack("{s:O}", "ids", ids));
	json_object_set(env, "actor", (json_t *)actor);
	if (node_call_broker(n, env, n->call_timeout_ms, &reply, err, sizeof(err)) == 0)
		meta = json_incref(json_object_get(envelope_body(reply), "requests"));
	else
		log_msg(WN_LOG_WARN, "report_metadata", "%s", err);
	json_decref(env);
	json_decref(reply);
	return meta;
}

/* Adds one organisation's part to the report. */
static void report_add(json_t *report, json_t *ids, const char *partner, const char *name,
		       json_t *body)
{
	json_t *x;
	size_t i;
	json_array_append_new(json_object_get(report, "organisations"),
			      json_pack("{s:s,s:s,s:O,s:O,s:O,s:O}", "partner", partner, "name",
					name, "known", json_object_get(body, "known"), "records",
					json_object_get(body, "records"), "rights",
					json_object_get(body, "rights"), "removals",
					json_object_get(body, "removals")));
	json_array_foreach(json_object_get(body, "disclosures"), i, x) {
		json_t *e = json_deep_copy(x);
		json_object_set_new(e, "source", json_string(partner));
		json_object_set_new(e, "source_name", json_string(name));
		json_array_append_new(json_object_get(report, "disclosures"), e);
		const char *rid = json_string_value(json_object_get(x, "request_id"));
		if (rid != NULL && json_array_size(ids) < 1000)
			json_array_append_new(ids, json_string(rid));
	}
}

json_t *local_report(struct node *n, json_t *rq)
{
	char err[512] = "", qid[ID_HEX_LEN + 1];
	uint8_t index[STORE_INDEX_LEN];
	json_t *scope = NULL, *answers = NULL, *sealed = NULL, *result = NULL;
	json_t *ids = json_array(), *report = NULL;
	struct directory *d = NULL;
	int rc = schema_check(rq, report_rq_fields, err, sizeof(err));
	if (rc == 0)
		rc = local_check_actor(json_object_get(rq, "actor"), err, sizeof(err));
	if (rc != 0) {
		json_decref(ids);
		return local_error(rc, err);
	}
	const char *bsn = json_string_value(json_object_get(rq, "bsn"));
	json_t *actor = json_object_get(rq, "actor");
	if (bsn_validate(bsn) != 0) {
		json_decref(ids);
		return local_error(WN_EBSN, "the BSN is not valid: nine digits passing the 11-proef");
	}
	if ((d = node_directory(n)) == NULL) {
		json_decref(ids);
		return local_error(WN_ESTATE, "no verified directory yet: is the broker reachable?");
	}
	/* only this partner's part (Heerlen 9.3), or the whole report, which
	 * only the municipality asks for (9.1) */
	int own_only = json_is_true(json_object_get(rq, "own"));
	if (own_only && json_object_get(rq, "partners") != NULL) {
		snprintf(err, sizeof(err), "'own' and 'partners' exclude each other");
		rc = WN_EINVAL;
		goto fail;
	}
	if (own_only)
		scope = json_array();
	else if ((rc = fanout_scope(n, &d, json_object_get(rq, "partners"), &scope, err,
				    sizeof(err))) != 0)
		goto fail;
	report = json_pack("{s:{s:s},s:I,s:[],s:[],s:[]}", "subject", "bsn", bsn, "generated_at",
			   (json_int_t)time_now_ms(), "organisations", "disclosures", "missing");
	if ((rc = store_subject_index(&n->keys, bsn, index)) != 0)
		goto fail;
	sealed = json_pack("{s:s}", "bsn", bsn);
	int deadline = (int)json_integer_value(json_object_get(rq, "deadline_ms"));
	/* the report is itself logged before it is asked for (fanout_query) */
	struct fanout_query q = { "report.access", "report.answer", scope, sealed, actor, "inzage",
				  deadline > 0 ? deadline : REPORT_DEADLINE_MS, "report", index };
	if (own_only) {
		id_generate(qid);
		answers = json_object();
	} else if ((rc = fanout_query(n, d, &q, qid, &answers, err, sizeof(err))) != 0) {
		goto fail;
	}
	/* this node's own part, logged under the report's id */
	struct report_collect own = { n, index, NULL, qid, n->ident->id, actor, 0 };
	if ((rc = db_writer_run(n->writer, report_collect_run, &own)) != 0) {
		snprintf(err, sizeof(err), "this partner's own part cannot be read or logged");
		goto fail;
	}
	struct dir_peer *self = directory_find(d, n->ident->id);
	report_add(report, ids, n->ident->id, self ? self->name : n->ident->id, own.body);
	json_decref(own.body);
	size_t i;
	json_t *x;
	json_array_foreach(scope, i, x) {
		const char *id = json_string_value(x);
		struct dir_peer *p = directory_find(d, id);
		json_t *a = json_object_get(answers, id);
		const char *outcome = json_string_value(json_object_get(a, "outcome"));
		if (outcome != NULL && strcmp(outcome, "answered") == 0) {
			report_add(report, ids, id, p ? p->name : id, json_object_get(a, "body"));
		} else {
			json_array_append_new(json_object_get(report, "missing"),
					      json_pack("{s:s,s:s,s:s}", "partner", id, "name",
							p ? p->name : id, "reason",
							outcome ? outcome : "unavailable"));
		}
	}
	json_object_set_new(report, "request_id", json_string(qid));
	json_object_set_new(report, "scope", json_string(own_only ? "own" : "federation"));
	/* organisations' names, for those that asked but hold nothing */
	json_t *names = json_object();
	for (size_t k = 0; k < d->count; k++)
		json_object_set_new(names, d->peers[k].id, json_string(d->peers[k].name));
	json_object_set_new(report, "names", names);
	/* merged by request id: what the broker logged of each request */
	json_t *meta = report_metadata(n, ids, actor);
	json_array_foreach(json_object_get(report, "disclosures"), i, x) {
		json_t *m = json_object_get(meta, json_string_value(json_object_get(x, "request_id")));
		if (m != NULL)
			json_object_set(x, "broker", m);
	}
	if (meta == NULL && json_array_size(ids) > 0)
		json_array_append_new(json_object_get(report, "missing"),
				      json_pack("{s:s,s:s,s:s}", "partner", n->broker_id, "name",
						"broker", "reason", "unavailable"));
	json_decref(meta);
	json_object_set_new(report, "complete",
			    json_boolean(json_array_size(json_object_get(report, "missing")) == 0));
	log_emit(WN_LOG_INFO, "access_report",
		 json_pack("{s:s,s:b,s:i}", "id", qid, "complete",
			   json_is_true(json_object_get(report, "complete")), "organisations",
			   (int)json_array_size(json_object_get(report, "organisations"))));
	result = json_pack("{s:b,s:o}", "ok", 1, "result", report);
	report = NULL;
	goto out;
fail:
	result = local_error(rc, err);
out:
	OPENSSL_cleanse(index, sizeof(index));
	if (sealed != NULL) {
		const char *b = json_string_value(json_object_get(sealed, "bsn"));
		if (b != NULL)
			OPENSSL_cleanse((char *)(uintptr_t)b, strlen(b));
	}
	json_decref(sealed);
	json_decref(report);
	json_decref(scope);
	json_decref(answers);
	json_decref(ids);
	directory_release(d);
	return result;
}
