/*
 * secevent.h — the breach register (Groningen privacy protocol 11.2): every
 * refused message, bad signature, revoked certificate or replay becomes a
 * row in security_events and a JSON log line for the operator. A row names
 * the sender a message claims and, apart from it, the address of the
 * connection it came over. Refusals are kept one by one up to a number per
 * sender, address, kind and minute; beyond it they are counted in one row,
 * so that a flood neither fills the disk nor hides the first ones.
 */
#ifndef WN_SECEVENT_H
#define WN_SECEVENT_H

#include <stdint.h>

#include <jansson.h>

#include "db.h"
#include "pki.h"

#define SECEVENT_SCHEMA                                                            \
	"CREATE TABLE security_events ("                                           \
	" seq INTEGER PRIMARY KEY AUTOINCREMENT, ts INTEGER NOT NULL,"             \
	" kind TEXT NOT NULL, code INTEGER NOT NULL, peer TEXT, msg_id TEXT,"      \
	" detail TEXT NOT NULL);"

#define SECEVENT_AGGREGATE_SCHEMA                                                  \
	"ALTER TABLE security_events ADD COLUMN addr TEXT;"                        \
	"ALTER TABLE security_events ADD COLUMN minute INTEGER;"                   \
	"ALTER TABLE security_events ADD COLUMN count INTEGER NOT NULL DEFAULT 1;" \
	"CREATE INDEX security_events_minute ON security_events(minute, kind);"

/* Refusals of one kind from one host (or, without one, from one sender) in
 * one minute that get a row of their own; the rest are counted in one row
 * per kind and host (without a host: per kind and claimed sender). */
#define SECEVENT_DETAILED_PER_MINUTE 10

struct secevent {
	int code;            /* kind = wn_errname(code) */
	const char *peer;    /* the sender the message claims, or NULL */
	const char *addr;    /* the connection's address, or NULL */
	const char *msg_id;  /* or NULL */
	const char *detail;  /* NULL: wn_strerror(code) */
};

/* Records a refusal. Rows are kept per host (the address without its
 * port): a flood over many connections is one peer. *seen (may be NULL)
 * gets how many refusals came over this connection (address with port)
 * this minute, of any kind and claimed sender, this one included (without
 * an address: of this kind from this sender). Always logs
 * the first ones of a minute (then at powers of two), even when the
 * database write fails (which it also logs). */
int secevent_note(db *d, const struct secevent *e, long *seen);

/* Whether a refused certificate's claimed id is one to leave out of the
 * register (a partner whose membership ended, still dialling): 1 to skip. */
typedef int (*secevent_cert_skip)(void *arg, const char *claimed_id);

/* A TLS handshake the listener refused, with the certificate the client
 * offered (DER, from the gate): foreign (WN_ECERT), revoked or expired, as
 * trust finds it, recorded with the partner id the certificate claims
 * (unproven: the handshake failed) and the connection's address; count is
 * how many handshakes failed from that host this hour. Not recorded: a
 * certificate trust accepts (the handshake failed for another reason), any
 * while this side's own CRL has lapsed (then every client fails, and the
 * fault is not theirs), and one skip says to leave out. 0, or WN_EDB. */
int secevent_refused_cert(db *d, pki_trust *trust, secevent_cert_skip skip, void *skip_arg,
			  const char *addr, const uint8_t *der, size_t derlen, long count);

/* Refused certificates, recorded by a thread of their own: the gate that
 * finds them must not wait for the database. */
typedef struct secevent_certq secevent_certq;

/* Starts the queue's thread. *out: secevent_certq_close(), before d and
 * trust are closed and after the gate that pushes is stopped. */
int secevent_certq_open(db *d, pki_trust *trust, secevent_cert_skip skip, void *skip_arg,
			secevent_certq **out);

/* Queues one (copied); never waits. When the queue is full the certificate
 * is dropped and counted in the log, so a flood costs bounded memory. */
void secevent_certq_push(secevent_certq *q, const char *addr, const uint8_t *der, size_t derlen,
			 long count);

/* Records what is queued, stops the thread and frees the queue. */
void secevent_certq_close(secevent_certq *q);

/* secevent_note without an address: a refusal found past the connection,
 * about a sender whose signature held. */
int secevent_record(db *d, int code, const char *peer, const char *msg_id, const char *detail);

/* secevent_record inside the caller's writer transaction (d locked), so
 * that the event stands or falls with the change it is about. It is not
 * logged here: once the transaction committed, the caller logs it with
 * secevent_announce and *seen, so no line names an event that was undone. */
int secevent_record_locked(db *d, int code, const char *peer, const char *msg_id,
			   const char *detail, long *seen);

/* The security_event log line of an event stored with
 * secevent_record_locked, seen times this minute. */
void secevent_announce(int code, const char *peer, const char *msg_id, const char *detail,
		       long seen);

/* The refusal of a message env (may be NULL) as both daemons make it: noted
 * against the claimed sender and the connection, then answered with an error
 * signed as self; a connection past per_minute refusals this minute (0: no
 * limit) is closed instead and WN_EDENIED returned. *resp: free(). */
struct rpc_peer;
struct evp_pkey_st;
int secevent_refuse(db *d, const struct rpc_peer *conn, const json_t *env, const char *peer,
		    int code, const char *detail, long per_minute, const char *self,
		    struct evp_pkey_st *key, char **resp, size_t *resplen);

/* Number of refusals of a kind (NULL = all), counted rows included, for
 * health and tests. */
int secevent_count(db *d, const char *kind, long *out);

/* A start that failed: notes the database it made (db_new 2: with its lock
 * file) in made, to be removed once closed, unless it holds a security
 * event (d NULL: none yet), which is kept where the breach register reads
 * it. 1 when noted. */
struct file_made;
int secevent_note_made_db(db *d, const char *db_path, int db_new, struct file_made *made);

#define SECEVENT_DIGEST_MAX 500 /* rows of one digest */

/* The events since since_ms, one row per kind, claimed sender, address and
 * day with the total count, first and last time and a detail: what a node
 * raises to the municipality's breach register. *out: json_decref(). */
int secevent_digest(db *d, int64_t since_ms, json_t **out);

#endif
