/*
 * notice.h — the client is told (r08, r09; Heerlen 7.2, 7.3, 10.3, 11.4):
 * a disclosure the client must be told of makes a notice at the source,
 * which travels sealed through the broker to the municipality's node. There
 * it waits in a queue, overdue after the federation's notice_days, until a
 * professional records how and when the letter went out.
 */
#ifndef WN_NODE_NOTICE_H
#define WN_NODE_NOTICE_H

#include <stdint.h>

#include <jansson.h>

#include "db.h"
#include "store.h"

struct node;
struct dir_peer;

#define NOTICE_SCHEMA                                                                   \
	"ALTER TABLE client_notifications ADD COLUMN notice_id TEXT;"                   \
	"ALTER TABLE client_notifications ADD COLUMN retention_until TEXT;"             \
	"CREATE TABLE outbox (id TEXT PRIMARY KEY, type TEXT NOT NULL"                  \
	" CHECK (type IN ('notice', 'rights.decision')), recipient TEXT,"               \
	" created_at INTEGER NOT NULL, body_enc BLOB NOT NULL,"                         \
	" attempts INTEGER NOT NULL DEFAULT 0, next_at INTEGER NOT NULL,"               \
	" sent_at INTEGER, failed_at INTEGER, last_error TEXT);"                        \
	"CREATE INDEX outbox_due ON outbox(next_at) WHERE sent_at IS NULL AND"          \
	" failed_at IS NULL;"                                                            \
	"CREATE TABLE notices (id TEXT PRIMARY KEY, received_at INTEGER NOT NULL,"      \
	" source TEXT NOT NULL, recipient TEXT NOT NULL, kind TEXT NOT NULL,"           \
	" subject_index BLOB NOT NULL, disclosed_at INTEGER NOT NULL, due TEXT NOT NULL,"\
	" body_enc BLOB NOT NULL, refusal_id TEXT, status TEXT NOT NULL DEFAULT 'queued'"\
	" CHECK (status IN ('queued', 'sent')), sent_on TEXT, channel TEXT,"            \
	" sent_by_role TEXT, case_id TEXT, retention_until TEXT);"                      \
	"CREATE INDEX notices_queue ON notices(status, due);"                           \
	"CREATE INDEX notices_subject ON notices(subject_index);"                       \
	"CREATE TABLE case_informed (case_id TEXT PRIMARY KEY,"                         \
	" moment TEXT NOT NULL CHECK (moment IN ('before', 'after')),"                  \
	" informed_on TEXT NOT NULL, how TEXT NOT NULL, reason TEXT,"                   \
	" recorded_at INTEGER NOT NULL, actor_id TEXT NOT NULL, actor_role TEXT NOT NULL);"

/* Schema 19: who (the professional's id, not only the role) recorded a
 * notice sent (G-P 3.6). */
#define NOTICE_SENT_BY_SCHEMA "ALTER TABLE notices ADD COLUMN sent_by_id TEXT;"

/* Schema 20: the outbox also holds consent revocations for the broker, made
 * while it was out of reach (SQLite changes a CHECK by copying the table). */
#define OUTBOX_CONSENT_SCHEMA                                                           \
	"CREATE TABLE outbox_v20 (id TEXT PRIMARY KEY, type TEXT NOT NULL"              \
	" CHECK (type IN ('notice', 'rights.decision', 'consent.revoke')),"             \
	" recipient TEXT, created_at INTEGER NOT NULL, body_enc BLOB NOT NULL,"         \
	" attempts INTEGER NOT NULL DEFAULT 0, next_at INTEGER NOT NULL,"               \
	" sent_at INTEGER, failed_at INTEGER, last_error TEXT);"                        \
	"INSERT INTO outbox_v20 (id, type, recipient, created_at, body_enc, attempts,"  \
	" next_at, sent_at, failed_at, last_error) SELECT id, type, recipient,"         \
	" created_at, body_enc, attempts, next_at, sent_at, failed_at, last_error"      \
	" FROM outbox;"                                                                  \
	"DROP TABLE outbox;"                                                             \
	"ALTER TABLE outbox_v20 RENAME TO outbox;"                                       \
	"CREATE INDEX outbox_due ON outbox(next_at) WHERE sent_at IS NULL AND"          \
	" failed_at IS NULL;"

/* Schema 21: each person of the household is told of the case, a person
 * added later too: one row per person (the commitment under the case key).
 * A row from before names no person (''): it stands for the household. */
#define INFORMED_PERSON_SCHEMA                                                          \
	"CREATE TABLE case_informed_v21 (case_id TEXT NOT NULL, person TEXT NOT NULL,"  \
	" moment TEXT NOT NULL CHECK (moment IN ('before', 'after')),"                  \
	" informed_on TEXT NOT NULL, how TEXT NOT NULL, reason TEXT,"                   \
	" recorded_at INTEGER NOT NULL, actor_id TEXT NOT NULL, actor_role TEXT NOT NULL,"\
	" PRIMARY KEY (case_id, person));"                                              \
	"INSERT INTO case_informed_v21 SELECT case_id, '', moment, informed_on, how,"   \
	" reason, recorded_at, actor_id, actor_role FROM case_informed;"                \
	"DROP TABLE case_informed;"                                                      \
	"ALTER TABLE case_informed_v21 RENAME TO case_informed;"

/* Schema 28: the outbox also passes a refusal on to a source it names. */
#define OUTBOX_REFUSAL_SCHEMA                                                           \
	"CREATE TABLE outbox_v28 (id TEXT PRIMARY KEY, type TEXT NOT NULL"              \
	" CHECK (type IN ('notice', 'rights.decision', 'consent.revoke',"              \
	" 'refusal.notice')),"                                                          \
	" recipient TEXT, created_at INTEGER NOT NULL, body_enc BLOB NOT NULL,"         \
	" attempts INTEGER NOT NULL DEFAULT 0, next_at INTEGER NOT NULL,"               \
	" sent_at INTEGER, failed_at INTEGER, last_error TEXT);"                        \
	"INSERT INTO outbox_v28 (id, type, recipient, created_at, body_enc, attempts,"  \
	" next_at, sent_at, failed_at, last_error) SELECT id, type, recipient,"         \
	" created_at, body_enc, attempts, next_at, sent_at, failed_at, last_error"      \
	" FROM outbox;"                                                                  \
	"DROP TABLE outbox;"                                                             \
	"ALTER TABLE outbox_v28 RENAME TO outbox;"                                       \
	"CREATE INDEX outbox_due ON outbox(next_at) WHERE sent_at IS NULL AND"          \
	" failed_at IS NULL;"

/* Schema 29: the outbox also passes a rights request carried out on to
 * those the data went to (rectify.c). */
#define OUTBOX_RIGHTS_NOTICE_SCHEMA                                                      \
	"CREATE TABLE outbox_v29 (id TEXT PRIMARY KEY, type TEXT NOT NULL"              \
	" CHECK (type IN ('notice', 'rights.decision', 'consent.revoke',"              \
	" 'refusal.notice', 'rights.notice')),"                                         \
	" recipient TEXT, created_at INTEGER NOT NULL, body_enc BLOB NOT NULL,"         \
	" attempts INTEGER NOT NULL DEFAULT 0, next_at INTEGER NOT NULL,"               \
	" sent_at INTEGER, failed_at INTEGER, last_error TEXT);"                        \
	"INSERT INTO outbox_v29 (id, type, recipient, created_at, body_enc, attempts,"  \
	" next_at, sent_at, failed_at, last_error) SELECT id, type, recipient,"         \
	" created_at, body_enc, attempts, next_at, sent_at, failed_at, last_error"      \
	" FROM outbox;"                                                                  \
	"DROP TABLE outbox;"                                                             \
	"ALTER TABLE outbox_v29 RENAME TO outbox;"                                       \
	"CREATE INDEX outbox_due ON outbox(next_at) WHERE sent_at IS NULL AND"          \
	" failed_at IS NULL;"

/* Schema 33: the outbox also tells the partner that passed a rights
 * request on that its recipient carried it out (rectify_done.c). */
#define OUTBOX_RIGHTS_DONE_SCHEMA                                                        \
	"CREATE TABLE outbox_v33 (id TEXT PRIMARY KEY, type TEXT NOT NULL"              \
	" CHECK (type IN ('notice', 'rights.decision', 'consent.revoke',"              \
	" 'refusal.notice', 'rights.notice', 'rights.notice.done')),"                   \
	" recipient TEXT, created_at INTEGER NOT NULL, body_enc BLOB NOT NULL,"         \
	" attempts INTEGER NOT NULL DEFAULT 0, next_at INTEGER NOT NULL,"               \
	" sent_at INTEGER, failed_at INTEGER, last_error TEXT);"                        \
	"INSERT INTO outbox_v33 (id, type, recipient, created_at, body_enc, attempts,"  \
	" next_at, sent_at, failed_at, last_error) SELECT id, type, recipient,"         \
	" created_at, body_enc, attempts, next_at, sent_at, failed_at, last_error"      \
	" FROM outbox;"                                                                  \
	"DROP TABLE outbox;"                                                             \
	"ALTER TABLE outbox_v33 RENAME TO outbox;"                                       \
	"CREATE INDEX outbox_due ON outbox(next_at) WHERE sent_at IS NULL AND"          \
	" failed_at IS NULL;"

/* Schema 36: the outbox also tells the municipality that a recipient
 * carried out a rights notice the partner passed on (rectify_report.c). */
#define OUTBOX_RIGHTS_CARRIED_OUT_SCHEMA                                                 \
	"CREATE TABLE outbox_v36 (id TEXT PRIMARY KEY, type TEXT NOT NULL"              \
	" CHECK (type IN ('notice', 'rights.decision', 'consent.revoke',"              \
	" 'refusal.notice', 'rights.notice', 'rights.notice.done',"                     \
	" 'rights.carried_out')),"                                                      \
	" recipient TEXT, created_at INTEGER NOT NULL, body_enc BLOB NOT NULL,"         \
	" attempts INTEGER NOT NULL DEFAULT 0, next_at INTEGER NOT NULL,"               \
	" sent_at INTEGER, failed_at INTEGER, last_error TEXT);"                        \
	"INSERT INTO outbox_v36 (id, type, recipient, created_at, body_enc, attempts,"  \
	" next_at, sent_at, failed_at, last_error) SELECT id, type, recipient,"         \
	" created_at, body_enc, attempts, next_at, sent_at, failed_at, last_error"      \
	" FROM outbox;"                                                                  \
	"DROP TABLE outbox;"                                                             \
	"ALTER TABLE outbox_v36 RENAME TO outbox;"                                       \
	"CREATE INDEX outbox_due ON outbox(next_at) WHERE sent_at IS NULL AND"          \
	" failed_at IS NULL;"

/* Schema 26: a person who left the household is told anew when they come
 * back: what was recorded before they left stands for their earlier
 * membership, not this one (G-P 5, 6). */
#define INFORMED_LEFT_SCHEMA                                                            \
	"CREATE TABLE case_left (case_id TEXT NOT NULL, person TEXT NOT NULL,"          \
	" left_at INTEGER NOT NULL, PRIMARY KEY (case_id, person));"

#define NOTICE_DAYS_DEFAULT 7 /* "directly" (Heerlen 7.2): overdue after a week */

/* What a disclosure the client must be told of was. */
struct notice_draft {
	const char *kind;            /* third_party, or the lawful ground's code */
	const char *bsn;
	const uint8_t *subject_index;/* this node's pseudonym of bsn */
	const char *request_id, *case_id, *recipient, *recipient_role;
	const char *purpose, *ground, *legal_reference, *interest;
	const char *categories;      /* JSON array text */
};

/* Inside a writer transaction: records the notice at the source and queues
 * it for the municipality (sealed at rest with the node's store key). */
int notice_queue_locked(db *d, struct node *n, const struct notice_draft *nd);

/* At the municipality's node: a notice a partner sent through the broker.
 * Stored once (a repeat is acknowledged again); *reply: the signed ack. */
int notice_receive(struct node *n, const json_t *env, const struct dir_peer *sender,
		   json_t **reply, char *err, size_t errcap);

/* Local API: notices.list, notices.show, notices.sent. */
json_t *local_notices(struct node *n, const char *op, json_t *rq);

/* Whether channel is one a letter or a first contact goes by: post, email,
 * portal, in_person, phone. */
int notice_channel_valid(const char *channel);

/* Local API: case.informed (records how and when the household, or one
 * person of it, was told of the case; G-P 5, 6) and case.informed.show. */
json_t *local_case_informed(struct node *n, const char *op, json_t *rq);

/* The person (commitment) left the household of the case now: what was
 * recorded of their being told no longer counts for a later membership. */
int informed_person_left(struct node *n, const char *case_id, const char *person);

/* Sends what the outbox holds when due: notices and rights decisions to the
 * municipality, consent revocations made while the broker was out of reach
 * to the broker; a failure is tried again later, with backoff. */
void outbox_flush(struct node *n);

/* Queues body (a JSON object, kept sealed at rest) for the municipality as a
 * message of type, to recipient (NULL: the directory's municipality); inside
 * a writer transaction. A recipient's refusal ends it (failed, logged); a
 * failure on the way is tried again, with backoff, until delivered. */
int outbox_put_locked(db *d, struct node *n, const char *type, const char *id,
		      const char *recipient, const json_t *body);

/* Wakes the background sender. */
void outbox_kick(struct node *n);

#endif
