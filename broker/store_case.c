/*
 * store_case.c — cases at the broker (Heerlen art. 7.1, Bijlage 2): an opaque
 * id, the cluster, the case director and its role-holder, the precondition
 * it was opened on, the partners that take part, and the household it is
 * about (Heerlen 1.14) as commitments HMAC(case key, BSN) only the partners
 * can compute. No personal data: who the case is about is known only to the
 * partners, and the envelopes that carry the case key are sealed to them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wijknet.h"
#include "canon.h"
#include "date.h"
#include "envelope.h"
#include "household.h"
#include "ids.h"
#include "store.h"

static void copy_text(char *dst, size_t cap, sqlite3_stmt *st, int col)
{
	const char *s = (const char *)sqlite3_column_text(st, col);
	snprintf(dst, cap, "%s", s ? s : "");
}

/* Runs one statement with up to three text parameters (NULL: bound NULL). */
static int exec3(db *d, const char *sql, const char *a, const char *b, const char *c)
{
	sqlite3_stmt *st = NULL;
	int rc = db_prepare(d, sql, &st);
	if (rc != 0)
		return rc;
	const char *v[3] = { a, b, c };
	for (int i = 0; i < 3 && i < sqlite3_bind_parameter_count(st); i++) {
		if (v[i] != NULL)
			sqlite3_bind_text(st, i + 1, v[i], -1, SQLITE_TRANSIENT);
	}
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : WN_EDB;
	sqlite3_finalize(st);
	return rc;
}

int store_case_get_locked(db *d, const char *id, struct store_case *out)
{
	sqlite3_stmt *st = NULL;
	int rc = db_prepare(d, "SELECT id, cluster, director, status, opened_at, retention_until,"
			       " regisseur_id, regisseur_role, basis FROM cases WHERE id = ?", &st);
	if (rc != 0)
		return rc;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
	int s = sqlite3_step(st);
	if (s == SQLITE_ROW) {
		copy_text(out->id, sizeof(out->id), st, 0);
		copy_text(out->cluster, sizeof(out->cluster), st, 1);
		copy_text(out->director, sizeof(out->director), st, 2);
		copy_text(out->status, sizeof(out->status), st, 3);
		out->opened_at = sqlite3_column_int64(st, 4);
		copy_text(out->retention, sizeof(out->retention), st, 5);
		copy_text(out->regisseur_id, sizeof(out->regisseur_id), st, 6);
		copy_text(out->regisseur_role, sizeof(out->regisseur_role), st, 7);
		copy_text(out->basis, sizeof(out->basis), st, 8);
		rc = 0;
	} else {
		rc = s == SQLITE_DONE ? WN_ENOTFOUND : WN_EDB;
	}
	sqlite3_finalize(st);
	return rc;
}

int store_case_is_member_locked(db *d, const char *case_id, const char *partner, int *member)
{
	sqlite3_stmt *st = NULL;
	int rc = db_prepare(d, "SELECT 1 FROM case_members WHERE case_id = ? AND partner = ?"
			       " AND left_at IS NULL", &st);
	if (rc != 0)
		return rc;
	sqlite3_bind_text(st, 1, case_id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, partner, -1, SQLITE_TRANSIENT);
	int s = sqlite3_step(st);
	if (s == SQLITE_ROW || s == SQLITE_DONE)
		*member = s == SQLITE_ROW;
	else
		rc = WN_EDB;
	sqlite3_finalize(st);
	return rc;
}

int store_case_get(db *d, const char *id, struct store_case *out)
{
	db_lock(d);
	int rc = store_case_get_locked(d, id, out);
	db_unlock(d);
	return rc;
}

int store_case_is_member(db *d, const char *case_id, const char *partner, int *member)
{
	db_lock(d);
	int rc = store_case_is_member_locked(d, case_id, partner, member);
	db_unlock(d);
	return rc;
}

int store_case_people_locked(db *d, const char *case_id, json_t **out)
{
	sqlite3_stmt *st = NULL;
	json_t *people = json_array();
	int rc = people ? db_prepare(d, "SELECT person FROM case_people WHERE case_id = ? AND"
					" removed_at IS NULL ORDER BY added_at, person", &st)
			: WN_ENOMEM;
	if (rc != 0) {
		json_decref(people);
		return rc;
	}
	sqlite3_bind_text(st, 1, case_id, -1, SQLITE_TRANSIENT);
	int s;
	while ((s = sqlite3_step(st)) == SQLITE_ROW)
		json_array_append_new(people, json_string((const char *)sqlite3_column_text(st, 0)));
	sqlite3_finalize(st);
	if (s != SQLITE_DONE) {
		json_decref(people);
		return WN_EDB;
	}
	*out = people;
	return 0;
}

int store_case_key_locked(db *d, const char *case_id, const char *partner, json_t **out)
{
	sqlite3_stmt *st = NULL;
	int rc = db_prepare(d, "SELECT envelope FROM case_keys WHERE case_id = ? AND partner = ?",
			    &st);
	if (rc != 0)
		return rc;
	sqlite3_bind_text(st, 1, case_id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, partner, -1, SQLITE_TRANSIENT);
	int s = sqlite3_step(st);
	if (s == SQLITE_ROW) {
		json_error_t jerr;
		*out = json_loads((const char *)sqlite3_column_text(st, 0), 0, &jerr);
		rc = *out ? 0 : WN_EDB;
	} else {
		rc = s == SQLITE_DONE ? WN_ENOTFOUND : WN_EDB;
	}
	sqlite3_finalize(st);
	return rc;
}

int store_case_key(db *d, const char *case_id, const char *partner, json_t **out)
{
	db_lock(d);
	int rc = store_case_key_locked(d, case_id, partner, out);
	db_unlock(d);
	return rc;
}

/* The partners that take part now: [{partner, joined_at}]. */
static int case_members_locked(db *d, const char *id, json_t **out)
{
	sqlite3_stmt *st = NULL;
	json_t *members = json_array();
	int rc = db_prepare(d, "SELECT partner, joined_at FROM case_members WHERE case_id = ?"
			       " AND left_at IS NULL ORDER BY joined_at, partner", &st);
	if (rc != 0) {
		json_decref(members);
		return rc;
	}
	sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
	int s;
	while ((s = sqlite3_step(st)) == SQLITE_ROW)
		json_array_append_new(members,
				      json_pack("{s:s,s:I}", "partner",
						(const char *)sqlite3_column_text(st, 0), "joined_at",
						(json_int_t)sqlite3_column_int64(st, 1)));
	sqlite3_finalize(st);
	if (s != SQLITE_DONE) {
		json_decref(members);
		return WN_EDB;
	}
	*out = members;
	return 0;
}

/* {id, cluster, director, regisseur?, basis?, status, opened_at, retention,
 * members, people} of a case. */
static int case_json_locked(db *d, const char *id, json_t **out)
{
	struct store_case c;
	json_t *members = NULL, *people = NULL;
	int rc = store_case_get_locked(d, id, &c);
	if (rc == 0)
		rc = case_members_locked(d, id, &members);
	if (rc == 0)
		rc = store_case_people_locked(d, id, &people);
	if (rc != 0) {
		json_decref(members);
		return rc;
	}
	*out = json_pack("{s:s,s:s,s:s,s:s,s:I,s:s,s:o,s:o}", "id", c.id, "cluster", c.cluster,
			 "director", c.director, "status", c.status, "opened_at",
			 (json_int_t)c.opened_at, "retention", c.retention, "members", members,
			 "people", people);
	if (*out == NULL)
		return WN_ENOMEM;
	if (c.regisseur_id[0])
		json_object_set_new(*out, "regisseur", json_pack("{s:s,s:s}", "id", c.regisseur_id,
								 "role", c.regisseur_role));
	if (c.basis[0])
		json_object_set_new(*out, "basis", json_string(c.basis));
	return 0;
}

int store_case_json(db *d, const char *id, json_t **out)
{
	db_lock(d);
	int rc = case_json_locked(d, id, out);
	db_unlock(d);
	return rc;
}

int store_case_list(db *d, const char *partner, int limit, json_t **out)
{
	sqlite3_stmt *st = NULL;
	json_t *list = json_array();
	db_lock(d);
	int rc = db_prepare(d, "SELECT c.id FROM cases c JOIN case_members m ON m.case_id = c.id"
			       " WHERE m.partner = ? AND m.left_at IS NULL"
			       " ORDER BY c.opened_at DESC, c.id LIMIT ?", &st);
	if (rc == 0) {
		sqlite3_bind_text(st, 1, partner, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int(st, 2, limit);
		int s;
		/* ids first: case_json_locked prepares statements of its own */
		json_t *ids = json_array();
		while ((s = sqlite3_step(st)) == SQLITE_ROW)
			json_array_append_new(ids, json_string((const char *)sqlite3_column_text(st, 0)));
		sqlite3_finalize(st);
		rc = s == SQLITE_DONE ? 0 : WN_EDB;
		size_t i;
		json_t *x;
		json_array_foreach(ids, i, x) {
			json_t *c = NULL;
			if (rc == 0 && (rc = case_json_locked(d, json_string_value(x), &c)) == 0)
				json_array_append_new(list, c);
		}
		json_decref(ids);
	}
	db_unlock(d);
	if (rc != 0) {
		json_decref(list);
		return rc;
	}
	*out = list;
	return 0;
}

static int member_insert(db *d, const char *case_id, const char *partner, const char *by)
{
	sqlite3_stmt *st = NULL;
	/* checked again where it is written: a membership that ended meanwhile
	 * does not slip into a case after the broker released its cases */
	int rc = db_prepare(d, "INSERT INTO case_members(case_id, partner, joined_at, added_by)"
			       " SELECT ?1, ?2, ?3, ?4 WHERE NOT EXISTS (SELECT 1 FROM partners"
			       " WHERE id = ?2 AND status IN ('ended', 'revoked'))"
			       " ON CONFLICT(case_id, partner) DO UPDATE"
			       " SET joined_at = ?3, added_by = ?4, left_at = NULL", &st);
	if (rc != 0)
		return rc;
	sqlite3_bind_text(st, 1, case_id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, partner, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, time_now_ms());
	sqlite3_bind_text(st, 4, by, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : WN_EDB;
	if (rc == 0 && sqlite3_changes(db_handle(d)) != 1)
		rc = WN_EREVOKED;
	sqlite3_finalize(st);
	return rc;
}

/* The envelope that carries the case key to partner (replacing an older one,
 * of an earlier membership). */
static int key_insert(db *d, const char *case_id, const char *partner, const char *env)
{
	sqlite3_stmt *st = NULL;
	int rc = db_prepare(d, "INSERT INTO case_keys(case_id, partner, envelope, added_at)"
			       " VALUES (?1, ?2, ?3, ?4) ON CONFLICT(case_id, partner) DO UPDATE"
			       " SET envelope = ?3, added_at = ?4", &st);
	if (rc != 0)
		return rc;
	sqlite3_bind_text(st, 1, case_id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, partner, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, env, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 4, time_now_ms());
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : WN_EDB;
	sqlite3_finalize(st);
	return rc;
}

/* A member of the household joins the case, or joins it again. */
static int person_insert(db *d, const char *case_id, const char *person, const char *by,
			 const char *reason)
{
	sqlite3_stmt *st = NULL;
	int rc = db_prepare(d, "INSERT INTO case_people(case_id, person, added_at, added_by, reason)"
			       " VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT(case_id, person) DO UPDATE"
			       " SET added_at = ?3, added_by = ?4, reason = ?5, removed_at = NULL,"
			       " removed_reason = NULL", &st);
	if (rc != 0)
		return rc;
	sqlite3_bind_text(st, 1, case_id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, person, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, time_now_ms());
	sqlite3_bind_text(st, 4, by, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 5, reason, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : WN_EDB;
	sqlite3_finalize(st);
	return rc;
}

static int case_insert(db *d, const struct store_case_change *ch)
{
	const struct store_case *c = ch->open;
	sqlite3_stmt *st = NULL;
	int rc = db_prepare(d, "INSERT INTO cases(id, cluster, director, opened_by, opened_at,"
			       " status, retention_until, basis, basis_detail, regisseur_id,"
			       " regisseur_role) VALUES (?, ?, ?, ?, ?, 'open', ?, ?, ?, ?, ?)", &st);
	if (rc != 0)
		return rc;
	sqlite3_bind_text(st, 1, c->id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, c->cluster, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, c->director, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, ch->by, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 5, c->opened_at);
	sqlite3_bind_text(st, 6, c->retention, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 7, c->basis, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 8, ch->basis_detail, -1, SQLITE_TRANSIENT);
	if (ch->regisseur_id != NULL) {
		sqlite3_bind_text(st, 9, ch->regisseur_id, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 10, ch->regisseur_role, -1, SQLITE_TRANSIENT);
	}
	int s = sqlite3_step(st);
	rc = s == SQLITE_DONE ? 0 : db_is_duplicate(d) ? WN_EINVAL : WN_EDB;
	sqlite3_finalize(st);
	if (rc == WN_EINVAL)
		snprintf(ch->err, ch->errcap, "a case with id %s exists already", c->id);
	return rc;
}

int store_case_open(db *d, void *arg)
{
	struct store_case_change *ch = arg;
	const struct store_case *c = ch->open;
	int rc = case_insert(d, ch);
	if (rc == 0)
		rc = member_insert(d, c->id, ch->by, ch->by);
	if (rc == 0 && strcmp(c->director, ch->by) != 0)
		rc = member_insert(d, c->id, c->director, ch->by);
	size_t i;
	json_t *x;
	json_array_foreach(ch->people, i, x) {
		if (rc == 0)
			rc = person_insert(d, c->id, json_string_value(x), ch->by, "opened");
	}
	for (i = 0; rc == 0 && ch->key_for != NULL && ch->key_for[i] != NULL; i++)
		rc = key_insert(d, c->id, ch->key_for[i], ch->key_env);
	return rc;
}

/* The case of a change, which must exist and be open. */
static int change_case(db *d, struct store_case_change *ch, struct store_case *c)
{
	int rc = store_case_get_locked(d, ch->case_id, c);
	if (rc == WN_ENOTFOUND)
		snprintf(ch->err, ch->errcap, "there is no case '%s'", ch->case_id);
	else if (rc == 0 && strcmp(c->status, "open") != 0) {
		snprintf(ch->err, ch->errcap, "case '%s' is closed", ch->case_id);
		rc = WN_EDENIED;
	}
	return rc;
}

/* The open case of a change that only its director may make. */
static int director_case(db *d, struct store_case_change *ch, struct store_case *c,
			 const char *what)
{
	int rc = change_case(d, ch, c);
	if (rc == 0 && strcmp(c->director, ch->by) != 0) {
		snprintf(ch->err, ch->errcap, "only the case director '%s' %s", c->director, what);
		rc = WN_EDENIED;
	}
	return rc;
}

int store_case_join(db *d, void *arg)
{
	struct store_case_change *ch = arg;
	struct store_case c;
	int member = 0;
	int rc = director_case(d, ch, &c, "adds partners to the case");
	if (rc != 0)
		return rc;
	if ((rc = store_case_is_member_locked(d, c.id, ch->partner, &member)) != 0)
		return rc;
	if (member) {
		snprintf(ch->err, ch->errcap, "'%s' already takes part in the case", ch->partner);
		return WN_EINVAL;
	}
	/* checked again where it is written: notice given a moment before counts */
	sqlite3_stmt *st = NULL;
	if ((rc = db_prepare(d, "SELECT status FROM partners WHERE id = ?", &st)) != 0)
		return rc;
	sqlite3_bind_text(st, 1, ch->partner, -1, SQLITE_TRANSIENT);
	int step = sqlite3_step(st);
	char status[16] = "";
	if (step == SQLITE_ROW && sqlite3_column_text(st, 0) != NULL)
		snprintf(status, sizeof(status), "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	if (step != SQLITE_ROW && step != SQLITE_DONE)
		return WN_EDB;
	if (strcmp(status, "notice") == 0) {
		snprintf(ch->err, ch->errcap, "'%s' gave notice (its membership ends): it opens or "
			 "joins no new case; its running cases go on until its end date", ch->partner);
		return WN_ENOTICE;
	}
	if (strcmp(status, "active") != 0) {
		snprintf(ch->err, ch->errcap, "'%s' is not an active partner (%s)", ch->partner,
			 status[0] ? status : "unknown");
		return WN_EREVOKED;
	}
	if ((rc = member_insert(d, c.id, ch->partner, ch->by)) != 0)
		return rc;
	return key_insert(d, c.id, ch->partner, ch->key_env);
}

int store_case_leave(db *d, void *arg)
{
	struct store_case_change *ch = arg;
	struct store_case c;
	int member = 0;
	int rc = change_case(d, ch, &c);
	if (rc != 0)
		return rc;
	if ((rc = store_case_is_member_locked(d, c.id, ch->partner, &member)) != 0)
		return rc;
	if (!member) {
		snprintf(ch->err, ch->errcap, "'%s' does not take part in the case", ch->partner);
		return WN_ENOTMEMBER;
	}
	if (strcmp(ch->partner, c.director) == 0) {
		snprintf(ch->err, ch->errcap, "the case director cannot leave the case; hand the "
			 "direction over (case director) or close it (case close)");
		return WN_EDENIED;
	}
	if (strcmp(ch->by, ch->partner) != 0 && strcmp(ch->by, c.director) != 0) {
		snprintf(ch->err, ch->errcap, "only '%s' itself or the case director '%s' can end "
			 "its part in the case", ch->partner, c.director);
		return WN_EDENIED;
	}
	sqlite3_stmt *st = NULL;
	if ((rc = db_prepare(d, "UPDATE case_members SET left_at = ? WHERE case_id = ? AND"
				" partner = ?", &st)) != 0)
		return rc;
	sqlite3_bind_int64(st, 1, time_now_ms());
	sqlite3_bind_text(st, 2, c.id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, ch->partner, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : WN_EDB;
	sqlite3_finalize(st);
	/* a partner that left is not handed the key again by the broker */
	if (rc == 0)
		rc = exec3(d, "DELETE FROM case_keys WHERE case_id = ? AND partner = ?", c.id,
			   ch->partner, NULL);
	/* its vote on a proposal is no longer awaited */
	if (rc == 0)
		rc = store_thirdparty_settle_case_locked(d, c.id);
	return rc;
}

/* Closes a case: its retention clock starts now (G-P 9), kept at least
 * retention_days from today, or to the date its opener set. */
static int case_close_locked(db *d, const char *case_id, int retention_days)
{
	char kept[DATE_LEN + 1];
	sqlite3_stmt *st = NULL;
	date_today_plus(retention_days > 0 ? retention_days : 1, kept);
	int rc = db_prepare(d, "UPDATE cases SET status = 'closed', closed_at = ?,"
			       " retention_until = max(retention_until, ?) WHERE id = ?", &st);
	if (rc != 0)
		return rc;
	sqlite3_bind_int64(st, 1, time_now_ms());
	sqlite3_bind_text(st, 2, kept, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, case_id, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : WN_EDB;
	sqlite3_finalize(st);
	return rc;
}

int store_case_close(db *d, void *arg)
{
	struct store_case_change *ch = arg;
	struct store_case c;
	int rc = director_case(d, ch, &c, "closes the case");
	if (rc != 0)
		return rc;
	return case_close_locked(d, c.id, ch->retention_days);
}

int store_case_person_add(db *d, void *arg)
{
	struct store_case_change *ch = arg;
	struct store_case c;
	json_t *people = NULL;
	int rc = director_case(d, ch, &c, "changes who the case is about");
	if (rc == 0)
		rc = store_case_people_locked(d, c.id, &people);
	if (rc != 0)
		return rc;
	if (household_has(people, ch->person)) {
		snprintf(ch->err, ch->errcap, "that person is a member of the household already");
		rc = WN_EINVAL;
	} else if (json_array_size(people) >= HOUSEHOLD_MAX) {
		snprintf(ch->err, ch->errcap, "a case is about at most %d people", HOUSEHOLD_MAX);
		rc = WN_ELIMIT;
	}
	json_decref(people);
	if (rc == 0)
		rc = person_insert(d, c.id, ch->person, ch->by, ch->reason);
	return rc;
}

int store_case_person_remove(db *d, void *arg)
{
	struct store_case_change *ch = arg;
	struct store_case c;
	json_t *people = NULL;
	int rc = director_case(d, ch, &c, "changes who the case is about");
	if (rc == 0)
		rc = store_case_people_locked(d, c.id, &people);
	if (rc != 0)
		return rc;
	if (!household_has(people, ch->person)) {
		snprintf(ch->err, ch->errcap, "that person is not a member of the household");
		rc = WN_ENOTINCASE;
	} else if (json_array_size(people) == 1) {
		snprintf(ch->err, ch->errcap, "a case is about at least one person: close the case "
			 "instead");
		rc = WN_EDENIED;
	}
	json_decref(people);
	if (rc != 0)
		return rc;
	sqlite3_stmt *st = NULL;
	if ((rc = db_prepare(d, "UPDATE case_people SET removed_at = ?, removed_reason = ? WHERE"
				" case_id = ? AND person = ?", &st)) != 0)
		return rc;
	sqlite3_bind_int64(st, 1, time_now_ms());
	sqlite3_bind_text(st, 2, ch->reason, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, c.id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, ch->person, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : WN_EDB;
	sqlite3_finalize(st);
	return rc;
}

int store_case_set_director(db *d, void *arg)
{
	struct store_case_change *ch = arg;
	struct store_case c;
	int member = 0;
	int rc = director_case(d, ch, &c, "hands the direction over");
	if (rc != 0)
		return rc;
	const char *director = ch->partner ? ch->partner : c.director;
	if ((rc = store_case_is_member_locked(d, c.id, director, &member)) != 0)
		return rc;
	if (!member) {
		snprintf(ch->err, ch->errcap, "'%s' does not take part in the case: add it first",
			 director);
		return WN_ENOTMEMBER;
	}
	/* a new director partner names its own role-holder */
	const char *rid = ch->regisseur_id, *rrole = ch->regisseur_role;
	if (rid == NULL && strcmp(director, c.director) == 0) {
		rid = c.regisseur_id[0] ? c.regisseur_id : NULL;
		rrole = c.regisseur_role[0] ? c.regisseur_role : NULL;
	}
	sqlite3_stmt *st = NULL;
	if ((rc = db_prepare(d, "UPDATE cases SET director = ?, regisseur_id = ?, regisseur_role = ?"
				" WHERE id = ?", &st)) != 0)
		return rc;
	sqlite3_bind_text(st, 1, director, -1, SQLITE_TRANSIENT);
	if (rid != NULL) {
		sqlite3_bind_text(st, 2, rid, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 3, rrole, -1, SQLITE_TRANSIENT);
	}
	sqlite3_bind_text(st, 4, c.id, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : WN_EDB;
	sqlite3_finalize(st);
	return rc;
}

/* The person commitments of a purged case leave its audit entries; each
 * entry's leaf stays, so the log still verifies (G-P 9). *entries: the
 * indexes purged, named in the case.purge entry that follows. */
static int store_case_purge_people(db *d, tlog *log, const char *case_id, json_t **entries)
{
	static const char *const personal[] = { "person", "people", "household" };
	sqlite3_stmt *st = NULL;
	json_t *list = json_array(), *todo = json_array(), *x;
	size_t i;
	int rc = db_prepare(d, "SELECT idx, entry FROM audit_log WHERE purged_at IS NULL AND"
			       " json_valid(entry) AND (json_extract(entry, '$.person') IS NOT NULL OR"
			       " json_extract(entry, '$.people') IS NOT NULL) AND"
			       " json_extract(entry, '$.case') = ?", &st);
	if (rc == 0) {
		sqlite3_bind_text(st, 1, case_id, -1, SQLITE_TRANSIENT);
		while (sqlite3_step(st) == SQLITE_ROW) {
			json_t *e = json_loads((const char *)sqlite3_column_text(st, 1), 0, NULL);
			if (e == NULL)
				continue;
			json_array_append_new(todo, json_pack("{s:I,s:o}", "idx",
							      (json_int_t)sqlite3_column_int64(st, 0),
							      "entry", e));
		}
		sqlite3_finalize(st);
	}
	json_array_foreach(todo, i, x) {
		json_t *e = json_object_get(x, "entry");
		for (size_t k = 0; k < sizeof(personal) / sizeof(personal[0]); k++)
			json_object_del(e, personal[k]);
		json_object_set_new(e, "purged", json_true());
		int64_t idx = (int64_t)json_integer_value(json_object_get(x, "idx"));
		char kept[65];
		if (rc == 0 && (rc = tlog_purge_locked(log, idx, e, kept)) == 0)
			json_array_append_new(list, json_pack("{s:I,s:s}", "idx", (json_int_t)idx,
							      "kept", kept));
	}
	json_decref(todo);
	if (rc != 0) {
		json_decref(list);
		return rc;
	}
	*entries = list;
	return 0;
}

int store_case_purge(db *d, void *arg)
{
	struct store_case_purge *p = arg;
	char today[DATE_LEN + 1];
	sqlite3_stmt *st = NULL;
	json_t *ids = json_array(), *x;
	size_t i;
	date_today_plus(0, today);
	/* a running case is never purged, whatever its date */
	int rc = db_prepare(d, "SELECT id, retention_until FROM cases WHERE status = 'closed' AND"
			       " retention_until < ? LIMIT 1000", &st);
	if (rc == 0) {
		sqlite3_bind_text(st, 1, today, -1, SQLITE_TRANSIENT);
		while (sqlite3_step(st) == SQLITE_ROW)
			json_array_append_new(ids, json_pack("{s:s,s:s}", "case",
							     (const char *)sqlite3_column_text(st, 0),
							     "retention_until",
							     (const char *)sqlite3_column_text(st, 1)));
		sqlite3_finalize(st);
	}
	/* third_party_declarations stay: confidentiality outlives the case */
	static const char *const sql[] = {
		("DELETE FROM third_party_votes WHERE id IN (SELECT id FROM third_party WHERE"
		 " case_id = ?)"),
		"DELETE FROM third_party WHERE case_id = ?",
		"DELETE FROM case_keys WHERE case_id = ?",
		"DELETE FROM case_people WHERE case_id = ?",
		"DELETE FROM case_members WHERE case_id = ?",
		"DELETE FROM cases WHERE id = ?",
	};
	json_array_foreach(ids, i, x) {
		const char *id = json_string_value(json_object_get(x, "case"));
		for (size_t k = 0; rc == 0 && k < sizeof(sql) / sizeof(sql[0]); k++)
			rc = exec3(d, sql[k], id, NULL, NULL);
		json_t *redacted = NULL;
		if (rc == 0 && (rc = store_case_purge_people(d, p->log, id, &redacted)) == 0)
			json_object_set_new(x, "entries", redacted);
		char *canon = NULL;
		size_t len = 0;
		int64_t idx = 0;
		uint8_t leaf[MERKLE_HASH_LEN];
		json_object_set_new(x, "type", json_string("case.purge"));
		/* the log's own record of what it purged: audit verify checks it */
		json_object_set_new(x, "ts", json_integer((json_int_t)time_now_ms()));
		if (rc == 0 && (rc = canon_dump(x, &canon, &len)) == 0)
			rc = tlog_append_locked(p->log, "case.purge", NULL, canon, len, &idx, leaf);
		free(canon);
		if (rc != 0)
			break;
		p->purged++;
	}
	json_decref(ids);
	/* signed with the purge, in its transaction: the owner's checkpoint
	 * covers a purge from the moment it exists */
	if (rc == 0 && p->purged > 0 && p->key != NULL) {
		struct tlog_checkpoint_job cp = { p->log, p->key, NULL };
		rc = tlog_checkpoint_locked(d, &cp);
		json_decref(cp.made);
	}
	return rc;
}

/* The open cases partner still takes part in, with their directors. */
static int release_cases_of(db *d, const char *partner, json_t *out)
{
	sqlite3_stmt *st = NULL;
	int rc = db_prepare(d, "SELECT c.id, c.director FROM case_members m JOIN cases c ON"
			       " c.id = m.case_id WHERE m.partner = ? AND m.left_at IS NULL AND"
			       " c.status = 'open' ORDER BY c.id LIMIT 200", &st);
	if (rc != 0)
		return rc;
	sqlite3_bind_text(st, 1, partner, -1, SQLITE_TRANSIENT);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		json_array_append_new(out, json_pack("{s:s,s:s}", "case",
						     (const char *)sqlite3_column_text(st, 0),
						     "director",
						     (const char *)sqlite3_column_text(st, 1)));
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : WN_EDB;
}

/* The member that directs the case now: the one rank() puts highest, the
 * earliest to join among equals; "" when none can. */
static int release_successor(db *d, const struct store_case_release *r, const char *case_id,
			     char *out, size_t cap)
{
	sqlite3_stmt *st = NULL;
	int best = 0;
	int rc = db_prepare(d, "SELECT partner FROM case_members WHERE case_id = ? AND"
			       " left_at IS NULL AND partner <> ? ORDER BY joined_at, partner", &st);
	if (rc != 0)
		return rc;
	out[0] = '\0';
	sqlite3_bind_text(st, 1, case_id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, r->partner, -1, SQLITE_TRANSIENT);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *m = (const char *)sqlite3_column_text(st, 0);
		int rank = r->rank(m, r->rank_arg);
		if (rank > best) {
			best = rank;
			snprintf(out, cap, "%s", m);
		}
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : WN_EDB;
}

/* The direction passes to successor, or, with none, the case closes. */
static int release_direction(db *d, const struct store_case_release *r, const char *case_id,
			     const char *successor)
{
	if (successor[0] != '\0') /* the new director names its own role-holder */
		return exec3(d, "UPDATE cases SET director = ?, regisseur_id = NULL,"
				" regisseur_role = NULL WHERE id = ?", successor, case_id, NULL);
	return case_close_locked(d, case_id, r->retention_days);
}

static int release_one(db *d, struct store_case_release *r, json_t *x)
{
	const char *case_id = json_string_value(json_object_get(x, "case"));
	const char *director = json_string_value(json_object_get(x, "director"));
	char successor[128] = "";
	sqlite3_stmt *st = NULL;
	int rc = db_prepare(d, "UPDATE case_members SET left_at = ? WHERE case_id = ? AND"
			       " partner = ?", &st);
	if (rc != 0)
		return rc;
	sqlite3_bind_int64(st, 1, time_now_ms());
	sqlite3_bind_text(st, 2, case_id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, r->partner, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : WN_EDB;
	sqlite3_finalize(st);
	if (rc == 0)
		rc = exec3(d, "DELETE FROM case_keys WHERE case_id = ? AND partner = ?", case_id,
			   r->partner, NULL);
	if (rc == 0 && strcmp(director, r->partner) == 0) {
		if ((rc = release_successor(d, r, case_id, successor, sizeof(successor))) == 0)
			rc = release_direction(d, r, case_id, successor);
		json_object_set_new(x, successor[0] ? "director" : "closed",
				    successor[0] ? json_string(successor) : json_true());
	} else {
		json_object_del(x, "director");
	}
	if (rc == 0)
		rc = store_thirdparty_settle_case_locked(d, case_id);
	json_object_set_new(x, "type", json_string("case.member_ended"));
	json_object_set_new(x, "partner", json_string(r->partner));
	json_object_set_new(x, "ts", json_integer((json_int_t)time_now_ms()));
	char *canon = NULL;
	size_t len = 0;
	int64_t idx = 0;
	uint8_t leaf[MERKLE_HASH_LEN];
	if (rc == 0 && (rc = canon_dump(x, &canon, &len)) == 0)
		rc = tlog_append_locked(r->log, "case.member_ended", NULL, canon, len, &idx, leaf);
	free(canon);
	return rc;
}

int store_case_release(db *d, void *arg)
{
	struct store_case_release *r = arg;
	json_t *cases = json_array(), *x;
	size_t i;
	int rc = cases ? release_cases_of(d, r->partner, cases) : WN_ENOMEM;
	json_array_foreach(cases, i, x) {
		if (rc == 0)
			rc = release_one(d, r, x);
		r->released += rc == 0;
	}
	r->more = rc == 0 && json_array_size(cases) == 200;
	json_decref(cases);
	return rc;
}
