/*
 * test_breaches.c — the breach register's counting (r21_breach): events a
 * source reports after an entry was assessed are not absorbed by it; they
 * make a follow-up entry, unassessed, on a clock of its own.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "wijknet.h"
#include "breaches.h"
#include "store.h"
#include "ids.h"

struct tdb {
	char dir[64], path[128];
	db *d;
};

static int setup(void **state)
{
	struct tdb *t = calloc(1, sizeof(*t));
	char err[256];
	if (t == NULL)
		return -1;
	snprintf(t->dir, sizeof(t->dir), "/tmp/wn-breaches-XXXXXX");
	if (mkdtemp(t->dir) == NULL) {
		free(t);
		return -1;
	}
	snprintf(t->path, sizeof(t->path), "%s/broker.db", t->dir);
	if (store_open(t->path, &t->d, err, sizeof(err)) != 0) {
		print_error("store_open: %s\n", err);
		free(t);
		return -1;
	}
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct tdb *t = *state;
	char p[160];
	db_close(t->d);
	static const char *const suffixes[] = { "", "-wal", "-shm", "-journal", ".lock" };
	for (size_t i = 0; i < 5; i++) {
		snprintf(p, sizeof(p), "%s%s", t->path, suffixes[i]);
		unlink(p);
	}
	int rc = rmdir(t->dir);
	free(t);
	return rc;
}

/* One digest row: count replays from 192.0.2.7 so far today. */
static void report(db *d, int count)
{
	int64_t now = time_now_ms();
	json_t *rows = json_pack("[{s:s,s:s,s:s,s:i,s:I,s:I,s:s}]", "kind", "replay", "addr",
				 "192.0.2.7", "peer", "alcander", "count", count, "first_seen",
				 (json_int_t)(now - 60000), "last_seen", (json_int_t)now, "detail",
				 "a message id seen before");
	assert_int_equal(breaches_ingest(d, "radar", rows), 0);
	json_decref(rows);
}

/* The register's entries, oldest first. */
static json_t *entries(db *d)
{
	json_t *list = NULL;
	assert_int_equal(breaches_list(d, 100, &list), 0);
	assert_true(json_is_array(list));
	return list;
}

static json_t *entry_with_state(json_t *list, const char *state, int *n)
{
	size_t i;
	json_t *e, *found = NULL;
	*n = 0;
	json_array_foreach(list, i, e)
		if (strcmp(json_string_value(json_object_get(e, "state")), state) == 0) {
			found = e;
			(*n)++;
		}
	return found;
}

static void r21_breach_assessed_entry_does_not_absorb_later_events(void **state)
{
	struct tdb *t = *state;
	int n = 0;
	report(t->d, 3);
	report(t->d, 3); /* the same total again: nothing new */
	json_t *list = entries(t->d);
	assert_int_equal(json_array_size(list), 1);
	json_t *e = entry_with_state(list, "unassessed", &n);
	assert_non_null(e);
	int64_t id = json_integer_value(json_object_get(e, "id"));
	assert_int_equal(json_integer_value(json_object_get(e, "count")), 3);
	json_decref(list);
	assert_int_equal(breaches_assess(t->d, id, "none", "a node restarted twice", "fg"), 0);
	report(t->d, 3); /* what was assessed, reported again */
	list = entries(t->d);
	assert_int_equal(json_array_size(list), 1);
	json_decref(list);
	/* five more the same day: a new entry to assess, the assessed one as it was */
	report(t->d, 8);
	report(t->d, 8);
	list = entries(t->d);
	assert_int_equal(json_array_size(list), 2);
	e = entry_with_state(list, "unassessed", &n);
	assert_int_equal(n, 1);
	assert_int_equal(json_integer_value(json_object_get(e, "count")), 5);
	int64_t follow = json_integer_value(json_object_get(e, "id"));
	int64_t follow_first = json_integer_value(json_object_get(e, "first_seen"));
	e = entry_with_state(list, "closed", &n);
	assert_int_equal(n, 1);
	assert_int_equal(json_integer_value(json_object_get(e, "count")), 3);
	/* its clock starts after the assessment, not with the day's first event */
	assert_true(follow_first >= json_integer_value(json_object_get(e, "assessed_at")));
	json_decref(list);
	/* it grows until it is assessed in turn; then the next one starts */
	report(t->d, 10);
	assert_int_equal(breaches_assess(t->d, follow, "risk", "herhaalde replays", "fg"), 0);
	report(t->d, 11);
	list = entries(t->d);
	assert_int_equal(json_array_size(list), 3);
	e = entry_with_state(list, "unassessed", &n);
	assert_int_equal(n, 1);
	assert_int_equal(json_integer_value(json_object_get(e, "count")), 1);
	e = entry_with_state(list, "to_notify", &n);
	assert_int_equal(json_integer_value(json_object_get(e, "count")), 7);
	json_decref(list);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(r21_breach_assessed_entry_does_not_absorb_later_events,
						setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
