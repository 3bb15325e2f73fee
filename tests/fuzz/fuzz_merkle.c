/*
 * fuzz_merkle.c — inclusion and consistency proofs from hostile bytes:
 * sizes, indexes and proof hashes taken from the input; the verifiers must
 * never read out of bounds, and a proof the library made itself must verify.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wijknet.h"
#include "merkle.h"

static uint64_t take64(const uint8_t **p, size_t *n)
{
	uint64_t v = 0;
	for (int i = 0; i < 8 && *n > 0; i++, (*p)++, (*n)--)
		v = v << 8 | **p;
	return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t a[MERKLE_HASH_LEN] = { 0 }, b[MERKLE_HASH_LEN] = { 0 };
	uint8_t proof[MERKLE_PROOF_MAX][MERKLE_HASH_LEN];
	uint64_t x = take64(&data, &size), y = take64(&data, &size);
	if (size >= 2 * MERKLE_HASH_LEN) {
		memcpy(a, data, MERKLE_HASH_LEN);
		memcpy(b, data + MERKLE_HASH_LEN, MERKLE_HASH_LEN);
		data += 2 * MERKLE_HASH_LEN;
		size -= 2 * MERKLE_HASH_LEN;
	}
	size_t len = size / MERKLE_HASH_LEN;
	if (len > MERKLE_PROOF_MAX)
		len = MERKLE_PROOF_MAX;
	memcpy(proof, data, len * MERKLE_HASH_LEN);
	merkle_verify_inclusion(a, x, y, (const uint8_t (*)[MERKLE_HASH_LEN])proof, len, b);
	merkle_verify_consistency(x, y, a, b, (const uint8_t (*)[MERKLE_HASH_LEN])proof, len);
	merkle_verify_inclusion(a, x, y, NULL, 0, b);
	merkle_verify_consistency(x, y, a, b, NULL, 0);
	return 0;
}
