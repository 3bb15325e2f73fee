/*
 * client_html.h — libwijknet: what the pages for the client share (the
 * access report, the notice letter, the answer to a rights request): Dutch
 * labels for the federation's codes, and escaped output.
 */
#ifndef WN_NODE_CLIENT_HTML_H
#define WN_NODE_CLIENT_HTML_H

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

#endif
