/*
 * test_commitment.c — the pure parts of households (r03, r07): commitments to
 * a household's members under a case key, and the size classes lookups are
 * padded to.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "wijknet.h"
#include "household.h"

static void test_r03_pseudonym_commitment_per_case(void **state)
{
	(void)state;
	uint8_t k1[HOUSEHOLD_KEY_LEN], k2[HOUSEHOLD_KEY_LEN];
	char a[HOUSEHOLD_COMMIT_HEX + 1], b[HOUSEHOLD_COMMIT_HEX + 1], c[HOUSEHOLD_COMMIT_HEX + 1];
	memset(k1, 0x11, sizeof(k1));
	memset(k2, 0x22, sizeof(k2));
	assert_int_equal(household_commit(k1, "111222333", a), 0);
	assert_int_equal(household_commit(k1, "111222333", b), 0);
	assert_string_equal(a, b); /* one person, one case: one commitment */
	assert_int_equal(household_commit_valid(a), 0);
	/* another case's key: nothing in common */
	assert_int_equal(household_commit(k2, "111222333", c), 0);
	assert_string_not_equal(a, c);
	/* another person */
	assert_int_equal(household_commit(k1, "123456782", c), 0);
	assert_string_not_equal(a, c);
	/* the commitment is not the BSN's plain hash, nor contains the BSN */
	assert_null(strstr(a, "111222333"));
	assert_int_equal(household_commit(NULL, "111222333", c), WN_EINVAL);
	assert_int_not_equal(household_commit_valid("abc"), 0);
	assert_int_not_equal(household_commit_valid(NULL), 0);
}

static void test_r07_recipients_household_membership(void **state)
{
	(void)state;
	json_t *people = json_pack("[s,s]", "aa", "bb");
	assert_true(household_has(people, "bb"));
	assert_false(household_has(people, "cc"));
	assert_false(household_has(people, NULL));
	assert_false(household_has(NULL, "aa"));
	json_decref(people);
}

static void test_r02_known_size_classes(void **state)
{
	(void)state;
	const size_t n[] = { 1, 2, 3, 4, 5, 8, 9, 16, 17 };
	const size_t want[] = { 1, 2, 4, 4, 8, 8, 16, 16, 16 };
	for (size_t i = 0; i < sizeof(n) / sizeof(n[0]); i++)
		assert_int_equal(household_class(n[i]), want[i]);
}

/* A motivation kept at a node: its hash at the broker differs per case. */
static void test_r03_pseudonym_keyed_hash_per_case(void **state)
{
	(void)state;
	uint8_t k1[HOUSEHOLD_KEY_LEN], k2[HOUSEHOLD_KEY_LEN];
	char a[HOUSEHOLD_COMMIT_HEX + 1], b[HOUSEHOLD_COMMIT_HEX + 1];
	memset(k1, 1, sizeof(k1));
	memset(k2, 2, sizeof(k2));
	json_t *m = json_pack("{s:s,s:s}", "interest", "serious_harm", "explanation", "zelfde tekst");
	assert_int_equal(household_keyed_hash(k1, m, a), 0);
	assert_int_equal(household_keyed_hash(k2, m, b), 0);
	assert_string_not_equal(a, b);
	json_decref(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_r03_pseudonym_commitment_per_case),
		cmocka_unit_test(test_r07_recipients_household_membership),
		cmocka_unit_test(test_r02_known_size_classes),
		cmocka_unit_test(test_r03_pseudonym_keyed_hash_per_case),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
