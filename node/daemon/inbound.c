/*
 * inbound.c — what the node accepts from the federation. Its listener takes
 * any federation certificate, so every message must prove itself: from the
 * broker, the broker's signature; from a partner, the broker's receipt
 * (countersignature) *and* the partner's own signature, checked against the
 * node's verified directory. Partners cannot query each other around the
 * broker.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wijknet.h"
#include "answer.h"
#include "context.h"
#include "envelope.h"
#include "ids.h"
#include "log.h"
#include "rectify.h"
#include "refusal.h"
#include "metrics.h"
#include "replay.h"
#include "mgmtinfo.h"
#include "notice.h"
#include "report.h"
#include "rights.h"
#include "secevent.h"

/* The code a message was refused or failed with, for the metrics. */
static _Thread_local int handled_code;

/* Records and answers a refusal (secevent_refuse); "not ready" is only
 * logged. */
static int inbound_refuse(struct node *n, const struct rpc_peer *conn, const json_t *env,
			  const char *peer, int code, const char *detail, char **resp,
			  size_t *resplen)
{
	handled_code = code;
	if (code != WN_ESTATE)
		return secevent_refuse(n->db, conn, env, peer, code, detail,
				       n->refusals_per_minute, n->ident->id, n->ident->key, resp,
				       resplen);
	/* not ready is this node's state, not the sender's doing */
	json_t *reply = NULL;
	log_msg(WN_LOG_WARN, "inbound_not_ready", "%s", detail);
	int rc = envelope_error(&reply, env, n->ident->id, n->ident->key, code, detail);
	if (rc == 0)
		rc = envelope_encode(reply, resp, resplen);
	json_decref(reply);
	return rc;
}

/* Answers this node's own failure (a database that cannot be written,
 * memory, crypto): logged as an error, not recorded against the sender. */
static int inbound_fail(struct node *n, const json_t *env, int code, const char *detail,
			char **resp, size_t *resplen)
{
	handled_code = code;
	json_t *er = NULL;
	log_msg(WN_LOG_ERROR, "answer_failed", "%s", detail);
	int rc = envelope_error(&er, env, n->ident->id, n->ident->key, code, detail);
	if (rc == 0)
		rc = envelope_encode(er, resp, resplen);
	json_decref(er);
	return rc;
}

static int inbound_health(struct node *n, const json_t *env, json_t **reply)
{
	json_t *r = NULL;
	int rc = envelope_new1(&r, "health.answer", n->ident->id, envelope_str(env, "from"));
	if (rc != 0)
		return rc;
	envelope_set_str(r, "re", envelope_str(env, "id"));
	json_object_set_new(r, "body", json_pack("{s:s}", "state", "up"));
	if ((rc = envelope_sign(r, n->ident->key)) != 0) {
		json_decref(r);
		return rc;
	}
	*reply = r;
	return 0;
}

/* Checks who sent env; on success *sender is the directory entry of a
 * partner, or NULL for the broker itself. */
static int inbound_authenticate(struct node *n, struct directory *d, const json_t *env,
				struct dir_peer **sender, char *err, size_t errcap)
{
	const char *from = envelope_str(env, "from");
	*sender = NULL;
	if (strcmp(from, n->broker_id) == 0) {
		if (envelope_verify(env, d->broker_cert) != 0) {
			snprintf(err, errcap, "message claims to come from the broker but its "
				 "signature does not verify");
			return WN_ESIG;
		}
		return 0;
	}
	if (envelope_verify_receipt(env, d->broker_cert, n->broker_id) != 0) {
		snprintf(err, errcap, "message from '%s' lacks a valid countersignature of the "
			 "broker '%s'; partners may not query each other directly", from, n->broker_id);
		return WN_ENORECEIPT;
	}
	struct dir_peer *p = directory_find(d, from);
	if (p == NULL) {
		snprintf(err, errcap, "sender '%s' is not in the directory", from);
		return WN_EUNKNOWN_PARTNER;
	}
	if (!p->usable) {
		snprintf(err, errcap, "sender '%s' is not an active partner (%s)", from, p->status);
		return WN_EREVOKED;
	}
	if (envelope_verify(env, p->cert) != 0) {
		snprintf(err, errcap, "signature does not verify for sender '%s'", from);
		return WN_ESIG;
	}
	*sender = p;
	return 0;
}

int node_inbound_handle(void *arg, const struct rpc_peer *conn, const void *req, size_t len,
			char **resp, size_t *resplen)
{
	struct node *n = arg;
	json_t *env = NULL, *reply = NULL;
	struct directory *d = NULL;
	struct dir_peer *sender = NULL;
	char err[512];
	int64_t start = time_mono_us();
	handled_code = 0;
	int rc = envelope_parse(req, len, &env, err, sizeof(err));
	if (rc != 0) {
		rc = inbound_refuse(n, conn, NULL, NULL, rc, err, resp, resplen);
		goto out;
	}
	const char *from = envelope_str(env, "from");
	if ((d = node_directory(n)) == NULL) {
		/* a node just admitted learns it from the push: it fetches and
		 * verifies the directory itself */
		if (strcmp(envelope_str(env, "type"), "directory.changed") == 0)
			node_directory_changed(n);
		snprintf(err, sizeof(err), "node has no verified directory yet");
		rc = inbound_refuse(n, conn, env, from, WN_ESTATE, err, resp, resplen);
		goto out;
	}
	rc = inbound_authenticate(n, d, env, &sender, err, sizeof(err));
	if (rc == WN_EUNKNOWN_PARTNER || (rc == 0 && sender != NULL && !sender->has_seal)) {
		/* a partner that joined or published its key after our last fetch */
		directory_release(d);
		node_refresh_directory_before(n, envelope_ts(env));
		if ((d = node_directory(n)) == NULL) {
			rc = inbound_refuse(n, conn, env, from, WN_ESTATE, "no verified directory", resp,
					    resplen);
			goto out;
		}
		rc = inbound_authenticate(n, d, env, &sender, err, sizeof(err));
	}
	if (rc != 0) {
		rc = inbound_refuse(n, conn, env, from, rc, err, resp, resplen);
		goto out;
	}
	if (!envelope_addressed_to(env, n->ident->id)) {
		snprintf(err, sizeof(err), "message is not addressed to '%s'", n->ident->id);
		rc = inbound_refuse(n, conn, env, from, WN_EPROTO, err, resp, resplen);
		goto out;
	}
	if (!atomic_load(&n->witness_checked) &&
	    strcmp(envelope_str(env, "type"), "directory.changed") != 0) {
		/* a copy restored from a backup could overwrite disclosure entries
		 * the broker witnessed: nothing is answered, not even health, until
		 * its ledger is checked against them (the requester may ask again) */
		snprintf(err, sizeof(err), "the node has not yet checked its ledger against the "
			 "checkpoint the broker witnessed; ask again shortly");
		rc = inbound_refuse(n, conn, env, from, WN_ESTATE, err, resp, resplen);
		goto out;
	}
	rc = replay_check(n->replay, envelope_str(env, "id"), envelope_ts(env), n->skew_ms);
	if (rc == WN_EDB || rc == WN_ENOMEM) {
		/* this node's own failure, not the sender's: no breach entry */
		rc = inbound_fail(n, env, WN_EDB, "the node cannot record the message id (database "
				  "error); the message was not handled", resp, resplen);
		goto out;
	}
	if (rc != 0) {
		replay_explain(n->replay, rc, envelope_str(env, "id"), envelope_ts(env), n->skew_ms,
			       err, sizeof(err));
		rc = inbound_refuse(n, conn, env, from, rc, err, resp, resplen);
		goto out;
	}
	const char *type = envelope_str(env, "type");
	err[0] = '\0';
	if (sender == NULL && strcmp(type, "health") == 0) {
		rc = inbound_health(n, env, &reply);
	} else if (sender == NULL && strcmp(type, "directory.changed") == 0) {
		node_directory_changed(n); /* fetched and verified by the refresher */
		rc = inbound_health(n, env, &reply);
	} else if (sender == NULL && strcmp(type, "stats.month") == 0) {
		rc = stats_answer(n, env, &reply, err, sizeof(err));
	} else if (sender != NULL && strcmp(type, "lookup") == 0) {
		rc = answer_lookup(n, env, sender, &reply, err, sizeof(err));
	} else if (sender != NULL && strcmp(type, "request") == 0) {
		rc = answer_request(n, env, sender, &reply, err, sizeof(err));
	} else if (sender != NULL && sender->municipality && strcmp(type, "report.access") == 0) {
		rc = report_answer(n, env, sender, &reply, err, sizeof(err));
	} else if (sender != NULL && sender->municipality && strcmp(type, "rights.request") == 0) {
		rc = rights_receive(n, env, sender, &reply, err, sizeof(err));
	} else if (sender != NULL && strcmp(type, "notice") == 0) {
		rc = notice_receive(n, env, sender, &reply, err, sizeof(err));
	} else if (sender != NULL && strcmp(type, "rights.decision") == 0) {
		rc = rights_decision_receive(n, env, sender, &reply, err, sizeof(err));
	} else if (sender != NULL && strcmp(type, "refusal.notice") == 0) {
		rc = refusal_receive(n, env, sender, &reply, err, sizeof(err));
	} else if (sender != NULL && strcmp(type, "rights.notice") == 0) {
		rc = rectify_receive(n, env, sender, &reply, err, sizeof(err));
	} else if (sender != NULL && strcmp(type, "rights.notice.done") == 0) {
		rc = rectify_done_receive(n, env, sender, &reply, err, sizeof(err));
	} else if (sender != NULL && strcmp(type, "rights.carried_out") == 0) {
		rc = rectify_report_receive(n, env, sender, &reply, err, sizeof(err));
	} else {
		snprintf(err, sizeof(err), "message type '%s' is not accepted here from '%s'", type,
			 from);
		rc = inbound_refuse(n, conn, env, from, WN_EPROTO, err, resp, resplen);
		goto out;
	}
	if (rc != 0) {
		if (err[0] == '\0')
			snprintf(err, sizeof(err), "cannot answer '%s': %s", type, wn_strerror(rc));
		if (rc == WN_EDB || rc == WN_ENOMEM || rc == WN_ECRYPTO) {
			/* an internal failure, not the sender's fault: no breach entry */
			rc = inbound_fail(n, env, rc, err, resp, resplen);
		} else {
			rc = inbound_refuse(n, conn, env, from, rc, err, resp, resplen);
		}
		goto out;
	}
	rc = envelope_encode(reply, resp, resplen);
	log_emit(WN_LOG_DEBUG, "inbound_answered",
		 json_pack("{s:s,s:s,s:I}", "type", type, "re", envelope_str(env, "id"), "duration_us",
			   (json_int_t)(time_mono_us() - start)));
out:
	metrics_observe("inbound", env ? envelope_str(env, "type") : "invalid",
			handled_code ? handled_code : rc, time_mono_us() - start);
	metrics_bytes("inbound", env ? envelope_str(env, "type") : "invalid", len,
		      rc == 0 && *resp != NULL ? *resplen : 0);
	directory_release(d);
	json_decref(env);
	json_decref(reply);
	return rc;
}
