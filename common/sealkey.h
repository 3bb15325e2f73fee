/*
 * sealkey.h — binding of a node's X25519 sealing key to its partner id: the
 * node signs the key with its certificate key, so every other node can check
 * the directory's keys itself instead of trusting the broker.
 */
#ifndef WN_SEALKEY_H
#define WN_SEALKEY_H

#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

/* Signs (partner id, key); *sig_b64 malloc'd (caller frees). */
int sealkey_sign(EVP_PKEY *key, const char *partner_id, const uint8_t pk[32], char **sig_b64);

/* Verifies the binding with the partner's certificate; decodes key_b64 into
 * pk. WN_ESIG when it does not verify, WN_ESCHEMA when malformed. */
int sealkey_verify(X509 *cert, const char *partner_id, const char *key_b64, const char *sig_b64,
		   uint8_t pk[32]);

#endif
