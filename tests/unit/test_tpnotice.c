/*
 * test_tpnotice.c - the facts of a third-party disclosure its client's
 * letter names (r08, r09): only the interest and the legal reference leave
 * the proposer's motivation, sealed to the source for one case and person.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "wijknet.h"
#include "hpke.h"
#include "tpnotice.h"

#define CASE "0123456789abcdef0123456789abcdef"
#define PERSON "aa00aa00aa00aa00aa00aa00aa00aa00aa00aa00aa00aa00aa00aa00aa00aa00"
#define OTHER "bb00aa00aa00aa00aa00aa00aa00aa00aa00aa00aa00aa00aa00aa00aa00aa00"

static uint8_t sk[HPKE_KEY_LEN], pk[HPKE_KEY_LEN];

static int keys(void **state)
{
	(void)state;
	return hpke_keypair_generate(sk, pk);
}

static char *sealed(const char *facts_json)
{
	json_error_t jerr;
	json_t *facts = json_loads(facts_json, 0, &jerr);
	char *b64 = NULL;
	assert_non_null(facts);
	assert_int_equal(tpnotice_seal(pk, "radar", CASE, PERSON, facts, &b64), 0);
	json_decref(facts);
	return b64;
}

static void test_r08_notice_facts_only_interest_and_reference(void **state)
{
	(void)state;
	json_error_t jerr;
	json_t *m = json_loads("{\"interest\":\"serious_harm\",\"subsidiarity\":\"geen andere "
			       "weg\",\"legal_reference\":\"Jeugdwet art. 7.4.0\"}", 0, &jerr);
	json_t *f = tpnotice_facts(m);
	assert_non_null(f);
	assert_int_equal(json_object_size(f), 2);
	assert_null(json_object_get(f, "subsidiarity"));
	json_decref(f);
	json_decref(m);
	m = json_loads("{\"subsidiarity\":\"geen andere weg\"}", 0, &jerr);
	assert_null(tpnotice_facts(m));
	assert_null(tpnotice_facts(NULL));
	json_decref(m);
}

static void test_r08_notice_facts_sealed_to_source_case_person(void **state)
{
	(void)state;
	char err[256], *a = sealed("{\"interest\":\"urgent_health\"}");
	char *b = sealed("{\"legal_reference\":\"Jeugdwet art. 7.4.0 lid 1 en nog een lange "
			 "verwijzing naar een artikel\"}");
	json_t *f = NULL;
	assert_int_equal(strlen(a), strlen(b)); /* one size: the length tells nothing */
	assert_int_equal(tpnotice_open(sk, a, "radar", CASE, PERSON, &f, err, sizeof(err)), 0);
	assert_string_equal(json_string_value(json_object_get(f, "interest")), "urgent_health");
	json_decref(f);
	/* bound to the source, case and person it was sealed for */
	assert_int_equal(tpnotice_open(sk, a, "sevagram", CASE, PERSON, &f, err, sizeof(err)),
			 WN_ESEAL);
	assert_null(f);
	assert_int_equal(tpnotice_open(sk, a, "radar", CASE, OTHER, &f, err, sizeof(err)),
			 WN_ESEAL);
	uint8_t sk2[HPKE_KEY_LEN], pk2[HPKE_KEY_LEN];
	assert_int_equal(hpke_keypair_generate(sk2, pk2), 0);
	assert_int_equal(tpnotice_open(sk2, a, "radar", CASE, PERSON, &f, err, sizeof(err)),
			 WN_ESEAL);
	assert_int_equal(tpnotice_open(sk, "bm90IGEgc2VhbA==", "radar", CASE, PERSON, &f, err,
				       sizeof(err)), WN_ESEAL);
	assert_int_equal(tpnotice_open(sk, NULL, "radar", CASE, PERSON, &f, err, sizeof(err)),
			 WN_ESEAL);
	free(a);
	free(b);
}

/* A legal reference at the longest the motivation takes, in characters the
 * canonical form escapes, still seals: one size fits every one. */
static void test_r09_notice_facts_longest_reference_seals(void **state)
{
	(void)state;
	char ref[501], json[700], err[256];
	for (size_t i = 0; i < 500; i += 2)
		memcpy(ref + i, "\xc3\xab", 2); /* e-umlaut, two bytes, six when escaped */
	ref[500] = '\0';
	snprintf(json, sizeof(json), "{\"interest\":\"serious_harm\",\"legal_reference\":\"%s\"}",
		 ref);
	char *b64 = sealed(json), *a = sealed("{\"interest\":\"urgent_health\"}");
	json_t *f = NULL;
	assert_int_equal(strlen(b64), strlen(a));
	assert_int_equal(tpnotice_open(sk, b64, "radar", CASE, PERSON, &f, err, sizeof(err)), 0);
	assert_string_equal(json_string_value(json_object_get(f, "legal_reference")), ref);
	json_decref(f);
	free(b64);
	free(a);
}

static void test_r08_notice_facts_form_checked(void **state)
{
	(void)state;
	static const char *const bad[] = { "{\"interest\":\"boredom\"}",
					   "{\"interest\":\"serious_harm\",\"explanation\":\"x\"}",
					   "{\"legal_reference\":\" \"}", "{}", "[1]" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char err[256] = "", *b64 = sealed(bad[i]);
		json_t *f = NULL;
		assert_int_equal(tpnotice_open(sk, b64, "radar", CASE, PERSON, &f, err, sizeof(err)),
				 WN_ESCHEMA);
		assert_null(f);
		assert_non_null(strstr(err, "notice facts"));
		free(b64);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_r08_notice_facts_only_interest_and_reference),
		cmocka_unit_test(test_r08_notice_facts_sealed_to_source_case_person),
		cmocka_unit_test(test_r08_notice_facts_form_checked),
		cmocka_unit_test(test_r09_notice_facts_longest_reference_seals),
	};
	return cmocka_run_group_tests(tests, keys, NULL);
}
