/*
 * casekey.c — case keys: sealed to a partner, kept encrypted at rest, taken
 * from the broker's copy when missing, and used to test whether a person is
 * a member of a case's household.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "wijknet.h"
#include "casekey.h"
#include "context.h"
#include "encoding.h"
#include "envelope.h"
#include "ids.h"
#include "log.h"
#include "schema.h"
#include "secret.h"
#include "secevent.h"

static const char CASEKEY_AAD[] = "wijknet-case-key-at-rest-v1";
static const char BASIS_AAD[] = "wijknet-case-basis-at-rest-v1";
#define BASIS_MAX (16 * 1024)

static const struct schema_field key_body_fields[] = {
	{ "case", SCHEMA_STRING, 1, 32 },
	{ "key", SCHEMA_STRING, 1, 64 },
	{ NULL, 0, 0, 0 },
};

int casekey_seal(json_t *env, const char *case_id, const char *partner, const uint8_t pk[32],
		 const uint8_t key[HOUSEHOLD_KEY_LEN])
{
	char *b64 = NULL;
	int rc = b64_encode(key, HOUSEHOLD_KEY_LEN, &b64);
	if (rc != 0)
		return rc;
	json_t *body = json_pack("{s:s,s:s}", "case", case_id, "key", b64);
	rc = body ? envelope_seal(env, partner, pk, body) : WN_ENOMEM;
	OPENSSL_cleanse(b64, strlen(b64));
	free(b64);
	secret_wipe_member(body, "key");
	json_decref(body);
	return rc;
}

struct casekey_row {
	const char *case_id, *sealed_by;
	uint8_t enc[HOUSEHOLD_KEY_LEN + KEYS_SEAL_OVERHEAD];
	uint8_t *basis_enc; /* NULL: keep what is there */
	size_t basis_len;
	const char *basis;  /* the same, in clear: the consents it names are bound */
};

/* Binds the consents a case was opened on (basis, JSON text) to it in the
 * clear: retention keeps a consent while a case it serves runs. d locked. */
static int casekey_bind_basis_locked(db *d, const char *case_id, const char *basis)
{
	json_error_t jerr;
	json_t *b = json_loads(basis, 0, &jerr), *x;
	sqlite3_stmt *st = NULL;
	size_t i;
	int rc = 0;
	const char *kind = json_string_value(json_object_get(b, "kind"));
	int consents = kind != NULL && strcmp(kind, "consent") == 0;
	if ((rc = db_prepare(d, "INSERT OR IGNORE INTO case_consents(case_id, consent_id)"
			       " VALUES (?, ?)", &st)) != 0)
		goto out;
	/* '' marks a case whose basis was read: an urgent one is not read again */
	sqlite3_bind_text(st, 1, case_id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, "", -1, SQLITE_STATIC);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : WN_EDB;
	json_array_foreach(consents && rc == 0 ? json_object_get(b, "consents") : NULL, i, x) {
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, case_id, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 2, json_string_value(x), -1, SQLITE_TRANSIENT);
		if ((rc = sqlite3_step(st) == SQLITE_DONE ? 0 : WN_EDB) != 0)
			break;
	}
out:
	sqlite3_finalize(st);
	secret_wipe_all(b); /* an urgent basis holds its motivation */
	json_decref(b);
	return rc;
}

struct casekey_binding {
	const char *case_id, *consent_id;
};

static int casekey_bind_run(db *d, void *arg)
{
	const struct casekey_binding *b = arg;
	sqlite3_stmt *st = NULL;
	int rc = db_prepare(d, "INSERT OR IGNORE INTO case_consents(case_id, consent_id)"
			       " VALUES (?, ?)", &st);
	if (rc != 0)
		return rc;
	sqlite3_bind_text(st, 1, b->case_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, b->consent_id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : WN_EDB;
	sqlite3_finalize(st);
	return rc;
}

int casekey_bind_consent(struct node *n, const char *case_id, const char *consent_id)
{
	struct casekey_binding b = { case_id, consent_id };
	return db_writer_run(n->writer, casekey_bind_run, &b);
}

int casekey_bind_consents_locked(struct node *n, db *d, const char *case_id)
{
	sqlite3_stmt *st = NULL;
	json_t *todo = json_array(), *x;
	size_t i;
	int rc = db_prepare(d, "SELECT case_id, basis_enc FROM case_keys k WHERE basis_enc IS NOT"
			       " NULL AND (?1 IS NULL OR case_id = ?1) AND NOT EXISTS (SELECT 1 FROM"
			       " case_consents c WHERE c.case_id = k.case_id)", &st);
	if (rc != 0) {
		json_decref(todo);
		return rc;
	}
	if (case_id != NULL)
		sqlite3_bind_text(st, 1, case_id, -1, SQLITE_TRANSIENT);
	while (sqlite3_step(st) == SQLITE_ROW) {
		size_t len = (size_t)sqlite3_column_bytes(st, 1);
		uint8_t *plain = len > KEYS_SEAL_OVERHEAD ? malloc(len) : NULL;
		if (plain != NULL &&
		    keys_open(&n->keys, BASIS_AAD, sqlite3_column_blob(st, 1), len, plain) == 0)
			json_array_append_new(todo, json_pack("{s:s,s:s%}", "case",
				(const char *)sqlite3_column_text(st, 0), "basis", (const char *)plain,
				len - KEYS_SEAL_OVERHEAD));
		if (plain != NULL)
			OPENSSL_cleanse(plain, len);
		free(plain);
	}
	sqlite3_finalize(st);
	json_array_foreach(todo, i, x) {
		if (rc == 0)
			rc = casekey_bind_basis_locked(d, json_string_value(json_object_get(x, "case")),
						       json_string_value(json_object_get(x, "basis")));
		secret_wipe_member(x, "basis");
	}
	json_decref(todo);
	return rc;
}

static int casekey_insert(db *d, void *arg)
{
	const struct casekey_row *r = arg;
	sqlite3_stmt *st = NULL;
	int rc = db_prepare(d, "INSERT INTO case_keys(case_id, key_enc, sealed_by, received_at,"
			       " basis_enc) VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT(case_id) DO"
			       " UPDATE SET key_enc = ?2, sealed_by = ?3, received_at = ?4,"
			       " basis_enc = COALESCE(?5, basis_enc)", &st);
	if (rc != 0)
		return rc;
	sqlite3_bind_text(st, 1, r->case_id, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, r->enc, sizeof(r->enc), SQLITE_STATIC);
	sqlite3_bind_text(st, 3, r->sealed_by, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, time_now_ms());
	if (r->basis_enc != NULL)
		sqlite3_bind_blob(st, 5, r->basis_enc, (int)r->basis_len, SQLITE_STATIC);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : WN_EDB;
	sqlite3_finalize(st);
	if (rc == 0 && r->basis != NULL)
		rc = casekey_bind_basis_locked(d, r->case_id, r->basis);
	return rc;
}

int casekey_store(struct node *n, const char *case_id, const uint8_t key[HOUSEHOLD_KEY_LEN],
		  const char *sealed_by, const char *basis)
{
	struct casekey_row r = { case_id, sealed_by, { 0 }, NULL, 0, basis };
	size_t len = basis ? strlen(basis) : 0;
	int rc = len > BASIS_MAX ? WN_ETOOBIG : 0;
	if (rc == 0 && basis != NULL) {
		r.basis_len = len + KEYS_SEAL_OVERHEAD;
		if ((r.basis_enc = malloc(r.basis_len)) == NULL)
			rc = WN_ENOMEM;
		else
			rc = keys_seal(&n->keys, BASIS_AAD, basis, len, r.basis_enc);
	}
	if (rc == 0)
		rc = keys_seal(&n->keys, CASEKEY_AAD, key, HOUSEHOLD_KEY_LEN, r.enc);
	if (rc == 0)
		rc = db_writer_run(n->writer, casekey_insert, &r);
	free(r.basis_enc);
	return rc;
}

struct casekey_gone {
	struct node *n;
	const char *case_id;
};

static int casekey_delete(db *d, void *arg)
{
	const struct casekey_gone *g = arg;
	sqlite3_stmt *st = NULL;
	/* the consents it was opened on stay bound once the basis is gone */
	int rc = casekey_bind_consents_locked(g->n, d, g->case_id);
	if (rc == 0)
		rc = db_prepare(d, "DELETE FROM case_keys WHERE case_id = ?", &st);
	if (rc != 0)
		return rc;
	sqlite3_bind_text(st, 1, g->case_id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : WN_EDB;
	sqlite3_finalize(st);
	/* what this node keeps of the case has its retention clock from now on */
	if (rc == 0 && (rc = db_prepare(d, "INSERT OR REPLACE INTO case_closed(case_id, closed_at)"
				       " VALUES (?, ?)", &st)) == 0) {
		sqlite3_bind_text(st, 1, g->case_id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, time_now_ms());
		rc = sqlite3_step(st) == SQLITE_DONE ? 0 : WN_EDB;
		sqlite3_finalize(st);
	}
	return rc;
}

int casekey_forget(struct node *n, const char *case_id)
{
	struct casekey_gone g = { n, case_id };
	return db_writer_run(n->writer, casekey_delete, &g);
}

/* This node's own copy: 0, WN_ENOTFOUND, or an error. */
static int casekey_local(struct node *n, const char *case_id, uint8_t key[HOUSEHOLD_KEY_LEN])
{
	sqlite3_stmt *st = NULL;
	db_lock(n->db);
	int rc = db_prepare(n->db, "SELECT key_enc FROM case_keys WHERE case_id = ?", &st);
	if (rc == 0) {
		sqlite3_bind_text(st, 1, case_id, -1, SQLITE_TRANSIENT);
		int s = sqlite3_step(st);
		if (s == SQLITE_ROW && sqlite3_column_bytes(st, 0) ==
					       HOUSEHOLD_KEY_LEN + KEYS_SEAL_OVERHEAD)
			rc = keys_open(&n->keys, CASEKEY_AAD, sqlite3_column_blob(st, 0),
				       HOUSEHOLD_KEY_LEN + KEYS_SEAL_OVERHEAD, key);
		else
			rc = s == SQLITE_DONE ? WN_ENOTFOUND : s == SQLITE_ROW ? WN_ECRYPTO : WN_EDB;
	}
	sqlite3_finalize(st);
	db_unlock(n->db);
	return rc;
}

/* Opens an envelope that sealed the key of case_id to this node: signed by a
 * partner in the directory, of a case-key type, naming this case. */
static int casekey_open_envelope(struct node *n, const char *case_id, const json_t *kenv,
				 uint8_t key[HOUSEHOLD_KEY_LEN], char *err, size_t errcap)
{
	char detail[200];
	json_t *body = NULL;
	uint8_t *raw = NULL;
	size_t rawlen = 0;
	struct directory *d = node_directory(n);
	int rc = WN_ESEAL;
	const char *type = envelope_str(kenv, "type"), *from = envelope_str(kenv, "from");
	struct dir_peer *p = NULL;
	if (envelope_check(kenv, detail, sizeof(detail)) != 0 || type == NULL ||
	    (strcmp(type, "case.open") != 0 && strcmp(type, "case.join") != 0) ||
	    envelope_str(kenv, "case") == NULL || strcmp(envelope_str(kenv, "case"), case_id) != 0) {
		snprintf(err, errcap, "the case key of case %s did not come in a case envelope",
			 case_id);
		goto out;
	}
	if ((p = directory_find(d, from)) == NULL || envelope_verify(kenv, p->cert) != 0) {
		snprintf(err, errcap, "the case key of case %s is not signed by the partner '%s' "
			 "that sealed it", case_id, from);
		rc = WN_ESIG;
		goto out;
	}
	if (envelope_open(kenv, n->ident->id, n->keys.seal_sk, &body) != 0 ||
	    schema_check(body, key_body_fields, detail, sizeof(detail)) != 0 ||
	    strcmp(json_string_value(json_object_get(body, "case")), case_id) != 0 ||
	    b64_decode(json_string_value(json_object_get(body, "key")), HOUSEHOLD_KEY_LEN, &raw,
		       &rawlen) != 0 ||
	    rawlen != HOUSEHOLD_KEY_LEN) {
		snprintf(err, errcap, "the case key of case %s cannot be opened by '%s'", case_id,
			 n->ident->id);
		goto out;
	}
	memcpy(key, raw, HOUSEHOLD_KEY_LEN);
	if ((rc = casekey_store(n, case_id, key, from, NULL)) != 0)
		snprintf(err, errcap, "the case key of case %s cannot be kept", case_id);
out:
	if (raw != NULL)
		OPENSSL_cleanse(raw, rawlen);
	free(raw);
	secret_wipe_member(body, "key");
	json_decref(body);
	directory_release(d);
	if (rc == WN_ESIG)
		secevent_record(n->db, WN_ESIG, from, envelope_str(kenv, "id"), err);
	return rc;
}

/* Sends a case.get or case.key to the broker; *body its answer. */
static int casekey_call(struct node *n, const char *type, const char *case_id, json_t **body,
			char *err, size_t errcap)
{
	json_t *env = NULL, *reply = NULL;
	int rc = envelope_new1(&env, type, n->ident->id, n->broker_id);
	if (rc != 0)
		return rc;
	envelope_set_str(env, "case", case_id);
	json_object_set_new(env, "body", json_object());
	rc = node_call_broker(n, env, n->call_timeout_ms, &reply, err, errcap);
	if (rc == 0)
		*body = json_incref(envelope_body(reply));
	json_decref(env);
	json_decref(reply);
	return rc;
}

int casekey_get(struct node *n, const char *case_id, uint8_t key[HOUSEHOLD_KEY_LEN], char *err,
		size_t errcap)
{
	json_t *body = NULL;
	int rc = casekey_local(n, case_id, key);
	if (rc != WN_ENOTFOUND)
		return rc;
	if ((rc = casekey_call(n, "case.key", case_id, &body, err, errcap)) != 0)
		return rc;
	rc = casekey_open_envelope(n, case_id, json_object_get(body, "envelope"), key, err, errcap);
	json_decref(body);
	return rc;
}

int casekey_of_query(struct node *n, const json_t *query, uint8_t key[HOUSEHOLD_KEY_LEN],
		     char *err, size_t errcap)
{
	const char *case_id = envelope_str(query, "case");
	int rc = casekey_local(n, case_id, key);
	if (rc != WN_ENOTFOUND)
		return rc;
	const json_t *kenv = json_object_get(json_object_get(json_object_get(query, "receipt"),
							     "keys"), n->ident->id);
	if (kenv == NULL) {
		snprintf(err, errcap, "'%s' holds no key of case %s and the broker sent none",
			 n->ident->id, case_id);
		return WN_ENOTMEMBER;
	}
	return casekey_open_envelope(n, case_id, kenv, key, err, errcap);
}

int casekey_case(struct node *n, const char *case_id, json_t **out, char *err, size_t errcap)
{
	json_t *body = NULL;
	int rc = casekey_call(n, "case.get", case_id, &body, err, errcap);
	if (rc != 0)
		return rc;
	json_t *c = json_object_get(body, "case");
	if (c == NULL) {
		json_decref(body);
		snprintf(err, errcap, "the broker's answer holds no case");
		return WN_EPROTO;
	}
	*out = json_incref(c);
	json_decref(body);
	return 0;
}

/* The person's commitment under the key of the case. */
static int casekey_commit(struct node *n, const char *case_id, const char *bsn,
			  char commit[HOUSEHOLD_COMMIT_HEX + 1], char *err, size_t errcap)
{
	uint8_t key[HOUSEHOLD_KEY_LEN];
	int rc = casekey_get(n, case_id, key, err, errcap);
	if (rc == 0)
		rc = household_commit(key, bsn, commit);
	OPENSSL_cleanse(key, sizeof(key));
	return rc;
}

int casekey_has_person(struct node *n, const char *case_id, const char *bsn,
		       char commit[HOUSEHOLD_COMMIT_HEX + 1], int *member, char *err,
		       size_t errcap)
{
	json_t *c = NULL;
	int rc = casekey_commit(n, case_id, bsn, commit, err, errcap);
	if (rc == 0)
		rc = casekey_case(n, case_id, &c, err, errcap);
	if (rc == 0)
		*member = household_has(json_object_get(c, "people"), commit);
	json_decref(c);
	return rc;
}

/* WN_ENOTINCASE, recorded against peer, when c does not count commit. */
static int casekey_person_verdict(struct node *n, const json_t *c, const char *case_id,
				  const char *commit, const char *peer, char *err, size_t errcap)
{
	if (household_has(json_object_get(c, "people"), commit))
		return 0;
	snprintf(err, errcap, "the person is not a member of the household of case %s: only "
		 "the partners of a client's case receive information about that client "
		 "(Heerlen 7.1)", case_id);
	secevent_record(n->db, WN_ENOTINCASE, peer, NULL, err);
	return WN_ENOTINCASE;
}

int casekey_check_person(struct node *n, const char *case_id, const char *bsn,
			 const char *peer, char commit[HOUSEHOLD_COMMIT_HEX + 1], char *err,
			 size_t errcap)
{
	json_t *c = NULL;
	int rc = casekey_commit(n, case_id, bsn, commit, err, errcap);
	if (rc == 0)
		rc = casekey_case(n, case_id, &c, err, errcap);
	if (rc == 0)
		rc = casekey_person_verdict(n, c, case_id, commit, peer, err, errcap);
	json_decref(c);
	return rc;
}

int casekey_check_person_in(struct node *n, const json_t *c, const char *case_id,
			    const char *bsn, const char *peer,
			    char commit[HOUSEHOLD_COMMIT_HEX + 1], char *err, size_t errcap)
{
	int rc = casekey_commit(n, case_id, bsn, commit, err, errcap);
	if (rc == 0)
		rc = casekey_person_verdict(n, c, case_id, commit, peer, err, errcap);
	return rc;
}

int casekey_case_has_member(const json_t *c, const char *partner)
{
	size_t i;
	json_t *x;
	json_array_foreach(json_object_get(c, "members"), i, x) {
		const char *id = json_string_value(json_object_get(x, "partner"));
		if (id != NULL && strcmp(id, partner) == 0)
			return 1;
	}
	return 0;
}
