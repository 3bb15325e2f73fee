/*
 * test_consentdoc.c — the consent declaration's rules without a federation:
 * explicit purposes, recipients, sources and categories (r10), a validity no
 * longer than the federation's maximum, signers valid for the subject's age
 * on the day of signing and on every day of use (r11, Heerlen Bijlage 8), an
 * adult's legal representative (G-P 4.3a), special categories named by class
 * (r12), coverage of one use, and the registering node's signature over the
 * document.
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
#include "consentdoc.h"
#include "harness.h"
#include "secret.h"

#define TODAY "2026-11-20"
#define MAX_DAYS 365 /* the federation's default maximum validity */

static EVP_PKEY *key_a;
static X509 *cert_a, *cert_b;

static int group_setup(void **state)
{
	EVP_PKEY *key_b = NULL;
	(void)state;
	int rc = harness_make_ident("gemeente-heerlen", &key_a, &cert_a) ||
		 harness_make_ident("radar", &key_b, &cert_b);
	EVP_PKEY_free(key_b);
	return rc ? -1 : 0;
}

static int group_teardown(void **state)
{
	(void)state;
	EVP_PKEY_free(key_a);
	X509_free(cert_a);
	X509_free(cert_b);
	return 0;
}

/* A valid declaration of an adult; the tests change one thing at a time. */
static json_t *doc_adult(void)
{
	json_error_t jerr;
	json_t *d = json_loads(
		"{\"subject\": {\"bsn\": \"111222333\", \"birth_date\": \"1980-04-01\","
		" \"name\": \"J. Jansen\"},"
		" \"purposes\": [\"plan_van_aanpak\", \"intake\"],"
		" \"recipients\": [\"gemeente-heerlen\", \"alcander\"],"
		" \"sources\": [\"radar\", \"mondriaan\"],"
		" \"categories\": [\"leefgebied.huisvesting\", \"leefgebied.psychisch\"],"
		" \"special\": [\"mental_health\"],"
		" \"signers\": [{\"name\": \"J. Jansen\", \"role\": \"subject\"}],"
		" \"signed_on\": \"2026-11-01\", \"valid_until\": \"2027-11-01\"}",
		0, &jerr);
	assert_non_null(d);
	return d;
}

static void set_birth(json_t *d, const char *birth)
{
	json_object_set_new(json_object_get(d, "subject"), "birth_date", json_string(birth));
}

static void set_signers(json_t *d, const char *roles)
{
	json_t *arr = json_array();
	char buf[64];
	snprintf(buf, sizeof(buf), "%s", roles);
	for (char *r = strtok(buf, ","); r != NULL; r = strtok(NULL, ","))
		json_array_append_new(arr, json_pack("{s:s,s:s}", "name", "N. N.", "role", r));
	json_object_set_new(d, "signers", arr);
}

static void cover_expect(const json_t *d, struct consent_use *u, int want, const char *needle);

static void doc_expect(json_t *d, int refusal, int want, const char *needle)
{
	char err[512] = "";
	int rc = consentdoc_check(d, refusal, TODAY, MAX_DAYS, err, sizeof(err));
	if (rc != want || (needle && strstr(err, needle) == NULL))
		print_error("consentdoc_check: %d '%s', want %d containing '%s'\n", rc, err, want,
			    needle ? needle : "");
	assert_int_equal(rc, want);
	if (needle)
		assert_non_null(strstr(err, needle));
}

static void test_r10_consent_document_valid(void **state)
{
	(void)state;
	json_t *d = doc_adult();
	doc_expect(d, 0, 0, NULL);
	json_decref(d);
}

static void test_r10_consent_explicit_lists(void **state)
{
	(void)state;
	static const char *const lists[] = { "purposes", "recipients", "sources", "categories" };
	for (size_t i = 0; i < 4; i++) {
		json_t *d = doc_adult();
		json_object_set_new(d, lists[i], json_array());
		doc_expect(d, 0, WN_ECONSENT, NULL);
		json_decref(d);
	}
	json_t *d = doc_adult();
	json_array_append_new(json_object_get(d, "purposes"), json_string("spionage"));
	doc_expect(d, 0, WN_EPURPOSE, "purposes");
	json_decref(d);
	d = doc_adult();
	json_array_append_new(json_object_get(d, "categories"), json_string("leefgebied.onbekend"));
	doc_expect(d, 0, WN_ECATEGORY, "categories");
	json_decref(d);
	d = doc_adult();
	json_array_append_new(json_object_get(d, "recipients"), json_string("Not A Partner"));
	doc_expect(d, 0, WN_ESCHEMA, "recipients");
	json_decref(d);
	d = doc_adult();
	json_array_append_new(json_object_get(d, "sources"), json_string("radar"));
	doc_expect(d, 0, WN_ESCHEMA, "twice");
	json_decref(d);
	d = doc_adult();
	json_object_set_new(d, "extra", json_true());
	doc_expect(d, 0, WN_ESCHEMA, "extra");
	json_decref(d);
	d = doc_adult();
	json_object_set_new(json_object_get(d, "subject"), "bsn", json_string("111222334"));
	doc_expect(d, 0, WN_EBSN, "bsn");
	json_decref(d);
}

static void test_r10_consent_dates(void **state)
{
	(void)state;
	json_t *d = doc_adult();
	json_object_set_new(d, "signed_on", json_string("2026-12-01")); /* after today */
	doc_expect(d, 0, WN_ESCHEMA, "signed_on");
	json_object_set_new(d, "signed_on", json_string("2025-02-30"));
	doc_expect(d, 0, WN_ESCHEMA, "signed_on");
	json_object_set_new(d, "signed_on", json_string("2025-01-01"));
	json_object_set_new(d, "valid_until", json_string("2024-12-31")); /* before signing */
	doc_expect(d, 0, WN_ESCHEMA, "valid_until");
	json_object_set_new(d, "valid_until", json_string("2026-11-19")); /* expired */
	doc_expect(d, 0, WN_ECONSENT, "expired");
	json_object_set_new(d, "signed_on", json_string("2026-01-01"));
	json_object_set_new(d, "valid_until", json_string(TODAY)); /* the last day */
	doc_expect(d, 0, 0, NULL);
	json_decref(d);
}

/* Heerlen Bijlage 8: over 16 signs; 12–16 co-signs with a parent; under 12 parents. */
static void test_r11_consent_age_signers(void **state)
{
	(void)state;
	struct {
		const char *birth, *roles;
		int ok;
	} cases[] = {
		{ "1980-04-01", "subject", 1 },
		{ "1980-04-01", "parent", 0 },             /* an adult signs personally */
		{ "2010-11-01", "subject", 1 },            /* 16 on the day of signing */
		{ "2010-11-02", "subject", 0 },            /* 15: one day short */
		{ "2012-06-01", "subject", 0 },            /* 14 alone: refused */
		{ "2012-06-01", "parent", 0 },             /* 14: the child co-signs */
		{ "2012-06-01", "subject,parent", 1 },
		{ "2012-06-01", "guardian,subject", 1 },
		{ "2014-11-01", "subject,parent", 1 },     /* 12 */
		{ "2014-12-02", "subject", 0 },            /* 11 */
		{ "2014-12-02", "parent", 1 },
		{ "2014-11-02", "parent", 0 },             /* 11 when signed, 12 today */
		{ "2020-01-01", "guardian", 1 },
		{ "2026-12-01", "parent", 0 },             /* born after signing */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *d = doc_adult();
		set_birth(d, cases[i].birth);
		set_signers(d, cases[i].roles);
		char err[512] = "";
		int rc = consentdoc_check(d, 0, TODAY, MAX_DAYS, err, sizeof(err));
		if ((rc == 0) != cases[i].ok)
			print_error("born %s signed by %s: %d (%s)\n", cases[i].birth, cases[i].roles,
				    rc, err);
		assert_int_equal(rc == 0, cases[i].ok);
		if (!cases[i].ok && rc == WN_ECONSENT && strcmp(cases[i].birth, "2026-12-01") != 0)
			assert_non_null(strstr(err, "Bijlage 8"));
		json_decref(d);
	}
	/* an unknown role is a schema error, not a signer */
	json_t *d = doc_adult();
	set_signers(d, "subject,notaris");
	doc_expect(d, 0, WN_ESCHEMA, "role");
	json_decref(d);
}

/* Signers are checked on every day of use too: a consent signed by parents
 * alone stops covering the child on its 12th birthday, a co-signed one on its
 * 16th, until the child signs anew (Heerlen Bijlage 8). */
static void test_r11_consent_age_at_use(void **state)
{
	(void)state;
	json_t *d = doc_adult(), *cats = json_pack("[s]", "leefgebied.huisvesting");
	struct consent_use u = { "111222333", "plan_van_aanpak", "gemeente-heerlen", "radar",
				 cats, "2027-03-14", MAX_DAYS };
	/* signed by a parent when the child was 10, in a federation whose consents
	 * last two years: still covers at 11, not at 12 */
	set_birth(d, "2016-02-01");
	set_signers(d, "parent");
	json_object_set_new(d, "valid_until", json_string("2028-10-31"));
	u.max_days = 730;
	u.today = "2027-01-31";
	cover_expect(d, &u, 0, NULL);
	u.today = "2028-02-01";
	cover_expect(d, &u, WN_ECONSENT, "no longer covers");
	json_object_set_new(d, "valid_until", json_string("2027-11-01"));
	u.max_days = MAX_DAYS;
	/* signed by a parent when the child was 11, it turns 12 on 2027-03-15 */
	u.today = "2027-03-14";
	set_birth(d, "2015-03-15");
	set_signers(d, "parent");
	cover_expect(d, &u, 0, NULL);
	u.today = "2027-03-15";
	cover_expect(d, &u, WN_ECONSENT, "no longer covers");
	/* co-signed at 15, the child turns 16 on 2027-01-10 */
	set_birth(d, "2011-01-10");
	set_signers(d, "subject,parent");
	u.today = "2027-01-09";
	cover_expect(d, &u, 0, NULL);
	u.today = "2027-01-10";
	cover_expect(d, &u, WN_ECONSENT, "signs for itself");
	/* signed at 16 by the child itself: still covers at 18 */
	set_birth(d, "2010-06-01");
	set_signers(d, "subject");
	u.today = "2027-06-01";
	cover_expect(d, &u, 0, NULL);
	json_decref(cats);
	json_decref(d);
}

/* G-P 4.3a: an adult's legal representative may sign, with the kind of
 * representation recorded; a minor's representatives sign as parents. */
static void test_r11_consent_representative_of_adult(void **state)
{
	(void)state;
	json_t *d = doc_adult();
	json_object_set_new(d, "signers", json_pack("[{s:s,s:s,s:s}]", "name", "Mr. B. Curator",
						     "role", "representative", "representation",
						     "curatele"));
	doc_expect(d, 0, 0, NULL);
	json_object_set_new(d, "signers", json_pack("[{s:s,s:s}]", "name", "Mr. B. Curator", "role",
						     "representative"));
	doc_expect(d, 0, WN_ESCHEMA, "representation");
	json_object_set_new(d, "signers", json_pack("[{s:s,s:s,s:s}]", "name", "X. de Vries", "role",
						     "representative", "representation", "buurman"));
	doc_expect(d, 0, WN_ESCHEMA, "curatele");
	json_object_set_new(d, "signers", json_pack("[{s:s,s:s,s:s}]", "name", "X. de Vries", "role",
						     "subject", "representation", "curatele"));
	doc_expect(d, 0, WN_ESCHEMA, "only a representative");
	/* a signer is named: nobody could be shown to have signed a blank */
	json_t *blank = doc_adult();
	json_object_set_new(blank, "signers", json_pack("[{s:s,s:s}]", "name", " X ", "role",
							 "subject"));
	doc_expect(blank, 0, WN_ESCHEMA, "name the person who signed");
	json_decref(blank);
	/* a minor of 17 signs personally; a representative does not suffice */
	set_birth(d, "2009-06-01");
	json_object_set_new(d, "signers", json_pack("[{s:s,s:s,s:s}]", "name", "X. de Vries", "role",
						     "representative", "representation",
						     "mentorschap"));
	doc_expect(d, 0, WN_ECONSENT, "signs personally");
	json_decref(d);
}

/* A consent is asked again at least as often as the federation's policy
 * says (default one year; Heerlen note 2). */
static void test_r10_consent_maximum_validity(void **state)
{
	(void)state;
	json_t *d = doc_adult();
	json_object_set_new(d, "valid_until", json_string("2099-01-01"));
	doc_expect(d, 0, WN_ECONSENT, "maximum of 365 days");
	json_object_set_new(d, "valid_until", json_string("2027-11-02")); /* 366 days */
	doc_expect(d, 0, WN_ECONSENT, "maximum");
	json_object_set_new(d, "valid_until", json_string("2027-11-01")); /* 365 days */
	doc_expect(d, 0, 0, NULL);
	/* and at the source, whatever the registering node accepted */
	json_object_set_new(d, "valid_until", json_string("2099-01-01"));
	json_t *cats = json_pack("[s]", "leefgebied.huisvesting");
	struct consent_use u = { "111222333", "plan_van_aanpak", "gemeente-heerlen", "radar",
				 cats, TODAY, MAX_DAYS };
	cover_expect(d, &u, WN_ECONSENT, "maximum");
	json_decref(cats);
	json_decref(d);
}

static void test_r12_medical_special_must_be_named(void **state)
{
	(void)state;
	json_t *d = doc_adult();
	json_object_del(d, "special");
	doc_expect(d, 0, WN_ECONSENT, "mental_health");
	json_object_set_new(d, "special", json_pack("[s]", "health")); /* the wrong class */
	doc_expect(d, 0, WN_ECONSENT, "mental_health");
	json_object_set_new(d, "special", json_pack("[s]", "medical"));
	doc_expect(d, 0, WN_ESCHEMA, "special");
	json_object_set_new(d, "special", json_pack("[s]", "mental_health"));
	json_array_append_new(json_object_get(d, "categories"), json_string("zrm.justitie"));
	doc_expect(d, 0, WN_ECONSENT, "criminal");
	json_array_append_new(json_object_get(d, "special"), json_string("criminal"));
	doc_expect(d, 0, 0, NULL);
	json_decref(d);
}

static void test_r10_consent_refusal_needs_less(void **state)
{
	(void)state;
	json_t *d = doc_adult();
	json_object_del(d, "categories");
	json_object_del(d, "signers");
	json_object_del(d, "valid_until");
	json_object_del(d, "special");
	doc_expect(d, 1, 0, NULL);
	doc_expect(d, 0, WN_ECONSENT, NULL); /* as a consent it is incomplete */
	json_decref(d);
}

static void cover_expect(const json_t *d, struct consent_use *u, int want, const char *needle)
{
	char err[512] = "";
	int rc = consentdoc_covers(d, u, err, sizeof(err));
	if (rc != want || (needle && strstr(err, needle) == NULL))
		print_error("consentdoc_covers: %d '%s', want %d containing '%s'\n", rc, err, want,
			    needle ? needle : "");
	assert_int_equal(rc, want);
	if (needle)
		assert_non_null(strstr(err, needle));
}

static void test_r10_consent_covers_one_use(void **state)
{
	(void)state;
	json_t *d = doc_adult(), *cats = json_pack("[s]", "leefgebied.huisvesting");
	struct consent_use u = { "111222333", "plan_van_aanpak", "gemeente-heerlen", "radar",
				 cats, TODAY, MAX_DAYS };
	cover_expect(d, &u, 0, NULL);
	u.bsn = "123456782";
	cover_expect(d, &u, WN_ECONSENT, "another person");
	u.bsn = "111222333";
	u.purpose = "signalering";
	cover_expect(d, &u, WN_ECONSENT, "purpose");
	u.purpose = "plan_van_aanpak";
	u.requester = "xonar";
	cover_expect(d, &u, WN_ECONSENT, "recipient");
	u.requester = "gemeente-heerlen";
	u.source = "xonar";
	cover_expect(d, &u, WN_ECONSENT, "source");
	u.source = "radar";
	json_array_append_new(cats, json_string("zrm.financien"));
	cover_expect(d, &u, WN_ECONSENT, "zrm.financien");
	json_array_remove(cats, 1);
	u.today = "2027-11-02";
	cover_expect(d, &u, WN_ECONSENT, "expired");
	u.today = "2026-10-31";
	cover_expect(d, &u, WN_ECONSENT, "not valid before");
	u.today = TODAY;
	/* a lookup names no categories */
	u.categories = NULL;
	cover_expect(d, &u, 0, NULL);
	/* a document whose signers do not hold, however it got here */
	set_birth(d, "2012-06-01");
	cover_expect(d, &u, WN_ECONSENT, "Bijlage 8");
	json_decref(cats);
	json_decref(d);
}

/* A refusal given after a consent withdraws what it names from it (Heerlen
 * 8.2): every combination of its purposes, recipients, sources and
 * categories; a special class it names refuses that class; naming neither
 * categories nor classes, every category. */
static void test_r10_consent_refusal_withdraws_what_it_names(void **state)
{
	(void)state;
	json_error_t jerr;
	json_t *c = doc_adult(), *cats = json_pack("[s]", "leefgebied.huisvesting");
	json_t *r = json_loads("{\"subject\": {\"bsn\": \"111222333\", \"birth_date\": \"1980-04-01\"},"
			       " \"purposes\": [\"plan_van_aanpak\"], \"recipients\":"
			       " [\"gemeente-heerlen\"], \"sources\": [\"radar\"],"
			       " \"categories\": [\"leefgebied.huisvesting\"],"
			       " \"signed_on\": \"2026-11-10\"}", 0, &jerr);
	assert_non_null(r);
	struct consent_use u = { "111222333", "plan_van_aanpak", "gemeente-heerlen", "radar",
				 cats, TODAY, MAX_DAYS };
	const char *cat = NULL;
	assert_int_equal(consentdoc_withdrawn(r, c, &u, &cat), 1);
	assert_string_equal(cat, "leefgebied.huisvesting");
	/* what it does not name keeps its cover */
	json_array_set_new(cats, 0, json_string("leefgebied.psychisch"));
	assert_int_equal(consentdoc_withdrawn(r, c, &u, &cat), 0);
	json_array_set_new(cats, 0, json_string("leefgebied.huisvesting"));
	u.purpose = "intake";
	assert_int_equal(consentdoc_withdrawn(r, c, &u, &cat), 0);
	u.purpose = "plan_van_aanpak";
	u.source = "mondriaan";
	assert_int_equal(consentdoc_withdrawn(r, c, &u, &cat), 0);
	u.source = "radar";
	/* a lookup keeps radar while the psychisch part is left there */
	u.categories = NULL;
	assert_int_equal(consentdoc_withdrawn(r, c, &u, &cat), 0);
	assert_int_equal(consentdoc_limits(r, c), 1);
	/* naming the special class refuses that class too: nothing left at radar */
	json_object_set_new(r, "special", json_pack("[s]", "mental_health"));
	assert_int_equal(consentdoc_withdrawn(r, c, &u, &cat), 1);
	/* naming no categories at all: every category, all the consent covered */
	json_object_del(r, "special");
	json_object_del(r, "categories");
	json_object_set_new(r, "purposes", json_pack("[ss]", "plan_van_aanpak", "intake"));
	json_object_set_new(r, "recipients", json_pack("[ss]", "gemeente-heerlen", "alcander"));
	json_object_set_new(r, "sources", json_pack("[ss]", "radar", "mondriaan"));
	assert_int_equal(consentdoc_limits(r, c), 2);
	/* another person's refusal limits nothing */
	json_object_set_new(json_object_get(r, "subject"), "bsn", json_string("123456782"));
	assert_int_equal(consentdoc_limits(r, c), 0);
	json_decref(cats);
	json_decref(r);
	json_decref(c);
}

static void test_r20_integrity_consent_object_signed(void **state)
{
	(void)state;
	json_t *d = doc_adult(), *o = NULL;
	char id[33], version[65], err[512];
	assert_int_equal(consentdoc_make(d, 0, "gemeente-heerlen", key_a, &o, id, version), 0);
	json_t *ref = json_pack("{s:s,s:s}", "id", id, "version", version);
	assert_int_equal(consentdoc_verify(o, ref, cert_a, err, sizeof(err)), 0);
	/* another partner's key: forged */
	assert_int_equal(consentdoc_verify(o, ref, cert_b, err, sizeof(err)), WN_ESIG);
	/* a changed document: another version */
	json_t *copy = json_deep_copy(o);
	json_array_append_new(json_object_get(json_object_get(copy, "document"), "categories"),
			      json_string("zrm.financien"));
	assert_int_equal(consentdoc_verify(copy, ref, cert_a, err, sizeof(err)), WN_ECONSENT);
	assert_non_null(strstr(err, "altered"));
	json_decref(copy);
	/* a replaced signature over the same document */
	copy = json_deep_copy(o);
	json_object_set_new(copy, "sig", json_string("MEUCIQDxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"));
	assert_int_equal(consentdoc_verify(copy, ref, cert_a, err, sizeof(err)), WN_ESIG);
	json_decref(copy);
	/* another consent's id */
	json_object_set_new(ref, "id", json_string("00000000000000000000000000000000"));
	assert_int_equal(consentdoc_verify(o, ref, cert_a, err, sizeof(err)), WN_ECONSENT);
	json_decref(ref);
	/* a refusal is no consent */
	json_t *r = NULL;
	assert_int_equal(consentdoc_make(d, 1, "gemeente-heerlen", key_a, &r, id, version), 0);
	ref = json_pack("{s:s,s:s}", "id", id, "version", version);
	assert_int_equal(consentdoc_verify(r, ref, cert_a, err, sizeof(err)), WN_ECONSENT);
	assert_non_null(strstr(err, "refusal"));
	json_decref(ref);
	json_decref(r);
	json_decref(o);
	json_decref(d);
}

/* Who a consent is about (BSN, name, birth date) is wiped in place before
 * the parsed document is freed; the rest of it is left as it was. */
static void test_r20_integrity_consent_subject_wiped(void **state)
{
	(void)state;
	json_t *obj = json_pack("{s:{s:{s:s,s:s,s:s},s:[s]}}", "document", "subject", "bsn",
				"123456782", "name", "J. Jansen", "birth_date", "1990-01-01",
				"purposes", "care");
	assert_non_null(obj);
	const json_t *subject = json_object_get(json_object_get(obj, "document"), "subject");
	static const char *const keys[] = { "bsn", "name", "birth_date" };
	size_t lens[3];
	for (size_t k = 0; k < 3; k++)
		lens[k] = strlen(json_string_value(json_object_get(subject, keys[k])));
	secret_wipe_consent(obj);
	for (size_t k = 0; k < 3; k++) {
		const char *v = json_string_value(json_object_get(subject, keys[k]));
		for (size_t i = 0; i < lens[k]; i++)
			assert_int_equal(v[i], 0);
	}
	assert_string_equal(json_string_value(json_array_get(json_object_get(json_object_get(
				    obj, "document"), "purposes"), 0)), "care");
	secret_wipe_consent(NULL); /* nothing there: nothing to do */
	json_decref(obj);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_r10_consent_document_valid),
		cmocka_unit_test(test_r10_consent_explicit_lists),
		cmocka_unit_test(test_r10_consent_dates),
		cmocka_unit_test(test_r11_consent_age_signers),
		cmocka_unit_test(test_r11_consent_age_at_use),
		cmocka_unit_test(test_r11_consent_representative_of_adult),
		cmocka_unit_test(test_r10_consent_maximum_validity),
		cmocka_unit_test(test_r12_medical_special_must_be_named),
		cmocka_unit_test(test_r10_consent_refusal_needs_less),
		cmocka_unit_test(test_r10_consent_covers_one_use),
		cmocka_unit_test(test_r10_consent_refusal_withdraws_what_it_names),
		cmocka_unit_test(test_r20_integrity_consent_object_signed),
		cmocka_unit_test(test_r20_integrity_consent_subject_wiped),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
