/*
 * household.c — commitments to household members and size classes.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "wijknet.h"
#include "canon.h"
#include "encoding.h"
#include "household.h"

static const char COMMIT_CONTEXT[] = "wijknet-person-v1\n";
static const char HASH_CONTEXT[] = "wijknet-case-document-v1\n";

/* HMAC-SHA256(key, context || data) as hex. */
static int keyed_hex(const uint8_t key[HOUSEHOLD_KEY_LEN], const char *context, const char *data,
		     size_t len, char out[HOUSEHOLD_COMMIT_HEX + 1])
{
	size_t clen = strlen(context);
	uint8_t mac[32];
	unsigned int n = 0;
	char *buf = malloc(clen + len + 1);
	if (buf == NULL)
		return WN_ENOMEM;
	memcpy(buf, context, clen);
	memcpy(buf + clen, data, len);
	int rc = HMAC(EVP_sha256(), key, HOUSEHOLD_KEY_LEN, (const uint8_t *)buf, clen + len, mac,
		      &n) != NULL && n == 32 ? 0 : WN_ECRYPTO;
	if (rc == 0)
		hex_encode(mac, sizeof(mac), out);
	OPENSSL_cleanse(buf, clen + len);
	OPENSSL_cleanse(mac, sizeof(mac));
	free(buf);
	return rc;
}

int household_commit(const uint8_t key[HOUSEHOLD_KEY_LEN], const char *bsn,
		     char out[HOUSEHOLD_COMMIT_HEX + 1])
{
	if (key == NULL || bsn == NULL || out == NULL)
		return WN_EINVAL;
	return keyed_hex(key, COMMIT_CONTEXT, bsn, strlen(bsn), out);
}

int household_commit_valid(const char *s)
{
	return hex_validate(s, HOUSEHOLD_COMMIT_HEX);
}

int household_has(const json_t *people, const char *c)
{
	size_t i;
	json_t *x;
	if (c == NULL)
		return 0;
	json_array_foreach(people, i, x)
		if (json_is_string(x) && strcmp(json_string_value(x), c) == 0)
			return 1;
	return 0;
}

size_t household_class(size_t n)
{
	size_t c = 1;
	while (c < n && c < HOUSEHOLD_MAX)
		c *= 2;
	return c;
}

int household_keyed_hash(const uint8_t key[HOUSEHOLD_KEY_LEN], const json_t *doc,
			 char out[HOUSEHOLD_COMMIT_HEX + 1])
{
	char *canon = NULL;
	size_t len = 0;
	int rc = canon_dump(doc, &canon, &len);
	if (rc == 0)
		rc = keyed_hex(key, HASH_CONTEXT, canon, len, out);
	free(canon);
	return rc;
}
