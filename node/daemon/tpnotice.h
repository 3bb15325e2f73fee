/*
 * tpnotice.h - what the client's letter about a third-party disclosure needs
 * from the proposer's motivation (Heerlen 7.2, 10.3): the interest at stake
 * and the legal reference, and nothing else of it. The motivation stays in
 * the proposer's dossier; these two facts travel sealed to the source, which
 * sends the notice, inside the proposal the proposer signs.
 */
#ifndef WN_NODE_TPNOTICE_H
#define WN_NODE_TPNOTICE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* The facts of motivation (may be NULL) a letter names: {interest?,
 * legal_reference?}, or NULL when it names neither. *out: json_decref(). */
json_t *tpnotice_facts(const json_t *motivation);

/* Seals facts to the source's key, bound to the source, case and person of
 * the proposal, padded to one size. *b64: free(). */
int tpnotice_seal(const uint8_t pk[32], const char *source, const char *case_id,
		  const char *person, const json_t *facts, char **b64);

/* Opens what tpnotice_seal made with the source's private key and checks its
 * form. 0 with *facts (json_decref()), or WN_ESEAL / WN_ESCHEMA with err. */
int tpnotice_open(const uint8_t sk[32], const char *b64, const char *source,
		  const char *case_id, const char *person, json_t **facts, char *err,
		  size_t errcap);

#endif
