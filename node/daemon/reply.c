/*
 * reply.c — verifying and opening relayed answers.
 */
#include <stdio.h>
#include <string.h>

#include "wijknet.h"
#include "envelope.h"
#include "error.h"
#include "log.h"
#include "replay.h"
#include "reply.h"
#include "secevent.h"

const char *reply_open(struct node *n, struct directory *d, const json_t *a, const char *qid,
		       const char *want, const char **from, json_t **body, int *refused)
{
	char err[256], what[96];
	*from = NULL;
	*body = NULL;
	*refused = 0;
	/* the answer is held to the same schema as any message */
	if (envelope_check_wire(a, err, sizeof(err)) != 0)
		return "malformed";
	struct dir_peer *p = directory_find(d, envelope_str(a, "from"));
	*from = p ? p->id : NULL;
	const char *re = envelope_str(a, "re"), *type = envelope_str(a, "type");
	if (p == NULL || re == NULL || strcmp(re, qid) != 0 ||
	    (strcmp(type, want) != 0 && strcmp(type, "error") != 0))
		return "protocol";
	snprintf(what, sizeof(what), "%s with an invalid signature", want);
	if (envelope_verify(a, p->cert) != 0) {
		secevent_record(n->db, WN_ESIG, p->id, envelope_str(a, "id"), what);
		return "signature";
	}
	int rc = replay_check(n->replay, envelope_str(a, "id"), envelope_ts(a), n->skew_ms);
	if (rc == WN_EDB || rc == WN_ENOMEM) {
		log_msg(WN_LOG_ERROR, "replay_cache_failed", "cannot record the id of %s's %s",
			p->id, want);
		return "database";
	}
	if (rc != 0) {
		snprintf(what, sizeof(what), "%s refused", want);
		secevent_record(n->db, rc, p->id, envelope_str(a, "id"), what);
		return wn_errname(rc);
	}
	if (strcmp(type, "error") == 0) {
		*refused = 1;
		/* static name: a is freed before the caller reads it */
		return wn_errname(error_from_name(
			json_string_value(json_object_get(envelope_body(a), "error"))));
	}
	if (envelope_open(a, n->ident->id, n->keys.seal_sk, body) != 0) {
		snprintf(what, sizeof(what), "%s not sealed to this node", want);
		secevent_record(n->db, WN_ESEAL, p->id, envelope_str(a, "id"), what);
		return "seal";
	}
	return NULL;
}

int reply_ack(struct node *n, const json_t *env, const struct dir_peer *sender,
	      const char *status, json_t **ack)
{
	char type[48];
	json_t *a = NULL, *body = json_pack("{s:s}", "status", status);
	int rc = body != NULL ? 0 : WN_ENOMEM;
	*ack = NULL;
	snprintf(type, sizeof(type), "%s.ack", envelope_str(env, "type"));
	if (rc == 0 && (rc = envelope_new1(&a, type, n->ident->id, sender->id)) == 0) {
		envelope_set_str(a, "re", envelope_str(env, "id"));
		rc = envelope_seal(a, sender->id, sender->seal_pk, body);
	}
	if (rc == 0)
		rc = envelope_sign(a, n->ident->key);
	if (rc == 0) {
		*ack = a;
		a = NULL;
	}
	json_decref(a);
	json_decref(body);
	return rc;
}
