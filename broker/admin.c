/*
 * admin.c — the broker operator's local socket (ipc://, mode 0600): the
 * partners and their status, pending approvals, every node's health,
 * certificate and CRL expiry, suspending, resuming and revoking a partner,
 * registering a partner's new key,
 * reloading the CA and CRL, the breach register, and a consistent copy of the
 * broker's database. Requests are JSON
 * objects {"op", "operator", ...}; answers {"ok": true, ...} or {"error",
 * "message"}. Every change is in the audit log with the operator's name.
 */
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wijknet.h"
#include "breaches.h"
#include "date.h"
#include "error.h"
#include "context.h"
#include "declaration.h"
#include "envelope.h"
#include "fileio.h"
#include "ids.h"
#include "log.h"
#include "policy.h"
#include "schema.h"
#include "secevent.h"

#define ADMIN_REQ_MAX (64 * 1024)
#define EXPIRY_WARN_S (7L * 86400) /* health warns a week before a lapse */
#define BREACH_LIST_MAX 200
#define ADMIN_CERT_MAX 16384 /* a PEM certificate, as cert.renew takes it */

char *broker_admin_url(config *cfg, const json_t *root, const char *db_path)
{
	const char *url = config_str(root, "admin", NULL);
	(void)cfg;
	if (url != NULL) /* a local socket only: the operator's access is the file's mode */
		return strncmp(url, "ipc://", 6) == 0 ? strdup(url) : NULL;
	size_t n = strlen(db_path) + 32;
	char *s = malloc(n);
	if (s != NULL)
		snprintf(s, n, "ipc://%s.admin", db_path);
	return s;
}

static const char *req_str(const json_t *rq, const char *k)
{
	return json_string_value(json_object_get(rq, k));
}

/* Warnings for what lapses within a week (or has lapsed). */
static json_t *admin_expiry(struct broker *b)
{
	json_t *warn = json_array();
	long left = 0;
	if (pki_trust_crl_seconds_left(b->trust, &left) == 0 && left < EXPIRY_WARN_S)
		json_array_append_new(warn, json_pack("{s:s,s:I}", "what", "crl", "seconds_left",
						      (json_int_t)left));
	if (pki_cert_seconds_left(b->ident->cert, &left) == 0 && left < EXPIRY_WARN_S)
		json_array_append_new(warn, json_pack("{s:s,s:I}", "what", "broker certificate",
						      "seconds_left", (json_int_t)left));
	for (size_t i = 0; i < registry_count(b->reg); i++) {
		struct registry_partner *p = registry_at(b->reg, i);
		if (registry_usable(p) && pki_cert_seconds_left(registry_cert(p), &left) == 0 &&
		    left < EXPIRY_WARN_S)
			json_array_append_new(warn, json_pack("{s:s,s:s,s:I}", "what", "certificate",
							      "partner", p->id, "seconds_left",
							      (json_int_t)left));
	}
	return warn;
}

static int admin_status(struct broker *b, json_t *out)
{
	/* -1 none; lapsed is 0, never a negative that could be read as "none" */
	long crl = -1, cert = -1, left = 0;
	if (pki_trust_crl_seconds_left(b->trust, &left) == 0)
		crl = left > 0 ? left : 0;
	if (pki_cert_seconds_left(b->ident->cert, &left) == 0)
		cert = left > 0 ? left : 0;
	json_t *health = NULL, *behind = NULL;
	int rc = broker_health_list(b, &health);
	if (rc == 0 && (rc = broker_audit_disputes(b, &behind)) != 0)
		json_decref(health);
	if (rc != 0)
		return rc;
	json_object_set_new(out, "broker", json_string(b->ident->id));
	json_object_set_new(out, "version", json_string(WN_VERSION_STRING));
	json_object_set_new(out, "policy", policy_current(b));
	/* which accession text a join is taken in, beside the rule it is decided by */
	json_object_set_new(out, "covenant", json_string(b->accession->covenant));
	json_object_set_new(out, "accession", json_string(b->accession->version));
	json_object_set_new(out, "crl_seconds_left", json_integer(crl));
	json_object_set_new(out, "cert_seconds_left", json_integer(cert));
	json_object_set_new(out, "warnings", admin_expiry(b));
	json_object_set_new(out, "partners", health);
	/* nodes that witnessed more of the audit log than it holds: a restore */
	json_object_set_new(out, "audit_behind", behind ? behind : json_null());
	json_object_set_new(out, "proposals", broker_member_proposals(b));
	return 0;
}

/* The partner an operator's decision is about, and the reason it is logged
 * with: 0, or why not (an unknown partner, a reason of blanks). */
static int admin_partner_and_reason(struct broker *b, const json_t *rq,
				    struct registry_partner **p, char *err, size_t errcap)
{
	const char *reason = req_str(rq, "reason");
	*p = registry_find(b->reg, req_str(rq, "partner"));
	if (*p == NULL) {
		snprintf(err, errcap, "no partner '%s' in the registry",
			 req_str(rq, "partner") ? req_str(rq, "partner") : "");
		return WN_EUNKNOWN_PARTNER;
	}
	if (reason == NULL || !schema_text_given(reason, REASON_MIN_CHARS)) {
		snprintf(err, errcap, "a reason is required (--reason): at least %d characters "
			 "that are not blanks, logged with the decision", REASON_MIN_CHARS);
		return WN_EINVAL;
	}
	return 0;
}

/* suspend, resume, revoke: the operator's decisions about one partner. */
static int admin_partner_state(struct broker *b, const json_t *rq, const char *op,
			       const char *by, char *err, size_t errcap)
{
	struct registry_partner *p = NULL;
	const char *reason = req_str(rq, "reason");
	int checked = admin_partner_and_reason(b, rq, &p, err, errcap);
	if (checked != 0)
		return checked;
	const unsigned live = REGISTRY_FROM(PARTNER_ACTIVE) | REGISTRY_FROM(PARTNER_NOTICE);
	int rc, state = atomic_load(&p->state);
	if (strcmp(op, "suspend") == 0)
		rc = registry_set_state(b->reg, p, live, PARTNER_SUSPENDED, -1, reason, by);
	else if (strcmp(op, "resume") == 0) /* back to its notice, when it gave one */
		rc = registry_set_state(b->reg, p, REGISTRY_FROM(PARTNER_SUSPENDED),
					atomic_load(&p->end_at) > 0 ? PARTNER_NOTICE : PARTNER_ACTIVE,
					-1, reason, by);
	else
		rc = registry_set_state(b->reg, p, live | REGISTRY_FROM(PARTNER_SUSPENDED) |
					REGISTRY_FROM(PARTNER_ENDED), PARTNER_REVOKED, -1, reason, by);
	if (rc == WN_ESTATE)
		snprintf(err, errcap, "'%s' is %s: cannot %s it", p->id, registry_state_name(state),
			 op);
	if (rc == 0)
		broker_federation_wake(b);
	return rc;
}

/* rekey: the operator registers a certificate for a partner's new key (its
 * key leaked); when this host keeps the CA, the replaced key's
 * certificates are revoked right after, and the CRL is read again. */
static int admin_rekey(struct broker *b, const json_t *rq, const char *by, json_t *out,
		       char *err, size_t errcap)
{
	struct registry_partner *p = NULL;
	const char *reason = req_str(rq, "reason"), *pem = req_str(rq, "cert");
	char serial[REGISTRY_SERIAL_MAX] = "", old[REGISTRY_SERIAL_MAX] = "", ca[1024] = "";
	int checked = admin_partner_and_reason(b, rq, &p, err, errcap);
	if (checked != 0)
		return checked;
	if (pem == NULL || strlen(pem) > ADMIN_CERT_MAX) {
		snprintf(err, errcap, "the new certificate is required (--cert FILE): one PEM "
			 "certificate of at most %d bytes", ADMIN_CERT_MAX);
		return WN_EINVAL;
	}
	int rc = registry_rekey_cert(b->reg, p, pem, reason, by, serial, old, err, errcap);
	if (rc == WN_ECERT || rc == WN_EEXPIRED)
		return WN_EINVAL; /* the certificate given is refused, the broker did not fail */
	if (rc != 0)
		return rc;
	json_object_set_new(out, "partner", json_string(p->id));
	json_object_set_new(out, "serial", json_string(serial));
	json_object_set_new(out, "replaced", json_string(old));
	if (b->ca_dir == NULL) {
		json_object_set_new(out, "revoke", json_sprintf("wijknet-ca revoke %s --except %s",
								p->id, serial));
	} else if (broker_ca_revoke_replaced(b, p->id, serial, ca, sizeof(ca)) == 0) {
		int changed = 0;
		char rerr[512] = "";
		(void)broker_reload(b, &changed, rerr, sizeof(rerr));
		json_object_set_new(out, "revoked", json_string(ca));
	} else { /* registered all the same: the operator revokes by hand */
		json_object_set_new(out, "revoke_failed", json_string(ca));
		json_object_set_new(out, "revoke", json_sprintf("wijknet-ca revoke %s --except %s",
								p->id, serial));
	}
	broker_federation_wake(b);
	return 0;
}

static int admin_breaches(struct broker *b, const json_t *rq, const char *op, const char *by,
			  json_t *out, char *err, size_t errcap)
{
	json_int_t id = json_integer_value(json_object_get(rq, "id"));
	const char *a = req_str(rq, "risk") ? req_str(rq, "risk") : req_str(rq, "to");
	const char *text = req_str(rq, "text");
	json_t *v = NULL;
	int rc;
	breaches_sync_own(b->db, b->ident->id);
	if (strcmp(op, "breaches.list") == 0) {
		if ((rc = breaches_list(b->db, BREACH_LIST_MAX, &v)) == 0)
			json_object_set_new(out, "breaches", v);
		return rc;
	}
	if (strcmp(op, "breaches.show") == 0) {
		if ((rc = breaches_show(b->db, id, &v)) == 0)
			json_object_set_new(out, "breach", v);
		else
			snprintf(err, errcap, "no breach-register entry %lld", (long long)id);
		return rc;
	}
	int assess = strcmp(op, "breaches.assess") == 0;
	if (a == NULL || text == NULL || !schema_text_given(text, REASON_MIN_CHARS)) {
		/* the operator's answer to an incident is on record, not blanks */
		snprintf(err, errcap, "%s needs %s and --text (at least %d characters that are "
			 "not blanks)", assess ? "assess" : "notify",
			 assess ? "--risk none|risk|high" : "--to authority|subjects",
			 REASON_MIN_CHARS);
		return WN_EINVAL;
	}
	rc = assess ? breaches_assess(b->db, id, a, text, by)
						: breaches_notify(b->db, id, a, text, by);
	if (rc == WN_EINVAL)
		snprintf(err, errcap, "%s '%s' is not one of %s", assess ? "--risk" : "--to", a,
			 assess ? "none, risk, high" : "authority, subjects");
	else if (rc == WN_ENOTFOUND)
		snprintf(err, errcap, "no breach-register entry %lld", (long long)id);
	else if (rc == WN_ESTATE)
		snprintf(err, errcap, "entry %lld was reported to the authority: its assessment "
			 "stands (it can only be raised)", (long long)id);
	if (rc == 0) { /* the operator's answer to an incident, in the audit log too */
		json_t *entry = json_pack("{s:s,s:I,s:I,s:s,s:s,s:s}", "type", op, "ts",
					  (json_int_t)time_now_ms(), "breach", id, "value", a, "text",
					  text, "by", by);
		int64_t idx;
		char leaf[65];
		rc = entry ? store_audit_append(&b->audit, entry, &idx, leaf) : WN_ENOMEM;
		json_decref(entry);
	}
	if (rc == 0 && (rc = breaches_show(b->db, id, &v)) == 0)
		json_object_set_new(out, "breach", v);
	return rc;
}

/* Who asks: the name the CLI gives, and the account the kernel says is on
 * the other end of the socket, which the name cannot change. */
static void admin_who(const struct rpc_peer *conn, const json_t *rq, char *by, size_t cap)
{
	uint64_t uid = 0;
	const char *claimed = req_str(rq, "operator") ? req_str(rq, "operator") : "unknown";
	if (conn == NULL || nng_pipe_get_uint64(conn->pipe, NNG_OPT_IPC_PEER_UID, &uid) != 0) {
		snprintf(by, cap, "operator:%.64s (uid unknown)", claimed);
		return;
	}
	struct passwd pwd, *pw = NULL;
	char buf[1024];
	if (getpwuid_r((uid_t)uid, &pwd, buf, sizeof(buf), &pw) != 0)
		pw = NULL;
	snprintf(by, cap, "operator:%.64s (uid %llu %.32s)", claimed, (unsigned long long)uid,
		 pw != NULL ? pw->pw_name : "?");
}

/* A copy of the broker's database, one moment of it (SQLite's online backup;
 * a plain copy of a running database misses what waits in its -wal file):
 * DIR/ID.db, 0600. The broker's key and certificate are files of its own,
 * kept by the operator. */
static int admin_backup(struct broker *b, const json_t *rq, const char *by, json_t *out,
			char *err, size_t errcap)
{
	const char *dir = req_str(rq, "dir");
	int64_t entries = 0;
	int made = 0, rc = 0;
	if (dir == NULL || dir[0] != '/' || strlen(dir) > 1024) {
		snprintf(err, errcap, "field 'dir': an absolute path (the broker's own)");
		return WN_EINVAL;
	}
	size_t cap = strlen(dir) + strlen(b->ident->id) + 8;
	char *path = malloc(cap);
	if (path == NULL)
		return WN_ENOMEM;
	snprintf(path, cap, "%s/%s.db", dir, b->ident->id);
	if (file_exists(path)) {
		snprintf(err, errcap, "%s: a backup is there already; a backup never replaces one: "
			 "give a new directory each time, e.g. one named by the date and time",
			 dir);
		rc = WN_EEXISTS;
	}
	if (rc == 0)
		rc = file_make_backup_dir(dir, &made, err, errcap);
	if (rc == 0)
		rc = db_backup_to(b->db, path, "SELECT COUNT(*) FROM audit_log", &entries, err,
				  errcap);
	if (rc == 0 && file_make_private(path) != 0) {
		snprintf(err, errcap, "%s: cannot make the copy the owner's alone", path);
		rc = WN_EIO;
	}
	if (rc == 0) {
		log_emit(WN_LOG_INFO, "backup_made", json_pack("{s:s,s:I,s:s}", "database", path,
							      "audit_entries", (json_int_t)entries,
							      "by", by));
		json_object_set_new(out, "database", json_string(path));
		json_object_set_new(out, "audit_entries", json_integer((json_int_t)entries));
	} else if (rc != WN_EEXISTS) { /* nothing half-made is left */
		remove(path);
		if (made)
			rmdir(dir);
	}
	free(path);
	return rc;
}

static int admin_run(struct broker *b, const struct rpc_peer *conn, const json_t *rq, json_t *out,
		     char *err, size_t errcap)
{
	const char *op = req_str(rq, "op");
	char by[200];
	admin_who(conn, rq, by, sizeof(by));
	if (op == NULL) {
		snprintf(err, errcap, "missing 'op'");
		return WN_EINVAL;
	}
	log_emit(WN_LOG_INFO, "admin_request", json_pack("{s:s,s:s}", "op", op, "by", by));
	if (strcmp(op, "status") == 0 || strcmp(op, "health") == 0 ||
	    strcmp(op, "partners") == 0 || strcmp(op, "proposals") == 0)
		return admin_status(b, out);
	if (strcmp(op, "suspend") == 0 || strcmp(op, "resume") == 0 || strcmp(op, "revoke") == 0)
		return admin_partner_state(b, rq, op, by, err, errcap);
	if (strcmp(op, "rekey") == 0)
		return admin_rekey(b, rq, by, out, err, errcap);
	if (strcmp(op, "reload") == 0) {
		int changed = 0;
		int rc = broker_reload(b, &changed, err, errcap);
		json_object_set_new(out, "changed", json_boolean(changed));
		if (rc == 0)
			broker_federation_wake(b);
		return rc;
	}
	if (strncmp(op, "breaches.", 9) == 0)
		return admin_breaches(b, rq, op, by, out, err, errcap);
	if (strcmp(op, "backup") == 0)
		return admin_backup(b, rq, by, out, err, errcap);
	snprintf(err, errcap, "unknown operation '%s'", op);
	return WN_EINVAL;
}

static int admin_handle(void *arg, const struct rpc_peer *conn, const void *req, size_t len,
			char **resp, size_t *resplen)
{
	struct broker *b = arg;
	char err[512] = "";
	json_error_t jerr;
	json_t *rq = len <= ADMIN_REQ_MAX ? json_loadb(req, len, 0, &jerr) : NULL;
	json_t *out = json_object();
	int rc = rq == NULL ? WN_EJSON : json_is_object(rq) ? 0 : WN_EJSON;
	if (rc != 0)
		snprintf(err, sizeof(err), "the request is not a JSON object");
	else
		rc = admin_run(b, conn, rq, out, err, sizeof(err));
	if (rc == 0) {
		json_object_set_new(out, "ok", json_true());
	} else {
		json_object_clear(out);
		json_object_set_new(out, "error", json_string(wn_errname(rc)));
		json_object_set_new(out, "message", json_string(err[0] ? err : wn_strerror(rc)));
	}
	*resp = json_dumps(out, JSON_COMPACT);
	*resplen = *resp ? strlen(*resp) : 0;
	json_decref(rq);
	json_decref(out);
	return *resp ? 0 : WN_ENOMEM;
}

static const struct schema_field breach_row_fields[] = {
	{ "kind", SCHEMA_STRING, 1, 32 },
	{ "peer", SCHEMA_STRING, 1, 63 },
	{ "addr", SCHEMA_STRING, 1, 64 },
	{ "day", SCHEMA_STRING, 1, 10 },
	{ "count", SCHEMA_INT, 1, 0 },
	{ "first_seen", SCHEMA_INT, 1, 0 },
	{ "last_seen", SCHEMA_INT, 1, 0 },
	{ "detail", SCHEMA_STRING, 1, 512 },
	{ NULL, 0, 0, 0 },
};

int broker_handle_breach_report(struct broker *b, const struct broker_request *rq,
				json_t **reply, char *err, size_t errcap)
{
	json_t *rows = json_object_get(envelope_body(rq->env), "events");
	if (!json_is_array(rows) || json_array_size(rows) > SECEVENT_DIGEST_MAX) {
		snprintf(err, errcap, "breach.report: 'events' is an array of at most %d",
			 SECEVENT_DIGEST_MAX);
		return WN_ESCHEMA;
	}
	size_t i;
	json_t *r;
	json_array_foreach(rows, i, r) {
		char detail[160] = "";
		const char *kind = json_string_value(json_object_get(r, "kind"));
		const char *day = json_string_value(json_object_get(r, "day"));
		/* a partner reports what its node refused: known kinds, real days,
		 * bounded text; nothing else reaches the register */
		if (schema_check(r, breach_row_fields, detail, sizeof(detail)) != 0 ||
		    (error_from_name(kind) == WN_EPROTO && strcmp(kind, "protocol") != 0) ||
		    !date_valid(day) ||
		    json_integer_value(json_object_get(r, "count")) < 1) {
			snprintf(err, errcap, "breach.report: event %zu: %s", i,
				 detail[0] ? detail : "unknown kind, bad day or count");
			return WN_ESCHEMA;
		}
	}
	int rc = breaches_ingest(b->db, rq->from->id, rows);
	if (rc != 0)
		return rc;
	return broker_reply(b, rq, "ok", NULL, reply);
}

int broker_admin_start(struct broker *b, char *err, size_t errcap)
{
	if (b->admin_url == NULL) {
		snprintf(err, errcap, "config key 'admin': an ipc:// address (the operator's local "
			 "socket, mode 0600)");
		return WN_ECONFIG;
	}
	int rc = rpc_server_start(&b->admin, b->admin_url, NULL, NULL, 2, admin_handle, b, err,
				  errcap);
	if (rc != 0)
		snprintf(err + strlen(err), errcap - strlen(err),
			 " (the operator's socket, config key 'admin')");
	return rc;
}
