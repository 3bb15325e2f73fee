/*
 * context.h — the broker's shared state, seen by its request handlers.
 */
#ifndef WN_BROKER_CONTEXT_H
#define WN_BROKER_CONTEXT_H

#include <pthread.h>
#include <stdint.h>

#include <jansson.h>

#include "config.h"
#include "db.h"
#include "pki.h"
#include "registry.h"
#include "store.h"
#include "transport.h"

struct broker {
	config *cfg;
	char *listen;
	char *cert_path, *ca_path, *crl_path, *db_path;
	int64_t skew_ms;
	int64_t refusals_per_minute; /* then the connection is closed */
	struct gate_limits gate_limits;
	int deadline_ms;
	int workers;
	int max_partners;
	int max_consent_days;  /* federation policy: the longest a consent is valid */
	int durable_log;
	pki_identity *ident;
	pki_trust *trust;
	db *db;
	db_writer *writer; /* group commit of audit entries */
	struct audit audit; /* writer + the Merkle log of audit_log */
	int checkpoint_ms;
	int64_t purge_ms, next_purge; /* cases past their retention date */
	pthread_t checkpointer;
	int checkpointer_started;
	pthread_mutex_t cp_lock;
	pthread_cond_t cp_wake;
	int stopping;
	registry *reg;
	nng_tls_config *server_tls;
	rpc_server *server;
};

/* A verified request from a partner, handed to a type handler. */
struct broker_request {
	const json_t *env;
	struct registry_partner *from;
};

/* Type handlers: set *reply to a signed envelope (owned by the caller). */
int broker_handle_health(struct broker *b, const struct broker_request *rq, json_t **reply);
int broker_handle_directory(struct broker *b, const struct broker_request *rq, json_t **reply);
int broker_handle_seal_publish(struct broker *b, const struct broker_request *rq, json_t **reply);

/* Routes a lookup to its recipients; err explains a refusal. */
int broker_handle_lookup(struct broker *b, const struct broker_request *rq, json_t **reply,
			 char *err, size_t errcap);

/* Routes a data request to its source within a case; err explains a refusal. */
int broker_handle_request(struct broker *b, const struct broker_request *rq, json_t **reply,
			  char *err, size_t errcap);

/* Routes a rights request or an access report to the partners named; err
 * explains a refusal. */
int broker_handle_broadcast(struct broker *b, const struct broker_request *rq, json_t **reply,
			    char *err, size_t errcap);

/* Monthly management information from every member (mgmtinfo.c). */
int broker_handle_stats(struct broker *b, const struct broker_request *rq, json_t **reply,
			char *err, size_t errcap);

/* Handles case.open, case.join, case.leave, case.close and case.list. */
int broker_handle_case(struct broker *b, const struct broker_request *rq, json_t **reply,
		       char *err, size_t errcap);

/* Checkpoints of the audit log (checkpoint.c): one now; the timer thread
 * (a first one at start, a last one at stop); checkpoint.get and
 * checkpoint.cosign. */
int broker_checkpoint_now(struct broker *b);
int broker_purge_now(struct broker *b);
int broker_checkpoints_start(struct broker *b);
void broker_checkpoints_stop(struct broker *b);
int broker_handle_checkpoint(struct broker *b, const struct broker_request *rq, json_t **reply,
			     char *err, size_t errcap);

/* Handles thirdparty.propose, .declare, .approve, .reject and .list. */
int broker_handle_thirdparty(struct broker *b, const struct broker_request *rq, json_t **reply,
			     char *err, size_t errcap);

/* Handles consent.register and consent.revoke. */
int broker_handle_consent(struct broker *b, const struct broker_request *rq, json_t **reply,
			  char *err, size_t errcap);

/* Whether the consent ref ({id, version}) names is registered, that version,
 * active and valid today: 0 or WN_ECONSENT with err saying why. */
int broker_consent_check(struct broker *b, const json_t *ref, char *err, size_t errcap);

/* The same judgement on a registry entry already read. */
struct store_consent;
int broker_consent_status(const struct store_consent *c, const json_t *ref, char *err,
			  size_t errcap);

/* Signs env as the broker. */
int broker_sign(struct broker *b, json_t *env);

/* A signed reply of type to rq carrying body (owned: taken even on error). */
int broker_reply(struct broker *b, const struct broker_request *rq, const char *type,
		 json_t *body, json_t **reply);

#endif
