/*
 * canon.c — canonical serialisation: the exact text jansson writes with
 * JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII, produced directly. Every
 * signature, receipt and seal hashes this text, so it is on the hot path of
 * every message; runs of plain characters are copied in one go, and top-level
 * members can be left out without copying the object.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wijknet.h"
#include "canon.h"

#define CANON_MAX_DEPTH 32

struct cbuf {
	char *p;
	size_t len, cap;
	int err;
};

static void cb_reserve(struct cbuf *b, size_t more)
{
	if (b->err || b->len + more + 1 <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < b->len + more + 1) {
		if (cap > SIZE_MAX / 2) {
			b->err = WN_ENOMEM;
			return;
		}
		cap *= 2;
	}
	char *p = realloc(b->p, cap);
	if (p == NULL) {
		b->err = WN_ENOMEM;
		return;
	}
	b->p = p;
	b->cap = cap;
}

static void cb_put(struct cbuf *b, const char *s, size_t n)
{
	cb_reserve(b, n);
	if (b->err)
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

static void cb_char(struct cbuf *b, char c)
{
	cb_put(b, &c, 1);
}

/* "\uXXXX" with upper-case hex digits, as jansson writes it. */
static void cb_u16(struct cbuf *b, unsigned v)
{
	char seq[7];
	snprintf(seq, sizeof(seq), "\\u%04X", v & 0xffff);
	cb_put(b, seq, 6);
}

/* Decodes one UTF-8 sequence at s (jansson strings are valid UTF-8). */
static size_t utf8_decode(const unsigned char *s, size_t n, unsigned *cp)
{
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	size_t len = s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : 2;
	if (len > n)
		return 0;
	unsigned v = s[0] & (len == 2 ? 0x1f : len == 3 ? 0x0f : 0x07);
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		v = (v << 6) | (s[i] & 0x3f);
	}
	*cp = v;
	return len;
}

static void canon_string(struct cbuf *b, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;
	cb_char(b, '"');
	while (i < n && !b->err) {
		/* a run of characters written as they are */
		size_t start = i;
		while (i < n && s[i] >= 0x20 && s[i] < 0x80 && s[i] != '"' && s[i] != '\\')
			i++;
		cb_put(b, str + start, i - start);
		if (i >= n)
			break;
		unsigned cp = 0;
		size_t len = utf8_decode(s + i, n - i, &cp);
		if (len == 0) {
			b->err = WN_ESCHEMA;
			break;
		}
		i += len;
		switch (cp) {
		case '\\': cb_put(b, "\\\\", 2); break;
		case '"': cb_put(b, "\\\"", 2); break;
		case '\b': cb_put(b, "\\b", 2); break;
		case '\f': cb_put(b, "\\f", 2); break;
		case '\n': cb_put(b, "\\n", 2); break;
		case '\r': cb_put(b, "\\r", 2); break;
		case '\t': cb_put(b, "\\t", 2); break;
		default:
			if (cp < 0x10000) {
				cb_u16(b, cp);
			} else {
				cp -= 0x10000;
				cb_u16(b, 0xd800 | ((cp & 0xffc00) >> 10));
				cb_u16(b, 0xdc00 | (cp & 0x003ff));
			}
		}
	}
	cb_char(b, '"');
}

static int key_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int dropped(const char *const *drop, const char *key)
{
	for (size_t i = 0; drop != NULL && drop[i] != NULL; i++)
		if (strcmp(drop[i], key) == 0)
			return 1;
	return 0;
}

static void canon_value(struct cbuf *b, const json_t *v, const char *const *drop, int depth)
{
	char num[32];
	if (b->err)
		return;
	if (depth > CANON_MAX_DEPTH) {
		b->err = WN_ESCHEMA;
		return;
	}
	switch (json_typeof(v)) {
	case JSON_OBJECT: {
		size_t n = json_object_size(v), k = 0;
		const char *key;
		json_t *x;
		const char **keys = malloc((n ? n : 1) * sizeof(*keys));
		if (keys == NULL) {
			b->err = WN_ENOMEM;
			return;
		}
		json_object_foreach((json_t *)v, key, x)
			if (!dropped(drop, key))
				keys[k++] = key;
		qsort(keys, k, sizeof(*keys), key_cmp);
		cb_char(b, '{');
		for (size_t i = 0; i < k && !b->err; i++) {
			if (i > 0)
				cb_char(b, ',');
			canon_string(b, keys[i], strlen(keys[i]));
			cb_char(b, ':');
			canon_value(b, json_object_get(v, keys[i]), NULL, depth + 1);
		}
		cb_char(b, '}');
		free(keys);
		break;
	}
	case JSON_ARRAY: {
		cb_char(b, '[');
		for (size_t i = 0; i < json_array_size(v) && !b->err; i++) {
			if (i > 0)
				cb_char(b, ',');
			canon_value(b, json_array_get(v, i), NULL, depth + 1);
		}
		cb_char(b, ']');
		break;
	}
	case JSON_STRING:
		canon_string(b, json_string_value(v), json_string_length(v));
		break;
	case JSON_INTEGER: {
		int n = snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		cb_put(b, num, (size_t)n);
		break;
	}
	case JSON_TRUE:
		cb_put(b, "true", 4);
		break;
	case JSON_FALSE:
		cb_put(b, "false", 5);
		break;
	case JSON_NULL:
		cb_put(b, "null", 4);
		break;
	case JSON_REAL: /* the text form of a real is not canonical */
	default:
		b->err = WN_ESCHEMA;
	}
}

int canon_dump_without(const json_t *v, const char *const *drop, char **out, size_t *len)
{
	struct cbuf b = { NULL, 0, 0, 0 };
	if (v == NULL || out == NULL)
		return WN_EINVAL;
	canon_value(&b, v, json_is_object(v) ? drop : NULL, 0);
	cb_reserve(&b, 0);
	if (b.err) {
		free(b.p);
		return b.err;
	}
	b.p[b.len] = '\0';
	*out = b.p;
	if (len)
		*len = b.len;
	return 0;
}

int canon_dump(const json_t *v, char **out, size_t *len)
{
	return canon_dump_without(v, NULL, out, len);
}
