/*
 * lookup.c — the requester side of a known / not-known lookup (r02, r03,
 * r14, r16; Heerlen Bijlage 8, G-P 3.4): one person, or every member of a
 * household, on a purpose and a lawful ground — each person's consent, or a
 * non-consent ground with its Bijlage 3 motivation. Validate; choose the
 * partners in scope (by default every active partner of the cluster, so the
 * set asked reveals no suspicion); seal to each partner the people its
 * ground lets it be asked about — a person's consent goes only to the
 * partners it names — padded to the household's size class; log what is
 * asked; send through the broker; verify and open every answer. Answers are
 * per person per partner; a partner that did not answer is `unavailable`,
 * never `not_known`.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "wijknet.h"
#include "bsn.h"
#include "consent.h"
#include "consentproof.h"
#include "context.h"
#include "date.h"
#include "disclog.h"
#include "encoding.h"
#include "envelope.h"
#include "error.h"
#include "ground.h"
#include "household.h"
#include "ids.h"
#include "local.h"
#include "log.h"
#include "lookupwire.h"
#include "reply.h"
#include "schema.h"
#include "secret.h"
#include "secevent.h"
#include "store.h"
#include "vocab.h"

#define LOOKUP_DEFAULT_DEADLINE_MS 2000

static const struct schema_field lookup_rq_fields[] = {
	{ "op", SCHEMA_STRING, 1, 32 },
	{ "bsn", SCHEMA_STRING, 0, 16 },
	{ "people", SCHEMA_ARRAY, 0, HOUSEHOLD_MAX },
	{ "purpose", SCHEMA_STRING, 1, 48 },
	{ "ground", SCHEMA_STRING, 0, 48 },
	{ "motivation", SCHEMA_OBJECT, 0, 0 },
	{ "cluster", SCHEMA_STRING, 0, 32 },
	{ "partners", SCHEMA_ARRAY, 0, 1000 },
	{ "actor", SCHEMA_OBJECT, 1, 0 },
	{ "deadline_ms", SCHEMA_INT, 0, 60000 },
	{ "consent", SCHEMA_STRING, 0, 32 },
	{ NULL, 0, 0, 0 },
};

static const struct schema_field person_rq_fields[] = {
	{ "bsn", SCHEMA_STRING, 1, 16 },
	{ "consent", SCHEMA_STRING, 0, 32 },
	{ NULL, 0, 0, 0 },
};

/* One lookup as this node prepares it. */
struct lookup {
	struct node *n;
	struct directory *d;
	const char *purpose, *ground, *cluster;
	const json_t *motivation, *actor;
	json_t *people;   /* [{bsn, consent?}] as asked */
	json_t *consents; /* per person: {object, status} on ground consent, else null */
	json_t *scope;    /* partner ids */
	size_t size_class;
};

static void lookup_clear(struct lookup *l)
{
	size_t i;
	json_t *x;
	json_array_foreach(l->people, i, x)
		secret_wipe_member(x, "bsn");
	json_array_foreach(l->consents, i, x)
		secret_wipe_consent(json_object_get(x, "object"));
	json_decref(l->people);
	json_decref(l->consents);
	json_decref(l->scope);
	directory_release(l->d);
}

static int peer_in_cluster(const struct dir_peer *p, const char *cluster)
{
	if (cluster == NULL)
		return 1;
	size_t i;
	json_t *c;
	json_array_foreach(p->clusters, i, c)
		if (strcmp(json_string_value(c), cluster) == 0)
			return 1;
	return 0;
}

/* A partner named explicitly must be one that may be asked. */
static int lookup_named_ok(struct node *n, struct dir_peer *p, const char *id, const char *cluster,
			   char *err, size_t errcap)
{
	if (id == NULL || p == NULL) {
		snprintf(err, errcap, "partner '%s' is not in the directory", id ? id : "?");
		return WN_EUNKNOWN_PARTNER;
	}
	if (strcmp(id, n->ident->id) == 0) {
		snprintf(err, errcap, "'%s' is this node: look in your own records", id);
		return WN_EINVAL;
	}
	if (!peer_in_cluster(p, cluster)) {
		snprintf(err, errcap, "partner '%s' does not take part in cluster '%s'", id, cluster);
		return WN_ECLUSTER;
	}
	if (!p->usable) {
		snprintf(err, errcap, "partner '%s' is not active (%s)", id, p->status);
		return WN_EREVOKED;
	}
	if (p->incidental) {
		snprintf(err, errcap, "'%s' is an incidental partner: it is not asked whether a "
			 "person is known", id);
		return WN_EDENIED;
	}
	return 0;
}

/* 1 when list (of partner ids) holds id. */
static int lookup_listed(const json_t *list, const char *id)
{
	size_t i;
	json_t *x;
	json_array_foreach(list, i, x)
		if (strcmp(json_string_value(x), id) == 0)
			return 1;
	return 0;
}

/* Picks the partners asked; err names the offending partner. */
static int lookup_scope(struct lookup *l, const json_t *named, char *err, size_t errcap)
{
	json_t *list = json_array(), *x;
	size_t i;
	int rc = 0;
	if (named != NULL) {
		json_array_foreach(named, i, x) {
			const char *id = json_string_value(x);
			if ((rc = lookup_named_ok(l->n, directory_find(l->d, id), id, l->cluster, err,
						  errcap)) != 0)
				break;
			if (lookup_listed(list, id)) {
				/* refused here, before it is logged as sent or reaches
				 * the broker (which would hold it malformed) */
				snprintf(err, errcap, "partner '%s' is named twice", id);
				rc = WN_EINVAL;
				break;
			}
			json_array_append(list, x);
		}
	} else {
		for (i = 0; i < l->d->count; i++) {
			struct dir_peer *p = &l->d->peers[i];
			if (p->usable && !p->notice && !p->incidental && strcmp(p->id, l->n->ident->id) != 0 &&
			    peer_in_cluster(p, l->cluster))
				json_array_append_new(list, json_string(p->id));
		}
	}
	if (rc == 0 && json_array_size(list) == 0) {
		snprintf(err, errcap, "lookup with zero partners in scope");
		rc = WN_EINVAL;
	}
	if (rc == 0 && json_array_size(list) > ENVELOPE_MAX_TO) {
		snprintf(err, errcap, "%zu partners exceed the limit of %d per lookup",
			 json_array_size(list), ENVELOPE_MAX_TO);
		rc = WN_ELIMIT;
	}
	if (rc != 0) {
		json_decref(list);
		return rc;
	}
	l->scope = list;
	return 0;
}

/* The people asked about: one BSN, or a household of valid, distinct BSNs. */
static int lookup_people(struct lookup *l, json_t *rq, char *err, size_t errcap)
{
	const char *bsn = json_string_value(json_object_get(rq, "bsn"));
	json_t *people = json_object_get(rq, "people"), *x;
	const char *consent = json_string_value(json_object_get(rq, "consent"));
	size_t i, j;
	char detail[200];
	if ((bsn == NULL) == (people == NULL) || (people != NULL && consent != NULL)) {
		snprintf(err, errcap, "name one person ('bsn', with 'consent' on that ground) or a "
			 "household ('people': [{bsn, consent?}])");
		return WN_EINVAL;
	}
	l->people = bsn ? json_pack("[{s:s,s:s*}]", "bsn", bsn, "consent", consent)
			: json_deep_copy(people);
	if (json_array_size(l->people) == 0 || json_array_size(l->people) > HOUSEHOLD_MAX) {
		snprintf(err, errcap, "a lookup asks about 1 to %d people", HOUSEHOLD_MAX);
		return WN_EINVAL;
	}
	json_array_foreach(l->people, i, x) {
		if (schema_check(x, person_rq_fields, detail, sizeof(detail)) != 0) {
			snprintf(err, errcap, "field 'people': item %zu: %s", i + 1, detail);
			return WN_ESCHEMA;
		}
		if (bsn_validate(json_string_value(json_object_get(x, "bsn"))) != 0) {
			snprintf(err, errcap, "the BSN%s is not valid: nine digits passing the "
				 "11-proef", bsn ? "" : " of a member of the household");
			return WN_EBSN;
		}
		for (j = 0; j < i; j++)
			if (json_equal(json_object_get(json_array_get(l->people, j), "bsn"),
				       json_object_get(x, "bsn"))) {
				snprintf(err, errcap, "field 'people': a person is named twice");
				return WN_EINVAL;
			}
	}
	l->size_class = household_class(json_array_size(l->people));
	return 0;
}

/* The lawful ground (r14, Bijlage 8): consent per person, or a non-consent
 * ground with its motivation. */
static int lookup_ground(struct lookup *l, char *err, size_t errcap)
{
	size_t i;
	json_t *x;
	if (!lookupwire_ground_ok(l->ground)) {
		snprintf(err, errcap, "a lookup carries a lawful ground (Heerlen Bijlage 8: the "
			 "client's consent is asked first): consent, or legal_obligation, "
			 "vital_interest, public_task, legitimate_interest or contract with its "
			 "Bijlage 3 motivation");
		return WN_EGROUND;
	}
	if (!ground_is_consent(l->ground)) {
		json_array_foreach(l->people, i, x) {
			if (json_object_get(x, "consent") != NULL) {
				snprintf(err, errcap, "a consent is named only with the ground 'consent'");
				return WN_EINVAL;
			}
		}
		return ground_check_motivation(l->ground, l->motivation, err, errcap);
	}
	if (l->motivation != NULL) {
		snprintf(err, errcap, "a lookup on consent carries no motivation: the consent is "
			 "the ground");
		return WN_EINVAL;
	}
	json_array_foreach(l->people, i, x) {
		if (json_object_get(x, "consent") == NULL) {
			snprintf(err, errcap, "ground consent: every person asked about has their own "
				 "consent (G-P 4.3a, per gezinslid); person %zu has none", i + 1);
			return WN_ECONSENT;
		}
	}
	return 0;
}

/* The sources of a consent that a refusal given since withdrew for this
 * lookup (Heerlen 8.2) into *withdrawn; WN_ECONSENT, err naming the
 * refusal, when none is left to ask. */
static int lookup_withdrawn(struct lookup *l, const json_t *object, struct consent_use use,
			    json_t **withdrawn, char *err, size_t errcap)
{
	json_t *refusals = NULL, *x;
	size_t i;
	char why[512] = "";
	int rc = consent_refusals_after(l->n, object, &refusals);
	*withdrawn = json_array();
	if (rc == 0 && *withdrawn == NULL)
		rc = WN_ENOMEM;
	const json_t *sources = json_object_get(json_object_get(object, "document"), "sources");
	json_array_foreach(sources, i, x) {
		use.source = json_string_value(x);
		if (rc == 0 && consent_check_refusals(object, refusals, &use, why, sizeof(why)) != 0)
			json_array_append(*withdrawn, x);
	}
	if (rc == 0 && json_array_size(*withdrawn) == json_array_size(sources)) {
		snprintf(err, errcap, "%s", why);
		rc = WN_ECONSENT;
	}
	consent_refusals_free(refusals);
	return rc;
}

/* On consent: each person's consent, held here, covering this lookup by this
 * node (the partners it names are checked per partner, less those a refusal
 * given since withdrew), with the broker's word that it is active. */
static int lookup_consents(struct lookup *l, char *err, size_t errcap)
{
	char today[DATE_LEN + 1];
	size_t i;
	json_t *x;
	l->consents = json_array();
	if (!ground_is_consent(l->ground))
		return 0;
	date_today_plus(0, today);
	json_array_foreach(l->people, i, x) {
		json_t *object = NULL, *status = NULL, *withdrawn = NULL;
		int rc = consent_load(l->n, json_string_value(json_object_get(x, "consent")), &object,
				      err, errcap);
		if (rc != 0)
			return rc;
		const json_t *doc = json_object_get(object, "document");
		struct consent_use use = { json_string_value(json_object_get(x, "bsn")), l->purpose,
					   l->n->ident->id,
					   json_string_value(json_array_get(json_object_get(doc, "sources"), 0)),
					   NULL, today, l->d->max_consent_days };
		if ((rc = consentdoc_covers(doc, &use, err, errcap)) == 0 &&
		    (rc = lookup_withdrawn(l, object, use, &withdrawn, err, errcap)) == 0)
			rc = consentproof_get(l->n, json_string_value(json_object_get(object, "id")),
					      &status, err, errcap);
		if (rc != 0) {
			secret_wipe_consent(object);
			json_decref(object);
			json_decref(withdrawn);
			return rc;
		}
		json_array_append_new(l->consents, json_pack("{s:o,s:o,s:o}", "object", object, "status",
							      status, "withdrawn", withdrawn));
	}
	return 0;
}

/* 1 when person i may be asked of partner: a person's consent names the
 * partners it may be disclosed by, less those a later refusal withdrew; a
 * non-consent ground covers all. */
static int lookup_covers(const struct lookup *l, size_t i, const char *partner)
{
	const json_t *c = json_array_get(l->consents, i);
	if (c == NULL)
		return 1;
	size_t k;
	json_t *x;
	json_array_foreach(json_object_get(c, "withdrawn"), k, x)
		if (strcmp(json_string_value(x), partner) == 0)
			return 0;
	json_array_foreach(json_object_get(json_object_get(json_object_get(c, "object"), "document"),
					   "sources"), k, x)
		if (strcmp(json_string_value(x), partner) == 0)
			return 1;
	return 0;
}

/* The places, in the list asked, of the people partner may be asked about. */
static json_t *lookup_index_for(const struct lookup *l, const char *partner)
{
	json_t *index = json_array();
	for (size_t i = 0; index != NULL && i < json_array_size(l->people); i++)
		if (lookup_covers(l, i, partner))
			json_array_append_new(index, json_integer((json_int_t)i));
	return index;
}

/* What is sealed to partner: the people of index, in order, with their
 * consent and its attestation; the motivation; the size class. */
static json_t *lookup_sealed_for(const struct lookup *l, const json_t *index)
{
	json_t *people = json_array(), *x;
	size_t k;
	json_array_foreach(index, k, x) {
		size_t i = (size_t)json_integer_value(x);
		/* a copy: it is wiped once sealed, the list asked stays whole */
		json_t *p = json_pack("{s:s}", "bsn", json_string_value(json_object_get(
							     json_array_get(l->people, i), "bsn")));
		const json_t *c = json_array_get(l->consents, i);
		if (c != NULL) {
			json_object_set(p, "consent", json_object_get(c, "object"));
			json_object_set(p, "consent_attest", json_object_get(c, "status"));
		}
		json_array_append_new(people, p);
	}
	json_t *body = json_pack("{s:o,s:i}", "people", people, "class", (int)l->size_class);
	if (l->motivation != NULL)
		json_object_set(body, "motivation", (json_t *)l->motivation);
	return body;
}

/* Seals to partner id the people of index. */
static int lookup_seal_to(struct lookup *l, json_t *env, const char *id, const json_t *index)
{
	struct dir_peer *p = directory_find(l->d, id);
	json_t *body = lookup_sealed_for(l, index), *y;
	size_t k;
	int rc = body ? envelope_seal_padded(env, id, p->seal_pk, body,
					     lookupwire_request_pad(l->size_class,
								    ground_is_consent(l->ground)))
		      : WN_ENOMEM;
	json_array_foreach(json_object_get(body, "people"), k, y)
		secret_wipe_member(y, "bsn");
	json_decref(body);
	return rc;
}

/* The lookup envelope: header, then each partner's sealed part; *index
 * maps each partner's answers back to the people asked. Partners without a
 * sealing key, or whose consents name them for nobody, are not sent to. */
static int lookup_envelope(struct lookup *l, json_t **envp, json_t **index, json_t *answers,
			   int deadline)
{
	json_t *env = NULL, *to = json_array(), *x;
	size_t i;
	int rc = envelope_new1(&env, "lookup", l->n->ident->id, l->n->ident->id);
	if (rc != 0) {
		json_decref(to);
		return rc;
	}
	*index = json_object();
	json_array_foreach(l->scope, i, x) {
		const char *id = json_string_value(x);
		struct dir_peer *p = directory_find(l->d, id);
		json_t *idx = lookup_index_for(l, id);
		if (p == NULL || !p->has_seal || json_array_size(idx) == 0)
			json_object_set_new(answers, id, json_pack("{s:s}", "missing",
								   p && p->has_seal ? "consent_not_covering"
										    : "no_sealing_key"));
		else
			json_array_append(to, x);
		json_object_set_new(*index, id, idx);
	}
	json_object_set_new(env, "to", to);
	envelope_set_str(env, "purpose", l->purpose);
	envelope_set_str(env, "ground", l->ground);
	json_object_set(env, "actor", (json_t *)l->actor);
	json_object_set_new(env, "body", json_pack("{s:i}", "deadline_ms", deadline));
	if (l->cluster != NULL)
		json_object_set_new(envelope_body(env), "cluster", json_string(l->cluster));
	/* the header is every seal's additional data: it is complete now */
	json_array_foreach(to, i, x) {
		const char *id = json_string_value(x);
		if ((rc = lookup_seal_to(l, env, id, json_object_get(*index, id))) != 0)
			break;
	}
	if (rc != 0) {
		json_decref(env);
		json_decref(*index);
		*index = NULL;
		return rc;
	}
	*envp = env;
	return 0;
}

/* Logged before it leaves: who asks, as whom, about whom (the node's own
 * pseudonyms), of which partners, on which ground. */
static int lookup_log(struct lookup *l, const char *qid)
{
	uint8_t index[STORE_INDEX_LEN];
	char hex[2 * STORE_INDEX_LEN + 1], *partners = json_dumps(l->scope, JSON_COMPACT);
	char *subjects = NULL;
	json_t *list = json_array(), *x;
	size_t i;
	int rc = partners && list ? 0 : WN_ENOMEM;
	json_array_foreach(l->people, i, x) {
		if (rc == 0 && (rc = store_subject_index(&l->n->keys,
							 json_string_value(json_object_get(x, "bsn")),
							 index)) == 0) {
			hex_encode(index, sizeof(index), hex);
			json_array_append_new(list, json_string(hex));
		}
	}
	if (rc == 0 && json_array_size(l->people) > 1 &&
	    (subjects = json_dumps(list, JSON_COMPACT)) == NULL)
		rc = WN_ENOMEM;
	/* the first person's pseudonym, as for a lookup of one */
	if (rc == 0)
		rc = store_subject_index(&l->n->keys,
					 json_string_value(json_object_get(json_array_get(l->people, 0),
									   "bsn")),
					 index);
	struct sent_entry se = {
		.request_id = qid,
		.type = "lookup",
		.actor_id = json_string_value(json_object_get(l->actor, "id")),
		.actor_role = json_string_value(json_object_get(l->actor, "role")),
		.purpose = l->purpose,
		.cluster = l->cluster,
		.partners = partners,
		.subject_index = index,
		.ground = l->ground,
		.subjects = subjects,
	};
	if (rc == 0)
		rc = sentlog_write(l->n->writer, &se);
	OPENSSL_cleanse(index, sizeof(index));
	free(partners);
	free(subjects);
	json_decref(list);
	return rc;
}

/* Verifies and opens one partner's answer; *outcomes gets its answers in
 * the order of the people sealed to it. *from: the sender. */
static void lookup_open_answer(struct lookup *l, const json_t *a, const char *qid,
			       const json_t *index, const char **from, json_t **outcomes)
{
	json_t *body = NULL;
	int refused = 0;
	const char *reason = reply_open(l->n, l->d, a, qid, "lookup.answer", from, &body, &refused);
	*outcomes = NULL;
	if (reason == NULL)
		*outcomes = lookupwire_parse_answer(body, json_array_size(json_object_get(index, *from)));
	if (*outcomes == NULL)
		*outcomes = json_pack("{s:s,s:s}", "outcome", refused ? "error" : "invalid", "reason",
				      reason ? reason : "protocol");
	json_decref(body);
}

/* The answer about person k from one partner: a (its answers in the order
 * of idx, the people sealed to it; or one outcome for all of them; or why
 * nothing was sent). *o: {outcome, reason?}, borrowed or new (*owned). */
static const json_t *lookup_outcome(const json_t *a, const json_t *idx, size_t k, json_t **owned)
{
	const char *missing = json_string_value(json_object_get(a, "missing"));
	size_t j;
	json_t *z;
	*owned = NULL;
	if (missing != NULL && strcmp(missing, "no_sealing_key") == 0)
		return *owned = json_pack("{s:s,s:s}", "outcome", "unavailable", "reason", missing);
	json_array_foreach(idx, j, z) {
		if (missing == NULL && (size_t)json_integer_value(z) == k)
			return json_is_array(a) ? json_array_get(a, j) : a;
	}
	/* this person's consent does not name the partner: not asked */
	return *owned = json_pack("{s:s,s:s}", "outcome", "not_asked", "reason",
				  "consent_not_covering");
}

/* The result: per partner (in the order of the scope), per person. */
static json_t *lookup_result(const struct lookup *l, const json_t *answers, const json_t *index)
{
	json_t *list = json_array(), *x, *y;
	size_t i, k;
	json_array_foreach(l->scope, i, x) {
		const char *id = json_string_value(x);
		struct dir_peer *p = directory_find(l->d, id);
		json_array_foreach(l->people, k, y) {
			json_t *owned = NULL;
			const json_t *o = lookup_outcome(json_object_get(answers, id),
							 json_object_get(index, id), k, &owned);
			json_t *e = json_pack("{s:s,s:s,s:i,s:s,s:O}", "partner", id, "name",
					      p ? p->name : id, "person", (int)k, "bsn",
					      json_string_value(json_object_get(y, "bsn")), "outcome",
					      json_object_get(o, "outcome"));
			if (json_object_get(o, "reason"))
				json_object_set(e, "reason", json_object_get(o, "reason"));
			json_array_append_new(list, e);
			json_decref(owned);
		}
	}
	return list;
}

/* Sends the lookup and gathers every partner's answer into answers:
 * partner → its answers (array), or one outcome for all it was asked. */
static int lookup_send(struct lookup *l, json_t *env, const json_t *index, json_t *answers,
		       int deadline, char *err, size_t errcap)
{
	json_t *reply = NULL, *x;
	size_t i;
	const char *qid = envelope_str(env, "id");
	if (json_array_size(json_object_get(env, "to")) == 0)
		return 0;
	int rc = node_call_broker(l->n, env, deadline + l->n->call_timeout_ms, &reply, err, errcap);
	if (rc != 0)
		return rc;
	json_t *body = envelope_body(reply), *delivery = json_object_get(body, "delivery");
	json_array_foreach(json_object_get(body, "answers"), i, x) {
		const char *from = NULL;
		json_t *outcomes = NULL;
		lookup_open_answer(l, x, qid, index, &from, &outcomes);
		if (from == NULL || !json_is_string(json_object_get(delivery, from)) ||
		    json_object_get(answers, from) != NULL) {
			json_decref(outcomes); /* not asked, or answered twice: ignored */
			continue;
		}
		json_object_set_new(answers, from, outcomes);
	}
	json_array_foreach(json_object_get(env, "to"), i, x) {
		const char *id = json_string_value(x);
		if (json_object_get(answers, id) != NULL)
			continue;
		const char *dv = json_string_value(json_object_get(delivery, id));
		json_object_set_new(answers, id,
				    json_pack("{s:s,s:s}", "outcome",
					      dv && strcmp(dv, "rejected") == 0 ? "invalid" : "unavailable",
					      "reason", dv ? dv : "no_delivery"));
	}
	json_decref(reply);
	return 0;
}

/* The sent log's completion: partner → outcome (one person) or outcomes. */
static void lookup_complete(const struct lookup *l, const char *qid, const json_t *result)
{
	json_t *summary = json_object(), *x;
	size_t i, n = json_array_size(l->people);
	json_array_foreach(result, i, x) {
		const char *id = json_string_value(json_object_get(x, "partner"));
		if (n == 1) {
			json_object_set(summary, id, json_object_get(x, "outcome"));
			continue;
		}
		if (json_object_get(summary, id) == NULL)
			json_object_set_new(summary, id, json_array());
		json_array_append(json_object_get(summary, id), json_object_get(x, "outcome"));
	}
	char *text = json_dumps(summary, JSON_COMPACT | JSON_SORT_KEYS);
	if (text == NULL || sentlog_complete_post(l->n->writer, qid, text) != 0)
		log_msg(WN_LOG_ERROR, "sent_log_failed", "could not record the answers of %s", qid);
	free(text);
	json_decref(summary);
}

/* Validates the request and prepares the lookup (people, ground, scope,
 * consents). */
static int lookup_prepare(struct lookup *l, json_t *rq, char *err, size_t errcap)
{
	int rc = schema_check(rq, lookup_rq_fields, err, errcap);
	if (rc == 0)
		rc = local_check_actor(json_object_get(rq, "actor"), err, errcap);
	if (rc != 0)
		return rc;
	l->actor = json_object_get(rq, "actor");
	l->purpose = json_string_value(json_object_get(rq, "purpose"));
	l->ground = json_string_value(json_object_get(rq, "ground"));
	l->cluster = json_string_value(json_object_get(rq, "cluster"));
	l->motivation = json_object_get(rq, "motivation");
	if ((rc = lookup_people(l, rq, err, errcap)) != 0)
		return rc;
	if (!vocab_purpose_known(l->purpose)) {
		snprintf(err, errcap, "unknown purpose '%s'", l->purpose);
		return WN_EPURPOSE;
	}
	if (l->cluster != NULL && !vocab_cluster(l->cluster)) {
		snprintf(err, errcap, "unknown cluster '%s' (jeugd, volwassenen, multiprobleem)",
			 l->cluster);
		return WN_ECLUSTER;
	}
	if ((rc = lookup_ground(l, err, errcap)) != 0)
		return rc;
	if ((l->d = node_directory(l->n)) == NULL) {
		snprintf(err, errcap, "no verified directory yet: is the broker reachable?");
		return WN_ESTATE;
	}
	if ((rc = lookup_scope(l, json_object_get(rq, "partners"), err, errcap)) != 0)
		return rc;
	/* a partner whose key we lack may have published it since: refresh once */
	size_t i;
	json_t *x;
	int missing = 0;
	json_array_foreach(l->scope, i, x)
		missing += !directory_find(l->d, json_string_value(x))->has_seal;
	if (missing) {
		directory_release(l->d);
		node_refresh_directory_before(l->n, time_now_ms());
		if ((l->d = node_directory(l->n)) == NULL) {
			snprintf(err, errcap, "no verified directory");
			return WN_ESTATE;
		}
	}
	return lookup_consents(l, err, errcap);
}

json_t *local_lookup(struct node *n, json_t *rq)
{
	char err[512] = "";
	json_t *env = NULL, *index = NULL, *answers = json_object(), *result = NULL, *list;
	struct lookup l;
	memset(&l, 0, sizeof(l));
	l.n = n;
	int deadline = (int)json_integer_value(json_object_get(rq, "deadline_ms"));
	if (deadline <= 0)
		deadline = LOOKUP_DEFAULT_DEADLINE_MS;
	int rc = lookup_prepare(&l, rq, err, sizeof(err));
	if (rc == 0)
		rc = lookup_envelope(&l, &env, &index, answers, deadline);
	if (rc != 0)
		goto fail;
	const char *qid = envelope_str(env, "id");
	if ((rc = lookup_log(&l, qid)) != 0) {
		snprintf(err, sizeof(err), "cannot log the lookup before sending; nothing was sent");
		goto fail;
	}
	if ((rc = lookup_send(&l, env, index, answers, deadline, err, sizeof(err))) != 0)
		goto fail;
	list = lookup_result(&l, answers, index);
	lookup_complete(&l, qid, list);
	result = json_pack("{s:b,s:{s:s,s:s,s:s,s:i,s:o}}", "ok", 1, "result", "request_id", qid,
			   "purpose", l.purpose, "ground", l.ground, "people",
			   (int)json_array_size(l.people), "answers", list);
	log_emit(WN_LOG_INFO, "lookup_done",
		 json_pack("{s:s,s:i,s:i,s:s}", "id", qid, "partners", (int)json_array_size(l.scope),
			   "people", (int)json_array_size(l.people), "ground", l.ground));
	goto out;
fail:
	result = local_error(rc, err[0] ? err : NULL);
out:
	json_decref(env);
	json_decref(index);
	json_decref(answers);
	lookup_clear(&l);
	return result;
}
