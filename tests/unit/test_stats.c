/*
 * test_stats.c — unit tests for the pure parts of the management
 * information (r25_management_info): small counts are suppressed, rows carry
 * vocabulary values only (an id or pseudonym of a person is refused),
 * totals add up shown counts only, and months map to the right UTC range.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "date.h"
#include "stats.h"
#include "wijknet.h"

static void r25_small_counts_suppressed(void **state)
{
	(void)state;
	for (int64_t c = 0; c < 10; c++) {
		json_t *row = stats_row("lookup", "jeugd", "alcander", NULL, "known", c);
		assert_non_null(row);
		if (c < STATS_MIN_COUNT) {
			assert_null(json_object_get(row, "count"));
			assert_true(json_is_true(json_object_get(row, "suppressed")));
		} else {
			assert_int_equal(json_integer_value(json_object_get(row, "count")), c);
			assert_null(json_object_get(row, "suppressed"));
		}
		char err[200];
		assert_int_equal(stats_row_check(row, err, sizeof(err)), 0);
		json_decref(row);
	}
}

static void r25_row_check_refuses_ids(void **state)
{
	(void)state;
	char err[200];
	/* a pseudonym, a request id, a BSN where a code belongs */
	static const char *const bad[][5] = {
		{ "lookup", "jeugd", "alcander", "", "8f14e45fceea167a5a36dedd4bea2543" },
		{ "lookup", "0123456789abcdef0123456789abcdef", "alcander", "", "known" },
		{ "lookup", "jeugd", "alcander", "999990019", "known" },
		{ "999990019", "jeugd", "alcander", "", "known" },
		{ "request", "jeugd", "Not A Partner!", "consent", "disclosed" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_t *row = stats_row(bad[i][0], bad[i][1], bad[i][2], bad[i][3], bad[i][4], 9);
		assert_int_equal(stats_row_check(row, err, sizeof(err)), WN_ESCHEMA);
		json_decref(row);
	}
	/* an extra field, a count under the threshold shown anyway */
	json_t *row = stats_row("request", "volwassenen", "radar", "consent", "disclosed", 7);
	assert_int_equal(stats_row_check(row, err, sizeof(err)), 0);
	json_object_set_new(row, "subject_index", json_string("abcd"));
	assert_int_equal(stats_row_check(row, err, sizeof(err)), WN_ESCHEMA);
	json_decref(row);
	row = stats_row("request", "volwassenen", "radar", "consent", "disclosed", 7);
	json_object_set_new(row, "count", json_integer(2));
	assert_int_equal(stats_row_check(row, err, sizeof(err)), WN_ESCHEMA);
	json_object_del(row, "count");
	assert_int_equal(stats_row_check(row, err, sizeof(err)), WN_ESCHEMA);
	json_decref(row);
}

static void r25_totals_add_shown_counts_only(void **state)
{
	(void)state;
	json_t *rows = json_array();
	json_array_append_new(rows, stats_row("lookup", "jeugd", "alcander", "", "known", 6));
	json_array_append_new(rows, stats_row("lookup", "jeugd", "alcander", "", "not_known", 2));
	json_array_append_new(rows, stats_row("lookup", "jeugd", "radar", "", "known", 10));
	json_t *t = stats_totals(rows);
	json_t *known = json_object_get(json_object_get(t, "by_outcome"), "known");
	assert_int_equal(json_integer_value(json_object_get(known, "count")), 16);
	json_t *alc = json_object_get(json_object_get(t, "by_partner"), "alcander");
	/* 6 shown, the 2 only as one suppressed cell: no subtraction reveals it */
	assert_int_equal(json_integer_value(json_object_get(alc, "count")), 6);
	assert_int_equal(json_integer_value(json_object_get(alc, "suppressed")), 1);
	json_t *g = json_object_get(json_object_get(t, "by_ground"), "-");
	assert_int_equal(json_integer_value(json_object_get(g, "count")), 16);
	json_decref(t);
	json_decref(rows);
}

static void r25_month_range(void **state)
{
	(void)state;
	int64_t from, to;
	assert_int_equal(date_month_range("2026-11", &from, &to), 0);
	/* Dutch months, as every day in wijknet is a Dutch day */
	assert_int_equal(from, INT64_C(1793487600000)); /* 2026-11-01T00:00:00+01:00 */
	assert_int_equal(to, INT64_C(1796079600000));   /* 2026-12-01T00:00:00+01:00 */
	assert_int_equal(date_month_range("2026-04", &from, &to), 0);
	assert_int_equal(from, INT64_C(1774994400000)); /* 2026-04-01T00:00:00+02:00 */
	assert_int_equal(date_month_range("2024-02", &from, &to), 0);
	assert_int_equal(to - from, INT64_C(29) * 86400000); /* a leap year */
	assert_int_equal(date_month_range("2026-12", &from, &to), 0);
	assert_int_equal(to, INT64_C(1798758000000)); /* 2027-01-01T00:00:00+01:00 */
	static const char *const bad[] = { "2026-13", "2026-00", "2026-1", "26-11", "2026/11",
					   "2026-11-01", "1999-12", "", "abcd-ef" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(date_month_range(bad[i], &from, &to), WN_EINVAL);
	assert_int_equal(date_month_range(NULL, &from, &to), WN_EINVAL);
}

static json_t *cell(const char *kind, const char *cluster, const char *outcome, int count)
{
	return json_pack("{s:s,s:s,s:s,s:s,s:i}", "kind", kind, "cluster", cluster, "ground", "",
			 "outcome", outcome, "count", count);
}

/* The row of (kind, cluster, outcome) in rows, or NULL. */
static json_t *row_of(json_t *rows, const char *kind, const char *cluster, const char *outcome)
{
	size_t i;
	json_t *r;
	json_array_foreach(rows, i, r)
		if (strcmp(json_string_value(json_object_get(r, "kind")), kind) == 0 &&
		    strcmp(json_string_value(json_object_get(r, "cluster")), cluster) == 0 &&
		    strcmp(json_string_value(json_object_get(r, "outcome")), outcome) == 0)
			return r;
	return NULL;
}

/* The broker knows how many queries of a group it routed: the outcome split
 * is given only where no single answer can be read off or subtracted out. */
static void r25_outcomes_split_only_when_no_answer_shows(void **state)
{
	(void)state;
	json_t *counts = json_array();
	/* jeugd: 7 known, 6 not known — split */
	json_array_append_new(counts, cell("lookup", "jeugd", "known", 7));
	json_array_append_new(counts, cell("lookup", "jeugd", "not_known", 6));
	/* multiprobleem: 9 not known and nothing else — every answer would show */
	json_array_append_new(counts, cell("lookup", "multiprobleem", "not_known", 9));
	/* volwassenen: 1 known beside 12 not known — 13 minus 12 would show it */
	json_array_append_new(counts, cell("lookup", "volwassenen", "known", 1));
	json_array_append_new(counts, cell("lookup", "volwassenen", "not_known", 12));
	/* requests in jeugd: 2 disclosed — small */
	json_array_append_new(counts, cell("request", "jeugd", "disclosed", 2));
	json_t *rows = stats_rows_protected("mondriaan", counts);
	assert_non_null(rows);
	assert_int_equal(json_array_size(rows), 5);
	assert_int_equal(json_integer_value(json_object_get(row_of(rows, "lookup", "jeugd",
								   "known"), "count")), 7);
	assert_int_equal(json_integer_value(json_object_get(row_of(rows, "lookup", "jeugd",
								   "not_known"), "count")), 6);
	assert_null(row_of(rows, "lookup", "multiprobleem", "not_known"));
	assert_int_equal(json_integer_value(json_object_get(row_of(rows, "lookup", "multiprobleem",
								   "all"), "count")), 9);
	assert_null(row_of(rows, "lookup", "volwassenen", "known"));
	assert_null(row_of(rows, "lookup", "volwassenen", "not_known"));
	assert_int_equal(json_integer_value(json_object_get(row_of(rows, "lookup", "volwassenen",
								   "all"), "count")), 13);
	json_t *small = row_of(rows, "request", "jeugd", "all");
	assert_non_null(small);
	assert_true(json_is_true(json_object_get(small, "suppressed")));
	assert_null(row_of(rows, "request", "jeugd", "disclosed"));
	size_t i;
	json_t *r;
	char err[200];
	json_array_foreach(rows, i, r) {
		assert_int_equal(stats_row_check(r, err, sizeof(err)), 0);
		assert_string_equal(json_string_value(json_object_get(r, "partner")), "mondriaan");
	}
	json_decref(rows);
	/* a value outside the vocabularies never becomes a row */
	json_array_clear(counts);
	json_array_append_new(counts, cell("lookup", "jeugd", "known 123456782", 9));
	json_array_append_new(counts, cell("lookup", "jeugd", "not_known", 9));
	rows = stats_rows_protected("mondriaan", counts);
	assert_int_equal(json_array_size(rows), 1);
	json_decref(rows);
	json_decref(counts);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(r25_small_counts_suppressed),
		cmocka_unit_test(r25_row_check_refuses_ids),
		cmocka_unit_test(r25_totals_add_shown_counts_only),
		cmocka_unit_test(r25_month_range),
		cmocka_unit_test(r25_outcomes_split_only_when_no_answer_shows),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
