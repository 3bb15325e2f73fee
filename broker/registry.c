/*
 * registry.c — the partner registry: kept in the broker's database (seeded
 * from the config at first start), certificate checks, membership states,
 * sealing keys and the connection to each partner's node.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>

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
	struct registry_partner *items[REGISTRY_MAX];
	atomic_size_t count;     /* items below count are complete and stay */
	_Atomic int64_t version; /* one more at every change */
	pthread_mutex_t lock;    /* sealing keys; one admission at a time */
	pthread_mutex_t state_lock; /* one state change at a time: check, store, apply */
	rpc_client **retired;    /* connections replaced by a redial, freed at the end */
	size_t nretired;
	char **retired_text;     /* addresses replaced, freed at the end */
	size_t nretired_text;
	db *db;
	struct audit *audit;
	pki_trust *trust;
	char *cert_key_path;     /* set by registry_connect */
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

const struct schema_field *registry_partner_fields(void)
{
	return partner_fields;
}

static const char *const state_names[] = { "active", "notice", "suspended", "ended", "revoked" };

const char *registry_state_name(int state)
{
	return state >= 0 && state <= PARTNER_REVOKED ? state_names[state] : "invalid";
}

static int registry_state_parse(const char *name)
{
	for (int i = 0; i <= PARTNER_REVOKED; i++)
		if (name != NULL && strcmp(name, state_names[i]) == 0)
			return i;
	return -1;
}

static void registry_partner_free(struct registry_partner *p)
{
	if (p == NULL)
		return;
	rpc_client_close(atomic_load(&p->client));
	if (p->tls)
		nng_tls_config_free(p->tls);
	free(p->name);
	free(p->address);
	for (struct registry_cert *c = atomic_load(&p->cert), *prev; c != NULL; c = prev) {
		prev = c->prev;
		X509_free(c->x509);
		free(c->pem);
		free(c);
	}
	free(p->seal_sig);
	free(p);
}

X509 *registry_cert(const struct registry_partner *p)
{
	return atomic_load(&((struct registry_partner *)p)->cert)->x509;
}

const char *registry_cert_pem(const struct registry_partner *p)
{
	return atomic_load(&((struct registry_partner *)p)->cert)->pem;
}

/* A certificate entry from PEM; NULL when it is not one (or no memory). */
static struct registry_cert *registry_cert_new(const char *pem)
{
	struct registry_cert *c = calloc(1, sizeof(*c));
	if (c == NULL || (c->pem = strdup(pem)) == NULL || pki_cert_from_pem(pem, &c->x509) != 0) {
		if (c != NULL)
			free(c->pem);
		free(c);
		return NULL;
	}
	return c;
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
			if (sealkey_verify(registry_cert(p), p->id, k, s, p->seal_pk) == 0) {
				p->seal_sig = strdup(s);
				p->has_seal = p->seal_sig != NULL;
			}
		}
	}
	sqlite3_finalize(st);
	db_unlock(r->db);
}

/* Checks the certificate now; a refusal is a security event, but not that
 * of a former partner: one whose membership ended has its certificate
 * revoked (or lapse) as the end carried out, and a revoked one was a
 * security event when it was revoked, not again at every start. */
static void registry_check_cert(registry *r, struct registry_partner *p, int at_start)
{
	char why[256];
	int rc = pki_trust_verify(r->trust, registry_cert(p), p->id, why, sizeof(why));
	int before = atomic_exchange(&p->cert_error, rc);
	int state = atomic_load(&p->state);
	int former = state == PARTNER_ENDED || (at_start && state == PARTNER_REVOKED);
	if (rc != 0 && rc != before && !former) {
		char detail[400];
		snprintf(detail, sizeof(detail), "registry: certificate of partner '%s' refused: %s",
			 p->id, why);
		secevent_record(r->db, rc, p->id, NULL, detail);
	}
}

/* A partner entry from its parts (cert in PEM); *out: registry_partner_free. */
static int registry_partner_new(const struct registry_entry *e, int state, int64_t end_at,
				struct registry_partner **out)
{
	struct registry_partner *p = calloc(1, sizeof(*p));
	if (p == NULL)
		return WN_ENOMEM;
	snprintf(p->id, sizeof(p->id), "%s", e->id);
	p->incidental = strcmp(e->role, "incidental") == 0;
	p->municipality = strcmp(e->role, "municipality") == 0;
	atomic_init(&p->state, state);
	atomic_init(&p->cert_error, 0);
	atomic_init(&p->end_at, end_at);
	atomic_init(&p->revoke_next_ms, 0);
	atomic_init(&p->client, NULL);
	p->name = strdup(e->name);
	p->address = strdup(e->address);
	atomic_init(&p->cert, registry_cert_new(e->cert_pem));
	unsigned flags = 0;
	size_t i;
	json_t *c;
	json_array_foreach(e->clusters, i, c)
		flags |= vocab_cluster(json_string_value(c));
	atomic_init(&p->clusters, flags);
	if (p->name == NULL || p->address == NULL) {
		registry_partner_free(p);
		return WN_ENOMEM;
	}
	if (atomic_load(&p->cert) == NULL) {
		registry_partner_free(p);
		return WN_ECERT;
	}
	*out = p;
	return 0;
}

/* Appends p (complete) so that readers see it whole. */
static int registry_append(registry *r, struct registry_partner *p)
{
	size_t n = atomic_load(&r->count);
	if (n >= REGISTRY_MAX)
		return WN_ELIMIT;
	r->items[n] = p;
	atomic_store(&r->count, n + 1);
	atomic_fetch_add(&r->version, 1);
	return 0;
}

/* ---- the partners table ---------------------------------------------- */

struct registry_row {
	const struct registry_entry *e;
	const char *status;
};

static int registry_insert_rows(db *d, void *arg)
{
	const struct registry_row *rows = arg;
	sqlite3_stmt *st = NULL;
	int rc = db_prepare(d, "INSERT INTO partners(id, name, address, role, clusters, cert,"
			       " status, admitted_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?8)", &st);
	for (size_t i = 0; rc == 0 && rows[i].e != NULL; i++) {
		const struct registry_entry *e = rows[i].e;
		char *clusters = json_dumps(e->clusters, JSON_COMPACT);
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, e->id, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 2, e->name, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 3, e->address, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 4, e->role, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 5, clusters ? clusters : "[]", -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 6, e->cert_pem, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 7, rows[i].status, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 8, time_now_ms());
		rc = sqlite3_step(st) == SQLITE_DONE ? 0 : WN_EDB;
		free(clusters);
	}
	sqlite3_finalize(st);
	return rc;
}

/* One partner of the config, read into e (strings point into obj or pem). */
static int registry_seed_one(config *cfg, const json_t *obj, size_t idx, struct registry_entry *e,
			     const char **status, char **pem, char *err, size_t errcap)
{
	char where[32];
	snprintf(where, sizeof(where), "partners[%zu]", idx);
	int rc = config_check(cfg, obj, where, partner_fields, err, errcap);
	if (rc != 0)
		return rc;
	e->id = config_str(obj, "id", NULL);
	if (schema_valid_partner_id(e->id) != 0) {
		snprintf(err, errcap, "%s: in '%s': key 'id': '%s' is not a partner id "
			 "(lowercase letters, digits, '-')", config_file(cfg), where, e->id);
		return WN_ECONFIG;
	}
	*status = config_str(obj, "status", "active");
	if (strcmp(*status, "active") && strcmp(*status, "suspended") && strcmp(*status, "revoked")) {
		snprintf(err, errcap, "%s: in '%s': key 'status': expected active, suspended or revoked",
			 config_file(cfg), where);
		return WN_ECONFIG;
	}
	e->role = config_str(obj, "role", "member");
	if (strcmp(e->role, "member") != 0 && strcmp(e->role, "incidental") != 0 &&
	    strcmp(e->role, "municipality") != 0) {
		snprintf(err, errcap, "%s: in '%s': key 'role': expected member, municipality or "
			 "incidental", config_file(cfg), where);
		return WN_ECONFIG;
	}
	e->name = config_str(obj, "name", e->id);
	e->address = config_str(obj, "address", "");
	e->clusters = json_object_get(obj, "clusters");
	size_t i;
	json_t *c;
	json_array_foreach(e->clusters, i, c) {
		if (!vocab_cluster(json_string_value(c))) {
			snprintf(err, errcap, "%s: in '%s': key 'clusters': item %zu is not one of "
				 "jeugd, volwassenen, multiprobleem", config_file(cfg), where, i + 1);
			return WN_ECONFIG;
		}
	}
	char *path = config_path(cfg, config_str(obj, "certificate", NULL));
	X509 *cert = NULL;
	if (path == NULL || file_read_all(path, 64 * 1024, pem, NULL) != 0 ||
	    pki_cert_from_pem(*pem, &cert) != 0) {
		snprintf(err, errcap, "%s: in '%s': key 'certificate': cannot read a PEM certificate "
			 "from %s", config_file(cfg), where, path ? path : "?");
		free(path);
		return WN_ECONFIG;
	}
	X509_free(cert);
	free(path);
	e->cert_pem = *pem;
	return 0;
}

/* Partner i's address is no earlier partner's: two at one address leave one
 * unreachable, its handshakes refused as the other's (a revoked one reaches
 * nobody, as a join or a move counts it). */
static int registry_check_address_once(config *cfg, const json_t *partners, size_t i,
				       const struct registry_entry *e, const char *status,
				       char *err, size_t errcap)
{
	if (strcmp(status, "revoked") == 0)
		return 0;
	for (size_t j = 0; j < i; j++) {
		const json_t *o = json_array_get(partners, j);
		if (strcmp(config_str(o, "status", "active"), "revoked") != 0 &&
		    strcmp(config_str(o, "address", ""), e->address) == 0) {
			snprintf(err, errcap, "%s: in 'partners[%zu]': key 'address': %.200s is "
				 "where the broker reaches '%s' already; give each partner its node's "
				 "own address", config_file(cfg), i, e->address,
				 config_str(o, "id", "?"));
			return WN_ECONFIG;
		}
	}
	return 0;
}

/* Partner i is what its entry says: its certificate its own (another
 * partner's would be seeded as this one's, its every handshake an
 * incident) and, unless revoked, in a cluster (never asked and never
 * asking, as a join naming none would be). */
static int registry_check_entry(config *cfg, const json_t *partners, size_t i,
				const struct registry_entry *e, const char *status, char *err,
				size_t errcap)
{
	X509 *cert = NULL;
	char cn[PKI_ID_MAX] = "";
	int other = pki_cert_from_pem(e->cert_pem, &cert) != 0 ||
		    pki_cert_cn(cert, cn, sizeof(cn)) != 0 || strcmp(cn, e->id) != 0;
	X509_free(cert);
	if (other) {
		snprintf(err, errcap, "%s: in 'partners[%zu]': key 'certificate': %s is the "
			 "certificate of '%s', not of partner '%s'", config_file(cfg), i,
			 config_str(json_array_get(partners, i), "certificate", "?"), cn[0] ? cn : "?",
			 e->id);
		return WN_ECONFIG;
	}
	if (e->clusters != NULL && json_array_size(e->clusters) == 0 &&
	    strcmp(status, "revoked") != 0) {
		snprintf(err, errcap, "%s: in 'partners[%zu]': key 'clusters': partner '%s' would "
			 "take part in no cluster: name at least one of jeugd, volwassenen, "
			 "multiprobleem (or leave the key out for all three)", config_file(cfg), i,
			 e->id);
		return WN_ECONFIG;
	}
	return 0;
}

int registry_check_config(config *cfg, const json_t *partners, char *err, size_t errcap)
{
	if (partners == NULL)
		return 0;
	if (!json_is_array(partners)) {
		snprintf(err, errcap, "%s: key 'partners': expected an array", config_file(cfg));
		return WN_ECONFIG;
	}
	size_t n = json_array_size(partners);
	if (n > REGISTRY_MAX) {
		snprintf(err, errcap, "%s: key 'partners': more than %d", config_file(cfg),
			 REGISTRY_MAX);
		return WN_ECONFIG;
	}
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < n; i++) {
		struct registry_entry e = { 0 };
		const char *status = NULL;
		char *pem = NULL;
		rc = registry_seed_one(cfg, json_array_get(partners, i), i, &e, &status, &pem, err,
				       errcap);
		if (rc == 0 && e.address[0] != '\0' && transport_url_valid(e.address) != 0) {
			snprintf(err, errcap, "%s: in 'partners[%zu]': key 'address': '%.200s' is not "
				 "tls+tcp://host:port", config_file(cfg), i, e.address);
			rc = WN_ECONFIG;
		}
		for (size_t j = 0; rc == 0 && j < i; j++) {
			const char *other = config_str(json_array_get(partners, j), "id", "");
			if (strcmp(other, e.id) == 0) {
				snprintf(err, errcap, "%s: in 'partners[%zu]': partner id '%s' appears "
					 "twice", config_file(cfg), i, e.id);
				rc = WN_ECONFIG;
			}
		}
		if (rc == 0)
			rc = registry_check_address_once(cfg, partners, i, &e, status, err, errcap);
		if (rc == 0)
			rc = registry_check_entry(cfg, partners, i, &e, status, err, errcap);
		free(pem);
	}
	return rc;
}

/* First start: the partners of the config become the registry (audited). */
static int registry_seed(registry *r, config *cfg, const json_t *partners, char *err,
			 size_t errcap)
{
	size_t n = json_array_size(partners);
	struct registry_entry *es = calloc(n + 1, sizeof(*es));
	struct registry_row *rows = calloc(n + 1, sizeof(*rows));
	char **pems = calloc(n + 1, sizeof(char *));
	json_t *clusters_default = json_pack("[sss]", "jeugd", "volwassenen", "multiprobleem");
	json_t *ids = json_array();
	int rc = es && rows && pems && clusters_default && ids ? 0 : WN_ENOMEM;
	if (rc == 0) /* the whole list first, as --check does: limits, addresses, ids */
		rc = registry_check_config(cfg, partners, err, errcap);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		rc = registry_seed_one(cfg, json_array_get(partners, i), i, &es[i], &rows[i].status,
				       &pems[i], err, errcap);
		if (rc == 0 && es[i].clusters == NULL)
			es[i].clusters = clusters_default;
		rows[i].e = &es[i];
		if (rc == 0)
			json_array_append_new(ids, json_string(es[i].id));
	}
	if (rc == 0) {
		int64_t idx;
		char leaf[65];
		json_t *entry = json_pack("{s:s,s:I,s:O}", "type", "registry.seed", "ts",
					  (json_int_t)time_now_ms(), "partners", ids);
		rc = entry ? store_audit_with(r->audit, registry_insert_rows, rows, entry, &idx, leaf)
			   : WN_ENOMEM;
		json_decref(entry);
		if (rc != 0)
			snprintf(err, errcap, "cannot store the registry: %s", wn_strerror(rc));
		else
			log_emit(WN_LOG_INFO, "registry_seeded",
				 json_pack("{s:i}", "partners", (int)n));
	}
	for (size_t i = 0; i < n && pems; i++)
		free(pems[i]);
	free(pems);
	free(es);
	free(rows);
	json_decref(clusters_default);
	json_decref(ids);
	return rc;
}

static int registry_read_row(registry *r, sqlite3_stmt *st)
{
	const char *clusters = (const char *)sqlite3_column_text(st, 4);
	json_t *cj = json_loads(clusters ? clusters : "[]", 0, NULL);
	struct registry_entry e = {
		(const char *)sqlite3_column_text(st, 0), (const char *)sqlite3_column_text(st, 1),
		(const char *)sqlite3_column_text(st, 2), (const char *)sqlite3_column_text(st, 3),
		(const char *)sqlite3_column_text(st, 5), cj
	};
	int state = registry_state_parse((const char *)sqlite3_column_text(st, 6));
	struct registry_partner *p = NULL;
	int rc = cj != NULL && state >= 0 && e.id && e.name && e.address && e.role && e.cert_pem
			 ? registry_partner_new(&e, state, sqlite3_column_int64(st, 7), &p)
			 : WN_EDB;
	json_decref(cj);
	if (rc == 0 && (rc = registry_append(r, p)) != 0)
		registry_partner_free(p);
	return rc;
}

static int registry_read(registry *r)
{
	sqlite3_stmt *st = NULL;
	int rc, step;
	db_lock(r->db);
	rc = db_prepare(r->db, "SELECT id, name, address, role, clusters, cert, status,"
			       " COALESCE(end_at, 0) FROM partners ORDER BY rowid", &st);
	while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW)
		rc = registry_read_row(r, st);
	sqlite3_finalize(st);
	db_unlock(r->db);
	return rc;
}

static int registry_rows(db *d, long *n)
{
	sqlite3_stmt *st = NULL;
	db_lock(d);
	int rc = db_prepare(d, "SELECT count(*) FROM partners", &st);
	if (rc == 0)
		rc = sqlite3_step(st) == SQLITE_ROW ? 0 : WN_EDB;
	if (rc == 0)
		*n = (long)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	db_unlock(d);
	return rc;
}

int registry_load(config *cfg, const json_t *partners, pki_trust *trust, db *d,
		  struct audit *audit, registry **out, char *err, size_t errcap)
{
	long rows = 0;
	registry *r = calloc(1, sizeof(*r));
	if (r == NULL)
		return WN_ENOMEM;
	pthread_mutex_init(&r->lock, NULL);
	pthread_mutex_init(&r->state_lock, NULL);
	atomic_init(&r->count, 0);
	atomic_init(&r->version, 1);
	r->db = d;
	r->audit = audit;
	r->trust = trust;
	int rc = registry_rows(d, &rows);
	if (rc == 0 && rows == 0 && partners != NULL && !json_is_array(partners)) {
		snprintf(err, errcap, "%s: key 'partners': expected an array", config_file(cfg));
		rc = WN_ECONFIG;
	}
	if (rc == 0 && rows == 0 && json_array_size(partners) > 0)
		rc = registry_seed(r, cfg, partners, err, errcap);
	else if (rc == 0 && rows > 0 && partners != NULL)
		log_msg(WN_LOG_INFO, "registry_from_database",
			"%ld partners from the database; the config's 'partners' seeded it at first "
			"start and are not read again", rows);
	if (rc == 0 && (rc = registry_read(r)) != 0)
		snprintf(err, errcap, "cannot read the registry from the database: %s",
			 wn_strerror(rc));
	for (size_t i = 0; rc == 0 && i < registry_count(r); i++) {
		registry_check_cert(r, r->items[i], 1);
		registry_restore_seal(r, r->items[i]);
	}
	if (rc != 0) {
		if (err[0] == '\0')
			snprintf(err, errcap, "registry: %s", wn_strerror(rc));
		registry_free(r);
		return rc;
	}
	*out = r;
	return 0;
}

void registry_free(registry *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < atomic_load(&r->count); i++)
		registry_partner_free(r->items[i]);
	for (size_t i = 0; i < r->nretired; i++)
		rpc_client_close(r->retired[i]);
	free(r->retired);
	for (size_t i = 0; i < r->nretired_text; i++)
		free(r->retired_text[i]);
	free(r->retired_text);
	free(r->cert_key_path);
	pthread_mutex_destroy(&r->lock);
	pthread_mutex_destroy(&r->state_lock);
	free(r);
}

/* Dials one partner's node (again, when redial: its old connection was
 * hung up); failures are logged, the dialer retries. */
static int registry_dial_as(registry *r, struct registry_partner *p, int redial)
{
	char err[256];
	if (!registry_usable(p) || p->address[0] == '\0' ||
	    (!redial && atomic_load(&p->client) != NULL))
		return 0;
	if (p->tls == NULL && transport_tls_config_trust(&p->tls, 0, r->cert_key_path, r->trust,
							 p->id, err, sizeof(err)) != 0) {
		log_msg(WN_LOG_ERROR, "tls_config", "%s", err);
		return WN_ECONFIG;
	}
	int first = 0;
	rpc_client *c = NULL;
	if (rpc_client_open(&c, p->address, p->tls, &first, err, sizeof(err)) != 0) {
		log_msg(WN_LOG_ERROR, "dial_failed", "%s", err);
		return 0;
	}
	rpc_client *old = atomic_exchange(&p->client, c);
	if (old != NULL) { /* another thread may still hold it: freed at the end */
		rpc_client **grown = realloc(r->retired, (r->nretired + 1) * sizeof(*grown));
		if (grown != NULL) {
			r->retired = grown;
			r->retired[r->nretired++] = old;
		}
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
	return 0;
}

int registry_probe_open(registry *r, const struct registry_partner *p, const char *address,
			struct registry_probe *out, char *err, size_t errcap)
{
	out->tls = NULL;
	out->client = NULL;
	if (r->cert_key_path == NULL) {
		snprintf(err, errcap, "the broker has not started its connections yet");
		return WN_ESTATE;
	}
	int rc = transport_tls_config_trust(&out->tls, 0, r->cert_key_path, r->trust, p->id, err,
					    errcap);
	if (rc == 0)
		rc = rpc_client_open_lazy(&out->client, address, out->tls, err, errcap);
	if (rc != 0)
		registry_probe_close(out);
	return rc;
}

void registry_probe_close(struct registry_probe *pr)
{
	rpc_client_close(pr->client);
	if (pr->tls != NULL)
		nng_tls_config_free(pr->tls);
	pr->client = NULL;
	pr->tls = NULL;
}

int registry_probe(registry *r, const struct registry_partner *p, const char *address,
		   const void *req, size_t len, int timeout_ms, char **resp, size_t *resplen,
		   char *err, size_t errcap)
{
	struct registry_probe pr;
	int rc = registry_probe_open(r, p, address, &pr, err, errcap);
	if (rc == 0) {
		rpc_client *c = pr.client;
		rc = rpc_call(c, req, len, timeout_ms, resp, resplen);
		if (rc != 0)
			snprintf(err, errcap, "%s", rc == WN_ETIMEOUT
							    ? "no answer before the deadline (nothing "
							      "listens there, or not with this "
							      "partner's certificate)"
							    : wn_strerror(rc));
	}
	registry_probe_close(&pr);
	return rc;
}

static int registry_dial(registry *r, struct registry_partner *p)
{
	return registry_dial_as(r, p, 0);
}

int registry_connect(registry *r, const char *cert_key_path, pki_trust *trust)
{
	free(r->cert_key_path);
	if ((r->cert_key_path = strdup(cert_key_path)) == NULL)
		return WN_ENOMEM;
	r->trust = trust;
	for (size_t i = 0; i < registry_count(r); i++) {
		int rc = registry_dial(r, r->items[i]);
		if (rc != 0)
			return rc;
	}
	return 0;
}

size_t registry_count(registry *r)
{
	return atomic_load(&r->count);
}

struct registry_partner *registry_at(registry *r, size_t i)
{
	return i < registry_count(r) ? r->items[i] : NULL;
}

struct registry_partner *registry_find(registry *r, const char *id)
{
	if (id == NULL)
		return NULL;
	size_t n = registry_count(r);
	for (size_t i = 0; i < n; i++)
		if (strcmp(r->items[i]->id, id) == 0)
			return r->items[i];
	return NULL;
}

int64_t registry_version(registry *r)
{
	return atomic_load(&r->version);
}

void registry_touch(registry *r)
{
	atomic_fetch_add(&r->version, 1);
}

const char *registry_status(const struct registry_partner *p)
{
	int state = atomic_load(&p->state), ce = atomic_load(&p->cert_error);
	if (state == PARTNER_ENDED || state == PARTNER_REVOKED)
		return registry_state_name(state);
	if (ce == WN_EREVOKED)
		return "revoked";
	if (ce != 0)
		return "invalid";
	return registry_state_name(state);
}

int registry_usable(const struct registry_partner *p)
{
	if (p == NULL || atomic_load(&p->cert_error) != 0)
		return 0;
	int state = atomic_load(&p->state);
	return state == PARTNER_ACTIVE || state == PARTNER_NOTICE;
}

int registry_open_to_new(const struct registry_partner *p)
{
	return registry_usable(p) && atomic_load(&p->state) == PARTNER_ACTIVE;
}

int registry_member(const struct registry_partner *p)
{
	return p != NULL && !p->incidental;
}

int registry_has_municipality(registry *r)
{
	for (size_t i = 0; i < registry_count(r); i++) {
		const struct registry_partner *p = registry_at(r, i);
		int state = atomic_load(&p->state);
		if (p->municipality && state != PARTNER_ENDED && state != PARTNER_REVOKED)
			return 1;
	}
	return 0;
}

int registry_config_has_municipality(const json_t *partners)
{
	size_t i;
	const json_t *o;
	json_array_foreach(partners, i, o)
		if (strcmp(config_str(o, "role", "member"), "municipality") == 0 &&
		    strcmp(config_str(o, "status", "active"), "revoked") != 0)
			return 1;
	return 0;
}

int registry_in_cluster(const struct registry_partner *p, const char *cluster)
{
	if (p == NULL)
		return 0;
	if (cluster == NULL)
		return 1;
	return (atomic_load(&p->clusters) & vocab_cluster(cluster)) != 0;
}

json_t *registry_clusters_of(unsigned flags)
{
	json_t *a = json_array();
	for (unsigned f = VOCAB_JEUGD; a != NULL && f <= VOCAB_MULTIPROBLEEM; f <<= 1)
		if (flags & f)
			json_array_append_new(a, json_string(vocab_cluster_name(f)));
	return a;
}

json_t *registry_clusters(const struct registry_partner *p)
{
	return registry_clusters_of(atomic_load(&p->clusters));
}

int registry_write_clusters_locked(db *d, const char *id, unsigned flags)
{
	json_t *list = registry_clusters_of(flags);
	char *text = list ? json_dumps(list, JSON_COMPACT) : NULL;
	sqlite3_stmt *st = NULL;
	int rc = text ? db_prepare(d, "UPDATE partners SET clusters = ?2, updated_at = ?3"
				      " WHERE id = ?1", &st)
		      : WN_ENOMEM;
	if (rc == 0) {
		sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 2, text, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 3, time_now_ms());
		rc = sqlite3_step(st) == SQLITE_DONE && sqlite3_changes(db_handle(d)) == 1 ? 0
											: WN_EDB;
	}
	sqlite3_finalize(st);
	free(text);
	json_decref(list);
	return rc;
}

void registry_take_clusters(registry *r, struct registry_partner *p, unsigned flags)
{
	atomic_store(&p->clusters, flags);
	atomic_fetch_add(&r->version, 1);
}

/* ---- changes ----------------------------------------------------------- */

struct registry_state_change {
	const char *id, *status, *reason;
	int64_t end_at;
};

static int registry_update_row(db *d, void *arg)
{
	const struct registry_state_change *c = arg;
	sqlite3_stmt *st = NULL;
	int rc = db_prepare(d, "UPDATE partners SET status = ?2, reason = ?3, end_at = ?4,"
			       " notice_at = CASE WHEN ?2 = 'notice' THEN ?5 ELSE notice_at END,"
			       " updated_at = ?5 WHERE id = ?1", &st);
	if (rc == 0) {
		sqlite3_bind_text(st, 1, c->id, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 2, c->status, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 3, c->reason, -1, SQLITE_TRANSIENT);
		if (c->end_at > 0)
			sqlite3_bind_int64(st, 4, c->end_at);
		else
			sqlite3_bind_null(st, 4);
		sqlite3_bind_int64(st, 5, time_now_ms());
		rc = sqlite3_step(st) == SQLITE_DONE && sqlite3_changes(db_handle(d)) == 1
			     ? 0
			     : WN_EDB;
	}
	sqlite3_finalize(st);
	return rc;
}

int registry_set_state(registry *r, struct registry_partner *p, unsigned from, int state,
		       int64_t end_at, const char *reason, const char *by)
{
	pthread_mutex_lock(&r->state_lock);
	int cur = atomic_load(&p->state);
	if (from != 0 && !(from & REGISTRY_FROM(cur))) {
		pthread_mutex_unlock(&r->state_lock);
		return WN_ESTATE;
	}
	if (end_at < 0) /* keep it: a suspension does not end a notice period */
		end_at = atomic_load(&p->end_at);
	struct registry_state_change c = { p->id, registry_state_name(state),
					   reason ? reason : "", end_at };
	json_t *entry = json_pack("{s:s,s:I,s:s,s:s,s:s,s:s}", "type", "registry.status", "ts",
				  (json_int_t)time_now_ms(), "partner", p->id, "status", c.status,
				  "reason", c.reason, "by", by ? by : "");
	if (entry != NULL && end_at > 0)
		json_object_set_new(entry, "end_at", json_integer(end_at));
	int64_t idx;
	char leaf[65];
	int rc = entry ? store_audit_with(r->audit, registry_update_row, &c, entry, &idx, leaf)
		       : WN_ENOMEM;
	json_decref(entry);
	if (rc == 0) {
		atomic_store(&p->end_at, end_at);
		atomic_store(&p->state, state);
		atomic_fetch_add(&r->version, 1);
		if (state == PARTNER_ENDED || state == PARTNER_REVOKED || state == PARTNER_SUSPENDED)
			rpc_client_hangup(atomic_load(&p->client));
		else if (cur == PARTNER_SUSPENDED && r->cert_key_path != NULL)
			registry_dial_as(r, p, 1); /* its connection was hung up */
	}
	pthread_mutex_unlock(&r->state_lock);
	if (rc == 0)
		log_emit(WN_LOG_INFO, "partner_status",
			 json_pack("{s:s,s:s,s:s,s:s}", "partner", p->id, "status", c.status,
				   "reason", c.reason, "by", by ? by : ""));
	return rc;
}

struct registry_address_change {
	const char *id, *address;
};

static int registry_update_address(db *d, void *arg)
{
	const struct registry_address_change *c = arg;
	sqlite3_stmt *st = NULL;
	int rc = db_prepare(d, "UPDATE partners SET address = ?2 WHERE id = ?1", &st);
	if (rc == 0) {
		sqlite3_bind_text(st, 1, c->id, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 2, c->address, -1, SQLITE_TRANSIENT);
		rc = sqlite3_step(st) == SQLITE_DONE && sqlite3_changes(db_handle(d)) == 1 ? 0
											     : WN_EDB;
	}
	sqlite3_finalize(st);
	return rc;
}

int registry_set_address(registry *r, struct registry_partner *p, const char *address,
			 const char *by)
{
	char *next = strdup(address);
	if (next == NULL)
		return WN_ENOMEM;
	pthread_mutex_lock(&r->state_lock);
	char **grown = realloc(r->retired_text, (r->nretired_text + 1) * sizeof(*grown));
	if (grown == NULL) {
		pthread_mutex_unlock(&r->state_lock);
		free(next);
		return WN_ENOMEM;
	}
	r->retired_text = grown;
	char *prev = atomic_load(&p->address);
	struct registry_address_change c = { p->id, address };
	json_t *entry = json_pack("{s:s,s:I,s:s,s:s,s:s,s:s}", "type", "registry.address", "ts",
				  (json_int_t)time_now_ms(), "partner", p->id, "address", address,
				  "previous", prev, "by", by);
	int64_t idx;
	char leaf[65];
	int rc = entry ? store_audit_with(r->audit, registry_update_address, &c, entry, &idx, leaf)
		       : WN_ENOMEM;
	json_decref(entry);
	if (rc == 0) {
		/* readers may hold the old text: it is kept until the end */
		r->retired_text[r->nretired_text++] = atomic_exchange(&p->address, next);
		atomic_fetch_add(&r->version, 1);
		if (r->cert_key_path != NULL)
			registry_dial_as(r, p, 1);
	} else {
		free(next);
	}
	pthread_mutex_unlock(&r->state_lock);
	if (rc == 0)
		log_emit(WN_LOG_INFO, "partner_address",
			 json_pack("{s:s,s:s,s:s}", "partner", p->id, "address", address, "by", by));
	return rc;
}

int registry_admit(registry *r, const struct registry_entry *e, const char *by,
		   struct registry_partner **out, char *err, size_t errcap)
{
	struct registry_partner *p = NULL;
	struct registry_row rows[2] = { { e, "active" }, { NULL, NULL } };
	int rc = registry_partner_new(e, PARTNER_ACTIVE, 0, &p);
	if (rc != 0) {
		snprintf(err, errcap, "cannot register '%s': %s", e->id, wn_strerror(rc));
		return rc;
	}
	registry_check_cert(r, p, 0); /* before anyone can see it */
	registry_restore_seal(r, p);
	pthread_mutex_lock(&r->lock);
	if (registry_find(r, e->id) != NULL) {
		snprintf(err, errcap, "'%s' is already in the registry", e->id);
		rc = WN_EEXISTS;
		goto out;
	}
	if (registry_count(r) >= REGISTRY_MAX) {
		snprintf(err, errcap, "the registry holds %d partners, its limit", REGISTRY_MAX);
		rc = WN_ELIMIT;
		goto out;
	}
	json_t *entry = json_pack("{s:s,s:I,s:s,s:s,s:s}", "type", "registry.admit", "ts",
				  (json_int_t)time_now_ms(), "partner", e->id, "role", e->role, "by",
				  by ? by : "");
	int64_t idx;
	char leaf[65];
	rc = entry ? store_audit_with(r->audit, registry_insert_rows, rows, entry, &idx, leaf)
		   : WN_ENOMEM;
	json_decref(entry);
	if (rc == 0)
		rc = registry_append(r, p);
	if (rc != 0) {
		snprintf(err, errcap, "cannot register '%s': %s", e->id, wn_strerror(rc));
		goto out;
	}
	*out = p;
	p = NULL;
out:
	pthread_mutex_unlock(&r->lock);
	registry_partner_free(p);
	if (rc == 0 && r->cert_key_path != NULL) {
		pthread_mutex_lock(&r->state_lock); /* the dial outside the registry lock */
		registry_dial(r, *out);
		pthread_mutex_unlock(&r->state_lock);
	}
	return rc;
}

struct registry_cert_change {
	const char *id, *pem;
};

static int registry_update_cert_row(db *d, void *arg)
{
	const struct registry_cert_change *c = arg;
	sqlite3_stmt *st = NULL;
	int rc = db_prepare(d, "UPDATE partners SET cert = ?2, updated_at = ?3 WHERE id = ?1", &st);
	if (rc == 0) {
		sqlite3_bind_text(st, 1, c->id, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 2, c->pem, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 3, time_now_ms());
		rc = sqlite3_step(st) == SQLITE_DONE && sqlite3_changes(db_handle(d)) == 1
			     ? 0
			     : WN_EDB;
	}
	sqlite3_finalize(st);
	return rc;
}

/* The certificate's serial in upper-case hex, as the CA lists it: 0, or
 * WN_ENOMEM. */
static int registry_serial(X509 *cert, char out[REGISTRY_SERIAL_MAX])
{
	char *hex = NULL;
	BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), NULL);
	if (bn != NULL)
		hex = BN_bn2hex(bn);
	BN_free(bn);
	if (hex != NULL)
		snprintf(out, REGISTRY_SERIAL_MAX, "%s", hex);
	OPENSSL_free(hex);
	return hex != NULL ? 0 : WN_ENOMEM;
}

/* When the certificate lapses, in ms. */
static int64_t registry_not_after_ms(X509 *cert)
{
	long left = 0;
	(void)pki_cert_seconds_left(cert, &left);
	return time_now_ms() + (int64_t)left * 1000;
}

/* The audit entry of a renewal: which certificate, until when (no key). */
static json_t *registry_cert_entry(const struct registry_partner *p, X509 *cert, const char *by)
{
	char serial[REGISTRY_SERIAL_MAX];
	if (registry_serial(cert, serial) != 0)
		return NULL;
	return json_pack("{s:s,s:I,s:s,s:s,s:I,s:s}", "type", "registry.cert", "ts",
			 (json_int_t)time_now_ms(), "partner", p->id, "serial", serial,
			 "not_after", (json_int_t)registry_not_after_ms(cert), "by", by ? by : "");
}

int registry_renew_cert(registry *r, struct registry_partner *p, const char *pem,
			const char *by, int *renewed, char *err, size_t errcap)
{
	*renewed = 0;
	struct registry_cert *c = registry_cert_new(pem);
	if (c == NULL) {
		snprintf(err, errcap, "not a PEM certificate");
		return WN_ECERT;
	}
	pthread_mutex_lock(&r->state_lock); /* one change of the partner at a time */
	struct registry_cert *held = atomic_load(&p->cert);
	int state = atomic_load(&p->state), rc;
	char why[256];
	if (state == PARTNER_REVOKED || state == PARTNER_ENDED) {
		snprintf(err, errcap, "'%s' is %s: a certificate does not bring a membership back",
			 p->id, registry_state_name(state));
		rc = WN_EREVOKED;
		goto out;
	}
	if (pki_trust_verify(r->trust, held->x509, p->id, why, sizeof(why)) == WN_EREVOKED) {
		snprintf(err, errcap, "the registered certificate of '%s' is revoked: it is not "
			 "renewed", p->id);
		rc = WN_EREVOKED;
		goto out;
	}
	if ((rc = pki_cert_renews(held->x509, c->x509, err, errcap)) != 0) {
		if (rc == WN_EEXISTS)
			rc = 0; /* offered again: nothing to do */
		goto out;
	}
	if ((rc = pki_trust_verify(r->trust, c->x509, p->id, why, sizeof(why))) != 0) {
		snprintf(err, errcap, "the new certificate is refused: %s", why);
		goto out;
	}
	struct registry_cert_change chg = { p->id, c->pem };
	json_t *entry = registry_cert_entry(p, c->x509, by);
	int64_t idx;
	char leaf[65];
	rc = entry ? store_audit_with(r->audit, registry_update_cert_row, &chg, entry, &idx, leaf)
		   : WN_ENOMEM;
	json_decref(entry);
	if (rc != 0) {
		snprintf(err, errcap, "cannot record the new certificate: %s", wn_strerror(rc));
		goto out;
	}
	c->prev = held;
	atomic_store(&p->cert, c);
	c = NULL;
	*renewed = 1;
	registry_check_cert(r, p, 0); /* a lapsed certificate's refusal ends here */
	atomic_fetch_add(&r->version, 1);
out:
	pthread_mutex_unlock(&r->state_lock);
	if (*renewed && r->cert_key_path != NULL) {
		/* not dialed while its certificate was refused; the dial may wait
		 * on the network, so outside the lock of state changes */
		pthread_mutex_lock(&r->state_lock);
		registry_dial(r, p);
		pthread_mutex_unlock(&r->state_lock);
	}
	if (c != NULL) {
		X509_free(c->x509);
		free(c->pem);
		free(c);
	}
	return rc;
}

/* A certificate the current one renewed, revoked since: the CA revoked the
 * partner (revoke, issue --force) and a renewal must not hide that. The
 * walk stops at a new key: the replaced key's revocation is the rekey's own. */
static int registry_renewed_revoked(registry *r, struct registry_partner *p)
{
	char why[256];
	for (struct registry_cert *c = atomic_load(&p->cert); !c->rekeyed && c->prev != NULL;) {
		c = c->prev;
		if (pki_trust_verify(r->trust, c->x509, p->id, why, sizeof(why)) == WN_EREVOKED)
			return 1;
	}
	return 0;
}

/* ---- a new key under the same id ---------------------------------------- */

struct registry_rekey_change {
	const char *id, *pem, *old_serial, *old_pem, *new_serial;
	int64_t at;
};

/* The new certificate registered, the replaced one kept for what it signed
 * before, and the sealing key it signed dropped: one transaction. */
static int registry_rekey_rows(db *d, void *arg)
{
	const struct registry_rekey_change *c = arg;
	struct registry_cert_change chg = { c->id, c->pem };
	sqlite3_stmt *st = NULL;
	int rc = registry_update_cert_row(d, &chg);
	if (rc == 0 && (rc = db_prepare(d, "INSERT OR IGNORE INTO partner_certs(partner, serial,"
				       " cert, replaced_at, replaced_by) VALUES (?,?,?,?,?)",
				    &st)) == 0) {
		sqlite3_bind_text(st, 1, c->id, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 2, c->old_serial, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 3, c->old_pem, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 4, c->at);
		sqlite3_bind_text(st, 5, c->new_serial, -1, SQLITE_TRANSIENT);
		rc = sqlite3_step(st) == SQLITE_DONE ? 0 : WN_EDB;
	}
	sqlite3_finalize(st);
	st = NULL;
	if (rc == 0 && (rc = db_prepare(d, "DELETE FROM partner_keys WHERE partner = ?", &st)) == 0) {
		sqlite3_bind_text(st, 1, c->id, -1, SQLITE_TRANSIENT);
		rc = sqlite3_step(st) == SQLITE_DONE ? 0 : WN_EDB;
	}
	sqlite3_finalize(st);
	return rc;
}

/* Whether next is for a key p held before and replaced (partner_certs):
 * a leaked key is not taken back. */
static int registry_key_replaced(registry *r, const struct registry_partner *p, X509 *next)
{
	sqlite3_stmt *st = NULL;
	int found = 0;
	db_lock(r->db);
	if (db_prepare(r->db, "SELECT cert FROM partner_certs WHERE partner = ?", &st) == 0) {
		sqlite3_bind_text(st, 1, p->id, -1, SQLITE_TRANSIENT);
		while (!found && sqlite3_step(st) == SQLITE_ROW) {
			X509 *old = NULL;
			/* an unreadable row cannot prove the key new: fail closed */
			found = pki_cert_from_pem((const char *)sqlite3_column_text(st, 0), &old) != 0 ||
				EVP_PKEY_eq(X509_get0_pubkey(old), X509_get0_pubkey(next)) == 1;
			X509_free(old);
		}
	} else {
		found = 1;
	}
	sqlite3_finalize(st);
	db_unlock(r->db);
	return found;
}

/* Whether p may be given the certificate next for a new key: a member
 * still (not ended or revoked), its registered certificate not revoked,
 * next valid from the federation CA for p, for another key, running later. */
static int registry_rekey_check(registry *r, struct registry_partner *p,
				const struct registry_cert *held, X509 *next, char *err,
				size_t errcap)
{
	char why[256];
	int state = atomic_load(&p->state), rc;
	if (state == PARTNER_REVOKED || state == PARTNER_ENDED) {
		snprintf(err, errcap, "'%s' is %s: a new key does not bring a membership back",
			 p->id, registry_state_name(state));
		return state == PARTNER_REVOKED ? WN_EREVOKED : WN_ESTATE;
	}
	if (pki_trust_verify(r->trust, held->x509, p->id, why, sizeof(why)) == WN_EREVOKED ||
	    registry_renewed_revoked(r, p)) {
		snprintf(err, errcap, "the registered certificate of '%s' is revoked already, and "
			 "with it the partner: register the new key before the CRL revokes the old",
			 p->id);
		return WN_EREVOKED;
	}
	if ((rc = pki_trust_verify(r->trust, next, p->id, why, sizeof(why))) != 0) {
		snprintf(err, errcap, "the new certificate is refused: %s", why);
		return rc;
	}
	if (registry_key_replaced(r, p, next)) {
		snprintf(err, errcap, "the certificate is for a key '%s' held before and replaced: "
			 "a replaced key is not taken back (make a new one: wijknet-ca rekey %s)",
			 p->id, p->id);
		return WN_ECERT;
	}
	return pki_cert_rekeys(held->x509, next, err, errcap);
}

/* The audit entry of a rekey: both certificates by serial, the reason. */
static json_t *registry_rekey_entry(const struct registry_partner *p,
				    const struct registry_rekey_change *c, X509 *next,
				    const char *reason, const char *by)
{
	return json_pack("{s:s,s:I,s:s,s:s,s:s,s:I,s:s,s:s}", "type", "registry.rekey", "ts",
			 (json_int_t)c->at, "partner", p->id, "serial", c->old_serial,
			 "new_serial", c->new_serial, "not_after",
			 (json_int_t)registry_not_after_ms(next), "reason", reason, "by",
			 by ? by : "");
}

/* The sealing key signed with the replaced key goes: the node publishes it
 * again, signed with the new one. */
static void registry_drop_seal(registry *r, struct registry_partner *p)
{
	pthread_mutex_lock(&r->lock);
	free(p->seal_sig);
	p->seal_sig = NULL;
	p->has_seal = 0;
	pthread_mutex_unlock(&r->lock);
}

int registry_rekey_cert(registry *r, struct registry_partner *p, const char *pem,
			const char *reason, const char *by, char new_serial[REGISTRY_SERIAL_MAX],
			char old_serial[REGISTRY_SERIAL_MAX], char *err, size_t errcap)
{
	struct registry_cert *c = registry_cert_new(pem);
	int rc = 0, done = 0;
	if (c == NULL) {
		snprintf(err, errcap, "not a PEM certificate");
		return WN_ECERT;
	}
	pthread_mutex_lock(&r->state_lock); /* one change of the partner at a time */
	struct registry_cert *held = atomic_load(&p->cert);
	if ((rc = registry_rekey_check(r, p, held, c->x509, err, errcap)) != 0)
		goto out;
	struct registry_rekey_change chg = { p->id, c->pem, old_serial, held->pem, new_serial,
					     time_now_ms() };
	if (registry_serial(held->x509, old_serial) != 0 ||
	    registry_serial(c->x509, new_serial) != 0) {
		rc = WN_ENOMEM;
		goto out;
	}
	json_t *entry = registry_rekey_entry(p, &chg, c->x509, reason, by);
	int64_t idx;
	char leaf[65];
	rc = entry ? store_audit_with(r->audit, registry_rekey_rows, &chg, entry, &idx, leaf)
		   : WN_ENOMEM;
	json_decref(entry);
	if (rc != 0) {
		snprintf(err, errcap, "cannot record the new certificate: %s", wn_strerror(rc));
		goto out;
	}
	c->prev = held; /* a reader may still hold it */
	c->rekeyed = 1;
	atomic_store(&p->cert, c);
	c = NULL;
	done = 1;
	registry_drop_seal(r, p);
	registry_check_cert(r, p, 0);
	atomic_fetch_add(&r->version, 1);
	if (r->cert_key_path != NULL)
		registry_dial_as(r, p, 1); /* a new handshake, with the node's new key */
out:
	pthread_mutex_unlock(&r->state_lock);
	if (c != NULL) {
		X509_free(c->x509);
		free(c->pem);
		free(c);
	}
	if (done)
		log_emit(WN_LOG_INFO, "partner_rekeyed",
			 json_pack("{s:s,s:s,s:s,s:s,s:s}", "partner", p->id, "serial", old_serial,
				   "new_serial", new_serial, "reason", reason, "by", by ? by : ""));
	return rc;
}

int registry_recheck(registry *r, int *revoked)
{
	*revoked = 0;
	for (size_t i = 0; i < registry_count(r); i++) {
		struct registry_partner *p = r->items[i];
		registry_check_cert(r, p, 0);
		int state = atomic_load(&p->state);
		if ((atomic_load(&p->cert_error) != WN_EREVOKED && !registry_renewed_revoked(r, p)) ||
		    state == PARTNER_REVOKED || state == PARTNER_ENDED)
			continue;
		int rc = registry_set_state(r, p, REGISTRY_FROM(PARTNER_ACTIVE) |
						    REGISTRY_FROM(PARTNER_NOTICE) |
						    REGISTRY_FROM(PARTNER_SUSPENDED),
					    PARTNER_REVOKED, -1, "certificate revoked in the federation CRL",
					    "crl");
		if (rc == WN_ESTATE)
			continue;
		if (rc != 0)
			return rc;
		(*revoked)++;
	}
	atomic_fetch_add(&r->version, 1);
	return 0;
}

int registry_set_seal_key(registry *r, struct registry_partner *p, const char *key_b64,
			  const char *sig_b64)
{
	uint8_t pk[32];
	int rc = sealkey_verify(registry_cert(p), p->id, key_b64, sig_b64, pk);
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
