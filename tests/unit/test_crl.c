/*
 * test_crl.c — a node takes a CRL the broker distributes only when it is
 * later than the one it holds (r20's revocation): two CRLs issued within one
 * second share their lastUpdate, and the later one (by CRL number) must
 * still be taken, or a revocation would be missed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "wijknet.h"
#include "harness.h"
#include "pki.h"

static X509 *load_cert(struct fed *f, const char *rel)
{
	char path[512];
	fed_file(f, rel, path, sizeof(path));
	FILE *fp = fopen(path, "r");
	assert_non_null(fp);
	X509 *x = PEM_read_X509(fp, NULL, NULL, NULL);
	fclose(fp);
	assert_non_null(x);
	return x;
}

/* A CRL of the federation CA with the given number and lastUpdate, revoking
 * revoked (may be NULL), in PEM (malloc'd). */
static char *make_crl(EVP_PKEY *ca_key, X509 *ca, long number, time_t at, X509 *revoked)
{
	X509_CRL *crl = X509_CRL_new();
	ASN1_TIME *last = ASN1_TIME_set(NULL, at), *next = ASN1_TIME_set(NULL, at + 86400);
	ASN1_INTEGER *num = ASN1_INTEGER_new();
	assert_non_null(crl);
	assert_int_equal(X509_CRL_set_version(crl, 1), 1);
	assert_int_equal(X509_CRL_set_issuer_name(crl, X509_get_subject_name(ca)), 1);
	assert_int_equal(X509_CRL_set1_lastUpdate(crl, last), 1);
	assert_int_equal(X509_CRL_set1_nextUpdate(crl, next), 1);
	assert_int_equal(ASN1_INTEGER_set(num, number), 1);
	assert_int_equal(X509_CRL_add1_ext_i2d(crl, NID_crl_number, num, 0, 0), 1);
	if (revoked != NULL) {
		X509_REVOKED *r = X509_REVOKED_new();
		assert_int_equal(X509_REVOKED_set_serialNumber(r, X509_get_serialNumber(revoked)), 1);
		assert_int_equal(X509_REVOKED_set_revocationDate(r, last), 1);
		assert_int_equal(X509_CRL_add0_revoked(crl, r), 1);
	}
	assert_int_equal(X509_CRL_sort(crl), 1);
	assert_true(X509_CRL_sign(crl, ca_key, EVP_sha256()) > 0);
	BIO *b = BIO_new(BIO_s_mem());
	assert_int_equal(PEM_write_bio_X509_CRL(b, crl), 1);
	char *data = NULL;
	long len = BIO_get_mem_data(b, &data);
	char *pem = strndup(data, (size_t)len);
	BIO_free(b);
	ASN1_INTEGER_free(num);
	ASN1_TIME_free(last);
	ASN1_TIME_free(next);
	X509_CRL_free(crl);
	return pem;
}

static void test_r20_integrity_crl_of_the_same_second_taken(void **state)
{
	(void)state;
	static const char *const ids[] = { "radar" };
	struct fed f;
	char key_path[512], crl_path[512], ca_path[512], err[256];
	assert_int_equal(fed_setup(&f, ids, 1), 0);
	fed_file(&f, "ca/ca.key", key_path, sizeof(key_path));
	fed_file(&f, "ca/ca.crt", ca_path, sizeof(ca_path));
	fed_file(&f, "crl-1.pem", crl_path, sizeof(crl_path));
	FILE *fp = fopen(key_path, "r");
	assert_non_null(fp);
	EVP_PKEY *ca_key = PEM_read_PrivateKey(fp, NULL, NULL, NULL);
	fclose(fp);
	assert_non_null(ca_key);
	X509 *ca = load_cert(&f, "ca/ca.crt"), *radar = load_cert(&f, "ca/radar.crt");
	time_t now = time(NULL) - 10;
	char *first = make_crl(ca_key, ca, 7, now, NULL);
	char *second = make_crl(ca_key, ca, 8, now, radar); /* the same second */
	fp = fopen(crl_path, "w");
	assert_non_null(fp);
	fputs(first, fp);
	fclose(fp);
	pki_trust *t = NULL;
	int changed = 0;
	assert_int_equal(pki_trust_load(ca_path, crl_path, &t, err, sizeof(err)), 0);
	assert_int_equal(pki_trust_verify(t, radar, "radar", err, sizeof(err)), 0);
	/* the later one is taken, and radar is revoked */
	assert_int_equal(pki_trust_offer_crl(t, second, &changed, err, sizeof(err)), 0);
	assert_int_equal(changed, 1);
	assert_int_equal(pki_trust_verify(t, radar, "radar", err, sizeof(err)), WN_EREVOKED);
	/* never back to the earlier one */
	assert_int_equal(pki_trust_offer_crl(t, first, &changed, err, sizeof(err)), 0);
	assert_int_equal(changed, 0);
	assert_int_equal(pki_trust_verify(t, radar, "radar", err, sizeof(err)), WN_EREVOKED);
	pki_trust_free(t);
	free(first);
	free(second);
	X509_free(ca);
	X509_free(radar);
	EVP_PKEY_free(ca_key);
	fed_teardown(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_r20_integrity_crl_of_the_same_second_taken),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
