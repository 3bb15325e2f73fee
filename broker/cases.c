/*
 * cases.c — cases at the broker (Heerlen art. 7.1, Bijlage 2; r07, r26). A
 * partner opens a case in a cluster and is its director unless it names
 * another; the director adds the partners involved, a partner may end its own
 * part, the director closes the case. Data requests are routed only between
 * partners that take part in the same open case. Every change is written
 * together with its audit entry.
 */
#include <stdio.h>
#include <string.h>

#include "wijknet.h"
#include "context.h"
#include "date.h"
#include "envelope.h"
#include "ids.h"
#include "log.h"
#include "schema.h"
#include "store.h"
#include "vocab.h"

#define CASE_LIST_DEFAULT 200
#define CASE_RETENTION_DAYS (2 * 365) /* after opening, unless the opener sets it */

static const struct schema_field case_open_fields[] = {
	{ "cluster", SCHEMA_STRING, 1, 32 },
	{ "director", SCHEMA_STRING, 0, 63 },
	{ "retention", SCHEMA_STRING, 0, 10 },
	{ NULL, 0, 0, 0 },
};

static const struct schema_field case_partner_fields[] = {
	{ "partner", SCHEMA_STRING, 0, 63 },
	{ NULL, 0, 0, 0 },
};

static const struct schema_field case_list_fields[] = {
	{ "limit", SCHEMA_INT, 0, 1000 },
	{ NULL, 0, 0, 0 },
};

/* A partner that may take part in a case of cluster. */
static int cases_check_partner(struct broker *b, const char *id, const char *cluster, char *err,
			       size_t errcap)
{
	struct registry_partner *p = registry_find(b->reg, id);
	if (p == NULL) {
		snprintf(err, errcap, "'%s' is not a partner in the registry", id);
		return WN_EUNKNOWN_PARTNER;
	}
	if (!registry_usable(p)) {
		snprintf(err, errcap, "'%s' is not an active partner", id);
		return WN_EREVOKED;
	}
	if (!registry_member(p)) {
		snprintf(err, errcap, "'%s' is an incidental partner: it receives data only through "
			 "an approved third-party disclosure, not as a case member", id);
		return WN_EDENIED;
	}
	if (!registry_in_cluster(p, cluster)) {
		snprintf(err, errcap, "'%s' does not take part in cluster '%s'", id, cluster);
		return WN_ECLUSTER;
	}
	return 0;
}

/* Writes a change and its audit entry, then replies with the case. */
static int cases_commit(struct broker *b, const struct broker_request *rq, db_write_fn fn,
			struct store_case_change *ch, json_t *entry, json_t **reply, char *err,
			size_t errcap)
{
	int64_t index = 0;
	char leaf[65];
	json_t *c = NULL;
	json_object_set_new(entry, "by", json_string(rq->from->id));
	json_object_set(entry, "actor", json_object_get(rq->env, "actor"));
	json_object_set_new(entry, "id", json_string(envelope_str(rq->env, "id")));
	json_object_set_new(entry, "case", json_string(ch->case_id));
	json_object_set_new(entry, "ts", json_integer((json_int_t)envelope_ts(rq->env)));
	ch->err = err;
	ch->errcap = errcap;
	err[0] = '\0';
	int rc = store_audit_with(&b->audit, fn, ch, entry, &index, leaf);
	json_decref(entry);
	if (rc != 0)
		return rc;
	log_emit(WN_LOG_INFO, "case_changed",
		 json_pack("{s:s,s:s,s:s}", "type", envelope_str(rq->env, "type"), "case",
			   ch->case_id, "by", rq->from->id));
	if ((rc = store_case_json(b->db, ch->case_id, &c)) != 0)
		return rc;
	return broker_reply(b, rq, "ok", json_pack("{s:o,s:I}", "case", c, "audit_index",
						   (json_int_t)index), reply);
}

static int cases_open(struct broker *b, const struct broker_request *rq, json_t **reply,
		      char *err, size_t errcap)
{
	json_t *body = envelope_body(rq->env);
	struct store_case c;
	memset(&c, 0, sizeof(c));
	const char *cluster = json_string_value(json_object_get(body, "cluster"));
	const char *director = json_string_value(json_object_get(body, "director"));
	const char *retention = json_string_value(json_object_get(body, "retention"));
	if (!vocab_cluster(cluster)) {
		snprintf(err, errcap, "cluster '%s' is not one of jeugd, volwassenen, multiprobleem",
			 cluster);
		return WN_ECLUSTER;
	}
	int rc = cases_check_partner(b, rq->from->id, cluster, err, errcap);
	if (rc == 0 && director != NULL)
		rc = cases_check_partner(b, director, cluster, err, errcap);
	if (rc != 0)
		return rc;
	if (retention != NULL && !date_valid(retention)) {
		snprintf(err, errcap, "field 'retention': expected a date YYYY-MM-DD");
		return WN_ESCHEMA;
	}
	char today[DATE_LEN + 1];
	date_today_plus(0, today);
	if (retention != NULL && strcmp(retention, today) <= 0) {
		/* a case kept until a past date would be purged as soon as it is opened */
		snprintf(err, errcap, "field 'retention': %s is not after today", retention);
		return WN_EINVAL;
	}
	if ((rc = id_generate(c.id)) != 0)
		return rc;
	snprintf(c.cluster, sizeof(c.cluster), "%s", cluster);
	snprintf(c.director, sizeof(c.director), "%s", director ? director : rq->from->id);
	snprintf(c.status, sizeof(c.status), "open");
	c.opened_at = time_now_ms();
	if (retention != NULL)
		snprintf(c.retention, sizeof(c.retention), "%s", retention);
	else
		date_today_plus(CASE_RETENTION_DAYS, c.retention);
	struct store_case_change ch = { .case_id = c.id, .by = rq->from->id, .open = &c };
	json_t *entry = json_pack("{s:s,s:s,s:s}", "type", "case.open", "cluster", c.cluster,
				  "director", c.director);
	return cases_commit(b, rq, store_case_open, &ch, entry, reply, err, errcap);
}

/* join, leave and close: the header names the case. */
static int cases_change(struct broker *b, const struct broker_request *rq, const char *type,
			json_t **reply, char *err, size_t errcap)
{
	const char *case_id = envelope_str(rq->env, "case");
	const char *partner = json_string_value(json_object_get(envelope_body(rq->env), "partner"));
	struct store_case c;
	if (case_id == NULL) {
		snprintf(err, errcap, "missing field 'case': the case to change");
		return WN_ESCHEMA;
	}
	int rc = store_case_get(b->db, case_id, &c);
	if (rc == WN_ENOTFOUND)
		snprintf(err, errcap, "there is no case '%s'", case_id);
	if (rc != 0)
		return rc;
	struct store_case_change ch = { .case_id = case_id, .by = rq->from->id,
					.partner = partner ? partner : rq->from->id };
	db_write_fn fn;
	if (strcmp(type, "case.join") == 0) {
		if (partner == NULL) {
			snprintf(err, errcap, "missing field 'partner': who joins the case");
			return WN_ESCHEMA;
		}
		/* the registry is in memory: checked before the write */
		if ((rc = cases_check_partner(b, partner, c.cluster, err, errcap)) != 0)
			return rc;
		fn = store_case_join;
	} else if (strcmp(type, "case.leave") == 0) {
		fn = store_case_leave;
	} else {
		fn = store_case_close;
		ch.partner = NULL;
	}
	json_t *entry = json_pack("{s:s}", "type", type);
	if (ch.partner != NULL)
		json_object_set_new(entry, "partner", json_string(ch.partner));
	return cases_commit(b, rq, fn, &ch, entry, reply, err, errcap);
}

int broker_handle_case(struct broker *b, const struct broker_request *rq, json_t **reply,
		       char *err, size_t errcap)
{
	const char *type = envelope_str(rq->env, "type");
	json_t *body = envelope_body(rq->env);
	const struct schema_field *fields = strcmp(type, "case.open") == 0   ? case_open_fields
					    : strcmp(type, "case.list") == 0 ? case_list_fields
									     : case_partner_fields;
	char detail[256];
	if (body != NULL && schema_check(body, fields, detail, sizeof(detail)) != 0) {
		snprintf(err, errcap, "body of '%s': %s", type, detail);
		return WN_ESCHEMA;
	}
	if (strcmp(type, "case.list") == 0) {
		json_t *list = NULL;
		json_t *limit = json_object_get(body, "limit");
		int rc = store_case_list(b->db, rq->from->id,
					 limit ? (int)json_integer_value(limit) : CASE_LIST_DEFAULT,
					 &list);
		if (rc != 0)
			return rc;
		return broker_reply(b, rq, "ok", json_pack("{s:o}", "cases", list), reply);
	}
	/* access is personal (r16): every change names the professional */
	if (json_object_get(rq->env, "actor") == NULL) {
		snprintf(err, errcap, "missing field 'actor': every change to a case names the "
			 "professional");
		return WN_ESCHEMA;
	}
	if (strcmp(type, "case.open") == 0) {
		if (body == NULL) {
			snprintf(err, errcap, "missing body: case.open needs a cluster");
			return WN_ESCHEMA;
		}
		return cases_open(b, rq, reply, err, errcap);
	}
	if (strcmp(type, "case.join") == 0 || strcmp(type, "case.leave") == 0 ||
	    strcmp(type, "case.close") == 0)
		return cases_change(b, rq, type, reply, err, errcap);
	snprintf(err, errcap, "unknown case operation '%s'", type);
	return WN_EPROTO;
}
