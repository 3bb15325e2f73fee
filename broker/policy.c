/*
 * policy.c — the versioned federation policy in the broker's database.
 */
#include <stdio.h>
#include <string.h>

#include "wijknet.h"
#include "context.h"
#include "dataset.h"
#include "envelope.h"
#include "ids.h"
#include "log.h"
#include "policy.h"
#include "schema.h"
#include "vocab.h"

static const struct schema_field policy_fields[] = {
	{ "approval_rule", SCHEMA_STRING, 1, 32 },
	{ "notice_months", SCHEMA_INT, 1, 24 },
	{ "max_consent_days", SCHEMA_INT, 1, 3650 },
	{ "max_partners", SCHEMA_INT, 1, ENVELOPE_MAX_TO },
	{ "case_retention_days", SCHEMA_INT, 0, 36500 },
	{ "notice_days", SCHEMA_INT, 0, 365 },
	{ "retention_days", SCHEMA_INT, 0, 36500 },
	{ "clusters", SCHEMA_OBJECT, 0, 0 },
	{ "data_sets", SCHEMA_OBJECT, 0, 0 },
	{ "version", SCHEMA_INT, 0, 1000000 },
	{ NULL, 0, 0, 0 },
};

int policy_validate(const json_t *doc, char *err, size_t errcap)
{
	if (!json_is_object(doc)) {
		snprintf(err, errcap, "a policy is a JSON object");
		return WN_ESCHEMA;
	}
	int rc = schema_check(doc, policy_fields, err, errcap);
	if (rc != 0)
		return rc;
	const char *rule = json_string_value(json_object_get(doc, "approval_rule"));
	if (strcmp(rule, POLICY_RULE_UNANIMOUS) != 0 && strcmp(rule, POLICY_RULE_MAJORITY) != 0) {
		snprintf(err, errcap, "approval_rule: expected %s or %s", POLICY_RULE_UNANIMOUS,
			 POLICY_RULE_MAJORITY);
		return WN_ESCHEMA;
	}
	static const char *const ints[] = { "notice_months", "max_consent_days", "max_partners" };
	for (size_t i = 0; i < 3; i++) {
		json_int_t v = json_integer_value(json_object_get(doc, ints[i]));
		if (v < 1) {
			snprintf(err, errcap, "%s: at least 1", ints[i]);
			return WN_ESCHEMA;
		}
	}
	static const char *const days_keys[] = { "case_retention_days", "notice_days",
						 "retention_days" };
	for (size_t i = 0; i < 3; i++) {
		json_t *days = json_object_get(doc, days_keys[i]);
		if (days != NULL && json_integer_value(days) < 1) {
			snprintf(err, errcap, "%s: at least 1", days_keys[i]);
			return WN_ESCHEMA;
		}
	}
	if ((rc = dataset_validate(json_object_get(doc, "data_sets"), err, errcap)) != 0)
		return rc;
	/* clusters: {"partner-id": ["jeugd", ...]}: who takes part in which cluster */
	const char *id;
	json_t *list;
	json_object_foreach(json_object_get(doc, "clusters"), id, list) {
		size_t i;
		json_t *c;
		if (schema_valid_partner_id(id) != 0 || !json_is_array(list) ||
		    json_array_size(list) > 3) {
			snprintf(err, errcap, "clusters: '%.64s' needs a list of cluster codes", id);
			return WN_ESCHEMA;
		}
		json_array_foreach(list, i, c) {
			if (!vocab_cluster(json_string_value(c))) {
				snprintf(err, errcap, "clusters of '%.64s': item %zu is not one of jeugd,"
					 " volwassenen, multiprobleem", id, i + 1);
				return WN_ECLUSTER;
			}
		}
	}
	return 0;
}

int policy_decide(const char *rule, const struct policy_tally *t)
{
	if (strcmp(rule, POLICY_RULE_MAJORITY) == 0) {
		/* without a municipality to agree it can never be approved */
		if (t->municipality_voters == 0 || t->municipality_rejections > 0 ||
		    2 * (t->voters - t->rejections) <= t->voters)
			return -1;
		/* with two municipalities, each agrees: neither is outvoted for its
		 * residents, and the outcome does not hang on which voted first */
		return t->municipality_approvals == t->municipality_voters &&
		       2 * t->approvals > t->voters ? 1 : 0;
	}
	if (t->rejections > 0)
		return -1;
	return t->voters > 0 && t->approvals >= t->voters ? 1 : 0;
}

/* Makes doc (validated, with its version) the policy b works by. */
static void policy_apply(struct broker *b, json_t *doc)
{
	pthread_mutex_lock(&b->policy_lock);
	json_t *old = b->policy;
	b->policy = doc;
	snprintf(b->approval_rule, sizeof(b->approval_rule), "%s",
		 json_string_value(json_object_get(doc, "approval_rule")));
	b->notice_months = (int)json_integer_value(json_object_get(doc, "notice_months"));
	b->max_consent_days = (int)json_integer_value(json_object_get(doc, "max_consent_days"));
	b->max_partners = (int)json_integer_value(json_object_get(doc, "max_partners"));
	b->policy_version = (int)json_integer_value(json_object_get(doc, "version"));
	json_t *days = json_object_get(doc, "case_retention_days");
	b->case_retention_days = days ? (int)json_integer_value(days) : POLICY_CASE_RETENTION_DAYS;
	pthread_mutex_unlock(&b->policy_lock);
	json_decref(old);
}

json_t *policy_current(struct broker *b)
{
	pthread_mutex_lock(&b->policy_lock);
	json_t *p = json_deep_copy(b->policy);
	pthread_mutex_unlock(&b->policy_lock);
	return p;
}

struct policy_row {
	json_int_t version;
	char *text;
	const char *proposal;
	const json_t *clusters; /* partner id → cluster flags, written with it */
};

static int policy_insert(db *d, void *arg)
{
	const struct policy_row *r = arg;
	sqlite3_stmt *st = NULL;
	int rc = db_prepare(d, "INSERT INTO policy(version, document, adopted_at, proposal)"
			       " VALUES (?, ?, ?, ?)", &st);
	if (rc == 0) {
		sqlite3_bind_int64(st, 1, r->version);
		sqlite3_bind_text(st, 2, r->text, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 3, time_now_ms());
		sqlite3_bind_text(st, 4, r->proposal, -1, SQLITE_TRANSIENT);
		rc = sqlite3_step(st) == SQLITE_DONE ? 0 : WN_EDB;
	}
	sqlite3_finalize(st);
	const char *id;
	json_t *flags;
	json_object_foreach((json_t *)r->clusters, id, flags) {
		if (rc == 0)
			rc = registry_write_clusters_locked(d, id, (unsigned)json_integer_value(flags));
	}
	return rc;
}

/* The cluster flags of each partner a policy assigns clusters to; NULL when
 * out of memory. */
static json_t *policy_cluster_flags(const json_t *doc)
{
	const char *id;
	json_t *list, *out = json_object();
	json_object_foreach(json_object_get(doc, "clusters"), id, list) {
		unsigned flags = 0;
		size_t i;
		json_t *c;
		json_array_foreach(list, i, c)
			flags |= vocab_cluster(json_string_value(c));
		if (out != NULL && json_object_set_new(out, id, json_integer(flags)) != 0) {
			json_decref(out);
			out = NULL;
		}
	}
	return out;
}

/* Stores doc as version (durable, audited) and applies it; takes doc. */
static int policy_store(struct broker *b, json_t *doc, json_int_t version, const char *proposal,
			char *err, size_t errcap)
{
	json_object_set_new(doc, "version", json_integer(version));
	json_t *clusters = policy_cluster_flags(doc);
	struct policy_row row = { version, json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS),
				  proposal, clusters };
	json_t *entry = json_pack("{s:s,s:I,s:I,s:s?,s:O}", "type", "policy.adopt", "ts",
				  (json_int_t)time_now_ms(), "version", version, "proposal",
				  proposal, "policy", doc);
	int64_t idx;
	char leaf[65];
	int rc = row.text && entry && clusters
			 ? store_audit_with(&b->audit, policy_insert, &row, entry, &idx, leaf)
			 : WN_ENOMEM;
	free(row.text);
	json_decref(entry);
	if (rc != 0) {
		snprintf(err, errcap, "cannot store policy version %lld: %s", (long long)version,
			 wn_strerror(rc));
		json_decref(clusters);
		json_decref(doc);
		return rc;
	}
	/* committed whole: the registry in memory follows */
	const char *id;
	json_t *flags;
	json_object_foreach(clusters, id, flags) {
		struct registry_partner *p = b->reg ? registry_find(b->reg, id) : NULL;
		if (p != NULL)
			registry_take_clusters(b->reg, p, (unsigned)json_integer_value(flags));
	}
	json_decref(clusters);
	policy_apply(b, doc);
	if (b->reg != NULL)
		registry_touch(b->reg);
	log_emit(WN_LOG_INFO, "policy_adopted",
		 json_pack("{s:I,s:s?}", "version", version, "proposal", proposal));
	return 0;
}

/* Sets key of into to v, or removes it when v is null. */
static int policy_overlay(json_t *into, const char *key, json_t *v)
{
	if (json_is_null(v))
		return json_object_del(into, key) == 0 || json_object_get(into, key) == NULL ? 0 : -1;
	return json_object_set(into, key, v);
}

/* The keys a policy may leave out, with the value they then have: a key
 * removed (null) is back at its default, and the policy says so. */
static int policy_fill_defaults(json_t *doc)
{
	static const struct {
		const char *key;
		json_int_t days;
	} defaults[] = {
		{ "case_retention_days", POLICY_CASE_RETENTION_DAYS },
		{ "notice_days", POLICY_NOTICE_DAYS },
		{ "retention_days", POLICY_RETENTION_DAYS },
	};
	for (size_t i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++)
		if (json_object_get(doc, defaults[i].key) == NULL &&
		    json_object_set_new(doc, defaults[i].key, json_integer(defaults[i].days)) != 0)
			return WN_ENOMEM;
	return 0;
}

/* A change that leaves a partner in no cluster: such a partner is never
 * asked and never asks, as a join without a cluster would be (refused
 * there too). Names every such partner; WN_ECLUSTER. */
static int policy_check_clusters_left(const json_t *change, char *err, size_t errcap)
{
	const char *id;
	json_t *list;
	char names[512] = "";
	size_t used = 0;
	json_object_foreach(json_object_get(change, "clusters"), id, list) {
		if (!json_is_array(list) || json_array_size(list) > 0 || used >= sizeof(names))
			continue;
		int n = snprintf(names + used, sizeof(names) - used, "%s'%.64s'", used ? ", " : "",
				 id);
		used += n > 0 ? (size_t)n : 0;
	}
	if (used == 0)
		return 0;
	snprintf(err, errcap, "clusters: %s would take part in no cluster, so never be asked nor "
		 "ask: a partner takes part in at least one of jeugd, volwassenen, multiprobleem "
		 "(one that is to take part in none leaves the federation: notice or an end of "
		 "its membership)", names);
	return WN_ECLUSTER;
}

int policy_merge(struct broker *b, const json_t *change, json_t **out, char *err, size_t errcap)
{
	*out = NULL;
	if (!json_is_object(change) || json_object_size(change) == 0) {
		snprintf(err, errcap, "a policy change is a JSON object naming the keys it changes");
		return WN_ESCHEMA;
	}
	if (json_is_object(json_object_get(change, "clusters")) &&
	    policy_check_clusters_left(change, err, errcap) != 0)
		return WN_ECLUSTER;
	json_t *doc = policy_current(b), *v;
	const char *key;
	int rc = doc ? 0 : WN_ENOMEM;
	json_object_foreach((json_t *)change, key, v) {
		if (rc != 0 || strcmp(key, "version") == 0)
			continue;
		int nested = (strcmp(key, "clusters") == 0 || strcmp(key, "data_sets") == 0) &&
			     json_is_object(v);
		if (strcmp(key, "clusters") == 0 && !nested) {
			/* the registry keeps every partner's clusters: they are named */
			snprintf(err, errcap, "clusters: an object naming, per partner, the clusters "
				 "it takes part in");
			rc = WN_ESCHEMA;
			continue;
		}
		if (!nested) {
			rc = policy_overlay(doc, key, v) == 0 ? 0 : WN_ENOMEM;
			continue;
		}
		json_t *into = json_object_get(doc, key), *sv;
		if (into == NULL && json_object_set_new(doc, key, into = json_object()) != 0)
			rc = WN_ENOMEM;
		const char *sub;
		json_object_foreach(v, sub, sv) {
			/* a partner's clusters are named, never dropped: the registry keeps them */
			if (rc == 0 && json_is_null(sv) && strcmp(key, "clusters") == 0) {
				snprintf(err, errcap, "clusters of '%.64s': name the clusters it takes "
					 "part in (null is for data_sets only)", sub);
				rc = WN_ESCHEMA;
			}
			if (rc == 0 && policy_overlay(into, sub, sv) != 0)
				rc = WN_ENOMEM;
		}
		if (rc == 0 && json_object_size(into) == 0)
			json_object_del(doc, key);
	}
	json_t *in_force = rc == 0 ? policy_current(b) : NULL;
	if (rc == 0 && in_force == NULL)
		rc = WN_ENOMEM;
	json_object_del(doc, "version");
	json_object_del(in_force, "version");
	if (rc == 0)
		rc = policy_fill_defaults(doc) == 0 && policy_fill_defaults(in_force) == 0
			     ? 0 : WN_ENOMEM;
	if (rc == 0)
		rc = policy_validate(doc, err, errcap);
	if (rc == 0 && json_equal(doc, in_force)) {
		snprintf(err, errcap, "the change leaves the policy in force as it is");
		rc = WN_EINVAL;
	}
	json_decref(in_force);
	if (rc != 0) {
		json_decref(doc);
		return rc;
	}
	*out = doc;
	return 0;
}

/* The names of the cluster flags, in the covenant's order. */
static json_t *policy_cluster_names(unsigned flags)
{
	json_t *names = json_array();
	for (size_t i = 0; names != NULL && vocab_clusters[i] != NULL; i++)
		if ((flags & vocab_cluster(vocab_clusters[i])) != 0)
			json_array_append_new(names, json_string(vocab_clusters[i]));
	return names;
}

/* A partner's clusters live in the registry: each one the change names is
 * compared with what the partner has now ("clusters.ID": {from, to}). */
static void policy_changes_clusters(struct broker *b, const json_t *doc, json_t *out)
{
	const char *id;
	json_t *list;
	json_object_foreach(json_object_get(doc, "clusters"), id, list) {
		struct registry_partner *p = b->reg ? registry_find(b->reg, id) : NULL;
		unsigned to = 0, from = p ? atomic_load(&p->clusters) : 0;
		size_t i;
		json_t *c;
		char key[96];
		json_array_foreach(list, i, c)
			to |= vocab_cluster(json_string_value(c));
		if (from == to)
			continue;
		snprintf(key, sizeof(key), "clusters.%.64s", id);
		json_object_set_new(out, key, json_pack("{s:o,s:o}", "from",
							policy_cluster_names(from), "to",
							policy_cluster_names(to)));
	}
}

json_t *policy_changes(struct broker *b, const json_t *proposed)
{
	json_t *now = policy_current(b), *out = json_object(), *v;
	/* a proposal stored before the defaults were written out has them too */
	json_t *doc = json_deep_copy(proposed);
	const char *key;
	if (now == NULL || out == NULL || doc == NULL || policy_fill_defaults(now) != 0 ||
	    policy_fill_defaults(doc) != 0) {
		json_decref(now);
		json_decref(out);
		json_decref(doc);
		return NULL;
	}
	json_object_del(now, "version");
	/* the keys of both sides, each once */
	json_t *keys = json_deep_copy(now);
	json_object_update(keys, (json_t *)doc);
	json_object_foreach(keys, key, v) {
		json_t *from = json_object_get(now, key), *to = json_object_get(doc, key);
		if (strcmp(key, "version") == 0 || json_equal(from, to))
			continue;
		if (strcmp(key, "clusters") == 0) {
			policy_changes_clusters(b, doc, out);
			continue;
		}
		json_t *c = json_object();
		if (from != NULL)
			json_object_set(c, "from", from);
		if (to != NULL)
			json_object_set(c, "to", to);
		json_object_set_new(out, key, c);
	}
	json_decref(keys);
	json_decref(now);
	json_decref(doc);
	return out;
}

int policy_check_partners(struct broker *b, const json_t *doc, char *err, size_t errcap)
{
	const char *id;
	json_t *list;
	json_object_foreach(json_object_get(doc, "clusters"), id, list) {
		if (registry_find(b->reg, id) == NULL) {
			snprintf(err, errcap, "clusters: '%.64s' is not a partner of the federation",
				 id);
			return WN_EUNKNOWN_PARTNER;
		}
	}
	return 0;
}

int policy_adopt(struct broker *b, const json_t *doc, const char *proposal, char *err,
		 size_t errcap)
{
	int rc = policy_validate(doc, err, errcap);
	if (rc != 0)
		return rc;
	/* every partner it names is checked first; then its clusters are
	 * written in the transaction that stores it: whole or not at all */
	if ((rc = policy_check_partners(b, doc, err, errcap)) != 0)
		return rc;
	json_t *copy = json_deep_copy(doc);
	if (copy == NULL)
		return WN_ENOMEM;
	return policy_store(b, copy, b->policy_version + 1, proposal, err, errcap);
}

/* The newest stored version, or NULL. */
static json_t *policy_read(db *d)
{
	sqlite3_stmt *st = NULL;
	json_t *doc = NULL;
	db_lock(d);
	if (db_prepare(d, "SELECT document FROM policy ORDER BY version DESC LIMIT 1", &st) == 0 &&
	    sqlite3_step(st) == SQLITE_ROW)
		doc = json_loads((const char *)sqlite3_column_text(st, 0), 0, NULL);
	sqlite3_finalize(st);
	db_unlock(d);
	return doc;
}

/* Version 1 of the policy, from the config's keys; without approval_rule,
 * the rule of the covenant the federation runs under (Heerlen 15.3, 17.2:
 * all partners; Groningen 11.4: the municipality and a majority). */
static json_t *policy_seed_of(config *cfg)
{
	json_t *root = config_root(cfg);
	const char *covenant = config_str(root, "covenant", "");
	const char *rule = strcmp(covenant, "groningen") == 0 ? POLICY_RULE_MAJORITY
							     : POLICY_RULE_UNANIMOUS;
	return json_pack("{s:I,s:I,s:I,s:s,s:I,s:I,s:I}", "notice_days",
				 (json_int_t)config_int(root, "notice_days", POLICY_NOTICE_DAYS),
				 "retention_days",
				 (json_int_t)config_int(root, "retention_days", POLICY_RETENTION_DAYS),
				 "case_retention_days",
				 (json_int_t)config_int(root, "case_retention_days",
							POLICY_CASE_RETENTION_DAYS), "approval_rule",
				 config_str(root, "approval_rule", rule), "notice_months",
				 (json_int_t)config_int(root, "notice_months", 2), "max_consent_days",
				 (json_int_t)config_int(root, "max_consent_days", 365), "max_partners",
				 (json_int_t)config_int(root, "max_partners", ENVELOPE_MAX_TO));
}

int policy_check_config(config *cfg, char *err, size_t errcap)
{
	json_t *seed = policy_seed_of(cfg);
	int rc = seed ? policy_validate(seed, err, errcap) : WN_ENOMEM;
	json_decref(seed);
	if (rc != 0 && rc != WN_ENOMEM) {
		char why[256];
		snprintf(why, sizeof(why), "%s", err);
		snprintf(err, errcap, "%s: federation policy: %s", config_file(cfg), why);
		rc = WN_ECONFIG;
	}
	return rc;
}

int policy_load(struct broker *b, char *err, size_t errcap)
{
	json_t *seed = policy_seed_of(b->cfg);
	json_t *stored = policy_read(b->db);
	int rc;
	if (seed == NULL) {
		rc = WN_ENOMEM;
	} else if (stored != NULL) {
		policy_apply(b, stored);
		stored = NULL;
		json_object_set_new(seed, "version", json_integer(b->policy_version));
		if (!json_equal(seed, b->policy))
			log_msg(WN_LOG_WARN, "policy_config_ignored",
				"federation policy version %d is in force; the policy keys of the "
				"config seeded it at first start and are not read again (change "
				"the policy by proposal: wijknet policy propose)", b->policy_version);
		rc = 0;
	} else if ((rc = policy_validate(seed, err, errcap)) != 0) {
		char why[256];
		snprintf(why, sizeof(why), "%s", err);
		snprintf(err, errcap, "%s: federation policy: %s", config_file(b->cfg), why);
		rc = WN_ECONFIG;
	} else {
		rc = policy_store(b, seed, 1, NULL, err, errcap);
		seed = NULL;
	}
	json_decref(seed);
	json_decref(stored);
	return rc;
}
