/*
 * envelope.h — the signed message every party exchanges (DESIGN "Messages").
 *
 * Header (readable by the broker): v, id, ts, type, from, to, and where a
 * type needs them case, purpose, ground, actor, re (the id answered). A plain
 * `body` carries non-personal content (directory, health); `sealed` maps a
 * partner id to an HPKE ciphertext only that partner can open, with the
 * routing header as additional data, and `digests` maps it to the SHA-256 of
 * that ciphertext. `sig` is the sender's ECDSA P-256 signature over the
 * canonical form of everything but the bodies (their digests stand for
 * them), so the broker forwards each recipient only its own body; `receipt`
 * is the broker's countersignature, binding its audit-log entry to the
 * envelope (likewise without the bodies).
 */
#ifndef WN_ENVELOPE_H
#define WN_ENVELOPE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#define ENVELOPE_VERSION 2 /* 2: the signature covers the sealed bodies' digests */
#define ENVELOPE_VERSION_WHOLE 1 /* still read: signed its bodies whole (before 0.5) */
#define ENVELOPE_MAX_BYTES (512 * 1024) /* whole message on the wire */
#define ENVELOPE_MAX_TO 64              /* recipients of one message */
#define ENVELOPE_MAX_SEALED (320 * 1024) /* one sealed body, decoded (a request's answer) */
#define ENVELOPE_PAD 256                /* sealed bodies padded to a multiple */
#define ENVELOPE_MAX_PEOPLE 32          /* members of one household a receipt names */

/* Parses raw wire bytes with the strict header schema: size limit, JSON
 * syntax, unknown/missing/mistyped fields, version, known type. *out is
 * owned by the caller (json_decref). err names what was wrong. */
int envelope_parse(const void *buf, size_t len, json_t **out, char *err, size_t errcap);

/* The same header checks on an already parsed object: a stored copy, which
 * may be of version 1 (before 0.5). Errors: WN_ESCHEMA. */
int envelope_check(const json_t *env, char *err, size_t errcap);

/* envelope_check for a message on the wire (an answer relayed inside
 * another message too): of today's version only, since a version 1 message
 * carries every recipient's body to each. Errors: WN_ESCHEMA. */
int envelope_check_wire(const json_t *env, char *err, size_t errcap);

/* Creates an unsigned envelope with a fresh id and the current time.
 * *out: json_decref(). */
int envelope_new(json_t **out, const char *type, const char *from, const char *const *to,
		 size_t nto);

/* Shorthand for one recipient. */
int envelope_new1(json_t **out, const char *type, const char *from, const char *to);

/* Signs env with key: sets "digests" of its sealed bodies and "sig", drops
 * any old "sig" and "receipt". Seal every body before signing. */
int envelope_sign(json_t *env, EVP_PKEY *key);

/* Signs any JSON object the way envelopes are signed: the canonical form of
 * obj without the fields named in drop (NULL-terminated), prefixed by
 * context. *sig_b64 is malloc'd (caller frees). */
int envelope_sign_object(const json_t *obj, const char *context, const char *const *drop,
			 EVP_PKEY *key, char **sig_b64);

/* Verifies obj's "sig" member likewise: 0 or WN_ESIG. */
int envelope_verify_object(const json_t *obj, const char *context, const char *const *drop,
			   X509 *cert);

/* SHA-256 (hex) of the canonical form of obj without the fields in drop. */
int envelope_hash_object(const json_t *obj, const char *const *drop, char out[65]);

/* Verifies "sig" with the sender's certificate, and that each body present
 * is the one its digest names: 0 or WN_ESIG. */
int envelope_verify(const json_t *env, X509 *cert);

/* SHA-256 of the canonical envelope without its receipt (hex, 65 bytes). */
int envelope_hash_hex(const json_t *env, char out[65]);

/* What the broker attests in a receipt beyond the audit entry (any may be
 * NULL): the consent status it saw, the case's cluster, the third-party
 * approval status it saw and the person it was approved for, the household
 * members of the case (their commitments, array), and per recipient the
 * signed envelope that sealed the case key to it (object partner → env). */
struct receipt_attest {
	const char *status;
	const char *cluster;
	const char *approval;
	const char *person;
	const json_t *people;
	const json_t *keys;
	int policy_version;   /* the federation policy it was decided under, 0: none */
};

/* Adds the broker's receipt: audit index, leaf hash, time and attest (may
 * be NULL), signed with the broker key. */
int envelope_countersign(json_t *env, EVP_PKEY *key, const char *broker_id, int64_t index,
			 const char *leaf_hex, const struct receipt_attest *attest);

/* Verifies the receipt against the broker's certificate and that it binds
 * this exact envelope: 0 or WN_ENORECEIPT. */
int envelope_verify_receipt(const json_t *env, X509 *broker_cert, const char *broker_id);

/* Canonical wire form; *out malloc'd (caller frees). */
int envelope_encode(const json_t *env, char **out, size_t *len);

/* The wire form recipient gets: env with only the body sealed to it (the
 * signature and receipt hold, as they cover the digests). *out: free(). */
int envelope_encode_for(const json_t *env, const char *recipient, char **out, size_t *len);

/* Seals body (canonical JSON, padded) to recipient's X25519 public key. */
int envelope_seal(json_t *env, const char *recipient, const uint8_t pk[32], const json_t *body);

/* envelope_seal padding to at least pad_to bytes, so that bodies of one
 * size class (a lookup answer for a household of n) all seal to one size.
 * pad_to ENVELOPE_PAD_BUCKETS: to the next power of two from
 * ENVELOPE_BUCKET_MIN (at most ENVELOPE_MAX_SEALED), so a data request's
 * answer says little by its size: a refusal and a small disclosure alike. */
#define ENVELOPE_PAD_BUCKETS ((size_t)-1)
#define ENVELOPE_BUCKET_MIN 4096
int envelope_seal_padded(json_t *env, const char *recipient, const uint8_t pk[32],
			 const json_t *body, size_t pad_to);

/* Opens the part sealed to self with its private key. *body: json_decref().
 * WN_ESEAL when nothing is sealed to self or it does not authenticate. */
int envelope_open(const json_t *env, const char *self, const uint8_t sk[32], json_t **body);

/* Header accessors (borrowed strings; NULL when absent). */
const char *envelope_str(const json_t *env, const char *field);
int64_t envelope_ts(const json_t *env);
json_t *envelope_body(const json_t *env);
/* 1 if id is among the recipients. */
int envelope_addressed_to(const json_t *env, const char *id);

/* Sets a string header field (case, purpose, ground, re). */
int envelope_set_str(json_t *env, const char *field, const char *value);

/* Builds a signed error reply to req (may be NULL) with code and text. */
int envelope_error(json_t **out, const json_t *req, const char *from, EVP_PKEY *key, int code,
		   const char *text);

#endif
