/*
 * client_reader.c — libwijknet: whom a letter or page about a person speaks
 * to. Heerlen Bijlage 8 lets a person of 16 or older sign for themselves; for
 * a younger child the parents or the legal representative sign, and a child
 * of 12 to 16 signs with them. A letter about a child under 16 is addressed
 * to the parents, and one about a child of 12 to 16 speaks to the child too.
 * Without a birth date the letter speaks to the person, as it always did.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "client_html.h"
#include "date.h"

#define READER_AGE_CO_SIGN 12 /* Bijlage 8: from 12 the child signs with its parents */
#define READER_AGE_OWN 16     /* from 16 the person signs, and reads, for themselves */

enum html_reader html_reader_of(const char *birth_date, int64_t on_ms)
{
	char on[DATE_LEN + 1];
	if (birth_date == NULL || !date_valid(birth_date) || on_ms <= 0)
		return HTML_READER_PERSON;
	date_of_ms(on_ms, on);
	int age = date_age_years(birth_date, on);
	/* a birth date after the letter's day is no age: the person is spoken to */
	if (age < 0 || age >= READER_AGE_OWN)
		return HTML_READER_PERSON;
	return age < READER_AGE_CO_SIGN ? HTML_READER_PARENTS : HTML_READER_PARENTS_AND_CHILD;
}

const char *html_say(enum html_reader who, const char *person, const char *parents)
{
	return who == HTML_READER_PERSON ? person : parents;
}

void html_reader_address(FILE *f, enum html_reader who, const char *birth_date, const char *bsn)
{
	json_t *born;
	size_t n = bsn != NULL ? strlen(bsn) : 0;
	if (who == HTML_READER_PERSON)
		return;
	fputs(who == HTML_READER_PARENTS_AND_CHILD
		      ? "<p>Aan de ouders of de wettelijk vertegenwoordiger van het kind, en aan "
			"het kind zelf: dit bericht is ook voor het kind bedoeld.</p>\n"
		      : "<p>Aan de ouders of de wettelijk vertegenwoordiger van het kind.</p>\n", f);
	born = json_string(birth_date);
	fputs("<p>Betreft: de gegevens van uw kind, geboren op ", f);
	html_date(f, born);
	json_decref(born);
	/* the BSN's last three digits only: enough to match the letter to its file */
	if (n >= 3) {
		fputs(" (BSN eindigend op ", f);
		html_escaped(f, bsn + n - 3);
		fputs(")", f);
	}
	fputs("</p>\n", f);
}

void html_reader_child(FILE *f, enum html_reader who, const char *what)
{
	if (who != HTML_READER_PARENTS_AND_CHILD)
		return;
	fputs("<h2>Voor jou</h2>\n<p>Deze brief gaat over jou. ", f);
	html_escaped(f, what);
	fputs(" Je mag dat weten.</p>\n<p>Klopt er iets niet, wil je dat iets wordt weggehaald, "
	      "of ben je het er niet mee eens? Praat erover met je ouders of met iemand van het "
	      "wijkteam, of vraag het aan de gemeente. Je mag ook zelf vragen welke informatie de "
	      "organisaties over jou hebben. Vanaf je zestiende beslis je hier zelf over.</p>\n", f);
}
