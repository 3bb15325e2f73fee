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

/* A decision names the person it is about (their commitment in the case)
 * and, on consent, keeps the client's consent the proposer sealed to it. */
#define THIRDPARTY_PERSON_SCHEMA                                                        \
	"ALTER TABLE third_party_decisions ADD COLUMN person TEXT;"                     \
	"ALTER TABLE third_party_decisions ADD COLUMN consent_enc BLOB;"

/* The facts of the proposer's motivation the client's letter names (the
 * interest at stake, the legal reference), as the source keeps them. */
#define THIRDPARTY_NOTICE_SCHEMA "ALTER TABLE third_party_decisions ADD COLUMN notice_facts TEXT;"

/* The registrar's certificate (PEM) the kept consent verified under when it
 * was kept: it still verifies the copy once the registrar's key is replaced. */
#define THIRDPARTY_CONSENT_CERT_SCHEMA                                                  \
	"ALTER TABLE third_party_decisions ADD COLUMN consent_cert TEXT;"

/* Local API: thirdparty.propose, .declare, .approve, .reject, .list. */
json_t *local_thirdparty(struct node *n, const char *op, json_t *rq);

/* One request a third party makes on an approval, as the source sees it. */
struct thirdparty_use {
	const char *approval;
	const char *party;
	const char *purpose, *ground;
	const json_t *categories;
	const char *person;       /* the commitment of the person asked about */
	const char *bsn;          /* …and the BSN, for a consent's subject */
	const char *status_seen;  /* the consent status the broker's receipt attests */
};

/* As a source: whether this node approved the disclosure to the party, from
 * itself, for the purpose, ground and person, covering the categories — and
 * on consent whether the consent it kept still covers it today. 0
 * (motivation_hash, 65 bytes, gets the motivation's hash or the consent's
 * version; *notice the facts the client's letter names, {interest?,
 * legal_reference?}, or NULL; json_decref()) or WN_EDENIED / WN_ECONSENT
 * with err. */
int thirdparty_check_use(struct node *n, const struct thirdparty_use *u, char *motivation_hash,
			 json_t **notice, char *err, size_t errcap);

#endif
