/*
 * keptanswer.c — a data request's answer kept a day for a retry under its
 * id (keptanswer.h).
 */
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "wijknet.h"
#include "context.h"
#include "disclog.h"
#include "encoding.h"
#include "ids.h"
#include "keptanswer.h"
#include "log.h"

struct keep_job {
	const struct keptanswer_completion *c;
	char *text;
};

static int keptanswer_insert(db *d, void *arg)
{
	struct keep_job *j = arg;
	sqlite3_stmt *st = NULL;
	int rc = sentlog_complete_locked(d, j->c->request_id, j->c->outcomes, j->c->received);
	if (rc != 0 || j->text == NULL)
		return rc;
	if ((rc = db_stmt(d, "INSERT OR REPLACE INTO kept_answers(request_id, subject_index,"
			     " kept_at, answer) VALUES (?, ?, ?, ?)", &st)) != 0)
		return rc;
	sqlite3_bind_text(st, 1, j->c->request_id, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, j->c->subject_index, STORE_INDEX_LEN, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, time_now_ms());
	sqlite3_bind_text(st, 4, j->text, -1, SQLITE_STATIC);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : WN_EDB;
	db_stmt_done(d, st);
	return rc;
}

int keptanswer_complete(struct node *n, const struct keptanswer_completion *c)
{
	struct keep_job j = { c, NULL };
	if (c->answer != NULL && c->subject_index != NULL &&
	    (j.text = json_dumps(c->answer, JSON_COMPACT)) == NULL)
		return WN_ENOMEM;
	int rc = db_writer_run(n->writer, keptanswer_insert, &j);
	if (j.text != NULL) {
		/* the records' content: not left in freed memory */
		memset(j.text, 0, strlen(j.text));
		free(j.text);
	}
	return rc;
}

int keptanswer_get(db *d, const char *request_id, json_t **answer, int64_t *kept_at)
{
	sqlite3_stmt *st = NULL;
	*answer = NULL;
	db_lock(d);
	int rc = db_prepare(d, "SELECT answer, kept_at FROM kept_answers WHERE request_id = ?"
			       " AND kept_at >= ?", &st);
	if (rc == 0) {
		sqlite3_bind_text(st, 1, request_id, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 2, time_now_ms() - KEPTANSWER_KEEP_MS);
		int s = sqlite3_step(st);
		if (s == SQLITE_ROW) {
			json_error_t jerr;
			*answer = json_loads((const char *)sqlite3_column_text(st, 0), 0, &jerr);
			*kept_at = sqlite3_column_int64(st, 1);
			rc = json_is_object(*answer) ? 0 : WN_EDB;
		} else {
			rc = s == SQLITE_DONE ? WN_ENOTFOUND : WN_EDB;
		}
	}
	sqlite3_finalize(st);
	db_unlock(d);
	if (rc != 0) {
		json_decref(*answer);
		*answer = NULL;
	}
	return rc;
}

struct read_job {
	struct node *n;
	const char *request_id;
	json_t *entry;
};

/* The reading's entry, in the transaction that finds the answer still kept:
 * an erasure committed since it was read leaves nothing to show. */
static int keptanswer_read_run(db *d, void *arg)
{
	struct read_job *j = arg;
	sqlite3_stmt *st = NULL;
	int64_t lidx = 0;
	int rc = db_prepare(d, "SELECT 1 FROM kept_answers WHERE request_id = ? AND kept_at >= ?",
			    &st);
	if (rc != 0)
		return rc;
	sqlite3_bind_text(st, 1, j->request_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, time_now_ms() - KEPTANSWER_KEEP_MS);
	int s = sqlite3_step(st);
	sqlite3_finalize(st);
	if (s != SQLITE_ROW)
		return s == SQLITE_DONE ? WN_ENOTFOUND : WN_EDB;
	return ledger_append_locked(j->n->ledger, "request.answer.read", j->request_id, j->entry,
				    &lidx);
}

int keptanswer_log_read(struct node *n, const char *request_id, const json_t *actor,
			const uint8_t index[STORE_INDEX_LEN], const char *case_id,
			const char *partner, const json_t *categories)
{
	char idx[2 * STORE_INDEX_LEN + 1];
	hex_encode(index, STORE_INDEX_LEN, idx);
	/* the pseudonym, as a disclosure's entry: an access report and retention find it */
	json_t *e = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:O}", "request_id", request_id, "by",
			      json_string_value(json_object_get(actor, "id")), "by_role",
			      json_string_value(json_object_get(actor, "role")), "subject_index",
			      idx, "case_id", case_id, "partner", partner, "categories",
			      categories);
	if (e == NULL)
		return WN_ENOMEM;
	struct read_job j = { n, request_id, e };
	int rc = db_writer_run(n->writer, keptanswer_read_run, &j);
	json_decref(e);
	if (rc != 0 && rc != WN_ENOTFOUND)
		log_msg(WN_LOG_ERROR, "request_answer_read", "request %s: the reading cannot be "
			"logged: %s", request_id, wn_strerror(rc));
	return rc;
}

/* One delete inside the caller's transaction: of a person, or before a time. */
static int keptanswer_delete(db *d, const char *sql, int64_t before, const uint8_t *index)
{
	sqlite3_stmt *st = NULL;
	int rc = db_prepare(d, sql, &st);
	if (rc != 0)
		return rc;
	if (index != NULL)
		sqlite3_bind_blob(st, 1, index, STORE_INDEX_LEN, SQLITE_STATIC);
	else
		sqlite3_bind_int64(st, 1, before);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : WN_EDB;
	sqlite3_finalize(st);
	return rc;
}

int keptanswer_expire_locked(db *d, int64_t now_ms)
{
	return keptanswer_delete(d, "DELETE FROM kept_answers WHERE kept_at < ?",
				 now_ms - KEPTANSWER_KEEP_MS, NULL);
}

int keptanswer_forget_locked(db *d, const uint8_t index[STORE_INDEX_LEN])
{
	return keptanswer_delete(d, "DELETE FROM kept_answers WHERE subject_index = ?", 0, index);
}
