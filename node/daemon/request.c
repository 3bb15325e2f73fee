/*
 * request.c — the requester side of a scoped data request (r04–r16): the
 * professional names the case, the source partner, the person, the
 * categories needed and the lawful ground with its documentation. The node
 * checks all it can itself (vocabulary, consent coverage, motivation), logs
 * what it asks before it sends, seals the person and the ground's detail to
 * the source, and checks what comes back: signed by the source, sealed to
 * this node, and no category that was not asked for.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "wijknet.h"
#include "bsn.h"
#include "casekey.h"
#include "consent.h"
#include "context.h"
#include "date.h"
#include "disclog.h"
#include "encoding.h"
#include "envelope.h"
#include "error.h"
#include "ground.h"
#include "ids.h"
#include "keptanswer.h"
#include "local.h"
#include "log.h"
#include "reply.h"
#include "schema.h"
#include "secret.h"
#include "secevent.h"
#include "store.h"
#include "vocab.h"

#define REQUEST_DEFAULT_DEADLINE_MS 5000
#define REQUEST_MAX_DEADLINE_MS 60000
#define REQUEST_MAX_CATEGORIES 32

static const struct schema_field request_rq_fields[] = {
	{ "op", SCHEMA_STRING, 1, 32 },
	{ "case", SCHEMA_STRING, 1, 32 },
	{ "to", SCHEMA_STRING, 1, 63 },
	{ "bsn", SCHEMA_STRING, 1, 16 },
	{ "categories", SCHEMA_ARRAY, 1, REQUEST_MAX_CATEGORIES },
	{ "purpose", SCHEMA_STRING, 1, 48 },
	{ "ground", SCHEMA_STRING, 1, 48 },
	{ "consent", SCHEMA_STRING, 0, 32 },
	{ "approval", SCHEMA_STRING, 0, 32 },
	{ "motivation", SCHEMA_OBJECT, 0, 0 },
	{ "note", SCHEMA_STRING, 0, 2000 },
	{ "actor", SCHEMA_OBJECT, 1, 0 },
	{ "deadline_ms", SCHEMA_INT, 0, REQUEST_MAX_DEADLINE_MS },
	{ "request_id", SCHEMA_STRING, 0, 32 },
	{ NULL, 0, 0, 0 },
};

static const struct schema_field answer_fields[] = {
	{ "outcome", SCHEMA_STRING, 1, 16 },
	{ "reason", SCHEMA_STRING, 0, 48 },
	{ "detail", SCHEMA_STRING, 0, 512 },
	{ "records", SCHEMA_ARRAY, 0, REQUEST_MAX_CATEGORIES },
	{ NULL, 0, 0, 0 },
};

static const struct schema_field record_fields[] = {
	{ "category", SCHEMA_STRING, 1, 64 },
	{ "content", SCHEMA_OBJECT, 1, 0 },
	{ "professional", SCHEMA_STRING, 1, 128 },
	{ "updated_at", SCHEMA_INT, 1, 0 },
	{ NULL, 0, 0, 0 },
};

/* Input checks that need nothing but the request; err says what is wrong. */
static int request_check_input(struct node *n, json_t *rq, char *err, size_t errcap)
{
	char detail[256];
	int rc = schema_check(rq, request_rq_fields, detail, sizeof(detail));
	if (rc != 0) {
		snprintf(err, errcap, "%s", detail);
		return rc;
	}
	if ((rc = local_check_actor(json_object_get(rq, "actor"), err, errcap)) != 0)
		return rc;
	const char *bsn = json_string_value(json_object_get(rq, "bsn"));
	const char *purpose = json_string_value(json_object_get(rq, "purpose"));
	const char *ground = json_string_value(json_object_get(rq, "ground"));
	const char *to = json_string_value(json_object_get(rq, "to"));
	if (bsn_validate(bsn) != 0) {
		snprintf(err, errcap, "the BSN is not valid: nine digits passing the 11-proef");
		return WN_EBSN;
	}
	if (id_validate(json_string_value(json_object_get(rq, "case"))) != 0) {
		snprintf(err, errcap, "field 'case': a case id of 32 lowercase hex digits");
		return WN_EINVAL;
	}
	if (schema_valid_partner_id(to) != 0) {
		snprintf(err, errcap, "field 'to': not a partner id");
		return WN_EINVAL;
	}
	if (strcmp(to, n->ident->id) == 0) {
		snprintf(err, errcap, "'%s' is this node: read your own records", to);
		return WN_EINVAL;
	}
	if (!vocab_purpose_known(purpose)) {
		snprintf(err, errcap, "unknown purpose '%s'", purpose);
		return WN_EPURPOSE;
	}
	json_t *cats = json_object_get(rq, "categories");
	if (json_array_size(cats) == 0) {
		snprintf(err, errcap, "a data request names the categories it needs (r04)");
		return WN_EINVAL;
	}
	int crc = local_check_categories(cats, err, errcap);
	if (crc != 0)
		return crc;
	/* a third party relies on the proposal's motivation, kept by its proposer */
	if (json_object_get(rq, "approval") != NULL && json_object_get(rq, "motivation") != NULL) {
		snprintf(err, errcap, "a request on a third-party approval carries no motivation: "
			 "it rests on the approval, and the proposer's motivation");
		return WN_EINVAL;
	}
	if (json_object_get(rq, "approval") == NULL &&
	    (rc = ground_check_motivation(ground, json_object_get(rq, "motivation"), err,
					  errcap)) != 0)
		return rc;
	if (json_object_get(rq, "approval") != NULL && !vocab_ground_known(ground)) {
		snprintf(err, errcap, "unknown lawful ground '%s'", ground);
		return WN_EGROUND;
	}
	const char *consent = json_string_value(json_object_get(rq, "consent"));
	int third = json_object_get(rq, "approval") != NULL;
	if (ground_is_consent(ground) && consent == NULL && !third) {
		snprintf(err, errcap, "ground consent: name the consent (--consent ID)");
		return WN_ECONSENT;
	}
	if (third && consent != NULL) {
		snprintf(err, errcap, "a third party names no consent: the approval names the one "
			 "it rests on");
		return WN_EINVAL;
	}
	if (!ground_is_consent(ground) && consent != NULL) {
		snprintf(err, errcap, "a consent is named only with the ground 'consent'");
		return WN_EINVAL;
	}
	const char *rid = json_string_value(json_object_get(rq, "request_id"));
	if (rid != NULL && id_validate(rid) != 0) {
		snprintf(err, errcap, "field 'request_id': 32 lowercase hex digits");
		return WN_EINVAL;
	}
	const char *approval = json_string_value(json_object_get(rq, "approval"));
	if (approval != NULL && id_validate(approval) != 0) {
		snprintf(err, errcap, "field 'approval': 32 lowercase hex digits");
		return WN_EINVAL;
	}
	return 0;
}

/* Checks the source's answer: outcome, and records only of categories asked
 * for (r04). Extra records are dropped and reported as a breach. */
static json_t *request_records(struct node *n, const char *source, const json_t *body,
			       const json_t *asked, const char *qid, json_t **received)
{
	json_t *records = json_array(), *x;
	size_t i;
	*received = json_array();
	json_array_foreach(json_object_get(body, "records"), i, x) {
		char detail[200];
		const char *cat = json_string_value(json_object_get(x, "category"));
		int ok = schema_check(x, record_fields, detail, sizeof(detail)) == 0;
		size_t k;
		json_t *a;
		int was_asked = 0;
		json_array_foreach(asked, k, a)
			was_asked |= cat != NULL && strcmp(json_string_value(a), cat) == 0;
		if (!ok || !was_asked) {
			secevent_record(n->db, WN_EPROTO, source, qid,
					ok ? "the source disclosed a category that was not asked for "
					     "(r04); it was dropped"
					   : "a disclosed record does not match its schema; dropped");
			continue;
		}
		json_array_append(records, x);
		json_array_append_new(*received, json_string(cat));
	}
	return records;
}

/* One request as the steps below share it: read once from the local
 * request, then filled in as it is checked, logged, sent and answered. */
struct outbound {
	struct node *n;
	const json_t *rq;
	const char *bsn, *to, *case_id, *purpose, *ground, *consent_id, *approval, *rid;
	const json_t *cats, *actor, *motivation;
	int deadline;
	struct directory *d;
	struct dir_peer *peer;
	json_t *consent_obj;      /* on consent: the document held here */
	json_t *env;              /* the request as it goes out */
	const char *qid;
	uint8_t index[STORE_INDEX_LEN];
	int have_index;
	char fingerprint[65];     /* what a retry under the same id must ask */
	int logged;               /* in the sent log: its end is recorded too */
	int lost;                 /* sent, and no word back: the source may have answered */
	/* the answer */
	const char *outcome, *reason, *detail;
	json_t *abody, *records, *received;
	char err[512];
};

static void outbound_read(struct outbound *o, struct node *n, const json_t *rq)
{
	o->n = n;
	o->rq = rq;
	o->bsn = json_string_value(json_object_get(rq, "bsn"));
	o->to = json_string_value(json_object_get(rq, "to"));
	o->case_id = json_string_value(json_object_get(rq, "case"));
	o->purpose = json_string_value(json_object_get(rq, "purpose"));
	o->ground = json_string_value(json_object_get(rq, "ground"));
	o->consent_id = json_string_value(json_object_get(rq, "consent"));
	o->approval = json_string_value(json_object_get(rq, "approval"));
	o->rid = json_string_value(json_object_get(rq, "request_id"));
	o->cats = json_object_get(rq, "categories");
	o->actor = json_object_get(rq, "actor");
	o->motivation = json_object_get(rq, "motivation");
	o->deadline = (int)json_integer_value(json_object_get(rq, "deadline_ms"));
	if (o->deadline <= 0)
		o->deadline = REQUEST_DEFAULT_DEADLINE_MS;
}

static void outbound_clear(struct outbound *o)
{
	if (o->have_index)
		OPENSSL_cleanse(o->index, sizeof(o->index));
	secret_wipe_consent(o->consent_obj);
	json_decref(o->consent_obj);
	json_decref(o->abody);
	json_decref(o->records);
	json_decref(o->received);
	json_decref(o->env);
	directory_release(o->d);
}

/* The source: in the verified directory (fetched anew when its sealing key
 * is not there yet), active, with a sealing key. */
static int outbound_find_source(struct outbound *o)
{
	if ((o->d = node_directory(o->n)) == NULL) {
		snprintf(o->err, sizeof(o->err), "no verified directory yet: is the broker reachable?");
		return WN_ESTATE;
	}
	o->peer = directory_find(o->d, o->to);
	if (o->peer != NULL && !o->peer->has_seal) {
		directory_release(o->d);
		node_refresh_directory_before(o->n, time_now_ms());
		if ((o->d = node_directory(o->n)) == NULL) {
			snprintf(o->err, sizeof(o->err), "no verified directory");
			return WN_ESTATE;
		}
		o->peer = directory_find(o->d, o->to);
	}
	if (o->peer == NULL) {
		snprintf(o->err, sizeof(o->err), "partner '%s' is not in the directory", o->to);
		return WN_EUNKNOWN_PARTNER;
	}
	if (!o->peer->usable || !o->peer->has_seal) {
		snprintf(o->err, sizeof(o->err), "partner '%s' is not active or has no sealing key",
			 o->to);
		return o->peer->usable ? WN_EUNAVAILABLE : WN_EREVOKED;
	}
	return 0;
}

/* The case first, as the broker shows it: open, the source one of its
 * partners (r07), the person one of its household (Heerlen 7.1). Whatever
 * consent comes with a request, these are what to fix first. */
static int outbound_check_case(struct outbound *o)
{
	char commit[HOUSEHOLD_COMMIT_HEX + 1];
	json_t *c = NULL;
	int rc = casekey_case(o->n, o->case_id, &c, o->err, sizeof(o->err));
	const char *status = json_string_value(json_object_get(c, "status"));
	if (rc != 0)
		goto out;
	if (status == NULL || strcmp(status, "open") != 0) {
		snprintf(o->err, sizeof(o->err), "case '%s' is closed", o->case_id);
		rc = WN_EDENIED;
	} else if (!casekey_case_has_member(c, o->to)) {
		snprintf(o->err, sizeof(o->err), "'%s' does not take part in case %s: only partners "
			 "involved in a case exchange data about it (r07); its director adds a "
			 "partner", o->to, o->case_id);
		secevent_record(o->n->db, WN_ENOTMEMBER, o->n->ident->id, NULL, o->err);
		rc = WN_ENOTMEMBER;
	} else {
		rc = casekey_check_person_in(o->n, c, o->case_id, o->bsn, o->n->ident->id, commit,
					     o->err, sizeof(o->err));
	}
out:
	json_decref(c);
	return rc;
}

/* What this node checks before anything leaves: the case (above); the
 * consent it holds covers the request (r10–r12); an incidental partner
 * asks only on an approval (a third party holds no case key, its approval
 * names the person). */
static int outbound_check(struct outbound *o)
{
	char today[DATE_LEN + 1];
	int rc;
	struct dir_peer *self = directory_find(o->d, o->n->ident->id);
	if (o->approval == NULL && self != NULL && self->incidental) {
		snprintf(o->err, sizeof(o->err), "'%s' is an incidental partner: it requests data "
			 "only on an approved third-party disclosure (Heerlen 7.2)", o->n->ident->id);
		return WN_EDENIED;
	}
	if (o->approval == NULL && (rc = outbound_check_case(o)) != 0)
		return rc;
	if (o->consent_id != NULL) {
		if ((rc = consent_load(o->n, o->consent_id, &o->consent_obj, o->err,
				       sizeof(o->err))) != 0)
			return rc;
		date_today_plus(0, today);
		struct consent_use use = { o->bsn, o->purpose, o->n->ident->id, o->to, o->cats,
					   today, o->d->max_consent_days };
		/* and no refusal given since withdrew it (Heerlen 8.2) */
		if ((rc = consent_covers(o->n, o->consent_obj, &use, o->err, sizeof(o->err))) != 0)
			return rc;
	}
	return 0;
}

static int cats_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The categories asked, as a set: a retry may name them in another order.
 * A new array (json_decref), or NULL when memory ran out. */
static json_t *outbound_cats_sorted(const json_t *cats)
{
	size_t n = json_array_size(cats), i;
	const char **v = calloc(n + 1, sizeof(*v));
	json_t *out = v != NULL ? json_array() : NULL;
	for (i = 0; v != NULL && i < n; i++)
		v[i] = json_string_value(json_array_get(cats, i));
	if (out != NULL) {
		qsort(v, n, sizeof(*v), cats_cmp);
		for (i = 0; i < n; i++)
			if (json_array_append_new(out, json_string(v[i])) != 0) {
				json_decref(out);
				out = NULL;
				break;
			}
	}
	free(v);
	return out;
}

/* What makes a retry under a request id the same request: the source, the
 * person (by this node's pseudonym, never the BSN), the case, the
 * categories (in any order), purpose, ground and its detail, consent or
 * approval, the note and the professional. */
static int outbound_fingerprint(struct outbound *o)
{
	static const char *const none[] = { NULL };
	char idx[2 * STORE_INDEX_LEN + 1];
	int rc = store_subject_index(&o->n->keys, o->bsn, o->index);
	if (rc != 0)
		return rc;
	o->have_index = 1;
	json_t *cats = outbound_cats_sorted(o->cats);
	if (cats == NULL)
		return WN_ENOMEM;
	hex_encode(o->index, STORE_INDEX_LEN, idx);
	json_t *what = json_pack("{s:s,s:s,s:s,s:o,s:s,s:s,s:O}", "to", o->to, "subject", idx,
				 "case", o->case_id, "categories", cats, "purpose", o->purpose,
				 "ground", o->ground, "actor", o->actor);
	const char *opt[][2] = { { "consent", o->consent_id }, { "approval", o->approval },
				 { "note", json_string_value(json_object_get(o->rq, "note")) } };
	for (size_t i = 0; what != NULL && i < sizeof(opt) / sizeof(opt[0]); i++)
		if (opt[i][1] != NULL)
			json_object_set_new(what, opt[i][0], json_string(opt[i][1]));
	if (what != NULL && o->motivation != NULL)
		json_object_set(what, "motivation", (json_t *)o->motivation);
	rc = what ? envelope_hash_object(what, none, o->fingerprint) : WN_ENOMEM;
	json_decref(what);
	OPENSSL_cleanse(idx, sizeof(idx));
	return rc;
}

/* The id was sent and has no end recorded: still waiting for its answer
 * while a request can (its longest deadline and the call to the broker),
 * else lost with this node stopping on the way. */
static int outbound_pending(struct outbound *o, const struct sent_state *s)
{
	int64_t age = time_now_ms() - s->ts;
	if (age < REQUEST_MAX_DEADLINE_MS + atomic_load(&o->n->call_timeout_ms)) {
		snprintf(o->err, sizeof(o->err), "request %s is still waiting for its answer (sent "
			 "%lld ms ago): ask again shortly with the same id", o->rid, (long long)age);
		return WN_ESTATE;
	}
	snprintf(o->err, sizeof(o->err), "request %s got no answer: this node stopped while it "
		 "waited. The source may have answered and logged its disclosure, so that id is "
		 "not sent again: make a new request", o->rid);
	return WN_EREPLAY;
}

static int outbound_not_kept(struct outbound *o)
{
	snprintf(o->err, sizeof(o->err), "request %s was answered, and its answer is no longer "
		 "kept (a day, or until the person's records are erased): make a new request to "
		 "ask again", o->rid);
	return WN_EREPLAY;
}

/* The answer kept for the id: the same result again, marked repeated, its
 * reading a ledger entry before it is shown; or the same error. */
static int outbound_earlier(struct outbound *o, json_t **result)
{
	json_t *a = NULL, *cats = json_array(), *x;
	int64_t at = 0;
	size_t i;
	int rc = keptanswer_get(o->n->db, o->rid, &a, &at);
	const char *ename = json_string_value(json_object_get(a, "error"));
	if (rc == WN_ENOTFOUND) {
		rc = outbound_not_kept(o);
	} else if (rc == 0 && ename != NULL) {
		const char *msg = json_string_value(json_object_get(a, "message"));
		snprintf(o->err, sizeof(o->err), "request %s (sent before): %s", o->rid,
			 msg ? msg : ename);
		rc = error_from_name(ename);
	} else if (rc == 0) {
		json_array_foreach(json_object_get(a, "records"), i, x)
			json_array_append(cats, json_object_get(x, "category"));
		rc = keptanswer_log_read(o->n, o->rid, o->actor, o->index, o->case_id, o->to, cats);
		if (rc == WN_ENOTFOUND) /* erased since it was read */
			rc = outbound_not_kept(o);
		else if (rc != 0)
			snprintf(o->err, sizeof(o->err), "the reading of the answer to %s cannot be "
				 "logged; it is not shown", o->rid);
	}
	if (rc == 0) {
		json_object_set_new(a, "repeated", json_true());
		json_object_set_new(a, "answered_at", json_integer((json_int_t)at));
		log_emit(WN_LOG_INFO, "request_repeated", json_pack("{s:s,s:s,s:O}", "id", o->rid,
								    "to", o->to, "actor", o->actor));
		*result = json_pack("{s:b,s:O}", "ok", 1, "result", a);
	}
	json_decref(cats);
	json_decref(a);
	return rc;
}

/* A caller's id sent before (an idempotency key): the same request gets
 * what the first got, and is never sent again; another request under the
 * id is refused. *result stays NULL for an id not used yet. */
static int outbound_repeat(struct outbound *o, json_t **result)
{
	struct sent_state s;
	*result = NULL;
	if (o->rid == NULL)
		return 0;
	int rc = sentlog_state(o->n->db, o->rid, &s);
	if (rc != 0 || !s.found)
		return rc;
	if (strcmp(s.type, "request") != 0 || (s.fingerprint[0] != '\0' &&
					       strcmp(s.fingerprint, o->fingerprint) != 0)) {
		snprintf(o->err, sizeof(o->err), "request id %s was used for another request: an id "
			 "names one request, and a retry under it asks the same partner the same of "
			 "the same person in the same case, as the same professional. Make a new "
			 "request with a new id", o->rid);
		return WN_EREPLAY;
	}
	if (s.fingerprint[0] == '\0') {
		snprintf(o->err, sizeof(o->err), "request %s was sent before, and this node no longer "
			 "knows what it asked: make a new request to ask again", o->rid);
		return WN_EREPLAY;
	}
	if (!s.completed)
		return outbound_pending(o, &s);
	/* unavailable: the source did not answer in time, yet may answer late */
	if (strcmp(s.outcome, "lost") == 0 || strcmp(s.outcome, "unavailable") == 0) {
		snprintf(o->err, sizeof(o->err), "request %s got no answer: the broker or the source "
			 "could not be reached in time. The source may have answered and logged its "
			 "disclosure, so that id is not sent again: make a new request", o->rid);
		return WN_EREPLAY;
	}
	return outbound_earlier(o, result);
}

/* The envelope's header: everything but the sealed part. */
static int outbound_envelope(struct outbound *o)
{
	int rc = envelope_new1(&o->env, "request", o->n->ident->id, o->to);
	if (rc != 0)
		return rc;
	if (o->rid != NULL)
		envelope_set_str(o->env, "id", o->rid);
	o->qid = envelope_str(o->env, "id");
	envelope_set_str(o->env, "case", o->case_id);
	envelope_set_str(o->env, "purpose", o->purpose);
	envelope_set_str(o->env, "ground", o->ground);
	json_object_set(o->env, "actor", (json_t *)o->actor);
	if (o->approval != NULL)
		envelope_set_str(o->env, "approval", o->approval);
	if (o->consent_obj != NULL) {
		char version[CONSENT_VERSION_LEN + 1];
		if ((rc = consentdoc_version(o->consent_obj, version)) != 0)
			return rc;
		json_object_set_new(o->env, "consent", json_pack("{s:s,s:s}", "id", o->consent_id,
								 "version", version));
	}
	json_object_set_new(o->env, "body", json_pack("{s:i}", "deadline_ms", o->deadline));
	return 0;
}

/* Logged before it leaves: who asks, as whom, about whom, on which ground. */
static int outbound_log(struct outbound *o)
{
	int rc;
	char *cats_text = json_dumps(o->cats, JSON_COMPACT);
	char partners_text[80];
	snprintf(partners_text, sizeof(partners_text), "[\"%s\"]", o->to);
	struct sent_entry se = {
		.request_id = o->qid,
		.type = "request",
		.actor_id = json_string_value(json_object_get(o->actor, "id")),
		.actor_role = json_string_value(json_object_get(o->actor, "role")),
		.purpose = o->purpose,
		.partners = partners_text,
		.subject_index = o->index,
		.case_id = o->case_id,
		.ground = o->ground,
		.consent_id = o->consent_id,
		.categories = cats_text,
		.fingerprint = o->fingerprint,
	};
	rc = cats_text ? sentlog_write(o->n->writer, &se) : WN_ENOMEM;
	free(cats_text);
	o->logged = rc == 0;
	/* the same id logged since it was looked up: a call beside this one */
	if (rc == WN_EREPLAY) {
		snprintf(o->err, sizeof(o->err), "request %s is being sent now: ask again shortly "
			 "with the same id", o->qid);
		rc = WN_ESTATE;
	} else if (rc != 0) {
		snprintf(o->err, sizeof(o->err), "cannot log the request before sending; nothing "
			 "was sent");
	}
	return rc;
}

/* Seals the person, the categories and the ground's detail to the source. */
static int outbound_seal(struct outbound *o)
{
	json_t *sealed = json_pack("{s:s,s:O}", "bsn", o->bsn, "categories", o->cats);
	if (sealed == NULL)
		return WN_ENOMEM;
	if (o->consent_obj != NULL)
		json_object_set(sealed, "consent", o->consent_obj);
	if (o->motivation != NULL)
		json_object_set(sealed, "motivation", (json_t *)o->motivation);
	if (json_object_get(o->rq, "note") != NULL)
		json_object_set(sealed, "note", json_object_get(o->rq, "note"));
	int rc = envelope_seal(o->env, o->to, o->peer->seal_pk, sealed);
	if (rc != 0)
		snprintf(o->err, sizeof(o->err), "cannot seal the request to '%s': %s", o->to,
			 wn_strerror(rc));
	secret_wipe_member(sealed, "bsn");
	json_decref(sealed);
	return rc;
}

/* The source's sealed answer: opened, from the source, of a known outcome;
 * its records checked against what was asked. */
static void outbound_read_answer(struct outbound *o, const json_t *answer)
{
	const char *from = NULL;
	int refused = 0;
	char why[200];
	o->reason = reply_open(o->n, o->d, answer, o->qid, "request.answer", &from, &o->abody,
			       &refused);
	if (o->reason == NULL && (from == NULL || strcmp(from, o->to) != 0))
		o->reason = "protocol";
	if (o->reason != NULL) {
		o->outcome = refused ? "error" : "invalid";
		/* the source's own, signed word of why it could not answer (its
		 * disclosure log not writable: nothing was disclosed, r14) */
		const char *why = json_string_value(json_object_get(envelope_body(answer),
								     "message"));
		if (refused && why != NULL && strlen(why) <= 512) /* as an answer's detail */
			o->detail = why;
		return;
	}
	const char *out = json_string_value(json_object_get(o->abody, "outcome"));
	if (schema_check(o->abody, answer_fields, why, sizeof(why)) != 0 ||
	    (strcmp(out, "disclosed") != 0 && strcmp(out, "not_known") != 0 &&
	     strcmp(out, "refused") != 0)) {
		o->outcome = "invalid";
		o->reason = "protocol";
		return;
	}
	o->outcome = out;
	o->reason = json_string_value(json_object_get(o->abody, "reason"));
	o->detail = json_string_value(json_object_get(o->abody, "detail"));
	if (strcmp(out, "disclosed") != 0 &&
	    json_array_size(json_object_get(o->abody, "records")) > 0) {
		/* what the source did not log as disclosed is not taken in */
		secevent_record(o->n->db, WN_EPROTO, o->to, o->qid,
				"records came with an answer that is no disclosure; dropped");
		json_object_del(o->abody, "records");
	}
	o->records = request_records(o->n, o->to, o->abody, o->cats, o->qid, &o->received);
}

/* Sends through the broker and reads what comes back. A lost answer is not
 * retried under the same id: the source may have disclosed already. */
static int outbound_send(struct outbound *o, json_t **reply)
{
	int rc = node_call_broker(o->n, o->env, o->deadline + o->n->call_timeout_ms, reply, o->err,
				  sizeof(o->err));
	if (rc == WN_ETIMEOUT || rc == WN_EUNAVAILABLE || rc == WN_ETRANSPORT) {
		o->lost = 1;
		char why[200];
		snprintf(why, sizeof(why), "%.199s", o->err);
		snprintf(o->err, sizeof(o->err), "%s. The source may have answered and logged its "
			 "disclosure of request %s; that id is not sent again", why, o->qid);
	}
	if (rc != 0)
		return rc;
	json_t *rbody = envelope_body(*reply);
	const char *delivery = json_string_value(json_object_get(rbody, "delivery"));
	json_t *answer = json_object_get(rbody, "answer");
	o->outcome = "unavailable";
	if (answer != NULL) {
		outbound_read_answer(o, answer);
	} else if (delivery != NULL && strcmp(delivery, "rejected") == 0) {
		o->outcome = "invalid";
		o->reason = "rejected";
	} else {
		o->reason = "unavailable";
	}
	return 0;
}

/* Records the end of a request in the sent log, and keeps its answer (the
 * result, or the error after it was logged) for a retry under its id. */
static void outbound_end(struct outbound *o, const json_t *answer)
{
	char outcomes[160], *rtext = o->received ? json_dumps(o->received, JSON_COMPACT) : NULL;
	snprintf(outcomes, sizeof(outcomes), "{\"%s\":\"%s\"}", o->to, o->outcome);
	struct keptanswer_completion c = { o->qid, outcomes, rtext, o->index, answer };
	if (keptanswer_complete(o->n, &c) != 0)
		log_msg(WN_LOG_ERROR, "sent_log_failed", "could not record the answer to %s", o->qid);
	free(rtext);
}

/* A logged request that ended in an error: lost when it may have reached
 * the source, else the error is kept as its answer. */
static void outbound_failed(struct outbound *o, int rc)
{
	json_t *answer = NULL;
	o->outcome = o->lost ? "lost" : "failed";
	if (!o->lost)
		answer = json_pack("{s:s,s:s}", "error", wn_errname(rc), "message", o->err);
	outbound_end(o, answer);
	json_decref(answer);
}

/* Records the outcome with the sent entry and shapes the local answer. */
static json_t *outbound_result(struct outbound *o, const json_t *rbody)
{
	log_emit(WN_LOG_INFO, "request_done",
		 json_pack("{s:s,s:s,s:s,s:s}", "id", o->qid, "to", o->to, "outcome", o->outcome,
			   "reason", o->reason ? o->reason : ""));
	json_t *res = json_pack("{s:s,s:s,s:s,s:s,s:o}", "request_id", o->qid, "partner", o->to,
				"name", o->peer->name, "outcome", o->outcome, "records",
				o->records ? json_incref(o->records) : json_array());
	if (res == NULL) {
		outbound_failed(o, WN_ENOMEM);
		return local_error(WN_ENOMEM, NULL);
	}
	if (o->reason != NULL)
		json_object_set_new(res, "reason", json_string(o->reason));
	if (o->detail != NULL)
		json_object_set_new(res, "detail", json_string(o->detail));
	if (json_object_get(rbody, "audit_index"))
		json_object_set(res, "audit_index", json_object_get(rbody, "audit_index"));
	outbound_end(o, res);
	json_object_set_new(res, "repeated", json_false());
	return json_pack("{s:b,s:o}", "ok", 1, "result", res);
}

/* The request as it leaves: built, logged, sealed, sent. */
static int outbound_ask(struct outbound *o, json_t **reply)
{
	int rc;
	if ((rc = outbound_envelope(o)) != 0 || (rc = outbound_log(o)) != 0)
		return rc;
	if ((rc = outbound_seal(o)) == 0)
		rc = outbound_send(o, reply);
	if (rc != 0)
		outbound_failed(o, rc);
	return rc;
}

json_t *local_request(struct node *n, json_t *rq)
{
	struct outbound o;
	json_t *reply = NULL, *result = NULL;
	memset(&o, 0, sizeof(o));
	int rc = request_check_input(n, rq, o.err, sizeof(o.err));
	if (rc != 0)
		return local_error(rc, o.err);
	outbound_read(&o, n, rq);
	if ((rc = outbound_find_source(&o)) == 0 && (rc = outbound_check(&o)) == 0 &&
	    (rc = outbound_fingerprint(&o)) == 0)
		rc = outbound_repeat(&o, &result);
	if (rc == 0 && result == NULL && (rc = outbound_ask(&o, &reply)) == 0)
		result = outbound_result(&o, envelope_body(reply));
	if (rc != 0)
		result = local_error(rc, o.err);
	json_decref(reply);
	outbound_clear(&o);
	return result;
}
