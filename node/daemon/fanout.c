/*
 * fanout.c — one query about a person to several partners at once, through
 * the broker: the person sealed to each partner separately, every answer
 * checked (signed by its partner, bound to the query, sealed to this node).
 * Rights requests and access reports use it; a partner that does not
 * answer is unavailable, never "nothing to report".
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "wijknet.h"
#include "context.h"
#include "disclog.h"
#include "envelope.h"
#include "fanout.h"
#include "ids.h"
#include "log.h"
#include "reply.h"

int fanout_scope(struct node *n, struct directory **dp, const json_t *named, int in_case,
		 json_t **out, char *err, size_t errcap)
{
	json_t *list = json_array(), *x;
	struct directory *d = *dp;
	size_t i;
	struct dir_peer *self = directory_find(d, n->ident->id);
	if (self == NULL || !self->municipality) {
		snprintf(err, errcap, "'%s' is not the municipality: a client's access report or "
			 "rights request goes through the municipality, which answers to the client "
			 "(Heerlen 9.1); each partner answers for its own part", n->ident->id);
		json_decref(list);
		return WN_EDENIED;
	}
	if (named != NULL) {
		json_array_foreach(named, i, x) {
			struct dir_peer *p = directory_find(d, json_string_value(x));
			if (p == NULL || (!p->usable && !in_case) || p->incidental ||
			    strcmp(p->id, n->ident->id) == 0) {
				snprintf(err, errcap, "'%s' is not another active covenant partner",
					 json_string_value(x) ? json_string_value(x) : "?");
				json_decref(list);
				return WN_EUNKNOWN_PARTNER;
			}
			json_array_append(list, x);
		}
	} else {
		for (i = 0; i < d->count; i++) {
			struct dir_peer *p = &d->peers[i];
			if (p->usable && !p->incidental && strcmp(p->id, n->ident->id) != 0)
				json_array_append_new(list, json_string(p->id));
		}
	}
	if (json_array_size(list) > ENVELOPE_MAX_TO) {
		snprintf(err, errcap, "more than %d partners", ENVELOPE_MAX_TO);
		json_decref(list);
		return WN_ELIMIT;
	}
	/* a partner whose key we lack may have published it since: refresh once */
	json_array_foreach(list, i, x) {
		struct dir_peer *p = directory_find(d, json_string_value(x));
		if (p->usable && !p->has_seal) {
			directory_release(d);
			node_refresh_directory_before(n, time_now_ms());
			if ((*dp = node_directory(n)) == NULL) {
				snprintf(err, errcap, "no verified directory");
				json_decref(list);
				return WN_ESTATE;
			}
			break;
		}
	}
	*out = list;
	return 0;
}

int fanout_query(struct node *n, struct directory *d, const struct fanout_query *q,
		 char qid[ID_HEX_LEN + 1], json_t **answers, char *err, size_t errcap)
{
	json_t *env = NULL, *reply = NULL, *to = json_array(), *out = json_object(), *x;
	size_t i;
	int logged = 0;
	int rc = envelope_new1(&env, q->type, n->ident->id, n->ident->id);
	if (rc == 0 && q->id != NULL)
		rc = envelope_set_str(env, "id", q->id);
	if (rc != 0)
		goto done;
	snprintf(qid, ID_HEX_LEN + 1, "%s", envelope_str(env, "id"));
	if (q->purpose != NULL)
		envelope_set_str(env, "purpose", q->purpose);
	if (q->case_id != NULL)
		envelope_set_str(env, "case", q->case_id);
	json_object_set(env, "actor", (json_t *)q->actor);
	json_object_set_new(env, "body", json_pack("{s:i}", "deadline_ms", q->deadline_ms));
	/* partners suspended or without a sealing key cannot be asked: unavailable */
	json_array_foreach(q->scope, i, x) {
		struct dir_peer *p = directory_find(d, json_string_value(x));
		if (p == NULL || !p->usable || !p->has_seal)
			json_object_set_new(out, json_string_value(x),
					    json_pack("{s:s,s:s}", "outcome", "unavailable", "reason",
						      p != NULL && !p->usable ? "not_active"
									      : "no_sealing_key"));
		else
			json_array_append(to, x);
	}
	/* the routing header is the seal's additional data: complete it first */
	json_object_set(env, "to", to);
	char *partners = json_dumps(q->scope, JSON_COMPACT);
	struct sent_entry se = {
		.request_id = qid,
		.type = q->log_type,
		.actor_id = json_string_value(json_object_get(q->actor, "id")),
		.actor_role = json_string_value(json_object_get(q->actor, "role")),
		.purpose = q->purpose,
		.partners = partners,
		.subject_index = q->subject_index,
		.case_id = q->case_id,
	};
	rc = partners ? sentlog_write(n->writer, &se) : WN_ENOMEM;
	free(partners);
	if (rc != 0) {
		snprintf(err, errcap, "the query cannot be logged before it is sent; nothing was sent");
		goto done;
	}
	logged = 1;
	json_array_foreach(to, i, x) {
		struct dir_peer *p = directory_find(d, json_string_value(x));
		if ((rc = envelope_seal(env, p->id, p->seal_pk, q->sealed)) != 0)
			goto done;
	}
	const char *pid;
	if (json_array_size(to) > 0) {
		rc = node_call_broker(n, env, q->deadline_ms + n->call_timeout_ms, &reply, err, errcap);
		if (rc != 0)
			goto done;
		json_t *body = envelope_body(reply), *delivery = json_object_get(body, "delivery");
		json_array_foreach(json_object_get(body, "answers"), i, x) {
			const char *from = NULL;
			json_t *opened = NULL;
			int refused = 0;
			const char *reason = reply_open(n, d, x, qid, q->answer_type, &from, &opened,
							&refused);
			if (from == NULL || !json_is_string(json_object_get(delivery, from)) ||
			    json_object_get(out, from) != NULL) {
				json_decref(opened);
				continue; /* not asked, or answered twice */
			}
			json_t *a = reason ? json_pack("{s:s,s:s}", "outcome", refused ? "error" : "invalid",
						       "reason", reason)
					   : json_pack("{s:s,s:o}", "outcome", "answered", "body", opened);
			json_object_set_new(out, from, a);
		}
		json_array_foreach(to, i, x) {
			if (json_object_get(out, json_string_value(x)) != NULL)
				continue;
			const char *dv = json_string_value(json_object_get(delivery, json_string_value(x)));
			json_object_set_new(out, json_string_value(x),
					    json_pack("{s:s,s:s}", "outcome",
						      dv && strcmp(dv, "rejected") == 0 ? "invalid"
											: "unavailable",
						      "reason", dv ? dv : "no_delivery"));
		}
	}
	json_t *outcomes = json_object();
	json_object_foreach(out, pid, x)
		json_object_set(outcomes, pid, json_object_get(x, "outcome"));
	char *otext = json_dumps(outcomes, JSON_COMPACT);
	json_decref(outcomes);
	if (otext == NULL || sentlog_complete(n->writer, qid, otext, NULL) != 0)
		log_msg(WN_LOG_ERROR, "sentlog_complete", "query %s: outcomes not recorded", qid);
	free(otext);
	*answers = out;
	out = NULL;
done:
	if (rc != 0 && logged)
		sentlog_complete(n->writer, qid, "{\"error\":\"not delivered\"}", NULL);
	json_decref(out);
	json_decref(to);
	json_decref(env);
	json_decref(reply);
	return rc;
}
