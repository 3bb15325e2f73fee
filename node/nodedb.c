/*
 * nodedb.c — node schema migrations.
 */
#include "wijknet.h"
#include "nodedb.h"
#include "casekey.h"
#include "consent.h"
#include "disclog.h"
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
};

int nodedb_open(const char *path, db **out, char *err, size_t errcap)
{
	return db_open(path, node_migrations, sizeof(node_migrations) / sizeof(node_migrations[0]),
		       out, err, errcap);
}
