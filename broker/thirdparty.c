/*
 * thirdparty.c — third-party disclosures at the broker (Heerlen art. 7.2,
 * Bijlage 6; r08). A partner of an open case proposes that an incidental
 * partner (a third party holding a federation certificate) receive named
 * categories from one source partner of the case, once, for a purpose on a
 * ground whose motivation stays in the proposer's dossier (its hash is kept
 * here). The third party signs the confidentiality declaration through its
 * own node; every partner of the case approves through its node. Then one
 * request from the third party is routed (route.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wijknet.h"
#include "canon.h"
#include "context.h"
#include "dataset.h"
#include "policy.h"
#include "date.h"
#include "declaration.h"
#include "encoding.h"
#include "envelope.h"
#include "household.h"
#include "ids.h"
#include "log.h"
#include "schema.h"
#include "store.h"
#include "vocab.h"

/* In the cluster's data set as the federation policy has it (r26). */
static int tp_in_dataset(struct broker *b, const struct vocab_category *v, const char *cluster)
{
	json_t *policy = policy_current(b);
	int in = dataset_has(json_object_get(policy, "data_sets"), v, cluster);
	json_decref(policy);
	return in;
}

static const struct schema_field propose_fields[] = {
	{ "party", SCHEMA_STRING, 1, 63 },
	{ "source", SCHEMA_STRING, 0, 63 },
	{ "categories", SCHEMA_ARRAY, 1, 32 },
	{ "purpose", SCHEMA_STRING, 1, 48 },
	{ "ground", SCHEMA_STRING, 1, 48 },
	{ "motivation_hash", SCHEMA_STRING, 0, 64 },
	{ "notice", SCHEMA_STRING, 0, 6144 }, /* sealed to the source: what its letter names */
	{ "person", SCHEMA_STRING, 1, 64 },
	{ "consent", SCHEMA_OBJECT, 0, 0 },
	{ NULL, 0, 0, 0 },
};

static const struct schema_field decide_fields[] = {
	{ "approval", SCHEMA_STRING, 1, 32 },
	{ "declaration", SCHEMA_OBJECT, 0, 0 },
	{ NULL, 0, 0, 0 },
};

static const struct schema_field declaration_fields[] = {
	{ "name", SCHEMA_STRING, 1, 200 },
	{ "organisation", SCHEMA_STRING, 1, 200 },
	{ "place", SCHEMA_STRING, 1, 100 },
	{ "signed_on", SCHEMA_STRING, 1, 10 },
	{ "text_version", SCHEMA_STRING, 1, 48 },
	{ "text_hash", SCHEMA_STRING, 1, 64 },
	{ NULL, 0, 0, 0 },
};

static const struct schema_field list_fields[] = {
	{ NULL, 0, 0, 0 },
};

/* Writes a change with its audit entry; replies with the proposal. */
static int tp_commit(struct broker *b, const struct broker_request *rq, db_write_fn fn,
		     struct store_thirdparty_change *ch, const char *id, json_t *entry,
		     json_t **reply, char *err, size_t errcap)
{
	int64_t index = 0;
	char leaf[65];
	json_t *t = NULL;
	json_object_set_new(entry, "type", json_string(envelope_str(rq->env, "type")));
	json_object_set_new(entry, "id", json_string(envelope_str(rq->env, "id")));
	json_object_set_new(entry, "approval", json_string(id));
	json_object_set_new(entry, "by", json_string(rq->from->id));
	json_object_set(entry, "actor", json_object_get(rq->env, "actor"));
	json_object_set_new(entry, "ts", json_integer((json_int_t)envelope_ts(rq->env)));
	ch->err = err;
	ch->errcap = errcap;
	ch->actor = json_object_get(rq->env, "actor");
	err[0] = '\0';
	int rc = store_audit_with(&b->audit, fn, ch, entry, &index, leaf);
	json_decref(entry);
	if (rc != 0)
		return rc;
	if ((rc = store_thirdparty_json(b->db, id, &t)) != 0)
		return rc;
	log_emit(WN_LOG_INFO, "thirdparty_changed",
		 json_pack("{s:s,s:s,s:s,s:O}", "type", envelope_str(rq->env, "type"), "approval",
			   id, "by", rq->from->id, "status", json_object_get(t, "status")));
	return broker_reply(b, rq, "ok", json_pack("{s:o,s:I}", "approval", t, "audit_index",
						   (json_int_t)index), reply);
}

/* The proposer's signed envelope, as members read it to decide. */
static char *tp_proposal_text(const json_t *env)
{
	char *canon = NULL;
	size_t len = 0;
	return canon_dump(env, &canon, &len) == 0 ? canon : NULL;
}

/* What a proposal rests on (Heerlen 7.2): a person of the household, the
 * source among the sealed recipients so it can check whom it concerns, and
 * either the client's consent — registered by the proposer, which seals the
 * document to the source — or a motivation kept by the proposer. */
static int tp_check_basis(struct broker *b, const struct broker_request *rq,
			  const struct store_case *c, struct store_thirdparty *t, char *err,
			  size_t errcap)
{
	json_t *body = envelope_body(rq->env), *people = NULL;
	const char *ground = json_string_value(json_object_get(body, "ground"));
	const char *person = json_string_value(json_object_get(body, "person"));
	const char *mhash = json_string_value(json_object_get(body, "motivation_hash"));
	const char *source = t->source;
	json_t *consent = json_object_get(body, "consent");
	int rc;
	if (household_commit_valid(person) != 0) {
		snprintf(err, errcap, "field 'person': the commitment of a person of the case");
		return WN_ESCHEMA;
	}
	db_lock(b->db);
	rc = store_case_people_locked(b->db, c->id, &people);
	db_unlock(b->db);
	if (rc != 0)
		return rc;
	int in_case = household_has(people, person);
	json_decref(people);
	if (!in_case) {
		snprintf(err, errcap, "the person named is not a member of the household of case %s",
			 c->id);
		return WN_ENOTINCASE;
	}
	snprintf(t->person, sizeof(t->person), "%s", person);
	if (strcmp(source, rq->from->id) != 0 &&
	    json_object_get(json_object_get(rq->env, "sealed"), source) == NULL) {
		snprintf(err, errcap, "the person is sealed to the source '%s', which decides whom it "
			 "discloses about", source);
		return WN_ESCHEMA;
	}
	if (strcmp(ground, "consent") != 0) {
		if (consent != NULL || hex_validate(mhash, 64) != 0) {
			snprintf(err, errcap, "a proposal on ground '%s' carries the SHA-256 of its "
				 "motivation ('motivation_hash') and names no consent", ground);
			return WN_ESCHEMA;
		}
		return 0;
	}
	if (json_object_get(body, "notice") != NULL) {
		snprintf(err, errcap, "a proposal on consent seals no notice facts: they come from "
			 "a motivation");
		return WN_ESCHEMA;
	}
	/* the client's consent, asked beforehand (Heerlen 7.2) */
	struct store_consent sc;
	const char *id = json_string_value(json_object_get(consent, "id"));
	if (consent == NULL || id_validate(id) != 0 ||
	    hex_validate(json_string_value(json_object_get(consent, "version")), 64) != 0) {
		snprintf(err, errcap, "a proposal on consent names the consent (id and version)");
		return WN_ECONSENT;
	}
	if ((rc = broker_consent_check(b, consent, rq->from->id, err, errcap)) != 0)
		return rc;
	if ((rc = store_consent_get(b->db, id, &sc)) != 0)
		return rc;
	snprintf(t->consent_id, sizeof(t->consent_id), "%s", id);
	snprintf(t->consent_version, sizeof(t->consent_version), "%s", sc.version);
	return 0;
}

static int tp_propose(struct broker *b, const struct broker_request *rq, json_t **reply,
		      char *err, size_t errcap)
{
	json_t *body = envelope_body(rq->env), *cats = json_object_get(body, "categories"), *x;
	const char *case_id = envelope_str(rq->env, "case");
	const char *party = json_string_value(json_object_get(body, "party"));
	const char *source = json_string_value(json_object_get(body, "source"));
	const char *purpose = json_string_value(json_object_get(body, "purpose"));
	const char *ground = json_string_value(json_object_get(body, "ground"));
	const char *mhash = json_string_value(json_object_get(body, "motivation_hash"));
	struct store_case c;
	struct store_thirdparty t;
	int member = 0, rc;
	size_t i;
	memset(&t, 0, sizeof(t));
	if (source == NULL)
		source = rq->from->id;
	if (schema_valid_partner_id(source) != 0) {
		snprintf(err, errcap, "field 'source': not a partner id");
		return WN_ESCHEMA;
	}
	snprintf(t.source, sizeof(t.source), "%s", source);
	if (case_id == NULL) {
		snprintf(err, errcap, "missing field 'case': the case the disclosure serves");
		return WN_ESCHEMA;
	}
	if ((rc = store_case_get(b->db, case_id, &c)) == WN_ENOTFOUND)
		snprintf(err, errcap, "there is no case '%s'", case_id);
	if (rc != 0)
		return rc;
	if (strcmp(c.status, "open") != 0) {
		snprintf(err, errcap, "case '%s' is closed", case_id);
		return WN_EDENIED;
	}
	const char *who[2] = { rq->from->id, source };
	for (int k = 0; k < 2; k++) {
		if ((rc = store_case_is_member(b->db, case_id, who[k], &member)) != 0)
			return rc;
		if (!member) {
			snprintf(err, errcap, "'%s' does not take part in case %s", who[k], case_id);
			return WN_ENOTMEMBER;
		}
		if (!registry_in_cluster(registry_find(b->reg, who[k]), c.cluster)) {
			snprintf(err, errcap, "'%s' does not take part in cluster '%s' of the case (r26)",
				 who[k], c.cluster);
			return WN_ECLUSTER;
		}
	}
	struct registry_partner *p = registry_find(b->reg, party);
	if (p == NULL || !registry_usable(p)) {
		snprintf(err, errcap, "third party '%s' is not an active partner holding a federation "
			 "certificate", party);
		return p == NULL ? WN_EUNKNOWN_PARTNER : WN_EREVOKED;
	}
	if (registry_member(p)) {
		snprintf(err, errcap, "'%s' is a covenant partner: add it to the case instead", party);
		return WN_EINVAL;
	}
	if (!vocab_purpose_known(purpose)) {
		snprintf(err, errcap, "purpose '%s' is not in the vocabulary", purpose);
		return WN_EPURPOSE;
	}
	if (!vocab_ground_known(ground)) {
		snprintf(err, errcap, "lawful ground '%s' is not one of the covenant's grounds", ground);
		return WN_EGROUND;
	}
	if ((rc = tp_check_basis(b, rq, &c, &t, err, errcap)) != 0)
		return rc;
	if (json_array_size(cats) == 0) {
		snprintf(err, errcap, "a proposal names the categories the third party needs");
		return WN_EINVAL;
	}
	json_array_foreach(cats, i, x) {
		const struct vocab_category *v = vocab_category(json_string_value(x));
		if (v == NULL) {
			snprintf(err, errcap, "category '%.64s' is not in the vocabulary",
				 json_string_value(x) ? json_string_value(x) : "?");
			return WN_ECATEGORY;
		}
		if (!tp_in_dataset(b, v, c.cluster)) {
			snprintf(err, errcap, "category '%s' is not in the data set of cluster '%s'",
				 v->code, c.cluster);
			return WN_ECATEGORY;
		}
		if (v->special != VOCAB_ORDINARY) {
			snprintf(err, errcap, "category '%s' is special-category data, which is not "
				 "disclosed to third parties", v->code);
			return WN_EDENIED;
		}
	}
	if ((rc = id_generate(t.id)) != 0)
		return rc;
	snprintf(t.case_id, sizeof(t.case_id), "%s", case_id);
	snprintf(t.party, sizeof(t.party), "%s", party);
	snprintf(t.source, sizeof(t.source), "%s", source);
	snprintf(t.purpose, sizeof(t.purpose), "%s", purpose);
	snprintf(t.ground, sizeof(t.ground), "%s", ground);
	snprintf(t.motivation_hash, sizeof(t.motivation_hash), "%s", mhash ? mhash : "");
	t.categories = cats;
	char *proposal = tp_proposal_text(rq->env);
	if (proposal == NULL)
		return WN_ENOMEM;
	struct store_thirdparty_change ch = { .t = &t, .id = t.id, .by = rq->from->id,
					      .proposal = proposal };
	json_t *entry = json_pack("{s:s,s:s,s:s,s:O,s:s,s:s,s:s}", "case", case_id, "party", party,
				  "source", source, "categories", cats, "purpose", purpose, "ground",
				  ground, "person", t.person);
	if (t.consent_id[0])
		json_object_set_new(entry, "consent", json_string(t.consent_id));
	rc = tp_commit(b, rq, store_thirdparty_propose, &ch, t.id, entry, reply, err, errcap);
	free(proposal);
	return rc;
}

static int tp_decide(struct broker *b, const struct broker_request *rq, const char *type,
		     json_t **reply, char *err, size_t errcap)
{
	json_t *body = envelope_body(rq->env);
	const char *id = json_string_value(json_object_get(body, "approval"));
	char detail[200], *canon = NULL;
	size_t clen = 0;
	if (id_validate(id) != 0) {
		snprintf(err, errcap, "field 'approval': 32 lowercase hex digits");
		return WN_ESCHEMA;
	}
	struct store_thirdparty_change ch = { .id = id, .by = rq->from->id };
	json_t *entry = json_object();
	db_write_fn fn = store_thirdparty_vote;
	if (strcmp(type, "thirdparty.declare") == 0) {
		json_t *decl = json_object_get(body, "declaration");
		if (decl == NULL || schema_check(decl, declaration_fields, detail, sizeof(detail)) != 0) {
			snprintf(err, errcap, "declaration: %s", decl ? detail : "missing");
			json_decref(entry);
			return WN_ESCHEMA;
		}
		static const char *const signer[] = { "name", "organisation", "place", NULL };
		if (declaration_check_signed(decl, signer, "signed_on", detail, sizeof(detail)) != 0) {
			snprintf(err, errcap, "declaration (Bijlage 6): %s", detail);
			json_decref(entry);
			return WN_EINVAL;
		}
		char want[65];
		ch.text_version = json_string_value(json_object_get(decl, "text_version"));
		/* the accession texts (Heerlen Bijlage 4, Groningen 9.1) are published
		 * too, but are not this one */
		if (strncmp(ch.text_version, "heerlen-bijlage6-", 17) != 0 ||
		    declaration_hash(ch.text_version, want) != 0 ||
		    strcmp(want, json_string_value(json_object_get(decl, "text_hash"))) != 0) {
			snprintf(err, errcap, "declaration: '%s' is not a published text of the "
				 "confidentiality declaration, or its hash differs (Bijlage 6)",
				 ch.text_version);
			json_decref(entry);
			return WN_EINVAL;
		}
		json_object_set_new(entry, "text_version", json_string(ch.text_version));
		/* the third party's signed envelope is the signed declaration */
		int rc = canon_dump(rq->env, &canon, &clen);
		if (rc != 0) {
			json_decref(entry);
			return rc;
		}
		ch.declaration = canon;
		fn = store_thirdparty_declare;
		json_object_set_new(entry, "declared", json_true());
	} else {
		ch.decision = strcmp(type, "thirdparty.approve") == 0 ? "approved" : "rejected";
		json_object_set_new(entry, "decision", json_string(ch.decision));
	}
	int rc = tp_commit(b, rq, fn, &ch, id, entry, reply, err, errcap);
	free(canon);
	return rc;
}

/* A proposal as a partner of its case reads it to decide: the proposal, the
 * proposer's signed envelope (the person sealed to it) and the household
 * now. The third party gets the proposal only. */
static int tp_get(struct broker *b, const struct broker_request *rq, json_t **reply, char *err,
		  size_t errcap)
{
	const char *id = json_string_value(json_object_get(envelope_body(rq->env), "approval"));
	struct store_thirdparty t;
	json_t *out = NULL, *env = NULL, *people = NULL;
	int member = 0;
	if (id_validate(id) != 0) {
		snprintf(err, errcap, "field 'approval': 32 lowercase hex digits");
		return WN_ESCHEMA;
	}
	int rc = store_thirdparty_get(b->db, id, &t);
	if (rc == WN_ENOTFOUND)
		snprintf(err, errcap, "there is no third-party proposal %s", id);
	if (rc != 0)
		return rc;
	if ((rc = store_case_is_member(b->db, t.case_id, rq->from->id, &member)) == 0 && !member &&
	    strcmp(t.party, rq->from->id) != 0) {
		snprintf(err, errcap, "'%s' does not take part in case %s", rq->from->id, t.case_id);
		rc = WN_ENOTMEMBER;
	}
	if (rc == 0)
		rc = store_thirdparty_json(b->db, id, &out);
	if (rc == 0 && member) {
		db_lock(b->db);
		rc = store_case_people_locked(b->db, t.case_id, &people);
		db_unlock(b->db);
		if (rc == 0 && (rc = store_thirdparty_proposal(b->db, id, &env)) == WN_ENOTFOUND)
			rc = 0;
		json_object_set_new(out, "people", people);
		if (env != NULL)
			json_object_set_new(out, "proposal", env);
	}
	store_thirdparty_clear(&t);
	if (rc != 0) {
		json_decref(out);
		return rc;
	}
	return broker_reply(b, rq, "ok", json_pack("{s:o}", "approval", out), reply);
}

int broker_handle_thirdparty(struct broker *b, const struct broker_request *rq, json_t **reply,
			     char *err, size_t errcap)
{
	const char *type = envelope_str(rq->env, "type");
	json_t *body = envelope_body(rq->env);
	char detail[256];
	const struct schema_field *fields = strcmp(type, "thirdparty.propose") == 0 ? propose_fields
					    : strcmp(type, "thirdparty.list") == 0  ? list_fields
										    : decide_fields;
	if (strcmp(type, "thirdparty.get") == 0 && json_object_get(body, "declaration") != NULL) {
		snprintf(err, errcap, "body of 'thirdparty.get': unknown field 'declaration'");
		return WN_ESCHEMA;
	}
	if ((body != NULL || fields != list_fields) &&
	    schema_check(body, fields, detail, sizeof(detail)) != 0) {
		snprintf(err, errcap, "body of '%s': %s", type, body ? detail : "missing");
		return WN_ESCHEMA;
	}
	if (strcmp(type, "thirdparty.list") == 0) {
		json_t *list = NULL;
		int rc = store_thirdparty_list(b->db, rq->from->id, &list);
		if (rc != 0)
			return rc;
		return broker_reply(b, rq, "ok", json_pack("{s:o}", "approvals", list), reply);
	}
	if (strcmp(type, "thirdparty.get") == 0)
		return tp_get(b, rq, reply, err, errcap);
	if (json_object_get(rq->env, "actor") == NULL) {
		snprintf(err, errcap, "missing field 'actor': every decision names the professional");
		return WN_ESCHEMA;
	}
	if (strcmp(type, "thirdparty.propose") == 0)
		return tp_propose(b, rq, reply, err, errcap);
	return tp_decide(b, rq, type, reply, err, errcap);
}
