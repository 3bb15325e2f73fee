/*
 * replay.c — the seen-id cache: a hash set in memory, in order of arrival
 * so that ids past the window leave from the front, with the ids not yet
 * written collected into batches that ride in the group commit. Ids older
 * than twice the window can never pass the timestamp check again, so they
 * are dropped from memory and from the table.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/rand.h>
#include <sqlite3.h>

#include "wijknet.h"
#include "ids.h"
#include "log.h"
#include "replay.h"

/* a batch is written once it holds this many ids or its first is this old */
#define REPLAY_BATCH_IDS 256
#define REPLAY_BATCH_MS 1000

struct replay_entry {
	struct replay_entry *hnext; /* same bucket */
	struct replay_entry *qnext; /* next to arrive */
	int64_t seen;               /* when it arrived, by this clock */
	char id[REPLAY_ID_MAX + 1];
};

struct replay_item {
	char id[REPLAY_ID_MAX + 1];
	int64_t ts;
};

/* What replay_state records of a run. */
struct replay_mark {
	int clean;
	int64_t floor_ms, skew_ms;
};

/* Ids to write, the age below which the table's rows go, and the state to
 * record with them (write_mark). */
struct replay_batch {
	replay *owner;
	struct replay_item *items;
	size_t n, cap;
	int64_t prune_before;
	int write_mark;
	struct replay_mark mark;
};

struct replay {
	db *d;
	db_writer *w;
	int64_t skew_ms;  /* the widest window yet: ids are kept for twice it */
	int64_t floor_ms; /* refused when stamped before (an unclean stop, a
			   * widened window); under lock */
	int lost;         /* some ids could not be written: the stop is not clean */
	int64_t last_now; /* the latest clock reading a check used */
	uint64_t seed;
	pthread_mutex_t lock;
	struct replay_entry **buckets;
	size_t nbuckets, count;
	struct replay_entry *qhead, *qtail;
	struct replay_batch *pending;
	int64_t pending_since;
};

static const char SQL_INSERT[] = "INSERT OR IGNORE INTO replay_seen(id, ts) VALUES (?, ?)";
static const char SQL_PRUNE[] = "DELETE FROM replay_seen WHERE ts < ?";
static const char SQL_MARK[] =
	"UPDATE replay_state SET clean = ?, floor_ms = ?, skew_ms = ? WHERE id = 1";

/* FNV-1a, seeded per process: ids come from other parties. */
static size_t replay_hash(const replay *r, const char *id)
{
	uint64_t h = 14695981039346656037ULL ^ r->seed;
	for (const unsigned char *p = (const unsigned char *)id; *p; p++)
		h = (h ^ *p) * 1099511628211ULL;
	return (size_t)(h ^ (h >> 29)) & (r->nbuckets - 1);
}

static struct replay_entry *replay_find(const replay *r, const char *id)
{
	struct replay_entry *e = r->buckets[replay_hash(r, id)];
	while (e != NULL && strcmp(e->id, id) != 0)
		e = e->hnext;
	return e;
}

static int replay_grow(replay *r)
{
	size_t n = r->nbuckets * 2;
	struct replay_entry **b = calloc(n, sizeof(*b));
	if (b == NULL)
		return WN_ENOMEM;
	struct replay_entry **old = r->buckets;
	size_t oldn = r->nbuckets;
	r->buckets = b;
	r->nbuckets = n;
	for (size_t i = 0; i < oldn; i++) {
		for (struct replay_entry *e = old[i], *next; e != NULL; e = next) {
			next = e->hnext;
			size_t h = replay_hash(r, e->id);
			e->hnext = b[h];
			b[h] = e;
		}
	}
	free(old);
	return 0;
}

/* Remembers id (not yet present), arrived at seen. */
static int replay_add(replay *r, const char *id, int64_t seen)
{
	if (r->count >= r->nbuckets && replay_grow(r) != 0 && r->count >= 4 * r->nbuckets)
		return WN_ENOMEM;
	struct replay_entry *e = calloc(1, sizeof(*e));
	if (e == NULL)
		return WN_ENOMEM;
	snprintf(e->id, sizeof(e->id), "%s", id);
	e->seen = seen;
	size_t h = replay_hash(r, id);
	e->hnext = r->buckets[h];
	r->buckets[h] = e;
	if (r->qtail != NULL)
		r->qtail->qnext = e;
	else
		r->qhead = e;
	r->qtail = e;
	r->count++;
	return 0;
}

static void replay_unlink(replay *r, struct replay_entry *e)
{
	struct replay_entry **pp = &r->buckets[replay_hash(r, e->id)];
	while (*pp != NULL && *pp != e)
		pp = &(*pp)->hnext;
	if (*pp == e)
		*pp = e->hnext;
}

/* Drops the ids that arrived more than twice the window ago: their
 * timestamps can no longer pass. */
static void replay_prune(replay *r, int64_t now)
{
	while (r->qhead != NULL && r->qhead->seen < now - 2 * r->skew_ms) {
		struct replay_entry *e = r->qhead;
		r->qhead = e->qnext;
		if (r->qhead == NULL)
			r->qtail = NULL;
		replay_unlink(r, e);
		free(e);
		r->count--;
	}
}

static void replay_batch_free(struct replay_batch *b)
{
	if (b != NULL)
		free(b->items);
	free(b);
}

static int replay_batch_push(struct replay_batch *b, const char *id, int64_t ts)
{
	if (b->n == b->cap) {
		size_t cap = b->cap ? 2 * b->cap : 32;
		struct replay_item *items = realloc(b->items, cap * sizeof(*items));
		if (items == NULL)
			return WN_ENOMEM;
		b->items = items;
		b->cap = cap;
	}
	snprintf(b->items[b->n].id, sizeof(b->items[b->n].id), "%s", id);
	b->items[b->n++].ts = ts;
	return 0;
}

/* Runs in the writer's batch transaction (the connection is locked). */
static int replay_batch_write(db *d, void *arg)
{
	struct replay_batch *b = arg;
	sqlite3_stmt *st = NULL;
	int rc = db_stmt(d, SQL_INSERT, &st);
	for (size_t i = 0; rc == 0 && i < b->n; i++) {
		sqlite3_bind_text(st, 1, b->items[i].id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, b->items[i].ts);
		rc = sqlite3_step(st) == SQLITE_DONE ? 0 : WN_EDB;
		sqlite3_reset(st);
	}
	if (st != NULL)
		db_stmt_done(d, st);
	if (rc == 0 && b->prune_before > 0 && (rc = db_stmt(d, SQL_PRUNE, &st)) == 0) {
		sqlite3_bind_int64(st, 1, b->prune_before);
		rc = sqlite3_step(st) == SQLITE_DONE ? 0 : WN_EDB;
		db_stmt_done(d, st);
	}
	if (rc == 0 && b->write_mark && (rc = db_stmt(d, SQL_MARK, &st)) == 0) {
		sqlite3_bind_int(st, 1, b->mark.clean);
		sqlite3_bind_int64(st, 2, b->mark.floor_ms);
		sqlite3_bind_int64(st, 3, b->mark.skew_ms);
		rc = sqlite3_step(st) == SQLITE_DONE ? 0 : WN_EDB;
		db_stmt_done(d, st);
	}
	return rc;
}

static void replay_mark_lost(replay *r)
{
	pthread_mutex_lock(&r->lock);
	r->lost = 1;
	pthread_mutex_unlock(&r->lock);
}

static void replay_batch_release(void *arg, int rc)
{
	struct replay_batch *b = arg;
	/* ids that stay in memory only: the stop is then not marked clean, so
	 * the next start refuses them with everything stamped before it */
	if (rc != 0) {
		log_msg(WN_LOG_ERROR, "replay_cache_failed", "%zu message ids could not be "
			"written: %s", b->n, wn_strerror(rc));
		replay_mark_lost(b->owner);
	}
	replay_batch_free(b);
}

/* With the lock held: the batch being collected, handed over (may be NULL). */
static struct replay_batch *replay_take(replay *r, int64_t now)
{
	struct replay_batch *b = r->pending;
	r->pending = NULL;
	if (b != NULL)
		b->prune_before = now - 2 * r->skew_ms;
	return b;
}

/* The floor this run starts with: the last run's (a floor still holds after
 * a clean stop that followed an unclean one), past an unclean stop's
 * margin, and past what a window wider than the last run's would readmit
 * of the rows it pruned. */
static int64_t replay_start_floor(const struct replay_mark *last, int64_t skew_ms, int64_t now)
{
	int64_t floor = last->floor_ms;
	if (!last->clean && floor < now + REPLAY_AHEAD_MS)
		floor = now + REPLAY_AHEAD_MS;
	if (last->skew_ms > 0 && skew_ms > last->skew_ms && floor < now - last->skew_ms)
		floor = now - last->skew_ms;
	return floor;
}

/* Reads the last run's state and the ids still inside the window. */
static int replay_load(replay *r, int64_t now, int *unclean)
{
	sqlite3_stmt *st = NULL;
	struct replay_mark last = { 0, 0, 0 };
	int rc = 0;
	db_lock(r->d);
	if (db_prepare(r->d, "SELECT clean, floor_ms, skew_ms FROM replay_state WHERE id = 1",
		       &st) != 0) {
		rc = WN_EDB;
		goto out;
	}
	if (sqlite3_step(st) == SQLITE_ROW)
		last = (struct replay_mark){ sqlite3_column_int(st, 0), sqlite3_column_int64(st, 1),
					     sqlite3_column_int64(st, 2) };
	sqlite3_finalize(st);
	st = NULL;
	*unclean = !last.clean;
	r->floor_ms = replay_start_floor(&last, r->skew_ms, now);
	if (last.skew_ms > r->skew_ms)
		r->skew_ms = last.skew_ms;
	/* written by 0.5.0, which did not record its window: what it pruned
	 * is unknown, so everything stamped before this start is refused */
	if (last.skew_ms == 0 && r->floor_ms < now) {
		if (db_prepare(r->d, "SELECT EXISTS (SELECT 1 FROM replay_seen)", &st) != 0) {
			rc = WN_EDB;
			goto out;
		}
		if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0))
			r->floor_ms = now;
		sqlite3_finalize(st);
		st = NULL;
	}
	if (db_prepare(r->d, "SELECT id FROM replay_seen WHERE ts >= ?", &st) != 0) {
		rc = WN_EDB;
		goto out;
	}
	sqlite3_bind_int64(st, 1, now - r->skew_ms);
	int s;
	while (rc == 0 && (s = sqlite3_step(st)) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(st, 0);
		if (id != NULL && strlen(id) <= REPLAY_ID_MAX && replay_find(r, id) == NULL)
			rc = replay_add(r, id, now);
	}
	if (rc == 0 && s != SQLITE_DONE)
		rc = WN_EDB;
out:
	sqlite3_finalize(st);
	db_unlock(r->d);
	return rc;
}

static void replay_wait_until(int64_t when_ms)
{
	int64_t left;
	while ((left = when_ms - time_now_ms()) > 0) {
		struct timespec ts = { 0, (long)(left > 999 ? 999 : left) * 1000000L };
		nanosleep(&ts, NULL);
	}
}

int replay_open(db *d, db_writer *w, int64_t skew_ms, replay **out)
{
	replay *r = calloc(1, sizeof(*r));
	int64_t now = time_now_ms();
	int rc = WN_ENOMEM, unclean = 0;
	struct replay_batch mark = { 0 };
	if (r == NULL)
		return WN_ENOMEM;
	r->d = d;
	r->w = w;
	r->skew_ms = skew_ms;
	r->nbuckets = 1024;
	pthread_mutex_init(&r->lock, NULL);
	if ((r->buckets = calloc(r->nbuckets, sizeof(*r->buckets))) == NULL ||
	    RAND_bytes((unsigned char *)&r->seed, sizeof(r->seed)) != 1)
		goto fail;
	if ((rc = replay_load(r, now, &unclean)) != 0)
		goto fail;
	/* unclean until replay_close says otherwise */
	mark.write_mark = 1;
	mark.mark = (struct replay_mark){ 0, r->floor_ms, r->skew_ms };
	if ((rc = db_writer_run(w, replay_batch_write, &mark)) != 0)
		goto fail;
	if (unclean) {
		log_msg(WN_LOG_WARN, "replay_unclean_stop", "the last run did not stop cleanly: "
			"messages stamped before this start are refused, as their ids may have "
			"been seen");
		/* the margin passes before anything can arrive, so a message made
		 * after the start is never taken for one made before it */
		replay_wait_until(now + REPLAY_AHEAD_MS);
	}
	*out = r;
	return 0;
fail:
	r->w = NULL; /* nothing of this run to persist */
	replay_close(r);
	return rc;
}

/* With the lock held: remembers id and queues it for writing; *flush gets
 * the batch to write now, if one is due. */
static int replay_remember(replay *r, const char *id, int64_t ts, int64_t now,
			   struct replay_batch **flush)
{
	if (r->pending == NULL) {
		if ((r->pending = calloc(1, sizeof(*r->pending))) == NULL)
			return WN_ENOMEM;
		r->pending->owner = r;
		r->pending_since = now;
	}
	int rc = replay_batch_push(r->pending, id, ts);
	if (rc == 0 && (rc = replay_add(r, id, now)) != 0)
		r->pending->n--;
	if (rc == 0 && (r->pending->n >= REPLAY_BATCH_IDS || now - r->pending_since >= REPLAY_BATCH_MS ||
			ts > now + REPLAY_AHEAD_MS))
		*flush = replay_take(r, now);
	return rc;
}

/* Undoes replay_remember of id after its batch could not be written. */
static void replay_forget(replay *r, const char *id)
{
	pthread_mutex_lock(&r->lock);
	struct replay_entry *e = replay_find(r, id);
	if (e != NULL) {
		replay_unlink(r, e);
		e->id[0] = '\0'; /* stays in the queue, found by no id, pruned in turn */
	}
	pthread_mutex_unlock(&r->lock);
}

int replay_check(replay *r, const char *id, int64_t ts, int64_t skew_ms)
{
	if (id == NULL || id[0] == '\0' || strlen(id) > REPLAY_ID_MAX)
		return WN_EPROTO;
	struct replay_batch *flush = NULL;
	int rc;
	pthread_mutex_lock(&r->lock);
	/* the clock read under the lock, never behind one already used: a
	 * check that waited for the lock must not judge by a time before
	 * another's pruning */
	int64_t now = time_now_ms();
	if (now < r->last_now)
		now = r->last_now;
	r->last_now = now;
	if (ts < now - skew_ms || ts > now + skew_ms) {
		pthread_mutex_unlock(&r->lock);
		return WN_ESKEW;
	}
	/* a window widened by a reload must not readmit ids already pruned
	 * under the narrower one (all stamped before now minus it): from here
	 * on ids are kept for the wider one, and those before are refused */
	if (skew_ms > r->skew_ms) {
		if (r->floor_ms < now - r->skew_ms)
			r->floor_ms = now - r->skew_ms;
		r->skew_ms = skew_ms;
	}
	replay_prune(r, now);
	if (ts < r->floor_ms)
		rc = WN_ESKEW;
	else
		rc = replay_find(r, id) != NULL ? WN_EREPLAY : replay_remember(r, id, ts, now, &flush);
	pthread_mutex_unlock(&r->lock);
	if (flush == NULL)
		return rc;
	if (ts <= now + REPLAY_AHEAD_MS) {
		/* a batch that cannot be written is logged; its ids stay in memory */
		db_writer_post(r->w, replay_batch_write, flush, replay_batch_release);
		return rc;
	}
	/* stamped far ahead: a restart's floor would not cover it, so it is
	 * written before the message is accepted */
	rc = db_writer_run(r->w, replay_batch_write, flush);
	replay_batch_free(flush);
	if (rc != 0) {
		log_msg(WN_LOG_ERROR, "replay_cache_failed", "cannot record message id %s", id);
		replay_forget(r, id);
		replay_mark_lost(r); /* the rest of that batch */
		return WN_EDB;
	}
	return 0;
}

static void replay_free_entries(replay *r)
{
	for (struct replay_entry *e = r->qhead, *next; e != NULL; e = next) {
		next = e->qnext;
		free(e);
	}
	r->qhead = r->qtail = NULL;
	r->count = 0;
}

void replay_close(replay *r)
{
	if (r == NULL)
		return;
	if (r->w != NULL) {
		/* posted batches first: one that fails must leave the stop unclean */
		db_writer_flush(r->w);
		pthread_mutex_lock(&r->lock);
		struct replay_batch *b = replay_take(r, time_now_ms());
		struct replay_batch empty = { 0 };
		if (b == NULL)
			b = &empty;
		b->write_mark = 1;
		b->mark = (struct replay_mark){ !r->lost, r->floor_ms, r->skew_ms };
		pthread_mutex_unlock(&r->lock);
		int wrc = db_writer_run(r->w, replay_batch_write, b);
		if (wrc != 0 || !b->mark.clean)
			log_msg(WN_LOG_ERROR, "replay_cache_failed", "the message ids seen could not "
				"all be written: the next start refuses what was stamped before it");
		if (b != &empty)
			replay_batch_free(b);
	}
	replay_free_entries(r);
	free(r->buckets);
	pthread_mutex_destroy(&r->lock);
	free(r);
}

void replay_explain(replay *r, int rc, const char *id, int64_t ts, int64_t skew_ms, char *err,
		    size_t errcap)
{
	if (rc == WN_EREPLAY) {
		snprintf(err, errcap, "message id %.64s was seen before", id ? id : "");
		return;
	}
	if (rc != WN_ESKEW) {
		snprintf(err, errcap, "%s", wn_strerror(rc));
		return;
	}
	pthread_mutex_lock(&r->lock);
	int64_t floor = r->floor_ms, now = r->last_now;
	pthread_mutex_unlock(&r->lock);
	if (ts < floor && ts >= now - skew_ms && ts <= now + skew_ms)
		snprintf(err, errcap, "message stamped %lld, before the receiver restarted after a "
			 "stop that was not clean (a crash or a restored database) or widened its "
			 "window (skew_seconds): ids from before then may have been seen and not "
			 "kept; send it again", (long long)ts);
	else
		snprintf(err, errcap, "timestamp %lld is outside the window of %lld ms of the "
			 "receiver's clock (%lld): check both clocks", (long long)ts,
			 (long long)skew_ms, (long long)now);
}
