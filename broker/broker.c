/*
 * broker.c — configuration, start-up and the inbound pipeline every node
 * request passes: size and schema, known and usable sender, signature
 * (naming a forged sender), addressing, replay and skew, then dispatch.
 * Every refusal is answered with a signed error, logged and recorded.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wijknet.h"
#include "broker.h"
#include "context.h"
#include "declaration.h"
#include "envelope.h"
#include "fileio.h"
#include "httpd.h"
#include "ids.h"
#include "log.h"
#include "metrics.h"
#include "observe.h"
#include "policy.h"
#include "replay.h"
#include "secevent.h"
#include "store.h"
#include "tlog.h"

/* Said at a start, and by --check of a first start, whose registry has no
 * partner with the municipality's role: a federation may run without one
 * for a while, but what the client is owed has nobody to answer it. */
#define BROKER_NO_MUNICIPALITY                                                              \
	"no partner has the role 'municipality': rights requests, access reports and "    \
	"notices to the client have nobody to answer them (Heerlen 9.1), and under "      \
	"municipality_and_majority no proposal but a municipality's join can be approved: " \
	"give the municipality's partner \"role\": \"municipality\" in 'partners' before the " \
	"first start, or let it join with that role (every member decides)"

static const struct schema_field broker_fields[] = {
	{ "id", SCHEMA_STRING, 1, 63 },
	{ "listen", SCHEMA_STRING, 1, 256 },
	{ "certificate", SCHEMA_STRING, 1, 1024 },
	{ "ca", SCHEMA_STRING, 1, 1024 },
	{ "crl", SCHEMA_STRING, 0, 1024 },
	{ "database", SCHEMA_STRING, 1, 1024 },
	{ "skew_seconds", SCHEMA_INT, 0, 3600 },
	{ "deadline_ms", SCHEMA_INT, 0, 60000 },
	{ "workers", SCHEMA_INT, 0, 64 },
	{ "max_partners", SCHEMA_INT, 0, ENVELOPE_MAX_TO },
	{ "max_consent_days", SCHEMA_INT, 0, 3650 },
	{ "approval_rule", SCHEMA_STRING, 0, 32 },
	{ "covenant", SCHEMA_STRING, 0, 16 },
	{ "notice_months", SCHEMA_INT, 0, 24 },
	{ "case_retention_days", SCHEMA_INT, 0, 36500 },
	{ "notice_days", SCHEMA_INT, 0, 365 },
	{ "retention_days", SCHEMA_INT, 0, 36500 },
	{ "admin", SCHEMA_STRING, 0, 1024 },
	{ "ca_dir", SCHEMA_STRING, 0, 1024 },
	{ "ca_tool", SCHEMA_STRING, 0, 1024 },
	{ "durable_log", SCHEMA_BOOL, 0, 0 },
	{ "checkpoint_seconds", SCHEMA_INT, 0, 86400 },
	{ "purge_seconds", SCHEMA_INT, 0, 7 * 86400 },
	{ "refusals_per_minute", SCHEMA_INT, 0, 1000000 },
	GATE_CONFIG_FIELDS
	{ "metrics", SCHEMA_STRING, 0, 128 },
	{ "log_level", SCHEMA_STRING, 0, 8 },
	{ "log_file", SCHEMA_STRING, 0, 4000 },
	{ "partners", SCHEMA_ARRAY, 0, REGISTRY_MAX },
	{ NULL, 0, 0, 0 },
};

int broker_sign(struct broker *b, json_t *env)
{
	return envelope_sign(env, b->ident->key);
}

int broker_reply(struct broker *b, const struct broker_request *rq, const char *type,
		 json_t *body, json_t **reply)
{
	json_t *env = NULL;
	int rc = envelope_new1(&env, type, b->ident->id, envelope_str(rq->env, "from"));
	if (rc != 0) {
		json_decref(body);
		return rc;
	}
	envelope_set_str(env, "re", envelope_str(rq->env, "id"));
	if (body != NULL)
		json_object_set_new(env, "body", body);
	if ((rc = broker_sign(b, env)) != 0) {
		json_decref(env);
		return rc;
	}
	*reply = env;
	return 0;
}

const struct schema_field *broker_config_fields(void)
{
	return broker_fields;
}

/* The files and directories the config names, as the start will use them:
 * each one missing or out of reach is named by its key before anything is
 * made. The CA's directory is checked as wijknet-ca works in it. */
static int broker_check_files(broker *b, const json_t *root, char *err, size_t errcap)
{
	int rc = config_check_writable(b->cfg, "database", b->db_path, err, errcap);
	char *log_path = config_path(b->cfg, config_str(root, "log_file", NULL));
	if (rc == 0)
		rc = config_check_writable(b->cfg, "log_file", log_path, err, errcap);
	free(log_path);
	if (rc == 0)
		rc = config_check_dirs(b->cfg, "admin", b->admin_url, err, errcap);
	if (rc != 0 || b->ca_dir == NULL)
		return rc;
	if ((rc = config_check_dir(b->cfg, "ca_dir", b->ca_dir, err, errcap)) != 0)
		return rc;
	static const char *const ca_files[] = { "ca.key", "ca.crt", "index.txt" };
	for (size_t i = 0; rc == 0 && i < sizeof(ca_files) / sizeof(ca_files[0]); i++) {
		char path[4200];
		snprintf(path, sizeof(path), "%s/%s", b->ca_dir, ca_files[i]);
		rc = config_check_readable(b->cfg, "ca_dir", path, err, errcap);
	}
	if (rc == 0)
		rc = config_check_program(b->cfg, "ca_tool", b->ca_tool, err, errcap);
	return rc;
}

/* Opens the broker; check_only stops once the config and the certificate
 * are checked, before any file is made or changed. */
static int broker_open_as(const char *config_file_path, int check_only, broker **out, char *err,
			  size_t errcap)
{
	int rc, db_new = 0;
	struct file_made made = { 0 };
	struct broker *b = calloc(1, sizeof(*b));
	if (b == NULL)
		return WN_ENOMEM;
	pthread_mutex_init(&b->cp_lock, NULL);
	pthread_cond_init(&b->cp_wake, NULL);
	pthread_mutex_init(&b->policy_lock, NULL);
	pthread_mutex_init(&b->fed_lock, NULL);
	pthread_cond_init(&b->fed_wake, NULL);
	pthread_mutex_init(&b->member_lock, NULL);
	pthread_mutex_init(&b->reload_lock, NULL);
	if ((rc = config_load(config_file_path, &b->cfg, err, errcap)) != 0)
		goto fail;
	json_t *root = config_root(b->cfg);
	if ((rc = config_check(b->cfg, root, NULL, broker_fields, err, errcap)) != 0)
		goto fail;
	if ((rc = observe_check_config(b->cfg, err, errcap)) != 0)
		goto fail;
	/* not a policy key: the members vote on the rule, not on which covenant
	 * they signed; absent, Heerlen, as every broker had before */
	const char *covenant = config_str(root, "covenant", DECLARATION_COVENANT_DEFAULT);
	if (declaration_accession(covenant, &b->accession) != 0) {
		snprintf(err, errcap, "%s: key 'covenant': '%.32s' is not heerlen or groningen (the "
			 "covenant the federation runs under, whose accession text a new partner "
			 "signs)", config_file(b->cfg), covenant);
		rc = WN_ECONFIG;
		goto fail;
	}
	const char *id = config_str(root, "id", NULL);
	if (schema_valid_partner_id(id) != 0) {
		snprintf(err, errcap, "%s: key 'id': '%s' is not a valid id", config_file(b->cfg), id);
		rc = WN_ECONFIG;
		goto fail;
	}
	log_init("broker", id);
	/* after log_init, which reads WIJKNET_LOG_LEVEL: the config's key wins */
	if (log_set_level_config(config_str(root, "log_level", NULL)) != 0) {
		snprintf(err, errcap, "%s: key 'log_level': expected debug, info, warn or error",
			 config_file(b->cfg));
		rc = WN_ECONFIG;
		goto fail;
	}
	b->listen = strdup(config_str(root, "listen", ""));
	b->cert_path = config_path(b->cfg, config_str(root, "certificate", NULL));
	b->ca_path = config_path(b->cfg, config_str(root, "ca", NULL));
	b->crl_path = config_path(b->cfg, config_str(root, "crl", NULL));
	b->db_path = config_path(b->cfg, config_str(root, "database", NULL));
	b->admin_url = broker_admin_url(b->cfg, root, b->db_path);
	if (config_str(root, "ca_dir", NULL) != NULL) {
		b->ca_dir = config_path(b->cfg, config_str(root, "ca_dir", NULL));
		b->ca_tool = strdup(config_str(root, "ca_tool", "wijknet-ca"));
	}
	b->skew_ms = config_int(root, "skew_seconds", 30) * 1000;
	b->refusals_per_minute = config_int(root, "refusals_per_minute", 120);
	gate_limits_read(root, &b->gate_limits);
	b->deadline_ms = (int)config_int(root, "deadline_ms", 2000);
	/* a worker waits for the partners while it routes: 4 per core */
	b->workers = (int)config_int(root, "workers", rpc_workers_default(4, 8));
	if (b->workers < 1)
		b->workers = 1;
	b->durable_log = !json_is_false(json_object_get(root, "durable_log"));
	b->checkpoint_ms = (int)config_int(root, "checkpoint_seconds", 60) * 1000;
	if (b->checkpoint_ms < 1000)
		b->checkpoint_ms = 1000;
	b->purge_ms = config_int(root, "purge_seconds", 3600) * 1000;
	if ((rc = file_check_private(b->cert_path, "the certificate and key file", err,
				     errcap)) != 0)
		goto fail;
	if ((rc = pki_identity_load(b->cert_path, &b->ident, err, errcap)) != 0)
		goto fail;
	if (strcmp(b->ident->id, id) != 0) {
		snprintf(err, errcap, "%s: key 'certificate': certificate is for '%s', but 'id' is '%s'",
			 config_file(b->cfg), b->ident->id, id);
		rc = WN_ECONFIG;
		goto fail;
	}
	char why[512];
	if ((rc = pki_trust_load(b->ca_path, b->crl_path, &b->trust, why, sizeof(why))) != 0) {
		snprintf(err, errcap, "%s: keys 'ca' and 'crl': %s", config_file(b->cfg), why);
		goto fail;
	}
	if ((rc = pki_trust_verify(b->trust, b->ident->cert, id, why, sizeof(why))) != 0) {
		snprintf(err, errcap, "%s: own certificate: %s", b->cert_path, why);
		goto fail;
	}
	if (b->db_path == NULL) {
		snprintf(err, errcap, "%s: key 'database' is missing", config_file(b->cfg));
		rc = WN_ECONFIG;
		goto fail;
	}
	if (transport_url_valid(b->listen) != 0) {
		snprintf(err, errcap, "%s: key 'listen': '%.200s' is not tls+tcp://host:port",
			 config_file(b->cfg), b->listen);
		rc = WN_ECONFIG;
		goto fail;
	}
	if (transport_listen_check(b->listen, why, sizeof(why)) != 0) {
		snprintf(err, errcap, "%s: key 'listen': cannot listen there: %s",
			 config_file(b->cfg), why);
		rc = WN_ECONFIG;
		goto fail;
	}
	if ((rc = broker_check_files(b, root, err, errcap)) != 0)
		goto fail;
	/* a first start seeds the registry and the policy from the config:
	 * checked whole here, as --check does, before anything is written */
	if (access(b->db_path, F_OK) != 0 &&
	    ((rc = registry_check_config(b->cfg, json_object_get(root, "partners"), err,
					 errcap)) != 0 ||
	     (rc = policy_check_config(b->cfg, err, errcap)) != 0))
		goto fail;
	if (check_only) {
		*out = b;
		return 0;
	}
	if ((rc = daemon_log_file(b->cfg, err, errcap)) != 0)
		goto fail;
	/* a start that fails takes away what it made */
	if ((rc = file_make_parent_dirs(b->db_path, 0700, &made, err, errcap)) != 0 ||
	    (rc = file_make_parent_dirs(b->admin_url, 0700, &made, err, errcap)) != 0)
		goto fail;
	char lock_path[4200];
	snprintf(lock_path, sizeof(lock_path), "%s.lock", b->db_path);
	int lock_new = !file_entry_exists(lock_path);
	if ((rc = file_lock_database(b->db_path, &b->db_lock_fd, err, errcap)) != 0)
		goto fail;
	b->db_locked = 1;
	db_new = !file_entry_exists(b->db_path) ? 1 + lock_new : 0; /* under the lock */
	file_make_database_private(b->db_path); /* before SQLite makes -wal and -shm */
	if ((rc = store_open(b->db_path, &b->db, err, errcap)) != 0)
		goto fail;
	if (file_make_database_private(b->db_path) != 0)
		log_msg(WN_LOG_WARN, "database_mode", "%s: cannot take group and others' access "
			"away", b->db_path);
	if ((rc = db_writer_open(b->db, b->durable_log, &b->writer)) != 0) {
		snprintf(err, errcap, "cannot start the audit log writer");
		goto fail;
	}
	if ((rc = replay_open(b->db, b->writer, b->skew_ms, &b->replay)) != 0) {
		snprintf(err, errcap, "%s: the message ids seen cannot be read", b->db_path);
		goto fail;
	}
	char origin[PKI_ID_MAX + 32];
	snprintf(origin, sizeof(origin), "wijknet:%s:audit_log", id);
	if ((rc = tlog_open(b->db, "audit_log", origin, &b->audit.log)) != 0) {
		snprintf(err, errcap, "%s: the audit log cannot be opened: it is %s (run "
			 "'wijknet audit verify --db %s')", b->db_path,
			 rc == WN_ETAMPERED ? "not the one its last checkpoint signed" : "damaged",
			 b->db_path);
		goto fail;
	}
	b->audit.w = b->writer;
	if ((rc = registry_load(b->cfg, json_object_get(root, "partners"), b->trust, b->db,
				&b->audit, &b->reg, err, errcap)) != 0)
		goto fail;
	if (!registry_has_municipality(b->reg))
		log_msg(WN_LOG_WARN, "no_municipality", "%s", BROKER_NO_MUNICIPALITY);
	/* a consent is asked again at least yearly by default (Heerlen note 2) */
	if ((rc = policy_load(b, err, errcap)) != 0)
		goto fail;
	/* the Groningen rule without the key: perhaps a Groningen federation
	 * that has not said so yet, whose candidates would sign Heerlen's text */
	if (config_str(root, "covenant", NULL) == NULL &&
	    strcmp(b->approval_rule, POLICY_RULE_MAJORITY) == 0)
		log_msg(WN_LOG_WARN, "covenant_default", "key 'covenant' is not set: a join is "
			"taken in the Heerlen accession text (%s) while the approval rule is %s; a "
			"federation under the Groningen covenant sets \"covenant\": \"groningen\"",
			DECLARATION_JOIN_VERSION, POLICY_RULE_MAJORITY);
	file_made_forget(&made);
	*out = b;
	return 0;
fail:
	if (b->db_locked)
		(void)secevent_note_made_db(b->db, b->db_path, db_new, &made);
	/* the database closed, what was made goes while the lock is still held */
	int lock_fd = b->db_locked ? b->db_lock_fd : -1;
	b->db_locked = 0;
	broker_close(b);
	file_made_undo(&made);
	if (lock_fd >= 0)
		close(lock_fd);
	return rc;
}

/* The code a message was refused or failed with, for the metrics. */
static _Thread_local int handled_code;

/* Records and answers a refusal (secevent_refuse). */
static int broker_refuse(struct broker *b, const struct rpc_peer *conn, const json_t *env,
			 const char *peer, int code, const char *detail, char **resp,
			 size_t *resplen)
{
	handled_code = code;
	return secevent_refuse(b->db, conn, env, peer, code, detail, b->refusals_per_minute,
			       b->ident->id, b->ident->key, resp, resplen);
}

/* Answers an internal failure (a database that cannot be written, memory):
 * logged as the broker's error, not a security event against the sender. */
static int broker_fail(struct broker *b, const json_t *env, int code, const char *detail,
		       char **resp, size_t *resplen)
{
	handled_code = code;
	json_t *reply = NULL;
	log_msg(WN_LOG_ERROR, "request_failed", "%s", detail);
	int rc = envelope_error(&reply, env, b->ident->id, b->ident->key, code, detail);
	if (rc == 0)
		rc = envelope_encode(reply, resp, resplen);
	json_decref(reply);
	return rc;
}

/* What the node of a partner not (yet) in the registry sends in the normal
 * course: its directory polls, and its operator's health, status and
 * withdraw questions. */
static int broker_candidate_routine(const char *type)
{
	static const char *const routine[] = { "directory.get", "health", "member.status",
					       "member.withdraw", NULL };
	for (size_t i = 0; type != NULL && routine[i] != NULL; i++)
		if (strcmp(type, routine[i]) == 0)
			return 1;
	return 0;
}

/* Refuses a candidate's message (not yet admitted, or a join request that
 * does not hold): not a breach; the broker's certificate travels with the
 * answer, since the candidate has no directory to verify it with yet. */
static int broker_answer_candidate(struct broker *b, const json_t *env, int code,
				   const char *detail, char **resp, size_t *resplen)
{
	json_t *reply = NULL;
	/* routine polls repeat every few seconds: the change was logged once */
	int routine = strcmp(envelope_str(env, "type"), "directory.get") == 0 ||
		      strcmp(envelope_str(env, "type"), "health") == 0;
	log_emit(routine || code == WN_EPENDING || code == WN_EUNKNOWN_PARTNER ||
				 code == WN_EEXPIRED
			 ? WN_LOG_DEBUG : WN_LOG_WARN,
		 "candidate_refused",
		 json_pack("{s:s,s:s,s:s}", "candidate", envelope_str(env, "from"), "type",
			   envelope_str(env, "type"), "reason", detail));
	int rc = envelope_error(&reply, env, b->ident->id, b->ident->key, code, detail);
	if (rc == 0) {
		json_object_set_new(envelope_body(reply), "broker_cert",
				    json_string(b->ident->cert_pem));
		rc = broker_sign(b, reply);
	}
	if (rc == 0)
		rc = envelope_encode(reply, resp, resplen);
	json_decref(reply);
	return rc;
}

/* The handler of a message type; WN_EPROTO for a type the broker does not
 * take. */
static int broker_dispatch(struct broker *b, const struct broker_request *rq, const char *type,
			   json_t **reply, char *err, size_t errcap)
{
	if (strcmp(type, "lookup") == 0)
		return broker_handle_lookup(b, rq, reply, err, errcap);
	if (strcmp(type, "request") == 0)
		return broker_handle_request(b, rq, reply, err, errcap);
	if (strcmp(type, "rights.request") == 0 || strcmp(type, "report.access") == 0)
		return broker_handle_broadcast(b, rq, reply, err, errcap);
	if (strcmp(type, "notice") == 0 || strcmp(type, "rights.decision") == 0 ||
	    strcmp(type, "refusal.notice") == 0 || strcmp(type, "rights.notice") == 0 ||
	    strcmp(type, "rights.notice.done") == 0 || strcmp(type, "rights.carried_out") == 0)
		return broker_handle_to_municipality(b, rq, reply, err, errcap);
	if (strcmp(type, "health") == 0)
		return broker_handle_health(b, rq, reply);
	if (strcmp(type, "directory.get") == 0)
		return broker_handle_directory(b, rq, reply);
	if (strcmp(type, "seal.publish") == 0)
		return broker_handle_seal_publish(b, rq, reply);
	if (strcmp(type, "cert.renew") == 0)
		return broker_handle_cert_renew(b, rq, reply, err, errcap);
	if (strncmp(type, "case.", 5) == 0)
		return broker_handle_case(b, rq, reply, err, errcap);
	if (strncmp(type, "consent.", 8) == 0)
		return broker_handle_consent(b, rq, reply, err, errcap);
	if (strncmp(type, "thirdparty.", 11) == 0)
		return broker_handle_thirdparty(b, rq, reply, err, errcap);
	if (strcmp(type, "stats.get") == 0)
		return broker_handle_stats(b, rq, reply, err, errcap);
	if (strncmp(type, "checkpoint.", 11) == 0)
		return broker_handle_checkpoint(b, rq, reply, err, errcap);
	if (strncmp(type, "member.", 7) == 0 || strncmp(type, "policy.", 7) == 0)
		return broker_handle_member(b, rq, reply, err, errcap);
	if (strcmp(type, "breach.report") == 0)
		return broker_handle_breach_report(b, rq, reply, err, errcap);
	return WN_EPROTO;
}

/* A member whose registered certificate lapsed may still offer its renewal:
 * the signature with the registered key shows it is the same partner. */
static int broker_renewal_allowed(const struct registry_partner *p, const char *type)
{
	int state = atomic_load(&((struct registry_partner *)p)->state);
	return strcmp(type, "cert.renew") == 0 && (state == PARTNER_ACTIVE || state == PARTNER_NOTICE) &&
	       atomic_load(&((struct registry_partner *)p)->cert_error) == WN_EEXPIRED;
}

/* A poll of an ended or revoked partner's id whose signature the registry's
 * certificate does not verify: most likely its node, started again with a
 * new certificate. It is told why, and the refusal is counted as one
 * (denied: not a forged signature in the breach register), within the
 * refusals a connection may have a minute. */
static int broker_answer_former(struct broker *b, const struct rpc_peer *conn, const json_t *env,
				const struct registry_partner *p, char **resp, size_t *resplen)
{
	char why[256];
	long seen = 0;
	snprintf(why, sizeof(why), "partner '%s' may not send: its membership %s; a former "
		 "partner's id is not taken again (it applies under a new id)", p->id,
		 atomic_load(&p->state) == PARTNER_ENDED ? "ended" : "was revoked");
	struct secevent e = { WN_EDENIED, p->id, conn ? conn->addr : NULL, envelope_str(env, "id"),
			      why };
	secevent_note(b->db, &e, &seen);
	handled_code = WN_EREVOKED;
	if (conn != NULL && b->refusals_per_minute > 0 && seen > b->refusals_per_minute) {
		rpc_peer_disconnect(conn);
		return WN_EDENIED;
	}
	return broker_answer_candidate(b, env, WN_EREVOKED, why, resp, resplen);
}

int broker_handle_message(void *arg, const struct rpc_peer *conn, const void *req, size_t len,
			  char **resp, size_t *resplen)
{
	int64_t start = time_mono_us();
	handled_code = 0;
	struct broker *b = arg;
	json_t *env = NULL, *reply = NULL;
	char err[512];
	int rc = envelope_parse(req, len, &env, err, sizeof(err));
	if (rc != 0) {
		rc = broker_refuse(b, conn, NULL, NULL, rc, err, resp, resplen);
		goto out;
	}
	const char *from = envelope_str(env, "from");
	struct registry_partner *p = registry_find(b->reg, from);
	if (p == NULL) {
		int handled = 0;
		err[0] = '\0';
		rc = broker_handle_candidate(b, env, &handled, &reply, err, sizeof(err));
		if (handled && rc == 0)
			rc = envelope_encode(reply, resp, resplen);
		else if (handled) /* a candidate awaiting the members: no breach */
			rc = broker_answer_candidate(b, env, rc, err, resp, resplen);
		else if (rc == 0 && broker_candidate_routine(envelope_str(env, "type")))
			/* a new partner's node, started before its join request (it
			 * came through mutual TLS with a federation certificate): it
			 * waits, and its operator looks; neither is a breach, and it
			 * is given nothing */
			rc = broker_answer_candidate(b, env, WN_EUNKNOWN_PARTNER,
						     "not in the registry: a new partner submits its "
						     "join request (wijknet member join)",
						     resp, resplen);
		else
			rc = broker_refuse(b, conn, env, from, rc ? rc : WN_EUNKNOWN_PARTNER,
					   err[0] ? err : "sender is not a partner in the registry",
					   resp, resplen);
		goto out;
	}
	int gone = atomic_load(&p->state) == PARTNER_ENDED || atomic_load(&p->state) == PARTNER_REVOKED;
	if (gone && strcmp(envelope_str(env, "type"), "member.join") == 0) {
		/* a former partner applying again, signed with a new key: told
		 * why it cannot, rather than refused as a forged message */
		rc = broker_former_join(b, env, p, err, sizeof(err));
		if (rc == WN_EEXISTS)
			rc = broker_answer_candidate(b, env, rc, err, resp, resplen);
		else
			rc = broker_refuse(b, conn, env, from, rc, err, resp, resplen);
		goto out;
	}
	/* only the claimed sender's key: trying every key would make each bad
	 * message cost a verification per partner */
	int verified = envelope_verify(env, registry_cert(p)) == 0;
	if (gone && !verified && broker_candidate_routine(envelope_str(env, "type"))) {
		rc = broker_answer_former(b, conn, env, p, resp, resplen);
		goto out;
	}
	if (!verified) {
		snprintf(err, sizeof(err), "signature does not verify for the claimed sender '%s'",
			 from);
		rc = broker_refuse(b, conn, env, from, WN_ESIG, err, resp, resplen);
		goto out;
	}
	if (!registry_usable(p) && !broker_renewal_allowed(p, envelope_str(env, "type"))) {
		int ce = atomic_load(&p->cert_error);
		int code = ce ? ce : WN_EREVOKED;
		/* a node keeps "it is ended" and "it is revoked" as its last word
		 * (node.c, node_refusal_final): keep the wording */
		snprintf(err, sizeof(err), "partner '%s' may not send: it is %s", from,
			 registry_status(p));
		const char *t = envelope_str(env, "type");
		if ((strcmp(t, "directory.get") == 0 || strcmp(t, "health") == 0) &&
		    replay_check(b->replay, envelope_str(env, "id"), envelope_ts(env),
				 b->skew_ms) == 0) {
			/* the node of a member that lapsed, was suspended, ended or
			 * was revoked, polling or asked by its operator: told why (a
			 * lapsed one offers its renewal then). The change is on record
			 * once, when it was made or found; these routine messages are
			 * not attempts to act, and each is answered with nothing. */
			handled_code = code;
			rc = broker_answer_candidate(b, env, code, err, resp, resplen);
		} else {
			rc = broker_refuse(b, conn, env, from, code, err, resp, resplen);
		}
		goto out;
	}
	const char *type = envelope_str(env, "type");
	int routed = strcmp(type, "lookup") == 0 || strcmp(type, "request") == 0 ||
		     strcmp(type, "rights.request") == 0 || strcmp(type, "report.access") == 0 ||
		     strcmp(type, "notice") == 0 || strcmp(type, "rights.decision") == 0 ||
		     strcmp(type, "refusal.notice") == 0 || strcmp(type, "rights.notice") == 0 ||
		     strcmp(type, "rights.notice.done") == 0 ||
		     strcmp(type, "rights.carried_out") == 0;
	if (!routed && !envelope_addressed_to(env, b->ident->id)) {
		snprintf(err, sizeof(err), "envelope is not addressed to the broker '%s'", b->ident->id);
		rc = broker_refuse(b, conn, env, from, WN_EPROTO, err, resp, resplen);
		goto out;
	}
	rc = replay_check(b->replay, envelope_str(env, "id"), envelope_ts(env), b->skew_ms);
	if (rc == WN_EDB || rc == WN_ENOMEM) {
		/* the broker's own failure, not the sender's: no breach entry */
		rc = broker_fail(b, env, WN_EDB, "the broker cannot record the message id (database "
				 "error); the message was not handled", resp, resplen);
		goto out;
	}
	if (rc != 0) {
		replay_explain(b->replay, rc, envelope_str(env, "id"), envelope_ts(env), b->skew_ms,
			       err, sizeof(err));
		rc = broker_refuse(b, conn, env, from, rc, err, resp, resplen);
		goto out;
	}
	struct broker_request rq = { env, p };
	err[0] = '\0';
	rc = broker_dispatch(b, &rq, type, &reply, err, sizeof(err));
	if (rc != 0) {
		json_decref(reply);
		reply = NULL;
		if (err[0] == '\0')
			snprintf(err, sizeof(err), "cannot handle '%s': %s", type, wn_strerror(rc));
		if (rc != WN_EDB && rc != WN_ENOMEM && rc != WN_ECRYPTO)
			rc = broker_refuse(b, conn, env, from, rc, err, resp, resplen);
		else
			rc = broker_fail(b, env, rc, err, resp, resplen);
		goto out;
	}
	rc = envelope_encode(reply, resp, resplen);
out:
	metrics_observe("broker", env ? envelope_str(env, "type") : "invalid",
			handled_code ? handled_code : rc, time_mono_us() - start);
	metrics_bytes("broker", env ? envelope_str(env, "type") : "invalid", len,
		      rc == 0 && *resp != NULL ? *resplen : 0);
	json_decref(env);
	json_decref(reply);
	return rc;
}

/* A certificate a client offered and the TLS handshake refused (foreign,
 * revoked, expired): a security event, into the breach register. */
static void broker_refused_cert(void *arg, const char *addr, const uint8_t *der, size_t derlen,
				long count)
{
	struct broker *b = arg;
	secevent_certq_push(b->certq, addr, der, derlen, count);
}

/* A partner whose membership ended, or that was revoked, and whose node
 * still dials: recorded when it was ended or revoked, not at every dial. */
static int broker_cert_skip(void *arg, const char *claimed_id)
{
	struct broker *b = arg;
	struct registry_partner *p = registry_find(b->reg, claimed_id);
	const char *st = p != NULL ? registry_status(p) : "";
	return strcmp(st, "ended") == 0 || strcmp(st, "revoked") == 0;
}

int broker_start(broker *b, char *err, size_t errcap)
{
	int rc = transport_tls_config_trust(&b->server_tls, 1, b->cert_path, b->trust, NULL, err,
					    errcap);
	if (rc != 0)
		return rc;
	/* the connections first: admissions after this dial with the same identity */
	rc = registry_connect(b->reg, b->cert_path, b->trust);
	if (rc != 0) {
		snprintf(err, errcap, "cannot set up connections to the partners' nodes");
		return rc;
	}
	rc = rpc_server_start(&b->server, b->listen, b->server_tls, &b->gate_limits, b->workers,
			      broker_handle_message, b,
			      err, errcap);
	if (rc != 0)
		return rc;
	if ((rc = secevent_certq_open(b->db, b->trust, broker_cert_skip, b, &b->certq)) != 0) {
		snprintf(err, errcap, "cannot start the breach register's certificate queue");
		return rc;
	}
	rpc_server_on_refused_cert(b->server, broker_refused_cert, b);
	if ((rc = broker_checkpoints_start(b)) != 0) {
		snprintf(err, errcap, "cannot start the checkpoint timer");
		return rc;
	}
	if ((rc = broker_federation_start(b)) != 0) {
		snprintf(err, errcap, "cannot start the federation timer");
		return rc;
	}
	if ((rc = broker_admin_start(b, err, errcap)) != 0)
		return rc;
	if ((rc = broker_observe_start(b, err, errcap)) != 0)
		return rc;
	size_t usable = 0;
	for (size_t i = 0; i < registry_count(b->reg); i++)
		usable += registry_usable(registry_at(b->reg, i));
	log_emit(WN_LOG_INFO, "broker_started",
		 json_pack("{s:s,s:i,s:i,s:s}", "listen", b->listen, "partners",
			   (int)registry_count(b->reg), "usable", (int)usable, "version",
			   WN_VERSION_STRING));
	return 0;
}

/* Applies what a reloaded config may change while connections run: the
 * log file first, so the rest is told in the new one. */
static int broker_reload_config(broker *b, char *err, size_t errcap)
{
	config *cfg = NULL;
	if (config_load(config_file(b->cfg), &cfg, err, errcap) != 0 ||
	    config_check(cfg, config_root(cfg), NULL, broker_fields, err, errcap) != 0 ||
	    config_check_log_level(cfg, err, errcap) != 0) {
		config_free(cfg);
		char lerr[512];
		if (daemon_log_file(NULL, lerr, sizeof(lerr)) != 0) /* the file in use, again */
			log_msg(WN_LOG_ERROR, "reload_log_file", "%s", lerr);
		return WN_ECONFIG;
	}
	char lerr[512];
	if (daemon_log_file(cfg, lerr, sizeof(lerr)) != 0)
		log_msg(WN_LOG_ERROR, "reload_log_file", "%s (the log stays where it was)", lerr);
	json_t *root = config_root(cfg);
	log_set_level_config(config_str(root, "log_level", NULL)); /* checked above */
	/* what can change while connections run; listen, certificate, database
	 * and the like need a restart */
	b->skew_ms = config_int(root, "skew_seconds", 30) * 1000;
	b->refusals_per_minute = config_int(root, "refusals_per_minute", 120);
	b->deadline_ms = (int)config_int(root, "deadline_ms", 2000);
	/* said now, not first at a restart that would refuse it */
	const char *covenant = config_str(root, "covenant", DECLARATION_COVENANT_DEFAULT);
	const struct accession *a = NULL;
	if (declaration_accession(covenant, &a) != 0 || a != b->accession)
		log_msg(WN_LOG_WARN, "reload_covenant", "key 'covenant': '%.32s' %s; joins are "
			"taken under %s until a restart", covenant, a ? "differs from the one in use"
			: "is not heerlen or groningen (a restart would be refused)",
			b->accession->covenant);
	log_msg(WN_LOG_INFO, "reload_config", "applied log_file, log_level, skew_seconds, "
		"refusals_per_minute, deadline_ms; listen, certificate, ca, crl, database, "
		"workers, covenant and the gate's limits take effect at the next restart");
	config_free(cfg);
	return 0;
}

/* SIGHUP: the config, then the CA and CRL, each on its own: a config that
 * does not load keeps the one in use but does not stop the CRL reload. */
void broker_hangup(broker *b)
{
	char err[512] = "";
	int changed = 0, cfg_rc = broker_reload_config(b, err, sizeof(err));
	if (cfg_rc != 0)
		log_msg(WN_LOG_ERROR, "reload_failed", "%s (the configuration in use stays)", err);
	int trust_rc = broker_reload(b, &changed, err, sizeof(err));
	if (trust_rc == 0)
		broker_federation_wake(b);
	else
		log_msg(WN_LOG_ERROR, "reload_failed", "%s (the CA and CRL in use stay)", err);
	log_emit(cfg_rc == 0 && trust_rc == 0 ? WN_LOG_INFO : WN_LOG_WARN, "reloaded",
		 json_pack("{s:b,s:b,s:b}", "config", cfg_rc == 0, "trust", trust_rc == 0,
			   "trust_changed", changed));
}

int broker_open(const char *config_file_path, broker **out, char *err, size_t errcap)
{
	return broker_open_as(config_file_path, 0, out, err, errcap);
}

int broker_check(const char *config_file_path, char *err, size_t errcap)
{
	broker *b = NULL;
	int rc = broker_open_as(config_file_path, 1, &b, err, errcap);
	/* a first start's registry is the config's; with a database, the start
	 * says it in its log */
	if (rc == 0)
		snprintf(err, errcap, "%s", access(b->db_path, F_OK) != 0 &&
			 !registry_config_has_municipality(json_object_get(config_root(b->cfg),
									   "partners"))
			 ? BROKER_NO_MUNICIPALITY : "");
	broker_close(b);
	return rc;
}

void broker_close(broker *b)
{
	if (b == NULL)
		return;
	broker_observe_stop(b); /* the operator's endpoint first: it reads the rest */
	rpc_server_stop(b->admin);
	broker_federation_stop(b);
	rpc_server_stop(b->server);
	secevent_certq_close(b->certq); /* after the gate that fills it */
	if (b->audit.log != NULL)
		broker_checkpoints_stop(b);
	registry_free(b->reg);
	replay_close(b->replay);
	db_writer_close(b->writer);
	tlog_close(b->audit.log);
	if (b->server_tls)
		nng_tls_config_free(b->server_tls);
	db_close(b->db);
	if (b->db_locked)
		close(b->db_lock_fd);
	pki_trust_free(b->trust);
	pki_identity_free(b->ident);
	free(b->listen);
	free(b->cert_path);
	free(b->ca_path);
	free(b->crl_path);
	free(b->db_path);
	free(b->admin_url);
	free(b->ca_dir);
	free(b->ca_tool);
	json_decref(b->policy);
	config_free(b->cfg);
	pthread_cond_destroy(&b->cp_wake);
	pthread_mutex_destroy(&b->cp_lock);
	pthread_mutex_destroy(&b->policy_lock);
	pthread_cond_destroy(&b->fed_wake);
	pthread_mutex_destroy(&b->fed_lock);
	pthread_mutex_destroy(&b->member_lock);
	pthread_mutex_destroy(&b->reload_lock);
	free(b);
}
