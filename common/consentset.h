/*
 * consentset.h — the broker's signed word that a partner's consents are
 * active, without a query per use. The broker signs, for one registering
 * partner, a statement {registrar, ts, size, root} whose root is a Merkle
 * tree (RFC 9162 hashing) over all of that partner's consents active today,
 * ordered by id; the partner keeps the statement and the list and, when it
 * shows one consent to a source in a lookup, adds the consent's inclusion
 * proof. So the broker learns nothing of which consent a lookup relies on —
 * asking per use would let it link the lookups of one person — and a source
 * still learns, from the broker, that the consent was active at ts.
 */
#ifndef WN_CONSENTSET_H
#define WN_CONSENTSET_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "merkle.h"

#define CONSENTSET_MAX 100000 /* active consents of one partner in one statement */

/* The leaf of one consent: SHA-256(0x00 || "wijknet-consent-active-v1\n" id
 * ":" version). */
int consentset_leaf(const char *id, const char *version, uint8_t out[MERKLE_HASH_LEN]);

/* A Merkle tree over n leaves, all perfect subtrees kept in memory. */
typedef struct consentset consentset;

/* Builds the tree of refs, an array of {id, version} in tree order (the
 * caller sorts). *out: consentset_free(). */
int consentset_build(const json_t *refs, consentset **out);
void consentset_free(consentset *s);

size_t consentset_size(const consentset *s);
int consentset_root(const consentset *s, uint8_t out[MERKLE_HASH_LEN]);

/* The place of consent id in the tree, or -1. */
long consentset_find(const consentset *s, const char *id);

/* {index, proof: [hex...]} for leaf index. *out: json_decref(). */
int consentset_proof(const consentset *s, size_t index, json_t **out);

/* The broker's statement for registrar over s at ts, signed with key:
 * {registrar, ts, size, root, sig}. *out: json_decref(). */
int consentset_sign(const consentset *s, const char *registrar, int64_t ts, EVP_PKEY *key,
		    json_t **out);

/* Checks a presented consent against a statement: signed by broker_cert,
 * naming registrar, made within max_age_ms of now, and the proof {index,
 * proof} leading from the consent's leaf to its root. 0, WN_ESIG (not the
 * broker's signature), or WN_ECONSENT with err. */
int consentset_verify(const json_t *statement, const json_t *proof, const char *registrar,
		      const char *id, const char *version, X509 *broker_cert, int64_t max_age_ms,
		      char *err, size_t errcap);

#endif
