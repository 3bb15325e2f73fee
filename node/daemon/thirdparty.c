/*
 * thirdparty.c — the node's part in third-party disclosures (r08; Heerlen
 * 7.2, Bijlage 6): propose one for a person of the case — on the client's
 * consent asked beforehand, whose document goes sealed to the source, or on a
 * motivation that stays here, in the dossier, with its hash at the broker —
 * sign the versioned confidentiality declaration as the third party, approve
 * or reject as a partner of the case after checking whom it concerns, list
 * them. Every decision this node takes is kept, so that as a source it
 * discloses only what it approved, about the person it approved.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "wijknet.h"
#include "bsn.h"
#include "canon.h"
#include "casekey.h"
#include "consent.h"
#include "context.h"
#include "date.h"
#include "declaration.h"
#include "envelope.h"
#include "ground.h"
#include "household.h"
#include "ids.h"
#include "local.h"
#include "log.h"
#include "pki.h"
#include "schema.h"
#include "secret.h"
#include "secevent.h"
#include "thirdparty.h"
#include "tpnotice.h"
#include "vocab.h"

static const char TP_CONSENT_AAD[] = "wijknet-thirdparty-consent-v1";

static const struct schema_field tp_rq_fields[] = {
	{ "op", SCHEMA_STRING, 1, 32 },
	{ "case", SCHEMA_STRING, 0, 32 },
	{ "party", SCHEMA_STRING, 0, 63 },
	{ "source", SCHEMA_STRING, 0, 63 },
	{ "bsn", SCHEMA_STRING, 0, 16 },
	{ "categories", SCHEMA_ARRAY, 0, 32 },
	{ "purpose", SCHEMA_STRING, 0, 48 },
	{ "ground", SCHEMA_STRING, 0, 48 },
	{ "motivation", SCHEMA_OBJECT, 0, 0 },
	{ "consent", SCHEMA_STRING, 0, 32 },
	{ "approval", SCHEMA_STRING, 0, 32 },
	{ "declaration", SCHEMA_OBJECT, 0, 0 },
	{ "actor", SCHEMA_OBJECT, 0, 0 },
	{ NULL, 0, 0, 0 },
};

static const struct schema_field tp_sealed_fields[] = {
	{ "bsn", SCHEMA_STRING, 1, 16 },
	{ "consent", SCHEMA_OBJECT, 0, 0 },
	{ NULL, 0, 0, 0 },
};

struct tp_decision {
	const json_t *t;          /* the proposal as the broker returned it */
	const char *decision;
	const char *motivation;   /* proposer only */
	const json_t *actor;
	const uint8_t *consent_enc; /* source on consent: the document, encrypted */
	size_t consent_len;
	const char *consent_cert; /* …and its registrar's certificate it verified under */
	const char *notice;       /* source: the facts its client's letter names (JSON) */
};

static int tp_decision_insert(db *d, void *arg)
{
	const struct tp_decision *x = arg;
	const json_t *t = x->t;
	sqlite3_stmt *st = NULL;
	char *cats = json_dumps(json_object_get(t, "categories"), JSON_COMPACT);
	if (cats == NULL)
		return WN_ENOMEM;
	int rc = db_prepare(d, "INSERT OR REPLACE INTO third_party_decisions(id, case_id, party,"
			       " source, categories, purpose, ground, motivation, motivation_hash,"
			       " decision, decided_at, actor_id, actor_role, person, consent_enc,"
			       " notice_facts, consent_cert) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
			       &st);
	if (rc == 0) {
		const char *f[] = { "id", "case", "party", "source" };
		for (int i = 0; i < 4; i++)
			sqlite3_bind_text(st, i + 1, json_string_value(json_object_get(t, f[i])), -1,
					  SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 5, cats, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 6, json_string_value(json_object_get(t, "purpose")), -1,
				  SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 7, json_string_value(json_object_get(t, "ground")), -1,
				  SQLITE_TRANSIENT);
		if (x->motivation != NULL)
			sqlite3_bind_text(st, 8, x->motivation, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 9, json_string_value(json_object_get(t, "motivation_hash")), -1,
				  SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 10, x->decision, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 11, time_now_ms());
		sqlite3_bind_text(st, 12, json_string_value(json_object_get(x->actor, "id")), -1,
				  SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 13, json_string_value(json_object_get(x->actor, "role")), -1,
				  SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 14, json_string_value(json_object_get(t, "person")), -1,
				  SQLITE_TRANSIENT);
		if (x->consent_enc != NULL)
			sqlite3_bind_blob(st, 15, x->consent_enc, (int)x->consent_len,
					  SQLITE_TRANSIENT);
		if (x->notice != NULL)
			sqlite3_bind_text(st, 16, x->notice, -1, SQLITE_TRANSIENT);
		if (x->consent_enc != NULL && x->consent_cert != NULL)
			sqlite3_bind_text(st, 17, x->consent_cert, -1, SQLITE_TRANSIENT);
		rc = sqlite3_step(st) == SQLITE_DONE ? 0 : WN_EDB;
	}
	sqlite3_finalize(st);
	free(cats);
	return rc;
}

/* Sends type with body to the broker; *reply_body: the broker's answer. The
 * body is taken; env_out (may be NULL) gets a prepared envelope instead of
 * sending, for callers that seal parts to partners first. */
static int tp_call(struct node *n, const char *type, const char *case_id, const json_t *actor,
		   json_t *body, json_t **reply_body, char *err, size_t errcap)
{
	json_t *env = NULL, *reply = NULL;
	int rc = envelope_new1(&env, type, n->ident->id, n->broker_id);
	if (rc != 0) {
		json_decref(body);
		return rc;
	}
	json_object_set_new(env, "body", body);
	if (case_id != NULL)
		envelope_set_str(env, "case", case_id);
	if (actor != NULL)
		json_object_set(env, "actor", (json_t *)actor);
	rc = node_call_broker(n, env, n->call_timeout_ms, &reply, err, errcap);
	if (rc == 0) {
		json_t *b = envelope_body(reply);
		*reply_body = b ? json_incref(b) : json_object();
	}
	json_decref(env);
	json_decref(reply);
	return rc;
}

/* What a proposal rests on, checked here before anything leaves: a person of
 * the household, and on consent a consent this node holds that covers the
 * third party as recipient, the source, the purpose and the categories. */
static int tp_propose_basis(struct node *n, json_t *rq, char commit[HOUSEHOLD_COMMIT_HEX + 1],
			    json_t **consent_obj, char *err, size_t errcap)
{
	const char *case_id = json_string_value(json_object_get(rq, "case"));
	const char *bsn = json_string_value(json_object_get(rq, "bsn"));
	const char *ground = json_string_value(json_object_get(rq, "ground"));
	const char *consent = json_string_value(json_object_get(rq, "consent"));
	json_t *motivation = json_object_get(rq, "motivation");
	int rc;
	if (bsn_validate(bsn) != 0) {
		snprintf(err, errcap, "name the person the disclosure is about (a valid BSN): an "
			 "approval names the case and the person");
		return WN_EBSN;
	}
	if ((rc = casekey_check_person(n, case_id, bsn, n->ident->id, commit, err, errcap)) != 0)
		return rc;
	if (!ground_is_consent(ground)) {
		/* Heerlen 7.2: the motivation is documented in the dossier */
		if (motivation == NULL) {
			snprintf(err, errcap, "a third-party disclosure is motivated (Heerlen 7.2): give "
				 "the Bijlage 3 motivation, or propose on the client's consent");
			return WN_EMOTIVATION;
		}
		if (consent != NULL) {
			snprintf(err, errcap, "a consent is named only with the ground 'consent'");
			return WN_EINVAL;
		}
		return ground_check_motivation(strcmp(ground, "legal_obligation") == 0
						       ? ground : "vital_interest",
					       motivation, err, errcap);
	}
	/* the client's consent, asked beforehand (Heerlen 7.2) */
	if (consent == NULL) {
		snprintf(err, errcap, "ground consent: name the client's consent (--consent ID)");
		return WN_ECONSENT;
	}
	if ((rc = consent_load(n, consent, consent_obj, err, errcap)) != 0)
		return rc;
	char today[DATE_LEN + 1];
	struct directory *d = node_directory(n);
	const char *source = json_string_value(json_object_get(rq, "source"));
	date_today_plus(0, today);
	struct consent_use use = { bsn, json_string_value(json_object_get(rq, "purpose")),
				   json_string_value(json_object_get(rq, "party")),
				   source ? source : n->ident->id, json_object_get(rq, "categories"),
				   today, d ? d->max_consent_days : 0 };
	directory_release(d);
	return consent_covers(n, *consent_obj, &use, err, errcap);
}

/* Seals the person (and, to the source, the consent) to every partner of the
 * case but this one, so that each knows whom it decides about. */
static int tp_seal_members(struct node *n, json_t *env, const char *case_id, const char *source,
			   const char *bsn, const json_t *consent_obj, char *err, size_t errcap)
{
	json_t *c = NULL, *x;
	size_t i;
	int rc = casekey_case(n, case_id, &c, err, errcap);
	if (rc != 0)
		return rc;
	struct directory *d = node_directory(n);
	json_array_foreach(json_object_get(c, "members"), i, x) {
		const char *id = json_string_value(json_object_get(x, "partner"));
		struct dir_peer *p = directory_find(d, id);
		if (id == NULL || strcmp(id, n->ident->id) == 0)
			continue;
		if (p == NULL || !p->has_seal) {
			snprintf(err, errcap, "'%s', a partner of the case, has no verified sealing key: "
				 "it could not see whom it decides about", id);
			rc = WN_EUNAVAILABLE;
			break;
		}
		json_t *body = json_pack("{s:s}", "bsn", bsn);
		if (consent_obj != NULL && strcmp(id, source) == 0)
			json_object_set(body, "consent", (json_t *)consent_obj);
		rc = body ? envelope_seal(env, id, p->seal_pk, body) : WN_ENOMEM;
		secret_wipe_member(body, "bsn");
		json_decref(body);
		if (rc != 0)
			break;
	}
	directory_release(d);
	json_decref(c);
	return rc;
}

/* The facts of the motivation the client's letter names, sealed to a source
 * that is not the proposer: it sends the notice, the motivation stays here. */
static int tp_seal_notice(struct node *n, json_t *body, const json_t *rq, const char *commit,
			  char *err, size_t errcap)
{
	const char *source = json_string_value(json_object_get(rq, "source"));
	json_t *facts = tpnotice_facts(json_object_get(rq, "motivation"));
	char *b64 = NULL;
	int rc = 0;
	if (facts == NULL || source == NULL || strcmp(source, n->ident->id) == 0)
		goto out;
	struct directory *d = node_directory(n);
	struct dir_peer *p = directory_find(d, source);
	if (p == NULL || !p->has_seal) {
		snprintf(err, errcap, "the source '%s' has no verified sealing key", source);
		rc = WN_EUNAVAILABLE;
	} else if ((rc = tpnotice_seal(p->seal_pk, source, json_string_value(json_object_get(
					       rq, "case")), commit, facts, &b64)) == 0) {
		json_object_set_new(body, "notice", json_string(b64));
	} else {
		snprintf(err, errcap, "the motivation's interest and legal reference cannot be "
			 "sealed to the source '%s': %s", source, wn_strerror(rc));
	}
	directory_release(d);
out:
	free(b64);
	json_decref(facts);
	return rc;
}

/* The proposal as it goes to the broker: header, body, then the seals. */
static int tp_propose_envelope(struct node *n, json_t *rq, const char *commit,
			       const json_t *consent_obj, const char *hash, json_t **out,
			       char *err, size_t errcap)
{
	const char *case_id = json_string_value(json_object_get(rq, "case"));
	const char *source = json_string_value(json_object_get(rq, "source"));
	json_t *env = NULL;
	int rc = envelope_new1(&env, "thirdparty.propose", n->ident->id, n->broker_id);
	if (rc != 0)
		return rc;
	envelope_set_str(env, "case", case_id);
	json_object_set(env, "actor", json_object_get(rq, "actor"));
	json_t *body = json_pack("{s:O,s:O,s:O,s:O,s:s}", "party", json_object_get(rq, "party"),
				 "categories", json_object_get(rq, "categories"), "purpose",
				 json_object_get(rq, "purpose"), "ground",
				 json_object_get(rq, "ground"), "person", commit);
	if (source != NULL)
		json_object_set_new(body, "source", json_string(source));
	if (hash != NULL)
		json_object_set_new(body, "motivation_hash", json_string(hash));
	if (consent_obj != NULL) {
		char version[CONSENT_VERSION_LEN + 1];
		if ((rc = consentdoc_version(consent_obj, version)) == 0)
			json_object_set_new(body, "consent",
					    json_pack("{s:O,s:s}", "id",
						      json_object_get(consent_obj, "id"), "version",
						      version));
	}
	json_object_set_new(env, "body", body);
	/* on consent the letter names the consent, not a motivation */
	if (rc == 0 && hash != NULL &&
	    !ground_is_consent(json_string_value(json_object_get(rq, "ground"))))
		rc = tp_seal_notice(n, body, rq, commit, err, errcap);
	if (rc == 0)
		rc = tp_seal_members(n, env, case_id, source ? source : n->ident->id,
				     json_string_value(json_object_get(rq, "bsn")), consent_obj, err,
				     errcap);
	if (rc != 0) {
		json_decref(env);
		return rc;
	}
	*out = env;
	return 0;
}

/* The consent document a source approves on, encrypted at rest. */
static int tp_seal_consent(struct node *n, const json_t *consent, uint8_t **enc, size_t *len)
{
	char *canon = NULL;
	size_t clen = 0;
	int rc = canon_dump(consent, &canon, &clen);
	if (rc != 0)
		return rc;
	*len = clen + KEYS_SEAL_OVERHEAD;
	if ((*enc = malloc(*len)) == NULL)
		rc = WN_ENOMEM;
	else if ((rc = keys_seal(&n->keys, TP_CONSENT_AAD, canon, clen, *enc)) != 0) {
		free(*enc);
		*enc = NULL;
	}
	OPENSSL_cleanse(canon, clen);
	free(canon);
	return rc;
}

/* The motivation's hash the broker keeps, keyed with the case key: a
 * motivation follows a form, and a plain hash of it could be guessed. */
static int tp_motivation_hash(struct node *n, const json_t *rq, const json_t *motivation,
			      char hash[HOUSEHOLD_COMMIT_HEX + 1], char *err, size_t errcap)
{
	uint8_t key[HOUSEHOLD_KEY_LEN];
	int rc = casekey_get(n, json_string_value(json_object_get(rq, "case")), key, err, errcap);
	if (rc == 0)
		rc = household_keyed_hash(key, motivation, hash);
	OPENSSL_cleanse(key, sizeof(key));
	return rc;
}

/* The purpose and categories are the vocabulary's (r05), each named once:
 * a typo is the professional's, refused here rather than at the broker,
 * where it would be a refusal on record against this partner. */
static int tp_check_terms(const json_t *rq, char *err, size_t errcap)
{
	const char *purpose = json_string_value(json_object_get(rq, "purpose"));
	if (purpose == NULL || !vocab_purpose_known(purpose)) {
		snprintf(err, errcap, "unknown purpose '%.64s'", purpose ? purpose : "?");
		return WN_EPURPOSE;
	}
	return local_check_categories(json_object_get(rq, "categories"), err, errcap);
}

static json_t *tp_propose(struct node *n, json_t *rq)
{
	char err[512] = "", hash[HOUSEHOLD_COMMIT_HEX + 1], commit[HOUSEHOLD_COMMIT_HEX + 1];
	json_t *actor = json_object_get(rq, "actor"), *motivation = json_object_get(rq, "motivation");
	json_t *consent_obj = NULL, *env = NULL, *reply = NULL, *result = NULL;
	char *mtext = NULL, *ntext = NULL;
	uint8_t *consent_enc = NULL;
	int rc;
	if (id_validate(json_string_value(json_object_get(rq, "case"))) != 0)
		return local_error(WN_EINVAL, "field 'case': a case id of 32 lowercase hex digits");
	if (json_object_get(rq, "party") == NULL || json_array_size(json_object_get(rq, "categories")) == 0 ||
	    json_object_get(rq, "purpose") == NULL || json_object_get(rq, "ground") == NULL)
		return local_error(WN_EINVAL, "a proposal names the third party, the person, the "
					      "categories, the purpose and the ground");
	if ((rc = tp_check_terms(rq, err, sizeof(err))) != 0)
		return local_error(rc, err);
	if ((rc = tp_propose_basis(n, rq, commit, &consent_obj, err, sizeof(err))) != 0)
		goto fail;
	if (motivation != NULL && (rc = tp_motivation_hash(n, rq, motivation, hash, err,
							   sizeof(err))) != 0)
		goto fail;
	if ((rc = tp_propose_envelope(n, rq, commit, consent_obj, motivation ? hash : NULL, &env,
				      err, sizeof(err))) != 0)
		goto fail;
	if ((rc = node_call_broker(n, env, n->call_timeout_ms, &reply, err, sizeof(err))) != 0)
		goto fail;
	json_t *rb = envelope_body(reply);
	mtext = motivation ? json_dumps(motivation, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	struct tp_decision x = { json_object_get(rb, "approval"), "approved", mtext, actor, NULL, 0,
				 NULL, NULL };
	/* the proposer that is the source itself keeps the consent it discloses
	 * on, and the facts its client's letter names */
	const char *source = json_string_value(json_object_get(rq, "source"));
	if (source == NULL || strcmp(source, n->ident->id) == 0) {
		json_t *facts = tpnotice_facts(motivation);
		ntext = facts ? json_dumps(facts, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
		x.notice = ntext;
		json_decref(facts);
	}
	if (consent_obj != NULL && (source == NULL || strcmp(source, n->ident->id) == 0) &&
	    tp_seal_consent(n, consent_obj, &consent_enc, &x.consent_len) == 0) {
		x.consent_enc = consent_enc;
		x.consent_cert = n->ident->cert_pem; /* its own, which signed it again now */
	}
	if (db_writer_run(n->writer, tp_decision_insert, &x) != 0)
		log_msg(WN_LOG_ERROR, "thirdparty_local", "proposal %s is registered at the broker "
			"but could not be kept here",
			json_string_value(json_object_get(json_object_get(rb, "approval"), "id")));
	result = json_pack("{s:b,s:O}", "ok", 1, "result", rb);
	goto out;
fail:
	result = local_error(rc, err[0] ? err : NULL);
out:
	free(mtext);
	free(ntext);
	free(consent_enc);
	secret_wipe_consent(consent_obj);
	json_decref(consent_obj);
	json_decref(env);
	json_decref(reply);
	return result;
}

/* Whether the certificate kept with a consent copy (PEM) verifies it: one
 * of its registrar's, which verified it when it was kept. */
static int tp_verify_kept(const json_t *object, const json_t *ref, const char *registrar,
			  const char *kept, char *err, size_t errcap)
{
	X509 *old = NULL;
	char cn[PKI_ID_MAX] = "";
	int rc = WN_ESIG;
	if (pki_cert_from_pem(kept, &old) == 0 && pki_cert_cn(old, cn, sizeof(cn)) == 0 &&
	    strcmp(cn, registrar) == 0)
		rc = consentdoc_verify(object, ref, old, err, errcap);
	X509_free(old);
	return rc;
}

/* The registrar's signature on a consent: under its certificate in the
 * directory now or, once a new key replaced the one it signed with, under
 * the one kept with the copy (kept, may be NULL): what the old key signed
 * before still verifies. *used (may be NULL): the PEM of the one in use. */
static int tp_verify_consent(struct node *n, const json_t *t, const json_t *object,
			     const char *kept, char **used, char *err, size_t errcap)
{
	struct directory *d = node_directory(n);
	const char *registrar = json_string_value(json_object_get(object, "registered_by"));
	struct dir_peer *reg = registrar ? directory_find(d, registrar) : NULL;
	const json_t *ref = json_object_get(t, "consent");
	int rc = consentdoc_verify(object, ref, reg ? reg->cert : NULL, err, errcap);
	if (rc == WN_ESIG && reg != NULL && kept != NULL &&
	    tp_verify_kept(object, ref, registrar, kept, err, errcap) == 0) {
		log_msg(WN_LOG_INFO, "thirdparty_consent_replaced_key", "consent %s was signed with "
			"a key of '%s' replaced since: verified with the certificate kept with it",
			json_string_value(json_object_get(object, "id")), registrar);
		rc = 0;
	} else if (rc == 0 && used != NULL) {
		rc = pki_cert_to_pem(reg->cert, used);
	}
	directory_release(d);
	return rc;
}

/* The consent a proposal rests on, as the source checks it: the registering
 * partner's document, active at the broker, covering this disclosure today.
 * kept and used as for tp_verify_consent. */
static int tp_check_consent(struct node *n, const json_t *t, const json_t *object,
			    const char *bsn, const char *kept, char **used, char *err,
			    size_t errcap)
{
	char today[DATE_LEN + 1];
	struct directory *d = node_directory(n);
	int max_days = d ? d->max_consent_days : 0;
	directory_release(d);
	int rc = tp_verify_consent(n, t, object, kept, used, err, errcap);
	if (rc != 0)
		return rc;
	date_today_plus(0, today);
	struct consent_use use = { bsn, json_string_value(json_object_get(t, "purpose")),
				   json_string_value(json_object_get(t, "party")), n->ident->id,
				   json_object_get(t, "categories"), today, max_days };
	/* with a refusal this node holds that came after it (Heerlen 8.2) */
	return consent_covers(n, object, &use, err, errcap);
}

/* A source that answers even lookups only on consent (mental-health,
 * addiction care) approves a disclosure to a third party only on a consent
 * naming health data, a legal obligation or its own conflict of duties. */
static int tp_check_profile(struct node *n, const json_t *t, const json_t *consent, char *err,
			    size_t errcap)
{
	const char *ground = json_string_value(json_object_get(t, "ground"));
	if (n->profile.lookups != PROFILE_LOOKUPS_CONSENT || ground == NULL ||
	    strcmp(ground, "legal_obligation") == 0 || strcmp(ground, "conflict_of_duties") == 0)
		return 0;
	if (strcmp(ground, "consent") == 0 && consent != NULL && consent_names_health(consent))
		return 0;
	snprintf(err, errcap, "'%s' discloses only on the client's consent naming health, "
		 "mental-health or addiction data, a legal obligation or its own conflict of duties "
		 "(consent_required)", n->ident->id);
	return WN_ECONSENT;
}

/* Before approving: whom the proposal concerns. The proposer's envelope,
 * signed by it, seals the person to this partner; with the case key the node
 * checks that it is the person the proposal names and that the person is a
 * member of the household now. The source also checks the consent. */
static int tp_check_approval(struct node *n, const json_t *t, uint8_t **consent_enc,
			     size_t *consent_len, char **consent_cert, json_t **notice, char *err,
			     size_t errcap)
{
	const json_t *env = json_object_get(t, "proposal");
	const char *case_id = json_string_value(json_object_get(t, "case"));
	const char *proposer = json_string_value(json_object_get(t, "proposed_by"));
	const char *person = json_string_value(json_object_get(t, "person"));
	char detail[200], commit[HOUSEHOLD_COMMIT_HEX + 1];
	uint8_t key[HOUSEHOLD_KEY_LEN];
	json_t *sealed = NULL;
	struct directory *d = node_directory(n);
	struct dir_peer *p = directory_find(d, proposer);
	int rc = WN_EDENIED;
	if (env == NULL || envelope_check(env, detail, sizeof(detail)) != 0 || p == NULL ||
	    strcmp(envelope_str(env, "from"), proposer) != 0 || envelope_verify(env, p->cert) != 0) {
		snprintf(err, errcap, "the proposal does not carry its proposer's signature");
		rc = WN_ESIG;
		goto out;
	}
	if (envelope_open(env, n->ident->id, n->keys.seal_sk, &sealed) != 0 ||
	    schema_check(sealed, tp_sealed_fields, detail, sizeof(detail)) != 0 ||
	    bsn_validate(json_string_value(json_object_get(sealed, "bsn"))) != 0) {
		snprintf(err, errcap, "the proposal seals no person to '%s'", n->ident->id);
		rc = WN_ESEAL;
		goto out;
	}
	const char *bsn = json_string_value(json_object_get(sealed, "bsn"));
	if ((rc = casekey_get(n, case_id, key, err, errcap)) != 0 ||
	    (rc = household_commit(key, bsn, commit)) != 0)
		goto out;
	if (person == NULL || strcmp(commit, person) != 0 ||
	    !household_has(json_object_get(t, "people"), commit)) {
		snprintf(err, errcap, "the person of this proposal is not a member of the household "
			 "of case %s: a third party receives information only about a client of "
			 "the case (Heerlen 7.1, 7.2)", case_id);
		secevent_record(n->db, WN_ENOTINCASE, proposer, envelope_str(env, "id"), err);
		rc = WN_ENOTINCASE;
		goto out;
	}
	rc = 0;
	const json_t *consent = json_object_get(sealed, "consent");
	int source = strcmp(json_string_value(json_object_get(t, "source")), n->ident->id) == 0;
	if (source && (rc = tp_check_profile(n, t, consent, err, errcap)) != 0)
		goto out;
	const char *sealed_notice = json_string_value(json_object_get(envelope_body(env),
								      "notice"));
	if (source && sealed_notice != NULL &&
	    (rc = tpnotice_open(n->keys.seal_sk, sealed_notice, n->ident->id, case_id, person,
				notice, err, errcap)) != 0)
		goto out;
	if (source && json_object_get(t, "consent") != NULL) {
		if (consent == NULL) {
			snprintf(err, errcap, "the proposal rests on consent but seals no consent "
				 "document to the source");
			rc = WN_ECONSENT;
		} else if ((rc = tp_check_consent(n, t, consent, bsn, NULL, consent_cert, err,
						  errcap)) == 0) {
			rc = tp_seal_consent(n, consent, consent_enc, consent_len);
		}
	}
out:
	OPENSSL_cleanse(key, sizeof(key));
	secret_wipe_member(sealed, "bsn");
	json_decref(sealed);
	directory_release(d);
	return rc;
}

/* A partner of the case approves: only after checking whom it is about. */
static json_t *tp_approve(struct node *n, json_t *rq, const char *id)
{
	char err[512] = "";
	json_t *actor = json_object_get(rq, "actor"), *t = NULL, *rb = NULL;
	uint8_t *consent_enc = NULL;
	size_t consent_len = 0;
	json_t *notice = NULL;
	char *ntext = NULL, *consent_cert = NULL;
	int rc = tp_call(n, "thirdparty.get", NULL, NULL, json_pack("{s:s}", "approval", id), &t,
			 err, sizeof(err));
	json_t *approval = json_object_get(t, "approval");
	const char *proposer = json_string_value(json_object_get(approval, "proposed_by"));
	/* its own proposal seals the person to the others, not to itself */
	if (rc == 0 && proposer != NULL && strcmp(proposer, n->ident->id) == 0) {
		snprintf(err, sizeof(err), "'%s' proposed third-party disclosure %s: proposing is "
			 "its approval; the other partners of the case decide", proposer, id);
		rc = WN_EDENIED;
	}
	if (rc == 0)
		rc = tp_check_approval(n, approval, &consent_enc, &consent_len, &consent_cert,
				       &notice, err, sizeof(err));
	if (rc == 0 && notice != NULL &&
	    (ntext = json_dumps(notice, JSON_COMPACT | JSON_SORT_KEYS)) == NULL)
		rc = WN_ENOMEM;
	if (rc == 0)
		rc = tp_call(n, "thirdparty.approve", NULL, actor, json_pack("{s:s}", "approval", id),
			     &rb, err, sizeof(err));
	if (rc == 0) {
		struct tp_decision x = { json_object_get(rb, "approval"), "approved", NULL, actor,
					 consent_enc, consent_len, consent_cert, ntext };
		if (db_writer_run(n->writer, tp_decision_insert, &x) != 0)
			log_msg(WN_LOG_ERROR, "thirdparty_local", "approval of %s is registered at "
				"the broker but could not be kept here", id);
	}
	free(consent_enc);
	free(consent_cert);
	free(ntext);
	json_decref(notice);
	json_decref(t);
	json_t *result = rc == 0 ? json_pack("{s:b,s:o}", "ok", 1, "result", rb)
				 : local_error(rc, err[0] ? err : NULL);
	if (rc != 0)
		json_decref(rb);
	return result;
}

/* As the third party: the declaration of Bijlage 6 in its current version. */
static json_t *tp_declare(struct node *n, json_t *rq, const char *id)
{
	char err[512] = "", hash[65];
	json_t *decl = json_object_get(rq, "declaration"), *rb = NULL;
	static const char *const signer[] = { "name", "organisation", "place", NULL };
	if (decl == NULL || !json_is_object(decl))
		return local_error(WN_EINVAL, "the confidentiality declaration (Bijlage 6): name, "
					      "organisation, place, signed_on");
	if (declaration_check_signed(decl, signer, "signed_on", err, sizeof(err)) != 0) {
		char msg[600];
		snprintf(msg, sizeof(msg), "the confidentiality declaration (Bijlage 6): %s", err);
		return local_error(WN_EINVAL, msg);
	}
	if (declaration_hash(DECLARATION_VERSION, hash) != 0)
		return local_error(WN_ECRYPTO, NULL);
	json_t *signed_decl = json_deep_copy(decl);
	json_object_set_new(signed_decl, "text_version", json_string(DECLARATION_VERSION));
	json_object_set_new(signed_decl, "text_hash", json_string(hash));
	int rc = tp_call(n, "thirdparty.declare", NULL, json_object_get(rq, "actor"),
			 json_pack("{s:s,s:o}", "approval", id, "declaration", signed_decl), &rb,
			 err, sizeof(err));
	if (rc != 0)
		return local_error(rc, err);
	json_object_set_new(rb, "declaration_text", json_string(declaration_text(DECLARATION_VERSION)));
	return json_pack("{s:b,s:o}", "ok", 1, "result", rb);
}

static json_t *tp_decide(struct node *n, const char *op, json_t *rq)
{
	char err[512] = "";
	json_t *actor = json_object_get(rq, "actor"), *rb = NULL;
	const char *id = json_string_value(json_object_get(rq, "approval"));
	if (id_validate(id) != 0)
		return local_error(WN_EINVAL, "field 'approval': 32 lowercase hex digits");
	if (strcmp(op, "thirdparty.declare") == 0)
		return tp_declare(n, rq, id);
	if (strcmp(op, "thirdparty.approve") == 0)
		return tp_approve(n, rq, id);
	int rc = tp_call(n, "thirdparty.reject", NULL, actor, json_pack("{s:s}", "approval", id),
			 &rb, err, sizeof(err));
	if (rc != 0)
		return local_error(rc, err);
	struct tp_decision x = { json_object_get(rb, "approval"), "rejected", NULL, actor, NULL, 0,
				 NULL, NULL };
	if (db_writer_run(n->writer, tp_decision_insert, &x) != 0)
		log_msg(WN_LOG_ERROR, "thirdparty_local", "decision on %s is registered at the broker "
			"but could not be kept here", id);
	return json_pack("{s:b,s:o}", "ok", 1, "result", rb);
}

json_t *local_thirdparty(struct node *n, const char *op, json_t *rq)
{
	char err[512] = "";
	int rc = schema_check(rq, tp_rq_fields, err, sizeof(err));
	if (rc != 0)
		return local_error(rc, err);
	if (strcmp(op, "thirdparty.list") == 0) {
		json_t *rb = NULL;
		if ((rc = tp_call(n, "thirdparty.list", NULL, NULL, json_object(), &rb, err,
				  sizeof(err))) != 0)
			return local_error(rc, err);
		return json_pack("{s:b,s:o}", "ok", 1, "result", rb);
	}
	if ((rc = local_check_actor(json_object_get(rq, "actor"), err, sizeof(err))) != 0)
		return local_error(rc, err);
	if (strcmp(op, "thirdparty.propose") == 0)
		return tp_propose(n, rq);
	if (strcmp(op, "thirdparty.approve") == 0 || strcmp(op, "thirdparty.reject") == 0 ||
	    strcmp(op, "thirdparty.declare") == 0)
		return tp_decide(n, op, rq);
	snprintf(err, sizeof(err), "unknown operation '%.48s'", op);
	return local_error(WN_EPROTO, err);
}

/* The consent a decision kept, decrypted. *out: json_decref(). */
static int tp_open_consent(struct node *n, const void *enc, size_t len, json_t **out)
{
	if (len <= KEYS_SEAL_OVERHEAD)
		return WN_ECRYPTO;
	uint8_t *plain = malloc(len);
	if (plain == NULL)
		return WN_ENOMEM;
	int rc = keys_open(&n->keys, TP_CONSENT_AAD, enc, len, plain);
	if (rc == 0) {
		json_error_t jerr;
		*out = json_loadb((const char *)plain, len - KEYS_SEAL_OVERHEAD, 0, &jerr);
		rc = *out ? 0 : WN_EDB;
	}
	OPENSSL_cleanse(plain, len);
	free(plain);
	return rc;
}

/* Every category asked is among those approved (JSON text). */
static int tp_categories_approved(const char *approved_text, const json_t *categories,
				  char *err, size_t errcap)
{
	json_error_t jerr;
	json_t *approved = json_loads(approved_text, 0, &jerr), *x, *y;
	size_t i, k;
	int ok = approved != NULL;
	json_array_foreach(categories, i, x) {
		int found = 0;
		json_array_foreach(approved, k, y)
			found |= json_equal(x, y);
		if (!found) {
			snprintf(err, errcap, "category '%s' is not part of the approved third-party "
				 "disclosure", json_string_value(x));
			ok = 0;
			break;
		}
	}
	json_decref(approved);
	return ok ? 0 : WN_EDENIED;
}

/* The decision row of a use: what was approved, checked against the use. */
static int tp_check_row(struct node *n, sqlite3_stmt *st, const struct thirdparty_use *u,
			json_t **consent, char **kept, char *hash, json_t **notice, char *err,
			size_t errcap)
{
	const char *id = u->approval;
	if (strcmp((const char *)sqlite3_column_text(st, 5), "approved") != 0) {
		snprintf(err, errcap, "this partner rejected third-party disclosure %s", id);
		return WN_EDENIED;
	}
	if (strcmp((const char *)sqlite3_column_text(st, 0), u->party) != 0 ||
	    strcmp((const char *)sqlite3_column_text(st, 1), n->ident->id) != 0 ||
	    strcmp((const char *)sqlite3_column_text(st, 2), u->purpose) != 0 ||
	    strcmp((const char *)sqlite3_column_text(st, 3), u->ground) != 0) {
		snprintf(err, errcap, "third-party disclosure %s was approved for another party, "
			 "source, purpose or ground", id);
		return WN_EDENIED;
	}
	const char *person = (const char *)sqlite3_column_text(st, 7);
	if (person == NULL || u->person == NULL || strcmp(person, u->person) != 0) {
		snprintf(err, errcap, "this partner approved third-party disclosure %s about "
			 "another person", id);
		return WN_EDENIED;
	}
	snprintf(hash, 65, "%s", (const char *)sqlite3_column_text(st, 6));
	if (sqlite3_column_type(st, 9) != SQLITE_NULL) {
		json_error_t jerr;
		if ((*notice = json_loads((const char *)sqlite3_column_text(st, 9), 0, &jerr)) ==
		    NULL)
			return WN_EDB;
	}
	if (sqlite3_column_type(st, 8) != SQLITE_NULL) {
		int rc = tp_open_consent(n, sqlite3_column_blob(st, 8),
					 (size_t)sqlite3_column_bytes(st, 8), consent);
		if (rc != 0)
			return rc;
		if (sqlite3_column_type(st, 10) != SQLITE_NULL &&
		    (*kept = strdup((const char *)sqlite3_column_text(st, 10))) == NULL)
			return WN_ENOMEM;
	}
	return tp_categories_approved((const char *)sqlite3_column_text(st, 4), u->categories,
				      err, errcap);
}

int thirdparty_check_use(struct node *n, const struct thirdparty_use *u, char *motivation_hash,
			 json_t **notice, char *err, size_t errcap)
{
	sqlite3_stmt *st = NULL;
	json_t *consent = NULL;
	char *kept = NULL; /* the registrar's certificate kept with the consent */
	int rc;
	*notice = NULL;
	db_lock(n->db);
	rc = db_prepare(n->db, "SELECT party, source, purpose, ground, categories, decision,"
			       " motivation_hash, person, consent_enc, notice_facts, consent_cert"
			       " FROM third_party_decisions"
			       " WHERE id = ?", &st);
	if (rc == 0) {
		sqlite3_bind_text(st, 1, u->approval, -1, SQLITE_TRANSIENT);
		if (sqlite3_step(st) != SQLITE_ROW) {
			snprintf(err, errcap, "this partner has not approved third-party disclosure %s",
				 u->approval);
			rc = WN_EDENIED;
		} else {
			rc = tp_check_row(n, st, u, &consent, &kept, motivation_hash, notice, err,
					  errcap);
		}
	}
	sqlite3_finalize(st);
	db_unlock(n->db);
	/* on consent: active at the broker now, and still the client's consent
	 * today (signers' ages, validity) */
	if (rc == 0 && consent != NULL &&
	    (u->status_seen == NULL || strcmp(u->status_seen, "active") != 0)) {
		snprintf(err, errcap, "the broker did not attest that the consent of third-party "
			 "disclosure %s is active", u->approval);
		rc = WN_ECONSENT;
	} else if (rc == 0 && consent != NULL) {
		json_t *t = json_pack("{s:s,s:s,s:O,s:{s:O,s:O}}", "purpose", u->purpose, "party",
				      u->party, "categories", u->categories, "consent", "id",
				      json_object_get(consent, "id"), "version", json_null());
		char version[CONSENT_VERSION_LEN + 1];
		if (t != NULL && consentdoc_version(consent, version) == 0) {
			json_object_set_new(json_object_get(t, "consent"), "version", json_string(version));
			rc = tp_check_consent(n, t, consent, u->bsn, kept, NULL, err, errcap);
			if (rc == 0 && n->profile.lookups == PROFILE_LOOKUPS_CONSENT &&
			    !consent_names_health(consent)) {
				snprintf(err, errcap, "this partner discloses only on a consent that "
					 "names health, mental-health or addiction data");
				rc = WN_ECONSENT;
			}
			if (rc == 0)
				snprintf(motivation_hash, 65, "%s", version);
		} else {
			rc = WN_ENOMEM;
		}
		json_decref(t);
		if (rc != 0 && rc != WN_ESIG)
			rc = WN_ECONSENT;
	} else if (rc == 0 && strcmp(u->ground, "consent") == 0) {
		snprintf(err, errcap, "third-party disclosure %s rests on consent, but this partner "
			 "kept no consent document for it", u->approval);
		rc = WN_ECONSENT;
	}
	if (rc != 0) {
		json_decref(*notice);
		*notice = NULL;
	}
	free(kept);
	secret_wipe_consent(consent);
	json_decref(consent);
	return rc;
}
