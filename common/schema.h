/*
 * schema.h — strict checking of JSON objects against a field table: unknown
 * keys, missing keys, wrong types and oversize values each get their own
 * precise message. Used for envelopes, message bodies and config files.
 */
#ifndef WN_SCHEMA_H
#define WN_SCHEMA_H

#include <stddef.h>
#include <jansson.h>

enum schema_type {
	SCHEMA_STRING,
	SCHEMA_INT,
	SCHEMA_BOOL,
	SCHEMA_OBJECT,
	SCHEMA_ARRAY,
};

struct schema_field {
	const char *name;
	enum schema_type type;
	int required;
	size_t max; /* string: max bytes; array: max items; int: 0 = any, else max value */
};

/* Checks obj against fields (terminated by {NULL}). On failure writes a
 * sentence naming the field to err and returns WN_ESCHEMA (unknown, missing,
 * wrong type, integer out of range) or WN_ETOOBIG (string or array over max). */
int schema_check(const json_t *obj, const struct schema_field *fields, char *err,
		 size_t errcap);

/* 0 if s is a partner id: ^[a-z][a-z0-9-]{0,62}$. */
int schema_valid_partner_id(const char *s);

/* 0 if s is a short code: ^[a-z][a-z0-9_.-]{0,47}$ (purposes, grounds, types). */
int schema_valid_code(const char *s);

/* 1 when s (UTF-8) holds at least min characters that are not white
 * space — ASCII or Unicode (a no-break space, U+2000–U+200B, U+3000, …):
 * a reason or a motivation, not a placeholder of blanks. */
int schema_text_given(const char *s, size_t min);

/* The fewest characters, not blanks, of a reason a decision is logged with
 * (ending a membership, suspending or revoking a partner). */
#define REASON_MIN_CHARS 3

/* Name of a JSON type, for messages ("string", "integer", …). */
const char *schema_type_name(enum schema_type t);

#endif
