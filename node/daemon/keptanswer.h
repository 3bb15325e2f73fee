/*
 * keptanswer.h — the answer to a data request this node made, kept for a
 * day under its request id, so a caller that lost it (its own timeout, a
 * dropped connection) asks again with the same id and gets that answer,
 * without the source disclosing a second time. A request that ended in an
 * error after it was logged keeps that error the same way.
 */
#ifndef WN_NODE_KEPTANSWER_H
#define WN_NODE_KEPTANSWER_H

#include <stdint.h>

#include <jansson.h>

#include "db.h"
#include "store.h"

/* How long an answer is kept: a retry comes within minutes, not days. */
#define KEPTANSWER_KEEP_MS (24LL * 3600 * 1000)

#define KEPTANSWER_SCHEMA                                                              \
	"CREATE TABLE kept_answers (request_id TEXT PRIMARY KEY,"                       \
	" subject_index BLOB NOT NULL, kept_at INTEGER NOT NULL, answer TEXT NOT NULL);" \
	"CREATE INDEX kept_answers_subject ON kept_answers(subject_index);"

struct node;

/* What completes a request: the sent log's outcomes and categories received
 * (as sentlog_complete) and, unless NULL, the answer kept for a retry. */
struct keptanswer_completion {
	const char *request_id;
	const char *outcomes, *received;
	const uint8_t *subject_index;
	const json_t *answer; /* {outcome, …, records} or {error, message} */
};

/* Records the completion and keeps the answer in one transaction. */
int keptanswer_complete(struct node *n, const struct keptanswer_completion *c);

/* The answer kept for request_id, younger than a day: *answer
 * (json_decref()), *kept_at; WN_ENOTFOUND when none is kept. */
int keptanswer_get(db *d, const char *request_id, json_t **answer, int64_t *kept_at);

/* Logs in the ledger that actor read the kept answer again (it names a
 * person), before it is shown; WN_ENOTFOUND, nothing logged, when the
 * answer is no longer kept (erased or expired since it was read). */
int keptanswer_log_read(struct node *n, const char *request_id, const json_t *actor,
			const uint8_t index[STORE_INDEX_LEN], const char *case_id,
			const char *partner, const json_t *categories);

/* Inside a writer transaction: drops the answers older than a day, or all
 * the answers kept about one person (an erasure). */
int keptanswer_expire_locked(db *d, int64_t now_ms);
int keptanswer_forget_locked(db *d, const uint8_t index[STORE_INDEX_LEN]);

#endif
