/*
 * stats.c — the rows and totals of the monthly management information,
 * with small counts suppressed (r25).
 */
#include <stdio.h>
#include <string.h>

#include "wijknet.h"
#include "schema.h"
#include "stats.h"
#include "vocab.h"

static const char *const stats_kinds[] = { "lookup", "request", "rights", "report", NULL };

/* Every outcome a disclosure log or a delivery can record. */
static const char *const stats_outcomes[] = {
	"known", "not_known", "refused", "disclosed", "registered", "reported",
	"unavailable", "rejected", "invalid", NULL,
};

static int in_list(const char *const *list, const char *s)
{
	for (; *list != NULL; list++)
		if (strcmp(*list, s) == 0)
			return 1;
	return 0;
}

json_t *stats_row(const char *kind, const char *cluster, const char *partner, const char *ground,
		  const char *outcome, int64_t count)
{
	json_t *row = json_pack("{s:s,s:s,s:s,s:s,s:s}", "kind", kind, "cluster",
				cluster ? cluster : "", "partner", partner, "ground",
				ground ? ground : "", "outcome", outcome);
	if (row == NULL)
		return NULL;
	if (count < STATS_MIN_COUNT)
		json_object_set_new(row, "suppressed", json_true());
	else
		json_object_set_new(row, "count", json_integer(count));
	return row;
}

int stats_row_check(const json_t *row, char *err, size_t errcap)
{
	static const char *const keys[] = { "kind", "cluster", "partner", "ground", "outcome" };
	const char *v[5];
	if (!json_is_object(row)) {
		snprintf(err, errcap, "a row is an object");
		return WN_ESCHEMA;
	}
	for (size_t i = 0; i < 5; i++) {
		v[i] = json_string_value(json_object_get(row, keys[i]));
		if (v[i] == NULL) {
			snprintf(err, errcap, "row field '%s' is missing or not a string", keys[i]);
			return WN_ESCHEMA;
		}
	}
	json_t *count = json_object_get(row, "count");
	int suppressed = json_is_true(json_object_get(row, "suppressed"));
	size_t expect = 5 + (count != NULL) + (json_object_get(row, "suppressed") != NULL);
	if (json_object_size(row) != expect || suppressed == (count != NULL) ||
	    (count != NULL && (!json_is_integer(count) ||
			       json_integer_value(count) < STATS_MIN_COUNT))) {
		snprintf(err, errcap, "a row has a count of at least %d or is suppressed, and no "
			 "other fields", STATS_MIN_COUNT);
		return WN_ESCHEMA;
	}
	if (!in_list(stats_kinds, v[0]) || (v[1][0] && vocab_cluster(v[1]) == 0) ||
	    schema_valid_partner_id(v[2]) != 0 || (v[3][0] && !vocab_ground_known(v[3])) ||
	    !in_list(stats_outcomes, v[4])) {
		snprintf(err, errcap, "row values outside the vocabularies (%s, %s, %s, %s)", v[0],
			 v[1], v[3], v[4]);
		return WN_ESCHEMA;
	}
	return 0;
}

static void totals_add(json_t *totals, const char *dim, const char *key, const json_t *row)
{
	json_t *by = json_object_get(totals, dim);
	json_t *t = json_object_get(by, key[0] ? key : "-");
	if (t == NULL) {
		t = json_pack("{s:I,s:I}", "count", (json_int_t)0, "suppressed", (json_int_t)0);
		json_object_set_new(by, key[0] ? key : "-", t);
	}
	json_t *count = json_object_get(row, "count");
	const char *k = count != NULL ? "count" : "suppressed";
	json_object_set_new(t, k, json_integer(json_integer_value(json_object_get(t, k)) +
					       (count != NULL ? json_integer_value(count) : 1)));
}

json_t *stats_totals(const json_t *rows)
{
	static const char *const dims[][2] = {
		{ "by_kind", "kind" },     { "by_cluster", "cluster" }, { "by_partner", "partner" },
		{ "by_ground", "ground" }, { "by_outcome", "outcome" },
	};
	json_t *totals = json_object(), *row;
	size_t i;
	for (size_t d = 0; d < 5; d++)
		json_object_set_new(totals, dims[d][0], json_object());
	json_array_foreach(rows, i, row) {
		for (size_t d = 0; d < 5; d++) {
			const char *key = json_string_value(json_object_get(row, dims[d][1]));
			totals_add(totals, dims[d][0], key ? key : "", row);
		}
	}
	return totals;
}
