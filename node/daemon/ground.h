/*
 * ground.h — the lawful ground of a data request (Heerlen art. 7.3, 8; G-P
 * 4.3) and its documentation: a request on consent names the consent; one
 * on legal_obligation names the legal reference (r09); vital_interest,
 * public_task, legitimate_interest and contract carry the structured
 * motivation of Heerlen Bijlage 3 (r13): which interest is at stake (I a–c),
 * why less invasive sharing does not suffice (II, subsidiarity), why the
 * sharing is proportional (III), the exception relied on — required, since
 * without consent step IV allows sharing only on one of its three (IV a–c) —
 * and the legal reference where there is one. conflict_of_duties is asserted by the
 * source's own professional (r12), never by the requester.
 */
#ifndef WN_NODE_GROUND_H
#define WN_NODE_GROUND_H

#include <stddef.h>

#include <jansson.h>

/* Interests of Bijlage 3 step I and exceptions of step IV. */
extern const char *const ground_interests[];  /* urgent_health, serious_harm, serious_nuisance */
extern const char *const ground_exceptions[]; /* crime_prevention, client_protection, rights_of_others */

/* Checks the motivation a ground needs (motivation may be NULL). 0, or
 * WN_EGROUND for an unknown ground, WN_EMOTIVATION (err names the missing or
 * malformed part), WN_ESCHEMA for unknown fields. */
int ground_check_motivation(const char *ground, const json_t *motivation, char *err,
			    size_t errcap);

/* 1 when the ground needs the client's consent document. */
int ground_is_consent(const char *ground);

/* SHA-256 (hex) of the canonical motivation: what the disclosure log keeps
 * as the ground's detail. */
int ground_detail_hash(const json_t *motivation, char out[65]);

#endif
