/*
 * registry.c — partner registry: configuration, certificate checks, sealing
 * keys (persisted in the broker's database) and per-partner connections.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wijknet.h"
#include "encoding.h"
#include "fileio.h"
#include "ids.h"
#include "log.h"
#include "registry.h"
#include "sealkey.h"
#include "secevent.h"
#include "vocab.h"

struct registry {
	struct registry_partner *items;
	size_t count;
	pthread_mutex_t lock;
	db *db;
};

static const struct schema_field partner_fields[] = {
	{ "id", SCHEMA_STRING, 1, 63 },
	{ "name", SCHEMA_STRING, 1, 200 },
	{ "address", SCHEMA_STRING, 1, 256 },
	{ "certificate", SCHEMA_STRING, 1, 1024 },
	{ "status", SCHEMA_STRING, 0, 16 },
	{ "clusters", SCHEMA_ARRAY, 0, 8 },
	{ "role", SCHEMA_STRING, 0, 16 },
	{ NULL, 0, 0, 0 },
};


static void registry_partner_clear(struct registry_partner *p)
{
	rpc_client_close(p->client);
	if (p->tls)
		nng_tls_config_free(p->tls);
	free(p->name);
	free(p->address);
	X509_free(p->cert);
	free(p->cert_pem);
	json_decref(p->clusters);
	free(p->seal_sig);
}

/* Restores a previously published sealing key, re-verifying its signature. */
static void registry_restore_seal(registry *r, struct registry_partner *p)
{
	sqlite3_stmt *st = NULL;
	db_lock(r->db);
	if (db_prepare(r->db, "SELECT seal_key, seal_sig FROM partner_keys WHERE partner = ?",
		       &st) == 0) {
		sqlite3_bind_text(st, 1, p->id, -1, SQLITE_TRANSIENT);
		if (sqlite3_step(st) == SQLITE_ROW) {
			const char *k = (const char *)sqlite3_column_text(st, 0);
			const char *s = (const char *)sqlite3_column_text(st, 1);
			if (p->cert && sealkey_verify(p->cert, p->id, k, s, p->seal_pk) == 0) {
				p->seal_sig = strdup(s);
				p->has_seal = p->seal_sig != NULL;
			}
		}
	}
	sqlite3_finalize(st);
	db_unlock(r->db);
}

static int registry_load_one(registry *r, config *cfg, const json_t *obj, size_t idx,
			     pki_trust *trust, char *err, size_t errcap)
{
	struct registry_partner *p = &r->items[idx];
	char where[32];
	snprintf(where, sizeof(where), "partners[%zu]", idx);
	int rc = config_check(cfg, obj, where, partner_fields, err, errcap);
	if (rc != 0)
		return rc;
	const char *id = config_str(obj, "id", NULL);
	if (schema_valid_partner_id(id) != 0) {
		snprintf(err, errcap, "%s: in '%s': key 'id': '%s' is not a partner id "
			 "(lowercase letters, digits, '-')", config_file(cfg), where, id);
		return WN_ECONFIG;
	}
	for (size_t i = 0; i < idx; i++) {
		if (strcmp(r->items[i].id, id) == 0) {
			snprintf(err, errcap, "%s: in '%s': partner id '%s' appears twice",
				 config_file(cfg), where, id);
			return WN_ECONFIG;
		}
	}
	snprintf(p->id, sizeof(p->id), "%s", id);
	const char *status = config_str(obj, "status", "active");
	if (strcmp(status, "active") && strcmp(status, "suspended") && strcmp(status, "revoked")) {
		snprintf(err, errcap, "%s: in '%s': key 'status': expected active, suspended or revoked",
			 config_file(cfg), where);
		return WN_ECONFIG;
	}
	snprintf(p->status, sizeof(p->status), "%s", status);
	const char *role = config_str(obj, "role", "member");
	if (strcmp(role, "member") != 0 && strcmp(role, "incidental") != 0 &&
	    strcmp(role, "municipality") != 0) {
		snprintf(err, errcap, "%s: in '%s': key 'role': expected member, municipality or "
			 "incidental",
			 config_file(cfg), where);
		return WN_ECONFIG;
	}
	p->incidental = strcmp(role, "incidental") == 0;
	p->municipality = strcmp(role, "municipality") == 0;
	p->name = strdup(config_str(obj, "name", id));
	p->address = strdup(config_str(obj, "address", ""));
	p->clusters = json_object_get(obj, "clusters");
	if (p->clusters == NULL)
		p->clusters = json_pack("[sss]", "jeugd", "volwassenen", "multiprobleem");
	else
		json_incref(p->clusters);
	size_t i;
	json_t *c;
	json_array_foreach(p->clusters, i, c) {
		if (!vocab_cluster(json_string_value(c))) {
			snprintf(err, errcap, "%s: in '%s': key 'clusters': item %zu is not one of "
				 "jeugd, volwassenen, multiprobleem", config_file(cfg), where, i);
			return WN_ECONFIG;
		}
	}
	char *path = config_path(cfg, config_str(obj, "certificate", NULL));
	char *pem = NULL;
	if (path == NULL || file_read_all(path, 64 * 1024, &pem, NULL) != 0 ||
	    pki_cert_from_pem(pem, &p->cert) != 0) {
		snprintf(err, errcap, "%s: in '%s': key 'certificate': cannot read a PEM certificate "
			 "from %s", config_file(cfg), where, path ? path : "?");
		free(path);
		free(pem);
		return WN_ECONFIG;
	}
	free(path);
	free(pem);
	if (pki_cert_to_pem(p->cert, &p->cert_pem) != 0)
		return WN_ENOMEM;
	char why[256];
	p->cert_error = pki_trust_verify(trust, p->cert, p->id, why, sizeof(why));
	if (p->cert_error != 0) {
		char detail[400];
		snprintf(detail, sizeof(detail), "registry: certificate of partner '%s' refused: %s",
			 p->id, why);
		secevent_record(r->db, p->cert_error, p->id, NULL, detail);
	}
	registry_restore_seal(r, p);
	return 0;
}

int registry_load(config *cfg, const json_t *partners, pki_trust *trust, db *d, registry **out,
		  char *err, size_t errcap)
{
	if (!json_is_array(partners)) {
		snprintf(err, errcap, "%s: key 'partners': expected an array", config_file(cfg));
		return WN_ECONFIG;
	}
	registry *r = calloc(1, sizeof(*r));
	if (r == NULL)
		return WN_ENOMEM;
	pthread_mutex_init(&r->lock, NULL);
	r->db = d;
	r->count = json_array_size(partners);
	r->items = calloc(r->count ? r->count : 1, sizeof(*r->items));
	if (r->items == NULL) {
		registry_free(r);
		return WN_ENOMEM;
	}
	for (size_t i = 0; i < r->count; i++) {
		int rc = registry_load_one(r, cfg, json_array_get(partners, i), i, trust, err, errcap);
		if (rc != 0) {
			registry_free(r);
			return rc;
		}
	}
	*out = r;
	return 0;
}

void registry_free(registry *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->count; i++)
		registry_partner_clear(&r->items[i]);
	free(r->items);
	pthread_mutex_destroy(&r->lock);
	free(r);
}

int registry_connect(registry *r, const char *cert_key_path, const char *ca_path,
		     const char *crl_path)
{
	for (size_t i = 0; i < r->count; i++) {
		struct registry_partner *p = &r->items[i];
		char err[256];
		if (!registry_usable(p) || p->address[0] == '\0')
			continue;
		if (transport_tls_config(&p->tls, 0, cert_key_path, ca_path, crl_path, p->id, err,
					 sizeof(err)) != 0) {
			log_msg(WN_LOG_ERROR, "tls_config", "%s", err);
			return WN_ECONFIG;
		}
		int first = 0;
		if (rpc_client_open(&p->client, p->address, p->tls, &first, err, sizeof(err)) != 0) {
			log_msg(WN_LOG_ERROR, "dial_failed", "%s", err);
			continue;
		}
		if (first == NNG_EPEERAUTH || first == NNG_ECRYPTO) {
			char detail[300];
			snprintf(detail, sizeof(detail), "TLS handshake with node of '%s' at %s refused: %s",
				 p->id, p->address, nng_strerror(first));
			secevent_record(r->db, WN_ECERT, p->id, NULL, detail);
		} else if (first != 0) {
			log_emit(WN_LOG_INFO, "partner_not_reachable",
				 json_pack("{s:s,s:s,s:s}", "partner", p->id, "address", p->address,
					   "reason", nng_strerror(first)));
		}
	}
	return 0;
}

size_t registry_count(registry *r)
{
	return r->count;
}

struct registry_partner *registry_at(registry *r, size_t i)
{
	return i < r->count ? &r->items[i] : NULL;
}

struct registry_partner *registry_find(registry *r, const char *id)
{
	if (id == NULL)
		return NULL;
	for (size_t i = 0; i < r->count; i++)
		if (strcmp(r->items[i].id, id) == 0)
			return &r->items[i];
	return NULL;
}

int registry_usable(const struct registry_partner *p)
{
	return p != NULL && strcmp(p->status, "active") == 0 && p->cert_error == 0;
}

int registry_member(const struct registry_partner *p)
{
	return p != NULL && !p->incidental;
}

int registry_in_cluster(const struct registry_partner *p, const char *cluster)
{
	if (cluster == NULL)
		return 1;
	size_t i;
	json_t *c;
	json_array_foreach(p->clusters, i, c)
		if (strcmp(json_string_value(c), cluster) == 0)
			return 1;
	return 0;
}

int registry_set_seal_key(registry *r, struct registry_partner *p, const char *key_b64,
			  const char *sig_b64)
{
	uint8_t pk[32];
	int rc = sealkey_verify(p->cert, p->id, key_b64, sig_b64, pk);
	if (rc != 0)
		return rc;
	char *sig = strdup(sig_b64);
	if (sig == NULL)
		return WN_ENOMEM;
	sqlite3_stmt *st = NULL;
	db_lock(r->db);
	rc = db_prepare(r->db, "INSERT INTO partner_keys(partner, seal_key, seal_sig, updated_at)"
			       " VALUES (?1, ?2, ?3, ?4) ON CONFLICT(partner) DO UPDATE SET"
			       " seal_key = ?2, seal_sig = ?3, updated_at = ?4", &st);
	if (rc == 0) {
		sqlite3_bind_text(st, 1, p->id, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 2, key_b64, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 3, sig_b64, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 4, time_now_ms());
		rc = sqlite3_step(st) == SQLITE_DONE ? 0 : WN_EDB;
	}
	sqlite3_finalize(st);
	db_unlock(r->db);
	if (rc != 0) {
		free(sig);
		return rc;
	}
	pthread_mutex_lock(&r->lock);
	memcpy(p->seal_pk, pk, 32);
	free(p->seal_sig);
	p->seal_sig = sig;
	p->has_seal = 1;
	pthread_mutex_unlock(&r->lock);
	return 0;
}

int registry_get_seal(registry *r, const struct registry_partner *p, uint8_t pk[32],
		      char **sig_b64)
{
	int rc = WN_ENOTFOUND;
	pthread_mutex_lock(&r->lock);
	if (p->has_seal) {
		memcpy(pk, p->seal_pk, 32);
		rc = 0;
		if (sig_b64 != NULL && (*sig_b64 = strdup(p->seal_sig)) == NULL)
			rc = WN_ENOMEM;
	}
	pthread_mutex_unlock(&r->lock);
	return rc;
}
