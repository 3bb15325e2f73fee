/*
 * route.c — routing of a partner's query to other partners: lookups and
 * data requests. The broker checks what it can see — membership, case
 * membership, cluster scope, purpose, ground, consent status, limits —
 * appends the metadata to its audit log,
 * countersigns (its receipt: log index + leaf hash), fans out to every
 * recipient at once with one deadline, verifies each answer's signature and
 * relays the answers it cannot read. It records per partner only how
 * delivery went: answered, unavailable or rejected.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wijknet.h"
#include "context.h"
#include "envelope.h"
#include "ids.h"
#include "log.h"
#include "schema.h"
#include "secevent.h"
#include "household.h"
#include "store.h"
#include "vocab.h"

static const struct schema_field request_body_fields[] = {
	{ "deadline_ms", SCHEMA_INT, 0, 60000 },
	{ NULL, 0, 0, 0 },
};

static int ground_is_consent_code(const char *ground)
{
	return ground != NULL && strcmp(ground, "consent") == 0;
}

static const struct schema_field lookup_body_fields[] = {
	{ "cluster", SCHEMA_STRING, 0, 32 },
	{ "deadline_ms", SCHEMA_INT, 0, 60000 },
	{ NULL, 0, 0, 0 },
};

/* Policy checks on a lookup header; err says which rule failed. */
static int route_check_lookup(struct broker *b, const struct broker_request *rq, char *err,
			      size_t errcap)
{
	const json_t *env = rq->env;
	char detail[256];
	if (json_object_get(env, "actor") == NULL) {
		snprintf(err, errcap, "missing field 'actor': every query names the professional (r16)");
		return WN_ESCHEMA;
	}
	const char *purpose = envelope_str(env, "purpose");
	if (!vocab_purpose_known(purpose)) {
		snprintf(err, errcap, "purpose '%s' is not in the vocabulary", purpose ? purpose : "");
		return WN_EPURPOSE;
	}
	/* Bijlage 8: the client's consent is asked before the team checks whether
	 * the client is known; without it, another lawful ground (r14) */
	const char *ground = envelope_str(env, "ground");
	if (!vocab_ground_known(ground) || strcmp(ground, "conflict_of_duties") == 0) {
		snprintf(err, errcap, "a lookup carries a lawful ground: consent, or legal_obligation, "
			 "vital_interest, public_task, legitimate_interest or contract with its "
			 "motivation (got '%s')", ground ? ground : "none");
		return WN_EGROUND;
	}
	json_t *body = envelope_body(env);
	if (body != NULL && schema_check(body, lookup_body_fields, detail, sizeof(detail)) != 0) {
		snprintf(err, errcap, "body: %s", detail);
		return WN_ESCHEMA;
	}
	const char *cluster = json_string_value(json_object_get(body, "cluster"));
	if (cluster != NULL && !vocab_cluster(cluster)) {
		snprintf(err, errcap, "cluster '%s' is not one of jeugd, volwassenen, multiprobleem",
			 cluster);
		return WN_ECLUSTER;
	}
	if (!registry_member(rq->from)) {
		snprintf(err, errcap, "'%s' is an incidental partner and makes no lookups",
			 rq->from->id);
		return WN_EDENIED;
	}
	if (!registry_in_cluster(rq->from, cluster)) {
		snprintf(err, errcap, "requester '%s' does not take part in cluster '%s'",
			 rq->from->id, cluster);
		return WN_ECLUSTER;
	}
	json_t *to = json_object_get(env, "to"), *x, *sealed = json_object_get(env, "sealed");
	size_t i;
	if (json_array_size(to) > (size_t)b->max_partners) {
		snprintf(err, errcap, "%zu recipients exceed the federation limit of %d",
			 json_array_size(to), b->max_partners);
		return WN_ELIMIT;
	}
	if (json_object_size(sealed) != json_array_size(to)) {
		snprintf(err, errcap, "every recipient needs exactly one sealed body");
		return WN_ESCHEMA;
	}
	json_array_foreach(to, i, x) {
		const char *id = json_string_value(x);
		struct registry_partner *p = registry_find(b->reg, id);
		if (p == NULL) {
			snprintf(err, errcap, "recipient '%s' is not a partner in the registry", id);
			return WN_EUNKNOWN_PARTNER;
		}
		if (p == rq->from) {
			snprintf(err, errcap, "a partner does not query itself through the broker");
			return WN_EPROTO;
		}
		if (!registry_usable(p)) {
			snprintf(err, errcap, "recipient '%s' is not an active partner", id);
			return WN_EREVOKED;
		}
		if (!registry_member(p)) {
			snprintf(err, errcap, "recipient '%s' is an incidental partner", id);
			return WN_EDENIED;
		}
		if (!registry_in_cluster(p, cluster)) {
			snprintf(err, errcap, "recipient '%s' does not take part in cluster '%s'", id,
				 cluster);
			return WN_ECLUSTER;
		}
		if (json_object_get(sealed, id) == NULL) {
			snprintf(err, errcap, "no sealed body for recipient '%s'", id);
			return WN_ESCHEMA;
		}
	}
	return 0;
}

/* Checks one answer: well formed, from the partner asked (over its own
 * authenticated connection), bound to the query. Its signature is the
 * requester's to check: every node opens a relayed answer only after
 * verifying it (reply_open), and reports a bad one to the breach register, so
 * a check here would be made twice. */
static const char *route_check_answer(struct broker *b, struct registry_partner *p,
				      const char *query_id, const char *answer_type,
				      struct rpc_fan_item *item, json_t **answer)
{
	char err[256];
	json_t *a = NULL;
	*answer = NULL;
	if (item->rc == WN_ETIMEOUT) {
		log_emit(WN_LOG_WARN, "partner_late",
			 json_pack("{s:s,s:s}", "partner", p->id, "re", query_id));
		return "unavailable";
	}
	if (item->rc != 0)
		return "unavailable";
	if (envelope_parse(item->resp, item->resplen, &a, err, sizeof(err)) != 0) {
		secevent_record(b->db, WN_ESCHEMA, p->id, NULL, "malformed answer to a query");
		return "rejected";
	}
	const char *type = envelope_str(a, "type"), *re = envelope_str(a, "re");
	if (strcmp(envelope_str(a, "from"), p->id) != 0 || re == NULL || strcmp(re, query_id) != 0 ||
	    (strcmp(type, answer_type) != 0 && strcmp(type, "error") != 0)) {
		secevent_record(b->db, WN_EPROTO, p->id, envelope_str(a, "id"),
				"answer not bound to the query it claims to answer");
		json_decref(a);
		return "rejected";
	}
	*answer = a;
	return "answered";
}

/* 1 when the source's answer names the request's approval, under its
 * signature: it refused the third-party request before reading any record,
 * for not being what was approved (another person, a category more), and
 * gives the approval back unused. An old source names none: used. */
static int route_approval_unused(struct registry_partner *p, const char *approval,
				 const json_t *answer)
{
	const char *said = envelope_str(answer, "approval");
	return said != NULL && approval != NULL && strcmp(said, approval) == 0 &&
	       envelope_verify(answer, registry_cert(p)) == 0;
}

/* What must still hold when a query is logged and forwarded, checked again
 * inside the audit entry's transaction: a revocation, a partner leaving or
 * a case closing that committed a moment before cannot slip through. */
struct route_admit {
	const char *case_id;      /* data requests: the open case */
	const char *members[2];   /* …in which these take part (NULL: not checked) */
	const json_t *consent;    /* a consent ref that must be active, or NULL */
	struct store_thirdparty_change *tp; /* a third party's approval, taken */
	const char *person;       /* …whose person must still be in the household */
	const json_t *key_for;    /* recipients whose case-key envelope the receipt carries */
	json_t *people;           /* out: the household's commitments now */
	json_t *keys;             /* out: recipient → the envelope sealing the key to it */
	char *err;
	size_t errcap;
};

/* The household and the recipients' key envelopes, read with the audit
 * entry, so the receipt attests what held when the query was logged. */
static int route_case_attest_locked(db *d, struct route_admit *a)
{
	size_t i;
	json_t *x;
	int rc = store_case_people_locked(d, a->case_id, &a->people);
	if (rc != 0)
		return rc;
	if ((a->keys = json_object()) == NULL)
		return WN_ENOMEM;
	json_array_foreach(a->key_for, i, x) {
		json_t *env = NULL;
		int member = 0;
		/* checked again here: a partner may have left since the query was checked */
		if ((rc = store_case_is_member_locked(d, a->case_id, json_string_value(x),
						      &member)) != 0)
			return rc;
		if (!member) {
			snprintf(a->err, a->errcap, "'%s' does not take part in case %s",
				 json_string_value(x), a->case_id);
			return WN_ENOTMEMBER;
		}
		rc = store_case_key_locked(d, a->case_id, json_string_value(x), &env);
		if (rc == WN_ENOTFOUND)
			continue; /* the source then refuses: it cannot check the person */
		if (rc != 0)
			return rc;
		json_object_set_new(a->keys, json_string_value(x), env);
	}
	if (a->person != NULL && !household_has(a->people, a->person)) {
		snprintf(a->err, a->errcap, "the person this third-party disclosure was approved for "
			 "is no longer a member of the household of case %s", a->case_id);
		return WN_ENOTINCASE;
	}
	return 0;
}

static int route_admit_locked(db *d, void *arg)
{
	struct route_admit *a = arg;
	int rc, member = 0;
	if (a->consent != NULL) {
		struct store_consent c;
		const char *id = json_string_value(json_object_get(a->consent, "id"));
		if ((rc = store_consent_get_locked(d, id, &c)) == WN_ENOTFOUND) {
			snprintf(a->err, a->errcap, "consent %s is not in the consent registry", id);
			return WN_ECONSENT;
		}
		if (rc != 0 || (rc = broker_consent_status(&c, a->consent, a->err, a->errcap)) != 0)
			return rc;
		if (a->case_id != NULL &&
		    (rc = broker_consent_serves_case_locked(d, &c, a->case_id, a->err,
							    a->errcap)) != 0)
			return rc;
	}
	if (a->case_id != NULL) {
		struct store_case c;
		if ((rc = store_case_get_locked(d, a->case_id, &c)) != 0)
			return rc == WN_ENOTFOUND ? WN_ENOTMEMBER : rc;
		if (strcmp(c.status, "open") != 0) {
			snprintf(a->err, a->errcap, "case '%s' is closed", a->case_id);
			return WN_EDENIED;
		}
		for (int i = 0; i < 2; i++) {
			if (a->members[i] == NULL)
				continue;
			if ((rc = store_case_is_member_locked(d, a->case_id, a->members[i], &member)) != 0)
				return rc;
			if (!member) {
				snprintf(a->err, a->errcap, "'%s' does not take part in case %s",
					 a->members[i], a->case_id);
				return WN_ENOTMEMBER;
			}
		}
	}
	if (a->case_id != NULL && (rc = route_case_attest_locked(d, a)) != 0)
		return rc;
	if (a->tp != NULL) {
		a->tp->err = a->err;
		a->tp->errcap = a->errcap;
		return store_thirdparty_take(d, a->tp);
	}
	return 0;
}

/* Appends the query's metadata to the audit log, countersigns (attest may
 * be NULL), sends it to every recipient at once with one deadline and checks
 * each answer. *answers: the verified answer envelopes; *delivery: partner →
 * answered, unavailable or rejected. The delivery is logged as well; when a
 * log write fails nothing is forwarded or nothing is relayed. */
/* Each recipient's copy carries only the body sealed to it; *total: the
 * bytes of all of them. items[i].req is malloc'd (freed by the caller). */
static int route_encode_each(const json_t *fwd, const json_t *to, struct rpc_fan_item *items,
			     size_t n, size_t *total)
{
	*total = 0;
	for (size_t i = 0; i < n; i++) {
		char *w = NULL;
		size_t wl = 0;
		int rc = envelope_encode_for(fwd, json_string_value(json_array_get(to, i)), &w, &wl);
		if (rc != 0)
			return rc;
		items[i].req = w;
		items[i].len = wl;
		*total += wl;
	}
	return 0;
}

static int route_forward(struct broker *b, const struct broker_request *rq, const json_t *entry,
			 const struct receipt_attest *attest, const char *answer_type,
			 int deadline, struct route_admit *admit, json_t **answers,
			 json_t **delivery, int64_t *index, char *err, size_t errcap)
{
	struct store_thirdparty_change *tp = admit ? admit->tp : NULL;
	const json_t *env = rq->env;
	const char *id = envelope_str(env, "id");
	json_t *to = json_object_get(env, "to");
	size_t n = json_array_size(to);
	int64_t start = time_mono_us();
	json_t *fwd = json_deep_copy(env), *list = json_array(), *dv = json_object();
	json_t *counts = json_object(), *sizes = json_object();
	struct rpc_fan_item *items = calloc(n ? n : 1, sizeof(*items));
	char leaf[65];
	size_t wlen = 0;
	int rc = WN_ENOMEM, approval_back = 0;
	if (fwd == NULL || list == NULL || dv == NULL || counts == NULL || items == NULL)
		goto out;
	/* admitted in the audit entry's own transaction */
	if (admit != NULL) {
		admit->err = err;
		admit->errcap = errcap;
		err[0] = '\0';
	}
	/* every decision names the policy it was taken under (Heerlen 17.2) */
	int policy_version = b->policy_version;
	json_t *logged = json_deep_copy(entry);
	if (logged == NULL)
		goto out;
	json_object_set_new(logged, "policy", json_integer(policy_version));
	rc = store_audit_with(&b->audit, admit ? route_admit_locked : NULL, admit, logged, index,
			      leaf);
	json_decref(logged);
	if (rc != 0) {
		if (err[0] == '\0')
			snprintf(err, errcap, "audit log write failed; query not forwarded");
		goto out;
	}
	struct receipt_attest at = { 0 };
	if (attest != NULL)
		at = *attest;
	at.policy_version = policy_version;
	if (admit != NULL && admit->people != NULL) {
		at.people = admit->people;
		at.keys = admit->keys;
	}
	if ((rc = envelope_countersign(fwd, b->ident->key, b->ident->id, *index, leaf, &at)) != 0 ||
	    (rc = route_encode_each(fwd, to, items, n, &wlen)) != 0) {
		if (tp != NULL) { /* never sent: the approval stands */
			json_t *unsent = json_pack("{s:s,s:s}", "type", "request.unsent", "id",
						   envelope_str(env, "id"));
			int64_t uindex = 0;
			char uleaf[65];
			tp->consumed = 0;
			store_audit_with(&b->audit, store_thirdparty_release, tp, unsent, &uindex,
					 uleaf);
			json_decref(unsent);
		}
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		struct registry_partner *p = registry_find(b->reg, json_string_value(json_array_get(to, i)));
		items[i].client = rpc_client_connected(p->client) ? p->client : NULL;
	}
	rpc_fanout(items, n, deadline);
	for (size_t i = 0; i < n; i++) {
		struct registry_partner *p = registry_find(b->reg, json_string_value(json_array_get(to, i)));
		json_t *answer = NULL;
		const char *outcome = route_check_answer(b, p, id, answer_type, &items[i], &answer);
		json_object_set_new(dv, p->id, json_string(outcome));
		/* a lookup answer's size says nothing: one length per size class.
		 * A data request's is padded coarsely only: its size is not kept */
		if (answer != NULL && strcmp(answer_type, "lookup.answer") == 0)
			json_object_set_new(sizes, p->id, json_integer((json_int_t)items[i].resplen));
		json_object_set_new(counts, outcome,
				    json_integer(json_integer_value(json_object_get(counts, outcome)) + 1));
		if (answer != NULL && tp != NULL)
			approval_back |= route_approval_unused(p, envelope_str(env, "approval"),
							       answer);
		if (answer != NULL)
			json_array_append_new(list, answer);
		free(items[i].resp);
		items[i].resp = NULL;
	}
	char dtype[48];
	snprintf(dtype, sizeof(dtype), "%s.delivery", envelope_str(env, "type"));
	json_t *outcome_entry = json_pack("{s:s,s:s,s:O,s:I,s:O,s:I}", "type", dtype, "id", id,
					  "delivery", dv, "request_bytes", (json_int_t)wlen,
					  "answer_bytes", sizes, "duration_us",
					  (json_int_t)(time_mono_us() - start));
	if (strcmp(answer_type, "lookup.answer") != 0)
		json_object_del(outcome_entry, "answer_bytes");
	int64_t oindex = 0;
	char oleaf[65];
	/* an approval is used once it was sent: a source that answers too late
	 * may still have disclosed, so only a request never sent gives it back,
	 * or one its source refused, unread, for not being what was approved */
	if (tp != NULL)
		tp->consumed = !(n == 1 && items[0].client == NULL) && !approval_back;
	if (tp != NULL && approval_back)
		json_object_set_new(outcome_entry, "approval", json_string("unused"));
	/* a lookup's delivery follows the answers, which hold nothing that
	 * was not logged where it was disclosed: committed after they leave.
	 * A request's stays before, with the approval it consumes. */
	if (tp == NULL && strcmp(answer_type, "lookup.answer") == 0)
		rc = store_audit_post(&b->audit, outcome_entry);
	else
		rc = store_audit_with(&b->audit, tp ? store_thirdparty_release : NULL, tp,
				      outcome_entry, &oindex, oleaf);
	json_decref(outcome_entry);
	if (rc != 0) {
		snprintf(err, errcap, "audit log write failed; answers withheld");
		goto out;
	}
	char event[48];
	snprintf(event, sizeof(event), "%s_routed", envelope_str(env, "type"));
	log_emit(WN_LOG_INFO, event,
		 json_pack("{s:s,s:s,s:i,s:O,s:I}", "id", id, "from", rq->from->id, "partners",
			   (int)n, "delivery", counts, "duration_us",
			   (json_int_t)(time_mono_us() - start)));
	*answers = list;
	*delivery = dv;
	list = dv = NULL;
out:
	if (admit != NULL) {
		json_decref(admit->people);
		json_decref(admit->keys);
		admit->people = admit->keys = NULL;
	}
	json_decref(fwd);
	json_decref(list);
	json_decref(dv);
	json_decref(counts);
	json_decref(sizes);
	for (size_t i = 0; items != NULL && i < n; i++)
		free((void *)items[i].req);
	free(items);
	return rc;
}

/* The shortest deadline a query may ask for. */
#define ROUTE_MIN_DEADLINE_MS 250

int broker_deadline(struct broker *b, const json_t *env)
{
	int deadline = (int)json_integer_value(json_object_get(envelope_body(env), "deadline_ms"));
	if (deadline <= 0 || deadline > b->deadline_ms)
		return b->deadline_ms;
	return deadline < ROUTE_MIN_DEADLINE_MS ? ROUTE_MIN_DEADLINE_MS : deadline;
}

int broker_handle_lookup(struct broker *b, const struct broker_request *rq, json_t **reply,
			 char *err, size_t errcap)
{
	const json_t *env = rq->env;
	int rc = route_check_lookup(b, rq, err, errcap);
	if (rc != 0)
		return rc;
	json_t *body = envelope_body(env);
	/* a consent shown to partners that answer only on one travels sealed,
	 * with the broker's status attestation: a lookup's header names none */
	if (json_object_get(env, "consent") != NULL) {
		snprintf(err, errcap, "a lookup names no consent in its header; seal the consent "
			 "and its status attestation to the partners it names");
		return WN_ESCHEMA;
	}
	/* metadata only: ids, codes, partners, sizes, times */
	json_t *entry = json_pack("{s:s,s:s,s:s,s:O,s:O,s:s,s:s,s:I}", "type", "lookup", "id",
				  envelope_str(env, "id"), "from", rq->from->id, "actor",
				  json_object_get(env, "actor"), "to", json_object_get(env, "to"),
				  "purpose", envelope_str(env, "purpose"), "ground",
				  envelope_str(env, "ground"), "ts", (json_int_t)envelope_ts(env));
	if (json_object_get(body, "cluster"))
		json_object_set(entry, "cluster", json_object_get(body, "cluster"));
	json_t *answers = NULL, *delivery = NULL;
	int64_t index = 0;
	rc = route_forward(b, rq, entry, NULL, "lookup.answer", broker_deadline(b, env), NULL,
			   &answers, &delivery, &index, err, errcap);
	json_decref(entry);
	if (rc != 0)
		return rc;
	return broker_reply(b, rq, "lookup.result",
			    json_pack("{s:o,s:o,s:I}", "answers", answers, "delivery", delivery,
				      "audit_index", (json_int_t)index),
			    reply);
}

/* A third party's request (r08): it relies on a proposal for this case,
 * party, source, purpose and ground; whether that is approved and unused is
 * decided when it is taken, with the audit entry. *t gets the proposal
 * (store_thirdparty_clear) with the person and any consent it rests on. */
static int route_check_approval(struct broker *b, const struct broker_request *rq,
				const struct store_case *c, const char *source, const char *id,
				struct store_thirdparty *t, char *err, size_t errcap)
{
	const json_t *env = rq->env;
	int rc = store_thirdparty_get(b->db, id, t);
	if (rc == WN_ENOTFOUND) {
		snprintf(err, errcap, "there is no third-party disclosure %s", id);
		return WN_EDENIED;
	}
	if (rc != 0)
		return rc;
	if (strcmp(t->case_id, c->id) != 0 || strcmp(t->party, rq->from->id) != 0 ||
	    strcmp(t->source, source) != 0 || strcmp(t->purpose, envelope_str(env, "purpose")) != 0 ||
	    strcmp(t->ground, envelope_str(env, "ground")) != 0) {
		snprintf(err, errcap, "third-party disclosure %s was approved for party '%s', source "
			 "'%s', purpose '%s' and ground '%s' in case %s; this request differs", id,
			 t->party, t->source, t->purpose, t->ground, t->case_id);
		return WN_EDENIED;
	}
	if (t->person[0] == '\0') {
		snprintf(err, errcap, "third-party disclosure %s names no person of the case", id);
		return WN_EDENIED;
	}
	if (json_object_get(env, "consent") != NULL) {
		/* the consent it rests on is the proposal's, checked here */
		snprintf(err, errcap, "a third party's request names no consent");
		return WN_ESCHEMA;
	}
	return 0;
}

/* Policy checks on a data request (r07, r26, r10); *c gets its case and *t
 * a third party's proposal (cleared by the caller). */
static int route_check_request(struct broker *b, const struct broker_request *rq,
			       struct store_case *c, struct store_thirdparty *t, char *err,
			       size_t errcap)
{
	const json_t *env = rq->env;
	const char *ground = envelope_str(env, "ground"), *case_id = envelope_str(env, "case");
	json_t *to = json_object_get(env, "to"), *sealed = json_object_get(env, "sealed");
	char detail[256];
	int member = 0, rc;
	if (json_object_get(env, "actor") == NULL) {
		snprintf(err, errcap, "missing field 'actor': every request names the professional (r16)");
		return WN_ESCHEMA;
	}
	if (!vocab_purpose_known(envelope_str(env, "purpose"))) {
		snprintf(err, errcap, "purpose '%s' is not in the vocabulary",
			 envelope_str(env, "purpose") ? envelope_str(env, "purpose") : "");
		return WN_EPURPOSE;
	}
	if (!vocab_ground_known(ground)) {
		snprintf(err, errcap, "lawful ground '%s' is not one of the covenant's grounds",
			 ground ? ground : "");
		return WN_EGROUND;
	}
	json_t *body = envelope_body(env);
	if (body != NULL && schema_check(body, request_body_fields, detail, sizeof(detail)) != 0) {
		snprintf(err, errcap, "body: %s", detail);
		return WN_ESCHEMA;
	}
	if (json_array_size(to) != 1 || json_object_size(sealed) != 1) {
		snprintf(err, errcap, "a data request goes to one partner, with one sealed body");
		return WN_ESCHEMA;
	}
	const char *source = json_string_value(json_array_get(to, 0));
	struct registry_partner *p = registry_find(b->reg, source);
	if (p == NULL) {
		snprintf(err, errcap, "recipient '%s' is not a partner in the registry", source);
		return WN_EUNKNOWN_PARTNER;
	}
	if (p == rq->from) {
		snprintf(err, errcap, "a partner does not request its own records through the broker");
		return WN_EPROTO;
	}
	if (!registry_usable(p)) {
		snprintf(err, errcap, "recipient '%s' is not an active partner", source);
		return WN_EREVOKED;
	}
	if (json_object_get(sealed, source) == NULL) {
		snprintf(err, errcap, "no sealed body for recipient '%s'", source);
		return WN_ESCHEMA;
	}
	if (case_id == NULL) {
		snprintf(err, errcap, "a data request names the case it serves (r07)");
		return WN_ESCHEMA;
	}
	if ((rc = store_case_get(b->db, case_id, c)) == WN_ENOTFOUND) {
		snprintf(err, errcap, "there is no case '%s'", case_id);
		return WN_ENOTMEMBER;
	}
	if (rc != 0)
		return rc;
	if (strcmp(c->status, "open") != 0) {
		snprintf(err, errcap, "case '%s' is closed", case_id);
		return WN_EDENIED;
	}
	/* the source answers only in the clusters it takes part in, also to a
	 * third party (r26) */
	if (!registry_in_cluster(p, c->cluster)) {
		snprintf(err, errcap, "'%s' does not take part in cluster '%s' of the case (r26)",
			 source, c->cluster);
		return WN_ECLUSTER;
	}
	const char *approval = envelope_str(env, "approval");
	if (approval != NULL)
		return route_check_approval(b, rq, c, source, approval, t, err, errcap);
	if (!registry_member(rq->from)) {
		snprintf(err, errcap, "'%s' is an incidental partner: it requests data only on an "
			 "approved third-party disclosure", rq->from->id);
		return WN_EDENIED;
	}
	const char *who[2] = { rq->from->id, source };
	for (int i = 0; i < 2; i++) {
		if ((rc = store_case_is_member(b->db, case_id, who[i], &member)) != 0)
			return rc;
		if (!member) {
			snprintf(err, errcap, "'%s' does not take part in case %s: only partners involved "
				 "in a case exchange data about it (r07)", who[i], case_id);
			return WN_ENOTMEMBER;
		}
		if (!registry_in_cluster(registry_find(b->reg, who[i]), c->cluster)) {
			snprintf(err, errcap, "'%s' does not take part in cluster '%s' of the case (r26)",
				 who[i], c->cluster);
			return WN_ECLUSTER;
		}
	}
	json_t *consent = json_object_get(env, "consent");
	if (ground_is_consent_code(ground) && consent == NULL) {
		snprintf(err, errcap, "a request on consent names the consent (id and version)");
		return WN_ECONSENT;
	}
	if (!ground_is_consent_code(ground) && consent != NULL) {
		snprintf(err, errcap, "a consent is named only with the ground 'consent'");
		return WN_ESCHEMA;
	}
	if (consent != NULL)
		return broker_consent_check(b, consent, rq->from->id, err, errcap);
	return 0;
}

int broker_handle_request(struct broker *b, const struct broker_request *rq, json_t **reply,
			  char *err, size_t errcap)
{
	const json_t *env = rq->env;
	struct store_case c;
	struct store_thirdparty t;
	memset(&t, 0, sizeof(t));
	int rc = route_check_request(b, rq, &c, &t, err, errcap);
	if (rc != 0) {
		store_thirdparty_clear(&t);
		return rc;
	}
	const char *approval = envelope_str(env, "approval");
	json_t *consent = json_object_get(env, "consent"), *tp_consent = NULL;
	/* a third party on the client's consent (Heerlen 7.2): the broker checks
	 * the consent the proposal rests on is still active */
	if (approval != NULL && t.consent_id[0])
		consent = tp_consent = json_pack("{s:s,s:s}", "id", t.consent_id, "version",
						 t.consent_version);
	json_t *entry = json_pack("{s:s,s:s,s:s,s:O,s:O,s:s,s:s,s:s,s:s,s:I}", "type", "request",
				  "id", envelope_str(env, "id"), "from", rq->from->id, "actor",
				  json_object_get(env, "actor"), "to", json_object_get(env, "to"),
				  "case", c.id, "cluster", c.cluster, "purpose",
				  envelope_str(env, "purpose"), "ground", envelope_str(env, "ground"),
				  "ts", (json_int_t)envelope_ts(env));
	if (consent != NULL)
		json_object_set(entry, "consent", json_object_get(consent, "id"));
	if (approval != NULL)
		json_object_set_new(entry, "approval", json_string(approval));
	const struct receipt_attest attest = { consent ? "active" : NULL, c.cluster,
					       approval ? "approved" : NULL,
					       approval ? t.person : NULL, NULL, NULL, 0 };
	struct store_thirdparty_change tp = { .id = approval, .by = rq->from->id,
					      .request_id = envelope_str(env, "id") };
	json_t *to = json_object_get(env, "to");
	const char *source = json_string_value(json_array_get(to, 0));
	struct route_admit admit = { .case_id = c.id, .consent = consent,
				     .members = { approval ? NULL : rq->from->id, source },
				     .tp = approval ? &tp : NULL,
				     .person = approval ? t.person : NULL, .key_for = to };
	json_t *answers = NULL, *delivery = NULL;
	int64_t index = 0;
	rc = route_forward(b, rq, entry, &attest, "request.answer", broker_deadline(b, env), &admit,
			   &answers, &delivery, &index, err, errcap);
	json_decref(entry);
	json_decref(tp_consent);
	store_thirdparty_clear(&t);
	if (rc != 0)
		return rc;
	json_t *body = json_pack("{s:O,s:I}", "delivery", json_object_get(delivery, source),
				 "audit_index", (json_int_t)index);
	if (json_array_size(answers) == 1)
		json_object_set(body, "answer", json_array_get(answers, 0));
	json_decref(answers);
	json_decref(delivery);
	return broker_reply(b, rq, "request.result", body, reply);
}

/* A rights request about a person of a case goes to partners of that open
 * case only; the receipt then attests the household (r18, r07). */
static int route_check_broadcast_case(struct broker *b, const struct broker_request *rq,
				      char *err, size_t errcap)
{
	const json_t *env = rq->env;
	const char *case_id = envelope_str(env, "case");
	struct store_case c;
	size_t i;
	json_t *x;
	int rc, member = 0;
	if (case_id == NULL)
		return 0;
	if (strcmp(envelope_str(env, "type"), "rights.request") != 0) {
		snprintf(err, errcap, "an access report is about a person, not a case");
		return WN_ESCHEMA;
	}
	if ((rc = store_case_get(b->db, case_id, &c)) == WN_ENOTFOUND) {
		snprintf(err, errcap, "there is no case '%s'", case_id);
		return WN_ENOTMEMBER;
	}
	if (rc != 0)
		return rc;
	/* only a partner of the case may ask about its household: anyone else
	 * could learn from the answers who belongs to it */
	if ((rc = store_case_is_member(b->db, case_id, rq->from->id, &member)) != 0)
		return rc;
	if (!member) {
		snprintf(err, errcap, "'%s' does not take part in case %s: a rights request "
			 "about a case is sent by a partner of the case", rq->from->id, case_id);
		return WN_ENOTMEMBER;
	}
	json_array_foreach(json_object_get(env, "to"), i, x) {
		if ((rc = store_case_is_member(b->db, case_id, json_string_value(x), &member)) != 0)
			return rc;
		if (!member) {
			snprintf(err, errcap, "'%s' does not take part in case %s", json_string_value(x),
				 case_id);
			return WN_ENOTMEMBER;
		}
	}
	return 0;
}

/* A query a partner sends, sealed, to several partners that are not asked
 * about a case: a client's rights request (r18) or access report (r17). */
static int route_check_broadcast(struct broker *b, const struct broker_request *rq, char *err,
				 size_t errcap)
{
	const json_t *env = rq->env;
	json_t *to = json_object_get(env, "to"), *sealed = json_object_get(env, "sealed"), *x;
	size_t i;
	char detail[200];
	if (json_object_get(env, "actor") == NULL) {
		snprintf(err, errcap, "missing field 'actor': every request names the professional (r16)");
		return WN_ESCHEMA;
	}
	if (!rq->from->municipality) {
		snprintf(err, errcap, "'%s' is not the municipality: access reports and rights "
			 "requests go through the municipality, which answers to the client "
			 "(Heerlen 9.1)", rq->from->id);
		return WN_EDENIED;
	}
	json_t *body = envelope_body(env);
	if (body != NULL && schema_check(body, request_body_fields, detail, sizeof(detail)) != 0) {
		snprintf(err, errcap, "body: %s", detail);
		return WN_ESCHEMA;
	}
	if (json_array_size(to) > (size_t)b->max_partners) {
		snprintf(err, errcap, "%zu recipients exceed the federation limit of %d",
			 json_array_size(to), b->max_partners);
		return WN_ELIMIT;
	}
	if (json_object_size(sealed) != json_array_size(to)) {
		snprintf(err, errcap, "every recipient needs exactly one sealed body");
		return WN_ESCHEMA;
	}
	json_array_foreach(to, i, x) {
		const char *id = json_string_value(x);
		struct registry_partner *p = registry_find(b->reg, id);
		if (p == NULL) {
			snprintf(err, errcap, "recipient '%s' is not a partner in the registry", id);
			return WN_EUNKNOWN_PARTNER;
		}
		if (p == rq->from || !registry_usable(p) || !registry_member(p)) {
			snprintf(err, errcap, "recipient '%s' is not another active covenant partner", id);
			return p == rq->from ? WN_EPROTO : WN_EREVOKED;
		}
		if (json_object_get(sealed, id) == NULL) {
			snprintf(err, errcap, "no sealed body for recipient '%s'", id);
			return WN_ESCHEMA;
		}
	}
	return route_check_broadcast_case(b, rq, err, errcap);
}

int broker_handle_broadcast(struct broker *b, const struct broker_request *rq, json_t **reply,
			    char *err, size_t errcap)
{
	const json_t *env = rq->env;
	const char *type = envelope_str(env, "type");
	int rights = strcmp(type, "rights.request") == 0;
	int rc = route_check_broadcast(b, rq, err, errcap);
	if (rc != 0)
		return rc;
	json_t *entry = json_pack("{s:s,s:s,s:s,s:O,s:O,s:I}", "type", type, "id",
				  envelope_str(env, "id"), "from", rq->from->id, "actor",
				  json_object_get(env, "actor"), "to", json_object_get(env, "to"),
				  "ts", (json_int_t)envelope_ts(env));
	if (envelope_str(env, "purpose") != NULL)
		json_object_set_new(entry, "purpose", json_string(envelope_str(env, "purpose")));
	const char *case_id = envelope_str(env, "case");
	if (case_id != NULL)
		json_object_set_new(entry, "case", json_string(case_id));
	struct route_admit admit = { .case_id = case_id, .members = { rq->from->id, NULL },
				     .key_for = json_object_get(env, "to") };
	json_t *answers = NULL, *delivery = NULL;
	int64_t index = 0;
	rc = route_forward(b, rq, entry, NULL, rights ? "rights.answer" : "report.answer",
			   broker_deadline(b, env), case_id ? &admit : NULL, &answers, &delivery,
			   &index, err, errcap);
	json_decref(entry);
	if (rc != 0)
		return rc;
	return broker_reply(b, rq, rights ? "rights.result" : "report.result",
			    json_pack("{s:o,s:o,s:I}", "answers", answers, "delivery", delivery,
				      "audit_index", (json_int_t)index),
			    reply);
}

/* What a partner owes the municipality, which answers to the client: a
 * notice of a disclosure (r08, r09), its decision on a rights request
 * (r18), and that a recipient carried out what it passed on (AVG 19); or,
 * partner to partner, a refusal passed on to a source it names (r10) or a
 * rights request carried out passed on to a recipient of the data (r18,
 * AVG 19), and the recipient's word back that it carried it out. Sealed to its one recipient, never the sender; the broker logs only
 * who sent what kind to whom, and relays the signed acknowledgement. The
 * recipient checks what it is told: the broker cannot read it. */
static int route_check_relay(struct broker *b, const struct broker_request *rq, char *err,
			     size_t errcap)
{
	const json_t *env = rq->env, *to = json_object_get(env, "to");
	const char *type = envelope_str(env, "type");
	int to_source = strcmp(type, "refusal.notice") == 0 || strcmp(type, "rights.notice") == 0 ||
			strcmp(type, "rights.notice.done") == 0;
	char detail[200];
	json_t *body = envelope_body(env);
	if (body != NULL && schema_check(body, request_body_fields, detail, sizeof(detail)) != 0) {
		snprintf(err, errcap, "body: %s", detail);
		return WN_ESCHEMA;
	}
	const char *id = json_string_value(json_array_get(to, 0));
	struct registry_partner *m = json_array_size(to) == 1 ? registry_find(b->reg, id) : NULL;
	if (to_source && (m == NULL || m == rq->from || !registry_member(m))) {
		snprintf(err, errcap, "a %s is passed on to one other partner of the federation",
			 type);
		return WN_EDENIED;
	}
	if (!to_source && (m == NULL || !m->municipality)) {
		snprintf(err, errcap, "a %s goes to the municipality alone", type);
		return WN_EDENIED;
	}
	if (m == rq->from) {
		snprintf(err, errcap, "the municipality keeps its own %s", type);
		return WN_EPROTO;
	}
	if (!registry_usable(m)) {
		snprintf(err, errcap, "'%s' is not active", id);
		return WN_EREVOKED;
	}
	if (json_object_size(json_object_get(env, "sealed")) != 1 ||
	    json_object_get(json_object_get(env, "sealed"), id) == NULL) {
		snprintf(err, errcap, "exactly one body, sealed to '%s'", id);
		return WN_ESCHEMA;
	}
	return 0;
}

int broker_handle_to_municipality(struct broker *b, const struct broker_request *rq,
				  json_t **reply, char *err, size_t errcap)
{
	const json_t *env = rq->env;
	const char *type = envelope_str(env, "type");
	char answer[40], result[40];
	int rc = route_check_relay(b, rq, err, errcap);
	if (rc != 0)
		return rc;
	snprintf(answer, sizeof(answer), "%s.ack", type);
	snprintf(result, sizeof(result), "%s.result", type);
	json_t *entry = json_pack("{s:s,s:s,s:s,s:O,s:I}", "type", type, "id",
				  envelope_str(env, "id"), "from", rq->from->id, "to",
				  json_object_get(env, "to"), "ts", (json_int_t)envelope_ts(env));
	json_t *answers = NULL, *delivery = NULL;
	int64_t index = 0;
	rc = route_forward(b, rq, entry, NULL, answer, broker_deadline(b, env), NULL, &answers,
			   &delivery, &index, err, errcap);
	json_decref(entry);
	if (rc != 0)
		return rc;
	return broker_reply(b, rq, result,
			    json_pack("{s:o,s:o,s:I}", "answers", answers, "delivery", delivery,
				      "audit_index", (json_int_t)index),
			    reply);
}
