/*
 * report.c — the broker's part of a client's access report (r17): the
 * metadata it logged of the requests the partners named (who asked whom,
 * when, for what, how delivery went). It holds nothing else about the
 * person. The query itself is audited.
 */
#include <stdio.h>
#include <string.h>

#include "wijknet.h"
#include "context.h"
#include "envelope.h"
#include "ids.h"
#include "log.h"
#include "schema.h"
#include "store.h"

#define REPORT_MAX_IDS 1000

static const struct schema_field metadata_fields[] = {
	{ "ids", SCHEMA_ARRAY, 1, REPORT_MAX_IDS },
	{ NULL, 0, 0, 0 },
};

int broker_handle_report_metadata(struct broker *b, const struct broker_request *rq,
				  json_t **reply, char *err, size_t errcap)
{
	json_t *body = envelope_body(rq->env), *ids, *x, *out = json_object();
	char detail[200];
	size_t i;
	if (json_object_get(rq->env, "actor") == NULL ||
	    schema_check(body, metadata_fields, detail, sizeof(detail)) != 0) {
		snprintf(err, errcap, "report.metadata: an actor and 'ids' (at most %d) are needed",
			 REPORT_MAX_IDS);
		json_decref(out);
		return WN_ESCHEMA;
	}
	ids = json_object_get(body, "ids");
	json_array_foreach(ids, i, x) {
		if (id_validate(json_string_value(x)) != 0) {
			snprintf(err, errcap, "report.metadata: item %zu is not a request id", i);
			json_decref(out);
			return WN_ESCHEMA;
		}
	}
	sqlite3_stmt *st = NULL;
	db_lock(b->db);
	int rc = db_prepare(b->db, "SELECT msg_id, type, entry FROM audit_log WHERE msg_id IN"
				   " (SELECT value FROM json_each(?)) ORDER BY idx", &st);
	if (rc == 0) {
		char *text = json_dumps(ids, JSON_COMPACT);
		sqlite3_bind_text(st, 1, text, -1, SQLITE_TRANSIENT);
		free(text);
		while (sqlite3_step(st) == SQLITE_ROW) {
			json_error_t jerr;
			const char *id = (const char *)sqlite3_column_text(st, 0);
			const char *type = (const char *)sqlite3_column_text(st, 1);
			json_t *entry = json_loads((const char *)sqlite3_column_text(st, 2), 0, &jerr);
			json_t *m = json_object_get(out, id);
			if (m == NULL) {
				m = json_object();
				json_object_set_new(out, id, m);
			}
			if (entry == NULL)
				continue;
			if (strstr(type, ".delivery") != NULL) {
				json_object_set(m, "delivery", json_object_get(entry, "delivery"));
			} else {
				static const char *const keep[] = { "type", "from", "to", "purpose",
								    "ground", "cluster", "case", "ts",
								    NULL };
				for (size_t k = 0; keep[k] != NULL; k++)
					if (json_object_get(entry, keep[k]))
						json_object_set(m, keep[k], json_object_get(entry, keep[k]));
				/* roles only: no professional's id leaves for a report */
				json_object_set(m, "role", json_object_get(json_object_get(entry, "actor"),
									   "role"));
			}
			json_decref(entry);
		}
	}
	sqlite3_finalize(st);
	db_unlock(b->db);
	if (rc != 0) {
		json_decref(out);
		return rc;
	}
	json_t *audit = json_pack("{s:s,s:s,s:s,s:O,s:I,s:I}", "type", "report.metadata", "id",
				  envelope_str(rq->env, "id"), "from", rq->from->id, "actor",
				  json_object_get(rq->env, "actor"), "requests",
				  (json_int_t)json_array_size(ids), "ts",
				  (json_int_t)envelope_ts(rq->env));
	int64_t index = 0;
	char leaf[65];
	rc = store_audit_append(&b->audit, audit, &index, leaf);
	json_decref(audit);
	if (rc != 0) {
		json_decref(out);
		return rc;
	}
	return broker_reply(b, rq, "ok", json_pack("{s:o}", "requests", out), reply);
}
