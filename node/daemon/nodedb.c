/*
 * nodedb.c — node schema migrations.
 */
#include <stdio.h>

#include "wijknet.h"
#include "nodedb.h"
#include "casekey.h"
#include "consent.h"
#include "disclog.h"
#include "keptanswer.h"
#include "notice.h"
#include "owncert.h"
#include "rectify.h"
#include "replay.h"
#include "rights.h"
#include "store.h"
#include "secevent.h"
#include "thirdparty.h"

static const struct db_migration node_migrations[] = {
	{ 1, SECEVENT_SCHEMA REPLAY_SCHEMA },
	{ 2, STORE_SCHEMA DISCLOG_SCHEMA },
	{ 3, CONSENT_SCHEMA },
	{ 4, REQUEST_LOG_SCHEMA },
	{ 5, THIRDPARTY_SCHEMA },
	{ 6, LEDGER_SCHEMA },
	{ 7, RIGHTS_SCHEMA },
	/* access reports find a person's entries, management information a month's */
	{ 8, "CREATE INDEX disclosures_subject ON disclosures(subject_index);"
	     "CREATE INDEX disclosures_ts ON disclosures(ts);" },
	/* the broker's metadata of each query at the partner; removals of a
	 * person's records found without reading the whole ledger */
	{ 9, DISCLOG_BROKER_SCHEMA
	     "CREATE INDEX ledger_removals ON ledger(json_extract(entry, '$.subject_index'))"
	     " WHERE type IN ('purge', 'deletion');" },
	/* households: the case keys this node holds, one disclosure row per
	 * person a lookup asks about, a third-party decision bound to a person */
	{ 10, CASEKEY_SCHEMA DISCLOG_PERSON_SCHEMA THIRDPARTY_PERSON_SCHEMA },
	{ 11, CASEKEY_BASIS_SCHEMA },
	{ 12, SECEVENT_AGGREGATE_SCHEMA },
	/* the newest CRL the broker distributed (never replaced by an older one) */
	{ 13, "CREATE TABLE federation_crl (id INTEGER PRIMARY KEY CHECK (id = 1),"
	      " pem TEXT NOT NULL, updated_at INTEGER NOT NULL);" },
	/* the client is told: notices and their way to the municipality, how a
	 * household heard of its case; rights decided end to end */
	{ 14, NOTICE_SCHEMA RIGHTS_V2_SCHEMA },
	{ 15, STORE_ORIGIN_SCHEMA },
	/* retention in every store (G-P 9): purged ledger entries keep their
	 * leaf; a case's clock starts when this node stops taking part in it */
	{ 16, TLOG_PURGE_SCHEMA("ledger")
	      "CREATE INDEX ledger_pseudonyms ON ledger(ts) WHERE purged_at IS NULL AND"
	      " json_valid(entry) AND json_extract(entry, '$.subject_index') IS NOT NULL;"
	      "CREATE TABLE case_closed (case_id TEXT PRIMARY KEY, closed_at INTEGER NOT NULL);" },
	{ 17, REPLAY_STATE_SCHEMA },
	{ 18, RIGHTS_STANDING_SHIELD_SCHEMA },
	{ 19, NOTICE_SENT_BY_SCHEMA },
	{ 20, OUTBOX_CONSENT_SCHEMA },
	{ 21, INFORMED_PERSON_SCHEMA },
	/* the ledger's size when it was first opened since its last check against
	 * the broker: a restored copy's own entries, whatever a start wrote since */
	{ 22, "CREATE TABLE ledger_unchecked (id INTEGER PRIMARY KEY CHECK (id = 1),"
	      " size INTEGER NOT NULL);" },
	{ 23, THIRDPARTY_NOTICE_SCHEMA },
	/* a node refused before 22 purged at every start: those entries are not
	 * the copy's own (a check that finds the ledger whole drops the row) */
	{ 24, "INSERT OR IGNORE INTO ledger_unchecked(id, size) SELECT 1, COALESCE((SELECT"
	      " MAX(idx) FROM ledger WHERE type NOT IN ('purge', 'log.purge')), 0);" },
	{ 25, CASEKEY_CONSENTS_SCHEMA },
	{ 26, INFORMED_LEFT_SCHEMA },
	{ 27, CONSENT_RECEIVED_SCHEMA },
	{ 28, OUTBOX_REFUSAL_SCHEMA },
	{ 29, OUTBOX_RIGHTS_NOTICE_SCHEMA },
	{ 30, RECTIFY_SCHEMA },
	/* the node's certificates, and when a new key replaced one (0.5.17) */
	{ 31, OWNCERT_SCHEMA },
	{ 32, RECTIFY_DELIVERY_SCHEMA },
	/* a recipient records that it carried a rights notice out, and tells its sender */
	{ 33, OUTBOX_RIGHTS_DONE_SCHEMA RECTIFY_DONE_SCHEMA },
	/* access reports find the rights notices received about a person */
	{ 34, "CREATE INDEX rights_notices_subject ON rights_notices(subject_index);" },
	/* a data request retried under its id gets the answer it had (a day) */
	{ 35, SENTLOG_FINGERPRINT_SCHEMA KEPTANSWER_SCHEMA },
	/* the municipality learns that a recipient carried a partner's rights notice out */
	{ 36, OUTBOX_RIGHTS_CARRIED_OUT_SCHEMA RECTIFY_REPORT_SCHEMA },
	/* a kept consent's registrar certificate, for after a new key replaced it */
	{ 37, THIRDPARTY_CONSENT_CERT_SCHEMA },
};

int nodedb_open(const char *path, db **out, char *err, size_t errcap)
{
	return db_open(path, node_migrations, sizeof(node_migrations) / sizeof(node_migrations[0]),
		       out, err, errcap);
}

int nodedb_rows_in_use(db *d, long *rows)
{
	static const char *const tables[] = { "records", "consents", "case_keys", "disclosures",
					      "sent_log", "ledger", "duty_assertions",
					      "rights_requests" };
	*rows = 0;
	db_lock(d);
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < sizeof(tables) / sizeof(tables[0]); i++) {
		sqlite3_stmt *st = NULL;
		char sql[96];
		snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM %s", tables[i]);
		if ((rc = db_prepare(d, sql, &st)) == 0) {
			if (sqlite3_step(st) == SQLITE_ROW)
				*rows += sqlite3_column_int64(st, 0);
			else
				rc = WN_EDB;
		}
		sqlite3_finalize(st);
	}
	db_unlock(d);
	return rc;
}
