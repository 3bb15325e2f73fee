/*
 * test_keys.c — the node's keys and the secrets derived from them (r20):
 * a key file is made only for an empty database, a failed creation leaves
 * no key in memory, wiping the keys frees every thread's cached HPKE
 * context, and a certificate without a CN yields an empty name, never
 * stale bytes.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "wijknet.h"
#include "hpke.h"
#include "keys.h"
#include "pki.h"

static int all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++)
		if (b[i] != 0)
			return 0;
	return 1;
}

static void test_r20_integrity_key_file_made_only_for_empty_db(void **state)
{
	(void)state;
	char dir[] = "/tmp/wn-keys-XXXXXX", path[128], err[512];
	struct node_keys k, again;
	struct stat st;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/node.db.keys", dir);
	/* a database in use and no key file: refused, nothing made */
	assert_int_not_equal(keys_load_or_create(path, 5, &k, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "restore the key file"));
	assert_int_not_equal(stat(path, &st), 0);
	/* an empty database: made, private, and read back the same */
	assert_int_equal(keys_load_or_create(path, 0, &k, err, sizeof(err)), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(keys_load_or_create(path, 5, &again, err, sizeof(err)), 0);
	assert_memory_equal(&k, &again, sizeof(k));
	keys_wipe(&k);
	keys_wipe(&again);
	assert_true(all_zero(&k, sizeof(k)));
	unlink(path);
	rmdir(dir);
}

static void test_r20_integrity_failed_key_creation_keeps_nothing(void **state)
{
	(void)state;
	char err[512];
	struct node_keys k;
	memset(&k, 0xa5, sizeof(k));
	/* a directory that does not exist: the file cannot be written */
	assert_int_not_equal(keys_load_or_create("/nonexistent-wijknet-dir/x.keys", 0, &k, err,
						 sizeof(err)),
			     0);
	assert_true(all_zero(&k, sizeof(k)));
}

struct opener {
	const uint8_t *sk, *pk;
	int rc;
};

/* Seals to pk and opens with sk in a thread of its own. */
static void *open_in_thread(void *arg)
{
	struct opener *o = arg;
	uint8_t ct[64 + HPKE_OVERHEAD], pt[64];
	size_t ctlen = 0, ptlen = 0;
	const uint8_t msg[] = "a person's data";
	o->rc = hpke_seal(o->pk, NULL, 0, NULL, 0, msg, sizeof(msg), ct, sizeof(ct), &ctlen);
	if (o->rc == 0)
		o->rc = hpke_open(o->sk, NULL, 0, NULL, 0, ct, ctlen, pt, sizeof(pt), &ptlen);
	return NULL;
}

static void test_r20_integrity_wiped_keys_free_thread_contexts(void **state)
{
	(void)state;
	uint8_t sk[32], pk[32];
	pthread_t t[3];
	struct opener o[3];
	assert_int_equal(hpke_keypair_generate(sk, pk), 0);
	hpke_forget_keys();
	assert_int_equal(hpke_cached_keys(), 0);
	for (int i = 0; i < 3; i++) {
		o[i] = (struct opener){ sk, pk, -1 };
		assert_int_equal(pthread_create(&t[i], NULL, open_in_thread, &o[i]), 0);
	}
	for (int i = 0; i < 3; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(o[i].rc, 0);
	}
	assert_int_equal(hpke_cached_keys(), 3); /* one per thread that opened */
	struct node_keys k;
	memset(&k, 1, sizeof(k));
	keys_wipe(&k); /* the node's wipe forgets them all */
	assert_int_equal(hpke_cached_keys(), 0);
	/* and opening still works afterwards, with a fresh context */
	struct opener again = { sk, pk, -1 };
	open_in_thread(&again);
	assert_int_equal(again.rc, 0);
	hpke_forget_keys();
}

static void test_r20_integrity_certificate_without_cn(void **state)
{
	(void)state;
	EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	X509 *x = X509_new();
	char cn[64];
	assert_non_null(key);
	X509_set_pubkey(x, key);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "O", MBSTRING_ASC,
				   (const unsigned char *)"Geen naam", -1, -1, 0);
	memset(cn, 'Z', sizeof(cn));
	assert_int_equal(pki_cert_cn(x, cn, sizeof(cn)), WN_ECERT);
	assert_string_equal(cn, "");
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
				   (const unsigned char *)"radar", -1, -1, 0);
	assert_int_equal(pki_cert_cn(x, cn, sizeof(cn)), 0);
	assert_string_equal(cn, "radar");
	X509_free(x);
	EVP_PKEY_free(key);
}

/* A certificate for key, running days from now, signed by itself. */
static X509 *cert_for(EVP_PKEY *key, long days, long serial)
{
	X509 *x = X509_new();
	assert_non_null(x);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), days * 86400L);
	X509_set_pubkey(x, key);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
				   (const unsigned char *)"radar", -1, -1, 0);
	X509_set_issuer_name(x, X509_get_subject_name(x));
	assert_true(X509_sign(x, key, EVP_sha256()) > 0);
	return x;
}

/* A renewal keeps the key and runs later; anything else is told apart. */
static void test_r20_integrity_renewal_same_key_later(void **state)
{
	(void)state;
	char err[256];
	EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	EVP_PKEY *other = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	assert_non_null(key);
	assert_non_null(other);
	X509 *held = cert_for(key, 30, 1), *later = cert_for(key, 825, 2);
	X509 *sooner = cert_for(key, 10, 3), *foreign = cert_for(other, 825, 4);
	assert_int_equal(pki_cert_renews(held, later, err, sizeof(err)), 0);
	assert_int_equal(pki_cert_renews(held, held, err, sizeof(err)), WN_EEXISTS);
	assert_int_equal(pki_cert_renews(held, sooner, err, sizeof(err)), WN_ESTATE);
	assert_non_null(strstr(err, "no later"));
	assert_int_equal(pki_cert_renews(held, foreign, err, sizeof(err)), WN_ECERT);
	assert_non_null(strstr(err, "another key"));
	X509 *all[] = { held, later, sooner, foreign };
	for (size_t i = 0; i < 4; i++)
		X509_free(all[i]);
	EVP_PKEY_free(key);
	EVP_PKEY_free(other);
}

/* A new key under the same id: another key, running later; the same key is
 * a renewal and an earlier certificate is not taken back. */
static void test_r20_integrity_rekey_other_key_later(void **state)
{
	(void)state;
	char err[256];
	EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	EVP_PKEY *other = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	assert_non_null(key);
	assert_non_null(other);
	X509 *held = cert_for(key, 30, 1), *renewal = cert_for(key, 825, 2);
	X509 *fresh = cert_for(other, 825, 3), *older = cert_for(other, 10, 4);
	assert_int_equal(pki_cert_rekeys(held, fresh, err, sizeof(err)), 0);
	assert_int_equal(pki_cert_rekeys(held, held, err, sizeof(err)), WN_EEXISTS);
	assert_int_equal(pki_cert_rekeys(held, renewal, err, sizeof(err)), WN_EEXISTS);
	assert_non_null(strstr(err, "renewal"));
	assert_int_equal(pki_cert_rekeys(held, older, err, sizeof(err)), WN_ESTATE);
	assert_non_null(strstr(err, "no later"));
	X509 *all[] = { held, renewal, fresh, older };
	for (size_t i = 0; i < 4; i++)
		X509_free(all[i]);
	EVP_PKEY_free(key);
	EVP_PKEY_free(other);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_r20_integrity_key_file_made_only_for_empty_db),
		cmocka_unit_test(test_r20_integrity_failed_key_creation_keeps_nothing),
		cmocka_unit_test(test_r20_integrity_wiped_keys_free_thread_contexts),
		cmocka_unit_test(test_r20_integrity_certificate_without_cn),
		cmocka_unit_test(test_r20_integrity_renewal_same_key_later),
		cmocka_unit_test(test_r20_integrity_rekey_other_key_later),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
