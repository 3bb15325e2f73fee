/*
 * test_ground.c — lawful grounds and their documentation without a
 * federation: the Bijlage 3 motivation for grounds without consent (r13),
 * the legal reference of a legal obligation (r09), unknown grounds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "wijknet.h"
#include "ground.h"

static json_t *full(void)
{
	return json_pack("{s:s,s:s,s:s,s:s}", "interest", "serious_harm", "subsidiarity",
			 "Een gesprek met de cliënt is niet mogelijk gebleken", "proportionality",
			 "Alleen de huisvestingssituatie wordt gevraagd", "exception",
			 "client_protection");
}

static void expect(const char *ground, const json_t *m, int want, const char *needle)
{
	char err[512] = "";
	int rc = ground_check_motivation(ground, m, err, sizeof(err));
	if (rc != want || (needle && strstr(err, needle) == NULL))
		print_error("%s: %d '%s', want %d with '%s'\n", ground ? ground : "(null)", rc, err,
			    want, needle ? needle : "");
	assert_int_equal(rc, want);
	if (needle)
		assert_non_null(strstr(err, needle));
}

static void test_r13_no_consent_motivation_required(void **state)
{
	(void)state;
	static const char *const grounds[] = { "vital_interest", "public_task",
					       "legitimate_interest", "contract" };
	for (size_t i = 0; i < 4; i++) {
		json_t *m = full();
		expect(grounds[i], m, 0, NULL);
		expect(grounds[i], NULL, WN_EMOTIVATION, "Bijlage 3");
		json_object_del(m, "interest");
		expect(grounds[i], m, WN_EMOTIVATION, "interest");
		json_decref(m);
		m = full();
		json_object_del(m, "subsidiarity");
		expect(grounds[i], m, WN_EMOTIVATION, "subsidiarity");
		json_object_set_new(m, "subsidiarity", json_string("   nvt   "));
		expect(grounds[i], m, WN_EMOTIVATION, "subsidiarity");
		/* blanks of every kind are no reason, and a character is not a byte */
		static const char *const blank[] = {
			"\r\r\r\r\r\r\r\r\r\r\r\r", "\v\f\r\v\f\r\v\f\r\v\f\r",
			"\xc2\xa0\xc2\xa0\xc2\xa0\xc2\xa0\xc2\xa0\xc2\xa0",
			"\xe2\x80\x83\xe2\x80\x83\xe2\x80\x8b\xe2\x80\x8b\xe3\x80\x80\xef\xbb\xbf",
			"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", /* five letters, ten bytes */
			/* marks and fillers that print as nothing: LRM, soft hyphen, U+2063 */
			"\xe2\x80\x8e\xe2\x80\x8e\xe2\x80\x8e\xe2\x80\x8e\xe2\x80\x8e\xc2\xad"
			"\xc2\xad\xc2\xad\xe2\x81\xa3\xe2\x81\xa3\xe2\x81\xa3",
		};
		for (size_t k = 0; k < sizeof(blank) / sizeof(blank[0]); k++) {
			json_object_set_new(m, "subsidiarity", json_string(blank[k]));
			expect(grounds[i], m, WN_EMOTIVATION, "subsidiarity");
		}
		json_object_set_new(m, "subsidiarity",
				    json_string("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
						"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"));
		expect(grounds[i], m, 0, NULL);
		json_decref(m);
		m = full();
		json_object_del(m, "proportionality");
		expect(grounds[i], m, WN_EMOTIVATION, "proportionality");
		json_decref(m);
		/* Bijlage 3 step IV: without consent, one of its three exceptions */
		m = full();
		json_object_del(m, "exception");
		expect(grounds[i], m, WN_EMOTIVATION, "step IV");
		json_decref(m);
	}
}

static void test_r13_no_consent_motivation_codes(void **state)
{
	(void)state;
	json_t *m = full();
	json_object_set_new(m, "interest", json_string("curiosity"));
	expect("vital_interest", m, WN_EMOTIVATION, "interest");
	json_object_set_new(m, "interest", json_string("urgent_health"));
	json_object_set_new(m, "exception", json_string("convenience"));
	expect("vital_interest", m, WN_EMOTIVATION, "exception");
	json_object_set_new(m, "exception", json_string("rights_of_others"));
	expect("vital_interest", m, 0, NULL);
	json_object_set_new(m, "mood", json_string("x"));
	expect("vital_interest", m, WN_ESCHEMA, "mood");
	json_decref(m);
}

static void test_r09_legal_obligation_reference(void **state)
{
	(void)state;
	expect("legal_obligation", NULL, WN_EMOTIVATION, "legal_reference");
	json_t *m = json_pack("{s:s}", "legal_reference", "Jeugdwet art. 7.4.0");
	expect("legal_obligation", m, 0, NULL);
	json_decref(m);
}

static void test_r13_grounds_known(void **state)
{
	(void)state;
	expect("gut_feeling", NULL, WN_EGROUND, "gut_feeling");
	expect(NULL, NULL, WN_EGROUND, NULL);
	/* consent and conflict of duties carry no requester motivation */
	expect("consent", NULL, 0, NULL);
	expect("conflict_of_duties", NULL, 0, NULL);
	assert_true(ground_is_consent("consent"));
	assert_false(ground_is_consent("vital_interest"));
}

static void test_r14_lawful_ground_detail_hash(void **state)
{
	(void)state;
	char a[65], b[65], c[65];
	json_t *m = full(), *reordered = json_loads(
		"{\"exception\":\"client_protection\",\"proportionality\":\"Alleen de "
		"huisvestingssituatie wordt gevraagd\",\"subsidiarity\":\"Een gesprek met de cliënt "
		"is niet mogelijk gebleken\",\"interest\":\"serious_harm\"}", 0, NULL);
	assert_non_null(reordered);
	assert_int_equal(ground_detail_hash(m, a), 0);
	assert_int_equal(ground_detail_hash(reordered, b), 0);
	assert_string_equal(a, b); /* canonical: key order does not matter */
	json_object_set_new(m, "interest", json_string("urgent_health"));
	assert_int_equal(ground_detail_hash(m, c), 0);
	assert_string_not_equal(a, c);
	assert_int_equal(strlen(a), 64);
	json_decref(m);
	json_decref(reordered);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_r13_no_consent_motivation_required),
		cmocka_unit_test(test_r13_no_consent_motivation_codes),
		cmocka_unit_test(test_r09_legal_obligation_reference),
		cmocka_unit_test(test_r13_grounds_known),
		cmocka_unit_test(test_r14_lawful_ground_detail_hash),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
