/*
 * db.c — SQLite connection setup and migrations.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "wijknet.h"
#include "daemon.h"
#include "db.h"
#include "ids.h"
#include "log.h"

#define DB_STMT_CACHE 32

struct db {
	sqlite3 *conn;
	pthread_mutex_t lock;
	char *path;
	/* prepared once, kept: the statements of the hot paths (by SQL text pointer) */
	struct {
		const char *sql;
		sqlite3_stmt *st;
	} cache[DB_STMT_CACHE];
	size_t ncache;
};

static int db_exec(db *d, const char *sql, char *err, size_t errcap)
{
	char *msg = NULL;
	if (sqlite3_exec(d->conn, sql, NULL, NULL, &msg) != SQLITE_OK) {
		if (err != NULL)
			snprintf(err, errcap, "%s: %s", d->path, msg ? msg : "SQLite error");
		sqlite3_free(msg);
		return WN_EDB;
	}
	return 0;
}

int db_is_duplicate(db *d)
{
	int x = sqlite3_extended_errcode(d->conn);
	return x == SQLITE_CONSTRAINT_UNIQUE || x == SQLITE_CONSTRAINT_PRIMARYKEY;
}

int db_backup_to(db *d, const char *path, const char *count_sql, int64_t *count, char *err,
		 size_t errcap)
{
	sqlite3 *dst = NULL;
	sqlite3_stmt *st = NULL;
	int rc = WN_EDB;
	if (sqlite3_open_v2(path, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
	    SQLITE_OK) {
		snprintf(err, errcap, "%s: cannot make the copy", path);
		sqlite3_close(dst);
		return WN_EIO;
	}
	db_lock(d);
	sqlite3_backup *b = sqlite3_backup_init(dst, "main", db_handle(d), "main");
	if (b != NULL && sqlite3_backup_step(b, -1) == SQLITE_DONE)
		rc = 0;
	if (b != NULL && sqlite3_backup_finish(b) != SQLITE_OK)
		rc = WN_EDB;
	db_unlock(d);
	if (rc == 0 && count_sql != NULL) {
		if (sqlite3_prepare_v2(dst, count_sql, -1, &st, NULL) != SQLITE_OK ||
		    sqlite3_step(st) != SQLITE_ROW)
			rc = WN_EDB;
		else
			*count = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	}
	if (rc != 0)
		snprintf(err, errcap, "%s: the copy failed: %s", path, sqlite3_errmsg(dst));
	sqlite3_close(dst);
	return rc;
}

int db_schema_version(db *d, int *out)
{
	sqlite3_stmt *st = NULL;
	int rc = db_prepare(d, "SELECT COALESCE(MAX(version), 0) FROM schema_version", &st);
	if (rc != 0)
		return rc;
	rc = WN_EDB;
	if (sqlite3_step(st) == SQLITE_ROW) {
		*out = sqlite3_column_int(st, 0);
		rc = 0;
	}
	sqlite3_finalize(st);
	return rc;
}

int db_open(const char *path, const struct db_migration *migrations, size_t count, db **out,
	    char *err, size_t errcap)
{
	int rc = WN_EDB;
	db *d = calloc(1, sizeof(*d));
	if (d == NULL)
		return WN_ENOMEM;
	pthread_mutex_init(&d->lock, NULL);
	d->path = strdup(path);
	if (d->path == NULL) {
		rc = WN_ENOMEM;
		goto out;
	}
	if (sqlite3_open_v2(path, &d->conn,
			    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
			    NULL) != SQLITE_OK) {
		snprintf(err, errcap, "%s: cannot open database: %s", path,
			 d->conn ? sqlite3_errmsg(d->conn) : "out of memory");
		goto out;
	}
	sqlite3_busy_timeout(d->conn, 5000);
	if ((rc = db_exec(d, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
			     "PRAGMA foreign_keys=ON;"
			     "CREATE TABLE IF NOT EXISTS schema_version ("
			     " version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL);",
			  err, errcap)) != 0)
		goto out;
	int current = 0;
	if ((rc = db_schema_version(d, &current)) != 0) {
		snprintf(err, errcap, "%s: cannot read schema version", path);
		goto out;
	}
	for (size_t i = 0; i < count; i++) {
		if (migrations[i].version <= current)
			continue;
		if ((rc = db_exec(d, "BEGIN IMMEDIATE", err, errcap)) != 0)
			goto out;
		char mark[128];
		snprintf(mark, sizeof(mark),
			 "INSERT INTO schema_version(version, applied_at) VALUES (%d, strftime('%%s','now'))",
			 migrations[i].version);
		if ((rc = db_exec(d, migrations[i].sql, err, errcap)) != 0 ||
		    (rc = db_exec(d, mark, err, errcap)) != 0) {
			db_exec(d, "ROLLBACK", NULL, 0);
			goto out;
		}
		if ((rc = db_exec(d, "COMMIT", err, errcap)) != 0)
			goto out;
		log_msg(WN_LOG_INFO, "db_migrated", "%s: schema version %d", path,
			migrations[i].version);
	}
	*out = d;
	d = NULL;
	rc = 0;
out:
	db_close(d);
	return rc;
}

void db_close(db *d)
{
	if (d == NULL)
		return;
	for (size_t i = 0; i < d->ncache; i++)
		sqlite3_finalize(d->cache[i].st);
	if (d->conn)
		sqlite3_close_v2(d->conn);
	pthread_mutex_destroy(&d->lock);
	free(d->path);
	free(d);
}

/* path as a file: URI's path: '%', '?' and '#' escaped, the rest as it is. */
static char *db_uri_of(const char *path, int immutable)
{
	size_t n = strlen(path);
	char *esc = malloc(3 * n + 1), *w = esc;
	if (esc == NULL)
		return NULL;
	for (const char *p = path; *p != '\0'; p++) {
		if (*p == '%' || *p == '?' || *p == '#')
			w += sprintf(w, "%%%02X", (unsigned char)*p);
		else
			*w++ = *p;
	}
	*w = '\0';
	char *uri = sqlite3_mprintf("file:%s?mode=ro%s", esc, immutable ? "&immutable=1" : "");
	free(esc);
	return uri;
}

int db_open_readonly(const char *path, sqlite3 **out)
{
	*out = NULL;
	if (access(path, F_OK) != 0)
		return WN_ENOTFOUND;
	size_t n = strlen(path) + 8;
	char *wal = malloc(n);
	if (wal == NULL)
		return WN_ENOMEM;
	snprintf(wal, n, "%s-wal", path);
	int live = access(wal, F_OK) == 0;
	free(wal);
	char *uri = db_uri_of(path, !live);
	if (uri == NULL)
		return WN_ENOMEM;
	sqlite3 *conn = NULL;
	int rc = sqlite3_open_v2(uri, &conn, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL);
	sqlite3_free(uri);
	if (rc != SQLITE_OK) {
		sqlite3_close(conn);
		return WN_EDB;
	}
	*out = conn;
	return 0;
}

sqlite3 *db_handle(db *d)
{
	return d->conn;
}

const char *db_path(db *d)
{
	return d->path;
}

void db_lock(db *d)
{
	pthread_mutex_lock(&d->lock);
}

void db_unlock(db *d)
{
	pthread_mutex_unlock(&d->lock);
}

int db_begin(db *d)
{
	return db_exec(d, "BEGIN IMMEDIATE", NULL, 0);
}

int db_commit(db *d)
{
	int rc = db_exec(d, "COMMIT", NULL, 0);
	if (rc != 0)
		db_exec(d, "ROLLBACK", NULL, 0);
	return rc;
}

void db_rollback(db *d)
{
	db_exec(d, "ROLLBACK", NULL, 0);
}

/* Durability policy: the connection opens with synchronous=NORMAL (WAL: safe
 * against a process crash); a daemon's durable db_writer sets FULL for it once,
 * so that the audit and disclosure logs survive power loss (the few writes
 * outside the writer then do too). Switching per batch would expire the
 * cached statements each time. */

int db_prepare(db *d, const char *sql, sqlite3_stmt **out)
{
	if (sqlite3_prepare_v2(d->conn, sql, -1, out, NULL) != SQLITE_OK) {
		log_msg(WN_LOG_ERROR, "db_error", "%s: prepare failed: %s", d->path,
			sqlite3_errmsg(d->conn));
		return WN_EDB;
	}
	return 0;
}

int db_query_int64(db *d, const char *sql, const char *param, int64_t *out)
{
	sqlite3_stmt *st = NULL;
	*out = 0;
	db_lock(d);
	int rc = db_prepare(d, sql, &st);
	if (rc == 0) {
		sqlite3_bind_text(st, 1, param, -1, SQLITE_TRANSIENT);
		int s = sqlite3_step(st);
		if (s == SQLITE_ROW)
			*out = sqlite3_column_int64(st, 0);
		else if (s != SQLITE_DONE)
			rc = WN_EDB;
	}
	sqlite3_finalize(st);
	db_unlock(d);
	return rc;
}

int db_stmt(db *d, const char *sql, sqlite3_stmt **out)
{
	for (size_t i = 0; i < d->ncache; i++) {
		if (d->cache[i].sql == sql) {
			sqlite3_reset(d->cache[i].st);
			sqlite3_clear_bindings(d->cache[i].st);
			*out = d->cache[i].st;
			return 0;
		}
	}
	if (d->ncache == DB_STMT_CACHE) /* not kept: db_stmt_done finalizes it */
		return db_prepare(d, sql, out);
	if (sqlite3_prepare_v3(d->conn, sql, -1, SQLITE_PREPARE_PERSISTENT, out, NULL) != SQLITE_OK) {
		log_msg(WN_LOG_ERROR, "db_error", "%s: prepare failed: %s", d->path,
			sqlite3_errmsg(d->conn));
		return WN_EDB;
	}
	d->cache[d->ncache].sql = sql;
	d->cache[d->ncache].st = *out;
	d->ncache++;
	return 0;
}

void db_stmt_done(db *d, sqlite3_stmt *st)
{
	for (size_t i = 0; st != NULL && i < d->ncache; i++) {
		if (d->cache[i].st == st) {
			sqlite3_reset(st);
			return;
		}
	}
	sqlite3_finalize(st);
}

/* Runs one cached statement that returns no rows. */
static int db_run(db *d, const char *sql)
{
	sqlite3_stmt *st = NULL;
	int rc = db_stmt(d, sql, &st);
	if (rc != 0)
		return rc;
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : WN_EDB;
	db_stmt_done(d, st);
	return rc;
}

static const char SQL_BEGIN[] = "BEGIN IMMEDIATE";
static const char SQL_COMMIT[] = "COMMIT";
static const char SQL_ROLLBACK[] = "ROLLBACK";
static const char SQL_SAVEPOINT[] = "SAVEPOINT w";
static const char SQL_ROLLBACK_TO[] = "ROLLBACK TO w";
static const char SQL_RELEASE[] = "RELEASE w";

/* ---- group commit --------------------------------------------------- */

struct db_write {
	db_write_fn fn;
	void *arg;
	void (*release)(void *arg, int rc); /* posted: called once committed; else NULL */
	int rc;
	int done;
	struct db_write *next;
};

/* Leader/follower group commit: a caller that finds no batch running
 * becomes the leader and commits, in its own thread, every write queued so
 * far; callers arriving meanwhile queue up and the first of them leads the
 * next batch. Batches form under load as with a writer thread, and an
 * uncontended write costs no hand-over between threads. Posted writes ride
 * in the next batch; the flusher thread leads one only when no caller does. */
struct db_writer {
	db *d;
	int durable;
	pthread_mutex_t lock;
	pthread_cond_t done;
	pthread_cond_t work; /* wakes the flusher (CLOCK_MONOTONIC) */
	pthread_t flusher;
	struct db_write *head, *tail;
	int64_t queued_since; /* time_mono_ms() when the queue last became non-empty */
	int busy;     /* a leader is committing a batch */
	int stopping;
	int flusher_idle; /* the flusher waits with no deadline: a post wakes it */
	uint64_t batches, writes; /* committed so far, under lock */
};

static int db_writer_batch(db_writer *w, struct db_write *batch)
{
	db *d = w->d;
	db_lock(d);
	int rc = db_run(d, SQL_BEGIN);
	for (struct db_write *x = batch; rc == 0 && x != NULL; x = x->next) {
		if (db_run(d, SQL_SAVEPOINT) != 0) {
			x->rc = WN_EDB;
			continue;
		}
		x->rc = x->fn(d, x->arg);
		if (x->rc != 0)
			db_run(d, SQL_ROLLBACK_TO);
		db_run(d, SQL_RELEASE);
	}
	if (rc == 0 && db_run(d, SQL_COMMIT) != 0) {
		db_run(d, SQL_ROLLBACK);
		rc = WN_EDB;
	}
	db_unlock(d);
	if (rc != 0) {
		log_msg(WN_LOG_ERROR, "db_commit_failed", "%s: batch could not be committed: %s",
			d->path, sqlite3_errmsg(d->conn));
		for (struct db_write *x = batch; x != NULL; x = x->next)
			x->rc = WN_EDB;
	}
	return rc;
}

/* A flush's place in the queue: no write, not counted as one. */
static int db_writer_nothing(db *d, void *arg)
{
	(void)d;
	(void)arg;
	return 0;
}

/* With w->lock held and no batch running: commits everything queued, hands
 * posted writes back to their owners, then wakes the callers whose writes
 * were in it (so an owner that waits for a later write of its own, as a
 * close does, finds its posted ones handed back). Held again on return. */
static void db_writer_lead(db_writer *w)
{
	struct db_write *batch = w->head, *posted = NULL, *waiting = NULL, *y, *next;
	uint64_t n = 0;
	w->head = w->tail = NULL;
	w->busy = 1;
	pthread_mutex_unlock(&w->lock);
	int rc = db_writer_batch(w, batch);
	for (y = batch; y != NULL; y = next) {
		next = y->next;
		n += y->fn != db_writer_nothing;
		if (y->release != NULL) {
			y->next = posted;
			posted = y;
		} else {
			y->next = waiting;
			waiting = y;
		}
	}
	for (y = posted; y != NULL; y = next) {
		next = y->next;
		y->release(y->arg, y->rc);
		free(y);
	}
	pthread_mutex_lock(&w->lock);
	if (rc == 0 && n > 0) {
		w->batches++;
		w->writes += n;
	}
	/* next is read first: a waiting caller's write is gone once done */
	for (y = waiting; y != NULL; y = next) {
		next = y->next;
		y->done = 1;
	}
	w->busy = 0;
	pthread_cond_broadcast(&w->done);
	if (w->head != NULL || w->stopping)
		pthread_cond_signal(&w->work);
}

/* Waits on w->work until time_mono_ms() reaches due, or a signal. */
static void db_writer_wait_until(db_writer *w, int64_t due)
{
	struct timespec ts;
	int64_t left = due - time_mono_ms();
	if (left < 1)
		left = 1;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	int64_t ns = (int64_t)ts.tv_nsec + left * 1000000;
	ts.tv_sec += (time_t)(ns / 1000000000);
	ts.tv_nsec = (long)(ns % 1000000000);
	pthread_cond_timedwait(&w->work, &w->lock, &ts);
}

/* Leads a batch for posted writes that no caller's batch took along within
 * DB_POST_WAIT_MS: under load they ride in callers' batches, costing
 * neither a disk flush nor a thread wake-up of their own. */
static void *db_writer_flusher(void *arg)
{
	db_writer *w = arg;
	daemon_name_thread("wn:flush");
	pthread_mutex_lock(&w->lock);
	for (;;) {
		int64_t due = w->queued_since + DB_POST_WAIT_MS;
		if (w->head != NULL && !w->busy && (w->stopping || time_mono_ms() >= due)) {
			db_writer_lead(w);
		} else if (w->stopping && w->head == NULL && !w->busy) {
			break;
		} else if (w->head != NULL && !w->stopping) {
			db_writer_wait_until(w, due);
		} else {
			w->flusher_idle = 1;
			pthread_cond_wait(&w->work, &w->lock);
			w->flusher_idle = 0;
		}
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

void db_writer_counts(db_writer *w, uint64_t *batches, uint64_t *writes)
{
	pthread_mutex_lock(&w->lock);
	*batches = w->batches;
	*writes = w->writes;
	pthread_mutex_unlock(&w->lock);
}

int db_writer_open(db *d, int durable, db_writer **out)
{
	db_writer *w = calloc(1, sizeof(*w));
	if (w == NULL)
		return WN_ENOMEM;
	w->d = d;
	w->durable = durable;
	db_lock(d);
	int rc = db_exec(d, durable ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=OFF", NULL, 0);
	db_unlock(d);
	if (rc != 0) {
		free(w);
		return rc;
	}
	pthread_condattr_t mono;
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->done, NULL);
	pthread_condattr_init(&mono);
	pthread_condattr_setclock(&mono, CLOCK_MONOTONIC);
	pthread_cond_init(&w->work, &mono);
	pthread_condattr_destroy(&mono);
	if (pthread_create(&w->flusher, NULL, db_writer_flusher, w) != 0) {
		pthread_cond_destroy(&w->work);
		pthread_cond_destroy(&w->done);
		pthread_mutex_destroy(&w->lock);
		free(w);
		return WN_ENOMEM;
	}
	*out = w;
	return 0;
}

static void db_writer_enqueue(db_writer *w, struct db_write *x)
{
	if (w->head == NULL)
		w->queued_since = time_mono_ms();
	if (w->tail)
		w->tail->next = x;
	else
		w->head = x;
	w->tail = x;
}

int db_writer_run(db_writer *w, db_write_fn fn, void *arg)
{
	struct db_write x = { fn, arg, NULL, 0, 0, NULL };
	pthread_mutex_lock(&w->lock);
	if (w->stopping) {
		pthread_mutex_unlock(&w->lock);
		return WN_ESTATE;
	}
	db_writer_enqueue(w, &x);
	while (!x.done) {
		if (w->busy)
			pthread_cond_wait(&w->done, &w->lock);
		else
			db_writer_lead(w); /* takes everything queued, this write among it */
	}
	pthread_mutex_unlock(&w->lock);
	return x.rc;
}

int db_writer_post(db_writer *w, db_write_fn fn, void *arg, void (*release)(void *arg, int rc))
{
	struct db_write *x = calloc(1, sizeof(*x));
	if (x == NULL) {
		release(arg, WN_ENOMEM);
		return WN_ENOMEM;
	}
	*x = (struct db_write){ fn, arg, release, 0, 0, NULL };
	pthread_mutex_lock(&w->lock);
	if (w->stopping) {
		pthread_mutex_unlock(&w->lock);
		free(x);
		release(arg, WN_ESTATE);
		return WN_ESTATE;
	}
	db_writer_enqueue(w, x);
	if (w->flusher_idle)
		pthread_cond_signal(&w->work);
	pthread_mutex_unlock(&w->lock);
	return 0;
}

int db_writer_flush(db_writer *w)
{
	return db_writer_run(w, db_writer_nothing, NULL);
}

void db_writer_close(db_writer *w)
{
	if (w == NULL)
		return;
	/* later writes are refused; the ones queued or running, posted ones
	 * too, are committed first */
	pthread_mutex_lock(&w->lock);
	w->stopping = 1;
	pthread_cond_signal(&w->work);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->flusher, NULL);
	pthread_mutex_lock(&w->lock);
	while (w->busy || w->head != NULL) {
		if (w->busy)
			pthread_cond_wait(&w->done, &w->lock);
		else
			db_writer_lead(w);
	}
	pthread_mutex_unlock(&w->lock);
	pthread_cond_destroy(&w->work);
	pthread_cond_destroy(&w->done);
	pthread_mutex_destroy(&w->lock);
	free(w);
}
