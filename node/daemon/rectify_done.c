/*
 * rectify_done.c — a recipient of a rights notice records that it carried
 * it out on its own copy, and the partner that passed it on learns so
 * (AVG art. 19, G-P 8.3; rectify.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wijknet.h"
#include "context.h"
#include "date.h"
#include "disclog.h"
#include "envelope.h"
#include "ids.h"
#include "local.h"
#include "log.h"
#include "notice.h"
#include "rectify.h"
#include "reply.h"
#include "schema.h"

#define RECTIFY_DONE "rights.notice.done"
#define RECTIFY_SKEW_MS 300000 /* the clocks of two nodes may differ by this */

/* ---- at the recipient ------------------------------------------------- */

struct rectify_mark {
	struct node *n;
	const char *id, *from, *note, *actor, *role;
	char sender[64];
	char request[ID_HEX_LEN + 1];
	char item[ID_HEX_LEN + 1]; /* the outbox item that tells the sender */
	int64_t at;
	char *err;
	size_t errcap;
};

/* The notice id names: its sender and rights request. Refused when none is
 * held here, when two senders used the id and none is named, or when it was
 * carried out before. */
static int rectify_mark_find(db *d, struct rectify_mark *x)
{
	sqlite3_stmt *st = NULL;
	int64_t done = 0;
	char by[65] = "";
	int rc = db_prepare(d, "SELECT sender, request_id, done_at, coalesce(done_by, '') FROM"
			       " rights_notices WHERE id = ?1 AND (?2 IS NULL OR sender = ?2)"
			       " LIMIT 2", &st);
	if (rc != 0)
		return rc;
	sqlite3_bind_text(st, 1, x->id, -1, SQLITE_STATIC);
	if (x->from != NULL)
		sqlite3_bind_text(st, 2, x->from, -1, SQLITE_STATIC);
	int s = sqlite3_step(st), rows = 0;
	if (s == SQLITE_ROW) {
		rows = 1;
		snprintf(x->sender, sizeof(x->sender), "%s", (const char *)sqlite3_column_text(st, 0));
		snprintf(x->request, sizeof(x->request), "%s",
			 (const char *)sqlite3_column_text(st, 1));
		done = sqlite3_column_int64(st, 2);
		snprintf(by, sizeof(by), "%s", (const char *)sqlite3_column_text(st, 3));
		if ((s = sqlite3_step(st)) == SQLITE_ROW)
			rows = 2;
	}
	sqlite3_finalize(st);
	if (s != SQLITE_ROW && s != SQLITE_DONE)
		return WN_EDB;
	if (rows == 0) {
		snprintf(x->err, x->errcap, "no rights notice %s%s%s%s was received here", x->id,
			 x->from ? " from '" : "", x->from ? x->from : "", x->from ? "'" : "");
		return WN_ENOTFOUND;
	}
	if (rows == 2) {
		snprintf(x->err, x->errcap, "two partners sent a rights notice under id %s: name "
			 "its sender (from)", x->id);
		return WN_EINVAL;
	}
	if (done != 0) {
		char day[DATE_TIME_LEN + 1];
		date_time_of_ms(done, day);
		snprintf(x->err, x->errcap, "rights notice %s was recorded as carried out on %s by "
			 "%s", x->id, day, by);
		return WN_ESTATE;
	}
	return 0;
}

/* What the sender is told: which of its notices, carried out when, by this
 * node. Names no person and no professional: the ledger here holds who. */
static int rectify_mark_queue(db *d, struct rectify_mark *x)
{
	int rc = id_generate(x->item);
	json_t *body = rc == 0 ? json_pack("{s:s,s:s,s:s,s:s,s:I}", "id", x->item, "notice", x->id,
					   "partner", x->n->ident->id, "request", x->request,
					   "done_at", (json_int_t)x->at)
			       : NULL;
	if (rc == 0)
		rc = body != NULL ? outbox_put_locked(d, x->n, RECTIFY_DONE, x->item, x->sender, body)
				  : WN_ENOMEM;
	json_decref(body);
	return rc;
}

static int rectify_mark_run(db *d, void *arg)
{
	struct rectify_mark *x = arg;
	sqlite3_stmt *st = NULL;
	int64_t lidx = 0;
	int rc = rectify_mark_find(d, x);
	if (rc == 0)
		rc = db_prepare(d, "UPDATE rights_notices SET done_at = ?1, done_by = ?2,"
				   " done_by_role = ?3, done_note = ?4 WHERE sender = ?5 AND id = ?6"
				   " AND done_at IS NULL", &st);
	if (rc != 0)
		return rc;
	x->at = time_now_ms();
	sqlite3_bind_int64(st, 1, x->at);
	sqlite3_bind_text(st, 2, x->actor, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, x->role, -1, SQLITE_STATIC);
	if (x->note != NULL)
		sqlite3_bind_text(st, 4, x->note, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, x->sender, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, x->id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st) == SQLITE_DONE && sqlite3_changes(db_handle(d)) == 1 ? 0 : WN_EDB;
	sqlite3_finalize(st);
	if (rc == 0)
		rc = rectify_mark_queue(d, x);
	/* who and which notice; not the note, which may say what was changed */
	json_t *e = rc == 0 ? json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "notice", x->id, "from",
					x->sender, "request", x->request, "by", x->actor,
					"by_role", x->role, "told", x->item)
			    : NULL;
	if (rc == 0)
		rc = e ? ledger_append_locked(x->n->ledger, RECTIFY_DONE, x->id, e, &lidx)
		       : WN_ENOMEM;
	json_decref(e);
	return rc;
}

/* What the professional gave: the notice's id, the sender when named, a
 * note that says something. 0 or WN_EINVAL with err. */
static int rectify_mark_check(const struct rectify_mark *x, char *err, size_t errcap)
{
	if (x->id == NULL || id_validate(x->id) != 0) {
		snprintf(err, errcap, "field 'id': the rights notice, 32 hex digits");
		return WN_EINVAL;
	}
	if (x->from != NULL && !schema_text_given(x->from, 1)) {
		snprintf(err, errcap, "field 'from': the partner that sent the notice");
		return WN_EINVAL;
	}
	if (x->note != NULL && !schema_text_given(x->note, 1)) {
		snprintf(err, errcap, "field 'note': empty or blank; leave it out instead");
		return WN_EINVAL;
	}
	return 0;
}

json_t *rectify_done(struct node *n, const json_t *rq)
{
	char err[256] = "";
	const json_t *actor = json_object_get(rq, "actor");
	struct rectify_mark x = { .n = n, .id = json_string_value(json_object_get(rq, "id")),
				  .from = json_string_value(json_object_get(rq, "from")),
				  .note = json_string_value(json_object_get(rq, "note")),
				  .actor = json_string_value(json_object_get(actor, "id")),
				  .role = json_string_value(json_object_get(actor, "role")),
				  .err = err, .errcap = sizeof(err) };
	int rc = local_check_actor(actor, err, sizeof(err));
	if (rc == 0)
		rc = rectify_mark_check(&x, err, sizeof(err));
	if (rc == 0 && (rc = db_writer_run(n->writer, rectify_mark_run, &x)) != 0 && !err[0])
		snprintf(err, sizeof(err), "the notice cannot be recorded as carried out");
	if (rc != 0) {
		log_msg(WN_LOG_WARN, "rights_notice_done_refused", "%s (%s)", err, wn_errname(rc));
		return local_error(rc, err);
	}
	outbox_kick(n);
	log_emit(WN_LOG_INFO, "rights_notice_done",
		 json_pack("{s:s,s:s,s:s,s:s}", "notice", x.id, "from", x.sender, "actor", x.actor,
			   "role", x.role));
	return json_pack("{s:b,s:{s:s,s:s,s:s,s:I}}", "ok", 1, "result", "notice", x.id, "from",
			 x.sender, "request", x.request, "done_at", (json_int_t)x.at);
}

/* ---- at the partner that passed the notice on ------------------------- */

static const struct schema_field done_fields[] = {
	{ "id", SCHEMA_STRING, 1, 32 },
	{ "notice", SCHEMA_STRING, 1, 32 },
	{ "partner", SCHEMA_STRING, 1, 63 },
	{ "request", SCHEMA_STRING, 1, 32 },
	{ "done_at", SCHEMA_INT, 1, INT64_MAX },
	{ NULL, 0, 0, 0 },
};

struct rectify_told {
	struct node *n;
	const json_t *b;
	const struct dir_peer *sender;
	const char *status; /* out: stored, or kept (said before) */
	char *err;
	size_t errcap;
};

/* What the message says, before anything is looked up: well-formed, and
 * the signer's own. */
static int rectify_told_check(const json_t *b, const struct dir_peer *sender, char *err,
			      size_t errcap)
{
	char detail[200];
	if (schema_check(b, done_fields, detail, sizeof(detail)) != 0) {
		snprintf(err, errcap, RECTIFY_DONE ": %s", detail);
		return WN_ESCHEMA;
	}
	const char *by = json_string_value(json_object_get(b, "partner"));
	if (strcmp(by, sender->id) != 0) {
		snprintf(err, errcap, RECTIFY_DONE ": carried out by '%.63s', signed by '%s'", by,
			 sender->id);
		return WN_EFORGED;
	}
	if (id_validate(json_string_value(json_object_get(b, "id"))) != 0 ||
	    id_validate(json_string_value(json_object_get(b, "notice"))) != 0 ||
	    id_validate(json_string_value(json_object_get(b, "request"))) != 0) {
		snprintf(err, errcap, RECTIFY_DONE ": id, notice and request are 32 hex digits");
		return WN_ESCHEMA;
	}
	return 0;
}

/* The notice as this node passed it on: to the signer, in the request named,
 * carried out after it was made. */
static int rectify_told_find(db *d, struct rectify_told *x, int64_t *carried)
{
	sqlite3_stmt *st = NULL;
	const char *notice = json_string_value(json_object_get(x->b, "notice"));
	int64_t at = json_integer_value(json_object_get(x->b, "done_at"));
	int rc = db_prepare(d, "SELECT request_id, created_at, carried_out_at FROM"
			       " rights_recipients WHERE id = ?1 AND recipient = ?2 AND"
			       " informed = 'notice'", &st);
	if (rc != 0)
		return rc;
	sqlite3_bind_text(st, 1, notice, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, x->sender->id, -1, SQLITE_STATIC);
	int s = sqlite3_step(st);
	if (s == SQLITE_DONE) {
		snprintf(x->err, x->errcap, RECTIFY_DONE ": this node passed no notice %s on to "
			 "'%s'", notice, x->sender->id);
		rc = WN_EDENIED;
	} else if (s != SQLITE_ROW) {
		rc = WN_EDB;
	} else if (strcmp((const char *)sqlite3_column_text(st, 0),
			  json_string_value(json_object_get(x->b, "request"))) != 0) {
		snprintf(x->err, x->errcap, RECTIFY_DONE ": notice %s was passed on for another "
			 "rights request", notice);
		rc = WN_EDENIED;
	} else if (at < sqlite3_column_int64(st, 1) - RECTIFY_SKEW_MS ||
		   at > time_now_ms() + RECTIFY_SKEW_MS) {
		snprintf(x->err, x->errcap, RECTIFY_DONE ": done_at is not a time notice %s can "
			 "have been carried out", notice);
		rc = WN_ESCHEMA;
	} else {
		*carried = sqlite3_column_type(st, 2) == SQLITE_INTEGER ? sqlite3_column_int64(st, 2)
									: 0;
	}
	sqlite3_finalize(st);
	return rc;
}

/* Kept once: the same said again (its acknowledgement was lost) changes
 * nothing. */
static int rectify_told_run(db *d, void *arg)
{
	struct rectify_told *x = arg;
	sqlite3_stmt *st = NULL;
	int64_t carried = 0, lidx = 0, at = json_integer_value(json_object_get(x->b, "done_at"));
	const char *notice = json_string_value(json_object_get(x->b, "notice"));
	int rc = rectify_told_find(d, x, &carried);
	x->status = "kept";
	if (rc != 0 || carried != 0)
		return rc;
	if ((rc = db_prepare(d, "UPDATE rights_recipients SET carried_out_at = ?1 WHERE id = ?2"
				" AND carried_out_at IS NULL", &st)) != 0)
		return rc;
	sqlite3_bind_int64(st, 1, at);
	sqlite3_bind_text(st, 2, notice, -1, SQLITE_STATIC);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : WN_EDB;
	sqlite3_finalize(st);
	/* the municipality answers to the client: it learns so in this transaction */
	char told[ID_HEX_LEN + 1] = "";
	const char *request = json_string_value(json_object_get(x->b, "request"));
	if (rc == 0)
		rc = rectify_report_locked(d, x->n, request, x->sender->id, notice, at, told);
	json_t *e = rc == 0 ? json_pack("{s:s,s:s,s:s,s:I}", "notice", notice, "request", request,
					"recipient", x->sender->id, "carried_out_at", (json_int_t)at)
			    : NULL;
	if (e != NULL && told[0])
		json_object_set_new(e, "told", json_string(told));
	if (rc == 0)
		rc = e ? ledger_append_locked(x->n->ledger, "rights.notice.carried_out", notice, e,
					      &lidx)
		       : WN_ENOMEM;
	json_decref(e);
	if (rc == 0)
		x->status = "stored";
	return rc;
}

int rectify_done_receive(struct node *n, const json_t *env, const struct dir_peer *sender,
			 json_t **reply, char *err, size_t errcap)
{
	json_t *b = NULL;
	int orc = rectify_open_sealed(n, env, sender, &b, err, errcap);
	if (orc != 0)
		return orc;
	struct rectify_told x = { n, b, sender, NULL, err, errcap };
	int rc = rectify_told_check(b, sender, err, errcap);
	if (rc == 0 && (rc = db_writer_run(n->writer, rectify_told_run, &x)) != 0 && !err[0])
		snprintf(err, errcap, "the notice cannot be recorded as carried out; not "
			 "acknowledged");
	if (rc == 0 && strcmp(x.status, "stored") == 0)
		outbox_kick(n); /* the municipality is told */
	if (rc == 0)
		rc = reply_ack(n, env, sender, x.status, reply);
	if (rc == 0)
		log_emit(WN_LOG_INFO, "rights_notice_carried_out",
			 json_pack("{s:s,s:s,s:s,s:s}", "notice",
				   json_string_value(json_object_get(b, "notice")), "request",
				   json_string_value(json_object_get(b, "request")), "by",
				   sender->id, "status", x.status));
	json_decref(b);
	return rc;
}
