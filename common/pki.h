/*
 * pki.h — the federation's certificates: a partner's own identity (cert +
 * P-256 key from one PEM), the trust store (federation CA + CRL) every
 * signature check consults, and ECDSA P-256 signatures over byte strings.
 */
#ifndef WN_PKI_H
#define WN_PKI_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#define PKI_ID_MAX 64

typedef struct pki_identity {
	X509 *cert;
	EVP_PKEY *key;
	char id[PKI_ID_MAX];   /* the certificate's CN = partner id */
	char *cert_pem;        /* certificate only, for publishing */
} pki_identity;

typedef struct pki_trust pki_trust;

/* Loads certificate and private key from one PEM file; checks that the key
 * matches and the CN is a partner id. *out: pki_identity_free(). */
int pki_identity_load(const char *pem_path, pki_identity **out, char *err, size_t errcap);
void pki_identity_free(pki_identity *id);

/* Builds a trust store from the CA file and (optional) CRL file, checking
 * the CRL's signature and freshness. *out: pki_trust_free(). */
int pki_trust_load(const char *ca_path, const char *crl_path, pki_trust **out, char *err,
		   size_t errcap);
void pki_trust_free(pki_trust *t);

/* Reads the CA and CRL files again; *changed is 1 when either differs (then
 * every later check uses them). On error the trust is left as it was. */
int pki_trust_reload(pki_trust *t, const char *ca_path, const char *crl_path, int *changed,
		     char *err, size_t errcap);

/* Takes a CRL distributed by the broker when the federation CA signed it, it
 * is in force and newer than the one in use (never an older one). */
int pki_trust_offer_crl(pki_trust *t, const char *crl_pem, int *changed, char *err,
			size_t errcap);

/* Copies of the CA and CRL (NULL without one) in PEM; caller frees. */
int pki_trust_pem(pki_trust *t, char **ca_pem, char **crl_pem);

/* Seconds until the CRL's nextUpdate; WN_ENOTFOUND without a CRL. */
int pki_trust_crl_seconds_left(pki_trust *t, long *out);

/* Verifies cert against the CA and CRL and that its CN is expect_id (if not
 * NULL). WN_ECERT (untrusted or wrong name), WN_EREVOKED, WN_EEXPIRED. */
int pki_trust_verify(pki_trust *t, X509 *cert, const char *expect_id, char *err,
		     size_t errcap);

/* Parses one PEM certificate. *out: X509_free(). */
int pki_cert_from_pem(const char *pem, X509 **out);

/* PEM text of cert; *out malloc'd (caller frees). */
int pki_cert_to_pem(X509 *cert, char **out);

/* Copies the certificate's CN into out. */
int pki_cert_cn(X509 *cert, char *out, size_t cap);

/* Seconds until notAfter (negative when expired). */
int pki_cert_seconds_left(X509 *cert, long *out);

/* Whether next renews held: the same key, running later. 0 when it does;
 * WN_EEXISTS when it is held itself; WN_ECERT for another key (a new key
 * is a new membership); WN_ESTATE when it lapses no later. err says which. */
int pki_cert_renews(X509 *held, X509 *next, char *err, size_t errcap);

/* Whether next replaces held with a new key (the one held leaked): another
 * key, running later. 0 when it does; WN_EEXISTS when it is held itself or
 * for the same key (a renewal); WN_ESTATE when it lapses no later. */
int pki_cert_rekeys(X509 *held, X509 *next, char *err, size_t errcap);

#define PKI_SIG_LEN 64 /* r || s, 32 bytes each (as JWS ES256) */

/* ECDSA P-256 / SHA-256 signature over msg: r || s with s at most n/2 (low-S),
 * so every signature has one encoding and one length. *sig malloc'd
 * (PKI_SIG_LEN bytes, caller frees). */
int pki_sign(EVP_PKEY *key, const void *msg, size_t len, uint8_t **sig, size_t *siglen);

/* Verifies an r || s signature with the certificate's public key; a high-S
 * or malformed signature is refused: 0 or WN_ESIG. */
int pki_verify(X509 *cert, const void *msg, size_t len, const uint8_t *sig, size_t siglen);

/* SHA-256 of data into out[32]. */
int pki_sha256(const void *data, size_t len, uint8_t out[32]);

#endif
