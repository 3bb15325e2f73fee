/*
 * rectify.c — a rights request carried out, passed on to those the data
 * went to (rectify.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "wijknet.h"
#include "bsn.h"
#include "context.h"
#include "disclog.h"
#include "envelope.h"
#include "ids.h"
#include "local.h"
#include "log.h"
#include "notice.h"
#include "rectify.h"
#include "reply.h"
#include "rights.h"
#include "schema.h"
#include "secret.h"

#define RECTIFY_NOTICE "rights.notice"
#define RECTIFY_CATEGORIES_MAX 64

static const char *const passed_on[] = { "correction", "completion", "deletion", "shielding",
					  NULL };

int rectify_kind_passed_on(const char *kind)
{
	for (size_t i = 0; kind != NULL && passed_on[i] != NULL; i++)
		if (strcmp(passed_on[i], kind) == 0)
			return 1;
	return 0;
}

/* 1 for a kind whose notice says what is to be changed: the request's text. */
static int rectify_kind_changes(const char *kind)
{
	return strcmp(kind, "correction") == 0 || strcmp(kind, "completion") == 0;
}

/* Appends v to the array a unless a holds it, or holds max already: 1 when
 * a holds v after, 0 when it was left out. */
static int array_add_unique(json_t *a, const char *v, size_t max)
{
	size_t i;
	json_t *x;
	json_array_foreach(a, i, x)
		if (strcmp(json_string_value(x), v) == 0)
			return 1;
	if (json_array_size(a) >= max)
		return 0;
	json_array_append_new(a, json_string(v));
	return 1;
}

static int array_has(const json_t *a, const char *v)
{
	size_t i;
	json_t *x;
	json_array_foreach(a, i, x)
		if (v != NULL && json_is_string(x) && strcmp(json_string_value(x), v) == 0)
			return 1;
	return 0;
}

/* 1 when the array has holds every string of want (NULL: every category,
 * which no list of what was received is taken to cover). */
static int array_covers(const json_t *has, const json_t *want)
{
	size_t i;
	json_t *x;
	if (json_array_size(want) == 0)
		return 0;
	json_array_foreach(want, i, x)
		if (!array_has(has, json_string_value(x)))
			return 0;
	return 1;
}

/* ---- at the partner that carried the request out --------------------- */

/* Each recipient of the person's data in the categories covered, from this
 * node's disclosure log: by[recipient] = {third_party, requests, categories},
 * the newest requests first. */
static int rectify_collect(db *d, struct node *n, const struct rectify_source *s, json_t *by)
{
	sqlite3_stmt *st = NULL;
	char *cats = s->categories != NULL ? json_dumps(s->categories, JSON_COMPACT) : NULL;
	int rc = db_prepare(d, "SELECT d.requester, d.approval IS NOT NULL, d.request_id, c.value"
			       " FROM disclosures d, json_each(d.categories) c WHERE"
			       " d.subject_index = ?1 AND d.type = 'request' AND"
			       " d.outcome = 'disclosed' AND d.requester != ?2 AND (?3 IS NULL OR"
			       " c.value IN (SELECT value FROM json_each(?3)))"
			       " ORDER BY d.requester, d.seq DESC", &st);
	if (rc != 0)
		goto out;
	sqlite3_bind_blob(st, 1, s->index, STORE_INDEX_LEN, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, n->ident->id, -1, SQLITE_STATIC);
	if (cats != NULL)
		sqlite3_bind_text(st, 3, cats, -1, SQLITE_STATIC);
	int step;
	while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
		const char *to = (const char *)sqlite3_column_text(st, 0);
		json_t *r = json_object_get(by, to);
		if (r == NULL && (r = json_pack("{s:b,s:[],s:[]}", "third_party", 0, "requests",
						"categories")) != NULL)
			json_object_set_new(by, to, r);
		if (r == NULL) {
			rc = WN_ENOMEM;
			break;
		}
		/* disclosed on a third-party approval: the party has no node to reach */
		if (sqlite3_column_int(st, 1))
			json_object_set_new(r, "third_party", json_true());
		/* a category only from a request the notice names: the recipient
		 * checks each against the requests named */
		if (array_add_unique(json_object_get(r, "requests"),
				     (const char *)sqlite3_column_text(st, 2), RECTIFY_REQUESTS_MAX))
			array_add_unique(json_object_get(r, "categories"),
					 (const char *)sqlite3_column_text(st, 3),
					 RECTIFY_CATEGORIES_MAX);
	}
	if (rc == 0 && step != SQLITE_DONE)
		rc = WN_EDB;
out:
	sqlite3_finalize(st);
	free(cats);
	return rc;
}

/* The notice to one partner, queued: what was carried out, the categories
 * it disclosed of them, the requests it disclosed in, and the person. */
static int rectify_queue(db *d, struct node *n, const struct rectify_source *s, const char *id,
			 const char *to, const json_t *r)
{
	json_t *body = json_pack("{s:s,s:s,s:s,s:s,s:O,s:O,s:s,s:I}", "id", id, "request",
				 s->request_id, "partner", n->ident->id, "kind", s->kind,
				 "categories", json_object_get(r, "categories"), "requests",
				 json_object_get(r, "requests"), "bsn", s->bsn, "executed_at",
				 (json_int_t)s->executed_at);
	/* what is to be changed as the client's request says it, never more, and
	 * only to a recipient that received all it covers (need-to-know): the
	 * text may say what another category holds; the others ask this partner.
	 * A deletion or a shielding names the categories only. */
	if (body != NULL && s->text != NULL && rectify_kind_changes(s->kind)) {
		if (array_covers(json_object_get(r, "categories"), s->categories))
			json_object_set_new(body, "text", json_string(s->text));
		else
			json_object_set_new(body, "ask_partner", json_true());
	}
	int rc = body != NULL ? outbox_put_locked(d, n, RECTIFY_NOTICE, id, to, body) : WN_ENOMEM;
	secret_wipe_member(body, "bsn");
	json_decref(body);
	return rc;
}

static int rectify_record(db *d, const struct rectify_source *s, const char *id, const char *to,
			  const json_t *r, int third, const char *informed)
{
	sqlite3_stmt *st = NULL;
	char *cats = json_dumps(json_object_get(r, "categories"), JSON_COMPACT);
	char *reqs = json_dumps(json_object_get(r, "requests"), JSON_COMPACT);
	int rc = cats != NULL && reqs != NULL ? 0 : WN_ENOMEM;
	if (rc == 0)
		rc = db_prepare(d, "INSERT INTO rights_recipients(id, request_id, recipient,"
				   " third_party, categories, requests, informed, created_at, delivery)"
				   " VALUES (?,?,?,?,?,?,?,?,CASE ?7 WHEN 'notice' THEN 'queued' END)",
				&st);
	if (rc == 0) {
		sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, s->request_id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, to, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 4, third);
		sqlite3_bind_text(st, 5, cats, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 6, reqs, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 7, informed, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 8, time_now_ms());
		rc = sqlite3_step(st) == SQLITE_DONE ? 0 : WN_EDB;
	}
	sqlite3_finalize(st);
	free(cats);
	free(reqs);
	return rc;
}

int rectify_forward_locked(db *d, struct node *n, const struct rectify_source *s,
			   json_t **recipients)
{
	json_t *by = json_object(), *list = json_array(), *r;
	const char *to;
	int rc = by != NULL && list != NULL ? rectify_collect(d, n, s, by) : WN_ENOMEM;
	*recipients = NULL;
	json_object_foreach(by, to, r) {
		char id[ID_HEX_LEN + 1];
		int third = json_is_true(json_object_get(r, "third_party"));
		/* a third party has no node to reach, nor a partner without the person named */
		const char *informed = third || s->bsn == NULL ? "to_inform" : "notice";
		if (rc != 0)
			break;
		if ((rc = id_generate(id)) == 0 && strcmp(informed, "notice") == 0)
			rc = rectify_queue(d, n, s, id, to, r);
		if (rc == 0)
			rc = rectify_record(d, s, id, to, r, third, informed);
		if (rc == 0)
			json_array_append_new(list, json_pack("{s:s,s:b,s:s}", "partner", to,
							      "third_party", third, "informed",
							      informed));
	}
	json_decref(by);
	if (rc == 0)
		*recipients = list;
	else
		json_decref(list);
	return rc;
}

json_t *rectify_recipients_of(db *d, const char *id)
{
	sqlite3_stmt *st = NULL;
	json_t *list = NULL;
	if (db_prepare(d, "SELECT recipient, third_party, informed, categories, delivery,"
			  " delivery_at, carried_out_at FROM rights_recipients WHERE request_id = ?"
			  " ORDER BY recipient", &st) != 0)
		return NULL;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW) {
		json_t *cats = json_loads((const char *)sqlite3_column_text(st, 3), 0, NULL);
		json_t *e = json_pack("{s:s,s:b,s:s,s:o?}", "partner", sqlite3_column_text(st, 0),
				      "third_party", sqlite3_column_int(st, 1), "informed",
				      sqlite3_column_text(st, 2), "categories", cats);
		/* how far the notice got: queued, delivered, or failed (given up) */
		if (e != NULL && sqlite3_column_type(st, 4) == SQLITE_TEXT)
			json_object_set_new(e, "delivery", json_string((const char *)
					    sqlite3_column_text(st, 4)));
		if (e != NULL && sqlite3_column_type(st, 5) == SQLITE_INTEGER)
			json_object_set_new(e, "delivery_at", json_integer(sqlite3_column_int64(st,
												 5)));
		/* the recipient said it corrected or deleted its own copy: further than
		 * delivered, whatever the outbox since says of the notice */
		if (e != NULL && sqlite3_column_type(st, 6) == SQLITE_INTEGER) {
			json_object_set_new(e, "delivery", json_string("carried_out"));
			json_object_set_new(e, "carried_out_at",
					    json_integer(sqlite3_column_int64(st, 6)));
		}
		if (list == NULL)
			list = json_array();
		json_array_append_new(list, e);
	}
	sqlite3_finalize(st);
	return list;
}

int rectify_delivery_locked(db *d, const char *id, const char *delivery)
{
	sqlite3_stmt *st = NULL;
	int rc = db_prepare(d, "UPDATE rights_recipients SET delivery = ?1, delivery_at = CASE ?1"
			       " WHEN 'queued' THEN NULL ELSE ?2 END WHERE id = ?3 AND informed ="
			       " 'notice'", &st);
	if (rc != 0)
		return rc;
	sqlite3_bind_text(st, 1, delivery, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, time_now_ms());
	sqlite3_bind_text(st, 3, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : WN_EDB;
	sqlite3_finalize(st);
	return rc;
}

/* ---- at a recipient --------------------------------------------------- */

static const struct schema_field notice_fields[] = {
	{ "id", SCHEMA_STRING, 1, 32 },
	{ "request", SCHEMA_STRING, 1, 32 },
	{ "partner", SCHEMA_STRING, 1, 63 },
	{ "kind", SCHEMA_STRING, 1, 16 },
	{ "categories", SCHEMA_ARRAY, 1, RECTIFY_CATEGORIES_MAX },
	{ "requests", SCHEMA_ARRAY, 1, RECTIFY_REQUESTS_MAX },
	{ "text", SCHEMA_STRING, 0, 4000 },
	{ "ask_partner", SCHEMA_BOOL, 0, 0 },
	{ "bsn", SCHEMA_STRING, 1, 9 },
	{ "executed_at", SCHEMA_INT, 1, INT64_MAX },
	{ NULL, 0, 0, 0 },
};

/* What the notice says, before anything is looked up: the sender's own,
 * of a kind passed on, well-formed; the changes for a correction or
 * completion only. */
static int rectify_check(const json_t *b, const struct dir_peer *sender, char *err,
			 size_t errcap)
{
	char detail[200];
	size_t i;
	json_t *x;
	if (schema_check(b, notice_fields, detail, sizeof(detail)) != 0) {
		snprintf(err, errcap, "rights.notice: %s", detail);
		return WN_ESCHEMA;
	}
	const char *by = json_string_value(json_object_get(b, "partner"));
	const char *kind = json_string_value(json_object_get(b, "kind"));
	const char *text = json_string_value(json_object_get(b, "text"));
	int ask = json_is_true(json_object_get(b, "ask_partner"));
	if (strcmp(by, sender->id) != 0) {
		snprintf(err, errcap, "rights.notice: carried out by '%.63s', signed by '%s'", by,
			 sender->id);
		return WN_EFORGED;
	}
	int ok = id_validate(json_string_value(json_object_get(b, "id"))) == 0 &&
		 id_validate(json_string_value(json_object_get(b, "request"))) == 0 &&
		 rectify_kind_passed_on(kind) &&
		 json_array_size(json_object_get(b, "categories")) > 0 &&
		 json_array_size(json_object_get(b, "requests")) > 0;
	json_array_foreach(json_object_get(b, "requests"), i, x)
		ok &= id_validate(json_string_value(x)) == 0;
	if (!ok) {
		snprintf(err, errcap, "rights.notice: ids of 32 hex digits, a correction, "
			 "completion, deletion or shielding, and the categories and requests it "
			 "concerns are needed");
		return WN_ESCHEMA;
	}
	if (rights_categories_check(json_object_get(b, "categories"), err, errcap) != 0)
		return WN_ECATEGORY;
	/* the change, or that it is to be asked of the sender: one of the two */
	if (rectify_kind_changes(kind) ? (ask ? text != NULL : !schema_text_given(text, 10))
				       : (text != NULL || ask)) {
		snprintf(err, errcap, "rights.notice: a correction or completion says what is to "
			 "be changed, or that it is to be asked of the partner (ask_partner); a "
			 "deletion or shielding names the categories only");
		return WN_ESCHEMA;
	}
	if (bsn_validate(json_string_value(json_object_get(b, "bsn"))) != 0) {
		snprintf(err, errcap, "rights.notice: field 'bsn' is not a valid BSN");
		return WN_EBSN;
	}
	return 0;
}

struct rectify_in {
	struct node *n;
	const json_t *b;
	const struct dir_peer *sender;
	uint8_t index[STORE_INDEX_LEN];
	json_t *received;   /* the categories the requests that verify brought */
	json_t *requests;   /* the requests named that verify: those kept */
	json_t *categories; /* the categories named that those brought: those kept */
	char case_id[ID_HEX_LEN + 1];
	int stored;
	char *err;
	size_t errcap;
};

/* One request named, as this node's sent log has it: refused when this node
 * never sent it to the sender or sent it about another person; *ok 1 when
 * the sender disclosed in it, its categories then added to x->received. A
 * request the log no longer shows as disclosed, *ok 0, is left out: it timed
 * out here while the sender answered, or retention emptied the row. */
static int rectify_check_request(db *d, struct rectify_in *x, const char *rid, int *ok)
{
	sqlite3_stmt *st = NULL;
	char path[80];
	*ok = 0;
	snprintf(path, sizeof(path), "$.\"%s\"", x->sender->id);
	int rc = db_prepare(d, "SELECT subject_index, CASE WHEN json_valid(outcomes) THEN"
			       " json_extract(outcomes, ?2) END, received, case_id FROM sent_log"
			       " WHERE request_id = ?1 AND type = 'request' AND json_valid(partners)"
			       " AND EXISTS (SELECT 1 FROM json_each(partners) WHERE value = ?3)", &st);
	if (rc != 0)
		return rc;
	sqlite3_bind_text(st, 1, rid, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, path, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, x->sender->id, -1, SQLITE_STATIC);
	int s = sqlite3_step(st);
	const char *outcome = s == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 1) : NULL;
	int emptied = s == SQLITE_ROW && sqlite3_column_type(st, 0) == SQLITE_NULL;
	if (s != SQLITE_ROW && s != SQLITE_DONE) {
		rc = WN_EDB;
	} else if (s == SQLITE_DONE) {
		snprintf(x->err, x->errcap, "rights.notice: this node never sent '%s' request %s",
			 x->sender->id, rid);
		rc = WN_EDENIED;
	} else if (!emptied && (sqlite3_column_bytes(st, 0) != STORE_INDEX_LEN ||
				CRYPTO_memcmp(sqlite3_column_blob(st, 0), x->index,
					      STORE_INDEX_LEN) != 0)) {
		snprintf(x->err, x->errcap, "rights.notice: the person named is not the one this "
			 "node asked '%s' about in request %s", x->sender->id, rid);
		rc = WN_EDENIED;
	} else if (!emptied && outcome != NULL && strcmp(outcome, "disclosed") == 0) {
		json_t *got = json_loads(sqlite3_column_type(st, 2) == SQLITE_TEXT
						 ? (const char *)sqlite3_column_text(st, 2) : "[]",
					 0, NULL), *c;
		size_t i;
		json_array_foreach(got, i, c)
			if (json_is_string(c))
				array_add_unique(x->received, json_string_value(c), SIZE_MAX);
		json_decref(got);
		if (!x->case_id[0] && sqlite3_column_type(st, 3) == SQLITE_TEXT)
			snprintf(x->case_id, sizeof(x->case_id), "%s",
				 (const char *)sqlite3_column_text(st, 3));
		*ok = 1;
	}
	sqlite3_finalize(st);
	return rc;
}

/* What a notice is kept as and compared by: ?1-?8 and ?12 of both the
 * insert and the check for the same notice again. */
static void rectify_bind_notice(sqlite3_stmt *st, const struct rectify_in *x, const char *cats,
				const char *reqs, const char *text, int ask)
{
	const json_t *b = x->b;
	sqlite3_bind_text(st, 1, json_string_value(json_object_get(b, "id")), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, x->sender->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, json_string_value(json_object_get(b, "request")), -1,
			  SQLITE_STATIC);
	sqlite3_bind_text(st, 4, json_string_value(json_object_get(b, "kind")), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, cats, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, reqs, -1, SQLITE_STATIC);
	if (text != NULL)
		sqlite3_bind_text(st, 7, text, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 8, x->index, STORE_INDEX_LEN, SQLITE_STATIC);
	sqlite3_bind_int(st, 12, ask);
}

/* Kept once: the same notice again is acknowledged; another under its id
 * is refused. */
static int rectify_store(db *d, struct rectify_in *x, const char *cats, const char *reqs)
{
	const json_t *b = x->b;
	const char *text = json_string_value(json_object_get(b, "text"));
	sqlite3_stmt *st = NULL;
	int ask = json_is_true(json_object_get(b, "ask_partner"));
	/* kept for fewer categories than named: the change may be about data
	 * this node's log says it never received, so it is asked of the partner */
	if (text != NULL &&
	    json_array_size(x->categories) < json_array_size(json_object_get(b, "categories"))) {
		text = NULL;
		ask = 1;
	}
	int rc = db_prepare(d, "INSERT OR IGNORE INTO rights_notices(id, sender, request_id, kind,"
			       " categories, requests, text, subject_index, case_id, executed_at,"
			       " received_at, ask_partner) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", &st);
	if (rc != 0)
		return rc;
	rectify_bind_notice(st, x, cats, reqs, text, ask);
	if (x->case_id[0])
		sqlite3_bind_text(st, 9, x->case_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 10, json_integer_value(json_object_get(b, "executed_at")));
	sqlite3_bind_int64(st, 11, time_now_ms());
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : WN_EDB;
	sqlite3_finalize(st);
	x->stored = rc == 0 && sqlite3_changes(db_handle(d)) > 0;
	if (rc != 0 || x->stored)
		return rc;
	if ((rc = db_prepare(d, "SELECT 1 FROM rights_notices WHERE id = ?1 AND sender = ?2"
				" AND request_id = ?3 AND kind = ?4 AND categories = ?5 AND"
				" requests = ?6 AND text IS ?7 AND subject_index = ?8 AND"
				" ask_partner = ?12", &st)) != 0)
		return rc;
	rectify_bind_notice(st, x, cats, reqs, text, ask);
	int s = sqlite3_step(st);
	sqlite3_finalize(st);
	if (s == SQLITE_ROW)
		return 0;
	if (s != SQLITE_DONE)
		return WN_EDB;
	snprintf(x->err, x->errcap, "rights.notice: another notice of '%s' is kept here under "
		 "id %s", x->sender->id, json_string_value(json_object_get(b, "id")));
	return WN_EPROTO;
}

/* What of the notice verifies: the requests named that this node's log
 * shows as disclosed about the person, and the categories named that those
 * brought. Nothing verified is refused: a category more is not the
 * sender's to correct here. */
static int rectify_receive_keep(db *d, struct rectify_in *x)
{
	size_t i;
	json_t *r;
	int rc = 0, ok;
	json_array_foreach(json_object_get(x->b, "requests"), i, r) {
		if ((rc = rectify_check_request(d, x, json_string_value(r), &ok)) != 0)
			return rc;
		if (ok)
			array_add_unique(x->requests, json_string_value(r), SIZE_MAX);
	}
	json_array_foreach(json_object_get(x->b, "categories"), i, r)
		if (array_has(x->received, json_string_value(r)))
			array_add_unique(x->categories, json_string_value(r), SIZE_MAX);
	if (json_array_size(x->requests) == 0) {
		snprintf(x->err, x->errcap, "rights.notice: this node's log shows none of the "
			 "requests named as disclosed to it by '%s'", x->sender->id);
		return WN_EDENIED;
	}
	if (json_array_size(x->categories) == 0) {
		snprintf(x->err, x->errcap, "rights.notice: this node received none of the "
			 "categories named from '%s' in the requests named", x->sender->id);
		return WN_EDENIED;
	}
	return 0;
}

static int rectify_receive_run(db *d, void *arg)
{
	struct rectify_in *x = arg;
	x->case_id[0] = '\0';
	json_array_clear(x->received);
	json_array_clear(x->requests);
	json_array_clear(x->categories);
	int rc = rectify_receive_keep(d, x);
	if (rc != 0)
		return rc;
	char *cats = json_dumps(x->categories, JSON_COMPACT);
	char *reqs = json_dumps(x->requests, JSON_COMPACT);
	rc = cats != NULL && reqs != NULL ? rectify_store(d, x, cats, reqs) : WN_ENOMEM;
	free(cats);
	free(reqs);
	return rc;
}

int rectify_open_sealed(struct node *n, const json_t *env, const struct dir_peer *sender,
			json_t **body, char *err, size_t errcap)
{
	*body = NULL;
	err[0] = '\0';
	if (!sender->has_seal) {
		snprintf(err, errcap, "'%s' has no published sealing key to answer to", sender->id);
		return WN_ESTATE;
	}
	if (envelope_open(env, n->ident->id, n->keys.seal_sk, body) != 0) {
		snprintf(err, errcap, "the body sealed to '%s' is absent or cannot be opened",
			 n->ident->id);
		return WN_ESEAL;
	}
	return 0;
}

int rectify_receive(struct node *n, const json_t *env, const struct dir_peer *sender,
		    json_t **reply, char *err, size_t errcap)
{
	json_t *b = NULL;
	struct rectify_in x;
	memset(&x, 0, sizeof(x));
	int orc = rectify_open_sealed(n, env, sender, &b, err, errcap);
	if (orc != 0)
		return orc;
	x.n = n;
	x.b = b;
	x.sender = sender;
	x.err = err;
	x.errcap = errcap;
	int rc = rectify_check(b, sender, err, errcap);
	if (rc == 0)
		rc = store_subject_index(&n->keys, json_string_value(json_object_get(b, "bsn")),
					 x.index);
	if (rc == 0 && ((x.received = json_array()) == NULL ||
			(x.requests = json_array()) == NULL || (x.categories = json_array()) == NULL))
		rc = WN_ENOMEM;
	if (rc == 0 && (rc = db_writer_run(n->writer, rectify_receive_run, &x)) != 0 && !err[0])
		snprintf(err, errcap, "the notice cannot be kept; not acknowledged");
	if (rc == 0)
		rc = reply_ack(n, env, sender, x.stored ? "stored" : "kept", reply);
	if (rc == 0)
		log_emit(WN_LOG_INFO, "rights_notice_received",
			 json_pack("{s:s,s:s,s:s,s:b}", "request",
				   json_string_value(json_object_get(b, "request")), "from",
				   sender->id, "kind",
				   json_string_value(json_object_get(b, "kind")), "new", x.stored));
	/* kept for what verifies; the rest is the sender's log against ours */
	size_t named = json_array_size(json_object_get(b, "requests")) +
		       json_array_size(json_object_get(b, "categories"));
	if (rc == 0 && json_array_size(x.requests) + json_array_size(x.categories) < named)
		log_emit(WN_LOG_WARN, "rights_notice_in_part",
			 json_pack("{s:s,s:s,s:I,s:I,s:I,s:I}", "request",
				   json_string_value(json_object_get(b, "request")), "from",
				   sender->id, "requests_named",
				   (json_int_t)json_array_size(json_object_get(b, "requests")),
				   "requests_kept", (json_int_t)json_array_size(x.requests),
				   "categories_named",
				   (json_int_t)json_array_size(json_object_get(b, "categories")),
				   "categories_kept", (json_int_t)json_array_size(x.categories)));
	OPENSSL_cleanse(x.index, sizeof(x.index));
	json_decref(x.received);
	json_decref(x.requests);
	json_decref(x.categories);
	secret_wipe_member(b, "bsn");
	json_decref(b);
	return rc;
}

/* ---- the recipient's professionals ----------------------------------- */

static json_t *rectify_row(sqlite3_stmt *st)
{
	json_t *cats = json_loads((const char *)sqlite3_column_text(st, 4), 0, NULL);
	json_t *reqs = json_loads((const char *)sqlite3_column_text(st, 5), 0, NULL);
	json_t *e = json_pack("{s:s,s:s,s:s,s:s,s:o?,s:o?,s:I,s:I}", "id",
			      sqlite3_column_text(st, 0), "from", sqlite3_column_text(st, 1),
			      "request", sqlite3_column_text(st, 2), "kind",
			      sqlite3_column_text(st, 3), "categories", cats, "requests", reqs,
			      "executed_at", (json_int_t)sqlite3_column_int64(st, 8), "received_at",
			      (json_int_t)sqlite3_column_int64(st, 9));
	static const struct { int col; const char *key; } opt[] = { { 6, "text" }, { 7, "case" } };
	for (size_t i = 0; e != NULL && i < sizeof(opt) / sizeof(opt[0]); i++)
		if (sqlite3_column_type(st, opt[i].col) == SQLITE_TEXT)
			json_object_set_new(e, opt[i].key, json_string((const char *)
					    sqlite3_column_text(st, opt[i].col)));
	/* the change was not passed on here: the professional asks the sender */
	if (e != NULL && sqlite3_column_int(st, 10))
		json_object_set_new(e, "ask_partner", json_true());
	/* carried out here on this node's own copy, and by whom (rights.notice.done) */
	if (e != NULL && sqlite3_column_type(st, 11) == SQLITE_INTEGER) {
		json_object_set_new(e, "done_at", json_integer(sqlite3_column_int64(st, 11)));
		json_object_set_new(e, "done_by", json_string((const char *)
							      sqlite3_column_text(st, 12)));
		json_object_set_new(e, "done_by_role", json_string((const char *)
								   sqlite3_column_text(st, 13)));
		if (sqlite3_column_type(st, 14) == SQLITE_TEXT)
			json_object_set_new(e, "done_note", json_string((const char *)
									sqlite3_column_text(st, 14)));
	}
	return e;
}

struct rectify_read {
	struct node *n;
	const char *actor, *role;
	json_t *list;
};

/* Reads the notices and logs, in the same transaction, who read them: they
 * hold the changes asked and the cases they concern. */
static int rectify_list_run(db *d, void *arg)
{
	struct rectify_read *r = arg;
	sqlite3_stmt *st = NULL;
	int64_t lidx = 0;
	json_array_clear(r->list);
	/* names no person: the requests it came in are this node's own */
	int rc = db_prepare(d, "SELECT id, sender, request_id, kind, categories, requests, text,"
			       " case_id, executed_at, received_at, ask_partner, done_at, done_by,"
			       " done_by_role, done_note FROM rights_notices"
			       " ORDER BY received_at DESC LIMIT 1000", &st);
	int step = SQLITE_DONE;
	while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW)
		json_array_append_new(r->list, rectify_row(st));
	sqlite3_finalize(st);
	if (rc != 0 || step != SQLITE_DONE)
		return rc != 0 ? rc : WN_EDB;
	json_t *e = json_pack("{s:s,s:s,s:I}", "by", r->actor, "by_role", r->role, "notices",
			      (json_int_t)json_array_size(r->list));
	rc = e ? ledger_append_locked(r->n->ledger, "rights.notices.read", NULL, e, &lidx)
	       : WN_ENOMEM;
	json_decref(e);
	return rc;
}

json_t *rectify_list(struct node *n, const json_t *rq)
{
	char err[256] = "";
	const json_t *actor = json_object_get(rq, "actor");
	int rc = local_check_actor(actor, err, sizeof(err));
	if (rc != 0)
		return local_error(rc, err);
	struct rectify_read r = { n, json_string_value(json_object_get(actor, "id")),
				  json_string_value(json_object_get(actor, "role")), json_array() };
	if (r.list == NULL)
		return local_error(WN_ENOMEM, NULL);
	if ((rc = db_writer_run(n->writer, rectify_list_run, &r)) != 0) {
		/* read, but its logging not committed: not shown */
		json_decref(r.list);
		return local_error(rc, "the reading cannot be logged; the notices are not shown");
	}
	log_emit(WN_LOG_INFO, "rights_notices_read",
		 json_pack("{s:s,s:s,s:I}", "actor", r.actor, "role", r.role, "notices",
			   (json_int_t)json_array_size(r.list)));
	return json_pack("{s:b,s:{s:o}}", "ok", 1, "result", "notices", r.list);
}
