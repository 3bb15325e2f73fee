/*
 * store_thirdparty.c — third-party disclosures at the broker (r08): a case
 * member proposes that an incidental partner receive named categories from
 * a source once; the third party signs the confidentiality declaration
 * (Bijlage 6); every partner of the case approves. Only then is the proposal
 * approved, and one request from the third party may use it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wijknet.h"
#include "ids.h"
#include "store.h"

void store_thirdparty_clear(struct store_thirdparty *t)
{
	json_decref(t->categories);
	t->categories = NULL;
}

static void col(char *dst, size_t cap, sqlite3_stmt *st, int i)
{
	const char *s = (const char *)sqlite3_column_text(st, i);
	snprintf(dst, cap, "%s", s ? s : "");
}

static int tp_get_locked(db *d, const char *id, struct store_thirdparty *t)
{
	sqlite3_stmt *st = NULL;
	memset(t, 0, sizeof(*t));
	int rc = db_prepare(d, "SELECT id, case_id, party, source, proposed_by, purpose, ground,"
			       " status, motivation_hash, categories, declaration IS NOT NULL,"
			       " person, consent_id, consent_version FROM third_party WHERE id = ?",
			    &st);
	if (rc != 0)
		return rc;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
	int s = sqlite3_step(st);
	if (s == SQLITE_ROW) {
		json_error_t jerr;
		col(t->id, sizeof(t->id), st, 0);
		col(t->case_id, sizeof(t->case_id), st, 1);
		col(t->party, sizeof(t->party), st, 2);
		col(t->source, sizeof(t->source), st, 3);
		col(t->proposed_by, sizeof(t->proposed_by), st, 4);
		col(t->purpose, sizeof(t->purpose), st, 5);
		col(t->ground, sizeof(t->ground), st, 6);
		col(t->status, sizeof(t->status), st, 7);
		col(t->motivation_hash, sizeof(t->motivation_hash), st, 8);
		t->categories = json_loads((const char *)sqlite3_column_text(st, 9), 0, &jerr);
		t->declared = sqlite3_column_int(st, 10);
		col(t->person, sizeof(t->person), st, 11);
		col(t->consent_id, sizeof(t->consent_id), st, 12);
		col(t->consent_version, sizeof(t->consent_version), st, 13);
		rc = t->categories ? 0 : WN_EDB;
	} else {
		rc = s == SQLITE_DONE ? WN_ENOTFOUND : WN_EDB;
	}
	sqlite3_finalize(st);
	return rc;
}

int store_thirdparty_get(db *d, const char *id, struct store_thirdparty *out)
{
	db_lock(d);
	int rc = tp_get_locked(d, id, out);
	db_unlock(d);
	return rc;
}

static int tp_json_locked(db *d, const char *id, json_t **out)
{
	struct store_thirdparty t;
	sqlite3_stmt *st = NULL;
	int rc = tp_get_locked(d, id, &t);
	if (rc != 0)
		return rc;
	json_t *votes = json_object();
	if ((rc = db_prepare(d, "SELECT partner, decision FROM third_party_votes WHERE id = ?",
			     &st)) == 0) {
		sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
		while (sqlite3_step(st) == SQLITE_ROW)
			json_object_set_new(votes, (const char *)sqlite3_column_text(st, 0),
					    json_string((const char *)sqlite3_column_text(st, 1)));
		sqlite3_finalize(st);
	}
	*out = json_pack("{s:s,s:s,s:s,s:s,s:O,s:s,s:s,s:s,s:s,s:b,s:s,s:o,s:s}", "id", t.id,
			 "case", t.case_id, "party", t.party, "source", t.source, "categories",
			 t.categories, "purpose", t.purpose, "ground", t.ground, "proposed_by",
			 t.proposed_by, "status", t.status, "declared", t.declared,
			 "motivation_hash", t.motivation_hash, "votes", votes, "person", t.person);
	if (*out != NULL && t.consent_id[0])
		json_object_set_new(*out, "consent", json_pack("{s:s,s:s}", "id", t.consent_id,
							       "version", t.consent_version));
	store_thirdparty_clear(&t);
	return rc != 0 ? rc : *out ? 0 : WN_ENOMEM;
}

int store_thirdparty_json(db *d, const char *id, json_t **out)
{
	db_lock(d);
	int rc = tp_json_locked(d, id, out);
	db_unlock(d);
	return rc;
}

int store_thirdparty_proposal(db *d, const char *id, json_t **out)
{
	sqlite3_stmt *st = NULL;
	db_lock(d);
	int rc = db_prepare(d, "SELECT proposal FROM third_party WHERE id = ?", &st);
	if (rc == 0) {
		sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
		int s = sqlite3_step(st);
		if (s == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
			json_error_t jerr;
			*out = json_loads((const char *)sqlite3_column_text(st, 0), 0, &jerr);
			rc = *out ? 0 : WN_EDB;
		} else {
			rc = s == SQLITE_ROW || s == SQLITE_DONE ? WN_ENOTFOUND : WN_EDB;
		}
	}
	sqlite3_finalize(st);
	db_unlock(d);
	return rc;
}

int store_thirdparty_list(db *d, const char *partner, json_t **out)
{
	sqlite3_stmt *st = NULL;
	json_t *ids = json_array(), *list = json_array(), *x;
	size_t i;
	db_lock(d);
	int rc = db_prepare(d, "SELECT t.id FROM third_party t WHERE t.party = ?1 OR EXISTS"
			       " (SELECT 1 FROM case_members m WHERE m.case_id = t.case_id AND"
			       " m.partner = ?1 AND m.left_at IS NULL)"
			       " ORDER BY t.proposed_at DESC LIMIT 500", &st);
	if (rc == 0) {
		sqlite3_bind_text(st, 1, partner, -1, SQLITE_TRANSIENT);
		while (sqlite3_step(st) == SQLITE_ROW)
			json_array_append_new(ids, json_string((const char *)sqlite3_column_text(st, 0)));
		sqlite3_finalize(st);
	}
	json_array_foreach(ids, i, x) {
		json_t *e = NULL;
		if (rc == 0 && (rc = tp_json_locked(d, json_string_value(x), &e)) == 0)
			json_array_append_new(list, e);
	}
	db_unlock(d);
	json_decref(ids);
	if (rc != 0) {
		json_decref(list);
		return rc;
	}
	*out = list;
	return 0;
}

static int tp_exec(db *d, const char *sql, const char *a, const char *b, int64_t n)
{
	sqlite3_stmt *st = NULL;
	int rc = db_prepare(d, sql, &st);
	if (rc != 0)
		return rc;
	if (a != NULL)
		sqlite3_bind_text(st, 1, a, -1, SQLITE_TRANSIENT);
	if (b != NULL)
		sqlite3_bind_text(st, 2, b, -1, SQLITE_TRANSIENT);
	if (n != 0)
		sqlite3_bind_int64(st, 3, n);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : WN_EDB;
	sqlite3_finalize(st);
	return rc;
}

/* Approved once declared and approved by every partner now in the case;
 * rejected by any one. */
static int tp_settle(db *d, const char *id)
{
	return tp_exec(d, "UPDATE third_party SET status = CASE"
			  " WHEN EXISTS (SELECT 1 FROM third_party_votes v WHERE v.id = ?1"
			  "  AND v.decision = 'rejected') THEN 'rejected'"
			  " WHEN declaration IS NOT NULL AND NOT EXISTS (SELECT 1 FROM case_members m"
			  "  WHERE m.case_id = third_party.case_id AND m.left_at IS NULL AND NOT EXISTS"
			  "  (SELECT 1 FROM third_party_votes v WHERE v.id = ?1 AND"
			  "   v.partner = m.partner AND v.decision = 'approved')) THEN 'approved'"
			  " ELSE 'proposed' END WHERE id = ?1 AND status = 'proposed'",
		       id, NULL, 0);
}

int store_thirdparty_settle_case_locked(db *d, const char *case_id)
{
	sqlite3_stmt *st = NULL;
	json_t *ids = json_array(), *x;
	size_t i;
	int rc = db_prepare(d, "SELECT id FROM third_party WHERE case_id = ? AND"
			       " status = 'proposed'", &st);
	if (rc != 0) {
		json_decref(ids);
		return rc;
	}
	sqlite3_bind_text(st, 1, case_id, -1, SQLITE_TRANSIENT);
	while (sqlite3_step(st) == SQLITE_ROW)
		json_array_append_new(ids, json_string((const char *)sqlite3_column_text(st, 0)));
	sqlite3_finalize(st);
	json_array_foreach(ids, i, x)
		if (rc == 0)
			rc = tp_settle(d, json_string_value(x));
	json_decref(ids);
	return rc;
}

static int tp_vote_insert(db *d, const struct store_thirdparty_change *ch, const char *id,
			  const char *decision)
{
	sqlite3_stmt *st = NULL;
	int rc = db_prepare(d, "INSERT INTO third_party_votes(id, partner, decision, decided_at,"
			       " actor_id, actor_role) VALUES (?,?,?,?,?,?)", &st);
	if (rc != 0)
		return rc;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, ch->by, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, decision, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, time_now_ms());
	sqlite3_bind_text(st, 5, json_string_value(json_object_get(ch->actor, "id")), -1,
			  SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 6, json_string_value(json_object_get(ch->actor, "role")), -1,
			  SQLITE_TRANSIENT);
	int s = sqlite3_step(st);
	rc = s == SQLITE_DONE ? 0 : db_is_duplicate(d) ? WN_EINVAL : WN_EDB;
	if (rc == WN_EINVAL)
		snprintf(ch->err, ch->errcap, "'%s' has decided on proposal %s already", ch->by, id);
	sqlite3_finalize(st);
	return rc;
}

int store_thirdparty_propose(db *d, void *arg)
{
	struct store_thirdparty_change *ch = arg;
	const struct store_thirdparty *t = ch->t;
	sqlite3_stmt *st = NULL;
	char *cats = json_dumps(t->categories, JSON_COMPACT);
	if (cats == NULL)
		return WN_ENOMEM;
	int rc = db_prepare(d, "INSERT INTO third_party(id, case_id, party, source, categories,"
			       " purpose, ground, motivation_hash, proposed_by, proposed_at, status,"
			       " person, consent_id, consent_version, proposal)"
			       " VALUES (?,?,?,?,?,?,?,?,?,?,'proposed',?,?,?,?)", &st);
	if (rc == 0) {
		const char *v[] = { t->id, t->case_id, t->party, t->source, cats, t->purpose,
				    t->ground, t->motivation_hash, ch->by };
		for (int i = 0; i < 9; i++)
			sqlite3_bind_text(st, i + 1, v[i], -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 10, time_now_ms());
		const char *w[] = { t->person, t->consent_id, t->consent_version, ch->proposal };
		for (int i = 0; i < 4; i++)
			if (w[i] != NULL && w[i][0])
				sqlite3_bind_text(st, i + 11, w[i], -1, SQLITE_TRANSIENT);
		rc = sqlite3_step(st) == SQLITE_DONE ? 0 : WN_EDB;
	}
	sqlite3_finalize(st);
	free(cats);
	/* proposing is the proposer's approval */
	if (rc == 0)
		rc = tp_vote_insert(d, ch, t->id, "approved");
	return rc;
}

/* The proposal of a change, still open for decisions. */
static int tp_open(db *d, struct store_thirdparty_change *ch, struct store_thirdparty *t)
{
	int rc = tp_get_locked(d, ch->id, t);
	if (rc == WN_ENOTFOUND)
		snprintf(ch->err, ch->errcap, "there is no third-party proposal %s", ch->id);
	else if (rc == 0 && strcmp(t->status, "proposed") != 0) {
		snprintf(ch->err, ch->errcap, "proposal %s is %s: it takes no more decisions",
			 ch->id, t->status);
		rc = WN_EDENIED;
	}
	return rc;
}

int store_thirdparty_declare(db *d, void *arg)
{
	struct store_thirdparty_change *ch = arg;
	struct store_thirdparty t;
	int rc = tp_open(d, ch, &t);
	if (rc == 0 && strcmp(t.party, ch->by) != 0) {
		snprintf(ch->err, ch->errcap, "only the third party '%s' signs its declaration",
			 t.party);
		rc = WN_EDENIED;
	}
	if (rc == 0 && t.declared) {
		snprintf(ch->err, ch->errcap, "the declaration for proposal %s is signed already",
			 ch->id);
		rc = WN_EINVAL;
	}
	store_thirdparty_clear(&t);
	if (rc == 0)
		rc = tp_exec(d, "UPDATE third_party SET declaration = ?2, declared_at = ?3"
				" WHERE id = ?1", ch->id, ch->declaration, time_now_ms());
	/* the signed declaration is kept apart: the duty of confidentiality
	 * outlives the case and its purge (Heerlen 14.3) */
	sqlite3_stmt *st = NULL;
	if (rc == 0 && (rc = db_prepare(d, "INSERT INTO third_party_declarations(approval, party,"
					   " case_id, text_version, declaration, declared_at)"
					   " SELECT id, party, case_id, ?2, declaration, declared_at"
					   " FROM third_party WHERE id = ?1", &st)) == 0) {
		sqlite3_bind_text(st, 1, ch->id, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 2, ch->text_version, -1, SQLITE_TRANSIENT);
		rc = sqlite3_step(st) == SQLITE_DONE ? 0 : WN_EDB;
		sqlite3_finalize(st);
	}
	if (rc == 0)
		rc = tp_settle(d, ch->id);
	return rc;
}

int store_thirdparty_vote(db *d, void *arg)
{
	struct store_thirdparty_change *ch = arg;
	struct store_thirdparty t;
	int rc = tp_open(d, ch, &t), member = 0;
	if (rc == 0) {
		sqlite3_stmt *st = NULL;
		if ((rc = db_prepare(d, "SELECT 1 FROM case_members WHERE case_id = ? AND partner = ?"
					" AND left_at IS NULL", &st)) == 0) {
			sqlite3_bind_text(st, 1, t.case_id, -1, SQLITE_TRANSIENT);
			sqlite3_bind_text(st, 2, ch->by, -1, SQLITE_TRANSIENT);
			member = sqlite3_step(st) == SQLITE_ROW;
			sqlite3_finalize(st);
		}
		if (rc == 0 && !member) {
			snprintf(ch->err, ch->errcap, "'%s' does not take part in case %s: only its "
				 "partners decide on a third party", ch->by, t.case_id);
			rc = WN_ENOTMEMBER;
		}
	}
	store_thirdparty_clear(&t);
	if (rc == 0)
		rc = tp_vote_insert(d, ch, ch->id, ch->decision);
	if (rc == 0)
		rc = tp_settle(d, ch->id);
	return rc;
}

int store_thirdparty_take(db *d, void *arg)
{
	struct store_thirdparty_change *ch = arg;
	struct store_thirdparty t;
	int rc = tp_get_locked(d, ch->id, &t);
	if (rc == WN_ENOTFOUND)
		snprintf(ch->err, ch->errcap, "there is no third-party proposal %s", ch->id);
	if (rc != 0)
		return rc;
	if (strcmp(t.status, "approved") != 0) {
		if (strcmp(t.status, "proposed") == 0)
			snprintf(ch->err, ch->errcap, "third-party disclosure %s is not approved yet: "
				 "%s", ch->id, t.declared ? "not every partner of the case approved"
							  : "the confidentiality declaration is not "
							    "signed");
		else if (strcmp(t.status, "rejected") == 0)
			snprintf(ch->err, ch->errcap, "third-party disclosure %s was rejected", ch->id);
		else
			snprintf(ch->err, ch->errcap, "third-party disclosure %s was used already: it "
				 "allows one disclosure", ch->id);
		store_thirdparty_clear(&t);
		return WN_EDENIED;
	}
	store_thirdparty_clear(&t);
	return tp_exec(d, "UPDATE third_party SET status = 'in_use', used_by = ?2 WHERE id = ?1",
		       ch->id, ch->request_id, 0);
}

int store_thirdparty_release(db *d, void *arg)
{
	struct store_thirdparty_change *ch = arg;
	if (ch->consumed)
		return tp_exec(d, "UPDATE third_party SET status = 'used', used_at = ?3 WHERE"
				  " id = ?1 AND used_by = ?2 AND status = 'in_use'",
			       ch->id, ch->request_id, time_now_ms());
	return tp_exec(d, "UPDATE third_party SET status = 'approved', used_by = NULL WHERE"
			  " id = ?1 AND used_by = ?2 AND status = 'in_use'",
		       ch->id, ch->request_id, 0);
}
