/*
 * fuzz_tlspeek.c — the gate reads a client's first bytes, before any
 * handshake succeeded: whatever they are, tlspeek either finds nothing or
 * returns a certificate lying inside its own buffer.
 */
#include <stdint.h>
#include <stdlib.h>

#include "wijknet.h"
#include "tlspeek.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t joined[TLSPEEK_MAX];
	const uint8_t *der = NULL;
	size_t len = 0;
	int rc = tlspeek_client_cert(data, size, joined, &der, &len);
	if (rc == 0 && (der < joined || len == 0 || len > TLSPEEK_MAX ||
			(size_t)(der - joined) > TLSPEEK_MAX - len))
		abort();
	if (rc != 0 && (der != NULL || len != 0))
		abort();
	if (rc != 0 && rc != WN_ENOTFOUND && rc != WN_EPROTO)
		abort();
	return 0;
}
