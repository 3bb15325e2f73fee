/*
 * casekey.h — the case keys this node holds (Heerlen 1.14, 7.1). The node
 * that opens a case draws a random key and seals it, through the broker, to
 * every partner that takes part; with it a partner computes the commitment
 * HMAC(case key, BSN) of a person and checks that the person belongs to the
 * household the case is about, against the members the broker attests.
 * Keys are kept encrypted at rest; a key a partner lacks comes from the
 * broker, still sealed to it and signed by the partner that sealed it.
 */
#ifndef WN_NODE_CASEKEY_H
#define WN_NODE_CASEKEY_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "db.h"
#include "household.h"

struct node;
struct dir_peer;

#define CASEKEY_SCHEMA                                                                 \
	"CREATE TABLE case_keys (case_id TEXT PRIMARY KEY, key_enc BLOB NOT NULL,"     \
	" sealed_by TEXT NOT NULL, received_at INTEGER NOT NULL, basis TEXT);"

/* The precondition the opener keeps may hold a motivation about the
 * household: encrypted at rest like the key. */
#define CASEKEY_BASIS_SCHEMA                                  \
	"ALTER TABLE case_keys DROP COLUMN basis;"            \
	"ALTER TABLE case_keys ADD COLUMN basis_enc BLOB;"

/* Seals key for case_id to the partner with public key pk, in env (whose
 * header must be complete: the header is the seal's additional data). */
int casekey_seal(json_t *env, const char *case_id, const char *partner, const uint8_t pk[32],
		 const uint8_t key[HOUSEHOLD_KEY_LEN]);

/* Keeps a key (and, for the case it opened, the precondition as JSON text,
 * encrypted). */
int casekey_store(struct node *n, const char *case_id, const uint8_t key[HOUSEHOLD_KEY_LEN],
		  const char *sealed_by, const char *basis);

/* The consents a case was opened on, bound to it in the clear
 * (case_consents) from the opener's encrypted basis, for every case not
 * bound yet (case_id NULL) or one. d locked (a writer function). */
int casekey_bind_consents_locked(struct node *n, db *d, const char *case_id);

/* Binds one consent to a case it serves (a person added on it). */
int casekey_bind_consent(struct node *n, const char *case_id, const char *consent_id);

#define CASEKEY_CONSENTS_SCHEMA                                                         \
	"CREATE TABLE case_consents (case_id TEXT NOT NULL, consent_id TEXT NOT NULL,"   \
	" PRIMARY KEY (case_id, consent_id));"

/* Forgets the key of a case this node left or closed: it has no further
 * use here, and a copy kept is a copy that can leak. */
int casekey_forget(struct node *n, const char *case_id);

/* The key of a case this node takes part in: its own copy, or else the
 * envelope the broker kept for it. WN_ENOTMEMBER (err says why) when there
 * is none. */
int casekey_get(struct node *n, const char *case_id, uint8_t key[HOUSEHOLD_KEY_LEN], char *err,
		size_t errcap);

/* The key of the case of an inbound query: its own copy, or else the
 * envelope the broker's receipt carries for this node. */
int casekey_of_query(struct node *n, const json_t *query, uint8_t key[HOUSEHOLD_KEY_LEN],
		     char *err, size_t errcap);

/* The case as the broker shows it to its partners (members, people).
 * *out: json_decref(). */
int casekey_case(struct node *n, const char *case_id, json_t **out, char *err, size_t errcap);

/* Whether bsn is a member of the household of case_id now (*member), with
 * its commitment; nothing is recorded. */
int casekey_has_person(struct node *n, const char *case_id, const char *bsn,
		       char commit[HOUSEHOLD_COMMIT_HEX + 1], int *member, char *err,
		       size_t errcap);

/* Whether bsn is a member of the household of case_id now: commit gets its
 * commitment; WN_ENOTINCASE when it is not (recorded as a security event
 * against peer, the partner that asked — this node for its own users). */
int casekey_check_person(struct node *n, const char *case_id, const char *bsn,
			 const char *peer, char commit[HOUSEHOLD_COMMIT_HEX + 1], char *err,
			 size_t errcap);

/* The same against c, the case as casekey_case gave it (one call to the
 * broker for both the case's partners and its people). */
int casekey_check_person_in(struct node *n, const json_t *c, const char *case_id,
			    const char *bsn, const char *peer,
			    char commit[HOUSEHOLD_COMMIT_HEX + 1], char *err, size_t errcap);

/* 1 when partner takes part in c (as casekey_case gave it) now. */
int casekey_case_has_member(const json_t *c, const char *partner);

#endif
