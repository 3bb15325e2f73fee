/*
 * consentdoc.h — the client's consent declaration (Heerlen Bijlage 5, art.
 * 8.2–8.3; Bijlage 8 for who signs) as a document the software can check
 * (r10, r11, r12): who it is about, for which purposes, which partners may
 * disclose (sources) and receive (recipients), which categories — special
 * categories named explicitly — who signed, when, and until when. A refusal
 * is recorded with the same document (art. 10.3).
 *
 * The registering node wraps the document in a signed object
 *   {v, id, kind: consent|refusal, registered_by, registered_at, document, sig}
 * whose version is the SHA-256 of its canonical form without "sig". Requests
 * carry {id, version} in the header and the object sealed to the source,
 * which checks it again before it answers.
 */
#ifndef WN_NODE_CONSENTDOC_H
#define WN_NODE_CONSENTDOC_H

#include <stdint.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#define CONSENT_VERSION_LEN 64

/* Checks a declaration: fields, vocabulary, dates (signed on or before
 * today, valid until today or later, for at most max_days — the
 * federation's maximum validity; 0: no maximum), special categories named,
 * and signers valid for the subject's age on the day of signing and today.
 * A refusal needs no categories, signers or end date. 0 or WN_ESCHEMA/
 * WN_EBSN/WN_ECATEGORY/WN_EPURPOSE/WN_ECONSENT; err names the field and the
 * rule. */
int consentdoc_check(const json_t *doc, int refusal, const char *today, int max_days, char *err,
		     size_t errcap);

/* The kinds of legal representation a representative signer names. */
extern const char *const consentdoc_representations[];

/* The signers rule of Heerlen Bijlage 8 and G-P 4.3a on the day of signing:
 * 16 or older signs personally (an adult's legal representative may sign
 * instead, with the kind of representation recorded); 12 to 15 signs
 * together with a parent or guardian; under 12 a parent or guardian signs.
 * 0 or WN_ECONSENT. */
int consentdoc_check_signers(const json_t *doc, char *err, size_t errcap);

/* The same rule on the day of use as well: a consent signed by parents
 * alone stops covering the child from its 12th birthday, one co-signed
 * from its 16th, until the child signs anew. */
int consentdoc_check_signers_on(const json_t *doc, const char *today, char *err, size_t errcap);

/* The period signed_on..valid_until is at most max_days (0: no maximum):
 * 0 or WN_ECONSENT. */
int consentdoc_check_validity(const json_t *doc, int max_days, char *err, size_t errcap);

/* 0 when the document is in force today: within its dates, its period at
 * most max_days (0: no maximum), its signers fit for the subject's age
 * today. Otherwise WN_ECONSENT and err says why. */
int consentdoc_in_force(const json_t *doc, const char *today, int max_days, char *err,
			size_t errcap);

/* One use of a consent: a disclosure from source to requester. */
struct consent_use {
	const char *bsn;
	const char *purpose;
	const char *requester;     /* the partner that receives */
	const char *source;        /* the partner that discloses */
	const json_t *categories;  /* array of codes; NULL for a known/not-known lookup */
	const char *today;         /* YYYY-MM-DD */
	int max_days;              /* the federation's maximum validity; 0: none */
};

/* 0 when the document covers use; otherwise WN_ECONSENT and err says what
 * is not covered (another person, purpose, recipient, source, category,
 * unnamed special category, not valid today, longer than the maximum,
 * signers no longer fitting the subject's age today). */
int consentdoc_covers(const json_t *doc, const struct consent_use *use, char *err,
		      size_t errcap);

/* 1 when the refusal document (Heerlen 10.3) names the disclosure of
 * category by source to recipient for purpose: it names the purpose, the
 * recipient and the source, and the category (in its list, by a special
 * class it names, or as every category when it names neither). */
int consentdoc_refuses(const json_t *refusal, const char *purpose, const char *recipient,
		       const char *source, const char *category);

/* 1 when a refusal given after the consent document consent withdraws use
 * from it (Heerlen 8.2): a request when it names one of the categories
 * asked (*category: that one); a lookup (no categories) when it names every
 * category the consent covered from that source to that recipient for that
 * purpose. 0 when the use keeps its cover. */
int consentdoc_withdrawn(const json_t *refusal, const json_t *consent,
			 const struct consent_use *use, const char **category);

/* What a refusal about the same person withdraws from a consent given
 * before it: 0 nothing, 1 a part, 2 all the consent covered. */
int consentdoc_limits(const json_t *refusal, const json_t *consent);

/* Wraps doc in a new object registered by registrar now, signed with key.
 * *object: json_decref(); id and version are written. */
int consentdoc_make(const json_t *doc, int refusal, const char *registrar, EVP_PKEY *key,
		    json_t **object, char id[33], char version[CONSENT_VERSION_LEN + 1]);

/* Checks a presented object: its shape, that it is the consent ref names
 * ({id, version}), and the registrar's signature with cert. 0, WN_ESIG (the
 * signature does not verify: forged or altered) or WN_ECONSENT. */
int consentdoc_verify(const json_t *object, const json_t *ref, X509 *registrar_cert, char *err,
		      size_t errcap);

/* consentdoc_verify for a refusal's object (Heerlen 10.3), passed on by the
 * partner that registered it. */
int consentdoc_verify_refusal(const json_t *object, const json_t *ref, X509 *registrar_cert,
			      char *err, size_t errcap);

/* The version (SHA-256 hex) of an object. */
int consentdoc_version(const json_t *object, char version[CONSENT_VERSION_LEN + 1]);
/* A consent or refusal this node (self) registered whose signature does
 * not verify with cert, its certificate now: signed again with key. That is
 * one signed with a key the node replaced under the same id (it leaked);
 * the object comes from the node's own sealed store. *again: 1 when it was. */
int consentdoc_sign_again(json_t *object, const char *self, X509 *cert, EVP_PKEY *key,
			  int *again);

#endif
