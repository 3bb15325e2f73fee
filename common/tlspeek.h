/*
 * tlspeek.h — finds the client's certificate in the first bytes a client
 * sent over TLS 1.2, where the Certificate message travels in the clear,
 * so that a refused handshake can be put in the breach register with the
 * certificate it offered (foreign, revoked, expired) instead of as an
 * anonymous failure. Only reads; never trusts a length it has not checked.
 */
#ifndef WN_TLSPEEK_H
#define WN_TLSPEEK_H

#include <stddef.h>
#include <stdint.h>

/* Handshake bytes reassembled from records at most; a client certificate
 * chain past it is not looked at. */
#define TLSPEEK_MAX 8192

/* Looks in buf (the client's bytes from the start of the connection) for
 * its Certificate handshake message: 0 with *der / *derlen set to the first
 * certificate (DER, pointing into out, which the caller provides with
 * TLSPEEK_MAX bytes); WN_ENOTFOUND when the bytes end, the encryption
 * starts or the certificate list is empty before one is found; WN_EPROTO
 * when they are not TLS handshake records. */
int tlspeek_client_cert(const uint8_t *buf, size_t len, uint8_t out[TLSPEEK_MAX],
			const uint8_t **der, size_t *derlen);

#endif
