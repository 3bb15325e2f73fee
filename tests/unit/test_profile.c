/*
 * test_profile.c — unit tests for the partner's disclosure profile
 * (r06_partner_profile, r15_own_rules, r18_rectify): its config is read
 * strictly, a lookup is decided before any record is read, and a person
 * whose records are all shielded is answered as the profile says.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "wijknet.h"
#include "config.h"
#include "consent.h"
#include "profile.h"

/* Loads {"profile": PROFILE} as a config and the profile of it. */
static int load(const char *profile, struct profile *out, char *err, size_t errcap)
{
	char path[] = "/tmp/wn-profile-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	FILE *f = fdopen(fd, "w");
	assert_non_null(f);
	fprintf(f, "{\"profile\": %s}\n", profile);
	assert_int_equal(fclose(f), 0);
	config *c = NULL;
	assert_int_equal(config_load(path, &c, err, errcap), 0);
	unlink(path);
	int rc = profile_load(c, json_object_get(config_root(c), "profile"), out, err, errcap);
	config_free(c);
	return rc;
}

static void r06_partner_profile_read_strictly(void **state)
{
	(void)state;
	struct profile p;
	char err[256];
	assert_int_equal(load("{\"lookups\": \"consent_required\", \"share\": [\"zrm.financien\"],"
			      " \"grounds\": [\"consent\"], \"shielded_lookups\": \"not_known\"}",
			      &p, err, sizeof(err)), 0);
	assert_int_equal(p.lookups, PROFILE_LOOKUPS_CONSENT);
	assert_int_equal(p.shielded_lookups, PROFILE_SHIELDED_NOT_KNOWN);
	profile_free(&p);
	/* defaults: answer lookups, say known of a shielded person, share nothing */
	assert_int_equal(load("{}", &p, err, sizeof(err)), 0);
	assert_int_equal(p.lookups, PROFILE_LOOKUPS_ANSWER);
	assert_int_equal(p.shielded_lookups, PROFILE_SHIELDED_KNOWN);
	assert_int_equal(json_array_size(p.share), 0);
	profile_free(&p);
	static const struct {
		const char *profile, *says;
	} bad[] = {
		{ "{\"lookups\": \"sometimes\"}", "field 'lookups': expected answer, consent_required or never" },
		{ "{\"shielded_lookups\": \"hide\"}", "field 'shielded_lookups': expected known, not_known or refused" },
		{ "{\"share\": [\"leefgebied.onbekend\"]}", "field 'share': item 1" },
		{ "{\"grounds\": [\"because\"]}", "field 'grounds': item 1" },
		{ "{\"lookup\": \"answer\"}", "lookup" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(load(bad[i].profile, &p, err, sizeof(err)), WN_ECONFIG);
		if (strstr(err, bad[i].says) == NULL)
			print_error("\"%s\" does not say \"%s\"\n", err, bad[i].says);
		assert_non_null(strstr(err, bad[i].says));
		profile_free(&p);
	}
}

static void r18_rectify_shielded_lookup_as_the_profile_says(void **state)
{
	(void)state;
	struct profile p;
	char err[256];
	static const struct {
		const char *setting, *outcome, *reason;
	} cases[] = {
		{ "known", "known", NULL },
		{ "not_known", "not_known", NULL },
		{ "refused", "refused", "shielded" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char text[96];
		snprintf(text, sizeof(text), "{\"shielded_lookups\": \"%s\"}", cases[i].setting);
		assert_int_equal(load(text, &p, err, sizeof(err)), 0);
		const char *reason = NULL;
		/* records not shielded, or none: the setting does not matter */
		assert_string_equal(profile_lookup_outcome(&p, STORE_KNOWN, &reason), "known");
		assert_string_equal(profile_lookup_outcome(&p, STORE_NOT_KNOWN, &reason), "not_known");
		assert_null(reason);
		assert_string_equal(profile_lookup_outcome(&p, STORE_KNOWN_SHIELDED, &reason),
				    cases[i].outcome);
		if (cases[i].reason != NULL)
			assert_string_equal(reason, cases[i].reason);
		else
			assert_null(reason);
		profile_free(&p);
	}
}

static void r15_own_rules_lookup_decided_first(void **state)
{
	(void)state;
	struct profile p;
	char err[256];
	const char *reason = NULL;
	assert_int_equal(load("{\"lookups\": \"never\"}", &p, err, sizeof(err)), 0);
	assert_int_not_equal(profile_lookup_decision(&p, "consent", &reason), 0);
	assert_non_null(reason);
	profile_free(&p);
	reason = NULL;
	assert_int_equal(load("{\"lookups\": \"consent_required\"}", &p, err, sizeof(err)), 0);
	assert_int_not_equal(profile_lookup_decision(&p, "public_task", &reason), 0);
	assert_string_equal(reason, "consent_required");
	reason = NULL;
	assert_int_equal(profile_lookup_decision(&p, "consent", &reason), 0);
	profile_free(&p);
	reason = NULL;
	assert_int_equal(load("{\"lookups\": \"answer\"}", &p, err, sizeof(err)), 0);
	assert_int_equal(profile_lookup_decision(&p, "vital_interest", &reason), 0);
	profile_free(&p);
	/* r14: the partner names the grounds it answers lookups on */
	reason = NULL;
	assert_int_equal(load("{\"lookup_grounds\": [\"consent\"]}", &p, err, sizeof(err)), 0);
	assert_int_not_equal(profile_lookup_decision(&p, "legitimate_interest", &reason), 0);
	assert_string_equal(reason, "ground_not_accepted");
	assert_int_equal(profile_lookup_decision(&p, "consent", &reason), 0);
	profile_free(&p);
	assert_int_not_equal(load("{\"lookup_grounds\": [\"whim\"]}", &p, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "lookup_grounds"));
}

/* A partner that answers lookups only on consent (mental-health, addiction
 * care: "al dan niet bekend … na toestemming") discloses no more on less. */
static void r06_partner_profile_consent_only_binds_requests(void **state)
{
	(void)state;
	struct profile p;
	char err[256], detail[256];
	const char *reason = NULL;
	json_t *cats = json_pack("[s]", "zrm.financien");
	assert_int_equal(load("{\"lookups\": \"consent_required\", \"share\": [\"zrm.financien\"]}",
			      &p, err, sizeof(err)), 0);
	static const char *const refused[] = { "public_task", "vital_interest", "legitimate_interest",
					       "contract" };
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		reason = NULL;
		assert_int_not_equal(profile_request_decision(&p, cats, refused[i], &reason, detail,
							      sizeof(detail)), 0);
		assert_string_equal(reason, "consent_required");
	}
	static const char *const allowed[] = { "consent", "legal_obligation", "conflict_of_duties" };
	for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
		assert_int_equal(profile_request_decision(&p, cats, allowed[i], &reason, detail,
							  sizeof(detail)), 0);
	profile_free(&p);
	/* a partner that answers lookups discloses on any ground its profile lists */
	assert_int_equal(load("{\"share\": [\"zrm.financien\"]}", &p, err, sizeof(err)), 0);
	assert_int_equal(profile_request_decision(&p, cats, "public_task", &reason, detail,
						  sizeof(detail)), 0);
	profile_free(&p);
	json_decref(cats);
	/* and the consent it needs names health data */
	json_t *with = json_pack("{s:{s:[s]}}", "document", "special", "mental_health");
	json_t *without = json_pack("{s:{s:[]}}", "document", "special");
	json_t *criminal = json_pack("{s:{s:[s]}}", "document", "special", "criminal");
	assert_true(consent_names_health(with));
	assert_false(consent_names_health(without));
	assert_false(consent_names_health(criminal));
	json_decref(with);
	json_decref(without);
	json_decref(criminal);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(r06_partner_profile_read_strictly),
		cmocka_unit_test(r06_partner_profile_consent_only_binds_requests),
		cmocka_unit_test(r18_rectify_shielded_lookup_as_the_profile_says),
		cmocka_unit_test(r15_own_rules_lookup_decided_first),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
