/*
 * consentset.c — signed Merkle statements of active consents.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wijknet.h"
#include "consentset.h"
#include "encoding.h"
#include "envelope.h"
#include "ids.h"
#include "schema.h"

static const char LEAF_CONTEXT[] = "wijknet-consent-active-v1\n";
static const char SIG_CONTEXT[] = "wijknet-consent-set-v1\n";
static const char *const drop_sig[] = { "sig", NULL };

/* levels[L] holds the perfect subtrees of level L: n >> L of them. */
struct consentset {
	size_t n;
	unsigned nlevels;
	uint8_t (*levels[64])[MERKLE_HASH_LEN];
	char (*ids)[ID_HEX_LEN + 1];
};

static const struct schema_field statement_fields[] = {
	{ "registrar", SCHEMA_STRING, 1, 63 },
	{ "ts", SCHEMA_INT, 1, 0 },
	{ "size", SCHEMA_INT, 1, CONSENTSET_MAX },
	{ "root", SCHEMA_STRING, 1, 64 },
	{ "sig", SCHEMA_STRING, 1, 256 },
	{ NULL, 0, 0, 0 },
};

static const struct schema_field proof_fields[] = {
	{ "index", SCHEMA_INT, 1, CONSENTSET_MAX },
	{ "proof", SCHEMA_ARRAY, 1, MERKLE_PROOF_MAX },
	{ NULL, 0, 0, 0 },
};

int consentset_leaf(const char *id, const char *version, uint8_t out[MERKLE_HASH_LEN])
{
	char buf[sizeof(LEAF_CONTEXT) + ID_HEX_LEN + 1 + 64 + 1];
	if (id_validate(id) != 0 || hex_validate(version, 64) != 0)
		return WN_EINVAL;
	int n = snprintf(buf, sizeof(buf), "%s%s:%s", LEAF_CONTEXT, id, version);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return WN_EINVAL;
	return merkle_leaf_hash(buf, (size_t)n, out);
}

void consentset_free(consentset *s)
{
	if (s == NULL)
		return;
	for (unsigned l = 0; l < s->nlevels; l++)
		free(s->levels[l]);
	free(s->ids);
	free(s);
}

/* Fills every level above 0 from the one below. */
static int consentset_fill(consentset *s)
{
	for (unsigned l = 1; (s->n >> l) > 0; l++) {
		size_t count = s->n >> l;
		if ((s->levels[l] = malloc(count * MERKLE_HASH_LEN)) == NULL)
			return WN_ENOMEM;
		s->nlevels = l + 1;
		for (size_t i = 0; i < count; i++) {
			int rc = merkle_node_hash(s->levels[l - 1][2 * i], s->levels[l - 1][2 * i + 1],
						  s->levels[l][i]);
			if (rc != 0)
				return rc;
		}
	}
	return 0;
}

int consentset_build(const json_t *refs, consentset **out)
{
	size_t n = json_array_size(refs);
	if (n > CONSENTSET_MAX)
		return WN_ELIMIT;
	consentset *s = calloc(1, sizeof(*s));
	if (s == NULL)
		return WN_ENOMEM;
	s->n = n;
	s->nlevels = 1;
	s->levels[0] = malloc((n ? n : 1) * MERKLE_HASH_LEN);
	s->ids = malloc((n ? n : 1) * sizeof(*s->ids));
	int rc = s->levels[0] && s->ids ? 0 : WN_ENOMEM;
	for (size_t i = 0; rc == 0 && i < n; i++) {
		const json_t *r = json_array_get(refs, i);
		const char *id = json_string_value(json_object_get(r, "id"));
		rc = consentset_leaf(id, json_string_value(json_object_get(r, "version")),
				     s->levels[0][i]);
		if (rc == 0)
			memcpy(s->ids[i], id, ID_HEX_LEN + 1);
	}
	if (rc == 0)
		rc = consentset_fill(s);
	if (rc != 0) {
		consentset_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

size_t consentset_size(const consentset *s)
{
	return s ? s->n : 0;
}

static int consentset_node(void *arg, unsigned level, uint64_t index, uint8_t out[MERKLE_HASH_LEN])
{
	const consentset *s = arg;
	if (level >= s->nlevels || index >= (s->n >> level))
		return WN_EINVAL;
	memcpy(out, s->levels[level][index], MERKLE_HASH_LEN);
	return 0;
}

int consentset_root(const consentset *s, uint8_t out[MERKLE_HASH_LEN])
{
	return merkle_root(consentset_node, (void *)s, s->n, out);
}

long consentset_find(const consentset *s, const char *id)
{
	for (size_t i = 0; s != NULL && id != NULL && i < s->n; i++)
		if (strcmp(s->ids[i], id) == 0)
			return (long)i;
	return -1;
}

int consentset_proof(const consentset *s, size_t index, json_t **out)
{
	uint8_t proof[MERKLE_PROOF_MAX][MERKLE_HASH_LEN];
	size_t len = 0;
	int rc = merkle_inclusion_proof(consentset_node, (void *)s, index, s->n, proof,
					MERKLE_PROOF_MAX, &len);
	if (rc != 0)
		return rc;
	json_t *list = json_array();
	for (size_t i = 0; list != NULL && i < len; i++) {
		char hex[2 * MERKLE_HASH_LEN + 1];
		hex_encode(proof[i], MERKLE_HASH_LEN, hex);
		json_array_append_new(list, json_string(hex));
	}
	*out = list ? json_pack("{s:I,s:o}", "index", (json_int_t)index, "proof", list) : NULL;
	return *out ? 0 : WN_ENOMEM;
}

int consentset_sign(const consentset *s, const char *registrar, int64_t ts, EVP_PKEY *key,
		    json_t **out)
{
	uint8_t root[MERKLE_HASH_LEN];
	char hex[2 * MERKLE_HASH_LEN + 1], *sig = NULL;
	int rc = consentset_root(s, root);
	if (rc != 0)
		return rc;
	hex_encode(root, sizeof(root), hex);
	json_t *st = json_pack("{s:s,s:I,s:I,s:s}", "registrar", registrar, "ts", (json_int_t)ts,
			       "size", (json_int_t)s->n, "root", hex);
	if (st == NULL)
		return WN_ENOMEM;
	if ((rc = envelope_sign_object(st, SIG_CONTEXT, drop_sig, key, &sig)) != 0) {
		json_decref(st);
		return rc;
	}
	json_object_set_new(st, "sig", json_string(sig));
	free(sig);
	*out = st;
	return 0;
}

/* The proof's hashes, decoded; *len of them. */
static int consentset_decode_proof(const json_t *list, uint8_t (*out)[MERKLE_HASH_LEN],
				   size_t *len)
{
	size_t i;
	json_t *x;
	*len = 0;
	json_array_foreach(list, i, x) {
		if (i >= MERKLE_PROOF_MAX || hex_decode(json_string_value(x), out[i],
							 MERKLE_HASH_LEN) != 0)
			return WN_ECONSENT;
		*len = i + 1;
	}
	return 0;
}

int consentset_verify(const json_t *statement, const json_t *proof, const char *registrar,
		      const char *id, const char *version, X509 *broker_cert, int64_t max_age_ms,
		      char *err, size_t errcap)
{
	char detail[200];
	uint8_t leaf[MERKLE_HASH_LEN], root[MERKLE_HASH_LEN];
	uint8_t path[MERKLE_PROOF_MAX][MERKLE_HASH_LEN];
	size_t len = 0;
	if (schema_check(statement, statement_fields, detail, sizeof(detail)) != 0 ||
	    schema_check(proof, proof_fields, detail, sizeof(detail)) != 0) {
		snprintf(err, errcap, "the consent's status statement: %s", detail);
		return WN_ECONSENT;
	}
	if (envelope_verify_object(statement, SIG_CONTEXT, drop_sig, broker_cert) != 0) {
		snprintf(err, errcap, "the consent's status statement is not signed by the broker");
		return WN_ESIG;
	}
	int64_t age = time_now_ms() - (int64_t)json_integer_value(json_object_get(statement, "ts"));
	if (registrar == NULL ||
	    strcmp(json_string_value(json_object_get(statement, "registrar")), registrar) != 0) {
		snprintf(err, errcap, "the consent's status statement is about another partner's "
			 "consents");
		return WN_ECONSENT;
	}
	if (age > max_age_ms || age < -max_age_ms) {
		snprintf(err, errcap, "the broker's word that the consent is active is %lld s old",
			 (long long)(age / 1000));
		return WN_ECONSENT;
	}
	uint64_t size = (uint64_t)json_integer_value(json_object_get(statement, "size"));
	uint64_t index = (uint64_t)json_integer_value(json_object_get(proof, "index"));
	if (consentset_leaf(id, version, leaf) != 0 ||
	    hex_decode(json_string_value(json_object_get(statement, "root")), root, sizeof(root)) != 0 ||
	    consentset_decode_proof(json_object_get(proof, "proof"), path, &len) != 0 ||
	    index >= size ||
	    merkle_verify_inclusion(leaf, index, size, (const uint8_t (*)[MERKLE_HASH_LEN])path, len,
				    root) != 0) {
		snprintf(err, errcap, "the broker did not attest this consent as active (revoked, "
			 "expired or never registered)");
		return WN_ECONSENT;
	}
	return 0;
}
