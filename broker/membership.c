/*
 * membership.c — a federation that governs itself. A candidate joins with a
 * signed accession declaration in its covenant's text (Heerlen 15, Bijlage
 * 4; Groningen 9.1); a member gives notice, ending two months later unless
 * every member agrees to an immediate exit (Heerlen 14.2; Groningen 10); the
 * municipality ends a membership with its reason (Groningen 10.2); the
 * policy changes by agreement (Heerlen 17.2; Groningen 11.4). Proposals are
 * decided by the members' votes under the federation's approval rule, taken
 * back by their proposer (a join request, a policy change, an exit) or made
 * void when the partner they are about, or a policy change's proposer,
 * leaves; every step is in the audit log.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "wijknet.h"
#include "context.h"
#include "declaration.h"
#include "date.h"
#include "envelope.h"
#include "ids.h"
#include "log.h"
#include "policy.h"
#include "replay.h"
#include "schema.h"
#include "secevent.h"
#include "transport.h"
#include "vocab.h"

#define PROPOSAL_LIST_DECIDED 20 /* decided proposals listed after the open ones */

static const struct schema_field join_fields[] = {
	{ "name", SCHEMA_STRING, 1, 200 },
	{ "address", SCHEMA_STRING, 1, 256 },
	{ "role", SCHEMA_STRING, 0, 16 },
	{ "clusters", SCHEMA_ARRAY, 1, 8 },
	{ "cert", SCHEMA_STRING, 1, 16384 },
	{ "declaration", SCHEMA_OBJECT, 1, 0 },
	{ NULL, 0, 0, 0 },
};

static const struct schema_field declaration_fields[] = {
	{ "version", SCHEMA_STRING, 1, 64 },
	{ "text_hash", SCHEMA_STRING, 1, 64 },
	{ "organisation", SCHEMA_STRING, 1, 200 },
	{ "representative", SCHEMA_STRING, 1, 200 },
	{ "function", SCHEMA_STRING, 1, 200 },
	{ "place", SCHEMA_STRING, 1, 100 },
	{ "date", SCHEMA_STRING, 10, 10 },
	{ NULL, 0, 0, 0 },
};

static const struct schema_field vote_fields[] = {
	{ "proposal", SCHEMA_STRING, 32, 32 },
	{ "vote", SCHEMA_STRING, 1, 8 },
	{ "reason", SCHEMA_STRING, 0, 1000 },
	{ NULL, 0, 0, 0 },
};

static const struct schema_field notice_fields[] = {
	{ "immediate", SCHEMA_BOOL, 0, 0 },
	{ "reason", SCHEMA_STRING, 0, 1000 },
	{ NULL, 0, 0, 0 },
};

static const struct schema_field address_fields[] = {
	{ "address", SCHEMA_STRING, 1, 256 },
	{ NULL, 0, 0, 0 },
};

static const struct schema_field withdraw_fields[] = {
	{ "proposal", SCHEMA_STRING, 32, 32 },
	{ "reason", SCHEMA_STRING, 0, 1000 },
	{ NULL, 0, 0, 0 },
};

static const struct schema_field end_fields[] = {
	{ "partner", SCHEMA_STRING, 1, 63 },
	{ "reason", SCHEMA_STRING, 1, 1000 },
	{ NULL, 0, 0, 0 },
};

struct proposal {
	char id[ID_HEX_LEN + 1];
	char kind[16];       /* join, exit, policy */
	char subject[PKI_ID_MAX];
	char rule[32];
	char status[16];     /* open, approved, rejected, withdrawn, void */
	char proposed_by[PKI_ID_MAX];
	char outcome[256];
	json_t *doc;         /* join: the candidate's signed request; policy: the policy */
};

/* ---- the proposals tables ---------------------------------------------- */

static void proposal_clear(struct proposal *p)
{
	json_decref(p->doc);
	p->doc = NULL;
}

static void col_copy(char *out, size_t cap, sqlite3_stmt *st, int c)
{
	const char *s = (const char *)sqlite3_column_text(st, c);
	snprintf(out, cap, "%s", s ? s : "");
}

/* The proposal id, else the newest of kind about subject. */
static int proposal_get(db *d, const char *id, const char *kind, const char *subject,
			struct proposal *out)
{
	sqlite3_stmt *st = NULL;
	memset(out, 0, sizeof(*out));
	db_lock(d);
	int rc = db_prepare(d, id ? "SELECT id, kind, subject, rule, status, document, proposed_by,"
				    " COALESCE(outcome, '') FROM proposals WHERE id = ?"
				  : "SELECT id, kind, subject, rule, status, document, proposed_by,"
				    " COALESCE(outcome, '') FROM proposals WHERE subject = ? AND"
				    " kind = ? ORDER BY proposed_at DESC LIMIT 1", &st);
	if (rc == 0) {
		sqlite3_bind_text(st, 1, id ? id : subject, -1, SQLITE_TRANSIENT);
		if (id == NULL)
			sqlite3_bind_text(st, 2, kind, -1, SQLITE_TRANSIENT);
		if (sqlite3_step(st) == SQLITE_ROW) {
			col_copy(out->id, sizeof(out->id), st, 0);
			col_copy(out->kind, sizeof(out->kind), st, 1);
			col_copy(out->subject, sizeof(out->subject), st, 2);
			col_copy(out->rule, sizeof(out->rule), st, 3);
			col_copy(out->status, sizeof(out->status), st, 4);
			col_copy(out->proposed_by, sizeof(out->proposed_by), st, 6);
			col_copy(out->outcome, sizeof(out->outcome), st, 7);
			out->doc = json_loads((const char *)sqlite3_column_text(st, 5), 0, NULL);
			rc = out->doc ? 0 : WN_EDB;
		} else {
			rc = WN_ENOTFOUND;
		}
	}
	sqlite3_finalize(st);
	db_unlock(d);
	return rc;
}

struct proposal_row {
	const struct proposal *p;
	const char *by;
};

static int proposal_insert(db *d, void *arg)
{
	const struct proposal_row *r = arg;
	char *doc = json_dumps(r->p->doc, JSON_COMPACT | JSON_SORT_KEYS);
	sqlite3_stmt *st = NULL;
	int rc = doc ? db_prepare(d, "INSERT INTO proposals(id, kind, subject, document,"
				     " proposed_by, proposed_at, rule, status) VALUES"
				     " (?, ?, ?, ?, ?, ?, ?, 'open')", &st)
		     : WN_ENOMEM;
	if (rc == 0) {
		sqlite3_bind_text(st, 1, r->p->id, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 2, r->p->kind, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 3, r->p->subject, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 4, doc, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 5, r->by, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 6, time_now_ms());
		sqlite3_bind_text(st, 7, r->p->rule, -1, SQLITE_TRANSIENT);
		rc = sqlite3_step(st) == SQLITE_DONE ? 0 : WN_EDB;
	}
	sqlite3_finalize(st);
	free(doc);
	return rc;
}

struct vote_row {
	const char *proposal, *partner, *vote, *reason, *actor;
	char *envelope;
};

static int vote_insert(db *d, void *arg)
{
	const struct vote_row *v = arg;
	sqlite3_stmt *st = NULL;
	int rc = db_prepare(d, "INSERT INTO proposal_votes(proposal, partner, vote, reason, actor,"
			       " envelope, at) VALUES (?, ?, ?, ?, ?, ?, ?)", &st);
	if (rc == 0) {
		sqlite3_bind_text(st, 1, v->proposal, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 2, v->partner, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 3, v->vote, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 4, v->reason, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 5, v->actor, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 6, v->envelope ? v->envelope : "{}", -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 7, time_now_ms());
		int step = sqlite3_step(st);
		rc = step == SQLITE_DONE ? 0 : step == SQLITE_CONSTRAINT ? WN_EEXISTS : WN_EDB;
	}
	sqlite3_finalize(st);
	return rc;
}

struct decide_row {
	const char *id, *status, *outcome;
};

static int proposal_close(db *d, void *arg)
{
	const struct decide_row *r = arg;
	sqlite3_stmt *st = NULL;
	int rc = db_prepare(d, "UPDATE proposals SET status = ?2, outcome = ?3, decided_at = ?4"
			       " WHERE id = ?1 AND status = 'open'", &st);
	if (rc == 0) {
		sqlite3_bind_text(st, 1, r->id, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 2, r->status, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 3, r->outcome, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 4, time_now_ms());
		rc = sqlite3_step(st) == SQLITE_DONE ? 0 : WN_EDB;
		if (rc == 0 && sqlite3_changes(db_handle(d)) != 1)
			rc = WN_ESTATE;
	}
	sqlite3_finalize(st);
	return rc;
}

/* Votes cast on a proposal: [{partner, vote, reason, actor, at}]. */
static json_t *proposal_votes(db *d, const char *id)
{
	sqlite3_stmt *st = NULL;
	json_t *votes = json_array();
	db_lock(d);
	if (db_prepare(d, "SELECT partner, vote, COALESCE(reason, ''), COALESCE(actor, ''), at"
			  " FROM proposal_votes WHERE proposal = ? ORDER BY at", &st) == 0) {
		sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
		while (sqlite3_step(st) == SQLITE_ROW)
			json_array_append_new(
				votes, json_pack("{s:s,s:s,s:s,s:s,s:I}", "partner",
						 (const char *)sqlite3_column_text(st, 0), "vote",
						 (const char *)sqlite3_column_text(st, 1), "reason",
						 (const char *)sqlite3_column_text(st, 2), "actor",
						 (const char *)sqlite3_column_text(st, 3), "at",
						 (json_int_t)sqlite3_column_int64(st, 4)));
	}
	sqlite3_finalize(st);
	db_unlock(d);
	return votes;
}

/* 1 when m is no longer in the federation: its membership ended or its
 * certificate was revoked (a lapsed one is renewed, and it is back). */
static int member_gone(const struct registry_partner *m)
{
	int state = m ? atomic_load(&m->state) : PARTNER_ENDED;
	return state == PARTNER_ENDED || state == PARTNER_REVOKED;
}

/* The partner whose clusters a policy change moves and who has left (NULL:
 * none): moving a former partner between clusters cannot be agreed. */
static const struct registry_partner *policy_moves_gone(struct broker *b, const json_t *doc)
{
	json_t *changes = policy_changes(b, doc), *v;
	const char *key;
	const struct registry_partner *gone = NULL;
	json_object_foreach(changes, key, v) {
		struct registry_partner *m = strncmp(key, "clusters.", 9) == 0
						     ? registry_find(b->reg, key + 9) : NULL;
		if (gone == NULL && m != NULL && member_gone(m))
			gone = m;
	}
	json_decref(changes);
	return gone;
}

/* 1 (why set) when open proposal p makes no sense any more because the
 * partner it is about has left: its exit, or moving it between clusters.
 * Deciding it later would record an agreement about nobody. So does a
 * policy change, or a municipality's proposal to end another's membership,
 * whose proposer left: nobody stands behind it, and nobody could withdraw
 * it any more. */
static int proposal_moot(struct broker *b, const struct proposal *p, char *why, size_t cap)
{
	const struct registry_partner *m = NULL;
	if (strcmp(p->kind, "exit") == 0 && (m = registry_find(b->reg, p->subject)) != NULL &&
	    member_gone(m)) {
		snprintf(why, cap, "void: '%s' left the federation (%s) before its exit was "
			 "decided", p->subject, registry_status(m));
		return 1;
	}
	/* an exit a member proposed of itself is covered above */
	if ((strcmp(p->kind, "policy") == 0 || strcmp(p->kind, "exit") == 0) &&
	    (m = registry_find(b->reg, p->proposed_by)) != NULL && member_gone(m)) {
		snprintf(why, cap, "void: its proposer '%s' left the federation (%s) before it "
			 "was decided; %s can propose it again", m->id, registry_status(m),
			 strcmp(p->kind, "exit") == 0 ? "a municipality that is a member" : "a member");
		return 1;
	}
	if (strcmp(p->kind, "policy") == 0 && (m = policy_moves_gone(b, p->doc)) != NULL) {
		snprintf(why, cap, "void: it moves '%s' between clusters, and '%s' left the "
			 "federation (%s) before it was decided; the rest can be proposed again",
			 m->id, m->id, registry_status(m));
		return 1;
	}
	return 0;
}

/* Closes open proposal p as status with outcome (withdrawn, void), by whom,
 * once, in the audit log, and says so in the broker's log. Called under
 * member_lock; WN_ESTATE when it was closed meanwhile. */
static int proposal_close_as(struct broker *b, const struct proposal *p, const char *status,
			     const char *outcome, const char *by)
{
	struct decide_row row = { p->id, status, outcome };
	json_t *entry = json_pack("{s:s,s:I,s:s,s:s,s:s,s:s,s:s,s:s}", "type", "member.decision",
				  "ts", (json_int_t)time_now_ms(), "proposal", p->id, "kind", p->kind,
				  "subject", p->subject, "status", status, "outcome", outcome, "by",
				  by);
	int64_t idx;
	char leaf[65];
	int rc = entry ? store_audit_with(&b->audit, proposal_close, &row, entry, &idx, leaf)
		       : WN_ENOMEM;
	json_decref(entry);
	if (rc != 0)
		return rc;
	log_emit(WN_LOG_INFO, strcmp(status, "void") == 0 ? "proposal_void" : "proposal_withdrawn",
		 json_pack("{s:s,s:s,s:s,s:s}", "proposal", p->id, "kind", p->kind, "subject",
			   p->subject, "outcome", outcome));
	return 0;
}

/* ---- deciding ---------------------------------------------------------- */

/* A member that may vote on p: a covenant member in the federation now,
 * not the proposal's subject. A suspended member keeps its vote: suspending
 * a member whose vote is missing must not decide a proposal without it. So
 * does one whose certificate lapsed: until it is renewed it cannot vote, and
 * the proposal waits (a revoked certificate ends the membership itself). */
static int member_may_vote(const struct registry_partner *m, const struct proposal *p)
{
	int state = atomic_load(&m->state);
	int in = state == PARTNER_ACTIVE || state == PARTNER_NOTICE || state == PARTNER_SUSPENDED;
	return registry_member(m) && in && strcmp(m->id, p->subject) != 0;
}

static void member_tally(struct broker *b, const struct proposal *p, const json_t *votes,
			 struct policy_tally *t)
{
	memset(t, 0, sizeof(*t));
	for (size_t i = 0; i < registry_count(b->reg); i++) {
		struct registry_partner *m = registry_at(b->reg, i);
		if (!member_may_vote(m, p))
			continue;
		t->voters++;
		t->municipality_voters += m->municipality;
		size_t k;
		json_t *v;
		json_array_foreach(votes, k, v) {
			const char *who = json_string_value(json_object_get(v, "partner"));
			const char *what = json_string_value(json_object_get(v, "vote"));
			if (who == NULL || what == NULL || strcmp(who, m->id) != 0)
				continue;
			int yes = strcmp(what, "approve") == 0;
			t->approvals += yes;
			t->rejections += !yes;
			t->municipality_approvals += yes && m->municipality;
			t->municipality_rejections += !yes && m->municipality;
		}
	}
}

/* The rule p is decided by: its own, but for a municipality's join while no
 * municipality can vote, which municipality_and_majority could never
 * approve. Then every member decides (Heerlen 15.3; Groningen 12: the
 * partners decide with the municipality, whose request is its word). */
static const char *member_rule(const struct proposal *p, const struct policy_tally *t)
{
	const char *role = p->doc ? json_string_value(json_object_get(envelope_body(p->doc),
								     "role"))
				  : NULL;
	if (strcmp(p->rule, POLICY_RULE_MAJORITY) == 0 && t->municipality_voters == 0 &&
	    strcmp(p->kind, "join") == 0 && role != NULL && strcmp(role, "municipality") == 0)
		return POLICY_RULE_UNANIMOUS;
	return p->rule;
}

/* The partners in the federation now: active, under notice or suspended. */
static json_int_t member_live_count(struct broker *b)
{
	json_int_t live = 0;
	for (size_t i = 0; i < registry_count(b->reg); i++) {
		int state = atomic_load(&registry_at(b->reg, i)->state);
		live += state == PARTNER_ACTIVE || state == PARTNER_NOTICE ||
			state == PARTNER_SUSPENDED;
	}
	return live;
}

/* Room for one more partner under max_partners: a lookup asks every active
 * partner but the one asking by default, and the broker refuses a message to
 * more than max_partners, so admitting one past it would make every default
 * lookup fail (and every policy change but one raising the limit). */
static int member_check_room(struct broker *b, const char *candidate, char *err,
			     size_t errcap)
{
	json_int_t live = member_live_count(b);
	int max = atomic_load(&b->max_partners);
	if (live > max) { /* with the candidate, less the partner asking */
		snprintf(err, errcap, "admitting '%s' would make %lld partners, and a default lookup "
			 "would ask %lld of them, more than the federation's max_partners (%d) allows: "
			 "the members raise max_partners first (wijknet policy propose)", candidate,
			 (long long)(live + 1), (long long)live, max);
		return WN_ELIMIT;
	}
	return 0;
}

/* Registers an approved candidate from its signed request. */
static int member_admit(struct broker *b, const struct proposal *p, char *err, size_t errcap)
{
	int rc = member_check_room(b, p->subject, err, errcap);
	if (rc != 0)
		return rc;
	json_t *body = envelope_body(p->doc);
	struct registry_entry e = {
		p->subject,
		json_string_value(json_object_get(body, "name")),
		json_string_value(json_object_get(body, "address")),
		json_string_value(json_object_get(body, "role")) ? json_string_value(json_object_get(body, "role"))
								  : "member",
		json_string_value(json_object_get(body, "cert")),
		json_object_get(body, "clusters"),
	};
	struct registry_partner *added = NULL;
	return registry_admit(b->reg, &e, p->id, &added, err, errcap);
}

/* Carries out an approved proposal. */
static int member_carry_out(struct broker *b, const struct proposal *p, char *err, size_t errcap)
{
	if (strcmp(p->kind, "join") == 0)
		return member_admit(b, p, err, errcap);
	if (strcmp(p->kind, "policy") == 0) {
		char next[32];
		snprintf(next, sizeof(next), "policy-v%d", b->policy_version + 1);
		if (strcmp(p->subject, next) != 0) { /* decided under an older version */
			snprintf(err, errcap, "%s was proposed for another version than the next "
				 "(%s)", p->subject, next);
			return WN_ESTATE;
		}
		return policy_adopt(b, p->doc, p->id, err, errcap);
	}
	struct registry_partner *m = registry_find(b->reg, p->subject);
	if (m == NULL)
		return WN_ENOTFOUND;
	/* the municipality's proposal to end it carries the municipality's reason */
	const char *why = json_object_get(p->doc, "ended_by") != NULL
				  ? json_string_value(json_object_get(p->doc, "reason"))
				  : "immediate exit agreed by every member (Heerlen 14.2)";
	int rc = registry_set_state(b->reg, m, REGISTRY_FROM(PARTNER_ACTIVE) |
					    REGISTRY_FROM(PARTNER_NOTICE) | REGISTRY_FROM(PARTNER_SUSPENDED),
				    PARTNER_ENDED, 0, why, p->id);
	return rc == WN_ESTATE ? 0 : rc; /* ended or revoked meanwhile: nothing to do */
}

static int member_other_municipality(struct broker *b, const struct registry_partner *m);

/* 1 when p is an exit of a municipality that no other would outlast: the
 * other ended or was revoked while p was open. Agreed, it would leave no
 * one to answer the client (Heerlen 9.1), so it is not carried out. */
static int member_exit_leaves_none(struct broker *b, const struct proposal *p)
{
	if (strcmp(p->kind, "exit") != 0)
		return 0;
	struct registry_partner *m = registry_find(b->reg, p->subject);
	return m != NULL && m->municipality && !member_other_municipality(b, m);
}

/* Decides p when its votes suffice under its rule: closes it (once, in
 * the audit log), then carries it out. Called under member_lock. */
static int member_decide(struct broker *b, const struct proposal *p, const char **status,
			 char *err, size_t errcap)
{
	json_t *votes = proposal_votes(b->db, p->id);
	struct policy_tally t;
	member_tally(b, p, votes, &t);
	json_decref(votes);
	const char *rule = member_rule(p, &t);
	int d = policy_decide(rule, &t);
	int none = d > 0 && member_exit_leaves_none(b, p);
	if (none)
		d = -1;
	*status = d > 0 ? "approved" : d < 0 ? "rejected" : "open";
	if (d == 0)
		return 0;
	char outcome[200];
	snprintf(outcome, sizeof(outcome), "%s: %d of %d members approved, %d rejected (%s%s)%s",
		 *status, t.approvals, t.voters, t.rejections, rule,
		 rule != p->rule ? ": no municipality to agree" : "",
		 none ? "; no other municipality would stay" : "");
	struct decide_row row = { p->id, *status, outcome };
	json_t *entry = json_pack("{s:s,s:I,s:s,s:s,s:s,s:s}", "type", "member.decision", "ts",
				  (json_int_t)time_now_ms(), "proposal", p->id, "kind", p->kind,
				  "subject", p->subject, "outcome", outcome);
	int64_t idx;
	char leaf[65];
	int rc = entry ? store_audit_with(&b->audit, proposal_close, &row, entry, &idx, leaf)
		       : WN_ENOMEM;
	json_decref(entry);
	if (rc == WN_ESTATE)
		return 0; /* decided already */
	if (rc != 0) {
		/* the votes are stored: the federation thread decides it again */
		log_msg(WN_LOG_ERROR, "proposal_not_decided", "proposal %s (%s %s) is %s but the "
			"decision could not be stored (%s); it is counted again", p->id, p->kind,
			p->subject, *status, wn_strerror(rc));
		atomic_store(&b->retally_due, 1);
		broker_federation_wake(b);
		*status = "open";
		return 0;
	}
	log_emit(WN_LOG_INFO, "proposal_decided",
		 json_pack("{s:s,s:s,s:s,s:s}", "proposal", p->id, "kind", p->kind, "subject",
			   p->subject, "outcome", outcome));
	if (d > 0 && (rc = member_carry_out(b, p, err, errcap)) != 0) {
		log_msg(WN_LOG_ERROR, "proposal_not_carried_out", "proposal %s (%s %s) was approved "
			"but could not be carried out: %s; it is tried again", p->id, p->kind,
			p->subject, err);
		atomic_store(&b->carry_due, 1);
	}
	broker_federation_wake(b);
	return 0; /* decided and stored: the vote that decided it counts */
}

/* Records a vote (audited) and decides when it suffices. */
static int member_vote_cast(struct broker *b, const struct proposal *p, const char *partner,
			    const char *vote, const char *reason, const json_t *env,
			    const char **status, char *err, size_t errcap)
{
	struct vote_row v = { p->id, partner, vote, reason,
			      env ? json_string_value(json_object_get(
					    json_object_get(env, "actor"), "id"))
				  : NULL,
			      env ? json_dumps(env, JSON_COMPACT | JSON_SORT_KEYS) : NULL };
	json_t *entry = json_pack("{s:s,s:I,s:s,s:s,s:s}", "type", "member.vote", "ts",
				  (json_int_t)time_now_ms(), "proposal", p->id, "partner", partner,
				  "vote", vote);
	int64_t idx;
	char leaf[65];
	int rc = entry ? store_audit_with(&b->audit, vote_insert, &v, entry, &idx, leaf) : WN_ENOMEM;
	json_decref(entry);
	free(v.envelope);
	if (rc == WN_EEXISTS) {
		snprintf(err, errcap, "'%s' has already voted on proposal %s", partner, p->id);
		return rc;
	}
	if (rc != 0)
		return rc;
	return member_decide(b, p, status, err, errcap);
}

/* Opens a proposal (audited); the proposer, when a member, approves it. */
static int member_propose(struct broker *b, struct proposal *p, const char *by,
			  const json_t *env, const char **status, char *err, size_t errcap)
{
	if (id_generate(p->id) != 0)
		return WN_ECRYPTO;
	struct proposal_row row = { p, by };
	json_t *entry = json_pack("{s:s,s:I,s:s,s:s,s:s,s:s,s:s}", "type", "member.proposal", "ts",
				  (json_int_t)time_now_ms(), "proposal", p->id, "kind", p->kind,
				  "subject", p->subject, "rule", p->rule, "by", by);
	int64_t idx;
	char leaf[65];
	int rc = entry ? store_audit_with(&b->audit, proposal_insert, &row, entry, &idx, leaf)
		       : WN_ENOMEM;
	json_decref(entry);
	if (rc != 0)
		return rc;
	log_emit(WN_LOG_INFO, "proposal_opened",
		 json_pack("{s:s,s:s,s:s,s:s}", "proposal", p->id, "kind", p->kind, "subject",
			   p->subject, "by", by));
	*status = "open";
	struct registry_partner *m = registry_find(b->reg, by);
	if (m != NULL && member_may_vote(m, p))
		return member_vote_cast(b, p, by, "approve", "proposed it", env, status, err,
					errcap);
	return member_decide(b, p, status, err, errcap);
}

/* ---- a candidate ------------------------------------------------------- */

/* The declaration in the accession text of the federation's covenant: one
 * in another covenant's text would record an accession to a covenant the
 * federation does not run under. */
static int member_check_declaration(const struct broker *b, const json_t *decl, char *err,
				    size_t errcap)
{
	const struct accession *want = b->accession, *other = NULL;
	char detail[200], hash[65];
	if (schema_check(decl, declaration_fields, detail, sizeof(detail)) != 0) {
		snprintf(err, errcap, "the accession declaration (%s): %s", want->label, detail);
		return WN_ESCHEMA;
	}
	static const char *const signer[] = { "organisation", "representative", "function",
					      "place", NULL };
	if (declaration_check_signed(decl, signer, "date", detail, sizeof(detail)) != 0) {
		snprintf(err, errcap, "the accession declaration (%s): %s", want->label, detail);
		return WN_ESCHEMA;
	}
	const char *version = json_string_value(json_object_get(decl, "version"));
	if (strcmp(version, want->version) != 0 &&
	    declaration_accession_of_version(version, &other) == 0) {
		snprintf(err, errcap, "the accession declaration is signed in the %s text (%s), but "
			 "this federation runs under the %s covenant, whose accession text is %s: put "
			 "\"covenant\": \"%s\" in join.json and join again", other->label,
			 other->version, want->covenant, want->version, want->covenant);
		return WN_ESCHEMA;
	}
	if (strcmp(version, want->version) != 0 || declaration_hash(version, hash) != 0) {
		snprintf(err, errcap, "declaration version '%.64s' is not the accession text (%s, %s)",
			 version, want->version, want->label);
		return WN_ESCHEMA;
	}
	if (strcmp(hash, json_string_value(json_object_get(decl, "text_hash"))) != 0) {
		snprintf(err, errcap, "the declaration's text_hash is not that of %s", version);
		return WN_ESCHEMA;
	}
	return 0;
}

/* Whether address is a node's own: two partners at one address would have
 * the broker reach one as the other. self may hold it (NULL: nobody). */
static int member_address_free(struct broker *b, const char *address,
			       const struct registry_partner *self, char *err, size_t errcap)
{
	for (size_t k = 0; k < registry_count(b->reg); k++) {
		const struct registry_partner *o = registry_at(b->reg, k);
		int state = atomic_load(&o->state);
		if (o != self && state != PARTNER_ENDED && state != PARTNER_REVOKED &&
		    strcmp(o->address, address) == 0) {
			snprintf(err, errcap, "field 'address': %.200s is where the broker reaches "
				 "'%s' already; give the node's own address", address, o->id);
			return WN_EEXISTS;
		}
	}
	return 0;
}

/* Whether address is free of another candidate's open join request: two
 * admitted at one address would leave one of them unreachable from the day
 * it is admitted, its handshakes refused as the other's. */
static int member_address_unclaimed(struct broker *b, const char *address, const char *candidate,
				    char *err, size_t errcap)
{
	sqlite3_stmt *st = NULL;
	db_lock(b->db);
	int rc = db_prepare(b->db, "SELECT subject FROM proposals WHERE kind = 'join' AND"
				   " status = 'open' AND subject != ?1 AND"
				   " json_extract(document, '$.body.address') = ?2 LIMIT 1", &st);
	if (rc == 0) {
		sqlite3_bind_text(st, 1, candidate, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 2, address, -1, SQLITE_TRANSIENT);
		int step = sqlite3_step(st);
		if (step == SQLITE_ROW) {
			snprintf(err, errcap, "field 'address': %.200s is where candidate '%s' asked "
				 "to be reached (its join request is open); give the node's own address",
				 address, (const char *)sqlite3_column_text(st, 0));
			rc = WN_EEXISTS;
		} else if (step != SQLITE_DONE) {
			rc = WN_EDB;
		}
	}
	sqlite3_finalize(st);
	db_unlock(b->db);
	if (rc != 0 && rc != WN_EEXISTS) /* not known whether it is free: none made */
		snprintf(err, errcap, "cannot read the open join requests: %s", wn_strerror(rc));
	return rc;
}

static int member_check_join(struct broker *b, const json_t *env, X509 *cert, char *err,
			     size_t errcap)
{
	json_t *body = envelope_body(env);
	char detail[256];
	if (body == NULL || schema_check(body, join_fields, detail, sizeof(detail)) != 0) {
		snprintf(err, errcap, "join request: %s", body ? detail : "missing body");
		return WN_ESCHEMA;
	}
	/* a municipality joins as any partner does, so the federation's only
	 * one can leave once another is in (a merger, a regional federation) */
	const char *role = json_string_value(json_object_get(body, "role"));
	if (role != NULL && strcmp(role, "member") != 0 && strcmp(role, "municipality") != 0 &&
	    strcmp(role, "incidental") != 0) {
		snprintf(err, errcap, "join request: field 'role': '%.16s' is not member, "
			 "municipality or incidental", role);
		return WN_ESCHEMA;
	}
	/* where the broker will reach the node: a typo would leave a member that
	 * is down from the day it is admitted */
	const char *address = json_string_value(json_object_get(body, "address"));
	if (transport_url_valid(address) != 0) {
		snprintf(err, errcap, "join request: field 'address': '%.200s' is not "
			 "tls+tcp://host:port, where the broker reaches the node", address);
		return WN_ESCHEMA;
	}
	int rc = member_address_free(b, address, NULL, err, errcap);
	if (rc != 0)
		return rc;
	size_t i;
	json_t *c;
	if (json_array_size(json_object_get(body, "clusters")) == 0) {
		snprintf(err, errcap, "join request: clusters: the partner takes part in at least "
			 "one of jeugd, volwassenen, multiprobleem");
		return WN_ECLUSTER;
	}
	json_array_foreach(json_object_get(body, "clusters"), i, c) {
		if (!vocab_cluster(json_string_value(c))) {
			snprintf(err, errcap, "join request: cluster '%.32s' (item %zu) is not one of "
				 "jeugd, volwassenen, multiprobleem", json_string_value(c)
				 ? json_string_value(c) : "?", i + 1);
			return WN_ECLUSTER;
		}
	}
	(void)cert;
	return member_check_declaration(b, json_object_get(body, "declaration"), err, errcap);
}

/* The certificate a candidate's message is checked with: the one in its
 * join request (new) or in its stored one. */
static int candidate_cert(struct broker *b, const json_t *env, const struct proposal *p,
			  X509 **cert, char *err, size_t errcap)
{
	const char *from = envelope_str(env, "from");
	const json_t *src = p->doc ? envelope_body(p->doc) : envelope_body(env);
	const char *pem = json_string_value(json_object_get(src, "cert"));
	char why[256];
	if (pem == NULL || pki_cert_from_pem(pem, cert) != 0) {
		snprintf(err, errcap, "sender '%s' is not a partner in the registry", from);
		return WN_EUNKNOWN_PARTNER;
	}
	int rc = pki_trust_verify(b->trust, *cert, from, why, sizeof(why));
	if (rc != 0) {
		snprintf(err, errcap, "candidate '%s': %s", from, why);
		return rc;
	}
	if (envelope_verify(env, *cert) != 0) {
		snprintf(err, errcap, "signature does not verify for the candidate '%s'", from);
		return WN_ESIG;
	}
	return 0;
}

/* The answer a candidate can verify without a directory: the broker's
 * certificate travels with it. */
static int candidate_reply(struct broker *b, const json_t *env, const struct proposal *p,
			   const char *status, json_t **reply)
{
	json_t *r = NULL;
	int rc = envelope_new1(&r, "member.status", b->ident->id, envelope_str(env, "from"));
	if (rc != 0)
		return rc;
	envelope_set_str(r, "re", envelope_str(env, "id"));
	json_object_set_new(r, "body", json_pack("{s:s,s:s,s:s,s:s}", "proposal", p->id, "status",
						 status, "partner", p->subject, "broker_cert",
						 b->ident->cert_pem));
	if ((rc = broker_sign(b, r)) != 0) {
		json_decref(r);
		return rc;
	}
	*reply = r;
	return 0;
}

/* Opens p (about its subject, proposed by by) unless one of its kind about
 * that subject is open already: WN_EEXISTS. Called under member_lock. */
static int member_propose_once(struct broker *b, struct proposal *p, const char *by,
			       const json_t *env, const char **status, char *err, size_t errcap)
{
	struct proposal prev;
	int rc = proposal_get(b->db, NULL, p->kind, p->subject, &prev);
	if (rc != 0 && rc != WN_ENOTFOUND) { /* not known whether one is open: none made */
		snprintf(err, errcap, "cannot read the proposals: %s", wn_strerror(rc));
	} else if (rc == 0 && strcmp(prev.status, "open") == 0) {
		snprintf(err, errcap, "%s %s of '%s' is proposed already (proposal %s)",
			 strcmp(p->kind, "exit") == 0 ? "an" : "a", p->kind,
			 prev.subject, prev.id);
		rc = WN_EEXISTS;
	} else {
		rc = p->doc ? member_propose(b, p, by, env, status, err, errcap) : WN_ENOMEM;
	}
	proposal_clear(&prev);
	return rc;
}

/* The candidate takes its open join request back (a wrong address, the
 * wrong clusters): closed as withdrawn, in the audit log; it may ask again. */
static int candidate_withdraw(struct broker *b, const json_t *env, const struct proposal *p,
			      json_t **reply, char *err, size_t errcap)
{
	pthread_mutex_lock(&b->member_lock);
	int rc = proposal_close_as(b, p, "withdrawn", "withdrawn by the candidate", p->subject);
	pthread_mutex_unlock(&b->member_lock);
	if (rc == WN_ESTATE)
		snprintf(err, errcap, "join request %s is %s already: only an open one is "
			 "withdrawn", p->id, p->status);
	if (rc != 0)
		return rc;
	broker_federation_wake(b);
	return candidate_reply(b, env, p, "withdrawn", reply);
}

static int candidate_join(struct broker *b, const json_t *env, json_t **reply, char *err,
			  size_t errcap)
{
	int rc = member_check_join(b, env, NULL, err, errcap);
	if (rc == 0) /* told now, not after the members voted */
		rc = member_check_room(b, envelope_str(env, "from"), err, errcap);
	if (rc != 0)
		return rc;
	struct proposal p = { .doc = json_deep_copy(env) };
	snprintf(p.kind, sizeof(p.kind), "join");
	snprintf(p.subject, sizeof(p.subject), "%s", envelope_str(env, "from"));
	const char *status = "open";
	pthread_mutex_lock(&b->member_lock);
	pthread_mutex_lock(&b->policy_lock); /* the rule in force when it is made */
	snprintf(p.rule, sizeof(p.rule), "%s", b->approval_rule);
	pthread_mutex_unlock(&b->policy_lock);
	/* under the lock joins are proposed under: two cannot both take it */
	rc = member_address_unclaimed(b, json_string_value(json_object_get(envelope_body(env),
									   "address")),
				      p.subject, err, errcap);
	if (rc == 0)
		rc = member_propose_once(b, &p, p.subject, NULL, &status, err, errcap);
	pthread_mutex_unlock(&b->member_lock);
	if (rc == 0)
		rc = candidate_reply(b, env, &p, status, reply);
	proposal_clear(&p);
	return rc;
}

int broker_handle_candidate(struct broker *b, const json_t *env, int *handled, json_t **reply,
			    char *err, size_t errcap)
{
	const char *type = envelope_str(env, "type"), *from = envelope_str(env, "from");
	struct proposal prev;
	X509 *cert = NULL;
	int known = proposal_get(b->db, NULL, "join", from, &prev) == 0;
	int join = strcmp(type, "member.join") == 0;
	*handled = join || known;
	if (!*handled)
		return 0;
	int rc = candidate_cert(b, env, join ? &(struct proposal){ 0 } : &prev, &cert, err,
				errcap);
	if (rc == 0 && !envelope_addressed_to(env, b->ident->id)) {
		snprintf(err, errcap, "envelope is not addressed to the broker '%s'", b->ident->id);
		rc = WN_EPROTO;
	}
	if (rc == 0 && (rc = replay_check(b->replay, envelope_str(env, "id"), envelope_ts(env),
					  b->skew_ms)) != 0)
		replay_explain(b->replay, rc, envelope_str(env, "id"), envelope_ts(env), b->skew_ms,
			       err, errcap);
	if (rc != 0) {
		*handled = 0; /* a refusal like any unknown sender's */
	} else if (join) {
		rc = candidate_join(b, env, reply, err, errcap);
	} else if (strcmp(type, "member.status") == 0) {
		rc = candidate_reply(b, env, &prev, prev.status, reply);
	} else if (strcmp(type, "member.withdraw") == 0) {
		rc = candidate_withdraw(b, env, &prev, reply, err, errcap);
	} else {
		snprintf(err, errcap, "'%s' is not a member yet: its join request is %s (proposal "
			 "%s)", from, prev.status, prev.id);
		rc = WN_EPENDING;
	}
	X509_free(cert);
	proposal_clear(&prev);
	return rc;
}

int broker_former_join(struct broker *b, const json_t *env, const struct registry_partner *p,
		       char *err, size_t errcap)
{
	X509 *cert = NULL;
	int rc = candidate_cert(b, env, &(struct proposal){ 0 }, &cert, err, errcap);
	X509_free(cert);
	if (rc != 0)
		return rc;
	/* its records, audit entries and cases name it by this id; reusing it
	 * would make the old entries read as the new member's */
	snprintf(err, errcap, "'%s' is a former partner (%s): its id stays in the registry with "
		 "the records that name it; a former partner joins again under a new id, with a "
		 "certificate for that id", p->id, registry_status(p));
	return WN_EEXISTS;
}

/* Open proposals counted again after the registry changed: a member who
 * left may have been the last one missing (or the last to object), or the
 * partner a proposal is about, which makes it void. */
void broker_member_retally(struct broker *b)
{
	sqlite3_stmt *st = NULL;
	json_t *open = json_array();
	db_lock(b->db);
	if (db_prepare(b->db, "SELECT id FROM proposals WHERE status = 'open'", &st) == 0)
		while (sqlite3_step(st) == SQLITE_ROW)
			json_array_append_new(open,
					      json_string((const char *)sqlite3_column_text(st, 0)));
	sqlite3_finalize(st);
	db_unlock(b->db);
	size_t i;
	json_t *id;
	json_array_foreach(open, i, id) {
		struct proposal p;
		const char *status = "open";
		char err[256] = "";
		char why[256];
		int rc = 0;
		pthread_mutex_lock(&b->member_lock);
		if (proposal_get(b->db, json_string_value(id), NULL, NULL, &p) == 0 &&
		    strcmp(p.status, "open") == 0) {
			/* one about a partner that left is closed as such, never decided */
			if (proposal_moot(b, &p, why, sizeof(why))) {
				if ((rc = proposal_close_as(b, &p, "void", why, b->ident->id)) != 0 &&
				    rc != WN_ESTATE) {
					log_msg(WN_LOG_ERROR, "proposal_void_failed", "%s: %s; tried "
						"again", p.id, wn_strerror(rc));
					atomic_store(&b->retally_due, 1);
				}
			} else if (member_decide(b, &p, &status, err, sizeof(err)) != 0) {
				log_msg(WN_LOG_ERROR, "proposal_retally_failed", "%s: %s", p.id, err);
			}
		}
		proposal_clear(&p);
		pthread_mutex_unlock(&b->member_lock);
	}
	json_decref(open);
}

/* 1 when approved p is carried out, or can no longer be: the candidate is
 * in the registry, the member gone, the policy version in force or passed. */
static int member_carried_out(struct broker *b, const struct proposal *p)
{
	if (strcmp(p->kind, "join") == 0)
		return registry_find(b->reg, p->subject) != NULL;
	if (strcmp(p->kind, "policy") == 0) {
		int v = 0;
		return sscanf(p->subject, "policy-v%d", &v) != 1 || v != b->policy_version + 1;
	}
	struct registry_partner *m = registry_find(b->reg, p->subject);
	int state = m ? atomic_load(&m->state) : PARTNER_ENDED;
	return state != PARTNER_ACTIVE && state != PARTNER_NOTICE && state != PARTNER_SUSPENDED;
}

int broker_member_carry_pending(struct broker *b)
{
	sqlite3_stmt *st = NULL;
	json_t *approved = json_array(), *id;
	int pending = 0;
	/* each failing one said once a minute while it keeps failing, tried every tick */
	int say = time_now_ms() - b->carry_logged_ms >= 60000;
	size_t i;
	db_lock(b->db);
	if (db_prepare(b->db, "SELECT id FROM proposals WHERE status = 'approved' ORDER BY"
			      " decided_at", &st) == 0)
		while (sqlite3_step(st) == SQLITE_ROW)
			json_array_append_new(approved, json_string((const char *)
							  sqlite3_column_text(st, 0)));
	sqlite3_finalize(st);
	db_unlock(b->db);
	json_array_foreach(approved, i, id) {
		struct proposal p;
		char err[256] = "";
		int rc = 0;
		pthread_mutex_lock(&b->member_lock);
		if (proposal_get(b->db, json_string_value(id), NULL, NULL, &p) == 0 &&
		    strcmp(p.status, "approved") == 0 && !member_carried_out(b, &p)) {
			if ((rc = member_carry_out(b, &p, err, sizeof(err))) == 0)
				log_emit(WN_LOG_INFO, "proposal_carried_out",
					 json_pack("{s:s,s:s,s:s}", "proposal", p.id, "kind", p.kind,
						   "subject", p.subject));
		}
		pthread_mutex_unlock(&b->member_lock);
		if (rc != 0) {
			pending = 1;
			if (say)
				log_msg(WN_LOG_ERROR, "proposal_not_carried_out", "proposal %s (%s %s)"
					" is approved but still cannot be carried out: %s", p.id,
					p.kind, p.subject, err);
		}
		proposal_clear(&p);
	}
	if (pending && say)
		b->carry_logged_ms = time_now_ms();
	json_decref(approved);
	return pending;
}

/* ---- members' messages ------------------------------------------------- */

static int member_vote(struct broker *b, const struct broker_request *rq, const json_t *body,
		       json_t **reply, char *err, size_t errcap)
{
	const char *id = json_string_value(json_object_get(body, "proposal"));
	const char *vote = json_string_value(json_object_get(body, "vote"));
	if (strcmp(vote, "approve") != 0 && strcmp(vote, "reject") != 0) {
		snprintf(err, errcap, "vote: approve or reject");
		return WN_ESCHEMA;
	}
	struct proposal p;
	int rc = proposal_get(b->db, id, NULL, NULL, &p);
	if (rc != 0) {
		snprintf(err, errcap, "no proposal %s", id);
		return rc;
	}
	pthread_mutex_lock(&b->member_lock);
	proposal_clear(&p); /* read again under the lock: a vote may have decided it */
	if ((rc = proposal_get(b->db, id, NULL, NULL, &p)) != 0) {
		pthread_mutex_unlock(&b->member_lock);
		return rc;
	}
	const char *status = p.status;
	char why[256];
	if (strcmp(p.status, "open") != 0) {
		if (p.outcome[0] != '\0') /* the outcome begins with the status */
			snprintf(err, errcap, "proposal %s is closed: %s", id, p.outcome);
		else
			snprintf(err, errcap, "proposal %s is %s already", id, p.status);
		rc = WN_ESTATE;
	} else if (proposal_moot(b, &p, why, sizeof(why))) {
		/* the registry changed before the federation thread closed it */
		rc = proposal_close_as(b, &p, "void", why, b->ident->id);
		snprintf(err, errcap, "proposal %s is %s", id, rc == 0 ? why : "being closed: "
			 "the partner it is about, or its proposer, left the federation");
		if (rc != 0)
			atomic_store(&b->retally_due, 1);
		broker_federation_wake(b);
		rc = WN_ESTATE;
	} else if (!member_may_vote(rq->from, &p)) {
		snprintf(err, errcap, "'%s' does not vote on proposal %s (only covenant members "
			 "other than its subject do)", rq->from->id, id);
		rc = WN_EDENIED;
	} else {
		rc = member_vote_cast(b, &p, rq->from->id, vote,
				      json_string_value(json_object_get(body, "reason")), rq->env,
				      &status, err, errcap);
	}
	pthread_mutex_unlock(&b->member_lock);
	if (rc == 0)
		rc = broker_reply(b, rq, "member.status",
				  json_pack("{s:s,s:s,s:s}", "proposal", p.id, "status", status,
					    "partner", p.subject),
				  reply);
	proposal_clear(&p);
	return rc;
}

/* Proposes m's exit now, which needs every other member's agreement
 * (Heerlen 14.2); its id and status go into out. */
static int member_propose_exit(struct broker *b, const struct broker_request *rq,
			       const char *reason, json_t *out, char *err, size_t errcap)
{
	struct proposal p = { .doc = json_pack("{s:s}", "reason", reason ? reason : "") };
	snprintf(p.kind, sizeof(p.kind), "exit");
	snprintf(p.subject, sizeof(p.subject), "%s", rq->from->id);
	snprintf(p.rule, sizeof(p.rule), POLICY_RULE_UNANIMOUS);
	const char *status = "open";
	pthread_mutex_lock(&b->member_lock);
	int rc = member_propose_once(b, &p, p.subject, rq->env, &status, err, errcap);
	pthread_mutex_unlock(&b->member_lock);
	if (rc == 0) {
		json_object_set_new(out, "proposal", json_string(p.id));
		json_object_set_new(out, "exit", json_string(status));
	}
	proposal_clear(&p);
	return rc;
}

/* A member's standing as a sentence says it: "is under notice". */
static const char *member_standing(const struct registry_partner *m)
{
	return atomic_load(&m->state) == PARTNER_NOTICE ? "under notice" : registry_status(m);
}

/* 1 when a municipality other than m remains a member that is not leaving. */
static int member_other_municipality(struct broker *b, const struct registry_partner *m)
{
	for (size_t i = 0; i < registry_count(b->reg); i++) {
		struct registry_partner *o = registry_at(b->reg, i);
		int state = atomic_load(&o->state);
		if (o != m && o->municipality &&
		    (state == PARTNER_ACTIVE || state == PARTNER_SUSPENDED))
			return 1;
	}
	return 0;
}

/* An optional reason that is given says something: blanks recorded as
 * the reason of a notice or a withdrawal would read as a reason given. */
static int member_reason_given(const json_t *body, char *err, size_t errcap)
{
	const json_t *v = json_object_get(body, "reason");
	if (v == NULL || schema_text_given(json_string_value(v), REASON_MIN_CHARS))
		return 0;
	snprintf(err, errcap, "a reason, when given, needs at least %d characters that are not "
		 "blanks", REASON_MIN_CHARS);
	return WN_EINVAL;
}

static int member_notice(struct broker *b, const struct broker_request *rq, const json_t *body,
			 json_t **reply, char *err, size_t errcap)
{
	struct registry_partner *m = rq->from;
	int immediate = json_is_true(json_object_get(body, "immediate"));
	int state = atomic_load(&m->state);
	if (member_reason_given(body, err, errcap) != 0)
		return WN_EINVAL;
	/* under notice, a member may still ask to leave at once */
	if (state != PARTNER_ACTIVE && !(immediate && state == PARTNER_NOTICE)) {
		snprintf(err, errcap, "'%s' is %s: only an active member gives notice%s", m->id,
			 member_standing(m), state == PARTNER_NOTICE ? " (an immediate exit can "
			 "still be proposed: --immediate)" : "");
		return WN_ESTATE;
	}
	if (m->municipality && !member_other_municipality(b, m)) {
		/* without one, no rights request or access report is answered, and
		 * under municipality_and_majority nothing could be decided again */
		snprintf(err, errcap, "'%s' is the federation's only municipality, which answers "
			 "to the client (Heerlen 9.1) and decides with the members: another "
			 "municipality joins before it can leave", m->id);
		return WN_EDENIED;
	}
	const char *reason = json_string_value(json_object_get(body, "reason"));
	int64_t end = atomic_load(&m->end_at);
	int rc = 0;
	if (state == PARTNER_ACTIVE) {
		end = date_add_months_ms(time_now_ms(), atomic_load(&b->notice_months));
		rc = registry_set_state(b->reg, m, REGISTRY_FROM(PARTNER_ACTIVE), PARTNER_NOTICE,
					end, reason ? reason : "notice given", m->id);
		if (rc == WN_ESTATE)
			snprintf(err, errcap, "'%s' is %s: only an active member gives notice",
				 m->id, member_standing(m));
		if (rc != 0)
			return rc;
		broker_federation_wake(b);
	}
	json_t *out = json_pack("{s:s,s:s,s:I}", "partner", m->id, "status", "notice", "end_at",
				(json_int_t)end);
	if (out == NULL)
		return WN_ENOMEM;
	if (immediate && (rc = member_propose_exit(b, rq, reason, out, err, errcap)) != 0 &&
	    state == PARTNER_ACTIVE) {
		/* the notice stands; the exit can be proposed again */
		log_msg(WN_LOG_WARN, "exit_not_proposed", "%s gave notice; its immediate exit was "
			"not proposed: %s", m->id, err);
		json_object_set_new(out, "exit", json_string("not proposed"));
		json_object_set_new(out, "exit_error", json_string(err));
		rc = 0;
	}
	if (rc != 0) {
		json_decref(out);
		return rc;
	}
	return broker_reply(b, rq, "member.status", out, reply);
}

/* Under the unanimous rule (Heerlen 17.2: the covenant changes only when
 * every partner agrees) the municipality cannot end a membership alone: it
 * proposes the end, and every other member decides. */
static int member_end_propose(struct broker *b, const struct broker_request *rq,
			      const struct registry_partner *m, const char *reason, json_t **reply,
			      char *err, size_t errcap)
{
	struct proposal p = { .doc = json_pack("{s:s,s:s}", "reason", reason, "ended_by",
					       rq->from->id) };
	snprintf(p.kind, sizeof(p.kind), "exit");
	snprintf(p.subject, sizeof(p.subject), "%s", m->id);
	snprintf(p.rule, sizeof(p.rule), POLICY_RULE_UNANIMOUS);
	const char *status = "open";
	pthread_mutex_lock(&b->member_lock);
	int rc = member_propose_once(b, &p, rq->from->id, rq->env, &status, err, errcap);
	pthread_mutex_unlock(&b->member_lock);
	if (rc == 0) {
		log_emit(WN_LOG_INFO, "member_end_proposed",
			 json_pack("{s:s,s:s,s:s}", "partner", m->id, "proposal", p.id, "by",
				   rq->from->id));
		rc = broker_reply(b, rq, "member.status",
				  json_pack("{s:s,s:s,s:s,s:s}", "partner", m->id, "status",
					    registry_status(m), "proposal", p.id, "exit", status),
				  reply);
	}
	proposal_clear(&p);
	return rc;
}

/* The municipality ends a membership after consultation (Groningen 10.2);
 * under the unanimous rule, or when the partner is a municipality too, it
 * proposes the end to the other members. */
static int member_end(struct broker *b, const struct broker_request *rq, const json_t *body,
		      json_t **reply, char *err, size_t errcap)
{
	const char *id = json_string_value(json_object_get(body, "partner"));
	struct registry_partner *m = registry_find(b->reg, id);
	if (!schema_text_given(json_string_value(json_object_get(body, "reason")),
			       REASON_MIN_CHARS)) {
		snprintf(err, errcap, "field 'reason': the municipality ends a membership with its "
			 "reason (Groningen 10.2): at least %d characters that are not blanks",
			 REASON_MIN_CHARS);
		return WN_EINVAL;
	}
	if (!rq->from->municipality) {
		snprintf(err, errcap, "only the municipality ends another's membership (Groningen "
			 "10.2); a member gives notice itself");
		return WN_EDENIED;
	}
	if (m == NULL || m == rq->from) {
		snprintf(err, errcap, m ? "the municipality gives notice like any member"
					: "'%s' is not a partner in the registry", id);
		return m ? WN_EDENIED : WN_EUNKNOWN_PARTNER;
	}
	int state = atomic_load(&m->state);
	if (state == PARTNER_ENDED || state == PARTNER_REVOKED) {
		snprintf(err, errcap, "'%s' is %s already", id, registry_state_name(state));
		return WN_ESTATE;
	}
	/* a municipality under notice ends no other that would leave none */
	if (m->municipality && !member_other_municipality(b, m)) {
		snprintf(err, errcap, "'%s' would leave the federation without a municipality that "
			 "stays, which answers to the client (Heerlen 9.1): the only municipality "
			 "stays until another is in", id);
		return WN_EDENIED;
	}
	pthread_mutex_lock(&b->policy_lock);
	int unanimous = strcmp(b->approval_rule, POLICY_RULE_UNANIMOUS) == 0;
	pthread_mutex_unlock(&b->policy_lock);
	/* 10.2 is the municipality's power over the partners it works with,
	 * not over another municipality: that end every other member decides */
	if (unanimous || m->municipality)
		return member_end_propose(b, rq, m, json_string_value(json_object_get(body,
							"reason")), reply, err, errcap);
	int rc = registry_set_state(b->reg, m, REGISTRY_FROM(PARTNER_ACTIVE) |
					    REGISTRY_FROM(PARTNER_NOTICE) | REGISTRY_FROM(PARTNER_SUSPENDED),
				    PARTNER_ENDED, 0, json_string_value(json_object_get(body, "reason")),
				    rq->from->id);
	if (rc == WN_ESTATE)
		snprintf(err, errcap, "'%s' is %s already", id, member_standing(m));
	if (rc != 0)
		return rc;
	broker_federation_wake(b);
	return broker_reply(b, rq, "member.status",
			    json_pack("{s:s,s:s}", "partner", id, "status", "ended"), reply);
}

/* A member moved its node (a new host or port): the broker reaches it at the
 * new address from now on, and every node's directory says so. The node is
 * the member's own; moving it needs no vote, only its signature. */
static int member_address(struct broker *b, const struct broker_request *rq, const json_t *body,
			  json_t **reply, char *err, size_t errcap)
{
	const char *address = json_string_value(json_object_get(body, "address"));
	if (transport_url_valid(address) != 0) {
		snprintf(err, errcap, "field 'address': '%.200s' is not tls+tcp://host:port, where "
			 "the broker reaches the node", address);
		return WN_ESCHEMA;
	}
	if (strcmp(rq->from->address, address) == 0) {
		snprintf(err, errcap, "'%s' is at %.200s already", rq->from->id, address);
		return WN_EINVAL;
	}
	int rc = member_address_free(b, address, rq->from, err, errcap);
	if (rc != 0)
		return rc;
	/* the node answers there, as itself, before the federation is told; one
	 * check at a time, so that moves to where nothing answers cannot hold
	 * every worker */
	char why[256] = "";
	int idle = 0;
	if (!atomic_compare_exchange_strong(&b->probing, &idle, 1)) {
		snprintf(err, errcap, "another member's new address is being checked; ask again "
			 "in a few seconds");
		return WN_EUNAVAILABLE;
	}
	rc = broker_health_probe(b, rq->from, address, why, sizeof(why));
	atomic_store(&b->probing, 0);
	if (rc != 0) {
		snprintf(err, errcap, "the broker cannot reach '%s''s node at %.200s: %s; start the "
			 "node there first (its config's listen), then say so", rq->from->id,
			 address, why);
		return WN_EUNAVAILABLE;
	}
	char by[160];
	snprintf(by, sizeof(by), "%s (%s)", rq->from->id,
		 json_string_value(json_object_get(json_object_get(rq->env, "actor"), "id")));
	if ((rc = registry_set_address(b->reg, rq->from, address, by)) != 0)
		return rc;
	broker_federation_wake(b);
	return broker_reply(b, rq, "member.status",
			    json_pack("{s:s,s:s}", "partner", rq->from->id, "address", address),
			    reply);
}

json_t *broker_member_proposals(struct broker *b)
{
	sqlite3_stmt *st = NULL;
	json_t *list = json_array();
	db_lock(b->db);
	if (db_prepare(b->db, "SELECT id, kind, subject, rule, status, proposed_by, proposed_at,"
			      " COALESCE(outcome, ''), document FROM proposals WHERE status = 'open'"
			      " OR id IN (SELECT id FROM proposals WHERE status != 'open' ORDER BY"
			      " decided_at DESC LIMIT ?) ORDER BY status = 'open' DESC,"
			      " proposed_at DESC", &st) == 0) {
		sqlite3_bind_int(st, 1, PROPOSAL_LIST_DECIDED);
		while (sqlite3_step(st) == SQLITE_ROW) {
			json_t *doc = json_loads((const char *)sqlite3_column_text(st, 8), 0, NULL);
			json_t *e = json_pack(
				"{s:s,s:s,s:s,s:s,s:s,s:s,s:I,s:s}", "id",
				(const char *)sqlite3_column_text(st, 0), "kind",
				(const char *)sqlite3_column_text(st, 1), "subject",
				(const char *)sqlite3_column_text(st, 2), "rule",
				(const char *)sqlite3_column_text(st, 3), "status",
				(const char *)sqlite3_column_text(st, 4), "proposed_by",
				(const char *)sqlite3_column_text(st, 5), "proposed_at",
				(json_int_t)sqlite3_column_int64(st, 6), "outcome",
				(const char *)sqlite3_column_text(st, 7));
			const char *kind = (const char *)sqlite3_column_text(st, 1);
			if (e != NULL && doc != NULL && strcmp(kind, "join") == 0) {
				json_t *body = envelope_body(doc);
				json_object_set(e, "declaration", json_object_get(body, "declaration"));
				json_object_set(e, "name", json_object_get(body, "name"));
				json_object_set(e, "address", json_object_get(body, "address"));
				json_object_set(e, "clusters", json_object_get(body, "clusters"));
				/* a municipality's join is the members' to weigh as such */
				json_object_set_new(e, "role", json_string(
					json_string_value(json_object_get(body, "role"))
						? json_string_value(json_object_get(body, "role"))
						: "member"));
			} else if (e != NULL && doc != NULL) {
				json_object_set(e, "document", doc);
				/* what an open policy change would change, as the members
				 * vote on it (decided ones: the document says what was) */
				if (strcmp(kind, "policy") == 0 &&
				    strcmp((const char *)sqlite3_column_text(st, 4), "open") == 0)
					json_object_set_new(e, "changes", policy_changes(b, doc));
			}
			json_decref(doc);
			json_array_append_new(list, e);
		}
	}
	sqlite3_finalize(st);
	db_unlock(b->db);
	size_t i;
	json_t *e;
	json_array_foreach(list, i, e)
		json_object_set_new(e, "votes",
				    proposal_votes(b->db, json_string_value(json_object_get(e, "id"))));
	return list;
}

/* A member's own standing, and the join request that admitted it. */
static int member_own_status(struct broker *b, const struct broker_request *rq, json_t **reply)
{
	struct proposal p;
	json_t *out = json_pack("{s:s,s:s}", "partner", rq->from->id, "membership",
				registry_status(rq->from));
	if (out == NULL)
		return WN_ENOMEM;
	if (atomic_load(&rq->from->end_at) > 0)
		json_object_set_new(out, "end_at", json_integer(atomic_load(&rq->from->end_at)));
	if (proposal_get(b->db, NULL, "join", rq->from->id, &p) == 0) {
		json_object_set_new(out, "proposal", json_string(p.id));
		json_object_set_new(out, "status", json_string(p.status));
		proposal_clear(&p);
	}
	return broker_reply(b, rq, "member.status", out, reply);
}

static int member_list(struct broker *b, const struct broker_request *rq, json_t **reply)
{
	json_t *partners = json_array();
	for (size_t i = 0; i < registry_count(b->reg); i++) {
		struct registry_partner *m = registry_at(b->reg, i);
		json_t *e = json_pack("{s:s,s:s,s:s}", "id", m->id, "name", m->name, "status",
				      registry_status(m));
		if (atomic_load(&m->end_at) > 0)
			json_object_set_new(e, "end_at", json_integer(atomic_load(&m->end_at)));
		json_array_append_new(partners, e);
	}
	return broker_reply(b, rq, "member.list",
			    json_pack("{s:o,s:o,s:o}", "proposals", broker_member_proposals(b), "partners",
				      partners, "policy", policy_current(b)),
			    reply);
}

/* A lookup asks every active partner by default, and the broker refuses a
 * message to more than max_partners: a limit below their number would make
 * every default lookup fail. */
static int policy_check_max_partners(struct broker *b, const json_t *doc, char *err,
				     size_t errcap)
{
	json_int_t max = json_integer_value(json_object_get(doc, "max_partners"));
	json_int_t live = member_live_count(b);
	if (max < live - 1) { /* the asking partner is not asked */
		snprintf(err, errcap, "max_partners: %lld is fewer than the %lld partners a "
			 "default lookup asks (every member but the one asking)", (long long)max,
			 (long long)(live - 1));
		return WN_EINVAL;
	}
	return 0;
}

/* A shorter max_consent_days puts the consents registered for longer out of
 * force once adopted: the proposer and the voters are told how many. */
static void policy_warn_consents(struct broker *b, const json_t *doc, json_t *out)
{
	char today[DATE_LEN + 1], n[24];
	int64_t count = 0;
	json_int_t max = json_integer_value(json_object_get(doc, "max_consent_days"));
	pthread_mutex_lock(&b->policy_lock);
	int shorter = max > 0 && max < b->max_consent_days;
	pthread_mutex_unlock(&b->policy_lock);
	if (!shorter || out == NULL)
		return;
	date_today_plus(0, today);
	snprintf(n, sizeof(n), "%lld", (long long)max);
	sqlite3_stmt *st = NULL;
	db_lock(b->db);
	if (db_prepare(b->db, "SELECT COUNT(*) FROM consents WHERE status = 'active' AND"
			      " valid_until >= ?1 AND julianday(valid_until) -"
			      " julianday(valid_from) > ?2", &st) == 0) {
		sqlite3_bind_text(st, 1, today, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)max);
		if (sqlite3_step(st) == SQLITE_ROW)
			count = sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	db_unlock(b->db);
	if (count > 0)
		json_object_set_new(out, "warning",
				    json_sprintf("%lld consent(s) in force run longer than %s days: "
						 "once adopted they are no longer in force, and "
						 "their holders ask the clients again",
						 (long long)count, n));
}

/* The id of the open policy change into id ("" when none is open). */
static int policy_open_proposal(db *d, char *id, size_t cap)
{
	sqlite3_stmt *st = NULL;
	id[0] = '\0';
	db_lock(d);
	int rc = db_prepare(d, "SELECT id FROM proposals WHERE kind = 'policy' AND status = 'open'"
			       " ORDER BY proposed_at LIMIT 1", &st);
	if (rc == 0) {
		int s = sqlite3_step(st);
		if (s == SQLITE_ROW)
			col_copy(id, cap, st, 0);
		else if (s != SQLITE_DONE)
			rc = WN_EDB;
	}
	sqlite3_finalize(st);
	db_unlock(d);
	return rc;
}

static int policy_propose(struct broker *b, const struct broker_request *rq, const json_t *body,
			  json_t **reply, char *err, size_t errcap)
{
	if (!registry_member(rq->from)) {
		snprintf(err, errcap, "only a covenant member proposes a policy change");
		return WN_EDENIED;
	}
	struct proposal p = { .doc = NULL };
	snprintf(p.kind, sizeof(p.kind), "policy");
	const char *status = "open";
	pthread_mutex_lock(&b->member_lock);
	/* the version, rule and policy the change applies to are read under the
	 * lock adoptions are made under: none can change in between */
	int rc = policy_merge(b, json_object_get(body, "policy"), &p.doc, err, errcap);
	if (rc == 0)
		rc = policy_check_partners(b, p.doc, err, errcap);
	if (rc == 0)
		rc = policy_check_max_partners(b, p.doc, err, errcap);
	pthread_mutex_lock(&b->policy_lock);
	snprintf(p.subject, sizeof(p.subject), "policy-v%d", b->policy_version + 1);
	snprintf(p.rule, sizeof(p.rule), "%s", b->approval_rule);
	pthread_mutex_unlock(&b->policy_lock);
	/* one policy change at a time: two open ones would both be the next
	 * version, and the later adoption would silently undo the earlier */
	char open_id[ID_HEX_LEN + 1] = "";
	if (rc == 0)
		rc = policy_open_proposal(b->db, open_id, sizeof(open_id));
	if (rc == 0 && open_id[0] != '\0') {
		/* named, so that its proposer can take it back or the members decide it */
		snprintf(err, errcap, "a policy change is already open: proposal %s (%s is next); "
			 "the members decide it first (member approve|reject), or its proposer "
			 "takes it back (policy withdraw)", open_id, p.subject);
		rc = WN_EEXISTS;
	}
	json_t *changes = rc == 0 ? policy_changes(b, p.doc) : NULL;
	if (rc == 0 && changes == NULL)
		rc = WN_ENOMEM;
	if (rc == 0 && json_object_size(changes) == 0) {
		/* such as a partner's clusters named as the registry has them */
		snprintf(err, errcap, "the change leaves the policy in force as it is");
		rc = WN_EINVAL;
	}
	const struct registry_partner *gone = rc == 0 ? policy_moves_gone(b, p.doc) : NULL;
	if (gone != NULL) {
		snprintf(err, errcap, "clusters of '%s': '%s' has left the federation (%s); a "
			 "former partner takes part in no cluster", gone->id, gone->id,
			 registry_status(gone));
		rc = WN_ESTATE;
	}
	if (rc == 0)
		rc = member_propose(b, &p, rq->from->id, rq->env, &status, err, errcap);
	pthread_mutex_unlock(&b->member_lock);
	json_t *out = rc == 0 ? json_pack("{s:s,s:s,s:s,s:O}", "proposal", p.id, "status", status,
					  "partner", p.subject, "changes",
					  changes ? changes : json_null())
			      : NULL;
	if (rc == 0)
		policy_warn_consents(b, p.doc, out);
	if (rc == 0)
		rc = broker_reply(b, rq, "member.status", out, reply);
	json_decref(changes);
	proposal_clear(&p);
	return rc;
}

/* Why proposal p, which is a kind other than the one the withdraw message
 * is for, is not taken back by it: who takes it back, and how. */
static void proposal_withdraw_other(const struct proposal *p, const char *kind, char *err,
				    size_t errcap)
{
	const char *what = strcmp(kind, "policy") == 0 ? "a policy change" : "an exit";
	if (strcmp(p->kind, "join") == 0)
		snprintf(err, errcap, "proposal %s is a join of '%s', not %s: its candidate "
			 "takes it back (member withdraw)", p->id, p->subject, what);
	else if (strcmp(p->kind, "exit") == 0)
		snprintf(err, errcap, "proposal %s is an exit of '%s', not %s: its proposer "
			 "takes it back with member withdraw %s", p->id, p->subject, what, p->id);
	else
		snprintf(err, errcap, "proposal %s is a policy change (%s), not %s: its proposer "
			 "takes it back with policy withdraw %s", p->id, p->subject, what, p->id);
}

/* The member that proposed a policy change or an exit (its own immediate
 * one, or the municipality's end of another's membership) takes it back
 * while it is open: a mistake, or a change of mind. One policy change is
 * open at a time, and an exit waits for every member: either would stand
 * until a member rejects it. Closed as withdrawn, audited. */
static int proposal_withdraw(struct broker *b, const struct broker_request *rq,
			     const json_t *body, const char *kind, json_t **reply, char *err,
			     size_t errcap)
{
	const char *id = json_string_value(json_object_get(body, "proposal"));
	const char *reason = json_string_value(json_object_get(body, "reason"));
	struct proposal p;
	char outcome[256], by[160];
	if (member_reason_given(body, err, errcap) != 0)
		return WN_EINVAL;
	pthread_mutex_lock(&b->member_lock);
	int rc = proposal_get(b->db, id, NULL, NULL, &p);
	if (rc == WN_ENOTFOUND)
		snprintf(err, errcap, "no proposal %s", id);
	if (rc != 0)
		goto out;
	if (strcmp(p.kind, kind) != 0) {
		proposal_withdraw_other(&p, kind, err, errcap);
		rc = WN_EINVAL;
	} else if (strcmp(p.proposed_by, rq->from->id) != 0) {
		int is_exit = strcmp(p.kind, "exit") == 0;
		snprintf(err, errcap, "only its proposer '%s' withdraws proposal %s (%s%s%s); '%s' "
			 "%s", p.proposed_by, id, is_exit ? "the exit of '" : "", p.subject,
			 is_exit ? "'" : "", rq->from->id, strcmp(p.subject, rq->from->id) == 0
			 ? "is what it is about, and does not vote on it"
			 : "votes on it (member reject)");
		rc = WN_EDENIED;
	} else if (strcmp(p.status, "open") != 0) {
		snprintf(err, errcap, "proposal %s is %s already: only an open one is withdrawn",
			 id, p.status);
		rc = WN_ESTATE;
	} else {
		snprintf(outcome, sizeof(outcome), "withdrawn by its proposer '%s'%s%.180s",
			 p.proposed_by, reason && reason[0] ? ": " : "", reason ? reason : "");
		snprintf(by, sizeof(by), "%s (%s)", rq->from->id,
			 json_string_value(json_object_get(json_object_get(rq->env, "actor"), "id")));
		rc = proposal_close_as(b, &p, "withdrawn", outcome, by);
		if (rc == WN_ESTATE) /* decided meanwhile */
			snprintf(err, errcap, "proposal %s was decided meanwhile: only an open one is "
				 "withdrawn", id);
	}
out:
	pthread_mutex_unlock(&b->member_lock);
	if (rc == 0) {
		broker_federation_wake(b);
		rc = broker_reply(b, rq, "member.status",
				  json_pack("{s:s,s:s,s:s}", "proposal", p.id, "status", "withdrawn",
					    "partner", p.subject), reply);
	}
	proposal_clear(&p);
	return rc;
}

int broker_handle_member(struct broker *b, const struct broker_request *rq, json_t **reply,
			 char *err, size_t errcap)
{
	const char *type = envelope_str(rq->env, "type");
	json_t *body = envelope_body(rq->env);
	char detail[256];
	const struct schema_field *fields = strcmp(type, "member.vote") == 0	 ? vote_fields
					    : strcmp(type, "member.notice") == 0 ? notice_fields
					    : strcmp(type, "member.end") == 0	 ? end_fields
					    : strcmp(type, "member.address") == 0 ? address_fields
					    : strcmp(type, "policy.withdraw") == 0 ? withdraw_fields
					    : strcmp(type, "member.exit.withdraw") == 0 ? withdraw_fields
											: NULL;
	if (fields != NULL && (body == NULL || schema_check(body, fields, detail,
							     sizeof(detail)) != 0)) {
		snprintf(err, errcap, "body of '%s': %s", type, body ? detail : "missing");
		return WN_ESCHEMA;
	}
	if (fields != NULL && json_object_get(rq->env, "actor") == NULL) {
		snprintf(err, errcap, "missing field 'actor': a membership decision names who "
			 "took it");
		return WN_ESCHEMA;
	}
	if (strcmp(type, "member.list") == 0 || strcmp(type, "policy.get") == 0)
		return member_list(b, rq, reply);
	if (strcmp(type, "member.vote") == 0)
		return member_vote(b, rq, body, reply, err, errcap);
	if (strcmp(type, "member.notice") == 0)
		return member_notice(b, rq, body, reply, err, errcap);
	if (strcmp(type, "member.end") == 0)
		return member_end(b, rq, body, reply, err, errcap);
	if (strcmp(type, "member.address") == 0)
		return member_address(b, rq, body, reply, err, errcap);
	if (strcmp(type, "policy.propose") == 0)
		return policy_propose(b, rq, body, reply, err, errcap);
	if (strcmp(type, "policy.withdraw") == 0)
		return proposal_withdraw(b, rq, body, "policy", reply, err, errcap);
	if (strcmp(type, "member.exit.withdraw") == 0)
		return proposal_withdraw(b, rq, body, "exit", reply, err, errcap);
	if (strcmp(type, "member.join") == 0) {
		snprintf(err, errcap, "'%s' is a partner already", rq->from->id);
		return WN_EEXISTS;
	}
	if (strcmp(type, "member.withdraw") == 0) {
		/* a candidate's step: a member has no join request left to take back */
		snprintf(err, errcap, "'%s' is a partner already (%s): withdraw takes back a join "
			 "request the members have not decided; a member leaves by notice (member "
			 "notice)", rq->from->id, registry_status(rq->from));
		return WN_EEXISTS;
	}
	if (strcmp(type, "member.status") == 0)
		return member_own_status(b, rq, reply);
	snprintf(err, errcap, "unknown membership operation '%s'", type);
	return WN_EPROTO;
}
