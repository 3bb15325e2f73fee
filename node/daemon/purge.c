/*
 * purge.c — records leave the store (r18, r19): when their retention date
 * has passed (Heerlen 11.3, G-P 9), on a timer in the daemon and on demand,
 * and when a record is deleted (by the partner, or on a client's request).
 * Each removal is a ledger entry that names the category, the person's
 * pseudonym and why, never the content; the ledger itself is kept.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wijknet.h"
#include "bsn.h"
#include "context.h"
#include "date.h"
#include "disclog.h"
#include "encoding.h"
#include "ids.h"
#include "local.h"
#include "log.h"
#include "keptanswer.h"
#include "purge.h"
#include "store.h"
#include "vocab.h"

#define PURGE_BATCH 10000 /* records per run; the next run takes the rest */

struct purge_job {
	struct node *n;
	const char *today;
	long purged;
};

static int purge_run(db *d, void *arg)
{
	struct purge_job *j = arg;
	sqlite3_stmt *st = NULL, *del = NULL;
	/* answers kept for a retry are no records: they go after a day */
	int rc = keptanswer_expire_locked(d, time_now_ms());
	if (rc == 0)
		rc = db_prepare(d, "SELECT id, subject_index, category, retention_until FROM"
				" records WHERE retention_until < ? ORDER BY id LIMIT ?", &st);
	if (rc == 0)
		rc = db_prepare(d, "DELETE FROM records WHERE id = ?", &del);
	if (rc == 0) {
		sqlite3_bind_text(st, 1, j->today, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 2, PURGE_BATCH);
	}
	while (rc == 0 && sqlite3_step(st) == SQLITE_ROW) {
		char idx[65] = "";
		int64_t lidx = 0;
		if (sqlite3_column_bytes(st, 1) == STORE_INDEX_LEN)
			hex_encode(sqlite3_column_blob(st, 1), STORE_INDEX_LEN, idx);
		json_t *entry = json_pack("{s:s,s:s,s:s,s:s}", "subject_index", idx, "category",
					  (const char *)sqlite3_column_text(st, 2), "retention_until",
					  (const char *)sqlite3_column_text(st, 3), "reason",
					  "retention");
		rc = entry ? ledger_append_locked(j->n->ledger, "purge", NULL, entry, &lidx)
			   : WN_ENOMEM;
		json_decref(entry);
		if (rc == 0) {
			sqlite3_reset(del);
			sqlite3_bind_int64(del, 1, sqlite3_column_int64(st, 0));
			rc = sqlite3_step(del) == SQLITE_DONE ? 0 : WN_EDB;
			j->purged++;
		}
	}
	sqlite3_finalize(st);
	sqlite3_finalize(del);
	return rc;
}

int purge_expired(struct node *n, long *purged)
{
	char today[DATE_LEN + 1];
	date_today_plus(0, today);
	struct purge_job j = { n, today, 0 };
	int rc = db_writer_run(n->writer, purge_run, &j);
	*purged = rc == 0 ? j.purged : 0;
	if (rc != 0)
		log_msg(WN_LOG_ERROR, "purge_failed", "records past their retention date could not "
			"be purged: %s", wn_strerror(rc));
	else if (j.purged > 0)
		log_emit(WN_LOG_INFO, "records_purged", json_pack("{s:I,s:s}", "records",
								  (json_int_t)j.purged, "before",
								  today));
	return rc;
}

int purge_delete_locked(db *d, struct node *n, const uint8_t index[STORE_INDEX_LEN],
			const json_t *categories, const char *reason, const char *ref, long *deleted)
{
	sqlite3_stmt *st = NULL, *del = NULL;
	char idx[65];
	*deleted = 0;
	hex_encode(index, STORE_INDEX_LEN, idx);
	/* what a request received about the person and kept for a retry goes too */
	int rc = keptanswer_forget_locked(d, index);
	if (rc == 0)
		rc = db_prepare(d, "SELECT id, category FROM records WHERE subject_index = ?", &st);
	if (rc == 0)
		rc = db_prepare(d, "DELETE FROM records WHERE id = ?", &del);
	if (rc == 0)
		sqlite3_bind_blob(st, 1, index, STORE_INDEX_LEN, SQLITE_TRANSIENT);
	while (rc == 0 && sqlite3_step(st) == SQLITE_ROW) {
		const char *cat = (const char *)sqlite3_column_text(st, 1);
		size_t i;
		json_t *x;
		int wanted = categories == NULL;
		json_array_foreach(categories, i, x)
			wanted |= strcmp(json_string_value(x), cat) == 0;
		if (!wanted)
			continue;
		int64_t lidx = 0;
		json_t *entry = json_pack("{s:s,s:s,s:s}", "subject_index", idx, "category", cat,
					  "reason", reason);
		if (entry != NULL && ref != NULL)
			json_object_set_new(entry, "rights_request", json_string(ref));
		rc = entry ? ledger_append_locked(n->ledger, "deletion", ref, entry, &lidx)
			   : WN_ENOMEM;
		json_decref(entry);
		if (rc == 0) {
			sqlite3_reset(del);
			sqlite3_bind_int64(del, 1, sqlite3_column_int64(st, 0));
			rc = sqlite3_step(del) == SQLITE_DONE ? 0 : WN_EDB;
			(*deleted)++;
		}
	}
	sqlite3_finalize(st);
	sqlite3_finalize(del);
	return rc;
}

struct delete_job {
	struct node *n;
	const uint8_t *index;
	const json_t *categories;
	const char *reason, *ref;
	long deleted;
};

static int delete_run(db *d, void *arg)
{
	struct delete_job *j = arg;
	return purge_delete_locked(d, j->n, j->index, j->categories, j->reason, j->ref, &j->deleted);
}

int purge_delete(struct node *n, const uint8_t index[STORE_INDEX_LEN], const json_t *categories,
		 const char *reason, const char *ref, long *deleted)
{
	struct delete_job j = { n, index, categories, reason, ref, 0 };
	int rc = db_writer_run(n->writer, delete_run, &j);
	*deleted = rc == 0 ? j.deleted : 0;
	return rc;
}

json_t *local_purge(struct node *n, json_t *rq)
{
	long purged = 0;
	struct retention_counts k;
	(void)rq;
	int rc = purge_expired(n, &purged);
	if (rc != 0)
		return local_error(rc, "records past their retention date could not be purged");
	int days = retention_days(n);
	if (days <= 0) {
		char msg[256];
		snprintf(msg, sizeof(msg), "%ld record(s) past their date were purged, but the "
			 "federation's retention policy is not known yet (no verified directory): "
			 "consents, notices and rights requests wait", purged);
		/* the integrator is told the count with the refusal */
		json_t *e = local_error(WN_ESTATE, msg);
		json_object_set_new(e, "result", json_pack("{s:I}", "purged", (json_int_t)purged));
		return e;
	}
	if ((rc = retention_purge(n, days, &k)) != 0)
		return local_error(rc, "consents, notices, rights requests and log pseudonyms past "
				   "their retention could not be purged");
	long duties = k.consents + k.notices + k.rights + k.other;
	return json_pack("{s:b,s:{s:I,s:I,s:I,s:I,s:I,s:I,s:I}}", "ok", 1, "result", "purged",
			 (json_int_t)purged, "duty_records", (json_int_t)duties, "consents",
			 (json_int_t)k.consents, "notices", (json_int_t)k.notices, "rights",
			 (json_int_t)k.rights, "other", (json_int_t)k.other, "pseudonyms",
			 (json_int_t)k.pseudonyms);
}
