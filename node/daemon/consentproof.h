/*
 * consentproof.h — the broker's signed statement that this node's consents
 * are active (consentset.h), kept here and refreshed when stale, and the
 * inclusion proof of one consent against it, which a lookup on consent
 * carries sealed to the source. The broker is asked for the statement over
 * all of this node's active consents at once, never about one consent, so
 * it cannot link the lookups that rely on the same person's consent.
 */
#ifndef WN_NODE_CONSENTPROOF_H
#define WN_NODE_CONSENTPROOF_H

#include <jansson.h>

struct node;

/* {statement, proof: {index, proof}} for consent id, from a statement at
 * most skew old (fetched anew when older or when it lacks id). WN_ECONSENT
 * with err when the broker does not attest id active. *out: json_decref(). */
int consentproof_get(struct node *n, const char *id, json_t **out, char *err, size_t errcap);

/* Forgets the kept statement: a consent was registered or revoked. */
void consentproof_invalidate(struct node *n);

/* Frees what is kept (at node shutdown). */
void consentproof_free(struct node *n);

#endif
