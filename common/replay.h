/*
 * replay.h — replay protection: a message is accepted once, and only while
 * its timestamp lies within the skew window. Seen ids are kept in SQLite so
 * a restart does not reopen the window.
 */
#ifndef WN_REPLAY_H
#define WN_REPLAY_H

#include <stdint.h>

#include "db.h"

#define REPLAY_SCHEMA                                                              \
	"CREATE TABLE replay_seen (id TEXT PRIMARY KEY, ts INTEGER NOT NULL)"     \
	" WITHOUT ROWID;"                                                          \
	"CREATE INDEX replay_seen_ts ON replay_seen(ts);"

/* Accepts (and remembers) id when ts is within skew_ms of now: 0, or
 * WN_ESKEW, WN_EREPLAY, WN_EDB. */
int replay_check(db *d, const char *id, int64_t ts, int64_t skew_ms);

#endif
