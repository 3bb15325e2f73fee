/*
 * store.h — the broker's SQLite state behind a narrow interface: schema
 * migrations and the append-only metadata audit log. The audit log holds
 * ids, partner ids, codes, sizes and times — never a BSN or dossier content.
 */
#ifndef WN_BROKER_STORE_H
#define WN_BROKER_STORE_H

#include <stdint.h>

#include <jansson.h>

#include "db.h"

/* Opens the broker database at path with its migrations. *out: db_close(). */
int store_open(const char *path, db **out, char *err, size_t errcap);

/* Appends one metadata entry (canonical JSON); returns its index and leaf
 * hash SHA-256(0x00 || entry) in hex. Durable (group commit) when it
 * returns 0. */
int store_audit_append(db_writer *w, const json_t *entry, int64_t *index, char leaf_hex[65]);

#endif
