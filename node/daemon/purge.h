/*
 * purge.h — removing records: past their retention date, or deleted; each
 * removal logged in the ledger without content.
 */
#ifndef WN_NODE_PURGE_H
#define WN_NODE_PURGE_H

#include <stdint.h>

#include <jansson.h>

#include "db.h"
#include "store.h"

struct node;

/* Removes the records whose retention date lies before today. */
int purge_expired(struct node *n, long *purged);

/* Deletes the person's records (in categories, or all when NULL) in a
 * transaction of its own; see purge_delete_locked. */
int purge_delete(struct node *n, const uint8_t index[STORE_INDEX_LEN], const json_t *categories,
		 const char *reason, const char *ref, long *deleted);

/* Deletes the person's records (in categories, or all when NULL), each
 * with a ledger entry naming reason and ref (a rights request, or NULL),
 * inside the caller's writer transaction (d locked), so that the removal
 * and what decided it are committed together or not at all. */
int purge_delete_locked(db *d, struct node *n, const uint8_t index[STORE_INDEX_LEN],
			const json_t *categories, const char *reason, const char *ref,
			long *deleted);

/* Local API: records.purge. */
json_t *local_purge(struct node *n, json_t *rq);

/* What a retention run removed, by the kind an operator asks about. */
struct retention_counts {
	long consents;   /* consents and refusals */
	long notices;    /* client notices, their notifications and outbox messages */
	long rights;     /* rights requests, the partners' and the client's own */
	long other;      /* duty assertions, third-party decisions, case-informed records */
	long pseudonyms; /* log rows and ledger entries that lost the person's pseudonym */
};

/* Purges the client-duty records that ended more than days ago and the
 * person's pseudonym from log entries as old (retention.c); *counts says
 * how many of each (zero on an error). A case this node takes part in
 * keeps all. */
int retention_purge(struct node *n, int days, struct retention_counts *counts);

/* The federation's retention_days, or the default of a year. */
int retention_days(struct node *n);

#endif
