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
#include <stdatomic.h>
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
 * than the HKDF itself. Fetched objects are immutable and thread-safe; the
 * HMAC template (SHA-256 set) is only ever duplicated, never used itself. */
static pthread_once_t hpke_fetch_once = PTHREAD_ONCE_INIT;
static EVP_CIPHER *hpke_aead;
static EVP_MD *hpke_sha256;
static EVP_MAC *hpke_hmac;
static EVP_MAC_CTX *hpke_hmac_template;

static void hpke_fetch(void)
{
	static const uint8_t zero[HPKE_HASH_LEN] = { 0 };
	OSSL_PARAM params[2];
	hpke_aead = EVP_CIPHER_fetch(NULL, "AES-128-GCM", NULL);
	hpke_sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
	hpke_hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	if (hpke_hmac == NULL || (hpke_hmac_template = EVP_MAC_CTX_new(hpke_hmac)) == NULL)
		return;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0);
	params[1] = OSSL_PARAM_construct_end();
	if (EVP_MAC_init(hpke_hmac_template, zero, sizeof(zero), params) != 1) {
		EVP_MAC_CTX_free(hpke_hmac_template);
		hpke_hmac_template = NULL;
	}
}

/* HMAC-SHA256(key, a || b) into out[32]. */
static int hpke_hmac_sha256(const uint8_t *key, size_t keylen, const uint8_t *a, size_t alen,
			    const uint8_t *b, size_t blen, uint8_t out[HPKE_HASH_LEN])
{
	size_t n = 0;
	int rc = WN_ECRYPTO;
	pthread_once(&hpke_fetch_once, hpke_fetch);
	EVP_MAC_CTX *ctx = hpke_hmac_template ? EVP_MAC_CTX_dup(hpke_hmac_template) : NULL;
	if (ctx == NULL)
		return WN_ECRYPTO;
	if (EVP_MAC_init(ctx, key, keylen, NULL) == 1 &&
	    (alen == 0 || EVP_MAC_update(ctx, a, alen) == 1) &&
	    (blen == 0 || EVP_MAC_update(ctx, b, blen) == 1) &&
	    EVP_MAC_final(ctx, out, &n, HPKE_HASH_LEN) == 1 && n == HPKE_HASH_LEN)
		rc = WN_OK;
	EVP_MAC_CTX_free(ctx); /* wipes the keyed state */
	return rc;
}

/* HKDF (RFC 5869) with SHA-256: extract-only, or expand-only for at most
 * one hash length (every HPKE output here is 32 bytes or shorter). */
static int hpke_hkdf(int mode, const uint8_t *salt, size_t saltlen,
                     const uint8_t *key, size_t keylen,
                     const uint8_t *info, size_t infolen,
                     uint8_t *out, size_t outlen)
{
	static const uint8_t zero_salt[HPKE_HASH_LEN] = { 0 };
	static const uint8_t one = 0x01;
	uint8_t t[HPKE_HASH_LEN];
	int rc;
	if (mode == EVP_KDF_HKDF_MODE_EXTRACT_ONLY) {
		/* RFC 5869: an absent salt is HashLen zero bytes. */
		if (saltlen == 0) {
			salt = zero_salt;
			saltlen = sizeof(zero_salt);
		}
		if (outlen != HPKE_HASH_LEN)
			return WN_EINVAL;
		return hpke_hmac_sha256(salt, saltlen, key, keylen, NULL, 0, out);
	}
	/* T(1) = HMAC(PRK, info || 0x01) */
	if (outlen == 0 || outlen > HPKE_HASH_LEN)
		return WN_EINVAL;
	rc = hpke_hmac_sha256(key, keylen, info, infolen, &one, 1, t);
	if (rc == WN_OK)
		memcpy(out, t, outlen);
	else
		OPENSSL_cleanse(out, outlen);
	OPENSSL_cleanse(t, sizeof(t));
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

/* X25519 through a derive context set up for the private key: imports the
 * peer's key without OpenSSL's check (RFC 9180 needs only the all-zero test
 * below, and the check costs as much as the multiplication). */
static int hpke_dh_ctx(EVP_PKEY_CTX *ctx, const uint8_t pk[HPKE_KEY_LEN],
		       uint8_t dh[HPKE_KEY_LEN])
{
	size_t dhlen = HPKE_KEY_LEN;
	uint8_t acc = 0;
	int rc = WN_ECRYPTO;
	EVP_PKEY *peer = EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, NULL, pk, HPKE_KEY_LEN);
	if (peer == NULL)
		goto out;
	if (EVP_PKEY_derive_set_peer_ex(ctx, peer, 0) <= 0 ||
	    EVP_PKEY_derive(ctx, dh, &dhlen) <= 0 || dhlen != HPKE_KEY_LEN)
		goto out;
	for (size_t i = 0; i < HPKE_KEY_LEN; i++)
		acc |= dh[i];
	if (acc == 0) /* low-order peer key */
		goto out;
	rc = WN_OK;
out:
	if (rc != WN_OK)
		OPENSSL_cleanse(dh, HPKE_KEY_LEN);
	EVP_PKEY_free(peer);
	return rc;
}

/* A derive context for a private key (and its public key into pk, may be
 * NULL). Importing a raw X25519 private key computes its public key too. */
static EVP_PKEY_CTX *hpke_derive_ctx(EVP_PKEY *key, uint8_t *pk)
{
	size_t pklen = HPKE_KEY_LEN;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
	if (ctx == NULL || EVP_PKEY_derive_init(ctx) <= 0 ||
	    (pk != NULL && (EVP_PKEY_get_raw_public_key(key, pk, &pklen) != 1 ||
			    pklen != HPKE_KEY_LEN))) {
		EVP_PKEY_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

static EVP_PKEY_CTX *hpke_derive_ctx_raw(const uint8_t sk[HPKE_KEY_LEN], uint8_t *pk)
{
	EVP_PKEY *key = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL, sk, HPKE_KEY_LEN);
	EVP_PKEY_CTX *ctx = key ? hpke_derive_ctx(key, pk) : NULL;
	EVP_PKEY_free(key); /* the context holds its own reference */
	return ctx;
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

/* DHKEM Encap with the ephemeral key's derive context and public key. */
static int hpke_encap(EVP_PKEY_CTX *ectx, const uint8_t pkE[HPKE_KEY_LEN],
                      const uint8_t pkR[HPKE_KEY_LEN],
                      uint8_t enc[HPKE_ENC_LEN],
                      uint8_t shared_secret[HPKE_SECRET_LEN])
{
	uint8_t dh[HPKE_KEY_LEN];
	memcpy(enc, pkE, HPKE_ENC_LEN);
	int rc = hpke_dh_ctx(ectx, pkR, dh);
	if (rc == WN_OK)
		rc = hpke_extract_and_expand(dh, enc, pkR, shared_secret);
	OPENSSL_cleanse(dh, sizeof(dh));
	return rc;
}

/* The derive context and public key of the last private key this thread
 * opened with: a node opens with one key, and importing it costs a scalar
 * multiplication. Keyed by a hash of the key, so nothing secret is kept
 * beside the context. Every thread's context is on one list, so that
 * hpke_forget_keys() frees them all when the node wipes its keys: no imported
 * private key outlives keys_wipe. */
struct hpke_recipient {
	uint8_t skhash[HPKE_HASH_LEN];
	uint8_t pk[HPKE_KEY_LEN];
	EVP_PKEY_CTX *ctx;
	struct hpke_recipient *next;
};

static pthread_mutex_t hpke_cache_lock = PTHREAD_MUTEX_INITIALIZER;
static struct hpke_recipient *hpke_cache_all;
static atomic_uint hpke_cache_epoch;
static _Thread_local struct hpke_recipient *hpke_tls_recipient;
static _Thread_local unsigned hpke_tls_epoch;

static void hpke_recipient_free(struct hpke_recipient *r)
{
	EVP_PKEY_CTX_free(r->ctx);
	OPENSSL_cleanse(r, sizeof(*r));
	free(r);
}

void hpke_forget_keys(void)
{
	pthread_mutex_lock(&hpke_cache_lock);
	while (hpke_cache_all != NULL) {
		struct hpke_recipient *r = hpke_cache_all;
		hpke_cache_all = r->next;
		hpke_recipient_free(r);
	}
	/* every thread's pointer is stale from now on */
	atomic_fetch_add(&hpke_cache_epoch, 1);
	pthread_mutex_unlock(&hpke_cache_lock);
}

size_t hpke_cached_keys(void)
{
	size_t n = 0;
	pthread_mutex_lock(&hpke_cache_lock);
	for (struct hpke_recipient *r = hpke_cache_all; r != NULL; r = r->next)
		n++;
	pthread_mutex_unlock(&hpke_cache_lock);
	return n;
}

static struct hpke_recipient *hpke_recipient(const uint8_t skR[HPKE_KEY_LEN])
{
	uint8_t h[HPKE_HASH_LEN];
	unsigned int hlen = 0;
	pthread_once(&hpke_fetch_once, hpke_fetch);
	if (hpke_sha256 == NULL || EVP_Digest(skR, HPKE_KEY_LEN, h, &hlen, hpke_sha256, NULL) != 1)
		return NULL;
	unsigned epoch = atomic_load(&hpke_cache_epoch);
	struct hpke_recipient *r = hpke_tls_epoch == epoch ? hpke_tls_recipient : NULL;
	if (r != NULL && memcmp(r->skhash, h, sizeof(h)) == 0)
		return r;
	EVP_PKEY_CTX *ctx = hpke_derive_ctx_raw(skR, NULL);
	if (ctx == NULL)
		return NULL;
	if (r != NULL) { /* this thread's, for another key: reused in place */
		EVP_PKEY_CTX_free(r->ctx);
		r->ctx = ctx;
	} else {
		if ((r = calloc(1, sizeof(*r))) == NULL) {
			EVP_PKEY_CTX_free(ctx);
			return NULL;
		}
		r->ctx = ctx;
		pthread_mutex_lock(&hpke_cache_lock);
		r->next = hpke_cache_all;
		hpke_cache_all = r;
		pthread_mutex_unlock(&hpke_cache_lock);
		hpke_tls_recipient = r;
		hpke_tls_epoch = epoch;
	}
	memcpy(r->skhash, h, sizeof(h));
	if (hpke_public_from_private(skR, r->pk) != WN_OK) {
		memset(r->skhash, 0, sizeof(r->skhash)); /* matches no key */
		return NULL;
	}
	return r;
}

/* DHKEM Decap: shared_secret from enc and skR. */
static int hpke_decap(const uint8_t enc[HPKE_ENC_LEN],
                      const uint8_t skR[HPKE_KEY_LEN],
                      uint8_t shared_secret[HPKE_SECRET_LEN])
{
	uint8_t dh[HPKE_KEY_LEN];
	struct hpke_recipient *r = hpke_recipient(skR);
	if (r == NULL)
		return WN_ECRYPTO;
	int rc = hpke_dh_ctx(r->ctx, enc, dh);
	if (rc == WN_OK)
		rc = hpke_extract_and_expand(dh, enc, r->pk, shared_secret);
	OPENSSL_cleanse(dh, sizeof(dh));
	return rc;
}

static _Thread_local struct {
	int valid;
	size_t infolen;
	uint8_t info[64];
	uint8_t hashes[2 * HPKE_HASH_LEN]; /* psk_id_hash || info_hash */
} hpke_ks_cache;

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
	/* psk_id_hash and info_hash depend on public constants only: this
	 * thread keeps the last ones (every seal here uses one info) */
	if (!hpke_ks_cache.valid || hpke_ks_cache.infolen != infolen ||
	    (infolen > 0 && memcmp(hpke_ks_cache.info, info, infolen) != 0)) {
		hpke_ks_cache.valid = 0;
		rc = hpke_labeled_extract(hpke_suite_id, sizeof(hpke_suite_id), NULL, 0,
		                          "psk_id_hash", NULL, 0, hpke_ks_cache.hashes);
		if (rc != WN_OK)
			goto out;
		rc = hpke_labeled_extract(hpke_suite_id, sizeof(hpke_suite_id), NULL, 0,
		                          "info_hash", info, infolen,
		                          hpke_ks_cache.hashes + HPKE_HASH_LEN);
		if (rc != WN_OK)
			goto out;
		if (infolen <= sizeof(hpke_ks_cache.info)) {
			if (infolen > 0)
				memcpy(hpke_ks_cache.info, info, infolen);
			hpke_ks_cache.infolen = infolen;
			hpke_ks_cache.valid = 1;
		}
	}
	memcpy(ks_context + 1, hpke_ks_cache.hashes, 2 * HPKE_HASH_LEN);
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

static int hpke_setup_s(EVP_PKEY_CTX *ectx, const uint8_t pkE[HPKE_KEY_LEN],
			const uint8_t pkR[HPKE_KEY_LEN], const uint8_t *info, size_t infolen,
			uint8_t enc[HPKE_ENC_LEN], uint8_t shared_secret[HPKE_SECRET_LEN],
			uint8_t key[HPKE_AEAD_KEY_LEN], uint8_t base_nonce[HPKE_NONCE_LEN])
{
	int rc = hpke_encap(ectx, pkE, pkR, enc, shared_secret);
	if (rc == WN_OK)
		rc = hpke_key_schedule(shared_secret, info, infolen, key, base_nonce);
	if (rc != WN_OK) {
		OPENSSL_cleanse(enc, HPKE_ENC_LEN);
		OPENSSL_cleanse(shared_secret, HPKE_SECRET_LEN);
		OPENSSL_cleanse(key, HPKE_AEAD_KEY_LEN);
		OPENSSL_cleanse(base_nonce, HPKE_NONCE_LEN);
	}
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
	uint8_t pkE[HPKE_KEY_LEN];
	if (skE == NULL || pkR == NULL || (info == NULL && infolen > 0) ||
	    enc == NULL || shared_secret == NULL || key == NULL || base_nonce == NULL)
		return WN_EINVAL;
	EVP_PKEY_CTX *ectx = hpke_derive_ctx_raw(skE, pkE);
	int rc = ectx ? hpke_setup_s(ectx, pkE, pkR, info, infolen, enc, shared_secret, key,
				     base_nonce)
		      : WN_ECRYPTO;
	EVP_PKEY_CTX_free(ectx);
	return rc;
}

/* Seal with an ephemeral key's derive context and public key. */
static int hpke_seal_ephemeral(EVP_PKEY_CTX *ectx, const uint8_t pkE[HPKE_KEY_LEN],
			       const uint8_t pkR[HPKE_KEY_LEN], const uint8_t *info,
			       size_t infolen, const uint8_t *aad, size_t aadlen,
			       const uint8_t *pt, size_t ptlen, uint8_t *out, size_t outcap,
			       size_t *outlen)
{
	uint8_t shared_secret[HPKE_SECRET_LEN];
	uint8_t key[HPKE_AEAD_KEY_LEN];
	uint8_t base_nonce[HPKE_NONCE_LEN];
	size_t need = 0;
	int rc;

	if (outlen != NULL)
		*outlen = 0;
	if (pkR == NULL || (info == NULL && infolen > 0) || (aad == NULL && aadlen > 0) ||
	    (pt == NULL && ptlen > 0) || out == NULL || outlen == NULL)
		return WN_EINVAL;
	if (ptlen > SIZE_MAX - HPKE_OVERHEAD || ptlen > INT_MAX || aadlen > INT_MAX)
		return WN_ETOOBIG;
	need = ptlen + HPKE_OVERHEAD;
	if (outcap < need)
		return WN_ETOOBIG;

	/* Single-shot: sequence number 0, so the nonce is base_nonce. */
	rc = hpke_setup_s(ectx, pkE, pkR, info, infolen, out, shared_secret, key, base_nonce);
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

int hpke_seal_with_ephemeral(const uint8_t skE[HPKE_KEY_LEN],
                             const uint8_t pkR[HPKE_KEY_LEN],
                             const uint8_t *info, size_t infolen,
                             const uint8_t *aad, size_t aadlen,
                             const uint8_t *pt, size_t ptlen,
                             uint8_t *out, size_t outcap, size_t *outlen)
{
	uint8_t pkE[HPKE_KEY_LEN];
	if (outlen != NULL)
		*outlen = 0;
	if (skE == NULL)
		return WN_EINVAL;
	EVP_PKEY_CTX *ectx = hpke_derive_ctx_raw(skE, pkE);
	int rc = ectx ? hpke_seal_ephemeral(ectx, pkE, pkR, info, infolen, aad, aadlen, pt, ptlen,
					    out, outcap, outlen)
		      : WN_ECRYPTO;
	EVP_PKEY_CTX_free(ectx);
	return rc;
}

int hpke_seal(const uint8_t pkR[HPKE_KEY_LEN],
              const uint8_t *info, size_t infolen,
              const uint8_t *aad, size_t aadlen,
              const uint8_t *pt, size_t ptlen,
              uint8_t *out, size_t outcap, size_t *outlen)
{
	uint8_t pkE[HPKE_KEY_LEN];
	EVP_PKEY_CTX *gen = NULL, *ectx = NULL;
	EVP_PKEY *eph = NULL;
	int rc = WN_ECRYPTO;

	if (outlen != NULL)
		*outlen = 0;
	if (pkR == NULL || (info == NULL && infolen > 0) ||
	    (aad == NULL && aadlen > 0) || (pt == NULL && ptlen > 0) ||
	    out == NULL || outlen == NULL)
		return WN_EINVAL;
	if (ptlen > SIZE_MAX - HPKE_OVERHEAD || ptlen > INT_MAX ||
	    aadlen > INT_MAX || outcap < ptlen + HPKE_OVERHEAD)
		return WN_ETOOBIG;
	/* the ephemeral key is used as generated: never exported, freed (and
	 * wiped by OpenSSL) when the context goes */
	if ((gen = EVP_PKEY_CTX_new_id(EVP_PKEY_X25519, NULL)) == NULL ||
	    EVP_PKEY_keygen_init(gen) <= 0 || EVP_PKEY_keygen(gen, &eph) <= 0 ||
	    (ectx = hpke_derive_ctx(eph, pkE)) == NULL)
		goto out;
	rc = hpke_seal_ephemeral(ectx, pkE, pkR, info, infolen, aad, aadlen, pt, ptlen, out,
				 outcap, outlen);
out:
	EVP_PKEY_CTX_free(ectx);
	EVP_PKEY_free(eph);
	EVP_PKEY_CTX_free(gen);
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
