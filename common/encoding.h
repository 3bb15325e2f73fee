/*
 * encoding.h — hex and base64 for ids, keys and signatures on the wire.
 * Every decoder checks the input's length and alphabet before writing.
 */
#ifndef WN_ENCODING_H
#define WN_ENCODING_H

#include <stddef.h>
#include <stdint.h>

/* Writes 2*len lowercase hex digits plus NUL; out must hold 2*len+1. */
void hex_encode(const uint8_t *in, size_t len, char *out);

/* 0 if s is exactly len lowercase hex digits (ids, hashes on the wire). */
int hex_validate(const char *s, size_t len);

/* Decodes exactly outlen bytes from a hex string of length 2*outlen. */
int hex_decode(const char *in, uint8_t *out, size_t outlen);

/* Base64 (standard alphabet, padded). *out is malloc'd and owned by the caller. */
int b64_encode(const uint8_t *in, size_t len, char **out);

/* Decodes base64; *out is malloc'd (caller frees), *outlen set. Refuses
 * inputs longer than maxlen decoded bytes with WN_ETOOBIG. */
int b64_decode(const char *in, size_t maxlen, uint8_t **out, size_t *outlen);

#endif
