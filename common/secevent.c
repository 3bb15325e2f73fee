/*
 * secevent.c — security event rows plus their log lines.
 */
#include <pthread.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wijknet.h"
#include "ids.h"
#include "log.h"
#include "fileio.h"
#include "secevent.h"
#include "envelope.h"
#include "schema.h"
#include "transport.h"

#define RPC_HOST_MAX 64

#define COUNTED_DETAIL "further refusals of this kind from this host this minute"

/* Refusals this minute from the connection's address, of any kind and
 * whatever sender they claim (a flood cannot spread itself over kinds or
 * claimed senders); without an address, of this kind from this sender. */
static int secevent_seen_locked(db *d, const struct secevent *e, int64_t minute, long *out)
{
	sqlite3_stmt *st = NULL;
	int rc = db_prepare(d, "SELECT COALESCE(SUM(count), 0) FROM security_events WHERE"
			       " minute = ?1 AND kind = ?2 AND (addr = ?4 OR (?4 IS NULL AND"
			       " addr IS NULL AND peer IS ?3))", &st);
	if (rc != 0)
		return rc;
	sqlite3_bind_int64(st, 1, minute);
	sqlite3_bind_text(st, 2, wn_errname(e->code), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, e->peer, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, e->addr, -1, SQLITE_TRANSIENT);
	rc = WN_EDB;
	if (sqlite3_step(st) == SQLITE_ROW) {
		*out = (long)sqlite3_column_int64(st, 0);
		rc = 0;
	}
	sqlite3_finalize(st);
	return rc;
}

/* Adds one to the minute's counted row; 0 when there was one to add to. */
static int secevent_count_locked(db *d, const struct secevent *e, int64_t minute)
{
	sqlite3_stmt *st = NULL;
	int rc = db_prepare(d, "UPDATE security_events SET count = count + 1, ts = ?5 WHERE"
			       " minute = ?1 AND kind = ?2 AND (peer IS ?3 OR ?4 IS NOT NULL) AND"
			       " addr IS ?4 AND msg_id IS NULL AND detail = '" COUNTED_DETAIL "'", &st);
	if (rc != 0)
		return rc;
	sqlite3_bind_int64(st, 1, minute);
	sqlite3_bind_text(st, 2, wn_errname(e->code), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, e->peer, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, e->addr, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 5, time_now_ms());
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : WN_EDB;
	sqlite3_finalize(st);
	if (rc == 0 && sqlite3_changes(db_handle(d)) == 0)
		rc = WN_ENOTFOUND;
	return rc;
}

static int secevent_insert_locked(db *d, const struct secevent *e, int64_t minute, int counted)
{
	sqlite3_stmt *st = NULL;
	int rc = db_prepare(d, "INSERT INTO security_events(ts, kind, code, peer, msg_id, detail,"
			       " addr, minute, count) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1)", &st);
	if (rc != 0)
		return rc;
	sqlite3_bind_int64(st, 1, time_now_ms());
	sqlite3_bind_text(st, 2, wn_errname(e->code), -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, e->code);
	/* counted refusals from a host are one row per kind, whatever sender
	 * they claim: claims cannot multiply rows */
	if (!counted || e->addr == NULL)
		sqlite3_bind_text(st, 4, e->peer, -1, SQLITE_TRANSIENT);
	if (!counted)
		sqlite3_bind_text(st, 5, e->msg_id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 6, counted ? COUNTED_DETAIL : e->detail ? e->detail : wn_strerror(e->code),
			  -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 7, e->addr, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 8, minute);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : WN_EDB;
	sqlite3_finalize(st);
	return rc;
}

static int secevent_store_locked(db *d, const struct secevent *e, long *seen)
{
	int64_t minute = time_now_ms() / 60000;
	int rc = secevent_seen_locked(d, e, minute, seen);
	if (rc == 0 && *seen < SECEVENT_DETAILED_PER_MINUTE)
		rc = secevent_insert_locked(d, e, minute, 0);
	else if (rc == 0 && (rc = secevent_count_locked(d, e, minute)) == WN_ENOTFOUND)
		rc = secevent_insert_locked(d, e, minute, 1);
	(*seen)++;
	return rc;
}

static int secevent_store(db *d, const struct secevent *e, long *seen)
{
	db_lock(d);
	int rc = secevent_store_locked(d, e, seen);
	db_unlock(d);
	return rc;
}

static void secevent_log(const struct secevent *e, long seen)
{
	/* the first ones of a minute, then at 16, 32, 64, ...: a flood stays visible
	 * without flooding the log */
	if (seen > SECEVENT_DETAILED_PER_MINUTE && (seen & (seen - 1)) != 0)
		return;
	json_t *f = json_pack("{s:s,s:i,s:s,s:I}", "kind", wn_errname(e->code), "code", e->code,
			      "detail", e->detail ? e->detail : wn_strerror(e->code),
			      "this_minute", (json_int_t)seen);
	if (f != NULL && e->peer != NULL)
		json_object_set_new(f, "peer", json_string(e->peer));
	if (f != NULL && e->addr != NULL)
		json_object_set_new(f, "addr", json_string(e->addr));
	if (f != NULL && e->msg_id != NULL)
		json_object_set_new(f, "msg_id", json_string(e->msg_id));
	log_emit(WN_LOG_WARN, "security_event", f);
}

/* The host of "host:port": a flood over many connections from one host is
 * one peer (the log line keeps the port). */
static void secevent_host(const char *addr, char *out, size_t cap)
{
	snprintf(out, cap, "%s", addr);
	char *colon = strrchr(out, ':');
	if (colon == NULL || colon[1] == '\0')
		return;
	for (const char *p = colon + 1; *p; p++)
		if (*p < '0' || *p > '9')
			return;
	*colon = '\0';
}

/* Refusals per connection this minute, kept in memory: what decides when a
 * connection is closed. A slot shared by two connections counts both,
 * which only closes a flooding connection sooner. */
#define CONN_SLOTS 4096
static struct {
	uint64_t key;
	int64_t minute;
	long count;
} conn_counts[CONN_SLOTS];
static pthread_mutex_t conn_lock = PTHREAD_MUTEX_INITIALIZER;

static long secevent_conn_seen(const char *addr)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */
	for (const char *p = addr; *p; p++)
		h = (h ^ (uint8_t)*p) * 1099511628211ULL;
	int64_t minute = time_now_ms() / 60000;
	pthread_mutex_lock(&conn_lock);
	size_t i = (size_t)(h % CONN_SLOTS);
	if (conn_counts[i].minute != minute) {
		conn_counts[i].minute = minute;
		conn_counts[i].count = 0;
	}
	conn_counts[i].key = h;
	long n = ++conn_counts[i].count;
	pthread_mutex_unlock(&conn_lock);
	return n;
}

int secevent_note(db *d, const struct secevent *e, long *seen)
{
	long n = 0;
	char host[RPC_HOST_MAX];
	struct secevent stored = *e;
	if (e->addr != NULL) {
		secevent_host(e->addr, host, sizeof(host));
		stored.addr = host;
	}
	int rc = d ? secevent_store(d, &stored, &n) : 0;
	if (d == NULL)
		n = 1;
	/* per connection: what is logged and when it is closed */
	if (e->addr != NULL)
		n = secevent_conn_seen(e->addr);
	secevent_log(e, n);
	if (rc != 0)
		log_msg(WN_LOG_ERROR, "security_event_lost", "could not store security event %s",
			wn_errname(e->code));
	if (seen != NULL)
		*seen = n;
	return rc;
}

int secevent_record(db *d, int code, const char *peer, const char *msg_id, const char *detail)
{
	struct secevent e = { code, peer, NULL, msg_id, detail };
	return secevent_note(d, &e, NULL);
}

int secevent_record_locked(db *d, int code, const char *peer, const char *msg_id,
			   const char *detail, long *seen)
{
	struct secevent e = { code, peer, NULL, msg_id, detail };
	return secevent_store_locked(d, &e, seen);
}

void secevent_announce(int code, const char *peer, const char *msg_id, const char *detail,
		       long seen)
{
	struct secevent e = { code, peer, NULL, msg_id, detail };
	secevent_log(&e, seen);
}

int secevent_count(db *d, const char *kind, long *out)
{
	int64_t n = 0;
	int rc = db_query_int64(d, "SELECT COALESCE(SUM(count), 0) FROM security_events WHERE"
				   " ?1 IS NULL OR kind = ?1", kind, &n);
	*out = (long)n;
	return rc;
}

int secevent_digest(db *d, int64_t since_ms, json_t **out)
{
	sqlite3_stmt *st = NULL;
	json_t *rows = json_array();
	if (rows == NULL)
		return WN_ENOMEM;
	db_lock(d);
	/* per kind, host (or claimed sender without one) and day, whatever
	 * senders a host claimed: claims cannot multiply the register's rows */
	int rc = db_prepare(d, "SELECT kind, COALESCE(MIN(peer), ''), COALESCE(addr, ''),"
			       " strftime('%Y-%m-%d', ts / 1000, 'unixepoch') AS day, SUM(count),"
			       " MIN(ts), MAX(ts), substr(MIN(detail), 1, 500) FROM security_events WHERE ts >= ?"
			       " GROUP BY kind, COALESCE(addr, 'claimed:' || COALESCE(peer, '')), day"
			       " ORDER BY MAX(ts) DESC LIMIT ?", &st);
	if (rc == 0) {
		sqlite3_bind_int64(st, 1, since_ms);
		sqlite3_bind_int(st, 2, SECEVENT_DIGEST_MAX);
		while (sqlite3_step(st) == SQLITE_ROW) {
			json_t *r = json_pack(
				"{s:s,s:s,s:s,s:s,s:I,s:I,s:I,s:s}", "kind",
				(const char *)sqlite3_column_text(st, 0), "peer",
				(const char *)sqlite3_column_text(st, 1), "addr",
				(const char *)sqlite3_column_text(st, 2), "day",
				(const char *)sqlite3_column_text(st, 3), "count",
				(json_int_t)sqlite3_column_int64(st, 4), "first_seen",
				(json_int_t)sqlite3_column_int64(st, 5), "last_seen",
				(json_int_t)sqlite3_column_int64(st, 6), "detail",
				sqlite3_column_text(st, 7) ? (const char *)sqlite3_column_text(st, 7) : "");
			if (r == NULL || json_array_append_new(rows, r) != 0) {
				rc = WN_ENOMEM;
				break;
			}
		}
	}
	sqlite3_finalize(st);
	db_unlock(d);
	if (rc != 0) {
		json_decref(rows);
		return rc;
	}
	*out = rows;
	return 0;
}

int secevent_refuse(db *d, const struct rpc_peer *conn, const json_t *env, const char *peer,
		    int code, const char *detail, long per_minute, const char *self,
		    struct evp_pkey_st *key, char **resp, size_t *resplen)
{
	json_t *reply = NULL;
	long seen = 0;
	struct secevent e = { code, peer, conn ? conn->addr : NULL,
			      env ? envelope_str(env, "id") : NULL, detail };
	secevent_note(d, &e, &seen);
	if (conn != NULL && per_minute > 0 && seen > per_minute) {
		log_emit(WN_LOG_WARN, "peer_disconnected",
			 json_pack("{s:s,s:s?,s:I}", "addr", conn->addr, "claimed", peer,
				   "refusals", (json_int_t)seen));
		rpc_peer_disconnect(conn);
		return WN_EDENIED;
	}
	int rc = envelope_error(&reply, env, self, key, code, detail);
	if (rc == 0)
		rc = envelope_encode(reply, resp, resplen);
	json_decref(reply);
	return rc;
}

int secevent_refused_cert(db *d, pki_trust *trust, secevent_cert_skip skip, void *skip_arg,
			  const char *addr, const uint8_t *der, size_t derlen, long count)
{
	char why[256] = "", cn[64] = "", detail[512];
	const unsigned char *p = der;
	long crl_left = 0;
	if (derlen > INT32_MAX)
		return 0;
	/* with our own CRL lapsed every client fails: not theirs to answer for */
	if (pki_trust_crl_seconds_left(trust, &crl_left) == 0 && crl_left < 0)
		return 0;
	X509 *cert = d2i_X509(NULL, &p, (long)derlen);
	if (cert == NULL || p != der + derlen) {
		X509_free(cert);
		return 0; /* not a certificate: a failed handshake like any other */
	}
	int code = pki_trust_verify(trust, cert, NULL, why, sizeof(why));
	/* the name it claims, where it is one a partner could have */
	if (pki_cert_cn(cert, cn, sizeof(cn)) != 0 || schema_valid_partner_id(cn) != 0)
		cn[0] = '\0';
	X509_free(cert);
	if (code == 0 || code == WN_ENOMEM)
		return 0;
	if (cn[0] && skip != NULL && skip(skip_arg, cn))
		return 0;
	snprintf(detail, sizeof(detail), "TLS handshake refused, the client's %s; it claims to be "
		 "'%s', unproven (%ld failed with this certificate from this host this hour)", why, cn[0] ? cn : "?",
		 count);
	struct secevent e = { code, cn[0] ? cn : NULL, addr, NULL, detail };
	return secevent_note(d, &e, NULL);
}

#define CERTQ_SLOTS 16

struct certq_item {
	char addr[RPC_HOST_MAX + 8];
	uint8_t der[4096];
	size_t len;
	long count;
};

struct secevent_certq {
	db *d;
	pki_trust *trust;
	secevent_cert_skip skip;
	void *skip_arg;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct certq_item items[CERTQ_SLOTS];
	size_t head, n;
	long dropped;
	int stop;
};

static void *certq_main(void *arg)
{
	secevent_certq *q = arg;
	struct certq_item *it = malloc(sizeof(*it));
	pthread_mutex_lock(&q->lock);
	for (;;) {
		while (q->n == 0 && !q->stop)
			pthread_cond_wait(&q->wake, &q->lock);
		if (q->n == 0)
			break;
		if (it != NULL)
			*it = q->items[q->head];
		q->head = (q->head + 1) % CERTQ_SLOTS;
		q->n--;
		pthread_mutex_unlock(&q->lock);
		if (it != NULL)
			secevent_refused_cert(q->d, q->trust, q->skip, q->skip_arg, it->addr, it->der,
					      it->len, it->count);
		pthread_mutex_lock(&q->lock);
	}
	pthread_mutex_unlock(&q->lock);
	free(it);
	return NULL;
}

int secevent_certq_open(db *d, pki_trust *trust, secevent_cert_skip skip, void *skip_arg,
			secevent_certq **out)
{
	secevent_certq *q = calloc(1, sizeof(*q));
	if (q == NULL)
		return WN_ENOMEM;
	q->d = d;
	q->trust = trust;
	q->skip = skip;
	q->skip_arg = skip_arg;
	pthread_mutex_init(&q->lock, NULL);
	pthread_cond_init(&q->wake, NULL);
	if (pthread_create(&q->thread, NULL, certq_main, q) != 0) {
		pthread_cond_destroy(&q->wake);
		pthread_mutex_destroy(&q->lock);
		free(q);
		return WN_ENOMEM;
	}
	*out = q;
	return 0;
}

void secevent_certq_push(secevent_certq *q, const char *addr, const uint8_t *der, size_t derlen,
			 long count)
{
	long dropped = 0;
	if (q == NULL)
		return;
	pthread_mutex_lock(&q->lock);
	if (q->n == CERTQ_SLOTS || derlen > sizeof(q->items[0].der) || q->stop) {
		dropped = ++q->dropped;
	} else {
		struct certq_item *it = &q->items[(q->head + q->n) % CERTQ_SLOTS];
		snprintf(it->addr, sizeof(it->addr), "%s", addr ? addr : "");
		memcpy(it->der, der, derlen);
		it->len = derlen;
		it->count = count;
		q->n++;
		pthread_cond_signal(&q->wake);
	}
	pthread_mutex_unlock(&q->lock);
	if (dropped > 0 && (dropped & (dropped - 1)) == 0) /* 1, 2, 4, 8... */
		log_msg(WN_LOG_WARN, "refused_certificate_dropped", "%ld refused certificate(s) "
			"not recorded: more came than the breach register is written", dropped);
}

void secevent_certq_close(secevent_certq *q)
{
	if (q == NULL)
		return;
	pthread_mutex_lock(&q->lock);
	q->stop = 1;
	pthread_cond_signal(&q->wake);
	pthread_mutex_unlock(&q->lock);
	pthread_join(q->thread, NULL);
	pthread_cond_destroy(&q->wake);
	pthread_mutex_destroy(&q->lock);
	free(q);
}

int secevent_note_made_db(db *d, const char *db_path, int db_new, struct file_made *made)
{
	int64_t events = 0;
	if (db_new == 0 ||
	    (d != NULL && (db_query_int64(d, "SELECT COUNT(*) FROM security_events", NULL,
					  &events) != 0 || events > 0)))
		return 0;
	return file_made_note_database(made, db_path, db_new > 1) == 0;
}
