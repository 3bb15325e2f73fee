/*
 * secevent.h — the breach register (Groningen privacy protocol 11.2): every
 * refused message, bad signature, revoked certificate or replay becomes a
 * row in security_events and a JSON log line for the operator.
 */
#ifndef WN_SECEVENT_H
#define WN_SECEVENT_H

#include "db.h"

#define SECEVENT_SCHEMA                                                            \
	"CREATE TABLE security_events ("                                           \
	" seq INTEGER PRIMARY KEY AUTOINCREMENT, ts INTEGER NOT NULL,"             \
	" kind TEXT NOT NULL, code INTEGER NOT NULL, peer TEXT, msg_id TEXT,"      \
	" detail TEXT NOT NULL);"

/* Records a refusal: kind = wn_errname(code). peer and msg_id may be NULL.
 * Always logs, even when the database write fails (which it also logs). */
int secevent_record(db *d, int code, const char *peer, const char *msg_id, const char *detail);

/* Number of rows of a kind (NULL = all), for health and tests. */
int secevent_count(db *d, const char *kind, long *out);

#endif
