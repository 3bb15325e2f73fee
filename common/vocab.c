/*
 * vocab.c — vocabulary tables (version VOCAB_VERSION). Changing a code is a
 * federation-wide policy change: add new codes, never reuse old ones.
 */
#include <string.h>

#include "vocab.h"

#define ALL VOCAB_ALL_CLUSTERS
#define YOUTH (VOCAB_JEUGD | VOCAB_MULTIPROBLEEM)

/*
 * Every cluster's data set as Heerlen Bijlage 2 lists it. Bijlage 2a (jeugd),
 * 2b (volwassenen) and 2c (multiprobleem) each name the same "Gegevensset"
 * a–f, and f is described "aan de hand van de leefgebieden" (art. 6.1 a–h)
 * and the ZRM domains of the Bijlage 2 "Kenmerken"; the four youth domains
 * (opvoeden en opgroeien, G-P 3.5c) belong where children are: cluster jeugd
 * (2a: "kinderen en hun gezinnen") and multiprobleem (2c: "met of zonder
 * kinderen"), not volwassenen (2b: "volwassenen").
 */
static const struct vocab_category categories[] = {
	/* Heerlen art. 6.1: leefgebieden a–h, within data set item f of 2a, 2b, 2c */
	{ "leefgebied.huisvesting", "huisvesting en woonsituatie", "H 6.1a", VOCAB_ORDINARY, ALL },        /* H 6.1a */
	{ "leefgebied.werk_opleiding", "werk, dagbesteding en opleiding", "H 6.1b", VOCAB_ORDINARY, ALL }, /* H 6.1b */
	{ "leefgebied.inkomen_schulden", "inkomen, schulden", "H 6.1c", VOCAB_ORDINARY, ALL },             /* H 6.1c */
	{ "leefgebied.sociale_relaties", "sociale relaties", "H 6.1d", VOCAB_ORDINARY, ALL },              /* H 6.1d */
	{ "leefgebied.verslaving", "verslaving, middelengebruik", "H 6.1e", VOCAB_ADDICTION, ALL },        /* H 6.1e */
	{ "leefgebied.psychisch", "psychisch functioneren", "H 6.1f", VOCAB_MENTAL_HEALTH, ALL },          /* H 6.1f */
	{ "leefgebied.lichamelijk", "lichamelijk functioneren", "H 6.1g", VOCAB_HEALTH, ALL },             /* H 6.1g */
	{ "leefgebied.denkwereld_gedrag", "denkwereld, gedrag en vaardigheden", "H 6.1h", VOCAB_ORDINARY, ALL }, /* H 6.1h */
	/* the ZRM domains: Heerlen Bijlage 2 "Kenmerken" 1–10, Groningen G-P 3.5c adds justitie */
	{ "zrm.financien", "ZRM financiën", "G-P 3.5c", VOCAB_ORDINARY, ALL },                             /* H B2 1 */
	{ "zrm.dagbesteding", "ZRM dagbesteding", "G-P 3.5c", VOCAB_ORDINARY, ALL },                       /* H B2 2 */
	{ "zrm.huisvesting", "ZRM huisvesting", "G-P 3.5c", VOCAB_ORDINARY, ALL },                         /* H B2 3 */
	{ "zrm.huiselijke_relaties", "ZRM huiselijke relaties", "G-P 3.5c", VOCAB_ORDINARY, ALL },         /* H B2 4 */
	{ "zrm.geestelijke_gezondheid", "ZRM geestelijke gezondheid", "G-P 3.5c", VOCAB_MENTAL_HEALTH, ALL }, /* H B2 5 */
	{ "zrm.lichamelijke_gezondheid", "ZRM lichamelijke gezondheid", "G-P 3.5c", VOCAB_HEALTH, ALL },   /* H B2 6 */
	{ "zrm.verslaving", "ZRM verslaving", "G-P 3.5c", VOCAB_ADDICTION, ALL },                          /* H B2 7 */
	{ "zrm.adl", "ZRM activiteiten dagelijks leven", "G-P 3.5c", VOCAB_ORDINARY, ALL },                /* H B2 8 */
	{ "zrm.sociaal_netwerk", "ZRM sociaal netwerk", "G-P 3.5c", VOCAB_ORDINARY, ALL },                 /* H B2 9 */
	{ "zrm.maatschappelijke_participatie", "ZRM maatschappelijke participatie", "G-P 3.5c", VOCAB_ORDINARY, ALL }, /* H B2 10 */
	{ "zrm.justitie", "ZRM justitie", "G-P 3.5c", VOCAB_CRIMINAL, ALL },                               /* G-P 3.5c */
	/* ... and the four youth domains (opvoeden en opgroeien): 2a and 2c only */
	{ "zrm.lichamelijke_verzorging", "ZRM lichamelijke verzorging (jeugd)", "G-P 3.5c", VOCAB_ORDINARY, YOUTH },          /* G-P 3.5c */
	{ "zrm.sociaal_emotionele_ondersteuning", "ZRM sociaal-emotionele ondersteuning (jeugd)", "G-P 3.5c", VOCAB_ORDINARY, YOUTH }, /* G-P 3.5c */
	{ "zrm.scholing", "ZRM scholing (jeugd)", "G-P 3.5c", VOCAB_ORDINARY, YOUTH },                     /* G-P 3.5c */
	{ "zrm.opvang", "ZRM opvang (jeugd)", "G-P 3.5c", VOCAB_ORDINARY, YOUTH },                         /* G-P 3.5c */
	/* Heerlen Bijlage 2a, 2b and 2c, "Gedeelde informatie, Gegevensset" a–f: all three clusters */
	{ "dataset.naw_client", "naam, adres, woonplaats en geboortedatum cliënt", "H B2 a", VOCAB_ORDINARY, ALL }, /* H B2a/b/c a */
	{ "dataset.naw_vertegenwoordiger", "NAW wettelijk vertegenwoordiger", "H B2 b", VOCAB_ORDINARY, ALL },     /* H B2a/b/c b */
	{ "dataset.naw_huishouden", "NAW huishouden", "H B2 c", VOCAB_ORDINARY, ALL },                             /* H B2a/b/c c */
	{ "dataset.school", "school of opleiding", "H B2 d", VOCAB_ORDINARY, ALL },                                /* H B2a/b/c d */
	{ "dataset.gezinsomstandigheden", "gezinsomstandigheden", "H B2 e", VOCAB_ORDINARY, ALL },                 /* H B2a/b/c e */
	{ "dataset.risicos_vragen", "risico's, vragen en problemen (1 Gezin, 1 Plan)", "H B2 f", VOCAB_ORDINARY, ALL }, /* H B2a/b/c f */
	/* Groningen privacy protocol 3.5d–e */
	{ "dataset.plan_van_aanpak", "plan van aanpak", "G-P 3.5d", VOCAB_ORDINARY, ALL },                 /* G-P 3.5d */
	{ "dataset.voorzieningen", "voorzieningen en ingezette ondersteuning", "G-P 3.5e", VOCAB_ORDINARY, ALL }, /* G-P 3.5e */
};

const char *const vocab_purposes[] = {
	"intake",          /* Bijlage 8: is the household already known */
	"signalering",     /* a worry reported, before a case exists */
	"casusoverleg",    /* case meeting of the cluster */
	"plan_van_aanpak", /* drawing up "1 Gezin, 1 Plan" */
	"zorgcoordinatie", /* case direction */
	"inzage",          /* the client's own access and rights (H 9.1) */
	NULL,
};

const char *const vocab_grounds[] = {
	"consent", "legal_obligation", "vital_interest", "public_task",
	"legitimate_interest", "contract", "conflict_of_duties", NULL,
};

const char *const vocab_clusters[] = { "jeugd", "volwassenen", "multiprobleem", NULL };

const struct vocab_category *vocab_category(const char *code)
{
	if (code == NULL)
		return NULL;
	for (size_t i = 0; i < sizeof(categories) / sizeof(categories[0]); i++)
		if (strcmp(categories[i].code, code) == 0)
			return &categories[i];
	return NULL;
}

size_t vocab_category_count(void)
{
	return sizeof(categories) / sizeof(categories[0]);
}

const struct vocab_category *vocab_category_at(size_t i)
{
	return i < vocab_category_count() ? &categories[i] : NULL;
}

static const char *const special_names[] = { NULL, "health", "mental_health", "addiction",
					      "criminal" };

const char *vocab_special_name(enum vocab_special s)
{
	return (unsigned)s < sizeof(special_names) / sizeof(special_names[0]) ? special_names[s]
										: NULL;
}

enum vocab_special vocab_special_from_name(const char *name)
{
	for (size_t i = 1; name != NULL && i < sizeof(special_names) / sizeof(special_names[0]); i++)
		if (strcmp(special_names[i], name) == 0)
			return (enum vocab_special)i;
	return VOCAB_ORDINARY;
}

int vocab_category_in_cluster(const struct vocab_category *c, const char *cluster)
{
	unsigned flag = vocab_cluster(cluster);
	return c != NULL && flag != 0 && (c->clusters & flag) != 0;
}

static int vocab_in(const char *const *list, const char *code)
{
	for (size_t i = 0; code != NULL && list[i] != NULL; i++)
		if (strcmp(list[i], code) == 0)
			return 1;
	return 0;
}

unsigned vocab_cluster(const char *code)
{
	for (unsigned i = 0; code != NULL && vocab_clusters[i] != NULL; i++)
		if (strcmp(vocab_clusters[i], code) == 0)
			return 1u << i;
	return 0;
}

const char *vocab_cluster_name(unsigned flag)
{
	for (unsigned i = 0; vocab_clusters[i] != NULL; i++)
		if (flag == 1u << i)
			return vocab_clusters[i];
	return NULL;
}

int vocab_purpose_known(const char *code)
{
	return vocab_in(vocab_purposes, code);
}

int vocab_ground_known(const char *code)
{
	return vocab_in(vocab_grounds, code);
}
