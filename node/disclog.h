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

struct disclosure {
	const char *request_id;
	const char *type;       /* lookup, request */
	const char *requester;  /* partner id */
	const char *actor_id, *actor_role;
	const char *purpose;
	const char *cluster;    /* may be NULL */
	const uint8_t *subject_index; /* 32 bytes, may be NULL */
	const char *outcome;    /* known, not_known, refused, disclosed */
	const char *reason;     /* refusal reason or NULL */
	int64_t broker_index;   /* the broker's audit index from its receipt */
};

/* Durable write through the group-commit writer. WN_EREPLAY when the
 * request id was logged before (no second disclosure for one request). */
int disclog_write(db_writer *w, const struct disclosure *e);

struct sent_entry {
	const char *request_id;
	const char *type;
	const char *actor_id, *actor_role;
	const char *purpose;
	const char *cluster;
	const char *partners;   /* JSON array text */
	const uint8_t *subject_index;
};

/* Logs an outgoing query before it is sent. */
int sentlog_write(db_writer *w, const struct sent_entry *e);

/* Records what came back (JSON object text partner → outcome). */
int sentlog_complete(db_writer *w, const char *request_id, const char *outcomes);

#endif
