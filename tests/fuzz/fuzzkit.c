/*
 * fuzzkit.c — the harnesses' fixed keys.
 */
#include <stdlib.h>

#include "wijknet.h"
#include "fuzzkit.h"
#include "hpke.h"

static X509 *fuzzkit_cert(EVP_PKEY *key)
{
	X509 *x = X509_new();
	if (x == NULL)
		abort();
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_set_pubkey(x, key);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
				   (const unsigned char *)"broker", -1, -1, 0);
	X509_set_issuer_name(x, X509_get_subject_name(x));
	if (X509_sign(x, key, EVP_sha256()) <= 0)
		abort();
	return x;
}

struct fuzzkit *fuzzkit_get(void)
{
	static struct fuzzkit k;
	if (k.key != NULL)
		return &k;
	k.key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	if (k.key == NULL || hpke_keypair_generate(k.seal_sk, k.seal_pk) != 0)
		abort();
	k.cert = fuzzkit_cert(k.key);
	return &k;
}
