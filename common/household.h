/*
 * household.h — the people a case is about (Heerlen 1.14, a household of one
 * or more people) as the broker may know them: per member a commitment
 * HMAC-SHA256(case key, BSN). Only a holder of the case key (the partners of
 * the case) can compute or test one; the broker, which never holds the key,
 * can neither reverse it nor link it to a commitment of another case, since
 * every case has its own random key. Also the size classes that household
 * lookups are padded to, so that sizes say nothing about the answers.
 */
#ifndef WN_HOUSEHOLD_H
#define WN_HOUSEHOLD_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define HOUSEHOLD_KEY_LEN 32
#define HOUSEHOLD_COMMIT_HEX 64
#define HOUSEHOLD_MAX 16 /* people in one case or one lookup */

/* The commitment of bsn under a case key, as 64 lowercase hex digits. */
int household_commit(const uint8_t key[HOUSEHOLD_KEY_LEN], const char *bsn,
		     char out[HOUSEHOLD_COMMIT_HEX + 1]);

/* 0 when s has the form of a commitment (64 lowercase hex digits). */
int household_commit_valid(const char *s);

/* 1 when the array of commitments holds c. */
int household_has(const json_t *people, const char *c);

/* The size class of n people: 1, 2, 4, 8 or 16. */
size_t household_class(size_t n);

/* An HMAC of canonical JSON under a case key (hex): a per-case hash of a
 * document kept at a node (a motivation), which does not repeat across
 * cases even when the document does. */
int household_keyed_hash(const uint8_t key[HOUSEHOLD_KEY_LEN], const json_t *doc,
			 char out[HOUSEHOLD_COMMIT_HEX + 1]);

#endif
