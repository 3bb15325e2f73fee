/*
 * mgmtinfo.c — anonymous management information for the partners (r25,
 * G-P 3.7): `stats.get` for a month gathers every member partner's counts
 * (already suppressed at the partner) and adds the broker's own: queries it
 * routed that did not reach a partner. Small counts are suppressed, totals
 * add up shown counts only, and rows carry vocabulary values alone — no id
 * of a person, a request or a case. The query is audited.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wijknet.h"
#include "context.h"
#include "date.h"
#include "envelope.h"
#include "ids.h"
#include "log.h"
#include "schema.h"
#include "secevent.h"
#include "stats.h"
#include "store.h"

static const struct schema_field stats_get_fields[] = {
	{ "month", SCHEMA_STRING, 1, 7 },
	{ "deadline_ms", SCHEMA_INT, 0, 60000 },
	{ NULL, 0, 0, 0 },
};

/* Queries the broker routed in the month that a partner did not answer:
 * from the audit log, the query entry joined with its delivery entry. */
static int mgmtinfo_undelivered(struct broker *b, int64_t from, int64_t to, json_t *rows)
{
	static const char *const kinds[][2] = {
		{ "lookup", "lookup" }, { "request", "request" },
		{ "rights.request", "rights" }, { "report.access", "report" },
	};
	sqlite3_stmt *st = NULL;
	/* delivery entries are posted after the answer: count the latest too */
	if (db_writer_flush(b->writer) != 0)
		return WN_EDB;
	db_lock(b->db);
	int rc = db_prepare(b->db,
			    "SELECT q.type, COALESCE(json_extract(q.entry, '$.cluster'), ''),"
			    " COALESCE(json_extract(q.entry, '$.ground'), ''), d.key, d.value,"
			    " COUNT(*) FROM audit_log q JOIN audit_log dl ON dl.msg_id = q.msg_id"
			    " AND dl.type = q.type || '.delivery',"
			    " json_each(dl.entry, '$.delivery') d"
			    " WHERE q.ts >= ?1 AND q.ts < ?2 AND q.type IN ('lookup', 'request',"
			    " 'rights.request', 'report.access') AND d.value != 'answered'"
			    " GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5", &st);
	if (rc == 0) {
		sqlite3_bind_int64(st, 1, from);
		sqlite3_bind_int64(st, 2, to);
		int step;
		char detail[200];
		while ((step = sqlite3_step(st)) == SQLITE_ROW &&
		       json_array_size(rows) < STATS_MAX_ROWS) {
			const char *type = (const char *)sqlite3_column_text(st, 0), *kind = NULL;
			for (size_t i = 0; i < 4; i++)
				if (strcmp(type, kinds[i][0]) == 0)
					kind = kinds[i][1];
			json_t *row = stats_row(kind ? kind : "?", (const char *)sqlite3_column_text(st, 1),
						(const char *)sqlite3_column_text(st, 3),
						(const char *)sqlite3_column_text(st, 2),
						(const char *)sqlite3_column_text(st, 4),
						sqlite3_column_int64(st, 5));
			if (row != NULL && stats_row_check(row, detail, sizeof(detail)) == 0)
				json_array_append_new(rows, row);
			else
				json_decref(row);
		}
		if (step != SQLITE_ROW && step != SQLITE_DONE)
			rc = WN_EDB;
	}
	sqlite3_finalize(st);
	db_unlock(b->db);
	return rc;
}

/* Checks a partner's answer and adds its rows; 0, or why it is not used. */
static int mgmtinfo_take(struct broker *b, struct registry_partner *p, const char *query_id,
			 const char *month, const struct rpc_fan_item *item, json_t *rows)
{
	json_t *a = NULL, *row;
	char err[256];
	size_t i;
	int rc = item->rc;
	if (rc == 0)
		rc = envelope_parse(item->resp, item->resplen, &a, err, sizeof(err));
	if (rc != 0)
		return rc;
	const char *re = envelope_str(a, "re");
	json_t *body = envelope_body(a), *list = json_object_get(body, "rows");
	if (strcmp(envelope_str(a, "from"), p->id) != 0 || re == NULL ||
	    strcmp(re, query_id) != 0 || strcmp(envelope_str(a, "type"), "stats.answer") != 0) {
		rc = WN_EPROTO;
	} else if (envelope_verify(a, registry_cert(p)) != 0) {
		secevent_record(b->db, WN_ESIG, p->id, envelope_str(a, "id"),
				"stats answer with an invalid signature");
		rc = WN_ESIG;
	} else if (!json_is_array(list) || json_array_size(list) > STATS_MAX_ROWS ||
		   json_string_value(json_object_get(body, "month")) == NULL ||
		   strcmp(json_string_value(json_object_get(body, "month")), month) != 0) {
		rc = WN_ESCHEMA;
	}
	/* every row is checked before any is used: all of a partner or nothing */
	json_array_foreach(list, i, row) {
		if (rc != 0)
			break;
		const char *partner = json_string_value(json_object_get(row, "partner"));
		if (stats_row_check(row, err, sizeof(err)) != 0 || partner == NULL ||
		    strcmp(partner, p->id) != 0) {
			secevent_record(b->db, WN_ESCHEMA, p->id, envelope_str(a, "id"),
					"stats answer with a row outside the vocabularies");
			rc = WN_ESCHEMA;
		}
	}
	if (rc == 0)
		json_array_extend(rows, list);
	json_decref(a);
	return rc;
}

int broker_handle_stats(struct broker *b, const struct broker_request *rq, json_t **reply,
			char *err, size_t errcap)
{
	json_t *body = envelope_body(rq->env), *rows = json_array(), *missing = json_array();
	char detail[200];
	int64_t from, to;
	size_t n = registry_count(b->reg);
	struct rpc_fan_item *items = calloc(n ? n : 1, sizeof(*items));
	char **wires = calloc(n ? n : 1, sizeof(char *));
	char (*ids)[33] = calloc(n ? n : 1, sizeof(*ids));
	int rc = WN_ENOMEM;
	if (items == NULL || wires == NULL || ids == NULL || rows == NULL || missing == NULL)
		goto out;
	const char *month = json_string_value(json_object_get(body, "month"));
	if (json_object_get(rq->env, "actor") == NULL ||
	    schema_check(body, stats_get_fields, detail, sizeof(detail)) != 0 ||
	    date_month_range(month, &from, &to) != 0) {
		snprintf(err, errcap, "stats.get: an actor and a 'month' YYYY-MM are needed");
		rc = WN_ESCHEMA;
		goto out;
	}
	if (!registry_member(rq->from)) {
		snprintf(err, errcap, "'%s' is an incidental partner: management information is "
			 "for the covenant partners", rq->from->id);
		rc = WN_EDENIED;
		goto out;
	}
	json_t *audit = json_pack("{s:s,s:s,s:s,s:O,s:s,s:I}", "type", "stats.get", "id",
				  envelope_str(rq->env, "id"), "from", rq->from->id, "actor",
				  json_object_get(rq->env, "actor"), "month", month, "ts",
				  (json_int_t)envelope_ts(rq->env));
	int64_t index = 0;
	char leaf[65];
	rc = audit ? store_audit_append(&b->audit, audit, &index, leaf) : WN_ENOMEM;
	json_decref(audit);
	if (rc != 0) {
		snprintf(err, errcap, "audit log write failed; no figures");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		struct registry_partner *p = registry_at(b->reg, i);
		json_t *q = NULL;
		size_t len = 0;
		if (!registry_usable(p) || !registry_member(p))
			continue;
		if (p->client == NULL) {
			json_array_append_new(missing, json_string(p->id));
			continue;
		}
		if (envelope_new1(&q, "stats.month", b->ident->id, p->id) == 0) {
			json_object_set_new(q, "body", json_pack("{s:s}", "month", month));
			if (broker_sign(b, q) == 0 && envelope_encode(q, &wires[i], &len) == 0) {
				snprintf(ids[i], sizeof(ids[i]), "%s", envelope_str(q, "id"));
				items[i].client = p->client;
				items[i].req = wires[i];
				items[i].len = len;
			}
		}
		json_decref(q);
		if (items[i].req == NULL) /* not asked: its counts are missing, not zero */
			json_array_append_new(missing, json_string(p->id));
	}
	/* as every fan-out: a partner that does not answer holds the caller no
	 * longer than the broker's deadline_ms, then is listed as missing */
	rpc_fanout(items, n, broker_deadline(b, rq->env));
	for (size_t i = 0; i < n; i++) {
		struct registry_partner *p = registry_at(b->reg, i);
		if (items[i].req == NULL)
			continue;
		if (mgmtinfo_take(b, p, ids[i], month, &items[i], rows) != 0)
			json_array_append_new(missing, json_string(p->id));
	}
	if ((rc = mgmtinfo_undelivered(b, from, to, rows)) != 0) {
		snprintf(err, errcap, "the audit log cannot be counted");
		goto out;
	}
	log_emit(WN_LOG_INFO, "stats_served",
		 json_pack("{s:s,s:s,s:i,s:i}", "from", rq->from->id, "month", month, "rows",
			   (int)json_array_size(rows), "missing", (int)json_array_size(missing)));
	json_t *result = json_pack("{s:s,s:I,s:i,s:O,s:o,s:O,s:b}", "month", month, "generated_at",
				   (json_int_t)time_now_ms(), "threshold", STATS_MIN_COUNT, "rows",
				   rows, "totals", stats_totals(rows), "missing", missing,
				   "complete", json_array_size(missing) == 0);
	rc = broker_reply(b, rq, "stats.result", result, reply);
out:
	for (size_t i = 0; items != NULL && wires != NULL && i < n; i++) {
		free(items[i].resp);
		free(wires[i]);
	}
	free(items);
	free(wires);
	free(ids);
	json_decref(rows);
	json_decref(missing);
	return rc;
}
