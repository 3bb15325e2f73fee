/*
 * health.c — federation health: the broker pings every usable partner's
 * node at once (signed `health`, answered by a signed `health.answer`) and
 * reports who is up, with round-trip times, within one deadline.
 */
#include <stdlib.h>
#include <string.h>

#include "wijknet.h"
#include "context.h"
#include "envelope.h"
#include "error.h"
#include "ids.h"
#include "log.h"
#include "secevent.h"

/* Checks a node's answer to a ping: parses, signer, binding to the ping. */
static int health_check_answer(struct broker *b, struct registry_partner *p, const char *ping_id,
			       const char *resp, size_t len)
{
	json_t *env = NULL;
	char err[256];
	int rc = envelope_parse(resp, len, &env, err, sizeof(err));
	if (rc != 0)
		return rc;
	const char *re = envelope_str(env, "re");
	if (strcmp(envelope_str(env, "from"), p->id) != 0 || re == NULL || strcmp(re, ping_id) != 0) {
		rc = WN_EPROTO;
	} else if (envelope_verify(env, registry_cert(p)) != 0) {
		rc = WN_ESIG;
		secevent_record(b->db, WN_ESIG, p->id, envelope_str(env, "id"),
				"health answer with an invalid signature");
	} else if (strcmp(envelope_str(env, "type"), "error") == 0) {
		/* its node's own word, signed: up, yet not answering (not ready) */
		rc = error_from_name(json_string_value(json_object_get(envelope_body(env), "error")));
		if (rc == 0)
			rc = WN_EPROTO;
	} else if (strcmp(envelope_str(env, "type"), "health.answer") != 0) {
		rc = WN_EPROTO;
	}
	json_decref(env);
	return rc;
}

int broker_health_probe(struct broker *b, struct registry_partner *p, const char *address,
			char *err, size_t errcap)
{
	json_t *ping = NULL;
	char *req = NULL, *resp = NULL;
	size_t len = 0, resplen = 0;
	int rc = envelope_new1(&ping, "health", b->ident->id, p->id);
	if (rc == 0)
		rc = broker_sign(b, ping);
	if (rc == 0)
		rc = envelope_encode(ping, &req, &len);
	if (rc != 0) {
		snprintf(err, errcap, "cannot build the health check: %s", wn_strerror(rc));
		goto out;
	}
	/* half for the connection, half for the answer: one deadline in all */
	rc = registry_probe(b->reg, p, address, req, len, b->deadline_ms / 2, &resp, &resplen, err,
			    errcap);
	if (rc == 0 && (rc = health_check_answer(b, p, envelope_str(ping, "id"), resp,
						 resplen)) != 0)
		snprintf(err, errcap, "the answer there is not %s's node's: %s", p->id,
			 wn_strerror(rc));
out:
	json_decref(ping);
	free(req);
	free(resp);
	return rc;
}

/* A suspended partner's node: the broker hung up its own connection, so a
 * ping goes over one of its own, to show whether the node is up. */
static int health_suspended(const struct registry_partner *p)
{
	return atomic_load(&p->state) == PARTNER_SUSPENDED && atomic_load(&p->cert_error) == 0 &&
	       p->address[0] != '\0';
}

/* A suspended partner's node is dialled at most this often, whoever asks:
 * in between, health says what the last ping found. */
#define HEALTH_PROBE_EVERY_MS 10000

/* 1 when a suspended partner's node was pinged lately: its answer stands. */
static int health_probed_lately(const struct registry_partner *p)
{
	return time_now_ms() - atomic_load(&p->probe_ms) < HEALTH_PROBE_EVERY_MS;
}

/* The ping of partner i, when it is pinged: items[i] set, its id in id. */
static void health_ping_of(struct broker *b, struct registry_partner *p, struct rpc_fan_item *it,
			   struct registry_probe *probe, char **req, char id[33])
{
	char err[256];
	rpc_client *c = atomic_load(&p->client);
	json_t *ping = NULL;
	size_t len = 0;
	if (health_suspended(p)) {
		c = !health_probed_lately(p) && registry_probe_open(b->reg, p, p->address, probe,
								    err, sizeof(err)) == 0
			    ? probe->client : NULL;
	} else if (!registry_usable(p)) {
		c = NULL;
	}
	if (c == NULL)
		return;
	if (envelope_new1(&ping, "health", b->ident->id, p->id) == 0 && broker_sign(b, ping) == 0 &&
	    envelope_encode(ping, req, &len) == 0) {
		snprintf(id, 33, "%s", envelope_str(ping, "id"));
		it->client = c;
		it->req = *req;
		it->len = len;
	}
	json_decref(ping);
}

/* One partner's line: its node up (or, suspended, "suspended": its node is
 * up, the partner may not take part) or down, with what the broker knows. */
static json_t *health_entry(struct broker *b, struct registry_partner *p,
			    const struct rpc_fan_item *it, const char *ping_id)
{
	int arc = it->rc;
	if (arc == 0)
		arc = health_check_answer(b, p, ping_id, it->resp, it->resplen);
	int up = arc == 0 && it->client != NULL;
	/* a suspended partner's node that restarted has no directory, which the
	 * broker does not give it: it says so, signed, and is up */
	if (health_suspended(p) && arc == WN_ESTATE && it->client != NULL)
		up = 1;
	int measured = up && it->client != NULL;
	if (health_suspended(p) && it->client == NULL && health_probed_lately(p)) {
		up = atomic_load(&p->probe_up); /* not dialled again so soon */
	} else if (health_suspended(p)) {
		atomic_store(&p->probe_up, up);
		atomic_store(&p->probe_ms, time_now_ms());
	}
	const char *state = !up ? "down" : health_suspended(p) ? "suspended" : "up";
	json_t *e = json_pack("{s:s,s:s,s:s,s:s,s:b}", "id", p->id, "name", p->name, "status",
			      registry_status(p), "state", state, "seal_key", p->has_seal);
	json_object_set_new(e, "rtt_us", json_integer(measured ? (json_int_t)(it->elapsed_ms *
										1000)
							       : -1));
	if (arc != 0 && it->client != NULL)
		json_object_set_new(e, "reason", json_string(wn_errname(arc)));
	int ce = atomic_load(&p->cert_error);
	json_object_set_new(e, "cert", json_string(ce == 0 ? "valid" : ce == WN_EREVOKED ? "revoked"
						 : ce == WN_EEXPIRED ? "expired" : "invalid"));
	long left = 0;
	if (pki_cert_seconds_left(registry_cert(p), &left) == 0)
		json_object_set_new(e, "cert_seconds_left", json_integer(left));
	if (atomic_load(&p->end_at) > 0)
		json_object_set_new(e, "end_at", json_integer(atomic_load(&p->end_at)));
	return e;
}

int broker_health_list(struct broker *b, json_t **out)
{
	size_t n = registry_count(b->reg);
	struct rpc_fan_item *items = calloc(n ? n : 1, sizeof(*items));
	struct registry_probe *probes = calloc(n ? n : 1, sizeof(*probes));
	char **pings = calloc(n ? n : 1, sizeof(char *));
	char (*ids)[33] = calloc(n ? n : 1, sizeof(*ids));
	json_t *list = json_array();
	int rc = WN_ENOMEM;
	if (items == NULL || probes == NULL || pings == NULL || ids == NULL || list == NULL)
		goto out;
	for (size_t i = 0; i < n; i++)
		health_ping_of(b, registry_at(b->reg, i), &items[i], &probes[i], &pings[i], ids[i]);
	rpc_fanout(items, n, b->deadline_ms);
	for (size_t i = 0; i < n; i++)
		json_array_append_new(list, health_entry(b, registry_at(b->reg, i), &items[i],
							 ids[i]));
	*out = list;
	list = NULL;
	rc = 0;
out:
	for (size_t i = 0; i < n && items != NULL; i++)
		free(items[i].resp);
	for (size_t i = 0; i < n && pings != NULL; i++)
		free(pings[i]);
	for (size_t i = 0; i < n && probes != NULL; i++)
		registry_probe_close(&probes[i]);
	json_decref(list);
	free(items);
	free(probes);
	free(pings);
	free(ids);
	return rc;
}

int broker_handle_health(struct broker *b, const struct broker_request *rq, json_t **reply)
{
	json_t *list = NULL, *env = NULL, *behind = NULL;
	int rc = broker_health_list(b, &list);
	if (rc != 0)
		return rc;
	if ((rc = broker_audit_disputes(b, &behind)) != 0)
		goto out;
	if ((rc = envelope_new1(&env, "health.answer", b->ident->id,
				envelope_str(rq->env, "from"))) != 0)
		goto out;
	envelope_set_str(env, "re", envelope_str(rq->env, "id"));
	json_object_set_new(env, "body", json_pack("{s:s,s:O}", "broker", b->ident->id,
						   "partners", list));
	/* every node's operator sees it too: the log their nodes co-sign went back */
	if (behind != NULL)
		json_object_set(envelope_body(env), "audit_behind", behind);
	if ((rc = broker_sign(b, env)) != 0)
		goto out;
	*reply = env;
	env = NULL;
out:
	json_decref(env);
	json_decref(list);
	json_decref(behind);
	return rc;
}
