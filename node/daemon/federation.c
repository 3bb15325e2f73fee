/*
 * federation.c — the node's side of a living federation: the CRL the broker
 * distributes with the directory is taken when the CA signed it and it is
 * newer (kept in the database, so a restart does not fall back to an older
 * file), the listener's TLS configuration is swapped without dropping
 * connections, SIGHUP reads the CA and CRL files again, and the node's
 * security events are raised to the municipality's breach register.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wijknet.h"
#include "context.h"
#include "envelope.h"
#include "ids.h"
#include "log.h"
#include "node.h"
#include "secevent.h"

#define BREACH_WINDOW_MS (2 * 86400000LL) /* events raised again until the day after */

static char *node_stored_crl(struct node *n)
{
	sqlite3_stmt *st = NULL;
	char *pem = NULL;
	db_lock(n->db);
	if (db_prepare(n->db, "SELECT pem FROM federation_crl WHERE id = 1", &st) == 0 &&
	    sqlite3_step(st) == SQLITE_ROW)
		pem = strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	db_unlock(n->db);
	return pem;
}

static int node_store_crl(struct node *n, const char *pem)
{
	sqlite3_stmt *st = NULL;
	db_lock(n->db);
	int rc = db_prepare(n->db, "INSERT INTO federation_crl(id, pem, updated_at) VALUES (1, ?1,"
				   " ?2) ON CONFLICT(id) DO UPDATE SET pem = ?1, updated_at = ?2",
			    &st);
	if (rc == 0) {
		sqlite3_bind_text(st, 1, pem, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 2, time_now_ms());
		rc = sqlite3_step(st) == SQLITE_DONE ? 0 : WN_EDB;
	}
	sqlite3_finalize(st);
	db_unlock(n->db);
	return rc;
}

char *node_stored_crl_at(const char *path)
{
	sqlite3 *conn = NULL;
	sqlite3_stmt *st = NULL;
	char *pem = NULL;
	if (db_open_readonly(path, &conn) != 0)
		return NULL;
	if (sqlite3_prepare_v2(conn, "SELECT pem FROM federation_crl WHERE id = 1", -1, &st,
			       NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0) != NULL)
		pem = strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(conn);
	return pem;
}

int node_trust_build(struct node *n, const char *stored, pki_trust **out, char *err,
		     size_t errcap)
{
	char why[512], why2[512] = "";
	int changed = 0;
	*out = NULL;
	int rc = pki_trust_load(n->ca_path, n->crl_path, out, why, sizeof(why));
	if (rc == WN_EEXPIRED && stored != NULL) {
		/* the file lapsed: a newer CRL the broker distributed may stand in */
		if (pki_trust_load(n->ca_path, NULL, out, why2, sizeof(why2)) == 0 &&
		    pki_trust_offer_crl(*out, stored, &changed, why2, sizeof(why2)) == 0) {
			rc = 0;
		} else {
			pki_trust_free(*out);
			*out = NULL;
		}
	} else if (rc == 0 && stored != NULL) {
		(void)pki_trust_offer_crl(*out, stored, &changed, why2, sizeof(why2));
	}
	if (rc != 0)
		snprintf(err, errcap, "%s: keys 'ca' and 'crl': %s%s%s", config_file(n->cfg), why,
			 why2[0] ? "; the one the broker distributed does not stand in: " : "",
			 why2);
	return rc;
}

int node_trust_open(struct node *n, char *err, size_t errcap)
{
	char *stored = node_stored_crl(n);
	int rc = node_trust_build(n, stored, &n->trust, err, errcap);
	free(stored);
	return rc;
}

/* The listener's TLS configuration from the trust as it is now. */
static void node_swap_tls(struct node *n)
{
	nng_tls_config *tls = NULL;
	char err[512];
	int rc = transport_tls_config_trust(&tls, 1, n->cert_path, n->trust, NULL, err, sizeof(err));
	if (rc == 0 && n->inbound != NULL)
		rc = rpc_server_set_tls(n->inbound, tls);
	if (tls != NULL)
		nng_tls_config_free(tls);
	if (rc != 0)
		log_msg(WN_LOG_ERROR, "tls_reload_failed", "%s", err);
}

int node_offer_crl(struct node *n, const char *pem)
{
	char err[512];
	int changed = 0;
	int rc = pki_trust_offer_crl(n->trust, pem, &changed, err, sizeof(err));
	if (rc != 0) {
		log_msg(WN_LOG_WARN, "crl_refused", "the CRL the broker distributes: %s", err);
		return rc;
	}
	if (!changed)
		return 0;
	if (node_store_crl(n, pem) != 0)
		log_msg(WN_LOG_ERROR, "crl_not_kept", "the new CRL is in use but not stored");
	node_swap_tls(n);
	long left = 0;
	log_emit(WN_LOG_INFO, "crl_updated",
		 json_pack("{s:s,s:I}", "from", "broker", "seconds_left",
			   (json_int_t)(pki_trust_crl_seconds_left(n->trust, &left) == 0 ? left : -1)));
	return 1;
}

void node_hangup(node *n)
{
	char err[512] = "";
	int changed = 0;
	config *cfg = NULL;
	int cfg_ok = config_load(config_file(n->cfg), &cfg, err, sizeof(err)) == 0 &&
		     node_config_check(cfg, err, sizeof(err)) == 0;
	char lerr[512];
	/* the log file first, so the rest is told in the new one */
	if (daemon_log_file(cfg_ok ? cfg : NULL, lerr, sizeof(lerr)) != 0)
		log_msg(WN_LOG_ERROR, "reload_log_file", "%s (the log stays where it was)", lerr);
	if (cfg_ok) {
		json_t *root = config_root(cfg);
		log_set_level_config(config_str(root, "log_level", NULL)); /* checked above */
		/* what can change while connections run; the rest needs a restart */
		n->skew_ms = config_int(root, "skew_seconds", 30) * 1000;
		n->refusals_per_minute = config_int(root, "refusals_per_minute", 120);
		n->call_timeout_ms = (int)config_int(root, "timeout_ms", 5000);
		n->refresh_ms = (int)config_int(root, "refresh_seconds", 10) * 1000;
		log_msg(WN_LOG_INFO, "reload_config", "applied log_file, log_level, skew_seconds, "
			"refusals_per_minute, timeout_ms, refresh_seconds; listen, local, database, "
			"keys, profile, workers and the gate's limits take effect at the next restart");
	} else {
		log_msg(WN_LOG_ERROR, "reload_failed", "%s (the configuration in use stays)", err);
	}
	config_free(cfg);
	int trust_ok = pki_trust_reload(n->trust, n->ca_path, n->crl_path, &changed, err,
					sizeof(err)) == 0;
	if (!trust_ok) {
		log_msg(WN_LOG_ERROR, "reload_failed", "%s (the CA and CRL in use stay)", err);
	} else if (changed) {
		char *stored = node_stored_crl(n);
		int newer = 0;
		if (stored != NULL) /* never back to a CRL older than one already taken */
			(void)pki_trust_offer_crl(n->trust, stored, &newer, err, sizeof(err));
		free(stored);
		node_swap_tls(n);
	}
	pthread_mutex_lock(&n->lock);
	n->refresh_now = 1;
	pthread_cond_broadcast(&n->wake);
	pthread_mutex_unlock(&n->lock);
	log_emit(cfg_ok && trust_ok ? WN_LOG_INFO : WN_LOG_WARN, "reloaded",
		 json_pack("{s:b,s:b,s:b}", "config", cfg_ok, "trust", trust_ok, "trust_changed",
			   changed));
}

void node_directory_changed(struct node *n)
{
	pthread_mutex_lock(&n->lock);
	n->refresh_now = 1;
	pthread_cond_broadcast(&n->wake);
	pthread_mutex_unlock(&n->lock);
}

void node_raise_breaches(struct node *n)
{
	json_t *rows = NULL, *env = NULL, *reply = NULL;
	char err[512];
	if (secevent_digest(n->db, time_now_ms() - BREACH_WINDOW_MS, &rows) != 0)
		return;
	int64_t mark = 0;
	size_t i;
	json_t *r;
	json_array_foreach(rows, i, r)
		mark += json_integer_value(json_object_get(r, "count")) * 31 +
			json_integer_value(json_object_get(r, "last_seen"));
	if (json_array_size(rows) == 0 || mark == n->breach_mark) {
		json_decref(rows);
		return;
	}
	int rc = envelope_new1(&env, "breach.report", n->ident->id, n->broker_id);
	if (rc == 0) {
		json_object_set_new(env, "body", json_pack("{s:O}", "events", rows));
		rc = node_call_broker(n, env, n->call_timeout_ms, &reply, err, sizeof(err));
	}
	if (rc == 0)
		n->breach_mark = mark;
	else
		log_msg(WN_LOG_WARN, "breach_report_failed", "%s", err);
	json_decref(rows);
	json_decref(env);
	json_decref(reply);
}
