/*
 * test_declaration.c - unit tests for common/declaration.c: the published
 * declaration texts never change (their hashes are pinned here, so a new
 * wording must be a new version), and each covenant has its own accession
 * text (Heerlen Bijlage 4; Groningen 9.1). Pure: no files, no network.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "wijknet.h"
#include "declaration.h"

/* SHA-256 of each published text, as signed declarations name it */
static const char *const published[][2] = {
	{ "heerlen-bijlage6-v1", "cb65ce899f6359c31b6093b786d62b7d1b57664565269e187d7b18e2433159be" },
	{ "heerlen-bijlage4-v1", "dfc2a33d330def281b7bf5b8d6cb6a17710e777457d2399e8f002dcc73094ce4" },
	{ "groningen-toetreding-v1",
	  "e09edaffa2017e557decacaa1470061adc2f95cdfa74f56c27004e24f48035c3" },
};

static void test_r22_published_texts_unchanged(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(published) / sizeof(published[0]); i++) {
		char hash[65];
		assert_int_equal(declaration_hash(published[i][0], hash), 0);
		if (strcmp(hash, published[i][1]) != 0)
			fail_msg("%s changed (sha256 %s): publish a new version instead",
				 published[i][0], hash);
	}
	char hash[65];
	assert_int_equal(declaration_hash("heerlen-bijlage4-v2", hash), WN_EINVAL);
	assert_int_equal(declaration_hash(NULL, hash), WN_EINVAL);
}

static void test_r22_accession_text_of_each_covenant(void **state)
{
	(void)state;
	const struct accession *a = NULL, *back = NULL;
	assert_int_equal(declaration_accession("heerlen", &a), 0);
	assert_string_equal(a->version, DECLARATION_JOIN_VERSION);
	assert_non_null(strstr(a->label, "Heerlen"));
	assert_int_equal(declaration_accession_of_version(a->version, &back), 0);
	assert_ptr_equal(a, back);
	assert_int_equal(declaration_accession("groningen", &a), 0);
	assert_string_equal(a->version, DECLARATION_JOIN_VERSION_GRONINGEN);
	assert_non_null(strstr(a->label, "Groningen"));
	assert_int_equal(declaration_accession_of_version(a->version, &back), 0);
	assert_ptr_equal(a, back);
	/* the default is a covenant the table knows */
	assert_int_equal(declaration_accession(DECLARATION_COVENANT_DEFAULT, &a), 0);
	assert_string_equal(a->covenant, "heerlen");
	/* the Groningen text names its covenant and article, and nothing of Heerlen's */
	const char *text = declaration_text(DECLARATION_JOIN_VERSION_GRONINGEN);
	assert_non_null(text);
	assert_non_null(strstr(text, "Convenant WIJ-teams en sociale teams Groningen 2016"));
	assert_non_null(strstr(text, "artikel 9.1"));
	assert_non_null(strstr(text, "privacyprotocol in bijlage 2"));
	assert_null(strstr(text, "Heerlen"));
	assert_null(strstr(text, "bijlage 4"));
}

static void test_r22_accession_unknown_refused(void **state)
{
	(void)state;
	const struct accession *a = NULL;
	assert_int_equal(declaration_accession("utrecht", &a), WN_EINVAL);
	assert_int_equal(declaration_accession("Groningen", &a), WN_EINVAL);
	assert_int_equal(declaration_accession("", &a), WN_EINVAL);
	assert_int_equal(declaration_accession(NULL, &a), WN_EINVAL);
	assert_null(a);
	/* the confidentiality declaration is no accession text */
	assert_int_equal(declaration_accession_of_version(DECLARATION_VERSION, &a), WN_EINVAL);
	assert_int_equal(declaration_accession_of_version(NULL, &a), WN_EINVAL);
	assert_null(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_r22_published_texts_unchanged),
		cmocka_unit_test(test_r22_accession_text_of_each_covenant),
		cmocka_unit_test(test_r22_accession_unknown_refused),
	};
	return cmocka_run_group_tests_name("declaration", tests, NULL, NULL);
}
