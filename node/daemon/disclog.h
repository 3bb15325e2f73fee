/*
 * disclog.h — the node's disclosure log (r14): every answer the node gives
 * about a person — and every refusal — is written durably, with who asked,
 * on which ground and for what, *before* the answer leaves. No entry, no
 * answer. The requester side logs what it asked and received (sent_log).
 */
#ifndef WN_NODE_DISCLOG_H
#define WN_NODE_DISCLOG_H

#include <stdint.h>

#include "db.h"
#include "tlog.h"

#define DISCLOG_SCHEMA                                                               \
	"CREATE TABLE disclosures (seq INTEGER PRIMARY KEY, ts INTEGER NOT NULL,"    \
	" request_id TEXT NOT NULL UNIQUE, type TEXT NOT NULL, requester TEXT NOT NULL," \
	" actor_id TEXT NOT NULL, actor_role TEXT NOT NULL, purpose TEXT NOT NULL,"  \
	" cluster TEXT, case_id TEXT, ground TEXT, ground_detail_hash TEXT,"        \
	" consent_id TEXT, consent_version TEXT, categories TEXT,"                   \
	" subject_index BLOB, outcome TEXT NOT NULL, reason TEXT,"                   \
	" broker_index INTEGER);"                                                    \
	"CREATE TABLE sent_log (seq INTEGER PRIMARY KEY, ts INTEGER NOT NULL,"       \
	" request_id TEXT NOT NULL UNIQUE, type TEXT NOT NULL, actor_id TEXT NOT NULL," \
	" actor_role TEXT NOT NULL, purpose TEXT NOT NULL, cluster TEXT,"           \
	" partners TEXT NOT NULL, subject_index BLOB, outcomes TEXT,"                \
	" completed_at INTEGER);"

/* Data requests (r04, r09, r12, r14): what the requester logs beside the
 * lookup columns, the third-party approval a disclosure relied on, the
 * client notifications a disclosure requires, and the source professionals'
 * own conflict-of-duties assertions. */
#define REQUEST_LOG_SCHEMA                                                            \
	"ALTER TABLE sent_log ADD COLUMN case_id TEXT;"                               \
	"ALTER TABLE sent_log ADD COLUMN ground TEXT;"                                \
	"ALTER TABLE sent_log ADD COLUMN categories TEXT;"                            \
	"ALTER TABLE sent_log ADD COLUMN consent_id TEXT;"                            \
	"ALTER TABLE sent_log ADD COLUMN received TEXT;"                              \
	"ALTER TABLE disclosures ADD COLUMN approval TEXT;"                           \
	"CREATE TABLE client_notifications (seq INTEGER PRIMARY KEY,"                 \
	" ts INTEGER NOT NULL, request_id TEXT NOT NULL, kind TEXT NOT NULL,"         \
	" recipient TEXT NOT NULL, subject_index BLOB NOT NULL, categories TEXT,"     \
	" ground TEXT NOT NULL, legal_reference TEXT,"                                \
	" status TEXT NOT NULL DEFAULT 'pending', notified_at INTEGER);"              \
	"CREATE TABLE duty_assertions (id TEXT PRIMARY KEY, case_id TEXT NOT NULL,"   \
	" subject_index BLOB NOT NULL, recipient TEXT NOT NULL,"                      \
	" categories TEXT NOT NULL, motivation TEXT NOT NULL,"                        \
	" motivation_hash TEXT NOT NULL, actor_id TEXT NOT NULL,"                     \
	" actor_role TEXT NOT NULL, created_at INTEGER NOT NULL,"                     \
	" valid_until INTEGER NOT NULL, used_by TEXT);"

/* The ledger: the node's tamper-evident log (tlog.h) of every disclosure,
 * refusal, purge, deletion and rights decision; the disclosures table is its
 * queryable index (ledger_idx). */
/* The broker's metadata of a query, kept with its disclosure entry. */
#define DISCLOG_BROKER_SCHEMA                                                          \
	"ALTER TABLE disclosures ADD COLUMN asked TEXT;"                              \
	"ALTER TABLE disclosures ADD COLUMN broker_ts INTEGER;"                       \
	"ALTER TABLE disclosures ADD COLUMN broker_leaf TEXT;"

/* One row per person of a household lookup: (request, person) is unique.
 * SQLite changes a table constraint only by building the table anew. */
#define DISCLOG_COLUMNS                                                                \
	"seq, ts, request_id, type, requester, actor_id, actor_role, purpose, cluster,"  \
	" case_id, ground, ground_detail_hash, consent_id, consent_version, categories," \
	" subject_index, outcome, reason, broker_index, approval, ledger_idx, asked,"  \
	" broker_ts, broker_leaf"
#define DISCLOG_PERSON_SCHEMA                                                          \
	"CREATE TABLE disclosures_new (seq INTEGER PRIMARY KEY, ts INTEGER NOT NULL,"  \
	" request_id TEXT NOT NULL, type TEXT NOT NULL, requester TEXT NOT NULL,"     \
	" actor_id TEXT NOT NULL, actor_role TEXT NOT NULL, purpose TEXT NOT NULL,"    \
	" cluster TEXT, case_id TEXT, ground TEXT, ground_detail_hash TEXT,"          \
	" consent_id TEXT, consent_version TEXT, categories TEXT, subject_index BLOB," \
	" outcome TEXT NOT NULL, reason TEXT, broker_index INTEGER, approval TEXT,"    \
	" ledger_idx INTEGER, asked TEXT, broker_ts INTEGER, broker_leaf TEXT,"       \
	" person INTEGER NOT NULL DEFAULT 0, UNIQUE (request_id, person));"           \
	"INSERT INTO disclosures_new (" DISCLOG_COLUMNS ") SELECT " DISCLOG_COLUMNS   \
	" FROM disclosures;"                                                            \
	"DROP TABLE disclosures;"                                                       \
	"ALTER TABLE disclosures_new RENAME TO disclosures;"                            \
	"CREATE INDEX disclosures_subject ON disclosures(subject_index);"               \
	"CREATE INDEX disclosures_ts ON disclosures(ts);"                               \
	"ALTER TABLE sent_log ADD COLUMN subjects TEXT;"

/* A data request's fingerprint: a retry under its id is the same request
 * or refused (keptanswer.h). */
#define SENTLOG_FINGERPRINT_SCHEMA "ALTER TABLE sent_log ADD COLUMN fingerprint TEXT;"

#define LEDGER_SCHEMA                                                                  \
	"CREATE TABLE ledger (idx INTEGER PRIMARY KEY, ts INTEGER NOT NULL,"          \
	" type TEXT NOT NULL, msg_id TEXT, entry TEXT NOT NULL, leaf BLOB NOT NULL);" \
	TLOG_TREE_SCHEMA("ledger")                                                    \
	"ALTER TABLE disclosures ADD COLUMN ledger_idx INTEGER;"                      \
	"CREATE TABLE broker_checkpoints (size INTEGER PRIMARY KEY, root TEXT NOT NULL," \
	" ts INTEGER NOT NULL, origin TEXT NOT NULL, sig TEXT NOT NULL,"              \
	" seen_at INTEGER NOT NULL, cosigned INTEGER NOT NULL DEFAULT 0);"

struct disclosure {
	tlog *ledger;           /* where the entry is appended too */
	const char *request_id;
	const char *type;       /* lookup, request */
	const char *requester;  /* partner id */
	const char *actor_id, *actor_role;
	const char *purpose;
	const char *cluster;    /* may be NULL */
	const uint8_t *subject_index; /* 32 bytes, may be NULL */
	const char *outcome;    /* known, not_known, refused, disclosed */
	int person;             /* a lookup's person: its place in the household asked */
	const char *reason;     /* refusal reason or NULL */
	int64_t broker_index;   /* the broker's audit index from its receipt */
	/* data requests (NULL for lookups) */
	const char *case_id;
	const char *ground;
	const char *ground_detail_hash; /* consent version or motivation hash */
	const char *consent_id, *consent_version;
	const char *categories;  /* JSON array of the categories disclosed */
	const char *approval;    /* third-party approval relied on */
	/* the query as the broker countersigned it (may be NULL): the partners
	 * it went to and the broker's receipt (time, audit leaf) are kept, so an
	 * access report shows the broker's metadata without asking the broker,
	 * which would let it link the requests about one person */
	const json_t *query;
};

/* Durable write through the group-commit writer, in the disclosures table
 * and the ledger. WN_EREPLAY when the request id (and person) was logged
 * before (no second disclosure for one request). */
int disclog_write(db_writer *w, const struct disclosure *e);

/* The same insert for a caller already inside a writer transaction. */
int disclog_insert(db *d, void *disclosure);

/* Appends a non-disclosure event (purge, deletion, rights decision) to the
 * ledger inside a writer transaction: {type, …fields}. *index: its place. */
int ledger_append_locked(tlog *ledger, const char *type, const char *ref, json_t *fields,
			 int64_t *index);

struct sent_entry {
	const char *request_id;
	const char *type;
	const char *actor_id, *actor_role;
	const char *purpose;
	const char *cluster;
	const char *partners;   /* JSON array text */
	const uint8_t *subject_index;
	/* data requests (NULL for lookups) */
	const char *case_id, *ground, *consent_id;
	const char *categories; /* JSON array text */
	const char *subjects;   /* household lookups: JSON array of the pseudonyms (hex) */
	const char *fingerprint; /* a data request: hash of what it asks (sentlog_state) */
};

/* A request id as the sent log has it: found, its type, the fingerprint
 * of what a data request asked ("" if none was logged), completed, and
 * the outcome recorded for its (first) partner ("" if none). */
struct sent_state {
	int found, completed;
	int64_t ts;
	char type[16];
	char fingerprint[65];
	char outcome[24];
};
int sentlog_state(db *d, const char *request_id, struct sent_state *out);

/* Logs an outgoing query before it is sent. */
int sentlog_write(db_writer *w, const struct sent_entry *e);

/* Records what came back: outcomes (JSON object text partner → outcome)
 * and, for a data request, the categories received (JSON array text or
 * NULL). */
int sentlog_complete(db_writer *w, const char *request_id, const char *outcomes,
		     const char *received);

/* The same inside a writer transaction. */
int sentlog_complete_locked(db *d, const char *request_id, const char *outcomes,
			    const char *received);

/* The same for a lookup, after its answers went to the caller: committed
 * in the next batch, never lost on a clean stop, a failure logged. 0 or
 * WN_ENOMEM. */
int sentlog_complete_post(db_writer *w, const char *request_id, const char *outcomes);

#endif
