/*
 * local.c — the node's local API for its own partner's systems (libwijknet
 * and the wijknet CLI), over an ipc:// socket with mode 0600: access is
 * granted by file permissions on the node's host. Requests and replies are
 * JSON objects: {"op": …} → {"ok": true, "result": …} or
 * {"ok": false, "error": name, "code": n, "message": text}.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wijknet.h"
#include "context.h"
#include "date.h"
#include "envelope.h"
#include "ids.h"
#include "local.h"
#include "log.h"
#include "metrics.h"
#include "vocab.h"
#include "error.h"
#include "ids.h"

#define LOCAL_MAX_REQUEST (4 * 1024 * 1024)

static int local_reply(json_t *reply, char **resp, size_t *resplen)
{
	char *s = json_dumps(reply, JSON_COMPACT);
	json_decref(reply);
	if (s == NULL)
		return WN_ENOMEM;
	*resp = s;
	*resplen = strlen(s);
	return 0;
}

json_t *local_error(int code, const char *message)
{
	return json_pack("{s:b,s:s,s:i,s:s}", "ok", 0, "error", wn_errname(code), "code", code,
			 "message", message && message[0] ? message : wn_strerror(code));
}

/* The broker out of reach: the partners of the verified directory this node
 * holds, their state unknown (only the broker pings them); NULL without one. */
static json_t *local_health_directory(struct node *n, int64_t *fetched_at)
{
	struct directory *d = node_directory(n);
	if (d == NULL)
		return NULL;
	json_t *list = json_array();
	for (size_t i = 0; list != NULL && i < d->count; i++) {
		struct dir_peer *p = &d->peers[i];
		json_array_append_new(list, json_pack("{s:s,s:s,s:s,s:s,s:b,s:i}", "id", p->id,
						      "name", p->name, "status", p->status,
						      "state", "unknown", "seal_key", p->has_seal,
						      "rtt_us", -1));
	}
	*fetched_at = d->fetched_at;
	directory_release(d);
	return list;
}

/* The broker out of reach, but this node known to be out of the federation:
 * the broker said its membership ended or was revoked (its TLS listener
 * refuses the certificate after that, which looks like a network fault), or
 * the CRL this node holds revokes its own certificate. 1 with why set. */
static int local_health_refused_before(struct node *n, char *why, size_t cap)
{
	char said[sizeof(n->member_word)], reason[256];
	pthread_mutex_lock(&n->lock);
	int64_t at = n->member_word_at;
	snprintf(said, sizeof(said), "%s", n->member_word);
	pthread_mutex_unlock(&n->lock);
	if (at > 0) {
		char when[DATE_TIME_LEN + 1];
		date_time_of_ms(at, when);
		snprintf(why, cap, "%.300s (the broker's last word, %s; not reached since: its TLS "
			 "refuses a revoked certificate)", said, when);
		return 1;
	}
	if (pki_trust_verify(n->trust, n->ident->cert, n->ident->id, reason, sizeof(reason)) ==
	    WN_EREVOKED) {
		snprintf(why, cap, "this node's certificate is revoked (on the federation's CRL this "
			 "node holds): the broker refuses its TLS handshake");
		return 1;
	}
	return 0;
}

static json_t *local_health(struct node *n)
{
	json_t *env = NULL, *reply = NULL, *result;
	char err[512] = "";
	int rc = envelope_new1(&env, "health", n->ident->id, n->broker_id);
	if (rc == 0)
		rc = node_call_broker(n, env, n->call_timeout_ms, &reply, err, sizeof(err));
	json_decref(env);
	result = json_pack("{s:s,s:s,s:b}", "self", n->ident->id, "broker", n->broker_id,
			   "broker_up", rc == 0);
	/* lapsed is 0: a negative count could be read as -1, "none" */
	long left = 0;
	if (pki_cert_seconds_left(n->ident->cert, &left) == 0)
		json_object_set_new(result, "cert_seconds_left", json_integer(left > 0 ? left : 0));
	if (pki_trust_crl_seconds_left(n->trust, &left) == 0)
		json_object_set_new(result, "crl_seconds_left", json_integer(left > 0 ? left : 0));
	if (rc == 0) {
		json_t *body = envelope_body(reply);
		const json_t *behind = json_object_get(body, "audit_behind");
		json_object_set(result, "partners", json_object_get(body, "partners"));
		/* the broker's own word: nodes witnessed more of its log than it holds */
		if (json_is_object(behind) && json_is_array(json_object_get(behind, "partners")))
			json_object_set(result, "audit_behind", (json_t *)behind);
	} else {
		/* the broker answered, but not to this node: reached, and refused */
		int refused = rc == WN_EPENDING || rc == WN_EUNKNOWN_PARTNER || rc == WN_EREVOKED ||
			      rc == WN_EDENIED;
		if (!refused && (refused = local_health_refused_before(n, err, sizeof(err))))
			rc = WN_EREVOKED;
		int64_t at = 0;
		json_t *held = refused ? NULL : local_health_directory(n, &at);
		json_object_set_new(result, "partners", held ? held : json_array());
		if (held != NULL)
			json_object_set_new(result, "directory_fetched_at", json_integer(at));
		json_object_set_new(result, "broker_error", json_string(err[0] ? err
									  : wn_strerror(rc)));
		json_object_set_new(result, "broker_refused", json_boolean(refused));
	}
	json_decref(reply);
	return json_pack("{s:b,s:o}", "ok", 1, "result", result);
}

static json_t *local_directory(struct node *n)
{
	struct directory *d = node_directory(n);
	if (d == NULL)
		return local_error(WN_ESTATE, "the node has no verified directory yet "
					      "(is the broker reachable?)");
	json_t *list = json_array();
	for (size_t i = 0; i < d->count; i++) {
		struct dir_peer *p = &d->peers[i];
		json_array_append_new(list, json_pack("{s:s,s:s,s:s,s:s,s:b,s:b,s:O}", "id", p->id,
						      "name", p->name, "address", p->address,
						      "status", p->status, "usable", p->usable,
						      "seal_key", p->has_seal, "clusters",
						      p->clusters));
	}
	json_t *r = json_pack("{s:b,s:{s:s,s:s,s:I,s:i,s:o}}", "ok", 1, "result", "self",
			      n->ident->id, "broker", d->broker_id, "fetched_at",
			      (json_int_t)d->fetched_at, "policy_version", d->policy_version,
			      "partners", list);
	directory_release(d);
	return r;
}

int node_local_handle(void *arg, const struct rpc_peer *conn, const void *req, size_t len,
		      char **resp, size_t *resplen)
{
	(void)conn; /* the local socket is this partner's own (0600) */
	struct node *n = arg;
	json_error_t jerr;
	json_t *reply;
	int64_t start = time_mono_us();
	if (len > LOCAL_MAX_REQUEST)
		return local_reply(local_error(WN_ETOOBIG, "request too large"), resp, resplen);
	json_t *rq = json_loadb(req, len, JSON_REJECT_DUPLICATES, &jerr);
	const char *op = json_string_value(json_object_get(rq, "op"));
	char opname[49];
	snprintf(opname, sizeof(opname), "%s", op ? op : "?");
	if (rq == NULL || !json_is_object(rq)) {
		char msg[256];
		snprintf(msg, sizeof(msg), "malformed request: %s", jerr.text);
		reply = local_error(WN_EJSON, msg);
	} else if (op == NULL) {
		reply = local_error(WN_ESCHEMA, "missing field 'op' (string)");
	} else if (strcmp(op, "health") == 0) {
		reply = local_health(n);
	} else if (strcmp(op, "directory") == 0) {
		reply = local_directory(n);
	} else {
		reply = local_dispatch(n, op, rq);
	}
	/* named before rq goes: the counts and the bytes of one series */
	const char *series = rq != NULL && op != NULL ? opname : "invalid";
	metrics_observe("local", series,
			json_is_true(json_object_get(reply, "ok"))
				? 0 : error_from_name(json_string_value(json_object_get(reply, "error"))),
			time_mono_us() - start);
	if (!json_is_true(json_object_get(reply, "ok")))
		log_emit(WN_LOG_WARN, "local_refused",
			 json_pack("{s:s,s:O,s:O}", "op", opname, "error",
				   json_object_get(reply, "error"), "message",
				   json_object_get(reply, "message")));
	json_decref(rq);
	int rc = local_reply(reply, resp, resplen);
	metrics_bytes("local", series, len, rc == 0 ? *resplen : 0);
	return rc;
}

int local_check_categories(const json_t *cats, char *err, size_t errcap)
{
	const json_t *x;
	size_t i, j;
	json_array_foreach(cats, i, x) {
		const char *c = json_string_value(x);
		if (vocab_category(c) == NULL) {
			snprintf(err, errcap, "category '%.64s' is not in the vocabulary (r05)",
				 c ? c : "?");
			return WN_ECATEGORY;
		}
		for (j = 0; j < i; j++)
			if (strcmp(json_string_value(json_array_get(cats, j)), c) == 0) {
				snprintf(err, errcap, "category '%s' is named twice", c);
				return WN_EINVAL;
			}
	}
	return 0;
}
