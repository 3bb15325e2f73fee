/*
 * test_letters.c - the municipality's letters to the client, without a
 * federation (r08, r09, r13, r18): dated, signed by the municipality that
 * sends them, naming the interest at stake, and honest about a missed term.
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

static char *rights_letter(int overdue)
{
	char json[512], *html = NULL;
	snprintf(json, sizeof(json), "{\"id\":\"0123456789abcdef0123456789abcdef\",\"kind\":"
		 "\"correction\",\"created_at\":1796000000000,\"state\":\"open\",\"deadline\":"
		 "\"2026-11-30\",\"overdue\":%s,\"partners\":[],\"municipality_name\":"
		 "\"Gemeente Heerlen\"}", overdue ? "true" : "false");
	assert_int_equal(wn_rights_letter_html(json, &html), 0);
	return html;
}

static void test_r18_rectify_letter_past_its_term_says_so(void **state)
{
	(void)state;
	char *html = rights_letter(1);
	assert_non_null(strstr(html, "30-11-2026 verstreken"));
	assert_null(strstr(html, "uiterlijk op"));
	free(html);
	html = rights_letter(0);
	assert_non_null(strstr(html, "uiterlijk op 30-11-2026"));
	assert_null(strstr(html, "verstreken"));
	free(html);
}

static void test_r18_rectify_letter_dated_and_signed(void **state)
{
	(void)state;
	char *html = rights_letter(0);
	assert_non_null(strstr(html, "<p>Datum: "));
	assert_non_null(strstr(html, "burgemeester en wethouders<br>Gemeente Heerlen"));
	free(html);
}

static void test_r13_no_consent_notice_names_interest(void **state)
{
	(void)state;
	char *html = NULL;
	const char *json = "{\"kind\":\"vital_interest\",\"letter\":{\"source\":\"radar\","
			   "\"recipient\":\"gemeente-heerlen\",\"bsn\":\"999990019\",\"ground\":"
			   "\"vital_interest\",\"interest\":\"urgent_health\",\"categories\":"
			   "[\"leefgebied.huisvesting\"],\"disclosed_at\":1796000000000,"
			   "\"municipality_name\":\"Gemeente Heerlen\"}}";
	assert_int_equal(wn_notice_html(json, &html), 0);
	assert_non_null(strstr(html, "Welk belang"));
	assert_non_null(strstr(html, "een dringend gezondheidsbelang"));
	assert_non_null(strstr(html, "<p>Datum: "));
	assert_non_null(strstr(html, "Gemeente Heerlen</p>"));
	free(html);
}

/* An organisation that keeps no dossier on the client but holds their
 * consent does not tell them it holds nothing (G-P 7.1). */
static void test_r17_access_report_consents_are_data(void **state)
{
	(void)state;
	char *html = NULL;
	const char *json = "{\"organisations\":[{\"partner\":\"gemeente-heerlen\",\"name\":"
			   "\"Gemeente Heerlen\",\"known\":true,\"records\":[],\"rights\":[],"
			   "\"removals\":[],\"consents\":[{\"id\":\"x\",\"kind\":\"consent\","
			   "\"status\":\"revoked\",\"valid_until\":\"2027-01-31\",\"revoked_at\":"
			   "1796000000000,\"purposes\":[\"plan_van_aanpak\"],\"sources\":[\"radar\"],"
			   "\"recipients\":[\"gemeente-heerlen\"],\"categories\":"
			   "[\"leefgebied.huisvesting\"]}],"
			   "\"notices\":[]},{\"partner\":\"radar\",\"name\":\"Radar\",\"known\":"
			   "false,\"records\":[],\"rights\":[],\"removals\":[],\"consents\":[],"
			   "\"notices\":[]}],\"disclosures\":[]}";
	assert_int_equal(wn_report_html(json, &html), 0);
	assert_non_null(strstr(html, "geen gegevens uit een dossier"));
	assert_non_null(strstr(html, "geen gegevens over u vastgelegd")); /* Radar's */
	assert_non_null(strstr(html, "31-01-2027; ingetrokken op "));
	/* what it covered (G-P 7.2) */
	assert_non_null(strstr(html, "voor opstellen van het plan van aanpak"));
	assert_non_null(strstr(html, "; van radar; aan gemeente-heerlen; gegevens: huisvesting"));
	free(html);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_r18_rectify_letter_past_its_term_says_so),
		cmocka_unit_test(test_r18_rectify_letter_dated_and_signed),
		cmocka_unit_test(test_r13_no_consent_notice_names_interest),
		cmocka_unit_test(test_r17_access_report_consents_are_data),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
