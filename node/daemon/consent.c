/*
 * consent.c — the node's consent store and its local API: register a
 * consent or a refusal (checked, signed by this node, stored encrypted,
 * registered at the broker), revoke one (at the broker first), list them.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "wijknet.h"
#include "bsn.h"
#include "canon.h"
#include "consent.h"
#include "refusal.h"
#include "consentproof.h"
#include "consentset.h"
#include "context.h"
#include "date.h"
#include "disclog.h"
#include "encoding.h"
#include "envelope.h"
#include "ids.h"
#include "local.h"
#include "log.h"
#include "notice.h"
#include "schema.h"
#include "secevent.h"
#include "secret.h"
#include "store.h"
#include "vocab.h"

static const char CONSENT_AAD[] = "wijknet-consent-at-rest-v1";
#define CONSENT_OBJECT_MAX (64 * 1024)

static const struct schema_field consent_rq_fields[] = {
	{ "op", SCHEMA_STRING, 1, 32 },
	{ "document", SCHEMA_OBJECT, 0, 0 },
	{ "consent", SCHEMA_STRING, 0, 32 },
	{ "bsn", SCHEMA_STRING, 0, 16 },
	{ "actor", SCHEMA_OBJECT, 0, 0 },
	{ NULL, 0, 0, 0 },
};

struct consent_row {
	const char *id, *version, *kind, *status, *valid_from, *valid_until;
	const char *actor_id, *actor_role;
	uint8_t index[STORE_INDEX_LEN];
	uint8_t *enc;
	size_t enclen;
	int64_t now;
};

static int consent_insert(db *d, void *arg)
{
	const struct consent_row *r = arg;
	sqlite3_stmt *st = NULL;
	int rc = db_prepare(d, "INSERT INTO consents(id, version, kind, subject_index, status,"
			       " valid_from, valid_until, registered_at, actor_id, actor_role,"
			       " object_enc) VALUES (?,?,?,?,?,?,?,?,?,?,?)", &st);
	if (rc != 0)
		return rc;
	sqlite3_bind_text(st, 1, r->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, r->version, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, r->kind, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 4, r->index, STORE_INDEX_LEN, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, r->status, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, r->valid_from, -1, SQLITE_STATIC);
	if (r->valid_until)
		sqlite3_bind_text(st, 7, r->valid_until, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 8, r->now);
	sqlite3_bind_text(st, 9, r->actor_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 10, r->actor_role, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 11, r->enc, (int)r->enclen, SQLITE_STATIC);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : WN_EDB;
	sqlite3_finalize(st);
	return rc;
}

struct consent_status_change {
	const char *id, *status;
	int64_t revoked_at; /* 0: leave as is */
	int drop;           /* delete the row (a registration the broker refused) */
};

static int consent_update(db *d, void *arg)
{
	const struct consent_status_change *c = arg;
	sqlite3_stmt *st = NULL;
	int rc = db_prepare(d, c->drop ? "DELETE FROM consents WHERE id = ?1"
				       : "UPDATE consents SET status = ?2, revoked_at ="
					 " COALESCE(NULLIF(?3, 0), revoked_at) WHERE id = ?1",
			    &st);
	if (rc != 0)
		return rc;
	sqlite3_bind_text(st, 1, c->id, -1, SQLITE_STATIC);
	if (!c->drop) {
		sqlite3_bind_text(st, 2, c->status, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, c->revoked_at);
	}
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : WN_EDB;
	sqlite3_finalize(st);
	return rc;
}

/* Sends a consent message to the broker; err gets the broker's refusal. */
static int consent_tell_broker(struct node *n, const char *type, const json_t *actor,
			       json_t *body, char *err, size_t errcap)
{
	json_t *env = NULL, *reply = NULL;
	int rc = envelope_new1(&env, type, n->ident->id, n->broker_id);
	if (rc != 0) {
		json_decref(body);
		return rc;
	}
	json_object_set_new(env, "body", body);
	json_object_set(env, "actor", (json_t *)actor);
	rc = node_call_broker(n, env, n->call_timeout_ms, &reply, err, errcap);
	json_decref(env);
	json_decref(reply);
	return rc;
}

/* A registration the broker took, marked so here; a refusal queued in the
 * same transaction for the sources it names (refusal.c). */
struct consent_mark {
	struct consent_status_change ch;
	struct node *n;
	const json_t *refusal; /* or NULL */
	const char *bsn;
	const json_t *actor;
	int passed;
	int revoked; /* revoked here while the broker registered it */
};

/* Revoked while its registration was on its way: the revocation stands, the
 * broker is told it in the outbox (it registered the consent after all) and a
 * refusal is passed on to no source. */
static int consent_mark_revoked_meanwhile(db *d, struct consent_mark *m)
{
	char qid[ID_HEX_LEN + 1];
	json_t *body = json_pack("{s:s,s:O,s:I}", "consent", m->ch.id, "actor", m->actor,
				 "revoked_at", (json_int_t)time_now_ms());
	int rc = body != NULL ? id_generate(qid) : WN_ENOMEM;
	if (rc == 0)
		rc = outbox_put_locked(d, m->n, "consent.revoke", qid, NULL, body);
	json_decref(body);
	m->revoked = rc == 0;
	return rc;
}

static int consent_mark_run(db *d, void *arg)
{
	struct consent_mark *m = arg;
	sqlite3_stmt *st = NULL;
	int rc = db_prepare(d, "UPDATE consents SET status = ?2 WHERE id = ?1 AND status = 'pending'",
			    &st);
	if (rc != 0)
		return rc;
	sqlite3_bind_text(st, 1, m->ch.id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, m->ch.status, -1, SQLITE_STATIC);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : WN_EDB;
	sqlite3_finalize(st);
	if (rc == 0 && sqlite3_changes(db_handle(d)) == 0)
		return consent_mark_revoked_meanwhile(d, m);
	if (rc == 0 && m->refusal != NULL)
		rc = refusal_forward_locked(d, m->n, m->refusal, m->bsn, 0, &m->passed);
	return rc;
}

/* consent.register and consent.refuse */
static int consent_read(struct node *n, const char *id, char status[16], json_t **object);
static int consent_read_locked(db *d, struct node *n, const char *id, char status[16],
			       json_t **object);

/* The first column of every row st yields, as strings, into ids. */
static int consent_ids_collect(sqlite3_stmt *st, json_t *ids)
{
	int s;
	while ((s = sqlite3_step(st)) == SQLITE_ROW)
		json_array_append_new(ids, json_string((const char *)sqlite3_column_text(st, 0)));
	return s == SQLITE_DONE ? 0 : WN_EDB;
}

/* The ids sql (?1 the person's pseudonym, ?2 after) selects for the person
 * of index. *ids: json_decref. */
static int consent_ids_by_index(struct node *n, const uint8_t index[STORE_INDEX_LEN],
				const char *sql, int64_t after, json_t **ids)
{
	sqlite3_stmt *st = NULL;
	int rc;
	if ((*ids = json_array()) == NULL)
		return WN_ENOMEM;
	db_lock(n->db);
	if ((rc = db_prepare(n->db, sql, &st)) == 0) {
		sqlite3_bind_blob(st, 1, index, STORE_INDEX_LEN, SQLITE_TRANSIENT);
		if (sqlite3_bind_parameter_count(st) >= 2)
			sqlite3_bind_int64(st, 2, after);
		rc = consent_ids_collect(st, *ids);
	}
	sqlite3_finalize(st);
	db_unlock(n->db);
	return rc;
}

/* The ids sql selects for the person of bsn (consent_ids_by_index). */
static int consent_ids_by_person(struct node *n, const char *bsn, const char *sql, int64_t after,
				 json_t **ids)
{
	uint8_t index[STORE_INDEX_LEN];
	int rc = store_subject_index(&n->keys, bsn, index);
	if (rc == 0)
		rc = consent_ids_by_index(n, index, sql, after, ids);
	else
		*ids = NULL;
	OPENSSL_cleanse(index, sizeof(index));
	return rc;
}

/* The ids of the documents this node holds for a person that were not
 * revoked, newest first. *ids: json_decref. */
static int consent_ids_of(struct node *n, const char *bsn, json_t **ids)
{
	return consent_ids_by_person(n, bsn, "SELECT id FROM consents WHERE subject_index = ?1 AND"
				     " status != 'revoked' ORDER BY registered_at DESC LIMIT 1000",
				     0, ids);
}

/* The signers are checked against the person's age (Heerlen Bijlage 8), so
 * a document may not give the person another birth date than the ones this
 * node holds and did not revoke: a child cannot be made an adult on paper. */
static int consent_check_birth_date(struct node *n, const json_t *doc, char *err, size_t errcap)
{
	const json_t *subject = json_object_get(doc, "subject");
	const char *bsn = json_string_value(json_object_get(subject, "bsn"));
	const char *birth = json_string_value(json_object_get(subject, "birth_date"));
	json_t *ids = NULL, *x;
	size_t i;
	int rc = consent_ids_of(n, bsn, &ids);
	json_array_foreach(ids, i, x) {
		char status[16];
		json_t *object = NULL;
		/* a document that cannot be read is no proof of the date: refused */
		if (rc != 0 || (rc = consent_read(n, json_string_value(x), status, &object)) != 0)
			break;
		const char *held = json_string_value(json_object_get(
			json_object_get(json_object_get(object, "document"), "subject"), "birth_date"));
		if (held != NULL && birth != NULL && strcmp(held, birth) != 0) {
			snprintf(err, errcap, "field 'subject.birth_date' differs from the birth date "
				 "in %s %s that this node holds for the person: the signers are "
				 "checked against the person's age (Heerlen Bijlage 8). If the earlier "
				 "document is wrong, revoke it first", strcmp(status, "refused") == 0
				 ? "refusal" : "consent", json_string_value(x));
			rc = WN_ECONSENT;
		}
		secret_wipe_consent(object);
		json_decref(object);
	}
	json_decref(ids);
	return rc;
}

int consent_birth_date(struct node *n, const uint8_t index[STORE_INDEX_LEN],
		       char out[DATE_LEN + 1])
{
	json_t *ids = NULL, *x;
	size_t i;
	int rc = consent_ids_by_index(n, index, "SELECT id FROM consents WHERE subject_index = ?1"
				      " AND status != 'revoked' ORDER BY registered_at DESC"
				      " LIMIT 1000", 0, &ids);
	out[0] = '\0';
	json_array_foreach(ids, i, x) {
		char status[16];
		json_t *object = NULL;
		if (rc != 0 || (rc = consent_read(n, json_string_value(x), status, &object)) != 0)
			break;
		const char *birth = json_string_value(json_object_get(
			json_object_get(json_object_get(object, "document"), "subject"), "birth_date"));
		int differs = date_valid(birth) && out[0] != '\0' && strcmp(out, birth) != 0;
		if (!date_valid(birth))
			rc = WN_EDB; /* a document registered here always has one */
		else if (out[0] == '\0')
			memcpy(out, birth, DATE_LEN + 1);
		secret_wipe_consent(object);
		json_decref(object);
		if (differs) { /* the documents disagree: no age to go by */
			OPENSSL_cleanse(out, DATE_LEN + 1);
			out[0] = '\0';
			break;
		}
	}
	json_decref(ids);
	if (rc != 0) {
		OPENSSL_cleanse(out, DATE_LEN + 1);
		out[0] = '\0';
	}
	return rc;
}

/* The active consents a refusal just registered limits (Heerlen 8.2): the
 * ones this node holds for the person, given before it, of which it names
 * something. *limits: [{consent, whole}], json_decref. */
static int consent_limited_by(struct node *n, const json_t *refusal, json_t **limits)
{
	const json_t *doc = json_object_get(refusal, "document");
	json_t *ids = NULL, *x;
	size_t i;
	int rc = consent_ids_of(n, json_string_value(json_object_get(json_object_get(doc, "subject"),
								     "bsn")),
				&ids);
	*limits = json_array();
	if (rc == 0 && *limits == NULL)
		rc = WN_ENOMEM;
	json_array_foreach(ids, i, x) {
		char status[16];
		json_t *object = NULL;
		if (rc != 0 || (rc = consent_read(n, json_string_value(x), status, &object)) != 0)
			break;
		int k = strcmp(status, "active") == 0 &&
				strcmp(json_string_value(json_object_get(object, "kind")), "consent") == 0 &&
				json_integer_value(json_object_get(object, "registered_at")) <=
					json_integer_value(json_object_get(refusal, "registered_at"))
			? consentdoc_limits(doc, json_object_get(object, "document"))
			: 0;
		if (k != 0)
			json_array_append_new(*limits, json_pack("{s:O,s:b}", "consent", x, "whole",
								 k == 2));
		secret_wipe_consent(object);
		json_decref(object);
	}
	json_decref(ids);
	return rc;
}

/* The registrations waiting for the broker's answer now: a pending row of
 * one is being registered, not kept after a failure, and the same document
 * given meanwhile is answered as busy rather than registered twice. Each
 * waits in the local API worker that took it, so with a place per worker
 * the table is never full: no caller can crowd the others out of it. */
#define CONSENT_IN_FLIGHT_MAX NODE_WORKERS_MAX
static pthread_mutex_t in_flight_lock = PTHREAD_MUTEX_INITIALIZER;
static char in_flight[CONSENT_IN_FLIGHT_MAX][ID_HEX_LEN + 1];

/* Index of id among those in flight, or -1. Called with in_flight_lock. */
static int consent_in_flight_at(const char *id)
{
	for (int i = 0; i < CONSENT_IN_FLIGHT_MAX; i++)
		if (strcmp(in_flight[i], id) == 0)
			return i;
	return -1;
}

static int consent_in_flight(const char *id)
{
	pthread_mutex_lock(&in_flight_lock);
	int at = consent_in_flight_at(id);
	pthread_mutex_unlock(&in_flight_lock);
	return at >= 0;
}

/* 0, or WN_ELIMIT when as many registrations as there are places wait. */
static int consent_in_flight_add(const char *id)
{
	pthread_mutex_lock(&in_flight_lock);
	int at = consent_in_flight_at("");
	if (at >= 0)
		snprintf(in_flight[at], sizeof(in_flight[at]), "%s", id);
	pthread_mutex_unlock(&in_flight_lock);
	return at >= 0 ? 0 : WN_ELIMIT;
}

static void consent_in_flight_remove(const char *id)
{
	pthread_mutex_lock(&in_flight_lock);
	int at = id[0] != '\0' ? consent_in_flight_at(id) : -1;
	if (at >= 0)
		in_flight[at][0] = '\0';
	pthread_mutex_unlock(&in_flight_lock);
}

/* A registration to store, and the document it is made from. */
struct consent_new {
	struct node *n;
	struct consent_row *row;
	const json_t *doc;
	char before[ID_HEX_LEN + 1]; /* the registration of it made before, or "" */
	char before_version[CONSENT_VERSION_LEN + 1];
	char before_status[16];
	int busy;     /* the same document is being registered now */
	int unlogged; /* it was registered before, but presenting it again is not logged */
};

/* The registration this node made before of the same document as the same
 * kind that still stands as it was (the file given again is that one). One
 * kept pending (the broker did not answer), one revoked, and one followed by
 * a document of the other kind registered here for the person are not: the
 * client gave it anew, and a consent given after a refusal is not limited by
 * it (H 8.2). A refusal another node passed on was not given here: the old
 * consent presented again stays the old one, limited by it. */
static int consent_registered_before(db *d, struct consent_new *x)
{
	sqlite3_stmt *st = NULL;
	json_t *ids = json_array(), *id;
	size_t i;
	int rc = ids == NULL ? WN_ENOMEM
		 : db_prepare(d, "SELECT id FROM consents c WHERE subject_index = ?1 AND kind = ?2"
				 " AND received_from IS NULL AND status IN ('active', 'refused', 'pending')"
				 " AND NOT EXISTS (SELECT 1 FROM consents o WHERE o.subject_index"
				 " = ?1 AND o.kind != ?2 AND o.received_from IS NULL AND"
				 " o.registered_at > c.registered_at)"
				 " ORDER BY registered_at LIMIT 1000", &st);
	if (rc == 0) {
		sqlite3_bind_blob(st, 1, x->row->index, STORE_INDEX_LEN, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, x->row->kind, -1, SQLITE_STATIC);
		rc = consent_ids_collect(st, ids);
	}
	sqlite3_finalize(st);
	json_array_foreach(ids, i, id) {
		json_t *object = NULL;
		char status[16];
		/* a document that cannot be read is not known to differ: refused */
		if (rc != 0 || (rc = consent_read_locked(d, x->n, json_string_value(id), status,
							 &object)) != 0)
			break;
		int same = json_equal(json_object_get(object, "document"), x->doc);
		/* one kept pending after the broker failed is given anew; one
		 * waiting for the broker's answer now is not given twice */
		if (same && strcmp(status, "pending") == 0) {
			x->busy |= consent_in_flight(json_string_value(id));
			same = 0;
		}
		if (same && (rc = consentdoc_version(object, x->before_version)) == 0) {
			snprintf(x->before, sizeof(x->before), "%s", json_string_value(id));
			memcpy(x->before_status, status, sizeof(status));
		}
		secret_wipe_consent(object);
		json_decref(object);
		if (same)
			break;
	}
	json_decref(ids);
	return rc;
}

/* A document registered before, presented again: the ledger names the
 * professional who did (G-P 3.6), by the person's pseudonym, never the BSN. */
static int consent_presented_again_log(struct consent_new *x)
{
	char idx[2 * STORE_INDEX_LEN + 1];
	int64_t lidx = 0;
	hex_encode(x->row->index, STORE_INDEX_LEN, idx);
	json_t *e = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "consent", x->before, "kind",
			      x->row->kind, "version", x->before_version, "status",
			      x->before_status, "by", x->row->actor_id, "by_role",
			      x->row->actor_role, "subject_index", idx);
	int rc = e ? ledger_append_locked(x->n->ledger, "consent.presented_again", x->before, e,
					  &lidx)
		   : WN_ENOMEM;
	json_decref(e);
	x->unlogged = rc != 0;
	return rc;
}

/* Stores a new registration, in the transaction that finds none made before
 * of the same document and none waiting for the broker, so that two at
 * once make one; one made before is answered only once its presenting
 * again is in the ledger. */
static int consent_insert_new(db *d, void *arg)
{
	struct consent_new *x = arg;
	int rc = consent_registered_before(d, x);
	if (rc == 0 && x->before[0] != '\0')
		return consent_presented_again_log(x);
	if (rc != 0 || x->busy)
		return rc;
	/* in flight from the transaction that stores it: the next one sees both */
	if ((rc = consent_in_flight_add(x->row->id)) == 0 &&
	    (rc = consent_insert(d, x->row)) != 0)
		consent_in_flight_remove(x->row->id);
	return rc;
}

/* The answer to a document registered here before: that registration, with
 * nothing registered at the broker or passed on to a source again. */
static json_t *consent_registered_answer(const struct consent_new *x, int refusal)
{
	log_emit(WN_LOG_INFO, "consent_registered_before",
		 json_pack("{s:s,s:s,s:s,s:s}", "consent", x->before, "kind",
			   refusal ? "refusal" : "consent", "status", x->before_status, "actor",
			   x->row->actor_id));
	return json_pack("{s:b,s:{s:s,s:s,s:s,s:b}}", "ok", 1, "result", "consent", x->before,
			 "version", x->before_version, "status", x->before_status,
			 "registered_before", 1);
}

/* Why storing a registration, or logging one presented again, failed: the
 * error to answer with, its message in err. */
static int consent_store_failed(const struct consent_new *x, int rc, char *err, size_t errcap)
{
	if (!x->unlogged) {
		snprintf(err, errcap, "the consent could not be stored; nothing was registered");
		return rc;
	}
	log_msg(WN_LOG_ERROR, "consent_presented_again_unlogged", "%s %s was presented again, "
		"but the ledger entry naming who did cannot be written: %s", x->row->kind,
		x->before, wn_strerror(rc));
	snprintf(err, errcap, "%s %s was registered from this document before, but presenting it "
		 "again cannot be logged; it is not answered", x->row->kind, x->before);
	return WN_EDB;
}

static json_t *consent_register(struct node *n, json_t *rq, int refusal)
{
	char err[512] = "", today[DATE_LEN + 1], id[33], version[CONSENT_VERSION_LEN + 1];
	json_t *doc = json_object_get(rq, "document"), *actor = json_object_get(rq, "actor");
	json_t *object = NULL, *result = NULL;
	char *canon = NULL;
	const char *in_flight_id = NULL; /* this registration's, while it waits */
	size_t clen = 0;
	struct consent_row row;
	memset(&row, 0, sizeof(row));
	int rc = local_check_actor(actor, err, sizeof(err));
	if (rc != 0)
		return local_error(rc, err);
	if (doc == NULL)
		return local_error(WN_EINVAL, "field 'document': the signed declaration (JSON)");
	date_today_plus(0, today);
	/* the partners it names must exist: a typo would make it useless */
	struct directory *d = node_directory(n);
	if (d == NULL)
		return local_error(WN_ESTATE, "no verified directory yet: is the broker reachable?");
	if ((rc = consentdoc_check(doc, refusal, today, d->max_consent_days, err, sizeof(err))) != 0) {
		directory_release(d);
		return local_error(rc, err);
	}
	static const char *const lists[] = { "recipients", "sources" };
	for (size_t l = 0; l < 2 && rc == 0; l++) {
		size_t i;
		json_t *x;
		json_array_foreach(json_object_get(doc, lists[l]), i, x) {
			if (directory_find(d, json_string_value(x)) == NULL) {
				snprintf(err, sizeof(err), "field '%s': '%s' is not a partner in the "
					 "directory", lists[l], json_string_value(x));
				rc = WN_EUNKNOWN_PARTNER;
				break;
			}
		}
	}
	directory_release(d);
	if (rc == 0)
		rc = consent_check_birth_date(n, doc, err, sizeof(err));
	if (rc != 0)
		return local_error(rc, err);
	const char *bsn = json_string_value(json_object_get(json_object_get(doc, "subject"), "bsn"));
	const char *signed_on = json_string_value(json_object_get(doc, "signed_on"));
	const char *until = json_string_value(json_object_get(doc, "valid_until"));
	if ((rc = consentdoc_make(doc, refusal, n->ident->id, n->ident->key, &object, id,
				  version)) != 0 ||
	    (rc = canon_dump(object, &canon, &clen)) != 0)
		goto fail;
	if (clen > CONSENT_OBJECT_MAX) {
		snprintf(err, sizeof(err), "the consent document is larger than %d bytes",
			 CONSENT_OBJECT_MAX);
		rc = WN_ETOOBIG;
		goto fail;
	}
	row.enclen = clen + KEYS_SEAL_OVERHEAD;
	if ((row.enc = malloc(row.enclen)) == NULL) {
		rc = WN_ENOMEM;
		goto fail;
	}
	if ((rc = keys_seal(&n->keys, CONSENT_AAD, canon, clen, row.enc)) != 0 ||
	    (rc = store_subject_index(&n->keys, bsn, row.index)) != 0)
		goto fail;
	row.id = id;
	row.version = version;
	row.kind = refusal ? "refusal" : "consent";
	row.status = "pending";
	row.valid_from = signed_on;
	row.valid_until = refusal ? NULL : until;
	row.actor_id = json_string_value(json_object_get(actor, "id"));
	row.actor_role = json_string_value(json_object_get(actor, "role"));
	row.now = time_now_ms();
	/* kept here first (unusable while pending), then registered at the broker */
	struct consent_new fresh = { n, &row, doc, "", "", "", 0, 0 };
	if ((rc = db_writer_run(n->writer, consent_insert_new, &fresh)) != 0) {
		consent_in_flight_remove(id); /* the commit failed: nothing waits */
		rc = consent_store_failed(&fresh, rc, err, sizeof(err));
		goto fail;
	}
	if (fresh.before[0] != '\0') {
		result = consent_registered_answer(&fresh, refusal);
		goto out;
	}
	if (fresh.busy) {
		snprintf(err, sizeof(err), "the same document is being registered now; its answer "
			 "says how it went (consent list shows it)");
		rc = WN_ESTATE;
		goto fail;
	}
	in_flight_id = id;
	const char *status = refusal ? "refused" : "active";
	json_t *body = json_pack("{s:s,s:s,s:s,s:s,s:s}", "consent", id, "version", version,
				 "status", status, "valid_from", signed_on, "valid_until",
				 refusal ? signed_on : until);
	if ((rc = consent_tell_broker(n, "consent.register", actor, body, err, sizeof(err))) != 0) {
		if (rc == WN_ETIMEOUT || rc == WN_EUNAVAILABLE || rc == WN_ETRANSPORT) {
			/* the broker may have registered it: keep it (unusable) so that
			 * it can still be revoked */
			char why[200];
			snprintf(why, sizeof(why), "%.199s", err);
			snprintf(err, sizeof(err), "%s; consent %s is kept here as pending and is not "
				 "usable: revoke it if it must not stay registered, or register the "
				 "document again", why, id);
		} else {
			struct consent_status_change drop = { id, NULL, 0, 1 };
			db_writer_run(n->writer, consent_update, &drop);
		}
		goto fail;
	}
	struct consent_mark mark = { { id, status, 0, 0 }, n, refusal ? object : NULL, bsn, actor,
				     0, 0 };
	if ((rc = db_writer_run(n->writer, consent_mark_run, &mark)) != 0) {
		snprintf(err, sizeof(err), "consent %s is registered at the broker but could not be "
			 "marked %s here; it stays unusable from this node", id, status);
		goto fail;
	}
	if (mark.revoked) {
		outbox_kick(n);
		snprintf(err, sizeof(err), "consent %s was revoked here while the broker registered "
			 "it: it stays revoked, and the broker is told so", id);
		rc = WN_ECONSENT;
		goto fail;
	}
	int passed = mark.passed;
	if (passed > 0)
		outbox_kick(n);
	/* the consents it limits, from now on: said to the professional who took it */
	json_t *limits = NULL, *ev = json_pack("{s:s,s:s}", "consent", id, "version", version);
	if (refusal && consent_limited_by(n, object, &limits) != 0) {
		log_msg(WN_LOG_ERROR, "consent_refusal_limits", "refusal %s is registered, but the "
			"consents it limits could not be listed; requests on them are still checked "
			"against it", id);
		json_decref(limits);
		limits = NULL;
	}
	if (limits != NULL && ev != NULL)
		json_object_set_new(ev, "limits", json_integer((json_int_t)json_array_size(limits)));
	if (refusal && ev != NULL)
		json_object_set_new(ev, "passed_on", json_integer(passed));
	log_emit(WN_LOG_INFO, refusal ? "consent_refusal_registered" : "consent_registered", ev);
	result = json_pack("{s:b,s:{s:s,s:s,s:s}}", "ok", 1, "result", "consent", id, "version",
			   version, "status", status);
	if (refusal && result != NULL)
		json_object_set_new(json_object_get(result, "result"), "passed_on",
				    json_integer(passed));
	if (limits != NULL && result != NULL)
		json_object_set_new(json_object_get(result, "result"), "limits", limits);
	else
		json_decref(limits);
	goto out;
fail:
	result = local_error(rc, err);
out:
	if (in_flight_id != NULL)
		consent_in_flight_remove(in_flight_id);
	if (canon != NULL)
		OPENSSL_cleanse(canon, clen);
	free(canon);
	free(row.enc);
	OPENSSL_cleanse(row.index, sizeof(row.index));
	json_decref(object);
	return result;
}

/* consent_read with d already locked (inside a writer transaction). */
static int consent_read_locked(db *d, struct node *n, const char *id, char status[16],
			       json_t **object)
{
	sqlite3_stmt *st = NULL;
	uint8_t *plain = NULL;
	size_t plen = 0;
	int rc;
	if ((rc = db_prepare(d, "SELECT status, object_enc FROM consents WHERE id = ?", &st)) != 0)
		goto out;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
	int s = sqlite3_step(st);
	if (s != SQLITE_ROW) {
		rc = s == SQLITE_DONE ? WN_ENOTFOUND : WN_EDB;
		goto out;
	}
	snprintf(status, 16, "%s", (const char *)sqlite3_column_text(st, 0));
	if (object != NULL) {
		const uint8_t *enc = sqlite3_column_blob(st, 1);
		size_t elen = (size_t)sqlite3_column_bytes(st, 1);
		if (elen < KEYS_SEAL_OVERHEAD || (plain = malloc(elen)) == NULL) {
			rc = elen < KEYS_SEAL_OVERHEAD ? WN_ECRYPTO : WN_ENOMEM;
			goto out;
		}
		plen = elen - KEYS_SEAL_OVERHEAD;
		if ((rc = keys_open(&n->keys, CONSENT_AAD, enc, elen, plain)) != 0)
			goto out;
		json_error_t jerr;
		*object = json_loadb((const char *)plain, plen, JSON_REJECT_DUPLICATES, &jerr);
		rc = *object ? 0 : WN_EDB;
	}
out:
	sqlite3_finalize(st);
	if (plain != NULL)
		OPENSSL_cleanse(plain, plen);
	free(plain);
	return rc;
}

/* Reads a consent row: status and the decrypted object (may be NULL). */
static int consent_read(struct node *n, const char *id, char status[16], json_t **object)
{
	db_lock(n->db);
	int rc = consent_read_locked(n->db, n, id, status, object);
	db_unlock(n->db);
	return rc;
}

/* consent_read of an object this node sends to a source: one it signed
 * with a key replaced since is signed with its key now, which the source
 * finds in the directory. */
static int consent_read_own(struct node *n, const char *id, char status[16], json_t **object)
{
	int again = 0, rc = consent_read(n, id, status, object);
	if (rc == 0 && (rc = consentdoc_sign_again(*object, n->ident->id, n->ident->cert,
						   n->ident->key, &again)) != 0) {
		secret_wipe_consent(*object);
		json_decref(*object);
		*object = NULL;
	}
	if (again)
		log_msg(WN_LOG_INFO, "consent_signed_again", "%s %s was signed with a key replaced "
			"since: signed with this node's key now", id, status);
	return rc;
}

int consent_load(struct node *n, const char *id, json_t **object, char *err, size_t errcap)
{
	char status[16];
	if (id_validate(id) != 0) {
		snprintf(err, errcap, "a consent id is 32 lowercase hex digits");
		return WN_ECONSENT;
	}
	int rc = consent_read(n, id, status, NULL);
	if (rc == WN_ENOTFOUND) {
		snprintf(err, errcap, "consent %s is not held by this node: a request on consent is "
			 "made by the partner that registered it", id);
		return WN_ECONSENT;
	}
	if (rc != 0)
		return rc;
	if (strcmp(status, "active") != 0) {
		snprintf(err, errcap, "consent %s is %s", id,
			 strcmp(status, "refused") == 0 ? "a recorded refusal, not a consent"
			 : strcmp(status, "pending") == 0 ? "not registered at the broker"
							  : status);
		return WN_ECONSENT;
	}
	return consent_read_own(n, id, status, object);
}

/* The refusals this node holds for a consent's person that were registered
 * after it (revoked ones aside). *ids: json_decref. */
static int consent_refusal_ids(struct node *n, const char *id, json_t **ids)
{
	sqlite3_stmt *st = NULL;
	int rc;
	*ids = json_array();
	if (*ids == NULL)
		return WN_ENOMEM;
	db_lock(n->db);
	if ((rc = db_prepare(n->db, "SELECT r.id FROM consents r, consents c WHERE c.id = ?1 AND"
				    " r.subject_index = c.subject_index AND r.kind = 'refusal' AND"
				    " r.status IN ('pending', 'refused') AND r.registered_at >"
				    " c.registered_at ORDER BY r.registered_at DESC LIMIT 1000", &st)) == 0) {
		sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
		rc = consent_ids_collect(st, *ids);
	}
	sqlite3_finalize(st);
	db_unlock(n->db);
	return rc;
}

void consent_refusals_free(json_t *refusals)
{
	size_t i;
	json_t *x;
	json_array_foreach(refusals, i, x)
		secret_wipe_consent(x);
	json_decref(refusals);
}

/* The refusals this node registered for the person of bsn after a moment
 * (ms): a refusal given here limits a consent another partner holds and
 * presents. *ids: json_decref. */
static int consent_refusal_ids_of(struct node *n, const char *bsn, int64_t after, json_t **ids)
{
	return consent_ids_by_person(n, bsn, "SELECT id FROM consents WHERE subject_index = ?1 AND"
				     " kind = 'refusal' AND status IN ('pending', 'refused') AND"
				     " registered_at > ?2 ORDER BY registered_at DESC LIMIT 1000",
				     after, ids);
}

/* The signed objects of the refusals ids names into *refusals; rc carries
 * the failure of finding them (ids is taken). */
static int consent_refusals_read(struct node *n, int rc, json_t *ids, json_t **refusals)
{
	json_t *x;
	size_t i;
	*refusals = NULL;
	json_t *list = rc == 0 ? json_array() : NULL;
	if (rc == 0 && list == NULL)
		rc = WN_ENOMEM;
	json_array_foreach(ids, i, x) {
		char status[16];
		json_t *r = NULL;
		/* a refusal that cannot be read cannot be ruled out: nothing is shared */
		if (rc != 0 || (rc = consent_read_own(n, json_string_value(x), status, &r)) != 0)
			break;
		json_array_append_new(list, r);
	}
	json_decref(ids);
	if (rc != 0) {
		consent_refusals_free(list);
		return rc;
	}
	*refusals = list;
	return 0;
}

int consent_refusals_after(struct node *n, const json_t *object, json_t **refusals)
{
	json_t *ids = NULL;
	const char *id = json_string_value(json_object_get(object, "id"));
	int rc = id != NULL ? consent_refusal_ids(n, id, &ids) : WN_EINVAL;
	return consent_refusals_read(n, rc, ids, refusals);
}

/* A consent another partner holds, presented here, against the refusals the
 * person gave this node since it was registered (Heerlen 8.2): told to the
 * source, a refusal stops what it names at the source as well. */
static int consent_check_own_refusals(struct node *n, const json_t *object,
				      const struct consent_use *use, char *err, size_t errcap)
{
	json_t *ids = NULL, *refusals = NULL;
	const json_t *at = json_object_get(object, "registered_at");
	int rc = json_is_integer(at) ? consent_refusal_ids_of(n, use->bsn, json_integer_value(at),
							    &ids)
				     : WN_ECONSENT;
	if ((rc = consent_refusals_read(n, rc, ids, &refusals)) == 0)
		rc = consent_check_refusals(object, refusals, use, err, errcap);
	else if (rc == WN_ECONSENT)
		snprintf(err, errcap, "the consent names no moment of registration");
	consent_refusals_free(refusals);
	return rc;
}

int consent_check_refusals(const json_t *object, const json_t *refusals,
			   const struct consent_use *use, char *err, size_t errcap)
{
	size_t i;
	json_t *r;
	json_array_foreach(refusals, i, r) {
		const char *category = NULL;
		char on[DATE_LEN + 1];
		if (!consentdoc_withdrawn(json_object_get(r, "document"),
					  json_object_get(object, "document"), use, &category))
			continue;
		date_of_ms((int64_t)json_integer_value(json_object_get(r, "registered_at")), on);
		if (category != NULL)
			snprintf(err, errcap, "the client refused on %s (refusal %s) what consent %s "
				 "covered: category '%s' from '%s' to '%s' for '%s' is no longer "
				 "shared on it (Heerlen 8.2)",
				 on, json_string_value(json_object_get(r, "id")),
				 json_string_value(json_object_get(object, "id")), category,
				 use->source, use->requester, use->purpose);
		else
			snprintf(err, errcap, "the client refused on %s (refusal %s) all that consent %s "
				 "covered from '%s' to '%s' for '%s': it is no longer asked on it "
				 "(Heerlen 8.2)",
				 on, json_string_value(json_object_get(r, "id")),
				 json_string_value(json_object_get(object, "id")), use->source,
				 use->requester, use->purpose);
		return WN_ECONSENT;
	}
	return 0;
}

void consent_scope_into(struct node *n, json_t *rows)
{
	static const char *const keys[] = { "purposes", "recipients", "sources", "categories",
					    "special" };
	size_t i;
	json_t *row;
	json_array_foreach(rows, i, row) {
		char status[16];
		json_t *object = NULL;
		if (consent_read(n, json_string_value(json_object_get(row, "id")), status,
				 &object) != 0)
			continue;
		const json_t *doc = json_object_get(object, "document");
		for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
			if (json_is_array(json_object_get(doc, keys[k])))
				json_object_set(row, keys[k], json_object_get(doc, keys[k]));
		secret_wipe_consent(object);
		json_decref(object);
	}
}

int consent_check_emptied(struct node *n, const json_t *object, char *err, size_t errcap)
{
	json_t *refusals = NULL, *r;
	size_t i;
	int rc = consent_refusals_after(n, object, &refusals);
	json_array_foreach(rc == 0 ? refusals : NULL, i, r) {
		if (consentdoc_limits(json_object_get(r, "document"),
				      json_object_get(object, "document")) != 2)
			continue;
		char on[DATE_LEN + 1];
		date_of_ms((int64_t)json_integer_value(json_object_get(r, "registered_at")), on);
		snprintf(err, errcap, "the client refused on %s (refusal %s) all that consent %s "
			 "covered (Heerlen 8.2): nothing rests on it any more",
			 on, json_string_value(json_object_get(r, "id")),
			 json_string_value(json_object_get(object, "id")));
		rc = WN_ECONSENT;
		break;
	}
	consent_refusals_free(refusals);
	return rc;
}

int consent_covers(struct node *n, const json_t *object, const struct consent_use *use,
		   char *err, size_t errcap)
{
	json_t *refusals = NULL;
	int rc = consentdoc_covers(json_object_get(object, "document"), use, err, errcap);
	if (rc == 0 && (rc = consent_refusals_after(n, object, &refusals)) == 0)
		rc = consent_check_refusals(object, refusals, use, err, errcap);
	consent_refusals_free(refusals);
	return rc;
}

int consent_verify_presented(struct node *n, const json_t *query, const json_t *object,
			     const json_t *attest, const char *requester, const char *bsn,
			     const json_t *categories, char *err, size_t errcap)
{
	char today[DATE_LEN + 1], version[CONSENT_VERSION_LEN + 1];
	json_t *ref = NULL;
	int rc;
	if (object == NULL) {
		snprintf(err, errcap, "the consent document is not enclosed");
		return WN_ECONSENT;
	}
	const char *registrar = json_string_value(json_object_get(object, "registered_by"));
	if (registrar == NULL || strcmp(registrar, requester) != 0) {
		/* a consent is asked on by its holder alone: not by a partner that
		 * saw it enclosed in the holder's own lookup */
		snprintf(err, errcap, "the consent is held by '%.64s', not by the requester",
			 registrar ? registrar : "?");
		secevent_record(n->db, WN_ECONSENT, requester, envelope_str(query, "id"), err);
		return WN_ECONSENT;
	}
	if (attest != NULL) {
		struct directory *d = node_directory(n);
		rc = consentdoc_version(object, version);
		if (rc == 0)
			rc = consentset_verify(json_object_get(attest, "statement"),
					       json_object_get(attest, "proof"), registrar,
					       json_string_value(json_object_get(object, "id")),
					       version, d ? d->broker_cert : NULL, 2 * n->skew_ms,
					       err, errcap);
		else
			snprintf(err, errcap, "the consent document cannot be read");
		directory_release(d);
		if (rc == WN_ESIG)
			secevent_record(n->db, WN_ESIG, requester, envelope_str(query, "id"), err);
		if (rc != 0)
			return rc == WN_ESIG ? WN_ESIG : WN_ECONSENT;
		ref = json_pack("{s:O,s:s}", "id", json_object_get(object, "id"), "version", version);
	} else {
		const char *seen = json_string_value(
			json_object_get(json_object_get(query, "receipt"), "status"));
		ref = json_incref(json_object_get(query, "consent"));
		if (ref == NULL || seen == NULL || strcmp(seen, "active") != 0) {
			snprintf(err, errcap, "the broker did not attest an active consent");
			rc = WN_ECONSENT;
			goto out;
		}
	}
	struct directory *d = node_directory(n);
	struct dir_peer *reg = d && registrar ? directory_find(d, registrar) : NULL;
	int max_days = d ? d->max_consent_days : 0;
	rc = consentdoc_verify(object, ref, reg ? reg->cert : NULL, err, errcap);
	directory_release(d);
	if (rc == WN_ESIG)
		secevent_record(n->db, WN_ESIG, requester, envelope_str(query, "id"), err);
	if (rc != 0)
		goto out;
	date_today_plus(0, today);
	struct consent_use use = { bsn, envelope_str(query, "purpose"), requester, n->ident->id,
				   categories, today, max_days };
	rc = consentdoc_covers(json_object_get(object, "document"), &use, err, errcap);
	if (rc == 0)
		rc = consent_check_own_refusals(n, object, &use, err, errcap);
out:
	json_decref(ref);
	return rc;
}

/* The broker could not be asked: a failure on the way, not its answer. */
static int consent_broker_unreached(int rc)
{
	return rc == WN_ETRANSPORT || rc == WN_ETIMEOUT || rc == WN_EUNAVAILABLE ||
	       rc == WN_ESTATE || rc == WN_EDB || rc == WN_ENOMEM;
}

struct consent_revoke_queue {
	struct node *n;
	struct consent_status_change ch;
	const char *qid;
	json_t *body;
};

/* Revoked here and queued for the broker, in one transaction: the consent
 * is not used from this node on, and the broker is told once it answers. */
static int consent_revoke_queue_run(db *d, void *arg)
{
	struct consent_revoke_queue *q = arg;
	int rc = consent_update(d, &q->ch);
	if (rc == 0 && sqlite3_changes(db_handle(d)) != 1)
		rc = WN_ENOTFOUND;
	if (rc == 0)
		rc = outbox_put_locked(d, q->n, "consent.revoke", q->qid, NULL, q->body);
	return rc;
}

/* The broker out of reach: the revocation takes effect here now (only this
 * node presents the consent) and waits in the outbox for the broker. */
static json_t *consent_revoke_queued(struct node *n, const char *id, const json_t *actor,
				     const char *why)
{
	char qid[ID_HEX_LEN + 1];
	int64_t now = time_now_ms();
	struct consent_revoke_queue q = { n, { id, "revoked", now, 0 }, qid,
					  json_pack("{s:s,s:O,s:I}", "consent", id, "actor", actor,
						    "revoked_at", (json_int_t)now) };
	int rc = q.body != NULL ? id_generate(qid) : WN_ENOMEM;
	consentproof_invalidate(n);
	if (rc == 0)
		rc = db_writer_run(n->writer, consent_revoke_queue_run, &q);
	json_decref(q.body);
	if (rc != 0)
		return local_error(rc, "the broker cannot be reached and the revocation cannot be "
				   "recorded here: the consent is NOT revoked; try again");
	outbox_kick(n);
	log_emit(WN_LOG_WARN, "consent_revoke_queued",
		 json_pack("{s:s,s:s,s:s}", "consent", id, "broker", n->broker_id, "why", why));
	return json_pack("{s:b,s:{s:s,s:s,s:I,s:s}}", "ok", 1, "result", "consent", id, "status",
			 "revoked", "revoked_at", (json_int_t)now, "broker", "queued");
}

int consent_revoke_deliver(struct node *n, const json_t *body, const char **error)
{
	char err[512] = "";
	const char *id = json_string_value(json_object_get(body, "consent"));
	int rc = consent_tell_broker(n, "consent.revoke", json_object_get(body, "actor"),
				     json_pack("{s:s}", "consent", id ? id : ""), err, sizeof(err));
	/* not registered (a pending one) or no longer active: nothing left to revoke */
	if (rc == 0 || rc == WN_ENOTFOUND || rc == WN_ECONSENT) {
		*error = NULL;
		return 0;
	}
	*error = wn_errname(rc);
	log_msg(consent_broker_unreached(rc) ? WN_LOG_WARN : WN_LOG_ERROR, "consent_revoke_pending",
		"consent %s: %s", id ? id : "?", err[0] ? err : wn_strerror(rc));
	return consent_broker_unreached(rc) ? WN_ETRANSPORT : rc;
}

static json_t *consent_revoke(struct node *n, json_t *rq)
{
	char err[512] = "", status[16];
	const char *id = json_string_value(json_object_get(rq, "consent"));
	json_t *actor = json_object_get(rq, "actor");
	int rc = local_check_actor(actor, err, sizeof(err));
	if (rc != 0)
		return local_error(rc, err);
	if (id_validate(id) != 0)
		return local_error(WN_EINVAL, "field 'consent': a consent id of 32 hex digits");
	json_t *object = NULL;
	/* a refusal's revocation is passed on to its sources: signed as it is now */
	if ((rc = consent_read_own(n, id, status, &object)) == WN_ENOTFOUND) {
		snprintf(err, sizeof(err), "consent %s is not held by this node; the partner that "
			 "registered it revokes it", id);
		return local_error(WN_ENOTFOUND, err);
	}
	if (rc != 0)
		return local_error(rc, NULL);
	/* a refusal limits only what the nodes holding it check: no broker first */
	const char *kind = json_string_value(json_object_get(object, "kind"));
	int refusal = kind != NULL && strcmp(kind, "refusal") == 0;
	json_t *done = refusal ? refusal_revoke(n, id, status, object, actor) : NULL;
	secret_wipe_consent(object);
	json_decref(object);
	if (refusal)
		return done != NULL ? done : local_error(WN_ENOMEM, NULL);
	int pending = strcmp(status, "pending") == 0;
	if (strcmp(status, "active") != 0 && !pending) {
		snprintf(err, sizeof(err), "consent %s is %s, not active", id, status);
		return local_error(WN_ECONSENT, err);
	}
	/* the broker first: from its answer on, every request on it is refused
	 * (a pending one the broker never registered is simply withdrawn) */
	rc = consent_tell_broker(n, "consent.revoke", actor, json_pack("{s:s}", "consent", id), err,
				 sizeof(err));
	if (consent_broker_unreached(rc))
		return consent_revoke_queued(n, id, actor, err[0] ? err : wn_strerror(rc));
	if (rc != 0 && !(pending && rc == WN_ENOTFOUND))
		return local_error(rc, err);
	int64_t now = time_now_ms();
	struct consent_status_change ch = { id, "revoked", now, 0 };
	consentproof_invalidate(n);
	if (db_writer_run(n->writer, consent_update, &ch) != 0)
		log_msg(WN_LOG_ERROR, "consent_revoke_local", "consent %s is revoked at the broker "
			"but could not be marked here", id);
	log_emit(WN_LOG_INFO, "consent_revoked", json_pack("{s:s}", "consent", id));
	return json_pack("{s:b,s:{s:s,s:s,s:I}}", "ok", 1, "result", "consent", id, "status",
			 "revoked", "revoked_at", (json_int_t)now);
}

/* Adds to each entry of list what ties a refusal to the consents given
 * before it that it limits (Heerlen 8.2): a refusal's "limits" [{consent,
 * whole}], a consent's "limited_by" [{refusal, on, whole}]. objects: the
 * decrypted object of each entry, in the same order (null when unread). */
static void consent_list_relations(json_t *list, const json_t *objects)
{
	size_t i, j;
	json_t *r, *c;
	json_array_foreach(list, i, r) {
		const json_t *ro = json_array_get(objects, i);
		if (strcmp(json_string_value(json_object_get(r, "kind")), "refusal") != 0 ||
		    strcmp(json_string_value(json_object_get(r, "status")), "revoked") == 0 ||
		    !json_is_object(ro))
			continue;
		json_array_foreach(list, j, c) {
			const json_t *co = json_array_get(objects, j);
			if (strcmp(json_string_value(json_object_get(c, "kind")), "consent") != 0 ||
			    strcmp(json_string_value(json_object_get(c, "status")), "revoked") == 0 ||
			    !json_is_object(co) ||
			    json_integer_value(json_object_get(c, "registered_at")) >=
				    json_integer_value(json_object_get(r, "registered_at")))
				continue;
			int k = consentdoc_limits(json_object_get(ro, "document"),
						  json_object_get(co, "document"));
			if (k == 0)
				continue;
			char on[DATE_LEN + 1];
			date_of_ms(json_integer_value(json_object_get(r, "registered_at")), on);
			if (json_object_get(r, "limits") == NULL)
				json_object_set_new(r, "limits", json_array());
			if (json_object_get(c, "limited_by") == NULL)
				json_object_set_new(c, "limited_by", json_array());
			json_array_append_new(json_object_get(r, "limits"),
					      json_pack("{s:O,s:b}", "consent", json_object_get(c, "id"),
							"whole", k == 2));
			json_array_append_new(json_object_get(c, "limited_by"),
					      json_pack("{s:O,s:s,s:b}", "refusal",
							json_object_get(r, "id"), "on", on, "whole",
							k == 2));
		}
	}
}

static json_t *consent_list(struct node *n, json_t *rq)
{
	const char *bsn = json_string_value(json_object_get(rq, "bsn"));
	uint8_t index[STORE_INDEX_LEN];
	sqlite3_stmt *st = NULL;
	json_t *list = json_array();
	if (bsn != NULL && bsn_validate(bsn) != 0) {
		json_decref(list);
		return local_error(WN_EBSN, "the BSN is not valid (11-proef)");
	}
	if (bsn != NULL)
		store_subject_index(&n->keys, bsn, index);
	db_lock(n->db);
	int rc = db_prepare(n->db, "SELECT id, kind, status, valid_from, valid_until,"
				   " registered_at, revoked_at, actor_role FROM consents"
				   " WHERE ?1 IS NULL OR subject_index = ?1"
				   " ORDER BY registered_at DESC LIMIT 1000", &st);
	if (rc == 0) {
		if (bsn != NULL)
			sqlite3_bind_blob(st, 1, index, STORE_INDEX_LEN, SQLITE_TRANSIENT);
		while (sqlite3_step(st) == SQLITE_ROW) {
			json_t *e = json_pack("{s:s,s:s,s:s,s:s,s:I,s:s}", "id",
					      sqlite3_column_text(st, 0), "kind",
					      sqlite3_column_text(st, 1), "status",
					      sqlite3_column_text(st, 2), "valid_from",
					      sqlite3_column_text(st, 3), "registered_at",
					      (json_int_t)sqlite3_column_int64(st, 5), "taken_by_role",
					      sqlite3_column_text(st, 7));
			if (sqlite3_column_type(st, 4) != SQLITE_NULL)
				json_object_set_new(e, "valid_until",
						    json_string((const char *)sqlite3_column_text(st, 4)));
			if (sqlite3_column_type(st, 6) != SQLITE_NULL)
				json_object_set_new(e, "revoked_at",
						    json_integer(sqlite3_column_int64(st, 6)));
			json_array_append_new(list, e);
		}
	}
	sqlite3_finalize(st);
	db_unlock(n->db);
	OPENSSL_cleanse(index, sizeof(index));
	/* what each covers, from the decrypted document (never the person) */
	size_t i;
	json_t *e, *objects = json_array();
	json_array_foreach(list, i, e) {
		char status[16];
		json_t *object = NULL;
		if (consent_read(n, json_string_value(json_object_get(e, "id")), status, &object) != 0)
			object = json_null();
		json_t *doc = json_object_get(object, "document");
		static const char *const keep[] = { "purposes", "recipients", "sources", "categories",
						    "special", NULL };
		for (size_t k = 0; keep[k]; k++)
			if (json_object_get(doc, keep[k]))
				json_object_set(e, keep[k], json_object_get(doc, keep[k]));
		json_array_append_new(objects, object);
	}
	consent_list_relations(list, objects);
	json_array_foreach(objects, i, e)
		secret_wipe_consent(e);
	json_decref(objects);
	if (rc != 0) {
		json_decref(list);
		return local_error(rc, NULL);
	}
	return json_pack("{s:b,s:{s:o}}", "ok", 1, "result", "consents", list);
}

json_t *local_consent(struct node *n, const char *op, json_t *rq)
{
	char err[256];
	int rc = schema_check(rq, consent_rq_fields, err, sizeof(err));
	if (rc != 0)
		return local_error(rc, err);
	if (strcmp(op, "consent.register") == 0)
		return consent_register(n, rq, 0);
	if (strcmp(op, "consent.refuse") == 0)
		return consent_register(n, rq, 1);
	if (strcmp(op, "consent.revoke") == 0)
		return consent_revoke(n, rq);
	if (strcmp(op, "consent.list") == 0)
		return consent_list(n, rq);
	snprintf(err, sizeof(err), "unknown operation '%.48s'", op);
	return local_error(WN_EPROTO, err);
}

int consent_names_health(const json_t *object)
{
	size_t i;
	json_t *x;
	json_array_foreach(json_object_get(json_object_get(object, "document"), "special"), i, x) {
		enum vocab_special s = vocab_special_from_name(json_string_value(x));
		if (s == VOCAB_HEALTH || s == VOCAB_MENTAL_HEALTH || s == VOCAB_ADDICTION)
			return 1;
	}
	return 0;
}

struct consent_received {
	struct consent_row row;
	const char *from;
	int64_t revoked_at; /* 0: a refusal passed on; else its revocation */
	int changed;
};

/* A refusal received before: the same one from the same partner about the
 * same person, else WN_ECONSENT (another document under its id); marked
 * revoked when x revokes it and it still stands. */
static int consent_received_match(db *d, struct consent_received *x)
{
	const struct consent_row *r = &x->row;
	sqlite3_stmt *st = NULL;
	int rc = db_prepare(d, "SELECT status FROM consents WHERE id = ? AND version = ? AND kind ="
			       " 'refusal' AND received_from = ? AND subject_index = ?", &st);
	if (rc != 0)
		return rc;
	sqlite3_bind_text(st, 1, r->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, r->version, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, x->from, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 4, r->index, STORE_INDEX_LEN, SQLITE_STATIC);
	int s = sqlite3_step(st);
	rc = s == SQLITE_ROW ? 0 : s == SQLITE_DONE ? WN_ECONSENT : WN_EDB;
	int stands = rc == 0 && strcmp((const char *)sqlite3_column_text(st, 0), "refused") == 0;
	sqlite3_finalize(st);
	if (rc != 0 || x->revoked_at == 0 || !stands)
		return rc;
	/* from the moment its holder revoked it; what it refused before stays so */
	struct consent_status_change ch = { r->id, "revoked", x->revoked_at, 0 };
	if ((rc = consent_update(d, &ch)) == 0)
		x->changed = 1;
	return rc;
}

static int consent_received_insert(db *d, void *arg)
{
	struct consent_received *x = arg;
	const struct consent_row *r = &x->row;
	sqlite3_stmt *st = NULL;
	/* a revocation that overtook its refusal keeps it, revoked: a refusal
	 * arriving after it then finds it and stays revoked */
	int rc = db_prepare(d, "INSERT OR IGNORE INTO consents(id, version, kind, subject_index,"
			       " status, valid_from, registered_at, actor_id, actor_role, object_enc,"
			       " received_from, revoked_at) VALUES (?1, ?2, 'refusal', ?3,"
			       " CASE WHEN ?9 > 0 THEN 'revoked' ELSE 'refused' END, ?4, ?5, ?6,"
			       " 'received', ?7, ?8, NULLIF(?9, 0))", &st);
	if (rc != 0)
		return rc;
	sqlite3_bind_text(st, 1, r->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, r->version, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 3, r->index, STORE_INDEX_LEN, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, r->valid_from, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, r->now);
	sqlite3_bind_text(st, 6, x->from, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 7, r->enc, (int)r->enclen, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, x->from, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 9, x->revoked_at);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : WN_EDB;
	x->changed = rc == 0 && sqlite3_changes(db_handle(d)) > 0;
	sqlite3_finalize(st);
	if (rc != 0 || x->changed)
		return rc;
	/* kept already: the same refusal, or another under its id */
	return consent_received_match(d, x);
}

int consent_store_received(struct node *n, const json_t *object, const char *bsn,
			   const char *from, int64_t revoked_at, int *changed)
{
	char version[CONSENT_VERSION_LEN + 1];
	char *canon = NULL;
	size_t clen = 0;
	struct consent_received x;
	memset(&x, 0, sizeof(x));
	x.from = from;
	x.revoked_at = revoked_at;
	*changed = 0;
	const json_t *doc = json_object_get(object, "document");
	int rc = consentdoc_version(object, version);
	if (rc == 0)
		rc = canon_dump(object, &canon, &clen);
	if (rc == 0 && clen > CONSENT_OBJECT_MAX)
		rc = WN_ETOOBIG;
	x.row.enclen = clen + KEYS_SEAL_OVERHEAD;
	if (rc == 0 && (x.row.enc = malloc(x.row.enclen)) == NULL)
		rc = WN_ENOMEM;
	if (rc == 0)
		rc = keys_seal(&n->keys, CONSENT_AAD, canon, clen, x.row.enc);
	if (rc == 0)
		rc = store_subject_index(&n->keys, bsn, x.row.index);
	x.row.id = json_string_value(json_object_get(object, "id"));
	x.row.version = version;
	x.row.valid_from = json_string_value(json_object_get(doc, "signed_on"));
	/* its holder's moment: what it limits is what was consented before it */
	x.row.now = (int64_t)json_integer_value(json_object_get(object, "registered_at"));
	if (rc == 0 && (x.row.id == NULL || x.row.valid_from == NULL))
		rc = WN_ECONSENT;
	if (rc == 0)
		rc = db_writer_run(n->writer, consent_received_insert, &x);
	*changed = rc == 0 && x.changed;
	if (canon != NULL)
		OPENSSL_cleanse(canon, clen);
	free(canon);
	free(x.row.enc);
	OPENSSL_cleanse(x.row.index, sizeof(x.row.index));
	return rc;
}
