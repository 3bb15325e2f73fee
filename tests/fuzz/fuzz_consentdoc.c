/*
 * fuzz_consentdoc.c — a consent declaration as a professional's system
 * submits it: the full check (fields, vocabulary, dates, signers by age)
 * and the coverage of one use.
 */
#include <stdint.h>
#include <stdlib.h>

#include <jansson.h>

#include "wijknet.h"
#include "consentdoc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_error_t jerr;
	char err[256];
	json_t *doc = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &jerr);
	if (doc == NULL)
		return 0;
	for (int refusal = 0; refusal < 2; refusal++)
		consentdoc_check(doc, refusal, "2026-12-02", 365, err, sizeof(err));
	json_t *cats = json_pack("[s]", "leefgebied.huisvesting");
	struct consent_use use = { "999990019", "intake", "gemeente-heerlen", "radar", cats,
				   "2026-12-02", 365 };
	consentdoc_covers(doc, &use, err, sizeof(err));
	use.categories = NULL;
	consentdoc_covers(doc, &use, err, sizeof(err));
	consentdoc_in_force(doc, "2026-12-02", 0, err, sizeof(err));
	json_decref(cats);
	json_decref(doc);
	return 0;
}
