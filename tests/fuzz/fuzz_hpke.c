/*
 * fuzz_hpke.c — opening a sealed part from hostile bytes: any length, any
 * content, with a fixed recipient key; a forgery must never authenticate.
 */
#include <stdint.h>
#include <stdlib.h>

#include "wijknet.h"
#include "fuzzkit.h"
#include "hpke.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzzkit *k = fuzzkit_get();
	static uint8_t pt[1 << 16];
	size_t ptlen = 0;
	static const uint8_t info[] = "wijknet-fuzz";
	size_t aadlen = size > 0 ? data[0] % 32 : 0;
	if (aadlen > size)
		aadlen = size;
	int rc = hpke_open(k->seal_sk, info, sizeof(info) - 1, data, aadlen, data + aadlen,
			   size - aadlen, pt, sizeof(pt), &ptlen);
	if (rc == 0)
		abort(); /* random bytes authenticated: a forgery */
	return 0;
}
