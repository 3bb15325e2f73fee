/*
 * store.c — records: validation, pseudonymous index, encryption at rest,
 * upserts and the staged all-or-nothing import.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "wijknet.h"
#include "bsn.h"
#include "date.h"
#include "ids.h"
#include "schema.h"
#include "store.h"
#include "vocab.h"

#define BSN_SEALED_LEN (BSN_LEN + KEYS_SEAL_OVERHEAD)
static const char BSN_AAD[] = "wijknet-bsn-at-rest-v1";

static const struct schema_field record_fields[] = {
	{ "bsn", SCHEMA_STRING, 1, 16 },
	{ "category", SCHEMA_STRING, 1, 64 },
	{ "content", SCHEMA_OBJECT, 1, 0 },
	{ "professional", SCHEMA_STRING, 1, 128 },
	{ "retention", SCHEMA_STRING, 0, 10 },
	{ NULL, 0, 0, 0 },
};

int store_subject_index(const struct node_keys *k, const char *bsn, uint8_t out[STORE_INDEX_LEN])
{
	unsigned int n = 0;
	if (HMAC(EVP_sha256(), k->index_key, sizeof(k->index_key), (const uint8_t *)bsn,
		 strlen(bsn), out, &n) == NULL || n != STORE_INDEX_LEN)
		return WN_ECRYPTO;
	return 0;
}

int store_seal_bsn(const struct node_keys *k, const char *bsn, uint8_t *out, size_t *outlen)
{
	if (strlen(bsn) != BSN_LEN)
		return WN_EBSN;
	int rc = keys_seal(k, BSN_AAD, bsn, BSN_LEN, out);
	if (rc == 0)
		*outlen = BSN_SEALED_LEN;
	return rc;
}

int store_open_bsn(const struct node_keys *k, const uint8_t *in, size_t inlen, char out[16])
{
	if (inlen != BSN_SEALED_LEN)
		return WN_ECRYPTO;
	int rc = keys_open(k, BSN_AAD, in, inlen, (uint8_t *)out);
	if (rc == 0)
		out[BSN_LEN] = '\0';
	return rc;
}

/* Default retention: two calendar years from today (the partner's import may
 * set it), so a leap day does not cut it a day short. */
static void store_default_retention(char out[DATE_LEN + 1])
{
	date_of_ms(date_add_months_ms((int64_t)time(NULL) * 1000, 24), out);
}

int store_validate_record(const json_t *rec, char *err, size_t errcap)
{
	int rc = schema_check(rec, record_fields, err, errcap);
	if (rc != 0)
		return rc;
	/* the record answers for its source professional (G-P 3.6): a blank id names nobody */
	if (!schema_text_given(json_string_value(json_object_get(rec, "professional")), 1)) {
		snprintf(err, errcap, "field 'professional': the source professional's id must not "
			 "be empty or blank");
		return WN_ESCHEMA;
	}
	if (bsn_validate(json_string_value(json_object_get(rec, "bsn"))) != 0) {
		snprintf(err, errcap, "field 'bsn': not a valid BSN (9 digits passing the 11-proef)");
		return WN_EBSN;
	}
	const char *cat = json_string_value(json_object_get(rec, "category"));
	if (vocab_category(cat) == NULL) {
		snprintf(err, errcap, "field 'category': '%.64s' is not in the vocabulary", cat);
		return WN_ECATEGORY;
	}
	const char *ret = json_string_value(json_object_get(rec, "retention"));
	if (ret != NULL && !date_valid(ret)) {
		snprintf(err, errcap, "field 'retention': expected a date YYYY-MM-DD");
		return WN_ESCHEMA;
	}
	/* a date gone by would have the next purge delete the record: a typo
	 * must not destroy a source record */
	char today[DATE_LEN + 1];
	date_today_plus(0, today);
	if (ret != NULL && strcmp(ret, today) < 0) {
		snprintf(err, errcap, "field 'retention': %s lies in the past: the record would be "
			 "purged at once (keep it until today or later)", ret);
		return WN_EINVAL;
	}
	char *content = json_dumps(json_object_get(rec, "content"), JSON_COMPACT);
	size_t clen = content ? strlen(content) : 0;
	free(content);
	if (clen > STORE_CONTENT_MAX) {
		snprintf(err, errcap, "field 'content': larger than %d bytes", STORE_CONTENT_MAX);
		return WN_ETOOBIG;
	}
	return 0;
}

/* Binds the common columns of a validated record from the given position. */
static int store_bind_record(sqlite3_stmt *st, int pos, const struct node_keys *k,
			     const json_t *rec)
{
	uint8_t index[STORE_INDEX_LEN], sealed[BSN_SEALED_LEN];
	size_t slen = 0;
	char retention[DATE_LEN + 1];
	const char *bsn = json_string_value(json_object_get(rec, "bsn"));
	int rc = store_subject_index(k, bsn, index);
	if (rc == 0)
		rc = store_seal_bsn(k, bsn, sealed, &slen);
	if (rc != 0)
		return rc;
	const char *ret = json_string_value(json_object_get(rec, "retention"));
	if (ret == NULL)
		store_default_retention(retention);
	else
		snprintf(retention, sizeof(retention), "%s", ret);
	char *content = json_dumps(json_object_get(rec, "content"), JSON_COMPACT | JSON_SORT_KEYS);
	if (content == NULL)
		return WN_ENOMEM;
	sqlite3_bind_blob(st, pos, index, STORE_INDEX_LEN, SQLITE_TRANSIENT);
	sqlite3_bind_blob(st, pos + 1, sealed, (int)slen, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, pos + 2, json_string_value(json_object_get(rec, "category")), -1,
			  SQLITE_TRANSIENT);
	sqlite3_bind_text(st, pos + 3, content, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, pos + 4, json_string_value(json_object_get(rec, "professional")), -1,
			  SQLITE_TRANSIENT);
	sqlite3_bind_text(st, pos + 5, retention, -1, SQLITE_TRANSIENT);
	free(content);
	OPENSSL_cleanse(index, sizeof(index));
	return 0;
}

static const char UPSERT_SQL[] =
	"INSERT INTO records(subject_index, subject_enc, category, content, professional,"
	" retention_until, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)"
	" ON CONFLICT(subject_index, category) DO UPDATE SET subject_enc = ?2, content = ?4,"
	" professional = ?5, retention_until = ?6, updated_at = ?7";

/* The origin of a record received in request rid: the partner that
 * disclosed its category about this person to this node, and when. */
static int store_origin_of(db *d, const uint8_t index[STORE_INDEX_LEN], const char *category,
			   const char *rid, char partner[64], int64_t *at, char *err, size_t errcap)
{
	sqlite3_stmt *st = NULL;
	int rc = db_prepare(d, "SELECT json_extract(partners, '$[0]'), completed_at FROM sent_log"
			       " WHERE request_id = ? AND type = 'request' AND subject_index = ? AND"
			       " EXISTS (SELECT 1 FROM json_each(sent_log.received) WHERE value = ?)",
			    &st);
	if (rc != 0)
		return rc;
	sqlite3_bind_text(st, 1, rid, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, index, STORE_INDEX_LEN, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, category, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) == SQLITE_TEXT) {
		snprintf(partner, 64, "%s", (const char *)sqlite3_column_text(st, 0));
		*at = sqlite3_column_int64(st, 1);
	} else {
		snprintf(err, errcap, "request %s did not bring this node category '%s' about this "
			 "person: a received record names the request it came in", rid, category);
		rc = WN_ENOTFOUND;
	}
	sqlite3_finalize(st);
	return rc;
}

/* Sets (or, for the partner's own record, clears) where the record came from. */
static int store_set_origin(db *d, const uint8_t index[STORE_INDEX_LEN], const char *category,
			    const char *partner, const char *rid, int64_t at)
{
	sqlite3_stmt *st = NULL;
	int rc = db_prepare(d, "UPDATE records SET origin_partner = ?, origin_request = ?,"
			       " origin_at = ? WHERE subject_index = ? AND category = ?", &st);
	if (rc != 0)
		return rc;
	if (partner != NULL) {
		sqlite3_bind_text(st, 1, partner, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, rid, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, at);
	}
	sqlite3_bind_blob(st, 4, index, STORE_INDEX_LEN, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, category, -1, SQLITE_STATIC);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : WN_EDB;
	sqlite3_finalize(st);
	return rc;
}

int store_put_record(db *d, const struct node_keys *k, const json_t *rec, const char *received_in,
		     char *err, size_t errcap)
{
	sqlite3_stmt *st = NULL;
	uint8_t index[STORE_INDEX_LEN];
	char partner[64] = "";
	int64_t at = 0;
	const char *category = json_string_value(json_object_get(rec, "category"));
	int rc = store_validate_record(rec, err, errcap);
	if (rc != 0)
		return rc;
	if ((rc = store_subject_index(k, json_string_value(json_object_get(rec, "bsn")), index)) != 0)
		return rc;
	db_lock(d);
	rc = db_begin(d);
	if (rc == 0 && received_in != NULL)
		rc = store_origin_of(d, index, category, received_in, partner, &at, err, errcap);
	if (rc == 0)
		rc = db_prepare(d, UPSERT_SQL, &st);
	if (rc == 0 && (rc = store_bind_record(st, 1, k, rec)) == 0) {
		sqlite3_bind_int64(st, 7, time_now_ms());
		if (sqlite3_step(st) != SQLITE_DONE) {
			snprintf(err, errcap, "cannot store the record: %s",
				 sqlite3_errmsg(db_handle(d)));
			rc = WN_EDB;
		}
	}
	sqlite3_finalize(st);
	/* a record received keeps that origin when its holder updates it */
	if (rc == 0 && received_in != NULL)
		rc = store_set_origin(d, index, category, partner, received_in, at);
	if (rc == 0)
		rc = db_commit(d);
	else
		db_rollback(d);
	db_unlock(d);
	OPENSSL_cleanse(index, sizeof(index));
	return rc;
}

int store_delete_record(db *d, const struct node_keys *k, const char *bsn, const char *category,
			int *deleted)
{
	uint8_t index[STORE_INDEX_LEN];
	sqlite3_stmt *st = NULL;
	if (bsn_validate(bsn) != 0)
		return WN_EBSN;
	if (vocab_category(category) == NULL)
		return WN_ECATEGORY;
	int rc = store_subject_index(k, bsn, index);
	if (rc != 0)
		return rc;
	db_lock(d);
	rc = db_prepare(d, "DELETE FROM records WHERE subject_index = ? AND category = ?", &st);
	if (rc == 0) {
		sqlite3_bind_blob(st, 1, index, STORE_INDEX_LEN, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 2, category, -1, SQLITE_TRANSIENT);
		rc = sqlite3_step(st) == SQLITE_DONE ? 0 : WN_EDB;
		*deleted = sqlite3_changes(db_handle(d));
	}
	sqlite3_finalize(st);
	db_unlock(d);
	return rc;
}

/* MIN(shielded): NULL without records in force, 1 when every one is
 * shielded. A record past its retention date is gone for the answers the
 * node gives, whether or not a purge has removed it yet (Heerlen 11.3). */
static const char SQL_SUBJECT_KNOWN[] = "SELECT MIN(shielded) FROM records WHERE subject_index = ?"
					" AND retention_until >= ?";

int store_subject_known(db *d, const uint8_t index[STORE_INDEX_LEN], enum store_known *known)
{
	sqlite3_stmt *st = NULL;
	char today[DATE_LEN + 1];
	date_today_plus(0, today);
	db_lock(d);
	int rc = db_stmt(d, SQL_SUBJECT_KNOWN, &st);
	if (rc == 0) {
		sqlite3_bind_blob(st, 1, index, STORE_INDEX_LEN, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 2, today, -1, SQLITE_TRANSIENT);
		if (sqlite3_step(st) == SQLITE_ROW)
			*known = sqlite3_column_type(st, 0) == SQLITE_NULL ? STORE_NOT_KNOWN
				 : sqlite3_column_int(st, 0)		    ? STORE_KNOWN_SHIELDED
										    : STORE_KNOWN;
		else
			rc = WN_EDB;
		db_stmt_done(d, st);
	}
	db_unlock(d);
	return rc;
}

int store_read_records_locked(db *d, const uint8_t index[STORE_INDEX_LEN],
			      const json_t *categories, json_t **out)
{
	sqlite3_stmt *st = NULL;
	json_t *list = json_array(), *x;
	size_t i;
	char today[DATE_LEN + 1];
	date_today_plus(0, today);
	/* past its retention date a record is not disclosed, purged or not */
	int rc = db_prepare(d, "SELECT content, professional, updated_at FROM records"
			       " WHERE subject_index = ? AND category = ? AND retention_until >= ?",
			    &st);
	json_array_foreach(categories, i, x) {
		if (rc != 0)
			break;
		sqlite3_reset(st);
		sqlite3_bind_blob(st, 1, index, STORE_INDEX_LEN, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 2, json_string_value(x), -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 3, today, -1, SQLITE_TRANSIENT);
		int s = sqlite3_step(st);
		if (s == SQLITE_DONE)
			continue;
		if (s != SQLITE_ROW) {
			rc = WN_EDB;
			break;
		}
		json_error_t jerr;
		json_t *content = json_loads((const char *)sqlite3_column_text(st, 0), 0, &jerr);
		if (content == NULL) {
			rc = WN_EDB;
			break;
		}
		json_array_append_new(list, json_pack("{s:O,s:o,s:s,s:I}", "category", x, "content",
						      content, "professional",
						      (const char *)sqlite3_column_text(st, 1),
						      "updated_at",
						      (json_int_t)sqlite3_column_int64(st, 2)));
	}
	sqlite3_finalize(st);
	if (rc != 0) {
		json_decref(list);
		return rc;
	}
	*out = list;
	return 0;
}

int store_shielded_locked(db *d, const uint8_t index[STORE_INDEX_LEN], const json_t *categories,
			  int *shielded)
{
	sqlite3_stmt *st = NULL;
	char *cats = json_dumps(categories, JSON_COMPACT);
	if (cats == NULL)
		return WN_ENOMEM;
	int rc = db_prepare(d, "SELECT 1 FROM records WHERE subject_index = ? AND shielded = 1 AND"
			       " category IN (SELECT value FROM json_each(?)) LIMIT 1", &st);
	if (rc == 0) {
		sqlite3_bind_blob(st, 1, index, STORE_INDEX_LEN, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 2, cats, -1, SQLITE_TRANSIENT);
		int s = sqlite3_step(st);
		*shielded = s == SQLITE_ROW;
		rc = s == SQLITE_ROW || s == SQLITE_DONE ? 0 : WN_EDB;
	}
	sqlite3_finalize(st);
	free(cats);
	return rc;
}

int store_import_stage(db *d, const struct node_keys *k, const char *import_id,
		       const json_t *lines, char *err, size_t errcap)
{
	size_t i;
	json_t *item;
	char detail[256];
	int rc = 0;
	/* validate the whole chunk before touching the database */
	json_array_foreach(lines, i, item) {
		json_int_t line = json_integer_value(json_object_get(item, "line"));
		json_t *rec = json_object_get(item, "record");
		if (line <= 0 || rec == NULL) {
			snprintf(err, errcap, "import item %zu: expected {line, record}", i + 1);
			return WN_ESCHEMA;
		}
		if ((rc = store_validate_record(rec, detail, sizeof(detail))) != 0) {
			snprintf(err, errcap, "line %lld: %s", (long long)line, detail);
			return rc;
		}
	}
	sqlite3_stmt *st = NULL;
	db_lock(d);
	if ((rc = db_begin(d)) != 0)
		goto out;
	rc = db_prepare(d, "INSERT INTO import_staging(subject_index, subject_enc, category, content,"
			   " professional, retention_until, import_id, line)"
			   " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)", &st);
	json_array_foreach(lines, i, item) {
		if (rc != 0)
			break;
		sqlite3_reset(st);
		rc = store_bind_record(st, 1, k, json_object_get(item, "record"));
		sqlite3_bind_text(st, 7, import_id, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 8, json_integer_value(json_object_get(item, "line")));
		if (rc == 0 && sqlite3_step(st) != SQLITE_DONE) {
			snprintf(err, errcap, "line %lld: cannot stage: %s",
				 (long long)json_integer_value(json_object_get(item, "line")),
				 sqlite3_errmsg(db_handle(d)));
			rc = WN_EDB;
		}
	}
	sqlite3_finalize(st);
	if (rc == 0)
		rc = db_commit(d);
	else
		db_rollback(d);
out:
	db_unlock(d);
	return rc;
}

int store_import_commit(db *d, const char *import_id, long *count)
{
	sqlite3_stmt *st = NULL;
	db_lock(d);
	int rc = db_begin(d);
	if (rc != 0)
		goto out;
	/* later lines of the file win over earlier ones for the same record */
	rc = db_prepare(d, "INSERT INTO records(subject_index, subject_enc, category, content,"
			   " professional, retention_until, created_at, updated_at)"
			   " SELECT subject_index, subject_enc, category, content, professional,"
			   " retention_until, ?2, ?2 FROM import_staging WHERE import_id = ?1"
			   " AND true ORDER BY line"
			   " ON CONFLICT(subject_index, category) DO UPDATE SET"
			   " subject_enc = excluded.subject_enc, content = excluded.content,"
			   " professional = excluded.professional,"
			   " retention_until = excluded.retention_until, updated_at = excluded.updated_at",
			&st);
	if (rc == 0) {
		sqlite3_bind_text(st, 1, import_id, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 2, time_now_ms());
		rc = sqlite3_step(st) == SQLITE_DONE ? 0 : WN_EDB;
		*count = sqlite3_changes(db_handle(d));
	}
	sqlite3_finalize(st);
	st = NULL;
	if (rc == 0 && (rc = db_prepare(d, "DELETE FROM import_staging WHERE import_id = ?", &st)) == 0) {
		sqlite3_bind_text(st, 1, import_id, -1, SQLITE_TRANSIENT);
		rc = sqlite3_step(st) == SQLITE_DONE ? 0 : WN_EDB;
	}
	sqlite3_finalize(st);
	if (rc == 0)
		rc = db_commit(d);
	else
		db_rollback(d);
out:
	db_unlock(d);
	return rc;
}

void store_import_abort(db *d, const char *import_id)
{
	sqlite3_stmt *st = NULL;
	db_lock(d);
	if (db_prepare(d, "DELETE FROM import_staging WHERE import_id = ?", &st) == 0) {
		sqlite3_bind_text(st, 1, import_id, -1, SQLITE_TRANSIENT);
		sqlite3_step(st);
	}
	sqlite3_finalize(st);
	db_unlock(d);
}

void store_import_cleanup(db *d)
{
	sqlite3_stmt *st = NULL;
	db_lock(d);
	if (db_prepare(d, "DELETE FROM import_staging", &st) == 0)
		sqlite3_step(st);
	sqlite3_finalize(st);
	db_unlock(d);
}
