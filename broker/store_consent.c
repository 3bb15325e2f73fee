/*
 * store_consent.c — the broker's consent registry: status only (r10). The
 * document itself stays at the node that registered it.
 */
#include <stdio.h>
#include <string.h>

#include "wijknet.h"
#include "consentset.h"
#include "ids.h"
#include "store.h"

static void copy_col(char *dst, size_t cap, sqlite3_stmt *st, int col)
{
	const char *s = (const char *)sqlite3_column_text(st, col);
	snprintf(dst, cap, "%s", s ? s : "");
}

int store_consent_get_locked(db *d, const char *id, struct store_consent *out)
{
	sqlite3_stmt *st = NULL;
	int rc = db_prepare(d, "SELECT id, registered_by, version, status, valid_from, valid_until,"
			       " COALESCE(revoked_at, 0), case_id FROM consents WHERE id = ?", &st);
	if (rc != 0)
		return rc;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
	int s = sqlite3_step(st);
	if (s == SQLITE_ROW) {
		copy_col(out->id, sizeof(out->id), st, 0);
		copy_col(out->registered_by, sizeof(out->registered_by), st, 1);
		copy_col(out->version, sizeof(out->version), st, 2);
		copy_col(out->status, sizeof(out->status), st, 3);
		copy_col(out->valid_from, sizeof(out->valid_from), st, 4);
		copy_col(out->valid_until, sizeof(out->valid_until), st, 5);
		out->revoked_at = sqlite3_column_int64(st, 6);
		copy_col(out->case_id, sizeof(out->case_id), st, 7);
	} else {
		rc = s == SQLITE_DONE ? WN_ENOTFOUND : WN_EDB;
	}
	sqlite3_finalize(st);
	return rc;
}

int store_consent_bind_case_locked(db *d, const char *id, const char *case_id)
{
	sqlite3_stmt *st = NULL;
	int rc = db_prepare(d, "UPDATE consents SET case_id = ?2 WHERE id = ?1 AND case_id IS NULL",
			    &st);
	if (rc != 0)
		return rc;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, case_id, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : WN_EDB;
	sqlite3_finalize(st);
	return rc;
}

int store_consent_get(db *d, const char *id, struct store_consent *out)
{
	db_lock(d);
	int rc = store_consent_get_locked(d, id, out);
	db_unlock(d);
	return rc;
}

int store_consent_register(db *d, void *arg)
{
	struct store_consent_change *ch = arg;
	const struct store_consent *c = ch->c;
	struct store_consent old;
	int rc = store_consent_get_locked(d, c->id, &old);
	if (rc == 0) {
		snprintf(ch->err, ch->errcap, "consent %s is registered already", c->id);
		return WN_EINVAL;
	}
	if (rc != WN_ENOTFOUND)
		return rc;
	sqlite3_stmt *st = NULL;
	if ((rc = db_prepare(d, "INSERT INTO consents(id, registered_by, version, status,"
				" valid_from, valid_until, registered_at) VALUES (?,?,?,?,?,?,?)",
			     &st)) != 0)
		return rc;
	sqlite3_bind_text(st, 1, c->id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, ch->by, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, c->version, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, c->status, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 5, c->valid_from, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 6, c->valid_until, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 7, time_now_ms());
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : WN_EDB;
	sqlite3_finalize(st);
	return rc;
}

int store_consent_revoke(db *d, void *arg)
{
	struct store_consent_change *ch = arg;
	struct store_consent old;
	int rc = store_consent_get_locked(d, ch->c->id, &old);
	if (rc == WN_ENOTFOUND)
		snprintf(ch->err, ch->errcap, "there is no consent %s in the registry", ch->c->id);
	if (rc != 0)
		return rc;
	if (strcmp(old.registered_by, ch->by) != 0) {
		snprintf(ch->err, ch->errcap, "consent %s was registered by '%s', which alone "
			 "records its revocation", old.id, old.registered_by);
		return WN_EDENIED;
	}
	/* a refusal is revoked as a consent is: the client may change their mind */
	if (strcmp(old.status, "active") != 0 && strcmp(old.status, "refused") != 0) {
		snprintf(ch->err, ch->errcap, "consent %s is %s, not active", old.id, old.status);
		return WN_ECONSENT;
	}
	sqlite3_stmt *st = NULL;
	if ((rc = db_prepare(d, "UPDATE consents SET status = 'revoked', revoked_at = ?"
				" WHERE id = ?", &st)) != 0)
		return rc;
	sqlite3_bind_int64(st, 1, time_now_ms());
	sqlite3_bind_text(st, 2, old.id, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : WN_EDB;
	sqlite3_finalize(st);
	return rc;
}

int store_consent_active(db *d, const char *registrar, const char *today, json_t **out)
{
	sqlite3_stmt *st = NULL;
	json_t *list = json_array();
	db_lock(d);
	int rc = list ? db_prepare(d, "SELECT id, version FROM consents WHERE registered_by = ?1"
				      " AND status = 'active' AND valid_from <= ?2 AND"
				      " valid_until >= ?2 ORDER BY id LIMIT ?3", &st)
		      : WN_ENOMEM;
	if (rc == 0) {
		sqlite3_bind_text(st, 1, registrar, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 2, today, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int(st, 3, CONSENTSET_MAX);
		int s;
		while ((s = sqlite3_step(st)) == SQLITE_ROW)
			json_array_append_new(list, json_pack("{s:s,s:s}", "id",
							      (const char *)sqlite3_column_text(st, 0),
							      "version",
							      (const char *)sqlite3_column_text(st, 1)));
		rc = s == SQLITE_DONE ? 0 : WN_EDB;
	}
	sqlite3_finalize(st);
	db_unlock(d);
	if (rc != 0) {
		json_decref(list);
		return rc;
	}
	*out = list;
	return 0;
}
