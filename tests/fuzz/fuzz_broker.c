/*
 * fuzz_broker.c — the broker's message handlers as a registered partner's
 * messages reach them. A federation (CA, certificates, configs) is laid out
 * once in a scratch directory; each input is taken as an envelope, given a
 * fresh id and time, signed with gemeente-heerlen's key inside the harness
 * (so the signature check passes and the per-type handlers parse the
 * mutated bodies) and handed to the broker; the raw bytes go in as well.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "wijknet.h"
#include "broker.h"
#include "envelope.h"
#include "ids.h"
#include "log.h"
#include "pki.h"
#include "transport.h"

static broker *fz_broker;
static pki_identity *fz_sender;

static char fz_dir[] = "/tmp/wijknet-fuzz-broker-XXXXXX";

/* The scratch directory goes when the fuzzer exits. */
static void fz_cleanup(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fz_dir);
	if (system(cmd) != 0)
		fprintf(stderr, "fuzz: could not remove %s\n", fz_dir);
}

static void fz_init(void)
{
	char *dir = fz_dir, cmd[512], path[600], err[512];
	if (mkdtemp(dir) == NULL || atexit(fz_cleanup) != 0)
		abort();
	snprintf(cmd, sizeof(cmd), "sh scripts/mkfederation '%s' 19800 gemeente-heerlen radar "
		 "alcander >/dev/null 2>&1", dir);
	if (system(cmd) != 0)
		abort();
	log_set_level(WN_LOG_ERROR);
	snprintf(path, sizeof(path), "%s/broker.json", dir);
	if (broker_open(path, &fz_broker, err, sizeof(err)) != 0) {
		fprintf(stderr, "fuzz_broker: %s\n", err);
		abort();
	}
	snprintf(path, sizeof(path), "%s/ca/gemeente-heerlen.pem", dir);
	if (pki_identity_load(path, &fz_sender, err, sizeof(err)) != 0)
		abort();
}

static void fz_handle(const char *buf, size_t len)
{
	static const struct rpc_peer peer = { "127.0.0.1:1", { 0 } };
	char *resp = NULL;
	size_t resplen = 0;
	broker_handle_message(fz_broker, &peer, buf, len, &resp, &resplen);
	free(resp);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_error_t jerr;
	if (fz_broker == NULL)
		fz_init();
	fz_handle((const char *)data, size);
	json_t *env = json_loadb((const char *)data, size, 0, &jerr);
	if (!json_is_object(env)) {
		json_decref(env);
		return 0;
	}
	char id[ID_HEX_LEN + 1], *buf = NULL;
	size_t len = 0;
	if (id_generate(id) != 0)
		abort();
	json_object_set_new(env, "v", json_integer(2));
	json_object_set_new(env, "id", json_string(id));
	json_object_set_new(env, "ts", json_integer(time_now_ms()));
	json_object_set_new(env, "from", json_string("gemeente-heerlen"));
	if (!json_is_array(json_object_get(env, "to")))
		json_object_set_new(env, "to", json_pack("[s]", "broker"));
	json_object_del(env, "sig");
	if (envelope_sign(env, fz_sender->key) == 0 && envelope_encode(env, &buf, &len) == 0)
		fz_handle(buf, len);
	free(buf);
	json_decref(env);
	return 0;
}
