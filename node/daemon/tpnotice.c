/*
 * tpnotice.c - the facts of a third-party disclosure that its client's letter
 * names, sealed by the proposer to the source (see tpnotice.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "wijknet.h"
#include "canon.h"
#include "encoding.h"
#include "ground.h"
#include "hpke.h"
#include "schema.h"
#include "tpnotice.h"

static const char TPNOTICE_INFO[] = "wijknet-thirdparty-notice-v1";
/* both facts at their longest fit, each character escaped as \uXXXX in the
 * canonical form: every seal one size */
#define TPNOTICE_PAD (6 * (32 + 500) + 64)
#define TPNOTICE_AAD_MAX 256

static const struct schema_field tpnotice_fields[] = {
	{ "interest", SCHEMA_STRING, 0, 32 },
	{ "legal_reference", SCHEMA_STRING, 0, 500 },
	{ NULL, 0, 0, 0 },
};

json_t *tpnotice_facts(const json_t *motivation)
{
	static const char *const keys[] = { "interest", "legal_reference" };
	json_t *f = json_object();
	for (size_t i = 0; f != NULL && i < sizeof(keys) / sizeof(keys[0]); i++) {
		json_t *v = json_object_get(motivation, keys[i]);
		if (json_is_string(v))
			json_object_set(f, keys[i], v);
	}
	if (f != NULL && json_object_size(f) == 0) {
		json_decref(f);
		f = NULL;
	}
	return f;
}

/* Binds a seal to its proposal: another source, case or person cannot
 * take it over. */
static int tpnotice_aad(char out[TPNOTICE_AAD_MAX], const char *source, const char *case_id,
			const char *person)
{
	if (source == NULL || case_id == NULL || person == NULL)
		return WN_EINVAL;
	int k = snprintf(out, TPNOTICE_AAD_MAX, "%s\n%s\n%s", source, case_id, person);
	return k < 0 || k >= TPNOTICE_AAD_MAX ? WN_EINVAL : 0;
}

int tpnotice_seal(const uint8_t pk[32], const char *source, const char *case_id,
		  const char *person, const json_t *facts, char **b64)
{
	char aad[TPNOTICE_AAD_MAX], *text = NULL;
	uint8_t pt[TPNOTICE_PAD] = { 0 }, ct[TPNOTICE_PAD + HPKE_OVERHEAD];
	size_t len = 0, ctlen = 0;
	int rc = tpnotice_aad(aad, source, case_id, person);
	if (rc == 0)
		rc = canon_dump(facts, &text, &len);
	if (rc != 0)
		return rc;
	if (len >= sizeof(pt)) {
		rc = WN_ETOOBIG;
		goto out;
	}
	memcpy(pt, text, len); /* zero padding: JSON never holds a NUL */
	rc = hpke_seal(pk, (const uint8_t *)TPNOTICE_INFO, strlen(TPNOTICE_INFO),
		       (const uint8_t *)aad, strlen(aad), pt, sizeof(pt), ct, sizeof(ct), &ctlen);
	if (rc == 0)
		rc = b64_encode(ct, ctlen, b64);
out:
	OPENSSL_cleanse(pt, sizeof(pt));
	OPENSSL_cleanse(text, len);
	free(text);
	return rc;
}

/* The opened facts: only the two keys, an interest of Bijlage 3, and each
 * one said. */
static int tpnotice_check(const json_t *f, char *err, size_t errcap)
{
	char detail[160];
	const char *interest = json_string_value(json_object_get(f, "interest"));
	const char *reference = json_string_value(json_object_get(f, "legal_reference"));
	if (!json_is_object(f) || schema_check(f, tpnotice_fields, detail, sizeof(detail)) != 0) {
		snprintf(err, errcap, "the notice facts sealed to the source are malformed");
		return WN_ESCHEMA;
	}
	int known = interest == NULL;
	for (size_t i = 0; !known && ground_interests[i] != NULL; i++)
		known = strcmp(ground_interests[i], interest) == 0;
	if (!known || (reference != NULL && !schema_text_given(reference, 2)) ||
	    (interest == NULL && reference == NULL)) {
		snprintf(err, errcap, "the notice facts sealed to the source name no interest of "
			 "Bijlage 3 or no legal reference");
		return WN_ESCHEMA;
	}
	return 0;
}

int tpnotice_open(const uint8_t sk[32], const char *b64, const char *source,
		  const char *case_id, const char *person, json_t **facts, char *err,
		  size_t errcap)
{
	char aad[TPNOTICE_AAD_MAX];
	uint8_t *ct = NULL, pt[TPNOTICE_PAD];
	size_t ctlen = 0, ptlen = 0;
	json_error_t jerr;
	int rc = tpnotice_aad(aad, source, case_id, person);
	*facts = NULL;
	if (rc == 0 && (b64 == NULL ||
			b64_decode(b64, TPNOTICE_PAD + HPKE_OVERHEAD, &ct, &ctlen) != 0 ||
			ctlen != TPNOTICE_PAD + HPKE_OVERHEAD))
		rc = WN_ESEAL;
	if (rc == 0)
		rc = hpke_open(sk, (const uint8_t *)TPNOTICE_INFO, strlen(TPNOTICE_INFO),
			       (const uint8_t *)aad, strlen(aad), ct, ctlen, pt, sizeof(pt), &ptlen);
	if (rc != 0) {
		snprintf(err, errcap, "the notice facts of the proposal are not sealed to this "
			 "source for this case and person");
		rc = WN_ESEAL;
		goto out;
	}
	*facts = json_loadb((const char *)pt, strnlen((const char *)pt, ptlen), 0, &jerr);
	if ((rc = tpnotice_check(*facts, err, errcap)) != 0) {
		json_decref(*facts);
		*facts = NULL;
	}
out:
	OPENSSL_cleanse(pt, sizeof(pt));
	free(ct);
	return rc;
}
