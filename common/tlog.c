/*
 * tlog.c — Merkle logs over SQLite tables: appends with stored subtrees,
 * signed checkpoints, co-signatures, consistency and inclusion proofs, and
 * the offline recomputation that names the first fault.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wijknet.h"
#include "encoding.h"
#include "envelope.h"
#include <openssl/sha.h>

#include "canon.h"
#include "ids.h"
#include "log.h"
#include "tlog.h"

static const char CHECKPOINT_CONTEXT[] = "wijknet-checkpoint-v1\n";
static const char COSIGN_CONTEXT[] = "wijknet-cosign-v1\n";
static const char *const drop_sig[] = { "sig", NULL };

/* Statements on one connection for one log's tables. Level-0 nodes are the
 * entries' own leaf column; higher levels are in NAME_tree. */
struct tstore {
	sqlite3 *conn;
	sqlite3_stmt *leaf, *node, *put, *max, *last;
	int err; /* the first storage error of a merkle callback */
};

static void tstore_close(struct tstore *s)
{
	sqlite3_finalize(s->leaf);
	sqlite3_finalize(s->node);
	sqlite3_finalize(s->put);
	sqlite3_finalize(s->max);
	sqlite3_finalize(s->last);
	memset(s, 0, sizeof(*s));
}

static int tstore_open(struct tstore *s, sqlite3 *conn, const char *name, int writable)
{
	char sql[256];
	memset(s, 0, sizeof(*s));
	s->conn = conn;
	snprintf(sql, sizeof(sql), "SELECT leaf FROM %s WHERE idx = ?", name);
	if (sqlite3_prepare_v3(conn, sql, -1, SQLITE_PREPARE_PERSISTENT, &s->leaf, NULL) != SQLITE_OK)
		goto fail;
	snprintf(sql, sizeof(sql), "SELECT hash FROM %s_tree WHERE level = ? AND idx = ?", name);
	if (sqlite3_prepare_v3(conn, sql, -1, SQLITE_PREPARE_PERSISTENT, &s->node, NULL) != SQLITE_OK)
		goto fail;
	snprintf(sql, sizeof(sql), "SELECT COALESCE(MAX(idx), 0), COUNT(*) FROM %s", name);
	if (sqlite3_prepare_v3(conn, sql, -1, SQLITE_PREPARE_PERSISTENT, &s->max, NULL) != SQLITE_OK)
		goto fail;
	/* the hot path reads the last index only: O(log n), where COUNT(*) is O(n) */
	snprintf(sql, sizeof(sql), "SELECT COALESCE(MAX(idx), 0) FROM %s", name);
	if (sqlite3_prepare_v3(conn, sql, -1, SQLITE_PREPARE_PERSISTENT, &s->last, NULL) != SQLITE_OK)
		goto fail;
	if (writable) {
		snprintf(sql, sizeof(sql), "INSERT OR REPLACE INTO %s_tree(level, idx, hash)"
			 " VALUES (?, ?, ?)", name);
		if (sqlite3_prepare_v3(conn, sql, -1, SQLITE_PREPARE_PERSISTENT, &s->put, NULL) !=
		    SQLITE_OK)
			goto fail;
	}
	return 0;
fail:
	log_msg(WN_LOG_ERROR, "tlog_prepare", "%s: %s", name, sqlite3_errmsg(conn));
	tstore_close(s);
	return WN_EDB;
}

/* merkle_node_fn over the tables. */
static int tstore_node(void *arg, unsigned level, uint64_t index, uint8_t out[MERKLE_HASH_LEN])
{
	struct tstore *s = arg;
	sqlite3_stmt *st = level == 0 ? s->leaf : s->node;
	int rc = WN_ENOTFOUND;
	sqlite3_reset(st);
	if (level == 0) {
		sqlite3_bind_int64(st, 1, (sqlite3_int64)index + 1);
	} else {
		sqlite3_bind_int(st, 1, (int)level);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)index);
	}
	int step = sqlite3_step(st);
	if (step == SQLITE_ROW && sqlite3_column_bytes(st, 0) == MERKLE_HASH_LEN) {
		memcpy(out, sqlite3_column_blob(st, 0), MERKLE_HASH_LEN);
		rc = 0;
	} else if (step != SQLITE_ROW && step != SQLITE_DONE) {
		rc = WN_EDB;
	}
	sqlite3_reset(st);
	return rc;
}

/* merkle_emit_fn: stores completed subtrees above the leaves. */
static int tstore_emit(void *arg, unsigned level, uint64_t index, const uint8_t hash[MERKLE_HASH_LEN])
{
	struct tstore *s = arg;
	if (level == 0)
		return 0;
	sqlite3_reset(s->put);
	sqlite3_bind_int(s->put, 1, (int)level);
	sqlite3_bind_int64(s->put, 2, (sqlite3_int64)index);
	sqlite3_bind_blob(s->put, 3, hash, MERKLE_HASH_LEN, SQLITE_STATIC);
	int rc = sqlite3_step(s->put) == SQLITE_DONE ? 0 : WN_EDB;
	sqlite3_reset(s->put);
	return rc;
}

static int tstore_count(struct tstore *s, uint64_t *max, uint64_t *count)
{
	sqlite3_reset(s->max);
	int rc = WN_EDB;
	if (sqlite3_step(s->max) == SQLITE_ROW) {
		*max = (uint64_t)sqlite3_column_int64(s->max, 0);
		*count = (uint64_t)sqlite3_column_int64(s->max, 1);
		rc = 0;
	}
	sqlite3_reset(s->max);
	return rc;
}

static int tstore_last(struct tstore *s, uint64_t *last)
{
	sqlite3_reset(s->last);
	int rc = WN_EDB;
	if (sqlite3_step(s->last) == SQLITE_ROW) {
		*last = (uint64_t)sqlite3_column_int64(s->last, 0);
		rc = 0;
	}
	sqlite3_reset(s->last);
	return rc;
}

/* ---- the daemon's log ----------------------------------------------- */

struct tlog {
	db *d;
	char *name, *origin;
	char *sql_insert, *sql_latest, *sql_cp_put;
	struct tstore s;
	struct merkle_frontier f; /* guarded by the db lock */
};

/* Rebuilds the stored subtrees and the frontier from the entries' leaves
 * (a database from before the tree, or one whose tree is behind). */
static int tlog_rebuild_locked(tlog *t, uint64_t count)
{
	char sql[160];
	sqlite3_stmt *st = NULL;
	int rc = db_begin(t->d);
	if (rc != 0)
		return rc;
	memset(&t->f, 0, sizeof(t->f));
	snprintf(sql, sizeof(sql), "SELECT idx, leaf FROM %s ORDER BY idx", t->name);
	if ((rc = db_prepare(t->d, sql, &st)) != 0)
		goto out;
	uint64_t k = 0;
	while (rc == 0 && sqlite3_step(st) == SQLITE_ROW) {
		if ((uint64_t)sqlite3_column_int64(st, 0) != k + 1 ||
		    sqlite3_column_bytes(st, 1) != MERKLE_HASH_LEN) {
			log_msg(WN_LOG_ERROR, "tlog_damaged", "%s: entry %llu is missing or damaged; "
				"run 'wijknet audit verify'", t->name, (unsigned long long)(k + 1));
			rc = WN_EDB;
			break;
		}
		rc = merkle_frontier_append(&t->f, sqlite3_column_blob(st, 1), tstore_emit, &t->s);
		k++;
	}
	sqlite3_finalize(st);
	if (rc == 0 && k != count)
		rc = WN_EDB;
out:
	if (rc == 0)
		rc = db_commit(t->d);
	else
		db_rollback(t->d);
	if (rc == 0 && count > 0)
		log_msg(WN_LOG_INFO, "tlog_rebuilt", "%s: tree of %llu entries rebuilt", t->name,
			(unsigned long long)count);
	return rc;
}

/* Makes the in-memory frontier match the stored log, on every append: it
 * reads only the last index (a rolled-back batch leaves the frontier ahead
 * of it). Gaps are looked for where a whole count is affordable: at open and
 * in the offline verification. */
static int tlog_sync_locked(tlog *t)
{
	uint64_t last = 0;
	int rc = tstore_last(&t->s, &last);
	if (rc != 0)
		return rc;
	if (t->f.size == last)
		return 0;
	if ((rc = merkle_frontier_load(tstore_node, &t->s, last, &t->f)) != 0)
		log_msg(WN_LOG_ERROR, "tlog_damaged", "%s: the tree of %llu entries cannot be loaded;"
			" run 'wijknet audit verify'", t->name, (unsigned long long)last);
	return rc;
}

static int tlog_extends_latest_locked(tlog *t);

int tlog_open(db *d, const char *name, const char *origin, tlog **out)
{
	char sql[256];
	tlog *t = calloc(1, sizeof(*t));
	if (t == NULL)
		return WN_ENOMEM;
	t->d = d;
	t->name = strdup(name);
	t->origin = strdup(origin);
	snprintf(sql, sizeof(sql), "INSERT INTO %s(idx, ts, type, msg_id, entry, leaf)"
		 " VALUES (?, ?, ?, ?, ?, ?)", name);
	t->sql_insert = strdup(sql);
	snprintf(sql, sizeof(sql), "SELECT size, root, ts, origin, sig FROM %s_checkpoints"
		 " ORDER BY size DESC LIMIT 1", name);
	t->sql_latest = strdup(sql);
	snprintf(sql, sizeof(sql), "INSERT INTO %s_checkpoints(size, root, ts, origin, sig)"
		 " VALUES (?, ?, ?, ?, ?)", name);
	t->sql_cp_put = strdup(sql);
	if (t->name == NULL || t->origin == NULL || t->sql_insert == NULL || t->sql_latest == NULL ||
	    t->sql_cp_put == NULL) {
		tlog_close(t);
		return WN_ENOMEM;
	}
	db_lock(d);
	int rc = tstore_open(&t->s, db_handle(d), name, 1);
	uint64_t max = 0, count = 0;
	if (rc == 0)
		rc = tstore_count(&t->s, &max, &count);
	if (rc == 0 && max != count)
		rc = tlog_rebuild_locked(t, count); /* reports the gap */
	else if (rc == 0 && merkle_frontier_load(tstore_node, &t->s, count, &t->f) != 0)
		rc = tlog_rebuild_locked(t, count);
	/* never sign over a log cut short or changed under its own last checkpoint */
	if (rc == 0)
		rc = tlog_extends_latest_locked(t);
	db_unlock(d);
	if (rc != 0) {
		tlog_close(t);
		return rc;
	}
	*out = t;
	return 0;
}

void tlog_close(tlog *t)
{
	if (t == NULL)
		return;
	if (t->d != NULL) {
		db_lock(t->d);
		tstore_close(&t->s);
		db_unlock(t->d);
	}
	free(t->name);
	free(t->origin);
	free(t->sql_insert);
	free(t->sql_latest);
	free(t->sql_cp_put);
	free(t);
}

int tlog_append_locked(tlog *t, const char *type, const char *msg_id, const char *entry,
		       size_t len, int64_t *index, uint8_t leaf[MERKLE_HASH_LEN])
{
	sqlite3_stmt *st = NULL;
	/* a rolled-back transaction may have left the frontier ahead */
	int rc = tlog_sync_locked(t);
	if (rc == 0)
		rc = merkle_leaf_hash(entry, len, leaf);
	if (rc == 0)
		rc = db_stmt(t->d, t->sql_insert, &st);
	if (rc != 0)
		return rc;
	int64_t idx = (int64_t)t->f.size + 1;
	sqlite3_bind_int64(st, 1, idx);
	sqlite3_bind_int64(st, 2, time_now_ms());
	sqlite3_bind_text(st, 3, type, -1, SQLITE_STATIC);
	if (msg_id != NULL)
		sqlite3_bind_text(st, 4, msg_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, entry, (int)len, SQLITE_STATIC);
	sqlite3_bind_blob(st, 6, leaf, MERKLE_HASH_LEN, SQLITE_STATIC);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : WN_EDB;
	db_stmt_done(t->d, st);
	if (rc == 0)
		rc = merkle_frontier_append(&t->f, leaf, tstore_emit, &t->s);
	if (rc == 0)
		*index = idx;
	return rc;
}

int tlog_size_locked(tlog *t, uint64_t *size)
{
	int rc = tlog_sync_locked(t);
	*size = t->f.size;
	return rc;
}

int tlog_size(tlog *t, uint64_t *size)
{
	db_lock(t->d);
	int rc = tlog_size_locked(t, size);
	db_unlock(t->d);
	return rc;
}

static json_t *checkpoint_row(sqlite3_stmt *st)
{
	return json_pack("{s:I,s:s,s:I,s:s,s:s}", "size", (json_int_t)sqlite3_column_int64(st, 0),
			 "root", (const char *)sqlite3_column_text(st, 1), "ts",
			 (json_int_t)sqlite3_column_int64(st, 2), "origin",
			 (const char *)sqlite3_column_text(st, 3), "sig",
			 (const char *)sqlite3_column_text(st, 4));
}

static int tlog_latest_locked(tlog *t, json_t **out)
{
	sqlite3_stmt *st = NULL;
	*out = NULL;
	int rc = db_stmt(t->d, t->sql_latest, &st);
	if (rc != 0)
		return rc;
	int s = sqlite3_step(st);
	if (s == SQLITE_ROW)
		*out = checkpoint_row(st);
	else if (s != SQLITE_DONE)
		rc = WN_EDB;
	db_stmt_done(t->d, st);
	return rc;
}

/* 0 when the stored log holds its latest checkpoint's tree; WN_ETAMPERED
 * (logged) when it is shorter or its root at that size differs. */
static int tlog_extends_latest_locked(tlog *t)
{
	json_t *cp = NULL;
	uint8_t root[MERKLE_HASH_LEN];
	char hex[65];
	int rc = tlog_latest_locked(t, &cp);
	if (rc != 0 || cp == NULL)
		return rc;
	uint64_t size = (uint64_t)json_integer_value(json_object_get(cp, "size"));
	const char *signed_root = json_string_value(json_object_get(cp, "root"));
	if (size > t->f.size) {
		log_msg(WN_LOG_ERROR, "tlog_tampered", "%s holds %llu entries but its checkpoint "
			"was signed at %llu: the log was cut short; run 'wijknet audit verify'",
			t->name, (unsigned long long)t->f.size, (unsigned long long)size);
		rc = WN_ETAMPERED;
	} else if ((rc = merkle_root(tstore_node, &t->s, size, root)) == 0) {
		hex_encode(root, sizeof(root), hex);
		if (signed_root == NULL || strcmp(hex, signed_root) != 0) {
			log_msg(WN_LOG_ERROR, "tlog_tampered", "%s: the first %llu entries no longer "
				"give the root signed in their checkpoint: they were changed; run "
				"'wijknet audit verify'", t->name, (unsigned long long)size);
			rc = WN_ETAMPERED;
		}
	}
	json_decref(cp);
	return rc;
}

int tlog_latest(tlog *t, json_t **out)
{
	db_lock(t->d);
	int rc = tlog_latest_locked(t, out);
	db_unlock(t->d);
	return rc;
}

int tlog_checkpoint_locked(db *d, void *arg)
{
	struct tlog_checkpoint_job *job = arg;
	tlog *t = job->t;
	json_t *last = NULL, *cp = NULL;
	uint8_t root[MERKLE_HASH_LEN];
	char hex[65], *sig = NULL;
	sqlite3_stmt *st = NULL;
	job->made = NULL;
	int rc = tlog_sync_locked(t);
	if (rc == 0)
		rc = tlog_latest_locked(t, &last);
	if (rc != 0)
		return rc;
	if (t->f.size == 0 ||
	    (last != NULL && (uint64_t)json_integer_value(json_object_get(last, "size")) == t->f.size)) {
		json_decref(last);
		return 0;
	}
	json_decref(last);
	if ((rc = merkle_frontier_root(&t->f, root)) != 0)
		return rc;
	hex_encode(root, sizeof(root), hex);
	cp = json_pack("{s:s,s:I,s:s,s:I}", "origin", t->origin, "size", (json_int_t)t->f.size,
		       "root", hex, "ts", (json_int_t)time_now_ms());
	if (cp == NULL)
		return WN_ENOMEM;
	if ((rc = envelope_sign_object(cp, CHECKPOINT_CONTEXT, drop_sig, job->key, &sig)) != 0)
		goto out;
	json_object_set_new(cp, "sig", json_string(sig));
	if ((rc = db_stmt(d, t->sql_cp_put, &st)) != 0)
		goto out;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)t->f.size);
	sqlite3_bind_text(st, 2, hex, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, json_integer_value(json_object_get(cp, "ts")));
	sqlite3_bind_text(st, 4, t->origin, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, sig, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : WN_EDB;
	db_stmt_done(d, st);
	if (rc == 0) {
		job->made = cp;
		cp = NULL;
	}
out:
	free(sig);
	json_decref(cp);
	return rc;
}

int tlog_checkpoint_verify(const json_t *cp, X509 *cert)
{
	return envelope_verify_object(cp, CHECKPOINT_CONTEXT, drop_sig, cert);
}

int tlog_cosign(const json_t *cp, EVP_PKEY *key, char **sig_b64)
{
	return envelope_sign_object(cp, COSIGN_CONTEXT, drop_sig, key, sig_b64);
}

int tlog_cosign_verify(const json_t *cp, const char *sig_b64, X509 *cert)
{
	json_t *copy = json_deep_copy(cp);
	if (copy == NULL)
		return WN_ENOMEM;
	json_object_set_new(copy, "sig", json_string(sig_b64));
	int rc = envelope_verify_object(copy, COSIGN_CONTEXT, drop_sig, cert);
	json_decref(copy);
	return rc;
}

int tlog_root_hex(tlog *t, uint64_t size, char root[65])
{
	uint8_t r[MERKLE_HASH_LEN];
	db_lock(t->d);
	int rc = tlog_sync_locked(t);
	if (rc == 0)
		rc = size > t->f.size ? WN_EINVAL : merkle_root(tstore_node, &t->s, size, r);
	db_unlock(t->d);
	if (rc == 0)
		hex_encode(r, sizeof(r), root);
	return rc;
}

static json_t *hex_array(uint8_t (*h)[MERKLE_HASH_LEN], size_t n)
{
	json_t *arr = json_array();
	char hex[65];
	for (size_t i = 0; arr != NULL && i < n; i++) {
		hex_encode(h[i], MERKLE_HASH_LEN, hex);
		json_array_append_new(arr, json_string(hex));
	}
	return arr;
}

/* Decodes an array of hex hashes; *n of them (at most MERKLE_PROOF_MAX). */
static int hex_array_decode(const json_t *arr, uint8_t (*out)[MERKLE_HASH_LEN], size_t *n)
{
	size_t i;
	json_t *x;
	if (!json_is_array(arr) || json_array_size(arr) > MERKLE_PROOF_MAX)
		return WN_ESCHEMA;
	json_array_foreach(arr, i, x)
		if (hex_decode(json_string_value(x), out[i], MERKLE_HASH_LEN) != 0)
			return WN_ESCHEMA;
	*n = json_array_size(arr);
	return 0;
}

int tlog_consistency(tlog *t, uint64_t old_size, uint64_t new_size, json_t **proof)
{
	uint8_t p[MERKLE_PROOF_MAX][MERKLE_HASH_LEN];
	size_t n = 0;
	db_lock(t->d);
	int rc = tlog_sync_locked(t);
	if (rc == 0)
		rc = new_size > t->f.size ? WN_EINVAL
					  : merkle_consistency_proof(tstore_node, &t->s, old_size,
								     new_size, p, MERKLE_PROOF_MAX, &n);
	db_unlock(t->d);
	if (rc == 0 && (*proof = hex_array(p, n)) == NULL)
		rc = WN_ENOMEM;
	return rc;
}

int tlog_consistency_verify(const json_t *old_cp, const json_t *new_cp, const json_t *proof)
{
	uint8_t p[MERKLE_PROOF_MAX][MERKLE_HASH_LEN], r1[MERKLE_HASH_LEN], r2[MERKLE_HASH_LEN];
	size_t n = 0;
	json_int_t s1 = json_integer_value(json_object_get(old_cp, "size"));
	json_int_t s2 = json_integer_value(json_object_get(new_cp, "size"));
	if (s1 <= 0 || s2 < s1 ||
	    hex_decode(json_string_value(json_object_get(old_cp, "root")), r1, sizeof(r1)) != 0 ||
	    hex_decode(json_string_value(json_object_get(new_cp, "root")), r2, sizeof(r2)) != 0 ||
	    hex_array_decode(proof, p, &n) != 0)
		return WN_ESCHEMA;
	return merkle_verify_consistency((uint64_t)s1, (uint64_t)s2, r1, r2,
					 (const uint8_t(*)[MERKLE_HASH_LEN])p, n);
}

/* ---- offline -------------------------------------------------------- */

struct verify_state {
	struct tstore s;
	json_t *error; /* the first fault */
};

static void verify_fault(struct verify_state *v, uint64_t index, const char *kind, const char *fmt,
			 ...) __attribute__((format(printf, 4, 5)));
static void verify_fault(struct verify_state *v, uint64_t index, const char *kind, const char *fmt,
			 ...)
{
	char msg[512];
	va_list ap;
	if (v->error != NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	v->error = json_pack("{s:I,s:s,s:s}", "index", (json_int_t)index, "kind", kind, "message",
			     msg);
}

/* During the recomputation every completed subtree is compared with the
 * stored one: proofs are served from those. */
static int verify_emit(void *arg, unsigned level, uint64_t index, const uint8_t hash[MERKLE_HASH_LEN])
{
	struct verify_state *v = arg;
	uint8_t stored[MERKLE_HASH_LEN];
	if (level == 0 || v->error != NULL)
		return 0;
	int rc = tstore_node(&v->s, level, index, stored);
	if (rc != 0 || memcmp(stored, hash, MERKLE_HASH_LEN) != 0)
		verify_fault(v, (index << level) + 1, "tree_altered",
			     "the stored subtree at level %u, position %llu %s", level,
			     (unsigned long long)index,
			     rc != 0 ? "is missing" : "does not match the entries below it");
	return 0;
}

struct cp_row {
	uint64_t size;
	char root[65];
	json_t *cp;
};

static int load_checkpoints(sqlite3 *conn, const char *name, struct cp_row **out, size_t *n)
{
	char sql[160];
	sqlite3_stmt *st = NULL;
	size_t cap = 16, k = 0;
	struct cp_row *rows = calloc(cap, sizeof(*rows));
	if (rows == NULL)
		return WN_ENOMEM;
	snprintf(sql, sizeof(sql), "SELECT size, root, ts, origin, sig FROM %s_checkpoints"
		 " ORDER BY size", name);
	if (sqlite3_prepare_v2(conn, sql, -1, &st, NULL) != SQLITE_OK) {
		free(rows);
		return WN_EDB;
	}
	int step, rc = 0;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		if (k == cap) {
			struct cp_row *more = realloc(rows, 2 * cap * sizeof(*rows));
			if (more == NULL) {
				rc = WN_ENOMEM;
				break;
			}
			rows = more;
			cap *= 2;
		}
		rows[k].size = (uint64_t)sqlite3_column_int64(st, 0);
		snprintf(rows[k].root, sizeof(rows[k].root), "%s",
			 (const char *)sqlite3_column_text(st, 1));
		rows[k].cp = checkpoint_row(st);
		k++;
	}
	sqlite3_finalize(st);
	/* a checkpoint not read is a checkpoint not checked: no report then */
	if (rc == 0 && step != SQLITE_ROW && step != SQLITE_DONE)
		rc = WN_EDB;
	if (rc != 0) {
		for (size_t i = 0; i < k; i++)
			json_decref(rows[i].cp);
		free(rows);
		return rc;
	}
	*out = rows;
	*n = k;
	return 0;
}

static int u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* Compares the recomputed root at size k with what witnesses saw. */
static void verify_witnesses(struct verify_state *v, const json_t *witnesses, uint64_t k,
			     const char *hex)
{
	size_t i;
	json_t *w;
	json_array_foreach(witnesses, i, w) {
		const char *root = json_string_value(json_object_get(w, "root"));
		if ((uint64_t)json_integer_value(json_object_get(w, "size")) != k || root == NULL)
			continue;
		if (strcmp(root, hex) != 0)
			verify_fault(v, k, "history_rewritten", "%s saw root %.16s… at size %llu, "
				     "the entries give %.16s…: history was rewritten at or before "
				     "entry %llu",
				     json_string_value(json_object_get(w, "by"))
					     ? json_string_value(json_object_get(w, "by"))
					     : "a witness",
				     root, (unsigned long long)k, hex, (unsigned long long)k);
	}
}

/* What a purged entry holds now: SHA-256 of its kept text, in hex. */
static void verify_kept_hash(const char *entry, size_t len, char hex[65])
{
	uint8_t h[SHA256_DIGEST_LENGTH];
	SHA256((const uint8_t *)(entry ? entry : ""), entry ? len : 0, h);
	hex_encode(h, sizeof(h), hex);
}

/* A purge entry (its type read from the hashed entry, not the column) at
 * index at: each entry it names must be an earlier purged one that holds
 * exactly what the purge kept. purged: idx → kept hash, "named" once named. */
static void verify_note_purge(struct verify_state *v, json_t *purged, const char *entry,
			      uint64_t at)
{
	json_t *e = entry ? json_loads(entry, 0, NULL) : NULL, *x;
	const char *type = json_string_value(json_object_get(e, "type"));
	size_t i;
	char key[24];
	if (type == NULL || (strcmp(type, "log.purge") != 0 && strcmp(type, "case.purge") != 0)) {
		json_decref(e);
		return;
	}
	json_array_foreach(json_object_get(e, "entries"), i, x) {
		json_int_t idx = json_integer_value(json_object_get(x, "idx"));
		const char *kept = json_string_value(json_object_get(x, "kept"));
		snprintf(key, sizeof(key), "%lld", (long long)idx);
		json_t *p = json_object_get(purged, key);
		if (p == NULL || kept == NULL || (uint64_t)idx >= at ||
		    strcmp(json_string_value(json_object_get(p, "kept")), kept) != 0) {
			if (v->error == NULL)
				verify_fault(v, (uint64_t)idx, "entry_altered", "entry %s does not hold "
					     "what the purge at entry %llu kept of it", key,
					     (unsigned long long)at);
			continue;
		}
		json_object_set_new(p, "named", json_true());
	}
	json_decref(e);
}

/* A purged entry that no purge in the log names was not purged by the log's
 * owner: someone replaced its content. */
static void verify_purges_logged(struct verify_state *v, const json_t *purged)
{
	const char *key;
	json_t *p;
	json_object_foreach((json_t *)purged, key, p) {
		if (!json_is_true(json_object_get(p, "named")) && v->error == NULL) {
			verify_fault(v, (uint64_t)strtoull(key, NULL, 10), "entry_altered",
				     "entry %s is marked purged but no purge in the log names it: "
				     "its content was replaced", key);
			return;
		}

	}
}

int tlog_verify(sqlite3 *conn, const char *name, X509 *cert, const json_t *witnesses,
		tlog_progress_fn progress, void *arg, json_t **report)
{
	struct tlog_signer one = { cert, 0 };
	return tlog_verify_signers(conn, name, cert ? &one : NULL, cert ? 1 : 0, witnesses,
				   progress, arg, report);
}

/* Whether cp carries the signature of a signer in use when it was made. */
static int checkpoint_signed(const json_t *cp, const struct tlog_signer *signers, size_t n)
{
	int64_t ts = (int64_t)json_integer_value(json_object_get(cp, "ts"));
	for (size_t i = 0; i < n; i++)
		if ((signers[i].until_ms == 0 || ts <= signers[i].until_ms) &&
		    tlog_checkpoint_verify(cp, signers[i].cert) == 0)
			return 1;
	return 0;
}

int tlog_verify_signers(sqlite3 *conn, const char *name, const struct tlog_signer *signers,
			size_t nsigners, const json_t *witnesses, tlog_progress_fn progress,
			void *arg, json_t **report)
{
	struct verify_state v;
	struct merkle_frontier f;
	struct cp_row *cps = NULL;
	size_t ncp = 0, next_cp = 0;
	uint64_t k = 0, max = 0, count = 0;
	sqlite3_stmt *st = NULL;
	char sql[160];
	memset(&v, 0, sizeof(v));
	memset(&f, 0, sizeof(f));
	/* the sizes witnesses saw, in order: a root is computed only there */
	size_t nw = json_array_size(witnesses), next_w = 0;
	uint64_t *wsizes = calloc(nw ? nw : 1, sizeof(*wsizes));
	if (wsizes == NULL)
		return WN_ENOMEM;
	for (size_t i = 0; i < nw; i++)
		wsizes[i] = (uint64_t)json_integer_value(json_object_get(json_array_get(witnesses, i),
									 "size"));
	qsort(wsizes, nw, sizeof(*wsizes), u64_cmp);
	int rc = tstore_open(&v.s, conn, name, 0);
	if (rc != 0) {
		free(wsizes);
		return rc;
	}
	if ((rc = tstore_count(&v.s, &max, &count)) != 0 ||
	    (rc = load_checkpoints(conn, name, &cps, &ncp)) != 0)
		goto out;
	/* logs from before purging (no purged_at column) hold no purged entry */
	snprintf(sql, sizeof(sql), "SELECT idx, entry, leaf, purged_at, type FROM %s ORDER BY idx",
		 name);
	if (sqlite3_prepare_v2(conn, sql, -1, &st, NULL) != SQLITE_OK) {
		snprintf(sql, sizeof(sql), "SELECT idx, entry, leaf, NULL, type FROM %s ORDER BY idx",
			 name);
		if (sqlite3_prepare_v2(conn, sql, -1, &st, NULL) != SQLITE_OK) {
			rc = WN_EDB;
			goto out;
		}
	}
	uint64_t purged = 0;
	json_t *purged_map = json_object();
	int step;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		uint64_t idx = (uint64_t)sqlite3_column_int64(st, 0);
		const char *entry = (const char *)sqlite3_column_text(st, 1);
		size_t len = (size_t)sqlite3_column_bytes(st, 1);
		uint8_t leaf[MERKLE_HASH_LEN];
		if (idx != k + 1) {
			verify_fault(&v, k + 1, "entry_missing", "entry %llu is missing: the log "
				     "goes on at entry %llu", (unsigned long long)(k + 1),
				     (unsigned long long)idx);
			break;
		}
		int is_purged = sqlite3_column_type(st, 3) != SQLITE_NULL &&
				sqlite3_column_bytes(st, 2) == MERKLE_HASH_LEN;
		if (is_purged) {
			/* its personal content went at its retention date: the leaf kept
			 * stands for it, and the entry is reported as purged */
			memcpy(leaf, sqlite3_column_blob(st, 2), MERKLE_HASH_LEN);
			purged++;
			char key[24], kept[65];
			snprintf(key, sizeof(key), "%llu", (unsigned long long)idx);
			verify_kept_hash(entry, len, kept);
			json_object_set_new(purged_map, key, json_pack("{s:s}", "kept", kept));
		} else {
			if ((rc = merkle_leaf_hash(entry ? entry : "", entry ? len : 0, leaf)) != 0)
				break;
			/* a purge is itself in the log: the entries it names */
			if (entry != NULL && strstr(entry, "purge") != NULL)
				verify_note_purge(&v, purged_map, entry, idx);
		}
		if (!is_purged && (sqlite3_column_bytes(st, 2) != MERKLE_HASH_LEN ||
				   memcmp(sqlite3_column_blob(st, 2), leaf, MERKLE_HASH_LEN) != 0))
			verify_fault(&v, idx, "entry_altered", "entry %llu was altered: its content "
				     "no longer gives its leaf hash", (unsigned long long)idx);
		if ((rc = merkle_frontier_append(&f, leaf, verify_emit, &v)) != 0)
			break;
		k++;
		while (next_w < nw && wsizes[next_w] < k)
			next_w++;
		if (next_w < nw && wsizes[next_w] == k) {
			uint8_t wroot[MERKLE_HASH_LEN];
			char whex[65];
			merkle_frontier_root(&f, wroot);
			hex_encode(wroot, sizeof(wroot), whex);
			verify_witnesses(&v, witnesses, k, whex);
		}
		while (next_cp < ncp && cps[next_cp].size == k) {
			uint8_t root[MERKLE_HASH_LEN];
			char hex[65];
			merkle_frontier_root(&f, root);
			hex_encode(root, sizeof(root), hex);
			if (strcmp(hex, cps[next_cp].root) != 0)
				verify_fault(&v, k, "history_rewritten", "the checkpoint signed at size "
					     "%llu has root %.16s…, the entries give %.16s…: history "
					     "was rewritten at or before entry %llu",
					     (unsigned long long)k, cps[next_cp].root, hex,
					     (unsigned long long)k);
			next_cp++;
		}
		if (progress != NULL && (k & 0xffff) == 0)
			progress(arg, k, count);
	}
	verify_purges_logged(&v, purged_map);
	json_decref(purged_map);
	/* an unreadable page ends the read early: that is no verification */
	if (rc == 0 && v.error == NULL && step != SQLITE_DONE && step != SQLITE_ROW)
		rc = WN_EDB;
	sqlite3_finalize(st);
	if (rc != 0)
		goto out;
	if (v.error == NULL && next_cp < ncp && cps[next_cp].size > k)
		verify_fault(&v, k + 1, "log_truncated", "the log was truncated: a checkpoint was "
			     "signed at size %llu, the log holds %llu entries",
			     (unsigned long long)cps[next_cp].size, (unsigned long long)k);
	size_t wi;
	json_t *w;
	json_array_foreach(witnesses, wi, w) {
		uint64_t ws = (uint64_t)json_integer_value(json_object_get(w, "size"));
		if (ws > k)
			verify_fault(&v, k + 1, "log_truncated", "the log was truncated: %s saw %llu "
				     "entries, the log holds %llu",
				     json_string_value(json_object_get(w, "by"))
					     ? json_string_value(json_object_get(w, "by"))
					     : "a witness",
				     (unsigned long long)ws, (unsigned long long)k);
	}
	for (size_t i = 0; nsigners > 0 && i < ncp; i++) {
		if (!checkpoint_signed(cps[i].cp, signers, nsigners)) {
			verify_fault(&v, cps[i].size, "bad_signature", "the checkpoint at size %llu "
				     "does not carry a valid signature",
				     (unsigned long long)cps[i].size);
			break;
		}
	}
	if (progress != NULL)
		progress(arg, k, count);
	*report = json_pack("{s:b,s:I,s:I,s:I}", "ok", v.error == NULL, "entries", (json_int_t)k,
			    "checkpoints", (json_int_t)ncp, "purged", (json_int_t)purged);
	if (v.error != NULL)
		json_object_set_new(*report, "error", v.error);
	v.error = NULL;
out:
	for (size_t i = 0; i < ncp; i++)
		json_decref(cps[i].cp);
	free(cps);
	free(wsizes);
	json_decref(v.error);
	tstore_close(&v.s);
	return rc;
}

int tlog_purge_locked(tlog *t, int64_t index, const json_t *kept, char kept_hex[65])
{
	char sql[160], *text = NULL;
	size_t len = 0;
	sqlite3_stmt *st = NULL;
	int rc = canon_dump(kept, &text, &len);
	if (rc != 0)
		return rc;
	snprintf(sql, sizeof(sql), "UPDATE %s SET entry = ?, purged_at = ? WHERE idx = ? AND"
		 " purged_at IS NULL", t->name);
	if ((rc = db_prepare(t->d, sql, &st)) == 0) {
		sqlite3_bind_text(st, 1, text, (int)len, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, time_now_ms());
		sqlite3_bind_int64(st, 3, index);
		rc = sqlite3_step(st) == SQLITE_DONE ? 0 : WN_EDB;
		if (rc == 0 && sqlite3_changes(db_handle(t->d)) != 1)
			rc = WN_ENOTFOUND; /* purged before, or no such entry */
		sqlite3_finalize(st);
	}
	if (rc == 0)
		verify_kept_hash(text, len, kept_hex);
	free(text);
	return rc;
}

int tlog_prove(sqlite3 *conn, const char *name, uint64_t index, uint64_t size, json_t **out)
{
	struct tstore s;
	struct cp_row *cps = NULL;
	size_t ncp = 0, n = 0;
	uint64_t max = 0, count = 0;
	uint8_t p[MERKLE_PROOF_MAX][MERKLE_HASH_LEN], root[MERKLE_HASH_LEN], leaf[MERKLE_HASH_LEN];
	char hex[65], lhex[65], sql[128];
	json_t *cp = NULL;
	int rc = tstore_open(&s, conn, name, 0);
	if (rc != 0)
		return rc;
	if ((rc = tstore_count(&s, &max, &count)) != 0 ||
	    (rc = load_checkpoints(conn, name, &cps, &ncp)) != 0)
		goto out;
	if (size == 0)
		size = ncp > 0 && cps[ncp - 1].size <= count ? cps[ncp - 1].size : count;
	for (size_t i = 0; i < ncp; i++)
		if (cps[i].size == size)
			cp = json_incref(cps[i].cp);
	if (index == 0 || index > size || size > count) {
		rc = WN_EINVAL;
		goto out;
	}
	if ((rc = merkle_inclusion_proof(tstore_node, &s, index - 1, size, p, MERKLE_PROOF_MAX,
					 &n)) != 0 ||
	    (rc = merkle_root(tstore_node, &s, size, root)) != 0 ||
	    (rc = tstore_node(&s, 0, index - 1, leaf)) != 0)
		goto out;
	sqlite3_stmt *st = NULL;
	snprintf(sql, sizeof(sql), "SELECT entry FROM %s WHERE idx = ?", name);
	if (sqlite3_prepare_v2(conn, sql, -1, &st, NULL) != SQLITE_OK) {
		rc = WN_EDB;
		goto out;
	}
	sqlite3_bind_int64(st, 1, (sqlite3_int64)index);
	rc = sqlite3_step(st) == SQLITE_ROW ? 0 : WN_ENOTFOUND;
	hex_encode(root, sizeof(root), hex);
	hex_encode(leaf, sizeof(leaf), lhex);
	if (rc == 0)
		*out = json_pack("{s:s,s:I,s:I,s:s,s:s,s:s,s:o}", "log", name, "index",
				 (json_int_t)index, "size", (json_int_t)size, "entry",
				 (const char *)sqlite3_column_text(st, 0), "leaf", lhex, "root", hex,
				 "proof", hex_array(p, n));
	sqlite3_finalize(st);
	if (rc == 0 && cp != NULL)
		json_object_set(*out, "checkpoint", cp);
out:
	json_decref(cp);
	for (size_t i = 0; i < ncp; i++)
		json_decref(cps[i].cp);
	free(cps);
	tstore_close(&s);
	return rc;
}

int tlog_check_proof(const json_t *proof, X509 *cert, char *err, size_t errcap)
{
	uint8_t p[MERKLE_PROOF_MAX][MERKLE_HASH_LEN], root[MERKLE_HASH_LEN], leaf[MERKLE_HASH_LEN];
	uint8_t claimed[MERKLE_HASH_LEN];
	size_t n = 0;
	const char *entry = json_string_value(json_object_get(proof, "entry"));
	json_int_t index = json_integer_value(json_object_get(proof, "index"));
	json_int_t size = json_integer_value(json_object_get(proof, "size"));
	const json_t *cp = json_object_get(proof, "checkpoint");
	if (entry == NULL || index <= 0 || size < index ||
	    hex_decode(json_string_value(json_object_get(proof, "root")), root, sizeof(root)) != 0 ||
	    hex_decode(json_string_value(json_object_get(proof, "leaf")), claimed,
		       sizeof(claimed)) != 0 ||
	    hex_array_decode(json_object_get(proof, "proof"), p, &n) != 0) {
		snprintf(err, errcap, "not a proof: expected log, index, size, entry, leaf, root, proof");
		return WN_ESCHEMA;
	}
	if (merkle_leaf_hash(entry, strlen(entry), leaf) != 0 || memcmp(leaf, claimed, sizeof(leaf)) != 0) {
		snprintf(err, errcap, "the entry does not give the leaf hash of the proof");
		return WN_ECRYPTO;
	}
	if (merkle_verify_inclusion(leaf, (uint64_t)index - 1, (uint64_t)size,
				    (const uint8_t(*)[MERKLE_HASH_LEN])p, n, root) != 0) {
		snprintf(err, errcap, "entry %lld is not in the tree of %lld entries with that root",
			 (long long)index, (long long)size);
		return WN_ECRYPTO;
	}
	if (cp == NULL && cert != NULL) {
		snprintf(err, errcap, "the proof carries no checkpoint: its root is signed by no one "
			 "(prove at the size of a checkpoint)");
		return WN_ESIG;
	}
	if (cp != NULL) {
		if (json_integer_value(json_object_get(cp, "size")) != size ||
		    strcmp(json_string_value(json_object_get(cp, "root")) ?
				   json_string_value(json_object_get(cp, "root")) : "",
			   json_string_value(json_object_get(proof, "root"))) != 0) {
			snprintf(err, errcap, "the checkpoint is not of this tree");
			return WN_ECRYPTO;
		}
		if (cert != NULL && tlog_checkpoint_verify(cp, cert) != 0) {
			snprintf(err, errcap, "the checkpoint does not carry the log owner's signature");
			return WN_ESIG;
		}
	}
	return 0;
}
