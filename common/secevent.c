/*
 * secevent.c — security event rows plus their log lines.
 */
#include <sqlite3.h>

#include "wijknet.h"
#include "ids.h"
#include "log.h"
#include "secevent.h"

int secevent_record(db *d, int code, const char *peer, const char *msg_id, const char *detail)
{
	json_t *f = json_pack("{s:s,s:i,s:s}", "kind", wn_errname(code), "code", code, "detail",
			      detail ? detail : wn_strerror(code));
	if (f != NULL && peer != NULL)
		json_object_set_new(f, "peer", json_string(peer));
	if (f != NULL && msg_id != NULL)
		json_object_set_new(f, "msg_id", json_string(msg_id));
	log_emit(WN_LOG_WARN, "security_event", f);
	if (d == NULL)
		return 0;
	sqlite3_stmt *st = NULL;
	int rc;
	db_lock(d);
	rc = db_prepare(d, "INSERT INTO security_events(ts, kind, code, peer, msg_id, detail)"
			   " VALUES (?, ?, ?, ?, ?, ?)", &st);
	if (rc == 0) {
		sqlite3_bind_int64(st, 1, time_now_ms());
		sqlite3_bind_text(st, 2, wn_errname(code), -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 3, code);
		sqlite3_bind_text(st, 4, peer, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 5, msg_id, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 6, detail ? detail : wn_strerror(code), -1, SQLITE_TRANSIENT);
		rc = sqlite3_step(st) == SQLITE_DONE ? 0 : WN_EDB;
	}
	sqlite3_finalize(st);
	db_unlock(d);
	if (rc != 0)
		log_msg(WN_LOG_ERROR, "security_event_lost", "could not store security event %s",
			wn_errname(code));
	return rc;
}

int secevent_count(db *d, const char *kind, long *out)
{
	sqlite3_stmt *st = NULL;
	db_lock(d);
	int rc = db_prepare(d, "SELECT COUNT(*) FROM security_events WHERE ?1 IS NULL OR kind = ?1",
			    &st);
	if (rc == 0) {
		sqlite3_bind_text(st, 1, kind, -1, SQLITE_TRANSIENT);
		rc = WN_EDB;
		if (sqlite3_step(st) == SQLITE_ROW) {
			*out = sqlite3_column_int64(st, 0);
			rc = 0;
		}
	}
	sqlite3_finalize(st);
	db_unlock(d);
	return rc;
}
