/*
 * declaration.h — the confidentiality declaration an incidental partner (a
 * third party) signs before it receives data about a client (Heerlen art.
 * 7.2, Bijlage 6), as versioned text. The third party's node signs the
 * version and the hash of its text; the broker keeps the signed declaration
 * with the approval, and apart from the case, since the duty of
 * confidentiality lasts beyond the case and the covenant (Heerlen 14.3).
 * Also the accession declaration a new partner signs, in the text of the
 * covenant its federation runs under (Heerlen Bijlage 4; Groningen 9.1).
 */
#ifndef WN_DECLARATION_H
#define WN_DECLARATION_H

#include <jansson.h>

#define DECLARATION_VERSION "heerlen-bijlage6-v1" /* the text signed now */
#define DECLARATION_JOIN_VERSION "heerlen-bijlage4-v1" /* accession, Heerlen Bijlage 4 */
#define DECLARATION_JOIN_VERSION_GRONINGEN "groningen-toetreding-v1" /* accession, Groningen 9.1 */
#define DECLARATION_COVENANT_DEFAULT "heerlen" /* what every federation had before */

/* The accession declaration a new partner signs under one covenant: the
 * covenant decides the text, so a partner never accedes to another one. */
struct accession {
	const char *covenant; /* "heerlen", "groningen" */
	const char *version;  /* its published text */
	const char *label;    /* how messages name it: "Heerlen Bijlage 4" */
};

/* The accession of covenant: 0 with *out (static), or WN_EINVAL for a
 * covenant that is not heerlen or groningen (NULL included). */
int declaration_accession(const char *covenant, const struct accession **out);

/* The accession whose text is version: 0 with *out (static), or WN_EINVAL
 * when version is no accession text. */
int declaration_accession_of_version(const char *version, const struct accession **out);

/* The text of a version (static), or NULL for an unknown version. */
const char *declaration_text(const char *version);

/* SHA-256 (hex) of a version's text: 0, or WN_EINVAL for an unknown one. */
int declaration_hash(const char *version, char out[65]);

/* Checks what a signer filled in: each of fields (NULL-ended) names
 * someone (two characters that are not spaces, at least) and date_field
 * is the day it was signed, a date not in the future. 0, or WN_EINVAL with
 * the reason in err. */
int declaration_check_signed(const json_t *decl, const char *const *fields, const char *date_field,
			     char *err, size_t errcap);

#endif
