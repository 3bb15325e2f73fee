/*
 * profile.h — the partner's own disclosure profile (r06, r15), set in its
 * node's config and enforced by the node, whatever the broker allowed:
 * whether it answers lookups at all, whether "known" needs a consent that
 * names it (mental-health and addiction care, Heerlen Bijlage 2: "al dan
 * niet bekend … na specifieke toestemming"), and which categories it shares.
 */
#ifndef WN_NODE_PROFILE_H
#define WN_NODE_PROFILE_H

#include <jansson.h>

#include "config.h"
#include "store.h"

enum profile_lookups {
	PROFILE_LOOKUPS_ANSWER = 0,   /* known / not_known */
	PROFILE_LOOKUPS_CONSENT,      /* only with a consent naming this partner */
	PROFILE_LOOKUPS_NEVER,        /* refuses every lookup */
};

/* A lookup about a person all of whose records here are shielded (r18). */
enum profile_shielded {
	PROFILE_SHIELDED_KNOWN = 0,   /* "known": the records exist, none is disclosed */
	PROFILE_SHIELDED_NOT_KNOWN,   /* "not_known": the person is not found here */
	PROFILE_SHIELDED_REFUSED,     /* "refused" with reason "shielded" */
};

struct profile {
	enum profile_lookups lookups;
	enum profile_shielded shielded_lookups;
	json_t *share;                /* categories this partner discloses (array) */
	json_t *grounds;              /* lawful grounds it discloses on (array) */
	json_t *lookup_grounds;       /* lawful grounds it answers lookups on (NULL: all) */
};

/* Reads the "profile" object (may be NULL: answer lookups, share nothing). */
int profile_load(config *cfg, const json_t *obj, struct profile *out, char *err, size_t errcap);
void profile_free(struct profile *p);

/* Whether a lookup on ground may be answered at all, decided before any
 * record is read, so that a refusal reveals nothing: 0 = answer from the
 * records (on consent, once each person's consent is verified); otherwise
 * *reason is the refusal code (ground_not_accepted, consent_required,
 * not_shared). */
int profile_lookup_decision(const struct profile *p, const char *ground, const char **reason);

const char *profile_lookups_name(enum profile_lookups l);

/* The lookup answer for what the store holds of the person: "known" or
 * "not_known", or "refused" with *reason "shielded", as the profile says
 * for a person whose records are all shielded. */
const char *profile_lookup_outcome(const struct profile *p, enum store_known known,
				   const char **reason);

/* Whether the partner's own rules let it disclose categories (array) on
 * ground (r06, r15), whatever the broker allowed: 0, or WN_EDENIED with
 * *reason "not_shared" or "ground_not_accepted" and detail naming what. */
int profile_request_decision(const struct profile *p, const json_t *categories,
			     const char *ground, const char **reason, char *detail,
			     size_t detailcap);

/* The keys of a config's "profile" object. */
struct schema_field;
const struct schema_field *profile_config_fields(void);

#endif
