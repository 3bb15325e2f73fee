/*
 * secret.c — wiping secrets held in JSON values.
 */
#include <stdint.h>
#include <string.h>

#include <openssl/crypto.h>

#include "secret.h"

void secret_wipe_member(const json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));
	if (s != NULL)
		OPENSSL_cleanse((char *)(uintptr_t)s, strlen(s));
}

void secret_wipe_all(const json_t *v)
{
	const char *key;
	json_t *x;
	size_t i;
	if (json_is_string(v)) {
		OPENSSL_cleanse((char *)(uintptr_t)json_string_value(v), json_string_length(v));
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, x)
			secret_wipe_all(x);
	} else if (json_is_object(v)) {
		json_object_foreach((json_t *)(uintptr_t)v, key, x)
			secret_wipe_all(x);
	}
}

void secret_wipe_consent(const json_t *object)
{
	const json_t *subject = json_object_get(json_object_get(object, "document"), "subject");
	secret_wipe_member(subject, "bsn");
	secret_wipe_member(subject, "name");
	secret_wipe_member(subject, "birth_date");
}
