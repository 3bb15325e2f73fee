/*
 * context.h — the broker's shared state, seen by its request handlers.
 */
#ifndef WN_BROKER_CONTEXT_H
#define WN_BROKER_CONTEXT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include <jansson.h>

#include "config.h"
#include "db.h"
#include "pki.h"
#include "registry.h"
#include "replay.h"
#include "store.h"
#include "transport.h"

struct accession; /* declaration.h */

struct broker {
	config *cfg;
	/* the covenant the federation runs under (config 'covenant', read at
	 * start): a join is taken only in its accession text */
	const struct accession *accession;
	char *listen;
	char *cert_path, *ca_path, *crl_path, *db_path;
	char *ca_dir, *ca_tool; /* the federation CA when this host keeps it, or NULL */
	/* the keys SIGHUP applies live: read atomically */
	_Atomic int64_t skew_ms;
	_Atomic int64_t refusals_per_minute; /* then the connection is closed */
	struct gate_limits gate_limits;
	struct secevent_certq *certq; /* certificates the gate refused, to the register */
	atomic_int deadline_ms;
	int workers;
	int db_lock_fd;           /* one broker per database: held while it runs */
	int db_locked;
	/* the federation policy in force (policy.c) */
	pthread_mutex_t policy_lock;
	json_t *policy;
	char approval_rule[32];
	atomic_int policy_version;
	atomic_int max_partners;
	atomic_int max_consent_days;  /* the longest a consent is valid */
	atomic_int notice_months;     /* Heerlen 14.2: two months */
	atomic_int case_retention_days; /* a case's default retention after opening */
	int durable_log;
	pki_identity *ident;
	pki_trust *trust;
	db *db;
	db_writer *writer; /* group commit of audit entries */
	replay *replay;    /* message ids seen (persisted through writer) */
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
	struct httpd *http;       /* the operator's /metrics and /healthz, or NULL */
	rpc_server *server;
	/* the living federation (federation.c) */
	pthread_mutex_t fed_lock;
	pthread_cond_t fed_wake;
	pthread_t fed_thread;
	int fed_started, fed_stopping;
	pthread_mutex_t reload_lock; /* one reload at a time; guards the two below */
	int64_t crl_stamp;       /* the CA and CRL files as last read */
	int tls_stale;           /* the listener's TLS swap failed: retried */
	int64_t pushed_version;  /* the directory version nodes were told of */
	atomic_int retally_due;  /* a decision could not be stored: count again */
	atomic_int carry_due;    /* an approved proposal may not be carried out yet */
	int64_t carry_logged_ms; /* the last retry that failed and said so */
	pthread_mutex_t member_lock; /* one membership decision at a time */
	atomic_int probing;       /* a member address being checked: one at a time */
	/* the operator's local socket (admin.c) */
	char *admin_url;
	rpc_server *admin;
};

/* A verified request from a partner, handed to a type handler. */
struct broker_request {
	const json_t *env;
	struct registry_partner *from;
};

/* Type handlers: set *reply to a signed envelope (owned by the caller). */
int broker_handle_health(struct broker *b, const struct broker_request *rq, json_t **reply);

/* Pings every usable partner's node at once: [{id, name, status, state,
 * rtt_us, cert_seconds_left, ...}]. *out: json_decref(). */
int broker_health_list(struct broker *b, json_t **out);
/* A signed health check of partner p's node at address, answered and
 * signed by that node: 0, or why not in err. */
int broker_health_probe(struct broker *b, struct registry_partner *p, const char *address,
			char *err, size_t errcap);

/* The open proposals and the latest decided ones, with their votes. */
json_t *broker_member_proposals(struct broker *b);
int broker_handle_directory(struct broker *b, const struct broker_request *rq, json_t **reply);
int broker_handle_seal_publish(struct broker *b, const struct broker_request *rq, json_t **reply);
/* cert.renew: a partner's renewed certificate (its key unchanged) replaces
 * the registered one. */
int broker_handle_cert_renew(struct broker *b, const struct broker_request *rq, json_t **reply,
			     char *err, size_t errcap);

/* Routes a lookup to its recipients; err explains a refusal. */
int broker_handle_lookup(struct broker *b, const struct broker_request *rq, json_t **reply,
			 char *err, size_t errcap);

/* Routes a data request to its source within a case; err explains a refusal. */
int broker_handle_request(struct broker *b, const struct broker_request *rq, json_t **reply,
			  char *err, size_t errcap);

/* A notice, a rights decision or a recipient's carrying out of a rights
 * notice from a partner to the municipality; a refusal passed on by the
 * partner that registered it to a source it names; a rights request carried
 * out passed on to a recipient of the data, and its word back. */
int broker_handle_to_municipality(struct broker *b, const struct broker_request *rq,
				  json_t **reply, char *err, size_t errcap);

/* Routes a rights request or an access report to the partners named; err
 * explains a refusal. */
int broker_handle_broadcast(struct broker *b, const struct broker_request *rq, json_t **reply,
			    char *err, size_t errcap);

/* The deadline env's body asks for (deadline_ms), within the broker's own
 * and not so short that partners can never answer in time (route.c). */
int broker_deadline(struct broker *b, const json_t *env);

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
/* The fields of a signed checkpoint of the audit log, as a node sends one
 * back (checkpoint.witness, checkpoint.dispute). */
extern const struct schema_field broker_checkpoint_fields[];
/* Nodes that witnessed a checkpoint the audit log no longer extends
 * (dispute.c): checkpoint.dispute, the dispute of a node that witnessed the
 * log again dropped, and the disputes for the operator into *out ({partners,
 * witnessed, log_size}; NULL when there are none; json_decref()). */
int broker_handle_dispute(struct broker *b, const struct broker_request *rq, json_t **reply,
			  char *err, size_t errcap);
void broker_dispute_settled(struct broker *b, const char *partner);
int broker_audit_disputes(struct broker *b, json_t **out);

/* Handles thirdparty.propose, .declare, .approve, .reject and .list. */
int broker_handle_thirdparty(struct broker *b, const struct broker_request *rq, json_t **reply,
			     char *err, size_t errcap);

/* Handles consent.register and consent.revoke. */
int broker_handle_consent(struct broker *b, const struct broker_request *rq, json_t **reply,
			  char *err, size_t errcap);

/* Whether the consent ref ({id, version}) names is registered, that version,
 * active and valid today, and registered by holder (NULL: anyone): 0 or
 * WN_ECONSENT with err saying why. */
int broker_consent_check(struct broker *b, const json_t *ref, const char *holder, char *err,
			 size_t errcap);

/* The same judgement on a registry entry already read. */
struct store_consent;
int broker_consent_status(const struct store_consent *c, const json_t *ref, char *err,
			  size_t errcap);

/* A consent serves one case (Bijlage 5): the first use binds it to its case,
 * and it grounds no other (WN_ECONSENT). Inside a writer transaction. */
int broker_consent_serves_case_locked(db *d, const struct store_consent *c, const char *case_id,
				      char *err, size_t errcap);

/* broker_consent_check and then the binding above, on ref ({id, version})
 * held by holder, in one writer transaction: a case opened or a person
 * added on a consent. */
int broker_consent_bind_locked(db *d, const json_t *ref, const char *holder, const char *case_id,
			       char *err, size_t errcap);

/* member.* and policy.* (membership.c): joining, votes, notice, ending and
 * policy changes, decided under the federation's approval rule. */
int broker_handle_member(struct broker *b, const struct broker_request *rq, json_t **reply,
			 char *err, size_t errcap);

/* Counts the open proposals' votes again (the registry changed). */
void broker_member_retally(struct broker *b);

/* Carries out approved proposals that are not yet (their carrying out
 * failed, or the broker stopped between a decision and its carrying out).
 * 1 when one still is not: to be tried again. */
int broker_member_carry_pending(struct broker *b);

/* A message from a sender not (yet) in the registry: a candidate's join
 * request or status question, verified with the certificate it carries
 * (membership.c). Sets *handled to 0 when it is not one of these. */
int broker_handle_candidate(struct broker *b, const json_t *env, int *handled, json_t **reply,
			    char *err, size_t errcap);

/* A join request under the id of a former partner p (ended or revoked):
 * WN_EEXISTS with the reason in err when it holds (signed with the
 * certificate it carries, which the federation CA issued), else why it does
 * not. The id stays in the registry with the log that names it. */
int broker_former_join(struct broker *b, const json_t *env, const struct registry_partner *p,
		       char *err, size_t errcap);

/* Reads the CA and CRL again: swaps the listener's TLS configuration and
 * rechecks every partner (federation.c). */
int broker_reload(struct broker *b, int *changed, char *err, size_t errcap);
int broker_federation_start(struct broker *b);
void broker_federation_wake(struct broker *b);
/* Has the CA this host keeps (ca_dir) revoke every valid certificate of id
 * but serial keep: the key a rekey replaced. 0, or WN_EIO; out gets what
 * the CA tool said. */
int broker_ca_revoke_replaced(struct broker *b, const char *id, const char *keep, char *out,
			      size_t outcap);

void broker_federation_stop(struct broker *b);

/* The operator's local socket (admin.c): its address from the config key
 * "admin", by default next to the database (caller frees). */
char *broker_admin_url(config *cfg, const json_t *root, const char *db_path);
int broker_admin_start(struct broker *b, char *err, size_t errcap);

/* breach.report: a node raises its security events to the municipality's
 * breach register (admin.c). */
int broker_handle_breach_report(struct broker *b, const struct broker_request *rq,
				json_t **reply, char *err, size_t errcap);

/* Signs env as the broker. */
int broker_sign(struct broker *b, json_t *env);

/* A signed reply of type to rq carrying body (owned: taken even on error). */
int broker_reply(struct broker *b, const struct broker_request *rq, const char *type,
		 json_t *body, json_t **reply);

#endif
