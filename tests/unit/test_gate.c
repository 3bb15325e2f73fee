/*
 * test_gate.c — the gate's log of failed handshakes (r21): a host whose
 * handshakes keep failing, such as a revoked partner's node that redials
 * for ever, is logged at doubling counts an hour, not once a second.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "gate.h"

#define HOUR_MS INT64_C(3600000)
#define T0 (INT64_C(1805065200000)) /* on the hour */

static void r21_failed_handshakes_logged_at_doubling_counts(void **state)
{
	(void)state;
	struct gate_repeat tab[GATE_REPEAT_HOSTS];
	memset(tab, 0, sizeof(tab));
	long count = 0, logged = 0;
	/* one redial a second for an hour: 1, 2, 4, ... 2048 are logged */
	for (int i = 0; i < 3600; i++) {
		int log = gate_repeat_note(tab, GATE_REPEAT_HOSTS, "192.0.2.7", T0 + i * 1000, &count);
		assert_int_equal(count, i + 1);
		logged += log;
		if (i < 2)
			assert_true(log);
		if (i == 2) /* the third is not */
			assert_false(log);
	}
	assert_int_equal(logged, 12);
	/* another host is counted on its own, from its first */
	assert_true(gate_repeat_note(tab, GATE_REPEAT_HOSTS, "192.0.2.8", T0 + 5000, &count));
	assert_int_equal(count, 1);
	/* the next hour starts again at one */
	assert_true(gate_repeat_note(tab, GATE_REPEAT_HOSTS, "192.0.2.7", T0 + HOUR_MS, &count));
	assert_int_equal(count, 1);
}

static void r21_failed_handshakes_table_keeps_the_recent(void **state)
{
	(void)state;
	struct gate_repeat tab[4];
	memset(tab, 0, sizeof(tab));
	long count = 0;
	char host[32];
	/* more hosts than rows: the least recent goes, the busy one stays */
	for (int i = 0; i < 20; i++) {
		gate_repeat_note(tab, 4, "198.51.100.1", T0 + i * 10, &count);
		snprintf(host, sizeof(host), "203.0.113.%d", i);
		assert_true(gate_repeat_note(tab, 4, host, T0 + i * 10 + 1, &count));
	}
	assert_int_equal(count, 1);
	gate_repeat_note(tab, 4, "198.51.100.1", T0 + 500, &count);
	assert_int_equal(count, 21);
	/* a name longer than a row's room is cut, not overrun */
	char longhost[200];
	memset(longhost, 'a', sizeof(longhost) - 1);
	longhost[sizeof(longhost) - 1] = '\0';
	assert_true(gate_repeat_note(tab, 4, longhost, T0 + 600, &count));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(r21_failed_handshakes_logged_at_doubling_counts),
		cmocka_unit_test(r21_failed_handshakes_table_keeps_the_recent),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
