/*
 * sealkey.c — signatures over published sealing keys.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wijknet.h"
#include "encoding.h"
#include "pki.h"
#include "sealkey.h"

static int sealkey_message(const char *partner_id, const char *key_b64, char *out, size_t cap)
{
	int n = snprintf(out, cap, "wijknet-seal-key-v1\n%s\n%s", partner_id, key_b64);
	return (n < 0 || (size_t)n >= cap) ? WN_ETOOBIG : n;
}

int sealkey_sign(EVP_PKEY *key, const char *partner_id, const uint8_t pk[32], char **sig_b64)
{
	char *kb64 = NULL, msg[256];
	uint8_t *sig = NULL;
	size_t siglen = 0;
	int rc = b64_encode(pk, 32, &kb64);
	if (rc != 0)
		return rc;
	int n = sealkey_message(partner_id, kb64, msg, sizeof(msg));
	if (n < 0) {
		rc = n;
		goto out;
	}
	rc = pki_sign(key, msg, (size_t)n, &sig, &siglen);
	if (rc == 0)
		rc = b64_encode(sig, siglen, sig_b64);
out:
	free(kb64);
	free(sig);
	return rc;
}

int sealkey_verify(X509 *cert, const char *partner_id, const char *key_b64, const char *sig_b64,
		   uint8_t pk[32])
{
	uint8_t *key = NULL, *sig = NULL;
	size_t keylen = 0, siglen = 0;
	char msg[256];
	int rc = WN_ESCHEMA;
	if (key_b64 == NULL || sig_b64 == NULL)
		return WN_ESCHEMA;
	if (b64_decode(key_b64, 32, &key, &keylen) != 0 || keylen != 32)
		goto out;
	if (b64_decode(sig_b64, 160, &sig, &siglen) != 0)
		goto out;
	int n = sealkey_message(partner_id, key_b64, msg, sizeof(msg));
	if (n < 0)
		goto out;
	rc = pki_verify(cert, msg, (size_t)n, sig, siglen);
	if (rc == 0)
		memcpy(pk, key, 32);
out:
	free(key);
	free(sig);
	return rc;
}
