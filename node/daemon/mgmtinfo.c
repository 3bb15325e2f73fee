/*
 * mgmtinfo.c — management information at a partner (r25, G-P 3.7). The broker
 * asks every partner for a month's counts; this node counts its disclosure
 * log by kind, cluster, ground and outcome, suppresses every count under
 * STATS_MIN_COUNT and splits a group by outcome only where no single answer
 * can be read off or subtracted out (stats_rows_protected), before the
 * answer leaves: the broker never learns how a single request was answered.
 * No id, pseudonym or reason travels.
 */
#include <stdio.h>
#include <string.h>

#include "wijknet.h"
#include "context.h"
#include "date.h"
#include "envelope.h"
#include "local.h"
#include "log.h"
#include "mgmtinfo.h"
#include "schema.h"
#include "stats.h"

#define STATS_DEADLINE_MS 5000

/* The month's rows of this partner: its disclosure log counted by kind,
 * cluster, ground and outcome, then protected (stats_rows_protected). */
static int stats_count(struct node *n, int64_t from, int64_t to, json_t **rows)
{
	sqlite3_stmt *st = NULL;
	json_t *counts = json_array();
	int rc = db_prepare(n->db, "SELECT type, COALESCE(cluster, ''), COALESCE(ground, ''),"
				   " outcome, COUNT(*) FROM disclosures WHERE ts >= ?1 AND ts < ?2"
				   " GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4", &st);
	if (rc != 0 || counts == NULL) {
		json_decref(counts);
		return rc ? rc : WN_ENOMEM;
	}
	sqlite3_bind_int64(st, 1, from);
	sqlite3_bind_int64(st, 2, to);
	int step;
	while ((step = sqlite3_step(st)) == SQLITE_ROW &&
	       json_array_size(counts) < STATS_MAX_ROWS)
		json_array_append_new(counts, json_pack("{s:s,s:s,s:s,s:s,s:I}", "kind",
							 (const char *)sqlite3_column_text(st, 0),
							 "cluster",
							 (const char *)sqlite3_column_text(st, 1),
							 "ground",
							 (const char *)sqlite3_column_text(st, 2),
							 "outcome",
							 (const char *)sqlite3_column_text(st, 3),
							 "count",
							 (json_int_t)sqlite3_column_int64(st, 4)));
	sqlite3_finalize(st);
	rc = step == SQLITE_ROW || step == SQLITE_DONE ? 0 : WN_EDB;
	/* only values of the vocabularies leave, whatever the log holds */
	if (rc == 0 && (*rows = stats_rows_protected(n->ident->id, counts)) == NULL)
		rc = WN_ENOMEM;
	json_decref(counts);
	return rc;
}

int stats_answer(struct node *n, const json_t *query, json_t **reply, char *err, size_t errcap)
{
	const char *month = json_string_value(json_object_get(envelope_body(query), "month"));
	int64_t from, to;
	json_t *rows = NULL, *a = NULL;
	if (date_month_range(month, &from, &to) != 0) {
		snprintf(err, errcap, "stats.month: 'month' is YYYY-MM");
		return WN_ESCHEMA;
	}
	db_lock(n->db);
	int rc = stats_count(n, from, to, &rows);
	db_unlock(n->db);
	if (rc == 0 && (rc = envelope_new1(&a, "stats.answer", n->ident->id,
					   envelope_str(query, "from"))) == 0) {
		envelope_set_str(a, "re", envelope_str(query, "id"));
		json_object_set_new(a, "body", json_pack("{s:s,s:O}", "month", month, "rows", rows));
		if ((rc = envelope_sign(a, n->ident->key)) == 0) {
			*reply = a;
			a = NULL;
		}
	}
	if (rc == 0)
		log_emit(WN_LOG_INFO, "stats_answered",
			 json_pack("{s:s,s:i}", "month", month, "rows", (int)json_array_size(rows)));
	json_decref(a);
	json_decref(rows);
	return rc;
}

static const struct schema_field stats_rq_fields[] = {
	{ "op", SCHEMA_STRING, 1, 32 },
	{ "month", SCHEMA_STRING, 1, 7 },
	{ "actor", SCHEMA_OBJECT, 1, 0 },
	{ NULL, 0, 0, 0 },
};

json_t *local_stats(struct node *n, json_t *rq)
{
	char err[512] = "";
	int64_t from, to;
	json_t *env = NULL, *reply = NULL, *result = NULL;
	int rc = schema_check(rq, stats_rq_fields, err, sizeof(err));
	if (rc == 0)
		rc = local_check_actor(json_object_get(rq, "actor"), err, sizeof(err));
	if (rc != 0)
		return local_error(rc, err);
	const char *month = json_string_value(json_object_get(rq, "month"));
	if (date_month_range(month, &from, &to) != 0)
		return local_error(WN_EINVAL, "month: YYYY-MM, e.g. 2026-11");
	if ((rc = envelope_new1(&env, "stats.get", n->ident->id, n->broker_id)) != 0)
		return local_error(rc, NULL);
	json_object_set(env, "actor", json_object_get(rq, "actor"));
	json_object_set_new(env, "body", json_pack("{s:s,s:i}", "month", month, "deadline_ms",
						   STATS_DEADLINE_MS));
	rc = node_call_broker(n, env, STATS_DEADLINE_MS + n->call_timeout_ms, &reply, err,
			      sizeof(err));
	json_decref(env);
	if (rc != 0)
		return local_error(rc, err[0] ? err : NULL);
	result = json_pack("{s:b,s:O}", "ok", 1, "result", envelope_body(reply));
	json_decref(reply);
	return result;
}
