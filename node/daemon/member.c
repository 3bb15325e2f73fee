/*
 * member.c — this partner's part in the federation's membership: its own
 * join request with the signed accession declaration (Heerlen 15, Bijlage
 * 4; Groningen 9.1), its vote on proposals (joins, exits, policy changes),
 * its notice (Heerlen 14.2) and, for the municipality, ending another's
 * membership (Groningen 10.2); taking back an exit or a policy change it
 * proposed. The broker decides under the federation's
 * rule.
 */
#include <stdio.h>
#include <string.h>

#include "wijknet.h"
#include "context.h"
#include "declaration.h"
#include "envelope.h"
#include "local.h"
#include "schema.h"

static const struct schema_field join_request_fields[] = {
	{ "name", SCHEMA_STRING, 1, 200 },
	{ "address", SCHEMA_STRING, 1, 256 },
	{ "role", SCHEMA_STRING, 0, 16 },
	{ "clusters", SCHEMA_ARRAY, 1, 8 },
	{ "organisation", SCHEMA_STRING, 1, 200 },
	{ "representative", SCHEMA_STRING, 1, 200 },
	{ "function", SCHEMA_STRING, 1, 200 },
	{ "place", SCHEMA_STRING, 1, 100 },
	{ "date", SCHEMA_STRING, 10, 10 },
	{ "covenant", SCHEMA_STRING, 0, 16 },
	{ NULL, 0, 0, 0 },
};

/* Sends env with body (taken) and actor (may be NULL) to the broker; the
 * broker's answer body is the local result. */
static json_t *member_send(struct node *n, const char *type, json_t *body, const json_t *actor)
{
	char err[512] = "";
	json_t *env = NULL, *reply = NULL, *result;
	struct directory *d = node_directory(n);
	if (d == NULL && strcmp(type, "member.join") != 0) /* admitted since the last try? */
		(void)node_refresh_directory(n, err, sizeof(err));
	directory_release(d);
	int rc = envelope_new1(&env, type, n->ident->id, n->broker_id);
	if (rc == 0) {
		if (body != NULL)
			json_object_set(env, "body", body);
		if (actor != NULL)
			json_object_set(env, "actor", (json_t *)actor);
		rc = node_call_broker(n, env, n->call_timeout_ms, &reply, err, sizeof(err));
	}
	json_t *rbody = reply ? envelope_body(reply) : NULL;
	if (rc == 0) {
		json_t *copy = rbody ? json_deep_copy(rbody) : json_object();
		json_object_del(copy, "broker_cert");
		result = copy ? json_pack("{s:b,s:o}", "ok", 1, "result", copy)
			      : local_error(WN_ENOMEM, NULL);
	} else {
		result = local_error(rc, err);
	}
	json_decref(body);
	json_decref(env);
	json_decref(reply);
	return result;
}

/* The join request: the operator's facts, this node's certificate and the
 * accession text it declares, all under this node's signature. The text is
 * the one its representative named (covenant), never one chosen for it. */
static json_t *member_join(struct node *n, const json_t *rq)
{
	const json_t *r = json_object_get(rq, "request");
	const struct accession *a = NULL;
	char err[256], hash[65];
	if (r == NULL || schema_check(r, join_request_fields, err, sizeof(err)) != 0)
		return local_error(WN_ESCHEMA, r ? err : "missing 'request' (the join request)");
	const json_t *cov = json_object_get(r, "covenant");
	const char *covenant = cov ? json_string_value(cov) : DECLARATION_COVENANT_DEFAULT;
	if (declaration_accession(covenant, &a) != 0) {
		snprintf(err, sizeof(err), "field 'covenant': '%.32s' is not heerlen or groningen (the "
			 "covenant whose accession text the representative signs)", covenant);
		return local_error(WN_ESCHEMA, err);
	}
	if (declaration_hash(a->version, hash) != 0)
		return local_error(WN_EINVAL, "no accession text");
	const char *role = json_string_value(json_object_get(r, "role"));
	if (role != NULL && strcmp(role, "member") != 0 && strcmp(role, "municipality") != 0 &&
	    strcmp(role, "incidental") != 0) {
		snprintf(err, sizeof(err), "field 'role': '%.16s' is not member, municipality or "
			 "incidental (the role this partner joins with)", role);
		return local_error(WN_ESCHEMA, err);
	}
	json_t *decl = json_pack("{s:s,s:s,s:O,s:O,s:O,s:O,s:O}", "version",
				 a->version, "text_hash", hash, "organisation",
				 json_object_get(r, "organisation"), "representative",
				 json_object_get(r, "representative"), "function",
				 json_object_get(r, "function"), "place", json_object_get(r, "place"),
				 "date", json_object_get(r, "date"));
	json_t *body = json_pack("{s:O,s:O,s:O,s:s,s:o}", "name", json_object_get(r, "name"),
				 "address", json_object_get(r, "address"), "clusters",
				 json_object_get(r, "clusters"), "cert", n->ident->cert_pem,
				 "declaration", decl);
	if (body == NULL)
		return local_error(WN_ENOMEM, NULL);
	if (json_object_get(r, "role") != NULL)
		json_object_set(body, "role", json_object_get(r, "role"));
	return member_send(n, "member.join", body, NULL);
}

static json_t *member_actor(const json_t *rq, char *err, size_t errcap)
{
	json_t *actor = json_object_get(rq, "actor");
	if (actor == NULL || local_check_actor(actor, err, errcap) != 0) {
		if (actor == NULL)
			snprintf(err, errcap, "missing 'actor': a membership decision names who "
				 "took it");
		return NULL;
	}
	return actor;
}

json_t *local_member(struct node *n, const char *op, json_t *rq)
{
	char err[256];
	if (strcmp(op, "member.join") == 0)
		return member_join(n, rq);
	if (strcmp(op, "member.status") == 0 || strcmp(op, "member.withdraw") == 0)
		return member_send(n, op, NULL, NULL);
	if (strcmp(op, "member.list") == 0)
		return member_send(n, "member.list", NULL, NULL);
	const json_t *actor = member_actor(rq, err, sizeof(err));
	if (actor == NULL)
		return local_error(WN_EINVAL, err);
	json_t *body = json_deep_copy(rq);
	json_object_del(body, "op");
	json_object_del(body, "actor");
	if (strcmp(op, "member.vote") == 0 || strcmp(op, "member.notice") == 0 ||
	    strcmp(op, "member.end") == 0 || strcmp(op, "member.address") == 0 ||
	    strcmp(op, "member.exit.withdraw") == 0 || strcmp(op, "policy.propose") == 0 ||
	    strcmp(op, "policy.withdraw") == 0)
		return member_send(n, op, body, actor);
	json_decref(body);
	snprintf(err, sizeof(err), "unknown operation '%.48s'", op);
	return local_error(WN_EPROTO, err);
}
