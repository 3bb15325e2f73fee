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

json_t *local_backup(struct node *n, json_t *rq)
{
	char err[512] = "", *db = NULL, *keys = NULL, *kbuf = NULL;
	size_t klen = 0;
	int64_t entries = 0;
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
		snprintf(err, sizeof(err), "%s: a backup is there already; a backup never replaces one: "
			 "give a new directory each time, e.g. one named by the date and time",
			 dir);
		rc = WN_EEXISTS;
	}
	int made = 0;
	if (rc == 0)
		rc = file_make_backup_dir(dir, &made, err, sizeof(err));
	if (rc == 0)
		rc = db_backup_to(n->db, db, "SELECT COUNT(*) FROM ledger", &entries, err,
				  sizeof(err));
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
