/*
 * refusal.c — refusals passed on to the sources they name, and their
 * revocation after them (refusal.h).
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
#include "local.h"
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
	{ "revoked_at", SCHEMA_INT, 0, 0 },
	{ NULL, 0, 0, 0 },
};

struct refusal_queue {
	struct node *n;
	const json_t *object;
	const char *bsn;
	int64_t revoked_at; /* 0: the refusal itself */
	int queued;
};

static int refusal_queue_run(db *d, void *arg)
{
	struct refusal_queue *q = arg;
	const json_t *sources = json_object_get(json_object_get(q->object, "document"), "sources");
	json_t *x, *body = json_pack("{s:O,s:s}", "refusal", q->object, "bsn", q->bsn);
	size_t i;
	int rc = body != NULL ? 0 : WN_ENOMEM;
	if (rc == 0 && q->revoked_at > 0)
		json_object_set_new(body, "revoked_at", json_integer(q->revoked_at));
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
			   int64_t revoked_at, int *queued)
{
	struct refusal_queue q = { n, object, bsn, revoked_at, 0 };
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

/* The moment a revocation names (0 for a refusal passed on): after its
 * refusal was registered, and not yet to come. */
static int refusal_revoked_at(struct node *n, const json_t *body, int64_t *at, char *err,
			      size_t errcap)
{
	const json_t *v = json_object_get(body, "revoked_at");
	int64_t registered = (int64_t)json_integer_value(json_object_get(
		json_object_get(body, "refusal"), "registered_at"));
	*at = v != NULL ? (int64_t)json_integer_value(v) : 0;
	if (v == NULL)
		return 0;
	if (*at <= 0 || *at < registered || *at > time_now_ms() + atomic_load(&n->skew_ms)) {
		snprintf(err, errcap, "refusal.notice: field 'revoked_at' is not a moment between "
			 "the refusal's registration and now");
		return WN_ESCHEMA;
	}
	return 0;
}

int refusal_receive(struct node *n, const json_t *env, const struct dir_peer *sender,
		    json_t **reply, char *err, size_t errcap)
{
	json_t *body = NULL;
	int changed = 0;
	int64_t revoked_at = 0;
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
	const char *id = json_string_value(json_object_get(object, "id"));
	if (rc == 0)
		rc = refusal_revoked_at(n, body, &revoked_at, err, errcap);
	if (rc == 0 && (rc = consent_store_received(n, object, json_string_value(json_object_get(
						body, "bsn")), sender->id, revoked_at, &changed)) != 0)
		snprintf(err, errcap, "refusal %s %s", id,
			 rc != WN_ECONSENT ? "cannot be kept; not acknowledged"
			 : revoked_at ? "is kept here from another partner, about another person or "
					"with other content: not revoked"
				      : "is kept here with other content: not taken");
	if (rc == 0)
		rc = reply_ack(n, env, sender, !changed ? "kept" : revoked_at ? "revoked" : "stored",
			       reply);
	if (rc == 0)
		log_emit(WN_LOG_INFO, revoked_at ? "refusal_revocation_received" : "refusal_received",
			 json_pack("{s:s,s:s,s:b}", "refusal", id, "from", sender->id, "new",
				   changed));
	secret_wipe_member(body, "bsn");
	secret_wipe_consent(json_object_get(body, "refusal"));
	json_decref(body);
	return rc;
}

struct refusal_revocation {
	struct node *n;
	const char *id, *bsn;
	const json_t *object, *actor;
	int64_t now;
	int queued;
};

/* Marks the refusal revoked and queues, in the same transaction, its
 * revocation for the broker's registry and for each source it was passed
 * on to (those of a refusal still pending were never told). */
static int refusal_revoke_run(db *d, void *arg)
{
	struct refusal_revocation *r = arg;
	char qid[ID_HEX_LEN + 1];
	sqlite3_stmt *st = NULL;
	int rc = db_prepare(d, "SELECT status FROM consents WHERE id = ? AND kind = 'refusal' AND"
			       " received_from IS NULL AND status IN ('pending', 'refused')", &st);
	if (rc != 0)
		return rc;
	sqlite3_bind_text(st, 1, r->id, -1, SQLITE_STATIC);
	int s = sqlite3_step(st);
	rc = s == SQLITE_ROW ? 0 : s == SQLITE_DONE ? WN_ECONSENT : WN_EDB;
	int passed = rc == 0 && strcmp((const char *)sqlite3_column_text(st, 0), "refused") == 0;
	sqlite3_finalize(st);
	if (rc == 0 && (rc = db_prepare(d, "UPDATE consents SET status = 'revoked', revoked_at = ?"
					   " WHERE id = ?", &st)) == 0) {
		sqlite3_bind_int64(st, 1, r->now);
		sqlite3_bind_text(st, 2, r->id, -1, SQLITE_STATIC);
		rc = sqlite3_step(st) == SQLITE_DONE ? 0 : WN_EDB;
		sqlite3_finalize(st);
	}
	json_t *body = rc == 0 ? json_pack("{s:s,s:O,s:I}", "consent", r->id, "actor", r->actor,
					   "revoked_at", (json_int_t)r->now) : NULL;
	if (rc == 0 && (rc = body != NULL ? id_generate(qid) : WN_ENOMEM) == 0)
		rc = outbox_put_locked(d, r->n, "consent.revoke", qid, NULL, body);
	json_decref(body);
	if (rc == 0 && passed)
		rc = refusal_forward_locked(d, r->n, r->object, r->bsn, r->now, &r->queued);
	return rc;
}

json_t *refusal_revoke(struct node *n, const char *id, const char *status, const json_t *object,
		       const json_t *actor)
{
	char err[300];
	const char *by = json_string_value(json_object_get(object, "registered_by"));
	if (by == NULL || strcmp(by, n->ident->id) != 0) {
		snprintf(err, sizeof(err), "refusal %s was registered by '%.64s' and passed on to "
			 "this node: the client revokes it there", id, by ? by : "?");
		return local_error(WN_EDENIED, err);
	}
	if (strcmp(status, "refused") != 0 && strcmp(status, "pending") != 0) {
		snprintf(err, sizeof(err), "refusal %s is %s already", id, status);
		return local_error(WN_ECONSENT, err);
	}
	struct refusal_revocation r = { n, id, json_string_value(json_object_get(json_object_get(
			json_object_get(object, "document"), "subject"), "bsn")), object, actor,
					time_now_ms(), 0 };
	int rc = r.bsn != NULL ? db_writer_run(n->writer, refusal_revoke_run, &r) : WN_ECONSENT;
	if (rc != 0) {
		snprintf(err, sizeof(err), "refusal %s could not be marked revoked here: it stands "
			 "as it was; try again", id);
		return local_error(rc, err);
	}
	outbox_kick(n);
	log_emit(WN_LOG_INFO, "consent_refusal_revoked",
		 json_pack("{s:s,s:i}", "consent", id, "passed_on", r.queued));
	return json_pack("{s:b,s:{s:s,s:s,s:s,s:I,s:i,s:s}}", "ok", 1, "result", "consent", id,
			 "kind", "refusal", "status", "revoked", "revoked_at", (json_int_t)r.now,
			 "passed_on", r.queued, "broker", "queued");
}
