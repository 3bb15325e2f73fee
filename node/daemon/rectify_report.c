/*
 * rectify_report.c — the municipality answers to the client (AVG art. 19):
 * when a recipient says it carried out a rights notice a partner passed
 * on, the partner tells the municipality that sent the request, which
 * records it with the request (rectify.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wijknet.h"
#include "context.h"
#include "disclog.h"
#include "ids.h"
#include "log.h"
#include "notice.h"
#include "rectify.h"
#include "reply.h"
#include "schema.h"

#define REPORT_TYPE "rights.carried_out"
#define REPORT_SKEW_MS 300000 /* the clocks of two nodes may differ by this */

/* What the word says: which recipient carried out which notice of which
 * partner, for which request, when. */
struct rectify_word {
	struct node *n;
	const char *request, *partner, *recipient, *notice;
	int64_t at;
	const char *status; /* out: stored, or kept (said before) */
	char *err;
	size_t errcap;
};

/* The partner's decision as this municipality recorded it: its state and
 * whether it named the recipient as informed by a notice. */
static int report_find(db *d, struct rectify_word *w, char state[24], int *named,
		       int64_t *executed)
{
	sqlite3_stmt *st = NULL;
	int rc = db_prepare(d, "SELECT p.status, EXISTS (SELECT 1 FROM json_each(coalesce("
			       "p.recipients, '[]')) r WHERE json_extract(r.value, '$.partner') = ?3"
			       " AND json_extract(r.value, '$.informed') = 'notice'),"
			       " coalesce(p.executed_at, 0) FROM client_rights_partners p WHERE"
			       " p.request_id = ?1 AND p.partner = ?2", &st);
	if (rc != 0)
		return rc;
	sqlite3_bind_text(st, 1, w->request, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, w->partner, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, w->recipient, -1, SQLITE_STATIC);
	int s = sqlite3_step(st);
	if (s == SQLITE_ROW) {
		snprintf(state, 24, "%s", (const char *)sqlite3_column_text(st, 0));
		*named = sqlite3_column_int(st, 1);
		*executed = sqlite3_column_int64(st, 2);
	} else if (s == SQLITE_DONE) {
		snprintf(w->err, w->errcap, REPORT_TYPE ": this municipality sent '%s' no rights "
			 "request %s", w->partner, w->request);
		rc = WN_EDENIED;
	} else {
		rc = WN_EDB;
	}
	sqlite3_finalize(st);
	return rc;
}

/* Only what the partner's decision named: a recipient it informed by a
 * notice, carried out after the request was. A decision still on its way
 * (the word overtook it) is waited for. */
static int report_check_known(db *d, struct rectify_word *w)
{
	char state[24] = "";
	int named = 0;
	int64_t executed = 0;
	int rc = report_find(d, w, state, &named, &executed);
	if (rc != 0 || named) {
		if (rc == 0 && w->at < executed - REPORT_SKEW_MS) {
			snprintf(w->err, w->errcap, REPORT_TYPE ": carried_out_at is before '%s' "
				 "carried request %s out", w->partner, w->request);
			rc = WN_ESCHEMA;
		}
		return rc;
	}
	if (strcmp(state, "executed") == 0 || strcmp(state, "refused") == 0 ||
	    strcmp(state, "not_known") == 0) {
		snprintf(w->err, w->errcap, REPORT_TYPE ": '%s' told this municipality of no notice "
			 "passed on to '%s' for rights request %s", w->partner, w->recipient,
			 w->request);
		return WN_EDENIED;
	}
	snprintf(w->err, w->errcap, REPORT_TYPE ": the decision of '%s' on rights request %s has "
		 "not arrived here yet; ask again later", w->partner, w->request);
	return WN_ESTATE;
}

/* Records the word once, with its ledger entry: the same said again (its
 * acknowledgement was lost) changes nothing. */
static int report_record_locked(db *d, struct rectify_word *w)
{
	sqlite3_stmt *st = NULL;
	int64_t lidx = 0;
	int rc = report_check_known(d, w);
	w->status = "kept";
	if (rc != 0 || (rc = db_prepare(d, "INSERT OR IGNORE INTO client_rights_carried_out"
				      " (request_id, partner, recipient, notice_id, carried_out_at,"
				      " received_at) VALUES (?,?,?,?,?,?)", &st)) != 0)
		return rc;
	sqlite3_bind_text(st, 1, w->request, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, w->partner, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, w->recipient, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, w->notice, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, w->at);
	sqlite3_bind_int64(st, 6, time_now_ms());
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : WN_EDB;
	int added = rc == 0 && sqlite3_changes(db_handle(d)) == 1;
	sqlite3_finalize(st);
	if (!added)
		return rc;
	json_t *e = json_pack("{s:s,s:s,s:s,s:s,s:I}", "rights_request", w->request, "partner",
			      w->partner, "recipient", w->recipient, "notice", w->notice,
			      "carried_out_at", (json_int_t)w->at);
	rc = e ? ledger_append_locked(w->n->ledger, "rights.recipient.carried_out", w->request, e,
				      &lidx)
	       : WN_ENOMEM;
	json_decref(e);
	if (rc == 0)
		w->status = "stored";
	return rc;
}

/* ---- at the partner that passed the notice on ------------------------- */

/* Who sent the request here: "" when it is no longer held (purged). */
static int report_requester(db *d, const char *request, char who[64])
{
	sqlite3_stmt *st = NULL;
	int rc = db_prepare(d, "SELECT requester FROM rights_requests WHERE id = ?", &st);
	if (rc != 0)
		return rc;
	sqlite3_bind_text(st, 1, request, -1, SQLITE_STATIC);
	int s = sqlite3_step(st);
	who[0] = '\0';
	if (s == SQLITE_ROW)
		snprintf(who, 64, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return s == SQLITE_ROW || s == SQLITE_DONE ? 0 : WN_EDB;
}

/* The municipality's own part: recorded with its request here. A word its
 * own records do not bear out is logged, and does not undo the recipient's. */
static int report_here(db *d, struct rectify_word *w)
{
	char err[256] = "";
	w->err = err;
	w->errcap = sizeof(err);
	int rc = report_record_locked(d, w);
	if (rc == WN_EDB || rc == WN_ENOMEM)
		return rc;
	if (rc != 0)
		log_msg(WN_LOG_WARN, "rights_carried_out_not_recorded", "%s (%s)", err,
			wn_errname(rc));
	return 0;
}

int rectify_report_locked(db *d, struct node *n, const char *request, const char *recipient,
			  const char *notice, int64_t at, char told[33])
{
	char to[64];
	struct rectify_word w = { n, request, n->ident->id, recipient, notice, at, NULL, NULL, 0 };
	int rc = report_requester(d, request, to);
	told[0] = '\0';
	if (rc != 0 || to[0] == '\0') {
		if (rc == 0)
			log_msg(WN_LOG_WARN, "rights_carried_out_unreported", "rights request %s is "
				"no longer held here: the municipality is not told that '%s' carried "
				"it out", request, recipient);
		return rc;
	}
	if (strcmp(to, n->ident->id) == 0)
		return report_here(d, &w);
	if ((rc = id_generate(told)) != 0)
		return rc;
	json_t *body = json_pack("{s:s,s:s,s:s,s:s,s:s,s:I}", "id", told, "request", request,
				 "partner", n->ident->id, "recipient", recipient, "notice", notice,
				 "carried_out_at", (json_int_t)at);
	rc = body ? outbox_put_locked(d, n, REPORT_TYPE, told, to, body) : WN_ENOMEM;
	json_decref(body);
	if (rc != 0)
		told[0] = '\0';
	return rc;
}

/* ---- at the municipality ---------------------------------------------- */

static const struct schema_field report_fields[] = {
	{ "id", SCHEMA_STRING, 1, 32 },
	{ "request", SCHEMA_STRING, 1, 32 },
	{ "partner", SCHEMA_STRING, 1, 63 },
	{ "recipient", SCHEMA_STRING, 1, 63 },
	{ "notice", SCHEMA_STRING, 1, 32 },
	{ "carried_out_at", SCHEMA_INT, 1, INT64_MAX },
	{ NULL, 0, 0, 0 },
};

/* What the word says, before anything is looked up: well-formed, and the
 * signer's own. */
static int report_check(const json_t *b, const struct dir_peer *sender, char *err,
			size_t errcap)
{
	char detail[200];
	if (schema_check(b, report_fields, detail, sizeof(detail)) != 0) {
		snprintf(err, errcap, REPORT_TYPE ": %s", detail);
		return WN_ESCHEMA;
	}
	const char *by = json_string_value(json_object_get(b, "partner"));
	const char *to = json_string_value(json_object_get(b, "recipient"));
	if (strcmp(by, sender->id) != 0) {
		snprintf(err, errcap, REPORT_TYPE ": passed on by '%.63s', signed by '%s'", by,
			 sender->id);
		return WN_EFORGED;
	}
	if (id_validate(json_string_value(json_object_get(b, "id"))) != 0 ||
	    id_validate(json_string_value(json_object_get(b, "request"))) != 0 ||
	    id_validate(json_string_value(json_object_get(b, "notice"))) != 0 ||
	    schema_valid_partner_id(to) != 0 || strcmp(to, by) == 0) {
		snprintf(err, errcap, REPORT_TYPE ": id, request and notice are 32 hex digits, the "
			 "recipient another partner's id");
		return WN_ESCHEMA;
	}
	if (json_integer_value(json_object_get(b, "carried_out_at")) > time_now_ms() +
									       REPORT_SKEW_MS) {
		snprintf(err, errcap, REPORT_TYPE ": carried_out_at is in the future");
		return WN_ESCHEMA;
	}
	return 0;
}

static int report_receive_run(db *d, void *arg)
{
	return report_record_locked(d, arg);
}

int rectify_report_receive(struct node *n, const json_t *env, const struct dir_peer *sender,
			   json_t **reply, char *err, size_t errcap)
{
	json_t *b = NULL;
	int rc = rectify_open_sealed(n, env, sender, &b, err, errcap);
	if (rc != 0)
		return rc;
	struct rectify_word w = { n, json_string_value(json_object_get(b, "request")), sender->id,
				  json_string_value(json_object_get(b, "recipient")),
				  json_string_value(json_object_get(b, "notice")),
				  json_integer_value(json_object_get(b, "carried_out_at")), NULL,
				  err, errcap };
	if ((rc = report_check(b, sender, err, errcap)) == 0 &&
	    (rc = db_writer_run(n->writer, report_receive_run, &w)) != 0 && !err[0])
		snprintf(err, errcap, "that the notice was carried out cannot be recorded; not "
			 "acknowledged");
	if (rc != 0)
		log_msg(WN_LOG_WARN, "rights_carried_out_refused", "%s (%s)", err, wn_errname(rc));
	if (rc == 0)
		rc = reply_ack(n, env, sender, w.status, reply);
	if (rc == 0)
		log_emit(WN_LOG_INFO, "rights_carried_out_received",
			 json_pack("{s:s,s:s,s:s,s:s}", "request", w.request, "partner", w.partner,
				   "recipient", w.recipient, "status", w.status));
	json_decref(b);
	return rc;
}

void rectify_report_attach(db *d, const char *request, const char *partner,
			   json_t *recipients)
{
	sqlite3_stmt *st = NULL;
	size_t i;
	json_t *x;
	if (json_array_size(recipients) == 0 ||
	    db_prepare(d, "SELECT carried_out_at FROM client_rights_carried_out WHERE"
			  " request_id = ?1 AND partner = ?2 AND recipient = ?3", &st) != 0)
		return;
	json_array_foreach(recipients, i, x) {
		const char *to = json_string_value(json_object_get(x, "partner"));
		if (to == NULL)
			continue;
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, request, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, partner, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, to, -1, SQLITE_TRANSIENT);
		if (sqlite3_step(st) == SQLITE_ROW)
			json_object_set_new(x, "carried_out_at",
					    json_integer(sqlite3_column_int64(st, 0)));
	}
	sqlite3_finalize(st);
}
