/*
 * thirdparty.h — third-party disclosures as a node takes part in them (r08,
 * Heerlen 7.2 and Bijlage 6): the decisions this partner took, kept so that
 * as a source it checks a third party's request against what it approved.
 */
#ifndef WN_NODE_THIRDPARTY_H
#define WN_NODE_THIRDPARTY_H

#include <jansson.h>

struct node;

#define THIRDPARTY_SCHEMA                                                             \
	"CREATE TABLE third_party_decisions (id TEXT PRIMARY KEY, case_id TEXT NOT NULL," \
	" party TEXT NOT NULL, source TEXT NOT NULL, categories TEXT NOT NULL,"       \
	" purpose TEXT NOT NULL, ground TEXT NOT NULL, motivation TEXT,"              \
	" motivation_hash TEXT NOT NULL, decision TEXT NOT NULL,"                     \
	" decided_at INTEGER NOT NULL, actor_id TEXT NOT NULL, actor_role TEXT NOT NULL);"

/* Local API: thirdparty.propose, .declare, .approve, .reject, .list. */
json_t *local_thirdparty(struct node *n, const char *op, json_t *rq);

/* As a source: whether this node approved disclosure id to party, from
 * itself, for purpose and ground, covering categories. 0 (motivation_hash,
 * 65 bytes, gets the motivation's hash) or WN_EDENIED with err. */
int thirdparty_check_use(struct node *n, const char *id, const char *party,
			 const char *purpose, const char *ground, const json_t *categories,
			 char *motivation_hash, char *err, size_t errcap);

#endif
