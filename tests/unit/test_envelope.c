/*
 * test_envelope.c — unit tests for the envelope codec and what it is built
 * on: canonical JSON (canon.h), the strict header schema (schema.h), ECDSA
 * signatures and broker receipts (envelope.h, pki.h), HPKE sealing with the
 * routing header as additional data, sealing-key bindings (sealkey.h) and
 * the hex/base64 codecs (encoding.h).
 *
 * Keys and self-signed P-256 certificates are generated in memory; X25519
 * sealing keys come from hpke_keypair_generate. Nothing touches the disk.
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
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "wijknet.h"
#include "canon.h"
#include "encoding.h"
#include "envelope.h"
#include "hpke.h"
#include "ids.h"
#include "harness.h"
#include "pki.h"
#include "schema.h"
#include "sealkey.h"

/* ---- fixtures ------------------------------------------------------- */

struct ident {
	EVP_PKEY *key;
	X509 *cert;
};

struct fixture {
	struct ident alcander, bartok, broker;
	uint8_t sk_a[HPKE_KEY_LEN], pk_a[HPKE_KEY_LEN];
	uint8_t sk_b[HPKE_KEY_LEN], pk_b[HPKE_KEY_LEN];
};

static struct fixture fx;

static int make_ident(const char *cn, struct ident *out)
{
	return harness_make_ident(cn, &out->key, &out->cert);
}

static void free_ident(struct ident *id)
{
	EVP_PKEY_free(id->key);
	X509_free(id->cert);
	id->key = NULL;
	id->cert = NULL;
}

static int group_setup(void **state)
{
	(void)state;
	memset(&fx, 0, sizeof(fx));
	if (make_ident("alcander", &fx.alcander) != 0 || make_ident("bartok", &fx.bartok) != 0 ||
	    make_ident("broker", &fx.broker) != 0)
		return -1;
	if (hpke_keypair_generate(fx.sk_a, fx.pk_a) != 0 ||
	    hpke_keypair_generate(fx.sk_b, fx.pk_b) != 0)
		return -1;
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	free_ident(&fx.alcander);
	free_ident(&fx.bartok);
	free_ident(&fx.broker);
	return 0;
}

/* ---- helpers -------------------------------------------------------- */

/* A signed "request" from alcander to bartok with a small plain body. */
static json_t *signed_request(void)
{
	json_t *env = NULL;
	assert_int_equal(envelope_new1(&env, "request", "alcander", "bartok"), 0);
	assert_non_null(env);
	assert_int_equal(envelope_set_str(env, "purpose", "care.coordination"), 0);
	json_object_set_new(env, "body", json_pack("{s:s,s:i}", "note", "hello", "n", 7));
	assert_int_equal(envelope_sign(env, fx.alcander.key), 0);
	return env;
}

/* Canonical text of v (test-owned). */
static char *canon(const json_t *v)
{
	char *s = NULL;
	size_t len = 0;
	assert_int_equal(canon_dump(v, &s, &len), 0);
	assert_non_null(s);
	assert_int_equal(len, strlen(s));
	return s;
}

/* An unsigned but schema-valid envelope as a JSON object (test-owned). */
static json_t *valid_header(void)
{
	json_t *env = NULL;
	assert_int_equal(envelope_new1(&env, "health", "alcander", "broker"), 0);
	return env;
}

/* Parses the JSON text of env after mutate() and expects code/needle. */
static void expect_parse_obj(json_t *env, int code, const char *needle)
{
	char *text = json_dumps(env, JSON_COMPACT);
	char err[256] = "";
	json_t *out = NULL;
	assert_non_null(text);
	int rc = envelope_parse(text, strlen(text), &out, err, sizeof(err));
	if (rc != code || strstr(err, needle) == NULL)
		print_error("input %s\n  rc %d (%s), err \"%s\"; want %d containing \"%s\"\n", text,
			    rc, wn_errname(rc), err, code, needle);
	free(text);
	assert_int_equal(rc, code);
	assert_null(out);
	assert_non_null(strstr(err, needle));
}

static void expect_parse_text(const char *text, int code, const char *needle)
{
	char err[256] = "";
	json_t *out = NULL;
	int rc = envelope_parse(text, strlen(text), &out, err, sizeof(err));
	if (rc != code || strstr(err, needle) == NULL)
		print_error("input %s\n  rc %d (%s), err \"%s\"; want %d containing \"%s\"\n", text,
			    rc, wn_errname(rc), err, code, needle);
	assert_int_equal(rc, code);
	assert_null(out);
	assert_non_null(strstr(err, needle));
}

/* ---- canonical form -------------------------------------------------- */

static void test_canon_sorted_compact(void **state)
{
	(void)state;
	json_error_t jerr;
	json_t *a = json_loads("{ \"b\" : 1,\n  \"a\" : { \"d\" : [ 1, 2 ], \"c\" : \"x\" } }", 0,
			       &jerr);
	json_t *b = json_loads("{\"a\":{\"c\":\"x\",\"d\":[1,2]},\"b\":1}", 0, &jerr);
	assert_non_null(a);
	assert_non_null(b);
	char *sa = canon(a), *sb = canon(b);
	assert_string_equal(sa, "{\"a\":{\"c\":\"x\",\"d\":[1,2]},\"b\":1}");
	assert_string_equal(sa, sb);
	free(sa);
	free(sb);
	json_decref(a);
	json_decref(b);
}

static void test_canon_ascii_escapes(void **state)
{
	(void)state;
	json_t *v = json_pack("{s:s}", "naam", "Zo\xc3\xab"); /* "Zoë" in UTF-8 */
	char *s = canon(v);
	/* jansson writes \uXXXX with uppercase hex digits */
	assert_string_equal(s, "{\"naam\":\"Zo\\u00EB\"}");
	/* the same string received escaped (lowercase) has the same form */
	json_error_t jerr;
	json_t *w = json_loads("{\"naam\":\"Zo\\u00eb\"}", 0, &jerr);
	assert_non_null(w);
	char *t = canon(w);
	assert_string_equal(s, t);
	free(t);
	json_decref(w);
	free(s);
	json_decref(v);
}

/* The canonical text is exactly what jansson writes with sorted keys,
 * compact, ASCII-only: signatures made by either agree. */
static void test_canon_matches_jansson(void **state)
{
	(void)state;
	static const char *const texts[] = {
		"{}", "[]", "\"\"", "0", "-9223372036854775807", "true", "false", "null",
		"{\"b\":1,\"a\":[true,false,null,\"x\"],\"ab\":{\"z\":{},\"y\":[]}}",
		"{\"s\":\"quote \\\" backslash \\\\ slash / tab \\t nl \\n cr \\r bs \\b ff \\f\"}",
		"{\"c\":\"\\u0001\\u001f\\u007f \\u0080 \\u00e9t\\u00e9 \\u20ac \\ud83d\\ude00\"}",
		"{\"\\u00e9\":1,\"e\":2,\"E\":3,\"\":4,\"ee\":5}",
		"[[[[1]]],{\"k\":[{\"k\":\"v\"}]}]",
		"\"cliënt ☃ 𝄞\"",
	};
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		json_error_t jerr;
		json_t *v = json_loads(texts[i], JSON_DECODE_ANY, &jerr);
		if (v == NULL)
			print_error("cannot parse %s: %s\n", texts[i], jerr.text);
		assert_non_null(v);
		char *want = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII |
					       JSON_ENCODE_ANY);
		char *got = canon(v);
		if (strcmp(want, got) != 0)
			print_error("canon: %s\n jansson: %s\n", got, want);
		assert_string_equal(got, want);
		free(want);
		free(got);
		json_decref(v);
	}
	/* top-level members left out, as if deleted from a copy */
	json_t *env = json_pack("{s:s,s:s,s:{s:s}}", "sig", "x", "id", "1", "receipt", "sig", "y");
	const char *const drop[] = { "sig", "receipt", NULL };
	char *s = NULL;
	size_t len = 0;
	assert_int_equal(canon_dump_without(env, drop, &s, &len), 0);
	assert_string_equal(s, "{\"id\":\"1\"}");
	assert_int_equal(len, strlen(s));
	free(s);
	json_decref(env);
}

static void test_canon_refuses_reals(void **state)
{
	(void)state;
	char *s = NULL;
	size_t len = 0;
	json_t *top = json_pack("{s:f}", "x", 1.5);
	json_t *nested = json_pack("{s:{s:[i,f]}}", "a", "b", 1, 0.25);
	assert_int_equal(canon_dump(top, &s, &len), WN_ESCHEMA);
	assert_null(s);
	assert_int_equal(canon_dump(nested, &s, &len), WN_ESCHEMA);
	assert_null(s);
	json_decref(top);
	json_decref(nested);
	/* and integers are fine */
	json_t *ints = json_pack("{s:[i,I]}", "a", -3, (json_int_t)1 << 40);
	s = canon(ints);
	assert_string_equal(s, "{\"a\":[-3,1099511627776]}");
	free(s);
	json_decref(ints);
}

/* ---- signing (r20_integrity) ---------------------------------------- */

static void test_r20_integrity_envelope_round_trip(void **state)
{
	(void)state;
	json_t *env = signed_request();
	char *wire = NULL, err[256] = "";
	size_t len = 0;
	assert_int_equal(envelope_encode(env, &wire, &len), 0);
	assert_int_equal(len, strlen(wire));
	json_t *back = NULL;
	assert_int_equal(envelope_parse(wire, len, &back, err, sizeof(err)), 0);
	assert_non_null(back);
	assert_true(json_equal(env, back));
	assert_int_equal(envelope_verify(back, fx.alcander.cert), 0);
	assert_int_equal(id_validate(envelope_str(back, "id")), 0);
	assert_string_equal(envelope_str(back, "type"), "request");
	assert_string_equal(envelope_str(back, "from"), "alcander");
	assert_true(envelope_addressed_to(back, "bartok"));
	assert_false(envelope_addressed_to(back, "alcander"));
	int64_t dt = time_now_ms() - envelope_ts(back);
	assert_true(dt >= 0 && dt < 60000);
	assert_string_equal(json_string_value(json_object_get(envelope_body(back), "note")),
			    "hello");
	/* the canonical form is stable: re-encoding gives the same bytes */
	char *wire2 = NULL;
	size_t len2 = 0;
	assert_int_equal(envelope_encode(back, &wire2, &len2), 0);
	assert_int_equal(len, len2);
	assert_memory_equal(wire, wire2, len);
	free(wire);
	free(wire2);
	json_decref(back);
	json_decref(env);
}

/* The signature covers meaning: an indented, unsorted rendering verifies. */
static void test_r20_integrity_envelope_whitespace_irrelevant(void **state)
{
	(void)state;
	json_t *env = signed_request();
	char *pretty = json_dumps(env, JSON_INDENT(4));
	char err[256] = "";
	json_t *back = NULL;
	assert_non_null(pretty);
	assert_int_equal(envelope_parse(pretty, strlen(pretty), &back, err, sizeof(err)), 0);
	assert_int_equal(envelope_verify(back, fx.alcander.cert), 0);
	free(pretty);
	json_decref(back);
	json_decref(env);
}

static void test_r20_integrity_envelope_other_cert(void **state)
{
	(void)state;
	json_t *env = signed_request();
	assert_int_equal(envelope_verify(env, fx.bartok.cert), WN_ESIG);
	assert_int_equal(envelope_verify(env, fx.broker.cert), WN_ESIG);
	assert_int_equal(envelope_verify(env, NULL), WN_ESIG);
	json_decref(env);
}

static void test_r20_integrity_envelope_missing_or_garbled_sig(void **state)
{
	(void)state;
	json_t *env = signed_request();
	json_t *nosig = json_deep_copy(env);
	json_object_del(nosig, "sig");
	assert_int_equal(envelope_verify(nosig, fx.alcander.cert), WN_ESIG);
	json_object_set_new(nosig, "sig", json_string("not base64!"));
	assert_int_equal(envelope_verify(nosig, fx.alcander.cert), WN_ESIG);
	json_object_set_new(nosig, "sig", json_string("AAAA"));
	assert_int_equal(envelope_verify(nosig, fx.alcander.cert), WN_ESIG);
	json_decref(nosig);
	json_decref(env);
}

/* ECDSA signatures are malleable: (r, n - s) verifies as well as (r, s).
 * Signatures are made low-S and a high-S one is refused, so an envelope has
 * one valid signature and one hash for receipts to bind; and every
 * signature has one length, so sizes say nothing. */
static void test_r20_integrity_signature_low_s_only(void **state)
{
	(void)state;
	static const char order_hex[] =
		"FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551";
	for (int round = 0; round < 16; round++) {
		json_t *env = signed_request();
		const char *b64 = json_string_value(json_object_get(env, "sig"));
		uint8_t *sig = NULL;
		size_t len = 0;
		assert_int_equal(strlen(b64), 88);
		assert_int_equal(b64_decode(b64, 64, &sig, &len), 0);
		assert_int_equal(len, PKI_SIG_LEN);
		BIGNUM *n = NULL, *s = BN_bin2bn(sig + 32, 32, NULL), *hi = BN_new();
		assert_true(BN_hex2bn(&n, order_hex) > 0);
		assert_int_equal(BN_sub(hi, n, s), 1);
		assert_int_equal(BN_bn2binpad(hi, sig + 32, 32), 32);
		char *flipped = NULL;
		assert_int_equal(b64_encode(sig, len, &flipped), 0);
		json_t *copy = json_deep_copy(env);
		json_object_set_new(copy, "sig", json_string(flipped));
		assert_int_equal(envelope_verify(env, fx.alcander.cert), 0);
		assert_int_equal(envelope_verify(copy, fx.alcander.cert), WN_ESIG);
		BN_free(n);
		BN_free(s);
		BN_free(hi);
		free(flipped);
		free(sig);
		json_decref(copy);
		json_decref(env);
	}
}

/* Applies one change to a copy of a signed envelope and expects WN_ESIG. */
static void expect_sig_broken(const json_t *env, const char *what, json_t *value)
{
	json_t *copy = json_deep_copy(env);
	assert_int_equal(envelope_verify(copy, fx.alcander.cert), 0);
	json_object_set_new(copy, what, value);
	int rc = envelope_verify(copy, fx.alcander.cert);
	if (rc != WN_ESIG)
		print_error("changing '%s' gave %d\n", what, rc);
	assert_int_equal(rc, WN_ESIG);
	json_decref(copy);
}

static void test_r20_integrity_envelope_tampered_ts(void **state)
{
	(void)state;
	json_t *env = signed_request();
	expect_sig_broken(env, "ts", json_integer(envelope_ts(env) + 1));
	json_decref(env);
}

static void test_r20_integrity_envelope_tampered_to(void **state)
{
	(void)state;
	json_t *env = signed_request();
	expect_sig_broken(env, "to", json_pack("[s]", "mallory"));
	expect_sig_broken(env, "to", json_pack("[s,s]", "bartok", "mallory"));
	json_decref(env);
}

static void test_r20_integrity_envelope_tampered_type(void **state)
{
	(void)state;
	json_t *env = signed_request();
	expect_sig_broken(env, "type", json_string("lookup"));
	json_decref(env);
}

static void test_r20_integrity_envelope_tampered_body(void **state)
{
	(void)state;
	json_t *env = signed_request();
	expect_sig_broken(env, "body", json_pack("{s:s,s:i}", "note", "hello", "n", 8));
	expect_sig_broken(env, "body", json_pack("{s:s,s:i,s:b}", "note", "hello", "n", 7, "x", 1));
	/* in-place edit of the nested body */
	json_t *copy = json_deep_copy(env);
	json_object_set_new(envelope_body(copy), "note", json_string("hellO"));
	assert_int_equal(envelope_verify(copy, fx.alcander.cert), WN_ESIG);
	json_decref(copy);
	json_decref(env);
}

static void test_r20_integrity_envelope_tampered_other_headers(void **state)
{
	(void)state;
	json_t *env = signed_request();
	expect_sig_broken(env, "from", json_string("bartok"));
	expect_sig_broken(env, "purpose", json_string("care.other"));
	expect_sig_broken(env, "id", json_string("00000000000000000000000000000000"));
	expect_sig_broken(env, "case", json_string("c-1")); /* added field */
	json_decref(env);
}

/* ---- parse errors ---------------------------------------------------- */

static void test_envelope_parse_valid_minimal(void **state)
{
	(void)state;
	json_t *env = valid_header();
	char *text = json_dumps(env, JSON_COMPACT);
	char err[256] = "";
	json_t *out = NULL;
	assert_int_equal(envelope_parse(text, strlen(text), &out, err, sizeof(err)), 0);
	assert_true(json_equal(out, env));
	free(text);
	json_decref(out);
	json_decref(env);
}

static void test_envelope_parse_malformed_json(void **state)
{
	(void)state;
	expect_parse_text("{\"v\":1,", WN_EJSON, "malformed JSON");
	expect_parse_text("", WN_EJSON, "malformed JSON");
	expect_parse_text("{\"v\":1}}", WN_EJSON, "malformed JSON");
}

static void test_envelope_parse_duplicate_keys(void **state)
{
	(void)state;
	json_t *env = valid_header();
	char *text = json_dumps(env, JSON_COMPACT);
	/* insert a second "type" right after the opening brace */
	size_t n = strlen(text);
	char *dup = malloc(n + 32);
	assert_non_null(dup);
	snprintf(dup, n + 32, "{\"type\":\"ok\",%s", text + 1);
	expect_parse_text(dup, WN_EJSON, "malformed JSON");
	free(dup);
	free(text);
	json_decref(env);
}

static void test_envelope_parse_unknown_field(void **state)
{
	(void)state;
	json_t *env = valid_header();
	json_object_set_new(env, "extra", json_integer(1));
	expect_parse_obj(env, WN_ESCHEMA, "unknown field 'extra'");
	json_decref(env);
}

static void test_envelope_parse_missing_id(void **state)
{
	(void)state;
	json_t *env = valid_header();
	json_object_del(env, "id");
	expect_parse_obj(env, WN_ESCHEMA, "missing field 'id'");
	json_decref(env);
	env = valid_header();
	json_object_del(env, "to");
	expect_parse_obj(env, WN_ESCHEMA, "missing field 'to'");
	json_decref(env);
}

static void test_envelope_parse_wrong_type(void **state)
{
	(void)state;
	json_t *env = valid_header();
	json_object_set_new(env, "ts", json_string("1700000000000"));
	expect_parse_obj(env, WN_ESCHEMA, "field 'ts': expected an integer");
	json_object_set_new(env, "ts", json_real(1.0));
	expect_parse_obj(env, WN_ESCHEMA, "field 'ts': expected an integer");
	json_decref(env);
	env = valid_header();
	json_object_set_new(env, "to", json_string("bartok"));
	expect_parse_obj(env, WN_ESCHEMA, "field 'to': expected an array");
	json_decref(env);
	json_t *arr = json_array();
	expect_parse_obj(arr, WN_ESCHEMA, "expected an object");
	json_decref(arr);
}

static void test_envelope_parse_bad_id(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"0123456789abcdef0123456789abcde",   /* 31 digits */
		"0123456789ABCDEF0123456789ABCDEF",  /* uppercase */
		"0123456789abcdef0123456789abcdeg",  /* not hex */
		"",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_t *env = valid_header();
		json_object_set_new(env, "id", json_string(bad[i]));
		expect_parse_obj(env, WN_ESCHEMA, "field 'id'");
		json_decref(env);
	}
	/* 33 digits is over the field's size limit */
	json_t *env = valid_header();
	json_object_set_new(env, "id", json_string("0123456789abcdef0123456789abcdef0"));
	expect_parse_obj(env, WN_ETOOBIG, "field 'id'");
	json_decref(env);
	/* "re" is an id too */
	env = valid_header();
	json_object_set_new(env, "re", json_string("XYZ"));
	expect_parse_obj(env, WN_ESCHEMA, "field 're'");
	json_decref(env);
}

static void test_envelope_parse_unknown_type(void **state)
{
	(void)state;
	json_t *env = valid_header();
	json_object_set_new(env, "type", json_string("bogus"));
	expect_parse_obj(env, WN_ESCHEMA, "field 'type'");
	json_decref(env);
}

static void test_envelope_parse_bad_from(void **state)
{
	(void)state;
	static const char *const bad[] = { "Alcander", "1alcander", "alc ander", "" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_t *env = valid_header();
		json_object_set_new(env, "from", json_string(bad[i]));
		expect_parse_obj(env, WN_ESCHEMA, "field 'from'");
		json_decref(env);
	}
}

/* r16: a message names its acting professional; blanks name nobody. */
static void test_r16_actor_blank_refused(void **state)
{
	(void)state;
	static const char *const blank[][2] = { { "", "" },       { "mw-17", "" },
						{ "  ", "consulent" }, { "mw-17", "\xc2\xa0" } };
	for (size_t i = 0; i < sizeof(blank) / sizeof(blank[0]); i++) {
		json_t *env = valid_header();
		json_object_set_new(env, "actor", json_pack("{s:s,s:s}", "id", blank[i][0], "role",
							   blank[i][1]));
		expect_parse_obj(env, WN_ESCHEMA, "field 'actor'");
		json_decref(env);
	}
	json_t *env = valid_header();
	json_object_set_new(env, "actor", json_pack("{s:s,s:s}", "id", "mw-17", "role", "consulent"));
	char *text = json_dumps(env, JSON_COMPACT);
	char err[256] = "";
	json_t *out = NULL;
	assert_int_equal(envelope_parse(text, strlen(text), &out, err, sizeof(err)), 0);
	free(text);
	json_decref(out);
	json_decref(env);
}

static void test_envelope_parse_bad_to(void **state)
{
	(void)state;
	json_t *env = valid_header();
	json_object_set_new(env, "to", json_array());
	expect_parse_obj(env, WN_ESCHEMA, "field 'to'");
	json_object_set_new(env, "to", json_pack("[s,i]", "bartok", 3));
	expect_parse_obj(env, WN_ESCHEMA, "field 'to'");
	json_object_set_new(env, "to", json_pack("[s,s]", "bartok", "Not-An-Id"));
	expect_parse_obj(env, WN_ESCHEMA, "field 'to'");
	json_decref(env);
}

static void test_envelope_parse_too_many_recipients(void **state)
{
	(void)state;
	json_t *env = valid_header();
	json_t *to = json_array();
	char name[16];
	for (int i = 0; i < ENVELOPE_MAX_TO; i++) {
		snprintf(name, sizeof(name), "p%d", i);
		json_array_append_new(to, json_string(name));
	}
	json_object_set(env, "to", to);
	/* exactly the maximum is accepted */
	char *text = json_dumps(env, JSON_COMPACT);
	char err[256] = "";
	json_t *out = NULL;
	assert_int_equal(envelope_parse(text, strlen(text), &out, err, sizeof(err)), 0);
	json_decref(out);
	free(text);
	json_array_append_new(to, json_string("one-too-many"));
	expect_parse_obj(env, WN_ETOOBIG, "field 'to'");
	json_decref(to);
	json_decref(env);

	/* envelope_new refuses it too */
	const char *many[ENVELOPE_MAX_TO + 1];
	for (size_t i = 0; i <= ENVELOPE_MAX_TO; i++)
		many[i] = "bartok";
	env = NULL;
	assert_int_equal(envelope_new(&env, "request", "alcander", many, ENVELOPE_MAX_TO + 1),
			 WN_EINVAL);
	assert_null(env);
}

static void test_envelope_parse_buffer_too_big(void **state)
{
	(void)state;
	size_t n = ENVELOPE_MAX_BYTES + 1;
	char *buf = malloc(n);
	assert_non_null(buf);
	memset(buf, ' ', n);
	buf[0] = '{';
	buf[n - 1] = '}';
	char err[256] = "";
	json_t *out = NULL;
	assert_int_equal(envelope_parse(buf, n, &out, err, sizeof(err)), WN_ETOOBIG);
	assert_null(out);
	assert_non_null(strstr(err, "exceeds the limit"));
	/* one byte less gets past the size check (and is then an empty object) */
	assert_int_equal(envelope_parse(buf + 1, n - 1, &out, err, sizeof(err)), WN_EJSON);
	buf[1] = '{';
	assert_int_equal(envelope_parse(buf + 1, n - 1, &out, err, sizeof(err)), WN_ESCHEMA);
	assert_null(out);
	free(buf);
}

static void test_envelope_parse_bad_actor(void **state)
{
	(void)state;
	json_t *env = valid_header();
	json_object_set_new(env, "actor", json_pack("{s:s,s:s}", "id", "w-17", "role", "nurse"));
	char *text = json_dumps(env, JSON_COMPACT);
	char err[256] = "";
	json_t *out = NULL;
	assert_int_equal(envelope_parse(text, strlen(text), &out, err, sizeof(err)), 0);
	json_decref(out);
	free(text);
	json_object_set_new(env, "actor",
			    json_pack("{s:s,s:s,s:s}", "id", "w-17", "role", "nurse", "bsn", "x"));
	expect_parse_obj(env, WN_ESCHEMA, "unknown field 'bsn'");
	json_object_set_new(env, "actor", json_pack("{s:s}", "id", "w-17"));
	expect_parse_obj(env, WN_ESCHEMA, "missing field 'role'");
	json_object_set_new(env, "actor", json_string("w-17"));
	expect_parse_obj(env, WN_ESCHEMA, "field 'actor': expected an object");
	json_decref(env);
}

static void test_envelope_parse_bad_version(void **state)
{
	(void)state;
	json_t *env = valid_header();
	json_object_set_new(env, "v", json_integer(3));
	expect_parse_obj(env, WN_ESCHEMA, "field 'v'");
	json_object_set_new(env, "v", json_integer(0));
	expect_parse_obj(env, WN_ESCHEMA, "field 'v'");
	json_decref(env);
}

static void test_envelope_parse_bad_codes_and_sealed(void **state)
{
	(void)state;
	json_t *env = valid_header();
	json_object_set_new(env, "purpose", json_string("Care Coordination"));
	expect_parse_obj(env, WN_ESCHEMA, "field 'purpose'");
	json_object_del(env, "purpose");
	json_object_set_new(env, "ground", json_string("_x"));
	expect_parse_obj(env, WN_ESCHEMA, "field 'ground'");
	json_object_del(env, "ground");
	json_object_set_new(env, "sealed", json_pack("{s:i}", "bartok", 1));
	expect_parse_obj(env, WN_ESCHEMA, "field 'sealed'");
	json_object_set_new(env, "sealed", json_pack("{s:s}", "BARTOK", "AAAA"));
	expect_parse_obj(env, WN_ESCHEMA, "field 'sealed'");
	json_decref(env);
}

/* ---- receipts (r20_integrity) ---------------------------------------- */

static json_t *receipted_request(void)
{
	json_t *env = signed_request();
	const struct receipt_attest attest = { "active", "multiprobleem", NULL, NULL, NULL, NULL, 0 };
	assert_int_equal(envelope_countersign(env, fx.broker.key, "broker", 42,
					      "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
					      &attest),
			 0);
	return env;
}

static void test_r20_integrity_receipt_ok(void **state)
{
	(void)state;
	json_t *env = receipted_request();
	json_t *r = json_object_get(env, "receipt");
	assert_non_null(r);
	assert_string_equal(json_string_value(json_object_get(r, "by")), "broker");
	assert_int_equal(json_integer_value(json_object_get(r, "index")), 42);
	assert_string_equal(json_string_value(json_object_get(r, "status")), "active");
	assert_string_equal(json_string_value(json_object_get(r, "cluster")), "multiprobleem");
	char hash[65];
	assert_int_equal(envelope_hash_hex(env, hash), 0);
	assert_string_equal(json_string_value(json_object_get(r, "env")), hash);
	assert_int_equal(envelope_verify_receipt(env, fx.broker.cert, "broker"), 0);
	/* the receipt does not disturb the sender's signature */
	assert_int_equal(envelope_verify(env, fx.alcander.cert), 0);
	/* and survives the wire */
	char *wire = NULL, err[256] = "";
	size_t len = 0;
	json_t *back = NULL;
	assert_int_equal(envelope_encode(env, &wire, &len), 0);
	assert_int_equal(envelope_parse(wire, len, &back, err, sizeof(err)), 0);
	assert_int_equal(envelope_verify_receipt(back, fx.broker.cert, "broker"), 0);
	assert_int_equal(envelope_verify(back, fx.alcander.cert), 0);
	free(wire);
	json_decref(back);
	json_decref(env);
}

static void test_r20_integrity_receipt_wrong_broker_cert(void **state)
{
	(void)state;
	json_t *env = receipted_request();
	assert_int_equal(envelope_verify_receipt(env, fx.alcander.cert, "broker"), WN_ENORECEIPT);
	assert_int_equal(envelope_verify_receipt(env, NULL, "broker"), WN_ENORECEIPT);
	/* right cert, wrong broker name */
	assert_int_equal(envelope_verify_receipt(env, fx.broker.cert, "broker2"), WN_ENORECEIPT);
	json_decref(env);
}

static void test_r20_integrity_receipt_copied_from_other_envelope(void **state)
{
	(void)state;
	json_t *a = signed_request();
	json_t *b = receipted_request();
	assert_int_equal(envelope_verify_receipt(b, fx.broker.cert, "broker"), 0);
	json_object_set(a, "receipt", json_object_get(b, "receipt"));
	assert_int_equal(envelope_verify_receipt(a, fx.broker.cert, "broker"), WN_ENORECEIPT);
	json_decref(a);
	json_decref(b);
}

static void test_r20_integrity_receipt_envelope_altered(void **state)
{
	(void)state;
	json_t *env = receipted_request();
	json_t *copy = json_deep_copy(env);
	json_object_set_new(copy, "ts", json_integer(envelope_ts(env) - 1));
	assert_int_equal(envelope_verify_receipt(copy, fx.broker.cert, "broker"), WN_ENORECEIPT);
	json_decref(copy);
	/* altering the receipt itself (status) breaks the broker's signature */
	copy = json_deep_copy(env);
	json_object_set_new(json_object_get(copy, "receipt"), "status", json_string("denied"));
	assert_int_equal(envelope_verify_receipt(copy, fx.broker.cert, "broker"), WN_ENORECEIPT);
	json_decref(copy);
	/* and re-signing by the sender (new sig) invalidates the old binding */
	copy = json_deep_copy(env);
	json_t *r = json_incref(json_object_get(copy, "receipt"));
	assert_int_equal(envelope_sign(copy, fx.alcander.key), 0);
	assert_null(json_object_get(copy, "receipt")); /* sign drops the receipt */
	json_object_set_new(copy, "receipt", r);
	assert_int_equal(envelope_verify_receipt(copy, fx.broker.cert, "broker"), WN_ENORECEIPT);
	json_decref(copy);
	json_decref(env);
}

static void test_r20_integrity_receipt_missing(void **state)
{
	(void)state;
	json_t *env = signed_request();
	assert_int_equal(envelope_verify_receipt(env, fx.broker.cert, "broker"), WN_ENORECEIPT);
	json_object_set_new(env, "receipt", json_object());
	assert_int_equal(envelope_verify_receipt(env, fx.broker.cert, "broker"), WN_ENORECEIPT);
	json_decref(env);
}

/* ---- sealing (r03, r02) -------------------------------------------- */

static json_t *sealed_request(const json_t *body)
{
	json_t *env = NULL;
	assert_int_equal(envelope_new1(&env, "request", "bartok", "alcander"), 0);
	assert_int_equal(envelope_set_str(env, "purpose", "care.coordination"), 0);
	assert_int_equal(envelope_set_str(env, "case", "c0ffee00c0ffee00c0ffee00c0ffee07"), 0);
	assert_int_equal(envelope_seal(env, "alcander", fx.pk_a, body), 0);
	return env;
}

static void test_r03_pseudonym_seal_round_trip(void **state)
{
	(void)state;
	json_t *body = json_pack("{s:s,s:i}", "bsn", "111222333", "n", 3);
	json_t *env = sealed_request(body);
	/* the plaintext is nowhere in the envelope */
	char *wire = NULL, err[256] = "";
	size_t len = 0;
	assert_int_equal(envelope_sign(env, fx.bartok.key), 0);
	assert_int_equal(envelope_encode(env, &wire, &len), 0);
	assert_null(strstr(wire, "111222333"));
	assert_null(envelope_body(env));
	/* through the wire, verify, open */
	json_t *back = NULL, *opened = NULL;
	assert_int_equal(envelope_parse(wire, len, &back, err, sizeof(err)), 0);
	assert_int_equal(envelope_verify(back, fx.bartok.cert), 0);
	assert_int_equal(envelope_open(back, "alcander", fx.sk_a, &opened), 0);
	assert_non_null(opened);
	assert_true(json_equal(opened, body));
	json_decref(opened);
	free(wire);
	json_decref(back);
	json_decref(env);
	json_decref(body);
}

/* The sealed length of body under ENVELOPE_PAD_BUCKETS. */
static size_t bucketed_length(const json_t *body)
{
	json_t *env = NULL, *opened = NULL;
	assert_int_equal(envelope_new1(&env, "request.answer", "alcander", "bartok"), 0);
	assert_int_equal(envelope_seal_padded(env, "alcander", fx.pk_a, body,
					      ENVELOPE_PAD_BUCKETS), 0);
	assert_int_equal(envelope_open(env, "alcander", fx.sk_a, &opened), 0);
	assert_true(json_equal(opened, body));
	size_t len = strlen(json_string_value(json_object_get(json_object_get(env, "sealed"),
							      "alcander")));
	json_decref(opened);
	json_decref(env);
	return len;
}

/* A data request's answer says little by its size (r03): a refusal and a
 * small disclosure seal to one length; a larger one to the next power of two. */
static void test_r03_request_answer_sizes_in_buckets(void **state)
{
	(void)state;
	char *text = malloc(6000);
	assert_non_null(text);
	memset(text, 'x', 5999);
	text[5999] = '\0';
	json_t *refused = json_pack("{s:s,s:[],s:s}", "outcome", "refused", "records", "reason",
				    "consent_required");
	json_t *small = json_pack("{s:s,s:[{s:s,s:s}]}", "outcome", "disclosed", "records",
				  "category", "leefgebied.huisvesting", "value", "Huurachterstand"
				  " van drie maanden bij de woningcorporatie");
	json_t *large = json_pack("{s:s,s:[{s:s,s:s}]}", "outcome", "disclosed", "records",
				  "category", "leefgebied.huisvesting", "value", text);
	size_t a = bucketed_length(refused), b = bucketed_length(small), c = bucketed_length(large);
	assert_int_equal(a, b);
	assert_true(c > b);
	/* base64 of the padded plaintext and the seal's overhead: 4 KiB, 8 KiB */
	assert_true(b >= 4096 * 4 / 3 && b < 4096 * 4 / 3 + 200);
	assert_true(c >= 8192 * 4 / 3 && c < 8192 * 4 / 3 + 200);
	json_decref(large);
	json_decref(refused);
	json_decref(small);
	free(text);
}

/* An envelope of version 1 (stored before 0.5) signed its bodies whole: a
 * stored copy still verifies as it was signed; on the wire it is refused,
 * since the broker would pass every body to each recipient. */
static void test_r20_integrity_version1_envelope_still_verifies(void **state)
{
	(void)state;
	static const char *const to[] = { "alcander", "radar" };
	static const char *const drop[] = { "sig", "receipt", NULL };
	json_t *env = NULL, *body = json_pack("{s:s}", "bsn", "111222333");
	char *sig = NULL, *wire = NULL, err[256] = "";
	size_t len = 0;
	assert_int_equal(envelope_new(&env, "lookup", "bartok", to, 2), 0);
	json_object_set_new(env, "v", json_integer(1));
	assert_int_equal(envelope_seal(env, "alcander", fx.pk_a, body), 0);
	assert_int_equal(envelope_seal(env, "radar", fx.pk_b, body), 0);
	assert_int_equal(envelope_sign_object(env, "wijknet-envelope-v1\n", drop, fx.bartok.key,
					      &sig), 0);
	json_object_set_new(env, "sig", json_string(sig));
	free(sig);
	assert_int_equal(envelope_verify(env, fx.bartok.cert), 0);
	assert_int_equal(envelope_check(env, err, sizeof(err)), 0);
	assert_int_equal(envelope_check_wire(env, err, sizeof(err)), WN_ESCHEMA);
	assert_int_equal(envelope_encode_for(env, "alcander", &wire, &len), 0);
	json_t *back = NULL;
	assert_int_equal(envelope_parse(wire, len, &back, err, sizeof(err)), WN_ESCHEMA);
	assert_non_null(strstr(err, "field 'v': version 1"));
	assert_null(back);
	back = json_loadb(wire, len, 0, NULL); /* as a stored copy is read */
	free(wire);
	assert_int_equal(envelope_check(back, err, sizeof(err)), 0);
	assert_int_equal(json_object_size(json_object_get(back, "sealed")), 2);
	assert_int_equal(envelope_verify(back, fx.bartok.cert), 0);
	/* a body changed: its signature no longer holds */
	json_object_set(json_object_get(back, "sealed"), "alcander",
			json_object_get(json_object_get(back, "sealed"), "radar"));
	assert_int_equal(envelope_verify(back, fx.bartok.cert), WN_ESIG);
	json_decref(back);
	json_decref(env);
	json_decref(body);
}

/* The broker forwards each recipient only its own body: the sender's
 * signature, over the bodies' digests, holds for every copy; a body swapped
 * for another does not. */
static void test_r03_each_recipient_gets_only_its_body(void **state)
{
	(void)state;
	static const char *const to[] = { "alcander", "radar" };
	json_t *env = NULL, *body = json_pack("{s:s}", "bsn", "111222333");
	assert_int_equal(envelope_new(&env, "lookup", "bartok", to, 2), 0);
	assert_int_equal(envelope_seal(env, "alcander", fx.pk_a, body), 0);
	assert_int_equal(envelope_seal(env, "radar", fx.pk_b, body), 0);
	assert_int_equal(envelope_sign(env, fx.bartok.key), 0);
	assert_int_equal(json_object_size(json_object_get(env, "digests")), 2);
	char full[65], mine[65], *wire = NULL, err[256] = "";
	size_t len = 0;
	assert_int_equal(envelope_hash_hex(env, full), 0);
	assert_int_equal(envelope_encode_for(env, "alcander", &wire, &len), 0);
	json_t *back = NULL, *opened = NULL;
	assert_int_equal(envelope_parse(wire, len, &back, err, sizeof(err)), 0);
	free(wire);
	assert_int_equal(json_object_size(json_object_get(back, "sealed")), 1);
	assert_null(json_object_get(json_object_get(back, "sealed"), "radar"));
	assert_int_equal(envelope_verify(back, fx.bartok.cert), 0);
	assert_int_equal(envelope_hash_hex(back, mine), 0);
	assert_string_equal(mine, full); /* one receipt binds every copy */
	assert_int_equal(envelope_open(back, "alcander", fx.sk_a, &opened), 0);
	assert_true(json_equal(opened, body));
	json_decref(opened);
	/* radar's body put in alcander's place: the digest does not match */
	json_object_set(json_object_get(back, "sealed"), "alcander",
			json_object_get(json_object_get(env, "sealed"), "radar"));
	assert_int_equal(envelope_verify(back, fx.bartok.cert), WN_ESIG);
	/* a body without a digest is refused at parsing */
	json_object_del(json_object_get(back, "digests"), "alcander");
	char *text = json_dumps(back, JSON_COMPACT);
	json_t *none = NULL;
	assert_int_equal(envelope_parse(text, strlen(text), &none, err, sizeof(err)), WN_ESCHEMA);
	assert_non_null(strstr(err, "digests"));
	free(text);
	json_decref(back);
	json_decref(env);
	json_decref(body);
}

static void test_r03_pseudonym_sealed_to_other_partner(void **state)
{
	(void)state;
	json_t *body = json_pack("{s:s}", "bsn", "111222333");
	json_t *env = sealed_request(body);
	json_t *opened = NULL;
	/* nothing is sealed to bartok */
	assert_int_equal(envelope_open(env, "bartok", fx.sk_b, &opened), WN_ESEAL);
	assert_int_equal(envelope_open(env, "bartok", fx.sk_a, &opened), WN_ESEAL);
	/* bartok's key under alcander's id does not open it */
	assert_int_equal(envelope_open(env, "alcander", fx.sk_b, &opened), WN_ESEAL);
	assert_null(opened);
	/* moving the ciphertext to bartok's slot does not help either (the
	 * recipient is part of the additional data) */
	json_t *sealed = json_object_get(env, "sealed");
	json_object_set(sealed, "bartok", json_object_get(sealed, "alcander"));
	assert_int_equal(envelope_open(env, "bartok", fx.sk_a, &opened), WN_ESEAL);
	assert_null(opened);
	/* the right key still works */
	assert_int_equal(envelope_open(env, "alcander", fx.sk_a, &opened), 0);
	json_decref(opened);
	json_decref(env);
	json_decref(body);
}

static void expect_seal_broken(const json_t *env, const char *field, json_t *value)
{
	json_t *copy = json_deep_copy(env), *opened = NULL;
	json_object_set_new(copy, field, value);
	int rc = envelope_open(copy, "alcander", fx.sk_a, &opened);
	if (rc != WN_ESEAL)
		print_error("changing '%s' after sealing gave %d\n", field, rc);
	assert_int_equal(rc, WN_ESEAL);
	assert_null(opened);
	json_decref(copy);
}

static void test_r03_pseudonym_seal_header_is_aad(void **state)
{
	(void)state;
	json_t *body = json_pack("{s:s}", "bsn", "111222333");
	json_t *env = sealed_request(body);
	expect_seal_broken(env, "purpose", json_string("care.other"));
	expect_seal_broken(env, "to", json_pack("[s,s]", "alcander", "bartok"));
	expect_seal_broken(env, "case", json_string("case-8"));
	expect_seal_broken(env, "from", json_string("mallory"));
	expect_seal_broken(env, "id", json_string("00000000000000000000000000000000"));
	expect_seal_broken(env, "ts", json_integer(envelope_ts(env) + 1));
	/* the signature and plain body are not part of the seal's AAD */
	json_t *copy = json_deep_copy(env), *opened = NULL;
	assert_int_equal(envelope_sign(copy, fx.bartok.key), 0);
	json_object_set_new(copy, "body", json_object());
	assert_int_equal(envelope_open(copy, "alcander", fx.sk_a, &opened), 0);
	json_decref(opened);
	json_decref(copy);
	/* a flipped ciphertext character */
	copy = json_deep_copy(env);
	json_t *sealed = json_object_get(copy, "sealed");
	char *ct = strdup(json_string_value(json_object_get(sealed, "alcander")));
	ct[60] = ct[60] == 'A' ? 'B' : 'A';
	json_object_set_new(sealed, "alcander", json_string(ct));
	opened = NULL;
	assert_int_equal(envelope_open(copy, "alcander", fx.sk_a, &opened), WN_ESEAL);
	free(ct);
	json_decref(copy);
	json_decref(env);
	json_decref(body);
}

/* A body whose canonical form is exactly n bytes: {"x":"aaa…"}. */
static json_t *body_of_size(size_t n)
{
	assert_true(n >= 9);
	char *s = malloc(n - 8 + 1);
	memset(s, 'a', n - 8);
	s[n - 8] = '\0';
	json_t *b = json_pack("{s:s}", "x", s);
	free(s);
	char *c = canon(b);
	assert_int_equal(strlen(c), n);
	free(c);
	return b;
}

static size_t sealed_len(size_t bodylen)
{
	json_t *body = body_of_size(bodylen);
	json_t *env = sealed_request(body);
	const char *ct =
		json_string_value(json_object_get(json_object_get(env, "sealed"), "alcander"));
	assert_non_null(ct);
	size_t n = strlen(ct);
	json_t *opened = NULL;
	assert_int_equal(envelope_open(env, "alcander", fx.sk_a, &opened), 0);
	assert_true(json_equal(opened, body));
	json_decref(opened);
	json_decref(env);
	json_decref(body);
	return n;
}

static void test_r02_known_padding(void **state)
{
	(void)state;
	size_t small = sealed_len(10), mid = sealed_len(ENVELOPE_PAD / 2);
	size_t expect = 4 * ((ENVELOPE_PAD + HPKE_OVERHEAD + 2) / 3);
	assert_int_equal(small, mid);
	assert_int_equal(small, expect);
	assert_int_equal(sealed_len(ENVELOPE_PAD - 1), expect);
	/* over one block the ciphertext grows by a whole block */
	size_t big = sealed_len(ENVELOPE_PAD + 100);
	assert_int_equal(big, 4 * ((2 * ENVELOPE_PAD + HPKE_OVERHEAD + 2) / 3));
}

static void test_r02_known_padding_too_big(void **state)
{
	(void)state;
	json_t *body = body_of_size(ENVELOPE_MAX_SEALED);
	json_t *env = NULL;
	assert_int_equal(envelope_new1(&env, "request", "bartok", "alcander"), 0);
	assert_int_equal(envelope_seal(env, "alcander", fx.pk_a, body), WN_ETOOBIG);
	assert_null(json_object_get(env, "sealed"));
	json_decref(body);
	/* real numbers are not canonical and cannot be sealed */
	body = json_pack("{s:f}", "x", 0.5);
	assert_int_equal(envelope_seal(env, "alcander", fx.pk_a, body), WN_ESCHEMA);
	json_decref(body);
	json_decref(env);
}

/* ---- error replies ------------------------------------------------- */

static void test_envelope_error_reply(void **state)
{
	(void)state;
	json_t *req = signed_request(), *err_env = NULL;
	assert_int_equal(envelope_error(&err_env, req, "bartok", fx.bartok.key, WN_EDENIED,
					"no consent"),
			 0);
	assert_non_null(err_env);
	assert_string_equal(envelope_str(err_env, "type"), "error");
	assert_string_equal(envelope_str(err_env, "from"), "bartok");
	assert_true(envelope_addressed_to(err_env, "alcander"));
	assert_int_equal(json_array_size(json_object_get(err_env, "to")), 1);
	assert_string_equal(envelope_str(err_env, "re"), envelope_str(req, "id"));
	assert_string_not_equal(envelope_str(err_env, "id"), envelope_str(req, "id"));
	json_t *body = envelope_body(err_env);
	assert_string_equal(json_string_value(json_object_get(body, "error")),
			    wn_errname(WN_EDENIED));
	assert_string_equal(json_string_value(json_object_get(body, "error")), "denied");
	assert_int_equal(json_integer_value(json_object_get(body, "code")), WN_EDENIED);
	assert_string_equal(json_string_value(json_object_get(body, "message")), "no consent");
	assert_int_equal(envelope_verify(err_env, fx.bartok.cert), 0);
	assert_int_equal(envelope_verify(err_env, fx.alcander.cert), WN_ESIG);
	/* it is a valid wire message */
	char *wire = NULL, err[256] = "";
	size_t len = 0;
	json_t *back = NULL;
	assert_int_equal(envelope_encode(err_env, &wire, &len), 0);
	assert_int_equal(envelope_parse(wire, len, &back, err, sizeof(err)), 0);
	free(wire);
	json_decref(back);
	json_decref(err_env);

	/* without text, the message is wn_strerror(code) */
	err_env = NULL;
	assert_int_equal(envelope_error(&err_env, req, "bartok", fx.bartok.key, WN_EREPLAY, NULL),
			 0);
	body = envelope_body(err_env);
	assert_string_equal(json_string_value(json_object_get(body, "error")), "replay");
	assert_string_equal(json_string_value(json_object_get(body, "message")),
			    wn_strerror(WN_EREPLAY));
	json_decref(err_env);
	json_decref(req);
}

/* ---- sealing-key bindings ------------------------------------------ */

static void test_sealkey_round_trip(void **state)
{
	(void)state;
	char *sig = NULL, *kb64 = NULL;
	uint8_t out[32];
	memset(out, 0, sizeof(out));
	assert_int_equal(sealkey_sign(fx.alcander.key, "alcander", fx.pk_a, &sig), 0);
	assert_non_null(sig);
	assert_int_equal(b64_encode(fx.pk_a, 32, &kb64), 0);
	assert_int_equal(sealkey_verify(fx.alcander.cert, "alcander", kb64, sig, out), 0);
	assert_memory_equal(out, fx.pk_a, 32);
	free(sig);
	free(kb64);
}

static void test_sealkey_wrong_partner_or_cert(void **state)
{
	(void)state;
	char *sig = NULL, *kb64 = NULL;
	uint8_t out[32], zero[32];
	memset(out, 0, sizeof(out));
	memset(zero, 0, sizeof(zero));
	assert_int_equal(sealkey_sign(fx.alcander.key, "alcander", fx.pk_a, &sig), 0);
	assert_int_equal(b64_encode(fx.pk_a, 32, &kb64), 0);
	assert_int_equal(sealkey_verify(fx.alcander.cert, "bartok", kb64, sig, out), WN_ESIG);
	assert_int_equal(sealkey_verify(fx.bartok.cert, "alcander", kb64, sig, out), WN_ESIG);
	assert_memory_equal(out, zero, 32); /* untouched on failure */
	free(sig);
	free(kb64);
}

static void test_sealkey_tampered_key(void **state)
{
	(void)state;
	char *sig = NULL, *kb64 = NULL, *other = NULL;
	uint8_t out[32], flipped[32];
	assert_int_equal(sealkey_sign(fx.alcander.key, "alcander", fx.pk_a, &sig), 0);
	/* bartok's key presented under alcander's signature */
	assert_int_equal(b64_encode(fx.pk_b, 32, &other), 0);
	assert_int_equal(sealkey_verify(fx.alcander.cert, "alcander", other, sig, out), WN_ESIG);
	/* one bit flipped */
	memcpy(flipped, fx.pk_a, 32);
	flipped[5] ^= 0x01;
	assert_int_equal(b64_encode(flipped, 32, &kb64), 0);
	assert_int_equal(sealkey_verify(fx.alcander.cert, "alcander", kb64, sig, out), WN_ESIG);
	free(kb64);
	/* a tampered signature */
	assert_int_equal(b64_encode(fx.pk_a, 32, &kb64), 0);
	sig[10] = sig[10] == 'A' ? 'B' : 'A';
	assert_int_equal(sealkey_verify(fx.alcander.cert, "alcander", kb64, sig, out), WN_ESIG);
	/* malformed: key of the wrong length, not base64, missing */
	char *short_key = NULL;
	assert_int_equal(b64_encode(fx.pk_a, 31, &short_key), 0);
	assert_int_equal(sealkey_verify(fx.alcander.cert, "alcander", short_key, sig, out),
			 WN_ESCHEMA);
	assert_int_equal(sealkey_verify(fx.alcander.cert, "alcander", "!!!!", sig, out),
			 WN_ESCHEMA);
	assert_int_equal(sealkey_verify(fx.alcander.cert, "alcander", NULL, sig, out),
			 WN_ESCHEMA);
	free(short_key);
	free(kb64);
	free(other);
	free(sig);
}

/* ---- schema helpers -------------------------------------------------- */

static void test_schema_valid_partner_id(void **state)
{
	(void)state;
	char max[64], over[65];
	memset(max, 'a', 63);
	max[63] = '\0';
	memset(over, 'a', 64);
	over[64] = '\0';
	assert_int_equal(schema_valid_partner_id("alcander"), 0);
	assert_int_equal(schema_valid_partner_id("a"), 0);
	assert_int_equal(schema_valid_partner_id("ggd-groningen-2"), 0);
	assert_int_equal(schema_valid_partner_id(max), 0);
	assert_int_not_equal(schema_valid_partner_id(over), 0);
	assert_int_not_equal(schema_valid_partner_id(""), 0);
	assert_int_not_equal(schema_valid_partner_id(NULL), 0);
	assert_int_not_equal(schema_valid_partner_id("Alcander"), 0);
	assert_int_not_equal(schema_valid_partner_id("2alcander"), 0);
	assert_int_not_equal(schema_valid_partner_id("-alcander"), 0);
	assert_int_not_equal(schema_valid_partner_id("alc_ander"), 0);
	assert_int_not_equal(schema_valid_partner_id("alc.ander"), 0);
	assert_int_not_equal(schema_valid_partner_id("alc ander"), 0);
	assert_int_not_equal(schema_valid_partner_id("alcander\n"), 0);
	assert_int_not_equal(schema_valid_partner_id("alc\xc3\xa9"), 0);
}

static void test_schema_valid_code(void **state)
{
	(void)state;
	char max[49], over[50];
	memset(max, 'c', 48);
	max[48] = '\0';
	memset(over, 'c', 49);
	over[49] = '\0';
	assert_int_equal(schema_valid_code("care.coordination"), 0);
	assert_int_equal(schema_valid_code("art_6.1-e"), 0);
	assert_int_equal(schema_valid_code("x"), 0);
	assert_int_equal(schema_valid_code(max), 0);
	assert_int_not_equal(schema_valid_code(over), 0);
	assert_int_not_equal(schema_valid_code(""), 0);
	assert_int_not_equal(schema_valid_code(NULL), 0);
	assert_int_not_equal(schema_valid_code("_x"), 0);
	assert_int_not_equal(schema_valid_code(".x"), 0);
	assert_int_not_equal(schema_valid_code("9x"), 0);
	assert_int_not_equal(schema_valid_code("Care"), 0);
	assert_int_not_equal(schema_valid_code("care coordination"), 0);
	assert_int_not_equal(schema_valid_code("care/x"), 0);
}

/* ---- hex / base64 ---------------------------------------------------- */

static void test_encoding_hex(void **state)
{
	(void)state;
	uint8_t in[256], out[256];
	char hex[513];
	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)i;
	hex_encode(in, sizeof(in), hex);
	assert_int_equal(strlen(hex), 512);
	assert_memory_equal(hex, "000102030405060708090a0b0c0d0e0f10", 34);
	assert_string_equal(hex + 500, "fafbfcfdfeff");
	assert_int_equal(hex_decode(hex, out, sizeof(out)), 0);
	assert_memory_equal(in, out, sizeof(in));
	hex_encode(in, 0, hex);
	assert_string_equal(hex, "");

	uint8_t b[4];
	assert_int_equal(hex_decode("deadbeef", b, 4), 0);
	assert_int_equal(b[0], 0xde);
	assert_int_equal(b[3], 0xef);
	assert_int_equal(hex_decode("deadbee", b, 4), WN_EINVAL);   /* odd / short */
	assert_int_equal(hex_decode("deadbeef00", b, 4), WN_EINVAL); /* long */
	assert_int_equal(hex_decode("deadbeeg", b, 4), WN_EINVAL);   /* not hex */
	assert_int_equal(hex_decode("dead bef", b, 4), WN_EINVAL);
	assert_int_equal(hex_decode("-1-1-1-1", b, 4), WN_EINVAL);
	assert_int_equal(hex_decode(NULL, b, 4), WN_EINVAL);
}

static void test_encoding_b64_round_trip(void **state)
{
	(void)state;
	uint8_t in[100];
	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)(i * 37 + 11);
	for (size_t n = 1; n <= sizeof(in); n++) {
		char *s = NULL;
		uint8_t *out = NULL;
		size_t outlen = 0;
		assert_int_equal(b64_encode(in, n, &s), 0);
		assert_int_equal(strlen(s), 4 * ((n + 2) / 3));
		assert_int_equal(b64_decode(s, n, &out, &outlen), 0);
		assert_int_equal(outlen, n);
		assert_memory_equal(out, in, n);
		free(out);
		free(s);
	}
	char *s = NULL;
	assert_int_equal(b64_encode((const uint8_t *)"foobar", 6, &s), 0);
	assert_string_equal(s, "Zm9vYmFy");
	free(s);
	assert_int_equal(b64_encode((const uint8_t *)"fo", 2, &s), 0);
	assert_string_equal(s, "Zm8=");
	free(s);
	uint8_t *out = NULL;
	size_t outlen = 0;
	assert_int_equal(b64_decode("Zg==", 10, &out, &outlen), 0);
	assert_int_equal(outlen, 1);
	assert_int_equal(out[0], 'f');
	free(out);
}

static void test_encoding_b64_invalid(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"",          /* empty */
		"Zm9",       /* not a multiple of 4 */
		"Zm9vY",     /* not a multiple of 4 */
		"Zm9v!mFy",  /* bad character */
		"Zm9v YmF",  /* space */
		"Zm9-YmFy",  /* url-safe alphabet */
		"Zm9_YmFy",
		"=m9v",      /* padding at the start */
		"Zm=v",      /* padding in the middle */
		"Zm9=YmFy",  /* padding inside */
		"Z===",      /* too much padding */
		"Zg=A",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint8_t *out = NULL;
		size_t outlen = 0;
		int rc = b64_decode(bad[i], 100, &out, &outlen);
		if (rc != WN_EINVAL)
			print_error("b64_decode(\"%s\") = %d\n", bad[i], rc);
		assert_int_equal(rc, WN_EINVAL);
		assert_null(out);
	}
	uint8_t *out = NULL;
	size_t outlen = 0;
	assert_int_equal(b64_decode(NULL, 10, &out, &outlen), WN_EINVAL);
}

static void test_encoding_b64_maxlen(void **state)
{
	(void)state;
	uint8_t in[32];
	memset(in, 0x5a, sizeof(in));
	char *s = NULL;
	uint8_t *out = NULL;
	size_t outlen = 0;
	assert_int_equal(b64_encode(in, 32, &s), 0);
	assert_int_equal(b64_decode(s, 32, &out, &outlen), 0);
	assert_int_equal(outlen, 32);
	free(out);
	out = NULL;
	assert_int_equal(b64_decode(s, 31, &out, &outlen), WN_ETOOBIG);
	assert_null(out);
	assert_int_equal(b64_decode(s, 16, &out, &outlen), WN_ETOOBIG);
	assert_null(out);
	assert_int_equal(b64_decode(s, 0, &out, &outlen), WN_ETOOBIG);
	assert_null(out);
	free(s);
	/* a long input is refused before decoding */
	size_t n = 4000;
	char *big = malloc(n + 1);
	memset(big, 'A', n);
	big[n] = '\0';
	assert_int_equal(b64_decode(big, 100, &out, &outlen), WN_ETOOBIG);
	assert_null(out);
	assert_int_equal(b64_decode(big, 3000, &out, &outlen), 0);
	assert_int_equal(outlen, 3000);
	free(out);
	free(big);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_canon_sorted_compact),
		cmocka_unit_test(test_canon_ascii_escapes),
		cmocka_unit_test(test_canon_matches_jansson),
		cmocka_unit_test(test_canon_refuses_reals),
		cmocka_unit_test(test_r20_integrity_envelope_round_trip),
		cmocka_unit_test(test_r20_integrity_envelope_whitespace_irrelevant),
		cmocka_unit_test(test_r20_integrity_envelope_other_cert),
		cmocka_unit_test(test_r20_integrity_envelope_missing_or_garbled_sig),
		cmocka_unit_test(test_r20_integrity_signature_low_s_only),
		cmocka_unit_test(test_r20_integrity_envelope_tampered_ts),
		cmocka_unit_test(test_r20_integrity_envelope_tampered_to),
		cmocka_unit_test(test_r20_integrity_envelope_tampered_type),
		cmocka_unit_test(test_r20_integrity_envelope_tampered_body),
		cmocka_unit_test(test_r20_integrity_envelope_tampered_other_headers),
		cmocka_unit_test(test_envelope_parse_valid_minimal),
		cmocka_unit_test(test_envelope_parse_malformed_json),
		cmocka_unit_test(test_envelope_parse_duplicate_keys),
		cmocka_unit_test(test_envelope_parse_unknown_field),
		cmocka_unit_test(test_envelope_parse_missing_id),
		cmocka_unit_test(test_envelope_parse_wrong_type),
		cmocka_unit_test(test_envelope_parse_bad_id),
		cmocka_unit_test(test_envelope_parse_unknown_type),
		cmocka_unit_test(test_envelope_parse_bad_from),
		cmocka_unit_test(test_r16_actor_blank_refused),
		cmocka_unit_test(test_envelope_parse_bad_to),
		cmocka_unit_test(test_envelope_parse_too_many_recipients),
		cmocka_unit_test(test_envelope_parse_buffer_too_big),
		cmocka_unit_test(test_envelope_parse_bad_actor),
		cmocka_unit_test(test_envelope_parse_bad_version),
		cmocka_unit_test(test_envelope_parse_bad_codes_and_sealed),
		cmocka_unit_test(test_r20_integrity_receipt_ok),
		cmocka_unit_test(test_r20_integrity_receipt_wrong_broker_cert),
		cmocka_unit_test(test_r20_integrity_receipt_copied_from_other_envelope),
		cmocka_unit_test(test_r20_integrity_receipt_envelope_altered),
		cmocka_unit_test(test_r20_integrity_receipt_missing),
		cmocka_unit_test(test_r03_pseudonym_seal_round_trip),
		cmocka_unit_test(test_r03_request_answer_sizes_in_buckets),
		cmocka_unit_test(test_r03_pseudonym_sealed_to_other_partner),
		cmocka_unit_test(test_r03_each_recipient_gets_only_its_body),
		cmocka_unit_test(test_r20_integrity_version1_envelope_still_verifies),
		cmocka_unit_test(test_r03_pseudonym_seal_header_is_aad),
		cmocka_unit_test(test_r02_known_padding),
		cmocka_unit_test(test_r02_known_padding_too_big),
		cmocka_unit_test(test_envelope_error_reply),
		cmocka_unit_test(test_sealkey_round_trip),
		cmocka_unit_test(test_sealkey_wrong_partner_or_cert),
		cmocka_unit_test(test_sealkey_tampered_key),
		cmocka_unit_test(test_schema_valid_partner_id),
		cmocka_unit_test(test_schema_valid_code),
		cmocka_unit_test(test_encoding_hex),
		cmocka_unit_test(test_encoding_b64_round_trip),
		cmocka_unit_test(test_encoding_b64_invalid),
		cmocka_unit_test(test_encoding_b64_maxlen),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
