/*
 * ops.c — local API operations beyond health and directory: lookups and the
 * partner's own records (put, delete, staged import).
 */
#include <stdio.h>
#include <string.h>

#include "wijknet.h"
#include "consent.h"
#include "context.h"
#include "ids.h"
#include "local.h"
#include "log.h"
#include "schema.h"
#include "bsn.h"
#include "mgmtinfo.h"
#include "purge.h"
#include "report.h"
#include "rights.h"
#include "notice.h"
#include "store.h"
#include "vocab.h"
#include "thirdparty.h"

json_t *local_lookup(struct node *n, json_t *rq);

static const struct schema_field actor_fields[] = {
	{ "id", SCHEMA_STRING, 1, 64 },
	{ "role", SCHEMA_STRING, 1, 64 },
	{ NULL, 0, 0, 0 },
};

int local_check_actor(const json_t *actor, char *err, size_t errcap)
{
	char detail[200];
	if (actor == NULL) {
		snprintf(err, errcap, "missing field 'actor': name the professional (id and role)");
		return WN_ESCHEMA;
	}
	int rc = schema_check(actor, actor_fields, detail, sizeof(detail));
	if (rc != 0)
		snprintf(err, errcap, "field 'actor': %s", detail);
	else if (!schema_text_given(json_string_value(json_object_get(actor, "id")), 1) ||
		 !schema_text_given(json_string_value(json_object_get(actor, "role")), 1)) {
		snprintf(err, errcap, "field 'actor': id and role must not be empty or blank");
		rc = WN_ESCHEMA;
	}
	return rc;
}

static json_t *local_ok(json_t *result)
{
	return json_pack("{s:b,s:o}", "ok", 1, "result", result ? result : json_object());
}

static json_t *op_record_put(struct node *n, json_t *rq)
{
	char err[256] = "";
	const char *rid = json_string_value(json_object_get(rq, "received_in"));
	if (rid != NULL && id_validate(rid) != 0)
		return local_error(WN_EINVAL, "field 'received_in': the request id, 32 hex digits");
	int rc = store_put_record(n->db, &n->keys, json_object_get(rq, "record"), rid, err,
				  sizeof(err));
	if (rc != 0)
		return local_error(rc, err);
	return local_ok(NULL);
}

/* A deletion is logged in the ledger (without content), like a purge. */
static json_t *op_record_delete(struct node *n, json_t *rq)
{
	const char *bsn = json_string_value(json_object_get(rq, "bsn"));
	const char *category = json_string_value(json_object_get(rq, "category"));
	uint8_t index[STORE_INDEX_LEN];
	long deleted = 0;
	if (bsn_validate(bsn) != 0)
		return local_error(WN_EBSN, "the BSN is not valid (11-proef)");
	if (vocab_category(category) == NULL)
		return local_error(WN_ECATEGORY, "the category is not in the vocabulary");
	json_t *cats = json_pack("[s]", category);
	int rc = store_subject_index(&n->keys, bsn, index);
	if (rc == 0)
		rc = purge_delete(n, index, cats, "deleted", NULL, &deleted);
	json_decref(cats);
	if (rc != 0)
		return local_error(rc, NULL);
	if (deleted == 0)
		return local_error(WN_ENOTFOUND, "no record of that person in that category");
	return local_ok(json_pack("{s:I}", "deleted", (json_int_t)deleted));
}

static const struct schema_field import_fields[] = {
	{ "op", SCHEMA_STRING, 1, 32 },
	{ "import", SCHEMA_STRING, 1, 32 },
	{ "lines", SCHEMA_ARRAY, 0, 10000 },
	{ "commit", SCHEMA_BOOL, 0, 0 },
	{ "abort", SCHEMA_BOOL, 0, 0 },
	{ NULL, 0, 0, 0 },
};

/* One chunk of an import; the last call commits (or aborts) the whole file. */
static json_t *op_records_import(struct node *n, json_t *rq)
{
	char err[512] = "";
	int rc = schema_check(rq, import_fields, err, sizeof(err));
	const char *id = json_string_value(json_object_get(rq, "import"));
	if (rc != 0)
		return local_error(rc, err);
	if (id_validate(id) != 0)
		return local_error(WN_ESCHEMA, "field 'import': expected 32 lowercase hex digits");
	if (json_is_true(json_object_get(rq, "abort"))) {
		store_import_abort(n->db, id);
		return local_ok(NULL);
	}
	json_t *lines = json_object_get(rq, "lines");
	if (lines != NULL && (rc = store_import_stage(n->db, &n->keys, id, lines, err,
						      sizeof(err))) != 0) {
		store_import_abort(n->db, id);
		log_msg(WN_LOG_WARN, "import_refused", "%s", err);
		return local_error(rc, err);
	}
	if (!json_is_true(json_object_get(rq, "commit")))
		return local_ok(json_pack("{s:i}", "staged", (int)json_array_size(lines)));
	long count = 0;
	if ((rc = store_import_commit(n->db, id, &count)) != 0) {
		store_import_abort(n->db, id);
		return local_error(rc, "the import could not be committed; nothing was imported");
	}
	log_emit(WN_LOG_INFO, "records_imported", json_pack("{s:I}", "records", (json_int_t)count));
	return local_ok(json_pack("{s:I}", "imported", (json_int_t)count));
}

json_t *local_dispatch(struct node *n, const char *op, json_t *rq)
{
	if (strcmp(op, "lookup") == 0)
		return local_lookup(n, rq);
	if (strcmp(op, "request") == 0)
		return local_request(n, rq);
	if (strcmp(op, "duty.assert") == 0)
		return local_duty(n, rq);
	if (strncmp(op, "thirdparty.", 11) == 0)
		return local_thirdparty(n, op, rq);
	if (strncmp(op, "rights.", 7) == 0)
		return local_rights(n, op, rq);
	if (strcmp(op, "report.access") == 0)
		return local_report(n, rq);
	if (strcmp(op, "stats") == 0)
		return local_stats(n, rq);
	if (strcmp(op, "record.put") == 0)
		return op_record_put(n, rq);
	if (strcmp(op, "record.delete") == 0)
		return op_record_delete(n, rq);
	if (strcmp(op, "records.import") == 0)
		return op_records_import(n, rq);
	if (strcmp(op, "records.purge") == 0)
		return local_purge(n, rq);
	if (strcmp(op, "backup") == 0)
		return local_backup(n, rq);
	if (strncmp(op, "notices.", 8) == 0)
		return local_notices(n, op, rq);
	if (strncmp(op, "outbox.", 7) == 0)
		return local_outbox(n, op, rq);
	if (strncmp(op, "case.informed", 13) == 0)
		return local_case_informed(n, op, rq);
	if (strncmp(op, "case.", 5) == 0)
		return local_case(n, op, rq);
	if (strncmp(op, "consent.", 8) == 0)
		return local_consent(n, op, rq);
	if (strncmp(op, "member.", 7) == 0 || strcmp(op, "policy.propose") == 0 ||
	    strcmp(op, "policy.withdraw") == 0)
		return local_member(n, op, rq);
	char msg[128];
	snprintf(msg, sizeof(msg), "unknown operation '%.48s'", op);
	return local_error(WN_EPROTO, msg);
}
