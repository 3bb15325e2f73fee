/*
 * hpke.c — HPKE base mode (RFC 9180) with DHKEM(X25519, HKDF-SHA256),
 * HKDF-SHA256 and AES-128-GCM, on OpenSSL 3.0 primitives. See hpke.h.
 *
 * Every secret that passes through a local buffer (DH output, PRKs, the
 * shared secret, the AEAD key and nonce, ephemeral private keys, labeled
 * inputs that contain any of these) is wiped with OPENSSL_cleanse on every
 * path before returning; OpenSSL objects are freed on every path.
 */
#include "hpke.h"

#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include "wijknet.h"

#define HPKE_HASH_LEN 32         /* Nh for HKDF-SHA256 */
#define HPKE_VERSION_LABEL "HPKE-v1"
#define HPKE_VERSION_LABEL_LEN 7
#define HPKE_MODE_BASE 0x00
#define HPKE_EXPAND_INFO_MAX 256 /* our expand infos are at most ~100 bytes */

/* "KEM" || I2OSP(kem_id, 2) */
static const uint8_t hpke_kem_suite_id[5] = { 'K', 'E', 'M', 0x00, 0x20 };
/* "HPKE" || I2OSP(kem_id, 2) || I2OSP(kdf_id, 2) || I2OSP(aead_id, 2) */
static const uint8_t hpke_suite_id[10] = {
	'H', 'P', 'K', 'E', 0x00, 0x20, 0x00, 0x01, 0x00, 0x01
};

/* Algorithms are fetched once: an OpenSSL 3.0 fetch per call costs more
 * than the HKDF itself. Fetched objects are immutable and thread-safe. */
static pthread_once_t hpke_fetch_once = PTHREAD_ONCE_INIT;
static EVP_KDF *hpke_kdf;
static EVP_CIPHER *hpke_aead;

static void hpke_fetch(void)
{
	hpke_kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	hpke_aead = EVP_CIPHER_fetch(NULL, "AES-128-GCM", NULL);
}

/* One HKDF step (extract-only or expand-only) through EVP_KDF "HKDF". */
static int hpke_hkdf(int mode, const uint8_t *salt, size_t saltlen,
                     const uint8_t *key, size_t keylen,
                     const uint8_t *info, size_t infolen,
                     uint8_t *out, size_t outlen)
{
	static const uint8_t zero_salt[HPKE_HASH_LEN] = { 0 };
	EVP_KDF *kdf = NULL;
	EVP_KDF_CTX *kctx = NULL;
	OSSL_PARAM params[6];
	size_t n = 0;
	int rc = WN_ECRYPTO;

	pthread_once(&hpke_fetch_once, hpke_fetch);
	kdf = hpke_kdf;
	if (kdf == NULL)
		goto out;
	kctx = EVP_KDF_CTX_new(kdf);
	if (kctx == NULL) {
		rc = WN_ENOMEM;
		goto out;
	}
	params[n++] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
	                                               (char *)"SHA256", 0);
	params[n++] = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode);
	params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY,
	                                                (void *)key, keylen);
	if (mode == EVP_KDF_HKDF_MODE_EXTRACT_ONLY) {
		/* RFC 5869: an absent salt is HashLen zero bytes (same HMAC key). */
		if (saltlen == 0) {
			salt = zero_salt;
			saltlen = sizeof(zero_salt);
		}
		params[n++] = OSSL_PARAM_construct_octet_string(
			OSSL_KDF_PARAM_SALT, (void *)salt, saltlen);
	} else if (infolen > 0) {
		params[n++] = OSSL_PARAM_construct_octet_string(
			OSSL_KDF_PARAM_INFO, (void *)info, infolen);
	}
	params[n] = OSSL_PARAM_construct_end();

	if (EVP_KDF_derive(kctx, out, outlen, params) <= 0)
		goto out;
	rc = WN_OK;
out:
	if (rc != WN_OK)
		OPENSSL_cleanse(out, outlen);
	EVP_KDF_CTX_free(kctx);
	return rc;
}

/* LabeledExtract(salt, label, ikm) = Extract(salt, "HPKE-v1"||suite_id||label||ikm). */
static int hpke_labeled_extract(const uint8_t *suite_id, size_t suite_len,
                                const uint8_t *salt, size_t saltlen,
                                const char *label,
                                const uint8_t *ikm, size_t ikmlen,
                                uint8_t prk[HPKE_HASH_LEN])
{
	size_t label_len = strlen(label);
	size_t prefix = HPKE_VERSION_LABEL_LEN + suite_len + label_len;
	size_t total;
	uint8_t *buf = NULL;
	int rc;

	if (ikmlen > SIZE_MAX - prefix)
		return WN_ETOOBIG;
	total = prefix + ikmlen;
	buf = malloc(total);
	if (buf == NULL)
		return WN_ENOMEM;
	memcpy(buf, HPKE_VERSION_LABEL, HPKE_VERSION_LABEL_LEN);
	memcpy(buf + HPKE_VERSION_LABEL_LEN, suite_id, suite_len);
	memcpy(buf + HPKE_VERSION_LABEL_LEN + suite_len, label, label_len);
	if (ikmlen > 0)
		memcpy(buf + prefix, ikm, ikmlen);

	rc = hpke_hkdf(EVP_KDF_HKDF_MODE_EXTRACT_ONLY, salt, saltlen,
	               buf, total, NULL, 0, prk, HPKE_HASH_LEN);

	OPENSSL_cleanse(buf, total); /* may hold the DH output */
	free(buf);
	return rc;
}

/* LabeledExpand(prk, label, info, L) = Expand(prk, I2OSP(L,2)||"HPKE-v1"||suite_id||label||info, L). */
static int hpke_labeled_expand(const uint8_t *suite_id, size_t suite_len,
                               const uint8_t prk[HPKE_HASH_LEN],
                               const char *label,
                               const uint8_t *info, size_t infolen,
                               uint8_t *out, size_t outlen)
{
	uint8_t buf[HPKE_EXPAND_INFO_MAX];
	size_t label_len = strlen(label);
	size_t total;
	size_t off = 0;
	int rc;

	if (outlen == 0 || outlen > 255 * HPKE_HASH_LEN)
		return WN_EINVAL;
	if (suite_len + label_len > sizeof(buf) - 2 - HPKE_VERSION_LABEL_LEN ||
	    infolen > sizeof(buf) - 2 - HPKE_VERSION_LABEL_LEN - suite_len -
	                  label_len)
		return WN_ETOOBIG;
	total = 2 + HPKE_VERSION_LABEL_LEN + suite_len + label_len + infolen;

	buf[off++] = (uint8_t)((outlen >> 8) & 0xff);
	buf[off++] = (uint8_t)(outlen & 0xff);
	memcpy(buf + off, HPKE_VERSION_LABEL, HPKE_VERSION_LABEL_LEN);
	off += HPKE_VERSION_LABEL_LEN;
	memcpy(buf + off, suite_id, suite_len);
	off += suite_len;
	memcpy(buf + off, label, label_len);
	off += label_len;
	if (infolen > 0)
		memcpy(buf + off, info, infolen);

	rc = hpke_hkdf(EVP_KDF_HKDF_MODE_EXPAND_ONLY, NULL, 0,
	               prk, HPKE_HASH_LEN, buf, total, out, outlen);

	OPENSSL_cleanse(buf, sizeof(buf));
	return rc;
}

/* X25519(sk, pk) into dh; refuses an all-zero result (low-order peer key). */
static int hpke_dh(const uint8_t sk[HPKE_KEY_LEN],
                   const uint8_t pk[HPKE_KEY_LEN],
                   uint8_t dh[HPKE_KEY_LEN])
{
	EVP_PKEY *priv = NULL;
	EVP_PKEY *peer = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	size_t dhlen = HPKE_KEY_LEN;
	uint8_t acc = 0;
	size_t i;
	int rc = WN_ECRYPTO;

	priv = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL, sk,
	                                    HPKE_KEY_LEN);
	peer = EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, NULL, pk,
	                                   HPKE_KEY_LEN);
	if (priv == NULL || peer == NULL)
		goto out;
	ctx = EVP_PKEY_CTX_new_from_pkey(NULL, priv, NULL);
	if (ctx == NULL)
		goto out;
	if (EVP_PKEY_derive_init(ctx) <= 0 ||
	    EVP_PKEY_derive_set_peer(ctx, peer) <= 0 ||
	    EVP_PKEY_derive(ctx, dh, &dhlen) <= 0 || dhlen != HPKE_KEY_LEN)
		goto out;
	for (i = 0; i < HPKE_KEY_LEN; i++)
		acc |= dh[i];
	if (acc == 0)
		goto out;
	rc = WN_OK;
out:
	if (rc != WN_OK)
		OPENSSL_cleanse(dh, HPKE_KEY_LEN);
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(peer);
	EVP_PKEY_free(priv); /* OpenSSL wipes the raw private key on free */
	return rc;
}

/* ExtractAndExpand(dh, kem_context) with kem_context = enc || pkR. */
static int hpke_extract_and_expand(const uint8_t dh[HPKE_KEY_LEN],
                                   const uint8_t enc[HPKE_ENC_LEN],
                                   const uint8_t pkR[HPKE_KEY_LEN],
                                   uint8_t shared_secret[HPKE_SECRET_LEN])
{
	uint8_t kem_context[HPKE_ENC_LEN + HPKE_KEY_LEN];
	uint8_t eae_prk[HPKE_HASH_LEN];
	int rc;

	memcpy(kem_context, enc, HPKE_ENC_LEN);
	memcpy(kem_context + HPKE_ENC_LEN, pkR, HPKE_KEY_LEN);

	rc = hpke_labeled_extract(hpke_kem_suite_id, sizeof(hpke_kem_suite_id),
	                          NULL, 0, "eae_prk", dh, HPKE_KEY_LEN,
	                          eae_prk);
	if (rc != WN_OK)
		goto out;
	rc = hpke_labeled_expand(hpke_kem_suite_id, sizeof(hpke_kem_suite_id),
	                         eae_prk, "shared_secret", kem_context,
	                         sizeof(kem_context), shared_secret,
	                         HPKE_SECRET_LEN);
out:
	OPENSSL_cleanse(eae_prk, sizeof(eae_prk));
	OPENSSL_cleanse(kem_context, sizeof(kem_context));
	return rc;
}

/* DHKEM Encap with a given ephemeral key: enc = pk(skE), shared_secret. */
static int hpke_encap(const uint8_t skE[HPKE_KEY_LEN],
                      const uint8_t pkR[HPKE_KEY_LEN],
                      uint8_t enc[HPKE_ENC_LEN],
                      uint8_t shared_secret[HPKE_SECRET_LEN])
{
	uint8_t dh[HPKE_KEY_LEN];
	int rc;

	rc = hpke_public_from_private(skE, enc);
	if (rc != WN_OK)
		goto out;
	rc = hpke_dh(skE, pkR, dh);
	if (rc != WN_OK)
		goto out;
	rc = hpke_extract_and_expand(dh, enc, pkR, shared_secret);
out:
	OPENSSL_cleanse(dh, sizeof(dh));
	return rc;
}

/* DHKEM Decap: shared_secret from enc and skR. */
static int hpke_decap(const uint8_t enc[HPKE_ENC_LEN],
                      const uint8_t skR[HPKE_KEY_LEN],
                      uint8_t shared_secret[HPKE_SECRET_LEN])
{
	uint8_t dh[HPKE_KEY_LEN];
	uint8_t pkR[HPKE_KEY_LEN];
	int rc;

	rc = hpke_dh(skR, enc, dh);
	if (rc != WN_OK)
		goto out;
	rc = hpke_public_from_private(skR, pkR);
	if (rc != WN_OK)
		goto out;
	rc = hpke_extract_and_expand(dh, enc, pkR, shared_secret);
out:
	OPENSSL_cleanse(dh, sizeof(dh));
	OPENSSL_cleanse(pkR, sizeof(pkR));
	return rc;
}

/* KeySchedule(mode_base, shared_secret, info, psk="", psk_id="") -> key, base_nonce. */
static int hpke_key_schedule(const uint8_t shared_secret[HPKE_SECRET_LEN],
                             const uint8_t *info, size_t infolen,
                             uint8_t key[HPKE_AEAD_KEY_LEN],
                             uint8_t base_nonce[HPKE_NONCE_LEN])
{
	uint8_t ks_context[1 + 2 * HPKE_HASH_LEN];
	uint8_t secret[HPKE_HASH_LEN];
	int rc;

	ks_context[0] = HPKE_MODE_BASE;
	rc = hpke_labeled_extract(hpke_suite_id, sizeof(hpke_suite_id), NULL, 0,
	                          "psk_id_hash", NULL, 0, ks_context + 1);
	if (rc != WN_OK)
		goto out;
	rc = hpke_labeled_extract(hpke_suite_id, sizeof(hpke_suite_id), NULL, 0,
	                          "info_hash", info, infolen,
	                          ks_context + 1 + HPKE_HASH_LEN);
	if (rc != WN_OK)
		goto out;
	rc = hpke_labeled_extract(hpke_suite_id, sizeof(hpke_suite_id),
	                          shared_secret, HPKE_SECRET_LEN, "secret",
	                          NULL, 0, secret);
	if (rc != WN_OK)
		goto out;
	rc = hpke_labeled_expand(hpke_suite_id, sizeof(hpke_suite_id), secret,
	                         "key", ks_context, sizeof(ks_context), key,
	                         HPKE_AEAD_KEY_LEN);
	if (rc != WN_OK)
		goto out;
	rc = hpke_labeled_expand(hpke_suite_id, sizeof(hpke_suite_id), secret,
	                         "base_nonce", ks_context, sizeof(ks_context),
	                         base_nonce, HPKE_NONCE_LEN);
out:
	if (rc != WN_OK) {
		OPENSSL_cleanse(key, HPKE_AEAD_KEY_LEN);
		OPENSSL_cleanse(base_nonce, HPKE_NONCE_LEN);
	}
	OPENSSL_cleanse(secret, sizeof(secret));
	OPENSSL_cleanse(ks_context, sizeof(ks_context));
	return rc;
}

/* AES-128-GCM encryption of pt into ct (ptlen bytes) and tag. */
static int hpke_aead_seal(const uint8_t key[HPKE_AEAD_KEY_LEN],
                          const uint8_t nonce[HPKE_NONCE_LEN],
                          const uint8_t *aad, size_t aadlen,
                          const uint8_t *pt, size_t ptlen,
                          uint8_t *ct, uint8_t tag[HPKE_TAG_LEN])
{
	EVP_CIPHER_CTX *ctx = NULL;
	int outl = 0;
	int rc = WN_ECRYPTO;

	if (aadlen > INT_MAX || ptlen > INT_MAX)
		return WN_ETOOBIG;
	ctx = EVP_CIPHER_CTX_new();
	if (ctx == NULL)
		return WN_ENOMEM;
	if ((pthread_once(&hpke_fetch_once, hpke_fetch), hpke_aead == NULL) ||
	    EVP_EncryptInit_ex(ctx, hpke_aead, NULL, NULL, NULL) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, HPKE_NONCE_LEN,
	                        NULL) != 1 ||
	    EVP_EncryptInit_ex(ctx, NULL, NULL, key, nonce) != 1)
		goto out;
	if (aadlen > 0 &&
	    EVP_EncryptUpdate(ctx, NULL, &outl, aad, (int)aadlen) != 1)
		goto out;
	outl = 0;
	if (ptlen > 0 &&
	    (EVP_EncryptUpdate(ctx, ct, &outl, pt, (int)ptlen) != 1 ||
	     (size_t)outl > ptlen))
		goto out;
	{
		int finl = 0;
		if (EVP_EncryptFinal_ex(ctx, ct + outl, &finl) != 1 ||
		    (size_t)outl + (size_t)finl != ptlen)
			goto out;
	}
	if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, HPKE_TAG_LEN,
	                        tag) != 1)
		goto out;
	rc = WN_OK;
out:
	EVP_CIPHER_CTX_free(ctx); /* wipes the expanded key schedule */
	return rc;
}

/* AES-128-GCM decryption of ct (ctlen) with tag into pt; WN_ESEAL if it does not authenticate. */
static int hpke_aead_open(const uint8_t key[HPKE_AEAD_KEY_LEN],
                          const uint8_t nonce[HPKE_NONCE_LEN],
                          const uint8_t *aad, size_t aadlen,
                          const uint8_t *ct, size_t ctlen,
                          const uint8_t tag[HPKE_TAG_LEN], uint8_t *pt)
{
	EVP_CIPHER_CTX *ctx = NULL;
	uint8_t tagbuf[HPKE_TAG_LEN];
	uint8_t fin_dummy[16];
	int outl = 0;
	int finl = 0;
	int rc = WN_ECRYPTO;

	if (aadlen > INT_MAX || ctlen > INT_MAX)
		return WN_ETOOBIG;
	memcpy(tagbuf, tag, HPKE_TAG_LEN);
	ctx = EVP_CIPHER_CTX_new();
	if (ctx == NULL) {
		rc = WN_ENOMEM;
		goto out;
	}
	if ((pthread_once(&hpke_fetch_once, hpke_fetch), hpke_aead == NULL) ||
	    EVP_DecryptInit_ex(ctx, hpke_aead, NULL, NULL, NULL) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, HPKE_NONCE_LEN,
	                        NULL) != 1 ||
	    EVP_DecryptInit_ex(ctx, NULL, NULL, key, nonce) != 1)
		goto out;
	if (aadlen > 0 &&
	    EVP_DecryptUpdate(ctx, NULL, &outl, aad, (int)aadlen) != 1)
		goto out;
	outl = 0;
	if (ctlen > 0 &&
	    (EVP_DecryptUpdate(ctx, pt, &outl, ct, (int)ctlen) != 1 ||
	     (size_t)outl > ctlen))
		goto out;
	if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, HPKE_TAG_LEN,
	                        tagbuf) != 1)
		goto out;
	/* GCM's final writes nothing; avoid forming NULL + 0 when pt is NULL. */
	if (EVP_DecryptFinal_ex(ctx, ctlen > 0 ? pt + outl : fin_dummy,
	                        &finl) != 1) {
		rc = WN_ESEAL;
		goto out;
	}
	if ((size_t)outl + (size_t)finl != ctlen)
		goto out;
	rc = WN_OK;
out:
	if (rc != WN_OK && ctlen > 0)
		OPENSSL_cleanse(pt, ctlen); /* never release unauthenticated plaintext */
	OPENSSL_cleanse(tagbuf, sizeof(tagbuf));
	EVP_CIPHER_CTX_free(ctx);
	return rc;
}

int hpke_keypair_generate(uint8_t sk[HPKE_KEY_LEN], uint8_t pk[HPKE_KEY_LEN])
{
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *key = NULL;
	size_t sklen = HPKE_KEY_LEN;
	size_t pklen = HPKE_KEY_LEN;
	int rc = WN_ECRYPTO;

	if (sk == NULL || pk == NULL)
		return WN_EINVAL;
	ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_X25519, NULL);
	if (ctx == NULL)
		goto out;
	if (EVP_PKEY_keygen_init(ctx) <= 0 || EVP_PKEY_keygen(ctx, &key) <= 0)
		goto out;
	if (EVP_PKEY_get_raw_private_key(key, sk, &sklen) != 1 ||
	    sklen != HPKE_KEY_LEN ||
	    EVP_PKEY_get_raw_public_key(key, pk, &pklen) != 1 ||
	    pklen != HPKE_KEY_LEN)
		goto out;
	rc = WN_OK;
out:
	if (rc != WN_OK) {
		OPENSSL_cleanse(sk, HPKE_KEY_LEN);
		OPENSSL_cleanse(pk, HPKE_KEY_LEN);
	}
	EVP_PKEY_free(key);
	EVP_PKEY_CTX_free(ctx);
	return rc;
}

int hpke_public_from_private(const uint8_t sk[HPKE_KEY_LEN],
                             uint8_t pk[HPKE_KEY_LEN])
{
	EVP_PKEY *key = NULL;
	size_t pklen = HPKE_KEY_LEN;
	int rc = WN_ECRYPTO;

	if (sk == NULL || pk == NULL)
		return WN_EINVAL;
	key = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL, sk,
	                                   HPKE_KEY_LEN);
	if (key == NULL)
		goto out;
	if (EVP_PKEY_get_raw_public_key(key, pk, &pklen) != 1 ||
	    pklen != HPKE_KEY_LEN)
		goto out;
	rc = WN_OK;
out:
	if (rc != WN_OK)
		OPENSSL_cleanse(pk, HPKE_KEY_LEN);
	EVP_PKEY_free(key);
	return rc;
}

int hpke_setup_base_s_with_ephemeral(const uint8_t skE[HPKE_KEY_LEN],
                                     const uint8_t pkR[HPKE_KEY_LEN],
                                     const uint8_t *info, size_t infolen,
                                     uint8_t enc[HPKE_ENC_LEN],
                                     uint8_t shared_secret[HPKE_SECRET_LEN],
                                     uint8_t key[HPKE_AEAD_KEY_LEN],
                                     uint8_t base_nonce[HPKE_NONCE_LEN])
{
	int rc;

	if (skE == NULL || pkR == NULL || (info == NULL && infolen > 0) ||
	    enc == NULL || shared_secret == NULL || key == NULL ||
	    base_nonce == NULL)
		return WN_EINVAL;

	rc = hpke_encap(skE, pkR, enc, shared_secret);
	if (rc != WN_OK)
		goto out;
	rc = hpke_key_schedule(shared_secret, info, infolen, key, base_nonce);
out:
	if (rc != WN_OK) {
		OPENSSL_cleanse(enc, HPKE_ENC_LEN);
		OPENSSL_cleanse(shared_secret, HPKE_SECRET_LEN);
		OPENSSL_cleanse(key, HPKE_AEAD_KEY_LEN);
		OPENSSL_cleanse(base_nonce, HPKE_NONCE_LEN);
	}
	return rc;
}

int hpke_seal_with_ephemeral(const uint8_t skE[HPKE_KEY_LEN],
                             const uint8_t pkR[HPKE_KEY_LEN],
                             const uint8_t *info, size_t infolen,
                             const uint8_t *aad, size_t aadlen,
                             const uint8_t *pt, size_t ptlen,
                             uint8_t *out, size_t outcap, size_t *outlen)
{
	uint8_t shared_secret[HPKE_SECRET_LEN];
	uint8_t key[HPKE_AEAD_KEY_LEN];
	uint8_t base_nonce[HPKE_NONCE_LEN];
	size_t need = 0;
	int rc;

	if (outlen != NULL)
		*outlen = 0;
	if (skE == NULL || pkR == NULL || (info == NULL && infolen > 0) ||
	    (aad == NULL && aadlen > 0) || (pt == NULL && ptlen > 0) ||
	    out == NULL || outlen == NULL)
		return WN_EINVAL;
	if (ptlen > SIZE_MAX - HPKE_OVERHEAD || ptlen > INT_MAX ||
	    aadlen > INT_MAX)
		return WN_ETOOBIG;
	need = ptlen + HPKE_OVERHEAD;
	if (outcap < need)
		return WN_ETOOBIG;

	/* Single-shot: sequence number 0, so the nonce is base_nonce. */
	rc = hpke_setup_base_s_with_ephemeral(skE, pkR, info, infolen, out,
	                                      shared_secret, key, base_nonce);
	if (rc != WN_OK)
		goto out;
	rc = hpke_aead_seal(key, base_nonce, aad, aadlen, pt, ptlen,
	                    out + HPKE_ENC_LEN, out + HPKE_ENC_LEN + ptlen);
	if (rc != WN_OK)
		goto out;
	*outlen = need;
out:
	if (rc != WN_OK)
		OPENSSL_cleanse(out, need);
	OPENSSL_cleanse(shared_secret, sizeof(shared_secret));
	OPENSSL_cleanse(key, sizeof(key));
	OPENSSL_cleanse(base_nonce, sizeof(base_nonce));
	return rc;
}

int hpke_seal(const uint8_t pkR[HPKE_KEY_LEN],
              const uint8_t *info, size_t infolen,
              const uint8_t *aad, size_t aadlen,
              const uint8_t *pt, size_t ptlen,
              uint8_t *out, size_t outcap, size_t *outlen)
{
	uint8_t skE[HPKE_KEY_LEN];
	uint8_t pkE[HPKE_KEY_LEN];
	int rc;

	if (outlen != NULL)
		*outlen = 0;
	if (pkR == NULL || (info == NULL && infolen > 0) ||
	    (aad == NULL && aadlen > 0) || (pt == NULL && ptlen > 0) ||
	    out == NULL || outlen == NULL)
		return WN_EINVAL;
	if (ptlen > SIZE_MAX - HPKE_OVERHEAD || ptlen > INT_MAX ||
	    aadlen > INT_MAX || outcap < ptlen + HPKE_OVERHEAD)
		return WN_ETOOBIG;

	rc = hpke_keypair_generate(skE, pkE);
	if (rc != WN_OK)
		goto out;
	rc = hpke_seal_with_ephemeral(skE, pkR, info, infolen, aad, aadlen,
	                              pt, ptlen, out, outcap, outlen);
out:
	OPENSSL_cleanse(skE, sizeof(skE));
	OPENSSL_cleanse(pkE, sizeof(pkE));
	return rc;
}

int hpke_open(const uint8_t skR[HPKE_KEY_LEN],
              const uint8_t *info, size_t infolen,
              const uint8_t *aad, size_t aadlen,
              const uint8_t *in, size_t inlen,
              uint8_t *pt, size_t ptcap, size_t *ptlen)
{
	uint8_t shared_secret[HPKE_SECRET_LEN];
	uint8_t key[HPKE_AEAD_KEY_LEN];
	uint8_t base_nonce[HPKE_NONCE_LEN];
	size_t ctlen = 0;
	int rc;

	if (ptlen != NULL)
		*ptlen = 0;
	if (skR == NULL || (info == NULL && infolen > 0) ||
	    (aad == NULL && aadlen > 0) || in == NULL || ptlen == NULL)
		return WN_EINVAL;
	if (inlen < HPKE_OVERHEAD)
		return WN_ESEAL;
	ctlen = inlen - HPKE_OVERHEAD;
	if (ctlen > INT_MAX || aadlen > INT_MAX || ptcap < ctlen)
		return WN_ETOOBIG;
	if (pt == NULL && ctlen > 0)
		return WN_EINVAL;

	rc = hpke_decap(in, skR, shared_secret);
	if (rc == WN_ECRYPTO)
		rc = WN_ESEAL; /* enc is a low-order or otherwise unusable point */
	if (rc != WN_OK)
		goto out;
	rc = hpke_key_schedule(shared_secret, info, infolen, key, base_nonce);
	if (rc != WN_OK)
		goto out;
	rc = hpke_aead_open(key, base_nonce, aad, aadlen, in + HPKE_ENC_LEN,
	                    ctlen, in + HPKE_ENC_LEN + ctlen, pt);
	if (rc != WN_OK)
		goto out;
	*ptlen = ctlen;
out:
	OPENSSL_cleanse(shared_secret, sizeof(shared_secret));
	OPENSSL_cleanse(key, sizeof(key));
	OPENSSL_cleanse(base_nonce, sizeof(base_nonce));
	return rc;
}
