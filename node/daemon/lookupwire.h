/*
 * lookupwire.h — what the requester and the source of a lookup agree on:
 * which grounds a lookup may rest on, the size classes its parts are padded
 * to (so that sizes at the broker say nothing about the answers, whatever
 * the household size), and the shape of an answer.
 */
#ifndef WN_NODE_LOOKUPWIRE_H
#define WN_NODE_LOOKUPWIRE_H

#include <stddef.h>

#include <jansson.h>

/* 1 when a lookup may rest on ground: any lawful ground but a conflict of
 * duties, which a source asserts for a data request, never a requester. */
int lookupwire_ground_ok(const char *ground);

/* 1 when c is a size class (1, 2, 4, 8, 16). */
int lookupwire_class_ok(long c);

/* The sealed size of a request (on consent or another ground) and of an
 * answer for a household class. */
size_t lookupwire_request_pad(size_t size_class, int on_consent);
size_t lookupwire_answer_pad(size_t size_class);

/* A refusal's reason as a static string of the known set ("not_shared" for
 * anything else), so that an answer can never carry free text. */
const char *lookupwire_reason(const char *reason);

/* The answers of a source's opened body {answers: [{outcome, reason?}]} for
 * the n people sealed to it; NULL when it is not that (a new array). */
json_t *lookupwire_parse_answer(const json_t *body, size_t n);

#endif
