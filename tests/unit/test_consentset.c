/*
 * test_consentset.c — the broker's signed statement of a partner's active
 * consents (r10): every active consent proves against it, a revoked or
 * unknown one, another partner's, a stale or forged statement do not.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "wijknet.h"
#include "consentset.h"
#include "ids.h"

static EVP_PKEY *key_new(void)
{
	return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
}

/* A self-signed certificate of key: consentset_verify reads its public key. */
static X509 *cert_of(EVP_PKEY *key)
{
	X509 *x = X509_new();
	assert_non_null(x);
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_set_pubkey(x, key);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
				   (const unsigned char *)"broker", -1, -1, 0);
	X509_set_issuer_name(x, X509_get_subject_name(x));
	assert_true(X509_sign(x, key, EVP_sha256()) > 0);
	return x;
}

static void ref_id(size_t i, char id[ID_HEX_LEN + 1], char version[65])
{
	snprintf(id, ID_HEX_LEN + 1, "%032zx", i + 1);
	snprintf(version, 65, "%064zx", (i + 1) * 7);
}

static json_t *refs_of(size_t n)
{
	json_t *refs = json_array();
	for (size_t i = 0; i < n; i++) {
		char id[ID_HEX_LEN + 1], v[65];
		ref_id(i, id, v);
		json_array_append_new(refs, json_pack("{s:s,s:s}", "id", id, "version", v));
	}
	return refs;
}

/* {statement, proof} of consent i of n, registered by "zorg-a". */
static void prove(consentset *s, EVP_PKEY *key, size_t i, int64_t ts, json_t **st, json_t **proof)
{
	assert_int_equal(consentset_sign(s, "zorg-a", ts, key, st), 0);
	assert_int_equal(consentset_proof(s, i, proof), 0);
}

static void test_r10_consent_active_every_size(void **state)
{
	(void)state;
	EVP_PKEY *key = key_new();
	X509 *cert = cert_of(key);
	char err[256];
	for (size_t n = 1; n <= 19; n++) {
		json_t *refs = refs_of(n);
		consentset *s = NULL;
		assert_int_equal(consentset_build(refs, &s), 0);
		assert_int_equal(consentset_size(s), n);
		for (size_t i = 0; i < n; i++) {
			char id[ID_HEX_LEN + 1], v[65];
			json_t *st = NULL, *proof = NULL;
			ref_id(i, id, v);
			assert_int_equal(consentset_find(s, id), (long)i);
			prove(s, key, i, time_now_ms(), &st, &proof);
			assert_int_equal(consentset_verify(st, proof, "zorg-a", id, v, cert, 60000, err,
							   sizeof(err)), 0);
			json_decref(st);
			json_decref(proof);
		}
		json_decref(refs);
		consentset_free(s);
	}
	X509_free(cert);
	EVP_PKEY_free(key);
}

static void test_r10_consent_not_attested(void **state)
{
	(void)state;
	EVP_PKEY *key = key_new(), *other = key_new();
	X509 *cert = cert_of(key), *other_cert = cert_of(other);
	char err[256], id[ID_HEX_LEN + 1], v[65], id2[ID_HEX_LEN + 1], v2[65];
	json_t *refs = refs_of(5), *st = NULL, *proof = NULL;
	consentset *s = NULL;
	assert_int_equal(consentset_build(refs, &s), 0);
	ref_id(2, id, v);
	ref_id(3, id2, v2);
	prove(s, key, 2, time_now_ms(), &st, &proof);
	/* another consent (revoked: not in the set) shown with this proof */
	assert_int_equal(consentset_verify(st, proof, "zorg-a", id2, v2, cert, 60000, err,
					   sizeof(err)), WN_ECONSENT);
	/* the same id with another version: the document was changed */
	assert_int_equal(consentset_verify(st, proof, "zorg-a", id, v2, cert, 60000, err,
					   sizeof(err)), WN_ECONSENT);
	/* another partner's consent */
	assert_int_equal(consentset_verify(st, proof, "zorg-b", id, v, cert, 60000, err,
					   sizeof(err)), WN_ECONSENT);
	/* not the broker's signature */
	assert_int_equal(consentset_verify(st, proof, "zorg-a", id, v, other_cert, 60000, err,
					   sizeof(err)), WN_ESIG);
	/* a statement changed after signing */
	json_object_set_new(st, "size", json_integer(6));
	assert_int_equal(consentset_verify(st, proof, "zorg-a", id, v, cert, 60000, err,
					   sizeof(err)), WN_ESIG);
	json_decref(st);
	json_decref(proof);
	/* stale: older than allowed */
	prove(s, key, 2, time_now_ms() - 120000, &st, &proof);
	assert_int_equal(consentset_verify(st, proof, "zorg-a", id, v, cert, 60000, err,
					   sizeof(err)), WN_ECONSENT);
	assert_non_null(strstr(err, "old"));
	json_decref(st);
	json_decref(proof);
	/* an index outside the tree, a malformed proof */
	prove(s, key, 2, time_now_ms(), &st, &proof);
	json_object_set_new(proof, "index", json_integer(5));
	assert_int_equal(consentset_verify(st, proof, "zorg-a", id, v, cert, 60000, err,
					   sizeof(err)), WN_ECONSENT);
	json_object_set_new(proof, "index", json_integer(2));
	json_array_set_new(json_object_get(proof, "proof"), 0, json_string("zz"));
	assert_int_equal(consentset_verify(st, proof, "zorg-a", id, v, cert, 60000, err,
					   sizeof(err)), WN_ECONSENT);
	json_decref(st);
	json_decref(proof);
	json_decref(refs);
	consentset_free(s);
	X509_free(cert);
	X509_free(other_cert);
	EVP_PKEY_free(key);
	EVP_PKEY_free(other);
}

static void test_r10_consent_set_empty_and_bad(void **state)
{
	(void)state;
	EVP_PKEY *key = key_new();
	json_t *refs = json_array(), *st = NULL;
	consentset *s = NULL;
	assert_int_equal(consentset_build(refs, &s), 0);
	assert_int_equal(consentset_size(s), 0);
	assert_int_equal(consentset_find(s, "00000000000000000000000000000001"), -1);
	assert_int_equal(consentset_sign(s, "zorg-a", time_now_ms(), key, &st), 0);
	json_decref(st);
	consentset_free(s);
	s = NULL;
	/* a ref that is no consent id */
	json_array_append_new(refs, json_pack("{s:s,s:s}", "id", "nope", "version", "00"));
	assert_int_equal(consentset_build(refs, &s), WN_EINVAL);
	assert_null(s);
	json_decref(refs);
	EVP_PKEY_free(key);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_r10_consent_active_every_size),
		cmocka_unit_test(test_r10_consent_not_attested),
		cmocka_unit_test(test_r10_consent_set_empty_and_bad),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
