/*
 * cases.c — the local API's case operations (r07, r26; Heerlen 1.14, 7.1,
 * Bijlage 2). Opening a case for a household: the node draws the case key,
 * commits to every member's BSN with it, checks the precondition (a consent
 * of the household it holds, or an urgent interest it keeps the motivation
 * of), and seals the key to itself and the director. The director adds
 * partners (sealing the key to each), changes the household and hands the
 * direction over. The broker keeps the cases; it sees commitments, never a
 * BSN.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "wijknet.h"
#include "bsn.h"
#include "casekey.h"
#include "consent.h"
#include "context.h"
#include "date.h"
#include "envelope.h"
#include "ground.h"
#include "household.h"
#include "ids.h"
#include "local.h"
#include "log.h"
#include "notice.h"
#include "schema.h"
#include "secevent.h"
#include "secret.h"
#include "store.h"
#include "vocab.h"

static const struct schema_field case_rq_fields[] = {
	{ "op", SCHEMA_STRING, 1, 32 },
	{ "case", SCHEMA_STRING, 0, 32 },
	{ "cluster", SCHEMA_STRING, 0, 32 },
	{ "director", SCHEMA_STRING, 0, 63 },
	{ "partner", SCHEMA_STRING, 0, 63 },
	{ "retention", SCHEMA_STRING, 0, 10 },
	{ "limit", SCHEMA_INT, 0, 1000 },
	{ "people", SCHEMA_ARRAY, 0, HOUSEHOLD_MAX },
	{ "consents", SCHEMA_ARRAY, 0, HOUSEHOLD_MAX },
	{ "urgent", SCHEMA_OBJECT, 0, 0 },
	{ "regisseur", SCHEMA_OBJECT, 0, 0 },
	{ "bsn", SCHEMA_STRING, 0, 16 },
	{ "reason", SCHEMA_STRING, 0, 16 },
	{ "consent", SCHEMA_STRING, 0, 32 },
	{ "actor", SCHEMA_OBJECT, 0, 0 },
	{ NULL, 0, 0, 0 },
};

/* The urgent interest of Heerlen Bijlage 2 "Randvoorwaarden": "een dringend
 * gezondheidsbelang/ontwikkelingsachterstand of vrees voor ernstig nadeel voor
 * cliënt(en) en of ernstige overlast veroorzaakt aan derden". */
static const struct schema_field urgent_fields[] = {
	{ "interest", SCHEMA_STRING, 1, 32 },
	{ "explanation", SCHEMA_STRING, 1, 4000 },
	{ NULL, 0, 0, 0 },
};
static const char *const urgent_interests[] = { "urgent_health", "development_delay",
						"serious_harm", "serious_nuisance", NULL };
#define URGENT_TEXT_MIN 10

/* An open case as this node builds it. */
struct case_new {
	char id[ID_HEX_LEN + 1];
	uint8_t key[HOUSEHOLD_KEY_LEN];
	json_t *people;    /* commitments */
	json_t *basis;     /* {kind, consents | motivation} */
	char *basis_local; /* what this node keeps: consent ids or the motivation */
};

static void case_new_clear(struct case_new *c)
{
	OPENSSL_cleanse(c->key, sizeof(c->key));
	json_decref(c->people);
	json_decref(c->basis);
	free(c->basis_local);
}

/* Sends env (type, case, actor, body set) to the broker and returns the
 * broker's body as the local reply. */
static json_t *case_send(struct node *n, json_t *env, const json_t *actor)
{
	char err[512] = "";
	json_t *reply = NULL, *result;
	if (actor != NULL)
		json_object_set(env, "actor", (json_t *)actor);
	int rc = node_call_broker(n, env, n->call_timeout_ms, &reply, err, sizeof(err));
	json_t *rbody = reply ? envelope_body(reply) : NULL;
	if (rc == 0)
		result = json_pack("{s:b,s:o}", "ok", 1, "result",
				   rbody ? json_incref(rbody) : json_object());
	else
		result = local_error(rc, err);
	json_decref(reply);
	return result;
}

/* The household: valid BSNs, each once, as commitments under the new key. */
static int case_people(struct case_new *c, const json_t *bsns, char *err, size_t errcap)
{
	size_t i, j;
	json_t *x;
	if (json_array_size(bsns) == 0) {
		snprintf(err, errcap, "a case is about a household: name one or more people "
			 "('people', BSNs; Heerlen 1.14)");
		return WN_EINVAL;
	}
	c->people = json_array();
	json_array_foreach(bsns, i, x) {
		char commit[HOUSEHOLD_COMMIT_HEX + 1];
		if (bsn_validate(json_string_value(x)) != 0) {
			snprintf(err, errcap, "field 'people': item %zu is not a valid BSN (11-proef)",
				 i + 1);
			return WN_EBSN;
		}
		for (j = 0; j < i; j++)
			if (json_equal(json_array_get(bsns, j), x)) {
				snprintf(err, errcap, "field 'people': a person is named twice");
				return WN_EINVAL;
			}
		int rc = household_commit(c->key, json_string_value(x), commit);
		if (rc != 0)
			return rc;
		json_array_append_new(c->people, json_string(commit));
	}
	return 0;
}

/* What this node keeps of the precondition (takes local). */
static int case_basis_keep(struct case_new *c, json_t *local)
{
	c->basis_local = local ? json_dumps(local, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(local);
	return c->basis && c->basis_local ? 0 : WN_ENOMEM;
}

/* The place of bsn among the household's BSNs, or -1. */
static long case_member_of(const json_t *bsns, const char *bsn)
{
	size_t k;
	json_t *b;
	json_array_foreach(bsns, k, b)
		if (bsn != NULL && strcmp(json_string_value(b), bsn) == 0)
			return (long)k;
	return -1;
}

/* One consent of the case's precondition: held here, active, in force today
 * (dates, signers fit the subject's age), of a member not already counted. */
static int case_basis_consent(struct node *n, const char *id, const json_t *bsns,
			      const char *whom, unsigned char *seen, json_t *refs, char *err,
			      size_t errcap)
{
	char today[DATE_LEN + 1], version[CONSENT_VERSION_LEN + 1];
	json_t *object = NULL;
	int rc = consent_load(n, id, &object, err, errcap);
	if (rc == 0)
		rc = consent_check_emptied(n, object, err, errcap);
	if (rc != 0) {
		secret_wipe_consent(object);
		json_decref(object);
		return rc;
	}
	const json_t *doc = json_object_get(object, "document");
	long k = case_member_of(bsns, json_string_value(json_object_get(
					      json_object_get(doc, "subject"), "bsn")));
	struct directory *d = node_directory(n);
	date_today_plus(0, today);
	if (k < 0) {
		snprintf(err, errcap, "consent %s is about someone outside %s", id, whom);
		rc = WN_ECONSENT;
	} else if (seen[k]) {
		snprintf(err, errcap, "consent %s is of a member whose consent is given already: "
			 "one consent per member", id);
		rc = WN_EINVAL;
	} else if ((rc = consentdoc_in_force(doc, today, d ? d->max_consent_days : 0, err,
					     errcap)) == 0) {
		seen[k] = 1;
		/* the broker binds it to the case: a consent serves one (Bijlage 5) */
		rc = consentdoc_version(object, version);
		if (rc == 0 && json_array_append_new(refs, json_pack("{s:s,s:s}", "id", id,
								     "version", version)) != 0)
			rc = WN_ENOMEM;
	}
	directory_release(d);
	secret_wipe_consent(object);
	json_decref(object);
	return rc;
}

/* A consent of the household (Bijlage 2 Randvoorwaarden): consents this node
 * holds, active, each of another member of the household. */
static int case_basis_consents(struct node *n, struct case_new *c, const json_t *ids,
			       const json_t *bsns, char *err, size_t errcap)
{
	unsigned char seen[HOUSEHOLD_MAX] = { 0 };
	size_t i;
	json_t *x, *refs = json_array();
	if (json_array_size(bsns) > HOUSEHOLD_MAX || refs == NULL) {
		json_decref(refs);
		return refs ? WN_ELIMIT : WN_ENOMEM;
	}
	json_array_foreach(ids, i, x) {
		int rc = case_basis_consent(n, json_string_value(x), bsns, "the household", seen,
					    refs, err, errcap);
		if (rc != 0) {
			json_decref(refs);
			return rc;
		}
	}
	/* each member of the household consents for themselves, or through
	 * the parents who sign for a child (Heerlen Bijlage 8) */
	for (i = 0; i < json_array_size(bsns); i++)
		if (!seen[i]) {
			snprintf(err, errcap, "person %zu of the household has no consent among those "
				 "given: every member the case is about consents for themselves (a "
				 "child of 12 to 16 co-signs, the parents sign for a younger one; "
				 "Heerlen Bijlage 8), or the case opens on an urgent interest", i + 1);
			json_decref(refs);
			return WN_ECONSENT;
		}
	c->basis = json_pack("{s:s,s:i,s:o}", "kind", "consent", "consents",
			     (int)json_array_size(ids), "refs", refs);
	return case_basis_keep(c, json_pack("{s:s,s:O}", "kind", "consent", "consents", ids));
}

/* An urgent interest: its motivation stays here; the broker gets a hash
 * keyed with the case key. */
static int case_basis_urgent(struct case_new *c, const json_t *urgent, char *err, size_t errcap)
{
	char detail[200], hash[HOUSEHOLD_COMMIT_HEX + 1];
	const char *interest = json_string_value(json_object_get(urgent, "interest"));
	const char *text = json_string_value(json_object_get(urgent, "explanation"));
	int known = 0;
	for (size_t i = 0; interest != NULL && urgent_interests[i] != NULL; i++)
		known |= strcmp(urgent_interests[i], interest) == 0;
	/* the interest first: a wrong one is named before what else is lacking */
	if (json_object_get(urgent, "interest") != NULL && !known) {
		snprintf(err, errcap, "field 'urgent': interest '%.40s' is none of urgent_health, "
			 "development_delay, serious_harm, serious_nuisance",
			 interest ? interest : "(not a string)");
		return WN_EMOTIVATION;
	}
	if (schema_check(urgent, urgent_fields, detail, sizeof(detail)) != 0) {
		snprintf(err, errcap, "field 'urgent': %s", detail);
		return WN_EMOTIVATION;
	}
	if (!schema_text_given(text, URGENT_TEXT_MIN)) {
		snprintf(err, errcap, "field 'urgent': the explanation is too short: at least %d "
			 "characters that are not spaces", URGENT_TEXT_MIN);
		return WN_EMOTIVATION;
	}
	int rc = household_keyed_hash(c->key, urgent, hash);
	if (rc != 0)
		return rc;
	c->basis = json_pack("{s:s,s:s}", "kind", "urgent", "motivation", hash);
	return case_basis_keep(c, json_pack("{s:s,s:O}", "kind", "urgent", "motivation", urgent));
}

/* The partner's sealing key from the directory. */
static int case_seal_to(struct node *n, json_t *env, const char *case_id, const char *partner,
			const uint8_t key[HOUSEHOLD_KEY_LEN], char *err, size_t errcap)
{
	struct directory *d = node_directory(n);
	struct dir_peer *p = directory_find(d, partner);
	if (p != NULL && !p->has_seal) {
		directory_release(d);
		node_refresh_directory_before(n, time_now_ms());
		d = node_directory(n);
		p = directory_find(d, partner);
	}
	int rc = 0;
	if (p == NULL || !p->has_seal) {
		snprintf(err, errcap, "'%s' has no verified sealing key in the directory: the case "
			 "key cannot be sealed to it", partner);
		rc = p == NULL ? WN_EUNKNOWN_PARTNER : WN_EUNAVAILABLE;
	} else {
		rc = casekey_seal(env, case_id, partner, p->seal_pk, key);
	}
	directory_release(d);
	return rc;
}

static json_t *case_open(struct node *n, json_t *rq)
{
	char err[512] = "";
	struct case_new c;
	json_t *env = NULL, *result = NULL;
	memset(&c, 0, sizeof(c));
	const char *cluster = json_string_value(json_object_get(rq, "cluster"));
	const char *director = json_string_value(json_object_get(rq, "director"));
	json_t *bsns = json_object_get(rq, "people"), *consents = json_object_get(rq, "consents");
	json_t *urgent = json_object_get(rq, "urgent"), *actor = json_object_get(rq, "actor");
	json_t *regisseur = json_object_get(rq, "regisseur");
	int rc = 0;
	if (!vocab_cluster(cluster)) {
		snprintf(err, sizeof(err), "unknown cluster '%s' (jeugd, volwassenen, multiprobleem)",
			 cluster ? cluster : "");
		return local_error(WN_ECLUSTER, err);
	}
	if ((consents == NULL) == (urgent == NULL) || (consents && json_array_size(consents) == 0))
		return local_error(WN_EINVAL, consents != NULL && urgent != NULL
			? "a case opens on a consent of the household or on a recorded urgent "
			  "interest, not both (Heerlen Bijlage 2)"
			: "a case opens on a consent of the household ('consents': ids this node "
			  "holds) or on a recorded urgent interest ('urgent'); neither is given "
			  "(Heerlen Bijlage 2)");
	if (regisseur != NULL && (rc = local_check_actor(regisseur, err, sizeof(err))) != 0)
		return local_error(rc, "field 'regisseur': the case director's role-holder {id, role}");
	/* the opener directing names its own professional unless told otherwise */
	if (regisseur == NULL && director == NULL)
		regisseur = actor;
	if ((rc = id_generate(c.id)) != 0 || RAND_bytes(c.key, sizeof(c.key)) != 1) {
		rc = rc ? rc : WN_ECRYPTO;
		goto fail;
	}
	if ((rc = case_people(&c, bsns, err, sizeof(err))) != 0)
		goto fail;
	rc = consents ? case_basis_consents(n, &c, consents, bsns, err, sizeof(err))
		      : case_basis_urgent(&c, urgent, err, sizeof(err));
	if (rc != 0)
		goto fail;
	if ((rc = envelope_new1(&env, "case.open", n->ident->id, n->broker_id)) != 0)
		goto fail;
	envelope_set_str(env, "case", c.id);
	json_object_set(env, "actor", actor);
	json_t *body = json_pack("{s:s,s:O,s:O}", "cluster", cluster, "people", c.people, "basis",
				 c.basis);
	static const char *const copy[] = { "director", "retention", NULL };
	for (size_t i = 0; copy[i] != NULL; i++)
		if (json_object_get(rq, copy[i]) != NULL)
			json_object_set(body, copy[i], json_object_get(rq, copy[i]));
	if (regisseur != NULL)
		json_object_set(body, "regisseur", regisseur);
	json_object_set_new(env, "body", body);
	/* the header is the seals' additional data: it is complete now */
	if ((rc = case_seal_to(n, env, c.id, n->ident->id, c.key, err, sizeof(err))) != 0 ||
	    (director != NULL && strcmp(director, n->ident->id) != 0 &&
	     (rc = case_seal_to(n, env, c.id, director, c.key, err, sizeof(err))) != 0))
		goto fail;
	/* the key is kept before the case exists, so it is never lost */
	if ((rc = casekey_store(n, c.id, c.key, n->ident->id, c.basis_local)) != 0) {
		snprintf(err, sizeof(err), "the case key cannot be kept; no case was opened");
		goto fail;
	}
	result = case_send(n, env, actor);
	if (json_is_true(json_object_get(result, "ok")))
		log_emit(WN_LOG_INFO, "case_opened",
			 json_pack("{s:s,s:s,s:i}", "case", c.id, "cluster", cluster, "people",
				   (int)json_array_size(c.people)));
	goto out;
fail:
	result = local_error(rc, err[0] ? err : NULL);
out:
	json_decref(env);
	case_new_clear(&c);
	return result;
}

/* The director adds a partner: the case key goes with it, sealed. */
static json_t *case_join(struct node *n, json_t *rq, const char *case_id)
{
	char err[512] = "";
	uint8_t key[HOUSEHOLD_KEY_LEN];
	json_t *env = NULL, *result = NULL;
	const char *partner = json_string_value(json_object_get(rq, "partner"));
	int rc = casekey_get(n, case_id, key, err, sizeof(err));
	if (rc == 0)
		rc = envelope_new1(&env, "case.join", n->ident->id, n->broker_id);
	if (rc == 0) {
		envelope_set_str(env, "case", case_id);
		json_object_set(env, "actor", json_object_get(rq, "actor"));
		json_object_set_new(env, "body", json_pack("{s:s}", "partner", partner));
		rc = case_seal_to(n, env, case_id, partner, key, err, sizeof(err));
	}
	OPENSSL_cleanse(key, sizeof(key));
	result = rc == 0 ? case_send(n, env, NULL) : local_error(rc, err[0] ? err : NULL);
	json_decref(env);
	return result;
}

/* A person added to a case that opened on the household's consents brings a
 * consent of their own (Heerlen Bijlage 8: each member for themselves, a
 * child with or through its parents); on an urgent interest one is optional,
 * and checked when given. */
static int case_person_consent(struct node *n, const char *case_id, const char *bsn,
			       const char *consent, json_t *refs, char *err, size_t errcap)
{
	unsigned char seen[1] = { 0 };
	json_t *c = NULL, *bsns = NULL;
	int rc = casekey_case(n, case_id, &c, err, errcap);
	if (rc != 0)
		return rc;
	const char *basis = json_string_value(json_object_get(c, "basis"));
	const char *director = json_string_value(json_object_get(c, "director"));
	int on_consent = basis != NULL && strcmp(basis, "consent") == 0;
	/* who may change the household comes before what the change needs */
	if (director == NULL || strcmp(director, n->ident->id) != 0) {
		snprintf(err, errcap, "only the director of case %s (%s) changes its household",
			 case_id, director ? director : "unknown");
		rc = WN_EDENIED;
	} else if (consent == NULL && on_consent) {
		snprintf(err, errcap, "case %s opened on the consents of its household: the person "
			 "added consents too (--consent ID, held here and in force; a child of 12 to "
			 "16 co-signs, the parents sign for a younger one; Heerlen Bijlage 8)",
			 case_id);
		rc = WN_ECONSENT;
	} else if (consent != NULL) {
		bsns = json_pack("[s]", bsn);
		rc = bsns ? case_basis_consent(n, consent, bsns, "the person added", seen, refs,
					       err, errcap)
			  : WN_ENOMEM;
	}
	json_decref(bsns);
	json_decref(c);
	return rc;
}

/* The household changes: the commitment of the person added or removed. */
static json_t *case_person(struct node *n, const char *op, json_t *rq, const char *case_id)
{
	char err[512] = "", commit[HOUSEHOLD_COMMIT_HEX + 1];
	uint8_t key[HOUSEHOLD_KEY_LEN];
	const char *bsn = json_string_value(json_object_get(rq, "bsn"));
	const char *reason = json_string_value(json_object_get(rq, "reason"));
	const char *consent = json_string_value(json_object_get(rq, "consent"));
	int add = strcmp(op, "case.person.add") == 0;
	json_t *env = NULL, *result;
	if (bsn_validate(bsn) != 0)
		return local_error(WN_EBSN, "the BSN is not valid: nine digits passing the 11-proef");
	static const char *const add_reasons[] = { "birth", "moved_in", "other", NULL };
	static const char *const remove_reasons[] = { "moved_out", "deceased", "other", NULL };
	int known = 0;
	for (const char *const *r = add ? add_reasons : remove_reasons; reason && *r; r++)
		known |= strcmp(*r, reason) == 0;
	if (!known)
		return local_error(WN_EINVAL, add ? "field 'reason': birth, moved_in or other"
						  : "field 'reason': moved_out, deceased or other");
	if (!add && consent != NULL)
		return local_error(WN_EINVAL, "field 'consent': only a person added brings a consent");
	json_t *refs = json_array();
	int rc = refs == NULL ? WN_ENOMEM : 0;
	if (rc == 0 && add)
		rc = case_person_consent(n, case_id, bsn, consent, refs, err, sizeof(err));
	if (rc != 0) {
		json_decref(refs);
		return local_error(rc, err[0] ? err : NULL);
	}
	rc = casekey_get(n, case_id, key, err, sizeof(err));
	if (rc == 0)
		rc = household_commit(key, bsn, commit);
	OPENSSL_cleanse(key, sizeof(key));
	/* bound before it serves: retention keeps it while the case runs (a
	 * binding left by an add the broker refused only keeps it longer) */
	if (rc == 0 && add && consent != NULL)
		rc = casekey_bind_consent(n, case_id, consent);
	if (rc == 0)
		rc = envelope_new1(&env, op, n->ident->id, n->broker_id);
	if (rc != 0) {
		json_decref(refs);
		return local_error(rc, err[0] ? err : NULL);
	}
	envelope_set_str(env, "case", case_id);
	json_t *body = json_pack("{s:s,s:s}", "person", commit, "reason", reason);
	if (json_array_size(refs) == 1)
		json_object_set(body, "consent", json_array_get(refs, 0));
	json_object_set_new(env, "body", body);
	json_decref(refs);
	result = case_send(n, env, json_object_get(rq, "actor"));
	/* a person who comes back is told anew */
	if (!add && json_is_true(json_object_get(result, "ok")) &&
	    informed_person_left(n, case_id, commit) != 0)
		log_msg(WN_LOG_ERROR, "case_left_not_recorded", "case %s: that a person left could "
			"not be recorded; if they come back, record anew that they were told",
			case_id);
	if (add && consent != NULL && json_is_true(json_object_get(result, "ok")))
		log_emit(WN_LOG_INFO, "case_person_consent",
			 json_pack("{s:s,s:s,s:s}", "case", case_id, "person", commit, "consent",
				   consent));
	json_decref(env);
	return result;
}

/* The case with, for the opener, the precondition it keeps. */
static json_t *case_get(struct node *n, const char *case_id)
{
	char err[512] = "";
	json_t *c = NULL;
	int rc = casekey_case(n, case_id, &c, err, sizeof(err));
	if (rc != 0)
		return local_error(rc, err);
	return json_pack("{s:b,s:{s:o}}", "ok", 1, "result", "case", c);
}

/* Whether a person is a member of the household now (a professional's
 * question; the answer names no one else). Who asked is logged: the answer
 * says something about a person. */
static json_t *case_check(struct node *n, const char *case_id, const char *bsn,
			  const json_t *actor)
{
	char err[512] = "", commit[HOUSEHOLD_COMMIT_HEX + 1];
	if (bsn_validate(bsn) != 0)
		return local_error(WN_EBSN, "the BSN is not valid: nine digits passing the 11-proef");
	int member = 0;
	int rc = casekey_has_person(n, case_id, bsn, commit, &member, err, sizeof(err));
	if (rc != 0)
		return local_error(rc, err);
	log_emit(WN_LOG_INFO, "case_person_checked",
		 json_pack("{s:s,s:s,s:O,s:b}", "case", case_id, "person", commit, "actor", actor,
			   "member", member));
	if (!member)
		return local_error(WN_ENOTINCASE, "the person is not a member of the household of "
						  "this case");
	return json_pack("{s:b,s:{s:b}}", "ok", 1, "result", "member", 1);
}

/* Copies the fields present in rq into body. */
static void copy_fields(json_t *body, json_t *rq, const char *const *names)
{
	for (size_t i = 0; names[i] != NULL; i++) {
		json_t *v = json_object_get(rq, names[i]);
		if (v != NULL)
			json_object_set(body, names[i], v);
	}
}

/* Once this node left a case, or closed it, its key has no further use. */
static void case_forget_key(struct node *n, const char *op, const json_t *rq,
			    const char *case_id, const json_t *result)
{
	const char *partner = json_string_value(json_object_get(rq, "partner"));
	int self = partner == NULL || strcmp(partner, n->ident->id) == 0;
	if (!json_is_true(json_object_get(result, "ok")) ||
	    !(strcmp(op, "case.close") == 0 || (strcmp(op, "case.leave") == 0 && self)))
		return;
	if (casekey_forget(n, case_id) != 0)
		log_msg(WN_LOG_ERROR, "case_key_forget", "the key of case %s could not be removed",
			case_id);
}

/* leave, close, director and list: the broker decides, the node relays. */
static json_t *case_relay(struct node *n, const char *op, json_t *rq, const char *case_id)
{
	static const char *const partner_fields[] = { "partner", NULL };
	static const char *const list_fields[] = { "limit", NULL };
	static const char *const director_fields[] = { "director", "regisseur", NULL };
	json_t *env = NULL, *body = json_object();
	int rc = envelope_new1(&env, op, n->ident->id, n->broker_id);
	if (rc != 0) {
		json_decref(body);
		return local_error(rc, NULL);
	}
	copy_fields(body, rq, strcmp(op, "case.list") == 0       ? list_fields
			      : strcmp(op, "case.director") == 0 ? director_fields
								 : partner_fields);
	json_object_set_new(env, "body", body);
	if (case_id != NULL)
		envelope_set_str(env, "case", case_id);
	json_t *result = case_send(n, env, json_object_get(rq, "actor"));
	json_decref(env);
	case_forget_key(n, op, rq, case_id, result);
	return result;
}

json_t *local_case(struct node *n, const char *op, json_t *rq)
{
	char err[512] = "";
	int rc = schema_check(rq, case_rq_fields, err, sizeof(err));
	if (rc != 0)
		return local_error(rc, err);
	const char *case_id = json_string_value(json_object_get(rq, "case"));
	const char *partner = json_string_value(json_object_get(rq, "partner"));
	int is_open = strcmp(op, "case.open") == 0, is_list = strcmp(op, "case.list") == 0;
	int is_get = strcmp(op, "case.get") == 0;
	if (!is_open && !is_list && id_validate(case_id) != 0)
		return local_error(WN_EINVAL, "a case id of 32 lowercase hex digits is needed");
	if (strcmp(op, "case.join") == 0 && partner == NULL)
		return local_error(WN_EINVAL, "name the partner that joins the case");
	if (partner != NULL && schema_valid_partner_id(partner) != 0)
		return local_error(WN_EINVAL, "field 'partner': not a partner id");
	json_t *actor = json_object_get(rq, "actor");
	if (!is_list && !is_get && (rc = local_check_actor(actor, err, sizeof(err))) != 0)
		return local_error(rc, err);
	if (is_open)
		return case_open(n, rq);
	if (strcmp(op, "case.check") == 0)
		return case_check(n, case_id, json_string_value(json_object_get(rq, "bsn")), actor);
	if (is_get)
		return case_get(n, case_id);
	if (strcmp(op, "case.join") == 0)
		return case_join(n, rq, case_id);
	if (strcmp(op, "case.person.add") == 0 || strcmp(op, "case.person.remove") == 0)
		return case_person(n, op, rq, case_id);
	if (is_list || strcmp(op, "case.leave") == 0 || strcmp(op, "case.close") == 0 ||
	    strcmp(op, "case.director") == 0)
		return case_relay(n, op, rq, is_list ? NULL : case_id);
	snprintf(err, sizeof(err), "unknown operation '%.48s'", op);
	return local_error(WN_EPROTO, err);
}
