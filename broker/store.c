/*
 * store.c — broker schema and audit log appends.
 */
#include <stdlib.h>
#include <string.h>

#include "wijknet.h"
#include "canon.h"
#include "encoding.h"
#include "ids.h"
#include "pki.h"
#include "replay.h"
#include "secevent.h"
#include "store.h"

static const struct db_migration broker_migrations[] = {
	{ 1, SECEVENT_SCHEMA REPLAY_SCHEMA
	  "CREATE TABLE partner_keys (partner TEXT PRIMARY KEY, seal_key TEXT NOT NULL,"
	  " seal_sig TEXT NOT NULL, updated_at INTEGER NOT NULL);"
	  "CREATE TABLE audit_log (idx INTEGER PRIMARY KEY, ts INTEGER NOT NULL,"
	  " type TEXT NOT NULL, msg_id TEXT, entry TEXT NOT NULL, leaf BLOB NOT NULL);" },
	/* cases and the consent registry: opaque ids, partner ids, codes, dates */
	{ 2, "CREATE TABLE cases (id TEXT PRIMARY KEY, cluster TEXT NOT NULL,"
	     " director TEXT NOT NULL, opened_by TEXT NOT NULL, opened_at INTEGER NOT NULL,"
	     " status TEXT NOT NULL CHECK (status IN ('open', 'closed')), closed_at INTEGER,"
	     " retention_until TEXT NOT NULL);"
	     "CREATE TABLE case_members (case_id TEXT NOT NULL REFERENCES cases(id),"
	     " partner TEXT NOT NULL, joined_at INTEGER NOT NULL, added_by TEXT NOT NULL,"
	     " left_at INTEGER, PRIMARY KEY (case_id, partner));"
	     "CREATE INDEX case_members_partner ON case_members(partner);"
	     "CREATE TABLE consents (id TEXT PRIMARY KEY, registered_by TEXT NOT NULL,"
	     " version TEXT NOT NULL, status TEXT NOT NULL"
	     " CHECK (status IN ('active', 'revoked', 'refused')),"
	     " valid_from TEXT NOT NULL, valid_until TEXT NOT NULL,"
	     " registered_at INTEGER NOT NULL, revoked_at INTEGER);" },
	/* third-party disclosures (Heerlen 7.2, Bijlage 6): proposal, the third
	 * party's declaration, every case member's vote */
	{ 3, "CREATE TABLE third_party (id TEXT PRIMARY KEY,"
	     " case_id TEXT NOT NULL REFERENCES cases(id), party TEXT NOT NULL,"
	     " source TEXT NOT NULL, categories TEXT NOT NULL, purpose TEXT NOT NULL,"
	     " ground TEXT NOT NULL, motivation_hash TEXT NOT NULL,"
	     " proposed_by TEXT NOT NULL, proposed_at INTEGER NOT NULL,"
	     " declaration TEXT, declared_at INTEGER, status TEXT NOT NULL CHECK (status IN"
	     " ('proposed', 'approved', 'rejected', 'in_use', 'used')),"
	     " used_at INTEGER, used_by TEXT);"
	     "CREATE TABLE third_party_votes (id TEXT NOT NULL REFERENCES third_party(id),"
	     " partner TEXT NOT NULL, decision TEXT NOT NULL"
	     " CHECK (decision IN ('approved', 'rejected')), decided_at INTEGER NOT NULL,"
	     " actor_id TEXT, actor_role TEXT, PRIMARY KEY (id, partner));" },
};

int store_open(const char *path, db **out, char *err, size_t errcap)
{
	return db_open(path, broker_migrations,
		       sizeof(broker_migrations) / sizeof(broker_migrations[0]), out, err, errcap);
}

struct audit_append {
	const char *canon;
	size_t len;
	const char *type, *msg_id;
	const uint8_t *leaf;
	int64_t index;
};

static const char SQL_AUDIT_INSERT[] =
	"INSERT INTO audit_log(ts, type, msg_id, entry, leaf) VALUES (?,?,?,?,?)";

static int store_audit_insert(db *d, void *arg)
{
	struct audit_append *a = arg;
	sqlite3_stmt *st = NULL;
	int rc = db_stmt(d, SQL_AUDIT_INSERT, &st);
	if (rc == 0) {
		sqlite3_bind_int64(st, 1, time_now_ms());
		sqlite3_bind_text(st, 2, a->type, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, a->msg_id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, a->canon, (int)a->len, SQLITE_STATIC);
		sqlite3_bind_blob(st, 5, a->leaf, 32, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_DONE)
			a->index = sqlite3_last_insert_rowid(db_handle(d));
		else
			rc = WN_EDB;
		db_stmt_done(d, st);
	}
	return rc;
}

struct audit_with {
	db_write_fn fn;
	void *arg;
	struct audit_append *a;
};

/* The state change first: when it fails, its savepoint (and so the audit
 * entry) is rolled back with it. */
static int store_audit_with_run(db *d, void *arg)
{
	struct audit_with *x = arg;
	int rc = x->fn != NULL ? x->fn(d, x->arg) : 0;
	if (rc == 0)
		rc = store_audit_insert(d, x->a);
	return rc;
}

int store_audit_append(db_writer *w, const json_t *entry, int64_t *index, char leaf_hex[65])
{
	return store_audit_with(w, NULL, NULL, entry, index, leaf_hex);
}

int store_audit_with(db_writer *w, db_write_fn fn, void *arg, const json_t *entry,
		     int64_t *index, char leaf_hex[65])
{
	char *canon = NULL;
	size_t len = 0;
	uint8_t leaf[32];
	int rc = canon_dump(entry, &canon, &len);
	if (rc != 0)
		return rc;
	uint8_t *buf = malloc(len + 1);
	if (buf == NULL) {
		free(canon);
		return WN_ENOMEM;
	}
	buf[0] = 0x00; /* RFC 9162 leaf prefix */
	memcpy(buf + 1, canon, len);
	rc = pki_sha256(buf, len + 1, leaf);
	free(buf);
	if (rc == 0) {
		struct audit_append a = { canon, len,
					  json_string_value(json_object_get(entry, "type")),
					  json_string_value(json_object_get(entry, "id")), leaf, 0 };
		struct audit_with x = { fn, arg, &a };
		rc = db_writer_run(w, store_audit_with_run, &x);
		if (rc == 0) {
			*index = a.index;
			hex_encode(leaf, 32, leaf_hex);
		}
	}
	free(canon);
	return rc;
}
