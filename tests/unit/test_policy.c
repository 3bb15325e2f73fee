/*
 * test_policy.c — the federation's approval rules (r22, r24): unanimous
 * (Heerlen 15.3, 17.2) and municipality_and_majority (Groningen 11.4), as
 * decided from a tally of the members' votes, and the policy document's
 * checks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <jansson.h>

#include "wijknet.h"
#include "dataset.h"
#include "policy.h"

static struct policy_tally tally(int voters, int yes, int no, int mun_voters, int mun_yes,
				 int mun_no)
{
	struct policy_tally t = { voters, yes, no, mun_voters, mun_yes, mun_no };
	return t;
}

static void test_r22_unanimous_needs_every_member(void **state)
{
	(void)state;
	struct policy_tally t = tally(4, 3, 0, 1, 1, 0);
	assert_int_equal(policy_decide(POLICY_RULE_UNANIMOUS, &t), 0);
	t = tally(4, 4, 0, 1, 1, 0);
	assert_int_equal(policy_decide(POLICY_RULE_UNANIMOUS, &t), 1);
	t = tally(4, 3, 1, 1, 1, 0); /* one member rejects: rejected (Heerlen 15.3) */
	assert_int_equal(policy_decide(POLICY_RULE_UNANIMOUS, &t), -1);
	t = tally(0, 0, 0, 0, 0, 0); /* nobody to agree: never decided by itself */
	assert_int_equal(policy_decide(POLICY_RULE_UNANIMOUS, &t), 0);
}

static void test_r24_municipality_and_majority(void **state)
{
	(void)state;
	struct policy_tally t = tally(5, 3, 1, 1, 0, 0); /* a majority, not the municipality */
	assert_int_equal(policy_decide(POLICY_RULE_MAJORITY, &t), 0);
	t = tally(5, 3, 1, 1, 1, 0);
	assert_int_equal(policy_decide(POLICY_RULE_MAJORITY, &t), 1);
	t = tally(4, 2, 0, 1, 1, 0); /* half is not a majority */
	assert_int_equal(policy_decide(POLICY_RULE_MAJORITY, &t), 0);
	t = tally(5, 4, 1, 1, 0, 1); /* the municipality rejects */
	assert_int_equal(policy_decide(POLICY_RULE_MAJORITY, &t), -1);
	t = tally(5, 1, 3, 1, 1, 0); /* a majority can no longer be reached */
	assert_int_equal(policy_decide(POLICY_RULE_MAJORITY, &t), -1);
	t = tally(4, 1, 2, 1, 1, 0); /* 2 of 4 at most: no majority possible */
	assert_int_equal(policy_decide(POLICY_RULE_MAJORITY, &t), -1);
	t = tally(4, 0, 0, 0, 0, 0); /* no municipality can vote: never approved */
	assert_int_equal(policy_decide(POLICY_RULE_MAJORITY, &t), -1);
	t = tally(5, 4, 0, 2, 1, 0); /* two municipalities: one has not agreed yet */
	assert_int_equal(policy_decide(POLICY_RULE_MAJORITY, &t), 0);
	t = tally(5, 4, 0, 2, 2, 0);
	assert_int_equal(policy_decide(POLICY_RULE_MAJORITY, &t), 1);
	t = tally(5, 4, 1, 2, 1, 1); /* either rejects */
	assert_int_equal(policy_decide(POLICY_RULE_MAJORITY, &t), -1);
}

static void test_r24_policy_document_checked(void **state)
{
	(void)state;
	char err[256];
	json_t *ok = json_pack("{s:s,s:i,s:i,s:i}", "approval_rule", "unanimous", "notice_months", 2,
			       "max_consent_days", 365, "max_partners", 64);
	assert_int_equal(policy_validate(ok, err, sizeof(err)), 0);
	json_object_set_new(ok, "approval_rule", json_string("majority"));
	assert_int_equal(policy_validate(ok, err, sizeof(err)), WN_ESCHEMA);
	json_object_set_new(ok, "approval_rule", json_string("municipality_and_majority"));
	json_object_set_new(ok, "notice_months", json_integer(0));
	assert_int_not_equal(policy_validate(ok, err, sizeof(err)), 0);
	json_object_set_new(ok, "notice_months", json_integer(2));
	json_object_set_new(ok, "retention", json_integer(2));
	assert_int_equal(policy_validate(ok, err, sizeof(err)), WN_ESCHEMA); /* unknown key */
	json_object_del(ok, "retention");
	json_object_del(ok, "max_partners");
	assert_int_equal(policy_validate(ok, err, sizeof(err)), WN_ESCHEMA); /* incomplete */
	json_decref(ok);
}

/* r26: a cluster's data set is the vocabulary's until the policy sets one */
static void test_r26_data_sets_from_policy(void **state)
{
	(void)state;
	char err[256];
	const struct vocab_category *school = vocab_category("dataset.school");
	const struct vocab_category *housing = vocab_category("leefgebied.huisvesting");
	assert_non_null(school);
	assert_non_null(housing);
	int by_vocab = vocab_category_in_cluster(school, "jeugd");
	assert_int_equal(dataset_has(NULL, school, "jeugd"), by_vocab);
	json_t *sets = json_pack("{s:[s]}", "jeugd", "leefgebied.huisvesting");
	assert_int_equal(dataset_validate(sets, err, sizeof(err)), 0);
	assert_int_equal(dataset_has(sets, housing, "jeugd"), 1);
	assert_int_equal(dataset_has(sets, school, "jeugd"), 0);
	/* clusters the policy does not name keep the vocabulary's set */
	assert_int_equal(dataset_has(sets, school, "multiprobleem"),
			 vocab_category_in_cluster(school, "multiprobleem"));
	json_decref(sets);
	sets = json_pack("{s:[s]}", "jeugd", "leefgebied.onbekend");
	assert_int_equal(dataset_validate(sets, err, sizeof(err)), WN_ECATEGORY);
	json_decref(sets);
	sets = json_pack("{s:[]}", "ouderen");
	assert_int_equal(dataset_validate(sets, err, sizeof(err)), WN_ECLUSTER);
	json_decref(sets);
	json_t *policy = json_pack("{s:s,s:i,s:i,s:i,s:{s:[s]}}", "approval_rule", "unanimous",
				   "notice_months", 2, "max_consent_days", 365, "max_partners", 64,
				   "data_sets", "jeugd", "no.such.category");
	assert_int_not_equal(policy_validate(policy, err, sizeof(err)), 0);
	json_decref(policy);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_r22_unanimous_needs_every_member),
		cmocka_unit_test(test_r24_municipality_and_majority),
		cmocka_unit_test(test_r24_policy_document_checked),
		cmocka_unit_test(test_r26_data_sets_from_policy),
	};
	return cmocka_run_group_tests_name("policy", tests, NULL, NULL);
}
