/*
 * informed.c — how and when each person of a case's household was told of
 * the case (G-P 5, 6; Heerlen 1.14). A case is about people: the household
 * is told before the case opens, or afterwards with the reason, and a person
 * added later is told too. Each person is recorded by the commitment the
 * case key gives their BSN, so this node keeps no list of who is in a case.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wijknet.h"
#include "bsn.h"
#include "casekey.h"
#include "context.h"
#include "date.h"
#include "disclog.h"
#include "household.h"
#include "ids.h"
#include "local.h"
#include "log.h"
#include "notice.h"
#include "schema.h"
#include "store.h"

static const struct schema_field informed_rq_fields[] = {
	{ "op", SCHEMA_STRING, 1, 32 },
	{ "case", SCHEMA_STRING, 1, 32 },
	{ "bsn", SCHEMA_STRING, 0, 16 },
	{ "moment", SCHEMA_STRING, 0, 8 },
	{ "on", SCHEMA_STRING, 0, 10 },
	{ "how", SCHEMA_STRING, 0, 16 },
	{ "reason", SCHEMA_STRING, 0, 2000 },
	{ "actor", SCHEMA_OBJECT, 1, 0 },
	{ NULL, 0, 0, 0 },
};

/* Rows recorded before 0.5.12 were for the household as a whole. */
#define INFORMED_HOUSEHOLD ""

/* The people a record or a question is about: every member of the household
 * now, or the one named (who must be a member). *people: commitments. */
static int informed_people(struct node *n, const char *case_id, const char *bsn,
			   json_t **people, char *err, size_t errcap)
{
	char commit[HOUSEHOLD_COMMIT_HEX + 1];
	json_t *c = NULL;
	int rc;
	if (bsn == NULL) {
		if ((rc = casekey_case(n, case_id, &c, err, errcap)) != 0)
			return rc;
		*people = json_incref(json_object_get(c, "people"));
		json_decref(c);
		return *people != NULL ? 0 : WN_EPROTO;
	}
	if (bsn_validate(bsn) != 0) {
		snprintf(err, errcap, "field 'bsn': not a valid BSN (nine digits, 11-proef)");
		return WN_EBSN;
	}
	int member = 0;
	if ((rc = casekey_has_person(n, case_id, bsn, commit, &member, err, errcap)) != 0)
		return rc;
	if (!member) {
		snprintf(err, errcap, "the person is not a member of the household of case %s",
			 case_id);
		return WN_ENOTINCASE;
	}
	*people = json_pack("[s]", commit);
	return *people != NULL ? 0 : WN_ENOMEM;
}

/* ---- recording ---------------------------------------------------------- */

struct informed_write {
	struct node *n;
	const json_t *rq;
	const json_t *people;
	const char *role, *id;
	long replaced; /* people whose earlier record this one replaces */
};

/* Whether person has a record of this case already. */
static int informed_exists(db *d, const char *case_id, const char *person, int *found)
{
	sqlite3_stmt *st = NULL;
	int rc = db_prepare(d, "SELECT 1 FROM case_informed WHERE case_id = ? AND person = ?", &st);
	if (rc != 0)
		return rc;
	sqlite3_bind_text(st, 1, case_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, person, -1, SQLITE_STATIC);
	int s = sqlite3_step(st);
	*found = s == SQLITE_ROW;
	rc = s == SQLITE_ROW || s == SQLITE_DONE ? 0 : WN_EDB;
	sqlite3_finalize(st);
	return rc;
}

static int informed_insert(db *d, const struct informed_write *w, const char *person)
{
	static const char *const f[] = { "case", "moment", "on", "how", "reason" };
	sqlite3_stmt *st = NULL;
	int rc = db_prepare(d, "INSERT OR REPLACE INTO case_informed(case_id, person, moment,"
			       " informed_on, how, reason, recorded_at, actor_id, actor_role)"
			       " VALUES (?1, ?9, ?2, ?3, ?4, ?5, ?6, ?7, ?8)", &st);
	if (rc != 0)
		return rc;
	for (int i = 0; i < 5; i++) {
		const char *v = json_string_value(json_object_get(w->rq, f[i]));
		if (v != NULL)
			sqlite3_bind_text(st, i + 1, v, -1, SQLITE_STATIC);
	}
	sqlite3_bind_int64(st, 6, time_now_ms());
	sqlite3_bind_text(st, 7, w->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, w->role, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 9, person, -1, SQLITE_STATIC);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : WN_EDB;
	sqlite3_finalize(st);
	return rc;
}

static int informed_write_run(db *d, void *arg)
{
	struct informed_write *w = arg;
	const char *case_id = json_string_value(json_object_get(w->rq, "case"));
	size_t i;
	json_t *p;
	int rc = 0;
	json_array_foreach(w->people, i, p) {
		int found = 0;
		if ((rc = informed_exists(d, case_id, json_string_value(p), &found)) != 0 ||
		    (rc = informed_insert(d, w, json_string_value(p))) != 0)
			return rc;
		w->replaced += found;
	}
	int64_t lidx = 0;
	/* a record replaced is said in the ledger, which keeps every one, and
	 * names the professional who recorded it */
	json_t *e = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:I,s:I}", "case", case_id, "moment",
			      json_string_value(json_object_get(w->rq, "moment")), "on",
			      json_string_value(json_object_get(w->rq, "on")), "how",
			      json_string_value(json_object_get(w->rq, "how")), "by", w->id,
			      "by_role", w->role, "people", (json_int_t)json_array_size(w->people),
			      "replaces", (json_int_t)w->replaced);
	rc = e ? ledger_append_locked(w->n->ledger, "case.informed", case_id, e, &lidx) : WN_ENOMEM;
	json_decref(e);
	return rc;
}

/* The fields of a record: a moment, a day not in the future, a channel, and
 * for "after" the reason (G-P 6). */
static int informed_check(const json_t *rq, char *err, size_t errcap)
{
	char today[DATE_LEN + 1];
	const char *moment = json_string_value(json_object_get(rq, "moment"));
	const char *on = json_string_value(json_object_get(rq, "on"));
	date_today_plus(0, today);
	if (moment == NULL || (strcmp(moment, "before") != 0 && strcmp(moment, "after") != 0)) {
		snprintf(err, errcap, "field 'moment': before (told before the case opened, or "
			 "before the person came into it) or after");
		return WN_EINVAL;
	}
	if (!date_valid(on) || strcmp(on, today) > 0) {
		snprintf(err, errcap, "field 'on': the day they were told, YYYY-MM-DD, not in the "
			 "future");
		return WN_EINVAL;
	}
	if (!notice_channel_valid(json_string_value(json_object_get(rq, "how")))) {
		snprintf(err, errcap, "field 'how': post, email, portal, in_person or phone");
		return WN_EINVAL;
	}
	if (strcmp(moment, "after") == 0 &&
	    !schema_text_given(json_string_value(json_object_get(rq, "reason")), 10)) {
		snprintf(err, errcap, "told afterwards: give the reason (--reason, at least 10 "
			 "characters that are not spaces)");
		return WN_EMOTIVATION;
	}
	return 0;
}

/* Told afterwards is on or after the day the case opened: a day before it is
 * "before", or a typo that the record would keep as evidence. */
static int informed_check_after(struct node *n, const json_t *rq, const char *case_id,
				char *err, size_t errcap)
{
	char opened[DATE_LEN + 1];
	const char *on = json_string_value(json_object_get(rq, "on"));
	json_t *c = NULL;
	if (strcmp(json_string_value(json_object_get(rq, "moment")), "after") != 0)
		return 0;
	int rc = casekey_case(n, case_id, &c, err, errcap);
	json_int_t at = json_integer_value(json_object_get(c, "opened_at"));
	json_decref(c);
	if (rc != 0 || at <= 0)
		return rc;
	date_of_ms((int64_t)at, opened);
	if (strcmp(on, opened) < 0) {
		snprintf(err, errcap, "field 'on': told afterwards on %s, before case %s opened on %s: "
			 "that is 'before', or another day", on, case_id, opened);
		return WN_EINVAL;
	}
	return 0;
}

static json_t *informed_record(struct node *n, const json_t *rq, const char *case_id,
			       const char *bsn)
{
	char err[512] = "";
	const json_t *actor = json_object_get(rq, "actor");
	json_t *people = NULL;
	int rc = informed_check(rq, err, sizeof(err));
	if (rc == 0)
		rc = informed_check_after(n, rq, case_id, err, sizeof(err));
	if (rc == 0)
		rc = informed_people(n, case_id, bsn, &people, err, sizeof(err));
	if (rc != 0)
		return local_error(rc, err);
	struct informed_write w = { n, rq, people, json_string_value(json_object_get(actor, "role")),
				    json_string_value(json_object_get(actor, "id")), 0 };
	rc = db_writer_run(n->writer, informed_write_run, &w);
	if (rc == 0 && w.replaced > 0)
		log_emit(WN_LOG_INFO, "case_informed_replaced",
			 json_pack("{s:s,s:I,s:s?}", "case", case_id, "people",
				   (json_int_t)w.replaced, "actor", w.id));
	size_t count = json_array_size(people);
	json_decref(people);
	if (rc != 0)
		return local_error(rc, NULL);
	return json_pack("{s:b,s:{s:s,s:s,s:s,s:I}}", "ok", 1, "result", "case", case_id,
			 "moment", json_string_value(json_object_get(rq, "moment")), "on",
			 json_string_value(json_object_get(rq, "on")), "people", (json_int_t)count);
}

/* ---- reading ------------------------------------------------------------ */

/* The record of one person: their own, else one for the whole household
 * made before records were per person; NULL when there is none, or only
 * one made before the person last left. */
static json_t *informed_row(db *d, const char *case_id, const char *person)
{
	sqlite3_stmt *st = NULL;
	json_t *row = NULL;
	db_lock(d);
	/* a record from before the person last left the household is not this
	 * membership's */
	if (db_prepare(d, "SELECT moment, informed_on, how, reason FROM case_informed WHERE"
			  " case_id = ?1 AND person IN (?2, ?3) AND recorded_at > coalesce((SELECT"
			  " left_at FROM case_left WHERE case_id = ?1 AND person = ?2), 0)"
			  " ORDER BY person = ?3 LIMIT 1",
		       &st) == 0) {
		sqlite3_bind_text(st, 1, case_id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, person, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, INFORMED_HOUSEHOLD, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW) {
			row = json_pack("{s:s,s:s,s:s}", "moment", sqlite3_column_text(st, 0),
					"on", sqlite3_column_text(st, 1), "how",
					sqlite3_column_text(st, 2));
			if (row != NULL && sqlite3_column_type(st, 3) == SQLITE_TEXT)
				json_object_set_new(row, "reason", json_string((const char *)
						    sqlite3_column_text(st, 3)));
		}
		sqlite3_finalize(st);
	}
	db_unlock(d);
	return row;
}

struct informed_read {
	struct node *n;
	const char *case_id, *actor, *role;
	int one_person;
};

/* Who read what the case's people were told: the entry names the case and
 * whether one person was asked about, not who. */
static int informed_read_run(db *d, void *arg)
{
	struct informed_read *r = arg;
	int64_t lidx = 0;
	(void)d;
	json_t *e = json_pack("{s:s,s:s,s:s,s:b}", "case", r->case_id, "by", r->actor, "by_role",
			      r->role, "one_person", r->one_person);
	int rc = e ? ledger_append_locked(r->n->ledger, "case.informed.read", r->case_id, e, &lidx)
		   : WN_ENOMEM;
	json_decref(e);
	return rc;
}

/* Who of the household (or the person named) this node recorded as told:
 * {case, people, told, not_told, person?: {told, moment?, on?, how?,
 * reason?}}. Reading it is logged: it says something about a person. */
static json_t *informed_show(struct node *n, const json_t *rq, const char *case_id,
			     const char *bsn)
{
	char err[512] = "";
	json_t *people = NULL, *one = NULL, *p;
	size_t i, told = 0;
	/* the counts are over the household; --bsn adds that person's record */
	int rc = informed_people(n, case_id, NULL, &people, err, sizeof(err));
	if (rc == 0 && bsn != NULL)
		rc = informed_people(n, case_id, bsn, &one, err, sizeof(err));
	if (rc != 0) {
		json_decref(people);
		return local_error(rc, err);
	}
	json_t *result = json_pack("{s:s,s:I}", "case", case_id, "people",
				   (json_int_t)json_array_size(people));
	json_array_foreach(people, i, p) {
		json_t *row = informed_row(n->db, case_id, json_string_value(p));
		told += row != NULL;
		json_decref(row);
	}
	if (one != NULL) {
		json_t *row = informed_row(n->db, case_id, json_string_value(json_array_get(one, 0)));
		json_t *person = row ? row : json_object();
		json_object_set_new(person, "told", json_boolean(row != NULL));
		json_object_set_new(result, "person", person);
	}
	json_object_set_new(result, "told", json_integer((json_int_t)told));
	json_object_set_new(result, "not_told",
			    json_integer((json_int_t)(json_array_size(people) - told)));
	json_decref(people);
	json_decref(one);
	const json_t *actor = json_object_get(rq, "actor");
	struct informed_read r = { n, case_id, json_string_value(json_object_get(actor, "id")),
				   json_string_value(json_object_get(actor, "role")), bsn != NULL };
	if ((rc = db_writer_run(n->writer, informed_read_run, &r)) != 0) {
		/* read, but its logging not committed: not shown */
		json_decref(result);
		return local_error(rc, "the reading cannot be logged; who was told is not shown");
	}
	log_emit(WN_LOG_INFO, "case_informed_read",
		 json_pack("{s:s,s:b,s:O}", "case", case_id, "one_person", bsn != NULL, "actor",
			   actor));
	return json_pack("{s:b,s:o}", "ok", 1, "result", result);
}

json_t *local_case_informed(struct node *n, const char *op, json_t *rq)
{
	char err[256];
	int rc = schema_check(rq, informed_rq_fields, err, sizeof(err));
	if (rc == 0)
		rc = local_check_actor(json_object_get(rq, "actor"), err, sizeof(err));
	if (rc != 0)
		return local_error(rc, err);
	const char *case_id = json_string_value(json_object_get(rq, "case"));
	const char *bsn = json_string_value(json_object_get(rq, "bsn"));
	if (id_validate(case_id) != 0)
		return local_error(WN_EINVAL, "field 'case': a case id of 32 lowercase hex digits");
	if (strcmp(op, "case.informed") == 0)
		return informed_record(n, rq, case_id, bsn);
	if (strcmp(op, "case.informed.show") == 0)
		return informed_show(n, rq, case_id, bsn);
	snprintf(err, sizeof(err), "unknown operation '%.48s'", op);
	return local_error(WN_EPROTO, err);
}

struct informed_left {
	const char *case_id, *person;
};

static int informed_left_run(db *d, void *arg)
{
	const struct informed_left *l = arg;
	sqlite3_stmt *st = NULL;
	int rc = db_prepare(d, "INSERT OR REPLACE INTO case_left(case_id, person, left_at)"
			       " VALUES (?, ?, ?)", &st);
	if (rc != 0)
		return rc;
	sqlite3_bind_text(st, 1, l->case_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, l->person, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, time_now_ms());
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : WN_EDB;
	sqlite3_finalize(st);
	return rc;
}

int informed_person_left(struct node *n, const char *case_id, const char *person)
{
	struct informed_left l = { case_id, person };
	return db_writer_run(n->writer, informed_left_run, &l);
}
