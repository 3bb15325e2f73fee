/*
 * transport.h — nng REQ/REP over mutual TLS (or ipc:// for local clients).
 *
 * rpc_server: a REP listener with a pool of worker threads, each with its own
 * context, so slow requests do not block others. rpc_client: a REQ dialer
 * with reconnect backoff; each call opens its own context, so many calls may
 * run at once on one connection. Request resend is off: a resent request
 * would be refused as a replay anyway.
 */
#ifndef WN_TRANSPORT_H
#define WN_TRANSPORT_H

#include <stddef.h>

#include <nng/nng.h>
#include <nng/supplemental/tls/tls.h>

#include "pki.h"

#include "gate.h"

/* nng's cap on a message received: larger ones close the connection. Up to
 * it the worker reads a message, and one over TRANSPORT_MSG_MAX is refused
 * and logged there (the codec's own limit is lower still). */
#define TRANSPORT_RECV_MAX (4 * 1024 * 1024)
#define TRANSPORT_MSG_MAX (1024 * 1024)
#define RPC_ADDR_MAX 64

/* Builds a TLS config: server (auth required) or client (auth required,
 * server_name pinned). cert_key_path holds cert + key; the CA and CRL files
 * are loaded into the chain. *out: nng_tls_config_free(). */
int transport_tls_config(nng_tls_config **out, int server, const char *cert_key_path,
			 const char *ca_path, const char *crl_path, const char *server_name,
			 char *err, size_t errcap);

/* The same from a trust store's CA and CRL (as they are now). */
int transport_tls_config_trust(nng_tls_config **out, int server, const char *cert_key_path,
			       pki_trust *trust, const char *server_name, char *err,
			       size_t errcap);

/* The connection a request came over: what the network shows, apart from
 * whatever the message claims. */
struct rpc_peer {
	char addr[RPC_ADDR_MAX]; /* "ip:port"; "local" for ipc:// */
	nng_pipe pipe;
};

/* Closes the connection a request came over (a peer past its refusals). */
void rpc_peer_disconnect(const struct rpc_peer *peer);

/* Handles one request; sets *resp (malloc'd, freed by the server) or
 * returns non-zero to answer nothing (the caller then times out). */
typedef int (*rpc_handler)(void *arg, const struct rpc_peer *peer, const void *req, size_t len,
			   char **resp, size_t *resplen);

typedef struct rpc_server rpc_server;

/* Worker threads for a server whose handlers block per_core times per
 * online core, at least min and at most 64: the default of a daemon's
 * `workers`. */
int rpc_workers_default(int per_core, int min);

/* Listens on url (tls may be NULL for ipc://; ipc sockets are made 0600).
 * A tls+tcp:// url is served through a gate (gate.h) with limits lim (NULL:
 * the defaults), which holds connections to a handshake deadline and a share
 * per address; handlers see the real peer's address. */
int rpc_server_start(rpc_server **out, const char *url, nng_tls_config *tls,
		     const struct gate_limits *lim, int workers, rpc_handler handler, void *arg,
		     char *err, size_t errcap);

/* The gate's counters of a server (zeros for ipc://). */
void rpc_server_gate_stats(rpc_server *s, struct gate_stats *out);

/* The hook told of the certificates clients offered in TLS handshakes the
 * server refused (gate.h); nothing on a server without a gate. */
void rpc_server_on_refused_cert(rpc_server *s, gate_cert_hook hook, void *arg);
void rpc_server_stop(rpc_server *s);

/* Swaps the TLS configuration of a running listener (a new CA or CRL):
 * connections already made keep running, new ones use tls. The caller
 * keeps and frees its own reference. */
int rpc_server_set_tls(rpc_server *s, nng_tls_config *tls);

typedef struct rpc_client rpc_client;

/* Dials url. The first attempt is synchronous so that a refused handshake is
 * reported (*first_error, may be NULL, gets the nng error or 0); afterwards
 * the dialer keeps reconnecting in the background with backoff. */
int rpc_client_open(rpc_client **out, const char *url, nng_tls_config *tls, int *first_error,
		    char *err, size_t errcap);
/* Dials url in the background only: nothing waits here, a call waits for
 * the connection up to its own deadline (a one-off probe of an address). */
int rpc_client_open_lazy(rpc_client **out, const char *url, nng_tls_config *tls, char *err,
			 size_t errcap);
void rpc_client_close(rpc_client *c);

/* Closes the connection and stops redialing (a partner that left or was
 * revoked); calls on c fail from then on. c stays valid until closed. */
void rpc_client_hangup(rpc_client *c);

/* Sends req and waits up to timeout_ms for the reply (*resp malloc'd,
 * caller frees). WN_ETIMEOUT when no answer came in time. */
int rpc_call(rpc_client *c, const void *req, size_t len, int timeout_ms, char **resp,
	     size_t *resplen);

/* 1 while at least one connection is established. */
int rpc_client_connected(rpc_client *c);

/* Maps an nng error to a WN_E… code. */
int transport_error(int nng_rv);

/* 0 when url is where a node can be reached: tls+tcp://host:port, the host
 * a name or an address ([...] for IPv6), the port 1-65535. */
int transport_url_valid(const char *url);

/* 0 when url is one a daemon can listen on: valid, its host resolving as
 * the start resolves it. Errors: WN_EINVAL, WN_ETRANSPORT; err says why. */
int transport_listen_check(const char *url, char *err, size_t errcap);



/* One leg of a concurrent fan-out: client NULL means "not connected". */
struct rpc_fan_item {
	rpc_client *client;
	const void *req;
	size_t len;
	char *resp;          /* malloc'd reply (caller frees) */
	size_t resplen;
	int rc;              /* 0 or WN_E… (WN_ETIMEOUT past the deadline) */
	double elapsed_ms;   /* time to the reply */
	/* private */
	void *priv;
};

/* Sends every item's request at once and waits until all answered or the
 * deadline passed; each item gets its own result. */
int rpc_fanout(struct rpc_fan_item *items, size_t n, int deadline_ms);
#endif
