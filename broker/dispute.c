/*
 * dispute.c — nodes that witnessed more of the audit log than it holds now
 * (r20): a node whose kept checkpoint of the broker's log is not extended by
 * the log any more (the broker restored from an older backup, or its log
 * changed) shows the broker that checkpoint, signed by the broker itself.
 * The broker keeps one row per such node for its operator (admin status,
 * health, /metrics) and records the first in the breach register; the row
 * goes when that node witnesses the log again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wijknet.h"
#include "breaches.h"
#include "context.h"
#include "envelope.h"
#include "ids.h"
#include "log.h"
#include "schema.h"
#include "secevent.h"
#include "tlog.h"

/* 0 when cp is a checkpoint of this broker's audit log, signed by it: a
 * node's word alone does not make the log look cut short. */
static int dispute_is_ours(struct broker *b, const json_t *cp, char *err, size_t errcap)
{
	char origin[PKI_ID_MAX + 32];
	snprintf(origin, sizeof(origin), "wijknet:%s:audit_log", b->ident->id);
	if (strcmp(json_string_value(json_object_get(cp, "origin")), origin) != 0 ||
	    tlog_checkpoint_verify(cp, b->ident->cert) != 0) {
		snprintf(err, errcap, "the checkpoint is not one of this broker's audit log, "
			 "signed by it");
		return WN_ESIG;
	}
	if (json_integer_value(json_object_get(cp, "size")) < 1) {
		snprintf(err, errcap, "a checkpoint of the audit log has at least one entry");
		return WN_ESCHEMA;
	}
	return 0;
}

/* Keeps the dispute; *fresh 1 when this node had none of this size. */
static int dispute_keep(struct broker *b, const char *partner, const json_t *cp,
			uint64_t log_size, int *fresh)
{
	sqlite3_stmt *st = NULL;
	int64_t now = time_now_ms();
	json_int_t size = json_integer_value(json_object_get(cp, "size"));
	*fresh = 0;
	db_lock(b->db);
	int rc = db_prepare(b->db, "SELECT COUNT(*) FROM audit_disputes WHERE partner = ? AND"
				   " size = ?", &st);
	if (rc == 0) {
		sqlite3_bind_text(st, 1, partner, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 2, size);
		rc = sqlite3_step(st) == SQLITE_ROW ? 0 : WN_EDB;
		*fresh = rc == 0 && sqlite3_column_int64(st, 0) == 0;
	}
	sqlite3_finalize(st);
	st = NULL;
	if (rc == 0)
		rc = db_prepare(b->db, "INSERT INTO audit_disputes(partner, size, root, log_size,"
				       " first_at, last_at) VALUES (?,?,?,?,?,?) ON CONFLICT(partner)"
				       " DO UPDATE SET size = excluded.size, root = excluded.root,"
				       " log_size = excluded.log_size, last_at = excluded.last_at,"
				       " first_at = CASE WHEN size = excluded.size THEN first_at"
				       " ELSE excluded.first_at END", &st);
	if (rc == 0) {
		sqlite3_bind_text(st, 1, partner, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 2, size);
		sqlite3_bind_text(st, 3, json_string_value(json_object_get(cp, "root")), -1,
				  SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 4, (sqlite3_int64)log_size);
		sqlite3_bind_int64(st, 5, now);
		sqlite3_bind_int64(st, 6, now);
		rc = sqlite3_step(st) == SQLITE_DONE ? 0 : WN_EDB;
	}
	sqlite3_finalize(st);
	db_unlock(b->db);
	return rc;
}

int broker_handle_dispute(struct broker *b, const struct broker_request *rq, json_t **reply,
			  char *err, size_t errcap)
{
	const json_t *cp = envelope_body(rq->env);
	char detail[400], root[65];
	uint64_t have = 0;
	int fresh = 0;
	if (cp == NULL || schema_check(cp, broker_checkpoint_fields, detail, sizeof(detail)) != 0) {
		snprintf(err, errcap, "body of 'checkpoint.dispute': %s", cp ? detail : "missing");
		return WN_ESCHEMA;
	}
	int rc = dispute_is_ours(b, cp, err, errcap);
	if (rc != 0)
		return rc;
	json_int_t size = json_integer_value(json_object_get(cp, "size"));
	const char *said = json_string_value(json_object_get(cp, "root"));
	if ((rc = tlog_size(b->audit.log, &have)) == 0 && (uint64_t)size <= have)
		rc = tlog_root_hex(b->audit.log, (uint64_t)size, root);
	if (rc != 0) {
		snprintf(err, errcap, "the audit log cannot be read");
		return rc;
	}
	if ((uint64_t)size <= have && strcmp(root, said) == 0) {
		snprintf(err, errcap, "the audit log holds the checkpoint of size %lld: nothing is "
			 "disputed (fetch and witness it again)", (long long)size);
		return WN_EINVAL;
	}
	if ((rc = dispute_keep(b, rq->from->id, cp, have, &fresh)) != 0) {
		snprintf(err, errcap, "the broker cannot keep '%s''s dispute", rq->from->id);
		return rc;
	}
	if (fresh) { /* once per node and size: its later rounds say the same */
		snprintf(detail, sizeof(detail), "the audit log (%llu entries) %s the checkpoint of "
			 "size %lld this broker signed and '%s' witnessed: restored from an older "
			 "backup? the entries after the copy are lost",
			 (unsigned long long)have,
			 (uint64_t)size > have ? "is behind" : "does not extend", (long long)size,
			 rq->from->id);
		secevent_record(b->db, WN_ETAMPERED, b->ident->id, envelope_str(rq->env, "id"),
				detail);
		breaches_sync_own(b->db, b->ident->id);
		log_emit(WN_LOG_ERROR, "audit_log_behind_witness",
			 json_pack("{s:s,s:I,s:I}", "partner", rq->from->id, "witnessed", size,
				   "log_size", (json_int_t)have));
	}
	return broker_reply(b, rq, "ok", json_pack("{s:I}", "log_size", (json_int_t)have), reply);
}

void broker_dispute_settled(struct broker *b, const char *partner)
{
	sqlite3_stmt *st = NULL;
	int gone = 0;
	db_lock(b->db);
	if (db_prepare(b->db, "DELETE FROM audit_disputes WHERE partner = ?", &st) == 0) {
		sqlite3_bind_text(st, 1, partner, -1, SQLITE_TRANSIENT);
		gone = sqlite3_step(st) == SQLITE_DONE && sqlite3_changes(db_handle(b->db)) > 0;
	}
	sqlite3_finalize(st);
	db_unlock(b->db);
	if (gone)
		log_emit(WN_LOG_INFO, "audit_dispute_settled", json_pack("{s:s}", "partner", partner));
}

int broker_audit_disputes(struct broker *b, json_t **out)
{
	sqlite3_stmt *st = NULL;
	json_t *ids = json_array();
	json_int_t most = 0;
	uint64_t have = 0;
	*out = NULL;
	db_lock(b->db);
	int rc = ids ? db_prepare(b->db, "SELECT partner, size FROM audit_disputes ORDER BY"
					 " partner", &st)
		     : WN_ENOMEM;
	int s = SQLITE_DONE;
	while (rc == 0 && (s = sqlite3_step(st)) == SQLITE_ROW) {
		json_array_append_new(ids, json_string((const char *)sqlite3_column_text(st, 0)));
		if (sqlite3_column_int64(st, 1) > most)
			most = sqlite3_column_int64(st, 1);
	}
	if (rc == 0 && s != SQLITE_DONE)
		rc = WN_EDB;
	sqlite3_finalize(st);
	db_unlock(b->db);
	if (rc == 0 && json_array_size(ids) > 0 && (rc = tlog_size(b->audit.log, &have)) == 0)
		*out = json_pack("{s:O,s:I,s:I}", "partners", ids, "witnessed", most, "log_size",
				 (json_int_t)have);
	json_decref(ids);
	return rc;
}
