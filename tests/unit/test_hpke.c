/*
 * test_hpke.c — unit tests for common/hpke.c: the RFC 9180 A.1.1 test vector
 * (DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-128-GCM, base mode), round
 * trips, and refusal of anything that does not authenticate (r20_integrity).
 *
 * The vector is read from hpke-rfc9180-a1-1.json in $WN_VECTORS_DIR when that
 * is set, otherwise from tests/vectors (the published values, kept with the
 * tests), relative to the repository root, where the tests are run.
 * A missing vector file is a failure, not a skip.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "hpke.h"
#include "wijknet.h"

#define VECTOR_FILE "hpke-rfc9180-a1-1.json"
#define MAX_FIELD 256

struct hpke_vector {
	uint8_t info[MAX_FIELD];
	size_t infolen;
	uint8_t skEm[HPKE_KEY_LEN], pkEm[HPKE_KEY_LEN];
	uint8_t skRm[HPKE_KEY_LEN], pkRm[HPKE_KEY_LEN];
	uint8_t enc[HPKE_ENC_LEN];
	uint8_t shared_secret[32];
	uint8_t key[16];
	uint8_t base_nonce[12];
	uint8_t pt[MAX_FIELD];
	size_t ptlen;
	uint8_t aad[MAX_FIELD];
	size_t aadlen;
	uint8_t nonce[12];
	uint8_t ct[MAX_FIELD];
	size_t ctlen;
};

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes the hex string field name of obj into buf; fails the test if absent or malformed. */
static size_t get_hex(json_t *obj, const char *name, uint8_t *buf, size_t cap,
                      size_t exact)
{
	json_t *v = json_object_get(obj, name);
	const char *s;
	size_t n, i;

	if (!json_is_string(v))
		fail_msg("vector field '%s' missing or not a string", name);
	s = json_string_value(v);
	n = strlen(s);
	if (n % 2 != 0 || n / 2 > cap)
		fail_msg("vector field '%s' has a bad length", name);
	for (i = 0; i < n / 2; i++) {
		int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			fail_msg("vector field '%s' is not hex", name);
		buf[i] = (uint8_t)(hi << 4 | lo);
	}
	if (exact != 0 && n / 2 != exact)
		fail_msg("vector field '%s' should be %zu bytes", name, exact);
	return n / 2;
}

/* Finds and parses the RFC 9180 A.1.1 vector; fails the test when it cannot. */
static void load_vector(struct hpke_vector *v)
{
	const char *env = getenv("WN_VECTORS_DIR");
	const char *dirs[1];
	size_t ndirs = 0, i;
	char path[4096];
	json_t *root = NULL, *encs, *e0;
	json_error_t jerr;

	if (env != NULL && env[0] != '\0') {
		dirs[ndirs++] = env;
	} else {
		dirs[ndirs++] = "tests/vectors";
	}
	for (i = 0; i < ndirs && root == NULL; i++) {
		FILE *f;
		snprintf(path, sizeof(path), "%s/%s", dirs[i], VECTOR_FILE);
		f = fopen(path, "r");
		if (f == NULL)
			continue;
		fclose(f);
		root = json_load_file(path, 0, &jerr);
		if (root == NULL)
			fail_msg("cannot parse %s: %s (line %d)", path, jerr.text,
			         jerr.line);
	}
	if (root == NULL)
		fail_msg("test vector %s not found (set WN_VECTORS_DIR or run "
		         "from the repository root)", VECTOR_FILE);

	assert_int_equal(json_integer_value(json_object_get(root, "kem_id")), 0x20);
	assert_int_equal(json_integer_value(json_object_get(root, "kdf_id")), 1);
	assert_int_equal(json_integer_value(json_object_get(root, "aead_id")), 1);
	assert_int_equal(json_integer_value(json_object_get(root, "mode")), 0);

	v->infolen = get_hex(root, "info", v->info, sizeof(v->info), 0);
	get_hex(root, "skEm", v->skEm, sizeof(v->skEm), HPKE_KEY_LEN);
	get_hex(root, "pkEm", v->pkEm, sizeof(v->pkEm), HPKE_KEY_LEN);
	get_hex(root, "skRm", v->skRm, sizeof(v->skRm), HPKE_KEY_LEN);
	get_hex(root, "pkRm", v->pkRm, sizeof(v->pkRm), HPKE_KEY_LEN);
	get_hex(root, "enc", v->enc, sizeof(v->enc), HPKE_ENC_LEN);
	get_hex(root, "shared_secret", v->shared_secret,
	        sizeof(v->shared_secret), 32);
	get_hex(root, "key", v->key, sizeof(v->key), 16);
	get_hex(root, "base_nonce", v->base_nonce, sizeof(v->base_nonce), 12);

	encs = json_object_get(root, "encryptions");
	if (!json_is_array(encs) || json_array_size(encs) < 1)
		fail_msg("vector has no encryptions");
	e0 = json_array_get(encs, 0);
	assert_int_equal(json_integer_value(json_object_get(e0, "seq")), 0);
	v->ptlen = get_hex(e0, "pt", v->pt, sizeof(v->pt), 0);
	v->aadlen = get_hex(e0, "aad", v->aad, sizeof(v->aad), 0);
	get_hex(e0, "nonce", v->nonce, sizeof(v->nonce), 12);
	v->ctlen = get_hex(e0, "ct", v->ct, sizeof(v->ct), 0);
	json_decref(root);
}

static void test_hpke_rfc9180_a1_1(void **state)
{
	struct hpke_vector v;
	uint8_t pk[HPKE_KEY_LEN];
	uint8_t enc[HPKE_ENC_LEN], ss[32], key[16], nonce[12];
	uint8_t out[MAX_FIELD + HPKE_OVERHEAD];
	uint8_t pt[MAX_FIELD];
	size_t outlen = 0, ptlen = 0;
	(void)state;

	memset(&v, 0, sizeof(v));
	load_vector(&v);

	/* Key derivation: pkEm/pkRm are the public keys of skEm/skRm. */
	assert_int_equal(hpke_public_from_private(v.skEm, pk), WN_OK);
	assert_memory_equal(pk, v.pkEm, HPKE_KEY_LEN);
	assert_int_equal(hpke_public_from_private(v.skRm, pk), WN_OK);
	assert_memory_equal(pk, v.pkRm, HPKE_KEY_LEN);

	/* Key schedule. */
	assert_int_equal(hpke_setup_base_s_with_ephemeral(v.skEm, v.pkRm, v.info,
	                                                  v.infolen, enc, ss,
	                                                  key, nonce),
	                 WN_OK);
	assert_memory_equal(enc, v.enc, HPKE_ENC_LEN);
	assert_memory_equal(ss, v.shared_secret, 32);
	assert_memory_equal(key, v.key, 16);
	assert_memory_equal(nonce, v.base_nonce, 12);
	/* seq 0: the nonce is base_nonce */
	assert_memory_equal(v.nonce, v.base_nonce, 12);

	/* Seal gives exactly enc || ct. */
	assert_int_equal(v.ctlen, v.ptlen + HPKE_TAG_LEN);
	assert_int_equal(hpke_seal_with_ephemeral(v.skEm, v.pkRm, v.info,
	                                          v.infolen, v.aad, v.aadlen,
	                                          v.pt, v.ptlen, out,
	                                          sizeof(out), &outlen),
	                 WN_OK);
	assert_int_equal(outlen, v.ptlen + HPKE_OVERHEAD);
	assert_memory_equal(out, v.enc, HPKE_ENC_LEN);
	assert_memory_equal(out + HPKE_ENC_LEN, v.ct, v.ctlen);

	/* Open with skRm recovers pt. */
	assert_int_equal(hpke_open(v.skRm, v.info, v.infolen, v.aad, v.aadlen,
	                           out, outlen, pt, sizeof(pt), &ptlen),
	                 WN_OK);
	assert_int_equal(ptlen, v.ptlen);
	assert_memory_equal(pt, v.pt, v.ptlen);
}

/* A fresh recipient key pair and one message sealed to it. */
struct sealed {
	uint8_t skR[HPKE_KEY_LEN], pkR[HPKE_KEY_LEN];
	uint8_t out[256];
	size_t outlen;
};

static const uint8_t msg[] = "BSN 123456782: casus overgedragen aan wijkteam";
static const uint8_t msg_aad[] = "envelope-header-v1";
static const uint8_t msg_info[] = "wijknet seal v1";

static void seal_fresh(struct sealed *s)
{
	assert_int_equal(hpke_keypair_generate(s->skR, s->pkR), WN_OK);
	assert_int_equal(hpke_seal(s->pkR, msg_info, sizeof(msg_info), msg_aad,
	                           sizeof(msg_aad), msg, sizeof(msg), s->out,
	                           sizeof(s->out), &s->outlen),
	                 WN_OK);
	assert_int_equal(s->outlen, sizeof(msg) + HPKE_OVERHEAD);
}

/* Opens s->out (possibly altered) with the usual info/aad; returns the code. */
static int open_sealed(const struct sealed *s, const uint8_t *in, size_t inlen)
{
	uint8_t pt[256];
	size_t ptlen = 12345;
	size_t i;
	int rc;

	memset(pt, 0xAA, sizeof(pt));
	rc = hpke_open(s->skR, msg_info, sizeof(msg_info), msg_aad,
	               sizeof(msg_aad), in, inlen, pt, sizeof(pt), &ptlen);
	if (rc != WN_OK) {
		assert_int_equal(ptlen, 0);
		/* no unauthenticated plaintext is left behind */
		for (i = 0; i + sizeof(msg) <= sizeof(pt); i++)
			assert_memory_not_equal(pt + i, msg, sizeof(msg));
	}
	return rc;
}

static void test_hpke_keypair(void **state)
{
	uint8_t sk[HPKE_KEY_LEN], pk[HPKE_KEY_LEN], pk2[HPKE_KEY_LEN];
	uint8_t sk2[HPKE_KEY_LEN], pk3[HPKE_KEY_LEN];
	(void)state;

	assert_int_equal(hpke_keypair_generate(sk, pk), WN_OK);
	assert_int_equal(hpke_public_from_private(sk, pk2), WN_OK);
	assert_memory_equal(pk, pk2, HPKE_KEY_LEN);
	assert_int_equal(hpke_keypair_generate(sk2, pk3), WN_OK);
	assert_memory_not_equal(sk, sk2, HPKE_KEY_LEN);
	assert_memory_not_equal(pk, pk3, HPKE_KEY_LEN);
}

static void test_hpke_round_trip(void **state)
{
	struct sealed s, s2;
	uint8_t pt[256];
	size_t ptlen = 0;
	(void)state;

	seal_fresh(&s);
	assert_int_equal(hpke_open(s.skR, msg_info, sizeof(msg_info), msg_aad,
	                           sizeof(msg_aad), s.out, s.outlen, pt,
	                           sizeof(pt), &ptlen),
	                 WN_OK);
	assert_int_equal(ptlen, sizeof(msg));
	assert_memory_equal(pt, msg, sizeof(msg));

	/* exact-size output buffers are enough */
	assert_int_equal(hpke_open(s.skR, msg_info, sizeof(msg_info), msg_aad,
	                           sizeof(msg_aad), s.out, s.outlen, pt,
	                           sizeof(msg), &ptlen),
	                 WN_OK);

	/* a fresh ephemeral key each time: two seals of the same message differ */
	memcpy(s2.skR, s.skR, HPKE_KEY_LEN);
	assert_int_equal(hpke_seal(s.pkR, msg_info, sizeof(msg_info), msg_aad,
	                           sizeof(msg_aad), msg, sizeof(msg), s2.out,
	                           s.outlen, &s2.outlen),
	                 WN_OK);
	assert_memory_not_equal(s.out, s2.out, HPKE_ENC_LEN);
	assert_int_equal(open_sealed(&s2, s2.out, s2.outlen), WN_OK);
}

static void test_hpke_round_trip_empty(void **state)
{
	uint8_t sk[HPKE_KEY_LEN], pk[HPKE_KEY_LEN];
	uint8_t out[HPKE_OVERHEAD];
	uint8_t pt[1];
	size_t outlen = 0, ptlen = 99;
	(void)state;

	assert_int_equal(hpke_keypair_generate(sk, pk), WN_OK);
	assert_int_equal(hpke_seal(pk, NULL, 0, NULL, 0, NULL, 0, out,
	                           sizeof(out), &outlen),
	                 WN_OK);
	assert_int_equal(outlen, HPKE_OVERHEAD);
	assert_int_equal(hpke_open(sk, NULL, 0, NULL, 0, out, outlen, NULL, 0,
	                           &ptlen),
	                 WN_OK);
	assert_int_equal(ptlen, 0);
	assert_int_equal(hpke_open(sk, NULL, 0, NULL, 0, out, outlen, pt,
	                           sizeof(pt), &ptlen),
	                 WN_OK);
	/* the empty message still authenticates its tag */
	out[HPKE_OVERHEAD - 1] ^= 0x01;
	assert_int_equal(hpke_open(sk, NULL, 0, NULL, 0, out, outlen, NULL, 0,
	                           &ptlen),
	                 WN_ESEAL);
}

static void test_r20_integrity_hpke_wrong_private_key(void **state)
{
	struct sealed s;
	uint8_t pk[HPKE_KEY_LEN];
	(void)state;

	seal_fresh(&s);
	assert_int_equal(hpke_keypair_generate(s.skR, pk), WN_OK);
	assert_int_equal(open_sealed(&s, s.out, s.outlen), WN_ESEAL);
}

static void test_r20_integrity_hpke_tampered_ct(void **state)
{
	struct sealed s;
	size_t i;
	(void)state;

	seal_fresh(&s);
	for (i = HPKE_ENC_LEN; i < HPKE_ENC_LEN + sizeof(msg); i++) {
		s.out[i] ^= 0x01;
		assert_int_equal(open_sealed(&s, s.out, s.outlen), WN_ESEAL);
		s.out[i] ^= 0x01;
	}
	assert_int_equal(open_sealed(&s, s.out, s.outlen), WN_OK);
}

static void test_r20_integrity_hpke_tampered_enc(void **state)
{
	struct sealed s;
	size_t i;
	(void)state;

	seal_fresh(&s);
	for (i = 0; i < HPKE_ENC_LEN; i++) {
		s.out[i] ^= 0x20;
		assert_int_equal(open_sealed(&s, s.out, s.outlen), WN_ESEAL);
		s.out[i] ^= 0x20;
	}
	assert_int_equal(open_sealed(&s, s.out, s.outlen), WN_OK);
}

static void test_r20_integrity_hpke_tampered_tag(void **state)
{
	struct sealed s;
	size_t i;
	(void)state;

	seal_fresh(&s);
	for (i = s.outlen - HPKE_TAG_LEN; i < s.outlen; i++) {
		s.out[i] ^= 0x80;
		assert_int_equal(open_sealed(&s, s.out, s.outlen), WN_ESEAL);
		s.out[i] ^= 0x80;
	}
	assert_int_equal(open_sealed(&s, s.out, s.outlen), WN_OK);
}

static void test_r20_integrity_hpke_wrong_aad(void **state)
{
	struct sealed s;
	static const uint8_t other_aad[] = "envelope-header-v2";
	uint8_t pt[256];
	size_t ptlen = 0;
	(void)state;

	seal_fresh(&s);
	assert_int_equal(hpke_open(s.skR, msg_info, sizeof(msg_info), other_aad,
	                           sizeof(other_aad), s.out, s.outlen, pt,
	                           sizeof(pt), &ptlen),
	                 WN_ESEAL);
	assert_int_equal(hpke_open(s.skR, msg_info, sizeof(msg_info), NULL, 0,
	                           s.out, s.outlen, pt, sizeof(pt), &ptlen),
	                 WN_ESEAL);
	assert_int_equal(hpke_open(s.skR, msg_info, sizeof(msg_info), msg_aad,
	                           sizeof(msg_aad) - 1, s.out, s.outlen, pt,
	                           sizeof(pt), &ptlen),
	                 WN_ESEAL);
	assert_int_equal(ptlen, 0);
}

static void test_r20_integrity_hpke_wrong_info(void **state)
{
	struct sealed s;
	static const uint8_t other_info[] = "wijknet seal v2";
	uint8_t pt[256];
	size_t ptlen = 0;
	(void)state;

	seal_fresh(&s);
	assert_int_equal(hpke_open(s.skR, other_info, sizeof(other_info),
	                           msg_aad, sizeof(msg_aad), s.out, s.outlen,
	                           pt, sizeof(pt), &ptlen),
	                 WN_ESEAL);
	assert_int_equal(hpke_open(s.skR, NULL, 0, msg_aad, sizeof(msg_aad),
	                           s.out, s.outlen, pt, sizeof(pt), &ptlen),
	                 WN_ESEAL);
	assert_int_equal(ptlen, 0);
}

static void test_r20_integrity_hpke_truncated(void **state)
{
	struct sealed s;
	size_t n;
	(void)state;

	seal_fresh(&s);
	for (n = 0; n < s.outlen; n++)
		assert_int_equal(open_sealed(&s, s.out, n), WN_ESEAL);
	/* dropping leading bytes shifts enc: also refused */
	assert_int_equal(open_sealed(&s, s.out + 1, s.outlen - 1), WN_ESEAL);
	assert_int_equal(open_sealed(&s, s.out, s.outlen), WN_OK);
}

static void test_r20_integrity_hpke_low_order_points(void **state)
{
	struct sealed s;
	uint8_t zero[HPKE_KEY_LEN];
	uint8_t one[HPKE_KEY_LEN];
	uint8_t out[sizeof(msg) + HPKE_OVERHEAD];
	size_t outlen = 7;
	(void)state;

	memset(zero, 0, sizeof(zero));
	memset(one, 0, sizeof(one));
	one[0] = 1; /* u = 1, a low-order point: all-zero shared secret */

	/* sealing to a low-order public key is refused */
	assert_int_equal(hpke_seal(zero, NULL, 0, NULL, 0, msg, sizeof(msg),
	                           out, sizeof(out), &outlen),
	                 WN_ECRYPTO);
	assert_int_equal(outlen, 0);
	assert_int_equal(hpke_seal(one, NULL, 0, NULL, 0, msg, sizeof(msg), out,
	                           sizeof(out), &outlen),
	                 WN_ECRYPTO);

	/* a low-order enc on the wire does not open */
	seal_fresh(&s);
	memcpy(s.out, zero, HPKE_ENC_LEN);
	assert_int_equal(open_sealed(&s, s.out, s.outlen), WN_ESEAL);
	memcpy(s.out, one, HPKE_ENC_LEN);
	assert_int_equal(open_sealed(&s, s.out, s.outlen), WN_ESEAL);
}

static void test_hpke_buffer_too_small(void **state)
{
	struct sealed s;
	uint8_t out[256];
	uint8_t pt[256];
	size_t outlen = 5, ptlen = 5;
	(void)state;

	seal_fresh(&s);
	assert_int_equal(hpke_seal(s.pkR, NULL, 0, NULL, 0, msg, sizeof(msg),
	                           out, sizeof(msg) + HPKE_OVERHEAD - 1, &outlen),
	                 WN_ETOOBIG);
	assert_int_equal(outlen, 0);
	assert_int_equal(hpke_seal(s.pkR, NULL, 0, NULL, 0, msg, sizeof(msg),
	                           out, 0, &outlen),
	                 WN_ETOOBIG);
	assert_int_equal(hpke_seal_with_ephemeral(s.skR, s.pkR, NULL, 0, NULL,
	                                          0, msg, sizeof(msg), out,
	                                          HPKE_OVERHEAD, &outlen),
	                 WN_ETOOBIG);
	assert_int_equal(hpke_open(s.skR, msg_info, sizeof(msg_info), msg_aad,
	                           sizeof(msg_aad), s.out, s.outlen, pt,
	                           sizeof(msg) - 1, &ptlen),
	                 WN_ETOOBIG);
	assert_int_equal(ptlen, 0);
	assert_int_equal(hpke_open(s.skR, msg_info, sizeof(msg_info), msg_aad,
	                           sizeof(msg_aad), s.out, s.outlen, pt, 0,
	                           &ptlen),
	                 WN_ETOOBIG);
}

static void test_hpke_null_args(void **state)
{
	uint8_t sk[HPKE_KEY_LEN], pk[HPKE_KEY_LEN];
	uint8_t enc[HPKE_ENC_LEN], ss[32], key[16], nonce[12];
	uint8_t out[128], pt[128];
	size_t outlen = 0, ptlen = 0;
	(void)state;

	assert_int_equal(hpke_keypair_generate(NULL, pk), WN_EINVAL);
	assert_int_equal(hpke_keypair_generate(sk, NULL), WN_EINVAL);
	assert_int_equal(hpke_keypair_generate(sk, pk), WN_OK);
	assert_int_equal(hpke_public_from_private(NULL, pk), WN_EINVAL);
	assert_int_equal(hpke_public_from_private(sk, NULL), WN_EINVAL);

	/* seal */
	assert_int_equal(hpke_seal(NULL, NULL, 0, NULL, 0, msg, sizeof(msg), out,
	                           sizeof(out), &outlen),
	                 WN_EINVAL);
	assert_int_equal(hpke_seal(pk, NULL, 1, NULL, 0, msg, sizeof(msg), out,
	                           sizeof(out), &outlen),
	                 WN_EINVAL);
	assert_int_equal(hpke_seal(pk, NULL, 0, NULL, 1, msg, sizeof(msg), out,
	                           sizeof(out), &outlen),
	                 WN_EINVAL);
	assert_int_equal(hpke_seal(pk, NULL, 0, NULL, 0, NULL, 1, out,
	                           sizeof(out), &outlen),
	                 WN_EINVAL);
	assert_int_equal(hpke_seal(pk, NULL, 0, NULL, 0, msg, sizeof(msg), NULL,
	                           sizeof(out), &outlen),
	                 WN_EINVAL);
	assert_int_equal(hpke_seal(pk, NULL, 0, NULL, 0, msg, sizeof(msg), out,
	                           sizeof(out), NULL),
	                 WN_EINVAL);
	assert_int_equal(hpke_seal_with_ephemeral(NULL, pk, NULL, 0, NULL, 0,
	                                          msg, sizeof(msg), out,
	                                          sizeof(out), &outlen),
	                 WN_EINVAL);
	assert_int_equal(hpke_seal_with_ephemeral(sk, NULL, NULL, 0, NULL, 0,
	                                          msg, sizeof(msg), out,
	                                          sizeof(out), &outlen),
	                 WN_EINVAL);

	/* open */
	assert_int_equal(hpke_seal(pk, NULL, 0, NULL, 0, msg, sizeof(msg), out,
	                           sizeof(out), &outlen),
	                 WN_OK);
	assert_int_equal(hpke_open(NULL, NULL, 0, NULL, 0, out, outlen, pt,
	                           sizeof(pt), &ptlen),
	                 WN_EINVAL);
	assert_int_equal(hpke_open(sk, NULL, 1, NULL, 0, out, outlen, pt,
	                           sizeof(pt), &ptlen),
	                 WN_EINVAL);
	assert_int_equal(hpke_open(sk, NULL, 0, NULL, 1, out, outlen, pt,
	                           sizeof(pt), &ptlen),
	                 WN_EINVAL);
	assert_int_equal(hpke_open(sk, NULL, 0, NULL, 0, NULL, outlen, pt,
	                           sizeof(pt), &ptlen),
	                 WN_EINVAL);
	assert_int_equal(hpke_open(sk, NULL, 0, NULL, 0, out, outlen, NULL,
	                           sizeof(pt), &ptlen),
	                 WN_EINVAL);
	assert_int_equal(hpke_open(sk, NULL, 0, NULL, 0, out, outlen, pt,
	                           sizeof(pt), NULL),
	                 WN_EINVAL);
	assert_int_equal(hpke_open(sk, NULL, 0, NULL, 0, out, outlen, pt,
	                           sizeof(pt), &ptlen),
	                 WN_OK);

	/* setup */
	assert_int_equal(hpke_setup_base_s_with_ephemeral(NULL, pk, NULL, 0, enc,
	                                                  ss, key, nonce),
	                 WN_EINVAL);
	assert_int_equal(hpke_setup_base_s_with_ephemeral(sk, NULL, NULL, 0, enc,
	                                                  ss, key, nonce),
	                 WN_EINVAL);
	assert_int_equal(hpke_setup_base_s_with_ephemeral(sk, pk, NULL, 1, enc,
	                                                  ss, key, nonce),
	                 WN_EINVAL);
	assert_int_equal(hpke_setup_base_s_with_ephemeral(sk, pk, NULL, 0, NULL,
	                                                  ss, key, nonce),
	                 WN_EINVAL);
	assert_int_equal(hpke_setup_base_s_with_ephemeral(sk, pk, NULL, 0, enc,
	                                                  NULL, key, nonce),
	                 WN_EINVAL);
	assert_int_equal(hpke_setup_base_s_with_ephemeral(sk, pk, NULL, 0, enc,
	                                                  ss, NULL, nonce),
	                 WN_EINVAL);
	assert_int_equal(hpke_setup_base_s_with_ephemeral(sk, pk, NULL, 0, enc,
	                                                  ss, key, NULL),
	                 WN_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hpke_rfc9180_a1_1),
		cmocka_unit_test(test_hpke_keypair),
		cmocka_unit_test(test_hpke_round_trip),
		cmocka_unit_test(test_hpke_round_trip_empty),
		cmocka_unit_test(test_r20_integrity_hpke_wrong_private_key),
		cmocka_unit_test(test_r20_integrity_hpke_tampered_ct),
		cmocka_unit_test(test_r20_integrity_hpke_tampered_enc),
		cmocka_unit_test(test_r20_integrity_hpke_tampered_tag),
		cmocka_unit_test(test_r20_integrity_hpke_wrong_aad),
		cmocka_unit_test(test_r20_integrity_hpke_wrong_info),
		cmocka_unit_test(test_r20_integrity_hpke_truncated),
		cmocka_unit_test(test_r20_integrity_hpke_low_order_points),
		cmocka_unit_test(test_hpke_buffer_too_small),
		cmocka_unit_test(test_hpke_null_args),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
