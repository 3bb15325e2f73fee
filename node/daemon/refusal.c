/*
 * refusal.c — refusals passed on to the sources they name (refusal.h).
 */
#include <stdio.h>
#include <string.h>

#include "wijknet.h"
#include "bsn.h"
#include "consent.h"
#include "consentdoc.h"
#include "context.h"
#include "envelope.h"
#include "ids.h"
#include "log.h"
#include "notice.h"
#include "refusal.h"
#include "reply.h"
#include "schema.h"
#include "secret.h"

#define REFUSAL_NOTICE "refusal.notice"

static const struct schema_field notice_fields[] = {
	{ "refusal", SCHEMA_OBJECT, 1, 0 },
	{ "bsn", SCHEMA_STRING, 1, 9 },
	{ NULL, 0, 0, 0 },
};

struct refusal_queue {
	struct node *n;
	const json_t *object;
	const char *bsn;
	int queued;
};

static int refusal_queue_run(db *d, void *arg)
{
	struct refusal_queue *q = arg;
	const json_t *sources = json_object_get(json_object_get(q->object, "document"), "sources");
	json_t *x, *body = json_pack("{s:O,s:s}", "refusal", q->object, "bsn", q->bsn);
	size_t i;
	int rc = body != NULL ? 0 : WN_ENOMEM;
	json_array_foreach(sources, i, x) {
		char id[ID_HEX_LEN + 1];
		const char *to = json_string_value(x);
		if (rc != 0)
			break;
		if (to == NULL || strcmp(to, q->n->ident->id) == 0)
			continue; /* kept here already */
		if ((rc = id_generate(id)) == 0 &&
		    (rc = outbox_put_locked(d, q->n, REFUSAL_NOTICE, id, to, body)) == 0)
			q->queued++;
	}
	secret_wipe_member(body, "bsn");
	json_decref(body);
	return rc;
}

int refusal_forward_locked(db *d, struct node *n, const json_t *object, const char *bsn,
			   int *queued)
{
	struct refusal_queue q = { n, object, bsn, 0 };
	int rc = refusal_queue_run(d, &q);
	*queued = rc == 0 ? q.queued : 0;
	return rc;
}

/* The refusal is the sender's own, signed by it, about the person named,
 * and names this node as a source. */
static int refusal_check(struct node *n, const json_t *body, const struct dir_peer *sender,
			 char *err, size_t errcap)
{
	char version[CONSENT_VERSION_LEN + 1], detail[200];
	const json_t *object = json_object_get(body, "refusal");
	const json_t *doc = json_object_get(object, "document");
	const char *bsn = json_string_value(json_object_get(body, "bsn"));
	if (schema_check(body, notice_fields, detail, sizeof(detail)) != 0) {
		snprintf(err, errcap, "refusal.notice: %s", detail);
		return WN_ESCHEMA;
	}
	if (bsn_validate(bsn) != 0) {
		snprintf(err, errcap, "refusal.notice: field 'bsn' is not a valid BSN");
		return WN_EBSN;
	}
	const char *kind = json_string_value(json_object_get(object, "kind"));
	const char *by = json_string_value(json_object_get(object, "registered_by"));
	if (kind == NULL || strcmp(kind, "refusal") != 0 || by == NULL ||
	    strcmp(by, sender->id) != 0) {
		snprintf(err, errcap, "refusal.notice: not a refusal registered by '%s'", sender->id);
		return WN_ECONSENT;
	}
	int rc = consentdoc_version(object, version);
	json_t *ref = rc == 0 ? json_pack("{s:O,s:s}", "id", json_object_get(object, "id"),
					  "version", version) : NULL;
	if (ref == NULL) {
		snprintf(err, errcap, "refusal.notice: the refusal cannot be read");
		return WN_ECONSENT;
	}
	rc = consentdoc_verify_refusal(object, ref, sender->cert, err, errcap);
	json_decref(ref);
	if (rc != 0)
		return rc;
	const char *about = json_string_value(json_object_get(json_object_get(doc, "subject"),
							      "bsn"));
	if (about == NULL || strcmp(about, bsn) != 0) {
		snprintf(err, errcap, "refusal.notice: the refusal is about another person");
		return WN_ECONSENT;
	}
	size_t i;
	json_t *x;
	json_array_foreach(json_object_get(doc, "sources"), i, x)
		if (strcmp(json_string_value(x) ? json_string_value(x) : "", n->ident->id) == 0)
			return 0;
	snprintf(err, errcap, "refusal.notice: the refusal does not name '%s' as a source",
		 n->ident->id);
	return WN_EDENIED;
}

int refusal_receive(struct node *n, const json_t *env, const struct dir_peer *sender,
		    json_t **reply, char *err, size_t errcap)
{
	json_t *body = NULL;
	int stored = 0;
	if (!sender->has_seal) {
		snprintf(err, errcap, "'%s' has no published sealing key to answer to", sender->id);
		return WN_ESTATE;
	}
	if (envelope_open(env, n->ident->id, n->keys.seal_sk, &body) != 0) {
		snprintf(err, errcap, "the body sealed to '%s' is absent or cannot be opened",
			 n->ident->id);
		return WN_ESEAL;
	}
	int rc = refusal_check(n, body, sender, err, errcap);
	const json_t *object = json_object_get(body, "refusal");
	if (rc == 0 && (rc = consent_store_received(n, object, json_string_value(json_object_get(
						body, "bsn")), sender->id, &stored)) != 0)
		snprintf(err, errcap, "refusal %s %s", json_string_value(json_object_get(object, "id")),
			 rc == WN_ECONSENT ? "is kept here with other content: not taken"
					   : "cannot be kept; not acknowledged");
	if (rc == 0)
		rc = reply_ack(n, env, sender, stored ? "stored" : "kept", reply);
	if (rc == 0)
		log_emit(WN_LOG_INFO, "refusal_received",
			 json_pack("{s:O,s:s,s:b}", "refusal", json_object_get(object, "id"), "from",
				   sender->id, "new", stored));
	secret_wipe_member(body, "bsn");
	secret_wipe_consent(json_object_get(body, "refusal"));
	json_decref(body);
	return rc;
}
