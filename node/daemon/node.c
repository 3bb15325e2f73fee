/*
 * node.c — node configuration, start-up, the broker connection and the
 * background refresher that keeps the directory current and the sealing
 * key published.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "wijknet.h"
#include "daemon.h"
#include "consentproof.h"
#include "context.h"
#include "encoding.h"
#include "envelope.h"
#include "error.h"
#include "fileio.h"
#include "httpd.h"
#include "ids.h"
#include "log.h"
#include "node.h"
#include "nodedb.h"
#include "notice.h"
#include "observe.h"
#include "owncert.h"
#include "purge.h"
#include "sealkey.h"
#include "store.h"
#include "transport.h"
#include "secevent.h"

static const struct schema_field node_fields[] = {
	{ "id", SCHEMA_STRING, 1, 63 },
	{ "certificate", SCHEMA_STRING, 1, 1024 },
	{ "ca", SCHEMA_STRING, 1, 1024 },
	{ "crl", SCHEMA_STRING, 0, 1024 },
	{ "broker", SCHEMA_STRING, 1, 256 },
	{ "broker_id", SCHEMA_STRING, 0, 63 },
	{ "listen", SCHEMA_STRING, 1, 256 },
	{ "local", SCHEMA_STRING, 1, 1024 },
	{ "database", SCHEMA_STRING, 1, 1024 },
	{ "keys", SCHEMA_STRING, 0, 1024 },
	{ "skew_seconds", SCHEMA_INT, 0, 3600 },
	{ "workers", SCHEMA_INT, 0, NODE_WORKERS_MAX },
	{ "timeout_ms", SCHEMA_INT, 0, 120000 },
	{ "refresh_seconds", SCHEMA_INT, 0, 86400 },
	{ "log_level", SCHEMA_STRING, 0, 8 },
	{ "log_file", SCHEMA_STRING, 0, 4000 },
	{ "profile", SCHEMA_OBJECT, 0, 0 },
	{ "durable_log", SCHEMA_BOOL, 0, 0 },
	{ "checkpoint_seconds", SCHEMA_INT, 0, 86400 },
	{ "purge_seconds", SCHEMA_INT, 0, 7 * 86400 },
	{ "refusals_per_minute", SCHEMA_INT, 0, 1000000 },
	GATE_CONFIG_FIELDS
	{ "metrics", SCHEMA_STRING, 0, 128 },
	{ NULL, 0, 0, 0 },
};

const struct schema_field *node_config_fields(void)
{
	return node_fields;
}

int node_config_check(config *cfg, char *err, size_t errcap)
{
	int rc = config_check(cfg, config_root(cfg), NULL, node_fields, err, errcap);
	return rc != 0 ? rc : config_check_log_level(cfg, err, errcap);
}

struct directory *node_directory(struct node *n)
{
	pthread_mutex_lock(&n->lock);
	struct directory *d = n->dir;
	directory_retain(d);
	pthread_mutex_unlock(&n->lock);
	return d;
}

/* A reply's signature, with the directory's broker certificate or, before
 * this node has a directory (a candidate awaiting admission), with the
 * certificate the reply carries when it chains to the CA as the broker. */
static int node_verify_broker_reply(struct node *n, struct directory *d, const json_t *r)
{
	if (d != NULL)
		return envelope_verify(r, d->broker_cert) == 0 ? 0 : WN_ESIG;
	const char *pem = json_string_value(json_object_get(envelope_body(r), "broker_cert"));
	X509 *cert = NULL;
	char why[256];
	if (pem == NULL || pki_cert_from_pem(pem, &cert) != 0)
		return WN_ESTATE;
	int rc = pki_trust_verify(n->trust, cert, n->broker_id, why, sizeof(why)) == 0 &&
			 envelope_verify(r, cert) == 0
		 ? 0
		 : WN_ESIG;
	X509_free(cert);
	return rc;
}

/* 1 (err set) when the broker's schema error says it does not know a field
 * or type of a message this node built itself: the broker runs an older
 * version (upgraded in the wrong order). Messages that carry the operator's
 * own keys (membership, policy) are left to say what they say. */
static int node_broker_older(struct node *n, const json_t *env, const json_t *body, char *err,
			     size_t errcap)
{
	(void)n;
	const char *type = envelope_str(env, "type");
	const char *msg = json_string_value(json_object_get(body, "message"));
	if (error_from_name(json_string_value(json_object_get(body, "error"))) != WN_ESCHEMA ||
	    msg == NULL || strncmp(type, "member.", 7) == 0 || strncmp(type, "policy.", 7) == 0 ||
	    (strstr(msg, "unknown field") == NULL && strstr(msg, "unknown message type") == NULL))
		return 0;
	snprintf(err, errcap, "the broker does not know part of this node's message (%.200s): "
		 "it runs an older wijknet than this node (%s); upgrade the broker first (see "
		 "the README's upgrade notes)", msg, WN_VERSION_STRING);
	return 1;
}

int node_call_broker(struct node *n, json_t *env, int timeout_ms, json_t **reply, char *err,
		     size_t errcap)
{
	char *buf = NULL, *resp = NULL;
	size_t len = 0, resplen = 0;
	json_t *r = NULL;
	struct directory *d = NULL;
	int rc = envelope_sign(env, n->ident->key);
	if (rc == 0)
		rc = envelope_encode(env, &buf, &len);
	if (rc != 0) {
		snprintf(err, errcap, "cannot build the message: %s", wn_strerror(rc));
		goto out;
	}
	rc = rpc_call(n->broker, buf, len, timeout_ms, &resp, &resplen);
	if (rc != 0) {
		/* the id quoted: a broker called "broker" reads as a name, not twice */
		if (rc == WN_ETIMEOUT)
			snprintf(err, errcap, "no answer from the broker '%s' before the deadline "
				 "(unreachable?)", n->broker_id);
		else
			snprintf(err, errcap, "the broker '%s' cannot be reached: %s", n->broker_id,
				 wn_strerror(rc));
		goto out;
	}
	if ((rc = envelope_parse(resp, resplen, &r, err, errcap)) != 0)
		goto out;
	const char *re = envelope_str(r, "re");
	if (re == NULL && strcmp(envelope_str(r, "type"), "error") == 0 &&
	    node_broker_older(n, env, envelope_body(r), err, errcap)) {
		rc = WN_EPROTO; /* refused before it was read: no reply to bind */
		goto out;
	}
	if (strcmp(envelope_str(r, "from"), n->broker_id) != 0 || re == NULL ||
	    strcmp(re, envelope_str(env, "id")) != 0) {
		snprintf(err, errcap, "reply is not the broker's answer to this message");
		rc = WN_EPROTO;
		goto out;
	}
	if (strcmp(envelope_str(r, "type"), "directory") != 0) {
		d = node_directory(n);
		if ((rc = node_verify_broker_reply(n, d, r)) != 0) {
			snprintf(err, errcap, "reply does not carry the broker's signature");
			if (rc == WN_ESIG)
				secevent_record(n->db, WN_ESIG, n->broker_id, envelope_str(r, "id"), err);
			goto out;
		}
	}
	if (strcmp(envelope_str(r, "type"), "error") == 0) {
		json_t *b = envelope_body(r);
		const char *msg = json_string_value(json_object_get(b, "message"));
		rc = error_from_name(json_string_value(json_object_get(b, "error")));
		if (node_broker_older(n, env, b, err, errcap)) {
			rc = WN_EPROTO;
			goto out;
		}
		snprintf(err, errcap, "%s", msg ? msg : wn_strerror(rc));
		goto out;
	}
	*reply = r;
	r = NULL;
	rc = 0;
out:
	directory_release(d);
	json_decref(r);
	free(buf);
	free(resp);
	return rc;
}

int node_refresh_directory(struct node *n, char *err, size_t errcap)
{
	json_t *env = NULL, *reply = NULL;
	struct directory *d = NULL;
	int rc = envelope_new1(&env, "directory.get", n->ident->id, n->broker_id);
	if (rc != 0)
		return rc;
	rc = node_call_broker(n, env, n->call_timeout_ms, &reply, err, errcap);
	if (rc == 0 && strcmp(envelope_str(reply, "type"), "directory") != 0) {
		snprintf(err, errcap, "broker answered directory.get with '%s'",
			 envelope_str(reply, "type"));
		rc = WN_EPROTO;
	}
	int fetched = rc == 0; /* a refusal by the broker is about this node, not a breach */
	if (rc == 0)
		rc = directory_from_envelope(reply, n->broker_id, n->trust, &d, err, errcap);
	const char *crl = json_string_value(json_object_get(envelope_body(reply), "crl"));
	if (rc == 0 && crl != NULL && node_offer_crl(n, crl) == 1) {
		/* a newer CRL: every certificate in the directory is checked again */
		directory_release(d);
		d = NULL;
		rc = directory_from_envelope(reply, n->broker_id, n->trust, &d, err, errcap);
	}
	if (fetched && (rc == WN_ESIG || rc == WN_ECERT || rc == WN_EREVOKED))
		secevent_record(n->db, rc, n->broker_id, reply ? envelope_str(reply, "id") : NULL, err);
	if (rc == 0) {
		struct dir_peer *self = directory_find(d, n->ident->id);
		pthread_mutex_lock(&n->lock);
		struct directory *old = n->dir;
		n->dir = d;
		/* the broker forgot or never had our key: publish it again */
		if (self == NULL || !self->has_seal || memcmp(self->seal_pk, n->keys.seal_pk, 32) != 0)
			n->seal_published = 0;
		pthread_mutex_unlock(&n->lock);
		directory_release(old);
	}
	json_decref(env);
	json_decref(reply);
	return rc;
}

void node_refresh_directory_before(struct node *n, int64_t ts)
{
	char err[256];
	pthread_mutex_lock(&n->refresh_lock);
	struct directory *d = node_directory(n);
	int stale = d == NULL || d->fetched_at < ts;
	directory_release(d);
	if (stale)
		(void)node_refresh_directory(n, err, sizeof(err));
	pthread_mutex_unlock(&n->refresh_lock);
}

static int node_publish_seal_key(struct node *n, char *err, size_t errcap)
{
	char *key = NULL, *sig = NULL;
	json_t *env = NULL, *reply = NULL;
	int rc = b64_encode(n->keys.seal_pk, 32, &key);
	if (rc == 0)
		rc = sealkey_sign(n->ident->key, n->ident->id, n->keys.seal_pk, &sig);
	if (rc == 0)
		rc = envelope_new1(&env, "seal.publish", n->ident->id, n->broker_id);
	if (rc == 0) {
		json_object_set_new(env, "body", json_pack("{s:s,s:s}", "key", key, "sig", sig));
		rc = node_call_broker(n, env, n->call_timeout_ms, &reply, err, errcap);
	}
	if (rc == 0)
		log_msg(WN_LOG_INFO, "seal_key_published", "sealing key published to %s",
			n->broker_id);
	free(key);
	free(sig);
	json_decref(env);
	json_decref(reply);
	return rc;
}

/* Whether the broker should be offered this node's certificate: it holds
 * another one (renewed here, the key unchanged), or it refuses this node's
 * messages because the one it holds lapsed. */
static int node_cert_offer_due(struct node *n, int refresh_rc)
{
	if (refresh_rc == WN_EEXPIRED)
		return 1;
	struct directory *d = node_directory(n);
	struct dir_peer *self = d ? directory_find(d, n->ident->id) : NULL;
	int due = self != NULL && X509_cmp(self->cert, n->ident->cert) != 0;
	directory_release(d);
	return due;
}

/* Offers the node's certificate to the broker, which registers it when it
 * renews the one registered (the same key, running later). */
static int node_offer_cert(struct node *n, int *renewed, char *err, size_t errcap)
{
	json_t *env = NULL, *reply = NULL;
	int rc = envelope_new1(&env, "cert.renew", n->ident->id, n->broker_id);
	if (rc == 0) {
		json_object_set_new(env, "body", json_pack("{s:s}", "cert", n->ident->cert_pem));
		rc = node_call_broker(n, env, n->call_timeout_ms, &reply, err, errcap);
	}
	*renewed = rc == 0 && json_is_true(json_object_get(envelope_body(reply), "renewed"));
	json_decref(env);
	json_decref(reply);
	return rc;
}

/* Once per start: a renewed certificate is registered with the broker. A
 * refusal is logged and not repeated; an unreachable broker is asked again. */
static int node_renew_cert(struct node *n, int refresh_rc, int *done, char *err, size_t errcap)
{
	int renewed = 0, rc;
	if (*done || (refresh_rc != 0 && refresh_rc != WN_EEXPIRED))
		return refresh_rc;
	if (!node_cert_offer_due(n, refresh_rc)) {
		*done = refresh_rc == 0;
		return refresh_rc;
	}
	char oerr[512] = "";
	rc = node_offer_cert(n, &renewed, oerr, sizeof(oerr));
	/* only the broker's verdict on the certificate settles it; a failure
	 * on the way (network, its database) is asked again next round */
	if (rc != 0 && rc != WN_ECERT && rc != WN_ESTATE && rc != WN_EREVOKED && rc != WN_ESIG &&
	    rc != WN_EPROTO && rc != WN_ESCHEMA)
		return refresh_rc;
	*done = 1;
	if (rc != 0) {
		log_msg(WN_LOG_ERROR, "cert_renewal_refused", "the broker keeps the certificate it "
			"holds for this node: %s", oerr);
		return refresh_rc;
	}
	if (renewed)
		log_msg(WN_LOG_INFO, "cert_renewed", "the broker registered this node's renewed "
			"certificate");
	return node_refresh_directory(n, err, errcap);
}

/* 1 when the broker's refusal says this membership is over (ended or
 * revoked, not suspended): its words as broker.c puts them. */
static int node_refusal_final(const char *why)
{
	static const char *const said[] = { ": it is ended", ": it is revoked",
					    "membership ended", "membership was revoked", NULL };
	for (size_t i = 0; said[i] != NULL; i++)
		if (strstr(why, said[i]) != NULL)
			return 1;
	return 0;
}

/* Keeps (n->lock held) the broker's last word on this node's membership: an
 * end or revocation stays until the broker answers otherwise, since it
 * then refuses the TLS handshake and cannot say it again. */
static void node_note_membership(struct node *n, int rc, const char *err)
{
	int answered = rc == 0 || rc == WN_EREVOKED || rc == WN_EPENDING ||
		       rc == WN_EUNKNOWN_PARTNER || rc == WN_EDENIED || rc == WN_EEXPIRED;
	if (rc == WN_EREVOKED && node_refusal_final(err)) {
		snprintf(n->member_word, sizeof(n->member_word), "%s", err);
		n->member_word_at = time_now_ms();
	} else if (answered) {
		n->member_word[0] = '\0';
		n->member_word_at = 0;
	}
}

static void *node_refresher_main(void *arg)
{
	struct node *n = arg;
	int64_t next_refresh = 0, next_breaches = 0;
	int last_rc = 1; /* so the first outcome is logged */
	int cert_offered = 0, refused_rounds = 0;
	daemon_name_thread("wn:refresh");
	pthread_mutex_lock(&n->lock);
	while (!n->stopping) {
		int have_dir = n->dir != NULL, published = n->seal_published;
		int now_wanted = n->refresh_now;
		n->refresh_now = 0;
		n->outbox_now = 0;
		int64_t now = time_mono_ms();
		pthread_mutex_unlock(&n->lock);
		char err[512] = "";
		int rc = 0;
		if (!have_dir || now_wanted || now >= next_refresh) {
			rc = node_refresh_directory(n, err, sizeof(err));
			rc = node_renew_cert(n, rc, &cert_offered, err, sizeof(err));
			next_refresh = now + (rc == 0 ? n->refresh_ms : 0);
			pthread_mutex_lock(&n->lock); /* for /healthz */
			n->broker_rc = rc;
			snprintf(n->broker_why, sizeof(n->broker_why), "%s", rc != 0 ? err : "");
			node_note_membership(n, rc, err);
			pthread_mutex_unlock(&n->lock);
		}
		if (rc == 0 && !published) {
			if ((rc = node_publish_seal_key(n, err, sizeof(err))) == 0) {
				pthread_mutex_lock(&n->lock);
				n->seal_published = 1;
				pthread_mutex_unlock(&n->lock);
				rc = node_refresh_directory(n, err, sizeof(err));
			}
		}
		if (now >= n->next_purge) {
			long purged = 0;
			struct retention_counts counts;
			purge_expired(n, &purged);
			retention_purge(n, retention_days(n), &counts);
			n->next_purge = now + n->purge_ms;
		}
		if (rc == 0 && !atomic_load(&n->witness_checked)) {
			/* a ledger behind what the broker witnessed must not go on */
			char werr[512] = "";
			int wrc = node_check_witnessed(n, werr, sizeof(werr));
			if (wrc == WN_ETAMPERED && n->accept_gap && n->witnessed_ahead > 0)
				wrc = node_accept_gap(n, werr, sizeof(werr));
			if (wrc == WN_ETAMPERED) {
				log_msg(WN_LOG_ERROR, "ledger_behind_witness", "%s", werr);
				if (isatty(STDERR_FILENO))
					fprintf(stderr, "wijknet-node: %s\n", werr);
				atomic_store(&n->failed, 1);
				kill(getpid(), SIGTERM);
			} else if (wrc == 0) {
				node_ledger_checked(n);
				if (n->accept_gap == 1) /* left in a service unit? */
					log_msg(WN_LOG_WARN, "accept_ledger_gap_unused",
						"--accept-ledger-gap was given, but the ledger is not "
						"behind what the broker witnessed: nothing was "
						"accepted; start the node without it");
				atomic_store(&n->witness_checked, 1);
			} else {
				/* not checked is not passed: asked again next round */
				log_msg(WN_LOG_WARN, "ledger_check_pending", "%s", werr);
			}
		}
		if (rc == 0 && atomic_load(&n->witness_checked))
			outbox_flush(n);
		if (rc == 0 && now >= next_breaches) {
			node_raise_breaches(n);
			next_breaches = now + n->refresh_ms;
		}
		if (rc == 0 && now >= n->next_checkpoint) {
			char werr[512] = "";
			node_checkpoint_own(n);
			if (atomic_load(&n->witness_checked))
				node_report_checkpoint(n);
			if (node_witness_broker(n, werr, sizeof(werr)) != 0)
				log_msg(WN_LOG_WARN, "witness_failed", "%s", werr);
			n->next_checkpoint = now + n->checkpoint_ms;
		}
		if (rc != last_rc) {
			if (rc != 0)
				log_msg(WN_LOG_WARN, "broker_unavailable", "%s", err);
			else
				log_msg(WN_LOG_INFO, "broker_connected", "directory verified from %s",
					n->broker_id);
			last_rc = rc;
		}
		pthread_mutex_lock(&n->lock);
		if (n->stopping)
			break;
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		/* a candidate awaiting admission asks less often */
		long wait_ms = (rc == 0 && n->seal_published) ? 1000
			       : rc == WN_EPENDING || rc == WN_EREVOKED || rc == WN_EEXPIRED ||
					 rc == WN_EUNKNOWN_PARTNER ? 2000
								   : 250;
		/* out of the federation (ended, revoked, suspended) for more than half
		 * a minute: asked twice a minute; the broker's push of a change
		 * wakes it at once */
		refused_rounds = rc == WN_EREVOKED ? refused_rounds + 1 : 0;
		if (refused_rounds > 15)
			wait_ms = 30000;
		ts.tv_nsec += wait_ms * 1000000L;
		ts.tv_sec += ts.tv_nsec / 1000000000L;
		ts.tv_nsec %= 1000000000L;
		if (!n->outbox_now) /* a notice queued while we worked goes at once */
			pthread_cond_timedwait(&n->wake, &n->lock, &ts);
	}
	pthread_mutex_unlock(&n->lock);
	return NULL;
}

/* The CA and the CRL files as the start takes them, before any file is
 * made: one that cannot be read, a CRL the CA did not sign, or one that
 * lapsed with no newer one from the broker in the database to stand in, is
 * refused here, by --check and the start alike. With check_only, the
 * node's own certificate is verified against them too (the start does that
 * once the database can record a refusal). */
static int node_check_trust(struct node *n, const char *id, int check_only, char *err,
			    size_t errcap)
{
	pki_trust *t = NULL;
	char why[512];
	char *stored = node_stored_crl_at(n->db_path);
	int rc = node_trust_build(n, stored, &t, err, errcap);
	free(stored);
	if (rc == 0 && check_only &&
	    (rc = pki_trust_verify(t, n->ident->cert, id, why, sizeof(why))) != 0)
		snprintf(err, errcap, "%s: key 'certificate': %s: this node's certificate is "
			 "refused: %s", config_file(n->cfg), n->cert_path, why);
	pki_trust_free(t);
	return rc;
}

/* The files the node writes, as the start will: each one out of reach is
 * named by its key before anything is made. */
static int node_check_files(struct node *n, const json_t *root, char *err, size_t errcap)
{
	int rc = config_check_writable(n->cfg, "database", n->db_path, err, errcap);
	if (rc == 0)
		rc = config_check_writable(n->cfg, "keys", n->keys_path, err, errcap);
	char *log_path = config_path(n->cfg, config_str(root, "log_file", NULL));
	if (rc == 0)
		rc = config_check_writable(n->cfg, "log_file", log_path, err, errcap);
	free(log_path);
	if (rc == 0)
		rc = config_check_dirs(n->cfg, "local", n->local, err, errcap);
	return rc;
}

/* What a start that failed made goes with it: the database it made, with
 * the key file it made, unless it holds a security event (the refusal of
 * the node's own certificate). */
static void node_unmake_on_fail(struct node *n, int db_new, int keys_new,
				struct file_made *made)
{
	if (n->db_locked && secevent_note_made_db(n->db, n->db_path, db_new, made) && keys_new)
		(void)file_made_note(made, n->keys_path);
}

/* Opens the node; check_only stops once the config, the profile and the
 * certificate are checked, before any file is made or changed. */
static int node_open_as(const char *config_file_path, int check_only, node **out, char *err,
			size_t errcap)
{
	int rc, db_new = 0, keys_new = 0;
	struct file_made made = { 0 };
	struct node *n = calloc(1, sizeof(*n));
	if (n == NULL)
		return WN_ENOMEM;
	pthread_mutex_init(&n->lock, NULL);
	pthread_mutex_init(&n->refresh_lock, NULL);
	pthread_mutex_init(&n->proof_lock, NULL);
	pthread_cond_init(&n->wake, NULL);
	if ((rc = config_load(config_file_path, &n->cfg, err, errcap)) != 0)
		goto fail;
	json_t *root = config_root(n->cfg);
	if ((rc = config_check(n->cfg, root, NULL, node_fields, err, errcap)) != 0)
		goto fail;
	if ((rc = observe_check_config(n->cfg, err, errcap)) != 0)
		goto fail;
	const char *id = config_str(root, "id", NULL);
	if (schema_valid_partner_id(id) != 0) {
		snprintf(err, errcap, "%s: key 'id': '%s' is not a partner id", config_file(n->cfg), id);
		rc = WN_ECONFIG;
		goto fail;
	}
	log_init("node", id);
	if ((rc = config_check_log_level(n->cfg, err, errcap)) != 0)
		goto fail;
	log_set_level_config(config_str(root, "log_level", NULL));
	const char *bid = config_str(root, "broker_id", "broker");
	if (schema_valid_partner_id(bid) != 0) {
		snprintf(err, errcap, "%s: key 'broker_id': '%s' is not a valid id", config_file(n->cfg),
			 bid);
		rc = WN_ECONFIG;
		goto fail;
	}
	snprintf(n->broker_id, sizeof(n->broker_id), "%s", bid);
	n->cert_path = config_path(n->cfg, config_str(root, "certificate", NULL));
	n->ca_path = config_path(n->cfg, config_str(root, "ca", NULL));
	n->crl_path = config_path(n->cfg, config_str(root, "crl", NULL));
	n->db_path = config_path(n->cfg, config_str(root, "database", NULL));
	const char *kp = config_str(root, "keys", NULL);
	if (kp != NULL) {
		n->keys_path = config_path(n->cfg, kp);
	} else if (n->db_path != NULL && (n->keys_path = malloc(strlen(n->db_path) + 6)) != NULL) {
		sprintf(n->keys_path, "%s.keys", n->db_path);
	}
	n->listen = strdup(config_str(root, "listen", ""));
	n->broker_url = strdup(config_str(root, "broker", ""));
	const char *local = config_str(root, "local", "");
	if (strncmp(local, "ipc://", 6) != 0) {
		snprintf(err, errcap, "%s: key 'local': expected an ipc:// address for the local API",
			 config_file(n->cfg));
		rc = WN_ECONFIG;
		goto fail;
	}
	n->local = strdup(local);
	n->skew_ms = config_int(root, "skew_seconds", 30) * 1000;
	n->refusals_per_minute = config_int(root, "refusals_per_minute", 120);
	gate_limits_read(root, &n->gate_limits);
	/* a worker waits for the log's commit, and the requester's for the broker */
	n->workers = (int)config_int(root, "workers", rpc_workers_default(2, 4));
	if (n->workers < 1)
		n->workers = 1;
	n->call_timeout_ms = (int)config_int(root, "timeout_ms", 5000);
	n->refresh_ms = (int)config_int(root, "refresh_seconds", 10) * 1000;
	/* a private key open to others, or a second daemon on this database, is
	 * refused before any file is made or changed */
	if ((rc = file_check_private(n->cert_path, "the certificate and key file", err,
				     errcap)) != 0)
		goto fail;
	if ((rc = pki_identity_load(n->cert_path, &n->ident, err, errcap)) != 0)
		goto fail;
	if ((rc = profile_load(n->cfg, json_object_get(root, "profile"), &n->profile, err,
			       errcap)) != 0)
		goto fail;
	if (n->db_path == NULL) {
		snprintf(err, errcap, "%s: key 'database' is missing", config_file(n->cfg));
		rc = WN_ECONFIG;
		goto fail;
	}
	if (strcmp(n->ident->id, id) != 0) {
		snprintf(err, errcap, "%s: key 'certificate': certificate is for '%s', but 'id' is '%s'",
			 config_file(n->cfg), n->ident->id, id);
		rc = WN_ECONFIG;
		goto fail;
	}
	/* where it listens and where it dials, as the start would use them */
	static const char *const urls[] = { "listen", "broker" };
	for (size_t i = 0; i < sizeof(urls) / sizeof(urls[0]); i++) {
		const char *u = config_str(root, urls[i], "");
		if (transport_url_valid(u) != 0) {
			snprintf(err, errcap, "%s: key '%s': '%.200s' is not tls+tcp://host:port",
				 config_file(n->cfg), urls[i], u);
			rc = WN_ECONFIG;
			goto fail;
		}
	}
	char where[300];
	if (transport_listen_check(n->listen, where, sizeof(where)) != 0) {
		snprintf(err, errcap, "%s: key 'listen': cannot listen there: %s",
			 config_file(n->cfg), where);
		rc = WN_ECONFIG;
		goto fail;
	}
	if ((rc = node_check_trust(n, id, check_only, err, errcap)) != 0)
		goto fail;
	if ((rc = node_check_files(n, root, err, errcap)) != 0)
		goto fail;
	struct stat dbst, keyst;
	if (check_only && stat(n->db_path, &dbst) == 0 && dbst.st_size > 0 &&
	    stat(n->keys_path, &keyst) != 0) {
		/* the start refuses new keys for a database that holds data: said
		 * here without opening the database, which --check does not touch */
		snprintf(err, errcap, "%s: the database exists but its node key file %s is missing: "
			 "restore the key file from the backup taken with the database (a start "
			 "makes new keys only for an empty database)", n->db_path, n->keys_path);
		rc = WN_ECONFIG;
		goto fail;
	}
	if (check_only) {
		*out = n;
		return 0;
	}
	if ((rc = daemon_log_file(n->cfg, err, errcap)) != 0)
		goto fail;
	/* the directories it needs are made, the owner's alone; a start that
	 * fails takes away what it made */
	if ((rc = file_make_parent_dirs(n->db_path, 0700, &made, err, errcap)) != 0 ||
	    (rc = file_make_parent_dirs(n->keys_path, 0700, &made, err, errcap)) != 0 ||
	    (rc = file_make_parent_dirs(n->local, 0700, &made, err, errcap)) != 0)
		goto fail;
	char lock_path[4200];
	snprintf(lock_path, sizeof(lock_path), "%s.lock", n->db_path);
	int lock_new = !file_entry_exists(lock_path);
	if ((rc = file_lock_database(n->db_path, &n->db_lock_fd, err, errcap)) != 0)
		goto fail;
	n->db_locked = 1;
	/* under the lock: no other daemon makes them now */
	db_new = !file_entry_exists(n->db_path) ? 1 + lock_new : 0;
	keys_new = !file_entry_exists(n->keys_path);
	/* made by an older version, or under a lax umask: the owner's alone,
	 * before SQLite makes its -wal and -shm with the database's mode */
	file_make_database_private(n->db_path);
	if ((rc = nodedb_open(n->db_path, &n->db, err, errcap)) != 0)
		goto fail;
	if ((rc = node_trust_open(n, err, errcap)) != 0)
		goto fail;
	char why[256];
	if ((rc = pki_trust_verify(n->trust, n->ident->cert, id, why, sizeof(why))) != 0) {
		snprintf(err, errcap, "%s: key 'certificate': %s: this node's certificate is "
			 "refused: %s", config_file(n->cfg), n->cert_path, why);
		secevent_record(n->db, rc, id, NULL, err);
		goto fail;
	}
	long in_use = 0;
	if ((rc = nodedb_rows_in_use(n->db, &in_use)) != 0) {
		snprintf(err, errcap, "%s: the database cannot be read", n->db_path);
		goto fail;
	}
	if ((rc = keys_load_or_create(n->keys_path, in_use, &n->keys, err, errcap)) != 0)
		goto fail;
	if (file_make_database_private(n->db_path) != 0)
		log_msg(WN_LOG_WARN, "database_mode", "%s: cannot take group and others' access "
			"away", n->db_path);
	n->durable_log = !json_is_false(json_object_get(root, "durable_log"));
	if ((rc = db_writer_open(n->db, n->durable_log, &n->writer)) != 0) {
		snprintf(err, errcap, "cannot start the log writer");
		goto fail;
	}
	if ((rc = replay_open(n->db, n->writer, n->skew_ms, &n->replay)) != 0) {
		snprintf(err, errcap, "%s: the message ids seen cannot be read", n->db_path);
		goto fail;
	}
	char origin[PKI_ID_MAX + 32];
	snprintf(origin, sizeof(origin), "wijknet:%s:ledger", id);
	if ((rc = tlog_open(n->db, "ledger", origin, &n->ledger)) != 0) {
		snprintf(err, errcap, "%s: the ledger cannot be opened: it is %s (run "
			 "'wijknet audit verify --db %s')", n->db_path,
			 rc == WN_ETAMPERED ? "not the one its last checkpoint signed" : "damaged",
			 n->db_path);
		goto fail;
	}
	int replaced = 0;
	if ((rc = owncert_note(n->db, n->ident->cert, n->ident->cert_pem, &replaced)) != 0) {
		snprintf(err, errcap, "%s: the node's certificates cannot be recorded", n->db_path);
		goto fail;
	}
	if (replaced > 0) /* its ledger's checkpoints before now are the old key's */
		log_msg(WN_LOG_INFO, "own_key_replaced", "started with a certificate for a new "
			"key; the replaced key's certificate is kept to check what it signed");
	/* what the copy held when first opened since its last check against the
	 * broker: entries made before that check (a purge) are not what it is about */
	if ((rc = node_ledger_unchecked(n)) != 0) {
		snprintf(err, errcap, "%s: the ledger cannot be read", n->db_path);
		goto fail;
	}
	n->checkpoint_ms = (int)config_int(root, "checkpoint_seconds", 60) * 1000;
	n->purge_ms = (int64_t)config_int(root, "purge_seconds", 3600) * 1000;
	if (n->purge_ms < 1000)
		n->purge_ms = 1000;
	if (n->checkpoint_ms < 1000)
		n->checkpoint_ms = 1000;
	store_import_cleanup(n->db);
	file_made_forget(&made);
	*out = n;
	return 0;
fail:
	node_unmake_on_fail(n, db_new, keys_new, &made);
	/* the database closed, what was made goes while the lock is still held */
	int lock_fd = n->db_locked ? n->db_lock_fd : -1;
	n->db_locked = 0;
	node_close(n);
	file_made_undo(&made);
	if (lock_fd >= 0)
		close(lock_fd);
	return rc;
}

int node_open(const char *config_file_path, node **out, char *err, size_t errcap)
{
	return node_open_as(config_file_path, 0, out, err, errcap);
}

void node_accept_ledger_gap(node *n)
{
	n->accept_gap = 1;
}

int node_failed(node *n)
{
	return n != NULL && atomic_load(&n->failed);
}

int node_check(const char *config_file_path, char *err, size_t errcap)
{
	node *n = NULL;
	int rc = node_open_as(config_file_path, 1, &n, err, errcap);
	node_close(n);
	if (rc == 0) /* a step that fell back (a lapsed CRL) is no warning */
		err[0] = '\0';
	return rc;
}

/* A certificate a client offered and the TLS handshake refused: a security
 * event, raised with the others to the federation's breach register. */
static void node_refused_cert(void *arg, const char *addr, const uint8_t *der, size_t derlen,
			      long count)
{
	struct node *n = arg;
	secevent_certq_push(n->certq, addr, der, derlen, count);
}

int node_start(node *n, char *err, size_t errcap)
{
	int rc, first = 0;
	/* first: a metrics port in use fails the start at once, before the
	 * broker is dialed (what it reports was opened with the node) */
	if ((rc = node_observe_start(n, err, errcap)) != 0)
		return rc;
	if ((rc = transport_tls_config_trust(&n->server_tls, 1, n->cert_path, n->trust, NULL, err,
					     errcap)) != 0 ||
	    (rc = transport_tls_config_trust(&n->client_tls, 0, n->cert_path, n->trust,
					     n->broker_id, err, errcap)) != 0)
		return rc;
	if ((rc = rpc_client_open(&n->broker, n->broker_url, n->client_tls, &first, err, errcap)) != 0)
		return rc;
	if (first == NNG_EPEERAUTH || first == NNG_ECRYPTO) {
		char detail[512];
		snprintf(detail, sizeof(detail), "TLS handshake with broker at %s failed: %s "
			 "(a certificate refused by either side: this node's by the broker - "
			 "revoked, ended, expired, or not issued by the federation CA - or the "
			 "broker's by this node: it must be issued by the CA in ca_file and name "
			 "the config's broker_id '%s')", n->broker_url, nng_strerror(first),
			 n->broker_id);
		secevent_record(n->db, WN_ECERT, n->broker_id, NULL, detail);
	} else if (first != 0) {
		log_msg(WN_LOG_WARN, "broker_unavailable", "%s: %s (will keep retrying)",
			n->broker_url, nng_strerror(first));
	}
	/* servers last: their handlers use the broker connection */
	if ((rc = rpc_server_start(&n->inbound, n->listen, n->server_tls, &n->gate_limits,
				   n->workers, node_inbound_handle, n, err, errcap)) != 0)
		return rc;
	if ((rc = secevent_certq_open(n->db, n->trust, NULL, NULL, &n->certq)) != 0) {
		snprintf(err, errcap, "cannot start the breach register's certificate queue");
		return rc;
	}
	rpc_server_on_refused_cert(n->inbound, node_refused_cert, n);
	if ((rc = rpc_server_start(&n->localsrv, n->local, NULL, NULL, n->workers,
				   node_local_handle, n, err, errcap)) != 0)
		return rc;
	if (pthread_create(&n->refresher, NULL, node_refresher_main, n) != 0) {
		snprintf(err, errcap, "cannot start the refresher thread");
		return WN_ENOMEM;
	}
	n->refresher_started = 1;
	log_emit(WN_LOG_INFO, "node_started",
		 json_pack("{s:s,s:s,s:s,s:s}", "listen", n->listen, "local", n->local, "broker",
			   n->broker_url, "version", WN_VERSION_STRING));
	return 0;
}

void node_close(node *n)
{
	if (n == NULL)
		return;
	node_observe_stop(n); /* the operator's endpoint first: it reads the rest */
	pthread_mutex_lock(&n->lock);
	n->stopping = 1;
	pthread_cond_broadcast(&n->wake);
	pthread_mutex_unlock(&n->lock);
	if (n->refresher_started)
		pthread_join(n->refresher, NULL);
	rpc_server_stop(n->localsrv);
	rpc_server_stop(n->inbound);
	secevent_certq_close(n->certq); /* after the gate that fills it */
	if (n->ledger != NULL && n->writer != NULL && rpc_client_connected(n->broker) &&
	    atomic_load(&n->witness_checked)) {
		/* the last entries witnessed too: a restore cannot lose them unseen */
		node_checkpoint_own(n);
		node_report_checkpoint(n);
	}
	rpc_client_close(n->broker);
	if (n->server_tls)
		nng_tls_config_free(n->server_tls);
	if (n->client_tls)
		nng_tls_config_free(n->client_tls);
	directory_release(n->dir);
	if (n->ledger != NULL && n->writer != NULL)
		node_checkpoint_own(n); /* the last one, at shutdown */
	replay_close(n->replay);
	db_writer_close(n->writer);
	tlog_close(n->ledger);
	profile_free(&n->profile);
	db_close(n->db);
	if (n->db_locked)
		close(n->db_lock_fd);
	pki_trust_free(n->trust);
	pki_identity_free(n->ident);
	keys_wipe(&n->keys);
	char *strs[] = { n->cert_path, n->ca_path, n->crl_path, n->db_path, n->keys_path,
			 n->listen, n->local, n->broker_url };
	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		free(strs[i]);
	config_free(n->cfg);
	pthread_cond_destroy(&n->wake);
	pthread_mutex_destroy(&n->lock);
	pthread_mutex_destroy(&n->refresh_lock);
	consentproof_free(n);
	pthread_mutex_destroy(&n->proof_lock);
	free(n);
}
