/*
 * outbox.c — the outbox as an operator sees it: what waits to be delivered
 * through the broker and what was given up, and putting a given-up item
 * back in the queue (a receiver that refused it may take it now, as a
 * source upgraded since). Never what an item says: it is sealed at rest and
 * may name a person.
 */
#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

#include "wijknet.h"
#include "context.h"
#include "directory.h"
#include "disclog.h"
#include "ids.h"
#include "local.h"
#include "log.h"
#include "notice.h"
#include "rectify.h"
#include "schema.h"

#define OUTBOX_LIST_MAX 1000

static const struct schema_field outbox_rq_fields[] = {
	{ "op", SCHEMA_STRING, 1, 32 },
	{ "id", SCHEMA_STRING, 0, 32 },
	{ "failed", SCHEMA_BOOL, 0, 0 },
	{ "actor", SCHEMA_OBJECT, 0, 0 },
	{ NULL, 0, 0, 0 },
};

/* Whom an item without a named recipient goes to: the broker for a
 * consent revocation, else the municipality it would be sent to now, else
 * the directory's first (NULL: none now). */
static const char *outbox_default_recipient(struct node *n, struct directory *d,
					    const char *type)
{
	if (strcmp(type, "consent.revoke") == 0)
		return n->broker_id;
	const struct dir_peer *m = directory_municipality(d);
	if (m != NULL)
		return m->id;
	for (size_t i = 0; d != NULL && i < d->count; i++)
		if (d->peers[i].municipality)
			return d->peers[i].id;
	return NULL;
}

/* One row of the list: id, kind, recipient, when queued, attempts, and the
 * next try or when it was given up and why. */
static json_t *outbox_row(struct node *n, struct directory *d, sqlite3_stmt *st)
{
	const char *type = (const char *)sqlite3_column_text(st, 1);
	const char *to = sqlite3_column_type(st, 2) == SQLITE_TEXT
				 ? (const char *)sqlite3_column_text(st, 2)
				 : outbox_default_recipient(n, d, type);
	int given_up = sqlite3_column_type(st, 6) != SQLITE_NULL;
	json_t *e = json_pack("{s:s,s:s,s:s?,s:I,s:i,s:s}", "id", sqlite3_column_text(st, 0),
			      "kind", type, "recipient", to, "queued_at",
			      (json_int_t)sqlite3_column_int64(st, 3), "attempts",
			      sqlite3_column_int(st, 4), "state", given_up ? "given_up" : "waiting");
	if (e == NULL)
		return NULL;
	if (given_up)
		json_object_set_new(e, "failed_at", json_integer(sqlite3_column_int64(st, 6)));
	else
		json_object_set_new(e, "next_at", json_integer(sqlite3_column_int64(st, 5)));
	if (sqlite3_column_type(st, 7) == SQLITE_TEXT)
		json_object_set_new(e, "last_error",
				    json_string((const char *)sqlite3_column_text(st, 7)));
	return e;
}

/* What is not delivered yet, oldest first; failed != 0: the given-up only. */
static json_t *outbox_list(struct node *n, int failed)
{
	sqlite3_stmt *st = NULL;
	json_t *list = json_array();
	long waiting = 0, given_up = 0;
	struct directory *d = node_directory(n);
	db_lock(n->db);
	int rc = db_prepare(n->db, "SELECT id, type, recipient, created_at, attempts, next_at,"
				   " failed_at, last_error FROM outbox WHERE sent_at IS NULL AND"
				   " (?1 = 0 OR failed_at IS NOT NULL) ORDER BY created_at LIMIT ?2",
			    &st);
	if (rc == 0) {
		sqlite3_bind_int(st, 1, failed);
		sqlite3_bind_int(st, 2, OUTBOX_LIST_MAX);
		while (sqlite3_step(st) == SQLITE_ROW)
			json_array_append_new(list, outbox_row(n, d, st));
	}
	sqlite3_finalize(st);
	st = NULL;
	/* the totals of the whole outbox, also past what one listing shows */
	if (rc == 0 && (rc = db_prepare(n->db, "SELECT COALESCE(SUM(failed_at IS NULL), 0),"
					       " COALESCE(SUM(failed_at IS NOT NULL), 0) FROM outbox"
					       " WHERE sent_at IS NULL", &st)) == 0 &&
	    sqlite3_step(st) == SQLITE_ROW) {
		waiting = failed ? 0 : (long)sqlite3_column_int64(st, 0);
		given_up = (long)sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	db_unlock(n->db);
	directory_release(d);
	if (rc != 0) {
		json_decref(list);
		return local_error(rc, NULL);
	}
	return json_pack("{s:b,s:{s:o,s:I,s:I}}", "ok", 1, "result", "items", list, "waiting",
			 (json_int_t)waiting, "given_up", (json_int_t)given_up);
}

struct outbox_retry {
	struct node *n;
	const char *id;           /* one item, or NULL: every given-up one */
	const char *actor, *role;
	json_t *retried;          /* the ids put back */
	char *err;
	size_t errcap;
};

/* Refuses an item named that is not given up: unknown, delivered, or
 * still tried by itself. */
static int outbox_retry_check(db *d, struct outbox_retry *r)
{
	sqlite3_stmt *st = NULL;
	int rc = db_prepare(d, "SELECT sent_at IS NOT NULL, failed_at IS NOT NULL, attempts FROM"
			       " outbox WHERE id = ?", &st);
	if (rc != 0)
		return rc;
	sqlite3_bind_text(st, 1, r->id, -1, SQLITE_STATIC);
	int step = sqlite3_step(st);
	if (step == SQLITE_DONE) {
		snprintf(r->err, r->errcap, "there is no outbox item %s", r->id);
		rc = WN_ENOTFOUND;
	} else if (step != SQLITE_ROW) {
		rc = WN_EDB;
	} else if (sqlite3_column_int(st, 0)) {
		snprintf(r->err, r->errcap, "outbox item %s was delivered; there is nothing to retry",
			 r->id);
		rc = WN_ESTATE;
	} else if (!sqlite3_column_int(st, 1)) {
		snprintf(r->err, r->errcap, "outbox item %s is not given up: it is tried again by "
			 "itself (%d attempt(s) so far)", r->id, sqlite3_column_int(st, 2));
		rc = WN_ESTATE;
	}
	sqlite3_finalize(st);
	return rc;
}

/* The ledger entry of one item put back: which, and by whom. */
static int outbox_retry_log(struct outbox_retry *r, const char *id, const char *type,
			    const char *error)
{
	int64_t lidx = 0;
	json_t *e = json_pack("{s:s,s:s,s:s?,s:s,s:s}", "item", id, "kind", type, "last_error",
			      error, "by", r->actor, "by_role", r->role);
	int rc = e ? ledger_append_locked(r->n->ledger, "outbox.retry", id, e, &lidx) : WN_ENOMEM;
	json_decref(e);
	if (rc == 0 && json_array_append_new(r->retried, json_string(id)) != 0)
		rc = WN_ENOMEM;
	return rc;
}

/* Inside the writer: the item (or every given-up one) back in the queue,
 * due now with its backoff from the start, each in the ledger. */
static int outbox_retry_run(db *d, void *arg)
{
	struct outbox_retry *r = arg;
	sqlite3_stmt *st = NULL;
	int rc = r->id != NULL ? outbox_retry_check(d, r) : 0;
	if (rc != 0)
		return rc;
	json_array_clear(r->retried);
	if ((rc = db_prepare(d, "SELECT id, type, last_error FROM outbox WHERE sent_at IS NULL AND"
			       " failed_at IS NOT NULL AND (?1 IS NULL OR id = ?1)", &st)) != 0)
		return rc;
	if (r->id != NULL)
		sqlite3_bind_text(st, 1, r->id, -1, SQLITE_STATIC);
	int step;
	while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(st, 0);
		const char *type = (const char *)sqlite3_column_text(st, 1);
		rc = outbox_retry_log(r, id, type, (const char *)sqlite3_column_text(st, 2));
		/* a rights request's notice is on its way again, no longer failed */
		if (rc == 0 && strcmp(type, "rights.notice") == 0)
			rc = rectify_delivery_locked(d, id, "queued");
	}
	if (rc == 0 && step != SQLITE_DONE)
		rc = WN_EDB;
	sqlite3_finalize(st);
	if (rc != 0 || (rc = db_prepare(d, "UPDATE outbox SET failed_at = NULL, attempts = 0,"
					  " next_at = ?1 WHERE sent_at IS NULL AND failed_at IS NOT"
					  " NULL AND (?2 IS NULL OR id = ?2)", &st)) != 0)
		return rc;
	sqlite3_bind_int64(st, 1, time_now_ms());
	if (r->id != NULL)
		sqlite3_bind_text(st, 2, r->id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : WN_EDB;
	sqlite3_finalize(st);
	return rc;
}

/* outbox.retry: {id} or {failed: true}, exactly one. */
static json_t *outbox_retry(struct node *n, const json_t *rq)
{
	char err[256] = "";
	const json_t *actor = json_object_get(rq, "actor");
	struct outbox_retry r = { n, json_string_value(json_object_get(rq, "id")),
				  json_string_value(json_object_get(actor, "id")),
				  json_string_value(json_object_get(actor, "role")), json_array(),
				  err, sizeof(err) };
	int all = json_is_true(json_object_get(rq, "failed")), rc = 0;
	json_t *reply = NULL;
	if ((r.id == NULL) == !all)
		reply = local_error(WN_EINVAL, "name one item (field 'id') or every given-up one "
				    "(field 'failed'), not both");
	else if (r.id != NULL && id_validate(r.id) != 0)
		reply = local_error(WN_EINVAL, "field 'id': the outbox item, 32 hex digits");
	else if (r.retried == NULL)
		reply = local_error(WN_ENOMEM, NULL);
	else if ((rc = db_writer_run(n->writer, outbox_retry_run, &r)) != 0)
		reply = local_error(rc, err[0] ? err : NULL);
	if (reply != NULL) {
		json_decref(r.retried);
		return reply;
	}
	size_t count = json_array_size(r.retried);
	if (count > 0)
		outbox_kick(n);
	log_emit(WN_LOG_INFO, "outbox_retried",
		 json_pack("{s:O,s:s,s:s}", "items", r.retried, "actor", r.actor, "role", r.role));
	return json_pack("{s:b,s:{s:o,s:I}}", "ok", 1, "result", "retried", r.retried, "count",
			 (json_int_t)count);
}

json_t *local_outbox(struct node *n, const char *op, json_t *rq)
{
	char err[256];
	int rc = schema_check(rq, outbox_rq_fields, err, sizeof(err));
	if (rc == 0)
		rc = local_check_actor(json_object_get(rq, "actor"), err, sizeof(err));
	if (rc != 0)
		return local_error(rc, err);
	if (strcmp(op, "outbox.list") == 0)
		return outbox_list(n, json_is_true(json_object_get(rq, "failed")));
	if (strcmp(op, "outbox.retry") == 0)
		return outbox_retry(n, rq);
	snprintf(err, sizeof(err), "unknown operation '%.48s'", op);
	return local_error(WN_EPROTO, err);
}
