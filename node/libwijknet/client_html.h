/*
 * client_html.h — libwijknet: what the pages for the client share (the
 * access report, the notice letter, the answer to a rights request): Dutch
 * labels for the federation's codes, and escaped output.
 */
#ifndef WN_NODE_CLIENT_HTML_H
#define WN_NODE_CLIENT_HTML_H

#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

struct label {
	const char *code, *text;
};

extern const struct label html_purposes[], html_grounds[], html_interests[],
	html_rights_kinds[], html_rights_status[];

/* The Dutch text of code, or the code itself when it has none. */
const char *html_label(const struct label *t, const char *code);

/* s with <, >, &, " and ' escaped. */
void html_escaped(FILE *f, const char *s);

/* A date as dd-mm-jjjj: from milliseconds, or from YYYY-MM-DD text. */
void html_date(FILE *f, const json_t *v);

/* A category, or a list of them, by the vocabulary's label. */
void html_category(FILE *f, const char *code);
void html_categories(FILE *f, const json_t *cats);

/* Whom a letter or page about a person speaks to (Heerlen Bijlage 8, as
 * consent is signed): the person from 16, else the parents or the legal
 * representative, and with them a child of 12 to 16. */
enum html_reader {
	HTML_READER_PERSON,	       /* 16 or older, or the age is not known */
	HTML_READER_PARENTS,	       /* a child under 12 */
	HTML_READER_PARENTS_AND_CHILD, /* a child of 12 to 16 */
};

/* The reader of a letter made on on_ms (its Dutch day) about a person born
 * on birth_date (YYYY-MM-DD): HTML_READER_PERSON when that is NULL, not a
 * date or after the day, so that an unknown age keeps the letter as it was. */
enum html_reader html_reader_of(const char *birth_date, int64_t on_ms);

/* person's words, or parents' when the letter goes to a child's parents. */
const char *html_say(enum html_reader who, const char *person, const char *parents);

/* For a child: whom the letter is for, and the child by its birth date and
 * the last three digits of bsn (NULL: none). Nothing for the person. */
void html_reader_address(FILE *f, enum html_reader who, const char *birth_date, const char *bsn);

/* For a child of 12 to 16: a part in words fit for the child, what (one or
 * two sentences) saying what the letter tells. */
void html_reader_child(FILE *f, enum html_reader who, const char *what);

#endif
