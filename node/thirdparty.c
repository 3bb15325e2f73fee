/*
 * thirdparty.c — the node's part in third-party disclosures (r08): propose
 * one (the motivation stays here, in the dossier, and the broker keeps its
 * hash), sign the confidentiality declaration as the third party, approve
 * or reject as a partner of the case, list them. Every decision this node
 * takes is kept, so that as a source it discloses only what it approved.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wijknet.h"
#include "context.h"
#include "date.h"
#include "envelope.h"
#include "ground.h"
#include "ids.h"
#include "local.h"
#include "log.h"
#include "schema.h"
#include "thirdparty.h"
#include "vocab.h"

static const struct schema_field tp_rq_fields[] = {
	{ "op", SCHEMA_STRING, 1, 32 },
	{ "case", SCHEMA_STRING, 0, 32 },
	{ "party", SCHEMA_STRING, 0, 63 },
	{ "source", SCHEMA_STRING, 0, 63 },
	{ "categories", SCHEMA_ARRAY, 0, 32 },
	{ "purpose", SCHEMA_STRING, 0, 48 },
	{ "ground", SCHEMA_STRING, 0, 48 },
	{ "motivation", SCHEMA_OBJECT, 0, 0 },
	{ "approval", SCHEMA_STRING, 0, 32 },
	{ "declaration", SCHEMA_OBJECT, 0, 0 },
	{ "actor", SCHEMA_OBJECT, 0, 0 },
	{ NULL, 0, 0, 0 },
};

struct tp_decision {
	const json_t *t;          /* the proposal as the broker returned it */
	const char *decision;
	const char *motivation;   /* proposer only */
	const json_t *actor;
};

static int tp_decision_insert(db *d, void *arg)
{
	const struct tp_decision *x = arg;
	const json_t *t = x->t;
	sqlite3_stmt *st = NULL;
	char *cats = json_dumps(json_object_get(t, "categories"), JSON_COMPACT);
	if (cats == NULL)
		return WN_ENOMEM;
	int rc = db_prepare(d, "INSERT OR REPLACE INTO third_party_decisions(id, case_id, party,"
			       " source, categories, purpose, ground, motivation, motivation_hash,"
			       " decision, decided_at, actor_id, actor_role)"
			       " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", &st);
	if (rc == 0) {
		const char *f[] = { "id", "case", "party", "source" };
		for (int i = 0; i < 4; i++)
			sqlite3_bind_text(st, i + 1, json_string_value(json_object_get(t, f[i])), -1,
					  SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 5, cats, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 6, json_string_value(json_object_get(t, "purpose")), -1,
				  SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 7, json_string_value(json_object_get(t, "ground")), -1,
				  SQLITE_TRANSIENT);
		if (x->motivation != NULL)
			sqlite3_bind_text(st, 8, x->motivation, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 9, json_string_value(json_object_get(t, "motivation_hash")), -1,
				  SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 10, x->decision, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 11, time_now_ms());
		sqlite3_bind_text(st, 12, json_string_value(json_object_get(x->actor, "id")), -1,
				  SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 13, json_string_value(json_object_get(x->actor, "role")), -1,
				  SQLITE_TRANSIENT);
		rc = sqlite3_step(st) == SQLITE_DONE ? 0 : WN_EDB;
	}
	sqlite3_finalize(st);
	free(cats);
	return rc;
}

/* Sends type with body to the broker; *reply_body: the broker's answer. */
static int tp_call(struct node *n, const char *type, const char *case_id, const json_t *actor,
		   json_t *body, json_t **reply_body, char *err, size_t errcap)
{
	json_t *env = NULL, *reply = NULL;
	int rc = envelope_new1(&env, type, n->ident->id, n->broker_id);
	if (rc != 0) {
		json_decref(body);
		return rc;
	}
	json_object_set_new(env, "body", body);
	if (case_id != NULL)
		envelope_set_str(env, "case", case_id);
	if (actor != NULL)
		json_object_set(env, "actor", (json_t *)actor);
	rc = node_call_broker(n, env, n->call_timeout_ms, &reply, err, errcap);
	if (rc == 0) {
		json_t *b = envelope_body(reply);
		*reply_body = b ? json_incref(b) : json_object();
	}
	json_decref(env);
	json_decref(reply);
	return rc;
}

static json_t *tp_propose(struct node *n, json_t *rq)
{
	char err[512] = "", hash[65];
	json_t *actor = json_object_get(rq, "actor"), *motivation = json_object_get(rq, "motivation");
	const char *case_id = json_string_value(json_object_get(rq, "case"));
	const char *ground = json_string_value(json_object_get(rq, "ground"));
	int rc;
	if (id_validate(case_id) != 0)
		return local_error(WN_EINVAL, "field 'case': a case id of 32 lowercase hex digits");
	if (json_object_get(rq, "party") == NULL || json_array_size(json_object_get(rq, "categories")) == 0 ||
	    json_object_get(rq, "purpose") == NULL || ground == NULL)
		return local_error(WN_EINVAL, "a proposal names the third party, the categories, the "
					      "purpose and the ground");
	/* Heerlen 7.2: the motivation is documented in the dossier */
	if (motivation == NULL)
		return local_error(WN_EMOTIVATION, "a third-party disclosure is motivated (Heerlen "
						   "7.2): give the Bijlage 3 motivation");
	if ((rc = ground_check_motivation(strcmp(ground, "legal_obligation") == 0 ? ground
										 : "vital_interest",
					  motivation, err, sizeof(err))) != 0)
		return local_error(rc, err);
	if ((rc = ground_detail_hash(motivation, hash)) != 0)
		return local_error(rc, NULL);
	json_t *body = json_pack("{s:O,s:O,s:O,s:O,s:s}", "party", json_object_get(rq, "party"),
				 "categories", json_object_get(rq, "categories"), "purpose",
				 json_object_get(rq, "purpose"), "ground",
				 json_object_get(rq, "ground"), "motivation_hash", hash);
	if (json_object_get(rq, "source") != NULL)
		json_object_set(body, "source", json_object_get(rq, "source"));
	json_t *rb = NULL;
	if ((rc = tp_call(n, "thirdparty.propose", case_id, actor, body, &rb, err, sizeof(err))) != 0)
		return local_error(rc, err);
	char *mtext = json_dumps(motivation, JSON_COMPACT | JSON_SORT_KEYS);
	struct tp_decision x = { json_object_get(rb, "approval"), "approved", mtext, actor };
	if (mtext == NULL || db_writer_run(n->writer, tp_decision_insert, &x) != 0)
		log_msg(WN_LOG_ERROR, "thirdparty_local", "proposal %s is registered at the broker "
			"but could not be kept here",
			json_string_value(json_object_get(json_object_get(rb, "approval"), "id")));
	free(mtext);
	return json_pack("{s:b,s:o}", "ok", 1, "result", rb);
}

static json_t *tp_decide(struct node *n, const char *op, json_t *rq)
{
	char err[512] = "";
	json_t *actor = json_object_get(rq, "actor"), *rb = NULL;
	const char *id = json_string_value(json_object_get(rq, "approval"));
	if (id_validate(id) != 0)
		return local_error(WN_EINVAL, "field 'approval': 32 lowercase hex digits");
	json_t *body = json_pack("{s:s}", "approval", id);
	const char *type = strcmp(op, "thirdparty.approve") == 0   ? "thirdparty.approve"
			   : strcmp(op, "thirdparty.reject") == 0  ? "thirdparty.reject"
								   : "thirdparty.declare";
	if (strcmp(type, "thirdparty.declare") == 0) {
		json_t *decl = json_object_get(rq, "declaration");
		if (decl == NULL) {
			json_decref(body);
			return local_error(WN_EINVAL, "the confidentiality declaration (Bijlage 6): "
						      "name, organisation, place, signed_on");
		}
		json_object_set(body, "declaration", decl);
	}
	int rc = tp_call(n, type, NULL, actor, body, &rb, err, sizeof(err));
	if (rc != 0)
		return local_error(rc, err);
	if (strcmp(type, "thirdparty.declare") != 0) {
		struct tp_decision x = { json_object_get(rb, "approval"),
					 strcmp(type, "thirdparty.approve") == 0 ? "approved" : "rejected",
					 NULL, actor };
		if (db_writer_run(n->writer, tp_decision_insert, &x) != 0)
			log_msg(WN_LOG_ERROR, "thirdparty_local", "decision on %s is registered at "
				"the broker but could not be kept here", id);
	}
	return json_pack("{s:b,s:o}", "ok", 1, "result", rb);
}

json_t *local_thirdparty(struct node *n, const char *op, json_t *rq)
{
	char err[512] = "";
	int rc = schema_check(rq, tp_rq_fields, err, sizeof(err));
	if (rc != 0)
		return local_error(rc, err);
	if (strcmp(op, "thirdparty.list") == 0) {
		json_t *rb = NULL;
		if ((rc = tp_call(n, "thirdparty.list", NULL, NULL, json_object(), &rb, err,
				  sizeof(err))) != 0)
			return local_error(rc, err);
		return json_pack("{s:b,s:o}", "ok", 1, "result", rb);
	}
	if ((rc = local_check_actor(json_object_get(rq, "actor"), err, sizeof(err))) != 0)
		return local_error(rc, err);
	if (strcmp(op, "thirdparty.propose") == 0)
		return tp_propose(n, rq);
	if (strcmp(op, "thirdparty.approve") == 0 || strcmp(op, "thirdparty.reject") == 0 ||
	    strcmp(op, "thirdparty.declare") == 0)
		return tp_decide(n, op, rq);
	snprintf(err, sizeof(err), "unknown operation '%.48s'", op);
	return local_error(WN_EPROTO, err);
}

int thirdparty_check_use(struct node *n, const char *id, const char *party,
			 const char *purpose, const char *ground, const json_t *categories,
			 char *motivation_hash, char *err, size_t errcap)
{
	sqlite3_stmt *st = NULL;
	int rc, ok = 0;
	db_lock(n->db);
	rc = db_prepare(n->db, "SELECT party, source, purpose, ground, categories, decision,"
			       " motivation_hash FROM third_party_decisions WHERE id = ?", &st);
	if (rc == 0) {
		sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
		if (sqlite3_step(st) != SQLITE_ROW) {
			snprintf(err, errcap, "this partner has not approved third-party disclosure %s",
				 id);
		} else if (strcmp((const char *)sqlite3_column_text(st, 5), "approved") != 0) {
			snprintf(err, errcap, "this partner rejected third-party disclosure %s", id);
		} else if (strcmp((const char *)sqlite3_column_text(st, 0), party) != 0 ||
			   strcmp((const char *)sqlite3_column_text(st, 1), n->ident->id) != 0 ||
			   strcmp((const char *)sqlite3_column_text(st, 2), purpose) != 0 ||
			   strcmp((const char *)sqlite3_column_text(st, 3), ground) != 0) {
			snprintf(err, errcap, "third-party disclosure %s was approved for another "
				 "party, source, purpose or ground", id);
		} else {
			json_error_t jerr;
			json_t *approved = json_loads((const char *)sqlite3_column_text(st, 4), 0, &jerr);
			size_t i, k;
			json_t *x, *y;
			ok = approved != NULL;
			json_array_foreach(categories, i, x) {
				int found = 0;
				json_array_foreach(approved, k, y)
					found |= json_equal(x, y);
				if (!found) {
					snprintf(err, errcap, "category '%s' is not part of the approved "
						 "third-party disclosure", json_string_value(x));
					ok = 0;
					break;
				}
			}
			json_decref(approved);
			snprintf(motivation_hash, 65, "%s", (const char *)sqlite3_column_text(st, 6));
		}
	}
	sqlite3_finalize(st);
	db_unlock(n->db);
	return rc != 0 ? rc : ok ? 0 : WN_EDENIED;
}
