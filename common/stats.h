/*
 * stats.h — anonymous management information (r25, G-P 3.7): monthly
 * counts per kind, cluster, partner, ground and outcome. A count under
 * STATS_MIN_COUNT is never shown, and no total is given that could reveal
 * one by subtraction: totals add up the shown counts only.
 */
#ifndef WN_STATS_H
#define WN_STATS_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define STATS_MIN_COUNT 5
#define STATS_MAX_ROWS 4096

/* A row {kind, cluster, partner, ground, outcome, count} — or, for a count
 * under STATS_MIN_COUNT, {…, suppressed: true} without it. Empty strings
 * stand for "not applicable". NULL on allocation failure. */
json_t *stats_row(const char *kind, const char *cluster, const char *partner, const char *ground,
		  const char *outcome, int64_t count);

/* 0 when row is a row as stats_row makes them with values from the closed
 * vocabularies (kinds, clusters, grounds, outcomes, partner ids) — so that
 * nothing else, such as an id of a person or a request, can travel in it;
 * WN_ESCHEMA otherwise, err says what is wrong. */
int stats_row_check(const json_t *row, char *err, size_t errcap);

/* One partner's rows from its own counts, an array of {kind, cluster,
 * ground, outcome, count} sorted by kind, cluster and ground. The broker
 * routed every query of a (kind, cluster, ground) group and knows its total;
 * what it must not learn is how single queries were answered. So a group is
 * split by outcome only when two or more outcomes occurred, each at least
 * STATS_MIN_COUNT times; otherwise it is one row of outcome "all" (its total,
 * or suppressed when under STATS_MIN_COUNT). No outcome can then be read off
 * a row, nor worked out by subtracting shown counts from the group's total.
 * Rows that fail stats_row_check are left out. NULL on allocation failure. */
json_t *stats_rows_protected(const char *partner, const json_t *counts);

/* {by_kind, by_cluster, by_partner, by_ground, by_outcome}: each value →
 * {count: sum of the shown counts, suppressed: cells not shown}. */
json_t *stats_totals(const json_t *rows);

#endif
