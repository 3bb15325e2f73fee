/*
 * envelope.c — codec, canonical signing, receipts and sealing of envelopes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "wijknet.h"
#include "canon.h"
#include "encoding.h"
#include "envelope.h"
#include "hpke.h"
#include "ids.h"
#include "pki.h"
#include "schema.h"

static const char SIG_CONTEXT[] = "wijknet-envelope-v1\n";
static const char RECEIPT_CONTEXT[] = "wijknet-receipt-v1\n";
static const char SEAL_INFO[] = "wijknet-seal-v1";

static const struct schema_field header_fields[] = {
	{ "v", SCHEMA_INT, 1, 0 },
	{ "id", SCHEMA_STRING, 1, 32 },
	{ "ts", SCHEMA_INT, 1, 0 },
	{ "type", SCHEMA_STRING, 1, 48 },
	{ "from", SCHEMA_STRING, 1, 63 },
	{ "to", SCHEMA_ARRAY, 1, ENVELOPE_MAX_TO },
	{ "re", SCHEMA_STRING, 0, 32 },
	{ "case", SCHEMA_STRING, 0, 64 },
	{ "purpose", SCHEMA_STRING, 0, 48 },
	{ "ground", SCHEMA_STRING, 0, 48 },
	{ "actor", SCHEMA_OBJECT, 0, 0 },
	{ "consent", SCHEMA_OBJECT, 0, 0 },
	{ "approval", SCHEMA_STRING, 0, 32 },
	{ "body", SCHEMA_OBJECT, 0, 0 },
	{ "sealed", SCHEMA_OBJECT, 0, 0 },
	{ "digests", SCHEMA_OBJECT, 0, 0 },
	{ "sig", SCHEMA_STRING, 0, 256 },
	{ "receipt", SCHEMA_OBJECT, 0, 0 },
	{ NULL, 0, 0, 0 },
};

static const struct schema_field actor_fields[] = {
	{ "id", SCHEMA_STRING, 1, 64 },
	{ "role", SCHEMA_STRING, 1, 64 },
	{ NULL, 0, 0, 0 },
};

static const struct schema_field receipt_fields[] = {
	{ "by", SCHEMA_STRING, 1, 63 },
	{ "index", SCHEMA_INT, 1, 0 },
	{ "leaf", SCHEMA_STRING, 1, 64 },
	{ "env", SCHEMA_STRING, 1, 64 },
	{ "ts", SCHEMA_INT, 1, 0 },
	{ "status", SCHEMA_STRING, 0, 32 },
	{ "cluster", SCHEMA_STRING, 0, 32 },
	{ "approval", SCHEMA_STRING, 0, 32 },
	{ "person", SCHEMA_STRING, 0, 64 },
	{ "people", SCHEMA_ARRAY, 0, ENVELOPE_MAX_PEOPLE },
	{ "keys", SCHEMA_OBJECT, 0, 0 },
	{ "policy", SCHEMA_INT, 0, 1000000 },
	{ "sig", SCHEMA_STRING, 1, 256 },
	{ NULL, 0, 0, 0 },
};

static const struct schema_field consent_ref_fields[] = {
	{ "id", SCHEMA_STRING, 1, 32 },
	{ "version", SCHEMA_STRING, 1, 64 },
	{ NULL, 0, 0, 0 },
};

/* Every message type of the protocol; anything else is refused. */
static const char *const known_types[] = {
	"health", "health.answer", "directory.get", "directory", "seal.publish", "cert.renew", "ok",
	"error",
	"lookup", "lookup.answer", "lookup.result", "request", "request.answer", "request.result",
	"consent.register", "consent.revoke", "consent.attest", "case.open", "case.join", "case.leave",
	"case.close", "case.list", "case.get", "case.key", "case.person.add", "case.person.remove",
	"case.director", "thirdparty.propose", "thirdparty.get", "thirdparty.declare",
	"thirdparty.approve", "thirdparty.reject", "thirdparty.list",
	"checkpoint.get", "checkpoint.cosign",
	"report.access", "report.answer", "report.result",
	"rights.request", "rights.answer", "rights.result",
	"stats.get", "stats.month", "stats.answer", "stats.result",
	"member.join", "member.status", "member.list", "member.vote", "member.notice",
	"member.end", "member.withdraw", "member.address", "member.exit.withdraw", "policy.propose",
	"policy.withdraw", "policy.get", "directory.changed",
	"breach.report",
	"notice", "notice.ack", "notice.result", "rights.decision", "rights.decision.ack",
	"rights.decision.result", "checkpoint.witness", "checkpoint.witnessed",
	"checkpoint.restored", "checkpoint.dispute", "refusal.notice", "refusal.notice.ack",
	"refusal.notice.result",
	"rights.notice", "rights.notice.ack", "rights.notice.result", "rights.notice.done",
	"rights.notice.done.ack", "rights.notice.done.result", "rights.carried_out",
	"rights.carried_out.ack", "rights.carried_out.result", NULL,
};

static int envelope_type_known(const char *t)
{
	for (size_t i = 0; known_types[i] != NULL; i++)
		if (strcmp(known_types[i], t) == 0)
			return 1;
	return 0;
}

int envelope_parse(const void *buf, size_t len, json_t **out, char *err, size_t errcap)
{
	json_error_t jerr;
	json_t *env = NULL;
	int rc;
	if (buf == NULL || out == NULL || err == NULL)
		return WN_EINVAL;
	if (len > ENVELOPE_MAX_BYTES) {
		snprintf(err, errcap, "message of %zu bytes exceeds the limit of %d", len,
			 ENVELOPE_MAX_BYTES);
		return WN_ETOOBIG;
	}
	env = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (env == NULL) {
		snprintf(err, errcap, "malformed JSON at byte %d: %s", jerr.position, jerr.text);
		return WN_EJSON;
	}
	if ((rc = envelope_check_wire(env, err, errcap)) != 0) {
		json_decref(env);
		return rc;
	}
	*out = env;
	return 0;
}

int envelope_check_wire(const json_t *env, char *err, size_t errcap)
{
	int rc = envelope_check(env, err, errcap);
	if (rc == 0 && json_integer_value(json_object_get(env, "v")) != ENVELOPE_VERSION) {
		snprintf(err, errcap, "field 'v': version %d is only read from copies stored "
			 "before 0.5; a message is of version %d", ENVELOPE_VERSION_WHOLE,
			 ENVELOPE_VERSION);
		rc = WN_ESCHEMA;
	}
	return rc;
}

int envelope_check(const json_t *env, char *err, size_t errcap)
{
	int rc = schema_check(env, header_fields, err, errcap);
	if (rc != 0)
		goto fail;
	rc = WN_ESCHEMA;
	json_int_t v = json_integer_value(json_object_get(env, "v"));
	if (v != ENVELOPE_VERSION && v != ENVELOPE_VERSION_WHOLE) {
		snprintf(err, errcap, "field 'v': unsupported version");
		goto fail;
	}
	if (id_validate(envelope_str(env, "id")) != 0) {
		snprintf(err, errcap, "field 'id': expected 32 lowercase hex digits");
		goto fail;
	}
	static const char *const id_fields[] = { "re", "case", "approval" };
	for (size_t f = 0; f < sizeof(id_fields) / sizeof(id_fields[0]); f++) {
		const char *v = envelope_str(env, id_fields[f]);
		if (v != NULL && id_validate(v) != 0) {
			snprintf(err, errcap, "field '%s': expected 32 lowercase hex digits",
				 id_fields[f]);
			goto fail;
		}
	}
	if (!envelope_type_known(envelope_str(env, "type"))) {
		snprintf(err, errcap, "field 'type': unknown message type '%.48s'",
			 envelope_str(env, "type"));
		goto fail;
	}
	if (schema_valid_partner_id(envelope_str(env, "from")) != 0) {
		snprintf(err, errcap, "field 'from': not a partner id");
		goto fail;
	}
	json_t *to = json_object_get(env, "to"), *x;
	size_t i;
	if (json_array_size(to) == 0) {
		snprintf(err, errcap, "field 'to': no recipients");
		goto fail;
	}
	json_array_foreach(to, i, x) {
		if (!json_is_string(x) || schema_valid_partner_id(json_string_value(x)) != 0) {
			snprintf(err, errcap, "field 'to': item %zu is not a partner id", i + 1);
			goto fail;
		}
	}
	const char *codes[] = { "purpose", "ground" };
	for (i = 0; i < 2; i++) {
		const char *c = envelope_str(env, codes[i]);
		if (c != NULL && schema_valid_code(c) != 0) {
			snprintf(err, errcap, "field '%s': not a code", codes[i]);
			goto fail;
		}
	}
	json_t *actor = json_object_get(env, "actor");
	if (actor != NULL && (rc = schema_check(actor, actor_fields, err, errcap)) != 0)
		goto fail;
	/* the acting professional is named, not left blank (r16) */
	if (actor != NULL && (!schema_text_given(json_string_value(json_object_get(actor, "id")), 1) ||
			      !schema_text_given(json_string_value(json_object_get(actor, "role")), 1))) {
		snprintf(err, errcap, "field 'actor': id and role name the professional, not blanks");
		rc = WN_ESCHEMA;
		goto fail;
	}
	json_t *consent = json_object_get(env, "consent");
	if (consent != NULL) {
		if ((rc = schema_check(consent, consent_ref_fields, err, errcap)) != 0)
			goto fail;
		rc = WN_ESCHEMA;
		if (id_validate(json_string_value(json_object_get(consent, "id"))) != 0 ||
		    hex_validate(json_string_value(json_object_get(consent, "version")), 64) != 0) {
			snprintf(err, errcap, "field 'consent': expected an id of 32 and a version of "
				 "64 lowercase hex digits");
			goto fail;
		}
	}
	json_t *receipt = json_object_get(env, "receipt");
	if (receipt != NULL && (rc = schema_check(receipt, receipt_fields, err, errcap)) != 0)
		goto fail;
	json_t *sealed = json_object_get(env, "sealed"), *digests = json_object_get(env, "digests");
	const char *k;
	json_object_foreach(sealed, k, x) {
		if (schema_valid_partner_id(k) != 0 || !json_is_string(x)) {
			snprintf(err, errcap, "field 'sealed': entry '%.64s' is not partner → string", k);
			rc = WN_ESCHEMA;
			goto fail;
		}
		if (v != ENVELOPE_VERSION_WHOLE && json_object_get(digests, k) == NULL) {
			snprintf(err, errcap, "field 'digests': no digest of the body sealed to '%.64s'", k);
			rc = WN_ESCHEMA;
			goto fail;
		}
	}
	if (json_object_size(digests) > ENVELOPE_MAX_TO) {
		snprintf(err, errcap, "field 'digests': more than %d", ENVELOPE_MAX_TO);
		rc = WN_ESCHEMA;
		goto fail;
	}
	json_object_foreach(digests, k, x) {
		if (schema_valid_partner_id(k) != 0 || hex_validate(json_string_value(x), 64) != 0) {
			snprintf(err, errcap, "field 'digests': entry '%.64s' is not partner → 64 hex "
				 "digits", k);
			rc = WN_ESCHEMA;
			goto fail;
		}
	}
	return 0;
fail:
	if (rc == 0)
		rc = WN_ESCHEMA;
	return rc;
}

int envelope_new(json_t **out, const char *type, const char *from, const char *const *to,
		 size_t nto)
{
	char id[ID_HEX_LEN + 1];
	if (out == NULL || type == NULL || from == NULL || to == NULL || nto == 0 ||
	    nto > ENVELOPE_MAX_TO)
		return WN_EINVAL;
	int rc = id_generate(id);
	if (rc != 0)
		return rc;
	json_t *arr = json_array();
	for (size_t i = 0; i < nto; i++)
		json_array_append_new(arr, json_string(to[i]));
	json_t *env = json_pack("{s:i,s:s,s:I,s:s,s:s,s:o}", "v", ENVELOPE_VERSION, "id", id,
				"ts", (json_int_t)time_now_ms(), "type", type, "from", from, "to",
				arr);
	if (env == NULL)
		return WN_ENOMEM;
	*out = env;
	return 0;
}

int envelope_new1(json_t **out, const char *type, const char *from, const char *to)
{
	const char *list[1] = { to };
	return envelope_new(out, type, from, list, 1);
}

const char *envelope_str(const json_t *env, const char *field)
{
	return json_string_value(json_object_get(env, field));
}

int64_t envelope_ts(const json_t *env)
{
	return (int64_t)json_integer_value(json_object_get(env, "ts"));
}

json_t *envelope_body(const json_t *env)
{
	return json_object_get(env, "body");
}

int envelope_addressed_to(const json_t *env, const char *id)
{
	json_t *x;
	size_t i;
	json_array_foreach(json_object_get(env, "to"), i, x)
		if (strcmp(json_string_value(x), id) == 0)
			return 1;
	return 0;
}

int envelope_set_str(json_t *env, const char *field, const char *value)
{
	return json_object_set_new(env, field, json_string(value)) == 0 ? 0 : WN_EINVAL;
}

/* Canonical bytes of env without the listed fields, prefixed by context. */
static int envelope_signing_input(const json_t *env, const char *context, const char *const *drop,
				  char **out, size_t *len)
{
	char *body = NULL;
	size_t blen = 0;
	int rc = canon_dump_without(env, drop, &body, &blen);
	if (rc != 0)
		return rc;
	size_t clen = strlen(context);
	if (clen == 0) {
		*out = body;
		*len = blen;
		return 0;
	}
	char *buf = malloc(clen + blen + 1);
	if (buf == NULL) {
		free(body);
		return WN_ENOMEM;
	}
	memcpy(buf, context, clen);
	memcpy(buf + clen, body, blen + 1);
	free(body);
	*out = buf;
	*len = clen + blen;
	return 0;
}

/* The signature covers the digests of the sealed bodies, not the bodies:
 * the broker forwards each partner its own body, and the signature and the
 * receipt still hold for every one of them. */
static const char *const drop_sig[] = { "sig", "receipt", "sealed", NULL };
/* Version 1 signed the bodies themselves (envelopes stored before 0.5). */
static const char *const drop_sig_whole[] = { "sig", "receipt", NULL };

static int envelope_whole(const json_t *env)
{
	return json_integer_value(json_object_get(env, "v")) == ENVELOPE_VERSION_WHOLE;
}

/* SHA-256 (hex) of one sealed body as it travels (its base64 text). */
static int envelope_digest(const json_t *ct, char out[65])
{
	uint8_t h[32];
	const char *s = json_string_value(ct);
	if (s == NULL || pki_sha256(s, strlen(s), h) != 0)
		return WN_ECRYPTO;
	hex_encode(h, 32, out);
	return 0;
}

/* Sets "digests" to what is sealed now (none: no digests). */
static int envelope_set_digests(json_t *env)
{
	json_t *sealed = json_object_get(env, "sealed"), *ct;
	const char *k;
	char d[65];
	if (json_object_size(sealed) == 0) {
		json_object_del(env, "digests");
		return 0;
	}
	json_t *digests = json_object();
	if (digests == NULL)
		return WN_ENOMEM;
	json_object_foreach(sealed, k, ct) {
		if (envelope_digest(ct, d) != 0 || json_object_set_new(digests, k, json_string(d)) != 0) {
			json_decref(digests);
			return WN_ECRYPTO;
		}
	}
	return json_object_set_new(env, "digests", digests) == 0 ? 0 : WN_ENOMEM;
}

/* Every body present is the one the signature's digests name. */
static int envelope_check_digests(const json_t *env)
{
	json_t *sealed = json_object_get(env, "sealed"), *ct, *digests = json_object_get(env, "digests");
	const char *k;
	char d[65];
	json_object_foreach(sealed, k, ct) {
		const char *want = json_string_value(json_object_get(digests, k));
		if (want == NULL || envelope_digest(ct, d) != 0 || strcmp(d, want) != 0)
			return WN_ESIG;
	}
	return 0;
}
/* The bodies are bound through their digests, so every recipient's copy
 * (its own body only) hashes alike. */
static const char *const drop_receipt[] = { "receipt", "sealed", NULL };
static const char *const drop_receipt_whole[] = { "receipt", NULL };
static const char *const drop_rsig[] = { "sig", NULL };

int envelope_sign_object(const json_t *obj, const char *context, const char *const *drop,
			 EVP_PKEY *key, char **sig_b64)
{
	char *input = NULL;
	uint8_t *sig = NULL;
	size_t len = 0, siglen = 0;
	int rc = envelope_signing_input(obj, context, drop, &input, &len);
	if (rc == 0)
		rc = pki_sign(key, input, len, &sig, &siglen);
	if (rc == 0)
		rc = b64_encode(sig, siglen, sig_b64);
	free(input);
	free(sig);
	return rc;
}

int envelope_sign(json_t *env, EVP_PKEY *key)
{
	char *b64 = NULL;
	json_object_del(env, "sig");
	json_object_del(env, "receipt");
	/* a signature is made under the version of today (1 is only read) */
	json_object_set_new(env, "v", json_integer(ENVELOPE_VERSION));
	int rc = envelope_set_digests(env);
	if (rc == 0)
		rc = envelope_sign_object(env, SIG_CONTEXT, drop_sig, key, &b64);
	if (rc == 0)
		json_object_set_new(env, "sig", json_string(b64));
	free(b64);
	return rc;
}

static int envelope_check_sig(const json_t *obj, const char *context, const char *const *drop,
			      X509 *cert, int fail_code)
{
	char *input = NULL;
	uint8_t *sig = NULL;
	size_t len = 0, siglen = 0;
	const char *s = json_string_value(json_object_get(obj, "sig"));
	if (s == NULL || cert == NULL)
		return fail_code;
	int rc = b64_decode(s, 160, &sig, &siglen);
	if (rc != 0) {
		rc = fail_code;
		goto out;
	}
	rc = envelope_signing_input(obj, context, drop, &input, &len);
	if (rc != 0)
		goto out;
	rc = pki_verify(cert, input, len, sig, siglen) == 0 ? 0 : fail_code;
out:
	free(input);
	free(sig);
	return rc;
}

int envelope_verify_object(const json_t *obj, const char *context, const char *const *drop,
			   X509 *cert)
{
	return envelope_check_sig(obj, context, drop, cert, WN_ESIG);
}

int envelope_hash_object(const json_t *obj, const char *const *drop, char out[65])
{
	char *input = NULL;
	size_t len = 0;
	uint8_t h[32];
	int rc = envelope_signing_input(obj, "", drop, &input, &len);
	if (rc == 0)
		rc = pki_sha256(input, len, h);
	if (rc == 0)
		hex_encode(h, 32, out);
	free(input);
	return rc;
}

int envelope_verify(const json_t *env, X509 *cert)
{
	if (envelope_whole(env))
		return envelope_check_sig(env, SIG_CONTEXT, drop_sig_whole, cert, WN_ESIG);
	if (envelope_check_digests(env) != 0)
		return WN_ESIG;
	return envelope_check_sig(env, SIG_CONTEXT, drop_sig, cert, WN_ESIG);
}

int envelope_hash_hex(const json_t *env, char out[65])
{
	return envelope_hash_object(env, envelope_whole(env) ? drop_receipt_whole : drop_receipt,
				    out);
}

int envelope_countersign(json_t *env, EVP_PKEY *key, const char *broker_id, int64_t index,
			 const char *leaf_hex, const struct receipt_attest *attest)
{
	char hash[65], *b64 = NULL;
	int rc = envelope_hash_hex(env, hash);
	if (rc != 0)
		return rc;
	json_t *r = json_pack("{s:s,s:I,s:s,s:s,s:I}", "by", broker_id, "index", (json_int_t)index,
			      "leaf", leaf_hex, "env", hash, "ts", (json_int_t)time_now_ms());
	if (r == NULL)
		return WN_ENOMEM;
	if (attest != NULL && attest->status != NULL)
		json_object_set_new(r, "status", json_string(attest->status));
	if (attest != NULL && attest->cluster != NULL)
		json_object_set_new(r, "cluster", json_string(attest->cluster));
	if (attest != NULL && attest->approval != NULL)
		json_object_set_new(r, "approval", json_string(attest->approval));
	if (attest != NULL && attest->person != NULL)
		json_object_set_new(r, "person", json_string(attest->person));
	if (attest != NULL && attest->people != NULL)
		json_object_set(r, "people", (json_t *)attest->people);
	if (attest != NULL && attest->keys != NULL)
		json_object_set(r, "keys", (json_t *)attest->keys);
	if (attest != NULL && attest->policy_version > 0)
		json_object_set_new(r, "policy", json_integer(attest->policy_version));
	rc = envelope_sign_object(r, RECEIPT_CONTEXT, drop_rsig, key, &b64);
	if (rc == 0) {
		json_object_set_new(r, "sig", json_string(b64));
		json_object_set(env, "receipt", r);
	}
	json_decref(r);
	free(b64);
	return rc;
}

int envelope_verify_receipt(const json_t *env, X509 *broker_cert, const char *broker_id)
{
	json_t *r = json_object_get(env, "receipt");
	char hash[65];
	if (r == NULL || broker_cert == NULL)
		return WN_ENORECEIPT;
	const char *by = json_string_value(json_object_get(r, "by"));
	const char *bound = json_string_value(json_object_get(r, "env"));
	if (by == NULL || bound == NULL || strcmp(by, broker_id) != 0)
		return WN_ENORECEIPT;
	if (envelope_hash_hex(env, hash) != 0 || strcmp(hash, bound) != 0)
		return WN_ENORECEIPT;
	return envelope_check_sig(r, RECEIPT_CONTEXT, drop_rsig, broker_cert, WN_ENORECEIPT);
}

int envelope_encode_for(const json_t *env, const char *recipient, char **out, size_t *len)
{
	if (envelope_whole(env)) /* its signature covers every body: all of them go */
		return envelope_encode(env, out, len);
	json_t *copy = json_copy((json_t *)env), *own = json_object();
	json_t *ct = json_object_get(json_object_get(env, "sealed"), recipient);
	int rc = WN_ENOMEM;
	if (copy == NULL || own == NULL)
		goto out;
	if (ct != NULL && json_object_set(own, recipient, ct) != 0)
		goto out;
	if (json_object_get(env, "sealed") != NULL && json_object_set(copy, "sealed", own) != 0)
		goto out;
	rc = envelope_encode(copy, out, len);
out:
	json_decref(own);
	json_decref(copy);
	return rc;
}

int envelope_encode(const json_t *env, char **out, size_t *len)
{
	int rc = canon_dump(env, out, len);
	if (rc == 0 && *len > ENVELOPE_MAX_BYTES) {
		free(*out);
		*out = NULL;
		return WN_ETOOBIG;
	}
	return rc;
}

/* The routing header (and the recipient) authenticated by each seal. */
static int envelope_seal_aad(const json_t *env, const char *recipient, char **out, size_t *len)
{
	static const char *const drop[] = { "sealed", "digests", "body", "sig", "receipt", NULL };
	char ctx[96];
	snprintf(ctx, sizeof(ctx), "wijknet-seal-aad-v1 %s\n", recipient);
	return envelope_signing_input(env, ctx, drop, out, len);
}

int envelope_seal(json_t *env, const char *recipient, const uint8_t pk[32], const json_t *body)
{
	return envelope_seal_padded(env, recipient, pk, body, 0);
}

int envelope_seal_padded(json_t *env, const char *recipient, const uint8_t pk[32],
			 const json_t *body, size_t pad_to)
{
	char *aad = NULL, *plain = NULL, *b64 = NULL;
	uint8_t *padded = NULL, *ct = NULL;
	size_t aadlen = 0, plen = 0, ctlen = 0;
	int rc = canon_dump(body, &plain, &plen);
	if (rc != 0)
		goto out;
	size_t padlen = (plen / ENVELOPE_PAD + 1) * ENVELOPE_PAD;
	if (pad_to == ENVELOPE_PAD_BUCKETS) {
		size_t bucket = ENVELOPE_BUCKET_MIN;
		while (bucket < padlen && bucket < ENVELOPE_MAX_SEALED)
			bucket *= 2;
		pad_to = bucket < ENVELOPE_MAX_SEALED ? bucket : ENVELOPE_MAX_SEALED;
	}
	if (pad_to > padlen)
		padlen = pad_to;
	if (padlen > ENVELOPE_MAX_SEALED) {
		rc = WN_ETOOBIG;
		goto out;
	}
	padded = calloc(1, padlen);
	ct = malloc(padlen + HPKE_OVERHEAD);
	if (padded == NULL || ct == NULL) {
		rc = WN_ENOMEM;
		goto out;
	}
	memcpy(padded, plain, plen); /* zero padding: JSON never holds a NUL */
	rc = envelope_seal_aad(env, recipient, &aad, &aadlen);
	if (rc != 0)
		goto out;
	rc = hpke_seal(pk, (const uint8_t *)SEAL_INFO, strlen(SEAL_INFO), (uint8_t *)aad, aadlen,
		       padded, padlen, ct, padlen + HPKE_OVERHEAD, &ctlen);
	if (rc != 0)
		goto out;
	rc = b64_encode(ct, ctlen, &b64);
	if (rc != 0)
		goto out;
	json_t *sealed = json_object_get(env, "sealed");
	if (sealed == NULL) {
		sealed = json_object();
		json_object_set_new(env, "sealed", sealed);
	}
	json_object_set_new(sealed, recipient, json_string(b64));
out:
	if (plain)
		OPENSSL_cleanse(plain, plen);
	if (padded)
		OPENSSL_cleanse(padded, plen);
	free(plain);
	free(padded);
	free(ct);
	free(aad);
	free(b64);
	return rc;
}

int envelope_open(const json_t *env, const char *self, const uint8_t sk[32], json_t **body)
{
	char *aad = NULL;
	uint8_t *ct = NULL, *pt = NULL;
	size_t aadlen = 0, ctlen = 0, ptlen = 0;
	int rc = WN_ESEAL;
	const char *b64 = json_string_value(json_object_get(json_object_get(env, "sealed"), self));
	if (b64 == NULL)
		return WN_ESEAL;
	if (b64_decode(b64, ENVELOPE_MAX_SEALED + HPKE_OVERHEAD, &ct, &ctlen) != 0 ||
	    ctlen < HPKE_OVERHEAD)
		goto out;
	pt = malloc(ctlen);
	if (pt == NULL) {
		rc = WN_ENOMEM;
		goto out;
	}
	rc = envelope_seal_aad(env, self, &aad, &aadlen);
	if (rc != 0)
		goto out;
	rc = hpke_open(sk, (const uint8_t *)SEAL_INFO, strlen(SEAL_INFO), (uint8_t *)aad, aadlen,
		       ct, ctlen, pt, ctlen, &ptlen);
	if (rc != 0) {
		rc = WN_ESEAL;
		goto out;
	}
	size_t n = strnlen((char *)pt, ptlen);
	json_error_t jerr;
	json_t *b = json_loadb((char *)pt, n, JSON_REJECT_DUPLICATES, &jerr);
	if (b == NULL || !json_is_object(b)) {
		json_decref(b);
		rc = WN_ESEAL;
		goto out;
	}
	*body = b;
	rc = 0;
out:
	if (pt)
		OPENSSL_cleanse(pt, ctlen);
	free(pt);
	free(ct);
	free(aad);
	return rc;
}

int envelope_error(json_t **out, const json_t *req, const char *from, EVP_PKEY *key, int code,
		   const char *text)
{
	const char *to = req ? envelope_str(req, "from") : NULL;
	json_t *env = NULL;
	int rc = envelope_new1(&env, "error", from, to ? to : from);
	if (rc != 0)
		return rc;
	if (req != NULL && envelope_str(req, "id") != NULL)
		envelope_set_str(env, "re", envelope_str(req, "id"));
	json_object_set_new(env, "body", json_pack("{s:s,s:i,s:s}", "error", wn_errname(code),
						   "code", code, "message", text ? text : wn_strerror(code)));
	if (key != NULL && (rc = envelope_sign(env, key)) != 0) {
		json_decref(env);
		return rc;
	}
	*out = env;
	return 0;
}
