/*
 * transport.c — nng sockets, contexts and TLS configuration.
 */
#include <arpa/inet.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netdb.h>
#include <unistd.h>

#include "wijknet.h"
#include "daemon.h"
#include "ids.h"
#include "log.h"
#include "transport.h"

#include <nng/protocol/reqrep0/rep.h>
#include <nng/protocol/reqrep0/req.h>

int transport_error(int rv)
{
	switch (rv) {
	case 0: return 0;
	case NNG_ETIMEDOUT: return WN_ETIMEOUT;
	case NNG_ENOMEM: return WN_ENOMEM;
	case NNG_EPEERAUTH:
	case NNG_ECRYPTO: return WN_ECERT;
	case NNG_EMSGSIZE: return WN_ETOOBIG;
	case NNG_ECONNREFUSED:
	case NNG_EUNREACHABLE:
	case NNG_ECONNSHUT:
	case NNG_ECONNRESET:
	case NNG_ECLOSED: return WN_EUNAVAILABLE;
	default: return WN_ETRANSPORT;
	}
}

/* A TLS configuration from the CA and CRL in PEM (crl may be NULL). */
static int transport_tls_config_pem(nng_tls_config **out, int server, const char *cert_key_path,
				    const char *ca, const char *crl, const char *server_name,
				    char *err, size_t errcap)
{
	nng_tls_config *cfg = NULL;
	int rv, rc = WN_ECONFIG;
	if ((rv = nng_tls_config_alloc(&cfg, server ? NNG_TLS_MODE_SERVER : NNG_TLS_MODE_CLIENT)) != 0) {
		snprintf(err, errcap, "TLS: %s", nng_strerror(rv));
		return WN_ENOMEM;
	}
	if ((rv = nng_tls_config_ca_chain(cfg, ca, crl)) != 0) {
		snprintf(err, errcap, "CA/CRL refused by TLS: %s", nng_strerror(rv));
		goto out;
	}
	if ((rv = nng_tls_config_cert_key_file(cfg, cert_key_path, NULL)) != 0) {
		snprintf(err, errcap, "%s: certificate/key refused by TLS: %s", cert_key_path,
			 nng_strerror(rv));
		goto out;
	}
	if ((rv = nng_tls_config_auth_mode(cfg, NNG_TLS_AUTH_MODE_REQUIRED)) != 0 ||
	    (rv = nng_tls_config_version(cfg, NNG_TLS_1_2, NNG_TLS_1_3)) != 0) {
		snprintf(err, errcap, "TLS: %s", nng_strerror(rv));
		goto out;
	}
	if (!server && server_name != NULL &&
	    (rv = nng_tls_config_server_name(cfg, server_name)) != 0) {
		snprintf(err, errcap, "TLS server name '%s': %s", server_name, nng_strerror(rv));
		goto out;
	}
	*out = cfg;
	cfg = NULL;
	rc = 0;
out:
	if (cfg)
		nng_tls_config_free(cfg);
	return rc;
}

int transport_tls_config(nng_tls_config **out, int server, const char *cert_key_path,
			 const char *ca_path, const char *crl_path, const char *server_name,
			 char *err, size_t errcap)
{
	pki_trust *t = NULL; /* read and checked once, as the daemons' trust is */
	int rc = pki_trust_load(ca_path, crl_path, &t, err, errcap);
	if (rc == 0)
		rc = transport_tls_config_trust(out, server, cert_key_path, t, server_name, err,
						errcap);
	pki_trust_free(t);
	return rc;
}

int transport_tls_config_trust(nng_tls_config **out, int server, const char *cert_key_path,
			       pki_trust *trust, const char *server_name, char *err,
			       size_t errcap)
{
	char *ca = NULL, *crl = NULL;
	int rc = pki_trust_pem(trust, &ca, &crl);
	if (rc == 0)
		rc = transport_tls_config_pem(out, server, cert_key_path, ca, crl, server_name, err,
					      errcap);
	free(ca);
	free(crl);
	return rc;
}

/* ---- server --------------------------------------------------------- */

struct rpc_worker {
	pthread_t thread;
	nng_ctx ctx;
	nng_aio *aio;
	struct rpc_server *server;
};

struct rpc_server {
	nng_socket sock;
	nng_listener listener;
	gate *gate;        /* in front of a tls+tcp listener, else NULL */
	rpc_handler handler;
	void *arg;
	int nworkers;
	struct rpc_worker *workers;
	int local;         /* ipc://: the integrators' socket on this machine */
};

void rpc_peer_disconnect(const struct rpc_peer *peer)
{
	if (peer != NULL && nng_pipe_id(peer->pipe) > 0)
		nng_pipe_close(peer->pipe);
}

/* The remote address of the pipe a message came over: through the gate,
 * the real peer's. */
static void rpc_peer_of(const rpc_server *s, nng_msg *msg, struct rpc_peer *peer)
{
	nng_sockaddr sa;
	char ip[INET6_ADDRSTRLEN] = "?";
	peer->pipe = nng_msg_get_pipe(msg);
	snprintf(peer->addr, sizeof(peer->addr), "unknown");
	if (nng_pipe_get_addr(peer->pipe, NNG_OPT_REMADDR, &sa) != 0)
		return;
	if (s->gate != NULL && sa.s_family == NNG_AF_INET &&
	    gate_peer_addr(s->gate, ntohs(sa.s_in.sa_port), peer->addr, sizeof(peer->addr)) == 0)
		return;
	if (sa.s_family == NNG_AF_INET) {
		inet_ntop(AF_INET, &sa.s_in.sa_addr, ip, sizeof(ip));
		snprintf(peer->addr, sizeof(peer->addr), "%s:%u", ip, ntohs(sa.s_in.sa_port));
	} else if (sa.s_family == NNG_AF_INET6) {
		inet_ntop(AF_INET6, sa.s_in6.sa_addr, ip, sizeof(ip));
		snprintf(peer->addr, sizeof(peer->addr), "[%s]:%u", ip, ntohs(sa.s_in6.sa_port));
	} else if (sa.s_family == NNG_AF_IPC) {
		snprintf(peer->addr, sizeof(peer->addr), "local");
	}
}

/* A message over the limit: refused before any parsing, logged at most once
 * a second with the count of those not logged. */
static void rpc_log_oversized(const struct rpc_peer *peer, size_t len)
{
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	static int64_t last = INT64_MIN / 2;
	static long suppressed;
	int64_t now = time_mono_ms();
	pthread_mutex_lock(&lock);
	int emit = now - last >= 1000;
	long before = suppressed;
	if (emit) {
		last = now;
		suppressed = 0;
	} else {
		suppressed++;
	}
	pthread_mutex_unlock(&lock);
	if (emit)
		log_emit(WN_LOG_WARN, "message_oversized",
			 json_pack("{s:s,s:I,s:i,s:I}", "addr", peer->addr, "bytes", (json_int_t)len,
				   "limit", TRANSPORT_MSG_MAX, "not_logged_before", (json_int_t)before));
}

#define RPC_SEND_TIMEOUT_MS 10000

static void *rpc_worker_main(void *p)
{
	struct rpc_worker *w = p;
	daemon_name_thread(w->server->local ? "wn:local" : "wn:peer");
	for (;;) {
		nng_aio_set_timeout(w->aio, NNG_DURATION_INFINITE);
		nng_ctx_recv(w->ctx, w->aio);
		nng_aio_wait(w->aio);
		int rv = nng_aio_result(w->aio);
		if (rv == NNG_ECLOSED || rv == NNG_ECANCELED)
			break;
		if (rv != 0)
			continue;
		nng_msg *msg = nng_aio_get_msg(w->aio);
		char *resp = NULL;
		size_t resplen = 0;
		struct rpc_peer peer;
		rpc_peer_of(w->server, msg, &peer);
		if (nng_msg_len(msg) > TRANSPORT_MSG_MAX) {
			/* no answer: the sender is not worth the work; the line says who */
			rpc_log_oversized(&peer, nng_msg_len(msg));
			nng_msg_free(msg);
			rpc_peer_disconnect(&peer);
			continue;
		}
		int hr = w->server->handler(w->server->arg, &peer, nng_msg_body(msg),
					    nng_msg_len(msg), &resp, &resplen);
		nng_msg_free(msg);
		if (hr != 0 || resp == NULL) {
			free(resp);
			continue;
		}
		nng_msg *reply = NULL;
		if (nng_msg_alloc(&reply, 0) != 0 || nng_msg_append(reply, resp, resplen) != 0) {
			nng_msg_free(reply);
			free(resp);
			continue;
		}
		free(resp);
		nng_aio_set_msg(w->aio, reply);
		/* a peer that never reads its answers does not hold a worker */
		nng_aio_set_timeout(w->aio, RPC_SEND_TIMEOUT_MS);
		nng_ctx_send(w->ctx, w->aio);
		nng_aio_wait(w->aio);
		if (nng_aio_result(w->aio) != 0)
			nng_msg_free(reply);
	}
	return NULL;
}

/* A connection nng established through the gate: its far end is the
 * gate's loopback port, which no longer needs a handshake deadline. */
static void rpc_server_pipe_added(nng_pipe p, nng_pipe_ev ev, void *arg)
{
	rpc_server *s = arg;
	nng_sockaddr sa;
	char addr[RPC_ADDR_MAX];
	if (ev != NNG_PIPE_EV_ADD_POST)
		return;
	/* only the gate reaches nng's loopback port: a local process that
	 * connects to it directly, past the gate's limits, is closed */
	if (nng_pipe_get_addr(p, NNG_OPT_REMADDR, &sa) != 0 || sa.s_family != NNG_AF_INET ||
	    sa.s_in.sa_addr != htonl(INADDR_LOOPBACK) ||
	    gate_peer_addr(s->gate, ntohs(sa.s_in.sa_port), addr, sizeof(addr)) != 0) {
		log_msg(WN_LOG_WARN, "connection_bypassed_gate", "a connection reached the listener "
			"behind the gate directly; closed");
		nng_pipe_close(p);
		return;
	}
	gate_established(s->gate, ntohs(sa.s_in.sa_port));
}

/* tls+tcp://host:port → host and port; 0 when url is one. */
static int rpc_split_url(const char *url, char *host, size_t hostcap, int *port)
{
	const char *p = url + strlen("tls+tcp://"), *colon = strrchr(p, ':');
	if (colon == NULL || (size_t)(colon - p) >= hostcap)
		return -1;
	const char *h = p, *hend = colon;
	if (*h == '[' && hend > h + 1 && hend[-1] == ']') {
		h++;
		hend--;
	}
	memcpy(host, h, (size_t)(hend - h));
	host[hend - h] = '\0';
	char *end = NULL;
	long v = strtol(colon + 1, &end, 10);
	if (end == colon + 1 || *end != '\0' || v < 0 || v > 65535)
		return -1;
	*port = (int)v;
	return 0;
}

int transport_url_valid(const char *url)
{
	char host[256];
	int port = 0;
	if (url == NULL || strncmp(url, "tls+tcp://", 10) != 0 ||
	    rpc_split_url(url, host, sizeof(host), &port) != 0 || host[0] == '\0' || port < 1)
		return -1;
	for (const char *c = host; *c; c++) /* a name or an address, nothing to be parsed again */
		if (!(((*c | 32) >= 'a' && (*c | 32) <= 'z') || (*c >= '0' && *c <= '9') ||
		      *c == '.' || *c == '-' || *c == ':' || *c == '_'))
			return -1;
	return 0;
}

int transport_listen_check(const char *url, char *err, size_t errcap)
{
	char host[256];
	int port = 0;
	struct addrinfo *ai = NULL;
	if (transport_url_valid(url) != 0 || rpc_split_url(url, host, sizeof(host), &port) != 0) {
		snprintf(err, errcap, "'%.200s' is not tls+tcp://host:port", url ? url : "");
		return WN_EINVAL;
	}
	int rc = gate_resolve(host, port, &ai, err, errcap);
	if (ai != NULL)
		freeaddrinfo(ai);
	return rc;
}

/* The gate on the url's address, nng's listener on a loopback port behind it. */
static int rpc_server_gate(rpc_server *s, const char *url, const struct gate_limits *lim,
			   char *backend_url, size_t cap, char *err, size_t errcap)
{
	char host[256];
	int port = 0;
	struct gate_limits def;
	if (lim == NULL) {
		gate_limits_default(&def);
		lim = &def;
	}
	if (rpc_split_url(url, host, sizeof(host), &port) != 0) {
		snprintf(err, errcap, "%s: not tls+tcp://host:port", url);
		return WN_EINVAL;
	}
	int rc = gate_open(&s->gate, host, port, lim, err, errcap);
	if (rc == 0)
		snprintf(backend_url, cap, "tls+tcp://127.0.0.1:0");
	return rc;
}

int rpc_workers_default(int per_core, int min)
{
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	long n = (cores > 0 ? cores : 1) * per_core;
	return n < min ? min : n > 64 ? 64 : (int)n;
}

int rpc_server_start(rpc_server **out, const char *url, nng_tls_config *tls,
		     const struct gate_limits *lim, int workers, rpc_handler handler, void *arg,
		     char *err, size_t errcap)
{
	int rv, rc = WN_ETRANSPORT;
	char listen_url[300];
	rpc_server *s = calloc(1, sizeof(*s));
	if (s == NULL)
		return WN_ENOMEM;
	s->handler = handler;
	s->arg = arg;
	if ((rv = nng_rep0_open(&s->sock)) != 0) {
		snprintf(err, errcap, "cannot open socket: %s", nng_strerror(rv));
		free(s);
		return WN_ETRANSPORT;
	}
	snprintf(listen_url, sizeof(listen_url), "%s", url);
	if (strncmp(url, "tls+tcp://", 10) == 0 &&
	    (rc = rpc_server_gate(s, url, lim, listen_url, sizeof(listen_url), err, errcap)) != 0)
		goto fail;
	rc = WN_ETRANSPORT;
	nng_socket_set_size(s->sock, NNG_OPT_RECVMAXSZ, TRANSPORT_RECV_MAX);
	if (s->gate != NULL)
		nng_pipe_notify(s->sock, NNG_PIPE_EV_ADD_POST, rpc_server_pipe_added, s);
	if ((rv = nng_listener_create(&s->listener, s->sock, listen_url)) != 0) {
		snprintf(err, errcap, "%s: cannot listen: %s", url, nng_strerror(rv));
		goto fail;
	}
	if (tls != NULL && (rv = nng_listener_set_ptr(s->listener, NNG_OPT_TLS_CONFIG, tls)) != 0) {
		snprintf(err, errcap, "%s: TLS: %s", url, nng_strerror(rv));
		goto fail;
	}
	s->local = strncmp(url, "ipc://", 6) == 0;
	if (s->local)
		nng_listener_set_int(s->listener, NNG_OPT_IPC_PERMISSIONS, 0600);
	if ((rv = nng_listener_start(s->listener, 0)) != 0) {
		snprintf(err, errcap, "%s: cannot listen: %s", url, nng_strerror(rv));
		goto fail;
	}
	if (s->gate != NULL) {
		int bport = 0;
		if ((rv = nng_listener_get_int(s->listener, NNG_OPT_TCP_BOUND_PORT, &bport)) != 0 ||
		    (rc = gate_start(s->gate, bport, err, errcap)) != 0) {
			snprintf(err, errcap, "%s: cannot start the gate", url);
			rc = WN_ETRANSPORT;
			goto fail;
		}
	}
	s->workers = calloc((size_t)workers, sizeof(*s->workers));
	if (s->workers == NULL) {
		rc = WN_ENOMEM;
		goto fail;
	}
	for (int i = 0; i < workers; i++) {
		struct rpc_worker *w = &s->workers[i];
		w->server = s;
		if (nng_ctx_open(&w->ctx, s->sock) != 0 || nng_aio_alloc(&w->aio, NULL, NULL) != 0 ||
		    pthread_create(&w->thread, NULL, rpc_worker_main, w) != 0) {
			snprintf(err, errcap, "cannot start worker %d", i);
			if (w->aio)
				nng_aio_free(w->aio);
			w->aio = NULL;
			goto fail;
		}
		s->nworkers++;
	}
	*out = s;
	return 0;
fail:
	rpc_server_stop(s);
	return rc;
}

int rpc_server_set_tls(rpc_server *s, nng_tls_config *tls)
{
	int rv = nng_listener_set_ptr(s->listener, NNG_OPT_TLS_CONFIG, tls);
	return rv == 0 ? 0 : transport_error(rv);
}

void rpc_server_on_refused_cert(rpc_server *s, gate_cert_hook hook, void *arg)
{
	if (s != NULL && s->gate != NULL)
		gate_on_refused_cert(s->gate, hook, arg);
}

void rpc_server_gate_stats(rpc_server *s, struct gate_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (s != NULL && s->gate != NULL)
		gate_get_stats(s->gate, out);
}

void rpc_server_stop(rpc_server *s)
{
	if (s == NULL)
		return;
	nng_close(s->sock);
	for (int i = 0; i < s->nworkers; i++) {
		pthread_join(s->workers[i].thread, NULL);
		nng_aio_free(s->workers[i].aio);
	}
	gate_close(s->gate); /* after nng: it reports no more connections to it */
	free(s->workers);
	free(s);
}

/* ---- client --------------------------------------------------------- */

struct rpc_client {
	nng_socket sock;
	nng_dialer dialer;
	atomic_int pipes;
};

static void rpc_client_pipe_event(nng_pipe p, nng_pipe_ev ev, void *arg)
{
	(void)p;
	struct rpc_client *c = arg;
	if (ev == NNG_PIPE_EV_ADD_POST)
		atomic_fetch_add(&c->pipes, 1);
	else if (ev == NNG_PIPE_EV_REM_POST)
		atomic_fetch_sub(&c->pipes, 1);
}

static int rpc_client_dialer(rpc_client *c, const char *url, nng_tls_config *tls, int flags)
{
	int rv = nng_dialer_create(&c->dialer, c->sock, url);
	if (rv != 0)
		return rv;
	if (tls != NULL && (rv = nng_dialer_set_ptr(c->dialer, NNG_OPT_TLS_CONFIG, tls)) != 0)
		return rv;
	nng_dialer_set_ms(c->dialer, NNG_OPT_RECONNMINT, 100);
	nng_dialer_set_ms(c->dialer, NNG_OPT_RECONNMAXT, 1000);
	return nng_dialer_start(c->dialer, flags);
}

/* A REQ socket with its options and pipe counting, no dialer yet. */
static int rpc_client_new(rpc_client **out, char *err, size_t errcap)
{
	int rv;
	rpc_client *c = calloc(1, sizeof(*c));
	if (c == NULL)
		return WN_ENOMEM;
	atomic_init(&c->pipes, 0);
	if ((rv = nng_req0_open(&c->sock)) != 0) {
		snprintf(err, errcap, "cannot open socket: %s", nng_strerror(rv));
		free(c);
		return WN_ETRANSPORT;
	}
	nng_socket_set_ms(c->sock, NNG_OPT_REQ_RESENDTIME, NNG_DURATION_INFINITE);
	nng_socket_set_size(c->sock, NNG_OPT_RECVMAXSZ, TRANSPORT_RECV_MAX);
	nng_pipe_notify(c->sock, NNG_PIPE_EV_ADD_POST, rpc_client_pipe_event, c);
	nng_pipe_notify(c->sock, NNG_PIPE_EV_REM_POST, rpc_client_pipe_event, c);
	*out = c;
	return 0;
}

int rpc_client_open_lazy(rpc_client **out, const char *url, nng_tls_config *tls, char *err,
			 size_t errcap)
{
	rpc_client *c = NULL;
	int rv = rpc_client_new(&c, err, errcap);
	if (rv != 0)
		return rv;
	if ((rv = rpc_client_dialer(c, url, tls, NNG_FLAG_NONBLOCK)) != 0) {
		snprintf(err, errcap, "%s: cannot dial: %s", url, nng_strerror(rv));
		nng_close(c->sock);
		free(c);
		return WN_ETRANSPORT;
	}
	*out = c;
	return 0;
}

int rpc_client_open(rpc_client **out, const char *url, nng_tls_config *tls, int *first_error,
		    char *err, size_t errcap)
{
	rpc_client *c = NULL;
	int rv = rpc_client_new(&c, err, errcap);
	if (rv != 0)
		return rv;
	rv = rpc_client_dialer(c, url, tls, 0);
	if (first_error)
		*first_error = rv;
	if (rv != 0) {
		/* a synchronous dialer that failed cannot be restarted: replace it */
		nng_dialer_close(c->dialer);
		rv = rpc_client_dialer(c, url, tls, NNG_FLAG_NONBLOCK);
		if (rv != 0) {
			snprintf(err, errcap, "%s: cannot dial: %s", url, nng_strerror(rv));
			nng_close(c->sock);
			free(c);
			return WN_ETRANSPORT;
		}
	}
	*out = c;
	return 0;
}

void rpc_client_close(rpc_client *c)
{
	if (c == NULL)
		return;
	nng_close(c->sock);
	free(c);
}

void rpc_client_hangup(rpc_client *c)
{
	if (c != NULL)
		nng_dialer_close(c->dialer);
}

int rpc_client_connected(rpc_client *c)
{
	return c != NULL && atomic_load(&c->pipes) > 0;
}

int rpc_call(rpc_client *c, const void *req, size_t len, int timeout_ms, char **resp,
	     size_t *resplen)
{
	nng_ctx ctx;
	nng_aio *aio = NULL;
	nng_msg *msg = NULL;
	int rv, rc;
	if (c == NULL)
		return WN_EUNAVAILABLE;
	if ((rv = nng_ctx_open(&ctx, c->sock)) != 0)
		return transport_error(rv);
	nng_ctx_set_ms(ctx, NNG_OPT_REQ_RESENDTIME, NNG_DURATION_INFINITE);
	if ((rv = nng_aio_alloc(&aio, NULL, NULL)) != 0 || (rv = nng_msg_alloc(&msg, 0)) != 0 ||
	    (rv = nng_msg_append(msg, req, len)) != 0) {
		rc = transport_error(rv);
		goto out;
	}
	nng_aio_set_timeout(aio, timeout_ms);
	nng_aio_set_msg(aio, msg);
	nng_ctx_send(ctx, aio);
	nng_aio_wait(aio);
	if ((rv = nng_aio_result(aio)) != 0) {
		rc = transport_error(rv);
		goto out;
	}
	msg = NULL; /* now owned by nng */
	nng_ctx_recv(ctx, aio);
	nng_aio_wait(aio);
	if ((rv = nng_aio_result(aio)) != 0) {
		rc = transport_error(rv);
		goto out;
	}
	msg = nng_aio_get_msg(aio);
	size_t n = nng_msg_len(msg);
	char *buf = malloc(n + 1);
	if (buf == NULL) {
		rc = WN_ENOMEM;
		goto out;
	}
	memcpy(buf, nng_msg_body(msg), n);
	buf[n] = '\0';
	*resp = buf;
	*resplen = n;
	rc = 0;
out:
	nng_msg_free(msg);
	if (aio)
		nng_aio_free(aio);
	nng_ctx_close(ctx);
	return rc;
}

/* ---- fan-out -------------------------------------------------------- */

struct fan_state {
	pthread_mutex_t lock;
	pthread_cond_t done;
	size_t pending;
	int64_t deadline;
};

struct fan_leg {
	struct fan_state *fan;
	struct rpc_fan_item *item;
	nng_ctx ctx;
	nng_aio *aio;
	int stage; /* 0 sending, 1 receiving */
	int64_t start;
};

static void fan_finish(struct fan_leg *leg, int rc)
{
	leg->item->rc = rc;
	leg->item->elapsed_ms = (double)(time_mono_us() - leg->start) / 1000.0;
	pthread_mutex_lock(&leg->fan->lock);
	if (--leg->fan->pending == 0)
		pthread_cond_signal(&leg->fan->done);
	pthread_mutex_unlock(&leg->fan->lock);
}

static void fan_callback(void *arg)
{
	struct fan_leg *leg = arg;
	int rv = nng_aio_result(leg->aio);
	if (leg->stage == 0) {
		if (rv != 0) {
			nng_msg_free(nng_aio_get_msg(leg->aio));
			fan_finish(leg, transport_error(rv));
			return;
		}
		leg->stage = 1;
		int64_t left = leg->fan->deadline - time_mono_us() / 1000;
		nng_aio_set_timeout(leg->aio, left > 0 ? (nng_duration)left : 1);
		nng_ctx_recv(leg->ctx, leg->aio);
		return;
	}
	if (rv != 0) {
		fan_finish(leg, transport_error(rv));
		return;
	}
	nng_msg *msg = nng_aio_get_msg(leg->aio);
	size_t n = nng_msg_len(msg);
	char *buf = malloc(n + 1);
	if (buf != NULL) {
		memcpy(buf, nng_msg_body(msg), n);
		buf[n] = '\0';
		leg->item->resp = buf;
		leg->item->resplen = n;
	}
	nng_msg_free(msg);
	fan_finish(leg, buf ? 0 : WN_ENOMEM);
}

int rpc_fanout(struct rpc_fan_item *items, size_t n, int deadline_ms)
{
	struct fan_state fan;
	struct fan_leg *legs = calloc(n ? n : 1, sizeof(*legs));
	if (legs == NULL)
		return WN_ENOMEM;
	pthread_mutex_init(&fan.lock, NULL);
	pthread_cond_init(&fan.done, NULL);
	fan.pending = n;
	fan.deadline = time_mono_us() / 1000 + deadline_ms;
	for (size_t i = 0; i < n; i++) {
		struct fan_leg *leg = &legs[i];
		nng_msg *msg = NULL;
		leg->fan = &fan;
		leg->item = &items[i];
		leg->start = time_mono_us();
		items[i].resp = NULL;
		items[i].resplen = 0;
		if (items[i].client == NULL) {
			fan_finish(leg, WN_EUNAVAILABLE);
			continue;
		}
		if (nng_ctx_open(&leg->ctx, items[i].client->sock) != 0) {
			fan_finish(leg, WN_ETRANSPORT);
			continue;
		}
		nng_ctx_set_ms(leg->ctx, NNG_OPT_REQ_RESENDTIME, NNG_DURATION_INFINITE);
		if (nng_aio_alloc(&leg->aio, fan_callback, leg) != 0 || nng_msg_alloc(&msg, 0) != 0 ||
		    nng_msg_append(msg, items[i].req, items[i].len) != 0) {
			nng_msg_free(msg);
			fan_finish(leg, WN_ENOMEM);
			continue;
		}
		nng_aio_set_timeout(leg->aio, deadline_ms);
		nng_aio_set_msg(leg->aio, msg);
		nng_ctx_send(leg->ctx, leg->aio);
	}
	pthread_mutex_lock(&fan.lock);
	while (fan.pending > 0)
		pthread_cond_wait(&fan.done, &fan.lock);
	pthread_mutex_unlock(&fan.lock);
	for (size_t i = 0; i < n; i++) {
		if (legs[i].aio != NULL) {
			nng_aio_free(legs[i].aio);
			nng_ctx_close(legs[i].ctx);
		}
	}
	pthread_cond_destroy(&fan.done);
	pthread_mutex_destroy(&fan.lock);
	free(legs);
	return 0;
}
