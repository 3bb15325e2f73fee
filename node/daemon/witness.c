/*
 * witness.c — the node's checkpoints (r20): it signs checkpoints of its own
 * ledger, and it witnesses the broker's audit log: it fetches the latest
 * checkpoint with a consistency proof from the one it saw before, checks
 * the broker's signature and the proof, keeps the checkpoint and co-signs
 * it. A checkpoint that does not extend what was seen — a rewritten or
 * truncated history — is a security event and is not co-signed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wijknet.h"
#include "context.h"
#include "envelope.h"
#include "ids.h"
#include "log.h"
#include "schema.h"
#include "secevent.h"
#include "tlog.h"

static const struct schema_field cp_fields[] = {
	{ "origin", SCHEMA_STRING, 1, 128 },
	{ "size", SCHEMA_INT, 1, 0 },
	{ "root", SCHEMA_STRING, 1, 64 },
	{ "ts", SCHEMA_INT, 1, 0 },
	{ "sig", SCHEMA_STRING, 1, 256 },
	{ NULL, 0, 0, 0 },
};

int node_checkpoint_own(struct node *n)
{
	struct tlog_checkpoint_job job = { n->ledger, n->ident->key, NULL };
	int rc = db_writer_run(n->writer, tlog_checkpoint_locked, &job);
	if (rc != 0)
		log_msg(WN_LOG_ERROR, "checkpoint_failed", "ledger checkpoint: %s", wn_strerror(rc));
	else if (job.made != NULL)
		log_emit(WN_LOG_INFO, "checkpoint",
			 json_pack("{s:O,s:O}", "size", json_object_get(job.made, "size"), "root",
				   json_object_get(job.made, "root")));
	json_decref(job.made);
	return rc;
}

/* The latest broker checkpoint this node kept into *out (NULL: none yet)
 * and whether the broker took its co-signature. An error is not "none":
 * witnessing would then accept any history. */
static int witness_last(struct node *n, json_t **out, int *cosigned)
{
	sqlite3_stmt *st = NULL;
	*out = NULL;
	*cosigned = 0;
	db_lock(n->db);
	int rc = db_prepare(n->db, "SELECT size, root, ts, origin, sig, cosigned FROM"
				   " broker_checkpoints ORDER BY size DESC LIMIT 1", &st);
	if (rc == 0) {
		int s = sqlite3_step(st);
		if (s == SQLITE_ROW && sqlite3_column_type(st, 1) == SQLITE_TEXT &&
		    sqlite3_column_type(st, 3) == SQLITE_TEXT && sqlite3_column_type(st, 4) == SQLITE_TEXT)
			*out = json_pack("{s:I,s:s,s:I,s:s,s:s}", "size",
					 (json_int_t)sqlite3_column_int64(st, 0), "root",
					 (const char *)sqlite3_column_text(st, 1), "ts",
					 (json_int_t)sqlite3_column_int64(st, 2), "origin",
					 (const char *)sqlite3_column_text(st, 3), "sig",
					 (const char *)sqlite3_column_text(st, 4));
		if (s == SQLITE_ROW)
			*cosigned = sqlite3_column_int(st, 5) != 0;
		if ((s == SQLITE_ROW && *out == NULL) || (s != SQLITE_ROW && s != SQLITE_DONE))
			rc = WN_EDB;
	}
	sqlite3_finalize(st);
	db_unlock(n->db);
	return rc;
}

static int witness_keep(struct node *n, const json_t *cp, int cosigned)
{
	sqlite3_stmt *st = NULL;
	db_lock(n->db);
	int rc = db_prepare(n->db, "INSERT INTO broker_checkpoints(size, root, ts, origin, sig,"
				   " seen_at, cosigned) VALUES (?,?,?,?,?,?,?) ON CONFLICT(size)"
				   " DO UPDATE SET cosigned = MAX(cosigned, excluded.cosigned)", &st);
	if (rc == 0) {
		sqlite3_bind_int64(st, 1, json_integer_value(json_object_get(cp, "size")));
		sqlite3_bind_text(st, 2, json_string_value(json_object_get(cp, "root")), -1,
				  SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 3, json_integer_value(json_object_get(cp, "ts")));
		sqlite3_bind_text(st, 4, json_string_value(json_object_get(cp, "origin")), -1,
				  SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 5, json_string_value(json_object_get(cp, "sig")), -1,
				  SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 6, time_now_ms());
		sqlite3_bind_int(st, 7, cosigned);
		rc = sqlite3_step(st) == SQLITE_DONE ? 0 : WN_EDB;
	}
	sqlite3_finalize(st);
	db_unlock(n->db);
	return rc;
}

/* Sends env to the broker; *body: its answer's body (json_decref). */
static int witness_call(struct node *n, const char *type, json_t *body, json_t **out, char *err,
			size_t errcap)
{
	json_t *env = NULL, *reply = NULL;
	int rc = envelope_new1(&env, type, n->ident->id, n->broker_id);
	if (rc != 0) {
		json_decref(body);
		return rc;
	}
	json_object_set_new(env, "body", body);
	rc = node_call_broker(n, env, n->call_timeout_ms, &reply, err, errcap);
	if (rc == 0 && out != NULL)
		*out = json_incref(envelope_body(reply));
	json_decref(env);
	json_decref(reply);
	return rc;
}

/* The broker's log does not extend the checkpoint last kept: the broker is
 * shown that checkpoint, signed by itself, so that its operator learns it
 * (a restore from an older backup). Its answer changes nothing here. */
static void witness_dispute(struct node *n, const json_t *last)
{
	char err[512] = "";
	struct directory *d = node_directory(n);
	/* kept under a key the broker no longer signs with: it could not tell
	 * it from a forgery, which it records as an incident against this node */
	int ours = d != NULL && tlog_checkpoint_verify(last, d->broker_cert) == 0;
	directory_release(d);
	if (!ours) {
		log_msg(WN_LOG_WARN, "witness_dispute_not_shown", "the broker's audit log does not "
			"extend the checkpoint this node kept, which the broker's current key did "
			"not sign: not shown to it; tell its operator");
		return;
	}
	json_t *body = json_deep_copy(last);
	int rc = body ? witness_call(n, "checkpoint.dispute", body, NULL, err, sizeof(err))
		      : WN_ENOMEM;
	if (rc != 0)
		log_msg(WN_LOG_WARN, "witness_dispute_not_taken", "the broker did not take this "
			"node's word that its audit log is behind: %s", err[0] ? err : wn_strerror(rc));
}

int node_witness_broker(struct node *n, char *err, size_t errcap)
{
	json_t *last = NULL, *rb = NULL;
	struct directory *d = NULL;
	char detail[256], *sig = NULL;
	int cosigned = 0;
	int rc = witness_last(n, &last, &cosigned);
	if (rc != 0) {
		snprintf(err, errcap, "the broker checkpoints seen before cannot be read");
		return rc;
	}
	json_int_t from = last ? json_integer_value(json_object_get(last, "size")) : 0;
	json_t *body = from > 0 ? json_pack("{s:I}", "from", from) : json_object();
	rc = witness_call(n, "checkpoint.get", body, &rb, err, errcap);
	if (rc == WN_ETAMPERED) /* the broker itself found its log shorter than what we saw */
		secevent_record(n->db, rc, n->broker_id, NULL, err);
	if (rc != 0)
		goto out;
	json_t *cp = json_object_get(rb, "checkpoint");
	if (cp == NULL) /* nothing to witness yet */
		goto out;
	rc = WN_ESCHEMA;
	if (cp == NULL || schema_check(cp, cp_fields, detail, sizeof(detail)) != 0) {
		snprintf(err, errcap, "the broker's checkpoint is malformed");
		goto out;
	}
	json_int_t size = json_integer_value(json_object_get(cp, "size"));
	if ((d = node_directory(n)) == NULL) {
		rc = WN_ESTATE;
		goto out;
	}
	if (tlog_checkpoint_verify(cp, d->broker_cert) != 0) {
		snprintf(err, errcap, "the broker's checkpoint of size %lld does not carry its "
			 "signature", (long long)size);
		secevent_record(n->db, WN_ESIG, n->broker_id, NULL, err);
		rc = WN_ESIG;
		goto out;
	}
	if (last != NULL) {
		int consistent = size > from
				 ? tlog_consistency_verify(last, cp, json_object_get(rb, "proof")) == 0
				 : size == from && strcmp(json_string_value(json_object_get(last, "root")),
							  json_string_value(json_object_get(cp, "root"))) == 0;
		if (!consistent) {
			snprintf(err, errcap, "the broker's audit log at size %lld does not extend the "
				 "checkpoint of size %lld seen before: its history was rewritten or "
				 "truncated; not co-signed", (long long)size, (long long)from);
			secevent_record(n->db, WN_ETAMPERED, n->broker_id, NULL, err);
			rc = WN_ETAMPERED;
			goto out;
		}
		/* seen before: done once the broker took our co-signature; a
		 * co-signature lost on the way (the broker restarting) goes again */
		if (size == from && cosigned) {
			rc = 0;
			goto out;
		}
	}
	if ((rc = witness_keep(n, cp, 0)) != 0 || (rc = tlog_cosign(cp, n->ident->key, &sig)) != 0)
		goto out;
	rc = witness_call(n, "checkpoint.cosign",
			  json_pack("{s:I,s:O,s:s}", "size", size, "root",
				    json_object_get(cp, "root"), "sig", sig),
			  NULL, err, errcap);
	if (rc == 0) {
		witness_keep(n, cp, 1);
		log_emit(WN_LOG_INFO, "checkpoint_witnessed", json_pack("{s:I}", "size", size));
	}
out:
	if (rc == WN_ETAMPERED && last != NULL)
		witness_dispute(n, last);
	free(sig);
	directory_release(d);
	json_decref(last);
	json_decref(rb);
	return rc;
}

int node_report_checkpoint(struct node *n)
{
	json_t *cp = NULL, *out = NULL;
	char err[256];
	int rc = tlog_latest(n->ledger, &cp);
	if (rc != 0 || cp == NULL)
		return rc;
	int64_t size = (int64_t)json_integer_value(json_object_get(cp, "size"));
	/* one signed with a key replaced since is not offered: the broker takes
	 * the old key's signature for a forgery now; the next one extends it */
	if (size > n->reported_size && tlog_checkpoint_verify(cp, n->ident->cert) != 0)
		n->reported_size = size;
	if (size <= n->reported_size) {
		json_decref(cp);
		return 0;
	}
	rc = witness_call(n, "checkpoint.witness", cp, &out, err, sizeof(err));
	if (rc == 0)
		n->reported_size = size;
	else
		log_msg(WN_LOG_WARN, "checkpoint_not_witnessed", "%s", err);
	json_decref(out);
	return rc;
}

int node_ledger_unchecked(struct node *n)
{
	uint64_t now = 0;
	sqlite3_stmt *st = NULL;
	int rc = tlog_size(n->ledger, &now);
	if (rc != 0)
		return rc;
	db_lock(n->db);
	rc = db_prepare(n->db, "INSERT OR IGNORE INTO ledger_unchecked(id, size) VALUES (1, ?)",
			&st);
	if (rc == 0) {
		sqlite3_bind_int64(st, 1, (sqlite3_int64)now);
		rc = sqlite3_step(st) == SQLITE_DONE ? 0 : WN_EDB;
	}
	sqlite3_finalize(st);
	st = NULL;
	if (rc == 0 && (rc = db_prepare(n->db, "SELECT size FROM ledger_unchecked", &st)) == 0)
		rc = sqlite3_step(st) == SQLITE_ROW ? 0 : WN_EDB;
	if (rc == 0)
		n->opened_size = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	db_unlock(n->db);
	return rc;
}

void node_ledger_checked(struct node *n)
{
	sqlite3_stmt *st = NULL;
	db_lock(n->db);
	if (db_prepare(n->db, "DELETE FROM ledger_unchecked", &st) == 0 &&
	    sqlite3_step(st) != SQLITE_DONE)
		log_msg(WN_LOG_WARN, "ledger_state", "the ledger's checked state was not kept: a "
			"later check that finds it behind counts only the entries it held at an "
			"earlier start as its own");
	sqlite3_finalize(st);
	db_unlock(n->db);
}

/* 1 when the ledger holds the first size entries the broker witnessed as
 * root (the same history, whatever came after), 0 when not, or an error. */
static int witness_extends(struct node *n, json_int_t size, const char *root)
{
	uint64_t now = 0;
	char mine[65];
	int rc = tlog_size(n->ledger, &now);
	if (rc != 0)
		return rc;
	if (size <= 0)
		return 1;
	if ((uint64_t)size > now)
		return 0;
	if ((rc = tlog_root_hex(n->ledger, (uint64_t)size, mine)) != 0)
		return rc;
	return root != NULL && strcmp(mine, root) == 0;
}

int node_check_witnessed(struct node *n, char *err, size_t errcap)
{
	json_t *body = NULL;
	uint64_t have = 0;
	int rc = witness_call(n, "checkpoint.witnessed", json_object(), &body, err, errcap);
	if (rc != 0)
		return rc;
	const json_t *cp = json_object_get(body, "checkpoint");
	json_int_t size = json_integer_value(json_object_get(cp, "size"));
	int same = json_is_object(cp)
			   ? witness_extends(n, size, json_string_value(json_object_get(cp, "root")))
			   : 1;
	/* not the history witnessed: a copy older than it (entries lost), or
	 * one changed. What the copy held when first opened tells which; what
	 * this node wrote since (a purge) does not count. */
	have = (uint64_t)n->opened_size;
	if (same < 0) {
		rc = same;
		snprintf(err, errcap, "%s: the ledger cannot be read: %s", n->db_path,
			 wn_strerror(rc));
	} else if (rc == 0 && same == 1) {
		n->reported_size = size;
	} else if (rc == 0 && (uint64_t)size > have) {
		snprintf(err, errcap, "%s: the ledger holds %llu entries, but the broker "
			 "witnessed this node's checkpoint of %lld: this database is older than "
			 "what was witnessed (restored from an older backup?) and the entries "
			 "after it would be lost; restore the newest backup, or, when this is "
			 "the newest there is, start once with --accept-ledger-gap to record "
			 "the loss at the broker and go on", n->db_path,
			 (unsigned long long)have, (long long)size);
		n->witnessed_ahead = size;
		n->copy_size = (int64_t)have;
		rc = WN_ETAMPERED;
	} else if (rc == 0) {
		snprintf(err, errcap, "%s: the ledger's first %lld entries differ from the "
			 "checkpoint the broker witnessed: it was rewritten", n->db_path,
			 (long long)size);
		rc = WN_ETAMPERED;
	}
	json_decref(body);
	return rc;
}

/* A failure that a later round may not have: the broker away or busy. */
static int witness_transient(int rc)
{
	return rc == WN_ETRANSPORT || rc == WN_ETIMEOUT || rc == WN_EUNAVAILABLE ||
	       rc == WN_ENOMEM || rc == WN_ESTATE;
}

#define WITNESS_ANCHOR_TRIES 64 /* checkpoints past the copy's first size looked at */

/* The latest checkpoint the broker witnessed at or below at_most: *k its
 * size (0: none), root its root. */
static int witness_anchor(struct node *n, int64_t at_most, int64_t *k, char root[65], char *err,
			  size_t errcap)
{
	json_t *w = NULL;
	int rc = witness_call(n, "checkpoint.witnessed",
			      json_pack("{s:I}", "at_most", (json_int_t)at_most), &w, err, errcap);
	if (rc != 0)
		return rc;
	const json_t *anchor = json_object_get(w, "anchor");
	const char *r = json_string_value(json_object_get(anchor, "root"));
	*k = json_is_object(anchor) ? (int64_t)json_integer_value(json_object_get(anchor, "size"))
				    : 0;
	if (*k > 0 && (r == NULL || strlen(r) != 64))
		rc = WN_EPROTO;
	else if (*k > 0)
		memcpy(root, r, 65);
	json_decref(w);
	return rc;
}

/* 1 when the ledger's first k entries have root. */
static int witness_root_is(struct node *n, int64_t k, const char *root)
{
	char mine[65];
	return tlog_root_hex(n->ledger, (uint64_t)k, mine) == 0 && strcmp(mine, root) == 0;
}

/* Adds to body the proof that the copy's first entries are the ones the
 * broker witnessed: the latest checkpoint it witnessed within the copy (the
 * anchor) and a consistency proof from it to size (the checkpoint sent).
 * Entries up to a checkpoint the broker witnessed with this very root are
 * the copy's own, even past its size at first open (a backup made before
 * the node's check): the copy counts them. */
static int witness_prove_copy(struct node *n, int64_t size, json_t *body, char *err,
			      size_t errcap)
{
	json_t *proof = NULL;
	char root[65];
	int64_t k = 0, at = size;
	int rc = 0;
	/* from the copy's end down: a checkpoint past the copy's first size was
	 * either the lost ledger's (another root) or the copy's own */
	for (int tries = 0; tries < WITNESS_ANCHOR_TRIES; tries++, at = k - 1) {
		if ((rc = witness_anchor(n, at, &k, root, err, errcap)) != 0)
			return rc;
		if (k <= n->copy_size)
			break;
		if (witness_root_is(n, k, root)) {
			n->copy_size = k;
			break;
		}
	}
	if (k > n->copy_size && (rc = witness_anchor(n, n->copy_size, &k, root, err, errcap)) != 0)
		return rc;
	if (k <= 0)
		return 0; /* nothing witnessed that early: nothing to prove */
	if (k > size || !witness_root_is(n, k, root)) {
		snprintf(err, errcap, "%s: the copy's first %lld entries differ from the checkpoint "
			 "the broker witnessed: it was changed, not only restored", n->db_path,
			 (long long)k);
		return WN_ETAMPERED;
	}
	if ((rc = tlog_consistency(n->ledger, (uint64_t)k, (uint64_t)size, &proof)) != 0) {
		snprintf(err, errcap, "cannot prove the copy extends the checkpoint of %lld: %s",
			 (long long)k, wn_strerror(rc));
		return rc;
	}
	json_object_set_new(body, "anchor", json_integer(k));
	json_object_set_new(body, "proof", proof);
	return 0;
}

int node_accept_gap(struct node *n, char *err, size_t errcap)
{
	json_t *cp = NULL, *out = NULL;
	char why[512] = "";
	int64_t witnessed = n->witnessed_ahead;
	/* the copy's own ledger, signed as it is now: what the broker goes on from */
	int rc = node_checkpoint_own(n);
	if (rc == 0)
		rc = tlog_latest(n->ledger, &cp);
	if (rc != 0) {
		snprintf(err, errcap, "%s: cannot sign the restored ledger's checkpoint: %s",
			 n->db_path, wn_strerror(rc));
		json_decref(cp);
		return witness_transient(rc) ? rc : WN_ETAMPERED;
	}
	int64_t size = cp != NULL ? (int64_t)json_integer_value(json_object_get(cp, "size")) : 0;
	json_t *body = json_pack("{s:I}", "witnessed", (json_int_t)witnessed);
	if (body == NULL) {
		json_decref(cp);
		return WN_ENOMEM;
	}
	if (cp != NULL) /* none when the copy's ledger is empty */
		json_object_set_new(body, "checkpoint", cp);
	if ((rc = witness_prove_copy(n, size, body, why, sizeof(why))) != 0) {
		json_decref(body);
		snprintf(err, errcap, "--accept-ledger-gap: %s", why);
		return witness_transient(rc) ? rc : WN_ETAMPERED;
	}
	json_object_set_new(body, "restored", json_integer(n->copy_size));
	rc = witness_call(n, "checkpoint.restored", body, &out, why, sizeof(why));
	json_decref(out);
	if (rc != 0) {
		snprintf(err, errcap, "--accept-ledger-gap: the broker did not record the gap of "
			 "entries %lld..%lld: %s", (long long)n->copy_size + 1, (long long)witnessed,
			 why[0] ? why : wn_strerror(rc));
		return witness_transient(rc) ? rc : WN_ETAMPERED;
	}
	n->reported_size = size;
	n->witnessed_ahead = 0;
	n->accept_gap = 2; /* used */
	log_emit(WN_LOG_WARN, "ledger_gap_accepted",
		 json_pack("{s:s,s:I,s:I,s:I,s:s}", "database", n->db_path, "entries",
			   (json_int_t)n->copy_size, "witnessed", (json_int_t)witnessed, "lost",
			   (json_int_t)(witnessed - n->copy_size), "recorded",
			   "broker audit log and breach register"));
	return 0;
}
