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
	"unavailable", "rejected", "invalid", "all", NULL,
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

static const char *cell_str(const json_t *c, const char *k)
{
	const char *v = json_string_value(json_object_get(c, k));
	return v ? v : "";
}

static int same_group(const json_t *a, const json_t *b)
{
	static const char *const keys[] = { "kind", "cluster", "ground" };
	for (size_t i = 0; i < 3; i++)
		if (strcmp(cell_str(a, keys[i]), cell_str(b, keys[i])) != 0)
			return 0;
	return 1;
}

/* Appends the rows of the group counts[first, end) to rows. */
static void group_rows(const char *partner, const json_t *counts, size_t first, size_t end,
		       json_t *rows)
{
	int64_t total = 0;
	size_t outcomes = 0, small = 0;
	for (size_t i = first; i < end; i++) {
		int64_t c = json_integer_value(json_object_get(json_array_get(counts, i), "count"));
		if (c <= 0)
			continue;
		total += c;
		outcomes++;
		small += c < STATS_MIN_COUNT;
	}
	if (outcomes == 0)
		return;
	const json_t *g = json_array_get(counts, first);
	int split = outcomes >= 2 && small == 0;
	for (size_t i = split ? first : end - 1; i < end; i++) {
		const json_t *c = json_array_get(counts, i);
		int64_t n = split ? json_integer_value(json_object_get(c, "count")) : total;
		char err[160];
		if (n <= 0)
			continue;
		json_t *row = stats_row(cell_str(g, "kind"), cell_str(g, "cluster"), partner,
					cell_str(g, "ground"), split ? cell_str(c, "outcome") : "all", n);
		if (row != NULL && stats_row_check(row, err, sizeof(err)) == 0 &&
		    json_array_size(rows) < STATS_MAX_ROWS)
			json_array_append_new(rows, row);
		else
			json_decref(row);
	}
}

json_t *stats_rows_protected(const char *partner, const json_t *counts)
{
	json_t *rows = json_array();
	size_t n = json_array_size(counts), first = 0;
	if (rows == NULL)
		return NULL;
	for (size_t i = 1; i <= n; i++) {
		if (i < n && same_group(json_array_get(counts, first), json_array_get(counts, i)))
			continue;
		group_rows(partner, counts, first, i, rows);
		first = i;
	}
	return rows;
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
