/*
 * db.c — SQLite connection setup and migrations.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wijknet.h"
#include "db.h"
#include "log.h"

struct db {
	sqlite3 *conn;
	pthread_mutex_t lock;
	char *path;
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
	if ((rc = db_exec(d, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
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
	if (d->conn)
		sqlite3_close_v2(d->conn);
	pthread_mutex_destroy(&d->lock);
	free(d->path);
	free(d);
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

int db_prepare(db *d, const char *sql, sqlite3_stmt **out)
{
	if (sqlite3_prepare_v2(d->conn, sql, -1, out, NULL) != SQLITE_OK) {
		log_msg(WN_LOG_ERROR, "db_error", "%s: prepare failed: %s", d->path,
			sqlite3_errmsg(d->conn));
		return WN_EDB;
	}
	return 0;
}
