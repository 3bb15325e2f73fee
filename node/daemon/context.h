/*
 * context.h — the node's shared state, seen by its handlers.
 */
#ifndef WN_NODE_CONTEXT_H
#define WN_NODE_CONTEXT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include <jansson.h>

#include "config.h"
#include "db.h"
#include "directory.h"
#include "keys.h"
#include "pki.h"
#include "profile.h"
#include "replay.h"
#include "tlog.h"
#include "transport.h"

struct node {
	config *cfg;
	char *cert_path, *ca_path, *crl_path, *db_path, *keys_path;
	char *listen, *local, *broker_url;
	char broker_id[PKI_ID_MAX];
	/* the keys SIGHUP applies live: read atomically */
	_Atomic int64_t skew_ms;
	_Atomic int64_t refusals_per_minute; /* then the connection is closed */
	struct gate_limits gate_limits;
	struct secevent_certq *certq; /* certificates the gate refused, to the register */
	int workers;              /* each local API call is served by one */
#define NODE_WORKERS_MAX 64
	int db_lock_fd;           /* one daemon per database: held while it runs */
	int db_locked;
	atomic_int call_timeout_ms;
	atomic_int refresh_ms;
	pki_identity *ident;
	pki_trust *trust;
	struct node_keys keys;
	db *db;
	db_writer *writer;        /* group commit: disclosure and sent logs */
	replay *replay;           /* message ids seen (persisted through writer) */
	tlog *ledger;             /* the tamper-evident log of disclosures and decisions */
	int checkpoint_ms;
	int64_t next_checkpoint;  /* monotonic ms: own checkpoint and witnessing */
	int64_t purge_ms, next_purge; /* records past their retention date */
	int durable_log;
	struct profile profile;
	nng_tls_config *server_tls, *client_tls;
	rpc_client *broker;
	rpc_server *inbound;
	rpc_server *localsrv;
	struct httpd *http;       /* the operator's /metrics and /healthz, or NULL */

	pthread_mutex_t lock;     /* guards dir, seal_published, stopping, broker_rc/why,
				   * member_word */
	pthread_mutex_t refresh_lock; /* one on-demand refresh at a time */
	pthread_cond_t wake;
	struct directory *dir;
	int seal_published;
	int refresh_now;          /* the broker said the directory changed */
	int outbox_now;           /* something waits for the municipality */
	int stopping;
	int broker_rc;            /* the last directory refresh: 0, or why it failed */
	char broker_why[512];
	/* the broker's last word that this node's membership ended or was
	 * revoked, kept while the broker is out of reach: its TLS listener
	 * refuses the revoked certificate, which looks like a network fault */
	char member_word[512];
	int64_t member_word_at;   /* when it was said (ms), 0: nothing said */
	int64_t breach_mark;      /* the security events last raised to the broker */
	int64_t reported_size;    /* the ledger checkpoint the broker witnessed last */
	atomic_int witness_checked; /* this ledger is not behind what the broker witnessed:
				     * partners' messages wait for it (a restored copy) */
	int accept_gap;           /* --accept-ledger-gap: 1 given, 2 a gap recorded with it */
	int64_t witnessed_ahead;  /* the size the broker witnessed when this ledger is behind it */
	int64_t opened_size;      /* the ledger's entries when first opened since its last check */
	int64_t copy_size;        /* of those, the ones a behind ledger can be checked on */
	atomic_int failed;        /* stopped for a reason the operator must see (exit 1) */
	pthread_t refresher;
	int refresher_started;

	pthread_mutex_t proof_lock;      /* guards the two below (consentproof.c) */
	json_t *proof_statement;         /* the broker's statement of our active consents */
	struct consentset *proof_set;    /* the tree it signs */
};

/* The current verified directory with a reference (directory_release), or NULL. */
struct directory *node_directory(struct node *n);

/* Signs env, sends it to the broker, verifies the broker-signed reply
 * (bound to env by "re"). An `error` reply becomes its code, with the
 * broker's message in err. *reply: json_decref(). */
int node_call_broker(struct node *n, json_t *env, int timeout_ms, json_t **reply, char *err,
		     size_t errcap);

/* Fetches and verifies the directory now. */
int node_refresh_directory(struct node *n, char *err, size_t errcap);

/* Refreshes when the verified directory is older than ts (the time a query
 * was made: the sender may have joined or published its key since). One
 * refresh at a time; queries that waited for it do not fetch again. */
void node_refresh_directory_before(struct node *n, int64_t ts);

/* Checkpoints (witness.c): a signed checkpoint of the ledger; the broker's
 * latest checkpoint checked against the last one seen, kept and co-signed. */
/* Sends the ledger's latest checkpoint to the broker, which witnesses it;
 * and asks what it witnessed: WN_ETAMPERED (err says why) when this ledger
 * is behind it or differs from it (a restore from an older backup). */
int node_report_checkpoint(struct node *n);
int node_check_witnessed(struct node *n, char *err, size_t errcap);
int node_checkpoint_own(struct node *n);
/* A ledger behind what the broker witnessed (node_check_witnessed set
 * witnessed_ahead) restored from a backup on the operator's word: the
 * broker records the lost entries and witnesses this ledger from here. */
int node_accept_gap(struct node *n, char *err, size_t errcap);
/* The ledger's size when first opened since it was last checked against
 * the broker (kept across starts) into opened_size; node_ledger_checked
 * forgets it once a check passed. */
int node_ledger_unchecked(struct node *n);
void node_ledger_checked(struct node *n);
int node_witness_broker(struct node *n, char *err, size_t errcap);

/* Checks a node config's keys (a reload reads it again). */
int node_config_check(config *cfg, char *err, size_t errcap);

/* The living federation (federation.c): the trust from the CA and CRL
 * files and the newest CRL kept from the broker; a CRL the directory
 * carries; a refresh now (the broker's push); raising security events to
 * the municipality's breach register. */
int node_trust_open(struct node *n, char *err, size_t errcap);
/* The trust a start takes: the ca and crl files, and when the file's CRL
 * lapsed, stored (the CRL the broker distributed; may be NULL) in its
 * place. *out: pki_trust_free(). WN_E… with err naming the keys. */
int node_trust_build(struct node *n, const char *stored, pki_trust **out, char *err,
		     size_t errcap);
/* The CRL the broker distributed, read from the database file at path
 * before the start opens it, making no file (malloc'd; NULL: none). */
char *node_stored_crl_at(const char *path);
int node_offer_crl(struct node *n, const char *pem);
void node_directory_changed(struct node *n);
void node_raise_breaches(struct node *n);

/* Handlers wired by node.c. */
int node_inbound_handle(void *arg, const struct rpc_peer *conn, const void *req, size_t len,
			char **resp, size_t *resplen);
int node_local_handle(void *arg, const struct rpc_peer *conn, const void *req, size_t len,
		      char **resp, size_t *resplen);

#endif
