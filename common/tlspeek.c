/*
 * tlspeek.c — the client's certificate out of its first TLS 1.2 records
 * (RFC 5246 6.2.1 records, 7.4 handshake messages, 7.4.6 Certificate).
 */
#include <string.h>

#include "wijknet.h"
#include "tlspeek.h"

#define TLS_RECORD_HEADER 5
#define TLS_RECORD_MAX (16384 + 2048) /* a ciphertext record's bound (RFC 5246 6.2.3) */
#define TLS_CHANGE_CIPHER_SPEC 20
#define TLS_HANDSHAKE 22
#define TLS_HS_HEADER 4
#define TLS_HS_CERTIFICATE 11

static size_t be24(const uint8_t *p)
{
	return ((size_t)p[0] << 16) | ((size_t)p[1] << 8) | p[2];
}

/* The handshake bytes of the records before the encryption starts, joined
 * into out (at most TLSPEEK_MAX): *outlen. WN_EPROTO for what is not TLS. */
static int tlspeek_join(const uint8_t *buf, size_t len, uint8_t *out, size_t *outlen)
{
	size_t at = 0;
	*outlen = 0;
	while (len - at >= TLS_RECORD_HEADER) {
		const uint8_t *r = buf + at;
		size_t rlen = ((size_t)r[3] << 8) | r[4];
		if (r[1] != 3 || rlen == 0 || rlen > TLS_RECORD_MAX)
			return WN_EPROTO;
		if (r[0] == TLS_CHANGE_CIPHER_SPEC)
			break; /* what follows is encrypted */
		if (r[0] != TLS_HANDSHAKE)
			return WN_EPROTO;
		size_t have = len - at - TLS_RECORD_HEADER;
		size_t take = rlen < have ? rlen : have;
		if (take > TLSPEEK_MAX - *outlen)
			take = TLSPEEK_MAX - *outlen;
		memcpy(out + *outlen, r + TLS_RECORD_HEADER, take);
		*outlen += take;
		if (rlen > have || *outlen == TLSPEEK_MAX)
			break; /* the rest did not come, or is past what we look at */
		at += TLS_RECORD_HEADER + rlen;
	}
	return 0;
}

int tlspeek_client_cert(const uint8_t *buf, size_t len, uint8_t out[TLSPEEK_MAX],
			const uint8_t **der, size_t *derlen)
{
	size_t hlen = 0, at = 0;
	*der = NULL;
	*derlen = 0;
	int rc = tlspeek_join(buf, len, out, &hlen);
	if (rc != 0)
		return rc;
	while (hlen - at >= TLS_HS_HEADER) {
		const uint8_t *m = out + at;
		size_t mlen = be24(m + 1);
		if (m[0] != TLS_HS_CERTIFICATE) {
			if (mlen > hlen - at - TLS_HS_HEADER)
				return WN_ENOTFOUND; /* a message cut at the end */
			at += TLS_HS_HEADER + mlen;
			continue;
		}
		/* certificate_list<0..2^24-1>, each ASN.1Cert<1..2^24-1> */
		size_t have = hlen - at - TLS_HS_HEADER;
		if (have < 3 || mlen < 3)
			return mlen < 3 ? WN_EPROTO : WN_ENOTFOUND;
		size_t list = be24(m + TLS_HS_HEADER);
		if (list != mlen - 3)
			return WN_EPROTO;
		if (list == 0)
			return WN_ENOTFOUND; /* the client offered none */
		if (list < 3)
			return WN_EPROTO;
		if (have < 6)
			return WN_ENOTFOUND;
		size_t clen = be24(m + TLS_HS_HEADER + 3);
		if (clen == 0 || clen > list - 3)
			return WN_EPROTO;
		if (clen > have - 6)
			return WN_ENOTFOUND; /* past what came, or what we look at */
		*der = m + TLS_HS_HEADER + 6;
		*derlen = clen;
		return 0;
	}
	return WN_ENOTFOUND;
}
