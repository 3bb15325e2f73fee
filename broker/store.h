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
#include "tlog.h"

/* Opens the broker database at path with its migrations. *out: db_close(). */
int store_open(const char *path, db **out, char *err, size_t errcap);

/* The audit log: the group-commit writer of the broker's database and the
 * Merkle log in its table audit_log. */
struct audit {
	db_writer *w;
	tlog *log;
};

/* Appends one metadata entry (canonical JSON); returns its index and leaf
 * hash SHA-256(0x00 || entry) in hex. Durable (group commit) when it
 * returns 0. */
int store_audit_append(struct audit *au, const json_t *entry, int64_t *index,
		       char leaf_hex[65]);

/* Runs the state change fn (may be NULL) and appends entry in the same
 * durable transaction: both happen or neither does. fn's error is returned
 * as is (its err text is the caller's business). */
int store_audit_with(struct audit *au, db_write_fn fn, void *arg, const json_t *entry,
		     int64_t *index, char leaf_hex[65]);

/* Appends entry after the caller has moved on: committed in the next
 * batch, never lost on a clean stop, a failure logged. For the records that
 * follow an answer (a lookup's delivery). 0 or WN_ENOMEM. */
int store_audit_post(struct audit *au, const json_t *entry);

/* ---- cases (store_case.c) ------------------------------------------- */

#define STORE_ID_LEN 32

struct store_case {
	char id[STORE_ID_LEN + 1];
	char cluster[32];
	char director[64];
	char status[8];           /* open, closed */
	int64_t opened_at;
	char retention[11];       /* YYYY-MM-DD */
	char regisseur_id[65], regisseur_role[65]; /* the director's role-holder, or "" */
	char basis[16];           /* consent, urgent; "" for a case opened before households */
};

/* Reads a case: 0, WN_ENOTFOUND or WN_EDB. */
int store_case_get(db *d, const char *id, struct store_case *out);

/* *member = 1 when partner currently takes part in the case. */
int store_case_is_member(db *d, const char *case_id, const char *partner, int *member);

/* The same two inside a writer transaction (connection already locked). */
int store_case_get_locked(db *d, const char *id, struct store_case *out);
int store_case_is_member_locked(db *d, const char *case_id, const char *partner, int *member);

/* The commitments of the household members the case is about now, as a
 * JSON array (inside a writer transaction). *out: json_decref(). */
int store_case_people_locked(db *d, const char *case_id, json_t **out);

/* The signed envelope that sealed the case key to partner, parsed:
 * WN_ENOTFOUND when there is none. *out: json_decref(). */
int store_case_key_locked(db *d, const char *case_id, const char *partner, json_t **out);
int store_case_key(db *d, const char *case_id, const char *partner, json_t **out);

/* The cases partner currently takes part in, newest first, at most limit:
 * [{id, cluster, director, regisseur, basis, status, opened_at, retention,
 * members: [...], people: [...]}]. *out: json_decref(). */
int store_case_list(db *d, const char *partner, int limit, json_t **out);

/* One case as JSON, members and people included. *out: json_decref(). */
int store_case_json(db *d, const char *id, json_t **out);

/* Changes to a case, each written with its audit entry (store_audit_with).
 * The rules are checked inside the transaction, so concurrent changes cannot
 * both pass them; on refusal err says which rule and nothing is written. */
struct store_case_change {
	const char *case_id;
	const char *by;           /* the partner asking */
	const char *partner;      /* join/leave: the partner concerned; director: the new one */
	const struct store_case *open; /* open: the new case */
	const json_t *people;     /* open: the members' commitments */
	const char *basis_detail; /* open: canonical JSON of the precondition */
	const char *person;       /* person add/remove: a commitment */
	const char *reason;       /* person add/remove: birth, moved_in, moved_out, … */
	const char *key_env;      /* open, join: the signed envelope sealing the case key */
	const char *const *key_for; /* open: the partners it seals the key to (NULL-ended) */
	const char *regisseur_id, *regisseur_role; /* open, director: the role-holder */
	int retention_days;       /* close: kept this long after closing, at least */
	const json_t *consents;   /* open, person add: the consent refs it rests on */
	char *err;
	size_t errcap;
};
int store_case_open(db *d, void *change);

/* An ended member's part in every open case ends with its membership
 * (Heerlen 14.2): it leaves each case, its case keys go, and a case it
 * directed passes to the remaining member rank() puts highest (above 0),
 * or is closed when none is left to direct it; each with a
 * "case.member_ended" audit entry (arg: struct store_case_release). */
struct store_case_release {
	tlog *log;
	const char *partner;
	int (*rank)(const char *partner, void *arg); /* 0: cannot direct */
	void *rank_arg;
	int retention_days; /* a case closed is kept this long, at least */
	long released;      /* cases it left */
	int more;           /* 1 when cases are left for the next call */
};
int store_case_release(db *d, void *arg);

/* Removes the cases whose retention date lies before today, with their
 * members, people, keys and third-party proposals (signed confidentiality
 * declarations stay: the duty outlives the case), each with a "case.purge"
 * audit entry (arg: struct store_case_purge). */
struct store_case_purge {
	tlog *log;
	EVP_PKEY *key; /* signs the checkpoint that covers the purge, made with it */
	long purged;
};
int store_case_purge(db *d, void *arg);
int store_case_join(db *d, void *change);
int store_case_leave(db *d, void *change);
int store_case_close(db *d, void *change);
int store_case_person_add(db *d, void *change);
int store_case_person_remove(db *d, void *change);
int store_case_set_director(db *d, void *change);

/* ---- the consent registry (store_consent.c) -------------------------- */

/* No personal data: an opaque id, who registered it, the hash of the
 * document kept at that partner's node, its status and validity. */
struct store_consent {
	char id[STORE_ID_LEN + 1];
	char registered_by[64];
	char version[65];
	char status[16];          /* active, revoked, refused */
	char valid_from[11], valid_until[11];
	int64_t revoked_at;       /* 0 while not revoked */
	char case_id[STORE_ID_LEN + 1]; /* the case it serves; "" until first used */
};

/* 0, WN_ENOTFOUND or WN_EDB; the _locked form inside a writer transaction. */
int store_consent_get(db *d, const char *id, struct store_consent *out);
int store_consent_get_locked(db *d, const char *id, struct store_consent *out);

/* Binds consent id to case_id when it serves no case yet (first use);
 * inside a writer transaction. 0 or WN_EDB. */
int store_consent_bind_case_locked(db *d, const char *id, const char *case_id);

struct store_consent_change {
	const struct store_consent *c; /* register: the new entry; revoke: id + by */
	const char *by;
	char *err;
	size_t errcap;
};
int store_consent_register(db *d, void *change);

/* The consents registrar registered that are active on today, ordered by
 * id: [{id, version}]. *out: json_decref(). */
int store_consent_active(db *d, const char *registrar, const char *today, json_t **out);
/* Marks an active consent or a recorded refusal revoked, by its registrar
 * alone (store_audit_with callback). */
int store_consent_revoke(db *d, void *change);

/* ---- third-party disclosures (store_thirdparty.c) ----------------------- */

struct store_thirdparty {
	char id[STORE_ID_LEN + 1];
	char case_id[STORE_ID_LEN + 1];
	char party[64], source[64], proposed_by[64];
	char purpose[49], ground[49];
	char status[16];          /* proposed, approved, rejected, in_use, used */
	char motivation_hash[65];
	char person[65];          /* the commitment of the person it is approved for */
	char consent_id[33], consent_version[65]; /* ground consent: the client's consent */
	json_t *categories;       /* owned: store_thirdparty_clear() */
	int declared;
};

void store_thirdparty_clear(struct store_thirdparty *t);

/* 0, WN_ENOTFOUND or WN_EDB; out must be cleared by the caller. */
int store_thirdparty_get(db *d, const char *id, struct store_thirdparty *out);

/* The proposals of the cases partner takes part in, or addressed to it as
 * the third party: [{id, case, party, source, categories, purpose, ground,
 * status, declared, votes: {partner: decision}}]. *out: json_decref(). */
int store_thirdparty_list(db *d, const char *partner, json_t **out);

/* One proposal as JSON (the shape of the list). */
int store_thirdparty_json(db *d, const char *id, json_t **out);

/* The proposer's signed envelope of a proposal, parsed. *out: json_decref(). */
int store_thirdparty_proposal(db *d, const char *id, json_t **out);

/* Changes, each inside the writer transaction with its audit entry. */
struct store_thirdparty_change {
	const struct store_thirdparty *t; /* propose: the new proposal */
	const char *id;
	const char *by;                   /* the partner acting */
	const char *decision;             /* approved / rejected */
	const char *declaration;          /* declare: canonical JSON */
	const char *text_version;         /* declare: the Bijlage 6 text it signs */
	const char *proposal;             /* propose: the proposer's signed envelope */
	const json_t *actor;
	const char *request_id;           /* use / release */
	int consumed;                     /* release: 1 = used, 0 = back to approved */
	char *err;
	size_t errcap;
};
/* Settles the open proposals of a case again after a member left it: the
 * votes of those still in it decide. Inside a transaction. 0 or WN_EDB. */
int store_thirdparty_settle_case_locked(db *d, const char *case_id);
int store_thirdparty_propose(db *d, void *change);
int store_thirdparty_declare(db *d, void *change);
int store_thirdparty_vote(db *d, void *change);
/* approved → in_use, at forwarding: one request at a time, once */
int store_thirdparty_take(db *d, void *change);
/* in_use → used (answered) or back to approved */
int store_thirdparty_release(db *d, void *change);

#endif
