/*
 * schema.c — field-table validation shared by the wire codec and config.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "wijknet.h"
#include "schema.h"

const char *schema_type_name(enum schema_type t)
{
	switch (t) {
	case SCHEMA_STRING: return "a string";
	case SCHEMA_INT: return "an integer";
	case SCHEMA_BOOL: return "true or false";
	case SCHEMA_OBJECT: return "an object";
	case SCHEMA_ARRAY: return "an array";
	}
	return "a value";
}

static int schema_type_ok(const json_t *v, enum schema_type t)
{
	switch (t) {
	case SCHEMA_STRING: return json_is_string(v);
	case SCHEMA_INT: return json_is_integer(v);
	case SCHEMA_BOOL: return json_is_boolean(v);
	case SCHEMA_OBJECT: return json_is_object(v);
	case SCHEMA_ARRAY: return json_is_array(v);
	}
	return 0;
}

int schema_check(const json_t *obj, const struct schema_field *fields, char *err,
		 size_t errcap)
{
	if (!json_is_object(obj)) {
		snprintf(err, errcap, "expected an object");
		return WN_ESCHEMA;
	}
	const char *key;
	json_t *value;
	json_object_foreach((json_t *)obj, key, value) {
		const struct schema_field *f = fields;
		while (f->name != NULL && strcmp(f->name, key) != 0)
			f++;
		if (f->name == NULL) {
			snprintf(err, errcap, "unknown field '%.64s'", key);
			return WN_ESCHEMA;
		}
		if (!schema_type_ok(value, f->type)) {
			snprintf(err, errcap, "field '%s': expected %s", f->name,
				 schema_type_name(f->type));
			return WN_ESCHEMA;
		}
		if (f->max == 0)
			continue;
		if (f->type == SCHEMA_STRING && json_string_length(value) > f->max) {
			snprintf(err, errcap, "field '%s': longer than %zu bytes", f->name, f->max);
			return WN_ETOOBIG;
		}
		if (f->type == SCHEMA_ARRAY && json_array_size(value) > f->max) {
			snprintf(err, errcap, "field '%s': more than %zu items", f->name, f->max);
			return WN_ETOOBIG;
		}
		if (f->type == SCHEMA_INT &&
		    (json_integer_value(value) < 0 || (size_t)json_integer_value(value) > f->max)) {
			snprintf(err, errcap, "field '%s': outside 0..%zu", f->name, f->max);
			return WN_ESCHEMA;
		}
	}
	for (const struct schema_field *f = fields; f->name != NULL; f++) {
		if (f->required && json_object_get(obj, f->name) == NULL) {
			snprintf(err, errcap, "missing field '%s' (%s)", f->name,
				 schema_type_name(f->type));
			return WN_ESCHEMA;
		}
	}
	return 0;
}

static int schema_match(const char *s, size_t maxlen, const char *extra)
{
	if (s == NULL)
		return WN_EINVAL;
	size_t n = strlen(s);
	if (n == 0 || n > maxlen || s[0] < 'a' || s[0] > 'z')
		return WN_EINVAL;
	for (size_t i = 1; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || strchr(extra, c)))
			return WN_EINVAL;
	}
	return 0;
}

int schema_valid_partner_id(const char *s)
{
	return schema_match(s, 63, "-");
}

int schema_valid_code(const char *s)
{
	return schema_match(s, 48, "_.-");
}

/* 1 for the code points Unicode counts as white space or that print as
 * nothing: zero-width, format and bidirectional marks, the soft hyphen,
 * Hangul fillers, variation selectors and tags. */
static int text_is_space(uint32_t c)
{
	return c == ' ' || (c >= 0x09 && c <= 0x0d) || c == 0x85 || c == 0xa0 || c == 0xad ||
	       c == 0x34f || c == 0x115f || c == 0x1160 || c == 0x1680 || c == 0x17b4 ||
	       c == 0x17b5 || (c >= 0x180b && c <= 0x180f) || (c >= 0x2000 && c <= 0x200f) ||
	       (c >= 0x2028 && c <= 0x202f) || (c >= 0x205f && c <= 0x206f) || c == 0x3000 ||
	       c == 0x3164 || (c >= 0xfe00 && c <= 0xfe0f) || c == 0xfeff || c == 0xffa0 ||
	       (c >= 0xe0000 && c <= 0xe0fff);
}

int schema_text_given(const char *s, size_t min)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = 0;
	while (p != NULL && *p != 0 && n < min) {
		uint32_t c = *p++;
		int more = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : c >= 0xc0 ? 1 : 0;
		if (more > 0)
			c &= 0x3fu >> more;
		for (; more > 0 && (*p & 0xc0) == 0x80; more--)
			c = (c << 6) | (*p++ & 0x3fu);
		n += !text_is_space(c);
	}
	return n >= min;
}
