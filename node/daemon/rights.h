/*
 * rights.h — the client's rights requests at a node (r18): routed to the
 * partners, registered by those that hold records, decided within four
 * weeks; shielded records are no longer disclosed.
 */
#ifndef WN_NODE_RIGHTS_H
#define WN_NODE_RIGHTS_H

#include <jansson.h>

struct node;
struct dir_peer;

#define RIGHTS_SCHEMA                                                                  \
	"CREATE TABLE rights_requests (id TEXT PRIMARY KEY, received_at INTEGER NOT NULL," \
	" deadline TEXT NOT NULL, kind TEXT NOT NULL CHECK (kind IN ('correction',"     \
	" 'completion', 'deletion', 'shielding')), categories TEXT, text TEXT,"          \
	" requester TEXT NOT NULL, actor_role TEXT NOT NULL, subject_index BLOB NOT NULL," \
	" status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done', 'refused')),"\
	" decided_at INTEGER, decision_motivation TEXT, decided_by_role TEXT);"          \
	"ALTER TABLE records ADD COLUMN shielded INTEGER NOT NULL DEFAULT 0;"

/* Rights end to end (G-P 5, 7, 8): the right to object as a kind; a
 * decision granted now and carried out later; at the municipality, one
 * request with one clock and each partner's decision as it came back. */
#define RIGHTS_V2_SCHEMA                                                                \
	"CREATE TABLE rights_requests_v2 (id TEXT PRIMARY KEY, received_at INTEGER NOT NULL," \
	" deadline TEXT NOT NULL, kind TEXT NOT NULL CHECK (kind IN ('correction',"      \
	" 'completion', 'deletion', 'shielding', 'objection')), categories TEXT, text TEXT," \
	" requester TEXT NOT NULL, actor_role TEXT NOT NULL, subject_index BLOB,"        \
	" status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done', 'granted',"\
	" 'executed', 'refused')), decided_at INTEGER, decision_motivation TEXT,"        \
	" decided_by_role TEXT, executed_at INTEGER, retention_until TEXT);"             \
	"INSERT INTO rights_requests_v2(id, received_at, deadline, kind, categories, text," \
	" requester, actor_role, subject_index, status, decided_at, decision_motivation," \
	" decided_by_role) SELECT id, received_at, deadline, kind, categories, text,"    \
	" requester, actor_role, subject_index, status, decided_at, decision_motivation," \
	" decided_by_role FROM rights_requests;"                                          \
	"DROP TABLE rights_requests;"                                                     \
	"ALTER TABLE rights_requests_v2 RENAME TO rights_requests;"                       \
	"CREATE TABLE client_rights (id TEXT PRIMARY KEY, created_at INTEGER NOT NULL,"   \
	" deadline TEXT NOT NULL, kind TEXT NOT NULL, subject_index BLOB, categories TEXT,"\
	" text TEXT, case_id TEXT, actor_id TEXT NOT NULL, actor_role TEXT NOT NULL,"    \
	" retention_until TEXT);"                                                         \
	"CREATE TABLE client_rights_partners (request_id TEXT NOT NULL"                   \
	" REFERENCES client_rights(id) ON DELETE CASCADE, partner TEXT NOT NULL,"        \
	" status TEXT NOT NULL, deadline TEXT, decided_at INTEGER, motivation TEXT,"      \
	" executed_at INTEGER, deleted INTEGER, updated_at INTEGER NOT NULL,"            \
	" PRIMARY KEY (request_id, partner));"

/* Schema 18: a shielding or objection carried out stands for the person:
 * a record of theirs stored later, in a category it covers, is shielded as
 * it is inserted (r18). An update keeps a record's shield as it was. */
#define RIGHTS_STANDING_SHIELD_SCHEMA                                                        \
	"CREATE TRIGGER records_standing_shield AFTER INSERT ON records WHEN NEW.shielded = 0"  \
	" AND EXISTS (SELECT 1 FROM rights_requests q WHERE q.subject_index ="               \
	" NEW.subject_index AND q.kind IN ('shielding', 'objection') AND q.status IN"        \
	" ('done', 'executed') AND (q.categories IS NULL OR NEW.category IN"                 \
	" (SELECT value FROM json_each(q.categories))))"                                     \
	" BEGIN UPDATE records SET shielded = 1 WHERE rowid = NEW.rowid; END;"

/* Local API: rights.request (send), rights.list, rights.show (one request
 * with its text and the person's BSN, logged), rights.decide, rights.status
 * (at the municipality). */
json_t *local_rights(struct node *n, const char *op, json_t *rq);

/* 0 when each of cats is a category of the vocabulary; else WN_ECATEGORY
 * with err naming the first that is not. */
int rights_categories_check(const json_t *cats, char *err, size_t errcap);

/* A rights request that reached this node through the broker: registered
 * when the node holds records of the person, answered either way. */
int rights_receive(struct node *n, const json_t *query, const struct dir_peer *requester,
		   json_t **reply, char *err, size_t errcap);

/* At the municipality's node: a partner's decision on a request it was
 * sent; recorded against that request, acknowledged signed. */
int rights_decision_receive(struct node *n, const json_t *env, const struct dir_peer *sender,
			    json_t **reply, char *err, size_t errcap);

#endif
