/*
 * duty.c — the source professional's own judgement of a conflict of duties
 * (Heerlen 8.7, G-P 4.4; r12). Medical and other special-category data leave
 * without consent only when a professional of the source partner has
 * weighed the duty of confidentiality against the duty to help or protect
 * and recorded that judgement here, for one case, person, recipient and set
 * of categories. A requester can ask on this ground; only this assertion
 * lets the source answer, once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "wijknet.h"
#include "bsn.h"
#include "casekey.h"
#include "context.h"
#include "ground.h"
#include "ids.h"
#include "local.h"
#include "log.h"
#include "schema.h"
#include "store.h"
#include "vocab.h"

#define DUTY_DEFAULT_HOURS (7 * 24)
#define DUTY_MAX_HOURS (30 * 24)

static const struct schema_field duty_rq_fields[] = {
	{ "op", SCHEMA_STRING, 1, 32 },
	{ "case", SCHEMA_STRING, 1, 32 },
	{ "bsn", SCHEMA_STRING, 1, 16 },
	{ "to", SCHEMA_STRING, 1, 63 },
	{ "categories", SCHEMA_ARRAY, 1, 32 },
	{ "motivation", SCHEMA_OBJECT, 1, 0 },
	{ "hours", SCHEMA_INT, 0, DUTY_MAX_HOURS },
	{ "actor", SCHEMA_OBJECT, 1, 0 },
	{ NULL, 0, 0, 0 },
};

struct duty_row {
	char id[33];
	const char *case_id, *to, *categories, *motivation, *hash, *actor_id, *actor_role;
	uint8_t index[STORE_INDEX_LEN];
	int64_t now, until;
};

static int duty_insert(db *d, void *arg)
{
	const struct duty_row *r = arg;
	sqlite3_stmt *st = NULL;
	int rc = db_prepare(d, "INSERT INTO duty_assertions(id, case_id, subject_index, recipient,"
			       " categories, motivation, motivation_hash, actor_id, actor_role,"
			       " created_at, valid_until) VALUES (?,?,?,?,?,?,?,?,?,?,?)", &st);
	if (rc != 0)
		return rc;
	sqlite3_bind_text(st, 1, r->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, r->case_id, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 3, r->index, STORE_INDEX_LEN, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, r->to, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, r->categories, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, r->motivation, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, r->hash, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, r->actor_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 9, r->actor_role, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 10, r->now);
	sqlite3_bind_int64(st, 11, r->until);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : WN_EDB;
	sqlite3_finalize(st);
	return rc;
}

/* The recipient is another partner that takes part in the case now. */
static int duty_check_recipient(struct node *n, const char *case_id, const char *to, char *err,
				size_t errcap)
{
	json_t *c = NULL, *x;
	size_t i;
	int member = 0;
	if (strcmp(to, n->ident->id) == 0) {
		snprintf(err, errcap, "'%s' is this partner: a conflict of duties is judged for "
			 "another partner of the case that receives the data", to);
		return WN_EINVAL;
	}
	int rc = casekey_case(n, case_id, &c, err, errcap);
	if (rc != 0)
		return rc;
	json_array_foreach(json_object_get(c, "members"), i, x) {
		const char *id = json_string_value(json_object_get(x, "partner"));
		member |= id != NULL && strcmp(id, to) == 0;
	}
	json_decref(c);
	if (!member) {
		snprintf(err, errcap, "'%s' does not take part in case %s: only the partners of a "
			 "client's case receive information about that client (Heerlen 7.1)", to,
			 case_id);
		return WN_ENOTMEMBER;
	}
	return 0;
}

json_t *local_duty(struct node *n, json_t *rq)
{
	char err[512] = "", hash[65];
	struct duty_row row;
	memset(&row, 0, sizeof(row));
	int rc = schema_check(rq, duty_rq_fields, err, sizeof(err));
	if (rc != 0)
		return local_error(rc, err);
	json_t *actor = json_object_get(rq, "actor"), *cats = json_object_get(rq, "categories");
	json_t *motivation = json_object_get(rq, "motivation"), *x;
	const char *bsn = json_string_value(json_object_get(rq, "bsn"));
	const char *to = json_string_value(json_object_get(rq, "to"));
	size_t i;
	if ((rc = local_check_actor(actor, err, sizeof(err))) != 0)
		return local_error(rc, err);
	if (bsn_validate(bsn) != 0)
		return local_error(WN_EBSN, "the BSN is not valid: nine digits passing the 11-proef");
	if (id_validate(json_string_value(json_object_get(rq, "case"))) != 0)
		return local_error(WN_EINVAL, "field 'case': a case id of 32 lowercase hex digits");
	if (schema_valid_partner_id(to) != 0)
		return local_error(WN_EINVAL, "field 'to': not a partner id");
	if (json_array_size(cats) == 0)
		return local_error(WN_EINVAL, "name the categories the judgement covers");
	json_array_foreach(cats, i, x) {
		if (vocab_category(json_string_value(x)) == NULL) {
			snprintf(err, sizeof(err), "category '%.64s' is not in the vocabulary",
				 json_string_value(x) ? json_string_value(x) : "?");
			return local_error(WN_ECATEGORY, err);
		}
	}
	/* the judgement itself: the same Bijlage 3 parts as any ground without consent */
	if ((rc = ground_check_motivation("vital_interest", motivation, err, sizeof(err))) != 0)
		return local_error(rc == WN_ESCHEMA ? rc : WN_EMOTIVATION, err);
	/* about a person of the case's household only (Heerlen 7.1) */
	char commit[HOUSEHOLD_COMMIT_HEX + 1];
	if ((rc = casekey_check_person(n, json_string_value(json_object_get(rq, "case")), bsn,
				       n->ident->id, commit, err, sizeof(err))) != 0)
		return local_error(rc, err);
	/* for another partner of the case (Heerlen 7.1): a judgement for a
	 * partner outside it would wait to serve it once it joined */
	if ((rc = duty_check_recipient(n, json_string_value(json_object_get(rq, "case")), to, err,
				       sizeof(err))) != 0)
		return local_error(rc, err);
	char *cats_text = json_dumps(cats, JSON_COMPACT);
	char *mot_text = json_dumps(motivation, JSON_COMPACT | JSON_SORT_KEYS);
	json_int_t hours = json_integer_value(json_object_get(rq, "hours"));
	if (hours <= 0)
		hours = DUTY_DEFAULT_HOURS;
	row.now = time_now_ms();
	row.until = row.now + (int64_t)hours * 3600 * 1000;
	if (cats_text == NULL || mot_text == NULL || (rc = id_generate(row.id)) != 0 ||
	    (rc = ground_detail_hash(motivation, hash)) != 0 ||
	    (rc = store_subject_index(&n->keys, bsn, row.index)) != 0) {
		rc = rc ? rc : WN_ENOMEM;
		goto out;
	}
	row.case_id = json_string_value(json_object_get(rq, "case"));
	row.to = to;
	row.categories = cats_text;
	row.motivation = mot_text;
	row.hash = hash;
	row.actor_id = json_string_value(json_object_get(actor, "id"));
	row.actor_role = json_string_value(json_object_get(actor, "role"));
	rc = db_writer_run(n->writer, duty_insert, &row);
out:
	OPENSSL_cleanse(row.index, sizeof(row.index));
	free(cats_text);
	free(mot_text);
	if (rc != 0)
		return local_error(rc, "the assertion could not be recorded");
	log_emit(WN_LOG_INFO, "duty_asserted",
		 json_pack("{s:s,s:s,s:s}", "assertion", row.id, "case", row.case_id, "to", to));
	return json_pack("{s:b,s:{s:s,s:I}}", "ok", 1, "result", "assertion", row.id,
			 "valid_until", (json_int_t)row.until);
}
