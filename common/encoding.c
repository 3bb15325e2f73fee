/*
 * encoding.c — hex and base64 codecs (OpenSSL's EVP block coder for base64).
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "wijknet.h"
#include "encoding.h"

void hex_encode(const uint8_t *in, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 0x0f];
	}
	out[2 * len] = '\0';
}

int hex_validate(const char *s, size_t len)
{
	if (s == NULL || strlen(s) != len)
		return WN_EINVAL;
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return WN_EINVAL;
	return 0;
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int hex_decode(const char *in, uint8_t *out, size_t outlen)
{
	if (in == NULL || out == NULL || strlen(in) != 2 * outlen)
		return WN_EINVAL;
	for (size_t i = 0; i < outlen; i++) {
		int hi = hex_value(in[2 * i]), lo = hex_value(in[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return WN_EINVAL;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

int b64_encode(const uint8_t *in, size_t len, char **out)
{
	if (out == NULL || (in == NULL && len > 0) || len > (size_t)1 << 30)
		return WN_EINVAL;
	size_t cap = 4 * ((len + 2) / 3) + 1;
	char *s = malloc(cap);
	if (s == NULL)
		return WN_ENOMEM;
	EVP_EncodeBlock((unsigned char *)s, in, (int)len);
	*out = s;
	return 0;
}

int b64_decode(const char *in, size_t maxlen, uint8_t **out, size_t *outlen)
{
	if (in == NULL || out == NULL || outlen == NULL)
		return WN_EINVAL;
	size_t n = strlen(in);
	if (n == 0 || n % 4 != 0)
		return WN_EINVAL;
	if (n / 4 * 3 > maxlen + 2)
		return WN_ETOOBIG;
	for (size_t i = 0; i < n; i++) {
		char c = in[i];
		int ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			 (c >= '0' && c <= '9') || c == '+' || c == '/' ||
			 (c == '=' && i >= n - 2);
		if (!ok)
			return WN_EINVAL;
	}
	size_t pad = (in[n - 1] == '=') + (in[n - 2] == '=');
	if (pad == 1 && in[n - 2] == '=')
		return WN_EINVAL;
	uint8_t *buf = malloc(n / 4 * 3 + 1);
	if (buf == NULL)
		return WN_ENOMEM;
	int got = EVP_DecodeBlock(buf, (const unsigned char *)in, (int)n);
	if (got < 0 || (size_t)got < pad) {
		free(buf);
		return WN_EINVAL;
	}
	size_t len = (size_t)got - pad;
	if (len > maxlen) {
		free(buf);
		return WN_ETOOBIG;
	}
	*out = buf;
	*outlen = len;
	return 0;
}
