/*
 * db.h — SQLite helpers shared by broker and node: open in WAL mode with
 * foreign keys, versioned migrations in a schema_version table, and one
 * lock per connection so daemon threads can share it safely.
 */
#ifndef WN_DB_H
#define WN_DB_H

#include <stddef.h>
#include <stdint.h>
#include <sqlite3.h>

typedef struct db db;

struct db_migration {
	int version;
	const char *sql;
};

/* Opens (creating if needed) path and applies the pending migrations, each
 * in its own transaction. *out: db_close(). */
int db_open(const char *path, const struct db_migration *migrations, size_t count, db **out,
	    char *err, size_t errcap);
void db_close(db *d);

/* Opens path to read, making no file: with its -wal there (a daemon runs
 * on it, or stopped without cleaning up), as a reader beside it; without,
 * as a file nobody writes, so SQLite makes no -wal or -shm. *out:
 * sqlite3_close(). WN_ENOTFOUND when path is not there, WN_EDB. */
int db_open_readonly(const char *path, sqlite3 **out);

sqlite3 *db_handle(db *d);
const char *db_path(db *d);

/* Serialises use of the connection between threads. */
void db_lock(db *d);
void db_unlock(db *d);

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK with the lock already held. */
int db_begin(db *d);
int db_commit(db *d);
void db_rollback(db *d);

/* Prepares sql; on failure logs the SQLite message and returns WN_EDB. */
int db_prepare(db *d, const char *sql, sqlite3_stmt **out);

/* A prepared statement for sql, kept by d for its lifetime (sql must be a
 * string of static storage: it is the key). The lock must be held; return it
 * with db_stmt_done, never finalize it. For the statements of hot paths. */
int db_stmt(db *d, const char *sql, sqlite3_stmt **out);

/* One integer from sql (its first column of its first row; 0 with no row),
 * with ?1 bound to param (NULL binds NULL). Takes the lock. 0 or WN_EDB. */
int db_query_int64(db *d, const char *sql, const char *param, int64_t *out);

/* Resets a statement from db_stmt (or finalizes one that is not cached). */
void db_stmt_done(db *d, sqlite3_stmt *st);

/* 1 when the last statement on d failed on a UNIQUE or PRIMARY KEY
 * constraint (a duplicate), not on anything else (a trigger, a full disk). */
int db_is_duplicate(db *d);

/* Current schema version (0 for a new file). */
int db_schema_version(db *d, int *out);

/* Copies the database into a new file at path (SQLite's online backup)
 * under the connection's lock: writers wait, so the copy is one moment of
 * the database. If count_sql is given, *count is what it gives in the copy
 * itself. On failure err says why and the caller removes path. */
int db_backup_to(db *d, const char *path, const char *count_sql, int64_t *count, char *err,
		 size_t errcap);



/* ---- group commit --------------------------------------------------- */

/* Runs the writes of concurrent callers in one transaction and one fsync
 * (group commit), so durability costs one disk flush per batch rather than
 * per request: the first caller to find no batch running commits the ones
 * queued, in its own thread. Each write runs in its own savepoint: one
 * failing write does not undo the others. */
typedef struct db_writer db_writer;

/* Runs inside the batch transaction with the connection already locked:
 * it must not call db_lock. */
typedef int (*db_write_fn)(db *d, void *arg);

/* durable: the connection commits with synchronous=FULL from now on (else
 * OFF, for benchmarks only). */
int db_writer_open(db *d, int durable, db_writer **out);

/* Queues fn and waits until its batch is committed. Returns fn's result,
 * or WN_EDB when the batch could not be committed (then nothing of it is). */
int db_writer_run(db_writer *w, db_write_fn fn, void *arg);

/* How long a posted write waits for a caller's batch to take it along
 * before the writer's own thread commits it. */
#define DB_POST_WAIT_MS 20

/* Queues fn without waiting: it is committed in the next batch, a caller's
 * or, when none comes within DB_POST_WAIT_MS, the writer's own thread's
 * (at once when closing). release(arg, rc) is then
 * called with fn's result (or WN_EDB), in that thread; on a refusal
 * (WN_ESTATE once closing, WN_ENOMEM) at once, in this one. For records
 * that follow an answer: never lost on a clean stop, not awaited. */
int db_writer_post(db_writer *w, db_write_fn fn, void *arg, void (*release)(void *arg, int rc));

/* Waits until everything queued before it, posted writes too, is committed.
 * 0, WN_EDB or WN_ESTATE. */
int db_writer_flush(db_writer *w);

/* Batches committed so far and the writes they held (an operator's
 * measure of how well group commit batches: writes per disk flush). */
void db_writer_counts(db_writer *w, uint64_t *batches, uint64_t *writes);

/* Refuses later writes (WN_ESTATE) and commits the queued and posted ones. */
void db_writer_close(db_writer *w);
#endif
