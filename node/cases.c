/*
 * cases.c — the local API's case operations (r07, r26): open a case in a
 * cluster, add or remove partners, close it, list the cases this partner
 * takes part in. The broker keeps the cases; the node checks the input,
 * signs, and passes the broker's answer back.
 */
#include <stdio.h>
#include <string.h>

#include "wijknet.h"
#include "context.h"
#include "envelope.h"
#include "ids.h"
#include "local.h"
#include "schema.h"
#include "vocab.h"

static const struct schema_field case_rq_fields[] = {
	{ "op", SCHEMA_STRING, 1, 32 },
	{ "case", SCHEMA_STRING, 0, 32 },
	{ "cluster", SCHEMA_STRING, 0, 32 },
	{ "director", SCHEMA_STRING, 0, 63 },
	{ "partner", SCHEMA_STRING, 0, 63 },
	{ "retention", SCHEMA_STRING, 0, 10 },
	{ "limit", SCHEMA_INT, 0, 1000 },
	{ "actor", SCHEMA_OBJECT, 0, 0 },
	{ NULL, 0, 0, 0 },
};

/* Copies the string fields present in rq into body. */
static void copy_fields(json_t *body, json_t *rq, const char *const *names)
{
	for (size_t i = 0; names[i] != NULL; i++) {
		json_t *v = json_object_get(rq, names[i]);
		if (v != NULL)
			json_object_set(body, names[i], v);
	}
}

json_t *local_case(struct node *n, const char *op, json_t *rq)
{
	static const char *const open_fields[] = { "cluster", "director", "retention", NULL };
	static const char *const partner_fields[] = { "partner", NULL };
	static const char *const list_fields[] = { "limit", NULL };
	char err[512] = "";
	const char *type = op;
	int rc = schema_check(rq, case_rq_fields, err, sizeof(err));
	if (rc != 0)
		return local_error(rc, err);
	const char *case_id = json_string_value(json_object_get(rq, "case"));
	const char *cluster = json_string_value(json_object_get(rq, "cluster"));
	const char *partner = json_string_value(json_object_get(rq, "partner"));
	int is_open = strcmp(op, "case.open") == 0, is_list = strcmp(op, "case.list") == 0;
	if (!is_open && !is_list && id_validate(case_id) != 0)
		return local_error(WN_EINVAL, "a case id of 32 lowercase hex digits is needed");
	if (is_open && !vocab_cluster(cluster)) {
		snprintf(err, sizeof(err), "unknown cluster '%s' (jeugd, volwassenen, multiprobleem)",
			 cluster ? cluster : "");
		return local_error(WN_ECLUSTER, err);
	}
	if (strcmp(op, "case.join") == 0 && partner == NULL)
		return local_error(WN_EINVAL, "name the partner that joins the case");
	if (partner != NULL && schema_valid_partner_id(partner) != 0)
		return local_error(WN_EINVAL, "field 'partner': not a partner id");
	json_t *actor = json_object_get(rq, "actor");
	if (!is_list && (rc = local_check_actor(actor, err, sizeof(err))) != 0)
		return local_error(rc, err);
	json_t *body = json_object();
	copy_fields(body, rq, is_open ? open_fields : is_list ? list_fields : partner_fields);
	json_t *env = NULL, *reply = NULL, *result;
	if ((rc = envelope_new1(&env, type, n->ident->id, n->broker_id)) != 0) {
		json_decref(body);
		return local_error(rc, NULL);
	}
	json_object_set_new(env, "body", body);
	if (case_id != NULL)
		envelope_set_str(env, "case", case_id);
	if (actor != NULL)
		json_object_set(env, "actor", actor);
	rc = node_call_broker(n, env, n->call_timeout_ms, &reply, err, sizeof(err));
	json_t *rbody = reply ? envelope_body(reply) : NULL;
	if (rc == 0)
		result = json_pack("{s:b,s:o}", "ok", 1, "result",
				   rbody ? json_incref(rbody) : json_object());
	else
		result = local_error(rc, err);
	json_decref(env);
	json_decref(reply);
	return result;
}
