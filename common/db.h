/*
 * db.h — SQLite helpers shared by broker and node: open in WAL mode with
 * foreign keys, versioned migrations in a schema_version table, and one
 * lock per connection so daemon threads can share it safely.
 */
#ifndef WN_DB_H
#define WN_DB_H

#include <stddef.h>
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

/* Current schema version (0 for a new file). */
int db_schema_version(db *d, int *out);

#endif
