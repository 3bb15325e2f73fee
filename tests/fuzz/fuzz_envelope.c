/*
 * fuzz_envelope.c — the envelope codec as a peer's bytes reach it: parse,
 * check, signature and receipt verification, opening a sealed part. A fixed
 * key and certificate are made once; a parsed envelope is also re-signed
 * with it, so that mutations reach the code behind the signature check.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wijknet.h"
#include "envelope.h"
#include "fuzzkit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzzkit *k = fuzzkit_get();
	json_t *env = NULL, *body = NULL;
	char err[256];
	if (envelope_parse(data, size, &env, err, sizeof(err)) != 0)
		return 0;
	envelope_check(env, err, sizeof(err));
	envelope_verify(env, k->cert);
	envelope_verify_receipt(env, k->cert, "broker");
	if (envelope_open(env, "radar", k->seal_sk, &body) == 0)
		json_decref(body);
	/* behind the signature: the same envelope, signed by the key we trust */
	if (envelope_sign(env, k->key) == 0 && envelope_verify(env, k->cert) != 0)
		abort(); /* what we sign must verify */
	char *buf = NULL;
	size_t len = 0;
	if (envelope_encode(env, &buf, &len) == 0) {
		json_t *again = NULL;
		if (envelope_parse(buf, len, &again, err, sizeof(err)) == 0 &&
		    envelope_verify(again, k->cert) != 0)
			abort(); /* encoding then parsing keeps the signature valid */
		json_decref(again);
		free(buf);
	}
	json_decref(env);
	return 0;
}
