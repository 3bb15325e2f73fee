/*
 * consentproof.c — the kept statement of this node's active consents and
 * the proofs of single consents against it.
 */
#include <stdio.h>
#include <string.h>

#include "wijknet.h"
#include "consentproof.h"
#include "consentset.h"
#include "context.h"
#include "encoding.h"
#include "envelope.h"
#include "ids.h"

/* Asks the broker for a statement over all of this node's active consents;
 * checks it names this node and that its root is the tree of the list sent
 * with it, so every proof made from the list verifies at a source. */
static int consentproof_fetch(struct node *n, json_t **statement, consentset **set, char *err,
			      size_t errcap)
{
	json_t *env = NULL, *reply = NULL;
	uint8_t root[MERKLE_HASH_LEN];
	char hex[2 * MERKLE_HASH_LEN + 1];
	int rc = envelope_new1(&env, "consent.attest", n->ident->id, n->broker_id);
	if (rc == 0)
		rc = node_call_broker(n, env, n->call_timeout_ms, &reply, err, errcap);
	json_decref(env);
	if (rc != 0)
		return rc;
	json_t *body = envelope_body(reply);
	json_t *st = json_object_get(body, "statement");
	const char *reg = json_string_value(json_object_get(st, "registrar"));
	const char *claimed = json_string_value(json_object_get(st, "root"));
	rc = consentset_build(json_object_get(body, "consents"), set);
	if (rc == 0)
		rc = consentset_root(*set, root);
	if (rc == 0)
		hex_encode(root, sizeof(root), hex);
	if (rc != 0 || reg == NULL || strcmp(reg, n->ident->id) != 0 || claimed == NULL ||
	    strcmp(claimed, hex) != 0 ||
	    json_integer_value(json_object_get(st, "size")) != (json_int_t)consentset_size(*set)) {
		snprintf(err, errcap, "the broker's statement of active consents does not match "
			 "the consents it lists");
		consentset_free(*set);
		*set = NULL;
		json_decref(reply);
		return WN_EPROTO;
	}
	*statement = json_incref(st);
	json_decref(reply);
	return 0;
}

/* 1 when the kept statement is younger than the allowed skew and holds id. */
static int consentproof_fresh(const struct node *n, const char *id)
{
	if (n->proof_statement == NULL)
		return 0;
	int64_t ts = json_integer_value(json_object_get(n->proof_statement, "ts"));
	int64_t age = time_now_ms() - ts;
	return age >= 0 && age < n->skew_ms && consentset_find(n->proof_set, id) >= 0;
}

int consentproof_get(struct node *n, const char *id, json_t **out, char *err, size_t errcap)
{
	json_t *proof = NULL;
	int rc = 0;
	pthread_mutex_lock(&n->proof_lock);
	if (!consentproof_fresh(n, id)) {
		json_t *st = NULL;
		consentset *set = NULL;
		if ((rc = consentproof_fetch(n, &st, &set, err, errcap)) != 0)
			goto out;
		json_decref(n->proof_statement);
		consentset_free(n->proof_set);
		n->proof_statement = st;
		n->proof_set = set;
	}
	long index = consentset_find(n->proof_set, id);
	if (index < 0) {
		snprintf(err, errcap, "the broker does not attest consent %s as active (revoked, "
			 "expired or not yet valid)", id);
		rc = WN_ECONSENT;
		goto out;
	}
	if ((rc = consentset_proof(n->proof_set, (size_t)index, &proof)) != 0)
		goto out;
	*out = json_pack("{s:O,s:o}", "statement", n->proof_statement, "proof", proof);
	rc = *out ? 0 : WN_ENOMEM;
out:
	pthread_mutex_unlock(&n->proof_lock);
	return rc;
}

void consentproof_invalidate(struct node *n)
{
	pthread_mutex_lock(&n->proof_lock);
	json_decref(n->proof_statement);
	consentset_free(n->proof_set);
	n->proof_statement = NULL;
	n->proof_set = NULL;
	pthread_mutex_unlock(&n->proof_lock);
}

void consentproof_free(struct node *n)
{
	json_decref(n->proof_statement);
	consentset_free(n->proof_set);
	n->proof_statement = NULL;
	n->proof_set = NULL;
}
