/*
 * store.c — broker schema and audit log appends.
 */
#include <stdlib.h>
#include <string.h>

#include "wijknet.h"
#include "canon.h"
#include "log.h"
#include "encoding.h"
#include "ids.h"
#include "pki.h"
#include "replay.h"
#include "secevent.h"
#include "store.h"
#include "tlog.h"

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
	/* the audit log as a Merkle tree, its signed checkpoints, and the
	 * partners' co-signatures of them */
	{ 4, TLOG_TREE_SCHEMA("audit_log")
	     "CREATE TABLE audit_log_cosignatures (size INTEGER NOT NULL,"
	     " partner TEXT NOT NULL, root TEXT NOT NULL, sig TEXT NOT NULL,"
	     " ts INTEGER NOT NULL, PRIMARY KEY (size, partner));" },
	/* access reports find requests by id, management information by month */
	{ 5, "CREATE INDEX audit_log_msg ON audit_log(msg_id);"
	     "CREATE INDEX audit_log_ts ON audit_log(ts);" },
	/* a case is about a household (Heerlen 1.14): per member a commitment
	 * HMAC(case key, BSN), never a BSN; per partner the signed envelope that
	 * sealed the case key to it; the case's preconditions (Bijlage 2
	 * "Randvoorwaarden") and its director's role-holder; a third party's
	 * approval names the person, may rest on consent, and its signed
	 * declaration outlives the case (Heerlen 14.3) */
	{ 6, "CREATE TABLE case_people (case_id TEXT NOT NULL REFERENCES cases(id),"
	     " person TEXT NOT NULL, added_at INTEGER NOT NULL, added_by TEXT NOT NULL,"
	     " reason TEXT NOT NULL, removed_at INTEGER, removed_reason TEXT,"
	     " PRIMARY KEY (case_id, person));"
	     "CREATE TABLE case_keys (case_id TEXT NOT NULL REFERENCES cases(id),"
	     " partner TEXT NOT NULL, envelope TEXT NOT NULL, added_at INTEGER NOT NULL,"
	     " PRIMARY KEY (case_id, partner));"
	     "ALTER TABLE cases ADD COLUMN basis TEXT;"
	     "ALTER TABLE cases ADD COLUMN basis_detail TEXT;"
	     "ALTER TABLE cases ADD COLUMN regisseur_id TEXT;"
	     "ALTER TABLE cases ADD COLUMN regisseur_role TEXT;"
	     "ALTER TABLE third_party ADD COLUMN person TEXT;"
	     "ALTER TABLE third_party ADD COLUMN consent_id TEXT;"
	     "ALTER TABLE third_party ADD COLUMN consent_version TEXT;"
	     "ALTER TABLE third_party ADD COLUMN proposal TEXT;"
	     "CREATE TABLE third_party_declarations (approval TEXT PRIMARY KEY,"
	     " party TEXT NOT NULL, case_id TEXT NOT NULL, text_version TEXT NOT NULL,"
	     " declaration TEXT NOT NULL, declared_at INTEGER NOT NULL);" },
	{ 7, SECEVENT_AGGREGATE_SCHEMA },
	/* a federation that governs itself (Heerlen 14, 15, 17.2; Groningen 9-11):
	 * the registry, proposals decided by the members' votes, the versioned
	 * federation policy, and the breach register (G-P 11.2) */
	{ 8, "CREATE TABLE partners (id TEXT PRIMARY KEY, name TEXT NOT NULL,"
	     " address TEXT NOT NULL, role TEXT NOT NULL, clusters TEXT NOT NULL,"
	     " cert TEXT NOT NULL, status TEXT NOT NULL, reason TEXT, notice_at INTEGER,"
	     " end_at INTEGER, admitted_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);"
	     "CREATE TABLE proposals (id TEXT PRIMARY KEY, kind TEXT NOT NULL,"
	     " subject TEXT NOT NULL, document TEXT NOT NULL, proposed_by TEXT NOT NULL,"
	     " proposed_at INTEGER NOT NULL, rule TEXT NOT NULL, status TEXT NOT NULL,"
	     " decided_at INTEGER, outcome TEXT);"
	     "CREATE TABLE proposal_votes (proposal TEXT NOT NULL REFERENCES proposals(id),"
	     " partner TEXT NOT NULL, vote TEXT NOT NULL, reason TEXT, actor TEXT,"
	     " envelope TEXT NOT NULL, at INTEGER NOT NULL, PRIMARY KEY (proposal, partner));"
	     "CREATE TABLE policy (version INTEGER PRIMARY KEY, document TEXT NOT NULL,"
	     " adopted_at INTEGER NOT NULL, proposal TEXT);"
	     "CREATE TABLE breaches (id INTEGER PRIMARY KEY AUTOINCREMENT, source TEXT NOT NULL,"
	     " kind TEXT NOT NULL, peer TEXT NOT NULL, addr TEXT NOT NULL, day TEXT NOT NULL,"
	     " count INTEGER NOT NULL, first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL,"
	     " detail TEXT, risk TEXT, assessment TEXT, assessed_at INTEGER, assessed_by TEXT,"
	     " authority_notified_at INTEGER, authority_ref TEXT, authority_notified_by TEXT,"
	     " subjects_notified_at INTEGER, subjects_note TEXT, subjects_notified_by TEXT,"
	     " UNIQUE (source, kind, peer, addr, day));" },
	/* retention (G-P 9): a purged case's person commitments leave its log
	 * entries, whose leaves stay */
	{ 9, TLOG_PURGE_SCHEMA("audit_log")
	     /* json_valid first: a damaged entry must stay writable and be found
	      * by audit verify, not refused by an index */
	     "CREATE INDEX audit_log_case_people ON audit_log(json_extract(entry, '$.case'))"
	     " WHERE json_valid(entry) AND (json_extract(entry, '$.person') IS NOT NULL OR"
	     " json_extract(entry, '$.people') IS NOT NULL);"
	     /* a case closed before 0.4 is kept two years from its closing too */
	     "UPDATE cases SET retention_until = max(retention_until, date(closed_at / 1000,"
	     " 'unixepoch', '+730 days')) WHERE status = 'closed' AND closed_at IS NOT NULL;" },
	/* the broker witnesses each node's ledger: the latest checkpoint it saw, so
	 * a node restored from an older backup cannot go on as if nothing was lost */
	{ 10, "CREATE TABLE partner_checkpoints (partner TEXT PRIMARY KEY, size INTEGER NOT NULL,"
	      " root TEXT NOT NULL, ts INTEGER NOT NULL, sig TEXT NOT NULL,"
	      " seen_at INTEGER NOT NULL);" },
	/* the register keeps one row per source, kind, host (or claimed sender
	 * without one) and day, so claims cannot multiply rows; only incidents
	 * (forgery, replay, an unknown or revoked certificate, tampering) start
	 * the 72-hour clock, refusals of bad input are recorded */
	{ 11, "CREATE TABLE breaches_v11 (id INTEGER PRIMARY KEY AUTOINCREMENT,"
	      " source TEXT NOT NULL, kind TEXT NOT NULL, peer TEXT NOT NULL, addr TEXT NOT NULL,"
	      " day TEXT NOT NULL, count INTEGER NOT NULL, first_seen INTEGER NOT NULL,"
	      " last_seen INTEGER NOT NULL, detail TEXT, risk TEXT, assessment TEXT,"
	      " assessed_at INTEGER, assessed_by TEXT, authority_notified_at INTEGER,"
	      " authority_ref TEXT, authority_notified_by TEXT, subjects_notified_at INTEGER,"
	      " subjects_note TEXT, subjects_notified_by TEXT, subject TEXT NOT NULL,"
	      " class TEXT NOT NULL);"
	      /* rows that now share a subject keep apart: the later get their id */
	      "INSERT INTO breaches_v11 SELECT id, source, kind, peer, addr, day, count, first_seen,"
	      " last_seen, detail, risk, assessment, assessed_at, assessed_by,"
	      " authority_notified_at, authority_ref, authority_notified_by, subjects_notified_at,"
	      " subjects_note, subjects_notified_by, CASE WHEN addr != '' THEN addr ELSE"
	      " 'claimed:' || peer END || CASE WHEN id = (SELECT MIN(o.id) FROM breaches o WHERE"
	      " o.source = b.source AND o.kind = b.kind AND o.day = b.day AND (CASE WHEN"
	      " o.addr != '' THEN o.addr ELSE 'claimed:' || o.peer END) = (CASE WHEN b.addr != ''"
	      " THEN b.addr ELSE 'claimed:' || b.peer END)) THEN '' ELSE '#' || id END,"
	      " CASE WHEN kind IN ('signature', 'certificate', 'revoked', 'replay', 'tampered',"
	      " 'no_receipt', 'unknown_partner') THEN 'incident' ELSE 'refusal' END"
	      " FROM breaches b;"
	      "DROP TABLE breaches;"
	      "ALTER TABLE breaches_v11 RENAME TO breaches;"
	      "CREATE UNIQUE INDEX breaches_subject ON breaches(source, kind, subject, day);" },
	{ 12, REPLAY_STATE_SCHEMA },
	/* a consent serves the case it was first used in (Bijlage 5: a plan made
	 * with the client); consents used before are bound to their first case */
	{ 13, "ALTER TABLE consents ADD COLUMN case_id TEXT;"
	      "UPDATE consents SET case_id = (SELECT json_extract(a.entry, '$.case')"
	      " FROM audit_log a WHERE a.type = 'request' AND"
	      " json_extract(a.entry, '$.consent') = consents.id ORDER BY a.idx LIMIT 1);" },
	/* every checkpoint of a node's ledger the broker witnessed, not only the
	 * latest: a copy restored from a backup proves that it extends one */
	{ 14, "CREATE TABLE partner_checkpoint_history (partner TEXT NOT NULL,"
	      " size INTEGER NOT NULL, root TEXT NOT NULL, ts INTEGER NOT NULL, sig TEXT NOT NULL,"
	      " seen_at INTEGER NOT NULL, PRIMARY KEY (partner, size));"
	      "INSERT INTO partner_checkpoint_history SELECT partner, size, root, ts, sig, seen_at"
	      " FROM partner_checkpoints;" },
	/* a partner's key replaced under the same id (a key that leaked): the
	 * certificate of the replaced key, which checks what it signed before */
	{ 15, "CREATE TABLE partner_certs (partner TEXT NOT NULL, serial TEXT NOT NULL,"
	      " cert TEXT NOT NULL, replaced_at INTEGER NOT NULL, replaced_by TEXT NOT NULL,"
	      " PRIMARY KEY (partner, serial));" },
	/* a node that witnessed a checkpoint of the audit log which the log no
	 * longer extends (a restore from an older backup): kept for the operator
	 * until that node witnesses the log again */
	{ 16, "CREATE TABLE audit_disputes (partner TEXT PRIMARY KEY, size INTEGER NOT NULL,"
	      " root TEXT NOT NULL, log_size INTEGER NOT NULL, first_at INTEGER NOT NULL,"
	      " last_at INTEGER NOT NULL);" },
};

int store_open(const char *path, db **out, char *err, size_t errcap)
{
	return db_open(path, broker_migrations,
		       sizeof(broker_migrations) / sizeof(broker_migrations[0]), out, err, errcap);
}

struct audit_append {
	tlog *log;
	const char *canon;
	size_t len;
	const char *type, *msg_id;
	uint8_t leaf[MERKLE_HASH_LEN];
	int64_t index;
	db_write_fn fn;
	void *arg;
};

/* The state change first: when it fails, its savepoint (and so the audit
 * entry) is rolled back with it. */
static int store_audit_run(db *d, void *arg)
{
	struct audit_append *a = arg;
	int rc = a->fn != NULL ? a->fn(d, a->arg) : 0;
	if (rc == 0)
		rc = tlog_append_locked(a->log, a->type, a->msg_id, a->canon, a->len, &a->index,
					a->leaf);
	return rc;
}

int store_audit_append(struct audit *au, const json_t *entry, int64_t *index, char leaf_hex[65])
{
	return store_audit_with(au, NULL, NULL, entry, index, leaf_hex);
}

int store_audit_with(struct audit *au, db_write_fn fn, void *arg, const json_t *entry,
		     int64_t *index, char leaf_hex[65])
{
	char *canon = NULL;
	size_t len = 0;
	int rc = canon_dump(entry, &canon, &len);
	if (rc != 0)
		return rc;
	struct audit_append a = { .log = au->log, .canon = canon, .len = len,
				  .type = json_string_value(json_object_get(entry, "type")),
				  .msg_id = json_string_value(json_object_get(entry, "id")),
				  .fn = fn, .arg = arg };
	rc = db_writer_run(au->w, store_audit_run, &a);
	if (rc == 0) {
		*index = a.index;
		hex_encode(a.leaf, MERKLE_HASH_LEN, leaf_hex);
	}
	free(canon);
	return rc;
}

/* A posted entry owns its copies: the caller's JSON is gone by the commit. */
struct audit_post {
	struct audit_append a;
	char *type, *msg_id;
};

static void store_audit_post_release(void *arg, int rc)
{
	struct audit_post *p = arg;
	if (rc != 0)
		log_msg(WN_LOG_ERROR, "audit_write_failed", "the audit entry %s of %s was not written",
			p->type ? p->type : "?", p->msg_id ? p->msg_id : "?");
	free((void *)p->a.canon);
	free(p->type);
	free(p->msg_id);
	free(p);
}

int store_audit_post(struct audit *au, const json_t *entry)
{
	const char *type = json_string_value(json_object_get(entry, "type"));
	const char *msg_id = json_string_value(json_object_get(entry, "id"));
	struct audit_post *p = calloc(1, sizeof(*p));
	char *canon = NULL;
	size_t len = 0;
	if (p == NULL || canon_dump(entry, &canon, &len) != 0 ||
	    (type && (p->type = strdup(type)) == NULL) ||
	    (msg_id && (p->msg_id = strdup(msg_id)) == NULL)) {
		if (p != NULL) {
			free(p->type);
			free(p->msg_id);
		}
		free(canon);
		free(p);
		return WN_ENOMEM;
	}
	p->a = (struct audit_append){ .log = au->log, .canon = canon, .len = len,
				      .type = p->type, .msg_id = p->msg_id };
	return db_writer_post(au->w, store_audit_run, &p->a, store_audit_post_release);
}
