/*
 * notice.c — notices to the client (r08, r09; Heerlen 7.2, 7.3, 10.3, 11.4).
 * At the source: a disclosure the client must be told of (to a third party,
 * or on any ground but consent) is recorded with a notice, kept sealed at
 * rest and queued for the municipality in the same transaction as the
 * disclosure entry. At the municipality's node: the notice is stored, the
 * client's own refusal of consent tied to it, and it waits in a queue until a
 * professional records the letter as sent. The broker relays it sealed and
 * learns only that a notice went from one partner to the municipality.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "wijknet.h"
#include "bsn.h"
#include "canon.h"
#include "casekey.h"
#include "consent.h"
#include "consentdoc.h"
#include "context.h"
#include "date.h"
#include "disclog.h"
#include "encoding.h"
#include "envelope.h"
#include "error.h"
#include "ids.h"
#include "local.h"
#include "log.h"
#include "notice.h"
#include "rectify.h"
#include "reply.h"
#include "schema.h"
#include "secret.h"
#include "store.h"
#include "vocab.h"

#define NOTICE_AAD "wijknet notice v1"
#define NOTICE_MAX_BYTES (64 * 1024)

static const struct schema_field notice_fields[] = {
	{ "id", SCHEMA_STRING, 1, 32 },
	{ "kind", SCHEMA_STRING, 1, 32 },
	{ "bsn", SCHEMA_STRING, 1, 16 },
	{ "source", SCHEMA_STRING, 1, 63 },
	{ "recipient", SCHEMA_STRING, 1, 63 },
	{ "recipient_role", SCHEMA_STRING, 0, 64 },
	{ "purpose", SCHEMA_STRING, 0, 64 },
	{ "ground", SCHEMA_STRING, 1, 32 },
	{ "legal_reference", SCHEMA_STRING, 0, 500 },
	{ "interest", SCHEMA_STRING, 0, 32 },
	{ "categories", SCHEMA_ARRAY, 1, 32 },
	{ "request", SCHEMA_STRING, 1, 32 },
	{ "case", SCHEMA_STRING, 0, 32 },
	{ "disclosed_at", SCHEMA_INT, 1, INT64_MAX },
	{ "refusal", SCHEMA_OBJECT, 0, 0 },
	{ NULL, 0, 0, 0 },
};

static const struct schema_field notices_rq_fields[] = {
	{ "op", SCHEMA_STRING, 1, 32 },
	{ "id", SCHEMA_STRING, 0, 32 },
	{ "all", SCHEMA_BOOL, 0, 0 },
	{ "on", SCHEMA_STRING, 0, 10 },
	{ "channel", SCHEMA_STRING, 0, 16 },
	{ "actor", SCHEMA_OBJECT, 0, 0 },
	{ NULL, 0, 0, 0 },
};

/* How a letter or a first contact reached the household. */
static const char *const channels[] = { "post", "email", "portal", "in_person", "phone", NULL };

int notice_channel_valid(const char *channel)
{
	for (size_t i = 0; channel != NULL && channels[i] != NULL; i++)
		if (strcmp(channels[i], channel) == 0)
			return 1;
	return 0;
}

/* The latest refusal of consent this node holds for the person, or NULL:
 * processing after a refusal is what the client must be told of (H 10.3).
 * A consent given after it ends the refusal, as retention holds too; one the
 * client revoked holds no more. */
static json_t *notice_refusal_locked(db *d, const uint8_t index[STORE_INDEX_LEN])
{
	sqlite3_stmt *st = NULL;
	json_t *r = NULL;
	if (db_prepare(d, "SELECT id, registered_at FROM consents c WHERE subject_index = ?1 AND"
			  " kind = 'refusal' AND status != 'revoked' AND NOT EXISTS (SELECT 1 FROM"
			  " consents l WHERE"
			  " l.subject_index = ?1 AND l.kind = 'consent' AND"
			  " l.registered_at > c.registered_at)"
			  " ORDER BY registered_at DESC LIMIT 1", &st) != 0)
		return NULL;
	sqlite3_bind_blob(st, 1, index, STORE_INDEX_LEN, SQLITE_TRANSIENT);
	if (sqlite3_step(st) == SQLITE_ROW) {
		char on[DATE_LEN + 1];
		date_of_ms(sqlite3_column_int64(st, 1), on);
		r = json_pack("{s:s,s:s}", "id", (const char *)sqlite3_column_text(st, 0), "on", on);
	}
	sqlite3_finalize(st);
	return r;
}

/* ---- at the source --------------------------------------------------- */

int outbox_put_locked(db *d, struct node *n, const char *type, const char *id,
		      const char *recipient, const json_t *body)
{
	char *text = NULL;
	size_t len = 0;
	uint8_t *enc = NULL;
	sqlite3_stmt *st = NULL;
	int rc = canon_dump(body, &text, &len);
	if (rc != 0)
		return rc;
	if ((enc = malloc(len + KEYS_SEAL_OVERHEAD)) == NULL) {
		rc = WN_ENOMEM;
		goto out;
	}
	if ((rc = keys_seal(&n->keys, NOTICE_AAD, text, len, enc)) != 0)
		goto out;
	if ((rc = db_prepare(d, "INSERT INTO outbox(id, type, created_at, body_enc, next_at,"
			       " recipient) VALUES (?,?,?,?,?,?)", &st)) != 0)
		goto out;
	int64_t now = time_now_ms();
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, type, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, now);
	sqlite3_bind_blob(st, 4, enc, (int)(len + KEYS_SEAL_OVERHEAD), SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, now);
	if (recipient != NULL)
		sqlite3_bind_text(st, 6, recipient, -1, SQLITE_STATIC);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : WN_EDB;
	sqlite3_finalize(st);
out:
	if (text != NULL)
		OPENSSL_cleanse(text, len);
	free(text);
	free(enc);
	return rc;
}

static json_t *notice_body(struct node *n, const struct notice_draft *nd, const char *id)
{
	json_error_t jerr;
	json_t *cats = json_loads(nd->categories ? nd->categories : "[]", 0, &jerr);
	json_t *b = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:o,s:s,s:I}", "id", id, "kind", nd->kind,
			      "bsn", nd->bsn, "source", n->ident->id, "recipient", nd->recipient,
			      "ground", nd->ground, "categories", cats ? cats : json_array(),
			      "request", nd->request_id, "disclosed_at", (json_int_t)time_now_ms());
	if (b == NULL)
		return NULL;
	const char *opt[][2] = { { "recipient_role", nd->recipient_role },
				 { "purpose", nd->purpose },
				 { "legal_reference", nd->legal_reference },
				 { "interest", nd->interest },
				 { "case", nd->case_id } };
	for (size_t i = 0; i < sizeof(opt) / sizeof(opt[0]); i++)
		if (opt[i][1] != NULL)
			json_object_set_new(b, opt[i][0], json_string(opt[i][1]));
	return b;
}

int notice_queue_locked(db *d, struct node *n, const struct notice_draft *nd)
{
	char id[ID_HEX_LEN + 1];
	sqlite3_stmt *st = NULL;
	int rc = id_generate(id);
	if (rc != 0)
		return rc;
	json_t *body = notice_body(n, nd, id);
	if (body == NULL)
		return WN_ENOMEM;
	json_t *refusal = notice_refusal_locked(d, nd->subject_index);
	if (refusal != NULL)
		json_object_set_new(body, "refusal", refusal);
	rc = db_prepare(d, "INSERT INTO client_notifications(ts, request_id, kind, recipient,"
			   " subject_index, categories, ground, legal_reference, notice_id)"
			   " VALUES (?,?,?,?,?,?,?,?,?)", &st);
	if (rc == 0) {
		sqlite3_bind_int64(st, 1, time_now_ms());
		sqlite3_bind_text(st, 2, nd->request_id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, nd->kind, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, nd->recipient, -1, SQLITE_STATIC);
		sqlite3_bind_blob(st, 5, nd->subject_index, STORE_INDEX_LEN, SQLITE_STATIC);
		sqlite3_bind_text(st, 6, nd->categories, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 7, nd->ground, -1, SQLITE_STATIC);
		if (nd->legal_reference != NULL)
			sqlite3_bind_text(st, 8, nd->legal_reference, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 9, id, -1, SQLITE_STATIC);
		rc = sqlite3_step(st) == SQLITE_DONE ? 0 : WN_EDB;
		sqlite3_finalize(st);
	}
	if (rc == 0)
		rc = outbox_put_locked(d, n, "notice", id, NULL, body);
	secret_wipe_member(body, "bsn");
	json_decref(body);
	return rc;
}

/* ---- at the municipality --------------------------------------------- */

struct notice_store {
	struct node *n;
	const json_t *body;
	uint8_t index[STORE_INDEX_LEN];
	int notice_days;
	const char *status; /* out: stored, duplicate */
};

static int notice_store_run(db *d, void *arg)
{
	struct notice_store *s = arg;
	const json_t *b = s->body;
	char *text = NULL, due[DATE_LEN + 1], idx[2 * STORE_INDEX_LEN + 1];
	size_t len = 0;
	uint8_t *enc = NULL;
	sqlite3_stmt *st = NULL;
	int64_t disclosed = (int64_t)json_integer_value(json_object_get(b, "disclosed_at"));
	json_t *refusal = json_object_get(b, "refusal"), *own = NULL;
	/* the refusal the municipality itself holds counts as well (H 10.3) */
	if (refusal == NULL)
		refusal = own = notice_refusal_locked(d, s->index);
	date_of_ms(disclosed + (int64_t)s->notice_days * 86400000, due);
	int rc = canon_dump(b, &text, &len);
	if (rc == 0 && (enc = malloc(len + KEYS_SEAL_OVERHEAD)) == NULL)
		rc = WN_ENOMEM;
	if (rc == 0)
		rc = keys_seal(&s->n->keys, NOTICE_AAD, text, len, enc);
	if (rc == 0)
		rc = db_prepare(d, "INSERT OR IGNORE INTO notices(id, received_at, source, recipient,"
				   " kind, subject_index, disclosed_at, due, body_enc, refusal_id, case_id)"
				   " VALUES (?,?,?,?,?,?,?,?,?,?,?)", &st);
	if (rc == 0) {
		const char *f[] = { "id", "source", "recipient", "kind" };
		sqlite3_bind_text(st, 1, json_string_value(json_object_get(b, f[0])), -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, time_now_ms());
		for (int i = 1; i < 4; i++)
			sqlite3_bind_text(st, i + 2, json_string_value(json_object_get(b, f[i])), -1,
					  SQLITE_STATIC);
		sqlite3_bind_blob(st, 6, s->index, STORE_INDEX_LEN, SQLITE_STATIC);
		sqlite3_bind_int64(st, 7, disclosed);
		sqlite3_bind_text(st, 8, due, -1, SQLITE_STATIC);
		sqlite3_bind_blob(st, 9, enc, (int)(len + KEYS_SEAL_OVERHEAD), SQLITE_STATIC);
		if (refusal != NULL)
			sqlite3_bind_text(st, 10, json_string_value(json_object_get(refusal, "id")), -1,
					  SQLITE_STATIC);
		if (json_object_get(b, "case") != NULL)
			sqlite3_bind_text(st, 11, json_string_value(json_object_get(b, "case")), -1,
					  SQLITE_STATIC);
		rc = sqlite3_step(st) == SQLITE_DONE ? 0 : WN_EDB;
		s->status = rc == 0 && sqlite3_changes(db_handle(d)) == 1 ? "stored" : "duplicate";
		sqlite3_finalize(st);
	}
	if (rc == 0 && strcmp(s->status, "stored") == 0) {
		int64_t lidx = 0;
		hex_encode(s->index, STORE_INDEX_LEN, idx);
		json_t *e = json_pack("{s:s,s:s,s:s,s:s,s:s,s:b}", "notice",
				      json_string_value(json_object_get(b, "id")), "source",
				      json_string_value(json_object_get(b, "source")), "kind",
				      json_string_value(json_object_get(b, "kind")), "subject_index",
				      idx, "due", due, "after_refusal", refusal != NULL);
		/* retention keeps the pseudonym while the case runs */
		if (e != NULL && json_object_get(b, "case") != NULL)
			json_object_set(e, "case_id", json_object_get(b, "case"));
		rc = e ? ledger_append_locked(s->n->ledger, "notice.received",
					      json_string_value(json_object_get(b, "id")), e, &lidx)
		       : WN_ENOMEM;
		json_decref(e);
	}
	if (text != NULL)
		OPENSSL_cleanse(text, len);
	free(text);
	free(enc);
	json_decref(own);
	return rc;
}

/* 1 when this node is the federation's municipality. */
static int notice_self_municipality(struct node *n, int *notice_days)
{
	struct directory *d = node_directory(n);
	struct dir_peer *self = d ? directory_find(d, n->ident->id) : NULL;
	int m = self != NULL && self->municipality;
	if (notice_days != NULL)
		*notice_days = d && d->notice_days > 0 ? d->notice_days : NOTICE_DAYS_DEFAULT;
	directory_release(d);
	return m;
}

/* Checks an opened notice: the fields, the BSN, the sender as its source. */
static int notice_check(const json_t *b, const char *sender, char *err, size_t errcap)
{
	char detail[200];
	int rc = schema_check(b, notice_fields, detail, sizeof(detail));
	if (rc != 0) {
		snprintf(err, errcap, "notice: %s", detail);
		return rc;
	}
	const char *kind = json_string_value(json_object_get(b, "kind"));
	const char *ground = json_string_value(json_object_get(b, "ground"));
	const json_t *c = json_object_get(b, "case");
	if (bsn_validate(json_string_value(json_object_get(b, "bsn"))) != 0 ||
	    id_validate(json_string_value(json_object_get(b, "id"))) != 0 ||
	    id_validate(json_string_value(json_object_get(b, "request"))) != 0 ||
	    (c != NULL && id_validate(json_string_value(c)) != 0) ||
	    !vocab_ground_known(ground) ||
	    (strcmp(kind, "third_party") != 0 && strcmp(kind, ground) != 0) ||
	    strcmp(kind, "consent") == 0) {
		snprintf(err, errcap, "notice: a valid BSN, ids, a known lawful ground and a kind "
			 "(third_party or that ground, not consent) are needed");
		return WN_ESCHEMA;
	}
	size_t i;
	json_t *x;
	json_array_foreach(json_object_get(b, "categories"), i, x)
		if (vocab_category(json_string_value(x)) == NULL) {
			snprintf(err, errcap, "notice: category %zu is not in the vocabulary", i);
			return WN_ECATEGORY;
		}
	/* when: not ahead of this clock, and within the retention of a notice */
	int64_t at = (int64_t)json_integer_value(json_object_get(b, "disclosed_at"));
	int64_t now = time_now_ms();
	if (at > now + 300000 || at < now - (int64_t)3650 * 86400000) {
		snprintf(err, errcap, "notice: disclosed_at is not a time this notice can have");
		return WN_ESCHEMA;
	}
	const json_t *r = json_object_get(b, "refusal");
	if (r != NULL && (id_validate(json_string_value(json_object_get(r, "id"))) != 0 ||
			  !date_valid(json_string_value(json_object_get(r, "on"))) ||
			  json_object_size(r) != 2)) {
		snprintf(err, errcap, "notice: refusal is {id, on}");
		return WN_ESCHEMA;
	}
	if (sender != NULL && strcmp(json_string_value(json_object_get(b, "source")), sender) != 0) {
		snprintf(err, errcap, "notice names '%s' as its source but was sent by '%s'",
			 json_string_value(json_object_get(b, "source")), sender);
		return WN_EPROTO;
	}
	return 0;
}

/* Stores an opened notice at this (the municipality's) node. */
static int notice_store(struct node *n, const json_t *body, int notice_days, const char **status)
{
	struct notice_store s = { .n = n, .body = body, .notice_days = notice_days };
	int rc = store_subject_index(&n->keys, json_string_value(json_object_get(body, "bsn")),
				     s.index);
	if (rc == 0)
		rc = db_writer_run(n->writer, notice_store_run, &s);
	OPENSSL_cleanse(s.index, sizeof(s.index));
	if (rc == 0) {
		*status = s.status;
		log_emit(WN_LOG_INFO, "notice_received",
			 json_pack("{s:s,s:s,s:s}", "notice",
				   json_string_value(json_object_get(body, "id")), "source",
				   json_string_value(json_object_get(body, "source")), "status",
				   s.status));
	}
	return rc;
}

int notice_receive(struct node *n, const json_t *env, const struct dir_peer *sender,
		   json_t **reply, char *err, size_t errcap)
{
	json_t *body = NULL;
	const char *status = NULL;
	int days = 0;
	if (!notice_self_municipality(n, &days)) {
		snprintf(err, errcap, "'%s' is not the municipality: notices to the client go to "
			 "the municipality, which tells the client (Heerlen 11.4)", n->ident->id);
		return WN_EDENIED;
	}
	if (envelope_open(env, n->ident->id, n->keys.seal_sk, &body) != 0) {
		snprintf(err, errcap, "the body sealed to '%s' is absent or cannot be opened",
			 n->ident->id);
		return WN_ESEAL;
	}
	int rc = notice_check(body, sender->id, err, errcap);
	struct directory *d = rc == 0 ? node_directory(n) : NULL;
	if (rc == 0 && (d == NULL || directory_find(d, json_string_value(json_object_get(
						body, "recipient"))) == NULL)) {
		snprintf(err, errcap, "notice: its recipient is not a partner in the directory");
		rc = WN_EUNKNOWN_PARTNER;
	}
	directory_release(d);
	if (rc == 0 && (rc = notice_store(n, body, days, &status)) != 0)
		snprintf(err, errcap, "the notice cannot be stored; not acknowledged");
	if (rc == 0)
		rc = reply_ack(n, env, sender, status, reply);
	secret_wipe_member(body, "bsn");
	json_decref(body);
	return rc;
}

/* ---- the outbox: from a partner to the municipality ----------------- */

struct outbox_item {
	char id[ID_HEX_LEN + 1];
	char type[24];
	char recipient[64];    /* empty: the directory's municipality */
	int attempts;
	uint8_t *enc;
	size_t len;
};

/* The items due now, oldest first (at most cap). */
static size_t outbox_due(struct node *n, struct outbox_item *items, size_t cap)
{
	sqlite3_stmt *st = NULL;
	size_t count = 0;
	db_lock(n->db);
	if (db_prepare(n->db, "SELECT id, type, attempts, body_enc, recipient FROM outbox WHERE"
			      " sent_at IS NULL AND failed_at IS NULL AND next_at <= ?"
			      " ORDER BY created_at LIMIT ?", &st) == 0) {
		sqlite3_bind_int64(st, 1, time_now_ms());
		sqlite3_bind_int(st, 2, (int)cap);
		while (count < cap && sqlite3_step(st) == SQLITE_ROW) {
			struct outbox_item *it = &items[count];
			int len = sqlite3_column_bytes(st, 3);
			snprintf(it->id, sizeof(it->id), "%s", (const char *)sqlite3_column_text(st, 0));
			snprintf(it->type, sizeof(it->type), "%s", (const char *)sqlite3_column_text(st, 1));
			if (sqlite3_column_type(st, 4) == SQLITE_TEXT)
				snprintf(it->recipient, sizeof(it->recipient), "%s",
					 (const char *)sqlite3_column_text(st, 4));
			it->attempts = sqlite3_column_int(st, 2);
			/* an unreadable body is kept (len 0): it fails, and says so */
			if (len > KEYS_SEAL_OVERHEAD && len <= NOTICE_MAX_BYTES &&
			    (it->enc = malloc((size_t)len)) != NULL) {
				memcpy(it->enc, sqlite3_column_blob(st, 3), (size_t)len);
				it->len = (size_t)len;
			}
			count++;
		}
	}
	sqlite3_finalize(st);
	db_unlock(n->db);
	return count;
}

/* How an attempt went. */
enum outbox_outcome { OUTBOX_DELIVERED, OUTBOX_RETRY, OUTBOX_FAILED };

struct outbox_done {
	const struct outbox_item *it;
	enum outbox_outcome outcome;
	const char *error;
};

static int outbox_done_run(db *d, void *arg)
{
	static const char *const sql[] = {
		/* delivered: what it said is at the municipality now, not kept here */
		"UPDATE outbox SET sent_at = ?1, body_enc = X'', last_error = NULL WHERE id = ?2",
		"UPDATE outbox SET attempts = attempts + 1, next_at = ?1 + ?3, last_error = ?4"
		" WHERE id = ?2",
		/* refused by its recipient: trying again would be refused again */
		"UPDATE outbox SET attempts = attempts + 1, failed_at = ?1, last_error = ?4"
		" WHERE id = ?2",
	};
	struct outbox_done *o = arg;
	sqlite3_stmt *st = NULL;
	int64_t now = time_now_ms();
	int rc = db_prepare(d, sql[o->outcome], &st);
	if (rc != 0)
		return rc;
	int shift = o->it->attempts < 8 ? o->it->attempts : 8;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_text(st, 2, o->it->id, -1, SQLITE_STATIC);
	if (o->outcome != OUTBOX_DELIVERED) {
		sqlite3_bind_int64(st, 3, (int64_t)1000 << shift); /* 1 s doubling to 4 min */
		sqlite3_bind_text(st, 4, o->error, -1, SQLITE_STATIC);
	}
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : WN_EDB;
	sqlite3_finalize(st);
	/* whom a rights request carried out was passed on to: informed once taken */
	if (rc == 0 && o->outcome != OUTBOX_RETRY && strcmp(o->it->type, "rights.notice") == 0)
		rc = rectify_delivery_locked(d, o->it->id, o->outcome == OUTBOX_DELIVERED
								   ? "delivered" : "failed");
	if (rc == 0 && o->outcome == OUTBOX_DELIVERED && strcmp(o->it->type, "notice") == 0 &&
	    (rc = db_prepare(d, "UPDATE client_notifications SET status = 'forwarded',"
			       " notified_at = ? WHERE notice_id = ?", &st)) == 0) {
		sqlite3_bind_int64(st, 1, now);
		sqlite3_bind_text(st, 2, o->it->id, -1, SQLITE_STATIC);
		rc = sqlite3_step(st) == SQLITE_DONE ? 0 : WN_EDB;
		sqlite3_finalize(st);
	}
	return rc;
}

/* 1 for what goes to a partner other than the municipality: a refusal
 * passed on to a source it names (refusal.c), a rights request carried out
 * passed on to a recipient of the data (rectify.c), and that recipient's
 * word back that it carried it out (rectify_done.c). */
static int outbox_to_source(const struct outbox_item *it)
{
	return strcmp(it->type, "refusal.notice") == 0 || strcmp(it->type, "rights.notice") == 0 ||
	       strcmp(it->type, "rights.notice.done") == 0;
}

/* The item's recipient: the one it names, else the directory's municipality
 * (usable, with its sealing key, one that stays before one under notice);
 * NULL when there is none now. */
static struct dir_peer *outbox_recipient(struct directory *d, const struct outbox_item *it)
{
	if (it->recipient[0]) {
		struct dir_peer *p = directory_find(d, it->recipient);
		return p != NULL && (p->municipality || outbox_to_source(it)) && p->usable &&
				       p->has_seal
			       ? p
			       : NULL;
	}
	return directory_municipality(d);
}

/* Why an item named to one partner can never reach it: that partner is not
 * in the directory, or left or was revoked (a suspension passes, so it is
 * tried again); NULL when it still may. */
static const char *outbox_recipient_gone(struct directory *d, const struct outbox_item *it)
{
	if (!it->recipient[0])
		return NULL;
	const struct dir_peer *p = directory_find(d, it->recipient);
	if (p == NULL)
		return "not_a_partner";
	if (strcmp(p->status, "ended") == 0)
		return "recipient_ended";
	return strcmp(p->status, "revoked") == 0 ? "recipient_revoked" : NULL;
}

/* Sends one opened item to the municipality through the broker and checks
 * its signed acknowledgement; *error says why not. */
static enum outbox_outcome outbox_send(struct node *n, struct directory *d, struct dir_peer *m,
				       const char *type, const json_t *body, const char **error)
{
	json_t *env = NULL, *reply = NULL, *opened = NULL;
	char err[512] = "", ack[40];
	enum outbox_outcome out = OUTBOX_RETRY;
	*error = "envelope";
	snprintf(ack, sizeof(ack), "%s.ack", type);
	int rc = envelope_new1(&env, type, n->ident->id, m->id);
	if (rc == 0) {
		json_object_set_new(env, "body", json_pack("{s:i}", "deadline_ms",
							   atomic_load(&n->call_timeout_ms)));
		rc = envelope_seal(env, m->id, m->seal_pk, body);
	}
	if (rc == 0) {
		*error = "broker";
		rc = node_call_broker(n, env, 2 * atomic_load(&n->call_timeout_ms), &reply, err,
				      sizeof(err));
		/* the broker's refusal of what it may never route ends it */
		if (rc == WN_EDENIED || rc == WN_EPROTO || rc == WN_ESCHEMA)
			out = OUTBOX_FAILED;
	}
	if (rc == 0) {
		const char *from = NULL;
		int refused = 0;
		json_t *a = json_array_get(json_object_get(envelope_body(reply), "answers"), 0);
		*error = a == NULL ? "no_answer" : reply_open(n, d, a, envelope_str(env, "id"), ack,
							      &from, &opened, &refused);
		if (*error == NULL && (from == NULL || strcmp(from, m->id) != 0 ||
				       json_string_value(json_object_get(opened, "status")) == NULL))
			*error = "not_acknowledged";
		if (*error == NULL)
			out = OUTBOX_DELIVERED;
		else if (refused && error_permanent(error_from_name(*error)))
			out = OUTBOX_FAILED; /* the municipality said no to what it is */
	}
	if (rc != 0)
		log_msg(WN_LOG_WARN, "outbox_not_sent", "%s to %s: %s", type, m->id,
			err[0] ? err : wn_strerror(rc));
	json_decref(env);
	json_decref(reply);
	json_decref(opened);
	return out;
}

/* Opens an item's body as it was kept. */
static json_t *outbox_open(struct node *n, const struct outbox_item *it)
{
	json_t *body = NULL;
	if (it->enc == NULL)
		return NULL;
	uint8_t *plain = malloc(it->len - KEYS_SEAL_OVERHEAD + 1);
	if (plain != NULL && keys_open(&n->keys, NOTICE_AAD, it->enc, it->len, plain) == 0) {
		json_error_t jerr;
		body = json_loadb((const char *)plain, it->len - KEYS_SEAL_OVERHEAD, 0, &jerr);
		OPENSSL_cleanse(plain, it->len - KEYS_SEAL_OVERHEAD);
	}
	free(plain);
	return body;
}

/* A refusal passed on that was signed with a key this node replaced since
 * (queued before the swap, or a revocation of one) is signed with its key
 * now: the source checks it with the certificate in the directory. */
static int outbox_sign_refusal(struct node *n, const struct outbox_item *it, json_t *body)
{
	int again = 0, rc;
	if (strcmp(it->type, "refusal.notice") != 0)
		return 0;
	rc = consentdoc_sign_again(json_object_get(body, "refusal"), n->ident->id,
				   n->ident->cert, n->ident->key, &again);
	if (rc == 0 && again)
		log_msg(WN_LOG_INFO, "consent_signed_again", "refusal.notice %s was signed with a "
			"key replaced since: signed with this node's key now", it->id);
	return rc;
}

/* Delivers one item: to the municipality, or here when this node is it.
 * Returns its outcome, so a flush stops while the way is blocked. */
static enum outbox_outcome outbox_deliver(struct node *n, struct directory *d,
					  const struct outbox_item *it, const char **why)
{
	json_t *body = outbox_open(n, it);
	struct outbox_done o = { it, OUTBOX_FAILED, "unreadable" };
	struct dir_peer *self = directory_find(d, n->ident->id), *m = outbox_recipient(d, it);
	const char *status = NULL, *gone = m == NULL ? outbox_recipient_gone(d, it) : NULL;
	int days = d->notice_days > 0 ? d->notice_days : NOTICE_DAYS_DEFAULT;
	if (body == NULL) {
		o.outcome = OUTBOX_FAILED;
	} else if (strcmp(it->type, "consent.revoke") == 0) {
		/* to the broker itself, not relayed to the municipality */
		int rc = consent_revoke_deliver(n, body, &o.error);
		o.outcome = rc == 0 ? OUTBOX_DELIVERED : rc == WN_ETRANSPORT ? OUTBOX_RETRY
									: OUTBOX_FAILED;
	} else if (self != NULL && self->municipality && strcmp(it->type, "notice") == 0) {
		o.outcome = notice_store(n, body, days, &status) == 0 ? OUTBOX_DELIVERED
								       : OUTBOX_RETRY;
		o.error = o.outcome == OUTBOX_DELIVERED ? NULL : "database";
	} else if (gone != NULL) {
		o.outcome = OUTBOX_FAILED; /* no one there to take it, now or later */
		o.error = gone;
	} else if (m == NULL) {
		o.outcome = OUTBOX_RETRY;
		o.error = outbox_to_source(it) ? "recipient_unavailable" : "no_municipality";
	} else if (outbox_sign_refusal(n, it, body) != 0) {
		o.outcome = OUTBOX_RETRY;
		o.error = "signature";
	} else {
		o.outcome = outbox_send(n, d, m, it->type, body, &o.error);
	}
	if (db_writer_run(n->writer, outbox_done_run, &o) != 0)
		log_msg(WN_LOG_ERROR, "outbox_update_failed", "%s %s", it->type, it->id);
	if (o.outcome == OUTBOX_FAILED)
		log_msg(WN_LOG_ERROR, "outbox_refused", "%s %s was refused (%s) and is not sent "
			"again: see the outbox table's last_error", it->type, it->id, o.error);
	else if (o.outcome == OUTBOX_RETRY && it->attempts == 0)
		log_msg(WN_LOG_WARN, "outbox_retry", "%s %s not delivered to the %s (%s); it is "
			"tried again", it->type, it->id,
			strcmp(it->type, "consent.revoke") == 0 ? "broker"
			: outbox_to_source(it)		       ? it->recipient
							       : "municipality",
			o.error);
	*why = o.error;
	secret_wipe_member(body, "bsn");
	json_decref(body);
	return o.outcome;
}

/* 1 when the directory names a municipality, or a source an item goes to,
 * whose sealing key it lacks. */
static int outbox_key_missing(struct directory *d, const struct outbox_item *items, size_t count)
{
	for (size_t i = 0; i < d->count; i++)
		if (d->peers[i].municipality && d->peers[i].usable && !d->peers[i].has_seal)
			return 1;
	for (size_t i = 0; i < count; i++) {
		const struct dir_peer *p = outbox_to_source(&items[i])
						   ? directory_find(d, items[i].recipient)
						   : NULL;
		if (p != NULL && p->usable && !p->has_seal)
			return 1;
	}
	return 0;
}

/* 1 when an item not delivered blocks none but itself: a source away (the
 * broker away blocks all), or a recipient that answered it is not ready for
 * it yet (a word that came before the decision it is about). */
static int outbox_waits_alone(const struct outbox_item *it, const char *why)
{
	if (why != NULL && strcmp(why, "not_ready") == 0)
		return 1;
	return outbox_to_source(it) && (why == NULL || strcmp(why, "broker") != 0);
}

void outbox_flush(struct node *n)
{
	struct outbox_item items[16];
	struct directory *d = node_directory(n);
	if (d == NULL)
		return;
	memset(items, 0, sizeof(items));
	size_t count = outbox_due(n, items, sizeof(items) / sizeof(items[0]));
	if (count > 0 && outbox_key_missing(d, items, count)) {
		/* published since our last fetch: fetch once more */
		directory_release(d);
		node_refresh_directory_before(n, time_now_ms());
		d = node_directory(n);
	}
	/* one blocked attempt ends the round: the refresher has other work */
	int blocked = d == NULL;
	for (size_t i = 0; i < count; i++) {
		const char *why = NULL;
		if (!blocked && outbox_deliver(n, d, &items[i], &why) == OUTBOX_RETRY &&
		    !outbox_waits_alone(&items[i], why))
			blocked = 1;
		free(items[i].enc);
	}
	directory_release(d);
}

void outbox_kick(struct node *n)
{
	pthread_mutex_lock(&n->lock);
	n->outbox_now = 1;
	pthread_cond_signal(&n->wake);
	pthread_mutex_unlock(&n->lock);
}

/* ---- the municipality's queue ---------------------------------------- */

static json_t *notices_row(sqlite3_stmt *st)
{
	json_t *e = json_pack("{s:s,s:s,s:s,s:s,s:I,s:s,s:s,s:b,s:b}", "id",
			      sqlite3_column_text(st, 0), "source", sqlite3_column_text(st, 1),
			      "recipient", sqlite3_column_text(st, 2), "kind",
			      sqlite3_column_text(st, 3), "disclosed_at",
			      (json_int_t)sqlite3_column_int64(st, 4), "due",
			      sqlite3_column_text(st, 5), "status", sqlite3_column_text(st, 6),
			      "overdue", sqlite3_column_int(st, 10), "after_refusal",
			      sqlite3_column_type(st, 9) != SQLITE_NULL);
	static const char *const opt[] = { "sent_on", "channel" };
	for (int i = 0; e != NULL && i < 2; i++)
		if (sqlite3_column_type(st, 7 + i) != SQLITE_NULL)
			json_object_set_new(e, opt[i],
					    json_string((const char *)sqlite3_column_text(st, 7 + i)));
	return e;
}

#define NOTICE_COLUMNS                                                                  \
	"id, source, recipient, kind, disclosed_at, due, status, sent_on, channel,"    \
	" refusal_id, status = 'queued' AND due < ?1 AS overdue"

static json_t *notices_list(struct node *n, const json_t *rq)
{
	char today[DATE_LEN + 1];
	sqlite3_stmt *st = NULL;
	json_t *list = json_array();
	date_today_plus(0, today);
	db_lock(n->db);
	/* overdue first, then the queue by due date, then what was sent */
	int rc = db_prepare(n->db, "SELECT " NOTICE_COLUMNS " FROM notices WHERE ?2 OR"
				   " status = 'queued' ORDER BY status = 'sent', overdue DESC, due,"
				   " received_at LIMIT 1000", &st);
	if (rc == 0) {
		sqlite3_bind_text(st, 1, today, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 2, json_is_true(json_object_get(rq, "all")));
		while (sqlite3_step(st) == SQLITE_ROW)
			json_array_append_new(list, notices_row(st));
	}
	sqlite3_finalize(st);
	db_unlock(n->db);
	if (rc != 0) {
		json_decref(list);
		return local_error(rc, NULL);
	}
	return json_pack("{s:b,s:{s:o}}", "ok", 1, "result", "notices", list);
}

/* The organisations' names as the directory has them, for the letter. */
static void notice_names(struct node *n, json_t *body)
{
	static const char *const who[][2] = { { "source", "source_name" },
					      { "recipient", "recipient_name" } };
	struct directory *d = node_directory(n);
	for (size_t i = 0; d != NULL && i < 2; i++) {
		struct dir_peer *p = directory_find(d, json_string_value(json_object_get(body,
											  who[i][0])));
		if (p != NULL && p->name != NULL)
			json_object_set_new(body, who[i][1], json_string(p->name));
	}
	/* the municipality that sends it: this node */
	struct dir_peer *self = d != NULL ? directory_find(d, n->ident->id) : NULL;
	if (self != NULL && self->name != NULL)
		json_object_set_new(body, "municipality_name", json_string(self->name));
	directory_release(d);
}

/* The person's birth date as this node's consents and refusals give it:
 * the letter about a child goes to its parents (Heerlen Bijlage 8). None
 * held leaves the letter to the person, as it was. */
static int notice_birth_date(struct node *n, json_t *body)
{
	char birth[DATE_LEN + 1];
	uint8_t index[STORE_INDEX_LEN];
	int rc = store_subject_index(&n->keys, json_string_value(json_object_get(body, "bsn")),
				     index);
	if (rc == 0)
		rc = consent_birth_date(n, index, birth);
	if (rc == 0 && birth[0] != '\0')
		json_object_set_new(body, "birth_date", json_string(birth));
	OPENSSL_cleanse(index, sizeof(index));
	OPENSSL_cleanse(birth, sizeof(birth));
	return rc;
}

struct notice_read {
	struct node *n;
	const char *id, *actor, *role;
};

static int notice_read_run(db *d, void *arg)
{
	struct notice_read *r = arg;
	int64_t lidx = 0;
	(void)d;
	json_t *e = json_pack("{s:s,s:s,s:s}", "notice", r->id, "by", r->actor, "by_role", r->role);
	int rc = e ? ledger_append_locked(r->n->ledger, "notice.read", r->id, e, &lidx) : WN_ENOMEM;
	json_decref(e);
	return rc;
}

/* The refusal this node holds that a notice followed, {id, on?}: the
 * source held none, so the letter names the municipality's own (H 10.3). */
static json_t *notice_own_refusal(struct node *n, const char *refusal_id)
{
	sqlite3_stmt *st = NULL;
	json_t *r = json_pack("{s:s}", "id", refusal_id);
	db_lock(n->db);
	if (db_prepare(n->db, "SELECT registered_at FROM consents WHERE id = ? AND"
			      " kind = 'refusal'", &st) == 0) {
		sqlite3_bind_text(st, 1, refusal_id, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW) {
			char on[DATE_LEN + 1];
			date_of_ms(sqlite3_column_int64(st, 0), on);
			json_object_set_new(r, "on", json_string(on));
		}
	}
	sqlite3_finalize(st);
	db_unlock(n->db);
	return r;
}

/* One notice with what it says (the BSN included: the letter is addressed). */
static json_t *notices_show(struct node *n, const json_t *rq)
{
	char today[DATE_LEN + 1];
	const char *id = json_string_value(json_object_get(rq, "id"));
	sqlite3_stmt *st = NULL;
	json_t *row = NULL, *body = NULL;
	uint8_t *plain = NULL;
	char refusal_id[ID_HEX_LEN + 1] = "";
	if (id_validate(id) != 0)
		return local_error(WN_EINVAL, "field 'id': the notice, 32 hex digits");
	date_today_plus(0, today);
	db_lock(n->db);
	int rc = db_prepare(n->db, "SELECT " NOTICE_COLUMNS ", body_enc FROM notices WHERE id = ?2",
			    &st);
	if (rc == 0) {
		sqlite3_bind_text(st, 1, today, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
		rc = WN_ENOTFOUND;
		if (sqlite3_step(st) == SQLITE_ROW) {
			size_t len = (size_t)sqlite3_column_bytes(st, 11);
			row = notices_row(st);
			if (sqlite3_column_type(st, 9) == SQLITE_TEXT)
				snprintf(refusal_id, sizeof(refusal_id), "%s",
					 (const char *)sqlite3_column_text(st, 9));
			rc = len > KEYS_SEAL_OVERHEAD && (plain = malloc(len)) != NULL
				     ? keys_open(&n->keys, NOTICE_AAD, sqlite3_column_blob(st, 11),
						 len, plain)
				     : WN_ECRYPTO;
			if (rc == 0) {
				json_error_t jerr;
				body = json_loadb((const char *)plain, len - KEYS_SEAL_OVERHEAD, 0,
						  &jerr);
				OPENSSL_cleanse(plain, len - KEYS_SEAL_OVERHEAD);
			}
		}
	}
	sqlite3_finalize(st);
	db_unlock(n->db);
	free(plain);
	if (rc == 0 && body == NULL)
		rc = WN_ECRYPTO;
	if (rc == 0 && (rc = notice_birth_date(n, body)) != 0)
		log_msg(WN_LOG_ERROR, "notice_birth_date", "notice %s: the consents held for its "
			"person cannot be read: %s", id, wn_strerror(rc));
	if (rc != 0) {
		secret_wipe_member(body, "bsn");
		json_decref(body);
		json_decref(row);
		return local_error(rc, rc == WN_ENOTFOUND ? "there is no such notice" : NULL);
	}
	notice_names(n, body);
	if (json_object_get(body, "refusal") == NULL && refusal_id[0] != '\0')
		json_object_set_new(body, "refusal", notice_own_refusal(n, refusal_id));
	json_object_set_new(row, "letter", body);
	/* the letter names the client: who read it is in the ledger (G-P 3.6) */
	const json_t *actor = json_object_get(rq, "actor");
	struct notice_read nr = { n, id, json_string_value(json_object_get(actor, "id")),
				  json_string_value(json_object_get(actor, "role")) };
	if ((rc = db_writer_run(n->writer, notice_read_run, &nr)) != 0) {
		json_decref(row);
		return local_error(rc, "the reading cannot be logged; the notice is not shown");
	}
	log_emit(WN_LOG_INFO, "notice_read",
		 json_pack("{s:s,s:s?,s:s?}", "notice", id, "actor", nr.actor, "role", nr.role));
	return json_pack("{s:b,s:o}", "ok", 1, "result", row);
}

struct notice_sent {
	struct node *n;
	const char *id, *on, *channel, *actor, *role;
	char *err;
	size_t errcap;
};

static int notices_sent_run(db *d, void *arg)
{
	struct notice_sent *s = arg;
	sqlite3_stmt *st = NULL;
	char day[DATE_LEN + 1];
	int rc = db_prepare(d, "SELECT received_at FROM notices WHERE id = ? AND status = 'queued'",
			    &st);
	if (rc != 0)
		return rc;
	sqlite3_bind_text(st, 1, s->id, -1, SQLITE_STATIC);
	int step = sqlite3_step(st);
	int64_t received = step == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	st = NULL;
	if (step == SQLITE_DONE) {
		snprintf(s->err, s->errcap, "there is no queued notice %s (unknown, or sent before)",
			 s->id);
		return WN_ENOTFOUND;
	}
	if (step != SQLITE_ROW)
		return WN_EDB;
	/* the letter went out after the notice came in: retention counts from it */
	date_of_ms(received, day);
	if (strcmp(s->on, day) < 0) {
		snprintf(s->err, s->errcap, "field 'on': %s is before the notice was received (%s)",
			 s->on, day);
		return WN_EINVAL;
	}
	rc = db_prepare(d, "UPDATE notices SET status = 'sent', sent_on = ?, channel = ?,"
			       " sent_by_role = ?, sent_by_id = ? WHERE id = ? AND status = 'queued'",
			    &st);
	if (rc != 0)
		return rc;
	sqlite3_bind_text(st, 1, s->on, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, s->channel, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, s->role, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, s->actor, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, s->id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : WN_EDB;
	sqlite3_finalize(st);
	if (rc == 0 && sqlite3_changes(db_handle(d)) != 1) {
		snprintf(s->err, s->errcap, "there is no queued notice %s (unknown, or sent before)",
			 s->id);
		return WN_ENOTFOUND;
	}
	int64_t lidx = 0;
	json_t *e = json_pack("{s:s,s:s,s:s,s:s,s:s}", "notice", s->id, "sent_on", s->on, "channel",
			      s->channel, "by", s->actor, "by_role", s->role);
	rc = e ? ledger_append_locked(s->n->ledger, "notice.sent", s->id, e, &lidx) : WN_ENOMEM;
	json_decref(e);
	return rc;
}

static json_t *notices_sent(struct node *n, const json_t *rq)
{
	char err[256] = "", today[DATE_LEN + 1];
	const json_t *actor = json_object_get(rq, "actor");
	struct notice_sent s = { n, json_string_value(json_object_get(rq, "id")),
				 json_string_value(json_object_get(rq, "on")),
				 json_string_value(json_object_get(rq, "channel")), NULL, NULL, err,
				 sizeof(err) };
	int rc = local_check_actor(actor, err, sizeof(err));
	if (rc != 0)
		return local_error(rc, err);
	s.actor = json_string_value(json_object_get(actor, "id"));
	s.role = json_string_value(json_object_get(actor, "role"));
	date_today_plus(0, today);
	if (s.on == NULL)
		s.on = today;
	if (id_validate(s.id) != 0)
		return local_error(WN_EINVAL, "field 'id': the notice, 32 hex digits");
	if (!date_valid(s.on) || strcmp(s.on, today) > 0)
		return local_error(WN_EINVAL, "field 'on': the day the letter went out, YYYY-MM-DD, "
				   "not in the future");
	if (!notice_channel_valid(s.channel))
		return local_error(WN_EINVAL, "field 'channel': post, email, portal, in_person or "
				   "phone");
	if ((rc = db_writer_run(n->writer, notices_sent_run, &s)) != 0)
		return local_error(rc, err[0] ? err : NULL);
	log_emit(WN_LOG_INFO, "notice_sent",
		 json_pack("{s:s,s:s,s:s,s:s,s:s}", "notice", s.id, "on", s.on, "channel", s.channel,
			   "actor", s.actor, "role", s.role));
	return json_pack("{s:b,s:{s:s,s:s,s:s}}", "ok", 1, "result", "id", s.id, "sent_on", s.on,
			 "channel", s.channel);
}

json_t *local_notices(struct node *n, const char *op, json_t *rq)
{
	char err[256];
	int rc = schema_check(rq, notices_rq_fields, err, sizeof(err));
	if (rc != 0)
		return local_error(rc, err);
	if ((rc = local_check_actor(json_object_get(rq, "actor"), err, sizeof(err))) != 0)
		return local_error(rc, err);
	if (!notice_self_municipality(n, NULL))
		return local_error(WN_EDENIED, "notices are kept at the municipality's node, which "
				   "tells the client (Heerlen 11.4)");
	if (strcmp(op, "notices.list") == 0)
		return notices_list(n, rq);
	if (strcmp(op, "notices.show") == 0)
		return notices_show(n, rq);
	if (strcmp(op, "notices.sent") == 0)
		return notices_sent(n, rq);
	snprintf(err, sizeof(err), "unknown operation '%.48s'", op);
	return local_error(WN_EPROTO, err);
}
