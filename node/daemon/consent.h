/*
 * consent.h — the consents a partner collected (r10–r12). The full signed
 * declaration stays at the node whose professional took it, encrypted at
 * rest; the broker's registry learns only id, version hash, status and
 * validity. A consent becomes usable once the broker has registered it, and
 * a revocation reaches the broker first: from then on every request on it is
 * refused there, while disclosures logged before it stay as they are.
 */
#ifndef WN_NODE_CONSENT_H
#define WN_NODE_CONSENT_H

#include <stdint.h>

#include <jansson.h>

#include "consentdoc.h"
#include "date.h"
#include "store.h"

struct node;

#define CONSENT_SCHEMA                                                                 \
	"CREATE TABLE consents (id TEXT PRIMARY KEY, version TEXT NOT NULL,"           \
	" kind TEXT NOT NULL CHECK (kind IN ('consent', 'refusal')),"                  \
	" subject_index BLOB NOT NULL, status TEXT NOT NULL"                           \
	" CHECK (status IN ('pending', 'active', 'revoked', 'refused')),"              \
	" valid_from TEXT NOT NULL, valid_until TEXT, registered_at INTEGER NOT NULL," \
	" revoked_at INTEGER, actor_id TEXT NOT NULL, actor_role TEXT NOT NULL,"       \
	" object_enc BLOB NOT NULL);"                                                  \
	"CREATE INDEX consents_subject ON consents(subject_index);"

/* Schema 27: a refusal the client gave another partner, passed on to this
 * node as a source it names (refusal.c): from whom. */
#define CONSENT_RECEIVED_SCHEMA "ALTER TABLE consents ADD COLUMN received_from TEXT;"

/* The person's birth date (index: this node's pseudonym of their BSN) as
 * the consents and refusals this node holds and did not revoke give it, for
 * a letter about a child, which goes to the parents (Heerlen Bijlage 8).
 * out is "" when none is held or two disagree: the age is then not known.
 * 0, or WN_EDB/WN_ECRYPTO/WN_ENOMEM (out "") when the store cannot be read. */
int consent_birth_date(struct node *n, const uint8_t index[STORE_INDEX_LEN],
		       char out[DATE_LEN + 1]);

/* Local API: consent.register, consent.refuse, consent.revoke, consent.list. */
json_t *local_consent(struct node *n, const char *op, json_t *rq);

/* The signed object of an active consent this node registered, for a
 * request or lookup made on it. WN_ECONSENT (with err) when it is not held
 * here or not active. *object: json_decref(). */
int consent_load(struct node *n, const char *id, json_t **object, char *err, size_t errcap);

/* The refusals this node registered for a consent's person after the
 * consent object (Heerlen 8.2: revocable at any time, not retroactively):
 * their signed objects, newest first. *refusals: consent_refusals_free(). */
int consent_refusals_after(struct node *n, const json_t *object, json_t **refusals);

/* Wipes the people named in refusals and frees them; NULL is ignored. */
void consent_refusals_free(json_t *refusals);

/* 0 when none of refusals withdraws use from the consent object; else
 * WN_ECONSENT and err names the refusal, its date and what it withdrew. */
int consent_check_refusals(const json_t *object, const json_t *refusals,
			   const struct consent_use *use, char *err, size_t errcap);

/* Adds to each consent row of rows ({id, ...}) what its document covers —
 * purposes, recipients, sources, categories, special — for the client's
 * access report (G-P 7.2); a row whose document cannot be read stays as it
 * is. The person's own data stays out. */
void consent_scope_into(struct node *n, json_t *rows);

/* 0 unless a refusal registered here after the consent object withdrew all
 * it covered (a case opened or a person added on it would rest on
 * nothing): then WN_ECONSENT with err naming the refusal. */
int consent_check_emptied(struct node *n, const json_t *object, char *err, size_t errcap);

/* The requester's check of a consent it holds for one use: the document
 * covers it (consentdoc_covers) and no refusal registered here after it
 * withdrew it. 0 or WN_ECONSENT with err; another code when the store
 * cannot be read. */
int consent_covers(struct node *n, const json_t *object, const struct consent_use *use,
		   char *err, size_t errcap);

/* The source's check of a consent presented with a query from requester
 * about bsn for categories (NULL for a lookup): the broker attests it
 * active — a data request's header names it and the receipt attests the
 * status; a lookup carries, sealed, the broker's fresh signed statement of
 * the registrar's active consents with this one's inclusion proof (attest,
 * consentproof.h) — the registering partner's signature holds (a forged one
 * is a security event), and it covers this use today. 0, WN_ECONSENT or
 * WN_ESIG, with err. */
int consent_verify_presented(struct node *n, const json_t *query, const json_t *object,
			     const json_t *attest, const char *requester, const char *bsn,
			     const json_t *categories, char *err, size_t errcap);

/* Tells the broker of a revocation queued while it was out of reach (body:
 * {consent, actor, revoked_at}): 0 once it is revoked there or has nothing
 * to revoke, WN_ETRANSPORT while the broker cannot be reached (tried again),
 * another code when it refuses (*error names it). */
int consent_revoke_deliver(struct node *n, const json_t *body, const char **error);

/* 1 when a consent object's document names health, mental-health or
 * addiction data as special: being known at a partner that answers only on
 * consent is itself such data. */
int consent_names_health(const json_t *object);

/* Keeps a refusal partner from registered and passed on to this node (its
 * signed object, already verified, and the person's BSN), as registered
 * there and then: it limits what was consented before it, here as at its
 * holder (Heerlen 8.2). revoked_at (ms, 0: none) is the moment its holder
 * revoked it: from then on it limits nothing here either (kept revoked when
 * it had not arrived yet). *changed is 0 when it was kept so already. 0,
 * WN_ECONSENT (another document, another partner's or another person's, is
 * kept under its id: refused), or WN_EDB/WN_ENOMEM/WN_ECRYPTO. */
int consent_store_received(struct node *n, const json_t *object, const char *bsn,
			   const char *from, int64_t revoked_at, int *changed);

#endif
