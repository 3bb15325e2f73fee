/*
 * tlog.h — tamper-evident, append-only logs in SQLite (r20): the broker's
 * audit log and every node's ledger. An entry is canonical JSON; its leaf is
 * SHA-256(0x00 ‖ entry) and the log is the RFC 9162 Merkle tree over the
 * leaves, whose perfect subtrees are stored as they complete, so an append
 * costs O(1) amortised and a proof O(log n) reads. The log's owner signs
 * checkpoints {origin, size, root, ts}; partners co-sign the broker's after
 * checking that each extends the one they saw before.
 *
 * Tables, for a log called NAME:
 *   NAME (idx INTEGER PRIMARY KEY — 1, 2, … without gaps —, ts, type, msg_id,
 *         entry, leaf)
 *   NAME_tree (level, idx, hash): the perfect subtrees
 *   NAME_checkpoints (size, root, ts, origin, sig)
 */
#ifndef WN_TLOG_H
#define WN_TLOG_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <sqlite3.h>

#include "db.h"
#include "merkle.h"

#define TLOG_TREE_SCHEMA(name)                                                       \
	"CREATE TABLE " name "_tree (level INTEGER NOT NULL, idx INTEGER NOT NULL,"  \
	" hash BLOB NOT NULL, PRIMARY KEY (level, idx)) WITHOUT ROWID;"              \
	"CREATE TABLE " name "_checkpoints (size INTEGER PRIMARY KEY,"               \
	" root TEXT NOT NULL, ts INTEGER NOT NULL, origin TEXT NOT NULL,"            \
	" sig TEXT NOT NULL);"

typedef struct tlog tlog;

/* Opens the log in table name of d, signed as origin (e.g.
 * "wijknet:broker:audit_log"). Builds the tree when entries lack it (a
 * database from before the tree, or after a crash). *out: tlog_close(). */
int tlog_open(db *d, const char *name, const char *origin, tlog **out);
void tlog_close(tlog *t);

/* Appends one entry (canonical JSON) inside the caller's writer
 * transaction (d is locked). *index is its 1-based place, leaf its hash. */
int tlog_append_locked(tlog *t, const char *type, const char *msg_id, const char *entry,
		       size_t len, int64_t *index, uint8_t leaf[MERKLE_HASH_LEN]);

/* Purging (G-P 9): replaces entry index's content by kept (what may stay
 * after its retention date) and marks it purged, inside the caller's writer
 * transaction; kept_hex gets SHA-256 of the kept text. Its leaf stays, so
 * the tree and every checkpoint still verify. The caller then appends a
 * purge entry ({"type": "log.purge" or "case.purge", "entries": [{"idx",
 * "kept"}]}): tlog_verify counts a purged entry as purged only when a later
 * purge entry names it with what it holds, else as altered. The table needs
 * the column purged_at INTEGER (TLOG_PURGE_SCHEMA). */
#define TLOG_PURGE_SCHEMA(name) "ALTER TABLE " name " ADD COLUMN purged_at INTEGER;"
int tlog_purge_locked(tlog *t, int64_t index, const json_t *kept, char kept_hex[65]);

/* Number of entries (locks d). */
int tlog_size(tlog *t, uint64_t *size);

/* tlog_size inside a writer transaction (d locked): the next entry's index
 * is *size + 1. */
int tlog_size_locked(tlog *t, uint64_t *size);

/* Makes and stores a signed checkpoint of the current size, unless one of
 * that size exists. Runs as a writer function (d locked): arg is a struct
 * tlog_checkpoint_job. */
struct tlog_checkpoint_job {
	tlog *t;
	EVP_PKEY *key;
	json_t *made;   /* out: the checkpoint made (json_decref), or NULL */
};
int tlog_checkpoint_locked(db *d, void *job);

/* The latest stored checkpoint, or *out = NULL when there is none. */
int tlog_latest(tlog *t, json_t **out);

/* Checks a checkpoint's signature with cert: 0 or WN_ESIG. */
int tlog_checkpoint_verify(const json_t *cp, X509 *cert);

/* Signs a checkpoint made by another party as a witness (co-signature). */
int tlog_cosign(const json_t *cp, EVP_PKEY *key, char **sig_b64);
int tlog_cosign_verify(const json_t *cp, const char *sig_b64, X509 *cert);

/* Root of the first size entries (hex, 65 bytes). */
int tlog_root_hex(tlog *t, uint64_t size, char root[65]);

/* Consistency proof between sizes, as an array of hex hashes. */
int tlog_consistency(tlog *t, uint64_t old_size, uint64_t new_size, json_t **proof);

/* Checks a consistency proof (hex hashes) between two checkpoints. */
int tlog_consistency_verify(const json_t *old_cp, const json_t *new_cp, const json_t *proof);

/* ---- offline, on a database file ------------------------------------ */

/* Progress of a long verification: entries done of total. */
typedef void (*tlog_progress_fn)(void *arg, uint64_t done, uint64_t total);

/* Recomputes the whole log in table name of a database (conn, opened read
 * only by the caller): every leaf
 * from its entry, no gaps, the stored subtrees, and every checkpoint (root
 * at its size, signature with cert when not NULL). *report: {ok, entries,
 * checkpoints, error?: {index, kind, message}} naming the first fault
 * (entry altered, entry missing, log truncated, history rewritten, bad
 * signature, tree altered). witnesses (may be NULL) are roots others saw
 * and signed: [{size, root, by}] — co-signatures, a partner's kept copies;
 * a differing one names a history rewritten even under valid-looking
 * checkpoints. Returns 0 when the report could be made. */
int tlog_verify(sqlite3 *conn, const char *name, X509 *cert, const json_t *witnesses,
		tlog_progress_fn progress, void *arg, json_t **report);

/* Who may have signed a log's checkpoints: a certificate of its owner, and
 * until when (ms; 0: still in use). A key replaced under the same id (it
 * leaked) signed the checkpoints made before it was replaced. */
struct tlog_signer {
	X509 *cert;
	int64_t until_ms;
};

/* As tlog_verify, a checkpoint's signature checked with any of signers in
 * use at its ts (none: signatures not checked). */
int tlog_verify_signers(sqlite3 *conn, const char *name, const struct tlog_signer *signers,
			size_t nsigners, const json_t *witnesses, tlog_progress_fn progress,
			void *arg, json_t **report);

/* Inclusion proof of entry index (1-based) in the first size entries (0:
 * the latest checkpoint's size, else all): {log, index, size, entry, leaf,
 * root, proof: [hex…], checkpoint?}. WN_EINVAL when index is outside. */
int tlog_prove(sqlite3 *conn, const char *name, uint64_t index, uint64_t size, json_t **out);

/* Checks a proof made by tlog_prove (and a checkpoint, when it carries
 * one, against cert when not NULL): 0 or WN_ECRYPTO / WN_ESIG, err says
 * what. */
int tlog_check_proof(const json_t *proof, X509 *cert, char *err, size_t errcap);

#endif
