/*
 * test_letters.c - the municipality's letters to the client, without a
 * federation (r08, r09, r13, r18): dated, signed by the municipality that
 * sends them, naming the interest at stake, and honest about a missed term;
 * about a child under 16 they speak to the parents (r11, Heerlen Bijlage 8).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "wijknet.h"
#include "date.h"

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

/* The birth date of a person who is years old today, or turns it in
 * days_ahead days. Years a multiple of four keep a 29 February real. */
static void born(int years, int days_ahead, char out[DATE_LEN + 1])
{
	char day[DATE_LEN + 1];
	date_today_plus(days_ahead, day);
	memcpy(out, day, DATE_LEN + 1);
	int y = atoi(day) - years;
	for (int i = 3; i >= 0; i--, y /= 10)
		out[i] = (char)('0' + y % 10);
}

/* A notice letter about the person of BSN 999990019, born on birth (NULL:
 * not known to the municipality). */
static char *notice_letter(const char *birth)
{
	char json[1024], *html = NULL;
	snprintf(json, sizeof(json), "{\"kind\":\"legal_obligation\",\"letter\":{\"source\":"
		 "\"radar\",\"recipient\":\"gemeente-heerlen\",\"bsn\":\"999990019\",\"ground\":"
		 "\"legal_obligation\",\"legal_reference\":\"Jeugdwet art. 7.4.4\",\"categories\":"
		 "[\"leefgebied.huisvesting\"],\"disclosed_at\":1796000000000,\"refusal\":{\"id\":"
		 "\"0123456789abcdef0123456789abcdef\",\"on\":\"2026-10-01\"}%s%s%s}}",
		 birth ? ",\"birth_date\":\"" : "", birth ? birth : "", birth ? "\"" : "");
	assert_int_equal(wn_notice_html(json, &html), 0);
	return html;
}

/* Addressed to the person: as before there was an age to go by. */
static void assert_to_the_person(const char *html)
{
	assert_non_null(strstr(html, "<h1>Bericht over het delen van uw gegevens</h1>"));
	assert_non_null(strstr(html, "Betreft: uw gegevens (BSN eindigend op 019)"));
	assert_non_null(strstr(html, "Uw gegevens zijn verstrekt omdat de wet"));
	assert_non_null(strstr(html, "U had eerder geweigerd"));
	assert_null(strstr(html, "uw kind"));
	assert_null(strstr(html, "Voor jou"));
}

/* A disclosure about a child under 12 is told to its parents, the child
 * named by its birth date and the end of its BSN (r09, r11). */
static void test_r11_consent_age_letter_about_child_to_parents(void **state)
{
	(void)state;
	char birth[DATE_LEN + 1], line[128];
	born(8, 0, birth);
	char *html = notice_letter(birth);
	assert_non_null(strstr(html, "<h1>Bericht over het delen van de gegevens van uw kind</h1>"));
	assert_non_null(strstr(html, "Aan de ouders of de wettelijk vertegenwoordiger van het "
			       "kind.</p>"));
	snprintf(line, sizeof(line), "Betreft: de gegevens van uw kind, geboren op %.2s-%.2s-%.4s "
		 "(BSN eindigend op 019)", birth + 8, birth + 5, birth);
	assert_non_null(strstr(html, line));
	assert_non_null(strstr(html, "De gegevens van uw kind zijn verstrekt omdat de wet"));
	assert_non_null(strstr(html, "Eerder is geweigerd toestemming te geven (op 01-10-2026)"));
	assert_non_null(strstr(html, "als ouder of wettelijk vertegenwoordiger inzien"));
	/* nothing said to the parents as if it were about themselves */
	assert_null(strstr(html, "uw gegevens"));
	assert_null(strstr(html, "Uw gegevens"));
	assert_null(strstr(html, "U had eerder"));
	assert_null(strstr(html, "Voor jou")); /* too young to be written to */
	free(html);
}

/* From 12 to 16 the child signs with its parents: the letter is for it too,
 * with a part in its own words; at 16 it is the person's own (r11). */
static void test_r11_consent_age_letter_child_12_to_16_told_too(void **state)
{
	(void)state;
	char birth[DATE_LEN + 1];
	const int ages[][2] = { { 12, 0 }, { 16, 1 } }; /* 12 today; 16 tomorrow */
	for (size_t i = 0; i < 2; i++) {
		born(ages[i][0], ages[i][1], birth);
		char *html = notice_letter(birth);
		assert_non_null(strstr(html, "ook voor het kind bedoeld"));
		assert_non_null(strstr(html, "<h2>Voor jou</h2>"));
		assert_non_null(strstr(html, "Deze brief gaat over jou."));
		assert_non_null(strstr(html, "de gegevens van uw kind"));
		assert_null(strstr(html, "Uw gegevens"));
		free(html);
	}
	born(16, 0, birth); /* 16 today */
	char *html = notice_letter(birth);
	assert_to_the_person(html);
	free(html);
}

/* An age the municipality does not know, or a birth date that is none,
 * keeps the letter to the person: nothing is guessed (r11). */
static void test_r11_consent_age_letter_unknown_age_to_person(void **state)
{
	(void)state;
	char later[DATE_LEN + 1];
	date_today_plus(30, later);
	const char *births[] = { NULL, "2020-02-30", "not a date", later };
	for (size_t i = 0; i < sizeof(births) / sizeof(births[0]); i++) {
		char *html = notice_letter(births[i]);
		assert_to_the_person(html);
		free(html);
	}
}

/* A rights answer whose partner radar passed a correction on to sevagram
 * (AVG art. 19), about a person born on birth (NULL: age not known). */
static char *rights_letter_recipient(const char *birth)
{
	char json[1024], *html = NULL;
	snprintf(json, sizeof(json), "{\"id\":\"0123456789abcdef0123456789abcdef\",\"kind\":"
		 "\"correction\",\"created_at\":1796000000000,\"state\":\"answered\",\"deadline\":"
		 "\"2026-11-30\",\"overdue\":false,\"partners\":[{\"partner\":\"radar\",\"name\":"
		 "\"Radar\",\"status\":\"executed\",\"executed_at\":1796000000000,\"recipients\":"
		 "[{\"partner\":\"sevagram\",\"name\":\"Sevagram\",\"third_party\":false,"
		 "\"informed\":\"notice\"}]}]%s%s%s}", birth ? ",\"birth_date\":\"" : "",
		 birth ? birth : "", birth ? "\"" : "");
	assert_int_equal(wn_rights_letter_html(json, &html), 0);
	return html;
}

/* The answer to a rights request about a child goes to the parents (r11,
 * r18), the recipients of its data too. */
static void test_r11_consent_age_rights_letter_about_child_to_parents(void **state)
{
	(void)state;
	char birth[DATE_LEN + 1], *html = NULL;
	born(12, 0, birth);
	html = rights_letter_recipient(birth);
	assert_non_null(strstr(html, "<h1>Antwoord op uw verzoek over de gegevens van uw kind</h1>"));
	assert_non_null(strstr(html, "vroeg u om verbetering van de gegevens van uw kind (kenmerk "));
	assert_non_null(strstr(html, "Betreft: de gegevens van uw kind, geboren op "));
	assert_non_null(strstr(html, "<h2>Voor jou</h2>"));
	assert_non_null(strstr(html, "Wie de gegevens van uw kind eerder van een organisatie "
				     "ontving"));
	assert_null(strstr(html, "uw gegevens"));
	free(html);
	char *adult = rights_letter(0);
	assert_non_null(strstr(adult, "van uw gegevens (kenmerk "));
	assert_null(strstr(adult, "uw kind"));
	free(adult);
	adult = rights_letter_recipient(NULL);
	assert_non_null(strstr(adult, "Wie uw gegevens eerder van een organisatie ontving"));
	assert_null(strstr(adult, "uw kind"));
	free(adult);
}

/* The municipality knows a notice was passed on when the partner decided,
 * not that it arrived: the letter says the partner informs the recipient
 * (r18, AVG art. 19). */
static void test_r18_rectify_letter_recipient_being_informed(void **state)
{
	(void)state;
	char *html = rights_letter_recipient(NULL);
	assert_non_null(strstr(html, "Sevagram (wordt geïnformeerd door Radar)"));
	assert_null(strstr(html, "(geïnformeerd)"));
	free(html);
}

/* The access report about a child is a page for its parents, dated by the
 * day it was made (r11, r17). */
static void test_r11_consent_age_r17_access_report_to_parents(void **state)
{
	(void)state;
	char birth[DATE_LEN + 1], json[1024], *html = NULL;
	born(8, 0, birth);
	const char *fmt = "{\"subject\":{\"bsn\":\"999990019\"%s%s%s},\"generated_at\":%lld,"
			  "\"request_id\":\"0123456789abcdef0123456789abcdef\",\"organisations\":"
			  "[{\"partner\":\"radar\",\"name\":\"Radar\",\"known\":false,\"records\":"
			  "[],\"rights\":[],\"removals\":[],\"consents\":[],\"notices\":[]}],"
			  "\"disclosures\":[]}";
	snprintf(json, sizeof(json), fmt, ",\"birth_date\":\"", birth, "\"",
		 (long long)time(NULL) * 1000);
	assert_int_equal(wn_report_html(json, &html), 0);
	assert_non_null(strstr(html, "<h1>Overzicht van de gegevens van uw kind</h1>"));
	assert_non_null(strstr(html, "als ouder of wettelijk vertegenwoordiger recht op"));
	assert_non_null(strstr(html, "(BSN eindigend op 019)"));
	assert_non_null(strstr(html, "Wie heeft gegevens over uw kind opgevraagd"));
	assert_non_null(strstr(html, "geen gegevens over uw kind vastgelegd"));
	assert_non_null(strstr(html, "Kloppen de gegevens van uw kind niet"));
	assert_null(strstr(html, "uw gegevens"));
	assert_null(strstr(html, "over u "));
	free(html);
	/* made before the child was born: no age on that day, the page as it was */
	snprintf(json, sizeof(json), fmt, ",\"birth_date\":\"", birth, "\"", 1000000000000LL);
	assert_int_equal(wn_report_html(json, &html), 0);
	assert_non_null(strstr(html, "<h1>Overzicht van uw gegevens</h1>"));
	assert_non_null(strstr(html, "burgerservicenummer dat eindigt op 019"));
	assert_null(strstr(html, "uw kind"));
	free(html);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_r18_rectify_letter_past_its_term_says_so),
		cmocka_unit_test(test_r18_rectify_letter_dated_and_signed),
		cmocka_unit_test(test_r13_no_consent_notice_names_interest),
		cmocka_unit_test(test_r17_access_report_consents_are_data),
		cmocka_unit_test(test_r11_consent_age_letter_about_child_to_parents),
		cmocka_unit_test(test_r11_consent_age_letter_child_12_to_16_told_too),
		cmocka_unit_test(test_r11_consent_age_letter_unknown_age_to_person),
		cmocka_unit_test(test_r11_consent_age_rights_letter_about_child_to_parents),
		cmocka_unit_test(test_r18_rectify_letter_recipient_being_informed),
		cmocka_unit_test(test_r11_consent_age_r17_access_report_to_parents),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
