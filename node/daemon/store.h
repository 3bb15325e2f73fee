/*
 * store.h — the partner's own records (Heerlen art. 11.1), in the node's
 * SQLite file. A record is one person's data in one vocabulary category:
 * indexed by HMAC-SHA256(node-local key, BSN), the BSN itself encrypted at
 * rest (AES-256-GCM, node key), content as JSON, the source professional,
 * timestamps and a retention date.
 */
#ifndef WN_NODE_STORE_H
#define WN_NODE_STORE_H

#include <stdint.h>

#include <jansson.h>

#include "db.h"
#include "keys.h"

#define STORE_CONTENT_MAX (64 * 1024)
#define STORE_INDEX_LEN 32

/* Where a record came from (G-P 7.2): registered by this partner itself, or
 * received from a partner in a data request this node made. */
#define STORE_ORIGIN_SCHEMA                                                           \
	"ALTER TABLE records ADD COLUMN origin_partner TEXT;"                         \
	"ALTER TABLE records ADD COLUMN origin_request TEXT;"                         \
	"ALTER TABLE records ADD COLUMN origin_at INTEGER;"

#define STORE_SCHEMA                                                                  \
	"CREATE TABLE records (id INTEGER PRIMARY KEY, subject_index BLOB NOT NULL,"  \
	" subject_enc BLOB NOT NULL, category TEXT NOT NULL, content TEXT NOT NULL,"  \
	" professional TEXT NOT NULL, created_at INTEGER NOT NULL,"                   \
	" updated_at INTEGER NOT NULL, retention_until TEXT NOT NULL,"                \
	" UNIQUE (subject_index, category));"                                         \
	"CREATE TABLE import_staging (import_id TEXT NOT NULL, line INTEGER NOT NULL,"\
	" subject_index BLOB NOT NULL, subject_enc BLOB NOT NULL,"                    \
	" category TEXT NOT NULL, content TEXT NOT NULL, professional TEXT NOT NULL," \
	" retention_until TEXT NOT NULL, PRIMARY KEY (import_id, line));"

/* The node's pseudonym of a BSN: HMAC-SHA256(index_key, bsn). */
int store_subject_index(const struct node_keys *k, const char *bsn, uint8_t out[STORE_INDEX_LEN]);

/* Validates one record object {bsn, category, content, professional,
 * retention?}; err names the field. WN_EBSN, WN_ECATEGORY, WN_ESCHEMA, … */
int store_validate_record(const json_t *rec, char *err, size_t errcap);

/* Inserts or replaces the record of (bsn, category). */
int store_put_record(db *d, const struct node_keys *k, const json_t *rec, const char *received_in,
		     char *err, size_t errcap);

/* Deletes the record of (bsn, category); *deleted = rows removed. */
int store_delete_record(db *d, const struct node_keys *k, const char *bsn, const char *category,
			int *deleted);

/* What the node holds of a subject, for a lookup answer. A record past its
 * retention date counts as gone from the day after that date, also before
 * the next purge removes it (r19). */
enum store_known {
	STORE_NOT_KNOWN = 0,
	STORE_KNOWN,          /* at least one record that is not shielded */
	STORE_KNOWN_SHIELDED, /* records, every one shielded on the client's request */
};
int store_subject_known(db *d, const uint8_t index[STORE_INDEX_LEN], enum store_known *known);

/* The person's records in the given categories (array of codes), for a
 * disclosure: [{category, content, professional, updated_at}] in the order
 * asked, categories without a record in force (none, or one past its
 * retention date) left out. Runs inside a writer
 * transaction (the connection is locked by the caller). *out: json_decref(). */
int store_read_records_locked(db *d, const uint8_t index[STORE_INDEX_LEN],
			      const json_t *categories, json_t **out);

/* *shielded = 1 when a record of the person in one of categories is
 * shielded (inside a writer transaction). */
int store_shielded_locked(db *d, const uint8_t index[STORE_INDEX_LEN], const json_t *categories,
			  int *shielded);

/* Import in stages: every chunk is validated (line numbers in err) and
 * staged; commit moves all staged rows of import_id into records in one
 * transaction; abort drops them. Nothing reaches records half-way. */
int store_import_stage(db *d, const struct node_keys *k, const char *import_id,
		       const json_t *lines, char *err, size_t errcap);
int store_import_commit(db *d, const char *import_id, long *count);
void store_import_abort(db *d, const char *import_id);
/* Drops staging rows left by an interrupted import (at start-up). */
void store_import_cleanup(db *d);

/* Encrypts / decrypts a BSN with the node's store key. */
int store_seal_bsn(const struct node_keys *k, const char *bsn, uint8_t *out, size_t *outlen);
int store_open_bsn(const struct node_keys *k, const uint8_t *in, size_t inlen, char out[16]);

#endif
