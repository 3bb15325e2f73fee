/*
 * cases.c — cases at the broker (Heerlen art. 7.1, 1.14, Bijlage 2; r07,
 * r26). A partner opens a case about a household in a cluster, on a recorded
 * precondition (a consent of the household, or an urgent interest), and is
 * its director unless it names another; the director adds the partners
 * involved — sealing the case key to each — changes who the household is
 * (birth, moving out), hands the direction over, and closes the case; a
 * partner may end its own part. Data requests are routed only between
 * partners of the same open case, about a person of its household. Every
 * change is written together with its audit entry. The broker holds the
 * household only as commitments it cannot reverse, and the case key only
 * sealed to the partners.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wijknet.h"
#include "canon.h"
#include "context.h"
#include "date.h"
#include "encoding.h"
#include "envelope.h"
#include "household.h"
#include "ids.h"
#include "log.h"
#include "schema.h"
#include "store.h"
#include "vocab.h"

#define CASE_LIST_DEFAULT 200

static const struct schema_field case_open_fields[] = {
	{ "cluster", SCHEMA_STRING, 1, 32 },
	{ "director", SCHEMA_STRING, 0, 63 },
	{ "retention", SCHEMA_STRING, 0, 10 },
	{ "people", SCHEMA_ARRAY, 1, HOUSEHOLD_MAX },
	{ "basis", SCHEMA_OBJECT, 1, 0 },
	{ "regisseur", SCHEMA_OBJECT, 0, 0 },
	{ NULL, 0, 0, 0 },
};

/* The precondition of Heerlen Bijlage 2 "Randvoorwaarden": a consent of the
 * household (how many members gave one; the documents stay at the opening
 * node), or an urgent interest whose motivation the opening node keeps
 * (here a hash keyed with the case key, which repeats in no other case). */
static const struct schema_field basis_fields[] = {
	{ "kind", SCHEMA_STRING, 1, 16 },
	{ "consents", SCHEMA_INT, 0, HOUSEHOLD_MAX },
	{ "refs", SCHEMA_ARRAY, 0, HOUSEHOLD_MAX },
	{ "motivation", SCHEMA_STRING, 0, 64 },
	{ NULL, 0, 0, 0 },
};

/* A consent a case rests on, as its holder registered it. */
static const struct schema_field consent_ref_fields[] = {
	{ "id", SCHEMA_STRING, 1, 32 },
	{ "version", SCHEMA_STRING, 1, 64 },
	{ NULL, 0, 0, 0 },
};

static const struct schema_field regisseur_fields[] = {
	{ "id", SCHEMA_STRING, 1, 64 },
	{ "role", SCHEMA_STRING, 1, 64 },
	{ NULL, 0, 0, 0 },
};

static const struct schema_field case_partner_fields[] = {
	{ "partner", SCHEMA_STRING, 0, 63 },
	{ NULL, 0, 0, 0 },
};

static const struct schema_field case_person_fields[] = {
	{ "person", SCHEMA_STRING, 1, 64 },
	{ "reason", SCHEMA_STRING, 1, 16 },
	{ "consent", SCHEMA_OBJECT, 0, 0 },
	{ NULL, 0, 0, 0 },
};

static const struct schema_field case_director_fields[] = {
	{ "director", SCHEMA_STRING, 0, 63 },
	{ "regisseur", SCHEMA_OBJECT, 0, 0 },
	{ NULL, 0, 0, 0 },
};

static const struct schema_field case_list_fields[] = {
	{ "limit", SCHEMA_INT, 0, 1000 },
	{ NULL, 0, 0, 0 },
};

static const struct schema_field case_none_fields[] = {
	{ NULL, 0, 0, 0 },
};

/* Why a household gains or loses a member. */
static const char *const person_add_reasons[] = { "birth", "moved_in", "other", NULL };
static const char *const person_remove_reasons[] = { "moved_out", "deceased", "other", NULL };

static int in_list(const char *const *list, const char *s)
{
	for (size_t i = 0; s != NULL && list[i] != NULL; i++)
		if (strcmp(list[i], s) == 0)
			return 1;
	return 0;
}

/* A partner that may take part in a case of cluster. */
static int cases_check_partner(struct broker *b, const char *id, const char *cluster, char *err,
			       size_t errcap)
{
	struct registry_partner *p = registry_find(b->reg, id);
	if (p == NULL) {
		snprintf(err, errcap, "'%s' is not a partner in the registry", id);
		return WN_EUNKNOWN_PARTNER;
	}
	if (!registry_usable(p)) {
		snprintf(err, errcap, "'%s' is not an active partner (%s)", id, registry_status(p));
		return WN_EREVOKED;
	}
	if (!registry_open_to_new(p)) {
		/* its running cases continue; it joins no new one (Heerlen 14.2) */
		snprintf(err, errcap, "'%s' gave notice (its membership ends): it opens or joins no "
			 "new case; its running cases go on until its end date", id);
		return WN_ENOTICE;
	}
	if (!registry_member(p)) {
		snprintf(err, errcap, "'%s' is an incidental partner: it receives data only through "
			 "an approved third-party disclosure, not as a case member", id);
		return WN_EDENIED;
	}
	if (!registry_in_cluster(p, cluster)) {
		snprintf(err, errcap, "'%s' does not take part in cluster '%s'", id, cluster);
		return WN_ECLUSTER;
	}
	return 0;
}

/* The envelope seals the case key to exactly the partners named. */
static int cases_check_sealed(const json_t *env, const char *const *to, char *err, size_t errcap)
{
	json_t *sealed = json_object_get(env, "sealed");
	size_t n = 0;
	for (; to[n] != NULL; n++) {
		if (json_object_get(sealed, to[n]) == NULL) {
			snprintf(err, errcap, "the case key is not sealed to '%s'", to[n]);
			return WN_ESCHEMA;
		}
	}
	if (json_object_size(sealed) != n) {
		snprintf(err, errcap, "the case key is sealed to partners that do not take part");
		return WN_ESCHEMA;
	}
	return 0;
}

/* A role-holder {id, role} (may be NULL). */
static int cases_check_regisseur(const json_t *r, char *err, size_t errcap)
{
	char detail[200];
	if (r == NULL)
		return 0;
	if (schema_check(r, regisseur_fields, detail, sizeof(detail)) != 0 ||
	    json_string_length(json_object_get(r, "id")) == 0 ||
	    json_string_length(json_object_get(r, "role")) == 0) {
		snprintf(err, errcap, "field 'regisseur': the case director's role-holder {id, role}");
		return WN_ESCHEMA;
	}
	return 0;
}

/* Writes a change and its audit entry, then replies with the case. */
static int cases_commit(struct broker *b, const struct broker_request *rq, db_write_fn fn,
			struct store_case_change *ch, json_t *entry, json_t **reply, char *err,
			size_t errcap)
{
	int64_t index = 0;
	char leaf[65];
	json_t *c = NULL;
	json_object_set_new(entry, "by", json_string(rq->from->id));
	json_object_set(entry, "actor", json_object_get(rq->env, "actor"));
	json_object_set_new(entry, "id", json_string(envelope_str(rq->env, "id")));
	json_object_set_new(entry, "case", json_string(ch->case_id));
	json_object_set_new(entry, "ts", json_integer((json_int_t)envelope_ts(rq->env)));
	ch->err = err;
	ch->errcap = errcap;
	err[0] = '\0';
	int rc = store_audit_with(&b->audit, fn, ch, entry, &index, leaf);
	json_decref(entry);
	if (rc != 0)
		return rc;
	log_emit(WN_LOG_INFO, "case_changed",
		 json_pack("{s:s,s:s,s:s}", "type", envelope_str(rq->env, "type"), "case",
			   ch->case_id, "by", rq->from->id));
	if ((rc = store_case_json(b->db, ch->case_id, &c)) != 0)
		return rc;
	return broker_reply(b, rq, "ok", json_pack("{s:o,s:I}", "case", c, "audit_index",
						   (json_int_t)index), reply);
}

/* The household: 1..HOUSEHOLD_MAX distinct commitments. */
static int cases_check_people(const json_t *people, char *err, size_t errcap)
{
	size_t i, j;
	json_t *x;
	if (json_array_size(people) == 0) {
		snprintf(err, errcap, "a case is about a household of one or more people "
			 "(Heerlen 1.14)");
		return WN_EINVAL;
	}
	json_array_foreach(people, i, x) {
		if (household_commit_valid(json_string_value(x)) != 0) {
			snprintf(err, errcap, "field 'people': item %zu is not a commitment (64 hex "
				 "digits)", i + 1);
			return WN_ESCHEMA;
		}
		for (j = 0; j < i; j++)
			if (json_equal(json_array_get(people, j), x)) {
				snprintf(err, errcap, "field 'people': a person is named twice");
				return WN_EINVAL;
			}
	}
	return 0;
}

/* Consent refs from the wire, checked before any transaction: each exactly
 * {id, version} of the registry's form, no consent twice. */
static int cases_check_refs(const json_t *refs, const char *field, char *err, size_t errcap)
{
	char why[200];
	size_t i, j;
	json_t *x;
	json_array_foreach(refs, i, x) {
		if (schema_check(x, consent_ref_fields, why, sizeof(why)) != 0 ||
		    id_validate(json_string_value(json_object_get(x, "id"))) != 0 ||
		    hex_validate(json_string_value(json_object_get(x, "version")), 64) != 0) {
			snprintf(err, errcap, "field '%s': item %zu is not a consent {id: 32 hex "
				 "digits, version: 64 hex digits}", field, i + 1);
			return WN_ESCHEMA;
		}
		for (j = 0; j < i; j++)
			if (json_equal(json_object_get(json_array_get(refs, j), "id"),
				       json_object_get(x, "id"))) {
				snprintf(err, errcap, "field '%s': consent %s is named twice: one "
					 "consent per member", field,
					 json_string_value(json_object_get(x, "id")));
				return WN_EINVAL;
			}
	}
	return 0;
}

/* The precondition; *kind its kind, *detail its canonical JSON (free()). */
static int cases_check_basis(const json_t *basis, size_t npeople, const char **kind,
			     char **detail, char *err, size_t errcap)
{
	char why[200];
	size_t len = 0;
	if (schema_check(basis, basis_fields, why, sizeof(why)) != 0) {
		snprintf(err, errcap, "field 'basis': %s", why);
		return WN_ESCHEMA;
	}
	*kind = json_string_value(json_object_get(basis, "kind"));
	json_int_t consents = json_integer_value(json_object_get(basis, "consents"));
	const char *motivation = json_string_value(json_object_get(basis, "motivation"));
	if (strcmp(*kind, "consent") == 0) {
		const json_t *refs = json_object_get(basis, "refs");
		if (consents < 1 || (size_t)consents > npeople || motivation != NULL) {
			snprintf(err, errcap, "field 'basis': a case opened on consent names how many "
				 "members of the household consented (1..%zu)", npeople);
			return WN_ECONSENT;
		}
		/* the consents themselves (id, version), which the case binds; a node
		 * before 0.5.13 sends the count alone */
		if (refs != NULL && json_array_size(refs) != (size_t)consents) {
			snprintf(err, errcap, "field 'basis': 'refs' names each of the %d consents",
				 (int)consents);
			return WN_ESCHEMA;
		}
		int rc = cases_check_refs(refs, "basis.refs", err, errcap);
		if (rc != 0)
			return rc;
	} else if (strcmp(*kind, "urgent") == 0) {
		if (hex_validate(motivation, 64) != 0 || json_object_get(basis, "consents") ||
		    json_object_get(basis, "refs")) {
			snprintf(err, errcap, "field 'basis': a case opened on an urgent interest "
				 "carries the hash of its motivation");
			return WN_EMOTIVATION;
		}
	} else {
		snprintf(err, errcap, "field 'basis': a case is opened on a consent of the household "
			 "or a recorded urgent interest (Heerlen Bijlage 2, Randvoorwaarden)");
		return WN_EINVAL;
	}
	return canon_dump(basis, detail, &len);
}

/* The consents a change rests on serve this case from now on (Bijlage 5),
 * bound in the transaction that makes the change. */
static int cases_bind_consents_locked(db *d, const struct store_case_change *ch)
{
	size_t i;
	json_t *x;
	json_array_foreach(ch->consents, i, x) {
		int rc = broker_consent_bind_locked(d, x, ch->by, ch->case_id, ch->err, ch->errcap);
		if (rc != 0)
			return rc;
	}
	return 0;
}

static int cases_open_locked(db *d, void *arg)
{
	int rc = store_case_open(d, arg);
	return rc != 0 ? rc : cases_bind_consents_locked(d, arg);
}

static int cases_person_add_locked(db *d, void *arg)
{
	int rc = store_case_person_add(d, arg);
	return rc != 0 ? rc : cases_bind_consents_locked(d, arg);
}

/* The signed envelope as the broker keeps it for the partners it seals to. */
static char *cases_key_envelope(const json_t *env)
{
	char *canon = NULL;
	size_t len = 0;
	json_t *copy = json_deep_copy(env);
	if (copy != NULL)
		json_object_del(copy, "receipt");
	if (copy == NULL || canon_dump(copy, &canon, &len) != 0)
		canon = NULL;
	json_decref(copy);
	return canon;
}

/* The open case and its fields as they go into the store. */
static int cases_new(struct broker *b, const struct broker_request *rq, struct store_case *c,
		     char *err, size_t errcap)
{
	json_t *body = envelope_body(rq->env);
	const char *cluster = json_string_value(json_object_get(body, "cluster"));
	const char *director = json_string_value(json_object_get(body, "director"));
	const char *retention = json_string_value(json_object_get(body, "retention"));
	const char *id = envelope_str(rq->env, "case");
	char today[DATE_LEN + 1];
	memset(c, 0, sizeof(*c));
	if (id == NULL) {
		snprintf(err, errcap, "missing field 'case': the opening node chooses the case id "
			 "it seals the case key under");
		return WN_ESCHEMA;
	}
	if (!vocab_cluster(cluster)) {
		snprintf(err, errcap, "cluster '%s' is not one of jeugd, volwassenen, multiprobleem",
			 cluster);
		return WN_ECLUSTER;
	}
	int rc = cases_check_partner(b, rq->from->id, cluster, err, errcap);
	if (rc == 0 && director != NULL)
		rc = cases_check_partner(b, director, cluster, err, errcap);
	if (rc != 0)
		return rc;
	if (retention != NULL && !date_valid(retention)) {
		snprintf(err, errcap, "field 'retention': expected a date YYYY-MM-DD");
		return WN_ESCHEMA;
	}
	date_today_plus(0, today);
	if (retention != NULL && strcmp(retention, today) <= 0) {
		/* a case kept until a past date would be purged as soon as it is opened */
		snprintf(err, errcap, "field 'retention': %s is not after today", retention);
		return WN_EINVAL;
	}
	snprintf(c->id, sizeof(c->id), "%s", id);
	snprintf(c->cluster, sizeof(c->cluster), "%s", cluster);
	snprintf(c->director, sizeof(c->director), "%s", director ? director : rq->from->id);
	snprintf(c->status, sizeof(c->status), "open");
	c->opened_at = time_now_ms();
	if (retention != NULL)
		snprintf(c->retention, sizeof(c->retention), "%s", retention);
	else
		date_today_plus(b->case_retention_days, c->retention);
	return 0;
}

static int cases_open(struct broker *b, const struct broker_request *rq, json_t **reply,
		      char *err, size_t errcap)
{
	json_t *body = envelope_body(rq->env), *people = json_object_get(body, "people");
	json_t *regisseur = json_object_get(body, "regisseur");
	struct store_case c;
	const char *kind = NULL;
	char *detail = NULL, *key_env = NULL;
	int rc = cases_new(b, rq, &c, err, errcap);
	if (rc == 0)
		rc = cases_check_people(people, err, errcap);
	if (rc == 0)
		rc = cases_check_basis(json_object_get(body, "basis"), json_array_size(people),
				       &kind, &detail, err, errcap);
	if (rc == 0)
		rc = cases_check_regisseur(regisseur, err, errcap);
	if (rc != 0)
		goto out;
	/* the opener holds the key; a director it names gets it sealed too */
	const char *key_for[3] = { rq->from->id, NULL, NULL };
	if (strcmp(c.director, rq->from->id) != 0)
		key_for[1] = c.director;
	if ((rc = cases_check_sealed(rq->env, key_for, err, errcap)) != 0)
		goto out;
	if ((key_env = cases_key_envelope(rq->env)) == NULL) {
		rc = WN_ENOMEM;
		goto out;
	}
	snprintf(c.basis, sizeof(c.basis), "%s", kind);
	struct store_case_change ch = {
		.case_id = c.id, .by = rq->from->id, .open = &c, .people = people,
		.basis_detail = detail, .key_env = key_env, .key_for = key_for,
		.regisseur_id = json_string_value(json_object_get(regisseur, "id")),
		.regisseur_role = json_string_value(json_object_get(regisseur, "role")),
		.consents = json_object_get(json_object_get(body, "basis"), "refs"),
	};
	json_t *entry = json_pack("{s:s,s:s,s:s,s:O,s:O}", "type", "case.open", "cluster",
				  c.cluster, "director", c.director, "people", people, "basis",
				  json_object_get(body, "basis"));
	if (regisseur != NULL)
		json_object_set(entry, "regisseur", regisseur);
	rc = cases_commit(b, rq, cases_open_locked, &ch, entry, reply, err, errcap);
out:
	free(detail);
	free(key_env);
	return rc;
}

/* case.join: the director adds a partner and seals the case key to it. */
static int cases_join(struct broker *b, const struct broker_request *rq,
		      struct store_case_change *ch, const struct store_case *c, json_t **reply,
		      char *err, size_t errcap)
{
	const char *partner = ch->partner;
	int rc = cases_check_partner(b, partner, c->cluster, err, errcap);
	const char *key_for[2] = { partner, NULL };
	if (rc == 0)
		rc = cases_check_sealed(rq->env, key_for, err, errcap);
	if (rc != 0)
		return rc;
	char *key_env = cases_key_envelope(rq->env);
	if (key_env == NULL)
		return WN_ENOMEM;
	ch->key_env = key_env;
	rc = cases_commit(b, rq, store_case_join, ch,
			  json_pack("{s:s,s:s}", "type", "case.join", "partner", partner), reply,
			  err, errcap);
	free(key_env);
	return rc;
}

/* case.person.add / case.person.remove: the household changes. */
static int cases_person(struct broker *b, const struct broker_request *rq, const char *type,
			struct store_case_change *ch, json_t **reply, char *err, size_t errcap)
{
	json_t *body = envelope_body(rq->env);
	int add = strcmp(type, "case.person.add") == 0;
	ch->person = json_string_value(json_object_get(body, "person"));
	ch->reason = json_string_value(json_object_get(body, "reason"));
	if (household_commit_valid(ch->person) != 0) {
		snprintf(err, errcap, "field 'person': a commitment of 64 hex digits");
		return WN_ESCHEMA;
	}
	if (!in_list(add ? person_add_reasons : person_remove_reasons, ch->reason)) {
		snprintf(err, errcap, "field 'reason': %s", add ? "birth, moved_in or other"
								: "moved_out, deceased or other");
		return WN_EINVAL;
	}
	json_t *consent = json_object_get(body, "consent");
	if (consent != NULL && !add) {
		snprintf(err, errcap, "field 'consent': only a person added brings a consent");
		return WN_EINVAL;
	}
	json_t *entry = json_pack("{s:s,s:s,s:s}", "type", type, "person", ch->person, "reason",
				  ch->reason);
	json_t *refs = consent ? json_pack("[O]", consent) : NULL;
	int rc = consent != NULL && refs == NULL ? WN_ENOMEM : 0;
	if (rc == 0)
		rc = cases_check_refs(refs, "consent", err, errcap);
	if (rc != 0) {
		json_decref(entry);
		json_decref(refs);
		return rc;
	}
	if (consent != NULL) {
		json_object_set(entry, "consent", consent);
		ch->consents = refs;
	}
	rc = cases_commit(b, rq, add ? cases_person_add_locked : store_case_person_remove, ch,
			  entry, reply, err, errcap);
	json_decref(refs);
	return rc;
}

/* case.director: the direction or its role-holder changes hands. */
static int cases_director(struct broker *b, const struct broker_request *rq,
			  struct store_case_change *ch, const struct store_case *c, json_t **reply,
			  char *err, size_t errcap)
{
	json_t *body = envelope_body(rq->env), *regisseur = json_object_get(body, "regisseur");
	const char *director = json_string_value(json_object_get(body, "director"));
	int rc = cases_check_regisseur(regisseur, err, errcap);
	if (rc == 0 && director != NULL)
		rc = cases_check_partner(b, director, c->cluster, err, errcap);
	if (rc != 0)
		return rc;
	if (director == NULL && regisseur == NULL) {
		snprintf(err, errcap, "name the new director, its role-holder, or both");
		return WN_EINVAL;
	}
	ch->partner = director;
	ch->regisseur_id = json_string_value(json_object_get(regisseur, "id"));
	ch->regisseur_role = json_string_value(json_object_get(regisseur, "role"));
	json_t *entry = json_pack("{s:s,s:s}", "type", "case.director", "director",
				  director ? director : c->director);
	if (regisseur != NULL)
		json_object_set(entry, "regisseur", regisseur);
	return cases_commit(b, rq, store_case_set_director, ch, entry, reply, err, errcap);
}

/* case.get and case.key: what a partner of the case may read. */
static int cases_read(struct broker *b, const struct broker_request *rq, const char *type,
		      const char *case_id, json_t **reply, char *err, size_t errcap)
{
	int member = 0;
	json_t *out = NULL;
	int rc = store_case_is_member(b->db, case_id, rq->from->id, &member);
	if (rc != 0)
		return rc;
	if (!member) {
		snprintf(err, errcap, "'%s' does not take part in case %s", rq->from->id, case_id);
		return WN_ENOTMEMBER;
	}
	if (strcmp(type, "case.get") == 0) {
		if ((rc = store_case_json(b->db, case_id, &out)) != 0)
			return rc;
		return broker_reply(b, rq, "ok", json_pack("{s:o}", "case", out), reply);
	}
	if ((rc = store_case_key(b->db, case_id, rq->from->id, &out)) == WN_ENOTFOUND) {
		snprintf(err, errcap, "no case key was sealed to '%s' for case %s", rq->from->id,
			 case_id);
		return WN_ENOTMEMBER;
	}
	if (rc != 0)
		return rc;
	return broker_reply(b, rq, "ok", json_pack("{s:o}", "envelope", out), reply);
}

/* Changes to an existing case: the header names it. */
static int cases_change(struct broker *b, const struct broker_request *rq, const char *type,
			json_t **reply, char *err, size_t errcap)
{
	const char *case_id = envelope_str(rq->env, "case");
	const char *partner = json_string_value(json_object_get(envelope_body(rq->env), "partner"));
	struct store_case c;
	if (case_id == NULL) {
		snprintf(err, errcap, "missing field 'case': the case to change");
		return WN_ESCHEMA;
	}
	int rc = store_case_get(b->db, case_id, &c);
	int read = strcmp(type, "case.get") == 0 || strcmp(type, "case.key") == 0;
	if (rc == WN_ENOTFOUND) {
		snprintf(err, errcap, "there is no case '%s'%s%s%s", case_id,
			 read ? " that '" : "", read ? rq->from->id : "", read ? "' takes part in" : "");
		/* a partner learns nothing of cases it does not take part in */
		return read ? WN_ENOTMEMBER : rc;
	}
	if (rc != 0)
		return rc;
	if (read)
		return cases_read(b, rq, type, case_id, reply, err, errcap);
	struct store_case_change ch = { .case_id = case_id, .by = rq->from->id,
					.retention_days = b->case_retention_days,
					.partner = partner ? partner : rq->from->id };
	if (strcmp(type, "case.join") == 0) {
		if (partner == NULL) {
			snprintf(err, errcap, "missing field 'partner': who joins the case");
			return WN_ESCHEMA;
		}
		return cases_join(b, rq, &ch, &c, reply, err, errcap);
	}
	if (strncmp(type, "case.person.", 12) == 0)
		return cases_person(b, rq, type, &ch, reply, err, errcap);
	if (strcmp(type, "case.director") == 0)
		return cases_director(b, rq, &ch, &c, reply, err, errcap);
	db_write_fn fn = store_case_leave;
	if (strcmp(type, "case.close") == 0) {
		fn = store_case_close;
		ch.partner = NULL;
	}
	json_t *entry = json_pack("{s:s}", "type", type);
	if (ch.partner != NULL)
		json_object_set_new(entry, "partner", json_string(ch.partner));
	return cases_commit(b, rq, fn, &ch, entry, reply, err, errcap);
}

static const struct schema_field *cases_fields(const char *type)
{
	if (strcmp(type, "case.open") == 0)
		return case_open_fields;
	if (strcmp(type, "case.list") == 0)
		return case_list_fields;
	if (strncmp(type, "case.person.", 12) == 0)
		return case_person_fields;
	if (strcmp(type, "case.director") == 0)
		return case_director_fields;
	if (strcmp(type, "case.get") == 0 || strcmp(type, "case.key") == 0 ||
	    strcmp(type, "case.close") == 0)
		return case_none_fields;
	return case_partner_fields;
}

int broker_handle_case(struct broker *b, const struct broker_request *rq, json_t **reply,
		       char *err, size_t errcap)
{
	static const char *const types[] = { "case.open", "case.join", "case.leave", "case.close",
					     "case.list", "case.get", "case.key", "case.person.add",
					     "case.person.remove", "case.director", NULL };
	const char *type = envelope_str(rq->env, "type");
	json_t *body = envelope_body(rq->env);
	char detail[256];
	if (!in_list(types, type)) {
		snprintf(err, errcap, "unknown case operation '%s'", type);
		return WN_EPROTO;
	}
	if (body != NULL && schema_check(body, cases_fields(type), detail, sizeof(detail)) != 0) {
		snprintf(err, errcap, "body of '%s': %s", type, detail);
		return WN_ESCHEMA;
	}
	if (strcmp(type, "case.list") == 0) {
		json_t *list = NULL;
		json_t *limit = json_object_get(body, "limit");
		int rc = store_case_list(b->db, rq->from->id,
					 limit ? (int)json_integer_value(limit) : CASE_LIST_DEFAULT,
					 &list);
		if (rc != 0)
			return rc;
		return broker_reply(b, rq, "ok", json_pack("{s:o}", "cases", list), reply);
	}
	/* access is personal (r16): every change names the professional */
	if (json_object_get(rq->env, "actor") == NULL && strcmp(type, "case.get") != 0 &&
	    strcmp(type, "case.key") != 0) {
		snprintf(err, errcap, "missing field 'actor': every change to a case names the "
			 "professional");
		return WN_ESCHEMA;
	}
	if (strcmp(type, "case.open") == 0) {
		if (body == NULL) {
			snprintf(err, errcap, "missing body: case.open needs a cluster, the household "
				 "and its precondition");
			return WN_ESCHEMA;
		}
		return cases_open(b, rq, reply, err, errcap);
	}
	return cases_change(b, rq, type, reply, err, errcap);
}
