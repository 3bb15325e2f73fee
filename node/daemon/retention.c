/*
 * retention.c — retention in every store (r19; G-P 9, Heerlen 11.3): what a
 * node keeps about the client's duties — consents and refusals, notices,
 * rights requests, conflict-of-duties assertions, third-party decisions,
 * how a household was told — goes when the federation's retention_days have
 * passed since it ended, and the person's pseudonym leaves the disclosure
 * logs after the same time. What belongs to a case this node still takes
 * part in is never purged: its clock starts when the node leaves or closes
 * it. Every purge is a ledger entry; purged ledger entries keep their leaf,
 * so the ledger still verifies and `audit verify` counts them as purged.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wijknet.h"
#include "context.h"
#include "casekey.h"
#include "date.h"
#include "disclog.h"
#include "ids.h"
#include "log.h"
#include "purge.h"

#define RETENTION_BATCH 5000 /* rows per table and run; the next run takes the rest */

/* A case-bound row may go: the node no longer takes part in the case, and
 * stopped taking part before the cutoff (?1: cutoff ms). */
#define CASE_ENDED(col)                                                                  \
	" (" col " IS NULL OR (" col " NOT IN (SELECT case_id FROM case_keys) AND"       \
	" coalesce((SELECT closed_at FROM case_closed WHERE case_id = " col "), 0) < ?1))"

/* What goes, per store: the key that names a row, the rows, and how they go. */
enum retention_kind { KIND_CONSENT, KIND_NOTICE, KIND_RIGHTS, KIND_OTHER };

struct retention_rule {
	const char *record;   /* as the ledger names it */
	enum retention_kind kind; /* where an operator's count puts it */
	const char *select;   /* ?1 cutoff ms, ?2 cutoff date, ?3 batch: the key's columns */
	const char *remove;   /* ?1, ?2 …: a key's columns, in that order */
};

static const struct retention_rule rules[] = {
	/* a refusal stands until the client consents after all (H 10.3), and
	 * while a consent given before it, which it may limit (H 8.2), is active;
	 * a consent, the ground of what was shared on it, stays with the dossier
	 * while a case it opened or served runs (H 8.2) */
	{ "consent", KIND_CONSENT,
	  "SELECT id FROM consents c WHERE ((kind = 'refusal' AND EXISTS (SELECT 1 FROM consents"
	  " l WHERE l.subject_index = c.subject_index AND l.kind = 'consent' AND"
	  " l.registered_at > c.registered_at AND l.registered_at < ?1) AND NOT EXISTS (SELECT 1"
	  " FROM consents e WHERE e.subject_index = c.subject_index AND e.kind = 'consent' AND"
	  " e.status = 'active' AND e.registered_at < c.registered_at)) OR"
	  " (kind = 'consent' AND ((revoked_at IS NOT NULL AND revoked_at < ?1) OR"
	  " (valid_until IS NOT NULL AND valid_until < ?2))) OR"
	  /* a refusal the client revoked limits nothing: it goes as a revoked
	   * consent does, here and where it was passed on */
	  " (kind = 'refusal' AND status = 'revoked' AND revoked_at < ?1) OR"
	  /* passed on by the partner that holds it: kept the retention period and
	   * as long as a consent given before it can run (the federation's
	   * maximum, ?4), and while one held here it may limit is active */
	  " (kind = 'refusal' AND received_from IS NOT NULL AND registered_at < ?1 AND"
	  " registered_at < ?4 AND NOT EXISTS (SELECT 1 FROM consents e WHERE"
	  " e.subject_index = c.subject_index AND e.kind = 'consent' AND e.status = 'active'"
	  " AND e.registered_at < c.registered_at)))"
	  " AND NOT EXISTS (SELECT 1 FROM"
	  " case_consents b WHERE b.consent_id = c.id AND NOT" CASE_ENDED("b.case_id") ") AND"
	  " NOT EXISTS (SELECT 1 FROM sent_log s WHERE s.consent_id = c.id AND NOT"
	  CASE_ENDED("s.case_id") ") LIMIT ?3",
	  "DELETE FROM consents WHERE id = ?1" },
	/* a notification row belongs to the case of the disclosure it notified */
	{ "client_notification", KIND_NOTICE,
	  "SELECT notice_id FROM client_notifications n WHERE status = 'forwarded' AND"
	  " coalesce(notified_at, ts) < ?1"
	  " AND notice_id IS NOT NULL AND"
	  CASE_ENDED("(SELECT d.case_id FROM disclosures d WHERE d.request_id = n.request_id)")
	  " LIMIT ?3",
	  "DELETE FROM client_notifications WHERE notice_id = ?1" },
	{ "outbox", KIND_NOTICE,
	  "SELECT id FROM outbox WHERE sent_at IS NOT NULL AND sent_at < ?1 LIMIT ?3",
	  "DELETE FROM outbox WHERE id = ?1" },
	/* given up, with its sealed body (the person, what it says): an operator
	 * could put it back (outbox retry) for the retention period, no longer */
	{ "outbox", KIND_NOTICE,
	  "SELECT id FROM outbox WHERE sent_at IS NULL AND failed_at IS NOT NULL AND"
	  " failed_at < ?1 LIMIT ?3",
	  "DELETE FROM outbox WHERE id = ?1" },
	{ "notice", KIND_NOTICE,
	  "SELECT id FROM notices WHERE status = 'sent' AND sent_on < ?2 AND" CASE_ENDED("case_id")
	  " LIMIT ?3",
	  "DELETE FROM notices WHERE id = ?1" },
	{ "rights_request", KIND_RIGHTS,
	  "SELECT id FROM rights_requests q WHERE status IN ('done', 'executed', 'refused') AND"
	  " coalesce(executed_at, decided_at) < ?1 AND NOT (kind IN ('shielding', 'objection')"
	  " AND status != 'refused' AND EXISTS (SELECT 1 FROM records r WHERE"
	  " r.subject_index = q.subject_index)) LIMIT ?3",
	  "DELETE FROM rights_requests WHERE id = ?1" },
	{ "client_rights", KIND_RIGHTS,
	  "SELECT id FROM client_rights c WHERE NOT EXISTS (SELECT 1 FROM client_rights_partners"
	  " p WHERE p.request_id = c.id AND (p.status NOT IN ('not_known', 'refused', 'executed') OR"
	  " p.updated_at >= ?1)) AND created_at < ?1 AND" CASE_ENDED("c.case_id") " LIMIT ?3",
	  "DELETE FROM client_rights WHERE id = ?1" },
	/* whom a request carried out was passed on to goes with the request */
	{ "rights_recipient", KIND_RIGHTS,
	  "SELECT id FROM rights_recipients r WHERE created_at < ?1 AND NOT EXISTS (SELECT 1"
	  " FROM rights_requests q WHERE q.id = r.request_id) LIMIT ?3",
	  "DELETE FROM rights_recipients WHERE id = ?1" },
	/* a notice received: the retention period, for the copy it concerns */
	{ "rights_notice", KIND_RIGHTS,
	  "SELECT sender, id FROM rights_notices WHERE received_at < ?1 LIMIT ?3",
	  "DELETE FROM rights_notices WHERE sender = ?1 AND id = ?2" },
	{ "duty_assertion", KIND_OTHER,
	  "SELECT id FROM duty_assertions WHERE valid_until < ?1 AND" CASE_ENDED("case_id")
	  " LIMIT ?3",
	  "DELETE FROM duty_assertions WHERE id = ?1" },
	{ "third_party_decision", KIND_OTHER,
	  "SELECT id FROM third_party_decisions WHERE decided_at < ?1 AND" CASE_ENDED("case_id")
	  " LIMIT ?3",
	  "DELETE FROM third_party_decisions WHERE id = ?1" },
	{ "case_informed", KIND_OTHER,
	  "SELECT DISTINCT case_id FROM case_informed WHERE recorded_at < ?1 AND" CASE_ENDED("case_id")
	  " LIMIT ?3",
	  "DELETE FROM case_informed WHERE case_id = ?1" },
};

struct retention_job {
	struct node *n;
	int64_t cutoff_ms;
	char cutoff_date[DATE_LEN + 1];
	struct retention_counts counts;
	int64_t consent_cutoff_ms; /* a consent registered before it may have run out */
	json_t *done; /* the ledger entries purged: [{idx, kept}] */
};

static void bind_cutoff(sqlite3_stmt *st, const struct retention_job *j)
{
	sqlite3_bind_int64(st, 1, j->cutoff_ms);
	sqlite3_bind_text(st, 2, j->cutoff_date, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, RETENTION_BATCH);
	if (sqlite3_bind_parameter_count(st) >= 4)
		sqlite3_bind_int64(st, 4, j->consent_cutoff_ms);
}

static void retention_count(struct retention_counts *c, enum retention_kind kind)
{
	switch (kind) {
	case KIND_CONSENT:
		c->consents++;
		break;
	case KIND_NOTICE:
		c->notices++;
		break;
	case KIND_RIGHTS:
		c->rights++;
		break;
	case KIND_OTHER:
		c->other++;
		break;
	}
}

/* One row's key, as its columns: [text, …]; the ledger names it by them
 * joined with '/'. */
static json_t *retention_key(sqlite3_stmt *sel, char *name, size_t cap)
{
	json_t *key = json_array();
	size_t at = 0;
	name[0] = '\0';
	for (int c = 0; key != NULL && c < sqlite3_column_count(sel); c++) {
		const char *v = (const char *)sqlite3_column_text(sel, c);
		json_array_append_new(key, json_string(v != NULL ? v : ""));
		int w = snprintf(name + at, cap - at, "%s%s", c ? "/" : "", v != NULL ? v : "");
		at = w > 0 && (size_t)w < cap - at ? at + (size_t)w : cap - 1;
	}
	return key;
}

/* One store's rows past their date: each removed with its ledger entry. */
static int retention_rule_run(db *d, struct retention_job *j, const struct retention_rule *r)
{
	sqlite3_stmt *sel = NULL, *del = NULL;
	json_t *keys = json_array(), *x;
	char name[256];
	size_t i;
	int rc = db_prepare(d, r->select, &sel);
	if (rc != 0) {
		json_decref(keys);
		return rc;
	}
	bind_cutoff(sel, j);
	while (sqlite3_step(sel) == SQLITE_ROW) {
		json_t *key = retention_key(sel, name, sizeof(name));
		json_array_append_new(keys, json_pack("{s:o,s:s}", "key", key, "name", name));
	}
	sqlite3_finalize(sel);
	if (json_array_size(keys) > 0)
		rc = db_prepare(d, r->remove, &del);
	json_array_foreach(keys, i, x) {
		json_t *key = json_object_get(x, "key");
		if (rc != 0)
			break;
		sqlite3_reset(del);
		for (int c = 0; c < sqlite3_bind_parameter_count(del); c++)
			sqlite3_bind_text(del, c + 1, json_string_value(json_array_get(key,
					  (size_t)c)), -1, SQLITE_STATIC);
		if ((rc = sqlite3_step(del) == SQLITE_DONE ? 0 : WN_EDB) != 0)
			break;
		int64_t lidx = 0;
		json_t *e = json_pack("{s:s,s:O,s:s,s:s}", "record", r->record, "id",
				      json_object_get(x, "name"), "reason", "retention", "before",
				      j->cutoff_date);
		rc = e ? ledger_append_locked(j->n->ledger, "purge", NULL, e, &lidx) : WN_ENOMEM;
		json_decref(e);
		retention_count(&j->counts, r->kind);
	}
	sqlite3_finalize(del);
	json_decref(keys);
	return rc;
}

/* The person's pseudonym leaves the disclosure and sent logs' rows. */
static int retention_log_rows(db *d, struct retention_job *j)
{
	static const char *const sql[] = {
		/* only once its ledger entry lost it too: audit verify compares them */
		"UPDATE disclosures SET subject_index = NULL WHERE subject_index IS NOT NULL AND"
		" ts < ?1 AND" CASE_ENDED("case_id") " AND (ledger_idx IS NULL OR ledger_idx IN"
		" (SELECT idx FROM ledger WHERE purged_at IS NOT NULL))",
		/* a fingerprint hashes the pseudonym in: it goes with it */
		"UPDATE sent_log SET subject_index = NULL, subjects = NULL, fingerprint = NULL"
		" WHERE ts < ?1 AND (subject_index IS NOT NULL OR subjects IS NOT NULL OR"
		" fingerprint IS NOT NULL) AND" CASE_ENDED("case_id"),
	};
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < sizeof(sql) / sizeof(sql[0]); i++) {
		sqlite3_stmt *st = NULL;
		if ((rc = db_prepare(d, sql[i], &st)) != 0)
			break;
		sqlite3_bind_int64(st, 1, j->cutoff_ms);
		rc = sqlite3_step(st) == SQLITE_DONE ? 0 : WN_EDB;
		j->counts.pseudonyms += sqlite3_changes(db_handle(d));
		sqlite3_finalize(st);
	}
	return rc;
}

/* The same pseudonym leaves the ledger's entries: each keeps its leaf, and
 * one log.purge entry names those purged, so a purge nobody logged shows. */
static int retention_ledger(db *d, struct retention_job *j)
{
	sqlite3_stmt *st = NULL;
	json_t *todo = json_array(), *done = json_array(), *x;
	size_t i;
	/* a queued notice stays, and what the ledger says of it */
	int rc = db_prepare(d, "SELECT idx, entry FROM ledger WHERE purged_at IS NULL AND ts < ?1"
			       " AND json_valid(entry) AND json_extract(entry, '$.subject_index') IS"
			       " NOT NULL AND NOT (type = 'notice.received' AND EXISTS (SELECT 1 FROM"
			       " notices q WHERE q.id = ledger.msg_id AND q.status = 'queued')) AND"
			       CASE_ENDED("json_extract(entry, '$.case_id')") " LIMIT ?3", &st);
	if (rc == 0) {
		bind_cutoff(st, j);
		while (sqlite3_step(st) == SQLITE_ROW) {
			json_t *e = json_loads((const char *)sqlite3_column_text(st, 1), 0, NULL);
			if (e != NULL)
				json_array_append_new(todo, json_pack("{s:I,s:o}", "idx",
					(json_int_t)sqlite3_column_int64(st, 0), "entry", e));
		}
		sqlite3_finalize(st);
	}
	json_array_foreach(todo, i, x) {
		json_t *e = json_object_get(x, "entry");
		int64_t idx = (int64_t)json_integer_value(json_object_get(x, "idx"));
		json_object_del(e, "subject_index");
		json_object_set_new(e, "purged", json_true());
		char kept[65];
		if (rc == 0 && (rc = tlog_purge_locked(j->n->ledger, idx, e, kept)) == 0)
			json_array_append_new(done, json_pack("{s:I,s:s}", "idx", (json_int_t)idx,
							      "kept", kept));
	}
	json_decref(todo);
	j->done = done;
	return rc;
}

/* One log.purge entry names the entries purged and counts the rows, and a
 * checkpoint signed in the same transaction covers it. */
static int retention_ledger_note(db *d, struct retention_job *j)
{
	size_t entries = json_array_size(j->done);
	if (entries == 0 && j->counts.pseudonyms == 0)
		return 0;
	int64_t lidx = 0;
	json_t *e = json_pack("{s:O,s:s,s:s,s:I}", "entries", j->done, "reason", "retention",
			      "before", j->cutoff_date, "log_rows", (json_int_t)j->counts.pseudonyms);
	int rc = e ? ledger_append_locked(j->n->ledger, "log.purge", NULL, e, &lidx) : WN_ENOMEM;
	j->counts.pseudonyms += (long)entries;
	json_decref(e);
	struct tlog_checkpoint_job cp = { j->n->ledger, j->n->ident->key, NULL };
	if (rc == 0)
		rc = tlog_checkpoint_locked(d, &cp);
	json_decref(cp.made);
	return rc;
}

static int retention_run(db *d, void *arg)
{
	struct retention_job *j = arg;
	sqlite3_stmt *st = NULL;
	/* the answers first, then the requests they answer */
	int rc = db_prepare(d, "DELETE FROM client_rights_partners WHERE request_id IN (SELECT id"
			       " FROM client_rights c WHERE NOT EXISTS (SELECT 1 FROM"
			       " client_rights_partners p WHERE p.request_id = c.id AND (p.status NOT IN"
			       " ('not_known', 'refused', 'executed') OR p.updated_at >= ?1)) AND created_at < ?1"
			       " AND" CASE_ENDED("c.case_id") ")",
			    &st);
	if (rc == 0) {
		sqlite3_bind_int64(st, 1, j->cutoff_ms);
		rc = sqlite3_step(st) == SQLITE_DONE ? 0 : WN_EDB;
		sqlite3_finalize(st);
	}
	/* cases opened before consents were bound in the clear */
	if (rc == 0)
		rc = casekey_bind_consents_locked(j->n, d, NULL);
	for (size_t i = 0; rc == 0 && i < sizeof(rules) / sizeof(rules[0]); i++)
		rc = retention_rule_run(d, j, &rules[i]);
	/* who left a household goes with the case's records of being told */
	if (rc == 0 && (rc = db_prepare(d, "DELETE FROM case_left WHERE case_id NOT IN (SELECT"
				       " case_id FROM case_informed) AND case_id NOT IN (SELECT"
				       " case_id FROM case_keys)", &st)) == 0) {
		rc = sqlite3_step(st) == SQLITE_DONE ? 0 : WN_EDB;
		sqlite3_finalize(st);
	}
	if (rc == 0 && (rc = db_prepare(d, "DELETE FROM case_consents WHERE (consent_id != '' AND"
				       " consent_id NOT IN (SELECT id FROM consents)) OR (consent_id = ''"
				       " AND case_id NOT IN (SELECT case_id FROM case_keys))", &st)) == 0) {
		rc = sqlite3_step(st) == SQLITE_DONE ? 0 : WN_EDB;
		sqlite3_finalize(st);
	}
	if (rc == 0)
		rc = retention_ledger(d, j);
	if (rc == 0)
		rc = retention_log_rows(d, j);
	if (rc == 0)
		rc = retention_ledger_note(d, j);
	json_decref(j->done);
	j->done = NULL;
	return rc;
}

int retention_days(struct node *n)
{
	struct directory *d = node_directory(n);
	/* without the verified policy, nothing is purged: a purge cannot be undone */
	int days = d == NULL ? 0 : d->retention_days > 0 ? d->retention_days : 365;
	directory_release(d);
	return days;
}

/* Cases this node still holds a key for but that closed, or that it no
 * longer takes part in, as the broker says: their clock starts now. */
static void retention_sync_cases(struct node *n)
{
	sqlite3_stmt *st = NULL;
	json_t *ids = json_array(), *x;
	size_t i;
	db_lock(n->db);
	if (db_prepare(n->db, "SELECT case_id FROM case_keys LIMIT 10000", &st) == 0)
		while (sqlite3_step(st) == SQLITE_ROW)
			json_array_append_new(ids, json_string((const char *)sqlite3_column_text(st,
												 0)));
	sqlite3_finalize(st);
	db_unlock(n->db);
	json_array_foreach(ids, i, x) {
		char err[256];
		json_t *c = NULL;
		int rc = casekey_case(n, json_string_value(x), &c, err, sizeof(err));
		const char *status = json_string_value(json_object_get(c, "status"));
		if (rc == WN_ENOTMEMBER || rc == WN_ENOTFOUND ||
		    (rc == 0 && status != NULL && strcmp(status, "closed") == 0))
			casekey_forget(n, json_string_value(x));
		json_decref(c);
		if (rc != 0 && rc != WN_ENOTMEMBER && rc != WN_ENOTFOUND)
			break; /* the broker is away: next time */
	}
	json_decref(ids);
}

int retention_purge(struct node *n, int days, struct retention_counts *counts)
{
	struct retention_job j;
	memset(&j, 0, sizeof(j));
	memset(counts, 0, sizeof(*counts));
	if (days <= 0)
		return 0; /* no verified policy yet */
	retention_sync_cases(n);
	j.n = n;
	j.cutoff_ms = time_now_ms() - (int64_t)days * 86400000;
	/* without a maximum a consent may run for ever: what limits it stays */
	struct directory *dir = node_directory(n);
	int max_days = dir != NULL ? dir->max_consent_days : 0;
	directory_release(dir);
	j.consent_cutoff_ms = max_days > 0 ? time_now_ms() - (int64_t)max_days * 86400000 : 0;
	date_of_ms(j.cutoff_ms, j.cutoff_date);
	int rc = db_writer_run(n->writer, retention_run, &j);
	if (rc == 0)
		*counts = j.counts;
	long duties = j.counts.consents + j.counts.notices + j.counts.rights + j.counts.other;
	if (rc != 0)
		log_msg(WN_LOG_ERROR, "retention_failed", "the client-duty records past their "
			"retention could not be purged: %s", wn_strerror(rc));
	else if (duties > 0 || j.counts.pseudonyms > 0)
		log_emit(WN_LOG_INFO, "retention_purged",
			 json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:s}", "records", (json_int_t)duties,
				   "consents", (json_int_t)j.counts.consents, "notices",
				   (json_int_t)j.counts.notices, "rights", (json_int_t)j.counts.rights,
				   "other", (json_int_t)j.counts.other, "pseudonyms",
				   (json_int_t)j.counts.pseudonyms, "before", j.cutoff_date));
	return rc;
}
