/*
 * replay.c — persisted seen-id cache. Ids older than twice the window can
 * never pass the timestamp check again, so they are pruned.
 */
#include <sqlite3.h>

#include "wijknet.h"
#include "ids.h"
#include "replay.h"

static const char SQL_REPLAY_INSERT[] = "INSERT INTO replay_seen(id, ts) VALUES (?, ?)";

int replay_check(db *d, const char *id, int64_t ts, int64_t skew_ms)
{
	int64_t now = time_now_ms();
	if (ts < now - skew_ms || ts > now + skew_ms)
		return WN_ESKEW;
	sqlite3_stmt *st = NULL;
	int rc;
	static unsigned prune_counter;
	db_lock(d);
	rc = db_stmt(d, SQL_REPLAY_INSERT, &st);
	if (rc == 0) {
		sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 2, ts);
		int s = sqlite3_step(st);
		rc = s == SQLITE_DONE ? 0 : db_is_duplicate(d) ? WN_EREPLAY : WN_EDB;
		db_stmt_done(d, st);
	}
	if (rc == 0 && ++prune_counter % 1024 == 0) {
		st = NULL;
		if (db_prepare(d, "DELETE FROM replay_seen WHERE ts < ?", &st) == 0) {
			sqlite3_bind_int64(st, 1, now - 2 * skew_ms);
			sqlite3_step(st);
		}
		sqlite3_finalize(st);
	}
	db_unlock(d);
	return rc;
}
