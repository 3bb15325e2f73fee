/*
 * fuzz_node.c — a node's answers to lookups and data requests, as the
 * broker delivers them. A broker and the node radar run in this process on
 * a scratch federation; gemeente-heerlen publishes a sealing key so that
 * radar can answer it. Each input becomes the sealed part of a lookup or a
 * request (its first byte picks which): sealed to radar, signed as
 * gemeente-heerlen and countersigned with the broker's key inside the
 * harness, so that the sender checks pass and answer.c and disclose.c parse
 * the mutated contents, and handed to radar's inbound handler.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "wijknet.h"
#include "broker.h"
#include "../../node/daemon/context.h" /* the node's, not the broker's */
#include "encoding.h"
#include "envelope.h"
#include "hpke.h"
#include "ids.h"
#include "log.h"
#include "node.h"
#include "pki.h"
#include "sealkey.h"
#include "transport.h"

static char fz_dir[] = "/tmp/wijknet-fuzz-node-XXXXXX";
static broker *fz_broker;
static node *fz_node;
static pki_identity *fz_gemeente, *fz_broker_id;
static uint8_t fz_radar_pk[32];
static int64_t fz_index;

static void fz_cleanup(void)
{
	char cmd[128];
	node_close(fz_node);
	broker_close(fz_broker);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fz_dir);
	if (system(cmd) != 0)
		fprintf(stderr, "fuzz: could not remove %s\n", fz_dir);
}

/* Sets key to value in the JSON config file path. */
static void fz_config_set(const char *path, const char *key, json_t *value)
{
	json_error_t jerr;
	json_t *cfg = json_load_file(path, 0, &jerr);
	if (cfg == NULL || json_object_set_new(cfg, key, value) != 0 ||
	    json_dump_file(cfg, path, JSON_INDENT(2)) != 0)
		abort();
	json_decref(cfg);
}

static void fz_handle_broker(json_t *env)
{
	static const struct rpc_peer peer = { "127.0.0.1:1", { 0 } };
	char *buf = NULL, *resp = NULL;
	size_t len = 0, resplen = 0;
	if (envelope_sign(env, fz_gemeente->key) != 0 || envelope_encode(env, &buf, &len) != 0)
		abort();
	broker_handle_message(fz_broker, &peer, buf, len, &resp, &resplen);
	free(buf);
	free(resp);
}

/* gemeente-heerlen's sealing key at the broker, so that radar can seal its
 * answers to it; radar's verified directory then holds it and radar's key. */
static void fz_publish_gemeente(void)
{
	uint8_t sk[32], pk[32];
	char *key = NULL, *sig = NULL, err[256];
	json_t *env = NULL;
	if (hpke_keypair_generate(sk, pk) != 0 || b64_encode(pk, 32, &key) != 0 ||
	    sealkey_sign(fz_gemeente->key, "gemeente-heerlen", pk, &sig) != 0 ||
	    envelope_new1(&env, "seal.publish", "gemeente-heerlen", "broker") != 0)
		abort();
	json_object_set_new(env, "body", json_pack("{s:s,s:s}", "key", key, "sig", sig));
	fz_handle_broker(env);
	json_decref(env);
	free(key);
	free(sig);
	for (int i = 0; i < 200; i++) {
		node_refresh_directory(fz_node, err, sizeof(err));
		struct directory *d = node_directory(fz_node);
		struct dir_peer *g = d ? directory_find(d, "gemeente-heerlen") : NULL;
		struct dir_peer *r = d ? directory_find(d, "radar") : NULL;
		int ready = g && g->has_seal && r && r->has_seal;
		if (ready)
			memcpy(fz_radar_pk, r->seal_pk, 32);
		directory_release(d);
		if (ready)
			return;
		usleep(50 * 1000);
	}
	fprintf(stderr, "fuzz_node: radar's directory never held both sealing keys\n");
	abort();
}

static void fz_init(void)
{
	char cmd[512], path[600], err[512];
	if (mkdtemp(fz_dir) == NULL)
		abort();
	snprintf(cmd, sizeof(cmd), "sh scripts/mkfederation '%s' 19700 gemeente-heerlen radar "
		 ">/dev/null 2>&1", fz_dir);
	if (system(cmd) != 0)
		abort();
	log_set_level(WN_LOG_ERROR);
	snprintf(path, sizeof(path), "%s/radar.json", fz_dir);
	fz_config_set(path, "durable_log", json_false()); /* speed: no fsync per input */
	snprintf(path, sizeof(path), "%s/broker.json", fz_dir);
	if (broker_open(path, &fz_broker, err, sizeof(err)) != 0 ||
	    broker_start(fz_broker, err, sizeof(err)) != 0)
		goto fail;
	snprintf(path, sizeof(path), "%s/radar.json", fz_dir);
	if (node_open(path, &fz_node, err, sizeof(err)) != 0 ||
	    node_start(fz_node, err, sizeof(err)) != 0)
		goto fail;
	snprintf(path, sizeof(path), "%s/ca/gemeente-heerlen.pem", fz_dir);
	if (pki_identity_load(path, &fz_gemeente, err, sizeof(err)) != 0)
		goto fail;
	snprintf(path, sizeof(path), "%s/ca/broker.pem", fz_dir);
	if (pki_identity_load(path, &fz_broker_id, err, sizeof(err)) != 0)
		goto fail;
	fz_publish_gemeente();
	/* registered after OpenSSL's own exit handler, so it runs before it */
	if (atexit(fz_cleanup) != 0)
		abort();
	return;
fail:
	fprintf(stderr, "fuzz_node: %s\n", err);
	abort();
}

/* The query's header: a lookup or a data request from gemeente-heerlen. */
static json_t *fz_query(int request)
{
	static const char *const to[] = { "radar" };
	json_t *env = NULL;
	if (envelope_new(&env, request ? "request" : "lookup", "gemeente-heerlen", to, 1) != 0)
		abort();
	envelope_set_str(env, "purpose", request ? "plan_van_aanpak" : "intake");
	envelope_set_str(env, "ground", "public_task");
	if (request)
		envelope_set_str(env, "case", "00112233445566778899aabbccddeeff");
	json_object_set_new(env, "actor", json_pack("{s:s,s:s}", "id", "fuzz", "role", "wijkcoach"));
	json_object_set_new(env, "body", json_pack("{s:i}", "deadline_ms", 1000));
	return env;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct rpc_peer peer = { "127.0.0.1:2", { 0 } };
	json_error_t jerr;
	if (fz_node == NULL)
		fz_init();
	if (size == 0)
		return 0;
	json_t *body = json_loadb((const char *)data + 1, size - 1, 0, &jerr);
	if (!json_is_object(body)) {
		json_decref(body);
		return 0;
	}
	json_t *env = fz_query(data[0] & 1);
	char leaf[65], *buf = NULL, *resp = NULL;
	size_t len = 0, resplen = 0;
	memset(leaf, 'a', 64);
	leaf[64] = '\0';
	if (envelope_seal(env, "radar", fz_radar_pk, body) == 0 &&
	    envelope_sign(env, fz_gemeente->key) == 0 &&
	    envelope_countersign(env, fz_broker_id->key, "broker", ++fz_index, leaf, NULL) == 0 &&
	    envelope_encode(env, &buf, &len) == 0)
		node_inbound_handle(fz_node, &peer, buf, len, &resp, &resplen);
	free(buf);
	free(resp);
	json_decref(env);
	json_decref(body);
	return 0;
}
