/*
 * replay.h — replay protection: a message is accepted once, and only while
 * its timestamp lies within the skew window. The ids seen are kept in
 * memory and persisted in the daemon's group commit, so checking one costs
 * no transaction of its own, and a restart still does not reopen the window:
 * a clean stop persists them all, and after an unclean one every message
 * stamped before the restart is refused.
 */
#ifndef WN_REPLAY_H
#define WN_REPLAY_H

#include <stdint.h>

#include "db.h"

#define REPLAY_SCHEMA                                                              \
	"CREATE TABLE replay_seen (id TEXT PRIMARY KEY, ts INTEGER NOT NULL)"     \
	" WITHOUT ROWID;"                                                          \
	"CREATE INDEX replay_seen_ts ON replay_seen(ts);"

/* Whether the last run stopped cleanly (all its ids written), the floor
 * below which timestamps are refused, and the widest window its ids were
 * kept for (rows older than twice it are gone). A new or upgraded database
 * counts as clean: until 0.5 every id was written as it was seen. */
#define REPLAY_STATE_SCHEMA                                                        \
	"CREATE TABLE replay_state (id INTEGER PRIMARY KEY CHECK (id = 1),"       \
	" clean INTEGER NOT NULL, floor_ms INTEGER NOT NULL, skew_ms INTEGER NOT NULL);" \
	"INSERT INTO replay_state(id, clean, floor_ms, skew_ms) VALUES (1, 1, 0, 0);"

/* A message whose timestamp lies further ahead than this is persisted
 * before it is accepted, so after an unclean stop everything stamped before
 * the restart plus this margin is refused, and nothing later was lost
 * (replay_open waits the margin out before the daemon listens). */
#define REPLAY_AHEAD_MS 250

/* ids past this length are refused (an envelope's are 32 hex digits) */
#define REPLAY_ID_MAX 64

typedef struct replay replay;

/* Loads the ids still inside the window from d and marks the run unclean
 * until replay_close (after an unclean stop, it first waits out
 * REPLAY_AHEAD_MS); writes go through w. *out: replay_close(). 0, WN_EDB,
 * WN_ENOMEM. */
int replay_open(db *d, db_writer *w, int64_t skew_ms, replay **out);

/* Accepts (and remembers) id when ts is within skew_ms of now and after
 * an unclean stop's restart: 0, or WN_ESKEW, WN_EREPLAY, WN_EPROTO (no id,
 * or too long), WN_EDB (a message stamped far ahead could not be
 * persisted). */
int replay_check(replay *r, const char *id, int64_t ts, int64_t skew_ms);

/* The sentence for the sender of a message replay_check refused with rc:
 * a stamp outside the window (the clocks), one before this run's floor (a
 * restart after a stop that was not clean: a routine retry, not an
 * attack), or an id seen before. */
void replay_explain(replay *r, int rc, const char *id, int64_t ts, int64_t skew_ms, char *err,
		    size_t errcap);

/* Writes the ids not yet written and marks the stop clean (unless some
 * could not be written: the next start then refuses what came before it);
 * call before the writer is closed. The window follows the wall clock: one
 * set back across a crash by more than REPLAY_AHEAD_MS reopens it. */
void replay_close(replay *r);

#endif
