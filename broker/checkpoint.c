/*
 * checkpoint.c — the broker's signed checkpoints of its audit log (r20): one
 * at start-up when entries came after the last (a crash between an append
 * and its checkpoint), one at least every checkpoint_seconds while entries
 * come in, one at shutdown. Partners fetch the latest with a consistency
 * proof from the one they saw before, check it, and co-sign it; the broker
 * keeps those co-signatures, so that history cannot be rewritten without
 * the partners' copies disagreeing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "wijknet.h"
#include "daemon.h"
#include "context.h"
#include "encoding.h"
#include "envelope.h"
#include "breaches.h"
#include "ids.h"
#include "log.h"
#include "schema.h"
#include "secevent.h"
#include "tlog.h"

static const struct schema_field get_fields[] = {
	{ "from", SCHEMA_INT, 0, 0 },
	{ NULL, 0, 0, 0 },
};

const struct schema_field broker_checkpoint_fields[] = {
	{ "size", SCHEMA_INT, 1, 0 },
	{ "root", SCHEMA_STRING, 1, 64 },
	{ "ts", SCHEMA_INT, 1, 0 },
	{ "origin", SCHEMA_STRING, 1, 128 },
	{ "sig", SCHEMA_STRING, 1, 256 },
	{ NULL, 0, 0, 0 },
};

static const struct schema_field restored_fields[] = {
	{ "checkpoint", SCHEMA_OBJECT, 0, 0 },
	{ "witnessed", SCHEMA_INT, 1, 0 },
	{ "restored", SCHEMA_INT, 0, 0 },
	{ "anchor", SCHEMA_INT, 0, 0 },
	{ "proof", SCHEMA_ARRAY, 0, 64 },
	{ NULL, 0, 0, 0 },
};

static const struct schema_field cosign_fields[] = {
	{ "size", SCHEMA_INT, 1, 0 },
	{ "root", SCHEMA_STRING, 1, 64 },
	{ "sig", SCHEMA_STRING, 1, 256 },
	{ NULL, 0, 0, 0 },
};

int broker_checkpoint_now(struct broker *b)
{
	struct tlog_checkpoint_job job = { b->audit.log, b->ident->key, NULL };
	int rc = db_writer_run(b->writer, tlog_checkpoint_locked, &job);
	if (rc != 0) {
		log_msg(WN_LOG_ERROR, "checkpoint_failed", "audit log checkpoint: %s",
			wn_strerror(rc));
		return rc;
	}
	if (job.made != NULL)
		log_emit(WN_LOG_INFO, "checkpoint",
			 json_pack("{s:O,s:O}", "size", json_object_get(job.made, "size"), "root",
				   json_object_get(job.made, "root")));
	json_decref(job.made);
	return 0;
}

static void *checkpoint_main(void *arg)
{
	struct broker *b = arg;
	daemon_name_thread("wn:checkpoint");
	pthread_mutex_lock(&b->cp_lock);
	while (!b->stopping) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += b->checkpoint_ms / 1000;
		ts.tv_nsec += (long)(b->checkpoint_ms % 1000) * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&b->cp_wake, &b->cp_lock, &ts);
		if (b->stopping)
			break;
		pthread_mutex_unlock(&b->cp_lock);
		if (time_mono_ms() >= b->next_purge) {
			broker_purge_now(b);
			b->next_purge = time_mono_ms() + b->purge_ms;
		}
		broker_checkpoint_now(b);
		pthread_mutex_lock(&b->cp_lock);
	}
	pthread_mutex_unlock(&b->cp_lock);
	return NULL;
}

int broker_purge_now(struct broker *b)
{
	struct store_case_purge p = { b->audit.log, b->ident->key, 0 };
	int rc = db_writer_run(b->writer, store_case_purge, &p);
	if (rc != 0)
		log_msg(WN_LOG_ERROR, "purge_failed", "cases past their retention date: %s",
			wn_strerror(rc));
	else if (p.purged > 0)
		log_emit(WN_LOG_INFO, "cases_purged", json_pack("{s:I}", "cases", (json_int_t)p.purged));
	return rc;
}

int broker_checkpoints_start(struct broker *b)
{
	broker_purge_now(b);
	b->next_purge = time_mono_ms() + b->purge_ms;
	/* whatever was appended before a crash is checkpointed now */
	broker_checkpoint_now(b);
	if (pthread_create(&b->checkpointer, NULL, checkpoint_main, b) != 0)
		return WN_ENOMEM;
	b->checkpointer_started = 1;
	return 0;
}

void broker_checkpoints_stop(struct broker *b)
{
	if (!b->checkpointer_started)
		return;
	pthread_mutex_lock(&b->cp_lock);
	b->stopping = 1;
	pthread_cond_broadcast(&b->cp_wake);
	pthread_mutex_unlock(&b->cp_lock);
	pthread_join(b->checkpointer, NULL);
	b->checkpointer_started = 0;
	broker_checkpoint_now(b); /* the last one, at shutdown */
}

/* The stored checkpoint of a size, or NULL. */
static json_t *checkpoint_of(struct broker *b, json_int_t size)
{
	sqlite3_stmt *st = NULL;
	json_t *cp = NULL;
	db_lock(b->db);
	if (db_prepare(b->db, "SELECT size, root, ts, origin, sig FROM audit_log_checkpoints"
			      " WHERE size = ?", &st) == 0) {
		sqlite3_bind_int64(st, 1, size);
		if (sqlite3_step(st) == SQLITE_ROW)
			cp = json_pack("{s:I,s:s,s:I,s:s,s:s}", "size",
				       (json_int_t)sqlite3_column_int64(st, 0), "root",
				       (const char *)sqlite3_column_text(st, 1), "ts",
				       (json_int_t)sqlite3_column_int64(st, 2), "origin",
				       (const char *)sqlite3_column_text(st, 3), "sig",
				       (const char *)sqlite3_column_text(st, 4));
	}
	sqlite3_finalize(st);
	db_unlock(b->db);
	return cp;
}

static int checkpoint_get(struct broker *b, const struct broker_request *rq, json_t **reply,
			  char *err, size_t errcap)
{
	json_t *cp = NULL, *proof = NULL;
	json_int_t from = json_integer_value(json_object_get(envelope_body(rq->env), "from"));
	int rc = tlog_latest(b->audit.log, &cp);
	if (rc != 0)
		return rc;
	if (cp == NULL) /* an empty log: nothing to witness yet */
		return broker_reply(b, rq, "ok", json_object(), reply);
	json_int_t size = json_integer_value(json_object_get(cp, "size"));
	if (from > size) {
		/* the partner saw a longer log than there is now: a truncation */
		snprintf(err, errcap, "'%s' saw a checkpoint of size %lld, but the audit log's latest "
			 "is of size %lld: the log was truncated", rq->from->id, (long long)from,
			 (long long)size);
		json_decref(cp);
		return WN_ETAMPERED;
	}
	if (from > 0 && (rc = tlog_consistency(b->audit.log, (uint64_t)from, (uint64_t)size,
					       &proof)) != 0) {
		json_decref(cp);
		return rc;
	}
	json_t *body = json_pack("{s:o}", "checkpoint", cp);
	if (proof != NULL)
		json_object_set_new(body, "proof", proof);
	return broker_reply(b, rq, "ok", body, reply);
}

static int checkpoint_cosign(struct broker *b, const struct broker_request *rq, json_t **reply,
			     char *err, size_t errcap)
{
	json_t *body = envelope_body(rq->env);
	json_int_t size = json_integer_value(json_object_get(body, "size"));
	const char *root = json_string_value(json_object_get(body, "root"));
	const char *sig = json_string_value(json_object_get(body, "sig"));
	json_t *cp = checkpoint_of(b, size);
	int rc = 0;
	if (cp == NULL) {
		snprintf(err, errcap, "there is no checkpoint of size %lld to co-sign", (long long)size);
		return WN_ENOTFOUND;
	}
	/* a partner that co-signs another tree saw another history: recorded */
	if (strcmp(json_string_value(json_object_get(cp, "root")), root) != 0) {
		snprintf(err, errcap, "co-signature of '%s' over root %.16s… at size %lld, but the "
			 "checkpoint of that size has root %.16s…: the trees are not consistent",
			 rq->from->id, root, (long long)size,
			 json_string_value(json_object_get(cp, "root")));
		rc = WN_ETAMPERED;
		goto out;
	}
	if (tlog_cosign_verify(cp, sig, registry_cert(rq->from)) != 0) {
		snprintf(err, errcap, "the co-signature of '%s' does not verify", rq->from->id);
		rc = WN_ESIG;
		goto out;
	}
	sqlite3_stmt *st = NULL;
	db_lock(b->db);
	if ((rc = db_prepare(b->db, "INSERT OR REPLACE INTO audit_log_cosignatures(size, partner,"
				    " root, sig, ts) VALUES (?, ?, ?, ?, ?)", &st)) == 0) {
		sqlite3_bind_int64(st, 1, size);
		sqlite3_bind_text(st, 2, rq->from->id, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 3, root, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 4, sig, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 5, time_now_ms());
		rc = sqlite3_step(st) == SQLITE_DONE ? 0 : WN_EDB;
	}
	sqlite3_finalize(st);
	db_unlock(b->db);
	if (rc == 0) {
		log_emit(WN_LOG_INFO, "checkpoint_cosigned",
			 json_pack("{s:s,s:I}", "partner", rq->from->id, "size", size));
		broker_dispute_settled(b, rq->from->id); /* it witnessed the log again */
		rc = broker_reply(b, rq, "ok", json_pack("{s:I}", "size", size), reply);
	}
out:
	json_decref(cp);
	return rc;
}

/* The latest checkpoint of partner's ledger the broker witnessed into *out
 * (NULL: none yet). A database error is not "none": it would pass any
 * ledger as unwitnessed. */
static int witnessed_of(struct broker *b, const char *partner, json_t **out)
{
	sqlite3_stmt *st = NULL;
	*out = NULL;
	db_lock(b->db);
	int rc = db_prepare(b->db, "SELECT size, root, ts, sig FROM partner_checkpoints WHERE"
				   " partner = ?", &st);
	if (rc == 0) {
		sqlite3_bind_text(st, 1, partner, -1, SQLITE_TRANSIENT);
		int s = sqlite3_step(st);
		if (s == SQLITE_ROW) {
			*out = json_pack("{s:I,s:s,s:I,s:s}", "size",
					 (json_int_t)sqlite3_column_int64(st, 0), "root",
					 (const char *)sqlite3_column_text(st, 1), "ts",
					 (json_int_t)sqlite3_column_int64(st, 2), "sig",
					 (const char *)sqlite3_column_text(st, 3));
			rc = *out != NULL ? 0 : WN_ENOMEM;
		} else if (s != SQLITE_DONE) {
			rc = WN_EDB;
		}
	}
	sqlite3_finalize(st);
	db_unlock(b->db);
	return rc;
}

/* The checkpoint of partner's ledger the broker witnesses from now on
 * (cp NULL: an empty ledger, none). */
struct witness_put {
	const char *partner;
	const json_t *cp;
	const json_t *replaces; /* or NULL: the row must still be this one */
	int64_t history_above;  /* >= 0: history past this size dropped (a gap) */
	int grow_only;          /* the row may only move on to an extension */
};

/* WN_ESTATE when cp does not move partner's witnessed row on (smaller, or
 * the same size with another root): another report came in between. */
static int witness_grows_locked(db *d, const char *partner, const json_t *cp)
{
	sqlite3_stmt *st = NULL;
	int rc = db_prepare(d, "SELECT size, root FROM partner_checkpoints WHERE partner = ?", &st);
	if (rc != 0)
		return rc;
	sqlite3_bind_text(st, 1, partner, -1, SQLITE_TRANSIENT);
	int s = sqlite3_step(st);
	json_int_t size = json_integer_value(json_object_get(cp, "size"));
	const char *root = json_string_value(json_object_get(cp, "root"));
	if (s == SQLITE_ROW &&
	    (sqlite3_column_int64(st, 0) > size ||
	     (sqlite3_column_int64(st, 0) == size &&
	      strcmp((const char *)sqlite3_column_text(st, 1), root ? root : "") != 0)))
		rc = WN_ESTATE;
	else if (s != SQLITE_ROW && s != SQLITE_DONE)
		rc = WN_EDB;
	sqlite3_finalize(st);
	return rc;
}

/* WN_ESTATE when partner's witnessed row is no longer (size, root) of was:
 * another report came in between. */
static int witness_still_locked(db *d, const char *partner, const json_t *was)
{
	sqlite3_stmt *st = NULL;
	int rc = db_prepare(d, "SELECT COUNT(*) FROM partner_checkpoints WHERE partner = ? AND"
			       " size = ? AND root = ?", &st);
	if (rc != 0)
		return rc;
	sqlite3_bind_text(st, 1, partner, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, json_integer_value(json_object_get(was, "size")));
	sqlite3_bind_text(st, 3, json_string_value(json_object_get(was, "root")), -1,
			  SQLITE_TRANSIENT);
	rc = sqlite3_step(st) != SQLITE_ROW ? WN_EDB : sqlite3_column_int(st, 0) == 1 ? 0 : WN_ESTATE;
	sqlite3_finalize(st);
	return rc;
}

/* One statement on partner's row: sql binds (partner) or, with cp, (partner,
 * size, root, ts, sig, seen_at), or with above >= 0 (partner, above). */
static int witness_exec_locked(db *d, const char *sql, const char *partner, const json_t *cp,
			       int64_t above)
{
	sqlite3_stmt *st = NULL;
	int rc = db_prepare(d, sql, &st);
	if (rc != 0)
		return rc;
	sqlite3_bind_text(st, 1, partner, -1, SQLITE_TRANSIENT);
	if (above >= 0)
		sqlite3_bind_int64(st, 2, above);
	if (cp != NULL) {
		sqlite3_bind_int64(st, 2, json_integer_value(json_object_get(cp, "size")));
		sqlite3_bind_text(st, 3, json_string_value(json_object_get(cp, "root")), -1,
				  SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 4, json_integer_value(json_object_get(cp, "ts")));
		sqlite3_bind_text(st, 5, json_string_value(json_object_get(cp, "sig")), -1,
				  SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 6, time_now_ms());
	}
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : WN_EDB;
	sqlite3_finalize(st);
	return rc;
}

#define HISTORY_ALL_MS (2LL * 24 * 3600 * 1000) /* every checkpoint this recent is kept */
#define HISTORY_DAY_MS (24LL * 3600 * 1000)

/* The history a restored copy proves itself against: every checkpoint of the
 * last two days, and before that the last of each day (a backup is restored
 * against the day it was made), so the table grows by a row a day. */
static int witness_thin_locked(db *d, const char *partner)
{
	sqlite3_stmt *st = NULL;
	int rc = db_prepare(d, "DELETE FROM partner_checkpoint_history WHERE partner = ?1 AND"
			       " seen_at < ?2 AND size NOT IN (SELECT max(size) FROM"
			       " partner_checkpoint_history WHERE partner = ?1 AND seen_at < ?2"
			       " GROUP BY seen_at / ?3)", &st);
	if (rc != 0)
		return rc;
	sqlite3_bind_text(st, 1, partner, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, time_now_ms() - HISTORY_ALL_MS);
	sqlite3_bind_int64(st, 3, HISTORY_DAY_MS);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : WN_EDB;
	sqlite3_finalize(st);
	return rc;
}

static int witness_put_locked(db *d, void *arg)
{
	const struct witness_put *w = arg;
	int rc = 0;
	if (w->replaces != NULL && (rc = witness_still_locked(d, w->partner, w->replaces)) != 0)
		return rc;
	if (w->grow_only && w->cp != NULL && (rc = witness_grows_locked(d, w->partner, w->cp)) != 0)
		return rc;
	/* after a gap, what was witnessed beyond the copy is a history that is gone */
	if (w->history_above >= 0 &&
	    (rc = witness_exec_locked(d, "DELETE FROM partner_checkpoint_history WHERE partner = ?"
					 " AND size > ?", w->partner, NULL, w->history_above)) != 0)
		return rc;
	if (w->cp == NULL)
		return witness_exec_locked(d, "DELETE FROM partner_checkpoints WHERE partner = ?",
					   w->partner, NULL, -1);
	rc = witness_exec_locked(d, "INSERT OR REPLACE INTO partner_checkpoints(partner, size,"
				    " root, ts, sig, seen_at) VALUES (?,?,?,?,?,?)", w->partner, w->cp, -1);
	if (rc == 0)
		rc = witness_exec_locked(d, "INSERT OR REPLACE INTO partner_checkpoint_history("
					    "partner, size, root, ts, sig, seen_at) VALUES"
					    " (?,?,?,?,?,?)", w->partner, w->cp, -1);
	if (rc == 0)
		rc = witness_thin_locked(d, w->partner);
	return rc;
}

/* 0 when cp is a checkpoint of the sender's own ledger, signed by it. */
static int witness_is_own(const struct broker_request *rq, const json_t *cp, char *err,
			  size_t errcap)
{
	char origin[PKI_ID_MAX + 32];
	snprintf(origin, sizeof(origin), "wijknet:%s:ledger", rq->from->id);
	if (strcmp(json_string_value(json_object_get(cp, "origin")), origin) != 0 ||
	    tlog_checkpoint_verify(cp, registry_cert(rq->from)) != 0) {
		snprintf(err, errcap, "the checkpoint is not one of '%s''s own ledger, signed by it",
			 rq->from->id);
		return WN_ESIG;
	}
	return 0;
}

/* A node's own checkpoint, signed by it: kept when it extends what the
 * broker saw before; a shorter or different one is a ledger that lost or
 * rewrote entries (recorded as a security event by the caller). */
static int checkpoint_witness(struct broker *b, const struct broker_request *rq, json_t **reply,
			      char *err, size_t errcap)
{
	json_t *cp = envelope_body(rq->env), *last = NULL;
	json_int_t size = json_integer_value(json_object_get(cp, "size"));
	const char *root = json_string_value(json_object_get(cp, "root"));
	int rc = witness_is_own(rq, cp, err, errcap);
	if (rc != 0)
		return rc;
	rc = witnessed_of(b, rq->from->id, &last);
	if (rc != 0) {
		snprintf(err, errcap, "the broker cannot read the checkpoints it witnessed");
		return rc;
	}
	json_int_t seen = json_integer_value(json_object_get(last, "size"));
	int differs = last != NULL && seen == size &&
		      strcmp(json_string_value(json_object_get(last, "root")), root) != 0;
	json_decref(last);
	if (size < seen || differs) {
		snprintf(err, errcap, "'%s''s ledger checkpoint of size %lld %s the one of size %lld "
			 "the broker witnessed: entries were lost or rewritten", rq->from->id,
			 (long long)size, differs ? "differs from" : "is behind", (long long)seen);
		return WN_ETAMPERED;
	}
	struct witness_put put = { rq->from->id, cp, NULL, -1, 1 };
	rc = db_writer_run(b->writer, witness_put_locked, &put); /* both tables or neither */
	if (rc == WN_ESTATE)
		snprintf(err, errcap, "the broker witnessed another checkpoint of '%s''s ledger "
			 "meanwhile; report again", rq->from->id);
	if (rc != 0)
		return rc;
	return broker_reply(b, rq, "ok", json_pack("{s:I}", "size", size), reply);
}

/* The latest checkpoint of partner's ledger the broker witnessed at or below
 * size at_most into *out (NULL: none). */
static int anchor_of(struct broker *b, const char *partner, json_int_t at_most, json_t **out)
{
	sqlite3_stmt *st = NULL;
	*out = NULL;
	db_lock(b->db);
	int rc = db_prepare(b->db, "SELECT size, root, ts FROM partner_checkpoint_history WHERE"
				   " partner = ? AND size <= ? ORDER BY size DESC LIMIT 1", &st);
	if (rc == 0) {
		sqlite3_bind_text(st, 1, partner, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 2, at_most);
		int s = sqlite3_step(st);
		if (s == SQLITE_ROW) {
			*out = json_pack("{s:I,s:s,s:I}", "size",
					 (json_int_t)sqlite3_column_int64(st, 0), "root",
					 (const char *)sqlite3_column_text(st, 1), "ts",
					 (json_int_t)sqlite3_column_int64(st, 2));
			rc = *out != NULL ? 0 : WN_ENOMEM;
		} else if (s != SQLITE_DONE) {
			rc = WN_EDB;
		}
	}
	sqlite3_finalize(st);
	db_unlock(b->db);
	return rc;
}

/* What the broker witnessed of the sender's ledger: the latest checkpoint,
 * and with "at_most" the latest at or below that size (the anchor a copy
 * restored from a backup proves it extends). */
static int checkpoint_witnessed(struct broker *b, const struct broker_request *rq, json_t **reply,
				char *err, size_t errcap)
{
	json_t *cp = NULL, *anchor = NULL;
	const json_t *at_most = json_object_get(envelope_body(rq->env), "at_most");
	if (at_most != NULL && (!json_is_integer(at_most) || json_integer_value(at_most) < 0)) {
		snprintf(err, errcap, "body of 'checkpoint.witnessed': field 'at_most': a count of "
			 "entries");
		return WN_ESCHEMA;
	}
	int rc = witnessed_of(b, rq->from->id, &cp);
	if (rc == 0 && at_most != NULL)
		rc = anchor_of(b, rq->from->id, json_integer_value(at_most), &anchor);
	if (rc != 0) {
		json_decref(cp);
		snprintf(err, errcap, "the broker cannot read the checkpoints it witnessed");
		return rc;
	}
	json_t *body = json_pack("{s:o}", "checkpoint", cp ? cp : json_null());
	if (body != NULL && at_most != NULL)
		json_object_set_new(body, "anchor", anchor ? anchor : json_null());
	else
		json_decref(anchor);
	return broker_reply(b, rq, "ok", body, reply);
}

/* A restored copy's proof that its first entries are the ones witnessed:
 * a consistency proof from the latest checkpoint witnessed at or below its
 * size (the anchor) to the checkpoint it offers. *proven: the anchor's size
 * (0: nothing witnessed that early, nothing to prove). */
static int restored_proof(struct broker *b, const struct broker_request *rq, const json_t *cp,
			  json_int_t restored, json_int_t *proven, char *err, size_t errcap)
{
	const json_t *body = envelope_body(rq->env);
	json_t *anchor = NULL;
	*proven = 0;
	int rc = anchor_of(b, rq->from->id, restored, &anchor);
	if (rc != 0) {
		snprintf(err, errcap, "the broker cannot read the checkpoints it witnessed");
		return rc;
	}
	if (anchor == NULL)
		return 0;
	json_int_t k = json_integer_value(json_object_get(anchor, "size"));
	if (cp == NULL || json_integer_value(json_object_get(body, "anchor")) != k ||
	    tlog_consistency_verify(anchor, cp, json_object_get(body, "proof")) != 0) {
		snprintf(err, errcap, "'%s''s restored ledger does not prove that it extends the "
			 "checkpoint of %lld entries the broker witnessed: its entries were changed, "
			 "not only lost", rq->from->id, (long long)k);
		json_decref(anchor);
		return WN_ETAMPERED;
	}
	json_decref(anchor);
	*proven = k;
	return 0;
}

/* The audit entry of a gap in partner's ledger: what was witnessed, what
 * its restored copy held, and the checkpoint witnessed from now on. */
static json_t *restored_entry(const char *partner, const json_t *last, json_int_t restored,
			      const json_t *cp)
{
	json_int_t seen = json_integer_value(json_object_get(last, "size"));
	return json_pack("{s:s,s:I,s:s,s:I,s:I,s:I,s:s,s:I,s:s}", "type", "ledger.gap", "ts",
			 (json_int_t)time_now_ms(), "partner", partner, "restored_size", restored,
			 "lost_from", restored + 1, "lost_to", seen, "witnessed_root",
			 json_string_value(json_object_get(last, "root")), "checkpoint_size",
			 cp != NULL ? json_integer_value(json_object_get(cp, "size")) : 0,
			 "checkpoint_root",
			 cp != NULL ? json_string_value(json_object_get(cp, "root")) : "");
}

/* The witnessed checkpoint replaced and the gap's security event recorded,
 * in the audit entry's transaction: a crash leaves all three or none. */
struct restored_put {
	struct witness_put put;
	tlog *audit;
	const char *said, *msg_id;
	char detail[480];  /* what was said, with the audit entry that records it */
	long seen;
};

static int restored_put_locked(db *d, void *arg)
{
	struct restored_put *r = arg;
	uint64_t size = 0;
	int rc = witness_put_locked(d, &r->put);
	/* the audit entry follows in this transaction: the next index */
	if (rc == 0 && (rc = tlog_size_locked(r->audit, &size)) == 0) {
		snprintf(r->detail, sizeof(r->detail), "%s (audit entry %llu, ledger.gap)", r->said,
			 (unsigned long long)size + 1);
		rc = secevent_record_locked(d, WN_ETAMPERED, r->put.partner, r->msg_id, r->detail,
					    &r->seen);
	}
	return rc;
}

/* A node restored from a backup older than what the broker witnessed, its
 * operator accepting the loss (--accept-ledger-gap): the gap goes into the
 * audit log with the restored checkpoint, which the broker witnesses from
 * now on, and into the breach register (the disclosure entries in it are
 * gone: an incident to assess). */
static int checkpoint_restored(struct broker *b, const struct broker_request *rq, json_t **reply,
			       char *err, size_t errcap)
{
	json_t *body = envelope_body(rq->env), *last = NULL;
	json_t *cp = json_object_get(body, "checkpoint");
	char detail[400];
	if (cp != NULL && schema_check(cp, broker_checkpoint_fields, detail, sizeof(detail)) != 0) {
		snprintf(err, errcap, "body of 'checkpoint.restored', its checkpoint: %s", detail);
		return WN_ESCHEMA;
	}
	int rc = cp != NULL ? witness_is_own(rq, cp, err, errcap) : 0;
	if (rc == 0 && (rc = witnessed_of(b, rq->from->id, &last)) != 0)
		snprintf(err, errcap, "the broker cannot read the checkpoints it witnessed");
	if (rc != 0)
		return rc;
	/* the copy as restored; entries made since (a purge at start) follow it */
	json_int_t size = cp != NULL ? json_integer_value(json_object_get(cp, "size")) : 0;
	json_int_t restored = json_object_get(body, "restored") != NULL
				      ? json_integer_value(json_object_get(body, "restored"))
				      : size;
	json_int_t seen = json_integer_value(json_object_get(last, "size"));
	json_int_t said = json_integer_value(json_object_get(body, "witnessed"));
	if (size < 0 || said < 1 || restored < 0 || restored > size) {
		snprintf(err, errcap, "body of 'checkpoint.restored': sizes are counts of entries, "
			 "the restored copy's no more than the checkpoint's");
		json_decref(last);
		return WN_ESCHEMA;
	}
	if (last == NULL || restored >= seen || said != seen) {
		snprintf(err, errcap, "'%s''s ledger of %lld entries is not behind the checkpoint "
			 "of %lld the broker witnessed%s: there is no gap to record", rq->from->id,
			 (long long)restored, (long long)seen,
			 said != seen ? " (not the one the node names)" : "");
		json_decref(last);
		return WN_EINVAL;
	}
	json_int_t proven = 0;
	if ((rc = restored_proof(b, rq, cp, restored, &proven, err, errcap)) != 0) {
		json_decref(last);
		return rc;
	}
	char proof_said[160];
	if (proven > 0 && proven >= restored)
		snprintf(proof_said, sizeof(proof_said), "1..%lld proven unchanged",
			 (long long)proven);
	else if (proven > 0)
		snprintf(proof_said, sizeof(proof_said), "1..%lld proven unchanged, %lld..%lld on "
			 "the copy's word", (long long)proven, (long long)proven + 1,
			 (long long)restored);
	else
		snprintf(proof_said, sizeof(proof_said), "none of the copy's %lld proven",
			 (long long)restored);
	snprintf(detail, sizeof(detail), "restored from a backup: ledger entries %lld..%lld of its "
		 "disclosure log are lost (%s); its operator accepted the gap",
		 (long long)restored + 1, (long long)seen, proof_said);
	json_t *entry = restored_entry(rq->from->id, last, restored, cp);
	if (entry != NULL)
		json_object_set_new(entry, "proven_to", json_integer(proven));
	struct restored_put rp = { { rq->from->id, cp, last, restored, 0 }, b->audit.log, detail,
				   envelope_str(rq->env, "id"), "", 0 };
	int64_t idx;
	char leaf[65];
	rc = entry ? store_audit_with(&b->audit, restored_put_locked, &rp, entry, &idx, leaf)
		   : WN_ENOMEM;
	json_decref(entry);
	json_decref(last);
	if (rc == WN_ESTATE)
		snprintf(err, errcap, "the broker witnessed another checkpoint of '%s''s ledger "
			 "meanwhile; ask again", rq->from->id);
	if (rc != 0)
		return rc;
	secevent_announce(WN_ETAMPERED, rq->from->id, rp.msg_id, rp.detail, rp.seen);
	breaches_sync_own(b->db, b->ident->id); /* else at the next round of the federation */
	log_emit(WN_LOG_WARN, "ledger_gap_recorded",
		 json_pack("{s:s,s:I,s:I,s:I}", "partner", rq->from->id, "lost_from",
			   restored + 1, "lost_to", seen, "audit_index", (json_int_t)idx));
	return broker_reply(b, rq, "ok",
			    json_pack("{s:I,s:I}", "size", size, "lost", seen - restored), reply);
}

int broker_handle_checkpoint(struct broker *b, const struct broker_request *rq, json_t **reply,
			     char *err, size_t errcap)
{
	const char *type = envelope_str(rq->env, "type");
	char detail[200];
	if (strcmp(type, "checkpoint.witnessed") == 0)
		return checkpoint_witnessed(b, rq, reply, err, errcap);
	if (strcmp(type, "checkpoint.witness") == 0) {
		if (schema_check(envelope_body(rq->env), broker_checkpoint_fields, detail, sizeof(detail)) != 0) {
			snprintf(err, errcap, "body of '%s': %s", type, detail);
			return WN_ESCHEMA;
		}
		return checkpoint_witness(b, rq, reply, err, errcap);
	}
	if (strcmp(type, "checkpoint.dispute") == 0)
		return broker_handle_dispute(b, rq, reply, err, errcap);
	if (strcmp(type, "checkpoint.restored") == 0) {
		if (schema_check(envelope_body(rq->env), restored_fields, detail, sizeof(detail)) != 0) {
			snprintf(err, errcap, "body of '%s': %s", type, detail);
			return WN_ESCHEMA;
		}
		return checkpoint_restored(b, rq, reply, err, errcap);
	}
	json_t *body = envelope_body(rq->env);
	int get = strcmp(type, "checkpoint.get") == 0;
	if ((body != NULL || !get) &&
	    schema_check(body, get ? get_fields : cosign_fields, detail, sizeof(detail)) != 0) {
		snprintf(err, errcap, "body of '%s': %s", type, body ? detail : "missing");
		return WN_ESCHEMA;
	}
	return get ? checkpoint_get(b, rq, reply, err, errcap)
		   : checkpoint_cosign(b, rq, reply, err, errcap);
}
