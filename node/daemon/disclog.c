/*
 * disclog.c — disclosure and sent logs, written through group commit.
 */
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "wijknet.h"
#include "canon.h"
#include "disclog.h"
#include "encoding.h"
#include "ids.h"
#include "log.h"

static const char SQL_DISCLOSURE_INSERT[] =
	"INSERT INTO disclosures(ts, request_id, type, requester, actor_id, actor_role, purpose,"
	" cluster, subject_index, outcome, reason, broker_index, case_id, ground,"
	" ground_detail_hash, consent_id, consent_version, categories, approval, ledger_idx,"
	" asked, broker_ts, broker_leaf, person)"
	" VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
static const char SQL_SENT_INSERT[] =
	"INSERT INTO sent_log(ts, request_id, type, actor_id, actor_role, purpose, cluster,"
	" partners, subject_index, case_id, ground, consent_id, categories, subjects,"
	" fingerprint) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
static const char SQL_SENT_COMPLETE[] =
	"UPDATE sent_log SET outcomes = ?, completed_at = ?, received = ? WHERE request_id = ?";

static void bind_opt_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s != NULL)
		sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

/* Steps an insert keyed by request id: WN_EREPLAY when that id is logged
 * already, WN_EDB for any other failure (a full disk, a read-only file). */
static int disclog_step(db *d, sqlite3_stmt *st)
{
	int s = sqlite3_step(st);
	if (s == SQLITE_DONE)
		return 0;
	return db_is_duplicate(d) ? WN_EREPLAY : WN_EDB;
}

static void json_opt(json_t *o, const char *k, const char *v)
{
	if (v != NULL)
		json_object_set_new(o, k, json_string(v));
}

/* What the broker countersigned of a query: the partners it went to (JSON
 * text, caller frees), the receipt's time and audit leaf. */
struct broker_meta {
	char *asked;
	int64_t ts;
	const char *leaf;
};

static void broker_meta_of(const json_t *query, struct broker_meta *m)
{
	const json_t *r = json_object_get(query, "receipt"), *to = json_object_get(query, "to");
	memset(m, 0, sizeof(*m));
	if (json_is_array(to))
		m->asked = json_dumps(to, JSON_COMPACT);
	else if (json_is_string(to)) {
		json_t *one = json_pack("[O]", to);
		m->asked = one ? json_dumps(one, JSON_COMPACT) : NULL;
		json_decref(one);
	}
	m->ts = (int64_t)json_integer_value(json_object_get(r, "ts"));
	m->leaf = json_string_value(json_object_get(r, "leaf"));
}

/* The ledger entry of a disclosure: the same fields as its row. */
static json_t *disclog_entry(const struct disclosure *e, const struct broker_meta *m, int64_t ts)
{
	char idx[2 * 32 + 1] = "";
	json_t *o = json_pack("{s:s,s:I,s:I,s:i}", "type", "disclosure", "ts", (json_int_t)ts,
			      "broker_index", (json_int_t)e->broker_index, "person", e->person);
	if (o == NULL)
		return NULL;
	if (e->subject_index != NULL) {
		hex_encode(e->subject_index, 32, idx);
		json_object_set_new(o, "subject_index", json_string(idx));
	}
	const char *k[] = { "request_id", "kind", "requester", "actor_id", "actor_role", "purpose",
			    "cluster", "outcome", "reason", "case_id", "ground",
			    "ground_detail_hash", "consent_id", "consent_version", "categories",
			    "approval" };
	const char *v[] = { e->request_id, e->type, e->requester, e->actor_id, e->actor_role,
			    e->purpose, e->cluster, e->outcome, e->reason, e->case_id, e->ground,
			    e->ground_detail_hash, e->consent_id, e->consent_version,
			    e->categories, e->approval };
	for (size_t i = 0; i < sizeof(k) / sizeof(k[0]); i++)
		json_opt(o, k[i], v[i]);
	json_opt(o, "asked", m->asked);
	json_opt(o, "broker_leaf", m->leaf);
	if (m->ts > 0)
		json_object_set_new(o, "broker_ts", json_integer((json_int_t)m->ts));
	return o;
}

int ledger_append_locked(tlog *ledger, const char *type, const char *ref, json_t *fields,
			 int64_t *index)
{
	char *canon = NULL;
	size_t len = 0;
	uint8_t leaf[MERKLE_HASH_LEN];
	json_object_set_new(fields, "type", json_string(type));
	int rc = canon_dump(fields, &canon, &len);
	if (rc == 0)
		rc = tlog_append_locked(ledger, type, ref, canon, len, index, leaf);
	free(canon);
	return rc;
}

int disclog_insert(db *d, void *arg)
{
	const struct disclosure *e = arg;
	sqlite3_stmt *st = NULL;
	int64_t ts = time_now_ms(), lidx = 0;
	struct broker_meta m;
	broker_meta_of(e->query, &m);
	json_t *entry = disclog_entry(e, &m, ts);
	if (entry == NULL) {
		free(m.asked);
		return WN_ENOMEM;
	}
	/* the ledger first: a duplicate request id below rolls both back */
	int rc = e->ledger ? ledger_append_locked(e->ledger, "disclosure", e->request_id, entry,
						  &lidx)
			   : WN_EINVAL;
	json_decref(entry);
	if (rc == 0)
		rc = db_stmt(d, SQL_DISCLOSURE_INSERT, &st);
	if (rc != 0) {
		free(m.asked);
		return rc;
	}
	sqlite3_bind_int64(st, 1, ts);
	bind_opt_text(st, 2, e->request_id);
	bind_opt_text(st, 3, e->type);
	bind_opt_text(st, 4, e->requester);
	bind_opt_text(st, 5, e->actor_id);
	bind_opt_text(st, 6, e->actor_role);
	bind_opt_text(st, 7, e->purpose);
	bind_opt_text(st, 8, e->cluster);
	if (e->subject_index)
		sqlite3_bind_blob(st, 9, e->subject_index, 32, SQLITE_STATIC);
	bind_opt_text(st, 10, e->outcome);
	bind_opt_text(st, 11, e->reason);
	sqlite3_bind_int64(st, 12, e->broker_index);
	bind_opt_text(st, 13, e->case_id);
	bind_opt_text(st, 14, e->ground);
	bind_opt_text(st, 15, e->ground_detail_hash);
	bind_opt_text(st, 16, e->consent_id);
	bind_opt_text(st, 17, e->consent_version);
	bind_opt_text(st, 18, e->categories);
	bind_opt_text(st, 19, e->approval);
	sqlite3_bind_int64(st, 20, lidx);
	bind_opt_text(st, 21, m.asked);
	if (m.ts > 0)
		sqlite3_bind_int64(st, 22, m.ts);
	else
		sqlite3_bind_null(st, 22);
	bind_opt_text(st, 23, m.leaf);
	sqlite3_bind_int(st, 24, e->person);
	rc = disclog_step(d, st);
	db_stmt_done(d, st);
	free(m.asked);
	return rc;
}

int disclog_write(db_writer *w, const struct disclosure *e)
{
	return db_writer_run(w, disclog_insert, (void *)e);
}

static int sentlog_insert(db *d, void *arg)
{
	const struct sent_entry *e = arg;
	sqlite3_stmt *st = NULL;
	int rc = db_stmt(d, SQL_SENT_INSERT, &st);
	if (rc != 0)
		return rc;
	sqlite3_bind_int64(st, 1, time_now_ms());
	bind_opt_text(st, 2, e->request_id);
	bind_opt_text(st, 3, e->type);
	bind_opt_text(st, 4, e->actor_id);
	bind_opt_text(st, 5, e->actor_role);
	bind_opt_text(st, 6, e->purpose);
	bind_opt_text(st, 7, e->cluster);
	bind_opt_text(st, 8, e->partners);
	if (e->subject_index)
		sqlite3_bind_blob(st, 9, e->subject_index, 32, SQLITE_STATIC);
	bind_opt_text(st, 10, e->case_id);
	bind_opt_text(st, 11, e->ground);
	bind_opt_text(st, 12, e->consent_id);
	bind_opt_text(st, 13, e->categories);
	bind_opt_text(st, 14, e->subjects);
	bind_opt_text(st, 15, e->fingerprint);
	rc = disclog_step(d, st);
	db_stmt_done(d, st);
	return rc;
}

/* Text column i into out (cap bytes), "" when NULL or too long. */
static void column_text(sqlite3_stmt *st, int i, char *out, size_t cap)
{
	const char *t = (const char *)sqlite3_column_text(st, i);
	size_t len = t ? strlen(t) : 0;
	if (len < cap)
		memcpy(out, t ? t : "", len + 1);
	else
		out[0] = '\0';
}

int sentlog_state(db *d, const char *request_id, struct sent_state *out)
{
	sqlite3_stmt *st = NULL;
	memset(out, 0, sizeof(*out));
	db_lock(d);
	int rc = db_prepare(d, "SELECT ts, type, fingerprint, completed_at, CASE WHEN"
			       " json_valid(outcomes) THEN json_extract(outcomes, '$.' ||"
			       " json_quote(json_extract(partners, '$[0]'))) END FROM sent_log"
			       " WHERE request_id = ?", &st);
	if (rc == 0) {
		sqlite3_bind_text(st, 1, request_id, -1, SQLITE_TRANSIENT);
		int s = sqlite3_step(st);
		if ((out->found = s == SQLITE_ROW)) {
			out->ts = sqlite3_column_int64(st, 0);
			column_text(st, 1, out->type, sizeof(out->type));
			column_text(st, 2, out->fingerprint, sizeof(out->fingerprint));
			out->completed = sqlite3_column_type(st, 3) != SQLITE_NULL;
			column_text(st, 4, out->outcome, sizeof(out->outcome));
		}
		rc = s == SQLITE_ROW || s == SQLITE_DONE ? 0 : WN_EDB;
	}
	sqlite3_finalize(st);
	db_unlock(d);
	return rc;
}

int sentlog_write(db_writer *w, const struct sent_entry *e)
{
	return db_writer_run(w, sentlog_insert, (void *)e);
}

struct sent_completion {
	const char *request_id, *outcomes, *received;
	int64_t at;
};

static int sentlog_update(db *d, void *arg)
{
	const struct sent_completion *c = arg;
	sqlite3_stmt *st = NULL;
	int rc = db_stmt(d, SQL_SENT_COMPLETE, &st);
	if (rc != 0)
		return rc;
	sqlite3_bind_text(st, 1, c->outcomes, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, c->at);
	bind_opt_text(st, 3, c->received);
	sqlite3_bind_text(st, 4, c->request_id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : WN_EDB;
	db_stmt_done(d, st);
	return rc;
}

int sentlog_complete_locked(db *d, const char *request_id, const char *outcomes,
			    const char *received)
{
	struct sent_completion c = { request_id, outcomes, received, time_now_ms() };
	return sentlog_update(d, &c);
}

int sentlog_complete(db_writer *w, const char *request_id, const char *outcomes,
		     const char *received)
{
	struct sent_completion c = { request_id, outcomes, received, time_now_ms() };
	return db_writer_run(w, sentlog_update, &c);
}

/* A posted completion owns its copies of the texts. */
struct sent_completion_post {
	struct sent_completion c;
	char *request_id, *outcomes;
};

static void sentlog_complete_release(void *arg, int rc)
{
	struct sent_completion_post *p = arg;
	if (rc != 0)
		log_msg(WN_LOG_ERROR, "sent_log_failed", "could not record the answers of %s",
			p->request_id);
	free(p->request_id);
	free(p->outcomes);
	free(p);
}

int sentlog_complete_post(db_writer *w, const char *request_id, const char *outcomes)
{
	struct sent_completion_post *p = calloc(1, sizeof(*p));
	if (p == NULL || (p->request_id = strdup(request_id)) == NULL ||
	    (p->outcomes = strdup(outcomes)) == NULL) {
		if (p != NULL)
			free(p->request_id);
		free(p);
		return WN_ENOMEM;
	}
	p->c = (struct sent_completion){ p->request_id, p->outcomes, NULL, time_now_ms() };
	return db_writer_post(w, sentlog_update, &p->c, sentlog_complete_release);
}
