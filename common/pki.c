/*
 * pki.c — OpenSSL 3.0 EVP and X509 glue for identities, trust and signatures.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "wijknet.h"
#include "pki.h"
#include "fileio.h"
#include "schema.h"

/* SHA-256 fetched once (a fetch per signature is measurable in OpenSSL 3). */
static pthread_once_t pki_md_once = PTHREAD_ONCE_INIT;
static EVP_MD *pki_md;

static void pki_md_fetch(void)
{
	pki_md = EVP_MD_fetch(NULL, "SHA256", NULL);
}

static const EVP_MD *pki_sha256_md(void)
{
	pthread_once(&pki_md_once, pki_md_fetch);
	return pki_md ? pki_md : EVP_sha256();
}

struct pki_trust {
	pthread_rwlock_t lock; /* a reload swaps what is below while checks run */
	X509_STORE *store;
	X509 *ca;
	X509_CRL *crl;         /* or NULL */
	char *ca_pem, *crl_pem;
};

static int pki_is_p256(EVP_PKEY *key)
{
	char group[64];
	size_t glen = 0;
	if (EVP_PKEY_get_base_id(key) != EVP_PKEY_EC)
		return 0;
	if (EVP_PKEY_get_utf8_string_param(key, "group", group, sizeof(group), &glen) != 1)
		return 0;
	return strcmp(group, "prime256v1") == 0 || strcmp(group, "P-256") == 0;
}

int pki_cert_cn(X509 *cert, char *out, size_t cap)
{
	if (cap > 0)
		out[0] = '\0'; /* no CN: an empty name, never stale bytes */
	X509_NAME *name = cert ? X509_get_subject_name(cert) : NULL;
	if (name == NULL || cap == 0 || cap > INT32_MAX)
		return WN_ECERT;
	int n = X509_NAME_get_text_by_NID(name, NID_commonName, out, (int)cap);
	if (n <= 0 || (size_t)n >= cap) {
		out[0] = '\0';
		return WN_ECERT;
	}
	return 0;
}

int pki_identity_load(const char *pem_path, pki_identity **out, char *err, size_t errcap)
{
	int rc = WN_ECERT;
	pki_identity *id = calloc(1, sizeof(*id));
	BIO *bio = NULL;
	if (id == NULL)
		return WN_ENOMEM;
	bio = BIO_new_file(pem_path, "r");
	if (bio == NULL) {
		snprintf(err, errcap, "%s: cannot open certificate file", pem_path);
		rc = WN_EIO;
		goto out;
	}
	id->cert = PEM_read_bio_X509(bio, NULL, NULL, NULL);
	if (id->cert == NULL) {
		snprintf(err, errcap, "%s: no PEM certificate found", pem_path);
		goto out;
	}
	id->key = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
	if (id->key == NULL) {
		snprintf(err, errcap, "%s: no private key after the certificate", pem_path);
		goto out;
	}
	if (!pki_is_p256(id->key)) {
		snprintf(err, errcap, "%s: key is not ECDSA P-256", pem_path);
		goto out;
	}
	if (X509_check_private_key(id->cert, id->key) != 1) {
		snprintf(err, errcap, "%s: private key does not match the certificate", pem_path);
		goto out;
	}
	if (pki_cert_cn(id->cert, id->id, sizeof(id->id)) != 0 ||
	    schema_valid_partner_id(id->id) != 0) {
		snprintf(err, errcap, "%s: certificate CN is not a partner id", pem_path);
		goto out;
	}
	rc = pki_cert_to_pem(id->cert, &id->cert_pem);
	if (rc != 0)
		goto out;
	*out = id;
	id = NULL;
	rc = 0;
out:
	ERR_clear_error();
	BIO_free(bio);
	pki_identity_free(id);
	return rc;
}

void pki_identity_free(pki_identity *id)
{
	if (id == NULL)
		return;
	X509_free(id->cert);
	EVP_PKEY_free(id->key); /* OpenSSL clears key material on free */
	free(id->cert_pem);
	free(id);
}

/* Parses a PEM CRL and checks it is the CA's and not past its nextUpdate. */
static int pki_crl_check(X509 *ca, const char *pem, const char *where, X509_CRL **out, char *err,
			 size_t errcap)
{
	BIO *bio = BIO_new_mem_buf(pem, -1);
	X509_CRL *crl = bio ? PEM_read_bio_X509_CRL(bio, NULL, NULL, NULL) : NULL;
	int rc = WN_ECERT;
	BIO_free(bio);
	if (crl == NULL) {
		snprintf(err, errcap, "%s: cannot read the CRL", where);
		goto out;
	}
	EVP_PKEY *capub = X509_get0_pubkey(ca);
	if (capub == NULL || X509_CRL_verify(crl, capub) != 1) {
		snprintf(err, errcap, "%s: CRL is not signed by the federation CA", where);
		goto out;
	}
	const ASN1_TIME *next = X509_CRL_get0_nextUpdate(crl);
	if (next != NULL && X509_cmp_current_time(next) < 0) {
		snprintf(err, errcap, "%s: CRL is past its nextUpdate; reissue it (wijknet-ca crl)",
			 where);
		rc = WN_EEXPIRED;
		goto out;
	}
	*out = crl;
	crl = NULL;
	rc = 0;
out:
	ERR_clear_error();
	X509_CRL_free(crl);
	return rc;
}

/* A store of the CA and (if any) the CRL, checking revocation. */
static int pki_store_build(X509 *ca, X509_CRL *crl, X509_STORE **out)
{
	X509_STORE *st = X509_STORE_new();
	if (st == NULL || X509_STORE_add_cert(st, ca) != 1 ||
	    (crl != NULL && X509_STORE_add_crl(st, crl) != 1)) {
		X509_STORE_free(st);
		ERR_clear_error();
		return WN_ECERT;
	}
	if (crl != NULL)
		X509_STORE_set_flags(st, X509_V_FLAG_CRL_CHECK);
	*out = st;
	return 0;
}

/* Builds a trust from PEM texts; *out: pki_trust_free(). */
static int pki_trust_from_pem(const char *ca_pem, const char *crl_pem, const char *ca_where,
			      const char *crl_where, pki_trust **out, char *err, size_t errcap)
{
	int rc = WN_ECERT;
	pki_trust *t = calloc(1, sizeof(*t));
	if (t == NULL)
		return WN_ENOMEM;
	pthread_rwlock_init(&t->lock, NULL);
	if (pki_cert_from_pem(ca_pem, &t->ca) != 0) {
		snprintf(err, errcap, "%s: cannot read the CA certificate", ca_where);
		goto out;
	}
	if (crl_pem != NULL && (rc = pki_crl_check(t->ca, crl_pem, crl_where, &t->crl, err,
						   errcap)) != 0)
		goto out;
	rc = WN_ENOMEM;
	if ((t->ca_pem = strdup(ca_pem)) == NULL ||
	    (crl_pem != NULL && (t->crl_pem = strdup(crl_pem)) == NULL))
		goto out;
	if ((rc = pki_store_build(t->ca, t->crl, &t->store)) != 0) {
		snprintf(err, errcap, "%s: cannot use the CA certificate or CRL", ca_where);
		goto out;
	}
	*out = t;
	t = NULL;
	rc = 0;
out:
	pki_trust_free(t);
	return rc;
}

int pki_trust_load(const char *ca_path, const char *crl_path, pki_trust **out, char *err,
		   size_t errcap)
{
	char *ca = NULL, *crl = NULL;
	int rc = WN_ECERT;
	if (file_read_all(ca_path, 1 << 20, &ca, NULL) != 0) {
		snprintf(err, errcap, "%s: cannot read the CA certificate", ca_path);
		goto out;
	}
	if (crl_path != NULL && file_read_all(crl_path, 16 << 20, &crl, NULL) != 0) {
		snprintf(err, errcap, "%s: cannot read the CRL", crl_path);
		goto out;
	}
	rc = pki_trust_from_pem(ca, crl, ca_path, crl_path, out, err, errcap);
out:
	free(ca);
	free(crl);
	return rc;
}

/* Exchanges the contents of t and src; the caller holds t's write lock. */
static void pki_trust_exchange(pki_trust *t, pki_trust *src)
{
	X509_STORE *st = t->store;
	X509 *ca = t->ca;
	X509_CRL *crl = t->crl;
	char *ca_pem = t->ca_pem, *crl_pem = t->crl_pem;
	t->store = src->store;
	t->ca = src->ca;
	t->crl = src->crl;
	t->ca_pem = src->ca_pem;
	t->crl_pem = src->crl_pem;
	src->store = st;
	src->ca = ca;
	src->crl = crl;
	src->ca_pem = ca_pem;
	src->crl_pem = crl_pem;
}

/* Moves src's contents into t under t's write lock; src is freed. */
static void pki_trust_swap(pki_trust *t, pki_trust *src)
{
	pthread_rwlock_wrlock(&t->lock);
	pki_trust_exchange(t, src);
	pthread_rwlock_unlock(&t->lock);
	pki_trust_free(src);
}

static int pki_str_differ(const char *a, const char *b)
{
	return (a == NULL) != (b == NULL) || (a != NULL && strcmp(a, b) != 0);
}

int pki_trust_reload(pki_trust *t, const char *ca_path, const char *crl_path, int *changed,
		     char *err, size_t errcap)
{
	pki_trust *n = NULL;
	int rc = pki_trust_load(ca_path, crl_path, &n, err, errcap);
	if (rc != 0)
		return rc;
	pthread_rwlock_rdlock(&t->lock);
	*changed = pki_str_differ(t->ca_pem, n->ca_pem) || pki_str_differ(t->crl_pem, n->crl_pem);
	pthread_rwlock_unlock(&t->lock);
	if (*changed)
		pki_trust_swap(t, n);
	else
		pki_trust_free(n);
	return 0;
}

/* 1 when offered is later than held: by CRL number where both carry one
 * (two CRLs issued within one second share their lastUpdate), else by
 * lastUpdate. */
static int pki_crl_newer(X509_CRL *offered, X509_CRL *held)
{
	ASN1_INTEGER *a = X509_CRL_get_ext_d2i(offered, NID_crl_number, NULL, NULL);
	ASN1_INTEGER *b = X509_CRL_get_ext_d2i(held, NID_crl_number, NULL, NULL);
	int newer;
	if (a != NULL && b != NULL)
		newer = ASN1_INTEGER_cmp(a, b) > 0;
	else
		newer = ASN1_TIME_compare(X509_CRL_get0_lastUpdate(offered),
					  X509_CRL_get0_lastUpdate(held)) > 0;
	ASN1_INTEGER_free(a);
	ASN1_INTEGER_free(b);
	return newer;
}

int pki_trust_offer_crl(pki_trust *t, const char *crl_pem, int *changed, char *err,
			size_t errcap)
{
	*changed = 0;
	pki_trust *n = NULL;
	pthread_rwlock_rdlock(&t->lock);
	char *ca = strdup(t->ca_pem);
	pthread_rwlock_unlock(&t->lock);
	if (ca == NULL)
		return WN_ENOMEM;
	int rc = pki_trust_from_pem(ca, crl_pem, "federation CA", "offered CRL", &n, err, errcap);
	if (rc != 0) {
		free(ca);
		return rc;
	}
	/* compared and taken under one lock: a CRL never goes back to an older
	 * one, and a CA changed meanwhile is not undone */
	pthread_rwlock_wrlock(&t->lock);
	if (strcmp(t->ca_pem, ca) == 0 && (t->crl == NULL || pki_crl_newer(n->crl, t->crl))) {
		pki_trust_exchange(t, n);
		*changed = 1;
	}
	pthread_rwlock_unlock(&t->lock);
	free(ca);
	pki_trust_free(n);
	return 0;
}

int pki_trust_pem(pki_trust *t, char **ca_pem, char **crl_pem)
{
	int rc = 0;
	pthread_rwlock_rdlock(&t->lock);
	*ca_pem = strdup(t->ca_pem);
	*crl_pem = t->crl_pem ? strdup(t->crl_pem) : NULL;
	if (*ca_pem == NULL || (t->crl_pem != NULL && *crl_pem == NULL)) {
		free(*ca_pem);
		free(*crl_pem);
		*ca_pem = *crl_pem = NULL;
		rc = WN_ENOMEM;
	}
	pthread_rwlock_unlock(&t->lock);
	return rc;
}

int pki_trust_crl_seconds_left(pki_trust *t, long *out)
{
	int rc = WN_ENOTFOUND, days = 0, secs = 0;
	pthread_rwlock_rdlock(&t->lock);
	const ASN1_TIME *next = t->crl ? X509_CRL_get0_nextUpdate(t->crl) : NULL;
	if (next != NULL && ASN1_TIME_diff(&days, &secs, NULL, next) == 1) {
		*out = (long)days * 86400L + secs;
		rc = 0;
	}
	pthread_rwlock_unlock(&t->lock);
	return rc;
}

void pki_trust_free(pki_trust *t)
{
	if (t == NULL)
		return;
	X509_STORE_free(t->store);
	X509_free(t->ca);
	X509_CRL_free(t->crl);
	free(t->ca_pem);
	free(t->crl_pem);
	pthread_rwlock_destroy(&t->lock);
	free(t);
}

int pki_trust_verify(pki_trust *t, X509 *cert, const char *expect_id, char *err,
		     size_t errcap)
{
	int rc = WN_ECERT;
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	if (ctx == NULL)
		return WN_ENOMEM;
	pthread_rwlock_rdlock(&t->lock); /* until ctx is freed: it points into the store */
	if (X509_STORE_CTX_init(ctx, t->store, cert, NULL) != 1)
		goto out;
	if (X509_verify_cert(ctx) != 1) {
		int e = X509_STORE_CTX_get_error(ctx);
		snprintf(err, errcap, "certificate refused: %s", X509_verify_cert_error_string(e));
		if (e == X509_V_ERR_CERT_REVOKED)
			rc = WN_EREVOKED;
		else if (e == X509_V_ERR_CERT_HAS_EXPIRED || e == X509_V_ERR_CERT_NOT_YET_VALID)
			rc = WN_EEXPIRED;
		goto out;
	}
	if (expect_id != NULL) {
		char cn[PKI_ID_MAX];
		if (pki_cert_cn(cert, cn, sizeof(cn)) != 0) {
			snprintf(err, errcap, "certificate has no usable CN; expected '%s'", expect_id);
			goto out;
		}
		if (strcmp(cn, expect_id) != 0) {
			snprintf(err, errcap, "certificate is for '%s', not '%s'", cn, expect_id);
			goto out;
		}
	}
	rc = 0;
out:
	ERR_clear_error();
	X509_STORE_CTX_free(ctx);
	pthread_rwlock_unlock(&t->lock);
	return rc;
}

int pki_cert_from_pem(const char *pem, X509 **out)
{
	BIO *bio = BIO_new_mem_buf(pem, -1);
	if (bio == NULL)
		return WN_ENOMEM;
	X509 *c = PEM_read_bio_X509(bio, NULL, NULL, NULL);
	BIO_free(bio);
	ERR_clear_error();
	if (c == NULL)
		return WN_ECERT;
	*out = c;
	return 0;
}

int pki_cert_to_pem(X509 *cert, char **out)
{
	BIO *bio = BIO_new(BIO_s_mem());
	int rc = WN_ENOMEM;
	if (bio == NULL)
		return WN_ENOMEM;
	if (PEM_write_bio_X509(bio, cert) == 1) {
		char *p;
		long n = BIO_get_mem_data(bio, &p);
		char *s = malloc((size_t)n + 1);
		if (s != NULL) {
			memcpy(s, p, (size_t)n);
			s[n] = '\0';
			*out = s;
			rc = 0;
		}
	}
	BIO_free(bio);
	return rc;
}

int pki_cert_seconds_left(X509 *cert, long *out)
{
	int days = 0, secs = 0;
	if (ASN1_TIME_diff(&days, &secs, NULL, X509_get0_notAfter(cert)) != 1)
		return WN_ECERT;
	*out = (long)days * 86400 + secs;
	return 0;
}

int pki_cert_renews(X509 *held, X509 *next, char *err, size_t errcap)
{
	if (X509_cmp(held, next) == 0) {
		snprintf(err, errcap, "the certificate is the one registered");
		return WN_EEXISTS;
	}
	/* the key proves it is the same partner: the signature on the offer was
	 * made with it, and everything it signed before stays verifiable */
	if (EVP_PKEY_eq(X509_get0_pubkey(held), X509_get0_pubkey(next)) != 1) {
		snprintf(err, errcap, "the certificate is for another key than the registered one: "
			 "a new key is registered with `wijknet-ca rekey ID`, then `wijknet admin rekey ID "
			 "--cert FILE --reason TEXT` at the broker");
		return WN_ECERT;
	}
	if (ASN1_TIME_compare(X509_get0_notAfter(next), X509_get0_notAfter(held)) <= 0) {
		snprintf(err, errcap, "the certificate lapses no later than the registered one");
		return WN_ESTATE;
	}
	return 0;
}

int pki_cert_rekeys(X509 *held, X509 *next, char *err, size_t errcap)
{
	if (X509_cmp(held, next) == 0) {
		snprintf(err, errcap, "the certificate is the one registered");
		return WN_EEXISTS;
	}
	if (EVP_PKEY_eq(X509_get0_pubkey(held), X509_get0_pubkey(next)) == 1) {
		snprintf(err, errcap, "the certificate is for the key registered now: that is a "
			 "renewal, which the partner's node offers itself at its start");
		return WN_EEXISTS;
	}
	/* an earlier certificate, of a key replaced before, is not taken back */
	if (ASN1_TIME_compare(X509_get0_notAfter(next), X509_get0_notAfter(held)) <= 0) {
		snprintf(err, errcap, "the certificate lapses no later than the registered one "
			 "(issue it with more --days)");
		return WN_ESTATE;
	}
	return 0;
}

/* The order n of P-256 and n/2: a signature's s is kept at or below n/2, so
 * that (r, n - s), which verifies too, is not a second valid encoding. */
static const char P256_ORDER[] =
	"FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551";
static pthread_once_t pki_order_once = PTHREAD_ONCE_INIT;
static BIGNUM *pki_order, *pki_half_order;

static void pki_order_init(void)
{
	BIGNUM *n = NULL, *h = BN_new();
	if (h != NULL && BN_hex2bn(&n, P256_ORDER) != 0 && BN_rshift1(h, n) == 1) {
		pki_order = n;
		pki_half_order = h;
		return;
	}
	BN_free(n);
	BN_free(h);
}

/* Writes a DER signature as r || s (32 bytes each), s normalised to low-S. */
static int pki_sig_to_raw(const uint8_t *der, size_t len, uint8_t raw[PKI_SIG_LEN])
{
	const unsigned char *p = der;
	ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)len);
	BIGNUM *low = NULL;
	int rc = WN_ECRYPTO;
	pthread_once(&pki_order_once, pki_order_init);
	if (es == NULL || pki_order == NULL)
		goto out;
	const BIGNUM *r = ECDSA_SIG_get0_r(es), *s = ECDSA_SIG_get0_s(es);
	if (BN_cmp(s, pki_half_order) > 0) {
		if ((low = BN_new()) == NULL || BN_sub(low, pki_order, s) != 1)
			goto out;
		s = low;
	}
	if (BN_bn2binpad(r, raw, 32) == 32 && BN_bn2binpad(s, raw + 32, 32) == 32)
		rc = 0;
out:
	BN_free(low);
	ECDSA_SIG_free(es);
	return rc;
}

/* The DER form of r || s for OpenSSL's verifier; a high s is refused. */
static int pki_sig_from_raw(const uint8_t raw[PKI_SIG_LEN], uint8_t **der, size_t *len)
{
	ECDSA_SIG *es = ECDSA_SIG_new();
	BIGNUM *r = BN_bin2bn(raw, 32, NULL), *s = BN_bin2bn(raw + 32, 32, NULL);
	unsigned char *buf = NULL;
	int rc = WN_ESIG, n;
	pthread_once(&pki_order_once, pki_order_init);
	if (es == NULL || r == NULL || s == NULL || pki_order == NULL)
		goto out;
	if (BN_is_zero(r) || BN_is_zero(s) || BN_cmp(r, pki_order) >= 0 ||
	    BN_cmp(s, pki_half_order) > 0)
		goto out;
	if (ECDSA_SIG_set0(es, r, s) != 1)
		goto out;
	r = s = NULL; /* owned by es */
	if ((n = i2d_ECDSA_SIG(es, &buf)) <= 0)
		goto out;
	*der = buf;
	*len = (size_t)n;
	buf = NULL;
	rc = 0;
out:
	OPENSSL_free(buf);
	BN_free(r);
	BN_free(s);
	ECDSA_SIG_free(es);
	return rc;
}

int pki_sign(EVP_PKEY *key, const void *msg, size_t len, uint8_t **sig, size_t *siglen)
{
	int rc = WN_ECRYPTO;
	uint8_t *buf = NULL, *raw = NULL;
	size_t n = 0;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	if (md == NULL)
		return WN_ENOMEM;
	if (EVP_DigestSignInit(md, NULL, pki_sha256_md(), NULL, key) != 1 ||
	    EVP_DigestSign(md, NULL, &n, msg, len) != 1)
		goto out;
	buf = malloc(n);
	raw = malloc(PKI_SIG_LEN);
	if (buf == NULL || raw == NULL) {
		rc = WN_ENOMEM;
		goto out;
	}
	if (EVP_DigestSign(md, buf, &n, msg, len) != 1 || pki_sig_to_raw(buf, n, raw) != 0)
		goto out;
	*sig = raw;
	*siglen = PKI_SIG_LEN;
	raw = NULL;
	rc = 0;
out:
	ERR_clear_error();
	free(buf);
	free(raw);
	EVP_MD_CTX_free(md);
	return rc;
}

int pki_verify(X509 *cert, const void *msg, size_t len, const uint8_t *sig, size_t siglen)
{
	int rc = WN_ESIG;
	uint8_t *der = NULL;
	size_t dlen = 0;
	EVP_PKEY *pub = X509_get0_pubkey(cert);
	if (sig == NULL || siglen != PKI_SIG_LEN || pki_sig_from_raw(sig, &der, &dlen) != 0)
		return WN_ESIG;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	if (md == NULL) {
		OPENSSL_free(der);
		return WN_ENOMEM;
	}
	if (pub != NULL && EVP_DigestVerifyInit(md, NULL, pki_sha256_md(), NULL, pub) == 1 &&
	    EVP_DigestVerify(md, der, dlen, msg, len) == 1)
		rc = 0;
	ERR_clear_error();
	OPENSSL_free(der);
	EVP_MD_CTX_free(md);
	return rc;
}

int pki_sha256(const void *data, size_t len, uint8_t out[32])
{
	unsigned int n = 0;
	if (EVP_Digest(data, len, out, &n, pki_sha256_md(), NULL) != 1 || n != 32)
		return WN_ECRYPTO;
	return 0;
}
