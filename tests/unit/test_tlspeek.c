/*
 * test_tlspeek.c — r21_breach: the certificate a client offered is found in
 * its TLS 1.2 records (whole, split over records, cut short), and bytes
 * that are not TLS, or lengths that do not add up, are refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "wijknet.h"
#include "tlspeek.h"

static uint8_t cert_der[2048];
static size_t cert_len;

/* A self-signed certificate, as a client would offer one. */
static int make_cert(void **state)
{
	(void)state;
	EVP_PKEY *key = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	assert_non_null(key);
	assert_non_null(x);
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 7);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
				   (const unsigned char *)"alcander", -1, -1, 0);
	X509_set_issuer_name(x, X509_get_subject_name(x));
	X509_set_pubkey(x, key);
	assert_true(X509_sign(x, key, EVP_sha256()) > 0);
	unsigned char *p = cert_der;
	int n = i2d_X509(x, NULL);
	assert_true(n > 0 && (size_t)n <= sizeof(cert_der));
	cert_len = (size_t)i2d_X509(x, &p);
	X509_free(x);
	EVP_PKEY_free(key);
	return 0;
}

static size_t put24(uint8_t *p, size_t v)
{
	p[0] = (uint8_t)(v >> 16);
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)v;
	return 3;
}

/* The handshake messages a client sends: a ClientHello stand-in, then its
 * Certificate (ncerts copies of the certificate). */
static size_t handshake(uint8_t *out, int ncerts)
{
	size_t at = 0;
	out[at++] = 1; /* ClientHello, its body only a stand-in */
	at += put24(out + at, 4);
	memcpy(out + at, "\x03\x03\x00\x00", 4);
	at += 4;
	out[at++] = 11; /* Certificate */
	size_t list = (size_t)ncerts * (3 + cert_len);
	at += put24(out + at, list + 3);
	at += put24(out + at, list);
	for (int i = 0; i < ncerts; i++) {
		at += put24(out + at, cert_len);
		memcpy(out + at, cert_der, cert_len);
		at += cert_len;
	}
	return at;
}

/* hs cut into records of at most chunk bytes each. */
static size_t records(const uint8_t *hs, size_t len, size_t chunk, uint8_t *out)
{
	size_t at = 0;
	for (size_t off = 0; off < len; off += chunk) {
		size_t n = len - off < chunk ? len - off : chunk;
		out[at++] = 22;
		out[at++] = 3;
		out[at++] = 3;
		out[at++] = (uint8_t)(n >> 8);
		out[at++] = (uint8_t)n;
		memcpy(out + at, hs + off, n);
		at += n;
	}
	return at;
}

static void found(const uint8_t *buf, size_t len)
{
	static uint8_t joined[TLSPEEK_MAX];
	const uint8_t *der = NULL;
	size_t dlen = 0;
	assert_int_equal(tlspeek_client_cert(buf, len, joined, &der, &dlen), 0);
	assert_int_equal(dlen, cert_len);
	assert_memory_equal(der, cert_der, cert_len);
}

static int peek(const uint8_t *buf, size_t len)
{
	static uint8_t joined[TLSPEEK_MAX];
	const uint8_t *der = NULL;
	size_t dlen = 0;
	int rc = tlspeek_client_cert(buf, len, joined, &der, &dlen);
	if (rc != 0) {
		assert_null(der);
		assert_int_equal(dlen, 0);
	}
	return rc;
}

static void test_r21_breach_tlspeek_finds_the_certificate(void **state)
{
	(void)state;
	uint8_t hs[8192], buf[9000];
	size_t n = handshake(hs, 2);
	found(buf, records(hs, n, 16384, buf));
	/* split over records, the Certificate message across two of them */
	found(buf, records(hs, n, 100, buf));
	found(buf, records(hs, n, 1, buf));
	/* the encryption starting after it does not matter */
	size_t len = records(hs, n, 300, buf);
	memcpy(buf + len, "\x14\x03\x03\x00\x01\x01", 6);
	found(buf, len + 6);
}

static void test_r21_breach_tlspeek_cut_short_or_none(void **state)
{
	(void)state;
	uint8_t hs[8192], buf[9000];
	size_t n = handshake(hs, 1);
	size_t len = records(hs, n, 16384, buf);
	/* the bytes end inside the certificate: not found, never read past */
	for (size_t cut = 0; cut < len; cut++)
		assert_int_equal(peek(buf, cut), WN_ENOTFOUND);
	/* the encryption starts before a Certificate: not found */
	memcpy(buf, "\x14\x03\x03\x00\x01\x01", 6);
	assert_int_equal(peek(buf, 6), WN_ENOTFOUND);
	/* a client that offered no certificate */
	uint8_t empty[] = { 22, 3, 3, 0, 7, 11, 0, 0, 3, 0, 0, 0 };
	assert_int_equal(peek(empty, sizeof(empty)), WN_ENOTFOUND);
}

static void test_r21_breach_tlspeek_refuses_what_is_not_tls(void **state)
{
	(void)state;
	uint8_t junk[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
	assert_int_equal(peek(junk, sizeof(junk) - 1), WN_EPROTO);
	/* an alert, or application data, before the handshake */
	uint8_t alert[] = { 21, 3, 3, 0, 2, 2, 40 };
	assert_int_equal(peek(alert, sizeof(alert)), WN_EPROTO);
	/* a record longer than TLS allows */
	uint8_t big[] = { 22, 3, 3, 0xff, 0xff, 1 };
	assert_int_equal(peek(big, sizeof(big)), WN_EPROTO);
	/* a certificate list of one or two bytes */
	uint8_t tiny[] = { 22, 3, 3, 0, 9, 11, 0, 0, 5, 0, 0, 2, 0, 0 };
	assert_int_equal(peek(tiny, sizeof(tiny)), WN_EPROTO);
	/* a list length that is not the message's */
	uint8_t off[] = { 22, 3, 3, 0, 10, 11, 0, 0, 6, 0, 0, 9, 0, 0, 1 };
	assert_int_equal(peek(off, sizeof(off)), WN_EPROTO);
	/* a certificate longer than its list */
	uint8_t over[] = { 22, 3, 3, 0, 11, 11, 0, 0, 7, 0, 0, 4, 0, 0, 9, 1 };
	assert_int_equal(peek(over, sizeof(over)), WN_EPROTO);
	/* a message length past everything that came is not a Certificate found */
	uint8_t runaway[] = { 22, 3, 3, 0, 4, 1, 0xff, 0xff, 0xff };
	assert_int_equal(peek(runaway, sizeof(runaway)), WN_ENOTFOUND);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_r21_breach_tlspeek_finds_the_certificate),
		cmocka_unit_test(test_r21_breach_tlspeek_cut_short_or_none),
		cmocka_unit_test(test_r21_breach_tlspeek_refuses_what_is_not_tls),
	};
	return cmocka_run_group_tests_name("tlspeek", tests, make_cert, NULL);
}
