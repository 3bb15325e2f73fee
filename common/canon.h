/*
 * canon.h — canonical JSON: keys sorted, compact, ASCII-only escapes. Both
 * signer and verifier serialise with this, so a signature covers meaning,
 * not the sender's whitespace.
 */
#ifndef WN_CANON_H
#define WN_CANON_H

#include <stddef.h>
#include <jansson.h>

/* Serialises v canonically; *out is malloc'd (caller frees). Refuses values
 * holding real numbers (their text form is not canonical): WN_ESCHEMA. */
int canon_dump(const json_t *v, char **out, size_t *len);

/* The same, leaving out the top-level members named in drop (NULL-terminated,
 * may be NULL) of an object, without copying it. */
int canon_dump_without(const json_t *v, const char *const *drop, char **out, size_t *len);

#endif
