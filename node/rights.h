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

/* Local API: rights.request (send), rights.list, rights.decide. */
json_t *local_rights(struct node *n, const char *op, json_t *rq);

/* A rights request that reached this node through the broker: registered
 * when the node holds records of the person, answered either way. */
int rights_receive(struct node *n, const json_t *query, const struct dir_peer *requester,
		   json_t **reply, char *err, size_t errcap);

#endif
