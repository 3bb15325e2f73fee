/*
 * client_report_html.c — libwijknet: the access report as a page in Dutch
 * for the client (wn_report_html; r17, Heerlen art. 9, G-P 7.1–7.2): which
 * organisation holds what, where it came from, who asked or received what,
 * when, for which purpose and on which ground, and which changes carried
 * out were passed on to it. Professionals appear by role only (CJEU
 * C-579/21). About a child under 16 it speaks to the parents (Heerlen
 * Bijlage 8; client_reader.c). Every value from the report is HTML-escaped.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "wijknet.h"
#include "date.h"
#include "vocab.h"
#include "client_html.h"


const struct label html_purposes[] = {
	{ "intake", "intake: is uw huishouden al bekend" },
	{ "signalering", "signalering van een zorg" },
	{ "casusoverleg", "casusoverleg van het wijkteam" },
	{ "plan_van_aanpak", "opstellen van het plan van aanpak (1 Gezin, 1 Plan)" },
	{ "zorgcoordinatie", "regie en zorgcoördinatie" },
	{ "inzage", "uw eigen verzoek over uw gegevens (inzage, verbetering, verwijdering, "
		    "afscherming of bezwaar)" },
	{ NULL, NULL },
};

const struct label html_grounds[] = {
	{ "consent", "uw toestemming" },
	{ "legal_obligation", "een wettelijke plicht" },
	{ "vital_interest", "een vitaal belang" },
	{ "public_task", "een taak van algemeen belang" },
	{ "legitimate_interest", "een gerechtvaardigd belang" },
	{ "contract", "een overeenkomst met u" },
	{ "conflict_of_duties", "een conflict van plichten (ernstig gevaar)" },
	{ NULL, NULL },
};

/* Heerlen Bijlage 3, step I: the interest at stake, in the checklist's words. */
const struct label html_interests[] = {
	{ "urgent_health", "een dringend gezondheidsbelang" },
	{ "serious_harm", "de vrees voor ernstig nadeel" },
	{ "serious_nuisance", "ernstige overlast" },
	{ NULL, NULL },
};

static const struct label kinds[] = {
	{ "lookup", "vraag of u bekend bent" },
	{ "request", "verzoek om gegevens" },
	{ "rights", "uw verzoek over uw gegevens" },
	{ NULL, NULL },
};

/* The same, said to a child's parents. */
static const struct label purposes_child[] = {
	{ "inzage", "uw verzoek over de gegevens van uw kind (inzage, verbetering, verwijdering, "
		    "afscherming of bezwaar)" },
	{ NULL, NULL },
};

static const struct label kinds_child[] = {
	{ "lookup", "vraag of uw kind bekend is" },
	{ "request", "verzoek om gegevens" },
	{ "rights", "uw verzoek over de gegevens van uw kind" },
	{ NULL, NULL },
};

static const struct label outcomes[] = {
	{ "known", "geantwoord: bekend" },
	{ "not_known", "geantwoord: niet bekend" },
	{ "refused", "geweigerd" },
	{ "disclosed", "gegevens verstrekt" },
	{ "registered", "verzoek geregistreerd" },
	{ "reported", "overzicht gegeven" },
	{ NULL, NULL },
};

const struct label html_rights_kinds[] = {
	{ "correction", "verbetering" },
	{ "completion", "aanvulling" },
	{ "deletion", "verwijdering" },
	{ "shielding", "afscherming" },
	/* read as "u vroeg om ... van uw gegevens" and "Verzoek om ..." */
	{ "objection", "beëindiging van het gebruik (bezwaar, recht van verzet)" },
	{ NULL, NULL },
};

const struct label html_rights_status[] = {
	{ "open", "in behandeling" },
	{ "done", "uitgevoerd" },
	{ "granted", "toegekend, wordt uitgevoerd" },
	{ "executed", "uitgevoerd" },
	{ "refused", "afgewezen" },
	{ "registered", "in behandeling" },
	{ "not_known", "heeft geen dossiergegevens van u" },
	{ "not_checked", "nog niet beoordeeld: wordt opnieuw gevraagd" },
	{ "unavailable", "niet bereikbaar: wordt opnieuw gevraagd" },
	{ "invalid", "nog geen geldig antwoord: wordt opnieuw gevraagd" },
	{ "error", "kon nog niet antwoorden: wordt opnieuw gevraagd" },
	{ NULL, NULL },
};

static const struct label missing_reasons[] = {
	{ "unavailable", "niet bereikbaar" },
	{ "invalid", "gaf een ongeldig antwoord" },
	{ "error", "kon niet antwoorden" },
	{ "late", "antwoordde te laat" },
	{ "suspended", "neemt tijdelijk niet deel" },
	{ "revoked", "neemt niet meer deel" },
	{ NULL, NULL },
};

/* The Dutch text of code, or the code itself when it has none. */
const char *html_label(const struct label *t, const char *code)
{
	if (code == NULL)
		return "";
	for (; t->code != NULL; t++)
		if (strcmp(t->code, code) == 0)
			return t->text;
	return code;
}

void html_escaped(FILE *f, const char *s)
{
	for (; s != NULL && *s; s++) {
		switch (*s) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default: fputc(*s, f);
		}
	}
}

static const char *str(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* 1 for "DDDD-DD-DD" (digits): printed as it is, so nothing else may be. */
static int date_shaped(const char *s)
{
	for (int i = 0; i < 10; i++)
		if (s[i] == '\0' || ((i == 4 || i == 7) ? s[i] != '-' : (s[i] < '0' || s[i] > '9')))
			return 0;
	return s[10] == '\0';
}

/* A date as dd-mm-jjjj: from milliseconds, or from YYYY-MM-DD text. */
void html_date(FILE *f, const json_t *v)
{
	if (json_is_integer(v) && json_integer_value(v) > 0) {
		char d[DATE_LEN + 1]; /* the Dutch day, whatever the machine's zone */
		date_of_ms((int64_t)json_integer_value(v), d);
		fprintf(f, "%.2s-%.2s-%.4s", d + 8, d + 5, d);
	} else if (json_is_string(v) && date_shaped(json_string_value(v))) {
		const char *d = json_string_value(v);
		fprintf(f, "%.2s-%.2s-%.4s", d + 8, d + 5, d);
	} else {
		fputs("–", f);
	}
}

void html_category(FILE *f, const char *code)
{
	const struct vocab_category *c = vocab_category(code);
	html_escaped(f, c != NULL ? c->label : code);
}

void html_categories(FILE *f, const json_t *cats)
{
	size_t i;
	json_t *x;
	if (!json_is_array(cats) || json_array_size(cats) == 0) {
		fputs("–", f);
		return;
	}
	json_array_foreach(cats, i, x) {
		if (i > 0)
			fputs(", ", f);
		html_category(f, json_string_value(x));
	}
}

/* A purpose in words, said to whom the page is for. */
static const char *purpose_label(enum html_reader who, const char *code)
{
	if (who != HTML_READER_PERSON && code != NULL && strcmp(code, "inzage") == 0)
		return html_label(purposes_child, code);
	return html_label(html_purposes, code);
}

/* An organisation's name as the report knows it, else its id. */
static void put_partner(FILE *f, const json_t *report, const char *id)
{
	const char *name = str(json_object_get(report, "names"), id != NULL ? id : "");
	html_escaped(f, name != NULL ? name : id);
}

static void put_head(FILE *f, enum html_reader who)
{
	fputs("<!DOCTYPE html>\n<html lang=\"nl\">\n<head>\n<meta charset=\"utf-8\">\n<title>", f);
	fputs(html_say(who, "Overzicht van uw gegevens in het sociaal wijkteam",
		       "Overzicht van de gegevens van uw kind in het sociaal wijkteam"), f);
	fputs("</title>\n<style>\n"
	      "body{font-family:sans-serif;max-width:60em;margin:2em auto;padding:0 1em;"
	      "line-height:1.4;color:#222}\n"
	      "table{border-collapse:collapse;width:100%;margin:.5em 0 1.5em}\n"
	      "th,td{border:1px solid #bbb;padding:.3em .5em;text-align:left;vertical-align:top}\n"
	      "th{background:#eef}\n.let-op{border:2px solid #c60;background:#fff4e6;padding:.5em 1em}\n"
	      "</style>\n</head>\n<body>\n", f);
}

/* Whom the page is for, and about whom. */
static void put_addressee(FILE *f, const json_t *r, enum html_reader who)
{
	const json_t *subject = json_object_get(r, "subject");
	const char *bsn = str(subject, "bsn");
	size_t n = bsn != NULL ? strlen(bsn) : 0;
	fputs(html_say(who, "<h1>Overzicht van uw gegevens</h1>\n<p>In dit overzicht ziet u welke "
		       "organisaties van het sociaal wijkteam gegevens over u hebben en waar die "
		       "vandaan komen, en wie gegevens over u heeft opgevraagd of ontvangen: "
		       "wanneer, waarvoor en op welke grond. U heeft hier recht op (artikel 9 van "
		       "het convenant, artikel 15 AVG).</p>\n",
		       "<h1>Overzicht van de gegevens van uw kind</h1>\n<p>In dit overzicht ziet u "
		       "welke organisaties van het sociaal wijkteam gegevens over uw kind hebben en "
		       "waar die vandaan komen, en wie gegevens over uw kind heeft opgevraagd of "
		       "ontvangen: wanneer, waarvoor en op welke grond. U heeft hier als ouder of "
		       "wettelijk vertegenwoordiger recht op (artikel 9 van het convenant, artikel "
		       "15 AVG).</p>\n"), f);
	html_reader_address(f, who, str(subject, "birth_date"), bsn);
	fputs("<p>Opgemaakt op ", f);
	html_date(f, json_object_get(r, "generated_at"));
	fputs(". Kenmerk: ", f);
	html_escaped(f, str(r, "request_id"));
	if (who == HTML_READER_PERSON) {
		fputs(". Betreft de persoon met het burgerservicenummer dat eindigt op ", f);
		html_escaped(f, n >= 3 ? bsn + n - 3 : "");
	}
	fputs(".</p>\n", f);
}

static void put_intro(FILE *f, const json_t *r, enum html_reader who)
{
	put_addressee(f, r, who);
	json_int_t page = json_integer_value(json_object_get(r, "page"));
	if (page > 1)
		fprintf(f, "<p>Dit is deel %lld van het overzicht: de gegevens die niet meer in "
			"deel %lld pasten. De eerdere delen heeft u apart gekregen.</p>\n",
			(long long)page, (long long)page - 1);
	if (str(r, "scope") != NULL && strcmp(str(r, "scope"), "own") == 0) {
		fputs("<p>Dit overzicht gaat alleen over de gegevens van één organisatie "
		      "(artikel 9.3). Een overzicht van alle organisaties vraagt u bij de "
		      "gemeente.</p>\n", f);
	}
	json_t *missing = json_object_get(r, "missing"), *x;
	size_t i;
	if (json_array_size(missing) > 0) {
		fputs("<div class=\"let-op\"><p><strong>Let op: dit overzicht is niet volledig."
		      "</strong> Deze organisaties konden hun deel niet geven:</p>\n<ul>\n", f);
		json_array_foreach(missing, i, x) {
			fputs("<li>", f);
			html_escaped(f, str(x, "name") ? str(x, "name") : str(x, "partner"));
			fputs(" (", f);
			html_escaped(f, html_label(missing_reasons, str(x, "reason")));
			fputs(")</li>\n", f);
		}
		fputs("</ul>\n<p>Vraag de gemeente hun deel opnieuw op te vragen, of vraag het bij "
		      "de organisatie zelf.</p></div>\n", f);
	}
	if (str(r, "scope") != NULL && strcmp(str(r, "scope"), "partners") == 0)
		fputs("<p>Dit overzicht gaat alleen over de organisaties die hieronder staan, niet "
		      "over alle organisaties van het sociaal wijkteam.</p>\n", f);
	json_array_foreach(json_object_get(r, "organisations"), i, x)
		if (json_is_true(json_object_get(x, "truncated"))) {
			fputs("<p class=\"let-op\">Van ", f);
			html_escaped(f, str(x, "name"));
			fputs(" staan hier niet alle gegevens: het zijn er meer dan in één overzicht "
			      "passen. ", f);
			if (json_integer_value(json_object_get(r, "next_page")) > 1)
				fprintf(f, "De rest staat in deel %lld; heeft u dat niet gekregen, "
					"vraag de gemeente erom.", (long long)json_integer_value(
							  json_object_get(r, "next_page")));
			else
				fputs("Vraag de gemeente om de rest.", f);
			fputs("</p>\n", f);
		}
}

static void put_records(FILE *f, const json_t *r, enum html_reader who)
{
	json_t *org, *rec;
	size_t i, j;
	fputs(html_say(who, "<h2>Welke gegevens hebben de organisaties van u?</h2>\n",
		       "<h2>Welke gegevens hebben de organisaties van uw kind?</h2>\n"), f);
	json_array_foreach(json_object_get(r, "organisations"), i, org) {
		fputs("<h3>", f);
		html_escaped(f, str(org, "name"));
		fputs("</h3>\n", f);
		json_t *recs = json_object_get(org, "records");
		if (json_array_size(recs) == 0) {
			/* no dossier records is not nothing: consents and letters are data too */
			if (json_array_size(json_object_get(org, "consents")) > 0 ||
			    json_array_size(json_object_get(org, "notices")) > 0 ||
			    json_array_size(json_object_get(org, "rights")) > 0 ||
			    json_array_size(json_object_get(org, "rights_received")) > 0)
				fputs(html_say(who, "<p>Deze organisatie heeft geen gegevens uit een "
					       "dossier over u vastgelegd. Wel houdt zij bij wat "
					       "hieronder staat: uw toestemmingen of weigeringen, de "
					       "berichten aan u, uw verzoeken en de wijzigingen die "
					       "andere organisaties haar doorgaven.</p>\n",
					       "<p>Deze organisatie heeft geen gegevens uit een "
					       "dossier over uw kind vastgelegd. Wel houdt zij bij wat "
					       "hieronder staat: de toestemmingen of weigeringen voor "
					       "uw kind, de berichten aan u, uw verzoeken en de "
					       "wijzigingen die andere organisaties haar "
					       "doorgaven.</p>\n"), f);
			else
				fputs(html_say(who, "<p>Deze organisatie heeft geen gegevens over u "
					       "vastgelegd.</p>\n", "<p>Deze organisatie heeft geen "
					       "gegevens over uw kind vastgelegd.</p>\n"), f);
			continue;
		}
		fputs("<table>\n<tr><th>Soort gegevens</th><th>Herkomst</th><th>Vastgelegd op</th>"
		      "<th>Laatst gewijzigd</th><th>Bewaard tot</th><th>Afgeschermd</th></tr>\n", f);
		json_array_foreach(recs, j, rec) {
			fputs("<tr><td>", f);
			html_category(f, str(rec, "category"));
			fputs("</td><td>", f);
			if (str(rec, "origin") != NULL && strcmp(str(rec, "origin"), "own") == 0) {
				fputs("eigen registratie van de organisatie", f);
			} else if (str(rec, "received_from") != NULL) {
				fputs("ontvangen van ", f);
				put_partner(f, r, str(rec, "received_from"));
				fputs(" op ", f);
				html_date(f, json_object_get(rec, "received_at"));
				fputs(" (verzoek ", f);
				html_escaped(f, str(rec, "received_in"));
				fputs(")", f);
			} else {
				html_escaped(f, str(rec, "origin"));
			}
			fputs("</td><td>", f);
			html_date(f, json_object_get(rec, "created_at"));
			fputs("</td><td>", f);
			html_date(f, json_object_get(rec, "updated_at"));
			fputs("</td><td>", f);
			html_date(f, json_object_get(rec, "retention_until"));
			fputs("</td><td>", f);
			fputs(json_integer_value(json_object_get(rec, "shielded")) ? "ja" : "nee", f);
			fputs("</td></tr>\n", f);
		}
		fputs("</table>\n", f);
	}
}

static void put_disclosures(FILE *f, const json_t *r, enum html_reader who)
{
	json_t *list = json_object_get(r, "disclosures"), *x;
	size_t i;
	fputs(html_say(who, "<h2>Wie heeft gegevens over u opgevraagd of ontvangen?</h2>\n",
		       "<h2>Wie heeft gegevens over uw kind opgevraagd of ontvangen?</h2>\n"), f);
	if (json_array_size(list) == 0) {
		fputs(html_say(who, "<p>Niemand heeft gegevens over u opgevraagd.</p>\n",
			       "<p>Niemand heeft gegevens over uw kind opgevraagd.</p>\n"), f);
		return;
	}
	fputs("<p>Namen van medewerkers staan hier niet in: u ziet hun organisatie en hun "
	      "functie.</p>\n<table>\n<tr><th>Datum</th><th>Gevraagd door</th><th>Gevraagd aan</th>"
	      "<th>Wat</th><th>Doel</th><th>Grondslag</th><th>Gegevens</th><th>Uitkomst</th></tr>\n",
	      f);
	json_array_foreach(list, i, x) {
		fputs("<tr><td>", f);
		html_date(f, json_object_get(x, "at"));
		fputs("</td><td>", f);
		put_partner(f, r, str(x, "requester"));
		if (str(x, "role") != NULL) {
			fputs(" (", f);
			html_escaped(f, str(x, "role"));
			fputs(")", f);
		}
		fputs("</td><td>", f);
		html_escaped(f, str(x, "source_name") ? str(x, "source_name") : str(x, "source"));
		fputs("</td><td>", f);
		html_escaped(f, html_label(who == HTML_READER_PERSON ? kinds : kinds_child,
					   str(x, "kind")));
		fputs("</td><td>", f);
		html_escaped(f, purpose_label(who, str(x, "purpose")));
		fputs("</td><td>", f);
		html_escaped(f, str(x, "ground") ? html_label(html_grounds, str(x, "ground")) : "–");
		fputs("</td><td>", f);
		html_categories(f, json_object_get(x, "categories"));
		fputs("</td><td>", f);
		html_escaped(f, html_label(outcomes, str(x, "outcome")));
		fputs("</td></tr>\n", f);
	}
	fputs("</table>\n", f);
}

static void put_rights(FILE *f, const json_t *r, enum html_reader who)
{
	json_t *org, *x;
	size_t i, j;
	int any = 0;
	json_array_foreach(json_object_get(r, "organisations"), i, org) {
		json_array_foreach(json_object_get(org, "rights"), j, x) {
			if (!any++) {
				fputs(html_say(who, "<h2>Uw verzoeken</h2>\n", "<h2>Uw verzoeken over "
					       "de gegevens van uw kind</h2>\n"), f);
				fputs("<table>\n<tr><th>Organisatie</th>"
				      "<th>Verzoek om</th><th>Ontvangen</th><th>Beslissing uiterlijk</th>"
				      "<th>Stand</th></tr>\n", f);
			}
			fputs("<tr><td>", f);
			html_escaped(f, str(org, "name"));
			fputs("</td><td>", f);
			html_escaped(f, html_label(html_rights_kinds, str(x, "kind")));
			fputs("</td><td>", f);
			html_date(f, json_object_get(x, "received_at"));
			fputs("</td><td>", f);
			html_date(f, json_object_get(x, "deadline"));
			fputs("</td><td>", f);
			html_escaped(f, html_label(html_rights_status, str(x, "status")));
			if (str(x, "motivation") != NULL) {
				fputs(": ", f);
				html_escaped(f, str(x, "motivation"));
			}
			fputs("</td></tr>\n", f);
		}
	}
	if (any)
		fputs("</table>\n", f);
	any = 0;
	json_array_foreach(json_object_get(r, "organisations"), i, org) {
		json_array_foreach(json_object_get(org, "removals"), j, x) {
			if (!any++)
				fputs("<h2>Verwijderde gegevens</h2>\n<table>\n<tr><th>Organisatie</th>"
				      "<th>Soort gegevens</th><th>Verwijderd op</th><th>Waarom</th></tr>\n",
				      f);
			fputs("<tr><td>", f);
			html_escaped(f, str(org, "name"));
			fputs("</td><td>", f);
			html_category(f, str(x, "category"));
			fputs("</td><td>", f);
			html_date(f, json_object_get(x, "at"));
			fputs("</td><td>", f);
			fputs(str(x, "kind") && strcmp(str(x, "kind"), "purge") == 0
				      ? "de bewaartermijn was verstreken"
				      : "op uw verzoek of na een besluit van de organisatie", f);
			fputs("</td></tr>\n", f);
		}
	}
	if (any)
		fputs("</table>\n", f);
}

/* One rights notice an organisation received: from whom, what, when the
 * sender carried it out, and whether it did too. */
static void put_rights_received_row(FILE *f, const json_t *r, const json_t *org,
				    const json_t *x)
{
	fputs("<tr><td>", f);
	html_escaped(f, str(org, "name"));
	fputs("</td><td>", f);
	put_partner(f, r, str(x, "from"));
	fputs("</td><td>", f);
	html_escaped(f, html_label(html_rights_kinds, str(x, "kind")));
	fputs("</td><td>", f);
	html_categories(f, json_object_get(x, "categories"));
	fputs("</td><td>", f);
	html_date(f, json_object_get(x, "executed_at"));
	fputs("</td><td>", f);
	html_date(f, json_object_get(x, "received_at"));
	fputs("</td><td>", f);
	if (json_integer_value(json_object_get(x, "done_at")) > 0) {
		fputs("ja, op ", f);
		html_date(f, json_object_get(x, "done_at"));
		if (str(x, "done_by_role") != NULL) {
			fputs(" (", f);
			html_escaped(f, str(x, "done_by_role"));
			fputs(")", f);
		}
	} else {
		fputs("nog niet", f);
	}
	fputs("</td></tr>\n", f);
}

/* A change carried out is passed on to those that received the data (AVG
 * art. 19, G-P 8.3): what each organisation was told of it, and did. */
static void put_rights_received(FILE *f, const json_t *r, enum html_reader who)
{
	json_t *org, *x;
	size_t i, j;
	int any = 0;
	json_array_foreach(json_object_get(r, "organisations"), i, org) {
		json_array_foreach(json_object_get(org, "rights_received"), j, x) {
			if (!json_is_object(x))
				continue;
			if (!any++) {
				fputs(html_say(who, "<h2>Wijzigingen in uw gegevens die aan een "
					       "organisatie zijn doorgegeven</h2>\n<p>Een organisatie "
					       "die uw gegevens verbetert, aanvult, verwijdert of "
					       "afschermt, geeft dat door aan de organisaties die die "
					       "gegevens van haar kregen (artikel 19 AVG).</p>\n",
					       "<h2>Wijzigingen in de gegevens van uw kind die aan een "
					       "organisatie zijn doorgegeven</h2>\n<p>Een organisatie "
					       "die de gegevens van uw kind verbetert, aanvult, "
					       "verwijdert of afschermt, geeft dat door aan de "
					       "organisaties die die gegevens van haar kregen (artikel "
					       "19 AVG).</p>\n"), f);
				fputs("<table>\n<tr><th>Organisatie</th><th>Doorgegeven door</th>"
				      "<th>Wat</th><th>Gegevens</th><th>Uitgevoerd door de afzender</th>"
				      "<th>Ontvangen</th><th>Ook uitgevoerd door deze organisatie"
				      "</th></tr>\n", f);
			}
			put_rights_received_row(f, r, org, x);
		}
	}
	if (any)
		fputs("</table>\n", f);
}

static const struct label consent_status[] = {
	{ "active", "geldig" },
	{ "revoked", "ingetrokken" },
	{ "refused", "geweigerd" },
	{ "pending", "nog niet geregistreerd" },
	{ NULL, NULL },
};

/* The consents and refusals each organisation holds (Heerlen 10). */
/* What a consent or refusal covers, as its document says (G-P 7.2): for
 * which purposes, from and to whom, which data. */
static void put_consent_scope(FILE *f, const json_t *report, const json_t *x)
{
	size_t i;
	json_t *v;
	fputs("voor ", f);
	json_array_foreach(json_object_get(x, "purposes"), i, v) {
		fputs(i > 0 ? ", " : "", f);
		html_escaped(f, html_label(html_purposes, json_string_value(v)));
	}
	static const char *const whom[][2] = { { "sources", "; van " }, { "recipients", "; aan " } };
	for (size_t k = 0; k < 2; k++) {
		fputs(whom[k][1], f);
		json_array_foreach(json_object_get(x, whom[k][0]), i, v) {
			fputs(i > 0 ? ", " : "", f);
			put_partner(f, report, json_string_value(v));
		}
	}
	if (json_array_size(json_object_get(x, "categories")) > 0) {
		fputs("; gegevens: ", f);
		html_categories(f, json_object_get(x, "categories"));
	}
}

static void put_consents(FILE *f, const json_t *r, enum html_reader who)
{
	json_t *org, *x;
	size_t i, j;
	int any = 0;
	json_array_foreach(json_object_get(r, "organisations"), i, org) {
		json_array_foreach(json_object_get(org, "consents"), j, x) {
			if (!any++) {
				fputs(html_say(who, "<h2>Uw toestemmingen en weigeringen</h2>\n",
					       "<h2>Toestemmingen en weigeringen voor uw kind</h2>\n"),
				      f);
				fputs("<table>\n<tr>"
				      "<th>Organisatie</th><th>Wat</th><th>Stand</th><th>Vanaf</th>"
				      "<th>Tot</th></tr>\n", f);
			}
			fputs("<tr><td>", f);
			html_escaped(f, str(org, "name"));
			fputs("</td><td>", f);
			/* said of the document, not of the reader: for a child a
			 * parent or guardian signed it (Heerlen Bijlage 8) */
			fputs(str(x, "kind") && strcmp(str(x, "kind"), "refusal") == 0
				      ? "toestemming geweigerd" : "toestemming gegeven", f);
			fputs("</td><td>", f);
			html_escaped(f, html_label(consent_status, str(x, "status")));
			fputs("</td><td>", f);
			html_date(f, json_object_get(x, "valid_from"));
			fputs("</td><td>", f);
			html_date(f, json_object_get(x, "valid_until"));
			if (json_integer_value(json_object_get(x, "revoked_at")) > 0) {
				fputs("; ingetrokken op ", f);
				html_date(f, json_object_get(x, "revoked_at"));
			}
			fputs("</td></tr>\n", f);
			/* what it covers, on a row of its own under it */
			if (json_is_array(json_object_get(x, "purposes"))) {
				fputs("<tr><td></td><td colspan=\"4\">", f);
				put_consent_scope(f, r, x);
				fputs("</td></tr>\n", f);
			}
		}
	}
	if (any)
		fputs("</table>\n", f);
}

/* The notices the municipality sent, or has yet to send (Heerlen 7.2, 7.3). */
static void put_notices(FILE *f, const json_t *r, enum html_reader who)
{
	json_t *org, *x;
	size_t i, j;
	int any = 0;
	json_array_foreach(json_object_get(r, "organisations"), i, org) {
		json_array_foreach(json_object_get(org, "notices"), j, x) {
			if (!any++) {
				fputs(html_say(who, "<h2>Berichten die u kreeg over het delen van uw "
					       "gegevens</h2>\n", "<h2>Berichten die u kreeg over het "
					       "delen van de gegevens van uw kind</h2>\n"), f);
				fputs("<table>\n<tr><th>Gedeeld op</th><th>Door</th><th>Met</th>"
				      "<th>Grond</th><th>Bericht verstuurd</th></tr>\n", f);
			}
			fputs("<tr><td>", f);
			html_date(f, json_object_get(x, "disclosed_at"));
			fputs("</td><td>", f);
			put_partner(f, r, str(x, "source"));
			fputs("</td><td>", f);
			put_partner(f, r, str(x, "recipient"));
			fputs("</td><td>", f);
			html_escaped(f, str(x, "kind") && strcmp(str(x, "kind"), "third_party") == 0
						? "verstrekking aan een derde"
						: html_label(html_grounds, str(x, "kind")));
			fputs("</td><td>", f);
			if (str(x, "sent_on") != NULL)
				html_date(f, json_object_get(x, "sent_on"));
			else
				fputs("nog niet verstuurd", f);
			fputs("</td></tr>\n", f);
		}
	}
	if (any)
		fputs("</table>\n", f);
}

static void put_closing(FILE *f, enum html_reader who)
{
	html_reader_child(f, who, "Hierboven staat welke informatie de organisaties van het "
			  "wijkteam over jou hebben, waar die vandaan komt en wie die heeft gekregen.");
	fputs(html_say(who, "<h2>Wat kunt u doen?</h2>\n<p>Kloppen uw gegevens niet",
		       "<h2>Wat kunt u doen?</h2>\n<p>Kloppen de gegevens van uw kind niet"), f);
	fputs(", zijn ze onvolledig, of wilt u dat ze worden verwijderd of afgeschermd? Vraag het "
	      "bij de gemeente. De organisaties beslissen binnen vier weken; een afwijzing wordt "
	      "gemotiveerd. Bent u het niet eens met hoe met ", f);
	fputs(html_say(who, "uw gegevens", "de gegevens van uw kind"), f);
	fputs(" is omgegaan, dan kunt u een klacht indienen bij de gemeente of bij de Autoriteit "
	      "Persoonsgegevens.</p>\n</body>\n</html>\n", f);
}

int wn_report_html(const char *report_json, char **html_out)
{
	if (html_out != NULL)
		*html_out = NULL;
	if (report_json == NULL || html_out == NULL)
		return WN_EINVAL;
	json_t *r = json_loads(report_json, 0, NULL);
	if (!json_is_object(r) || !json_is_array(json_object_get(r, "organisations")) ||
	    !json_is_array(json_object_get(r, "disclosures"))) {
		json_decref(r);
		return WN_EJSON;
	}
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (f == NULL) {
		json_decref(r);
		return WN_ENOMEM;
	}
	/* the page speaks to whom it is for on the day it was made */
	enum html_reader who = html_reader_of(str(json_object_get(r, "subject"), "birth_date"),
					      (int64_t)json_integer_value(json_object_get(
						      r, "generated_at")));
	put_head(f, who);
	put_intro(f, r, who);
	put_records(f, r, who);
	put_disclosures(f, r, who);
	put_rights(f, r, who);
	put_rights_received(f, r, who);
	put_consents(f, r, who);
	put_notices(f, r, who);
	put_closing(f, who);
	int failed = ferror(f);
	if (fclose(f) != 0 || failed) {
		free(buf);
		json_decref(r);
		return WN_ENOMEM;
	}
	json_decref(r);
	*html_out = buf;
	return 0;
}
