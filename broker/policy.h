/*
 * policy.h — the federation policy (Heerlen 17.2, Groningen 11.4): one
 * versioned document — the approval rule, the notice period, the longest a
 * consent is valid, the most partners one message may address — seeded from
 * the broker config at first start and afterwards changed only by a
 * proposal the members approve: also the clusters each partner takes part in
 * and the default retention of a case. Every receipt names the version in
 * force.
 */
#ifndef WN_BROKER_POLICY_H
#define WN_BROKER_POLICY_H

#include <jansson.h>

#include "config.h"

struct broker;

#define POLICY_RULE_UNANIMOUS "unanimous"                    /* Heerlen 15.3, 17.2 */
#define POLICY_RULE_MAJORITY "municipality_and_majority"     /* Groningen 11.4 */
#define POLICY_CASE_RETENTION_DAYS (2 * 365) /* a case's default retention after opening */
#define POLICY_NOTICE_DAYS 7        /* a notice to the client is overdue after ("directly", H 7.2) */
#define POLICY_RETENTION_DAYS 365   /* consents, refusals, notices, rights kept after they end */

/* The votes on a proposal among the members who may vote on it. */
struct policy_tally {
	int voters, approvals, rejections;
	int municipality_voters, municipality_approvals, municipality_rejections;
};

/* The decision the votes make under rule: 1 approved, -1 rejected, 0 not
 * yet. unanimous: every voter approves, one rejection rejects.
 * municipality_and_majority: every municipality that votes (one, or each
 * of several) and more than half of the voters approve; rejected once a
 * municipality rejects, none can vote, or a majority can no longer be
 * reached. */
int policy_decide(const char *rule, const struct policy_tally *t);

/* Checks a proposed policy's fields and ranges (version not included). */
int policy_validate(const json_t *doc, char *err, size_t errcap);

/* The policy a proposal would make: the one in force with the keys change
 * names replaced; in "clusters" and "data_sets" per partner and per cluster;
 * a key set to null goes (its default applies). Keys change leaves out keep
 * their value, so a proposal cannot reset one by omission. Checked whole;
 * WN_EINVAL when it changes nothing, WN_ECLUSTER (naming each) when it
 * leaves a partner in no cluster. *out: json_decref(). */
int policy_merge(struct broker *b, const json_t *change, json_t **out, char *err, size_t errcap);

/* What doc changes against the policy in force: {key: {from?, to?}} for each
 * top-level key whose value differs (a key absent on one side has no from or
 * to there); the version aside. NULL when out of memory. */
json_t *policy_changes(struct broker *b, const json_t *doc);

/* Whether every partner the policy's clusters name is in the registry:
 * 0 or WN_EUNKNOWN_PARTNER with err saying which. */
int policy_check_partners(struct broker *b, const json_t *doc, char *err, size_t errcap);

/* Checks the policy keys of the broker config as a first start seeds
 * version 1 from them, writing nothing: 0, or WN_ECONFIG with err. */
int policy_check_config(config *cfg, char *err, size_t errcap);

/* Loads the policy in force from the database, or seeds version 1 from the
 * config at first start; applies it to b. */
int policy_load(struct broker *b, char *err, size_t errcap);

/* Adopts doc as the next version (durable, audited) and applies it. */
int policy_adopt(struct broker *b, const json_t *doc, const char *proposal, char *err,
		 size_t errcap);

/* The policy in force with its version; *out: json_decref(). */
json_t *policy_current(struct broker *b);

#endif
