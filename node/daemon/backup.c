/*
 * backup.c — `wijknet backup`: a consistent copy of the node's database
 * (SQLite's online backup, taken while the writer waits) with its key file,
 * both 0600 in a directory of the operator's choosing. A copy restored later
 * is checked at start against the ledger checkpoint the broker witnessed:
 * an older one is refused (witness.c), so no disclosure entry is lost
 * without anyone seeing it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "wijknet.h"
#include "context.h"
#include "fileio.h"
#include "local.h"
#include "log.h"

static const struct schema_field backup_fields[] = {
	{ "op", SCHEMA_STRING, 1, 32 },
	{ "dir", SCHEMA_STRING, 1, 1024 },
	{ "actor", SCHEMA_OBJECT, 0, 0 },
	{ NULL, 0, 0, 0 },
};

/* Copies the database into path under the connection's lock: the group
 * commit waits, so the copy is one moment of the database. *entries: the
 * ledger entries the copy holds, counted in the copy itself. */
static int backup_database(struct node *n, const char *path, uint64_t *entries, char *err,
			   size_t errcap)
{
	sqlite3 *dst = NULL;
	int rc = WN_EDB;
	if (sqlite3_open_v2(path, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
	    SQLITE_OK) {
		snprintf(err, errcap, "%s: cannot make the copy", path);
		sqlite3_close(dst);
		return WN_EIO;
	}
	db_lock(n->db);
	sqlite3_backup *b = sqlite3_backup_init(dst, "main", db_handle(n->db), "main");
	if (b != NULL && sqlite3_backup_step(b, -1) == SQLITE_DONE)
		rc = 0;
	if (b != NULL && sqlite3_backup_finish(b) != SQLITE_OK)
		rc = WN_EDB;
	db_unlock(n->db);
	sqlite3_stmt *st = NULL;
	if (rc == 0 && (sqlite3_prepare_v2(dst, "SELECT COUNT(*) FROM ledger", -1, &st, NULL) !=
				SQLITE_OK || sqlite3_step(st) != SQLITE_ROW))
		rc = WN_EDB;
	if (rc == 0)
		*entries = (uint64_t)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (rc != 0)
		snprintf(err, errcap, "%s: the copy failed: %s", path, sqlite3_errmsg(dst));
	sqlite3_close(dst);
	return rc;
}

/* The backup's directory: made (0700) when only it is missing, so that a
 * mistyped path is said rather than built. *made when this call made it. */
static int backup_make_dir(const char *dir, int *made, char *err, size_t errcap)
{
	struct stat st;
	if (stat(dir, &st) == 0) {
		if (S_ISDIR(st.st_mode))
			return 0;
		snprintf(err, errcap, "%s: not a directory", dir);
		return WN_EINVAL;
	}
	if (mkdir(dir, 0700) == 0) {
		*made = 1;
		return 0;
	}
	snprintf(err, errcap, "%s: cannot make the directory: %s%s", dir, strerror(errno),
		 errno == ENOENT ? " (only its last part is made: does the path above it exist?)"
				 : "");
	return errno == ENOENT || errno == ENOTDIR ? WN_EINVAL : WN_EIO;
}

json_t *local_backup(struct node *n, json_t *rq)
{
	char err[512] = "", *db = NULL, *keys = NULL, *kbuf = NULL;
	size_t klen = 0;
	uint64_t entries = 0;
	int rc = schema_check(rq, backup_fields, err, sizeof(err));
	const char *dir = json_string_value(json_object_get(rq, "dir"));
	if (rc == 0 && dir[0] != '/')
		return local_error(WN_EINVAL, "field 'dir': an absolute path (the node's own)");
	if (rc != 0)
		return local_error(rc, err);
	size_t cap = strlen(dir) + strlen(n->ident->id) + 16;
	if ((db = malloc(cap)) == NULL || (keys = malloc(cap)) == NULL) {
		free(db);
		return local_error(WN_ENOMEM, NULL);
	}
	snprintf(db, cap, "%s/%s.db", dir, n->ident->id);
	snprintf(keys, cap, "%s/%s.db.keys", dir, n->ident->id);
	if (file_exists(db) || file_exists(keys)) {
		snprintf(err, sizeof(err), "%s: a backup is there already; choose another directory",
			 dir);
		rc = WN_EEXISTS;
	}
	int made = 0;
	if (rc == 0)
		rc = backup_make_dir(dir, &made, err, sizeof(err));
	if (rc == 0)
		rc = backup_database(n, db, &entries, err, sizeof(err));
	if (rc == 0 && (rc = file_read_all(n->keys_path, 4096, &kbuf, &klen)) == 0)
		rc = file_write_private(keys, kbuf, klen);
	if (kbuf != NULL)
		OPENSSL_cleanse(kbuf, klen);
	free(kbuf);
	json_t *out;
	if (rc == 0) {
		log_emit(WN_LOG_INFO, "backup_made", json_pack("{s:s,s:I}", "database", db,
							      "ledger_entries", (json_int_t)entries));
		out = json_pack("{s:b,s:{s:s,s:s,s:I}}", "ok", 1, "result", "database", db, "keys",
				keys, "ledger_entries", (json_int_t)entries);
	} else {
		if (rc != WN_EEXISTS) { /* nothing half-made is left */
			remove(db);
			remove(keys);
			if (made)
				rmdir(dir);
		}
		out = local_error(rc, err[0] ? err : NULL);
	}
	free(db);
	free(keys);
	return out;
}
