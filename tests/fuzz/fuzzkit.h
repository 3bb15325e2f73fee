/*
 * fuzzkit.h — what the fuzz harnesses share: a P-256 key with a
 * self-signed certificate for "broker", and a sealing key pair, made once
 * per process.
 */
#ifndef WN_FUZZKIT_H
#define WN_FUZZKIT_H

#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

struct fuzzkit {
	EVP_PKEY *key;
	X509 *cert;
	uint8_t seal_sk[32], seal_pk[32];
};

struct fuzzkit *fuzzkit_get(void);

#endif
