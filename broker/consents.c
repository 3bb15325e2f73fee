/*
 * consents.c — the broker's consent registry (r10): partners register the
 * consents and refusals they collected (id, version hash, status, validity;
 * never the document) and revoke them. Routing asks it whether the consent a
 * request names is active now, and the receipt attests what it saw.
 */
#include <stdio.h>
#include <string.h>

#include "wijknet.h"
#include "consentset.h"
#include "context.h"
#include "date.h"
#include "encoding.h"
#include "envelope.h"
#include "ids.h"
#include "log.h"
#include "schema.h"
#include "store.h"

static const struct schema_field register_fields[] = {
	{ "consent", SCHEMA_STRING, 1, 32 },
	{ "version", SCHEMA_STRING, 1, 64 },
	{ "status", SCHEMA_STRING, 1, 16 },
	{ "valid_from", SCHEMA_STRING, 1, 10 },
	{ "valid_until", SCHEMA_STRING, 1, 10 },
	{ NULL, 0, 0, 0 },
};

static const struct schema_field revoke_fields[] = {
	{ "consent", SCHEMA_STRING, 1, 32 },
	{ NULL, 0, 0, 0 },
};

int broker_consent_status(const struct store_consent *c, const json_t *ref, char *err,
			  size_t errcap)
{
	char today[DATE_LEN + 1];
	const char *id = json_string_value(json_object_get(ref, "id"));
	const char *version = json_string_value(json_object_get(ref, "version"));
	if (version == NULL || strcmp(c->version, version) != 0) {
		snprintf(err, errcap, "consent %s: the version named is not the version registered",
			 c->id);
		return WN_ECONSENT;
	}
	if (strcmp(c->status, "active") != 0) {
		snprintf(err, errcap, "consent %s is %s", id,
			 strcmp(c->status, "refused") == 0 ? "a recorded refusal" : c->status);
		return WN_ECONSENT;
	}
	date_today_plus(0, today);
	if (strcmp(today, c->valid_from) < 0 || strcmp(today, c->valid_until) > 0) {
		snprintf(err, errcap, "consent %s is valid from %s until %s, not today", id,
			 c->valid_from, c->valid_until);
		return WN_ECONSENT;
	}
	return 0;
}

/* The registry entry of ref, registered by holder (NULL: anyone). */
static int consents_held(const struct store_consent *c, int rc, const char *id,
			 const char *holder, char *err, size_t errcap)
{
	if (rc == WN_ENOTFOUND) {
		snprintf(err, errcap, "consent %s is not in the consent registry", id);
		return WN_ECONSENT;
	}
	if (rc != 0)
		return rc;
	/* consent lives where it was collected: only its holder asks on it */
	if (holder != NULL && strcmp(c->registered_by, holder) != 0) {
		snprintf(err, errcap, "consent %s is held by '%s': only the partner that registered "
			 "it asks on it", id, c->registered_by);
		return WN_ECONSENT;
	}
	return 0;
}

int broker_consent_check(struct broker *b, const json_t *ref, const char *holder, char *err,
			 size_t errcap)
{
	struct store_consent c;
	const char *id = json_string_value(json_object_get(ref, "id"));
	int rc = consents_held(&c, store_consent_get(b->db, id, &c), id, holder, err, errcap);
	return rc != 0 ? rc : broker_consent_status(&c, ref, err, errcap);
}

int broker_consent_serves_case_locked(db *d, const struct store_consent *c, const char *case_id,
				      char *err, size_t errcap)
{
	if (c->case_id[0] == '\0')
		return store_consent_bind_case_locked(d, c->id, case_id);
	if (strcmp(c->case_id, case_id) != 0) {
		/* its holder asks: the case it serves is named, as a retry of an
		 * open whose answer was lost finds its case there */
		snprintf(err, errcap, "consent %s was given for another case (it serves case %s): "
			 "a consent serves the case it was given for (Bijlage 5); register the "
			 "client's consent for this case", c->id, c->case_id);
		return WN_ECONSENT;
	}
	return 0;
}

int broker_consent_bind_locked(db *d, const json_t *ref, const char *holder, const char *case_id,
			       char *err, size_t errcap)
{
	struct store_consent c;
	const char *id = json_string_value(json_object_get(ref, "id"));
	if (id == NULL || !json_is_string(json_object_get(ref, "version"))) {
		snprintf(err, errcap, "a consent is named by its id and version");
		return WN_ESCHEMA;
	}
	int rc = consents_held(&c, store_consent_get_locked(d, id, &c), id, holder, err, errcap);
	if (rc == 0)
		rc = broker_consent_status(&c, ref, err, errcap);
	return rc != 0 ? rc : broker_consent_serves_case_locked(d, &c, case_id, err, errcap);
}

static int consents_register(struct broker *b, const struct broker_request *rq,
			     json_t **reply, char *err, size_t errcap)
{
	json_t *body = envelope_body(rq->env);
	struct store_consent c;
	memset(&c, 0, sizeof(c));
	const char *id = json_string_value(json_object_get(body, "consent"));
	const char *version = json_string_value(json_object_get(body, "version"));
	const char *status = json_string_value(json_object_get(body, "status"));
	const char *from = json_string_value(json_object_get(body, "valid_from"));
	const char *until = json_string_value(json_object_get(body, "valid_until"));
	if (id_validate(id) != 0 || hex_validate(version, 64) != 0) {
		snprintf(err, errcap, "a consent has an id of 32 and a version of 64 hex digits");
		return WN_ESCHEMA;
	}
	if (strcmp(status, "active") != 0 && strcmp(status, "refused") != 0) {
		snprintf(err, errcap, "field 'status': a consent is registered active or refused");
		return WN_ESCHEMA;
	}
	if (!date_valid(from) || !date_valid(until) || strcmp(from, until) > 0) {
		snprintf(err, errcap, "fields 'valid_from', 'valid_until': dates YYYY-MM-DD, in order");
		return WN_ESCHEMA;
	}
	long days = 0;
	if (strcmp(status, "active") == 0 &&
	    (date_days_between(from, until, &days) != 0 || days > b->max_consent_days)) {
		snprintf(err, errcap, "consent %s is valid for %ld days, longer than the federation's "
			 "maximum of %d days (policy max_consent_days)", id, days, b->max_consent_days);
		return WN_ECONSENT;
	}
	snprintf(c.id, sizeof(c.id), "%s", id);
	snprintf(c.version, sizeof(c.version), "%s", version);
	snprintf(c.status, sizeof(c.status), "%s", status);
	snprintf(c.valid_from, sizeof(c.valid_from), "%s", from);
	snprintf(c.valid_until, sizeof(c.valid_until), "%s", until);
	struct store_consent_change ch = { &c, rq->from->id, err, errcap };
	json_t *entry = json_pack("{s:s,s:s,s:s,s:s,s:O,s:s,s:s,s:s,s:I}", "type",
				  "consent.register", "id", envelope_str(rq->env, "id"), "consent",
				  id, "by", rq->from->id, "actor", json_object_get(rq->env, "actor"),
				  "status", status, "valid_from", from, "valid_until", until, "ts",
				  (json_int_t)envelope_ts(rq->env));
	int64_t index = 0;
	char leaf[65];
	err[0] = '\0';
	int rc = store_audit_with(&b->audit, store_consent_register, &ch, entry, &index, leaf);
	json_decref(entry);
	if (rc != 0)
		return rc;
	log_emit(WN_LOG_INFO, "consent_registered",
		 json_pack("{s:s,s:s,s:s}", "consent", id, "by", rq->from->id, "status", status));
	return broker_reply(b, rq, "ok", json_pack("{s:s,s:s,s:I}", "consent", id, "status", status,
						   "audit_index", (json_int_t)index), reply);
}

static int consents_revoke(struct broker *b, const struct broker_request *rq, json_t **reply,
			   char *err, size_t errcap)
{
	const char *id = json_string_value(json_object_get(envelope_body(rq->env), "consent"));
	struct store_consent c;
	memset(&c, 0, sizeof(c));
	if (id_validate(id) != 0) {
		snprintf(err, errcap, "field 'consent': expected 32 lowercase hex digits");
		return WN_ESCHEMA;
	}
	snprintf(c.id, sizeof(c.id), "%s", id);
	struct store_consent_change ch = { &c, rq->from->id, err, errcap };
	json_t *entry = json_pack("{s:s,s:s,s:s,s:s,s:O,s:I}", "type", "consent.revoke", "id",
				  envelope_str(rq->env, "id"), "consent", id, "by", rq->from->id,
				  "actor", json_object_get(rq->env, "actor"), "ts",
				  (json_int_t)envelope_ts(rq->env));
	int64_t index = 0;
	char leaf[65];
	err[0] = '\0';
	int rc = store_audit_with(&b->audit, store_consent_revoke, &ch, entry, &index, leaf);
	json_decref(entry);
	if (rc != 0)
		return rc;
	log_emit(WN_LOG_INFO, "consent_revoked", json_pack("{s:s,s:s}", "consent", id, "by",
							   rq->from->id));
	return broker_reply(b, rq, "ok", json_pack("{s:s,s:s,s:I}", "consent", id, "status",
						   "revoked", "audit_index", (json_int_t)index),
			    reply);
}

/* The broker's signed, dated word that a partner's consents are active: one
 * statement over all of them (consentset.h), which the partner keeps and
 * proves single consents against when it shows them in lookups. Asked for
 * all at once, never per use, so the broker cannot tell which consent a
 * lookup relies on. */
static int consents_attest(struct broker *b, const struct broker_request *rq, json_t **reply,
			   char *err, size_t errcap)
{
	char today[DATE_LEN + 1];
	json_t *refs = NULL, *statement = NULL;
	consentset *set = NULL;
	date_today_plus(0, today);
	int rc = store_consent_active(b->db, rq->from->id, today, &refs);
	if (rc == 0 && (rc = consentset_build(refs, &set)) == 0)
		rc = consentset_sign(set, rq->from->id, time_now_ms(), b->ident->key, &statement);
	consentset_free(set);
	if (rc != 0) {
		snprintf(err, errcap, "cannot attest the consents of '%s'", rq->from->id);
		json_decref(refs);
		return rc;
	}
	return broker_reply(b, rq, "ok", json_pack("{s:o,s:o}", "statement", statement,
						   "consents", refs), reply);
}

static const struct schema_field attest_fields[] = {
	{ NULL, 0, 0, 0 },
};

int broker_handle_consent(struct broker *b, const struct broker_request *rq, json_t **reply,
			  char *err, size_t errcap)
{
	const char *type = envelope_str(rq->env, "type");
	int reg = strcmp(type, "consent.register") == 0;
	char detail[256];
	if (strcmp(type, "consent.attest") == 0) {
		json_t *body = envelope_body(rq->env);
		if (body != NULL && schema_check(body, attest_fields, detail, sizeof(detail)) != 0) {
			snprintf(err, errcap, "body of '%s': %s", type, detail);
			return WN_ESCHEMA;
		}
		return consents_attest(b, rq, reply, err, errcap);
	}
	if (json_object_get(rq->env, "actor") == NULL) {
		snprintf(err, errcap, "missing field 'actor': the professional who records it");
		return WN_ESCHEMA;
	}
	if (schema_check(envelope_body(rq->env), reg ? register_fields : revoke_fields, detail,
			 sizeof(detail)) != 0) {
		snprintf(err, errcap, "body of '%s': %s", type, detail);
		return WN_ESCHEMA;
	}
	return reg ? consents_register(b, rq, reply, err, errcap)
		   : consents_revoke(b, rq, reply, err, errcap);
}
