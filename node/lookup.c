/*
 * lookup.c — the requester side of a known / not-known lookup (r02, r03,
 * r16): validate, choose the partners in scope (by default every active
 * partner of the cluster, so the set asked reveals no suspicion), seal the
 * BSN separately to each, log what is asked, send through the broker, then
 * verify and open every answer. A partner that did not answer is
 * `unavailable`, never `not_known`.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "wijknet.h"
#include "bsn.h"
#include "consent.h"
#include "context.h"
#include "date.h"
#include "disclog.h"
#include "envelope.h"
#include "error.h"
#include "ids.h"
#include "local.h"
#include "log.h"
#include "replay.h"
#include "reply.h"
#include "schema.h"
#include "secevent.h"
#include "store.h"
#include "vocab.h"

#define LOOKUP_DEFAULT_DEADLINE_MS 2000

static const struct schema_field lookup_rq_fields[] = {
	{ "op", SCHEMA_STRING, 1, 32 },
	{ "bsn", SCHEMA_STRING, 1, 16 },
	{ "purpose", SCHEMA_STRING, 1, 48 },
	{ "cluster", SCHEMA_STRING, 0, 32 },
	{ "partners", SCHEMA_ARRAY, 0, 1000 },
	{ "actor", SCHEMA_OBJECT, 1, 0 },
	{ "deadline_ms", SCHEMA_INT, 0, 60000 },
	{ "consent", SCHEMA_STRING, 0, 32 },
	{ NULL, 0, 0, 0 },
};

static int json_array_has(const json_t *arr, const char *s)
{
	size_t i;
	json_t *x;
	json_array_foreach(arr, i, x)
		if (strcmp(json_string_value(x), s) == 0)
			return 1;
	return 0;
}

static int peer_in_cluster(const struct dir_peer *p, const char *cluster)
{
	if (cluster == NULL)
		return 1;
	size_t i;
	json_t *c;
	json_array_foreach(p->clusters, i, c)
		if (strcmp(json_string_value(c), cluster) == 0)
			return 1;
	return 0;
}

/* Picks the partners asked; err names the offending partner. */
static int lookup_scope(struct node *n, struct directory *d, json_t *rq, const char *cluster,
			json_t **out, char *err, size_t errcap)
{
	json_t *list = json_array(), *named = json_object_get(rq, "partners"), *x;
	size_t i;
	if (named != NULL) {
		json_array_foreach(named, i, x) {
			const char *id = json_string_value(x);
			struct dir_peer *p = directory_find(d, id);
			if (id == NULL || p == NULL) {
				snprintf(err, errcap, "partner '%s' is not in the directory",
					 id ? id : "?");
				json_decref(list);
				return WN_EUNKNOWN_PARTNER;
			}
			if (strcmp(id, n->ident->id) == 0) {
				snprintf(err, errcap, "'%s' is this node: look in your own records",
					 id);
				json_decref(list);
				return WN_EINVAL;
			}
			if (!peer_in_cluster(p, cluster)) {
				snprintf(err, errcap, "partner '%s' does not take part in cluster '%s'",
					 id, cluster);
				json_decref(list);
				return WN_ECLUSTER;
			}
			if (!p->usable) {
				snprintf(err, errcap, "partner '%s' is not active (%s)", id, p->status);
				json_decref(list);
				return WN_EREVOKED;
			}
			if (p->incidental) {
				snprintf(err, errcap, "'%s' is an incidental partner: it is not asked "
					 "whether a person is known", id);
				json_decref(list);
				return WN_EDENIED;
			}
			json_array_append(list, x);
		}
	} else {
		for (i = 0; i < d->count; i++) {
			struct dir_peer *p = &d->peers[i];
			if (p->usable && !p->incidental && strcmp(p->id, n->ident->id) != 0 &&
			    peer_in_cluster(p, cluster))
				json_array_append_new(list, json_string(p->id));
		}
	}
	if (json_array_size(list) == 0) {
		snprintf(err, errcap, "lookup with zero partners in scope");
		json_decref(list);
		return WN_EINVAL;
	}
	if (json_array_size(list) > ENVELOPE_MAX_TO) {
		snprintf(err, errcap, "%zu partners exceed the limit of %d per lookup",
			 json_array_size(list), ENVELOPE_MAX_TO);
		json_decref(list);
		return WN_ELIMIT;
	}
	*out = list;
	return 0;
}

/* Verifies and opens one answer relayed by the broker; the outcome of its
 * sender. */
static const char *lookup_open_answer(struct node *n, struct directory *d, const json_t *a,
				      const char *query_id, const char **reason, const char **from)
{
	json_t *body = NULL;
	int refused = 0;
	const char *outcome = "invalid";
	*reason = reply_open(n, d, a, query_id, "lookup.answer", from, &body, &refused);
	if (*reason != NULL)
		return refused ? "error" : outcome;
	const char *o = json_string_value(json_object_get(body, "outcome"));
	if (o != NULL && (strcmp(o, "known") == 0 || strcmp(o, "not_known") == 0 ||
			  strcmp(o, "refused") == 0)) {
		outcome = strcmp(o, "known") == 0 ? "known" : strcmp(o, "not_known") == 0 ? "not_known"
											: "refused";
		/* a refusal's reason from the known set (static strings outlive the body) */
		static const char *const reasons[] = { "consent_required", "consent_invalid",
						       "shielded", NULL };
		const char *r = json_string_value(json_object_get(body, "reason"));
		for (size_t i = 0; r != NULL && reasons[i] != NULL && *reason == NULL; i++)
			if (strcmp(r, reasons[i]) == 0)
				*reason = reasons[i];
		if (r != NULL && *reason == NULL)
			*reason = "not_shared";
	} else {
		*reason = "protocol";
	}
	json_decref(body);
	return outcome;
}

/* Asks the broker to attest that a consent is active now; *status is its
 * signed answer (json_decref). */
static int lookup_consent_status(struct node *n, const json_t *object, json_t **status,
				 char *err, size_t errcap)
{
	char version[CONSENT_VERSION_LEN + 1];
	json_t *env = NULL;
	int rc = consentdoc_version(object, version);
	if (rc == 0)
		rc = envelope_new1(&env, "consent.status", n->ident->id, n->broker_id);
	if (rc != 0)
		return rc;
	json_object_set_new(env, "body", json_pack("{s:O,s:s}", "consent",
						   json_object_get(object, "id"), "version",
						   version));
	rc = node_call_broker(n, env, n->call_timeout_ms, status, err, errcap);
	json_decref(env);
	return rc;
}

json_t *local_lookup(struct node *n, json_t *rq)
{
	char err[512] = "";
	json_t *reply = NULL, *env = NULL, *result = NULL, *scope = NULL, *answers = NULL;
	json_t *consent_obj = NULL, *consent_status = NULL;
	struct directory *d = NULL;
	uint8_t index[STORE_INDEX_LEN];
	int rc = schema_check(rq, lookup_rq_fields, err, sizeof(err));
	if (rc != 0)
		return local_error(rc, err);
	json_t *actor = json_object_get(rq, "actor");
	if ((rc = local_check_actor(actor, err, sizeof(err))) != 0)
		return local_error(rc, err);
	const char *bsn = json_string_value(json_object_get(rq, "bsn"));
	const char *purpose = json_string_value(json_object_get(rq, "purpose"));
	const char *cluster = json_string_value(json_object_get(rq, "cluster"));
	if (bsn_validate(bsn) != 0)
		return local_error(WN_EBSN, "the BSN is not valid: nine digits passing the 11-proef");
	if (!vocab_purpose_known(purpose)) {
		snprintf(err, sizeof(err), "unknown purpose '%s'", purpose);
		return local_error(WN_EPURPOSE, err);
	}
	if (cluster != NULL && !vocab_cluster(cluster)) {
		snprintf(err, sizeof(err), "unknown cluster '%s' (jeugd, volwassenen, multiprobleem)",
			 cluster);
		return local_error(WN_ECLUSTER, err);
	}
	int deadline = (int)json_integer_value(json_object_get(rq, "deadline_ms"));
	if (deadline <= 0)
		deadline = LOOKUP_DEFAULT_DEADLINE_MS;
	if ((d = node_directory(n)) == NULL)
		return local_error(WN_ESTATE, "no verified directory yet: is the broker reachable?");
	if ((rc = lookup_scope(n, d, rq, cluster, &scope, err, sizeof(err))) != 0)
		goto fail;
	/* a partner whose key we lack may have published it since: refresh once */
	size_t i;
	json_t *x;
	int missing = 0;
	json_array_foreach(scope, i, x)
		missing += !directory_find(d, json_string_value(x))->has_seal;
	if (missing) {
		directory_release(d);
		node_refresh_directory_before(n, time_now_ms());
		if ((d = node_directory(n)) == NULL)
			return local_error(WN_ESTATE, "no verified directory");
	}
	/* a consent presented to the partners that answer only on consent (r06) */
	const char *consent_id = json_string_value(json_object_get(rq, "consent"));
	if (consent_id != NULL) {
		char today[DATE_LEN + 1];
		if ((rc = consent_load(n, consent_id, &consent_obj, err, sizeof(err))) != 0)
			goto fail;
		const json_t *doc = json_object_get(consent_obj, "document");
		json_t *srcs = json_object_get(doc, "sources");
		date_today_plus(0, today);
		struct consent_use use = { bsn, purpose, n->ident->id,
					   json_string_value(json_array_get(srcs, 0)), NULL, today };
		if ((rc = consentdoc_covers(doc, &use, err, sizeof(err))) != 0)
			goto fail;
	}
	if ((rc = envelope_new1(&env, "lookup", n->ident->id, n->ident->id)) != 0)
		goto fail;
	json_t *to = json_array();
	answers = json_object();
	json_array_foreach(scope, i, x) {
		struct dir_peer *p = directory_find(d, json_string_value(x));
		if (p == NULL || !p->has_seal) {
			json_object_set_new(answers, json_string_value(x),
					    json_pack("{s:s,s:s}", "outcome", "unavailable",
						      "reason", "no_sealing_key"));
			continue;
		}
		json_array_append(to, x);
	}
	json_object_set_new(env, "to", to);
	envelope_set_str(env, "purpose", purpose);
	json_object_set(env, "actor", actor);
	json_object_set_new(env, "body", json_pack("{s:i}", "deadline_ms", deadline));
	/* the broker's word that the consent is active, sealed with it */
	if (consent_obj != NULL && (rc = lookup_consent_status(n, consent_obj, &consent_status, err,
							       sizeof(err))) != 0)
		goto fail;
	if (cluster != NULL)
		json_object_set_new(envelope_body(env), "cluster", json_string(cluster));
	const char *qid = envelope_str(env, "id");
	if ((rc = store_subject_index(&n->keys, bsn, index)) != 0)
		goto fail;
	char *partners_text = json_dumps(scope, JSON_COMPACT);
	struct sent_entry se = {
		.request_id = qid,
		.type = "lookup",
		.actor_id = json_string_value(json_object_get(actor, "id")),
		.actor_role = json_string_value(json_object_get(actor, "role")),
		.purpose = purpose,
		.cluster = cluster,
		.partners = partners_text,
		.subject_index = index,
		.consent_id = json_string_value(json_object_get(rq, "consent")),
	};
	rc = sentlog_write(n->writer, &se);
	free(partners_text);
	OPENSSL_cleanse(index, sizeof(index));
	if (rc != 0) {
		snprintf(err, sizeof(err), "cannot log the lookup before sending; nothing was sent");
		goto fail;
	}
	if (json_array_size(to) > 0) {
		json_t *sealed = json_pack("{s:s}", "bsn", bsn);
		json_t *with_consent = json_pack("{s:s,s:O?,s:O?}", "bsn", bsn, "consent", consent_obj,
						 "consent_status", consent_status);
		json_t *sources = json_object_get(json_object_get(consent_obj, "document"), "sources");
		json_array_foreach(to, i, x) {
			struct dir_peer *p = directory_find(d, json_string_value(x));
			/* the consent goes only to the partners it names: need-to-know */
			int named = consent_obj != NULL && json_array_has(sources, p->id);
			if ((rc = envelope_seal(env, p->id, p->seal_pk,
						named ? with_consent : sealed)) != 0)
				break;
		}
		json_t *both[] = { sealed, with_consent };
		for (size_t k = 0; k < 2; k++) {
			const char *b = json_string_value(json_object_get(both[k], "bsn"));
			if (b != NULL)
				OPENSSL_cleanse((char *)(uintptr_t)b, strlen(b));
			json_decref(both[k]);
		}
		if (rc != 0)
			goto fail;
		rc = node_call_broker(n, env, deadline + n->call_timeout_ms, &reply, err, sizeof(err));
		if (rc != 0)
			goto fail;
		json_t *body = envelope_body(reply);
		json_t *delivery = json_object_get(body, "delivery");
		json_array_foreach(json_object_get(body, "answers"), i, x) {
			const char *reason = NULL, *from = NULL;
			const char *outcome = lookup_open_answer(n, d, x, qid, &reason, &from);
			if (from == NULL || !json_is_string(json_object_get(delivery, from)) ||
			    json_object_get(answers, from) != NULL)
				continue; /* not asked, or answered twice: ignore */
			json_t *a = json_pack("{s:s}", "outcome", outcome);
			if (reason)
				json_object_set_new(a, "reason", json_string(reason));
			json_object_set_new(answers, from, a);
		}
		json_array_foreach(to, i, x) {
			const char *id = json_string_value(x);
			if (json_object_get(answers, id) != NULL)
				continue;
			const char *dv = json_string_value(json_object_get(delivery, id));
			json_object_set_new(answers, id,
					    json_pack("{s:s,s:s}", "outcome",
						      dv && strcmp(dv, "rejected") == 0 ? "invalid"
											: "unavailable",
						      "reason", dv ? dv : "no_delivery"));
		}
	}
	/* the result, in the order of the scope */
	json_t *list = json_array(), *summary = json_object();
	json_array_foreach(scope, i, x) {
		const char *id = json_string_value(x);
		struct dir_peer *p = directory_find(d, id);
		json_t *a = json_object_get(answers, id);
		json_t *e = json_pack("{s:s,s:s,s:O}", "partner", id, "name", p ? p->name : id,
				      "outcome", json_object_get(a, "outcome"));
		if (json_object_get(a, "reason"))
			json_object_set(e, "reason", json_object_get(a, "reason"));
		json_array_append_new(list, e);
		json_object_set(summary, id, json_object_get(a, "outcome"));
	}
	char *stext = json_dumps(summary, JSON_COMPACT | JSON_SORT_KEYS);
	if (stext == NULL || sentlog_complete(n->writer, qid, stext, NULL) != 0)
		log_msg(WN_LOG_ERROR, "sent_log_failed", "could not record the answers of %s", qid);
	free(stext);
	json_decref(summary);
	result = json_pack("{s:b,s:{s:s,s:s,s:o}}", "ok", 1, "result", "request_id", qid, "purpose",
			   purpose, "answers", list);
	log_emit(WN_LOG_INFO, "lookup_done", json_pack("{s:s,s:i}", "id", qid, "partners",
							(int)json_array_size(scope)));
	goto out;
fail:
	result = local_error(rc, err);
out:
	json_decref(reply);
	json_decref(env);
	json_decref(scope);
	json_decref(answers);
	json_decref(consent_obj);
	json_decref(consent_status);
	directory_release(d);
	return result;
}
