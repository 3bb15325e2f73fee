/*
 * client_letters.c — libwijknet: the municipality's letters to the client,
 * in Dutch: the notice of a disclosure (wn_notice_html; Heerlen 7.2, 7.3,
 * 10.3) and the written, motivated answer to a rights request
 * (wn_rights_letter_html; G-P 8.2). A letter about a child under 16 goes
 * to its parents (Heerlen Bijlage 8; client_reader.c). Every value is
 * HTML-escaped.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "wijknet.h"
#include "client_html.h"
#include "ids.h"

static const char *str(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static void letter_head(FILE *f, const char *title)
{
	fputs("<!DOCTYPE html>\n<html lang=\"nl\">\n<head>\n<meta charset=\"utf-8\">\n<title>", f);
	html_escaped(f, title);
	fputs("</title>\n<style>\nbody{font-family:serif;max-width:42em;margin:2em auto;padding:0 "
	      "1em;line-height:1.5;color:#111}\ntable{border-collapse:collapse;width:100%}\n"
	      "th,td{border:1px solid #999;padding:.3em .5em;text-align:left;vertical-align:top}\n"
	      "th{background:#eee}\n</style>\n</head>\n<body>\n", f);
}

/* The day the letter is made (the Dutch day): the term of an objection runs
 * from it. */
static void letter_date(FILE *f)
{
	fputs("<p>Datum: ", f);
	json_t *now = json_integer(time_now_ms());
	html_date(f, now);
	json_decref(now);
	fputs("</p>\n", f);
}

/* The BSN's last three digits only: enough to match the letter to its file. */
static void letter_bsn(FILE *f, const char *bsn)
{
	size_t n = bsn ? strlen(bsn) : 0;
	fputs("<p>Betreft: uw gegevens (BSN eindigend op ", f);
	html_escaped(f, n >= 3 ? bsn + n - 3 : "–");
	fputs(")</p>\n", f);
}

static void letter_rights(FILE *f, enum html_reader who)
{
	if (who != HTML_READER_PERSON) {
		fputs("<h2>Uw rechten</h2>\n<p>U mag als ouder of wettelijk vertegenwoordiger "
		      "inzien welke gegevens de organisaties van het wijkteam over uw kind hebben, "
		      "van wie zij die kregen en aan wie zij die gaven. U kunt vragen de gegevens "
		      "van uw kind te verbeteren, aan te vullen, te verwijderen of af te schermen, en "
		      "u kunt bezwaar maken tegen het gebruik ervan (recht van verzet). Dien uw "
		      "verzoek in bij de gemeente; u krijgt binnen vier weken een schriftelijk "
		      "antwoord, en een afwijzing wordt gemotiveerd. Bent u het niet eens met hoe met "
		      "de gegevens van uw kind is omgegaan, dan kunt u een klacht indienen bij de "
		      "gemeente of bij de Autoriteit Persoonsgegevens.</p>\n", f);
		return;
	}
	fputs("<h2>Uw rechten</h2>\n<p>U mag inzien welke gegevens de organisaties van het "
	      "wijkteam over u hebben, van wie zij die kregen en aan wie zij die gaven. U kunt "
	      "vragen uw gegevens te verbeteren, aan te vullen, te verwijderen of af te schermen, en "
	      "u kunt bezwaar maken tegen het gebruik ervan (recht van verzet). Dien uw verzoek in "
	      "bij de gemeente; u krijgt binnen vier weken een schriftelijk antwoord, en een "
	      "afwijzing wordt gemotiveerd. Bent u het niet eens met hoe met uw gegevens is "
	      "omgegaan, dan kunt u een klacht indienen bij de gemeente of bij de Autoriteit "
	      "Persoonsgegevens.</p>\n", f);
}

/* Ends the page, signed by the college of the municipality that sends it
 * (its name as the directory has it); *buf is open_memstream's, final only
 * after fclose. */
static int letter_finish(FILE *f, const char *municipality, char **buf, char **html_out)
{
	fputs("<p>Met vriendelijke groet,<br>het college van burgemeester en wethouders", f);
	if (municipality != NULL) {
		fputs("<br>", f);
		html_escaped(f, municipality);
	}
	fputs("</p>\n</body>\n</html>\n", f);
	int failed = ferror(f);
	if (fclose(f) != 0 || failed) {
		free(*buf);
		return WN_ENOMEM;
	}
	*html_out = *buf;
	return 0;
}

/* Why the parents of a child are told: the kind of disclosure in words. */
static const char *notice_reason_child(const char *kind)
{
	if (strcmp(kind, "third_party") == 0)
		return "De gegevens van uw kind zijn verstrekt aan een organisatie buiten het "
		       "wijkteam (een derde). Dat mag alleen als de situatie van uw kind dat nodig "
		       "maakt, met instemming van alle betrokken organisaties en nadat de derde een "
		       "geheimhoudingsverklaring tekende. U wordt daarover direct geïnformeerd.";
	if (strcmp(kind, "legal_obligation") == 0)
		return "De gegevens van uw kind zijn verstrekt omdat de wet dat verplicht. U wordt "
		       "daarover direct geïnformeerd.";
	return "De gegevens van uw kind zijn verstrekt zonder toestemming, op een andere grond "
	       "die de wet toelaat. U wordt daarover geïnformeerd.";
}

/* Why the client is told: the kind of disclosure in words. */
static const char *notice_reason(const char *kind, enum html_reader who)
{
	if (who != HTML_READER_PERSON)
		return notice_reason_child(kind);
	if (strcmp(kind, "third_party") == 0)
		return "Uw gegevens zijn verstrekt aan een organisatie buiten het wijkteam (een "
		       "derde). Dat mag alleen als uw situatie dat nodig maakt, met instemming van "
		       "alle betrokken organisaties en nadat de derde een geheimhoudingsverklaring "
		       "tekende. U wordt daarover direct geïnformeerd.";
	if (strcmp(kind, "legal_obligation") == 0)
		return "Uw gegevens zijn verstrekt omdat de wet dat verplicht. U wordt daarover "
		       "direct geïnformeerd.";
	return "Uw gegevens zijn verstrekt zonder uw toestemming, op een andere grond die de "
	       "wet toelaat. U wordt daarover geïnformeerd.";
}

int wn_notice_html(const char *notice_json, char **html_out)
{
	if (html_out != NULL)
		*html_out = NULL;
	if (notice_json == NULL || html_out == NULL)
		return WN_EINVAL;
	json_t *n = json_loads(notice_json, 0, NULL);
	const json_t *l = json_object_get(n, "letter");
	if (!json_is_object(l) || str(n, "kind") == NULL || str(l, "source") == NULL) {
		json_decref(n);
		return WN_EJSON;
	}
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (f == NULL) {
		json_decref(n);
		return WN_ENOMEM;
	}
	enum html_reader who = html_reader_of(str(l, "birth_date"), time_now_ms());
	const char *title = html_say(who, "Bericht over het delen van uw gegevens",
				     "Bericht over het delen van de gegevens van uw kind");
	letter_head(f, title);
	fputs("<h1>", f);
	html_escaped(f, title);
	fputs("</h1>\n", f);
	letter_date(f);
	if (who == HTML_READER_PERSON)
		letter_bsn(f, str(l, "bsn"));
	html_reader_address(f, who, str(l, "birth_date"), str(l, "bsn"));
	fputs("<p>", f);
	html_escaped(f, notice_reason(str(n, "kind"), who));
	fputs("</p>\n<table>\n<tr><th>Wat is gedeeld</th><td>", f);
	html_categories(f, json_object_get(l, "categories"));
	fputs("</td></tr>\n<tr><th>Door wie</th><td>", f);
	html_escaped(f, str(l, "source_name") ? str(l, "source_name") : str(l, "source"));
	fputs("</td></tr>\n<tr><th>Met wie</th><td>", f);
	html_escaped(f, str(l, "recipient_name") ? str(l, "recipient_name") : str(l, "recipient"));
	if (str(l, "recipient_role") != NULL) {
		fputs(" (", f);
		html_escaped(f, str(l, "recipient_role"));
		fputs(")", f);
	}
	fputs("</td></tr>\n<tr><th>Wanneer</th><td>", f);
	html_date(f, json_object_get(l, "disclosed_at"));
	fputs("</td></tr>\n<tr><th>Waarom</th><td>", f);
	html_escaped(f, html_label(html_purposes, str(l, "purpose")));
	fputs("</td></tr>\n<tr><th>Op welke grond</th><td>", f);
	html_escaped(f, html_label(html_grounds, str(l, "ground")));
	if (str(l, "legal_reference") != NULL) {
		fputs(" (", f);
		html_escaped(f, str(l, "legal_reference"));
		fputs(")", f);
	}
	if (str(l, "interest") != NULL) {
		fputs("</td></tr>\n<tr><th>Welk belang</th><td>", f);
		html_escaped(f, html_label(html_interests, str(l, "interest")));
	}
	fputs("</td></tr>\n</table>\n", f);
	const json_t *refusal = json_object_get(l, "refusal");
	if (json_is_object(refusal) || json_is_true(json_object_get(n, "after_refusal"))) {
		fputs(html_say(who, "<p>U had eerder geweigerd toestemming te geven",
			       "<p>Eerder is geweigerd toestemming te geven"), f);
		if (str(refusal, "on") != NULL) {
			fputs(" (op ", f);
			html_date(f, json_object_get(refusal, "on"));
			fputs(")", f);
		}
		fputs(". De gegevens zijn toch gedeeld, op de grond hierboven; daarom laten wij u dit "
		      "weten.</p>\n", f);
	}
	html_reader_child(f, who, "Een organisatie die jou of je gezin helpt, heeft informatie "
			  "over jou aan een ander gegeven. Hierboven staat wat, aan wie, wanneer en "
			  "waarom.");
	letter_rights(f, who);
	int rc = letter_finish(f, str(l, "municipality_name"), &buf, html_out);
	json_decref(n);
	return rc;
}

static void rights_partner_row(FILE *f, const json_t *p)
{
	const char *status = str(p, "status");
	fputs("<tr><td>", f);
	html_escaped(f, str(p, "name") ? str(p, "name") : str(p, "partner"));
	fputs("</td><td>", f);
	html_escaped(f, html_label(html_rights_status, status));
	fputs("</td><td>", f);
	if (status != NULL && strcmp(status, "refused") == 0)
		html_escaped(f, str(p, "motivation"));
	else if (json_object_get(p, "executed_at") != NULL)
		html_date(f, json_object_get(p, "executed_at"));
	else
		fputs("–", f);
	fputs("</td></tr>\n", f);
}

/* Whom each organisation tells of what it carried out: the client is told
 * those recipients on request (AVG art. 19). The municipality knows that a
 * notice was passed on, not that it arrived: the organisation informs them;
 * once the organisation said a recipient carried it out, the letter says so. */
static void rights_recipients_text(FILE *f, enum html_reader who, const json_t *parts)
{
	size_t i, j;
	json_t *p, *x;
	int any = 0;
	json_array_foreach(parts, i, p) {
		const json_t *told = json_object_get(p, "recipients");
		if (json_array_size(told) == 0)
			continue;
		const char *org = str(p, "name") ? str(p, "name") : str(p, "partner");
		if (!any)
			fputs(html_say(who, "<p>Wie uw gegevens eerder van een organisatie ontving, "
				       "hoort van haar wat zij heeft uitgevoerd (AVG art. 19). Dat "
				       "zijn:</p>\n<ul>\n",
				       "<p>Wie de gegevens van uw kind eerder van een organisatie "
				       "ontving, hoort van haar wat zij heeft uitgevoerd (AVG art. "
				       "19). Dat zijn:</p>\n<ul>\n"), f);
		any = 1;
		fputs("<li>", f);
		html_escaped(f, org);
		fputs(": ", f);
		json_array_foreach(told, j, x) {
			int notice = str(x, "informed") != NULL && strcmp(str(x, "informed"),
									"notice") == 0;
			fputs(j ? ", " : "", f);
			html_escaped(f, str(x, "name") ? str(x, "name") : str(x, "partner"));
			if (notice && json_integer_value(json_object_get(x, "carried_out_at")) > 0) {
				fputs(" (geïnformeerd door ", f);
				html_escaped(f, org);
				fputs("; heeft het op ", f);
				html_date(f, json_object_get(x, "carried_out_at"));
				fputs(" ook in de eigen gegevens uitgevoerd)", f);
			} else if (notice) {
				fputs(" (wordt geïnformeerd door ", f);
				html_escaped(f, org);
				fputs(")", f);
			} else {
				fputs(json_is_true(json_object_get(x, "third_party"))
					      ? " (derde; de organisatie informeert haar zelf)"
					      : " (de organisatie informeert haar zelf)", f);
			}
		}
		fputs("</li>\n", f);
	}
	if (any)
		fputs("</ul>\n", f);
}

int wn_rights_letter_html(const char *status_json, char **html_out)
{
	if (html_out != NULL)
		*html_out = NULL;
	if (status_json == NULL || html_out == NULL)
		return WN_EINVAL;
	json_t *r = json_loads(status_json, 0, NULL);
	const json_t *parts = json_object_get(r, "partners");
	if (!json_is_array(parts) || str(r, "kind") == NULL || str(r, "id") == NULL) {
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
	enum html_reader who = html_reader_of(str(r, "birth_date"), time_now_ms());
	const char *title = html_say(who, "Antwoord op uw verzoek over uw gegevens",
				     "Antwoord op uw verzoek over de gegevens van uw kind");
	letter_head(f, title);
	fputs("<h1>", f);
	html_escaped(f, title);
	fputs("</h1>\n", f);
	letter_date(f);
	/* the municipality keeps a rights request's pseudonym, no BSN: the child
	 * is named by its birth date and the request's kenmerk below */
	html_reader_address(f, who, str(r, "birth_date"), NULL);
	fputs("<p>Op ", f);
	html_date(f, json_object_get(r, "created_at"));
	fputs(" vroeg u om ", f);
	html_escaped(f, html_label(html_rights_kinds, str(r, "kind")));
	fputs(html_say(who, " van uw gegevens (kenmerk ", " van de gegevens van uw kind (kenmerk "),
	      f);
	html_escaped(f, str(r, "id"));
	fputs("). Wij legden uw verzoek voor aan de organisaties van het wijkteam. Zo besliste "
	      "elke organisatie:</p>\n<table>\n<tr><th>Organisatie</th><th>Besluit</th>"
	      "<th>Toelichting of datum van uitvoering</th></tr>\n", f);
	size_t i;
	json_t *p;
	json_array_foreach(parts, i, p)
		rights_partner_row(f, p);
	fputs("</table>\n", f);
	rights_recipients_text(f, who, parts);
	int open = strcmp(str(r, "state") ? str(r, "state") : "", "open") == 0;
	if (open && json_is_true(json_object_get(r, "overdue"))) {
		/* a date already past is no promise: say the term was missed (G-P 8.2) */
		fputs("<p>Nog niet elke organisatie heeft beslist. De termijn van vier weken voor "
		      "ons besluit is op ", f);
		html_date(f, json_object_get(r, "deadline"));
		fputs(" verstreken. Dat had niet mogen gebeuren; u hoort zo snel mogelijk van ons. "
		      "U kunt hierover een klacht indienen (zie hieronder).</p>\n", f);
	} else if (open) {
		fputs("<p>Nog niet elke organisatie heeft beslist. Wij beslissen uiterlijk op ", f);
		html_date(f, json_object_get(r, "deadline"));
		fputs("; u hoort dan van ons.</p>\n", f);
	}
	if (json_integer_value(json_object_get(r, "refusals")) > 0)
		fputs("<p>Een afwijzing is hierboven gemotiveerd. Bent u het daarmee niet eens, dan "
		      "kunt u binnen zes weken bezwaar maken bij het college.</p>\n", f);
	html_reader_child(f, who, "Er is gevraagd iets te doen met informatie over jou. Hierboven "
			  "staat wat elke organisatie daarover besliste.");
	letter_rights(f, who);
	int rc = letter_finish(f, str(r, "municipality_name"), &buf, html_out);
	json_decref(r);
	return rc;
}
