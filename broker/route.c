/*
 * route.c — routing of a partner's query to other partners (lookups now;
 * data requests later). The broker checks what it can see — membership,
 * cluster scope, purpose, limits — appends the metadata to its audit log,
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
#include "store.h"
#include "vocab.h"

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

/* Checks one answer: from the partner asked, bound to the query, signed. */
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
	if (envelope_verify(a, p->cert) != 0) {
		secevent_record(b->db, WN_ESIG, p->id, envelope_str(a, "id"),
				"answer with an invalid signature");
		json_decref(a);
		return "rejected";
	}
	*answer = a;
	return "answered";
}

int broker_handle_lookup(struct broker *b, const struct broker_request *rq, json_t **reply,
			 char *err, size_t errcap)
{
	const json_t *env = rq->env;
	int rc = route_check_lookup(b, rq, err, errcap);
	if (rc != 0)
		return rc;
	const char *id = envelope_str(env, "id");
	json_t *to = json_object_get(env, "to");
	json_t *body = envelope_body(env);
	int deadline = (int)json_integer_value(json_object_get(body, "deadline_ms"));
	if (deadline <= 0 || deadline > b->deadline_ms)
		deadline = b->deadline_ms;
	size_t n = json_array_size(to);
	int64_t start = time_mono_us();

	/* metadata only: ids, codes, partners, sizes, times */
	json_t *fwd = json_deep_copy(env), *entry = NULL, *answers = json_array(),
	       *delivery = json_object(), *result = NULL;
	struct rpc_fan_item *items = calloc(n, sizeof(*items));
	char leaf[65], *wire = NULL;
	size_t wlen = 0;
	int64_t index = 0;
	rc = WN_ENOMEM;
	if (fwd == NULL || answers == NULL || delivery == NULL || items == NULL)
		goto out;
	entry = json_pack("{s:s,s:s,s:s,s:O,s:O,s:s,s:I}", "type", "lookup", "id", id, "from",
			  rq->from->id, "actor", json_object_get(env, "actor"), "to", to, "purpose",
			  envelope_str(env, "purpose"), "ts", (json_int_t)envelope_ts(env));
	if (json_object_get(body, "cluster"))
		json_object_set(entry, "cluster", json_object_get(body, "cluster"));
	if ((rc = store_audit_append(b->writer, entry, &index, leaf)) != 0) {
		snprintf(err, errcap, "audit log write failed; query not forwarded");
		goto out;
	}
	if ((rc = envelope_countersign(fwd, b->ident->key, b->ident->id, index, leaf, NULL)) != 0 ||
	    (rc = envelope_encode(fwd, &wire, &wlen)) != 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		struct registry_partner *p = registry_find(b->reg, json_string_value(json_array_get(to, i)));
		items[i].client = rpc_client_connected(p->client) ? p->client : NULL;
		items[i].req = wire;
		items[i].len = wlen;
	}
	rpc_fanout(items, n, deadline);
	json_t *counts = json_object();
	for (size_t i = 0; i < n; i++) {
		struct registry_partner *p = registry_find(b->reg, json_string_value(json_array_get(to, i)));
		json_t *answer = NULL;
		const char *outcome = route_check_answer(b, p, id, "lookup.answer", &items[i], &answer);
		json_object_set_new(delivery, p->id, json_string(outcome));
		json_object_set_new(counts, outcome,
				    json_integer(json_integer_value(json_object_get(counts, outcome)) + 1));
		if (answer != NULL)
			json_array_append_new(answers, answer);
		free(items[i].resp);
	}
	json_t *outcome_entry = json_pack("{s:s,s:s,s:O,s:I,s:I}", "type", "lookup.delivery", "id",
					  id, "delivery", delivery, "request_bytes", (json_int_t)wlen,
					  "duration_us", (json_int_t)(time_mono_us() - start));
	int64_t oindex = 0;
	char oleaf[65];
	rc = store_audit_append(b->writer, outcome_entry, &oindex, oleaf);
	json_decref(outcome_entry);
	if (rc != 0) {
		json_decref(counts);
		snprintf(err, errcap, "audit log write failed; answers withheld");
		goto out;
	}
	log_emit(WN_LOG_INFO, "lookup_routed",
		 json_pack("{s:s,s:s,s:i,s:o,s:I}", "id", id, "from", rq->from->id, "partners",
			   (int)n, "delivery", counts, "duration_us",
			   (json_int_t)(time_mono_us() - start)));
	if ((rc = envelope_new1(&result, "lookup.result", b->ident->id, rq->from->id)) != 0)
		goto out;
	envelope_set_str(result, "re", id);
	json_object_set_new(result, "body", json_pack("{s:O,s:O,s:I}", "answers", answers,
						      "delivery", delivery, "audit_index",
						      (json_int_t)index));
	if ((rc = broker_sign(b, result)) != 0)
		goto out;
	*reply = result;
	result = NULL;
out:
	json_decref(result);
	json_decref(fwd);
	json_decref(entry);
	json_decref(answers);
	json_decref(delivery);
	free(items);
	free(wire);
	return rc;
}
