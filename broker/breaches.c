/*
 * breaches.c — the breach register: incidents from security events, their
 * assessment and notification, with the 72-hour clock of GDPR art. 33.
 */
#include <stdio.h>
#include <string.h>

#include "wijknet.h"
#include "breaches.h"
#include "date.h"
#include "ids.h"
#include "log.h"
#include "secevent.h"

static const char *str_of(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? s : "";
}

/* Kinds that may be a breach and start the 72-hour clock: someone forging,
 * replaying or bypassing, a certificate that should not be used, a log that
 * was altered. Refused bad input is recorded, not an incident by itself. */
static int breaches_is_incident(const char *kind)
{
	static const char *const kinds[] = { "signature", "certificate", "revoked", "replay",
					     "tampered", "no_receipt", "unknown_partner", NULL };
	for (int i = 0; kinds[i] != NULL; i++)
		if (strcmp(kind, kinds[i]) == 0)
			return 1;
	return 0;
}

/* Rows one source may add in a day; past it, what is new is counted in one
 * row per kind, so a member cannot fill the register. */
#define BREACHES_PER_SOURCE_DAY 1000
/* How far back a report may say its events began: the digest's window. */
#define BREACHES_REPORT_WINDOW_MS (3 * 86400000LL)

/* Room for (source, kind, subject, day): an entry it has already, or one
 * more under the day's limit. */
static int breaches_room_locked(db *d, const char *source, const char *kind, const char *subject,
				const char *day, int *room)
{
	sqlite3_stmt *st = NULL;
	int rc = db_prepare(d, "SELECT EXISTS (SELECT 1 FROM breaches WHERE source = ?1 AND"
			       " kind = ?2 AND subject = ?3 AND day = ?4) OR (SELECT COUNT(*) FROM"
			       " breaches WHERE source = ?1 AND day = ?4) < ?5", &st);
	if (rc != 0)
		return rc;
	sqlite3_bind_text(st, 1, source, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, kind, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, subject, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, day, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 5, BREACHES_PER_SOURCE_DAY);
	rc = WN_EDB;
	if (sqlite3_step(st) == SQLITE_ROW) {
		*room = sqlite3_column_int(st, 0);
		rc = 0;
	}
	sqlite3_finalize(st);
	return rc;
}

/* The entry events of (source, kind, subject, day) go to now. Counts come
 * as the day's running total; an entry assessed already keeps what it was
 * assessed on, and what came after it goes to a follow-up entry of its own
 * ("SUBJECT#ID"), unassessed, on a clock of its own. *skip: nothing new. */
static int breaches_follow_locked(db *d, const char *source, const char *kind, const char *day,
				  char *subject, size_t cap, int64_t *count, int *skip,
				  int64_t *assessed_at)
{
	sqlite3_stmt *st = NULL;
	int rc = db_prepare(d, "SELECT id, count, risk IS NOT NULL, assessed_at FROM breaches"
			       " WHERE source = ? AND kind = ? AND subject = ? AND day = ?", &st);
	if (rc != 0)
		return rc;
	*skip = 0;
	*assessed_at = 0;
	for (int hop = 0; hop < 16; hop++) {
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, source, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 2, kind, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 3, subject, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 4, day, -1, SQLITE_TRANSIENT);
		int step = sqlite3_step(st);
		if (step == SQLITE_DONE || (step == SQLITE_ROW && !sqlite3_column_int(st, 2)))
			break; /* a new entry, or one not assessed yet: it takes the count */
		if (step != SQLITE_ROW) {
			rc = WN_EDB;
			break;
		}
		int64_t id = sqlite3_column_int64(st, 0), had = sqlite3_column_int64(st, 1);
		size_t len = strlen(subject);
		if (*count <= had || len + 24 >= cap) {
			*skip = 1; /* nothing after the assessment (or no room to say so) */
			break;
		}
		*count -= had;
		*assessed_at = sqlite3_column_int64(st, 3);
		snprintf(subject + len, cap - len, "#%lld", (long long)id);
	}
	sqlite3_finalize(st);
	return rc;
}

static int breaches_put_locked(db *d, sqlite3_stmt *st, const char *source, const json_t *r)
{
	char subject[200], day[DATE_LEN + 1];
	const char *addr = str_of(r, "addr"), *peer = str_of(r, "peer"), *kind = str_of(r, "kind");
	/* the reporter's times within the window it may report on: a date of
	 * its choosing must not dodge the day's limit or start the clock early */
	int64_t now = time_now_ms(), first = json_integer_value(json_object_get(r, "first_seen"));
	int64_t last = json_integer_value(json_object_get(r, "last_seen"));
	if (first < now - BREACHES_REPORT_WINDOW_MS || first > now)
		first = now;
	if (last < first || last > now)
		last = now;
	date_utc_of_ms(first, day); /* the day secevent_digest counts by */
	int room = 1;
	snprintf(subject, sizeof(subject), "%s%.128s", addr[0] ? "" : "claimed:",
		 addr[0] ? addr : peer);
	int rc = breaches_room_locked(d, source, kind, subject, day, &room);
	if (rc != 0)
		return rc;
	if (!room)
		snprintf(subject, sizeof(subject), "over the day's limit");
	int64_t count = json_integer_value(json_object_get(r, "count")), assessed_at = 0;
	int skip = 0;
	if ((rc = breaches_follow_locked(d, source, kind, day, subject, sizeof(subject), &count,
					 &skip, &assessed_at)) != 0 || skip)
		return rc;
	/* a follow-up's clock starts with what came after the assessment */
	if (assessed_at > first)
		first = assessed_at < last ? assessed_at : last;
	sqlite3_reset(st);
	sqlite3_bind_text(st, 1, source, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, kind, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, peer, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, addr, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 5, day, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 6, count);
	sqlite3_bind_int64(st, 7, first);
	sqlite3_bind_int64(st, 8, last);
	sqlite3_bind_text(st, 9, str_of(r, "detail"), -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 10, subject, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 11, breaches_is_incident(kind) ? "incident" : "refusal", -1,
			  SQLITE_STATIC);
	return sqlite3_step(st) == SQLITE_DONE ? 0 : WN_EDB;
}

int breaches_ingest(db *d, const char *source, const json_t *rows)
{
	sqlite3_stmt *st = NULL;
	size_t i;
	json_t *r;
	db_lock(d);
	/* the first claimed sender and address of a row stay as they came */
	int rc = db_prepare(d, "INSERT INTO breaches(source, kind, peer, addr, day, count,"
			       " first_seen, last_seen, detail, subject, class)"
			       " VALUES (?,?,?,?,?,?,?,?,?,?,?)"
			       " ON CONFLICT(source, kind, subject, day) DO UPDATE SET"
			       " count = MAX(count, excluded.count),"
			       " last_seen = MAX(last_seen, excluded.last_seen)", &st);
	if (rc == 0)
		rc = db_begin(d);
	json_array_foreach(rows, i, r) {
		if (rc != 0)
			break;
		rc = breaches_put_locked(d, st, source, r);
	}
	if (rc == 0)
		rc = db_commit(d);
	else
		db_rollback(d);
	sqlite3_finalize(st);
	db_unlock(d);
	return rc;
}

void breaches_sync_own(db *d, const char *self)
{
	json_t *rows = NULL;
	int rc = secevent_digest(d, time_now_ms() - 2 * 86400000LL, &rows);
	if (rc == 0)
		rc = breaches_ingest(d, self, rows);
	if (rc != 0)
		log_msg(WN_LOG_ERROR, "breach_register_failed", "%s", wn_strerror(rc));
	json_decref(rows);
}

#define BREACH_COLUMNS                                                                      \
	"id, source, kind, peer, addr, day, count, first_seen, last_seen, detail, risk,"    \
	" assessment, assessed_at, assessed_by, authority_notified_at, authority_ref,"     \
	" subjects_notified_at, subjects_note, authority_notified_by, subjects_notified_by," \
	" class"

/* Overdue: an incident not assessed, or a risk not yet notified, 72 hours
 * after it was first seen. */
#define BREACH_OVERDUE                                                                      \
	"(?1 - first_seen > 259200000 AND ((risk IS NULL AND class = 'incident') OR"  \
	" (risk != 'none' AND authority_notified_at IS NULL) OR (risk = 'high' AND"   \
	" subjects_notified_at IS NULL)))"

static json_t *breaches_row(sqlite3_stmt *st, int64_t now)
{
	static const char *const names[] = { "id", "source", "kind", "peer", "addr", "day", "count",
					     "first_seen", "last_seen", "detail", "risk",
					     "assessment", "assessed_at", "assessed_by",
					     "authority_notified_at", "authority_ref",
					     "subjects_notified_at", "subjects_note",
					     "authority_notified_by", "subjects_notified_by", "class" };
	json_t *o = json_object();
	for (int c = 0; o != NULL && c < 21; c++) {
		int t = sqlite3_column_type(st, c);
		if (t == SQLITE_NULL)
			continue;
		json_object_set_new(o, names[c],
				    t == SQLITE_INTEGER
					    ? json_integer(sqlite3_column_int64(st, c))
					    : json_string((const char *)sqlite3_column_text(st, c)));
	}
	int64_t first = sqlite3_column_int64(st, 7);
	const char *risk = (const char *)sqlite3_column_text(st, 10);
	const char *cls = (const char *)sqlite3_column_text(st, 20);
	int incident = cls != NULL && strcmp(cls, "incident") == 0;
	int open = (risk == NULL && incident) ||
		   (risk != NULL && strcmp(risk, "none") != 0 &&
		    sqlite3_column_type(st, 14) == SQLITE_NULL) ||
		   (risk != NULL && strcmp(risk, "high") == 0 &&
		    sqlite3_column_type(st, 16) == SQLITE_NULL);
	/* only what waits for an assessment or a notification runs on the 72 hours */
	if (open)
		json_object_set_new(o, "due", json_integer(first + BREACH_NOTIFY_MS));
	json_object_set_new(o, "overdue", json_boolean(open && now - first > BREACH_NOTIFY_MS));
	json_object_set_new(o, "state", json_string(risk == NULL ? incident ? "unassessed"
										       : "recorded"
						    : open ? "to_notify"
							   : "closed"));
	return o;
}

int breaches_list(db *d, int limit, json_t **out)
{
	sqlite3_stmt *st = NULL;
	int64_t now = time_now_ms();
	json_t *list = json_array();
	db_lock(d);
	int rc = db_prepare(d, "SELECT " BREACH_COLUMNS " FROM breaches ORDER BY " BREACH_OVERDUE
			       " DESC, (risk IS NULL AND class = 'incident') DESC, (risk IS NOT NULL"
			       " AND risk != 'none' AND authority_notified_at IS NULL) DESC,"
			       " (risk IS NULL) DESC, last_seen DESC LIMIT ?2", &st);
	if (rc == 0) {
		sqlite3_bind_int64(st, 1, now);
		sqlite3_bind_int(st, 2, limit);
		while (sqlite3_step(st) == SQLITE_ROW)
			json_array_append_new(list, breaches_row(st, now));
	}
	sqlite3_finalize(st);
	db_unlock(d);
	if (rc != 0) {
		json_decref(list);
		return rc;
	}
	*out = list;
	return 0;
}

int breaches_show(db *d, int64_t id, json_t **out)
{
	sqlite3_stmt *st = NULL;
	db_lock(d);
	int rc = db_prepare(d, "SELECT " BREACH_COLUMNS " FROM breaches WHERE id = ?", &st);
	if (rc == 0) {
		sqlite3_bind_int64(st, 1, id);
		if (sqlite3_step(st) == SQLITE_ROW)
			*out = breaches_row(st, time_now_ms());
		else
			rc = WN_ENOTFOUND;
	}
	sqlite3_finalize(st);
	db_unlock(d);
	return rc;
}

static int breaches_update(db *d, const char *sql, int64_t id, const char *a, const char *b,
			   const char *by)
{
	sqlite3_stmt *st = NULL;
	db_lock(d);
	int rc = db_prepare(d, sql, &st);
	if (rc == 0) {
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_text(st, 2, a, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 3, b, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 4, by, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 5, time_now_ms());
		rc = sqlite3_step(st) == SQLITE_DONE ? 0 : WN_EDB;
		if (rc == 0 && sqlite3_changes(db_handle(d)) == 0)
			rc = WN_ENOTFOUND;
	}
	sqlite3_finalize(st);
	db_unlock(d);
	return rc;
}

/* none < risk < high; an entry not assessed yet ranks below them all. */
static int breaches_risk_rank(const char *risk)
{
	if (risk == NULL)
		return -1;
	return strcmp(risk, "high") == 0 ? 2 : strcmp(risk, "risk") == 0 ? 1 : 0;
}

int breaches_assess(db *d, int64_t id, const char *risk, const char *text, const char *by)
{
	if (strcmp(risk, "none") != 0 && strcmp(risk, "risk") != 0 && strcmp(risk, "high") != 0)
		return WN_EINVAL;
	/* once the authority was told, the assessment is not lowered: a later
	 * 'none' must not close what was reported; a high risk found later
	 * may still raise it, so that the subjects are told (GDPR art. 34) */
	json_t *cur = NULL;
	int rc = breaches_show(d, id, &cur);
	if (rc != 0)
		return rc;
	int notified = json_object_get(cur, "authority_notified_at") != NULL;
	int raised = breaches_risk_rank(risk) >
		     breaches_risk_rank(json_string_value(json_object_get(cur, "risk")));
	json_decref(cur);
	if (notified && !raised)
		return WN_ESTATE;
	rc = breaches_update(d, "UPDATE breaches SET risk = ?2, assessment = ?3,"
			     " assessed_by = ?4, assessed_at = ?5 WHERE id = ?1", id, risk, text,
			     by);
	if (rc == 0)
		log_emit(WN_LOG_INFO, "breach_assessed",
			 json_pack("{s:I,s:s,s:s}", "id", (json_int_t)id, "risk", risk, "by", by));
	return rc;
}

int breaches_notify(db *d, int64_t id, const char *to, const char *ref, const char *by)
{
	const char *sql;
	if (strcmp(to, "authority") == 0)
		sql = "UPDATE breaches SET authority_notified_at = ?5, authority_ref = ?2,"
		      " authority_notified_by = ?4 WHERE id = ?1";
	else if (strcmp(to, "subjects") == 0)
		sql = "UPDATE breaches SET subjects_notified_at = ?5, subjects_note = ?2,"
		      " subjects_notified_by = ?4 WHERE id = ?1";
	else
		return WN_EINVAL;
	int rc = breaches_update(d, sql, id, ref, NULL, by);
	if (rc == 0)
		log_emit(WN_LOG_INFO, "breach_notified",
			 json_pack("{s:I,s:s,s:s}", "id", (json_int_t)id, "to", to, "by", by));
	return rc;
}
