/*
 * declaration.c — the texts of the confidentiality declaration (Heerlen
 * Bijlage 6) and of the accession declarations (Heerlen Bijlage 4;
 * Groningen 9.1). A text once published is never changed: a new wording is a
 * new version, so that every signed declaration keeps naming what was signed.
 */
#include <stdio.h>
#include <string.h>

#include "wijknet.h"
#include "declaration.h"
#include "encoding.h"
#include "date.h"
#include "pki.h"
#include "schema.h"

struct declaration {
	const char *version;
	const char *text;
};

static const struct declaration declarations[] = {
	{ "heerlen-bijlage6-v1",
	  "Geheimhoudingsverklaring incidentele partner (Convenant Sociale Wijkteams Heerlen, "
	  "bijlage 6).\n"
	  "Ondergetekende verplicht zich tegenover de bij de casus betrokken convenantpartners "
	  "tot geheimhouding van verkregen kennis van zaken over de casuïstiek inzake de casus "
	  "waarvoor deze verklaring is getekend.\n"
	  "Geheimhouding geldt zowel gedurende de periode waarin hij/zij gegevens over de "
	  "incidentele casuïstiek verwerkt als daarna.\n"
	  "Verkregen informatie mag niet verwerkt worden op een wijze die onverenigbaar is met "
	  "de doeleinden waarvoor ze zijn verkregen. In dit kader is het niet toegestaan enige "
	  "informatie aan derden te verstrekken omtrent gegevens van cliënt.\n" },
	{ "heerlen-bijlage4-v1",
	  "Verklaring toetreding tot het convenant (Convenant Sociale Wijkteams Heerlen, "
	  "bijlage 4).\n"
	  "Overwegende dat deelname aan het convenant gelet op de taak, bevoegdheid en "
	  "verantwoordelijkheid van ondergetekende noodzakelijk is voor een effectieve en goede "
	  "vervulling van zijn taak, dan wel voor de taak van andere convenantpartners, en dat "
	  "alle convenantpartners overeenkomstig artikel 15 van het convenant instemmen met "
	  "toetreding van ondergetekende, verklaart ondergetekende:\n"
	  "I. Ondergetekende onderschrijft de in het convenant geformuleerde doelstellingen en is "
	  "in dit kader met inachtneming van de wettelijke bepalingen als vermeld in het "
	  "convenant gerechtigd tot informatie-uitwisseling met convenantpartners, waaronder de "
	  "uitwisseling van persoonsgegevens.\n"
	  "II. De bestanden van ondergetekende van waaruit persoonsgegevens worden verstrekt aan "
	  "de convenantpartners zijn overeenkomstig de waarborgen van de voor hem geldende "
	  "(specifieke) privacy wet- en regelgeving ingericht.\n"
	  "III. De verstrekking van de persoonsgegevens aan de convenantpartners geschiedt "
	  "overeenkomstig het bepaalde in de voor hem geldende (specifieke) privacy wet- en "
	  "regelgeving.\n" },
	{ "groningen-toetreding-v1",
	  "Verklaring toetreding tot het convenant (Convenant WIJ-teams en sociale teams "
	  "Groningen 2016, artikel 9.1).\n"
	  "Overwegende dat het convenant een open convenant is en dat nieuwe convenantpartners "
	  "zich gedurende de convenantperiode bij het convenant kunnen aansluiten (artikel 9, "
	  "lid 1), verklaart ondergetekende:\n"
	  "I. Ondergetekende treedt toe tot het convenant en onderschrijft de in het convenant "
	  "geformuleerde doelstellingen.\n"
	  "II. Ondergetekende en zijn medewerkers nemen bij de gegevensverwerking, waaronder het "
	  "delen van persoonsgegevens met de convenantpartners, het privacyprotocol in bijlage 2, "
	  "dat deel uitmaakt van het convenant, in acht (artikel 7, lid 4).\n"
	  "III. De bestanden van ondergetekende van waaruit persoonsgegevens worden verstrekt aan "
	  "de convenantpartners zijn overeenkomstig de waarborgen van de voor hem geldende "
	  "(specifieke) privacy wet- en regelgeving ingericht.\n" },
};

/* Which accession text each covenant's federation takes (Heerlen 15.1 and
 * Bijlage 4; Groningen 9.1, an open covenant). */
static const struct accession accessions[] = {
	{ "heerlen", "heerlen-bijlage4-v1", "Heerlen Bijlage 4" },
	{ "groningen", "groningen-toetreding-v1", "Groningen 9.1" },
};

const char *declaration_text(const char *version)
{
	for (size_t i = 0; version != NULL && i < sizeof(declarations) / sizeof(declarations[0]); i++)
		if (strcmp(declarations[i].version, version) == 0)
			return declarations[i].text;
	return NULL;
}

int declaration_accession(const char *covenant, const struct accession **out)
{
	for (size_t i = 0; covenant != NULL && i < sizeof(accessions) / sizeof(accessions[0]); i++)
		if (strcmp(accessions[i].covenant, covenant) == 0) {
			*out = &accessions[i];
			return 0;
		}
	return WN_EINVAL;
}

int declaration_accession_of_version(const char *version, const struct accession **out)
{
	for (size_t i = 0; version != NULL && i < sizeof(accessions) / sizeof(accessions[0]); i++)
		if (strcmp(accessions[i].version, version) == 0) {
			*out = &accessions[i];
			return 0;
		}
	return WN_EINVAL;
}

int declaration_hash(const char *version, char out[65])
{
	const char *text = declaration_text(version);
	uint8_t h[32];
	if (text == NULL)
		return WN_EINVAL;
	int rc = pki_sha256(text, strlen(text), h);
	if (rc == 0)
		hex_encode(h, sizeof(h), out);
	return rc;
}

int declaration_check_signed(const json_t *decl, const char *const *fields, const char *date_field,
			     char *err, size_t errcap)
{
	for (size_t i = 0; fields[i] != NULL; i++)
		if (!schema_text_given(json_string_value(json_object_get(decl, fields[i])), 2)) {
			snprintf(err, errcap, "'%s' names nobody: who signs, for which organisation, "
				 "where", fields[i]);
			return WN_EINVAL;
		}
	const char *on = json_string_value(json_object_get(decl, date_field));
	char today[DATE_LEN + 1];
	date_today_plus(0, today);
	if (!date_valid(on) || strcmp(on, "2000-01-01") < 0 || strcmp(on, today) > 0) {
		snprintf(err, errcap, "'%s' is the day it was signed (YYYY-MM-DD), not in the future",
			 date_field);
		return WN_EINVAL;
	}
	return 0;
}
