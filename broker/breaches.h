/*
 * breaches.h — the municipality's breach register (Groningen privacy
 * protocol 11.2; GDPR art. 33-34): security events of the broker and those
 * every node raises, one incident per source, kind, claimed sender, address
 * and day with a count, so a flood cannot bury an incident; the operator's
 * risk assessment and the notifications to the supervisory authority
 * (within 72 hours) and to the data subjects, overdue first.
 */
#ifndef WN_BROKER_BREACHES_H
#define WN_BROKER_BREACHES_H

#include <stdint.h>

#include <jansson.h>

#include "db.h"

#define BREACH_NOTIFY_MS (72LL * 3600 * 1000) /* GDPR art. 33(1) */

/* Takes digest rows (secevent_digest) of source into the register; counts
 * are totals, so a row sent twice is counted once. */
int breaches_ingest(db *d, const char *source, const json_t *rows);

/* The broker's own security events of the last two days into the register. */
void breaches_sync_own(db *d, const char *self);

/* Incidents, overdue first, then unassessed, then the latest; limit > 0.
 * *out: json_decref(). */
int breaches_list(db *d, int limit, json_t **out);

/* One incident; WN_ENOTFOUND. */
int breaches_show(db *d, int64_t id, json_t **out);

/* Records the operator's assessment: risk is none, risk or high (high: the
 * data subjects must be told as well, art. 34). */
int breaches_assess(db *d, int64_t id, const char *risk, const char *text, const char *by);

/* Records a notification: to is authority or subjects; ref is the
 * authority's reference or how the subjects were told. */
int breaches_notify(db *d, int64_t id, const char *to, const char *ref, const char *by);

#endif
